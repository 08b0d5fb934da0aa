//! The `/` prompt: typed text is a search query over every interview; on
//! accept the hits open in a list.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::Flow;
use super::command_line::line_prompt;
use crate::tui::app::App;
use crate::tui::input::LineInput;
use crate::tui::keymap::Action;

/// The search prompt.
#[derive(Debug, Clone, Default)]
pub struct SearchPrompt {
    pub input: LineInput,
}

impl SearchPrompt {
    /// Searches, cancels or edits.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        match action {
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::Accept) => {
                let q = std::mem::take(&mut self.input.text);
                app.search(&q);
                return Flow::Close;
            }
            _ => {
                self.input.key(action, ev);
            }
        }
        Flow::Stay
    }

    /// Draws the prompt on the status line.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        line_prompt(f, app, area, "/", &self.input, &[]);
    }
}
