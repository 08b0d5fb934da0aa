//! Applying a [`Package`] to a project: writing the codebook, transcripts,
//! attributes, memos and codings, and what was done ([`ImportReport`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::fsio::atomic_write;
use crate::ids::{new_id, now_rfc3339};
use crate::journal::Record;
use crate::memo::{MemoTarget, append_memo, read_memo, write_memo};
use crate::ops::{NewCoding, new_coding};
use crate::project::{Attributes, Project, check_coder};
use crate::refi::is_datetime;
use crate::refi::reading::Basis;
use crate::segments::{Placement, place};
use crate::text::one_line;
use crate::transcript::{Transcript, content_hash};

use super::codes::plan_codes;
use super::names::transcript_id_from;
use super::{ImportOptions, Package};

/// How one source's positions were read, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct PositionReport {
    /// The transcript the source became.
    pub transcript: String,
    /// The source's name in the file.
    pub source: String,
    /// `code-points` or `utf16`.
    pub unit: &'static str,
    /// A CRLF counted as one position (else two).
    pub crlf_as_one: bool,
    /// A leading BOM counted as one position.
    pub bom_counted: bool,
    /// What settled it.
    pub basis: Basis,
    /// Whether the evidence was clear-cut.
    pub clear: bool,
    /// Why, in a sentence.
    pub why: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub name: String,
    pub origin: Option<String>,
    pub codes_added: usize,
    /// Codes that were already in the project (matched by GUID or path).
    pub codes_matched: usize,
    pub transcripts_added: Vec<String>,
    /// Sources whose text the project already had.
    pub transcripts_matched: usize,
    /// Codings saved per coder.
    pub codings: BTreeMap<String, usize>,
    /// Codings the coder already had (kept as they were).
    pub codings_already: usize,
    pub memos: usize,
    pub attributes: usize,
    /// How each source's positions were read.
    pub positions: Vec<PositionReport>,
    /// What motif cannot represent, by name: kept in `refi-qda/` and
    /// written back by `export qdpx`.
    pub kept: Vec<String>,
    pub notices: Vec<String>,
}

/// Writes a memo: a new one whole, else added as a paragraph unless the
/// memo already says it.
fn put_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<bool> {
    let current = read_memo(project, target)?;
    if current.trim().is_empty() {
        write_memo(project, target, text)?;
        return Ok(true);
    }
    if current.contains(text.trim()) {
        return Ok(false);
    }
    append_memo(project, target, text)?;
    Ok(true)
}

/// Whether a project has nothing in it yet (no transcripts, codes or
/// codings).
pub fn is_empty_project(project: &Project) -> Result<bool> {
    Ok(project.transcript_files()?.is_empty()
        && project.codebook()?.is_empty()
        && project.coders()?.is_empty())
}

/// The most characters of an imported project's name kept in `motif.toml`.
pub const MAX_PROJECT_NAME_CHARS: usize = 200;

/// Creates a project for an import in `dir`, which must be new or empty.
pub fn create_project(dir: &Path, name: &str) -> Result<Project> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        if entries.next().is_some() {
            return Err(Error::invalid(format!(
                "{} is not empty; give --into a new or empty folder, or import into an existing project with --merge",
                dir.display()
            )));
        }
    }
    // A project's name is a title: at most 200 characters of it are kept
    // (an archive's name attribute can be of any size).
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_PROJECT_NAME_CHARS)
        .collect();
    let name = if name.trim().is_empty() {
        "imported"
    } else {
        name.trim()
    };
    Project::init(dir, Some(name))
}

/// A coding to write, resolved to motif ids.
struct PlannedCoding {
    pub(super) guid: Option<String>,
    pub(super) transcript: String,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) code: String,
    pub(super) memo: Option<String>,
    pub(super) time: String,
}

