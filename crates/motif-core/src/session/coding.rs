//! Coding use cases: code a span, a regex's matches or a file of rows;
//! uncode; autocode search hits (its dry run plans with the same step the
//! write uses, [`crate::ops::plan_code`]); undo and redo.

use std::collections::BTreeMap;
use std::path::Path;

use super::Session;
use crate::error::{Error, Result};
use crate::export;
use crate::import::{Legacy, decode};
use crate::journal::{Batch, Coding};
use crate::ops::{self, CodeReport, NewCoding, SpanSpec};
use crate::project::check_coder;
use crate::search::Results;
use crate::text::one_line;
use crate::transcript::Transcript;

/// Where to code in a transcript.
#[derive(Debug, Clone)]
pub enum Target {
    /// A span in code points or lines.
    Span(SpanSpec),
    /// Every match of a regular expression (`--match`).
    Matches(String),
}

/// What [`Session::code`] did, with the transcript to describe it by.
#[derive(Debug)]
pub struct Coded {
    pub transcript: Transcript,
    pub report: CodeReport,
}

/// What [`Session::uncode`] removed: each coding with its current span.
#[derive(Debug)]
pub struct Uncoded {
    pub transcript: Transcript,
    pub removed: Vec<(Coding, usize, usize)>,
}

/// What each autocoded coding covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitSpan {
    /// The hit's passage (a speaker turn or paragraph).
    Passage,
    /// Each match inside the hit.
    Match,
}

/// A coding an autocode would make, placed for the researcher.
#[derive(Debug, Clone)]
pub struct Planned {
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    /// 1-based lines of the span's first and last character.
    pub line_start: usize,
    pub line_end: usize,
}

/// What [`Session::autocode`] did or, in a dry run, would do.
#[derive(Debug, Clone)]
pub struct AutocodeOutcome {
    /// The code's path.
    pub code: String,
    pub coder: String,
    pub dry_run: bool,
    /// The new codings (made, or that would be made).
    pub new: Vec<Planned>,
    /// Requests the coder already had (kept as is).
    pub already: usize,
}

impl Session {
    /// Codes `target` in transcript `tid` with each of `codes` (as a
    /// researcher names them), as one undo step. A regex that matches
    /// nothing is an error; codings the coder already has are reported.
    pub fn code(
        &mut self,
        tid: &str,
        target: &Target,
        codes: &[String],
        memo: Option<&str>,
    ) -> Result<Coded> {
        if codes.is_empty() {
            return Err(Error::invalid(format!(
                "name at least one code to apply, e.g. `motif code {tid} --lines 3-5 frameworks`"
            )));
        }
        let ids = self.code_ids(codes)?;
        let t = self.project.transcript(tid)?;
        let spans = match target {
            Target::Matches(p) => {
                let spans = ops::regex_spans(&t, p)?;
                if spans.is_empty() {
                    return Err(Error::invalid(format!(
                        "`{}` matches nothing in `{}`; nothing was coded",
                        one_line(p),
                        t.id
                    )));
                }
                spans
            }
            Target::Span(spec) => vec![spec.resolve(&t)?],
        };
        let tid = t.id.as_str();
        let requests: Vec<NewCoding> = spans
            .iter()
            .flat_map(|&(start, end)| {
                ids.iter().map(move |code| NewCoding {
                    transcript: tid.to_owned(),
                    start,
                    end,
                    code: code.clone(),
                    memo: memo.map(str::to_owned),
                })
            })
            .collect();
        self.check_count(requests.len(), &format!("in `{}`", t.id))?;
        let report = self.code_requests(&[&t], &requests)?;
        Ok(Coded {
            transcript: t,
            report,
        })
    }

