//! Durable file writing: atomic whole-file replacement (temporary file,
//! fsync, rename, fsync of the folder) and advisory locks between motif
//! processes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{Error, IoContext, Result};

/// Replaces `path` with `bytes` atomically: readers see the old file or the
/// new one, never a mix, and the new one survives power loss once this
/// returns.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_dir(path);
    fs::create_dir_all(&dir).at(&dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", super::ids::new_id()));
    let result = (|| {
        let mut f = File::create(&tmp).at(&tmp)?;
        f.write_all(bytes).at(&tmp)?;
        f.sync_all().at(&tmp)?;
        drop(f);
        fs::rename(&tmp, path).at(path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Fsyncs a folder so that a new or renamed entry in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    // Opening a folder for fsync is a Unix idea; elsewhere it is a no-op.
    if cfg!(unix) {
        File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An exclusive lock on a lock file, released on drop. Another motif
/// process asking for the same lock waits.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the exclusive lock on `path`, creating it if needed.
    pub fn exclusive(path: &Path) -> Result<Lock> {
        Lock::take(path, true)
    }

    /// Takes a shared lock on `path` (held by many at once, never beside
    /// an exclusive one), creating it if needed.
    pub fn shared(path: &Path) -> Result<Lock> {
        Lock::take(path, false)
    }

    fn take(path: &Path, exclusive: bool) -> Result<Lock> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).at(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .at(path)?;
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        locked.map_err(|e| {
            Error::invalid(format!(
                "cannot lock {}: {e}; is the project on a file system without locks?",
                path.display()
            ))
        })?;
        Ok(Lock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, "twö".as_bytes()).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "twö");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
