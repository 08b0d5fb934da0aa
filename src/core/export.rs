//! Coded segments as rows with their text, and the forms they are written
//! in (JSON, CSV, Markdown); plus reading rows of the same shape back for
//! `motif code --from`.

use std::io::{self, Write};
use std::path::Path;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::ordered::{map_in_parts, write_in_order};
use super::segments::Segment;
use super::text::sanitize_bytes;

/// One coded segment as exported (`motif segments --json`), borrowing its
/// strings from the loaded project (an export of 100,000 segments copies
/// none of them).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SegmentRow<'a> {
    pub id: &'a str,
    pub transcript: &'a str,
    pub start: usize,
    pub end: usize,
    pub line_start: usize,
    pub line_end: usize,
    /// The code's path.
    pub code: &'a str,
    pub code_id: &'a str,
    pub coder: &'a str,
    pub speaker: Option<&'a str>,
    pub memo: Option<&'a str>,
    pub text: &'a str,
}

/// The parts of a row that take work to find (byte offsets, a binary
/// search of the lines and of the speaker turns).
#[derive(Debug, Clone, Copy, Default)]
pub struct Located<'a> {
    pub text: &'a str,
    pub speaker: Option<&'a str>,
    pub line_start: usize,
    pub line_end: usize,
}

/// Finds a segment's text, lines and speaker.
pub fn locate<'a>(s: &Segment<'a>) -> Located<'a> {
    let t = s.transcript;
    let (a, b) = t
        .byte_range(s.start, s.end)
        .expect("placed segment in range");
    let (line_start, line_end) = t.lines_of(a, b);
    Located {
        text: &t.text[a..b],
        speaker: t.turn_at(a).and_then(|turn| turn.speaker.as_deref()),
        line_start,
        line_end,
    }
}

/// Builds the exported row of a segment.
pub fn row<'a>(s: &Segment<'a>) -> SegmentRow<'a> {
    row_at(s, locate(s))
}

/// The exported row of a segment whose text, lines and speaker are found.
fn row_at<'a>(s: &Segment<'a>, at: Located<'a>) -> SegmentRow<'a> {
    SegmentRow {
        id: &s.coding.id,
        transcript: &s.coding.transcript,
        start: s.start,
        end: s.end,
        line_start: at.line_start,
        line_end: at.line_end,
        code: &s.code.path,
        code_id: &s.code.id,
        coder: &s.coding.coder,
        speaker: at.speaker,
        memo: s.coding.memo.as_deref(),
        text: at.text,
    }
}

/// Rows to export, made when asked for: placed segments (whose rows are
/// made as they are written, so that a large export never holds them
/// all), or rows made already.
pub trait Rows: Sync {
    /// How many rows there are.
    fn count(&self) -> usize;
    /// The text, lines and speaker of row `i` (the costly part of a row).
    fn locate(&self, i: usize) -> Located<'_>;
    /// Row `i`, given what [`Rows::locate`] found for it.
    fn row_at<'s>(&'s self, i: usize, at: Located<'s>) -> SegmentRow<'s>;
    /// The code path of row `i` (cheap).
    fn code(&self, i: usize) -> &str;
    /// The transcript of row `i` (cheap).
    fn transcript(&self, i: usize) -> &str;
    /// Row `i`.
    fn get(&self, i: usize) -> SegmentRow<'_> {
        self.row_at(i, self.locate(i))
    }
}

impl Rows for [Segment<'_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn locate(&self, i: usize) -> Located<'_> {
        locate(&self[i])
    }
    fn row_at<'s>(&'s self, i: usize, at: Located<'s>) -> SegmentRow<'s> {
        row_at(&self[i], at)
    }
    fn code(&self, i: usize) -> &str {
        &self[i].code.path
    }
    fn transcript(&self, i: usize) -> &str {
        &self[i].transcript.id
    }
}

impl Rows for [SegmentRow<'_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn locate(&self, i: usize) -> Located<'_> {
        let r = &self[i];
        Located {
            text: r.text,
            speaker: r.speaker,
            line_start: r.line_start,
            line_end: r.line_end,
        }
    }
    fn row_at<'s>(&'s self, i: usize, _: Located<'s>) -> SegmentRow<'s> {
        self[i]
    }
    fn code(&self, i: usize) -> &str {
        self[i].code
    }
    fn transcript(&self, i: usize) -> &str {
        self[i].transcript
    }
}

