//! REFI-QDA exchange: exports validate against the official schemas;
//! export then import gives the same project; files written by `NVivo` and
//! ATLAS.ti (and hand-made ones in their styles) import; hostile archives
//! are refused with a clear message and nothing written.
//!
//! The tests that validate with xmllint are ignored where it is missing
//! (build.rs sets `missing_xmllint`; see docs/testing.md): give a new one
//! `#[cfg_attr(missing_xmllint, ignore = "xmllint not found: apt-get install libxml2-utils")]`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::util::{Proj, SAMPLE, cp_find, fixture, motif_cmd};

// ---------------------------------------------------------------- helpers

/// Validates an XML file against one of the copied schemas with xmllint.
pub(crate) fn validate(xml: &Path, schema: &str) {
    let xsd = fixture(&format!("refi-qda/{schema}"));
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(xml)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint is needed to validate REFI-QDA exports against {schema} but could not be run ({e}); \
                 install it with `apt-get install -y libxml2-utils` (.ci/run does)"
            )
        });
    assert!(
        out.status.success(),
        "{} does not validate against {schema}:\n{}",
        xml.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One entry of a zip file.
pub(crate) fn entry(zip_path: &Path, name: &str) -> Vec<u8> {
    let f = std::fs::File::open(zip_path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut e = z
        .by_name(name)
        .unwrap_or_else(|_| panic!("no {name} in the archive"));
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut e, &mut buf).unwrap();
    buf
}

/// Writes a `.qdpx` with the zip crate.
pub(crate) fn write_qdpx(path: &Path, entries: &[(&str, &[u8])]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    for (name, bytes) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// Runs motif with arguments (no project discovery: callers pass
/// `--project` or `--into`).
fn run(args: &[&str]) -> Output {
    motif_cmd().args(args).output().unwrap()
}

pub(crate) fn ok(args: &[&str]) -> (String, String) {
    let out = run(args);
    assert!(
        out.status.success(),
        "motif {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `codes --json`, `segments --json` (ids left out) and `transcripts
/// --json` of a project.
pub(crate) fn views(root: &Path) -> (Value, Value, Value) {
    let j = |args: &[&str]| -> Value {
        let mut all = vec!["--project", s(root)];
        all.extend_from_slice(args);
        let (out, _) = ok(&all);
        serde_json::from_str(&out).unwrap()
    };
    let mut segs = j(&["segments", "--json"]);
    for seg in segs.as_array_mut().unwrap() {
        seg.as_object_mut().unwrap().remove("id");
    }
    (j(&["codes", "--json"]), segs, j(&["transcripts", "--json"]))
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push((
                    p.strip_prefix(base).unwrap().to_owned(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The second transcript of the rich project: emoji with modifiers, CJK.
const ENTRETIEN: &str = "ZOË: 🚀🚀 北京 naïve, c'est ça.\nBEN: ok 👍🏽 done & <done>\nZOË: fin\n";

/// A project with two transcripts, two coders, nested codes with
/// criteria, memos of every kind and attributes.
fn rich_project() -> Proj {
    let p = Proj::with_sample();
    p.write("in/entretien.txt", ENTRETIEN.as_bytes());
    p.ok(&["import", s(&p.path("in/entretien.txt")), "--into", "wave2"]);
    let mut book = p.read("codebooks/codebook.toml");
    book.push_str(
        "\n[[codes]]\nid = \"crit\"\npath = \"criteria\"\ndescription = \"Has criteria — 飞桨.\"\n\
         include = \"Talk of 飞桨.\"\nexclude = \"Anything else.\"\nexample = \"我们用飞桨\"\n\
         color = \"#123456\"\nkey = \"c\"\naliases = [\"old-crit\"]\n",
    );
    p.write("codebooks/codebook.toml", book.as_bytes());
    let span = |text: &str, needle: &str| {
        let a = cp_find(text, needle);
        format!("{a}-{}", a + needle.chars().count())
    };
    let cafe = span(SAMPLE, "Café talk 🚀 helped");
    p.ok(&["code", "x", "--chars", &cafe, "theme", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", &cafe, "theme", "--coder", "ben"]);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &span(SAMPLE, "PaddlePaddle"),
        "theme/sub",
        "--coder",
        "ana",
        "--memo",
        "memo with 北京 & <xml> \"quotes\"",
    ]);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &span(SAMPLE, "我们用飞桨"),
        "criteria",
        "--coder",
        "ben",
    ]);
    p.ok(&[
        "code",
        "wave2/entretien",
        "--chars",
        &span(ENTRETIEN, "🚀🚀 北京"),
        "criteria",
        "theme",
        "--coder",
        "ana",
    ]);
    p.ok(&[
        "code",
        "wave2/entretien",
        "--chars",
        &span(ENTRETIEN, "👍🏽 done & <done>"),
        "theme/sub",
        "--coder",
        "ben",
    ]);
    p.ok(&[
        "memo",
        "Saturation après p09 — 北京 🚀\n\nSecond paragraph.",
    ]);
    p.ok(&["memo", "--transcript", "x", "Li Na was nervous."]);
    p.ok(&["memo", "--code", "theme", "Theme memo: 飞桨."]);
    p.write(
        "attributes.csv",
        "id,role,country\nwave2/entretien,étudiante,\"France, Paris\"\nx,research engineer,日本\n"
            .as_bytes(),
    );
    p
}

// ---------------------------------------------------------------- export

#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "xmllint not found: apt-get install libxml2-utils"
)]
fn export_validates_and_round_trips_exactly() {
    let p = rich_project();
    let dir = tempfile::tempdir().unwrap();
    let qdpx = dir.path().join("study.qdpx");
    let out = p.ok(&["export", "qdpx", "-o", s(&qdpx)]);
    assert!(
        out.contains("2 transcript(s), 3 code(s), 7 coding(s) on 5 selection(s), 2 coder(s)"),
        "{out}"
    );

    // project.qde validates; sources are the exact text, UTF-8, no BOM.
    let qde = entry(&qdpx, "project.qde");
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).unwrap();
    validate(&qde_path, "Project.xsd");
    let qde = String::from_utf8(qde).unwrap();
    let re = regex::Regex::new(
        r#"<TextSource guid="([^"]+)" name="([^"]+)" plainTextPath="internal://([^"]+)""#,
    )
    .unwrap();
    let mut seen = 0;
    for c in re.captures_iter(&qde) {
        let text = entry(&qdpx, &format!("sources/{}", &c[3]));
        let want = if &c[2] == "x" { SAMPLE } else { ENTRETIEN };
        assert_eq!(text, want.as_bytes(), "source {}", &c[2]);
        assert!(c[3].starts_with(&c[1]));
        seen += 1;
    }
    assert_eq!(seen, 2);
    // Positions are code points, end-exclusive: "Café talk 🚀 helped"
    // starts after CJK and a dash, and the emoji counts once.
    let a = cp_find(SAMPLE, "Café talk 🚀 helped");
    let b = a + "Café talk 🚀 helped".chars().count();
    assert!(
        qde.contains(&format!("startPosition=\"{a}\" endPosition=\"{b}\"")),
        "{qde}"
    );
    let a = cp_find(ENTRETIEN, "👍🏽 done & <done>");
    let b = a + "👍🏽 done & <done>".chars().count();
    assert_eq!(b - a, 16, "the skin-tone emoji is two code points");
    assert!(
        qde.contains(&format!("startPosition=\"{a}\" endPosition=\"{b}\"")),
        "{qde}"
    );
    // Two coders on one span: one selection with two codings.
    let cafe = qde
        .find(&format!("startPosition=\"{}\"", cp_find(SAMPLE, "Café")))
        .unwrap();
    let sel_end = cafe + qde[cafe..].find("</PlainTextSelection>").unwrap();
    assert_eq!(qde[cafe..sel_end].matches("<Coding ").count(), 2);
    // Criteria travel in the description; colours are RGB.
    assert!(qde.contains("Has criteria — 飞桨.\n\nInclude: Talk of 飞桨.\n\nExclude: Anything else.\n\nExample: 我们用飞桨</Description>"));
    assert!(qde.contains("color=\"#123456\""));

    // The codebook alone validates too.
    let qdc = dir.path().join("codebook.qdc");
    p.ok(&["export", "qdc", "-o", s(&qdc)]);
    validate(&qdc, "Codebook.xsd");

    // Import into a fresh project: the same codebook, transcripts,
    // segments, memos and attributes.
    let copy = dir.path().join("copy");
    let (out, _) = ok(&["import-qdpx", s(&qdpx), "--into", s(&copy)]);
    assert!(out.contains("codes: 3 added"), "{out}");
    assert!(
        out.contains("codings: 7 added (ana 4, ben 3; one undo step per coder)"),
        "{out}"
    );
    assert_eq!(views(&p.root), views(&copy));
    ok(&["--project", s(&copy), "check"]);
    for sub in ["transcripts", "memos"] {
        assert_eq!(files(&p.path(sub)), files(&copy.join(sub)), "{sub}");
    }
    assert_eq!(
        p.read("attributes.csv"),
        std::fs::read_to_string(copy.join("attributes.csv")).unwrap()
    );
    // Shortcuts and aliases came back through motif.json.
    let book = std::fs::read_to_string(copy.join("codebooks/codebook.toml")).unwrap();
    assert!(
        book.contains("key = \"c\"") && book.contains("aliases = [\"old-crit\"]"),
        "{book}"
    );

    // Exporting the copy gives the same bytes: GUIDs are stable.
    let again = dir.path().join("again.qdpx");
    ok(&["--project", s(&copy), "export", "qdpx", "-o", s(&again)]);
    assert_eq!(
        std::fs::read(&qdpx).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // The import is one undo step per coder.
    let (out, _) = ok(&["--project", s(&copy), "undo", "--coder", "ana"]);
    assert!(out.contains("4 codings added"), "{out}");
    let segs = views(&copy).1;
    assert!(segs.as_array().unwrap().iter().all(|s| s["coder"] == "ben"));
}

#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "xmllint not found: apt-get install libxml2-utils"
)]
fn qdc_round_trip_keeps_the_tree_definitions_and_colours() {
    let p = rich_project();
    let dir = tempfile::tempdir().unwrap();
    let qdc = dir.path().join("book.qdc");
    p.ok(&["export", "qdc", "-o", s(&qdc)]);
    validate(&qdc, "Codebook.xsd");
    let q = Proj::new();
    let out = q.ok(&["import-qdc", s(&qdc)]);
    assert!(out.contains("3 code(s) added"), "{out}");
    let strip = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                let o = c.as_object_mut().unwrap();
                for k in ["id", "key", "segments", "segments_incl_children"] {
                    o.remove(k);
                }
                c
            })
            .collect()
    };
    assert_eq!(
        strip(p.json(&["codes", "--json"])),
        strip(q.json(&["codes", "--json"]))
    );
    // Importing it again adds nothing: codes match by GUID.
    let out = q.ok(&["import-qdc", s(&qdc)]);
    assert!(out.contains("0 code(s) added, 3 already there"), "{out}");
}

