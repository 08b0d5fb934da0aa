//! The session: a project opened by one acting coder, and every use case a
//! researcher has, as one call each. The CLI (one command per process) and
//! the TUI (one session for its lifetime) both call these functions and
//! only format what they return; nothing in a front end decides what a
//! command means.
//!
//! - [`import`](Session::import): files and folders become transcripts
//!   (ids, collisions, attributes, codings re-attached on `--replace`);
//! - coding ([`code`](Session::code), [`code_rows`](Session::code_rows),
//!   [`uncode`](Session::uncode), [`autocode`](Session::autocode) with its
//!   dry run, [`undo`](Session::undo), [`redo`](Session::redo));
//! - review of codings an edit left behind
//!   ([`pending_review`](Session::pending_review),
//!   [`accept`](Session::accept), [`reattach`](Session::reattach),
//!   [`uncode_id`](Session::uncode_id));
//! - memos ([`memo_target`](Session::memo_target) and the memo calls);
//! - codebook changes ([`add_code`](Session::add_code), rename, move,
//!   merge, delete);
//! - analysis over one checked scope ([`scope`], [`frequencies`]): free
//!   functions over the loaded project, as reports need no coder.
//!
//! The session loads the acting coder's journal and the codebook on first
//! use and keeps them; a long-lived front end calls
//! [`reload`](Session::reload) when the files changed under it.

mod analysis;
mod codebook;
mod coding;
mod import;
mod review;
mod staging;

pub use analysis::{Frequencies, count_frequencies, frequencies, frequencies_of_all, scope};
pub use codebook::{CodebookChange, Deleted, Merged};
pub use coding::{AutocodeOutcome, Coded, HitSpan, Planned, Target, Uncoded};
pub use import::{ImportOptions, ImportReport, ImportStage, Imported, Preview};
pub use review::Reattached;
pub(crate) use staging::STAGED_PREFIX;
pub use staging::finish_interrupted_import;

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::journal::Journal;
use super::memo::{self, MemoTarget};
use super::project::{Project, check_coder};
use super::workspace::Workspace;

/// A project opened by one coder.
/// How many codings one command makes without the researcher saying
/// `--max N`: far more than a hand-made coding, far fewer than a regex
/// that matches every letter of a long transcript.
pub const DEFAULT_MAX_CODINGS: usize = 1000;

pub struct Session {
    pub project: Project,
    /// The coder named on the command line or in the TUI, if any; else the
    /// project's `coder`, then the user's login name (see
    /// [`Session::coder`]).
    named_coder: Option<String>,
    book: Option<Codebook>,
    journal: Option<Journal>,
    /// The most codings one `code` or `autocode` call may make.
    max_codings: usize,
}

/// Why nothing is written when no coder is named anywhere.
pub const NO_CODER: &str = "who is coding? No coder is set and neither USER nor LOGNAME is: \
     pass --coder NAME, set `coder = \"NAME\"` in motif.toml (for everyone using this copy), \
     or set MOTIF_CODER=NAME; nothing was written";

/// The coder named by the environment: `MOTIF_CODER`, else the login
/// name (`USER`, `LOGNAME`, `USERNAME`); `None` when none is set.
pub fn default_coder() -> Option<String> {
    ["MOTIF_CODER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
}

impl Session {
    /// Opens `project` for `coder` (`None`: the project's or the user's
    /// default, decided when a use case needs a coder).
    pub fn new(project: Project, coder: Option<String>) -> Session {
        Session {
            project,
            named_coder: coder,
            book: None,
            journal: None,
            max_codings: DEFAULT_MAX_CODINGS,
        }
    }

    /// Allows one `code` or `autocode` call to make up to `n` codings
    /// (the researcher said so: `--max N`); the default is
    /// [`DEFAULT_MAX_CODINGS`].
    pub fn set_max_codings(&mut self, n: usize) {
        self.max_codings = n;
    }

    /// The acting coder: the one named, else the project's `coder`, else
    /// the user's login name; checked as a coder name. A name that differs
    /// from an existing coder's only in case or accents is that coder
    /// (its existing spelling). With no name anywhere, nothing is written:
    /// the error says how to set one.
    pub fn coder(&self) -> Result<String> {
        let name = self
            .named_coder
            .clone()
            .or_else(|| self.project.config.coder.clone())
            .or_else(default_coder)
            .ok_or_else(|| Error::invalid(NO_CODER))?;
        check_coder(&name).map_err(|e| {
            Error::invalid(format!(
                "{e}; pass --coder NAME or set `coder` in motif.toml"
            ))
        })?;
        Ok(crate::coders::existing_spelling(&self.project, &name)?.unwrap_or(name))
    }

    /// The codebook, loaded on first use.
    pub fn codebook(&mut self) -> Result<&Codebook> {
        if self.book.is_none() {
            self.book = Some(self.project.codebook()?);
        }
        Ok(self.book.as_ref().expect("loaded"))
    }

    /// The acting coder's journal, opened on first use.
    pub fn journal(&mut self) -> Result<&mut Journal> {
        if self.journal.is_none() {
            let coder = self.coder()?;
            self.journal = Some(self.project.journal(&coder)?);
        }
        Ok(self.journal.as_mut().expect("opened"))
    }

    /// The journal and the codebook together (a coding change needs both).
    pub fn journal_and_codebook(&mut self) -> Result<(&mut Journal, &Codebook)> {
        self.codebook()?;
        self.journal()?;
        Ok((
            self.journal.as_mut().expect("opened"),
            self.book.as_ref().expect("loaded"),
        ))
    }

    /// Forgets the loaded codebook and journal: the next use reads them
    /// again (another process changed them).
    pub fn reload(&mut self) {
        self.book = None;
        self.journal = None;
    }

    /// Forgets the loaded codebook only.
    pub fn reload_codebook(&mut self) {
        self.book = None;
    }

    /// The whole project loaded to be read (reports and exports), with the
    /// problems it found (`Workspace::warnings`).
    pub fn workspace_for_reading(&self) -> Result<Workspace> {
        Workspace::load_for_reading(self.project.clone())
    }

    /// What a memo command names: a transcript, a code (as a researcher
    /// names it), or the project. Unknown transcripts and codes are errors.
    pub fn memo_target(
        &mut self,
        transcript: Option<&str>,
        code: Option<&str>,
    ) -> Result<MemoTarget> {
        if let Some(t) = transcript {
            self.project.transcript(t)?;
            Ok(MemoTarget::Transcript(t.to_owned()))
        } else if let Some(c) = code {
            let id = self.codebook()?.resolve(c)?.id.clone();
            Ok(MemoTarget::Code(id))
        } else {
            Ok(MemoTarget::Project)
        }
    }

    /// A memo's text (empty when there is none).
    pub fn read_memo(&self, target: &MemoTarget) -> Result<String> {
        memo::read_memo(&self.project, target)
    }

    /// Replaces a memo; returns its file.
    pub fn write_memo(&self, target: &MemoTarget, text: &str) -> Result<std::path::PathBuf> {
        memo::write_memo(&self.project, target, text)
    }

    /// Adds a paragraph to a memo; returns its file.
    pub fn append_memo(&self, target: &MemoTarget, text: &str) -> Result<std::path::PathBuf> {
        memo::append_memo(&self.project, target, text)
    }
}

#[cfg(test)]
mod tests;
