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
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use motif_core::text::one_line;

use super::app::{App, Areas, Pane};
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
    let areas = Areas::of(area.width, area.height);
    title_bar(f.buffer_mut(), app, area);
    transcript_list(f, app, rect(areas.list));
    transcript_view(f, app, &areas);
    codebook(f, app, rect(areas.book));
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
    let left = format!(
        " motif · {} · coder {} · {} transcripts · {} codings{}",
        one_line(&app.project.config.name),
        one_line(&app.coder),
        app.ids.len(),
        codings,
        if app.show_all { "" } else { " (yours)" }
    );
    let index = match &app.index {
        super::app::IndexState::Updating => "index …",
        super::app::IndexState::Ready => "index ✓",
        super::app::IndexState::Failed(_) => "index ✗",
    };
    let right = if area.width >= 100 {
        format!("{index}   ? help  : commands ")
    } else {
        format!("{index}  ? help ")
    };
    let right = right.as_str();
    put(buf, 0, 0, &left, area.width, app.theme.accent());
    let rw = right.chars().count() as u16;
    if area.width > rw + left.chars().count() as u16 {
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
    for (row, (i, id)) in app.ids.iter().enumerate().skip(first).take(h).enumerate() {
        let y = inner.y + row as u16;
        let pct = app.progress.get(id).copied().unwrap_or(0.0);
        let pct = format!("{:>3.0}%", pct * 100.0);
        let marker = if app.current.as_deref() == Some(id.as_str()) {
            "▸"
        } else {
            " "
        };
        let w = inner.width.saturating_sub(5);
        let style = if i == app.list_sel && app.focus == Pane::Transcripts {
            app.theme.list_selected()
        } else {
            app.theme.text()
        };
        let x = put(buf, inner.x, y, marker, 1, style);
        put(buf, x, y, &one_line(id), w.saturating_sub(1), style);
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
    let mut info = String::new();
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
    x = put(
        buf,
        x,
        y,
        &one_line(&info),
        area.width.saturating_sub(x),
        app.theme.text(),
    );
    let hints: Vec<String> = keys
        .iter()
        .map(|(c, a)| format!("{} {}", app.keymap.keys_for(*c, *a), short(*a)))
        .collect();
    let hints = hints.join("  ");
    let hw = hints.chars().count() as u16;
    if area.width > x + hw + 2 {
        put(buf, area.width - hw - 1, y, &hints, hw, app.theme.dim());
    }
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
