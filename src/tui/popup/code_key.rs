//! After `c` on a selection: waiting for a code's one-key shortcut (the
//! codebook's keys, shown in the codebook pane and in this prompt). Tab
//! opens the picker instead.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use motif_core::text::one_line;

use super::Flow;
use crate::tui::app::App;
use crate::tui::input::typed_char;
use crate::tui::keymap::{Action, Context};

/// The code-key prompt (no state of its own).
#[derive(Debug, Clone, Copy, Default)]
pub struct CodeKeyPrompt;

impl CodeKeyPrompt {
    /// A code's key applies that code; the picker key opens the picker;
    /// any other key closes the prompt.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        if action == Some(Action::CodePicker) {
            app.open_picker(None);
            return Flow::Close;
        }
        if action.is_some() {
            return Flow::Close;
        }
        if let Some(c) = typed_char(ev) {
            let code = app
                .book
                .codes()
                .iter()
                .find(|k| k.key == Some(c))
                .map(|k| k.id.clone());
            match code {
                Some(id) => app.apply_code(&id),
                None => app.error(&format!(
                    "no code has the key `{}`; the codebook pane shows keys; Tab opens the picker",
                    one_line(&c.to_string())
                )),
            }
        }
        Flow::Close
    }

    /// Draws the prompt with the codes' keys above the status line.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let keys: Vec<String> = app
            .book
            .codes()
            .iter()
            .filter_map(|c| {
                c.key
                    .map(|k| format!("{} {}", one_line(&k.to_string()), c.name()))
            })
            .collect();
        let key = |a| one_line(app.keymap.first_key(Context::CodeKey, a));
        let text = format!(
            "press a code's key: {} · {}: picker · {}: cancel",
            keys.join(" · "),
            key(Action::CodePicker),
            key(Action::Cancel)
        );
        let r = Rect::new(0, area.height.saturating_sub(4), area.width, 3);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(one_line(&text))
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::TOP).title(" code ")),
            r,
        );
    }
}
