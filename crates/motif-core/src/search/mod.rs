//! Search across every interview: a tantivy index of passages kept current
//! from the transcripts' content hashes ([`SearchIndex`]), a small query
//! language ([`query`]), regex scanning of the text ([`regex_search`]),
//! more-like-this ([`SearchIndex::similar`]), and saved queries
//! ([`saved`]).
//!
//! A **passage** is what one speaker turn says (the text after its
//! timestamp and `NAME:` label), or a paragraph when a transcript has no
//! speakers. Every hit is a passage, with offsets in code points and the
//! spans inside it that matched (`matches`), also in absolute code points.
//! For ranked search the spans are found by running the query's own terms
//! over the passage with the analyzer that indexed it, so they are exactly
//! the words that made the passage match. A regex match that reaches
//! outside a passage (into a speaker label, or across turns) widens its
//! hit just enough to hold it, so every match lies in exactly one hit.
//!
//! Search never needs the rest of the project loaded: hits come from the
//! index's stored fields. Only `--code` filters read the coding journals.

pub mod analysis;
pub mod index;
pub mod query;
pub mod saved;

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::Regex;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

pub use index::{ProgressFn, SCHEMA_VERSION, SearchIndex, UpdateReport};
pub use query::{Filter, Matcher, Mode, Node, parse, parse_lenient};

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::project::{Attributes, Project};
use super::segments::{Filter as SegmentFilter, Segment, place_all};
use super::text::one_line;
use super::transcript::{Transcript, Turn, detect_turns};
use query::{Compiled, filter_query};

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

/// One hit: a passage and the spans in it that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub transcript: String,
    /// Code points, 0-based, end-exclusive; `text` has `end - start` code
    /// points.
    pub start: usize,
    pub end: usize,
    pub speaker: Option<String>,
    /// Relevance (BM25) for ranked search; the number of matches for regex
    /// search.
    pub score: f32,
    /// The passage's text, exactly.
    pub text: String,
    /// Spans that matched, absolute code points, sorted, not overlapping.
    pub matches: Vec<(usize, usize)>,
    /// 1-based line of `start`.
    pub line: usize,
    /// The turn's timestamp as written, if any.
    pub time: Option<String>,
}

impl Hit {
    /// The byte range in `text` of an absolute code-point span of this hit.
    pub fn byte_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let rel = |c: usize| -> Option<usize> {
            let k = c.checked_sub(self.start)?;
            if k == self.text.chars().count() {
                return Some(self.text.len());
            }
            self.text.char_indices().nth(k).map(|(b, _)| b)
        };
        Some((rel(start)?, rel(end)?))
    }

    /// 1-based line of an absolute code point inside this hit.
    pub fn line_of(&self, at: usize) -> usize {
        let k = at.saturating_sub(self.start);
        self.line + self.text.chars().take(k).filter(|&c| c == '\n').count()
    }
}

/// Hits of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub query: String,
    /// Passages that matched in all (more than `hits` when limited).
    pub total: usize,
    pub hits: Vec<Hit>,
}

fn empty(query: &str) -> Results {
    Results {
        query: query.to_owned(),
        total: 0,
        hits: Vec::new(),
    }
}

/// Passages overlapping the segments of some codes (the `--code` filter).
#[derive(Debug, Clone, Default)]
pub struct CodeScope {
    /// Code-point spans of the segments, per transcript, sorted.
    pub spans: BTreeMap<String, Vec<(usize, usize)>>,
    /// Keys of the passages that overlap a span.
    keys: HashSet<String>,
}

