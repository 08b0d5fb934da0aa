//! The session's use cases on a real project in a temporary folder.

use super::staging;
use super::*;
use crate::ops::SpanSpec;
use crate::search::{Hit, Results};

/// A project with transcript `p1` (accents, CJK, emoji, CRLF on import)
/// and codes `theme` and `other`, opened for coder `ana`.
fn session() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let project = Project::init(&dir.path().join("study"), Some("t")).unwrap();
    let src = dir.path().join("p1.txt");
    std::fs::write(
        &src,
        "INTERVIEWER: Où étiez-vous?\r\nANA: 在东京 with 🤖 notebooks, notebooks again.\r\n",
    )
    .unwrap();
    let mut s = Session::new(project, Some("ana".into()));
    let report = s
        .import(
            &ImportOptions {
                paths: vec![src],
                attrs: vec!["Role=student".into()],
                ..ImportOptions::default()
            },
            &mut |_, _, _, _| {},
        )
        .unwrap();
    assert_eq!(report.imported[0].speakers, ["INTERVIEWER", "ANA"]);
    assert_eq!(report.attributes_set, 1);
    s.add_code("theme", "A theme", Some('t'), None).unwrap();
    s.add_code("other", "Another", None, None).unwrap();
    (dir, s)
}

/// Hits on every `notebooks` of `p1`, as a search would return them.
fn hits(s: &Session) -> Results {
    let t = s.project.transcript("p1").unwrap();
    let chars: Vec<char> = t.text.chars().collect();
    let word: Vec<char> = "notebooks".chars().collect();
    let hits: Vec<Hit> = (0..chars.len())
        .filter(|&i| chars[i..].starts_with(&word))
        .map(|start| Hit {
            transcript: "p1".into(),
            start,
            end: start + word.len(),
            speaker: Some("ANA".into()),
            score: 1.0,
            text: "notebooks".into(),
            matches: vec![(start, start + word.len())],
            line: 2,
            time: None,
        })
        .collect();
    Results {
        query: "notebooks".into(),
        total: hits.len(),
        hits,
    }
}

#[test]
fn autocode_dry_run_plans_exactly_what_the_write_makes() {
    let (_dir, mut s) = session();
    let results = hits(&s);
    assert_eq!(results.hits.len(), 2);
    // One of the two is coded already.
    let first = &results.hits[0];
    s.code(
        "p1",
        &Target::Span(SpanSpec::Chars(first.start, first.end)),
        &["theme".into()],
        None,
    )
    .unwrap();
    let dry = s
        .autocode(&results, "t", HitSpan::Passage, None, true)
        .unwrap();
    assert_eq!((dry.new.len(), dry.already), (1, 1));
    assert_eq!(dry.new[0].start, results.hits[1].start);
    assert_eq!((dry.new[0].line_start, dry.new[0].line_end), (2, 2));
    let real = s
        .autocode(&results, "theme", HitSpan::Passage, None, false)
        .unwrap();
    assert_eq!((real.new.len(), real.already), (1, 1));
    assert_eq!(real.new[0].start, dry.new[0].start);
    let again = s
        .autocode(&results, "theme", HitSpan::Passage, None, true)
        .unwrap();
    assert_eq!((again.new.len(), again.already), (0, 2));
}

#[test]
fn codebook_changes_go_through_the_lock_and_follow_their_codings() {
    let (_dir, mut s) = session();
    s.code(
        "p1",
        &Target::Matches("notebooks".into()),
        &["other".into()],
        None,
    )
    .unwrap();
    let c = s.rename_code("other", "tools").unwrap();
    assert_eq!(
        (c.old_path.as_str(), c.new_path.as_str()),
        ("other", "tools")
    );
    let c = s.move_code("tools", Some("theme")).unwrap();
    assert_eq!(c.new_path, "theme/tools");
    let e = s.delete_code("theme/tools", false).unwrap_err();
    assert!(
        e.to_string()
            .contains("2 coding(s) use theme/tools (ana 2)"),
        "{e}"
    );
    let m = s.merge_codes("theme/tools", "theme").unwrap();
    assert_eq!(
        (m.gone.path.as_str(), m.kept.path.as_str(), m.codings),
        ("theme/tools", "theme", 2)
    );
    // The saved codebook is what the session now holds.
    assert_eq!(
        s.project.codebook().unwrap().len(),
        s.codebook().unwrap().len()
    );
    let d = s.delete_code("theme", true).unwrap();
    assert_eq!(d.codings, 2);
    assert!(s.journal().unwrap().codings().is_empty());
}

