//! Keys in, state out: no drawing.

use motif::tui::app::{App, Pane, Unit};
use motif::tui::popup::Popup;
use motif_core::project::Project;

use crate::{Fixture, my_codings, press};

#[test]
fn select_a_turn_and_code_it_with_a_shortcut_in_three_keys() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ")");
    assert_eq!(
        &app.transcript().unwrap().text[app.cursor..app.cursor + 8],
        "Honestly"
    );
    press(&mut app, "t c f");
    assert_eq!(
        my_codings(&app),
        [(
            "standardization/frameworks".to_owned(),
            "Honestly it wasn't a decision. Everyone around us was on PyTorch.\n\nThe tutorials were PyTorch, the hires knew PyTorch — 北京 too.".to_owned()
        )]
    );
    assert!(app.status.text.contains("saved"), "{:?}", app.status);
    assert!(app.selection.is_none());
    // On disk already: another reader sees it.
    let p = Project::open(f.root()).unwrap();
    assert_eq!(p.journal("ana").unwrap().len(), 1);
    // The cursor moved on to the next turn: two keys code it the same way.
    press(&mut app, "t .");
    assert_eq!(
        my_codings(&app)[1],
        (
            "standardization/frameworks".to_owned(),
            "Did you contribute back?".to_owned()
        )
    );
}

#[test]
fn sentence_word_and_line_selections_grow_and_shrink() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") s");
    let (s, e) = app.selection_range().unwrap();
    assert_eq!(
        &app.transcript().unwrap().text[s..e],
        "Honestly it wasn't a decision."
    );
    press(&mut app, "+");
    let (s, e) = app.selection_range().unwrap();
    assert_eq!(
        &app.transcript().unwrap().text[s..e],
        "Honestly it wasn't a decision. Everyone around us was on PyTorch."
    );
    press(&mut app, "-");
    let (s, e) = app.selection_range().unwrap();
    assert_eq!(
        &app.transcript().unwrap().text[s..e],
        "Honestly it wasn't a decision."
    );
    press(&mut app, "esc e");
    let (s, e) = app.selection_range().unwrap();
    assert_eq!(&app.transcript().unwrap().text[s..e], "Honestly");
    assert_eq!(app.selection.unwrap().unit, Unit::Word);
    press(&mut app, "esc V");
    let (s, e) = app.selection_range().unwrap();
    // Line selection leaves out the timestamp and speaker label.
    assert_eq!(
        &app.transcript().unwrap().text[s..e],
        "Honestly it wasn't a decision. Everyone around us was on PyTorch."
    );
    press(&mut app, "j j");
    let (_, e) = app.selection_range().unwrap();
    assert!(app.transcript().unwrap().text[..e].ends_with("北京 too."));
}

#[test]
fn picker_filters_applies_and_creates_codes() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") e C text:jobs enter");
    assert_eq!(
        my_codings(&app),
        [("community/jobs".to_owned(), "Honestly".to_owned())]
    );
    press(&mut app, "w e C text:community/mentoring enter");
    assert!(app.book.by_path("community/mentoring").is_some());
    assert_eq!(
        my_codings(&app)[1],
        ("community/mentoring".to_owned(), "it".to_owned())
    );
    // The new code is in the codebook file too.
    let p = Project::open(f.root()).unwrap();
    assert!(
        p.codebook()
            .unwrap()
            .by_path("community/mentoring")
            .is_some()
    );
}

#[test]
fn undo_redo_reach_codings_from_an_earlier_session() {
    let f = Fixture::new();
    {
        let mut app = f.app();
        press(&mut app, ") t c j");
        assert_eq!(my_codings(&app).len(), 1);
    }
    let mut app = f.app();
    assert_eq!(my_codings(&app).len(), 1);
    press(&mut app, "u");
    assert!(my_codings(&app).is_empty());
    assert!(app.status.text.starts_with("undid"), "{:?}", app.status);
    press(&mut app, "ctrl-r");
    assert_eq!(my_codings(&app).len(), 1);
}

