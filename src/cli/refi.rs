//! REFI-QDA commands: `motif export qdpx|qdc` and `motif import-qdpx`,
//! `motif import-qdc`. Thin adapters over [`motif_core::refi`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use motif_core::fsio::atomic_write;
use motif_core::project::{Project, check_coder};
use motif_core::refi::{export, import};
use motif_core::text::one_line;

use super::output::emit;
use super::{CmdResult, Ctx};

/// `motif export qdpx`. (Tool names in the help are plain words.)
#[allow(clippy::doc_markdown)]
#[derive(Debug, Args)]
pub struct ExportQdpxArgs {
    /// The .qdpx file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// How to count selection positions: code points (the standard's
    /// reading; QualCoder, qc) or UTF-16 code units (NVivo, ATLAS.ti, MAXQDA).
    #[arg(
        long,
        value_enum,
        default_value = "code-points",
        conflicts_with = "for_tool"
    )]
    pub positions: Positions,
    /// Count positions as this tool does (nvivo, atlasti, maxqda: UTF-16
    /// units; qualcoder: code points).
    #[arg(long = "for", value_enum, value_name = "TOOL")]
    pub for_tool: Option<Tool>,
}

/// How `export qdpx` counts positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Positions {
    /// Unicode code points.
    CodePoints,
    /// UTF-16 code units (a character outside the BMP counts twice).
    Utf16,
}

/// The tools `export qdpx --for` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    Nvivo,
    Atlasti,
    Maxqda,
    Qualcoder,
}

impl ExportQdpxArgs {
    fn options(&self) -> export::ExportOptions {
        let utf16 = match self.for_tool {
            Some(Tool::Nvivo | Tool::Atlasti | Tool::Maxqda) => true,
            Some(Tool::Qualcoder) => false,
            None => self.positions == Positions::Utf16,
        };
        export::ExportOptions { utf16 }
    }
}

/// `motif export qdc`.
#[derive(Debug, Args)]
pub struct ExportQdcArgs {
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `motif import-qdpx`.
#[derive(Debug, Args)]
pub struct ImportQdpxArgs {
    /// The .qdpx file to import.
    pub file: PathBuf,
    /// Create a new project in DIR (new or empty) for the import.
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Add to a project that already has transcripts, codes or codings.
    #[arg(long)]
    pub merge: bool,
    /// Read sources the project refers to by relative:// or absolute:// paths.
    #[arg(long)]
    pub allow_external_paths: bool,
    /// Print what was imported as JSON (notes still go to standard error).
    #[arg(long)]
    pub json: bool,
}

/// `motif import-qdc`.
#[derive(Debug, Args)]
pub struct ImportQdcArgs {
    /// The .qdc codebook file.
    pub file: PathBuf,
}

fn notices(ctx: &Ctx, list: &[String]) {
    for n in list {
        ctx.notice(&format!("note: {}", one_line(n)));
    }
}

/// `motif export qdpx -o FILE`.
pub fn export_qdpx(ctx: &Ctx, args: &ExportQdpxArgs) -> CmdResult {
    let ws = ctx.workspace()?;
    let to_stdout = args.output == std::path::Path::new("-");
    if !to_stdout {
        ws.project.check_output(&args.output)?;
    }
    let out = export::qdpx(ws, args.options())?;
    if to_stdout {
        super::output::emit_with(|w| w.write_all(&out.bytes));
        notices(ctx, &out.report.notices);
        return Ok(ExitCode::SUCCESS);
    }
    atomic_write(&args.output, &out.bytes)?;
    notices(ctx, &out.report.notices);
    emit(&format!(
        "wrote {}: {}\n",
        args.output.display(),
        export::describe(&out.report)
    ));
    Ok(ExitCode::SUCCESS)
}

/// `motif export qdc [-o FILE]`.
pub fn export_qdc(ctx: &Ctx, args: &ExportQdcArgs) -> CmdResult {
    let project = ctx.project()?;
    let book = project.codebook()?;
    let text = export::qdc(&book, motif_core::refi::kept::load(&project)?)?;
    match args
        .output
        .as_deref()
        .filter(|p| *p != std::path::Path::new("-"))
    {
        Some(path) => {
            project.write_output(path, text.as_bytes())?;
            ctx.notice(&format!("wrote {} ({} codes)", path.display(), book.len()));
        }
        None => emit(&text),
    }
    Ok(ExitCode::SUCCESS)
}

/// The coder for codings whose user the file does not name.
fn fallback_coder(ctx: &Ctx, project: Option<&Project>) -> anyhow::Result<String> {
    if let Some(p) = project {
        return ctx.coder(p);
    }
    if ctx.cli.coder.len() > 1 {
        anyhow::bail!("this command acts as one coder; give --coder once");
    }
    let name = ctx
        .cli
        .coder
        .first()
        .cloned()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "imported".into());
    check_coder(&name).map_err(|e| anyhow::anyhow!("{e}; pass --coder NAME"))?;
    Ok(name)
}

