//! Intercoder agreement, as PRODUCT.md's "Contract: agreement" defines it,
//! and the review of disagreements towards a consensus coder.
//!
//! **Units.** For coders C1…Cn and code k, the units are the code points of
//! every transcript in scope: the transcripts named by the researcher, or
//! else those in which every compared coder has at least one coding (any
//! code). Coder c rates a unit 1 for code k when one of c's spans with
//! exactly code k covers it, else 0.
//!
//! **Counting, not materializing.** Every statistic depends on the ratings
//! only through how many units show each of the 2ⁿ rating *patterns* (which
//! coders rated 1). [`Counts`] holds those counts; an interval sweep over
//! each transcript's span boundaries fills them in O(s log s) for s
//! codings, whatever the length of the text, so 1,000 transcripts of
//! 60,000 code points each cost no more than their codings. The statistics
//! are then computed from integer counts with exact integer arithmetic up
//! to one final division.
//!
//! **Statistics** ([`Counts::stats`]): percent agreement (units on which all
//! coders agree), Cohen's kappa (exactly two coders) and Krippendorff's
//! alpha (nominal, two or more coders); `None` where a statistic is
//! undefined, with the reason from [`Counts::undefined`]. [`agreement`]
//! reports them per code and pooled (over the (code, unit) pairs of every
//! code at least one coder used), plus a pairwise matrix of coders.
//!
//! **Segments.** [`segment_view`] matches codings instead of units: a
//! coding is matched by another coder who has a coding with the same code
//! overlapping it by at least `overlap` of the shorter span. Codings of one
//! code that overlap (any coder) form an [`Item`]; an item with a coding
//! not matched by every other coder is a disagreement to review.
//!
//! **Consensus.** [`adoption`] turns a reviewer's [`Choice`] on an item (one
//! coder's side, both, or neither) into codings, and [`adopt`] writes them
//! for the consensus coder through [`ops::code`]: one durable batch, undone
//! by one `undo`. [`adopted`] tells which side an item's consensus already
//! follows. A TUI lists `view.disagreements()`, jumps to `item.transcript`
//! at `item.start..item.end`, shows `item.sides`, and calls [`adopt`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::journal::Journal;
use super::ops::{self, CodeReport, NewCoding};
use super::segments::{Placement, Segment, place};
use super::text::one_line;
use super::transcript::Transcript;
use super::workspace::Workspace;

/// The most coders compared at once (the rating patterns number 2ⁿ).
pub const MAX_CODERS: usize = 16;

/// The consensus coder's default name.
pub const DEFAULT_CONSENSUS: &str = "consensus";

// ---------------------------------------------------------------------------
// Counts of rating patterns and the statistics

/// How many units show each rating pattern: entry `p` counts the units
/// that exactly the coders whose bits are set in `p` rated 1 (bit `i` is
/// coder `i`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    coders: usize,
    n: Vec<u64>,
}

/// Why a statistic has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// No units: no transcript in scope (or only empty ones).
    NoUnits,
    /// No coder used the code: every rating is 0.
    NeverCoded,
    /// Every coder coded every unit with the code: every rating is 1.
    AlwaysCoded,
    /// Cohen's kappa compares exactly two coders.
    NotTwoCoders,
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Undefined::NoUnits => "there are no units: no transcript is in scope",
            Undefined::NeverCoded => {
                "no coder used this code in these transcripts, so every character is rated \"not coded\" by everyone: there is no variation to measure agreement against (percent agreement is trivially 100%)"
            }
            Undefined::AlwaysCoded => {
                "every coder coded every character with this code: there is no variation to measure agreement against"
            }
            Undefined::NotTwoCoders => {
                "Cohen's kappa compares exactly two coders; read Krippendorff's alpha instead"
            }
        })
    }
}

/// The statistics of one set of ratings; `None` where undefined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
}

impl Counts {
    /// Empty counts for `coders` coders (1 to [`MAX_CODERS`]).
    pub fn new(coders: usize) -> Counts {
        assert!(
            (1..=MAX_CODERS).contains(&coders),
            "1 to {MAX_CODERS} coders"
        );
        Counts {
            coders,
            n: vec![0; 1 << coders],
        }
    }

    /// Number of coders.
    pub fn coders(&self) -> usize {
        self.coders
    }

