//! Dispatch: each command goes to the module of its group; the project
//! summary (no command, not in a terminal), `init` and `check` live here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

use motif_core::check;
use motif_core::project::Project;
use motif_core::segments::Filter;
use motif_core::text::{one_line, sanitize};
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;

use super::args::{CodersAction, Command, ExportWhat};
use super::output::{emit, json, num};
use super::{CmdResult, Ctx};

/// Dispatches to the command.
pub fn run(ctx: &Ctx) -> CmdResult {
    let Some(cmd) = &ctx.cli.command else {
        return tui_or_summary(ctx);
    };
    match cmd {
        Command::Init { dir, name } => init(ctx, dir.as_deref(), name.as_deref()),
        Command::Import(args) => super::import::import(ctx, args),
        Command::ImportQdpx(args) => super::refi::import_qdpx(ctx, args),
        Command::ImportQdc(args) => super::refi::import_qdc(ctx, args),
        Command::Export {
            what: ExportWhat::Qdpx(args),
        } => super::refi::export_qdpx(ctx, args),
        Command::Export {
            what: ExportWhat::Qdc(args),
        } => super::refi::export_qdc(ctx, args),
        Command::Transcripts { json } => super::transcripts::transcripts(ctx, *json),
        Command::Codes { action, json } => match action {
            None => super::codebook::codes(ctx, *json),
            Some(a) => super::codebook::codes_action(ctx, a),
        },
        Command::Memo {
            target,
            text,
            edit,
            replace,
        } => super::memo::memo_cmd(ctx, target, text.as_deref(), *edit, *replace),
        Command::Code(args) => super::coding::code(ctx, args),
        Command::Uncode {
            transcript,
            chars,
            lines,
            codes,
            id,
        } => match (id, transcript) {
            (Some(id), _) => super::coding::uncode_id(ctx, id),
            (None, Some(t)) => super::coding::uncode(ctx, t, chars.as_ref(), lines.as_ref(), codes),
            (None, None) => anyhow::bail!("give a transcript and a span, or --id ID"),
        },
        Command::Undo => super::coding::undo_redo(ctx, true),
        Command::Redo => super::coding::undo_redo(ctx, false),
        Command::Segments {
            codes,
            filter,
            format,
            output,
        }
        | Command::Export {
            what:
                ExportWhat::Segments {
                    codes,
                    filter,
                    format,
                    output,
                },
        } => super::analysis::segments(ctx, codes, filter, format, output.as_deref()),
        Command::Export {
            what:
                ExportWhat::Frequencies {
                    csv,
                    filter,
                    output,
                },
        } => super::analysis::frequencies(ctx, *csv, filter, output.as_deref()),
        Command::Export {
            what: ExportWhat::Cooccurrence(args),
        } => super::analysis::cooccurrence_cmd(ctx, args),
        Command::Export {
            what: ExportWhat::Matrix(args),
        } => super::analysis::matrix_cmd(ctx, args),
        Command::Words(args) => super::analysis::words_cmd(ctx, args),
        Command::Agree(args) => super::agree::run(ctx, args),
        Command::Search(args) => super::search::search(ctx, args),
        Command::Similar(args) => super::search::similar(ctx, args),
        Command::Index(args) => super::search::index(ctx, args),
        Command::Play(args) => super::play::play(ctx, args),
        Command::Check { json } => check_cmd(ctx, *json),
        Command::GitSetup => git_setup(ctx),
        Command::Coders { action, json } => match action {
            None => coders_list(ctx, *json),
            Some(CodersAction::Rename { old, new }) => coders_rename(ctx, old, new),
        },
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut super::args::Cli::command(), "motif", &mut buf);
            emit(&String::from_utf8_lossy(&buf));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(super::args::Cli::command()).render(&mut buf)?;
            emit(&String::from_utf8_lossy(&buf));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// With no command: in a terminal, the TUI; piped or redirected, the
/// summary.
fn tui_or_summary(ctx: &Ctx) -> CmdResult {
    // In a terminal, the TUI; piped or redirected, the summary.
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        let project = ctx.project()?;
        let coder = match ctx.coder(&project) {
            Ok(c) => c,
            Err(_)
                if ctx.cli.coder.is_empty()
                    && project.config.coder.is_none()
                    && motif_core::session::default_coder().is_none() =>
            {
                ask_coder(&project)?
            }
            Err(e) => return Err(e),
        };
        crate::tui::run(project, coder)?;
        return Ok(ExitCode::SUCCESS);
    }
    summary(ctx)
}

