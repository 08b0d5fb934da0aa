//! The disagreements view (`D`): where the compared coders differ, from
//! `motif_core::agreement`'s segment view. Enter shows the passage; the
//! adopt keys put a coder's side (or both, or neither) into the consensus
//! coder through `agreement::adopt`, as `motif agree --adopt` does.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::agreement::{Choice, Item};
use motif_core::ops;
use motif_core::segments::Filter;
use motif_core::text::one_line;

use super::{Flow, ListItem, Popup, step};
use crate::tui::app::{App, CONSENSUS};
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::{centered, put};

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

/// The disagreements view.
#[derive(Debug, Clone)]
pub struct Disagreements {
    pub coders: Vec<String>,
    pub rows: Vec<AgreeRow>,
    pub selected: usize,
}

impl Disagreements {
    /// Moves, shows a passage, adopts a side, or closes.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        let Some(action) = action else {
            return Flow::Stay;
        };
        let choice = match action {
            Action::ListDown | Action::ListUp => {
                let down = action == Action::ListDown;
                self.selected = step(self.selected, self.rows.len(), down);
                return Flow::Stay;
            }
            Action::Cancel => return Flow::Close,
            Action::Undo => {
                app.undo_adoption();
                app.open_agreement(self.selected);
                return Flow::Close;
            }
            Action::Open => {
                if let Some(r) = self.rows.get(self.selected) {
                    app.show_disagreement(r);
                }
                return Flow::Close;
            }
            Action::AdoptBoth => Choice::Both,
            Action::AdoptNeither => Choice::Neither,
            a => match a.adopted_coder().and_then(|i| self.coders.get(i)) {
                Some(c) => Choice::Coder(c.clone()),
                None => return Flow::Stay,
            },
        };
        if let Some(r) = self.rows.get(self.selected) {
            let id = r.id.clone();
            app.adopt(&self.coders, &id, choice);
        }
        app.open_agreement(self.selected + 1);
        Flow::Close
    }

    /// Draws the disagreements, three rows each (place, sides, quote).
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::Agreement, a));
        let keys: Vec<String> = self
            .coders
            .iter()
            .zip(Action::ALL.iter().filter(|a| a.adopted_coder().is_some()))
            .map(|(c, a)| format!("{} {}", key(*a), one_line(c)))
            .collect();
        let title = format!(
            " {} disagreement(s) · {} shows · adopt: {} · {} both · {} neither · {} ",
            self.rows.len(),
            key(Action::Open),
            keys.join(" · "),
            key(Action::AdoptBoth),
            key(Action::AdoptNeither),
            key(Action::Cancel)
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, app.theme.accent()));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let h = usize::from(inner.height / 3).max(1);
        let first = self.selected.saturating_sub(h - 1);
        let buf = f.buffer_mut();
        for (row, (i, d)) in self.rows.iter().enumerate().skip(first).take(h).enumerate() {
            let y = inner.y + (row * 3) as u16;
            let st = if i == self.selected {
                app.theme.list_selected()
            } else {
                app.theme.accent()
            };
            let adopted = d
                .adopted
                .as_ref()
                .map(|a| format!(" · adopted: {a}"))
                .unwrap_or_default();
            put(
                buf,
                inner.x,
                y,
                &one_line(&format!("{} · {}{adopted}", d.transcript, d.code)),
                inner.width,
                st,
            );
            let sides: Vec<String> = d.sides.iter().map(|(c, s)| format!("{c}: {s}")).collect();
            put(
                buf,
                inner.x + 2,
                y + 1,
                &one_line(&sides.join("  |  ")),
                inner.width.saturating_sub(2),
                app.theme.text(),
            );
            put(
                buf,
                inner.x + 2,
                y + 2,
                &format!("“{}”", one_line(&d.text)),
                inner.width.saturating_sub(2),
                app.theme.dim(),
            );
        }
        if self.rows.is_empty() {
            put(
                buf,
                inner.x,
                inner.y,
                "the coders agree everywhere",
                inner.width,
                app.theme.dim(),
            );
        }
    }
}