#[test]
fn remove_and_recode_the_segment_under_the_cursor() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t c f");
    press(&mut app, "( r text:jobs enter");
    assert_eq!(my_codings(&app)[0].0, "community/jobs");
    press(&mut app, "x");
    assert!(my_codings(&app).is_empty());
    press(&mut app, "u");
    assert_eq!(my_codings(&app)[0].0, "community/jobs");
}

#[test]
fn command_line_verbs() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ": text:open_p02 enter");
    assert_eq!(app.current.as_deref(), Some("p02"));
    press(
        &mut app,
        ": text:select_3-3 enter : text:code_community enter",
    );
    assert_eq!(
        my_codings(&app),
        [(
            "community".to_owned(),
            "From free courses and the docs.".to_owned()
        )]
    );
    press(&mut app, ": text:goto_3 enter : text:uncode enter");
    assert!(my_codings(&app).is_empty());
    press(&mut app, ": text:undo enter");
    assert_eq!(my_codings(&app).len(), 1);
    press(&mut app, ": text:export_frequencies enter");
    let freq: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.root().join("frequencies.json")).unwrap())
            .unwrap();
    assert_eq!(freq["totals"]["segments"], 1);
    // Completion.
    press(&mut app, ": text:op tab");
    match &app.popup {
        Popup::Command(line) => assert_eq!(line.input.text, "open"),
        other => panic!("{other:?}"),
    }
    press(&mut app, "esc : text:frobnicate enter");
    assert!(app.status.error && app.status.text.contains("unknown command"));
    press(&mut app, ": text:q enter");
    assert!(app.quit);
}

#[test]
fn memo_popup_saves_on_a_coding_and_on_a_passage() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t c f");
    press(&mut app, "( m text:key_quote enter text:second_line ctrl-s");
    let j = Project::open(f.root()).unwrap().journal("ana").unwrap();
    assert_eq!(
        j.codings()[0].memo.as_deref(),
        Some("key quote\nsecond line")
    );
    press(&mut app, "e m text:note_on_a_word ctrl-s");
    let memo = std::fs::read_to_string(f.root().join("memos/transcripts/p01.md")).unwrap();
    assert!(
        memo.contains("> Honestly") && memo.contains("note on a word"),
        "{memo}"
    );
}

#[test]
fn codebook_pane_lists_segments_and_jumps() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t c f");
    press(&mut app, ": text:open_p02 enter");
    press(&mut app, "tab");
    assert_eq!(app.focus, Pane::Codebook);
    press(&mut app, "j enter");
    match &app.popup {
        Popup::List(list) => assert_eq!(list.items.len(), 1),
        other => panic!("{other:?}"),
    }
    press(&mut app, "enter");
    assert_eq!(app.current.as_deref(), Some("p01"));
    assert_eq!(app.focus, Pane::Text);
    assert!(app.transcript().unwrap().text[app.cursor..].starts_with("Honestly"));
}

#[test]
fn search_lists_hits_and_n_steps_through_them() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "/ text:pytorch enter");
    match &app.popup {
        Popup::List(list) => assert_eq!(list.items.len(), 1),
        other => panic!("{other:?}"),
    }
    press(&mut app, "esc / text:the enter esc");
    // Whole words: "then" and "they" do not match "the".
    assert_eq!(app.hits.len(), 2);
    press(&mut app, "n");
    assert_eq!(app.hit, 1);
    assert_eq!(app.current.as_deref(), Some("p01"));
}

#[test]
fn another_process_codings_appear_after_refresh() {
    let f = Fixture::new();
    let mut app = f.app();
    f.cli(&[
        "code",
        "p01",
        "--lines",
        "3-3",
        "community",
        "--coder",
        "ben",
    ]);
    assert!(app.poll_changes());
    assert!(app.segs.iter().any(|s| s.coder == "ben"));
    press(&mut app, "A");
    assert!(!app.segs.iter().any(|s| s.coder == "ben"));
}

