//! Benchmarks of the analysis exports against the issue's bar: each export
//! (co-occurrence, matrix, segments, frequencies) < 300 ms over 100,000
//! codings. docs/PERFORMANCE.md records the latest figures (section
//! "Analysis").
//!
//! ```text
//! cargo bench --bench analysis                     # a tenth of the bar corpus
//! MOTIF_BENCH_FULL=1 cargo bench --bench analysis  # the bar corpus: 1,000 transcripts,
//!                                                  # ~10M words, 100,000 codings
//! cargo bench --bench analysis -- cooccurrence     # only the matching benchmarks
//! ```
//!
//! The corpus is generated once with `motif_devkit::corpus_gen` in a temporary
//! folder under `MOTIF_BENCH_DIR` (default: the system's temporary folder)
//! and removed at the end. Run without `--bench` (as `cargo test --benches`
//! does), every benchmark runs once on a tiny corpus.
//!
//! Groups:
//! - `analysis_total`: what each `motif export …` does minus process start
//!   and printing — load the project, check the filters, place the
//!   codings, count, write JSON (or CSV) — for co-occurrence (overlap),
//!   the code × role matrix, the code × transcript matrix, frequencies
//!   filtered by attribute, segments as JSON, and the HTML quote report.
//! - `analysis_count`: the counting alone on placed segments (a loaded
//!   project, as the TUI has it): co-occurrence in each unit, both
//!   matrices, and `motif words` over all text and over one code's text.

// Measure what ships: the binary's allocator (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use motif_core::analysis::{
    By, Scope, Selection, Unit, WordOptions, cooccurrence, matrix, report, words,
};
use motif_core::export;
use motif_core::project::Project;
use motif_core::stats;
use motif_core::workspace::Workspace;
use motif_devkit::corpus_gen::{CorpusSpec, generate};

fn spec() -> (&'static str, CorpusSpec, Duration) {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let full = std::env::var("MOTIF_BENCH_FULL").is_ok_and(|v| v == "1");
    let sized = |transcripts, words, codings| CorpusSpec {
        transcripts,
        words_per_transcript: words,
        codings,
        ..CorpusSpec::bar()
    };
    if !benchmarking {
        (
            "test (each benchmark once, tiny corpus)",
            sized(4, 1_000, 200),
            Duration::from_secs(1),
        )
    } else if full {
        (
            "full (the bar corpus)",
            sized(1_000, 10_000, 100_000),
            Duration::from_secs(20),
        )
    } else {
        (
            "default (a tenth of the bar corpus; MOTIF_BENCH_FULL=1 for all of it)",
            sized(100, 10_000, 10_000),
            Duration::from_secs(5),
        )
    }
}

