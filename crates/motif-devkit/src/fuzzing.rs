//! Entry points for fuzzing: one function per fuzz target in `fuzz/`, also
//! run by `tests/fuzz_regressions.rs` on every seed and every input a
//! fuzzer ever crashed on (see `docs/fuzzing.md`).
//!
//! Each entry runs the real production code path on arbitrary bytes — the
//! same functions `motif import`, the codebook loader, the journal reader
//! and `motif import-qdpx` / `import-qdc` call — and must never panic.
//! Bad input is fine (it must come back as an error or a reported
//! problem); what an entry asserts are the invariants that hold for every
//! input that was accepted. Not part of motif's interface.
//!
//! Entries that need files (the journal, REFI-QDA archives, imported
//! projects) work in a fresh folder under the system's temporary folder
//! (`TMPDIR`), removed when the entry returns.
//!
//! Several entries read a small container of named parts, so that the
//! fuzzer can change the XML inside a zip archive without breaking its
//! checksums: the bytes up to the first `"\n==> "` are the first part, and
//! every `"\n==> NAME\n"` starts a part called `NAME`. The entry zips the
//! parts and hands the archive to the production reader.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use motif_core::codebook::Codebook;
use motif_core::import::{Format, Legacy, decode, read_transcript_bytes};
use motif_core::journal::{Coding, Journal};
use motif_core::ops;
use motif_core::project::Project;
use motif_core::refi::import::{
    ImportOptions, Package, apply, apply_codebook, create_project, read_qdc, read_qdpx,
};
use motif_core::segments::{Placement, place};
use motif_core::transcript::Transcript;

/// Starts each part after the first in a container of named parts.
pub const PART_SEPARATOR: &[u8] = b"\n==> ";

/// The transcript the `journal` entry places codings on (id, text).
pub const JOURNAL_TRANSCRIPT: (&str, &str) = (
    "p",
    "[00:00:01] ANA: café ☕ and 北京\n\nBEN: 🚀 ok, café again.\n",
);

/// Transcript import, every format: `motif import` reads the file with
/// [`read_transcript_bytes`] (after `std::fs::read`), stores the text in
/// `transcripts/`, and every later command loads it with [`decode`].
///
/// The first byte picks the format: `v` `WebVTT`, `s` `SubRip`, `d` a
/// `.docx` file, `x` a `.docx` built from a container of named parts (the
/// first is `word/document.xml`), `m` Markdown, `p` a PDF, anything else
/// text; the rest is the file.
pub fn import(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let (format, ext) = match kind {
        b'v' => (Format::Vtt, "vtt"),
        b's' => (Format::Srt, "srt"),
        b'd' | b'x' => (Format::Docx, "docx"),
        b'm' => (Format::Markdown, "md"),
        b'p' => (Format::Pdf, "pdf"),
        _ => (Format::Text, "txt"),
    };
    let path = PathBuf::from(format!("interview.{ext}"));
    let built;
    let bytes = if kind == b'x' {
        built = zip_parts("word/document.xml", rest);
        &built
    } else {
        rest
    };
    let Ok(decoded) = read_transcript_bytes(bytes, format, &path) else {
        return;
    };
    let text = decoded.text;
    assert!(!text.contains('\r'), "imported text holds a CR: {text:?}");
    assert!(
        !text.starts_with('\u{feff}'),
        "imported text starts with a BOM: {text:?}"
    );
    assert!(!text.trim().is_empty(), "imported text is blank");
    // What `motif import` stored is what every later command reads.
    let stored = Path::new("transcripts/interview.txt");
    match decode(text.as_bytes(), stored, Legacy::Refuse) {
        Ok(again) => assert_eq!(again.text, text, "the stored transcript reads back changed"),
        Err(e) => panic!("the stored transcript cannot be read back: {e}; text {text:?}"),
    }
    check_transcript(&Transcript::new("interview", text));
}

