//! The coding journal: one append-only JSON Lines file per coder under
//! `codings/`, the source of truth for codings.
//!
//! Every change is a *batch* of records (add, remove, memo, recode) that
//! share a batch id and are written with one `write` and one fsync under an
//! exclusive lock on the file; the first record of a write of several
//! records says how many there are (`"n"`), and replay applies such a group
//! only once all of its lines are on disk. A crash in the middle of a write
//! (which can leave part of it behind) therefore never applies a batch in
//! part: a batch is either on disk whole or not reported as saved. `undo`
//! and `redo` records name a batch; replaying the file from the top
//! rebuilds the codings and both stacks, so undo works across restarts. A
//! torn last line or an unfinished write of several records (a crash
//! mid-write) is reported and, before the next append, moved to
//! `codings/CODER.torn`; a malformed line elsewhere is reported and
//! skipped; neither is ever fatal.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::cache::{Checksum, Reader, Writer};
use super::error::{Error, IoContext, Result};
use super::fsio::sync_dir;
use super::shared::SharedStr;

/// What a coding carries so it can be found again if its transcript
/// changes: the covered text, a little context, and the transcript's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub quote: SharedStr,
    #[serde(default)]
    pub before: SharedStr,
    #[serde(default)]
    pub after: SharedStr,
    pub hash: SharedStr,
}

/// One coding: a code applied by a coder to a span of a transcript.
/// `start` and `end` are code points at the time of coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub id: SharedStr,
    pub transcript: SharedStr,
    pub start: usize,
    pub end: usize,
    /// The code's stable id.
    pub code: SharedStr,
    pub coder: SharedStr,
    pub time: SharedStr,
    pub memo: Option<SharedStr>,
    pub anchor: Anchor,
}

/// The fields of a coding, borrowed: [`Coding::new`] keeps its strings in
/// one buffer (see [`super::shared`]).
#[derive(Debug, Clone, Copy)]
pub struct CodingFields<'a> {
    pub id: &'a str,
    pub transcript: &'a str,
    pub start: usize,
    pub end: usize,
    pub code: &'a str,
    pub coder: &'a str,
    pub time: &'a str,
    pub memo: Option<&'a str>,
    /// Quote, context before, context after, transcript hash.
    pub anchor: [&'a str; 4],
}

impl Coding {
    /// A coding with `f`'s fields, its strings in one buffer.
    pub fn new(f: CodingFields<'_>) -> Coding {
        let [q, b, a, h] = f.anchor;
        let memo = f.memo.unwrap_or("");
        let [
            id,
            transcript,
            code,
            coder,
            time,
            memo_s,
            quote,
            before,
            after,
            hash,
        ] = SharedStr::pack([
            f.id,
            f.transcript,
            f.code,
            f.coder,
            f.time,
            memo,
            q,
            b,
            a,
            h,
        ]);
        Coding {
            id,
            transcript,
            start: f.start,
            end: f.end,
            code,
            coder,
            time,
            memo: f.memo.map(|_| memo_s),
            anchor: Anchor {
                quote,
                before,
                after,
                hash,
            },
        }
    }
}

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Record {
    Add {
        batch: String,
        time: String,
        id: String,
        transcript: String,
        start: usize,
        end: usize,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        memo: Option<String>,
        #[serde(flatten)]
        anchor: Anchor,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        undoable: bool,
    },
    Remove {
        batch: String,
        time: String,
        id: String,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        undoable: bool,
    },
    Memo {
        batch: String,
        time: String,
        id: String,
        memo: Option<String>,
    },
    Recode {
        batch: String,
        time: String,
        id: String,
        code: String,
    },
    Undo {
        batch: String,
        time: String,
    },
    Redo {
        batch: String,
        time: String,
    },
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(b: &bool) -> bool {
    *b
}

impl Record {
    fn batch(&self) -> &str {
        match self {
            Record::Add { batch, .. }
            | Record::Remove { batch, .. }
            | Record::Memo { batch, .. }
            | Record::Recode { batch, .. }
            | Record::Undo { batch, .. }
            | Record::Redo { batch, .. } => batch,
        }
    }

    /// The record that adds `c` in batch `batch`.
    pub fn add(batch: &str, c: &Coding) -> Record {
        Record::Add {
            batch: batch.to_owned(),
            time: c.time.to_string(),
            id: c.id.to_string(),
            transcript: c.transcript.to_string(),
            start: c.start,
            end: c.end,
            code: c.code.to_string(),
            memo: c.memo.as_deref().map(str::to_owned),
            anchor: c.anchor.clone(),
            undoable: true,
        }
    }
}

/// Every field a record may have, read in one pass (much faster than
/// serde's internally tagged and flattened enums, which buffer each line).
#[derive(Deserialize)]
struct RawRecord {
    op: String,
    batch: String,
    time: String,
    id: Option<String>,
    transcript: Option<String>,
    start: Option<usize>,
    end: Option<usize>,
    code: Option<String>,
    // Missing (`None`) and `null` (`Some(None)`) mean different things.
    #[allow(clippy::option_option)]
    #[serde(default, deserialize_with = "present")]
    memo: Option<Option<String>>,
    quote: Option<String>,
    before: Option<String>,
    after: Option<String>,
    hash: Option<String>,
    undoable: Option<bool>,
    /// On the first record of a write of several records: how many lines
    /// the write holds.
    n: Option<usize>,
}

/// Distinguishes a missing field (`None`) from `null` (`Some(None)`).
#[allow(clippy::option_option)]
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Parses one journal line: its record and the number of lines of the
/// write it opens (1 unless it carries `"n"`).
fn parse_record(line: &str) -> std::result::Result<(Record, usize), String> {
    let RawRecord {
        op,
        batch,
        time,
        id,
        transcript,
        start,
        end,
        code,
        memo,
        quote,
        before,
        after,
        hash,
        undoable,
        n,
    } = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let group = n.unwrap_or(1);
    if group == 0 {
        return Err("a record opening a write of 0 lines".into());
    }
    let need =
        |v: Option<String>, name: &str| v.ok_or_else(|| format!("`{op}` record without `{name}`"));
    let undoable = undoable.unwrap_or(true);
    let rec = match op.as_str() {
        "add" => Record::Add {
            batch,
            time,
            id: need(id, "id")?,
            transcript: need(transcript, "transcript")?,
            start: start.ok_or("`add` record without `start`")?,
            end: end.ok_or("`add` record without `end`")?,
            code: need(code, "code")?,
            memo: memo.flatten(),
            anchor: Anchor {
                quote: need(quote, "quote")?.into(),
                before: before.unwrap_or_default().into(),
                after: after.unwrap_or_default().into(),
                hash: need(hash, "hash")?.into(),
            },
            undoable,
        },
        "remove" => Record::Remove {
            batch,
            time,
            id: need(id, "id")?,
            undoable,
        },
        "memo" => Record::Memo {
            batch,
            time,
            id: need(id, "id")?,
            memo: memo.ok_or("`memo` record without `memo`")?,
        },
        "recode" => Record::Recode {
            batch,
            time,
            id: need(id, "id")?,
            code: need(code, "code")?,
        },
        "undo" => Record::Undo { batch, time },
        "redo" => Record::Redo { batch, time },
        other => return Err(format!("unknown operation `{other}`")),
    };
    Ok((rec, group))
}

/// The bytes of one write: each record on its own line, the first one
/// carrying the number of lines when there are several (see the module
/// doc).
fn encode(records: &[Record]) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let line = serde_json::to_vec(r).map_err(|e| Error::invalid(e.to_string()))?;
        match line.strip_prefix(b"{") {
            Some(rest) if i == 0 && records.len() > 1 => {
                buf.extend_from_slice(format!("{{\"n\":{},", records.len()).as_bytes());
                buf.extend_from_slice(rest);
            }
            _ => buf.extend_from_slice(&line),
        }
        buf.push(b'\n');
    }
    Ok(buf)
}

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

