//! `motif search`, `similar` and `index` on real dialogue (an Apollo 11
//! air-to-ground excerpt, public domain): results agree with a plain scan
//! of the text, offsets are code points, filters hold, auto-coding makes one
//! coding per hit in one undo step, and the index looks after itself.

use std::collections::BTreeSet;
use std::process::Stdio;

use regex::Regex;
use serde_json::Value;

use crate::util::{Proj, SAMPLE, cp_find, cp_slice, fixture, motif_cmd};

/// A project with the Apollo 11 excerpt imported as `a11` (speakers CC,
/// CMP, CDR…) and the sample as `x`, with a role attribute on each.
fn apollo() -> (Proj, String) {
    let p = Proj::new();
    let src = std::fs::read(fixture("search/a11-tec-excerpt.txt")).unwrap();
    p.write("in/a11.txt", &src);
    p.ok(&[
        "import",
        p.path("in/a11.txt").to_str().unwrap(),
        "--attr",
        "role=astronaut",
    ]);
    p.write("in/x.txt", SAMPLE.as_bytes());
    p.ok(&[
        "import",
        p.path("in/x.txt").to_str().unwrap(),
        "--attr",
        "role=student",
    ]);
    let text = p.read("transcripts/a11.txt");
    (p, text)
}

fn hits(v: &Value) -> &Vec<Value> {
    v["hits"].as_array().unwrap()
}

fn span(m: &Value) -> (usize, usize) {
    (
        m[0].as_u64().unwrap() as usize,
        m[1].as_u64().unwrap() as usize,
    )
}

/// Checks the contract on every hit (text is the transcript's text at the
/// offsets, matches inside) and returns all matches of transcript `t` as
/// absolute code-point spans.
fn all_matches(p: &Proj, v: &Value, t: &str) -> BTreeSet<(usize, usize)> {
    let mut out = BTreeSet::new();
    for h in hits(v) {
        let tid = h["transcript"].as_str().unwrap();
        let text = p.read(&format!("transcripts/{tid}.txt"));
        let (s, e) = (
            h["start"].as_u64().unwrap() as usize,
            h["end"].as_u64().unwrap() as usize,
        );
        let passage = h["text"].as_str().unwrap();
        assert_eq!(passage.chars().count(), e - s, "text length is end-start");
        assert_eq!(cp_slice(&text, s, e), passage, "text is the transcript's");
        for m in h["matches"].as_array().unwrap() {
            let (a, b) = span(m);
            assert!(s <= a && a < b && b <= e, "match {a}-{b} outside {s}-{e}");
            if tid == t {
                assert!(out.insert((a, b)), "match {a}-{b} reported twice");
            }
        }
    }
    out
}

/// Code-point spans of every match of `re` in `text`.
fn scan(text: &str, re: &str) -> BTreeSet<(usize, usize)> {
    Regex::new(re)
        .unwrap()
        .find_iter(text)
        .filter(|m| !m.as_str().is_empty())
        .map(|m| {
            let a = text[..m.start()].chars().count();
            (a, a + m.as_str().chars().count())
        })
        .collect()
}

/// A hit is a whole speaker turn's words: it starts right after `NAME: `
/// (after `[hh:mm:ss] NAME: ` when the turn is timed)
/// and ends where the turn ends.
fn assert_is_turn(text: &str, h: &Value) {
    let s = h["start"].as_u64().unwrap() as usize;
    let e = h["end"].as_u64().unwrap() as usize;
    let before: String = text.chars().take(s).collect();
    let line_start = before.rsplit('\n').next().unwrap();
    assert!(
        // Import puts a stamp written above a turn in front of its label.
        Regex::new(r"^(?:\[[0-9:]+\] )?[A-Z0-9 ]+: $")
            .unwrap()
            .is_match(line_start),
        "hit does not start after a speaker label: {line_start:?}"
    );
    let after: String = text.chars().skip(e).take(3).collect();
    assert!(
        after.is_empty() || after.starts_with('\n'),
        "hit does not end at a line end: {after:?}"
    );
    assert_eq!(
        h["speaker"].as_str().unwrap(),
        line_start
            .trim_end_matches(": ")
            .rsplit("] ")
            .next()
            .unwrap()
    );
}

