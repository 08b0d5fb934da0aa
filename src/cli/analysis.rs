//! Reports and exports over coded segments: `segments` (JSON, CSV,
//! Markdown, HTML), `export frequencies`, `export cooccurrence`, `export
//! matrix` and `words`. Every one takes the same filters ([`FilterArgs`]
//! plus the global `--coder`), turned into a [`Scope`] in one place
//! ([`scope`]). A thin adapter over [`motif_core::analysis`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use motif_core::analysis::{By, Scope, Unit, WordOptions, cooccurrence, matrix, report, words};
use motif_core::export;
use motif_core::segments::{Segment, Unplaced};
use motif_core::session;
use motif_core::stats;
use motif_core::text::{one_line, sanitize_owned};
use motif_core::workspace::Workspace;

use super::args::FormatArgs;
use super::output::{clip, num, table};
use super::output::{deliver, deliver_with, json};
use super::{CmdResult, Ctx};

/// The filters every export takes (with the global `--coder`, which may be
/// repeated).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only these transcripts (repeatable).
    #[arg(long = "transcript", value_name = "T")]
    pub transcripts: Vec<String>,
    /// Only these codes, each with its subcodes (repeatable).
    #[arg(long = "code", id = "filter_codes", value_name = "CODE")]
    pub codes: Vec<String>,
    /// Only transcripts whose attribute KEY is VALUE (repeatable: values of
    /// one attribute are alternatives, different attributes must all
    /// match; `KEY=` selects transcripts without a value).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
}

/// `--unit` of `export cooccurrence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// The two spans share at least one code point.
    Overlap,
    /// The two spans touch a common speaker turn (paragraph without speakers).
    Turn,
    /// The two segments are in the same transcript.
    Transcript,
}

impl From<UnitArg> for Unit {
    fn from(u: UnitArg) -> Unit {
        match u {
            UnitArg::Overlap => Unit::Overlap,
            UnitArg::Turn => Unit::Turn,
            UnitArg::Transcript => Unit::Transcript,
        }
    }
}

/// JSON or CSV instead of the human table.
#[derive(Debug, Clone, Copy, Default, Args)]
#[group(multiple = false)]
pub struct TableFormatArgs {
    /// The JSON document.
    #[arg(long)]
    pub json: bool,
    /// CSV (RFC 4180), with a header row.
    #[arg(long)]
    pub csv: bool,
}

/// `motif export cooccurrence`.
#[derive(Debug, Args)]
pub struct CooccurrenceArgs {
    /// What two segments must share to co-occur.
    #[arg(long, value_enum, default_value = "overlap")]
    pub unit: UnitArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub format: TableFormatArgs,
    /// Write to FILE instead of standard output (`.json`/`.csv` pick the
    /// format when no flag does).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `motif export matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Columns: `transcript`, or an attribute of attributes.csv (role, …).
    #[arg(
        long,
        value_name = "transcript|ATTRIBUTE",
        default_value = "transcript"
    )]
    pub by: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub format: TableFormatArgs,
    /// Write to FILE instead of standard output (`.json`/`.csv` pick the
    /// format when no flag does).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--stopwords`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StopwordsArg {
    /// Common English function words, contractions and fillers.
    En,
}

/// `motif words`.
#[derive(Debug, Args)]
pub struct WordsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Leave out common words of this language.
    #[arg(long, value_enum, value_name = "LANG")]
    pub stopwords: Option<StopwordsArg>,
    /// Count words by their English stem (framework, frameworks → framework).
    #[arg(long)]
    pub stem: bool,
    /// How many words to list (0: all).
    #[arg(long, short = 'n', value_name = "N", default_value_t = 50)]
    pub limit: usize,
    #[command(flatten)]
    pub format: TableFormatArgs,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The output forms of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Human,
    Json,
    Csv,
    Markdown,
    Html,
}

