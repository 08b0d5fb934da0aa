//! Earlier versions of transcripts, kept by content hash in
//! `.motif/texts/HASH.txt`, so that a coding made on one version can be
//! carried through an edit to the next ([`crate::reanchor`]).
//!
//! Every version motif loads is kept (a file per new version, written
//! once; a version already there costs one `stat`). A coding records the
//! BLAKE3 hash of the text it was made on; when that differs from the
//! transcript's, the text of that hash is read back from here (checked
//! against its hash) and diffed with the current one. Without it (the
//! folder deleted, or the version never loaded in this copy of the
//! project), codings are placed by their quote and context.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::reanchor::EditMap;
use crate::transcript::{Transcript, content_hash};

/// The largest kept text read back (a transcript is far smaller).
const MAX_TEXT_BYTES: u64 = 256 << 20;

/// Alignments by (old hash, new hash); `None` when the old text is not
/// kept.
type Maps = FxHashMap<(String, String), Option<Arc<EditMap>>>;

/// The kept versions of a project's transcripts, and the alignments of
/// old versions with current ones computed so far.
#[derive(Debug)]
pub struct TextHistory {
    dir: PathBuf,
    /// By (old hash, new hash): the alignment, or `None` when the old text
    /// is not kept.
    maps: Mutex<Maps>,
}

/// Whether `hash` looks like a content hash (it names a file: nothing
/// else may pass).
fn plain_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

impl TextHistory {
    /// The history kept in `dir` (`.motif/texts/`).
    pub fn new(dir: PathBuf) -> TextHistory {
        TextHistory {
            dir,
            maps: Mutex::default(),
        }
    }

    fn path_of(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.txt"))
    }

    /// Keeps `t`'s text if it is not kept yet. Failing to (a read-only
    /// project) only means codings on this version will be placed by
    /// their quotes after an edit.
    pub fn keep(&self, t: &Transcript) {
        if !plain_hash(&t.hash) {
            return;
        }
        let path = self.path_of(&t.hash);
        if std::fs::symlink_metadata(&path).is_ok() {
            return;
        }
        if crate::fsio::create_dirs(&self.dir).is_ok() {
            let _ = crate::fsio::atomic_write(&path, t.text.as_bytes());
        }
    }

    /// The kept text of hash `hash`, if it is here and still has that hash.
    pub fn text(&self, hash: &str) -> Option<String> {
        if !plain_hash(hash) {
            return None;
        }
        let path = self.path_of(hash);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.file_type().is_file() || meta.len() > MAX_TEXT_BYTES {
            return None;
        }
        let text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
        (content_hash(&text) == hash).then_some(text)
    }

    /// The alignment of the kept text of `old_hash` with `t`'s text
    /// (computed once per pair), or `None` when that text is not kept.
    pub fn map_to(&self, old_hash: &str, t: &Transcript) -> Option<Arc<EditMap>> {
        let key = (old_hash.to_owned(), t.hash.clone());
        if let Some(m) = self.maps.lock().ok()?.get(&key) {
            return m.clone();
        }
        let m = self
            .text(old_hash)
            .map(|old| Arc::new(EditMap::new(&old, &t.text)));
        self.maps.lock().ok()?.insert(key, m.clone());
        m
    }
}
