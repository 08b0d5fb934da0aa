//! The domain of motif, free of any user interface: projects on disk,
//! transcripts and their import, the codebook, the coding journals,
//! segments, statistics and exports. Nothing here imports ratatui,
//! crossterm or clap; the CLI and the TUI call the same functions.

pub mod agreement;
pub mod analysis;
pub mod attributes;
pub mod cache;
pub mod check;
pub mod codebook;
pub mod coders;
pub mod error;
pub mod export;
pub mod fsio;
pub mod gitsetup;
pub mod history;
pub mod ids;
pub mod import;
pub mod journal;
pub mod layouts;
pub mod markdown;
pub mod media;
pub mod memo;
pub mod ops;
pub mod ordered;
pub mod pdf;
pub mod project;
pub mod readings;
pub mod reanchor;
pub mod refi;
pub mod review;
pub mod search;
pub mod segments;
pub mod session;
pub mod shared;
pub mod stats;
pub mod text;
pub mod transcript;
pub mod workspace;

pub use error::{Error, Result};