#[test]
fn jumping_past_line_65535_works() {
    let f = Fixture::new();
    let mut long = String::new();
    for i in 0..70_000 {
        long.push_str("ANA: line ");
        long.push_str(&i.to_string());
        long.push_str(" of a very long transcript\n");
    }
    std::fs::write(f.root().join("transcripts/long.txt"), long).unwrap();
    let mut app: App = f.app();
    press(&mut app, ": text:open_long enter : text:goto_66000 enter");
    let t = app.transcript().unwrap();
    assert_eq!(t.index.line_of_byte(app.cursor), 65_999);
    assert!(app.scroll.line > 65_535);
    press(&mut app, "t c s");
    assert_eq!(
        my_codings(&app)[0].1,
        "line 65999 of a very long transcript"
    );
}

#[test]
fn mouse_drag_selects_and_wheel_scrolls() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let f = Fixture::new();
    let mut app = f.app();
    let areas = app.areas();
    // The screen row where line 3 starts.
    let (w, h) = areas.text_size();
    let rows = motif::tui::textview::visible_rows(app.transcript().unwrap(), app.scroll, w, h);
    let r = rows.iter().position(|r| r.line == 2 && r.first).unwrap() as u16;
    let x0 = areas.text.0 + 1 + areas.gutter;
    let y = areas.text.1 + 1 + r;
    let at = |kind, column| MouseEvent {
        kind,
        column,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    let label = "[00:00:09] ZOË: ".chars().count() as u16;
    app.on_mouse(at(MouseEventKind::Down(MouseButton::Left), x0 + label));
    app.on_mouse(at(MouseEventKind::Drag(MouseButton::Left), x0 + label + 7));
    app.on_mouse(at(MouseEventKind::Up(MouseButton::Left), x0 + label + 7));
    let (s, e) = app.selection_range().unwrap();
    assert_eq!(&app.transcript().unwrap().text[s..e], "Honestly");
    press(&mut app, "c s");
    assert_eq!(my_codings(&app)[0].1, "Honestly");
    let line_before = app.transcript().unwrap().index.line_of_byte(app.cursor);
    app.on_mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: x0,
        row: y,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(
        app.transcript().unwrap().index.line_of_byte(app.cursor),
        line_before + 1
    );
}

