//! A project on disk: finding it, creating it, and loading its parts.
//!
//! ```text
//! motif.toml            project settings (name, default coder, codebook)
//! codebooks/*.toml      the codebook (human-edited)
//! transcripts/**.txt    normalized interview transcripts (read-only sources)
//! attributes.csv        participant attributes keyed by transcript id
//! codings/CODER.jsonl   one append-only journal per coder
//! memos/                Markdown memos (project, transcripts, codes)
//! .motif/               derived data (index, caches); git-ignored
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::codebook::Codebook;
use super::error::{Error, IoContext, Result};
use super::fsio::{atomic_write, create_dirs};
use super::import::{Legacy, decode_keeping_line_ends, decode_owned};
use super::journal::Journal;
use super::transcript::{FileStamp, MetaCache, Transcript};

/// The project settings file at the root.
pub const CONFIG_FILE: &str = "motif.toml";
/// The default codebook location.
pub const DEFAULT_CODEBOOK: &str = "codebooks/codebook.toml";

/// Settings in `motif.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The project's name (shown in exports and the TUI).
    pub name: String,
    /// The coder used when `--coder` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coder: Option<String>,
    /// Path of the codebook, relative to the root.
    #[serde(default = "default_codebook")]
    pub codebook: String,
}

fn default_codebook() -> String {
    DEFAULT_CODEBOOK.to_owned()
}

/// Participant attributes: transcript id → (attribute → value), with the
/// attribute names in the order of the table's header.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    pub names: Vec<String>,
    pub rows: BTreeMap<String, BTreeMap<String, String>>,
    /// The table's lines end in CRLF (as a spreadsheet writes them); a
    /// rewrite keeps them so.
    pub crlf: bool,
}

impl Attributes {
    /// The attributes of one transcript.
    pub fn of(&self, id: &str) -> BTreeMap<String, String> {
        self.rows.get(id).cloned().unwrap_or_default()
    }
}

/// motif's folder in the platform's config folder (`$XDG_CONFIG_HOME`,
/// `~/.config`, `%APPDATA%`, then `motif`): the user's `keymap.toml` and
/// `config.toml`.
pub fn user_config_dir() -> Option<PathBuf> {
    let base = if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        PathBuf::from(x)
    } else if cfg!(windows) {
        PathBuf::from(std::env::var_os("APPDATA")?)
    } else {
        PathBuf::from(std::env::var_os("HOME")?).join(".config")
    };
    Some(base.join("motif"))
}

/// The user's `config.toml` (theme, player).
pub fn user_config_file() -> Option<PathBuf> {
    user_config_dir().map(|d| d.join("config.toml"))
}

/// An open project.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// How import was told to read transcripts (`import.toml`).
    pub readings: super::readings::Readings,
}

/// Whether `name` is safe as a file name motif makes from a researcher's
/// word (a coder, a saved query): letters, digits, `.`, `_`, `-`, not
/// starting with a dot, at most 64 bytes.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-".contains(c))
}

/// Checks a coder name (it names a file).
pub fn check_coder(name: &str) -> Result<()> {
    if is_plain_file_name(name) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "`{}` cannot be a coder name: use letters, digits, `.`, `_` or `-`",
            super::text::one_line(name)
        )))
    }
}

/// Checks a transcript id (`p03`, `wave2/p03`).
pub fn check_transcript_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || "._-".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "`{}` cannot be a transcript id: use letters, digits, `.`, `_`, `-`, and `/` between folders",
            super::text::one_line(id)
        )))
    }
}

