//! REFI-QDA `.qdpx` and `.qdc` import (see `motif_devkit::fuzzing::refi`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| motif_devkit::fuzzing::refi(data));
