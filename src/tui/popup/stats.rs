//! The statistics view (`S`): code frequencies, co-occurrence and a
//! code × attribute matrix, computed by the core's analysis when the view
//! opens or its settings change, so drawing only reads them. Enter lists
//! the segments behind the bar or cell under the cursor.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

use motif_core::segments::{Filter, place_all};
use motif_core::text::one_line;

use super::list::segment_item;
use super::{Flow, ListItem, ListPopup, Popup};
use crate::tui::app::App;
use crate::tui::keymap::{Action, Context};
use crate::tui::ui::{centered, put};

/// Which statistics the statistics view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsTab {
    Frequencies,
    Cooccurrence,
    Matrix,
}

/// The statistics view: figures computed when it opens or its settings
/// change, so drawing only reads them.
#[derive(Debug, Clone)]
pub struct Stats {
    pub tab: StatsTab,
    /// `None`: every coder.
    pub coder: Option<String>,
    pub sort_by_count: bool,
    pub row: usize,
    pub col: usize,
    /// Frequencies: (codebook position, segments, segments per coder).
    pub freq: Vec<(usize, usize, BTreeMap<String, usize>)>,
    /// Co-occurrence over codebook positions `co_pos` (overlap unit).
    pub co_pos: Vec<usize>,
    pub co: Vec<Vec<usize>>,
    /// Code × attribute matrix: the attribute, its columns, rows by
    /// codebook position.
    pub by: String,
    pub columns: Vec<String>,
    pub mx: Vec<(usize, Vec<usize>)>,
}

impl Stats {
    /// Switches views, settings and the cell under the cursor.
    pub fn on_key(&mut self, app: &mut App, action: Option<Action>) -> Flow {
        match action {
            Some(Action::Cancel) => return Flow::Close,
            Some(Action::NextTab | Action::PrevTab) => {
                self.tab = match (self.tab, action == Some(Action::PrevTab)) {
                    (StatsTab::Frequencies, false) | (StatsTab::Matrix, true) => {
                        StatsTab::Cooccurrence
                    }
                    (StatsTab::Cooccurrence, false) | (StatsTab::Frequencies, true) => {
                        StatsTab::Matrix
                    }
                    _ => StatsTab::Frequencies,
                };
                self.row = 0;
                self.col = 0;
            }
            Some(Action::CycleCoder) => {
                // Every coder, then each coder in turn.
                let coders = app.coders_with_codings();
                let next = match &self.coder {
                    None => coders.first().cloned(),
                    Some(c) => coders
                        .iter()
                        .position(|x| x == c)
                        .and_then(|i| coders.get(i + 1).cloned()),
                };
                *self = app.compute_stats(self.tab, next, self.sort_by_count);
            }
            Some(Action::SortByCount) => {
                *self = app.compute_stats(self.tab, self.coder.clone(), !self.sort_by_count);
            }
            Some(Action::ListDown) => self.row += 1,
            Some(Action::ListUp) => self.row = self.row.saturating_sub(1),
            Some(Action::ColumnNext) => self.col += 1,
            Some(Action::ColumnPrev) => self.col = self.col.saturating_sub(1),
            Some(Action::CellSegments) => {
                app.stats_segments(self);
                return Flow::Close;
            }
            _ => {}
        }
        Flow::Stay
    }

