//! REFI-QDA with the files real tools write: positions counted in UTF-16
//! units (`NVivo`) or code points, decided per source and reported; what
//! motif cannot represent kept and written back; round trips that keep
//! every coding's text, user, GUID and colour.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::refi::{entry, ok, s, segments_of, validate, write_qdpx};

/// A source as tools store it: a BOM (not counted by `NVivo`), CRLF, emoji
/// (with a skin-tone modifier), CJK outside the BMP (𠮷).
const RAW: &str = "\u{feff}ANA: 🚀🚀 Launch day 👍🏽 was fun.\r\nBEN: 𠮷野家 near the station, every day.\r\nANA: CDC announces 79% of all cases 😷 today.\r\n";

/// The quotes coded in it.
const QUOTES: [&str; 4] = [
    "Launch day",
    "was fun",
    "near the station",
    "CDC announces 79% of all cases",
];

/// (start, end) of `needle` in the raw text (BOM not counted, CRLF as
/// two) in UTF-16 units or code points.
fn raw_pos(needle: &str, utf16: bool) -> (usize, usize) {
    let text = RAW.trim_start_matches('\u{feff}');
    let at = text.find(needle).unwrap();
    let count = |t: &str| {
        if utf16 {
            t.encode_utf16().count()
        } else {
            t.chars().count()
        }
    };
    let a = count(&text[..at]);
    (a, a + count(needle))
}

