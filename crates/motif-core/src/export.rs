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
    /// The timestamp of the turn the segment starts in, as written
    /// (`00:04:31`).
    pub time: Option<&'a str>,
    pub memo: Option<&'a str>,
    pub text: &'a str,
}

impl SegmentRow<'_> {
    /// `line 4` or `lines 4–6`, as the reports caption a quote.
    pub fn lines_label(&self) -> LinesLabel {
        LinesLabel(self.line_start, self.line_end)
    }
}

/// A quote's lines as the reports caption them ([`SegmentRow::lines_label`]).
pub struct LinesLabel(usize, usize);

impl std::fmt::Display for LinesLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            LinesLabel(first, last) if first == last => write!(f, "line {first}"),
            LinesLabel(first, last) => write!(f, "lines {first}–{last}"),
        }
    }
}

/// The parts of a row that take work to find (byte offsets, a binary
/// search of the lines and of the speaker turns).
#[derive(Debug, Clone, Copy, Default)]
pub struct Located<'a> {
    pub text: &'a str,
    pub speaker: Option<&'a str>,
    pub time: Option<&'a str>,
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
    let turn = t.turn_at(a);
    Located {
        text: &t.text[a..b],
        speaker: turn.and_then(|turn| turn.speaker.as_deref()),
        time: turn.and_then(|turn| turn.time.as_deref()),
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
        time: at.time,
        memo: s.coding.memo.as_deref(),
        text: at.text,
    }
}

/// Rows to export, made when asked for: placed segments, whose rows are
/// made as they are written, so that a large export never holds them all.
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

// Rows made already: what the tests write.
#[cfg(test)]
impl Rows for [SegmentRow<'_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn locate(&self, i: usize) -> Located<'_> {
        let r = &self[i];
        Located {
            text: r.text,
            speaker: r.speaker,
            time: r.time,
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

/// How to write rows grouped by code (see [`grouped`]).
pub struct Grouped<'r> {
    /// The costly part of every row, by row, found on every core in row
    /// order (which keeps each thread on neighbouring text), so that
    /// writing in group order only assembles.
    pub located: Vec<Located<'r>>,
    /// `(group, row)` in writing order: a group is a position in the codes
    /// asked for, and each code's rows keep their own order.
    pub order: Vec<(usize, usize)>,
    /// Rows per group.
    pub sizes: Vec<usize>,
}

impl Grouped<'_> {
    /// Whether the `k`-th row written begins its group.
    pub fn starts_group(&self, k: usize) -> bool {
        k == 0 || self.order[k - 1].0 != self.order[k].0
    }
}

/// The rows grouped by code in the order of `codes`; rows of a code not
/// listed are left out.
pub fn grouped<'r, R: Rows + ?Sized>(rows: &'r R, codes: &[&str]) -> Grouped<'r> {
    let rank: FxHashMap<&str, usize> = codes.iter().enumerate().map(|(g, &c)| (c, g)).collect();
    let mut order: Vec<(usize, usize)> = (0..rows.count())
        .filter_map(|i| rank.get(rows.code(i)).map(|&g| (g, i)))
        .collect();
    order.sort_by_key(|&(g, _)| g);
    let mut sizes = vec![0; codes.len()];
    for &(g, _) in &order {
        sizes[g] += 1;
    }
    Grouped {
        located: map_in_parts(rows.count(), 1024, |i| rows.locate(i)),
        order,
        sizes,
    }
}

/// The exported fields of a row, in order: the JSON keys and CSV header.
const FIELDS: [&str; 13] = [
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
    "time",
    "memo",
    "text",
];

/// A field's value: text (JSON `null` or an empty CSV field when absent)
/// or a number.
#[derive(Clone, Copy)]
enum Field<'a> {
    Text(Option<&'a str>),
    Num(usize),
}

/// The values of a row's [`FIELDS`].
fn fields<'r>(r: &SegmentRow<'r>) -> [Field<'r>; 13] {
    use Field::{Num, Text};
    [
        Text(Some(r.id)),
        Text(Some(r.transcript)),
        Num(r.start),
        Num(r.end),
        Num(r.line_start),
        Num(r.line_end),
        Text(Some(r.code)),
        Text(Some(r.code_id)),
        Text(Some(r.coder)),
        Text(r.speaker),
        Text(r.time),
        Text(r.memo),
        Text(Some(r.text)),
    ]
}

