//! The coding journal reader, replay, undo and redo (see `motif_devkit::fuzzing::journal`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| motif_devkit::fuzzing::journal(data));
