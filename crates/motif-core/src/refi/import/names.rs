//! Names and text as other tools write them: coder, code and transcript
//! names made into motif ids and names, XML errors with their place, and
//! source bytes decoded to text.

use std::path::Path;

use crate::codebook::check_name;
use crate::error::Error;
use crate::project::{check_coder, check_transcript_id};
use crate::refi::xml::XmlError;

pub(super) fn xml_error(file: &Path, entry: Option<&str>, e: &XmlError) -> Error {
    let path = match entry {
        Some(name) => file.join(name),
        None => file.to_path_buf(),
    };
    let (line, col) = e.at.map_or((None, None), |(l, c)| (Some(l), Some(c)));
    Error::parse(path, line, col, e.message.clone())
}

/// A name made usable as a coder name (letters, digits, `.`, `_`, `-`).
pub(super) fn coder_name(raw: &str) -> String {
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
pub(super) fn code_name(raw: Option<&str>) -> String {
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
pub(super) fn short_id(guid: &str) -> String {
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
pub(super) fn decode_source(
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