#[test]
fn statistics_view_lists_the_segments_behind_bars_and_cells() {
    use motif::tui::popup::StatsTab;
    let f = Fixture::new();
    let mut app = f.app();
    // frameworks on the first answer, jobs on a word inside it.
    press(&mut app, ") t c f ( e c j");
    press(&mut app, "S");
    let Popup::Stats(st) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(st.tab, StatsTab::Frequencies);
    let counts: Vec<usize> = st.freq.iter().map(|r| r.1).collect();
    assert_eq!(counts, [0, 1, 0, 1]);
    // Sorted by count, the first bar is a used code; enter lists it.
    press(&mut app, "s enter");
    match &app.popup {
        Popup::List(list) => assert_eq!(list.items.len(), 1),
        other => panic!("{other:?}"),
    }
    // Co-occurrence: frameworks (row 1) × jobs (column 3) share text.
    press(&mut app, "esc S tab");
    let Popup::Stats(st) = &app.popup else {
        panic!()
    };
    assert_eq!(st.tab, StatsTab::Cooccurrence);
    assert_eq!(st.co[1][3], 1);
    assert_eq!(st.co[3][1], 1);
    press(&mut app, "j l l l enter");
    match &app.popup {
        Popup::List(list) => {
            assert_eq!(
                list.title,
                "standardization/frameworks × community/jobs · 1 overlapping pair(s); \
                 listed: the segments of standardization/frameworks in them"
            );
            assert_eq!(list.items.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    // Esc goes back to the statistics, on the same tab and cell.
    press(&mut app, "esc");
    let Popup::Stats(st) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(st.tab, StatsTab::Cooccurrence);
    assert_eq!((st.row, st.col), (1, 3));
    // Code × role: frameworks in the maintainer's interview.
    press(&mut app, "esc S tab tab");
    let Popup::Stats(st) = &app.popup else {
        panic!()
    };
    assert_eq!(st.tab, StatsTab::Matrix);
    assert_eq!(st.by, "role");
    assert_eq!(st.columns, ["maintainer", "student"]);
    assert_eq!(st.mx[1].1, [1, 0]);
    // Per coder: ben has nothing.
    press(&mut app, "esc S c");
    let Popup::Stats(st) = &app.popup else {
        panic!()
    };
    assert_eq!(st.coder.as_deref(), Some("ana"));
}

#[test]
fn agreement_view_lists_disagreements_and_adopts_a_side() {
    let f = Fixture::new();
    let code = |coder: &str, span: &str, c: &str| {
        f.cli(&["code", "p01", "--chars", span, c, "--coder", coder]);
    };
    // ana and ben agree on one passage and disagree on another.
    code("ana", "0-10", "community");
    code("ben", "0-10", "community");
    code("ana", "70-90", "frameworks");
    code("ben", "200-230", "jobs");
    let mut app = f.app();
    press(&mut app, "D");
    let Popup::Agreement(view) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    let rows = &view.rows;
    assert_eq!(view.coders, ["ana", "ben"]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].code, "standardization/frameworks");
    assert_eq!(rows[0].sides[1].1, "—");
    // Adopt ana's side of the first disagreement: into `consensus`.
    press(&mut app, "1");
    let j = Project::open(f.root())
        .unwrap()
        .journal("consensus")
        .unwrap();
    assert_eq!(j.len(), 1);
    let c = j.codings()[0];
    assert_eq!((c.start, c.end), (70, 90));
    // The list now shows it adopted; enter shows the passage.
    let Popup::Agreement(view) = &app.popup else {
        panic!()
    };
    assert_eq!(
        view.rows[0].adopted.as_deref(),
        Some("ana"),
        "{:?}",
        view.rows
    );
    assert!(app.status.text.contains("u undoes"), "{:?}", app.status);
    // u in the view takes the adoption back.
    press(&mut app, "k u");
    let j = Project::open(f.root())
        .unwrap()
        .journal("consensus")
        .unwrap();
    assert_eq!(j.len(), 0);
    let Popup::Agreement(view) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(view.rows[0].adopted, None);
    press(&mut app, "1");
    press(&mut app, "k enter");
    assert_eq!(app.current.as_deref(), Some("p01"));
    assert_eq!(app.transcript().unwrap().char_at(app.cursor), 70);
}

#[test]
fn code_all_search_hits_after_a_preview_and_find_similar_passages() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "/ text:the enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    let n = list.items.len();
    assert!(n >= 2);
    // The list is the preview; `a` codes every hit's passage, one undo step.
    press(&mut app, "a text:jobs enter");
    let coded = my_codings(&app);
    assert_eq!(coded.len(), n);
    assert!(coded.iter().all(|(c, _)| c == "community/jobs"));
    press(&mut app, "u");
    assert!(my_codings(&app).is_empty());
    // Similar passages from a selected turn.
    press(&mut app, ") t *");
    match &app.popup {
        Popup::List(list) => {
            let title = &list.title;
            // Two short interviews are too few for more-like-this to
            // rank anything; the CLI tests check the results themselves.
            assert_eq!(title, "similar passages");
            assert!(!app.status.error, "{:?}", app.status);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_user_list_rebinding_moves_list_popups() {
    let f = Fixture::new();
    let mut app = f.app();
    app.keymap
        .apply_user(
            "[list]\n\"ctrl-n\" = \"list_down\"\n",
            std::path::Path::new("keymap.toml"),
        )
        .unwrap();
    press(&mut app, "/ text:the enter");
    let selected = |app: &App| match &app.popup {
        Popup::List(list) => {
            assert!(list.items.len() >= 2);
            list.selected
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(selected(&app), 0);
    press(&mut app, "j");
    assert_eq!(selected(&app), 0, "j no longer moves the list");
    press(&mut app, "ctrl-n");
    assert_eq!(selected(&app), 1, "the rebound key moves it");
    // Other contexts keep their keys: the transcript view still moves on j.
    press(&mut app, "esc");
    let line = |app: &App| app.transcript().unwrap().index.line_of_byte(app.cursor);
    let before = line(&app);
    press(&mut app, "j");
    assert_eq!(line(&app), before + 1);
}

#[test]
fn popup_keys_come_from_the_keymap_table() {
    let f = Fixture::new();
    let mut app = f.app();
    app.keymap
        .apply_user(
            "[stats]\nn = \"next_tab\"\n[help]\nx = \"scroll_down\"\n",
            std::path::Path::new("keymap.toml"),
        )
        .unwrap();
    press(&mut app, "S n");
    let Popup::Stats(st) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(st.tab, motif::tui::popup::StatsTab::Cooccurrence);
    press(&mut app, "tab");
    assert!(
        matches!(app.popup, Popup::Stats(_)),
        "tab is no longer bound"
    );
    press(&mut app, "esc ? x x");
    let Popup::Help(h) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(h.scroll, 2);
}

#[test]
fn codes_commands_add_rename_move_merge_and_delete() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t c f");
    press(&mut app, ": text:codes_add_community/mentoring enter");
    assert!(app.book.by_path("community/mentoring").is_some());
    press(&mut app, ": text:codes_rename_frameworks_tools enter");
    assert!(!app.status.error, "{:?}", app.status);
    assert_eq!(my_codings(&app)[0].0, "standardization/tools");
    let on_disk = Project::open(f.root()).unwrap().codebook().unwrap();
    assert!(on_disk.by_path("standardization/tools").is_some());
    press(&mut app, ": text:codes_move_tools_community enter");
    assert_eq!(my_codings(&app)[0].0, "community/tools");
    press(&mut app, ": text:codes_move_tools enter");
    assert_eq!(my_codings(&app)[0].0, "tools");
    press(&mut app, ": text:codes_merge_tools_jobs enter");
    assert!(app.status.text.contains("1 coding(s)"), "{:?}", app.status);
    assert_eq!(my_codings(&app)[0].0, "community/jobs");
    assert!(app.book.by_path("tools").is_none());
    // A code in use is only deleted with --force, its codings with it.
    press(&mut app, ": text:codes_delete_jobs enter");
    assert!(app.status.error && app.status.text.contains("--force"));
    assert!(app.book.by_path("community/jobs").is_some());
    press(&mut app, ": text:codes_delete_jobs_--force enter");
    assert!(!app.status.error, "{:?}", app.status);
    assert!(app.book.by_path("community/jobs").is_none());
    assert!(my_codings(&app).is_empty());
    // Usage errors say what to type.
    press(&mut app, ": text:codes_rename_jobs enter");
    assert!(app.status.error && app.status.text.contains("usage: :codes rename CODE NAME"));
    press(&mut app, ": text:codes enter");
    assert!(app.status.error && app.status.text.contains(":codes rename"));
}

#[test]
fn memo_commands_open_the_editor_on_a_code_a_transcript_or_the_project() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ": text:memo_code_jobs enter text:hiring ctrl-s");
    let id = app.book.by_path("community/jobs").unwrap().id.clone();
    let memo = std::fs::read_to_string(f.root().join(format!("memos/codes/{id}.md"))).unwrap();
    assert!(memo.contains("hiring"), "{memo}");
    press(
        &mut app,
        ": text:memo_transcript_p02 enter text:short ctrl-s",
    );
    let memo = std::fs::read_to_string(f.root().join("memos/transcripts/p02.md")).unwrap();
    assert!(memo.contains("short"), "{memo}");
    press(&mut app, ": text:memo_project enter text:overall ctrl-s");
    let memo = std::fs::read_to_string(f.root().join("memos/project.md")).unwrap();
    assert!(memo.contains("overall"), "{memo}");
    press(&mut app, ": text:memo_transcript_nope enter");
    assert!(app.status.error && app.status.text.contains("no transcript"));
}

#[test]
fn export_frequencies_writes_csv_or_json_by_the_file_name() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t c f");
    press(&mut app, ": text:export_frequencies_freq.csv enter");
    assert!(!app.status.error, "{:?}", app.status);
    let csv = std::fs::read_to_string(f.root().join("freq.csv")).unwrap();
    assert!(!csv.trim_start().starts_with('{'), "{csv}");
    assert!(csv.contains("standardization/frameworks"), "{csv}");
    press(&mut app, ": text:export_frequencies_freq.json enter");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.root().join("freq.json")).unwrap())
            .unwrap();
    assert_eq!(json["totals"]["segments"], 1);
}

