//! Changing codings: code, uncode, memo, re-code, undo and redo. The CLI
//! and the TUI both call these; each returns what it did, in plain data,
//! once it is durable on disk.

use rustc_hash::FxHashMap;
use std::fmt::Write as _;

use regex::Regex;

use super::codebook::Codebook;
use super::error::{Error, Result};
use super::ids::{new_id, now_rfc3339};
use super::journal::{Batch, Coding, CodingFields, Journal, Op, Record};
use super::segments::{anchor, place};
use super::transcript::Transcript;

/// A span as a researcher gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanSpec {
    /// Code points, 0-based, end-exclusive.
    Chars(usize, usize),
    /// Lines, 1-based, both included; a speaker label (and timestamp) at
    /// the start of the first line is left out.
    Lines(usize, usize),
}

impl SpanSpec {
    /// Parses `A-B` as chars or lines (or `N` as the one line N).
    pub fn parse(s: &str, lines: bool) -> Result<SpanSpec> {
        let bad = || {
            Error::invalid(format!(
                "`{}` is not a range; write it as A-B, e.g. {}",
                super::text::one_line(s),
                if lines { "12-15" } else { "120-245" }
            ))
        };
        // One line may be named alone (`--lines 12`); characters need both
        // ends.
        let (a, b) = match s.split_once(['-', ':']) {
            Some(ab) => ab,
            None if lines => (s, s),
            None => return Err(bad()),
        };
        let a: usize = a.trim().parse().map_err(|_| bad())?;
        let b: usize = b.trim().parse().map_err(|_| bad())?;
        Ok(if lines {
            SpanSpec::Lines(a, b)
        } else {
            SpanSpec::Chars(a, b)
        })
    }

    /// The span in code points on `t`, checked.
    pub fn resolve(self, t: &Transcript) -> Result<(usize, usize)> {
        match self {
            SpanSpec::Chars(a, b) => {
                if a >= b {
                    return Err(Error::invalid(format!(
                        "span {a}-{b} of `{}` is empty or reversed: the end must be after the start (offsets are 0-based, end-exclusive)",
                        t.id
                    )));
                }
                if b > t.char_len() {
                    return Err(Error::invalid(format!(
                        "span {a}-{b} is out of range: `{}` has {} characters (code points)",
                        t.id,
                        t.char_len()
                    )));
                }
                Ok((a, b))
            }
            SpanSpec::Lines(a, b) => {
                let n = t.index.line_count();
                if a == 0 || a > b {
                    return Err(Error::invalid(format!(
                        "lines {a}-{b} of `{}`: lines count from 1 and the last must not come before the first",
                        t.id
                    )));
                }
                if b > n {
                    return Err(Error::invalid(format!(
                        "lines {a}-{b} are out of range: `{}` has {n} lines",
                        t.id
                    )));
                }
                let (start, _) = t.index.line_bytes(&t.text, a - 1).expect("line in range");
                let (_, end) = t.index.line_bytes(&t.text, b - 1).expect("line in range");
                let Some((start, end)) = said_within(t, start, end) else {
                    return Err(Error::invalid(format!(
                        "lines {a}-{b} of `{}` are blank",
                        t.id
                    )));
                };
                Ok((t.char_at(start), t.char_at(end)))
            }
        }
    }
}

/// What was said within the bytes `start..end` (whole lines): leading and
/// trailing blank lines and spaces, and the timestamp and speaker label of
/// a turn that starts there, are left out — the same way whichever lines
/// around a passage are named. `None` when nothing is left.
fn said_within(t: &Transcript, mut start: usize, end: usize) -> Option<(usize, usize)> {
    let skip_space = |at: usize| at + (t.text[at..end].len() - t.text[at..end].trim_start().len());
    start = skip_space(start);
    // The first line with text: back to its start, to see whether a turn
    // (its timestamp and label) begins there.
    let line_start = t.text[..start].rfind('\n').map_or(0, |i| i + 1);
    if let Some(turn) = t
        .turns
        .iter()
        .find(|turn| turn.start == line_start && turn.body_start > start)
    {
        start = skip_space(turn.body_start.min(end));
    }
    let end = start + t.text[start..end].trim_end().len();
    (start < end).then_some((start, end))
}

