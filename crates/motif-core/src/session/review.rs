//! Reviewing the codings an edit left behind (see [`crate::review`]):
//! the acting coder's orphaned and edited codings, accepting an edited
//! one where it was placed, re-attaching one to a span. Removing one is
//! [`Session::uncode_id`]. Each is one undo step.

use super::Session;
use crate::error::{Error, Result};
use crate::journal::Coding;
use crate::ops::SpanSpec;
use crate::review::{self, Pending, State};
use crate::text::one_line;
use crate::transcript::Transcript;

/// What [`Session::reattach`] or [`Session::accept`] did: the coding as
/// it was, and as it is now on `transcript`.
#[derive(Debug)]
pub struct Reattached {
    pub transcript: Transcript,
    pub before: Coding,
    pub after: Coding,
}

impl Session {
    /// The acting coder's codings that await review.
    pub fn pending_review(&mut self) -> Result<Vec<Pending>> {
        let (transcripts, _) = self.project.transcripts()?;
        let lookup = |id: &str| transcripts.iter().find(|t| t.id == id);
        Ok(review::pending(self.journal()?, &lookup))
    }

    /// The acting coder's coding `id` and its transcript.
    fn coding_and_transcript(&mut self, id: &str) -> Result<(Coding, Transcript)> {
        let journal = self.journal()?;
        let c = journal
            .get(id)
            .cloned()
            .ok_or_else(|| review::no_coding(journal, id))?;
        let t = self.project.transcript(&c.transcript)?;
        Ok((c, t))
    }

    /// Re-attaches the acting coder's coding `id` to `span` of its
    /// transcript's current text (an orphaned or edited coding, or any).
    pub fn reattach(&mut self, id: &str, span: SpanSpec) -> Result<Reattached> {
        let (_, t) = self.coding_and_transcript(id)?;
        let (start, end) = span.resolve(&t)?;
        self.reattach_on(t, id, start, end)
    }

    /// Accepts the acting coder's edited coding `id` as placed on the new
    /// text: it is anchored there and no longer edited.
    pub fn accept(&mut self, id: &str) -> Result<Reattached> {
        let (c, t) = self.coding_and_transcript(id)?;
        match review::state_of(&c, &t) {
            Some(State::Edited { start, end, .. }) => self.reattach_on(t, id, start, end),
            Some(State::Orphaned) => Err(Error::invalid(format!(
                "coding {} is orphaned (its text “{}” is gone from `{}`), so there is nothing to accept: \
                 re-attach it with `motif code --reattach {} --chars A-B` or remove it with \
                 `motif uncode --id {}`",
                one_line(id),
                one_line(crate::text::take_chars(&c.anchor.quote, 60)),
                one_line(&t.id),
                one_line(id),
                one_line(id)
            ))),
            None => Err(Error::invalid(format!(
                "coding {} is not edited: its text is in `{}` as it was coded; nothing to accept",
                one_line(id),
                one_line(&t.id)
            ))),
        }
    }

    fn reattach_on(
        &mut self,
        t: Transcript,
        id: &str,
        start: usize,
        end: usize,
    ) -> Result<Reattached> {
        let (journal, book) = self.journal_and_codebook()?;
        let (before, after) = review::reattach(journal, book, &t, id, start, end)?;
        Ok(Reattached {
            transcript: t,
            before,
            after,
        })
    }
}
