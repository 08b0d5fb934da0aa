//! The transcript view's geometry and motions, independent of drawing:
//! wrapping a logical line into screen rows, laying out only the rows that
//! are visible, keeping the cursor in view, and the units a selection is
//! made of (character, word, sentence, line, speaker turn). Positions are
//! byte offsets on character boundaries; the view never touches more than
//! the visible lines, so its cost depends on the screen, not the length.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

use motif_core::transcript::Transcript;

/// One screen row of the transcript view: a piece of logical line `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// 0-based logical line.
    pub line: usize,
    /// Byte range of the text on this row.
    pub start: usize,
    pub end: usize,
    /// Whether this is the line's first row (it carries the line number).
    pub first: bool,
}

/// Display width of a character in the transcript view (controls show as
/// one-column pictures, tabs as one space).
pub fn char_width(c: char) -> usize {
    if c.is_control() {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

/// Splits byte range `start..end` of `text` (one logical line) into rows
/// of at most `width` columns, breaking after spaces where it can.
pub fn wrap(text: &str, start: usize, end: usize, width: usize) -> Vec<(usize, usize)> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row_start = start;
    let mut col = 0;
    let mut last_space: Option<usize> = None; // byte after the last space
    let mut i = start;
    for c in text[start..end].chars() {
        let w = char_width(c);
        if col + w > width && i > row_start {
            let brk = match last_space {
                Some(s) if s > row_start && s <= i => s,
                _ => i,
            };
            rows.push((row_start, brk));
            col = text[brk..i].chars().map(char_width).sum();
            row_start = brk;
            last_space = None;
        }
        col += w;
        i += c.len_utf8();
        if c == ' ' {
            last_space = Some(i);
        }
    }
    rows.push((row_start, end));
    rows
}

/// The view's scroll position: a logical line and a row within it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub line: usize,
    pub row: usize,
}

/// Rows of line `line` at `width`.
pub fn line_rows(t: &Transcript, line: usize, width: usize) -> Vec<Row> {
    let Some((s, e)) = t.index.line_bytes(&t.text, line) else {
        return Vec::new();
    };
    wrap(&t.text, s, e, width)
        .into_iter()
        .enumerate()
        .map(|(i, (a, b))| Row {
            line,
            start: a,
            end: b,
            first: i == 0,
        })
        .collect()
}

/// The rows visible from `scroll`, at most `height` of them.
pub fn visible_rows(t: &Transcript, scroll: Scroll, width: usize, height: usize) -> Vec<Row> {
    let mut out = Vec::with_capacity(height);
    let mut line = scroll.line;
    let mut skip = scroll.row;
    while out.len() < height && line < t.index.line_count() {
        for r in line_rows(t, line, width).into_iter().skip(skip) {
            if out.len() == height {
                break;
            }
            out.push(r);
        }
        skip = 0;
        line += 1;
    }
    out
}

/// Row index (within its line) of byte `pos`.
fn row_in_line(t: &Transcript, pos: usize, width: usize) -> (usize, usize) {
    let line = t.index.line_of_byte(pos);
    let rows = line_rows(t, line, width);
    let r = rows.iter().rposition(|r| r.start <= pos).unwrap_or(0);
    (line, r)
}

/// Adjusts `scroll` so that byte `pos` is on screen.
pub fn keep_visible(
    t: &Transcript,
    scroll: Scroll,
    pos: usize,
    width: usize,
    height: usize,
) -> Scroll {
    let height = height.max(1);
    let (line, row) = row_in_line(t, pos, width);
    if (line, row) < (scroll.line, scroll.row) {
        return Scroll { line, row };
    }
    // Count rows from the scroll position down to the cursor's row.
    let mut count = 0;
    let mut l = scroll.line;
    let mut skip = scroll.row;
    while l < line && count < height {
        count += line_rows(t, l, width).len().saturating_sub(skip);
        skip = 0;
        l += 1;
    }
    if l == line {
        count += row.saturating_sub(if scroll.line == line { scroll.row } else { 0 });
    }
    if count < height {
        return scroll;
    }
    // Walk back from the cursor's row to fill the screen.
    let mut remaining = height - 1;
    let (mut l, mut r) = (line, row);
    while remaining > 0 {
        if r > 0 {
            let step = r.min(remaining);
            r -= step;
            remaining -= step;
        } else if l > 0 {
            l -= 1;
            r = line_rows(t, l, width).len().saturating_sub(1);
            remaining -= 1;
        } else {
            break;
        }
    }
    Scroll { line: l, row: r }
}

