//! The segment-level view: codings matched across coders by overlap,
//! grouped into [`Item`]s, and the items that are disagreements.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::segments::Segment;
use crate::text::one_line;

use super::comparison::Comparison;

/// One coding on a side of an item.
#[derive(Debug, Clone, Serialize)]
pub struct Coded<'a> {
    /// The coding's id.
    pub id: &'a str,
    pub start: usize,
    pub end: usize,
    pub memo: Option<&'a str>,
    /// Other compared coders with a matching coding.
    pub matched_by: Vec<&'a str>,
}

/// A coding with another code overlapping an item (what a coder coded
/// there instead, or as well).
#[derive(Debug, Clone, Serialize)]
pub struct Elsewhere<'a> {
    pub id: &'a str,
    /// The code's path.
    pub code: &'a str,
    pub code_id: &'a str,
    pub start: usize,
    pub end: usize,
}

/// One coder's part of an item.
#[derive(Debug, Clone, Serialize)]
pub struct Side<'a> {
    pub coder: &'a str,
    /// The coder's codings with the item's code (may be empty).
    pub codings: Vec<Coded<'a>>,
    /// The coder's codings with other codes overlapping the item
    /// (filled in for disagreements).
    pub instead: Vec<Elsewhere<'a>>,
}

/// Codings of one code in one transcript that overlap one another (any
/// coders): a place to review.
#[derive(Debug, Clone, Serialize)]
pub struct Item<'a> {
    /// Stable id: from the transcript, the code and the codings' ids.
    pub id: String,
    pub transcript: &'a str,
    /// The code's path.
    pub code: &'a str,
    pub code_id: &'a str,
    /// From the first start to the last end of the item's codings.
    pub start: usize,
    pub end: usize,
    /// Whether every coding is matched by every other compared coder.
    pub agreed: bool,
    /// One side per compared coder, in their order.
    pub sides: Vec<Side<'a>>,
    #[serde(skip)]
    code_pos: usize,
}

impl Item<'_> {
    /// The side of a coder.
    pub fn side(&self, coder: &str) -> Option<&Side<'_>> {
        self.sides.iter().find(|s| s.coder == coder)
    }
}

/// One coder's codings and how many every other coder matched.
#[derive(Debug, Clone, Serialize)]
pub struct CoderMatches {
    pub coder: String,
    pub codings: usize,
    pub matched: usize,
}

/// The segment-level view.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentView<'a> {
    pub coders: Vec<String>,
    /// Threshold: a match overlaps at least this share of the shorter span.
    pub overlap: f64,
    pub by_coder: Vec<CoderMatches>,
    /// Every item, sorted by transcript, start, end and codebook order.
    pub items: Vec<Item<'a>>,
}

impl<'a> SegmentView<'a> {
    /// The items to review.
    pub fn disagreements(&self) -> impl Iterator<Item = &Item<'a>> {
        self.items.iter().filter(|i| !i.agreed)
    }

    /// An item by id or unique id prefix (at least four characters).
    pub fn find(&self, id: &str) -> Result<&Item<'a>> {
        let id = id.trim();
        if let Some(i) = self.items.iter().find(|i| i.id == id) {
            return Ok(i);
        }
        let hits: Vec<&Item<'a>> = if id.len() >= 4 {
            self.items.iter().filter(|i| i.id.starts_with(id)).collect()
        } else {
            Vec::new()
        };
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::invalid(format!(
                "no disagreement `{}` among these coders and transcripts; `motif agree --disagreements` lists them",
                one_line(id)
            ))),
            _ => Err(Error::invalid(format!(
                "`{}` starts the ids of several items; give more of the id",
                one_line(id)
            ))),
        }
    }
}

/// Whether two spans match at threshold `overlap`: they share at least one
/// unit and at least `overlap` of the shorter span.
pub fn spans_match(a: (usize, usize), b: (usize, usize), overlap: f64) -> bool {
    let shared = a.1.min(b.1).saturating_sub(a.0.max(b.0));
    let shorter = (a.1 - a.0).min(b.1 - b.0);
    shared > 0 && shared as f64 + 1e-9 >= overlap * shorter as f64
}

fn find_root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Matches the codings of a scope (selected codes) at threshold `overlap`
/// (0 to 1) and groups them into items.
pub fn segment_view<'a>(scope: &Comparison<'a>, overlap: f64) -> Result<SegmentView<'a>> {
    if !(0.0..=1.0).contains(&overlap) {
        return Err(Error::invalid(format!(
            "the overlap threshold must be between 0 and 1 (a share of the shorter span), not {overlap}"
        )));
    }
    let n = scope.coders.len();
    let full = (1u32 << n) - 1;
    let mut by_coder: Vec<CoderMatches> = scope
        .coders
        .iter()
        .map(|c| CoderMatches {
            coder: c.clone(),
            codings: 0,
            matched: 0,
        })
        .collect();
    let mut items = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut matched: Vec<u32> = Vec::new();
    let mut members: Vec<(usize, usize)> = Vec::new();
    for (segs, coder_of) in scope.by_transcript() {
        // Indices of this transcript's selected segments by code, then
        // start (the order of `segs` within a code).
        idx.clear();
        idx.extend((0..segs.len()).filter(|&i| scope.selected[segs[i].code_pos]));
        idx.sort_by_key(|&i| segs[i].code_pos);
        let first_new = items.len();
        for group in idx.chunk_by(|&a, &b| segs[a].code_pos == segs[b].code_pos) {
            let g = group.len();
            parent.clear();
            parent.extend(0..g);
            matched.clear();
            matched.resize(g, 0);
            match_group(segs, coder_of, group, overlap, &mut parent, &mut matched);
            members.clear();
            for a in 0..g {
                members.push((find_root(&mut parent, a), a));
                let c = usize::from(coder_of[group[a]]);
                by_coder[c].codings += 1;
                if matched[a] | (1 << c) == full {
                    by_coder[c].matched += 1;
                }
            }
            members.sort_unstable();
            for cluster in members.chunk_by(|x, y| x.0 == y.0) {
                items.push(item_of(scope, segs, coder_of, group, cluster, &matched));
            }
        }
        items[first_new..].sort_unstable_by(|a, b| {
            (a.start, a.end, a.code_pos, &a.id).cmp(&(b.start, b.end, b.code_pos, &b.id))
        });
        // What the coders coded instead, where they disagree.
        add_instead(&mut items[first_new..], segs, coder_of);
    }
    Ok(SegmentView {
        coders: scope.coders.clone(),
        overlap,
        by_coder,
        items,
    })
}

