//! A one-line text input (picker query, `/` prompt, `:` command line):
//! typed characters go in at the cursor; the editing keys come from the
//! keymap's text-input context as named actions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Action;
use super::textview;

/// A line of text being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Cursor, in bytes.
    pub cursor: usize,
}

/// The character a key types, if it types one.
pub fn typed_char(ev: &KeyEvent) -> Option<char> {
    match ev.code {
        KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

impl LineInput {
    /// Types a character at the cursor.
    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    /// An editing action; false when it is not one.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::DeleteBack => {
                if self.cursor > 0 {
                    let p = textview::prev_char(&self.text, self.cursor);
                    self.text.replace_range(p..self.cursor, "");
                    self.cursor = p;
                }
            }
            Action::Left => self.cursor = textview::prev_char(&self.text, self.cursor),
            Action::Right => self.cursor = textview::next_char(&self.text, self.cursor),
            Action::LineStart => self.cursor = 0,
            Action::LineEnd => self.cursor = self.text.len(),
            _ => return false,
        }
        true
    }

    /// A key: an editing action, else a typed character; false when it
    /// was neither.
    pub fn key(&mut self, action: Option<Action>, ev: &KeyEvent) -> bool {
        if let Some(a) = action {
            return self.edit(a);
        }
        match typed_char(ev) {
            Some(c) => {
                self.insert(c);
                true
            }
            None => false,
        }
    }

    /// Replaces the text, cursor at the end.
    pub fn set(&mut self, s: &str) {
        s.clone_into(&mut self.text);
        self.cursor = self.text.len();
    }
}
