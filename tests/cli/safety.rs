//! Researchers' data is sacred: codings reported as saved survive
//! `kill -9`; concurrent coders lose nothing; edited transcripts keep their
//! codings; hostile text never reaches the terminal raw; a rewrite or
//! `-o` keeps the kind, link and mode of the file it writes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{Proj, SAMPLE, bin, cp_find, motif_cmd};

fn segments(p: &Proj) -> Vec<serde_json::Value> {
    p.json(&["segments", "--json"]).as_array().unwrap().clone()
}

#[test]
fn kill_9_in_a_coding_loop_loses_nothing_reported_saved() {
    let p = Proj::with_sample();
    let n = SAMPLE.chars().count();
    let mut reported: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut killed = 0;
    for i in 0..60u64 {
        let (s, e) = (i % 40, i % 40 + 5 + i / 40);
        assert!((e as usize) <= n);
        let mut child = motif_cmd()
            .arg("--project")
            .arg(&p.root)
            .args([
                "code",
                "x",
                "--chars",
                &format!("{s}-{e}"),
                "theme",
                "--coder",
                "ana",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill every other process after a varying delay, often mid-work.
        if i % 2 == 1 {
            std::thread::sleep(Duration::from_micros(300 * (i % 17)));
            if child.kill().is_ok() {
                killed += 1;
            }
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && stdout.contains("coded x") {
            reported.insert((s, e));
        }
    }
    assert!(killed > 0);
    let segs = segments(&p);
    let present: Vec<(u64, u64)> = segs
        .iter()
        .map(|s| (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap()))
        .collect();
    let unique: BTreeSet<(u64, u64)> = present.iter().copied().collect();
    assert_eq!(unique.len(), present.len(), "a coding was duplicated");
    for r in &reported {
        assert!(
            unique.contains(r),
            "coding {r:?} was reported saved but is gone"
        );
    }
    // The journal reads back cleanly (a torn tail, if any, is set aside on
    // the next write and never breaks reading).
    p.ok(&["code", "x", "--chars", "50-55", "theme", "--coder", "ana"]);
    let out = p.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn concurrent_coders_keep_everything() {
    let p = Proj::with_sample();
    let mut children = Vec::new();
    for i in 0..24u64 {
        let coder = if i % 3 == 0 { "ben" } else { "ana" };
        children.push((
            coder,
            (i, i + 3),
            motif_cmd()
                .arg("--project")
                .arg(&p.root)
                .args([
                    "code",
                    "x",
                    "--chars",
                    &format!("{}-{}", i, i + 3),
                    "theme",
                    "--coder",
                    coder,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        ));
    }
    let mut expected: BTreeMap<&str, BTreeSet<(u64, u64)>> = BTreeMap::new();
    for (coder, span, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        expected.entry(coder).or_default().insert(span);
    }
    let mut got: BTreeMap<String, BTreeSet<(u64, u64)>> = BTreeMap::new();
    let segs = segments(&p);
    assert_eq!(segs.len(), 24);
    for s in segs {
        got.entry(s["coder"].as_str().unwrap().to_owned())
            .or_default()
            .insert((s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap()));
    }
    assert_eq!(got["ana"], expected["ana"]);
    assert_eq!(got["ben"], expected["ben"]);
    // Every line of each journal is a whole record.
    for coder in ["ana", "ben"] {
        for line in p.read(&format!("codings/{coder}.jsonl")).lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}

#[test]
fn editing_a_transcript_on_disk_reanchors_or_orphans_codings() {
    let p = Proj::with_sample();
    let quote = "PaddlePaddle";
    let s = cp_find(SAMPLE, quote);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &format!("{}-{}", s, s + 12),
        "theme",
        "--coder",
        "ana",
    ]);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &format!(
            "{}-{}",
            cp_find(SAMPLE, "Merci"),
            cp_find(SAMPLE, "Merci") + 5
        ),
        "sub",
        "--coder",
        "ana",
    ]);
    // Insert text (with non-ASCII) before both quotes.
    let edited = SAMPLE.replace(
        "[00:00:01] INTERVIEWER:",
        "[00:00:00] INTERVIEWER: (Réglages du micro… 🎤)\n\n[00:00:01] INTERVIEWER:",
    );
    p.write("transcripts/x.txt", edited.as_bytes());
    let segs = segments(&p);
    assert_eq!(segs.len(), 2);
    let moved = segs.iter().find(|x| x["code"] == "theme").unwrap();
    assert_eq!(moved["text"], quote);
    assert_eq!(
        moved["start"].as_u64().unwrap() as usize,
        cp_find(&edited, quote)
    );
    let out = p.ok(&["check"]);
    assert!(
        out.contains(
            "note: transcript `x` changed since it was coded; 2 coding(s) followed their text"
        ),
        "{out}"
    );
    // A word edited inside the quote: the coding follows, marked edited.
    p.write(
        "transcripts/x.txt",
        edited.replace("PaddlePaddle", "Paddle").as_bytes(),
    );
    let segs = segments(&p);
    assert_eq!(segs.len(), 2);
    assert!(segs.iter().any(|x| x["text"] == "Paddle"), "{segs:?}");
    let out = p.ok(&["check"]);
    assert!(
        out.contains("an edit changed its text “PaddlePaddle”, now “Paddle”"),
        "{out}"
    );
    // Now the passage disappears: the coding is orphaned, kept and reported.
    p.write(
        "transcripts/x.txt",
        edited
            .replace(" — PaddlePaddle — then PyTorch", "")
            .as_bytes(),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("problem: coding")
            && text.contains("“PaddlePaddle” is no longer in the transcript"),
        "{text}"
    );
    assert!(
        p.read("codings/ana.jsonl")
            .contains("\"quote\":\"PaddlePaddle\"")
    );
    let err = String::from_utf8_lossy(&p.run(&["export", "frequencies"]).stderr).to_string();
    assert!(err.contains("1 coding(s) could not be placed"), "{err}");
    // Restoring the text brings it back.
    p.write("transcripts/x.txt", edited.as_bytes());
    assert_eq!(segments(&p).len(), 2);
}

#[test]
fn escape_sequences_in_text_never_reach_stdout_raw() {
    let p = Proj::new();
    let hostile = "ANA: normal start \u{1b}]0;pwned\u{7} then \u{1b}[2J\u{1b}[31mred\u{9b}31m and \u{202e}reversed\nBEN: ok\nANA: \u{1b}[?1049h again\n";
    p.write("in/evil.txt", hostile.as_bytes());
    p.ok(&["import", p.path("in/evil.txt").to_str().unwrap()]);
    p.ok(&["codes", "add", "evil", "--description", "desc \u{1b}[31m"]);
    assert!(
        p.fail(&["codes", "add", "evil\u{1b}[5mblink"])
            .contains("control characters")
    );
    p.ok(&[
        "code",
        "evil",
        "--lines",
        "1-3",
        "evil",
        "--coder",
        "ana",
        "--memo",
        "memo \u{1b}[1m",
    ]);
    for args in [
        vec!["segments"],
        vec!["segments", "--md"],
        vec!["segments", "--csv"],
        vec!["transcripts"],
        vec!["codes"],
        vec!["memo"],
        vec!["check"],
        vec![],
    ] {
        let out = p.run(&args);
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let s = String::from_utf8_lossy(bytes);
            assert!(
                !s.contains('\u{1b}')
                    && !s.contains('\u{7}')
                    && !s.contains('\u{9b}')
                    && !s.contains('\u{202e}'),
                "motif {args:?} {name} carries raw control text: {s:?}"
            );
        }
    }
    // JSON escapes control characters; the text itself is preserved.
    let segs = p.json(&["segments", "--json"]);
    assert!(segs[0]["text"].as_str().unwrap().contains("\u{1b}[2J"));
    let raw = p.ok(&["segments", "--json"]);
    assert!(!raw.contains('\u{1b}'));
}

#[test]
fn output_into_a_closed_pipe_exits_quietly() {
    let p = Proj::with_sample();
    let mut long = String::new();
    for i in 0..4000 {
        long.push_str("ANA: word");
        long.push_str(&i.to_string());
        long.push_str(" and more words here\n");
    }
    p.write("in/long.txt", long.as_bytes());
    p.ok(&["import", p.path("in/long.txt").to_str().unwrap()]);
    p.ok(&[
        "code", "long", "--match", r"word\d+", "theme", "--coder", "ana", "--max", "4000",
    ]);
    let mut child = motif_cmd()
        .arg("--project")
        .arg(&p.root)
        .args(["segments", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // stdout is dropped here: the pipe closes like `| head -1`.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "motif hung on a closed pipe");
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "exit {status}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn rewrites_keep_the_mode_of_attributes_and_codebook() {
    let p = Proj::with_sample();
    let attrs = p.path("attributes.csv");
    chmod(&attrs, 0o600);
    p.write("in/y.txt", b"ANA: hello\n");
    p.ok(&[
        "import",
        p.path("in/y.txt").to_str().unwrap(),
        "--attr",
        "role=pi",
    ]);
    assert!(p.read("attributes.csv").contains("role"));
    assert_eq!(mode(&attrs), 0o600, "attributes.csv became world-readable");
    let book = p.path("codebooks/codebook.toml");
    chmod(&book, 0o640);
    p.ok(&["codes", "add", "fresh", "--description", "new"]);
    assert!(p.read("codebooks/codebook.toml").contains("fresh"));
    assert_eq!(mode(&book), 0o640);
}

#[test]
fn output_through_a_symlink_updates_its_target_and_keeps_the_link() {
    let p = Proj::with_sample();
    p.write("out/real.json", b"old");
    let link = p.path("out/link");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    p.ok(&["segments", "--json", "-o", link.to_str().unwrap()]);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let real: serde_json::Value = serde_json::from_str(&p.read("out/real.json")).unwrap();
    assert!(real.is_array());
    let names: BTreeSet<String> = std::fs::read_dir(p.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["link".into(), "real.json".into()]));
}

#[test]
fn output_into_a_fifo_reaches_its_reader() {
    use std::os::unix::fs::FileTypeExt;
    let p = Proj::with_sample();
    let fifo = p.path("out.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = fifo.clone();
    std::thread::spawn(move || tx.send(std::fs::read_to_string(reader).unwrap()));
    p.ok(&["segments", "--json", "-o", fifo.to_str().unwrap()]);
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("nothing reached the FIFO's reader");
    let rows: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert!(rows.is_array());
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
}

#[test]
fn output_to_dev_null_leaves_it_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let p = Proj::with_sample();
    p.ok(&["segments", "--json", "-o", "/dev/null"]);
    let kind = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is no longer a device");
}

#[test]
fn output_into_a_folder_is_refused() {
    let p = Proj::with_sample();
    let dir = p.path("somedir");
    std::fs::create_dir(&dir).unwrap();
    let before = p.snapshot();
    let out = p.run(&["segments", "--json", "-o", dir.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("somedir") && err.contains("a folder"), "{err}");
    assert!(dir.is_dir());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    assert_eq!(before, p.snapshot());
}

#[test]
fn journals_that_are_not_regular_files_are_refused() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    // A journal linked to an endless device: refused at once, naming it.
    std::os::unix::fs::symlink("/dev/zero", p.path("codings/ben.jsonl")).unwrap();
    let err = p.fail(&["segments", "--json"]);
    assert!(
        err.contains("ben.jsonl") && err.contains("regular file"),
        "{err}"
    );
    let err = p.fail(&["code", "x", "--chars", "0-5", "theme", "--coder", "ben"]);
    assert!(err.contains("ben.jsonl"), "{err}");
    std::fs::remove_file(p.path("codings/ben.jsonl")).unwrap();
    // A journal linked to a file outside the project: never appended to.
    let outside = p.root.parent().unwrap().join("outside.jsonl");
    std::fs::write(&outside, b"").unwrap();
    std::os::unix::fs::symlink(&outside, p.path("codings/cy.jsonl")).unwrap();
    let err = p.fail(&["code", "x", "--chars", "0-5", "theme", "--coder", "cy"]);
    assert!(
        err.contains("cy.jsonl") && err.contains("regular file"),
        "{err}"
    );
    assert_eq!(std::fs::read(&outside).unwrap(), b"");
    std::fs::remove_file(p.path("codings/cy.jsonl")).unwrap();
    // A line longer than the cap is a reported problem, not a record.
    let mut long = b"{\"op\":\"add\",\"memo\":\"".to_vec();
    long.resize(17 << 20, b'a');
    long.extend_from_slice(b"\"}\n");
    p.write("codings/dan.jsonl", &long);
    let out = p.run(&["check"]);
    let err =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dan.jsonl:1") && err.contains("MiB"), "{err}");
    assert_eq!(p.json(&["segments", "--json"]).as_array().unwrap().len(), 1);
}

/// A record whose span runs backwards (a hand edit, a bad merge) is an
/// unreadable record: reported by `check` with its line, skipped by every
/// command, never a crash.
#[test]
fn a_journal_record_with_a_reversed_span_is_reported_not_a_crash() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    let first = p.read("codings/ana.jsonl");
    let mut rec: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    rec["id"] = "reversed".into();
    rec["start"] = 40.into();
    rec["end"] = 3.into();
    p.write("codings/ana.jsonl", format!("{first}{rec}\n").as_bytes());
    let out = p.run(&["check"]);
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("ana.jsonl:2") && said.contains("a span runs forward"),
        "{said}"
    );
    for args in [
        &["segments"][..],
        &["segments", "--json"],
        &["segments", "--csv"],
        &["segments", "--md"],
    ] {
        let out = p.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(p.json(&["segments", "--json"]).as_array().unwrap().len(), 1);
    let qdpx = p.root.parent().unwrap().join("r.qdpx");
    p.ok(&["export", "qdpx", "-o", qdpx.to_str().unwrap()]);
}

#[test]
fn an_endless_journal_line_is_read_in_bounded_memory() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    // 400 MiB of one line (a sparse file: no disk used), then a newline.
    let journal = p.path("codings/ana.jsonl");
    let len = std::fs::metadata(&journal).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    f.set_len(len + (400 << 20)).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    std::io::Write::write_all(&mut f, b"\n").unwrap();
    drop(f);
    // With 300 MB of address space, holding the line would abort motif.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 300000 && exec '{}' segments --json",
            bin().display()
        ))
        .current_dir(&p.root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("ana.jsonl:2") && err.contains("400 MiB"),
        "{err}"
    );
    let segs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(segs.as_array().unwrap().len(), 1);
}

