//! A transcript: its normalized text, content hash, line and offset index,
//! and the speaker turns found in it.
//!
//! A turn starts at a line that begins with `NAME:`, optionally after a
//! timestamp (`[00:04:31]` or `00:04:31`); it runs until the next turn.
//! A label only counts as a speaker when it comes after a timestamp or
//! recurs in the transcript, so a sentence like `Honestly: no.` is not
//! taken for a speaker. Without any speakers, paragraphs (blocks separated
//! by blank lines) take the place of turns.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::text::{TextIndex, word_count};

/// One speaker turn, or one paragraph when the transcript has no speakers.
/// Offsets are bytes into the transcript text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Option<String>,
    /// The timestamp as written (`00:04:31`).
    pub time: Option<String>,
    /// Start of the turn's first line.
    pub start: usize,
    /// Start of what was said, after the timestamp and speaker label.
    pub body_start: usize,
    /// End of the turn's last non-blank line.
    pub end: usize,
}

/// A loaded, normalized transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub id: String,
    pub text: String,
    /// Content hash (BLAKE3, hex) of the normalized text.
    pub hash: String,
    pub index: TextIndex,
    pub turns: Vec<Turn>,
}

static TURN_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^(?:\[?(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]?[ \t]+)?(?:(\p{L}[\p{L}\p{M}\p{N} .'’_()-]{0,39}?)[ \t]*:(?:[ \t]+|$))?",
    )
    .expect("turn regex")
});

impl Transcript {
    /// Builds a transcript from normalized text.
    pub fn new(id: impl Into<String>, text: String) -> Self {
        let hash = content_hash(&text);
        let index = TextIndex::new(&text);
        let turns = detect_turns(&text);
        Transcript {
            id: id.into(),
            text,
            hash,
            index,
            turns,
        }
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        self.index.char_len()
    }

    /// Number of words.
    pub fn words(&self) -> usize {
        word_count(&self.text)
    }

    /// Distinct speakers in order of first appearance.
    pub fn speakers(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for t in &self.turns {
            if let Some(s) = &t.speaker
                && !seen.contains(s)
            {
                seen.push(s.clone());
            }
        }
        seen
    }

    /// Byte range of code-point range `start..end`.
    pub fn byte_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        Some((
            self.index.char_to_byte(&self.text, start)?,
            self.index.char_to_byte(&self.text, end)?,
        ))
    }

    /// The text of code-point range `start..end`.
    pub fn slice_chars(&self, start: usize, end: usize) -> Option<&str> {
        let (a, b) = self.byte_range(start, end)?;
        Some(&self.text[a..b])
    }

    /// Code-point offset of a byte offset (which must be a boundary).
    pub fn char_at(&self, byte: usize) -> usize {
        self.index
            .byte_to_char(&self.text, byte)
            .expect("byte offset on a character boundary")
    }

    /// The turn containing byte `b`, if any.
    pub fn turn_at(&self, b: usize) -> Option<&Turn> {
        let i = self.turns.partition_point(|t| t.start <= b);
        i.checked_sub(1)
            .map(|i| &self.turns[i])
            .filter(|t| b < t.end.max(t.start + 1))
    }

    /// 1-based first and last line of byte range `a..b`.
    pub fn lines_of(&self, a: usize, b: usize) -> (usize, usize) {
        let first = self.index.line_of_byte(a) + 1;
        let last = self.index.line_of_byte(b.saturating_sub(1).max(a)) + 1;
        (first, last)
    }
}

/// BLAKE3 hash of text, hex.
pub fn content_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

struct Candidate {
    line_start: usize,
    body_start: usize,
    time: Option<String>,
    label: Option<String>,
}

