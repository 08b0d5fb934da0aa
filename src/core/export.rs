//! Coded segments as rows with their text, and the forms they are written
//! in (JSON, CSV, Markdown); plus reading rows of the same shape back for
//! `motif code --from`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::segments::Segment;
use super::transcript::Transcript;

/// One coded segment as exported (`motif segments --json`), borrowing its
/// strings from the loaded project (an export of 100,000 segments copies
/// none of them).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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

/// Builds the exported row of a segment.
pub fn row<'a>(s: &Segment<'a>, t: &'a Transcript) -> SegmentRow<'a> {
    let (a, b) = t
        .byte_range(s.start, s.end)
        .expect("placed segment in range");
    let (line_start, line_end) = t.lines_of(a, b);
    SegmentRow {
        id: &s.coding.id,
        transcript: &s.coding.transcript,
        start: s.start,
        end: s.end,
        line_start,
        line_end,
        code: &s.code.path,
        code_id: &s.code.id,
        coder: &s.coding.coder,
        speaker: t.turn_at(a).and_then(|turn| turn.speaker.as_deref()),
        memo: s.coding.memo.as_deref(),
        text: &t.text[a..b],
    }
}

/// The rows of `segs`, each made when it is asked for; `segs` must be
/// placed on `transcripts`.
pub fn rows<'s, 'a: 's>(
    segs: &'s [Segment<'a>],
    transcripts: &'a BTreeMap<String, Transcript>,
) -> impl Iterator<Item = SegmentRow<'a>> + 's {
    segs.iter()
        .map(|seg| row(seg, &transcripts[seg.coding.transcript.as_str()]))
}

/// The rows of `segs` as a sequence that makes each row as it is
/// serialized, so that a large export never holds them all.
pub struct RowsOf<'s, 'a> {
    pub segs: &'s [Segment<'a>],
    pub transcripts: &'a BTreeMap<String, Transcript>,
}

impl Serialize for RowsOf<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(rows(self.segs, self.transcripts))
    }
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

/// Rows as CSV with a header (RFC 4180 quoting).
pub fn rows_csv(rows: &[SegmentRow<'_>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    for r in rows {
        let _ = w.write_record([
            r.id,
            r.transcript,
            &r.start.to_string(),
            &r.end.to_string(),
            &r.line_start.to_string(),
            &r.line_end.to_string(),
            r.code,
            r.code_id,
            r.coder,
            r.speaker.unwrap_or(""),
            r.memo.unwrap_or(""),
            r.text,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Rows as Markdown, grouped by code in the given order of codes.
pub fn rows_markdown(project: &str, codes: &[String], rows: &[SegmentRow<'_>]) -> String {
    let mut out = format!("# Coded segments — {project}\n");
    for code in codes {
        let mine: Vec<&SegmentRow<'_>> = rows.iter().filter(|r| r.code == code).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = write!(out, "\n## {code} ({})\n", mine.len());
        for r in mine {
            out.push('\n');
            for line in r.text.lines() {
                let _ = writeln!(out, "> {line}");
            }
            let lines = if r.line_start == r.line_end {
                format!("line {}", r.line_start)
            } else {
                format!("lines {}–{}", r.line_start, r.line_end)
            };
            let speaker = r.speaker.map(|s| format!(" · {s}")).unwrap_or_default();
            let _ = writeln!(out, "\n— {}{speaker} · {lines} · {}", r.transcript, r.coder);
            if let Some(m) = r.memo {
                let _ = writeln!(out, "\n*Memo:* {}", m.replace('\n', " "));
            }
        }
    }
    out
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
        let csv_text = rows_csv(&[sample()]);
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
        let md = rows_markdown("study", &["community/jobs".into()], &[sample()]);
        assert!(md.contains("## community/jobs (1)"));
        assert!(md.contains("> line 二 🚀"));
        assert!(md.contains("— p01 · JOÃO · lines 1–2 · ana"));
    }
}
