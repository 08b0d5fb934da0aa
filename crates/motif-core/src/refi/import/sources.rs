//! One text source of a project: its text (inline, from the archive or
//! from disk), the positions scheme its selections use, and its selections
//! and codings turned into code-point spans.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::import::{Legacy, decode, docx_text, normalize_newlines};
use crate::refi::positions::{PositionMap, Probe, RawText, Scheme};
use crate::refi::reading::{Basis, Reading, decide};
use crate::refi::xml::Element;
use crate::refi::{any_guid, normalize_guid};
use crate::text::one_line;

use super::names::decode_source;
use super::reader::Reader;
use super::{ImportedCoding, ImportedSource, MAX_DOCX_BYTES, MAX_SOURCE_BYTES, Package};

/// One coding of a selection as written.
struct RawCoding {
    pub(super) guid: Option<String>,
    pub(super) code: String,
    pub(super) coder: String,
    pub(super) time: Option<String>,
    pub(super) notes: Vec<String>,
}

/// One selection before its positions are mapped.
struct RawSelection {
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) name: Option<String>,
    /// The name attribute as written (an empty one too).
    pub(super) raw_name: Option<String>,
    pub(super) guid: String,
    pub(super) creator: Option<String>,
    pub(super) created: Option<String>,
    pub(super) codings: Vec<RawCoding>,
    pub(super) memo: Vec<String>,
}

/// Reads a text source (or a PDF's text representation).
pub(super) fn read_text_source(
    cx: &mut Reader<'_>,
    el: &Element,
    name_override: Option<&str>,
    pkg: &mut Package,
) -> Result<()> {
    let guid = el
        .attr("guid")
        .and_then(any_guid)
        .unwrap_or_else(|| crate::refi::guid("imported-source", &pkg.sources.len().to_string()));
    // A source without a name is named after its text file.
    let name = name_override
        .or_else(|| el.attr_nonblank("name"))
        .or_else(|| {
            el.attr_nonblank("plainTextPath")
                .and_then(|p| p.rsplit(['/', '\\']).next())
                .filter(|f| !f.trim().is_empty())
        })
        .map_or_else(String::new, str::to_owned);
    let shown = if name.is_empty() {
        format!("source {guid}")
    } else {
        format!("source `{}`", one_line(&name))
    };
    let Some((raw, had_bom, from_docx)) = source_text(cx, el, &shown)? else {
        return Ok(());
    };
    let normalized = normalize_newlines(&raw);
    match decode(normalized.as_bytes(), cx.file, Legacy::Refuse) {
        Ok(d) if d.text == normalized => {}
        Ok(_) | Err(_) => {
            cx.notices.push(format!(
                "{shown} is not usable as a transcript (binary or control data); skipped"
            ));
            return Ok(());
        }
    }
    let chars = normalized.chars().count();
    let selections = read_selections(cx, el, &shown);
    let text = RawText { raw: &raw, had_bom };
    let (map, reading) = position_map(
        cx,
        &shown,
        &selections,
        from_docx,
        &text,
        &normalized,
        chars,
    );

    let mut transcript_memo: Vec<String> = Vec::new();
    if let Some(d) = el
        .child_text("Description")
        .filter(|d| !d.trim().is_empty())
    {
        transcript_memo.push(d.to_owned());
    }
    transcript_memo.extend(cx.refs(el));
    place_selections(
        cx,
        &shown,
        selections,
        &map,
        &normalized,
        pkg,
        &mut transcript_memo,
    );
    whole_source_codings(cx, el, &shown, chars, pkg);
    let mut attributes = BTreeMap::new();
    for vv in el.children_named("VariableValue") {
        if let Some((k, v)) = cx.variable_value(vv) {
            attributes.insert(k, v);
        }
    }
    pkg.sources.push(ImportedSource {
        guid,
        raw_guid: el
            .attr("guid")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned(),
        raw_name: el.attr("name").map(str::to_owned),
        name: if name.is_empty() { String::new() } else { name },
        text: normalized,
        memo: transcript_memo,
        attributes,
        reading,
    });
    Ok(())
}

