//! The query language, its translation into a tantivy query, and the
//! matcher that finds on a hit's text the spans that matched.
//!
//! ```text
//! framework               a word (stemmed: also frameworks, framework's)
//! "open source"           a phrase: the words next to each other, in order
//! frame*                  words starting with `frame` (as written, any case)
//! pytorhc~1               words within 1 edit (insert, delete, replace, swap) of
//!                         `pytorhc`, any case; `~` alone is ~1, at most ~2
//! a b   a AND b           both (AND is the default)
//! a OR b                  either
//! NOT a   -a              without a
//! (a OR b) -c             grouping
//! speaker:JOÃO  speaker:"LI NA"  transcript:p03  role:student
//!                         filters inside the query (role: any attribute)
//! ```
//!
//! Operators are written in capitals; `and`, `or` and `not` in lower case
//! are ordinary words. [`parse`] is strict and says what is wrong;
//! [`parse_lenient`] (for a search box that runs while the researcher types)
//! closes open quotes and parentheses and drops dangling operators.

use std::collections::{BTreeSet, HashMap, HashSet};

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RegexPhraseQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{RawTokenizer, TextAnalyzer, TokenStream};
use tantivy::{Searcher, Term};

use super::Fault;
use super::analysis::{self, keyword_term};
use crate::error::{Error, Result};
use crate::text::one_line;

/// How words are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Lower-cased, accents folded, English stems (`Frameworks` finds
    /// `framework`).
    #[default]
    Stemmed,
    /// Words as written, not stemmed: `standard` does not find
    /// `standards` (case and accents are still ignored).
    Exact,
}

/// A restriction on passages, from the query (`speaker:X`) or from flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Passages spoken by this speaker (case-insensitive).
    Speaker(String),
    /// Passages of this transcript (its id).
    Transcript(String),
    /// Passages of transcripts with this attribute value
    /// (case-insensitive).
    Attribute(String, String),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// One word; several words when the analyzer splits it (`e-mail`).
    Word {
        text: String,
        prefix: bool,
        fuzzy: Option<u8>,
    },
    Phrase(String),
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Open,
    Close,
    And,
    Or,
    Not,
    Plus,
    Phrase(String),
    Bare(String),
    QuotedField(String, String),
}

/// How deeply a query may nest parentheses, `NOT`s and `+`s: far beyond
/// what a researcher writes, far below what would exhaust the stack.
pub const MAX_DEPTH: usize = 100;

/// How many `*` and `~` words a query may hold: far more than anyone
/// writes, and it keeps a pasted or planted query from taking minutes and
/// gigabytes (each costs milliseconds and its own term list).
pub const MAX_EXPANDING: usize = 100;

fn too_deep() -> Error {
    Error::invalid(format!(
        "the query nests deeper than {MAX_DEPTH} levels (parentheses, NOT, - or +); simplify it"
    ))
}

fn bad(input: &str, msg: &str) -> Error {
    Error::invalid(format!("in the query `{}`: {msg}", one_line(input)))
}

