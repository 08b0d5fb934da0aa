//! Carrying a coding over an edit of its transcript.
//!
//! Where the text a coding was made on is known (kept by hash in
//! `.motif/texts/`, see [`crate::history`]), the two versions are diffed
//! character by character (a minimal diff, Myers' algorithm) and the
//! coding's span is mapped through it ([`EditMap`]): lines first (lines
//! both versions keep stay paired), then characters inside each run of
//! changed lines. The work is bounded by size, never by the clock, so the
//! same edit always maps the same way. Text no edit
//! touched keeps its coding exactly; a span an edit reached inside is
//! *edited* (its new text differs from the quote); a span whose text is
//! gone (or of which less than a third of its characters survive) is
//! *orphaned*. Because the mapping follows positions through the diff, a
//! coding never jumps to another occurrence of the same words.
//!
//! Where the old text is not known, the quote and its context decide
//! ([`by_quote`]): an occurrence of the quote whose context still matches
//! (both sides; or one side, when only one occurrence has it), else the
//! text between the old context's two sides (edited). Anything ambiguous
//! is orphaned rather than guessed.

use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::transcript::Transcript;

/// The largest stretch (old length × new length, in characters or in
/// lines) diffed at once. A minimal diff costs up to about twice this, so
/// it bounds the work by the size of the edit, not by the clock: the same
/// two texts always align the same way, however busy the machine. A
/// stretch over it is aligned a level up (lines, then one replaced block).
const DIFF_BUDGET: usize = 16_000_000;

/// Where a span lands after an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// Its text is unchanged, here.
    Same { start: usize, end: usize },
    /// An edit reached inside it; this is where its text is now.
    Edited { start: usize, end: usize },
    /// Its text is gone.
    Gone,
}

/// One aligned stretch of the two texts, in code points.
#[derive(Debug, Clone, Copy)]
struct Piece {
    old: usize,
    old_len: usize,
    new: usize,
    new_len: usize,
    /// Both sides hold the same text.
    equal: bool,
}

/// The alignment of an old text with a new one: which stretches stayed,
/// which were deleted, inserted or replaced.
#[derive(Debug, Clone)]
pub struct EditMap {
    pieces: Vec<Piece>,
    /// The old text's characters.
    old: Vec<char>,
}

impl EditMap {
    /// Aligns `old` with `new`, character by character (a minimal diff:
    /// text no edit touched is aligned with itself).
    pub fn new(old: &str, new: &str) -> EditMap {
        let old_chars: Vec<char> = old.chars().collect();
        let new_chars: Vec<char> = new.chars().collect();
        let mut pieces = align(&old_chars, &new_chars);
        slide_blocks(&mut pieces, &old_chars, &new_chars);
        EditMap {
            pieces,
            old: old_chars,
        }
    }

    /// Whether the old text holds `quote` at `start..end` (code points).
    pub fn old_holds(&self, start: usize, end: usize, quote: &str) -> bool {
        start <= end
            && self
                .old
                .get(start..end)
                .is_some_and(|s| s.iter().copied().eq(quote.chars()))
    }

    /// The piece holding old position `p`.
    fn piece_at(&self, p: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|pc| pc.old + pc.old_len <= p);
        self.pieces
            .get(i)
            .filter(|pc| pc.old <= p && p < pc.old + pc.old_len)
    }

    /// Maps old span `start..end` (code points, non-empty) onto the new
    /// text: its new bounds and how many of its characters are still
    /// there, untouched (whitespace not counted), with how many it had
    /// (the same way).
    fn map(&self, start: usize, end: usize) -> (usize, usize, usize, usize) {
        let old = &self.old;
        let Some(first) = self.piece_at(start) else {
            return (0, 0, 0, 1);
        };
        let new_start = if first.equal {
            first.new + (start - first.old)
        } else {
            first.new + (start - first.old).min(first.new_len)
        };
        let Some(last) = self.piece_at(end - 1) else {
            return (0, 0, 0, 1);
        };
        let new_end = if last.equal {
            last.new + (end - last.old)
        } else if end == last.old + last.old_len {
            last.new + last.new_len
        } else {
            last.new + (end - last.old).min(last.new_len)
        };
        let mut kept = 0;
        let i = self
            .pieces
            .partition_point(|pc| pc.old + pc.old_len <= start);
        for pc in self.pieces[i..].iter().take_while(|pc| pc.old < end) {
            if pc.equal {
                let (a, b) = (pc.old.max(start), (pc.old + pc.old_len).min(end));
                kept += old[a..b].iter().filter(|c| !c.is_whitespace()).count();
            }
        }
        let had = old[start..end]
            .iter()
            .filter(|c| !c.is_whitespace())
            .count();
        (new_start, new_end.max(new_start), kept, had)
    }
}

