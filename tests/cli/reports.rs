//! Reports: frequencies recounted by hand, transcripts and codes listings,
//! quote reports, the bundled example, completions and the man page.

use crate::util::{Proj, SAMPLE, cp_find, cp_slice, motif_cmd};

/// Words as motif counts them (UAX #29 words), for the hand count.
fn words(s: &str) -> usize {
    unicode_segmentation::UnicodeSegmentation::unicode_words(s).count()
}

#[test]
fn frequencies_are_exact() {
    let p = Proj::with_sample();
    p.ok(&["codes", "add", "lonely", "--description", "never used"]);
    let a = cp_find(SAMPLE, "我们");
    let b = cp_find(SAMPLE, "PyTorch");
    // ana: theme on [a, b+7) and an overlapping theme on [b, b+20); ben:
    // theme on [a, a+6); ana: sub on line 5.
    p.ok(&[
        "code",
        "x",
        "--chars",
        &format!("{a}-{}", b + 7),
        "theme",
        "--coder",
        "ana",
    ]);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &format!("{b}-{}", b + 20),
        "theme",
        "--coder",
        "ana",
    ]);
    p.ok(&[
        "code",
        "x",
        "--chars",
        &format!("{a}-{}", a + 6),
        "theme",
        "--coder",
        "ben",
    ]);
    p.ok(&["code", "x", "--lines", "5-5", "sub", "--coder", "ana"]);
    p.write("in/y.txt", b"ANA: nothing coded here\n");
    p.ok(&["import", p.path("in/y.txt").to_str().unwrap()]);
    let f = p.json(&["export", "frequencies"]);
    assert_eq!(f["format"], "motif.frequencies");
    assert_eq!(f["version"], 1);
    assert_eq!(f["project"], "study");
    assert_eq!(f["coders"], serde_json::json!(["ana", "ben"]));
    assert_eq!(
        f["totals"],
        serde_json::json!({"transcripts": 2, "coded_transcripts": 1, "segments": 4, "codes": 3})
    );
    let codes = f["codes"].as_array().unwrap();
    let order: Vec<&str> = codes.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(order, ["theme", "theme/sub", "lonely"]);
    let theme = &codes[0];
    assert_eq!(theme["segments"], 3);
    assert_eq!(theme["transcripts"], 1);
    assert_eq!(theme["segments_incl_children"], 4);
    // Overlapping spans of the same code count once: the union is [a, b+20).
    let union = cp_slice(SAMPLE, a, b + 20);
    assert_eq!(theme["chars"], union.chars().count());
    assert_eq!(theme["words"], words(&union));
    assert_eq!(theme["by_transcript"], serde_json::json!({"x": 3}));
    assert_eq!(theme["by_coder"], serde_json::json!({"ana": 2, "ben": 1}));
    assert_eq!(theme["parent"], serde_json::Value::Null);
    let sub = &codes[1];
    assert_eq!(sub["name"], "sub");
    assert_eq!(sub["parent"], "theme");
    assert_eq!(
        sub["chars"],
        "The tutorials were in English.".chars().count()
    );
    assert_eq!(sub["words"], 5);
    assert_eq!(codes[2]["segments"], 0);
    assert_eq!(codes[2]["by_coder"], serde_json::json!({}));
    // Restricting by coder and transcript.
    let only_ben = p.json(&["export", "frequencies", "--coder", "ben"]);
    assert_eq!(only_ben["coders"], serde_json::json!(["ben"]));
    assert_eq!(only_ben["codes"][0]["segments"], 1);
    assert_eq!(only_ben["codes"][0]["chars"], 6);
    let only_y = p.json(&["export", "frequencies", "--transcript", "y"]);
    assert_eq!(
        only_y["totals"],
        serde_json::json!({"transcripts": 1, "coded_transcripts": 0, "segments": 0, "codes": 3})
    );
    assert!(
        p.fail(&["export", "frequencies", "--coder", "zed"])
            .contains("no coder `zed`")
    );
    // CSV and -o.
    let csv = p.ok(&["export", "frequencies", "--csv"]);
    assert!(csv.starts_with("id,code,name,parent,segments,transcripts,chars,words,segments_incl_children,coder:ana,coder:ben\n"), "{csv}");
    p.ok(&[
        "export",
        "frequencies",
        "-o",
        p.path("out/freq.json").to_str().unwrap(),
    ]);
    let written: serde_json::Value = serde_json::from_str(&p.read("out/freq.json")).unwrap();
    assert_eq!(written["totals"]["segments"], 4);
}

#[test]
fn transcripts_report_progress_and_attributes() {
    let p = Proj::with_sample();
    p.write(
        "attributes.csv",
        "id,role\nx,\"maintainer, part-time\"\n".as_bytes(),
    );
    let n = SAMPLE.chars().count();
    p.ok(&["code", "x", "--chars", "0-10", "theme", "--coder", "ana"]);
    p.ok(&["code", "x", "--chars", "5-20", "sub", "--coder", "ben"]);
    let list = p.json(&["transcripts", "--json"]);
    let t = &list[0];
    assert_eq!(t["id"], "x");
    assert_eq!(t["chars"], n);
    // Words of what was said: speaker labels and timestamps are not words.
    let said: Vec<&str> = SAMPLE
        .lines()
        .map(|l| {
            l.split_once(": ")
                .filter(|_| l.starts_with('['))
                .map_or(l, |(_, body)| body)
        })
        .collect();
    assert_eq!(t["words"], words(&said.join("\n")));
    assert_eq!(t["words"].as_u64().unwrap() + 13, words(SAMPLE) as u64);
    assert_eq!(t["speakers"], serde_json::json!(["INTERVIEWER", "LI NA"]));
    assert_eq!(
        t["attributes"],
        serde_json::json!({"role": "maintainer, part-time"})
    );
    let frac = t["coded_fraction"].as_f64().unwrap();
    assert!((frac - 20.0 / n as f64).abs() < 1e-12, "{frac}");
    let human = p.ok(&["transcripts"]);
    assert!(
        human.contains("maintainer, part-time") && human.contains("INTERVIEWER, LI NA"),
        "{human}"
    );
}

