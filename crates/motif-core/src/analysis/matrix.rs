//! Code × transcript and code × attribute matrices (`motif.matrix`).
//!
//! A row per code (codebook order; every code, or the selected ones), a
//! column per transcript in scope (`--by transcript`, sorted by id) or per
//! value of a participant attribute (`--by role`: the values in scope,
//! sorted — numerically when they are all numbers — then [`NONE_COLUMN`]
//! for transcripts without a value, when there are any). A count is the
//! number of the code's segments (exactly that code, every coder in scope)
//! in the transcripts of that column.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::Scope;
use crate::error::{Error, Result};
use crate::segments::Segment;
use crate::text::one_line;
use crate::workspace::Workspace;

/// The column of transcripts that have no value for the attribute.
pub const NONE_COLUMN: &str = "(none)";

/// What the columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum By {
    /// One column per transcript.
    Transcript,
    /// One column per value of this attribute.
    Attribute(String),
}

impl By {
    /// `transcript`, or the name of an attribute.
    pub fn parse(s: &str) -> By {
        if s == "transcript" {
            By::Transcript
        } else {
            By::Attribute(s.to_owned())
        }
    }

    /// The name written in the document's `by` field.
    pub fn name(&self) -> &str {
        match self {
            By::Transcript => "transcript",
            By::Attribute(a) => a,
        }
    }
}

/// One code's row.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// The code's path.
    pub code: String,
    /// The code's id.
    pub id: String,
    /// Segments per column.
    pub counts: Vec<usize>,
    /// Sum of `counts`.
    pub total: usize,
}

/// The `motif.matrix` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub format: &'static str,
    pub version: u32,
    pub project: String,
    pub generated_at: String,
    /// `transcript` or the attribute's name.
    pub by: String,
    /// The coders counted.
    pub coders: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
    /// The transcripts behind each column (sorted ids).
    #[serde(skip)]
    pub column_transcripts: Vec<Vec<String>>,
    /// Codebook positions of the rows' codes.
    #[serde(skip)]
    pub positions: Vec<usize>,
}

/// Places the codings in scope and counts them by column.
pub fn matrix(ws: &Workspace, scope: &Scope, by: &By) -> Result<Matrix> {
    let (segs, _) = scope.segments(ws);
    matrix_of(ws, scope, &segs, by)
}

/// Sorts attribute values: numerically when every value is a number.
fn sort_values(values: &mut [String]) {
    let nums: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if nums.is_some_and(|n| n.iter().all(|x| x.is_finite())) {
        values.sort_by(|a, b| {
            let (x, y) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y).then_with(|| a.cmp(b))
        });
    } else {
        values.sort();
    }
}