/// A project.qde with the quotes coded; `names`: selections named by
/// their quote (else empty names, as `NVivo` writes).
fn qde(origin: Option<&str>, utf16: bool, names: bool) -> String {
    let mut sels = String::new();
    for (i, q) in QUOTES.iter().enumerate() {
        let (a, b) = raw_pos(q, utf16);
        let name = if names { *q } else { "" };
        let _ = write!(
            sels,
            r#"<PlainTextSelection guid="00000000-0000-4000-8000-0000000001{i:02}" name="{name}" startPosition="{a}" endPosition="{b}" creatingUser="00000000-0000-4000-8000-00000000000a"><Coding guid="00000000-0000-4000-8000-0000000002{i:02}" creatingUser="00000000-0000-4000-8000-00000000000a"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>"#
        );
    }
    let origin = origin
        .map(|o| format!(r#" origin="{o}""#))
        .unwrap_or_default();
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="emoji"{origin}><Users><User guid="00000000-0000-4000-8000-00000000000a" name="Ana"/></Users><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="moments" isCodable="true" color="#AA3311"/></Codes></CodeBook><Sources><TextSource guid="00000000-0000-4000-8000-0000000000ff" name="comments" plainTextPath="internal://comments.txt">{sels}</TextSource></Sources></Project>"##
    )
}

fn import_json(file: &Path, into: &Path) -> Value {
    let (out, _) = ok(&[
        "import-qdpx",
        s(file),
        "--into",
        s(into),
        "--coder",
        "me",
        "--json",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn texts(root: &Path) -> Vec<String> {
    let mut t: Vec<String> = segments_of(root).into_iter().map(|x| x.3).collect();
    t.sort();
    t
}

fn expected() -> Vec<String> {
    let mut t: Vec<String> = QUOTES.iter().map(|q| (*q).to_owned()).collect();
    t.sort();
    t
}

/// Every combination of count, origin and names: each coding comes back
/// with its exact text and the reading chosen is reported.
#[test]
fn positions_in_utf16_units_or_code_points_come_back_exact() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for origin in [Some("NVivo for Windows 12.6"), Some("QualCoder 3.5"), None] {
        for utf16 in [true, false] {
            for names in [true, false] {
                n += 1;
                let file = dir.path().join(format!("{n}.qdpx"));
                write_qdpx(
                    &file,
                    &[
                        ("project.qde", qde(origin, utf16, names).as_bytes()),
                        ("sources/comments.txt", RAW.as_bytes()),
                    ],
                );
                let into = dir.path().join(format!("p{n}"));
                let report = import_json(&file, &into);
                let case = format!("{origin:?} utf16={utf16} names={names}");
                assert_eq!(texts(&into), expected(), "{case}");
                let p = &report["positions"][0];
                assert_eq!(p["transcript"], "comments", "{case}");
                assert_eq!(
                    p["unit"],
                    if utf16 { "utf16" } else { "code-points" },
                    "{case}: {p}"
                );
                assert_eq!(p["crlf_as_one"], false, "{case}");
                assert!(p["why"].as_str().is_some_and(|w| !w.is_empty()), "{case}");
                // The human summary says it too.
                let (out, _) = ok(&[
                    "import-qdpx",
                    s(&file),
                    "--into",
                    s(&dir.path().join(format!("q{n}"))),
                    "--coder",
                    "me",
                ]);
                let unit = if utf16 { "UTF-16 units" } else { "code points" };
                assert!(
                    out.contains(&format!("positions of comments: {unit}")),
                    "{case}: {out}"
                );
            }
        }
    }
}

/// When the file does not settle the count, the import says so.
#[test]
fn a_reading_that_is_not_clear_cut_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // One selection placed on word boundaries under both counts, no names,
    // no origin.
    let text = "🚀 a b c d e";
    let q = r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="c" isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="00000000-0000-4000-8000-0000000000ff" name="t" plainTextPath="internal://t.txt"><PlainTextSelection guid="00000000-0000-4000-8000-000000000100" startPosition="4" endPosition="5"><Coding guid="00000000-0000-4000-8000-000000000200"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection></TextSource></Sources></Project>"#;
    let file = dir.path().join("x.qdpx");
    write_qdpx(
        &file,
        &[
            ("project.qde", q.as_bytes()),
            ("sources/t.txt", text.as_bytes()),
        ],
    );
    let into = dir.path().join("p");
    let (out, err) = ok(&["import-qdpx", s(&file), "--into", s(&into), "--coder", "me"]);
    assert!(out.contains("NOT clear-cut"), "{out}");
    assert!(err.contains("could be counted more than one way"), "{err}");
    let report = import_json(&file, &dir.path().join("p2"));
    assert_eq!(report["positions"][0]["clear"], false);
    assert_eq!(report["positions"][0]["basis"], "standard");
}

/// `export qdpx --positions utf16` / `--for nvivo` counts UTF-16 units;
/// the default counts code points; motif reads either back exactly.
#[test]
fn export_for_a_tool_counts_its_way() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.qdpx");
    write_qdpx(
        &file,
        &[
            (
                "project.qde",
                qde(Some("NVivo for Mac 12.7"), true, false).as_bytes(),
            ),
            ("sources/comments.txt", RAW.as_bytes()),
        ],
    );
    let p = dir.path().join("p");
    import_json(&file, &p);
    let normalized = RAW.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    for (flags, utf16) in [
        (vec![], false),
        (vec!["--positions", "utf16"], true),
        (vec!["--for", "nvivo"], true),
        (vec!["--for", "qualcoder"], false),
    ] {
        let out = dir.path().join(format!("out-{}.qdpx", flags.join("")));
        let mut args = vec!["--project", s(&p), "export", "qdpx", "-o", s(&out)];
        args.extend(flags.iter().copied());
        ok(&args);
        let qde = String::from_utf8(entry(&out, "project.qde")).unwrap();
        let at = normalized.find("CDC").unwrap();
        let want = if utf16 {
            normalized[..at].encode_utf16().count()
        } else {
            normalized[..at].chars().count()
        };
        assert!(
            qde.contains(&format!("startPosition=\"{want}\"")),
            "{flags:?}"
        );
        let x = dir.path().join("x.qde");
        std::fs::write(&x, &qde).unwrap();
        validate(&x, "Project.xsd");
        let back = dir.path().join(format!("back-{}", flags.join("")));
        import_json(&out, &back);
        assert_eq!(texts(&back), expected(), "{flags:?}");
    }
}

/// An `NVivo`-style project with everything motif has no field for.
fn nvivo_full_qde() -> String {
    let text = "Board minutes 2017.\r\nWe agreed 👍 to publish.\r\n";
    let t = text;
    let pos = |q: &str| {
        let at = t.find(q).unwrap();
        let a = t[..at].encode_utf16().count();
        (a, a + q.encode_utf16().count())
    };
    let (a, b) = pos("to publish");
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="board" origin="NVivo for Windows 12.6">
<Users>
<User guid="{{AAAAAAAA-0000-4000-8000-00000000000A}}" name="Ana Lopez" id="ANA"/>
<User guid="{{BBBBBBBB-0000-4000-8000-00000000000B}}" name="Ben"/>
<User guid="{{CCCCCCCC-0000-4000-8000-00000000000C}}" name="Cleo Idle"/>
</Users>
<CodeBook><Codes>
<Code guid="{{DDDDDDDD-0000-4000-8000-000000000001}}" name="decisions" isCodable="true" color="#AA3311"/>
<Code guid="dddddddd-0000-4000-8000-000000000002" name="folder" isCodable="false"><NoteRef targetGUID="eeeeeeee-0000-4000-8000-000000000002"/></Code>
</Codes></CodeBook>
<Variables><Variable guid="ffffffff-0000-4000-8000-000000000001" name="year" typeOfVariable="Integer"/></Variables>
<Cases><Case guid="ffffffff-0000-4000-8000-000000000002" name="board"><VariableValue><VariableRef targetGUID="ffffffff-0000-4000-8000-000000000001"/><IntegerValue>2017</IntegerValue></VariableValue><SourceRef targetGUID="{{11111111-0000-4000-8000-0000000000FF}}"/></Case></Cases>
<Sources>
<TextSource guid="{{11111111-0000-4000-8000-0000000000FF}}" plainTextPath="internal://board_2017.txt">
<PlainTextSelection guid="{{22222222-0000-4000-8000-000000000001}}" name="" startPosition="{a}" endPosition="{b}" creatingUser="{{BBBBBBBB-0000-4000-8000-00000000000B}}" creationDateTime="2021-12-13T18:12:22Z">
<Coding guid="33333333-0000-4000-8000-000000000001" creatingUser="{{AAAAAAAA-0000-4000-8000-00000000000A}}" creationDateTime="2021-12-14T09:00:00Z"><CodeRef targetGUID="{{DDDDDDDD-0000-4000-8000-000000000001}}"/></Coding>
<NoteRef targetGUID="eeeeeeee-0000-4000-8000-000000000003"/>
</PlainTextSelection>
<NoteRef targetGUID="eeeeeeee-0000-4000-8000-000000000001"/>
</TextSource>
<PictureSource guid="44444444-0000-4000-8000-000000000001" name="whiteboard photo" path="internal://whiteboard.png"/>
</Sources>
<Notes>
<Note guid="eeeeeeee-0000-4000-8000-000000000001" name="source note"><PlainTextContent>About the board.</PlainTextContent></Note>
<Note guid="eeeeeeee-0000-4000-8000-000000000002" name="code note"><PlainTextContent>Only a folder.</PlainTextContent></Note>
<Note guid="eeeeeeee-0000-4000-8000-000000000003" name="selection note"><PlainTextContent>Unanimous.</PlainTextContent></Note>
<Note guid="eeeeeeee-0000-4000-8000-000000000004" name="project note"><PlainTextContent>The whole study.</PlainTextContent></Note>
</Notes>
<Links><Link guid="55555555-0000-4000-8000-000000000001" name="supports" originGUID="dddddddd-0000-4000-8000-000000000002" targetGUID="{{DDDDDDDD-0000-4000-8000-000000000001}}"/></Links>
<Sets>
<Set guid="66666666-0000-4000-8000-000000000001" name="key codes"><MemberCode targetGUID="{{DDDDDDDD-0000-4000-8000-000000000001}}"/></Set>
<Set guid="66666666-0000-4000-8000-000000000002" name="2017 documents"><Description>Board papers</Description><MemberSource targetGUID="{{11111111-0000-4000-8000-0000000000FF}}"/></Set>
</Sets>
<Graphs><Graph guid="77777777-0000-4000-8000-000000000001" name="decision map"><Vertex guid="77777777-0000-4000-8000-000000000002" representedGUID="dddddddd-0000-4000-8000-000000000002" firstX="0" firstY="0"/></Graph></Graphs>
<NoteRef targetGUID="eeeeeeee-0000-4000-8000-000000000004"/>
</Project>"##
    )
}

