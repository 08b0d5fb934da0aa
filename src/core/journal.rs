//! The coding journal: one append-only JSON Lines file per coder under
//! `codings/`, the source of truth for codings.
//!
//! Every change is a *batch* of records (add, remove, memo, recode) that
//! share a batch id and are written with one `write` and one fsync under an
//! exclusive lock on the file, so a batch is either on disk whole or not
//! reported as saved. `undo` and `redo` records name a batch; replaying the
//! file from the top rebuilds the codings and both stacks, so undo works
//! across restarts. A torn last line (a crash mid-write) is reported and,
//! before the next append, moved to `codings/CODER.torn`; a malformed line
//! elsewhere is reported and skipped; neither is ever fatal.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::{Error, IoContext, Result};
use super::fsio::sync_dir;

/// What a coding carries so it can be found again if its transcript
/// changes: the covered text, a little context, and the transcript's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub quote: String,
    #[serde(default)]
    pub before: String,
    #[serde(default)]
    pub after: String,
    pub hash: String,
}

/// One coding: a code applied by a coder to a span of a transcript.
/// `start` and `end` are code points at the time of coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub id: String,
    pub transcript: String,
    pub start: usize,
    pub end: usize,
    /// The code's stable id.
    pub code: String,
    pub coder: String,
    pub time: String,
    pub memo: Option<String>,
    pub anchor: Anchor,
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
            time: c.time.clone(),
            id: c.id.clone(),
            transcript: c.transcript.clone(),
            start: c.start,
            end: c.end,
            code: c.code.clone(),
            memo: c.memo.clone(),
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
}

/// Distinguishes a missing field (`None`) from `null` (`Some(None)`).
#[allow(clippy::option_option)]
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Parses one journal line.
fn parse_record(line: &str) -> std::result::Result<Record, String> {
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
    } = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let need =
        |v: Option<String>, name: &str| v.ok_or_else(|| format!("`{op}` record without `{name}`"));
    let undoable = undoable.unwrap_or(true);
    Ok(match op.as_str() {
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
                quote: need(quote, "quote")?,
                before: before.unwrap_or_default(),
                after: after.unwrap_or_default(),
                hash: need(hash, "hash")?,
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
    })
}

/// A change to the codings, as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Shared with the current codings: undo and redo copy no text.
    Add(Arc<Coding>),
    Remove(String),
    Memo(String, Option<String>),
    Recode(String, String),
}

/// A batch of changes and how to revert it.
#[derive(Debug, Clone)]
pub struct Batch {
    pub id: String,
    pub time: String,
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
    codings: HashMap<String, Arc<Coding>>,
    /// Insertion order of coding ids (for stable listings).
    seq: HashMap<String, u64>,
    order: BTreeMap<u64, String>,
    /// Per transcript, the insertion order of its codings.
    by_transcript: HashMap<String, BTreeMap<u64, String>>,
    next_seq: u64,
    done: Vec<Batch>,
    undone: Vec<Batch>,
    /// Bytes of the file replayed so far (always at a line boundary).
    offset: u64,
    lines: usize,
    pub problems: Vec<Problem>,
    /// A torn last line seen by the last read, if any.
    torn: Option<(u64, usize)>,
}

