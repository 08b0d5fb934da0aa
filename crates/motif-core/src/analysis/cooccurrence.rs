//! Code co-occurrence: how often two codes are applied to the same text.
//!
//! The count of cell (a, b), for codes a ≠ b, is the number of **pairs** of
//! an a-segment and a b-segment in the same transcript that share a unit:
//!
//! - [`Unit::Overlap`] (the `motif.cooccurrence` contract): the two spans
//!   share at least one code point (`a.start < b.end && b.start < a.end`).
//! - [`Unit::Turn`]: the two spans touch a common speaker turn. A span
//!   belongs to every turn its code points fall in; the blank lines after
//!   a turn belong to it, text before a transcript's first turn is a unit
//!   of its own, and a transcript without speakers is cut into paragraphs
//!   instead (as everywhere in motif).
//! - [`Unit::Transcript`]: the two segments are in the same transcript
//!   (the cell is Σ over transcripts of count(a) × count(b)).
//!
//! The diagonal holds each code's number of segments, in every unit. Codes
//! are counted exactly (a parent does not include its subcodes), every
//! coder in scope counts, and a segment never pairs with another segment
//! of its own code.
//!
//! Counting sweeps each transcript's segments in order of start, keeping,
//! per code, how many segments are still open; a new segment adds the open
//! counts to its row. The cost is O(n log n + n·k) for n segments whose
//! spans are open alongside at most k distinct codes, not O(n²).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use serde::Serialize;

use super::Scope;
use crate::segments::Segment;
use crate::transcript::Transcript;
use crate::workspace::Workspace;

/// What two segments must share to co-occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// At least one code point (the default, and the contract).
    #[default]
    Overlap,
    /// At least one speaker turn (paragraph when there are no speakers).
    Turn,
    /// The transcript.
    Transcript,
}

impl Unit {
    /// Every unit, in the order they are documented.
    pub const ALL: [Unit; 3] = [Unit::Overlap, Unit::Turn, Unit::Transcript];

    /// The unit's name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Overlap => "overlap",
            Unit::Turn => "turn",
            Unit::Transcript => "transcript",
        }
    }

    /// The unit named `s`.
    pub fn parse(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.name() == s)
    }
}

/// The `motif.cooccurrence` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    pub format: &'static str,
    pub version: u32,
    pub project: String,
    pub generated_at: String,
    pub unit: Unit,
    /// The coders counted.
    pub coders: Vec<String>,
    /// Number of transcripts in scope.
    pub transcripts: usize,
    /// Code paths, in codebook order (every code, or the selected ones).
    pub codes: Vec<String>,
    /// The codes' ids, in the same order.
    pub code_ids: Vec<String>,
    /// `matrix[i][j]`: see the module documentation. Symmetric.
    pub matrix: Vec<Vec<usize>>,
    /// Codebook positions of `codes`.
    #[serde(skip)]
    pub positions: Vec<usize>,
}

impl Cooccurrence {
    /// The row (and column) of the code at codebook position `pos`.
    pub fn index_of(&self, pos: usize) -> Option<usize> {
        self.positions.iter().position(|&p| p == pos)
    }
}

/// Places the codings in scope and counts their co-occurrence.
pub fn cooccurrence(ws: &Workspace, scope: &Scope, unit: Unit) -> Cooccurrence {
    let (segs, _) = scope.segments(ws);
    cooccurrence_of(ws, scope, &segs, unit)
}