// ---------------------------------------------------------------- samples from real tools

fn code_paths(root: &Path) -> Vec<String> {
    views(root)
        .0
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "xmllint not found: apt-get install libxml2-utils"
)]
fn nvivo_sample_imports_and_exports_valid() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("nvivo");
    let (out, err) = ok(&[
        "import-qdpx",
        s(&fixture("refi-qda/nvivo-mac-15.qdpx")),
        "--into",
        s(&into),
    ]);
    assert!(out.contains("(NVivo for Mac 15.0.0)"), "{out}");
    assert!(out.contains("codes: 262 added"), "{out}");
    // Both sources are empty in NVivo's export (plain text and .docx).
    assert_eq!(
        err.matches("is empty (no text to code); skipped").count(),
        2,
        "{err}"
    );
    let codes = views(&into).0;
    let codes = codes.as_array().unwrap();
    assert_eq!(codes.len(), 262);
    let roots: Vec<&str> = codes
        .iter()
        .filter(|c| c["parent"].is_null())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        roots,
        [
            "rq1_definition",
            "rq2_curriculum_and_instruction",
            "rq3_process"
        ]
    );
    let paths = code_paths(&into);
    assert!(paths.contains(&"rq1_definition/competencies/programming".to_owned()));
    assert!(paths.contains(&"rq2_curriculum_and_instruction/curriculum/interdisciplinary_cs/other_subject_areas/humanities/english/writing".to_owned()));
    // The same name under different parents stays two codes.
    assert_eq!(
        paths.iter().filter(|p| p.ends_with("/programming")).count(),
        2
    );
    assert_eq!(views(&into).2, serde_json::json!([]));
    // Codes keep NVivo's GUIDs on the way back out.
    let back = dir.path().join("back.qdpx");
    ok(&["--project", s(&into), "export", "qdpx", "-o", s(&back)]);
    let qde = dir.path().join("back.qde");
    std::fs::write(&qde, entry(&back, "project.qde")).unwrap();
    validate(&qde, "Project.xsd");
    let text = std::fs::read_to_string(&qde).unwrap();
    assert!(text.contains("guid=\"34653336-3766-3235-6466-363134396437\" name=\"rq1_definition\""));
}

