//! Analysis and exports: co-occurrence (three units), matrices, filtered
//! frequencies and segments — every number recounted here from the plain
//! `segments --json` list — plus CSV that survives commas, quotes and
//! newlines, the self-contained HTML report, and word frequencies counted
//! by hand. The texts mix accents, CJK and emoji throughout.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::{Proj, SAMPLE, cp_find};

/// A transcript with speakers whose text carries markup and CSV trouble.
const Y: &str = "[00:00:02] ANA: <script>alert('x')</script> & \"quoted\" talk, with commas\nand a second line about 東京.\n\n[00:00:09] BEN: Zoë says ça va 🚀 — naïve café, 北京 ok.\n\n[00:00:15] ANA: Short.\n";
/// A transcript without speakers: paragraphs stand in for turns.
const Z: &str = "First paragraph about café, framework.\nStill the first.\n\nSecond paragraph 北京 🚀.\n\nThird one, with \"quotes\", commas.\n";

/// The codes, in codebook order.
const CODES: [&str; 5] = [
    "theme",
    "theme/sub",
    "other",
    "fast, \"cheap\" <b>&'",
    "unused",
];
const SCRIPT_DESC: &str = "<script>alert(\"boo\")</script> & 'friends'";

#[derive(Debug, Clone)]
struct Seg {
    transcript: String,
    start: usize,
    end: usize,
    code: String,
    coder: String,
}

/// The sample project: transcripts x (SAMPLE), y and z; attributes with
/// awkward values (z has no role); codes with markup and commas in names
/// and definitions; codings by ana and ben spread over everything.
fn project() -> Proj {
    let p = Proj::with_sample();
    for (id, text) in [("y", Y), ("z", Z)] {
        p.write(&format!("in/{id}.txt"), text.as_bytes());
        p.ok(&["import", p.path(&format!("in/{id}.txt")).to_str().unwrap()]);
    }
    p.ok(&["codes", "add", "other", "--description", SCRIPT_DESC]);
    p.ok(&["codes", "add", CODES[3], "--description", "Cheap & fast"]);
    p.ok(&["codes", "add", "unused", "--description", "never used"]);
    p.write(
        "attributes.csv",
        "id,role,wave\nx,\"étudiant, \"\"PhD\"\"\",1\ny,\"maintainer\nsenior\",2\nz,,10\n"
            .as_bytes(),
    );
    let mut rows = Vec::new();
    for (ti, (id, text)) in [("x", SAMPLE), ("y", Y), ("z", Z)].iter().enumerate() {
        let len = text.chars().count();
        for i in 0..45 {
            let start = (i * 37 + ti * 11) % (len - 1);
            let end = (start + 1 + (i * 13) % 30).min(len);
            let code = CODES[(i * 7 + ti) % 4];
            let coder = if i % 3 == 0 { "ben" } else { "ana" };
            let mut row = serde_json::json!({
                "transcript": id, "start": start, "end": end, "code": code, "coder": coder,
            });
            if i % 5 == 0 {
                row["memo"] =
                    Value::from(format!("memo {i}, with \"quotes\" <i>&</i>\nand a line"));
            }
            rows.push(row);
        }
    }
    // The markup in y, whole, in a quote.
    let s = cp_find(Y, "<script>");
    let e = cp_find(Y, " about");
    rows.push(serde_json::json!({"transcript": "y", "start": s, "end": e, "code": "other", "coder": "ben"}));
    // Two spans that touch without sharing a code point, in one turn.
    let a = cp_find(SAMPLE, "PaddlePaddle");
    rows.push(serde_json::json!({"transcript": "x", "start": a, "end": a + 6, "code": "unused", "coder": "ana"}));
    rows.push(serde_json::json!({"transcript": "x", "start": a + 6, "end": a + 12, "code": "other", "coder": "ana"}));
    p.write(
        "in/codings.json",
        serde_json::to_string(&rows).unwrap().as_bytes(),
    );
    p.ok(&[
        "code",
        "--from",
        p.path("in/codings.json").to_str().unwrap(),
    ]);
    p
}