/// The scroll that puts byte `pos`'s row in the middle of a view
/// `height` rows high (as near as the start of the text allows).
pub fn centre(t: &Transcript, pos: usize, width: usize, height: usize) -> Scroll {
    let (line, row) = row_in_line(t, pos, width);
    let mut remaining = height.max(1) / 2;
    let (mut l, mut r) = (line, row);
    while remaining > 0 {
        if r > 0 {
            let step = r.min(remaining);
            r -= step;
            remaining -= step;
        } else if l > 0 {
            l -= 1;
            r = line_rows(t, l, width).len().saturating_sub(1);
            remaining -= 1;
        } else {
            break;
        }
    }
    Scroll { line: l, row: r }
}

/// Moves `pos` by `delta` logical lines, keeping the character column.
pub fn move_lines(t: &Transcript, pos: usize, delta: isize) -> usize {
    let line = t.index.line_of_byte(pos);
    let (ls, _) = t.index.line_bytes(&t.text, line).unwrap_or((0, 0));
    let col = t.text[ls..pos].chars().count();
    let target = line
        .saturating_add_signed(delta)
        .min(t.index.line_count().saturating_sub(1));
    let (s, e) = t.index.line_bytes(&t.text, target).unwrap_or((0, 0));
    t.text[s..e]
        .char_indices()
        .nth(col)
        .map_or(e, |(b, _)| s + b)
}

/// The byte after the character at `pos` (or `pos` at the end).
pub fn next_char(text: &str, pos: usize) -> usize {
    text[pos..]
        .chars()
        .next()
        .map_or(pos, |c| pos + c.len_utf8())
}

/// The start of the character before `pos`.
pub fn prev_char(text: &str, pos: usize) -> usize {
    text[..pos]
        .chars()
        .next_back()
        .map_or(pos, |c| pos - c.len_utf8())
}

/// Word boundaries (UAX #29) as (start, end) of the words of `text`.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    text.split_word_bound_indices()
        .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
        .map(|(i, w)| (i, i + w.len()))
}

/// Start of the next word after `pos`.
pub fn word_next(text: &str, pos: usize) -> usize {
    let from = next_char(text, pos);
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    words(&text[line_start..])
        .map(|(s, _)| line_start + s)
        .find(|&s| s >= from)
        .unwrap_or_else(|| pos.max(text.len().min(from)))
}

/// Start of the word before `pos`.
pub fn word_prev(text: &str, pos: usize) -> usize {
    words(&text[..pos])
        .map(|(s, _)| s)
        .filter(|&s| s < pos)
        .last()
        .unwrap_or(0)
}

/// The word around `pos` (or the next one).
pub fn word_at(text: &str, pos: usize) -> (usize, usize) {
    let ls = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let le = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    words(&text[ls..le])
        .map(|(s, e)| (ls + s, ls + e))
        .find(|&(_, e)| e > pos)
        .unwrap_or((pos, next_char(text, pos)))
}

/// The turn (or paragraph) body around `pos`, or the next one.
pub fn turn_at(t: &Transcript, pos: usize) -> Option<(usize, usize)> {
    let i = t.turns.partition_point(|x| x.end <= pos);
    t.turns.get(i).map(|x| (x.body_start.min(x.end), x.end))
}

/// Start of the body of the first turn that begins after `pos`.
pub fn turn_next(t: &Transcript, pos: usize) -> Option<usize> {
    t.turns.iter().find(|x| x.start > pos).map(|x| x.body_start)
}

/// Start of the previous turn's body before `pos`.
pub fn turn_prev(t: &Transcript, pos: usize) -> Option<usize> {
    t.turns.iter().map(|x| x.body_start).rfind(|&b| b < pos)
}

/// The sentence around `pos`: from after the previous sentence end (or the
/// turn/paragraph start) to its end mark, trimmed.
pub fn sentence_at(t: &Transcript, pos: usize) -> (usize, usize) {
    let (lo, hi) = turn_at(t, pos).unwrap_or((0, t.text.len()));
    let pos = pos.clamp(lo, hi);
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…');
    let body = &t.text[lo..hi];
    // Sentence starts: lo, and after each end mark followed by whitespace.
    let mut starts = vec![lo];
    let mut prev_end = false;
    for (i, c) in body.char_indices() {
        if prev_end && c.is_whitespace() {
            starts.push(lo + i);
        }
        prev_end = is_end(c) || (prev_end && matches!(c, '"' | '\'' | '”' | '’' | ')'));
        if c == '\n' {
            starts.push(lo + i);
        }
    }
    let k = starts.partition_point(|&s| s <= pos).saturating_sub(1);
    let s = starts[k];
    let e = starts.get(k + 1).copied().unwrap_or(hi);
    trim(&t.text, s, e)
}

