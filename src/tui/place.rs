//! Memory of place: where each coder was when motif closed (the open
//! transcript, the cursor, the top line of the view), kept in the derived
//! folder as `.motif/place/CODER.json` and restored when motif opens
//! again. Derived data: written atomically through `motif_core::fsio`, and
//! a missing, damaged or refused file only means starting at the first
//! transcript. Offsets in the file are code points.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use motif_core::fsio;

use super::app::App;
use super::textview::{self, Scroll};

/// The largest place file read (a few dozen bytes are written).
const MAX_PLACE_BYTES: u64 = 64 << 10;

/// Where a coder was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The open transcript's id.
    pub transcript: String,
    /// The cursor, in code points.
    pub cursor: usize,
    /// The first line of the view, 0-based.
    pub top_line: usize,
}

impl App {
    /// The coder's place file.
    pub fn place_path(&self) -> PathBuf {
        self.project
            .derived_dir()
            .join("place")
            .join(format!("{}.json", self.coder))
    }

    /// Where the coder is now (`None` with no transcript open).
    pub fn place(&self) -> Option<Place> {
        let t = self.transcript()?;
        Some(Place {
            transcript: t.id.clone(),
            cursor: t.char_at(self.cursor),
            top_line: self.scroll.line,
        })
    }

    /// Writes the coder's place (atomically); nothing when no transcript
    /// is open or the file may not be written (a link leading out of the
    /// project, a folder in its way).
    pub fn save_place(&self) -> motif_core::Result<()> {
        let Some(place) = self.place() else {
            return Ok(());
        };
        let path = self.place_path();
        fsio::check_project_file(&self.project.root, &path, "the TUI's last place")?;
        fsio::create_dirs(path.parent().expect("a folder"))?;
        let json =
            serde_json::to_vec(&place).map_err(|e| motif_core::Error::invalid(e.to_string()))?;
        fsio::atomic_write(&path, &json)
    }

    /// Reopens the coder's last transcript at the last position, if the
    /// place file is there, readable and names a transcript that still
    /// exists; returns whether it did. A position past a shortened
    /// transcript's end goes to its end.
    pub fn restore_place(&mut self) -> bool {
        let path = self.place_path();
        let Ok(Some(bytes)) = fsio::read_project_file(
            &self.project.root,
            &path,
            "the TUI's last place",
            MAX_PLACE_BYTES,
        ) else {
            return false;
        };
        let Ok(place) = serde_json::from_slice::<Place>(&bytes) else {
            return false;
        };
        if !self.texts.contains_key(&place.transcript) || !self.open(&place.transcript) {
            return false;
        }
        let t = &self.texts[&place.transcript];
        let cursor = t
            .index
            .char_to_byte(&t.text, place.cursor.min(t.char_len()))
            .unwrap_or(0);
        let top = place.top_line.min(t.index.line_count().saturating_sub(1));
        let cursor = if cursor >= t.text.len() && cursor > 0 {
            textview::prev_char(&t.text, cursor)
        } else {
            cursor
        };
        self.scroll = Scroll { line: top, row: 0 };
        self.move_to(cursor);
        true
    }
}