    /// Units showing pattern `p`.
    pub fn get(&self, p: usize) -> u64 {
        self.n[p]
    }

    /// Adds `units` units showing pattern `p`.
    pub fn add(&mut self, p: usize, units: u64) {
        self.n[p] += units;
    }

    /// Adds other counts of the same coders.
    pub fn merge(&mut self, other: &Counts) {
        assert_eq!(self.coders, other.coders, "same coders");
        for (a, b) in self.n.iter_mut().zip(&other.n) {
            *a += b;
        }
    }

    /// Number of units.
    pub fn units(&self) -> u64 {
        self.n.iter().sum()
    }

    /// Units coder `i` rated 1.
    pub fn coded_by(&self, i: usize) -> u64 {
        self.n
            .iter()
            .enumerate()
            .filter(|(p, _)| p & (1 << i) != 0)
            .map(|(_, k)| k)
            .sum()
    }

    /// Units at least one coder rated 1.
    pub fn coded_by_any(&self) -> u64 {
        self.units() - self.n[0]
    }

    /// The counts of coders `a` and `b` alone (`a` becomes coder 0).
    #[must_use]
    pub fn pair(&self, a: usize, b: usize) -> Counts {
        let mut out = Counts::new(2);
        for (p, &k) in self.n.iter().enumerate() {
            let q = usize::from(p & (1 << a) != 0) | (usize::from(p & (1 << b) != 0) << 1);
            out.n[q] += k;
        }
        out
    }

    /// Counts from one rating vector per coder (all of one length): the
    /// plain definition, for tests and small examples.
    pub fn from_ratings(ratings: &[Vec<bool>]) -> Counts {
        let mut out = Counts::new(ratings.len());
        let len = ratings.first().map_or(0, Vec::len);
        for u in 0..len {
            let p = ratings
                .iter()
                .enumerate()
                .fold(0, |p, (i, r)| p | (usize::from(r[u]) << i));
            out.n[p] += 1;
        }
        out
    }

    /// Counts for one text of `len` units and spans `(coder, start, end)`
    /// (end-exclusive; overlapping spans of one coder count once), by an
    /// interval sweep.
    pub fn from_spans(coders: usize, len: usize, spans: &[(usize, usize, usize)]) -> Counts {
        let mut out = Counts::new(coders);
        let mut events: Vec<Event> = spans
            .iter()
            .filter(|&&(_, s, e)| s < e.min(len))
            .flat_map(|&(c, s, e)| {
                [
                    Event::new(0, s, c, true),
                    Event::new(0, e.min(len), c, false),
                ]
            })
            .collect();
        events.sort_unstable_by_key(|e| e.pos);
        let mut depth = vec![0u32; coders];
        let covered = sweep(&mut out.n, &events, &mut depth);
        out.n[0] += len as u64 - covered;
        out
    }

    /// Percent agreement: the share of units on which all coders agree.
    pub fn percent_agreement(&self) -> Option<f64> {
        let units = self.units();
        (units > 0).then(|| (self.n[0] + self.n[self.n.len() - 1]) as f64 / units as f64)
    }

    /// Cohen's kappa of two coders: `(p_o − p_e) / (1 − p_e)`.
    pub fn cohen_kappa(&self) -> Option<f64> {
        if self.coders != 2 {
            return None;
        }
        let units = u128::from(self.units());
        let a1 = u128::from(self.coded_by(0));
        let b1 = u128::from(self.coded_by(1));
        let agree = u128::from(self.n[0] + self.n[3]);
        // Scaled by units²: p_e·N² = E, p_o·N² = N·agree.
        let e = a1 * b1 + (units - a1) * (units - b1);
        let den = units * units - e;
        if den == 0 {
            return None;
        }
        let num = (units * agree) as i128 - e as i128;
        Some(num as f64 / den as f64)
    }

