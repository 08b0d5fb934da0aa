//! Importing every supported format, and normalization.

use crate::util::{Proj, fixture};

fn transcript_text(p: &Proj, id: &str) -> String {
    p.read(&format!("transcripts/{id}.txt"))
}

fn speakers(p: &Proj, id: &str) -> Vec<String> {
    let list = p.json(&["transcripts", "--json"]);
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    t["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn docx_becomes_turns_with_speakers_and_non_ascii() {
    let p = Proj::new();
    let out = p.ok(&[
        "import",
        fixture("import/interview-docx.docx").to_str().unwrap(),
    ]);
    assert!(out.contains("imported interview-docx"), "{out}");
    let text = transcript_text(&p, "interview-docx");
    assert!(
        text.starts_with("[00:00:04] INTERVIEWER: Thanks for joining."),
        "{text}"
    );
    assert!(text.contains("it wasn’t a decision & nobody voted"));
    assert!(text.contains("in Zürich and in 北京"));
    assert!(text.contains("community 🙂."));
    assert!(!text.contains('\r'));
    assert_eq!(speakers(&p, "interview-docx"), ["INTERVIEWER", "ZOË"]);
}

#[test]
fn vtt_voices_merge_into_turns() {
    let p = Proj::new();
    p.ok(&["import", fixture("import/zoom-call.vtt").to_str().unwrap()]);
    let text = transcript_text(&p, "zoom-call");
    assert_eq!(
        text,
        "[00:00:01] Ana Lima: So, how did the team settle on JAX?\n\n\
         [00:00:05] José Núñez: We didn’t, really. The research folks wanted jit and vmap, and the rest of us followed — 就这样.\n\n\
         [00:00:12] Ana Lima: And the tutorials?\n\n\
         [00:00:15] José Núñez: The docs were good enough that our interns never asked & just shipped.\n"
    );
    assert_eq!(speakers(&p, "zoom-call"), ["Ana Lima", "José Núñez"]);
}

#[test]
fn srt_with_crlf() {
    let p = Proj::new();
    p.ok(&[
        "import",
        fixture("import/teams-export.srt").to_str().unwrap(),
    ]);
    let text = transcript_text(&p, "teams-export");
    assert!(text.starts_with("[00:00:02] INTERVIEWER: Where did you learn deep learning?\n\n[00:00:05] PRIYA: From a free course, then the scikit-learn docs. Later I fixed a typo"), "{text}");
    assert_eq!(speakers(&p, "teams-export"), ["INTERVIEWER", "PRIYA"]);
}

#[test]
fn bom_and_crlf_text_is_normalized_once() {
    let p = Proj::new();
    let src = fixture("import/wpa-florida-excerpt.txt");
    let raw = std::fs::read(&src).unwrap();
    assert!(raw.starts_with(b"\xEF\xBB\xBF") && raw.windows(2).any(|w| w == b"\r\n"));
    p.ok(&["import", src.to_str().unwrap(), "--attr", "source=WPA"]);
    let text = transcript_text(&p, "wpa-florida-excerpt");
    assert!(!text.starts_with('\u{feff}'));
    assert!(!text.contains('\r'));
    let expected = String::from_utf8(raw[3..].to_vec())
        .unwrap()
        .replace("\r\n", "\n");
    assert_eq!(text, expected);
    assert!(p.read("attributes.csv").contains("wpa-florida-excerpt,WPA"));
}

#[test]
fn latin1_is_decoded_and_said() {
    let p = Proj::new();
    let out = p.run(&[
        "import",
        fixture("import/latin1-notes.txt").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("latin1-notes.txt") && err.contains("Windows-1252"),
        "{err}"
    );
    assert_eq!(
        transcript_text(&p, "latin1-notes"),
        "INTERVIEWER: Où étiez-vous?\nHÉLÈNE: Au café, à Montréal.\n"
    );
}

#[test]
fn utf16_with_bom() {
    let p = Proj::new();
    p.ok(&[
        "import",
        fixture("import/utf16-interview.txt").to_str().unwrap(),
    ]);
    assert_eq!(
        transcript_text(&p, "utf16-interview"),
        "INTERVIEWER: Hello\nKEN: こんにちは, 改善 matters.\n"
    );
}

#[test]
fn folders_keep_their_structure_and_existing_ids_need_replace() {
    let p = Proj::new();
    p.write("incoming/wave2/p03.txt", b"ANA: one\nBEN: two\n");
    p.write("incoming/p01.md", b"# notes\n\nANA: hi\n");
    p.ok(&[
        "import",
        p.path("incoming").to_str().unwrap(),
        "--into",
        "study",
    ]);
    let ids: Vec<String> = p
        .json(&["transcripts", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["study/p01", "study/wave2/p03"]);
    // The same file again (an import run twice): nothing changes.
    let before = p.snapshot();
    let out = p.ok(&[
        "import",
        p.path("incoming/wave2/p03.txt").to_str().unwrap(),
        "--into",
        "study/wave2",
    ]);
    assert!(
        out.contains("already imported") && out.contains("nothing changed"),
        "{out}"
    );
    assert_eq!(before, p.snapshot());
    // Another text under an existing id needs --replace.
    p.write("incoming/wave2/p03.txt", b"ANA: one changed\nBEN: two\n");
    let before = p.snapshot();
    let err = p.fail(&[
        "import",
        p.path("incoming/wave2/p03.txt").to_str().unwrap(),
        "--into",
        "study/wave2",
    ]);
    assert!(
        err.contains("already exists") && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
    p.ok(&[
        "import",
        p.path("incoming/wave2/p03.txt").to_str().unwrap(),
        "--into",
        "study/wave2",
        "--replace",
    ]);
    assert_eq!(
        p.read("transcripts/study/wave2/p03.txt"),
        "ANA: one changed\nBEN: two\n"
    );
}

#[test]
fn one_bad_file_imports_nothing() {
    let p = Proj::new();
    let before = p.snapshot();
    let good = fixture("import/zoom-call.vtt");
    let bad = fixture("bad/binary.txt");
    let err = p.fail(&["import", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(err.contains("binary.txt"), "{err}");
    assert_eq!(before, p.snapshot());
}

/// `--attr NAME=VALUE` reads the same way in import, the analysis filters
/// and search: one parser, and attribute names match the table's column
/// whatever their case (before, import and analysis compared names exactly
/// and search ignored case, so `--attr role=…` made a second column beside
/// `Role`).
#[test]
fn attribute_names_follow_one_rule_everywhere() {
    let p = Proj::new();
    p.write(
        "in/a.txt",
        "INTERVIEWER: How did you start?\nANA: With a tutorial on notebooks.\n".as_bytes(),
    );
    p.write(
        "in/b.txt",
        "INTERVIEWER: And you?\nBEN: Reading the notebooks of others.\n".as_bytes(),
    );
    p.ok(&[
        "import",
        p.path("in/a.txt").to_str().unwrap(),
        "--attr",
        "Role=student",
    ]);
    p.ok(&[
        "import",
        p.path("in/b.txt").to_str().unwrap(),
        "--attr",
        "role=pi",
    ]);
    assert_eq!(p.read("attributes.csv"), "id,Role\na,student\nb,pi\n");
    let f = p.json(&["export", "frequencies", "--attr", "ROLE=student"]);
    assert_eq!(f["totals"]["transcripts"], 1, "{f}");
    let hits = p.json(&["search", "notebooks", "--attr", "role=pi", "--json"]);
    let ids: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["transcript"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["b"], "{hits}");
    for bad in ["id=3", "role"] {
        let before = p.snapshot();
        let err = p.fail(&[
            "import",
            p.path("in/a.txt").to_str().unwrap(),
            "--replace",
            "--attr",
            bad,
        ]);
        assert!(
            err.contains("NAME=VALUE") || err.contains("plain word"),
            "{err}"
        );
        assert_eq!(p.snapshot(), before, "a refused import changed nothing");
    }
}

/// A table a spreadsheet wrote (CRLF line ends, a note with line breaks
/// inside quotes, accents and CJK) comes back from a rewrite with every
/// value and line end as it was; re-importing an unchanged transcript with
/// `--attr` says the value was set instead of "nothing changed".
#[test]
fn a_spreadsheets_table_survives_a_rewrite_byte_for_byte() {
    let p = Proj::with_sample();
    p.write("in/y.txt", "A: hello\r\nB: 再见 🚀\r\n".as_bytes());
    p.ok(&["import", p.path("in/y.txt").to_str().unwrap()]);
    let table =
        "id,note,site\r\nx,\"first line\r\nsecond\rthird, with a comma\",Montréal\r\ny,,東京\r\n";
    p.write("attributes.csv", table.as_bytes());
    let out = p.ok(&[
        "import",
        p.path("in/y.txt").to_str().unwrap(),
        "--attr",
        "wave=2",
    ]);
    assert!(
        out.contains("y is already imported") && !out.contains("nothing changed"),
        "{out}"
    );
    assert!(out.contains("attributes.csv: 1 value(s) set"), "{out}");
    assert_eq!(
        p.read("attributes.csv"),
        "id,note,site,wave\r\nx,\"first line\r\nsecond\rthird, with a comma\",Montréal,\r\ny,,東京,2\r\n"
    );
    // The same again changes nothing, and says so.
    let out = p.ok(&[
        "import",
        p.path("in/y.txt").to_str().unwrap(),
        "--attr",
        "wave=2",
    ]);
    assert!(out.contains("nothing changed"), "{out}");
    assert!(!out.contains("value(s) set"), "{out}");
    // The note reads back whole, its line breaks included.
    let rows = p.json(&["transcripts", "--json"]);
    let x = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "x")
        .unwrap();
    assert_eq!(
        x["attributes"]["note"], "first line\r\nsecond\rthird, with a comma",
        "{x}"
    );
}