/// Spans of every match of `pattern` in `t`, in code points.
pub fn regex_spans(t: &Transcript, pattern: &str) -> Result<Vec<(usize, usize)>> {
    let re =
        Regex::new(pattern).map_err(|e| Error::invalid(format!("bad regular expression: {e}")))?;
    let mut spans = Vec::new();
    let mut last = (0, 0); // (byte, char) of the last conversion, to walk forward
    for m in re.find_iter(&t.text) {
        if m.start() == m.end() {
            continue;
        }
        let s = last.1 + t.text[last.0..m.start()].chars().count();
        let e = s + m.as_str().chars().count();
        last = (m.end(), e);
        spans.push((s, e));
    }
    Ok(spans)
}

/// A coding to make.
#[derive(Debug, Clone)]
pub struct NewCoding {
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    /// Code id.
    pub code: String,
    pub memo: Option<String>,
}

/// What [`code`] did.
#[derive(Debug, Clone, Default)]
pub struct CodeReport {
    pub added: Vec<Coding>,
    /// Requests skipped because the coder already has that exact coding.
    pub already: Vec<Coding>,
}

/// Builds the coding for a request on transcript `t` (span already
/// checked).
pub fn new_coding(t: &Transcript, req: &NewCoding, coder: &str, time: &str) -> Coding {
    Coding::new(CodingFields {
        id: &new_id(),
        transcript: &t.id,
        start: req.start,
        end: req.end,
        code: &req.code,
        coder,
        time,
        memo: req.memo.as_deref(),
        anchor: anchor(t, req.start, req.end),
    })
}

/// Current span of coding `c` if its transcript is `t`.
fn current_span(c: &Coding, t: &Transcript) -> Option<(usize, usize)> {
    place(c, t).span()
}

/// What coding a list of requests would do for one coder: the requests
/// that make new codings (each with its code's canonical id, duplicates
/// within the list dropped) and the codings the coder already has for the
/// others (same transcript, span and code). [`code`] writes exactly the
/// `new` part; a dry run (`search --autocode --dry-run`) shows it.
#[derive(Debug, Clone, Default)]
pub struct CodePlan {
    pub new: Vec<NewCoding>,
    pub already: Vec<Coding>,
}