/// What the import of [`nvivo_full_qde`] into `p` must have done
/// (`out`: its summary).
fn imported_in_full(p: &Path, out: &str) {
    // What motif cannot represent is listed by name.
    for name in [
        "picture source `whiteboard photo`",
        "link `supports`",
        "graph `decision map`",
    ] {
        assert!(out.contains(name), "{name}: {out}");
    }
    // Memos on the source, the code, the selection (its coding) and the project.
    let memo = |args: &[&str]| -> String {
        let mut all = vec!["--project", s(p), "memo"];
        all.extend_from_slice(args);
        ok(&all).0
    };
    assert!(memo(&["--transcript", "board_2017"]).contains("About the board."));
    assert!(memo(&["--on-project"]).contains("The whole study."));
    let (codes, _) = ok(&["--project", s(p), "codes", "--json"]);
    assert!(codes.contains("#aa3311"), "{codes}");
    // Cases become attributes.
    let attrs = std::fs::read_to_string(p.join("attributes.csv")).unwrap();
    assert!(attrs.contains("board_2017,2017"), "{attrs}");
    // A document set is an attribute of its members too.
    assert!(
        attrs
            .lines()
            .next()
            .unwrap()
            .contains("set: 2017 documents"),
        "{attrs}"
    );
    assert!(attrs.contains("board_2017,2017,yes"), "{attrs}");
}