fn main() {
    let (name, spec, slow) = spec();
    eprintln!("motif analysis benchmarks, setting: {name}");
    let parent = std::env::var_os("MOTIF_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    std::fs::create_dir_all(&parent).expect("benchmark folder");
    let tmp = tempfile::Builder::new()
        .prefix("motif-bench-analysis-")
        .tempdir_in(&parent)
        .expect("temporary folder");
    let root = tmp.path().join("project");
    let started = Instant::now();
    let s = generate(&root, &spec).expect("generate the corpus");
    eprintln!(
        "corpus: {} transcripts, {} words, {:.1} MB, {} codes, {} codings; generated in {:.1} s",
        s.transcripts,
        s.words,
        s.bytes as f64 / 1e6,
        s.codes,
        s.codings,
        started.elapsed().as_secs_f64()
    );
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    totals(&mut c, &root, slow);
    counts(&mut c, &root, slow);
    c.final_summary();
}

fn load(root: &std::path::Path) -> Workspace {
    Workspace::load(Project::open(root).expect("open")).expect("load")
}

/// The first value of `role` in the corpus, for a filter that keeps part
/// of the project.
fn some_role(ws: &Workspace) -> String {
    ws.attributes
        .rows
        .values()
        .find_map(|r| r.get("role").cloned())
        .expect("the corpus has roles")
}

/// Whole exports: load, scope, place, count, serialize.
fn totals(c: &mut Criterion, root: &std::path::Path, slow: Duration) {
    let mut g = c.benchmark_group("analysis_total");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(slow);
    g.bench_function("load", |b| b.iter(|| black_box(load(root))));
    g.bench_function("cooccurrence_json", |b| {
        b.iter(|| {
            let ws = load(root);
            let scope = Scope::new(&ws, &Selection::default()).expect("scope");
            let (segs, unplaced) = scope.segments(&ws);
            assert!(unplaced.is_empty());
            let co = cooccurrence::cooccurrence_of(&ws, &scope, &segs, Unit::Overlap);
            black_box(serde_json::to_string_pretty(&co).expect("json"))
        });
    });
    g.bench_function("matrix_by_role_json", |b| {
        b.iter(|| {
            let ws = load(root);
            let scope = Scope::new(&ws, &Selection::default()).expect("scope");
            let (segs, _) = scope.segments(&ws);
            let m = matrix::matrix_of(&ws, &scope, &segs, &By::parse("role")).expect("matrix");
            black_box(serde_json::to_string_pretty(&m).expect("json"))
        });
    });
    g.bench_function("matrix_by_transcript_csv", |b| {
        b.iter(|| {
            let ws = load(root);
            let scope = Scope::new(&ws, &Selection::default()).expect("scope");
            let (segs, _) = scope.segments(&ws);
            let m = matrix::matrix_of(&ws, &scope, &segs, &By::Transcript).expect("matrix");
            black_box(matrix::to_csv(&m))
        });
    });
    let role = some_role(&load(root));
    g.bench_function("frequencies_attr_filter_json", |b| {
        b.iter(|| {
            let ws = load(root);
            let sel = Selection {
                attrs: vec![("role".into(), role.clone())],
                ..Selection::default()
            };
            let scope = Scope::new(&ws, &sel).expect("scope");
            let (segs, _) = scope.segments(&ws);
            let f = stats::frequencies(
                &ws.project.config.name,
                &ws.book,
                &ws.transcripts,
                scope.transcripts.len(),
                scope.coders.clone(),
                &segs,
                &mut stats::SpanWords::load(&ws.project),
            );
            black_box(serde_json::to_string_pretty(&f).expect("json"))
        });
    });
    g.bench_function("segments_json", |b| {
        b.iter(|| {
            let ws = load(root);
            let scope = Scope::all(&ws);
            let (segs, _) = scope.segments(&ws);
            let mut out = Vec::new();
            export::write_json(&segs[..], &mut out).expect("json");
            black_box(out)
        });
    });
    g.bench_function("segments_html", |b| {
        b.iter(|| {
            let ws = load(root);
            let scope = Scope::all(&ws);
            let (segs, _) = scope.segments(&ws);
            let meta = report::ReportMeta {
                project: ws.project.config.name.clone(),
                ..report::ReportMeta::default()
            };
            let mut out = Vec::new();
            report::write_html(&meta, &ws.book, &scope.codes, &segs[..], &mut out).expect("html");
            black_box(out)
        });
    });
    g.finish();
}

/// Counting alone, on a loaded project with its segments placed.
fn counts(c: &mut Criterion, root: &std::path::Path, slow: Duration) {
    let ws = load(root);
    let scope = Scope::all(&ws);
    let (segs, _) = scope.segments(&ws);
    eprintln!("{} segments placed", segs.len());
    let mut g = c.benchmark_group("analysis_count");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(slow);
    g.bench_function("place_segments", |b| {
        b.iter(|| black_box(scope.segments(&ws)));
    });
    for unit in Unit::ALL {
        g.bench_function(format!("cooccurrence_{}", unit.name()), |b| {
            b.iter(|| black_box(cooccurrence::cooccurrence_of(&ws, &scope, &segs, unit)));
        });
    }
    g.bench_function("matrix_by_transcript", |b| {
        b.iter(|| black_box(matrix::matrix_of(&ws, &scope, &segs, &By::Transcript)));
    });
    g.bench_function("matrix_by_role", |b| {
        b.iter(|| black_box(matrix::matrix_of(&ws, &scope, &segs, &By::parse("role"))));
    });
    let opts = WordOptions {
        stopwords: true,
        stem: true,
        limit: Some(50),
    };
    g.bench_function("words_all_text_stem", |b| {
        b.iter(|| black_box(words::words_of(&ws, &scope, None, &opts)));
    });
    let first = ws.book.codes()[0].path.clone();
    let one = Scope::new(
        &ws,
        &Selection {
            codes: vec![first],
            ..Selection::default()
        },
    )
    .expect("scope");
    let (coded, _) = one.segments(&ws);
    g.bench_function("words_one_code_stem", |b| {
        b.iter(|| black_box(words::words_of(&ws, &one, Some(&coded), &opts)));
    });
    g.finish();
}
