//! Reading REFI-QDA projects and codebooks from any tool.
//!
//! Import happens in two steps. [`read_qdpx`] / [`read_qdc`] open the file,
//! check it and turn it into a [`Package`] in memory — a hostile or
//! malformed file fails here and nothing is written. [`apply`] /
//! [`apply_codebook`] then plan the changes against the project (matching
//! codes by GUID or path, transcripts by content) and write them: the
//! transcripts (atomically), the codebook through [`Codebook`], attributes,
//! memos, and the codings through the journal, one durable batch per
//! coder.
//!
//! Tolerated: codebook namespace variants and element names in any case;
//! `Sources/` as well as `sources/`; sources with a BOM, CRLF (counted as
//! one or two, see [`super::positions`]), UTF-16 or Windows-1252; sources
//! that exist only as `.docx` or as `PlainTextContent`; several codings on
//! one selection; codings on a whole source; missing names; colours in odd
//! forms; GUIDs in braces or any case. Refused: `relative://` and
//! `absolute://` sources unless the researcher allows external paths.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::super::codebook::{Codebook, PALETTE, check_name};
use super::super::error::{Error, Result};
use super::super::fsio::atomic_write;
use super::super::ids::{new_id, now_rfc3339};
use super::super::import::{Legacy, MAX_TRANSCRIPT_BYTES, decode, docx_text, normalize_newlines};
use super::super::journal::Record;
use super::super::memo::{MemoTarget, append_memo, read_memo, write_memo};
use super::super::ops::{NewCoding, new_coding};
use super::super::project::{Attributes, Project, check_coder, check_transcript_id};
use super::super::segments::{Placement, place};
use super::super::text::one_line;
use super::super::transcript::{Transcript, content_hash};
use super::archive::{Archive, check_entry_name};
use super::positions::{PositionMap, Probe, RawText, Scheme, choose};
use super::xml::{self, Element, XmlError};
use super::{
    SIDECAR, Sidecar, code_guid, is_datetime, normalize_guid, parse_refi_color, split_description,
};

/// Largest `project.qde` or `.qdc` motif reads.
pub const MAX_XML_BYTES: u64 = 256 * 1024 * 1024;
/// Largest plain-text source.
pub const MAX_SOURCE_BYTES: u64 = MAX_TRANSCRIPT_BYTES as u64;
/// Largest `.docx` source.
pub const MAX_DOCX_BYTES: u64 = 256 * 1024 * 1024;
/// Largest sidecar.
const MAX_SIDECAR_BYTES: u64 = 16 * 1024 * 1024;

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Read `relative://` and `absolute://` sources from disk.
    pub allow_external_paths: bool,
    /// The coder of codings whose user is not given.
    pub default_coder: String,
    /// Add to a project that already has content.
    pub merge: bool,
}

/// A code as read.
#[derive(Debug, Clone, Default)]
pub struct ImportedCode {
    /// Canonical GUID (lowercase, no braces).
    pub guid: String,
    /// Name, made valid for motif (no `/`, no control characters, unique
    /// among its siblings).
    pub name: String,
    /// Index of the parent in [`Package::codes`] (parents come first).
    pub parent: Option<usize>,
    pub description: String,
    pub include: Option<String>,
    pub exclude: Option<String>,
    pub example: Option<String>,
    /// `#rrggbb`.
    pub color: Option<String>,
    pub memo: Option<String>,
    /// From motif's sidecar, when the GUID matches.
    pub sidecar_id: Option<String>,
    pub key: Option<char>,
    pub aliases: Vec<String>,
}

/// A text source as read, with its text normalized.
#[derive(Debug, Clone, Default)]
pub struct ImportedSource {
    pub guid: String,
    /// The name the tool gave it (the transcript id is derived from it).
    pub name: String,
    /// Normalized text (no BOM, LF line ends).
    pub text: String,
    /// Memo paragraphs.
    pub memo: Vec<String>,
    /// Attributes (variable → value).
    pub attributes: BTreeMap<String, String>,
}

/// A coding as read, in code points of the normalized text.
#[derive(Debug, Clone)]
pub struct ImportedCoding {
    /// The tool's GUID for the coding (canonical), kept as its motif id.
    pub guid: Option<String>,
    /// Index in [`Package::sources`].
    pub source: usize,
    pub start: usize,
    pub end: usize,
    /// Canonical GUID of the code.
    pub code: String,
    pub coder: String,
    pub time: Option<String>,
    pub memo: Option<String>,
}

/// Everything motif took from a `.qdpx` or `.qdc`, checked, in memory.
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub file: PathBuf,
    /// The project's name.
    pub name: String,
    /// The tool that wrote it.
    pub origin: Option<String>,
    pub codes: Vec<ImportedCode>,
    pub sources: Vec<ImportedSource>,
    pub codings: Vec<ImportedCoding>,
    /// Attribute names in the order the file lists them.
    pub variables: Vec<String>,
    /// Paragraphs of the project memo.
    pub project_memo: Vec<String>,
    /// Coders named by the file's users, in order.
    pub users: Vec<String>,
    /// What the researcher should know (what was left out and why).
    pub notices: Vec<String>,
}

fn xml_error(file: &Path, entry: Option<&str>, e: &XmlError) -> Error {
    let path = match entry {
        Some(name) => file.join(name),
        None => file.to_path_buf(),
    };
    let (line, col) = e.at.map_or((None, None), |(l, c)| (Some(l), Some(c)));
    Error::parse(path, line, col, e.message.clone())
}

