//! Planning the codebook: matching imported codes to the project's codes
//! (by GUID, then by path), the new codes, and the codebook with them.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::codebook::{Codebook, PALETTE};
use crate::error::{Error, Result};
use crate::memo::MemoTarget;
use crate::refi::code_guid;

use super::ImportedCode;

/// A code to add.
#[derive(Debug, Clone)]
struct NewCode {
    pub(super) id: String,
    pub(super) path: String,
    pub(super) description: String,
    pub(super) include: Option<String>,
    pub(super) exclude: Option<String>,
    pub(super) example: Option<String>,
    pub(super) color: String,
    pub(super) key: Option<char>,
    pub(super) aliases: Vec<String>,
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
pub(super) struct CodePlan {
    pub(super) ids: HashMap<String, String>,
    pub(super) book: Codebook,
    pub(super) added: usize,
    pub(super) matched: usize,
    pub(super) memos: Vec<(MemoTarget, String)>,
}

/// What the project's codebook already takes: code ids and aliases by
/// GUID, ids, paths (lowercase) and shortcut keys.
struct Taken {
    by_guid: HashMap<String, String>,
    ids: HashSet<String>,
    paths: HashSet<String>,
    keys: HashSet<char>,
}

impl Taken {
    fn of(book: &Codebook) -> Taken {
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
        Taken {
            by_guid,
            ids: used_ids,
            paths: used_paths,
            keys: used_keys,
        }
    }
}

/// An id for a new code: its sidecar id if valid and free, else its GUID,
/// with `-2`, `-3`… appended until it is valid and free.
fn free_id(c: &ImportedCode, used_ids: &HashSet<String>) -> String {
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
    id
}

pub(super) fn plan_codes(
    book: &Codebook,
    codes: &[ImportedCode],
    notices: &mut Vec<String>,
) -> Result<CodePlan> {
    let Taken {
        by_guid,
        ids: mut used_ids,
        paths: mut used_paths,
        keys: mut used_keys,
    } = Taken::of(book);
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
        let id = free_id(c, &used_ids);
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