fn lex(input: &str, lenient: bool) -> Result<Vec<Lex>> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let read_quoted = |i: &mut usize| -> Result<String> {
        // `*i` is just past the opening quote.
        let start = *i;
        while *i < chars.len() && chars[*i] != '"' {
            *i += 1;
        }
        if *i >= chars.len() && !lenient {
            return Err(bad(input, "a quote is not closed; end the phrase with \""));
        }
        let s: String = chars[start..*i].iter().collect();
        *i += 1;
        Ok(s)
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Lex::Open);
                i += 1;
            }
            ')' => {
                out.push(Lex::Close);
                i += 1;
            }
            '"' => {
                i += 1;
                let s = read_quoted(&mut i)?;
                // `"a b"~2` (proximity) and `"a b"*` are not supported.
                let tail_start = i;
                while i < chars.len()
                    && (chars[i] == '~' || chars[i] == '*' || chars[i].is_ascii_digit())
                {
                    i += 1;
                }
                if i > tail_start && !lenient {
                    return Err(bad(
                        input,
                        "`~` and `*` after a phrase are not supported; search the phrase, or its words joined with AND",
                    ));
                }
                out.push(Lex::Phrase(s));
            }
            '-' | '!' | '+'
                if i + 1 < chars.len() && !chars[i + 1].is_whitespace() && chars[i + 1] != ')' =>
            {
                out.push(if c == '+' { Lex::Plus } else { Lex::Not });
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word.ends_with(':') && word.len() > 1 && i < chars.len() && chars[i] == '"' {
                    i += 1;
                    let value = read_quoted(&mut i)?;
                    out.push(Lex::QuotedField(word[..word.len() - 1].to_owned(), value));
                    continue;
                }
                out.push(match word.as_str() {
                    "AND" | "&&" => Lex::And,
                    "OR" | "||" => Lex::Or,
                    "NOT" => Lex::Not,
                    _ => Lex::Bare(word),
                });
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<Lex>,
    pos: usize,
    lenient: bool,
    attributes: &'a [String],
    /// Open `unary` calls: bounded by [`MAX_DEPTH`].
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Lex> {
        self.toks.get(self.pos)
    }

    fn fail(&self, msg: &str) -> Result<()> {
        if self.lenient {
            Ok(())
        } else {
            Err(bad(self.input, msg))
        }
    }

    fn or(&mut self) -> Result<Option<Node>> {
        let mut parts = Vec::new();
        loop {
            let part = self.and()?;
            let at_or = self.peek() == Some(&Lex::Or);
            match part {
                Some(n) => parts.push(n),
                None if at_or || !parts.is_empty() => {
                    self.fail("OR needs a term on each side")?;
                }
                None => {}
            }
            if at_or {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::Or(parts)),
        })
    }

    fn and(&mut self) -> Result<Option<Node>> {
        let mut parts = Vec::new();
        let mut pending_and = false;
        loop {
            match self.peek() {
                None | Some(Lex::Close | Lex::Or) => break,
                Some(Lex::And) => {
                    if parts.is_empty() || pending_and {
                        self.fail("AND needs a term on each side")?;
                    }
                    pending_and = true;
                    self.pos += 1;
                }
                Some(_) => {
                    if let Some(n) = self.unary()? {
                        parts.push(n);
                    }
                    pending_and = false;
                }
            }
        }
        if pending_and {
            self.fail("AND needs a term on each side")?;
        }
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::And(parts)),
        })
    }

    fn unary(&mut self) -> Result<Option<Node>> {
        if self.depth > MAX_DEPTH {
            // Even a lenient parse stops here: this is not unfinished typing.
            return Err(too_deep());
        }
        self.depth += 1;
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<Option<Node>> {
        let Some(tok) = self.toks.get(self.pos).cloned() else {
            return Ok(None);
        };
        self.pos += 1;
        match tok {
            Lex::Not => match self.peek() {
                None | Some(Lex::Close | Lex::Or | Lex::And) => {
                    self.fail("NOT needs a term after it")?;
                    Ok(None)
                }
                _ => Ok(self.unary()?.map(|n| match n {
                    Node::Not(inner) => *inner,
                    other => Node::Not(Box::new(other)),
                })),
            },
            Lex::Plus => self.unary(),
            Lex::Open => {
                let inner = self.or()?;
                if self.peek() == Some(&Lex::Close) {
                    self.pos += 1;
                } else {
                    self.fail("a parenthesis is not closed; add )")?;
                }
                Ok(inner)
            }
            Lex::Close | Lex::And | Lex::Or => unreachable!("handled by the callers"),
            Lex::Phrase(p) => Ok(Some(Node::Phrase(p))),
            Lex::QuotedField(k, v) => Ok(Some(
                self.field(&k, &v)
                    .unwrap_or_else(|| Node::Phrase(format!("{k} {v}"))),
            )),
            Lex::Bare(w) => self.bare(&w),
        }
    }

    /// `key:value` as a filter, when `key` names one.
    fn field(&self, key: &str, value: &str) -> Option<Node> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let k = key.to_lowercase();
        let f = match k.as_str() {
            "speaker" => Filter::Speaker(value.to_owned()),
            "transcript" => Filter::Transcript(value.to_owned()),
            _ => {
                let name = self.attributes.iter().find(|a| a.to_lowercase() == k)?;
                Filter::Attribute(name.clone(), value.to_owned())
            }
        };
        Some(Node::Filter(f))
    }

    fn bare(&self, w: &str) -> Result<Option<Node>> {
        if let Some((k, v)) = w.split_once(':') {
            if let Some(n) = self.field(k, v) {
                return Ok(Some(n));
            }
            // `rol:student` is a misspelt filter far more often than text
            // to find (which quotes keep: "rol:student"); `10:30` and
            // `http://…` are text.
            if k.chars().count() > 1
                && k.chars().all(|c| c.is_alphabetic() || c == '_' || c == '-')
                && !v.trim().is_empty()
                && !v.starts_with('/')
            {
                let known = if self.attributes.is_empty() {
                    "it has none".to_owned()
                } else {
                    self.attributes.join(", ")
                };
                self.fail(&format!(
                    "`{k}:` is not a filter: filters are speaker:, transcript: and the attributes of attributes.csv ({known}); to find the text itself, quote it: \"{w}\""
                ))?;
            }
        }
        let mut text = w;
        let mut fuzzy = None;
        if let Some(i) = text.rfind('~') {
            let d = &text[i + 1..];
            if d.chars().all(|c| c.is_ascii_digit()) {
                let n: u32 = if d.is_empty() {
                    1
                } else {
                    d.parse().unwrap_or(u32::MAX)
                };
                if n > 2 {
                    self.fail("fuzzy search allows at most 2 edits (word~1 or word~2)")?;
                }
                fuzzy = Some(n.min(2) as u8);
                text = &text[..i];
            }
        }
        let prefix = text.ends_with('*');
        let text = text.trim_end_matches('*');
        if prefix && fuzzy.is_some() {
            self.fail("a word cannot be both a prefix (*) and fuzzy (~)")?;
        }
        if text.is_empty() {
            if prefix || fuzzy.is_some() {
                self.fail("`*` and `~` go after a word, as in frame* or pytorch~1")?;
            }
            return Ok(None);
        }
        Ok(Some(Node::Word {
            text: text.to_owned(),
            prefix,
            fuzzy: if prefix { None } else { fuzzy },
        }))
    }
}

