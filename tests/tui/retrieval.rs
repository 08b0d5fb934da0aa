//! Getting quotes back: jumps centre their target, a code's quote list
//! (full quotes, filters, `n`/`N`, reopening), search highlights, and `/`
//! by regular expression with the reason when nothing is found.

use std::fmt::Write as _;

use motif::tui::app::App;
use motif::tui::popup::Popup;

use crate::{Fixture, press};

/// The row of the view (0-based) that holds the cursor.
pub fn cursor_row(app: &App) -> usize {
    let t = app.transcript().unwrap();
    let (w, h) = app.areas().text_size();
    let rows = motif::tui::textview::visible_rows(t, app.scroll, w, h);
    rows.iter()
        .position(|r| r.start <= app.cursor && app.cursor <= r.end)
        .unwrap()
}

/// A project with a 300-line transcript `long` (line N: `ANA: line N
/// speaks of tools`).
pub fn long_fixture() -> Fixture {
    let f = Fixture::new();
    let mut text = String::new();
    for i in 1..=300 {
        writeln!(text, "ANA: line {i} speaks of tools").unwrap();
    }
    std::fs::write(f.root().join("transcripts/long.txt"), text).unwrap();
    f
}

#[test]
fn goto_lands_mid_screen() {
    let f = long_fixture();
    let mut app = f.app();
    press(&mut app, ": text:open_long enter : text:goto_150 enter");
    let t = app.transcript().unwrap();
    assert_eq!(t.index.line_of_byte(app.cursor), 149);
    let h = app.areas().text_size().1;
    assert_eq!(cursor_row(&app), h / 2);
    // Near the start there is nothing to centre on: the top stays.
    press(&mut app, ": text:goto_3 enter");
    assert_eq!(app.scroll.line, 0);
}

fn ben_codes(f: &Fixture) {
    f.cli(&[
        "code",
        "p01",
        "--lines",
        "9-9",
        "frameworks",
        "--coder",
        "ben",
        "--memo",
        "the job offer",
    ]);
    f.cli(&[
        "code",
        "p02",
        "--lines",
        "3-3",
        "frameworks",
        "--coder",
        "ben",
    ]);
}

#[test]
fn a_codes_quote_list_shows_full_quotes_filters_and_steps_with_n() {
    let f = Fixture::new();
    ben_codes(&f);
    let mut app = f.app();
    press(&mut app, ") t c f");
    // The codebook's second code, frameworks: its quotes.
    press(&mut app, "tab j enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(list.items.len(), 3);
    let memo = list.items.iter().find(|i| i.memo.is_some()).unwrap();
    assert_eq!(memo.memo.as_deref(), Some("the job offer"));
    assert!(
        memo.label.contains("line 9") && memo.label.contains("ben"),
        "{}",
        memo.label
    );
    let ana = list
        .items
        .iter()
        .find(|i| i.coder.as_deref() == Some("ana"))
        .unwrap();
    assert!(ana.label.contains("lines 3–5"), "{}", ana.label);
    // Filter: only this quote's coder, then only its transcript too.
    let first_coder = list.current().unwrap().coder.clone().unwrap();
    press(&mut app, "c");
    let Popup::List(list) = &app.popup else {
        panic!()
    };
    assert!(
        list.shown_items()
            .iter()
            .all(|i| i.coder.as_ref() == Some(&first_coder))
    );
    assert!(list.shown.len() < 3);
    press(&mut app, "c");
    press(&mut app, "t");
    let Popup::List(list) = &app.popup else {
        panic!()
    };
    assert_eq!(list.shown.len(), 2, "p01 holds two of the three");
    press(&mut app, "t");
    // Enter jumps; n and N step through the quotes from the text.
    press(&mut app, "enter");
    assert!(matches!(app.popup, Popup::None));
    let first = (app.current.clone(), app.cursor);
    press(&mut app, "n");
    assert_eq!(app.hit, 1);
    assert_ne!((app.current.clone(), app.cursor), first);
    assert!(
        app.status.text.starts_with("quote 2 of 3"),
        "{:?}",
        app.status
    );
    press(&mut app, "N");
    assert_eq!((app.current.clone(), app.cursor), first);
    // The list is a key away, at the quote stepped to.
    press(&mut app, "n n L");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(list.selected, 2);
}

#[test]
fn search_matches_are_highlighted_in_the_text_and_listed_in_context() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "/ text:pytorch enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(list.items[0].matches.len(), 3);
    press(&mut app, "enter");
    let t = app.transcript().unwrap();
    let words: Vec<&str> = app
        .highlights
        .here
        .iter()
        .map(|&(a, b)| &t.text[a..b])
        .collect();
    assert_eq!(words, ["PyTorch", "PyTorch", "PyTorch"]);
    // Another transcript has none.
    press(&mut app, ": text:open_p02 enter");
    assert!(app.highlights.here.is_empty());
}

#[test]
fn slash_searches_by_regex_after_tab_as_the_cli_does() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "/ tab text:(free|bug)_(course|report) enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?} {:?}", app.popup, app.status)
    };
    let cli: serde_json::Value = serde_json::from_str(&f.cli(&[
        "search",
        "--regex",
        "(free|bug) (course|report)",
        "--json",
    ]))
    .unwrap();
    assert_eq!(list.items.len() as u64, cli["total"].as_u64().unwrap());
    assert_eq!(list.items.len(), 2);
    // The same passages and the same matches, in the same order.
    let tui: Vec<(String, Vec<(usize, usize)>)> = list
        .items
        .iter()
        .map(|i| (i.transcript.clone(), i.matches.clone()))
        .collect();
    let want: Vec<(String, Vec<(usize, usize)>)> = cli["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let m = h["matches"].as_array().unwrap().iter().map(|m| {
                (
                    m[0].as_u64().unwrap() as usize,
                    m[1].as_u64().unwrap() as usize,
                )
            });
            (h["transcript"].as_str().unwrap().to_owned(), m.collect())
        })
        .collect();
    assert_eq!(tui, want);
    let t = &app.texts["p02"];
    let (a, b) = list
        .items
        .iter()
        .find(|i| i.transcript == "p02")
        .unwrap()
        .matches[0];
    assert_eq!(t.slice_chars(a, b).unwrap(), "free course");
    // The prompt remembers regex for the next search.
    press(&mut app, "esc /");
    let Popup::Search(p) = &app.popup else {
        panic!()
    };
    assert!(p.regex);
}

#[test]
fn a_search_that_finds_nothing_says_why() {
    let f = Fixture::new();
    let mut app = f.app();
    // Words that read like a regular expression.
    press(&mut app, "/ text:colab.*notebook enter");
    assert!(app.status.error, "{:?}", app.status);
    assert!(
        app.status.text.contains("looks like a regular expression"),
        "{:?}",
        app.status
    );
    // A regex that matches only in another case.
    press(&mut app, "/ tab text:pytorch enter");
    assert!(
        app.status.text.contains("ignoring case"),
        "{:?}",
        app.status
    );
    press(&mut app, "/ text:(?i)pytorch enter");
    let Popup::List(list) = &app.popup else {
        panic!("{:?}", app.status)
    };
    assert_eq!(list.items.len(), 1);
    press(&mut app, "esc");
    // Two words never in one passage: each alone is counted.
    press(&mut app, "/ tab text:pytorch_courses enter");
    assert!(
        app.status.text.contains("`pytorch` 1") && app.status.text.contains("`courses` 1"),
        "{:?}",
        app.status
    );
}
