//! Memos: plain Markdown files in the project's `memos/` folder, on the
//! project, on a transcript or on a code (by the code's stable id, so a
//! renamed code keeps its memo). Memos on single codings live in the
//! coding journal.

use std::path::PathBuf;

use super::error::{Error, Result};
use super::fsio::atomic_write;
use super::project::Project;

/// What a memo is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoTarget {
    Project,
    /// A transcript id.
    Transcript(String),
    /// A code id.
    Code(String),
}

/// The file holding a memo.
pub fn memo_path(project: &Project, target: &MemoTarget) -> PathBuf {
    let base = project.root.join("memos");
    match target {
        MemoTarget::Project => base.join("project.md"),
        MemoTarget::Transcript(id) => base.join("transcripts").join(format!("{id}.md")),
        MemoTarget::Code(id) => base.join("codes").join(format!("{id}.md")),
    }
}

/// Reads a memo; an absent memo is empty.
pub fn read_memo(project: &Project, target: &MemoTarget) -> Result<String> {
    let path = memo_path(project, target);
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Replaces a memo (atomically); an empty text removes the file.
pub fn write_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<PathBuf> {
    let _lock = project.file_lock("memos")?;
    replace_memo(project, target, text)
}

fn replace_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<PathBuf> {
    let path = memo_path(project, target);
    if text.trim().is_empty() {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        return Ok(path);
    }
    let mut body = text.to_owned();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    atomic_write(&path, body.as_bytes())?;
    Ok(path)
}

/// Adds a paragraph to a memo, keeping what was there.
pub fn append_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<PathBuf> {
    // Read, add and rewrite under the lock: two processes appending at
    // once both keep their paragraph.
    let _lock = project.file_lock("memos")?;
    let mut body = read_memo(project, target)?;
    if !body.is_empty() {
        if !body.ends_with('\n') {
            body.push('\n');
        }
        body.push('\n');
    }
    body.push_str(text.trim_end());
    replace_memo(project, target, &body)
}
