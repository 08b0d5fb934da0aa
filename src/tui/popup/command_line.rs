//! The `:` command line: typed text is a command from the command table
//! (`commands.rs`), which runs on accept; the complete key cycles through
//! the table's completions.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Clear;

use motif_core::text::one_line;

use super::Flow;
use crate::tui::app::App;
use crate::tui::input::LineInput;
use crate::tui::keymap::Action;
use crate::tui::textview::char_width;
use crate::tui::ui::put;

/// The command line and its completions.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: LineInput,
    pub completions: Vec<String>,
    pub cycle: usize,
}

impl CommandLine {
    /// A command line holding `text` (cursor at its end).
    pub fn with(text: &str) -> CommandLine {
        let mut c = CommandLine::default();
        c.input.set(text);
        c
    }

    /// Runs, completes, cancels or edits.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        match action {
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::Accept) => {
                let line = std::mem::take(&mut self.input.text);
                app.run_command(&line);
                return Flow::Close;
            }
            Some(Action::Complete) => {
                if self.completions.is_empty() {
                    self.completions = app.complete(&self.input.text);
                    self.cycle = 0;
                } else {
                    self.cycle = (self.cycle + 1) % self.completions.len();
                }
                if let Some(c) = self.completions.get(self.cycle) {
                    self.input.set(c);
                }
            }
            _ => {
                self.input.key(action, ev);
                self.completions.clear();
                self.cycle = 0;
            }
        }
        Flow::Stay
    }

    /// Draws the line (and the completions above it).
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        line_prompt(f, app, area, ":", &self.input, &self.completions);
    }
}

/// A one-line prompt on the status line: `prefix`, the text, the cursor,
/// and the completions on the line above when there are several.
pub fn line_prompt(
    f: &mut Frame<'_>,
    app: &App,
    area: Rect,
    prefix: &str,
    input: &LineInput,
    completions: &[String],
) {
    let y = area.height.saturating_sub(1);
    let r = Rect::new(0, y, area.width, 1);
    f.render_widget(Clear, r);
    let buf = f.buffer_mut();
    let x = put(buf, 0, y, prefix, area.width, app.theme.accent());
    put(
        buf,
        x,
        y,
        &one_line(&input.text),
        area.width.saturating_sub(x),
        app.theme.text(),
    );
    if completions.len() > 1 {
        let list = one_line(&completions.join("  "));
        let r = Rect::new(0, y.saturating_sub(1), area.width, 1);
        f.render_widget(Clear, r);
        put(
            f.buffer_mut(),
            0,
            y.saturating_sub(1),
            &list,
            area.width,
            app.theme.dim(),
        );
    }
    let cx = input.text[..input.cursor]
        .chars()
        .map(char_width)
        .sum::<usize>() as u16;
    f.set_cursor_position(Position::new(x + cx, y));
}
