//! Opening a `.qdpx` (a zip) without trusting it.
//!
//! Every entry name is checked before anything is read: an entry that
//! would point outside the archive's folder (`../`, an absolute path, a
//! drive letter), a link, a special file or an encrypted entry makes motif
//! refuse the whole file. Nothing is ever extracted to disk: entries are
//! read into memory by name, each under a size cap (checked against the
//! declared size first, then enforced while decompressing, so a lying
//! header does not help), with a cap on the total as well. Names are
//! matched without regard to case (`Sources/` as well as `sources/`).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::super::error::{Error, Result};

/// Most entries an archive may list.
pub const MAX_ENTRIES: usize = 200_000;
/// Most bytes motif decompresses from one archive, all entries together.
pub const MAX_TOTAL_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// An open `.qdpx`.
pub struct Archive {
    path: PathBuf,
    zip: zip::ZipArchive<File>,
    /// Lowercased normalized name → entry index.
    index: HashMap<String, usize>,
    /// Folder (lowercased, with a trailing `/`, or empty) that holds
    /// `project.qde`; sources are looked up beside it.
    base: String,
    read_total: u64,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("path", &self.path)
            .field("entries", &self.index.len())
            .finish_non_exhaustive()
    }
}

/// Why an entry name is unsafe, if it is.
pub fn check_entry_name(name: &str) -> std::result::Result<String, String> {
    if name.contains('\0') {
        return Err("contains a NUL character".into());
    }
    // Kept files are named after their entries: no name that could act
    // on a terminal when listed (or be stored differently than recorded).
    if name
        .chars()
        .any(|c| c.is_control() || crate::text::is_hidden_control(c))
    {
        return Err("holds a control or direction character".into());
    }
    let n = name.replace('\\', "/");
    let bytes = n.as_bytes();
    if n.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err("is an absolute path".into());
    }
    let mut parts = Vec::new();
    for part in n.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("climbs out of the archive (`..`, path traversal)".into()),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// How many entries the archive's central directory lists, read from its
/// end record (and the Zip64 one when the count does not fit in 16 bits);
/// `None` when those records cannot be found (the zip reader, which found
/// them, decides then).
fn listed_entries(path: &Path) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    // The end record (22 bytes) with a comment of up to 65,535 bytes, and
    // the 20-byte Zip64 locator before it.
    let tail_len = len.min(22 + 65_535 + 20);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::new();
    f.by_ref().take(tail_len).read_to_end(&mut tail).ok()?;
    let at = (0..=tail.len().checked_sub(22)?)
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let count = u16_at(&tail, at + 10);
    if count != u16::MAX {
        return Some(u64::from(count));
    }
    // Zip64: the locator just before the end record gives the offset of
    // the Zip64 end record, whose count is at byte 32.
    let loc = at.checked_sub(20)?;
    if tail[loc..loc + 4] != [0x50, 0x4b, 0x06, 0x07] {
        return None;
    }
    let offset = u64::from_le_bytes(tail[loc + 8..loc + 16].try_into().ok()?);
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut rec = [0u8; 40];
    f.read_exact(&mut rec).ok()?;
    if rec[..4] != [0x50, 0x4b, 0x06, 0x06] {
        return None;
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

/// Opens the zip archive at `path`, refusing one that is not a zip, lists
/// too many entries, or lists two entries under one name.
fn open_zip(path: &Path) -> Result<zip::ZipArchive<File>> {
    let bad = |m: String| Error::parse(path, None, None, m);
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let zip = zip::ZipArchive::new(file).map_err(|e| {
        let mut head = [0u8; 64];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        let xml = head[..n]
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
            == Some(&b'<');
        let hint = if xml {
            "; it looks like XML — for a codebook (.qdc) use `motif import-qdc`"
        } else {
            ""
        };
        bad(format!(
            "not a readable .qdpx file (a .qdpx is a zip archive): {e}{hint}"
        ))
    })?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad(format!(
            "the archive lists {} entries; motif opens archives of at most {MAX_ENTRIES}",
            zip.len()
        )));
    }
    // The zip reader keeps one entry per name; the central directory
    // may list more. Which of two same-named entries the project means
    // cannot be told: refused.
    if let Some(listed) = listed_entries(path)
        && listed > zip.len() as u64
    {
        return Err(bad(format!(
            "refused: the archive lists {listed} entries but only {} distinct names: some entries share a name, and motif cannot tell which one the project means. Export the project again",
            zip.len()
        )));
    }
    Ok(zip)
}

fn mb(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / 1_048_576.0)
}

