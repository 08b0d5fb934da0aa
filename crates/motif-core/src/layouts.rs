//! Vendor transcript layouts → motif's canonical form.
//!
//! Transcription services and QDA tools each write speakers and times
//! their own way. At import, [`canonical`] rewrites the layouts it
//! recognises into the one form the loader's turn detection
//! ([`crate::transcript::detect_turns`]) reads — `[hh:mm:ss] NAME: text`
//! (or `NAME: text` without a time) at the start of a turn's first line —
//! so that a stored transcript is plain text that reads the same way on
//! every load, and detection at load stays one cheap pass.
//!
//! Recognised (each only when it occurs on at least two lines, so one
//! odd line of prose is never taken for a layout):
//!
//! - a heading line with the speaker and a time, the turn's text on the
//!   next line: `Speaker 1  0:03` (Otter, Teams), `Name (00:00:02):` (Rev,
//!   Temi), `Name [00:00:02]`, `[Name] 10:15:32` (Zoom), `00:00:05 Name` or
//!   `[00:00:05] Name` (`NVivo` transcription, Trint);
//! - inline: `Name (00:00:02): text` (Rev), `Name [00:00:02]: text`,
//!   `Name: [00:00:02] text` (Sonix), `[Name] text`;
//! - a timestamp alone on the line above a turn (`[00:00:28:53]`, NASA's
//!   mission transcripts; `00:01:02` with Descript and Trint paragraphs);
//! - MAXQDA/f4 stamps `#00:01:02-3#`, which mark where a paragraph ends:
//!   they are removed and each turn gets the time it starts (the stamp
//!   before it; the first turn starts at 00:00:00).
//!
//! Also dropped: Otter's `Transcribed by https://otter.ai` footer and the
//! `_page : N` markers of the NASA transcripts. Text that matches no
//! layout is returned unchanged; the output of [`canonical`] is a fixed
//! point of it (importing an imported transcript changes nothing).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

/// A timestamp as the layouts write it: `m:ss`, `hh:mm:ss`, `dd:hh:mm:ss`,
/// optionally with a fraction.
const TS: &str = r"\d{1,3}(?::\d{2}){1,3}(?:[.,]\d{1,3})?";
/// A speaker name as the loader reads a label (see `transcript.rs`).
const NAME: &str = r"\p{L}[\p{L}\p{M}\p{N} .'’_-]{0,38}[\p{L}\p{M}\p{N}.]|\p{L}";

static HEADING: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Otter / Teams: name, two or more spaces (or a tab), time.
        format!(r"^(?P<name>{NAME})(?:[ ]{{2,}}|\t)[ \t]*(?P<time>{TS})$"),
        // Rev / Temi / Descript: name (time) or name [time], maybe a colon.
        format!(r"^(?P<name>{NAME})[ \t]+[(\[](?P<time>{TS})[)\]]:?$"),
        // Zoom captions: [name] time.
        format!(r"^\[(?P<name>{NAME})\][ \t]+(?P<time>{TS})$"),
        // NVivo transcription, Trint: time then name.
        format!(r"^\[?(?P<time>{TS})\]?[ \t]+(?P<name>{NAME})$"),
    ]
    .iter()
    .map(|r| Regex::new(r).expect("heading regex"))
    .collect()
});

static INLINE_TIMED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        format!(r"^(?P<name>{NAME})[ \t]+[(\[](?P<time>{TS})[)\]]:[ \t]+(?P<body>\S.*)$"),
        format!(r"^(?P<name>{NAME}):[ \t]+[(\[](?P<time>{TS})[)\]][ \t]+(?P<body>\S.*)$"),
    ]
    .iter()
    .map(|r| Regex::new(r).expect("inline regex"))
    .collect()
});

static BRACKET_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^\[(?P<name>{NAME})\][ \t]+(?P<body>\S.*)$")).expect("bracket regex")
});

static STAMP_ALONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\[?(?P<time>{TS})\]?$")).expect("stamp regex"));

static F4_STAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[ \t]*#(\d{1,2}:\d{2}:\d{2})(?:[-.,]\d{1,3})?#[ \t]*").expect("f4 regex")
});

/// The text in canonical form, and the layout that was read (`None`: the
/// text had none to rewrite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    pub text: String,
    pub layout: Option<&'static str>,
}

/// What one line is, for the layouts that look at lines one by one.
#[derive(Debug, Clone)]
enum Line {
    /// A heading: speaker and time; the turn's text is on the next line.
    Heading {
        name: String,
        time: String,
    },
    /// A speaker, maybe a time, and what was said, on one line.
    Inline {
        name: String,
        time: Option<String>,
        body_at: usize,
    },
    /// A timestamp alone.
    Stamp(String),
    /// A line to drop (a footer, a page marker).
    Drop,
    Other,
}