/// Shrinks `start..end` to exclude surrounding whitespace.
pub fn trim(text: &str, start: usize, end: usize) -> (usize, usize) {
    let slice = &text[start..end];
    let s = start + (slice.len() - slice.trim_start().len());
    let e = end - (slice.len() - slice.trim_end().len());
    if s >= e { (start, end) } else { (s, e) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_after_spaces_and_counts_wide_chars() {
        let text = "ab cd efgh";
        assert_eq!(wrap(text, 0, text.len(), 5), vec![(0, 3), (3, 6), (6, 10)]);
        let cjk = "北京北京北京";
        // Each ideograph is two columns wide.
        assert_eq!(wrap(cjk, 0, cjk.len(), 4), vec![(0, 6), (6, 12), (12, 18)]);
        assert_eq!(wrap("", 0, 0, 4), vec![(0, 0)]);
    }

    #[test]
    fn keep_visible_scrolls_both_ways_past_u16_lines() {
        let text: String = (0..70_000).fold(String::new(), |mut s, i| {
            s.push_str("line ");
            s.push_str(&i.to_string());
            s.push('\n');
            s
        });
        let t = Transcript::new("x", text);
        let pos = t.index.line_bytes(&t.text, 66_000).unwrap().0;
        let s = keep_visible(&t, Scroll::default(), pos, 40, 10);
        assert_eq!(
            s,
            Scroll {
                line: 65_991,
                row: 0
            }
        );
        let rows = visible_rows(&t, s, 40, 10);
        assert_eq!(rows.last().unwrap().line, 66_000);
        let back = keep_visible(&t, s, 0, 40, 10);
        assert_eq!(back, Scroll::default());
    }

    #[test]
    fn units_words_sentences_turns() {
        let t = Transcript::new(
            "x",
            "ANA: We moved. Then 北京 came! Done\n\nBEN: Sure.\n".into(),
        );
        let p = t.text.find("moved").unwrap();
        assert_eq!(
            &t.text[word_at(&t.text, p).0..word_at(&t.text, p).1],
            "moved"
        );
        let (s, e) = sentence_at(&t, t.text.find("北京").unwrap());
        assert_eq!(&t.text[s..e], "Then 北京 came!");
        let (s, e) = sentence_at(&t, p);
        assert_eq!(&t.text[s..e], "We moved.");
        let (s, e) = turn_at(&t, p).unwrap();
        assert_eq!(&t.text[s..e], "We moved. Then 北京 came! Done");
        assert_eq!(turn_next(&t, p), Some(t.text.find("Sure").unwrap()));
        assert_eq!(
            &t.text[word_next(&t.text, p)..word_next(&t.text, p) + 4],
            "Then"
        );
        assert_eq!(word_prev(&t.text, p), t.text.find("We").unwrap());
    }

    #[test]
    fn centre_puts_the_row_mid_view_except_near_the_start() {
        let text: String = (0..100).fold(String::new(), |mut s, i| {
            s.push_str("line ");
            s.push_str(&i.to_string());
            s.push('\n');
            s
        });
        let t = Transcript::new("x", text);
        let pos = t.index.line_bytes(&t.text, 60).unwrap().0;
        let s = centre(&t, pos, 40, 20);
        assert_eq!(s, Scroll { line: 50, row: 0 });
        let rows = visible_rows(&t, s, 40, 20);
        assert_eq!(rows[10].line, 60);
        assert_eq!(centre(&t, 0, 40, 20), Scroll::default());
    }

    #[test]
    fn move_lines_keeps_column() {
        let t = Transcript::new("x", "héllo\nab\nxyz123\n".into());
        let p = move_lines(&t, 3, 1); // from 'l' (col 2) to line 1: "ab" → end
        assert_eq!(p, t.text.find('\n').unwrap() + 3);
        let q = move_lines(&t, p, 1);
        assert_eq!(&t.text[q..=q], "z");
    }
}
