//! Intercoder agreement: figures against reference implementations
//! (fixtures computed once with scikit-learn's `cohen_kappa_score` and the
//! `krippendorff` package by `tests/fixtures/agreement/compute_expected.py`;
//! see the README there), the worked example of `docs/agreement.md`, property
//! tests of the statistics, and the segment-level view with consensus.

use std::path::Path;

use motif_core::agreement::Counts;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::util::{Proj, cp_find, fixture};

/// Builds a project through the command line: transcripts imported, codes
/// added (parents first), codings applied with `code --from`.
fn build(transcripts: &[(&str, &str)], codes: &[&str], codings: &[Value]) -> Proj {
    let p = Proj::new();
    for (id, text) in transcripts {
        let rel = format!("in/{id}.txt");
        p.write(&rel, text.as_bytes());
        p.ok(&["import", p.path(&rel).to_str().unwrap()]);
    }
    for c in codes {
        p.ok(&["codes", "add", c, "--description", "for agreement tests"]);
    }
    p.write(
        "in/codings.json",
        serde_json::to_string(codings).unwrap().as_bytes(),
    );
    p.ok(&[
        "code",
        "--from",
        p.path("in/codings.json").to_str().unwrap(),
    ]);
    p
}

fn close(got: &Value, want: &Value, what: &str) {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-9, "{what}: got {g}, want {w}"),
        _ => assert_eq!(got, want, "{what}"),
    }
}

fn compare_stats(got: &Value, want: &Value, what: &str) {
    assert_eq!(got["units"], want["units"], "{what}: units");
    for key in ["percent_agreement", "cohen_kappa", "krippendorff_alpha"] {
        close(&got[key], &want[key], &format!("{what}: {key}"));
    }
}

