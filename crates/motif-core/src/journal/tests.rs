//! Unit tests of the journal: batches, undo and redo across reopening,
//! torn and malformed lines, snapshots and the record format.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;

use crate::shared::SharedStr;

use super::Journal;
use super::records::{Anchor, Coding, Record, parse_record};
use super::replay::{Batch, Op, Problem};

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
    assert!(parse_record("{\"op\":\"memo\",\"batch\":\"b\",\"time\":\"t\",\"id\":\"a\"}").is_err());
}

#[test]
fn an_oversized_line_is_skipped_without_being_held_and_the_rest_replays() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ana.jsonl");
    let lock = p.with_extension("lock");
    let mut j = Journal::open(&p, &lock, "ana").unwrap();
    add(&mut j, &["a"]);
    // A line of 20 MiB (over the 16 MiB a line may hold), then a record.
    let mut f = OpenOptions::new().append(true).open(&p).unwrap();
    let big = vec![b'x'; 20 << 20];
    f.write_all(&big).unwrap();
    f.write_all(b"\n").unwrap();
    drop(f);
    add(&mut j, &["b"]);
    let r = Journal::open(&p, &lock, "ana").unwrap();
    assert_eq!(r.len(), 2, "the records around the long line count");
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].line, 2);
    assert!(
        r.problems[0]
            .message
            .contains("20 MiB, more than the 16 MiB"),
        "{}",
        r.problems[0].message
    );
    // The same long line with no newline is a torn tail: held back.
    let mut f = OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(&big).unwrap();
    drop(f);
    let r = Journal::open(&p, &lock, "ana").unwrap();
    assert_eq!(r.len(), 2);
    assert!(
        r.problems
            .iter()
            .any(|p| p.message.contains("incomplete last record")),
        "{:?}",
        r.problems
    );
}

#[test]
fn a_byte_order_mark_before_the_first_record_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ana.jsonl");
    let lock = p.with_extension("lock");
    let mut j = Journal::open(&p, &lock, "ana").unwrap();
    add(&mut j, &["a"]);
    add(&mut j, &["b"]);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&p).unwrap());
    std::fs::write(&p, bytes).unwrap();
    let r = Journal::open(&p, &lock, "ana").unwrap();
    assert_eq!(r.len(), 2);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn a_whole_last_record_without_its_newline_counts_and_the_next_write_ends_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ana.jsonl");
    let lock = p.with_extension("lock");
    let mut j = Journal::open(&p, &lock, "ana").unwrap();
    add(&mut j, &["a"]);
    add(&mut j, &["b"]);
    // An editor or a copy drops the final newline.
    let mut bytes = std::fs::read(&p).unwrap();
    assert_eq!(bytes.pop(), Some(b'\n'));
    std::fs::write(&p, &bytes).unwrap();
    let mut r = Journal::open(&p, &lock, "ana").unwrap();
    assert_eq!(r.len(), 2, "the last record counts");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    add(&mut r, &["c"]);
    assert_eq!(r.len(), 3);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert!(!dir.path().join("ana.torn").exists(), "nothing set aside");
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().all(|l| parse_record(l).is_ok()), "{text}");
    let again = Journal::open(&p, &lock, "ana").unwrap();
    assert_eq!(again.len(), 3);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
    // The other process that had read it before the newline came sees the
    // same: three records, three lines, no problem.
    j.transact(|_| Ok((Vec::new(), ()))).unwrap();
    assert_eq!(j.len(), 3);
    assert!(j.problems.is_empty(), "{:?}", j.problems);
}

/// The ids of the current codings of the journal in file `p`, sorted, and
/// its problems.
fn ids_at(p: &std::path::Path) -> (Vec<String>, Vec<Problem>) {
    let j = Journal::open(p, &p.with_extension("lock"), "ana").unwrap();
    let mut ids: Vec<String> = j.codings().iter().map(|c| c.id.to_string()).collect();
    ids.sort();
    (ids, j.problems.clone())
}

/// What `git merge` with `merge=union` makes of two histories appended
/// to one journal (the same coder on two machines): the common part, then
/// one side's lines, then the other's — in either order, with lines both
/// sides hold (a record cherry-picked, an undo made on both) repeated.
#[test]
fn a_union_of_two_appended_histories_replays_both_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.jsonl");
    let mut j = Journal::open(&base, &base.with_extension("lock"), "ana").unwrap();
    add(&mut j, &["a"]);
    add(&mut j, &["b"]);
    let common = std::fs::read(&base).unwrap();
    // Machine 1: undoes b, adds c. Machine 2: undoes b, redoes it, adds d;
    // then undoes d and redoes it after machine 1's c arrives.
    let side = |name: &str, steps: &dyn Fn(&mut Journal)| {
        let p = dir.path().join(name);
        std::fs::write(&p, &common).unwrap();
        let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
        steps(&mut j);
        std::fs::read(&p).unwrap()[common.len()..].to_vec()
    };
    let one = side("one.jsonl", &|j| {
        undo(j);
        add(j, &["c"]);
    });
    let mut two = Vec::new();
    let two_all = side("two.jsonl", &|j| {
        undo(j);
        redo(j);
        add(j, &["d"]);
        undo(j);
    });
    let p2 = dir.path().join("two.jsonl");
    let mut j2 = Journal::open(&p2, &p2.with_extension("lock"), "ana").unwrap();
    redo(&mut j2);
    let two_redo = std::fs::read(&p2).unwrap()[common.len() + two_all.len()..].to_vec();
    two.extend_from_slice(&two_all);
    for (name, parts) in [
        ("12", vec![&one, &two, &two_redo]),
        ("21", vec![&two, &one, &two_redo]),
        ("dup", vec![&one, &one, &two, &two_redo]),
    ] {
        let p = dir.path().join(format!("merged-{name}.jsonl"));
        let mut bytes = common.clone();
        for part in parts {
            bytes.extend_from_slice(part);
        }
        std::fs::write(&p, bytes).unwrap();
        let (ids, problems) = ids_at(&p);
        // b: undone on machine 1, undone and redone on machine 2 — the
        // file's last word on it decides (machine 2's redo comes after
        // machine 1's undo in "12" and "dup", before it in "21").
        let want: &[&str] = if name == "21" {
            &["a", "c", "d"]
        } else {
            &["a", "b", "c", "d"]
        };
        assert_eq!(ids, want, "{name}");
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn conflict_markers_in_a_journal_are_named_and_both_sides_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ana.jsonl");
    let mut j = Journal::open(&p, &p.with_extension("lock"), "ana").unwrap();
    add(&mut j, &["a"]);
    let one = std::fs::read_to_string(&p).unwrap();
    add(&mut j, &["b"]);
    let both = std::fs::read_to_string(&p).unwrap();
    let b_line = &both[one.len()..];
    let text = format!("{one}<<<<<<< HEAD\n{b_line}=======\n{b_line}>>>>>>> other\n");
    std::fs::write(&p, text).unwrap();
    let (ids, problems) = ids_at(&p);
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].message.contains("git merge conflict marker"));
    assert!(problems[0].message.contains("motif git-setup"));
    assert_eq!(problems[0].line, 2);
}
