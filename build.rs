//! Finds the outside tools some tests need, so that those tests are skipped
//! — visibly, counted as "ignored" — on a machine without them, instead of
//! failing.
//!
//! For each tool in [`TOOLS`] this looks for an executable of that name on
//! `PATH` (no process is started). When it is missing, the script sets the
//! cfg `missing_<tool>` for every target of this package and prints a cargo
//! warning naming the tool and how to install it. Tests that need the tool
//! carry
//!
//! ```text
//! #[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
//! ```
//!
//! so that `cargo test` reports them as ignored, with that reason.
//!
//! With `MOTIF_REQUIRE_TOOLS=1` (CI sets it) a missing tool fails the build
//! instead: CI never skips these tests.
//!
//! The result is re-probed when `PATH` or `MOTIF_REQUIRE_TOOLS` changes, when
//! a found tool's file changes or disappears, and — for a missing tool —
//! when one of the `PATH` folders changes (a file added there, as installing
//! the tool does). See docs/testing.md.

use std::env;
use std::path::{Path, PathBuf};

/// The tools probed: (executable, the cfg set when it is missing, how to
/// install it on Debian).
const TOOLS: &[(&str, &str, &str)] = &[
    ("tmux", "missing_tmux", "apt-get install tmux"),
    (
        "xmllint",
        "missing_xmllint",
        "apt-get install libxml2-utils",
    ),
    ("chromium", "missing_chromium", "apt-get install chromium"),
];

/// The environment variable under which a missing tool fails the build.
const REQUIRE: &str = "MOTIF_REQUIRE_TOOLS";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed={REQUIRE}");
    let cfgs: Vec<&str> = TOOLS.iter().map(|t| t.1).collect();
    println!("cargo::rustc-check-cfg=cfg({})", cfgs.join(", "));

    let dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).filter(|d| d.is_absolute()).collect())
        .unwrap_or_default();
    let require = env::var_os(REQUIRE).is_some_and(|v| !v.is_empty() && v != "0");

    let mut missing = Vec::new();
    for &(tool, cfg, install) in TOOLS {
        if let Some(found) = dirs.iter().map(|d| d.join(tool)).find(|p| is_executable(p)) {
            println!("cargo::rerun-if-changed={}", found.display());
        } else {
            missing.push((tool, install));
            println!("cargo::rustc-cfg={cfg}");
            if !require {
                println!(
                    "cargo::warning={tool} not found on PATH: the tests that need it are skipped \
                     (ignored); install it with `{install}`"
                );
            }
        }
    }
    if !missing.is_empty() {
        // Installing a tool adds a file to one of these folders, which
        // changes the folder's modification time.
        for d in dirs.iter().filter(|d| d.is_dir()) {
            println!("cargo::rerun-if-changed={}", d.display());
        }
    }
    if require && !missing.is_empty() {
        eprintln!("\n{REQUIRE} is set, and tools the tests need are missing from PATH:");
        for (tool, install) in &missing {
            eprintln!("  {tool}: install it with `{install}`");
        }
        eprintln!("(.ci/run installs them; unset {REQUIRE} to skip those tests instead)\n");
        std::process::exit(1);
    }
}

/// A regular file (or a link to one) with an execute bit.
fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file() || p.with_extension("exe").is_file()
    }
}