/// A name made usable as a coder name (letters, digits, `.`, `_`, `-`).
fn coder_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.trim().chars() {
        if c.is_alphanumeric() || "._-".contains(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_owned();
    let out: String = out.chars().take(64).collect();
    let out = out.trim_end_matches('.').to_owned();
    if check_coder(&out).is_ok() {
        out
    } else {
        String::new()
    }
}

/// A name made valid for a code (no `/`, no control characters).
fn code_name(raw: Option<&str>) -> String {
    let cleaned: String = raw
        .unwrap_or("")
        .chars()
        .map(|c| match c {
            '/' => '\u{2215}',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if check_name(&name).is_ok() {
        name
    } else {
        "unnamed code".to_owned()
    }
}

/// The first eight letters or digits of a GUID (for made-up names).
fn short_id(guid: &str) -> String {
    let s: String = guid
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    if s.is_empty() { "0".to_owned() } else { s }
}

/// Longest folder or file name motif derives from a source's name.
const MAX_ID_PART: usize = 100;

/// A transcript id from a source's name: file extension dropped, spaces
/// and odd characters turned into `-`. A folder is never named like a
/// transcript file (`x.txt/y` becomes `x-txt/y`), so that no id's folder
/// is another id's file (`x` is stored as `x.txt`).
pub fn transcript_id_from(name: &str, guid: &str) -> String {
    let mut base = name.trim();
    for ext in [".txt", ".docx", ".doc", ".rtf", ".pdf", ".md", ".odt"] {
        if base.len() > ext.len() && base.to_ascii_lowercase().ends_with(ext) {
            base = &base[..base.len() - ext.len()];
            break;
        }
    }
    let parts: Vec<String> = base
        .split(['/', '\\'])
        .map(|part| {
            let mut out = String::new();
            for c in part.chars().take(MAX_ID_PART) {
                if c.is_alphanumeric() || "._-".contains(c) {
                    out.push(c);
                } else if !out.ends_with('-') {
                    out.push('-');
                }
            }
            out.trim_matches(|c| c == '-' || c == '.').to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect();
    let last = parts.len().saturating_sub(1);
    let parts: Vec<String> = parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let like_file = Path::new(&part)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"));
            if i < last && like_file {
                let dot = part.rfind('.').expect("ends with an extension");
                format!("{}-{}", &part[..dot], &part[dot + 1..])
            } else {
                part
            }
        })
        .collect();
    let id = parts.join("/");
    if check_transcript_id(&id).is_ok() {
        id
    } else {
        format!("source-{}", short_id(guid))
    }
}

/// Reads a source file's bytes as text: BOM noted and dropped, UTF-16 with
/// a BOM, UTF-8, else Windows-1252 (with a notice).
fn decode_source(
    bytes: &[u8],
    what: &str,
    notices: &mut Vec<String>,
) -> std::result::Result<(String, bool), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_owned(), true))
            .map_err(|_| format!("{what} starts with a UTF-8 BOM but is not UTF-8"));
    }
    let utf16 = |rest: &[u8], read: fn([u8; 2]) -> u16| {
        if !rest.len().is_multiple_of(2) {
            return Err(format!(
                "{what} claims to be UTF-16 but has an odd number of bytes"
            ));
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
        String::from_utf16(&units)
            .map(|s| (s, true))
            .map_err(|_| format!("{what} holds invalid UTF-16"))
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), false));
    }
    notices.push(format!(
        "{what} is not UTF-8 as REFI-QDA requires; it was read as Windows-1252 — check accented letters"
    ));
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok((text.into_owned(), false))
}

/// Reading state shared by the parts of a project.
struct Reader<'a> {
    file: &'a Path,
    archive: Option<&'a mut Archive>,
    opts: &'a ImportOptions,
    base_path: Option<String>,
    users: HashMap<String, String>,
    notes: HashMap<String, String>,
    used_notes: HashSet<String>,
    variables: HashMap<String, String>,
    notices: Vec<String>,
    default_scheme: Scheme,
}

/// Where a source's text lives.
enum Location {
    Internal(String),
    External(PathBuf),
}

impl Reader<'_> {
    fn bad(&self, msg: String) -> Error {
        Error::parse(self.file, None, None, msg)
    }

    /// The coder named by a user GUID.
    fn coder(&mut self, user: Option<&str>) -> String {
        let Some(raw) = user.and_then(|u| normalize_guid(u).or_else(|| Some(u.trim().to_owned())))
        else {
            return self.opts.default_coder.clone();
        };
        if raw.is_empty() {
            return self.opts.default_coder.clone();
        }
        if let Some(c) = self.users.get(&raw) {
            return c.clone();
        }
        let name = format!("user-{}", short_id(&raw));
        let name = coder_name(&name);
        let name = if name.is_empty() {
            self.opts.default_coder.clone()
        } else {
            name
        };
        self.users.insert(raw, name.clone());
        name
    }

    fn locate(&self, url: &str, what: &str) -> Result<Location> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("internal://")
            .map(|_| &url["internal://".len()..])
        {
            return self.internal(rest, what);
        }
        for (scheme, relative) in [("relative://", true), ("absolute://", false)] {
            if lower.starts_with(scheme) {
                if !self.opts.allow_external_paths {
                    return Err(self.bad(format!(
                        "{what} refers to a file outside the archive (`{}`); motif reads only what the .qdpx holds unless you pass --allow-external-paths",
                        one_line(url)
                    )));
                }
                let rest = &url[scheme.len()..];
                let path = if relative {
                    let base = self.base_path.clone().unwrap_or_default();
                    let rest = rest.trim_start_matches('/');
                    Path::new(&base).join(rest)
                } else {
                    // absolute:///C:/x or absolute:///home/x → the path.
                    let p = rest.strip_prefix('/').unwrap_or(rest);
                    let windows = p.len() >= 2 && p.as_bytes()[1] == b':';
                    if windows {
                        PathBuf::from(p)
                    } else {
                        PathBuf::from(format!("/{}", p.trim_start_matches('/')))
                    }
                };
                return Ok(Location::External(path));
            }
        }
        if url.contains("://") {
            return Err(self.bad(format!(
                "{what} has a path motif does not understand: `{}`",
                one_line(url)
            )));
        }
        // A bare file name: take it as internal.
        self.internal(url, what)
    }

    fn internal(&self, name: &str, what: &str) -> Result<Location> {
        let clean = check_entry_name(name).map_err(|why| {
            self.bad(format!(
                "refused: {what} names an internal file `{}` that {why}",
                one_line(name)
            ))
        })?;
        Ok(Location::Internal(clean))
    }

    /// Reads a located file; `None` if an internal file is missing.
    fn fetch(&mut self, loc: &Location, cap: u64) -> Result<Option<Vec<u8>>> {
        match loc {
            Location::Internal(name) => {
                let Some(ar) = self.archive.as_deref_mut() else {
                    return Ok(None);
                };
                let in_sources = format!("sources/{name}");
                if ar.contains(&in_sources) {
                    ar.read(&in_sources, cap)
                } else {
                    ar.read(name, cap)
                }
            }
            Location::External(path) => {
                let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if meta.len() > cap {
                    return Err(Error::parse(
                        path,
                        None,
                        None,
                        format!(
                            "the file is larger than the {} MB motif reads",
                            cap / 1_000_000
                        ),
                    ));
                }
                std::fs::read(path)
                    .map(Some)
                    .map_err(|e| Error::io(path, e))
            }
        }
    }

    /// The text of a note (its content, else its file, with its
    /// description first).
    fn note_text(&mut self, note: &Element) -> Result<String> {
        let mut parts = Vec::new();
        if let Some(d) = note
            .child_text("Description")
            .filter(|d| !d.trim().is_empty())
        {
            parts.push(d.to_owned());
        }
        if let Some(c) = note
            .child_text("PlainTextContent")
            .filter(|c| !c.trim().is_empty())
        {
            parts.push(c.to_owned());
        } else if let Some(p) = note.attr_nonblank("plainTextPath") {
            let what = format!("note `{}`", one_line(note.attr("name").unwrap_or("")));
            let loc = self.locate(p, &what)?;
            if let Some(bytes) = self.fetch(&loc, MAX_SOURCE_BYTES)? {
                let mut notices = Vec::new();
                if let Ok((text, _)) = decode_source(&bytes, &what, &mut notices) {
                    parts.push(normalize_newlines(&text));
                }
                self.notices.extend(notices);
            }
        }
        Ok(parts.join("\n\n"))
    }

    /// Texts of the notes an element refers to (marked as used).
    fn refs(&mut self, el: &Element) -> Vec<String> {
        let mut out = Vec::new();
        for r in el.children_named("NoteRef") {
            if let Some(g) = r.attr("targetGUID").and_then(normalize_guid)
                && let Some(text) = self.notes.get(&g)
            {
                self.used_notes.insert(g);
                if !text.trim().is_empty() {
                    out.push(text.clone());
                }
            }
        }
        out
    }

    /// The value of a `VariableValue`, with its variable's name.
    fn variable_value(&self, vv: &Element) -> Option<(String, String)> {
        let g = vv
            .child("VariableRef")?
            .attr("targetGUID")
            .and_then(normalize_guid)?;
        let name = self.variables.get(&g)?.clone();
        let value = vv
            .children
            .iter()
            .find(|c| c.name.to_ascii_lowercase().ends_with("value"))
            .map(|c| c.text.trim().to_owned())?;
        (!value.is_empty()).then_some((name, value))
    }
}

