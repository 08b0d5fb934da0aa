//! Keeping the loaded state in step with the disk: counts and progress,
//! the open transcript's placed codings (recomputed in full or updated by
//! difference after a keystroke), opening transcripts, noticing other
//! motif processes' writes (codings, the codebook, transcripts imported
//! or replaced), and the search index's background update.

use std::collections::HashMap;
use std::time::SystemTime;

use motif_core::project::Project;
use motif_core::segments::{Filter, place_all};
use motif_core::stats;

use super::app::{App, IndexState, ViewSeg};
use super::textview::Scroll;

/// A transcript file as last seen: id, size, time of change.
pub type FileStamp = (String, u64, Option<SystemTime>);

impl App {
    /// Recomputes counts, progress and the open transcript's segments.
    pub fn recount(&mut self) {
        let filter = Filter {
            coders: self.shown_coders(),
            ..Filter::default()
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let mut counts = vec![0; self.book.len()];
        let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for s in &segs {
            counts[s.code_pos] += 1;
            spans
                .entry(s.coding.transcript.as_str())
                .or_default()
                .push((s.start, s.end));
        }
        let progress = self
            .texts
            .values()
            .map(|t| {
                let list = spans.remove(t.id.as_str()).unwrap_or_default();
                (t.id.clone(), stats::coded_fraction(t.char_len(), list))
            })
            .collect();
        self.counts = counts;
        self.progress = progress;
        self.refresh_view_segments();
        // Our own writes are not news from another process.
        self.remember_sizes();
    }

    /// After a change to the open transcript's codings only: updates its
    /// segments, its progress and the code counts by difference, without
    /// recounting the whole project.
    pub(super) fn refresh_current(&mut self) {
        let before: Vec<usize> = self.segs.iter().map(|s| s.code_pos).collect();
        self.refresh_view_segments();
        for p in before {
            if let Some(c) = self.counts.get_mut(p) {
                *c = c.saturating_sub(1);
            }
        }
        for s in &self.segs {
            if let Some(c) = self.counts.get_mut(s.code_pos) {
                *c += 1;
            }
        }
        self.update_progress();
        self.remember_sizes();
    }

    /// The open transcript's coding progress, from its segments.
    fn update_progress(&mut self) {
        if let Some(t) = self.transcript() {
            let spans = self.segs.iter().map(|s| s.chars).collect();
            let f = stats::coded_fraction(t.char_len(), spans);
            let id = t.id.clone();
            self.progress.insert(id, f);
        }
    }

    /// After codings were added to the open transcript by this coder: adds
    /// them to its segments, counts and progress without placing every
    /// coding again (a keystroke must redraw in a few milliseconds even
    /// with thousands of codings on the transcript).
    pub(super) fn add_to_view(&mut self, added: &[motif_core::journal::Coding]) {
        let Some(t) = self.transcript() else { return };
        let mut new = Vec::new();
        for c in added
            .iter()
            .filter(|c| self.current.as_deref() == Some(&*c.transcript))
        {
            let (Some((a, b)), Some(pos)) =
                (t.byte_range(c.start, c.end), self.book.position(&c.code))
            else {
                continue;
            };
            new.push(ViewSeg {
                start: a,
                end: b,
                chars: (c.start, c.end),
                code_pos: pos,
                coder: c.coder.to_string(),
                id: c.id.to_string(),
                memo: c.memo.is_some(),
                mine: c.coder == self.coder,
            });
        }
        for s in new {
            if let Some(n) = self.counts.get_mut(s.code_pos) {
                *n += 1;
            }
            let at = self
                .segs
                .partition_point(|x| (x.start, x.end, x.code_pos) <= (s.start, s.end, s.code_pos));
            self.segs.insert(at, s);
        }
        self.update_progress();
        self.remember_sizes();
    }

    /// Places the open transcript's codings.
    fn refresh_view_segments(&mut self) {
        let Some(id) = self.current.clone() else {
            self.segs.clear();
            return;
        };
        let filter = Filter {
            coders: self.shown_coders(),
            transcripts: vec![id.clone()],
            codes: Vec::new(),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let t = &self.texts[&id];
        let mut out: Vec<ViewSeg> = segs
            .iter()
            .filter_map(|s| {
                let (a, b) = t.byte_range(s.start, s.end)?;
                Some(ViewSeg {
                    start: a,
                    end: b,
                    chars: (s.start, s.end),
                    code_pos: s.code_pos,
                    coder: s.coding.coder.to_string(),
                    id: s.coding.id.to_string(),
                    memo: s.coding.memo.is_some(),
                    mine: s.coding.coder == self.coder,
                })
            })
            .collect();
        out.sort_by_key(|s| (s.start, s.end, s.code_pos));
        self.segs = out;
    }

    /// Opens a transcript by id.
    pub fn open(&mut self, id: &str) -> bool {
        if !self.texts.contains_key(id) {
            self.error(&format!(
                "no transcript `{id}`; the list on the left shows them"
            ));
            return false;
        }
        if self.current.as_deref() != Some(id) {
            self.current = Some(id.to_owned());
            let t = &self.texts[id];
            self.current_words = t.words();
            self.current_speakers = t.speakers();
            self.cursor = 0;
            self.scroll = Scroll::default();
            self.selection = None;
            self.refresh_view_segments();
            self.refresh_highlights();
        }
        if let Some(i) = self.ids.iter().position(|x| x == id) {
            self.list_sel = i;
        }
        true
    }

    /// Notes the journals' and codebook's sizes on disk.
    pub(super) fn remember_sizes(&mut self) {
        self.seen_sizes = self
            .project
            .coders()
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let size = std::fs::metadata(self.project.journal_path(&c)).map_or(0, |m| m.len());
                (c, size)
            })
            .collect();
        let book = std::fs::metadata(self.project.codebook_path()).map_or(0, |m| m.len());
        self.seen_sizes.push(("\u{0}codebook".into(), book));
    }