/// Turns, offsets and the index of a transcript agree with its text.
fn check_transcript(t: &Transcript) {
    let text = &t.text;
    let chars = text.chars().count();
    assert_eq!(t.char_len(), chars, "char_len");
    assert_eq!(t.byte_range(0, chars), Some((0, text.len())), "byte_range");
    let _ = (t.words(), t.speakers());
    let mut last_end = 0;
    for (i, turn) in t.turns.iter().enumerate() {
        let offsets = [turn.start, turn.body_start, turn.end];
        assert!(
            turn.start <= turn.body_start && turn.body_start <= turn.end && turn.end <= text.len(),
            "turn {i} is out of order or past the end: {turn:?}"
        );
        assert!(
            offsets.iter().all(|&b| text.is_char_boundary(b)),
            "turn {i} is not on character boundaries: {turn:?}"
        );
        assert!(
            i == 0 || turn.start >= last_end && turn.start > t.turns[i - 1].start,
            "turn {i} overlaps the one before: {turn:?}"
        );
        last_end = turn.end;
        let (a, b) = (t.char_at(turn.start), t.char_at(turn.end));
        assert_eq!(
            t.slice_chars(a, b),
            Some(&text[turn.start..turn.end]),
            "turn {i} by code points"
        );
        if turn.end > turn.start {
            assert_eq!(t.turn_at(turn.start), Some(turn), "turn_at of turn {i}");
        }
    }
}

/// The codebook parser: what `Codebook::load` does once the file is read
/// as UTF-8. A codebook that parses must survive `to_toml` (what every
/// save writes) unchanged, and each code must be found by its id, its
/// path and `resolve` of its path.
pub fn codebook(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("codebooks/codebook.toml");
    let book = match Codebook::parse(text, path) {
        Ok(book) => book,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let saved = book.to_toml();
    let again = match Codebook::parse(&saved, path) {
        Ok(again) => again,
        Err(e) => panic!("a saved codebook does not parse: {e}\n{saved}"),
    };
    assert_eq!(again.codes(), book.codes(), "the saved codebook differs");
    assert_eq!(again.to_toml(), saved, "saving twice differs");
    for c in book.codes() {
        assert_eq!(book.by_id(&c.id), Some(c), "by_id({:?})", c.id);
        assert_eq!(book.by_path(&c.path), Some(c), "by_path({:?})", c.path);
        assert_eq!(book.resolve(&c.path).ok(), Some(c), "resolve({:?})", c.path);
        assert!(
            book.subtree_ids(&c.id).contains(&c.id),
            "subtree of {:?}",
            c.id
        );
    }
}

/// The journal reader and replay: a coder's journal file holding
/// arbitrary bytes is opened the way every command opens it. Bad lines
/// must become reported problems, never a failure; codings on the
/// transcript [`JOURNAL_TRANSCRIPT`] must place inside it; undo then redo
/// (which also sets a torn last line aside) must restore the codings; and
/// replaying the file afresh must give what the open journal holds.
pub fn journal(data: &[u8]) {
    let scratch = Scratch::new();
    let path = scratch.write("codings/fuzz.jsonl", data);
    let lock = scratch.0.join(".motif/locks/fuzz.lock");
    let open = || match Journal::open(&path, &lock, "fuzz") {
        Ok(j) => j,
        Err(e) => panic!("a readable journal file does not open: {e}"),
    };
    let mut j = open();
    let codings = j.codings();
    assert_eq!(codings.len(), j.len(), "codings() and len()");
    for c in &codings {
        assert_eq!(j.get(&c.id), Some(*c), "get({:?})", c.id);
    }
    let (id, text) = JOURNAL_TRANSCRIPT;
    let t = Transcript::new(id, text.to_owned());
    for c in j.codings_in(id) {
        if let Placement::Exact { start, end } | Placement::Moved { start, end } = place(c, &t) {
            assert!(
                start <= end && end <= t.char_len(),
                "coding {:?} placed at {start}..{end} in a text of {}",
                c.id,
                t.char_len()
            );
            assert!(t.slice_chars(start, end).is_some(), "slice {start}..{end}");
        }
    }
    let before = journal_state(&j);
    let book = motif_core::codebook::Codebook::default();
    match ops::undo(&mut j, &book) {
        Ok(Some(_)) => match ops::redo(&mut j, &book) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("nothing to redo right after an undo"),
            Err(e) => panic!("redo failed: {e}"),
        },
        Ok(None) => {}
        Err(e) => panic!("undo failed: {e}"),
    }
    let after = journal_state(&j);
    assert_eq!(after.0, before.0, "undo then redo changed the codings");
    let fresh = open();
    assert_eq!(journal_state(&fresh), after, "a fresh replay differs");
    assert!(
        !fresh
            .problems
            .iter()
            .any(|p| p.message.starts_with("incomplete")),
        "a torn line is still there after a write: {:?}",
        fresh.problems
    );
}

