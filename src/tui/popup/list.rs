//! List popups: the segments of a code (or behind a statistics cell),
//! search hits and similar passages. Enter jumps to an item; on search
//! hits and similar passages, the code-all key codes every passage.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::segments::{Filter, Segment, place_all};
use motif_core::text::one_line;
use motif_core::transcript::Transcript;

use super::{Flow, Picker, Popup, step};
use crate::tui::app::{App, Pane};
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::{centered, put};

/// One row of a list popup.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub text: String,
}

/// A list popup.
#[derive(Debug, Clone)]
pub struct ListPopup {
    pub title: String,
    pub items: Vec<ListItem>,
    pub selected: usize,
    /// The items are the passages of `App::hit_passages` (search hits,
    /// similar passages): they can all be coded at once.
    pub codable: bool,
    /// How many passages matched; more than are listed when the search
    /// was cut at its limit.
    pub matched: usize,
    /// The code-all key was pressed once on a list that holds fewer
    /// passages than matched: pressed again, it codes the listed ones.
    pub confirm_code_all: bool,
    /// The statistics view this list was opened from: the cancel key
    /// goes back to it.
    pub back: Option<Box<super::Stats>>,
}

impl ListPopup {
    /// A list with the first item selected.
    pub fn new(title: String, items: Vec<ListItem>, codable: bool) -> ListPopup {
        ListPopup {
            title,
            matched: items.len(),
            items,
            selected: 0,
            codable,
            confirm_code_all: false,
            back: None,
        }
    }

    /// Moves, jumps, codes every passage, or closes.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        // A confirmation holds for the very next key only.
        let confirmed = std::mem::take(&mut self.confirm_code_all);
        match action {
            Some(Action::ListDown | Action::ListUp) => {
                let down = action == Some(Action::ListDown);
                self.selected = step(self.selected, self.items.len(), down);
            }
            Some(Action::Open) => {
                if let Some(item) = self.items.get(self.selected) {
                    app.jump_to(item);
                }
                return Flow::Close;
            }
            Some(Action::Cancel) => {
                if let Some(stats) = self.back.take() {
                    app.popup = Popup::Stats(*stats);
                }
                return Flow::Close;
            }
            Some(Action::CodeAll) if self.codable && !app.hit_passages.is_empty() => {
                if self.matched > self.items.len() && !confirmed {
                    // Never let "code them all" quietly mean "the first N".
                    self.confirm_code_all = true;
                    let key = one_line(app.keymap.first_key(Context::List, Action::CodeAll));
                    app.say(&format!(
                        "{} passages match but only the {} listed would be coded: \
                         {key} again codes those {}, or narrow the search (the CLI's \
                         `motif code --match` codes them all)",
                        self.matched,
                        self.items.len(),
                        self.items.len()
                    ));
                    return Flow::Stay;
                }
                app.popup = Popup::Picker(Picker {
                    autocode: true,
                    ..Picker::default()
                });
                return Flow::Close;
            }
            _ => {}
        }
        Flow::Stay
    }

    /// Draws the list, two rows per item (label, quote).
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(
            area,
            area.width.saturating_sub(6),
            area.height.saturating_sub(4),
        );
        f.render_widget(Clear, r);
        let key = |a| one_line(app.keymap.first_key(Context::List, a));
        let block = Block::default().borders(Borders::ALL).title(format!(
            " {} · {} · {} jumps · {} closes ",
            one_line(&self.title),
            self.items.len(),
            key(Action::Open),
            key(Action::Cancel)
        ));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let h = usize::from(inner.height / 2).max(1);
        let first = self.selected.saturating_sub(h - 1);
        let buf = f.buffer_mut();
        for (row, (i, item)) in self
            .items
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .enumerate()
        {
            let y = inner.y + (row * 2) as u16;
            let st = if i == self.selected {
                app.theme.list_selected()
            } else {
                app.theme.accent()
            };
            put(buf, inner.x, y, &one_line(&item.label), inner.width, st);
            put(
                buf,
                inner.x + 2,
                y + 1,
                &format!("“{}”", one_line(&item.text)),
                inner.width.saturating_sub(2),
                app.theme.text(),
            );
        }
        if self.items.is_empty() {
            put(
                buf,
                inner.x,
                inner.y,
                "nothing found",
                inner.width,
                app.theme.dim(),
            );
        }
    }
}

/// A segment as a row of a list popup: transcript, speaker, code, coder
/// and the quote.
pub fn segment_item(texts: &BTreeMap<String, Transcript>, s: &Segment<'_>) -> ListItem {
    let t = &texts[s.coding.transcript.as_str()];
    let (a, b) = t.byte_range(s.start, s.end).unwrap_or((0, 0));
    let speaker = t
        .turn_at(a)
        .and_then(|x| x.speaker.clone())
        .unwrap_or_default();
    ListItem {
        transcript: s.coding.transcript.to_string(),
        start: s.start,
        end: s.end,
        label: format!(
            "{} · {speaker} · {} · {}",
            s.coding.transcript,
            s.code.name(),
            s.coding.coder
        ),
        text: t.text[a..b].to_owned(),
    }
}

