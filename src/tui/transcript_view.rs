//! Drawing the transcript view: only the visible rows are laid out, so a
//! frame costs the same on a 100,000-line transcript as on a short one.
//! Coded text carries its code's colour, the margin names the codes on
//! each row, and every character is sanitized before it reaches the
//! terminal.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::widgets::{Paragraph, Wrap};

use motif_core::codebook::Code;
use motif_core::text::{one_line, sanitize};
use motif_core::transcript::Transcript;

use super::app::{App, Areas, Pane, ViewSeg};
use super::textview::{self, Row, char_width};
use super::ui::{pane_block, put, rect};

/// Codings that overlap byte range `a..b`.
fn overlapping(segs: &[ViewSeg], a: usize, b: usize) -> impl Iterator<Item = &ViewSeg> {
    segs.iter()
        .filter(move |s| s.start < b.max(a + 1) && s.end > a)
}

#[inline]
fn sanitize_char(c: char) -> String {
    if c == '\t' {
        " ".into()
    } else {
        sanitize(c.encode_utf8(&mut [0; 4]), false).into_owned()
    }
}

/// What every row of a frame shares.
struct Painter<'a> {
    app: &'a App,
    t: &'a Transcript,
    codes: &'a [Code],
    visible: Vec<&'a ViewSeg>,
    /// The last search's matches on the visible rows, bytes.
    matches: &'a [(usize, usize)],
    selection: Option<(usize, usize)>,
    text_x: u16,
    text_w: u16,
    margin_x: u16,
    margin_w: u16,
}

/// Draws the transcript pane.
pub fn transcript_view(f: &mut Frame<'_>, app: &App, areas: &Areas) {
    let area = rect(areas.text);
    let Some(t) = app.transcript() else {
        let block = pane_block(app, " no transcript ".into(), Pane::Text);
        let p = Paragraph::new("Import interviews with `motif import FILES…`, then press R.")
            .block(block)
            .wrap(Wrap { trim: true });
        f.render_widget(p, area);
        return;
    };
    let role = app
        .attributes
        .of(&t.id)
        .get("role")
        .cloned()
        .map(|r| format!(" · {r}"))
        .unwrap_or_default();
    let pct = app.progress.get(&t.id).copied().unwrap_or(0.0) * 100.0;
    let title = format!(
        " {}{} · {} · {pct:.0}% coded ",
        one_line(&t.id),
        one_line(&role),
        motif_core::text::counted(app.current_words, "word", "words")
    );
    let block = pane_block(app, title, Pane::Text);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (w, h) = areas.text_size();
    let rows = textview::visible_rows(t, app.scroll, w, h);
    let (vis_a, vis_b) = (
        rows.first().map_or(0, |r| r.start),
        rows.last().map_or(0, |r| r.end),
    );
    let painter = Painter {
        app,
        t,
        codes: app.book.codes(),
        visible: overlapping(&app.segs, vis_a, vis_b).collect(),
        matches: {
            let here = &app.highlights.here;
            let from = here.partition_point(|m| m.1 <= vis_a);
            let to = here.partition_point(|m| m.0 < vis_b);
            &here[from..to.max(from)]
        },
        selection: app.selection_range().or_else(|| {
            // A char selection of one character still shows.
            app.selection
                .map(|s| (s.anchor.min(app.cursor), s.anchor.max(app.cursor)))
        }),
        text_x: inner.x + areas.gutter,
        text_w: w as u16,
        margin_x: inner.x + inner.width.saturating_sub(areas.margin),
        margin_w: areas.margin,
    };
    let buf = f.buffer_mut();
    for (i, row) in rows.iter().enumerate() {
        let y = inner.y + i as u16;
        if row.first {
            let n = format!("{:>w$} ", row.line + 1, w = usize::from(areas.gutter) - 1);
            put(buf, inner.x, y, &n, areas.gutter, app.theme.dim());
        }
        let row_segs: Vec<&&ViewSeg> = painter
            .visible
            .iter()
            .filter(|s| s.start < row.end.max(row.start + 1) && s.end > row.start)
            .collect();
        painter.text(buf, row, y, &row_segs);
        painter.margin(buf, row, y, &row_segs);
    }
}