/// How to write rows grouped by code: `(group, row)` pairs in the order
/// of `codes` (a group is a position in `codes`; rows of a code not listed
/// are left out), each code's rows in their own order; and the costly part
/// of every row, found on every core in row order (which keeps each thread
/// on neighbouring text) so that writing in group order only assembles.
pub fn grouped<'r, R: Rows + ?Sized>(
    rows: &'r R,
    codes: &[&str],
) -> (Vec<Located<'r>>, Vec<(usize, usize)>) {
    let rank: FxHashMap<&str, usize> = codes.iter().enumerate().map(|(g, &c)| (c, g)).collect();
    let mut order: Vec<(usize, usize)> = (0..rows.count())
        .filter_map(|i| rank.get(rows.code(i)).map(|&g| (g, i)))
        .collect();
    order.sort_by_key(|&(g, _)| g);
    (map_in_parts(rows.count(), 1024, |i| rows.locate(i)), order)
}

/// Writes a JSON string (quoted and escaped).
fn json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail, and a str always serializes.
    let _ = serde_json::to_writer(&mut *buf, s);
}

/// Writes the rows as a pretty JSON array and a newline, exactly as
/// `serde_json::to_writer_pretty` writes a list of [`SegmentRow`]s.
pub fn write_json<R: Rows + ?Sized>(rows: &R, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")?;
    write_in_order(rows.count(), out, |range, buf| {
        for i in range {
            let r = rows.get(i);
            buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            for (k, (key, value)) in [
                ("id", Value::Str(Some(r.id))),
                ("transcript", Value::Str(Some(r.transcript))),
                ("start", Value::Num(r.start)),
                ("end", Value::Num(r.end)),
                ("line_start", Value::Num(r.line_start)),
                ("line_end", Value::Num(r.line_end)),
                ("code", Value::Str(Some(r.code))),
                ("code_id", Value::Str(Some(r.code_id))),
                ("coder", Value::Str(Some(r.coder))),
                ("speaker", Value::Str(r.speaker)),
                ("memo", Value::Str(r.memo)),
                ("text", Value::Str(Some(r.text))),
            ]
            .into_iter()
            .enumerate()
            {
                buf.extend_from_slice(if k == 0 { b"  {\n    \"" } else { b",\n    \"" });
                buf.extend_from_slice(key.as_bytes());
                buf.extend_from_slice(b"\": ");
                match value {
                    Value::Str(Some(s)) => json_str(buf, s),
                    Value::Str(None) => buf.extend_from_slice(b"null"),
                    Value::Num(n) => {
                        let _ = write!(buf, "{n}");
                    }
                }
            }
            buf.extend_from_slice(b"\n  }");
        }
    })?;
    out.write_all(if rows.count() == 0 { b"]\n" } else { b"\n]\n" })
}

/// A value in a JSON row.
enum Value<'a> {
    Str(Option<&'a str>),
    Num(usize),
}

const CSV_HEADER: [&str; 12] = [
    "id",
    "transcript",
    "start",
    "end",
    "line_start",
    "line_end",
    "code",
    "code_id",
    "coder",
    "speaker",
    "memo",
    "text",
];

/// Writes one CSV record: fields quoted when they hold a comma, a quote
/// or a line break (quotes doubled), as the `csv` crate writes them.
fn csv_record<'f>(buf: &mut Vec<u8>, fields: impl IntoIterator<Item = &'f str>) {
    for (k, field) in fields.into_iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        let bytes = field.as_bytes();
        if !bytes
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        {
            buf.extend_from_slice(bytes);
            continue;
        }
        buf.push(b'"');
        for part in bytes.split_inclusive(|&b| b == b'"') {
            buf.extend_from_slice(part);
            if part.ends_with(b"\"") {
                buf.push(b'"');
            }
        }
        buf.push(b'"');
    }
    buf.push(b'\n');
}

/// The CSV fields of a row, in [`CSV_HEADER`] order, given its four
/// numbers written out.
fn csv_fields<'r>(r: &SegmentRow<'r>, numbers: &'r [String; 4]) -> [&'r str; 12] {
    [
        r.id,
        r.transcript,
        &numbers[0],
        &numbers[1],
        &numbers[2],
        &numbers[3],
        r.code,
        r.code_id,
        r.coder,
        r.speaker.unwrap_or(""),
        r.memo.unwrap_or(""),
        r.text,
    ]
}

/// Writes the rows as CSV with a header (RFC 4180 quoting), control
/// characters neutralized.
pub fn write_csv<R: Rows + ?Sized>(rows: &R, out: &mut dyn Write) -> io::Result<()> {
    let mut head = Vec::new();
    csv_record(&mut head, CSV_HEADER);
    out.write_all(&head)?;
    write_in_order(rows.count(), out, |range, buf| {
        let mut num = [String::new(), String::new(), String::new(), String::new()];
        for i in range {
            let r = rows.get(i);
            for (s, n) in num
                .iter_mut()
                .zip([r.start, r.end, r.line_start, r.line_end])
            {
                s.clear();
                let _ = std::fmt::Write::write_fmt(s, format_args!("{n}"));
            }
            csv_record(buf, csv_fields(&r, &num));
        }
        sanitize_bytes(buf);
    })
}

