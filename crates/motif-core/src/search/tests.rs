//! Unit tests of search: passages, queries and their match spans on an
//! index in memory, regex grouping, more-like-this, and the index on disk
//! kept current and repaired.

use std::collections::BTreeMap;

use regex::Regex;

use super::*;
use crate::project::Attributes;

const P1: &str = "[00:00:01] INTERVIEWER: How did your team pick a framework?\n\n[00:00:07] JOÃO: We moved to PyTorch in 2018. Frameworks come and go — café talk decided it.\n\nThe open source community helped; open-source tutorials too.\n\n[00:01:10] INTERVIEWER: And standardization?\n\n[00:01:15] JOÃO: Standardizing on one framework was a relief.\n";
const P2: &str = "[00:00:02] INTERVIEWER: 你们用什么框架？\n\n[00:00:05] 李娜: 我们用飞桨，后来用 PyTorch。北京的团队也用飞桨。\n\n[00:00:09] INTERVIEWER: Why PaddlePaddle?\n\n[00:00:12] 李娜: Government support, and the framework had Chinese docs.\n";
const P3: &str = "A paragraph without speakers about TensorFlow.\n\nAnother paragraph: pytroch is misspelled here, and the framewrk too.\n";

fn corpus() -> (Vec<Transcript>, Attributes) {
    let ts = vec![
        Transcript::new("p1", P1.to_owned()),
        Transcript::new("p2", P2.to_owned()),
        Transcript::new("p3", P3.to_owned()),
    ];
    let mut rows = BTreeMap::new();
    rows.insert(
        "p1".to_owned(),
        BTreeMap::from([("role".to_owned(), "maintainer".to_owned())]),
    );
    rows.insert(
        "p2".to_owned(),
        BTreeMap::from([("role".to_owned(), "Research Engineer".to_owned())]),
    );
    (
        ts,
        Attributes {
            names: vec!["role".into()],
            rows,
            crlf: false,
        },
    )
}

fn index() -> (SearchIndex, Vec<Transcript>, Attributes) {
    let (ts, attrs) = corpus();
    let idx = SearchIndex::in_ram(&ts, &attrs).unwrap();
    (idx, ts, attrs)
}

fn run(idx: &SearchIndex, q: &str) -> Results {
    idx.search(&Request {
        query: q.into(),
        ..Request::default()
    })
    .unwrap()
}

