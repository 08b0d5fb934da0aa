//! End-to-end tests of the `motif` command line: the real binary on real
//! files in temporary projects.

mod agree;
mod analysis;
mod bad_input;
mod caches;
mod codebook;
mod coding;
mod contracts;
mod import;
mod layouts;
mod play;
mod preview;
mod refi;
mod refi_tools;
mod reports;
mod safety;
mod search;
mod soak;
mod team;
mod util;
