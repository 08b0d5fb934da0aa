//! Codings spread over a project's transcripts: spans on word boundaries,
//! codes by skewed popularity, later coders re-coding the first coder's
//! spans, a few undone batches, written through the real journal.

use std::collections::HashSet;

use motif_core::codebook::Codebook;
use motif_core::error::{Error, Result};
use motif_core::ids::rfc3339;
use motif_core::journal::{Coding, CodingFields, Journal, Record};
use motif_core::project::Project;
use motif_core::segments::anchor;
use motif_core::transcript::Transcript;
use unicode_segmentation::UnicodeSegmentation;

use super::rng::Rng;
use super::spec::{CoderSummary, check_coders};

/// A word of a transcript: its turn and its code-point span.
#[derive(Debug, Clone, Copy)]
struct Word {
    turn: usize,
    start: usize,
    end: usize,
}

/// The words of `t`'s turns (what was said, without timestamps and speaker
/// labels), with code-point offsets, and for each turn the range of its
/// words.
fn words_of(t: &Transcript) -> (Vec<Word>, Vec<(usize, usize)>) {
    let mut words = Vec::new();
    let mut turns = Vec::with_capacity(t.turns.len());
    // Walk forward, converting byte offsets to code points as we go.
    let (mut at_byte, mut at_char) = (0, 0);
    for (ti, turn) in t.turns.iter().enumerate() {
        let first = words.len();
        let body = &t.text[turn.body_start..turn.end];
        for (b, w) in body.unicode_word_indices() {
            let b = turn.body_start + b;
            let start = at_char + t.text[at_byte..b].chars().count();
            let end = start + w.chars().count();
            words.push(Word {
                turn: ti,
                start,
                end,
            });
            at_byte = b + w.len();
            at_char = end;
        }
        turns.push((first, words.len()));
    }
    (words, turns)
}

/// A span of whole words: first and last word (inclusive) and the code's
/// position in the codebook.
type Pick = (usize, usize, usize);

/// Chooses a span of words, as a coder would: usually a phrase or a few
/// sentences, sometimes a whole turn.
fn draw_span(rng: &mut Rng, words: &[Word], turns: &[(usize, usize)]) -> (usize, usize) {
    let w = rng.below(words.len());
    let (lo, hi) = turns[words[w].turn];
    let len = match rng.below(100) {
        0..30 => rng.range(2, 8),
        30..75 => rng.range(8, 40),
        75..95 => rng.range(40, 150),
        _ => return (lo, hi - 1),
    };
    (w, (w + len - 1).min(hi - 1))
}

/// Chooses a code: mostly one of the interview's favourites, otherwise by
/// overall popularity.
fn draw_code(rng: &mut Rng, favourites: &[usize], popularity: &[usize]) -> usize {
    if rng.permille(650) {
        rng.pick(favourites)
    } else {
        rng.skewed_pick(popularity)
    }
}

/// A coding drawn for one coder on one transcript.
fn fresh(
    rng: &mut Rng,
    words: &[Word],
    turns: &[(usize, usize)],
    favourites: &[usize],
    popularity: &[usize],
) -> Pick {
    let (a, b) = draw_span(rng, words, turns);
    (a, b, draw_code(rng, favourites, popularity))
}

/// A second coder's take on a first coder's coding: the same, another
/// code, or boundaries a few words off (within the same turn).
fn variant(
    rng: &mut Rng,
    of: Pick,
    words: &[Word],
    turns: &[(usize, usize)],
    favourites: &[usize],
    popularity: &[usize],
) -> Pick {
    let (a, b, code) = of;
    match rng.below(100) {
        0..65 => of,
        65..80 => (a, b, draw_code(rng, favourites, popularity)),
        _ => {
            let (lo, hi) = turns[words[a].turn];
            let a2 = if rng.permille(500) {
                a.saturating_sub(rng.range(1, 3)).max(lo)
            } else {
                (a + rng.range(1, 3)).min(b)
            };
            let b2 = if rng.permille(500) {
                (b + rng.range(1, 3)).min(hi - 1)
            } else {
                b.saturating_sub(rng.range(1, 3)).max(a2)
            };
            (a2, b2, code)
        }
    }
}

/// Splits `total` over `weights` exactly (largest share first for the
/// remainder, in order).
pub(super) fn allocate(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| (total as u128 * *w as u128 / sum as u128) as usize)
        .collect();
    let mut left = total - out.iter().sum::<usize>();
    let n = out.len();
    let mut i = 0;
    while left > 0 {
        out[i % n] += 1;
        left -= 1;
        i += 1;
    }
    out
}

/// Records are appended in chunks of this many (one write and one fsync
/// each).
const CHUNK: usize = 20_000;

/// One coder's journal being written.
struct Writer {
    journal: Journal,
    coder: String,
    rng: Rng,
    pending: Vec<Record>,
    ids: HashSet<String>,
    clock: u64,
    summary: CoderSummary,
}

