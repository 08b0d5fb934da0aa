//! List popups: the quotes of a code (or behind a statistics cell),
//! search hits and similar passages. A quote is shown in full, wrapped,
//! with its transcript, speaker, lines, coder and memo; a hit shows its
//! words in context with the matches highlighted. Quote lists filter by
//! coder and transcript. Enter jumps to an item (the list is then a key
//! away and `n`/`N` step through its items); on search hits and similar
//! passages, the code-all key codes every passage.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::segments::Segment;
use motif_core::text::{one_line, sanitize};
use motif_core::transcript::Transcript;

use super::{Flow, Picker, Popup, step};
use crate::tui::app::App;
use crate::tui::keymap::{Action, Context};
use crate::tui::textview::char_width;
use crate::tui::ui::{centered, put};

/// One item of a list popup.
#[derive(Debug, Clone, Default)]
pub struct ListItem {
    pub transcript: String,
    /// Where a jump lands (code points): the quote, or a hit's first match.
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// The quote or passage, exactly as in the transcript.
    pub text: String,
    /// The code point of the transcript where `text` begins.
    pub text_start: usize,
    /// Matches to highlight (absolute code points; search hits).
    pub matches: Vec<(usize, usize)>,
    /// The coder of a quote (quote lists filter by it).
    pub coder: Option<String>,
    /// The memo on a quote's coding.
    pub memo: Option<String>,
}

/// What a list holds, for the words it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListKind {
    /// Codings of a code (or behind a statistics cell).
    #[default]
    Quotes,
    /// Search hits or similar passages.
    Hits,
}

impl ListKind {
    /// One item, in status messages.
    pub fn noun(self) -> &'static str {
        match self {
            ListKind::Quotes => "quote",
            ListKind::Hits => "hit",
        }
    }
}