/// One coder's codings, replayed from their journal.
#[derive(Debug, Clone)]
pub struct Journal {
    pub path: PathBuf,
    /// The lock file shared by every process that reads or writes this
    /// journal (kept apart so that a journal is only created when a
    /// record is written).
    lock_path: PathBuf,
    pub coder: String,
    /// `coder`, shared by every coding.
    coder_shared: SharedStr,
    /// Current codings by id, with their place in insertion order. The
    /// same `Arc` is in `order` and `by_transcript`.
    codings: FxHashMap<SharedStr, (u64, Arc<Coding>)>,
    /// Current codings in insertion order (for stable listings).
    order: BTreeMap<u64, Arc<Coding>>,
    /// Per transcript, its current codings in insertion order.
    by_transcript: FxHashMap<SharedStr, BTreeMap<u64, Arc<Coding>>>,
    next_seq: u64,
    done: Vec<Batch>,
    undone: Vec<Batch>,
    /// Whether `done` and `undone` hold the undo and redo stacks: always,
    /// except in a journal opened for reading that was restored from its
    /// snapshot.
    history: bool,
    /// Opened for reading ([`Journal::open_for_reading`]): it refuses to be
    /// written, whether or not its stacks were loaded.
    read_only: bool,
    /// An undo or redo record was met while the stacks were not loaded.
    needs_history: bool,
    /// Bytes of the file replayed so far (always at a line boundary).
    offset: u64,
    lines: usize,
    pub problems: Vec<Problem>,
    /// A torn last line seen by the last read, if any.
    torn: Option<(u64, usize)>,
    /// Where the replayed state is cached (see [`super::cache`]), if
    /// anywhere.
    snapshot: Option<PathBuf>,
}

/// A snapshot is rewritten when opening had to replay more than this many
/// bytes past it.
const SNAPSHOT_AFTER_BYTES: usize = 256 * 1024;
const SNAPSHOT_KIND: &str = "journal";

impl Journal {
    /// Reads a coder's journal; a missing file is an empty journal.
    /// `lock_path` names the lock file that serializes writers.
    pub fn open(path: &Path, lock_path: &Path, coder: &str) -> Result<Journal> {
        Journal::open_cached(path, lock_path, coder, None)
    }

    /// A journal with nothing replayed yet.
    fn empty(path: &Path, lock_path: &Path, coder: &str, snapshot: Option<PathBuf>) -> Journal {
        Journal {
            path: path.to_path_buf(),
            lock_path: lock_path.to_path_buf(),
            coder: coder.to_owned(),
            coder_shared: coder.into(),
            codings: FxHashMap::default(),
            order: BTreeMap::new(),
            by_transcript: FxHashMap::default(),
            next_seq: 0,
            done: Vec::new(),
            undone: Vec::new(),
            history: true,
            read_only: false,
            needs_history: false,
            offset: 0,
            lines: 0,
            problems: Vec::new(),
            torn: None,
            snapshot,
        }
    }

    /// Like [`Journal::open`], with a snapshot of the replayed state kept
    /// at `snapshot`: when the journal still begins with the bytes the
    /// snapshot was taken from, only what was appended since is replayed;
    /// otherwise the whole journal is, and the snapshot is rewritten.
    pub fn open_cached(
        path: &Path,
        lock_path: &Path,
        coder: &str,
        snapshot: Option<PathBuf>,
    ) -> Result<Journal> {
        Journal::open_with(
            path,
            lock_path,
            coder,
            snapshot,
            SNAPSHOT_AFTER_BYTES,
            false,
        )
    }

    /// Like [`Journal::open_cached`] for a journal that is only read
    /// (reports, exports): restored from its snapshot, it leaves the undo
    /// and redo stacks unread, which saves a large project's loading a
    /// tenth of its memory. Such a journal refuses to be written, and its
    /// [`Journal::undo_target`] and [`Journal::redo_target`] say nothing.
    /// Like any opening, it rewrites the snapshot (a derived cache) after
    /// replaying the journal whole or a long tail.
    pub fn open_for_reading(
        path: &Path,
        lock_path: &Path,
        coder: &str,
        snapshot: Option<PathBuf>,
    ) -> Result<Journal> {
        Journal::open_with(path, lock_path, coder, snapshot, SNAPSHOT_AFTER_BYTES, true)
    }

