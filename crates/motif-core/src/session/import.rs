//! Importing transcripts: files and folders become transcript ids (a
//! folder's files keep their subfolders; `--into` prefixes them), every
//! file is read and checked before anything is written (a bad file changes
//! nothing), collisions are refused, replaced transcripts keep their
//! codings (re-attached by quote), and attributes go into
//! `attributes.csv` through [`crate::attributes::update`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Session, staging};
use crate::attributes;
use crate::error::{Error, Result};
use crate::import::{Decoded, Format, read_transcript};
use crate::project::check_transcript_id;
use crate::readings::{Reading, Readings};
use crate::segments::{Placement, place};
use crate::transcript::{Speakers, Transcript};

/// What `motif import` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Files and folders to import.
    pub paths: Vec<PathBuf>,
    /// A folder prefix for the new ids (`--into`).
    pub into: Option<String>,
    /// Replace transcripts that exist (`--replace`).
    pub replace: bool,
    /// Attributes to set on every imported transcript, `NAME=VALUE`.
    pub attrs: Vec<String>,
    /// The recording behind the one imported transcript (`--media`): a
    /// file inside the project, absolute or relative to the project root;
    /// kept as its `media` attribute.
    pub media: Option<PathBuf>,
    /// How to read the files (`--speakers`, `--no-speakers`,
    /// `--speaker-pattern`, `--reflow`); the default reading means "as
    /// remembered for the id in `import.toml`, else detected".
    pub reading: Reading,
}

/// What `import --preview` shows of one file.
#[derive(Debug, Clone)]
pub struct Preview {
    pub id: String,
    pub source: PathBuf,
    /// The format read, and the vendor layout rewritten, if any.
    pub format: String,
    /// Each speaker with its number of turns, in order of appearance.
    pub speakers: Vec<(String, usize)>,
    /// Speaker turns (as import reports and `transcripts` lists them).
    pub turns: usize,
    pub words: usize,
    /// Whether its turns carry times.
    pub timed: bool,
    /// The first turns: speaker, time, the start of what was said.
    pub first: Vec<(Option<String>, Option<String>, String)>,
}

/// One imported transcript.
#[derive(Debug, Clone)]
pub struct Imported {
    pub id: String,
    pub source: PathBuf,
    pub words: usize,
    /// Speaker turns (turns with a speaker label).
    pub speaker_turns: usize,
    pub speakers: Vec<String>,
    /// What the reader noticed (a legacy encoding, a format quirk…).
    pub notices: Vec<String>,
    /// For a replaced transcript: its codings that moved with their text,
    /// those whose text the new version changed (edited, for review) and
    /// those orphaned.
    pub replaced: Option<(usize, usize, usize)>,
    /// The transcript was already there with exactly this text (an import
    /// run again): nothing was written.
    pub unchanged: bool,
    /// The format read (as `--preview` shows it).
    pub format: String,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub imported: Vec<Imported>,
    /// Attribute values set (or changed).
    pub attributes_set: usize,
    /// Transcripts put in place by finishing an import a killed process
    /// left planned (see the session's `staging` module).
    pub recovered: usize,
}

/// The stages an import reports progress for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    /// Reading and checking every file.
    Reading,
    /// Writing transcripts.
    Writing,
}

