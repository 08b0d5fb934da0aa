//! Analysis of coded segments: which themes occur together
//! ([`cooccurrence`](mod@cooccurrence)), how they split by transcript or participant
//! attribute ([`matrix`](mod@matrix)), which words the interviews use ([`words`](mod@words)), and
//! the self-contained HTML quote report ([`report`]).
//!
//! Every analysis works on a [`Scope`]: the coders, transcripts and codes a
//! researcher selected (`--coder`, `--transcript`, `--attr KEY=VALUE`,
//! `--code`), checked against the project once. The results are plain data
//! structs that serialize to the JSON contracts and that the TUI draws; each
//! carries what is needed to list the segments behind a number
//! ([`cooccurrence::cell_pairs`], [`matrix::cell_segments`]).

pub mod cooccurrence;
pub mod matrix;
pub mod report;
pub mod words;

use std::collections::{BTreeMap, BTreeSet, HashSet};

pub use cooccurrence::{Cooccurrence, Unit, cooccurrence};
pub use matrix::{By, Matrix, MatrixRow, NONE_COLUMN, matrix};
pub use report::write_html;
pub use words::{WordCount, WordOptions, Words, words};

use super::error::{Error, Result};
use super::segments::{Filter, Segment, Unplaced};
use super::text::one_line;
use super::workspace::Workspace;

/// What the researcher asked to look at, as typed on the command line.
/// Empty lists select everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Coder names.
    pub coders: Vec<String>,
    /// Transcript ids.
    pub transcripts: Vec<String>,
    /// Codes as a researcher names them (path, unique name, id or shortcut
    /// key); each selects its subcodes too.
    pub codes: Vec<String>,
    /// `(attribute, value)` pairs: transcripts whose attribute has one of
    /// the values given for it, for every attribute named. An empty value
    /// selects transcripts without the attribute. Names are the table's
    /// spelling ([`crate::project::Attributes::resolve_filters`] makes them
    /// so from what a researcher typed).
    pub attrs: Vec<(String, String)>,
}

/// A [`Selection`] checked against a project: what an analysis counts.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The coders counted: those selected, or every coder with a journal.
    pub coders: Vec<String>,
    /// Whether coders were selected (`--coder`).
    pub coders_selected: bool,
    /// Ids of the transcripts in scope, sorted.
    pub transcripts: Vec<String>,
    /// Whether transcripts were restricted (`--transcript` or `--attr`).
    pub transcripts_selected: bool,
    /// Positions (codebook order) of the codes in scope.
    pub codes: Vec<usize>,
    /// Whether codes were selected (`--code`).
    pub codes_selected: bool,
    /// Code ids of the selected codes with their aliases (empty: all).
    code_ids: Vec<String>,
    /// Things worth telling the researcher (an attribute value that
    /// matches no transcript).
    pub notes: Vec<String>,
    /// The selection in one line (`coders ana; role=student; codes …`),
    /// empty when everything is in scope.
    pub description: String,
}

impl Scope {
    /// Everything: every coder, transcript and code.
    pub fn all(ws: &Workspace) -> Scope {
        Scope {
            coders: ws.coders(),
            coders_selected: false,
            transcripts: ws.transcripts.keys().cloned().collect(),
            transcripts_selected: false,
            codes: (0..ws.book.len()).collect(),
            codes_selected: false,
            code_ids: Vec::new(),
            notes: Vec::new(),
            description: String::new(),
        }
    }