/// Plans `requests` against what `journal`'s coder has now (see
/// [`CodePlan`]). The requests' transcripts must be in `transcripts` and
/// their codes in `book`.
pub fn plan_code<'t>(
    journal: &Journal,
    transcripts: &dyn Fn(&str) -> Option<&'t Transcript>,
    book: &Codebook,
    requests: &[NewCoding],
) -> Result<CodePlan> {
    let mut plan = CodePlan::default();
    // What the coder already has on the transcripts concerned, by
    // (transcript, span, code): borrowed keys, as this runs on every
    // coding keystroke in the TUI.
    let mut existing: FxHashMap<(&str, usize, usize, &str), &Coding> = FxHashMap::default();
    let wanted: std::collections::HashSet<&str> =
        requests.iter().map(|r| r.transcript.as_str()).collect();
    for c in wanted.iter().flat_map(|t| journal.codings_in(t)) {
        let (Some(t), Some(k)) = (transcripts(&c.transcript), book.by_id(&c.code)) else {
            continue;
        };
        if let Some((s, e)) = current_span(c, t) {
            existing.insert((c.transcript.as_str(), s, e, k.id.as_str()), c);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for req in requests {
        if transcripts(&req.transcript).is_none() {
            return Err(Error::invalid(format!(
                "no transcript `{}`",
                req.transcript
            )));
        }
        let canonical = book
            .by_id(&req.code)
            .ok_or_else(|| Error::invalid(format!("unknown code id `{}`", req.code)))?
            .id
            .as_str();
        let key = (req.transcript.as_str(), req.start, req.end, canonical);
        if let Some(d) = existing.get(&key) {
            plan.already.push((*d).clone());
            continue;
        }
        if !seen.insert(key) {
            continue;
        }
        let mut req = req.clone();
        canonical.clone_into(&mut req.code);
        plan.new.push(req);
    }
    Ok(plan)
}

/// Applies codings as one batch (one undo step), durably: the `new` part
/// of [`plan_code`], planned on the journal as it is under the lock. A
/// request the coder already has (same transcript, span and code) is
/// reported, not duplicated.
pub fn code<'t>(
    journal: &mut Journal,
    transcripts: &dyn Fn(&str) -> Option<&'t Transcript>,
    book: &Codebook,
    requests: &[NewCoding],
) -> Result<CodeReport> {
    let time = now_rfc3339();
    let coder = journal.coder.clone();
    // No code applied here can be deleted until the batch is written.
    let held = book.hold()?;
    held.check(requests.iter().map(|r| r.code.as_str()))?;
    journal.transact(|j| {
        let batch = new_id();
        let plan = plan_code(j, transcripts, book, requests)?;
        let mut report = CodeReport {
            added: Vec::with_capacity(plan.new.len()),
            already: plan.already,
        };
        let mut records = Vec::with_capacity(plan.new.len());
        for req in &plan.new {
            let t = transcripts(&req.transcript).expect("planned on a known transcript");
            let c = new_coding(t, req, &coder, &time);
            records.push(Record::add(&batch, &c));
            report.added.push(c);
        }
        Ok((records, report))
    })
}

/// Removes this coder's codings that lie within `start..end` of `t`
/// (optionally only those with the given code ids), as one batch.
/// Returns the removed codings with their current spans.
pub fn uncode(
    journal: &mut Journal,
    t: &Transcript,
    start: usize,
    end: usize,
    book: &Codebook,
    codes: &[String],
) -> Result<Vec<(Coding, usize, usize)>> {
    let time = now_rfc3339();
    journal.transact(|j| {
        let batch = new_id();
        let wanted: Vec<String> = codes
            .iter()
            .filter_map(|c| book.by_id(c).map(|k| k.id.clone()))
            .collect();
        let mut removed = Vec::new();
        let mut overlapping = Vec::new();
        for c in j.codings_in(&t.id) {
            let code_ok = wanted.is_empty() || book.by_id(&c.code).is_some_and(|k| wanted.contains(&k.id));
            if !code_ok {
                continue;
            }
            let Some((s, e)) = current_span(c, t) else { continue };
            if s >= start && e <= end {
                removed.push((c.clone(), s, e));
            } else if s < end && start < e {
                overlapping.push((s, e, book.by_id(&c.code).map_or_else(|| c.code.to_string(), |k| k.path.clone())));
            }
        }
        if removed.is_empty() {
            let hint = if overlapping.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = overlapping.iter().map(|(s, e, p)| format!("{s}-{e} {p}")).collect();
                format!(
                    "; these codings overlap it but reach beyond it: {} (give a span that covers one whole)",
                    list.join(", ")
                )
            };
            return Err(Error::invalid(format!(
                "{} has no coding within {start}-{end} of `{}`{}{hint}",
                j.coder,
                t.id,
                if codes.is_empty() { String::new() } else { " with those codes".to_owned() }
            )));
        }
        let records = removed
            .iter()
            .map(|(c, _, _)| Record::Remove {
                batch: batch.clone(),
                time: time.clone(),
                id: c.id.to_string(),
                undoable: true,
            })
            .collect();
        Ok((records, removed))
    })
}

/// Removes codings by id as one batch (the TUI's "remove the segment under
/// the cursor"); `undoable` false for codebook clean-ups.
pub fn remove_ids(journal: &mut Journal, ids: &[String], undoable: bool) -> Result<Vec<Coding>> {
    let time = now_rfc3339();
    journal.transact(|j| {
        let batch = new_id();
        let mut gone = Vec::new();
        let mut records = Vec::new();
        for id in ids {
            let c = j
                .get(id)
                .ok_or_else(|| Error::invalid(format!("{} has no coding {id}", j.coder)))?;
            gone.push(c.clone());
            records.push(Record::Remove {
                batch: batch.clone(),
                time: time.clone(),
                id: id.clone(),
                undoable,
            });
        }
        Ok((records, gone))
    })
}

