//! The agreement report (`motif agree --json`): the coefficients per code,
//! pooled over codes, and the pairwise matrix of coders.

use std::collections::BTreeMap;

use serde::Serialize;

use super::comparison::Comparison;
use super::counts::Counts;

/// The `motif.agreement` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub format: &'static str,
    pub version: u32,
    /// The unit: one code point ("char").
    pub unit: &'static str,
    pub coders: Vec<String>,
    /// Transcripts in scope.
    pub transcripts: Vec<String>,
    /// Every selected code in codebook order, used or not.
    pub codes: Vec<CodeAgreement>,
    pub pooled: Pooled,
    /// Pairwise agreement of the coders (pooled), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Matrix>,
}

/// One code's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct CodeAgreement {
    /// The code's path.
    pub code: String,
    pub id: String,
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    /// Whether a compared coder used the code in scope (pooled codes).
    pub used: bool,
    /// Codings with exactly this code in scope, per coder.
    pub segments: BTreeMap<String, usize>,
    /// Units each coder rated 1.
    pub coded_units: BTreeMap<String, u64>,
    #[serde(skip)]
    pub counts: Counts,
}

/// The pooled figures.
#[derive(Debug, Clone, Serialize)]
pub struct Pooled {
    /// How many codes are pooled (those a compared coder used).
    pub codes: usize,
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    #[serde(skip)]
    pub counts: Counts,
}

/// Pooled agreement of each pair of coders, over the codes either of the
/// two used, on the same transcripts; the diagonal is empty.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub coders: Vec<String>,
    pub units: Vec<Vec<Option<u64>>>,
    pub percent_agreement: Vec<Vec<Option<f64>>>,
    pub cohen_kappa: Vec<Vec<Option<f64>>>,
    pub krippendorff_alpha: Vec<Vec<Option<f64>>>,
}

/// Computes the agreement report of a scope, pairwise matrix included.
pub fn agreement(scope: &Comparison<'_>) -> Agreement {
    let n = scope.coders.len();
    let counts = scope.counts();
    let mut segments: Vec<Vec<usize>> = vec![vec![0; n]; scope.selected.len()];
    for (s, &c) in scope.segments.iter().zip(&scope.coder_of) {
        segments[s.code_pos][usize::from(c)] += 1;
    }
    let mut codes = Vec::new();
    let mut pooled = Counts::new(n);
    let mut pooled_codes = 0;
    for (pos, code) in scope.book.codes().iter().enumerate() {
        if !scope.selected[pos] {
            continue;
        }
        let k = &counts[pos];
        let used = k.coded_by_any() > 0;
        if used {
            pooled.merge(k);
            pooled_codes += 1;
        }
        let st = k.stats();
        codes.push(CodeAgreement {
            code: code.path.clone(),
            id: code.id.clone(),
            units: st.units,
            percent_agreement: st.percent_agreement,
            cohen_kappa: st.cohen_kappa,
            krippendorff_alpha: st.krippendorff_alpha,
            used,
            segments: scope
                .coders
                .iter()
                .cloned()
                .zip(segments[pos].iter().copied())
                .collect(),
            coded_units: scope
                .coders
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), k.coded_by(i)))
                .collect(),
            counts: k.clone(),
        });
    }
    let st = pooled.stats();
    let matrix = matrix(scope, &counts);
    Agreement {
        format: "motif.agreement",
        version: 1,
        unit: "char",
        coders: scope.coders.clone(),
        transcripts: scope.transcripts.iter().map(|t| t.id.clone()).collect(),
        codes,
        pooled: Pooled {
            codes: pooled_codes,
            units: st.units,
            percent_agreement: st.percent_agreement,
            cohen_kappa: st.cohen_kappa,
            krippendorff_alpha: st.krippendorff_alpha,
            counts: pooled,
        },
        matrix: Some(matrix),
    }
}

fn matrix(scope: &Comparison<'_>, counts: &[Counts]) -> Matrix {
    let n = scope.coders.len();
    let mut m = Matrix {
        coders: scope.coders.clone(),
        units: vec![vec![None; n]; n],
        percent_agreement: vec![vec![None; n]; n],
        cohen_kappa: vec![vec![None; n]; n],
        krippendorff_alpha: vec![vec![None; n]; n],
    };
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let mut pooled = Counts::new(2);
            for (pos, k) in counts.iter().enumerate() {
                if scope.selected[pos] && (k.coded_by(a) > 0 || k.coded_by(b) > 0) {
                    pooled.merge(&k.pair(a, b));
                }
            }
            let st = pooled.stats();
            m.units[a][b] = Some(st.units);
            m.percent_agreement[a][b] = st.percent_agreement;
            m.cohen_kappa[a][b] = st.cohen_kappa;
            m.krippendorff_alpha[a][b] = st.krippendorff_alpha;
        }
    }
    m
}
