//! Durable file writing: atomic whole-file replacement (temporary file,
//! fsync, rename, fsync of the folder) that keeps the replaced file's
//! kind, link and mode, advisory locks between motif processes, and the
//! confinement checks for files and folders inside a project (see
//! [`read_project_file`], [`check_project_dir`]).

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
/// refused, as is a file with several names (hard links), which no
/// rewrite can keep both safe and shared. The new file keeps the mode of the file it replaces and, where
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

/// Checks, writing nothing, that [`atomic_write`] would accept `path`, so
/// that a command can refuse before it changes anything else.
pub fn check_writable(path: &Path) -> Result<()> {
    resolve(path).map(drop)
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
            refuse_hard_links(path, &p, &meta)?;
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
                kind_name(kind)
            )));
        }
    }
    Err(Error::invalid(format!(
        "cannot write {}: too many levels of symbolic links",
        path.display()
    )))
}

/// A file with other names (hard links) cannot be replaced atomically
/// without leaving the other names on the old text, nor rewritten in place
/// without a window where a crash leaves it torn: refused, saying how to
/// give it a name of its own.
fn refuse_hard_links(path: &Path, file: &Path, meta: &fs::Metadata) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let names = meta.nlink();
        if names > 1 {
            return Err(Error::invalid(format!(
                "cannot write {}: the file has {names} names (hard links), and rewriting it safely would leave the other names on the old text; nothing was written. Give it a name of its own (`cp {f} {f}.own && mv {f}.own {f}`) and run the command again",
                path.display(),
                f = file.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file, meta);
    Ok(())
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
        // Errors name the file being written, not the temporary beside it.
        let mut f = File::create(&tmp).at(path)?;
        if let Some(old) = old {
            keep_owner_and_mode(&f, old).at(path)?;
        }
        f.write_all(bytes).at(path)?;
        f.sync_all().at(path)?;
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
        let file = open_lock_file(path)?;
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

/// Opens (creating it and its folders) the lock file `path`. One planted
/// as a link would make motif create or lock a file elsewhere, and a FIFO
/// would hang the open: anything but a regular file is refused.
pub fn open_lock_file(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        create_dirs(dir)?;
    }
    refuse_unless_regular(
        path,
        "motif's lock file",
        "Remove it (motif makes a new one)",
    )?;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .at(path)
}

/// Refuses `path` when something other than a regular file is there (a
/// symbolic link, a FIFO, a folder); a missing one is fine. `what` names
/// its role and `fix` says what to do.
pub fn refuse_unless_regular(path: &Path, what: &str, fix: &str) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => Err(not_regular(path, meta.file_type(), what, fix)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The refusal of `path`, found to be of `kind` where a regular file was
/// needed (also for a file checked again once open).
pub fn not_regular(path: &Path, kind: fs::FileType, what: &str, fix: &str) -> Error {
    Error::invalid(format!(
        "{}: {what} is {}, not a regular file; nothing was read or written. {fix}",
        path.display(),
        kind_name(kind)
    ))
}

/// A generous cap for a researcher's file motif reads whole (a memo,
/// `attributes.csv`, the codebook): far above any real one, and it keeps a
/// file that grows without end from taking all memory.
pub const MAX_PROJECT_FILE_BYTES: u64 = 64 << 20;

/// Checks that `path` (a file inside the project `root`) is a regular file
/// whose real path lies inside the project; `Ok(false)` when it does not
/// exist (nor any link to it). A symbolic link is allowed only when what it
/// leads to is inside the project. `what` names the file's role in the
/// message ("a memo", "the attributes table").
pub fn check_project_file(root: &Path, path: &Path, what: &str) -> Result<bool> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => {
            // Not there: where it would be made (the nearest folder above
            // it that exists) must be inside.
            let mut above = parent_dir(path);
            while fs::symlink_metadata(&above).is_err() {
                match above.parent() {
                    Some(a) if !a.as_os_str().is_empty() => above = a.to_path_buf(),
                    _ => return Ok(false),
                }
            }
            check_inside(root, &above, path, what)?;
            return Ok(false);
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let real = check_inside(root, path, path, what)?;
    let kind = if meta.file_type().is_symlink() {
        fs::metadata(&real).at(path)?.file_type()
    } else {
        meta.file_type()
    };
    if kind.is_file() {
        Ok(true)
    } else {
        Err(refused(path, what, &format!("it is {}", kind_name(kind))))
    }
}

/// Reads the project file `path` whole: `None` when it is missing; refused,
/// by name, when it is not a regular file inside the project (see
/// [`check_project_file`]) or holds more than `cap` bytes.
pub fn read_project_file(
    root: &Path,
    path: &Path,
    what: &str,
    cap: u64,
) -> Result<Option<Vec<u8>>> {
    if !check_project_file(root, path, what)? {
        return Ok(None);
    }
    let f = File::open(path).at(path)?;
    // Checked again on the open file: it may have been swapped meanwhile.
    let meta = f.metadata().at(path)?;
    if !meta.is_file() {
        return Err(refused(
            path,
            what,
            &format!("it is {}", kind_name(meta.file_type())),
        ));
    }
    read_open_capped(f, path, what, cap).map(Some)
}

/// Reads a file the user named (it may be a symbolic link, a FIFO or a
/// device) whole, refused by name when it holds more than `cap` bytes:
/// `/dev/zero` or a 10 GB file costs at most `cap` bytes of memory.
pub fn read_capped(path: &Path, what: &str, cap: u64) -> Result<Vec<u8>> {
    let f = File::open(path).at(path)?;
    read_open_capped(f, path, what, cap)
}

fn read_open_capped(f: File, path: &Path, what: &str, cap: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    f.take(cap + 1).read_to_end(&mut bytes).at(path)?;
    if bytes.len() as u64 > cap {
        return Err(Error::invalid(format!(
            "{}: {what} holds more than {} (motif's limit for it); nothing was read or written. Make it smaller",
            path.display(),
            human_bytes(cap)
        )));
    }
    Ok(bytes)
}

/// Checks that the folder `dir` of a project is a real folder (not a
/// symbolic link, a file or a FIFO), so that what motif reads and writes
/// there stays in the project; a missing one is fine. `purpose` says what
/// motif keeps in it and `fix` what to do about it.
pub fn check_project_dir(dir: &Path, purpose: &str, fix: &str) -> Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let kind = meta.file_type();
    let what = if kind.is_symlink() {
        match fs::read_link(dir) {
            Ok(to) => format!("a symbolic link (to {})", to.display()),
            Err(_) => "a symbolic link".to_owned(),
        }
    } else if kind.is_dir() {
        return Ok(());
    } else {
        kind_name(kind).to_owned()
    };
    Err(Error::invalid(format!(
        "{} is not a folder: motif keeps {purpose} there, and it is {what}; nothing was read or written. {fix}",
        dir.display()
    )))
}

/// The real path of `path` (which exists), refused when it is not inside
/// the project `root`; `shown` and `what` name the file in the message.
fn check_inside(root: &Path, path: &Path, shown: &Path, what: &str) -> Result<PathBuf> {
    let real_root = fs::canonicalize(root).at(root)?;
    let real = match fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => {
            return Err(refused(
                shown,
                what,
                "it is a symbolic link to nothing (or through one)",
            ));
        }
        Err(e) => return Err(Error::io(shown, e)),
    };
    if real.starts_with(&real_root) {
        Ok(real)
    } else {
        Err(refused(
            shown,
            what,
            &format!(
                "its real path {} lies outside the project (through a symbolic link)",
                real.display()
            ),
        ))
    }
}

fn refused(path: &Path, what: &str, why: &str) -> Error {
    Error::invalid(format!(
        "{}: {what} must be a regular file inside the project, and {why}; nothing was read or written. Put the file itself there",
        path.display()
    ))
}

/// What a file is, as messages say it: `a FIFO`, `a folder`, `a
/// symbolic link`…
pub(crate) fn kind_name(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_file() {
        "a file"
    } else {
        "not a file"
    }
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_names_the_file_not_its_temporary() {
        // Nothing may be created in /proc, even by root.
        let e = atomic_write(Path::new("/proc/memo.md"), b"x")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/proc/memo.md:"), "{e}");
        assert!(!e.contains(".tmp"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn project_files_are_regular_files_inside_the_project() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        fs::create_dir_all(root.join("memos")).unwrap();
        let outside = dir.path().join("secret");
        fs::write(&outside, b"SECRET").unwrap();
        let read = |p: &Path, cap| read_project_file(&root, p, "a memo", cap);
        // Missing (its folder too): nothing to read.
        assert!(read(&root.join("memos/none.md"), 100).unwrap().is_none());
        assert!(read(&root.join("memos/codes/c.md"), 100).unwrap().is_none());
        // A regular file, and a link to one inside: read.
        fs::write(root.join("memos/a.md"), b"hello").unwrap();
        assert_eq!(
            read(&root.join("memos/a.md"), 100).unwrap().unwrap(),
            b"hello"
        );
        symlink("a.md", root.join("memos/in.md")).unwrap();
        assert_eq!(
            read(&root.join("memos/in.md"), 100).unwrap().unwrap(),
            b"hello"
        );
        // Too big: refused, saying the cap.
        let e = read(&root.join("memos/a.md"), 4).unwrap_err().to_string();
        assert!(e.contains("memos/a.md") && e.contains("4 bytes"), "{e}");
        // A link outside, a dangling link, a device, a FIFO, a folder.
        symlink(&outside, root.join("memos/out.md")).unwrap();
        symlink("nowhere", root.join("memos/dangling.md")).unwrap();
        symlink("/dev/zero", root.join("memos/zero.md")).unwrap();
        fs::create_dir(root.join("memos/dir.md")).unwrap();
        for (name, why) in [
            ("out.md", "outside the project"),
            ("dangling.md", "to nothing"),
            ("zero.md", "outside the project"),
            ("dir.md", "a folder"),
        ] {
            let p = root.join("memos").join(name);
            let e = read(&p, 100).unwrap_err().to_string();
            assert!(e.contains(&*p.to_string_lossy()) && e.contains(why), "{e}");
        }
        // A file in a linked folder outside is outside, present or not.
        symlink(dir.path(), root.join("linked")).unwrap();
        for name in ["linked/secret", "linked/new.md"] {
            let e = check_project_file(&root, &root.join(name), "a memo")
                .unwrap_err()
                .to_string();
            assert!(e.contains("outside the project"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn project_folders_are_real_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let check = |name: &str| check_project_dir(&root.join(name), "memos", "Fix it.");
        check("missing").unwrap();
        fs::create_dir(root.join("real")).unwrap();
        check("real").unwrap();
        std::os::unix::fs::symlink("/tmp", root.join("link")).unwrap();
        let e = check("link").unwrap_err().to_string();
        assert!(
            e.contains("a symbolic link (to /tmp)") && e.contains("Fix it."),
            "{e}"
        );
        fs::write(root.join("file"), b"").unwrap();
        let e = check("file").unwrap_err().to_string();
        assert!(e.contains("it is a file"), "{e}");
    }
}
