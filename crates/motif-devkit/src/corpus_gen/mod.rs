//! A deterministic generator of interview-like corpora, for the benchmarks
//! (`cargo bench --bench core`), the `gen_corpus` example and scale tests.
//!
//! [`generate`] writes a complete motif project: `motif.toml` (through
//! [`Project::init`](motif_core::project::Project::init)), a codebook of 40 codes (8 themes of 4 sub-codes, one
//! of them one level deeper), transcripts `transcripts/gNNNN.txt` made of
//! `[hh:mm:ss] SPEAKER: text` turns separated by blank lines (an
//! `INTERVIEWER` and one participant, whose name is often non-ASCII: `JOSÉ`,
//! `ZOË`, `李娜`), `attributes.csv` (role, organization, country, wave) and
//! the coders' journals. The text mixes plain English with accented words,
//! some CJK words and an emoji now and then, in sentences of varying length
//! and answers of one to four paragraphs.
//!
//! [`add_codings`] spreads codings over the transcripts of any project:
//! spans fall on word boundaries (Unicode word segmentation, counted in code
//! points), codes follow a skewed popularity with per-interview favourites,
//! later coders re-code much of what the first coder coded (identically,
//! with another code, or with shifted boundaries) so agreement figures are
//! meaningful, and a few batches are undone. Records go through the real
//! journal ([`Journal::transact`](motif_core::journal::Journal::transact)) in large appends, one fsync each.
//!
//! Everything derives from the seed with a small `SplitMix64` generator and
//! integer arithmetic only: the same spec writes the same bytes, file for
//! file, on every machine.
//!
//! ```no_run
//! use motif_devkit::corpus_gen::{CorpusSpec, generate};
//! let summary = generate(std::path::Path::new("/tmp/corpus"), &CorpusSpec::bar())?;
//! println!("{} transcripts, {} codings", summary.transcripts, summary.codings);
//! # Ok::<(), motif_core::Error>(())
//! ```

mod codings;
mod project;
mod rng;
mod spec;
mod text;

pub use codings::add_codings;
pub use project::generate;
pub use rng::Rng;
pub use spec::{CoderSummary, CorpusSpec, Summary};

#[cfg(test)]
mod tests;