#[test]
fn atlas_samples_import() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("atlas");
    let (out, _) = ok(&[
        "import-qdpx",
        s(&fixture("refi-qda/target-atlas-project.qdpx")),
        "--into",
        s(&into),
    ]);
    assert!(out.contains("(ATLAS.ti for Windows 23.2.3.27778)"), "{out}");
    assert_eq!(
        code_paths(&into),
        [
            "Commits",
            "Commits/2022-05-10T02:05:59Z 19e4dce",
            "Commits/2022-02-11T10:39:25Z cdbfd92"
        ]
    );
    let blank = dir.path().join("blank");
    let (out, _) = ok(&[
        "import-qdpx",
        s(&fixture("refi-qda/blank-atlas-project.qdpx")),
        "--into",
        s(&blank),
    ]);
    assert!(out.contains("imported `blank-atlas-project`"), "{out}");
    assert!(code_paths(&blank).is_empty());
    assert!(
        std::fs::read_to_string(blank.join("motif.toml"))
            .unwrap()
            .contains("blank-atlas-project")
    );
}

// ---------------------------------------------------------------- what real tools write

/// The raw text of a source as some tools store it: BOM, CRLF.
const RAW: &str = "ANA: Où est le café?\r\nBEN: À Zürich — 北京 🚀 too.\r\nANA: Merci!\r\n";

fn normalized() -> String {
    RAW.replace("\r\n", "\n")
}

/// (start, end) of `needle` in `text` with CRLF counted as one (the
/// normalized text) or two (the raw text).
fn pos(needle: &str, crlf_as_one: bool) -> (usize, usize) {
    let text = if crlf_as_one {
        normalized()
    } else {
        RAW.to_owned()
    };
    let a = cp_find(&text, needle);
    (a, a + needle.chars().count())
}

