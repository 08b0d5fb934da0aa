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

use serde::Serialize;

pub use index::{ProgressFn, SCHEMA_VERSION, SearchIndex, UpdateReport};
pub use query::{Filter, Matcher, Mode, Node, parse, parse_lenient};

use super::error::{Error, Result};
use super::project::Project;
use super::transcript::Transcript;

mod filter;
mod passages;
mod ranked;
mod regex_hits;

pub use filter::{CodeScope, SearchFilter};
pub(crate) use passages::passage_key;
pub use passages::{Passage, passages, passages_of};
pub use regex_hits::{compile_regex, regex_hits, regex_search, regex_search_project};

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

/// A ranked search.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub query: String,
    pub mode: Mode,
    pub scope: SearchFilter,
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
    scope: &SearchFilter,
    limit: Option<usize>,
    progress: ProgressFn<'_>,
) -> Result<(Results, UpdateReport)> {
    with_index(project, progress, |idx| {
        idx.try_similar(t, start, end, scope, limit)
    })
}

#[cfg(test)]
mod tests;
