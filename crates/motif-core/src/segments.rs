//! From codings to segments: each coding placed on its transcript's current
//! text (re-anchored by its quote if the transcript changed since), with
//! its code resolved through the codebook. Everything that counts or lists
//! codings works on segments.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap;

use super::codebook::{Code, Codebook};
use super::journal::{Coding, Journal};
use super::reanchor::{self, Mapped};
use super::text::{last_chars, take_chars};
use super::transcript::Transcript;

/// How many code points of context a coding keeps on each side.
pub const CONTEXT_CHARS: usize = 24;

/// Where a coding lands on the current text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The transcript is unchanged; the span stands.
    Exact { start: usize, end: usize },
    /// The transcript changed; the coded text is unchanged, here.
    Moved { start: usize, end: usize },
    /// The transcript changed inside the coded text: this is where that
    /// text is now, changed (kept for review; see [`crate::reanchor`]).
    Edited { start: usize, end: usize },
    /// The coded text is no longer in the transcript.
    Orphaned,
}

impl Placement {
    /// The span it lands on, unless orphaned.
    pub fn span(self) -> Option<(usize, usize)> {
        match self {
            Placement::Exact { start, end }
            | Placement::Moved { start, end }
            | Placement::Edited { start, end } => Some((start, end)),
            Placement::Orphaned => None,
        }
    }
}

/// The anchor of span `start..end` (code points) of `t`: quote, context
/// before, context after and the transcript's hash (see [`super::journal::Anchor`]).
pub fn anchor(t: &Transcript, start: usize, end: usize) -> [&str; 4] {
    let (a, b) = t
        .byte_range(start, end)
        .expect("span checked by the caller");
    [
        &t.text[a..b],
        last_chars(&t.text[..a], CONTEXT_CHARS),
        take_chars(&t.text[b..], CONTEXT_CHARS),
        &t.hash,
    ]
}

/// Places a coding on the current text of its transcript.
///
/// Unchanged transcript: the span as recorded. Changed: through the diff
/// of the text it was coded on (when the project keeps that version) and
/// the current one; else by its quote and context
/// ([`crate::reanchor::by_quote`]). Text that survived is `Moved`, text
/// an edit reached into is `Edited`, text that is gone `Orphaned`.
pub fn place(c: &Coding, t: &Transcript) -> Placement {
    if c.anchor.hash == t.hash && c.end <= t.char_len() {
        return Placement::Exact {
            start: c.start,
            end: c.end,
        };
    }
    let quote = &c.anchor.quote;
    if quote.is_empty() {
        return Placement::Orphaned;
    }
    let map = t
        .history
        .as_ref()
        .and_then(|h| h.map_to(&c.anchor.hash, t))
        .filter(|m| m.old_holds(c.start, c.end, quote));
    let mapped = match map {
        Some(m) => reanchor::through_edit(&m, t, c.start, c.end),
        None => reanchor::by_quote(
            reanchor::Clues {
                quote,
                before: &c.anchor.before,
                after: &c.anchor.after,
                start: c.start,
            },
            &t.text,
        ),
    };
    match mapped {
        Mapped::Same { start, end } => Placement::Moved { start, end },
        Mapped::Edited { start, end } => Placement::Edited { start, end },
        Mapped::Gone => Placement::Orphaned,
    }
}

/// A coding placed on its transcript with its code resolved.
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    pub coding: &'a Coding,
    /// The transcript it is placed on.
    pub transcript: &'a Transcript,
    pub code: &'a Code,
    /// Position of the code in codebook order.
    pub code_pos: usize,
    pub start: usize,
    pub end: usize,
    /// Whether the span was re-anchored after a transcript change.
    pub moved: bool,
    /// Whether its text was changed by that edit (it awaits review:
    /// `motif check` lists it; accepting it re-anchors it to the new text).
    pub edited: bool,
}

/// Codings that could not be turned into segments.
#[derive(Debug, Clone, Default)]
pub struct Unplaced<'a> {
    /// The quote is gone from the transcript.
    pub orphaned: Vec<&'a Coding>,
    /// The transcript is missing or unreadable.
    pub no_transcript: Vec<&'a Coding>,
    /// The code is not in the codebook.
    pub unknown_code: Vec<&'a Coding>,
}

impl Unplaced<'_> {
    /// Total number of codings not placed.
    pub fn len(&self) -> usize {
        self.orphaned.len() + self.no_transcript.len() + self.unknown_code.len()
    }

    /// Whether every coding was placed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which codings to consider.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these coders (empty: all).
    pub coders: Vec<String>,
    /// Only these transcripts (empty: all).
    pub transcripts: Vec<String>,
    /// Only these code ids, aliases resolved (empty: all).
    pub codes: Vec<String>,
}

