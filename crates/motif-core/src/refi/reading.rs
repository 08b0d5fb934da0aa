//! Deciding, per source, how the tool that wrote a project counted its
//! selection positions, from the evidence the file holds.
//!
//! The counts differ only on some texts: in UTF-16 code units (`NVivo`, and
//! tools built on .NET or Java strings) a character outside the Basic
//! Multilingual Plane (most emoji, rare CJK such as 𠮷) is two positions;
//! some tools count a CRLF as one position, some count a BOM. The evidence,
//! strongest first:
//!
//! 1. **range**: a reading under which a selection runs past the text or
//!    cuts a character (or a CRLF) in half is not the tool's;
//! 2. **names**: a selection named by its first words (ATLAS.ti, motif)
//!    must start where its name does;
//! 3. **origin**: what the exporting tool is known to do ([`Habit`]);
//! 4. **boundaries**: the reading that puts the selections' starts and ends
//!    on word and line boundaries.
//!
//! [`decide`] returns a [`Reading`]: the scheme, what settled it, and
//! whether it is clear-cut. Readings that are not are reported by the
//! import, never applied silently.

use serde::Serialize;

use super::positions::{PositionMap, Probe, RawText, Scheme, name_matches};

/// What a tool is known to do, from the project's `origin`; `None` where it
/// is not known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Habit {
    /// The tool, as named in messages.
    pub tool: Option<&'static str>,
    pub crlf_as_one: Option<bool>,
    pub utf16: Option<bool>,
}

impl Habit {
    /// The habit of the tool named by a project's `origin`.
    pub fn of(origin: Option<&str>) -> Habit {
        let o = origin.unwrap_or("").to_ascii_lowercase();
        let known = |tool, crlf_as_one, utf16| Habit {
            tool: Some(tool),
            crlf_as_one,
            utf16,
        };
        if o.contains("nvivo") {
            known("NVivo", Some(false), Some(true))
        } else if o.contains("atlas.ti") {
            known("ATLAS.ti", Some(true), None)
        } else if o.contains("maxqda") {
            known("MAXQDA", None, None)
        } else if o.contains("qualcoder") {
            known("QualCoder", Some(false), Some(false))
        } else if o.starts_with("motif") {
            // `export qdpx --positions utf16` says so in the origin.
            known("motif", Some(false), Some(o.contains("utf-16")))
        } else if o.contains("taguette") {
            known("Taguette", Some(false), Some(false))
        } else {
            Habit::default()
        }
    }

    /// The scheme the habit points to (unknown parts as the standard
    /// says: code points, CRLF as two; a BOM is not counted).
    pub fn scheme(self) -> Scheme {
        Scheme {
            bom: false,
            crlf_as_one: self.crlf_as_one.unwrap_or(false),
            utf16: self.utf16.unwrap_or(false),
        }
    }

    /// Whether the habit says how to count everything on which this text
    /// lets the counts differ.
    fn settles(self, text: &RawText<'_>) -> bool {
        self.tool.is_some()
            && (!text.raw.contains("\r\n") || self.crlf_as_one.is_some())
            && (!text.raw.chars().any(|c| c.len_utf16() == 2) || self.utf16.is_some())
    }
}

/// What settled a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Every count gives the same positions on this text (or for these
    /// selections).
    #[default]
    Same,
    /// The source has no selections.
    NoSelections,
    /// Only this reading keeps every selection inside the text and whole
    /// characters.
    Range,
    /// The selections' names match the text under this reading.
    Names,
    /// The exporting tool is known to count this way.
    Origin,
    /// This reading puts the selections on word and line boundaries.
    Boundaries,
    /// Nothing settled it; the standard's reading (code points) was taken.
    Standard,
    /// Set by motif, not decided (a source read from a Word file).
    Assumed,
}