impl CodeScope {
    /// From placed segments and their transcripts.
    pub fn from_segments(
        segments: &[Segment<'_>],
        transcripts: &BTreeMap<String, Transcript>,
    ) -> CodeScope {
        let mut spans: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for s in segments {
            spans
                .entry(s.coding.transcript.to_string())
                .or_default()
                .push((s.start, s.end));
        }
        let mut keys = HashSet::new();
        for (id, list) in &mut spans {
            list.sort_unstable();
            list.dedup();
            if let Some(t) = transcripts.get(id) {
                for p in passages(t) {
                    if overlaps_any(list, p.start, p.end) {
                        keys.insert(passage_key(id, p.start));
                    }
                }
            }
        }
        CodeScope { spans, keys }
    }

    /// Loads what the `--code` filter needs from a project: the journals,
    /// and the transcripts that hold codings with these code ids
    /// (subcodes are the caller's choice, e.g. `Codebook::subtree_ids`).
    pub fn load(project: &Project, book: &Codebook, code_ids: &[String]) -> Result<CodeScope> {
        let journals = project.journals()?;
        let wanted: HashSet<String> = code_ids
            .iter()
            .filter_map(|id| book.by_id(id).map(|c| c.id.clone()))
            .collect();
        let mut needed = HashSet::new();
        for j in &journals {
            for c in j.codings() {
                if book.by_id(&c.code).is_some_and(|k| wanted.contains(&k.id)) {
                    needed.insert(c.transcript.to_string());
                }
            }
        }
        let mut transcripts = BTreeMap::new();
        for id in needed {
            if let Ok(t) = project.transcript(&id) {
                transcripts.insert(id, t);
            }
        }
        let filter = SegmentFilter {
            coders: Vec::new(),
            transcripts: Vec::new(),
            codes: code_ids.to_vec(),
        };
        let (segs, _) = place_all(&journals, &transcripts, book, &filter);
        Ok(CodeScope::from_segments(&segs, &transcripts))
    }

    /// Whether `start..end` of transcript `t` overlaps a segment.
    pub fn overlaps(&self, t: &str, start: usize, end: usize) -> bool {
        self.spans
            .get(t)
            .is_some_and(|l| overlaps_any(l, start, end))
    }
}

fn overlaps_any(sorted: &[(usize, usize)], start: usize, end: usize) -> bool {
    // Spans starting before `end`; any of them ending after `start`.
    let n = sorted.partition_point(|&(s, _)| s < end);
    sorted[..n].iter().any(|&(_, e)| e > start)
}

/// Which passages a search may return.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Speakers, transcripts and attributes: alternatives of one kind
    /// (two speakers) are OR-ed, kinds are AND-ed.
    pub filters: Vec<Filter>,
    /// Only passages overlapping these codes' segments.
    pub codes: Option<CodeScope>,
}

impl Scope {
    fn admits(
        &self,
        attrs: &Attributes,
        transcript: &str,
        speaker: Option<&str>,
        start: usize,
        end: usize,
    ) -> bool {
        let mut kinds: BTreeMap<String, bool> = BTreeMap::new();
        for f in &self.filters {
            let (kind, ok) = match f {
                Filter::Speaker(s) => (
                    "speaker".to_owned(),
                    speaker.is_some_and(|x| x.trim().to_lowercase() == s.trim().to_lowercase()),
                ),
                Filter::Transcript(t) => ("transcript".to_owned(), t == transcript),
                Filter::Attribute(k, v) => (
                    format!("attr:{}", k.to_lowercase()),
                    attrs.rows.get(transcript).is_some_and(|row| {
                        row.iter().any(|(rk, rv)| {
                            rk.to_lowercase() == k.trim().to_lowercase()
                                && rv.trim().to_lowercase() == v.trim().to_lowercase()
                        })
                    }),
                ),
            };
            *kinds.entry(kind).or_default() |= ok;
        }
        kinds.values().all(|&ok| ok)
            && self
                .codes
                .as_ref()
                .is_none_or(|c| c.overlaps(transcript, start, end))
    }
}

/// A ranked search.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub query: String,
    pub mode: Mode,
    pub scope: Scope,
    /// At most this many hits (`None`: all).
    pub limit: Option<usize>,
    /// Parse the query as typed so far (a live search box): unfinished
    /// quotes and parentheses are closed, dangling operators dropped, and
    /// a query with nothing searchable yet has no hits instead of an error.
    pub lenient: bool,
}

/// Something went wrong in a search: the researcher's request, or the
/// index itself (which a rebuild repairs).
#[derive(Debug)]
pub(crate) enum Fault {
    User(Error),
    Index(String),
}

impl From<Error> for Fault {
    fn from(e: Error) -> Self {
        Fault::User(e)
    }
}

fn index_fault(e: &tantivy::TantivyError) -> Fault {
    Fault::Index(e.to_string())
}

thread_local! {
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs index work that tantivy may abort with a panic when its files are
/// corrupt (rather than return an error); the panic becomes an error
/// message and is not printed. Other panics print as before.
pub(crate) fn guard<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET_PANICS.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(was));
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "unreadable data".to_owned());
        format!("reading it failed: {msg}")
    })
}