fn segments(p: &Proj) -> Vec<Seg> {
    p.json(&["segments", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Seg {
            transcript: s["transcript"].as_str().unwrap().to_owned(),
            start: s["start"].as_u64().unwrap() as usize,
            end: s["end"].as_u64().unwrap() as usize,
            code: s["code"].as_str().unwrap().to_owned(),
            coder: s["coder"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// Code-point offsets where turns start: lines `[hh:mm:ss] NAME:` in a
/// transcript with speakers, paragraph starts in one without.
fn turn_starts(text: &str) -> Vec<usize> {
    let label = regex::Regex::new(r"^\[\d\d:\d\d:\d\d\] [^:]+:").unwrap();
    let speakers = text.lines().any(|l| label.is_match(l));
    let mut starts = Vec::new();
    let mut pos = 0;
    let mut blank_before = true;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        let starts_turn = if speakers {
            label.is_match(line)
        } else {
            !blank && blank_before
        };
        if starts_turn {
            starts.push(pos);
        }
        blank_before = blank;
        pos += line.chars().count();
    }
    starts
}

fn texts(p: &Proj) -> BTreeMap<String, String> {
    ["x", "y", "z"]
        .iter()
        .map(|id| ((*id).to_owned(), p.read(&format!("transcripts/{id}.txt"))))
        .collect()
}

/// Co-occurrence recounted pair by pair.
fn recount_cooccurrence(
    segs: &[Seg],
    codes: &[&str],
    unit: &str,
    texts: &BTreeMap<String, String>,
) -> Vec<Vec<usize>> {
    let starts: BTreeMap<&str, Vec<usize>> = texts
        .iter()
        .map(|(id, text)| (id.as_str(), turn_starts(text)))
        .collect();
    let unit_of = |t: &str, pos: usize| starts[t].iter().filter(|&&s| s <= pos).count();
    let mut m = vec![vec![0; codes.len()]; codes.len()];
    for (i, a) in codes.iter().enumerate() {
        for (j, b) in codes.iter().enumerate() {
            if i == j {
                m[i][j] = segs.iter().filter(|s| s.code == *a).count();
                continue;
            }
            for x in segs.iter().filter(|s| s.code == *a) {
                for y in segs
                    .iter()
                    .filter(|s| s.code == *b && s.transcript == x.transcript)
                {
                    let hit = match unit {
                        "overlap" => x.start < y.end && y.start < x.end,
                        "turn" => {
                            let t = &x.transcript;
                            let (x0, x1) = (unit_of(t, x.start), unit_of(t, x.end - 1));
                            let (y0, y1) = (unit_of(t, y.start), unit_of(t, y.end - 1));
                            x0 <= y1 && y0 <= x1
                        }
                        _ => true,
                    };
                    m[i][j] += usize::from(hit);
                }
            }
        }
    }
    m
}

fn matrix_of(v: &Value) -> Vec<Vec<usize>> {
    v["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap() as usize)
                .collect()
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Attribute values as the test wrote them.
fn role(t: &str) -> Option<&'static str> {
    match t {
        "x" => Some("étudiant, \"PhD\""),
        "y" => Some("maintainer\nsenior"),
        _ => None,
    }
}

fn wave(t: &str) -> &'static str {
    match t {
        "x" => "1",
        "y" => "2",
        _ => "10",
    }
}

#[test]
fn cooccurrence_recounts_in_every_unit() {
    let p = project();
    let segs = segments(&p);
    assert!(segs.len() > 120, "{}", segs.len());
    let texts = texts(&p);
    for unit in ["overlap", "turn", "transcript"] {
        let args: Vec<&str> = if unit == "overlap" {
            vec!["export", "cooccurrence", "--json"]
        } else {
            vec!["export", "cooccurrence", "--json", "--unit", unit]
        };
        let c = p.json(&args);
        assert_eq!(c["format"], "motif.cooccurrence");
        assert_eq!(c["version"], 1);
        assert_eq!(c["unit"], unit);
        assert_eq!(strings(&c["codes"]), CODES);
        let want = recount_cooccurrence(&segs, &CODES, unit, &texts);
        assert_eq!(matrix_of(&c), want, "unit {unit}");
    }
    // The touching spans share no code point but do share a turn.
    let overlap = matrix_of(&p.json(&["export", "cooccurrence", "--json"]));
    let turn = matrix_of(&p.json(&["export", "cooccurrence", "--json", "--unit", "turn"]));
    assert!(turn[4][2] > overlap[4][2], "{turn:?} {overlap:?}");
    // The units nest: overlap ≤ turn ≤ transcript, cell by cell.
    let whole = matrix_of(&p.json(&["export", "cooccurrence", "--json", "--unit", "transcript"]));
    for i in 0..CODES.len() {
        for j in 0..CODES.len() {
            assert!(overlap[i][j] <= turn[i][j] && turn[i][j] <= whole[i][j]);
        }
    }
}

#[test]
fn cooccurrence_with_filters_recounts() {
    let p = project();
    let all = segments(&p);
    let texts = texts(&p);
    // ben only, transcripts of wave 2 or 10, codes under theme.
    let c = p.json(&[
        "export",
        "cooccurrence",
        "--json",
        "--unit",
        "turn",
        "--coder",
        "ben",
        "--attr",
        "wave=2",
        "--attr",
        "wave=10",
        "--code",
        "theme",
    ]);
    let codes = ["theme", "theme/sub"];
    assert_eq!(strings(&c["codes"]), codes);
    assert_eq!(c["coders"], serde_json::json!(["ben"]));
    let mine: Vec<Seg> = all
        .iter()
        .filter(|s| s.coder == "ben" && s.transcript != "x" && codes.contains(&s.code.as_str()))
        .cloned()
        .collect();
    assert_eq!(
        matrix_of(&c),
        recount_cooccurrence(&mine, &codes, "turn", &texts)
    );
    // A human table and CSV of the same numbers.
    let human = p.ok(&["export", "cooccurrence", "--code", "theme"]);
    assert!(
        human.contains("1 theme") && human.contains("2 theme/sub"),
        "{human}"
    );
}

#[test]
fn matrix_recounts_by_transcript_and_attribute() {
    let p = project();
    let segs = segments(&p);
    let m = p.json(&["export", "matrix", "--by", "transcript", "--json"]);
    assert_eq!(m["format"], "motif.matrix");
    assert_eq!(m["version"], 1);
    assert_eq!(m["by"], "transcript");
    assert_eq!(strings(&m["columns"]), ["x", "y", "z"]);
    let rows = m["rows"].as_array().unwrap();
    assert_eq!(rows.len(), CODES.len());
    for (row, code) in rows.iter().zip(CODES) {
        assert_eq!(row["code"], code);
        for (k, t) in ["x", "y", "z"].iter().enumerate() {
            let n = segs
                .iter()
                .filter(|s| s.code == code && s.transcript == *t)
                .count();
            assert_eq!(row["counts"][k], n, "{code} in {t}");
        }
    }
    // By role: values sorted, then "(none)" for z.
    let m = p.json(&["export", "matrix", "--by", "role", "--json"]);
    let columns = strings(&m["columns"]);
    assert_eq!(
        columns,
        ["maintainer\nsenior", "étudiant, \"PhD\"", "(none)"]
    );
    for (row, code) in m["rows"].as_array().unwrap().iter().zip(CODES) {
        for (k, col) in columns.iter().enumerate() {
            let n = segs
                .iter()
                .filter(|s| s.code == code && role(&s.transcript).unwrap_or("(none)") == col)
                .count();
            assert_eq!(row["counts"][k], n, "{code} × {col}");
        }
        let total: usize = segs.iter().filter(|s| s.code == code).count();
        assert_eq!(row["total"], total);
    }
    // Numbers sort as numbers.
    let m = p.json(&["export", "matrix", "--by", "wave", "--json"]);
    assert_eq!(strings(&m["columns"]), ["1", "2", "10"]);
    // Filters: one code (with its subcode), ana only, transcripts y and z.
    let m = p.json(&[
        "export",
        "matrix",
        "--by",
        "wave",
        "--json",
        "--code",
        "theme",
        "--coder",
        "ana",
        "--transcript",
        "y",
        "--transcript",
        "z",
    ]);
    assert_eq!(strings(&m["columns"]), ["2", "10"]);
    let rows = m["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, code) in rows.iter().zip(["theme", "theme/sub"]) {
        for (k, w) in ["2", "10"].iter().enumerate() {
            let n = segs
                .iter()
                .filter(|s| s.code == code && s.coder == "ana" && wave(&s.transcript) == *w)
                .count();
            assert_eq!(row["counts"][k], n);
        }
    }
    // Unknown attribute: a clear error.
    let err = p.fail(&["export", "matrix", "--by", "colour"]);
    assert!(
        err.contains("no attribute `colour`") && err.contains("role, wave"),
        "{err}"
    );
    let human = p.ok(&["export", "matrix", "--by", "role"]);
    assert!(
        human.contains("(none)") && human.contains("total"),
        "{human}"
    );
    assert!(!human.contains("maintainer\nsenior"), "{human}");
}

/// Frequencies recounted from segments filtered by hand.
fn check_frequencies(p: &Proj, args: &[&str], keep: &dyn Fn(&Seg) -> bool, transcripts: usize) {
    let mut full = vec!["export", "frequencies"];
    full.extend_from_slice(args);
    let f = p.json(&full);
    let segs: Vec<Seg> = segments(p).into_iter().filter(|s| keep(s)).collect();
    assert_eq!(f["totals"]["segments"], segs.len(), "{args:?}");
    assert_eq!(f["totals"]["transcripts"], transcripts, "{args:?}");
    let coded: BTreeSet<&str> = segs.iter().map(|s| s.transcript.as_str()).collect();
    assert_eq!(f["totals"]["coded_transcripts"], coded.len(), "{args:?}");
    let codes = f["codes"].as_array().unwrap();
    assert_eq!(codes.len(), CODES.len(), "every code appears");
    for (row, code) in codes.iter().zip(CODES) {
        assert_eq!(row["code"], code);
        let mine: Vec<&Seg> = segs.iter().filter(|s| s.code == code).collect();
        assert_eq!(row["segments"], mine.len(), "{code} {args:?}");
        let ts: BTreeSet<&str> = mine.iter().map(|s| s.transcript.as_str()).collect();
        assert_eq!(row["transcripts"], ts.len());
        let mut by_t: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_c: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &mine {
            *by_t.entry(&s.transcript).or_default() += 1;
            *by_c.entry(&s.coder).or_default() += 1;
        }
        assert_eq!(row["by_transcript"], serde_json::json!(by_t));
        assert_eq!(row["by_coder"], serde_json::json!(by_c));
        let incl = segs
            .iter()
            .filter(|s| s.code == code || s.code.starts_with(&format!("{code}/")))
            .count();
        assert_eq!(row["segments_incl_children"], incl);
    }
}

#[test]
fn filtered_frequencies_recount() {
    let p = project();
    check_frequencies(&p, &[], &|_| true, 3);
    check_frequencies(
        &p,
        &["--code", "theme"],
        &|s| s.code.starts_with("theme"),
        3,
    );
    check_frequencies(&p, &["--code", CODES[3]], &|s| s.code == CODES[3], 3);
    check_frequencies(
        &p,
        &["--attr", "role=étudiant, \"PhD\""],
        &|s| s.transcript == "x",
        1,
    );
    // `KEY=` selects transcripts without the attribute.
    check_frequencies(&p, &["--attr", "role="], &|s| s.transcript == "z", 1);
    check_frequencies(&p, &["--transcript", "y"], &|s| s.transcript == "y", 1);
    check_frequencies(&p, &["--coder", "ben"], &|s| s.coder == "ben", 3);
    check_frequencies(
        &p,
        &[
            "--coder",
            "ana",
            "--attr",
            "wave=2",
            "--attr",
            "wave=10",
            "--code",
            "other",
            "--transcript",
            "x",
            "--transcript",
            "z",
        ],
        &|s| s.coder == "ana" && s.transcript == "z" && s.code == "other",
        1,
    );
    // An attribute value no transcript has: a note, and nothing counted.
    let out = p.run(&["export", "frequencies", "--attr", "role=nobody"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no transcript has role=nobody"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(f["totals"]["segments"], 0);
    assert_eq!(f["totals"]["transcripts"], 0);
    // Bad filters are errors that say what exists.
    let err = p.fail(&["export", "frequencies", "--attr", "colour=red"]);
    assert!(err.contains("no attribute `colour`"), "{err}");
    let err = p.fail(&["export", "frequencies", "--attr", "role"]);
    assert!(err.contains("NAME=VALUE"), "{err}");
    let err = p.fail(&["export", "frequencies", "--code", "nope"]);
    assert!(err.contains("nope"), "{err}");
    let err = p.fail(&["export", "frequencies", "--transcript", "nope"]);
    assert!(err.contains("no transcript `nope`"), "{err}");
    let err = p.fail(&["export", "cooccurrence", "--coder", "zed"]);
    assert!(err.contains("no coder `zed`"), "{err}");
    let out = p.run(&["export", "cooccurrence", "--unit", "sentence"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn segments_take_the_same_filters() {
    let p = project();
    let all = segments(&p);
    let listed = p.json(&[
        "segments", "--json", "--attr", "wave=2", "--coder", "ben", "--code", "other",
    ]);
    let want = all
        .iter()
        .filter(|s| s.transcript == "y" && s.coder == "ben" && s.code == "other")
        .count();
    assert_eq!(listed.as_array().unwrap().len(), want);
    assert!(want > 0);
    // Positional codes and --code add up.
    let both = p.json(&["export", "segments", "sub", "--code", "other", "--json"]);
    let want = all
        .iter()
        .filter(|s| s.code == "theme/sub" || s.code == "other")
        .count();
    assert_eq!(both.as_array().unwrap().len(), want);
}

fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_survives_commas_quotes_and_newlines() {
    let p = project();
    // Matrix by role: the column names hold a comma, quotes and a newline.
    let json = p.json(&["export", "matrix", "--by", "role", "--json"]);
    let (header, rows) = read_csv(&p.ok(&["export", "matrix", "--by", "role", "--csv"]));
    let mut want = vec!["code".to_owned()];
    want.extend(strings(&json["columns"]));
    assert_eq!(header, want);
    for (rec, row) in rows.iter().zip(json["rows"].as_array().unwrap()) {
        assert_eq!(rec[0], row["code"].as_str().unwrap());
        let counts: Vec<String> = row["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(rec[1..], counts[..]);
    }
    // Co-occurrence: a code name with a comma, quotes and markup.
    let json = p.json(&["export", "cooccurrence", "--json"]);
    let (header, rows) = read_csv(&p.ok(&["export", "cooccurrence", "--csv"]));
    assert_eq!(header[4], CODES[3]);
    assert_eq!(rows[3][0], CODES[3]);
    for (rec, row) in rows.iter().zip(matrix_of(&json)) {
        let nums: Vec<usize> = rec[1..].iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(nums, row);
    }
    // -o FILE.csv picks CSV by the extension.
    let path = p.path("out/cooc.csv");
    p.ok(&["export", "cooccurrence", "-o", path.to_str().unwrap()]);
    assert_eq!(read_csv(&p.read("out/cooc.csv")).0, header);
    // Segments: text and memos with commas, quotes and newlines.
    let json = p.json(&["segments", "--json"]);
    let (header, rows) = read_csv(&p.ok(&["segments", "--csv"]));
    let text_col = header.iter().position(|h| h == "text").unwrap();
    let memo_col = header.iter().position(|h| h == "memo").unwrap();
    let json_rows = json.as_array().unwrap();
    assert_eq!(rows.len(), json_rows.len());
    let mut tricky = 0;
    for (rec, row) in rows.iter().zip(json_rows) {
        assert_eq!(rec[text_col], row["text"].as_str().unwrap());
        assert_eq!(rec[memo_col], row["memo"].as_str().unwrap_or(""));
        tricky += usize::from(rec[text_col].contains(['\n', ',', '"']));
    }
    assert!(tricky > 5, "{tricky}");
    // Frequencies CSV reads back with a column per coder.
    let (header, rows) = read_csv(&p.ok(&["export", "frequencies", "--csv", "--code", "theme"]));
    assert_eq!(header[header.len() - 2..], ["coder:ana", "coder:ben"]);
    assert_eq!(rows.len(), CODES.len());
    assert_eq!(rows[3][1], CODES[3]);
}

#[test]
fn html_report_is_escaped_and_self_contained() {
    let p = project();
    let count = p.json(&["segments", "--json"]).as_array().unwrap().len();
    let html = p.ok(&["segments", "--html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100]);
    assert!(html.trim_end().ends_with("</html>"));
    // Nothing raw: not the description's script, not the transcript's.
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a raw script tag");
    assert!(!html.contains(SCRIPT_DESC));
    assert!(
        html.contains(
            "&lt;script&gt;alert(&quot;boo&quot;)&lt;/script&gt; &amp; &#39;friends&#39;"
        )
    );
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!html.contains("<b>&'"), "the code name is escaped");
    assert!(html.contains("fast, &quot;cheap&quot; &lt;b&gt;&amp;&#39;"));
    assert!(!html.contains("<i>&</i>") && html.contains("&lt;i&gt;&amp;&lt;/i&gt;"));
    // Nothing external: no sources, links only within the page.
    for bad in [
        "src=", "url(", "@import", "http:", "https:", "<link", "<img", "<iframe",
    ] {
        assert!(!lower.contains(bad), "found {bad}");
    }
    for (i, _) in html.match_indices("href=") {
        assert!(html[i..].starts_with("href=\"#"), "{}", &html[i..i + 40]);
    }
    // The three parts: codebook, chart, every quote with its details.
    assert!(html.contains("id=\"codebook\"") && html.contains("id=\"frequencies\""));
    assert_eq!(html.matches("<figure class=\"quote\">").count(), count);
    assert_eq!(html.matches("class=\"bar\"").count(), CODES.len());
    assert!(
        html.contains("never used"),
        "definitions of unused codes too"
    );
    assert!(html.contains("LI NA") && html.contains("coded by ben"));
    assert!(html.contains("飞桨") || html.contains("🚀") || html.contains("Zoë"));
    assert!(html.contains("<b>Memo:</b> memo "));
    // Filters apply; -o FILE.html picks HTML.
    let path = p.path("out/quotes.html");
    p.ok(&[
        "segments",
        "--attr",
        "wave=2",
        "--code",
        "other",
        "-o",
        path.to_str().unwrap(),
    ]);
    let filtered = p.read("out/quotes.html");
    let want = p
        .json(&["segments", "--json", "--attr", "wave=2", "--code", "other"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(filtered.matches("<figure class=\"quote\">").count(), want);
    assert_eq!(filtered.matches("class=\"bar\"").count(), 1);
    assert!(filtered.contains("selection: wave=2; codes other"));
    // Markdown keeps speaker, the turn's time, line, coder and memo.
    let md = p.ok(&["segments", "--md", "--transcript", "x"]);
    assert!(
        md.contains(" · LI NA · 00:00:07 · line")
            || md.contains(" · INTERVIEWER · 00:00:01 · line"),
        "{md}"
    );
    assert!(md.contains("*Memo:* memo"), "{md}");
}

/// A project with one transcript for counting words by hand.
fn words_project() -> Proj {
    let p = Proj::new();
    p.write(
        "in/w.txt",
        "[00:00:01] ANA: The framework and the frameworks, café CAFÉ café.\n\n[00:00:05] BEN: 北京 🚀 don’t stop. Frameworks!\n".as_bytes(),
    );
    p.write("in/v.txt", "Stop the café.\n".as_bytes());
    p.ok(&[
        "import",
        p.path("in/w.txt").to_str().unwrap(),
        p.path("in/v.txt").to_str().unwrap(),
    ]);
    p.ok(&["codes", "add", "tools", "--description", "Tools"]);
    p.ok(&["codes", "add", "tools/python", "--description", "Python"]);
    p
}

fn word_counts(v: &Value) -> BTreeMap<String, (u64, u64)> {
    v["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["word"].as_str().unwrap().to_owned(),
                (
                    w["count"].as_u64().unwrap(),
                    w["transcripts"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn words_match_a_hand_count() {
    let p = words_project();
    // What was said (labels and timestamps left out), lower-cased, `’` as `'`:
    // w: the framework and the frameworks café café café | 北 京 don't stop frameworks
    // v: stop the café
    let all = p.json(&["words", "--json"]);
    assert_eq!(all["format"], "motif.words");
    assert_eq!(all["text"], "all");
    assert_eq!(all["total"], 16);
    let want: BTreeMap<String, (u64, u64)> = [
        ("the", (3, 2)),
        ("framework", (1, 1)),
        ("and", (1, 1)),
        ("frameworks", (2, 1)),
        ("café", (4, 2)),
        ("北", (1, 1)),
        ("京", (1, 1)),
        ("don't", (1, 1)),
        ("stop", (2, 2)),
    ]
    .into_iter()
    .map(|(w, n)| (w.to_owned(), n))
    .collect();
    assert_eq!(word_counts(&all), want);
    // Highest count first, ties alphabetically.
    let order: Vec<&str> = all["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["word"].as_str().unwrap())
        .collect();
    assert_eq!(order[..3], ["café", "the", "frameworks"]);
    // Stopwords: the, and, don't go.
    let s = p.json(&["words", "--json", "--stopwords", "en"]);
    assert_eq!(s["total"], 16);
    assert_eq!(s["counted"], 11);
    let counts = word_counts(&s);
    assert!(!counts.contains_key("the") && !counts.contains_key("don't"));
    assert_eq!(counts["café"], (4, 2));
    // Stems: framework + frameworks count together, named by the commoner form.
    let st = p.json(&["words", "--json", "--stopwords", "en", "--stem"]);
    let fw = st["words"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["stem"] == "framework")
        .unwrap();
    assert_eq!(fw["count"], 3);
    assert_eq!(fw["word"], "frameworks");
    assert_eq!(fw["forms"], serde_json::json!(["frameworks", "framework"]));
    // --limit.
    let top = p.json(&["words", "--json", "--limit", "2"]);
    assert_eq!(top["words"].as_array().unwrap().len(), 2);
    assert_eq!(top["distinct"], 9);
    // Human and CSV forms.
    let human = p.ok(&["words", "--stopwords", "en"]);
    assert!(human.contains("café") && human.contains("北"), "{human}");
    let (header, rows) = read_csv(&p.ok(&["words", "--csv", "--stem"]));
    assert_eq!(header, ["word", "stem", "count", "transcripts", "forms"]);
    assert!(rows.iter().any(|r| r[0] == "frameworks" && r[2] == "3"));
}

#[test]
fn words_of_coded_text_count_each_code_point_once() {
    let p = words_project();
    let text = p.read("transcripts/w.txt");
    let a = cp_find(&text, "framework and");
    let b = cp_find(&text, "café CAFÉ");
    // ana: tools/python on "framework and the frameworks, café CAFÉ";
    // ben: tools on "frameworks, café CAFÉ café" (overlapping); ana: the
    // other code's text elsewhere must not count.
    let b_end = b + "café CAFÉ".chars().count();
    p.ok(&[
        "code",
        "w",
        "--chars",
        &format!("{a}-{b_end}"),
        "python",
        "--coder",
        "ana",
    ]);
    let f = cp_find(&text, "frameworks,");
    let end = cp_find(&text, "café.") + 4;
    p.ok(&[
        "code",
        "w",
        "--chars",
        &format!("{f}-{end}"),
        "tools",
        "--coder",
        "ben",
    ]);
    p.ok(&["codes", "add", "else", "--description", "Else"]);
    p.ok(&["code", "v", "--lines", "1-1", "else", "--coder", "ana"]);
    // Union: "framework and the frameworks, café CAFÉ café".
    let coded = p.json(&["words", "--json", "--code", "tools"]);
    assert_eq!(coded["text"], "coded");
    assert_eq!(coded["codes"], serde_json::json!(["tools", "tools/python"]));
    assert_eq!(coded["total"], 7);
    let want: BTreeMap<String, (u64, u64)> = [
        ("framework", (1, 1)),
        ("and", (1, 1)),
        ("the", (1, 1)),
        ("frameworks", (1, 1)),
        ("café", (3, 1)),
    ]
    .into_iter()
    .map(|(w, n)| (w.to_owned(), n))
    .collect();
    assert_eq!(word_counts(&coded), want);
    // Only ben's coding: "frameworks, café CAFÉ café".
    let ben = p.json(&["words", "--json", "--code", "tools", "--coder", "ben"]);
    assert_eq!(ben["total"], 4);
    // --coder alone reads what that coder coded, any code.
    let ana = p.json(&["words", "--json", "--coder", "ana"]);
    assert_eq!(ana["total"], 6 + 3);
    // Attribute and transcript filters narrow the text.
    let v = p.json(&["words", "--json", "--transcript", "v"]);
    assert_eq!(v["total"], 3);
    assert_eq!(v["transcripts"], 1);
}

/// Thousands of quotes (several chunks written on several threads): every
/// form lists each one once, JSON and CSV in the same order, Markdown and
/// HTML grouped by code in codebook order with each code's quotes in that
/// order too.
#[test]
fn large_quote_exports_keep_every_quote_in_order() {
    let p = Proj::with_sample();
    p.ok(&["codes", "add", "other"]);
    let len = SAMPLE.chars().count();
    let mut rows = Vec::new();
    // Distinct spans: every start with widths 1 to 11, on two codes.
    let m = len - 12;
    for i in 0..3000 {
        let (start, width) = (i % m, 1 + (i / m) % 11);
        let code = if (i / (m * 11)) % 2 == 1 {
            "other"
        } else {
            "theme"
        };
        rows.push(serde_json::json!({
            "transcript": "x", "start": start, "end": start + width,
            "code": code, "memo": format!("memo {i}"),
        }));
    }
    p.write(
        "in/many.json",
        serde_json::to_string(&rows).unwrap().as_bytes(),
    );
    p.ok(&["code", "--from", p.path("in/many.json").to_str().unwrap()]);

    let json = p.json(&["segments", "--json"]);
    let json = json.as_array().unwrap();
    assert_eq!(json.len(), 3000);
    let memos: Vec<&str> = json.iter().map(|r| r["memo"].as_str().unwrap()).collect();
    let distinct: BTreeSet<&str> = memos.iter().copied().collect();
    assert_eq!(distinct.len(), 3000, "every quote once");
    let keys: Vec<(u64, u64)> = json
        .iter()
        .map(|r| (r["start"].as_u64().unwrap(), r["end"].as_u64().unwrap()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "JSON in text order");

    let (header, csv_rows) = read_csv(&p.ok(&["segments", "--csv"]));
    let memo_col = header.iter().position(|h| h == "memo").unwrap();
    let csv_memos: Vec<&str> = csv_rows.iter().map(|r| r[memo_col].as_str()).collect();
    assert_eq!(csv_memos, memos, "CSV lists the quotes as JSON does");

    // Grouped by code: theme's quotes first (codebook order), then other's,
    // each group in the JSON order.
    let mut grouped: Vec<&str> = Vec::new();
    for code in ["theme", "other"] {
        grouped.extend(
            json.iter()
                .filter(|r| r["code"] == code)
                .map(|r| r["memo"].as_str().unwrap()),
        );
    }
    let md = p.ok(&["segments", "--md"]);
    let md_memos: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("*Memo:* "))
        .collect();
    assert_eq!(md_memos, grouped);
    let n_other = json.iter().filter(|r| r["code"] == "other").count();
    assert!(n_other > 500, "{n_other}");
    assert!(md.contains(&format!("## theme ({})", 3000 - n_other)));
    assert!(md.contains(&format!("## other ({n_other})")));
    let html = p.ok(&["segments", "--html"]);
    let html_memos: Vec<&str> = html
        .split("<b>Memo:</b> ")
        .skip(1)
        .map(|s| &s[..s.find("</p>").unwrap()])
        .collect();
    assert_eq!(html_memos, grouped);
    assert_eq!(html.matches("<section class=\"code\"").count(), 2);
    // The codebook, chart and quotes sections, and one per code.
    assert_eq!(html.matches("</section>").count(), 3 + 2);

    // -o FILE writes the same bytes as stdout.
    for (flag, file) in [("--json", "out/s.json"), ("--md", "out/s.md")] {
        let stdout = p.ok(&["segments", flag]);
        p.ok(&["segments", "-o", p.path(file).to_str().unwrap()]);
        assert_eq!(p.read(file), stdout, "{file}");
    }
}