pub(crate) fn segments_of(root: &Path) -> Vec<(String, String, String, String)> {
    views(root)
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["transcript"].as_str().unwrap().to_owned(),
                s["code"].as_str().unwrap().to_owned(),
                s["coder"].as_str().unwrap().to_owned(),
                s["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The project.qde of an ATLAS.ti-style export: braced and lower-case
/// GUIDs, a code without a name, colours as `rgb()`, `#AARRGGBB` and
/// nonsense, codings without a user, and one to a code that is not there.
fn atlas_style_qde() -> String {
    let (a, b) = pos("北京 🚀", true);
    let (m, n) = pos("Merci!", true);
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" origin="ATLAS.ti for Windows 23.2.3.27778" name="atlas style" creatingUserGUID="088B08AC-D5CD-4ADB-8B71-B4F3459C177F" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="088B08AC-D5CD-4ADB-8B71-B4F3459C177F" name="Enric Llagostera" />
    <User guid="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B" name="ATLAS.ti" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{{A182CD3A-D83C-4D8C-BC80-26D9103EC6D6}}" name="Places" isCodable="true" color="#F00082">
        <Description>Cities &amp; places</Description>
        <Code guid="2D2466F0-D77F-4F8C-BDF9-628966B6B74D" name="Asia/China" isCodable="true" color="rgb(10, 20, 30)" />
      </Code>
      <Code guid="086AC733-7B1C-4749-A138-D7182F63A5C9" isCodable="true" color="#FF112233" />
      <Code guid="11111111-7B1C-4749-A138-D7182F63A5C9" name="Odd" isCodable="true" color="teal-ish" />
    </Codes>
  </CodeBook>
  <Sources>
    <TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="Entrevista Zoë.docx" plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt" creatingUser="088B08AC-D5CD-4ADB-8B71-B4F3459C177F">
      <PlainTextSelection guid="4191294A-E287-4510-95B0-69BCE4638E56" startPosition="{a}" endPosition="{b}" creatingUser="088B08AC-D5CD-4ADB-8B71-B4F3459C177F" creationDateTime="2023-08-16T15:49:36Z">
        <Description>Why China here?</Description>
        <Coding guid="445A6AEC-1400-4502-919D-0867832FF211" creatingUser="088B08AC-D5CD-4ADB-8B71-B4F3459C177F" creationDateTime="2023-08-16T15:50:00Z">
          <CodeRef targetGUID="a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"/>
        </Coding>
        <Coding guid="89B9918E-4209-4FE0-BEA0-0C7FF56D67A4" creatingUser="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B">
          <CodeRef targetGUID="2D2466F0-D77F-4F8C-BDF9-628966B6B74D"/>
        </Coding>
        <Coding guid="4B8DD4A4-0C50-42D0-91F4-9E95AFBFC7F0">
          <CodeRef targetGUID="{{2D2466F0-D77F-4F8C-BDF9-628966B6B74D}}"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="B49D7982-BB8E-4335-80AF-DC869CCC3F45" startPosition="{m}" endPosition="{n}">
        <Coding guid="2284BF5B-8F78-45B6-A6EF-A128D991408B" creatingUser="088B08AC-D5CD-4ADB-8B71-B4F3459C177F">
          <CodeRef targetGUID="086AC733-7B1C-4749-A138-D7182F63A5C9"/>
        </Coding>
        <Coding guid="3284BF5B-8F78-45B6-A6EF-A128D991408B">
          <CodeRef targetGUID="99999999-8F78-45B6-A6EF-A128D991408B"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"##
    )
}

#[test]
fn atlas_style_project_with_bom_crlf_and_several_codings_per_selection() {
    let qde = atlas_style_qde();
    let mut source = b"\xEF\xBB\xBF".to_vec();
    source.extend_from_slice(RAW.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("atlas.qdpx");
    // ATLAS.ti writes `Sources/` and upper-case names.
    write_qdpx(
        &file,
        &[
            ("project.qde", qde.as_bytes()),
            ("Sources/01106019-2518-43DD-BBD1-8F0252BACB30.TXT", &source),
        ],
    );
    let into = dir.path().join("p");
    let (out, err) = ok(&["import-qdpx", s(&file), "--into", s(&into)]);
    assert!(out.contains("codes: 4 added"), "{out}");
    assert!(
        err.contains("a code without a name was imported as `unnamed code`"),
        "{err}"
    );
    assert!(
        err.contains("the colour `teal-ish` was not understood"),
        "{err}"
    );
    assert!(
        err.contains("1 coding(s) refer to codes the codebook does not have"),
        "{err}"
    );
    // The text: BOM dropped, CRLF normalized.
    assert_eq!(
        std::fs::read_to_string(into.join("transcripts/Entrevista-Zoë.txt")).unwrap(),
        normalized()
    );
    let segs = segments_of(&into);
    let t = "Entrevista-Zoë".to_owned();
    assert_eq!(
        segs,
        [
            (
                t.clone(),
                "Places".into(),
                "Enric-Llagostera".into(),
                "北京 🚀".into()
            ),
            (
                t.clone(),
                "Places/Asia∕China".into(),
                "ATLAS.ti".into(),
                "北京 🚀".into()
            ),
            // No user on the coding: the selection's.
            (
                t.clone(),
                "Places/Asia∕China".into(),
                "Enric-Llagostera".into(),
                "北京 🚀".into()
            ),
            (
                t.clone(),
                "unnamed code".into(),
                "Enric-Llagostera".into(),
                "Merci!".into()
            ),
        ]
    );
    let all = views(&into);
    let first = &all.1.as_array().unwrap()[0];
    assert_eq!(first["memo"], "Why China here?");
    let codes = all.0;
    let colour = |path: &str| {
        codes
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == path)
            .unwrap()["color"]
            .clone()
    };
    assert_eq!(colour("Places"), "#f00082");
    assert_eq!(colour("Places/Asia∕China"), "#0a141e");
    assert_eq!(colour("unnamed code"), "#112233");
    assert_eq!(codes[0]["description"], "Cities & places");
}

/// A project where the tool counted CRLF as two characters (`QualCoder`),
/// or where the selection names show how the tool counted.
#[test]
fn crlf_counted_as_two_and_names_that_decide() {
    let sel = |(a, b): (usize, usize), name: &str| {
        format!(
            r#"<PlainTextSelection guid="{}" name="{name}" startPosition="{a}" endPosition="{b}"><Coding guid="{}"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>"#,
            "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000ab"
        )
    };
    let project = |origin: &str, sels: &str| {
        format!(
            r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="crlf" origin="{origin}"><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="where" isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="00000000-0000-4000-8000-0000000000ff" name="t" plainTextPath="internal://t.txt">{sels}</TextSource></Sources></Project>"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // QualCoder counts the raw text: CRLF is two.
        ("QualCoder 3.5", sel(pos("Zürich", false), ""), false),
        // ATLAS.ti's habit is one, but these names say two.
        (
            "ATLAS.ti 9.1",
            sel(pos("Zürich", false), "Zürich — 北京 🚀 too."),
            true,
        ),
        // A tool unknown to motif counted one; the names say so.
        (
            "SomeTool 1.0",
            sel(pos("Zürich", true), "Zürich — 北京…"),
            true,
        ),
    ];
    for (i, (origin, sels, decided)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("{i}.qdpx"));
        write_qdpx(
            &file,
            &[
                ("project.qde", project(origin, sels).as_bytes()),
                ("sources/t.txt", RAW.as_bytes()),
            ],
        );
        let into = dir.path().join(format!("p{i}"));
        let (out, _) = ok(&["import-qdpx", s(&file), "--into", s(&into), "--coder", "me"]);
        // The summary says how the positions were read, and why.
        assert_eq!(
            out.contains("selection name(s) match the text at their start this way"),
            *decided,
            "{origin}: {out}"
        );
        assert_eq!(
            segments_of(&into),
            [("t".into(), "where".into(), "me".into(), "Zürich".into())],
            "{origin}"
        );
    }
}

#[test]
fn sources_only_as_docx_or_inline_text() {
    // What motif makes of the Word file on its own.
    let plain = Proj::new();
    plain.ok(&["import", s(&fixture("import/interview-docx.docx"))]);
    let text = plain.read("transcripts/interview-docx.txt");
    let (a, b) = {
        let a = cp_find(&text, "in Zürich and in 北京");
        (a, a + "in Zürich and in 北京".chars().count())
    };
    let qde = format!(
        r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="docx"><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="place" isCodable="true"/></Codes></CodeBook><Sources>
<TextSource guid="00000000-0000-4000-8000-0000000000f1" name="Interview.docx" richTextPath="internal://00000000-0000-4000-8000-0000000000f1.docx"><PlainTextSelection guid="00000000-0000-4000-8000-0000000000a1" startPosition="{a}" endPosition="{b}"><Coding guid="00000000-0000-4000-8000-0000000000b1"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection></TextSource>
<TextSource guid="00000000-0000-4000-8000-0000000000f2" name="Inline"><PlainTextContent>Inline text — 北京 🚀.</PlainTextContent><PlainTextSelection guid="00000000-0000-4000-8000-0000000000a2" startPosition="14" endPosition="18"><Coding guid="00000000-0000-4000-8000-0000000000b2"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection></TextSource>
</Sources></Project>"#
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("docx.qdpx");
    let docx = std::fs::read(fixture("import/interview-docx.docx")).unwrap();
    write_qdpx(
        &file,
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/00000000-0000-4000-8000-0000000000f1.docx", &docx),
        ],
    );
    let into = dir.path().join("p");
    let (_, err) = ok(&["import-qdpx", s(&file), "--into", s(&into), "--coder", "me"]);
    assert!(err.contains("exists only as a Word file"), "{err}");
    assert_eq!(
        std::fs::read_to_string(into.join("transcripts/Interview.txt")).unwrap(),
        text
    );
    assert_eq!(
        segments_of(&into),
        [
            (
                "Inline".into(),
                "place".into(),
                "me".into(),
                "北京 🚀".into()
            ),
            (
                "Interview".into(),
                "place".into(),
                "me".into(),
                "in Zürich and in 北京".into()
            ),
        ]
    );
}

#[test]
fn external_paths_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("ext.txt"), "Outside text, café.\n").unwrap();
    let qde = format!(
        r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="ext" basePath="{}"><Sources>
<TextSource guid="00000000-0000-4000-8000-0000000000f1" name="abs" plainTextPath="absolute://{}"/>
<TextSource guid="00000000-0000-4000-8000-0000000000f2" name="rel" plainTextPath="relative:///ext.txt"/>
</Sources></Project>"#,
        s(&outside),
        s(&outside.join("ext.txt"))
    );
    let file = dir.path().join("ext.qdpx");
    write_qdpx(&file, &[("project.qde", qde.as_bytes())]);
    let into = dir.path().join("p");
    let out = run(&["import-qdpx", s(&file), "--into", s(&into)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("outside the archive") && err.contains("--allow-external-paths"),
        "{err}"
    );
    assert!(!into.exists(), "nothing may be written");
    ok(&[
        "import-qdpx",
        s(&file),
        "--into",
        s(&into),
        "--allow-external-paths",
    ]);
    // Both name the same text: one transcript.
    let ts = views(&into).2;
    assert_eq!(ts.as_array().unwrap().len(), 1);
    assert_eq!(ts[0]["id"], "abs");
}

