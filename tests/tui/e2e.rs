//! The real binary in a real pseudo-terminal (tmux): open the project,
//! code through keys and through `:` commands, `kill -9`, restart, and find
//! the codings there.
//!
//! Every test here needs tmux. Where it is missing, build.rs sets the cfg
//! `missing_tmux` and these tests are reported as ignored (see
//! docs/testing.md; CI sets `MOTIF_REQUIRE_TOOLS=1` so they always run).
//! Give each new test the same two lines:
//!
//! ```text
//! #[test]
//! #[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
//! ```

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Fixture;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(root: &Path, w: u16, h: u16) -> Tmux {
        Tmux::start_with(root, w, h, "")
    }

    /// Starts motif with more `NAME=VALUE` words for `env` (shell-quoted).
    fn start_with(root: &Path, w: u16, h: u16, env: &str) -> Tmux {
        assert!(
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success()),
            "tmux is needed for the end-to-end TUI tests (apt-get install tmux; .ci/run installs it)"
        );
        let socket = format!(
            "motif-e2e-{}-{}",
            std::process::id(),
            motif_core::ids::new_id()
        );
        let cmd = format!(
            "cd '{}' && exec env NO_COLOR=1 XDG_CONFIG_HOME=/nonexistent {env} '{}' --coder ana",
            root.display(),
            env!("CARGO_BIN_EXE_motif")
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                &cmd,
            ])
            .status()
            .unwrap();
        assert!(ok.success());
        Tmux { socket }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let ok = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "0", k])
                .status()
                .unwrap();
            assert!(ok.success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never appeared on screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A tmux format value of the pane (`#{alternate_on}`).
    fn state(&self, what: &str) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "-t", "0", what])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "0",
                "#{pane_pid}",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn segments(root: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_motif"))
        .args(["--project", root.to_str().unwrap(), "segments", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn code_by_keys_and_commands_then_kill_9_and_restart() {
    let f = Fixture::new();
    let tm = Tmux::start(f.root(), 100, 30);
    tm.wait_for("NORMAL");
    // Keys: next turn, select it, code with the `f` shortcut.
    tm.keys(&[")", "t", "c", "f"]);
    tm.wait_for("saved");
    // Commands: open the other interview, select line 3, code it.
    tm.keys(&[
        ":",
        "open p02",
        "Enter",
        ":",
        "select 3-3",
        "Enter",
        ":",
        "code jobs",
        "Enter",
    ]);
    tm.wait_for("saved");
    let pid = tm.pid();
    // kill -9: no chance to clean up.
    let ok = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let segs = segments(f.root());
    let texts: Vec<&str> = segs.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert_eq!(segs.len(), 2, "{texts:?}");
    assert!(texts.contains(&"From free courses and the docs."));
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Honestly it wasn't a decision."))
    );
    // Restart: the codings are on screen (margin names the code).
    let tm2 = Tmux::start(f.root(), 100, 30);
    let s = tm2.wait_for("NORMAL");
    assert!(s.contains("fra"), "{s}");
    tm2.keys(&["?"]);
    tm2.wait_for("Keys");
    tm2.keys(&["q", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Command::new("tmux")
        .args(["-L", &tm2.socket, "has-session"])
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(Instant::now() < deadline, "motif did not quit on q");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM and SIGHUP end motif with the terminal restored: no alternate
/// screen, no mouse capture, a visible cursor (read from tmux's own state
/// of the pane, kept open by a shell after motif exits).
#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn signals_restore_the_terminal() {
    for signal in ["TERM", "HUP", "USR1", "XCPU"] {
        let (_project, tm, motif) = motif_in_a_shell();
        kill(signal, &motif);
        tm.wait_for("MOTIF-EXITED");
        assert_eq!(
            tm.state("#{alternate_on}"),
            "0",
            "SIG{signal}: alternate screen left on"
        );
        assert_eq!(
            tm.state("#{mouse_any_flag}"),
            "0",
            "SIG{signal}: mouse capture left on"
        );
        assert_eq!(
            tm.state("#{cursor_flag}"),
            "1",
            "SIG{signal}: cursor left hidden"
        );
    }
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn a_stopped_motif_gives_the_terminal_back_and_takes_it_again() {
    let (_project, tm, motif) = motif_in_a_shell();
    kill("TSTP", &motif);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tm.state("#{alternate_on}") != "0" {
        assert!(
            Instant::now() < deadline,
            "SIGTSTP: alternate screen left on"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(tm.state("#{mouse_any_flag}"), "0");
    let stat = Command::new("ps")
        .args(["-o", "stat=", "-p", &motif])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&stat.stdout)
            .trim()
            .starts_with('T'),
        "motif is not stopped"
    );
    kill("CONT", &motif);
    tm.wait_for("NORMAL");
    assert_eq!(tm.state("#{alternate_on}"), "1");
    // Still working: it quits as usual.
    tm.keys(&["q"]);
    tm.wait_for("MOTIF-EXITED");
    assert_eq!(tm.state("#{alternate_on}"), "0");
}

/// A terminal that goes away (tmux killed, as a closed window or a cut ssh
/// link) ends motif: it neither lingers nor spins on the dead terminal.
#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn a_terminal_that_goes_away_ends_motif() {
    let (_project, tm, motif) = motif_in_a_shell();
    let ok = Command::new("tmux")
        .args(["-L", &tm.socket, "kill-server"])
        .status()
        .unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let alive = Command::new("ps")
            .args(["-o", "stat=", "-p", &motif])
            .output()
            .unwrap();
        let stat = String::from_utf8_lossy(&alive.stdout).trim().to_owned();
        if stat.is_empty() || stat.starts_with('Z') {
            break;
        }
        if Instant::now() > deadline {
            kill("KILL", &motif);
            panic!("motif ({stat}) still running 10 s after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `kill -SIGNAL` to `pid`.
fn kill(signal: &str, pid: &str) {
    assert!(
        Command::new("kill")
            .args([&format!("-{signal}"), pid])
            .status()
            .unwrap()
            .success()
    );
}

/// motif started by a shell in tmux (which says `MOTIF-EXITED` after it),
/// and motif's pid once its screen is up; the project lives as long as
/// the returned fixture.
fn motif_in_a_shell() -> (Fixture, Tmux, String) {
    let f = Fixture::new();
    let socket = format!(
        "motif-e2e-sig-{}-{}",
        std::process::id(),
        motif_core::ids::new_id()
    );
    let tm = Tmux { socket };
    let cmd = format!(
        "cd '{}' && env NO_COLOR=1 XDG_CONFIG_HOME=/nonexistent '{}' --coder ana; echo MOTIF-EXITED; sleep 60",
        f.root().display(),
        env!("CARGO_BIN_EXE_motif")
    );
    let ok = Command::new("tmux")
        .args([
            "-L",
            &tm.socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    tm.wait_for("NORMAL");
    assert_eq!(tm.state("#{alternate_on}"), "1");
    // The shell's child: motif.
    let shell = tm.pid();
    let out = Command::new("pgrep")
        .args(["-P", &shell.to_string()])
        .output()
        .unwrap();
    let motif = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    (f, tm, motif)
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn p_plays_the_recording_from_the_turn_under_the_cursor() {
    let f = Fixture::new();
    let root = f.root();
    std::fs::create_dir_all(root.join("media")).unwrap();
    std::fs::write(root.join("media/p01 zoë.ogg"), b"OggS").unwrap();
    std::fs::write(
        root.join("attributes.csv"),
        "id,role,media\np01,maintainer,media/p01 zoë.ogg\np02,student,\n",
    )
    .unwrap();
    // A stand-in player that writes down its arguments.
    let out = root.parent().unwrap().join("played.txt");
    let script = motif_devkit::stand_in::player(root.parent().unwrap(), &out);
    let env = format!(
        "MOTIF_PLAYER=\"'{}' --start={{seconds}} {{file}}\"",
        script.display()
    );
    let tmux = Tmux::start_with(root, 120, 30, &env);
    tmux.wait_for("How did your team");
    // Down to ZOË's second paragraph (no stamp of its own): her turn's time.
    tmux.keys(&[")", "j", "j", "p"]);
    tmux.wait_for("playing p01 from 00:00:09");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !out.exists() {
        assert!(Instant::now() < deadline, "the player was never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let media = root.canonicalize().unwrap().join("media/p01 zoë.ogg");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("--start=9\n{}\n", media.display())
    );
    // A transcript without a recording says so in the status line.
    tmux.keys(&["tab", "tab", "j", "enter", "p"]);
    tmux.wait_for("names no recording");
}

/// The widest run of transcript text on any row of a screen: after the
/// border and the line-number gutter, up to the margin or the border.
fn widest_text_row(screen: &str, gutter: usize) -> usize {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| {
            let text: String = l
                .chars()
                .skip(gutter)
                .take_while(|c| *c != '▐' && *c != '│')
                .collect();
            unicode_width::UnicodeWidthStr::width(text.trim_end())
        })
        .max()
        .unwrap_or(0)
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn at_60_by_20_the_transcript_gets_the_room_and_p_shows_the_panes() {
    let f = Fixture::new();
    let tm = Tmux::start(f.root(), 60, 20);
    let s = tm.wait_for("NORMAL");
    assert!(widest_text_row(&s, 5) >= 40, "{s}");
    let status = s.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(
        status.contains("NORMAL") && status.contains("u undo") && status.contains("/ search"),
        "{s}"
    );
    // P shows the side panes beside the text; P again folds them.
    tm.keys(&["P"]);
    let s = tm.wait_for("Codebook");
    assert!(s.contains("Transcripts"), "{s}");
    tm.keys(&["P"]);
    let s = tm.wait_for("side panes folded");
    assert!(
        !s.contains("Codebook") && widest_text_row(&s, 5) >= 40,
        "{s}"
    );
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn a_jump_lands_mid_screen() {
    let f = Fixture::new();
    let text: String = (1..=400).fold(String::new(), |mut s, i| {
        writeln!(s, "ANA: line {i} of a long talk").unwrap();
        s
    });
    std::fs::write(f.root().join("transcripts/long.txt"), text).unwrap();
    let tm = Tmux::start(f.root(), 100, 30);
    tm.wait_for("NORMAL");
    tm.keys(&[":", "open long", "Enter", ":", "goto 200", "Enter"]);
    let s = tm.wait_for("line 200 of");
    // The text pane's rows: those inside its side borders.
    let rows: Vec<&str> = s.lines().filter(|r| r.starts_with('│')).collect();
    let at = rows.iter().position(|r| r.contains("line 200 of")).unwrap();
    assert_eq!(rows.len(), 26, "{s}");
    assert_eq!(
        at,
        rows.len() / 2,
        "line 200 on row {at} of {}:\n{s}",
        rows.len()
    );
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn the_quote_list_steps_with_n_and_comes_back() {
    let f = Fixture::new();
    f.cli(&[
        "code",
        "p01",
        "--lines",
        "3-3",
        "frameworks",
        "--coder",
        "ana",
    ]);
    f.cli(&[
        "code",
        "p01",
        "--lines",
        "9-9",
        "frameworks",
        "--coder",
        "ana",
    ]);
    f.cli(&[
        "code",
        "p02",
        "--lines",
        "3-3",
        "frameworks",
        "--coder",
        "ana",
    ]);
    let tm = Tmux::start(f.root(), 120, 30);
    tm.wait_for("NORMAL");
    // The codebook, its second code (frameworks), its quotes.
    tm.keys(&["Tab", "j", "Enter"]);
    let s = tm.wait_for("quotes of standardization/frameworks · 3");
    assert!(s.contains("p01 · ZOË · line 9"), "{s}");
    tm.keys(&["Enter"]);
    tm.wait_for("NORMAL");
    tm.keys(&["n"]);
    let s = tm.wait_for("quote 2 of 3");
    assert!(s.contains("line 9"), "{s}");
    tm.keys(&["n"]);
    let s = tm.wait_for("quote 3 of 3");
    assert!(s.contains("p02 · student"), "{s}");
    tm.keys(&["N"]);
    tm.wait_for("quote 2 of 3");
    tm.keys(&["L"]);
    tm.wait_for("quotes of standardization/frameworks");
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn a_regex_from_slash_finds_what_the_cli_regex_finds() {
    let f = Fixture::new();
    let pattern = "(free|bug) (course|report)";
    let cli = f.cli(&["search", "--regex", pattern, "--json"]);
    let cli: serde_json::Value = serde_json::from_str(&cli).unwrap();
    let total = cli["total"].as_u64().unwrap();
    assert_eq!(total, 2);
    let tm = Tmux::start(f.root(), 120, 30);
    tm.wait_for("NORMAL");
    tm.keys(&["/", "Tab"]);
    tm.wait_for("regex /");
    tm.keys(&[pattern, "Enter"]);
    let s = tm.wait_for(&format!("regex: {pattern} · {total}"));
    for hit in cli["hits"].as_array().unwrap() {
        let place = format!(
            "{} · {} · line {}",
            hit["transcript"].as_str().unwrap(),
            hit["speaker"].as_str().unwrap(),
            hit["line"]
        );
        assert!(s.contains(&place), "{place}:\n{s}");
    }
}

/// Waits until motif's tmux session is gone (it quit).
fn wait_gone(tm: &Tmux) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Command::new("tmux")
        .args(["-L", &tm.socket, "has-session"])
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(Instant::now() < deadline, "motif did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn motif_reopens_where_the_coder_left_even_after_kill_9() {
    let f = Fixture::new();
    let text: String = (1..=300).fold(String::new(), |mut s, i| {
        writeln!(s, "ANA: line {i} of a long talk").unwrap();
        s
    });
    std::fs::write(f.root().join("transcripts/long.txt"), text).unwrap();
    let tm = Tmux::start(f.root(), 100, 30);
    tm.wait_for("NORMAL");
    tm.keys(&[":", "open long", "Enter", ":", "goto 250", "Enter"]);
    tm.wait_for("line 250 of");
    tm.keys(&["q"]);
    wait_gone(&tm);
    let tm = Tmux::start(f.root(), 100, 30);
    let s = tm.wait_for("line 250 of");
    assert!(s.contains("long · "), "{s}");
    // Another transcript, then kill -9: the switch was remembered at once.
    tm.keys(&[":", "open p02", "Enter"]);
    tm.wait_for("p02 · student");
    std::thread::sleep(Duration::from_millis(300));
    let ok = Command::new("kill")
        .args(["-9", &tm.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let tm = Tmux::start(f.root(), 100, 30);
    let s = tm.wait_for("NORMAL");
    assert!(s.contains("p02 · student"), "{s}");
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux not found: apt-get install tmux")]
fn a_transcript_imported_elsewhere_appears_on_its_own() {
    let f = Fixture::new();
    let tm = Tmux::start(f.root(), 120, 30);
    tm.wait_for("NORMAL");
    let dir = f.root().parent().unwrap().join("new");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("p07.txt"), "[00:00:01] LEA: a late interview\n").unwrap();
    f.cli(&["import", dir.join("p07.txt").to_str().unwrap()]);
    let s = tm.wait_for("1 new transcript(s) imported elsewhere");
    assert!(s.contains("p07"), "{s}");
    tm.keys(&[":", "open p07", "Enter"]);
    tm.wait_for("a late interview");
}
