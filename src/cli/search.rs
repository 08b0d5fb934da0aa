//! `motif search`, `motif similar` and `motif index`: argument definitions
//! and the commands, thin adapters over `core::search`. Hits print as
//! keyword-in-context lines, or as the search JSON contract with `--json`;
//! `--autocode` turns hits into codings through `core::ops::code` (one
//! batch, one undo step).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use clap::{Args, ValueEnum};
use serde::Serialize;

use motif_core::codebook::Codebook;
use motif_core::ops::SpanSpec;
use motif_core::project::Project;
use motif_core::search::saved::{self, SavedQuery};
use motif_core::search::{
    self, CodeScope, Filter, Mode, Request, Results, SearchFilter, SearchIndex, UpdateReport,
};
use motif_core::session::{HitSpan, Session};
use motif_core::text::one_line;

use super::args::SpanArgs;
use super::output::{Progress, Style, clip, emit, json, num, pad, width};
use super::{CmdResult, Ctx};

/// Hits listed by default (ranked search).
const DEFAULT_LIMIT: usize = 50;
/// Hits listed by default (`similar`).
const DEFAULT_SIMILAR_LIMIT: usize = 20;
/// Columns of context on each side of a match, at least.
const MIN_CONTEXT: usize = 20;

/// `motif search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to find: words, "phrases", prefix*, fuzzy~1, AND/OR/NOT,
    /// speaker:NAME, transcript:T, ATTRIBUTE:VALUE; or @NAME for a saved
    /// query; or a regular expression with --regex.
    #[arg(required_unless_present = "saved", value_name = "QUERY")]
    pub query: Option<String>,
    /// QUERY is a regular expression; every match is reported.
    #[arg(long)]
    pub regex: bool,
    /// Match words as written (no stemming or accent folding; case is
    /// still ignored).
    #[arg(long, conflicts_with = "regex")]
    pub exact: bool,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// At most N hits (default: 50, or all with --regex or --autocode;
    /// 0 counts only).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print the hits as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub autocode: AutocodeArgs,
    /// Save the query and its options as queries/NAME.toml, then run it.
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// List the saved queries.
    #[arg(long, conflicts_with_all = ["query", "save"])]
    pub saved: bool,
}

/// Which passages to search.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Only passages overlapping a segment of CODE (subcodes included, any
    /// coder); repeat for several.
    #[arg(long = "code", value_name = "CODE")]
    pub codes: Vec<String>,
    /// Only passages of this speaker (any case); repeat for several.
    #[arg(long = "speaker", value_name = "NAME")]
    pub speakers: Vec<String>,
    /// Only this transcript; repeat for several.
    #[arg(long = "transcript", value_name = "T")]
    pub transcripts: Vec<String>,
    /// Only transcripts with this attribute value, e.g. role=student.
    #[arg(long = "attr", value_name = "NAME=VALUE")]
    pub attrs: Vec<String>,
}

/// Coding the hits.
#[derive(Debug, Args)]
pub struct AutocodeArgs {
    /// Code every hit with CODE, as one batch (`motif undo` reverts it).
    #[arg(long, value_name = "CODE")]
    pub autocode: Option<String>,
    /// What each coding covers: the hit's passage (default) or each match.
    #[arg(long, value_enum, value_name = "WHAT", requires = "autocode")]
    pub autocode_span: Option<AutocodeSpan>,
    /// Show what --autocode would code; change nothing.
    #[arg(long, requires = "autocode")]
    pub dry_run: bool,
    /// A memo on each new coding.
    #[arg(long, requires = "autocode")]
    pub memo: Option<String>,
    /// Allow --autocode to make up to N codings (default 1000; more is
    /// refused, saying how many it would make).
    #[arg(long, value_name = "N", requires = "autocode")]
    pub max: Option<usize>,
}

/// `--autocode-span`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AutocodeSpan {
    /// Each hit's passage (a speaker turn or paragraph).
    Passage,
    /// Each match inside the hits.
    Match,
}