    /// Krippendorff's alpha, nominal level, no missing ratings:
    /// `1 − (n.. − 1)·Σ_u j_u(m − j_u) / ((m − 1)·n₀·n₁)`, where `m` is the
    /// number of coders, `j_u` the number who rated unit `u` 1, `n.. =
    /// m·units` the number of values, and `n₁`, `n₀` the numbers of 1s and
    /// 0s.
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        let m = self.coders as u128;
        if m < 2 {
            return None;
        }
        let values = m * u128::from(self.units());
        let mut ones = 0u128;
        let mut pairs = 0u128; // Σ j(m − j)
        for (p, &k) in self.n.iter().enumerate() {
            let j = u128::from(p.count_ones());
            ones += u128::from(k) * j;
            pairs += u128::from(k) * j * (m - j);
        }
        let zeros = values - ones;
        let den = (m - 1) * zeros * ones;
        if den == 0 {
            return None;
        }
        let num = (values - 1) * pairs;
        Some((den as i128 - num as i128) as f64 / den as f64)
    }

    /// Why kappa or alpha is undefined (kappa is also undefined for other
    /// than two coders: [`Undefined::NotTwoCoders`], not reported here).
    pub fn undefined(&self) -> Option<Undefined> {
        let units = self.units();
        if units == 0 {
            Some(Undefined::NoUnits)
        } else if self.n[0] == units {
            Some(Undefined::NeverCoded)
        } else if self.n[self.n.len() - 1] == units {
            Some(Undefined::AlwaysCoded)
        } else {
            None
        }
    }

    /// Why Cohen's kappa is undefined, if it is.
    pub fn kappa_undefined(&self) -> Option<Undefined> {
        if self.coders == 2 {
            self.undefined()
        } else {
            Some(Undefined::NotTwoCoders)
        }
    }

    /// All three statistics.
    pub fn stats(&self) -> Stats {
        Stats {
            units: self.units(),
            percent_agreement: self.percent_agreement(),
            cohen_kappa: self.cohen_kappa(),
            krippendorff_alpha: self.krippendorff_alpha(),
        }
    }
}

/// A span boundary: coder `coder` starts (`open`) or stops covering units
/// at `pos`, for code `code`.
#[derive(Debug, Clone, Copy)]
struct Event {
    code: u32,
    pos: usize,
    coder: u8,
    open: bool,
}

impl Event {
    fn new(code: usize, pos: usize, coder: usize, open: bool) -> Event {
        Event {
            code: code as u32,
            pos,
            coder: coder as u8,
            open,
        }
    }
}

/// Adds to `n` the units between boundaries by the pattern of coders
/// covering them (pattern 0 excluded) and returns the units covered by
/// someone. `events` are sorted by position; `depth` is zero on entry and
/// on exit (every span closes).
fn sweep(n: &mut [u64], events: &[Event], depth: &mut [u32]) -> u64 {
    let mut covered = 0;
    let mut pattern = 0usize;
    let mut prev = 0;
    for e in events {
        if pattern != 0 {
            let len = (e.pos - prev) as u64;
            n[pattern] += len;
            covered += len;
        }
        prev = e.pos;
        let c = usize::from(e.coder);
        if e.open {
            depth[c] += 1;
            pattern |= 1 << c;
        } else {
            depth[c] -= 1;
            if depth[c] == 0 {
                pattern &= !(1 << c);
            }
        }
    }
    covered
}

// ---------------------------------------------------------------------------
// Scope

/// What to compare, as the researcher asked.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The coders compared, two or more, in the order reports list them.
    pub coders: Vec<String>,
    /// Transcripts named by the researcher; empty: every transcript in
    /// which each compared coder has at least one coding.
    pub transcripts: Vec<String>,
    /// Code ids to report (aliases resolve); empty: every code.
    pub codes: Vec<String>,
}

/// The compared coders, the transcripts in scope and their codings.
#[derive(Debug)]
pub struct Scope<'a> {
    pub book: &'a Codebook,
    pub coders: Vec<String>,
    /// The coders' names as the journals hold them (same order).
    names: Vec<&'a str>,
    /// Transcripts in scope, by id.
    pub transcripts: Vec<&'a Transcript>,
    /// Whether the transcripts were named (else chosen by the codings).
    pub named: bool,
    /// Whether each code (codebook order) is reported.
    pub selected: Vec<bool>,
    /// Every placed coding of the compared coders in the transcripts in
    /// scope, any code, sorted by transcript, start, end, code, coder.
    segments: Vec<Segment<'a>>,
    /// The coder (index in `coders`) of each segment.
    coder_of: Vec<u8>,
    /// Each transcript's run of segments.
    runs: Vec<std::ops::Range<usize>>,
    /// Codings of the compared coders that could not be placed
    /// (orphaned, on a missing transcript, or with an unknown code).
    pub unplaced: usize,
}

