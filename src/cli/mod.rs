//! The command line: argument definitions (clap) in [`args`], output
//! helpers in [`output`], dispatch in [`commands`], and one module per
//! group of commands, each a thin adapter that calls the core's
//! [`Session`] (or a read-only report over the loaded project) and formats
//! what it returns.

pub mod agree;
pub mod analysis;
pub mod args;
pub mod codebook;
pub mod coding;
pub mod commands;
pub mod import;
pub mod memo;
pub mod output;
pub mod play;
pub mod refi;
pub mod search;
pub mod transcripts;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use motif_core::project::Project;
use motif_core::session::Session;
use motif_core::text::sanitize;
use motif_core::workspace::Workspace;

use args::Cli;

/// What a command ends with: success, a failure already reported, or an
/// error to print.
pub type CmdResult = anyhow::Result<ExitCode>;

/// Settings shared by every command.
pub struct Ctx {
    pub cli: Cli,
    pub style: output::Style,
}

impl Ctx {
    /// The project, from `--project` or found upward from the current folder.
    /// An import a killed process left half done is finished first, so
    /// that no command sees part of its batch.
    pub fn project(&self) -> anyhow::Result<Project> {
        let project = match &self.cli.project {
            Some(dir) => Project::open(dir)?,
            None => Project::discover(Path::new("."))?,
        };
        match motif_core::session::finish_interrupted_import(&project) {
            Ok(0) => {}
            Ok(n) => self.notice(&format!(
                "finished an import that was interrupted ({n} file{} put in place)",
                if n == 1 { "" } else { "s" }
            )),
            Err(e) => self.notice(&format!(
                "warning: an interrupted import could not be finished ({e}); run `motif import` again to finish it"
            )),
        }
        Ok(project)
    }

    /// The whole project, loaded to be read (reports and exports never
    /// write through it), with its warnings shown. A CLI process
    /// runs one command and exits, so the workspace is never freed: the
    /// system reclaims it at exit far faster than freeing a large project
    /// piece by piece would.
    pub fn workspace(&self) -> anyhow::Result<&'static Workspace> {
        let ws = Workspace::load_for_reading(self.project()?)?;
        self.warn_all(&ws.warnings());
        Ok(Box::leak(Box::new(ws)))
    }

    /// A session on the project for the acting coder (`--coder`, given
    /// at most once; else the project's or the user's default).
    pub fn session(&self) -> anyhow::Result<Session> {
        if self.cli.coder.len() > 1 {
            anyhow::bail!("this command acts as one coder; give --coder once");
        }
        Ok(Session::new(
            self.project()?,
            self.cli.coder.first().cloned(),
        ))
    }

    /// The acting coder on `project`, as [`Session::coder`] decides it.
    pub fn coder(&self, project: &Project) -> anyhow::Result<String> {
        if self.cli.coder.len() > 1 {
            anyhow::bail!("this command acts as one coder; give --coder once");
        }
        Ok(Session::new(project.clone(), self.cli.coder.first().cloned()).coder()?)
    }

    /// A notice on stderr, unless `--quiet`.
    pub fn notice(&self, msg: &str) {
        if !self.cli.quiet {
            eprintln!("{}", sanitize(msg, true));
        }
    }

    /// Warnings about the project: in full with `-v`, else a summary line.
    pub fn warn_all(&self, warnings: &[String]) {
        if warnings.is_empty() || self.cli.quiet {
            return;
        }
        if self.cli.verbose {
            for w in warnings {
                eprintln!("warning: {}", sanitize(w, false));
            }
        } else {
            eprintln!(
                "warning: {} problem(s) in the project ({}); `motif check` lists them",
                warnings.len(),
                sanitize(&warnings[0], false)
            );
        }
    }
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let style = output::Style::new(cli.color);
    let ctx = Ctx { cli, style };
    match commands::run(&ctx) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            eprintln!("motif: {}", sanitize(&msg, true));
            ExitCode::FAILURE
        }
    }
}
