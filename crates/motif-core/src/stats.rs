//! Counting: code frequencies (the `motif.frequencies` contract) and
//! per-transcript coding progress.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::cache::{self, Reader, Writer};
use super::codebook::Codebook;
use super::project::Project;
use super::segments::Segment;
use super::transcript::Transcript;

/// One code's row of the frequencies export.
#[derive(Debug, Clone, Serialize)]
pub struct CodeFrequency {
    pub id: String,
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub segments: usize,
    pub transcripts: usize,
    pub chars: usize,
    pub words: usize,
    pub segments_incl_children: usize,
    pub by_transcript: BTreeMap<String, usize>,
    pub by_coder: BTreeMap<String, usize>,
}

/// Totals of the frequencies export.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub transcripts: usize,
    pub coded_transcripts: usize,
    pub segments: usize,
    pub codes: usize,
}

/// The `motif.frequencies` document, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct Frequencies {
    pub format: &'static str,
    pub version: u32,
    pub project: String,
    pub generated_at: String,
    pub coders: Vec<String>,
    pub totals: Totals,
    pub codes: Vec<CodeFrequency>,
}

/// Merges overlapping or touching intervals.
pub fn union(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Counts code frequencies over `segs` (already filtered).
///
/// `transcripts` are the transcripts in scope (for the totals and the text
/// of spans); `coders` the coders in scope; `words` counts the words of
/// spans, remembering them between runs when it can.
pub fn frequencies(
    project: &str,
    book: &Codebook,
    transcripts: &BTreeMap<String, Transcript>,
    in_scope: usize,
    coders: Vec<String>,
    segs: &[Segment<'_>],
    words: &mut SpanWords,
) -> Frequencies {
    let n = book.len();
    let mut per_code: Vec<Vec<&Segment<'_>>> = vec![Vec::new(); n];
    for s in segs {
        per_code[s.code_pos].push(s);
    }
    let mut rows: Vec<CodeFrequency> = Vec::with_capacity(n);
    for (pos, code) in book.codes().iter().enumerate() {
        let mine = &mut per_code[pos];
        // Each transcript's segments together (a stable sort, and a pass
        // over a list already in order when it comes from `place_all`).
        mine.sort_by(|a, b| a.coding.transcript.cmp(&b.coding.transcript));
        let mut by_transcript = BTreeMap::new();
        let mut by_coder: Vec<(&str, usize)> = Vec::new();
        let mut chars = 0;
        let mut word_total = 0;
        for run in mine.chunk_by(|a, b| a.coding.transcript == b.coding.transcript) {
            let tid = run[0].coding.transcript.as_str();
            by_transcript.insert(tid.to_owned(), run.len());
            for s in run {
                match by_coder.iter_mut().find(|(c, _)| *c == &*s.coding.coder) {
                    Some((_, k)) => *k += 1,
                    None => by_coder.push((&s.coding.coder, 1)),
                }
            }
            let merged = union(run.iter().map(|s| (s.start, s.end)).collect());
            chars += merged.iter().map(|(s, e)| e - s).sum::<usize>();
            word_total += words.count(&transcripts[tid], &merged);
        }
        rows.push(CodeFrequency {
            id: code.id.clone(),
            code: code.path.clone(),
            name: code.name().to_owned(),
            parent: code.parent().map(str::to_owned),
            segments: mine.len(),
            transcripts: by_transcript.len(),
            chars,
            words: word_total,
            segments_incl_children: 0,
            by_transcript,
            by_coder: by_coder
                .into_iter()
                .map(|(c, k)| (c.to_owned(), k))
                .collect(),
        });
    }
    // Children follow their parent in tree order: a code's subtree is the
    // run of codes after it whose path starts with its path and '/'.
    for i in 0..n {
        let prefix = format!("{}/", rows[i].code);
        let mut total = rows[i].segments;
        for row in rows.iter().skip(i + 1) {
            if !row.code.starts_with(&prefix) {
                break;
            }
            total += row.segments;
        }
        rows[i].segments_incl_children = total;
    }
    let coded: BTreeSet<&str> = segs.iter().map(|s| s.coding.transcript.as_str()).collect();
    Frequencies {
        format: "motif.frequencies",
        version: 1,
        project: project.to_owned(),
        generated_at: super::ids::now_rfc3339(),
        coders,
        totals: Totals {
            transcripts: in_scope,
            coded_transcripts: coded.len(),
            segments: segs.len(),
            codes: n,
        },
        codes: rows,
    }
}

/// The word counts of spans (code points `start..end` of a transcript's
/// text), remembered by the transcript's content hash. Counting words is
/// most of the work of a frequency export, and between two exports few
/// spans change, so a project keeps them in its cache (see
/// [`super::cache`]); [`SpanWords::default`] keeps nothing.
#[derive(Debug, Default)]
pub struct SpanWords {
    /// By transcript hash: the counts read from the cache and those used
    /// by this run.
    texts: FxHashMap<String, Counts>,
    path: Option<PathBuf>,
    /// Whether any count was computed rather than remembered.
    computed: bool,
}

/// Word counts by span.
type SpanCounts = FxHashMap<(usize, usize), usize>;

/// The word counts of one text's spans.
#[derive(Debug, Default)]
struct Counts {
    old: SpanCounts,
    now: SpanCounts,
}

const WORDS_KIND: &str = "span-words";
/// Beyond this many remembered spans, a save keeps only those used by the
/// run that saves.
const WORDS_KEEP: usize = 2_000_000;

impl SpanWords {
    /// The counts remembered in `project`'s cache.
    pub fn load(project: &Project) -> SpanWords {
        let path = project.cache_dir().join("span-words.bin");
        let mut texts = FxHashMap::default();
        if let Some(body) = cache::read(&path, WORDS_KIND) {
            let mut r = Reader::new(&body);
            let ok = (|| {
                for _ in 0..r.count(8)? {
                    let hash = r.string()?;
                    let (starts, ends, counts) = (r.usizes()?, r.usizes()?, r.usizes()?);
                    if starts.len() != ends.len() || ends.len() != counts.len() {
                        return None;
                    }
                    let old = starts.into_iter().zip(ends).zip(counts).collect();
                    texts.insert(
                        hash,
                        Counts {
                            old,
                            now: FxHashMap::default(),
                        },
                    );
                }
                Some(())
            })();
            if ok.is_none() || !r.at_end() {
                texts.clear();
            }
        }
        SpanWords {
            texts,
            path: Some(path),
            computed: false,
        }
    }

    /// The number of words of spans `spans` (code points) of `t`.
    pub fn count(&mut self, t: &Transcript, spans: &[(usize, usize)]) -> usize {
        if !self.texts.contains_key(t.hash.as_str()) {
            self.texts.insert(t.hash.clone(), Counts::default());
        }
        let counts = self.texts.get_mut(t.hash.as_str()).expect("just inserted");
        let mut total = 0;
        for &span in spans {
            let n = if let Some(&n) = counts.now.get(&span).or_else(|| counts.old.get(&span)) {
                n
            } else {
                self.computed = true;
                t.byte_range(span.0, span.1)
                    .map_or(0, |(a, b)| t.words_in(a, b))
            };
            counts.now.insert(span, n);
            total += n;
        }
        total
    }

    /// Writes the counts back if any were computed: those used by this run
    /// and, within a bound, those remembered for the texts of
    /// `transcripts`. Failing to write a cache changes nothing.
    pub fn save(mut self, transcripts: &BTreeMap<String, Transcript>) {
        let Some(path) = self.path.take() else { return };
        if !self.computed {
            return;
        }
        let current: HashSet<&str> = transcripts.values().map(|t| t.hash.as_str()).collect();
        let kept: usize = self.texts.values().map(|c| c.old.len()).sum();
        let used: usize = self.texts.values().map(|c| c.now.len()).sum();
        let keep_old = kept + used <= WORDS_KEEP;
        let mut all: Vec<(String, SpanCounts)> = Vec::new();
        for (hash, Counts { old, mut now }) in self.texts {
            if keep_old && current.contains(hash.as_str()) {
                for (k, v) in old {
                    now.entry(k).or_insert(v);
                }
            }
            if !now.is_empty() {
                all.push((hash, now));
            }
        }
        let mut w = Writer::new();
        w.usize(all.len());
        for (hash, spans) in all {
            let mut list: Vec<((usize, usize), usize)> = spans.into_iter().collect();
            list.sort_unstable();
            w.str(&hash);
            w.usizes(&list.iter().map(|((s, _), _)| *s).collect::<Vec<_>>());
            w.usizes(&list.iter().map(|((_, e), _)| *e).collect::<Vec<_>>());
            w.usizes(&list.iter().map(|(_, n)| *n).collect::<Vec<_>>());
        }
        let _ = cache::write(&path, WORDS_KIND, w);
    }
}

/// Share of a transcript's code points covered by any of `spans`.
pub fn coded_fraction(len: usize, spans: Vec<(usize, usize)>) -> f64 {
    if len == 0 {
        return 0.0;
    }
    let covered: usize = union(spans).iter().map(|(s, e)| e - s).sum();
    (covered as f64 / len as f64).min(1.0)
}

/// The frequencies as CSV (one row per code).
pub fn frequencies_csv(f: &Frequencies) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "id".to_owned(),
        "code".into(),
        "name".into(),
        "parent".into(),
        "segments".into(),
        "transcripts".into(),
        "chars".into(),
        "words".into(),
        "segments_incl_children".into(),
    ];
    header.extend(f.coders.iter().map(|c| format!("coder:{c}")));
    let _ = w.write_record(&header);
    for c in &f.codes {
        let mut row = vec![
            c.id.clone(),
            c.code.clone(),
            c.name.clone(),
            c.parent.clone().unwrap_or_default(),
            c.segments.to_string(),
            c.transcripts.to_string(),
            c.chars.to_string(),
            c.words.to_string(),
            c.segments_incl_children.to_string(),
        ];
        row.extend(
            f.coders
                .iter()
                .map(|k| c.by_coder.get(k).copied().unwrap_or(0).to_string()),
        );
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_overlaps_and_touching() {
        assert_eq!(
            union(vec![(5, 9), (0, 3), (2, 4), (9, 10), (12, 13)]),
            vec![(0, 4), (5, 10), (12, 13)]
        );
    }

    #[test]
    fn fraction() {
        assert!((coded_fraction(10, vec![(0, 5), (3, 6)]) - 0.6).abs() < 1e-12);
        assert!(coded_fraction(0, vec![]).abs() < f64::EPSILON);
    }
}