impl Project {
    /// Finds the project containing `start` (walking up like git).
    pub fn discover(start: &Path) -> Result<Project> {
        let start = fs::canonicalize(start).at(start)?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(CONFIG_FILE).is_file() {
                return Project::open(d);
            }
            dir = d.parent();
        }
        Err(Error::invalid(format!(
            "no motif project here: neither {} nor any folder above it has a {CONFIG_FILE}; create one with `motif init` or pass --project DIR",
            start.display()
        )))
    }

    /// Opens the project whose root is `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let path = root.join(CONFIG_FILE);
        let text = fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::invalid(format!(
                    "{} is not a motif project (no {CONFIG_FILE}); create one with `motif init {}`",
                    root.display(),
                    root.display()
                ))
            } else {
                Error::io(&path, e)
            }
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let (l, c) = super::codebook::line_col(&text, e.span().map_or(0, |s| s.start));
            Error::parse(&path, Some(l), Some(c), e.message().trim())
        })?;
        if let Some(c) = &config.coder {
            check_coder(c).map_err(|e| Error::parse(&path, None, None, e.to_string()))?;
        }
        if let Some(why) = codebook_place_problem(root, &config.codebook) {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("codebook"))
                .map(|i| i + 1);
            return Err(Error::parse(&path, line, None, why));
        }
        let project = Project {
            root: root.to_path_buf(),
            config,
            readings: super::readings::Readings::load(root)?,
        };
        project.check_folders()?;
        Ok(project)
    }

    /// Refuses a project folder motif reads or writes that is not a real
    /// folder (a symbolic link, a file, a FIFO): motif would read, write
    /// and delete wherever it leads.
    fn check_folders(&self) -> Result<()> {
        let derived = self.derived_dir();
        for dir in ["", "index", "cache", "locks", "texts"] {
            let d = if dir.is_empty() {
                derived.clone()
            } else {
                derived.join(dir)
            };
            super::fsio::check_project_dir(
                &d,
                "its locks, caches and search index",
                "Remove it (`rm` the link or file, not what it leads to); motif recreates the folder",
            )?;
        }
        for dir in [
            "codings",
            "memos",
            "memos/transcripts",
            "memos/codes",
            "transcripts",
            "queries",
        ] {
            super::fsio::check_project_dir(
                &self.root.join(dir),
                "the project's files",
                "Put the folder itself there (move its files in and remove the link)",
            )?;
        }
        Ok(())
    }

    /// Creates a project in `root` (which may exist, but must not hold one).
    pub fn init(root: &Path, name: Option<&str>) -> Result<Project> {
        if root.join(CONFIG_FILE).exists() {
            return Err(Error::invalid(format!(
                "{} already holds a motif project",
                root.display()
            )));
        }
        create_dirs(root)?;
        let name = name.map_or_else(
            || {
                fs::canonicalize(root)
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_else(|| "project".into())
            },
            str::to_owned,
        );
        let config = Config {
            name,
            coder: None,
            codebook: default_codebook(),
        };
        for dir in ["transcripts", "codebooks", "codings", "memos"] {
            create_dirs(&root.join(dir))?;
        }
        let book = root.join(DEFAULT_CODEBOOK);
        if !book.exists() {
            Codebook::empty(&book).save()?;
        }
        let attrs = root.join("attributes.csv");
        if !attrs.exists() {
            atomic_write(&attrs, b"id\n")?;
        }
        let ignore = root.join(".gitignore");
        let mut gi = fs::read_to_string(&ignore).unwrap_or_default();
        if !gi.lines().any(|l| l.trim() == ".motif/") {
            if !gi.is_empty() && !gi.ends_with('\n') {
                gi.push('\n');
            }
            gi.push_str(".motif/\n");
            atomic_write(&ignore, gi.as_bytes())?;
        }
        super::gitsetup::write_attributes(root, &config.codebook)?;
        let p = Project {
            root: root.to_path_buf(),
            config,
            readings: super::readings::Readings::default(),
        };
        p.save_config()?;
        Ok(p)
    }

    /// Writes `motif.toml`.
    pub fn save_config(&self) -> Result<()> {
        let text = format!(
            "# motif project settings\n{}",
            toml::to_string(&self.config).map_err(|e| Error::invalid(e.to_string()))?
        );
        atomic_write(&self.root.join(CONFIG_FILE), text.as_bytes())
    }

    /// The `transcripts/` folder.
    pub fn transcripts_dir(&self) -> PathBuf {
        self.root.join("transcripts")
    }

    /// The `codings/` folder.
    pub fn codings_dir(&self) -> PathBuf {
        self.root.join("codings")
    }

    /// The derived-data folder (git-ignored).
    pub fn derived_dir(&self) -> PathBuf {
        self.root.join(".motif")
    }

    /// The codebook file.
    pub fn codebook_path(&self) -> PathBuf {
        self.root.join(&self.config.codebook)
    }

    /// Writes an export to `path` (atomically; see [`crate::fsio`]), after
    /// [`Project::check_output`].
    pub fn write_output(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.check_output(path)?;
        crate::fsio::atomic_write(path, bytes)
    }

    /// Refuses an output path that is one of motif's own files, in this
    /// project or in any other that holds the path: the project's
    /// settings, attributes, codebook, journals, memos, transcripts,
    /// saved queries, `.motif/` or `.git/` (`-o codings/ana.jsonl`
    /// replaced a journal with a report). Anywhere else is the user's to
    /// choose.
    pub fn check_output(&self, path: &Path) -> Result<()> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().at(path)?.join(path)
        };
        // Where the write lands: the link's target when it is one, else
        // the file in its folder's real place.
        let real = abs.canonicalize().ok().or_else(|| {
            let dir = abs.parent()?.canonicalize().ok()?;
            Some(dir.join(abs.file_name()?))
        });
        let Some(real) = real else {
            return Ok(());
        };
        // The project the path lies in: this one, or another one found
        // upward from the path as `motif` itself would find it.
        let root = self
            .root
            .canonicalize()
            .ok()
            .filter(|r| real.starts_with(r))
            .or_else(|| {
                real.ancestors()
                    .skip(1)
                    .find(|d| d.join(CONFIG_FILE).is_file())
                    .map(Path::to_path_buf)
            });
        let Some(rel) = root.as_deref().and_then(|r| real.strip_prefix(r).ok()) else {
            return Ok(());
        };
        let codebook = self
            .codebook_path()
            .canonicalize()
            .unwrap_or_else(|_| self.codebook_path());
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy());
        let own = match first.as_deref() {
            _ if real == codebook => Some("the codebook"),
            Some("motif.toml") if rel.components().count() == 1 => Some("the project's settings"),
            Some("attributes.csv") if rel.components().count() == 1 => {
                Some("the participant attributes")
            }
            Some("codings") => Some("the coders' journals"),
            Some("memos") => Some("the memos"),
            Some("transcripts") => Some("the transcripts"),
            Some("codebooks") => Some("the codebooks"),
            Some("queries") => Some("the saved queries"),
            Some(".motif") => Some("motif's derived files"),
            Some(".git") => Some("git's own files"),
            _ => None,
        };
        match own {
            Some(what) => Err(Error::invalid(format!(
                "will not write {}: it is among {what} of the project; give another path, e.g. exports/{}",
                crate::text::one_line(&path.display().to_string()),
                crate::text::one_line(
                    &path
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                )
            ))),
            None => Ok(()),
        }
    }

    /// Loads the codebook, guarded by the project's codebook lock (see
    /// [`Codebook::guarded_by`]).
    ///
    /// A missing codebook is an error once a coder has a journal (codings
    /// would lose their codes); before that, it is an empty codebook that
    /// the first `codes add` creates.
    pub fn codebook(&self) -> Result<Codebook> {
        let path = self.codebook_path();
        if let Err(e) = fs::metadata(&path)
            && e.kind() == std::io::ErrorKind::NotFound
            && !self.coders()?.is_empty()
        {
            return Err(Error::invalid(format!(
                "the codebook {} (set in {CONFIG_FILE}) is missing, and codings use its codes; restore it (from git or a backup), or set `codebook` in {CONFIG_FILE} to where it is",
                path.display()
            )));
        }
        if super::fsio::check_project_file(&self.root, &path, "the codebook")? {
            let len = fs::metadata(&path).at(&path)?.len();
            if len > super::fsio::MAX_PROJECT_FILE_BYTES {
                return Err(Error::invalid(format!(
                    "{}: the codebook holds more than {} MiB (motif's limit for it); nothing was read or written",
                    path.display(),
                    super::fsio::MAX_PROJECT_FILE_BYTES >> 20
                )));
            }
        }
        Ok(Codebook::load(&path)?.guarded_by(self.codebook_lock_path()))
    }

    fn codebook_lock_path(&self) -> PathBuf {
        self.derived_dir().join("codebook.lock")
    }

    /// Where derived caches live (see [`super::cache`]).
    pub fn cache_dir(&self) -> PathBuf {
        self.derived_dir().join("cache")
    }

    /// The lock taken while a shared file (`attributes`, `memos`) is read,
    /// changed and rewritten, so that two processes never lose each
    /// other's change.
    pub fn file_lock(&self, what: &str) -> Result<super::fsio::Lock> {
        super::fsio::Lock::exclusive(
            &self
                .derived_dir()
                .join("locks")
                .join(format!("{what}.lock")),
        )
    }

    /// The lock taken (exclusively) while the codebook is changed; codings
    /// are written under it held shared (see [`Codebook::hold`]).
    pub fn codebook_lock(&self) -> Result<super::fsio::Lock> {
        super::fsio::Lock::exclusive(&self.codebook_lock_path())
    }

    /// Transcript ids and files, sorted by id.
    pub fn transcript_files(&self) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        let base = self.transcripts_dir();
        if base.is_dir() {
            collect_transcripts(&base, &base, &mut out)?;
        }
        out.sort();
        Ok(out)
    }

    /// The file of transcript `id`, if it exists as a regular file inside
    /// the project (as [`Project::transcript_files`] lists them).
    pub fn transcript_file(&self, id: &str) -> Option<PathBuf> {
        check_transcript_id(id).ok()?;
        ["txt", "md"]
            .iter()
            .map(|ext| self.transcripts_dir().join(format!("{id}.{ext}")))
            .find(|p| {
                super::fsio::check_project_file(&self.root, p, "a transcript").unwrap_or(false)
                    && fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
            })
    }

    /// The project's earlier versions of transcripts (`.motif/texts/`).
    pub fn history(&self) -> std::sync::Arc<super::history::TextHistory> {
        std::sync::Arc::new(super::history::TextHistory::new(
            self.derived_dir().join("texts"),
        ))
    }

    /// Loads one transcript by id (its version is kept in the history).
    pub fn transcript(&self, id: &str) -> Result<Transcript> {
        let path = self.transcript_file(id).ok_or_else(|| {
            Error::invalid(format!(
                "no transcript `{}` in {}; `motif transcripts` lists them",
                super::text::one_line(id),
                self.transcripts_dir().display()
            ))
        })?;
        let mut t = Transcript::with_speakers(
            id,
            read_transcript_text(&path)?,
            self.readings.speakers_of(id),
        );
        let history = self.history();
        history.keep(&t);
        t.history = Some(history);
        Ok(t)
    }

    /// Loads every transcript; the ones that cannot be read are returned
    /// as errors beside the others, never stopping the rest. Files are
    /// read on a few threads; the line indexes and speaker turns come from
    /// the project's cache when it has them for the same text, and a file
    /// unchanged since the cache was written (same stamp) is not hashed
    /// again.
    pub fn transcripts(&self) -> Result<(Vec<Transcript>, Vec<Error>)> {
        let files = self.transcript_files()?;
        let cache_path = self.cache_dir().join("transcripts.bin");
        let cache = MetaCache::load(&cache_path);
        let loaded = super::ordered::map_in_parts(files.len(), 1, |i| {
            let (id, path) = &files[i];
            let how = self.readings.speakers_of(id);
            if how.is_auto() {
                load_with(id, path, &cache)
            } else {
                // Read as the researcher said: never from or into the
                // cache, which holds the turns detected in a text.
                Ok(Loaded {
                    transcript: Transcript::with_speakers(id, read_transcript_text(path)?, how),
                    cached: true,
                    trusted: true,
                    stamp: None,
                })
            }
        });
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let mut all_hit = true;
        let mut all_trusted = true;
        let mut plain = HashMap::new();
        for r in loaded {
            match r {
                Ok(l) => {
                    all_hit &= l.cached;
                    all_trusted &= l.trusted || l.stamp.is_none();
                    if let Some(stamp) = l.stamp {
                        plain.insert(l.transcript.id.clone(), stamp);
                    }
                    ok.push(l.transcript);
                }
                Err(e) => bad.push(e),
            }
        }
        let history = self.history();
        for t in &mut ok {
            history.keep(t);
            t.history = Some(std::sync::Arc::clone(&history));
        }
        let detected = |t: &Transcript| self.readings.speakers_of(&t.id).is_auto();
        if !all_hit || !all_trusted || !cache.covers_exactly(&ok, &detected) {
            MetaCache::save(&cache_path, &ok, &plain, &detected);
        }
        Ok((ok, bad))
    }

    /// Reads `attributes.csv` (missing: no attributes).
    pub fn attributes(&self) -> Result<Attributes> {
        let path = self.root.join("attributes.csv");
        let Some(bytes) = super::fsio::read_project_file(
            &self.root,
            &path,
            "the attributes table",
            super::fsio::MAX_PROJECT_FILE_BYTES,
        )?
        else {
            return Ok(Attributes::default());
        };
        // Line ends are kept: a line break inside a quoted value is part of
        // the value, and a rewrite keeps the table's own (CRLF or LF).
        let text = decode_keeping_line_ends(&bytes, &path, Legacy::Refuse)?;
        let crlf = text
            .find(['\r', '\n'])
            .is_some_and(|i| text[i..].starts_with("\r\n"));
        super::attributes::check_shape(&text, &path)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(&path, &e))?.clone();
        if headers.is_empty() {
            return Ok(Attributes::default());
        }
        if headers.get(0).map(str::trim) != Some("id") {
            return Err(Error::parse(
                &path,
                Some(1),
                None,
                "the first column must be `id` (the transcript id)",
            ));
        }
        let names: Vec<String> = headers
            .iter()
            .skip(1)
            .map(|h| h.trim().to_owned())
            .collect();
        let mut rows = BTreeMap::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| csv_error(&path, &e))?;
            // Counted here: the crate counts a CRLF's CR as a line too, and
            // a record's place is before the blank lines it skipped.
            let line = rec.position().map_or(0, |p| {
                let at = p.byte() as usize;
                let rest = text.get(at..).unwrap_or("");
                let at = at + rest.len() - rest.trim_start_matches(['\r', '\n']).len();
                let before = text.get(..at).unwrap_or("");
                1 + before.matches('\n').count() + before.matches('\r').count()
                    - before.matches("\r\n").count()
            });
            let id = rec.get(0).unwrap_or("").trim().to_owned();
            if id.is_empty() {
                // A row of nothing is a spacer; values without an id would
                // be lost by the next rewrite, so they are refused.
                if rec.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                return Err(Error::parse(
                    &path,
                    Some(line),
                    Some(1),
                    "this row has values but no transcript id; give the id (as `motif transcripts` lists it) or delete the row",
                ));
            }
            let values: BTreeMap<String, String> = names
                .iter()
                .zip(rec.iter().skip(1))
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), v.trim().to_owned()))
                .collect();
            if rows.insert(id.clone(), values).is_some() {
                return Err(Error::parse(
                    &path,
                    Some(line),
                    None,
                    format!("transcript `{id}` appears twice"),
                ));
            }
        }
        Ok(Attributes { names, rows, crlf })
    }

    /// Coders with a journal, sorted.
    pub fn coders(&self) -> Result<Vec<String>> {
        let dir = self.codings_dir();
        let mut out = Vec::new();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        for entry in entries {
            let entry = entry.at(&dir)?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("jsonl")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                && check_coder(stem).is_ok()
            {
                // Not followed: a link or a device is refused, by name.
                let kind = entry.file_type().at(&path)?;
                if !kind.is_file() {
                    return Err(crate::journal::not_regular(&path, kind));
                }
                out.push(stem.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// The journal file of `coder`.
    pub fn journal_path(&self, coder: &str) -> PathBuf {
        self.codings_dir().join(format!("{coder}.jsonl"))
    }

    /// Opens one coder's journal.
    pub fn journal(&self, coder: &str) -> Result<Journal> {
        self.open_journal(coder, false)
    }

    fn open_journal(&self, coder: &str, for_reading: bool) -> Result<Journal> {
        check_coder(coder)?;
        let lock = self
            .derived_dir()
            .join("locks")
            .join(format!("{coder}.lock"));
        let snapshot = Some(self.cache_dir().join(format!("journal-{coder}.bin")));
        let path = self.journal_path(coder);
        if for_reading {
            Journal::open_for_reading(&path, &lock, coder, snapshot)
        } else {
            Journal::open_cached(&path, &lock, coder, snapshot)
        }
    }

    /// Opens every coder's journal, each on its own thread.
    pub fn journals(&self) -> Result<Vec<Journal>> {
        self.open_journals(false)
    }

    /// Opens every coder's journal to be read only, each on its own thread
    /// (see [`Journal::open_for_reading`]).
    pub fn journals_for_reading(&self) -> Result<Vec<Journal>> {
        self.open_journals(true)
    }

    fn open_journals(&self, for_reading: bool) -> Result<Vec<Journal>> {
        let coders = self.coders()?;
        std::thread::scope(|s| {
            let workers: Vec<_> = coders
                .iter()
                .map(|c| s.spawn(move || self.open_journal(c, for_reading)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a journal reader panicked"))
                .collect()
        })
    }
}

/// Where `rel` (relative to the project `root`, as `motif.toml` gives the
/// codebook) leads once `..` and the symlinks of its existing parts are
/// resolved, if that is inside the project (and not the root itself).
fn resolve_inside(root: &Path, rel: &Path) -> Option<PathBuf> {
    let root = fs::canonicalize(root).ok()?;
    let mut todo: std::collections::VecDeque<std::ffi::OsString> =
        rel.components().map(|c| c.as_os_str().to_owned()).collect();
    let mut p = root.clone();
    let mut links = 0;
    while let Some(part) = todo.pop_front() {
        let part = Path::new(&part);
        if part.has_root() {
            p = part.to_path_buf();
        } else if part == Path::new("..") {
            p.pop();
        } else if part != Path::new(".") {
            p.push(part);
            if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
                links += 1;
                if links > 40 {
                    return None;
                }
                let to = fs::read_link(&p).ok()?;
                p.pop();
                for c in to.components().rev() {
                    todo.push_front(c.as_os_str().to_owned());
                }
            }
        }
    }
    (p.starts_with(&root) && p != root).then_some(p)
}

/// Folders whose files motif owns (derived data, journals, memos,
/// transcripts, saved queries): no place for the codebook.
const NOT_FOR_THE_CODEBOOK: [&str; 5] = [".motif", "codings", "memos", "transcripts", "queries"];

/// Why the codebook path `rel` (from `motif.toml`) cannot be used, if it
/// cannot: it must be a `.toml` file inside the project and outside the
/// folders motif keeps other files in.
fn codebook_place_problem(root: &Path, rel: &str) -> Option<String> {
    let shown = super::text::one_line(rel);
    let Some(real) = resolve_inside(root, Path::new(rel)) else {
        return Some(format!(
            "the codebook `{shown}` lies outside the project {}; give a path inside it, such as {DEFAULT_CODEBOOK}",
            root.display()
        ));
    };
    let inner = fs::canonicalize(root)
        .ok()
        .and_then(|r| real.strip_prefix(r).ok().map(Path::to_path_buf))?;
    let first = inner.components().next()?.as_os_str().to_string_lossy();
    if let Some(dir) = NOT_FOR_THE_CODEBOOK.iter().find(|d| **d == first) {
        return Some(format!(
            "the codebook `{shown}` lies in {dir}/, where motif keeps other files (it would be overwritten, deleted or read as something else); give a path such as {DEFAULT_CODEBOOK}"
        ));
    }
    if real.extension().and_then(|e| e.to_str()) != Some("toml") {
        return Some(format!(
            "the codebook `{shown}` is not a .toml file; give a path such as {DEFAULT_CODEBOOK}"
        ));
    }
    None
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize);
    Error::parse(path, line, None, format!("{e}"))
}

fn collect_transcripts(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for entry in fs::read_dir(dir).at(dir)? {
        let entry = entry.at(dir)?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().at(&path)?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let text = ext == "txt" || ext == "md";
        if kind.is_dir() {
            collect_transcripts(base, &path, out)?;
        } else if kind.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            // Not followed: it may lead out of the project, or in a loop.
            return Err(super::fsio::not_regular(
                &path,
                kind,
                "a folder of transcripts",
                "Transcripts must be real files in real folders under transcripts/: copy the folder in (or move it there) instead of linking it",
            ));
        } else if text && !kind.is_file() {
            // A link, FIFO or device named like a transcript is one the
            // user meant to be read: skipping it would lose it silently.
            return Err(super::fsio::not_regular(
                &path,
                kind,
                "a transcript",
                "Transcripts must be regular files in transcripts/: put the file itself there (or remove this one)",
            ));
        } else if kind.is_file() && text {
            let rel = path.strip_prefix(base).unwrap_or(&path).with_extension("");
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((id, path));
        }
    }
    Ok(())
}

/// Reads and normalizes a transcript file. Files in `transcripts/` must be
/// UTF-8; `motif import` converts others on the way in.
pub fn load_transcript(id: &str, path: &Path) -> Result<Transcript> {
    Ok(Transcript::new(id, read_transcript_text(path)?))
}

/// One transcript as [`Project::transcripts`] loaded it.
struct Loaded {
    transcript: Transcript,
    /// Its index and turns came from the cache.
    cached: bool,
    /// Its hash came from the cache (the file's stamp was trusted).
    trusted: bool,
    /// The file's stamp, when the file holds plain normalized text.
    stamp: Option<FileStamp>,
}

fn load_with(id: &str, path: &Path, cache: &MetaCache) -> Result<Loaded> {
    let stamp = file_stamp(path);
    if let Some(hash) = stamp.as_ref().and_then(|s| cache.trusted_hash(id, s)) {
        // Unchanged since it was found plain: only UTF-8 is checked again
        // (a file that fails it is read the long way, which says why).
        if let Ok(text) = String::from_utf8(read_transcript_bytes(path)?) {
            let (transcript, cached) =
                Transcript::with_cache_and_hash(id, text, hash.to_owned(), cache);
            return Ok(Loaded {
                transcript,
                cached,
                trusted: true,
                stamp,
            });
        }
    }
    let bytes = read_transcript_bytes(path)?;
    let len = bytes.len();
    let text = decode_owned(bytes, path, Legacy::Refuse)?.text;
    // Same length: nothing was stripped or normalized (a file that was
    // decoded from UTF-16 is caught by the UTF-8 check above next time).
    let plain = text.len() == len;
    let (transcript, cached) = Transcript::with_cache(id, text, cache);
    Ok(Loaded {
        transcript,
        cached,
        trusted: false,
        stamp: stamp.filter(|_| plain),
    })
}

/// The stamp of a file, where the platform gives one.
fn file_stamp(path: &Path) -> Option<FileStamp> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path).ok()?;
        let ns = |secs: i64, nanos: i64| {
            u128::try_from(secs)
                .ok()?
                .checked_mul(1_000_000_000)?
                .checked_add(u128::try_from(nanos).ok()?)
        };
        Some(FileStamp {
            len: m.len(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec())?,
            ctime_ns: ns(m.ctime(), m.ctime_nsec())?,
            inode: m.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The bytes of a transcript file, refused past the size an import
/// accepts (a file dropped into `transcripts/` is not trusted more).
fn read_transcript_bytes(path: &Path) -> Result<Vec<u8>> {
    super::fsio::read_capped(
        path,
        "the transcript",
        super::import::MAX_TRANSCRIPT_BYTES as u64,
    )
}

/// The normalized text of a transcript file in `transcripts/`.
pub fn read_transcript_text(path: &Path) -> Result<String> {
    let bytes = read_transcript_bytes(path)?;
    Ok(decode_owned(bytes, path, Legacy::Refuse)?.text)
}
