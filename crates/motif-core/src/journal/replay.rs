//! Replaying a journal: applying its lines in order, keeping the undo and
//! redo stacks ([`Batch`], [`Op`]), and holding back a torn last line or an
//! unfinished write of several records (reported as a [`Problem`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{IoContext, Result};
use crate::shared::SharedStr;

use super::Journal;
use super::records::{Coding, CodingFields, Record, parse_record};

/// A change to the codings, as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Shared with the current codings: undo and redo copy no text.
    Add(Arc<Coding>),
    Remove(SharedStr),
    Memo(SharedStr, Option<SharedStr>),
    Recode(SharedStr, SharedStr),
}

/// A batch of changes and how to revert it.
#[derive(Debug, Clone)]
pub struct Batch {
    pub id: SharedStr,
    pub time: SharedStr,
    pub forward: Vec<Op>,
    pub inverse: Vec<Op>,
}

/// A problem found while reading a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// One line of a journal as read from the file: its bytes, or only its
/// length when it is longer than [`super::MAX_LINE_BYTES`] (such a line is
/// counted and reported, never held in memory).
enum RawLine {
    Text(Vec<u8>),
    TooLong(u64),
}

impl RawLine {
    fn is_empty(&self) -> bool {
        matches!(self, RawLine::Text(t) if t.is_empty())
    }
}

/// Parses one line, refusing one longer than [`super::MAX_LINE_BYTES`].
fn parse_line(raw: &RawLine) -> std::result::Result<(Record, usize), String> {
    let raw = match raw {
        RawLine::Text(t) => t,
        RawLine::TooLong(len) => {
            return Err(format!(
                "the line holds {} MiB, more than the {} MiB a journal line may hold",
                len >> 20,
                super::MAX_LINE_BYTES >> 20
            ));
        }
    };
    std::str::from_utf8(raw)
        .map_err(|e| e.to_string())
        .and_then(parse_record)
}

/// Reads a journal's lines one at a time, holding at most
/// [`super::MAX_LINE_BYTES`] of any line: a hostile journal (one endless
/// line) costs time, never memory.
struct LineReader<R> {
    r: std::io::BufReader<R>,
    /// Bytes read so far, complete lines and a torn tail alike.
    read: u64,
}

impl<R: Read> LineReader<R> {
    fn new(r: R) -> Self {
        LineReader {
            r: std::io::BufReader::with_capacity(1 << 20, r),
            read: 0,
        }
    }

    /// Skips a UTF-8 byte-order mark at the start; returns its length.
    fn skip_bom(&mut self) -> std::io::Result<u64> {
        if self.r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.r.consume(3);
            self.read = 3;
            return Ok(3);
        }
        Ok(0)
    }

    /// The next line (without its newline), the number of bytes read once
    /// it is consumed, and whether a newline ended it (the last line of a
    /// file may have none); `None` at the end of the file.
    fn next_line(&mut self) -> std::io::Result<Option<(RawLine, u64, bool)>> {
        let mut text = Vec::new();
        let mut len: u64 = 0;
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                // End of file: a last line without a newline, or nothing.
                if len == 0 {
                    return Ok(None);
                }
                self.read += len;
                let line = if len > super::MAX_LINE_BYTES as u64 {
                    RawLine::TooLong(len)
                } else {
                    RawLine::Text(text)
                };
                return Ok(Some((line, self.read, false)));
            }
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if len + take as u64 <= super::MAX_LINE_BYTES as u64 {
                text.extend_from_slice(&chunk[..take]);
            } else if text.capacity() > 0 {
                // Too long: let go of what was gathered.
                text = Vec::new();
            }
            len += take as u64;
            self.r.consume(take + usize::from(done));
            if done {
                self.read += len + 1;
                let line = if len > super::MAX_LINE_BYTES as u64 {
                    RawLine::TooLong(len)
                } else {
                    RawLine::Text(text)
                };
                return Ok(Some((line, self.read, true)));
            }
        }
    }
}

