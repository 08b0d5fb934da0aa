//! Writes a generated interview corpus as a motif project, for benchmarks
//! and scale tests.
//!
//! ```text
//! cargo run --release --example gen_corpus -- DIR [--transcripts N] [--words W]
//!     [--codings C] [--coders ana,ben] [--seed S]
//! ```
//!
//! The defaults are the corpus of the bars in docs/contracts.md: 1,000
//! transcripts of about 10,000 words (about 10 million words) and 100,000
//! codings over 40 codes, by `ana` and `ben`, seed 1.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use motif_devkit::corpus_gen::{CorpusSpec, generate};

const USAGE: &str = "usage: gen_corpus DIR [--transcripts N] [--words W] [--codings C] [--coders ana,ben] [--seed S]

Writes a generated interview corpus as a new motif project in DIR.
Defaults: the bar corpus, 1000 transcripts x ~10000 words, 100000 codings, coders ana,ben, seed 1.";

fn parse(args: &[String]) -> Result<(PathBuf, CorpusSpec), String> {
    let mut spec = CorpusSpec::bar();
    let mut dir = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        if !flag.starts_with("--") {
            if dir.replace(PathBuf::from(arg)).is_some() {
                return Err(format!("one folder only; `{arg}` is a second one"));
            }
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))?,
        };
        let number = |v: &str| {
            v.replace(['_', ','], "")
                .parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a whole number"))
        };
        match flag {
            "--transcripts" => spec.transcripts = number(&value)? as usize,
            "--words" => spec.words_per_transcript = number(&value)? as usize,
            "--codings" => spec.codings = number(&value)? as usize,
            "--seed" => spec.seed = number(&value)?,
            "--coders" => {
                spec.coders = value
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let dir = dir.ok_or("give the folder to write the corpus in")?;
    Ok((dir, spec))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, spec) = match parse(&args) {
        Ok(x) => x,
        Err(msg) if msg.is_empty() => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("gen_corpus: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match generate(&dir, &spec) {
        Ok(s) => {
            println!(
                "wrote {} in {:.1} s: {} transcripts, {} words, {:.1} MB of text, {} codes, {} codings",
                s.root.display(),
                started.elapsed().as_secs_f64(),
                s.transcripts,
                s.words,
                s.bytes as f64 / 1e6,
                s.codes,
                s.codings
            );
            for c in &s.coders {
                println!(
                    "  {}: {} codings in {} batches ({} journal records)",
                    c.coder, c.codings, c.batches, c.records
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