/// The matched texts of every hit, checked against the transcripts: each
/// hit's text is the transcript's text at its offsets, and each match lies
/// inside its hit.
fn matched(res: &Results, ts: &[Transcript]) -> Vec<String> {
    let mut out = Vec::new();
    for h in &res.hits {
        let t = ts.iter().find(|t| t.id == h.transcript).unwrap();
        assert_eq!(t.slice_chars(h.start, h.end).unwrap(), h.text);
        assert_eq!(h.text.chars().count(), h.end - h.start);
        for &(a, b) in &h.matches {
            assert!(
                h.start <= a && a < b && b <= h.end,
                "{a}-{b} outside {}-{}",
                h.start,
                h.end
            );
            out.push(t.slice_chars(a, b).unwrap().to_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn passages_are_turn_bodies_in_code_points() {
    let t = Transcript::new("p1", P1.to_owned());
    let ps = passages(&t);
    assert_eq!(ps.len(), 4);
    assert_eq!(ps[0].speaker.as_deref(), Some("INTERVIEWER"));
    assert_eq!(
        t.slice_chars(ps[0].start, ps[0].end),
        Some("How did your team pick a framework?")
    );
    assert!(
        t.slice_chars(ps[1].start, ps[1].end)
            .unwrap()
            .ends_with("tutorials too.")
    );
    assert_eq!(ps[1].time.as_deref(), Some("00:00:07"));
    assert_eq!(ps[1].line, 3);
    let plain = Transcript::new("p3", P3.to_owned());
    assert_eq!(passages(&plain).len(), 2);
}

#[test]
fn passages_with_and_without_the_offset_index_agree() {
    let excerpt = include_str!("../../../../tests/fixtures/search/a11-tec-excerpt.txt");
    for (id, text) in [("p1", P1), ("p2", P2), ("p3", P3), ("a11", excerpt)] {
        let t = Transcript::new(id, text.to_owned());
        assert_eq!(passages(&t), passages_of(&t.text, &t.turns), "{id}");
    }
}

#[test]
fn stemmed_terms_match_word_forms_with_exact_spans() {
    let (idx, ts, _) = index();
    let res = run(&idx, "framework");
    // framework, Frameworks, framework (p1), framework (p2); not "framewrk".
    assert_eq!(
        matched(&res, &ts),
        ["Frameworks", "framework", "framework", "framework"]
    );
    assert_eq!(res.total, 4);
    let res = run(&idx, "standardization");
    assert_eq!(matched(&res, &ts), ["Standardizing", "standardization"]);
    // Accents fold: cafe finds café.
    assert_eq!(matched(&run(&idx, "cafe"), &ts), ["café"]);
}

#[test]
fn exact_mode_keeps_word_endings() {
    let (idx, ts, _) = index();
    let exact = |q: &str| {
        idx.search(&Request {
            query: q.into(),
            mode: Mode::Exact,
            ..Request::default()
        })
        .unwrap()
    };
    assert_eq!(matched(&exact("frameworks"), &ts), ["Frameworks"]);
    assert_eq!(matched(&exact("framework"), &ts).len(), 3);
    assert_eq!(exact("standardization").total, 1);
    // Case and accents are still ignored.
    assert_eq!(matched(&exact("CAFE"), &ts), ["café"]);
}

#[test]
fn phrases_prefixes_and_fuzzy_words() {
    let (idx, ts, _) = index();
    assert_eq!(
        matched(&run(&idx, "\"open source\""), &ts),
        ["open source", "open-source"]
    );
    assert_eq!(
        matched(&run(&idx, "frame*"), &ts),
        [
            "Frameworks",
            "framework",
            "framework",
            "framework",
            "framewrk"
        ]
    );
    // Prefixes apply to words as written (not their stems), any case.
    assert_eq!(
        matched(&run(&idx, "Standardiz*"), &ts),
        ["Standardizing", "standardization"]
    );
    // Word forms inside phrases: "framework come" finds "Frameworks come".
    assert_eq!(
        matched(&run(&idx, "\"framework come\""), &ts),
        ["Frameworks come"]
    );
    assert_eq!(
        matched(&run(&idx, "\"standardize on one\""), &ts),
        ["Standardizing on one"]
    );
    assert_eq!(
        matched(&run(&idx, "pytorch~1"), &ts),
        ["PyTorch", "PyTorch", "pytroch"]
    );
    assert_eq!(matched(&run(&idx, "pytorch"), &ts), ["PyTorch", "PyTorch"]);
}

#[test]
fn boolean_queries() {
    let (idx, ts, _) = index();
    let res = run(&idx, "framework AND pytorch");
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].transcript, "p1");
    let res = run(&idx, "tensorflow OR paddlepaddle");
    assert_eq!(matched(&res, &ts), ["PaddlePaddle", "TensorFlow"]);
    let res = run(&idx, "framework -pytorch");
    assert_eq!(res.total, 3);
    assert!(res.hits.iter().all(|h| !h.text.contains("PyTorch")));
    // Words under NOT are never reported as matches.
    let res = run(&idx, "NOT framework");
    assert!(
        res.hits
            .iter()
            .all(|h| !h.text.to_lowercase().contains("framework "))
    );
}

#[test]
fn cjk_text_is_searchable_with_code_point_offsets() {
    let (idx, ts, _) = index();
    let res = run(&idx, "飞桨");
    assert_eq!(res.total, 1);
    assert_eq!(matched(&res, &ts), ["飞桨", "飞桨"]);
    let h = &res.hits[0];
    assert_eq!(h.speaker.as_deref(), Some("李娜"));
    let t = &ts[1];
    let first = t.text.find("飞桨").unwrap();
    assert_eq!(h.matches[0].0, t.text[..first].chars().count());
    // A single ideograph is a term too; 北京 as a phrase.
    assert_eq!(matched(&run(&idx, "北京"), &ts), ["北京"]);
    assert_eq!(run(&idx, "京北").total, 0);
}

#[test]
fn filters_restrict_passages() {
    let (idx, _, _) = index();
    let with = |q: &str, filters: Vec<Filter>| {
        idx.search(&Request {
            query: q.into(),
            scope: SearchFilter {
                filters,
                codes: None,
            },
            ..Request::default()
        })
        .unwrap()
    };
    let res = with("framework", vec![Filter::Speaker("joão".into())]);
    assert_eq!(res.total, 2);
    assert!(
        res.hits
            .iter()
            .all(|h| h.speaker.as_deref() == Some("JOÃO"))
    );
    let res = with("framework", vec![Filter::Transcript("p2".into())]);
    assert_eq!(res.total, 1);
    let res = with(
        "framework",
        vec![Filter::Attribute("role".into(), "research engineer".into())],
    );
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].transcript, "p2");
    // Two speakers: either.
    let res = with(
        "framework",
        vec![
            Filter::Speaker("JOÃO".into()),
            Filter::Speaker("李娜".into()),
        ],
    );
    assert_eq!(res.total, 3);
    // In the query too.
    assert_eq!(run(&idx, "framework speaker:interviewer").total, 1);
    assert_eq!(run(&idx, "framework role:maintainer").total, 3);
}