// ---------------------------------------------------------------- merging

#[test]
fn merge_adds_without_duplicating_and_is_required_for_a_non_empty_project() {
    let p = rich_project();
    let dir = tempfile::tempdir().unwrap();
    let qdpx = dir.path().join("study.qdpx");
    p.ok(&["export", "qdpx", "-o", s(&qdpx)]);
    // Without --merge a project with content is left alone.
    let before = p.snapshot();
    let err = p.fail(&["import-qdpx", s(&qdpx)]);
    assert!(err.contains("--merge"), "{err}");
    assert_eq!(before, p.snapshot());
    // Its own export merges into nothing new.
    let out = p.ok(&["import-qdpx", s(&qdpx), "--merge"]);
    assert!(out.contains("codes: 0 added, 3 already there"), "{out}");
    assert!(
        out.contains("transcripts: 0 added, 2 already there"),
        "{out}"
    );
    assert!(out.contains("codings: 0 added, 7 already there"), "{out}");
    assert_eq!(views(&p.root).1.as_array().unwrap().len(), 7);
    // A colleague's project on the same transcript (another name, same
    // text) with a new code: the coding lands on `x`.
    let (a, b) = {
        let a = cp_find(SAMPLE, "PyTorch");
        (a, a + 7)
    };
    let qde = format!(
        r##"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="colleague" origin="QualCoder 3.5"><Users><User guid="00000000-0000-4000-8000-00000000000c" name="cleo"/></Users><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="theme" isCodable="true"><Code guid="00000000-0000-4000-8000-000000000002" name="frameworks" isCodable="true" color="#00ff00"/></Code></Codes></CodeBook><Sources>
<TextSource guid="00000000-0000-4000-8000-0000000000f1" name="Interview X.txt" plainTextPath="internal://x.txt"><PlainTextSelection guid="00000000-0000-4000-8000-0000000000a1" startPosition="{a}" endPosition="{b}" creatingUser="00000000-0000-4000-8000-00000000000c"><Coding guid="00000000-0000-4000-8000-0000000000b1"><CodeRef targetGUID="00000000-0000-4000-8000-000000000002"/></Coding></PlainTextSelection></TextSource>
</Sources></Project>"##
    );
    let file = dir.path().join("colleague.qdpx");
    write_qdpx(
        &file,
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/x.txt", SAMPLE.as_bytes()),
        ],
    );
    let out = p.ok(&["import-qdpx", s(&file), "--merge"]);
    assert!(out.contains("codes: 1 added, 1 already there"), "{out}");
    assert!(
        out.contains("transcripts: 0 added, 1 already there"),
        "{out}"
    );
    let segs = segments_of(&p.root);
    assert!(
        segs.contains(&(
            "x".into(),
            "theme/frameworks".into(),
            "cleo".into(),
            "PyTorch".into()
        )),
        "{segs:?}"
    );
}

