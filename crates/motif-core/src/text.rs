//! Text primitives: the conversion between code-point offsets (the unit of
//! everything that leaves the program) and byte offsets (the unit inside),
//! line lookup, word counting and neutralizing control characters before
//! text reaches a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_segmentation::UnicodeSegmentation;

/// How many code points lie between two byte checkpoints of a [`TextIndex`].
const CHECKPOINT: usize = 64;

/// Offsets and lines of one text, built once, queried often.
///
/// Byte offsets of line starts are kept for every line; code-point to byte
/// conversion uses a checkpoint every 64 code points and a short scan, so
/// the index stays small on long transcripts.
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    line_starts: Vec<usize>,
    /// Byte offset of code point `i * CHECKPOINT`; empty for ASCII text.
    checkpoints: Vec<usize>,
    chars: usize,
    bytes: usize,
}

impl TextIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text).map(|i| i + 1));
        let ascii = text.is_ascii();
        let (checkpoints, chars) = if ascii {
            (Vec::new(), text.len())
        } else {
            let mut cps = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            let mut n = 0;
            for (b, _) in text.char_indices() {
                if n % CHECKPOINT == 0 {
                    cps.push(b);
                }
                n += 1;
            }
            (cps, n)
        };
        TextIndex {
            line_starts,
            checkpoints,
            chars,
            bytes: text.len(),
        }
    }

    /// Writes the index to a cache body.
    pub fn encode(&self, w: &mut super::cache::Writer) {
        w.usizes(&self.line_starts);
        w.usizes(&self.checkpoints);
        w.usize(self.chars);
        w.usize(self.bytes);
    }

    /// Reads an index written by [`TextIndex::encode`] for `text`; `None`
    /// when it cannot be the index of a text of that length.
    pub fn decode(r: &mut super::cache::Reader<'_>, text: &str) -> Option<TextIndex> {
        let idx = TextIndex {
            line_starts: r.usizes()?,
            checkpoints: r.usizes()?,
            chars: r.usize()?,
            bytes: r.usize()?,
        };
        let fits = idx.bytes == text.len()
            && idx.line_starts.first() == Some(&0)
            && idx.line_starts.iter().all(|&b| b <= text.len())
            && idx.checkpoints.iter().all(|&b| text.is_char_boundary(b));
        fits.then_some(idx)
    }

    /// Number of code points.
    pub fn char_len(&self) -> usize {
        self.chars
    }

    /// Number of lines (a final line without a newline counts; an empty
    /// text has one empty line).
    pub fn line_count(&self) -> usize {
        if self.line_starts.len() > 1 && *self.line_starts.last().unwrap_or(&0) == self.bytes {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        }
    }

    /// Byte offset of code point `c`, or `None` past the end.
    pub fn char_to_byte(&self, text: &str, c: usize) -> Option<usize> {
        if c > self.chars {
            return None;
        }
        if self.checkpoints.is_empty() {
            return Some(c);
        }
        if c == self.chars {
            return Some(self.bytes);
        }
        let base = self.checkpoints[c / CHECKPOINT];
        let skip = c % CHECKPOINT;
        let bytes = &text.as_bytes()[base..];
        // Mostly ASCII: `skip` code points are `skip` bytes.
        if bytes.get(..skip).is_some_and(<[u8]>::is_ascii) {
            return Some(base + skip);
        }
        // Count the bytes that start a character (no continuation byte).
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| (b as i8) >= -0x40)
            .nth(skip)
            .map(|(i, _)| base + i)
    }

    /// Code-point offset of byte `b`, or `None` when `b` is past the end or
    /// inside a character.
    pub fn byte_to_char(&self, text: &str, b: usize) -> Option<usize> {
        if b > self.bytes || !text.is_char_boundary(b) {
            return None;
        }
        if self.checkpoints.is_empty() {
            return Some(b);
        }
        let k = self.checkpoints.partition_point(|&x| x <= b) - 1;
        Some(k * CHECKPOINT + text[self.checkpoints[k]..b].chars().count())
    }

    /// 0-based line holding byte `b`.
    pub fn line_of_byte(&self, b: usize) -> usize {
        self.line_starts.partition_point(|&x| x <= b) - 1
    }

    /// Byte range of 0-based line `line`, without its newline.
    pub fn line_bytes(&self, text: &str, line: usize) -> Option<(usize, usize)> {
        if line >= self.line_count() {
            return None;
        }
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next - 1);
        Some((start, end))
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}

