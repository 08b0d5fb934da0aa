//! The review of codings an edit left behind (`:review`): keys in, state
//! and files out.

use motif::tui::popup::Popup;
use motif_core::review::State;

use crate::{Fixture, P1, press};

/// Your codings placed on the current text (an orphan as `None`): code
/// path and text.
fn my_codings(app: &motif::tui::app::App) -> Vec<(String, Option<String>)> {
    let j = app.journals.iter().find(|j| j.coder == app.coder).unwrap();
    j.codings()
        .iter()
        .map(|c| {
            let t = &app.texts[c.transcript.as_str()];
            let text = motif_core::segments::place(c, t)
                .span()
                .map(|(s, e)| t.slice_chars(s, e).unwrap().to_owned());
            (app.book.by_id(&c.code).unwrap().path.clone(), text)
        })
        .collect()
}

fn review_items(app: &motif::tui::app::App) -> Vec<(String, bool)> {
    match &app.popup {
        Popup::Review(r) => r
            .items
            .iter()
            .map(|p| {
                (
                    p.coding.anchor.quote.to_string(),
                    matches!(p.state, State::Edited { .. }),
                )
            })
            .collect(),
        other => panic!("no review open: {other:?}"),
    }
}

#[test]
fn review_accepts_reattaches_and_removes_with_undo() {
    let f = Fixture::new();
    {
        let mut app = f.app();
        press(
            &mut app,
            ": text:select_3-3 enter : text:code_frameworks enter",
        );
        press(
            &mut app,
            ": text:select_5-5 enter : text:code_community enter",
        );
        press(&mut app, ": text:select_9-9 enter : text:code_jobs enter");
        assert_eq!(my_codings(&app).len(), 3);
    }
    // The transcript is edited outside motif: a typo-like change inside
    // the first coded passage, the second passage deleted.
    let edited = P1
        .replace("wasn't a decision", "was not a decision")
        .replace(
            "The tutorials were PyTorch, the hires knew PyTorch — 北京 too.\n\n",
            "",
        );
    std::fs::write(f.root().join("transcripts/p01.txt"), &edited).unwrap();
    let mut app = f.app();
    press(&mut app, ": text:review enter");
    assert_eq!(
        review_items(&app),
        [
            (
                "Honestly it wasn't a decision. Everyone around us was on PyTorch.".to_owned(),
                true
            ),
            (
                "The tutorials were PyTorch, the hires knew PyTorch — 北京 too.".to_owned(),
                false
            ),
        ]
    );
    // Accept the edited one: it is on its new text and leaves the list.
    press(&mut app, "a");
    assert!(app.status.text.contains("accepted"), "{:?}", app.status);
    assert_eq!(review_items(&app).len(), 1);
    let mine = my_codings(&app);
    assert!(
        mine.contains(&(
            "standardization/frameworks".to_owned(),
            Some("Honestly it was not a decision. Everyone around us was on PyTorch.".to_owned())
        )),
        "{mine:?}"
    );
    // Undo from the review brings the mark back.
    press(&mut app, "u");
    assert_eq!(review_items(&app).len(), 2);
    press(&mut app, "a");
    // The orphan cannot be accepted; removing it is undoable.
    press(&mut app, "a");
    assert!(app.status.error, "{:?}", app.status);
    press(&mut app, "x");
    assert!(review_items(&app).is_empty());
    assert_eq!(my_codings(&app).len(), 2);
    press(&mut app, "u");
    assert_eq!(review_items(&app).len(), 1);
    // Re-attach without a selection: told how.
    press(&mut app, "r");
    assert!(app.status.error && app.status.text.contains("select the passage"));
    // Enter goes to the transcript; select a passage, review again, r.
    press(&mut app, "enter");
    assert!(matches!(app.popup, Popup::None));
    assert_eq!(app.current.as_deref(), Some("p01"));
    press(&mut app, ": text:select_5-5 enter : text:review enter r");
    assert!(app.status.text.contains("re-attached"), "{:?}", app.status);
    assert!(review_items(&app).is_empty());
    assert!(my_codings(&app).contains(&(
        "community".to_owned(),
        Some("Did you contribute back?".to_owned())
    )));
    press(&mut app, "esc : text:review enter");
    assert!(matches!(app.popup, Popup::None));
    assert!(app.status.text.contains("nothing to review"));
    // What the TUI wrote, the CLI reads: nothing left for check to list.
    let check = f.cli(&["check", "--json", "--coder", "ana"]);
    assert!(
        !check.contains("edited-coding") && !check.contains("orphaned-coding"),
        "{check}"
    );
}

#[test]
fn review_enter_lands_mid_screen_like_every_jump() {
    let f = crate::retrieval::long_fixture();
    {
        let mut app = f.app();
        press(
            &mut app,
            ": text:open_long enter : text:select_150-150 enter : text:code_frameworks enter",
        );
    }
    // An edit inside the coded line: the coding is placed on the new
    // text and waits for review.
    let path = f.root().join("transcripts/long.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("line 150 speaks of tools", "line 150 talks of tools"),
    )
    .unwrap();
    let mut app = f.app();
    press(&mut app, ": text:open_long enter : text:review enter");
    assert_eq!(review_items(&app).len(), 1);
    press(&mut app, "enter");
    let t = app.transcript().unwrap();
    assert_eq!(t.index.line_of_byte(app.cursor), 149);
    let h = app.areas().text_size().1;
    assert_eq!(crate::retrieval::cursor_row(&app), h / 2);
}