#[test]
fn agree_commands_report_agreement_and_adopt_a_side() {
    let f = Fixture::new();
    for (coder, span, code) in [
        ("ana", "0-10", "community"),
        ("ben", "0-10", "community"),
        ("ana", "70-90", "frameworks"),
    ] {
        f.cli(&["code", "p01", "--chars", span, code, "--coder", coder]);
    }
    let mut app = f.app();
    press(&mut app, ": text:agree enter");
    assert!(!app.status.error, "{:?}", app.status);
    assert!(
        app.status.text.contains("agreement of ana, ben") && app.status.text.contains("kappa"),
        "{:?}",
        app.status
    );
    press(&mut app, "D");
    let Popup::Agreement(view) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    let id = view.rows[0].id.clone();
    press(&mut app, "esc");
    app.run_command(&format!("agree adopt {id} ana"));
    assert!(!app.status.error, "{:?}", app.status);
    let j = Project::open(f.root())
        .unwrap()
        .journal("consensus")
        .unwrap();
    assert_eq!(j.len(), 1);
    press(&mut app, ": text:agree_adopt_nope_zed enter");
    assert!(app.status.error);
}

#[test]
fn completion_comes_from_the_command_table() {
    let f = Fixture::new();
    let app = f.app();
    assert_eq!(app.complete("codes r"), ["codes rename"]);
    assert_eq!(
        app.complete("codes rename community/j"),
        ["codes rename community/jobs"]
    );
    assert_eq!(app.complete("open p0"), ["open p01", "open p02"]);
    assert_eq!(
        app.complete("memo "),
        ["memo code", "memo transcript", "memo project"]
    );
    assert_eq!(app.complete("coders m"), ["coders mine"]);
    assert_eq!(app.complete("export f"), ["export frequencies"]);
}

