//! REFI-QDA exchange: projects (`.qdpx`) and codebooks (`.qdc`) shared
//! with `NVivo`, ATLAS.ti, MAXQDA, `QualCoder`, Taguette and others.
//!
//! - [`export`] writes a project as `project.qde` plus `sources/*.txt`
//!   (and a small `motif.json` with what REFI-QDA cannot say: code ids,
//!   shortcuts and aliases), or the codebook alone as `.qdc`. Every GUID is
//!   derived from a motif id, so exporting twice gives the same bytes.
//! - [`import`] reads such files from any tool into a new project or into
//!   an existing one, tolerating what real tools write (namespace
//!   variants, `Sources/`, BOMs, CRLF counted one way or the other,
//!   sources only as `.docx`, odd colours, missing names).
//! - [`archive`] opens a `.qdpx` defensively: no path traversal, no links,
//!   decompressed sizes capped; [`xml`] reads XML without DTDs or entity
//!   expansion.
//!
//! Positions are Unicode code points, 0-based, end-exclusive, as the
//! REFI-QDA specification (section 10.2) says; [`positions`] maps the
//! other counts some tools use onto them.

pub mod archive;
pub mod export;
pub mod import;
pub mod kept;
pub mod positions;
pub mod reading;
pub mod xml;

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::codebook::{Code, parse_color};

/// The namespace of `project.qde`.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The namespace of a `.qdc` codebook.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";
/// Where the official project schema lives.
pub const PROJECT_XSD: &str = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd";
/// Where the official codebook schema lives.
pub const CODEBOOK_XSD: &str = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd";
/// The file in a `.qdpx` that carries what REFI-QDA has no place for.
pub const SIDECAR: &str = "motif.json";

/// `origin` written into exports.
pub fn origin() -> String {
    format!("motif {}", env!("CARGO_PKG_VERSION"))
}

/// A GUID derived from a motif id: the first 16 bytes of a BLAKE3 hash of
/// the kind and the key, shaped as a version-5-style UUID. The same id
/// always gives the same GUID, so re-exports diff cleanly.
pub fn guid(kind: &str, key: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"motif REFI-QDA\0");
    h.update(kind.as_bytes());
    h.update(b"\0");
    h.update(key.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

static GUID_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$",
    )
    .expect("guid regex")
});

/// A GUID as written by any tool (any case, with or without braces) in
/// one canonical form: lowercase, without braces. `None` if it is not a
/// GUID.
pub fn normalize_guid(s: &str) -> Option<String> {
    let s = s.trim();
    let braces = s.starts_with('{');
    if braces != s.ends_with('}') {
        return None;
    }
    GUID_RE.captures(s).map(|c| c[1].to_ascii_lowercase())
}

/// The GUID an imported element goes by, for its own `guid` and for every
/// reference to it alike: a GUID in any tool's form canonical (see
/// [`normalize_guid`]); any other non-empty text (`zz-code`, a number) a
/// GUID derived from it, so that what refers to it still finds it. `None`
/// when blank.
pub fn any_guid(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Some(normalize_guid(s).unwrap_or_else(|| guid("foreign", s)))
}

/// The GUID of a code: a code imported from another tool keeps that
/// tool's GUID as its id, and gets it back on export; other codes get a
/// GUID derived from their id.
pub fn code_guid(id: &str) -> String {
    normalize_guid(id).unwrap_or_else(|| guid("code", id))
}

/// The GUID of a coding: an imported coding keeps the GUID it came with
/// as its id; others get one derived from their id.
pub fn coding_guid(id: &str) -> String {
    normalize_guid(id).unwrap_or_else(|| guid("coding", id))
}

/// The GUID of a coder.
pub fn user_guid(coder: &str) -> String {
    guid("user", coder)
}

/// The GUID of a transcript.
pub fn source_guid(transcript: &str) -> String {
    guid("source", transcript)
}

static DATETIME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$",
    )
        .expect("datetime regex")
});

/// Whether a time stamp is a valid `xsd:dateTime` (as motif writes it).
pub fn is_datetime(s: &str) -> bool {
    DATETIME_RE.is_match(s)
}

/// A colour in any of the forms tools write (`#rgb`, `#rrggbb`,
/// `#aarrggbb`, `#rrggbbaa`, `rrggbb` without `#`, `rgb(r, g, b)`, a
/// decimal integer, or a basic name) as `#rrggbb`.
pub fn parse_refi_color(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(c) = parse_color(s) {
        return Some(c);
    }
    let lower = s.to_ascii_lowercase();
    if let Some(inner) = lower
        .strip_prefix("rgba(")
        .or_else(|| lower.strip_prefix("rgb("))
        .and_then(|r| r.strip_suffix(')'))
    {
        let parts: Vec<u8> = inner
            .split(',')
            .take(3)
            .map(|p| p.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .ok()?;
        if parts.len() == 3 {
            return Some(format!("#{:02x}{:02x}{:02x}", parts[0], parts[1], parts[2]));
        }
        return None;
    }
    let (hex, prefixed) = match lower.strip_prefix('#').or_else(|| lower.strip_prefix("0x")) {
        Some(h) => (h, true),
        None => (lower.as_str(), false),
    };
    if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        // Bare digits are read as hex only when they cannot be a number.
        let hexy = prefixed || hex.chars().any(|c| c.is_ascii_alphabetic());
        match hex.len() {
            6 if hexy || !prefixed => return Some(format!("#{hex}")),
            3 if hexy => return parse_color(&format!("#{hex}")),
            8 if hexy => {
                // AARRGGBB (.NET) unless it is clearly RRGGBBAA.
                let rgb = if hex.starts_with("ff") || !hex.ends_with("ff") {
                    &hex[2..]
                } else {
                    &hex[..6]
                };
                return Some(format!("#{rgb}"));
            }
            _ => {}
        }
    }
    // A decimal integer 0xRRGGBB (some tools store colours as numbers).
    if let Ok(n) = s.parse::<i64>()
        && (0..=0xFF_FFFF).contains(&n)
    {
        return Some(format!("#{n:06x}"));
    }
    None
}

