//! A team in git: two coders on a branch each, merged with a plain
//! `git merge` in fresh clones without any git configuration, both ways
//! round; and a true conflict, reported by name.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::motif_cmd;

const TEXT: &str = "[00:00:01] INTERVIEWER: How did your team settle on a framework?\n\n\
[00:00:09] JOÃO: Honestly it wasn't a decision. Everyone was already on PyTorch — café 北京 🚀.\n\n\
[00:00:30] INTERVIEWER: And the community around it?\n\n\
[00:00:41] JOÃO: The users file good bugs. The maintainers answer them, mostly.\n\n\
[00:01:10] INTERVIEWER: Anything else?\n\n\
[00:01:15] JOÃO: Documentation is where we lose people.\n";

/// Git with no global or system configuration: what a fresh clone on a
/// new machine has.
fn git(home: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=Tester", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "git {args:?} failed:\n{all}");
    all
}

fn motif(dir: &Path, coder: &str, args: &[&str]) -> String {
    let out = motif_cmd()
        .env("USER", coder)
        .arg("--project")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "motif {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn motif_err(dir: &Path, args: &[&str]) -> String {
    let out = motif_cmd()
        .arg("--project")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "motif {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&motif(dir, "tester", args)).unwrap()
}

fn has_git() -> bool {
    Command::new("git").arg("--version").output().is_ok()
}

/// The code point range of `needle` in the transcript text of `dir`.
fn chars_of(dir: &Path, needle: &str) -> String {
    let text = std::fs::read_to_string(dir.join("transcripts/p01.txt")).unwrap();
    let at = text.find(needle).unwrap();
    let start = text[..at].chars().count();
    format!("{start}-{}", start + needle.chars().count())
}

fn code(dir: &Path, coder: &str, needle: &str, code: &str) {
    motif(
        dir,
        coder,
        &["code", "p01", "--chars", &chars_of(dir, needle), code],
    );
}

/// Replaces `from` by `to` in the file `rel` of `dir`.
fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}:\n{text}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

struct Team {
    _dir: tempfile::TempDir,
    home: PathBuf,
    origin: PathBuf,
    base: PathBuf,
}

impl Team {
    /// A shared project: a transcript, three codes, a coding, a memo.
    fn new() -> Team {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let base = dir.path().join("base");
        motif(dir.path(), "ana", &["init", base.to_str().unwrap()]);
        std::fs::write(dir.path().join("p01.txt"), TEXT).unwrap();
        motif(
            &base,
            "ana",
            &["import", dir.path().join("p01.txt").to_str().unwrap()],
        );
        for c in ["frameworks", "community", "community/users", "docs"] {
            motif(&base, "ana", &["codes", "add", c, "-d", "to be defined"]);
        }
        code(&base, "ana", "it wasn't a decision", "frameworks");
        motif(&base, "ana", &["memo", "Started coding wave 1."]);
        git(&home, &base, &["init", "-q", "-b", "main"]);
        git(&home, &base, &["add", "-A"]);
        git(&home, &base, &["commit", "-qm", "base"]);
        let origin = dir.path().join("origin.git");
        git(
            &home,
            dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                base.to_str().unwrap(),
                origin.to_str().unwrap(),
            ],
        );
        Team {
            _dir: dir,
            home,
            origin,
            base,
        }
    }

    fn clone(&self, name: &str) -> PathBuf {
        let to = self.base.with_file_name(name);
        git(
            &self.home,
            self.base.parent().unwrap(),
            &[
                "clone",
                "-q",
                self.origin.to_str().unwrap(),
                to.to_str().unwrap(),
            ],
        );
        to
    }

    fn commit_push(&self, dir: &Path, branch: &str) {
        git(&self.home, dir, &["checkout", "-q", "-b", branch]);
        git(&self.home, dir, &["add", "-A"]);
        git(&self.home, dir, &["commit", "-qm", branch]);
        git(&self.home, dir, &["push", "-q", "origin", branch]);
    }

    /// A fresh clone with `ours` checked out and `theirs` merged in.
    fn merged(&self, name: &str, ours: &str, theirs: &str) -> (PathBuf, String) {
        let d = self.clone(name);
        git(&self.home, &d, &["checkout", "-q", ours]);
        let out = git(
            &self.home,
            &d,
            &["merge", "--no-edit", &format!("origin/{theirs}")],
        );
        (d, out)
    }
}

