//! How passages and queries are cut into terms.
//!
//! One tokenizer serves every analyzer: a word is a run of letters, digits
//! and combining marks; each CJK ideograph, kana or Hangul syllable is a
//! term of its own, so text without spaces between words (Chinese,
//! Japanese, Korean) is searchable: a query for `北京` becomes the phrase
//! `北 京`, which matches exactly where the two characters are adjacent.
//!
//! - [`folded`] (registered as [`FOLDED`]): words lower-cased with accents
//!   folded (`Café` → `cafe`). What the index holds, with positions; what
//!   `--exact`, prefix and fuzzy searches compare with.
//! - [`stemmed`]: the same, reduced to English stems (`frameworks` →
//!   `framework`). The default search compares stems: a query word's stem
//!   is looked up among the stems of the index's words ([`stem_prefix`]
//!   narrows the look-up), so stemming costs nothing at indexing time.
//! - [`keyword`] (registered as [`KEYWORD`]): a whole value as one
//!   lower-cased term (speakers, attributes).
//!
//! The same analyzers run when a passage is indexed and when the spans that
//! matched are computed on a hit's text, so both agree term for term.

use std::collections::HashMap;

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The indexed words' analyzer: lower-cased, accents folded.
pub const FOLDED: &str = "motif_folded";
/// The keyword analyzer's name: the whole value, lower-cased.
pub const KEYWORD: &str = "motif_keyword";

/// Longer words (in bytes) are not indexed (base64 blobs, URLs run
/// together); the same limit applies to queries.
pub const MAX_WORD_BYTES: usize = 64;

/// Whether `c` is written without spaces between words and is therefore a
/// term of its own: CJK ideographs (with extensions and compatibility
/// forms), hiragana, katakana and Hangul syllables.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x31F0..=0x31FF    // katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9D    // half-width katakana
        | 0x20000..=0x2FA1F  // CJK extensions B–F, compatibility supplement
        | 0x30000..=0x323AF) // CJK extensions G–H
}

/// Whether `c` belongs inside a word: letters, digits and combining marks
/// (so a decomposed `é` stays one word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c as u32,
            0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Splits text into words and single CJK characters (see the module docs).
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The stream of a [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to look at.
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            pos: 0,
            token: &mut self.token,
        }
    }
}

/// The character at byte `pos` (a boundary) and its length.
fn char_at(text: &str, pos: usize) -> (char, usize) {
    let c = text[pos..].chars().next().unwrap_or('\0');
    (c, c.len_utf8())
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            let b = bytes[self.pos];
            // ASCII, the common case, without decoding.
            let (c, len) = if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    self.pos += 1;
                    continue;
                }
                (char::from(b), 1)
            } else {
                char_at(self.text, self.pos)
            };
            let from = self.pos;
            self.pos += len;
            if is_cjk(c) {
                self.set(from, self.pos);
                return true;
            }
            if !is_word_char(c) {
                continue;
            }
            while self.pos < bytes.len() {
                let b = bytes[self.pos];
                if b < 0x80 {
                    if b.is_ascii_alphanumeric() {
                        self.pos += 1;
                        continue;
                    }
                    break;
                }
                let (n, len) = char_at(self.text, self.pos);
                if is_cjk(n) || !is_word_char(n) {
                    break;
                }
                self.pos += len;
            }
            self.set(from, self.pos);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl WordTokenStream<'_> {
    fn set(&mut self, from: usize, to: usize) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.text.push_str(&self.text[from..to]);
    }
}

/// Lower-casing and accent folding in one step, with a fast path for
/// ASCII words (most of them): the same result as tantivy's `LowerCaser`
/// then `AsciiFoldingFilter`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowerFold;

/// [`LowerFold`] around a tokenizer.
#[derive(Clone)]
pub struct LowerFoldTokenizer<T> {
    inner: T,
    /// For words that are not ASCII.
    slow: TextAnalyzer,
}

/// The stream of a [`LowerFoldTokenizer`].
pub struct LowerFoldStream<'a, S> {
    tail: S,
    slow: &'a mut TextAnalyzer,
}