/// Codings by id, and the ids of the batches undo and redo would take.
type JournalState = (BTreeMap<String, Coding>, Option<String>, Option<String>);

fn journal_state(j: &Journal) -> JournalState {
    (
        j.codings()
            .into_iter()
            .map(|c| (c.id.to_string(), c.clone()))
            .collect(),
        j.undo_target().map(|b| b.id.to_string()),
        j.redo_target().map(|b| b.id.to_string()),
    )
}

/// REFI-QDA import: `motif import-qdc` (first byte `c`: the rest is the
/// `.qdc`) and `motif import-qdpx --into DIR` (`p`: the rest is the
/// `.qdpx`; anything else: a container of named parts, the first being
/// `project.qde`, zipped into a `.qdpx`). A file that reads without error
/// must import into a new project, and the project must then load cleanly
/// with every imported coding exactly where it was put.
pub fn refi(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let scratch = Scratch::new();
    let into = scratch.0.join("project");
    if kind == b'c' {
        let file = scratch.write("codebook.qdc", rest);
        let Ok(pkg) = read_qdc(&file) else {
            return;
        };
        check_package(&pkg);
        let project = match Project::init(&into, Some("fuzz")) {
            Ok(p) => p,
            Err(e) => panic!("cannot make a project: {e}"),
        };
        if let Err(e) = apply_codebook(&project, &pkg) {
            panic!("a codebook that was read does not import: {e}");
        }
        check_project(&project);
        return;
    }
    let built;
    let bytes = if kind == b'p' {
        rest
    } else {
        built = zip_parts("project.qde", rest);
        &built
    };
    let file = scratch.write("project.qdpx", bytes);
    let opts = ImportOptions {
        allow_external_paths: false,
        default_coder: "fuzz".into(),
        merge: false,
    };
    let Ok(pkg) = read_qdpx(&file, &opts) else {
        return;
    };
    check_package(&pkg);
    let project = match create_project(&into, &pkg.name) {
        Ok(p) => p,
        Err(e) => panic!("cannot make a project named {:?}: {e}", pkg.name),
    };
    let report = match apply(&project, &pkg, &opts) {
        Ok(r) => r,
        Err(e) => panic!("a project that was read does not import: {e}"),
    };
    let written: usize = report.codings.values().sum();
    let coded: usize = check_project(&project);
    assert_eq!(
        coded, written,
        "codings reported and codings in the journals"
    );
}

/// What a read package promises: sources of usable text and codings on
/// them within that text.
fn check_package(pkg: &Package) {
    for s in &pkg.sources {
        assert!(
            !s.text.contains('\r') && !s.text.starts_with('\u{feff}'),
            "source text is not normalized: {:?}",
            s.text
        );
    }
    for c in &pkg.codings {
        let chars = pkg.sources[c.source].text.chars().count();
        assert!(
            c.start < c.end && c.end <= chars,
            "coding at {}..{} in a source of {chars} characters",
            c.start,
            c.end
        );
    }
    for p in pkg.codes.iter().filter_map(|c| c.parent) {
        assert!(p < pkg.codes.len(), "a code's parent is out of range");
    }
}