/// A source's text as written (with whether it had a BOM, and whether it
/// came from a Word file): its plain text file, else its inline content,
/// else its Word file. `None` (with a notice) when there is no text to
/// code or only a rich-text file motif cannot read.
fn source_text(
    cx: &mut Reader<'_>,
    el: &Element,
    shown: &str,
) -> Result<Option<(String, bool, bool)>> {
    let mut raw: Option<(String, bool)> = None;
    let mut from_docx = false;
    if let Some(p) = el.attr_nonblank("plainTextPath") {
        let loc = cx.locate(p, shown)?;
        match cx.fetch(&loc, MAX_SOURCE_BYTES)? {
            Some(bytes) => {
                let mut notices = Vec::new();
                let decoded = decode_source(&bytes, shown, &mut notices).map_err(|m| cx.bad(m))?;
                cx.notices.extend(notices);
                raw = Some(decoded);
            }
            None => cx.notices.push(format!(
                "{shown}: its text file `{}` is missing from the archive",
                one_line(p)
            )),
        }
    }
    if raw.as_ref().is_none_or(|(t, _)| t.trim().is_empty())
        && let Some(content) = el
            .child_text("PlainTextContent")
            .filter(|c| !c.trim().is_empty())
    {
        raw = Some((content.to_owned(), false));
    }
    if raw.as_ref().is_none_or(|(t, _)| t.trim().is_empty())
        && let Some(p) = el.attr_nonblank("richTextPath")
    {
        let loc = cx.locate(p, shown)?;
        if p.to_ascii_lowercase().ends_with(".docx") {
            if let Some(bytes) = cx.fetch(&loc, MAX_DOCX_BYTES)? {
                let text = docx_text(&bytes, &cx.file.join(p.rsplit('/').next().unwrap_or(p)))?;
                if !text.trim().is_empty() {
                    raw = Some((text, false));
                    from_docx = true;
                }
            }
        } else {
            cx.notices.push(format!(
                "{shown}: only a rich-text file `{}` is given and motif reads only .docx; skipped",
                one_line(p)
            ));
            return Ok(None);
        }
    }
    let Some((raw, had_bom)) = raw.filter(|(t, _)| !t.trim().is_empty()) else {
        cx.notices
            .push(format!("{shown} is empty (no text to code); skipped"));
        return Ok(None);
    };
    Ok(Some((raw, had_bom, from_docx)))
}

/// A source's selections and their codings, positions as written.
fn read_selections(cx: &mut Reader<'_>, el: &Element, shown: &str) -> Vec<RawSelection> {
    let mut selections = Vec::new();
    for sel in el.children_named("PlainTextSelection") {
        let pos = |k: &str| sel.attr(k).and_then(|v| v.trim().parse::<i64>().ok());
        let (Some(start), Some(end)) = (pos("startPosition"), pos("endPosition")) else {
            cx.notices.push(format!(
                "{shown}: a selection without readable startPosition/endPosition was skipped"
            ));
            continue;
        };
        let sel_user = sel.attr("creatingUser").map(str::to_owned);
        let creator = sel_user
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(|u| cx.coder(Some(u)));
        let sel_time = sel.attr("creationDateTime").map(str::to_owned);
        let mut memo: Vec<String> = sel
            .child_text("Description")
            .filter(|d| !d.trim().is_empty())
            .map(|d| vec![d.to_owned()])
            .unwrap_or_default();
        memo.extend(cx.refs(sel));
        let mut codings = Vec::new();
        for c in sel.children_named("Coding") {
            let Some(code) = c
                .child("CodeRef")
                .and_then(|r| r.attr("targetGUID"))
                .and_then(any_guid)
            else {
                cx.notices
                    .push(format!("{shown}: a coding without a CodeRef was skipped"));
                continue;
            };
            let user = c
                .attr("creatingUser")
                .map(str::to_owned)
                .or_else(|| sel_user.clone())
                .or_else(|| el.attr("creatingUser").map(str::to_owned));
            let coder = cx.coder(user.as_deref());
            let time = c
                .attr("creationDateTime")
                .map(str::to_owned)
                .or_else(|| sel_time.clone());
            let notes = cx.refs(c);
            let guid = c.attr("guid").and_then(any_guid);
            codings.push(RawCoding {
                guid,
                code,
                coder,
                time,
                notes,
            });
        }
        selections.push(RawSelection {
            start,
            end,
            name: sel.attr_nonblank("name").map(str::to_owned),
            raw_name: sel.attr("name").map(str::to_owned),
            guid: sel
                .attr("guid")
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
            creator,
            created: sel.attr("creationDateTime").map(str::to_owned),
            codings,
            memo,
        });
    }
    selections
}

/// How this tool counted positions in a source (see
/// [`crate::refi::reading`]); a source read from a Word file is taken as
/// counted in code points of motif's reading of it. A reading that is not
/// clear-cut gets a notice.
fn position_map(
    cx: &mut Reader<'_>,
    shown: &str,
    selections: &[RawSelection],
    from_docx: bool,
    text: &RawText<'_>,
    normalized: &str,
    chars: usize,
) -> (PositionMap, Reading) {
    if from_docx {
        if !selections.is_empty() {
            cx.notices.push(format!(
                "{shown} exists only as a Word file; motif read its text, so check that its {} selection(s) landed where the tool had them",
                selections.len()
            ));
        }
        let reading = Reading {
            scheme: Scheme::default(),
            basis: Basis::Assumed,
            clear: selections.is_empty(),
            why: "the text was read from a Word file; positions taken as code points of it".into(),
        };
        return (PositionMap::identity(chars), reading);
    }
    let probes: Vec<Probe<'_>> = selections
        .iter()
        .filter_map(|s| {
            let start = usize::try_from(s.start).ok()?;
            let end = usize::try_from(s.end).ok()?;
            Some(Probe {
                start,
                end,
                name: s.name.as_deref(),
            })
        })
        .collect();
    let reading = decide(text, normalized, &probes, cx.habit);
    if !reading.clear {
        cx.notices.push(format!(
            "{shown}: its positions could be counted more than one way; motif read them as {} because {} — check its codings (`motif segments --transcript ID`)",
            reading.scheme.describe(),
            reading.why
        ));
    }
    let map = if text.ambiguous() {
        PositionMap::new(text, reading.scheme)
    } else {
        PositionMap::identity(chars)
    };
    (map, reading)
}

