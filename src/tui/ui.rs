//! Drawing. Everything here reads the `App` and writes cells; nothing
//! changes state. The transcript view lays out only the visible rows, so a
//! frame costs the same on a 100,000-line transcript as on a short one.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use motif_core::text::{one_line, sanitize};

use super::app::{App, Areas, MemoEditor, Pane, Popup, ViewSeg};
use super::keymap::{Action, Context};
use super::textview::{self, char_width};

fn rect((x, y, w, h): (u16, u16, u16, u16)) -> Rect {
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
    popups(f, app, area);
}

fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max: u16, style: Style) -> u16 {
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

fn pane_block<'a>(app: &App, title: String, pane: Pane) -> Block<'a> {
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

/// Codings that overlap byte range `a..b`.
fn overlapping(segs: &[ViewSeg], a: usize, b: usize) -> impl Iterator<Item = &ViewSeg> {
    segs.iter()
        .filter(move |s| s.start < b.max(a + 1) && s.end > a)
}

fn transcript_view(f: &mut Frame<'_>, app: &App, areas: &Areas) {
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
        " {}{} · {} words · {pct:.0}% coded ",
        one_line(&t.id),
        one_line(&role),
        app.current_words
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
    let visible: Vec<&ViewSeg> = overlapping(&app.segs, vis_a, vis_b).collect();
    let selection = app.selection_range().or_else(|| {
        // A char selection of one character still shows.
        app.selection
            .map(|s| (s.anchor.min(app.cursor), s.anchor.max(app.cursor)))
    });
    let speakers = &app.current_speakers;
    let theme = app.theme;
    let codes = app.book.codes();
    let buf = f.buffer_mut();
    let text_x = inner.x + areas.gutter;
    let margin_x = inner.x + inner.width.saturating_sub(areas.margin);
    for (i, row) in rows.iter().enumerate() {
        let y = inner.y + i as u16;
        if row.first {
            let n = format!("{:>4} ", row.line + 1);
            put(buf, inner.x, y, &n, areas.gutter, theme.dim());
        }
        // The speaker label of a turn starting on this line.
        let first_turn = t.turns.partition_point(|x| x.start < row.start);
        let label = t.turns[first_turn..]
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
                        .and_then(|s| speakers.iter().position(|k| k == s))
                        .unwrap_or(0),
                )
            });
        let row_segs: Vec<&&ViewSeg> = visible
            .iter()
            .filter(|s| s.start < row.end.max(row.start + 1) && s.end > row.start)
            .collect();
        let mut x = text_x;
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
                style = style.patch(theme.coded(&codes[inner_most.code_pos].color, covering.len()));
            }
            if selection.is_some_and(|(sa, sb)| b >= sa && b < sb) {
                style = style.patch(theme.selection());
            }
            if b == app.cursor && app.focus == Pane::Text {
                style = style.patch(theme.cursor());
            }
            let shown = sanitize_char(c);
            let cw = char_width(c) as u16;
            if x + cw > text_x + w as u16 {
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
        // Margin: the codes on this row, named.
        let mut on_row: Vec<usize> = row_segs.iter().map(|s| s.code_pos).collect();
        on_row.sort_unstable();
        on_row.dedup();
        if !on_row.is_empty() {
            let memo = row_segs
                .iter()
                .any(|s| s.memo && s.start >= row.start && s.start < row.end.max(row.start + 1));
            let mx = put(
                buf,
                margin_x,
                y,
                "▐",
                1,
                theme.code(&codes[on_row[0]].color),
            );
            let names: Vec<String> = on_row
                .iter()
                .map(|&p| {
                    let name = codes[p].name();
                    if areas.margin >= 12 {
                        name.to_owned()
                    } else {
                        name.chars().take(3).collect()
                    }
                })
                .collect();
            let label = format!("{}{}", if memo { "✎" } else { "" }, names.join(","));
            put(
                buf,
                mx,
                y,
                &one_line(&label),
                areas.margin.saturating_sub(1),
                theme.dim(),
            );
        }
    }
}

