//! Getting quotes back: jumps that centre their target, a code's quote
//! list, search by words or by regular expression (with the reason when
//! nothing is found), similar passages, stepping through the last list's
//! items with `n`/`N` from the transcript view, reopening that list, and
//! the matches of the last search highlighted in the text.

use std::collections::HashMap;

use motif_core::search::{Request, Results, SearchFilter};
use motif_core::segments::{Filter, place_all};
use motif_core::text::one_line;

use super::app::{App, Pane};
use super::keymap::{Action, Context};
use super::popup::list::{ListKind, hit_item, segment_item};
use super::popup::{ListItem, ListPopup, Popup};

/// What the last search found, for highlighting in the text.
#[derive(Debug, Clone, Default)]
pub struct Highlights {
    /// Matches by transcript, code points.
    pub by_transcript: HashMap<String, Vec<(usize, usize)>>,
    /// The open transcript's matches, bytes, sorted.
    pub here: Vec<(usize, usize)>,
}

impl App {
    /// Opens a list item's passage with the cursor at its start, in the
    /// middle of the view.
    pub fn jump_to(&mut self, item: &ListItem) {
        if self.open(&item.transcript) {
            let t = &self.texts[&item.transcript];
            if let Some((a, _)) = t.byte_range(item.start, item.end) {
                self.focus = Pane::Text;
                self.selection = None;
                self.jump_cursor(a);
            }
        }
    }

    /// After a jump from a list: `n`/`N` step through the items it shows
    /// and the reopen key brings it back at the item stepped to.
    pub fn keep_list(&mut self, list: &ListPopup) {
        self.hits = list.shown_items();
        self.hit = list.selected;
        self.hits_kind = list.kind;
        let mut kept = list.clone();
        kept.back = None;
        kept.confirm_code_all = false;
        self.last_list = Some(kept);
    }

    /// Reopens the last list at the item last jumped or stepped to.
    pub fn reopen_list(&mut self) {
        match self.last_list.clone() {
            Some(mut list) => {
                list.selected = self.hit.min(list.shown.len().saturating_sub(1));
                self.popup = Popup::List(list);
            }
            None => self
                .error("no list yet: enter on a code in the codebook lists its quotes, / searches"),
        }
    }

    /// Lists every quote of the code under the codebook cursor (with its
    /// subcodes) across interviews.
    pub fn show_code_segments(&mut self) {
        let Some(code) = self.book.codes().get(self.code_sel).cloned() else {
            return;
        };
        let filter = Filter {
            coders: self.shown_coders(),
            transcripts: Vec::new(),
            codes: self.book.subtree_ids(&code.id),
        };
        let (segs, _) = place_all(&self.journals, &self.texts, &self.book, &filter);
        let items: Vec<ListItem> = segs.iter().map(|s| segment_item(&self.texts, s)).collect();
        self.say(&format!(
            "{} quote(s) of {} · after a jump n/N step, {} lists again",
            items.len(),
            code.path,
            one_line(self.keymap.first_key(Context::Global, Action::ReopenList))
        ));
        let list = ListPopup::new(format!("quotes of {}", code.path), items, false);
        self.popup = Popup::List(list);
    }

    /// Searches every interview by words (the project's search index:
    /// words, "phrases", prefix*, fuzzy~1, AND/OR/NOT) and lists the
    /// passages.
    pub fn search(&mut self, query: &str) {
        self.search_by(query, false);
    }

    /// Searches by words or, with `regex`, by a regular expression (as
    /// `motif search --regex`), and lists the passages with their matches.
    pub fn search_by(&mut self, query: &str, regex: bool) {
        if query.trim().is_empty() {
            return;
        }
        self.search_regex = regex;
        let results = if regex {
            motif_core::search::regex_search_project(
                &self.project,
                query,
                &SearchFilter::default(),
                Some(self.search_limit),
            )
            .map(|(r, _)| r)
        } else {
            self.word_search(query)
        };
        match results {
            Ok(r) => self.list_hits(r, query, regex),
            Err(e) => self.error(&e.to_string()),
        }
    }

    fn word_search(&self, query: &str) -> motif_core::Result<Results> {
        let req = Request {
            query: query.to_owned(),
            lenient: true,
            limit: Some(self.search_limit),
            ..Request::default()
        };
        motif_core::search::search_project(&self.project, &req, &mut |_, _, _| {}).map(|(r, _)| r)
    }

    /// Opens the list of a search's hits (or says why there are none).
    fn list_hits(&mut self, results: Results, query: &str, regex: bool) {
        self.hit_passages = results
            .hits
            .iter()
            .map(|h| (h.transcript.clone(), h.start, h.end))
            .collect();
        let mut by_transcript: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for h in &results.hits {
            by_transcript
                .entry(h.transcript.clone())
                .or_default()
                .extend(&h.matches);
        }
        self.highlights.by_transcript = by_transcript;
        self.refresh_highlights();
        let items: Vec<ListItem> = results
            .hits
            .into_iter()
            .map(|h| {
                let span = h.matches.first().copied().unwrap_or((h.start, h.end));
                hit_item(h, span)
            })
            .collect();
        let what = if regex { "regex" } else { "search" };
        let mut list = ListPopup::new(format!("{what}: {query}"), items, true);
        list.matched = results.total;
        self.keep_list(&list);
        if results.total == 0 {
            let why = self.why_nothing(query, regex);
            self.error(&why);
            return;
        }
        let more = if results.total > list.items.len() {
            format!(" (first {})", list.items.len())
        } else {
            String::new()
        };
        self.say(&format!(
            "{} passage(s) match `{}`{more} · enter jumps · n/N step",
            results.total,
            one_line(query)
        ));
        self.popup = Popup::List(list);
    }

