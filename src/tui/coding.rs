//! Coding changes made from the TUI, each through the same core call as
//! the CLI (`ops::code`, `ops::uncode`, `ops::recode`, `ops::remove_ids`,
//! `ops::undo`/`redo`): durable before the next key is read.

use motif_core::ops::{self, NewCoding};

use super::app::{App, ViewSeg};
use super::popup::ChoiceFor;
use super::textview;

impl App {
    /// Codes the selection with code `id`, durably.
    pub fn apply_code(&mut self, code_id: &str) {
        self.apply_codes(&[code_id.to_owned()]);
    }

    /// Codes the selection with every one of `code_ids`, as one undo step.
    pub fn apply_codes(&mut self, code_ids: &[String]) {
        let Some(code_id) = code_ids.last() else {
            return;
        };
        let Some((s, e)) = self.selection_range() else {
            self.error("select a passage first: t (turn), s (sentence), e (word), v or V");
            return;
        };
        let Some(id) = self.current.clone() else {
            return;
        };
        let t = &self.texts[&id];
        let (start, end) = (t.char_at(s), t.char_at(e));
        let reqs: Vec<NewCoding> = code_ids
            .iter()
            .map(|c| NewCoding {
                transcript: id.clone(),
                start,
                end,
                code: c.clone(),
                memo: None,
            })
            .collect();
        let coder = self.coder.clone();
        let texts = &self.texts;
        let lookup = move |x: &str| texts.get(x);
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == coder)
            .expect("the coder's journal is loaded");
        match ops::code(journal, &lookup, &self.book, &reqs) {
            Ok(report) => {
                let path = code_ids
                    .iter()
                    .map(|id| {
                        self.book
                            .by_id(id)
                            .map_or(String::new(), |c| c.path.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let t = &self.texts[&id];
                let (l1, l2) = t.lines_of(s, e);
                // Move on: to the next turn when a whole turn was coded.
                let next = textview::turn_at(t, s)
                    .filter(|&(_, te)| te <= e)
                    .and_then(|_| textview::turn_next(t, e.saturating_sub(1)))
                    .unwrap_or(e);
                if report.added.is_empty() {
                    self.say(&format!("already coded as {path}; nothing changed"));
                } else {
                    self.say(&format!("coded lines {l1}–{l2} as {path} · saved"));
                }
                self.last_code = self.book.by_id(code_id).map(|c| c.id.clone());
                self.selection = None;
                self.add_to_view(&report.added);
                self.move_to(next);
            }
            Err(err) => self.error(&err.to_string()),
        }
    }

    /// Removes my coding under the cursor (asking which when there are
    /// several).
    pub(super) fn remove_here(&mut self) {
        if !self.on_coding_here(ChoiceFor::Remove) {
            self.error("none of your codings is under the cursor");
        }
    }

    /// Removes one of my codings.
    pub(super) fn remove_coding(&mut self, seg: &ViewSeg) {
        match ops::remove_ids(self.my_journal(), std::slice::from_ref(&seg.id), true) {
            Ok(_) => {
                let path = self.book.codes()[seg.code_pos].path.clone();
                self.say(&format!("removed your {path} coding here · u undoes"));
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Undoes (or redoes) my last change and shows where it happened.
    pub fn undo_redo(&mut self, undo: bool) {
        let (journal, book) = self.my_journal_and_book();
        let result = if undo {
            ops::undo(journal, book)
        } else {
            ops::redo(journal, book)
        };
        match result {
            Ok(Some(b)) => {
                let verb = if undo { "undid" } else { "redid" };
                let msg = format!("{verb}: {}", ops::describe(&b, &self.book));
                // Show where it happened.
                let place = b.forward.iter().find_map(|op| match op {
                    motif_core::journal::Op::Add(c) => Some((c.transcript.to_string(), c.start)),
                    _ => None,
                });
                self.recount();
                if let Some((tid, start)) = place.filter(|(tid, _)| self.open(tid)) {
                    let pos = self.texts[&tid].byte_range(start, start).map_or(0, |r| r.0);
                    self.move_to(pos);
                }
                self.say(&msg);
            }
            Ok(None) => self.error(if undo {
                "nothing to undo"
            } else {
                "nothing to redo"
            }),
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Removes my codings (of `args`' codes, or all) on the selection or
    /// on my coding under the cursor.
    pub fn uncode(&mut self, args: &[&str]) {
        let range = self
            .selection_range()
            .or_else(|| self.segment_here(true).map(|s| (s.start, s.end)));
        let Some((s, e)) = range else {
            self.error("select a passage (or put the cursor on your coding) to uncode");
            return;
        };
        let codes: Result<Vec<String>, _> = args
            .iter()
            .map(|a| self.book.resolve(a).map(|c| c.id.clone()))
            .collect();
        let codes = match codes {
            Ok(c) => c,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        };
        let Some(id) = self.current.clone() else {
            return;
        };
        let t = self.texts[&id].clone();
        let (start, end) = (t.char_at(s), t.char_at(e));
        let book = self.book.clone();
        match ops::uncode(self.my_journal(), &t, start, end, &book, &codes) {
            Ok(removed) => {
                self.selection = None;
                self.say(&format!("removed {} coding(s) · u undoes", removed.len()));
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Codes every listed hit's passage with one code, as one batch (one
    /// undo step).
    pub(super) fn autocode(&mut self, code_id: &str) {
        let requests: Vec<NewCoding> = self
            .hit_passages
            .iter()
            .map(|(t, s, e)| NewCoding {
                transcript: t.clone(),
                start: *s,
                end: *e,
                code: code_id.to_owned(),
                memo: None,
            })
            .collect();
        let coder = self.coder.clone();
        let texts = &self.texts;
        let lookup = move |x: &str| texts.get(x);
        let journal = self
            .journals
            .iter_mut()
            .find(|j| j.coder == coder)
            .expect("the coder's journal is loaded");
        match ops::code(journal, &lookup, &self.book, &requests) {
            Ok(report) => {
                let path = self
                    .book
                    .by_id(code_id)
                    .map_or(String::new(), |c| c.path.clone());
                self.say(&format!(
                    "coded {} passage(s) as {path} ({} already were) · one undo step",
                    report.added.len(),
                    report.already.len()
                ));
                self.last_code = Some(code_id.to_owned());
                self.recount();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Gives one of my codings another code.
    pub(super) fn recode(&mut self, coding: &str, code_id: &str) {
        let (journal, book) = self.my_journal_and_book();
        match ops::recode(journal, book, coding, code_id) {
            Ok(()) => {
                let path = self
                    .book
                    .by_id(code_id)
                    .map_or(String::new(), |c| c.path.clone());
                self.say(&format!("re-coded as {path} · saved"));
                self.last_code = Some(code_id.to_owned());
                self.refresh_current();
            }
            Err(e) => self.error(&e.to_string()),
        }
    }
}