impl<'a> Scope<'a> {
    /// Checks the request against the project and finds the scope.
    pub fn new(ws: &'a Workspace, req: &Request) -> Result<Scope<'a>> {
        let all = ws.coders();
        if req.coders.len() < 2 {
            return Err(Error::invalid(format!(
                "agreement needs at least two coders; coders with codings in this project: {}",
                if all.is_empty() {
                    "none".to_owned()
                } else {
                    all.join(", ")
                }
            )));
        }
        if req.coders.len() > MAX_CODERS {
            return Err(Error::invalid(format!(
                "agreement compares at most {MAX_CODERS} coders at once"
            )));
        }
        let mut seen = HashSet::new();
        for c in &req.coders {
            if !seen.insert(c) {
                return Err(Error::invalid(format!(
                    "coder `{}` is named twice",
                    one_line(c)
                )));
            }
            if !all.contains(c) {
                return Err(Error::invalid(format!(
                    "no coder `{}` in this project (coders: {})",
                    one_line(c),
                    all.join(", ")
                )));
            }
        }
        ws.check_transcripts(&req.transcripts)?;
        let mut selected = vec![req.codes.is_empty(); ws.book.len()];
        for id in &req.codes {
            let pos = ws
                .book
                .position(id)
                .ok_or_else(|| Error::invalid(format!("unknown code id `{}`", one_line(id))))?;
            selected[pos] = true;
        }
        let named = !req.transcripts.is_empty();
        let wanted: HashSet<&str> = req.transcripts.iter().map(String::as_str).collect();
        // Transcripts by position in id order (ws.transcripts is sorted).
        let tpos: HashMap<&str, usize> = ws
            .transcripts
            .keys()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let all_t: Vec<&'a Transcript> = ws.transcripts.values().collect();
        // Place the compared coders' codings (like `segments::place_all`,
        // with integer sort keys: this runs on every coding).
        let mut placed: Vec<(usize, usize, Segment<'a>)> = Vec::new();
        let mut unplaced = 0;
        for j in &ws.journals {
            let Some(ci) = req.coders.iter().position(|c| *c == j.coder) else {
                continue;
            };
            for c in j.codings() {
                if named && !wanted.contains(c.transcript.as_str()) {
                    continue;
                }
                let (Some(pos), Some(&ti)) =
                    (ws.book.position(&c.code), tpos.get(c.transcript.as_str()))
                else {
                    unplaced += 1;
                    continue;
                };
                let (start, end, moved) = match place(c, all_t[ti]) {
                    Placement::Exact { start, end } => (start, end, false),
                    Placement::Moved { start, end } => (start, end, true),
                    Placement::Orphaned => {
                        unplaced += 1;
                        continue;
                    }
                };
                placed.push((
                    ti,
                    ci,
                    Segment {
                        coding: c,
                        transcript: all_t[ti],
                        code: &ws.book.codes()[pos],
                        code_pos: pos,
                        start,
                        end,
                        moved,
                    },
                ));
            }
        }
        placed.sort_unstable_by(|a, b| {
            (a.0, a.2.start, a.2.end, a.2.code_pos, a.1)
                .cmp(&(b.0, b.2.start, b.2.end, b.2.code_pos, b.1))
                .then_with(|| a.2.coding.id.cmp(&b.2.coding.id))
        });
        let mut in_scope = vec![named; all_t.len()];
        if !named {
            // Transcripts in which every compared coder has a coding.
            let full = (1u32 << req.coders.len()) - 1;
            let mut coded = vec![0u32; all_t.len()];
            for &(ti, ci, _) in &placed {
                coded[ti] |= 1 << ci;
            }
            for (t, m) in in_scope.iter_mut().zip(coded) {
                *t = m == full;
            }
        }
        let transcripts: Vec<&'a Transcript> = all_t
            .iter()
            .zip(&in_scope)
            .filter(|(t, keep)| **keep && (!named || wanted.contains(t.id.as_str())))
            .map(|(t, _)| *t)
            .collect();
        let mut segments = Vec::with_capacity(placed.len());
        let mut coder_of = Vec::with_capacity(placed.len());
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut last = usize::MAX;
        for (ti, ci, seg) in placed {
            if !in_scope[ti] {
                continue;
            }
            if ti != last {
                runs.push(segments.len()..segments.len());
                last = ti;
            }
            segments.push(seg);
            coder_of.push(ci as u8);
            runs.last_mut().expect("pushed above").end = segments.len();
        }
        Ok(Scope {
            book: &ws.book,
            coders: req.coders.clone(),
            names: req
                .coders
                .iter()
                .map(|c| {
                    ws.journals
                        .iter()
                        .find(|j| j.coder == *c)
                        .map(|j| j.coder.as_str())
                        .expect("checked above")
                })
                .collect(),
            transcripts,
            named,
            selected,
            segments,
            coder_of,
            runs,
            unplaced,
        })
    }

    /// Position of a coder in [`Scope::coders`].
    pub fn coder_index(&self, coder: &str) -> Option<usize> {
        self.coders.iter().position(|c| c == coder)
    }

    /// Units per code: code points of every transcript in scope.
    pub fn units(&self) -> u64 {
        self.transcripts.iter().map(|t| t.char_len() as u64).sum()
    }

    /// Every placed coding of the compared coders in the transcripts in
    /// scope, any code, sorted by transcript, start, end, code, coder.
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// The segments of each transcript in scope with their coders
    /// (indices in [`Scope::coders`]).
    fn by_transcript(&self) -> impl Iterator<Item = (&[Segment<'a>], &[u8])> {
        self.runs
            .iter()
            .map(|r| (&self.segments[r.clone()], &self.coder_of[r.clone()]))
    }

    /// The rating-pattern counts of every code (codebook order; codes not
    /// selected stay empty).
    pub fn counts(&self) -> Vec<Counts> {
        let n = self.coders.len();
        let mut per_code: Vec<Vec<u64>> = self
            .selected
            .iter()
            .map(|&s| if s { vec![0; 1 << n] } else { Vec::new() })
            .collect();
        let mut covered = vec![0u64; self.selected.len()];
        let mut events = Vec::new();
        let mut depth = vec![0u32; n];
        for (segs, coders) in self.by_transcript() {
            events.clear();
            for (s, &c) in segs.iter().zip(coders) {
                if !self.selected[s.code_pos] {
                    continue;
                }
                let c = usize::from(c);
                events.push(Event::new(s.code_pos, s.start, c, true));
                events.push(Event::new(s.code_pos, s.end, c, false));
            }
            events.sort_unstable_by_key(|e| (e.code, e.pos));
            for chunk in events.chunk_by(|a, b| a.code == b.code) {
                let k = chunk[0].code as usize;
                covered[k] += sweep(&mut per_code[k], chunk, &mut depth);
            }
        }
        let units = self.units();
        per_code
            .into_iter()
            .zip(covered)
            .map(|(mut v, cov)| {
                if v.is_empty() {
                    Counts::new(n)
                } else {
                    v[0] = units - cov;
                    Counts { coders: n, n: v }
                }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// The agreement report (`motif agree --json`)

/// The `motif.agreement` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub format: &'static str,
    pub version: u32,
    /// The unit: one code point ("char").
    pub unit: &'static str,
    pub coders: Vec<String>,
    /// Transcripts in scope.
    pub transcripts: Vec<String>,
    /// Every selected code in codebook order, used or not.
    pub codes: Vec<CodeAgreement>,
    pub pooled: Pooled,
    /// Pairwise agreement of the coders (pooled), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Matrix>,
}

/// One code's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct CodeAgreement {
    /// The code's path.
    pub code: String,
    pub id: String,
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    /// Whether a compared coder used the code in scope (pooled codes).
    pub used: bool,
    /// Codings with exactly this code in scope, per coder.
    pub segments: BTreeMap<String, usize>,
    /// Units each coder rated 1.
    pub coded_units: BTreeMap<String, u64>,
    #[serde(skip)]
    pub counts: Counts,
}

/// The pooled figures.
#[derive(Debug, Clone, Serialize)]
pub struct Pooled {
    /// How many codes are pooled (those a compared coder used).
    pub codes: usize,
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    #[serde(skip)]
    pub counts: Counts,
}

/// Pooled agreement of each pair of coders, over the codes either of the
/// two used, on the same transcripts; the diagonal is empty.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub coders: Vec<String>,
    pub units: Vec<Vec<Option<u64>>>,
    pub percent_agreement: Vec<Vec<Option<f64>>>,
    pub cohen_kappa: Vec<Vec<Option<f64>>>,
    pub krippendorff_alpha: Vec<Vec<Option<f64>>>,
}

/// Computes the agreement report of a scope, pairwise matrix included.
pub fn agreement(scope: &Scope<'_>) -> Agreement {
    let n = scope.coders.len();
    let counts = scope.counts();
    let mut segments: Vec<Vec<usize>> = vec![vec![0; n]; scope.selected.len()];
    for (s, &c) in scope.segments.iter().zip(&scope.coder_of) {
        segments[s.code_pos][usize::from(c)] += 1;
    }
    let mut codes = Vec::new();
    let mut pooled = Counts::new(n);
    let mut pooled_codes = 0;
    for (pos, code) in scope.book.codes().iter().enumerate() {
        if !scope.selected[pos] {
            continue;
        }
        let k = &counts[pos];
        let used = k.coded_by_any() > 0;
        if used {
            pooled.merge(k);
            pooled_codes += 1;
        }
        let st = k.stats();
        codes.push(CodeAgreement {
            code: code.path.clone(),
            id: code.id.clone(),
            units: st.units,
            percent_agreement: st.percent_agreement,
            cohen_kappa: st.cohen_kappa,
            krippendorff_alpha: st.krippendorff_alpha,
            used,
            segments: scope
                .coders
                .iter()
                .cloned()
                .zip(segments[pos].iter().copied())
                .collect(),
            coded_units: scope
                .coders
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), k.coded_by(i)))
                .collect(),
            counts: k.clone(),
        });
    }
    let st = pooled.stats();
    let matrix = matrix(scope, &counts);
    Agreement {
        format: "motif.agreement",
        version: 1,
        unit: "char",
        coders: scope.coders.clone(),
        transcripts: scope.transcripts.iter().map(|t| t.id.clone()).collect(),
        codes,
        pooled: Pooled {
            codes: pooled_codes,
            units: st.units,
            percent_agreement: st.percent_agreement,
            cohen_kappa: st.cohen_kappa,
            krippendorff_alpha: st.krippendorff_alpha,
            counts: pooled,
        },
        matrix: Some(matrix),
    }
}

fn matrix(scope: &Scope<'_>, counts: &[Counts]) -> Matrix {
    let n = scope.coders.len();
    let mut m = Matrix {
        coders: scope.coders.clone(),
        units: vec![vec![None; n]; n],
        percent_agreement: vec![vec![None; n]; n],
        cohen_kappa: vec![vec![None; n]; n],
        krippendorff_alpha: vec![vec![None; n]; n],
    };
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let mut pooled = Counts::new(2);
            for (pos, k) in counts.iter().enumerate() {
                if scope.selected[pos] && (k.coded_by(a) > 0 || k.coded_by(b) > 0) {
                    pooled.merge(&k.pair(a, b));
                }
            }
            let st = pooled.stats();
            m.units[a][b] = Some(st.units);
            m.percent_agreement[a][b] = st.percent_agreement;
            m.cohen_kappa[a][b] = st.cohen_kappa;
            m.krippendorff_alpha[a][b] = st.krippendorff_alpha;
        }
    }
    m
}