fn parse_with(input: &str, attributes: &[String], lenient: bool) -> Result<Option<Node>> {
    let mut p = Parser {
        input,
        toks: lex(input, lenient)?,
        pos: 0,
        lenient,
        attributes,
        depth: 0,
    };
    let mut parts = Vec::new();
    loop {
        if let Some(n) = p.or()? {
            parts.push(n);
        }
        if p.pos < p.toks.len() {
            // A `)` without its `(`.
            p.fail("a `)` has no matching `(`")?;
            p.pos += 1;
        } else {
            break;
        }
    }
    let node = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Node::And(parts)),
    };
    // Each `frame*` or `word~` looks through the whole index's words.
    if let Some(n) = &node
        && expanding(n) > MAX_EXPANDING
    {
        if lenient {
            return Ok(None);
        }
        return Err(bad(
            input,
            &format!(
                "the query has more than {MAX_EXPANDING} words with `*` or `~` (each looks through every word of the corpus); use fewer, or --regex"
            ),
        ));
    }
    Ok(node)
}

/// How many `prefix*` and `fuzzy~` words a query holds.
fn expanding(n: &Node) -> usize {
    match n {
        Node::And(v) | Node::Or(v) => v.iter().map(expanding).sum(),
        Node::Not(inner) => expanding(inner),
        Node::Word { prefix, fuzzy, .. } => usize::from(*prefix || fuzzy.is_some()),
        Node::Phrase(_) | Node::Filter(_) => 0,
    }
}