impl Painter<'_> {
    /// The speaker label of a turn starting on this row: its bytes and
    /// the speaker's colour index.
    fn label(&self, row: &Row) -> Option<(usize, usize, usize)> {
        let t = self.t;
        let first_turn = t.turns.partition_point(|x| x.start < row.start);
        t.turns[first_turn..]
            .iter()
            .take(1)
            .find(|x| {
                x.start >= row.start
                    && x.start < row.end.max(row.start + 1)
                    && x.body_start > x.start
            })
            .map(|x| {
                (
                    x.start,
                    x.body_start,
                    x.speaker
                        .as_ref()
                        .and_then(|s| self.app.current_speakers.iter().position(|k| k == s))
                        .unwrap_or(0),
                )
            })
    }

    /// The row's characters, styled by speaker, codes, selection, cursor.
    #[inline]
    fn text(&self, buf: &mut Buffer, row: &Row, y: u16, row_segs: &[&&ViewSeg]) {
        let (app, t, theme) = (self.app, self.t, self.app.theme);
        let label = self.label(row);
        let mut x = self.text_x;
        let mut b = row.start;
        for c in t.text[row.start..row.end].chars() {
            let mut style = theme.text();
            if let Some((_, _, si)) = label.filter(|&(ls, le, _)| b >= ls && b < le) {
                style = theme.speaker(si);
            }
            let covering: Vec<&&&ViewSeg> = row_segs
                .iter()
                .filter(|s| s.start <= b && b < s.end)
                .collect();
            if let Some(inner_most) = covering.iter().min_by_key(|s| s.end - s.start) {
                style = style
                    .patch(theme.coded(&self.codes[inner_most.code_pos].color, covering.len()));
            }
            if self.matches.iter().any(|&(ma, mb)| ma <= b && b < mb) {
                style = style.patch(theme.search_match());
            }
            if self.selection.is_some_and(|(sa, sb)| b >= sa && b < sb) {
                style = style.patch(theme.selection());
            }
            if b == app.cursor && app.focus == Pane::Text {
                style = style.patch(theme.cursor());
            }
            let shown = sanitize_char(c);
            let cw = char_width(c) as u16;
            if x + cw > self.text_x + self.text_w {
                break;
            }
            put(buf, x, y, &shown, cw, style);
            x += cw;
            b += c.len_utf8();
        }
        // The cursor on an empty line or at a line end.
        if app.cursor == row.end
            && app.cursor == b
            && app.focus == Pane::Text
            && row.end == t.index.line_bytes(&t.text, row.line).map_or(0, |r| r.1)
        {
            put(buf, x, y, " ", 1, theme.cursor());
        }
    }

    /// The margin: a stripe in each code's colour (up to three; one in a
    /// narrow margin), then
    /// the codes on this row named — in full where the margin is wide,
    /// else by the shortest beginning no other code's name shares — and
    /// `+N` for those that do not fit.
    fn margin(&self, buf: &mut Buffer, row: &Row, y: u16, row_segs: &[&&ViewSeg]) {
        let mut on_row: Vec<usize> = row_segs.iter().map(|s| s.code_pos).collect();
        on_row.sort_unstable();
        on_row.dedup();
        if on_row.is_empty() {
            return;
        }
        let theme = self.app.theme;
        let codes = self.codes;
        let memo = row_segs
            .iter()
            .any(|s| s.memo && s.start >= row.start && s.start < row.end.max(row.start + 1));
        // A narrow margin keeps its room for names: one stripe.
        let stripes = if self.margin_w >= 12 {
            on_row.len().min(3)
        } else {
            1
        };
        let mut x = self.margin_x;
        for &p in on_row.iter().take(stripes) {
            x = put(buf, x, y, "▐", 1, theme.code(&codes[p].color));
        }
        let room = usize::from(self.margin_w).saturating_sub(stripes + 1);
        // Full names where they all fit, else short ones.
        let full: usize = on_row
            .iter()
            .map(|&p| codes[p].name().chars().count() + 1)
            .sum();
        let names: Vec<String> = on_row
            .iter()
            .map(|&p| {
                if full + usize::from(memo) <= room + 1 {
                    codes[p].name().to_owned()
                } else {
                    short_name(codes, p)
                }
            })
            .collect();
        let mut label = String::from(if memo { "✎" } else { "" });
        for (i, name) in names.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let rest = names.len() - i - 1;
            let more = if rest > 0 {
                format!("+{rest}")
            } else {
                String::new()
            };
            let used = label.chars().count();
            if used + sep.len() + name.chars().count() + more.len() > room {
                let _ = write!(label, "+{}", names.len() - i);
                break;
            }
            label.push_str(sep);
            label.push_str(name);
        }
        put(buf, x, y, &one_line(&label), room as u16, theme.dim());
    }
}

/// Code `p`'s name cut to the shortest beginning (three letters at least)
/// that no other code's name starts with, ignoring case: `comm` and
/// `comp` for community and complements. A name that is the beginning of
/// another stays whole.
pub fn short_name(codes: &[Code], p: usize) -> String {
    let name = codes[p].name();
    let lower = name.to_lowercase();
    let others: Vec<String> = codes
        .iter()
        .enumerate()
        .filter(|&(i, c)| i != p && c.name() != name)
        .map(|(_, c)| c.name().to_lowercase())
        .collect();
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    for (n, &(cut, _)) in chars.iter().enumerate().skip(3) {
        if !others.iter().any(|o| o.starts_with(&lower[..cut])) {
            return name.chars().take(n).collect();
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use motif_core::codebook::Codebook;

    #[test]
    fn short_names_never_read_the_same() {
        let mut book = Codebook::default();
        for path in [
            "community",
            "complements",
            "jobs",
            "jobs-later",
            "Éducation",
            "éducation-formelle",
        ] {
            book.add(path, "", None, None).unwrap();
        }
        let codes = book.codes();
        let short: Vec<String> = (0..codes.len()).map(|p| short_name(codes, p)).collect();
        assert_eq!(short[0], "comm");
        assert_eq!(short[1], "comp");
        assert_eq!(short[2], "jobs");
        assert_eq!(short[3], "jobs-");
        assert_eq!(short[4], "Éducation");
        assert_eq!(short[5], "éducation-");
    }
}