// ---------------------------------------------------------------------------
// Segment level: matching codings, items, disagreements

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
pub fn segment_view<'a>(scope: &Scope<'a>, overlap: f64) -> Result<SegmentView<'a>> {
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
            for a in 0..g {
                let sa = &segs[group[a]];
                for b in a + 1..g {
                    let sb = &segs[group[b]];
                    if sb.start >= sa.end {
                        break;
                    }
                    let (ra, rb) = (find_root(&mut parent, a), find_root(&mut parent, b));
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
                items.push(Item {
                    id: hasher.finalize().to_hex()[..8].to_owned(),
                    transcript: &first.coding.transcript,
                    code: &first.code.path,
                    code_id: &first.code.id,
                    start,
                    end,
                    agreed,
                    sides,
                    code_pos: first.code_pos,
                });
            }
        }
        items[first_new..].sort_unstable_by(|a, b| {
            (a.start, a.end, a.code_pos, &a.id).cmp(&(b.start, b.end, b.code_pos, &b.id))
        });
        // What the coders coded instead, where they disagree.
        // reach[i]: the furthest end among segs[..=i] (segs are by start),
        // so the segments before the first reach past a start end before it.
        let reach: Vec<usize> = segs
            .iter()
            .scan(0, |r, s| {
                *r = (*r).max(s.end);
                Some(*r)
            })
            .collect();
        for item in items[first_new..].iter_mut().filter(|i| !i.agreed) {
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
    Ok(SegmentView {
        coders: scope.coders.clone(),
        overlap,
        by_coder,
        items,
    })
}

