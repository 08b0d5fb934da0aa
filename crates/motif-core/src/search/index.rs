//! The tantivy index in `.motif/index/`: its schema, what it records about
//! the transcripts it holds, and how it is kept current.
//!
//! One document per passage (a speaker turn's words, or a paragraph), with
//! the transcript id as the delete key; its words are indexed lower-cased
//! and accent-folded, with positions (stems are found at query time, see
//! `analysis`). The commit payload (stored by
//! tantivy in `meta.json`, so it changes atomically with the documents)
//! records the schema version and, per transcript, its content hash, file
//! size and modification time, and attributes.
//!
//! Bringing the index up to date: stat every transcript file; a file whose
//! size and time match what was recorded (and was not modified within two
//! seconds of that commit, the "racy" window) is unchanged; others are read
//! and hashed, and re-indexed only when the hash (or the transcript's
//! attributes) changed. Transcripts that disappeared are deleted.
//!
//! Concurrency: updates take `.motif/locks/index.lock` (an OS lock,
//! released when its process dies). A process that finds the index
//! current never takes it. One that finds it stale but locked by another
//! process answers from the last commit and says so; with no usable index
//! at all it waits for the other process. Full builds happen in a
//! temporary folder that replaces `.motif/index/` by renames, so readers
//! never see half an index.
//!
//! Missing, damaged (unreadable `meta.json`, missing or corrupt segment
//! files), made by another schema version, or left half-updated by a
//! process that died while holding the lock (its marker
//! `.motif/locks/index.updating` is still there): the index is rebuilt
//! and the report says why.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};

use crate::fsio::open_lock_file;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::indexer::UserOperation;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analysis::{self, FOLDED, KEYWORD};
use super::query::{QueryFields, attribute_term};
use super::{Passage, passage_key, passages, passages_of};
use crate::error::{Error, IoContext, Result};
use crate::fsio::sync_dir;
use crate::project::{Attributes, Project};
use crate::transcript::{Speakers, Transcript, content_hash, detect_turns_with};

/// Version of the schema and analyzers; an index made with another is
/// rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// Files modified this close (in nanoseconds) before a commit are checked
/// by content, since a second change within the file system's time
/// resolution could leave size and time unchanged.
const RACY_NS: u64 = 2_000_000_000;

/// Memory budget per indexing thread.
const THREAD_BUDGET: usize = 64 << 20;

/// The fields of a passage document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub transcript: Field,
    pub passage: Field,
    pub speaker: Field,
    pub attr: Field,
    pub time: Field,
    pub start: Field,
    pub end: Field,
    pub line: Field,
    pub text: Field,
}

impl Fields {
    pub fn query(&self) -> QueryFields {
        QueryFields {
            text: self.text,
            speaker: self.speaker,
            transcript: self.transcript,
            attr: self.attr,
        }
    }
}

/// The schema of passage documents.
pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let keyword = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(KEYWORD)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let words = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        transcript: b.add_text_field("transcript", STRING | STORED),
        passage: b.add_text_field("passage", STRING),
        speaker: b.add_text_field("speaker", keyword.clone().set_stored()),
        attr: b.add_text_field("attr", keyword),
        time: b.add_text_field("time", STORED),
        start: b.add_u64_field("start", STORED),
        end: b.add_u64_field("end", STORED),
        line: b.add_u64_field("line", STORED),
        text: b.add_text_field("text", words(FOLDED).set_stored()),
    };
    (b.build(), fields)
}

/// What the index knows about one transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub hash: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u64,
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
    pub passages: u64,
    /// How its speakers were read ([`Speakers::key`]; empty: detected): a
    /// changed `--speakers` override re-indexes a transcript whose text
    /// did not change.
    #[serde(default)]
    pub reading: String,
}

/// The commit payload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format: String,
    pub schema: u32,
    /// When this state was committed (nanoseconds since the Unix epoch).
    pub committed: u64,
    /// Attribute names of the project (usable as `name:value` in queries).
    #[serde(default)]
    pub attributes: Vec<String>,
    pub transcripts: BTreeMap<String, Entry>,
}

const FORMAT: &str = "motif.index";