/// How a source's positions were read, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub scheme: Scheme,
    pub basis: Basis,
    /// Whether the evidence is clear-cut; when it is not, the import says
    /// so.
    pub clear: bool,
    /// One sentence for the researcher.
    pub why: String,
}

impl Reading {
    /// `"utf16"` or `"code-points"`.
    pub fn unit(&self) -> &'static str {
        if self.scheme.utf16 {
            "utf16"
        } else {
            "code-points"
        }
    }
}

/// The evidence for one scheme.
#[derive(Debug, Clone, Copy, Default)]
struct Score {
    /// Selections outside the text or cutting a character in half.
    invalid: usize,
    /// Selection names that match the text at their start.
    names: usize,
    /// Selection ends that fall on word or line boundaries.
    bounds: usize,
}

/// A reading, its evidence, and where it puts each selection (`None`:
/// outside the text).
type Scored = (Scheme, Score, Vec<Option<(usize, usize)>>);

/// A character that joins the one before it into one visible symbol
/// (skin-tone modifiers, zero-width joiner, variation selectors,
/// combining marks).
fn joins(c: char) -> bool {
    matches!(c as u32, 0x1F3FB..=0x1F3FF | 0x200D | 0xFE00..=0xFE0F | 0x0300..=0x036F)
}

/// Whether code point `i` of `chars` is a plausible place for a selection
/// to start or end: the text's ends, or between two characters that are
/// not both letters or digits of one word (CJK characters are words of
/// their own).
fn on_boundary(chars: &[char], i: usize) -> bool {
    if i == 0 || i >= chars.len() {
        return true;
    }
    let (a, b) = (chars[i - 1], chars[i]);
    if joins(b) || a == '\u{200D}' {
        return false;
    }
    let cjk = |c: char| matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF);
    !(a.is_alphanumeric() && b.is_alphanumeric()) || cjk(a) || cjk(b)
}

fn score(
    map: &PositionMap,
    chars: &[char],
    probes: &[Probe<'_>],
) -> (Score, Vec<Option<(usize, usize)>>) {
    let mut s = Score::default();
    let mut spans = Vec::with_capacity(probes.len());
    for p in probes {
        let (Some(a), Some(b)) = (map.to_char(p.start), map.to_char(p.end)) else {
            s.invalid += 1;
            spans.push(None);
            continue;
        };
        if p.start >= map.len() || map.splits(p.start) || map.splits(p.end) {
            s.invalid += 1;
        }
        if p.name.is_some_and(|n| name_matches(n, chars, a)) {
            s.names += 1;
        }
        s.bounds += usize::from(on_boundary(chars, a)) + usize::from(on_boundary(chars, b));
        spans.push(Some((a, b)));
    }
    (s, spans)
}

/// Decides how the selections of one source (`probes`, as written) were
/// counted on its raw `text`, whose normalized form is `normalized`.
pub fn decide(text: &RawText<'_>, normalized: &str, probes: &[Probe<'_>], habit: Habit) -> Reading {
    let default = habit.scheme();
    let reading = |scheme, basis, clear, why: String| Reading {
        scheme,
        basis,
        clear,
        why,
    };
    if !text.ambiguous() {
        return reading(
            Scheme::default(),
            Basis::Same,
            true,
            "every way of counting gives the same positions on this text".into(),
        );
    }
    let cands = text.candidates(default);
    if probes.is_empty() {
        return reading(
            cands[0],
            Basis::NoSelections,
            true,
            "the source has no selections".into(),
        );
    }
    let chars: Vec<char> = normalized.chars().collect();
    let scored: Vec<Scored> = cands
        .iter()
        .map(|&c| {
            let (s, spans) = score(&PositionMap::new(text, c), &chars, probes);
            (c, s, spans)
        })
        .collect();
    if scored
        .iter()
        .all(|x| x.2 == scored[0].2 && x.1.invalid == scored[0].1.invalid)
    {
        return reading(
            cands[0],
            Basis::Same,
            true,
            "every way of counting puts the selections in the same places".into(),
        );
    }
    // Range: drop the readings that break selections, if one does not.
    let least = scored.iter().map(|x| x.1.invalid).min().unwrap_or(0);
    let mut alive: Vec<&Scored> = scored.iter().filter(|x| x.1.invalid == least).collect();
    let range_decided = alive.len() < scored.len() && distinct(&alive) == 1;
    if range_decided {
        return reading(
            alive[0].0,
            Basis::Range,
            least == 0,
            format!(
                "only this reading keeps every selection inside the text and whole characters{}",
                if least == 0 {
                    ""
                } else {
                    " (or nearly: some still are not)"
                }
            ),
        );
    }
    // Names.
    let best_names = alive.iter().map(|x| x.1.names).max().unwrap_or(0);
    if best_names > 0 {
        alive.retain(|x| x.1.names == best_names);
        if distinct(&alive) == 1 {
            return reading(
                alive[0].0,
                Basis::Names,
                true,
                format!("{best_names} selection name(s) match the text at their start this way"),
            );
        }
    }
    by_origin_or_boundaries(text, habit, cands[0], &alive)
}

