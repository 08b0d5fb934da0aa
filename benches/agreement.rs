//! Benchmark of intercoder agreement against the issue's bar: agreement
//! over 1,000 transcripts and two coders in < 2 s. docs/PERFORMANCE.md
//! records the latest figures (section "Agreement").
//!
//! ```text
//! cargo bench --bench agreement                     # a tenth of the bar corpus
//! MOTIF_BENCH_FULL=1 cargo bench --bench agreement  # the bar corpus: 1,000 transcripts,
//!                                                   # ~10M words, 100,000 codings, ana and ben
//! ```
//!
//! The corpus is generated once with `motif_devkit::corpus_gen` in a temporary
//! folder under `MOTIF_BENCH_DIR` (default: the system's temporary folder)
//! and removed at the end. Run without `--bench` (as `cargo test --benches`
//! does), every benchmark runs once on a tiny corpus.
//!
//! Benchmarks (group `agreement`):
//! - `cli`: `motif --project … agree --coders ana,ben --json`, the release
//!   binary end to end (output to /dev/null).
//! - `total`: the same work in process, minus printing: load the project
//!   (`Workspace::load`, one thread), place the codings, find the scope,
//!   count and compute per code, pooled and pairwise, write JSON; freeing
//!   the project is left out, as the command leaves it out.
//! - `scope`: placing the two coders' codings and finding the transcripts
//!   in scope, on a loaded project.
//! - `statistics`: the interval sweeps and the statistics, on a scope.
//! - `segment_view`: matching codings and grouping the places to review.

// Measure what ships: the binary's allocator (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use motif_core::agreement::{self, Comparison, Request};
use motif_core::project::Project;
use motif_core::workspace::Workspace;
use motif_devkit::corpus_gen::{CorpusSpec, generate};

fn spec() -> (&'static str, CorpusSpec, Duration) {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let full = std::env::var("MOTIF_BENCH_FULL").is_ok_and(|v| v == "1");
    let two = |transcripts, words, codings| CorpusSpec {
        transcripts,
        words_per_transcript: words,
        codings,
        coders: vec!["ana".into(), "ben".into()],
        ..CorpusSpec::bar()
    };
    if !benchmarking {
        (
            "test (each benchmark once, tiny corpus)",
            two(4, 1_000, 200),
            Duration::from_secs(1),
        )
    } else if full {
        (
            "full (the bar corpus)",
            two(1_000, 10_000, 100_000),
            Duration::from_secs(30),
        )
    } else {
        (
            "default (a tenth of the bar corpus; MOTIF_BENCH_FULL=1 for all of it)",
            two(100, 10_000, 10_000),
            Duration::from_secs(5),
        )
    }
}

fn main() {
    let (name, spec, slow) = spec();
    eprintln!("motif agreement benchmark, setting: {name}");
    let parent = std::env::var_os("MOTIF_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    std::fs::create_dir_all(&parent).expect("benchmark folder");
    let tmp = tempfile::Builder::new()
        .prefix("motif-bench-agreement-")
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
    let request = Request {
        coders: spec.coders.clone(),
        ..Request::default()
    };
    let open = || Project::open(&root).expect("open the project");

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("agreement");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(slow);
    // The command as a researcher runs it: the release binary, end to end.
    let motif = env!("CARGO_BIN_EXE_motif");
    g.bench_function("cli", |b| {
        b.iter(|| {
            let out = std::process::Command::new(motif)
                .arg("--project")
                .arg(&root)
                .args(["agree", "--coders", "ana,ben", "--json"])
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run motif");
            assert!(out.success());
        });
    });
    g.bench_function("total", |b| {
        b.iter_with_large_drop(|| {
            let ws = Workspace::load(open()).expect("load");
            let json = {
                let scope = Comparison::new(&ws, &request).expect("scope");
                let report = agreement::agreement(&scope);
                serde_json::to_string_pretty(&report).expect("json")
            };
            (ws, json)
        });
    });
    let ws = Workspace::load(open()).expect("load");
    g.bench_function("scope", |b| {
        b.iter(|| black_box(Comparison::new(&ws, &request).expect("scope")));
    });
    let scope = Comparison::new(&ws, &request).expect("scope");
    g.bench_function("statistics", |b| {
        b.iter(|| black_box(agreement::agreement(&scope)));
    });
    g.bench_function("segment_view", |b| {
        b.iter(|| black_box(agreement::segment_view(&scope, 0.0).expect("view")));
    });
    g.finish();
    let report = agreement::agreement(&scope);
    let view = agreement::segment_view(&scope, 0.0).expect("view");
    eprintln!(
        "scope: {} transcripts, {} units per code, {} codings; pooled over {} codes: kappa {:?}, alpha {:?}; {} places, {} disagreements",
        scope.transcripts.len(),
        scope.units(),
        scope.segments().len(),
        report.pooled.codes,
        report.pooled.cohen_kappa,
        report.pooled.krippendorff_alpha,
        view.items.len(),
        view.disagreements().count()
    );
    c.final_summary();
}
