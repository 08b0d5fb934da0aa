//! Codebook changes: add, rename, move, merge, delete. Each reads the
//! codebook under its lock, changes it, saves it and returns what changed;
//! deleting a code that codings use needs `force` and removes those
//! codings from every coder's journal.

use super::Session;
use crate::codebook::{Code, Codebook};
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::ops;

/// A code's path before and after a rename or a move.
#[derive(Debug, Clone)]
pub struct CodebookChange {
    /// `renamed` or `moved`.
    pub action: &'static str,
    pub old_path: String,
    pub new_path: String,
}

impl CodebookChange {
    /// What happened, as both front ends say it.
    pub fn describe(&self) -> String {
        format!(
            "{} {} to {}; its codings follow",
            self.action, self.old_path, self.new_path
        )
    }
}

impl Merged {
    /// What happened, as both front ends say it.
    pub fn describe(&self) -> String {
        format!(
            "merged {} into {}: {} coding(s) now count as {}",
            self.gone.path, self.kept.path, self.codings, self.kept.path
        )
    }
}

impl Deleted {
    /// What happened, as both front ends say it.
    pub fn describe(&self) -> String {
        if self.codings > 0 {
            format!(
                "deleted {} and removed its {} coding(s)",
                self.code.path, self.codings
            )
        } else {
            format!("deleted {}", self.code.path)
        }
    }
}

/// What a merge did.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The code merged away (now an alias of `kept`).
    pub gone: Code,
    pub kept: Code,
    /// Codings (all coders) that now count as `kept`.
    pub codings: usize,
}

/// What a delete did.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub code: Code,
    /// Codings removed with it (all coders).
    pub codings: usize,
}

impl Session {
    /// Runs `change` on the codebook under its lock and saves it; the
    /// session's copy is the saved one afterwards.
    fn change_codebook<T>(
        &mut self,
        change: impl FnOnce(&mut Codebook, &Session) -> Result<T>,
    ) -> Result<T> {
        let _lock = self.project.codebook_lock()?;
        let mut book = self.project.codebook()?;
        let out = change(&mut book, self)?;
        book.save()?;
        self.book = Some(book);
        Ok(out)
    }

    /// Adds a code (`parent/child` paths add under a parent).
    pub fn add_code(
        &mut self,
        path: &str,
        description: &str,
        key: Option<char>,
        color: Option<&str>,
    ) -> Result<Code> {
        self.change_codebook(|book, _| book.add(path, description, key, color).cloned())
    }

    /// Renames a code; its codings follow (they name its id).
    pub fn rename_code(&mut self, code: &str, new_name: &str) -> Result<CodebookChange> {
        self.change_codebook(|book, _| {
            let (old_path, new_path) = book.rename(code, new_name)?;
            Ok(CodebookChange {
                action: "renamed",
                old_path,
                new_path,
            })
        })
    }

    /// Moves a code under `parent` (`None`: to the root).
    pub fn move_code(&mut self, code: &str, parent: Option<&str>) -> Result<CodebookChange> {
        self.change_codebook(|book, _| {
            let (old_path, new_path) = book.move_to(code, parent)?;
            Ok(CodebookChange {
                action: "moved",
                old_path,
                new_path,
            })
        })
    }

    /// Merges `from` into `into`: `from`'s id becomes an alias of `into`,
    /// so its codings count as `into`.
    pub fn merge_codes(&mut self, from: &str, into: &str) -> Result<Merged> {
        self.change_codebook(|book, session| {
            let ids = ids_of(book.resolve(from)?);
            let codings = codings_using(&session.project.journals()?, &ids)
                .iter()
                .map(|(_, v)| v.len())
                .sum();
            let (gone, kept) = book.merge(from, into)?;
            Ok(Merged {
                gone: gone.clone(),
                kept: kept.clone(),
                codings,
            })
        })
    }

    /// Deletes a code. Codings that use it make this an error naming how
    /// many each coder has, unless `force`, which removes them too.
    pub fn delete_code(&mut self, code: &str, force: bool) -> Result<Deleted> {
        let out = self.change_codebook(|book, session| {
            let c = book.resolve(code)?.clone();
            let ids = ids_of(&c);
            let mut journals = session.project.journals()?;
            let using = codings_using(&journals, &ids);
            let n: usize = using.iter().map(|(_, v)| v.len()).sum();
            if n > 0 && !force {
                let who: Vec<String> = using
                    .iter()
                    .map(|(c, v)| format!("{c} {}", v.len()))
                    .collect();
                return Err(Error::invalid(format!(
                    "{n} coding(s) use {} ({}); merge it into another code (`motif codes merge {} OTHER`) or pass --force to delete them with it",
                    c.path,
                    who.join(", "),
                    c.path
                )));
            }
            book.delete(code)?;
            for (coder, ids) in &using {
                let j = journals
                    .iter_mut()
                    .find(|j| &j.coder == coder)
                    .expect("a coder with codings has a journal");
                ops::remove_ids(j, ids, false)?;
            }
            Ok(Deleted { code: c, codings: n })
        })?;
        // The acting coder's journal may have lost codings: read it anew.
        self.journal = None;
        Ok(out)
    }
}

/// A code's id with its aliases (ids merged into it).
fn ids_of(c: &Code) -> Vec<String> {
    let mut ids = vec![c.id.clone()];
    ids.extend(c.aliases.iter().cloned());
    ids
}

/// Each coder's codings that use any of `ids` (coders without any left
/// out).
fn codings_using(journals: &[Journal], ids: &[String]) -> Vec<(String, Vec<String>)> {
    journals
        .iter()
        .map(|j| {
            let mine = j
                .codings()
                .into_iter()
                .filter(|c| ids.iter().any(|i| *i == c.code))
                .map(|c| c.id.to_string())
                .collect();
            (j.coder.clone(), mine)
        })
        .filter(|(_, v): &(String, Vec<String>)| !v.is_empty())
        .collect()
}
