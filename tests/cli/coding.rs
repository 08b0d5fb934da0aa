//! Coding from the command line: spans in code points, lines, regex
//! matches, batches from files, uncoding, undo and redo.

use crate::util::{Proj, SAMPLE, cp_find, cp_slice};

fn segments(p: &Proj) -> Vec<serde_json::Value> {
    p.json(&["segments", "--json"]).as_array().unwrap().clone()
}

#[test]
fn char_offsets_are_code_points_through_cjk_and_emoji() {
    let p = Proj::with_sample();
    let start = cp_find(SAMPLE, "飞桨");
    let end = cp_find(SAMPLE, "🚀") + 1;
    let span = format!("{start}-{end}");
    let out = p.ok(&["code", "x", "--chars", &span, "theme", "--coder", "ana"]);
    assert!(
        out.contains(&format!("coded x {span} (line 3) as theme [ana]")),
        "{out}"
    );
    let segs = segments(&p);
    assert_eq!(segs.len(), 1);
    let s = &segs[0];
    assert_eq!(s["text"], cp_slice(SAMPLE, start, end));
    assert_eq!(
        s["text"],
        "飞桨 — PaddlePaddle — then PyTorch. Café talk 🚀"
    );
    assert_eq!(
        (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize
        ),
        (start, end)
    );
    assert_eq!(s["speaker"], "LI NA");
    assert_eq!(
        (s["line_start"].as_u64(), s["line_end"].as_u64()),
        (Some(3), Some(3))
    );
}

#[test]
fn lines_and_regex_matches() {
    let p = Proj::with_sample();
    p.ok(&[
        "code",
        "x",
        "--lines",
        "3-5",
        "sub",
        "--coder",
        "ana",
        "--memo",
        "answer with a gap",
    ]);
    let out = p.ok(&[
        "code",
        "x",
        "--match",
        "(?i)p[a-z]+torch|飞桨",
        "theme",
        "--coder",
        "ana",
    ]);
    assert!(out.contains("2 codings saved"), "{out}");
    let segs = segments(&p);
    let texts: Vec<&str> = segs.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"飞桨"));
    assert!(texts.contains(&"PyTorch"));
    let lines = segs.iter().find(|s| s["code"] == "theme/sub").unwrap();
    // The speaker label and timestamp are not part of what was said.
    assert!(lines["text"].as_str().unwrap().starts_with("我们"));
    assert!(
        lines["text"]
            .as_str()
            .unwrap()
            .ends_with("The tutorials were in English.")
    );
    assert_eq!(lines["memo"], "answer with a gap");
    for s in &segs {
        let (a, b) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(s["text"], cp_slice(SAMPLE, a, b));
    }
    // Each regex match is its own coding; the batch is one undo step.
    p.ok(&["undo", "--coder", "ana"]);
    assert_eq!(segments(&p).len(), 1);
}

#[test]
fn same_coding_twice_is_not_duplicated() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "2-9", "theme", "--coder", "ana"]);
    let out = p.ok(&["code", "x", "--chars", "2-9", "t", "--coder", "ana"]);
    assert!(out.contains("already coded"), "{out}");
    assert_eq!(segments(&p).len(), 1);
    // Another coder may code the same span.
    p.ok(&["code", "x", "--chars", "2-9", "theme", "--coder", "ben"]);
    assert_eq!(segments(&p).len(), 2);
}

#[test]
fn undo_and_redo_reach_across_processes_and_coders() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "5-9", "theme", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "9-12", "theme", "--coder", "ben"]);
    let out = p.ok(&["undo", "--coder", "ana"]);
    assert!(
        out.starts_with("undid: 1 coding added (x 5-9 theme)"),
        "{out}"
    );
    let left: Vec<String> = segments(&p)
        .iter()
        .map(|s| format!("{}:{}", s["coder"], s["start"]))
        .collect();
    assert_eq!(left, ["\"ana\":0", "\"ben\":9"]);
    p.ok(&["undo", "--coder", "ana"]);
    let err = p.fail(&["undo", "--coder", "ana"]);
    assert!(err.contains("nothing to undo for ana"), "{err}");
    p.ok(&["redo", "--coder", "ana"]);
    p.ok(&["redo", "--coder", "ana"]);
    assert!(
        p.fail(&["redo", "--coder", "ana"])
            .contains("nothing to redo")
    );
    assert_eq!(segments(&p).len(), 3);
    // Undo of an uncode brings the coding back.
    p.ok(&["uncode", "x", "--chars", "0-9", "--coder", "ana"]);
    assert_eq!(segments(&p).len(), 1);
    p.ok(&["undo", "--coder", "ana"]);
    assert_eq!(segments(&p).len(), 3);
}