/// Parses a query; `attributes` are the attribute names that may be used
/// as `name:value` filters. An empty query is an error.
pub fn parse(input: &str, attributes: &[String]) -> Result<Node> {
    parse_with(input, attributes, false)?.ok_or_else(|| {
        Error::invalid(
            "the query is empty; give a word, a \"phrase\", or a regular expression with --regex",
        )
    })
}

/// Parses a query as typed so far, repairing what is unfinished; `None`
/// when nothing is searchable yet.
pub fn parse_lenient(input: &str, attributes: &[String]) -> Option<Node> {
    parse_with(input, attributes, true).ok().flatten()
}

/// What a positive part of the query matches, in analyzed terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Terms at positions relative to the first (one term: a word).
    Seq(Vec<(usize, String)>),
    /// Terms starting with one of these.
    Prefix(Vec<String>),
    /// Terms within this many edits of the term.
    Fuzzy(String, u8),
}

/// The index fields a query needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryFields {
    pub text: Field,
    pub speaker: Field,
    pub transcript: Field,
    pub attr: Field,
}

/// A query ready to run, and the matcher for its hits.
pub struct Compiled {
    pub(crate) query: Box<dyn Query>,
    pub(crate) matcher: Matcher,
    /// Filters named in the query.
    pub filters: Vec<Filter>,
}

/// Finds the spans of a text that a query matched.
#[derive(Clone)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    /// The analyzer of words and phrases (the mode's).
    analyzer: TextAnalyzer,
    /// The analyzer of prefix and fuzzy searches (the indexed forms).
    forms: TextAnalyzer,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("patterns", &self.patterns)
            .finish_non_exhaustive()
    }
}

struct Compiler<'a> {
    input: &'a str,
    mode: Mode,
    fields: QueryFields,
    searcher: &'a Searcher,
    main: TextAnalyzer,
    forms: TextAnalyzer,
    /// Stems of indexed words (a raw tokenizer and the stemmer).
    stemmer: TextAnalyzer,
    expanded: HashMap<String, Vec<String>>,
    patterns: Vec<Pattern>,
    filters: Vec<Filter>,
}

/// A filter as a query that restricts without changing scores.
pub(crate) fn filter_query(fields: &QueryFields, f: &Filter) -> Box<dyn Query> {
    let term = match f {
        Filter::Speaker(s) => Term::from_field_text(fields.speaker, &keyword_term(s)),
        Filter::Transcript(t) => Term::from_field_text(fields.transcript, t),
        Filter::Attribute(k, v) => Term::from_field_text(fields.attr, &attribute_term(k, v)),
    };
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        0.0,
    ))
}

/// How an attribute value is indexed: `name=value`, lower-cased.
pub(crate) fn attribute_term(name: &str, value: &str) -> String {
    keyword_term(&format!("{}={}", name.trim(), value.trim()))
}

fn index_fault(e: &impl std::fmt::Display) -> Fault {
    Fault::Index(e.to_string())
}