/// What a call to bring the index up to date did.
#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// Transcripts indexed for the first time, re-indexed, and dropped.
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Whether the index was built from nothing.
    pub rebuilt: bool,
    /// Bytes of transcript text indexed by this call.
    pub bytes: u64,
    /// Transcripts and passages in the index now.
    pub transcripts: usize,
    pub passages: u64,
    /// The answer comes from the last commit of an index another process
    /// is updating right now.
    pub stale: bool,
    /// What the researcher should be told: why the index was rebuilt, that
    /// results may be stale, transcripts that cannot be read.
    pub notices: Vec<String>,
}

impl UpdateReport {
    /// Whether anything was written.
    pub fn changed_anything(&self) -> bool {
        self.rebuilt || self.added + self.changed + self.removed > 0
    }
}

/// Progress of long indexing work: `(done, total, transcript id)`; with a
/// total of 0, a message to show the researcher now (why the index is
/// being rebuilt, or that another process is being waited for).
pub type ProgressFn<'a> = &'a mut dyn FnMut(usize, usize, &str);

/// The project's search index, opened for searching.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) manifest: Manifest,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .field("transcripts", &self.manifest.transcripts.len())
            .finish_non_exhaustive()
    }
}

/// Why an index could not be opened.
enum OpenFailure {
    Missing,
    Damaged(String),
    /// Made by another version of motif (schema or payload differ).
    OtherVersion,
}

/// Where the index and its lock live.
struct Paths {
    base: PathBuf,
    index: PathBuf,
    lock: PathBuf,
    /// Present while an update runs; left behind by a process that died
    /// mid-update.
    marker: PathBuf,
}

impl Paths {
    fn of(project: &Project) -> Paths {
        let base = project.derived_dir();
        Paths {
            index: base.join("index"),
            lock: base.join("locks").join("index.lock"),
            marker: base.join("locks").join("index.updating"),
            base,
        }
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn tantivy_error(path: &Path, e: &tantivy::TantivyError) -> String {
    format!("{}: {e}", path.display())
}

/// A transcript to (re)index.
struct Job {
    id: String,
    path: PathBuf,
    size: u64,
    mtime: u64,
    attrs: BTreeMap<String, String>,
    /// How its speakers are read (the researcher's override, if any).
    how: Speakers,
    /// The text, when it was read while planning.
    text: Option<String>,
    new: bool,
}

/// What bringing the index up to date involves.
#[derive(Default)]
struct Plan {
    jobs: Vec<Job>,
    remove: Vec<String>,
    /// Entries whose file time changed but not their content.
    touch: Vec<(String, u64, u64)>,
    attributes: Vec<String>,
    attributes_changed: bool,
    notices: Vec<String>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.jobs.is_empty()
            && self.remove.is_empty()
            && self.touch.is_empty()
            && !self.attributes_changed
    }
}

fn file_stamp(path: &Path) -> Result<(u64, u64)> {
    let meta = fs::metadata(path).at(path)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    Ok((meta.len(), mtime))
}

/// Compares the project with what the index holds.
fn plan(project: &Project, manifest: &Manifest) -> Result<Plan> {
    let files = project.transcript_files()?;
    let attributes = project.attributes()?;
    let now = now_ns();
    let mut plan = Plan {
        attributes_changed: attributes.names != manifest.attributes,
        attributes: attributes.names.clone(),
        ..Plan::default()
    };
    let mut seen = std::collections::HashSet::new();
    for (id, path) in files {
        seen.insert(id.clone());
        let (size, mtime) = match file_stamp(&path) {
            Ok(s) => s,
            Err(e) => {
                plan.notices.push(format!("not searchable: {e}"));
                if manifest.transcripts.contains_key(&id) {
                    plan.remove.push(id);
                }
                continue;
            }
        };
        let attrs = attributes.of(&id);
        let how = project.readings.speakers_of(&id).clone();
        let reading = how.key();
        let entry = manifest.transcripts.get(&id);
        let racy = |e: &Entry| e.mtime.saturating_add(RACY_NS) >= manifest.committed;
        if let Some(e) = entry
            && e.size == size
            && e.mtime == mtime
            && e.attrs == attrs
            && e.reading == reading
            && !racy(e)
        {
            continue;
        }
        let mut job = Job {
            id: id.clone(),
            path: path.clone(),
            size,
            mtime,
            attrs,
            how,
            text: None,
            new: entry.is_none(),
        };
        if let Some(e) = entry {
            // Same size, or a time-only change: compare contents.
            let text = match crate::project::read_transcript_text(&path) {
                Ok(t) => t,
                Err(err) => {
                    plan.notices.push(format!("not searchable: {err}"));
                    plan.remove.push(id);
                    continue;
                }
            };
            if e.attrs == job.attrs && e.reading == reading && content_hash(&text) == e.hash {
                // Unchanged. Record the file's time once it is out of the
                // racy window, so that it is not read again next time.
                if now.saturating_sub(mtime) > RACY_NS {
                    plan.touch.push((id, size, mtime));
                }
                continue;
            }
            job.text = Some(text);
        }
        plan.jobs.push(job);
    }
    for id in manifest.transcripts.keys() {
        if !seen.contains(id) {
            plan.remove.push(id.clone());
        }
    }
    Ok(plan)
}

/// Takes the index lock without waiting; `None` when another process has
/// it.
fn try_lock(path: &Path) -> Result<Option<File>> {
    let file = open_lock_file(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(Error::invalid(format!(
            "cannot lock {}: {e}; is the project on a file system without locks?",
            path.display()
        ))),
    }
}

fn wait_lock(path: &Path) -> Result<File> {
    let file = open_lock_file(path)?;
    file.lock().map_err(|e| {
        Error::invalid(format!(
            "cannot lock {}: {e}; is the project on a file system without locks?",
            path.display()
        ))
    })?;
    Ok(file)
}

/// A transcript's text, prepared for indexing: what `Transcript::new`
/// computes, less what the index does not need (the offset index).
struct Source {
    id: String,
    text: String,
    hash: String,
    passages: Vec<Passage>,
}

impl Source {
    fn new(id: String, text: String, how: &Speakers) -> Source {
        let passages = passages_of(&text, &detect_turns_with(&text, how));
        Source {
            hash: content_hash(&text),
            id,
            text,
            passages,
        }
    }

