//! Intercoder agreement, as docs/contracts.md ("How agreement is computed") defines it,
//! and the review of disagreements towards a consensus coder.
//!
//! **Units.** For coders C1…Cn and code k, the units are the code points of
//! every transcript in scope: the transcripts named by the researcher, or
//! else those in which every compared coder has at least one coding (any
//! code). Coder c rates a unit 1 for code k when one of c's spans with
//! exactly code k covers it, else 0.
//!
//! **Counting, not materializing.** Every statistic depends on the ratings
//! only through how many units show each of the 2ⁿ rating *patterns* (which
//! coders rated 1). [`Counts`] holds those counts; an interval sweep over
//! each transcript's span boundaries fills them in O(s log s) for s
//! codings, whatever the length of the text, so 1,000 transcripts of
//! 60,000 code points each cost no more than their codings. The statistics
//! are then computed from integer counts with exact integer arithmetic up
//! to one final division.
//!
//! **Statistics** ([`Counts::stats`]): percent agreement (units on which all
//! coders agree), Cohen's kappa (exactly two coders) and Krippendorff's
//! alpha (nominal, two or more coders); `None` where a statistic is
//! undefined, with the reason from [`Counts::undefined`]. [`agreement`]
//! reports them per code and pooled (over the (code, unit) pairs of every
//! code at least one coder used), plus a pairwise matrix of coders.
//!
//! **Segments.** [`segment_view`] matches codings instead of units: a
//! coding is matched by another coder who has a coding with the same code
//! overlapping it by at least `overlap` of the shorter span. Codings of one
//! code that overlap (any coder) form an [`Item`]; an item with a coding
//! not matched by every other coder is a disagreement to review.
//!
//! **Consensus.** [`adoption`] turns a reviewer's [`Choice`] on an item (one
//! coder's side, both, or neither) into codings, and [`adopt`] writes them
//! for the consensus coder through [`ops::code`](crate::ops::code): one durable batch, undone
//! by one `undo`. [`adopted`] tells which side an item's consensus already
//! follows. A TUI lists `view.disagreements()`, jumps to `item.transcript`
//! at `item.start..item.end`, shows `item.sides`, and calls [`adopt`].

mod comparison;
mod consensus;
mod counts;
mod report;
mod review;
mod view;

pub use comparison::{Comparison, Request};
pub use consensus::{Choice, adopt, adopted, adoption};
pub use counts::{Counts, Stats, Undefined};
pub use report::{Agreement, CodeAgreement, Matrix, Pooled, agreement};
pub use review::{DisagreementRow, Disagreements, disagreements, disagreements_csv};
pub use view::{
    Coded, CoderMatches, Elsewhere, Item, SegmentView, Side, segment_view, spans_match,
};

#[cfg(test)]
mod tests;

/// The most coders compared at once (the rating patterns number 2ⁿ).
pub const MAX_CODERS: usize = 16;

/// The consensus coder's default name.
pub const DEFAULT_CONSENSUS: &str = "consensus";
