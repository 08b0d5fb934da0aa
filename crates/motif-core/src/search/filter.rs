//! Which passages a search may return: filters by speaker, transcript and
//! attribute, and the passages overlapping some codes' segments (the
//! `--code` filter).

use std::collections::{BTreeMap, HashSet};

use crate::codebook::Codebook;
use crate::error::Result;
use crate::project::{Attributes, Project};
use crate::segments::{Filter as SegmentFilter, Segment, place_all};
use crate::transcript::Transcript;

use super::passages::{passage_key, passages};
use super::query::Filter;

/// Passages overlapping the segments of some codes (the `--code` filter).
#[derive(Debug, Clone, Default)]
pub struct CodeScope {
    /// Code-point spans of the segments, per transcript, sorted.
    pub spans: BTreeMap<String, Vec<(usize, usize)>>,
    /// Keys of the passages that overlap a span.
    pub(super) keys: HashSet<String>,
}

impl CodeScope {
    /// From placed segments and their transcripts.
    pub fn from_segments(
        segments: &[Segment<'_>],
        transcripts: &BTreeMap<String, Transcript>,
    ) -> CodeScope {
        let mut spans: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for s in segments {
            spans
                .entry(s.coding.transcript.to_string())
                .or_default()
                .push((s.start, s.end));
        }
        let mut keys = HashSet::new();
        for (id, list) in &mut spans {
            list.sort_unstable();
            list.dedup();
            if let Some(t) = transcripts.get(id) {
                for p in passages(t) {
                    if overlaps_any(list, p.start, p.end) {
                        keys.insert(passage_key(id, p.start));
                    }
                }
            }
        }
        CodeScope { spans, keys }
    }

    /// Loads what the `--code` filter needs from a project: the journals,
    /// and the transcripts that hold codings with these code ids
    /// (subcodes are the caller's choice, e.g. `Codebook::subtree_ids`).
    pub fn load(project: &Project, book: &Codebook, code_ids: &[String]) -> Result<CodeScope> {
        let journals = project.journals()?;
        let wanted: HashSet<String> = code_ids
            .iter()
            .filter_map(|id| book.by_id(id).map(|c| c.id.clone()))
            .collect();
        let mut needed = HashSet::new();
        for j in &journals {
            for c in j.codings() {
                if book.by_id(&c.code).is_some_and(|k| wanted.contains(&k.id)) {
                    needed.insert(c.transcript.to_string());
                }
            }
        }
        let mut transcripts = BTreeMap::new();
        for id in needed {
            if let Ok(t) = project.transcript(&id) {
                transcripts.insert(id, t);
            }
        }
        let filter = SegmentFilter {
            coders: Vec::new(),
            transcripts: Vec::new(),
            codes: code_ids.to_vec(),
        };
        let (segs, _) = place_all(&journals, &transcripts, book, &filter);
        Ok(CodeScope::from_segments(&segs, &transcripts))
    }

    /// Whether `start..end` of transcript `t` overlaps a segment.
    pub fn overlaps(&self, t: &str, start: usize, end: usize) -> bool {
        self.spans
            .get(t)
            .is_some_and(|l| overlaps_any(l, start, end))
    }
}

fn overlaps_any(sorted: &[(usize, usize)], start: usize, end: usize) -> bool {
    // Spans starting before `end`; any of them ending after `start`.
    let n = sorted.partition_point(|&(s, _)| s < end);
    sorted[..n].iter().any(|&(_, e)| e > start)
}

/// Which passages a search may return.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Speakers, transcripts and attributes: alternatives of one kind
    /// (two speakers) are OR-ed, kinds are AND-ed.
    pub filters: Vec<Filter>,
    /// Only passages overlapping these codes' segments.
    pub codes: Option<CodeScope>,
}

impl SearchFilter {
    pub(super) fn admits(
        &self,
        attrs: &Attributes,
        transcript: &str,
        speaker: Option<&str>,
        start: usize,
        end: usize,
    ) -> bool {
        let mut kinds: BTreeMap<String, bool> = BTreeMap::new();
        for f in &self.filters {
            let (kind, ok) = match f {
                Filter::Speaker(s) => (
                    "speaker".to_owned(),
                    speaker.is_some_and(|x| x.trim().to_lowercase() == s.trim().to_lowercase()),
                ),
                Filter::Transcript(t) => ("transcript".to_owned(), t == transcript),
                Filter::Attribute(k, v) => (
                    format!("attr:{}", k.to_lowercase()),
                    attrs.rows.get(transcript).is_some_and(|row| {
                        row.iter().any(|(rk, rv)| {
                            rk.to_lowercase() == k.trim().to_lowercase()
                                && rv.trim().to_lowercase() == v.trim().to_lowercase()
                        })
                    }),
                ),
            };
            *kinds.entry(kind).or_default() |= ok;
        }
        kinds.values().all(|&ok| ok)
            && self
                .codes
                .as_ref()
                .is_none_or(|c| c.overlaps(transcript, start, end))
    }
}