/// Imports a package into a project. Without `merge` the project must be
/// empty. Everything is planned (and checked) before the first write.
pub fn apply(project: &Project, pkg: &Package, opts: &ImportOptions) -> Result<ImportReport> {
    let _lock = project.codebook_lock()?;
    let book = project.codebook()?;
    let files = project.transcript_files()?;
    let coders = project.coders()?;
    let empty = files.is_empty() && book.is_empty() && coders.is_empty();
    if !opts.merge && !empty {
        return Err(Error::invalid(format!(
            "{} already holds {} transcript(s), {} code(s) and codings by {} coder(s); pass --merge to add the imported project to it, or import into a new folder with --into DIR",
            project.root.display(),
            files.len(),
            book.len(),
            coders.len()
        )));
    }
    let mut report = ImportReport {
        name: pkg.name.clone(),
        origin: pkg.origin.clone(),
        notices: pkg.notices.clone(),
        ..ImportReport::default()
    };
    // Codes.
    let plan = plan_codes(&book, &pkg.codes, &mut report.notices)?;
    report.codes_added = plan.added;
    report.codes_matched = plan.matched;
    let mut memos = plan.memos;

    // Transcripts: the same text is the same transcript.
    let taken: HashSet<String> = files.iter().map(|(id, _)| id.to_lowercase()).collect();
    let TranscriptPlan {
        transcripts,
        source_ids,
        new_transcripts,
    } = plan_transcripts(project, pkg, taken, &mut report)?;
    for (s, id) in pkg.sources.iter().zip(&source_ids) {
        report.positions.push(PositionReport {
            transcript: id.clone(),
            source: s.name.clone(),
            unit: s.reading.unit(),
            crlf_as_one: s.reading.scheme.crlf_as_one,
            bom_counted: s.reading.scheme.bom,
            basis: s.reading.basis,
            clear: s.reading.clear,
            why: s.reading.why.clone(),
        });
        for m in &s.memo {
            memos.push((MemoTarget::Transcript(id.clone()), m.clone()));
        }
    }
    if !pkg.project_memo.is_empty() {
        let text: Vec<&str> = pkg.project_memo.iter().map(|p| p.trim_end()).collect();
        memos.insert(0, (MemoTarget::Project, text.join("\n\n")));
    }

    // A damaged (or unwritable) attributes.csv stops the import before
    // anything is written; the merge itself happens under the lock, below.
    crate::attributes::check_update(project)?;

    let per_coder = plan_codings(pkg, &plan.ids, &source_ids, &mut report);
    for coder in per_coder.keys() {
        check_coder(coder)?;
    }

    // Writes, in order: transcripts, codebook, attributes, memos, codings.
    for id in &new_transcripts {
        let path = project.transcripts_dir().join(format!("{id}.txt"));
        atomic_write(&path, transcripts[id].text.as_bytes())?;
    }
    report.transcripts_added = new_transcripts;
    if report.codes_added > 0 {
        plan.book.save()?;
    }
    // Read, merged and rewritten under the attributes lock, as every
    // writer of the table does: a concurrent `import --attr` keeps its rows.
    crate::attributes::update(project, |table| {
        Ok((merge_attributes(table, pkg, &source_ids, &mut report), ()))
    })?;
    for (target, text) in &memos {
        if put_memo(project, target, text)? {
            report.memos += 1;
        }
    }
    let old_ids: HashSet<String> = book.codes().iter().map(|c| c.id.clone()).collect();
    super::keep::keep(
        project,
        pkg,
        &super::keep::Ids {
            codes: &plan.ids,
            old_codes: &old_ids,
            book: &plan.book,
            transcripts: &source_ids,
        },
    )?;
    report.kept.clone_from(&pkg.unrepresented_names);
    let book = plan.book;
    for (coder, list) in &per_coder {
        let (added, already) = write_codings(project, coder, list, &transcripts, &book)?;
        if added > 0 {
            report.codings.insert(coder.clone(), added);
        }
        report.codings_already += already;
    }
    Ok(report)
}

/// One durable batch of codings for one coder; codings the coder already
/// has (same transcript, span and code) are not written again.
fn write_codings(
    project: &Project,
    coder: &str,
    list: &[PlannedCoding],
    transcripts: &BTreeMap<String, Transcript>,
    book: &Codebook,
) -> Result<(usize, usize)> {
    let mut journal = project.journal(coder)?;
    journal.transact(|j| {
        let mut have: HashSet<(String, usize, usize, String)> = HashSet::new();
        for c in j.codings() {
            let (Some(t), Some(k)) = (transcripts.get(c.transcript.as_str()), book.by_id(&c.code))
            else {
                continue;
            };
            if let Placement::Exact { start, end } | Placement::Moved { start, end } = place(c, t) {
                have.insert((c.transcript.to_string(), start, end, k.id.clone()));
            }
        }
        let mut ids: HashSet<String> = j.codings().iter().map(|c| c.id.to_string()).collect();
        let batch = new_id();
        let mut records = Vec::new();
        let mut already = 0;
        for p in list {
            let key = (p.transcript.clone(), p.start, p.end, p.code.clone());
            if !have.insert(key) {
                already += 1;
                continue;
            }
            let t = &transcripts[&p.transcript];
            let req = NewCoding {
                transcript: p.transcript.clone(),
                start: p.start,
                end: p.end,
                code: p.code.clone(),
                memo: p.memo.clone(),
            };
            let mut c = new_coding(t, &req, coder, &p.time);
            // The tool's GUID stays the coding's id (and its GUID on export).
            if let Some(g) = &p.guid
                && !ids.contains(g)
            {
                c.id = g.as_str().into();
            }
            ids.insert(c.id.to_string());
            records.push(Record::add(&batch, &c));
        }
        let added = records.len();
        Ok((records, (added, already)))
    })
}

/// Imports a codebook into the project's codebook: codes already there
/// (by GUID or path) are kept as they are, the others are added.
pub fn apply_codebook(project: &Project, pkg: &Package) -> Result<ImportReport> {
    let _lock = project.codebook_lock()?;
    let book = project.codebook()?;
    let mut report = ImportReport {
        name: pkg.name.clone(),
        origin: pkg.origin.clone(),
        notices: pkg.notices.clone(),
        ..ImportReport::default()
    };
    let plan = plan_codes(&book, &pkg.codes, &mut report.notices)?;
    report.codes_added = plan.added;
    report.codes_matched = plan.matched;
    if plan.added > 0 {
        plan.book.save()?;
    }
    Ok(report)
}

