//! Recording, at import, what REFI-QDA carries that motif's own files do
//! not (see [`crate::refi::kept`]): GUIDs and names as written, users
//! without codings, selection creators, `isCodable`, colours as written,
//! sets, and the elements motif cannot represent.

use std::collections::{HashMap, HashSet};

use crate::codebook::Codebook;
use crate::error::Result;
use crate::project::Project;
use crate::refi::kept::{
    self, Kept, KeptCode, KeptSelection, KeptSet, KeptSource, KeptUser, load_elements,
    save_elements,
};

use super::Package;

/// How the package's things became motif's.
pub(super) struct Ids<'a> {
    /// Imported code GUID → code id.
    pub(super) codes: &'a HashMap<String, String>,
    /// The code ids the project had before.
    pub(super) old_codes: &'a HashSet<String>,
    /// The codebook after the import.
    pub(super) book: &'a Codebook,
    /// The transcript of each source.
    pub(super) transcripts: &'a [String],
}

/// Adds what the package carries to `refi-qda/` (what is already there
/// stays: a merge adds).
pub(super) fn keep(project: &Project, pkg: &Package, ids: &Ids<'_>) -> Result<()> {
    let mut k = kept::load(project)?;
    let before = k.clone();
    if k.origin.is_none() {
        k.origin.clone_from(&pkg.origin);
    }
    for u in &pkg.raw_users {
        if k.user(&u.coder).is_none() && !u.guid.is_empty() {
            k.users.push(KeptUser {
                coder: u.coder.clone(),
                guid: u.guid.clone(),
                name: u.name.clone(),
                id: u.id.clone(),
            });
        }
    }
    for (s, id) in pkg.sources.iter().zip(ids.transcripts) {
        if !s.raw_guid.is_empty() {
            k.sources.entry(id.clone()).or_insert_with(|| KeptSource {
                guid: s.raw_guid.clone(),
                name: s.raw_name.clone(),
            });
        }
    }
    for sel in &pkg.selections {
        let t = &ids.transcripts[sel.source];
        if k.selection(t, sel.start, sel.end).is_none() {
            k.selections.push(KeptSelection {
                transcript: t.clone(),
                start: sel.start,
                end: sel.end,
                guid: sel.guid.clone(),
                name: sel.name.clone(),
                creator: sel.creator.clone(),
                created: sel.created.clone(),
            });
        }
    }
    keep_codes(&mut k, pkg, ids);
    keep_sets(&mut k, pkg, ids);
    for n in &pkg.unrepresented_names {
        if !k.unrepresented.contains(n) {
            k.unrepresented.push(n.clone());
        }
    }
    if k != before && !k.is_empty() {
        kept::save(project, &k)?;
    }
    if !pkg.unrepresented.is_empty() {
        let mut groups = load_elements(project)?;
        for g in &pkg.unrepresented {
            match groups.iter_mut().find(|h| h.name == g.name) {
                Some(h) => {
                    for c in &g.children {
                        if !h.children.contains(c) {
                            h.children.push(c.clone());
                        }
                    }
                }
                None => groups.push(g.clone()),
            }
        }
        save_elements(project, &groups, &pkg.kept_files)?;
    }
    Ok(())
}

/// Codes added by this import: `isCodable`, the GUID and the colour as
/// written.
fn keep_codes(k: &mut Kept, pkg: &Package, ids: &Ids<'_>) {
    for c in &pkg.codes {
        let Some(id) = ids.codes.get(&c.guid) else {
            continue;
        };
        if ids.old_codes.contains(id) || k.codes.contains_key(id) {
            continue;
        }
        let Some(code) = ids.book.by_id(id) else {
            continue;
        };
        let guid_as_written = (c.raw_guid != c.guid
            && crate::refi::normalize_guid(&c.raw_guid).as_deref() == Some(c.guid.as_str()))
        .then(|| c.raw_guid.clone());
        k.codes.insert(
            id.clone(),
            KeptCode {
                codable: (!c.codable).then_some(false),
                guid: guid_as_written,
                color: c.raw_color.clone(),
                motif_color: code.color.clone(),
            },
        );
    }
}

/// Sets, with members as code and transcript ids.
fn keep_sets(k: &mut Kept, pkg: &Package, ids: &Ids<'_>) {
    for set in &pkg.sets {
        if k.sets.iter().any(|s| s.guid == set.guid) {
            continue;
        }
        let mut transcripts: Vec<String> = Vec::new();
        for g in &set.sources {
            if let Some(i) = pkg.sources.iter().position(|s| &s.guid == g) {
                let t = ids.transcripts[i].clone();
                if !transcripts.contains(&t) {
                    transcripts.push(t);
                }
            }
        }
        k.sets.push(KeptSet {
            guid: set.guid.clone(),
            name: set.name.clone(),
            description: set.description.clone(),
            codes: set
                .codes
                .iter()
                .filter_map(|g| ids.codes.get(g).cloned())
                .collect(),
            transcripts,
            other_members: set.other.clone(),
        });
    }
}