impl Writer {
    fn id(&mut self) -> String {
        loop {
            let id = format!("{:012x}", self.rng.next_u64() & 0xFFFF_FFFF_FFFF);
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn coding(&mut self, t: &Transcript, start: usize, end: usize, code: &str) -> Coding {
        let memo = self.rng.permille(30).then(|| {
            format!(
                "Compare with the other interviews — same framing? ({})",
                t.id
            )
        });
        Coding::new(CodingFields {
            id: &self.id(),
            transcript: &t.id,
            start,
            end,
            code,
            coder: &self.coder,
            time: &rfc3339(self.clock),
            memo: memo.as_deref(),
            anchor: anchor(t, start, end),
        })
    }

    /// Queues `picks` (codings on `t`) as batches of one to five, with now
    /// and then a mistaken batch that is undone at once; appends to the
    /// journal once enough records are queued.
    fn write(
        &mut self,
        t: &Transcript,
        book: &Codebook,
        picks: &[Pick],
        words: &[Word],
    ) -> Result<()> {
        let code_id = |pos: usize| book.codes()[pos].id.as_str();
        let mut next = 0;
        while next < picks.len() {
            let size = match self.rng.below(100) {
                0..85 => 1,
                85..95 => 2,
                _ => self.rng.range(3, 5),
            };
            self.clock += self.rng.range(5, 180) as u64;
            let batch = self.id();
            for &(first, last, pos) in &picks[next..(next + size).min(picks.len())] {
                let coding = self.coding(t, words[first].start, words[last].end, code_id(pos));
                self.pending.push(Record::add(&batch, &coding));
            }
            next += size;
            self.summary.batches += 1;
            if self.rng.permille(7) {
                // A slip, undone right away.
                self.clock += self.rng.range(2, 20) as u64;
                let (first, last, pos) = picks[self.rng.below(picks.len())];
                let slip = self.id();
                let coding = self.coding(
                    t,
                    words[first].start,
                    words[last].end,
                    code_id((pos + 1) % book.len()),
                );
                self.pending.push(Record::add(&slip, &coding));
                self.clock += self.rng.range(1, 10) as u64;
                self.pending.push(Record::Undo {
                    batch: slip,
                    time: rfc3339(self.clock),
                });
                self.summary.batches += 1;
            }
        }
        if self.pending.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let records = std::mem::take(&mut self.pending);
        if records.is_empty() {
            return Ok(());
        }
        self.summary.records += records.len();
        self.journal.transact(move |_| Ok((records, ())))
    }
}

/// Adds `count` codings, shared evenly between `coders`, over the
/// transcripts of `project`, through the coders' journals. Works on any
/// project whose codebook has codes; returns what each coder got.
pub fn add_codings(
    project: &Project,
    count: usize,
    coders: &[String],
    seed: u64,
) -> Result<Vec<CoderSummary>> {
    check_coders(count, coders)?;
    let book = project.codebook()?;
    if count > 0 && book.is_empty() {
        return Err(Error::invalid("the codebook has no codes to code with"));
    }
    let (transcripts, bad) = project.transcripts()?;
    if let Some(e) = bad.into_iter().next() {
        return Err(e);
    }
    if count > 0 && transcripts.is_empty() {
        return Err(Error::invalid("the project has no transcripts to code"));
    }
    let root = Rng::new(seed);
    let mut rng = root.fork(0);
    // Popularity of codes: a fixed shuffle of the codebook.
    let mut popularity: Vec<usize> = (0..book.len()).collect();
    for i in (1..popularity.len()).rev() {
        popularity.swap(i, rng.below(i + 1));
    }
    let weights: Vec<usize> = transcripts.iter().map(|_| rng.range(50, 150)).collect();
    let shares = allocate(count, &vec![1; coders.len()]);
    let per_coder: Vec<Vec<usize>> = shares.iter().map(|&s| allocate(s, &weights)).collect();
    let mut writers = Vec::with_capacity(coders.len());
    for (k, coder) in coders.iter().enumerate() {
        let journal = project.journal(coder)?;
        let before = journal.len();
        writers.push((
            Writer {
                journal,
                coder: coder.clone(),
                rng: root.fork(1 + k as u64),
                pending: Vec::new(),
                ids: HashSet::new(),
                // 2026-01-05T09:00:00Z, then a week later for each coder.
                clock: 1_767_603_600 + 7 * 86_400 * k as u64,
                summary: CoderSummary {
                    coder: coder.clone(),
                    codings: 0,
                    records: 0,
                    batches: 0,
                },
            },
            before,
        ));
    }
    let mut carry = vec![0; coders.len()];
    for (ti, t) in transcripts.iter().enumerate() {
        let (words, turns) = words_of(t);
        for (k, c) in carry.iter_mut().enumerate() {
            *c += per_coder[k][ti];
        }
        if words.is_empty() {
            continue;
        }
        let mut trng = root.fork(1_000_000 + ti as u64);
        let favourites: Vec<usize> = (0..6).map(|_| trng.skewed_pick(&popularity)).collect();
        let mut first: Vec<Pick> = Vec::new();
        for (k, (w, _)) in writers.iter_mut().enumerate() {
            let want = std::mem::take(&mut carry[k]);
            let mut picks = Vec::with_capacity(want);
            let mut seen = HashSet::with_capacity(want);
            let mut attempts = 0;
            while picks.len() < want {
                attempts += 1;
                if attempts > 100 * want + 1_000 {
                    return Err(Error::invalid(format!(
                        "cannot place {want} distinct codings on `{}`: it is too short",
                        t.id
                    )));
                }
                let p = if k > 0 && !first.is_empty() && trng.permille(600) {
                    let of = trng.pick(&first);
                    variant(&mut trng, of, &words, &turns, &favourites, &popularity)
                } else {
                    fresh(&mut trng, &words, &turns, &favourites, &popularity)
                };
                if seen.insert((words[p.0].start, words[p.1].end, p.2)) {
                    picks.push(p);
                }
            }
            w.write(t, &book, &picks, &words)?;
            if k == 0 {
                first = picks;
            }
        }
    }
    if carry.iter().any(|&c| c > 0) {
        return Err(Error::invalid(
            "the last transcripts have no words to code; nothing more could be placed",
        ));
    }
    let mut out = Vec::with_capacity(writers.len());
    for (mut w, before) in writers {
        w.flush()?;
        w.summary.codings = w.journal.len() - before;
        out.push(w.summary);
    }
    Ok(out)
}