impl Journal {
    /// Reads a coder's journal; a missing file is an empty journal.
    /// `lock_path` names the lock file that serializes writers.
    pub fn open(path: &Path, lock_path: &Path, coder: &str) -> Result<Journal> {
        let mut j = Journal {
            path: path.to_path_buf(),
            lock_path: lock_path.to_path_buf(),
            coder: coder.to_owned(),
            codings: HashMap::new(),
            seq: HashMap::new(),
            order: BTreeMap::new(),
            by_transcript: HashMap::new(),
            next_seq: 0,
            done: Vec::new(),
            undone: Vec::new(),
            offset: 0,
            lines: 0,
            problems: Vec::new(),
            torn: None,
        };
        match File::open(path) {
            Ok(mut f) => {
                // A read-only project can still be read, without the lock.
                let _guard = j.lock_file().ok().filter(|l| l.lock_shared().is_ok());
                j.catch_up(&mut f)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
        Ok(j)
    }

    /// Current codings of this coder, in the order they were made.
    pub fn codings(&self) -> Vec<&Coding> {
        self.order.values().map(|id| &*self.codings[id]).collect()
    }

    /// Current codings of this coder on one transcript, in the order they
    /// were made.
    pub fn codings_in(&self, transcript: &str) -> Vec<&Coding> {
        self.by_transcript
            .get(transcript)
            .map(|m| m.values().map(|id| &*self.codings[id]).collect())
            .unwrap_or_default()
    }

    /// A coding by id.
    pub fn get(&self, id: &str) -> Option<&Coding> {
        self.codings.get(id).map(|c| &**c)
    }

    /// Number of current codings.
    pub fn len(&self) -> usize {
        self.codings.len()
    }

    /// Whether the coder has no codings.
    pub fn is_empty(&self) -> bool {
        self.codings.is_empty()
    }

    /// The batch `undo` would revert.
    pub fn undo_target(&self) -> Option<&Batch> {
        self.done.last()
    }

    /// The batch `redo` would re-apply.
    pub fn redo_target(&self) -> Option<&Batch> {
        self.undone.last()
    }

    /// Reads whatever was appended since the last read (by this or another
    /// process) and replays it.
    fn catch_up(&mut self, f: &mut File) -> Result<()> {
        f.seek(SeekFrom::Start(self.offset)).at(&self.path)?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).at(&self.path)?;
        let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for raw in buf[..complete].split(|&b| b == b'\n') {
            if complete == 0 {
                break;
            }
            self.lines += 1;
            let line_no = self.lines;
            if raw.is_empty() {
                continue;
            }
            match std::str::from_utf8(raw)
                .map_err(|e| e.to_string())
                .and_then(parse_record)
            {
                Ok(rec) => self.apply_line(rec, line_no),
                Err(e) => self.problems.push(Problem {
                    path: self.path.clone(),
                    line: line_no,
                    message: format!("unreadable record, skipped ({e})"),
                }),
            }
        }
        // `split` yields one empty piece after the final newline.
        if complete > 0 {
            self.lines -= 1;
        }
        self.offset += complete as u64;
        self.torn = None;
        if complete < buf.len() {
            self.torn = Some((self.offset, self.lines + 1));
            self.problems.push(Problem {
                path: self.path.clone(),
                line: self.lines + 1,
                message: format!(
                    "incomplete last record ({} bytes, probably a crash while writing); it is not counted and will be set aside in {}",
                    buf.len() - complete,
                    self.torn_path().display()
                ),
            });
        }
        Ok(())
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
                    } => (
                        Op::Add(Arc::new(Coding {
                            id,
                            transcript,
                            start,
                            end,
                            code,
                            coder: self.coder.clone(),
                            time: time.clone(),
                            memo,
                            anchor,
                        })),
                        undoable,
                        time,
                    ),
                    Record::Remove {
                        id, undoable, time, ..
                    } => (Op::Remove(id), undoable, time),
                    Record::Memo { id, memo, time, .. } => (Op::Memo(id, memo), true, time),
                    Record::Recode { id, code, time, .. } => (Op::Recode(id, code), true, time),
                    Record::Undo { .. } | Record::Redo { .. } => unreachable!("handled above"),
                };
                let inverse = match self.apply_op(op.clone()) {
                    Ok(inv) => inv,
                    Err(msg) => {
                        self.problem(line, msg);
                        return;
                    }
                };
                if !undoable {
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
                            id: batch_id,
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
                if self.codings.contains_key(&c.id) {
                    return Err(format!(
                        "coding {} is added twice; the second is ignored",
                        c.id
                    ));
                }
                let id = c.id.clone();
                let n = self.next_seq;
                self.next_seq += 1;
                self.seq.insert(id.clone(), n);
                self.order.insert(n, id.clone());
                self.by_transcript
                    .entry(c.transcript.clone())
                    .or_default()
                    .insert(n, id.clone());
                self.codings.insert(id.clone(), c);
                Ok(Op::Remove(id))
            }
            Op::Remove(id) => match self.codings.remove(&id) {
                Some(c) => {
                    if let Some(n) = self.seq.remove(&id) {
                        self.order.remove(&n);
                        if let Some(m) = self.by_transcript.get_mut(&c.transcript) {
                            m.remove(&n);
                        }
                    }
                    Ok(Op::Add(c))
                }
                None => Err(format!(
                    "removal of coding {id}, which does not exist; ignored"
                )),
            },
            Op::Memo(id, memo) => match self.codings.get_mut(&id) {
                Some(c) => Ok(Op::Memo(
                    id,
                    std::mem::replace(&mut Arc::make_mut(c).memo, memo),
                )),
                None => Err(format!(
                    "memo on coding {id}, which does not exist; ignored"
                )),
            },
            Op::Recode(id, code) => match self.codings.get_mut(&id) {
                Some(c) => {
                    let old = std::mem::replace(&mut Arc::make_mut(c).code, code);
                    Ok(Op::Recode(id, old))
                }
                None => Err(format!(
                    "re-coding of coding {id}, which does not exist; ignored"
                )),
            },
        }
    }

    /// Writes a batch durably: under an exclusive lock, first replays what
    /// other processes appended, then asks `make` for the records (so it
    /// decides on current data), appends them with one write, fsyncs, and
    /// replays them. Returns what `make` returned besides the records.
    pub fn transact<T>(
        &mut self,
        make: impl FnOnce(&Journal) -> Result<(Vec<Record>, T)>,
    ) -> Result<T> {
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
        let mut buf = Vec::new();
        for r in &records {
            serde_json::to_writer(&mut buf, r).map_err(|e| Error::invalid(e.to_string()))?;
            buf.push(b'\n');
        }
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
                before: String::new(),
                after: String::new(),
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
            let b = j.undo_target().unwrap().id.clone();
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
            let b = j.redo_target().unwrap().id.clone();
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
                let mut have: Vec<String> = j.codings().iter().map(|c| c.id.clone()).collect();
                let mut want = current.clone();
                have.sort();
                want.sort();
                proptest::prop_assert_eq!(&have, &want);
            }
            let again = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
            let mut have: Vec<String> = again.codings().iter().map(|c| c.id.clone()).collect();
            have.sort();
            current.sort();
            proptest::prop_assert_eq!(have, current);
            proptest::prop_assert_eq!(again.undo_target().map(|b| b.id.clone()), j.undo_target().map(|b| b.id.clone()));
            proptest::prop_assert_eq!(again.redo_target().map(|b| b.id.clone()), j.redo_target().map(|b| b.id.clone()));
            proptest::prop_assert!(again.problems.is_empty());
        }
    }

    #[test]
    fn record_json_is_flat_and_stable() {
        let rec = Record::add("b1", &coding("a", 3));
        let s = serde_json::to_string(&rec).unwrap();
        assert!(s.starts_with("{\"op\":\"add\",\"batch\":\"b1\""), "{s}");
        assert!(s.contains("\"quote\":\"café\""));
        assert!(!s.contains("undoable"));
        assert_eq!(serde_json::from_str::<Record>(&s).unwrap(), rec);
        assert_eq!(parse_record(&s).unwrap(), rec);
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
            assert_eq!(parse_record(&line).unwrap(), other, "{line}");
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
