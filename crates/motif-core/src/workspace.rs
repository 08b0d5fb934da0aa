//! A project loaded for reading: the codebook, the transcripts, every
//! coder's journal and the participant attributes, with helpers to place
//! codings as segments. Read-only commands and reports start here.

use std::collections::BTreeMap;

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::journal::Journal;
use super::project::{Attributes, Project};
use super::segments::{Filter, Segment, Unplaced, place_all};
use super::transcript::Transcript;

/// Everything a report needs.
#[derive(Debug)]
pub struct Workspace {
    pub project: Project,
    pub book: Codebook,
    pub transcripts: BTreeMap<String, Transcript>,
    /// Transcripts that could not be read (named in each error).
    pub unreadable: Vec<Error>,
    pub journals: Vec<Journal>,
    pub attributes: Attributes,
}

impl Workspace {
    /// Loads the whole project, reading the journals while the
    /// transcripts are read (the two largest parts).
    pub fn load(project: Project) -> Result<Workspace> {
        Workspace::load_with(project, false)
    }

    /// [`Workspace::load`] for reports and exports, whose journals are
    /// never written: they are opened without their undo history
    /// ([`Project::journals_for_reading`]).
    pub fn load_for_reading(project: Project) -> Result<Workspace> {
        Workspace::load_with(project, true)
    }

    fn load_with(project: Project, for_reading: bool) -> Result<Workspace> {
        let (journals, rest) = std::thread::scope(|s| {
            let journals = s.spawn(|| {
                if for_reading {
                    project.journals_for_reading()
                } else {
                    project.journals()
                }
            });
            let rest = (|| {
                let book = project.codebook()?;
                let (list, unreadable) = project.transcripts()?;
                let attributes = project.attributes()?;
                Ok::<_, Error>((book, list, unreadable, attributes))
            })();
            (journals.join().expect("the journal reader panicked"), rest)
        });
        let journals = journals?;
        let (book, list, unreadable, attributes) = rest?;
        let transcripts = list.into_iter().map(|t| (t.id.clone(), t)).collect();
        Ok(Workspace {
            project,
            book,
            transcripts,
            unreadable,
            journals,
            attributes,
        })
    }

    /// Places the codings that pass `filter`.
    pub fn segments(&self, filter: &Filter) -> (Vec<Segment<'_>>, Unplaced<'_>) {
        place_all(&self.journals, &self.transcripts, &self.book, filter)
    }

    /// Coders with a journal.
    pub fn coders(&self) -> Vec<String> {
        self.journals.iter().map(|j| j.coder.clone()).collect()
    }

    /// The coders with at least one live coding (an empty journal, or one
    /// whose codings were all taken back, is left out).
    pub fn coders_with_codings(&self) -> Vec<String> {
        super::journal::coders_with_codings(&self.journals)
    }

    /// Checks transcript ids given by the researcher.
    pub fn check_transcripts(&self, ids: &[String]) -> Result<()> {
        for id in ids {
            if !self.transcripts.contains_key(id) {
                return Err(Error::invalid(format!(
                    "no transcript `{}`; `motif transcripts` lists them",
                    super::text::one_line(id)
                )));
            }
        }
        Ok(())
    }

    /// Problems worth a warning: unreadable transcripts and journal lines.
    pub fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self.unreadable.iter().map(ToString::to_string).collect();
        for j in &self.journals {
            w.extend(j.problems.iter().map(ToString::to_string));
        }
        w
    }
}