    /// Reloads journals and the codebook if another process changed them,
    /// and the transcripts if one was imported, replaced or removed;
    /// returns whether anything changed.
    pub fn poll_changes(&mut self) -> bool {
        let transcripts = self.transcript_stamps();
        if transcripts != self.seen_transcripts {
            let before = self.seen_transcripts.clone();
            self.seen_transcripts = transcripts;
            self.reload_transcripts(&before);
            return true;
        }
        let before = self.seen_sizes.clone();
        self.remember_sizes();
        if before == self.seen_sizes {
            return false;
        }
        self.reload();
        if !self.status.error {
            self.say("codings changed on disk: reloaded");
        }
        true
    }

    /// Every transcript file's id, size and time of change.
    pub(super) fn transcript_stamps(&self) -> Vec<FileStamp> {
        self.project
            .transcript_files()
            .unwrap_or_default()
            .into_iter()
            .map(|(id, path)| {
                let meta = std::fs::metadata(&path).ok();
                let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
                (id, size, meta.and_then(|m| m.modified().ok()))
            })
            .collect()
    }

    /// Reads the transcripts that are new or changed since `before` (with
    /// the project opened again, for the readings their import recorded),
    /// drops the removed ones, and reloads the attributes; the search
    /// index catches up in the background.
    fn reload_transcripts(&mut self, before: &[FileStamp]) {
        let project = match Project::open(&self.project.root) {
            Ok(p) => p,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        };
        let mut added = 0;
        let mut problems = Vec::new();
        for stamp in &self.seen_transcripts {
            if before.contains(stamp) {
                continue;
            }
            match project.transcript(&stamp.0) {
                Ok(t) => {
                    if !self.texts.contains_key(&stamp.0) {
                        added += 1;
                    }
                    self.texts.insert(stamp.0.clone(), t);
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        let now: std::collections::HashSet<&str> =
            self.seen_transcripts.iter().map(|s| s.0.as_str()).collect();
        self.texts.retain(|id, _| now.contains(id.as_str()));
        self.ids = self.texts.keys().cloned().collect();
        if let Ok(a) = project.attributes() {
            self.attributes = a;
        }
        self.project = project;
        let open = self.current.clone();
        match open {
            Some(id) if !self.texts.contains_key(&id) => {
                self.current = None;
                if let Some(first) = self.ids.first().cloned() {
                    self.open(&first);
                }
            }
            Some(id) => {
                // The open one may have been replaced: its words, turns
                // and cursor again.
                let t = &self.texts[&id];
                self.current_words = t.words();
                self.current_speakers = t.speakers();
                let cursor = self.cursor.min(t.text.len());
                let cursor = (0..=cursor)
                    .rev()
                    .find(|&b| t.text.is_char_boundary(b))
                    .unwrap_or(0);
                self.cursor = cursor;
                self.selection = None;
                self.move_to(cursor);
            }
            None => {
                if let Some(first) = self.ids.first().cloned() {
                    self.open(&first);
                }
            }
        }
        // Codings re-placed on the new texts, counts and progress again.
        self.reload();
        self.refresh_highlights();
        self.list_sel = self
            .current
            .as_ref()
            .and_then(|c| self.ids.iter().position(|x| x == c))
            .unwrap_or(0)
            .min(self.ids.len().saturating_sub(1));
        if let Some(p) = problems.first() {
            self.error(&format!(
                "{} transcript(s) could not be read: {p}",
                problems.len()
            ));
        } else if added > 0 {
            self.say(&format!(
                "{added} new transcript(s) imported elsewhere: in the list"
            ));
        } else if !self.status.error {
            self.say("transcripts changed on disk: reloaded");
        }
        self.update_index_in_background();
    }

    /// Reloads codings and the codebook from disk.
    pub fn reload(&mut self) {
        match self.project.codebook() {
            Ok(b) => self.book = b,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        }
        let mut journals = match self.project.journals() {
            Ok(j) => j,
            Err(e) => {
                self.error(&e.to_string());
                return;
            }
        };
        if !journals.iter().any(|j| j.coder == self.coder) {
            match self.project.journal(&self.coder) {
                Ok(j) => journals.push(j),
                Err(e) => {
                    self.error(&e.to_string());
                    return;
                }
            }
        }
        self.journals = journals;
        self.code_sel = self.code_sel.min(self.book.len().saturating_sub(1));
        self.remember_sizes();
        self.recount();
    }

    /// Brings the search index up to date on another thread; the state
    /// shows in the title bar and typing never waits for it.
    pub fn update_index_in_background(&mut self) {
        let project = self.project.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.index = IndexState::Updating;
        self.index_rx = Some(rx);
        std::thread::spawn(move || {
            let result = motif_core::search::SearchIndex::open(&project, &mut |_, _, _| {})
                .map(|(_, report)| report.notices.join("; "))
                .map_err(|e| e.to_string());
            let _ = tx.send(result);
        });
    }

    /// Notices the end of a background index update; true when it ended.
    pub fn poll_index(&mut self) -> bool {
        let Some(rx) = &self.index_rx else {
            return false;
        };
        match rx.try_recv() {
            Ok(Ok(notes)) => {
                self.index = IndexState::Ready;
                self.index_rx = None;
                // The title bar shows the index state; a notice never hides
                // what the researcher just did.
                if !notes.is_empty() && self.status.text.is_empty() {
                    self.say(&notes);
                }
                true
            }
            Ok(Err(e)) => {
                self.index = IndexState::Failed(e.clone());
                self.index_rx = None;
                self.error(&format!("search index: {e}"));
                true
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.index = IndexState::Failed("the index update stopped".into());
                self.index_rx = None;
                true
            }
        }
    }
}