/// A list popup.
#[derive(Debug, Clone)]
pub struct ListPopup {
    pub title: String,
    pub items: Vec<ListItem>,
    /// The items shown (indexes into `items`), after the filters.
    pub shown: Vec<usize>,
    /// The selected row of `shown`.
    pub selected: usize,
    pub kind: ListKind,
    /// Only this coder's quotes.
    pub coder_filter: Option<String>,
    /// Only this transcript's quotes.
    pub transcript_filter: Option<String>,
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
            shown: (0..items.len()).collect(),
            items,
            selected: 0,
            kind: if codable {
                ListKind::Hits
            } else {
                ListKind::Quotes
            },
            coder_filter: None,
            transcript_filter: None,
            codable,
            confirm_code_all: false,
            back: None,
        }
    }

    /// The selected item.
    pub fn current(&self) -> Option<&ListItem> {
        self.shown.get(self.selected).map(|&i| &self.items[i])
    }

    /// The items the filters let through, in order.
    pub fn shown_items(&self) -> Vec<ListItem> {
        self.shown.iter().map(|&i| self.items[i].clone()).collect()
    }

    /// Applies the filters again, keeping the selected item where it
    /// is still shown.
    fn refilter(&mut self) {
        let keep = self.shown.get(self.selected).copied();
        self.shown = (0..self.items.len())
            .filter(|&i| {
                let it = &self.items[i];
                self.coder_filter
                    .as_ref()
                    .is_none_or(|c| it.coder.as_ref() == Some(c))
                    && self
                        .transcript_filter
                        .as_ref()
                        .is_none_or(|t| &it.transcript == t)
            })
            .collect();
        self.selected = keep
            .and_then(|k| self.shown.iter().position(|&i| i == k))
            .unwrap_or(0);
    }

    /// Shows only the selected quote's coder or transcript, or, when that
    /// filter is on, every one again.
    fn toggle_filter(&mut self, app: &mut App, coder: bool) {
        if self.kind != ListKind::Quotes {
            app.error("only a list of quotes filters by coder and transcript");
            return;
        }
        let Some(item) = self.current().cloned() else {
            return;
        };
        let (filter, value, what) = if coder {
            (&mut self.coder_filter, item.coder.clone(), "coder")
        } else {
            (
                &mut self.transcript_filter,
                Some(item.transcript.clone()),
                "transcript",
            )
        };
        if filter.is_some() {
            *filter = None;
            app.say(&format!("every {what}'s quotes"));
        } else if let Some(v) = value {
            app.say(&format!("only the quotes of {what} {}", one_line(&v)));
            *filter = Some(v);
        }
        self.refilter();
    }

    /// Moves, jumps, filters, codes every passage, or closes.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        // A confirmation holds for the very next key only.
        let confirmed = std::mem::take(&mut self.confirm_code_all);
        match action {
            Some(Action::ListDown | Action::ListUp) => {
                let down = action == Some(Action::ListDown);
                self.selected = step(self.selected, self.shown.len(), down);
            }
            Some(Action::FilterCoder) => self.toggle_filter(app, true),
            Some(Action::FilterTranscript) => self.toggle_filter(app, false),
            Some(Action::Open) => {
                if let Some(item) = self.current().cloned() {
                    app.jump_to(&item);
                    app.keep_list(self);
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

    /// The title: what is listed, how many, the filters.
    fn title_line(&self) -> String {
        let mut title = format!(" {} · ", one_line(&self.title));
        if self.shown.len() == self.items.len() {
            title.push_str(&self.items.len().to_string());
        } else {
            let _ = write!(title, "{} of {}", self.shown.len(), self.items.len());
        }
        for (what, f) in [
            ("coder", &self.coder_filter),
            ("transcript", &self.transcript_filter),
        ] {
            if let Some(v) = f {
                let _ = write!(title, " · {what} {}", one_line(v));
            }
        }
        title.push(' ');
        title
    }

    /// The keys, on the bottom border.
    fn keys_line(&self, app: &App) -> String {
        let key = |a| one_line(app.keymap.first_key(Context::List, a));
        let mut keys = format!(" {} jumps", key(Action::Open));
        if self.kind == ListKind::Quotes {
            let _ = write!(
                keys,
                " · {} coder · {} transcript",
                key(Action::FilterCoder),
                key(Action::FilterTranscript)
            );
        } else if self.codable {
            let _ = write!(keys, " · {} codes all", key(Action::CodeAll));
        }
        let _ = write!(keys, " · {} closes ", key(Action::Cancel));
        keys
    }

    /// The rows of one item at `width` columns: its label, its text
    /// (a quote in full, a hit in context), its memo, a blank row.
    fn item_rows(&self, item: &ListItem, width: usize, max_text: usize) -> Vec<Vec<Cell>> {
        let mut rows = vec![text_cells(&item.label, 0, &[], false)];
        let (text, base) = match self.kind {
            ListKind::Quotes => (item.text.as_str(), item.text_start),
            ListKind::Hits => in_context(item, width),
        };
        let text_rows = max_text.max(1).min(match self.kind {
            ListKind::Quotes => usize::MAX,
            ListKind::Hits => 3,
        });
        let mut quote = text_cells(text, base, &item.matches, true);
        if base != item.text_start {
            let mut lead = text_cells("… ", 0, &[], false);
            lead.append(&mut quote);
            quote = lead;
        }
        rows.extend(wrap_cells(quote, width.saturating_sub(2), text_rows));
        if let Some(memo) = &item.memo {
            let memo = text_cells(&format!("✎ {memo}"), 0, &[], true);
            rows.extend(wrap_cells(memo, width.saturating_sub(2), 3));
        }
        rows.push(Vec::new());
        rows
    }

    /// Draws the list: each item over as many rows as it needs, the
    /// selected one always in view.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(
            area,
            area.width.saturating_sub(6),
            area.height.saturating_sub(4),
        );
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(self.title_line())
            .title_bottom(self.keys_line(app));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let buf = f.buffer_mut();
        if self.shown.is_empty() {
            let text = if self.items.is_empty() {
                "nothing found"
            } else {
                "no item passes the filters"
            };
            put(buf, inner.x, inner.y, text, inner.width, app.theme.dim());
            return;
        }
        let (w, h) = (usize::from(inner.width), usize::from(inner.height));
        // A long quote takes at most the whole list, less its label.
        let max_text = h.saturating_sub(2).max(1);
        let rows_of = |i: usize| self.item_rows(&self.items[self.shown[i]], w, max_text);
        // From the selected item back, as many items as fit above it.
        let mut first = self.selected;
        let mut used = rows_of(first).len();
        while first > 0 {
            let n = rows_of(first - 1).len();
            if used + n > h {
                break;
            }
            used += n;
            first -= 1;
        }
        let mut y = 0;
        for i in first..self.shown.len() {
            if y >= h {
                break;
            }
            let selected = i == self.selected;
            for (k, row) in rows_of(i).into_iter().enumerate() {
                if y >= h {
                    break;
                }
                let (x, base) = if k == 0 {
                    let st = if selected {
                        app.theme.list_selected()
                    } else {
                        app.theme.accent()
                    };
                    (inner.x, st)
                } else {
                    (inner.x + 2, app.theme.text())
                };
                let right = inner.x + inner.width;
                draw_cells(buf, (x, right), inner.y + y as u16, &row, base, app);
                y += 1;
            }
        }
    }
}

/// One character cell of a list row: what is shown, its width, whether
/// it is a match, whether it is body text (or a label).
#[derive(Debug, Clone)]
struct Cell {
    shown: String,
    width: usize,
    hit: bool,
}

/// `text` (starting at code point `base`) as cells: made safe for the
/// terminal, runs of white space (line breaks too) shown as one space,
/// the characters inside `matches` marked.
fn text_cells(text: &str, base: usize, matches: &[(usize, usize)], squash: bool) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::with_capacity(text.len());
    for (k, c) in text.chars().enumerate() {
        let at = base + k;
        if c.is_whitespace() {
            if squash && cells.last().is_some_and(|x| x.shown == " ") {
                continue;
            }
            cells.push(Cell {
                shown: " ".into(),
                width: 1,
                hit: false,
            });
            continue;
        }
        let hit = matches.iter().any(|&(a, b)| a <= at && at < b);
        cells.push(Cell {
            shown: sanitize(c.encode_utf8(&mut [0; 4]), false).into_owned(),
            width: char_width(c),
            hit,
        });
    }
    cells
}

