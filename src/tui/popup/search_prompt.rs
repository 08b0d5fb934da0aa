//! The `/` prompt: typed text is a search over every interview, by words
//! or (toggled with a key, shown in the prompt) by a regular expression;
//! on accept the hits open in a list.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use motif_core::text::one_line;

use super::Flow;
use super::command_line::line_prompt;
use crate::tui::app::App;
use crate::tui::input::LineInput;
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::put;

/// The search prompt.
#[derive(Debug, Clone, Default)]
pub struct SearchPrompt {
    pub input: LineInput,
    /// Search by regular expression instead of words.
    pub regex: bool,
}

impl SearchPrompt {
    /// Searches, cancels, switches words/regex or edits.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        match action {
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::ToggleRegex) => self.regex = !self.regex,
            Some(Action::Accept) => {
                let q = std::mem::take(&mut self.input.text);
                app.search_by(&q, self.regex);
                return Flow::Close;
            }
            _ => {
                self.input.key(action, ev);
            }
        }
        Flow::Stay
    }

    /// Draws the prompt on the status line: `/` for words, `regex /` for
    /// a regular expression, and the key that switches.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let prefix = if self.regex { "regex /" } else { "/" };
        line_prompt(f, app, area, prefix, &self.input, &[]);
        let key = one_line(app.keymap.first_key(Context::Search, Action::ToggleRegex));
        let hint = if self.regex {
            format!("{key}: words")
        } else {
            format!("{key}: regex")
        };
        let w = hint.chars().count() as u16;
        let typed = prefix.len() + self.input.text.chars().count() + 2;
        if usize::from(area.width) > typed + usize::from(w) + 1 {
            let y = area.height.saturating_sub(1);
            put(
                f.buffer_mut(),
                area.width - w - 1,
                y,
                &hint,
                w,
                app.theme.dim(),
            );
        }
    }
}
