//! `motif transcripts`: every transcript with its words, speakers,
//! attributes, codings and coded share.

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;

use serde::Serialize;

use motif_core::segments::Filter;
use motif_core::stats;
use motif_core::text::one_line;

use super::output::{clip, emit, json, num, table};
use super::{CmdResult, Ctx};

#[derive(Serialize)]
struct TranscriptRow {
    id: String,
    words: usize,
    chars: usize,
    turns: usize,
    speakers: Vec<String>,
    attributes: BTreeMap<String, String>,
    coded_fraction: f64,
    codings: usize,
}

/// `motif transcripts [--json]`.
pub fn transcripts(ctx: &Ctx, as_json: bool) -> CmdResult {
    let ws = ctx.workspace()?;
    let (segs, _) = ws.segments(&Filter::default());
    let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for s in &segs {
        spans
            .entry(s.coding.transcript.as_str())
            .or_default()
            .push((s.start, s.end));
    }
    let rows: Vec<TranscriptRow> = ws
        .transcripts
        .values()
        .map(|t| {
            let mine = spans.remove(t.id.as_str()).unwrap_or_default();
            TranscriptRow {
                id: t.id.clone(),
                words: t.words(),
                chars: t.char_len(),
                turns: t.speaker_turns(),
                speakers: t.speakers(),
                attributes: ws.attributes.of(&t.id),
                codings: mine.len(),
                coded_fraction: stats::coded_fraction(t.char_len(), mine),
            }
        })
        .collect();
    if as_json {
        emit(&json(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        emit("no transcripts yet; add some with `motif import FILES…`\n");
        return Ok(ExitCode::SUCCESS);
    }
    let names = &ws.attributes.names;
    let mut header = vec!["transcript", "words", "speakers"];
    header.extend(names.iter().map(String::as_str));
    header.extend(["codings", "coded"]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                one_line(&r.id),
                num(r.words),
                clip(&one_line(&r.speakers.join(", ")), 32),
            ];
            v.extend(
                names
                    .iter()
                    .map(|n| one_line(r.attributes.get(n).map_or("", String::as_str))),
            );
            v.push(num(r.codings));
            v.push(format!("{:.0}%", r.coded_fraction * 100.0));
            v
        })
        .collect();
    let mut right = vec![false, true, false];
    right.extend(names.iter().map(|_| false));
    right.extend([true, true]);
    emit(&table(&header, &body, &right, ctx.style));
    Ok(ExitCode::SUCCESS)
}
