//! Benchmarks of the core library against the performance bars
//! (docs/contracts.md); docs/PERFORMANCE.md records the latest figures.
//!
//! ```text
//! cargo bench --bench core                     # a tenth of the bar corpus, ~2 minutes
//! MOTIF_BENCH_FULL=1 cargo bench --bench core  # the bar corpus: 1,000 transcripts,
//!                                              # ~10M words, 100,000 codings
//! cargo bench --bench core -- export           # only the benchmarks matching "export"
//! ```
//!
//! The corpus is generated once (with `motif_devkit::corpus_gen`) in a temporary
//! folder under `MOTIF_BENCH_DIR` (default: the system's temporary folder;
//! it must be on a real disk for the fsync figures to mean anything) and
//! removed at the end. `MOTIF_BENCH_CODERS=ana` puts every coding in one
//! coder's journal (the worst case for "apply one coding"); the default is
//! `ana,ben`, half each. Run without `--bench` (as `cargo test --benches`
//! does), every benchmark runs once on a tiny corpus.
//!
//! Groups, in the order they run (the coding group last, since it adds
//! codings to the corpus):
//! - `import`: reading and normalizing transcripts (BOM, CRLF) as `motif
//!   import` does, with and without the atomic write, and building the
//!   in-memory transcript (hash, offset index, speaker turns); throughput in
//!   bytes of source text.
//! - `workspace`: loading the whole project (codebook, transcripts,
//!   journals, attributes), and its two big parts alone.
//! - `export_frequencies`: the whole `motif export frequencies` work (load,
//!   place, count, JSON) against the < 300 ms bar, and each step alone.
//! - `coding`: one durable coding on a warm project (journal open, project
//!   loaded) against the < 10 ms bar; the same through the path the CLI
//!   takes (open project, codebook, transcript and journal first); and the
//!   parts: replaying one coder's journal, listing all of a coder's
//!   codings in order, and the disk's floor (append a line and fdatasync
//!   it).

// Measure what ships: the binary's allocator (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use motif_core::fsio::atomic_write;
use motif_core::import::read_transcript;
use motif_core::ops::{self, NewCoding};
use motif_core::project::Project;
use motif_core::segments::Filter;
use motif_core::stats;
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;
use motif_devkit::corpus_gen::{CorpusSpec, generate};

/// Which corpus to benchmark on, and how long to measure.
struct Setting {
    name: &'static str,
    spec: CorpusSpec,
    /// Transcripts read per iteration of the import benchmarks.
    import_files: usize,
    /// Measurement time of the slow (whole-project) benchmarks.
    slow: Duration,
    warm_up: Duration,
}

fn setting() -> Setting {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let full = std::env::var("MOTIF_BENCH_FULL").is_ok_and(|v| v == "1");
    let mut s = if !benchmarking {
        Setting {
            name: "test (each benchmark once, tiny corpus)",
            spec: CorpusSpec {
                transcripts: 4,
                words_per_transcript: 1_000,
                codings: 200,
                ..CorpusSpec::bar()
            },
            import_files: 2,
            slow: Duration::from_secs(1),
            warm_up: Duration::from_millis(100),
        }
    } else if full {
        Setting {
            name: "full (the bar corpus)",
            spec: CorpusSpec::bar(),
            import_files: 100,
            slow: Duration::from_secs(20),
            warm_up: Duration::from_secs(2),
        }
    } else {
        Setting {
            name: "default (a tenth of the bar corpus; MOTIF_BENCH_FULL=1 for all of it)",
            spec: CorpusSpec {
                transcripts: 100,
                words_per_transcript: 10_000,
                codings: 10_000,
                ..CorpusSpec::bar()
            },
            import_files: 20,
            slow: Duration::from_secs(5),
            warm_up: Duration::from_secs(1),
        }
    };
    if let Ok(coders) = std::env::var("MOTIF_BENCH_CODERS") {
        s.spec.coders = coders
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
    }
    s
}

/// The generated project, removed on drop.
struct Corpus {
    _tmp: tempfile::TempDir,
    /// The folder holding the project and the import sources.
    base: PathBuf,
    root: PathBuf,
}

