//! Appending to a journal: the locked, durable [`Journal::transact`] write,
//! the lock file, and setting a torn tail aside before the next append.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::fsio::sync_dir;

use super::Journal;
use super::records::{Record, encode};

impl Journal {
    /// Writes a batch durably: under an exclusive lock, first replays what
    /// other processes appended, then asks `make` for the records (so it
    /// decides on current data), appends them with one write, fsyncs, and
    /// replays them. Returns what `make` returned besides the records.
    pub fn transact<T>(
        &mut self,
        make: impl FnOnce(&Journal) -> Result<(Vec<Record>, T)>,
    ) -> Result<T> {
        if self.read_only {
            return Err(Error::invalid(format!(
                "internal error: {} was opened for reading and cannot be written",
                self.path.display()
            )));
        }
        let lock = self.lock_file()?;
        lock.lock().map_err(|e| {
            Error::invalid(format!(
                "cannot lock {}: {e}; is the project on a file system without locks?",
                self.lock_path.display()
            ))
        })?;
        super::check_regular(&self.path)?;
        let mut existing = match OpenOptions::new().read(true).append(true).open(&self.path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        if let Some(f) = &existing {
            let kind = f.metadata().at(&self.path)?.file_type();
            if !kind.is_file() {
                return Err(super::not_regular(&self.path, kind));
            }
        }
        if let Some(f) = existing.as_mut() {
            self.catch_up(f)?;
            if let Some((at, line)) = self.torn.take() {
                self.set_aside(f, at, line)?;
            }
        }
        let (records, out) = make(self)?;
        if records.is_empty() {
            return Ok(out);
        }
        let created = existing.is_none();
        let mut f = if let Some(f) = existing {
            f
        } else {
            if let Some(dir) = self.path.parent() {
                crate::fsio::create_dirs(dir)?;
            }
            let f = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(&self.path)
                .at(&self.path)?;
            sync_dir(self.path.parent().unwrap_or(Path::new(".")))?;
            f
        };
        let mut buf = encode(&records)?;
        if std::mem::take(&mut self.unterminated) {
            // End the last record's line before this write's first.
            buf.insert(0, b'\n');
        }
        if let Err(e) = f.write_all(&buf).and_then(|()| f.sync_data()) {
            if created {
                // Leave nothing behind: an empty journal would count as a
                // coder. Only this process wrote to it (under the lock).
                drop(f);
                let _ = std::fs::remove_file(&self.path);
                let _ = sync_dir(self.path.parent().unwrap_or(Path::new(".")));
            }
            return Err(Error::io(&self.path, e));
        }
        self.catch_up(&mut f)?;
        Ok(out)
    }

    /// Opens (creating) the lock file.
    pub(super) fn lock_file(&self) -> Result<File> {
        crate::fsio::open_lock_file(&self.lock_path)
    }

    /// Moves a torn tail to `CODER.torn` and cuts it from the journal.
    fn set_aside(&mut self, f: &mut File, at: u64, line: usize) -> Result<()> {
        f.seek(SeekFrom::Start(at)).at(&self.path)?;
        let torn = self.torn_path();
        crate::fsio::refuse_unless_regular(
            &torn,
            "the file of set-aside journal tails",
            "Move it out of the project",
        )?;
        let mut out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&torn)
            .at(&torn)?;
        let head = format!(
            "# set aside from {} line {line} at {}\n",
            self.path.file_name().unwrap_or_default().to_string_lossy(),
            crate::ids::now_rfc3339()
        );
        out.write_all(head.as_bytes()).at(&torn)?;
        // Copied in pieces: a torn tail can be as long as the file.
        std::io::copy(f, &mut out).at(&torn)?;
        out.write_all(b"\n").at(&torn)?;
        out.sync_all().at(&torn)?;
        sync_dir(torn.parent().unwrap_or(Path::new(".")))?;
        f.set_len(at).at(&self.path)?;
        f.sync_all().at(&self.path)?;
        Ok(())
    }
}
