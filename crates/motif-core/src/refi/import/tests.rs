//! Unit tests of REFI-QDA import: names, ids and small packages.

use super::apply::{apply, create_project};
use super::names::{code_name, coder_name, decode_source, transcript_id_from};
use super::{ImportOptions, ImportedSource, Package};

#[test]
fn names_become_ids() {
    assert_eq!(transcript_id_from("Mabêl 2ième.txt", "x"), "Mabêl-2ième");
    assert_eq!(
        transcript_id_from("中文-简体 Document 1", "x"),
        "中文-简体-Document-1"
    );
    assert_eq!(transcript_id_from("wave2/p03", "x"), "wave2/p03");
    assert_eq!(transcript_id_from("../../etc/passwd", "x"), "etc/passwd");
    // Found by fuzzing: `x.txt/y` needs a folder `x.txt`, where the
    // transcript `x` is stored.
    assert_eq!(transcript_id_from("x.txt/y.txt", "x"), "x-txt/y");
    assert_eq!(transcript_id_from("A.MD/b.Md/c.md", "x"), "A-MD/b-Md/c");
    assert_eq!(
        transcript_id_from("", "5215cc69-b628-4e02-afb9-9beeaee55808"),
        "source-5215cc69"
    );
    assert_eq!(coder_name("Enric Llagostera"), "Enric-Llagostera");
    assert_eq!(coder_name("  .hidden "), "hidden");
    assert_eq!(code_name(Some("a/b\u{7}c")), "a\u{2215}b c");
    assert_eq!(code_name(Some("   ")), "unnamed code");
}

#[test]
fn a_transcript_and_a_folder_named_like_its_file_both_import() {
    let dir = tempfile::tempdir().unwrap();
    let project = create_project(&dir.path().join("p"), "clash").unwrap();
    // A folder named like the file `x` is stored in, made by hand.
    std::fs::create_dir_all(project.transcripts_dir().join("z.txt")).unwrap();
    let source = |name: &str, text: &str| ImportedSource {
        guid: super::super::guid("test", name),
        name: name.into(),
        text: text.into(),
        ..ImportedSource::default()
    };
    let pkg = Package {
        sources: vec![
            source("x", "one\n"),
            source("x.txt/y", "two\n"),
            source("z", "three\n"),
        ],
        ..Package::default()
    };
    let opts = ImportOptions {
        allow_external_paths: false,
        default_coder: "ana".into(),
        merge: false,
    };
    let report = apply(&project, &pkg, &opts).unwrap();
    assert_eq!(report.transcripts_added, ["x", "x-txt/y", "z-2"]);
    let (loaded, bad) = project.transcripts().unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(loaded.len(), 3);
}

#[test]
fn sources_decode_with_boms_and_legacy_bytes() {
    let mut notices = Vec::new();
    assert_eq!(
        decode_source(b"\xEF\xBB\xBFcaf\xC3\xA9\r\n", "s", &mut notices).unwrap(),
        ("café\r\n".to_owned(), true)
    );
    assert_eq!(
        decode_source(b"caf\xE9", "s", &mut notices).unwrap(),
        ("café".to_owned(), false)
    );
    assert_eq!(notices.len(), 1);
}
