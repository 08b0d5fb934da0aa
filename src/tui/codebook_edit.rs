//! Codebook changes from the TUI (`:codes add|rename|move|merge|delete`
//! and the picker's `+ create`), through the core's `Codebook` methods
//! under the codebook lock, as `motif codes …` makes them; saved at once.

use motif_core::codebook::Codebook;
use motif_core::journal::Journal;
use motif_core::ops;
use motif_core::project::Project;

use super::app::App;

/// What a codebook change reports, and whether codings changed with it.
struct Changed {
    message: String,
    codings: bool,
}

impl Changed {
    fn book(message: String) -> Changed {
        Changed {
            message,
            codings: false,
        }
    }
}

/// The codings of each coder that use one of `ids`: (coder, coding ids).
fn codings_using(journals: &[Journal], ids: &[String]) -> Vec<(String, Vec<String>)> {
    journals
        .iter()
        .map(|j| {
            let ids: Vec<String> = j
                .codings()
                .into_iter()
                .filter(|c| ids.iter().any(|i| *i == c.code))
                .map(|c| c.id.to_string())
                .collect();
            (j.coder.clone(), ids)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// A code's id with its aliases (the ids its codings may carry).
fn ids_of(book: &Codebook, spec: &str) -> motif_core::Result<Vec<String>> {
    let c = book.resolve(spec)?;
    let mut ids = vec![c.id.clone()];
    ids.extend(c.aliases.iter().cloned());
    Ok(ids)
}

impl App {
    /// Changes the codebook on disk under its lock, then shows the result.
    fn change_codebook(
        &mut self,
        change: impl FnOnce(&mut Codebook, &Project) -> motif_core::Result<Changed>,
    ) -> bool {
        let result = (|| {
            let _lock = self.project.codebook_lock()?;
            let mut book = self.project.codebook()?;
            let changed = change(&mut book, &self.project)?;
            book.save()?;
            Ok::<_, motif_core::Error>((book, changed))
        })();
        match result {
            Ok((book, changed)) => {
                if changed.codings {
                    self.reload();
                } else {
                    self.book = book;
                    self.recount();
                }
                self.say(&changed.message);
                true
            }
            Err(e) => {
                self.error(&e.to_string());
                false
            }
        }
    }

    /// Adds a code to the codebook (saved at once); returns its id.
    pub fn add_code(&mut self, path: &str) -> Option<String> {
        let mut id = None;
        let ok = self.change_codebook(|book, _| {
            let c = book.add(path, "", None, None)?;
            id = Some(c.id.clone());
            Ok(Changed::book(format!(
                "added code {} (give it a definition in the codebook file)",
                c.path
            )))
        });
        if ok { id } else { None }
    }

    /// Renames a code; its codings follow.
    pub fn rename_code(&mut self, spec: &str, new_name: &str) {
        self.change_codebook(|book, _| {
            let (old, new) = book.rename(spec, new_name)?;
            Ok(Changed::book(format!(
                "renamed {old} to {new}; its codings follow"
            )))
        });
    }

    /// Moves a code under another (`None`: to the top level).
    pub fn move_code(&mut self, spec: &str, parent: Option<&str>) {
        self.change_codebook(|book, _| {
            let (old, new) = book.move_to(spec, parent)?;
            Ok(Changed::book(format!(
                "moved {old} to {new}; its codings follow"
            )))
        });
    }

    /// Merges a code into another; its codings count as the other.
    pub fn merge_code(&mut self, from: &str, into: &str) {
        self.change_codebook(|book, project| {
            let ids = ids_of(book, from)?;
            let n: usize = codings_using(&project.journals()?, &ids)
                .iter()
                .map(|(_, v)| v.len())
                .sum();
            let (gone, kept) = book.merge(from, into)?;
            Ok(Changed::book(format!(
                "merged {} into {}: {n} coding(s) now count as {}",
                gone.path, kept.path, kept.path
            )))
        });
    }

    /// Deletes a code; with `force`, its codings (every coder's) too.
    pub fn delete_code(&mut self, spec: &str, force: bool) {
        self.change_codebook(|book, project| {
            let path = book.resolve(spec)?.path.clone();
            let ids = ids_of(book, spec)?;
            let mut journals = project.journals()?;
            let using = codings_using(&journals, &ids);
            let n: usize = using.iter().map(|(_, v)| v.len()).sum();
            if n > 0 && !force {
                let who: Vec<String> = using
                    .iter()
                    .map(|(c, v)| format!("{c} {}", v.len()))
                    .collect();
                return Err(motif_core::Error::invalid(format!(
                    "{n} coding(s) use {path} ({}); merge it into another code (:codes merge {path} OTHER) or add --force to delete them with it",
                    who.join(", ")
                )));
            }
            book.delete(spec)?;
            for (coder, ids) in &using {
                if let Some(j) = journals.iter_mut().find(|j| &j.coder == coder) {
                    ops::remove_ids(j, ids, false)?;
                }
            }
            Ok(Changed {
                message: if n > 0 {
                    format!("deleted {path} and removed its {n} coding(s)")
                } else {
                    format!("deleted {path}")
                },
                codings: n > 0,
            })
        });
    }
}