    /// [`Journal::open_cached`], rewriting the snapshot once more than
    /// `rewrite_after` bytes had to be replayed; `for_reading`: see
    /// [`Journal::open_for_reading`].
    fn open_with(
        path: &Path,
        lock_path: &Path,
        coder: &str,
        snapshot: Option<PathBuf>,
        rewrite_after: usize,
        for_reading: bool,
    ) -> Result<Journal> {
        let mut j = Journal::empty(path, lock_path, coder, snapshot.clone());
        j.read_only = for_reading;
        // A read-only project can still be read, without the lock.
        let guard = j.lock_file().ok().filter(|l| l.lock_shared().is_ok());
        let mut f = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(j),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut sum = Checksum::new();
        if let Some(snap) = j.snapshot.clone()
            && let Some(prefix_sum) = j.restore(&snap, &mut f, for_reading)
        {
            sum = prefix_sum;
        }
        f.seek(SeekFrom::Start(j.offset)).at(path)?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).at(path)?;
        let from = j.offset;
        j.replay(&tail);
        let replayed = (j.offset - from) as usize;
        if !j.history && (j.needs_history || replayed > rewrite_after) {
            // What was appended undoes or redoes (which needs the stacks),
            // or is worth a new snapshot: read the journal whole.
            drop(guard);
            let mut whole =
                Journal::open_with(path, lock_path, coder, snapshot, rewrite_after, false)?;
            whole.read_only = true;
            return Ok(whole);
        }
        if replayed > rewrite_after {
            sum.update(&tail[..replayed]);
            j.save_snapshot(sum.finish());
        }
        Ok(j)
    }

    /// Current codings of this coder, in the order they were made.
    pub fn codings(&self) -> Vec<&Coding> {
        self.order.values().map(|c| &**c).collect()
    }

    /// Current codings of this coder on one transcript, in the order they
    /// were made.
    pub fn codings_in(&self, transcript: &str) -> Vec<&Coding> {
        self.by_transcript
            .get(transcript)
            .map(|m| m.values().map(|c| &**c).collect())
            .unwrap_or_default()
    }

    /// A coding by id.
    pub fn get(&self, id: &str) -> Option<&Coding> {
        self.codings.get(id).map(|(_, c)| &**c)
    }

    /// Number of current codings.
    pub fn len(&self) -> usize {
        self.codings.len()
    }

    /// Whether the coder has no codings.
    pub fn is_empty(&self) -> bool {
        self.codings.is_empty()
    }

    /// The batch `undo` would revert (`None` also in a journal opened for
    /// reading, which may not have read its stacks).
    pub fn undo_target(&self) -> Option<&Batch> {
        self.done.last()
    }

    /// The batch `redo` would re-apply (see [`Journal::undo_target`]).
    pub fn redo_target(&self) -> Option<&Batch> {
        self.undone.last()
    }

    /// Reads whatever was appended since the last read (by this or another
    /// process) and replays it.
    fn catch_up(&mut self, f: &mut File) -> Result<()> {
        f.seek(SeekFrom::Start(self.offset)).at(&self.path)?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).at(&self.path)?;
        self.replay(&buf);
        Ok(())
    }

    /// Replays `buf`, the bytes of the file from the current offset on.
    /// What follows the last whole write (a torn last line, or the first
    /// lines of a write of several records whose other lines are missing)
    /// is held back: not applied, not counted, and set aside before the
    /// next append.
    fn replay(&mut self, buf: &[u8]) {
        // Each complete line and the offset just past its newline.
        let mut lines: Vec<(&[u8], usize)> = Vec::new();
        let mut at = 0;
        while let Some(i) = buf[at..].iter().position(|&b| b == b'\n') {
            lines.push((&buf[at..at + i], at + i + 1));
            at += i + 1;
        }
        let mut consumed = 0;
        let mut i = 0;
        let mut unfinished = None;
        while i < lines.len() {
            let (raw, _) = lines[i];
            let parsed = std::str::from_utf8(raw)
                .map_err(|e| e.to_string())
                .and_then(parse_record);
            let group = parsed.as_ref().map_or(1, |&(_, n)| n);
            if i + group > lines.len() {
                unfinished = Some((lines.len() - i, group));
                break;
            }
            self.replay_line(raw, parsed);
            for &(member, _) in &lines[i + 1..i + group] {
                let parsed = std::str::from_utf8(member)
                    .map_err(|e| e.to_string())
                    .and_then(parse_record);
                self.replay_line(member, parsed);
            }
            i += group;
            consumed = lines[i - 1].1;
        }
        self.offset += consumed as u64;
        self.torn = None;
        if consumed < buf.len() {
            self.torn = Some((self.offset, self.lines + 1));
            let what = match unfinished {
                Some((have, of)) => format!(
                    "incomplete last write ({have} of its {of} lines, probably a crash while writing); none of it is counted"
                ),
                None => format!(
                    "incomplete last record ({} bytes, probably a crash while writing); it is not counted",
                    buf.len() - consumed
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
    }

    /// Counts and applies one whole line (a blank one is skipped, an
    /// unreadable one reported).
    fn replay_line(&mut self, raw: &[u8], parsed: std::result::Result<(Record, usize), String>) {
        self.lines += 1;
        if raw.is_empty() {
            return;
        }
        match parsed {
            Ok((rec, _)) => self.apply_line(rec, self.lines),
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
            Record::Undo { batch, .. } => {
                let Some(pos) = self.done.iter().rposition(|b| b.id == batch) else {
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
            Record::Redo { batch, .. } => {
                let Some(pos) = self.undone.iter().rposition(|b| b.id == batch) else {
                    self.problem(
                        line,
                        format!("redo of batch {batch}, which is not on the redo stack; ignored"),
                    );
                    return;
                };
                let mut b = self.undone.remove(pos);
                b.inverse.clear();
                for op in b.forward.clone() {
                    if let Ok(inv) = self.apply_op(op) {
                        b.inverse.push(inv);
                    }
                }
                self.done.push(b);
            }
            other => {
                let (op, undoable, time) = match other {
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
                    Record::Undo { .. } | Record::Redo { .. } => unreachable!("handled above"),
                };
                let inverse = match self.apply_op(op.clone()) {
                    Ok(inv) => inv,
                    Err(msg) => {
                        self.problem(line, msg);
                        return;
                    }
                };
                if !undoable || !self.history {
                    return;
                }
                match self.done.last_mut() {
                    Some(b) if b.id == batch_id => {
                        b.forward.push(op);
                        b.inverse.push(inverse);
                    }
                    _ => {
                        self.undone.clear();
                        self.done.push(Batch {
                            id: batch_id.into(),
                            time,
                            forward: vec![op],
                            inverse: vec![inverse],
                        });
                    }
                }
            }
        }
    }

    /// Applies one change; returns its inverse.
    fn apply_op(&mut self, op: Op) -> std::result::Result<Op, String> {
        match op {
            Op::Add(c) => {
                let id = c.id.clone();
                let n = self.next_seq;
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
                None => Err(format!(
                    "removal of coding {id}, which does not exist; ignored"
                )),
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
    fn insert_live(&mut self, n: u64, c: Arc<Coding>) -> bool {
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

    /// Writes a batch durably: under an exclusive lock, first replays what
    /// other processes appended, then asks `make` for the records (so it
    /// decides on current data), appends them with one write, fsyncs, and
    /// replays them. Returns what `make` returned besides the records.
    pub fn transact<T>(
        &mut self,
        make: impl FnOnce(&Journal) -> Result<(Vec<Record>, T)>,
    ) -> Result<T> {
        if self.read_only {
            return Err(Error::invalid(format!(
                "internal error: {} was opened for reading and cannot be written",
                self.path.display()
            )));
        }
        let lock = self.lock_file()?;
        lock.lock().map_err(|e| {
            Error::invalid(format!(
                "cannot lock {}: {e}; is the project on a file system without locks?",
                self.lock_path.display()
            ))
        })?;
        let mut existing = match OpenOptions::new().read(true).append(true).open(&self.path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        if let Some(f) = existing.as_mut() {
            self.catch_up(f)?;
            if let Some((at, line)) = self.torn.take() {
                self.set_aside(f, at, line)?;
            }
        }
        let (records, out) = make(self)?;
        if records.is_empty() {
            return Ok(out);
        }
        let mut f = if let Some(f) = existing {
            f
        } else {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).at(dir)?;
            }
            let f = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(&self.path)
                .at(&self.path)?;
            sync_dir(self.path.parent().unwrap_or(Path::new(".")))?;
            f
        };
        let buf = encode(&records)?;
        f.write_all(&buf).at(&self.path)?;
        f.sync_data().at(&self.path)?;
        self.catch_up(&mut f)?;
        Ok(out)
    }

    /// Opens (creating) the lock file.
    fn lock_file(&self) -> Result<File> {
        if let Some(dir) = self.lock_path.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .at(&self.lock_path)
    }

    /// Moves a torn tail to `CODER.torn` and cuts it from the journal.
    fn set_aside(&mut self, f: &mut File, at: u64, line: usize) -> Result<()> {
        f.seek(SeekFrom::Start(at)).at(&self.path)?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).at(&self.path)?;
        let torn = self.torn_path();
        let mut out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&torn)
            .at(&torn)?;
        let mut rec = format!(
            "# set aside from {} line {line} at {}\n",
            self.path.file_name().unwrap_or_default().to_string_lossy(),
            super::ids::now_rfc3339()
        )
        .into_bytes();
        rec.extend_from_slice(&tail);
        rec.push(b'\n');
        out.write_all(&rec).at(&torn)?;
        out.sync_all().at(&torn)?;
        sync_dir(torn.parent().unwrap_or(Path::new(".")))?;
        f.set_len(at).at(&self.path)?;
        f.sync_all().at(&self.path)?;
        Ok(())
    }

    /// Caches the state replayed from the journal's first `self.offset`
    /// bytes, whose checksum is `prefix_sum`. Failing to write a cache
    /// changes nothing. Strings go to the snapshot's string heap (read
    /// back as slices of it); transcript ids, code ids and transcript
    /// hashes, repeated on many codings, are written once in a table and
    /// referred to by number.
    fn save_snapshot(&self, prefix_sum: [u8; 32]) {
        let Some(path) = self.snapshot.as_ref().filter(|_| self.history) else {
            return;
        };
        let mut w = Writer::new();
        w.u64(self.offset);
        w.bytes(&prefix_sum);
        w.str(&self.coder);
        w.usize(self.lines);
        w.u64(self.next_seq);
        let mut table = Interned::default();
        let codings = self
            .order
            .values()
            .chain(self.done.iter().chain(&self.undone).flat_map(|b| {
                b.forward
                    .iter()
                    .chain(&b.inverse)
                    .filter_map(|op| match op {
                        Op::Add(c) => Some(c),
                        _ => None,
                    })
            }));
        for c in codings {
            for s in [&c.transcript, &c.code, &c.anchor.hash] {
                table.add(s);
            }
        }
        w.usize(table.list.len());
        for s in &table.list {
            w.shared(s);
        }
        w.usize(self.order.len());
        // An undo step that adds back a current coding refers to it by
        // its place in this list.
        let mut live: FxHashMap<*const Coding, u64> = FxHashMap::default();
        for (i, (&n, c)) in self.order.iter().enumerate() {
            w.varint(n);
            put_coding(&mut w, &table, c);
            live.insert(Arc::as_ptr(c), i as u64);
        }
        // The problems come before the stacks, which reading can skip.
        // Only problems of the lines replayed: an unfinished last write is
        // past them, is replayed again after the snapshot, and is reported
        // then (or, once set aside, no more).
        let kept: Vec<&Problem> = self
            .problems
            .iter()
            .filter(|p| p.line <= self.lines)
            .collect();
        w.usize(kept.len());
        for p in kept {
            w.usize(p.line);
            w.str(&p.message);
        }
        for stack in [&self.done, &self.undone] {
            w.usize(stack.len());
            for b in stack {
                w.shared(&b.id);
                w.shared(&b.time);
                for ops in [&b.forward, &b.inverse] {
                    w.usize(ops.len());
                    for op in ops {
                        put_op(&mut w, &table, &live, op);
                    }
                }
            }
        }
        let _ = super::cache::write(path, SNAPSHOT_KIND, w);
    }

    /// Restores the state cached in `snapshot` if the journal `f` still
    /// begins with the bytes it was taken from, and returns the checksum
    /// of those bytes, ready to be continued; otherwise leaves the journal
    /// empty, to be replayed from the top.
    fn restore(&mut self, snapshot: &Path, f: &mut File, for_reading: bool) -> Option<Checksum> {
        let (values, heap) = super::cache::read(snapshot, SNAPSHOT_KIND)?.into_parts()?;
        let mut r = Reader::with_heap(&values, &heap);
        let len = r.u64()?;
        let expected = r.bytes()?;
        if r.str()? != self.coder {
            return None;
        }
        // Stream the prefix rather than hold the whole journal.
        let mut sum = Checksum::new();
        f.seek(SeekFrom::Start(0)).ok()?;
        let mut prefix = (&mut *f).take(len);
        let mut buf = vec![0u8; 1 << 20];
        let mut seen = 0u64;
        loop {
            let n = prefix.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            sum.update(&buf[..n]);
            seen += n as u64;
        }
        if seen != len || sum.clone().finish()[..] != *expected {
            return None;
        }
        let mut fresh = Journal::empty(
            &self.path,
            &self.lock_path,
            &self.coder,
            self.snapshot.clone(),
        );
        fresh.offset = len;
        fresh.read_only = self.read_only;
        fresh.decode_state(&mut r, for_reading)?;
        if fresh.history && !r.at_end() {
            return None;
        }
        *self = fresh;
        Some(sum)
    }

    /// Decodes a snapshot's state; `without_history` stops before the
    /// undo and redo stacks.
    fn decode_state(&mut self, r: &mut Reader<'_>, without_history: bool) -> Option<()> {
        self.lines = r.usize()?;
        self.next_seq = r.u64()?;
        let table: Vec<SharedStr> = (0..r.count(1)?)
            .map(|_| r.shared())
            .collect::<Option<_>>()?;
        let n = r.count(8)?;
        self.codings.reserve(n);
        let mut live = Vec::with_capacity(n);
        for _ in 0..n {
            let seq = r.varint()?;
            let c = Arc::new(get_coding(r, &table, &self.coder_shared)?);
            if !self.insert_live(seq, Arc::clone(&c)) {
                return None;
            }
            live.push(c);
        }
        for _ in 0..r.count(16)? {
            let line = r.usize()?;
            let message = r.string()?;
            self.problems.push(Problem {
                path: self.path.clone(),
                line,
                message,
            });
        }
        if without_history {
            self.history = false;
            return Some(());
        }
        for undone in [false, true] {
            let n = r.count(4)?;
            let mut stack = Vec::with_capacity(n);
            for _ in 0..n {
                let id = r.shared()?;
                let time = r.shared()?;
                let mut ops = [Vec::new(), Vec::new()];
                for list in &mut ops {
                    let n = r.count(2)?;
                    list.reserve_exact(n);
                    for _ in 0..n {
                        list.push(self.get_op(r, &table, &live)?);
                    }
                }
                let [forward, inverse] = ops;
                stack.push(Batch {
                    id,
                    time,
                    forward,
                    inverse,
                });
            }
            if undone {
                self.undone = stack;
            } else {
                self.done = stack;
            }
        }
        Some(())
    }

    fn get_op(&self, r: &mut Reader<'_>, table: &[SharedStr], live: &[Arc<Coding>]) -> Option<Op> {
        Some(match r.varint()? {
            0 => Op::Add(Arc::clone(live.get(usize::try_from(r.varint()?).ok()?)?)),
            1 => Op::Add(Arc::new(get_coding(r, table, &self.coder_shared)?)),
            2 => Op::Remove(r.shared()?),
            3 => Op::Memo(r.shared()?, r.opt_shared()?),
            4 => Op::Recode(r.shared()?, r.shared()?),
            _ => return None,
        })
    }
}

fn put_op(w: &mut Writer, table: &Interned<'_>, live: &FxHashMap<*const Coding, u64>, op: &Op) {
    match op {
        // An addition that shares a current coding refers to it.
        Op::Add(c) if live.contains_key(&Arc::as_ptr(c)) => {
            w.varint(0);
            w.varint(live[&Arc::as_ptr(c)]);
        }
        Op::Add(c) => {
            w.varint(1);
            put_coding(w, table, c);
        }
        Op::Remove(id) => {
            w.varint(2);
            w.shared(id);
        }
        Op::Memo(id, memo) => {
            w.varint(3);
            w.shared(id);
            w.opt_shared(memo.as_deref());
        }
        Op::Recode(id, code) => {
            w.varint(4);
            w.shared(id);
            w.shared(code);
        }
    }
}

/// Strings written once in a snapshot and referred to by number.
#[derive(Default)]
struct Interned<'a> {
    list: Vec<&'a str>,
    index: FxHashMap<&'a str, u64>,
}

impl<'a> Interned<'a> {
    fn add(&mut self, s: &'a str) {
        let next = self.list.len() as u64;
        self.index.entry(s).or_insert_with(|| {
            self.list.push(s);
            next
        });
    }

    fn put(&self, w: &mut Writer, s: &str) {
        w.varint(self.index[s]);
    }
}

fn put_coding(w: &mut Writer, table: &Interned<'_>, c: &Coding) {
    w.shared(&c.id);
    table.put(w, &c.transcript);
    w.varint(c.start as u64);
    w.varint(c.end as u64);
    table.put(w, &c.code);
    w.shared(&c.time);
    w.opt_shared(c.memo.as_deref());
    w.shared(&c.anchor.quote);
    w.shared(&c.anchor.before);
    w.shared(&c.anchor.after);
    table.put(w, &c.anchor.hash);
}

fn get_coding(r: &mut Reader<'_>, table: &[SharedStr], coder: &SharedStr) -> Option<Coding> {
    let interned = |r: &mut Reader<'_>| table.get(usize::try_from(r.varint()?).ok()?).cloned();
    Some(Coding {
        id: r.shared()?,
        transcript: interned(r)?,
        start: usize::try_from(r.varint()?).ok()?,
        end: usize::try_from(r.varint()?).ok()?,
        code: interned(r)?,
        coder: coder.clone(),
        time: r.shared()?,
        memo: r.opt_shared()?,
        anchor: Anchor {
            quote: r.shared()?,
            before: r.shared()?,
            after: r.shared()?,
            hash: interned(r)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coding(id: &str, start: usize) -> Coding {
        Coding {
            id: id.into(),
            transcript: "p01".into(),
            start,
            end: start + 4,
            code: "fw".into(),
            coder: "ana".into(),
            time: "2026-11-27T10:00:00Z".into(),
            memo: None,
            anchor: Anchor {
                quote: "café".into(),
                before: "".into(),
                after: "".into(),
                hash: "h".into(),
            },
        }
    }

    fn add(j: &mut Journal, ids: &[&str]) {
        let batch = super::super::ids::new_id();
        j.transact(|_| {
            Ok((
                ids.iter()
                    .map(|id| Record::add(&batch, &coding(id, 0)))
                    .collect(),
                (),
            ))
        })
        .unwrap();
    }

    fn undo(j: &mut Journal) {
        j.transact(|j| {
            let b = j.undo_target().unwrap().id.to_string();
            Ok((
                vec![Record::Undo {
                    batch: b,
                    time: String::new(),
                }],
                (),
            ))
        })
        .unwrap();
    }

    fn redo(j: &mut Journal) {
        j.transact(|j| {
            let b = j.redo_target().unwrap().id.to_string();
            Ok((
                vec![Record::Redo {
                    batch: b,
                    time: String::new(),
                }],
                (),
            ))
        })
        .unwrap();
    }

    #[test]
    fn batches_undo_and_redo_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("codings/ana.jsonl");
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        add(&mut j, &["a", "b"]);
        add(&mut j, &["c"]);
        undo(&mut j);
        assert_eq!(j.len(), 2);
        let mut again = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        assert_eq!(again.len(), 2);
        redo(&mut again);
        assert_eq!(again.len(), 3);
        undo(&mut again);
        undo(&mut again);
        assert_eq!(again.len(), 0);
        let reread = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        assert_eq!(reread.len(), 0);
        assert!(reread.redo_target().is_some());
        assert!(reread.problems.is_empty(), "{:?}", reread.problems);
    }

    #[test]
    fn new_batch_clears_redo() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ana.jsonl");
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        add(&mut j, &["a"]);
        undo(&mut j);
        add(&mut j, &["b"]);
        assert!(j.redo_target().is_none());
        assert_eq!(
            Journal::open(&p, &p.with_extension("lock"), "ana")
                .unwrap()
                .codings()[0]
                .id,
            "b"
        );
    }

    #[test]
    fn torn_last_line_is_reported_then_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ana.jsonl");
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        add(&mut j, &["a"]);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"op\":\"add\",\"batch\":\"x\",\"ti")
            .unwrap();
        let mut r = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].line, 2);
        add(&mut r, &["b"]);
        let clean = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        assert_eq!(clean.len(), 2);
        assert!(clean.problems.is_empty());
        let torn = std::fs::read_to_string(dir.path().join("ana.torn")).unwrap();
        assert!(torn.contains("\"ti"), "{torn}");
    }

    #[test]
    fn a_write_cut_short_is_held_back_whole_then_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ana.jsonl");
        let lock = p.with_extension("lock");
        let mut j = Journal::open(&p, &lock, "ana").unwrap();
        add(&mut j, &["a"]);
        add(&mut j, &["b", "c", "d"]);
        let whole = std::fs::read(&p).unwrap();
        let text = String::from_utf8(whole.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // One record alone carries no count; the first of three says 3.
        assert!(!lines[0].contains("\"n\""), "{}", lines[0]);
        assert!(
            lines[1].starts_with("{\"n\":3,\"op\":\"add\""),
            "{}",
            lines[1]
        );
        assert!(!lines[2].contains("\"n\"") && !lines[3].contains("\"n\""));
        // Cut the file after two whole lines of the three-line write, and
        // after two and a half.
        let cut_two = lines[0].len() + lines[1].len() + lines[2].len() + 3;
        for cut in [cut_two, cut_two + lines[3].len() / 2] {
            std::fs::write(&p, &whole[..cut]).unwrap();
            let r = Journal::open(&p, &lock, "ana").unwrap();
            assert_eq!(
                r.codings()
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>(),
                ["a"]
            );
            assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
            assert_eq!(r.problems[0].line, 2);
            if cut == cut_two {
                assert!(
                    r.problems[0].message.contains("2 of its 3 lines"),
                    "{}",
                    r.problems[0]
                );
            }
            // Undo reaches the batch before the cut one.
            assert_eq!(r.undo_target().unwrap().forward.len(), 1);
        }
        // The next write sets the unfinished one aside, then appends.
        let mut r = Journal::open(&p, &lock, "ana").unwrap();
        add(&mut r, &["e", "f"]);
        let clean = Journal::open(&p, &lock, "ana").unwrap();
        assert!(clean.problems.is_empty(), "{:?}", clean.problems);
        let ids: Vec<&str> = clean.codings().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "e", "f"]);
        let torn = std::fs::read_to_string(dir.path().join("ana.torn")).unwrap();
        assert!(
            torn.contains("\"id\":\"b\"") && torn.contains("\"id\":\"c\""),
            "{torn}"
        );
        // A snapshot taken now restores the same state.
        let snap = dir.path().join("snap.bin");
        let cached = Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        let again = Journal::open_with(&p, &lock, "ana", Some(snap), 0, false).unwrap();
        assert_eq!(cached.codings(), again.codings());
        assert_eq!(again.len(), 3);
    }

    #[test]
    fn malformed_middle_line_is_skipped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ana.jsonl");
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        add(&mut j, &["a"]);
        OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"<<<<<<< HEAD\n")
            .unwrap();
        add(&mut j, &["b"]);
        let r = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].line, 2);
    }

    /// A model of what undo and redo should do: a stack of applied
    /// batches and a stack of undone ones.
    #[derive(Debug, Clone)]
    enum Step {
        Add(u8),
        RemoveOldest,
        Undo,
        Redo,
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (1u8..4).prop_map(Step::Add),
            Just(Step::RemoveOldest),
            Just(Step::Undo),
            Just(Step::Redo),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn replay_matches_a_model_and_survives_reopening(steps in proptest::collection::vec(step(), 1..40)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("ana.jsonl");
            let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
            // Model: current ids; applied batches (with their effect); undone.
            let mut current: Vec<String> = Vec::new();
            let mut applied: Vec<(Vec<String>, Vec<String>)> = Vec::new(); // (added, removed)
            let mut undone: Vec<(Vec<String>, Vec<String>)> = Vec::new();
            let mut n = 0;
            for s in steps {
                match s {
                    Step::Add(k) => {
                        let ids: Vec<String> = (0..k).map(|_| { n += 1; format!("c{n}") }).collect();
                        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                        add(&mut j, &refs);
                        current.extend(ids.iter().cloned());
                        applied.push((ids, Vec::new()));
                        undone.clear();
                    }
                    Step::RemoveOldest => {
                        if let Some(first) = current.first().cloned() {
                            let batch = super::super::ids::new_id();
                            j.transact(|_| Ok((vec![Record::Remove { batch, time: String::new(), id: first.clone(), undoable: true }], ()))).unwrap();
                            current.retain(|c| c != &first);
                            applied.push((Vec::new(), vec![first]));
                            undone.clear();
                        }
                    }
                    Step::Undo => {
                        if let Some((added, removed)) = applied.pop() {
                            undo(&mut j);
                            current.retain(|c| !added.contains(c));
                            current.extend(removed.iter().cloned());
                            undone.push((added, removed));
                        } else {
                            proptest::prop_assert!(j.undo_target().is_none());
                        }
                    }
                    Step::Redo => {
                        if let Some((added, removed)) = undone.pop() {
                            redo(&mut j);
                            current.retain(|c| !removed.contains(c));
                            current.extend(added.iter().cloned());
                            applied.push((added, removed));
                        } else {
                            proptest::prop_assert!(j.redo_target().is_none());
                        }
                    }
                }
                // A snapshot taken now, or restored and caught up, gives
                // the journal that replaying the whole file gives.
                let snap = dir.path().join("cache/journal-ana.bin");
                let cached = Journal::open_with(&p, &p.with_extension("lock"), "ana", Some(snap.clone()), 0, false).unwrap();
                proptest::prop_assert_eq!(state(&cached), state(&j));
                // Opened for reading, it lists the same codings.
                let read = Journal::open_for_reading(&p, &p.with_extension("lock"), "ana", Some(snap)).unwrap();
                proptest::prop_assert_eq!(listing(&read), listing(&j));
                let mut have: Vec<String> = j.codings().iter().map(|c| c.id.to_string()).collect();
                let mut want = current.clone();
                have.sort();
                want.sort();
                proptest::prop_assert_eq!(&have, &want);
            }
            let again = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
            proptest::prop_assert_eq!(state(&again), state(&j));
            let mut have: Vec<String> = again.codings().iter().map(|c| c.id.to_string()).collect();
            have.sort();
            current.sort();
            proptest::prop_assert_eq!(have, current);
            proptest::prop_assert_eq!(again.undo_target().map(|b| b.id.clone()), j.undo_target().map(|b| b.id.clone()));
            proptest::prop_assert_eq!(again.redo_target().map(|b| b.id.clone()), j.redo_target().map(|b| b.id.clone()));
            proptest::prop_assert!(again.problems.is_empty());
        }
    }

    /// What a journal lists (its state without the undo history).
    fn listing(j: &Journal) -> (Vec<(u64, Coding)>, Vec<Problem>, u64, usize) {
        let (codings, _, _, problems, offset, lines) = state(j);
        (codings, problems, offset, lines)
    }

    /// A journal in a fresh folder with two batches: `a`, then `b` and `c`.
    fn a_then_b_and_c() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ana.jsonl");
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        add(&mut j, &["a"]);
        add(&mut j, &["b", "c"]);
        (dir, j)
    }

    #[test]
    fn a_journal_opened_for_reading_skips_the_history_but_never_the_codings() {
        let (dir, mut j) = a_then_b_and_c();
        let (p, lock) = (j.path.clone(), j.lock_path.clone());
        let snap = dir.path().join("journal-ana.bin");
        // A snapshot of that, then more appended: an addition, and an undo
        // of it (which needs the stacks the snapshot's reading skips).
        Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        add(&mut j, &["d"]);
        let read = Journal::open_for_reading(&p, &lock, "ana", Some(snap.clone())).unwrap();
        assert!(!read.history, "restored without the stacks");
        assert_eq!(listing(&read), listing(&j));
        undo(&mut j);
        let read = Journal::open_for_reading(&p, &lock, "ana", Some(snap.clone())).unwrap();
        assert!(read.history, "the undo made it read the history");
        assert_eq!(state(&read), state(&j));
        let ids: Vec<&str> = read.codings().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        // Opened for reading it refuses to be written, with or without its
        // stacks and with or without a snapshot; the file is untouched.
        let refused = |mut read: Journal| {
            let before = std::fs::read(&p).unwrap();
            let err = read
                .transact(|_| Ok((vec![Record::add("x", &coding("e", 0))], ())))
                .unwrap_err();
            assert!(err.to_string().contains("opened for reading"), "{err}");
            assert_eq!(std::fs::read(&p).unwrap(), before);
        };
        refused(read);
        refused(Journal::open_for_reading(&p, &lock, "ana", None).unwrap());
        Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        let read = Journal::open_for_reading(&p, &lock, "ana", Some(snap)).unwrap();
        assert!(!read.history);
        refused(read);
    }

    #[test]
    fn an_unfinished_write_is_never_kept_in_the_snapshot() {
        let (dir, j) = a_then_b_and_c();
        let (p, lock) = (j.path.clone(), j.lock_path.clone());
        let snap = dir.path().join("journal-ana.bin");
        // Only the first line of the two-line write is left.
        let text = std::fs::read_to_string(&p).unwrap();
        let cut = text.lines().take(2).map(|l| l.len() + 1).sum::<usize>();
        std::fs::write(&p, &text.as_bytes()[..cut]).unwrap();
        let reported = |j: &Journal| j.problems.len();
        // A snapshot taken now, then restored: reported once, not twice.
        let first = Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        assert_eq!(reported(&first), 1, "{:?}", first.problems);
        for again in [
            Journal::open_with(&p, &lock, "ana", Some(snap.clone()), usize::MAX, false).unwrap(),
            Journal::open_for_reading(&p, &lock, "ana", Some(snap.clone())).unwrap(),
        ] {
            assert_eq!(reported(&again), 1, "{:?}", again.problems);
        }
        // Once the next write sets it aside, nobody reports it any more.
        let mut w = Journal::open(&p, &lock, "ana").unwrap();
        add(&mut w, &["d"]);
        for again in [
            Journal::open(&p, &lock, "ana").unwrap(),
            Journal::open_with(&p, &lock, "ana", Some(snap.clone()), usize::MAX, false).unwrap(),
            Journal::open_for_reading(&p, &lock, "ana", Some(snap.clone())).unwrap(),
        ] {
            assert_eq!(reported(&again), 0, "{:?}", again.problems);
        }
    }

    type Stack = Vec<(SharedStr, Vec<Op>, Vec<Op>)>;
    type State = (Vec<(u64, Coding)>, Stack, Stack, Vec<Problem>, u64, usize);

    /// Everything a journal knows, comparable.
    fn state(j: &Journal) -> State {
        let stack = |v: &[Batch]| -> Stack {
            v.iter()
                .map(|b| (b.id.clone(), b.forward.clone(), b.inverse.clone()))
                .collect()
        };
        let codings = j.order.iter().map(|(&n, c)| (n, (**c).clone())).collect();
        for (n, c) in &j.order {
            assert_eq!(j.codings[&c.id].0, *n, "listing and index agree");
            assert!(Arc::ptr_eq(&j.codings[&c.id].1, c));
            assert!(Arc::ptr_eq(&j.by_transcript[&c.transcript][n], c));
        }
        let listed: usize = j.by_transcript.values().map(BTreeMap::len).sum();
        assert_eq!(listed, j.order.len());
        assert_eq!(j.codings.len(), j.order.len());
        (
            codings,
            stack(&j.done),
            stack(&j.undone),
            j.problems.clone(),
            j.next_seq,
            j.lines,
        )
    }

    #[test]
    fn snapshots_survive_memos_recodes_and_refuse_a_changed_journal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("codings/ana.jsonl");
        let lock = p.with_extension("lock");
        let snap = dir.path().join("cache/journal-ana.bin");
        let mut j = Journal::open(&p, &lock, "ana").unwrap();
        add(&mut j, &["a", "b"]);
        let (b1, b2) = (super::super::ids::new_id(), super::super::ids::new_id());
        j.transact(|_| {
            Ok((
                vec![
                    Record::Memo {
                        batch: b1.clone(),
                        time: String::new(),
                        id: "a".into(),
                        memo: Some("Zoë's point, 北京 🙂".into()),
                    },
                    Record::Recode {
                        batch: b1,
                        time: String::new(),
                        id: "b".into(),
                        code: "other".into(),
                    },
                ],
                (),
            ))
        })
        .unwrap();
        j.transact(|_| {
            Ok((
                vec![Record::Recode {
                    batch: b2,
                    time: String::new(),
                    id: "a".into(),
                    code: "third".into(),
                }],
                (),
            ))
        })
        .unwrap();
        undo(&mut j);
        // A malformed line in the middle is a problem the snapshot keeps.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{not json}\n").unwrap();
        drop(f);
        add(&mut j, &["c"]);
        let plain = Journal::open(&p, &lock, "ana").unwrap();
        assert_eq!(
            plain.get("a").unwrap().memo.as_deref(),
            Some("Zoë's point, 北京 🙂")
        );
        assert_eq!(plain.get("a").unwrap().code, "fw");
        assert_eq!(plain.get("b").unwrap().code, "other");
        assert_eq!(plain.problems.len(), 1);
        let first = Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        assert!(snap.is_file(), "a snapshot was written");
        let restored = Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        assert_eq!(state(&first), state(&plain));
        assert_eq!(state(&restored), state(&plain));
        // Undo and redo still work from a restored journal.
        let mut r = restored;
        undo(&mut r);
        redo(&mut r);
        let mut again = Journal::open(&p, &lock, "ana").unwrap();
        assert_eq!(state(&r), state(&again));

        // The journal's beginning changes under the snapshot (a checkout
        // of another version): the snapshot must not be used.
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replacen("\"id\":\"a\"", "\"id\":\"z\"", 1)).unwrap();
        let edited = Journal::open(&p, &lock, "ana").unwrap();
        assert!(edited.get("z").is_some());
        let cached =
            Journal::open_with(&p, &lock, "ana", Some(snap.clone()), usize::MAX, false).unwrap();
        assert_eq!(state(&cached), state(&edited));
        // A damaged snapshot is ignored too.
        let mut bytes = std::fs::read(&snap).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x20;
        std::fs::write(&snap, &bytes).unwrap();
        let cached =
            Journal::open_with(&p, &lock, "ana", Some(snap.clone()), usize::MAX, false).unwrap();
        assert_eq!(state(&cached), state(&edited));
        // A shorter journal than the snapshot: replayed from the top.
        add(&mut again, &["d"]);
        let _ = Journal::open_with(&p, &lock, "ana", Some(snap.clone()), 0, false).unwrap();
        std::fs::write(&p, "").unwrap();
        let empty = Journal::open_with(&p, &lock, "ana", Some(snap), usize::MAX, false).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn record_json_is_flat_and_stable() {
        let rec = Record::add("b1", &coding("a", 3));
        let s = serde_json::to_string(&rec).unwrap();
        assert!(s.starts_with("{\"op\":\"add\",\"batch\":\"b1\""), "{s}");
        assert!(s.contains("\"quote\":\"café\""));
        assert!(!s.contains("undoable"));
        assert_eq!(serde_json::from_str::<Record>(&s).unwrap(), rec);
        assert_eq!(parse_record(&s).unwrap(), (rec, 1));
        for other in [
            Record::Remove {
                batch: "b".into(),
                time: "t".into(),
                id: "a".into(),
                undoable: false,
            },
            Record::Memo {
                batch: "b".into(),
                time: "t".into(),
                id: "a".into(),
                memo: None,
            },
            Record::Memo {
                batch: "b".into(),
                time: "t".into(),
                id: "a".into(),
                memo: Some("m".into()),
            },
            Record::Recode {
                batch: "b".into(),
                time: "t".into(),
                id: "a".into(),
                code: "k".into(),
            },
            Record::Undo {
                batch: "b".into(),
                time: "t".into(),
            },
        ] {
            let line = serde_json::to_string(&other).unwrap();
            assert_eq!(parse_record(&line).unwrap(), (other, 1), "{line}");
        }
        assert!(
            parse_record("{\"op\":\"fly\",\"batch\":\"b\",\"time\":\"t\"}")
                .unwrap_err()
                .contains("unknown operation")
        );
        assert!(
            parse_record("{\"op\":\"memo\",\"batch\":\"b\",\"time\":\"t\",\"id\":\"a\"}").is_err()
        );
    }
}
