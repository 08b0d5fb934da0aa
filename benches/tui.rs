//! Benchmarks of the terminal interface against the product's bars: the
//! first frame on a large project, one frame of a 100,000-line transcript
//! with 10,000 codings, and a coding keystroke through to the redrawn
//! screen. `MOTIF_BENCH_FULL=1` uses the 1,000-transcript bar corpus for
//! the first frame; by default a tenth of it.

// Measure what ships: the binary's allocator (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use motif::tui::app::App;
use motif::tui::ui;
use motif_core::codebook::Codebook;
use motif_core::project::Project;
use motif_devkit::corpus_gen::{CorpusSpec, add_codings, generate};

fn key(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

fn draw(term: &mut Terminal<TestBackend>, app: &App) {
    term.draw(|f| ui::draw(f, app)).expect("draw");
}

/// A project with one transcript of `lines` lines and `codings` codings.
fn long_transcript(dir: &std::path::Path, lines: usize, codings: usize) -> Project {
    let root = dir.join("long");
    let p = Project::init(&root, Some("long")).expect("init");
    let mut text = String::new();
    let speakers = ["INTERVIEWER", "ZOË", "李娜"];
    for i in 0..lines {
        if i % 4 == 0 {
            let s = i / 4;
            let _ = write!(
                text,
                "[{:02}:{:02}:{:02}] {}: ",
                s / 3600 % 100,
                s / 60 % 60,
                s % 60,
                speakers[s % 3]
            );
        }
        text.push_str("we moved to one framework because the tutorials, the hires and the café talk all assumed it 🙂\n");
    }
    std::fs::write(root.join("transcripts/long.txt"), text).expect("write");
    let mut book = Codebook::load(&p.codebook_path()).expect("codebook");
    for (i, name) in ["frameworks", "community", "jobs", "ideology"]
        .iter()
        .enumerate()
    {
        book.add(name, "A code.", Some(char::from(b'1' + i as u8)), None)
            .expect("add");
    }
    book.save().expect("save");
    add_codings(&p, codings, &["ana".to_owned()], 7).expect("codings");
    p
}

fn main() {
    let full = std::env::var("MOTIF_BENCH_FULL").is_ok_and(|v| v == "1");
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let tmp = tempfile::tempdir().expect("temp");
    let spec = if !benchmarking {
        CorpusSpec {
            transcripts: 3,
            words_per_transcript: 500,
            codings: 60,
            ..CorpusSpec::bar()
        }
    } else if full {
        CorpusSpec::bar()
    } else {
        CorpusSpec {
            transcripts: 100,
            words_per_transcript: 10_000,
            codings: 10_000,
            ..CorpusSpec::bar()
        }
    };
    let started = Instant::now();
    let corpus = generate(&tmp.path().join("corpus"), &spec).expect("corpus");
    eprintln!(
        "corpus: {} transcripts, {} codings, generated in {:.1} s",
        corpus.transcripts,
        corpus.codings,
        started.elapsed().as_secs_f64()
    );
    let (lines, codings) = if benchmarking {
        (100_000, 10_000)
    } else {
        (2_000, 200)
    };
    let long = long_transcript(tmp.path(), lines, codings);

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    let mut g = c.benchmark_group("tui");
    g.sample_size(10);
    g.bench_function("first_frame", |b| {
        // The TUI frees nothing before its first frame: dropping the
        // loaded project is left out of the measurement.
        b.iter_with_large_drop(|| {
            let mut app =
                App::load(Project::open(&corpus.root).expect("open"), "ana".into()).expect("load");
            app.size = (120, 40);
            let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            draw(&mut term, &app);
            app
        });
    });
    g.finish();

    let mut app = App::load(Project::open(&long.root).expect("open"), "ana".into()).expect("load");
    app.size = (120, 40);
    app.run_command(&format!("goto {}", lines / 2));
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut g = c.benchmark_group("tui_long_transcript");
    g.bench_function("frame", |b| b.iter(|| draw(&mut term, &app)));
    g.bench_function("scroll_key_and_frame", |b| {
        b.iter(|| {
            key(&mut app, 'j');
            draw(&mut term, &app);
        });
    });
    g.sample_size(20);
    g.bench_function("coding_key_to_frame", |b| {
        b.iter(|| {
            // Select the sentence here, code it with key 1 (durable), redraw.
            key(&mut app, 's');
            key(&mut app, 'c');
            key(&mut app, '1');
            draw(&mut term, &app);
        });
    });
    g.finish();
    c.final_summary();
}
