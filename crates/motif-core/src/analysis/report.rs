//! The HTML quote report (`motif segments --html`): one self-contained page
//! to send to a co-author — the codebook with its definitions, a bar chart
//! of the codes' frequencies, and every quote grouped by code with its
//! transcript, speaker, lines, coder and memo.
//!
//! The page loads nothing: the CSS is inline, the chart is made of CSS
//! bars, there is no script, and a Content-Security-Policy forbids any
//! other source. Links only jump within the page (`#code-N`). Every piece
//! of project text (codes, definitions, quotes, memos, names) is
//! HTML-escaped after control characters are neutralized, and colours are
//! written only when they are `#rrggbb`.

use rustc_hash::FxHashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::codebook::{Code, Codebook};
use crate::export::{Grouped, Rows, SegmentRow, grouped};
use crate::ordered::write_in_order;
use crate::text::{replaced_at, sanitize};

/// What the report is about, for its heading.
#[derive(Debug, Clone, Default)]
pub struct ReportMeta {
    pub project: String,
    pub generated_at: String,
    /// The selection in one line (empty: everything).
    pub selection: String,
}

/// Escapes text for HTML content and attribute values, after neutralizing
/// control characters.
pub fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 16);
    escape_into(&mut out, text);
    String::from_utf8(out).expect("escaped text is UTF-8")
}

/// [`escape`] written at the end of `out`, in one pass over `text`.
pub fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            b' '..=b'~' => continue,
            _ if replaced_at(bytes, i, true) => {
                // A control character (rare): the rest, neutralized (so
                // that this never recurses twice).
                return escape_into(out, &sanitize(&text[last..], true));
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(entity);
        last = i + 1;
    }
    out.extend_from_slice(&bytes[last..]);
}

/// A code's colour if it is a plain `#rrggbb`, else a neutral grey.
fn color(code: &Code) -> &str {
    let ok = code.color.len() == 7
        && code.color.starts_with('#')
        && code.color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok { &code.color } else { "#888888" }
}