#[test]
fn a_first_write_that_fails_leaves_no_journal_and_no_coder() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    // No file may grow (as on a full disk); SIGXFSZ ignored so the write
    // fails with an error instead of killing motif.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 0 && exec '{}' code x --chars 6-12 theme --coder newbie",
            bin().display()
        ))
        .current_dir(&p.root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("newbie.jsonl"), "{err}");
    assert!(
        !p.path("codings/newbie.jsonl").exists(),
        "an empty journal was left behind"
    );
    // An empty journal (from an older motif, or by hand) is no coder.
    p.write("codings/ghost.jsonl", b"");
    let err = p.fail(&["agree"]);
    assert!(
        err.contains("coders with codings in this project: ana") && !err.contains("ghost"),
        "{err}"
    );
}

#[test]
fn outputs_never_replace_motifs_own_files() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    let before = p.snapshot();
    for (args, target) in [
        (vec!["segments", "--json", "-o"], "codings/ana.jsonl"),
        (vec!["segments", "--json", "-o"], "motif.toml"),
        (vec!["export", "frequencies", "-o"], "attributes.csv"),
        (vec!["segments", "--md", "-o"], "transcripts/x.txt"),
        (vec!["segments", "--md", "-o"], "memos/project.md"),
        (vec!["export", "qdc", "-o"], "codebooks/codebook.toml"),
        (vec!["export", "qdpx", "-o"], ".motif/study.qdpx"),
        // In folders that do not exist yet: still motif's.
        (
            vec!["export", "frequencies", "-o"],
            "transcripts/sub/new.md",
        ),
        (
            vec!["export", "frequencies", "-o"],
            "memos/transcripts/x.md",
        ),
        (vec!["export", "frequencies", "-o"], "queries/q.toml"),
        (
            vec!["export", "frequencies", "-o"],
            "exports/../codings/new/b.jsonl",
        ),
    ] {
        let mut args = args.clone();
        let abs = p.path(target);
        args.push(abs.to_str().unwrap());
        let err = p.fail(&args);
        assert!(
            err.contains("will not write") && err.contains(target),
            "{args:?}: {err}"
        );
        assert_eq!(before, p.snapshot(), "{args:?} changed the project");
    }
    // Through a link, too.
    std::os::unix::fs::symlink(p.path("codings/ana.jsonl"), p.path("report.json")).unwrap();
    let link = p.path("report.json");
    let err = p.fail(&["segments", "--json", "-o", link.to_str().unwrap()]);
    assert!(err.contains("will not write"), "{err}");
    // Another project's own files are refused as well.
    let other = Proj::new();
    let toml = other.path("motif.toml");
    let err = p.fail(&["segments", "--json", "-o", toml.to_str().unwrap()]);
    assert!(err.contains("will not write"), "{err}");
    // Elsewhere in the project is the user's to choose.
    let quotes = p.path("quotes.json");
    p.ok(&["segments", "--json", "-o", quotes.to_str().unwrap()]);
    assert!(p.read("quotes.json").contains("\"transcript\": \"x\""));
}