    fn of(t: &Transcript) -> Source {
        Source {
            id: t.id.clone(),
            text: t.text.clone(),
            hash: t.hash.clone(),
            passages: passages(t),
        }
    }
}

/// Adds the documents of one transcript's passages, replacing the ones it
/// had (`replace`), as one batch for the indexing threads.
fn add_transcript(
    writer: &IndexWriter,
    fields: &Fields,
    t: &Source,
    attrs: &BTreeMap<String, String>,
    replace: bool,
    path: &Path,
) -> Result<u64> {
    let mut ops = Vec::with_capacity(t.passages.len() + 1);
    if replace {
        ops.push(UserOperation::Delete(Term::from_field_text(
            fields.transcript,
            &t.id,
        )));
    }
    ops.extend(
        t.passages
            .iter()
            .map(|p| UserOperation::Add(document(fields, t, p, attrs))),
    );
    writer
        .run(ops)
        .map_err(|e| Error::invalid(tantivy_error(path, &e)))?;
    Ok(t.passages.len() as u64)
}

fn document(
    fields: &Fields,
    t: &Source,
    p: &Passage,
    attrs: &BTreeMap<String, String>,
) -> TantivyDocument {
    let body = &t.text[p.byte_start..p.byte_end];
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.transcript, &t.id);
    doc.add_text(fields.passage, passage_key(&t.id, p.start));
    if let Some(s) = &p.speaker {
        doc.add_text(fields.speaker, s);
    }
    for (k, v) in attrs {
        doc.add_text(fields.attr, attribute_term(k, v));
    }
    if let Some(time) = &p.time {
        doc.add_text(fields.time, time);
    }
    doc.add_u64(fields.start, p.start as u64);
    doc.add_u64(fields.end, p.end as u64);
    doc.add_u64(fields.line, p.line as u64);
    doc.add_text(fields.text, body);
    doc
}

fn commit(writer: &mut IndexWriter, manifest: &Manifest, path: &Path) -> Result<()> {
    let payload = serde_json::to_string(manifest).map_err(|e| Error::invalid(e.to_string()))?;
    let mut prepared = writer
        .prepare_commit()
        .map_err(|e| Error::invalid(tantivy_error(path, &e)))?;
    prepared.set_payload(&payload);
    prepared
        .commit()
        .map_err(|e| Error::invalid(tantivy_error(path, &e)))?;
    Ok(())
}

