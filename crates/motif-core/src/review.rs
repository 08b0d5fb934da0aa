//! Reviewing codings an edit of their transcript left behind: the
//! *orphaned* ones (their text is gone) and the *edited* ones (an edit
//! reached inside their text; they are placed on its new version). Both
//! front ends list them with [`pending`] and resolve them with
//! [`reattach`] (accepting an edited coding is re-attaching it where it
//! was placed) or by removing them ([`crate::ops::remove_ids`]).
//!
//! Re-attaching writes one batch: the coding's removal and its addition
//! with the same id, code, memo and time on the new span, anchored to the
//! current text (quote, context and hash). Undo puts the old anchor back;
//! a journal read by an older motif reads the same two ordinary records.

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::ids::{new_id, now_rfc3339};
use super::journal::{Coding, CodingFields, Journal, Record};
use super::segments::{Placement, anchor, place};
use super::transcript::Transcript;

/// Why a coding awaits review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Its text is gone from the transcript.
    Orphaned,
    /// An edit changed its text; it is placed at `start..end` (code
    /// points) of the current text, which reads `now`.
    Edited {
        start: usize,
        end: usize,
        now: String,
    },
}

/// A coding awaiting review (its `anchor.quote` is the text it was made
/// on).
#[derive(Debug, Clone)]
pub struct Pending {
    pub coding: Coding,
    pub state: State,
}

/// The review state of `c` on `t`: `None` when it needs no review (its
/// text is there, moved or not).
pub fn state_of(c: &Coding, t: &Transcript) -> Option<State> {
    match place(c, t) {
        Placement::Exact { .. } | Placement::Moved { .. } => None,
        Placement::Edited { start, end } => Some(State::Edited {
            start,
            end,
            now: t.slice_chars(start, end).unwrap_or_default().to_owned(),
        }),
        Placement::Orphaned => Some(State::Orphaned),
    }
}

/// The codings of `journal` that await review, by transcript and where
/// they were coded.
/// `transcripts` finds a transcript by id (codings on a missing one are
/// not listed here: `motif check` reports them).
pub fn pending<'t>(
    journal: &Journal,
    transcripts: &dyn Fn(&str) -> Option<&'t Transcript>,
) -> Vec<Pending> {
    let mut out: Vec<Pending> = journal
        .codings()
        .into_iter()
        .filter_map(|c| {
            let t = transcripts(&c.transcript)?;
            state_of(c, t).map(|state| Pending {
                coding: c.clone(),
                state,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.coding.transcript, a.coding.start, &a.coding.id).cmp(&(
            &b.coding.transcript,
            b.coding.start,
            &b.coding.id,
        ))
    });
    out
}

/// Re-attaches coding `id` of `journal` to `start..end` (code points,
/// checked) of `t`, its transcript, as one undo step. Returns the coding
/// as it was and as it is now.
pub fn reattach(
    journal: &mut Journal,
    book: &Codebook,
    t: &Transcript,
    id: &str,
    start: usize,
    end: usize,
) -> Result<(Coding, Coding)> {
    let time = now_rfc3339();
    let held = book.hold()?;
    let code = journal
        .get(id)
        .map(|c| c.code.to_string())
        .ok_or_else(|| no_coding(journal, id))?;
    held.check([code.as_str()])?;
    journal.transact(|j| {
        let old = j.get(id).ok_or_else(|| no_coding(j, id))?.clone();
        if *old.transcript != *t.id {
            return Err(Error::invalid(format!(
                "coding {id} is on `{}`, not `{}`",
                old.transcript, t.id
            )));
        }
        let new = Coding::new(CodingFields {
            id: &old.id,
            transcript: &t.id,
            start,
            end,
            code: &old.code,
            coder: &old.coder,
            time: &old.time,
            memo: old.memo.as_deref(),
            anchor: anchor(t, start, end),
        });
        let batch = new_id();
        let records = vec![
            Record::Remove {
                batch: batch.clone(),
                time: time.clone(),
                id: id.to_owned(),
                undoable: true,
            },
            Record::add(&batch, &new),
        ];
        Ok((records, (old, new)))
    })
}

/// The message for a coding the coder does not have.
pub fn no_coding(j: &Journal, id: &str) -> Error {
    Error::invalid(format!(
        "{} has no coding {}; `motif check` lists orphaned and edited codings with their ids, \
         `motif segments --json` every coding's id",
        j.coder,
        super::text::one_line(id)
    ))
}