fn code_by_path<'a>(codes: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    codes.as_array().unwrap().iter().find(|c| c["code"] == path)
}

#[test]
fn two_coders_on_two_branches_merge_both_ways_without_conflict() {
    if !has_git() {
        eprintln!("git is not installed; skipped");
        return;
    }
    let team = Team::new();
    let fw_id = code_by_path(&json(&team.base, &["codes", "--json"]), "frameworks").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ana_and_ben_work(&team);
    for (name, ours, theirs) in [
        ("m1", "ana-work", "ben-work"),
        ("m2", "ben-work", "ana-work"),
    ] {
        let (d, out) = team.merged(name, ours, theirs);
        assert!(!out.contains("CONFLICT"), "{name}: {out}");
        assert_merged(&d, name, &fw_id);
    }
}

/// Ana adds a code, renames one, codes, appends to the project memo and
/// fixes a line of the transcript outside any coding; Ben adds a code,
/// moves one, redefines and recolours another by hand, codes, appends to
/// the same memo and fixes another line; Ana codes on a second machine
/// too (her journal grows on both branches).
fn ana_and_ben_work(team: &Team) {
    let a = team.clone("a");
    motif(&a, "ana", &["codes", "add", "tools", "-d", "Tooling talk"]);
    motif(&a, "ana", &["codes", "rename", "frameworks", "libraries"]);
    code(&a, "ana", "Everyone was already on PyTorch", "tools");
    code(&a, "ana", "The users file good bugs", "community/users");
    motif(&a, "ana", &["memo", "Ana: tools recur."]);
    edit(
        &a,
        "transcripts/p01.txt",
        "Anything else?",
        "Anything else at all?",
    );
    team.commit_push(&a, "ana-work");
    let b = team.clone("b");
    motif(
        &b,
        "ben",
        &["codes", "add", "pain-points", "-d", "Where it hurts"],
    );
    motif(&b, "ben", &["codes", "move", "community/users", "--root"]);
    let docs = code_by_path(&json(&b, &["codes", "--json"]), "docs").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    edit(
        &b,
        "codebooks/codebook.toml",
        &format!("{docs}.description = \"to be defined\""),
        &format!(
            "{docs}.description = \"Documentation: its gaps and its readers\"\n{docs}.color = \"#123456\""
        ),
    );
    code(
        &b,
        "ben",
        "Documentation is where we lose people",
        "pain-points",
    );
    code(&b, "ben", "it wasn't a decision", "frameworks");
    code(&b, "ana", "The maintainers answer them", "community");
    motif(&b, "ben", &["memo", "Ben: docs are a pain point."]);
    edit(
        &b,
        "transcripts/p01.txt",
        "How did your team",
        "How did your whole team",
    );
    team.commit_push(&b, "ben-work");
}