#[test]
fn fixtures_match_the_reference_implementations() {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("agreement/expected.json")).unwrap())
            .unwrap();
    for project in doc["projects"].as_array().unwrap() {
        let name = project["name"].as_str().unwrap();
        let transcripts: Vec<(&str, &str)> = project["transcripts"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let codes: Vec<&str> = project["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let p = build(&transcripts, &codes, project["codings"].as_array().unwrap());
        // The texts arrive unchanged: the units are the same code points.
        let listed = p.json(&["transcripts", "--json"]);
        for t in listed.as_array().unwrap() {
            let text = project["transcripts"][t["id"].as_str().unwrap()]
                .as_str()
                .unwrap();
            assert_eq!(t["chars"], text.chars().count(), "{name}");
        }
        let want = &project["expected"];
        let coders: Vec<&str> = want["coders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let coders = coders.join(",");
        let mut args = vec!["agree", "--coders", &coders, "--json"];
        if want.get("matrix").is_some() {
            args.push("--matrix");
        }
        for t in project
            .get("named_transcripts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            args.extend(["--transcript", t.as_str().unwrap()]);
        }
        let got = p.json(&args);
        assert_eq!(got["format"], "motif.agreement");
        assert_eq!(got["version"], 1);
        assert_eq!(got["unit"], "char");
        assert_eq!(got["coders"], want["coders"], "{name}");
        assert_eq!(got["transcripts"], want["transcripts"], "{name}");
        let got_codes = got["codes"].as_array().unwrap();
        let want_codes = want["codes"].as_array().unwrap();
        assert_eq!(got_codes.len(), want_codes.len(), "{name}");
        for (g, w) in got_codes.iter().zip(want_codes) {
            assert_eq!(g["code"], w["code"], "{name}");
            assert_eq!(g["used"], w["used"], "{name} {}", w["code"]);
            compare_stats(g, w, &format!("{name}, code {}", w["code"]));
        }
        compare_stats(&got["pooled"], &want["pooled"], &format!("{name}, pooled"));
        assert_eq!(got["pooled"]["codes"], want["pooled"]["codes"], "{name}");
        if let Some(m) = want.get("matrix") {
            for key in [
                "units",
                "percent_agreement",
                "cohen_kappa",
                "krippendorff_alpha",
            ] {
                let (g, w) = (&got["matrix"][key], &m[key]);
                for a in 0..w.as_array().unwrap().len() {
                    for b in 0..w[a].as_array().unwrap().len() {
                        close(
                            &g[a][b],
                            &w[a][b],
                            &format!("{name}: matrix {key} [{a}][{b}]"),
                        );
                    }
                }
            }
        }
    }
}

/// The worked example of docs/agreement.md: a transcript of 100 code
/// points; ana codes frameworks on 10-40, ben on 20-50; both code
/// community on 60-70; nobody codes ideology; cleo codes frameworks on
/// 10-40.
fn worked_example() -> Proj {
    let text = format!("P: {}\n", "café 北京 ".repeat(12));
    assert_eq!(text.chars().count(), 100);
    let row = |coder: &str, code: &str, start: usize, end: usize| json!({"transcript": "t", "code": code, "start": start, "end": end, "coder": coder});
    build(
        &[("t", &text)],
        &["frameworks", "community", "ideology"],
        &[
            row("ana", "frameworks", 10, 40),
            row("ben", "frameworks", 20, 50),
            row("ana", "community", 60, 70),
            row("ben", "community", 60, 70),
            row("cleo", "frameworks", 10, 40),
        ],
    )
}

#[test]
fn worked_example_of_the_docs() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/agreement.md"))
            .unwrap();
    // The arithmetic as the document does it, from the counts it gives.
    let (both, ana, ben, neither) = (20.0, 10.0, 10.0, 60.0);
    let units: f64 = both + ana + ben + neither;
    let p_o = (both + neither) / units;
    let (p_ana, p_ben) = ((both + ana) / units, (both + ben) / units);
    let p_e = p_ana * p_ben + (1.0 - p_ana) * (1.0 - p_ben);
    let kappa = (p_o - p_e) / (1.0 - p_e);
    assert!((p_o - 0.8).abs() < 1e-12 && (p_e - 0.58).abs() < 1e-12);
    assert!((kappa - 11.0 / 21.0).abs() < 1e-12);
    let values = 2.0 * units;
    let ones = 2.0 * both + ana + ben;
    let zeros = values - ones;
    let pairs = ana + ben; // units rated 1 by one coder and 0 by the other
    let alpha = 1.0 - (values - 1.0) * pairs / (zeros * ones);
    assert!((alpha - 221.0 / 420.0).abs() < 1e-12);
    // Pooled with community (both coders on 10 units, neither on 90).
    let (pb, pn) = (both + 10.0, neither + 90.0);
    let pu = pb + ana + ben + pn;
    let po = (pb + pn) / pu;
    let pa = (pb + ana) / pu; // = ben's share
    let pe = pa * pa + (1.0 - pa) * (1.0 - pa);
    assert!(((po - pe) / (1.0 - pe) - 11.0 / 16.0).abs() < 1e-12);
    let (p_values, p_ones) = (2.0 * pu, 2.0 * pb + ana + ben);
    let pooled_alpha = 1.0 - (p_values - 1.0) * (ana + ben) / ((p_values - p_ones) * p_ones);
    assert!((pooled_alpha - 881.0 / 1280.0).abs() < 1e-12);
    // Three coders: Σ j(m − j) = 10·2 + 20·0 + 10·2 = 40, over m − 1 = 2.
    let alpha3: f64 = 1.0 - 299.0 * (40.0 / 2.0) / (210.0 * 90.0);
    assert!((alpha3 - 646.0 / 945.0).abs() < 1e-12);
    for shown in [
        "0.80", "0.58", "11/21", "0.5238", "221/420", "0.5262", "11/16", "0.6875", "881/1280",
        "0.6883", "646/945", "0.6836",
    ] {
        assert!(doc.contains(shown), "docs/agreement.md should show {shown}");
    }

    // And motif computes the same.
    let p = worked_example();
    let two = p.json(&["agree", "--coders", "ana,ben", "--json"]);
    let codes = two["codes"].as_array().unwrap();
    let fw = &codes[0];
    assert_eq!(fw["code"], "frameworks");
    assert_eq!(fw["units"], 100);
    close(&fw["percent_agreement"], &json!(0.8), "percent");
    close(&fw["cohen_kappa"], &json!(kappa), "kappa");
    close(&fw["krippendorff_alpha"], &json!(alpha), "alpha");
    assert_eq!(codes[1]["cohen_kappa"], 1.0);
    assert_eq!(codes[1]["krippendorff_alpha"], 1.0);
    assert_eq!(codes[2]["code"], "ideology");
    assert_eq!(codes[2]["percent_agreement"], 1.0);
    assert_eq!(codes[2]["cohen_kappa"], Value::Null);
    assert_eq!(codes[2]["krippendorff_alpha"], Value::Null);
    assert_eq!(two["pooled"]["units"], 200);
    close(
        &two["pooled"]["cohen_kappa"],
        &json!(0.6875),
        "pooled kappa",
    );
    close(
        &two["pooled"]["krippendorff_alpha"],
        &json!(0.688_281_25),
        "pooled alpha",
    );
    let three = p.json(&[
        "agree",
        "--coders",
        "ana,ben,cleo",
        "--code",
        "frameworks",
        "--json",
    ]);
    let fw3 = &three["codes"][0];
    assert_eq!(three["codes"].as_array().unwrap().len(), 1);
    close(&fw3["percent_agreement"], &json!(0.8), "percent, 3 coders");
    assert_eq!(fw3["cohen_kappa"], Value::Null);
    close(
        &fw3["krippendorff_alpha"],
        &json!(646.0 / 945.0),
        "alpha, 3 coders",
    );
}

#[test]
fn human_report_explains_undefined_values() {
    let p = worked_example();
    let out = p.ok(&["agree", "--coders", "ana,ben"]);
    assert!(out.contains("Agreement between ana and ben"), "{out}");
    assert!(out.contains("0.524"), "{out}");
    assert!(out.contains("ideology"), "{out}");
    assert!(out.contains("trivially 100%"), "{out}");
    assert!(out.contains("undefined"), "{out}");
    let three = p.ok(&["agree", "--coders", "ana,ben,cleo", "--matrix"]);
    assert!(three.contains("exactly two coders"), "{three}");
    assert!(three.contains("Pairwise"), "{three}");
    // Default coders: everyone with a journal.
    let all = p.json(&["agree", "--json"]);
    assert_eq!(all["coders"], json!(["ana", "ben", "cleo"]));
}

#[test]
fn bad_requests_are_refused() {
    let p = worked_example();
    assert!(
        p.fail(&["agree", "--coders", "ana"])
            .contains("at least two coders")
    );
    assert!(
        p.fail(&["agree", "--coders", "ana,zed"])
            .contains("no coder `zed`")
    );
    assert!(
        p.fail(&["agree", "--coders", "ana,ben", "--transcript", "nope"])
            .contains("no transcript `nope`")
    );
    assert!(
        p.fail(&[
            "agree",
            "--coders",
            "ana,ben",
            "--disagreements",
            "--overlap",
            "1.5"
        ])
        .contains("between 0 and 1")
    );
    assert!(
        p.fail(&["agree", "--coders", "ana,ben", "--adopt", "zzzzzzzz=ana"])
            .contains("no disagreement")
    );
    let out = p.run(&["agree", "--coders", "ana,ben", "--csv"]);
    assert_eq!(out.status.code(), Some(2), "--csv needs --disagreements");
}

/// ana and ben on a two-turn transcript with accents and CJK: they agree
/// on one passage, disagree on the code of another, and only ana coded a
/// third.
fn review_project() -> (Proj, String) {
    let text = "A: Wir sind zu PyTorch gewechselt — 北京 auch.\n\nB: Die Community hat geholfen 🚀, dann kam der Job.\n".to_owned();
    let span = |phrase: &str| {
        let s = cp_find(&text, phrase);
        (s, s + phrase.chars().count())
    };
    let (a0, a1) = span("Wir sind zu PyTorch gewechselt");
    let (b0, b1) = span("Die Community hat geholfen 🚀");
    let (c0, c1) = span("dann kam der Job.");
    let row = |coder: &str, code: &str, (s, e): (usize, usize)| json!({"transcript": "t", "code": code, "start": s, "end": e, "coder": coder});
    let p = build(
        &[("t", &text)],
        &["frameworks", "community", "jobs"],
        &[
            row("ana", "frameworks", (a0, a1)),
            row("ben", "frameworks", (a0 + 4, a1 + 3)),
            row("ana", "community", (b0, b1)),
            row("ben", "jobs", (b0, b1)),
            row("ana", "jobs", (c0, c1)),
        ],
    );
    (p, text)
}

#[test]
fn disagreements_are_listed_with_text_and_who_coded_what() {
    let (p, text) = review_project();
    let d = p.json(&["agree", "--coders", "ana,ben", "--disagreements", "--json"]);
    assert_eq!(d["format"], "motif.disagreements");
    let list = d["disagreements"].as_array().unwrap();
    // community (ana only), jobs on the community passage (ben only), jobs
    // at the end (ana only); frameworks is agreed.
    assert_eq!(list.len(), 3, "{d:#}");
    for r in list {
        let (s, e) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(r["text"], crate::util::cp_slice(&text, s, e));
        assert_eq!(r["sides"].as_array().unwrap().len(), 2);
    }
    let community = list.iter().find(|r| r["code"] == "community").unwrap();
    assert_eq!(community["sides"][0]["coder"], "ana");
    assert_eq!(community["sides"][1]["codings"], json!([]));
    assert_eq!(community["sides"][1]["instead"][0]["code"], "jobs");
    assert_eq!(
        d["by_coder"],
        json!([{"coder": "ana", "codings": 3, "matched": 1}, {"coder": "ben", "codings": 2, "matched": 1}])
    );
    // The frameworks codings share 26 of the shorter span's 29 code
    // points (0.897): they match at --overlap 0.85, not at 0.9.
    let loose = p.json(&[
        "agree",
        "--coders",
        "ana,ben",
        "--disagreements",
        "--json",
        "--overlap",
        "0.85",
    ]);
    assert_eq!(loose["disagreements"].as_array().unwrap().len(), 3);
    let strict = p.json(&[
        "agree",
        "--coders",
        "ana,ben",
        "--disagreements",
        "--json",
        "--overlap",
        "0.9",
    ]);
    let strict = strict["disagreements"].as_array().unwrap();
    assert_eq!(strict.len(), 4);
    assert!(strict.iter().any(|r| r["code"] == "frameworks"));
    let human = p.ok(&["agree", "--coders", "ana,ben", "--disagreements"]);
    assert!(human.contains("coded jobs"), "{human}");
    assert!(human.contains("北京") || human.contains("🚀"), "{human}");
    let csv = p.ok(&["agree", "--coders", "ana,ben", "--disagreements", "--csv"]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "id,transcript,start,end,line_start,line_end,code,coded:ana,instead:ana,coded:ben,instead:ben,text"
    );
    assert_eq!(csv.lines().count(), 4);
}

#[test]
fn adopting_sides_builds_a_consensus_that_undo_takes_back() {
    let (p, _) = review_project();
    let d = p.json(&["agree", "--coders", "ana,ben", "--disagreements", "--json"]);
    let list = d["disagreements"].as_array().unwrap();
    let id_of = |code: &str| {
        list.iter()
            .find(|r| r["code"] == code && r["sides"][0]["codings"] != json!([]))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let community = id_of("community");
    let jobs_ben = list
        .iter()
        .find(|r| r["code"] == "jobs" && r["sides"][1]["codings"] != json!([]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = p.ok(&[
        "agree",
        "--coders",
        "ana,ben",
        "--adopt",
        &format!("{community}=ana"),
        "--adopt",
        &format!("{}=both", &jobs_ben[..6]),
        "--adopt",
        "agreed",
    ]);
    assert!(out.contains("adopted 3 coding(s)"), "{out}");
    let segs = p.json(&["segments", "--coder", "consensus", "--json"]);
    let mut got: Vec<(String, u64)> = segs
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap().to_owned(),
                s["start"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got.len(), 3, "{segs:#}");
    assert_eq!(got[0].0, "community");
    assert_eq!(got[1].0, "frameworks");
    assert_eq!(got[2].0, "jobs");
    // Adopting again changes nothing; the default coders leave the
    // consensus coder out.
    let again = p.ok(&["agree", "--adopt", &format!("{community}=ana")]);
    assert!(again.contains("nothing adopted"), "{again}");
    let report = p.json(&["agree", "--json"]);
    assert_eq!(report["coders"], json!(["ana", "ben"]));
    // One step back.
    p.ok(&["undo", "--coder", "consensus"]);
    let after = p.json(&["segments", "--coder", "consensus", "--json"]);
    assert_eq!(after, json!([]));
    // The consensus coder cannot be one of the compared coders.
    assert!(
        p.fail(&[
            "agree",
            "--coders",
            "ana,ben",
            "--consensus",
            "ana",
            "--adopt",
            "agreed"
        ])
        .contains("consensus coder")
    );
}

// ---------------------------------------------------------------------------
// Properties of the statistics, on the core's counts.

/// Up to 6 spans per coder on a text of `len` units.
fn spans(len: usize) -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((0..len, 1..len), 0..6)
        .prop_map(move |v| v.into_iter().map(|(s, l)| (s, (s + l).min(len))).collect())
}

fn tagged(coder: usize, v: &[(usize, usize)]) -> Vec<(usize, usize, usize)> {
    v.iter().map(|&(s, e)| (coder, s, e)).collect()
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-12,
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #[test]
    fn identical_codings_give_one(len in 2usize..400, v in spans(400)) {
        let v: Vec<(usize, usize)> = v.into_iter().filter(|&(s, e)| e <= len && s < e).collect();
        let mut all = tagged(0, &v);
        all.extend(tagged(1, &v));
        let k = Counts::from_spans(2, len, &all);
        prop_assert_eq!(k.percent_agreement(), Some(1.0));
        if k.undefined().is_none() {
            prop_assert!((k.cohen_kappa().unwrap() - 1.0).abs() < 1e-12);
            prop_assert!((k.krippendorff_alpha().unwrap() - 1.0).abs() < 1e-12);
        } else {
            prop_assert_eq!(k.cohen_kappa(), None);
            prop_assert_eq!(k.krippendorff_alpha(), None);
        }
        let mut three = all.clone();
        three.extend(tagged(2, &v));
        let k3 = Counts::from_spans(3, len, &three);
        prop_assert!(same(k3.krippendorff_alpha(), k.krippendorff_alpha()));
    }

    #[test]
    fn swapping_coders_changes_nothing(len in 1usize..300, a in spans(300), b in spans(300), c in spans(300)) {
        let mut ab = tagged(0, &a);
        ab.extend(tagged(1, &b));
        let mut ba = tagged(0, &b);
        ba.extend(tagged(1, &a));
        let (x, y) = (Counts::from_spans(2, len, &ab), Counts::from_spans(2, len, &ba));
        prop_assert!(same(x.percent_agreement(), y.percent_agreement()));
        prop_assert!(same(x.cohen_kappa(), y.cohen_kappa()));
        prop_assert!(same(x.krippendorff_alpha(), y.krippendorff_alpha()));
        let mut abc = ab.clone();
        abc.extend(tagged(2, &c));
        let mut cab = tagged(0, &c);
        cab.extend(tagged(1, &a));
        cab.extend(tagged(2, &b));
        let (p, q) = (Counts::from_spans(3, len, &abc), Counts::from_spans(3, len, &cab));
        prop_assert!(same(p.krippendorff_alpha(), q.krippendorff_alpha()));
        prop_assert!(same(p.percent_agreement(), q.percent_agreement()));
    }

    #[test]
    fn disjoint_codings_are_not_positive(len in 2usize..300, cut in 1usize..299, a in spans(300), b in spans(300)) {
        // ana codes only before `cut`, ben only after: no unit in common.
        let cut = cut.min(len - 1);
        let clip = |v: &[(usize, usize)], lo: usize, hi: usize| -> Vec<(usize, usize)> {
            v.iter().map(|&(s, e)| (s.clamp(lo, hi), e.clamp(lo, hi))).filter(|(s, e)| s < e).collect()
        };
        let mut all = tagged(0, &clip(&a, 0, cut));
        all.extend(tagged(1, &clip(&b, cut, len)));
        let k = Counts::from_spans(2, len, &all);
        if let Some(kappa) = k.cohen_kappa() { prop_assert!(kappa <= 1e-12, "kappa {}", kappa); }
        if let Some(alpha) = k.krippendorff_alpha() { prop_assert!(alpha <= 1e-12, "alpha {}", alpha); }
    }

    #[test]
    fn the_sweep_counts_what_the_definition_says(len in 1usize..200, a in spans(200), b in spans(200), c in spans(200)) {
        let mut all = tagged(0, &a);
        all.extend(tagged(1, &b));
        all.extend(tagged(2, &c));
        let mut ratings = vec![vec![false; len]; 3];
        for &(coder, s, e) in &all {
            if s < e.min(len) {
                ratings[coder][s..e.min(len)].fill(true);
            }
        }
        prop_assert_eq!(Counts::from_spans(3, len, &all), Counts::from_ratings(&ratings));
    }
}

#[test]
fn only_coders_with_live_codings_are_compared() {
    let p = worked_example();
    let before = p.json(&["agree", "--json"]);
    // An empty journal (left by a first write that failed, or created by
    // hand) is no coder with codings.
    p.write("codings/zoe.jsonl", b"");
    assert_eq!(p.json(&["agree", "--json"]), before);
    // Nor is a coder whose every coding was taken back.
    p.ok(&["code", "t", "--chars", "0-5", "ideology", "--coder", "yan"]);
    p.ok(&["undo", "--coder", "yan"]);
    assert_eq!(p.json(&["agree", "--json"]), before);
}
