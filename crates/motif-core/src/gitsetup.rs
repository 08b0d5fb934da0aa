//! Making a project merge in git without conflicts by construction: the
//! `.gitattributes` that `motif init` writes and `motif git-setup` adds
//! to an existing project (the append-only journals, the memos and the
//! codebook merge with git's built-in `union` driver, so no local git
//! configuration is needed), and the codebook written in its keyed form,
//! where changes to different codes touch different lines.

use std::fs;
use std::path::Path;

use super::error::{IoContext, Result};
use super::fsio::atomic_write;
use super::project::Project;

/// The header line of the block motif writes in `.gitattributes`.
const HEADER: &str =
    "# motif: merge appended records and codes from both branches (docs/file-formats.md)";

/// The `.gitattributes` lines for a project whose codebook is `codebook`
/// (relative to the project's root, with `/`).
pub fn attribute_lines(codebook: &str) -> Vec<String> {
    let book = codebook.replace('\\', "/");
    let book = book.trim_start_matches("./");
    vec![
        "codings/*.jsonl merge=union".to_owned(),
        "memos/** merge=union".to_owned(),
        format!("{} merge=union", quote_pattern(book)),
    ]
}

/// A gitattributes pattern matching exactly `path` (spaces and the
/// pattern characters escaped).
fn quote_pattern(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if matches!(c, ' ' | '*' | '?' | '[' | '\\' | '#' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Adds the lines motif needs to `root/.gitattributes` (keeping what is
/// there); returns whether the file changed.
pub fn write_attributes(root: &Path, codebook: &str) -> Result<bool> {
    let path = root.join(".gitattributes");
    let mut text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).at(&path),
    };
    let have: Vec<String> = text.lines().map(|l| l.trim().to_owned()).collect();
    let missing: Vec<String> = attribute_lines(codebook)
        .into_iter()
        .filter(|l| !have.contains(l))
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !have.iter().any(|l| l == HEADER) {
        text.push_str(HEADER);
        text.push('\n');
    }
    for l in missing {
        text.push_str(&l);
        text.push('\n');
    }
    atomic_write(&path, text.as_bytes())?;
    Ok(true)
}

/// What `motif git-setup` did.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `.gitattributes` was written or completed.
    pub attributes: bool,
    /// The codebook was rewritten in its keyed form.
    pub codebook: bool,
}

/// Sets an existing project up for merging: `.gitattributes`, and the
/// codebook rewritten in its keyed form (under the codebook lock) if it
/// is still in the earlier form.
pub fn setup(project: &Project) -> Result<Setup> {
    let attributes = write_attributes(&project.root, &project.config.codebook)?;
    let _lock = project.codebook_lock()?;
    let book = project.codebook()?;
    let path = project.codebook_path();
    let now = match fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).at(&path),
    };
    let codebook = now.is_some_and(|t| t != book.to_toml());
    if codebook {
        book.save()?;
    }
    Ok(Setup {
        attributes,
        codebook,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_added_once_and_keep_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".gitattributes"), "*.png binary").unwrap();
        assert!(write_attributes(dir.path(), "codebooks/my book.toml").unwrap());
        assert!(!write_attributes(dir.path(), "codebooks/my book.toml").unwrap());
        let text = fs::read_to_string(dir.path().join(".gitattributes")).unwrap();
        assert!(text.starts_with("*.png binary\n# motif"), "{text}");
        assert!(text.contains("codings/*.jsonl merge=union\n"), "{text}");
        assert!(
            text.contains("codebooks/my\\ book.toml merge=union\n"),
            "{text}"
        );
        assert_eq!(text.matches("merge=union").count(), 3);
    }
}
