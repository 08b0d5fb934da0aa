//! Word frequencies (`motif words`): the most used words over all the text
//! of the transcripts in scope, or over the text coded with some codes.
//!
//! Words are what motif counts everywhere: Unicode word segmentation
//! (UAX #29; each CJK ideograph is a word, punctuation is not), here
//! lower-cased, with the typographic apostrophe `’` written `'`.
//!
//! - All text is what was said: every turn (or paragraph) after its
//!   timestamp and `NAME:` label, so speaker names and times are not
//!   counted as words.
//! - Coded text is, per transcript, the union of the spans in scope, so
//!   text coded twice (two codes, two coders, overlapping spans) counts
//!   once; a word cut by a span's edge counts as the part inside.
//!
//! Options: [`STOPWORDS_EN`] removes common English function words and
//! interview fillers (compared before stemming); stemming reduces words to
//! their English (Snowball) stem with tantivy's stemmer, so `framework` and
//! `frameworks` count together; each entry then lists the forms seen.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer, TokenStream};
use unicode_segmentation::UnicodeSegmentation;

use super::Scope;
use crate::segments::Segment;
use crate::stats::union;
use crate::transcript::Transcript;
use crate::workspace::Workspace;

/// Common English function words, contractions and interview fillers.
pub const STOPWORDS_EN: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "after",
    "again",
    "against",
    "ah",
    "all",
    "almost",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anyone",
    "anything",
    "are",
    "around",
    "as",
    "at",
    "be",
    "became",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "either",
    "else",
    "er",
    "erm",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he's",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "hm",
    "hmm",
    "how",
    "however",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "let's",
    "may",
    "maybe",
    "me",
    "mhm",
    "might",
    "mine",
    "mm",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "oh",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "quite",
    "rather",
    "same",
    "shall",
    "she",
    "she's",
    "should",
    "shouldn't",
    "since",
    "so",
    "some",
    "something",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "toward",
    "towards",
    "uh",
    "um",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "weren't",
    "what",
    "what's",
    "whatever",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "won't",
    "would",
    "wouldn't",
    "yeah",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` (lower-cased) is an English stopword.
pub fn is_stopword_en(word: &str) -> bool {
    STOPWORDS_EN.binary_search(&word).is_ok()
}

/// How to count.
#[derive(Debug, Clone, Default)]
pub struct WordOptions {
    /// Leave out [`STOPWORDS_EN`].
    pub stopwords: bool,
    /// Count words by their English stem.
    pub stem: bool,
    /// Keep the top N entries (`None`: all).
    pub limit: Option<usize>,
}

/// One entry of the list.
#[derive(Debug, Clone, Serialize)]
pub struct WordCount {
    /// The word, lower-cased (with `stem`: its most frequent form).
    pub word: String,
    /// With `stem`: the stem the forms share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stem: Option<String>,
    /// Occurrences.
    pub count: usize,
    /// Transcripts it occurs in.
    pub transcripts: usize,
    /// With `stem`: the forms seen, most frequent first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
}

/// The `motif.words` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Words {
    pub format: &'static str,
    pub version: u32,
    pub project: String,
    pub generated_at: String,
    /// `all` (every word of the transcripts in scope) or `coded` (the text
    /// the codings in scope cover).
    pub text: &'static str,
    /// With `coded`: the codes whose text was read (empty: any code).
    pub codes: Vec<String>,
    /// With `coded`: the coders whose codings were read.
    pub coders: Vec<String>,
    /// Transcripts in scope.
    pub transcripts: usize,
    /// `en` when stopwords were left out.
    pub stopwords: Option<&'static str>,
    pub stem: bool,
    /// Words in the text read.
    pub total: usize,
    /// Words counted (the total minus stopwords).
    pub counted: usize,
    /// Distinct entries counted (before the limit).
    pub distinct: usize,
    /// Entries by count (highest first), then alphabetically.
    pub words: Vec<WordCount>,
}

/// Counts words in scope (placing the codings when the scope reads coded
/// text only).
pub fn words(ws: &Workspace, scope: &Scope, opts: &WordOptions) -> Words {
    if scope.coded_text_only() {
        let (segs, _) = scope.segments(ws);
        words_of(ws, scope, Some(&segs), opts)
    } else {
        words_of(ws, scope, None, opts)
    }
}

struct Entry {
    key: String,
    count: usize,
    transcripts: usize,
    /// Last transcript (number) counted in `transcripts`.
    last: usize,
}

/// Counts words over all text of the transcripts in scope (`segs` `None`)
/// or over the text `segs` cover.
pub fn words_of(
    ws: &Workspace,
    scope: &Scope,
    segs: Option<&[Segment<'_>]>,
    opts: &WordOptions,
) -> Words {
    let mut spans = spans_by_transcript(segs);
    let mut stemmer = opts.stem.then(|| {
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build()
    });
    // Each distinct word as written → its entry (None: a stopword) and form.
    let mut seen: HashMap<&str, Option<(usize, usize)>> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut entry_of: HashMap<String, usize> = HashMap::new();
    // Lower-cased forms: (text, entry, count).
    let mut forms: Vec<(String, usize, usize)> = Vec::new();
    let mut form_of: HashMap<String, usize> = HashMap::new();
    let (mut total, mut counted) = (0usize, 0usize);
    for (ti, tid) in scope.transcripts.iter().enumerate() {
        let Some(t) = ws.transcripts.get(tid) else {
            continue;
        };
        let pieces = pieces_of(t, segs.is_some(), &mut spans, tid);
        for piece in pieces {
            for w in piece.unicode_words() {
                total += 1;
                let slot = *seen.entry(w).or_insert_with(|| {
                    let lower = normalize(w);
                    if opts.stopwords && is_stopword_en(&lower) {
                        return None;
                    }
                    let key = match stemmer.as_mut() {
                        Some(a) => stem(a, &lower),
                        None => lower.clone(),
                    };
                    let e = *entry_of.entry(key.clone()).or_insert_with(|| {
                        entries.push(Entry {
                            key,
                            count: 0,
                            transcripts: 0,
                            last: usize::MAX,
                        });
                        entries.len() - 1
                    });
                    let f = *form_of.entry(lower.clone()).or_insert_with(|| {
                        forms.push((lower, e, 0));
                        forms.len() - 1
                    });
                    Some((e, f))
                });
                let Some((e, f)) = slot else {
                    continue;
                };
                counted += 1;
                let entry = &mut entries[e];
                entry.count += 1;
                if entry.last != ti {
                    entry.last = ti;
                    entry.transcripts += 1;
                }
                forms[f].2 += 1;
            }
        }
    }
    let distinct = entries.len();
    let list = ranked(entries, forms, opts);
    let coded = segs.is_some();
    Words {
        format: "motif.words",
        version: 1,
        project: ws.project.config.name.clone(),
        generated_at: crate::ids::now_rfc3339(),
        text: if coded { "coded" } else { "all" },
        codes: if coded && scope.codes_selected {
            scope
                .codes
                .iter()
                .map(|&p| ws.book.codes()[p].path.clone())
                .collect()
        } else {
            Vec::new()
        },
        coders: if coded {
            scope.coders.clone()
        } else {
            Vec::new()
        },
        transcripts: scope.transcripts.len(),
        stopwords: opts.stopwords.then_some("en"),
        stem: opts.stem,
        total,
        counted,
        distinct,
        words: list,
    }
}

/// The spans (`start`, `end`) `segs` cover, by transcript; empty without
/// segments.
fn spans_by_transcript<'s>(
    segs: Option<&'s [Segment<'_>]>,
) -> HashMap<&'s str, Vec<(usize, usize)>> {
    let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    if let Some(segs) = segs {
        for s in segs {
            spans
                .entry(s.coding.transcript.as_str())
                .or_default()
                .push((s.start, s.end));
        }
    }
    spans
}

/// The text of transcript `tid` to count: every turn's body, or (`coded`)
/// the union of its spans, taken out of `spans`.
fn pieces_of<'t>(
    t: &'t Transcript,
    coded: bool,
    spans: &mut HashMap<&str, Vec<(usize, usize)>>,
    tid: &str,
) -> Vec<&'t str> {
    if coded {
        spans
            .remove(tid)
            .map(|list| {
                union(list)
                    .into_iter()
                    .filter_map(|(s, e)| t.slice_chars(s, e))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        t.turns
            .iter()
            .map(|turn| &t.text[turn.body_start.min(turn.end)..turn.end])
            .collect()
    }
}

/// The entries as the list reports them: most counted first (ties by
/// word), each written as its most frequent form (with `--stem`, forms
/// listed most frequent first), cut to `--limit`.
fn ranked(
    entries: Vec<Entry>,
    forms: Vec<(String, usize, usize)>,
    opts: &WordOptions,
) -> Vec<WordCount> {
    let mut form_lists: Vec<Vec<(usize, String)>> = vec![Vec::new(); entries.len()];
    if opts.stem {
        for (text, e, n) in forms {
            form_lists[e].push((n, text));
        }
    }
    let mut list: Vec<WordCount> = entries
        .into_iter()
        .zip(form_lists)
        .map(|(e, mut fl)| {
            fl.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let forms: Vec<String> = fl.into_iter().map(|(_, f)| f).collect();
            WordCount {
                word: forms.first().cloned().unwrap_or_else(|| e.key.clone()),
                stem: opts.stem.then_some(e.key),
                count: e.count,
                transcripts: e.transcripts,
                forms,
            }
        })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.word.cmp(&b.word)));
    if let Some(n) = opts.limit {
        list.truncate(n);
    }
    list
}

/// A word as counted: lower-cased, `’` as `'`.
pub fn normalize(word: &str) -> String {
    word.to_lowercase().replace('\u{2019}', "'")
}