/// The transcripts after an import, as planned.
struct TranscriptPlan {
    /// The project's transcripts and the new ones, by id.
    transcripts: BTreeMap<String, Transcript>,
    /// The transcript of each imported source.
    source_ids: Vec<String>,
    /// The ids of the new transcripts, in the order of their sources.
    new_transcripts: Vec<String>,
}

/// The project's transcripts with the imported sources added (the same
/// text is the same transcript; a new one gets a free id), the transcript
/// of each source, and the ids of the new ones. `taken` holds the
/// lowercase ids of the transcript files already there.
fn plan_transcripts(
    project: &Project,
    pkg: &Package,
    mut taken: HashSet<String>,
    report: &mut ImportReport,
) -> Result<TranscriptPlan> {
    let (existing, _) = project.transcripts()?;
    let mut transcripts: BTreeMap<String, Transcript> =
        existing.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut by_hash: HashMap<String, String> = transcripts
        .values()
        .map(|t| (t.hash.clone(), t.id.clone()))
        .collect();
    let mut source_ids = Vec::with_capacity(pkg.sources.len());
    let mut new_transcripts = Vec::new();
    for s in &pkg.sources {
        let hash = content_hash(&s.text);
        if let Some(id) = by_hash.get(&hash) {
            if transcripts
                .get(id)
                .is_some_and(|t| !new_transcripts.contains(&t.id))
            {
                report.transcripts_matched += 1;
            } else {
                report.notices.push(format!(
                    "source `{}` has the same text as `{id}`; their codings were put together",
                    one_line(&s.name)
                ));
            }
            source_ids.push(id.clone());
            continue;
        }
        let base = transcript_id_from(&s.name, &s.guid);
        let mut id = base.clone();
        let mut n = 2;
        // The file must be new: neither another transcript's (any case) nor
        // a folder of transcripts already there (`id.txt/`).
        let dir = project.transcripts_dir();
        while taken.contains(&id.to_lowercase()) || dir.join(format!("{id}.txt")).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        if id != base {
            report.notices.push(format!(
                "a transcript `{base}` exists already with other text; the imported one became `{id}`"
            ));
        }
        taken.insert(id.to_lowercase());
        by_hash.insert(hash, id.clone());
        transcripts.insert(id.clone(), Transcript::new(id.clone(), s.text.clone()));
        new_transcripts.push(id.clone());
        source_ids.push(id.clone());
    }
    Ok(TranscriptPlan {
        transcripts,
        source_ids,
        new_transcripts,
    })
}

/// Adds the sources' attributes to `table` (values already there are
/// kept, with a notice when they differ); whether anything changed.
fn merge_attributes(
    table: &mut Attributes,
    pkg: &Package,
    source_ids: &[String],
    report: &mut ImportReport,
) -> bool {
    let mut attr_changed = false;
    for n in &pkg.variables {
        if pkg.sources.iter().any(|s| s.attributes.contains_key(n)) && !table.names.contains(n) {
            table.names.push(n.clone());
        }
    }
    for (s, id) in pkg.sources.iter().zip(source_ids) {
        if s.attributes.is_empty() {
            continue;
        }
        let row = table.rows.entry(id.clone()).or_default();
        for (k, v) in &s.attributes {
            if !table.names.contains(k) {
                table.names.push(k.clone());
            }
            match row.get(k) {
                Some(old) if old == v => {}
                Some(old) => report.notices.push(format!(
                    "`{id}` already has {k} = `{}`; the imported `{}` was not applied",
                    one_line(old),
                    one_line(v)
                )),
                None => {
                    row.insert(k.clone(), v.clone());
                    report.attributes += 1;
                    attr_changed = true;
                }
            }
        }
    }
    attr_changed
}

/// The codings to write, per coder, with their codes' ids in the project
/// (`code_ids`, by imported GUID) and their transcripts; codings of
/// unknown codes are counted in a notice.
fn plan_codings(
    pkg: &Package,
    code_ids: &HashMap<String, String>,
    source_ids: &[String],
    report: &mut ImportReport,
) -> BTreeMap<String, Vec<PlannedCoding>> {
    let mut per_coder: BTreeMap<String, Vec<PlannedCoding>> = BTreeMap::new();
    let mut unknown_codes = 0;
    for c in &pkg.codings {
        let Some(code) = code_ids.get(&c.code) else {
            unknown_codes += 1;
            continue;
        };
        per_coder
            .entry(c.coder.clone())
            .or_default()
            .push(PlannedCoding {
                guid: c.guid.clone(),
                transcript: source_ids[c.source].clone(),
                start: c.start,
                end: c.end,
                code: code.clone(),
                memo: c.memo.clone(),
                time: c
                    .time
                    .clone()
                    .filter(|t| is_datetime(t))
                    .unwrap_or_else(now_rfc3339),
            });
    }
    if unknown_codes > 0 {
        report.notices.push(format!(
            "{unknown_codes} coding(s) refer to codes the codebook does not have and were skipped"
        ));
    }
    per_coder
}