#[test]
fn import_qdc_tolerates_namespace_variants() {
    let variants = [
        r##"<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="QualCoder"><Codes><Code guid="{5215CC69-B628-4E02-AFB9-9BEEAEE55808}" name="Topics" isCodable="false"><Code guid="d7aa29da-519b-4946-9b90-253b6db8fd0a" name="Economy" isCodable="true" color="#ffff00"><Description>Jobs, taxes</Description></Code></Code></Codes></CodeBook>"##,
        r##"<qda:CodeBook xmlns:qda="urn:QDA-XML:codebook:1.0"><qda:Codes><qda:Code guid="5215CC69-B628-4E02-AFB9-9BEEAEE55808" name="Topics" isCodable="false"><qda:Code guid="D7AA29DA-519B-4946-9B90-253B6DB8FD0A" name="Economy" isCodable="true" color="#FFFF00"><qda:Description>Jobs, taxes</qda:Description></qda:Code></qda:Code></qda:Codes></qda:CodeBook>"##,
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<CodeBook><Codes><Code guid=\"5215cc69-b628-4e02-afb9-9beeaee55808\" name=\"Topics\" isCodable=\"false\"><Code guid=\"d7aa29da-519b-4946-9b90-253b6db8fd0a\" name=\"Economy\" isCodable=\"true\" color=\"ffff00\"><Description>Jobs, taxes</Description></Code></Code></Codes></CodeBook>",
    ];
    for v in variants {
        let p = Proj::new();
        p.write("in/book.qdc", v.as_bytes());
        p.ok(&["import-qdc", s(&p.path("in/book.qdc"))]);
        let codes = p.json(&["codes", "--json"]);
        assert_eq!(codes[1]["code"], "Topics/Economy", "{v}");
        assert_eq!(codes[1]["color"], "#ffff00", "{v}");
        assert_eq!(codes[1]["description"], "Jobs, taxes", "{v}");
        assert_eq!(
            codes[1]["id"], "d7aa29da-519b-4946-9b90-253b6db8fd0a",
            "{v}"
        );
    }
}

// ---------------------------------------------------------------- hostile archives

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// One entry of a hand-built zip: name written verbatim, method 0
/// (stored) or 8 (deflated, `data` already compressed), declared size,
/// optional Unix mode.
struct Raw<'a> {
    name: &'a str,
    method: u16,
    data: Vec<u8>,
    size: u64,
    crc: u32,
    mode: Option<u32>,
}

fn stored<'a>(name: &'a str, data: &[u8]) -> Raw<'a> {
    Raw {
        name,
        method: 0,
        data: data.to_vec(),
        size: data.len() as u64,
        crc: crc32(data),
        mode: None,
    }
}