/// With no command: a summary of the project.
fn summary(ctx: &Ctx) -> CmdResult {
    let ws = ctx.workspace()?;
    let s = ctx.style;
    let (segs, _) = ws.segments(&Filter::default());
    let words: usize = ws.transcripts.values().map(Transcript::words).sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {}",
        s.bold(&format!("motif · {}", one_line(&ws.project.config.name))),
        ws.project.root.display()
    );
    let _ = writeln!(
        out,
        "{} transcripts · {} words · {} codes · {} codings",
        num(ws.transcripts.len()),
        num(words),
        num(ws.book.len()),
        num(segs.len())
    );
    for j in &ws.journals {
        let _ = writeln!(out, "  {} {} codings", one_line(&j.coder), num(j.len()));
    }
    out.push_str("\nNext: `motif transcripts`, `motif codes`, `motif segments CODE --md`, `motif export frequencies`, `motif --help`.\n");
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn init(ctx: &Ctx, dir: Option<&Path>, name: Option<&str>) -> CmdResult {
    let dir = dir.map_or_else(
        || {
            ctx.cli
                .project
                .clone()
                .unwrap_or_else(|| PathBuf::from("."))
        },
        Path::to_path_buf,
    );
    let p = Project::init(&dir, name)?;
    emit(&format!(
        "created motif project `{}` in {}\nnext: `motif import FILES…`, then `motif codes add NAME`\n",
        one_line(&p.config.name),
        dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Before the TUI starts, with no coder set anywhere: asks who is coding
/// (the name is used for this session; the message says how to keep it).
fn ask_coder(project: &Project) -> anyhow::Result<String> {
    use std::io::{BufRead as _, Write as _};
    let known = project.coders()?;
    loop {
        let mut err = std::io::stderr();
        if known.is_empty() {
            write!(err, "who is coding? Your name for your codings: ")?;
        } else {
            write!(
                err,
                "who is coding? Your name for your codings (coders so far: {}): ",
                sanitize(&known.join(", "), false)
            )?;
        }
        err.flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            anyhow::bail!("{}", motif_core::session::NO_CODER);
        }
        let name = line.trim();
        match motif_core::project::check_coder(name) {
            Ok(()) => {
                let name = motif_core::coders::existing_spelling(project, name)?
                    .unwrap_or_else(|| name.to_owned());
                eprintln!(
                    "coding as {name}; `export MOTIF_CODER={name}` (or --coder) skips this question"
                );
                return Ok(name);
            }
            Err(e) => eprintln!("{}", sanitize(&e.to_string(), false)),
        }
    }
}

fn coders_list(ctx: &Ctx, as_json: bool) -> CmdResult {
    let list = motif_core::coders::list(&ctx.project()?)?;
    if as_json {
        emit(&json(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        emit("no coder has coded yet\n");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for c in &list {
        let _ = writeln!(
            out,
            "{}  {} coding(s)  first {}  last {}",
            sanitize(&c.coder, false),
            num(c.codings),
            c.first
                .as_deref()
                .map_or("-".into(), |t| sanitize(t, false)),
            c.last.as_deref().map_or("-".into(), |t| sanitize(t, false)),
        );
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn coders_rename(ctx: &Ctx, old: &str, new: &str) -> CmdResult {
    let r = motif_core::coders::rename(&ctx.project()?, old, new)?;
    let how = if r.joined {
        format!(", joined with the codings {} had", r.to)
    } else {
        String::new()
    };
    emit(&format!(
        "renamed coder {} to {}: codings/{}.jsonl now holds every record{how}\n",
        sanitize(&r.from, false),
        sanitize(&r.to, false),
        sanitize(&r.to, false)
    ));
    Ok(ExitCode::SUCCESS)
}

fn git_setup(ctx: &Ctx) -> CmdResult {
    let p = ctx.project()?;
    let done = motif_core::gitsetup::setup(&p)?;
    let mut out = String::new();
    out.push_str(if done.attributes {
        "wrote .gitattributes: journals, memos and the codebook merge with git's union driver\n"
    } else {
        ".gitattributes already set up\n"
    });
    if done.codebook {
        let _ = writeln!(
            out,
            "rewrote {} in its merge-friendly form (one `ID.FIELD` line per field)",
            p.config.codebook
        );
    }
    out.push_str("commit both before branching, so every branch merges the same way\n");
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn check_cmd(ctx: &Ctx, as_json: bool) -> CmdResult {
    let ws = Workspace::load_for_reading(ctx.project()?)?;
    let report = check::check(&ws);
    if as_json {
        emit(&json(&report)?);
    } else {
        let mut out = format!(
            "{} transcripts, {} codings checked\n",
            num(report.transcripts),
            num(report.codings)
        );
        if report.items.is_empty() {
            out.push_str("everything is in order\n");
        }
        for i in &report.items {
            let level = match i.level {
                check::Level::Problem => "problem",
                check::Level::Note => "note",
            };
            let _ = writeln!(out, "{level}: {}", sanitize(&i.message, false));
        }
        emit(&out);
    }
    Ok(if report.has_problems() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