/// Places every coding of `journals` that passes `filter`. Segments come
/// sorted by transcript, start, end, codebook order and coder.
pub fn place_all<'a>(
    journals: &'a [Journal],
    transcripts: &'a BTreeMap<String, Transcript>,
    book: &'a Codebook,
    filter: &Filter,
) -> (Vec<Segment<'a>>, Unplaced<'a>) {
    let mut unplaced = Unplaced::default();
    let code_ok: Option<HashSet<usize>> = (!filter.codes.is_empty()).then(|| {
        filter
            .codes
            .iter()
            .filter_map(|id| book.position(id))
            .collect()
    });
    // Transcripts by id with their rank in id order, so that sorting
    // compares numbers, not strings.
    let ranked: FxHashMap<&str, (usize, &Transcript)> = transcripts
        .iter()
        .enumerate()
        .map(|(rank, (id, t))| (id.as_str(), (rank, t)))
        .collect();
    let mut by_name: Vec<usize> = (0..journals.len()).collect();
    by_name.sort_by_key(|&i| &journals[i].coder);
    let mut coder_ranks = vec![0; journals.len()];
    for (rank, &i) in by_name.iter().enumerate() {
        coder_ranks[i] = rank;
    }
    let mut keyed: Vec<(usize, usize, Segment<'a>)> = Vec::new();
    for (j, &coder_rank) in journals.iter().zip(&coder_ranks) {
        if !filter.coders.is_empty() && !filter.coders.contains(&j.coder) {
            continue;
        }
        let mine = if filter.transcripts.is_empty() {
            j.codings()
        } else {
            let wanted: std::collections::BTreeSet<&String> = filter.transcripts.iter().collect();
            wanted.into_iter().flat_map(|t| j.codings_in(t)).collect()
        };
        for c in mine {
            let Some(pos) = book.position(&c.code) else {
                unplaced.unknown_code.push(c);
                continue;
            };
            if code_ok.as_ref().is_some_and(|ok| !ok.contains(&pos)) {
                continue;
            }
            let Some(&(rank, t)) = ranked.get(c.transcript.as_str()) else {
                unplaced.no_transcript.push(c);
                continue;
            };
            let (start, end, moved, edited) = match place(c, t) {
                Placement::Exact { start, end } => (start, end, false, false),
                Placement::Moved { start, end } => (start, end, true, false),
                Placement::Edited { start, end } => (start, end, true, true),
                Placement::Orphaned => {
                    unplaced.orphaned.push(c);
                    continue;
                }
            };
            let seg = Segment {
                coding: c,
                transcript: t,
                code: &book.codes()[pos],
                code_pos: pos,
                start,
                end,
                moved,
                edited,
            };
            keyed.push((rank, coder_rank, seg));
        }
    }
    keyed.sort_unstable_by(|(ra, ca, a), (rb, cb, b)| {
        (ra, a.start, a.end, a.code_pos, ca)
            .cmp(&(rb, b.start, b.end, b.code_pos, cb))
            .then_with(|| a.coding.time.cmp(&b.coding.time))
            .then_with(|| a.coding.id.cmp(&b.coding.id))
    });
    let segs = keyed.into_iter().map(|(_, _, s)| s).collect();
    (segs, unplaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::CodingFields;

    fn coding_on(t: &Transcript, start: usize, end: usize) -> Coding {
        Coding::new(CodingFields {
            id: "c1",
            transcript: &t.id,
            start,
            end,
            code: "fw",
            coder: "ana",
            time: "",
            memo: None,
            anchor: anchor(t, start, end),
        })
    }

    #[test]
    fn unchanged_transcript_keeps_span() {
        let t = Transcript::new("p", "JOÃO: we moved to PyTorch — 北京 too\n".into());
        let c = coding_on(&t, 18, 25);
        assert_eq!(c.anchor.quote, "PyTorch");
        assert_eq!(place(&c, &t), Placement::Exact { start: 18, end: 25 });
    }

    #[test]
    fn edited_transcript_reanchors_to_nearest_quote() {
        let old = Transcript::new("p", "A: café. B: café. C: café.\n".into());
        let c = coding_on(&old, 12, 16); // the second café
        let new = Transcript::new("p", "Intro ☕ line\nA: café. B: café. C: café.\n".into());
        assert_eq!(place(&c, &new), Placement::Moved { start: 25, end: 29 });
        assert_eq!(new.slice_chars(25, 29), Some("café"));
        let gone = Transcript::new("p", "A: tea. B: tea.\n".into());
        // A quote overlapping an earlier occurrence of itself stays put.
        let t = Transcript::new("p", "Zoë: no no no, 北京\n".into());
        let c = coding_on(&t, 8, 13); // the second `no no`
        assert_eq!(c.anchor.quote, "no no");
        let edited = Transcript::new("p", "Intro ☕\nZoë: no no no, 北京\n".into());
        assert_eq!(place(&c, &edited), Placement::Moved { start: 16, end: 21 });
        assert_eq!(place(&c, &gone), Placement::Orphaned);
    }
}
