//! `motif codes`: the codebook listed with its counts, changed through the
//! session (add, rename, move, merge, delete), and linted.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use motif_core::project::Project;
use motif_core::segments::Filter;
use motif_core::session;
use motif_core::text::one_line;
use motif_core::workspace::Workspace;

use super::args::CodesAction;
use super::output::{clip, emit, emit_saved, json, num, table};
use super::{CmdResult, Ctx};

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

/// `motif codes [--json]`: the codebook with definitions and counts.
pub fn codes(ctx: &Ctx, as_json: bool) -> CmdResult {
    let ws = ctx.workspace()?;
    let freq = session::frequencies_of_all(ws);
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

/// `motif codes add|rename|move|merge|delete|lint`.
pub fn codes_action(ctx: &Ctx, action: &CodesAction) -> CmdResult {
    if let CodesAction::Lint { json: as_json } = action {
        return lint(ctx, ctx.project()?, *as_json);
    }
    let mut session = ctx.session()?;
    let msg = match action {
        CodesAction::Add {
            path,
            description,
            key,
            rgb,
        } => {
            let c = session.add_code(
                path,
                description.as_deref().unwrap_or(""),
                *key,
                rgb.as_deref(),
            )?;
            let msg = format!("added code {} (id {})", c.path, c.id);
            if c.description.is_empty() {
                format!(
                    "{msg}; give it a definition: `motif codes add` with --description, or edit {}",
                    session.project.codebook_path().display()
                )
            } else {
                msg
            }
        }
        CodesAction::Rename { code, new_name } => session.rename_code(code, new_name)?.describe(),
        CodesAction::Move { code, parent, root } => session
            .move_code(code, if *root { None } else { parent.as_deref() })?
            .describe(),
        CodesAction::Merge { from, into } => session.merge_codes(from, into)?.describe(),
        CodesAction::Delete { code, force } => session.delete_code(code, *force)?.describe(),
        CodesAction::Lint { .. } => unreachable!("handled above"),
    };
    emit_saved(&format!("{}\n", one_line(&msg)));
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