/// Matches the segments `group` of one code in one transcript (sorted by
/// start): joins overlapping ones in `parent` (a union-find forest over
/// the group) and sets in `matched[a]` the coders whose coding matches
/// segment `a` by `overlap`.
fn match_group(
    segs: &[Segment<'_>],
    coder_of: &[u8],
    group: &[usize],
    overlap: f64,
    parent: &mut [usize],
    matched: &mut [u32],
) {
    let g = group.len();
    for a in 0..g {
        let sa = &segs[group[a]];
        for b in a + 1..g {
            let sb = &segs[group[b]];
            if sb.start >= sa.end {
                break;
            }
            let (ra, rb) = (find_root(parent, a), find_root(parent, b));
            parent[ra] = rb;
            let (ca, cb) = (
                usize::from(coder_of[group[a]]),
                usize::from(coder_of[group[b]]),
            );
            if ca != cb && spans_match((sa.start, sa.end), (sb.start, sb.end), overlap) {
                matched[a] |= 1 << cb;
                matched[b] |= 1 << ca;
            }
        }
    }
}

/// The item of one cluster of overlapping segments of a code (`cluster`
/// holds (root, index in `group`) pairs), with each coder's side and an id
/// derived from the transcript, the code and the coding ids.
fn item_of<'a>(
    scope: &Comparison<'a>,
    segs: &[Segment<'a>],
    coder_of: &[u8],
    group: &[usize],
    cluster: &[(usize, usize)],
    matched: &[u32],
) -> Item<'a> {
    let n = scope.coders.len();
    let full = (1u32 << n) - 1;
    let first = &segs[group[cluster[0].1]];
    let mut sides: Vec<Side<'a>> = scope
        .names
        .iter()
        .map(|c| Side {
            coder: c,
            codings: Vec::new(),
            instead: Vec::new(),
        })
        .collect();
    let mut agreed = true;
    let (mut start, mut end) = (usize::MAX, 0);
    let mut ids: Vec<&str> = Vec::with_capacity(cluster.len());
    for &(_, a) in cluster {
        let s = &segs[group[a]];
        let c = usize::from(coder_of[group[a]]);
        agreed &= matched[a] | (1 << c) == full;
        start = start.min(s.start);
        end = end.max(s.end);
        ids.push(&s.coding.id);
        sides[c].codings.push(Coded {
            id: &s.coding.id,
            start: s.start,
            end: s.end,
            memo: s.coding.memo.as_deref(),
            matched_by: (0..n)
                .filter(|&d| matched[a] & (1 << d) != 0)
                .map(|d| scope.names[d])
                .collect(),
        });
    }
    ids.sort_unstable();
    let mut hasher = blake3::Hasher::new();
    hasher.update(first.coding.transcript.as_bytes());
    hasher.update(b"\n");
    hasher.update(first.code.id.as_bytes());
    for id in ids {
        hasher.update(b"\n");
        hasher.update(id.as_bytes());
    }
    Item {
        id: hasher.finalize().to_hex()[..8].to_owned(),
        transcript: &first.coding.transcript,
        code: &first.code.path,
        code_id: &first.code.id,
        start,
        end,
        agreed,
        sides,
        code_pos: first.code_pos,
    }
}

/// Adds to each disagreement among `items` (of one transcript) what its
/// coders coded instead: their segments of other codes that overlap it.
fn add_instead<'a>(items: &mut [Item<'a>], segs: &[Segment<'a>], coder_of: &[u8]) {
    // reach[i]: the furthest end among segs[..=i] (segs are by start),
    // so the segments before the first reach past a start end before it.
    let reach: Vec<usize> = segs
        .iter()
        .scan(0, |r, s| {
            *r = (*r).max(s.end);
            Some(*r)
        })
        .collect();
    for item in items.iter_mut().filter(|i| !i.agreed) {
        let from = reach.partition_point(|&r| r <= item.start);
        for (s, &c) in segs[from..].iter().zip(&coder_of[from..]) {
            let c = usize::from(c);
            if s.start >= item.end {
                break;
            }
            if s.end > item.start && s.code_pos != item.code_pos {
                item.sides[c].instead.push(Elsewhere {
                    id: &s.coding.id,
                    code: &s.code.path,
                    code_id: &s.code.id,
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }
}
