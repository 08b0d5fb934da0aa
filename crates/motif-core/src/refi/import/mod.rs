//! Reading REFI-QDA projects and codebooks from any tool.
//!
//! Import happens in two steps. [`read_qdpx`] / [`read_qdc`] open the file,
//! check it and turn it into a [`Package`] in memory — a hostile or
//! malformed file fails here and nothing is written. [`apply`] /
//! [`apply_codebook`] then plan the changes against the project (matching
//! codes by GUID or path, transcripts by content) and write them: the
//! transcripts (atomically), the codebook through [`Codebook`](crate::codebook::Codebook), attributes,
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

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::super::import::MAX_TRANSCRIPT_BYTES;
use super::reading::Reading;

mod apply;
mod codes;
mod keep;
mod names;
mod read;
mod reader;
mod sources;

pub use apply::{
    ImportReport, PositionReport, apply, apply_codebook, create_project, is_empty_project,
};
pub use names::transcript_id_from;
pub use read::{read_qdc, read_qdpx};

#[cfg(test)]
mod tests;

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
    /// The GUID exactly as written.
    pub raw_guid: String,
    /// `isCodable` (absent counts as codable).
    pub codable: bool,
    /// The colour attribute exactly as written, if any.
    pub raw_color: Option<String>,
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
    /// The GUID exactly as written (empty when the tool gave none).
    pub raw_guid: String,
    /// The `name` attribute exactly as written, if any.
    pub raw_name: Option<String>,
    /// The name the tool gave it (the transcript id is derived from it).
    pub name: String,
    /// Normalized text (no BOM, LF line ends).
    pub text: String,
    /// Memo paragraphs.
    pub memo: Vec<String>,
    /// Attributes (variable → value).
    pub attributes: BTreeMap<String, String>,
    /// How its selections' positions were read.
    pub reading: Reading,
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

/// A selection as written, at its code-point span, for
/// [`crate::refi::kept`].
#[derive(Debug, Clone, Default)]
pub struct ImportedSelection {
    /// Index in [`Package::sources`].
    pub source: usize,
    pub start: usize,
    pub end: usize,
    pub guid: String,
    pub name: Option<String>,
    pub creator: Option<String>,
    pub created: Option<String>,
}

/// A user as written.
#[derive(Debug, Clone, Default)]
pub struct ImportedUser {
    pub coder: String,
    pub guid: String,
    pub name: Option<String>,
    pub id: Option<String>,
}

/// A set as written: members by canonical GUID.
#[derive(Debug, Clone, Default)]
pub struct ImportedSet {
    pub guid: String,
    pub name: String,
    pub description: String,
    pub codes: Vec<String>,
    pub sources: Vec<String>,
    /// Members motif does not hold: (element name, GUID as written).
    pub other: Vec<(String, String)>,
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
    /// The users as written.
    pub raw_users: Vec<ImportedUser>,
    /// The selections as written.
    pub selections: Vec<ImportedSelection>,
    /// Sets (code groups, document sets).
    pub sets: Vec<ImportedSet>,
    /// What motif cannot represent, kept as read: `Sources`, `Links` and
    /// `Graphs` elements holding it.
    pub unrepresented: Vec<crate::refi::xml::Element>,
    /// Names of what `unrepresented` holds.
    pub unrepresented_names: Vec<String>,
    /// Archive files the unrepresented sources refer to (name, bytes).
    pub kept_files: Vec<(String, Vec<u8>)>,
    /// What the researcher should know (what was left out and why).
    pub notices: Vec<String>,
}
