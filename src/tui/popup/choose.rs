//! "Which coding?": when an action on the coding under the cursor
//! (remove, re-code, memo) finds several of the coder's codings there, this
//! popup lists them — code, coder, lines and the start of the quote — and
//! the action goes to the one chosen. Never one of several at random.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::text::one_line;

use super::{Flow, step};
use crate::tui::app::{App, ViewSeg};
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::{centered, put};

/// What happens to the coding chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceFor {
    Remove,
    Recode,
    Memo,
}

impl ChoiceFor {
    fn verb(self) -> &'static str {
        match self {
            ChoiceFor::Remove => "remove",
            ChoiceFor::Recode => "re-code",
            ChoiceFor::Memo => "write a memo on",
        }
    }
}

/// The codings to choose from, innermost first.
#[derive(Debug, Clone)]
pub struct ChooseCoding {
    pub purpose: ChoiceFor,
    pub options: Vec<ViewSeg>,
    pub selected: usize,
}

impl ChooseCoding {
    /// Moves, chooses (the open key) or cancels; keys of the list context.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        match action {
            Some(Action::ListDown | Action::ListUp) => {
                let down = action == Some(Action::ListDown);
                self.selected = step(self.selected, self.options.len(), down);
            }
            Some(Action::Open) => {
                if let Some(seg) = self.options.get(self.selected).cloned() {
                    app.act_on_coding(self.purpose, &seg);
                }
                return Flow::Close;
            }
            Some(Action::Cancel) => return Flow::Close,
            _ => {}
        }
        Flow::Stay
    }

    /// Draws the choice in the middle of the screen.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let h = self.options.len() as u16 + 2;
        let r = centered(area, 72, h);
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::List, a));
        let block = Block::default().borders(Borders::ALL).title(format!(
            " {} which coding? {} chooses · {} cancels ",
            self.purpose.verb(),
            key(Action::Open),
            key(Action::Cancel)
        ));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let buf = f.buffer_mut();
        let t = app.transcript();
        for (i, seg) in self
            .options
            .iter()
            .enumerate()
            .take(usize::from(inner.height))
        {
            let y = inner.y + i as u16;
            let style = if i == self.selected {
                app.theme.list_selected()
            } else {
                app.theme.text()
            };
            let code = app.book.codes().get(seg.code_pos);
            let lines = t.map_or((0, 0), |t| t.lines_of(seg.start, seg.end));
            let quote = t.map_or("", |t| &t.text[seg.start..seg.end]);
            let row = format!(
                "{} · {} · lines {}–{} · “{}”",
                code.map_or("?", |c| c.path.as_str()),
                seg.coder,
                lines.0,
                lines.1,
                quote
            );
            let x = put(
                buf,
                inner.x,
                y,
                "■",
                1,
                code.map_or(style, |c| app.theme.code(&c.color)),
            );
            put(
                buf,
                x + 1,
                y,
                &one_line(&row),
                inner.width.saturating_sub(2),
                style,
            );
        }
    }
}

impl App {
    /// My codings under the cursor, innermost first.
    pub fn my_codings_here(&self) -> Vec<ViewSeg> {
        let mut here: Vec<ViewSeg> = self
            .segs
            .iter()
            .filter(|s| s.mine && s.start <= self.cursor && self.cursor < s.end)
            .cloned()
            .collect();
        here.sort_by_key(|s| (s.end - s.start, s.code_pos));
        here
    }

    /// The action on my coding under the cursor: done at once when there
    /// is one, asked when there are several.
    pub fn on_coding_here(&mut self, purpose: ChoiceFor) -> bool {
        let mut here = self.my_codings_here();
        match here.len() {
            0 => false,
            1 => {
                let seg = here.remove(0);
                self.act_on_coding(purpose, &seg);
                true
            }
            _ => {
                self.popup = super::Popup::Choose(ChooseCoding {
                    purpose,
                    options: here,
                    selected: 0,
                });
                true
            }
        }
    }

    /// Removes, re-codes or writes a memo on one of my codings.
    pub fn act_on_coding(&mut self, purpose: ChoiceFor, seg: &ViewSeg) {
        match purpose {
            ChoiceFor::Remove => self.remove_coding(seg),
            ChoiceFor::Recode => self.open_picker(Some(seg.id.clone())),
            ChoiceFor::Memo => self.open_coding_memo(seg),
        }
    }
}