#[test]
fn uncode_removes_only_what_lies_within_and_explains_otherwise() {
    let p = Proj::with_sample();
    p.ok(&[
        "code", "x", "--chars", "10-30", "theme", "sub", "--coder", "ana",
    ]);
    let err = p.fail(&["uncode", "x", "--chars", "12-20", "--coder", "ana"]);
    assert!(err.contains("overlap") && err.contains("10-30"), "{err}");
    let out = p.ok(&["uncode", "x", "--chars", "10-30", "sub", "--coder", "ana"]);
    assert!(
        out.contains("removed x 10-30") && out.contains("theme/sub"),
        "{out}"
    );
    let segs = segments(&p);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0]["code"], "theme");
}

#[test]
fn segments_csv_and_json_feed_code_from_in_another_project() {
    let p = Proj::with_sample();
    p.ok(&[
        "code",
        "x",
        "--lines",
        "3-3",
        "theme",
        "--coder",
        "ana",
        "--memo",
        "a \"quoted\", memo",
    ]);
    p.ok(&["code", "x", "--chars", "30-45", "sub", "--coder", "ben"]);
    let csv = p.ok(&["segments", "--csv"]);
    let json = p.ok(&["segments", "--json"]);
    for (name, body) in [("rows.csv", csv), ("rows.json", json.clone())] {
        let q = Proj::with_sample();
        q.write(name, body.as_bytes());
        let out = q.ok(&["code", "--from", q.path(name).to_str().unwrap()]);
        assert!(
            out.contains("ana: 1 coding(s) saved") && out.contains("ben: 1 coding(s) saved"),
            "{out}"
        );
        let strip = |v: serde_json::Value| -> Vec<(String, String, u64, u64, String, String)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["coder"].as_str().unwrap().into(),
                        s["code"].as_str().unwrap().into(),
                        s["start"].as_u64().unwrap(),
                        s["end"].as_u64().unwrap(),
                        s["text"].as_str().unwrap().into(),
                        s["memo"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        };
        assert_eq!(
            strip(serde_json::from_str(&json).unwrap()),
            strip(q.json(&["segments", "--json"]))
        );
        // Applying the same file again duplicates nothing.
        let again = q.ok(&["code", "--from", q.path(name).to_str().unwrap()]);
        assert!(again.contains("already there"), "{again}");
        assert_eq!(q.json(&["segments", "--json"]).as_array().unwrap().len(), 2);
    }
}

#[test]
fn bad_spans_and_names_change_nothing() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    let before = p.snapshot();
    let n = SAMPLE.chars().count();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "x".into(),
                "--chars".into(),
                format!("5-{}", n + 1),
                "theme".into(),
            ],
            "out of range",
        ),
        (
            vec!["x".into(), "--chars".into(), "9-4".into(), "theme".into()],
            "reversed",
        ),
        (
            vec!["x".into(), "--chars".into(), "4-4".into(), "theme".into()],
            "empty",
        ),
        (
            vec!["x".into(), "--lines".into(), "2-99".into(), "theme".into()],
            "out of range",
        ),
        (
            vec!["x".into(), "--chars".into(), "a-b".into(), "theme".into()],
            "not a range",
        ),
        (
            vec!["x".into(), "--chars".into(), "0-3".into(), "nope".into()],
            "unknown code `nope`",
        ),
        (
            vec![
                "nobody".into(),
                "--chars".into(),
                "0-3".into(),
                "theme".into(),
            ],
            "no transcript `nobody`",
        ),
        (
            vec!["x".into(), "--match".into(), "(".into(), "theme".into()],
            "bad regular expression",
        ),
        (
            vec![
                "x".into(),
                "--chars".into(),
                "0-3".into(),
                "theme".into(),
                "--coder".into(),
                "../evil".into(),
            ],
            "cannot be a coder name",
        ),
    ];
    for (args, msg) in cases {
        let mut full = vec!["code".to_owned()];
        full.extend(args);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let err = p.fail(&refs);
        assert!(err.contains(msg), "{full:?}: {err}");
        assert_eq!(before, p.snapshot(), "{full:?} changed the project");
    }
}

