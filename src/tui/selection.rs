//! The transcript view's cursor and visual selection: motions, selecting
//! by character, word, sentence, line or speaker turn, growing and
//! shrinking by a unit. Geometry comes from `textview`.

use super::app::{App, ViewSeg};
use super::keymap::Action;
use super::textview;

/// What a selection is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Char,
    Word,
    Sentence,
    Line,
    Turn,
}

impl Unit {
    /// The unit's name in the status line.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Char => "char",
            Unit::Word => "word",
            Unit::Sentence => "sentence",
            Unit::Line => "line",
            Unit::Turn => "turn",
        }
    }
}

/// The visual selection in the transcript view: the unit at `anchor`
/// joined with the unit at the cursor. (Not the core's
/// `analysis::Selection`, which selects codings for an analysis.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisualSelection {
    pub anchor: usize,
    pub unit: Unit,
}

impl App {
    /// Moves the cursor (and the selection's moving end) to `pos`.
    pub fn move_to(&mut self, pos: usize) {
        let Some(t) = self.transcript() else { return };
        let pos = pos.min(t.text.len());
        let pos = if t.text.is_char_boundary(pos) {
            pos
        } else {
            textview::prev_char(&t.text, pos)
        };
        let (w, h) = self.areas().text_size();
        let scroll = textview::keep_visible(t, self.scroll, pos, w, h);
        self.cursor = pos;
        self.scroll = scroll;
    }

    /// Jumps to `pos` (a line, a quote, a search hit, a disagreement):
    /// the cursor lands there with its row in the middle of the view.
    pub fn jump_cursor(&mut self, pos: usize) {
        self.move_to(pos);
        let (w, h) = self.areas().text_size();
        if let Some(t) = self.transcript() {
            self.scroll = textview::centre(t, self.cursor, w, h);
        }
    }

    /// A cursor motion; false when `action` is not one.
    pub(super) fn motion(&mut self, action: Action) -> bool {
        let Some(t) = self.transcript() else {
            return matches!(
                action,
                Action::Down
                    | Action::Up
                    | Action::HalfPageDown
                    | Action::HalfPageUp
                    | Action::Left
                    | Action::Right
                    | Action::Top
                    | Action::Bottom
                    | Action::WordNext
                    | Action::WordPrev
                    | Action::TurnNext
                    | Action::TurnPrev
            );
        };
        let page = self.areas().text_size().1 / 2;
        let target = match action {
            Action::Down => Some(textview::move_lines(t, self.cursor, 1)),
            Action::Up => Some(textview::move_lines(t, self.cursor, -1)),
            Action::HalfPageDown => Some(textview::move_lines(t, self.cursor, page as isize)),
            Action::HalfPageUp => Some(textview::move_lines(t, self.cursor, -(page as isize))),
            Action::Left => Some(textview::prev_char(&t.text, self.cursor)),
            Action::Right => {
                let p = textview::next_char(&t.text, self.cursor);
                Some(if p >= t.text.len() { self.cursor } else { p })
            }
            Action::Top => Some(0),
            Action::Bottom => Some(textview::prev_char(&t.text, t.text.trim_end().len())),
            Action::WordNext => Some(textview::word_next(&t.text, self.cursor)),
            Action::WordPrev => Some(textview::word_prev(&t.text, self.cursor)),
            Action::TurnNext => textview::turn_next(t, self.cursor),
            Action::TurnPrev => textview::turn_prev(t, self.cursor),
            Action::SegmentNext | Action::SegmentPrev => {
                self.step_segment(action == Action::SegmentNext);
                return true;
            }
            _ => return false,
        };
        if let Some(p) = target {
            self.move_to(p);
        }
        true
    }

    /// Moves to the start of the next (or previous) coded segment.
    fn step_segment(&mut self, forward: bool) {
        let mut starts = self.segs.iter().map(|s| s.start);
        let found = if forward {
            starts.find(|&s| s > self.cursor)
        } else {
            starts.rfind(|&s| s < self.cursor)
        };
        match found {
            Some(p) => self.move_to(p),
            None if forward => self.error("no coded segment after the cursor"),
            None => self.error("no coded segment before the cursor"),
        }
    }

