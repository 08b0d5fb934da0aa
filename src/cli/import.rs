//! `motif import`: the session reads, checks and writes; this prints one
//! line per transcript and the reader's notes. With `--preview` the
//! session reads and checks only, and this shows what it would import.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use motif_core::readings::Reading;
use motif_core::session::{ImportOptions, ImportReport, ImportStage, Preview};
use motif_core::text::one_line;

use super::output::{Progress, emit, emit_saved, json, num};
use super::{CmdResult, Ctx};

/// `motif import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Put the transcripts in this subfolder (their ids start with it).
    #[arg(long, value_name = "FOLDER")]
    pub into: Option<String>,
    /// Replace transcripts that already exist (codings re-attach by quote).
    #[arg(long)]
    pub replace: bool,
    /// Set an attribute on every imported transcript (KEY=VALUE).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// The audio or video recording of the transcript (a file inside the
    /// project), kept as its `media` attribute for `motif play`.
    #[arg(long, value_name = "RECORDING")]
    pub media: Option<PathBuf>,
    /// Show what would be imported (format, speakers, turns, times) and write nothing.
    #[arg(long)]
    pub preview: bool,
    /// With --preview: a JSON array, one object per file.
    #[arg(long, requires = "preview")]
    pub json: bool,
    /// Only these labels are speakers (remembered for --replace).
    #[arg(
        long,
        value_name = "NAME,NAME",
        value_delimiter = ',',
        conflicts_with_all = ["no_speakers", "speaker_pattern"]
    )]
    pub speakers: Vec<String>,
    /// No speakers: paragraphs only (remembered for --replace).
    #[arg(long, conflicts_with = "speaker_pattern")]
    pub no_speakers: bool,
    /// A regular expression matched at each line's start, with a named group
    /// `speaker` and optionally `time` (remembered for --replace).
    #[arg(long, value_name = "REGEX")]
    pub speaker_pattern: Option<String>,
    /// Join hard-wrapped lines into paragraphs (remembered for --replace).
    #[arg(long)]
    pub reflow: bool,
}

/// `motif import PATH… [--into FOLDER] [--replace] [--attr NAME=VALUE…]
/// [--preview [--json]] [--speakers …|--no-speakers|--speaker-pattern RE]
/// [--reflow]`.
pub fn import(ctx: &Ctx, args: &ImportArgs) -> CmdResult {
    let mut session = ctx.session()?;
    let options = ImportOptions {
        paths: args.paths.clone(),
        into: args.into.clone(),
        replace: args.replace,
        attrs: args.attrs.clone(),
        // A path the user typed is relative to where they are.
        media: args
            .media
            .as_ref()
            .map(|m| std::env::current_dir().map(|d| d.join(m)))
            .transpose()?,
        reading: Reading {
            speakers: args
                .speakers
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            no_speakers: args.no_speakers,
            speaker_pattern: args.speaker_pattern.clone(),
            reflow: args.reflow,
        },
    };
    if args.preview {
        let previews = session.preview(&options)?;
        if args.json {
            let rows: Vec<PreviewRow> = previews.iter().map(PreviewRow::of).collect();
            emit(&json(&rows)?);
        } else {
            emit(&preview_text(&previews));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut bar: Option<(ImportStage, Progress)> = None;
    let report = session.import(&options, &mut |stage, done, total, id| {
        if bar.as_ref().is_none_or(|(s, _)| *s != stage) {
            let label = match stage {
                ImportStage::Reading => "reading",
                ImportStage::Writing => "importing",
            };
            bar = Some((stage, Progress::new(label, total, ctx.cli.quiet)));
        }
        let (_, progress) = bar.as_ref().expect("set above");
        if id.is_empty() {
            progress.finish();
        } else {
            progress.step(done, id);
        }
    });
    if let Some((_, progress)) = &bar {
        progress.finish();
    }
    let report = report?;
    if report.recovered > 0 {
        ctx.notice(&format!(
            "note: finished an import that was interrupted: {} transcript(s) put in place",
            report.recovered
        ));
    }
    emit_saved(&report_text(ctx, &report));
    Ok(ExitCode::SUCCESS)
}

/// What `import` says of each transcript (notices go to stderr).
fn report_text(ctx: &Ctx, report: &ImportReport) -> String {
    let mut out = String::new();
    for t in &report.imported {
        if t.unchanged {
            let _ = writeln!(
                out,
                "{} is already imported from {} with the same text{}",
                t.id,
                one_line(&t.source.display().to_string()),
                if report.attributes_set == 0 {
                    "; nothing changed"
                } else {
                    ""
                }
            );
            continue;
        }
        for n in &t.notices {
            ctx.notice(&format!("note: {n}"));
        }
        let _ = writeln!(
            out,
            "imported {} from {}: {} words, {} speaker turns{}",
            t.id,
            one_line(&t.source.display().to_string()),
            num(t.words),
            t.speaker_turns,
            if t.speakers.is_empty() {
                String::new()
            } else {
                format!(" ({})", one_line(&t.speakers.join(", ")))
            }
        );
        if let Some((moved, edited, orphaned)) = t.replaced
            && moved + edited + orphaned > 0
        {
            let _ = writeln!(
                out,
                "  replaced: {moved} coding(s) followed their text, {edited} edited, {orphaned} orphaned (kept; `motif check` lists the edited and orphaned ones for review)"
            );
        }
    }
    if report.attributes_set > 0 {
        let _ = writeln!(
            out,
            "attributes.csv: {} value(s) set",
            num(report.attributes_set)
        );
    }
    out
}

/// One file of `import --preview --json` (docs/contracts.md).
#[derive(Serialize)]
struct PreviewRow {
    id: String,
    format: String,
    speakers: Vec<SpeakerRow>,
    turns: usize,
    words: usize,
    timed: bool,
}

#[derive(Serialize)]
struct SpeakerRow {
    name: String,
    turns: usize,
}

impl PreviewRow {
    fn of(p: &Preview) -> PreviewRow {
        PreviewRow {
            id: p.id.clone(),
            format: p.format.clone(),
            speakers: p
                .speakers
                .iter()
                .map(|(name, turns)| SpeakerRow {
                    name: name.clone(),
                    turns: *turns,
                })
                .collect(),
            turns: p.turns,
            words: p.words,
            timed: p.timed,
        }
    }
}

/// The preview for a reader: per file its id, format, speakers with
/// their turns, whether turns are timed, and the first turns.
fn preview_text(previews: &[Preview]) -> String {
    let mut out = String::new();
    for p in previews {
        let _ = writeln!(
            out,
            "{} ← {} ({}): {} words, {} speaker turns, {}",
            one_line(&p.id),
            one_line(&p.source.display().to_string()),
            one_line(&p.format),
            num(p.words),
            p.turns,
            if p.timed { "timed" } else { "no times" }
        );
        if p.speakers.is_empty() {
            out.push_str("  speakers: none (paragraphs)\n");
        } else {
            let list: Vec<String> = p
                .speakers
                .iter()
                .map(|(n, t)| format!("{} ({t})", one_line(n)))
                .collect();
            let _ = writeln!(out, "  speakers: {}", list.join(", "));
        }
        for (speaker, time, text) in &p.first {
            let _ = writeln!(
                out,
                "  {}{}{}",
                time.as_ref()
                    .map_or(String::new(), |t| format!("[{}] ", one_line(t))),
                speaker
                    .as_ref()
                    .map_or(String::new(), |s| format!("{}: ", one_line(s))),
                one_line(text)
            );
        }
    }
    out.push_str("(preview: nothing was written)\n");
    out
}
