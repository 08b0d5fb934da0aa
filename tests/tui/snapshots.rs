//! Whole screens drawn into ratatui's `TestBackend` and compared with
//! reviewed snapshots (insta), at 80×24 and 120×40.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use motif::tui::app::App;
use motif::tui::ui;

use crate::{Fixture, press};

fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.size = (w, h);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(f, app)).unwrap();
    term.backend().to_string()
}

fn coded_app(f: &Fixture) -> App {
    let mut app = f.app();
    press(&mut app, ") t c f j j e c j");
    app.status = motif::tui::app::Status::default();
    app
}

#[test]
fn main_screen_80x24() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    insta::assert_snapshot!("main_80x24", screen(&mut app, 80, 24));
}

#[test]
fn main_screen_120x40() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    insta::assert_snapshot!("main_120x40", screen(&mut app, 120, 40));
}

#[test]
fn visual_turn_selection_80x24() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") ) t");
    insta::assert_snapshot!("visual_80x24", screen(&mut app, 80, 24));
}

#[test]
fn picker_120x40() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") s C text:com");
    insta::assert_snapshot!("picker_120x40", screen(&mut app, 120, 40));
}

#[test]
fn help_overlay_120x40() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, "?");
    insta::assert_snapshot!("help_120x40", screen(&mut app, 120, 40));
}

#[test]
fn segments_of_a_code_80x24() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    press(&mut app, "tab tab j enter");
    insta::assert_snapshot!("segments_80x24", screen(&mut app, 80, 24));
}

#[test]
fn resizing_to_tiny_and_back_never_panics() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    for (w, h) in [(80, 24), (20, 5), (1, 1), (0, 0), (200, 60), (81, 25)] {
        screen(&mut app, w.max(1), h.max(1));
    }
    press(&mut app, "?");
    screen(&mut app, 10, 4);
}

#[test]
fn control_characters_in_a_transcript_are_neutralized_on_screen() {
    let f = Fixture::new();
    std::fs::write(
        f.root().join("transcripts/evil.txt"),
        "ANA: hi \u{1b}[2J\u{1b}]0;pwned\u{7} there\u{9b}31m\n",
    )
    .unwrap();
    let mut app = f.app();
    press(&mut app, ": text:open_evil enter");
    let s = screen(&mut app, 100, 20);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\u{9b}'));
    assert!(s.contains("␛[2J"), "{s}");
}

#[test]
fn statistics_120x40() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    press(&mut app, "S");
    insta::assert_snapshot!("stats_frequencies_120x40", screen(&mut app, 120, 40));
    press(&mut app, "tab");
    let s = screen(&mut app, 120, 40);
    // Columns are numbered, each as its row: names cut short were ambiguous.
    assert!(s.contains("1    2    3    4"), "{s}");
    assert!(s.contains(" 1 standardiz"), "{s}");
    insta::assert_snapshot!("stats_cooccurrence_120x40", s);
}

#[test]
fn one_selected_word_is_one_word() {
    let f = Fixture::new();
    let mut app = f.app();
    press(&mut app, ") e");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("· 1 word "), "{s}");
    press(&mut app, "e");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("· 2 words "), "{s}");
}

#[test]
fn help_scrolls_to_its_last_line_and_no_further() {
    let f = Fixture::new();
    let mut app = f.app();
    app.size = (120, 40);
    press(&mut app, "?");
    press(&mut app, &["j"; 400].join(" "));
    let motif::tui::popup::Popup::Help(h) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    let at_end = h.scroll;
    // One more step down changes nothing; one up moves at once.
    press(&mut app, "j");
    let motif::tui::popup::Popup::Help(h) = &app.popup else {
        panic!()
    };
    assert_eq!(h.scroll, at_end);
    let s = screen(&mut app, 120, 40);
    let last = motif::tui::commands::COMMANDS.last().unwrap().usage();
    let rows: Vec<&str> = s.lines().collect();
    // The last command is on the overlay's last inner row (above its border).
    assert!(rows[rows.len() - 3].contains(&format!(":{last}")), "{s}");
    press(&mut app, "k");
    let motif::tui::popup::Popup::Help(h) = &app.popup else {
        panic!()
    };
    assert_eq!(h.scroll, at_end - 1);
}