fn sanitize_char(c: char) -> String {
    if c == '\t' {
        " ".into()
    } else {
        sanitize(c.encode_utf8(&mut [0; 4]), false).into_owned()
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
    let (mode, keys): (String, Vec<(Context, Action)>) = match &app.popup {
        Popup::CodeKey => ("CODE".into(), vec![]),
        Popup::Picker(_) => ("PICK".into(), vec![]),
        Popup::Command { .. } => ("COMMAND".into(), vec![]),
        Popup::Search(_) => ("SEARCH".into(), vec![]),
        Popup::Memo(_) => ("MEMO".into(), vec![]),
        Popup::List { .. } | Popup::Help { .. } => ("LIST".into(), vec![]),
        Popup::Stats(_) => ("STATS".into(), vec![]),
        Popup::Agreement { .. } => ("AGREE".into(), vec![]),
        Popup::None => match (app.focus, app.selection) {
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
            "{l1}–{l2} · {} words",
            motif_core::text::word_count(&t.text[s..e])
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

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10);
    let h = h.min(area.height.saturating_sub(2)).max(3);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn popups(f: &mut Frame<'_>, app: &App, area: Rect) {
    match &app.popup {
        Popup::None => {}
        Popup::Help { scroll } => {
            let mut lines: Vec<Line<'_>> = Vec::new();
            for (title, rows) in app.keymap.help_lines() {
                lines.push(Line::from(Span::styled(title, app.theme.accent())));
                for (keys, desc) in rows {
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!("  {keys:<16}"),
                            app.theme.accent().remove_modifier(Modifier::BOLD),
                        ),
                        Span::raw(desc),
                    ]));
                }
                lines.push(Line::default());
            }
            lines.push(Line::from(Span::styled(
                "Code keys: after c, press a code's key (codebook pane); Tab opens the picker.",
                app.theme.dim(),
            )));
            lines.push(Line::from(Span::styled(":open :goto :select :code :uncode :search :undo :redo :memo :export frequencies :q", app.theme.dim())));
            let r = centered(area, 86, area.height.saturating_sub(2));
            f.render_widget(Clear, r);
            let p = Paragraph::new(lines)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Keys · j/k scroll · any other key closes "),
                )
                .scroll((u16::try_from(*scroll).unwrap_or(u16::MAX), 0));
            f.render_widget(p, r);
        }
        Popup::CodeKey => {
            let keys: Vec<String> = app
                .book
                .codes()
                .iter()
                .filter_map(|c| {
                    c.key
                        .map(|k| format!("{} {}", one_line(&k.to_string()), c.name()))
                })
                .collect();
            let text = format!(
                "press a code's key: {} · Tab: picker · Esc: cancel",
                keys.join(" · ")
            );
            let r = Rect::new(0, area.height.saturating_sub(4), area.width, 3);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(one_line(&text))
                    .wrap(Wrap { trim: true })
                    .block(Block::default().borders(Borders::TOP).title(" code ")),
                r,
            );
        }
        Popup::Picker(p) => {
            let matches = app.picker_matches(&p.input.text);
            let r = centered(area, 60, 16);
            f.render_widget(Clear, r);
            let title = if p.recode.is_some() {
                " re-code as… "
            } else {
                " code as… (type to filter) "
            };
            let block = Block::default().borders(Borders::ALL).title(title);
            let inner = block.inner(r);
            f.render_widget(block, r);
            let buf = f.buffer_mut();
            put(
                buf,
                inner.x,
                inner.y,
                &format!("> {}", one_line(&p.input.text)),
                inner.width,
                app.theme.accent(),
            );
            let mut rows: Vec<(String, Style)> = matches
                .iter()
                .map(|&i| {
                    let c = &app.book.codes()[i];
                    let key = c.key.map(|k| format!("[{k}] ")).unwrap_or_default();
                    (
                        one_line(&format!(
                            "{key}{}  ({})",
                            c.path,
                            app.counts.get(i).copied().unwrap_or(0)
                        )),
                        app.theme.code(&c.color),
                    )
                })
                .collect();
            let q = p.input.text.trim();
            if !q.is_empty() && app.book.by_path(q).is_none() {
                rows.push((
                    format!("+ create code `{}`", one_line(q)),
                    app.theme.accent(),
                ));
            }
            let selected = p.selected.min(rows.len().saturating_sub(1));
            for (i, (text, style)) in rows
                .iter()
                .enumerate()
                .take(usize::from(inner.height.saturating_sub(1)))
            {
                let st = if i == selected {
                    app.theme.list_selected()
                } else {
                    *style
                };
                put(buf, inner.x, inner.y + 1 + i as u16, text, inner.width, st);
            }
            f.set_cursor_position(Position::new(
                inner.x
                    + 2
                    + p.input.text[..p.input.cursor]
                        .chars()
                        .map(char_width)
                        .sum::<usize>() as u16,
                inner.y,
            ));
        }
        Popup::Command {
            input, completions, ..
        } => line_popup(f, app, area, ":", input, completions),
        Popup::Search(input) => line_popup(f, app, area, "/", input, &[]),
        Popup::Memo(ed) => memo_popup(f, app, ed, area),
        Popup::Stats(st) => stats_popup(f, app, st, area),
        Popup::Agreement {
            coders,
            rows,
            selected,
        } => {
            let r = centered(
                area,
                area.width.saturating_sub(4),
                area.height.saturating_sub(2),
            );
            f.render_widget(Clear, r);
            let keys: Vec<String> = coders
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} {}", i + 1, one_line(c)))
                .collect();
            let title = format!(
                " {} disagreement(s) · enter shows · adopt: {} · b both · 0 neither · esc ",
                rows.len(),
                keys.join(" · ")
            );
            let block = Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, app.theme.accent()));
            let inner = block.inner(r);
            f.render_widget(block, r);
            let h = usize::from(inner.height / 3).max(1);
            let first = selected.saturating_sub(h - 1);
            let buf = f.buffer_mut();
            for (row, (i, d)) in rows.iter().enumerate().skip(first).take(h).enumerate() {
                let y = inner.y + (row * 3) as u16;
                let st = if i == *selected {
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
            if rows.is_empty() {
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
        Popup::List {
            title,
            items,
            selected,
        } => {
            let r = centered(
                area,
                area.width.saturating_sub(6),
                area.height.saturating_sub(4),
            );
            f.render_widget(Clear, r);
            let block = Block::default().borders(Borders::ALL).title(format!(
                " {} · {} · enter jumps · esc closes ",
                one_line(title),
                items.len()
            ));
            let inner = block.inner(r);
            f.render_widget(block, r);
            let h = usize::from(inner.height / 2).max(1);
            let first = selected.saturating_sub(h - 1);
            let buf = f.buffer_mut();
            for (row, (i, item)) in items.iter().enumerate().skip(first).take(h).enumerate() {
                let y = inner.y + (row * 2) as u16;
                let st = if i == *selected {
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
            if items.is_empty() {
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
}

fn line_popup(
    f: &mut Frame<'_>,
    app: &App,
    area: Rect,
    prefix: &str,
    input: &super::app::LineInput,
    completions: &[String],
) {
    let y = area.height.saturating_sub(1);
    let r = Rect::new(0, y, area.width, 1);
    f.render_widget(Clear, r);
    let buf = f.buffer_mut();
    let x = put(buf, 0, y, prefix, 1, app.theme.accent());
    put(
        buf,
        x,
        y,
        &one_line(&input.text),
        area.width.saturating_sub(1),
        app.theme.text(),
    );
    if completions.len() > 1 {
        let list = one_line(&completions.join("  "));
        let r = Rect::new(0, y.saturating_sub(1), area.width, 1);
        f.render_widget(Clear, r);
        put(
            f.buffer_mut(),
            0,
            y.saturating_sub(1),
            &list,
            area.width,
            app.theme.dim(),
        );
    }
    let cx = input.text[..input.cursor]
        .chars()
        .map(char_width)
        .sum::<usize>() as u16;
    f.set_cursor_position(Position::new(1 + cx, y));
}

fn stats_popup(f: &mut Frame<'_>, app: &App, st: &super::app::Stats, area: Rect) {
    use super::app::StatsTab;
    let r = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    f.render_widget(Clear, r);
    let tabs = match st.tab {
        StatsTab::Frequencies => "[frequencies]  co-occurrence  code × attribute",
        StatsTab::Cooccurrence => " frequencies  [co-occurrence]  code × attribute",
        StatsTab::Matrix => " frequencies  co-occurrence  [code × attribute]",
    };
    let coder = st.coder.clone().unwrap_or_else(|| "every coder".into());
    let title = format!(
        " {tabs} · {} · c coder · s sort · tab view · enter segments · esc ",
        one_line(&coder)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, app.theme.accent()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let codes = app.book.codes();
    let buf = f.buffer_mut();
    let h = usize::from(inner.height);
    match st.tab {
        StatsTab::Frequencies => {
            let max = st.freq.iter().map(|r| r.1).max().unwrap_or(0).max(1);
            let name_w = 26u16.min(inner.width / 3);
            let bar_w = usize::from(inner.width.saturating_sub(name_w + 8));
            let sel = st.row.min(st.freq.len().saturating_sub(1));
            let first = sel.saturating_sub(h.saturating_sub(1));
            for (i, (pos, n, _)) in st.freq.iter().enumerate().skip(first).take(h) {
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
        StatsTab::Cooccurrence => {
            let n = st.co_pos.len();
            let label_w = 14u16;
            let cell = 5u16;
            let (row, col) = (
                st.row.min(n.saturating_sub(1)),
                st.col.min(n.saturating_sub(1)),
            );
            let cols = usize::from(inner.width.saturating_sub(label_w) / cell).max(1);
            let col0 = col.saturating_sub(cols - 1);
            let rows = h.saturating_sub(1).max(1);
            let row0 = row.saturating_sub(rows - 1);
            for (j, &p) in st.co_pos.iter().enumerate().skip(col0).take(cols) {
                let abbr: String = codes[p].name().chars().take(4).collect();
                put(
                    buf,
                    inner.x + label_w + (j - col0) as u16 * cell,
                    inner.y,
                    &one_line(&abbr),
                    cell,
                    app.theme.dim(),
                );
            }
            let max = st
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
            for (i, &p) in st.co_pos.iter().enumerate().skip(row0).take(rows) {
                let y = inner.y + 1 + (i - row0) as u16;
                put(
                    buf,
                    inner.x,
                    y,
                    &one_line(codes[p].name()),
                    label_w - 1,
                    if i == row {
                        app.theme.accent()
                    } else {
                        app.theme.text()
                    },
                );
                for j in (col0..n).take(cols) {
                    let v = st.co[i][j];
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
        StatsTab::Matrix => {
            let label_w = 22u16;
            let cell = 14u16;
            let cols = usize::from(inner.width.saturating_sub(label_w) / cell).max(1);
            let col = st.col.min(st.columns.len().saturating_sub(1));
            let col0 = col.saturating_sub(cols - 1);
            put(
                buf,
                inner.x,
                inner.y,
                &format!("code × {}", one_line(&st.by)),
                label_w,
                app.theme.dim(),
            );
            for (j, c) in st.columns.iter().enumerate().skip(col0).take(cols) {
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
            let row = st.row.min(st.mx.len().saturating_sub(1));
            let row0 = row.saturating_sub(rows - 1);
            for (i, (p, counts)) in st.mx.iter().enumerate().skip(row0).take(rows) {
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
}

fn memo_popup(f: &mut Frame<'_>, app: &App, ed: &MemoEditor, area: Rect) {
    let r = centered(area, 70, 14);
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} · ctrl-s saves · esc discards ",
        one_line(&ed.title)
    ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let h = usize::from(inner.height);
    let first = ed.row.saturating_sub(h.saturating_sub(1));
    let buf = f.buffer_mut();
    for (i, line) in ed.lines.iter().enumerate().skip(first).take(h) {
        put(
            buf,
            inner.x,
            inner.y + (i - first) as u16,
            &one_line(line),
            inner.width,
            app.theme.text(),
        );
    }
    let cx = ed.lines[ed.row][..ed.col]
        .chars()
        .map(char_width)
        .sum::<usize>() as u16;
    f.set_cursor_position(Position::new(
        (inner.x + cx).min(inner.x + inner.width.saturating_sub(1)),
        inner.y + (ed.row - first) as u16,
    ));
}