    /// A selecting action; false when `action` is not one.
    pub(super) fn selection_action(&mut self, action: Action) -> bool {
        match action {
            Action::VisualChar => self.start_visual(Unit::Char),
            Action::VisualLine => self.start_visual(Unit::Line),
            Action::SelectTurn => self.select(Unit::Turn),
            Action::SelectSentence => self.select(Unit::Sentence),
            Action::SelectWord => self.select(Unit::Word),
            Action::Grow => self.grow(),
            Action::Shrink => self.shrink(),
            _ => return false,
        }
        true
    }

    /// The unit span at `pos`.
    fn unit_at(&self, unit: Unit, pos: usize) -> (usize, usize) {
        let t = self.transcript().expect("open transcript");
        match unit {
            Unit::Char => (pos, textview::next_char(&t.text, pos).max(pos)),
            Unit::Word => textview::word_at(&t.text, pos),
            Unit::Sentence => textview::sentence_at(t, pos),
            Unit::Line => {
                let l = t.index.line_of_byte(pos);
                t.index.line_bytes(&t.text, l).unwrap_or((pos, pos))
            }
            Unit::Turn => textview::turn_at(t, pos).unwrap_or((pos, t.text.len())),
        }
    }

    /// The selected byte range, trimmed, without a leading speaker label.
    pub fn selection_range(&self) -> Option<(usize, usize)> {
        let sel = self.selection?;
        let t = self.transcript()?;
        let a = self.unit_at(sel.unit, sel.anchor);
        let b = self.unit_at(sel.unit, self.cursor);
        let (mut s, e) = (a.0.min(b.0), a.1.max(b.1));
        if let Some(turn) = t.turns.iter().find(|x| x.start == s && x.body_start < e) {
            s = turn.body_start;
        }
        let (s, e) = textview::trim(&t.text, s, e);
        (s < e).then_some((s, e))
    }

    fn start_visual(&mut self, unit: Unit) {
        if self.transcript().is_none() {
            return;
        }
        let anchor = self.selection.map_or(self.cursor, |sel| sel.anchor);
        self.selection = Some(VisualSelection { anchor, unit });
    }

    fn select(&mut self, unit: Unit) {
        let Some(t) = self.transcript() else { return };
        match self.selection {
            Some(sel) if sel.unit == unit => {
                // Again: grow by one unit.
                self.grow();
            }
            Some(sel) => {
                self.selection = Some(VisualSelection {
                    anchor: sel.anchor,
                    unit,
                });
            }
            None => {
                let pos = if unit == Unit::Turn {
                    textview::turn_at(t, self.cursor).map_or(self.cursor, |(s, _)| s)
                } else {
                    self.cursor
                };
                self.selection = Some(VisualSelection { anchor: pos, unit });
                self.move_to(pos);
            }
        }
    }

    fn grow(&mut self) {
        let Some(sel) = self.selection else { return };
        let (_, end) = self.unit_at(sel.unit, self.cursor);
        let Some(t) = self.transcript() else { return };
        let next = match sel.unit {
            Unit::Turn => textview::turn_next(t, end.saturating_sub(1)),
            Unit::Line => t.text[end..]
                .find('\n')
                .map(|i| end + i + 1)
                .filter(|&p| p < t.text.len()),
            Unit::Sentence | Unit::Word | Unit::Char => {
                let rest = &t.text[end..];
                let skip = rest.len() - rest.trim_start().len();
                Some(end + skip).filter(|&p| p < t.text.len())
            }
        };
        if let Some(p) = next {
            self.move_to(p);
        }
    }

    fn shrink(&mut self) {
        let Some(sel) = self.selection else { return };
        let (start, _) = self.unit_at(sel.unit, self.cursor);
        if start <= sel.anchor {
            return;
        }
        let Some(t) = self.transcript() else { return };
        // Step back over the whitespace between units.
        let mut before = textview::prev_char(&t.text, start);
        while before > 0 && t.text[before..].starts_with(char::is_whitespace) {
            before = textview::prev_char(&t.text, before);
        }
        let (prev_start, _) = self.unit_at(sel.unit, before);
        let p = prev_start.max(sel.anchor);
        self.move_to(p);
    }

    /// My innermost coding under the cursor (or anyone's).
    pub fn segment_here(&self, mine_only: bool) -> Option<&ViewSeg> {
        self.segs
            .iter()
            .filter(|s| s.start <= self.cursor && self.cursor < s.end && (!mine_only || s.mine))
            .min_by_key(|s| s.end - s.start)
    }
}
