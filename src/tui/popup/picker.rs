//! The code picker: type to filter the codebook (subsequence match), pick
//! a code or the `+ create` row to make a new one. It codes the
//! selection, re-codes a coding, or codes every listed search hit.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::codebook::Codebook;
use motif_core::text::one_line;

use super::Flow;
use crate::tui::app::App;
use crate::tui::input::LineInput;
use crate::tui::keymap::Action;
use crate::tui::textview::char_width;
use crate::tui::ui::{centered, put};

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

impl Picker {
    /// Moves through the matches, accepts, cancels, or edits the query.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>, ev: &KeyEvent) -> Flow {
        match action {
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::ListDown) => self.selected += 1,
            Some(Action::ListUp) => self.selected = self.selected.saturating_sub(1),
            Some(Action::Accept) => {
                app.picker_choose(self);
                return Flow::Close;
            }
            _ => {
                if self.input.key(action, ev) {
                    self.selected = 0;
                }
            }
        }
        Flow::Stay
    }

    /// Draws the query, the matching codes and the `+ create` row.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let matches = matches(&app.book, &self.input.text);
        let r = centered(area, 60, 16);
        f.render_widget(Clear, r);
        let title = if self.recode.is_some() {
            " re-code as… "
        } else {
            " code as… (type to filter) "
        };
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(r);
        f.render_widget(block, r);
        let buf = f.buffer_mut();
        put(
            buf,
            inner.x,
            inner.y,
            &format!("> {}", one_line(&self.input.text)),
            inner.width,
            app.theme.accent(),
        );
        let mut rows: Vec<(String, Style)> = matches
            .iter()
            .map(|&i| {
                let c = &app.book.codes()[i];
                let key = c.key.map(|k| format!("[{k}] ")).unwrap_or_default();
                (
                    one_line(&format!(
                        "{key}{}  ({})",
                        c.path,
                        app.counts.get(i).copied().unwrap_or(0)
                    )),
                    app.theme.code(&c.color),
                )
            })
            .collect();
        let q = self.input.text.trim();
        if !q.is_empty() && app.book.by_path(q).is_none() {
            rows.push((
                format!("+ create code `{}`", one_line(q)),
                app.theme.accent(),
            ));
        }
        let selected = self.selected.min(rows.len().saturating_sub(1));
        for (i, (text, style)) in rows
            .iter()
            .enumerate()
            .take(usize::from(inner.height.saturating_sub(1)))
        {
            let st = if i == selected {
                app.theme.list_selected()
            } else {
                *style
            };
            put(buf, inner.x, inner.y + 1 + i as u16, text, inner.width, st);
        }
        f.set_cursor_position(Position::new(
            inner.x
                + 2
                + self.input.text[..self.input.cursor]
                    .chars()
                    .map(char_width)
                    .sum::<usize>() as u16,
            inner.y,
        ));
    }
}

/// Codebook positions of the codes matching the picker's text, best first
/// (subsequence match).
pub fn matches(book: &Codebook, query: &str) -> Vec<usize> {
    let q = query.to_lowercase();
    let mut scored: Vec<(usize, usize)> = book
        .codes()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| fuzzy_score(&c.path.to_lowercase(), &q).map(|s| (s, i)))
        .collect();
    scored.sort_unstable();
    scored.into_iter().map(|(_, i)| i).collect()
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

impl App {
    /// Opens the picker: to code the selection, or to re-code `recode`.
    pub fn open_picker(&mut self, recode: Option<String>) {
        if recode.is_none() && self.selection.is_none() {
            self.error("select a passage first: t (turn), s (sentence), e (word), v or V");
            return;
        }
        self.popup = super::Popup::Picker(Picker {
            recode,
            ..Picker::default()
        });
    }

    /// Applies the picker's choice (creating the code on `+ create`).
    fn picker_choose(&mut self, p: &Picker) {
        let matches = matches(&self.book, &p.input.text);
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
            Some(coding) => self.recode(coding, &code_id),
            None => self.apply_code(&code_id),
        }
    }
}