/// Sets (or clears) the memo of one coding.
pub fn set_memo(journal: &mut Journal, id: &str, memo: Option<String>) -> Result<()> {
    let time = now_rfc3339();
    journal.transact(|j| {
        if j.get(id).is_none() {
            return Err(Error::invalid(format!("{} has no coding {id}", j.coder)));
        }
        Ok((
            vec![Record::Memo {
                batch: new_id(),
                time,
                id: id.to_owned(),
                memo,
            }],
            (),
        ))
    })
}

/// Gives one coding another code.
pub fn recode(journal: &mut Journal, book: &Codebook, id: &str, code: &str) -> Result<()> {
    let time = now_rfc3339();
    let held = book.hold()?;
    held.check([code])?;
    journal.transact(|j| {
        if j.get(id).is_none() {
            return Err(Error::invalid(format!("{} has no coding {id}", j.coder)));
        }
        Ok((
            vec![Record::Recode {
                batch: new_id(),
                time,
                id: id.to_owned(),
                code: code.to_owned(),
            }],
            (),
        ))
    })
}

/// Undoes the coder's last batch; `None` when there is nothing to undo.
/// Refused when it would bring back a coding on a code deleted since.
pub fn undo(journal: &mut Journal, book: &Codebook) -> Result<Option<Batch>> {
    step(journal, book, true)
}

/// Redoes the coder's last undone batch; `None` when there is nothing.
/// Refused when it would bring back a coding on a code deleted since.
pub fn redo(journal: &mut Journal, book: &Codebook) -> Result<Option<Batch>> {
    step(journal, book, false)
}

/// [`undo`] or [`redo`]: one record naming the batch, written only if the
/// codes the step puts back on codings are still in the codebook.
fn step(journal: &mut Journal, book: &Codebook, undo: bool) -> Result<Option<Batch>> {
    let time = now_rfc3339();
    let held = book.hold()?;
    journal.transact(|j| {
        let target = if undo {
            j.undo_target()
        } else {
            j.redo_target()
        };
        let Some(b) = target else {
            return Ok((Vec::new(), None));
        };
        // What the step applies: the batch's inverse to undo, its changes to redo.
        let applied = if undo { &b.inverse } else { &b.forward };
        let verb = if undo { "undo" } else { "redo" };
        held.check(codes_applied(applied))
            .map_err(|e| Error::invalid(format!("cannot {verb}: {e}")))?;
        let batch = b.id.to_string();
        let record = if undo {
            Record::Undo { batch, time }
        } else {
            Record::Redo { batch, time }
        };
        Ok((vec![record], Some(b.clone())))
    })
}

/// The code ids that `ops` put on codings.
fn codes_applied(ops: &[Op]) -> impl Iterator<Item = &str> {
    ops.iter().filter_map(|op| match op {
        Op::Add(c) => Some(&*c.code),
        Op::Recode(_, code) => Some(&**code),
        Op::Remove(_) | Op::Memo(..) => None,
    })
}