/// Whether a line is one of git's conflict markers.
fn is_conflict_marker(raw: &[u8]) -> bool {
    [&b"<<<<<<<"[..], b"|||||||", b"=======", b">>>>>>>"]
        .iter()
        .any(|m| raw.starts_with(m))
}

impl Journal {
    /// Reads whatever was appended since the last read (by this or another
    /// process) and replays it.
    pub(super) fn catch_up(&mut self, f: &mut File) -> Result<()> {
        f.seek(SeekFrom::Start(self.offset)).at(&self.path)?;
        self.replay(f).at(&self.path)
    }

    /// Replays the file from the current offset on, reading it line by
    /// line. What follows the last whole write (a torn last line, or the
    /// first lines of a write of several records whose other lines are
    /// missing) is held back: not applied, not counted, and set aside
    /// before the next append.
    pub(super) fn replay(&mut self, r: impl Read) -> std::io::Result<()> {
        let mut lines = LineReader::new(r);
        // A UTF-8 byte-order mark an editor put at the very start of the
        // file is not part of the first record.
        let bom = if self.offset == 0 {
            lines.skip_bom()?
        } else {
            0
        };
        let mut consumed: u64 = bom;
        let mut unfinished = None;
        while let Some((first, end, ended)) = lines.next_line()? {
            if std::mem::take(&mut self.unterminated) && ended && first.is_empty() {
                // The newline that ends the record read last time, written
                // since: part of that line, not a line of its own.
                consumed = end;
                continue;
            }
            let parsed = parse_line(&first);
            let group = parsed.as_ref().map_or(1, |&(_, n)| n);
            if !ended {
                // A last line with no newline: a whole record still counts
                // (no shorter piece of a record parses as one), anything
                // else is a torn write, held back below.
                if group == 1 && parsed.is_ok() {
                    self.replay_line(&first, parsed);
                    self.unterminated = true;
                    consumed = end;
                }
                break;
            }
            // A write of several records counts only once all are on disk.
            let mut members = Vec::new();
            let mut group_end = end;
            while members.len() + 1 < group {
                match lines.next_line()? {
                    Some((line, end, true)) => {
                        members.push(line);
                        group_end = end;
                    }
                    Some((_, _, false)) | None => break,
                }
            }
            if members.len() + 1 < group {
                unfinished = Some((members.len() + 1, group));
                break;
            }
            self.replay_line(&first, parsed);
            for member in &members {
                let parsed = parse_line(member);
                self.replay_line(member, parsed);
            }
            consumed = group_end;
        }
        let total = lines.read;
        self.offset += consumed;
        self.torn = None;
        if consumed < total {
            self.torn = Some((self.offset, self.lines + 1));
            let what = match unfinished {
                Some((have, of)) => format!(
                    "incomplete last write ({have} of its {of} lines, probably a crash while writing); none of it is counted"
                ),
                None => format!(
                    "incomplete last record ({} bytes, probably a crash while writing); it is not counted",
                    total - consumed
                ),
            };
            self.problems.push(Problem {
                path: self.path.clone(),
                line: self.lines + 1,
                message: format!(
                    "{what} and will be set aside in {}",
                    self.torn_path().display()
                ),
            });
        }
        Ok(())
    }

    /// Counts and applies one whole line (a blank one is skipped, an
    /// unreadable one reported).
    fn replay_line(&mut self, raw: &RawLine, parsed: std::result::Result<(Record, usize), String>) {
        self.lines += 1;
        if raw.is_empty() {
            return;
        }
        match parsed {
            Ok((rec, _)) => self.apply_line(rec, self.lines),
            Err(_) if matches!(raw, RawLine::Text(t) if is_conflict_marker(t)) => {
                self.problems.push(Problem {
                    path: self.path.clone(),
                    line: self.lines,
                    message: "a git merge conflict marker (the journal was merged without the \
                          project's .gitattributes); the records of both sides are read. Delete \
                          the marker lines and run `motif git-setup` so that the next merge \
                          keeps both sides on its own"
                        .into(),
                });
            }
            Err(e) => self.problems.push(Problem {
                path: self.path.clone(),
                line: self.lines,
                message: format!("unreadable record, skipped ({e})"),
            }),
        }
    }