/// Reads the codes under `parent` (an element holding `Code` children).
fn read_codes(
    cx: &mut Reader<'_>,
    parent_el: &Element,
    parent: Option<usize>,
    sidecar: &HashMap<String, &super::SidecarCode>,
    out: &mut Vec<ImportedCode>,
    seen: &mut HashSet<String>,
) {
    let mut sibling_names: HashSet<String> = HashSet::new();
    for el in parent_el.children_named("Code") {
        let base = code_name(el.attr("name"));
        if el.attr_nonblank("name").is_none() {
            cx.notices
                .push("a code without a name was imported as `unnamed code`".into());
        }
        let mut name = base.clone();
        let mut n = 2;
        while !sibling_names.insert(name.to_lowercase()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        if name != base {
            cx.notices.push(format!(
                "two codes are named `{base}` under the same parent; the second became `{name}`"
            ));
        }
        let mut guid = el.attr("guid").and_then(normalize_guid).unwrap_or_default();
        if guid.is_empty() || !seen.insert(guid.clone()) {
            let replacement = super::guid("imported-code", &format!("{guid}\0{}", out.len()));
            if !guid.is_empty() {
                cx.notices.push(format!(
                    "two codes share the GUID {guid}; codings refer to the first, `{name}` got a new one"
                ));
            }
            seen.insert(replacement.clone());
            guid = replacement;
        }
        let raw_color = el.attr_nonblank("color");
        let color = raw_color.and_then(parse_refi_color);
        if let (Some(raw), None) = (raw_color, &color) {
            cx.notices.push(format!(
                "code `{name}`: the colour `{}` was not understood; it gets one from the palette",
                one_line(raw)
            ));
        }
        let (description, include, exclude, example) =
            split_description(el.child_text("Description").unwrap_or(""));
        let memo = cx.refs(el);
        let side = sidecar.get(&guid);
        let index = out.len();
        out.push(ImportedCode {
            guid: guid.clone(),
            name,
            parent,
            description,
            include,
            exclude,
            example,
            color,
            memo: (!memo.is_empty()).then(|| memo.join("\n\n")),
            sidecar_id: side.map(|s| s.id.clone()),
            key: side.and_then(|s| s.key.as_deref()).and_then(|k| {
                let mut cs = k.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) if !c.is_control() && !c.is_whitespace() => Some(c),
                    _ => None,
                }
            }),
            aliases: side.map(|s| s.aliases.clone()).unwrap_or_default(),
        });
        read_codes(cx, el, Some(index), sidecar, out, seen);
    }
}

/// One coding of a selection as written.
struct RawCoding {
    guid: Option<String>,
    code: String,
    coder: String,
    time: Option<String>,
    notes: Vec<String>,
}

/// One selection before its positions are mapped.
struct RawSelection {
    start: i64,
    end: i64,
    name: Option<String>,
    codings: Vec<RawCoding>,
    memo: Vec<String>,
}