impl Compiler<'_> {
    fn term(&self, t: &str) -> Term {
        Term::from_field_text(self.fields.text, t)
    }

    fn stem_of(&mut self, word: &str) -> String {
        let mut stream = self.stemmer.token_stream(word);
        if stream.advance() {
            stream.token().text.clone()
        } else {
            word.to_owned()
        }
    }

    /// The indexed words whose stem is `stem`, from every segment's term
    /// dictionary (looked up from [`analysis::stem_prefix`]).
    fn expand(&mut self, stem: &str) -> std::result::Result<Vec<String>, Fault> {
        if let Some(v) = self.expanded.get(stem) {
            return Ok(v.clone());
        }
        let prefix = analysis::stem_prefix(stem).as_bytes().to_vec();
        let mut found = BTreeSet::new();
        let mut candidates = Vec::new();
        for segment in self.searcher.segment_readers() {
            let inverted = segment
                .inverted_index(self.fields.text)
                .map_err(|e| index_fault(&e))?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(&prefix)
                .into_stream()
                .map_err(|e| index_fault(&e))?;
            while stream.advance() {
                let key = stream.key();
                if !key.starts_with(&prefix) {
                    break;
                }
                if let Ok(word) = std::str::from_utf8(key) {
                    candidates.push(word.to_owned());
                }
            }
        }
        for word in candidates {
            if !found.contains(&word) && self.stem_of(&word) == stem {
                found.insert(word);
            }
        }
        let forms: Vec<String> = found.into_iter().collect();
        self.expanded.insert(stem.to_owned(), forms.clone());
        Ok(forms)
    }

    fn pattern(&mut self, node: &Node) -> Result<Option<Pattern>> {
        Ok(match node {
            Node::Phrase(p) => {
                let words = analysis::words(&mut self.main, p);
                seq(&words)
            }
            Node::Word {
                text, prefix: true, ..
            } => {
                let words = analysis::words(&mut self.forms, text);
                match words.as_slice() {
                    [] => None,
                    [w] => Some(Pattern::Prefix(vec![w.text.clone()])),
                    _ => {
                        return Err(bad(
                            self.input,
                            &format!(
                                "`{}*`: a prefix search takes one word (no spaces or punctuation)",
                                one_line(text)
                            ),
                        ));
                    }
                }
            }
            Node::Word {
                text,
                fuzzy: Some(d),
                ..
            } => {
                let words = analysis::words(&mut self.forms, text);
                match words.as_slice() {
                    [] => None,
                    [w] => Some(Pattern::Fuzzy(w.text.clone(), *d)),
                    _ => {
                        return Err(bad(
                            self.input,
                            &format!(
                                "`{}~{d}`: a fuzzy search takes one word (no spaces or punctuation)",
                                one_line(text)
                            ),
                        ));
                    }
                }
            }
            Node::Word { text, .. } => {
                let words = analysis::words(&mut self.main, text);
                seq(&words)
            }
            _ => None,
        })
    }

    /// Words (or stems) at positions: the indexed forms of each, as a term,
    /// a disjunction of terms, a phrase, or a phrase of alternatives.
    fn seq_query(
        &mut self,
        terms: &[(usize, String)],
    ) -> std::result::Result<Box<dyn Query>, Fault> {
        let mut slots: Vec<(usize, Vec<String>)> = Vec::with_capacity(terms.len());
        for (pos, t) in terms {
            let forms = match self.mode {
                Mode::Stemmed => self.expand(t)?,
                Mode::Exact => vec![t.clone()],
            };
            if forms.is_empty() {
                return Ok(Box::new(EmptyQuery));
            }
            slots.push((*pos, forms));
        }
        let term_query = |c: &Self, w: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(c.term(w), IndexRecordOption::WithFreqs))
        };
        Ok(match slots.as_slice() {
            [(_, forms)] if forms.len() == 1 => term_query(self, &forms[0]),
            [(_, forms)] => Box::new(BooleanQuery::new(
                forms
                    .iter()
                    .map(|w| (Occur::Should, term_query(self, w)))
                    .collect(),
            )),
            _ if slots.iter().all(|(_, f)| f.len() == 1) => Box::new(PhraseQuery::new_with_offset(
                slots.iter().map(|(p, f)| (*p, self.term(&f[0]))).collect(),
            )),
            _ => Box::new(RegexPhraseQuery::new_with_offset(
                self.fields.text,
                slots
                    .iter()
                    .map(|(p, f)| {
                        let alts: Vec<String> = f.iter().map(|w| regex::escape(w)).collect();
                        (*p, format!("(?:{})", alts.join("|")))
                    })
                    .collect(),
            )),
        })
    }

    fn leaf_query(&mut self, p: &Pattern) -> std::result::Result<Box<dyn Query>, Fault> {
        Ok(match p {
            Pattern::Seq(terms) => self.seq_query(terms)?,
            Pattern::Prefix(alts) => {
                let alt: Vec<String> = alts.iter().map(|a| regex::escape(a)).collect();
                let pattern = format!("(?:{}).*", alt.join("|"));
                Box::new(
                    RegexQuery::from_pattern(&pattern, self.fields.text).map_err(|e| {
                        bad(self.input, &format!("cannot search this prefix ({e})"))
                    })?,
                )
            }
            Pattern::Fuzzy(t, d) => Box::new(FuzzyTermQuery::new(self.term(t), *d, true)),
        })
    }

    /// The query for `node`; `None` when it has nothing searchable.
    /// Patterns are kept only for parts not under an odd number of NOTs.
    fn compile(
        &mut self,
        node: &Node,
        positive: bool,
    ) -> std::result::Result<Option<Box<dyn Query>>, Fault> {
        match node {
            Node::And(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for c in children {
                    if let Node::Not(inner) = c {
                        if let Some(q) = self.compile(inner, !positive)? {
                            clauses.push((Occur::MustNot, q));
                        }
                    } else if let Some(q) = self.compile(c, positive)? {
                        clauses.push((Occur::Must, q));
                    }
                }
                if clauses.is_empty() {
                    return Ok(None);
                }
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                if clauses.len() == 1 {
                    return Ok(clauses.pop().map(|(_, q)| q));
                }
                Ok(Some(Box::new(BooleanQuery::new(clauses))))
            }
            Node::Or(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for c in children {
                    if let Some(q) = self.compile(c, positive)? {
                        clauses.push((Occur::Should, q));
                    }
                }
                match clauses.len() {
                    0 => Ok(None),
                    1 => Ok(clauses.pop().map(|(_, q)| q)),
                    _ => Ok(Some(Box::new(BooleanQuery::new(clauses)))),
                }
            }
            Node::Not(inner) => Ok(self.compile(inner, !positive)?.map(|q| {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                    (Occur::MustNot, q),
                ])) as Box<dyn Query>
            })),
            Node::Filter(f) => {
                if positive {
                    self.filters.push(f.clone());
                }
                Ok(Some(filter_query(&self.fields, f)))
            }
            Node::Word { .. } | Node::Phrase(_) => {
                let Some(p) = self.pattern(node)? else {
                    return Ok(None);
                };
                let q = self.leaf_query(&p)?;
                if positive {
                    self.patterns.push(p);
                }
                Ok(Some(q))
            }
        }
    }
}