/// The form asked for by a flag, else by `-o FILE`'s extension.
fn form(flags: &[(bool, Form)], output: Option<&Path>) -> Form {
    if let Some(&(_, f)) = flags.iter().find(|(on, _)| *on) {
        return f;
    }
    let ext = output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let by_ext = match ext.as_deref() {
        Some("json") => Form::Json,
        Some("csv") => Form::Csv,
        Some("md" | "markdown") => Form::Markdown,
        Some("html" | "htm") => Form::Html,
        _ => Form::Human,
    };
    // Only forms this command writes.
    if flags.iter().any(|&(_, f)| f == by_ext) {
        by_ext
    } else {
        Form::Human
    }
}

/// The scope of `--coder` and `filter`, plus codes named otherwise
/// (`segments CODE…`), checked by the session; notes (an attribute value no
/// transcript has) go to stderr.
pub fn scope(
    ctx: &Ctx,
    ws: &Workspace,
    filter: &FilterArgs,
    extra_codes: &[String],
) -> anyhow::Result<Scope> {
    let codes: Vec<String> = extra_codes.iter().chain(&filter.codes).cloned().collect();
    // Analyses compare coders: `--coder` may be repeated here.
    let scope = session::scope(
        ws,
        &ctx.cli.coder,
        &filter.transcripts,
        &codes,
        &filter.attrs,
    )?;
    for n in &scope.notes {
        ctx.notice(&format!("note: {n}"));
    }
    Ok(scope)
}

fn note_unplaced(ctx: &Ctx, unplaced: &Unplaced<'_>, what: &str) {
    if !unplaced.is_empty() {
        ctx.notice(&format!(
            "note: {} coding(s) could not be placed and are not {what}; `motif check` says why",
            unplaced.len()
        ));
    }
}