#[test]
fn code_scope_keeps_passages_overlapping_segments() {
    let (idx, ts, _) = index();
    let map: BTreeMap<String, Transcript> = ts.iter().map(|t| (t.id.clone(), t.clone())).collect();
    // A segment on "PyTorch in 2018" in p1's second turn.
    let t = &ts[0];
    let at = t.char_at(t.text.find("PyTorch in").unwrap());
    let mut spans = BTreeMap::new();
    spans.insert("p1".to_owned(), vec![(at, at + 15)]);
    let mut keys = std::collections::HashSet::new();
    for p in passages(t) {
        if p.start < at + 15 && at < p.end {
            keys.insert(passage_key("p1", p.start));
        }
    }
    let scope = CodeScope { spans, keys };
    let _ = map;
    let res = idx
        .search(&Request {
            query: "framework".into(),
            scope: SearchFilter {
                filters: Vec::new(),
                codes: Some(scope),
            },
            ..Request::default()
        })
        .unwrap();
    assert_eq!(res.total, 1);
    assert!(res.hits[0].text.contains("PyTorch in 2018"));
}

#[test]
fn limits_keep_the_total() {
    let (idx, _, _) = index();
    let res = idx
        .search(&Request {
            query: "framework".into(),
            limit: Some(2),
            ..Request::default()
        })
        .unwrap();
    assert_eq!(res.total, 4);
    assert_eq!(res.hits.len(), 2);
    assert!(res.hits[0].score >= res.hits[1].score);
}

#[test]
fn lenient_requests_search_what_is_typed_so_far() {
    let (idx, _, _) = index();
    let live = |q: &str| {
        idx.search(&Request {
            query: q.into(),
            lenient: true,
            ..Request::default()
        })
        .unwrap()
    };
    assert_eq!(live("\"open sou").total, 0);
    assert_eq!(live("\"open source").total, 1);
    assert_eq!(live("(framework OR").total, 4);
    assert_eq!(live("").total, 0);
    assert_eq!(live("—").total, 0);
}

#[test]
fn queries_without_words_are_refused() {
    let (idx, _, _) = index();
    let e = idx
        .search(&Request {
            query: "— !".into(),
            ..Request::default()
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("no words"), "{e}");
}

#[test]
fn regex_matches_land_in_exactly_one_hit() {
    let t = Transcript::new("p1", P1.to_owned());
    let count = |pattern: &str| {
        Regex::new(pattern)
            .unwrap()
            .find_iter(&t.text)
            .filter(|m| !m.as_str().is_empty())
            .count()
    };
    for pattern in [
        r"(?i)framework\w*",
        r"\d+",
        r"INTERVIEWER",
        r"(?s)relief.*",
        r"\n\n",
        r"go — café",
        r"[A-Z]{2,}",
    ] {
        let re = Regex::new(pattern).unwrap();
        let hits = regex_hits(&t, &re);
        let mut seen = Vec::new();
        for h in &hits {
            assert_eq!(t.slice_chars(h.start, h.end).unwrap(), h.text, "{pattern}");
            for &(a, b) in &h.matches {
                assert!(
                    h.start <= a && b <= h.end,
                    "{pattern}: {a}-{b} outside {}-{}",
                    h.start,
                    h.end
                );
                seen.push((a, b));
            }
        }
        let expected: Vec<(usize, usize)> = re
            .find_iter(&t.text)
            .filter(|m| !m.as_str().is_empty())
            .map(|m| (t.char_at(m.start()), t.char_at(m.end())))
            .collect();
        assert_eq!(seen, expected, "{pattern}");
        assert_eq!(seen.len(), count(pattern));
        // Hits do not overlap.
        for w in hits.windows(2) {
            assert!(w[0].end <= w[1].start, "{pattern}: hits overlap");
        }
    }
    // A match in a speaker label widens the hit to hold it.
    let hits = regex_hits(&t, &Regex::new("JOÃO: We").unwrap());
    assert_eq!(hits.len(), 1);
    assert!(hits[0].text.starts_with("JOÃO: We moved"));
}

#[test]
fn regex_search_applies_filters() {
    let (ts, attrs) = corpus();
    let res = regex_search(&ts, &attrs, r"(?i)pytorch", &SearchFilter::default(), None).unwrap();
    assert_eq!(res.total, 2);
    let scope = SearchFilter {
        filters: vec![Filter::Attribute("role".into(), "maintainer".into())],
        codes: None,
    };
    let res = regex_search(&ts, &attrs, r"(?i)pytorch", &scope, None).unwrap();
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].transcript, "p1");
    let scope = SearchFilter {
        filters: vec![Filter::Speaker("李娜".into())],
        codes: None,
    };
    assert_eq!(
        regex_search(&ts, &attrs, r"PyTorch", &scope, None)
            .unwrap()
            .total,
        1
    );
    assert!(regex_search(&ts, &attrs, r"(unclosed", &SearchFilter::default(), None).is_err());
}

