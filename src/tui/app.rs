//! The TUI's state and how actions change it. Nothing here draws: `ui.rs`
//! reads an `App` and renders it. Every coding goes through the core
//! (`core::ops`), which makes it durable before `update` returns — so each
//! coding is on disk before the next key is read.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use motif_core::codebook::Codebook;
use motif_core::journal::Journal;
use motif_core::memo::{self, MemoTarget};
use motif_core::ops::{self, NewCoding};
use motif_core::project::{Attributes, Project};
use motif_core::segments::{Filter, place_all};
use motif_core::stats;
use motif_core::text::one_line;
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;

use super::keymap::{Action, Context, Keymap, key_name};
use super::textview::{self, Scroll};
use super::theme::Theme;

/// The panes, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Transcripts,
    Text,
    Codebook,
}

/// What a selection is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Char,
    Word,
    Sentence,
    Line,
    Turn,
}

impl Unit {
    /// The unit's name in the status line.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Char => "char",
            Unit::Word => "word",
            Unit::Sentence => "sentence",
            Unit::Line => "line",
            Unit::Turn => "turn",
        }
    }
}

/// A selection: the unit at `anchor` joined with the unit at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub anchor: usize,
    pub unit: Unit,
}

/// A coding placed on the open transcript, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewSeg {
    /// Bytes of the transcript text.
    pub start: usize,
    pub end: usize,
    /// The same span in code points.
    pub chars: (usize, usize),
    pub code_pos: usize,
    pub coder: String,
    pub id: String,
    pub memo: bool,
    pub mine: bool,
}

/// One row of a list popup.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub text: String,
}

/// Which statistics the statistics view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsTab {
    Frequencies,
    Cooccurrence,
    Matrix,
}

/// The statistics view: figures computed when it opens or its settings
/// change, so drawing only reads them.
#[derive(Debug, Clone)]
pub struct Stats {
    pub tab: StatsTab,
    /// `None`: every coder.
    pub coder: Option<String>,
    pub sort_by_count: bool,
    pub row: usize,
    pub col: usize,
    /// Frequencies: (codebook position, segments, segments per coder).
    pub freq: Vec<(usize, usize, BTreeMap<String, usize>)>,
    /// Co-occurrence over codebook positions `co_pos` (overlap unit).
    pub co_pos: Vec<usize>,
    pub co: Vec<Vec<usize>>,
    /// Code × attribute matrix: the attribute, its columns, rows by
    /// codebook position.
    pub by: String,
    pub columns: Vec<String>,
    pub mx: Vec<(usize, Vec<usize>)>,
}

/// One disagreement to review, owned (the core's items borrow the
/// project).
#[derive(Debug, Clone)]
pub struct AgreeRow {
    pub id: String,
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    pub code: String,
    /// Per compared coder: what they coded there ("12-40", "—") and what
    /// they coded instead.
    pub sides: Vec<(String, String)>,
    pub text: String,
    /// Already adopted into the consensus coder.
    pub adopted: Option<String>,
}

/// A line of text being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Cursor, in bytes.
    pub cursor: usize,
}

impl LineInput {
    fn key(&mut self, ev: &KeyEvent) -> bool {
        match ev.code {
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let p = textview::prev_char(&self.text, self.cursor);
                self.text.replace_range(p..self.cursor, "");
                self.cursor = p;
            }
            KeyCode::Left => self.cursor = textview::prev_char(&self.text, self.cursor),
            KeyCode::Right => self.cursor = textview::next_char(&self.text, self.cursor),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.len(),
            _ => return false,
        }
        true
    }

    fn set(&mut self, s: &str) {
        s.clone_into(&mut self.text);
        self.cursor = self.text.len();
    }
}

/// The code picker.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub input: LineInput,
    pub selected: usize,
    /// Re-code this coding instead of coding the selection.
    pub recode: Option<String>,
    /// Code every listed search hit's passage instead.
    pub autocode: bool,
}

/// Where a memo being edited goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoFor {
    Coding(String),
    Target(MemoTarget),
    /// A note on a passage: appended to the transcript's memo with the quote.
    Passage {
        transcript: String,
        quote: String,
        lines: String,
    },
}

/// The multi-line memo editor.
#[derive(Debug, Clone)]
pub struct MemoEditor {
    pub title: String,
    pub target: MemoFor,
    pub lines: Vec<String>,
    pub row: usize,
    /// Cursor within the row, in bytes.
    pub col: usize,
}

/// What covers the screen besides the panes.
#[derive(Debug, Clone)]
pub enum Popup {
    None,
    Help {
        scroll: usize,
    },
    CodeKey,
    Picker(Picker),
    Command {
        input: LineInput,
        completions: Vec<String>,
        cycle: usize,
    },
    Search(LineInput),
    Memo(MemoEditor),
    List {
        title: String,
        items: Vec<ListItem>,
        selected: usize,
    },
    Stats(Stats),
    Agreement {
        coders: Vec<String>,
        rows: Vec<AgreeRow>,
        selected: usize,
    },
}

/// The search index, brought up to date in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexState {
    Updating,
    Ready,
    Failed(String),
}

/// The status line's message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// The whole TUI state.
pub struct App {
    pub project: Project,
    pub coder: String,
    pub book: Codebook,
    pub ids: Vec<String>,
    pub attributes: Attributes,
    pub texts: BTreeMap<String, Transcript>,
    pub journals: Vec<Journal>,
    pub progress: HashMap<String, f64>,
    pub counts: Vec<usize>,
    pub list_sel: usize,
    pub code_sel: usize,
    pub current: Option<String>,
    /// Words and speakers of the open transcript (counted once on open).
    pub current_words: usize,
    pub current_speakers: Vec<String>,
    pub cursor: usize,
    pub scroll: Scroll,
    pub selection: Option<Selection>,
    pub segs: Vec<ViewSeg>,
    pub focus: Pane,
    pub popup: Popup,
    pub status: Status,
    pub last_code: Option<String>,
    pub show_all: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    pub hits: Vec<ListItem>,
    pub hit: usize,
    /// The passages (transcript, code points) of the listed hits.
    pub hit_passages: Vec<(String, usize, usize)>,
    pub index: IndexState,
    index_rx: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    /// Byte sizes of the journals last read, to notice other processes.
    seen_sizes: Vec<(String, u64)>,
    drag_from: Option<usize>,
}

/// The coder that adopted sides go to.
pub const CONSENSUS: &str = "consensus";

/// Layout of the screen, shared by drawing and mouse handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: (u16, u16, u16, u16),
    pub text: (u16, u16, u16, u16),
    pub book: (u16, u16, u16, u16),
    /// Inside the text pane's border: gutter, text, margin columns.
    pub gutter: u16,
    pub margin: u16,
}

impl Areas {
    /// The areas for a terminal of `w` × `h`.
    pub fn of(w: u16, h: u16) -> Areas {
        let body_h = h.saturating_sub(2);
        let list_w = if w >= 120 {
            24
        } else if w >= 100 {
            20
        } else {
            16
        };
        let book_w = if w >= 120 {
            30
        } else if w >= 100 {
            26
        } else {
            22
        };
        let text_w = w.saturating_sub(list_w + book_w);
        let margin = if text_w >= 70 { 16 } else { 7 };
        Areas {
            list: (0, 1, list_w, body_h),
            text: (list_w, 1, text_w, body_h),
            book: (list_w + text_w, 1, book_w, body_h),
            gutter: 5,
            margin,
        }
    }

    /// Width and height of the transcript text itself.
    pub fn text_size(&self) -> (usize, usize) {
        let inner_w = self.text.2.saturating_sub(2);
        let w = inner_w.saturating_sub(self.gutter + self.margin + 1);
        (
            usize::from(w.max(1)),
            usize::from(self.text.3.saturating_sub(2).max(1)),
        )
    }
}

impl App {
    /// Loads the project for `coder`.
    pub fn load(project: Project, coder: String) -> motif_core::Result<App> {
        let ws = Workspace::load(project)?;
        let mut warnings = ws.warnings();
        let Workspace {
            project,
            book,
            transcripts,
            journals,
            attributes,
            ..
        } = ws;
        let mut journals = journals;
        if !journals.iter().any(|j| j.coder == coder) {
            journals.push(project.journal(&coder)?);
        }
        let ids: Vec<String> = transcripts.keys().cloned().collect();
        let keymap = {
            let mut km = Keymap::default();
            let user = super::keymap::user_keymap_path()
                .and_then(|path| std::fs::read_to_string(&path).ok().map(|text| (path, text)));
            if let Some(Err(e)) = user.map(|(path, text)| km.apply_user(&text, &path)) {
                warnings.insert(0, e);
            }
            km
        };
        let mut app = App {
            project,
            coder,
            book,
            ids,
            attributes,
            texts: transcripts,
            journals,
            progress: HashMap::new(),
            counts: Vec::new(),
            list_sel: 0,
            code_sel: 0,
            current: None,
            current_words: 0,
            current_speakers: Vec::new(),
            cursor: 0,
            scroll: Scroll::default(),
            selection: None,
            segs: Vec::new(),
            focus: Pane::Text,
            popup: Popup::None,
            status: Status::default(),
            last_code: None,
            show_all: true,
            keymap,
            theme: Theme::from_env(),
            size: (120, 40),
            quit: false,
            hits: Vec::new(),
            hit: 0,
            hit_passages: Vec::new(),
            index: IndexState::Ready,
            index_rx: None,
            seen_sizes: Vec::new(),
            drag_from: None,
        };
        app.recount();
        app.remember_sizes();
        if let Some(first) = app.ids.first().cloned() {
            app.open(&first);
        } else {
            app.say("no transcripts yet: add some with `motif import FILES…`, then press R");
        }
        if let Some(w) = warnings.first() {
            app.error(&format!(
                "{} problem(s) in the project ({w}); `motif check` lists them",
                warnings.len()
            ));
        }
        Ok(app)
    }

