//! Drawing the screen: title bar, transcript list, codebook and status
//! line here; the transcript view in `transcript_view`, each popup in its
//! own module. Everything reads the `App` and writes cells; nothing changes
//! state. Untrusted text (ids, code names, messages) goes through
//! `one_line`/`sanitize` before it reaches the terminal.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use motif_core::text::one_line;

use super::app::{App, Pane};
use super::keymap::{Action, Context};
use super::popup::Popup;
use super::transcript_view::transcript_view;

/// A `Rect` from the `Areas` tuple.
pub(crate) fn rect((x, y, w, h): (u16, u16, u16, u16)) -> Rect {
    Rect::new(x, y, w, h)
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame<'_>, app: &App) {
    let area = f.area();
    let areas = app.areas();
    title_bar(f.buffer_mut(), app, area);
    transcript_view(f, app, &areas);
    // After the text: a folded pane with the focus is drawn over it.
    let (list, book) = (rect(areas.list), rect(areas.book));
    if list.width > 0 {
        f.render_widget(Clear, list);
        transcript_list(f, app, list);
    }
    if book.width > 0 {
        f.render_widget(Clear, book);
        codebook(f, app, book);
    }
    status_line(f.buffer_mut(), app, area);
    app.popup.render(f, app, area);
}

/// Writes at most `max` columns of `text` at (`x`, `y`); returns the
/// column after it. Inlined: the transcript view calls it per character
/// from another module.
#[inline]
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max: u16, style: Style) -> u16 {
    if max == 0 || y >= buf.area.height || x >= buf.area.width {
        return x;
    }
    let (nx, _) = buf.set_stringn(x, y, text, usize::from(max), style);
    nx
}

fn title_bar(buf: &mut Buffer, app: &App, area: Rect) {
    let codings: usize = app.counts.iter().sum();
    let yours = if app.show_all { "" } else { " (yours)" };
    let full = format!(
        " motif · {} · coder {} · {} transcripts · {codings} codings{yours}",
        one_line(&app.project.config.name),
        one_line(&app.coder),
        app.ids.len(),
    );
    let compact = format!(
        " {} · {} · {} transcripts · {codings} codings{yours}",
        one_line(&app.project.config.name),
        one_line(&app.coder),
        app.ids.len(),
    );
    let index = match &app.index {
        super::app::IndexState::Updating => "index …",
        super::app::IndexState::Ready => "index ✓",
        super::app::IndexState::Failed(_) => "index ✗",
    };
    let key = |a| one_line(app.keymap.first_key(Context::Global, a));
    let help = format!("{} help ", key(Action::Help));
    let mut rights = Vec::new();
    if area.width >= 100 {
        rights.push(format!(
            "{index}   {help} {} commands ",
            key(Action::CommandLine)
        ));
    }
    if app.side_panes_shown() {
        rights.push(format!("{index}  {help}"));
    } else {
        let panes = format!("{} panes", key(Action::TogglePanes));
        rights.push(format!("{index}  {panes}  {help}"));
        rights.push(format!("{panes}  {help}"));
        rights.push(format!("{index}  {help}"));
    }
    rights.push(help);
    let width = |s: &str| s.width() as u16;
    // The fullest left and right that fit side by side.
    let fit = rights.iter().find_map(|r| {
        [&full, &compact]
            .into_iter()
            .find(|left| width(left) + width(r) + 2 <= area.width)
            .map(|left| (left, r))
    });
    let (left, right) = fit.unwrap_or((&compact, &rights[rights.len() - 1]));
    put(buf, 0, 0, left, area.width, app.theme.accent());
    let rw = width(right);
    if area.width >= rw + width(left) + 2 {
        put(buf, area.width - rw, 0, right, rw, app.theme.dim());
    }
}

/// A pane's border, highlighted when it has the focus.
pub(crate) fn pane_block<'a>(app: &App, title: String, pane: Pane) -> Block<'a> {
    let style = if app.focus == pane && matches!(app.popup, Popup::None) {
        app.theme.accent()
    } else {
        app.theme.dim()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(title, style))
}

