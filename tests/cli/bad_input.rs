//! Every deliberately broken fixture in `tests/fixtures/bad` produces its
//! message, names the culprit and changes nothing (see `cases.tsv`).

use crate::util::{Proj, fixture};

#[test]
fn every_bad_fixture_fails_clearly_and_changes_nothing() {
    let manifest = std::fs::read_to_string(fixture("bad/cases.tsv")).unwrap();
    let mut checked = 0;
    let mut listed = Vec::new();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, kind, expected) = (cols[0], cols[1], cols[2]);
        listed.push(file.to_owned());
        let p = Proj::with_sample();
        let src = fixture(&format!("bad/{file}"));
        let src_s = src.to_str().unwrap();
        let good = fixture("import/zoom.txt").to_string_lossy().into_owned();
        let args: Vec<&str> = match kind {
            "import" => vec!["import", src_s],
            "from" => vec!["code", "--from", src_s, "--coder", "ana"],
            "codebook" => {
                std::fs::copy(&src, p.path("codebooks/codebook.toml")).unwrap();
                vec!["codes"]
            }
            "attributes" => {
                std::fs::copy(&src, p.path("attributes.csv")).unwrap();
                vec!["transcripts"]
            }
            "config" => {
                std::fs::copy(&src, p.path("motif.toml")).unwrap();
                vec!["codes"]
            }
            // The table `import --attr` would write into is broken: the
            // import is refused whole, the transcript not imported.
            "import-attr" => {
                std::fs::copy(&src, p.path("attributes.csv")).unwrap();
                vec!["import", &good, "--attr", "wave=2"]
            }
            "qdpx-merge" => vec!["import-qdpx", src_s, "--merge"],
            other => panic!("unknown kind {other} in cases.tsv"),
        };
        let before = p.snapshot();
        let out = p.run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file}: expected failure, got {}; stderr: {err}",
            out.status
        );
        for frag in expected.split(" | ") {
            assert!(err.contains(frag), "{file}: stderr lacks `{frag}`:\n{err}");
        }
        assert!(!err.contains("panicked"), "{file}: {err}");
        assert_eq!(before, p.snapshot(), "{file} changed the project");
        checked += 1;
    }
    // Every fixture in the folder is listed in the manifest.
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "cases.tsv")
        .collect();
    on_disk.sort();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/fixtures/bad and cases.tsv disagree");
    assert!(checked >= 25);
}

#[test]
fn a_non_utf8_file_dropped_into_transcripts_is_named_by_check() {
    let p = Proj::with_sample();
    p.write("transcripts/dropped.txt", b"ANA: fine\nBEN: caf\xE9\n");
    let out = p.run(&["transcripts"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dropped.txt:2") && err.contains("not UTF-8"),
        "{err}"
    );
    let report = p.fail(&["check"]);
    assert!(report.is_empty());
    let out = p.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("problem: ") && text.contains("dropped.txt:2"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let p = Proj::with_sample();
    let out = p.run(&["code", "x", "--chars", "0-3", "--lines", "1-2", "theme"]);
    assert_eq!(out.status.code(), Some(2));
    let out = p.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn outside_a_project_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::motif_cmd()
        .current_dir(dir.path())
        .arg("codes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no motif project here") && err.contains("motif init"),
        "{err}"
    );
}

#[test]
fn a_codebook_outside_the_project_is_refused_and_never_written() {
    let p = Proj::new();
    let config = "name = \"study\"\ncodebook = \"codebooks/../../outside/cb.toml\"\n";
    p.write("motif.toml", config.as_bytes());
    let out = p.run(&["codes", "add", "theme", "--description", "d"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("motif.toml:2") && err.contains("outside the project"),
        "{err}"
    );
    assert!(!p.root.parent().unwrap().join("outside").exists());
    // Through a symlink of an existing folder, too.
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), p.path("linked")).unwrap();
    p.write(
        "motif.toml",
        b"name = \"study\"\ncodebook = \"linked/cb.toml\"\n",
    );
    let out = p.run(&["codes", "add", "theme", "--description", "d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!outside.path().join("cb.toml").exists());
}

#[test]
fn a_missing_codebook_is_an_error_once_codings_use_it() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--lines", "1-1", "theme", "--coder", "ana"]);
    std::fs::remove_file(p.path("codebooks/codebook.toml")).unwrap();
    let before = p.snapshot();
    let out = p.run(&["segments"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("codebook.toml") && err.contains("missing"),
        "{err}"
    );
    let out = p.run(&["codes", "add", "other", "--description", "d"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(before, p.snapshot());
    // A project without codings whose codebook was never made still works.
    let fresh = Proj::new();
    std::fs::remove_file(fresh.path("codebooks/codebook.toml")).unwrap();
    fresh.ok(&["codes", "add", "theme", "--description", "d"]);
    assert!(fresh.read("codebooks/codebook.toml").contains("theme"));
}

/// A file named `.motif` where motif keeps its derived data is named in
/// the error of every command, instead of "File exists (os error 17)".
#[test]
fn a_file_named_dot_motif_is_named() {
    let p = Proj::with_sample();
    let _ = std::fs::remove_dir_all(p.path(".motif"));
    p.write(".motif", b"not a folder");
    let before = p.snapshot();
    for args in [
        vec!["code", "x", "--chars", "0-3", "theme"],
        vec!["search", "the"],
        vec!["segments", "--json"],
    ] {
        let err = p.fail(&args);
        assert!(err.contains(".motif is not a folder"), "{args:?}: {err}");
    }
    assert_eq!(before, p.snapshot());
}

/// A codebook path in motif.toml that lies among the files motif keeps
/// (derived data, journals, memos, transcripts, saved queries) or is not a
/// `.toml` file is refused, naming motif.toml and the path.
#[test]
fn a_codebook_among_other_files_is_refused() {
    let p = Proj::with_sample();
    let config = p.read("motif.toml");
    for place in [
        ".motif/index/cb.toml",
        "memos/project.md",
        "memos/cb.toml",
        "transcripts/cb.txt",
        "codings/x.jsonl",
        "queries/cb.toml",
        "codebooks/cb.txt",
    ] {
        let line = format!("codebook = \"{place}\"");
        let changed: String = config
            .lines()
            .map(|l| {
                if l.starts_with("codebook") {
                    line.as_str()
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        p.write("motif.toml", changed.as_bytes());
        let before = p.snapshot();
        for args in [&["codes"][..], &["codes", "add", "zzz"], &["memo", "x"]] {
            let err = p.fail(args);
            assert!(
                err.contains("motif.toml") && err.contains(place),
                "{place}: {err}"
            );
        }
        assert_eq!(before, p.snapshot(), "{place}");
    }
}