/// Turns the selections into codings of the source (the next one in
/// `pkg`) at their code-point spans; a selection without codings but with
/// a memo adds that memo to `transcript_memo`.
fn place_selections(
    cx: &mut Reader<'_>,
    shown: &str,
    selections: Vec<RawSelection>,
    map: &PositionMap,
    normalized: &str,
    pkg: &mut Package,
    transcript_memo: &mut Vec<String>,
) {
    let index = pkg.sources.len();
    let (mut out_of_range, mut empty) = (0, 0);
    for s in selections {
        let mapped = match (usize::try_from(s.start), usize::try_from(s.end)) {
            (Ok(a), Ok(b)) => map.to_char(a).zip(map.to_char(b.min(map.len()))),
            _ => None,
        };
        let Some((start, end)) =
            mapped.filter(|_| s.start < i64::try_from(map.len()).unwrap_or(i64::MAX))
        else {
            out_of_range += 1;
            continue;
        };
        if end <= start {
            empty += 1;
            continue;
        }
        if s.end > i64::try_from(map.len()).unwrap_or(i64::MAX) {
            cx.notices.push(format!(
                "{shown}: a selection ending at {} runs past the text's end ({}) and was cut there",
                s.end,
                map.len()
            ));
        }
        if normalize_guid(&s.guid).is_some() {
            pkg.selections.push(super::ImportedSelection {
                source: index,
                start,
                end,
                guid: s.guid.clone(),
                name: s.raw_name.clone(),
                creator: s.creator.clone(),
                created: s.created.clone(),
            });
        }
        if s.codings.is_empty() {
            if !s.memo.is_empty() {
                let excerpt: String = normalized
                    .chars()
                    .skip(start)
                    .take(end - start)
                    .take(80)
                    .collect();
                transcript_memo.push(format!(
                    "On characters {start}–{end} (“{}”): {}",
                    one_line(&excerpt),
                    s.memo.join("\n\n")
                ));
            }
            continue;
        }
        for RawCoding {
            guid,
            code,
            coder,
            time,
            notes,
        } in s.codings
        {
            let mut memo = s.memo.clone();
            memo.extend(notes);
            pkg.codings.push(ImportedCoding {
                guid,
                source: index,
                start,
                end,
                code,
                coder,
                time,
                memo: (!memo.is_empty()).then(|| memo.join("\n\n")),
            });
        }
    }
    if out_of_range > 0 {
        cx.notices.push(format!(
            "{shown}: {out_of_range} selection(s) outside the text were skipped"
        ));
    }
    if empty > 0 {
        cx.notices.push(format!(
            "{shown}: {empty} empty or reversed selection(s) were skipped"
        ));
    }
}

/// Codings of the whole source (the next one in `pkg`, of `chars` code
/// points) become codings of the whole transcript.
fn whole_source_codings(
    cx: &mut Reader<'_>,
    el: &Element,
    shown: &str,
    chars: usize,
    pkg: &mut Package,
) {
    let index = pkg.sources.len();
    // Codings of the whole source.
    let mut whole = 0;
    for c in el.children_named("Coding") {
        let Some(code) = c
            .child("CodeRef")
            .and_then(|r| r.attr("targetGUID"))
            .and_then(any_guid)
        else {
            continue;
        };
        let user = c
            .attr("creatingUser")
            .or_else(|| el.attr("creatingUser"))
            .map(str::to_owned);
        let coder = cx.coder(user.as_deref());
        let notes = cx.refs(c);
        pkg.codings.push(ImportedCoding {
            guid: c.attr("guid").and_then(any_guid),
            source: index,
            start: 0,
            end: chars,
            code,
            coder,
            time: c.attr("creationDateTime").map(str::to_owned),
            memo: (!notes.is_empty()).then(|| notes.join("\n\n")),
        });
        whole += 1;
    }
    if whole > 0 {
        cx.notices.push(format!(
            "{shown}: {whole} coding(s) of the whole source became codings of the whole transcript"
        ));
    }
}
