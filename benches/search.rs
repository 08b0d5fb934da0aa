//! Benchmarks of search against the performance bars (docs/contracts.md,
//! "Performance bars"); docs/PERFORMANCE.md records the latest figures.
//!
//! ```text
//! cargo bench --bench search                     # a tenth of the bar corpus
//! MOTIF_BENCH_FULL=1 cargo bench --bench search  # the bar corpus: 1,000 transcripts, ~10M words
//! cargo bench --bench search -- regex            # only the benchmarks matching "regex"
//! ```
//!
//! The corpus comes from `motif_devkit::corpus_gen` (without codings, which search
//! does not read) in a temporary folder under `MOTIF_BENCH_DIR` (default:
//! the system's temporary folder), removed at the end. Run without
//! `--bench` (as `cargo test --benches` does), every benchmark runs once on
//! a tiny corpus.
//!
//! Groups:
//! - `search_index`: building `.motif/index` from nothing (read, normalize,
//!   hash, find turns, index two fields with positions, commit, merge),
//!   throughput in bytes of transcript text (bar: ≥ 20 MB/s); and opening
//!   an index that is already current (the freshness check every search
//!   makes: stat every transcript, read the commit).
//! - `search_query`: a term and a phrase, top 50 with their hits' texts and
//!   match spans (what keyword-in-context lines need), on an open index
//!   (bar: < 10 ms median); also a rare term, a prefix, a fuzzy word and
//!   a boolean query.
//! - `search_regex`: a regex over all text (bar: < 250 ms), with the
//!   transcripts in memory (the TUI's case) and reading the files (the
//!   CLI's case).

// Measure what ships: the binary's allocator (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use motif_core::project::Project;
use motif_core::search::{self, Mode, Request, SearchFilter, SearchIndex};
use motif_devkit::corpus_gen::{CorpusSpec, generate};

struct Setting {
    name: &'static str,
    spec: CorpusSpec,
    slow: Duration,
}

fn setting() -> Setting {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let full = std::env::var("MOTIF_BENCH_FULL").is_ok_and(|v| v == "1");
    let base = CorpusSpec {
        codings: 0,
        coders: Vec::new(),
        ..CorpusSpec::bar()
    };
    if !benchmarking {
        Setting {
            name: "test (each benchmark once, tiny corpus)",
            spec: CorpusSpec {
                transcripts: 4,
                words_per_transcript: 1_000,
                ..base
            },
            slow: Duration::from_secs(1),
        }
    } else if full {
        Setting {
            name: "full (the bar corpus)",
            spec: base,
            slow: Duration::from_secs(40),
        }
    } else {
        Setting {
            name: "default (a tenth of the bar corpus; MOTIF_BENCH_FULL=1 for all of it)",
            spec: CorpusSpec {
                transcripts: 100,
                ..base
            },
            slow: Duration::from_secs(10),
        }
    }
}

/// The generated project, removed on drop.
struct Corpus {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    bytes: u64,
}

impl Corpus {
    fn generate(spec: &CorpusSpec) -> Corpus {
        let parent =
            std::env::var_os("MOTIF_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        std::fs::create_dir_all(&parent).expect("benchmark folder");
        let tmp = tempfile::Builder::new()
            .prefix("motif-bench-search-")
            .tempdir_in(&parent)
            .expect("temporary folder");
        let root = tmp.path().join("project");
        let started = Instant::now();
        let s = generate(&root, spec).expect("generate the corpus");
        eprintln!(
            "corpus: {} transcripts, {} words, {:.1} MB in {}; generated in {:.1} s",
            s.transcripts,
            s.words,
            s.bytes as f64 / 1e6,
            root.display(),
            started.elapsed().as_secs_f64()
        );
        Corpus {
            _tmp: tmp,
            root,
            bytes: s.bytes,
        }
    }

    fn project(&self) -> Project {
        Project::open(&self.root).expect("open the project")
    }
}

fn main() {
    let setting = setting();
    eprintln!("motif search benchmarks, setting: {}", setting.name);
    let corpus = Corpus::generate(&setting.spec);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    index(&mut c, &corpus, &setting);
    queries(&mut c, &corpus);
    regex(&mut c, &corpus, &setting);
    c.final_summary();
}

fn quiet() -> impl FnMut(usize, usize, &str) {
    |_, _, _| {}
}

/// Building the index from nothing, and opening a current one.
fn index(c: &mut Criterion, corpus: &Corpus, setting: &Setting) {
    let project = corpus.project();
    let mut g = c.benchmark_group("search_index");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(setting.slow);
    g.throughput(Throughput::Bytes(corpus.bytes));
    g.bench_function("build", |b| {
        b.iter(|| {
            let (idx, report) = SearchIndex::rebuild(&project, &mut quiet()).expect("build");
            assert!(report.rebuilt);
            black_box(idx)
        });
    });
    g.finish();

    let mut g = c.benchmark_group("search_index");
    g.sample_size(20);
    g.bench_function("open_current", |b| {
        b.iter(|| {
            let (idx, report) = SearchIndex::open(&project, &mut quiet()).expect("open");
            assert!(!report.changed_anything());
            black_box(idx)
        });
    });
    g.finish();
}

/// Ranked queries, top 50 with texts and match spans.
fn queries(c: &mut Criterion, corpus: &Corpus) {
    let project = corpus.project();
    let (idx, _) = SearchIndex::open(&project, &mut quiet()).expect("open");
    let mut g = c.benchmark_group("search_query");
    g.sample_size(50);
    for (name, q) in [
        ("term", "framework"),
        ("phrase", "\"open source\""),
        ("term_2", "ecosystem"),
        ("prefix", "standard*"),
        ("fuzzy", "pytorhc~1"),
        ("boolean", "(community OR contributors) NOT tensorflow"),
    ] {
        let req = Request {
            query: q.to_owned(),
            mode: Mode::Stemmed,
            scope: SearchFilter::default(),
            limit: Some(50),
            lenient: false,
        };
        let first = idx.search(&req).expect("search");
        eprintln!(
            "{name} `{q}`: {} passages match, {} hits, {} match spans",
            first.total,
            first.hits.len(),
            first.hits.iter().map(|h| h.matches.len()).sum::<usize>()
        );
        g.bench_function(name, |b| {
            b.iter(|| black_box(idx.search(&req).expect("search")));
        });
    }
    g.finish();
}

/// A regex over all text.
fn regex(c: &mut Criterion, corpus: &Corpus, setting: &Setting) {
    let project = corpus.project();
    let (transcripts, bad) = project.transcripts().expect("transcripts");
    assert!(bad.is_empty());
    let attributes = project.attributes().expect("attributes");
    let pattern = r"(?i)\bframework\w*";
    let mut g = c.benchmark_group("search_regex");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(setting.slow);
    g.throughput(Throughput::Bytes(corpus.bytes));
    let first = search::regex_search(
        &transcripts,
        &attributes,
        pattern,
        &SearchFilter::default(),
        None,
    )
    .expect("regex");
    eprintln!(
        "regex `{pattern}`: {} matches in {} passages",
        first.hits.iter().map(|h| h.matches.len()).sum::<usize>(),
        first.total
    );
    g.bench_function("in_memory", |b| {
        b.iter(|| {
            black_box(
                search::regex_search(
                    &transcripts,
                    &attributes,
                    pattern,
                    &SearchFilter::default(),
                    None,
                )
                .expect("regex"),
            )
        });
    });
    g.bench_function("files", |b| {
        b.iter(|| {
            black_box(
                search::regex_search_project(&project, pattern, &SearchFilter::default(), None)
                    .expect("regex"),
            )
        });
    });
    g.finish();
}
