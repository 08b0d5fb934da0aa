//! Analysis over one checked scope: the selection a researcher typed
//! (coders, transcripts, `--attr NAME=VALUE`, codes) becomes an
//! [`analysis::Scope`] in one place, and code frequencies are counted by
//! one recipe that `export frequencies`, `codes` and the TUI's statistics
//! share.

use crate::analysis::{self, Scope, Selection};
use crate::error::Result;
use crate::segments::{Segment, Unplaced};
use crate::stats;
use crate::workspace::Workspace;

/// The `motif.frequencies` document with the codings that could not be
/// placed (and so were not counted).
pub struct Frequencies<'a> {
    pub document: stats::Frequencies,
    pub unplaced: Unplaced<'a>,
}

/// Checks a selection against the loaded project: coders, transcripts,
/// codes as a researcher names them, and attribute filters `NAME=VALUE` as
/// [`crate::attributes::parse_assignment`] reads them (names match the
/// table's without regard to case).
pub fn scope(
    ws: &Workspace,
    coders: &[String],
    transcripts: &[String],
    codes: &[String],
    attrs: &[String],
) -> Result<Scope> {
    let selection = Selection {
        coders: coders.to_vec(),
        transcripts: transcripts.to_vec(),
        codes: codes.to_vec(),
        attrs: ws.attributes.resolve_filters(attrs)?,
    };
    Scope::new(ws, &selection)
}

/// Code frequencies over `scope` (the `motif.frequencies` contract): every
/// coder in scope is listed, whether or not they have segments. The word
/// counts of coded spans are cached in the project (`SpanWords`).
pub fn frequencies<'a>(ws: &'a Workspace, scope: &Scope) -> Frequencies<'a> {
    let (segs, unplaced) = scope.segments(ws);
    let document = count_frequencies(ws, scope, &segs);
    Frequencies { document, unplaced }
}

/// Code frequencies over `scope` from its segments, already placed
/// (`scope.segments(ws)`), for a caller that needs them for more.
pub fn count_frequencies(
    ws: &Workspace,
    scope: &Scope,
    segs: &[Segment<'_>],
) -> stats::Frequencies {
    let mut words = stats::SpanWords::load(&ws.project);
    let document = stats::frequencies(
        &ws.project.config.name,
        &ws.book,
        &ws.transcripts,
        scope.transcripts.len(),
        scope.coders.clone(),
        segs,
        &mut words,
    );
    words.save(&ws.transcripts);
    document
}

/// Frequencies over everything (every coder, transcript and code).
pub fn frequencies_of_all(ws: &Workspace) -> stats::Frequencies {
    frequencies(ws, &analysis::Scope::all(ws)).document
}
