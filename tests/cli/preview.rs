//! `motif import --preview` and the reading overrides (`--speakers`,
//! `--no-speakers`, `--speaker-pattern`, `--reflow`), remembered in
//! `import.toml` so that `--replace` reads a file the same way.

use crate::util::{Proj, fixture};

fn f(name: &str) -> String {
    fixture(&format!("import/{name}"))
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn preview_writes_nothing_and_its_counts_are_the_imports() {
    let p = Proj::with_sample();
    let files = [
        f("otter.txt"),
        f("mixed-case.txt"),
        f("interview.md"),
        f("table-interview.docx"),
    ];
    let mut args = vec!["import", "--preview", "--json"];
    args.extend(files.iter().map(String::as_str));
    let before = p.snapshot();
    let preview = p.json(&args);
    assert_eq!(p.snapshot(), before, "--preview wrote nothing");
    let text_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let shown = p.ok(&text_args);
    assert_eq!(p.snapshot(), before);
    assert!(
        shown.contains("otter ← ") && shown.contains("Speaker 1 (2), João Silva (2)"),
        "{shown}"
    );
    assert!(
        shown.contains("[00:00:03] Speaker 1: Thanks for joining me today."),
        "{shown}"
    );
    assert!(shown.contains("nothing was written"), "{shown}");

    let rows = preview.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let otter = &rows[0];
    assert_eq!(otter["id"], "otter");
    assert_eq!(otter["format"], "text (speaker and time headings)");
    assert_eq!(otter["timed"], true);
    assert_eq!(
        otter["speakers"],
        serde_json::json!([{"name": "Speaker 1", "turns": 2}, {"name": "João Silva", "turns": 2}])
    );
    assert_eq!(rows[1]["timed"], false);
    assert_eq!(rows[2]["format"], "markdown");

    let mut import = vec!["import"];
    import.extend(files.iter().map(String::as_str));
    let said = p.ok(&import);
    let listed = p.json(&["transcripts", "--json"]);
    for row in rows {
        let id = row["id"].as_str().unwrap();
        let t = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap();
        assert_eq!(t["turns"], row["turns"], "{id}");
        assert_eq!(t["words"], row["words"], "{id}");
        let names: Vec<&serde_json::Value> = row["speakers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["name"])
            .collect();
        assert_eq!(
            t["speakers"].as_array().unwrap().iter().collect::<Vec<_>>(),
            names
        );
        let words = row["words"].as_u64().unwrap();
        let line = format!(
            "imported {id} from {}: {words} words, {} speaker turns",
            files.iter().find(|x| x.contains(id)).unwrap(),
            row["turns"]
        );
        assert!(said.contains(&line), "{line} in {said}");
    }
}

#[test]
fn speakers_override_is_remembered_for_replace() {
    let p = Proj::new();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("talk.txt");
    std::fs::copy(fixture("import/mixed-case.txt"), &src).unwrap();
    let src_s = src.to_str().unwrap();
    let out = p.ok(&["import", src_s, "--speakers", "interviewer"]);
    assert!(out.contains("3 speaker turns (Interviewer)"), "{out}");
    let remembered = p.read("import.toml");
    assert!(
        remembered.contains("[talk]") && remembered.contains("speakers = [\"interviewer\"]"),
        "{remembered}"
    );
    // A new version of the file, imported again without the flag: read
    // the same way.
    let mut text = std::fs::read_to_string(&src).unwrap();
    text.push_str("\nSam: One more thing.\n");
    std::fs::write(&src, text).unwrap();
    let out = p.ok(&["import", src_s, "--replace"]);
    assert!(out.contains("3 speaker turns (Interviewer)"), "{out}");
    let listed = p.json(&["transcripts", "--json"]);
    assert_eq!(listed[0]["speakers"], serde_json::json!(["Interviewer"]));
    assert_eq!(listed[0]["turns"], 3);

    // --no-speakers, then a pattern.
    p.ok(&["import", src_s, "--replace", "--no-speakers"]);
    assert_eq!(p.json(&["transcripts", "--json"])[0]["turns"], 0);
    assert!(p.read("import.toml").contains("no_speakers = true"));
    p.ok(&[
        "import",
        src_s,
        "--replace",
        "--speaker-pattern",
        "(?i)(?P<speaker>sam):",
    ]);
    let listed = p.json(&["transcripts", "--json"]);
    assert_eq!(listed[0]["speakers"], serde_json::json!(["Sam"]));
    assert_eq!(listed[0]["turns"], 4);
}

/// Search reads speakers as the transcript is read: an override given at
/// import (and changed later with the same text) is what `speaker:` finds.
#[test]
fn search_follows_a_changed_speakers_override_of_the_same_text() {
    let p = Proj::new();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("talk.txt");
    std::fs::copy(fixture("import/mixed-case.txt"), &src).unwrap();
    let src_s = src.to_str().unwrap();
    p.ok(&["import", src_s]);
    let hits =
        |q: &str| -> usize { p.json(&["search", q, "--json"])["total"].as_u64().unwrap() as usize };
    assert_eq!(hits("speaker:sam along"), 1);
    p.ok(&["import", src_s, "--replace", "--speakers", "interviewer"]);
    // Sam is no speaker now: their lines belong to the interviewer's turns.
    assert_eq!(hits("speaker:sam along"), 0);
    assert_eq!(hits("speaker:interviewer along"), 1);
    p.ok(&["import", src_s, "--replace", "--no-speakers"]);
    assert_eq!(hits("speaker:interviewer along"), 0);
    assert_eq!(hits("along"), 1);
}

#[test]
fn a_speaker_pattern_without_a_speaker_group_is_refused_and_changes_nothing() {
    let p = Proj::with_sample();
    let before = p.snapshot();
    for args in [
        vec!["import", &*f("q-and-a.txt"), "--speaker-pattern", r"(\w+):"],
        vec![
            "import",
            &*f("q-and-a.txt"),
            "--preview",
            "--speaker-pattern",
            r"(\w+):",
        ],
    ] {
        let err = p.fail(&args);
        assert!(
            err.contains(r"the speaker pattern `(\w+):` has no group named `speaker`"),
            "{err}"
        );
    }
    let err = p.fail(&[
        "import",
        &*f("q-and-a.txt"),
        "--speaker-pattern",
        "(?P<speaker>",
    ]);
    assert!(err.contains("is not a valid regular expression"), "{err}");
    assert_eq!(p.snapshot(), before);
}

#[test]
fn reflow_joins_hard_wrapped_prose() {
    let p = Proj::new();
    p.ok(&["import", &*f("wpa-missouri-excerpt.txt"), "--reflow"]);
    let text = p.read("transcripts/wpa-missouri-excerpt.txt");
    assert!(
        text.contains("NOTE: George Bollinger and his family live in a nice one-and-one-half story house, which they own."),
        "{text}"
    );
    assert!(p.read("import.toml").contains("reflow = true"));
    assert_eq!(p.json(&["transcripts", "--json"])[0]["turns"], 0);
}
