//! Coders are people: one journal per coder (`codings/NAME.jsonl`), names
//! that differ only in case or accents are one coder ([`coder_key`]),
//! the list of coders with their codings and activity, and renaming a
//! coder across journals.

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::error::{Error, IoContext, Result};
use super::fsio::{Lock, atomic_write, sync_dir};
use super::project::{Project, check_coder};

/// What makes two coder names one coder: lower case, accents folded
/// (`Ana`, `ana` and `Anà` are one coder).
pub fn coder_key(name: &str) -> String {
    use tantivy::tokenizer::{
        AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer, TokenStream as _,
    };
    let mut a = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut out = String::new();
    let mut s = a.token_stream(name);
    while s.advance() {
        out.push_str(&s.token().text);
    }
    // Accents written as combining marks (decomposed text).
    out.chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .collect()
}

/// The existing coder that `name` is, if one differs from it only in
/// case or accents (an exact match is itself).
pub fn existing_spelling(project: &Project, name: &str) -> Result<Option<String>> {
    let key = coder_key(name);
    let coders = project.coders()?;
    if coders.iter().any(|c| c == name) {
        return Ok(Some(name.to_owned()));
    }
    Ok(coders.into_iter().find(|c| coder_key(c) == key))
}

/// One coder: live codings, and the times of the first and last record of
/// the journal.
#[derive(Debug, Clone, Serialize)]
pub struct CoderInfo {
    pub coder: String,
    pub codings: usize,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Every coder with a journal, sorted by name.
pub fn list(project: &Project) -> Result<Vec<CoderInfo>> {
    let mut out: Vec<CoderInfo> = Vec::new();
    for j in project.journals_for_reading()? {
        let text = fs::read(&j.path).at(&j.path)?;
        let (mut first, mut last): (Option<String>, Option<String>) = (None, None);
        for line in text.split(|&b| b == b'\n') {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(t) = v.get("time").and_then(|t| t.as_str())
                && !t.is_empty()
            {
                if first.as_deref().is_none_or(|f| t < f) {
                    first = Some(t.to_owned());
                }
                if last.as_deref().is_none_or(|l| t > l) {
                    last = Some(t.to_owned());
                }
            }
        }
        out.push(CoderInfo {
            codings: j.len(),
            coder: j.coder,
            first,
            last,
        });
    }
    out.sort_by(|a, b| a.coder.cmp(&b.coder));
    Ok(out)
}

/// What a rename did.
#[derive(Debug, Clone)]
pub struct Renamed {
    pub from: String,
    pub to: String,
    /// The new name was a coder already: the journals were joined.
    pub joined: bool,
}

fn lock_of(project: &Project, coder: &str) -> Result<Lock> {
    Lock::exclusive(
        &project
            .derived_dir()
            .join("locks")
            .join(format!("{coder}.lock")),
    )
}

/// Renames coder `old` to `new` across journals. If `new` (or a name that
/// is the same coder) has a journal already, `old`'s records are added
/// after its own: records carry no coder name and ids are unique, so the
/// two histories replay as one. The new journal is written whole and
/// atomically before the old one is removed; a crash in between leaves
/// both, and renaming again finishes (records already there replay once).
pub fn rename(project: &Project, old: &str, new: &str) -> Result<Renamed> {
    check_coder(new)?;
    let from = existing_spelling(project, old)?.ok_or_else(|| {
        Error::invalid(format!(
            "there is no coder `{}`; `motif coders` lists them",
            super::text::one_line(old)
        ))
    })?;
    let to = match existing_spelling(project, new)? {
        Some(e) if e != from => e,
        _ => new.to_owned(),
    };
    if to == from {
        return Err(Error::invalid(format!(
            "`{from}` is already that coder's name"
        )));
    }
    // Locks in name order, so two renames never wait on each other.
    let (a, b) = if from < to {
        (&from, &to)
    } else {
        (&to, &from)
    };
    let _la = lock_of(project, a)?;
    let _lb = lock_of(project, b)?;
    let from_path = project.journal_path(&from);
    let to_path = project.journal_path(&to);
    let moved = fs::read(&from_path).at(&from_path)?;
    let mut bytes = match fs::read(&to_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&to_path, e)),
    };
    let joined = !bytes.is_empty();
    for (path, b) in [(&to_path, &bytes), (&from_path, &moved)] {
        if !b.is_empty() && !b.ends_with(b"\n") {
            return Err(Error::invalid(format!(
                "{} ends with an unfinished record; let motif set it aside first (any coding \
                 command by that coder does), then rename; nothing was changed",
                path.display()
            )));
        }
    }
    bytes.extend_from_slice(&moved);
    atomic_write(&to_path, &bytes)?;
    fs::remove_file(&from_path).at(&from_path)?;
    sync_dir(from_path.parent().unwrap_or(Path::new(".")))?;
    Ok(Renamed { from, to, joined })
}
