//! `motif code`, `uncode`, `undo` and `redo`: the session codes; this
//! describes what it did, one line per coding.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use motif_core::ops::{self, SpanSpec};
use motif_core::session::Target;
use motif_core::text::one_line;
use motif_core::transcript::Transcript;

use super::args::CodeArgs;
use super::output::{emit_saved, lines_label};
use super::{CmdResult, Ctx};

/// `--chars A-B` or `--lines A-B` as a span.
fn span_of(chars: Option<&String>, lines: Option<&String>) -> anyhow::Result<Option<SpanSpec>> {
    Ok(match (chars, lines) {
        (Some(c), _) => Some(SpanSpec::parse(c, false)?),
        (None, Some(l)) => Some(SpanSpec::parse(l, true)?),
        (None, None) => None,
    })
}

/// `p01 120-245 (lines 12-14)`.
fn describe_span(t: &Transcript, start: usize, end: usize) -> String {
    let (a, b) = t.byte_range(start, end).expect("span in range");
    let (l1, l2) = t.lines_of(a, b);
    format!("{} {start}-{end} ({})", t.id, lines_label(l1, l2))
}

/// `motif code --reattach ID` and `motif code --accept ID`.
fn review(ctx: &Ctx, args: &CodeArgs) -> CmdResult {
    let mut session = ctx.session()?;
    let (done, verb) = match (&args.accept, &args.reattach) {
        (Some(id), _) => (session.accept(id)?, "accepted"),
        (None, Some(id)) => {
            let Some(spec) = span_of(args.chars.as_ref(), args.lines.as_ref())? else {
                bail!("give the span to re-attach to with --chars A-B or --lines A-B");
            };
            (session.reattach(id, spec)?, "re-attached")
        }
        (None, None) => unreachable!("called for --accept or --reattach"),
    };
    let coder = session.coder()?;
    let book = session.codebook()?;
    let code = one_line(
        book.by_id(&done.after.code)
            .map_or("?", |k| k.path.as_str()),
    );
    emit_saved(&format!(
        "{verb} coding {} ({code}) at {}: “{}” [{coder}]\n",
        one_line(&done.after.id),
        describe_span(&done.transcript, done.after.start, done.after.end),
        one_line(motif_core::text::take_chars(&done.after.anchor.quote, 60)),
    ));
    Ok(ExitCode::SUCCESS)
}

/// `motif code`.
pub fn code(ctx: &Ctx, args: &CodeArgs) -> CmdResult {
    if args.accept.is_some() || args.reattach.is_some() {
        return review(ctx, args);
    }
    let mut session = ctx.session()?;
    if let Some(from) = &args.from {
        let mut out = String::new();
        for (coder, report) in session.code_rows(from)? {
            let _ = writeln!(
                out,
                "{coder}: {} coding(s) saved{}",
                report.added.len(),
                if report.already.is_empty() {
                    String::new()
                } else {
                    format!(", {} already there (kept as is)", report.already.len())
                }
            );
        }
        emit_saved(&out);
        return Ok(ExitCode::SUCCESS);
    }
    let tid = args
        .transcript
        .as_deref()
        .expect("clap requires a transcript");
    let target = match (
        &args.pattern,
        span_of(args.chars.as_ref(), args.lines.as_ref())?,
    ) {
        (Some(p), _) => Target::Matches(p.clone()),
        (None, Some(spec)) => Target::Span(spec),
        (None, None) => bail!("give the span with --chars A-B, --lines A-B or --match REGEX"),
    };
    if let Some(n) = args.max {
        session.set_max_codings(n);
    }
    let coded = session.code(tid, &target, &args.codes, args.memo.as_deref())?;
    let coder = session.coder()?;
    let book = session.codebook()?;
    let path = |id: &str| one_line(book.by_id(id).map_or("?", |k| k.path.as_str()));
    let mut out = String::new();
    for c in &coded.report.added {
        let _ = writeln!(
            out,
            "coded {} as {} [{coder}]",
            describe_span(&coded.transcript, c.start, c.end),
            path(&c.code),
        );
    }
    for c in &coded.report.already {
        let _ = writeln!(
            out,
            "already coded {} as {} by {coder}; kept as is",
            coded.transcript.id,
            path(&c.code)
        );
    }
    if coded.report.added.len() > 1 {
        let _ = writeln!(
            out,
            "{} codings saved (one undo step)",
            coded.report.added.len()
        );
    }
    emit_saved(&out);
    Ok(ExitCode::SUCCESS)
}

/// `motif uncode`.
pub fn uncode(
    ctx: &Ctx,
    tid: &str,
    chars: Option<&String>,
    lines: Option<&String>,
    codes: &[String],
) -> CmdResult {
    let Some(spec) = span_of(chars, lines)? else {
        bail!("give the span with --chars A-B or --lines A-B");
    };
    let mut session = ctx.session()?;
    let uncoded = session.uncode(tid, spec, codes)?;
    let coder = session.coder()?;
    let book = session.codebook()?;
    let mut out = String::new();
    for (c, s, e) in &uncoded.removed {
        let code = one_line(book.by_id(&c.code).map_or("?", |k| k.path.as_str()));
        let _ = writeln!(
            out,
            "removed {} {code} [{coder}]",
            describe_span(&uncoded.transcript, *s, *e)
        );
    }
    emit_saved(&out);
    Ok(ExitCode::SUCCESS)
}

/// `motif uncode --id ID`.
pub fn uncode_id(ctx: &Ctx, id: &str) -> CmdResult {
    let mut session = ctx.session()?;
    let c = session.uncode_id(id)?;
    let coder = session.coder()?;
    let book = session.codebook()?;
    let code = book.by_id(&c.code).map_or("?", |k| k.path.as_str());
    emit_saved(&format!(
        "removed coding {} ({code} at {}-{} of `{}`) [{coder}]\n",
        one_line(&c.id),
        c.start,
        c.end,
        one_line(&c.transcript)
    ));
    Ok(ExitCode::SUCCESS)
}

/// `motif undo` and `motif redo`.
pub fn undo_redo(ctx: &Ctx, undo: bool) -> CmdResult {
    let mut session = ctx.session()?;
    let coder = session.coder()?;
    let done = if undo {
        session.undo()?
    } else {
        session.redo()?
    };
    let Some(batch) = done else {
        bail!(
            "nothing to {} for {coder}",
            if undo { "undo" } else { "redo" }
        );
    };
    let verb = if undo { "undid" } else { "redid" };
    emit_saved(&format!(
        "{verb}: {} [{coder}, {}]\n",
        one_line(&ops::describe(&batch, session.codebook()?)),
        batch.time
    ));
    Ok(ExitCode::SUCCESS)
}
