//! Unit tests of agreement: the worked example, the sweep against the
//! definition, undefined values, pairs and the matching threshold.

use super::counts::{Counts, Undefined};
use super::view::spans_match;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[test]
fn worked_example_of_the_docs() {
    // 100 units; ana codes 10-40, ben 20-50.
    let k = Counts::from_spans(2, 100, &[(0, 10, 40), (1, 20, 50)]);
    assert_eq!((k.get(0), k.get(1), k.get(2), k.get(3)), (60, 10, 10, 20));
    assert!(close(k.percent_agreement(), 0.8));
    assert!(close(k.cohen_kappa(), 11.0 / 21.0));
    assert!(close(k.krippendorff_alpha(), 221.0 / 420.0));
    // A third coder, cleo, codes 10-40 too.
    let k3 = Counts::from_spans(3, 100, &[(0, 10, 40), (1, 20, 50), (2, 10, 40)]);
    assert!(close(k3.percent_agreement(), 0.8));
    assert_eq!(k3.cohen_kappa(), None);
    assert!(close(k3.krippendorff_alpha(), 646.0 / 945.0));
}

#[test]
fn sweep_equals_the_definition() {
    let spans = [(0, 3, 9), (0, 5, 12), (1, 0, 4), (1, 8, 8), (2, 7, 30)];
    let mut ratings = vec![vec![false; 20]; 3];
    for &(c, s, e) in &spans {
        if s < e.min(20) {
            ratings[c][s..e.min(20)].fill(true);
        }
    }
    assert_eq!(
        Counts::from_spans(3, 20, &spans),
        Counts::from_ratings(&ratings)
    );
}

#[test]
fn undefined_values() {
    let never = Counts::from_spans(2, 10, &[]);
    assert_eq!(never.percent_agreement(), Some(1.0));
    assert_eq!(never.cohen_kappa(), None);
    assert_eq!(never.krippendorff_alpha(), None);
    assert_eq!(never.undefined(), Some(Undefined::NeverCoded));
    let always = Counts::from_spans(2, 10, &[(0, 0, 10), (1, 0, 10)]);
    assert_eq!(always.undefined(), Some(Undefined::AlwaysCoded));
    assert_eq!(always.cohen_kappa(), None);
    let empty = Counts::new(2);
    assert_eq!(empty.percent_agreement(), None);
    assert_eq!(empty.undefined(), Some(Undefined::NoUnits));
    // One coder codes everything, the other nothing: defined, zero.
    let apart = Counts::from_spans(2, 10, &[(0, 0, 10)]);
    assert_eq!(apart.cohen_kappa(), Some(0.0));
    assert!(apart.krippendorff_alpha().unwrap() < 0.0);
}

#[test]
fn pairs_marginalize() {
    let k = Counts::from_spans(3, 50, &[(0, 0, 20), (1, 10, 30), (2, 5, 25)]);
    let p = k.pair(2, 0);
    let direct = Counts::from_spans(2, 50, &[(0, 5, 25), (1, 0, 20)]);
    assert_eq!(p, direct);
}

#[test]
fn matching_threshold() {
    assert!(spans_match((0, 10), (5, 20), 0.5));
    assert!(!spans_match((0, 10), (6, 20), 0.5));
    assert!(!spans_match((0, 10), (10, 20), 0.0));
    // 3 shared of a shorter span of 30 is 0.1 of it, despite rounding.
    assert!(spans_match((0, 30), (27, 57), 0.1));
    assert!(spans_match((0, 10), (2, 5), 1.0));
}

#[test]
fn a_choice_reads_back_as_it_is_written() {
    use super::consensus::Choice;
    let coders = ["ana".to_owned(), "ben".to_owned()];
    for c in [Choice::Coder("ben".into()), Choice::Both, Choice::Neither] {
        assert_eq!(Choice::parse(&c.to_string(), &coders).unwrap(), c);
    }
    assert_eq!(Choice::Coder("ana".into()).to_string(), "ana");
}