/// Writes the rows as Markdown, grouped by code in the given order of code
/// paths, control characters neutralized.
pub fn write_markdown<R: Rows + ?Sized>(
    project: &str,
    codes: &[&str],
    rows: &R,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut head = format!("# Coded segments — {project}\n").into_bytes();
    sanitize_bytes(&mut head);
    out.write_all(&head)?;
    let (made, order) = grouped(rows, codes);
    let mut sizes = vec![0; codes.len()];
    for &(g, _) in &order {
        sizes[g] += 1;
    }
    write_in_order(order.len(), out, |range, buf| {
        for k in range {
            let (g, i) = order[k];
            if k == 0 || order[k - 1].0 != g {
                let _ = write!(buf, "\n## {} ({})\n", codes[g], sizes[g]);
            }
            let r = rows.row_at(i, made[i]);
            buf.push(b'\n');
            for line in r.text.lines() {
                let _ = writeln!(buf, "> {line}");
            }
            let _ = write!(buf, "\n— {}", r.transcript);
            if let Some(s) = r.speaker {
                let _ = write!(buf, " · {s}");
            }
            if r.line_start == r.line_end {
                let _ = write!(buf, " · line {}", r.line_start);
            } else {
                let _ = write!(buf, " · lines {}–{}", r.line_start, r.line_end);
            }
            let _ = writeln!(buf, " · {}", r.coder);
            if let Some(m) = r.memo {
                let _ = writeln!(buf, "\n*Memo:* {}", m.replace('\n', " "));
            }
        }
        sanitize_bytes(buf);
    })
}

