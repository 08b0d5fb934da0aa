//! The TUI's shared state and the routing of input. `App` owns the project,
//! codebook, transcripts, journals and the view (open transcript, cursor,
//! selection, focus); the open popup owns its own state (`popup/`). A key
//! goes to the open popup, else it is looked up in the keymap for the
//! focused pane and becomes a named action that [`App::update`] applies.
//! Nothing here draws: `ui.rs` reads an `App` and renders it. Every coding
//! goes through the core (`core::ops`), which makes it durable before
//! `update` returns — so each coding is on disk before the next key is read.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use motif_core::codebook::Codebook;
use motif_core::journal::Journal;
use motif_core::memo::MemoTarget;
use motif_core::project::{Attributes, Project};
use motif_core::text::one_line;
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;

use super::keymap::{Action, Context, Keymap, key_name};
use super::popup::list::ListKind;
use super::popup::{
    CodeKeyPrompt, CommandLine, Help, ListItem, ListPopup, Popup, SearchPrompt, step,
};
use super::retrieval::Highlights;
use super::textview::{self, Scroll};
use super::theme::Theme;

pub use super::selection::{Unit, VisualSelection};

/// The panes, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Transcripts,
    Text,
    Codebook,
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
    pub selection: Option<VisualSelection>,
    pub segs: Vec<ViewSeg>,
    pub focus: Pane,
    pub popup: Popup,
    pub status: Status,
    pub last_code: Option<String>,
    pub show_all: bool,
    /// The researcher's choice to show or fold the side panes; `None`:
    /// shown from [`SIDE_PANES_FROM`] columns.
    pub side_panes: Option<bool>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    /// Ctrl-z was pressed: the event loop suspends motif as a shell job.
    pub suspend: bool,
    /// The items `n`/`N` step through (the last list's, as filtered).
    pub hits: Vec<ListItem>,
    pub hit: usize,
    /// Whether `hits` are quotes or search hits.
    pub hits_kind: ListKind,
    /// The last list jumped from or searched: the reopen key shows it.
    pub last_list: Option<ListPopup>,
    /// The last search's matches, highlighted in the text.
    pub highlights: Highlights,
    /// The last `/` search was by regular expression (the prompt starts so).
    pub search_regex: bool,
    /// The passages (transcript, code points) of the listed hits.
    pub hit_passages: Vec<(String, usize, usize)>,
    /// How many search hits a search lists (and `a` can code at once).
    pub search_limit: usize,
    pub index: IndexState,
    pub(super) index_rx: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    /// Byte sizes of the journals last read, to notice other processes.
    pub(super) seen_sizes: Vec<(String, u64)>,
    /// Each transcript file's id, size and time of change when last read,
    /// to notice transcripts imported or replaced by other processes.
    pub(super) seen_transcripts: Vec<super::refresh::FileStamp>,
    drag_from: Option<usize>,
    /// The last key was ctrl-c (asking to quit): another one quits.
    interrupted: bool,
}

/// The coder that adopted sides go to.
pub const CONSENSUS: &str = "consensus";

/// Layout of the screen, shared by drawing and mouse handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The transcript list; zero-wide when the side panes are folded away
    /// and it does not have the focus.
    pub list: (u16, u16, u16, u16),
    pub text: (u16, u16, u16, u16),
    /// The codebook; zero-wide like the list.
    pub book: (u16, u16, u16, u16),
    /// Inside the text pane's border: gutter, text, margin columns.
    pub gutter: u16,
    pub margin: u16,
    /// The side panes are folded away: the transcript has the whole
    /// width, and the list or codebook with the focus is drawn over it.
    pub folded: bool,
}

/// What the layout depends on besides the terminal's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutFor {
    /// Show the transcript list and codebook beside the text.
    pub side_panes: bool,
    /// The focused pane (a folded pane with the focus is drawn over the
    /// text).
    pub focus: Pane,
    /// Lines of the open transcript (the gutter fits the largest number).
    pub lines: usize,
    /// Display width of the longest transcript id.
    pub longest_id: usize,
}

impl Default for LayoutFor {
    fn default() -> Self {
        LayoutFor {
            side_panes: true,
            focus: Pane::Text,
            lines: 0,
            longest_id: 0,
        }
    }
}

/// Below this many columns the side panes fold away by default.
pub const SIDE_PANES_FROM: u16 = 100;

impl Areas {
    /// The areas for a terminal of `w` × `h` with the side panes shown
    /// and a transcript of fewer than 10,000 lines.
    pub fn of(w: u16, h: u16) -> Areas {
        Areas::layout(w, h, LayoutFor::default())
    }

