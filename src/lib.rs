//! motif: qualitative coding of interview transcripts.
//!
//! The library has two layers. [`core`] is the domain: projects, transcripts,
//! the codebook, the coding journals, statistics and exports. It knows
//! nothing about terminals or argument parsing. [`cli`] is the thin adapter
//! that the `motif` binary runs: it parses arguments with clap, calls the
//! core and prints what the core returns.

pub mod cli;
pub mod core;
pub mod corpus_gen;
#[doc(hidden)]
pub mod fuzzing;
pub mod tui;
