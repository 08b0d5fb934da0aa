//! The JSON contracts of docs/contracts.md: every documented key is present
//! with its documented type, in the real output of the binary on the
//! bundled example study. (What the figures mean is tested elsewhere:
//! reports.rs, analysis.rs, agree.rs, search.rs.)

use serde_json::Value;

use crate::util::Proj;

/// A JSON type as docs/contracts.md names it.
#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    Int,
    Num,
    Arr,
    Obj,
    /// A string or null.
    StrOrNull,
    /// A number or null.
    NumOrNull,
}

fn is(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Int => v.is_u64(),
        T::Num => v.is_number(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
        T::StrOrNull => v.is_string() || v.is_null(),
        T::NumOrNull => v.is_number() || v.is_null(),
    }
}

/// Asserts that `v` is an object with every key of `keys`, each of its type.
fn shape(what: &str, v: &Value, keys: &[(&str, T)]) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {v}"));
    for &(k, t) in keys {
        let got = o
            .get(k)
            .unwrap_or_else(|| panic!("{what}: no key `{k}` in {v}"));
        assert!(is(got, t), "{what}: `{k}` should be {t:?}, is {got}");
    }
}

/// The entries of an array (each checked with `shape`); the array must not
/// be empty, so that the entries' keys are checked at all.
fn each(what: &str, v: &Value, keys: &[(&str, T)]) {
    let a = v
        .as_array()
        .unwrap_or_else(|| panic!("{what}: not an array: {v}"));
    assert!(!a.is_empty(), "{what}: empty, nothing to check");
    for e in a {
        shape(what, e, keys);
    }
}

const CODE_ROW: &[(&str, T)] = &[
    ("id", T::Str),
    ("code", T::Str),
    ("name", T::Str),
    ("parent", T::StrOrNull),
];

const STATS: &[(&str, T)] = &[
    ("units", T::Int),
    ("percent_agreement", T::NumOrNull),
    ("cohen_kappa", T::NumOrNull),
    ("krippendorff_alpha", T::NumOrNull),
];

#[test]
fn every_json_output_has_the_documented_keys_and_types() {
    let p = Proj::example();
    frequencies_contract(&p);
    listings_contract(&p);
    search_contract(&p);
    tables_contract(&p);
    agree_contract(&p);
}

/// `motif export frequencies`.
fn frequencies_contract(p: &Proj) {
    let f = p.json(&["export", "frequencies"]);
    shape(
        "frequencies",
        &f,
        &[
            ("format", T::Str),
            ("version", T::Int),
            ("project", T::Str),
            ("generated_at", T::Str),
            ("coders", T::Arr),
            ("totals", T::Obj),
            ("codes", T::Arr),
        ],
    );
    assert_eq!(f["format"], "motif.frequencies");
    assert_eq!(f["version"], 1);
    shape(
        "frequencies.totals",
        &f["totals"],
        &[
            ("transcripts", T::Int),
            ("coded_transcripts", T::Int),
            ("segments", T::Int),
            ("codes", T::Int),
        ],
    );
    each("frequencies.codes[]", &f["codes"], CODE_ROW);
    each(
        "frequencies.codes[]",
        &f["codes"],
        &[
            ("segments", T::Int),
            ("transcripts", T::Int),
            ("chars", T::Int),
            ("words", T::Int),
            ("segments_incl_children", T::Int),
            ("by_transcript", T::Obj),
            ("by_coder", T::Obj),
        ],
    );
}