/// Rewrites the vendor layouts of `text` (normalized: `\n` line ends)
/// into motif's canonical form (see the module doc).
pub fn canonical(text: &str) -> Canonical {
    let (text, f4) = f4_stamps(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let kinds: Vec<Line> = lines.iter().map(|l| classify(l.trim_end())).collect();
    let Counts {
        headings,
        timed_inline,
        stamps,
        bracket_names,
    } = count(&lines, &kinds);
    let brackets = bracket_names.values().map(|(n, _)| n).sum::<usize>();
    let drops = kinds.iter().any(|k| matches!(k, Line::Drop));
    if headings < 2 && timed_inline < 2 && stamps < 2 && brackets < 2 && !drops {
        return Canonical {
            layout: f4.then_some("MAXQDA/f4 timestamps"),
            text: text.into_owned(),
        };
    }
    let out = rewrite(
        &lines,
        &kinds,
        headings,
        timed_inline,
        stamps,
        &bracket_names,
    );
    let layout = if headings >= 2 {
        "speaker and time headings"
    } else if timed_inline >= 2 {
        "speaker (time): text"
    } else if stamps >= 2 {
        "timestamps above turns"
    } else if brackets >= 2 {
        "[speaker] text"
    } else {
        "text"
    };
    Canonical {
        text: tidy_end(out),
        layout: Some(if f4 { "MAXQDA/f4 timestamps" } else { layout }),
    }
}

/// How often each layout occurs in a text.
struct Counts {
    headings: usize,
    timed_inline: usize,
    stamps: usize,
    /// Bracket labels that recur, by lower-cased name: (lines, capital).
    bracket_names: HashMap<String, (usize, bool)>,
}

fn count(lines: &[&str], kinds: &[Line]) -> Counts {
    // Each layout counts only where it recurs.
    let mut headings = 0;
    let mut timed_inline = 0;
    let mut stamps = 0;
    // Bracket labels by name, any case: lines, and whether one is written
    // with a capital (`[laughs]` alone is no speaker).
    let mut bracket_names: HashMap<String, (usize, bool)> = HashMap::new();
    for (i, k) in kinds.iter().enumerate() {
        let next_is_text = lines
            .get(i + 1)
            .is_some_and(|n| !n.trim().is_empty() && matches!(kinds[i + 1], Line::Other));
        match k {
            Line::Heading { .. } if next_is_text => headings += 1,
            Line::Inline { time: Some(_), .. } => timed_inline += 1,
            Line::Inline {
                name, time: None, ..
            } => {
                let e = bracket_names.entry(name.to_lowercase()).or_default();
                e.0 += 1;
                e.1 |= starts_capital(name);
            }
            Line::Stamp(_) if lines.get(i + 1).is_some_and(|n| !n.trim().is_empty()) => {
                stamps += 1;
            }
            _ => {}
        }
    }
    bracket_names.retain(|_, (n, capital)| *n >= 2 && *capital);
    Counts {
        headings,
        timed_inline,
        stamps,
        bracket_names,
    }
}

/// The lines with the recurring layouts rewritten.
fn rewrite(
    lines: &[&str],
    kinds: &[Line],
    headings: usize,
    timed_inline: usize,
    stamps: usize,
    bracket_names: &HashMap<String, (usize, bool)>,
) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        match &kinds[i] {
            Line::Heading { name, time }
                if headings >= 2
                    && lines.get(i + 1).is_some_and(|n| !n.trim().is_empty())
                    && matches!(kinds[i + 1], Line::Other) =>
            {
                let _ = write!(
                    out,
                    "[{}] {name}: {}",
                    clock(time),
                    lines[i + 1].trim_start()
                );
                i += 1;
            }
            Line::Inline {
                name,
                time: Some(time),
                body_at,
            } if timed_inline >= 2 => {
                let _ = write!(out, "[{}] {name}: {}", clock(time), &line[*body_at..]);
            }
            Line::Inline {
                name,
                time: None,
                body_at,
            } if bracket_names.contains_key(&name.to_lowercase()) => {
                let _ = write!(out, "{name}: {}", &line[*body_at..]);
            }
            Line::Stamp(time)
                if stamps >= 2 && lines.get(i + 1).is_some_and(|n| !n.trim().is_empty()) =>
            {
                // The turn under the stamp, past any page markers.
                let mut j = i + 1;
                while matches!(kinds[j], Line::Drop) && j + 1 < lines.len() {
                    j += 1;
                }
                let _ = write!(out, "[{}] {}", clock(time), lines[j].trim_start());
                i = j;
            }
            Line::Drop => {
                i += 1;
                continue;
            }
            _ => out.push_str(line),
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
        i += 1;
    }
    out
}