fn seq(words: &[analysis::Word]) -> Option<Pattern> {
    let first = words.first()?.position;
    Some(Pattern::Seq(
        words
            .iter()
            .map(|w| (w.position - first, w.text.clone()))
            .collect(),
    ))
}

/// The analyzer of words and phrases in a mode.
pub(crate) fn analyzer(mode: Mode) -> TextAnalyzer {
    match mode {
        Mode::Stemmed => analysis::stemmed(),
        Mode::Exact => analysis::folded(),
    }
}

/// Turns a parsed query into a tantivy query (the stems of the default
/// mode looked up in `searcher`'s index) and a matcher.
pub(crate) fn compile(
    input: &str,
    node: &Node,
    mode: Mode,
    fields: QueryFields,
    searcher: &Searcher,
) -> std::result::Result<Compiled, Fault> {
    let mut c = Compiler {
        input,
        mode,
        fields,
        searcher,
        main: analyzer(mode),
        forms: analysis::folded(),
        stemmer: TextAnalyzer::builder(RawTokenizer::default())
            .filter(analysis::CachedStemmer)
            .build(),
        expanded: HashMap::new(),
        patterns: Vec::new(),
        filters: Vec::new(),
    };
    let query = c.compile(node, true)?.ok_or_else(|| {
        bad(input, "it has no words to search for; write words, a \"phrase\", or use --regex for punctuation")
    })?;
    Ok(Compiled {
        query,
        matcher: Matcher {
            patterns: c.patterns,
            analyzer: analyzer(mode),
            forms: analysis::folded(),
        },
        filters: c.filters,
    })
}