/// Counts segments already placed (in scope) by column.
pub fn matrix_of(ws: &Workspace, scope: &Scope, segs: &[Segment<'_>], by: &By) -> Result<Matrix> {
    let (columns, column_transcripts) = match by {
        By::Transcript => (
            scope.transcripts.clone(),
            scope.transcripts.iter().map(|t| vec![t.clone()]).collect(),
        ),
        By::Attribute(name) => attribute_columns(ws, scope, name)?,
    };
    let positions = scope.codes.clone();
    let counts = count_cells(ws, segs, &positions, &column_transcripts, columns.len());
    let book = ws.book.codes();
    let rows = positions
        .iter()
        .zip(counts)
        .map(|(&p, counts)| MatrixRow {
            code: book[p].path.clone(),
            id: book[p].id.clone(),
            total: counts.iter().sum(),
            counts,
        })
        .collect();
    Ok(Matrix {
        format: "motif.matrix",
        version: 1,
        project: ws.project.config.name.clone(),
        generated_at: crate::ids::now_rfc3339(),
        by: by.name().to_owned(),
        coders: scope.coders.clone(),
        columns,
        rows,
        column_transcripts,
        positions,
    })
}

/// The columns of `--by NAME` and the transcripts of each: the attribute's
/// values in scope (sorted with [`sort_values`]), then [`NONE_COLUMN`] for
/// the transcripts without a value, when there are any. An error when the
/// attribute is not a column of attributes.csv.
fn attribute_columns(
    ws: &Workspace,
    scope: &Scope,
    name: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    if !ws.attributes.names.iter().any(|n| n == name) {
        return Err(Error::invalid(format!(
            "no attribute `{}` to break down by ({}); use --by transcript or an attribute column of attributes.csv",
            one_line(name),
            if ws.attributes.names.is_empty() {
                "attributes.csv has no attributes yet".to_owned()
            } else {
                format!("attributes: {}", ws.attributes.names.join(", "))
            }
        )));
    }
    let value_of = |t: &str| {
        ws.attributes
            .rows
            .get(t)
            .and_then(|r| r.get(name))
            .map(String::as_str)
    };
    let mut values: Vec<String> = scope
        .transcripts
        .iter()
        .filter_map(|t| value_of(t))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    sort_values(&mut values);
    let mut members = vec![Vec::new(); values.len()];
    let mut none = Vec::new();
    for t in &scope.transcripts {
        match value_of(t) {
            Some(v) => {
                let i = values.iter().position(|x| x == v).expect("value listed");
                members[i].push(t.clone());
            }
            None => none.push(t.clone()),
        }
    }
    if !none.is_empty() {
        values.push(NONE_COLUMN.to_owned());
        members.push(none);
    }
    Ok((values, members))
}

/// The counts, a row per code of `positions` and a column per entry of
/// `column_transcripts` (`n_columns` of them): each segment of those codes
/// counts once in the column of its transcript, if any.
fn count_cells(
    ws: &Workspace,
    segs: &[Segment<'_>],
    positions: &[usize],
    column_transcripts: &[Vec<String>],
    n_columns: usize,
) -> Vec<Vec<usize>> {
    let mut column_of: HashMap<&str, usize> = HashMap::new();
    for (i, ts) in column_transcripts.iter().enumerate() {
        for t in ts {
            column_of.insert(t.as_str(), i);
        }
    }
    let mut row_of = vec![usize::MAX; ws.book.len()];
    for (i, &p) in positions.iter().enumerate() {
        row_of[p] = i;
    }
    let mut counts = vec![vec![0usize; n_columns]; positions.len()];
    // Segments come grouped by transcript: look each column up once.
    let mut current: Option<(&str, Option<usize>)> = None;
    for s in segs {
        let r = row_of.get(s.code_pos).copied().unwrap_or(usize::MAX);
        if r == usize::MAX {
            continue;
        }
        let tid = s.coding.transcript.as_str();
        let col = match current {
            Some((id, c)) if id == tid => c,
            _ => {
                let c = column_of.get(tid).copied();
                current = Some((tid, c));
                c
            }
        };
        if let Some(c) = col {
            counts[r][c] += 1;
        }
    }
    counts
}

/// The segments behind cell (`row`, `col`): indices into `segs` (the
/// segments the matrix was counted from) in their order.
pub fn cell_segments(m: &Matrix, segs: &[Segment<'_>], row: usize, col: usize) -> Vec<usize> {
    let (Some(&pos), Some(ts)) = (m.positions.get(row), m.column_transcripts.get(col)) else {
        return Vec::new();
    };
    segs.iter()
        .enumerate()
        .filter(|(_, s)| {
            s.code_pos == pos
                && ts
                    .binary_search_by(|t| t.as_str().cmp(&s.coding.transcript))
                    .is_ok()
        })
        .map(|(i, _)| i)
        .collect()
}

/// The matrix as CSV: a header `code,COLUMN…`, one row per code.
pub fn to_csv(m: &Matrix) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code".to_owned()];
    header.extend(m.columns.iter().cloned());
    let _ = w.write_record(&header);
    for r in &m.rows {
        let mut rec = vec![r.code.clone()];
        rec.extend(r.counts.iter().map(ToString::to_string));
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sort_numerically_when_numbers() {
        let mut v = vec!["10".to_owned(), "2".into(), "1".into()];
        sort_values(&mut v);
        assert_eq!(v, ["1", "2", "10"]);
        let mut v = vec!["student".to_owned(), "founder".into(), "2".into()];
        sort_values(&mut v);
        assert_eq!(v, ["2", "founder", "student"]);
        assert_eq!(By::parse("transcript"), By::Transcript);
        assert_eq!(By::parse("role").name(), "role");
    }
}
