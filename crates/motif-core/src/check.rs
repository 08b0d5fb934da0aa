//! The integrity report behind `motif check`: unreadable transcripts,
//! damaged journal lines, codings whose transcript changed (followed,
//! edited — awaiting review — or orphaned), codings on missing transcripts
//! or unknown codes, and attributes for transcripts that do not exist.

use std::collections::BTreeSet;

use serde::Serialize;

use super::segments::Filter;
use super::workspace::Workspace;

/// How serious an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Needs the researcher's attention (codings not counted, data unread).
    Problem,
    /// Worth knowing; nothing is lost.
    Note,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub level: Level,
    pub kind: &'static str,
    pub message: String,
    /// For an item about one coding (orphaned, on a missing transcript or
    /// an unknown code): which, for scripts (`motif uncode --id ID
    /// --coder CODER` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coding: Option<CodingRef>,
}

/// The coding an [`Item`] is about, as it was coded.
#[derive(Debug, Clone, Serialize)]
pub struct CodingRef {
    pub id: String,
    pub coder: String,
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    pub code: String,
    pub quote: String,
    /// For an edited coding: where it is placed on the current text and
    /// what that text reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<Now>,
}

/// Where an edited coding is placed now.
#[derive(Debug, Clone, Serialize)]
pub struct Now {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl CodingRef {
    fn of(c: &super::journal::Coding) -> CodingRef {
        CodingRef {
            id: c.id.to_string(),
            coder: c.coder.to_string(),
            transcript: c.transcript.to_string(),
            start: c.start,
            end: c.end,
            code: c.code.to_string(),
            quote: c.anchor.quote.to_string(),
            now: None,
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub transcripts: usize,
    pub codings: usize,
    pub items: Vec<Item>,
}

impl Report {
    /// Whether any item is a problem.
    pub fn has_problems(&self) -> bool {
        self.items.iter().any(|i| i.level == Level::Problem)
    }
}

/// What `check` says about an orphaned coding, and how to resolve it.
fn orphan_message(c: &super::journal::Coding, code: &str) -> String {
    format!(
        "coding {} by {} ({code} at {}-{} of `{}`): its text “{}” is no longer in the transcript; it is kept in codings/{}.jsonl — re-attach it to the passage with `motif code --reattach {} --chars A-B --coder {}`, remove it with `motif uncode --id {} --coder {}`, or restore the transcript",
        c.id,
        c.coder,
        c.start,
        c.end,
        c.transcript,
        super::text::one_line(super::text::take_chars(&c.anchor.quote, 60)),
        c.coder,
        c.id,
        c.coder,
        c.id,
        c.coder
    )
}

/// What `check` says about an edited coding, and how to resolve it.
fn edited_message(s: &super::segments::Segment<'_>, code: &str) -> String {
    let c = s.coding;
    let short = |t: &str| super::text::one_line(super::text::take_chars(t, 60));
    format!(
        "coding {} by {} ({code} on `{}`): an edit changed its text “{}”, now “{}” at {}-{}; \
         accept it with `motif code --accept {} --coder {}`, re-attach it with \
         `motif code --reattach {} --chars A-B --coder {}`, or remove it with \
         `motif uncode --id {} --coder {}`",
        c.id,
        c.coder,
        c.transcript,
        short(&c.anchor.quote),
        short(s.transcript.slice_chars(s.start, s.end).unwrap_or_default()),
        s.start,
        s.end,
        c.id,
        c.coder,
        c.id,
        c.coder,
        c.id,
        c.coder
    )
}

/// The edited codings among `segs`, each with its message.
fn edited_items(
    segs: &[super::segments::Segment<'_>],
    code_name: &dyn Fn(&str) -> String,
) -> Vec<(CodingRef, String)> {
    segs.iter()
        .filter(|s| s.edited)
        .map(|s| {
            let mut about = CodingRef::of(s.coding);
            about.now = Some(Now {
                start: s.start,
                end: s.end,
                text: s
                    .transcript
                    .slice_chars(s.start, s.end)
                    .unwrap_or_default()
                    .to_owned(),
            });
            (about, edited_message(s, &code_name(&s.coding.code)))
        })
        .collect()
}

/// Checks a loaded project.
pub fn check(ws: &Workspace) -> Report {
    let mut items = Vec::new();
    let mut push = |level, kind, message: String, about: Option<CodingRef>| {
        items.push(Item {
            level,
            kind,
            message,
            coding: about,
        });
    };
    for e in &ws.unreadable {
        push(Level::Problem, "unreadable-transcript", e.to_string(), None);
    }
    for j in &ws.journals {
        for p in &j.problems {
            push(Level::Problem, "journal", p.to_string(), None);
        }
    }
    let (segs, unplaced) = ws.segments(&Filter::default());
    let code_name = |id: &str| {
        ws.book
            .by_id(id)
            .map_or_else(|| id.to_owned(), |c| c.path.clone())
    };
    for c in &unplaced.orphaned {
        push(
            Level::Problem,
            "orphaned-coding",
            orphan_message(c, &code_name(&c.code)),
            Some(CodingRef::of(c)),
        );
    }
    for c in &unplaced.no_transcript {
        push(
            Level::Problem,
            "missing-transcript",
            format!(
                "coding {} by {} refers to transcript `{}`, which is not in transcripts/",
                c.id, c.coder, c.transcript
            ),
            Some(CodingRef::of(c)),
        );
    }
    for c in &unplaced.unknown_code {
        push(
            Level::Problem,
            "unknown-code",
            format!(
                "coding {} by {} on `{}` uses code id `{}`, which is not in {}",
                c.id,
                c.coder,
                c.transcript,
                c.code,
                ws.book.path.display()
            ),
            Some(CodingRef::of(c)),
        );
    }
    for (about, message) in edited_items(&segs, &code_name) {
        push(Level::Note, "edited-coding", message, Some(about));
    }
    let moved: BTreeSet<&str> = segs
        .iter()
        .filter(|s| s.moved && !s.edited)
        .map(|s| s.coding.transcript.as_str())
        .collect();
    for t in moved {
        let n = segs
            .iter()
            .filter(|s| s.moved && !s.edited && s.coding.transcript == t)
            .count();
        push(
            Level::Note,
            "changed-transcript",
            format!(
                "transcript `{t}` changed since it was coded; {n} coding(s) followed their text"
            ),
            None,
        );
    }
    for id in ws.attributes.rows.keys() {
        if !ws.transcripts.contains_key(id) {
            push(
                Level::Note,
                "attributes",
                format!("attributes.csv has a row for `{id}`, which is not a transcript"),
                None,
            );
        }
    }
    items.extend(staged_note(ws));
    Report {
        transcripts: ws.transcripts.len(),
        codings: ws.journals.iter().map(super::journal::Journal::len).sum(),
        items,
    }
}

/// A note on the files an import stopped before it committed left in
/// transcripts/, if any.
fn staged_note(ws: &Workspace) -> Option<Item> {
    let staged = staged_files(&ws.project.transcripts_dir());
    (staged > 0).then(|| Item {
        level: Level::Note,
        kind: "staged-files",
        message: format!(
            "{staged} hidden file(s) `{}*.tmp` in transcripts/ were left by an import that was stopped before it committed (it changed nothing); the next `motif import` removes them",
            crate::session::STAGED_PREFIX
        ),
        coding: None,
    })
}

/// How many files an unfinished import staged under `dir` (folders
/// followed, links not).
fn staged_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => staged_files(&e.path()),
            Ok(t) if t.is_file() => usize::from(
                e.file_name()
                    .to_string_lossy()
                    .starts_with(crate::session::STAGED_PREFIX),
            ),
            _ => 0,
        })
        .sum()
}
