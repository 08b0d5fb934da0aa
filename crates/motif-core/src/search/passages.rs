//! Passages: what one speaker turn says (or a paragraph where a transcript
//! has no speakers), the unit every search hit is made of.

use crate::transcript::{Transcript, Turn};

/// What one turn (or paragraph) says, located in its transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Code points, 0-based, end-exclusive.
    pub start: usize,
    pub end: usize,
    /// Bytes into the transcript text.
    pub byte_start: usize,
    pub byte_end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    pub speaker: Option<String>,
    pub time: Option<String>,
}

/// The passages of a transcript: each turn's words without its timestamp
/// and speaker label (paragraphs when there are no speakers); empty turns
/// are left out.
pub fn passages(t: &Transcript) -> Vec<Passage> {
    // The same as `passages_of`, with the transcript's offset index
    // instead of a walk through the text.
    let mut out = Vec::with_capacity(t.turns.len());
    for turn in &t.turns {
        let (a, b) = (turn.body_start, turn.end);
        if a >= b || b > t.text.len() || t.text[a..b].trim().is_empty() {
            continue;
        }
        out.push(Passage {
            start: t.char_at(a),
            end: t.char_at(b),
            byte_start: a,
            byte_end: b,
            line: t.index.line_of_byte(a) + 1,
            speaker: turn.speaker.clone(),
            time: turn.time.clone(),
        });
    }
    out
}

/// [`passages`] from a text and its turns (`transcript::detect_turns`),
/// without the rest of a `Transcript`: offsets and lines are counted in one
/// pass.
pub fn passages_of(text: &str, turns: &[Turn]) -> Vec<Passage> {
    let mut out = Vec::with_capacity(turns.len());
    // A walk forward: (byte, code point, 0-based line) of the last spot.
    let mut at = (0usize, 0usize, 0usize);
    let mut walk = |b: usize| -> (usize, usize) {
        if b < at.0 {
            at = (0, 0, 0);
        }
        let piece = &text[at.0..b];
        at = (
            b,
            at.1 + piece.chars().count(),
            at.2 + piece.bytes().filter(|&c| c == b'\n').count(),
        );
        (at.1, at.2)
    };
    for turn in turns {
        let (a, b) = (turn.body_start, turn.end);
        if a >= b || b > text.len() || text[a..b].trim().is_empty() {
            continue;
        }
        let (start, line) = walk(a);
        let (end, _) = walk(b);
        out.push(Passage {
            start,
            end,
            byte_start: a,
            byte_end: b,
            line: line + 1,
            speaker: turn.speaker.clone(),
            time: turn.time.clone(),
        });
    }
    out
}

/// The key of a passage in the index: transcript id and start.
pub(crate) fn passage_key(transcript: &str, start: usize) -> String {
    format!("{transcript}#{start}")
}