/// Code-point spans of byte spans of `text`, shifted by `base`.
fn to_chars(text: &str, spans: &[(usize, usize)], base: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(spans.len());
    let (mut b, mut c) = (0usize, base);
    let at = |target: usize, b: &mut usize, c: &mut usize| -> usize {
        *c += text[*b..target].chars().count();
        *b = target;
        *c
    };
    for &(s, e) in spans {
        let cs = at(s, &mut b, &mut c);
        let ce = at(e, &mut b, &mut c);
        out.push((cs, ce));
    }
    out
}

impl SearchIndex {
    fn scope_query(&self, scope: &Scope) -> Option<Vec<Box<dyn Query>>> {
        let fields = self.fields.query();
        let mut groups: BTreeMap<String, Vec<Box<dyn Query>>> = BTreeMap::new();
        for f in &scope.filters {
            let kind = match f {
                Filter::Speaker(_) => "speaker".to_owned(),
                Filter::Transcript(_) => "transcript".to_owned(),
                Filter::Attribute(k, _) => format!("attr:{}", k.to_lowercase()),
            };
            groups
                .entry(kind)
                .or_default()
                .push(filter_query(&fields, f));
        }
        let mut out: Vec<Box<dyn Query>> = groups
            .into_values()
            .map(|mut qs| {
                if qs.len() == 1 {
                    qs.pop().expect("one query")
                } else {
                    Box::new(BooleanQuery::new(
                        qs.into_iter().map(|q| (Occur::Should, q)).collect(),
                    )) as Box<dyn Query>
                }
            })
            .collect();
        if let Some(codes) = &scope.codes {
            if codes.keys.is_empty() {
                return None;
            }
            let terms = codes
                .keys
                .iter()
                .map(|k| Term::from_field_text(self.fields.passage, k));
            out.push(Box::new(ConstScoreQuery::new(
                Box::new(TermSetQuery::new(terms)),
                0.0,
            )));
        }
        Some(out)
    }

