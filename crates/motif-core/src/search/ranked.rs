//! Ranked search on the index: the query with its filters, scoring and
//! the hits with their match spans, and more-like-this
//! ([`SearchIndex::similar`]) with its distinctive terms.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::transcript::Transcript;

use super::filter::SearchFilter;
use super::index::SearchIndex;
use super::passages::{passage_key, passages};
use super::query::{Compiled, filter_query};
use super::query::{Filter, Matcher, Mode};
use super::{Fault, Hit, Request, Results, analysis, empty, guard, index_fault, query};

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
    fn scope_query(&self, scope: &SearchFilter) -> Option<Vec<Box<dyn Query>>> {
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
        scope: &SearchFilter,
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
        // No more than every passage: a huge limit means "all" (tantivy
        // would try to reserve room for that many hits).
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let (top, total) = match limit.map(|n| n.min(docs)) {
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

    pub(super) fn hit(
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

    pub(super) fn fault_error(&self, f: Fault) -> Error {
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
        scope: &SearchFilter,
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
        scope: &SearchFilter,
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
        scope: &SearchFilter,
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