impl Corpus {
    fn generate(spec: &CorpusSpec) -> Corpus {
        let parent =
            std::env::var_os("MOTIF_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        std::fs::create_dir_all(&parent).expect("benchmark folder");
        let tmp = tempfile::Builder::new()
            .prefix("motif-bench-")
            .tempdir_in(&parent)
            .expect("temporary folder");
        let base = tmp.path().to_path_buf();
        let root = base.join("project");
        let started = Instant::now();
        let s = generate(&root, spec).expect("generate the corpus");
        eprintln!(
            "corpus: {} transcripts, {} words, {:.1} MB, {} codes, {} codings ({}) in {}; generated in {:.1} s",
            s.transcripts,
            s.words,
            s.bytes as f64 / 1e6,
            s.codes,
            s.codings,
            s.coders
                .iter()
                .map(|c| format!("{} {}", c.coder, c.codings))
                .collect::<Vec<_>>()
                .join(", "),
            root.display(),
            started.elapsed().as_secs_f64()
        );
        Corpus {
            _tmp: tmp,
            base,
            root,
        }
    }

    fn project(&self) -> Project {
        Project::open(&self.root).expect("open the project")
    }
}

fn main() {
    let setting = setting();
    eprintln!("motif benchmarks, setting: {}", setting.name);
    let corpus = Corpus::generate(&setting.spec);
    let mut c = Criterion::default()
        .warm_up_time(setting.warm_up)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    import(&mut c, &corpus, &setting);
    load_and_export(&mut c, &corpus, &setting);
    coding(&mut c, &corpus, &setting);
    c.final_summary();
}

/// Reading, normalizing and writing transcripts, as `motif import` does.
fn import(c: &mut Criterion, corpus: &Corpus, setting: &Setting) {
    // Sources as a word processor or a transcription service might leave
    // them: a byte-order mark and CRLF line ends.
    let sources = corpus.base.join("sources");
    std::fs::create_dir_all(&sources).expect("sources folder");
    let project = corpus.project();
    let mut files = Vec::new();
    let mut texts = Vec::new();
    let mut bytes = 0;
    for (id, path) in project
        .transcript_files()
        .expect("transcripts")
        .into_iter()
        .take(setting.import_files)
    {
        let text = std::fs::read_to_string(&path).expect("read transcript");
        let mut raw = String::from('\u{feff}');
        raw.push_str(&text.replace('\n', "\r\n"));
        let src = sources.join(format!("{id}.txt"));
        std::fs::write(&src, &raw).expect("write source");
        bytes += raw.len() as u64;
        files.push((id.clone(), src));
        texts.push((id, text));
    }
    let scratch = corpus.base.join("scratch-transcripts");
    std::fs::create_dir_all(&scratch).expect("scratch folder");

    let mut g = c.benchmark_group("import");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("read_normalize", |b| {
        b.iter(|| {
            for (_, src) in &files {
                black_box(read_transcript(src).expect("import"));
            }
        });
    });
    g.bench_function("read_normalize_atomic_write", |b| {
        b.iter(|| {
            for (id, src) in &files {
                let decoded = read_transcript(src).expect("import");
                atomic_write(&scratch.join(format!("{id}.txt")), decoded.text.as_bytes())
                    .expect("write");
            }
        });
    });
    g.bench_function("transcript_new", |b| {
        b.iter(|| {
            for (id, text) in &texts {
                black_box(Transcript::new(id.as_str(), text.clone()));
            }
        });
    });
    g.finish();
}

/// Loading the project and exporting code frequencies.
fn load_and_export(c: &mut Criterion, corpus: &Corpus, setting: &Setting) {
    let mut g = c.benchmark_group("workspace");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(setting.slow);
    g.bench_function("load", |b| {
        b.iter(|| black_box(Workspace::load(corpus.project()).expect("load")));
    });
    // The two big parts of loading, alone.
    g.bench_function("transcripts", |b| {
        b.iter(|| black_box(corpus.project().transcripts().expect("transcripts")));
    });
    g.bench_function("journals", |b| {
        b.iter(|| black_box(corpus.project().journals().expect("journals")));
    });
    g.finish();

    let mut g = c.benchmark_group("export_frequencies");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(setting.slow);
    // What `motif export frequencies` does, minus printing.
    g.bench_function("total", |b| {
        b.iter(|| {
            let ws = Workspace::load(corpus.project()).expect("load");
            let (segs, unplaced) = ws.segments(&Filter::default());
            assert!(unplaced.is_empty());
            let mut words = stats::SpanWords::load(&ws.project);
            let f = stats::frequencies(
                &ws.project.config.name,
                &ws.book,
                &ws.transcripts,
                ws.transcripts.len(),
                ws.coders(),
                &segs,
                &mut words,
            );
            words.save(&ws.transcripts);
            let out = black_box(serde_json::to_string_pretty(&f).expect("json"));
            // As the command does: the process ends without freeing.
            std::mem::forget(ws);
            out
        });
    });
    let ws = Workspace::load(corpus.project()).expect("load");
    g.bench_function("segments", |b| {
        b.iter(|| black_box(ws.segments(&Filter::default())));
    });
    let (segs, _) = ws.segments(&Filter::default());
    // Counting with nothing remembered: every span's words are counted.
    let count = || {
        stats::frequencies(
            &ws.project.config.name,
            &ws.book,
            &ws.transcripts,
            ws.transcripts.len(),
            ws.coders(),
            &segs,
            &mut stats::SpanWords::default(),
        )
    };
    g.bench_function("count", |b| b.iter(|| black_box(count())));
    let f = count();
    assert_eq!(f.totals.segments, segs.len());
    g.bench_function("json", |b| {
        b.iter(|| black_box(serde_json::to_string_pretty(&f).expect("json")));
    });
    g.finish();
}

/// Spans that no coder has yet: a fresh one per call.
struct Fresh {
    n: usize,
    transcript: String,
    len: usize,
    codes: Vec<String>,
}

impl Fresh {
    fn next(&mut self) -> NewCoding {
        self.n += 1;
        let room = self.len.saturating_sub(200).max(1);
        let start = (self.n * 7_919) % room;
        NewCoding {
            transcript: self.transcript.clone(),
            start,
            end: start + 1 + self.n % 97,
            code: self.codes[self.n % self.codes.len()].clone(),
            memo: None,
        }
    }
}

/// Applying one coding durably, and replaying a journal.
fn coding(c: &mut Criterion, corpus: &Corpus, setting: &Setting) {
    let coder = setting.spec.coders[0].clone();
    let project = corpus.project();
    let ws = Workspace::load(corpus.project()).expect("load");
    let first = ws.transcripts.values().next().expect("a transcript");
    let mut fresh = Fresh {
        n: 0,
        transcript: first.id.clone(),
        len: first.char_len(),
        codes: ws.book.codes().iter().map(|k| k.id.clone()).collect(),
    };

    let mut g = c.benchmark_group("coding");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(20);
    g.bench_function("open_journal", |b| {
        b.iter(|| black_box(project.journal(&coder).expect("journal")));
    });
    // The floor under any durable coding: append one journal-sized line to
    // a file beside the journals and fdatasync it.
    let floor = corpus.base.join("fdatasync-floor.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&floor)
        .expect("floor file");
    let line = format!("{{\"op\":\"add\",\"quote\":\"{}\"}}\n", "x".repeat(400));
    g.bench_function("append_fdatasync", |b| {
        b.iter(|| {
            file.write_all(line.as_bytes()).expect("append");
            file.sync_data().expect("fdatasync");
        });
    });
    // The TUI's case: project loaded, journal open; one coding made durable.
    let mut journal = project.journal(&coder).expect("journal");
    // Listing all of a coder's codings in order, as placing segments does
    // for every journal.
    g.bench_function("journal_codings", |b| {
        b.iter(|| black_box(journal.codings().len()));
    });
    let lookup = |id: &str| ws.transcripts.get(id);
    g.bench_function("one_durable", |b| {
        b.iter(|| {
            let report = ops::code(&mut journal, &lookup, &ws.book, &[fresh.next()]).expect("code");
            assert_eq!(report.added.len(), 1);
        });
    });
    // The CLI's case (`motif code ID --chars A-B CODE`) minus process start
    // and argument parsing: everything is opened first.
    g.bench_function("one_durable_cold", |b| {
        b.iter(|| {
            let project = Project::open(&corpus.root).expect("open");
            let book = project.codebook().expect("codebook");
            let t = project.transcript(&fresh.transcript).expect("transcript");
            let mut journal = project.journal(&coder).expect("journal");
            let lookup = |id: &str| (id == t.id).then_some(&t);
            let report = ops::code(&mut journal, &lookup, &book, &[fresh.next()]).expect("code");
            assert_eq!(report.added.len(), 1);
        });
    });
    g.finish();
}
