//! `motif agree`: intercoder agreement (percent agreement, Cohen's kappa,
//! Krippendorff's alpha) per code and pooled, a pairwise matrix of coders,
//! the disagreements to review, and adopting sides into a consensus coder.
//! A thin adapter over [`motif_core::agreement`].

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use motif_core::agreement::{
    self, Agreement, Choice, Comparison, Item, Matrix, Pooled, Request, SegmentView, Undefined,
};
use motif_core::project::check_coder;
use motif_core::text::{one_line, sanitize_owned};
use motif_core::workspace::Workspace;

use super::output::{Style, clip, deliver, emit, json, num, table};
use super::{CmdResult, Ctx};

/// Arguments of `motif agree`.
#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// The coders to compare, comma-separated (default: every coder with
    /// codings, except the consensus coder).
    #[arg(long, value_delimiter = ',', value_name = "A,B[,C…]")]
    pub coders: Vec<String>,
    /// Only these transcripts (default: every transcript in which each
    /// compared coder has at least one coding).
    #[arg(long = "transcript", value_name = "T")]
    pub transcripts: Vec<String>,
    /// Only these codes (each with its subcodes).
    #[arg(long = "code", value_name = "CODE")]
    pub codes: Vec<String>,
    /// The motif.agreement JSON document (with --disagreements: the list).
    #[arg(long)]
    pub json: bool,
    /// With --disagreements: CSV, one row per disagreement.
    #[arg(long, requires = "disagreements", conflicts_with = "json")]
    pub csv: bool,
    /// Also the pairwise agreement of every two coders (pooled).
    #[arg(long)]
    pub matrix: bool,
    /// A coding matches another coder's coding with the same code when they
    /// share at least this share of the shorter span (0 to 1; 0: any shared
    /// character).
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub overlap: f64,
    /// List the disagreements to review (segment level).
    #[arg(long)]
    pub disagreements: bool,
    /// Adopt codings into the consensus coder: ID=CODER|both|neither for
    /// one disagreement, all=CODER|both|neither for every one listed,
    /// agreed[=CODER] for the codings every coder agrees on.
    #[arg(long, value_name = "SPEC", conflicts_with_all = ["json", "csv", "matrix", "disagreements"])]
    pub adopt: Vec<String>,
    /// The coder who receives adopted codings.
    #[arg(long, value_name = "NAME", default_value = agreement::DEFAULT_CONSENSUS)]
    pub consensus: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `motif agree`.
pub fn run(ctx: &Ctx, args: &AgreeArgs) -> CmdResult {
    check_coder(&args.consensus)?;
    let ws = ctx.workspace()?;
    agree(ctx, args, ws)
}

