//! Mapping the positions other tools write onto motif's code points.
//!
//! REFI-QDA positions are code points of the source's plain text. But
//! sources arrive with BOMs and CRLF line ends, which motif normalizes
//! away, and tools disagree on how to count them: ATLAS.ti counts a CRLF as
//! one character, most others as two; some count a BOM; tools built on
//! UTF-16 strings count an emoji as two. A [`Scheme`] is one way of
//! counting; [`PositionMap`] turns a position under a scheme into a code
//! point of the normalized text; [`super::reading`] decides which scheme a
//! source's selections use.

/// One way of counting positions in a raw source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scheme {
    /// A leading BOM counts as one position.
    pub bom: bool,
    /// CRLF counts as one position (ATLAS.ti), not two.
    pub crlf_as_one: bool,
    /// Positions are UTF-16 code units (a character outside the BMP counts
    /// twice).
    pub utf16: bool,
}

impl Scheme {
    /// A short description for messages.
    pub fn describe(self) -> String {
        let mut parts = vec![if self.utf16 {
            "UTF-16 units"
        } else {
            "code points"
        }];
        parts.push(if self.crlf_as_one {
            "CRLF as one"
        } else {
            "CRLF as two"
        });
        if self.bom {
            parts.push("BOM counted");
        }
        parts.join(", ")
    }
}

/// A raw source text (BOM removed, line ends as the tool wrote them) and
/// what makes the schemes differ on it.
#[derive(Debug, Clone)]
pub struct RawText<'a> {
    pub raw: &'a str,
    pub had_bom: bool,
}