/// The number of different placements among the readings.
fn distinct(alive: &[&Scored]) -> usize {
    let mut seen: Vec<&Vec<Option<(usize, usize)>>> = Vec::new();
    for x in alive {
        if !seen.contains(&&x.2) {
            seen.push(&x.2);
        }
    }
    seen.len()
}

fn by_origin_or_boundaries(
    text: &RawText<'_>,
    habit: Habit,
    head: Scheme,
    alive: &[&Scored],
) -> Reading {
    let mut ranked: Vec<&&Scored> = alive.iter().collect();
    // Stable: among equals the first candidate (the habit's) stays first.
    ranked.sort_by_key(|x| std::cmp::Reverse(x.1.bounds));
    let top = ranked[0];
    let second = ranked
        .iter()
        .find(|x| x.2 != top.2)
        .map_or(0, |x| x.1.bounds);
    let margin = top.1.bounds - second;
    // Clear when ahead by two ends at least and by a quarter of all ends.
    let decisive = margin >= 2 && margin * 4 >= 2 * top.2.len();
    let own = alive
        .iter()
        .find(|x| x.0 == head)
        .filter(|_| habit.settles(text));
    if let Some(own) = own {
        let (habit_scheme, habit_bounds) = (own.0, own.1.bounds);
        let tool = habit.tool.unwrap_or("the tool");
        if top.2 == own.2 || !decisive {
            return Reading {
                scheme: habit_scheme,
                basis: Basis::Origin,
                clear: top.2 == own.2 || top.1.bounds == habit_bounds,
                why: format!("{tool} counts {}", habit_scheme.describe()),
            };
        }
        return Reading {
            scheme: top.0,
            basis: Basis::Boundaries,
            clear: false,
            why: format!(
                "the file says {tool}, which counts {}, but the selections fall on word and line boundaries only when read as {} ({} of {} ends against {habit_bounds})",
                habit_scheme.describe(),
                top.0.describe(),
                top.1.bounds,
                2 * top.2.len()
            ),
        };
    }
    if margin > 0 {
        return Reading {
            scheme: top.0,
            basis: Basis::Boundaries,
            clear: decisive,
            why: format!(
                "read this way {} of {} selection ends fall on word or line boundaries, against {second} at best otherwise",
                top.1.bounds,
                2 * top.2.len()
            ),
        };
    }
    Reading {
        scheme: alive[0].0,
        basis: Basis::Standard,
        clear: false,
        why: "nothing in the file settles how its positions were counted; they were read as the standard says".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> String {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    }

    fn utf16_pos(raw: &str, needle: &str) -> (usize, usize) {
        let at = raw.find(needle).unwrap();
        let a = raw[..at].encode_utf16().count();
        (a, a + needle.encode_utf16().count())
    }

    fn cp_pos(raw: &str, needle: &str) -> (usize, usize) {
        let at = raw.find(needle).unwrap();
        let a = raw[..at].chars().count();
        (a, a + needle.chars().count())
    }

    const RAW: &str = "Hi 🚀 there\r\n𠮷野家 is good 👍🏽 yes\r\nThird line with words";

    #[test]
    fn names_decide_the_crlf_count() {
        let raw = "Line one\r\nLine two\r\nCafé talk\r\n";
        let text = RawText {
            raw,
            had_bom: false,
        };
        let n = norm(raw);
        let probes = [Probe {
            start: 18,
            end: 22,
            name: Some("Café talk"),
        }];
        let r = decide(&text, &n, &probes, Habit::of(Some("QualCoder 3.5")));
        assert!(
            r.scheme.crlf_as_one && r.basis == Basis::Names && r.clear,
            "{r:?}"
        );
    }

    #[test]
    fn nvivo_without_names_reads_utf16() {
        let text = RawText {
            raw: RAW,
            had_bom: false,
        };
        let n = norm(RAW);
        let (a, b) = utf16_pos(RAW, "Third line");
        let (c, d) = utf16_pos(RAW, "good");
        let probes = [
            Probe {
                start: a,
                end: b,
                name: None,
            },
            Probe {
                start: c,
                end: d,
                name: Some(""),
            },
        ];
        let r = decide(
            &text,
            &n,
            &probes,
            Habit::of(Some("NVivo for Windows 12.6")),
        );
        assert!(r.scheme.utf16 && !r.scheme.crlf_as_one && r.clear, "{r:?}");
        assert_eq!(r.basis, Basis::Origin);
    }

    #[test]
    fn boundaries_decide_without_origin() {
        let text = RawText {
            raw: RAW,
            had_bom: false,
        };
        let n = norm(RAW);
        for utf16 in [true, false] {
            let pos = if utf16 { utf16_pos } else { cp_pos };
            let probes: Vec<Probe<'_>> = ["good", "yes", "Third line", "words"]
                .iter()
                .map(|w| {
                    let (a, b) = pos(RAW, w);
                    Probe {
                        start: a,
                        end: b,
                        name: None,
                    }
                })
                .collect();
            let r = decide(&text, &n, &probes, Habit::of(None));
            assert_eq!(r.scheme.utf16, utf16, "{r:?}");
            assert!(
                r.clear && r.basis == Basis::Boundaries || r.basis == Basis::Range,
                "{r:?}"
            );
        }
    }

    #[test]
    fn not_clear_cut_is_said() {
        // One selection that sits on boundaries either way.
        let raw = "🚀 a b c d";
        let text = RawText {
            raw,
            had_bom: false,
        };
        let probes = [Probe {
            start: 3,
            end: 4,
            name: None,
        }];
        let r = decide(&text, raw, &probes, Habit::of(None));
        assert!(!r.clear, "{r:?}");
        assert_eq!(r.basis, Basis::Standard);
        assert!(!r.scheme.utf16);
    }

    #[test]
    fn plain_text_needs_no_decision() {
        let text = RawText {
            raw: "plain",
            had_bom: false,
        };
        let r = decide(&text, "plain", &[], Habit::of(Some("NVivo")));
        assert_eq!(r.basis, Basis::Same);
    }

    #[test]
    fn halves_of_a_pair_rule_out_utf16() {
        // A selection ending right after the emoji in code points would
        // cut it in half if read as UTF-16.
        let raw = "ab🚀cd efgh";
        let text = RawText {
            raw,
            had_bom: false,
        };
        let probes = [Probe {
            start: 0,
            end: 3,
            name: None,
        }];
        let r = decide(&text, raw, &probes, Habit::of(Some("NVivo 14")));
        assert!(!r.scheme.utf16, "{r:?}");
        assert_eq!(r.basis, Basis::Range);
    }
}
