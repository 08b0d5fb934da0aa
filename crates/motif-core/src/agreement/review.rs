//! Disagreements as a document for review: rows for JSON and CSV.

use std::collections::HashMap;

use serde::Serialize;

use crate::transcript::Transcript;

use super::comparison::Comparison;
use super::view::{CoderMatches, SegmentView, Side};

/// One disagreement with its text and lines, as `--disagreements` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct DisagreementRow<'a> {
    pub id: String,
    pub transcript: &'a str,
    pub start: usize,
    pub end: usize,
    pub line_start: usize,
    pub line_end: usize,
    pub code: &'a str,
    pub code_id: &'a str,
    /// The text from `start` to `end`, exactly.
    pub text: &'a str,
    pub sides: Vec<Side<'a>>,
}

/// The `motif.disagreements` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreements<'a> {
    pub format: &'static str,
    pub version: u32,
    pub coders: Vec<String>,
    pub transcripts: Vec<&'a str>,
    pub overlap: f64,
    pub by_coder: Vec<CoderMatches>,
    pub disagreements: Vec<DisagreementRow<'a>>,
}

/// The disagreements of a view with their text.
pub fn disagreements<'a>(scope: &Comparison<'a>, view: &SegmentView<'a>) -> Disagreements<'a> {
    let texts: HashMap<&str, &'a Transcript> = scope
        .transcripts
        .iter()
        .map(|t| (t.id.as_str(), *t))
        .collect();
    let rows = view
        .disagreements()
        .map(|i| {
            let t = texts[i.transcript];
            let (a, b) = t.byte_range(i.start, i.end).expect("placed span");
            let (line_start, line_end) = t.lines_of(a, b);
            DisagreementRow {
                id: i.id.clone(),
                transcript: i.transcript,
                start: i.start,
                end: i.end,
                line_start,
                line_end,
                code: i.code,
                code_id: i.code_id,
                text: &t.text[a..b],
                sides: i.sides.clone(),
            }
        })
        .collect();
    Disagreements {
        format: "motif.disagreements",
        version: 1,
        coders: scope.coders.clone(),
        transcripts: scope.transcripts.iter().map(|t| t.id.as_str()).collect(),
        overlap: view.overlap,
        by_coder: view.by_coder.clone(),
        disagreements: rows,
    }
}

/// Spans as `120-245; 300-310`.
fn spans_text(spans: impl Iterator<Item = (usize, usize)>) -> String {
    spans
        .map(|(s, e)| format!("{s}-{e}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The disagreements as CSV: one row each, with two columns per coder,
/// `coded:NAME` (their spans with the code) and `instead:NAME` (their
/// codings with other codes there, `path start-end`).
pub fn disagreements_csv(d: &Disagreements<'_>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "id",
        "transcript",
        "start",
        "end",
        "line_start",
        "line_end",
        "code",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for c in &d.coders {
        header.push(format!("coded:{c}"));
        header.push(format!("instead:{c}"));
    }
    header.push("text".into());
    let _ = w.write_record(&header);
    for r in &d.disagreements {
        let mut row = vec![
            r.id.clone(),
            r.transcript.to_owned(),
            r.start.to_string(),
            r.end.to_string(),
            r.line_start.to_string(),
            r.line_end.to_string(),
            r.code.to_owned(),
        ];
        for s in &r.sides {
            row.push(spans_text(s.codings.iter().map(|c| (c.start, c.end))));
            row.push(
                s.instead
                    .iter()
                    .map(|e| format!("{} {}-{}", e.code, e.start, e.end))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        row.push(r.text.to_owned());
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