/// `:export frequencies` counts with the same recipe as `motif export
/// frequencies`: the same coders (every coder with a journal, also one
/// whose codings were all removed) and the same figures. The TUI listed
/// only coders with live codings before.
#[test]
fn export_frequencies_equals_the_cli_export() {
    let f = Fixture::new();
    f.cli(&[
        "code",
        "p01",
        "--chars",
        "0-10",
        "community",
        "--coder",
        "ana",
    ]);
    f.cli(&[
        "code",
        "p01",
        "--chars",
        "20-40",
        "frameworks",
        "--coder",
        "ben",
    ]);
    f.cli(&["uncode", "p01", "--chars", "20-40", "--coder", "ben"]);
    let mut app = f.app();
    press(&mut app, ": text:export_frequencies_tui.json enter");
    assert!(!app.status.error, "{:?}", app.status);
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("generated_at");
        v
    };
    let tui: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.root().join("tui.json")).unwrap()).unwrap();
    let cli: serde_json::Value = serde_json::from_str(&f.cli(&["export", "frequencies"])).unwrap();
    assert_eq!(tui["coders"], serde_json::json!(["ana", "ben"]), "{tui}");
    assert_eq!(strip(tui), strip(cli));
}

/// `:export segments|cooccurrence|matrix FILE` write what the CLI's
/// `segments` and `export …` write, in the form the extension names.
#[test]
fn export_commands_write_what_the_cli_writes() {
    let f = Fixture::new();
    f.cli(&[
        "code",
        "p01",
        "--chars",
        "0-30",
        "community",
        "--coder",
        "ana",
    ]);
    f.cli(&[
        "code",
        "p01",
        "--chars",
        "10-40",
        "frameworks",
        "--coder",
        "ana",
    ]);
    let mut app = f.app();
    for (command, file, cli) in [
        ("segments", "s.csv", vec!["segments", "--csv"]),
        ("segments", "s.json", vec!["segments", "--json"]),
        ("segments", "s.md", vec!["segments", "--md"]),
        (
            "cooccurrence",
            "c.csv",
            vec!["export", "cooccurrence", "--csv"],
        ),
        (
            "cooccurrence",
            "c.json",
            vec!["export", "cooccurrence", "--json"],
        ),
        ("matrix", "m.json", vec!["export", "matrix", "--json"]),
    ] {
        app.run_command(&format!("export {command} {file}"));
        assert!(!app.status.error, "{command} {file}: {:?}", app.status);
        let written = std::fs::read_to_string(f.root().join(file)).unwrap();
        let expected = f.cli(&cli);
        if std::path::Path::new(file)
            .extension()
            .is_some_and(|e| e == "json")
        {
            // Equal but for when each was made (a second may tick between).
            let parse = |text: &str| {
                let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
                if let Some(doc) = v.as_object_mut() {
                    doc.remove("generated_at");
                }
                v
            };
            assert_eq!(parse(&written), parse(&expected), "{command} {file}");
        } else {
            assert_eq!(written, expected, "{command} {file}");
        }
    }
    assert!(
        app.complete("export ")
            .contains(&"export segments".to_owned())
    );
}

