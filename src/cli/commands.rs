//! One function per command. Each loads what it needs through the core,
//! asks the core to do the work, and prints the plain data it gets back.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::CommandFactory;
use serde::Serialize;

use motif_core::codebook::Codebook;
use motif_core::error::Error;
use motif_core::export;
use motif_core::fsio::atomic_write;
use motif_core::import::{Format, read_transcript};
use motif_core::journal::Journal;
use motif_core::memo::{self, MemoTarget};
use motif_core::ops::{self, NewCoding, SpanSpec};
use motif_core::project::{Project, check_transcript_id};
use motif_core::segments::{Filter, Placement, place};
use motif_core::stats;
use motif_core::text::{one_line, sanitize};
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;
use motif_core::{check, project};

use super::args::{CodeArgs, CodesAction, Command, ExportWhat, MemoTargetArgs, SpanArgs};
use super::output::{Progress, clip, emit, json, num, table};
use super::{CmdResult, Ctx};

/// Dispatches to the command.
pub fn run(ctx: &Ctx) -> CmdResult {
    let Some(cmd) = &ctx.cli.command else {
        // In a terminal, the TUI; piped or redirected, the summary.
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
            let project = ctx.project()?;
            let coder = ctx.coder(&project)?;
            crate::tui::run(project, coder)?;
            return Ok(ExitCode::SUCCESS);
        }
        return summary(ctx);
    };
    match cmd {
        Command::Init { dir, name } => init(ctx, dir.as_deref(), name.as_deref()),
        Command::Import {
            paths,
            into,
            replace,
            attrs,
        } => import(ctx, paths, into.as_deref(), *replace, attrs),
        Command::ImportQdpx(args) => super::refi::import_qdpx(ctx, args),
        Command::ImportQdc(args) => super::refi::import_qdc(ctx, args),
        Command::Export {
            what: ExportWhat::Qdpx(args),
        } => super::refi::export_qdpx(ctx, args),
        Command::Export {
            what: ExportWhat::Qdc(args),
        } => super::refi::export_qdc(ctx, args),
        Command::Transcripts { json } => transcripts(ctx, *json),
        Command::Codes { action, json } => match action {
            None => codes(ctx, *json),
            Some(a) => codes_action(ctx, a),
        },
        Command::Memo {
            target,
            text,
            edit,
            replace,
        } => memo_cmd(ctx, target, text.as_deref(), *edit, *replace),
        Command::Code(args) => code(ctx, args),
        Command::Uncode {
            transcript,
            span,
            codes,
        } => uncode(ctx, transcript, span, codes),
        Command::Undo => undo_redo(ctx, true),
        Command::Redo => undo_redo(ctx, false),
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
        Command::Check { json } => check_cmd(ctx, *json),
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

/// Files to import with the ids they get.
fn import_plan(paths: &[PathBuf], into: Option<&str>) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut plan = Vec::new();
    let prefix = |rel: &str| match into {
        Some(p) => format!("{}/{rel}", p.trim_matches('/')),
        None => rel.to_owned(),
    };
    let id_of = |rel: &Path| -> String {
        rel.with_extension("")
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join("-")
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    for path in paths {
        let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, path, &mut found)?;
            if found.is_empty() {
                bail!(
                    "{}: no .txt, .md, .vtt, .srt or .docx files in this folder",
                    path.display()
                );
            }
            for (rel, full) in found {
                plan.push((prefix(&id_of(&rel)), full));
            }
        } else {
            if Format::of(path).is_none() {
                bail!(
                    "{}: motif imports .txt, .md, .vtt, .srt and .docx files; convert this file to one of them",
                    path.display()
                );
            }
            let name = PathBuf::from(path.file_name().unwrap_or_default());
            plan.push((prefix(&id_of(&name)), path.clone()));
        }
    }
    Ok(plan)
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let path = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = e.file_type().map_err(|err| Error::io(&path, err))?;
        if kind.is_dir() {
            walk(base, &path, out)?;
        } else if kind.is_file() && Format::of(&path).is_some() {
            out.push((path.strip_prefix(base).unwrap_or(&path).to_path_buf(), path));
        }
    }
    Ok(())
}