    /// Draws the view.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        let r = centered(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        f.render_widget(Clear, r);
        let tabs = match self.tab {
            StatsTab::Frequencies => "[frequencies]  co-occurrence  code × attribute",
            StatsTab::Cooccurrence => " frequencies  [co-occurrence]  code × attribute",
            StatsTab::Matrix => " frequencies  co-occurrence  [code × attribute]",
        };
        let coder = self.coder.as_deref().unwrap_or("every coder");
        let key = |a| one_line(app.keymap.first_key(Context::Stats, a));
        let title = format!(
            " {tabs} · {} · {} coder · {} sort · {} view · {} segments · {} ",
            one_line(coder),
            key(Action::CycleCoder),
            key(Action::SortByCount),
            key(Action::NextTab),
            key(Action::CellSegments),
            key(Action::Cancel)
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, app.theme.accent()));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let buf = f.buffer_mut();
        match self.tab {
            StatsTab::Frequencies => self.frequencies(buf, app, inner),
            StatsTab::Cooccurrence => self.cooccurrence(buf, app, inner),
            StatsTab::Matrix => self.matrix(buf, app, inner),
        }
    }

    fn frequencies(&self, buf: &mut Buffer, app: &App, inner: Rect) {
        let codes = app.book.codes();
        let h = usize::from(inner.height);
        let max = self.freq.iter().map(|r| r.1).max().unwrap_or(0).max(1);
        let name_w = 26u16.min(inner.width / 3);
        let bar_w = usize::from(inner.width.saturating_sub(name_w + 8));
        let sel = self.row.min(self.freq.len().saturating_sub(1));
        let first = sel.saturating_sub(h.saturating_sub(1));
        for (i, (pos, n, _)) in self.freq.iter().enumerate().skip(first).take(h) {
            let y = inner.y + (i - first) as u16;
            let c = &codes[*pos];
            let style = if i == sel {
                app.theme.list_selected()
            } else {
                app.theme.text()
            };
            let label = format!("{}{}", "  ".repeat(c.depth()), c.name());
            put(buf, inner.x, y, &one_line(&label), name_w, style);
            let len = n * bar_w / max;
            let x = put(
                buf,
                inner.x + name_w + 1,
                y,
                &"█".repeat(len),
                bar_w as u16,
                app.theme.code(&c.color),
            );
            put(buf, x + 1, y, &n.to_string(), 7, app.theme.dim());
        }
    }

    fn cooccurrence(&self, buf: &mut Buffer, app: &App, inner: Rect) {
        let codes = app.book.codes();
        let h = usize::from(inner.height);
        let n = self.co_pos.len();
        let label_w = 14u16;
        let cell = 5u16;
        let (row, col) = (
            self.row.min(n.saturating_sub(1)),
            self.col.min(n.saturating_sub(1)),
        );
        let cols = usize::from(inner.width.saturating_sub(label_w) / cell).max(1);
        let col0 = col.saturating_sub(cols - 1);
        let rows = h.saturating_sub(1).max(1);
        let row0 = row.saturating_sub(rows - 1);
        // Columns are numbered like the rows: names cut to a few letters
        // were ambiguous (`stan` for two codes).
        for j in (col0..n).take(cols) {
            put(
                buf,
                inner.x + label_w + (j - col0) as u16 * cell,
                inner.y,
                &format!("{:>4}", j + 1),
                cell,
                app.theme.dim(),
            );
        }
        let max = self
            .co
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.iter()
                    .enumerate()
                    .filter(move |(j, _)| *j != i)
                    .map(|(_, v)| *v)
            })
            .max()
            .unwrap_or(0)
            .max(1);
        for (i, &p) in self.co_pos.iter().enumerate().skip(row0).take(rows) {
            let y = inner.y + 1 + (i - row0) as u16;
            put(
                buf,
                inner.x,
                y,
                &format!("{:>2} {}", i + 1, one_line(codes[p].name())),
                label_w - 1,
                if i == row {
                    app.theme.accent()
                } else {
                    app.theme.text()
                },
            );
            for j in (col0..n).take(cols) {
                let v = self.co[i][j];
                let x = inner.x + label_w + (j - col0) as u16 * cell;
                let mut style = if i == j {
                    app.theme.dim()
                } else if v == 0 {
                    app.theme.text()
                } else {
                    app.theme.coded(&codes[p].color, usize::from(v * 2 > max))
                };
                if i == row && j == col {
                    style = app.theme.list_selected();
                }
                put(buf, x, y, &format!("{v:>4}"), cell - 1, style);
            }
        }
    }

    fn matrix(&self, buf: &mut Buffer, app: &App, inner: Rect) {
        let codes = app.book.codes();
        let h = usize::from(inner.height);
        let label_w = 22u16;
        let cell = 14u16;
        let cols = usize::from(inner.width.saturating_sub(label_w) / cell).max(1);
        let col = self.col.min(self.columns.len().saturating_sub(1));
        let col0 = col.saturating_sub(cols - 1);
        put(
            buf,
            inner.x,
            inner.y,
            &format!("code × {}", one_line(&self.by)),
            label_w,
            app.theme.dim(),
        );
        for (j, c) in self.columns.iter().enumerate().skip(col0).take(cols) {
            put(
                buf,
                inner.x + label_w + (j - col0) as u16 * cell,
                inner.y,
                &one_line(c),
                cell - 1,
                app.theme.dim(),
            );
        }
        let rows = h.saturating_sub(1).max(1);
        let row = self.row.min(self.mx.len().saturating_sub(1));
        let row0 = row.saturating_sub(rows - 1);
        for (i, (p, counts)) in self.mx.iter().enumerate().skip(row0).take(rows) {
            let y = inner.y + 1 + (i - row0) as u16;
            let c = &codes[*p];
            put(
                buf,
                inner.x,
                y,
                &one_line(&format!("{}{}", "  ".repeat(c.depth()), c.name())),
                label_w - 1,
                app.theme.text(),
            );
            for (j, v) in counts.iter().enumerate().skip(col0).take(cols) {
                let style = if i == row && j == col {
                    app.theme.list_selected()
                } else {
                    app.theme.text()
                };
                put(
                    buf,
                    inner.x + label_w + (j - col0) as u16 * cell,
                    y,
                    &format!("{v:>5}"),
                    cell - 1,
                    style,
                );
            }
        }
    }
}

/// What a statistics cell stands for: codes, the other code of a
/// co-occurrence, the transcripts of a matrix column, and a title.
struct Cell {
    code: usize,
    other: Option<usize>,
    transcripts: Option<Vec<String>>,
    title: String,
}

impl App {
    /// Opens the statistics view on the frequencies.
    pub fn open_stats(&mut self) {
        let s = self.compute_stats(StatsTab::Frequencies, None, false);
        self.popup = Popup::Stats(s);
    }