#[test]
fn quote_report_in_markdown_groups_by_code() {
    let p = Proj::with_sample();
    p.ok(&[
        "code",
        "x",
        "--lines",
        "5-5",
        "sub",
        "--coder",
        "ana",
        "--memo",
        "good quote",
    ]);
    p.ok(&["code", "x", "--lines", "7-7", "theme", "--coder", "ben"]);
    let md = p.ok(&["segments", "theme", "--md"]);
    assert!(md.starts_with("# Coded segments — study\n"), "{md}");
    let theme = md.find("## theme (1)").unwrap();
    let sub = md.find("## theme/sub (1)").unwrap();
    assert!(theme < sub);
    assert!(
        md.contains("> The tutorials were in English.\n\n— x · LI NA · 00:00:07 · line 5 · ana"),
        "{md}"
    );
    assert!(md.contains("*Memo:* good quote"));
    // Only subcodes of `sub` (none) and `sub` itself.
    let only = p.json(&["segments", "sub", "--json"]);
    assert_eq!(only.as_array().unwrap().len(), 1);
}

#[test]
fn the_bundled_example_opens() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = motif_cmd().args(["--project", root]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("mloss-study") && text.contains("12 transcripts"),
        "{text}"
    );
    let out = motif_cmd()
        .args(["--project", root, "codes", "--json"])
        .output()
        .unwrap();
    let codes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for want in [
        "standardization/model-types",
        "standardization/frameworks",
        "standardization/user-experience",
        "experimentation",
        "community/contributors",
        "community/feedback",
        "community/education",
        "community/jobs",
        "incentives/talent",
        "incentives/ecosystem-control",
        "incentives/complements",
        "sociotechnical/usability",
        "sociotechnical/standardizable-code",
        "sociotechnical/research-interest",
        "ideology",
    ] {
        assert!(paths.contains(&want), "missing {want}");
    }
    assert!(
        codes
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["description"].as_str().unwrap().is_empty())
    );
}

#[test]
fn found_from_a_subfolder_like_git() {
    let p = Proj::with_sample();
    let sub = p.path("transcripts");
    let out = motif_cmd()
        .current_dir(&sub)
        .args(["codes", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let codes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes.as_array().unwrap().len(), 2);
}

#[test]
fn completions_and_man_page_come_from_the_definitions() {
    let out = motif_cmd().args(["completions", "bash"]).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("motif") && s.contains("segments") && s.contains("--chars"));
    let out = motif_cmd().arg("man").output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains(".TH motif") && s.contains("frequencies"), "{s}");
    let out = motif_cmd().args(["code", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
}

/// No DEL, C1 control or bidi override reaches the terminal raw from a
/// JSON or XML output: JSON writes them as `\uXXXX` (the same strings once
/// parsed), XML as character references.
#[test]
fn json_and_xml_outputs_escape_hidden_controls() {
    let hidden = [
        '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{2069}',
    ];
    let p = Proj::new();
    let text = "INTERVIEWER: Which file?\nANA: evil\u{202e}txt.exe and \u{9b}31m red\u{7f} \u{2066}iso\u{2069}\n";
    p.write("in/x.txt", text.as_bytes());
    p.ok(&["import", p.path("in/x.txt").to_str().unwrap()]);
    p.ok(&[
        "codes",
        "add",
        "theme",
        "--description",
        "flip \u{202e} here",
    ]);
    p.ok(&["code", "x", "--lines", "2-2", "theme"]);
    let outputs = [
        vec!["segments", "--json"],
        vec!["transcripts", "--json"],
        vec!["codes", "--json"],
        vec!["search", "evil", "--json"],
        vec!["words", "--json"],
        vec!["export", "frequencies"],
        vec!["export", "qdc"],
    ];
    for args in outputs {
        let out = p.ok(&args);
        assert!(
            !out.chars().any(|c| hidden.contains(&c)),
            "{args:?} wrote a hidden control raw: {out:?}"
        );
        if args[1] != "qdc" {
            serde_json::from_str::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("{args:?} is not JSON ({e})"));
        }
    }
    let segs = p.json(&["segments", "--json"]);
    let quote = segs[0]["text"].as_str().unwrap();
    assert!(quote.contains("evil\u{202e}txt.exe"), "{quote:?}");
    assert!(p.ok(&["export", "qdc"]).contains("&#x202E;"));
}

#[test]
fn change_reports_neutralize_a_code_name_with_a_bidi_override() {
    let p = Proj::with_sample();
    // A codebook edited by hand (or imported) with an override in a name.
    let book = p.read("codebooks/codebook.toml");
    p.write(
        "codebooks/codebook.toml",
        book.replace("path = \"theme", "path = \"th\\u202Eeme")
            .as_bytes(),
    );
    let id = p.json(&["codes", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        vec!["code", "x", "--lines", "3", id.as_str()],
        vec!["code", "x", "--lines", "3", id.as_str()],
        vec!["uncode", "x", "--lines", "3", id.as_str()],
    ] {
        let out = p.ok(&args);
        assert!(
            out.contains("th") && !out.contains('\u{202e}'),
            "{args:?} wrote the override raw: {out:?}"
        );
    }
}