/// A coding saved while its report cannot be written (`> /dev/full`) says
/// it was saved, and it is there.
#[test]
fn a_saved_coding_whose_report_cannot_be_written_says_so() {
    if !std::path::Path::new("/dev/full").exists() {
        return; // Linux only; nothing to check elsewhere.
    }
    let p = crate::util::Proj::with_sample();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = crate::util::motif_cmd()
        .current_dir(&p.root)
        .args(["code", "x", "--chars", "0-5", "theme"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the change is saved"), "{err}");
    let segs = p.json(&["segments", "--json"]);
    assert_eq!(segs.as_array().unwrap().len(), 1, "{segs}");
}

#[test]
fn a_command_that_would_make_too_many_codings_asks_for_max() {
    let p = Proj::new();
    let mut body = String::new();
    for i in 0..1500 {
        body += "alpha beta ";
        body += &i.to_string();
        body += "\n\n";
    }
    p.write("in/long.txt", body.as_bytes());
    p.ok(&["import", p.path("in/long.txt").to_str().unwrap()]);
    p.ok(&["codes", "add", "greek", "-d", "Greek letters"]);
    let before = p.snapshot();
    let err = p.fail(&["code", "long", "--match", "alpha", "greek"]);
    assert!(err.contains("1500 codings"), "{err}");
    assert!(err.contains("--max 1500"), "{err}");
    assert_eq!(p.snapshot(), before, "nothing written");
    // Two codes: twice as many.
    p.ok(&["codes", "add", "letters", "-d", "Letters"]);
    let before = p.snapshot();
    let err = p.fail(&["code", "long", "--match", "beta", "greek", "letters"]);
    assert!(err.contains("3000 codings"), "{err}");
    assert_eq!(p.snapshot(), before);
    // Said so: it codes.
    p.ok(&["code", "long", "--match", "alpha", "greek", "--max", "1500"]);
    assert_eq!(segments(&p).len(), 1500);
    // Under the bound, no flag needed.
    p.ok(&["code", "long", "--match", "beta 7\\b", "letters"]);
    // search --autocode honours --max too.
    let before = p.snapshot();
    let err = p.fail(&["search", "beta", "--autocode", "letters", "--max", "10"]);
    assert!(
        err.contains("1500 codings") && err.contains("--max 1500"),
        "{err}"
    );
    assert_eq!(p.snapshot(), before);
    let err = p.fail(&["search", "beta", "--autocode", "letters"]);
    assert!(err.contains("1500 codings"), "{err}");
    p.ok(&["search", "beta", "--autocode", "letters", "--max", "2000"]);
    assert_eq!(segments(&p).len(), 3001);
}

/// A UTF-8 byte-order mark an editor put at the start of a journal does
/// not cost its first coding.
#[test]
fn a_bom_at_the_start_of_a_journal_costs_nothing() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "theme", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "6-9", "theme", "--coder", "ana"]);
    let journal = p.path("codings/ana.jsonl");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&journal).unwrap());
    std::fs::write(&journal, bytes).unwrap();
    let _ = std::fs::remove_dir_all(p.path(".motif/cache"));
    assert_eq!(segments(&p).len(), 2);
    let check = p.json(&["check", "--json"]);
    assert!(
        check["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["level"] != "problem"),
        "{check}"
    );
    // And it is appended to as before.
    p.ok(&["code", "x", "--chars", "10-12", "theme", "--coder", "ana"]);
    assert_eq!(segments(&p).len(), 3);
}

#[test]
fn a_passage_named_by_its_lines_is_the_same_however_the_blank_lines_around_it_are_named() {
    let p = Proj::with_sample();
    // Line 3 is LI NA's turn (label and stamp left out), lines 2 and 6
    // are blank.
    let first = p.ok(&["code", "x", "--lines", "2-3", "theme", "--coder", "ana"]);
    assert!(first.contains("(line 3)"), "{first}");
    let segs = segments(&p);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        segs[0]["text"],
        "我们用飞桨 — PaddlePaddle — then PyTorch. Café talk 🚀 helped."
    );
    for lines in ["3", "3-4", "2-4"] {
        let again = p.ok(&["code", "x", "--lines", lines, "theme", "--coder", "ana"]);
        assert!(again.contains("already coded"), "{lines}: {again}");
    }
    assert_eq!(segments(&p).len(), 1);
    // Lines 3-6 run on to the end of the turn's second paragraph.
    let more = p.ok(&["code", "x", "--lines", "3-6", "theme/sub", "--coder", "ana"]);
    assert!(more.contains("(lines 3-5)"), "{more}");
    let removed = p.ok(&["uncode", "x", "--lines", "2-4", "theme", "--coder", "ana"]);
    assert!(
        removed.contains("removed x") && removed.contains("(line 3)"),
        "{removed}"
    );
    assert_eq!(segments(&p).len(), 1);
}