/// A one-line description of a batch for messages ("2 codings added").
pub fn describe(batch: &Batch, book: &Codebook) -> String {
    let mut added = 0;
    let mut removed = 0;
    let mut other = 0;
    let mut first: Option<String> = None;
    // A removal and an addition of the same id: a coding re-attached
    // (`crate::review::reattach`).
    let removed_ids: std::collections::HashSet<&str> = batch
        .forward
        .iter()
        .filter_map(|op| match op {
            Op::Remove(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let mut moved = 0;
    for op in &batch.forward {
        match op {
            Op::Add(c) if removed_ids.contains(c.id.as_str()) => {
                moved += 1;
                first.get_or_insert_with(|| {
                    let code = book
                        .by_id(&c.code)
                        .map_or(c.code.as_str(), |k| k.path.as_str());
                    format!("{} {}-{} {code}", c.transcript, c.start, c.end)
                });
            }
            Op::Add(c) => {
                added += 1;
                first.get_or_insert_with(|| {
                    let code = book
                        .by_id(&c.code)
                        .map_or(c.code.as_str(), |k| k.path.as_str());
                    format!("{} {}-{} {code}", c.transcript, c.start, c.end)
                });
            }
            Op::Remove(id) => {
                let again = batch
                    .forward
                    .iter()
                    .any(|op| matches!(op, Op::Add(c) if c.id == *id));
                if !again {
                    removed += 1;
                }
            }
            Op::Memo(..) | Op::Recode(..) => other += 1,
        }
    }
    let mut parts = Vec::new();
    if moved > 0 {
        parts.push(format!(
            "{moved} coding{} re-attached",
            if moved == 1 { "" } else { "s" }
        ));
    }
    if added > 0 {
        parts.push(format!(
            "{added} coding{} added",
            if added == 1 { "" } else { "s" }
        ));
    }
    if removed > 0 {
        parts.push(format!(
            "{removed} coding{} removed",
            if removed == 1 { "" } else { "s" }
        ));
    }
    if other > 0 {
        parts.push(format!(
            "{other} change{} to memos or codes",
            if other == 1 { "" } else { "s" }
        ));
    }
    let mut s = parts.join(", ");
    if let Some(f) = first {
        let _ = write!(s, " ({f}{})", if added + moved > 1 { ", …" } else { "" });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_checked() {
        let t = Transcript::new("p", "ANA: café\nBEN: 北京\n\nANA: end\n".into());
        assert_eq!(SpanSpec::Chars(5, 9).resolve(&t).unwrap(), (5, 9));
        assert!(
            SpanSpec::Chars(9, 5)
                .resolve(&t)
                .unwrap_err()
                .to_string()
                .contains("reversed")
        );
        assert!(
            SpanSpec::Chars(0, 99)
                .resolve(&t)
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert_eq!(SpanSpec::Lines(2, 2).resolve(&t).unwrap(), (15, 17));
        assert!(
            SpanSpec::Lines(3, 3)
                .resolve(&t)
                .unwrap_err()
                .to_string()
                .contains("blank")
        );
        assert!(SpanSpec::Lines(0, 1).resolve(&t).is_err());
        assert_eq!(SpanSpec::parse("2", true).unwrap(), SpanSpec::Lines(2, 2));
        assert!(SpanSpec::parse("2", false).is_err());
        assert!(SpanSpec::parse("3-x", false).is_err());
    }

    #[test]
    fn line_spans_cover_what_was_said_however_they_are_named() {
        let text = "[00:00:01] ÉLODIE: Première ligne 🚀\r\n\r\n[00:00:09] 李娜: 第二 line  \r\nmore of it\r\n\r\n";
        let t = Transcript::new("p", crate::import::normalize_newlines(text));
        let said = |a, b| {
            let (s, e) = SpanSpec::Lines(a, b).resolve(&t).unwrap();
            t.slice_chars(s, e).unwrap().to_owned()
        };
        // The label and timestamp are left out whether the blank line
        // before the turn is named or not; trailing blanks too.
        assert_eq!(said(3, 4), "第二 line  \nmore of it");
        assert_eq!(said(2, 5), said(3, 4));
        assert_eq!(said(2, 4), said(3, 4));
        assert_eq!(
            SpanSpec::Lines(2, 5).resolve(&t).unwrap(),
            SpanSpec::Lines(3, 4).resolve(&t).unwrap()
        );
        assert_eq!(said(1, 1), "Première ligne 🚀");
        assert_eq!(said(1, 2), "Première ligne 🚀");
        // A line inside a turn is taken as it is, without its own spaces.
        assert_eq!(said(4, 4), "more of it");
        assert!(SpanSpec::Lines(5, 5).resolve(&t).is_err());
    }

    #[test]
    fn regex_spans_are_code_points() {
        let t = Transcript::new("p", "é PyTorch 北京 PyTorch 🚀 pytorch".into());
        let spans = regex_spans(&t, "(?i)pytorch").unwrap();
        assert_eq!(spans, vec![(2, 9), (13, 20), (23, 30)]);
        for (s, e) in spans {
            assert_eq!(t.slice_chars(s, e).unwrap().to_lowercase(), "pytorch");
        }
    }
}
