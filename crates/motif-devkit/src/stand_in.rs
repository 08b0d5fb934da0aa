//! Stand-ins for outside programs motif starts, for the tests: a player
//! that writes down the arguments it was given.

use std::path::{Path, PathBuf};

/// Writes an executable script `stand-in player` into `dir` that writes
/// each of its arguments on its own line to `out`, and returns its path.
pub fn player(dir: &Path, out: &Path) -> PathBuf {
    let script = dir.join("stand-in player");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\n",
            out.display()
        ),
    )
    .expect("write the stand-in player");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make the stand-in player executable");
    script
}