/// Aligns two texts line by line first: whole lines both keep (at the
/// start, at the end, and wherever a line diff pairs them) stay aligned
/// as lines, and each run of changed lines is diffed by character when it
/// is small enough (see [`DIFF_BUDGET`]), else left as one replaced block.
/// A character diff of the whole would be as small either way when the
/// new text holds the old one in more than one way (a line inserted above
/// that starts like the old first line), and could pair a coding's
/// characters with the inserted line's.
fn align(old: &[char], new: &[char]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    by_lines(&mut pieces, old, new, 0, 0);
    pieces
}

fn push_equal(pieces: &mut Vec<Piece>, old: usize, new: usize, len: usize) {
    if len > 0 {
        pieces.push(Piece {
            old,
            old_len: len,
            new,
            new_len: len,
            equal: true,
        });
    }
}

/// A replaced (or deleted, or inserted) block, unless empty.
fn push_changed(pieces: &mut Vec<Piece>, old: usize, old_len: usize, new: usize, new_len: usize) {
    if old_len + new_len > 0 {
        pieces.push(Piece {
            old,
            old_len,
            new,
            new_len,
            equal: false,
        });
    }
}

/// A minimal character diff of `o` and `n` (at `at_old`, `at_new`).
fn by_chars(pieces: &mut Vec<Piece>, o: &[char], n: &[char], at_old: usize, at_new: usize) {
    for op in capture_diff_slices(Algorithm::Myers, o, n) {
        let (tag, a, b) = op.as_tag_tuple();
        pieces.push(Piece {
            old: at_old + a.start,
            old_len: a.len(),
            new: at_new + b.start,
            new_len: b.len(),
            equal: tag == DiffTag::Equal,
        });
    }
}

/// `text` cut after each line break.
fn lines(text: &[char]) -> Vec<&[char]> {
    text.split_inclusive(|c| *c == '\n').collect()
}