/// The English stem of a lower-cased word.
fn stem(analyzer: &mut TextAnalyzer, word: &str) -> String {
    let mut stream = analyzer.token_stream(word);
    if stream.advance() {
        stream.token().text.clone()
    } else {
        word.to_owned()
    }
}

/// The English stem of a word (lower-cased first), as `--stem` counts it.
pub fn english_stem(word: &str) -> String {
    let mut a = TextAnalyzer::builder(RawTokenizer::default())
        .filter(Stemmer::new(Language::English))
        .build();
    stem(&mut a, &normalize(word))
}

/// The list as CSV: `word,stem,count,transcripts,forms` (forms separated
/// by spaces; `stem` and `forms` empty without stemming).
pub fn to_csv(w: &Words) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(["word", "stem", "count", "transcripts", "forms"]);
    for e in &w.words {
        let _ = out.write_record([
            e.word.as_str(),
            e.stem.as_deref().unwrap_or(""),
            &e.count.to_string(),
            &e.transcripts.to_string(),
            &e.forms.join(" "),
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopword_list_is_sorted_lowercase_and_unique() {
        for w in STOPWORDS_EN.windows(2) {
            assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
        }
        assert!(STOPWORDS_EN.iter().all(|w| *w == w.to_lowercase()));
        assert!(is_stopword_en("the") && is_stopword_en("don't"));
        assert!(!is_stopword_en("framework"));
    }

    #[test]
    fn stems_join_inflections() {
        assert_eq!(english_stem("Frameworks"), english_stem("framework"));
        assert_eq!(
            english_stem("standardization"),
            english_stem("standardized")
        );
        assert_eq!(english_stem("café"), "café");
        assert_eq!(normalize("Don’t"), "don't");
    }
}
