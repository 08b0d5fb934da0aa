//! Durable file writing: atomic whole-file replacement (temporary file,
//! fsync, rename, fsync of the folder) that keeps the replaced file's
//! kind, link and mode, and advisory locks between motif processes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{Error, IoContext, Result};

/// Replaces `path` with `bytes` atomically: readers see the old file or the
/// new one, never a mix, and the new one survives power loss once this
/// returns.
///
/// A symlink is followed: its final target is replaced (atomically, in the
/// target's folder) and the link stays. A FIFO or a character device
/// (`-o /dev/stdout`, `/dev/null`) is written into directly. Anything else
/// that is not a regular file (a folder, a socket, a block device) is
/// refused. The new file keeps the mode of the file it replaces and, where
/// the process may (as root), its owner and group.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    match resolve(path)? {
        Target::Stream(p) => {
            let mut f = OpenOptions::new().write(true).open(&p).at(&p)?;
            f.write_all(bytes).at(&p)
        }
        Target::File(p, old) => replace(&p, old.as_ref(), bytes),
    }
}

/// What a write to a path reaches once its symlinks are followed.
enum Target {
    /// A regular file (with its metadata), or nothing yet: replaced.
    File(PathBuf, Option<fs::Metadata>),
    /// A FIFO or a character device: written in place.
    Stream(PathBuf),
}

/// Follows `path`'s symlinks (at most 40, as the kernel does) to what a
/// write would reach, refusing what is neither a regular file nor a
/// stream.
fn resolve(path: &Path) -> Result<Target> {
    // What the kernel reaches first: `/dev/stdout` and `/proc/self/fd/N`
    // are links whose text names no path (`pipe:[123]`), yet open fine.
    if fs::metadata(path).is_ok_and(|m| is_stream(m.file_type())) {
        return Ok(Target::Stream(path.to_path_buf()));
    }
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Target::File(p, None));
            }
            Err(e) => return Err(Error::io(&p, e)),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let to = fs::read_link(&p).at(&p)?;
            p = parent_dir(&p).join(to);
        } else if kind.is_file() {
            return Ok(Target::File(p, Some(meta)));
        } else if is_stream(kind) {
            return Ok(Target::Stream(p));
        } else {
            let through = if p == path {
                String::new()
            } else {
                format!(" (a link to {})", p.display())
            };
            return Err(Error::invalid(format!(
                "cannot write {}{through}: it is {}, not a regular file; give a file's path (motif also writes through a symlink, into a FIFO or a character device)",
                path.display(),
                describe(kind)
            )));
        }
    }
    Err(Error::invalid(format!(
        "cannot write {}: too many levels of symbolic links",
        path.display()
    )))
}

#[cfg(unix)]
fn is_stream(kind: fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_fifo() || kind.is_char_device()
}

#[cfg(not(unix))]
fn is_stream(_: fs::FileType) -> bool {
    false
}

fn describe(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Replaces the regular file `path` (or creates it) through a temporary
/// file in its folder: fsync, rename, fsync of the folder.
fn replace(path: &Path, old: Option<&fs::Metadata>, bytes: &[u8]) -> Result<()> {
    let dir = parent_dir(path);
    create_dirs(&dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", super::ids::new_id()));
    let result = (|| {
        let mut f = File::create(&tmp).at(&tmp)?;
        if let Some(old) = old {
            keep_owner_and_mode(&f, old).at(&tmp)?;
        }
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

/// Gives the new file `f` the mode of the file it replaces and, where the
/// process may, its owner and group (root may give a file away; anyone may
/// pass it to a group of theirs; otherwise it stays the writer's). The
/// owner is set first, as a change of owner clears set-id bits.
#[cfg(unix)]
fn keep_owner_and_mode(f: &File, old: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    let new = f.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid())
        && fchown(f, Some(old.uid()), Some(old.gid())).is_err()
    {
        let _ = fchown(f, None, Some(old.gid()));
    }
    f.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))
}

#[cfg(not(unix))]
fn keep_owner_and_mode(f: &File, old: &fs::Metadata) -> std::io::Result<()> {
    f.set_permissions(old.permissions())
}

/// Creates `dir` and the folders missing above it one at a time, fsyncing
/// each new folder and the folder it was made in, so that a file written
/// into them survives a power loss together with its path.
pub fn create_dirs(dir: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut d = dir;
    loop {
        match fs::metadata(d) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(Error::invalid(format!(
                    "cannot make the folder {}: {} is not a folder",
                    dir.display(),
                    d.display()
                )));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                missing.push(d);
            }
            Err(e) => return Err(Error::io(d, e)),
        }
        match d.parent() {
            Some(p) if !p.as_os_str().is_empty() => d = p,
            _ => break,
        }
    }
    for d in missing.into_iter().rev() {
        match fs::create_dir(d) {
            Ok(()) => {}
            // Made meanwhile by another process: synced here all the same.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(Error::io(d, e)),
        }
        sync_dir(d)?;
        sync_dir(&parent_dir(d))?;
    }
    Ok(())
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
            create_dirs(dir)?;
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

    #[test]
    fn create_dirs_makes_nested_folders_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dirs(&deep).unwrap();
        assert!(deep.is_dir());
        create_dirs(&deep).unwrap();
        atomic_write(&dir.path().join("x/y/z.txt"), b"z").unwrap();
        assert!(dir.path().join("x/y").is_dir());
        fs::write(dir.path().join("f"), b"").unwrap();
        let e = create_dirs(&dir.path().join("f/g"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a folder"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_follows_links_keeps_modes_and_refuses_folders() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("sub/real.txt");
        atomic_write(&real, b"one").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("sub/real.txt", &link).unwrap();
        atomic_write(&link, b"two").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "two");
        assert_eq!(
            fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // As root, the owner and group are kept too.
        if fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            std::os::unix::fs::chown(&real, Some(1), Some(1)).unwrap();
            atomic_write(&link, b"three").unwrap();
            let m = fs::metadata(&real).unwrap();
            assert_eq!((m.uid(), m.gid()), (1, 1));
        }
        let e = atomic_write(dir.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("a folder"), "{e}");
    }
}