const STYLE: &str = r"
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --bg-quote: #f6f6f8; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif; color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.35rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin: 1.8rem 0 .3rem; }
.meta, figcaption, .muted { color: var(--muted); font-size: .9rem; }
nav a, h3 a, td a { color: inherit; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .4em; vertical-align: baseline; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--rule); }
td.n, th.n { text-align: right; white-space: nowrap; }
td p { margin: 0 0 .3rem; }
.chart { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr max-content; gap: .25rem .6rem; align-items: center; }
.track { background: #eeeef1; height: 1.1rem; border-radius: 2px; }
.bar { display: block; height: 100%; border-radius: 2px; min-width: 1px; }
figure.quote { margin: .8rem 0 1.1rem; }
blockquote { margin: 0; padding: .5rem .8rem; background: var(--bg-quote); border-left: 4px solid var(--c, #888888); white-space: pre-wrap; overflow-wrap: anywhere; }
figcaption { margin-top: .25rem; }
.memo { margin: .2rem 0 0; font-size: .9rem; }
@media print { body { margin: 0; max-width: none; } figure.quote { break-inside: avoid; } .track { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
";

/// Writes the whole page. `codes` are the codebook positions in scope
/// (the codebook and chart list them; quotes appear under the code they
/// were coded with, for codes in scope).
pub fn write_html<R: Rows + ?Sized>(
    meta: &ReportMeta,
    book: &Codebook,
    codes: &[usize],
    rows: &R,
    out: &mut dyn Write,
) -> io::Result<()> {
    let all = book.codes();
    let in_scope: Vec<(usize, &Code)> = codes.iter().map(|&p| (p, &all[p])).collect();
    let paths: Vec<&str> = in_scope.iter().map(|(_, c)| c.path.as_str()).collect();
    let grouped = grouped(rows, &paths);
    let counts = quote_counts(rows, &grouped);
    let n_rows = rows.count();
    let transcripts: FxHashSet<&str> = (0..n_rows).map(|i| rows.transcript(i)).collect();

    let mut h = String::with_capacity(4096 + 300 * in_scope.len());
    write_head(&mut h, meta, n_rows, in_scope.len(), transcripts.len());
    write_codebook(&mut h, &in_scope, &counts);
    write_chart(&mut h, &in_scope, &counts);

    // Every quote, grouped by code.
    h.push_str("<section id=\"quotes\">\n<h2>Quotes</h2>\n");
    if n_rows == 0 {
        h.push_str("<p class=\"muted\">No coded segments match the selection.</p>\n");
    }
    out.write_all(h.as_bytes())?;
    write_in_order(grouped.order.len(), out, |range, buf| {
        for k in range {
            let (g, i) = grouped.order[k];
            if grouped.starts_group(k) {
                if k > 0 {
                    buf.extend_from_slice(b"</section>\n");
                }
                let (pos, c) = in_scope[g];
                write_code_heading(buf, pos, c, counts[g].0);
            }
            write_quote(buf, &rows.row_at(i, grouped.located[i]));
        }
    })?;
    if !grouped.order.is_empty() {
        out.write_all(b"</section>\n")?;
    }
    out.write_all(b"</section>\n<footer class=\"meta\"><p>Made with motif. Offsets and lines refer to the normalized transcripts.</p></footer>\n</body>\n</html>\n")
}

/// Quotes and transcripts per code in scope, by group of `grouped`.
fn quote_counts<R: Rows + ?Sized>(rows: &R, grouped: &Grouped<'_>) -> Vec<(usize, usize)> {
    let mut counts: Vec<(usize, usize)> = grouped.sizes.iter().map(|&n| (n, 0)).collect();
    let mut seen = FxHashSet::default();
    for (k, &(g, i)) in grouped.order.iter().enumerate() {
        if grouped.starts_group(k) {
            seen.clear();
        }
        if seen.insert(rows.transcript(i)) {
            counts[g].1 += 1;
        }
    }
    counts
}

/// The page's head, title, one-line summary and navigation.
fn write_head(
    h: &mut String,
    meta: &ReportMeta,
    n_rows: usize,
    n_codes: usize,
    n_transcripts: usize,
) {
    let title = format!("Coded segments — {}", meta.project);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    h.push_str("<meta name=\"generator\" content=\"motif\">\n");
    let _ = writeln!(h, "<title>{}</title>", escape(&title));
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", escape(&title));
    let _ = write!(
        h,
        "<p class=\"meta\">{} quote{} · {} code{} · {} transcript{} · generated {}",
        n_rows,
        plural(n_rows),
        n_codes,
        plural(n_codes),
        n_transcripts,
        plural(n_transcripts),
        escape(&meta.generated_at)
    );
    if !meta.selection.is_empty() {
        let _ = write!(h, " · selection: {}", escape(&meta.selection));
    }
    h.push_str("</p>\n");
    h.push_str("<nav class=\"meta\"><a href=\"#codebook\">Codebook</a> · <a href=\"#frequencies\">Frequencies</a> · <a href=\"#quotes\">Quotes</a></nav>\n</header>\n");
}

/// The codebook section: a row per code in scope with its definition and
/// number of quotes (`counts`, by code in scope).
fn write_codebook(h: &mut String, in_scope: &[(usize, &Code)], counts: &[(usize, usize)]) {
    h.push_str("<section id=\"codebook\">\n<h2>Codebook</h2>\n<table>\n<thead><tr><th>Code</th><th>Definition</th><th class=\"n\">Quotes</th></tr></thead>\n<tbody>\n");
    for ((pos, c), (n, _)) in in_scope.iter().zip(counts) {
        let _ = write!(
            h,
            "<tr><td style=\"padding-left:{:.1}rem\"><span class=\"swatch\" style=\"background:{}\"></span>",
            0.5 + 1.2 * c.depth() as f64,
            color(c)
        );
        if *n > 0 {
            let _ = write!(h, "<a href=\"#code-{pos}\">{}</a>", escape(&c.path));
        } else {
            h.push_str(&escape(&c.path));
        }
        h.push_str("</td><td>");
        if c.description.trim().is_empty() {
            h.push_str("<p class=\"muted\">(no definition yet)</p>");
        } else {
            let _ = write!(h, "<p>{}</p>", escape(&c.description));
        }
        for (label, v) in [
            ("Include", &c.include),
            ("Exclude", &c.exclude),
            ("Example", &c.example),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                let _ = write!(h, "<p><b>{label}:</b> {}</p>", escape(v));
            }
        }
        let _ = writeln!(h, "</td><td class=\"n\">{n}</td></tr>");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

/// The frequency chart: a CSS bar per code in scope, scaled to the largest
/// number of quotes, with its quotes and transcripts (`counts`).
fn write_chart(h: &mut String, in_scope: &[(usize, &Code)], counts: &[(usize, usize)]) {
    let max = counts.iter().map(|c| c.0).max().unwrap_or(0).max(1);
    h.push_str("<section id=\"frequencies\">\n<h2>Frequencies</h2>\n");
    h.push_str("<p class=\"meta\">Quotes per code (exactly that code, every coder in the selection), and the transcripts they come from.</p>\n");
    h.push_str("<div class=\"chart\">\n");
    for ((_, c), (n, ts)) in in_scope.iter().zip(counts) {
        let pct = 100.0 * *n as f64 / max as f64;
        let _ = writeln!(
            h,
            "<span>{}</span><span class=\"track\"><span class=\"bar\" style=\"width:{pct:.1}%;background:{}\"></span></span><span class=\"n\">{n} · {ts} transcript{}</span>",
            escape(&c.path),
            color(c),
            plural(*ts)
        );
    }
    h.push_str("</div>\n</section>\n");
}

/// Opens the section of code `c` (codebook position `pos`, `n` quotes) in
/// the quotes: its heading and definition.
fn write_code_heading(buf: &mut Vec<u8>, pos: usize, c: &Code, n: usize) {
    let _ = writeln!(
        buf,
        "<section class=\"code\" id=\"code-{pos}\" style=\"--c:{}\">\n<h3><span class=\"swatch\" style=\"background:{}\"></span>{} <span class=\"muted\">({})</span></h3>",
        color(c),
        color(c),
        escape(&c.path),
        n
    );
    if !c.description.trim().is_empty() {
        let _ = writeln!(buf, "<p class=\"muted\">{}</p>", escape(&c.description));
    }
}

/// One quote: its text, then a caption with transcript, speaker, time, lines and
/// coder, and its memo when it has one.
fn write_quote(buf: &mut Vec<u8>, r: &SegmentRow<'_>) {
    buf.extend_from_slice(b"<figure class=\"quote\"><blockquote>");
    escape_into(buf, r.text);
    buf.extend_from_slice(b"</blockquote><figcaption>");
    escape_into(buf, r.transcript);
    if let Some(s) = r.speaker {
        buf.extend_from_slice(" · ".as_bytes());
        escape_into(buf, s);
    }
    if let Some(t) = r.time {
        buf.extend_from_slice(" · <time>".as_bytes());
        escape_into(buf, t);
        buf.extend_from_slice(b"</time>");
    }
    let _ = write!(buf, " · {} · coded by ", r.lines_label());
    escape_into(buf, r.coder);
    buf.extend_from_slice(b"</figcaption>");
    if let Some(m) = r.memo.filter(|m| !m.trim().is_empty()) {
        buf.extend_from_slice(b"<p class=\"memo\"><b>Memo:</b> ");
        escape_into(buf, m);
        buf.extend_from_slice(b"</p>");
    }
    buf.extend_from_slice(b"</figure>\n");
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{1b}[31m"), "a\u{241b}[31m");
        assert_eq!(escape("line\nnext 北京 🚀"), "line\nnext 北京 🚀");
        assert_eq!(
            escape("x & \u{1b} <\u{202E}>"),
            "x &amp; \u{241b} &lt;\u{fffd}&gt;"
        );
    }

    proptest::proptest! {
        /// One pass does what neutralizing and then escaping would.
        #[test]
        fn escaping_is_sanitizing_then_replacing(s in "[a <>&\"'\n\t\u{1b}\u{7f}\u{85}\u{202e}\u{2066}é北🚀—·]{0,40}") {
            let want = sanitize(&s, true)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            proptest::prop_assert_eq!(escape(&s), want);
        }
    }
}