/// The listings: `transcripts --json`, `codes --json`, and the segments of
/// `segments --json` and `export segments --json`.
fn listings_contract(p: &Proj) {
    let t = p.json(&["transcripts", "--json"]);
    each(
        "transcripts[]",
        &t,
        &[
            ("id", T::Str),
            ("words", T::Int),
            ("chars", T::Int),
            ("speakers", T::Arr),
            ("attributes", T::Obj),
            ("coded_fraction", T::Num),
        ],
    );

    let c = p.json(&["codes", "--json"]);
    each("codes[]", &c, CODE_ROW);
    each(
        "codes[]",
        &c,
        &[
            ("description", T::Str),
            ("color", T::Str),
            ("segments", T::Int),
        ],
    );

    for args in [
        &["segments", "--json"][..],
        &["export", "segments", "--json"],
    ] {
        let s = p.json(args);
        each(
            &format!("{args:?}[]"),
            &s,
            &[
                ("id", T::Str),
                ("transcript", T::Str),
                ("start", T::Int),
                ("end", T::Int),
                ("line_start", T::Int),
                ("line_end", T::Int),
                ("code", T::Str),
                ("coder", T::Str),
                ("memo", T::StrOrNull),
                ("text", T::Str),
            ],
        );
    }
}

/// `search --json`, for a query and for a regular expression.
fn search_contract(p: &Proj) {
    for args in [
        &["search", "tutorial*", "--json"][..],
        &["search", "--regex", r"tutor\w+", "--json"],
    ] {
        let s = p.json(args);
        let what = format!("{args:?}");
        shape(
            &what,
            &s,
            &[("query", T::Str), ("total", T::Int), ("hits", T::Arr)],
        );
        each(
            &format!("{what}.hits[]"),
            &s["hits"],
            &[
                ("transcript", T::Str),
                ("start", T::Int),
                ("end", T::Int),
                ("speaker", T::StrOrNull),
                ("score", T::Num),
                ("text", T::Str),
                ("matches", T::Arr),
            ],
        );
        for h in s["hits"].as_array().unwrap() {
            for m in h["matches"].as_array().unwrap() {
                let m = m.as_array().expect("a match is [start, end]");
                assert!(m.len() == 2 && m.iter().all(Value::is_u64), "{what}: {h}");
            }
        }
    }
}

/// `export cooccurrence --json` and `export matrix --json` (by transcript
/// and by attribute).
fn tables_contract(p: &Proj) {
    let co = p.json(&["export", "cooccurrence", "--json"]);
    shape(
        "cooccurrence",
        &co,
        &[
            ("format", T::Str),
            ("version", T::Int),
            ("codes", T::Arr),
            ("matrix", T::Arr),
        ],
    );
    assert_eq!(co["format"], "motif.cooccurrence");
    assert_eq!(co["version"], 1);
    let n = co["codes"].as_array().unwrap().len();
    let rows = co["matrix"].as_array().unwrap();
    assert_eq!(rows.len(), n);
    for r in rows {
        let r = r.as_array().unwrap();
        assert!(r.len() == n && r.iter().all(Value::is_u64), "{r:?}");
    }

    for args in [
        &["export", "matrix", "--json"][..],
        &["export", "matrix", "--json", "--by", "role"],
    ] {
        let m = p.json(args);
        let what = format!("{args:?}");
        shape(
            &what,
            &m,
            &[
                ("format", T::Str),
                ("version", T::Int),
                ("by", T::Str),
                ("columns", T::Arr),
                ("rows", T::Arr),
            ],
        );
        assert_eq!(m["format"], "motif.matrix");
        assert_eq!(m["version"], 1);
        each(
            &format!("{what}.rows[]"),
            &m["rows"],
            &[("code", T::Str), ("counts", T::Arr)],
        );
    }
}

/// `agree --json`.
fn agree_contract(p: &Proj) {
    let a = p.json(&["agree", "--json"]);
    shape(
        "agree",
        &a,
        &[
            ("format", T::Str),
            ("version", T::Int),
            ("unit", T::Str),
            ("coders", T::Arr),
            ("transcripts", T::Arr),
            ("codes", T::Arr),
            ("pooled", T::Obj),
        ],
    );
    assert_eq!(a["format"], "motif.agreement");
    assert_eq!(a["version"], 1);
    assert_eq!(a["unit"], "char");
    each("agree.codes[]", &a["codes"], &[("code", T::Str)]);
    each("agree.codes[]", &a["codes"], STATS);
    shape("agree.pooled", &a["pooled"], STATS);
}
