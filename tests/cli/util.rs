//! Running the real `motif` binary on throw-away projects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The motif binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_motif"))
}

/// The repository's own fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A command for the binary with a clean, predictable environment.
pub fn motif_cmd() -> Command {
    let mut c = Command::new(bin());
    c.env("NO_COLOR", "1")
        .env("USER", "tester")
        .env_remove("EDITOR")
        .env_remove("VISUAL");
    c
}

/// A temporary project.
pub struct Proj {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl Proj {
    /// `motif init` in a fresh folder.
    pub fn new() -> Proj {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("study");
        let out = motif_cmd().arg("init").arg(&root).output().unwrap();
        assert!(
            out.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Proj { _dir: dir, root }
    }

    /// A copy of the bundled example study (the repository root).
    pub fn example() -> Proj {
        fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(from).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    copy_dir(&e.path(), &to.join(e.file_name()));
                } else {
                    std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("study");
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(&root).unwrap();
        for file in ["motif.toml", "attributes.csv"] {
            std::fs::copy(src.join(file), root.join(file)).unwrap();
        }
        for folder in ["codebooks", "transcripts", "codings", "memos"] {
            // `memos/` only exists once someone wrote a memo.
            if src.join(folder).is_dir() {
                copy_dir(&src.join(folder), &root.join(folder));
            }
        }
        Proj { _dir: dir, root }
    }

    /// A project with one transcript `x` (accents, CJK, emoji) and codes
    /// `theme` and `theme/sub`.
    pub fn with_sample() -> Proj {
        let p = Proj::new();
        p.write("in/x.txt", SAMPLE.as_bytes());
        p.ok(&["import", p.path("in/x.txt").to_str().unwrap()]);
        p.ok(&[
            "codes",
            "add",
            "theme",
            "--description",
            "A theme",
            "--key",
            "t",
        ]);
        p.ok(&["codes", "add", "theme/sub", "--description", "A sub-theme"]);
        p
    }

    /// Absolute path of a file in the project.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// Reads a file as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Runs motif on this project.
    pub fn run(&self, args: &[&str]) -> Output {
        motif_cmd()
            .arg("--project")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs motif, expects success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "motif {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs motif, expects exit code 1, returns stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "motif {args:?} should fail; stdout:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Runs motif and parses its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
    }

    /// Every file of the project except derived data, with its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        walk(&self.root, &self.root, &mut out);
        out
    }
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.file_name().unwrap() == ".motif" {
            continue;
        }
        if p.is_dir() {
            walk(base, &p, out);
        } else {
            out.insert(
                p.strip_prefix(base).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
}

/// The sample transcript: two speakers, accents, CJK and an emoji.
pub const SAMPLE: &str = "[00:00:01] INTERVIEWER: Où avez-vous appris le deep learning?\n\n[00:00:07] LI NA: 我们用飞桨 — PaddlePaddle — then PyTorch. Café talk 🚀 helped.\n\nThe tutorials were in English.\n\n[00:01:10] INTERVIEWER: Merci!\n";

/// Python-style slicing by code points.
pub fn cp_slice(s: &str, start: usize, end: usize) -> String {
    s.chars().skip(start).take(end - start).collect()
}

/// Code-point offset of the first occurrence of `needle`.
pub fn cp_find(s: &str, needle: &str) -> usize {
    let b = s
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    s[..b].chars().count()
}