    /// Runs `query` restricted to `scope`, and turns the best documents
    /// into hits.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        searcher: &Searcher,
        label: String,
        query: Box<dyn Query>,
        scope: &Scope,
        exclude: Option<Box<dyn Query>>,
        limit: Option<usize>,
        matcher: &Matcher,
    ) -> std::result::Result<Results, Fault> {
        let Some(filters) = self.scope_query(scope) else {
            return Ok(Results {
                query: label,
                total: 0,
                hits: Vec::new(),
            });
        };
        let mut clauses = vec![(Occur::Must, query)];
        clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
        if let Some(x) = exclude {
            clauses.push((Occur::MustNot, x));
        }
        let q = BooleanQuery::new(clauses);
        let (top, total) = match limit {
            Some(0) => (
                Vec::new(),
                searcher.search(&q, &Count).map_err(|e| index_fault(&e))?,
            ),
            Some(n) => searcher
                .search(&q, &(TopDocs::with_limit(n).order_by_score(), Count))
                .map_err(|e| index_fault(&e))?,
            None => {
                let total = searcher.search(&q, &Count).map_err(|e| index_fault(&e))?;
                if total == 0 {
                    (Vec::new(), 0)
                } else {
                    searcher
                        .search(&q, &(TopDocs::with_limit(total).order_by_score(), Count))
                        .map_err(|e| index_fault(&e))?
                }
            }
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            hits.push(self.hit(searcher, addr, score, matcher)?);
        }
        // Equal scores in reading order, for stable output.
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.transcript.cmp(&b.transcript))
                .then(a.start.cmp(&b.start))
        });
        Ok(Results {
            query: label,
            total,
            hits,
        })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        matcher: &Matcher,
    ) -> std::result::Result<Hit, Fault> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| index_fault(&e))?;
        let f = &self.fields;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let num = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_u64())
                .map(|n| n as usize)
        };
        let (Some(transcript), Some(text), Some(start), Some(end)) = (
            text_of(f.transcript),
            text_of(f.text),
            num(f.start),
            num(f.end),
        ) else {
            return Err(Fault::Index("a passage lacks its stored fields".into()));
        };
        if end - start != text.chars().count() {
            return Err(Fault::Index(format!(
                "passage {transcript} {start}-{end} does not match its stored text"
            )));
        }
        let spans = matcher.spans(&text);
        Ok(Hit {
            matches: to_chars(&text, &spans, start),
            transcript,
            start,
            end,
            speaker: text_of(f.speaker),
            score,
            text,
            line: num(f.line).unwrap_or(1),
            time: text_of(f.time),
        })
    }

    pub(crate) fn try_search(&self, req: &Request) -> std::result::Result<Results, Fault> {
        guard(|| self.try_search_unguarded(req)).unwrap_or_else(|p| Err(Fault::Index(p)))
    }

    fn try_search_unguarded(&self, req: &Request) -> std::result::Result<Results, Fault> {
        let node = if req.lenient {
            match query::parse_lenient(&req.query, &self.manifest.attributes) {
                Some(n) => n,
                None => return Ok(empty(&req.query)),
            }
        } else {
            query::parse(&req.query, &self.manifest.attributes)?
        };
        let searcher = self.reader.searcher();
        let compiled: Compiled =
            match query::compile(&req.query, &node, req.mode, self.fields.query(), &searcher) {
                Ok(c) => c,
                Err(Fault::User(_)) if req.lenient => return Ok(empty(&req.query)),
                Err(f) => return Err(f),
            };
        self.run(
            &searcher,
            req.query.clone(),
            compiled.query,
            &req.scope,
            None,
            req.limit,
            &compiled.matcher,
        )
    }

    /// Runs a ranked search: best passages first.
    pub fn search(&self, req: &Request) -> Result<Results> {
        self.try_search(req).map_err(|f| self.fault_error(f))
    }

    fn fault_error(&self, f: Fault) -> Error {
        match f {
            Fault::User(e) => e,
            Fault::Index(msg) => Error::invalid(format!(
                "the search index in {} is damaged ({msg}); run `motif index --rebuild`",
                self.path()
                    .map_or_else(|| "memory".into(), |p| p.display().to_string())
            )),
        }
    }

    pub(crate) fn try_similar(
        &self,
        t: &Transcript,
        start: usize,
        end: usize,
        scope: &Scope,
        limit: Option<usize>,
    ) -> std::result::Result<Results, Fault> {
        guard(|| self.try_similar_unguarded(t, start, end, scope, limit))
            .unwrap_or_else(|p| Err(Fault::Index(p)))
    }

    fn try_similar_unguarded(
        &self,
        t: &Transcript,
        start: usize,
        end: usize,
        scope: &Scope,
        limit: Option<usize>,
    ) -> std::result::Result<Results, Fault> {
        let label = format!("similar to {} {start}-{end}", t.id);
        let Some(source) = t.slice_chars(start, end) else {
            return Err(Fault::User(Error::invalid(format!(
                "span {start}-{end} is out of range: `{}` has {} characters (code points)",
                t.id,
                t.char_len()
            ))));
        };
        let searcher = self.reader.searcher();
        let terms = self
            .distinctive_terms(&searcher, source)
            .map_err(|e| index_fault(&e))?;
        if terms.is_empty() {
            return Err(Fault::User(Error::invalid(format!(
                "{} {start}-{end} has no words distinctive enough to compare; choose a longer passage",
                t.id
            ))));
        }
        let best = terms[0].1;
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|(term, score)| {
                let q = TermQuery::new(
                    Term::from_field_text(self.fields.text, term),
                    IndexRecordOption::WithFreqs,
                );
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), score / best)) as Box<dyn Query>,
                )
            })
            .collect();
        // Not the passage(s) we started from.
        let own: Vec<Term> = passages(t)
            .iter()
            .filter(|p| p.start < end && start < p.end)
            .map(|p| Term::from_field_text(self.fields.passage, &passage_key(&t.id, p.start)))
            .collect();
        let exclude = (!own.is_empty()).then(|| Box::new(TermSetQuery::new(own)) as Box<dyn Query>);
        let matcher = Matcher::for_terms(terms.into_iter().map(|(t, _)| t), Mode::Exact);
        self.run(
            &searcher,
            label,
            Box::new(BooleanQuery::new(clauses)),
            scope,
            exclude,
            limit,
            &matcher,
        )
    }

    /// Passages most like `start..end` (code points) of `t`, across all
    /// transcripts, the passages it overlaps left out. Like Lucene's and
    /// tantivy's more-like-this: the source's most distinctive terms
    /// (frequency in the source times inverse document frequency, common
    /// English words left out), up to 25, each weighted by its score.
    pub fn similar(
        &self,
        t: &Transcript,
        start: usize,
        end: usize,
        scope: &Scope,
        limit: Option<usize>,
    ) -> Result<Results> {
        self.try_similar(t, start, end, scope, limit)
            .map_err(|f| self.fault_error(f))
    }

    /// The source's terms by tf-idf, best first.
    fn distinctive_terms(
        &self,
        searcher: &Searcher,
        source: &str,
    ) -> tantivy::Result<Vec<(String, f32)>> {
        const MAX_TERMS: usize = 25;
        let mut analyzer = analysis::folded();
        let mut tf: HashMap<String, u32> = HashMap::new();
        for w in analysis::words(&mut analyzer, source) {
            let surface = source[w.from..w.to].to_lowercase();
            let cjk = surface.chars().any(analysis::is_cjk);
            if STOP_WORDS.contains(&surface.as_str()) || (!cjk && surface.chars().count() < 2) {
                continue;
            }
            *tf.entry(w.text).or_default() += 1;
        }
        let n = searcher.num_docs().max(1) as f32;
        let mut scored = Vec::new();
        for (term, freq) in tf {
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &term))? as f32;
            if df == 0.0 {
                continue;
            }
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            scored.push((term, freq as f32 * idf));
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        scored.truncate(MAX_TERMS);
        Ok(scored)
    }
}

