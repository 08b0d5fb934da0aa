//! Tests of the terminal interface: state tests that never draw, snapshot
//! tests of whole screens (ratatui's `TestBackend` + insta), and end-to-end
//! runs of the real binary in a pseudo-terminal (tmux).

mod e2e;
mod place;
mod retrieval;
mod review;
mod snapshots;
mod state;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use motif::tui::app::App;
use motif_core::codebook::Codebook;
use motif_core::project::Project;

/// A small project: two interviews with accents, CJK and an emoji, and a
/// codebook with shortcuts.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub const P1: &str = "[00:00:01] INTERVIEWER: How did your team pick a framework?\n\n[00:00:09] ZOË: Honestly it wasn't a decision. Everyone around us was on PyTorch.\n\nThe tutorials were PyTorch, the hires knew PyTorch — 北京 too.\n\n[00:01:02] INTERVIEWER: Did you contribute back?\n\n[00:01:09] ZOË: First a bug report, then a fix. Then they offered me a job 🙂.\n";
pub const P2: &str = "[00:00:02] INTERVIEWER: Where did you learn?\n\n[00:00:05] JOSÉ: From free courses and the docs.\n";

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("study");
        let p = Project::init(&root, Some("study")).unwrap();
        std::fs::write(root.join("transcripts/p01.txt"), P1).unwrap();
        std::fs::write(root.join("transcripts/p02.txt"), P2).unwrap();
        std::fs::write(
            root.join("attributes.csv"),
            "id,role\np01,maintainer\np02,student\n",
        )
        .unwrap();
        let mut book = Codebook::load(&p.codebook_path()).unwrap();
        book.add(
            "standardization",
            "Converging on shared tools.",
            Some('s'),
            None,
        )
        .unwrap();
        book.add(
            "standardization/frameworks",
            "Settling on one framework.",
            Some('f'),
            None,
        )
        .unwrap();
        book.add(
            "community",
            "Users, contributors and jobs.",
            Some('c'),
            None,
        )
        .unwrap();
        book.add(
            "community/jobs",
            "Contributions leading to hiring.",
            Some('j'),
            None,
        )
        .unwrap();
        book.save().unwrap();
        Fixture { _dir: dir, root }
    }

    pub fn app(&self) -> App {
        let mut app = App::load(Project::open(&self.root).unwrap(), "ana".into()).unwrap();
        app.size = (120, 40);
        app
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs the real `motif` binary on the fixture (as another process
    /// would, beside the TUI) and returns its output; it must succeed.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_motif"))
            .arg("--project")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "motif {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Presses keys given as in the keymap (`j`, `ctrl-d`, `enter`, `esc`…),
/// separated by spaces; `"text:…"` types text.
pub fn press(app: &mut App, keys: &str) {
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        if let Some(text) = k.strip_prefix("text:") {
            for c in text.chars() {
                app.on_key(KeyEvent::new(
                    KeyCode::Char(if c == '_' { ' ' } else { c }),
                    KeyModifiers::NONE,
                ));
            }
            continue;
        }
        let (code, mods) = match k {
            "enter" => (KeyCode::Enter, KeyModifiers::NONE),
            "esc" => (KeyCode::Esc, KeyModifiers::NONE),
            "tab" => (KeyCode::Tab, KeyModifiers::NONE),
            "backspace" => (KeyCode::Backspace, KeyModifiers::NONE),
            "down" => (KeyCode::Down, KeyModifiers::NONE),
            "up" => (KeyCode::Up, KeyModifiers::NONE),
            _ if k.starts_with("ctrl-") => (
                KeyCode::Char(k[5..].chars().next().unwrap()),
                KeyModifiers::CONTROL,
            ),
            _ => (KeyCode::Char(k.chars().next().unwrap()), KeyModifiers::NONE),
        };
        app.on_key(KeyEvent::new(code, mods));
    }
}

/// The current coder's codings as (code path, text).
pub fn my_codings(app: &App) -> Vec<(String, String)> {
    let j = app.journals.iter().find(|j| j.coder == app.coder).unwrap();
    j.codings()
        .iter()
        .map(|c| {
            let t = &app.texts[c.transcript.as_str()];
            (
                app.book.by_id(&c.code).unwrap().path.clone(),
                t.slice_chars(c.start, c.end).unwrap().to_owned(),
            )
        })
        .collect()
}