/// Reads a text source (or a PDF's text representation).
fn read_text_source(
    cx: &mut Reader<'_>,
    el: &Element,
    name_override: Option<&str>,
    pkg: &mut Package,
) -> Result<()> {
    let guid = el
        .attr("guid")
        .and_then(normalize_guid)
        .unwrap_or_else(|| super::guid("imported-source", &pkg.sources.len().to_string()));
    let name = name_override
        .or_else(|| el.attr_nonblank("name"))
        .map_or_else(String::new, str::to_owned);
    let shown = if name.is_empty() {
        format!("source {guid}")
    } else {
        format!("source `{}`", one_line(&name))
    };
    // The text: plain text file, inline content, else the Word file.
    let mut raw: Option<(String, bool)> = None;
    let mut from_docx = false;
    if let Some(p) = el.attr_nonblank("plainTextPath") {
        let loc = cx.locate(p, &shown)?;
        match cx.fetch(&loc, MAX_SOURCE_BYTES)? {
            Some(bytes) => {
                let mut notices = Vec::new();
                let decoded = decode_source(&bytes, &shown, &mut notices).map_err(|m| cx.bad(m))?;
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
        let loc = cx.locate(p, &shown)?;
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
            return Ok(());
        }
    }
    let Some((raw, had_bom)) = raw.filter(|(t, _)| !t.trim().is_empty()) else {
        cx.notices
            .push(format!("{shown} is empty (no text to code); skipped"));
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
    let index = pkg.sources.len();
    let chars = normalized.chars().count();

    // Selections and their codings, positions as written.
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
                .map(|g| normalize_guid(g).unwrap_or_else(|| g.trim().to_owned()))
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
            let guid = c.attr("guid").and_then(normalize_guid);
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
            codings,
            memo,
        });
    }

    // How this tool counted: names decide when they can.
    let map = if from_docx {
        if !selections.is_empty() {
            cx.notices.push(format!(
                "{shown} exists only as a Word file; motif read its text, so check that its {} selection(s) landed where the tool had them",
                selections.len()
            ));
        }
        PositionMap::identity(chars)
    } else {
        let text = RawText { raw: &raw, had_bom };
        let probes: Vec<Probe<'_>> = selections
            .iter()
            .filter_map(|s| {
                usize::try_from(s.start).ok().map(|start| Probe {
                    start,
                    name: s.name.as_deref(),
                })
            })
            .collect();
        let (scheme, by_names) = choose(&text, &normalized, &probes, cx.default_scheme);
        if by_names {
            cx.notices.push(format!(
                "{shown}: positions read as {} (the selection names match the text that way)",
                scheme.describe()
            ));
        }
        if text.ambiguous() {
            PositionMap::new(&text, scheme)
        } else {
            PositionMap::identity(chars)
        }
    };

    let mut transcript_memo: Vec<String> = Vec::new();
    if let Some(d) = el
        .child_text("Description")
        .filter(|d| !d.trim().is_empty())
    {
        transcript_memo.push(d.to_owned());
    }
    transcript_memo.extend(cx.refs(el));
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
    // Codings of the whole source.
    let mut whole = 0;
    for c in el.children_named("Coding") {
        let Some(code) = c
            .child("CodeRef")
            .and_then(|r| r.attr("targetGUID"))
            .map(|g| normalize_guid(g).unwrap_or_else(|| g.trim().to_owned()))
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
            guid: c.attr("guid").and_then(normalize_guid),
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
    let mut attributes = BTreeMap::new();
    for vv in el.children_named("VariableValue") {
        if let Some((k, v)) = cx.variable_value(vv) {
            attributes.insert(k, v);
        }
    }
    pkg.sources.push(ImportedSource {
        guid,
        name: if name.is_empty() { String::new() } else { name },
        text: normalized,
        memo: transcript_memo,
        attributes,
    });
    Ok(())
}

fn read_sidecar(ar: &mut Archive, notices: &mut Vec<String>) -> Option<Sidecar> {
    let bytes = match ar.read(SIDECAR, MAX_SIDECAR_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => return None,
        Err(e) => {
            notices.push(format!("{SIDECAR} was ignored: {e}"));
            return None;
        }
    };
    match serde_json::from_slice::<Sidecar>(&bytes) {
        Ok(s) if s.format == super::SIDECAR_FORMAT && s.version == 1 => Some(s),
        Ok(_) => {
            notices.push(format!(
                "{SIDECAR} is of a kind motif does not know; ignored"
            ));
            None
        }
        Err(e) => {
            notices.push(format!("{SIDECAR} is unreadable ({e}); ignored"));
            None
        }
    }
}

/// Reads a `.qdpx`: everything is checked and held in memory; nothing is
/// written.
pub fn read_qdpx(file: &Path, opts: &ImportOptions) -> Result<Package> {
    let mut archive = Archive::open(file)?;
    let qde = archive
        .read("project.qde", MAX_XML_BYTES)?
        .ok_or_else(|| Error::parse(file, None, None, "the archive has no project.qde"))?;
    let root = xml::parse(&qde).map_err(|e| xml_error(file, Some("project.qde"), &e))?;
    drop(qde);
    if !root.is("Project") {
        return Err(Error::parse(
            file.join("project.qde"),
            None,
            None,
            format!("the root element is <{}>, not <Project>", root.name),
        ));
    }
    let mut notices = Vec::new();
    let sidecar = read_sidecar(&mut archive, &mut notices);
    let mut pkg = Package {
        file: file.to_path_buf(),
        ..Package::default()
    };
    read_project(
        file,
        Some(&mut archive),
        &root,
        opts,
        sidecar.as_ref(),
        &mut pkg,
    )?;
    notices.append(&mut pkg.notices);
    pkg.notices = notices;
    Ok(pkg)
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned())
}