/// Common English words left out of more-like-this (Lucene's list, with a
/// few more that carry no theme in interviews).
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", "i", "you", "we", "he", "she", "me", "my", "our",
    "so", "do", "did", "have", "has", "had", "what", "which", "who", "would", "could", "just",
    "like", "yeah", "um", "uh", "know", "think", "mean", "really", "very", "from", "been", "were",
    "about", "all", "can", "one", "your", "its", "it's", "i'm",
];

/// Opens the project's index, brings it up to date, and runs `f`; when the
/// index turns out to be damaged while searching, rebuilds it (saying so
/// in the report) and runs `f` again.
fn with_index<T>(
    project: &Project,
    progress: ProgressFn<'_>,
    f: impl Fn(&SearchIndex) -> std::result::Result<T, Fault>,
) -> Result<(T, UpdateReport)> {
    let (idx, report) = SearchIndex::open(project, progress)?;
    match f(&idx) {
        Ok(v) => Ok((v, report)),
        Err(Fault::User(e)) => Err(e),
        Err(Fault::Index(why)) => {
            drop(idx);
            let (idx, mut again) = SearchIndex::rebuild_damaged(project, &why, progress)?;
            let mut notices = report.notices;
            notices.append(&mut again.notices);
            again.notices = notices;
            let v = f(&idx).map_err(|f| idx.fault_error(f))?;
            Ok((v, again))
        }
    }
}

/// Brings the project's index up to date and runs a ranked search.
pub fn search_project(
    project: &Project,
    req: &Request,
    progress: ProgressFn<'_>,
) -> Result<(Results, UpdateReport)> {
    with_index(project, progress, |idx| idx.try_search(req))
}

/// Brings the project's index up to date and finds passages like
/// `start..end` of `t`.
pub fn similar_project(
    project: &Project,
    t: &Transcript,
    start: usize,
    end: usize,
    scope: &Scope,
    limit: Option<usize>,
    progress: ProgressFn<'_>,
) -> Result<(Results, UpdateReport)> {
    with_index(project, progress, |idx| {
        idx.try_similar(t, start, end, scope, limit)
    })
}

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
    fn turn<'t>(&self, ps: &[(usize, usize, usize)], turns: &'t [Turn]) -> Option<&'t Turn> {
        ps.get(self.first).map(|p| &turns[p.2])
    }

    fn hit(self, id: &str, text: &str, turn: Option<&Turn>, line: usize) -> Hit {
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
    scope: &Scope,
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
        &Scope::default(),
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
    scope: &Scope,
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
fn transcript_admitted(scope: &Scope, attributes: &Attributes, id: &str) -> bool {
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
    let attrs_only = Scope {
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
    scope: &Scope,
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

#[cfg(test)]
mod tests;
