//! motif: qualitative coding of interview transcripts — the front ends.
//!
//! The domain lives in the `motif-core` crate ([`motif_core`]), which
//! depends on no terminal or argument-parsing crate. This crate holds the
//! two front ends over it: [`cli`], the command line the `motif` binary
//! runs (clap), and [`tui`], the terminal interface (ratatui). Both call
//! the same core session and only format what it returns.

pub mod cli;
pub mod tui;