fn search(p: &Proj, args: &[&str]) -> Value {
    let mut a = vec!["search"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--json", "--limit", "1000", "--transcript", "a11"]);
    p.json(&a)
}

#[test]
fn terms_phrases_prefixes_and_fuzzy_words_agree_with_a_plain_scan() {
    let (p, text) = apollo();
    let cases = [
        ("houston", r"(?i)\bhouston\b"),
        // Stemming: marks, marking and mark are one word.
        ("marks", r"(?i)\bmark(s|ing)?\b"),
        ("\"stand by\"", r"(?i)\bstand(s|ing)?\W+by\b"),
        ("subst*", r"(?i)\bsubst\w*"),
        ("Trunion~1", r"(?i)\btrunnion\b"),
        ("\"star 45\"", r"(?i)\bstar\W+45\b"),
    ];
    for (q, re) in cases {
        let v = search(&p, &[q]);
        let expected = scan(&text, re);
        assert!(!expected.is_empty(), "{q}: the fixture has no matches");
        assert_eq!(all_matches(&p, &v, "a11"), expected, "{q}");
        assert_eq!(v["total"].as_u64().unwrap() as usize, hits(&v).len());
        for h in hits(&v) {
            assert_is_turn(&text, h);
            assert!(
                !h["matches"].as_array().unwrap().is_empty(),
                "{q}: a hit without matches"
            );
        }
        // Ranked: best first.
        let scores: Vec<f64> = hits(&v)
            .iter()
            .map(|h| h["score"].as_f64().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{q}: not ranked");
    }
    // Fuzzy finds the words within one edit, computed here the slow way.
    let v = search(&p, &["stares~1"]);
    let words = Regex::new(r"\w+").unwrap();
    let expected: BTreeSet<(usize, usize)> = words
        .find_iter(&text)
        .filter(|m| edits(&m.as_str().to_lowercase(), "stares") <= 1)
        .map(|m| {
            let a = text[..m.start()].chars().count();
            (a, a + m.as_str().chars().count())
        })
        .collect();
    assert!(expected.len() > 3);
    assert_eq!(all_matches(&p, &v, "a11"), expected);
}

/// Edit distance with swaps of neighbours (optimal string alignment).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[test]
fn boolean_queries_select_the_right_turns() {
    let (p, _) = apollo();
    let base = search(&p, &["houston"]);
    let word = |w: &str| Regex::new(&format!(r"(?i)\b{w}\b")).unwrap();
    let starts = |v: &Value| -> BTreeSet<u64> {
        hits(v)
            .iter()
            .map(|h| h["start"].as_u64().unwrap())
            .collect()
    };
    let having = |w: &str, yes: bool| -> BTreeSet<u64> {
        hits(&base)
            .iter()
            .filter(|h| word(w).is_match(h["text"].as_str().unwrap()) == yes)
            .map(|h| h["start"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        starts(&search(&p, &["houston AND over"])),
        having("over", true)
    );
    assert_eq!(starts(&search(&p, &["houston over"])), having("over", true));
    assert_eq!(
        starts(&search(&p, &["houston NOT over"])),
        having("over", false)
    );
    assert_eq!(
        starts(&search(&p, &["houston -over"])),
        having("over", false)
    );
    // OR: the union, matches from both sides.
    let either = search(&p, &["trunnion OR substellar"]);
    let one = starts(&search(&p, &["trunnion"]));
    let other = starts(&search(&p, &["substellar"]));
    assert_eq!(starts(&either), one.union(&other).copied().collect());
    // Words under NOT are never highlighted.
    let v = search(&p, &["(houston OR roger) NOT over"]);
    for h in hits(&v) {
        for m in h["matches"].as_array().unwrap() {
            let (a, b) = span(m);
            let t = p.read("transcripts/a11.txt");
            let w = cp_slice(&t, a, b).to_lowercase();
            assert!(w == "houston" || w == "roger", "{w}");
        }
    }
    // A malformed query says what is wrong.
    let err = p.fail(&["search", "\"stand by"]);
    assert!(err.contains("quote"), "{err}");
    let err = p.fail(&["search", "houston OR"]);
    assert!(err.contains("OR"), "{err}");
}

#[test]
fn regex_reports_every_match_in_exactly_one_hit() {
    let (p, text) = apollo();
    for re in [
        r"(?i)\bstar \d+",
        r"\d\d:\d\d",
        r"CMP: Okay",
        r"(?s)Stand by\..{0,40}",
        r"[A-Z]{3,}",
    ] {
        let v = p.json(&["search", re, "--regex", "--json", "--transcript", "a11"]);
        let expected = scan(&text, re);
        assert!(!expected.is_empty(), "{re}");
        assert_eq!(all_matches(&p, &v, "a11"), expected, "{re}");
        let n: usize = hits(&v)
            .iter()
            .map(|h| h["matches"].as_array().unwrap().len())
            .sum();
        assert_eq!(n, expected.len(), "{re}: every match exactly once");
        assert_eq!(
            v["total"].as_u64().unwrap() as usize,
            hits(&v).len(),
            "{re}"
        );
    }
    let err = p.fail(&["search", "(unclosed", "--regex"]);
    assert!(err.contains("regular expression"), "{err}");
}

#[test]
fn offsets_are_code_points_in_non_ascii_text() {
    let (p, _) = apollo();
    let x = p.read("transcripts/x.txt");
    for (q, expected) in [
        ("飞桨", "飞桨"),
        ("cafe", "Café"),
        ("pytorch", "PyTorch"),
        ("\"avez vous\"", "avez-vous"),
        ("paddlepadd*", "PaddlePaddle"),
    ] {
        let v = p.json(&["search", q, "--json", "--transcript", "x"]);
        assert_eq!(v["total"], 1, "{q}");
        let h = &hits(&v)[0];
        let (a, b) = span(&h["matches"][0]);
        assert_eq!(a, cp_find(&x, expected), "{q}");
        assert_eq!(cp_slice(&x, a, b), expected, "{q}");
        all_matches(&p, &v, "x");
    }
    // Exact: no stemming (case and accents are still ignored).
    let v = p.json(&["search", "CAFE", "--exact", "--json"]);
    assert_eq!(v["total"], 1);
    let v = p.json(&["search", "marks", "--exact", "--json", "--limit", "100"]);
    let a11 = p.read("transcripts/a11.txt");
    assert_eq!(all_matches(&p, &v, "a11"), scan(&a11, r"(?i)\bmarks\b"));
    // A single ideograph; and a regex on an emoji.
    let v = p.json(&["search", "桨", "--json"]);
    assert_eq!(span(&hits(&v)[0]["matches"][0]).0, cp_find(&x, "桨"));
    let v = p.json(&["search", "🚀 h", "--regex", "--json"]);
    let (a, b) = span(&hits(&v)[0]["matches"][0]);
    assert_eq!((a, b), (cp_find(&x, "🚀"), cp_find(&x, "🚀") + 3));
    // Human output: transcript, line, speaker and the matched word.
    let out = p.ok(&["search", "飞桨"]);
    assert!(
        out.contains("x:3") && out.contains("LI NA") && out.contains("飞桨"),
        "{out}"
    );
}

#[test]
fn filters_hold() {
    let (p, text) = apollo();
    let v = p.json(&[
        "search",
        "okay",
        "--speaker",
        "cmp",
        "--json",
        "--limit",
        "1000",
    ]);
    assert!(v["total"].as_u64().unwrap() > 3);
    for h in hits(&v) {
        assert_eq!(h["speaker"], "CMP");
    }
    let all = p.json(&["search", "okay", "--json", "--limit", "1000"]);
    assert!(all["total"].as_u64() > v["total"].as_u64());
    // Two speakers: either.
    let both = p.json(&[
        "search",
        "roger",
        "--speaker",
        "CC",
        "--speaker",
        "CMP",
        "--json",
        "--limit",
        "1000",
    ]);
    for h in hits(&both) {
        assert!(h["speaker"] == "CC" || h["speaker"] == "CMP");
    }
    // Attributes and transcripts.
    let v = p.json(&[
        "search",
        "pytorch OR houston",
        "--attr",
        "role=student",
        "--json",
    ]);
    assert!(hits(&v).iter().all(|h| h["transcript"] == "x"));
    assert_eq!(v["total"], 1);
    let v = p.json(&[
        "search",
        "pytorch OR houston",
        "--attr",
        "ROLE=Astronaut",
        "--json",
        "--limit",
        "1000",
    ]);
    assert!(hits(&v).iter().all(|h| h["transcript"] == "a11"));
    let err = p.fail(&["search", "houston", "--attr", "colour=red"]);
    assert!(
        err.contains("attributes.csv") && err.contains("role"),
        "{err}"
    );
    let err = p.fail(&["search", "houston", "--transcript", "nope"]);
    assert!(err.contains("nope"), "{err}");
    // In the query itself.
    let v = p.json(&["search", "okay speaker:CMP", "--json", "--limit", "1000"]);
    assert_eq!(v["total"], all_of(&p, "okay", "CMP"));
    // --code: only turns overlapping a segment of the code or its subcodes.
    p.ok(&["codes", "add", "navigation", "-d", "Star sightings"]);
    p.ok(&["codes", "add", "navigation/marks", "-d", "Marks"]);
    let at = cp_find(&text, "substellar point");
    let span_arg = format!("{at}-{}", at + 16);
    p.ok(&["code", "a11", "--chars", &span_arg, "navigation/marks"]);
    let v = p.json(&["search", "point", "--code", "navigation", "--json"]);
    assert_eq!(v["total"], 1);
    let h = &hits(&v)[0];
    let (s, e) = (
        h["start"].as_u64().unwrap() as usize,
        h["end"].as_u64().unwrap() as usize,
    );
    assert!(s <= at && at + 16 <= e);
    let v = p.json(&["search", "houston", "--code", "navigation", "--json"]);
    assert_eq!(v["total"], 0);
    // Regex honours the filters too.
    let v = p.json(&[
        "search",
        r"(?i)okay",
        "--regex",
        "--speaker",
        "CMP",
        "--json",
    ]);
    assert!(hits(&v).iter().all(|h| h["speaker"] == "CMP"));
}

fn all_of(p: &Proj, word: &str, speaker: &str) -> u64 {
    p.json(&["search", word, "--speaker", speaker, "--json"])["total"]
        .as_u64()
        .unwrap()
}

#[test]
fn autocode_makes_one_coding_per_hit_and_undoes_in_one_step() {
    let (p, _) = apollo();
    p.ok(&["codes", "add", "navigation", "-d", "Star sightings"]);
    let before = p.snapshot();
    // A dry run changes nothing and says what it would do.
    let out = p.ok(&[
        "search",
        "trunnion",
        "--autocode",
        "navigation",
        "--dry-run",
    ]);
    assert!(out.contains("would code"), "{out}");
    assert_eq!(p.snapshot(), before);
    let v = p.json(&["search", "trunnion", "--autocode", "navigation", "--json"]);
    let n = hits(&v).len();
    assert!(n >= 2);
    assert_eq!(v["autocode"]["codings"], n);
    let segs = p.json(&["segments", "--json"]);
    let segs = segs.as_array().unwrap();
    assert_eq!(segs.len(), n);
    for (s, h) in segs.iter().zip(sorted_hits(&v)) {
        assert_eq!(s["start"], h["start"]);
        assert_eq!(s["end"], h["end"]);
        assert_eq!(s["text"], h["text"]);
    }
    // Again: nothing new, each reported as already coded.
    let v2 = p.json(&["search", "trunnion", "--autocode", "navigation", "--json"]);
    assert_eq!(v2["autocode"]["codings"], 0);
    assert_eq!(v2["autocode"]["already"], n);
    // One undo step removes them all.
    let out = p.ok(&["undo"]);
    assert!(
        out.contains(&format!("{n} codings removed")) || out.contains(&format!("{n} coding")),
        "{out}"
    );
    assert!(
        p.json(&["segments", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Each match instead of each passage.
    let out = p.ok(&[
        "search",
        "marks",
        "--autocode",
        "navigation",
        "--autocode-span",
        "match",
    ]);
    let v = p.json(&["search", "marks", "--json", "--limit", "1000"]);
    let matches: usize = hits(&v)
        .iter()
        .map(|h| h["matches"].as_array().unwrap().len())
        .sum();
    assert!(out.contains(&format!("coded {matches} matches")), "{out}");
    let segs = p.json(&["segments", "--json"]);
    assert_eq!(segs.as_array().unwrap().len(), matches);
    for s in segs.as_array().unwrap() {
        assert!(
            s["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .starts_with("mark")
        );
    }
    p.ok(&["undo"]);
    assert!(
        p.json(&["segments", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// The hits without their scores (which move when other transcripts come
/// and go), in reading order.
fn without_scores(v: &Value) -> Vec<Value> {
    sorted_hits(v)
        .into_iter()
        .map(|h| {
            let mut h = h.clone();
            h.as_object_mut().unwrap().remove("score");
            h
        })
        .collect()
}

fn sorted_hits(v: &Value) -> Vec<&Value> {
    let mut h: Vec<&Value> = hits(v).iter().collect();
    h.sort_by_key(|h| {
        (
            h["transcript"].as_str().unwrap().to_owned(),
            h["start"].as_u64(),
        )
    });
    h
}

#[test]
fn a_deleted_or_corrupted_index_is_rebuilt_and_says_so() {
    let (p, _) = apollo();
    let first = p.run(&["search", "houston", "--json"]);
    assert!(first.status.success());
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(err.contains("building it"), "{err}");
    let expected: Value = serde_json::from_slice(&first.stdout).unwrap();
    // Current: silent.
    let again = p.run(&["search", "houston", "--json"]);
    assert!(
        again.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let index = p.path(".motif/index");
    let check = |what: &str| {
        let out = p.run(&["search", "houston", "--json"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{what}: {err}");
        assert!(err.contains(what), "{what}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(without_scores(&v), without_scores(&expected));
    };
    std::fs::remove_dir_all(&index).unwrap();
    check("deleted");
    std::fs::write(index.join("meta.json"), b"\x00\x01 not json").unwrap();
    check("damaged");
    for e in std::fs::read_dir(&index).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "store" || x == "idx") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    check("damaged");
    // An update whose process died before finishing left its marker.
    p.write(".motif/locks/index.updating", b"4242");
    p.write(
        "in/later.txt",
        b"ANA: nothing about the capcom here\nBEN: no\n",
    );
    p.ok(&["import", p.path("in/later.txt").to_str().unwrap()]);
    check("interrupted");
    // `motif index --rebuild` on demand.
    let out = p.ok(&["index", "--rebuild"]);
    assert!(out.contains("built the search index"), "{out}");
    let out = p.ok(&["index"]);
    assert!(out.contains("up to date"), "{out}");
}

#[test]
fn a_newly_imported_transcript_is_found_without_a_manual_step() {
    let (p, _) = apollo();
    assert_eq!(p.json(&["search", "tranquility", "--json"])["total"], 0);
    p.write("in/tb.txt", b"[00:00:01] CDR: Houston, Tranquility Base here. The Eagle has landed.\n\n[00:00:09] CC: Roger, Tranquility.\n");
    p.ok(&["import", p.path("in/tb.txt").to_str().unwrap()]);
    let v = p.json(&["search", "tranquility", "--json"]);
    assert_eq!(v["total"], 2);
    assert!(hits(&v).iter().all(|h| h["transcript"] == "tb"));
    // Changed and removed transcripts too.
    std::fs::write(
        p.path("transcripts/tb.txt"),
        "[00:00:01] CDR: The Eagle has landed.\n",
    )
    .unwrap();
    assert_eq!(p.json(&["search", "tranquility", "--json"])["total"], 0);
    assert_eq!(p.json(&["search", "eagle", "--json"])["total"], 1);
    std::fs::remove_file(p.path("transcripts/tb.txt")).unwrap();
    assert_eq!(p.json(&["search", "eagle", "--json"])["total"], 0);
}

#[test]
fn two_processes_search_while_a_third_codes() {
    let (p, text) = apollo();
    p.ok(&["codes", "add", "navigation", "-d", "Star sightings"]);
    let spawn_search = || {
        motif_cmd()
            .arg("--project")
            .arg(&p.root)
            .args(["search", "houston OR star*", "--json", "--limit", "5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let starts: Vec<usize> = Regex::new(r"(?i)\bstar\b")
        .unwrap()
        .find_iter(&text)
        .map(|m| text[..m.start()].chars().count())
        .take(6)
        .collect();
    let mut totals = BTreeSet::new();
    // The first round races on building the index.
    for (round, at) in starts.iter().take(3).enumerate() {
        let a = spawn_search();
        let b = spawn_search();
        let coder = motif_cmd()
            .arg("--project")
            .arg(&p.root)
            .args([
                "code",
                "a11",
                "--chars",
                &format!("{at}-{}", at + 4),
                "navigation",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for child in [a, b, coder] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if out.stdout.starts_with(b"{") {
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                totals.insert(v["total"].as_u64().unwrap());
            }
        }
    }
    assert_eq!(
        totals.len(),
        1,
        "every search saw the same hits: {totals:?}"
    );
    assert_eq!(p.json(&["segments", "--json"]).as_array().unwrap().len(), 3);
}

#[test]
fn saved_queries_are_plain_text_and_run_again() {
    let (p, _) = apollo();
    let direct = p.json(&["search", "star* -houston", "--speaker", "CC", "--json"]);
    let saved = p.json(&[
        "search",
        "--save",
        "stars",
        "star* -houston",
        "--speaker",
        "CC",
        "--json",
    ]);
    assert_eq!(direct, saved);
    let file = p.read("queries/stars.toml");
    assert!(
        file.contains("query = \"star* -houston\"") && file.contains("CC"),
        "{file}"
    );
    assert_eq!(p.json(&["search", "@stars", "--json"]), direct);
    let list = p.ok(&["search", "--saved"]);
    assert!(
        list.contains("@stars") && list.contains("--speaker CC"),
        "{list}"
    );
    // Saved regex queries keep their kind.
    p.ok(&["search", "--save", "times", r"\d\d:\d\d:\d\d", "--regex"]);
    let v = p.json(&["search", "@times", "--json"]);
    assert!(v["total"].as_u64().unwrap() > 10);
    let err = p.fail(&["search", "@nothing"]);
    assert!(err.contains("@stars") && err.contains("@times"), "{err}");
    // Auto-coding a saved query.
    p.ok(&["codes", "add", "stars", "-d", "Stars"]);
    let v = p.json(&["search", "@stars", "--autocode", "stars", "--json"]);
    assert_eq!(v["autocode"]["codings"], v["total"]);
}

#[test]
fn similar_passages_across_transcripts() {
    let (p, text) = apollo();
    let at = cp_find(&text, "Those shaft and trunnion angles");
    let span_arg = format!("{at}-{}", at + 31);
    let v = p.json(&[
        "similar", "a11", "--chars", &span_arg, "--json", "--limit", "5",
    ]);
    assert!(!hits(&v).is_empty());
    for h in hits(&v) {
        let (s, e) = (
            h["start"].as_u64().unwrap() as usize,
            h["end"].as_u64().unwrap() as usize,
        );
        assert!(
            !(h["transcript"] == "a11" && s <= at && at < e),
            "the source passage is left out"
        );
        assert!(!h["matches"].as_array().unwrap().is_empty());
    }
    all_matches(&p, &v, "a11");
    let out = p.ok(&["similar", "a11", "--chars", &span_arg, "--limit", "3"]);
    assert!(out.contains("a11:"), "{out}");
    p.ok(&["codes", "add", "angles", "-d", "Angles"]);
    let v = p.json(&[
        "similar",
        "a11",
        "--chars",
        &span_arg,
        "--limit",
        "3",
        "--autocode",
        "angles",
        "--json",
    ]);
    assert_eq!(v["autocode"]["codings"], 3);
    let err = p.fail(&["similar", "a11", "--chars", "0-999999"]);
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn human_output_is_keyword_in_context() {
    let (p, _) = apollo();
    let out = p.ok(&["search", "trunnion", "--limit", "2"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("a11:"), "{out}");
    assert!(lines[0].contains("trunnion"), "{out}");
    assert!(lines[2].contains("matching passages"), "{out}");
    // Escape sequences in a transcript never reach the terminal.
    p.write(
        "in/evil.txt",
        "ANA: the \u{1b}[31mred\u{1b}[0m trunnion\nANA: bye\n".as_bytes(),
    );
    p.ok(&["import", p.path("in/evil.txt").to_str().unwrap()]);
    let out = p.ok(&["search", "red", "--color", "always"]);
    assert!(!out.contains("\u{1b}[31m"), "{out:?}");
}

#[test]
fn deep_queries_are_refused_with_the_limit_not_a_crash() {
    let p = Proj::with_sample();
    let parens = format!("{}café{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}café", "NOT ".repeat(30_000));
    for q in [&parens, &nots] {
        let out = p.run(&["search", q]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("100 levels"), "{err}");
    }
    // A shallow query still runs.
    p.ok(&[
        "search",
        &format!("{}café{}", "(".repeat(50), ")".repeat(50)),
    ]);
    // A saved query (a shared repository can carry one): the file is named.
    p.write(
        "queries/deep.toml",
        format!("query = \"{nots}\"\n").as_bytes(),
    );
    let before = p.snapshot();
    let err = p.fail(&["search", "@deep"]);
    assert!(err.contains("100 levels"), "{err}");
    assert!(err.contains("deep.toml"), "{err}");
    assert_eq!(p.snapshot(), before);
}

/// Every file under `.motif/index/` with its bytes and modification time.
fn index_files(p: &Proj) -> std::collections::BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let dir = p.path(".motif/index");
    let mut out = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            let m = e.metadata().unwrap().modified().unwrap();
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                (std::fs::read(e.path()).unwrap(), m),
            );
        }
    }
    out
}

#[test]
fn a_huge_limit_means_all_and_leaves_the_index_alone() {
    let (p, text) = apollo();
    // Transcripts written just now are in the index's "racy" window: a
    // later search re-reads them and records them as settled (a commit
    // of meta.json alone). Written an hour ago, they are settled at once.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in std::fs::read_dir(p.path("transcripts")).unwrap() {
        let f = std::fs::File::options()
            .append(true)
            .open(e.unwrap().path())
            .unwrap();
        f.set_modified(an_hour_ago).unwrap();
    }
    let all = p.json(&["search", "houston", "--json", "--limit", "1000"]);
    let before = index_files(&p);
    assert!(!before.is_empty());
    let at = cp_find(&text, "Those shaft and trunnion angles");
    let span_arg = format!("{at}-{}", at + 31);
    for huge in [i64::MAX.to_string(), usize::MAX.to_string()] {
        for args in [
            vec!["search", "houston", "--json", "--limit", &huge],
            vec![
                "similar", "a11", "--chars", &span_arg, "--json", "--limit", &huge,
            ],
        ] {
            let out = p.run(&args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{args:?}: {err}");
            assert!(!err.contains("damaged") && !err.contains("rebuil"), "{err}");
            if args[0] == "search" {
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(without_scores(&v), without_scores(&all));
            }
        }
    }
    assert_eq!(index_files(&p), before);
}