const INCLUDE: &str = "Include: ";
const EXCLUDE: &str = "Exclude: ";
const EXAMPLE: &str = "Example: ";

/// A code's REFI-QDA description: the definition, then the inclusion and
/// exclusion criteria and the example as paragraphs of their own, so that
/// other tools show the whole entry.
pub fn compose_description(c: &Code) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !c.description.is_empty() {
        parts.push(c.description.clone());
    }
    for (label, v) in [
        (INCLUDE, &c.include),
        (EXCLUDE, &c.exclude),
        (EXAMPLE, &c.example),
    ] {
        if let Some(v) = v {
            parts.push(format!("{label}{v}"));
        }
    }
    parts.join("\n\n")
}

/// The parts of a description written by [`compose_description`] (or by
/// hand in the same shape): definition, include, exclude, example.
pub fn split_description(text: &str) -> (String, Option<String>, Option<String>, Option<String>) {
    let mut rest = text;
    let mut found: [Option<String>; 3] = [None, None, None];
    for (i, label) in [(2, EXAMPLE), (1, EXCLUDE), (0, INCLUDE)] {
        if let Some(v) = rest.strip_prefix(label) {
            found[i] = Some(v.to_owned());
            rest = "";
        } else if let Some(at) = rest.rfind(&format!("\n\n{label}")) {
            found[i] = Some(rest[at + 2 + label.len()..].to_owned());
            rest = &rest[..at];
        }
    }
    let [include, exclude, example] = found;
    (rest.to_owned(), include, exclude, example)
}

/// What a motif `.qdpx` carries besides `project.qde`: the fields of a
/// code that REFI-QDA has no place for, keyed by the code's GUID. Other
/// tools ignore the file; motif uses it when the GUIDs still match.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sidecar {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub codes: Vec<SidecarCode>,
}

/// One code in the [`Sidecar`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SidecarCode {
    pub guid: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// The `format` value of the sidecar.
pub const SIDECAR_FORMAT: &str = "motif.refi-qda";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_well_formed() {
        let a = guid("code", "std-frameworks");
        assert_eq!(a, guid("code", "std-frameworks"));
        assert_ne!(a, guid("code", "std-framework"));
        assert_ne!(a, guid("user", "std-frameworks"));
        assert_eq!(normalize_guid(&a).as_deref(), Some(a.as_str()));
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn guids_in_any_form() {
        assert_eq!(
            normalize_guid("{5215CC69-B628-4E02-AFB9-9BEEAEE55808}").as_deref(),
            Some("5215cc69-b628-4e02-afb9-9beeaee55808")
        );
        assert!(normalize_guid("{5215CC69-B628-4E02-AFB9-9BEEAEE55808").is_none());
        assert!(normalize_guid("not-a-guid").is_none());
        // A code imported with a GUID keeps it.
        assert_eq!(
            code_guid("5215cc69-b628-4e02-afb9-9beeaee55808"),
            "5215cc69-b628-4e02-afb9-9beeaee55808"
        );
    }

    #[test]
    fn datetimes_valid_for_xsd() {
        assert!(is_datetime("2026-11-27T10:00:00Z"));
        assert!(is_datetime("2018-10-04T22:56:12"));
        assert!(is_datetime("2018-03-27T17:46:39.123+02:00"));
        assert!(!is_datetime("2018-13-45T99:99:99"));
        assert!(!is_datetime("yesterday"));
    }

    #[test]
    fn odd_colours() {
        for (input, want) in [
            ("#F00082", Some("#f00082")),
            ("#abc", Some("#aabbcc")),
            ("F00082", Some("#f00082")),
            ("#FF336699", Some("#336699")),
            ("#336699ff", Some("#336699")),
            ("rgb(255, 0, 10)", Some("#ff000a")),
            ("16711680", Some("#ff0000")),
            ("blue", Some("#4e79a7")),
            ("", None),
            ("chartreuse-ish", None),
            ("rgb(300,0,0)", None),
        ] {
            assert_eq!(parse_refi_color(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn descriptions_round_trip() {
        let mut c = Code {
            id: "x".into(),
            path: "x".into(),
            description: "Teams settling on one framework.\n\nSecond paragraph.".into(),
            include: Some("Migrations.".into()),
            exclude: None,
            example: Some("Everyone was on PyTorch — 北京.".into()),
            color: "#000000".into(),
            key: None,
            aliases: Vec::new(),
        };
        let text = compose_description(&c);
        let (d, i, e, x) = split_description(&text);
        assert_eq!(
            (d, i, e, x),
            (
                c.description.clone(),
                c.include.clone(),
                None,
                c.example.clone()
            )
        );
        c.description.clear();
        let (d, i, _, _) = split_description(&compose_description(&c));
        assert_eq!(d, "");
        assert_eq!(i.as_deref(), Some("Migrations."));
        let (d, i, e, x) = split_description("Just a definition.");
        assert_eq!(
            (d.as_str(), i, e, x),
            ("Just a definition.", None, None, None)
        );
    }
}