/// Writes the rows as a pretty JSON array and a newline, exactly as
/// `serde_json::to_writer_pretty` writes a list of [`SegmentRow`]s.
pub fn write_json<R: Rows + ?Sized>(rows: &R, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")?;
    write_in_order(rows.count(), out, |range, buf| {
        for i in range {
            buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            for (k, (key, value)) in FIELDS.iter().zip(fields(&rows.get(i))).enumerate() {
                buf.extend_from_slice(if k == 0 { b"  {\n    \"" } else { b",\n    \"" });
                buf.extend_from_slice(key.as_bytes());
                buf.extend_from_slice(b"\": ");
                match value {
                    // Writing to a Vec cannot fail, and a str always
                    // serializes (quoted and escaped).
                    Field::Text(Some(s)) => drop(serde_json::to_writer(&mut *buf, s)),
                    Field::Text(None) => buf.extend_from_slice(b"null"),
                    Field::Num(n) => drop(write!(buf, "{n}")),
                }
            }
            buf.extend_from_slice(b"\n  }");
        }
        crate::text::escape_hidden_in_json_bytes(buf);
    })?;
    out.write_all(if rows.count() == 0 { b"]\n" } else { b"\n]\n" })
}

/// Writes one CSV field, quoted when it holds a comma, a quote or a line
/// break (quotes doubled), as the `csv` crate writes it.
fn csv_field(buf: &mut Vec<u8>, field: &str) {
    let bytes = field.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        buf.extend_from_slice(bytes);
        return;
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

/// Writes one CSV record and its line end.
fn csv_record<'f>(buf: &mut Vec<u8>, values: impl IntoIterator<Item = Field<'f>>) {
    for (k, value) in values.into_iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        match value {
            Field::Text(s) => csv_field(buf, s.unwrap_or("")),
            Field::Num(n) => drop(write!(buf, "{n}")),
        }
    }
    buf.push(b'\n');
}

/// Writes the rows as CSV with a header (RFC 4180 quoting), control
/// characters neutralized.
pub fn write_csv<R: Rows + ?Sized>(rows: &R, out: &mut dyn Write) -> io::Result<()> {
    let mut head = Vec::new();
    csv_record(&mut head, FIELDS.map(|f| Field::Text(Some(f))));
    out.write_all(&head)?;
    write_in_order(rows.count(), out, |range, buf| {
        for i in range {
            csv_record(buf, fields(&rows.get(i)));
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
    let grouped = grouped(rows, codes);
    write_in_order(grouped.order.len(), out, |range, buf| {
        for k in range {
            let (g, i) = grouped.order[k];
            if grouped.starts_group(k) {
                let _ = write!(buf, "\n## {} ({})\n", codes[g], grouped.sizes[g]);
            }
            let r = rows.row_at(i, grouped.located[i]);
            buf.push(b'\n');
            for line in r.text.lines() {
                let _ = writeln!(buf, "> {line}");
            }
            let _ = write!(buf, "\n— {}", r.transcript);
            if let Some(s) = r.speaker {
                let _ = write!(buf, " · {s}");
            }
            if let Some(t) = r.time {
                let _ = write!(buf, " · {t}");
            }
            let _ = writeln!(buf, " · {} · {}", r.lines_label(), r.coder);
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

/// A document (frequencies, co-occurrence, a matrix, a listing…) in the
/// JSON form every `--json` output and JSON export takes: pretty-printed,
/// ending with a newline, with DEL, C1 controls and bidi overrides as
/// `\uXXXX` escapes (the same strings once parsed).
pub fn json_document<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| Error::invalid(e.to_string()))?;
    s.push('\n');
    Ok(super::text::escape_hidden_in_json(s))
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
            time: Some("00:04:31"),
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
        assert_eq!(&rec[10], "00:04:31");
        assert_eq!(&rec[12], "line one, \"q\"\nline 二 🚀");
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
        other.time = None;
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
             \n> line one, \"q\"\n> line 二 🚀\n\n— p01 · JOÃO · 00:04:31 · lines 1–2 · ana\n\n*Memo:* a, \"quoted\" memo\n\
             \n> line one, \"q\"\n> line 二 🚀\n\n— p01 · JOÃO · 00:04:31 · lines 1–2 · ana\n\n*Memo:* a, \"quoted\" memo\n"
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
        w.write_record(FIELDS).unwrap();
        for r in &rows {
            let values = fields(r).map(|f| match f {
                Field::Text(s) => s.unwrap_or("").to_owned(),
                Field::Num(n) => n.to_string(),
            });
            w.write_record(&values).unwrap();
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