    /// Why a search found nothing, and what to try.
    fn why_nothing(&self, query: &str, regex: bool) -> String {
        let q = one_line(query);
        let found = |r: motif_core::Result<Results>| r.map_or(0, |r| r.total);
        if regex {
            let folded = format!("(?i){query}");
            let n = found(
                motif_core::search::regex_search_project(
                    &self.project,
                    &folded,
                    &SearchFilter::default(),
                    Some(1),
                )
                .map(|(r, _)| r),
            );
            if n > 0 {
                return format!(
                    "no passage matches /{q}/ as written, but some do ignoring case: \
                     search for (?i){q}"
                );
            }
            return format!(
                "no passage matches /{q}/: a regular expression matches the text as \
                 written, case and accents included; . does not cross a line break"
            );
        }
        let toggle = one_line(self.keymap.first_key(Context::Search, Action::ToggleRegex));
        if looks_like_regex(query) {
            return format!(
                "no passage has the words of `{q}`; it looks like a regular expression: \
                 press {toggle} in the / prompt to search by regex"
            );
        }
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.len() > 1 {
            let alone: Vec<String> = words
                .iter()
                .map(|w| format!("`{}` {}", one_line(w), found(self.word_search(w))))
                .collect();
            return format!(
                "no passage has all of `{q}` (passages with each word alone: {}); \
                 OR finds either",
                alone.join(", ")
            );
        }
        format!(
            "no passage has the word `{q}` (whole words, stemmed): {q}* finds words \
             starting with it, {q}~1 near spellings, {toggle} in the / prompt a regex"
        )
    }

    /// Lists the passages most like the selection, across every interview.
    pub fn similar(&mut self) {
        let Some((s, e)) = self.selection_range() else {
            self.error("select a passage first");
            return;
        };
        let Some(t) = self.transcript().cloned() else {
            return;
        };
        let (start, end) = (t.char_at(s), t.char_at(e));
        let scope = SearchFilter::default();
        match motif_core::search::similar_project(
            &self.project,
            &t,
            start,
            end,
            &scope,
            Some(50),
            &mut |_, _, _| {},
        ) {
            Ok((results, _)) => {
                self.hit_passages = results
                    .hits
                    .iter()
                    .map(|h| (h.transcript.clone(), h.start, h.end))
                    .collect();
                let items: Vec<ListItem> = results
                    .hits
                    .into_iter()
                    .map(|h| {
                        let span = (h.start, h.end);
                        hit_item(h, span)
                    })
                    .collect();
                self.say(&format!(
                    "{} similar passage(s) · enter jumps · a codes them all",
                    items.len()
                ));
                let list = ListPopup::new("similar passages".into(), items, true);
                self.keep_list(&list);
                self.popup = Popup::List(list);
            }
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Jumps to the next (or previous) item of the last list: a search
    /// hit or a quote.
    pub fn step_hit(&mut self, forward: bool) {
        if self.hits.is_empty() {
            self.error("nothing to step through: / searches, enter on a code lists its quotes");
            return;
        }
        self.hit = if forward {
            (self.hit + 1) % self.hits.len()
        } else {
            (self.hit + self.hits.len() - 1) % self.hits.len()
        };
        let item = self.hits[self.hit].clone();
        self.jump_to(&item);
        if let Some(list) = &mut self.last_list {
            list.selected = self.hit;
        }
        let noun = if self.hits_kind == ListKind::Quotes {
            "quote"
        } else {
            "hit"
        };
        let label = if self.hits_kind == ListKind::Quotes {
            format!(" · {}", item.label)
        } else {
            String::new()
        };
        self.say(&format!(
            "{noun} {} of {}{label} · n/N step · {} lists",
            self.hit + 1,
            self.hits.len(),
            one_line(self.keymap.first_key(Context::Global, Action::ReopenList))
        ));
    }

    /// The open transcript's matches of the last search, in bytes.
    pub(super) fn refresh_highlights(&mut self) {
        let spans = self
            .current
            .as_ref()
            .and_then(|id| Some((self.texts.get(id)?, self.highlights.by_transcript.get(id)?)))
            .map(|(t, ms)| {
                let mut out: Vec<(usize, usize)> =
                    ms.iter().filter_map(|&(a, b)| t.byte_range(a, b)).collect();
                out.sort_unstable();
                out
            })
            .unwrap_or_default();
        self.highlights.here = spans;
    }
}

/// Whether a word query reads like a regular expression (`colab.*notebook`).
fn looks_like_regex(q: &str) -> bool {
    [".*", ".+", "\\", "[", "^", "$", "|", "(?"]
        .iter()
        .any(|p| q.contains(p))
}
