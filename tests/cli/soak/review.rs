//! The crash soak's review actions (issue #18 item 3). A coder imports a
//! transcript of its own, codes a passage of it, then edits the file on
//! disk so that the coding is *edited* (words replaced inside it) or
//! *orphaned* (its turn deleted), and resolves it with `code --accept`,
//! `code --reattach ID --chars A-B` or `uncode --id`, any of which may be
//! killed. The model holds the review state of every coding (what
//! `motif check --json` lists as `edited-coding` or `orphaned-coding`), so
//! a reported-saved action must leave the coding accepted, re-attached or
//! gone, and a killed one all of that or none, with nothing else changed.
//! Undo and redo of these steps run as any other, through the model.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::{
    Effect, End, MCoding, Predict, Seg, Shared, Sig, Text, Worker, chars, lock, occurrences, words,
};
use crate::util::cp_slice;

/// Whether a coding awaits review, as `motif check --json` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Review {
    /// Not listed by `check`: its text is where it was coded, or accepted.
    Settled,
    /// Listed as `edited-coding`: placed on the new text, awaiting review.
    Edited,
    /// Listed as `orphaned-coding`: its text is gone; not in `segments`.
    Orphaned,
}

/// Whether `id` is one of the transcripts the review actions edit (no
/// other operation codes on them or edits them).
pub(super) fn is_review(id: &str) -> bool {
    id.starts_with("rv-")
}

/// `motif check --json`: the report and how the process ended.
pub(super) fn read_check(shared: &Shared) -> (Value, End) {
    let ran = shared.run(
        &["check".to_owned(), "--json".to_owned()],
        None,
        "check (read)",
    );
    let report = serde_json::from_str(&ran.stdout)
        .unwrap_or_else(|e| panic!("check --json: {e}\n{}{}", ran.stdout, ran.stderr));
    (report, ran.end)
}

/// The codings a check report lists for review (of `coder`, or all), as
/// (kind, coding) pairs.
fn listed<'a>(report: &'a Value, coder: Option<&str>) -> Vec<(&'a str, &'a Value)> {
    report["items"]
        .as_array()
        .expect("check --json has items")
        .iter()
        .filter_map(|i| {
            let kind = i["kind"].as_str()?;
            let c = &i["coding"];
            let mine = coder.is_none_or(|n| c["coder"].as_str() == Some(n));
            (mine && (kind == "edited-coding" || kind == "orphaned-coding")).then_some((kind, c))
        })
        .collect()
}

/// Marks the edited codings among `segs` and adds the orphaned ones
/// (which `segments` leaves out) at the span and quote they were coded
/// on, from a check report.
pub(super) fn mark(segs: &mut Vec<Seg>, report: &Value, coder: Option<&str>) {
    let s = |c: &Value, k: &str| {
        c[k].as_str()
            .unwrap_or_else(|| panic!("check item without {k}: {c}"))
            .to_owned()
    };
    let n = |c: &Value, k: &str| {
        c[k].as_i64()
            .unwrap_or_else(|| panic!("check item without {k}: {c}"))
    };
    let mut edited = BTreeSet::new();
    for (kind, c) in listed(report, coder) {
        if kind == "edited-coding" {
            edited.insert(s(c, "id"));
            continue;
        }
        segs.push(Seg {
            id: s(c, "id"),
            coder: s(c, "coder"),
            path: String::new(),
            sig: Sig {
                transcript: s(c, "transcript"),
                start: n(c, "start"),
                end: n(c, "end"),
                code: s(c, "code"),
                text: s(c, "quote"),
                memo: None,
                review: Review::Orphaned,
            },
        });
    }
    for seg in segs.iter_mut() {
        if edited.remove(&seg.id) {
            seg.sig.review = Review::Edited;
        }
    }
    assert!(
        edited.is_empty(),
        "check lists edited codings that segments does not: {edited:?}"
    );
}