impl Session {
    /// Imports files and folders (see the module doc). `progress` hears
    /// `(stage, done, total, id)` for each file, and `(stage, total,
    /// total, "")` when a stage ends.
    pub fn import(
        &mut self,
        options: &ImportOptions,
        progress: &mut dyn FnMut(ImportStage, usize, usize, &str),
    ) -> Result<ImportReport> {
        let mut attrs: Vec<(String, String)> = options
            .attrs
            .iter()
            .map(|a| attributes::parse_assignment(a))
            .collect::<Result<_>>()?;
        options.reading.speakers().map_err(Error::invalid)?;
        let plan = import_plan(&options.paths, options.into.as_deref())?;
        if let Some(media) = &options.media {
            let real = crate::media::check_media(&self.project.root, media)?;
            if plan.len() != 1 {
                return Err(Error::invalid(format!(
                    "--media names the recording of one transcript, and this import reads {} files; import them one at a time, or give each a `media` column in attributes.csv",
                    plan.len()
                )));
            }
            attrs.retain(|(k, _)| !k.eq_ignore_ascii_case(crate::media::MEDIA_ATTRIBUTE));
            attrs.push((
                crate::media::MEDIA_ATTRIBUTE.to_owned(),
                crate::media::relative_media(&self.project.root, &real),
            ));
        }
        if !attrs.is_empty() {
            // A table the attributes cannot go into refuses the whole
            // import, before any transcript is written.
            attributes::check_update(&self.project)?;
        }
        // One import at a time; first finish or clean up a killed one.
        let _lock = self.project.file_lock("import")?;
        let recovered = staging::recover(&self.project)?;
        // What other imports remembered since this session opened.
        let readings = Readings::load(&self.project.root)?;
        let ready = self.read_all(&plan, options, &readings, progress)?;
        let journals = if ready.iter().any(|r| r.existing.is_some()) {
            self.project.journals()?
        } else {
            Vec::new()
        };
        // The versions being replaced stay known, so that their codings
        // follow the edit (loading a transcript keeps its version).
        for r in ready
            .iter()
            .filter(|r| r.existing.is_some() && !r.unchanged)
        {
            let _ = self.project.transcript(&r.id);
        }
        let history = self.project.history();
        let mut report = ImportReport {
            recovered,
            ..ImportReport::default()
        };
        let batch = crate::ids::new_id();
        let mut staged = staging::Plan::default();
        for (i, r) in ready.iter().enumerate() {
            progress(ImportStage::Writing, i + 1, ready.len(), &r.id);
            let dest = r
                .existing
                .clone()
                .unwrap_or_else(|| self.project.transcripts_dir().join(format!("{}.txt", r.id)));
            if !r.unchanged {
                let tmp = staging::stage(&dest, &batch, i, r.decoded.text.as_bytes())?;
                staged
                    .moves
                    .push((self.relative(&tmp), self.relative(&dest)));
            }
            report.imported.push(imported(r, &journals, &history));
        }
        if !attrs.is_empty() {
            staged.ids = ready.iter().map(|r| r.id.clone()).collect();
            staged.attrs = attrs;
        }
        // The readings asked for, remembered with the texts.
        if !options.reading.is_default() {
            let changes: Vec<(String, Reading)> = ready
                .iter()
                .map(|r| (r.id.clone(), r.reading.clone()))
                .collect();
            if let Some(text) = readings.with_changes(&changes) {
                let dest = Readings::path(&self.project.root);
                let tmp = staging::stage(&dest, &batch, ready.len(), text.as_bytes())?;
                staged
                    .moves
                    .push((self.relative(&tmp), self.relative(&dest)));
            }
        }
        // All or nothing: the texts are on disk; now the plan, then the
        // renames and the attributes.
        report.attributes_set = staging::commit(&self.project, &staged)?;
        progress(ImportStage::Writing, ready.len(), ready.len(), "");
        Ok(report)
    }

    /// What importing would read, writing nothing: each file's id, format,
    /// speakers with their turns, words, times and first turns. Refused
    /// as the import would be (a bad file, a collision without
    /// `--replace`).
    pub fn preview(&self, options: &ImportOptions) -> Result<Vec<Preview>> {
        options.reading.speakers().map_err(Error::invalid)?;
        let plan = import_plan(&options.paths, options.into.as_deref())?;
        let readings = Readings::load(&self.project.root)?;
        let ready = self.read_all(&plan, options, &readings, &mut |_, _, _, _| {})?;
        Ok(ready.iter().map(preview).collect())
    }

    /// `path` relative to the project root (as the plan records it).
    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.project.root)
            .unwrap_or(path)
            .to_path_buf()
    }

    /// Reads and checks every planned file before anything is written.
    fn read_all(
        &self,
        plan: &[(String, PathBuf)],
        options: &ImportOptions,
        readings: &Readings,
        progress: &mut dyn FnMut(ImportStage, usize, usize, &str),
    ) -> Result<Vec<Ready>> {
        let replace = options.replace;
        let mut ready = Vec::new();
        let mut seen: HashMap<&str, &Path> = HashMap::new();
        let result = (|| {
            for (i, (id, path)) in plan.iter().enumerate() {
                progress(ImportStage::Reading, i + 1, plan.len(), id);
                check_transcript_id(id)
                    .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
                if let Some(other) = seen.insert(id, path) {
                    return Err(Error::invalid(format!(
                        "{} and {} would both become transcript `{id}`; import one of them with --into FOLDER",
                        other.display(),
                        path.display()
                    )));
                }
                let existing = self.project.transcript_file(id);
                // As asked, else as remembered for this id.
                let reading = if options.reading.is_default() {
                    readings.of(id)
                } else {
                    options.reading.clone()
                };
                let speakers = reading.speakers().map_err(|m| {
                    Error::invalid(format!(
                        "{}: {m}",
                        Readings::path(&self.project.root).display()
                    ))
                })?;
                let mut decoded = read_transcript(path)?;
                if reading.reflow {
                    decoded.text = crate::layouts::reflow(&decoded.text);
                }
                // The same text again (an import run twice, or after a
                // killed one was finished): nothing to do.
                let unchanged = existing.as_ref().is_some_and(|e| {
                    crate::fsio::read_capped(e, "the transcript", decoded.text.len() as u64)
                        .is_ok_and(|b| b == decoded.text.as_bytes())
                });
                if existing.is_some() && !replace && !unchanged {
                    return Err(Error::invalid(format!(
                        "{}: transcript `{id}` already exists with another text; pass --replace to replace it (its codings re-attach by quote), or --into FOLDER",
                        path.display()
                    )));
                }
                ready.push(Ready {
                    id: id.clone(),
                    source: path.clone(),
                    format: format_name(path, &decoded),
                    decoded,
                    existing,
                    unchanged,
                    reading,
                    speakers,
                });
            }
            Ok(())
        })();
        progress(ImportStage::Reading, plan.len(), plan.len(), "");
        result.map(|()| ready)
    }
}

