//! What a project imported from another tool keeps for REFI-QDA that motif
//! has no field for, so that `export qdpx` gives it back as it came.
//!
//! It lives in `refi-qda/` at the project root (see docs/file-formats.md):
//!
//! - `refi-qda/kept.json`: GUIDs of users, sources and selections as the
//!   tool wrote them, users without codings, the creator and name of each
//!   selection, codes' `isCodable` and colours as written (or their
//!   absence), and sets (code groups, document sets);
//! - `refi-qda/kept.xml`: the elements motif cannot represent (graphs,
//!   links, picture/audio/video/PDF sources and their selections), as
//!   read; `refi-qda/files/` the archive files they refer to.
//!
//! Pretty JSON with a fixed order and one XML element per line group, so
//! the files diff and merge in git. A project without them is a project
//! never imported from REFI-QDA: nothing changes for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsio::{atomic_write, create_dirs};
use crate::project::Project;

use super::xml::{Element, Writer};

/// The folder, relative to the project root.
pub const KEPT_DIR: &str = "refi-qda";
/// The `format` value of `kept.json`.
pub const KEPT_FORMAT: &str = "motif.refi-qda.kept";

/// A user as the tool wrote it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptUser {
    /// The motif coder it stands for.
    pub coder: String,
    /// The GUID exactly as written.
    pub guid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A source as the tool wrote it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptSource {
    pub guid: String,
    /// The name as written (absent when the tool gave none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A selection as the tool wrote it, found again by its span.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptSelection {
    pub transcript: String,
    /// Code points of the transcript, end-exclusive.
    pub start: usize,
    pub end: usize,
    pub guid: String,
    /// The name as written (`""` when the tool wrote an empty one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The coder who made the selection (its codings may be by others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// A code's REFI-QDA attributes motif's codebook does not hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptCode {
    /// `isCodable` as written, when it was `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codable: Option<bool>,
    /// The GUID as written, when not in motif's canonical form (braces,
    /// capitals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// The colour as written; `None` when the code had none.
    pub color: Option<String>,
    /// The colour the code got in motif's codebook at import: while the
    /// code still has it, the export writes `color` as written (or none).
    pub motif_color: String,
}

/// A set (a code group, a document set, or both) with its members as motif
/// ids.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptSet {
    pub guid: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Code ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Transcript ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcripts: Vec<String>,
    /// GUIDs of members motif does not hold (notes, kept sources), as
    /// written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_members: Vec<(String, String)>,
}

/// `refi-qda/kept.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Kept {
    pub format: String,
    pub version: u32,
    /// The tool that wrote the imported project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default)]
    pub users: Vec<KeptUser>,
    /// By transcript id.
    #[serde(default)]
    pub sources: BTreeMap<String, KeptSource>,
    #[serde(default)]
    pub selections: Vec<KeptSelection>,
    /// By code id.
    #[serde(default)]
    pub codes: BTreeMap<String, KeptCode>,
    #[serde(default)]
    pub sets: Vec<KeptSet>,
    /// Names of what `kept.xml` holds, for messages.
    #[serde(default)]
    pub unrepresented: Vec<String>,
}

impl Kept {
    /// An empty store.
    pub fn new() -> Kept {
        Kept {
            format: KEPT_FORMAT.into(),
            version: 1,
            ..Kept::default()
        }
    }

    /// Whether there is nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.sources.is_empty()
            && self.selections.is_empty()
            && self.codes.is_empty()
            && self.sets.is_empty()
            && self.unrepresented.is_empty()
    }

    /// The kept user standing for a coder.
    pub fn user(&self, coder: &str) -> Option<&KeptUser> {
        self.users.iter().find(|u| u.coder == coder)
    }

    /// The kept selection at a span.
    pub fn selection(&self, transcript: &str, start: usize, end: usize) -> Option<&KeptSelection> {
        self.selections
            .iter()
            .find(|s| s.transcript == transcript && s.start == start && s.end == end)
    }
}

/// The attribute column of a document set: `set: NAME`, `yes` for its
/// members.
pub fn set_column(name: &str) -> String {
    format!("set: {}", crate::text::one_line(name).trim())
}

fn json_path(root: &Path) -> PathBuf {
    root.join(KEPT_DIR).join("kept.json")
}

fn xml_path(root: &Path) -> PathBuf {
    root.join(KEPT_DIR).join("kept.xml")
}