    /// Computes the statistics view's figures.
    pub fn compute_stats(
        &mut self,
        tab: StatsTab,
        coder: Option<String>,
        sort_by_count: bool,
    ) -> Stats {
        use motif_core::analysis::{Scope, Selection, cooccurrence, matrix};
        let by = if self.attributes.names.iter().any(|n| n == "role") {
            "role".to_owned()
        } else {
            self.attributes
                .names
                .first()
                .cloned()
                .unwrap_or_else(|| "transcript".to_owned())
        };
        let sel = Selection {
            coders: coder.iter().cloned().collect(),
            ..Selection::default()
        };
        let (mut freq, co_pos, co, columns, mx) = self.with_workspace(|ws| {
            let scope = Scope::new(ws, &sel).unwrap_or_else(|_| Scope::all(ws));
            let (segs, _) = scope.segments(ws);
            // Counted by the session's recipe, as `motif export frequencies`.
            let counted = motif_core::session::count_frequencies(ws, &scope, &segs);
            let freq: Vec<(usize, usize, BTreeMap<String, usize>)> = counted
                .codes
                .into_iter()
                .enumerate()
                .map(|(p, c)| (p, c.segments, c.by_coder))
                .collect();
            let co = cooccurrence::cooccurrence_of(ws, &scope, &segs, cooccurrence::Unit::Overlap);
            let m = matrix::matrix_of(ws, &scope, &segs, &matrix::By::parse(&by)).ok();
            let (columns, mx) = m.map_or((Vec::new(), Vec::new()), |m| {
                let rows = m
                    .positions
                    .iter()
                    .zip(&m.rows)
                    .map(|(&p, r)| (p, r.counts.clone()))
                    .collect();
                (m.columns.clone(), rows)
            });
            (freq, co.positions.clone(), co.matrix, columns, mx)
        });
        if sort_by_count {
            freq.sort_by_key(|r| std::cmp::Reverse(r.1));
        }
        Stats {
            tab,
            coder,
            sort_by_count,
            row: 0,
            col: 0,
            freq,
            co_pos,
            co,
            by,
            columns,
            mx,
        }
    }

    /// The codes, transcripts and title behind the bar or cell under the
    /// cursor.
    fn stats_cell(&self, st: &Stats) -> Option<Cell> {
        let path = |p: usize| self.book.codes()[p].path.clone();
        match st.tab {
            StatsTab::Frequencies => {
                let r = st.freq.get(st.row.min(st.freq.len().saturating_sub(1)))?;
                Some(Cell {
                    code: r.0,
                    other: None,
                    transcripts: None,
                    title: path(r.0),
                })
            }
            StatsTab::Cooccurrence => {
                let n = st.co_pos.len().checked_sub(1)?;
                let (i, j) = (st.row.min(n), st.col.min(n));
                let (a, b) = (st.co_pos[i], st.co_pos[j]);
                let pairs = st.co.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
                // The cell counts overlapping pairs; the list holds the
                // segments of the row's code in them: say which is which.
                Some(Cell {
                    code: a,
                    other: Some(b),
                    transcripts: None,
                    title: format!(
                        "{} × {} · {} overlapping pair(s); listed: the segments of {} in them",
                        path(a),
                        path(b),
                        pairs,
                        path(a)
                    ),
                })
            }
            StatsTab::Matrix => {
                let (p, _) = st.mx.get(st.row.min(st.mx.len().saturating_sub(1)))?;
                let col = st
                    .columns
                    .get(st.col.min(st.columns.len().saturating_sub(1)))?;
                let ts: Vec<String> = if st.by == "transcript" {
                    vec![col.clone()]
                } else {
                    self.ids
                        .iter()
                        .filter(|id| {
                            self.attributes
                                .of(id)
                                .get(&st.by)
                                .map_or(col == "(none)", |v| v == col)
                        })
                        .cloned()
                        .collect()
                };
                Some(Cell {
                    code: *p,
                    other: None,
                    transcripts: Some(ts),
                    title: format!("{} · {}={col}", path(*p), st.by),
                })
            }
        }
    }

    /// Lists the segments behind the bar or cell under the cursor.
    fn stats_segments(&mut self, st: &Stats) {
        let Some(cell) = self.stats_cell(st) else {
            return;
        };
        let filter = Filter {
            coders: st.coder.iter().cloned().collect(),
            transcripts: cell.transcripts.unwrap_or_default(),
            codes: Vec::new(),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let items: Vec<ListItem> = segs
            .iter()
            .filter(|s| s.code_pos == cell.code)
            .filter(|s| {
                // A co-occurrence cell: segments sharing text with one of the other code.
                cell.other.is_none_or(|b| {
                    segs.iter().any(|o| {
                        o.code_pos == b
                            && o.coding.transcript == s.coding.transcript
                            && o.start < s.end
                            && s.start < o.end
                            && !std::ptr::eq(o, *s)
                    })
                })
            })
            .map(|s| segment_item(&self.texts, s))
            .collect();
        let mut list = ListPopup::new(cell.title, items, false);
        // Esc goes back to the statistics, where the drill-down began.
        list.back = Some(Box::new(st.clone()));
        self.popup = Popup::List(list);
    }
}
