//! End-to-end tests of the `motif` command line: the real binary on real
//! files in temporary projects.

mod bad_input;
mod codebook;
mod coding;
mod import;
mod reports;
mod safety;
mod util;
