//! What is compared: the coders, transcripts and codes of a [`Request`],
//! resolved against a workspace, and the per-code counts over them.

use std::collections::{HashMap, HashSet};

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::segments::{Placement, Segment, place};
use crate::text::one_line;
use crate::transcript::Transcript;
use crate::workspace::Workspace;

use super::MAX_CODERS;
use super::counts::{Counts, Event, sweep};

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
pub struct Comparison<'a> {
    pub book: &'a Codebook,
    pub coders: Vec<String>,
    /// The coders' names as the journals hold them (same order).
    pub(super) names: Vec<&'a str>,
    /// Transcripts in scope, by id.
    pub transcripts: Vec<&'a Transcript>,
    /// Whether the transcripts were named (else chosen by the codings).
    pub named: bool,
    /// Whether each code (codebook order) is reported.
    pub selected: Vec<bool>,
    /// Every placed coding of the compared coders in the transcripts in
    /// scope, any code, sorted by transcript, start, end, code, coder.
    pub(super) segments: Vec<Segment<'a>>,
    /// The coder (index in `coders`) of each segment.
    pub(super) coder_of: Vec<u8>,
    /// Each transcript's run of segments.
    pub(super) runs: Vec<std::ops::Range<usize>>,
    /// Codings of the compared coders that could not be placed
    /// (orphaned, on a missing transcript, or with an unknown code).
    pub unplaced: usize,
}

impl<'a> Comparison<'a> {
    /// Checks the request against the project and finds the scope.
    pub fn new(ws: &'a Workspace, req: &Request) -> Result<Comparison<'a>> {
        check_coders(ws, &req.coders)?;
        ws.check_transcripts(&req.transcripts)?;
        let selected = selected_codes(&ws.book, &req.codes)?;
        let named = !req.transcripts.is_empty();
        let wanted: HashSet<&str> = req.transcripts.iter().map(String::as_str).collect();
        let all_t: Vec<&'a Transcript> = ws.transcripts.values().collect();
        let (placed, unplaced) = place_compared(ws, &req.coders, &all_t, named, &wanted);
        let in_scope = if named {
            vec![true; all_t.len()]
        } else {
            coded_by_all(&placed, all_t.len(), req.coders.len())
        };
        let transcripts: Vec<&'a Transcript> = all_t
            .iter()
            .zip(&in_scope)
            .filter(|(t, keep)| **keep && (!named || wanted.contains(t.id.as_str())))
            .map(|(t, _)| *t)
            .collect();
        let (segments, coder_of, runs) = into_runs(placed, &in_scope);
        Ok(Comparison {
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

    /// Position of a coder in [`Comparison::coders`].
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
    /// (indices in [`Comparison::coders`]).
    pub(super) fn by_transcript(&self) -> impl Iterator<Item = (&[Segment<'a>], &[u8])> {
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

/// Checks the compared coders: two to [`MAX_CODERS`], none twice, each
/// one of the project's coders.
fn check_coders(ws: &Workspace, coders: &[String]) -> Result<()> {
    // Only coders with live codings are named: an empty journal is no coder.
    let live = ws.coders_with_codings();
    if coders.len() < 2 {
        return Err(Error::invalid(format!(
            "agreement needs at least two coders; coders with codings in this project: {}",
            if live.is_empty() {
                "none".to_owned()
            } else {
                live.join(", ")
            }
        )));
    }
    let all = ws.coders();
    if coders.len() > MAX_CODERS {
        return Err(Error::invalid(format!(
            "agreement compares at most {MAX_CODERS} coders at once"
        )));
    }
    let mut seen = HashSet::new();
    for c in coders {
        if !seen.insert(c) {
            return Err(Error::invalid(format!(
                "coder `{}` is named twice",
                one_line(c)
            )));
        }
        if !all.contains(c) {
            return Err(Error::invalid(format!(
                "no coder `{}` in this project (coders with codings: {})",
                one_line(c),
                live.join(", ")
            )));
        }
    }
    Ok(())
}

/// Whether each code (codebook order) is reported: the codes asked for
/// (aliases resolve), or every code if none was.
fn selected_codes(book: &Codebook, codes: &[String]) -> Result<Vec<bool>> {
    let mut selected = vec![codes.is_empty(); book.len()];
    for id in codes {
        let pos = book
            .position(id)
            .ok_or_else(|| Error::invalid(format!("unknown code id `{}`", one_line(id))))?;
        selected[pos] = true;
    }
    Ok(selected)
}

/// A placed coding: the position of its transcript in `all_t`, its coder's
/// index in the compared coders, and the segment.
type Placed<'a> = (usize, usize, Segment<'a>);

/// Places the compared coders' codings (in the transcripts `wanted` if
/// `named`), sorted by transcript, start, end, code, coder and id, and
/// counts those that cannot be placed.
fn place_compared<'a>(
    ws: &'a Workspace,
    coders: &[String],
    all_t: &[&'a Transcript],
    named: bool,
    wanted: &HashSet<&str>,
) -> (Vec<Placed<'a>>, usize) {
    // Transcripts by position in id order (ws.transcripts is sorted).
    let tpos: HashMap<&str, usize> = ws
        .transcripts
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    // Place the compared coders' codings (like `segments::place_all`,
    // with integer sort keys: this runs on every coding).
    let mut placed: Vec<Placed<'a>> = Vec::new();
    let mut unplaced = 0;
    for j in &ws.journals {
        let Some(ci) = coders.iter().position(|c| *c == j.coder) else {
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
            let (start, end, moved, edited) = match place(c, all_t[ti]) {
                Placement::Exact { start, end } => (start, end, false, false),
                Placement::Moved { start, end } => (start, end, true, false),
                Placement::Edited { start, end } => (start, end, true, true),
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
                    edited,
                },
            ));
        }
    }
    placed.sort_unstable_by(|a, b| {
        (a.0, a.2.start, a.2.end, a.2.code_pos, a.1)
            .cmp(&(b.0, b.2.start, b.2.end, b.2.code_pos, b.1))
            .then_with(|| a.2.coding.id.cmp(&b.2.coding.id))
    });
    (placed, unplaced)
}

/// Per transcript (of `transcripts`), whether every one of the `coders`
/// compared coders has a coding in it.
fn coded_by_all(placed: &[Placed<'_>], transcripts: usize, coders: usize) -> Vec<bool> {
    let full = (1u32 << coders) - 1;
    let mut coded = vec![0u32; transcripts];
    for &(ti, ci, _) in placed {
        coded[ti] |= 1 << ci;
    }
    coded.into_iter().map(|m| m == full).collect()
}

/// The placed codings in the transcripts in scope: the segments, the
/// coder of each, and each transcript's run of segments.
fn into_runs<'a>(
    placed: Vec<Placed<'a>>,
    in_scope: &[bool],
) -> (Vec<Segment<'a>>, Vec<u8>, Vec<std::ops::Range<usize>>) {
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
    (segments, coder_of, runs)
}