/// What the export of [`nvivo_full_qde`] must say, as the file said it.
fn exported_as_it_came(qde: &str) {
    // The set's column goes back as the set, not as a variable.
    assert!(
        !qde.contains("name=\"set: 2017 documents\" typeOfVariable"),
        "{qde}"
    );
    for want in [
        // a user without codings, with its GUID and name as written
        r#"guid="{CCCCCCCC-0000-4000-8000-00000000000C}" name="Cleo Idle""#,
        r#"guid="{AAAAAAAA-0000-4000-8000-00000000000A}" name="Ana Lopez" id="ANA""#,
        // isCodable, and a code without a colour stays without one
        r#"guid="dddddddd-0000-4000-8000-000000000002" name="folder" isCodable="false">"#,
        r##"guid="{DDDDDDDD-0000-4000-8000-000000000001}" name="decisions" isCodable="true" color="#AA3311""##,
        // the source and selection GUIDs, the empty selection name, the
        // selection's creator (Ben) apart from the coding's (Ana)
        r#"<TextSource guid="{11111111-0000-4000-8000-0000000000FF}""#,
        r#"<PlainTextSelection guid="{22222222-0000-4000-8000-000000000001}" name="" startPosition="33" endPosition="43" creatingUser="{BBBBBBBB-0000-4000-8000-00000000000B}""#,
        r#"creatingUser="{AAAAAAAA-0000-4000-8000-00000000000A}""#,
        r#"<PictureSource guid="44444444-0000-4000-8000-000000000001" name="whiteboard photo""#,
        r#"<Link guid="55555555-0000-4000-8000-000000000001""#,
        r#"<Graph guid="77777777-0000-4000-8000-000000000001""#,
        r#"<Set guid="66666666-0000-4000-8000-000000000001" name="key codes">"#,
        r#"<MemberCode targetGUID="{DDDDDDDD-0000-4000-8000-000000000001}"/>"#,
        r#"<MemberSource targetGUID="{11111111-0000-4000-8000-0000000000FF}"/>"#,
    ] {
        assert!(qde.contains(want), "missing {want} in\n{qde}");
    }
    assert!(
        !qde.contains(r#"name="folder" isCodable="false" color"#),
        "{qde}"
    );
}

/// Users without codings, `isCodable`, selection creator vs coding
/// creator, GUIDs as written, colours as written (absent stays absent),
/// source names from `plainTextPath`, notes everywhere, cases, sets,
/// links, graphs and picture sources: imported or kept, and exported back.
#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "xmllint not found: apt-get install libxml2-utils"
)]
fn nothing_is_dropped_and_everything_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nvivo.qdpx");
    let png = b"\x89PNG\r\n\x1a\nnot really a picture";
    write_qdpx(
        &file,
        &[
            ("project.qde", nvivo_full_qde().as_bytes()),
            (
                "sources/board_2017.txt",
                "Board minutes 2017.\r\nWe agreed 👍 to publish.\r\n".as_bytes(),
            ),
            ("sources/whiteboard.png", png),
        ],
    );
    let p = dir.path().join("p");
    let (out, _) = ok(&["import-qdpx", s(&file), "--into", s(&p), "--coder", "me"]);
    // The source is named after its text file; the coding is Ana's, with its text.
    assert_eq!(
        segments_of(&p),
        [(
            "board_2017".into(),
            "decisions".into(),
            "Ana-Lopez".into(),
            "to publish".into()
        )]
    );
    imported_in_full(&p, &out);

    // Export for NVivo: valid, and everything as it came.
    let back = dir.path().join("back.qdpx");
    ok(&[
        "--project",
        s(&p),
        "export",
        "qdpx",
        "-o",
        s(&back),
        "--for",
        "nvivo",
    ]);
    let qde = String::from_utf8(entry(&back, "project.qde")).unwrap();
    let x = dir.path().join("back.qde");
    std::fs::write(&x, &qde).unwrap();
    validate(&x, "Project.xsd");
    exported_as_it_came(&qde);
    assert_eq!(entry(&back, "sources/whiteboard.png"), png);

    // Re-imported by motif: every coding's text, user, GUID and colour.
    let again = dir.path().join("again");
    ok(&[
        "import-qdpx",
        s(&back),
        "--into",
        s(&again),
        "--coder",
        "me",
    ]);
    assert_eq!(segments_of(&again), segments_of(&p));
    let (segs, _) = ok(&["--project", s(&again), "segments", "--json"]);
    assert!(
        segs.contains("33333333-0000-4000-8000-000000000001"),
        "{segs}"
    );
    let (codes2, _) = ok(&["--project", s(&again), "codes", "--json"]);
    assert!(codes2.contains("#aa3311"), "{codes2}");
    // And exported again, it is the same document.
    let twice = dir.path().join("twice.qdpx");
    ok(&[
        "--project",
        s(&again),
        "export",
        "qdpx",
        "-o",
        s(&twice),
        "--for",
        "nvivo",
    ]);
    assert_eq!(
        String::from_utf8(entry(&twice, "project.qde")).unwrap(),
        qde
    );
}