impl Matcher {
    /// A matcher for single terms (more-like-this).
    pub(crate) fn for_terms(terms: impl IntoIterator<Item = String>, mode: Mode) -> Matcher {
        Matcher {
            patterns: terms
                .into_iter()
                .map(|t| Pattern::Seq(vec![(0, t)]))
                .collect(),
            analyzer: analyzer(mode),
            forms: analysis::folded(),
        }
    }

    /// Byte ranges of `text` that the query matched, sorted, overlapping
    /// ones merged.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let mut analyzer = self.analyzer.clone();
        let words = analysis::words(&mut analyzer, text);
        let needs_forms = self
            .patterns
            .iter()
            .any(|p| matches!(p, Pattern::Prefix(_) | Pattern::Fuzzy(..)));
        let forms = if needs_forms {
            let mut f = self.forms.clone();
            analysis::words(&mut f, text)
        } else {
            Vec::new()
        };
        let at = |pos: usize| -> Option<&analysis::Word> {
            words
                .binary_search_by_key(&pos, |w| w.position)
                .ok()
                .map(|i| &words[i])
        };
        let mut out = Vec::new();
        for p in &self.patterns {
            match p {
                Pattern::Seq(terms) => {
                    let (_, first) = &terms[0];
                    for w in words.iter().filter(|w| &w.text == first) {
                        let mut end = w.to;
                        let ok = terms[1..].iter().all(|(rel, t)| {
                            at(w.position + rel).is_some_and(|x| {
                                end = end.max(x.to);
                                &x.text == t
                            })
                        });
                        if ok {
                            out.push((w.from, end));
                        }
                    }
                }
                Pattern::Prefix(alts) => out.extend(
                    forms
                        .iter()
                        .filter(|w| alts.iter().any(|a| w.text.starts_with(a.as_str())))
                        .map(|w| (w.from, w.to)),
                ),
                Pattern::Fuzzy(t, d) => {
                    let target: Vec<char> = t.chars().collect();
                    out.extend(
                        forms
                            .iter()
                            .filter(|w| within_edits(&w.text, &target, usize::from(*d)))
                            .map(|w| (w.from, w.to)),
                    );
                }
            }
        }
        merge(out)
    }

    /// The distinct analyzed terms this matcher looks for (single terms and
    /// phrase words), for callers that want to show them.
    pub fn terms(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for p in &self.patterns {
            let list: Vec<&String> = match p {
                Pattern::Seq(t) => t.iter().map(|(_, s)| s).collect(),
                Pattern::Prefix(a) => a.iter().collect(),
                Pattern::Fuzzy(t, _) => vec![t],
            };
            for s in list {
                if seen.insert(s.clone()) {
                    out.push(s.clone());
                }
            }
        }
        out
    }
}