/// A zip written byte by byte, so that names and sizes are exactly what
/// the test says (the zip crate would not write some of them).
fn raw_zip(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let (made_by, external) = match e.mode {
            Some(m) => (0x0314, m << 16), // made by Unix, version 2.0
            None => (20u16, 0u32),
        };
        let mut common = Vec::new();
        common.extend(20u16.to_le_bytes()); // version needed
        common.extend(0x0800u16.to_le_bytes()); // UTF-8 names
        common.extend(e.method.to_le_bytes());
        common.extend(0u16.to_le_bytes()); // time
        common.extend(0x21u16.to_le_bytes()); // date 1980-01-01
        common.extend(e.crc.to_le_bytes());
        common.extend((e.data.len() as u32).to_le_bytes());
        common.extend((e.size as u32).to_le_bytes());
        common.extend((e.name.len() as u16).to_le_bytes());
        common.extend(0u16.to_le_bytes()); // extra
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(&common);
        out.extend(e.name.as_bytes());
        out.extend(&e.data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(made_by.to_le_bytes());
        central.extend(&common);
        central.extend(0u16.to_le_bytes()); // comment
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend(external.to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(e.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A deflate stream (fixed Huffman codes) that inflates to `1 + 258 * n`
/// bytes of `a`: thirteen bits per 258 bytes, a ratio of about 160:1.
fn deflate_bomb(n: usize) -> (Vec<u8>, u64) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.len;
            self.len += len;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let mut r = 0;
            for i in 0..len {
                r |= ((code >> i) & 1) << (len - 1 - i);
            }
            self.put(r, len);
        }
    }
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        len: 0,
    };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30 + u64::from(b'a'), 8); // the literal `a`
    for _ in 0..n {
        b.code(0b1100_0101, 8); // length 258
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    if b.len > 0 {
        b.out.push(b.acc as u8);
    }
    (b.out, 1 + 258 * n as u64)
}

const SOURCE_GUID: &str = "11111111-2222-4333-8444-555555555555";

fn hostile_qde(path: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="hostile"><Sources><TextSource guid="{SOURCE_GUID}" name="s" plainTextPath="{path}"/></Sources></Project>"#
    )
}