impl Archive {
    /// Opens and checks an archive; refuses it whole if any entry is
    /// unsafe.
    pub fn open(path: &Path) -> Result<Archive> {
        let bad = |m: String| Error::parse(path, None, None, m);
        let mut zip = open_zip(path)?;
        let mut index = HashMap::new();
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .map_err(|e| bad(format!("entry {} cannot be read: {e}", i + 1)))?;
            let raw_name = entry
                .name()
                .map_err(|e| bad(format!("entry {} has an unreadable name: {e}", i + 1)))?
                .into_owned();
            let shown = super::super::text::one_line(&raw_name);
            let name = check_entry_name(&raw_name).map_err(|why| {
                bad(format!(
                    "refused: the archive holds an entry `{shown}` that {why}; motif opens nothing from such a file"
                ))
            })?;
            if entry.is_symlink() {
                return Err(bad(format!(
                    "refused: the archive entry `{shown}` is a symbolic link; motif opens nothing from such a file"
                )));
            }
            if let Some(mode) = entry.unix_mode() {
                let kind = mode & 0o170_000;
                if kind != 0 && kind != 0o100_000 && kind != 0o040_000 {
                    return Err(bad(format!(
                        "refused: the archive entry `{shown}` is a special file, not a regular one"
                    )));
                }
            }
            if entry.encrypted() {
                return Err(bad(format!(
                    "the archive entry `{shown}` is encrypted; export the project again without a password"
                )));
            }
            if entry.is_dir() {
                continue;
            }
            // Two entries under one name (or names that differ only in
            // case, as the project's paths are matched): which one the
            // project means cannot be told.
            if let Some(&first) = index.get(&name.to_lowercase()) {
                return Err(bad(format!(
                    "refused: the archive holds two entries named `{shown}` (entries {} and {}); motif cannot tell which one the project means. Export the project again",
                    first + 1,
                    i + 1
                )));
            }
            index.insert(name.to_lowercase(), i);
        }
        let base = if index.contains_key("project.qde") {
            String::new()
        } else {
            // Some tools zip a folder: accept one `FOLDER/project.qde`.
            let mut found: Vec<&String> = index
                .keys()
                .filter(|k| k.ends_with("/project.qde") && k.matches('/').count() == 1)
                .collect();
            found.sort();
            match found.as_slice() {
                [one] => one.trim_end_matches("project.qde").to_owned(),
                _ => {
                    return Err(bad(
                        "not a REFI-QDA project: the archive has no project.qde".into(),
                    ));
                }
            }
        };
        Ok(Archive {
            path: path.to_path_buf(),
            zip,
            index,
            base,
            read_total: 0,
        })
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether an entry exists (relative to the folder of `project.qde`).
    pub fn contains(&self, rel: &str) -> bool {
        self.index
            .contains_key(&format!("{}{}", self.base, rel.to_lowercase()))
    }

    /// Reads an entry (relative to the folder of `project.qde`, any case)
    /// of at most `cap` bytes decompressed; `None` if it is not there.
    pub fn read(&mut self, rel: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        let Some(&i) = self
            .index
            .get(&format!("{}{}", self.base, rel.to_lowercase()))
        else {
            return Ok(None);
        };
        let path = self.path.clone();
        let too_big = |size: u64| {
            Error::parse(
                &path,
                None,
                None,
                format!(
                    "refused: `{}` decompresses to {} or more; motif reads at most {} from one entry (is this a zip bomb?)",
                    super::super::text::one_line(rel),
                    mb(size),
                    mb(cap)
                ),
            )
        };
        let total_left = MAX_TOTAL_BYTES.saturating_sub(self.read_total);
        let mut entry = self
            .zip
            .by_index(i)
            .map_err(|e| Error::parse(&path, None, None, format!("cannot read `{rel}`: {e}")))?;
        if entry.size() > cap {
            return Err(too_big(entry.size()));
        }
        if entry.size() > total_left {
            return Err(Error::parse(
                &path,
                None,
                None,
                format!(
                    "refused: the archive decompresses to more than {} in all (is this a zip bomb?)",
                    mb(MAX_TOTAL_BYTES)
                ),
            ));
        }
        let limit = cap.min(total_left);
        let mut buf = Vec::with_capacity(usize::try_from(entry.size().min(limit)).unwrap_or(0));
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                Error::parse(
                    &path,
                    None,
                    None,
                    format!(
                        "refused: `{}` cannot be decompressed ({e}); the archive is damaged or hostile — export it again",
                        super::super::text::one_line(rel)
                    ),
                )
            })?;
        if buf.len() as u64 > limit {
            return Err(too_big(buf.len() as u64));
        }
        self.read_total += buf.len() as u64;
        Ok(Some(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(check_entry_name("sources/a.txt").unwrap(), "sources/a.txt");
        assert_eq!(check_entry_name("Sources\\A.TXT").unwrap(), "Sources/A.TXT");
        assert_eq!(check_entry_name("./project.qde").unwrap(), "project.qde");
        for bad in [
            "../evil.txt",
            "sources/../../evil.txt",
            "/etc/passwd",
            "\\windows\\x",
            "C:/x.txt",
            "c:\\x.txt",
            "a\0b",
            "im\u{1b}[31mg.png",
            "r\u{202e}gnp.exe",
            "a\u{85}b.txt",
        ] {
            assert!(check_entry_name(bad).is_err(), "{bad}");
        }
    }
}
