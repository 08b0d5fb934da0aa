//! Adopting a reviewer's [`Choice`] on an item for the consensus coder,
//! and telling which side an item's consensus already follows.

use std::collections::{BTreeMap, HashSet};

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::ops::{self, CodeReport, NewCoding};
use crate::segments::Segment;
use crate::text::one_line;
use crate::transcript::Transcript;

use super::view::{Item, Side};

/// A reviewer's decision on an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Adopt this coder's codings of the item.
    Coder(String),
    /// Adopt every side's codings.
    Both,
    /// Adopt nothing.
    Neither,
}

impl Choice {
    /// Reads `CODER`, `both` or `neither` (a compared coder's name wins).
    pub fn parse(s: &str, coders: &[String]) -> Result<Choice> {
        let s = s.trim();
        if coders.iter().any(|c| c == s) {
            return Ok(Choice::Coder(s.to_owned()));
        }
        match s.to_lowercase().as_str() {
            "both" | "all" => Ok(Choice::Both),
            "neither" | "none" => Ok(Choice::Neither),
            _ => Err(Error::invalid(format!(
                "`{}` is neither a compared coder ({}) nor `both` or `neither`",
                one_line(s),
                coders.join(", ")
            ))),
        }
    }
}

/// As [`Choice::parse`] reads it: the coder's name, `both` or `neither`.
impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::Coder(c) => f.write_str(c),
            Choice::Both => f.write_str("both"),
            Choice::Neither => f.write_str("neither"),
        }
    }
}

/// The codings a choice adopts from an item, as requests for the
/// consensus coder (spans, code and memos as the chosen coder made them).
pub fn adoption(item: &Item<'_>, choice: &Choice) -> Result<Vec<NewCoding>> {
    let sides: Vec<&Side> =
        match choice {
            Choice::Neither => Vec::new(),
            Choice::Both => item.sides.iter().collect(),
            Choice::Coder(c) => vec![item.side(c).ok_or_else(|| {
                Error::invalid(format!("`{}` is not a compared coder", one_line(c)))
            })?],
        };
    Ok(sides
        .iter()
        .flat_map(|s| &s.codings)
        .map(|c| NewCoding {
            transcript: item.transcript.to_owned(),
            start: c.start,
            end: c.end,
            code: item.code_id.to_owned(),
            memo: c.memo.map(str::to_owned),
        })
        .collect())
}

/// Adopts the chosen sides of items into `consensus` (the consensus
/// coder's journal) as one durable batch: one `undo` reverts it. Codings
/// the consensus coder already has are reported, not duplicated.
pub fn adopt(
    consensus: &mut Journal,
    transcripts: &BTreeMap<String, Transcript>,
    book: &Codebook,
    picks: &[(&Item<'_>, Choice)],
) -> Result<CodeReport> {
    let mut requests = Vec::new();
    for (item, choice) in picks {
        requests.extend(adoption(item, choice)?);
    }
    if requests.is_empty() {
        return Ok(CodeReport::default());
    }
    let lookup = |id: &str| transcripts.get(id);
    ops::code(consensus, &lookup, book, &requests)
}

/// Which side of `item` the consensus coder's codings (`consensus`, placed)
/// already follow: every side present gives [`Choice::Both`], one side a
/// [`Choice::Coder`]; `None` when no side is wholly adopted.
pub fn adopted(item: &Item<'_>, consensus: &[Segment<'_>]) -> Option<Choice> {
    let have: HashSet<(usize, usize)> = consensus
        .iter()
        .filter(|s| s.coding.transcript == item.transcript && s.code.id == item.code_id)
        .map(|s| (s.start, s.end))
        .collect();
    let present: Vec<&Side<'_>> = item
        .sides
        .iter()
        .filter(|s| {
            !s.codings.is_empty() && s.codings.iter().all(|c| have.contains(&(c.start, c.end)))
        })
        .collect();
    match present.as_slice() {
        [] => None,
        [one] => Some(Choice::Coder(one.coder.to_owned())),
        _ => Some(Choice::Both),
    }
}