/// Expects motif to refuse the archive with `message`, both into a new
/// folder (which must not appear) and into an empty project (which must
/// not change).
fn refused(name: &str, bytes: &[u8], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.qdpx"));
    std::fs::write(&file, bytes).unwrap();
    let into = dir.path().join("new");
    let out = run(&["import-qdpx", s(&file), "--into", s(&into)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{name}: {err}");
    assert!(
        err.contains(message),
        "{name}: expected `{message}` in:\n{err}"
    );
    assert!(
        err.contains(&format!("{name}.qdpx")),
        "{name}: the message names the file:\n{err}"
    );
    assert!(!into.exists(), "{name}: a project folder was left behind");
    let p = Proj::new();
    let before = p.snapshot();
    let err = p.fail(&["import-qdpx", s(&file)]);
    assert!(err.contains(message), "{name}: {err}");
    assert_eq!(before, p.snapshot(), "{name}: the project changed");
    // Nothing escaped next to the archive either.
    let around: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(around.len(), 1, "{name}: {around:?}");
}

#[test]
fn hostile_archives_are_refused_and_nothing_is_written() {
    let good_qde = hostile_qde(&format!("internal://{SOURCE_GUID}.txt"));
    let src = format!("sources/{SOURCE_GUID}.txt");
    refuses_escaping_paths(&good_qde, &src);
    refuses_entities();
    refuses_zip_bombs(&good_qde, &src);
    refuses_unreadable_archives();
}

/// Entries and source paths that would land outside the project: `..`,
/// absolute paths, drive letters, symbolic links, and a source path in the
/// XML that climbs out of the archive. `good_qde` names the source `src`.
fn refuses_escaping_paths(good_qde: &str, src: &str) {
    let text = "Ordinary text.\n".as_bytes();
    let with = |extra: Raw<'_>| {
        raw_zip(&[
            stored("project.qde", good_qde.as_bytes()),
            stored(src, text),
            extra,
        ])
    };

    refused(
        "traversal",
        &with(stored("../evil.txt", b"x")),
        "path traversal",
    );
    refused(
        "deep-traversal",
        &with(stored("sources/../../evil.txt", b"x")),
        "path traversal",
    );
    refused(
        "absolute",
        &with(stored("/tmp/motif-evil.txt", b"x")),
        "absolute path",
    );
    refused(
        "drive",
        &with(stored("C:\\evil.txt", b"x")),
        "absolute path",
    );
    let mut link = stored(src, b"/etc/passwd");
    link.mode = Some(0o120_777);
    refused(
        "symlink",
        &raw_zip(&[stored("project.qde", good_qde.as_bytes()), link]),
        "symbolic link",
    );
    // A source path that climbs out of the archive.
    let qde = hostile_qde("internal://../../../etc/passwd");
    refused(
        "path-in-xml",
        &raw_zip(&[stored("project.qde", qde.as_bytes())]),
        "path traversal",
    );
}

/// Entity bombs and external entities: no DTD is read at all.
fn refuses_entities() {
    let lol = r#"<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]><Project xmlns="urn:QDA-XML:project:1.0" name="&h;"/>"#;
    refused(
        "entity-bomb",
        &raw_zip(&[stored("project.qde", lol.as_bytes())]),
        "DTD",
    );
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>"#;
    refused(
        "xxe",
        &raw_zip(&[stored("project.qde", xxe.as_bytes())]),
        "DTD",
    );
    let undeclared = r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"><Description>&x;</Description></Project>"#;
    refused(
        "undeclared-entity",
        &raw_zip(&[stored("project.qde", undeclared.as_bytes())]),
        "unknown entity",
    );
}

/// Zip bombs: a 100 MB source and a 300 MB project.qde from well under
/// 2 MB each, and a bomb whose header lies about its size. `good_qde`
/// names the source `src`.
fn refuses_zip_bombs(good_qde: &str, src: &str) {
    let (data, size) = deflate_bomb(400_000);
    assert!(data.len() < 1_000_000 && size > 100_000_000);
    let bomb = Raw {
        name: src,
        method: 8,
        data,
        size,
        crc: 0,
        mode: None,
    };
    refused(
        "source-bomb",
        &raw_zip(&[stored("project.qde", good_qde.as_bytes()), bomb]),
        "zip bomb",
    );
    let (data, size) = deflate_bomb(1_200_000);
    let bomb = Raw {
        name: "project.qde",
        method: 8,
        data: data.clone(),
        size,
        crc: 0,
        mode: None,
    };
    refused("qde-bomb", &raw_zip(&[bomb]), "zip bomb");
    // The same bomb with a header that lies about its size.
    let liar = Raw {
        name: src,
        method: 8,
        data,
        size: 100,
        crc: 0,
        mode: None,
    };
    refused(
        "lying-bomb",
        &raw_zip(&[stored("project.qde", good_qde.as_bytes()), liar]),
        src,
    );
}

/// Not a zip, no project.qde, malformed XML (named with line).
fn refuses_unreadable_archives() {
    refused("not-a-zip", b"%PDF-1.4 not a zip", "not a readable .qdpx");
    refused(
        "no-qde",
        &raw_zip(&[stored("readme.txt", b"hi")]),
        "no project.qde",
    );
    refused(
        "malformed",
        &raw_zip(&[stored(
            "project.qde",
            b"<?xml version=\"1.0\"?>\n<Project name=\"x\">\n<Users></Project>",
        )]),
        "project.qde:3",
    );
}

#[test]
fn into_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("busy");
    std::fs::create_dir_all(&into).unwrap();
    std::fs::write(into.join("notes.txt"), "mine").unwrap();
    let out = run(&[
        "import-qdpx",
        s(&fixture("refi-qda/target-atlas-project.qdpx")),
        "--into",
        s(&into),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert_eq!(files(&into).len(), 1);
}

/// `import-qdpx --merge` rewrites `attributes.csv` under the attributes
/// lock, after reading it there, like `import --attr`: a row another
/// writer adds while holding the lock survives. (It used to read the table
/// when planning and write it back without the lock, dropping the row.)
#[test]
fn merge_keeps_attributes_written_meanwhile_under_the_lock() {
    let colleague = Proj::with_sample();
    colleague.write("attributes.csv", b"id,role\nx,student\n");
    let dir = tempfile::tempdir().unwrap();
    let qdpx = dir.path().join("colleague.qdpx");
    colleague.ok(&["export", "qdpx", "-o", s(&qdpx)]);

    let p = Proj::with_sample();
    let project = motif_core::project::Project::open(&p.root).unwrap();
    let lock = project.file_lock("attributes").unwrap();
    let import = motif_cmd()
        .current_dir(&p.root)
        .args(["import-qdpx", s(&qdpx), "--merge"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The import has planned by now; another writer holds the lock.
    std::thread::sleep(std::time::Duration::from_millis(700));
    p.write("attributes.csv", b"id,wave\ny,2\n");
    drop(lock);
    let out = import.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = p.read("attributes.csv");
    assert_eq!(table, "id,wave,role\nx,,student\ny,2,\n", "{table}");
}

/// An archive's huge project name or attribute value is cut to a sensible
/// size (200 and 10,000 characters) instead of filling motif.toml and
/// attributes.csv.
#[test]
fn huge_names_and_attribute_values_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "é".repeat(1_000_000);
    let qde = format!(
        r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="{huge}"><Users><User guid="00000000-0000-4000-8000-00000000000c" name="cleo"/></Users><Variables><Variable guid="00000000-0000-4000-8000-0000000000d1" name="role" typeOfVariable="Text"/></Variables><Cases><Case guid="00000000-0000-4000-8000-0000000000e1" name="x"><VariableValue><VariableRef targetGUID="00000000-0000-4000-8000-0000000000d1"/><TextValue>{huge}</TextValue></VariableValue><SourceRef targetGUID="00000000-0000-4000-8000-0000000000f1"/></Case></Cases><Sources><TextSource guid="00000000-0000-4000-8000-0000000000f1" name="x" plainTextPath="internal://x.txt"/></Sources></Project>"#
    );
    let file = dir.path().join("huge.qdpx");
    write_qdpx(
        &file,
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/x.txt", SAMPLE.as_bytes()),
        ],
    );
    let into = dir.path().join("p");
    let (out, err) = ok(&["import-qdpx", s(&file), "--into", s(&into)]);
    let said = format!("{out}{err}");
    assert!(
        said.contains("attribute `role` was cut to its first 10000 of"),
        "the cut is said: {said}"
    );
    let toml = std::fs::metadata(into.join("motif.toml")).unwrap().len();
    assert!(toml < 2_000, "motif.toml is {toml} bytes");
    let attrs = std::fs::read_to_string(into.join("attributes.csv")).unwrap();
    assert_eq!(attrs.chars().filter(|&c| c == 'é').count(), 10_000);
}