fn read_project(
    file: &Path,
    archive: Option<&mut Archive>,
    root: &Element,
    opts: &ImportOptions,
    sidecar: Option<&Sidecar>,
    pkg: &mut Package,
) -> Result<()> {
    pkg.name = root
        .attr_nonblank("name")
        .map_or_else(|| stem(file), |n| one_line(n).trim().to_owned());
    pkg.origin = root.attr_nonblank("origin").map(str::to_owned);
    let mut cx = Reader {
        file,
        archive,
        opts,
        base_path: root.attr_nonblank("basePath").map(str::to_owned),
        users: HashMap::new(),
        notes: HashMap::new(),
        used_notes: HashSet::new(),
        variables: HashMap::new(),
        notices: Vec::new(),
        default_scheme: Scheme::for_origin(pkg.origin.as_deref()),
    };
    // Users → coder names.
    let mut taken: HashSet<String> = HashSet::new();
    if let Some(users) = root.child("Users") {
        for u in users.children_named("User") {
            let Some(g) = u.attr("guid").and_then(normalize_guid) else {
                continue;
            };
            let mut name = u
                .attr_nonblank("name")
                .map(coder_name)
                .filter(|n| !n.is_empty())
                .or_else(|| {
                    u.attr_nonblank("id")
                        .map(coder_name)
                        .filter(|n| !n.is_empty())
                })
                .unwrap_or_else(|| coder_name(&format!("user-{}", short_id(&g))));
            if taken.contains(&name) && cx.users.get(&g) != Some(&name) {
                let mut n = 2;
                while taken.contains(&format!("{name}-{n}")) {
                    n += 1;
                }
                name = format!("{name}-{n}");
            }
            taken.insert(name.clone());
            pkg.users.push(name.clone());
            cx.users.insert(g, name);
        }
    }
    // Notes first: everything else refers to them.
    let mut note_order = Vec::new();
    if let Some(notes) = root.child("Notes") {
        for n in notes.children_named("Note") {
            let Some(g) = n.attr("guid").and_then(normalize_guid) else {
                continue;
            };
            let text = cx.note_text(n)?;
            note_order.push((g.clone(), n.attr_nonblank("name").map(str::to_owned)));
            cx.notes.insert(g, text);
        }
    }
    // Variables.
    if let Some(vars) = root.child("Variables") {
        for v in vars.children_named("Variable") {
            let Some(g) = v.attr("guid").and_then(normalize_guid) else {
                continue;
            };
            let mut name = v.attr_nonblank("name").map_or_else(
                || format!("variable-{}", pkg.variables.len() + 1),
                |n| one_line(n).trim().to_owned(),
            );
            if name.eq_ignore_ascii_case("id") {
                name = "id_".into();
            }
            if !pkg.variables.contains(&name) {
                pkg.variables.push(name.clone());
            }
            cx.variables.insert(g, name);
        }
    }
    // The codebook.
    let side: HashMap<String, &super::SidecarCode> = sidecar
        .map(|s| {
            s.codes
                .iter()
                .filter_map(|c| normalize_guid(&c.guid).map(|g| (g, c)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(codes) = root.child("CodeBook").and_then(|b| b.child("Codes")) {
        let mut seen = HashSet::new();
        read_codes(&mut cx, codes, None, &side, &mut pkg.codes, &mut seen);
    }
    // Sources.
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(sources) = root.child("Sources") {
        for s in &sources.children {
            match s.name.to_ascii_lowercase().as_str() {
                "textsource" => read_text_source(&mut cx, s, None, pkg)?,
                "pdfsource" => {
                    if let Some(rep) = s.child("Representation") {
                        read_text_source(&mut cx, rep, s.attr_nonblank("name"), pkg)?;
                        if s.children_named("PDFSelection").next().is_some() {
                            cx.notices.push(format!(
                                "PDF `{}`: its text was imported; codings of page areas were not",
                                one_line(s.attr("name").unwrap_or(""))
                            ));
                        }
                    } else {
                        *skipped.entry("PDF".into()).or_default() += 1;
                    }
                }
                other => {
                    let kind = other.trim_end_matches("source");
                    *skipped
                        .entry(if kind.is_empty() {
                            other.to_owned()
                        } else {
                            kind.to_owned()
                        })
                        .or_default() += 1;
                }
            }
        }
    }
    for (kind, n) in skipped {
        cx.notices.push(format!(
            "{n} {kind} source(s) skipped: motif codes text transcripts only"
        ));
    }
    // Cases: attributes of the sources they refer to (or name).
    if let Some(cases) = root.child("Cases") {
        let by_guid: HashMap<String, usize> = pkg
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.guid.clone(), i))
            .collect();
        let mut unattached = 0;
        for case in cases.children_named("Case") {
            let values: Vec<(String, String)> = case
                .children_named("VariableValue")
                .filter_map(|vv| cx.variable_value(vv))
                .collect();
            if values.is_empty() {
                continue;
            }
            let mut targets: Vec<usize> = case
                .children_named("SourceRef")
                .filter_map(|r| r.attr("targetGUID").and_then(normalize_guid))
                .filter_map(|g| by_guid.get(&g).copied())
                .collect();
            if targets.is_empty()
                && let Some(name) = case.attr_nonblank("name")
            {
                targets.extend(
                    pkg.sources
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.name == name)
                        .map(|(i, _)| i),
                );
            }
            if targets.is_empty() {
                unattached += 1;
            }
            for t in targets {
                for (k, v) in &values {
                    pkg.sources[t]
                        .attributes
                        .entry(k.clone())
                        .or_insert_with(|| v.clone());
                }
            }
        }
        if unattached > 0 {
            cx.notices.push(format!(
                "{unattached} case(s) refer to no imported source; their variables were not imported"
            ));
        }
    }
    // The project memo: description, notes on the project, free notes.
    if let Some(d) = root
        .child_text("Description")
        .filter(|d| !d.trim().is_empty())
    {
        pkg.project_memo.push(d.to_owned());
    }
    let project_refs = cx.refs(root);
    pkg.project_memo.extend(project_refs);
    for (g, name) in &note_order {
        if cx.used_notes.contains(g) {
            continue;
        }
        let text = &cx.notes[g];
        if text.trim().is_empty() {
            continue;
        }
        pkg.project_memo.push(match name {
            Some(n) => format!("## {}\n\n{text}", one_line(n)),
            None => text.clone(),
        });
    }
    for (what, label) in [("Sets", "set"), ("Links", "link"), ("Graphs", "graph")] {
        if let Some(el) = root.child(what) {
            let n = el.children.len();
            if n > 0 {
                cx.notices.push(format!(
                    "{n} {label}(s) skipped: motif has no place for them"
                ));
            }
        }
    }
    pkg.notices.append(&mut cx.notices);
    Ok(())
}

/// Reads a `.qdc` codebook (a `project.qde` is accepted too, for its
/// codebook).
pub fn read_qdc(file: &Path) -> Result<Package> {
    let meta = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
    if meta.len() > MAX_XML_BYTES {
        return Err(Error::parse(
            file,
            None,
            None,
            format!(
                "the file is larger than the {} MB motif reads",
                MAX_XML_BYTES / 1_000_000
            ),
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Error::parse(
            file,
            None,
            None,
            "this is a zip archive — a .qdpx project, not a .qdc codebook; import it with `motif import-qdpx`",
        ));
    }
    let root = xml::parse(&bytes).map_err(|e| xml_error(file, None, &e))?;
    let codes = if root.is("CodeBook") {
        root.child("Codes")
    } else if root.is("Project") {
        root.child("CodeBook").and_then(|b| b.child("Codes"))
    } else {
        return Err(Error::parse(
            file,
            None,
            None,
            format!(
                "the root element is <{}>, not <CodeBook>; is this a REFI-QDA codebook?",
                root.name
            ),
        ));
    };
    let opts = ImportOptions {
        allow_external_paths: false,
        default_coder: String::new(),
        merge: true,
    };
    let mut cx = Reader {
        file,
        archive: None,
        opts: &opts,
        base_path: None,
        users: HashMap::new(),
        notes: HashMap::new(),
        used_notes: HashSet::new(),
        variables: HashMap::new(),
        notices: Vec::new(),
        default_scheme: Scheme::for_origin(None),
    };
    let mut pkg = Package {
        file: file.to_path_buf(),
        name: stem(file),
        origin: root.attr_nonblank("origin").map(str::to_owned),
        ..Package::default()
    };
    if let Some(codes) = codes {
        let mut seen = HashSet::new();
        read_codes(
            &mut cx,
            codes,
            None,
            &HashMap::new(),
            &mut pkg.codes,
            &mut seen,
        );
    }
    if pkg.codes.is_empty() {
        return Err(Error::parse(
            file,
            None,
            None,
            "the codebook holds no codes",
        ));
    }
    if root.child("Sets").is_some_and(|s| !s.children.is_empty()) {
        cx.notices
            .push("code sets were skipped: motif has no place for them".into());
    }
    pkg.notices = cx.notices;
    Ok(pkg)
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub name: String,
    pub origin: Option<String>,
    pub codes_added: usize,
    /// Codes that were already in the project (matched by GUID or path).
    pub codes_matched: usize,
    pub transcripts_added: Vec<String>,
    /// Sources whose text the project already had.
    pub transcripts_matched: usize,
    /// Codings saved per coder.
    pub codings: BTreeMap<String, usize>,
    /// Codings the coder already had (kept as they were).
    pub codings_already: usize,
    pub memos: usize,
    pub attributes: usize,
    pub notices: Vec<String>,
}

/// A code to add.
#[derive(Debug, Clone)]
struct NewCode {
    id: String,
    path: String,
    description: String,
    include: Option<String>,
    exclude: Option<String>,
    example: Option<String>,
    color: String,
    key: Option<char>,
    aliases: Vec<String>,
}

fn valid_code_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The codebook with `new` codes added, checked by the codebook's own
/// parser.
fn with_codes(book: &Codebook, new: &[NewCode]) -> Result<Codebook> {
    if new.is_empty() {
        return Ok(book.clone());
    }
    let mut text = book.to_toml();
    for c in new {
        text.push_str("\n[[codes]]\n");
        let _ = writeln!(text, "id = {}", toml_str(&c.id));
        let _ = writeln!(text, "path = {}", toml_str(&c.path));
        let _ = writeln!(text, "description = {}", toml_str(&c.description));
        for (k, v) in [
            ("include", &c.include),
            ("exclude", &c.exclude),
            ("example", &c.example),
        ] {
            if let Some(v) = v {
                let _ = writeln!(text, "{k} = {}", toml_str(v));
            }
        }
        let _ = writeln!(text, "color = {}", toml_str(&c.color));
        if let Some(k) = c.key {
            let _ = writeln!(text, "key = {}", toml_str(&k.to_string()));
        }
        if !c.aliases.is_empty() {
            let list: Vec<String> = c.aliases.iter().map(|a| toml_str(a)).collect();
            let _ = writeln!(text, "aliases = [{}]", list.join(", "));
        }
    }
    Codebook::parse(&text, &book.path).map_err(|e| {
        Error::invalid(format!(
            "the imported codes do not fit the codebook ({e}); nothing was imported"
        ))
    })
}

/// Plans the codebook part: which imported codes match existing ones and
/// which are added. Returns GUID → code id, the new codebook, memos.
struct CodePlan {
    ids: HashMap<String, String>,
    book: Codebook,
    added: usize,
    matched: usize,
    memos: Vec<(MemoTarget, String)>,
}

fn plan_codes(
    book: &Codebook,
    codes: &[ImportedCode],
    notices: &mut Vec<String>,
) -> Result<CodePlan> {
    let mut by_guid: HashMap<String, String> = HashMap::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut used_paths: HashSet<String> = HashSet::new();
    let mut used_keys: HashSet<char> = HashSet::new();
    for c in book.codes() {
        by_guid.insert(code_guid(&c.id), c.id.clone());
        used_ids.insert(c.id.clone());
        for a in &c.aliases {
            by_guid.entry(code_guid(a)).or_insert_with(|| c.id.clone());
            used_ids.insert(a.clone());
        }
        used_paths.insert(c.path.to_lowercase());
        if let Some(k) = c.key {
            used_keys.insert(k);
        }
    }
    let mut ids = HashMap::new();
    let mut paths: Vec<String> = Vec::with_capacity(codes.len());
    let mut new = Vec::new();
    let mut memos = Vec::new();
    let mut matched = 0;
    for c in codes {
        let parent_path = c.parent.map(|p| paths[p].clone());
        let join = |name: &str| match &parent_path {
            Some(p) => format!("{p}/{name}"),
            None => name.to_owned(),
        };
        let existing = by_guid
            .get(&c.guid)
            .or_else(|| c.sidecar_id.as_ref().filter(|id| book.by_id(id).is_some()))
            .and_then(|id| book.by_id(id))
            .or_else(|| book.by_path(&join(&c.name)));
        if let Some(e) = existing {
            ids.insert(c.guid.clone(), e.id.clone());
            paths.push(e.path.clone());
            matched += 1;
            if let Some(m) = &c.memo {
                memos.push((MemoTarget::Code(e.id.clone()), m.clone()));
            }
            continue;
        }
        let mut name = c.name.clone();
        let mut path = join(&name);
        let mut n = 2;
        while used_paths.contains(&path.to_lowercase()) {
            name = format!("{} ({n})", c.name);
            path = join(&name);
            n += 1;
        }
        if name != c.name {
            notices.push(format!(
                "the code `{}` exists already in another sense; the imported one became `{path}`",
                join(&c.name)
            ));
        }
        let mut id = c
            .sidecar_id
            .clone()
            .filter(|id| valid_code_id(id) && !used_ids.contains(id))
            .unwrap_or_else(|| c.guid.clone());
        let base = id.clone();
        let mut n = 2;
        while used_ids.contains(&id) || !valid_code_id(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let key = c.key.filter(|k| !used_keys.contains(k));
        if c.key.is_some() && key.is_none() {
            notices.push(format!(
                "the shortcut of `{path}` is already taken; the code was imported without one"
            ));
        }
        let aliases: Vec<String> = c
            .aliases
            .iter()
            .filter(|a| valid_code_id(a) && !used_ids.contains(*a) && **a != id)
            .cloned()
            .collect();
        used_ids.insert(id.clone());
        used_ids.extend(aliases.iter().cloned());
        used_paths.insert(path.to_lowercase());
        if let Some(k) = key {
            used_keys.insert(k);
        }
        ids.insert(c.guid.clone(), id.clone());
        if let Some(m) = &c.memo {
            memos.push((MemoTarget::Code(id.clone()), m.clone()));
        }
        new.push(NewCode {
            id,
            path: path.clone(),
            description: c.description.clone(),
            include: c.include.clone(),
            exclude: c.exclude.clone(),
            example: c.example.clone(),
            color: c
                .color
                .clone()
                .unwrap_or_else(|| PALETTE[(book.len() + new.len()) % PALETTE.len()].to_owned()),
            key,
            aliases,
        });
        paths.push(path);
    }
    let added = new.len();
    let book = with_codes(book, &new)?;
    Ok(CodePlan {
        ids,
        book,
        added,
        matched,
        memos,
    })
}

/// Writes a memo: a new one whole, else added as a paragraph unless the
/// memo already says it.
fn put_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<bool> {
    let current = read_memo(project, target)?;
    if current.trim().is_empty() {
        write_memo(project, target, text)?;
        return Ok(true);
    }
    if current.contains(text.trim()) {
        return Ok(false);
    }
    append_memo(project, target, text)?;
    Ok(true)
}

/// Writes `attributes.csv` from a table.
fn write_attributes(project: &Project, table: &Attributes) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id".to_owned()];
    header.extend(table.names.iter().cloned());
    let path = project.root.join("attributes.csv");
    let err =
        |e: &dyn std::fmt::Display| Error::invalid(format!("cannot write {}: {e}", path.display()));
    w.write_record(&header).map_err(|e| err(&e))?;
    for (id, row) in &table.rows {
        let mut rec = vec![id.clone()];
        rec.extend(
            table
                .names
                .iter()
                .map(|n| row.get(n).cloned().unwrap_or_default()),
        );
        w.write_record(&rec).map_err(|e| err(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    atomic_write(&path, &bytes)
}

/// Whether a project has nothing in it yet (no transcripts, codes or
/// codings).
pub fn is_empty_project(project: &Project) -> Result<bool> {
    Ok(project.transcript_files()?.is_empty()
        && project.codebook()?.is_empty()
        && project.coders()?.is_empty())
}

/// Creates a project for an import in `dir`, which must be new or empty.
pub fn create_project(dir: &Path, name: &str) -> Result<Project> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        if entries.next().is_some() {
            return Err(Error::invalid(format!(
                "{} is not empty; give --into a new or empty folder, or import into an existing project with --merge",
                dir.display()
            )));
        }
    }
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    let name = if name.trim().is_empty() {
        "imported"
    } else {
        name.trim()
    };
    Project::init(dir, Some(name))
}

/// A coding to write, resolved to motif ids.
struct PlannedCoding {
    guid: Option<String>,
    transcript: String,
    start: usize,
    end: usize,
    code: String,
    memo: Option<String>,
    time: String,
}

/// Imports a package into a project. Without `merge` the project must be
/// empty. Everything is planned (and checked) before the first write.
pub fn apply(project: &Project, pkg: &Package, opts: &ImportOptions) -> Result<ImportReport> {
    let _lock = project.codebook_lock()?;
    let book = project.codebook()?;
    let files = project.transcript_files()?;
    let coders = project.coders()?;
    let empty = files.is_empty() && book.is_empty() && coders.is_empty();
    if !opts.merge && !empty {
        return Err(Error::invalid(format!(
            "{} already holds {} transcript(s), {} code(s) and codings by {} coder(s); pass --merge to add the imported project to it, or import into a new folder with --into DIR",
            project.root.display(),
            files.len(),
            book.len(),
            coders.len()
        )));
    }
    let mut report = ImportReport {
        name: pkg.name.clone(),
        origin: pkg.origin.clone(),
        notices: pkg.notices.clone(),
        ..ImportReport::default()
    };
    // Codes.
    let plan = plan_codes(&book, &pkg.codes, &mut report.notices)?;
    report.codes_added = plan.added;
    report.codes_matched = plan.matched;
    let mut memos = plan.memos;

    // Transcripts: the same text is the same transcript.
    let (existing, _) = project.transcripts()?;
    let mut transcripts: BTreeMap<String, Transcript> =
        existing.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut by_hash: HashMap<String, String> = transcripts
        .values()
        .map(|t| (t.hash.clone(), t.id.clone()))
        .collect();
    let mut taken: HashSet<String> = files.iter().map(|(id, _)| id.to_lowercase()).collect();
    let mut source_ids = Vec::with_capacity(pkg.sources.len());
    let mut new_transcripts = Vec::new();
    for s in &pkg.sources {
        let hash = content_hash(&s.text);
        if let Some(id) = by_hash.get(&hash) {
            if transcripts
                .get(id)
                .is_some_and(|t| !new_transcripts.contains(&t.id))
            {
                report.transcripts_matched += 1;
            } else {
                report.notices.push(format!(
                    "source `{}` has the same text as `{id}`; their codings were put together",
                    one_line(&s.name)
                ));
            }
            source_ids.push(id.clone());
            continue;
        }
        let base = transcript_id_from(&s.name, &s.guid);
        let mut id = base.clone();
        let mut n = 2;
        // The file must be new: neither another transcript's (any case) nor
        // a folder of transcripts already there (`id.txt/`).
        let dir = project.transcripts_dir();
        while taken.contains(&id.to_lowercase()) || dir.join(format!("{id}.txt")).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        if id != base {
            report.notices.push(format!(
                "a transcript `{base}` exists already with other text; the imported one became `{id}`"
            ));
        }
        taken.insert(id.to_lowercase());
        by_hash.insert(hash, id.clone());
        transcripts.insert(id.clone(), Transcript::new(id.clone(), s.text.clone()));
        new_transcripts.push(id.clone());
        source_ids.push(id.clone());
    }
    for (s, id) in pkg.sources.iter().zip(&source_ids) {
        for m in &s.memo {
            memos.push((MemoTarget::Transcript(id.clone()), m.clone()));
        }
    }
    if !pkg.project_memo.is_empty() {
        let text: Vec<&str> = pkg.project_memo.iter().map(|p| p.trim_end()).collect();
        memos.insert(0, (MemoTarget::Project, text.join("\n\n")));
    }

    // Attributes.
    let mut table = project.attributes()?;
    let mut attr_changed = false;
    for n in &pkg.variables {
        if pkg.sources.iter().any(|s| s.attributes.contains_key(n)) && !table.names.contains(n) {
            table.names.push(n.clone());
        }
    }
    for (s, id) in pkg.sources.iter().zip(&source_ids) {
        if s.attributes.is_empty() {
            continue;
        }
        let row = table.rows.entry(id.clone()).or_default();
        for (k, v) in &s.attributes {
            if !table.names.contains(k) {
                table.names.push(k.clone());
            }
            match row.get(k) {
                Some(old) if old == v => {}
                Some(old) => report.notices.push(format!(
                    "`{id}` already has {k} = `{}`; the imported `{}` was not applied",
                    one_line(old),
                    one_line(v)
                )),
                None => {
                    row.insert(k.clone(), v.clone());
                    report.attributes += 1;
                    attr_changed = true;
                }
            }
        }
    }

    // Codings, per coder.
    let mut per_coder: BTreeMap<String, Vec<PlannedCoding>> = BTreeMap::new();
    let mut unknown_codes = 0;
    for c in &pkg.codings {
        let Some(code) = plan.ids.get(&c.code) else {
            unknown_codes += 1;
            continue;
        };
        per_coder
            .entry(c.coder.clone())
            .or_default()
            .push(PlannedCoding {
                guid: c.guid.clone(),
                transcript: source_ids[c.source].clone(),
                start: c.start,
                end: c.end,
                code: code.clone(),
                memo: c.memo.clone(),
                time: c
                    .time
                    .clone()
                    .filter(|t| is_datetime(t))
                    .unwrap_or_else(now_rfc3339),
            });
    }
    if unknown_codes > 0 {
        report.notices.push(format!(
            "{unknown_codes} coding(s) refer to codes the codebook does not have and were skipped"
        ));
    }
    for coder in per_coder.keys() {
        check_coder(coder)?;
    }

    // Writes, in order: transcripts, codebook, attributes, memos, codings.
    for id in &new_transcripts {
        let path = project.transcripts_dir().join(format!("{id}.txt"));
        atomic_write(&path, transcripts[id].text.as_bytes())?;
    }
    report.transcripts_added = new_transcripts;
    if report.codes_added > 0 {
        plan.book.save()?;
    }
    if attr_changed {
        write_attributes(project, &table)?;
    }
    for (target, text) in &memos {
        if put_memo(project, target, text)? {
            report.memos += 1;
        }
    }
    let book = plan.book;
    for (coder, list) in &per_coder {
        let (added, already) = write_codings(project, coder, list, &transcripts, &book)?;
        if added > 0 {
            report.codings.insert(coder.clone(), added);
        }
        report.codings_already += already;
    }
    Ok(report)
}

/// One durable batch of codings for one coder; codings the coder already
/// has (same transcript, span and code) are not written again.
fn write_codings(
    project: &Project,
    coder: &str,
    list: &[PlannedCoding],
    transcripts: &BTreeMap<String, Transcript>,
    book: &Codebook,
) -> Result<(usize, usize)> {
    let mut journal = project.journal(coder)?;
    journal.transact(|j| {
        let mut have: HashSet<(String, usize, usize, String)> = HashSet::new();
        for c in j.codings() {
            let (Some(t), Some(k)) = (transcripts.get(c.transcript.as_str()), book.by_id(&c.code))
            else {
                continue;
            };
            if let Placement::Exact { start, end } | Placement::Moved { start, end } = place(c, t) {
                have.insert((c.transcript.to_string(), start, end, k.id.clone()));
            }
        }
        let mut ids: HashSet<String> = j.codings().iter().map(|c| c.id.to_string()).collect();
        let batch = new_id();
        let mut records = Vec::new();
        let mut already = 0;
        for p in list {
            let key = (p.transcript.clone(), p.start, p.end, p.code.clone());
            if !have.insert(key) {
                already += 1;
                continue;
            }
            let t = &transcripts[&p.transcript];
            let req = NewCoding {
                transcript: p.transcript.clone(),
                start: p.start,
                end: p.end,
                code: p.code.clone(),
                memo: p.memo.clone(),
            };
            let mut c = new_coding(t, &req, coder, &p.time);
            // The tool's GUID stays the coding's id (and its GUID on export).
            if let Some(g) = &p.guid
                && !ids.contains(g)
            {
                c.id = g.as_str().into();
            }
            ids.insert(c.id.to_string());
            records.push(Record::add(&batch, &c));
        }
        let added = records.len();
        Ok((records, (added, already)))
    })
}

/// Imports a codebook into the project's codebook: codes already there
/// (by GUID or path) are kept as they are, the others are added.
pub fn apply_codebook(project: &Project, pkg: &Package) -> Result<ImportReport> {
    let _lock = project.codebook_lock()?;
    let book = project.codebook()?;
    let mut report = ImportReport {
        name: pkg.name.clone(),
        origin: pkg.origin.clone(),
        notices: pkg.notices.clone(),
        ..ImportReport::default()
    };
    let plan = plan_codes(&book, &pkg.codes, &mut report.notices)?;
    report.codes_added = plan.added;
    report.codes_matched = plan.matched;
    if plan.added > 0 {
        plan.book.save()?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_ids() {
        assert_eq!(transcript_id_from("Mabêl 2ième.txt", "x"), "Mabêl-2ième");
        assert_eq!(
            transcript_id_from("中文-简体 Document 1", "x"),
            "中文-简体-Document-1"
        );
        assert_eq!(transcript_id_from("wave2/p03", "x"), "wave2/p03");
        assert_eq!(transcript_id_from("../../etc/passwd", "x"), "etc/passwd");
        // Found by fuzzing: `x.txt/y` needs a folder `x.txt`, where the
        // transcript `x` is stored.
        assert_eq!(transcript_id_from("x.txt/y.txt", "x"), "x-txt/y");
        assert_eq!(transcript_id_from("A.MD/b.Md/c.md", "x"), "A-MD/b-Md/c");
        assert_eq!(
            transcript_id_from("", "5215cc69-b628-4e02-afb9-9beeaee55808"),
            "source-5215cc69"
        );
        assert_eq!(coder_name("Enric Llagostera"), "Enric-Llagostera");
        assert_eq!(coder_name("  .hidden "), "hidden");
        assert_eq!(code_name(Some("a/b\u{7}c")), "a\u{2215}b c");
        assert_eq!(code_name(Some("   ")), "unnamed code");
    }

    #[test]
    fn a_transcript_and_a_folder_named_like_its_file_both_import() {
        let dir = tempfile::tempdir().unwrap();
        let project = create_project(&dir.path().join("p"), "clash").unwrap();
        // A folder named like the file `x` is stored in, made by hand.
        std::fs::create_dir_all(project.transcripts_dir().join("z.txt")).unwrap();
        let source = |name: &str, text: &str| ImportedSource {
            guid: super::super::guid("test", name),
            name: name.into(),
            text: text.into(),
            ..ImportedSource::default()
        };
        let pkg = Package {
            sources: vec![
                source("x", "one\n"),
                source("x.txt/y", "two\n"),
                source("z", "three\n"),
            ],
            ..Package::default()
        };
        let opts = ImportOptions {
            allow_external_paths: false,
            default_coder: "ana".into(),
            merge: false,
        };
        let report = apply(&project, &pkg, &opts).unwrap();
        assert_eq!(report.transcripts_added, ["x", "x-txt/y", "z-2"]);
        let (loaded, bad) = project.transcripts().unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(loaded.len(), 3);
    }

    #[test]
    fn sources_decode_with_boms_and_legacy_bytes() {
        let mut notices = Vec::new();
        assert_eq!(
            decode_source(b"\xEF\xBB\xBFcaf\xC3\xA9\r\n", "s", &mut notices).unwrap(),
            ("café\r\n".to_owned(), true)
        );
        assert_eq!(
            decode_source(b"caf\xE9", "s", &mut notices).unwrap(),
            ("café".to_owned(), false)
        );
        assert_eq!(notices.len(), 1);
    }
}