/// Counts co-occurrence over segments already placed (in scope).
pub fn cooccurrence_of(
    ws: &Workspace,
    scope: &Scope,
    segs: &[Segment<'_>],
    unit: Unit,
) -> Cooccurrence {
    let positions = scope.codes.clone();
    let k = positions.len();
    let mut slot_of = vec![usize::MAX; ws.book.len()];
    for (i, &p) in positions.iter().enumerate() {
        slot_of[p] = i;
    }
    // (transcript, lo, hi, slot) per segment, grouped by transcript and
    // sorted by the start of its unit interval.
    let keys = unit_keys(segs, &ws.transcripts, unit);
    // Transcripts become numbers (segments come grouped by transcript, so
    // the map is consulted once per run) and the items sort as integers.
    let mut number: HashMap<&str, usize> = HashMap::new();
    let mut current: Option<(&str, usize)> = None;
    let mut items: Vec<(usize, usize, usize, usize)> = segs
        .iter()
        .zip(&keys)
        .filter_map(|(s, &(lo, hi))| {
            let slot = *slot_of.get(s.code_pos)?;
            if slot == usize::MAX {
                return None;
            }
            let tid = s.coding.transcript.as_str();
            let t = match current {
                Some((id, n)) if id == tid => n,
                _ => {
                    let next = number.len();
                    let n = *number.entry(tid).or_insert(next);
                    current = Some((tid, n));
                    n
                }
            };
            Some((t, lo, hi, slot))
        })
        .collect();
    items.sort_unstable();
    let mut flat = vec![0usize; k * k];
    let mut sweep = Sweep::new(k);
    let mut per_code = vec![0usize; k];
    let mut i = 0;
    while i < items.len() {
        let t = items[i].0;
        let mut j = i;
        while j < items.len() && items[j].0 == t {
            j += 1;
        }
        if unit == Unit::Transcript {
            // Every pair in the transcript: count(a) × count(b).
            per_code.fill(0);
            for it in &items[i..j] {
                per_code[it.3] += 1;
            }
            for (a, &na) in per_code.iter().enumerate().filter(|(_, n)| **n > 0) {
                for (b, &nb) in per_code.iter().enumerate().filter(|(_, n)| **n > 0) {
                    if a != b {
                        flat[a * k + b] += na * nb;
                    }
                }
            }
        } else {
            sweep.run(&items[i..j], &mut flat);
        }
        i = j;
    }
    let mut matrix: Vec<Vec<usize>> = flat
        .chunks(k.max(1))
        .take(k)
        .map(<[usize]>::to_vec)
        .collect();
    for &(_, _, _, slot) in &items {
        matrix[slot][slot] += 1;
    }
    let book = ws.book.codes();
    Cooccurrence {
        format: "motif.cooccurrence",
        version: 1,
        project: ws.project.config.name.clone(),
        generated_at: crate::ids::now_rfc3339(),
        unit,
        coders: scope.coders.clone(),
        transcripts: scope.transcripts.len(),
        codes: positions.iter().map(|&p| book[p].path.clone()).collect(),
        code_ids: positions.iter().map(|&p| book[p].id.clone()).collect(),
        matrix,
        positions,
    }
}

/// The half-open interval of units each segment covers: code points
/// (overlap), turn numbers (turn), or `0..1` (transcript).
fn unit_keys(
    segs: &[Segment<'_>],
    transcripts: &BTreeMap<String, Transcript>,
    unit: Unit,
) -> Vec<(usize, usize)> {
    // Segments come grouped by transcript: the code-point offsets where its
    // turns start are computed once per run.
    let mut current: Option<(&str, Vec<usize>)> = None;
    segs.iter()
        .map(|s| match unit {
            Unit::Overlap => (s.start, s.end),
            Unit::Transcript => (0, 1),
            Unit::Turn => {
                let tid = s.coding.transcript.as_str();
                if current.as_ref().is_none_or(|(id, _)| *id != tid) {
                    current = Some((
                        tid,
                        transcripts.get(tid).map(turn_starts).unwrap_or_default(),
                    ));
                }
                let starts = current.as_ref().map_or(&[][..], |(_, v)| v.as_slice());
                // Unit 0 is the text before the first turn; turn i is unit
                // i + 1 and runs until the next turn starts.
                let first = starts.partition_point(|&c| c <= s.start);
                let last = starts.partition_point(|&c| c < s.end);
                (first, last.max(first) + 1)
            }
        })
        .collect()
}

/// Code-point offsets where the turns of `t` start.
fn turn_starts(t: &Transcript) -> Vec<usize> {
    let mut out = Vec::with_capacity(t.turns.len());
    let (mut byte, mut chars) = (0, 0);
    for turn in &t.turns {
        chars += t.text[byte..turn.start].chars().count();
        byte = turn.start;
        out.push(chars);
    }
    out
}

/// The open-interval sweep over one transcript.
struct Sweep {
    /// Open segments per code slot.
    open: Vec<usize>,
    /// Slots with a non-zero count, and where each sits in that list.
    live: Vec<usize>,
    live_at: Vec<usize>,
    /// Open segments by end (min-heap).
    ends: BinaryHeap<Reverse<(usize, usize)>>,
}

impl Sweep {
    fn new(k: usize) -> Sweep {
        Sweep {
            open: vec![0; k],
            live: Vec::new(),
            live_at: vec![usize::MAX; k],
            ends: BinaryHeap::new(),
        }
    }

    /// Adds the pairs of one transcript's items (sorted by `lo`) to the
    /// flat `k × k` matrix; leaves the sweep empty.
    fn run(&mut self, items: &[(usize, usize, usize, usize)], flat: &mut [usize]) {
        let k = self.open.len();
        for &(_, lo, hi, slot) in items {
            while let Some(&Reverse((end, s))) = self.ends.peek() {
                if end > lo {
                    break;
                }
                self.ends.pop();
                self.close(s);
            }
            if hi <= lo {
                continue; // an empty span shares nothing
            }
            for &other in &self.live {
                if other != slot {
                    let n = self.open[other];
                    flat[slot * k + other] += n;
                    flat[other * k + slot] += n;
                }
            }
            self.ends.push(Reverse((hi, slot)));
            self.open[slot] += 1;
            if self.open[slot] == 1 {
                self.live_at[slot] = self.live.len();
                self.live.push(slot);
            }
        }
        while let Some(Reverse((_, s))) = self.ends.pop() {
            self.close(s);
        }
    }

    fn close(&mut self, slot: usize) {
        self.open[slot] -= 1;
        if self.open[slot] == 0 {
            let at = self.live_at[slot];
            self.live.swap_remove(at);
            if let Some(&moved) = self.live.get(at) {
                self.live_at[moved] = at;
            }
            self.live_at[slot] = usize::MAX;
        }
    }
}

/// The pairs behind cell (`a`, `b`) (codebook positions): indices into
/// `segs` of an a-segment and a b-segment that co-occur in `unit`, in
/// order of transcript and start. On the diagonal (`a == b`), each
/// a-segment paired with itself.
pub fn cell_pairs(
    segs: &[Segment<'_>],
    transcripts: &BTreeMap<String, Transcript>,
    unit: Unit,
    a: usize,
    b: usize,
) -> Vec<(usize, usize)> {
    if a == b {
        return segs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.code_pos == a)
            .map(|(i, _)| (i, i))
            .collect();
    }
    let keys = unit_keys(segs, transcripts, unit);
    let mut by_transcript: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, s) in segs.iter().enumerate() {
        if s.code_pos == a {
            by_transcript
                .entry(s.coding.transcript.as_str())
                .or_default()
                .0
                .push(i);
        } else if s.code_pos == b {
            by_transcript
                .entry(s.coding.transcript.as_str())
                .or_default()
                .1
                .push(i);
        }
    }
    let mut out = Vec::new();
    for (xs, ys) in by_transcript.values() {
        for &x in xs {
            for &y in ys {
                let (xl, xh) = keys[x];
                let (yl, yh) = keys[y];
                if xl < xh && yl < yh && xl < yh && yl < xh {
                    out.push((x, y));
                }
            }
        }
    }
    out.sort_by_key(|&(x, y)| {
        (
            &segs[x].coding.transcript,
            segs[x].start,
            segs[y].start,
            x,
            y,
        )
    });
    out
}

/// The matrix as CSV: a header of code paths, one row per code.
pub fn to_csv(c: &Cooccurrence) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code".to_owned()];
    header.extend(c.codes.iter().cloned());
    let _ = w.write_record(&header);
    for (code, row) in c.codes.iter().zip(&c.matrix) {
        let mut rec = vec![code.clone()];
        rec.extend(row.iter().map(ToString::to_string));
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all pairs, for comparison with the sweep.
    fn naive(items: &[(usize, usize, usize, usize)], k: usize) -> Vec<usize> {
        let mut m = vec![0; k * k];
        for (i, x) in items.iter().enumerate() {
            for y in &items[i + 1..] {
                if x.0 == y.0 && x.3 != y.3 && x.1 < x.2 && y.1 < y.2 && x.1 < y.2 && y.1 < x.2 {
                    m[x.3 * k + y.3] += 1;
                    m[y.3 * k + x.3] += 1;
                }
            }
        }
        m
    }

    /// A small deterministic generator (`SplitMix64`) for the brute-force test.
    struct SplitMix(u64);

    impl SplitMix {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((u128::from(z) * n as u128) >> 64) as usize
        }
    }

    #[test]
    fn sweep_matches_brute_force() {
        let mut rng = SplitMix(7);
        for round in 0..200 {
            let k = 1 + round % 6;
            let n = rng.below(40);
            let mut items: Vec<(usize, usize, usize, usize)> = (0..n)
                .map(|_| {
                    let lo = rng.below(50);
                    let hi = lo + rng.below(12);
                    (usize::from(rng.below(3) == 0), lo, hi, rng.below(k))
                })
                .collect();
            items.sort_unstable();
            let mut flat = vec![0; k * k];
            let mut sweep = Sweep::new(k);
            let mut i = 0;
            while i < items.len() {
                let j = i + items[i..].iter().take_while(|x| x.0 == items[i].0).count();
                sweep.run(&items[i..j], &mut flat);
                i = j;
            }
            assert_eq!(flat, naive(&items, k), "round {round}: {items:?}");
        }
    }

    #[test]
    fn unit_names_round_trip() {
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.name()), Some(u));
        }
        assert_eq!(Unit::parse("paragraph"), None);
    }
}