/// Sorts ranges and merges those that overlap.
pub(crate) fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a < last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Whether `word` is within `max` edits of `target` (insertions, deletions,
/// substitutions and swaps of neighbours, counted in characters: the
/// distance tantivy's fuzzy query uses).
pub(crate) fn within_edits(word: &str, target: &[char], max: usize) -> bool {
    let a: Vec<char> = word.chars().collect();
    let b = target;
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Optimal string alignment distance, three rows.
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        parse(s, &["role".to_owned()]).unwrap()
    }

    fn w(s: &str) -> Node {
        Node::Word {
            text: s.into(),
            prefix: false,
            fuzzy: None,
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let nest = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(p(&nest(MAX_DEPTH)), w("a"));
        let e = parse(&nest(MAX_DEPTH + 1), &[]).unwrap_err().to_string();
        assert!(e.contains("100 levels"), "{e}");
        assert!(parse(&"NOT ".repeat(30_000), &[]).is_err());
        assert!(parse(&format!("{}a", "-".repeat(30_000)), &[]).is_err());
        assert_eq!(parse_lenient(&"(".repeat(10_000), &[]), None);
    }

    #[test]
    fn parses_boolean_structure() {
        assert_eq!(p("a b"), Node::And(vec![w("a"), w("b")]));
        assert_eq!(p("a AND b"), p("a b"));
        assert_eq!(
            p("a OR b c"),
            Node::Or(vec![w("a"), Node::And(vec![w("b"), w("c")])])
        );
        assert_eq!(
            p("(a OR b) -c"),
            Node::And(vec![
                Node::Or(vec![w("a"), w("b")]),
                Node::Not(Box::new(w("c")))
            ])
        );
        assert_eq!(p("NOT NOT a"), w("a"));
        assert_eq!(p("a or b"), Node::And(vec![w("a"), w("or"), w("b")]));
    }

    #[test]
    fn parses_leaves() {
        assert_eq!(
            p("frame*"),
            Node::Word {
                text: "frame".into(),
                prefix: true,
                fuzzy: None
            }
        );
        assert_eq!(
            p("pytorhc~"),
            Node::Word {
                text: "pytorhc".into(),
                prefix: false,
                fuzzy: Some(1)
            }
        );
        assert_eq!(p("\"open source\""), Node::Phrase("open source".into()));
        assert_eq!(
            p("speaker:\"LI NA\" role:student transcript:p03 10:30"),
            Node::And(vec![
                Node::Filter(Filter::Speaker("LI NA".into())),
                Node::Filter(Filter::Attribute("role".into(), "student".into())),
                Node::Filter(Filter::Transcript("p03".into())),
                w("10:30"),
            ])
        );
        // A filter that names no attribute is refused, not matched as
        // text (which finds nothing); quoted, it is text.
        let e = parse("paddle rol:student", &["role".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`rol:` is not a filter") && e.contains("(role)"),
            "{e}"
        );
        assert_eq!(p("\"rol:student\""), Node::Phrase("rol:student".into()));
        assert_eq!(p("https://example.org"), w("https://example.org"));
        // Words that expand are bounded; plain words are not.
        let many = |n: usize, w: &str| vec![w; n].join(" OR ");
        assert!(parse(&many(MAX_EXPANDING, "a*"), &[]).is_ok());
        let e = parse(&many(MAX_EXPANDING + 1, "a*"), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 100 words with `*` or `~`"), "{e}");
        assert!(parse(&many(MAX_EXPANDING + 1, "paddle~1"), &[]).is_err());
        assert!(parse(&many(5_000, "paddle"), &[]).is_ok());
    }

    #[test]
    fn strict_errors_say_what_is_wrong() {
        let e = |s: &str| parse(s, &[]).unwrap_err().to_string();
        assert!(e("\"open source").contains("quote"));
        assert!(e("(a OR b").contains("parenthesis"));
        assert!(e("a OR").contains("OR"));
        assert!(e("a~3").contains("2 edits"));
        assert!(e("").contains("empty"));
        assert!(e("a )").contains("matching"));
    }

    #[test]
    fn lenient_parse_repairs() {
        assert_eq!(
            parse_lenient("\"open sou", &[]),
            Some(Node::Phrase("open sou".into()))
        );
        assert_eq!(parse_lenient("(a OR", &[]), Some(w("a")));
        assert_eq!(parse_lenient("a AND", &[]), Some(w("a")));
        assert_eq!(parse_lenient("", &[]), None);
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        let t: Vec<char> = "pytorch".chars().collect();
        assert!(within_edits("pytorch", &t, 0));
        assert!(within_edits("pytroch", &t, 1));
        assert!(within_edits("pytorc", &t, 1));
        assert!(!within_edits("pyt", &t, 2));
        assert!(within_edits("pitorh", &t, 2));
        assert!(!within_edits("tensorflow", &t, 2));
    }

    #[test]
    fn merge_joins_overlaps_only() {
        assert_eq!(
            merge(vec![(5, 9), (0, 3), (3, 4), (8, 12)]),
            vec![(0, 3), (3, 4), (5, 12)]
        );
    }
}
