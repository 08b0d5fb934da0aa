//! Memos: plain Markdown files in the project's `memos/` folder, on the
//! project, on a transcript or on a code (by the code's stable id, so a
//! renamed code keeps its memo). Memos on single codings live in the
//! coding journal.

use std::path::PathBuf;

use super::error::{Error, Result};
use super::fsio::{MAX_PROJECT_FILE_BYTES, atomic_write, check_project_file, read_project_file};
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
    let bytes = read_project_file(&project.root, &path, "a memo", MAX_PROJECT_FILE_BYTES)?;
    String::from_utf8(bytes.unwrap_or_default()).map_err(|e| {
        Error::io(
            &path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        )
    })
}

/// Replaces a memo (atomically); an empty text removes the file.
pub fn write_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<PathBuf> {
    let _lock = project.file_lock("memos")?;
    replace_memo(project, target, text)
}

fn replace_memo(project: &Project, target: &MemoTarget, text: &str) -> Result<PathBuf> {
    let path = memo_path(project, target);
    // A link or a device is never removed nor written through.
    check_project_file(&project.root, &path, "a memo")?;
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

/// How [`save_edited_memo`] combined an edit with what was on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoSave {
    /// Nobody else changed the memo: the edit was written.
    Written,
    /// The memo was changed elsewhere by adding to it, and so was the
    /// edit: both additions were kept (theirs first).
    MergedAdditions,
    /// The memo was changed elsewhere in another way: what is on disk was
    /// kept, followed by the edited text under a marker.
    KeptBoth,
    /// The edit changed nothing; what is on disk stays.
    Unchanged,
}

impl MemoSave {
    /// What happened, in a sentence naming the memo's file.
    pub fn describe(self, path: &std::path::Path) -> String {
        match self {
            MemoSave::Unchanged => "memo unchanged".to_owned(),
            MemoSave::Written => format!("memo saved in {}", path.display()),
            MemoSave::MergedAdditions => format!(
                "the memo was added to elsewhere meanwhile: both kept in {}",
                path.display()
            ),
            MemoSave::KeptBoth => format!(
                "the memo was changed elsewhere meanwhile: both versions kept in {} (yours below the marker)",
                path.display()
            ),
        }
    }
}

/// The line that separates the edited text from a version changed
/// elsewhere when the two could not be merged.
pub const CONFLICT_MARKER: &str = "<!-- motif: this memo was changed elsewhere while it was being edited; the edited version follows -->";

/// Combines an edit of a memo with the memo as it is now: `base` is what
/// the editor opened, `ours` the edited text, `theirs` the memo on disk.
/// Nothing either side wrote is dropped (see [`MemoSave`]).
pub fn merge_edit(base: &str, ours: &str, theirs: &str) -> (String, MemoSave) {
    let (base, ours, theirs) = (base.trim_end(), ours.trim_end(), theirs.trim_end());
    if ours == base || ours == theirs {
        return (theirs.to_owned(), MemoSave::Unchanged);
    }
    if theirs == base {
        return (ours.to_owned(), MemoSave::Written);
    }
    if let (Some(_), Some(added_here)) = (theirs.strip_prefix(base), ours.strip_prefix(base)) {
        let mut merged = theirs.to_owned();
        merged.push_str("\n\n");
        merged.push_str(added_here.trim_start_matches('\n'));
        return (merged, MemoSave::MergedAdditions);
    }
    (
        format!("{theirs}\n\n{CONFLICT_MARKER}\n\n{ours}"),
        MemoSave::KeptBoth,
    )
}

/// Saves an edited memo without dropping a change made elsewhere while it
/// was open: under the memos lock, reads the memo, combines it with the
/// edit ([`merge_edit`]) and writes the result.
pub fn save_edited_memo(
    project: &Project,
    target: &MemoTarget,
    base: &str,
    edited: &str,
) -> Result<(PathBuf, MemoSave)> {
    let _lock = project.file_lock("memos")?;
    let theirs = read_memo(project, target)?;
    let (text, how) = merge_edit(base, edited, &theirs);
    let path = if how == MemoSave::Unchanged {
        memo_path(project, target)
    } else {
        replace_memo(project, target, &text)?
    };
    Ok((path, how))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_never_drops_a_change_made_elsewhere() {
        // Nobody else: the edit.
        assert_eq!(
            merge_edit("a", "a\n\nb", "a\n"),
            ("a\n\nb".into(), MemoSave::Written)
        );
        // Untouched edit: what is there stays.
        assert_eq!(
            merge_edit("a", "a", "a\n\nc"),
            ("a\n\nc".into(), MemoSave::Unchanged)
        );
        // Both added a paragraph (`motif memo` appends): both kept.
        let (m, how) = merge_edit("Où? 北京", "Où? 北京\n\nmine 🤖", "Où? 北京\n\ntheirs\n");
        assert_eq!(how, MemoSave::MergedAdditions);
        assert_eq!(m, "Où? 北京\n\ntheirs\n\nmine 🤖");
        // From an empty memo.
        let (m, how) = merge_edit("", "mine", "theirs\n");
        assert_eq!(
            (m.as_str(), how),
            ("theirs\n\nmine", MemoSave::MergedAdditions)
        );
        // Rewritten both ways: both kept, under a marker.
        let (m, how) = merge_edit("old", "mine", "theirs");
        assert_eq!(how, MemoSave::KeptBoth);
        assert!(
            m.starts_with("theirs\n\n") && m.ends_with("\n\nmine"),
            "{m}"
        );
        assert!(m.contains(CONFLICT_MARKER));
    }
}