/// Everything both branches did is in the merged clone `d`.
fn assert_merged(d: &Path, name: &str, fw_id: &str) {
    let check = motif(d, "tester", &["check"]);
    assert!(!check.contains("problem:"), "{name}: {check}");
    let codes = json(d, &["codes", "--json"]);
    let paths: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for want in [
        "libraries",
        "community",
        "users",
        "docs",
        "tools",
        "pain-points",
    ] {
        assert!(
            paths.contains(&want),
            "{name}: {want} missing from {paths:?}"
        );
    }
    assert_eq!(code_by_path(&codes, "libraries").unwrap()["id"], fw_id);
    let docs_code = code_by_path(&codes, "docs").unwrap();
    assert_eq!(docs_code["color"], "#123456", "{name}");
    assert!(
        docs_code["description"]
            .as_str()
            .unwrap()
            .starts_with("Documentation"),
        "{name}"
    );
    // The two codes added on two branches have different colours.
    let (t, p) = (
        code_by_path(&codes, "tools").unwrap()["color"].clone(),
        code_by_path(&codes, "pain-points").unwrap()["color"].clone(),
    );
    assert_ne!(t, p, "{name}");
    // Every coding of both branches, on the merged transcript.
    let segs = json(d, &["segments", "--json"]);
    let mut got: Vec<(String, String, String)> = segs
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["coder"].as_str().unwrap().to_owned(),
                s["code"].as_str().unwrap().to_owned(),
                s["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        ("ana", "libraries", "it wasn't a decision"),
        ("ana", "tools", "Everyone was already on PyTorch"),
        ("ana", "users", "The users file good bugs"),
        ("ana", "community", "The maintainers answer them"),
        (
            "ben",
            "pain-points",
            "Documentation is where we lose people",
        ),
        ("ben", "libraries", "it wasn't a decision"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    want.sort();
    assert_eq!(got, want, "{name}");
    let memo = std::fs::read_to_string(d.join("memos/project.md")).unwrap();
    for line in [
        "Started coding wave 1.",
        "Ana: tools recur.",
        "Ben: docs are a pain point.",
    ] {
        assert!(memo.contains(line), "{name}: {memo}");
    }
    let text = std::fs::read_to_string(d.join("transcripts/p01.txt")).unwrap();
    assert!(
        text.contains("whole team") && text.contains("else at all"),
        "{name}"
    );
}

#[test]
fn the_same_code_renamed_two_ways_is_reported_by_name() {
    if !has_git() {
        eprintln!("git is not installed; skipped");
        return;
    }
    for with_attributes in [true, false] {
        let team = Team::new();
        if !with_attributes {
            // A project set up before motif wrote .gitattributes.
            let c = team.clone("old");
            std::fs::remove_file(c.join(".gitattributes")).unwrap();
            git(&team.home, &c, &["commit", "-qam", "no attributes"]);
            git(&team.home, &c, &["push", "-q", "origin", "main"]);
        }
        let id = code_by_path(&json(&team.base, &["codes", "--json"]), "frameworks").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let a = team.clone("a");
        motif(&a, "ana", &["codes", "rename", "frameworks", "libraries"]);
        team.commit_push(&a, "ana-work");
        let b = team.clone("b");
        motif(&b, "ben", &["codes", "rename", "frameworks", "stacks"]);
        team.commit_push(&b, "ben-work");
        let d = team.clone("m");
        git(&team.home, &d, &["checkout", "-q", "ana-work"]);
        // Without the attributes git stops with a conflict; with them the
        // union keeps both lines. Either way motif names the code.
        let _ = Command::new("git")
            .current_dir(&d)
            .env("HOME", &team.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args([
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@e",
                "merge",
                "--no-edit",
                "origin/ben-work",
            ])
            .output()
            .unwrap();
        let err = motif_err(&d, &["codes"]);
        assert!(
            err.contains(&format!("id `{id}`")),
            "{with_attributes}: {err}"
        );
        assert!(
            err.contains("\"libraries\"") && err.contains("\"stacks\""),
            "{with_attributes}: {err}"
        );
        assert!(err.contains("codebooks/codebook.toml"), "{err}");
        if with_attributes {
            assert!(err.contains("Keep the line you want"), "{err}");
        } else {
            assert!(
                err.contains("motif git-setup") && err.contains("<<<<<<<"),
                "{err}"
            );
        }
    }
}

fn coders(dir: &Path) -> Vec<(String, u64)> {
    json(dir, &["coders", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["coder"].as_str().unwrap().to_owned(),
                c["codings"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn names_differing_in_case_or_accents_are_one_coder_and_renames_lose_nothing() {
    let team = Team::new();
    let d = &team.base;
    // `ana` has one coding; `Ana` and `Anà` are her.
    code(d, "Ana", "The users file good bugs", "community/users");
    motif(
        d,
        "x",
        &[
            "--coder",
            "Anà",
            "code",
            "p01",
            "--chars",
            &chars_of(d, "Documentation"),
            "docs",
        ],
    );
    assert_eq!(coders(d), [("ana".to_owned(), 3)]);
    code(d, "ben", "The maintainers answer them", "community");
    let listed = json(d, &["coders", "--json"]);
    let first = listed[0]["first"].as_str().unwrap();
    let last = listed[0]["last"].as_str().unwrap();
    assert!(first.len() == 20 && first <= last, "{listed}");
    // Renaming ben to a spelling of ana joins the journals.
    let out = motif(d, "x", &["coders", "rename", "ben", "ANA"]);
    assert!(out.contains("renamed coder ben to ana"), "{out}");
    assert_eq!(coders(d), [("ana".to_owned(), 4)]);
    assert!(!d.join("codings/ben.jsonl").exists());
    assert!(motif(d, "x", &["check"]).contains("everything is in order"));
    // Undo still reaches ana's latest step (ben's coding, now hers).
    motif(d, "ana", &["undo"]);
    assert_eq!(coders(d), [("ana".to_owned(), 3)]);
    // A plain rename moves the journal.
    motif(d, "x", &["coders", "rename", "ana", "ana-m"]);
    assert_eq!(coders(d), [("ana-m".to_owned(), 3)]);
    let err = motif_err(d, &["coders", "rename", "nobody", "x"]);
    assert!(err.contains("no coder `nobody`"), "{err}");
}

#[test]
fn with_no_coder_set_nothing_is_written_and_the_message_says_how() {
    let team = Team::new();
    let d = &team.base;
    let before = std::fs::read(d.join("codings/ana.jsonl")).unwrap();
    let out = motif_cmd()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("USERNAME")
        .env_remove("MOTIF_CODER")
        .arg("--project")
        .arg(d)
        .args(["code", "p01", "--chars", "0-5", "docs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--coder NAME") && err.contains("motif.toml") && err.contains("MOTIF_CODER"),
        "{err}"
    );
    assert_eq!(std::fs::read(d.join("codings/ana.jsonl")).unwrap(), before);
    assert_eq!(coders(d).len(), 1);
    // MOTIF_CODER names the coder.
    let out = motif_cmd()
        .env_remove("USER")
        .env("MOTIF_CODER", "cleo")
        .arg("--project")
        .arg(d)
        .args(["code", "p01", "--chars", "0-5", "docs"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(coders(d).len(), 2);
}

#[test]
fn an_orphaned_coding_is_listed_with_its_id_and_removed_by_it_with_undo() {
    let team = Team::new();
    let d = &team.base;
    code(d, "ana", "Documentation is where we lose people", "docs");
    // The passage is rewritten: the coding's text is gone.
    edit(
        d,
        "transcripts/p01.txt",
        "Documentation is where we lose people.",
        "Tutorials matter.",
    );
    let out = motif_cmd()
        .env("USER", "ana")
        .arg("--project")
        .arg(d)
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let orphan = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "orphaned-coding")
        .unwrap();
    let id = orphan["coding"]["id"].as_str().unwrap().to_owned();
    assert_eq!(orphan["coding"]["coder"], "ana");
    assert_eq!(
        orphan["coding"]["quote"],
        "Documentation is where we lose people"
    );
    assert!(
        orphan["message"]
            .as_str()
            .unwrap()
            .contains(&format!("uncode --id {id}"))
    );
    // No span reaches it; its id does.
    let out = motif(d, "ana", &["uncode", "--id", &id]);
    assert!(out.contains(&format!("removed coding {id}")), "{out}");
    let check = motif(d, "ana", &["check"]);
    assert!(!check.contains("problem:"), "{check}");
    let err = motif_err(d, &["--coder", "ana", "uncode", "--id", &id]);
    assert!(err.contains(&format!("ana has no coding {id}")), "{err}");
    // Undo brings it back, orphaned as before.
    motif(d, "ana", &["undo"]);
    let out = motif_cmd()
        .arg("--project")
        .arg(d)
        .args(["check"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
}