/// A coding to apply, as read from a file (`motif code --from`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FromRow {
    pub transcript: String,
    pub code: String,
    #[serde(default)]
    pub start: Option<usize>,
    #[serde(default)]
    pub end: Option<usize>,
    #[serde(default)]
    pub line_start: Option<usize>,
    #[serde(default)]
    pub line_end: Option<usize>,
    #[serde(default)]
    pub coder: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
    /// 1-based line of the file the row came from (for messages).
    #[serde(skip)]
    pub line: usize,
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Reads rows from CSV (by extension `.csv`) or JSON (an array, or one
/// object per line).
pub fn read_from_rows(path: &Path, text: &str) -> Result<Vec<FromRow>> {
    let is_csv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut rows = if is_csv {
        read_csv_rows(path, text)?
    } else {
        read_json_rows(path, text)?
    };
    for r in &mut rows {
        r.coder = blank_to_none(r.coder.take());
        r.memo = blank_to_none(r.memo.take());
    }
    Ok(rows)
}

fn read_csv_rows(path: &Path, text: &str) -> Result<Vec<FromRow>> {
    #[derive(Deserialize)]
    struct CsvRow {
        transcript: String,
        code: String,
        #[serde(default, deserialize_with = "csv::invalid_option")]
        start: Option<usize>,
        #[serde(default, deserialize_with = "csv::invalid_option")]
        end: Option<usize>,
        #[serde(default, deserialize_with = "csv::invalid_option")]
        line_start: Option<usize>,
        #[serde(default, deserialize_with = "csv::invalid_option")]
        line_end: Option<usize>,
        #[serde(default)]
        coder: Option<String>,
        #[serde(default)]
        memo: Option<String>,
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.deserialize::<CsvRow>() {
        let r = rec.map_err(|e| {
            Error::parse(
                path,
                e.position().map(|p| p.line() as usize),
                None,
                e.to_string(),
            )
        })?;
        out.push(FromRow {
            transcript: r.transcript,
            code: r.code,
            start: r.start,
            end: r.end,
            line_start: r.line_start,
            line_end: r.line_end,
            coder: r.coder,
            memo: r.memo,
            line: 0,
        });
    }
    // Line numbers: the csv reader's positions are per record; re-read.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for (row, rec) in out.iter_mut().zip(reader.records()) {
        row.line = rec
            .ok()
            .and_then(|r| r.position().map(|p| p.line() as usize))
            .unwrap_or(0);
    }
    Ok(out)
}

fn read_json_rows(path: &Path, text: &str) -> Result<Vec<FromRow>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let rows: Vec<FromRow> = serde_json::from_str(text)
            .map_err(|e| Error::parse(path, Some(e.line()), Some(e.column()), e.to_string()))?;
        return Ok(rows);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut r: FromRow = serde_json::from_str(line)
            .map_err(|e| Error::parse(path, Some(i + 1), Some(e.column()), e.to_string()))?;
        r.line = i + 1;
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SegmentRow<'static> {
        SegmentRow {
            id: "a1",
            transcript: "p01",
            start: 3,
            end: 20,
            line_start: 1,
            line_end: 2,
            code: "community/jobs",
            code_id: "jb",
            coder: "ana",
            speaker: Some("JOÃO"),
            memo: Some("a, \"quoted\" memo"),
            text: "line one, \"q\"\nline 二 🚀",
        }
    }

    #[test]
    fn csv_round_trips_commas_quotes_newlines() {
        let csv_text = written(|out| write_csv(&[sample()][..], out));
        let rows = read_from_rows(Path::new("x.csv"), &csv_text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].memo.as_deref(), Some("a, \"quoted\" memo"));
        assert_eq!((rows[0].start, rows[0].end), (Some(3), Some(20)));
        let mut r = csv::Reader::from_reader(csv_text.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[11], "line one, \"q\"\nline 二 🚀");
    }

    #[test]
    fn json_array_and_lines() {
        let arr = serde_json::to_string(&vec![sample()]).unwrap();
        let rows = read_from_rows(Path::new("x.json"), &arr).unwrap();
        assert_eq!(rows[0].transcript, "p01");
        let lines = "{\"transcript\":\"p01\",\"code\":\"jobs\",\"line_start\":2,\"line_end\":3}\n\n{\"transcript\":\"p02\",\"code\":\"x\",\"start\":1,\"end\":2,\"coder\":\"\"}\n";
        let rows = read_from_rows(Path::new("x.jsonl"), lines).unwrap();
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].coder, None);
        let bad = read_from_rows(Path::new("x.jsonl"), "{\"transcript\":1}\n").unwrap_err();
        assert!(bad.to_string().starts_with("x.jsonl:1:"), "{bad}");
    }

    #[test]
    fn markdown_groups_by_code() {
        let mut other = sample();
        other.code = "community";
        other.speaker = None;
        other.memo = None;
        other.text = "one\u{1b}[2J";
        other.line_end = 1;
        let rows = [sample(), other, sample()];
        let md = written(|out| {
            write_markdown("study", &["community", "community/jobs"], &rows[..], out)
        });
        assert_eq!(
            md,
            "# Coded segments — study\n\
             \n## community (1)\n\n> one\u{241B}[2J\n\n— p01 · line 1 · ana\n\
             \n## community/jobs (2)\n\
             \n> line one, \"q\"\n> line 二 🚀\n\n— p01 · JOÃO · lines 1–2 · ana\n\n*Memo:* a, \"quoted\" memo\n\
             \n> line one, \"q\"\n> line 二 🚀\n\n— p01 · JOÃO · lines 1–2 · ana\n\n*Memo:* a, \"quoted\" memo\n"
        );
        // A code not listed is left out.
        let md = written(|out| write_markdown("study", &["community"], &rows[..], out));
        assert!(!md.contains("jobs"), "{md}");
    }

    #[test]
    fn csv_is_what_the_csv_crate_writes() {
        let mut other = sample();
        other.speaker = None;
        other.text = "crlf\r\nend, \"\"twice\"\" \"";
        other.memo = Some("");
        other.coder = "\"";
        let rows = [sample(), other];
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(CSV_HEADER).unwrap();
        for r in &rows {
            let nums = [r.start, r.end, r.line_start, r.line_end].map(|n| n.to_string());
            w.write_record(csv_fields(r, &nums)).unwrap();
        }
        let want = String::from_utf8(w.into_inner().unwrap()).unwrap();
        // The CR is neutralized afterwards, like every control character.
        let want = want.replace('\r', "\u{240D}");
        assert_eq!(written(|out| write_csv(&rows[..], out)), want);
    }

    #[test]
    fn json_is_what_serde_writes_for_the_rows() {
        let mut other = sample();
        other.speaker = None;
        other.memo = None;
        other.text = "tab\there \u{1b} \\ \u{2028} café";
        for rows in [vec![], vec![sample()], vec![sample(), other, sample()]] {
            let mut want = serde_json::to_string_pretty(&rows).unwrap();
            want.push('\n');
            assert_eq!(written(|out| write_json(&rows[..], out)), want);
        }
        // Many rows go through several chunks and threads, in order.
        let many: Vec<SegmentRow<'_>> = (0..5000)
            .map(|i| SegmentRow {
                start: i,
                ..sample()
            })
            .collect();
        let mut want = serde_json::to_string_pretty(&many).unwrap();
        want.push('\n');
        assert_eq!(written(|out| write_json(&many[..], out)), want);
    }

    fn written(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }
}