    /// Refuses to make `n` codings in one call when that is more than
    /// allowed (`--max N` raises the bound).
    fn check_count(&self, n: usize, what: &str) -> Result<()> {
        if n <= self.max_codings {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "this would make {n} codings {what}, more than {} from one command; nothing was coded. \
             If that is what you want, allow it with --max {n} (or narrow the pattern)",
            self.max_codings
        )))
    }

    /// Applies prepared requests on `transcripts` as one undo step.
    pub fn code_requests(
        &mut self,
        transcripts: &[&Transcript],
        requests: &[NewCoding],
    ) -> Result<CodeReport> {
        let lookup = |id: &str| transcripts.iter().copied().find(|t| t.id == id);
        let (journal, book) = self.journal_and_codebook()?;
        ops::code(journal, &lookup, book, requests)
    }

    /// The ids of codes as a researcher names them (path, unique name, id
    /// or shortcut key).
    pub fn code_ids(&mut self, codes: &[String]) -> Result<Vec<String>> {
        let book = self.codebook()?;
        codes
            .iter()
            .map(|c| book.resolve(c).map(|k| k.id.clone()))
            .collect()
    }

    /// `motif code --from FILE`: checks every row (JSON, JSON Lines or
    /// CSV as the segment exports write them) first, then writes one
    /// durable batch per coder (a row without a coder is the acting
    /// coder's). Returns each coder's report.
    pub fn code_rows(&mut self, from: &Path) -> Result<Vec<(String, CodeReport)>> {
        let bytes = crate::fsio::read_capped(
            from,
            "the file of codings",
            crate::import::MAX_TRANSCRIPT_BYTES as u64,
        )?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::parse(
                from,
                None,
                None,
                "the file of codings is empty",
            ));
        }
        let text = decode(&bytes, from, Legacy::Refuse)?.text;
        let rows = export::read_from_rows(from, &text)?;
        if rows.is_empty() {
            return Err(Error::invalid(format!(
                "{}: no codings in this file",
                from.display()
            )));
        }
        let default_coder = self.coder()?;
        let mut cache: BTreeMap<String, Transcript> = BTreeMap::new();
        let mut by_coder: BTreeMap<String, Vec<NewCoding>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let at = |msg: String| {
                let (what, line) = if r.line > 0 {
                    ("line", r.line)
                } else {
                    ("row", i + 1)
                };
                Error::invalid(format!("{} {what} {line}: {msg}", from.display()))
            };
            if !cache.contains_key(&r.transcript) {
                let t = self
                    .project
                    .transcript(&r.transcript)
                    .map_err(|e| at(e.to_string()))?;
                cache.insert(r.transcript.clone(), t);
            }
            let spec = match (r.start, r.end, r.line_start, r.line_end) {
                (Some(s), Some(e), _, _) => SpanSpec::Chars(s, e),
                (_, _, Some(a), Some(b)) => SpanSpec::Lines(a, b),
                _ => {
                    return Err(at(
                        "give start and end (code points) or line_start and line_end".into(),
                    ));
                }
            };
            let (start, end) = spec
                .resolve(&cache[&r.transcript])
                .map_err(|e| at(e.to_string()))?;
            let code = self
                .codebook()?
                .resolve(&r.code)
                .map_err(|e| at(e.to_string()))?
                .id
                .clone();
            let coder = r.coder.clone().unwrap_or_else(|| default_coder.clone());
            check_coder(&coder).map_err(|e| at(e.to_string()))?;
            by_coder.entry(coder).or_default().push(NewCoding {
                transcript: r.transcript.clone(),
                start,
                end,
                code,
                memo: r.memo.clone(),
            });
        }
        let lookup = |id: &str| cache.get(id);
        let book = self.codebook()?.clone();
        let mut out = Vec::new();
        for (coder, requests) in by_coder {
            let mut journal = self.project.journal(&coder)?;
            let report = ops::code(&mut journal, &lookup, &book, &requests)?;
            out.push((coder, report));
        }
        // Another coder's journal may be the acting coder's: read it anew.
        self.journal = None;
        Ok(out)
    }

    /// Removes the acting coder's codings within a span of `tid`
    /// (optionally only those with `codes`), as one undo step.
    pub fn uncode(&mut self, tid: &str, span: SpanSpec, codes: &[String]) -> Result<Uncoded> {
        let ids = self.code_ids(codes)?;
        let t = self.project.transcript(tid)?;
        let (start, end) = span.resolve(&t)?;
        let (journal, book) = self.journal_and_codebook()?;
        let removed = ops::uncode(journal, &t, start, end, book, &ids)?;
        Ok(Uncoded {
            transcript: t,
            removed,
        })
    }

    /// Removes the acting coder's coding `id`, wherever it is (an orphaned
    /// coding too, which no span reaches); undo brings it back.
    pub fn uncode_id(&mut self, id: &str) -> Result<crate::journal::Coding> {
        let journal = self.journal()?;
        if journal.get(id).is_none() {
            return Err(crate::review::no_coding(journal, id));
        }
        let mut gone = ops::remove_ids(journal, &[id.to_owned()], true)?;
        Ok(gone.remove(0))
    }

    /// Undoes the acting coder's last step (`None`: nothing to undo).
    pub fn undo(&mut self) -> Result<Option<Batch>> {
        let (journal, book) = self.journal_and_codebook()?;
        ops::undo(journal, book)
    }

    /// Redoes the acting coder's last undone step (`None`: nothing to
    /// redo).
    pub fn redo(&mut self) -> Result<Option<Batch>> {
        let (journal, book) = self.journal_and_codebook()?;
        ops::redo(journal, book)
    }

    /// Codes search hits with `code` (`search --autocode`), or with
    /// `dry_run` lists what it would code; both plan with
    /// [`ops::plan_code`]. Hits whose transcript changed since the search
    /// are refused (nothing is coded).
    pub fn autocode(
        &mut self,
        results: &Results,
        code: &str,
        span: HitSpan,
        memo: Option<&str>,
        dry_run: bool,
    ) -> Result<AutocodeOutcome> {
        let code = self.codebook()?.resolve(code)?.clone();
        let coder = self.coder()?;
        let mut transcripts: BTreeMap<String, Transcript> = BTreeMap::new();
        for h in &results.hits {
            if !transcripts.contains_key(&h.transcript) {
                let t = self.project.transcript(&h.transcript)?;
                transcripts.insert(h.transcript.clone(), t);
            }
            if transcripts[&h.transcript].slice_chars(h.start, h.end) != Some(h.text.as_str()) {
                return Err(Error::invalid(format!(
                    "transcript `{}` changed while searching; run the search again (nothing was coded)",
                    one_line(&h.transcript)
                )));
            }
        }
        let requests: Vec<NewCoding> = results
            .hits
            .iter()
            .flat_map(|h| {
                let spans = match span {
                    HitSpan::Passage => vec![(h.start, h.end)],
                    HitSpan::Match => h.matches.clone(),
                };
                spans.into_iter().map(|(start, end)| NewCoding {
                    transcript: h.transcript.clone(),
                    start,
                    end,
                    code: code.id.clone(),
                    memo: memo.map(str::to_owned),
                })
            })
            .collect();
        if !dry_run {
            self.check_count(requests.len(), "from the search hits")?;
        }
        let lookup = |id: &str| transcripts.get(id);
        let (journal, book) = self.journal_and_codebook()?;
        let (new, already) = if dry_run {
            let plan = ops::plan_code(journal, &lookup, book, &requests)?;
            (plan.new, plan.already.len())
        } else {
            let report = ops::code(journal, &lookup, book, &requests)?;
            let made = report
                .added
                .iter()
                .map(|c| NewCoding {
                    transcript: c.transcript.to_string(),
                    start: c.start,
                    end: c.end,
                    code: c.code.to_string(),
                    memo: None,
                })
                .collect();
            (made, report.already.len())
        };
        let new = new
            .iter()
            .map(|r| {
                let t = &transcripts[&r.transcript];
                let (a, b) = t.byte_range(r.start, r.end).expect("checked span");
                let (line_start, line_end) = t.lines_of(a, b);
                Planned {
                    transcript: r.transcript.clone(),
                    start: r.start,
                    end: r.end,
                    line_start,
                    line_end,
                }
            })
            .collect();
        Ok(AutocodeOutcome {
            code: code.path,
            coder,
            dry_run,
            new,
            already,
        })
    }
}