fn summary(report: &import::ImportReport, file: &Path, root: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported `{}`{} from {} into {}",
        one_line(&report.name),
        report
            .origin
            .as_deref()
            .map(|o| format!(" ({})", one_line(o)))
            .unwrap_or_default(),
        file.display(),
        root.display()
    );
    let _ = writeln!(
        out,
        "  codes: {} added, {} already there",
        report.codes_added, report.codes_matched
    );
    let _ = writeln!(
        out,
        "  transcripts: {} added, {} already there{}",
        report.transcripts_added.len(),
        report.transcripts_matched,
        if report.transcripts_added.is_empty() {
            String::new()
        } else {
            format!(" ({})", one_line(&report.transcripts_added.join(", ")))
        }
    );
    let total: usize = report.codings.values().sum();
    let by: Vec<String> = report
        .codings
        .iter()
        .map(|(c, n)| format!("{} {n}", one_line(c)))
        .collect();
    let _ = writeln!(
        out,
        "  codings: {total} added{}{}",
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({}; one undo step per coder)", by.join(", "))
        },
        if report.codings_already > 0 {
            format!(", {} already there", report.codings_already)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "  memos: {} written; attribute values: {} set",
        report.memos, report.attributes
    );
    positions_summary(&mut out, &report.positions);
    if !report.kept.is_empty() {
        let names: Vec<String> = report.kept.iter().map(|n| one_line(n)).collect();
        let _ = writeln!(
            out,
            "  kept in refi-qda/ for `export qdpx` (motif cannot show or code them): {}",
            names.join(", ")
        );
    }
    out
}

/// How each source's positions were read: one line for the sources on
/// which every count agrees, one per source that needed deciding.
fn positions_summary(out: &mut String, list: &[import::PositionReport]) {
    use motif_core::refi::reading::Basis;
    let (same, decided): (Vec<_>, Vec<_>) = list
        .iter()
        .partition(|p| matches!(p.basis, Basis::Same | Basis::NoSelections));
    if !same.is_empty() {
        let _ = writeln!(
            out,
            "  positions: {} source(s) where every way of counting agrees",
            same.len()
        );
    }
    for p in decided {
        let unit = if p.unit == "utf16" {
            "UTF-16 units"
        } else {
            "code points"
        };
        let _ = writeln!(
            out,
            "  positions of {}: {unit}, CRLF as {}{}: {}{}",
            one_line(&p.transcript),
            if p.crlf_as_one { "one" } else { "two" },
            if p.bom_counted { ", BOM counted" } else { "" },
            one_line(&p.why),
            if p.clear {
                ""
            } else {
                " (NOT clear-cut: check its codings)"
            }
        );
    }
}

/// `import-qdpx --json`: the report with the file and the project.
#[derive(serde::Serialize)]
struct ImportJson<'a> {
    file: String,
    project: String,
    #[serde(flatten)]
    report: &'a import::ImportReport,
}

/// `motif import-qdpx FILE [--into DIR] [--merge]`.
pub fn import_qdpx(ctx: &Ctx, args: &ImportQdpxArgs) -> CmdResult {
    // The target: a new project, or the current one.
    let existing =
        match &args.into {
            Some(_) => None,
            None => Some(ctx.project().map_err(|e| {
                anyhow::anyhow!("{e}\nto import into a new project, pass --into DIR")
            })?),
        };
    let opts = import::ImportOptions {
        allow_external_paths: args.allow_external_paths,
        default_coder: fallback_coder(ctx, existing.as_ref())?,
        merge: args.merge,
    };
    if let Some(p) = &existing
        && !args.merge
        && !import::is_empty_project(p)?
    {
        anyhow::bail!(
            "{} already has transcripts, codes or codings; pass --merge to add {} to it, or --into DIR for a new project",
            p.root.display(),
            args.file.display()
        );
    }
    // Read and check the whole file before anything is written.
    let pkg = import::read_qdpx(&args.file, &opts)?;
    let (project, created) = match (existing, &args.into) {
        (Some(p), _) => (p, None),
        (None, Some(dir)) => {
            let fresh = !dir.exists();
            if dir.exists() && args.merge && dir.join(motif_core::project::CONFIG_FILE).is_file() {
                (Project::open(dir)?, None)
            } else {
                let p = import::create_project(dir, &pkg.name)?;
                (p, Some((dir.clone(), fresh)))
            }
        }
        (None, None) => unreachable!("a project or --into"),
    };
    let report = match import::apply(&project, &pkg, &opts) {
        Ok(r) => r,
        Err(e) => {
            // A project made for this import goes away with it.
            if let Some((dir, fresh)) = created {
                if fresh {
                    let _ = std::fs::remove_dir_all(&dir);
                } else if let Ok(entries) = std::fs::read_dir(&dir) {
                    for entry in entries.flatten() {
                        let _ = std::fs::remove_dir_all(entry.path())
                            .or_else(|_| std::fs::remove_file(entry.path()));
                    }
                }
            }
            return Err(e.into());
        }
    };
    notices(ctx, &report.notices);
    if args.json {
        emit(&super::output::json(&ImportJson {
            file: args.file.display().to_string(),
            project: project.root.display().to_string(),
            report: &report,
        })?);
    } else {
        emit(&summary(&report, &args.file, &project.root));
    }
    Ok(ExitCode::SUCCESS)
}

/// `motif import-qdc FILE`.
pub fn import_qdc(ctx: &Ctx, args: &ImportQdcArgs) -> CmdResult {
    let project = ctx.project()?;
    let pkg = import::read_qdc(&args.file)?;
    let report = import::apply_codebook(&project, &pkg)?;
    notices(ctx, &report.notices);
    emit(&format!(
        "imported the codebook {}{}: {} code(s) added, {} already there\n",
        args.file.display(),
        report
            .origin
            .as_deref()
            .map(|o| format!(" ({})", one_line(o)))
            .unwrap_or_default(),
        report.codes_added,
        report.codes_matched
    ));
    Ok(ExitCode::SUCCESS)
}
