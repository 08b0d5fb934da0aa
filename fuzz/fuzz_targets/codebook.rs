//! The codebook parser and its save (see `motif_devkit::fuzzing::codebook`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| motif_devkit::fuzzing::codebook(data));
