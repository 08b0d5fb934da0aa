//! What to generate ([`CorpusSpec`]) and what was generated ([`Summary`],
//! [`CoderSummary`]).

use std::collections::HashSet;
use std::path::PathBuf;

use motif_core::error::{Error, Result};
use motif_core::project::check_coder;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Number of transcripts.
    pub transcripts: usize,
    /// Approximate number of words per transcript.
    pub words_per_transcript: usize,
    /// Number of codings in total, over all coders.
    pub codings: usize,
    /// The coders; codings are shared evenly between them.
    pub coders: Vec<String>,
    /// Seed of every random choice.
    pub seed: u64,
}

impl CorpusSpec {
    /// The corpus of the performance bars (docs/contracts.md): 1,000 transcripts of
    /// about 10,000 words (about 10 million words) and 100,000 codings over
    /// 40 codes, by two coders.
    pub fn bar() -> CorpusSpec {
        CorpusSpec {
            transcripts: 1_000,
            words_per_transcript: 10_000,
            codings: 100_000,
            coders: vec!["ana".into(), "ben".into()],
            seed: 1,
        }
    }

    pub(super) fn check(&self) -> Result<()> {
        if self.transcripts == 0 {
            return Err(Error::invalid("a corpus needs at least one transcript"));
        }
        if self.words_per_transcript < 20 {
            return Err(Error::invalid(
                "transcripts need at least 20 words each to look like interviews",
            ));
        }
        check_coders(self.codings, &self.coders)
    }
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec::bar()
    }
}

/// What [`generate`](super::generate) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub root: PathBuf,
    pub transcripts: usize,
    /// Words generated (space-separated tokens, emoji and punctuation not
    /// counted).
    pub words: usize,
    /// Bytes of transcript text.
    pub bytes: u64,
    /// Codes in the codebook.
    pub codes: usize,
    /// Current codings, over all coders.
    pub codings: usize,
    pub coders: Vec<CoderSummary>,
}

/// One coder's share of [`add_codings`](super::add_codings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderSummary {
    pub coder: String,
    /// Codings added (and not undone).
    pub codings: usize,
    /// Journal records written (adds, undone adds, undos).
    pub records: usize,
    /// Batches (undo steps) written, undone ones included.
    pub batches: usize,
}

pub(super) fn check_coders(codings: usize, coders: &[String]) -> Result<()> {
    if codings > 0 && coders.is_empty() {
        return Err(Error::invalid("codings need at least one coder"));
    }
    let mut seen = HashSet::new();
    for c in coders {
        check_coder(c)?;
        if !seen.insert(c) {
            return Err(Error::invalid(format!("coder `{c}` is listed twice")));
        }
    }
    Ok(())
}
