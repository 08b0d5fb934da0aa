//! Unit tests of the corpus generator: determinism and the shape of what
//! it writes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use motif_core::journal::Journal;
use motif_core::project::{DEFAULT_CODEBOOK, Project};
use motif_core::segments::Filter;
use motif_core::transcript::Transcript;
use motif_core::workspace::Workspace;

use super::codings::allocate;
use super::project::generate;
use super::rng::Rng;
use super::spec::CorpusSpec;
use super::text::{EMOJI, PARTICIPANTS, Person, transcript_text};

fn small(seed: u64) -> CorpusSpec {
    CorpusSpec {
        transcripts: 3,
        words_per_transcript: 400,
        codings: 61,
        coders: vec!["ana".into(), "ben".into()],
        seed,
    }
}

/// Every file under `root` but derived data (`.motif/`, whose caches
/// record times), by relative path, with its bytes.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".motif") {
                continue;
            }
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().into(), fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_text() {
    let tmp = tempfile::tempdir().unwrap();
    let a = generate(&tmp.path().join("a"), &small(7)).unwrap();
    let b = generate(&tmp.path().join("b"), &small(7)).unwrap();
    let c = generate(&tmp.path().join("c"), &small(8)).unwrap();
    let (fa, fb, fc) = (files(&a.root), files(&b.root), files(&c.root));
    assert!(fa.contains_key(Path::new("codings/ana.jsonl")));
    assert!(fa.contains_key(Path::new("transcripts/g0002.txt")));
    assert_eq!(fa, fb);
    assert_eq!(a.words, b.words);
    let t = Path::new("transcripts/g0001.txt");
    assert_ne!(fa[t], fc[t]);
    // The codebook does not depend on the seed; the journals do.
    let book = Path::new(DEFAULT_CODEBOOK);
    assert_eq!(fa[book], fc[book]);
    assert_ne!(
        fa[Path::new("codings/ana.jsonl")],
        fc[Path::new("codings/ana.jsonl")]
    );
}

#[test]
fn counts_are_as_requested_and_spans_fall_on_words() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small(3);
    let s = generate(tmp.path(), &spec).unwrap();
    assert_eq!((s.transcripts, s.codes, s.codings), (3, 40, 61));
    let by_coder: Vec<(&str, usize)> = s
        .coders
        .iter()
        .map(|c| (c.coder.as_str(), c.codings))
        .collect();
    assert_eq!(by_coder, vec![("ana", 31), ("ben", 30)]);
    assert!(
        s.words >= 3 * 400 && s.words < 3 * (400 + 900),
        "{}",
        s.words
    );

    let ws = Workspace::load(Project::open(tmp.path()).unwrap()).unwrap();
    assert!(ws.warnings().is_empty(), "{:?}", ws.warnings());
    assert_eq!(ws.book.len(), 40);
    assert_eq!(ws.book.codes().iter().filter(|c| c.depth() == 0).count(), 8);
    assert!(
        ws.book
            .by_path("standardization/frameworks/convergence")
            .is_some()
    );
    assert_eq!(ws.transcripts.len(), 3);
    assert_eq!(ws.coders(), vec!["ana".to_owned(), "ben".to_owned()]);
    let total: usize = ws.journals.iter().map(Journal::len).sum();
    assert_eq!(total, 61);
    assert_eq!(
        ws.attributes.names,
        vec!["role", "organization", "country", "wave"]
    );
    assert_eq!(ws.attributes.rows.len(), 3);
    assert!(ws.attributes.of("g0003").contains_key("role"));

    for t in ws.transcripts.values() {
        let speakers = t.speakers();
        assert_eq!(speakers.len(), 2, "{}: {speakers:?}", t.id);
        assert_eq!(speakers[0], "INTERVIEWER");
        assert!(PARTICIPANTS.contains(&speakers[1].as_str()));
    }

    let (segs, unplaced) = ws.segments(&Filter::default());
    assert!(unplaced.is_empty());
    assert_eq!(segs.len(), 61);
    for seg in &segs {
        let t = &ws.transcripts[seg.coding.transcript.as_str()];
        let quote = t.slice_chars(seg.start, seg.end).unwrap();
        assert_eq!(quote, seg.coding.anchor.quote);
        let first = quote.chars().next().unwrap();
        let last = quote.chars().last().unwrap();
        assert!(first.is_alphanumeric(), "starts mid-punctuation: {quote:?}");
        assert!(last.is_alphanumeric(), "ends mid-punctuation: {quote:?}");
        if seg.start > 0 {
            let before = t.slice_chars(seg.start - 1, seg.start).unwrap();
            assert!(
                !before.chars().all(char::is_alphanumeric),
                "starts mid-word: {quote:?}"
            );
        }
        if seg.end < t.char_len() {
            let after = t.slice_chars(seg.end, seg.end + 1).unwrap();
            assert!(
                !after.chars().all(char::is_alphanumeric),
                "ends mid-word: {quote:?}"
            );
        }
    }
}

#[test]
fn the_text_mixes_scripts() {
    let mut rng = Rng::new(11);
    let person = Person::draw(&mut rng);
    let (text, words) = transcript_text(&mut rng, "g0001", &person, 20_000);
    assert!(words >= 20_000);
    assert!(
        text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
        "no CJK"
    );
    assert!(text.contains('é') || text.contains('ü') || text.contains('ç'));
    assert!(EMOJI.iter().any(|e| text.contains(e)), "no emoji");
    assert!(text.contains("\n\n[") && text.starts_with(['[', 'I']));
    assert!(!text.contains('\r') && text.ends_with('\n') && !text.ends_with("\n\n"));
    let t = Transcript::new("g0001", text);
    assert!(t.turns.len() > 50);
    assert!(
        t.turns
            .iter()
            .all(|turn| turn.speaker.is_some() || turn.start == 0)
    );
}

#[test]
fn rng_is_deterministic_and_spread() {
    let mut a = Rng::new(42);
    let mut b = Rng::new(42);
    let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(
        Rng::new(42).fork(1).next_u64(),
        Rng::new(42).fork(2).next_u64()
    );
    let mut counts = [0usize; 10];
    let mut r = Rng::new(5);
    for _ in 0..10_000 {
        counts[r.below(10)] += 1;
    }
    assert!(
        counts.iter().all(|&c| (900..1100).contains(&c)),
        "{counts:?}"
    );
    assert_eq!(allocate(10, &[1, 1, 1]), vec![4, 3, 3]);
    assert_eq!(allocate(7, &[100, 0, 300]).iter().sum::<usize>(), 7);
}

#[test]
fn bad_specs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = small(1);
    spec.coders = vec!["ana".into(), "ana".into()];
    assert!(
        generate(tmp.path(), &spec)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    spec.coders = vec!["../x".into()];
    assert!(generate(tmp.path(), &spec).is_err());
    spec.coders = Vec::new();
    assert!(
        generate(tmp.path(), &spec)
            .unwrap_err()
            .to_string()
            .contains("coder")
    );
    assert!(!tmp.path().join("motif.toml").exists());
}
