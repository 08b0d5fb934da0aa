//! The review of codings an edit of their transcript left behind (`:review`):
//! step through your orphaned and edited codings and accept one where
//! motif placed it, re-attach it to the selection, or remove it. Each is
//! one undo step, through the same core calls as `motif code --accept`,
//! `motif code --reattach` and `motif uncode --id`
//! ([`motif_core::review`], [`motif_core::ops::remove_ids`]).
//!
//! The selection to re-attach to is the one in the transcript view when
//! the review was opened: select the passage, then `:review`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::ops;
use motif_core::review::{self, Pending, State};
use motif_core::text::one_line;

use super::app::{App, Pane};
use super::keymap::{Action, Context};
use super::popup::{Flow, Popup, step};
use super::ui::{centered, put};

/// The review popup's state.
#[derive(Debug, Clone)]
pub struct Review {
    /// Your codings awaiting review, by transcript and place.
    pub items: Vec<Pending>,
    pub selected: usize,
    /// The selection when the review was opened: transcript and code
    /// points.
    pub target: Option<(String, usize, usize)>,
}

impl Review {
    /// The review of the acting coder's codings as they are now.
    pub fn of(app: &App) -> Review {
        let target = app.current.as_ref().and_then(|id| {
            let (s, e) = app.selection_range()?;
            let t = app.texts.get(id)?;
            Some((id.clone(), t.char_at(s), t.char_at(e)))
        });
        let mut r = Review {
            items: Vec::new(),
            selected: 0,
            target,
        };
        r.reload(app);
        r
    }

    /// Lists the pending codings again (after a change).
    fn reload(&mut self, app: &App) {
        let texts = &app.texts;
        let lookup = |id: &str| texts.get(id);
        self.items = app
            .journals
            .iter()
            .find(|j| j.coder == app.coder)
            .map(|j| review::pending(j, &lookup))
            .unwrap_or_default();
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }

