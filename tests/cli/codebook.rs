//! Managing the codebook: codings follow renames, moves and merges;
//! deletion refuses while codings exist; the linter; memos.

use crate::util::Proj;

fn codes_of_segments(p: &Proj) -> Vec<String> {
    p.json(&["segments", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn codings_follow_rename_move_and_merge() {
    let p = Proj::with_sample();
    p.ok(&[
        "codes",
        "add",
        "other",
        "--description",
        "Other things",
        "--rgb",
        "#123456",
    ]);
    p.ok(&["code", "x", "--chars", "0-5", "sub", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "5-9", "other", "--coder", "ben"]);
    p.ok(&["codes", "rename", "theme", "thème"]);
    assert_eq!(codes_of_segments(&p), ["thème/sub", "other"]);
    p.ok(&["codes", "move", "sub", "other"]);
    assert_eq!(codes_of_segments(&p), ["other/sub", "other"]);
    p.ok(&["codes", "move", "sub", "--root"]);
    assert_eq!(codes_of_segments(&p), ["sub", "other"]);
    let out = p.ok(&["codes", "merge", "sub", "other"]);
    assert!(
        out.contains("merged sub into other: 1 coding(s) now count as other"),
        "{out}"
    );
    assert_eq!(codes_of_segments(&p), ["other", "other"]);
    let codes = p.json(&["codes", "--json"]);
    let other = codes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "other")
        .unwrap();
    assert_eq!(other["segments"], 2);
    assert_eq!(other["color"], "#123456");
    // The codebook file stays valid TOML that a person can read.
    let text = p.read("codebooks/codebook.toml");
    assert!(
        text.contains(".name = \"thème\"") && text.contains(".aliases = ["),
        "{text}"
    );
}

#[test]
fn delete_refuses_while_codings_exist_unless_forced() {
    let p = Proj::with_sample();
    p.ok(&["code", "x", "--chars", "0-5", "sub", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "0-5", "sub", "--coder", "ben"]);
    let before = p.snapshot();
    let err = p.fail(&["codes", "delete", "sub"]);
    assert!(
        err.contains("2 coding(s) use theme/sub (ana 1, ben 1)") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
    let err = p.fail(&["codes", "delete", "theme"]);
    assert!(err.contains("has child codes"), "{err}");
    let out = p.ok(&["codes", "delete", "sub", "--force"]);
    assert!(out.contains("removed its 2 coding(s)"), "{out}");
    assert!(codes_of_segments(&p).is_empty());
    assert!(p.ok(&["check"]).contains("everything is in order"));
}

/// A code deleted after its codings were undone or uncoded cannot come
/// back through redo or undo: the journal never holds a coding on a code
/// that no longer exists.
#[test]
fn undo_and_redo_never_bring_back_a_deleted_code() {
    let p = Proj::with_sample();
    p.ok(&["codes", "add", "éphémère", "--description", "bientôt 消失"]);
    p.ok(&["code", "x", "--chars", "0-5", "éphémère", "--coder", "ana"]);
    p.ok(&["undo", "--coder", "ana"]);
    p.ok(&["codes", "delete", "éphémère"]);
    let before = p.snapshot();
    let err = p.fail(&["redo", "--coder", "ana"]);
    assert!(
        err.contains("cannot redo") && err.contains("no longer in"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());

    // An uncoding undone after its code was deleted would put the coding
    // back on it.
    p.ok(&["codes", "add", "fugace", "--description", "d"]);
    p.ok(&["code", "x", "--chars", "6-9", "fugace", "--coder", "ana"]);
    p.ok(&["uncode", "x", "--chars", "6-9", "--coder", "ana"]);
    p.ok(&["codes", "delete", "fugace"]);
    let before = p.snapshot();
    let err = p.fail(&["undo", "--coder", "ana"]);
    assert!(
        err.contains("cannot undo") && err.contains("no longer in"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
    assert!(p.ok(&["check"]).contains("everything is in order"));
}

#[test]
fn add_checks_parents_names_and_keys() {
    let p = Proj::with_sample();
    assert!(
        p.fail(&["codes", "add", "missing/child"])
            .contains("there is no code `missing`")
    );
    assert!(
        p.fail(&["codes", "add", "theme"])
            .contains("already exists")
    );
    assert!(
        p.fail(&["codes", "add", "dup", "--key", "t"])
            .contains("already used by `theme`")
    );
    assert!(
        p.fail(&["codes", "rename", "theme", "a/b"])
            .contains("contains `/`")
    );
    assert!(
        p.fail(&["codes", "move", "theme", "sub"])
            .contains("under itself")
    );
}

#[test]
fn lint_reports_unused_undefined_and_duplicate_names() {
    let p = Proj::with_sample();
    p.ok(&["codes", "add", "other"]);
    p.ok(&[
        "codes",
        "add",
        "other/sub",
        "--description",
        "Same name as theme/sub",
    ]);
    p.ok(&["code", "x", "--chars", "0-5", "theme/sub", "--coder", "ana"]);
    let out = p.run(&["codes", "lint"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unused: other/sub has no codings"), "{text}");
    assert!(!text.contains("unused: theme/sub"), "{text}");
    assert!(
        text.contains("no-definition: other has no definition"),
        "{text}"
    );
    assert!(
        text.contains("duplicate-name: the name `sub` is used by theme/sub and other/sub"),
        "{text}"
    );
}

#[test]
fn memos_on_project_transcript_and_code_survive_a_rename() {
    let p = Proj::with_sample();
    p.ok(&["memo", "First impressions: saturation near."]);
    p.ok(&["memo", "Second thought — 第二."]);
    assert_eq!(
        p.ok(&["memo"]),
        "First impressions: saturation near.\n\nSecond thought — 第二.\n"
    );
    p.ok(&["memo", "--transcript", "x", "Recorded in a café."]);
    assert_eq!(
        p.ok(&["memo", "--transcript", "x"]),
        "Recorded in a café.\n"
    );
    p.ok(&["memo", "--code", "sub", "Use for narrower cases."]);
    p.ok(&["codes", "rename", "sub", "narrow"]);
    assert_eq!(
        p.ok(&["memo", "--code", "theme/narrow"]),
        "Use for narrower cases.\n"
    );
    p.ok(&["memo", "--code", "narrow", "--replace", "Replaced."]);
    assert_eq!(p.ok(&["memo", "--code", "narrow"]), "Replaced.\n");
    assert!(
        p.fail(&["memo", "--transcript", "nobody", "x"])
            .contains("no transcript `nobody`")
    );
}

#[test]
fn memo_edit_uses_the_editor() {
    let p = Proj::with_sample();
    let script = p.path("fake-editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf 'Edited in the editor ✍\\n' > \"$1\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = crate::util::motif_cmd()
        .arg("--project")
        .arg(&p.root)
        .args(["memo", "--code", "theme", "--edit"])
        .env("EDITOR", &script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        p.ok(&["memo", "--code", "theme"]),
        "Edited in the editor ✍\n"
    );
}