fn writer_for(
    index: &Index,
    bytes: u64,
) -> std::result::Result<IndexWriter, tantivy::TantivyError> {
    let threads = if bytes > 4 << 20 {
        crate::ordered::threads_for(4)
    } else {
        1
    };
    index.writer_with_num_threads(threads, threads * THREAD_BUDGET)
}

impl SearchIndex {
    /// Opens the project's index, brings it up to date (building it if it
    /// is missing or unusable) and reports what that took.
    pub fn open(
        project: &Project,
        progress: ProgressFn<'_>,
    ) -> Result<(SearchIndex, UpdateReport)> {
        let paths = Paths::of(project);
        // Most of the time the index is current: no lock, no writes.
        let current = match SearchIndex::open_dir(&paths.index) {
            Ok(idx) => {
                let plan = plan(project, &idx.manifest)?;
                if plan.is_empty() {
                    let report = idx.report(plan.notices);
                    return Ok((idx, report));
                }
                Some(idx)
            }
            _ => None,
        };
        let lock = if let Some(l) = try_lock(&paths.lock)? {
            l
        } else {
            if let Some(idx) = current {
                let mut report = idx.report(Vec::new());
                report.stale = true;
                report.notices.push(
                    "another motif process is updating the search index; these results come from its last update"
                        .into(),
                );
                return Ok((idx, report));
            }
            progress(
                0,
                0,
                "waiting for another motif process to finish the search index",
            );
            wait_lock(&paths.lock)?
        };
        drop(current);
        let result = SearchIndex::update_locked(project, &paths, progress, None);
        drop(lock);
        result
    }

    /// Rebuilds the project's index from nothing.
    pub fn rebuild(
        project: &Project,
        progress: ProgressFn<'_>,
    ) -> Result<(SearchIndex, UpdateReport)> {
        let paths = Paths::of(project);
        let lock = wait_lock(&paths.lock)?;
        let result = SearchIndex::update_locked(project, &paths, progress, Some(String::new()));
        drop(lock);
        result
    }

    /// Rebuilds after a search found the index damaged.
    pub(crate) fn rebuild_damaged(
        project: &Project,
        why: &str,
        progress: ProgressFn<'_>,
    ) -> Result<(SearchIndex, UpdateReport)> {
        let paths = Paths::of(project);
        let lock = wait_lock(&paths.lock)?;
        let reason = format!(
            "the search index in {} is damaged ({why}); rebuilding it",
            paths.index.display()
        );
        let result = SearchIndex::update_locked(project, &paths, progress, Some(reason));
        drop(lock);
        result
    }

