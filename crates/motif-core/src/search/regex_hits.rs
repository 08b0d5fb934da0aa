//! Regex search: scanning the text of transcripts for a pattern and
//! grouping the matches into hits, one per passage (widened where a match
//! reaches outside it).

use regex::Regex;

use crate::error::{Error, Result};
use crate::project::{Attributes, Project};
use crate::text::one_line;
use crate::transcript::{Transcript, Turn, detect_turns};

use super::filter::SearchFilter;
use super::query::Filter;
use super::{Hit, Results};

/// Compiles a pattern for [`regex_search`], with a message that says what
/// is wrong.
pub fn compile_regex(pattern: &str) -> Result<Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| {
            Error::invalid(format!(
                "bad regular expression `{}`: {e}",
                one_line(pattern)
            ))
        })
}

/// Where the passages of a text are, in bytes, with the turn each comes
/// from: all a regex scan needs (code points are counted only around
/// matches).
fn passage_bytes(text: &str, turns: &[Turn]) -> Vec<(usize, usize, usize)> {
    turns
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.body_start < t.end
                && t.end <= text.len()
                && !text[t.body_start..t.end].trim().is_empty()
        })
        .map(|(i, t)| (t.body_start, t.end, i))
        .collect()
}

/// Matches grouped into one hit: the passages they touch and the range
/// holding them (bytes and code points).
struct Group {
    /// Index (into the passage list) of the first and last passage touched
    /// (`usize::MAX` when the transcript has no passages).
    first: usize,
    last: usize,
    bytes: (usize, usize),
    chars: (usize, usize),
    matches: Vec<(usize, usize)>,
}

/// Every non-empty match of `re` in `text`, grouped into hits over the
/// passages `ps` (byte ranges, see [`passage_bytes`]; the module docs say
/// how): sorted, each match in one group.
fn regex_groups(text: &str, ps: &[(usize, usize, usize)], re: &Regex) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let (mut lb, mut lc) = (0usize, 0usize);
    for m in re.find_iter(text) {
        if m.start() == m.end() {
            continue;
        }
        let (bs, be) = (m.start(), m.end());
        let cs = lc + text[lb..bs].chars().count();
        let ce = cs + m.as_str().chars().count();
        lb = be;
        lc = ce;
        let (first, last) = if ps.is_empty() {
            (usize::MAX, usize::MAX)
        } else {
            let i = ps.partition_point(|p| p.1 <= bs);
            let j = ps.partition_point(|p| p.0 < be);
            if i < j {
                (i, j - 1)
            } else if i < ps.len() {
                (i, i)
            } else {
                (ps.len() - 1, ps.len() - 1)
            }
        };
        let (mut bytes, mut chars) = ((bs, be), (cs, ce));
        if first != usize::MAX {
            // Widen to the passages, counting code points locally.
            let (pa, pb) = (ps[first].0, ps[last].1);
            if pa < bs {
                bytes.0 = pa;
                chars.0 = cs - text[pa..bs].chars().count();
            }
            if pb > be {
                bytes.1 = pb;
                chars.1 = ce + text[be..pb].chars().count();
            }
        }
        match groups.last_mut() {
            Some(g) if (first != usize::MAX && first <= g.last) || bytes.0 < g.bytes.1 => {
                g.last = g.last.max(last);
                if bytes.1 > g.bytes.1 {
                    g.bytes.1 = bytes.1;
                    g.chars.1 = chars.1;
                }
                g.matches.push((cs, ce));
            }
            _ => groups.push(Group {
                first,
                last,
                bytes,
                chars,
                matches: vec![(cs, ce)],
            }),
        }
    }
    groups
}

impl Group {
    pub(super) fn turn<'t>(
        &self,
        ps: &[(usize, usize, usize)],
        turns: &'t [Turn],
    ) -> Option<&'t Turn> {
        ps.get(self.first).map(|p| &turns[p.2])
    }

    pub(super) fn hit(self, id: &str, text: &str, turn: Option<&Turn>, line: usize) -> Hit {
        Hit {
            transcript: id.to_owned(),
            start: self.chars.0,
            end: self.chars.1,
            speaker: turn.and_then(|t| t.speaker.clone()),
            score: self.matches.len() as f32,
            text: text[self.bytes.0..self.bytes.1].to_owned(),
            matches: self.matches,
            line,
            time: turn.and_then(|t| t.time.clone()),
        }
    }
}

/// Hits of one transcript's regex groups that `scope` admits: all of them
/// counted, the first `keep` turned into hits.
#[allow(clippy::too_many_arguments)]
fn regex_scan(
    id: &str,
    text: &str,
    turns: &[Turn],
    re: &Regex,
    scope: &SearchFilter,
    attributes: &Attributes,
    keep: usize,
    line_of: &dyn Fn(usize) -> usize,
) -> (usize, Vec<Hit>) {
    let ps = passage_bytes(text, turns);
    let filtered = !scope.filters.is_empty() || scope.codes.is_some();
    let mut count = 0;
    let mut hits = Vec::new();
    for g in regex_groups(text, &ps, re) {
        let turn = g.turn(&ps, turns);
        if filtered
            && !scope.admits(
                attributes,
                id,
                turn.and_then(|t| t.speaker.as_deref()),
                g.chars.0,
                g.chars.1,
            )
        {
            continue;
        }
        count += 1;
        if hits.len() < keep {
            let line = line_of(g.bytes.0);
            hits.push(g.hit(id, text, turn, line));
        }
    }
    (count, hits)
}