/// Loads an imported project the way commands do; returns how many
/// codings its journals hold.
fn check_project(project: &Project) -> usize {
    let project = match Project::open(&project.root) {
        Ok(p) => p,
        Err(e) => panic!("the imported project does not open: {e}"),
    };
    let book = match project.codebook() {
        Ok(b) => b,
        Err(e) => panic!("the imported codebook does not load: {e}"),
    };
    let (transcripts, bad) = match project.transcripts() {
        Ok(t) => t,
        Err(e) => panic!("the imported transcripts cannot be listed: {e}"),
    };
    assert!(bad.is_empty(), "imported transcripts do not load: {bad:?}");
    if let Err(e) = project.attributes() {
        panic!("the imported attributes do not load: {e}");
    }
    let journals = match project.journals() {
        Ok(j) => j,
        Err(e) => panic!("the imported journals do not open: {e}"),
    };
    let mut coded = 0;
    for j in &journals {
        assert!(j.problems.is_empty(), "journal problems: {:?}", j.problems);
        for c in j.codings() {
            let t = transcripts.iter().find(|t| t.id == c.transcript);
            let t =
                t.unwrap_or_else(|| panic!("coding on a missing transcript {:?}", c.transcript));
            assert!(book.by_id(&c.code).is_some(), "coding with unknown code");
            assert_eq!(
                place(c, t),
                Placement::Exact {
                    start: c.start,
                    end: c.end
                },
                "an imported coding does not sit where it was put"
            );
            coded += 1;
        }
    }
    coded
}

/// Zips a container of named parts (see the module documentation);
/// parts whose name the zip writer refuses, or repeats, are left out.
pub fn zip_parts(first: &str, data: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let mut parts = split(data, PART_SEPARATOR).into_iter();
    let head = parts.next().unwrap_or_default();
    let named = parts.map(|p| match p.iter().position(|&b| b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&p[..i]), &p[i + 1..]),
        None => (String::from_utf8_lossy(p), &[][..]),
    });
    for (name, body) in std::iter::once((first.into(), head)).chain(named) {
        if zip.start_file(name, opts).is_ok() {
            zip.write_all(body).expect("writing to memory");
        }
    }
    zip.finish().expect("writing to memory").into_inner()
}

/// `data` cut at every occurrence of `sep` (which is dropped).
fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= data.len() {
        if &data[i..i + sep.len()] == sep {
            out.push(&data[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&data[start..]);
    out
}

/// A fresh folder under the temporary folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "motif-fuzz-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("cannot make {}: {e}", dir.display());
        }
        Scratch(dir)
    }

    /// Writes `bytes` to `rel` inside the folder; returns its path.
    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(rel);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes));
        if let Err(e) = written {
            panic!("cannot write {}: {e}", path.display());
        }
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_split_and_named() {
        let data = b"<root/>\n==> sources/a.txt\nhello\n==> empty";
        let parts = split(data, PART_SEPARATOR);
        assert_eq!(
            parts,
            vec![&b"<root/>"[..], b"sources/a.txt\nhello", b"empty"]
        );
        let bytes = zip_parts("project.qde", data);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names, ["project.qde", "sources/a.txt", "empty"]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("sources/a.txt").unwrap(), &mut text)
            .unwrap();
        assert_eq!(text, "hello");
    }

    #[test]
    fn entries_accept_empty_and_garbage_input() {
        for data in [&b""[..], b"v", b"x<", b"\xff\xfe\x00", b"c<CodeBook/>"] {
            import(data);
            codebook(data);
            journal(data);
            refi(data);
        }
    }
}
