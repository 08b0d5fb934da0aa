//! The memo editor: a multi-line text popup for a memo on a coding, a
//! passage (appended to the transcript's memo with the quote), a
//! transcript or a code. Saving goes through `motif_core::memo` or
//! `ops::set_memo`, like `motif memo`.

use std::fmt::Write as _;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::memo::{self, MemoTarget};
use motif_core::ops;
use motif_core::text::one_line;

use super::{Flow, Popup};
use crate::tui::app::App;
use crate::tui::input::typed_char;
use crate::tui::keymap::{Action, Context};
use crate::tui::textview::{self, char_width};
use crate::tui::ui::{centered, put};

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
    /// The text the editor opened with: what a save compares the memo on
    /// disk with, and what tells whether there is unsaved text.
    pub original: String,
    /// Esc was pressed with unsaved text: a second Esc discards it.
    pub confirm_discard: bool,
}

impl MemoEditor {
    /// An editor on `text`, cursor at its end.
    pub fn new(title: String, target: MemoFor, text: &str) -> MemoEditor {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.trim_end_matches('\n')
                .split('\n')
                .map(str::to_owned)
                .collect()
        };
        MemoEditor {
            title,
            target,
            row: lines.len() - 1,
            col: lines.last().map_or(0, String::len),
            lines,
            original: text.to_owned(),
            confirm_discard: false,
        }
    }

    /// The text as edited.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// Whether the text differs from what the editor opened with.
    pub fn is_dirty(&self) -> bool {
        self.text().trim_end() != self.original.trim_end()
    }

    /// Saves, discards, or edits.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        let confirming = std::mem::take(&mut self.confirm_discard);
        match action {
            Some(Action::Cancel) if self.is_dirty() && !confirming => {
                self.confirm_discard = true;
                let key = |a| one_line(app.keymap.first_key(Context::Memo, a));
                app.error(&format!(
                    "unsaved memo: {} again discards it, {} saves it",
                    key(Action::Cancel),
                    key(Action::SaveMemo)
                ));
                Flow::Stay
            }
            Some(Action::Cancel) => {
                app.say(if self.is_dirty() {
                    "memo discarded"
                } else {
                    "memo closed"
                });
                Flow::Close
            }
            Some(Action::SaveMemo) => {
                app.save_memo(self);
                Flow::Close
            }
            Some(a) => {
                self.edit(a);
                Flow::Stay
            }
            None => {
                if let Some(c) = typed_char(ev) {
                    self.lines[self.row].insert(self.col, c);
                    self.col += c.len_utf8();
                }
                Flow::Stay
            }
        }
    }

    /// An editing action.
    fn edit(&mut self, action: Action) {
        let line = &mut self.lines[self.row];
        match action {
            Action::NewLine => {
                let rest = line.split_off(self.col);
                self.lines.insert(self.row + 1, rest);
                self.row += 1;
                self.col = 0;
            }
            Action::DeleteBack => {
                if self.col > 0 {
                    let p = textview::prev_char(line, self.col);
                    line.replace_range(p..self.col, "");
                    self.col = p;
                } else if self.row > 0 {
                    let cur = self.lines.remove(self.row);
                    self.row -= 1;
                    self.col = self.lines[self.row].len();
                    self.lines[self.row].push_str(&cur);
                }
            }
            Action::Left => self.col = textview::prev_char(line, self.col),
            Action::Right => self.col = textview::next_char(line, self.col),
            Action::LineStart => self.col = 0,
            Action::LineEnd => self.col = line.len(),
            Action::Up if self.row > 0 => self.go_to_row(self.row - 1),
            Action::Down if self.row + 1 < self.lines.len() => self.go_to_row(self.row + 1),
            _ => {}
        }
    }

    /// Moves to another row, keeping the column where the row allows.
    fn go_to_row(&mut self, row: usize) {
        self.row = row;
        self.col = self.col.min(self.lines[row].len());
        while !self.lines[row].is_char_boundary(self.col) {
            self.col -= 1;
        }
    }

    /// Draws the editor.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(area, 70, 14);
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::Memo, a));
        let block = Block::default().borders(Borders::ALL).title(format!(
            " {} · {} saves · {} discards ",
            one_line(&self.title),
            key(Action::SaveMemo),
            key(Action::Cancel)
        ));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let h = usize::from(inner.height);
        let first = self.row.saturating_sub(h.saturating_sub(1));
        let buf = f.buffer_mut();
        for (i, line) in self.lines.iter().enumerate().skip(first).take(h) {
            put(
                buf,
                inner.x,
                inner.y + (i - first) as u16,
                &one_line(line),
                inner.width,
                app.theme.text(),
            );
        }
        let cx = self.lines[self.row][..self.col]
            .chars()
            .map(char_width)
            .sum::<usize>() as u16;
        f.set_cursor_position(Position::new(
            (inner.x + cx).min(inner.x + inner.width.saturating_sub(1)),
            inner.y + (self.row - first) as u16,
        ));
    }
}

impl App {
    /// Opens the memo editor on the selection (the coding it is exactly,
    /// else the passage), else on my coding under the cursor, else on the
    /// open transcript.
    pub fn open_memo(&mut self) {
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
                let memo = self.my_coding_memo(&seg.id);
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
        if self.on_coding_here(super::ChoiceFor::Memo) {
            return;
        }
        self.open_target_memo(MemoTarget::Transcript(id));
    }

    /// Opens the memo editor on one of my codings.
    pub fn open_coding_memo(&mut self, seg: &crate::tui::app::ViewSeg) {
        let memo = self.my_coding_memo(&seg.id);
        let path = self.book.codes()[seg.code_pos].path.clone();
        self.edit_memo(
            format!("memo on your {path} coding"),
            MemoFor::Coding(seg.id.clone()),
            &memo,
        );
    }

    /// Opens the memo editor on the project's, a transcript's or a code's
    /// memo.
    pub fn open_target_memo(&mut self, target: MemoTarget) {
        let title = match &target {
            MemoTarget::Project => "memo on the project".to_owned(),
            MemoTarget::Transcript(t) => format!("memo on transcript {t}"),
            MemoTarget::Code(id) => format!(
                "memo on code {}",
                self.book.by_id(id).map_or(id.as_str(), |c| c.path.as_str())
            ),
        };
        let text = memo::read_memo(&self.project, &target).unwrap_or_default();
        self.edit_memo(title, MemoFor::Target(target), &text);
    }

    fn my_coding_memo(&mut self, id: &str) -> String {
        self.my_journal()
            .get(id)
            .and_then(|c| c.memo.as_deref().map(str::to_owned))
            .unwrap_or_default()
    }

    fn edit_memo(&mut self, title: String, target: MemoFor, text: &str) {
        self.popup = Popup::Memo(MemoEditor::new(title, target, text));
    }

    /// Saves the editor's memo where it goes.
    fn save_memo(&mut self, ed: &MemoEditor) {
        let text = ed.text();
        let result = match &ed.target {
            MemoFor::Coding(id) => {
                let memo = (!text.trim().is_empty()).then(|| text.trim_end().to_owned());
                ops::set_memo(self.my_journal(), id, memo)
                    .map(|()| "memo saved on the coding".to_owned())
            }
            // The memo may have changed on disk while it was open (`motif
            // memo` from a shell): nothing either side wrote is dropped.
            MemoFor::Target(target) => {
                memo::save_edited_memo(&self.project, target, &ed.original, &text)
                    .map(|(p, how)| how.describe(&p))
            }
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
}