/// Every match of `re` in `t`, grouped into hits (see the module docs):
/// sorted by position, each match (empty ones left out) in exactly one
/// hit.
pub fn regex_hits(t: &Transcript, re: &Regex) -> Vec<Hit> {
    regex_scan(
        &t.id,
        &t.text,
        &t.turns,
        re,
        &SearchFilter::default(),
        &Attributes::default(),
        usize::MAX,
        &|b| t.index.line_of_byte(b) + 1,
    )
    .1
}

/// Regex search over transcripts already loaded (the TUI's case): hits in
/// transcript order, then by position; `total` counts them all, only the
/// first `limit` are built.
pub fn regex_search<'a>(
    transcripts: impl IntoIterator<Item = &'a Transcript>,
    attributes: &Attributes,
    pattern: &str,
    scope: &SearchFilter,
    limit: Option<usize>,
) -> Result<Results> {
    let re = compile_regex(pattern)?;
    let keep = limit.unwrap_or(usize::MAX);
    let mut total = 0;
    let mut hits = Vec::new();
    for t in transcripts {
        if !transcript_admitted(scope, attributes, &t.id) || !re.is_match(&t.text) {
            continue;
        }
        let (n, h) = regex_scan(
            &t.id,
            &t.text,
            &t.turns,
            &re,
            scope,
            attributes,
            keep.saturating_sub(hits.len()),
            &|b| t.index.line_of_byte(b) + 1,
        );
        total += n;
        hits.extend(h);
    }
    Ok(Results {
        query: pattern.to_owned(),
        total,
        hits,
    })
}

/// Whether a transcript can hold admitted passages (transcript and
/// attribute filters, and the code filter's transcripts).
fn transcript_admitted(scope: &SearchFilter, attributes: &Attributes, id: &str) -> bool {
    let only: Vec<&String> = scope
        .filters
        .iter()
        .filter_map(|f| match f {
            Filter::Transcript(t) => Some(t),
            _ => None,
        })
        .collect();
    if !only.is_empty() && !only.iter().any(|t| *t == id) {
        return false;
    }
    if scope
        .codes
        .as_ref()
        .is_some_and(|c| !c.spans.contains_key(id))
    {
        return false;
    }
    // Attribute filters alone (speaker and code need passages).
    let attrs_only = SearchFilter {
        filters: scope
            .filters
            .iter()
            .filter(|f| matches!(f, Filter::Attribute(..)))
            .cloned()
            .collect(),
        codes: None,
    };
    attrs_only.admits(attributes, id, None, 0, 0)
}

/// Regex search over a project's transcript files: each file is read and
/// scanned; only files with matches are analyzed for turns. Uses every
/// core (up to four).
pub fn regex_search_project(
    project: &Project,
    pattern: &str,
    scope: &SearchFilter,
    limit: Option<usize>,
) -> Result<(Results, Vec<String>)> {
    let re = compile_regex(pattern)?;
    let attributes = project.attributes()?;
    let files: Vec<(String, std::path::PathBuf)> = project
        .transcript_files()?
        .into_iter()
        .filter(|(id, _)| transcript_admitted(scope, &attributes, id))
        .collect();
    let keep = limit.unwrap_or(usize::MAX);
    // Each part counts all its hits and builds at most `keep` of them (the
    // first `keep` over all parts are among them, parts being in order).
    let scan = |part: &[(String, std::path::PathBuf)]| -> (usize, Vec<Hit>, Vec<String>) {
        let mut total = 0;
        let mut hits = Vec::new();
        let mut problems = Vec::new();
        for (id, path) in part {
            let text = match crate::project::read_transcript_text(path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("not searched: {e}"));
                    continue;
                }
            };
            if !re.is_match(&text) {
                continue;
            }
            let turns = detect_turns(&text);
            // Lines counted forward from the last hit built.
            let counted = std::cell::Cell::new((0usize, 1usize));
            let line_of = |b: usize| {
                let (from, line) = counted.get();
                let (from, line) = if b < from { (0, 1) } else { (from, line) };
                let n = line + text[from..b].bytes().filter(|&c| c == b'\n').count();
                counted.set((b, n));
                n
            };
            let (n, h) = regex_scan(
                id,
                &text,
                &turns,
                &re,
                scope,
                &attributes,
                keep.saturating_sub(hits.len()),
                &line_of,
            );
            total += n;
            hits.extend(h);
        }
        (total, hits, problems)
    };
    let parts = crate::ordered::in_parts(files.len(), 1, |range| scan(&files[range]));
    let mut total = 0;
    let mut hits = Vec::new();
    let mut problems = Vec::new();
    for (n, h, p) in parts {
        total += n;
        hits.extend(h);
        problems.extend(p);
    }
    hits.truncate(keep);
    Ok((
        Results {
            query: pattern.to_owned(),
            total,
            hits,
        },
        problems,
    ))
}