/// A file read and checked, ready to be written.
struct Ready {
    id: String,
    source: PathBuf,
    decoded: Decoded,
    /// The file of the transcript it replaces.
    existing: Option<PathBuf>,
    /// That file already holds exactly this text.
    unchanged: bool,
    /// The format read.
    format: String,
    /// How it is read (asked for, or remembered).
    reading: Reading,
    speakers: Speakers,
}

/// The format of a file as `--preview` and the import summary name it:
/// the reader, and the vendor layout rewritten.
fn format_name(path: &Path, d: &Decoded) -> String {
    let base = Format::of(path).map_or("text", Format::name);
    match d.layout {
        Some(l) => format!("{base} ({l})"),
        None => base.to_owned(),
    }
}

/// What `--preview` shows of one file read and checked.
fn preview(r: &Ready) -> Preview {
    let t = Transcript::with_speakers(r.id.clone(), r.decoded.text.clone(), &r.speakers);
    let mut speakers: Vec<(String, usize)> = Vec::new();
    for s in t.turns.iter().filter_map(|x| x.speaker.as_deref()) {
        match speakers.iter_mut().find(|(n, _)| n == s) {
            Some((_, n)) => *n += 1,
            None => speakers.push((s.to_owned(), 1)),
        }
    }
    let first = t
        .turns
        .iter()
        .take(3)
        .map(|x| {
            let body = &t.text[x.body_start.min(x.end)..x.end];
            let short: String = body.chars().take(80).collect();
            (x.speaker.clone(), x.time.clone(), short)
        })
        .collect();
    Preview {
        id: r.id.clone(),
        source: r.source.clone(),
        format: r.format.clone(),
        speakers,
        turns: t.speaker_turns(),
        words: t.words(),
        timed: t.turns.iter().any(|x| x.time.is_some()),
        first,
    }
}

/// What the report says of one file.
fn imported(
    r: &Ready,
    journals: &[crate::journal::Journal],
    history: &std::sync::Arc<crate::history::TextHistory>,
) -> Imported {
    let mut t = Transcript::with_speakers(r.id.clone(), r.decoded.text.clone(), &r.speakers);
    t.history = Some(std::sync::Arc::clone(history));
    let replaced = r.existing.as_ref().filter(|_| !r.unchanged).map(|_| {
        let (mut moved, mut edited, mut orphaned) = (0, 0, 0);
        for c in journals.iter().flat_map(|j| j.codings_in(&r.id)) {
            match place(c, &t) {
                Placement::Exact { .. } => {}
                Placement::Moved { .. } => moved += 1,
                Placement::Edited { .. } => edited += 1,
                Placement::Orphaned => orphaned += 1,
            }
        }
        (moved, edited, orphaned)
    });
    Imported {
        id: r.id.clone(),
        source: r.source.clone(),
        words: t.words(),
        speaker_turns: t.speaker_turns(),
        speakers: t.speakers(),
        notices: r.decoded.notices.clone(),
        replaced,
        unchanged: r.unchanged,
        format: r.format.clone(),
    }
}

/// The files to import with the ids they get: a file's name without its
/// extension (whitespace runs become `-`), a folder's files by their path
/// inside it, each under `into/` when given.
pub(crate) fn import_plan(paths: &[PathBuf], into: Option<&str>) -> Result<Vec<(String, PathBuf)>> {
    let mut plan = Vec::new();
    let prefix = |rel: &str| match into {
        Some(p) => format!("{}/{rel}", p.trim_matches('/')),
        None => rel.to_owned(),
    };
    for path in paths {
        let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, path, &mut found)?;
            if found.is_empty() {
                return Err(Error::invalid(format!(
                    "{}: no .txt, .md, .vtt, .srt, .docx or .pdf files in this folder",
                    path.display()
                )));
            }
            for (rel, full) in found {
                plan.push((prefix(&id_of(&rel)), full));
            }
        } else {
            if Format::of(path).is_none() {
                return Err(Error::invalid(format!(
                    "{}: motif imports .txt, .md, .vtt, .srt, .docx and .pdf files; convert this file to one of them",
                    path.display()
                )));
            }
            let name = PathBuf::from(path.file_name().unwrap_or_default());
            plan.push((prefix(&id_of(&name)), path.clone()));
        }
    }
    Ok(plan)
}

/// The id a file gets from its path relative to what was imported.
fn id_of(rel: &Path) -> String {
    rel.with_extension("")
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The importable files under `dir` (hidden ones skipped), sorted, with
/// their paths relative to `base`.
fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let path = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = e.file_type().map_err(|err| Error::io(&path, err))?;
        if kind.is_dir() {
            walk(base, &path, out)?;
        } else if Format::of(&path).is_some()
            // A link to a folder is not followed: it could make the walk loop.
            && !(kind.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_dir()))
        {
            // A link to a file is read like the file; a link to a FIFO or
            // a device is refused when read (see `read_transcript`), not
            // skipped unsaid.
            out.push((path.strip_prefix(base).unwrap_or(&path).to_path_buf(), path));
        }
    }
    Ok(())
}
