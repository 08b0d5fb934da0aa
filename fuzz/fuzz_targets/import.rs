//! Transcript import in every format (see `motif_devkit::fuzzing::import`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| motif_devkit::fuzzing::import(data));
