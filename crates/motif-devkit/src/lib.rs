//! Development aids for motif's tests, benchmarks and fuzzing; never part
//! of the shipped binary. [`corpus_gen`] writes large, deterministic,
//! interview-like projects; [`fuzzing`] holds the entry points that
//! `fuzz/` and the regression test drive; [`stand_in`] holds stand-ins
//! for the outside programs motif starts.

pub mod corpus_gen;
pub mod fuzzing;
pub mod stand_in;
