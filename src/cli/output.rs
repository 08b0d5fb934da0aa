//! Writing to the terminal: stdout that exits quietly on a broken pipe
//! (or to `-o FILE`, atomically),
//! colour that honours `NO_COLOR` and `--color`, aligned tables, and a
//! progress line on stderr when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;

use unicode_width::UnicodeWidthStr;

use motif_core::text::one_line;

use super::Ctx;
use super::args::ColorChoice;
use motif_core::fsio::atomic_write;

/// Writes to stdout; a closed pipe (`motif … | head`) ends the process
/// quietly with success.
pub fn emit(text: &str) {
    emit_with(|out| out.write_all(text.as_bytes()));
}

/// Streams what `write` writes to stdout (buffered), with [`emit`]'s
/// handling of a closed pipe: a large output is never held whole.
pub fn emit_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if let Err(e) = write(&mut out).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("motif: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// [`emit`] for the report of a change already saved: if stdout cannot
/// take it (a full disk, `> /dev/full`), the error says the change itself
/// is saved, so nobody redoes it (exit status 1: the output failed).
/// The report is for a person: whatever it quotes (code names, ids) has
/// its control characters and bidi overrides neutralized.
pub fn emit_saved(text: &str) {
    let text = motif_core::text::sanitize(text, true);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("motif: the change is saved, but its report could not be written: {e}");
        std::process::exit(1);
    }
}

/// `line 12` or `lines 12-14`: where a span lies, as messages say it.
pub fn lines_label(first: usize, last: usize) -> String {
    if first == last {
        format!("line {first}")
    } else {
        format!("lines {first}-{last}")
    }
}

/// A value as pretty JSON with a final newline (the `--json` forms).
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(motif_core::export::json_document(value)?)
}

/// Writes `text` to `-o FILE` (atomically) or stdout.
pub fn deliver(ctx: &Ctx, text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    deliver_with(ctx, output, |out| out.write_all(text.as_bytes()))
}

/// Writes what `write` writes to `-o FILE` (atomically, once it is all
/// written) or streams it to stdout.
pub fn deliver_with(
    ctx: &Ctx,
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    // `-o -` is stdout, as for most tools.
    let Some(path) = output.filter(|p| *p != Path::new("-")) else {
        emit_with(write);
        return Ok(());
    };
    let project = ctx.project()?;
    project.check_output(path)?;
    let mut bytes = Vec::new();
    write(&mut bytes)?;
    atomic_write(path, &bytes)?;
    ctx.notice(&format!("wrote {}", path.display()));
    Ok(())
}

/// Terminal styling decisions.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour for stdout per `--color` and `NO_COLOR`.
    pub fn new(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Style { color }
    }

    /// Bold text.
    pub fn bold(self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    /// Dim text.
    pub fn dim(self, s: &str) -> String {
        if self.color {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    /// Text in a `#rrggbb` colour.
    pub fn rgb(self, s: &str, hex: &str) -> String {
        let parse =
            |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("ff"), 16).unwrap_or(255);
        if self.color && hex.len() == 7 {
            format!(
                "\x1b[38;2;{};{};{}m{s}\x1b[0m",
                parse(1),
                parse(3),
                parse(5)
            )
        } else {
            s.to_owned()
        }
    }
}

/// Display width of text as a terminal shows it.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Pads `s` on the right to `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    if n >= w {
        s.to_owned()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Pads `s` on the left to `w` columns.
pub fn lpad(s: &str, w: usize) -> String {
    let n = width(s);
    if n >= w {
        s.to_owned()
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

/// Cuts `s` to at most `w` columns, ending with `…` when cut.
pub fn clip(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// A table of plain cells (already sanitized), aligned per column;
/// `right` marks right-aligned columns.
pub fn table(header: &[&str], rows: &[Vec<String>], right: &[bool], style: Style) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right.get(i).copied().unwrap_or(false) {
                    lpad(c, widths[i])
                } else if i + 1 == cols {
                    c.clone()
                } else {
                    pad(c, widths[i])
                }
            })
            .collect();
        parts.join("  ").trim_end().to_owned()
    };
    let mut out = style.bold(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push('\n');
    }
    out
}

/// A thousands-separated number (`12,345`).
pub fn num(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Progress on stderr for long work, shown only on a terminal.
pub struct Progress {
    enabled: bool,
    label: String,
    total: usize,
}

impl Progress {
    /// A progress line for `total` steps of `label`.
    pub fn new(label: &str, total: usize, quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && total > 1 && std::io::stderr().is_terminal(),
            label: label.to_owned(),
            total,
        }
    }

    /// Shows step `done` of the total with the item's name.
    pub fn step(&self, done: usize, item: &str) {
        if self.enabled {
            let bar_w = 24;
            let filled = bar_w * done / self.total.max(1);
            eprint!(
                "\r\x1b[2K{} [{}{}] {done}/{} {}",
                self.label,
                "█".repeat(filled),
                "░".repeat(bar_w - filled),
                self.total,
                clip(&one_line(item), 40)
            );
        }
    }

    /// Clears the progress line.
    pub fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}
