//! Whole screens drawn into ratatui's `TestBackend` and compared with
//! reviewed snapshots (insta), at 60×20, 80×24, 120×40 and 160×48.

use std::fmt::Write as _;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use motif::tui::app::App;
use motif::tui::ui;

use crate::{Fixture, press};

fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.resize(w, h);
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
    // The codebook (over the text at 80 columns), its second code, enter.
    press(&mut app, "tab j enter");
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

/// The screen's rows, without the `TestBackend`'s quotes.
fn rows(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| {
            let l = l.strip_prefix('"').unwrap_or(l);
            l.split_once("\" Hidden")
                .map_or(l.trim_end_matches('"'), |(a, _)| a)
                .to_owned()
        })
        .collect()
}

#[test]
fn main_screen_60x20_gives_the_transcript_the_room() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    let s = screen(&mut app, 60, 20);
    let rows = rows(&s);
    // The side panes are folded: the text runs from the gutter to the
    // margin, at least 40 columns.
    assert!(app.areas().text_size().0 >= 40, "{:?}", app.areas());
    let line = rows.iter().find(|r| r.contains("Honestly")).unwrap();
    assert!(
        line.starts_with("│   3 [00:00:09] ZOË: Honestly it wasn't a "),
        "{s}"
    );
    // The status line keeps the mode and the essential keys.
    let status = rows.last().unwrap();
    assert!(status.starts_with(" NORMAL "), "{s}");
    for key in ["t turn", "s sentence", "v select", "u undo", "/ search"] {
        assert!(status.contains(key), "{key}: {s}");
    }
    insta::assert_snapshot!("main_60x20", s);
}

#[test]
fn main_screen_160x48() {
    let f = Fixture::new();
    let mut app = coded_app(&f);
    insta::assert_snapshot!("main_160x48", screen(&mut app, 160, 48));
}

#[test]
fn folded_panes_open_over_the_text_and_ids_stay_apart() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.root().join("transcripts/wave2")).unwrap();
    for p in ["p10", "p11", "p12"] {
        std::fs::write(
            f.root().join(format!("transcripts/wave2/{p}.txt")),
            "ANA: hello\n",
        )
        .unwrap();
    }
    let mut app = coded_app(&f);
    // Tab (twice: the codebook comes first) shows the transcript list
    // over the text, wide enough for the ids.
    press(&mut app, "tab tab");
    let s = screen(&mut app, 80, 24);
    for id in ["wave2/p10", "wave2/p11", "wave2/p12"] {
        assert!(s.contains(id), "{id}: {s}");
    }
    insta::assert_snapshot!("transcript_list_folded_80x24", s);
    // Then the codebook, over the text's right side; esc folds it again.
    press(&mut app, "tab tab");
    assert_eq!(app.focus, motif::tui::app::Pane::Codebook);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Codebook") && !s.contains("Transcripts"), "{s}");
    press(&mut app, "esc");
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("Codebook"), "{s}");
    // P shows the side panes at 80 columns too: the narrow list shortens
    // the ids, never to the same label.
    press(&mut app, "P");
    let s = screen(&mut app, 80, 24);
    let list: Vec<String> = rows(&s)
        .iter()
        .filter_map(|r| {
            r.get(r.find('│')? + 3..)?
                .split('│')
                .next()
                .map(str::to_owned)
        })
        .filter(|r| r.contains("p1"))
        .collect();
    assert_eq!(list.len(), 3, "{s}");
    let mut labels: Vec<&str> = list
        .iter()
        .map(|r| r.split_whitespace().next().unwrap())
        .collect();
    labels.dedup();
    assert_eq!(labels.len(), 3, "{labels:?}\n{s}");
    assert!(labels.iter().all(|l| l.contains('…')), "{labels:?}");
    assert!(s.contains("Codebook") && s.contains("Transcripts"), "{s}");
}

#[test]
fn five_digit_line_numbers_keep_a_space_before_the_text() {
    let f = Fixture::new();
    let mut text = String::new();
    for i in 1..=48_600 {
        writeln!(text, "line {i} of the long one").unwrap();
    }
    std::fs::write(f.root().join("transcripts/long.txt"), text).unwrap();
    let mut app = f.app();
    app.resize(80, 24);
    press(&mut app, ": text:open_long enter : text:goto_48594 enter");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("│48594 line 48594 of the long one"), "{s}");
    let s = screen(&mut app, 60, 20);
    assert!(s.contains("│48594 line 48594 of the long one"), "{s}");
}

#[test]
fn search_hits_show_their_words_in_context_80x24() {
    let f = Fixture::new();
    let mut long = String::from("[00:00:01] MARÍA: ");
    for i in 0..60 {
        write!(long, "filler {i} ").unwrap();
    }
    long.push_str("and then the notebook on colab crashed. ");
    for i in 60..120 {
        write!(long, "more {i} ").unwrap();
    }
    long.push('\n');
    std::fs::write(f.root().join("transcripts/p03.txt"), long).unwrap();
    let mut app = f.app();
    press(&mut app, "/ text:notebook enter");
    let s = screen(&mut app, 80, 24);
    // The match is in view, after a cut marked with "…", in a few rows.
    let rows = rows(&s);
    let at = rows
        .iter()
        .position(|r| r.contains("notebook on colab"))
        .unwrap();
    assert!(
        rows[at - 1].contains("… ") || rows[at].contains("… "),
        "{s}"
    );
    assert!(at <= 6, "{s}");
    insta::assert_snapshot!("search_hits_80x24", s);
}

#[test]
fn many_codes_on_a_row_keep_a_stripe_each_and_say_how_many_more() {
    let f = Fixture::new();
    let mut app = f.app();
    for key in ["s", "f", "c", "j"] {
        press(&mut app, &format!(": text:goto_3 enter t c {key}"));
    }
    press(&mut app, ": text:goto_3 enter");
    // A wide margin (80 columns, panes folded): a stripe each for three,
    // the short names that fit, a count of the rest.
    let s = screen(&mut app, 80, 24);
    let row = rows(&s)
        .into_iter()
        .find(|r| r.contains("Honestly"))
        .unwrap();
    assert!(row.contains("▐▐▐sta,fra+2"), "{row}");
    // A narrow one (120 columns beside the panes): one stripe, names first.
    let s = screen(&mut app, 120, 40);
    let row = rows(&s)
        .into_iter()
        .find(|r| r.contains("Honestly"))
        .unwrap();
    assert!(row.contains("▐sta+3"), "{row}");
}