    /// An index in memory over the given transcripts (tests, and callers
    /// that want no files).
    pub fn in_ram(transcripts: &[Transcript], attributes: &Attributes) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        analysis::register(&index);
        let mut manifest = Manifest {
            format: FORMAT.into(),
            schema: SCHEMA_VERSION,
            committed: now_ns(),
            attributes: attributes.names.clone(),
            transcripts: BTreeMap::new(),
        };
        let here = PathBuf::from("(memory)");
        {
            let mut writer: IndexWriter = index
                .writer_with_num_threads(1, 15 << 20)
                .map_err(|e| Error::invalid(tantivy_error(&here, &e)))?;
            for t in transcripts {
                let attrs = attributes.of(&t.id);
                let n = add_transcript(&writer, &fields, &Source::of(t), &attrs, false, &here)?;
                manifest.transcripts.insert(
                    t.id.clone(),
                    Entry {
                        hash: t.hash.clone(),
                        size: t.text.len() as u64,
                        mtime: 0,
                        attrs,
                        passages: n,
                        reading: String::new(),
                    },
                );
            }
            commit(&mut writer, &manifest, &here)?;
            writer
                .wait_merging_threads()
                .map_err(|e| Error::invalid(tantivy_error(&here, &e)))?;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::invalid(tantivy_error(&here, &e)))?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            manifest,
            path: None,
        })
    }

    /// Where the index lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Number of transcripts indexed.
    pub fn transcripts(&self) -> usize {
        self.manifest.transcripts.len()
    }

    /// Number of passages indexed.
    pub fn passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Attribute names usable as `name:value` in queries.
    pub fn attribute_names(&self) -> &[String] {
        &self.manifest.attributes
    }

    fn report(&self, notices: Vec<String>) -> UpdateReport {
        UpdateReport {
            transcripts: self.transcripts(),
            passages: self.passages(),
            notices,
            ..UpdateReport::default()
        }
    }

    fn open_dir(dir: &Path) -> std::result::Result<SearchIndex, OpenFailure> {
        if !dir.join("meta.json").is_file() {
            return Err(OpenFailure::Missing);
        }
        // tantivy may panic on corrupt files rather than return an error.
        super::guard(|| SearchIndex::open_dir_unguarded(dir))
            .unwrap_or_else(|panic| Err(OpenFailure::Damaged(panic)))
    }

    fn open_dir_unguarded(dir: &Path) -> std::result::Result<SearchIndex, OpenFailure> {
        let damaged = |e: &tantivy::TantivyError| OpenFailure::Damaged(e.to_string());
        let index = Index::open_in_dir(dir).map_err(|e| damaged(&e))?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(OpenFailure::OtherVersion);
        }
        analysis::register(&index);
        let metas = index.load_metas().map_err(|e| damaged(&e))?;
        let manifest: Manifest = match metas
            .payload
            .as_deref()
            .map(serde_json::from_str::<Manifest>)
        {
            Some(Ok(m)) if m.format == FORMAT && m.schema == SCHEMA_VERSION => m,
            // No payload, or another layout or version.
            _ => return Err(OpenFailure::OtherVersion),
        };
        // Readers opening segments briefly race with another process's
        // clean-up after a merge; try a few times before calling it damaged.
        let mut last = None;
        for attempt in 0..3 {
            match index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
            {
                Ok(reader) => {
                    return Ok(SearchIndex {
                        index,
                        reader,
                        fields,
                        manifest,
                        path: Some(dir.to_path_buf()),
                    });
                }
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(std::time::Duration::from_millis(20 * (attempt + 1)));
                }
            }
        }
        Err(OpenFailure::Damaged(
            last.map_or_else(String::new, |e| e.to_string()),
        ))
    }

    /// With the lock held: update in place, or rebuild when the index is
    /// unusable or `rebuild` says so (its text, when not empty, is the
    /// reason to tell).
    fn update_locked(
        project: &Project,
        paths: &Paths,
        progress: ProgressFn<'_>,
        rebuild: Option<String>,
    ) -> Result<(SearchIndex, UpdateReport)> {
        cleanup_leftovers(&paths.base);
        let interrupted = paths.marker.exists();
        fs::write(&paths.marker, std::process::id().to_string()).at(&paths.marker)?;
        let result = SearchIndex::update_marked(project, paths, progress, rebuild, interrupted);
        let _ = fs::remove_file(&paths.marker);
        result
    }

    fn update_marked(
        project: &Project,
        paths: &Paths,
        progress: ProgressFn<'_>,
        rebuild: Option<String>,
        interrupted: bool,
    ) -> Result<(SearchIndex, UpdateReport)> {
        let dir = paths.index.display();
        let reason = if let Some(r) = rebuild {
            r
        } else {
            match SearchIndex::open_dir(&paths.index) {
                Err(OpenFailure::Missing) => {
                    format!("no search index yet (or it was deleted); building it in {dir}")
                }
                Err(OpenFailure::Damaged(e)) => {
                    format!("the search index in {dir} is damaged ({e}); rebuilding it")
                }
                Err(OpenFailure::OtherVersion) => format!(
                    "the search index in {dir} was made by another version of motif; rebuilding it"
                ),
                Ok(_) if interrupted => format!(
                    "the last update of the search index in {dir} was interrupted (its process stopped before finishing); rebuilding it"
                ),
                Ok(idx) => {
                    let plan = plan(project, &idx.manifest)?;
                    if plan.is_empty() {
                        let report = idx.report(plan.notices);
                        return Ok((idx, report));
                    }
                    match idx.apply(plan, progress) {
                        Ok(done) => return Ok(done),
                        Err(Applied::Damaged(e)) => {
                            format!("the search index in {dir} is damaged ({e}); rebuilding it")
                        }
                        Err(Applied::Failed(e)) => return Err(e),
                    }
                }
            }
        };
        build(project, paths, progress, reason)
    }

    /// Applies a plan to this index (lock held).
    fn apply(
        mut self,
        plan: Plan,
        progress: ProgressFn<'_>,
    ) -> std::result::Result<(SearchIndex, UpdateReport), Applied> {
        let path = self.path.clone().unwrap_or_default();
        let damaged = |e: &tantivy::TantivyError| Applied::Damaged(e.to_string());
        let bytes: u64 = plan.jobs.iter().map(|j| j.size).sum();
        let mut report = UpdateReport {
            notices: plan.notices,
            ..UpdateReport::default()
        };
        let mut manifest = self.manifest.clone();
        manifest.attributes = plan.attributes;
        {
            let mut writer = writer_for(&self.index, bytes).map_err(|e| {
                if matches!(e, tantivy::TantivyError::LockFailure(..)) {
                    Applied::Failed(Error::invalid(format!(
                        "{}: another program holds the search index's write lock; try again in a moment",
                        path.display()
                    )))
                } else {
                    damaged(&e)
                }
            })?;
            for id in &plan.remove {
                writer.delete_term(Term::from_field_text(self.fields.transcript, id));
                if manifest.transcripts.remove(id).is_some() {
                    report.removed += 1;
                }
            }
            for (id, size, mtime) in plan.touch {
                if let Some(e) = manifest.transcripts.get_mut(&id) {
                    e.size = size;
                    e.mtime = mtime;
                }
            }
            let total = plan.jobs.len();
            for (i, job) in plan.jobs.into_iter().enumerate() {
                progress(i + 1, total, &job.id);
                let text = match job.text {
                    Some(t) => t,
                    None => match crate::project::read_transcript_text(&job.path) {
                        Ok(t) => t,
                        Err(e) => {
                            report.notices.push(format!("not searchable: {e}"));
                            continue;
                        }
                    },
                };
                let t = Source::new(job.id.clone(), text, &job.how);
                let n = add_transcript(&writer, &self.fields, &t, &job.attrs, !job.new, &path)
                    .map_err(Applied::Failed)?;
                report.bytes += t.text.len() as u64;
                if job.new {
                    report.added += 1;
                } else {
                    report.changed += 1;
                }
                manifest.transcripts.insert(
                    job.id,
                    Entry {
                        hash: t.hash.clone(),
                        size: job.size,
                        mtime: job.mtime,
                        attrs: job.attrs,
                        passages: n,
                        reading: job.how.key(),
                    },
                );
            }
            manifest.committed = now_ns();
            commit(&mut writer, &manifest, &path).map_err(|e| Applied::Damaged(e.to_string()))?;
            writer.wait_merging_threads().map_err(|e| damaged(&e))?;
        }
        self.reader.reload().map_err(|e| damaged(&e))?;
        self.manifest = manifest;
        report.transcripts = self.transcripts();
        report.passages = self.passages();
        Ok((self, report))
    }
}

