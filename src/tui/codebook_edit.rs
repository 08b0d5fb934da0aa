//! Codebook changes from the TUI (`:codes add|rename|move|merge|delete`
//! and the picker's `+ create`): the same [`Session`] calls `motif codes …`
//! makes (under the codebook lock, saved at once); this only reloads what
//! the screen shows and says what changed.

use motif_core::session::{CodebookChange, Deleted, Merged, Session};

use super::app::App;

impl App {
    /// Runs one codebook change through a session of this coder, then
    /// shows the result; `codings` says whether codings changed with it
    /// (the journals are read again).
    fn change_codebook<T>(
        &mut self,
        change: impl FnOnce(&mut Session) -> motif_core::Result<T>,
        message: impl FnOnce(&T) -> String,
        codings: impl FnOnce(&T) -> bool,
    ) -> Option<T> {
        let mut session = Session::new(self.project.clone(), Some(self.coder.clone()));
        match change(&mut session) {
            Ok(out) => {
                if codings(&out) {
                    self.reload();
                } else if let Ok(book) = session.codebook() {
                    self.book = book.clone();
                    self.recount();
                }
                self.say(&message(&out));
                Some(out)
            }
            Err(e) => {
                self.error(&e.to_string());
                None
            }
        }
    }

    /// Adds a code to the codebook (saved at once); returns its id.
    pub fn add_code(&mut self, path: &str) -> Option<String> {
        self.change_codebook(
            |s| s.add_code(path, "", None, None),
            |c| {
                format!(
                    "added code {} (give it a definition in the codebook file)",
                    c.path
                )
            },
            |_| false,
        )
        .map(|c| c.id)
    }

    /// Renames a code; its codings follow.
    pub fn rename_code(&mut self, spec: &str, new_name: &str) {
        self.change_codebook(
            |s| s.rename_code(spec, new_name),
            CodebookChange::describe,
            |_| false,
        );
    }

    /// Moves a code under another (`None`: to the top level).
    pub fn move_code(&mut self, spec: &str, parent: Option<&str>) {
        self.change_codebook(
            |s| s.move_code(spec, parent),
            CodebookChange::describe,
            |_| false,
        );
    }

    /// Merges a code into another; its codings count as the other.
    pub fn merge_code(&mut self, from: &str, into: &str) {
        self.change_codebook(|s| s.merge_codes(from, into), Merged::describe, |_| false);
    }

    /// Deletes a code; with `force`, its codings (every coder's) too.
    pub fn delete_code(&mut self, spec: &str, force: bool) {
        self.change_codebook(
            |s| s.delete_code(spec, force),
            Deleted::describe,
            |d| d.codings > 0,
        );
    }
}
