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
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::cache::Checksum;
use super::error::{Error, IoContext, Result};
use super::shared::SharedStr;

mod append;
mod records;
mod replay;
mod snapshot;

pub use records::{Anchor, Coding, CodingFields, Record};
pub use replay::{Batch, Op, Problem};

/// The coders of `journals` with at least one live coding: an empty
/// journal, or one whose codings were all taken back, is no coder to
/// compare or count.
pub fn coders_with_codings(journals: &[Journal]) -> Vec<String> {
    journals
        .iter()
        .filter(|j| !j.is_empty())
        .map(|j| j.coder.clone())
        .collect()
}

#[cfg(test)]
mod tests;

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
    /// The batches of `undone` below this place were undone before a
    /// newer batch was written: `redo` no longer reaches them, but a
    /// `redo` record naming one (from a history merged in from another
    /// machine) still re-applies it.
    redo_floor: usize,
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
    /// The last record read is whole but has no newline after it (an
    /// editor or a copy dropped it): the next write starts with one.
    unterminated: bool,
    /// Where the replayed state is cached (see [`super::cache`]), if
    /// anywhere.
    snapshot: Option<PathBuf>,
}

/// A snapshot is rewritten when opening had to replay more than this many
/// bytes past it.
const SNAPSHOT_AFTER_BYTES: usize = 256 * 1024;
const SNAPSHOT_KIND: &str = "journal";

/// The longest line a journal may hold; a longer one is reported, not
/// read as a record (a coding with its memo is a few hundred bytes).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Refuses a journal that is not a regular file (a symbolic link, a
/// device, a FIFO, a folder): it could grow without end or write outside
/// the project. A missing journal is fine (it is empty).
pub(crate) fn check_regular(path: &Path) -> Result<()> {
    crate::fsio::refuse_unless_regular(path, JOURNAL, JOURNAL_FIX)
}

pub(crate) fn not_regular(path: &Path, kind: std::fs::FileType) -> Error {
    crate::fsio::not_regular(path, kind, JOURNAL, JOURNAL_FIX)
}

const JOURNAL: &str = "the journal";
const JOURNAL_FIX: &str =
    "A journal must be a regular file inside the project: move this one out of codings/";

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
            redo_floor: 0,
            history: true,
            read_only: false,
            needs_history: false,
            offset: 0,
            lines: 0,
            problems: Vec::new(),
            torn: None,
            unterminated: false,
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
        check_regular(path)?;
        let mut f = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(j),
            Err(e) => return Err(Error::io(path, e)),
        };
        let kind = f.metadata().at(path)?.file_type();
        if !kind.is_file() {
            return Err(not_regular(path, kind));
        }
        let mut sum = Checksum::new();
        if let Some(snap) = j.snapshot.clone()
            && let Some(prefix_sum) = j.restore(&snap, &mut f, for_reading)
        {
            sum = prefix_sum;
        }
        f.seek(SeekFrom::Start(j.offset)).at(path)?;
        let from = j.offset;
        j.replay(&mut f).at(path)?;
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
            // The snapshot's checksum covers what was replayed: read it
            // again in pieces rather than hold it.
            f.seek(SeekFrom::Start(from)).at(path)?;
            let mut part = (&mut f).take(replayed as u64);
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = part.read(&mut buf).at(path)?;
                if n == 0 {
                    break;
                }
                sum.update(&buf[..n]);
            }
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
        self.undone[self.redo_floor.min(self.undone.len())..].last()
    }
}
