//! `motif import`: the session reads, checks and writes; this prints one
//! line per transcript and the reader's notes.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use motif_core::session::{ImportOptions, ImportStage};
use motif_core::text::one_line;

use super::output::{Progress, emit_saved, num};
use super::{CmdResult, Ctx};

/// `motif import PATH… [--into FOLDER] [--replace] [--attr NAME=VALUE…]`.
pub fn import(
    ctx: &Ctx,
    paths: &[PathBuf],
    into: Option<&str>,
    replace: bool,
    attrs: &[String],
) -> CmdResult {
    let mut session = ctx.session()?;
    let options = ImportOptions {
        paths: paths.to_vec(),
        into: into.map(str::to_owned),
        replace,
        attrs: attrs.to_vec(),
    };
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
    let mut out = String::new();
    if report.recovered > 0 {
        ctx.notice(&format!(
            "note: finished an import that was interrupted: {} transcript(s) put in place",
            report.recovered
        ));
    }
    for t in &report.imported {
        if t.unchanged {
            let _ = writeln!(
                out,
                "{} is already imported from {} with the same text; nothing changed",
                t.id,
                one_line(&t.source.display().to_string())
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
        if let Some((moved, orphaned)) = t.replaced
            && moved + orphaned > 0
        {
            let _ = writeln!(
                out,
                "  replaced: {moved} coding(s) re-attached to their quotes, {orphaned} orphaned (kept; `motif check` lists them)"
            );
        }
    }
    emit_saved(&out);
    Ok(ExitCode::SUCCESS)
}