/// A line diff of `o` and `n`, each replaced run of lines diffed by
/// character when small enough; a middle too large even for lines is
/// one replaced block.
fn by_lines(pieces: &mut Vec<Piece>, o: &[char], n: &[char], at_old: usize, at_new: usize) {
    let (ol, nl) = (lines(o), lines(n));
    // Whole lines in common at the start and the end.
    let pre = ol.iter().zip(&nl).take_while(|(a, b)| a == b).count();
    let suf = ol[pre..]
        .iter()
        .rev()
        .zip(nl[pre..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let chars = |ls: &[&[char]]| ls.iter().map(|l| l.len()).sum::<usize>();
    let (head, tail) = (chars(&ol[..pre]), chars(&ol[ol.len() - suf..]));
    push_equal(pieces, at_old, at_new, head);
    let (o, n) = (&o[head..o.len() - tail], &n[head..n.len() - tail]);
    let (at_old, at_new) = (at_old + head, at_new + head);
    let (ol, nl) = (&ol[pre..ol.len() - suf], &nl[pre..nl.len() - suf]);
    if ol.len().saturating_mul(nl.len()) > DIFF_BUDGET {
        push_changed(pieces, at_old, o.len(), at_new, n.len());
        push_equal(pieces, at_old + o.len(), at_new + n.len(), tail);
        return;
    }
    // Character offsets of each line's start (and the end).
    let starts = |ls: &[&[char]]| -> Vec<usize> {
        std::iter::once(0)
            .chain(ls.iter().scan(0, |acc, l| {
                *acc += l.len();
                Some(*acc)
            }))
            .collect()
    };
    let (os, ns) = (starts(ol), starts(nl));
    for op in capture_diff_slices(Algorithm::Myers, ol, nl) {
        let (tag, a, b) = op.as_tag_tuple();
        let (oa, ob) = (os[a.start], os[a.end]);
        let (na, nb) = (ns[b.start], ns[b.end]);
        if tag == DiffTag::Equal {
            push_equal(pieces, at_old + oa, at_new + na, ob - oa);
        } else if (ob - oa).saturating_mul(nb - na) <= DIFF_BUDGET {
            by_chars(pieces, &o[oa..ob], &n[na..nb], at_old + oa, at_new + na);
        } else {
            push_changed(pieces, at_old + oa, ob - oa, at_new + na, nb - na);
        }
    }
    push_equal(pieces, at_old + o.len(), at_new + n.len(), tail);
}

/// How natural a block of deleted or inserted text at `b..b + len` of
/// `txt` is as the edit: one that starts after a line break or a space
/// and ends with one beats one that cuts words.
fn block_score(txt: &[char], b: usize, len: usize) -> u8 {
    let kind = |c: char| match c {
        '\n' => 3,
        c if c.is_whitespace() => 2,
        c if !c.is_alphanumeric() => 1,
        _ => 0,
    };
    let before = if b == 0 { 3 } else { kind(txt[b - 1]) };
    before + kind(txt[b + len - 1])
}

/// Moves each deleted or inserted block to its most natural place among
/// those that read the same. A diff may put the deletion of a paragraph
/// `Two.\n\n` after `One.\n\n` as `.\n\nTwo` (the same letters one place
/// earlier), which would take the full stop from a coding of `One.`; the
/// block is moved back to start after the line break.
fn slide_blocks(pieces: &mut [Piece], old: &[char], new: &[char]) {
    for i in 0..pieces.len() {
        let p = pieces[i];
        if p.equal || (p.old_len > 0) == (p.new_len > 0) {
            continue;
        }
        let (txt, a, len) = if p.new_len == 0 {
            (old, p.old, p.old_len)
        } else {
            (new, p.new, p.new_len)
        };
        let left_room = if i > 0 && pieces[i - 1].equal {
            pieces[i - 1].old_len
        } else {
            0
        };
        let right_room = pieces
            .get(i + 1)
            .filter(|n| n.equal)
            .map_or(0, |n| n.old_len);
        let mut left = 0;
        while left < left_room && txt[a - 1 - left] == txt[a + len - 1 - left] {
            left += 1;
        }
        let mut right = 0;
        while right < right_room && txt[a + right] == txt[a + len + right] {
            right += 1;
        }
        if left == 0 && right == 0 {
            continue;
        }
        // Best place; the diff's own on a tie.
        let mut best = (block_score(txt, a, len), 0isize);
        for d in (0..=left)
            .map(|l| -(l as isize))
            .chain((1..=right).map(|r| r as isize))
        {
            let score = block_score(txt, a.wrapping_add_signed(d), len);
            if score > best.0 {
                best = (score, d);
            }
        }
        let d = best.1;
        if d == 0 {
            continue;
        }
        pieces[i].old = p.old.wrapping_add_signed(d);
        pieces[i].new = p.new.wrapping_add_signed(d);
        if i > 0 && pieces[i - 1].equal {
            let prev = &mut pieces[i - 1];
            prev.old_len = prev.old_len.wrapping_add_signed(d);
            prev.new_len = prev.new_len.wrapping_add_signed(d);
        }
        if let Some(next) = pieces.get_mut(i + 1).filter(|n| n.equal) {
            next.old = next.old.wrapping_add_signed(d);
            next.new = next.new.wrapping_add_signed(d);
            next.old_len = next.old_len.wrapping_add_signed(-d);
            next.new_len = next.new_len.wrapping_add_signed(-d);
        }
    }
}

/// Maps span `start..end` (code points) of the old text onto `new`
/// through `map`, the alignment of the old text with `new`.
pub fn through_edit(map: &EditMap, new: &Transcript, start: usize, end: usize) -> Mapped {
    if start >= end || end > map.old.len() {
        return Mapped::Gone;
    }
    let (ns, ne, kept, had) = map.map(start, end);
    let Some(new_text) = new.slice_chars(ns, ne) else {
        return Mapped::Gone;
    };
    let same = new_text.chars().eq(map.old[start..end].iter().copied());
    if same {
        return Mapped::Same { start: ns, end: ne };
    }
    judge_edited(ns, ne, new_text, kept, had)
}

/// An edited span stays attached while some of its text is there: at
/// least a third of its characters (whitespace aside), and not blank.
fn judge_edited(ns: usize, ne: usize, new_text: &str, kept: usize, had: usize) -> Mapped {
    if new_text.trim().is_empty() || kept * 3 < had {
        return Mapped::Gone;
    }
    Mapped::Edited { start: ns, end: ne }
}

/// How much of `quote` is still in `now`, aligned as a diff aligns them:
/// (characters kept, characters it had), whitespace not counted.
fn kept_of(quote: &str, now: &str) -> (usize, usize) {
    let map = EditMap::new(quote, now);
    if map.old.is_empty() {
        return (0, 1);
    }
    let (_, _, kept, had) = map.map(0, map.old.len());
    (kept, had)
}

/// What a coding carries to be found without its old text: the quote, up
/// to [`crate::segments::CONTEXT_CHARS`] code points on each side, and
/// where it was (code points).
#[derive(Debug, Clone, Copy)]
pub struct Clues<'a> {
    pub quote: &'a str,
    pub before: &'a str,
    pub after: &'a str,
    pub start: usize,
}

/// Every byte offset where `needle` starts in `hay`, overlapping ones too.
fn occurrences<'h>(hay: &'h str, needle: &'h str) -> impl Iterator<Item = usize> + 'h {
    let mut from = 0;
    std::iter::from_fn(move || {
        if needle.is_empty() {
            return None;
        }
        let b = from + hay.get(from..)?.find(needle)?;
        from = b + hay[b..].chars().next().map_or(1, char::len_utf8);
        Some(b)
    })
}

/// Places a coding on `new` by its quote and context alone (the text it
/// was made on is not known). Never guesses between occurrences it cannot
/// tell apart: those are [`Mapped::Gone`].
pub fn by_quote(clues: Clues<'_>, new: &str) -> Mapped {
    let char_at = |b: usize| new[..b].chars().count();
    let quote_len = clues.quote.chars().count();
    let full = crate::segments::CONTEXT_CHARS;
    // A context shorter than the full width reached the text's edge.
    let before_at_edge = clues.before.chars().count() < full;
    let after_at_edge = clues.after.chars().count() < full;
    let before_ok =
        |b: usize| new[..b].ends_with(clues.before) && (!before_at_edge || b == clues.before.len());
    let after_ok = |e: usize| {
        new[e..].starts_with(clues.after) && (!after_at_edge || new.len() - e == clues.after.len())
    };
    let mut both: Vec<usize> = Vec::new();
    let mut one: Vec<usize> = Vec::new();
    for b in occurrences(new, clues.quote) {
        match (before_ok(b), after_ok(b + clues.quote.len())) {
            (true, true) => both.push(b),
            (true, false) | (false, true) => one.push(b),
            (false, false) => {}
        }
    }
    // The same words with the same context on both sides: nearest wins.
    if let Some(&b) = both
        .iter()
        .min_by_key(|&&b| char_at(b).abs_diff(clues.start))
    {
        let s = char_at(b);
        return Mapped::Same {
            start: s,
            end: s + quote_len,
        };
    }
    if one.len() == 1 {
        let s = char_at(one[0]);
        return Mapped::Same {
            start: s,
            end: s + quote_len,
        };
    }
    if !one.is_empty() {
        return Mapped::Gone;
    }
    between_contexts(clues, new, &before_ok, &after_ok)
}

/// The quote was edited: the text between its old context's two sides,
/// when exactly one such stretch (not much longer than the quote) exists.
fn between_contexts(
    clues: Clues<'_>,
    new: &str,
    before_ok: &dyn Fn(usize) -> bool,
    after_ok: &dyn Fn(usize) -> bool,
) -> Mapped {
    if clues.before.is_empty() && clues.after.is_empty() {
        return Mapped::Gone;
    }
    let reach = clues.quote.len() * 2 + 64;
    let starts: Vec<usize> = if clues.before.is_empty() {
        vec![0]
    } else {
        occurrences(new, clues.before)
            .map(|b| b + clues.before.len())
            .filter(|&b| before_ok(b))
            .collect()
    };
    let mut found = None;
    for s in starts {
        let window_end = (s + reach).min(new.len());
        let ends: Vec<usize> = if clues.after.is_empty() {
            vec![new.len()]
                .into_iter()
                .filter(|&e| e <= window_end)
                .collect()
        } else {
            let mut w = window_end;
            while !new.is_char_boundary(w) {
                w -= 1;
            }
            occurrences(&new[s..w], clues.after)
                .map(|e| s + e)
                .filter(|&e| after_ok(e))
                .collect()
        };
        for e in ends {
            if found.is_some() {
                return Mapped::Gone; // two candidates: cannot tell
            }
            found = Some((s, e));
        }
    }
    let Some((s, e)) = found else {
        return Mapped::Gone;
    };
    let now = &new[s..e];
    let (kept, had) = kept_of(clues.quote, now);
    let ns = new[..s].chars().count();
    judge_edited(ns, ns + now.chars().count(), now, kept, had)
}

#[cfg(test)]
#[path = "reanchor_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn via_diff(old: &str, new: &str, quote: &str, nth: usize) -> Mapped {
        let b = old.match_indices(quote).nth(nth).expect("quote").0;
        let s = old[..b].chars().count();
        let e = s + quote.chars().count();
        let t = Transcript::new("p", new.to_owned());
        through_edit(&EditMap::new(old, new), &t, s, e)
    }

    /// Lines inserted above that start like the coded line, and text
    /// appended: the coding stays on its own line (a character diff of the
    /// whole paired it with the inserted line's start).
    #[test]
    fn a_coding_stays_on_its_line_when_like_lines_are_inserted_above() {
        let old = "[00:00:00] NOTE: e2 café line\nP03: 北京 words 🚀\n";
        let new = format!(
            "[00:00:00] NOTE: inserted one\n[00:00:00] NOTE: inserted two\n{old}POSTSCRIPT\n"
        );
        let m = via_diff(old, &new, "00:00]", 0);
        let start = new.match_indices("[00:00:00] NOTE: e2").next().unwrap().0;
        let s = new[..start].chars().count() + 4;
        assert_eq!(
            m,
            Mapped::Same {
                start: s,
                end: s + 6
            }
        );
        // Inside a line, a typo fixed maps character by character.
        let m = via_diff(old, &new.replace("café line", "cafe line"), "e2 café", 0);
        assert!(matches!(m, Mapped::Edited { .. }), "{m:?}");
    }

    /// A transcript rewritten in large part: beyond what is diffed by
    /// character at once, it is aligned by lines (the same way every
    /// time, with no clock), so untouched turns keep their codings and
    /// rewritten ones are orphaned.
    #[test]
    fn a_large_rewrite_aligns_by_lines_the_same_way_every_time() {
        let turn = |i: usize, w: &str| format!("[00:{i:02}:00] ANA: {w} turn {i} — 北京 café 🚀\n");
        let mut old = String::new();
        let mut new = String::new();
        for i in 0..3000 {
            old.push_str(&turn(i, "first"));
            new.push_str(&turn(i, if i % 2 == 0 { "second" } else { "first" }));
        }
        old.push_str("closing words\n");
        new.push_str("closing words\n");
        assert!(old.chars().count() * new.chars().count() > DIFF_BUDGET);
        let kept = "first turn 2999";
        let m = via_diff(&old, &new, kept, 0);
        assert_eq!(text_of(&new, m), kept);
        assert!(matches!(m, Mapped::Same { .. }), "{m:?}");
        let m = via_diff(&old, &new, "first turn 1000 — 北京", 0);
        assert!(matches!(m, Mapped::Edited { .. } | Mapped::Gone), "{m:?}");
        let a = EditMap::new(&old, &new);
        let b = EditMap::new(&old, &new);
        assert_eq!(format!("{:?}", a.pieces), format!("{:?}", b.pieces));
    }

    fn text_of(new: &str, m: Mapped) -> String {
        match m {
            Mapped::Same { start, end } | Mapped::Edited { start, end } => {
                new.chars().skip(start).take(end - start).collect()
            }
            Mapped::Gone => "<gone>".into(),
        }
    }

    #[test]
    fn a_typo_fixed_inside_a_coded_passage_is_an_edit() {
        let old = "JOÃO: we recieved the café order in 北京 🚀\n";
        let new = "JOÃO: we received the café order in 北京 🚀\n";
        let m = via_diff(old, new, "we recieved the café order", 0);
        assert!(matches!(m, Mapped::Edited { .. }), "{m:?}");
        assert_eq!(text_of(new, m), "we received the café order");
    }

    #[test]
    fn text_no_edit_touched_follows_its_place_not_another_occurrence() {
        let old = "A: café. B: café. C: café.\n";
        let new = "A: café. B: café! C: café.\n"; // context of the second changed
        let m = via_diff(old, new, "café", 1);
        assert_eq!(m, Mapped::Same { start: 12, end: 16 });
        // The first occurrence deleted: its coding is gone, not moved to
        // the next one.
        let new = "A: B: café. C: café.\n";
        assert_eq!(via_diff(old, new, "café", 0), Mapped::Gone);
        assert_eq!(text_of(new, via_diff(old, new, "café", 1)), "café");
    }

    #[test]
    fn a_paragraph_deleted_after_a_coded_one_leaves_it_whole() {
        let old = "A: One was it.\n\nTwo went too.\n\nB: ok\n";
        let new = "A: One was it.\n\nB: ok\n";
        let m = via_diff(old, new, "One was it.", 0);
        assert_eq!(text_of(new, m), "One was it.");
        assert!(matches!(m, Mapped::Same { .. }), "{m:?}");
        // And inserted after it.
        let m = via_diff(new, old, "One was it.", 0);
        assert!(matches!(m, Mapped::Same { .. }), "{m:?}");
    }

    #[test]
    fn words_inserted_and_removed_inside_a_span() {
        let old = "Li: 我们 used PyTorch every day\n";
        let new = "Li: 我们 used mostly PyTorch day\n";
        let m = via_diff(old, new, "used PyTorch every day", 0);
        assert_eq!(text_of(new, m), "used mostly PyTorch day");
        assert!(matches!(m, Mapped::Edited { .. }));
    }

    #[test]
    fn without_the_old_text_the_context_decides() {
        let clues = Clues {
            quote: "café",
            before: "A: café. B: ",
            after: ". C: café.\n",
            start: 12,
        };
        let new = "A: café. B: café. C: café.\n";
        assert_eq!(by_quote(clues, new), Mapped::Same { start: 12, end: 16 });
        // Typo fixed inside the quote: found between its context.
        let clues = Clues {
            quote: "recieved it",
            before: "Zoë: we ",
            after: " 🚀\n",
            start: 8,
        };
        let m = by_quote(clues, "Zoë: we received it 🚀\n");
        assert_eq!(m, Mapped::Edited { start: 8, end: 19 });
        // Two occurrences, one side of context each: ambiguous, not guessed.
        let clues = Clues {
            quote: "no",
            before: "x ",
            after: " y",
            start: 2,
        };
        assert_eq!(by_quote(clues, "x no z, w no y"), Mapped::Gone);
    }
}