/// Number of words: Unicode word segmentation (UAX #29), so each CJK
/// ideograph counts as a word and punctuation does not.
///
/// Word boundaries always fall at ASCII whitespace, so the text is cut
/// there; pieces that are pure ASCII are counted by a fast scanner that
/// applies the same rules, the others by the full segmenter.
pub fn word_count(text: &str) -> usize {
    text.split(|c: char| c.is_ascii_whitespace())
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            if piece.is_ascii() {
                ascii_words(piece.as_bytes())
            } else {
                piece.unicode_words().count()
            }
        })
        .sum()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wb {
    Letter,
    Digit,
    Underscore,
    /// `:` (`MidLetter`).
    MidLetter,
    /// `.` and `'` (`MidNumLet`, `Single_Quote`).
    MidNumLet,
    /// `,` and `;` (`MidNum`).
    MidNum,
    Other,
}

fn wb(b: u8) -> Wb {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Wb::Letter,
        b'0'..=b'9' => Wb::Digit,
        b'_' => Wb::Underscore,
        b':' => Wb::MidLetter,
        b'.' | b'\'' => Wb::MidNumLet,
        b',' | b';' => Wb::MidNum,
        _ => Wb::Other,
    }
}

/// UAX #29 words (those holding a letter or digit) of ASCII text without
/// whitespace: rules WB5–WB13b restricted to ASCII.
fn ascii_words(b: &[u8]) -> usize {
    let word = |c: Wb| matches!(c, Wb::Letter | Wb::Digit | Wb::Underscore);
    let mut count = 0;
    let mut i = 0;
    while i < b.len() {
        let c = wb(b[i]);
        if !word(c) {
            i += 1;
            continue;
        }
        let mut alnum = c != Wb::Underscore;
        let mut last = c;
        i += 1;
        loop {
            if i < b.len() && word(wb(b[i])) {
                last = wb(b[i]);
                alnum |= last != Wb::Underscore;
                i += 1;
                continue;
            }
            if i + 1 < b.len() {
                let (mid, next) = (wb(b[i]), wb(b[i + 1]));
                let letters = last == Wb::Letter
                    && matches!(mid, Wb::MidLetter | Wb::MidNumLet)
                    && next == Wb::Letter;
                let digits = last == Wb::Digit
                    && matches!(mid, Wb::MidNum | Wb::MidNumLet)
                    && next == Wb::Digit;
                if letters || digits {
                    i += 2;
                    continue;
                }
            }
            break;
        }
        if alnum {
            count += 1;
        }
    }
    count
}

/// Replaces characters that a terminal would interpret (C0 and C1 controls,
/// DEL, bidirectional overrides) by visible stand-ins. Newlines and tabs
/// are kept when `keep_newlines` is set.
pub fn sanitize(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !needs_sanitizing(bytes, keep_newlines) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if !replaced_at(bytes, i, keep_newlines) {
            out.push(c);
            continue;
        }
        match c as u32 {
            // Control pictures U+2400..U+241F mirror C0 controls.
            n @ 0..=0x1F => out.push(char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}')),
            0x7F => out.push('\u{2421}'),
            _ => out.push('\u{FFFD}'),
        }
    }
    Cow::Owned(out)
}