    /// Where torn records are set aside.
    pub fn torn_path(&self) -> PathBuf {
        self.path.with_extension("torn")
    }

    fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem {
            path: self.path.clone(),
            line,
            message,
        });
    }

    // Records of one batch arrive consecutively; a batch is applied when
    // its first record arrives and extended by the following ones.
    fn apply_line(&mut self, rec: Record, line: usize) {
        let batch_id = rec.batch().to_owned();
        match rec {
            Record::Undo { .. } | Record::Redo { .. } if !self.history => {
                self.needs_history = true;
            }
            Record::Undo { batch, .. } => self.apply_undo(&batch, line),
            Record::Redo { batch, .. } => self.apply_redo(&batch, line),
            other => {
                let (op, undoable, time) = self.op_of(other);
                let inverse = match self.apply_op(op.clone()) {
                    Ok(inv) => inv,
                    Err(msg) => {
                        if !msg.is_empty() {
                            self.problem(line, msg);
                        }
                        return;
                    }
                };
                if !undoable || !self.history {
                    return;
                }
                self.push_undoable(batch_id, time, op, inverse);
            }
        }
    }

    /// Replays an `undo` record: reverts batch `batch`, the latest of that
    /// id on the undo stack, and moves it to the redo stack.
    fn apply_undo(&mut self, batch: &str, line: usize) {
        let Some(pos) = self.done.iter().rposition(|b| b.id == batch) else {
            if self.undone.iter().any(|b| b.id == batch) {
                // Undone already: the same undo from two merged histories.
                return;
            }
            self.problem(
                line,
                format!("undo of batch {batch}, which is not on the undo stack; ignored"),
            );
            return;
        };
        let b = self.done.remove(pos);
        for op in b.inverse.iter().rev() {
            let _ = self.apply_op(op.clone());
        }
        self.undone.push(b);
    }

    /// Replays a `redo` record: re-applies batch `batch` from the redo
    /// stack and moves it back to the undo stack with fresh inverses.
    fn apply_redo(&mut self, batch: &str, line: usize) {
        let Some(pos) = self.undone.iter().rposition(|b| b.id == batch) else {
            if self.done.iter().any(|b| b.id == batch) {
                // Applied already: the same redo from two merged histories.
                return;
            }
            self.problem(
                line,
                format!("redo of batch {batch}, which is not on the redo stack; ignored"),
            );
            return;
        };
        let mut b = self.undone.remove(pos);
        if pos < self.redo_floor {
            self.redo_floor -= 1;
        }
        b.inverse.clear();
        for op in b.forward.clone() {
            if let Ok(inv) = self.apply_op(op) {
                b.inverse.push(inv);
            }
        }
        self.done.push(b);
    }

    /// The change a record other than `undo` or `redo` makes, whether it
    /// can be undone, and its time.
    fn op_of(&self, rec: Record) -> (Op, bool, SharedStr) {
        match rec {
            Record::Add {
                time,
                id,
                transcript,
                start,
                end,
                code,
                memo,
                anchor,
                undoable,
                ..
            } => {
                let c = Coding::new(CodingFields {
                    id: &id,
                    transcript: &transcript,
                    start,
                    end,
                    code: &code,
                    coder: &self.coder,
                    time: &time,
                    memo: memo.as_deref(),
                    anchor: [&anchor.quote, &anchor.before, &anchor.after, &anchor.hash],
                });
                let time = c.time.clone();
                (Op::Add(Arc::new(c)), undoable, time)
            }
            Record::Remove {
                id, undoable, time, ..
            } => (Op::Remove(id.into()), undoable, time.into()),
            Record::Memo { id, memo, time, .. } => (
                Op::Memo(id.into(), memo.map(SharedStr::from)),
                true,
                time.into(),
            ),
            Record::Recode { id, code, time, .. } => {
                (Op::Recode(id.into(), code.into()), true, time.into())
            }
            Record::Undo { .. } | Record::Redo { .. } => unreachable!("handled by apply_line"),
        }
    }

    /// Puts an applied change on the undo stack: it extends the batch on
    /// top if it has the same id, else it starts a new batch (and clears
    /// the redo stack).
    fn push_undoable(&mut self, batch_id: String, time: SharedStr, op: Op, inverse: Op) {
        match self.done.last_mut() {
            Some(b) if b.id == batch_id => {
                b.forward.push(op);
                b.inverse.push(inverse);
            }
            _ => {
                // A new batch ends what `redo` reaches; the batches stay
                // for a `redo` record merged in from another machine.
                self.redo_floor = self.undone.len();
                self.done.push(Batch {
                    id: batch_id.into(),
                    time,
                    forward: vec![op],
                    inverse: vec![inverse],
                });
            }
        }
    }

    /// Applies one change; returns its inverse.
    fn apply_op(&mut self, op: Op) -> std::result::Result<Op, String> {
        match op {
            Op::Add(c) => {
                let id = c.id.clone();
                let n = self.next_seq;
                if let Some((_, had)) = self.codings.get(&id)
                    && **had == *c
                {
                    // The same record twice: a union merge of two
                    // histories that both hold it. Applied once.
                    return Err(String::new());
                }
                if !self.insert_live(n, c) {
                    return Err(format!("coding {id} is added twice; the second is ignored"));
                }
                self.next_seq += 1;
                Ok(Op::Remove(id))
            }
            Op::Remove(id) => match self.codings.remove(&id) {
                Some((n, c)) => {
                    self.order.remove(&n);
                    if let Some(m) = self.by_transcript.get_mut(&c.transcript) {
                        m.remove(&n);
                    }
                    Ok(Op::Add(c))
                }
                // Removed already (by both sides of a merged history, say):
                // nothing to do, nothing lost.
                None => Err(String::new()),
            },
            Op::Memo(id, memo) => {
                match self.change(&id, |c| std::mem::replace(&mut c.memo, memo)) {
                    Some(old) => Ok(Op::Memo(id, old)),
                    None => Err(format!(
                        "memo on coding {id}, which does not exist; ignored"
                    )),
                }
            }
            Op::Recode(id, code) => {
                match self.change(&id, |c| std::mem::replace(&mut c.code, code)) {
                    Some(old) => Ok(Op::Recode(id, old)),
                    None => Err(format!(
                        "re-coding of coding {id}, which does not exist; ignored"
                    )),
                }
            }
        }
    }

    /// Makes `c` current as the `n`th coding; false if its id is taken.
    pub(super) fn insert_live(&mut self, n: u64, c: Arc<Coding>) -> bool {
        if self.codings.contains_key(&c.id) {
            return false;
        }
        self.order.insert(n, Arc::clone(&c));
        match self.by_transcript.get_mut(&c.transcript) {
            Some(m) => {
                m.insert(n, Arc::clone(&c));
            }
            None => {
                self.by_transcript
                    .insert(c.transcript.clone(), BTreeMap::from([(n, Arc::clone(&c))]));
            }
        }
        self.codings.insert(c.id.clone(), (n, c));
        true
    }

    /// Changes current coding `id` with `f` (copying it first if an undo
    /// step still holds it); `None` if there is no such coding.
    fn change<R>(&mut self, id: &str, f: impl FnOnce(&mut Coding) -> R) -> Option<R> {
        let (n, c) = self.codings.get_mut(id)?;
        let n = *n;
        // Let go of the listing's references so that the coding is copied
        // only when an undo step shares it.
        self.order.remove(&n);
        if let Some(m) = self.by_transcript.get_mut(&c.transcript) {
            m.remove(&n);
        }
        let out = f(Arc::make_mut(c));
        self.order.insert(n, Arc::clone(c));
        self.by_transcript
            .entry(c.transcript.clone())
            .or_default()
            .insert(n, Arc::clone(c));
        Some(out)
    }
}