fn transcript_list(f: &mut Frame<'_>, app: &App, area: Rect) {
    let block = pane_block(app, " Transcripts ".into(), Pane::Transcripts);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let buf = f.buffer_mut();
    let h = usize::from(inner.height);
    let first = app.list_sel.saturating_sub(h.saturating_sub(1));
    // Marker, id, a space, the percentage.
    let id_w = inner.width.saturating_sub(6);
    let labels = distinct_labels(&app.ids, usize::from(id_w));
    for (row, (i, id)) in app.ids.iter().enumerate().skip(first).take(h).enumerate() {
        let y = inner.y + row as u16;
        let pct = app.progress.get(id).copied().unwrap_or(0.0);
        let pct = format!("{:>3.0}%", pct * 100.0);
        let marker = if app.current.as_deref() == Some(id.as_str()) {
            "▸"
        } else {
            " "
        };
        let style = if i == app.list_sel && app.focus == Pane::Transcripts {
            app.theme.list_selected()
        } else {
            app.theme.text()
        };
        let x = put(buf, inner.x, y, marker, 1, style);
        let label = labels.as_ref().map_or(id.as_str(), |l| l[i].as_str());
        put(buf, x, y, label, id_w, style);
        put(
            buf,
            inner.x + inner.width.saturating_sub(4),
            y,
            &pct,
            4,
            app.theme.dim(),
        );
    }
}

/// Each id made safe for the terminal and shortened to `width` columns,
/// one `…` standing for what was cut. Where a cut can keep them apart, no
/// two shortened ids read the same: the cut keeps more of the end (where
/// `wave2/p10` and `wave2/p11` differ) and moves until the labels are
/// distinct. `None`: every id is plain and fits as it is (most projects;
/// nothing is copied).
pub fn distinct_labels(ids: &[String], width: usize) -> Option<Vec<String>> {
    let plain = |id: &String| id.len() <= width && id.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ids.iter().all(plain) {
        return None;
    }
    let shown: Vec<String> = ids.iter().map(|id| one_line(id)).collect();
    let long: Vec<bool> = shown.iter().map(|s| s.width() > width).collect();
    if !long.contains(&true) {
        return Some(shown);
    }
    let room = width.saturating_sub(1);
    let mut heads: Vec<usize> = (0..=room).collect();
    heads.sort_by_key(|h| h.abs_diff(room / 3));
    let mut best: Option<(usize, Vec<String>)> = None;
    for head in heads {
        let labels: Vec<String> = shown
            .iter()
            .zip(&long)
            .map(|(s, &l)| {
                if l {
                    elide(s, head, room - head)
                } else {
                    s.clone()
                }
            })
            .collect();
        let mut sorted: Vec<&String> = labels.iter().collect();
        sorted.sort_unstable();
        let same = sorted.windows(2).filter(|p| p[0] == p[1]).count();
        if same == 0 {
            return Some(labels);
        }
        if best.as_ref().is_none_or(|(n, _)| same < *n) {
            best = Some((same, labels));
        }
    }
    Some(best.map_or(shown, |(_, l)| l))
}

/// `s` cut to its first `head` and last `tail` columns with `…` between.
fn elide(s: &str, head: usize, tail: usize) -> String {
    let cw = |c: char| c.width().unwrap_or(0);
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + cw(c) > head {
            break;
        }
        used += cw(c);
        out.push(c);
    }
    let mut end = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        if used + cw(c) > tail {
            break;
        }
        used += cw(c);
        end.push(c);
    }
    out.push('…');
    out.extend(end.into_iter().rev());
    out
}