    /// Moves, jumps, accepts, re-attaches, removes, undoes or closes.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        match action {
            Some(Action::ListDown | Action::ListUp) => {
                let down = action == Some(Action::ListDown);
                self.selected = step(self.selected, self.items.len(), down);
            }
            Some(Action::Open) => {
                if let Some(p) = self.items.get(self.selected) {
                    jump(app, p);
                }
                return Flow::Close;
            }
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::Accept) => self.accept(app),
            Some(Action::Reattach) => self.reattach(app),
            Some(Action::RemoveSegment) => self.remove(app),
            Some(Action::Undo) => {
                app.undo_redo(true);
                self.reload(app);
            }
            _ => {}
        }
        Flow::Stay
    }

    fn accept(&mut self, app: &mut App) {
        let Some(p) = self.items.get(self.selected).cloned() else {
            return;
        };
        let State::Edited { start, end, .. } = p.state else {
            app.error(
                "this coding is orphaned: nothing to accept. Select its passage, :review, r re-attaches; x removes it",
            );
            return;
        };
        self.write(app, &p, start, end, "accepted");
    }

    fn reattach(&mut self, app: &mut App) {
        let Some(p) = self.items.get(self.selected).cloned() else {
            return;
        };
        match self.target.clone() {
            Some((tid, s, e)) if *tid == *p.coding.transcript => {
                self.write(app, &p, s, e, "re-attached");
                // The selection is used: do not re-attach another to it.
                self.target = None;
            }
            _ => app.error(&format!(
                "select the passage in `{}` first (enter goes there), then :review and r",
                one_line(&p.coding.transcript)
            )),
        }
    }

    /// Re-anchors `p`'s coding to `start..end` of its transcript.
    fn write(&mut self, app: &mut App, p: &Pending, start: usize, end: usize, verb: &str) {
        let Some(t) = app.texts.get(p.coding.transcript.as_str()).cloned() else {
            return;
        };
        let (journal, book) = app.my_journal_and_book();
        match review::reattach(journal, book, &t, &p.coding.id, start, end) {
            Ok(_) => {
                app.say(&format!(
                    "{verb} coding {}: “{}” · u undoes",
                    one_line(&p.coding.id),
                    one_line(t.slice_chars(start, end).unwrap_or_default())
                ));
                after_change(app);
                self.reload(app);
            }
            Err(e) => app.error(&e.to_string()),
        }
    }

    fn remove(&mut self, app: &mut App) {
        let Some(p) = self.items.get(self.selected).cloned() else {
            return;
        };
        let ids = [p.coding.id.to_string()];
        match ops::remove_ids(app.my_journal(), &ids, true) {
            Ok(_) => {
                app.say(&format!(
                    "removed coding {} · u undoes",
                    one_line(&p.coding.id)
                ));
                after_change(app);
                self.reload(app);
            }
            Err(e) => app.error(&e.to_string()),
        }
    }

    /// Draws the list: per coding, what it was and what it is now.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(
            area,
            area.width.saturating_sub(6),
            area.height.saturating_sub(4),
        );
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::Review, a));
        let block = Block::default().borders(Borders::ALL).title(format!(
            " review · {} · {} accepts · {} re-attaches to the selection · {} removes · {} goes there · {} closes ",
            self.items.len(),
            key(Action::Accept),
            key(Action::Reattach),
            key(Action::RemoveSegment),
            key(Action::Open),
            key(Action::Cancel)
        ));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let buf = f.buffer_mut();
        if self.items.is_empty() {
            put(
                buf,
                inner.x,
                inner.y,
                "nothing to review: every coding of yours is on its text",
                inner.width,
                app.theme.dim(),
            );
            return;
        }
        let h = usize::from(inner.height / 3).max(1);
        let first = self.selected.saturating_sub(h - 1);
        for (row, (i, p)) in self
            .items
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .enumerate()
        {
            let y = inner.y + (row * 3) as u16;
            let st = if i == self.selected {
                app.theme.list_selected()
            } else {
                app.theme.accent()
            };
            let code = app
                .book
                .by_id(&p.coding.code)
                .map_or_else(|| p.coding.code.to_string(), |k| k.path.clone());
            let (what, now) = match &p.state {
                State::Orphaned => ("orphaned", "its text is gone".to_owned()),
                State::Edited { start, end, now } => {
                    ("edited", format!("now {start}-{end}: “{}”", one_line(now)))
                }
            };
            let label = format!(
                "{what} · {} · {code} · {}",
                p.coding.transcript, p.coding.id
            );
            put(buf, inner.x, y, &one_line(&label), inner.width, st);
            let was = format!("was “{}”", one_line(&p.coding.anchor.quote));
            let w = inner.width.saturating_sub(2);
            put(buf, inner.x + 2, y + 1, &was, w, app.theme.text());
            put(buf, inner.x + 2, y + 2, &now, w, app.theme.dim());
        }
    }
}

/// Shows the coding's place: where it is now (edited) or where it was
/// (orphaned, as near as the text still reaches).
fn jump(app: &mut App, p: &Pending) {
    let tid = p.coding.transcript.to_string();
    if !app.open(&tid) {
        return;
    }
    let t = &app.texts[&tid];
    let at = match p.state {
        State::Edited { start, .. } => start,
        State::Orphaned => p.coding.start.min(t.char_len()),
    };
    let byte = t.byte_range(at, at).map_or(0, |r| r.0);
    app.focus = Pane::Text;
    app.selection = None;
    app.jump_cursor(byte);
}

/// Counts and the open transcript's segments after a change.
fn after_change(app: &mut App) {
    app.recount();
    app.refresh_current();
}

impl App {
    /// `:review`: opens the review of your orphaned and edited codings.
    pub fn open_review(&mut self) {
        let r = Review::of(self);
        if r.items.is_empty() {
            self.say("nothing to review: every coding of yours is on its text");
            return;
        }
        self.popup = Popup::Review(r);
    }
}