#[test]
fn similar_passages_share_distinctive_words() {
    let (idx, ts, _) = index();
    let t = &ts[0];
    let p = &passages(t)[3]; // "Standardizing on one framework was a relief."
    let res = idx
        .similar(t, p.start, p.end, &SearchFilter::default(), Some(5))
        .unwrap();
    assert!(res.total >= 1);
    for h in &res.hits {
        assert!(
            !(h.transcript == "p1" && h.start == p.start),
            "the source passage is left out"
        );
        assert!(!h.matches.is_empty());
    }
    assert!(
        res.hits[0].text.to_lowercase().contains("standard")
            || res.hits[0].text.contains("framework")
    );
}

#[test]
fn matcher_spans_are_code_points_with_non_ascii_text() {
    let (idx, ts, _) = index();
    let res = run(&idx, "talk");
    let h = &res.hits[0];
    let t = &ts[0];
    let b = t.text.find("talk").unwrap();
    assert_eq!(h.matches, vec![(t.char_at(b), t.char_at(b) + 4)]);
    assert_eq!(
        h.byte_range(h.matches[0].0, h.matches[0].1)
            .map(|(a, b)| &h.text[a..b]),
        Some("talk")
    );
    assert_eq!(h.line_of(h.matches[0].0), 3);
}

// The index on disk.

fn project_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let p = Project::init(&dir.path().join("study"), Some("s")).unwrap();
    for (id, text) in files {
        std::fs::write(p.transcripts_dir().join(format!("{id}.txt")), text).unwrap();
    }
    (dir, p)
}

fn open(p: &Project) -> (SearchIndex, UpdateReport) {
    SearchIndex::open(p, &mut |_, _, _| {}).unwrap()
}

fn total(idx: &SearchIndex, q: &str) -> usize {
    run(idx, q).total
}

#[test]
fn index_on_disk_follows_the_transcripts() {
    let (_d, p) = project_with(&[("p1", P1), ("p2", P2)]);
    let (idx, r) = open(&p);
    assert!(r.rebuilt);
    assert!(r.notices[0].contains("building it"), "{:?}", r.notices);
    assert_eq!(r.added, 2);
    assert_eq!(total(&idx, "framework"), 4);
    drop(idx);
    // Current: nothing to do.
    let (idx, r) = open(&p);
    assert!(!r.changed_anything() && r.notices.is_empty(), "{r:?}");
    drop(idx);
    // Added, changed, removed.
    std::fs::write(p.transcripts_dir().join("p3.txt"), P3).unwrap();
    std::fs::write(
        p.transcripts_dir().join("p2.txt"),
        "ANA: nothing about that here\nANA: bye\n",
    )
    .unwrap();
    std::fs::remove_file(p.transcripts_dir().join("p1.txt")).unwrap();
    let (idx, r) = open(&p);
    assert_eq!(
        (r.added, r.changed, r.removed, r.rebuilt),
        (1, 1, 1, false),
        "{r:?}"
    );
    assert_eq!(total(&idx, "framework"), 0);
    assert_eq!(total(&idx, "tensorflow"), 1);
    assert_eq!(idx.transcripts(), 2);
    drop(idx);
    // Attributes changing re-index the transcript they concern.
    std::fs::write(p.root.join("attributes.csv"), "id,role\np3,student\n").unwrap();
    let (idx, r) = open(&p);
    assert_eq!(r.changed, 1, "{r:?}");
    assert_eq!(total(&idx, "tensorflow role:student"), 1);
}