/// `motif similar`.
#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// The transcript of the passage to start from.
    pub transcript: String,
    #[command(flatten)]
    pub span: SpanArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// At most N hits (default: 20, or all with --autocode).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print the hits as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub autocode: AutocodeArgs,
}

/// `motif index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Build the index again from nothing.
    #[arg(long)]
    pub rebuild: bool,
    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Shows indexing progress on stderr and relays messages at once.
struct Indexing<'a> {
    ctx: &'a Ctx,
    bar: Option<Progress>,
    said: Vec<String>,
}

impl<'a> Indexing<'a> {
    fn new(ctx: &'a Ctx) -> Indexing<'a> {
        Indexing {
            ctx,
            bar: None,
            said: Vec::new(),
        }
    }

    fn step(&mut self, done: usize, total: usize, item: &str) {
        if total == 0 {
            self.ctx.notice(&format!("note: {item}"));
            self.said.push(item.to_owned());
            return;
        }
        let bar = self
            .bar
            .get_or_insert_with(|| Progress::new("indexing", total, self.ctx.cli.quiet));
        bar.step(done, item);
    }

    /// Ends the progress line and tells what the report says (once).
    fn finish(&mut self, report: &UpdateReport) {
        if let Some(b) = self.bar.take() {
            b.finish();
        }
        for n in &report.notices {
            if !self.said.contains(n) {
                self.ctx.notice(&format!("note: {n}"));
            }
        }
        if report.rebuilt || report.added + report.changed + report.removed > 0 {
            let what = if report.rebuilt {
                format!(
                    "built the search index: {} transcripts",
                    num(report.transcripts)
                )
            } else {
                format!(
                    "updated the search index: {} added, {} changed, {} removed",
                    report.added, report.changed, report.removed
                )
            };
            if self.ctx.cli.verbose {
                self.ctx.notice(&format!(
                    "{what}, {} passages, {:.1} MB indexed",
                    num(report.passages as usize),
                    report.bytes as f64 / 1e6
                ));
            }
        }
    }
}

/// `motif search`.
pub fn search(ctx: &Ctx, args: &SearchArgs) -> CmdResult {
    let project = ctx.project()?;
    if args.saved {
        return list_saved(ctx, &project, args.json);
    }
    let raw = args.query.as_deref().unwrap_or_default();
    let spec = if let Some(name) = raw.strip_prefix('@') {
        let mut q = saved::load(&project, name)?;
        q.regex |= args.regex;
        q.exact |= args.exact;
        q.speakers.extend(args.scope.speakers.iter().cloned());
        q.transcripts.extend(args.scope.transcripts.iter().cloned());
        q.codes.extend(args.scope.codes.iter().cloned());
        q.attributes.extend(args.scope.attrs.iter().cloned());
        if q.regex && q.exact {
            bail!("saved query @{name} is a regular expression; --exact does not apply to it");
        }
        q
    } else {
        SavedQuery {
            query: raw.to_owned(),
            regex: args.regex,
            exact: args.exact,
            speakers: args.scope.speakers.clone(),
            transcripts: args.scope.transcripts.clone(),
            codes: args.scope.codes.clone(),
            attributes: args.scope.attrs.clone(),
        }
    };
    if spec.query.trim().is_empty() {
        bail!("the query is empty; give words to find, e.g. `motif search \"open source\"`");
    }
    let book = if spec.codes.is_empty() && args.autocode.autocode.is_none() {
        None
    } else {
        Some(project.codebook()?)
    };
    check_autocode(ctx, &project, book.as_ref(), &args.autocode)?;
    let scope = scope_of(
        &project,
        book.as_ref(),
        &spec.speakers,
        &spec.transcripts,
        &spec.codes,
        &spec.attributes,
    )?;
    if spec.regex {
        search::compile_regex(&spec.query)?;
    }
    if let Some(name) = &args.save {
        let path = saved::save(&project, name, &spec)?;
        ctx.notice(&format!(
            "saved the query in {}; run it again with `motif search @{name}`",
            path.display()
        ));
    }
    let autocoding = args.autocode.autocode.is_some();
    let limit = match args.limit {
        Some(n) => Some(n),
        None if spec.regex || autocoding => None,
        None => Some(DEFAULT_LIMIT),
    };
    let results = if spec.regex {
        let (res, problems) = search::regex_search_project(&project, &spec.query, &scope, limit)?;
        for p in problems {
            ctx.notice(&format!("warning: {p}"));
        }
        res
    } else {
        let req = Request {
            query: spec.query.clone(),
            mode: if spec.exact {
                Mode::Exact
            } else {
                Mode::Stemmed
            },
            scope,
            limit,
            lenient: false,
        };
        let mut ind = Indexing::new(ctx);
        let (res, report) =
            search::search_project(&project, &req, &mut |d, t, i| ind.step(d, t, i))?;
        ind.finish(&report);
        warn_unknown_speakers(ctx, &res, &spec.speakers);
        res
    };
    finish(
        ctx,
        &project,
        book.as_ref(),
        &results,
        &args.autocode,
        args.json,
        spec.regex,
    )
}

/// `motif similar`.
pub fn similar(ctx: &Ctx, args: &SimilarArgs) -> CmdResult {
    let project = ctx.project()?;
    let t = project.transcript(&args.transcript)?;
    let spec = match (&args.span.chars, &args.span.lines) {
        (Some(c), _) => SpanSpec::parse(c, false)?,
        (None, Some(l)) => SpanSpec::parse(l, true)?,
        (None, None) => bail!("give the passage with --chars A-B or --lines A-B"),
    };
    let (start, end) = spec.resolve(&t)?;
    let book = if args.scope.codes.is_empty() && args.autocode.autocode.is_none() {
        None
    } else {
        Some(project.codebook()?)
    };
    check_autocode(ctx, &project, book.as_ref(), &args.autocode)?;
    let scope = scope_of(
        &project,
        book.as_ref(),
        &args.scope.speakers,
        &args.scope.transcripts,
        &args.scope.codes,
        &args.scope.attrs,
    )?;
    let limit = match args.limit {
        Some(n) => Some(n),
        None if args.autocode.autocode.is_some() => None,
        None => Some(DEFAULT_SIMILAR_LIMIT),
    };
    let mut ind = Indexing::new(ctx);
    let (results, report) =
        search::similar_project(&project, &t, start, end, &scope, limit, &mut |d, n, i| {
            ind.step(d, n, i);
        })?;
    ind.finish(&report);
    finish(
        ctx,
        &project,
        book.as_ref(),
        &results,
        &args.autocode,
        args.json,
        false,
    )
}

#[derive(Serialize)]
struct IndexOut {
    path: String,
    transcripts: usize,
    passages: u64,
    added: usize,
    changed: usize,
    removed: usize,
    rebuilt: bool,
    bytes: u64,
    seconds: f64,
    notices: Vec<String>,
}

/// `motif index`.
pub fn index(ctx: &Ctx, args: &IndexArgs) -> CmdResult {
    let project = ctx.project()?;
    let started = Instant::now();
    let mut ind = Indexing::new(ctx);
    let (idx, report) = if args.rebuild {
        SearchIndex::rebuild(&project, &mut |d, t, i| ind.step(d, t, i))?
    } else {
        SearchIndex::open(&project, &mut |d, t, i| ind.step(d, t, i))?
    };
    if let Some(b) = ind.bar.take() {
        b.finish();
    }
    let seconds = started.elapsed().as_secs_f64();
    let path = idx
        .path()
        .map_or_else(String::new, |p| p.display().to_string());
    if args.json {
        emit(&json(&IndexOut {
            path,
            transcripts: report.transcripts,
            passages: report.passages,
            added: report.added,
            changed: report.changed,
            removed: report.removed,
            rebuilt: report.rebuilt,
            bytes: report.bytes,
            seconds,
            notices: report.notices,
        })?);
        return Ok(ExitCode::SUCCESS);
    }
    for n in &report.notices {
        if !ind.said.contains(n) {
            ctx.notice(&format!("note: {n}"));
        }
    }
    let what = if report.rebuilt {
        format!(
            "built the search index in {seconds:.1} s ({:.1} MB of text)",
            report.bytes as f64 / 1e6
        )
    } else if report.changed_anything() {
        format!(
            "updated the search index: {} added, {} changed, {} removed",
            report.added, report.changed, report.removed
        )
    } else if report.stale {
        "the search index is being updated by another motif process".to_owned()
    } else {
        "the search index is up to date".to_owned()
    };
    emit(&format!(
        "{what}\n{} transcripts, {} passages in {}\n",
        num(report.transcripts),
        num(report.passages as usize),
        one_line(&path)
    ));
    Ok(ExitCode::SUCCESS)
}

/// Checks `--autocode`'s code and the coder before any work.
fn check_autocode(
    ctx: &Ctx,
    project: &Project,
    book: Option<&Codebook>,
    auto: &AutocodeArgs,
) -> anyhow::Result<()> {
    if let (Some(code), Some(book)) = (&auto.autocode, book) {
        book.resolve(code)?;
        ctx.coder(project)?;
    }
    Ok(())
}

/// The filters of the flags, checked against the project.
fn scope_of(
    project: &Project,
    book: Option<&Codebook>,
    speakers: &[String],
    transcripts: &[String],
    codes: &[String],
    attrs: &[String],
) -> anyhow::Result<SearchFilter> {
    let mut filters = Vec::new();
    for s in speakers {
        if s.trim().is_empty() {
            bail!("--speaker needs a name");
        }
        filters.push(Filter::Speaker(s.clone()));
    }
    for t in transcripts {
        if project.transcript_file(t).is_none() {
            bail!(
                "no transcript `{}` in {}; `motif transcripts` lists them",
                one_line(t),
                project.transcripts_dir().display()
            );
        }
        filters.push(Filter::Transcript(t.clone()));
    }
    if !attrs.is_empty() {
        for (name, value) in project.attributes()?.resolve_filters(attrs)? {
            filters.push(Filter::Attribute(name, value));
        }
    }
    let codes = if codes.is_empty() {
        None
    } else {
        let book = book.expect("the codebook is loaded for --code");
        let mut ids = Vec::new();
        for c in codes {
            let code = book.resolve(c)?;
            ids.extend(book.subtree_ids(&code.id));
        }
        Some(CodeScope::load(project, book, &ids)?)
    };
    Ok(SearchFilter { filters, codes })
}

fn warn_unknown_speakers(ctx: &Ctx, results: &Results, speakers: &[String]) {
    if results.total == 0 && !speakers.is_empty() {
        ctx.notice(&format!(
            "note: no passage matched with speaker {}; `motif transcripts` lists each transcript's speakers",
            speakers
                .iter()
                .map(|s| format!("`{}`", one_line(s)))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
}

fn list_saved(ctx: &Ctx, project: &Project, as_json: bool) -> CmdResult {
    let all = saved::list(project)?;
    if as_json {
        let map: BTreeMap<String, SavedQuery> = all.into_iter().collect();
        emit(&json(&map)?);
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        ctx.notice("no saved queries yet; save one with `motif search --save NAME QUERY`");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for (name, q) in all {
        let mut opts = Vec::new();
        if q.regex {
            opts.push("--regex".to_owned());
        }
        if q.exact {
            opts.push("--exact".to_owned());
        }
        for s in &q.speakers {
            opts.push(format!("--speaker {s}"));
        }
        for t in &q.transcripts {
            opts.push(format!("--transcript {t}"));
        }
        for c in &q.codes {
            opts.push(format!("--code {c}"));
        }
        for a in &q.attributes {
            opts.push(format!("--attr {a}"));
        }
        let _ = writeln!(
            out,
            "@{}  {}{}",
            one_line(&name),
            one_line(&q.query),
            if opts.is_empty() {
                String::new()
            } else {
                format!("  ({})", one_line(&opts.join(" ")))
            }
        );
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

/// What `--autocode` did (or would do).
#[derive(Debug, Serialize)]
struct AutocodeReport {
    code: String,
    coder: String,
    span: AutocodeSpan,
    dry_run: bool,
    /// Codings made (or, with --dry-run, that would be made).
    codings: usize,
    /// Hits or matches the coder had already coded with this code.
    already: usize,
    /// With --dry-run, one line per coding that would be made.
    #[serde(skip)]
    preview: String,
}

#[derive(Serialize)]
struct SearchOut<'a> {
    #[serde(flatten)]
    results: &'a Results,
    #[serde(skip_serializing_if = "Option::is_none")]
    autocode: Option<AutocodeReport>,
}

/// Prints the hits and carries out `--autocode`.
fn finish(
    ctx: &Ctx,
    project: &Project,
    book: Option<&Codebook>,
    results: &Results,
    auto: &AutocodeArgs,
    as_json: bool,
    regex: bool,
) -> CmdResult {
    let report = match (&auto.autocode, book) {
        (Some(code), Some(_)) => Some(autocode(ctx, project, results, auto, code)?),
        _ => None,
    };
    if as_json {
        emit(&json(&SearchOut {
            results,
            autocode: report,
        })?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = render_hits(results, ctx.style, regex, context_width());
    if let Some(r) = report {
        out.push_str(&r.preview);
        let what = match r.span {
            AutocodeSpan::Passage => "passage",
            AutocodeSpan::Match => "match",
        };
        if r.dry_run {
            let _ = writeln!(
                out,
                "dry run: would code {} {what}{} as {} [{}]{}; nothing was changed",
                num(r.codings),
                if r.codings == 1 {
                    ""
                } else if what == "match" {
                    "es"
                } else {
                    "s"
                },
                one_line(&r.code),
                one_line(&r.coder),
                already_note(r.already)
            );
        } else {
            let _ = writeln!(
                out,
                "coded {} {what}{} as {} [{}]{}{}",
                num(r.codings),
                if r.codings == 1 {
                    ""
                } else if what == "match" {
                    "es"
                } else {
                    "s"
                },
                one_line(&r.code),
                one_line(&r.coder),
                already_note(r.already),
                if r.codings > 0 {
                    "; one batch: `motif undo` reverts it"
                } else {
                    ""
                }
            );
        }
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn already_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({} already coded, kept as is)", num(n))
    }
}

/// Codes the hits through the session (or, with `--dry-run`, lists what
/// it would code: the same plan).
fn autocode(
    ctx: &Ctx,
    project: &Project,
    results: &Results,
    auto: &AutocodeArgs,
    code: &str,
) -> anyhow::Result<AutocodeReport> {
    let span = auto.autocode_span.unwrap_or(AutocodeSpan::Passage);
    let mut session = Session::new(project.clone(), ctx.cli.coder.first().cloned());
    if let Some(n) = auto.max {
        session.set_max_codings(n);
    }
    let hit_span = match span {
        AutocodeSpan::Passage => HitSpan::Passage,
        AutocodeSpan::Match => HitSpan::Match,
    };
    let outcome = session.autocode(results, code, hit_span, auto.memo.as_deref(), auto.dry_run)?;
    let mut preview = String::new();
    if outcome.dry_run {
        for p in &outcome.new {
            let _ = writeln!(
                preview,
                "would code {} {}-{} ({}) as {}",
                one_line(&p.transcript),
                p.start,
                p.end,
                super::output::lines_label(p.line_start, p.line_end),
                one_line(&outcome.code)
            );
        }
    }
    Ok(AutocodeReport {
        codings: outcome.new.len(),
        code: outcome.code,
        coder: outcome.coder,
        span,
        dry_run: outcome.dry_run,
        already: outcome.already,
        preview,
    })
}

/// Runs of whitespace become one space; control characters are
/// neutralized.
fn squash(s: &str) -> String {
    let clean = one_line(s);
    let mut out = String::with_capacity(clean.len());
    let mut space = false;
    for c in clean.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// The last `w` columns of `s`, with `…` when cut.
fn tail(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    let mut out: Vec<char> = Vec::new();
    let mut used = 1;
    for c in s.chars().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out.into_iter().rev().collect()
}

/// Columns of context on each side of a match: what fits the terminal
/// (100 columns when output is not a terminal).
fn context_width() -> usize {
    use std::io::IsTerminal;
    let cols = if std::io::stdout().is_terminal() {
        crossterm::terminal::size().map_or(100, |(w, _)| usize::from(w))
    } else {
        100
    };
    // Location, speaker and gaps take about 30 columns, the match about 10.
    (cols.saturating_sub(40) / 2).max(MIN_CONTEXT)
}

/// One keyword-in-context line per hit, then a summary.
fn render_hits(results: &Results, style: Style, regex: bool, context: usize) -> String {
    let mut out = String::new();
    let locs: Vec<String> = results
        .hits
        .iter()
        .map(|h| {
            let at = h.matches.first().map_or(h.start, |m| m.0);
            format!("{}:{}", one_line(&h.transcript), h.line_of(at))
        })
        .collect();
    let loc_w = locs.iter().map(|l| width(l)).max().unwrap_or(0);
    let speakers: Vec<String> = results
        .hits
        .iter()
        .map(|h| clip(&one_line(h.speaker.as_deref().unwrap_or("")), 16))
        .collect();
    let sp_w = speakers.iter().map(|s| width(s)).max().unwrap_or(0);
    for ((h, loc), sp) in results.hits.iter().zip(&locs).zip(&speakers) {
        let line = match h.matches.first().and_then(|&(a, b)| h.byte_range(a, b)) {
            Some((a, b)) => {
                let left = tail(squash(&h.text[..a]).trim_start(), context);
                let mid = squash(&h.text[a..b]);
                let right = clip(squash(&h.text[b..]).trim_end(), context);
                let more = h.matches.len() - 1;
                format!(
                    "{}{}{}{}",
                    " ".repeat(context.saturating_sub(width(&left))) + &left,
                    style.bold(&mid),
                    right,
                    if more > 0 {
                        style.dim(&format!("  (+{more})"))
                    } else {
                        String::new()
                    }
                )
            }
            None => clip(squash(&h.text).trim(), context * 2),
        };
        let _ = writeln!(
            out,
            "{}  {}  {}",
            style.dim(&pad(loc, loc_w)),
            pad(sp, sp_w),
            line
        );
    }
    let matches: usize = results.hits.iter().map(|h| h.matches.len()).sum();
    let shown = results.hits.len();
    let summary = if results.total == 0 {
        "no passages match".to_owned()
    } else if regex {
        if shown < results.total {
            format!(
                "{} matches in the first {} of {} passages (--limit N to see more)",
                num(matches),
                num(shown),
                num(results.total)
            )
        } else {
            format!(
                "{} matches in {} passages",
                num(matches),
                num(results.total)
            )
        }
    } else if shown < results.total {
        format!(
            "the best {} of {} matching passages (--limit N to see more)",
            num(shown),
            num(results.total)
        )
    } else {
        format!(
            "{} matching passage{}",
            num(results.total),
            if results.total == 1 { "" } else { "s" }
        )
    };
    let _ = writeln!(out, "{}", style.dim(&summary));
    out
}