    /// Checks a selection: unknown coders, transcripts, codes and
    /// attributes are errors that say what exists.
    pub fn new(ws: &Workspace, sel: &Selection) -> Result<Scope> {
        let mut scope = Scope::all(ws);
        if !sel.coders.is_empty() {
            let all = ws.coders();
            let mut coders: Vec<String> = Vec::new();
            for c in &sel.coders {
                if !all.contains(c) {
                    return Err(Error::invalid(format!(
                        "no coder `{}` in this project (coders: {})",
                        one_line(c),
                        if all.is_empty() {
                            "none yet".to_owned()
                        } else {
                            all.join(", ")
                        }
                    )));
                }
                if !coders.contains(c) {
                    coders.push(c.clone());
                }
            }
            scope.coders = coders;
            scope.coders_selected = true;
        }
        if !sel.codes.is_empty() {
            let mut ids = Vec::new();
            let mut positions = BTreeSet::new();
            for spec in &sel.codes {
                let code = ws.book.resolve(spec)?;
                for id in ws.book.subtree_ids(&code.id) {
                    if let Some(p) = ws.book.position(&id) {
                        positions.insert(p);
                    }
                    ids.push(id);
                }
            }
            scope.code_ids = ids;
            scope.codes = positions.into_iter().collect();
            scope.codes_selected = true;
        }
        if !sel.transcripts.is_empty() {
            ws.check_transcripts(&sel.transcripts)?;
            let wanted: HashSet<&str> = sel.transcripts.iter().map(String::as_str).collect();
            scope.transcripts.retain(|t| wanted.contains(t.as_str()));
            scope.transcripts_selected = true;
        }
        if !sel.attrs.is_empty() {
            let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (k, v) in &sel.attrs {
                if !ws.attributes.names.iter().any(|n| n == k) {
                    return Err(Error::invalid(format!(
                        "no attribute `{}` in attributes.csv ({}); add a column, or set it with `motif import … --attr {}=VALUE`",
                        one_line(k),
                        if ws.attributes.names.is_empty() {
                            "it has no attributes yet".to_owned()
                        } else {
                            format!("attributes: {}", ws.attributes.names.join(", "))
                        },
                        one_line(k)
                    )));
                }
                wanted.entry(k.as_str()).or_default().push(v.as_str());
            }
            for (k, values) in &wanted {
                for v in values {
                    let exists = ws.transcripts.keys().any(|t| {
                        ws.attributes
                            .rows
                            .get(t)
                            .and_then(|r| r.get(*k))
                            .map_or("", String::as_str)
                            == *v
                    });
                    if !exists {
                        scope.notes.push(format!(
                            "no transcript has {}={}",
                            one_line(k),
                            one_line(v)
                        ));
                    }
                }
            }
            scope.transcripts.retain(|t| {
                let row = ws.attributes.rows.get(t);
                wanted.iter().all(|(k, values)| {
                    let have = row.and_then(|r| r.get(*k)).map_or("", String::as_str);
                    values.contains(&have)
                })
            });
            scope.transcripts_selected = true;
        }
        scope.description = scope.describe(ws, sel);
        Ok(scope)
    }

    /// The segment filter of this scope (coders and codes; transcripts
    /// when only a few are selected — [`Scope::segments`] restricts them
    /// in any case).
    pub fn filter(&self) -> Filter {
        Filter {
            coders: if self.coders_selected {
                self.coders.clone()
            } else {
                Vec::new()
            },
            transcripts: if self.transcripts_selected && self.transcripts.len() <= 16 {
                self.transcripts.clone()
            } else {
                Vec::new()
            },
            codes: self.code_ids.clone(),
        }
    }

    /// Places the codings in scope, sorted as [`Workspace::segments`] sorts
    /// them; codings that cannot be placed come back beside them.
    pub fn segments<'a>(&self, ws: &'a Workspace) -> (Vec<Segment<'a>>, Unplaced<'a>) {
        if self.transcripts_selected && self.transcripts.is_empty() {
            return (Vec::new(), Unplaced::default());
        }
        let (mut segs, mut unplaced) = ws.segments(&self.filter());
        if self.transcripts_selected {
            let keep: HashSet<&str> = self.transcripts.iter().map(String::as_str).collect();
            segs.retain(|s| keep.contains(s.coding.transcript.as_str()));
            let ours = |c: &&super::journal::Coding| keep.contains(c.transcript.as_str());
            unplaced.orphaned.retain(ours);
            unplaced.no_transcript.retain(ours);
            unplaced.unknown_code.retain(ours);
        }
        (segs, unplaced)
    }

    /// Whether the scope narrows the text to what was coded (codes or
    /// coders were selected), as `motif words` reads it.
    pub fn coded_text_only(&self) -> bool {
        self.codes_selected || self.coders_selected
    }

    fn describe(&self, ws: &Workspace, sel: &Selection) -> String {
        let mut parts = Vec::new();
        if self.coders_selected {
            parts.push(format!("coders {}", self.coders.join(", ")));
        }
        if !sel.transcripts.is_empty() {
            parts.push(format!("transcripts {}", sel.transcripts.join(", ")));
        }
        for (k, v) in &sel.attrs {
            parts.push(format!("{k}={v}"));
        }
        if self.codes_selected {
            let names: Vec<&str> = self
                .codes
                .iter()
                .map(|&p| ws.book.codes()[p].path.as_str())
                .collect();
            parts.push(format!("codes {}", names.join(", ")));
        }
        parts.join("; ")
    }
}