/// Ctrl-C asks before quitting and quits when pressed again; another key in
/// between cancels the question; in a popup it closes the popup.
#[test]
fn ctrl_c_asks_then_quits_and_closes_popups() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "ctrl-c");
    assert!(!app.quit);
    assert!(app.status.text.contains("ctrl-c again"), "{:?}", app.status);
    press(&mut app, "j ctrl-c");
    assert!(!app.quit, "a key in between cancels the question");
    press(&mut app, "?");
    assert!(matches!(app.popup, Popup::Help(_)));
    press(&mut app, "ctrl-c");
    assert!(matches!(app.popup, Popup::None));
    assert!(!app.quit);
    press(&mut app, "ctrl-c ctrl-c");
    assert!(app.quit);
}

/// A memo changed from a shell while it is open in the TUI keeps that
/// change when the TUI saves; Esc with unsaved text asks first.
#[test]
fn memo_editor_keeps_a_change_made_elsewhere_and_asks_before_discarding() {
    let f = Fixture::new();
    let memo_cli = |text: &str| f.cli(&["memo", "--transcript", "p02", text]);
    memo_cli("First thoughts, café.");
    let mut app = f.app();
    press(
        &mut app,
        ": text:memo_transcript_p02 enter enter enter text:From_the_TUI_北京",
    );
    // Meanwhile, from a shell.
    memo_cli("From the shell 🤖");
    press(&mut app, "ctrl-s");
    assert!(!app.status.error, "{:?}", app.status);
    let memo = std::fs::read_to_string(f.root().join("memos/transcripts/p02.md")).unwrap();
    for part in [
        "First thoughts, café.",
        "From the shell 🤖",
        "From the TUI 北京",
    ] {
        assert!(memo.contains(part), "{part} lost: {memo}");
    }
    assert_eq!(memo.matches("First thoughts").count(), 1, "{memo}");
    // Esc with unsaved text asks; a second Esc discards.
    press(&mut app, ": text:memo_project enter text:draft");
    press(&mut app, "esc");
    assert!(
        matches!(app.popup, Popup::Memo(_)),
        "the first esc only asks"
    );
    assert!(app.status.text.contains("unsaved memo"), "{:?}", app.status);
    press(&mut app, "esc");
    assert!(matches!(app.popup, Popup::None));
    assert!(!f.root().join("memos/project.md").exists());
    // Nothing typed: Esc closes at once.
    press(&mut app, ": text:memo_project enter esc");
    assert!(matches!(app.popup, Popup::None));
    // Ctrl-C in the editor does what Esc does, and says so.
    press(&mut app, ": text:memo_project enter text:draft ctrl-c");
    assert!(matches!(app.popup, Popup::Memo(_)), "{:?}", app.popup);
    assert!(app.status.text.contains("unsaved memo"), "{:?}", app.status);
    press(&mut app, "ctrl-c");
    assert!(matches!(app.popup, Popup::None));
    assert!(
        app.status.text.contains("memo discarded"),
        "{:?}",
        app.status
    );
}