#[test]
fn undo_redo_and_memos() {
    let (_dir, mut s) = session();
    s.code(
        "p1",
        &Target::Span(SpanSpec::Lines(2, 2)),
        &["theme".into(), "other".into()],
        Some("both"),
    )
    .unwrap();
    assert_eq!(s.journal().unwrap().codings().len(), 2);
    assert!(s.undo().unwrap().is_some());
    assert!(s.journal().unwrap().codings().is_empty());
    assert!(s.redo().unwrap().is_some());
    assert_eq!(s.journal().unwrap().codings().len(), 2);
    let target = s.memo_target(None, Some("t")).unwrap();
    s.append_memo(&target, "first").unwrap();
    s.append_memo(&target, "second").unwrap();
    let memo = s.read_memo(&target).unwrap();
    assert!(memo.contains("first") && memo.contains("second"), "{memo}");
    assert!(s.memo_target(Some("nope"), None).is_err());
}

/// Writes `files` (name, text) into a fresh folder; returns their paths.
fn sources(dir: &std::path::Path, files: &[(&str, &str)]) -> Vec<std::path::PathBuf> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    files
        .iter()
        .map(|(name, text)| {
            let p = src.join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect()
}

#[test]
fn an_import_killed_before_its_plan_leaves_nothing_and_runs_again() {
    let (dir, mut s) = session();
    // What a killed import staged before its plan was written.
    let dest = s.project.transcripts_dir().join("q1.txt");
    let tmp = staging::stage(&dest, "dead", 0, b"ANA: half\n").unwrap();
    assert!(tmp.exists());
    let paths = sources(dir.path(), &[("q1.txt", "ANA: whole, 北京 🤖\n")]);
    let options = ImportOptions {
        paths: paths.clone(),
        ..ImportOptions::default()
    };
    let report = s.import(&options, &mut |_, _, _, _| {}).unwrap();
    assert_eq!(report.recovered, 0);
    assert!(!tmp.exists(), "the killed import's staged file is removed");
    assert_eq!(
        s.project.transcript("q1").unwrap().text,
        "ANA: whole, 北京 🤖\n"
    );
    // Run again: the same text is not refused, nothing changes.
    let again = s.import(&options, &mut |_, _, _, _| {}).unwrap();
    assert!(again.imported[0].unchanged);
}

#[test]
fn an_import_killed_after_its_plan_is_finished_by_the_next_one() {
    let (dir, mut s) = session();
    let root = s.project.root.clone();
    let rel = |p: &std::path::Path| p.strip_prefix(&root).unwrap().to_path_buf();
    let mut plan = staging::Plan::default();
    for (i, id) in ["k1", "k2"].iter().enumerate() {
        let dest = s
            .project
            .transcripts_dir()
            .join("w")
            .join(format!("{id}.txt"));
        let tmp = staging::stage(&dest, "dead", i, format!("ANA: {id} é\n").as_bytes()).unwrap();
        plan.moves.push((rel(&tmp), rel(&dest)));
        plan.ids.push(format!("w/{id}"));
    }
    plan.attrs.push(("wave".into(), "2".into()));
    staging::record(&s.project, &plan).unwrap();
    // Killed here: nothing renamed yet.
    assert!(s.project.transcript_file("w/k1").is_none());
    let paths = sources(dir.path(), &[("other.txt", "ANA: other\n")]);
    let report = s
        .import(
            &ImportOptions {
                paths,
                ..ImportOptions::default()
            },
            &mut |_, _, _, _| {},
        )
        .unwrap();
    assert_eq!(report.recovered, 2);
    for id in ["w/k1", "w/k2"] {
        assert!(s.project.transcript(id).is_ok(), "{id}");
        assert_eq!(s.project.attributes().unwrap().rows[id]["wave"], "2");
    }
    assert!(s.project.transcript("other").is_ok());
    assert!(!s.project.derived_dir().join("import-pending.json").exists());
}