enum Applied {
    Damaged(String),
    Failed(Error),
}

/// Removes temporary folders left by interrupted builds (lock held).
fn cleanup_leftovers(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("index.tmp-") || name.starts_with("index.old-") {
            remove_index_files(&e.path());
        }
    }
}

/// Whether `name` is a file tantivy keeps in an index folder: its meta
/// files and locks, its temporaries, and segment files named by a 32-digit
/// hexadecimal id (`<id>.idx`, `<id>.<opstamp>.del`).
fn is_index_file(name: &str) -> bool {
    let id = name.split('.').next().unwrap_or("");
    matches!(name, "meta.json" | ".managed.json")
        || name
            .strip_prefix(".tantivy-")
            .is_some_and(|rest| rest.strip_suffix(".lock").is_some())
        || name.starts_with(".tmp")
        || (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 33)
}

/// Removes an index folder motif built: only the files that look like
/// tantivy's, then the folder if that left it empty. Anything else (a
/// researcher's file put there by mistake) stays where it is.
fn remove_index_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let is_file = e.file_type().is_ok_and(|k| k.is_file());
        if is_file && is_index_file(&e.file_name().to_string_lossy()) {
            let _ = fs::remove_file(e.path());
        }
    }
    let _ = fs::remove_dir(dir);
}