/// Cells broken into rows of at most `width` columns (after a space
/// where one is near), at most `max_rows` of them, the last ending in
/// `…` when the text goes on.
fn wrap_cells(cells: Vec<Cell>, width: usize, max_rows: usize) -> Vec<Vec<Cell>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new()];
    let mut used = 0;
    for cell in cells {
        if used + cell.width > width && !rows.last().is_some_and(Vec::is_empty) {
            let row = rows.last_mut().expect("a row");
            // Carry the word begun on this row over to the next one.
            let cut = row
                .iter()
                .rposition(|c| c.shown == " ")
                .filter(|&p| p > 0)
                .map_or(row.len(), |p| p + 1);
            let carried: Vec<Cell> = row.split_off(cut);
            used = carried.iter().map(|c| c.width).sum();
            rows.push(carried);
        }
        if rows.last().is_some_and(Vec::is_empty) && cell.shown == " " {
            continue;
        }
        used += cell.width;
        rows.last_mut().expect("a row").push(cell);
    }
    if rows.len() > max_rows {
        rows.truncate(max_rows);
        let last = rows.last_mut().expect("a row");
        let mut w: usize = last.iter().map(|c| c.width).sum();
        while w + 1 > width && !last.is_empty() {
            w -= last.pop().map_or(0, |c| c.width);
        }
        last.push(Cell {
            shown: "…".into(),
            width: 1,
            hit: false,
        });
    }
    rows
}

/// A hit's passage around its first match: from up to about a row and a
/// half before it (from a word's start, marked with `…`), so that the
/// match is in view in the first rows.
fn in_context(item: &ListItem, width: usize) -> (&str, usize) {
    let Some(&(m, _)) = item.matches.first() else {
        return (item.text.as_str(), item.text_start);
    };
    let before = m.saturating_sub(item.text_start);
    let lead = width * 3 / 2;
    if before <= lead {
        return (item.text.as_str(), item.text_start);
    }
    let skip = before - lead;
    let from = item
        .text
        .char_indices()
        .skip(skip)
        .skip_while(|(_, c)| !c.is_whitespace())
        .find(|(_, c)| !c.is_whitespace());
    match from {
        Some((b, _)) if item.text[..b].chars().count() < before => (
            &item.text[b..],
            item.text_start + item.text[..b].chars().count(),
        ),
        _ => (item.text.as_str(), item.text_start),
    }
}

/// Writes a row of cells; matches stand out.
fn draw_cells(
    buf: &mut Buffer,
    (x, right): (u16, u16),
    y: u16,
    row: &[Cell],
    base: Style,
    app: &App,
) {
    let mut x = x;
    for c in row {
        let style = if c.hit {
            base.patch(app.theme.search_match())
        } else {
            base
        };
        if x + c.width as u16 > right {
            break;
        }
        x = put(buf, x, y, &c.shown, c.width as u16, style);
    }
}

/// A segment as an item of a quote list: transcript, speaker, lines,
/// code and coder, the quote, the memo.
pub fn segment_item(texts: &BTreeMap<String, Transcript>, s: &Segment<'_>) -> ListItem {
    let t = &texts[s.coding.transcript.as_str()];
    let (a, b) = t.byte_range(s.start, s.end).unwrap_or((0, 0));
    let speaker = t
        .turn_at(a)
        .and_then(|x| x.speaker.clone())
        .map(|sp| format!(" · {sp}"))
        .unwrap_or_default();
    let (l1, l2) = t.lines_of(a, b);
    let lines = if l1 == l2 {
        format!("line {l1}")
    } else {
        format!("lines {l1}–{l2}")
    };
    ListItem {
        transcript: s.coding.transcript.to_string(),
        start: s.start,
        end: s.end,
        label: format!(
            "{}{speaker} · {lines} · {} · {}",
            s.coding.transcript,
            s.code.name(),
            s.coding.coder
        ),
        text: t.text[a..b].to_owned(),
        text_start: s.start,
        matches: Vec::new(),
        coder: Some(s.coding.coder.to_string()),
        memo: s.coding.memo.as_ref().map(ToString::to_string),
    }
}

/// A search hit as a list item: where a jump lands is `span`.
pub fn hit_item(h: motif_core::search::Hit, span: (usize, usize)) -> ListItem {
    let more = match h.matches.len() {
        0 | 1 => String::new(),
        n => format!(" · {n} matches"),
    };
    ListItem {
        label: format!(
            "{} · {} · line {}{more}",
            h.transcript,
            h.speaker.clone().unwrap_or_default(),
            h.line
        ),
        transcript: h.transcript,
        start: span.0,
        end: span.1,
        text_start: h.start,
        matches: h.matches,
        text: h.text,
        coder: None,
        memo: None,
    }
}