    /// The areas for a terminal of `w` × `h`.
    pub fn layout(w: u16, h: u16, f: LayoutFor) -> Areas {
        let body_h = h.saturating_sub(2);
        // Wide enough for the largest line number and a space.
        let digits = f.lines.max(1).to_string().len() as u16;
        let gutter = (digits + 1).max(5);
        if !f.side_panes {
            let margin = if w >= 72 { 16 } else { 7 };
            // A folded pane with the focus covers the text's left or right.
            let list_w = (f.longest_id as u16).saturating_add(8).max(24).min(w);
            let book_w = 40.min(w);
            let hidden = (0, 1, 0, body_h);
            return Areas {
                list: if f.focus == Pane::Transcripts {
                    (0, 1, list_w, body_h)
                } else {
                    hidden
                },
                text: (0, 1, w, body_h),
                book: if f.focus == Pane::Codebook {
                    (w - book_w, 1, book_w, body_h)
                } else {
                    hidden
                },
                gutter,
                margin,
                folded: true,
            };
        }
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
            gutter,
            margin,
            folded: false,
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
            mut journals,
            attributes,
            ..
        } = ws;
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
            side_panes: None,
            keymap,
            theme: Theme::from_env(),
            size: (120, 40),
            suspend: false,
            quit: false,
            hits: Vec::new(),
            hit: 0,
            hits_kind: ListKind::default(),
            last_list: None,
            highlights: Highlights::default(),
            search_regex: false,
            hit_passages: Vec::new(),
            search_limit: 500,
            index: IndexState::Ready,
            index_rx: None,
            seen_sizes: Vec::new(),
            seen_transcripts: Vec::new(),
            drag_from: None,
            interrupted: false,
        };
        app.recount();
        app.remember_sizes();
        app.seen_transcripts = app.transcript_stamps();
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

    /// Whether the transcript list and codebook are shown beside the text.
    pub fn side_panes_shown(&self) -> bool {
        self.side_panes.unwrap_or(self.size.0 >= SIDE_PANES_FROM)
    }

    /// The screen's layout now.
    pub fn areas(&self) -> Areas {
        Areas::layout(
            self.size.0,
            self.size.1,
            LayoutFor {
                side_panes: self.side_panes_shown(),
                focus: self.focus,
                lines: self.transcript().map_or(0, |t| t.index.line_count()),
                longest_id: self
                    .ids
                    .iter()
                    .map(|id| unicode_width::UnicodeWidthStr::width(id.as_str()))
                    .max()
                    .unwrap_or(0),
            },
        )
    }

    /// The terminal is now `w` × `h`: the cursor stays in view.
    pub fn resize(&mut self, w: u16, h: u16) {
        if self.size != (w, h) {
            self.size = (w, h);
            self.move_to(self.cursor);
        }
    }

    /// Shows or folds the side panes, keeping the cursor in view.
    pub fn toggle_side_panes(&mut self) {
        let shown = !self.side_panes_shown();
        self.side_panes = Some(shown);
        if !shown {
            self.focus = Pane::Text;
        }
        self.move_to(self.cursor);
        self.say(if shown {
            "side panes shown"
        } else {
            "side panes folded: tab shows the transcript list, then the codebook, over the text"
        });
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

    /// The coder's journal.
    pub(super) fn my_journal(&mut self) -> &mut Journal {
        self.my_journal_and_book().0
    }

    /// The coder's journal beside the codebook (for `ops`, which need both).
    pub(super) fn my_journal_and_book(&mut self) -> (&mut Journal, &Codebook) {
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == self.coder)
            .expect("the coder's journal is loaded");
        (journal, &self.book)
    }

    /// The coders whose codings are shown (empty: every coder).
    pub fn shown_coders(&self) -> Vec<String> {
        if self.show_all {
            Vec::new()
        } else {
            vec![self.coder.clone()]
        }
    }

    /// Every coder with at least one live coding (the core's rule).
    pub fn coders_with_codings(&self) -> Vec<String> {
        motif_core::journal::coders_with_codings(&self.journals)
    }

    /// Lends the loaded project to a core analysis as a `Workspace`.
    pub(super) fn with_workspace<R>(&mut self, f: impl FnOnce(&Workspace) -> R) -> R {
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

    /// The context keys are looked up in when no popup is open.
    pub fn context(&self) -> Context {
        match self.focus {
            Pane::Transcripts => Context::Transcripts,
            Pane::Codebook => Context::Codebook,
            Pane::Text if self.selection.is_some() => Context::Visual,
            Pane::Text => Context::Normal,
        }
    }

    /// Handles one key press: the open popup's, else the focused pane's
    /// (visual falls back to normal), else a global action.
    pub fn on_key(&mut self, ev: KeyEvent) {
        let interrupted = std::mem::take(&mut self.interrupted);
        if self.popup_key(&ev) {
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
            Some(Action::Interrupt) if interrupted => self.quit = true,
            Some(Action::Suspend) => self.suspend = true,
            Some(Action::Interrupt) => {
                self.interrupted = true;
                self.say("press ctrl-c again to quit (everything is already saved)");
            }
            Some(a) => self.update(a),
            None => {}
        }
    }

    /// Applies an action of the panes (popups handle their own).
    pub fn update(&mut self, action: Action) {
        if self.global_action(action) || self.motion(action) || self.selection_action(action) {
            return;
        }
        self.pane_action(action);
    }

    /// The actions available everywhere; false when `action` is not one.
    fn global_action(&mut self, action: Action) -> bool {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popup = Popup::Help(Help::default()),
            Action::CommandLine => self.popup = Popup::Command(CommandLine::default()),
            Action::NextPane | Action::PrevPane => {
                let order = [Pane::Transcripts, Pane::Text, Pane::Codebook];
                let i = order.iter().position(|p| *p == self.focus).unwrap_or(1);
                let step = if action == Action::NextPane { 1 } else { 2 };
                self.focus = order[(i + step) % 3];
            }
            Action::Search => {
                self.popup = Popup::Search(SearchPrompt {
                    regex: self.search_regex,
                    ..SearchPrompt::default()
                });
            }
            Action::ReopenList => self.reopen_list(),
            Action::NextHit | Action::PrevHit => self.step_hit(action == Action::NextHit),
            Action::Undo => self.undo_redo(true),
            Action::Redo => self.undo_redo(false),
            Action::Refresh => {
                self.reload();
                self.say("reloaded codings and codebook from disk");
            }
            Action::ToggleCoders => self.show_coders(!self.show_all),
            Action::TogglePanes => self.toggle_side_panes(),
            Action::Stats => self.open_stats(),
            Action::Agreement => self.open_agreement(0),
            _ => return false,
        }
        true
    }

    /// Shows every coder's codings or only mine.
    pub fn show_coders(&mut self, all: bool) {
        self.show_all = all;
        self.recount();
        self.say(if self.show_all {
            "showing every coder's codings"
        } else {
            "showing only your codings"
        });
    }

    /// The actions of the panes that are neither motions nor selecting.
    fn pane_action(&mut self, action: Action) {
        match action {
            Action::CodeKey if self.selection.is_some() => {
                self.popup = Popup::CodeKey(CodeKeyPrompt);
            }
            Action::CodePicker => self.open_picker(None),
            Action::RepeatCode => match self.last_code.clone() {
                Some(c) => self.apply_code(&c),
                None => self.error("no code used yet in this session: press c and a code's key"),
            },
            Action::Memo => self.open_memo(),
            Action::RemoveSegment => self.remove_here(),
            // The guard acts (or asks which coding) when there is one.
            Action::Recode if !self.on_coding_here(super::popup::ChoiceFor::Recode) => {
                self.error("none of your codings is under the cursor");
            }
            Action::Cancel => self.cancel(),
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
            Action::Similar => self.similar(),
            Action::Play => self.play(),
            Action::CodeMemo => {
                if let Some(c) = self.book.codes().get(self.code_sel) {
                    let target = MemoTarget::Code(c.id.clone());
                    self.open_target_memo(target);
                }
            }
            Action::AddCode => {
                let prefix = self
                    .book
                    .codes()
                    .get(self.code_sel)
                    .map(|c| format!("{}/", c.path))
                    .unwrap_or_default();
                self.popup = Popup::Command(CommandLine::with(&format!("codes add {prefix}")));
            }
            _ => {}
        }
    }

    /// Esc outside popups: drops the selection, else goes back to the
    /// transcript view.
    fn cancel(&mut self) {
        if self.selection.take().is_none() {
            self.focus = Pane::Text;
        }
    }

    fn open_from_list(&mut self) {
        if self.focus != Pane::Transcripts {
            return;
        }
        if let Some(id) = self.ids.get(self.list_sel).cloned() {
            self.open(&id);
            self.focus = Pane::Text;
        }
    }

    /// Handles a mouse event.
    pub fn on_mouse(&mut self, ev: MouseEvent) {
        let areas = self.areas();
        let inside = |a: (u16, u16, u16, u16)| {
            ev.column >= a.0 && ev.column < a.0 + a.2 && ev.row >= a.1 && ev.row < a.1 + a.3
        };
        match ev.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(MouseButton::Left) => {
                // The list and codebook first: folded, they lie over the text.
                if inside(areas.list) {
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
                } else if inside(areas.text) {
                    self.focus = Pane::Text;
                    if let Some(p) = self.pos_at(ev.column, ev.row) {
                        self.selection = None;
                        self.drag_from = Some(p);
                        self.move_to(p);
                    }
                }
            }
            MouseEventKind::Drag(MouseButton::Left) => {
                if let (Some(from), Some(p)) = (self.drag_from, self.pos_at(ev.column, ev.row)) {
                    if p != from {
                        self.selection = Some(VisualSelection {
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
        let areas = self.areas();
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