#[test]
fn code_all_on_a_search_cut_at_its_limit_asks_first() {
    let f = Fixture::new();
    let mut app = f.app();
    app.search_limit = 1;
    press(&mut app, "/ text:the enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(list.items.len(), 1);
    assert!(list.matched >= 2, "{}", list.matched);
    // The first `a` says what it would do and codes nothing.
    press(&mut app, "a");
    assert!(matches!(app.popup, Popup::List(_)), "{:?}", app.popup);
    assert!(
        app.status.text.contains("only the 1 listed would be coded"),
        "{:?}",
        app.status
    );
    assert!(my_codings(&app).is_empty());
    // Another key drops the question; `a` asks again.
    press(&mut app, "j a");
    assert!(matches!(app.popup, Popup::List(_)), "{:?}", app.popup);
    // `a` right after the question goes on to the code picker.
    press(&mut app, "a text:jobs enter");
    assert_eq!(my_codings(&app).len(), 1);
}

#[test]
fn colon_code_with_two_codes_applies_both_to_the_selection() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") t : text:code_standardization_community enter");
    let coded = my_codings(&app);
    assert_eq!(coded.len(), 2, "{coded:?} {:?}", app.status);
    assert_eq!(coded[0].1, coded[1].1);
    let mut codes: Vec<&str> = coded.iter().map(|(c, _)| c.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["community", "standardization"]);
}

#[test]
fn actions_on_the_coding_here_ask_which_when_there_are_several() {
    let f = Fixture::new();
    let mut app = f.app();
    // Two of my codings on the same turn: a sentence inside the turn.
    press(&mut app, ") t c s");
    press(&mut app, "( s c f");
    assert_eq!(my_codings(&app).len(), 2);
    press(&mut app, ": text:goto_3 enter w");
    // The status line names both codes here, innermost first.
    let info = {
        app.status = motif::tui::app::Status::default();
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|fr| motif::tui::ui::draw(fr, &app)).unwrap();
        term.backend().to_string()
    };
    assert!(
        info.contains("here: frameworks (ana), standardization (ana)"),
        "{info}"
    );
    press(&mut app, "x");
    let Popup::Choose(choice) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(choice.options.len(), 2);
    assert_eq!(
        my_codings(&app).len(),
        2,
        "nothing removed before the choice"
    );
    // The second one (the whole turn) goes; the sentence stays.
    press(&mut app, "j enter");
    let left = my_codings(&app);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, "standardization/frameworks");
    assert_eq!(left[0].1, "Honestly it wasn't a decision.");
    // Esc cancels a choice; r and m ask too.
    press(&mut app, "u x");
    assert!(matches!(app.popup, Popup::Choose(_)));
    press(&mut app, "esc");
    assert_eq!(my_codings(&app).len(), 2);
    press(&mut app, "r");
    assert!(matches!(app.popup, Popup::Choose(_)));
    press(&mut app, "esc m");
    assert!(matches!(app.popup, Popup::Choose(_)));
    press(&mut app, "enter");
    assert!(matches!(app.popup, Popup::Memo(_)), "{:?}", app.popup);
}