fn agree(ctx: &Ctx, args: &AgreeArgs, ws: &Workspace) -> CmdResult {
    let coders = coders(ctx, args, ws);
    let mut codes = Vec::new();
    for c in &args.codes {
        let code = ws.book.resolve(c)?;
        codes.extend(ws.book.subtree_ids(&code.id));
    }
    let req = Request {
        coders,
        transcripts: args.transcripts.clone(),
        codes,
    };
    let scope = Comparison::new(ws, &req)?;
    if scope.coders.contains(&args.consensus) && !args.adopt.is_empty() {
        bail!(
            "the consensus coder `{}` is one of the compared coders; choose another with --consensus NAME",
            one_line(&args.consensus)
        );
    }
    if scope.unplaced > 0 {
        ctx.notice(&format!(
            "note: {} coding(s) of these coders could not be placed and are not compared; `motif check` says why",
            scope.unplaced
        ));
    }
    if scope.transcripts.is_empty() {
        ctx.notice(&format!(
            "no transcript in which {} all coded: there is nothing to compare; name transcripts with --transcript T to compare them anyway",
            scope.coders.join(", ")
        ));
    }
    if !args.adopt.is_empty() {
        return adopt(args, ws, &scope);
    }
    if args.disagreements {
        let view = agreement::segment_view(&scope, args.overlap)?;
        let doc = agreement::disagreements(&scope, &view);
        let text = if args.json {
            json(&doc)?
        } else if args.csv {
            sanitize_owned(agreement::disagreements_csv(&doc), true)
        } else {
            disagreements_human(ctx, args, &scope, &view)
        };
        deliver(ctx, &text, args.output.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut report = agreement::agreement(&scope);
    if !args.matrix {
        report.matrix = None;
    }
    let text = if args.json {
        json(&report)?
    } else {
        let view = agreement::segment_view(&scope, args.overlap)?;
        report_human(ctx, args, &scope, &report, &view)
    };
    deliver(ctx, &text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// The coders compared: `--coders`, else `--coder` given several times,
/// else every coder with a journal except the consensus coder.
fn coders(ctx: &Ctx, args: &AgreeArgs, ws: &Workspace) -> Vec<String> {
    if !args.coders.is_empty() {
        return args
            .coders
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
    }
    if ctx.cli.coder.len() > 1 {
        return ctx.cli.coder.clone();
    }
    ws.coders_with_codings()
        .into_iter()
        .filter(|c| *c != args.consensus)
        .collect()
}

fn fixed(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.3}"))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A word for a shell command line, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    let s = one_line(s);
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "/._,-=".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The options that reproduce this comparison (coders, transcripts,
/// codes, overlap), for the commands the report suggests.
fn same_args(scope: &Comparison<'_>, args: &AgreeArgs) -> String {
    let mut out = format!("--coders {}", shell_word(&scope.coders.join(",")));
    for t in &args.transcripts {
        let _ = write!(out, " --transcript {}", shell_word(t));
    }
    for c in &args.codes {
        let _ = write!(out, " --code {}", shell_word(c));
    }
    if args.overlap > 0.0 {
        let _ = write!(out, " --overlap {}", args.overlap);
    }
    out
}

fn scope_line(scope: &Comparison<'_>) -> String {
    let ids: Vec<String> = scope.transcripts.iter().map(|t| one_line(&t.id)).collect();
    let list = clip(&ids.join(", "), 70);
    let n = ids.len();
    if scope.named {
        format!(
            "{n} transcript{} named: {list}",
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{n} transcript{} in which every compared coder coded{}{list}",
            if n == 1 { "" } else { "s" },
            if n == 0 { "" } else { ": " }
        )
    }
}

fn report_human(
    ctx: &Ctx,
    args: &AgreeArgs,
    scope: &Comparison<'_>,
    report: &Agreement,
    view: &SegmentView,
) -> String {
    let s = ctx.style;
    let coders: Vec<String> = scope.coders.iter().map(|c| one_line(c)).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        s.bold(&format!("Agreement between {}", and_list(&coders)))
    );
    let _ = writeln!(out, "{}", scope_line(scope));
    let _ = writeln!(
        out,
        "unit: one character (code point); each coder rates each character 1 for a code when one of their codings with exactly that code covers it, else 0\n"
    );
    let two = scope.coders.len() == 2;
    let (notes, unused) = write_code_table(&mut out, scope, report, &coders, s);
    write_table_notes(&mut out, &report.pooled, two, &notes, &unused);
    if let Some(m) = &report.matrix {
        write_pairwise(&mut out, m, &coders, s);
    }
    write_segment_level(&mut out, args, scope, view, two, s);
    out
}

/// The table of agreement by code (the codes some compared coder used),
/// then pooled. Returns the notes on undefined figures (`code: why`) and
/// the codes left out as unused.
fn write_code_table(
    out: &mut String,
    scope: &Comparison<'_>,
    report: &Agreement,
    coders: &[String],
    s: Style,
) -> (Vec<String>, Vec<String>) {
    let header_codings = format!("codings ({})", coders.join("/"));
    let mut rows = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut unused = Vec::new();
    for c in &report.codes {
        if !c.used {
            unused.push(one_line(&c.code));
            continue;
        }
        let counts: Vec<String> = scope
            .coders
            .iter()
            .map(|k| c.segments.get(k).copied().unwrap_or(0).to_string())
            .collect();
        if let Some(why) = c.counts.undefined() {
            notes.push(format!("{}: {why}", one_line(&c.code)));
        }
        rows.push(vec![
            one_line(&c.code),
            counts.join("/"),
            num(c.units as usize),
            percent(c.percent_agreement),
            fixed(c.cohen_kappa),
            fixed(c.krippendorff_alpha),
        ]);
    }
    let p = &report.pooled;
    rows.push(vec![
        format!(
            "pooled ({} code{})",
            p.codes,
            if p.codes == 1 { "" } else { "s" }
        ),
        String::new(),
        num(p.units as usize),
        percent(p.percent_agreement),
        fixed(p.cohen_kappa),
        fixed(p.krippendorff_alpha),
    ]);
    out.push_str(&table(
        &[
            "code",
            &header_codings,
            "units",
            "agreement",
            "kappa",
            "alpha",
        ],
        &rows,
        &[false, true, true, true, true, true],
        s,
    ));
    out.push('\n');
    (notes, unused)
}

/// What the table leaves undefined or out (`notes`, `unused`), and how to
/// read it.
fn write_table_notes(out: &mut String, p: &Pooled, two: bool, notes: &[String], unused: &[String]) {
    if let Some(why) = p.counts.undefined() {
        let why = match why {
            Undefined::NeverCoded => {
                "no compared coder used any of these codes in these transcripts".to_owned()
            }
            other => other.to_string(),
        };
        let _ = writeln!(out, "Pooled kappa and alpha are undefined: {why}.");
    }
    if !two {
        let _ = writeln!(
            out,
            "kappa (—): {}; `--matrix` shows kappa for each pair.",
            Undefined::NotTwoCoders
        );
    }
    for n in notes {
        let _ = writeln!(out, "— {n}.");
    }
    if !unused.is_empty() {
        let _ = writeln!(
            out,
            "Left out: {} code{} no compared coder used here ({}); agreement on them is trivially 100% and kappa and alpha are undefined (`--json` lists every code).",
            unused.len(),
            if unused.len() == 1 { "" } else { "s" },
            clip(&unused.join(", "), 80)
        );
    }
    let _ = writeln!(
        out,
        "Reading: 1 is perfect agreement, 0 what chance alone would give, below 0 worse than chance; Krippendorff suggests alpha ≥ 0.800 for firm conclusions and ≥ 0.667 for tentative ones."
    );
}

/// The pairwise table of `--matrix`: kappa, alpha and agreement, pooled,
/// for each pair of coders.
fn write_pairwise(out: &mut String, m: &Matrix, coders: &[String], s: Style) {
    let _ = writeln!(
        out,
        "\n{}",
        s.bold("Pairwise, pooled (kappa / alpha / agreement)")
    );
    let mut header = vec![String::new()];
    header.extend(coders.iter().cloned());
    let rows: Vec<Vec<String>> = (0..m.coders.len())
        .map(|a| {
            let mut r = vec![one_line(&m.coders[a])];
            for b in 0..m.coders.len() {
                r.push(if a == b {
                    "—".to_owned()
                } else {
                    format!(
                        "{} / {} / {}",
                        fixed(m.cohen_kappa[a][b]),
                        fixed(m.krippendorff_alpha[a][b]),
                        percent(m.percent_agreement[a][b])
                    )
                });
            }
            r
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    out.push_str(&table(&header, &rows, &[], s));
}

/// The segment level: how many of each coder's codings the others matched,
/// and how to review the disagreements.
fn write_segment_level(
    out: &mut String,
    args: &AgreeArgs,
    scope: &Comparison<'_>,
    view: &SegmentView,
    two: bool,
    s: Style,
) {
    let _ = writeln!(
        out,
        "\n{} — a coding matches when another coder has the same code on a span sharing {}:",
        s.bold("Segment level"),
        if args.overlap > 0.0 {
            format!("at least {} of the shorter span", args.overlap)
        } else {
            "at least one character (--overlap X asks for more)".to_owned()
        }
    );
    let others = if two {
        "the other coder"
    } else {
        "every other coder"
    };
    for c in &view.by_coder {
        let _ = writeln!(
            out,
            "  {}: {} of {} codings matched by {others}{}",
            one_line(&c.coder),
            num(c.matched),
            num(c.codings),
            if c.codings > 0 {
                format!(" ({:.0}%)", c.matched as f64 * 100.0 / c.codings as f64)
            } else {
                String::new()
            }
        );
    }
    let n = view.disagreements().count();
    if n == 0 {
        let _ = writeln!(out, "No disagreements to review.");
    } else {
        let _ = writeln!(
            out,
            "{} disagreement{} to review: `motif agree {} --disagreements`",
            num(n),
            if n == 1 { "" } else { "s" },
            same_args(scope, args)
        );
    }
}

fn disagreements_human(
    ctx: &Ctx,
    args: &AgreeArgs,
    scope: &Comparison<'_>,
    view: &SegmentView,
) -> String {
    let style = ctx.style;
    let mut out = String::new();
    let texts: std::collections::HashMap<&str, &motif_core::transcript::Transcript> = scope
        .transcripts
        .iter()
        .map(|t| (t.id.as_str(), *t))
        .collect();
    let mut count = 0;
    for item in view.disagreements() {
        count += 1;
        let t = texts[item.transcript];
        let (from, to) = t.byte_range(item.start, item.end).expect("placed span");
        let (l1, l2) = t.lines_of(from, to);
        let lines = super::output::lines_label(l1, l2);
        let _ = writeln!(
            out,
            "{}  {} {lines} ({}-{})  {}",
            style.bold(&item.id),
            one_line(item.transcript),
            item.start,
            item.end,
            style.bold(&one_line(item.code))
        );
        let _ = writeln!(
            out,
            "  {}",
            style.dim(&clip(&format!("“{}”", one_line(&t.text[from..to])), 100))
        );
        for side in &item.sides {
            let _ = writeln!(out, "  {}", side_line(item, side));
        }
        out.push('\n');
    }
    if count == 0 {
        let _ = writeln!(
            out,
            "No disagreements: every coding is matched by {}.",
            if scope.coders.len() == 2 {
                "the other coder"
            } else {
                "every other coder"
            }
        );
    } else {
        let _ = writeln!(
            out,
            "{} disagreement{} of {} place{} coded. Adopt a side into `{}` with `motif agree {} --adopt ID=CODER` (or ID=both, ID=neither, all=CODER).",
            num(count),
            if count == 1 { "" } else { "s" },
            num(view.items.len()),
            if view.items.len() == 1 { "" } else { "s" },
            one_line(&args.consensus),
            if args.consensus == agreement::DEFAULT_CONSENSUS {
                same_args(scope, args)
            } else {
                format!(
                    "{} --consensus {}",
                    same_args(scope, args),
                    shell_word(&args.consensus)
                )
            }
        );
    }
    out
}

/// What one coder did in an item, in a line.
fn side_line(item: &Item, side: &agreement::Side) -> String {
    let instead: Vec<String> = side
        .instead
        .iter()
        .map(|e| format!("{} {}-{}", one_line(e.code), e.start, e.end))
        .collect();
    let who = one_line(side.coder);
    if side.codings.is_empty() {
        if instead.is_empty() {
            format!("{who}: did not code this passage")
        } else {
            format!(
                "{who}: did not code it as {}; coded {} instead",
                one_line(item.code),
                instead.join(", ")
            )
        }
    } else {
        let spans: Vec<String> = side
            .codings
            .iter()
            .map(|c| {
                let status = if c.matched_by.is_empty() {
                    "no match".to_owned()
                } else {
                    format!("matched by {}", c.matched_by.join(", "))
                };
                format!("{}-{} ({status})", c.start, c.end)
            })
            .collect();
        let mut line = format!("{who}: coded {}", spans.join(", "));
        if !instead.is_empty() {
            let _ = write!(line, "; also {}", instead.join(", "));
        }
        line
    }
}

/// `--adopt`: resolves each spec to items and choices, then adopts them
/// into the consensus coder as one batch.
fn adopt(args: &AgreeArgs, ws: &Workspace, scope: &Comparison<'_>) -> CmdResult {
    let view = agreement::segment_view(scope, args.overlap)?;
    let mut picks: Vec<(&Item, Choice)> = Vec::new();
    for spec in &args.adopt {
        let (what, choice) = match spec.split_once('=') {
            Some((w, c)) => (w.trim(), Some(c.trim())),
            None => (spec.trim(), None),
        };
        match what {
            "agreed" => {
                let choice = match choice {
                    Some(c) => Choice::parse(c, &scope.coders)?,
                    None => Choice::Coder(scope.coders[0].clone()),
                };
                picks.extend(
                    view.items
                        .iter()
                        .filter(|i| i.agreed)
                        .map(|i| (i, choice.clone())),
                );
            }
            "all" => {
                let Some(c) = choice else {
                    bail!("--adopt all needs a side: all=CODER, all=both or all=neither");
                };
                let choice = Choice::parse(c, &scope.coders)?;
                picks.extend(view.disagreements().map(|i| (i, choice.clone())));
            }
            id => {
                let Some(c) = choice else {
                    bail!(
                        "--adopt `{}`: say which side, e.g. {id}={} (or {id}=both, {id}=neither)",
                        one_line(spec),
                        scope.coders[0]
                    );
                };
                let item = view.find(id)?;
                picks.push((item, Choice::parse(c, &scope.coders)?));
            }
        }
    }
    let mut journal = ws.project.journal(&args.consensus)?;
    let report = agreement::adopt(&mut journal, &ws.transcripts, &ws.book, &picks)?;
    let items = picks.iter().filter(|(_, c)| *c != Choice::Neither).count();
    let mut out = String::new();
    let who = one_line(&args.consensus);
    if report.added.is_empty() {
        let _ = writeln!(
            out,
            "nothing adopted into `{who}`{}",
            if report.already.is_empty() {
                String::new()
            } else {
                format!(": its {} coding(s) are already there", report.already.len())
            }
        );
    } else {
        let _ = writeln!(
            out,
            "adopted {} coding(s) from {} item(s) into `{who}`{}",
            report.added.len(),
            items,
            if report.already.is_empty() {
                String::new()
            } else {
                format!("; {} were already there", report.already.len())
            }
        );
        let _ = writeln!(
            out,
            "saved as one step: `motif undo --coder {who}` takes it back"
        );
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