/// Finds speaker turns (or paragraphs) in normalized text.
pub fn detect_turns(text: &str) -> Vec<Turn> {
    let mut candidates = Vec::new();
    let mut label_counts: HashMap<&str, usize> = HashMap::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        // A turn's label ends with a colon near the line start (at most a
        // timestamp and 40 characters in); most lines need no regex.
        let near_start = line.as_bytes().iter().take(200).any(|&b| b == b':');
        if let Some(c) = near_start.then(|| TURN_START.captures(line)).flatten() {
            let time = c.get(1).map(|m| m.as_str().to_owned());
            let label = c.get(2).map(|m| m.as_str().trim_end());
            if time.is_some() || label.is_some() {
                if let Some(l) = label {
                    *label_counts.entry(l).or_default() += 1;
                }
                candidates.push(Candidate {
                    line_start,
                    body_start: line_start + c.get(0).map_or(0, |m| m.end()),
                    time,
                    label: label.map(str::to_owned),
                });
            }
        }
        line_start += line.len();
    }
    let accepted: Vec<Candidate> = candidates
        .into_iter()
        .filter_map(|mut c| {
            let speaker_ok = c.label.as_deref().is_some_and(|l| {
                c.time.is_some()
                    || label_counts.get(l).copied().unwrap_or(0) >= 2
                    || (l.chars().any(char::is_alphabetic) && !l.chars().any(char::is_lowercase))
            });
            if !speaker_ok {
                c.time.as_ref()?;
                // A timestamp without a believable label: keep the time, and
                // the label is part of what was said.
                if c.label.take().is_some() {
                    let ts_end = text[c.line_start..]
                        .find(']')
                        .map_or(c.line_start, |i| c.line_start + i + 1);
                    c.body_start = ts_end + text[ts_end..].len()
                        - text[ts_end..].trim_start_matches([' ', '\t']).len();
                }
            }
            Some(c)
        })
        .collect();
    if accepted.is_empty() {
        return paragraphs(text);
    }
    let mut turns = Vec::with_capacity(accepted.len() + 1);
    // Text before the first turn becomes paragraphs of its own.
    let first = accepted[0].line_start;
    if !text[..first].trim().is_empty() {
        turns.extend(paragraphs(&text[..first]));
    }
    for (i, c) in accepted.iter().enumerate() {
        let limit = accepted.get(i + 1).map_or(text.len(), |n| n.line_start);
        let end = c.line_start + text[c.line_start..limit].trim_end().len();
        turns.push(Turn {
            speaker: c.label.clone(),
            time: c.time.clone(),
            start: c.line_start,
            body_start: c.body_start.min(end.max(c.line_start)),
            end: end.max(c.body_start.min(limit)),
        });
    }
    turns
}

/// Blocks of text separated by blank lines.
fn paragraphs(text: &str) -> Vec<Turn> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        if content.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push(Turn {
                    speaker: None,
                    time: None,
                    start: s,
                    body_start: s,
                    end,
                });
            }
        } else {
            if start.is_none() {
                start = Some(pos);
            }
            end = pos + content.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push(Turn {
            speaker: None,
            time: None,
            start: s,
            body_start: s,
            end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speakers(text: &str) -> Vec<(Option<String>, Option<String>, String)> {
        detect_turns(text)
            .into_iter()
            .map(|t| (t.speaker, t.time, text[t.body_start..t.end].to_owned()))
            .collect()
    }

    #[test]
    fn timestamped_turns_with_continuations() {
        let text = "[00:04:31] INTERVIEWER: How did you pick?\n\n[00:04:40] JOÃO: It wasn't a decision.\n\nEveryone was on it.\n";
        let t = speakers(text);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0],
            (
                Some("INTERVIEWER".into()),
                Some("00:04:31".into()),
                "How did you pick?".into()
            )
        );
        assert_eq!(t[1].0.as_deref(), Some("JOÃO"));
        assert_eq!(t[1].2, "It wasn't a decision.\n\nEveryone was on it.");
    }

    #[test]
    fn plain_names_must_recur() {
        let text = "Ana: hello\nHonestly it was: fine\nBen: hi\nAna: again\nBen: bye\n";
        let t = speakers(text);
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].2, "hello\nHonestly it was: fine");
        assert_eq!(t[3].0.as_deref(), Some("Ben"));
    }

    #[test]
    fn bare_timestamps_and_no_speaker() {
        let text = "00:01:02 李娜: 你好\n00:01:09 李娜: 再见\n";
        let t = speakers(text);
        assert_eq!(
            t[0],
            (Some("李娜".into()), Some("00:01:02".into()), "你好".into())
        );
        let plain = "First para\nstill first\n\nSecond para\n";
        let p = speakers(plain);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].2, "Second para");
    }

    #[test]
    fn transcript_slices_by_code_points() {
        let t = Transcript::new("x", "ÉMILE: café ☕ ok\n".to_owned());
        assert_eq!(t.slice_chars(7, 13), Some("café ☕"));
        assert_eq!(t.speakers(), vec!["ÉMILE".to_owned()]); // capitals: a speaker
        let once = Transcript::new("y", "Émile: once\n".to_owned());
        assert!(once.speakers().is_empty()); // said once, no timestamp: not a speaker
        assert_eq!(t.char_len(), 17);
    }
}