/// Puts the index built in `tmp` in place: the old index (if any) moves
/// aside, the new one takes its place, the old one goes.
fn swap_in(paths: &Paths, tmp: &Path) -> Result<()> {
    let old = paths
        .base
        .join(format!("index.old-{}", crate::ids::new_id()));
    let had_old = paths.index.exists();
    if had_old {
        fs::rename(&paths.index, &old).at(&paths.index)?;
    }
    fs::rename(tmp, &paths.index).at(&paths.index)?;
    sync_dir(&paths.base)?;
    if had_old {
        remove_index_files(&old);
    }
    Ok(())
}

/// Builds a fresh index in a temporary folder and puts it in place.
fn build(
    project: &Project,
    paths: &Paths,
    progress: ProgressFn<'_>,
    reason: String,
) -> Result<(SearchIndex, UpdateReport)> {
    let mut report = UpdateReport {
        rebuilt: true,
        ..UpdateReport::default()
    };
    if !reason.is_empty() {
        // Said now (the build may take a while), and kept in the report.
        progress(0, 0, &reason);
        report.notices.push(reason);
    }
    let tmp = paths
        .base
        .join(format!("index.tmp-{}", crate::ids::new_id()));
    fs::create_dir_all(&tmp).at(&tmp)?;
    let result = (|| -> Result<()> {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&tmp, schema)
            .map_err(|e| Error::invalid(tantivy_error(&tmp, &e)))?;
        analysis::register(&index);
        let empty = Manifest::default();
        let mut plan = plan(project, &empty)?;
        report.notices.append(&mut plan.notices);
        let bytes: u64 = plan.jobs.iter().map(|j| j.size).sum();
        let mut writer =
            writer_for(&index, bytes).map_err(|e| Error::invalid(tantivy_error(&tmp, &e)))?;
        let mut manifest = Manifest {
            format: FORMAT.into(),
            schema: SCHEMA_VERSION,
            committed: 0,
            attributes: plan.attributes,
            transcripts: BTreeMap::new(),
        };
        let total = plan.jobs.len();
        for (i, job) in plan.jobs.into_iter().enumerate() {
            progress(i + 1, total, &job.id);
            let text = match crate::project::read_transcript_text(&job.path) {
                Ok(t) => t,
                Err(e) => {
                    report.notices.push(format!("not searchable: {e}"));
                    continue;
                }
            };
            let t = Source::new(job.id.clone(), text, &job.how);
            let n = add_transcript(&writer, &fields, &t, &job.attrs, false, &tmp)?;
            report.bytes += t.text.len() as u64;
            report.added += 1;
            manifest.transcripts.insert(
                job.id,
                Entry {
                    hash: t.hash.clone(),
                    size: job.size,
                    mtime: job.mtime,
                    attrs: job.attrs,
                    passages: n,
                    reading: job.how.key(),
                },
            );
        }
        manifest.committed = now_ns();
        commit(&mut writer, &manifest, &tmp)?;
        writer
            .wait_merging_threads()
            .map_err(|e| Error::invalid(tantivy_error(&tmp, &e)))?;
        Ok(())
    })();
    if let Err(e) = result {
        remove_index_files(&tmp);
        return Err(e);
    }
    swap_in(paths, &tmp)?;
    let idx = match SearchIndex::open_dir(&paths.index) {
        Ok(i) => i,
        Err(OpenFailure::Missing) => {
            return Err(Error::invalid(format!(
                "{}: the new search index vanished while it was put in place; run `motif index --rebuild`",
                paths.index.display()
            )));
        }
        Err(OpenFailure::Damaged(e)) => {
            return Err(Error::invalid(format!(
                "{}: the new search index cannot be opened ({e}); check the disk and run `motif index --rebuild`",
                paths.index.display()
            )));
        }
        Err(OpenFailure::OtherVersion) => {
            return Err(Error::invalid(format!(
                "{}: the new search index has an unexpected layout; run `motif index --rebuild`",
                paths.index.display()
            )));
        }
    };
    report.transcripts = idx.transcripts();
    report.passages = idx.passages();
    Ok((idx, report))
}
