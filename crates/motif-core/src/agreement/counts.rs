//! Counts of rating patterns ([`Counts`]) and the statistics computed
//! from them (percent agreement, Cohen's kappa, Krippendorff's alpha), and
//! the interval sweep that fills the counts from span boundaries.

use std::fmt;

use serde::Serialize;

use super::MAX_CODERS;

/// How many units show each rating pattern: entry `p` counts the units
/// that exactly the coders whose bits are set in `p` rated 1 (bit `i` is
/// coder `i`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub(super) coders: usize,
    pub(super) n: Vec<u64>,
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
pub(super) struct Event {
    pub(super) code: u32,
    pub(super) pos: usize,
    pub(super) coder: u8,
    pub(super) open: bool,
}

impl Event {
    pub(super) fn new(code: usize, pos: usize, coder: usize, open: bool) -> Event {
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
pub(super) fn sweep(n: &mut [u64], events: &[Event], depth: &mut [u32]) -> u64 {
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