// ---------------------------------------------------------------------------
// Disagreements as a document (JSON, CSV)

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
pub fn disagreements<'a>(scope: &Scope<'a>, view: &SegmentView<'a>) -> Disagreements<'a> {
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

// ---------------------------------------------------------------------------
// Consensus

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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn worked_example_of_the_docs() {
        // 100 units; ana codes 10-40, ben 20-50.
        let k = Counts::from_spans(2, 100, &[(0, 10, 40), (1, 20, 50)]);
        assert_eq!((k.get(0), k.get(1), k.get(2), k.get(3)), (60, 10, 10, 20));
        assert!(close(k.percent_agreement(), 0.8));
        assert!(close(k.cohen_kappa(), 11.0 / 21.0));
        assert!(close(k.krippendorff_alpha(), 221.0 / 420.0));
        // A third coder, cleo, codes 10-40 too.
        let k3 = Counts::from_spans(3, 100, &[(0, 10, 40), (1, 20, 50), (2, 10, 40)]);
        assert!(close(k3.percent_agreement(), 0.8));
        assert_eq!(k3.cohen_kappa(), None);
        assert!(close(k3.krippendorff_alpha(), 646.0 / 945.0));
    }

    #[test]
    fn sweep_equals_the_definition() {
        let spans = [(0, 3, 9), (0, 5, 12), (1, 0, 4), (1, 8, 8), (2, 7, 30)];
        let mut ratings = vec![vec![false; 20]; 3];
        for &(c, s, e) in &spans {
            if s < e.min(20) {
                ratings[c][s..e.min(20)].fill(true);
            }
        }
        assert_eq!(
            Counts::from_spans(3, 20, &spans),
            Counts::from_ratings(&ratings)
        );
    }

    #[test]
    fn undefined_values() {
        let never = Counts::from_spans(2, 10, &[]);
        assert_eq!(never.percent_agreement(), Some(1.0));
        assert_eq!(never.cohen_kappa(), None);
        assert_eq!(never.krippendorff_alpha(), None);
        assert_eq!(never.undefined(), Some(Undefined::NeverCoded));
        let always = Counts::from_spans(2, 10, &[(0, 0, 10), (1, 0, 10)]);
        assert_eq!(always.undefined(), Some(Undefined::AlwaysCoded));
        assert_eq!(always.cohen_kappa(), None);
        let empty = Counts::new(2);
        assert_eq!(empty.percent_agreement(), None);
        assert_eq!(empty.undefined(), Some(Undefined::NoUnits));
        // One coder codes everything, the other nothing: defined, zero.
        let apart = Counts::from_spans(2, 10, &[(0, 0, 10)]);
        assert_eq!(apart.cohen_kappa(), Some(0.0));
        assert!(apart.krippendorff_alpha().unwrap() < 0.0);
    }

    #[test]
    fn pairs_marginalize() {
        let k = Counts::from_spans(3, 50, &[(0, 0, 20), (1, 10, 30), (2, 5, 25)]);
        let p = k.pair(2, 0);
        let direct = Counts::from_spans(2, 50, &[(0, 5, 25), (1, 0, 20)]);
        assert_eq!(p, direct);
    }

    #[test]
    fn matching_threshold() {
        assert!(spans_match((0, 10), (5, 20), 0.5));
        assert!(!spans_match((0, 10), (6, 20), 0.5));
        assert!(!spans_match((0, 10), (10, 20), 0.0));
        // 3 shared of a shorter span of 30 is 0.1 of it, despite rounding.
        assert!(spans_match((0, 30), (27, 57), 0.1));
        assert!(spans_match((0, 10), (2, 5), 1.0));
    }
}