impl RawText<'_> {
    /// Whether any two schemes could give different offsets.
    pub fn ambiguous(&self) -> bool {
        self.had_bom || self.raw.contains('\r') || self.raw.chars().any(|c| c.len_utf16() == 2)
    }

    /// The schemes that differ on this text, `default` first.
    pub fn candidates(&self, default: Scheme) -> Vec<Scheme> {
        let crlf = self.raw.contains("\r\n");
        let astral = self.raw.chars().any(|c| c.len_utf16() == 2);
        let mask = |s: Scheme| Scheme {
            bom: s.bom && self.had_bom,
            crlf_as_one: s.crlf_as_one && crlf,
            utf16: s.utf16 && astral,
        };
        let mut out = vec![mask(default)];
        for bits in 0..8u8 {
            let s = mask(Scheme {
                bom: bits & 1 != 0,
                crlf_as_one: bits & 2 != 0,
                utf16: bits & 4 != 0,
            });
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

/// Positions under a scheme → code points of the normalized text (CRLF
/// and lone CR become LF, BOM dropped). Piecewise linear: between
/// breakpoints one position is one code point.
#[derive(Debug, Clone)]
pub struct PositionMap {
    /// (position, code point) where the correspondence shifts.
    breaks: Vec<(usize, usize)>,
    /// Number of positions in the whole text.
    units: usize,
    /// Positions that fall inside one character or line end (between the
    /// halves of a UTF-16 pair, between CR and LF), sorted.
    mids: Vec<usize>,
}

impl PositionMap {
    /// The map of `text` under `scheme`.
    pub fn new(text: &RawText<'_>, scheme: Scheme) -> PositionMap {
        let mut breaks = vec![(0, 0)];
        let mut mids = Vec::new();
        let (mut u, mut c) = (0usize, 0usize);
        if text.had_bom && scheme.bom {
            u += 1;
            breaks.push((u, c));
        }
        let mut chars = text.raw.chars().peekable();
        while let Some(ch) = chars.next() {
            if ch == '\r' && chars.peek() == Some(&'\n') {
                if !scheme.crlf_as_one {
                    mids.push(u + 1);
                    u += 1;
                    breaks.push((u, c));
                }
                continue;
            }
            if scheme.utf16 && ch.len_utf16() == 2 {
                mids.push(u + 1);
                u += 2;
                c += 1;
                breaks.push((u, c));
                continue;
            }
            u += 1;
            c += 1;
        }
        PositionMap {
            breaks,
            units: u,
            mids,
        }
    }

    /// The identity map of a text of `chars` code points.
    pub fn identity(chars: usize) -> PositionMap {
        PositionMap {
            breaks: vec![(0, 0)],
            units: chars,
            mids: Vec::new(),
        }
    }

    /// Whether position `p` falls inside one character or line end (the
    /// second half of a UTF-16 pair, the LF of a CRLF counted as two): a
    /// tool counting this way would not put a selection boundary there.
    pub fn splits(&self, p: usize) -> bool {
        self.mids.binary_search(&p).is_ok()
    }

    /// Number of positions in the text.
    pub fn len(&self) -> usize {
        self.units
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.units == 0
    }

    /// The code point at position `p` (`None` past the end). A position
    /// inside a character (the second half of a UTF-16 pair) maps to the
    /// character's end.
    pub fn to_char(&self, p: usize) -> Option<usize> {
        if p > self.units {
            return None;
        }
        let i = self.breaks.partition_point(|b| b.0 <= p) - 1;
        let (bu, bc) = self.breaks[i];
        Some(bc + (p - bu))
    }
}

/// Whitespace runs as one space, for comparing names with text.
fn squash(s: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for w in s.split_whitespace() {
        if n >= limit {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for c in w.chars() {
            if n >= limit {
                break;
            }
            out.push(c);
            n += 1;
        }
    }
    out
}

/// Whether a selection named `name` plausibly starts at code point `start`
/// of `chars` (the normalized text as characters).
pub fn name_matches(name: &str, chars: &[char], start: usize) -> bool {
    let name = name.trim();
    let name = name
        .strip_suffix('…')
        .or_else(|| name.strip_suffix("..."))
        .unwrap_or(name);
    let want = squash(name, 24);
    // The name is trimmed, so a real match starts on a visible character.
    if want.chars().count() < 4 || start >= chars.len() || chars[start].is_whitespace() {
        return false;
    }
    let end = (start + want.len() * 2 + 8).min(chars.len());
    let have: String = chars[start..end].iter().collect();
    squash(&have, 24).starts_with(&want)
}

/// A selection as written: positions and the name, if any.
#[derive(Debug, Clone)]
pub struct Probe<'a> {
    pub start: usize,
    pub end: usize,
    pub name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> String {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    }

    #[test]
    fn crlf_counted_either_way() {
        let raw = "ab\r\ncafé\r\n北京 🚀 x";
        let text = RawText {
            raw,
            had_bom: false,
        };
        let n = norm(raw);
        let chars: Vec<char> = n.chars().collect();
        // "café" starts at raw code point 4 (CRLF as two), 3 (as one).
        let two = PositionMap::new(
            &text,
            Scheme {
                bom: false,
                crlf_as_one: false,
                utf16: false,
            },
        );
        let one = PositionMap::new(
            &text,
            Scheme {
                bom: false,
                crlf_as_one: true,
                utf16: false,
            },
        );
        assert_eq!(two.to_char(4), Some(3));
        assert_eq!(one.to_char(3), Some(3));
        assert_eq!(chars[3], 'c');
        assert_eq!(two.len(), raw.chars().count());
        assert_eq!(one.len(), n.chars().count());
        assert_eq!(two.to_char(two.len()), Some(chars.len()));
        assert_eq!(two.to_char(two.len() + 1), None);
        // After the emoji, UTF-16 units run one ahead.
        let u16 = PositionMap::new(
            &text,
            Scheme {
                bom: false,
                crlf_as_one: true,
                utf16: true,
            },
        );
        let x_cp = chars.iter().position(|&c| c == 'x').unwrap();
        assert_eq!(u16.to_char(x_cp + 1), Some(x_cp));
    }

    #[test]
    fn bom_counted() {
        let text = RawText {
            raw: "hello",
            had_bom: true,
        };
        let m = PositionMap::new(
            &text,
            Scheme {
                bom: true,
                crlf_as_one: false,
                utf16: false,
            },
        );
        assert_eq!(m.to_char(1), Some(0));
        assert_eq!(m.to_char(6), Some(5));
        assert_eq!(m.len(), 6);
    }
}
