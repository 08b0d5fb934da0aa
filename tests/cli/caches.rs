//! The derived caches in `.motif/cache/` never change an answer: every
//! report is the same with fresh caches, with caches from earlier runs,
//! without caches, with damaged caches, and after the sources change under
//! them (a transcript edited on disk, a coding added, a journal rewritten).

use std::fmt::Write as _;
use std::fs;

use crate::util::{Proj, motif_cmd};

/// What a researcher reads from the project, minus the time of day.
fn answers(p: &Proj) -> Vec<String> {
    let commands: &[&[&str]] = &[
        &["segments", "--json"],
        &["export", "frequencies"],
        &[
            "export",
            "frequencies",
            "--coder",
            "ben",
            "--attr",
            "role=professor",
        ],
        &["export", "cooccurrence", "--json"],
        &["export", "matrix", "--by", "role", "--json"],
        &["agree", "--json"],
        &["check", "--json"],
        &["codes", "--json"],
        &["transcripts", "--json"],
    ];
    commands
        .iter()
        .map(|args| {
            let out = motif_cmd()
                .current_dir(&p.root)
                .args(*args)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| !l.contains("\"generated_at\""))
                .collect();
            format!("{args:?} → {}\n{}", out.status, kept.join("\n"))
        })
        .collect()
}

fn caches(p: &Proj) -> Vec<std::path::PathBuf> {
    let dir = p.path(".motif/cache");
    let mut v: Vec<_> = fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn assert_same(a: &[String], b: &[String], what: &str) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "{what}");
    }
}

#[test]
fn every_answer_is_the_same_with_without_and_with_damaged_caches() {
    let p = Proj::example();
    let first = answers(&p);
    assert!(first[1].contains("\"segments\""), "{}", first[1]);
    let files = caches(&p);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"transcripts.bin".to_owned()), "{names:?}");
    assert!(names.contains(&"span-words.bin".to_owned()), "{names:?}");
    // The example's journals are small: no snapshot is worth writing yet.
    assert_same(&first, &answers(&p), "with the caches of the first run");

    fs::remove_dir_all(p.path(".motif/cache")).unwrap();
    assert_same(&first, &answers(&p), "without caches");

    for (i, f) in caches(&p).iter().enumerate() {
        let mut bytes = fs::read(f).unwrap();
        match i % 3 {
            0 => bytes.truncate(bytes.len() / 2),
            1 => {
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0x01;
            }
            _ => bytes = b"motif-c\0garbage".to_vec(),
        }
        fs::write(f, bytes).unwrap();
    }
    assert_same(&first, &answers(&p), "with damaged caches");
}

#[test]
fn caches_follow_the_sources_when_they_change() {
    let p = Proj::example();
    // Large enough journals get snapshots: add a few hundred codings by
    // a third coder so that one is written.
    let mut rows = String::from("transcript,code,start,end\n");
    for i in 0..900 {
        let s = (i * 37) % 1400;
        let _ = writeln!(rows, "p01,experimentation,{s},{}", s + 20 + i % 50);
    }
    p.write("in/many.csv", rows.as_bytes());
    p.ok(&[
        "code",
        "--coder",
        "cleo",
        "--from",
        p.path("in/many.csv").to_str().unwrap(),
    ]);
    let first = answers(&p);
    assert!(
        caches(&p).iter().any(|f| f.ends_with("journal-cleo.bin")),
        "{:?}",
        caches(&p)
    );

    // A transcript edited on disk: codings re-anchor the same way.
    let t = p.path("transcripts/p02.txt");
    let text = fs::read_to_string(&t).unwrap();
    fs::write(
        &t,
        format!("[00:00:00] INTERVIEWER: Café ☕, 北京 — a new first line.\n\n{text}"),
    )
    .unwrap();
    // A coding added, and one undone.
    p.ok(&[
        "code",
        "--coder",
        "cleo",
        "p03",
        "--chars",
        "10-40",
        "community",
    ]);
    p.ok(&[
        "code", "--coder", "ana", "p04", "--chars", "5-25", "ideology",
    ]);
    p.ok(&["undo", "--coder", "ana"]);
    let cached = answers(&p);
    assert_ne!(cached, first, "the changes show");
    fs::remove_dir_all(p.path(".motif/cache")).unwrap();
    assert_same(&cached, &answers(&p), "after the sources changed");

    // A journal rewritten shorter than its snapshot (say, a checkout of an
    // older version) is replayed from the top.
    let j = p.path("codings/cleo.jsonl");
    let all = fs::read_to_string(&j).unwrap();
    let half: String = all.lines().take(300).flat_map(|l| [l, "\n"]).collect();
    fs::write(&j, half).unwrap();
    let with_cache = answers(&p);
    fs::remove_dir_all(p.path(".motif/cache")).unwrap();
    assert_same(&with_cache, &answers(&p), "after the journal was rewritten");
}
