//! Vendor transcript layouts (tests/fixtures/import/README.md says what
//! each fixture imitates) import with the right speakers, turns and times;
//! prose gets no invented speakers; the counts import reports are those
//! `transcripts --json` lists.

use serde_json::Value;

use crate::util::{Proj, fixture};

/// Imports `name` from tests/fixtures/import and returns what import
/// printed, the stored text and the `transcripts --json` row.
fn import(p: &Proj, name: &str) -> (String, String, Value) {
    let out = p.ok(&[
        "import",
        fixture(&format!("import/{name}")).to_str().unwrap(),
    ]);
    let id = name.rsplit_once('.').unwrap().0;
    let id = id.rsplit('/').next().unwrap();
    let text = p.read(&format!("transcripts/{id}.txt"));
    let list = p.json(&["transcripts", "--json"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
        .clone();
    (out, text, row)
}

fn speakers(row: &Value) -> Vec<String> {
    row["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The turns' timestamps, in order, as stored (`[hh:mm:ss]` at a line's
/// start).
fn stamps(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('[')?;
            let (t, _) = rest.split_once(']')?;
            t.bytes()
                .all(|b| b.is_ascii_digit() || b == b':')
                .then(|| t.to_owned())
        })
        .collect()
}

/// A fixture, its speakers, its speaker turns, and its first and last
/// time (none: untimed).
type Case = (
    &'static str,
    &'static [&'static str],
    u64,
    Option<(&'static str, &'static str)>,
);

const CASES: &[Case] = &[
    (
        "otter.txt",
        &["Speaker 1", "João Silva"],
        4,
        Some(("00:00:03", "00:00:24")),
    ),
    (
        "rev.txt",
        &["Interviewer", "Zoë Adams"],
        4,
        Some(("00:00:02", "00:00:17")),
    ),
    (
        "temi.txt",
        &["Speaker 1", "Speaker 2"],
        4,
        Some(("00:00:01", "00:00:14")),
    ),
    (
        "trint.txt",
        &["Ana Moreno", "Kenji Sato"],
        4,
        Some(("00:00:04", "00:01:18")),
    ),
    (
        "sonix.txt",
        &["Ana Moreno", "Kenji Sato"],
        4,
        Some(("00:00:04", "00:01:18")),
    ),
    (
        "descript.txt",
        &["Interviewer", "Dana"],
        4,
        Some(("00:00:00", "00:00:12")),
    ),
    (
        "zoom.txt",
        &["Ana Lima", "José Núñez"],
        3,
        Some(("10:15:32", "10:15:40")),
    ),
    (
        "teams.txt",
        &["Ana Lima", "José Núñez"],
        3,
        Some(("00:00:03", "00:01:02")),
    ),
    (
        "nvivo-transcription.txt",
        &["Interviewer", "Respondent 1"],
        4,
        Some(("00:00:05", "00:00:23")),
    ),
    (
        "maxqda-f4.txt",
        &["I", "B"],
        4,
        Some(("00:00:00", "00:00:15")),
    ),
    ("bracket-names.txt", &["Moderator", "Priya"], 5, None),
    ("q-and-a.txt", &["Q", "A"], 4, None),
    ("mixed-case.txt", &["Interviewer", "Sam"], 6, None),
    ("interview.md", &["Interviewer", "Ana"], 4, None),
    ("short-interview.docx", &["Interviewer", "Sam"], 2, None),
    (
        "table-interview.docx",
        &["Interviewer", "Lukas Müller"],
        4,
        Some(("00:00:03", "00:00:24")),
    ),
    ("table-two-columns.docx", &["Interviewer", "Amara"], 4, None),
];

#[test]
fn vendor_layouts_get_their_speakers_turns_and_times() {
    for case in CASES {
        check(case);
    }
}

fn check(&(name, want, turns, times): &Case) {
    let p = Proj::new();
    let (out, text, row) = import(&p, name);
    assert_eq!(speakers(&row), want, "{name}: {text}");
    assert_eq!(row["turns"], turns, "{name}: {text}");
    assert!(
        out.contains(&format!(" {turns} speaker turns")),
        "{name}: import said {out}"
    );
    let found = stamps(&text);
    match times {
        Some((first, last)) => {
            assert_eq!(
                found.len() as u64,
                turns,
                "{name}: every turn timed: {text}"
            );
            assert_eq!(found.first().map(String::as_str), Some(first), "{name}");
            assert_eq!(found.last().map(String::as_str), Some(last), "{name}");
        }
        None => assert!(found.is_empty(), "{name}: {text}"),
    }
    // Importing the stored text again reads it the same way.
    let again = Proj::new();
    let stored = p.path(&format!(
        "transcripts/{}.txt",
        name.rsplit_once('.').unwrap().0
    ));
    again.ok(&["import", stored.to_str().unwrap()]);
    assert_eq!(
        again.read(&format!(
            "transcripts/{}.txt",
            name.rsplit_once('.').unwrap().0
        )),
        text,
        "{name}: the stored form is read as it is"
    );
}

#[test]
fn otter_footer_and_markdown_markup_are_gone() {
    let p = Proj::new();
    let (_, otter, _) = import(&p, "otter.txt");
    assert!(!otter.contains("otter.ai"), "{otter}");
    assert!(otter.ends_with("Then it just kept going.\n"), "{otter}");
    let (_, md, _) = import(&p, "interview.md");
    assert!(
        md.starts_with(
            "Interview with Ana — wave 2\n\nInterviewer: How did you first hear about the project?"
        ),
        "{md}"
    );
    assert!(
        md.contains("\n\nFollow-up\n\nInterviewer: And then?"),
        "{md}"
    );
    for mark in ["**", "##", "](", "`", "_first_"] {
        assert!(!md.contains(mark), "{mark} left in {md}");
    }
    let (_, table, _) = import(&p, "table-two-columns.docx");
    // A table of facts stays rows, one paragraph each.
    assert!(
        table.contains("\n\nParticipant\tAmara\n\nSite\tLagos, remote\n"),
        "{table}"
    );
}

#[test]
fn nasa_stamps_above_turns_each_start_their_turn() {
    let p = Proj::new();
    let (_, text, row) = import(&p, "spacelog-a11-cm-excerpt.txt");
    let raw = std::fs::read_to_string(fixture("import/spacelog-a11-cm-excerpt.txt")).unwrap();
    let raw_stamps = raw.lines().filter(|l| l.starts_with("[00:")).count();
    assert_eq!(
        stamps(&text).len(),
        raw_stamps,
        "every stamp kept, on its own turn"
    );
    assert_eq!(row["turns"], raw_stamps as u64);
    assert!(
        text.starts_with("[00:28:53] LMP: How are we doing on that time"),
        "{text}"
    );
    assert!(!text.contains("_page"), "{text}");
    for l in text.lines().filter(|l| !l.is_empty()) {
        assert!(l.starts_with('['), "a stamp inside a turn: {l}");
    }
    assert_eq!(speakers(&row), ["LMP", "CDR", "CMP"]);
}

#[test]
fn narratives_get_no_speakers_from_prose() {
    let p = Proj::new();
    for name in [
        "wpa-florida-excerpt.txt",
        "wpa-missouri-excerpt.txt",
        "wpa-south-carolina-excerpt.txt",
    ] {
        let raw = std::fs::read_to_string(fixture(&format!("import/{name}"))).unwrap();
        let (out, text, row) = import(&p, name);
        assert!(speakers(&row).is_empty(), "{name}: {:?}", row["speakers"]);
        assert_eq!(row["turns"], 0, "{name}");
        assert!(out.contains(" 0 speaker turns"), "{out}");
        // Prose is stored as it was written.
        assert_eq!(
            text,
            raw.trim_start_matches('\u{feff}').replace("\r\n", "\n")
        );
    }
}

#[test]
fn labels_and_timestamps_are_not_words_anywhere() {
    let p = Proj::new();
    let (out, _, row) = import(&p, "rev.txt");
    // 4 turns of 37 words; their labels and times are not words.
    let words = row["words"].as_u64().unwrap();
    assert_eq!(words, 37);
    assert!(out.contains(&format!("{words} words")), "{out}");
    let w = p.json(&["words", "--json"]);
    assert_eq!(w["total"], words);
    assert!(
        !w["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["word"] == "zoë" || x["word"] == "00"),
        "{w}"
    );
}

#[test]
fn a_text_pdf_imports_with_its_speakers_without_running_headers() {
    let p = Proj::new();
    let (out, text, row) = import(&p, "pdf/interview.pdf");
    assert_eq!(speakers(&row), ["Interviewer", "Sam Okafor"], "{text}");
    assert_eq!(row["turns"], 6, "{text}");
    assert!(out.contains("imported interview from"), "{out}");
    assert!(
        text.starts_with("Interviewer: Thanks for joining. How did the café group start?"),
        "{text}"
    );
    assert!(
        text.contains("Sam Okafor: Not at all. It is how I relax."),
        "{text}"
    );
    for running in ["Northside Transcription", "Page 1", "Page 2"] {
        assert!(!text.contains(running), "{running} left in {text}");
    }
}