/// Whether UTF-8 `bytes` hold a character [`sanitize`] replaces: a byte
/// scan, as a report of tens of megabytes is checked whole.
fn needs_sanitizing(bytes: &[u8], keep_newlines: bool) -> bool {
    // Blocks without a byte that can start such a character (a control,
    // DEL, or the lead bytes of the C1 and bidi ranges) are skipped whole.
    let suspect = |b: u8| {
        (b < 0x20 && !(keep_newlines && (b == b'\n' || b == b'\t')))
            || b == 0x7F
            || b == 0xC2
            || b == 0xE2
    };
    let mut at = 0;
    for block in bytes.chunks(32) {
        if block.iter().fold(false, |any, &b| any | suspect(b))
            && (at..at + block.len()).any(|i| replaced_at(bytes, i, keep_newlines))
        {
            return true;
        }
        at += block.len();
    }
    false
}

/// Whether the character starting at byte `i` of UTF-8 `bytes` is one
/// [`sanitize`] replaces (false inside a character).
pub fn replaced_at(bytes: &[u8], i: usize, keep_newlines: bool) -> bool {
    match bytes[i] {
        b'\n' | b'\t' => !keep_newlines,
        0..=0x1F | 0x7F => true,
        // C1 controls U+0080..U+009F.
        0xC2 => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
        // Bidirectional overrides U+202A..U+202E and U+2066..U+2069.
        0xE2 => matches!(
            (bytes.get(i + 1), bytes.get(i + 2)),
            (Some(0x80), Some(0xAA..=0xAE)) | (Some(0x81), Some(0xA6..=0xA9))
        ),
        _ => false,
    }
}

/// [`sanitize`] (keeping newlines and tabs) of UTF-8 text being written,
/// in place.
pub fn sanitize_bytes(buf: &mut Vec<u8>) {
    if needs_sanitizing(buf, true) {
        let clean = sanitize(&String::from_utf8_lossy(buf), true).into_owned();
        *buf = clean.into_bytes();
    }
}

/// [`sanitize`] of a string that is owned already: without anything to
/// replace it is returned as it is, never copied (a report can be tens of
/// megabytes).
pub fn sanitize_owned(text: String, keep_newlines: bool) -> String {
    match sanitize(&text, keep_newlines) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// Sanitizes text for one line of output: newlines and tabs become spaces
/// too.
pub fn one_line(text: &str) -> String {
    let s = sanitize(text, true);
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

/// The first `n` code points of `s`.
pub fn take_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((b, _)) => &s[..b],
        None => s,
    }
}

/// The last `n` code points of `s`.
pub fn last_chars(s: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    match s.char_indices().rev().nth(n - 1) {
        Some((b, _)) => &s[b..],
        None => s,
    }
}

/// Whether `c` is invisible and can change how a terminal shows what
/// follows: DEL, the C1 controls (U+0080–U+009F) and the bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069). JSON and XML
/// outputs write these as escapes (`\u202e`, `&#x202E;`) so that the
/// same strings never reach a terminal raw.
pub fn is_hidden_control(c: char) -> bool {
    // The characters `sanitize` replaces at or above DEL: one definition.
    let mut utf8 = [0; 4];
    u32::from(c) >= 0x7f && replaced_at(c.encode_utf8(&mut utf8).as_bytes(), 0, true)
}

/// Whether UTF-8 `bytes` hold a [`is_hidden_control`] character: DEL or
/// the exact two- and three-byte sequences of the others (an em dash
/// shares their lead byte and is not one).
fn has_hidden(bytes: &[u8]) -> bool {
    let lead = |b: u8| b == 0x7f || b == 0xc2 || b == 0xe2;
    let mut at = 0;
    // Blocks without a candidate lead byte (most of them) are skipped with
    // a branch-free test the compiler vectorizes, as in `needs_sanitizing`.
    for block in bytes.chunks(32) {
        if block.iter().fold(false, |any, &b| any | lead(b))
            && (at..at + block.len()).any(|i| lead(bytes[i]) && replaced_at(bytes, i, true))
        {
            return true;
        }
        at += block.len();
    }
    false
}