/// `motif segments` and `motif export segments`.
pub fn segments(
    ctx: &Ctx,
    codes: &[String],
    filter: &FilterArgs,
    format: &FormatArgs,
    output: Option<&Path>,
) -> CmdResult {
    let ws = ctx.workspace()?;
    let scope = scope(ctx, ws, filter, codes)?;
    let (segs, unplaced) = scope.segments(ws);
    note_unplaced(ctx, &unplaced, "listed");
    let form = form(
        &[
            (format.json, Form::Json),
            (format.csv, Form::Csv),
            (format.md, Form::Markdown),
            (format.html, Form::Html),
        ],
        output,
    );
    let rows: &[Segment<'_>] = &segs;
    match form {
        Form::Json => deliver_with(ctx, output, |out| export::write_json(rows, out))?,
        // Control characters are neutralized in CSV, Markdown and HTML
        // (JSON escapes them and keeps the exact text).
        Form::Csv => deliver_with(ctx, output, |out| export::write_csv(rows, out))?,
        Form::Markdown => {
            let order: Vec<&str> = ws.book.codes().iter().map(|c| c.path.as_str()).collect();
            let name = &ws.project.config.name;
            deliver_with(ctx, output, |out| {
                export::write_markdown(name, &order, rows, out)
            })?;
        }
        Form::Html => {
            let meta = report::ReportMeta {
                project: ws.project.config.name.clone(),
                generated_at: motif_core::ids::now_rfc3339(),
                selection: scope.description.clone(),
            };
            deliver_with(ctx, output, |out| {
                report::write_html(&meta, &ws.book, &scope.codes, rows, out)
            })?;
        }
        Form::Human => {
            let mut out = String::new();
            for r in rows.iter().map(export::row) {
                let lines = if r.line_start == r.line_end {
                    format!("{}", r.line_start)
                } else {
                    format!("{}-{}", r.line_start, r.line_end)
                };
                let _ = writeln!(
                    out,
                    "{}:{} {} {} [{}] {}",
                    one_line(r.transcript),
                    lines,
                    ctx.style.bold(&one_line(r.code)),
                    one_line(r.speaker.unwrap_or("")),
                    one_line(r.coder),
                    clip(&format!("“{}”", one_line(r.text)), 100)
                );
            }
            if rows.is_empty() {
                out.push_str("no coded segments match\n");
            }
            deliver(ctx, &out, output)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `motif export frequencies`.
pub fn frequencies(ctx: &Ctx, csv: bool, filter: &FilterArgs, output: Option<&Path>) -> CmdResult {
    let ws = ctx.workspace()?;
    let scope = scope(ctx, ws, filter, &[])?;
    let f = session::frequencies(ws, &scope);
    note_unplaced(ctx, &f.unplaced, "counted");
    let csv = csv || form(&[(false, Form::Csv)], output) == Form::Csv;
    let text = if csv {
        sanitize_owned(stats::frequencies_csv(&f.document), true)
    } else {
        json(&f.document)?
    };
    deliver(ctx, &text, output)?;
    Ok(ExitCode::SUCCESS)
}

/// Row labels `1 code/path` and column headers `1 2 3…` for a square table.
fn numbered_codes(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let w = codes.len().to_string().len();
            format!("{:>w$} {}", i + 1, clip(&one_line(c), 40))
        })
        .collect()
}

/// `motif export cooccurrence`.
pub fn cooccurrence_cmd(ctx: &Ctx, args: &CooccurrenceArgs) -> CmdResult {
    let ws = ctx.workspace()?;
    let scope = scope(ctx, ws, &args.filter, &[])?;
    let (segs, unplaced) = scope.segments(ws);
    note_unplaced(ctx, &unplaced, "counted");
    let unit = Unit::from(args.unit);
    let c = cooccurrence::cooccurrence_of(ws, &scope, &segs, unit);
    let output = args.output.as_deref();
    let text = match form(
        &[(args.format.json, Form::Json), (args.format.csv, Form::Csv)],
        output,
    ) {
        Form::Json => json(&c)?,
        Form::Csv => sanitize_owned(cooccurrence::to_csv(&c), true),
        _ => {
            let what = match unit {
                Unit::Overlap => "segments sharing at least one code point",
                Unit::Turn => "segments in a common speaker turn",
                Unit::Transcript => "segments in the same transcript",
            };
            let mut out = format!(
                "co-occurrence ({}: pairs of {what}; diagonal: segments) · {} codes · {} transcripts · {} segments\n",
                unit.name(),
                num(c.codes.len()),
                num(scope.transcripts.len()),
                num(segs.len())
            );
            if !scope.description.is_empty() {
                let _ = writeln!(out, "selection: {}", one_line(&scope.description));
            }
            out.push('\n');
            let labels = numbered_codes(&c.codes);
            let numbers: Vec<String> = (1..=c.codes.len()).map(|i| i.to_string()).collect();
            let mut header: Vec<&str> = vec!["code"];
            header.extend(numbers.iter().map(String::as_str));
            let rows: Vec<Vec<String>> = labels
                .iter()
                .zip(&c.matrix)
                .map(|(l, r)| {
                    std::iter::once(l.clone())
                        .chain(r.iter().map(|&n| num(n)))
                        .collect()
                })
                .collect();
            let mut right = vec![false];
            right.extend(std::iter::repeat_n(true, c.codes.len()));
            out.push_str(&table(&header, &rows, &right, ctx.style));
            out
        }
    };
    deliver(ctx, &text, output)?;
    Ok(ExitCode::SUCCESS)
}

/// `motif export matrix`.
pub fn matrix_cmd(ctx: &Ctx, args: &MatrixArgs) -> CmdResult {
    let ws = ctx.workspace()?;
    let scope = scope(ctx, ws, &args.filter, &[])?;
    let (segs, unplaced) = scope.segments(ws);
    note_unplaced(ctx, &unplaced, "counted");
    let by = By::parse(args.by.trim());
    let m = matrix::matrix_of(ws, &scope, &segs, &by)?;
    let output = args.output.as_deref();
    let text = match form(
        &[(args.format.json, Form::Json), (args.format.csv, Form::Csv)],
        output,
    ) {
        Form::Json => json(&m)?,
        Form::Csv => sanitize_owned(matrix::to_csv(&m), true),
        _ => {
            let mut out = format!(
                "segments per code by {} · {} codes · {} columns · {} segments\n",
                one_line(&m.by),
                num(m.rows.len()),
                num(m.columns.len()),
                num(segs.len())
            );
            if !scope.description.is_empty() {
                let _ = writeln!(out, "selection: {}", one_line(&scope.description));
            }
            out.push('\n');
            let columns: Vec<String> = m.columns.iter().map(|c| clip(&one_line(c), 24)).collect();
            let mut header: Vec<&str> = vec!["code"];
            header.extend(columns.iter().map(String::as_str));
            header.push("total");
            let rows: Vec<Vec<String>> = m
                .rows
                .iter()
                .map(|r| {
                    std::iter::once(clip(&one_line(&r.code), 40))
                        .chain(r.counts.iter().map(|&n| num(n)))
                        .chain(std::iter::once(num(r.total)))
                        .collect()
                })
                .collect();
            let mut right = vec![false];
            right.extend(std::iter::repeat_n(true, m.columns.len() + 1));
            out.push_str(&table(&header, &rows, &right, ctx.style));
            out
        }
    };
    deliver(ctx, &text, output)?;
    Ok(ExitCode::SUCCESS)
}

/// `motif words`.
pub fn words_cmd(ctx: &Ctx, args: &WordsArgs) -> CmdResult {
    let ws = ctx.workspace()?;
    let scope = scope(ctx, ws, &args.filter, &[])?;
    let opts = WordOptions {
        stopwords: args.stopwords.is_some(),
        stem: args.stem,
        limit: (args.limit > 0).then_some(args.limit),
    };
    let w = if scope.coded_text_only() {
        let (segs, unplaced) = scope.segments(ws);
        note_unplaced(ctx, &unplaced, "read");
        words::words_of(ws, &scope, Some(&segs), &opts)
    } else {
        words::words_of(ws, &scope, None, &opts)
    };
    let output = args.output.as_deref();
    let text = match form(
        &[(args.format.json, Form::Json), (args.format.csv, Form::Csv)],
        output,
    ) {
        Form::Json => json(&w)?,
        Form::Csv => sanitize_owned(words::to_csv(&w), true),
        _ => {
            let text = if w.text == "coded" {
                "the coded text"
            } else {
                "what was said"
            };
            let mut options = Vec::new();
            if w.stopwords.is_some() {
                options.push("without English stopwords");
            }
            if w.stem {
                options.push("by stem");
            }
            let mut out = format!(
                "{} words in {} of {} transcript{}{}{}; {} distinct\n",
                num(w.total),
                text,
                num(w.transcripts),
                if w.transcripts == 1 { "" } else { "s" },
                if options.is_empty() { "" } else { ", " },
                options.join(", "),
                num(w.distinct)
            );
            if !scope.description.is_empty() {
                let _ = writeln!(out, "selection: {}", one_line(&scope.description));
            }
            out.push('\n');
            let mut header = vec!["word", "count", "transcripts"];
            if w.stem {
                header.extend(["stem", "forms"]);
            }
            let rows: Vec<Vec<String>> = w
                .words
                .iter()
                .map(|e| {
                    let mut r = vec![
                        clip(&one_line(&e.word), 40),
                        num(e.count),
                        num(e.transcripts),
                    ];
                    if w.stem {
                        r.push(one_line(e.stem.as_deref().unwrap_or("")));
                        r.push(clip(&one_line(&e.forms.join(", ")), 60));
                    }
                    r
                })
                .collect();
            out.push_str(&table(
                &header,
                &rows,
                &[false, true, true, false, false],
                ctx.style,
            ));
            if w.words.is_empty() {
                out.push_str("no words in this selection\n");
            }
            out
        }
    };
    deliver(ctx, &text, output)?;
    Ok(ExitCode::SUCCESS)
}