#[test]
fn damaged_missing_or_foreign_indexes_are_rebuilt_and_say_so() {
    let (_d, p) = project_with(&[("p1", P1)]);
    let dir = p.derived_dir().join("index");
    drop(open(&p));
    // meta.json garbage.
    std::fs::write(dir.join("meta.json"), b"{ not json").unwrap();
    let (idx, r) = open(&p);
    assert!(r.rebuilt && r.notices[0].contains("damaged"), "{r:?}");
    assert_eq!(total(&idx, "framework"), 3);
    drop(idx);
    // Deleted.
    std::fs::remove_dir_all(&dir).unwrap();
    let (idx, r) = open(&p);
    assert!(r.rebuilt && r.notices[0].contains("deleted"), "{r:?}");
    drop(idx);
    // Segment files removed.
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "idx") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let (idx, r) = open(&p);
    assert!(r.rebuilt && r.notices[0].contains("damaged"), "{r:?}");
    assert_eq!(total(&idx, "framework"), 3);
    drop(idx);
    // The marker of an update whose process died before finishing.
    std::fs::write(
        p.derived_dir().join("locks").join("index.updating"),
        b"4242",
    )
    .unwrap();
    let (idx, r) = open(&p);
    // The index is current, so nothing is rewritten until a change comes.
    assert!(!r.rebuilt);
    drop(idx);
    std::fs::write(p.transcripts_dir().join("p2.txt"), P2).unwrap();
    let (idx, r) = open(&p);
    assert!(r.rebuilt && r.notices[0].contains("interrupted"), "{r:?}");
    assert_eq!(total(&idx, "飞桨"), 1);
}

#[test]
fn a_live_writer_elsewhere_leaves_the_last_commit_searchable() {
    let (_d, p) = project_with(&[("p1", P1)]);
    drop(open(&p));
    std::fs::write(p.transcripts_dir().join("p2.txt"), P2).unwrap();
    // Another process holds the index lock.
    let lock = try_lock_for_test(&p);
    let (idx, r) = open(&p);
    assert!(r.stale, "{r:?}");
    assert!(r.notices[0].contains("another motif process"));
    assert_eq!(total(&idx, "framework"), 3);
    assert_eq!(total(&idx, "飞桨"), 0);
    drop(idx);
    drop(lock);
    let (idx, r) = open(&p);
    assert!(!r.stale);
    assert_eq!(total(&idx, "飞桨"), 1);
}

fn try_lock_for_test(p: &Project) -> std::fs::File {
    let path = p.derived_dir().join("locks").join("index.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap();
    f.lock().unwrap();
    f
}

#[test]
fn searches_rebuild_an_index_damaged_under_them() {
    let (_d, p) = project_with(&[("p1", P1)]);
    drop(open(&p));
    let req = Request {
        query: "framework".into(),
        ..Request::default()
    };
    let (res, r) = search_project(&p, &req, &mut |_, _, _| {}).unwrap();
    assert_eq!(res.total, 3);
    assert!(r.notices.is_empty());
    // Store files truncated: opening may work, reading documents fails.
    let dir = p.derived_dir().join("index");
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "store") {
            std::fs::write(path, b"garbage").unwrap();
        }
    }
    let (res, r) = search_project(&p, &req, &mut |_, _, _| {}).unwrap();
    assert_eq!(res.total, 3);
    assert!(
        r.rebuilt && r.notices.iter().any(|n| n.contains("damaged")),
        "{r:?}"
    );
}

#[test]
fn regex_over_project_files() {
    let (_d, p) = project_with(&[("p1", P1), ("p2", P2), ("p3", P3)]);
    let (res, problems) =
        regex_search_project(&p, r"(?i)py\w+", &SearchFilter::default(), None).unwrap();
    assert!(problems.is_empty());
    let n: usize = res.hits.iter().map(|h| h.matches.len()).sum();
    let re = Regex::new(r"(?i)py\w+").unwrap();
    let expected: usize = [P1, P2, P3].iter().map(|t| re.find_iter(t).count()).sum();
    assert_eq!(n, expected);
    assert_eq!(res.total, res.hits.len());
}
