//! The records of a journal as they are on disk: the coding types
//! ([`Coding`], [`Anchor`]), one JSON line per [`Record`], how a line is
//! parsed and how a batch of records is encoded for one write.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::shared::SharedStr;

/// What a coding carries so it can be found again if its transcript
/// changes: the covered text, a little context, and the transcript's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub quote: SharedStr,
    #[serde(default)]
    pub before: SharedStr,
    #[serde(default)]
    pub after: SharedStr,
    pub hash: SharedStr,
}

/// One coding: a code applied by a coder to a span of a transcript.
/// `start` and `end` are code points at the time of coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub id: SharedStr,
    pub transcript: SharedStr,
    pub start: usize,
    pub end: usize,
    /// The code's stable id.
    pub code: SharedStr,
    pub coder: SharedStr,
    pub time: SharedStr,
    pub memo: Option<SharedStr>,
    pub anchor: Anchor,
}

/// The fields of a coding, borrowed: [`Coding::new`] keeps its strings in
/// one buffer (see [`crate::shared`]).
#[derive(Debug, Clone, Copy)]
pub struct CodingFields<'a> {
    pub id: &'a str,
    pub transcript: &'a str,
    pub start: usize,
    pub end: usize,
    pub code: &'a str,
    pub coder: &'a str,
    pub time: &'a str,
    pub memo: Option<&'a str>,
    /// Quote, context before, context after, transcript hash.
    pub anchor: [&'a str; 4],
}

impl Coding {
    /// A coding with `f`'s fields, its strings in one buffer.
    pub fn new(f: CodingFields<'_>) -> Coding {
        let [q, b, a, h] = f.anchor;
        let memo = f.memo.unwrap_or("");
        let [
            id,
            transcript,
            code,
            coder,
            time,
            memo_s,
            quote,
            before,
            after,
            hash,
        ] = SharedStr::pack([
            f.id,
            f.transcript,
            f.code,
            f.coder,
            f.time,
            memo,
            q,
            b,
            a,
            h,
        ]);
        Coding {
            id,
            transcript,
            start: f.start,
            end: f.end,
            code,
            coder,
            time,
            memo: f.memo.map(|_| memo_s),
            anchor: Anchor {
                quote,
                before,
                after,
                hash,
            },
        }
    }
}

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Record {
    Add {
        batch: String,
        time: String,
        id: String,
        transcript: String,
        start: usize,
        end: usize,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        memo: Option<String>,
        #[serde(flatten)]
        anchor: Anchor,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        undoable: bool,
    },
    Remove {
        batch: String,
        time: String,
        id: String,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        undoable: bool,
    },
    Memo {
        batch: String,
        time: String,
        id: String,
        memo: Option<String>,
    },
    Recode {
        batch: String,
        time: String,
        id: String,
        code: String,
    },
    Undo {
        batch: String,
        time: String,
    },
    Redo {
        batch: String,
        time: String,
    },
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(b: &bool) -> bool {
    *b
}

impl Record {
    pub(super) fn batch(&self) -> &str {
        match self {
            Record::Add { batch, .. }
            | Record::Remove { batch, .. }
            | Record::Memo { batch, .. }
            | Record::Recode { batch, .. }
            | Record::Undo { batch, .. }
            | Record::Redo { batch, .. } => batch,
        }
    }

    /// The record that adds `c` in batch `batch`.
    pub fn add(batch: &str, c: &Coding) -> Record {
        Record::Add {
            batch: batch.to_owned(),
            time: c.time.to_string(),
            id: c.id.to_string(),
            transcript: c.transcript.to_string(),
            start: c.start,
            end: c.end,
            code: c.code.to_string(),
            memo: c.memo.as_deref().map(str::to_owned),
            anchor: c.anchor.clone(),
            undoable: true,
        }
    }
}

/// Every field a record may have, read in one pass (much faster than
/// serde's internally tagged and flattened enums, which buffer each line).
#[derive(Deserialize)]
struct RawRecord {
    op: String,
    batch: String,
    time: String,
    id: Option<String>,
    transcript: Option<String>,
    start: Option<usize>,
    end: Option<usize>,
    code: Option<String>,
    // Missing (`None`) and `null` (`Some(None)`) mean different things.
    #[allow(clippy::option_option)]
    #[serde(default, deserialize_with = "present")]
    memo: Option<Option<String>>,
    quote: Option<String>,
    before: Option<String>,
    after: Option<String>,
    hash: Option<String>,
    undoable: Option<bool>,
    /// On the first record of a write of several records: how many lines
    /// the write holds.
    n: Option<usize>,
}

/// Distinguishes a missing field (`None`) from `null` (`Some(None)`).
#[allow(clippy::option_option)]
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Parses one journal line: its record and the number of lines of the
/// write it opens (1 unless it carries `"n"`).
pub(super) fn parse_record(line: &str) -> std::result::Result<(Record, usize), String> {
    let RawRecord {
        op,
        batch,
        time,
        id,
        transcript,
        start,
        end,
        code,
        memo,
        quote,
        before,
        after,
        hash,
        undoable,
        n,
    } = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let group = n.unwrap_or(1);
    if group == 0 {
        return Err("a record opening a write of 0 lines".into());
    }
    let need =
        |v: Option<String>, name: &str| v.ok_or_else(|| format!("`{op}` record without `{name}`"));
    let undoable = undoable.unwrap_or(true);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(format!(
            "`start` {s} is after `end` {e}: a span runs forward"
        ));
    }
    let rec = match op.as_str() {
        "add" => Record::Add {
            batch,
            time,
            id: need(id, "id")?,
            transcript: need(transcript, "transcript")?,
            start: start.ok_or("`add` record without `start`")?,
            end: end.ok_or("`add` record without `end`")?,
            code: need(code, "code")?,
            memo: memo.flatten(),
            anchor: Anchor {
                quote: need(quote, "quote")?.into(),
                before: before.unwrap_or_default().into(),
                after: after.unwrap_or_default().into(),
                hash: need(hash, "hash")?.into(),
            },
            undoable,
        },
        "remove" => Record::Remove {
            batch,
            time,
            id: need(id, "id")?,
            undoable,
        },
        "memo" => Record::Memo {
            batch,
            time,
            id: need(id, "id")?,
            memo: memo.ok_or("`memo` record without `memo`")?,
        },
        "recode" => Record::Recode {
            batch,
            time,
            id: need(id, "id")?,
            code: need(code, "code")?,
        },
        "undo" => Record::Undo { batch, time },
        "redo" => Record::Redo { batch, time },
        other => return Err(format!("unknown operation `{other}`")),
    };
    Ok((rec, group))
}

/// The bytes of one write: each record on its own line, the first one
/// carrying the number of lines when there are several (see the module
/// doc).
pub(super) fn encode(records: &[Record]) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let line = serde_json::to_vec(r).map_err(|e| Error::invalid(e.to_string()))?;
        match line.strip_prefix(b"{") {
            Some(rest) if i == 0 && records.len() > 1 => {
                buf.extend_from_slice(format!("{{\"n\":{},", records.len()).as_bytes());
                buf.extend_from_slice(rest);
            }
            _ => buf.extend_from_slice(&line),
        }
        buf.push(b'\n');
    }
    Ok(buf)
}