fn parse_attr(a: &str) -> anyhow::Result<(String, String)> {
    let (k, v) = a.split_once('=').with_context(|| {
        format!(
            "--attr `{}` must be KEY=VALUE, e.g. role=maintainer",
            one_line(a)
        )
    })?;
    let k = k.trim();
    if k.is_empty() || k == "id" || k.contains(',') || k.contains('"') {
        bail!(
            "--attr `{}`: the attribute name must be a plain word other than `id`",
            one_line(a)
        );
    }
    Ok((k.to_owned(), v.trim().to_owned()))
}

/// Writes attributes for some transcripts into `attributes.csv`.
fn set_attributes(
    project: &Project,
    ids: &[String],
    attrs: &[(String, String)],
) -> anyhow::Result<()> {
    // Read, change and rewrite under the lock: concurrent imports with
    // attributes both keep their rows.
    let _lock = project.file_lock("attributes")?;
    let mut table = project.attributes()?;
    for (k, _) in attrs {
        if !table.names.contains(k) {
            table.names.push(k.clone());
        }
    }
    for id in ids {
        let row = table.rows.entry(id.clone()).or_default();
        for (k, v) in attrs {
            row.insert(k.clone(), v.clone());
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id".to_owned()];
    header.extend(table.names.iter().cloned());
    w.write_record(&header)?;
    for (id, row) in &table.rows {
        let mut rec = vec![id.clone()];
        rec.extend(
            table
                .names
                .iter()
                .map(|n| row.get(n).cloned().unwrap_or_default()),
        );
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    atomic_write(&project.root.join("attributes.csv"), &bytes)?;
    Ok(())
}

fn import(
    ctx: &Ctx,
    paths: &[PathBuf],
    into: Option<&str>,
    replace: bool,
    attrs: &[String],
) -> CmdResult {
    let project = ctx.project()?;
    let attrs: Vec<(String, String)> = attrs
        .iter()
        .map(|a| parse_attr(a))
        .collect::<Result<_, _>>()?;
    let plan = import_plan(paths, into)?;
    // Read and check everything first: a bad file changes nothing.
    let progress = Progress::new("reading", plan.len(), ctx.cli.quiet);
    let mut ready = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (i, (id, path)) in plan.iter().enumerate() {
        progress.step(i + 1, id);
        check_transcript_id(id).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if let Some(other) = seen.insert(id.clone(), path.clone()) {
            progress.finish();
            bail!(
                "{} and {} would both become transcript `{id}`; import one of them with --into FOLDER",
                other.display(),
                path.display()
            );
        }
        let existing = project.transcript_file(id);
        if existing.is_some() && !replace {
            progress.finish();
            bail!(
                "{}: transcript `{id}` already exists; pass --replace to replace it (its codings re-attach by quote), or --into FOLDER",
                path.display()
            );
        }
        let decoded = read_transcript(path).inspect_err(|_| progress.finish())?;
        ready.push((id.clone(), path.clone(), decoded, existing));
    }
    progress.finish();
    let journals = project.journals()?;
    let mut out = String::new();
    let progress = Progress::new("importing", ready.len(), ctx.cli.quiet);
    for (i, (id, source, decoded, existing)) in ready.iter().enumerate() {
        progress.step(i + 1, id);
        let dest = existing
            .clone()
            .unwrap_or_else(|| project.transcripts_dir().join(format!("{id}.txt")));
        atomic_write(&dest, decoded.text.as_bytes())?;
        for n in &decoded.notices {
            ctx.notice(&format!("note: {n}"));
        }
        let t = Transcript::new(id.clone(), decoded.text.clone());
        let _ = writeln!(
            out,
            "imported {} from {}: {} words, {} speaker turns{}",
            id,
            one_line(&source.display().to_string()),
            num(t.words()),
            t.turns.iter().filter(|x| x.speaker.is_some()).count(),
            if t.speakers().is_empty() {
                String::new()
            } else {
                format!(" ({})", one_line(&t.speakers().join(", ")))
            }
        );
        if existing.is_some() {
            let (mut moved, mut orphaned) = (0, 0);
            for j in &journals {
                for c in j.codings().into_iter().filter(|c| &c.transcript == id) {
                    match place(c, &t) {
                        Placement::Exact { .. } => {}
                        Placement::Moved { .. } => moved += 1,
                        Placement::Orphaned => orphaned += 1,
                    }
                }
            }
            if moved + orphaned > 0 {
                let _ = writeln!(
                    out,
                    "  replaced: {moved} coding(s) re-attached to their quotes, {orphaned} orphaned (kept; `motif check` lists them)"
                );
            }
        }
    }
    progress.finish();
    if !attrs.is_empty() {
        let ids: Vec<String> = ready.iter().map(|r| r.0.clone()).collect();
        set_attributes(&project, &ids, &attrs)?;
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct TranscriptRow {
    id: String,
    words: usize,
    chars: usize,
    turns: usize,
    speakers: Vec<String>,
    attributes: BTreeMap<String, String>,
    coded_fraction: f64,
    codings: usize,
}

fn transcripts(ctx: &Ctx, as_json: bool) -> CmdResult {
    let ws = ctx.workspace()?;
    let (segs, _) = ws.segments(&Filter::default());
    let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for s in &segs {
        spans
            .entry(s.coding.transcript.as_str())
            .or_default()
            .push((s.start, s.end));
    }
    let rows: Vec<TranscriptRow> = ws
        .transcripts
        .values()
        .map(|t| {
            let mine = spans.remove(t.id.as_str()).unwrap_or_default();
            TranscriptRow {
                id: t.id.clone(),
                words: t.words(),
                chars: t.char_len(),
                turns: t.turns.len(),
                speakers: t.speakers(),
                attributes: ws.attributes.of(&t.id),
                codings: mine.len(),
                coded_fraction: stats::coded_fraction(t.char_len(), mine),
            }
        })
        .collect();
    if as_json {
        emit(&json(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        emit("no transcripts yet; add some with `motif import FILES…`\n");
        return Ok(ExitCode::SUCCESS);
    }
    let names = &ws.attributes.names;
    let mut header = vec!["transcript", "words", "speakers"];
    header.extend(names.iter().map(String::as_str));
    header.extend(["codings", "coded"]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                one_line(&r.id),
                num(r.words),
                clip(&one_line(&r.speakers.join(", ")), 32),
            ];
            v.extend(
                names
                    .iter()
                    .map(|n| one_line(r.attributes.get(n).map_or("", String::as_str))),
            );
            v.push(num(r.codings));
            v.push(format!("{:.0}%", r.coded_fraction * 100.0));
            v
        })
        .collect();
    let mut right = vec![false, true, false];
    right.extend(names.iter().map(|_| false));
    right.extend([true, true]);
    emit(&table(&header, &body, &right, ctx.style));
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct CodeRow {
    id: String,
    code: String,
    name: String,
    parent: Option<String>,
    description: String,
    include: Option<String>,
    exclude: Option<String>,
    example: Option<String>,
    color: String,
    key: Option<String>,
    segments: usize,
    segments_incl_children: usize,
}

fn codes(ctx: &Ctx, as_json: bool) -> CmdResult {
    let ws = ctx.workspace()?;
    let (segs, _) = ws.segments(&Filter::default());
    let mut words = stats::SpanWords::load(&ws.project);
    let freq = stats::frequencies(
        &ws.project.config.name,
        &ws.book,
        &ws.transcripts,
        ws.transcripts.len(),
        ws.coders(),
        &segs,
        &mut words,
    );
    words.save(&ws.transcripts);
    let rows: Vec<CodeRow> = ws
        .book
        .codes()
        .iter()
        .zip(&freq.codes)
        .map(|(c, f)| CodeRow {
            id: c.id.clone(),
            code: c.path.clone(),
            name: c.name().to_owned(),
            parent: c.parent().map(str::to_owned),
            description: c.description.clone(),
            include: c.include.clone(),
            exclude: c.exclude.clone(),
            example: c.example.clone(),
            color: c.color.clone(),
            key: c.key.map(String::from),
            segments: f.segments,
            segments_incl_children: f.segments_incl_children,
        })
        .collect();
    if as_json {
        emit(&json(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        emit(&format!(
            "the codebook ({}) has no codes yet; add one with `motif codes add NAME --description …`\n",
            ws.book.path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let body: Vec<Vec<String>> = ws
        .book
        .codes()
        .iter()
        .zip(&rows)
        .map(|(c, r)| {
            let name = format!("{}{}", "  ".repeat(c.depth()), one_line(c.name()));
            vec![
                if ctx.style.color {
                    ctx.style.rgb("■", &c.color)
                } else {
                    String::new()
                },
                name,
                r.key.clone().map(|k| one_line(&k)).unwrap_or_default(),
                num(r.segments),
                num(r.segments_incl_children),
                clip(&one_line(&c.description), 60),
            ]
        })
        .collect();
    emit(&table(
        &["", "code", "key", "segments", "with subcodes", "definition"],
        &body,
        &[false, false, false, true, true, false],
        ctx.style,
    ));
    Ok(ExitCode::SUCCESS)
}

/// Counts each coder's codings that use any of `ids`.
fn codings_using(journals: &[Journal], ids: &[String]) -> Vec<(String, Vec<String>)> {
    journals
        .iter()
        .map(|j| {
            let mine = j
                .codings()
                .into_iter()
                .filter(|c| ids.iter().any(|i| *i == c.code))
                .map(|c| c.id.to_string())
                .collect();
            (j.coder.clone(), mine)
        })
        .filter(|(_, v): &(String, Vec<String>)| !v.is_empty())
        .collect()
}

fn codes_action(ctx: &Ctx, action: &CodesAction) -> CmdResult {
    let project = ctx.project()?;
    if let CodesAction::Lint { json: as_json } = action {
        return lint(ctx, project, *as_json);
    }
    let _lock = project.codebook_lock()?;
    let mut book = project.codebook()?;
    let msg = match action {
        CodesAction::Add {
            path,
            description,
            key,
            rgb,
        } => {
            let c = book.add(
                path,
                description.as_deref().unwrap_or(""),
                *key,
                rgb.as_deref(),
            )?;
            let msg = format!("added code {} (id {})", c.path, c.id);
            if c.description.is_empty() {
                format!(
                    "{msg}; give it a definition: `motif codes add` with --description, or edit {}",
                    book.path.display()
                )
            } else {
                msg
            }
        }
        CodesAction::Rename { code, new_name } => {
            let (old, new) = book.rename(code, new_name)?;
            format!("renamed {old} to {new}; its codings follow")
        }
        CodesAction::Move { code, parent, root } => {
            let (old, new) = book.move_to(code, if *root { None } else { parent.as_deref() })?;
            format!("moved {old} to {new}; its codings follow")
        }
        CodesAction::Merge { from, into } => {
            let src_ids = {
                let c = book.resolve(from)?;
                let mut ids = vec![c.id.clone()];
                ids.extend(c.aliases.iter().cloned());
                ids
            };
            let n: usize = codings_using(&project.journals()?, &src_ids)
                .iter()
                .map(|(_, v)| v.len())
                .sum();
            let (gone, kept) = book.merge(from, into)?;
            format!(
                "merged {} into {}: {n} coding(s) now count as {}",
                gone.path, kept.path, kept.path
            )
        }
        CodesAction::Delete { code, force } => {
            let c = book.resolve(code)?.clone();
            let mut ids = vec![c.id.clone()];
            ids.extend(c.aliases.iter().cloned());
            let mut journals = project.journals()?;
            let using = codings_using(&journals, &ids);
            let n: usize = using.iter().map(|(_, v)| v.len()).sum();
            if n > 0 && !force {
                let who: Vec<String> = using
                    .iter()
                    .map(|(c, v)| format!("{c} {}", v.len()))
                    .collect();
                bail!(
                    "{n} coding(s) use {} ({}); merge it into another code (`motif codes merge {} OTHER`) or pass --force to delete them with it",
                    c.path,
                    who.join(", "),
                    c.path
                );
            }
            book.delete(code)?;
            for (coder, ids) in &using {
                let j = journals
                    .iter_mut()
                    .find(|j| &j.coder == coder)
                    .expect("journal");
                ops::remove_ids(j, ids, false)?;
            }
            if n > 0 {
                format!("deleted {} and removed its {n} coding(s)", c.path)
            } else {
                format!("deleted {}", c.path)
            }
        }
        CodesAction::Lint { .. } => unreachable!("handled above"),
    };
    book.save()?;
    emit(&format!("{}\n", one_line(&msg)));
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct LintFinding {
    kind: &'static str,
    code: String,
    message: String,
}

fn lint(ctx: &Ctx, project: Project, as_json: bool) -> CmdResult {
    let ws = Workspace::load_for_reading(project)?;
    let (segs, _) = ws.segments(&Filter::default());
    let mut used = vec![false; ws.book.len()];
    for s in &segs {
        used[s.code_pos] = true;
    }
    let mut findings = Vec::new();
    let mut names: HashMap<String, Vec<&str>> = HashMap::new();
    for (i, c) in ws.book.codes().iter().enumerate() {
        names
            .entry(c.name().to_lowercase())
            .or_default()
            .push(&c.path);
        let has_children = ws.book.children(Some(&c.path)).next().is_some();
        if !used[i] && !has_children {
            findings.push(LintFinding {
                kind: "unused",
                code: c.path.clone(),
                message: format!("{} has no codings", c.path),
            });
        }
        if c.description.trim().is_empty() {
            findings.push(LintFinding {
                kind: "no-definition",
                code: c.path.clone(),
                message: format!("{} has no definition (description)", c.path),
            });
        }
    }
    let mut dups: Vec<_> = names.into_iter().filter(|(_, v)| v.len() > 1).collect();
    dups.sort();
    for (name, paths) in dups {
        findings.push(LintFinding {
            kind: "duplicate-name",
            code: paths.join(", "),
            message: format!(
                "the name `{name}` is used by {}; coders may pick the wrong one",
                paths.join(" and ")
            ),
        });
    }
    if as_json {
        emit(&json(&findings)?);
    } else if findings.is_empty() {
        emit(&format!(
            "{}: no findings ({} codes)\n",
            ws.book.path.display(),
            ws.book.len()
        ));
    } else {
        let mut out = String::new();
        for f in &findings {
            let _ = writeln!(
                out,
                "{}: {}: {}",
                ws.book.path.display(),
                f.kind,
                one_line(&f.message)
            );
        }
        emit(&out);
    }
    ctx.warn_all(&ws.warnings());
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn memo_cmd(
    ctx: &Ctx,
    target: &MemoTargetArgs,
    text: Option<&str>,
    edit: bool,
    replace: bool,
) -> CmdResult {
    let project = ctx.project()?;
    let target = if let Some(t) = &target.transcript {
        project.transcript(t)?;
        MemoTarget::Transcript(t.clone())
    } else if let Some(c) = &target.code {
        MemoTarget::Code(project.codebook()?.resolve(c)?.id.clone())
    } else {
        MemoTarget::Project
    };
    if edit {
        let current = memo::read_memo(&project, &target)?;
        let edited = edit_text(&current)?;
        if edited == current {
            ctx.notice("memo unchanged");
        } else {
            let path = memo::write_memo(&project, &target, &edited)?;
            ctx.notice(&format!("saved {}", path.display()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(t) = text {
        let path = if replace {
            memo::write_memo(&project, &target, t)?
        } else {
            memo::append_memo(&project, &target, t)?
        };
        ctx.notice(&format!("saved {}", path.display()));
    } else {
        let body = memo::read_memo(&project, &target)?;
        if body.is_empty() {
            ctx.notice("no memo yet; add one with `motif memo … TEXT` or `--edit`");
        } else {
            emit(&sanitize(&body, true));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens `$VISUAL`/`$EDITOR` on a temporary copy and returns the result.
fn edit_text(current: &str) -> anyhow::Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let dir = std::env::temp_dir().join(format!("motif-memo-{}", motif_core::ids::new_id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("memo.md");
    std::fs::write(&file, current)?;
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&file)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`; set $EDITOR"))?;
    let text = std::fs::read_to_string(&file)?;
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        bail!("the editor exited with {status}; the memo was not changed");
    }
    Ok(text)
}

fn span_of(span: &SpanArgs) -> anyhow::Result<SpanSpec> {
    Ok(match (&span.chars, &span.lines) {
        (Some(c), _) => SpanSpec::parse(c, false)?,
        (None, Some(l)) => SpanSpec::parse(l, true)?,
        (None, None) => bail!("give the span with --chars A-B or --lines A-B"),
    })
}

fn describe_span(t: &Transcript, start: usize, end: usize) -> String {
    let (a, b) = t.byte_range(start, end).expect("span in range");
    let (l1, l2) = t.lines_of(a, b);
    let lines = if l1 == l2 {
        format!("line {l1}")
    } else {
        format!("lines {l1}-{l2}")
    };
    format!("{} {start}-{end} ({lines})", t.id)
}

fn code(ctx: &Ctx, args: &CodeArgs) -> CmdResult {
    let project = ctx.project()?;
    let book = project.codebook()?;
    if let Some(from) = &args.from {
        return code_from(ctx, &project, &book, from);
    }
    let tid = args
        .transcript
        .as_deref()
        .expect("clap requires a transcript");
    if args.codes.is_empty() {
        bail!("name at least one code to apply, e.g. `motif code {tid} --lines 3-5 frameworks`");
    }
    let codes: Vec<String> = args
        .codes
        .iter()
        .map(|c| book.resolve(c).map(|k| k.id.clone()))
        .collect::<Result<_, _>>()?;
    let t = project.transcript(tid)?;
    let spans = if let Some(p) = &args.pattern {
        let spans = ops::regex_spans(&t, p)?;
        if spans.is_empty() {
            bail!(
                "`{}` matches nothing in `{}`; nothing was coded",
                one_line(p),
                t.id
            );
        }
        spans
    } else {
        let spec = match (&args.chars, &args.lines) {
            (Some(c), _) => SpanSpec::parse(c, false)?,
            (None, Some(l)) => SpanSpec::parse(l, true)?,
            (None, None) => bail!("give the span with --chars A-B, --lines A-B or --match REGEX"),
        };
        vec![spec.resolve(&t)?]
    };
    let requests: Vec<NewCoding> = spans
        .iter()
        .flat_map(|&(start, end)| {
            let tid = &t.id;
            codes.iter().map(move |code| NewCoding {
                transcript: tid.clone(),
                start,
                end,
                code: code.clone(),
                memo: args.memo.clone(),
            })
        })
        .collect();
    let coder = ctx.coder(&project)?;
    let mut journal = project.journal(&coder)?;
    let t_ref = &t;
    let lookup = move |id: &str| (id == t_ref.id).then_some(t_ref);
    let report = ops::code(&mut journal, &lookup, &book, &requests)?;
    let mut out = String::new();
    for c in &report.added {
        let code = book.by_id(&c.code).map_or("?", |k| k.path.as_str());
        let _ = writeln!(
            out,
            "coded {} as {} [{}]",
            describe_span(&t, c.start, c.end),
            code,
            coder
        );
    }
    for c in &report.already {
        let code = book.by_id(&c.code).map_or("?", |k| k.path.as_str());
        let _ = writeln!(
            out,
            "already coded {} as {} by {coder}; kept as is",
            t.id, code
        );
    }
    if report.added.len() > 1 {
        let _ = writeln!(out, "{} codings saved (one undo step)", report.added.len());
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

/// `motif code --from FILE`: checks every row first, then writes one
/// durable batch per coder.
fn code_from(ctx: &Ctx, project: &Project, book: &Codebook, from: &Path) -> CmdResult {
    let bytes = std::fs::read(from).map_err(|e| Error::io(from, e))?;
    let text = motif_core::import::decode(&bytes, from, motif_core::import::Legacy::Refuse)?.text;
    let rows = export::read_from_rows(from, &text)?;
    if rows.is_empty() {
        bail!("{}: no codings in this file", from.display());
    }
    let default_coder = ctx.coder(project)?;
    let mut cache: BTreeMap<String, Transcript> = BTreeMap::new();
    let mut by_coder: BTreeMap<String, Vec<NewCoding>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let at = |msg: String| {
            let line = if r.line > 0 { r.line } else { i + 1 };
            let what = if r.line > 0 { "line" } else { "row" };
            anyhow::anyhow!("{} {what} {line}: {msg}", from.display())
        };
        if !cache.contains_key(&r.transcript) {
            let t = project
                .transcript(&r.transcript)
                .map_err(|e| at(e.to_string()))?;
            cache.insert(r.transcript.clone(), t);
        }
        let t = &cache[&r.transcript];
        let spec = match (r.start, r.end, r.line_start, r.line_end) {
            (Some(s), Some(e), _, _) => SpanSpec::Chars(s, e),
            (_, _, Some(a), Some(b)) => SpanSpec::Lines(a, b),
            _ => {
                return Err(at(
                    "give start and end (code points) or line_start and line_end".into(),
                ));
            }
        };
        let (start, end) = spec.resolve(t).map_err(|e| at(e.to_string()))?;
        let code = book
            .resolve(&r.code)
            .map_err(|e| at(e.to_string()))?
            .id
            .clone();
        let coder = r.coder.clone().unwrap_or_else(|| default_coder.clone());
        project::check_coder(&coder).map_err(|e| at(e.to_string()))?;
        by_coder.entry(coder).or_default().push(NewCoding {
            transcript: r.transcript.clone(),
            start,
            end,
            code,
            memo: r.memo.clone(),
        });
    }
    let cache_ref = &cache;
    let lookup = move |id: &str| cache_ref.get(id);
    let mut out = String::new();
    for (coder, requests) in &by_coder {
        let mut journal = project.journal(coder)?;
        let report = ops::code(&mut journal, &lookup, book, requests)?;
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
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn uncode(ctx: &Ctx, tid: &str, span: &SpanArgs, codes: &[String]) -> CmdResult {
    let project = ctx.project()?;
    let book = project.codebook()?;
    let ids: Vec<String> = codes
        .iter()
        .map(|c| book.resolve(c).map(|k| k.id.clone()))
        .collect::<Result<_, _>>()?;
    let t = project.transcript(tid)?;
    let (start, end) = span_of(span)?.resolve(&t)?;
    let coder = ctx.coder(&project)?;
    let mut journal = project.journal(&coder)?;
    let removed = ops::uncode(&mut journal, &t, start, end, &book, &ids)?;
    let mut out = String::new();
    for (c, s, e) in &removed {
        let code = book.by_id(&c.code).map_or("?", |k| k.path.as_str());
        let _ = writeln!(
            out,
            "removed {} {code} [{coder}]",
            describe_span(&t, *s, *e)
        );
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn undo_redo(ctx: &Ctx, undo: bool) -> CmdResult {
    let project = ctx.project()?;
    let book = project.codebook()?;
    let coder = ctx.coder(&project)?;
    let mut journal = project.journal(&coder)?;
    let done = if undo {
        ops::undo(&mut journal, &book)?
    } else {
        ops::redo(&mut journal, &book)?
    };
    match done {
        Some(batch) => {
            let verb = if undo { "undid" } else { "redid" };
            emit(&format!(
                "{verb}: {} [{coder}, {}]\n",
                one_line(&ops::describe(&batch, &book)),
                batch.time
            ));
            Ok(ExitCode::SUCCESS)
        }
        None => bail!(
            "nothing to {} for {coder}",
            if undo { "undo" } else { "redo" }
        ),
    }
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
