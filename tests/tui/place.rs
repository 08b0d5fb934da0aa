//! Memory of place (the last transcript and position, per coder, in
//! `.motif/place/`) and transcripts imported by another process.

use motif::tui::app::App;

use crate::{Fixture, press};

#[test]
fn the_last_transcript_and_position_come_back_per_coder() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ": text:open_p02 enter : text:goto_3 enter");
    let cursor = app.cursor;
    app.save_place().unwrap();
    assert!(f.root().join(".motif/place/ana.json").is_file());
    let mut again = f.app();
    assert_eq!(
        again.current.as_deref(),
        Some("p01"),
        "load alone starts at the first"
    );
    assert!(again.restore_place());
    assert_eq!(again.current.as_deref(), Some("p02"));
    assert_eq!(again.cursor, cursor);
    assert_eq!(again.list_sel, 1);
    // Another coder has a place of their own (none yet).
    let mut ben = App::load(
        motif_core::project::Project::open(f.root()).unwrap(),
        "ben".into(),
    )
    .unwrap();
    assert!(!ben.restore_place());
    assert_eq!(ben.current.as_deref(), Some("p01"));
}

#[test]
fn a_damaged_missing_or_stale_place_starts_at_the_first_transcript() {
    let f = Fixture::new();
    let path = f.root().join(".motif/place/ana.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for bad in [&b"{\"transcript\": \"p02\", \"curs"[..], b"\xff\xfe", b"[]"] {
        std::fs::write(&path, bad).unwrap();
        let mut app = f.app();
        assert!(!app.restore_place());
        assert_eq!(app.current.as_deref(), Some("p01"));
        assert_eq!(app.cursor, 0);
    }
    // A transcript that is gone.
    std::fs::write(&path, r#"{"transcript":"gone","cursor":3,"top_line":0}"#).unwrap();
    let mut app = f.app();
    assert!(!app.restore_place());
    assert_eq!(app.current.as_deref(), Some("p01"));
    // A position past a shortened transcript's end: its last character.
    std::fs::write(
        &path,
        r#"{"transcript":"p02","cursor":99999,"top_line":500}"#,
    )
    .unwrap();
    let mut app = f.app();
    assert!(app.restore_place());
    let t = app.transcript().unwrap();
    assert!(app.cursor < t.text.len());
    assert_eq!(app.scroll.line, t.index.line_count() - 1);
    // Saving replaces the damaged file whole.
    std::fs::write(&path, b"garbage").unwrap();
    app.save_place().unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["transcript"], "p02");
}

#[cfg(unix)]
#[test]
fn a_place_file_linked_out_of_the_project_is_neither_read_nor_written() {
    let f = Fixture::new();
    let outside = f.root().parent().unwrap().join("outside.json");
    std::fs::write(&outside, r#"{"transcript":"p02","cursor":3,"top_line":0}"#).unwrap();
    let path = f.root().join(".motif/place/ana.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&outside, &path).unwrap();
    let mut app = f.app();
    assert!(!app.restore_place());
    assert_eq!(app.current.as_deref(), Some("p01"));
    assert!(app.save_place().is_err());
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        r#"{"transcript":"p02","cursor":3,"top_line":0}"#
    );
}

#[test]
fn a_transcript_imported_by_another_process_appears_on_its_own() {
    let f = Fixture::new();
    let mut app = f.app();
    assert!(!app.poll_changes());
    let dir = f.root().parent().unwrap().join("from ünï");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p03.txt");
    std::fs::write(
        &file,
        "[00:00:01] MEI: 北京 and notebooks 🙂\r\nOn colab.\r\n",
    )
    .unwrap();
    f.cli(&["import", file.to_str().unwrap()]);
    assert!(app.poll_changes());
    assert_eq!(app.ids, ["p01", "p02", "p03"]);
    assert!(
        app.status.text.contains("1 new transcript"),
        "{:?}",
        app.status
    );
    press(&mut app, ": text:open_p03 enter");
    assert_eq!(app.current.as_deref(), Some("p03"));
    assert!(
        app.transcript()
            .unwrap()
            .text
            .contains("北京 and notebooks 🙂")
    );
    // Codings on it made elsewhere appear too; nothing more changes after.
    f.cli(&[
        "code",
        "p03",
        "--lines",
        "1-1",
        "community",
        "--coder",
        "ben",
    ]);
    assert!(app.poll_changes());
    assert_eq!(app.segs.len(), 1);
    assert!(!app.poll_changes());
    // Removed elsewhere: gone from the list, the first one opens.
    std::fs::remove_file(f.root().join("transcripts/p03.txt")).unwrap();
    assert!(app.poll_changes());
    assert_eq!(app.ids, ["p01", "p02"]);
    assert_eq!(app.current.as_deref(), Some("p01"));
}
