//! The cached snapshot of a replayed journal (see [`crate::cache`]):
//! writing it after a long replay and restoring from it when the journal
//! still starts with the bytes it was taken from.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::cache::{Checksum, Reader, Writer};
use crate::shared::SharedStr;

use super::records::{Anchor, Coding};
use super::replay::{Batch, Op, Problem};
use super::{Journal, SNAPSHOT_KIND};

impl Journal {
    /// Caches the state replayed from the journal's first `self.offset`
    /// bytes, whose checksum is `prefix_sum`. Failing to write a cache
    /// changes nothing. Strings go to the snapshot's string heap (read
    /// back as slices of it); transcript ids, code ids and transcript
    /// hashes, repeated on many codings, are written once in a table and
    /// referred to by number.
    pub(super) fn save_snapshot(&self, prefix_sum: [u8; 32]) {
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
        w.usize(self.redo_floor);
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
        let _ = crate::cache::write(path, SNAPSHOT_KIND, w);
    }

    /// Restores the state cached in `snapshot` if the journal `f` still
    /// begins with the bytes it was taken from, and returns the checksum
    /// of those bytes, ready to be continued; otherwise leaves the journal
    /// empty, to be replayed from the top.
    pub(super) fn restore(
        &mut self,
        snapshot: &Path,
        f: &mut File,
        for_reading: bool,
    ) -> Option<Checksum> {
        let (values, heap) = crate::cache::read(snapshot, SNAPSHOT_KIND)?.into_parts()?;
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
        self.redo_floor = r.usize()?;
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