/// A search hit as a list row.
fn hit_item(h: motif_core::search::Hit, span: (usize, usize)) -> ListItem {
    ListItem {
        label: format!(
            "{} · {} · line {}",
            h.transcript,
            h.speaker.clone().unwrap_or_default(),
            h.line
        ),
        transcript: h.transcript,
        start: span.0,
        end: span.1,
        text: h.text,
    }
}

impl App {
    /// Opens a list item's passage with the cursor at its start.
    pub fn jump_to(&mut self, item: &ListItem) {
        if self.open(&item.transcript) {
            let t = &self.texts[&item.transcript];
            if let Some((a, _)) = t.byte_range(item.start, item.end) {
                self.focus = Pane::Text;
                self.selection = None;
                self.move_to(a);
            }
        }
    }

    /// Lists every segment of the code under the codebook cursor (with its
    /// subcodes) across interviews.
    pub fn show_code_segments(&mut self) {
        let Some(code) = self.book.codes().get(self.code_sel).cloned() else {
            return;
        };
        let filter = Filter {
            coders: self.shown_coders(),
            transcripts: Vec::new(),
            codes: self.book.subtree_ids(&code.id),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let items: Vec<ListItem> = segs.iter().map(|s| segment_item(&self.texts, s)).collect();
        self.say(&format!(
            "{} segment(s) of {} · enter jumps · esc closes",
            items.len(),
            code.path
        ));
        self.popup = Popup::List(ListPopup::new(
            format!("segments of {}", code.path),
            items,
            false,
        ));
    }

    /// Searches every interview (the project's search index: words,
    /// "phrases", prefix*, fuzzy~1, AND/OR/NOT) and lists the passages.
    pub fn search(&mut self, query: &str) {
        if query.trim().is_empty() {
            return;
        }
        let req = motif_core::search::Request {
            query: query.to_owned(),
            lenient: true,
            limit: Some(self.search_limit),
            ..motif_core::search::Request::default()
        };
        let results =
            match motif_core::search::search_project(&self.project, &req, &mut |_, _, _| {}) {
                Ok((r, _)) => r,
                Err(e) => {
                    self.error(&e.to_string());
                    return;
                }
            };
        self.hit_passages = results
            .hits
            .iter()
            .map(|h| (h.transcript.clone(), h.start, h.end))
            .collect();
        let items: Vec<ListItem> = results
            .hits
            .into_iter()
            .map(|h| {
                let span = h.matches.first().copied().unwrap_or((h.start, h.end));
                hit_item(h, span)
            })
            .collect();
        let more = if results.total > items.len() {
            format!(" (first {})", items.len())
        } else {
            String::new()
        };
        self.say(&format!(
            "{} passage(s) match `{query}`{more} · enter jumps · n/N step",
            results.total
        ));
        self.hits.clone_from(&items);
        self.hit = 0;
        let mut list = ListPopup::new(format!("search: {query}"), items, true);
        list.matched = results.total;
        self.popup = Popup::List(list);
    }

    /// Lists the passages most like the selection, across every interview.
    pub fn similar(&mut self) {
        let Some((s, e)) = self.selection_range() else {
            self.error("select a passage first");
            return;
        };
        let Some(t) = self.transcript().cloned() else {
            return;
        };
        let (start, end) = (t.char_at(s), t.char_at(e));
        let scope = motif_core::search::SearchFilter::default();
        match motif_core::search::similar_project(
            &self.project,
            &t,
            start,
            end,
            &scope,
            Some(50),
            &mut |_, _, _| {},
        ) {
            Ok((results, _)) => {
                self.hit_passages = results
                    .hits
                    .iter()
                    .map(|h| (h.transcript.clone(), h.start, h.end))
                    .collect();
                let items: Vec<ListItem> = results
                    .hits
                    .into_iter()
                    .map(|h| {
                        let span = (h.start, h.end);
                        hit_item(h, span)
                    })
                    .collect();
                self.hits.clone_from(&items);
                self.hit = 0;
                self.say(&format!(
                    "{} similar passage(s) · enter jumps · a codes them all",
                    items.len()
                ));
                self.popup = Popup::List(ListPopup::new("similar passages".into(), items, true));
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Jumps to the next (or previous) search hit.
    pub fn step_hit(&mut self, forward: bool) {
        if self.hits.is_empty() {
            self.error("no search hits: press / to search");
            return;
        }
        self.hit = if forward {
            (self.hit + 1) % self.hits.len()
        } else {
            (self.hit + self.hits.len() - 1) % self.hits.len()
        };
        let item = self.hits[self.hit].clone();
        self.jump_to(&item);
        self.say(&format!(
            "hit {} of {} · n/N step · v or t to select, then c to code",
            self.hit + 1,
            self.hits.len()
        ));
    }
}
