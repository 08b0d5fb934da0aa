//! The `?` help overlay: every key of the keymap table in force (the
//! user's rebindings included), context by context, then every `:`
//! command from the command table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use motif_core::text::one_line;

use super::Flow;
use crate::tui::app::App;
use crate::tui::commands::COMMANDS;
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::centered;

/// The help overlay, scrolled by `scroll` lines.
#[derive(Debug, Clone, Default)]
pub struct Help {
    pub scroll: usize,
}

impl Help {
    /// Scrolls, never past the last line; any key that is not a scroll
    /// key closes the help.
    pub fn on_key(&mut self, app: &App, action: Option<Action>) -> Flow {
        match action {
            Some(Action::ScrollDown) => {
                let last = last_scroll(lines(app).len(), app.size.1);
                self.scroll = (self.scroll + 1).min(last);
            }
            Some(Action::ScrollUp) => self.scroll = self.scroll.saturating_sub(1),
            _ => return Flow::Close,
        }
        Flow::Stay
    }

    /// Draws the overlay.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let lines = lines(app);
        let scroll = self.scroll.min(last_scroll(lines.len(), area.height));
        let r = centered(area, 86, area.height.saturating_sub(2));
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::Help, a));
        let title = format!(
            " Keys · {}/{} scroll · any other key closes ",
            key(Action::ScrollDown),
            key(Action::ScrollUp)
        );
        let p = Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(title))
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
        f.render_widget(p, r);
    }
}

/// The furthest the help scrolls on a screen `height` rows high: its last
/// line at the bottom of the overlay (which leaves a row above and below,
/// and has a border).
fn last_scroll(lines: usize, height: u16) -> usize {
    lines.saturating_sub(usize::from(height.saturating_sub(4)))
}

/// The help's lines: the keys, context by context, then the commands.
fn lines(app: &App) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let key_style = app.theme.accent().remove_modifier(Modifier::BOLD);
    for (title, rows) in app.keymap.help_lines() {
        lines.push(Line::from(Span::styled(title, app.theme.accent())));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", one_line(&keys)), key_style),
                Span::raw(desc),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled(
        "Code keys: after c, press a code's key (codebook pane); Tab opens the picker.",
        app.theme.dim(),
    )));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Commands (: then Tab completes)",
        app.theme.accent(),
    )));
    for c in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{:<30}", c.usage()), key_style),
            Span::raw(c.described()),
        ]));
    }
    lines
}