fn codebook(f: &mut Frame<'_>, app: &App, area: Rect) {
    let block = pane_block(app, " Codebook ".into(), Pane::Codebook);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let codes = app.book.codes();
    let def_h = (inner.height / 3)
        .max(3)
        .min(inner.height.saturating_sub(3));
    let list_h = inner.height.saturating_sub(def_h + 1);
    let buf = f.buffer_mut();
    let first = app
        .code_sel
        .saturating_sub(usize::from(list_h).saturating_sub(1));
    for (row, (i, c)) in codes
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(list_h))
        .enumerate()
    {
        let y = inner.y + row as u16;
        let selected = i == app.code_sel && app.focus == Pane::Codebook;
        let base = if selected {
            app.theme.list_selected()
        } else {
            app.theme.text()
        };
        let x = put(buf, inner.x, y, "■", 1, app.theme.code(&c.color));
        let key = c.key.map_or("  ".to_owned(), |k| {
            format!("{} ", one_line(&k.to_string()))
        });
        let x = put(buf, x + 1, y, &"  ".repeat(c.depth()), inner.width, base);
        let x = put(buf, x, y, &key, 2, app.theme.accent());
        let count = app.counts.get(i).copied().unwrap_or(0).to_string();
        let room = inner
            .width
            .saturating_sub(x - inner.x + count.len() as u16 + 1);
        put(buf, x, y, &one_line(c.name()), room, base);
        put(
            buf,
            inner.x + inner.width.saturating_sub(count.len() as u16),
            y,
            &count,
            6,
            app.theme.dim(),
        );
    }
    // The definition of the focused code (or the last one used).
    let focus = if app.focus == Pane::Codebook {
        codes.get(app.code_sel)
    } else {
        app.segment_here(false)
            .map(|s| &codes[s.code_pos])
            .or_else(|| app.last_code.as_ref().and_then(|id| app.book.by_id(id)))
            .or_else(|| codes.get(app.code_sel))
    };
    if let Some(c) = focus {
        let y = inner.y + list_h;
        put(
            buf,
            inner.x,
            y,
            &"─".repeat(usize::from(inner.width)),
            inner.width,
            app.theme.dim(),
        );
        let mut text = format!("{}: {}", c.path, c.description);
        if let Some(i) = &c.include {
            let _ = write!(text, " Include: {i}");
        }
        if let Some(e) = &c.exclude {
            let _ = write!(text, " Exclude: {e}");
        }
        let p = Paragraph::new(one_line(&text))
            .wrap(Wrap { trim: true })
            .style(app.theme.text());
        f.render_widget(p, Rect::new(inner.x, y + 1, inner.width, def_h));
    }
}

fn status_line(buf: &mut Buffer, app: &App, area: Rect) {
    let y = area.height.saturating_sub(1);
    let (mode, keys): (String, Vec<(Context, Action)>) = match app.popup.mode() {
        Some(mode) => (mode.into(), vec![]),
        None => match (app.focus, app.selection) {
            (Pane::Text, Some(sel)) => (
                format!("VISUAL {}", sel.unit.name()),
                vec![
                    (Context::Visual, Action::CodeKey),
                    (Context::Visual, Action::RepeatCode),
                    (Context::Visual, Action::CodePicker),
                    (Context::Visual, Action::Memo),
                    (Context::Visual, Action::Cancel),
                ],
            ),
            (Pane::Text, None) => (
                "NORMAL".into(),
                vec![
                    (Context::Normal, Action::SelectTurn),
                    (Context::Normal, Action::SelectSentence),
                    (Context::Normal, Action::VisualChar),
                    (Context::Global, Action::Undo),
                    (Context::Global, Action::Search),
                ],
            ),
            (Pane::Transcripts, _) => ("LIST".into(), vec![(Context::Transcripts, Action::Open)]),
            (Pane::Codebook, _) => (
                "CODES".into(),
                vec![
                    (Context::Codebook, Action::CodeSegments),
                    (Context::Codebook, Action::CodeMemo),
                    (Context::Codebook, Action::AddCode),
                ],
            ),
        },
    };
    let mut x = put(
        buf,
        0,
        y,
        &format!(" {mode} "),
        12,
        app.theme.list_selected(),
    );
    x += 1;
    if !app.status.text.is_empty() {
        let style = if app.status.error {
            app.theme.error()
        } else {
            app.theme.text()
        };
        put(
            buf,
            x,
            y,
            &app.status.text,
            area.width.saturating_sub(x),
            style,
        );
        return;
    }
    // The keys first, as many as fit in their order; the rest of the
    // line for what is selected and the last code.
    let mut hints = String::new();
    for (c, a) in &keys {
        let hint = format!("{} {}", one_line(&app.keymap.keys_for(*c, *a)), short(*a));
        let sep = if hints.is_empty() { "" } else { "  " };
        if x + (hints.width() + sep.len() + hint.width()) as u16 + 1 > area.width {
            break;
        }
        hints.push_str(sep);
        hints.push_str(&hint);
    }
    let hw = hints.width() as u16;
    if hw > 0 {
        put(buf, area.width - hw - 1, y, &hints, hw, app.theme.dim());
    }
    let room = usize::from(
        area.width
            .saturating_sub(x + hw + if hw > 0 { 3 } else { 1 }),
    );
    let info = status_info(app);
    if info.width() <= room {
        put(buf, x, y, &info, room as u16, app.theme.text());
    } else if room >= 12 {
        // Cut short, and saying so; a few letters would only puzzle.
        let cut = elide(&info, room - 1, 0);
        put(buf, x, y, &cut, room as u16, app.theme.text());
    }
}