    /// A message in the status line.
    pub fn say(&mut self, text: &str) {
        self.status = Status {
            text: one_line(text),
            error: false,
        };
    }

    /// An error in the status line.
    pub fn error(&mut self, text: &str) {
        self.status = Status {
            text: one_line(text),
            error: true,
        };
    }

    /// The open transcript.
    pub fn transcript(&self) -> Option<&Transcript> {
        self.current.as_ref().and_then(|id| self.texts.get(id))
    }

    fn my_journal(&mut self) -> &mut Journal {
        self.my_journal_and_book().0
    }

    /// Gives one of the coder's codings another code.
    fn recode(&mut self, coding: &str, code_id: &str) -> motif_core::Result<()> {
        let (journal, book) = self.my_journal_and_book();
        ops::recode(journal, book, coding, code_id)
    }

    /// The coder's journal beside the codebook (for `ops`, which need both).
    fn my_journal_and_book(&mut self) -> (&mut Journal, &Codebook) {
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == self.coder)
            .expect("the coder's journal is loaded");
        (journal, &self.book)
    }

    /// Recomputes counts, progress and the open transcript's segments.
    pub fn recount(&mut self) {
        let filter = Filter {
            coders: if self.show_all {
                Vec::new()
            } else {
                vec![self.coder.clone()]
            },
            ..Filter::default()
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let mut counts = vec![0; self.book.len()];
        let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for s in &segs {
            counts[s.code_pos] += 1;
            spans
                .entry(s.coding.transcript.as_str())
                .or_default()
                .push((s.start, s.end));
        }
        let progress = self
            .texts
            .values()
            .map(|t| {
                let list = spans.remove(t.id.as_str()).unwrap_or_default();
                (t.id.clone(), stats::coded_fraction(t.char_len(), list))
            })
            .collect();
        self.counts = counts;
        self.progress = progress;
        self.refresh_view_segments();
        // Our own writes are not news from another process.
        self.remember_sizes();
    }

    /// After a change to the open transcript's codings only: updates its
    /// segments, its progress and the code counts by difference, without
    /// recounting the whole project.
    fn refresh_current(&mut self) {
        let before: Vec<usize> = self.segs.iter().map(|s| s.code_pos).collect();
        self.refresh_view_segments();
        for p in before {
            if let Some(c) = self.counts.get_mut(p) {
                *c = c.saturating_sub(1);
            }
        }
        for s in &self.segs {
            if let Some(c) = self.counts.get_mut(s.code_pos) {
                *c += 1;
            }
        }
        self.update_progress();
        self.remember_sizes();
    }

    /// The open transcript's coding progress, from its segments.
    fn update_progress(&mut self) {
        if let Some(t) = self.transcript() {
            let spans = self.segs.iter().map(|s| s.chars).collect();
            let f = stats::coded_fraction(t.char_len(), spans);
            let id = t.id.clone();
            self.progress.insert(id, f);
        }
    }

    /// After codings were added to the open transcript by this coder: adds
    /// them to its segments, counts and progress without placing every
    /// coding again (a keystroke must redraw in a few milliseconds even
    /// with thousands of codings on the transcript).
    fn add_to_view(&mut self, added: &[motif_core::journal::Coding]) {
        let Some(t) = self.transcript() else { return };
        let mut new = Vec::new();
        for c in added
            .iter()
            .filter(|c| self.current.as_deref() == Some(&*c.transcript))
        {
            let (Some((a, b)), Some(pos)) =
                (t.byte_range(c.start, c.end), self.book.position(&c.code))
            else {
                continue;
            };
            new.push(ViewSeg {
                start: a,
                end: b,
                chars: (c.start, c.end),
                code_pos: pos,
                coder: c.coder.to_string(),
                id: c.id.to_string(),
                memo: c.memo.is_some(),
                mine: c.coder == self.coder,
            });
        }
        for s in new {
            if let Some(n) = self.counts.get_mut(s.code_pos) {
                *n += 1;
            }
            let at = self
                .segs
                .partition_point(|x| (x.start, x.end, x.code_pos) <= (s.start, s.end, s.code_pos));
            self.segs.insert(at, s);
        }
        self.update_progress();
        self.remember_sizes();
    }

    /// Places the open transcript's codings.
    fn refresh_view_segments(&mut self) {
        let Some(id) = self.current.clone() else {
            self.segs.clear();
            return;
        };
        let filter = Filter {
            coders: if self.show_all {
                Vec::new()
            } else {
                vec![self.coder.clone()]
            },
            transcripts: vec![id.clone()],
            codes: Vec::new(),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let t = &self.texts[&id];
        let mut out: Vec<ViewSeg> = segs
            .iter()
            .filter_map(|s| {
                let (a, b) = t.byte_range(s.start, s.end)?;
                Some(ViewSeg {
                    start: a,
                    end: b,
                    chars: (s.start, s.end),
                    code_pos: s.code_pos,
                    coder: s.coding.coder.to_string(),
                    id: s.coding.id.to_string(),
                    memo: s.coding.memo.is_some(),
                    mine: s.coding.coder == self.coder,
                })
            })
            .collect();
        out.sort_by_key(|s| (s.start, s.end, s.code_pos));
        self.segs = out;
    }

    /// Opens a transcript by id.
    pub fn open(&mut self, id: &str) -> bool {
        if !self.texts.contains_key(id) {
            self.error(&format!(
                "no transcript `{id}`; the list on the left shows them"
            ));
            return false;
        }
        if self.current.as_deref() != Some(id) {
            self.current = Some(id.to_owned());
            let t = &self.texts[id];
            self.current_words = t.words();
            self.current_speakers = t.speakers();
            self.cursor = 0;
            self.scroll = Scroll::default();
            self.selection = None;
            self.refresh_view_segments();
        }
        if let Some(i) = self.ids.iter().position(|x| x == id) {
            self.list_sel = i;
        }
        true
    }

    /// Moves the cursor (and the selection's moving end) to `pos`.
    pub fn move_to(&mut self, pos: usize) {
        let Some(t) = self.transcript() else { return };
        let pos = pos.min(t.text.len());
        let pos = if t.text.is_char_boundary(pos) {
            pos
        } else {
            textview::prev_char(&t.text, pos)
        };
        let (w, h) = Areas::of(self.size.0, self.size.1).text_size();
        let scroll = textview::keep_visible(t, self.scroll, pos, w, h);
        self.cursor = pos;
        self.scroll = scroll;
    }

    /// The unit span at `pos`.
    fn unit_at(&self, unit: Unit, pos: usize) -> (usize, usize) {
        let t = self.transcript().expect("open transcript");
        match unit {
            Unit::Char => (pos, textview::next_char(&t.text, pos).max(pos)),
            Unit::Word => textview::word_at(&t.text, pos),
            Unit::Sentence => textview::sentence_at(t, pos),
            Unit::Line => {
                let l = t.index.line_of_byte(pos);
                t.index.line_bytes(&t.text, l).unwrap_or((pos, pos))
            }
            Unit::Turn => textview::turn_at(t, pos).unwrap_or((pos, t.text.len())),
        }
    }

    /// The selected byte range, trimmed, without a leading speaker label.
    pub fn selection_range(&self) -> Option<(usize, usize)> {
        let sel = self.selection?;
        let t = self.transcript()?;
        let a = self.unit_at(sel.unit, sel.anchor);
        let b = self.unit_at(sel.unit, self.cursor);
        let (mut s, e) = (a.0.min(b.0), a.1.max(b.1));
        if let Some(turn) = t.turns.iter().find(|x| x.start == s && x.body_start < e) {
            s = turn.body_start;
        }
        let (s, e) = textview::trim(&t.text, s, e);
        (s < e).then_some((s, e))
    }

    fn select(&mut self, unit: Unit) {
        let Some(t) = self.transcript() else { return };
        match self.selection {
            Some(sel) if sel.unit == unit => {
                // Again: grow by one unit.
                self.grow();
            }
            Some(sel) => {
                self.selection = Some(Selection {
                    anchor: sel.anchor,
                    unit,
                });
            }
            None => {
                let pos = if unit == Unit::Turn {
                    textview::turn_at(t, self.cursor).map_or(self.cursor, |(s, _)| s)
                } else {
                    self.cursor
                };
                self.selection = Some(Selection { anchor: pos, unit });
                self.move_to(pos);
            }
        }
    }

    fn grow(&mut self) {
        let Some(sel) = self.selection else { return };
        let (_, end) = self.unit_at(sel.unit, self.cursor);
        let Some(t) = self.transcript() else { return };
        let next = match sel.unit {
            Unit::Turn => textview::turn_next(t, end.saturating_sub(1)),
            Unit::Line => t.text[end..]
                .find('\n')
                .map(|i| end + i + 1)
                .filter(|&p| p < t.text.len()),
            Unit::Sentence | Unit::Word | Unit::Char => {
                let rest = &t.text[end..];
                let skip = rest.len() - rest.trim_start().len();
                Some(end + skip).filter(|&p| p < t.text.len())
            }
        };
        if let Some(p) = next {
            self.move_to(p);
        }
    }

    fn shrink(&mut self) {
        let Some(sel) = self.selection else { return };
        let (start, _) = self.unit_at(sel.unit, self.cursor);
        if start <= sel.anchor {
            return;
        }
        let Some(t) = self.transcript() else { return };
        // Step back over the whitespace between units.
        let mut before = textview::prev_char(&t.text, start);
        while before > 0 && t.text[before..].starts_with(char::is_whitespace) {
            before = textview::prev_char(&t.text, before);
        }
        let (prev_start, _) = self.unit_at(sel.unit, before);
        let p = prev_start.max(sel.anchor);
        self.move_to(p);
    }

    /// Codes the selection with code `id`, durably.
    pub fn apply_code(&mut self, code_id: &str) {
        let Some((s, e)) = self.selection_range() else {
            self.error("select a passage first: t (turn), s (sentence), e (word), v or V");
            return;
        };
        let Some(id) = self.current.clone() else {
            return;
        };
        let t = &self.texts[&id];
        let (start, end) = (t.char_at(s), t.char_at(e));
        let req = NewCoding {
            transcript: id.clone(),
            start,
            end,
            code: code_id.to_owned(),
            memo: None,
        };
        let coder = self.coder.clone();
        let texts = &self.texts;
        let lookup = move |x: &str| texts.get(x);
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == coder)
            .expect("the coder's journal is loaded");
        match ops::code(journal, &lookup, &self.book, &[req]) {
            Ok(report) => {
                let path = self
                    .book
                    .by_id(code_id)
                    .map_or(String::new(), |c| c.path.clone());
                let t = &self.texts[&id];
                let (l1, l2) = t.lines_of(s, e);
                // Move on: to the next turn when a whole turn was coded.
                let next = textview::turn_at(t, s)
                    .filter(|&(_, te)| te <= e)
                    .and_then(|_| textview::turn_next(t, e.saturating_sub(1)))
                    .unwrap_or(e);
                if report.added.is_empty() {
                    self.say(&format!("already coded as {path}; nothing changed"));
                } else {
                    self.say(&format!("coded lines {l1}–{l2} as {path} · saved"));
                }
                self.last_code = self.book.by_id(code_id).map(|c| c.id.clone());
                self.selection = None;
                self.add_to_view(&report.added);
                self.move_to(next);
            }
            Err(err) => self.error(&err.to_string()),
        }
    }

    /// My innermost coding under the cursor.
    pub fn segment_here(&self, mine_only: bool) -> Option<&ViewSeg> {
        self.segs
            .iter()
            .filter(|s| s.start <= self.cursor && self.cursor < s.end && (!mine_only || s.mine))
            .min_by_key(|s| s.end - s.start)
    }

    fn remove_here(&mut self) {
        let Some(seg) = self.segment_here(true).cloned() else {
            self.error("none of your codings is under the cursor");
            return;
        };
        match ops::remove_ids(self.my_journal(), std::slice::from_ref(&seg.id), true) {
            Ok(_) => {
                let path = self.book.codes()[seg.code_pos].path.clone();
                self.say(&format!("removed your {path} coding here · u undoes"));
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    fn undo_redo(&mut self, undo: bool) {
        let (journal, book) = self.my_journal_and_book();
        let result = if undo {
            ops::undo(journal, book)
        } else {
            ops::redo(journal, book)
        };
        match result {
            Ok(Some(b)) => {
                let verb = if undo { "undid" } else { "redid" };
                let msg = format!("{verb}: {}", ops::describe(&b, &self.book));
                // Show where it happened.
                let place = b.forward.iter().find_map(|op| match op {
                    motif_core::journal::Op::Add(c) => Some((c.transcript.to_string(), c.start)),
                    _ => None,
                });
                self.recount();
                if let Some((tid, start)) = place.filter(|(tid, _)| self.open(tid)) {
                    let pos = self.texts[&tid].byte_range(start, start).map_or(0, |r| r.0);
                    self.move_to(pos);
                }
                self.say(&msg);
            }
            Ok(None) => self.error(if undo {
                "nothing to undo"
            } else {
                "nothing to redo"
            }),
            Err(e) => self.error(&e.to_string()),
        }
    }

    fn remember_sizes(&mut self) {
        self.seen_sizes = self
            .project
            .coders()
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let size = std::fs::metadata(self.project.journal_path(&c)).map_or(0, |m| m.len());
                (c, size)
            })
            .collect();
        let book = std::fs::metadata(self.project.codebook_path()).map_or(0, |m| m.len());
        self.seen_sizes.push(("\u{0}codebook".into(), book));
    }

    /// Reloads journals and the codebook if another process changed them;
    /// returns whether anything changed.
    pub fn poll_changes(&mut self) -> bool {
        let before = self.seen_sizes.clone();
        self.remember_sizes();
        if before == self.seen_sizes {
            return false;
        }
        self.reload();
        true
    }

    /// Reloads codings and the codebook from disk.
    pub fn reload(&mut self) {
        match self.project.codebook() {
            Ok(b) => self.book = b,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        }
        let mut journals = match self.project.journals() {
            Ok(j) => j,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        };
        if !journals.iter().any(|j| j.coder == self.coder) {
            match self.project.journal(&self.coder) {
                Ok(j) => journals.push(j),
                Err(e) => {
                    self.error(&e.to_string());
                    return;
                }
            }
        }
        self.journals = journals;
        self.code_sel = self.code_sel.min(self.book.len().saturating_sub(1));
        self.remember_sizes();
        self.recount();
    }

    /// The context keys are looked up in.
    pub fn context(&self) -> Context {
        match self.focus {
            Pane::Transcripts => Context::Transcripts,
            Pane::Codebook => Context::Codebook,
            Pane::Text if self.selection.is_some() => Context::Visual,
            Pane::Text => Context::Normal,
        }
    }

    /// Handles one key press.
    pub fn on_key(&mut self, ev: KeyEvent) {
        if self.handle_popup_key(&ev) {
            return;
        }
        let Some(name) = key_name(&ev) else { return };
        let ctx = self.context();
        let action = self
            .keymap
            .lookup(ctx, &name)
            .or_else(|| {
                (ctx == Context::Visual)
                    .then(|| self.keymap.lookup(Context::Normal, &name))
                    .flatten()
            })
            .or_else(|| self.keymap.lookup(Context::Global, &name));
        match action {
            Some(a) => self.update(a),
            None if name == "esc" => self.update(Action::Cancel),
            None => {}
        }
    }

    /// Applies an action.
    pub fn update(&mut self, action: Action) {
        let page = Areas::of(self.size.0, self.size.1).text_size().1 / 2;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popup = Popup::Help { scroll: 0 },
            Action::CommandLine => {
                self.popup = Popup::Command {
                    input: LineInput::default(),
                    completions: Vec::new(),
                    cycle: 0,
                };
            }
            Action::NextPane | Action::PrevPane => {
                let order = [Pane::Transcripts, Pane::Text, Pane::Codebook];
                let i = order.iter().position(|p| *p == self.focus).unwrap_or(1);
                let step = if action == Action::NextPane { 1 } else { 2 };
                self.focus = order[(i + step) % 3];
            }
            Action::Search => self.popup = Popup::Search(LineInput::default()),
            Action::NextHit | Action::PrevHit => self.step_hit(action == Action::NextHit),
            Action::Undo => self.undo_redo(true),
            Action::Redo => self.undo_redo(false),
            Action::Refresh => {
                self.reload();
                self.say("reloaded codings and codebook from disk");
            }
            Action::ToggleCoders => {
                self.show_all = !self.show_all;
                self.recount();
                self.say(if self.show_all {
                    "showing every coder's codings"
                } else {
                    "showing only your codings"
                });
            }
            Action::Down | Action::Up | Action::HalfPageDown | Action::HalfPageUp => {
                let delta = match action {
                    Action::Down => 1,
                    Action::Up => -1,
                    Action::HalfPageDown => page as isize,
                    _ => -(page as isize),
                };
                if let Some(t) = self.transcript() {
                    let p = textview::move_lines(t, self.cursor, delta);
                    self.move_to(p);
                }
            }
            Action::Left => {
                if let Some(t) = self.transcript() {
                    let p = textview::prev_char(&t.text, self.cursor);
                    self.move_to(p);
                }
            }
            Action::Right => {
                if let Some(t) = self.transcript() {
                    let p = textview::next_char(&t.text, self.cursor);
                    let p = if p >= t.text.len() { self.cursor } else { p };
                    self.move_to(p);
                }
            }
            Action::Top => self.move_to(0),
            Action::Bottom => {
                if let Some(t) = self.transcript() {
                    let end = t.text.trim_end().len();
                    let p = textview::prev_char(&t.text, end);
                    self.move_to(p);
                }
            }
            Action::WordNext | Action::WordPrev => {
                if let Some(t) = self.transcript() {
                    let p = if action == Action::WordNext {
                        textview::word_next(&t.text, self.cursor)
                    } else {
                        textview::word_prev(&t.text, self.cursor)
                    };
                    self.move_to(p);
                }
            }
            Action::TurnNext | Action::TurnPrev => {
                if let Some(t) = self.transcript() {
                    let p = if action == Action::TurnNext {
                        textview::turn_next(t, self.cursor)
                    } else {
                        textview::turn_prev(t, self.cursor)
                    };
                    if let Some(p) = p {
                        self.move_to(p);
                    }
                }
            }
            Action::SegmentNext => {
                if let Some(p) = self.segs.iter().map(|s| s.start).find(|&s| s > self.cursor) {
                    self.move_to(p);
                } else {
                    self.error("no coded segment after the cursor");
                }
            }
            Action::SegmentPrev => {
                if let Some(p) = self
                    .segs
                    .iter()
                    .map(|s| s.start)
                    .rfind(|&s| s < self.cursor)
                {
                    self.move_to(p);
                } else {
                    self.error("no coded segment before the cursor");
                }
            }
            Action::VisualChar => self.start_visual(Unit::Char),
            Action::VisualLine => self.start_visual(Unit::Line),
            Action::SelectTurn => self.select(Unit::Turn),
            Action::SelectSentence => self.select(Unit::Sentence),
            Action::SelectWord => self.select(Unit::Word),
            Action::Grow => self.grow(),
            Action::Shrink => self.shrink(),
            Action::CodeKey => {
                if self.selection.is_some() {
                    self.popup = Popup::CodeKey;
                }
            }
            Action::CodePicker => self.open_picker(None),
            Action::RepeatCode => match self.last_code.clone() {
                Some(c) => self.apply_code(&c),
                None => self.error("no code used yet in this session: press c and a code's key"),
            },
            Action::Memo => self.open_memo(),
            Action::RemoveSegment => self.remove_here(),
            Action::Recode => match self.segment_here(true).map(|s| s.id.clone()) {
                Some(id) => self.open_picker(Some(id)),
                None => self.error("none of your codings is under the cursor"),
            },
            Action::Cancel => {
                if self.selection.take().is_none() {
                    self.focus = Pane::Text;
                }
            }
            Action::Open => self.open_from_list(),
            Action::ListDown | Action::ListUp => {
                let down = action == Action::ListDown;
                match self.focus {
                    Pane::Transcripts => {
                        self.list_sel = step(self.list_sel, self.ids.len(), down);
                    }
                    Pane::Codebook => self.code_sel = step(self.code_sel, self.book.len(), down),
                    Pane::Text => {}
                }
            }
            Action::CodeSegments => self.show_code_segments(),
            Action::Agreement => self.open_agreement(0),
            Action::Similar => self.similar(),
            Action::Stats => {
                let s = self.compute_stats(StatsTab::Frequencies, None, false);
                self.popup = Popup::Stats(s);
            }
            Action::CodeMemo => {
                if let Some(c) = self.book.codes().get(self.code_sel) {
                    let target = MemoTarget::Code(c.id.clone());
                    let title = format!("memo on code {}", c.path);
                    self.edit_memo(
                        title,
                        MemoFor::Target(target.clone()),
                        &memo::read_memo(&self.project, &target).unwrap_or_default(),
                    );
                }
            }
            Action::AddCode => {
                let prefix = self
                    .book
                    .codes()
                    .get(self.code_sel)
                    .map(|c| format!("{}/", c.path))
                    .unwrap_or_default();
                let mut input = LineInput::default();
                input.set(&format!("codes add {prefix}"));
                self.popup = Popup::Command {
                    input,
                    completions: Vec::new(),
                    cycle: 0,
                };
            }
        }
    }

    fn start_visual(&mut self, unit: Unit) {
        if self.transcript().is_none() {
            return;
        }
        match self.selection {
            Some(sel) => {
                self.selection = Some(Selection {
                    anchor: sel.anchor,
                    unit,
                });
            }
            None => {
                self.selection = Some(Selection {
                    anchor: self.cursor,
                    unit,
                });
            }
        }
    }

    fn open_from_list(&mut self) {
        match (&self.popup, self.focus) {
            (
                Popup::List {
                    items, selected, ..
                },
                _,
            ) => {
                if let Some(item) = items.get(*selected).cloned() {
                    self.popup = Popup::None;
                    self.jump_to(&item);
                }
            }
            (_, Pane::Transcripts) => {
                if let Some(id) = self.ids.get(self.list_sel).cloned() {
                    self.open(&id);
                    self.focus = Pane::Text;
                }
            }
            _ => {}
        }
    }

    /// Opens a list item's passage with the cursor at its start.
    pub fn jump_to(&mut self, item: &ListItem) {
        if self.open(&item.transcript) {
            let t = &self.texts[&item.transcript];
            if let Some((a, _)) = t.byte_range(item.start, item.end) {
                self.focus = Pane::Text;
                self.selection = None;
                self.move_to(a);
            }
        }
    }

    fn step_hit(&mut self, forward: bool) {
        if self.hits.is_empty() {
            self.error("no search hits: press / to search");
            return;
        }
        self.hit = if forward {
            (self.hit + 1) % self.hits.len()
        } else {
            (self.hit + self.hits.len() - 1) % self.hits.len()
        };
        let item = self.hits[self.hit].clone();
        self.jump_to(&item);
        self.say(&format!(
            "hit {} of {} · n/N step · v or t to select, then c to code",
            self.hit + 1,
            self.hits.len()
        ));
    }

    fn show_code_segments(&mut self) {
        let Some(code) = self.book.codes().get(self.code_sel).cloned() else {
            return;
        };
        let filter = Filter {
            coders: if self.show_all {
                Vec::new()
            } else {
                vec![self.coder.clone()]
            },
            transcripts: Vec::new(),
            codes: self.book.subtree_ids(&code.id),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let items: Vec<ListItem> = segs.iter().map(|s| segment_item(&self.texts, s)).collect();
        self.say(&format!(
            "{} segment(s) of {} · enter jumps · esc closes",
            items.len(),
            code.path
        ));
        self.popup = Popup::List {
            title: format!("segments of {}", code.path),
            items,
            selected: 0,
        };
    }

    /// The coders compared in the agreement view: every coder with
    /// codings except the consensus coder.
    fn compared_coders(&self) -> Vec<String> {
        self.journals
            .iter()
            .filter(|j| !j.is_empty() && j.coder != CONSENSUS)
            .map(|j| j.coder.clone())
            .collect()
    }

    /// Opens (or refreshes) the list of disagreements between coders.
    pub fn open_agreement(&mut self, selected: usize) {
        use motif_core::agreement::{Comparison, Request, adopted, segment_view};
        let coders = self.compared_coders();
        if coders.len() < 2 {
            self.error("agreement needs two coders with codings");
            return;
        }
        let req = Request {
            coders: coders.clone(),
            ..Request::default()
        };
        let consensus = self.journals.iter().position(|j| j.coder == CONSENSUS);
        let result = self.with_workspace(|ws| -> motif_core::Result<Vec<AgreeRow>> {
            let scope = Comparison::new(ws, &req)?;
            let view = segment_view(&scope, 0.0)?;
            let filter = Filter {
                coders: vec![CONSENSUS.to_owned()],
                ..Filter::default()
            };
            let (mine, _) = if consensus.is_some() {
                ws.segments(&filter)
            } else {
                (Vec::new(), motif_core::segments::Unplaced::default())
            };
            Ok(view
                .disagreements()
                .map(|item| {
                    let t = &ws.transcripts[item.transcript];
                    let text = t.slice_chars(item.start, item.end).unwrap_or("").to_owned();
                    let sides = item
                        .sides
                        .iter()
                        .map(|side| {
                            let mut s = if side.codings.is_empty() {
                                "—".to_owned()
                            } else {
                                side.codings
                                    .iter()
                                    .map(|c| format!("{}-{}", c.start, c.end))
                                    .collect::<Vec<_>>()
                                    .join(",")
                            };
                            if !side.instead.is_empty() {
                                let other: Vec<&str> =
                                    side.instead.iter().map(|e| e.code).collect();
                                let _ = write!(s, " (also {})", other.join(", "));
                            }
                            (side.coder.to_owned(), s)
                        })
                        .collect();
                    AgreeRow {
                        id: item.id.clone(),
                        transcript: item.transcript.to_owned(),
                        start: item.start,
                        end: item.end,
                        code: item.code.to_owned(),
                        sides,
                        text,
                        adopted: adopted(item, &mine).map(|c| format!("{c:?}")),
                    }
                })
                .collect())
        });
        match result {
            Ok(rows) => {
                let selected = selected.min(rows.len().saturating_sub(1));
                self.popup = Popup::Agreement {
                    coders,
                    rows,
                    selected,
                };
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Adopts one side of a disagreement into the consensus coder.
    fn adopt(&mut self, coders: &[String], id: &str, choice: motif_core::agreement::Choice) {
        use motif_core::agreement::{Comparison, Request, adopt, segment_view};
        let mut consensus = match self.journals.iter().position(|j| j.coder == CONSENSUS) {
            Some(i) => self.journals.remove(i),
            None => match self.project.journal(CONSENSUS) {
                Ok(j) => j,
                Err(e) => {
                    self.error(&e.to_string());
                    return;
                }
            },
        };
        let req = Request {
            coders: coders.to_vec(),
            ..Request::default()
        };
        let result = self.with_workspace(|ws| -> motif_core::Result<usize> {
            let scope = Comparison::new(ws, &req)?;
            let view = segment_view(&scope, 0.0)?;
            let item = view.find(id)?;
            let report = adopt(&mut consensus, &ws.transcripts, &ws.book, &[(item, choice)])?;
            Ok(report.added.len())
        });
        self.journals.push(consensus);
        match result {
            Ok(n) => self.say(&format!("adopted into `{CONSENSUS}`: {n} coding(s) saved · u as {CONSENSUS} undoes with `motif undo --coder {CONSENSUS}`")),
            Err(e) => self.error(&e.to_string()),
        }
        self.recount();
    }

    /// Lends the loaded project to a core analysis as a `Workspace`.
    fn with_workspace<R>(&mut self, f: impl FnOnce(&Workspace) -> R) -> R {
        let ws = Workspace {
            project: self.project.clone(),
            book: std::mem::take(&mut self.book),
            transcripts: std::mem::take(&mut self.texts),
            unreadable: Vec::new(),
            journals: std::mem::take(&mut self.journals),
            attributes: std::mem::take(&mut self.attributes),
        };
        let r = f(&ws);
        self.book = ws.book;
        self.texts = ws.transcripts;
        self.journals = ws.journals;
        self.attributes = ws.attributes;
        r
    }

    /// Computes the statistics view's figures.
    pub fn compute_stats(
        &mut self,
        tab: StatsTab,
        coder: Option<String>,
        sort_by_count: bool,
    ) -> Stats {
        use motif_core::analysis::{Scope, Selection, cooccurrence, matrix};
        let by = if self.attributes.names.iter().any(|n| n == "role") {
            "role".to_owned()
        } else {
            self.attributes
                .names
                .first()
                .cloned()
                .unwrap_or_else(|| "transcript".to_owned())
        };
        let sel = Selection {
            coders: coder.iter().cloned().collect(),
            ..Selection::default()
        };
        let (freq, co_pos, co, columns, mx) = self.with_workspace(|ws| {
            let scope = Scope::new(ws, &sel).unwrap_or_else(|_| Scope::all(ws));
            let (segs, _) = scope.segments(ws);
            let mut freq: Vec<(usize, usize, BTreeMap<String, usize>)> = (0..ws.book.len())
                .map(|p| (p, 0, BTreeMap::new()))
                .collect();
            for s in &segs {
                let row = &mut freq[s.code_pos];
                row.1 += 1;
                *row.2.entry(s.coding.coder.to_string()).or_insert(0) += 1;
            }
            let co = cooccurrence::cooccurrence_of(ws, &scope, &segs, cooccurrence::Unit::Overlap);
            let m = matrix::matrix_of(ws, &scope, &segs, &matrix::By::parse(&by)).ok();
            let (columns, mx) = m.map_or((Vec::new(), Vec::new()), |m| {
                let rows = m
                    .positions
                    .iter()
                    .zip(&m.rows)
                    .map(|(&p, r)| (p, r.counts.clone()))
                    .collect();
                (m.columns.clone(), rows)
            });
            (freq, co.positions.clone(), co.matrix, columns, mx)
        });
        let mut freq = freq;
        if sort_by_count {
            freq.sort_by_key(|r| std::cmp::Reverse(r.1));
        }
        let _ = (cooccurrence, matrix);
        Stats {
            tab,
            coder,
            sort_by_count,
            row: 0,
            col: 0,
            freq,
            co_pos,
            co,
            by,
            columns,
            mx,
        }
    }

    /// Lists the segments behind the bar or cell under the cursor.
    fn stats_segments(&mut self, st: &Stats) {
        let (codes, other, transcripts, title): (
            Vec<usize>,
            Option<usize>,
            Option<Vec<String>>,
            String,
        ) = match st.tab {
            StatsTab::Frequencies => {
                let Some(r) = st.freq.get(st.row.min(st.freq.len().saturating_sub(1))) else {
                    return;
                };
                (vec![r.0], None, None, self.book.codes()[r.0].path.clone())
            }
            StatsTab::Cooccurrence => {
                let n = st.co_pos.len();
                if n == 0 {
                    return;
                }
                let (a, b) = (st.co_pos[st.row.min(n - 1)], st.co_pos[st.col.min(n - 1)]);
                let title = format!(
                    "{} × {}",
                    self.book.codes()[a].path,
                    self.book.codes()[b].path
                );
                (vec![a], Some(b), None, title)
            }
            StatsTab::Matrix => {
                let Some((p, _)) = st.mx.get(st.row.min(st.mx.len().saturating_sub(1))) else {
                    return;
                };
                let Some(col) = st
                    .columns
                    .get(st.col.min(st.columns.len().saturating_sub(1)))
                    .cloned()
                else {
                    return;
                };
                let ts: Vec<String> = if st.by == "transcript" {
                    vec![col.clone()]
                } else {
                    self.ids
                        .iter()
                        .filter(|id| {
                            self.attributes
                                .of(id)
                                .get(&st.by)
                                .map_or(col == "(none)", |v| v == &col)
                        })
                        .cloned()
                        .collect()
                };
                (
                    vec![*p],
                    None,
                    Some(ts),
                    format!("{} · {}={col}", self.book.codes()[*p].path, st.by),
                )
            }
        };
        let filter = Filter {
            coders: st.coder.iter().cloned().collect(),
            transcripts: transcripts.unwrap_or_default(),
            codes: Vec::new(),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let items: Vec<ListItem> = segs
            .iter()
            .filter(|s| codes.contains(&s.code_pos))
            .filter(|s| {
                // A co-occurrence cell: segments sharing text with one of the other code.
                other.is_none_or(|b| {
                    segs.iter().any(|o| {
                        o.code_pos == b
                            && o.coding.transcript == s.coding.transcript
                            && o.start < s.end
                            && s.start < o.end
                            && !std::ptr::eq(o, *s)
                    })
                })
            })
            .map(|s| segment_item(&self.texts, s))
            .collect();
        self.popup = Popup::List {
            title,
            items,
            selected: 0,
        };
    }

    fn open_picker(&mut self, recode: Option<String>) {
        if recode.is_none() && self.selection.is_none() {
            self.error("select a passage first: t (turn), s (sentence), e (word), v or V");
            return;
        }
        self.popup = Popup::Picker(Picker {
            recode,
            ..Picker::default()
        });
    }

    /// Codes matching the picker's text, best first (subsequence match).
    pub fn picker_matches(&self, query: &str) -> Vec<usize> {
        let q = query.to_lowercase();
        let mut scored: Vec<(usize, usize)> = self
            .book
            .codes()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| fuzzy_score(&c.path.to_lowercase(), &q).map(|s| (s, i)))
            .collect();
        scored.sort_unstable();
        scored.into_iter().map(|(_, i)| i).collect()
    }

    fn open_memo(&mut self) {
        let Some(id) = self.current.clone() else {
            return;
        };
        if let Some((s, e)) = self.selection_range() {
            // The selection is exactly one of my codings: that coding's memo.
            if let Some(seg) = self
                .segs
                .iter()
                .find(|x| x.mine && x.start == s && x.end == e)
                .cloned()
            {
                let memo = self
                    .my_journal()
                    .get(&seg.id)
                    .and_then(|c| c.memo.clone())
                    .unwrap_or_default();
                self.edit_memo("memo on this coding".into(), MemoFor::Coding(seg.id), &memo);
                return;
            }
            let t = &self.texts[&id];
            let (l1, l2) = t.lines_of(s, e);
            let target = MemoFor::Passage {
                transcript: id.clone(),
                quote: t.text[s..e].to_owned(),
                lines: if l1 == l2 {
                    format!("line {l1}")
                } else {
                    format!("lines {l1}–{l2}")
                },
            };
            self.edit_memo(
                format!("memo on {id}, lines {l1}–{l2} (added to the transcript memo)"),
                target,
                "",
            );
            return;
        }
        if let Some(seg) = self.segment_here(true).cloned() {
            let memo = self
                .my_journal()
                .get(&seg.id)
                .and_then(|c| c.memo.clone())
                .unwrap_or_default();
            let path = self.book.codes()[seg.code_pos].path.clone();
            self.edit_memo(
                format!("memo on your {path} coding"),
                MemoFor::Coding(seg.id),
                &memo,
            );
            return;
        }
        let target = MemoTarget::Transcript(id.clone());
        let text = memo::read_memo(&self.project, &target).unwrap_or_default();
        self.edit_memo(
            format!("memo on transcript {id}"),
            MemoFor::Target(target),
            &text,
        );
    }

    fn edit_memo(&mut self, title: String, target: MemoFor, text: &str) {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.trim_end_matches('\n')
                .split('\n')
                .map(str::to_owned)
                .collect()
        };
        self.popup = Popup::Memo(MemoEditor {
            title,
            target,
            row: lines.len() - 1,
            col: lines.last().map_or(0, String::len),
            lines,
        });
    }

    fn save_memo(&mut self, ed: &MemoEditor) {
        let text = ed.lines.join("\n");
        let result = match &ed.target {
            MemoFor::Coding(id) => {
                let memo = (!text.trim().is_empty()).then(|| text.trim_end().to_owned());
                ops::set_memo(self.my_journal(), id, memo)
                    .map(|()| "memo saved on the coding".to_owned())
            }
            MemoFor::Target(target) => memo::write_memo(&self.project, target, &text)
                .map(|p| format!("memo saved in {}", p.display())),
            MemoFor::Passage {
                transcript,
                quote,
                lines,
            } => {
                if text.trim().is_empty() {
                    Ok("empty memo: nothing saved".to_owned())
                } else {
                    let quoted: String = quote.lines().fold(String::new(), |mut acc, l| {
                        let _ = writeln!(acc, "> {l}");
                        acc
                    });
                    let body = format!("{quoted}\n({lines}) {}", text.trim_end());
                    memo::append_memo(
                        &self.project,
                        &MemoTarget::Transcript(transcript.clone()),
                        &body,
                    )
                    .map(|p| format!("memo saved in {}", p.display()))
                }
            }
        };
        match result {
            Ok(msg) => {
                self.say(&msg);
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Keys for popups and text input; true when consumed.
    fn handle_popup_key(&mut self, ev: &KeyEvent) -> bool {
        // Moving through a list popup changes it in place.
        let down = match key_name(ev).as_deref() {
            Some("j" | "down") => Some(true),
            Some("k" | "up") => Some(false),
            _ => None,
        };
        if let Some(down) = down {
            match &mut self.popup {
                Popup::List {
                    items, selected, ..
                } => {
                    *selected = step(*selected, items.len(), down);
                    return true;
                }
                Popup::Agreement { rows, selected, .. } => {
                    *selected = step(*selected, rows.len(), down);
                    return true;
                }
                _ => {}
            }
        }
        let popup = std::mem::replace(&mut self.popup, Popup::None);
        match popup {
            Popup::None => return false,
            Popup::Help { scroll } => match ev.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    self.popup = Popup::Help { scroll: scroll + 1 }
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    self.popup = Popup::Help {
                        scroll: scroll.saturating_sub(1),
                    }
                }
                _ => {}
            },
            Popup::CodeKey => match ev.code {
                KeyCode::Tab => self.open_picker(None),
                KeyCode::Char(c) => {
                    match self.book.codes().iter().find(|k| k.key == Some(c)).map(|k| k.id.clone()) {
                        Some(id) => self.apply_code(&id),
                        None => self.error(&format!("no code has the key `{c}`; the codebook pane shows keys; Tab opens the picker")),
                    }
                }
                _ => {}
            },
            Popup::Picker(mut p) => match ev.code {
                KeyCode::Esc => {}
                KeyCode::Down => {
                    p.selected += 1;
                    self.popup = Popup::Picker(p);
                }
                KeyCode::Up => {
                    p.selected = p.selected.saturating_sub(1);
                    self.popup = Popup::Picker(p);
                }
                KeyCode::Enter => self.picker_choose(&p),
                _ => {
                    if p.input.key(ev) {
                        p.selected = 0;
                    }
                    self.popup = Popup::Picker(p);
                }
            },
            Popup::Command {
                mut input,
                completions,
                cycle,
            } => match ev.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    let line = input.text.clone();
                    self.run_command(&line);
                }
                KeyCode::Tab => {
                    let (completions, cycle) = if completions.is_empty() {
                        (self.complete(&input.text), 0)
                    } else {
                        let n = completions.len();
                        (completions, (cycle + 1) % n)
                    };
                    if let Some(c) = completions.get(cycle) {
                        input.set(c);
                    }
                    self.popup = Popup::Command {
                        input,
                        completions,
                        cycle,
                    };
                }
                _ => {
                    input.key(ev);
                    self.popup = Popup::Command {
                        input,
                        completions: Vec::new(),
                        cycle: 0,
                    };
                }
            },
            Popup::Search(mut input) => match ev.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    let q = input.text.clone();
                    self.search(&q);
                }
                _ => {
                    input.key(ev);
                    self.popup = Popup::Search(input);
                }
            },
            Popup::Memo(mut ed) => {
                let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
                match ev.code {
                    KeyCode::Esc => self.say("memo discarded"),
                    KeyCode::Char('s') if ctrl => self.save_memo(&ed),
                    _ => {
                        memo_key(&mut ed, ev);
                        self.popup = Popup::Memo(ed);
                    }
                }
            }
            Popup::Agreement {
                coders,
                rows,
                selected,
            } => match key_name(ev).as_deref() {
                Some("esc" | "q") => {}
                Some("enter") => {
                    if let Some(r) = rows.get(selected) {
                        let item = ListItem {
                            transcript: r.transcript.clone(),
                            start: r.start,
                            end: r.end,
                            label: String::new(),
                            text: String::new(),
                        };
                        self.show_all = true;
                        self.recount();
                        self.jump_to(&item);
                        self.say(&format!(
                            "{} · {} · D returns to the list",
                            r.code,
                            r.sides
                                .iter()
                                .map(|(c, s)| format!("{c}: {s}"))
                                .collect::<Vec<_>>()
                                .join(" | ")
                        ));
                    }
                }
                Some(k)
                    if matches!(k, "b" | "0")
                        || k.parse::<usize>()
                            .is_ok_and(|n| n >= 1 && n <= coders.len()) =>
                {
                    let choice = match k {
                        "b" => motif_core::agreement::Choice::Both,
                        "0" => motif_core::agreement::Choice::Neither,
                        n => motif_core::agreement::Choice::Coder(
                            coders[n.parse::<usize>().unwrap_or(1) - 1].clone(),
                        ),
                    };
                    if let Some(r) = rows.get(selected) {
                        let id = r.id.clone();
                        self.adopt(&coders, &id, choice);
                    }
                    self.open_agreement(selected + 1);
                }
                _ => {
                    self.popup = Popup::Agreement {
                        coders,
                        rows,
                        selected,
                    }
                }
            },
            Popup::Stats(mut st) => match key_name(ev).as_deref() {
                Some("esc" | "q") => {}
                Some("tab" | "backtab") => {
                    let tab = match (st.tab, ev.code == KeyCode::BackTab) {
                        (StatsTab::Frequencies, false) | (StatsTab::Matrix, true) => {
                            StatsTab::Cooccurrence
                        }
                        (StatsTab::Cooccurrence, false) | (StatsTab::Frequencies, true) => {
                            StatsTab::Matrix
                        }
                        _ => StatsTab::Frequencies,
                    };
                    st.tab = tab;
                    st.row = 0;
                    st.col = 0;
                    self.popup = Popup::Stats(st);
                }
                Some("c") => {
                    // Cycle: every coder, then each coder in turn.
                    let coders: Vec<String> = self
                        .journals
                        .iter()
                        .filter(|j| !j.is_empty())
                        .map(|j| j.coder.clone())
                        .collect();
                    let next = match &st.coder {
                        None => coders.first().cloned(),
                        Some(c) => coders
                            .iter()
                            .position(|x| x == c)
                            .and_then(|i| coders.get(i + 1).cloned()),
                    };
                    let fresh = self.compute_stats(st.tab, next, st.sort_by_count);
                    self.popup = Popup::Stats(fresh);
                }
                Some("s") => {
                    let fresh = self.compute_stats(st.tab, st.coder.clone(), !st.sort_by_count);
                    self.popup = Popup::Stats(fresh);
                }
                Some("j" | "down") => {
                    st.row += 1;
                    self.popup = Popup::Stats(st);
                }
                Some("k" | "up") => {
                    st.row = st.row.saturating_sub(1);
                    self.popup = Popup::Stats(st);
                }
                Some("l" | "right") => {
                    st.col += 1;
                    self.popup = Popup::Stats(st);
                }
                Some("h" | "left") => {
                    st.col = st.col.saturating_sub(1);
                    self.popup = Popup::Stats(st);
                }
                Some("enter") => self.stats_segments(&st),
                _ => self.popup = Popup::Stats(st),
            },
            Popup::List {
                title,
                items,
                selected,
            } => match key_name(ev).as_deref() {
                Some("enter") => {
                    if let Some(item) = items.get(selected).cloned() {
                        self.jump_to(&item);
                    }
                }
                Some("esc" | "q") => {}
                Some("a")
                    if !self.hit_passages.is_empty()
                        && (title.starts_with("search:") || title.starts_with("similar")) =>
                {
                    self.popup = Popup::Picker(Picker {
                        autocode: true,
                        ..Picker::default()
                    });
                }
                _ => {
                    self.popup = Popup::List {
                        title,
                        items,
                        selected,
                    }
                }
            },
        }
        true
    }

    fn picker_choose(&mut self, p: &Picker) {
        let matches = self.picker_matches(&p.input.text);
        let query = p.input.text.trim();
        let code_id = if p.selected < matches.len() {
            self.book.codes()[matches[p.selected]].id.clone()
        } else if !query.is_empty() && self.book.by_path(query).is_none() {
            // The "+ create" row.
            match self.add_code(query) {
                Some(id) => id,
                None => return,
            }
        } else {
            return;
        };
        if p.autocode {
            self.autocode(&code_id);
            return;
        }
        match &p.recode {
            Some(coding) => match self.recode(coding, &code_id) {
                Ok(()) => {
                    let path = self
                        .book
                        .by_id(&code_id)
                        .map_or(String::new(), |c| c.path.clone());
                    self.say(&format!("re-coded as {path} · saved"));
                    self.last_code = Some(code_id);
                    self.refresh_current();
                }
                Err(e) => self.error(&e.to_string()),
            },
            None => self.apply_code(&code_id),
        }
    }

    /// Adds a code to the codebook (saved at once); returns its id.
    fn add_code(&mut self, path: &str) -> Option<String> {
        let result = (|| {
            let _lock = self.project.codebook_lock()?;
            let mut book = self.project.codebook()?;
            let id = book.add(path, "", None, None)?.id.clone();
            book.save()?;
            Ok::<_, motif_core::Error>((book, id))
        })();
        match result {
            Ok((book, id)) => {
                self.book = book;
                self.recount();
                self.say(&format!(
                    "added code {path} (give it a definition in the codebook file)"
                ));
                Some(id)
            }
            Err(e) => {
                self.error(&e.to_string());
                None
            }
        }
    }

    /// Completions for the command line's text.
    pub fn complete(&self, text: &str) -> Vec<String> {
        const VERBS: [&str; 15] = [
            "open",
            "goto",
            "select",
            "code",
            "uncode",
            "search",
            "undo",
            "redo",
            "memo",
            "export frequencies",
            "codes add",
            "coders",
            "theme",
            "refresh",
            "help",
        ];
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        if !text.contains(' ') {
            return VERBS
                .iter()
                .filter(|v| v.starts_with(verb))
                .map(|v| (*v).to_owned())
                .collect();
        }
        let last = arg.rsplit(' ').next().unwrap_or("");
        let head = &text[..text.len() - last.len()];
        let pool: Vec<String> = match verb {
            "open" => self.ids.clone(),
            "code" | "uncode" => self.book.codes().iter().map(|c| c.path.clone()).collect(),
            "coders" => vec!["all".into(), "mine".into()],
            "theme" => vec!["dark".into(), "light".into()],
            _ => Vec::new(),
        };
        pool.into_iter()
            .filter(|p| p.starts_with(last))
            .map(|p| format!("{head}{p}"))
            .collect()
    }

    /// Runs a `:` command.
    pub fn run_command(&mut self, line: &str) {
        let line = line.trim();
        let (verb, rest) = line
            .split_once(' ')
            .map_or((line, ""), |(v, r)| (v, r.trim()));
        let args: Vec<&str> = rest.split_whitespace().collect();
        match verb {
            "q" | "quit" | "q!" | "wq" => self.quit = true,
            "open" | "o" => {
                if self.open(rest) {
                    self.focus = Pane::Text;
                }
            }
            "goto" | "g" => match rest.parse::<usize>() {
                Ok(n) if n >= 1 => {
                    if let Some(t) = self.transcript() {
                        let line = (n - 1).min(t.index.line_count().saturating_sub(1));
                        let p = t.index.line_bytes(&t.text, line).map_or(0, |r| r.0);
                        // At a turn's first line, land on what was said.
                        let p = t
                            .turns
                            .iter()
                            .find(|x| x.start == p)
                            .map_or(p, |x| x.body_start);
                        self.move_to(p);
                    }
                }
                _ => self.error("usage: :goto LINE"),
            },
            "select" => {
                let Some(t) = self.transcript() else { return };
                match ops::SpanSpec::parse(rest, true).and_then(|s| s.resolve(t)) {
                    Ok((s, e)) => {
                        let (a, b) = t.byte_range(s, e).unwrap_or((0, 0));
                        let last = textview::prev_char(&t.text, b);
                        self.selection = Some(Selection {
                            anchor: a,
                            unit: Unit::Char,
                        });
                        self.move_to(last);
                        self.focus = Pane::Text;
                    }
                    Err(e) => self.error(&e.to_string()),
                }
            }
            "code" => {
                if args.is_empty() {
                    self.error("usage: :code CODE… (a path, a unique name or a key)");
                }
                for spec in args {
                    let sel = self.selection;
                    match self.book.resolve(spec).map(|c| c.id.clone()) {
                        Ok(id) => {
                            self.selection = sel;
                            self.apply_code(&id);
                        }
                        Err(e) => {
                            self.error(&e.to_string());
                            return;
                        }
                    }
                }
            }
            "uncode" => self.uncode_command(&args),
            "search" | "s" => self.search(rest),
            "undo" | "u" => self.undo_redo(true),
            "redo" => self.undo_redo(false),
            "memo" => self.open_memo(),
            "help" | "h" => self.popup = Popup::Help { scroll: 0 },
            "refresh" => self.reload(),
            "coders" => {
                self.show_all = rest != "mine";
                self.recount();
            }
            "theme" => match rest {
                "dark" => self.theme = Theme::dark(self.theme.color),
                "light" => self.theme = Theme::light(self.theme.color),
                _ => self.error("usage: :theme dark|light"),
            },
            "codes" if args.first() == Some(&"add") && args.len() == 2 => {
                self.add_code(args[1]);
            }
            "export" if args.first() == Some(&"frequencies") => {
                self.export_frequencies(args.get(1).copied());
            }
            "" => {}
            other => self.error(&format!(
                "unknown command `:{other}`; press ? for help, Tab completes"
            )),
        }
    }

    fn uncode_command(&mut self, args: &[&str]) {
        let range = self
            .selection_range()
            .or_else(|| self.segment_here(true).map(|s| (s.start, s.end)));
        let Some((s, e)) = range else {
            self.error("select a passage (or put the cursor on your coding) to uncode");
            return;
        };
        let codes: Result<Vec<String>, _> = args
            .iter()
            .map(|a| self.book.resolve(a).map(|c| c.id.clone()))
            .collect();
        let codes = match codes {
            Ok(c) => c,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        };
        let Some(id) = self.current.clone() else {
            return;
        };
        let t = self.texts[&id].clone();
        let (start, end) = (t.char_at(s), t.char_at(e));
        let book = self.book.clone();
        match ops::uncode(self.my_journal(), &t, start, end, &book, &codes) {
            Ok(removed) => {
                self.selection = None;
                self.say(&format!("removed {} coding(s) · u undoes", removed.len()));
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    fn export_frequencies(&mut self, file: Option<&str>) {
        let path = self.project.root.join(file.unwrap_or("frequencies.json"));
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &Filter::default());
        let coders: Vec<String> = self
            .journals
            .iter()
            .filter(|j| !j.is_empty())
            .map(|j| j.coder.clone())
            .collect();
        let mut words = stats::SpanWords::load(&self.project);
        let f = stats::frequencies(
            &self.project.config.name,
            &self.book,
            &self.texts,
            self.texts.len(),
            coders,
            &segs,
            &mut words,
        );
        words.save(&self.texts);
        let result = serde_json::to_string_pretty(&f)
            .map_err(|e| motif_core::Error::invalid(e.to_string()))
            .and_then(|s| motif_core::fsio::atomic_write(&path, format!("{s}\n").as_bytes()));
        match result {
            Ok(()) => self.say(&format!("wrote {}", path.display())),
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Codes every listed hit's passage with one code, as one batch (one
    /// undo step).
    fn autocode(&mut self, code_id: &str) {
        let requests: Vec<NewCoding> = self
            .hit_passages
            .iter()
            .map(|(t, s, e)| NewCoding {
                transcript: t.clone(),
                start: *s,
                end: *e,
                code: code_id.to_owned(),
                memo: None,
            })
            .collect();
        let coder = self.coder.clone();
        let texts = &self.texts;
        let lookup = move |x: &str| texts.get(x);
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == coder)
            .expect("the coder's journal is loaded");
        match ops::code(journal, &lookup, &self.book, &requests) {
            Ok(report) => {
                let path = self
                    .book
                    .by_id(code_id)
                    .map_or(String::new(), |c| c.path.clone());
                self.say(&format!(
                    "coded {} passage(s) as {path} ({} already were) · one undo step",
                    report.added.len(),
                    report.already.len()
                ));
                self.last_code = Some(code_id.to_owned());
                self.recount();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Lists the passages most like the selection, across every interview.
    fn similar(&mut self) {
        let Some((s, e)) = self.selection_range() else {
            self.error("select a passage first");
            return;
        };
        let Some(t) = self.transcript().cloned() else {
            return;
        };
        let (start, end) = (t.char_at(s), t.char_at(e));
        let scope = motif_core::search::SearchFilter::default();
        match motif_core::search::similar_project(
            &self.project,
            &t,
            start,
            end,
            &scope,
            Some(50),
            &mut |_, _, _| {},
        ) {
            Ok((results, _)) => {
                self.hit_passages = results
                    .hits
                    .iter()
                    .map(|h| (h.transcript.clone(), h.start, h.end))
                    .collect();
                let items: Vec<ListItem> = results
                    .hits
                    .into_iter()
                    .map(|h| ListItem {
                        label: format!(
                            "{} · {} · line {}",
                            h.transcript,
                            h.speaker.clone().unwrap_or_default(),
                            h.line
                        ),
                        transcript: h.transcript,
                        start: h.start,
                        end: h.end,
                        text: h.text,
                    })
                    .collect();
                self.hits.clone_from(&items);
                self.hit = 0;
                self.say(&format!(
                    "{} similar passage(s) · enter jumps · a codes them all",
                    items.len()
                ));
                self.popup = Popup::List {
                    title: "similar passages".into(),
                    items,
                    selected: 0,
                };
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Brings the search index up to date on another thread; the state
    /// shows in the title bar and typing never waits for it.
    pub fn update_index_in_background(&mut self) {
        let project = self.project.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.index = IndexState::Updating;
        self.index_rx = Some(rx);
        std::thread::spawn(move || {
            let result = motif_core::search::SearchIndex::open(&project, &mut |_, _, _| {})
                .map(|(_, report)| report.notices.join("; "))
                .map_err(|e| e.to_string());
            let _ = tx.send(result);
        });
    }

    /// Notices the end of a background index update; true when it ended.
    pub fn poll_index(&mut self) -> bool {
        let Some(rx) = &self.index_rx else {
            return false;
        };
        match rx.try_recv() {
            Ok(Ok(notes)) => {
                self.index = IndexState::Ready;
                self.index_rx = None;
                // The title bar shows the index state; a notice never hides
                // what the researcher just did.
                if !notes.is_empty() && self.status.text.is_empty() {
                    self.say(&notes);
                }
                true
            }
            Ok(Err(e)) => {
                self.index = IndexState::Failed(e.clone());
                self.index_rx = None;
                self.error(&format!("search index: {e}"));
                true
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.index = IndexState::Failed("the index update stopped".into());
                self.index_rx = None;
                true
            }
        }
    }

    /// Searches every interview (the project's search index: words,
    /// "phrases", prefix*, fuzzy~1, AND/OR/NOT) and lists the passages.
    pub fn search(&mut self, query: &str) {
        if query.trim().is_empty() {
            return;
        }
        let req = motif_core::search::Request {
            query: query.to_owned(),
            lenient: true,
            limit: Some(500),
            ..motif_core::search::Request::default()
        };
        let results =
            match motif_core::search::search_project(&self.project, &req, &mut |_, _, _| {}) {
                Ok((r, _)) => r,
                Err(e) => {
                    self.error(&e.to_string());
                    return;
                }
            };
        self.hit_passages = results
            .hits
            .iter()
            .map(|h| (h.transcript.clone(), h.start, h.end))
            .collect();
        let items: Vec<ListItem> = results
            .hits
            .into_iter()
            .map(|h| {
                let (start, end) = h.matches.first().copied().unwrap_or((h.start, h.end));
                ListItem {
                    label: format!(
                        "{} · {} · line {}",
                        h.transcript,
                        h.speaker.clone().unwrap_or_default(),
                        h.line
                    ),
                    transcript: h.transcript,
                    start,
                    end,
                    text: h.text,
                }
            })
            .collect();
        let more = if results.total > items.len() {
            format!(" (first {})", items.len())
        } else {
            String::new()
        };
        self.say(&format!(
            "{} passage(s) match `{query}`{more} · enter jumps · n/N step",
            results.total
        ));
        self.hits.clone_from(&items);
        self.hit = 0;
        self.popup = Popup::List {
            title: format!("search: {query}"),
            items,
            selected: 0,
        };
    }

    /// Handles a mouse event.
    pub fn on_mouse(&mut self, ev: MouseEvent) {
        let areas = Areas::of(self.size.0, self.size.1);
        let inside = |a: (u16, u16, u16, u16)| {
            ev.column >= a.0 && ev.column < a.0 + a.2 && ev.row >= a.1 && ev.row < a.1 + a.3
        };
        match ev.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(MouseButton::Left) => {
                if inside(areas.text) {
                    self.focus = Pane::Text;
                    if let Some(p) = self.pos_at(ev.column, ev.row) {
                        self.selection = None;
                        self.drag_from = Some(p);
                        self.move_to(p);
                    }
                } else if inside(areas.list) {
                    self.focus = Pane::Transcripts;
                    let i = usize::from(ev.row.saturating_sub(areas.list.1 + 1));
                    if let Some(id) = self.ids.get(i).cloned() {
                        self.list_sel = i;
                        self.open(&id);
                    }
                } else if inside(areas.book) {
                    self.focus = Pane::Codebook;
                    let i = usize::from(ev.row.saturating_sub(areas.book.1 + 1));
                    if i < self.book.len() {
                        self.code_sel = i;
                    }
                }
            }
            MouseEventKind::Drag(MouseButton::Left) => {
                if let (Some(from), Some(p)) = (self.drag_from, self.pos_at(ev.column, ev.row)) {
                    if p != from {
                        self.selection = Some(Selection {
                            anchor: from,
                            unit: Unit::Char,
                        });
                    }
                    self.move_to(p);
                }
            }
            MouseEventKind::Up(MouseButton::Left) => self.drag_from = None,
            _ => {}
        }
    }

    /// The text position under a screen cell of the transcript view.
    pub fn pos_at(&self, col: u16, row: u16) -> Option<usize> {
        let areas = Areas::of(self.size.0, self.size.1);
        let t = self.transcript()?;
        let (w, h) = areas.text_size();
        let rows = textview::visible_rows(t, self.scroll, w, h);
        let r = rows.get(usize::from(row.checked_sub(areas.text.1 + 1)?))?;
        let x0 = areas.text.0 + 1 + areas.gutter;
        let target = usize::from(col.saturating_sub(x0));
        let mut used = 0;
        for (b, c) in t.text[r.start..r.end].char_indices() {
            let cw = textview::char_width(c);
            if used + cw > target {
                return Some(r.start + b);
            }
            used += cw;
        }
        Some(textview::prev_char(&t.text, r.end).max(r.start))
    }
}

/// A segment as a row of a list popup: transcript, speaker, code, coder
/// and the quote.
fn segment_item(
    texts: &BTreeMap<String, Transcript>,
    s: &motif_core::segments::Segment<'_>,
) -> ListItem {
    let t = &texts[s.coding.transcript.as_str()];
    let (a, b) = t.byte_range(s.start, s.end).unwrap_or((0, 0));
    let speaker = t
        .turn_at(a)
        .and_then(|x| x.speaker.clone())
        .unwrap_or_default();
    ListItem {
        transcript: s.coding.transcript.to_string(),
        start: s.start,
        end: s.end,
        label: format!(
            "{} · {speaker} · {} · {}",
            s.coding.transcript,
            s.code.name(),
            s.coding.coder
        ),
        text: t.text[a..b].to_owned(),
    }
}

fn step(i: usize, n: usize, down: bool) -> usize {
    if n == 0 {
        0
    } else if down {
        (i + 1).min(n - 1)
    } else {
        i.saturating_sub(1)
    }
}

/// Subsequence match: lower is better; `None` when `q` is not a
/// subsequence of `s`. Contiguous and early matches score best.
pub fn fuzzy_score(s: &str, q: &str) -> Option<usize> {
    if q.is_empty() {
        return Some(0);
    }
    if let Some(i) = s.find(q) {
        return Some(i);
    }
    let mut score = 1000;
    let mut it = s.char_indices();
    let mut last = 0;
    for qc in q.chars() {
        let (i, _) = it.find(|&(_, c)| c == qc)?;
        score += i - last;
        last = i;
    }
    Some(score)
}

fn memo_key(ed: &mut MemoEditor, ev: &KeyEvent) {
    let line = &mut ed.lines[ed.row];
    match ev.code {
        KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
            line.insert(ed.col, c);
            ed.col += c.len_utf8();
        }
        KeyCode::Enter => {
            let rest = line.split_off(ed.col);
            ed.lines.insert(ed.row + 1, rest);
            ed.row += 1;
            ed.col = 0;
        }
        KeyCode::Backspace => {
            if ed.col > 0 {
                let p = textview::prev_char(line, ed.col);
                line.replace_range(p..ed.col, "");
                ed.col = p;
            } else if ed.row > 0 {
                let cur = ed.lines.remove(ed.row);
                ed.row -= 1;
                ed.col = ed.lines[ed.row].len();
                ed.lines[ed.row].push_str(&cur);
            }
        }
        KeyCode::Left => ed.col = textview::prev_char(line, ed.col),
        KeyCode::Right => ed.col = textview::next_char(line, ed.col),
        KeyCode::Up if ed.row > 0 => {
            ed.row -= 1;
            ed.col = ed.col.min(ed.lines[ed.row].len());
            while !ed.lines[ed.row].is_char_boundary(ed.col) {
                ed.col -= 1;
            }
        }
        KeyCode::Down if ed.row + 1 < ed.lines.len() => {
            ed.row += 1;
            ed.col = ed.col.min(ed.lines[ed.row].len());
            while !ed.lines[ed.row].is_char_boundary(ed.col) {
                ed.col -= 1;
            }
        }
        _ => {}
    }
}