/// What one side coded at a disagreement ("12-40", "—"), and what it
/// coded there instead.
fn side_summary(side: &motif_core::agreement::Side<'_>) -> String {
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
        let other: Vec<&str> = side.instead.iter().map(|e| e.code).collect();
        let _ = write!(s, " (also {})", other.join(", "));
    }
    s
}

impl App {
    /// The coders compared in the agreement view: every coder with
    /// codings except the consensus coder.
    pub fn compared_coders(&self) -> Vec<String> {
        self.journals
            .iter()
            .filter(|j| !j.is_empty() && j.coder != CONSENSUS)
            .map(|j| j.coder.clone())
            .collect()
    }

    /// The agreement request over the compared coders; `None` (said in
    /// the status line) when fewer than two coders have codings.
    pub(crate) fn compared_request(&mut self) -> Option<motif_core::agreement::Request> {
        let coders = self.compared_coders();
        if coders.len() < 2 {
            self.error("agreement needs two coders with codings");
            return None;
        }
        Some(motif_core::agreement::Request {
            coders,
            ..motif_core::agreement::Request::default()
        })
    }

    /// Opens (or refreshes) the list of disagreements between coders.
    pub fn open_agreement(&mut self, selected: usize) {
        use motif_core::agreement::{Comparison, adopted, segment_view};
        let Some(req) = self.compared_request() else {
            return;
        };
        let coders = req.coders.clone();
        let consensus = self.journals.iter().any(|j| j.coder == CONSENSUS);
        let result = self.with_workspace(|ws| -> motif_core::Result<Vec<AgreeRow>> {
            let scope = Comparison::new(ws, &req)?;
            let view = segment_view(&scope, 0.0)?;
            let filter = Filter {
                coders: vec![CONSENSUS.to_owned()],
                ..Filter::default()
            };
            let (mine, _) = if consensus {
                ws.segments(&filter)
            } else {
                (Vec::new(), motif_core::segments::Unplaced::default())
            };
            let row = |item: &Item<'_>| {
                let t = &ws.transcripts[item.transcript];
                AgreeRow {
                    id: item.id.clone(),
                    transcript: item.transcript.to_owned(),
                    start: item.start,
                    end: item.end,
                    code: item.code.to_owned(),
                    sides: item
                        .sides
                        .iter()
                        .map(|side| (side.coder.to_owned(), side_summary(side)))
                        .collect(),
                    text: t.slice_chars(item.start, item.end).unwrap_or("").to_owned(),
                    adopted: adopted(item, &mine).map(|c| c.to_string()),
                }
            };
            Ok(view.disagreements().map(row).collect())
        });
        match result {
            Ok(rows) => {
                let selected = selected.min(rows.len().saturating_sub(1));
                self.popup = Popup::Agreement(Disagreements {
                    coders,
                    rows,
                    selected,
                });
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Shows a disagreement's passage with every coder's codings.
    fn show_disagreement(&mut self, r: &AgreeRow) {
        let item = ListItem {
            transcript: r.transcript.clone(),
            start: r.start,
            end: r.end,
            ..ListItem::default()
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

    /// Undoes the last adoption (the consensus coder's last change).
    pub fn undo_adoption(&mut self) {
        let Some(j) = self.journals.iter_mut().find(|j| j.coder == CONSENSUS) else {
            self.error("nothing adopted yet: nothing to undo");
            return;
        };
        match ops::undo(j, &self.book) {
            Ok(Some(b)) => {
                let msg = format!("undid in `{CONSENSUS}`: {}", ops::describe(&b, &self.book));
                self.recount();
                self.say(&msg);
            }
            Ok(None) => self.error("nothing adopted yet: nothing to undo"),
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Adopts one side of a disagreement into the consensus coder.
    pub fn adopt(&mut self, coders: &[String], id: &str, choice: Choice) {
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
            Ok(n) => self.say(&format!(
                "adopted into `{CONSENSUS}`: {n} coding(s) saved · u undoes"
            )),
            Err(e) => self.error(&e.to_string()),
        }
        self.recount();
    }
}