/// The status line's account of the selection and the last code used.
fn status_info(app: &App) -> String {
    let mut info = String::new();
    if app.selection.is_none() && app.focus == Pane::Text {
        // The codes here, innermost first: what x, r and m act on.
        let mut here: Vec<&super::app::ViewSeg> = app
            .segs
            .iter()
            .filter(|s| s.start <= app.cursor && app.cursor < s.end)
            .collect();
        here.sort_by_key(|s| (s.end - s.start, s.code_pos));
        let names: Vec<String> = here
            .iter()
            .filter_map(|s| {
                let c = app.book.codes().get(s.code_pos)?;
                Some(format!("{} ({})", c.name(), s.coder))
            })
            .collect();
        if !names.is_empty() {
            let _ = write!(info, "here: {}", names.join(", "));
        }
    }
    if let (Some((s, e)), Some(t)) = (app.selection_range(), app.transcript()) {
        let (l1, l2) = t.lines_of(s, e);
        let _ = write!(
            info,
            "{l1}–{l2} · {}",
            motif_core::text::counted(t.words_in(s, e), "word", "words")
        );
    }
    if let Some(c) = app.last_code.as_ref().and_then(|id| app.book.by_id(id)) {
        if !info.is_empty() {
            info.push_str(" · ");
        }
        let _ = write!(info, "last code: {}", c.name());
    }
    one_line(&info)
}

fn short(a: Action) -> &'static str {
    match a {
        Action::CodeKey => "code",
        Action::RepeatCode => "repeat",
        Action::CodePicker => "pick",
        Action::Memo | Action::CodeMemo => "memo",
        Action::Cancel => "cancel",
        Action::SelectTurn => "turn",
        Action::SelectSentence => "sentence",
        Action::VisualChar => "select",
        Action::Undo => "undo",
        Action::Search => "search",
        Action::Open => "open",
        Action::CodeSegments => "segments",
        Action::AddCode => "add",
        _ => a.name(),
    }
}

/// A `w` × `h` rectangle in the middle of `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10);
    let h = h.min(area.height.saturating_sub(2)).max(3);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn ids_that_fit_are_left_alone() {
        assert_eq!(distinct_labels(&ids(&["p01", "p02"]), 8), None);
    }

    #[test]
    fn shortened_ids_stay_distinct_and_within_the_width() {
        let list = ids(&["wave2/p10", "wave2/p11", "wave2/p12", "p1"]);
        let labels = distinct_labels(&list, 8).unwrap();
        assert_eq!(labels[3], "p1");
        for l in &labels {
            assert!(l.width() <= 8, "{l}");
        }
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4, "{labels:?}");
        assert!(
            labels[0].ends_with("p10") && labels[0].contains('…'),
            "{labels:?}"
        );
        // Ids that differ only in the middle: the cut moves to keep them apart.
        let list = ids(&["interview-a-final-notes", "interview-b-final-notes"]);
        let labels = distinct_labels(&list, 12).unwrap();
        assert_ne!(labels[0], labels[1], "{labels:?}");
        assert!(labels.iter().all(|l| l.width() <= 12), "{labels:?}");
        // Wide characters count two columns; controls are made visible.
        let list = ids(&["北京访谈第一次", "北京访谈第二次", "a\u{1b}b"]);
        let labels = distinct_labels(&list, 7).unwrap();
        assert_ne!(labels[0], labels[1], "{labels:?}");
        assert!(labels.iter().all(|l| l.width() <= 7), "{labels:?}");
        assert!(!labels[2].contains('\u{1b}'), "{labels:?}");
    }
}