/// Rewrites JSON text so that every [`is_hidden_control`] character is a
/// `\uXXXX` escape: still valid JSON holding the same strings (outside
/// strings JSON is ASCII, so each such character is inside one).
pub fn escape_hidden_in_json(json: String) -> String {
    if !has_hidden(json.as_bytes()) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_hidden_control(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`escape_hidden_in_json`] for a buffer of JSON bytes, in place.
pub fn escape_hidden_in_json_bytes(buf: &mut Vec<u8>) {
    if !has_hidden(buf) {
        return;
    }
    let text = String::from_utf8(std::mem::take(buf)).unwrap_or_else(|e| {
        // Not UTF-8 cannot come from the serializers; keep it as it was.
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    });
    *buf = escape_hidden_in_json(text).into_bytes();
}

/// `n` and the noun in the number it takes: `1 word`, `2 words`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_on_mixed_scripts() {
        let text = "café 北京 🚀 done\nnext line é\n";
        let idx = TextIndex::new(text);
        assert_eq!(idx.char_len(), text.chars().count());
        for (ci, (b, _)) in text.char_indices().enumerate() {
            assert_eq!(idx.char_to_byte(text, ci), Some(b));
            assert_eq!(idx.byte_to_char(text, b), Some(ci));
        }
        assert_eq!(idx.char_to_byte(text, idx.char_len()), Some(text.len()));
        assert_eq!(idx.char_to_byte(text, idx.char_len() + 1), None);
        // Inside the rocket emoji: not a boundary.
        let rocket = text.find('🚀').unwrap();
        assert_eq!(idx.byte_to_char(text, rocket + 1), None);
    }

    #[test]
    fn long_non_ascii_text_uses_checkpoints() {
        let text: String = "ü北".repeat(500);
        let idx = TextIndex::new(&text);
        assert_eq!(idx.char_to_byte(&text, 999), Some(text.len() - 3));
        assert_eq!(idx.byte_to_char(&text, text.len()), Some(1000));
        assert_eq!(idx.byte_to_char(&text, 5 * 130), Some(260));
    }

    #[test]
    fn lines() {
        let text = "a\nbb\n\nccc";
        let idx = TextIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_bytes(text, 1), Some((2, 4)));
        assert_eq!(idx.line_bytes(text, 2), Some((5, 5)));
        assert_eq!(idx.line_bytes(text, 3), Some((6, 9)));
        assert_eq!(idx.line_of_byte(7), 3);
        assert_eq!(TextIndex::new("a\n").line_count(), 1);
    }

    #[test]
    fn sanitize_neutralizes_escapes() {
        let s = sanitize("red \u{1b}[31mX\u{7}\u{9b}2J\u{202E}", false);
        assert!(!s.contains('\u{1b}'));
        assert!(!s.contains('\u{9b}'));
        assert!(!s.contains('\u{202E}'));
        assert!(s.contains('\u{241B}'));
        assert_eq!(sanitize("plain\nkept", true), "plain\nkept");
        // An owned string comes back as it is, or cleaned.
        let clean = String::from("café, 北京\n🚀");
        let at = clean.as_ptr();
        let back = sanitize_owned(clean, true);
        assert_eq!((back.as_str(), back.as_ptr()), ("café, 北京\n🚀", at));
        assert_eq!(sanitize_owned("é\u{1b}[2J".into(), true), "é\u{241B}[2J");
    }

    #[test]
    fn the_byte_scan_finds_exactly_the_characters_sanitize_replaces() {
        // What the doc of `sanitize` promises, character by character.
        let replaced = |c: char, keep: bool| {
            (c.is_control() && !(keep && (c == '\n' || c == '\t')))
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        };
        let chars = (0..0x3000)
            .chain(0x1F600..0x1F700)
            .filter_map(char::from_u32);
        for c in chars {
            for keep in [true, false] {
                let text = format!("a—{c}·");
                assert_eq!(
                    needs_sanitizing(text.as_bytes(), keep),
                    replaced(c, keep),
                    "U+{:04X} keep={keep}",
                    c as u32
                );
                // And sanitizing replaces that character, and only it.
                let clean = sanitize(&text, keep);
                assert_eq!(clean.contains(c), !replaced(c, keep), "U+{:04X}", c as u32);
                assert!(clean.starts_with("a—") && clean.ends_with('·'));
            }
        }
        // Across the scan's 32-byte blocks too.
        for c in ['\u{1b}', '\u{85}', '\u{202E}', '\u{2069}', '—', '·', '\n'] {
            for pad in 28..36 {
                let text = format!("{}{c}", "x".repeat(pad));
                assert_eq!(
                    needs_sanitizing(text.as_bytes(), true),
                    replaced(c, true),
                    "{pad}"
                );
            }
        }
        let mut buf = "— ok · 北\u{1b}[2J\n".as_bytes().to_vec();
        sanitize_bytes(&mut buf);
        assert_eq!(String::from_utf8(buf).unwrap(), "— ok · 北\u{241B}[2J\n");
    }

    #[test]
    fn words_count_cjk_ideographs() {
        assert_eq!(word_count("We moved to PyTorch, in 2018."), 6);
        assert_eq!(word_count("飞桨框架"), 4);
    }

    proptest::proptest! {
        #[test]
        fn fast_word_count_equals_the_unicode_segmenter(s in "[aZ09_.:,;' \n\t!-]{0,40}") {
            proptest::prop_assert_eq!(word_count(&s), s.unicode_words().count());
        }

        #[test]
        fn offsets_agree_with_char_indices_across_checkpoints(s in "[a \né北🚀]{0,400}") {
            let idx = TextIndex::new(&s);
            for (ci, (b, _)) in s.char_indices().enumerate() {
                proptest::prop_assert_eq!(idx.char_to_byte(&s, ci), Some(b));
                proptest::prop_assert_eq!(idx.byte_to_char(&s, b), Some(ci));
            }
            proptest::prop_assert_eq!(idx.char_to_byte(&s, idx.char_len()), Some(s.len()));
        }

        #[test]
        fn word_count_equals_the_segmenter_on_mixed_text(s in "[a9_.:,;' \né北🚀\u{301}\u{200d}]{0,30}") {
            proptest::prop_assert_eq!(word_count(&s), s.unicode_words().count());
        }
    }

    #[test]
    fn take_and_last() {
        assert_eq!(take_chars("héllo", 2), "hé");
        assert_eq!(last_chars("héllo", 4), "éllo");
        assert_eq!(last_chars("hé", 5), "hé");
    }

    #[test]
    fn hidden_controls_become_escapes_in_json_with_the_same_strings() {
        let text = "a\u{7f}b\u{85}c\u{9f}d\u{202e}e\u{2066}f\u{2069}g é 北京 🤖\u{2067}";
        let json = escape_hidden_in_json(serde_json::to_string(text).unwrap());
        assert!(
            json.is_ascii() || !json.chars().any(is_hidden_control),
            "{json}"
        );
        assert!(
            json.contains("\\u202e") && json.contains("\\u0085"),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
        let mut bytes = serde_json::to_vec(&[text]).unwrap();
        escape_hidden_in_json_bytes(&mut bytes);
        assert_eq!(String::from_utf8(bytes).unwrap(), format!("[{json}]"));
        // Nothing to do: the same allocation comes back.
        let plain = String::from("\"é 北京 🤖\"");
        let ptr = plain.as_ptr();
        let same = escape_hidden_in_json(plain);
        assert_eq!(same.as_ptr(), ptr);
        // Other characters sharing a lead byte with them stay as they are,
        // without a copy.
        let near = "\"‐ — \u{2028} \u{a0} \u{2070}\"".to_owned();
        let ptr = near.as_ptr();
        let same = escape_hidden_in_json(near);
        assert_eq!(same.as_ptr(), ptr);
        // A hidden character across a 32-byte block boundary is found.
        for pad in 28..34 {
            let text = format!("{}\u{202e}", "a".repeat(pad));
            assert!(escape_hidden_in_json(text).ends_with("\\u202e"), "{pad}");
        }
        for c in ['\u{7e}', '\u{a0}', '\u{2029}', '\u{206a}', '\u{200f}'] {
            assert!(!is_hidden_control(c), "{c:?}");
        }
    }
}