/// The folder of kept archive files.
pub fn files_dir(root: &Path) -> PathBuf {
    root.join(KEPT_DIR).join("files")
}

/// Reads `refi-qda/kept.json` (empty when there is none).
pub fn load(project: &Project) -> Result<Kept> {
    let path = json_path(&project.root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kept::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let kept: Kept = serde_json::from_slice(&bytes)
        .map_err(|e| Error::parse(&path, Some(e.line()), Some(e.column()), e.to_string()))?;
    if kept.format != KEPT_FORMAT || kept.version != 1 {
        return Err(Error::parse(
            &path,
            None,
            None,
            format!("not a file of format {KEPT_FORMAT} version 1"),
        ));
    }
    Ok(kept)
}

/// Writes `refi-qda/kept.json` (atomically).
pub fn save(project: &Project, kept: &Kept) -> Result<()> {
    let path = json_path(&project.root);
    create_dirs(&project.root.join(KEPT_DIR))?;
    let mut text = serde_json::to_string_pretty(kept)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    text.push('\n');
    atomic_write(&path, text.as_bytes())
}

/// The kept elements, by where they go in `project.qde` (`Sources`,
/// `Links`, `Graphs`).
pub fn load_elements(project: &Project) -> Result<Vec<Element>> {
    let path = xml_path(&project.root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let root = super::xml::parse(&bytes)
        .map_err(|e| Error::parse(&path, None, None, e.message.clone()))?;
    Ok(root.children)
}

/// Writes the kept elements (each a `Sources`, `Links` or `Graphs`
/// holding what goes there), with the archive files they need.
pub fn save_elements(
    project: &Project,
    groups: &[Element],
    files: &[(String, Vec<u8>)],
) -> Result<()> {
    if groups.is_empty() {
        return Ok(());
    }
    let mut w = Writer::new();
    w.open("Kept", &[]);
    for g in groups {
        write_element(&mut w, g);
    }
    w.close("Kept");
    create_dirs(&project.root.join(KEPT_DIR))?;
    atomic_write(&xml_path(&project.root), w.out.as_bytes())?;
    for (name, bytes) in files {
        let path = files_dir(&project.root).join(name);
        if let Some(dir) = path.parent() {
            create_dirs(dir)?;
        }
        atomic_write(&path, bytes)?;
    }
    Ok(())
}

/// Writes an element read by [`super::xml::parse`] back out, attributes
/// and children in their order (namespace declarations left to the
/// enclosing document).
pub fn write_element(w: &mut Writer, el: &Element) {
    let attrs: Vec<(&str, Option<String>)> = el
        .attrs
        .iter()
        .filter(|(k, _)| k != "xmlns" && !k.starts_with("xmlns"))
        .map(|(k, v)| (k.as_str(), Some(v.clone())))
        .collect();
    if el.children.is_empty() && el.text.is_empty() {
        w.empty(&el.name, &attrs);
    } else if el.children.is_empty() {
        w.text_with(&el.name, &attrs, &el.text);
    } else {
        w.open(&el.name, &attrs);
        for c in &el.children {
            write_element(w, c);
        }
        w.close(&el.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indentation aside, the same tree.
    fn trim(e: &Element) -> Element {
        Element {
            name: e.name.clone(),
            attrs: e.attrs.clone(),
            children: e.children.iter().map(trim).collect(),
            text: e.text.trim().to_owned(),
        }
    }

    #[test]
    fn kept_elements_are_written_back_as_read() {
        let xml = r#"<Graphs xmlns="urn:QDA-XML:project:1.0"><Graph guid="{77777777-0000-4000-8000-000000000001}" name="map &amp; more"><Vertex guid="77777777-0000-4000-8000-000000000002" firstX="0" firstY="0"/><Description>Café 🚀 &lt;b&gt;</Description></Graph></Graphs>"#;
        let el = super::super::xml::parse(xml.as_bytes()).unwrap();
        let mut w = Writer::new();
        write_element(&mut w, &el);
        let again = super::super::xml::parse(w.out.as_bytes()).unwrap();
        assert_eq!(
            trim(&again),
            trim(&Element {
                attrs: Vec::new(),
                ..el
            })
        );
        assert!(w.out.contains(
            r#"<Graph guid="{77777777-0000-4000-8000-000000000001}" name="map &amp; more">"#
        ));
    }
}