/// One line ending, no trailing blank lines (a dropped footer leaves some).
fn tidy_end(mut s: String) -> String {
    let trimmed = s.trim_end().len();
    s.truncate(trimmed);
    s.push('\n');
    s
}

fn classify(line: &str) -> Line {
    let t = line.trim_start();
    if t.is_empty() || t.len() > 400 {
        return Line::Other;
    }
    if is_dropped(t) {
        return Line::Drop;
    }
    // Most lines hold no digit-colon-digit nor a leading bracket.
    let maybe_time = t
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b':' && w[1].is_ascii_digit());
    if maybe_time {
        if let Some(c) = STAMP_ALONE.captures(t) {
            return Line::Stamp(c["time"].to_owned());
        }
        for re in HEADING.iter() {
            if let Some(c) = re.captures(t)
                && starts_capital(&c["name"])
            {
                return Line::Heading {
                    name: c["name"].trim().to_owned(),
                    time: c["time"].to_owned(),
                };
            }
        }
        for re in INLINE_TIMED.iter() {
            if let Some(c) = re.captures(t) {
                return Line::Inline {
                    name: c["name"].trim().to_owned(),
                    time: Some(c["time"].to_owned()),
                    body_at: line.len() - t.len() + c.name("body").map_or(0, |m| m.start()),
                };
            }
        }
    }
    if t.starts_with('[')
        && let Some(c) = BRACKET_LABEL.captures(t)
    {
        return Line::Inline {
            name: c["name"].trim().to_owned(),
            time: None,
            body_at: line.len() - t.len() + c.name("body").map_or(0, |m| m.start()),
        };
    }
    Line::Other
}