/// Replaces a file as careful editors do, through a temporary file of the
/// coder's own (coders edit at the same time).
fn replace(scratch: &Path, coder: &str, dest: &Path, text: &str) {
    let tmp = scratch.join(format!("edit-{coder}.tmp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dest).unwrap();
}

/// What a review cycle resolves its coding with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Accept,
    Reattach,
    Uncode,
}

impl Worker<'_> {
    /// One review cycle: a transcript of its own, a coding on it, an edit
    /// that leaves the coding edited or orphaned, and the action that
    /// resolves it. `forced` picks the action by the coder's number, so
    /// that the first round does each one.
    pub(super) fn review(&mut self, forced: bool) {
        let shared = self.shared;
        let _edit = shared.edit.read().unwrap();
        let action = if forced {
            let i: usize = self.name[1..].parse().expect("coder number");
            [Action::Accept, Action::Reattach, Action::Uncode][(i + 2) % 3]
        } else {
            *self
                .rng
                .pick(&[Action::Accept, Action::Reattach, Action::Uncode])
        };
        let orphan = action != Action::Accept && self.rng.percent(50);
        self.counter += 1;
        let id = format!("rv-{}-{}", self.name, self.counter);
        let turn1 = format!(
            "[00:00:01] ANA: {} ⟨{id}:a⟩\n\n",
            words(&mut self.rng, 2, 3)
        );
        let head = "[00:00:05] BEN: ";
        let (open, close) = (format!("⟨{id}:b⟩ "), format!(" ⟨{id}:c⟩"));
        // Short, so that more than a third of the passage survives the
        // rewording (less is orphaned).
        let middle = words(&mut self.rng, 2, 2);
        let target = format!("⟨{id}:d⟩");
        let turn3 = format!("[00:00:09] ANA: {} {target}\n", words(&mut self.rng, 2, 3));
        let text = format!("{turn1}{head}{open}{middle}{close}\n\n{turn3}");
        let uid = self.review_setup(&id, &text, chars(&turn1) + chars(head));
        // The edit: words replaced inside the coded passage, or its turn
        // deleted.
        let new = if orphan {
            format!("{turn1}{turn3}")
        } else {
            let reworded = format!("révisé ✎ {}", words(&mut self.rng, 1, 3));
            format!("{turn1}{head}{open}{reworded}{close}\n\n{turn3}")
        };
        replace(
            &shared.scratch,
            &self.name,
            &shared.transcript_path(&id),
            &new,
        );
        lock(&shared.texts).insert(
            id.clone(),
            Text {
                now: new.clone(),
                shift: 0,
            },
        );
        let c = self.state.all.get_mut(&uid).expect("model coding");
        if orphan {
            c.review = Review::Orphaned;
        } else {
            c.be += chars(&new) as i64 - chars(&text) as i64;
            c.quote = cp_slice(&new, c.bs as usize, c.be as usize);
            c.review = Review::Edited;
        }
        let cid = self.review_listed(&id, uid, orphan);
        self.resolve(action, uid, &cid, &new, &target);
    }

    /// Imports the review transcript and codes `open..close` on it (no
    /// kill: the cycle is about what follows). Returns the coding's model
    /// id.
    fn review_setup(&mut self, id: &str, text: &str, start: usize) -> u64 {
        let shared = self.shared;
        let src = shared.scratch.join(format!("{id}.txt"));
        std::fs::write(&src, text).unwrap();
        let ran = shared.run(
            &["import".to_owned(), src.to_string_lossy().into_owned()],
            None,
            "import (review)",
        );
        assert!(ran.end == End::Ok, "import of {id}: {}", ran.stderr);
        let disk = std::fs::read_to_string(shared.transcript_path(id)).unwrap();
        assert_eq!(disk, text, "{id}: imported text differs from its source");
        lock(&shared.texts).insert(
            id.to_owned(),
            Text {
                now: disk,
                shift: 0,
            },
        );
        let end = occurrences(text, &format!("⟨{id}:c⟩"))[0] + chars(&format!("⟨{id}:c⟩"));
        let code = {
            let book = lock(&shared.book);
            let stable: Vec<String> = book
                .live
                .iter()
                .filter(|c| c.stable)
                .map(|c| c.id.clone())
                .collect();
            self.rng.pick(&stable).clone()
        };
        let args = vec![
            "code".to_owned(),
            id.to_owned(),
            format!("--chars={start}-{end}"),
            code.clone(),
            "--coder".to_owned(),
            self.name.clone(),
        ];
        let ran = shared.run(&args, None, "code (review)");
        assert!(
            ran.end == End::Ok,
            "{}: motif {}: {}",
            self.name,
            args.join(" "),
            ran.stderr
        );
        let uid = self.uid();
        self.state.apply(&Effect::Batch {
            new: vec![(
                uid,
                MCoding {
                    transcript: id.to_owned(),
                    bs: start as i64,
                    be: end as i64,
                    quote: cp_slice(text, start, end),
                    code,
                    memo: None,
                    id: None,
                    review: Review::Settled,
                },
            )],
            removed: Vec::new(),
        });
        self.torn_possible = false;
        uid
    }

    /// After the edit, `check --json` lists the coding as the model says
    /// (edited: where it is placed and what it reads now); returns its id.
    fn review_listed(&mut self, id: &str, uid: u64, orphan: bool) -> String {
        let (report, _) = read_check(self.shared);
        let mine: Vec<(&str, &Value)> = listed(&report, Some(&self.name))
            .into_iter()
            .filter(|(_, c)| c["transcript"] == id)
            .collect();
        let want = &self.state.all[&uid];
        let what = format!(
            "seed {}: {}: after editing {id}",
            self.shared.cfg.seed, self.name
        );
        assert_eq!(mine.len(), 1, "{what}: check lists {mine:?}");
        let (kind, c) = mine[0];
        if orphan {
            assert_eq!(kind, "orphaned-coding", "{what}: {c}");
        } else {
            assert_eq!(kind, "edited-coding", "{what}: {c}");
            let now = &c["now"];
            assert_eq!(
                (
                    now["start"].as_i64(),
                    now["end"].as_i64(),
                    now["text"].as_str()
                ),
                (Some(want.bs), Some(want.be), Some(want.quote.as_str())),
                "{what}: the edited coding is not placed on its reworded passage: {c}"
            );
        }
        let cid = c["id"].as_str().expect("coding id").to_owned();
        self.state.all.get_mut(&uid).expect("model coding").id = Some(cid.clone());
        cid
    }

    /// Runs the review action on coding `cid` (model `uid`), perhaps
    /// killed, and holds the model to it.
    fn resolve(&mut self, action: Action, uid: u64, cid: &str, text: &str, target: &str) {
        let old = self.state.all[&uid].clone();
        let coder = ["--coder".to_owned(), self.name.clone()];
        let (kind, mut args, new, said): (&'static str, Vec<String>, Option<MCoding>, &str) =
            match action {
                Action::Accept => (
                    "code --accept",
                    vec!["code".to_owned(), "--accept".to_owned(), cid.to_owned()],
                    Some(MCoding {
                        review: Review::Settled,
                        ..old
                    }),
                    "accepted coding ",
                ),
                Action::Reattach => {
                    let a = occurrences(text, target)[0];
                    let b = a + chars(target);
                    (
                        "code --reattach",
                        vec![
                            "code".to_owned(),
                            "--reattach".to_owned(),
                            cid.to_owned(),
                            format!("--chars={a}-{b}"),
                        ],
                        Some(MCoding {
                            bs: a as i64,
                            be: b as i64,
                            quote: cp_slice(text, a, b),
                            review: Review::Settled,
                            ..old
                        }),
                        "re-attached coding ",
                    )
                }
                Action::Uncode => (
                    "uncode --id",
                    vec!["uncode".to_owned(), "--id".to_owned(), cid.to_owned()],
                    None,
                    "removed coding ",
                ),
            };
        args.extend(coder);
        let new = new.map(|c| (self.uid(), c)).into_iter().collect();
        let effect = Effect::Batch {
            new,
            removed: vec![uid],
        };
        let said = format!("{said}{cid} ");
        self.perform(kind, &args, Predict::Succeed(effect), true, &|out| {
            out.starts_with(&said)
        });
    }
}