impl TokenFilter for LowerFold {
    type Tokenizer<T: Tokenizer> = LowerFoldTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> LowerFoldTokenizer<T> {
        LowerFoldTokenizer {
            inner,
            slow: TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for LowerFoldTokenizer<T> {
    type TokenStream<'a> = LowerFoldStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        LowerFoldStream {
            tail: self.inner.token_stream(text),
            slow: &mut self.slow,
        }
    }
}

impl<S: TokenStream> TokenStream for LowerFoldStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token.text.is_ascii() {
            token.text.make_ascii_lowercase();
        } else {
            let folded = {
                let mut one = self.slow.token_stream(&token.text);
                one.advance().then(|| one.token().text.clone())
            };
            if let Some(f) = folded {
                token.text = f;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Most distinct words an analyzer remembers the stems of (then it starts
/// afresh).
const STEM_CACHE: usize = 100_000;

/// English stemming that remembers the stems it computed: stemming is the
/// costliest step of indexing, and interviews reuse a few thousand words.
#[derive(Clone, Copy, Debug, Default)]
pub struct CachedStemmer;

/// [`CachedStemmer`] around a tokenizer.
#[derive(Clone)]
pub struct CachedStemmerTokenizer<T> {
    inner: T,
    stems: HashMap<String, String>,
    stemmer: TextAnalyzer,
}

/// The stream of a [`CachedStemmerTokenizer`].
pub struct CachedStemmerStream<'a, S> {
    tail: S,
    stems: &'a mut HashMap<String, String>,
    stemmer: &'a mut TextAnalyzer,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerTokenizer<T> {
        CachedStemmerTokenizer {
            inner,
            stems: HashMap::new(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemmerTokenizer<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
            stemmer: &mut self.stemmer,
        }
    }
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clone_from(stem);
            return true;
        }
        let stem = {
            let mut one = self.stemmer.token_stream(&token.text);
            if one.advance() {
                one.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.stems.len() >= STEM_CACHE {
            self.stems.clear();
        }
        self.stems
            .insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The default analyzer: words lower-cased, folded to ASCII where possible
/// and stemmed (English).
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerFold)
        .filter(CachedStemmer)
        .build()
}

/// Words lower-cased with accents folded: what the index holds.
pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerFold)
        .build()
}

/// Where to look for the indexed words that share the English stem
/// `stem`: every word whose stem is `stem` starts with the stem less its
/// last two characters (at least one is kept). Stemming only changes a
/// word's ending, by at most two characters beyond what it removes
/// (`dying` → `die`, `possibility` → `possibl`, `hoping` → `hope`); the
/// unit tests check this on the words of real interviews.
pub fn stem_prefix(stem: &str) -> &str {
    let n = stem.chars().count();
    let keep = n.saturating_sub(2).max(1);
    match stem.char_indices().nth(keep) {
        Some((b, _)) => &stem[..b],
        None => stem,
    }
}

/// A whole value as one lower-cased term.
pub fn keyword() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// Registers motif's analyzers on an index (needed after every open).
pub fn register(index: &Index) {
    let m = index.tokenizers();
    m.register(FOLDED, folded());
    m.register(KEYWORD, keyword());
}

/// The keyword form of a value (as [`keyword`] would index it).
pub fn keyword_term(value: &str) -> String {
    value.trim().to_lowercase()
}

/// One term of a text: byte offsets into the text, position, and the
/// term as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub from: usize,
    pub to: usize,
    pub position: usize,
    pub text: String,
}

/// The terms of `text` under `analyzer`.
pub fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(Word {
            from: t.offset_from,
            to: t.offset_to,
            position: t.position,
            text: t.text.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, String, usize)> {
        words(analyzer, text)
            .into_iter()
            .map(|t| (text[t.from..t.to].to_owned(), t.text, t.position))
            .collect()
    }

    #[test]
    fn cjk_characters_are_terms_of_their_own() {
        let w = split(&mut folded(), "我们用飞桨PaddlePaddle, then café!");
        let surface: Vec<&str> = w.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            surface,
            ["我", "们", "用", "飞", "桨", "PaddlePaddle", "then", "café"]
        );
        assert_eq!(w[5].2, 5);
        let k = split(&mut folded(), "서울에서 ひらがな");
        assert_eq!(k.len(), 8);
    }

    #[test]
    fn stemmed_terms_fold_case_accents_and_endings() {
        let w = split(&mut stemmed(), "Frameworks Café naïve Standardization");
        let t: Vec<&str> = w.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(t, ["framework", "cafe", "naiv", "standard"]);
        let f = split(&mut folded(), "Frameworks Café");
        assert_eq!(f[1].1, "cafe");
        assert_eq!(f[0].1, "frameworks");
        // Offsets still point at the words as written.
        assert_eq!(w[1].0, "Café");
    }

    #[test]
    fn words_start_with_their_stem_prefix() {
        // Irregular stems, and the words of a real interview.
        let tricky = "dying lying tying possibility happiness hoping hopping using skies news \
            generously Élan café relational visibly agreed succeeded proceeding ugly early only \
            singly gently idly atlas cosmos bias andes sky skis communities standardization";
        let interview = include_str!("../../../../tests/fixtures/search/a11-tec-excerpt.txt");
        let mut stem = stemmed();
        let mut fold = folded();
        for text in [tricky, interview] {
            for w in words(&mut fold, text) {
                let s = words(&mut stem, &text[w.from..w.to]);
                assert_eq!(s.len(), 1);
                assert!(
                    w.text.starts_with(stem_prefix(&s[0].text)),
                    "{} -> {}",
                    w.text,
                    s[0].text
                );
            }
        }
        assert_eq!(stem_prefix("possibl"), "possi");
        assert_eq!(stem_prefix("go"), "g");
        assert_eq!(stem_prefix("北"), "北");
    }

    #[test]
    fn cached_stems_equal_plain_stems() {
        let text = "Standardization standardizing frameworks Frameworks running ran runs café naïve communities 2018 PyTorch's 飞桨 ";
        let mut plain = TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut cached = stemmed();
        let twice = text.repeat(2);
        assert_eq!(words(&mut cached, &twice), words(&mut plain, &twice));
        // And again with a warm cache.
        assert_eq!(words(&mut cached, &twice), words(&mut plain, &twice));
        let mut plain_fold = TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let mixed = "ÉMILE Ørsted straße İstanbul ǅemal ÆON naïve ΣΟΦΊΑ 北京 CAFÉ";
        assert_eq!(words(&mut folded(), mixed), words(&mut plain_fold, mixed));
    }

    #[test]
    fn combining_marks_stay_inside_words() {
        let w = split(&mut folded(), "cafe\u{301} ok");
        assert_eq!(w[0].0, "cafe\u{301}");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn keyword_is_whole_and_lower_cased() {
        let w = split(&mut keyword(), "LI NA");
        assert_eq!(w[0].1, "li na");
        assert_eq!(keyword_term(" Research Engineer "), "research engineer");
    }
}