/// Otter's footer and the NASA transcripts' page markers.
fn is_dropped(t: &str) -> bool {
    let lower = t.trim_end();
    lower.starts_with("Transcribed by https://otter.ai")
        || lower.starts_with("Transcribed by http://otter.ai")
        || lower
            .strip_prefix("_page : ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a name starts with a capital letter or a letter without case
/// (CJK): `[laughs]` is no speaker.
pub fn starts_capital(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || (c.is_alphabetic() && !c.is_lowercase()))
}

/// A written time as `hh:mm:ss` (hours past 99 keep their digits); a
/// time that cannot be read is kept as written.
pub fn clock(time: &str) -> String {
    match seconds(time) {
        Some(s) => {
            let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
            format!("{h:02}:{m:02}:{s:02}")
        }
        None => time.to_owned(),
    }
}

/// Whole seconds of `m:ss`, `h:mm:ss` or `d:hh:mm:ss`, with an optional
/// fraction; minutes and seconds must be below 60, hours of a four-part
/// time below 24.
pub fn seconds(time: &str) -> Option<u64> {
    let whole = time.split(['.', ',', '-']).next()?;
    let nums: Vec<u64> = whole
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (d, h, m, s) = match *nums.as_slice() {
        [m, s] => (0, 0, m, s),
        [h, m, s] => (0, h, m, s),
        [d, h, m, s] if h < 24 => (d, h, m, s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    d.checked_mul(86_400)?
        .checked_add(h.checked_mul(3600)?)?
        .checked_add(m * 60 + s)
}

/// MAXQDA/f4 stamps (`#00:01:02-3#`): removed, and each line that starts
/// a paragraph after one gets its time in front. Returns the text
/// unchanged (borrowed) when it has fewer than two stamps.
fn f4_stamps(text: &str) -> (std::borrow::Cow<'_, str>, bool) {
    if !text.contains('#') || F4_STAMP.find_iter(text).take(2).count() < 2 {
        return (std::borrow::Cow::Borrowed(text), false);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending: Option<String> = Some("00:00:00".to_owned());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let starts = F4_STAMP
            .find(line)
            .filter(|m| m.start() == 0)
            .map(|m| m.end());
        let mut rest = line;
        if let Some(end) = starts {
            pending = F4_STAMP.captures(line).map(|c| c[1].to_owned()).or(pending);
            rest = &line[end..];
        }
        let last = F4_STAMP.captures_iter(rest).last().map(|c| c[1].to_owned());
        let clean = F4_STAMP.replace_all(rest, " ");
        let clean = clean.trim();
        if !clean.is_empty() {
            if let Some(t) = pending.take() {
                let _ = write!(out, "[{t}] ");
            }
            out.push_str(clean);
        }
        if last.is_some() {
            pending = last;
        }
    }
    (std::borrow::Cow::Owned(out), true)
}

/// Hard-wrapped prose joined into paragraphs (`import --reflow`): the
/// lines of each block (blocks are separated by blank lines) become one
/// line, except that a line starting a turn (`NAME:` or a timestamp at
/// its start) starts a new line.
pub fn reflow(text: &str) -> String {
    static TURN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"^(?:\[?{TS}\]?[ \t]|(?:{NAME})[ \t]*:[ \t])")).expect("turn regex")
    });
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            if in_block {
                out.push('\n');
            }
            out.push('\n');
            in_block = false;
            continue;
        }
        if in_block {
            if TURN.is_match(t) {
                out.push('\n');
            } else {
                out.push(' ');
            }
        }
        out.push_str(if in_block { t } else { line.trim_end() });
        in_block = true;
    }
    tidy_end(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        canonical(s).text
    }

    #[test]
    fn otter_headings_and_footer() {
        let otter = "Speaker 1  0:03\nHello and welcome.\n\nAna Lima  1:02:07\nThanks.\nMore.\n\nTranscribed by https://otter.ai\n";
        let c = canonical(otter);
        assert_eq!(
            c.text,
            "[00:00:03] Speaker 1: Hello and welcome.\n\n[01:02:07] Ana Lima: Thanks.\nMore.\n"
        );
        assert_eq!(canonical(&c.text).text, c.text, "a fixed point");
    }

    #[test]
    fn rev_inline_and_own_line() {
        assert_eq!(
            conv("Ana (00:00:02): Hi.\n\nBen (00:01:10): Yo.\n"),
            "[00:00:02] Ana: Hi.\n\n[00:01:10] Ben: Yo.\n"
        );
        assert_eq!(
            conv("Ana (00:02):\nHi.\n\nBen (01:10):\nYo.\n"),
            "[00:00:02] Ana: Hi.\n\n[00:01:10] Ben: Yo.\n"
        );
    }

    #[test]
    fn bracket_labels_need_a_capital_and_recurrence() {
        assert_eq!(
            conv("[Ana] Hi.\n[laughs] ok\n[Ben] Yo.\n[ana] again\n"),
            "Ana: Hi.\n[laughs] ok\n[Ben] Yo.\nana: again\n"
        );
        let once = "[Note] one line of prose\n";
        assert_eq!(conv(once), once);
    }

    #[test]
    fn stamps_above_turns_and_page_markers() {
        let s = "[00:00:28:53]\n_page : 1\nLMP: How?\n\n[00:00:29:00]\nCDR: Well.\n_page : 2\n\n[1:00:00:01]\nCC: Go.\n";
        assert_eq!(
            conv(s),
            "[00:28:53] LMP: How?\n\n[00:29:00] CDR: Well.\n\n[24:00:01] CC: Go.\n"
        );
    }

    #[test]
    fn f4_stamps_mark_paragraph_ends() {
        let s =
            "I: Wie war das? #00:00:04-2#\n\nB: Gut. #00:00:09-8#\n\nI: Und dann? #00:00:15-0#\n";
        let c = canonical(s);
        assert_eq!(
            c.text,
            "[00:00:00] I: Wie war das?\n\n[00:00:04] B: Gut.\n\n[00:00:09] I: Und dann?\n"
        );
        assert_eq!(canonical(&c.text).text, c.text);
    }

    #[test]
    fn prose_and_canonical_text_are_left_alone() {
        for s in [
            "[00:04:31] INTERVIEWER: How?\n\n[00:04:40] JOÃO: It wasn't.\n",
            "We met at 10:30 and talked.\nThen at  11:00\nwe left.\n",
            "[00:00:01] plain line\n\n[00:00:03] another\n",
        ] {
            assert_eq!(conv(s), s);
        }
    }

    #[test]
    fn times() {
        assert_eq!(seconds("0:03"), Some(3));
        assert_eq!(seconds("01:02:03.5"), Some(3723));
        assert_eq!(seconds("01:00:00:00"), Some(86_400));
        assert_eq!(seconds("00:61"), None);
        assert_eq!(clock("101:00:00"), "101:00:00");
    }

    #[test]
    fn reflow_joins_wrapped_lines_but_not_turns() {
        let s = "He came from Vajinny, but my\nmammy was borned in Wilmington.\n\nANA: One line\nwrapped here.\nBEN: Next turn.\n";
        assert_eq!(
            reflow(s),
            "He came from Vajinny, but my mammy was borned in Wilmington.\n\nANA: One line wrapped here.\nBEN: Next turn.\n"
        );
    }
}