#[test]
fn output_to_dev_stdout_reaches_a_pipe() {
    let p = Proj::with_sample();
    let out = motif_cmd()
        .current_dir(&p.root)
        .args(["export", "frequencies", "-o", "/dev/stdout"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "motif.frequencies");
}

#[test]
fn dash_output_is_stdout() {
    let p = Proj::with_sample();
    let out = motif_cmd()
        .current_dir(&p.root)
        .args(["export", "frequencies", "-o", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("motif.frequencies"));
    assert!(!p.path("-").exists(), "a file named - was written");
    let qdpx = motif_cmd()
        .current_dir(&p.root)
        .args(["export", "qdpx", "-o", "-"])
        .output()
        .unwrap();
    assert!(qdpx.status.success());
    assert!(qdpx.stdout.starts_with(b"PK"), "a zip archive on stdout");
    assert!(!p.path("-").exists());
}

/// Runs motif on `p`, killing it if it has not ended within 60 s (a read
/// that never ends must fail the test, not hang it); returns its stderr
/// and whether it succeeded.
fn run_bounded(p: &Proj, args: &[&str]) -> (bool, String) {
    let mut child = motif_cmd()
        .arg("--project")
        .arg(&p.root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.success(), err);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("motif {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Every file under `dir`, with its bytes (links not followed).
fn tree(dir: &std::path::Path) -> BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(tree(&e.path()));
        } else {
            out.insert(e.path(), std::fs::read(e.path()).unwrap_or_default());
        }
    }
    out
}

/// `.motif` (or a folder motif uses in it) linked elsewhere: every command
/// refuses it by name, and nothing there is deleted or written.
#[test]
fn a_linked_dot_motif_is_refused_and_nothing_outside_changes() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme"]);
    p.ok(&["search", "paddle"]);
    let victim = p.root.parent().unwrap().join("victim");
    std::fs::create_dir_all(victim.join("index")).unwrap();
    std::fs::write(victim.join("index/thesis.docx"), b"precious").unwrap();
    let before = tree(&victim);
    let commands: [&[&str]; 5] = [
        &["search", "paddle"],
        &["index", "--rebuild"],
        &["segments", "--json"],
        &["code", "x", "--chars", "0-7", "theme"],
        &["codes", "add", "other"],
    ];
    std::fs::remove_dir_all(p.path(".motif")).unwrap();
    std::os::unix::fs::symlink(&victim, p.path(".motif")).unwrap();
    for args in commands {
        let (ok, err) = run_bounded(&p, args);
        assert!(
            !ok && err.contains(".motif is not a folder"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("symbolic link") && err.contains("Remove it"),
            "{err}"
        );
    }
    assert_eq!(tree(&victim), before);
    // The same for the index, cache and locks folders inside it.
    std::fs::remove_file(p.path(".motif")).unwrap();
    for sub in ["index", "cache", "locks"] {
        std::fs::create_dir_all(p.path(".motif")).unwrap();
        let _ = std::fs::remove_dir_all(p.path(&format!(".motif/{sub}")));
        std::os::unix::fs::symlink(victim.join("index"), p.path(&format!(".motif/{sub}"))).unwrap();
        for args in commands {
            let (ok, err) = run_bounded(&p, args);
            assert!(
                !ok && err.contains(&format!(".motif/{sub} is not a folder")),
                "{args:?}: {err}"
            );
        }
        assert_eq!(tree(&victim), before);
        std::fs::remove_dir_all(p.path(".motif")).unwrap();
    }
    // A FIFO named .motif: refused at once, not waited on.
    mkfifo(&p.path(".motif"));
    let (ok, err) = run_bounded(&p, &["search", "paddle"]);
    assert!(!ok && err.contains("a FIFO"), "{err}");
}

/// Rebuilding the index removes only what tantivy put there.
#[test]
fn an_index_rebuild_deletes_only_index_files() {
    let p = Proj::with_sample();
    p.ok(&["search", "paddle"]);
    p.write(".motif/index/thesis.docx", b"precious");
    p.ok(&["index", "--rebuild"]);
    let kept: Vec<_> = tree(&p.path(".motif"))
        .into_iter()
        .filter(|(path, _)| path.ends_with("thesis.docx"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].1, b"precious");
    assert!(p.ok(&["search", "pytorch"]).contains("PyTorch"));
}

/// Memos, the attributes table and saved queries linked to files outside
/// the project are neither read nor written; linked folders are refused.
#[test]
fn project_files_and_folders_linked_outside_are_refused() {
    let p = Proj::with_sample();
    let outside = p.root.parent().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let secret = outside.join("s");
    std::fs::write(&secret, b"SECRET\n").unwrap();
    std::fs::create_dir_all(p.path("memos")).unwrap();
    std::os::unix::fs::symlink(&secret, p.path("memos/project.md")).unwrap();
    let err = p.fail(&["memo", "x"]);
    assert!(
        err.contains("memos/project.md") && err.contains("outside the project"),
        "{err}"
    );
    let qdpx = p.root.parent().unwrap().join("out.qdpx");
    let err = p.fail(&["export", "qdpx", "-o", qdpx.to_str().unwrap()]);
    assert!(err.contains("memos/project.md"), "{err}");
    assert!(!qdpx.exists());
    std::fs::remove_file(p.path("memos/project.md")).unwrap();
    // A link inside the project is fine.
    p.write("memos/real.md", b"inside\n");
    std::os::unix::fs::symlink("real.md", p.path("memos/project.md")).unwrap();
    p.ok(&["memo", "more"]);
    assert_eq!(p.read("memos/real.md"), "inside\n\nmore\n");
    // attributes.csv linked outside: not rewritten by an import.
    let table = outside.join("a.csv");
    std::fs::write(&table, b"id\n").unwrap();
    std::fs::remove_file(p.path("attributes.csv")).unwrap();
    std::os::unix::fs::symlink(&table, p.path("attributes.csv")).unwrap();
    p.write("in/y.txt", b"A: hello\n");
    let err = p.fail(&[
        "import",
        p.path("in/y.txt").to_str().unwrap(),
        "--attr",
        "x=1",
    ]);
    assert!(err.contains("attributes.csv"), "{err}");
    assert_eq!(std::fs::read(&table).unwrap(), b"id\n");
    std::fs::remove_file(p.path("attributes.csv")).unwrap();
    // Whole folders linked outside.
    for dir in ["codings", "memos", "transcripts", "queries"] {
        let _ = std::fs::remove_dir_all(p.path(dir));
        std::os::unix::fs::symlink(&outside, p.path(dir)).unwrap();
        let before = tree(&outside);
        for args in [
            &["segments", "--json"][..],
            &["memo", "x"],
            &["search", "--saved"],
            &["code", "x", "--chars", "0-5", "theme"],
        ] {
            let err = p.fail(args);
            assert!(
                err.contains(&format!("{dir} is not a folder")),
                "{args:?}: {err}"
            );
        }
        assert_eq!(tree(&outside), before);
        std::fs::remove_file(p.path(dir)).unwrap();
    }
}

/// Files that never end or never open (devices, FIFOs) are refused by
/// name instead of hanging motif, and large ones are capped.
#[test]
fn endless_and_huge_project_files_are_refused() {
    let p = Proj::with_sample();
    p.ok(&["search", "--save", "f", "paddle"]);
    p.ok(&["transcripts"]);
    let cases: [(&str, &[&str]); 4] = [
        ("attributes.csv", &["transcripts"]),
        ("memos/project.md", &["memo"]),
        ("codebooks/codebook.toml", &["codes"]),
        ("queries/f.toml", &["search", "@f"]),
    ];
    for (file, args) in cases {
        let path = p.path(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let saved = std::fs::read(&path).ok();
        mkfifo(&path);
        let (ok, err) = run_bounded(&p, args);
        assert!(
            !ok && err.contains(file) && err.contains("a FIFO"),
            "{args:?}: {err}"
        );
        if file.starts_with("queries") {
            let (ok, err) = run_bounded(&p, &["search", "--saved"]);
            assert!(!ok && err.contains(file), "{err}");
        }
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let (ok, err) = run_bounded(&p, args);
        assert!(!ok && err.contains(file), "{args:?}: {err}");
        std::fs::remove_file(&path).unwrap();
        if let Some(bytes) = saved {
            std::fs::write(&path, bytes).unwrap();
        }
    }
    // A derived cache that never ends is ignored (and rebuilt).
    std::fs::remove_file(p.path(".motif/cache/transcripts.bin")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", p.path(".motif/cache/transcripts.bin")).unwrap();
    let (ok, err) = run_bounded(&p, &["transcripts"]);
    assert!(ok, "{err}");
    // A saved query of 2 MB: refused, saying the cap.
    let mut big = b"query = \"".to_vec();
    big.extend(std::iter::repeat_n(b"a ".as_slice(), 1 << 20).flatten());
    big.extend_from_slice(b"\"\n");
    p.write("queries/big.toml", &big);
    let (ok, err) = run_bounded(&p, &["search", "@big"]);
    assert!(
        !ok && err.contains("queries/big.toml") && err.contains("1 MiB"),
        "{err}"
    );
}

/// What an import killed after its plan was written leaves: one file of
/// the batch already renamed into place, the other still staged.
fn half_done_import(p: &Proj) {
    p.write(
        "transcripts/w/k1.txt",
        "ANA: first of the batch é\n".as_bytes(),
    );
    p.write(
        "transcripts/w/.motif-import-dead-1.tmp",
        "BEN: second of the batch 北京\n".as_bytes(),
    );
    let plan = serde_json::json!({
        "moves": [
            ["transcripts/w/.motif-import-dead-0.tmp", "transcripts/w/k1.txt"],
            ["transcripts/w/.motif-import-dead-1.tmp", "transcripts/w/k2.txt"],
        ],
        "ids": ["w/k1", "w/k2"],
        "attrs": [["wave", "2"]],
    });
    p.write(".motif/import-pending.json", plan.to_string().as_bytes());
}

#[test]
fn a_read_command_never_sees_part_of_a_killed_import() {
    let p = Proj::with_sample();
    half_done_import(&p);
    let out = p.run(&["transcripts", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<String> = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        listed.contains(&"w/k1".to_owned()) && listed.contains(&"w/k2".to_owned()),
        "the whole batch, not part of it: {listed:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("finished an import that was interrupted")
    );
    assert!(
        p.read("attributes.csv").contains("w/k2,2"),
        "{}",
        p.read("attributes.csv")
    );
    assert!(!p.path(".motif/import-pending.json").exists());
    assert!(!p.path("transcripts/w/.motif-import-dead-1.tmp").exists());
}

/// Files staged by an import stopped before it committed are named by
/// `check` and removed by the next import.
#[test]
fn check_names_files_left_by_a_stopped_import() {
    let p = Proj::with_sample();
    p.write("transcripts/w/.motif-import-dead-0.tmp", b"ANA: half\n");
    p.write("transcripts/.motif-import-dead-1.tmp", b"ANA: half\n");
    let out = p.ok(&["check"]);
    assert!(
        out.contains("2 hidden file(s)") && out.contains("next `motif import` removes them"),
        "{out}"
    );
    p.ok(&[
        "import",
        crate::util::fixture("import/zoom.txt").to_str().unwrap(),
    ]);
    assert!(!p.path("transcripts/w/.motif-import-dead-0.tmp").exists());
    assert!(!p.ok(&["check"]).contains("hidden file"));
}

#[test]
fn a_planted_import_plan_moves_nothing_outside() {
    let p = Proj::with_sample();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let plan = serde_json::json!({
        "moves": [[victim.to_string_lossy(), "transcripts/stolen.txt"]],
        "ids": [], "attrs": [],
    });
    p.write(".motif/import-pending.json", plan.to_string().as_bytes());
    let err = p.fail(&[
        "import",
        crate::util::fixture("import/zoom.txt").to_str().unwrap(),
    ]);
    assert!(
        err.contains("import-pending.json") && err.contains("not an import's"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!p.path("transcripts/stolen.txt").exists());
    // A staged file moved onto a journal, or through a linked folder to
    // outside: refused, by any command, and nothing moves.
    p.ok(&["codes", "add", "alpha"]);
    p.ok(&["code", "x", "--chars", "0-5", "alpha", "--coder", "ana"]);
    std::os::unix::fs::symlink(outside.path(), p.path("transcripts/ln")).unwrap();
    for dest in [
        "codings/ana.jsonl",
        "transcripts/ln/out.txt",
        "motif.toml",
        "transcripts/x.txt",
    ] {
        p.write("transcripts/.motif-import-x-0.tmp", b"ANA: planted\n");
        let plan = serde_json::json!({
            "moves": [["transcripts/.motif-import-x-0.tmp", dest]],
            "ids": [], "attrs": [],
        });
        p.write(".motif/import-pending.json", plan.to_string().as_bytes());
        let before = p.snapshot();
        let out = p.run(&["transcripts"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not an import's"), "{dest}: {err}");
        assert_eq!(before, p.snapshot(), "{dest}");
        assert!(!outside.path().join("out.txt").exists());
    }
    // An existing transcript is replaced only by a plan that recorded its
    // bytes (as a killed `import --replace` leaves it), and only while it
    // still holds them.
    std::fs::remove_file(p.path("transcripts/ln")).unwrap();
    let old = std::fs::read(p.path("transcripts/x.txt")).unwrap();
    p.write("transcripts/.motif-import-x-0.tmp", b"ANA: planted\n");
    let plan = serde_json::json!({
        "moves": [["transcripts/.motif-import-x-0.tmp", "transcripts/x.txt"]],
        "ids": [], "attrs": [],
        "replaces": [["transcripts/x.txt", blake3::hash(b"other bytes").to_hex().to_string()]],
    });
    p.write(".motif/import-pending.json", plan.to_string().as_bytes());
    let out = p.run(&["transcripts"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an import's"), "{err}");
    assert_eq!(std::fs::read(p.path("transcripts/x.txt")).unwrap(), old);
    p.write("transcripts/.motif-import-x-0.tmp", b"ANA: planted\n");
    let plan = serde_json::json!({
        "moves": [["transcripts/.motif-import-x-0.tmp", "transcripts/x.txt"]],
        "ids": [], "attrs": [],
        "replaces": [["transcripts/x.txt", blake3::hash(&old).to_hex().to_string()]],
    });
    p.write(".motif/import-pending.json", plan.to_string().as_bytes());
    p.ok(&["transcripts"]);
    assert_eq!(p.read("transcripts/x.txt"), "ANA: planted\n");
}

#[cfg(unix)]
#[test]
fn an_endless_file_is_read_only_up_to_a_transcripts_size() {
    // `/dev/zero` under a transcript's name: refused by name at once,
    // instead of filling memory.
    let p = Proj::with_sample();
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("endless.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let before = p.snapshot();
    let err = p.fail(&["import", zero.to_str().unwrap()]);
    assert!(
        err.contains("endless.txt") && err.contains("a character device"),
        "{err}"
    );
    // A (sparse) file past the cap is refused after reading the cap.
    let big = dir.path().join("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let err = p.fail(&["import", big.to_str().unwrap()]);
    assert!(
        err.contains("big.txt") && err.contains("more than 64 MiB"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
}

/// A file in transcripts/ named like a transcript that is not a regular
/// file (a link, a FIFO, a device) is named by every command, `check`
/// included, instead of being skipped as if it were not there.
#[test]
fn transcripts_that_are_not_regular_files_are_named_not_skipped() {
    type Make<'a> = Box<dyn Fn(&std::path::Path) + 'a>;
    let p = Proj::with_sample();
    let real = p.path("transcripts/x.txt");
    let outside = p.root.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("w.txt"), b"A: far away\n").unwrap();
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "transcripts/zero.txt",
            Box::new(|at| std::os::unix::fs::symlink("/dev/zero", at).unwrap()),
            "a symbolic link",
        ),
        ("transcripts/pipe.txt", Box::new(mkfifo), "a FIFO"),
        (
            "transcripts/copy.md",
            Box::new(|at| std::os::unix::fs::symlink(&real, at).unwrap()),
            "a symbolic link",
        ),
        (
            "transcripts/far",
            Box::new(|at| std::os::unix::fs::symlink(&outside, at).unwrap()),
            "a folder of transcripts",
        ),
    ];
    for (name, make, says) in cases {
        let before = p.snapshot();
        make(&p.path(name));
        for args in [
            &["check"][..],
            &["transcripts", "--json"],
            &["segments", "--json"],
            &["search", "hello"],
        ] {
            let (ok, err) = run_bounded(&p, args);
            assert!(!ok, "{name} {args:?} succeeded");
            assert!(
                err.contains(name) && err.contains(says) && err.contains("nothing was read"),
                "{name} {args:?}: {err}"
            );
        }
        std::fs::remove_file(p.path(name)).unwrap();
        assert_eq!(before, p.snapshot(), "{name}");
    }
    // Other special files that are not transcripts (no .txt/.md) are
    // left alone, and the project works again.
    std::os::unix::fs::symlink("/dev/zero", p.path("transcripts/notes.wav")).unwrap();
    p.ok(&["check"]);
    assert_eq!(
        p.json(&["transcripts", "--json"]).as_array().unwrap().len(),
        1
    );
}

#[cfg(unix)]
#[test]
fn lock_files_planted_as_links_are_refused() {
    let p = Proj::with_sample();
    let code = ["code", "x", "--chars", "0-5", "alpha", "--coder", "ana"];
    p.ok(&["codes", "add", "alpha"]);
    p.ok(&code);
    let locks = p.path(".motif/locks");
    let names: Vec<_> = std::fs::read_dir(&locks)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(!names.is_empty());
    let outside = tempfile::tempdir().unwrap();
    for name in &names {
        let lock = locks.join(name);
        std::fs::remove_file(&lock).unwrap();
        std::os::unix::fs::symlink(outside.path().join(name), &lock).unwrap();
    }
    let before = p.snapshot();
    let err = p.fail(&["code", "x", "--chars", "6-9", "alpha", "--coder", "ana"]);
    assert!(err.contains("lock file is a symbolic link"), "{err}");
    assert_eq!(before, p.snapshot());
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "created outside"
    );
}

#[test]
fn a_file_with_hard_links_is_refused_not_split() {
    // An atomic rewrite would leave the other name on the old text.
    let p = Proj::with_sample();
    p.write("attributes.csv", b"id,role\nx,student\n");
    let other = p.path("shared-attributes.csv");
    std::fs::hard_link(p.path("attributes.csv"), &other).unwrap();
    let before = p.snapshot();
    let err = p.fail(&[
        "import",
        crate::util::fixture("import/zoom.txt").to_str().unwrap(),
        "--attr",
        "wave=2",
    ]);
    assert!(
        err.contains("attributes.csv") && err.contains("2 names (hard links)"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
    p.write("out/a.json", b"old");
    std::fs::hard_link(p.path("out/a.json"), p.path("out/b.json")).unwrap();
    let err = p.fail(&[
        "segments",
        "--json",
        "-o",
        p.path("out/a.json").to_str().unwrap(),
    ]);
    assert!(err.contains("hard links"), "{err}");
    assert_eq!(p.read("out/b.json"), "old");
    assert_eq!(p.read("out/a.json"), "old");
}