/// qc (`pip install qualitative-coding`) reads motif's export: the
/// transcript's text, the code and the coder arrive. qc codes whole lines
/// and its reader stops at a `breakpoint()` left in it (1.7.8), which
/// `PYTHONBREAKPOINT=0` skips; see docs/refi-qda.md for what qc loses.
/// Run with `cargo test --test cli qc_reads -- --ignored` where qc is
/// installed.
#[test]
#[ignore = "needs qc: pip install qualitative-coding"]
fn qc_reads_motifs_export() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.qdpx");
    write_qdpx(
        &file,
        &[
            (
                "project.qde",
                qde(Some("NVivo for Windows 12.6"), true, false).as_bytes(),
            ),
            ("sources/comments.txt", RAW.as_bytes()),
        ],
    );
    let p = dir.path().join("p");
    import_json(&file, &p);
    let out = dir.path().join("out.qdpx");
    ok(&["--project", s(&p), "export", "qdpx", "-o", s(&out)]);
    let qc_dir = dir.path().join("qc");
    std::fs::create_dir(&qc_dir).unwrap();
    let qc = |args: &[&str]| -> String {
        let o = std::process::Command::new("qc")
            .args(args)
            .current_dir(&qc_dir)
            .env("PYTHONBREAKPOINT", "0")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("qc could not be run: pip install qualitative-coding");
        assert!(
            o.status.success(),
            "qc {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    qc(&["init", "--import", s(&out)]);
    let text = std::fs::read_to_string(qc_dir.join("corpus/comments.txt")).unwrap();
    assert_eq!(
        text,
        RAW.trim_start_matches('\u{feff}').replace("\r\n", "\n")
    );
    assert!(qc(&["codes", "list"]).contains("moments"));
    assert!(qc(&["coders"]).contains("Ana"));
}
