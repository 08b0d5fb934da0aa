//! A transcript: its normalized text, content hash, line and offset index,
//! and the speaker turns found in it.
//!
//! A turn starts at a line that begins with `NAME:`, optionally after a
//! timestamp (`[00:04:31]` or `00:04:31`); it runs until the next turn.
//! This is motif's canonical stored form: import rewrites vendor layouts
//! into it ([`crate::layouts`]). A label only counts as a speaker when the
//! text's structure supports it (see [`detect_turns`]), so a sentence like
//! `Honestly: no.` or a `NOTE:` in a narrative is not taken for a
//! speaker. Without any speakers, paragraphs (blocks separated by blank
//! lines) take the place of turns.
//!
//! Words and turns are counted here, once, for every command: the words
//! of a text are those of its turns' bodies (speaker labels and
//! timestamps are not words), and its turns are its speaker turns.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::cache::{Body, Reader, Writer};
use super::text::{TextIndex, word_count};

/// One speaker turn, or one paragraph when the transcript has no speakers.
/// Offsets are bytes into the transcript text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Option<String>,
    /// The timestamp as written (`00:04:31`).
    pub time: Option<String>,
    /// Start of the turn's first line.
    pub start: usize,
    /// Start of what was said, after the timestamp and speaker label.
    pub body_start: usize,
    /// End of the turn's last non-blank line.
    pub end: usize,
}

/// A loaded, normalized transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub id: String,
    pub text: String,
    /// Content hash (BLAKE3, hex) of the normalized text.
    pub hash: String,
    pub index: TextIndex,
    pub turns: Vec<Turn>,
    /// The project's earlier versions of transcripts, when loaded from a
    /// project: codings made on another version are carried through the
    /// edit ([`crate::reanchor`]); without it, placed by their quotes.
    pub history: Option<std::sync::Arc<crate::history::TextHistory>>,
}

static TURN_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^(?:\[?(\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]?[ \t]+)?(?:(\p{L}[\p{L}\p{M}\p{N} .'’_()/-]{0,39}?)[ \t]*:(?:[ \t]+|$))?",
    )
    .expect("turn regex")
});

impl Transcript {
    /// Builds a transcript from normalized text.
    pub fn new(id: impl Into<String>, text: String) -> Self {
        Transcript::with_cache(id, text, &MetaCache::default()).0
    }

    /// Builds a transcript, taking its index and turns from `cache` when it
    /// holds them for this exact text; the flag says whether it did.
    pub fn with_cache(id: impl Into<String>, text: String, cache: &MetaCache) -> (Self, bool) {
        let hash = content_hash(&text);
        Transcript::with_cache_and_hash(id, text, hash, cache)
    }

    /// [`Transcript::with_cache`] for a text whose content hash is known.
    pub fn with_cache_and_hash(
        id: impl Into<String>,
        text: String,
        hash: String,
        cache: &MetaCache,
    ) -> (Self, bool) {
        let cached = cache.entries.get(&hash).and_then(|range| {
            let mut r = Reader::new(cache.body.as_deref()?.get(range.clone())?);
            let index = TextIndex::decode(&mut r, &text)?;
            let turns = decode_turns(&mut r, &text)?;
            r.at_end().then_some((index, turns))
        });
        let hit = cached.is_some();
        let (index, turns) = cached.unwrap_or_else(|| (TextIndex::new(&text), detect_turns(&text)));
        let t = Transcript {
            id: id.into(),
            text,
            hash,
            index,
            turns,
            history: None,
        };
        (t, hit)
    }

    /// Builds a transcript whose speakers are found as `how` says (no
    /// cache: an override is rare and its turns differ from the text's
    /// detected ones).
    pub fn with_speakers(id: impl Into<String>, text: String, how: &Speakers) -> Self {
        if how.is_auto() {
            return Transcript::new(id, text);
        }
        let hash = content_hash(&text);
        let index = TextIndex::new(&text);
        let turns = detect_turns_with(&text, how);
        Transcript {
            id: id.into(),
            text,
            hash,
            index,
            turns,
            history: None,
        }
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        self.index.char_len()
    }

    /// Number of words: those of every turn's body, so speaker labels and
    /// timestamps are not words (the one definition every command uses).
    pub fn words(&self) -> usize {
        self.turns
            .iter()
            .map(|t| word_count(&self.text[t.body_start.min(t.end)..t.end]))
            .sum()
    }

    /// Number of words in byte range `a..b`, leaving out the speaker
    /// labels and timestamps that lie in it (as [`Transcript::words`]).
    pub fn words_in(&self, a: usize, b: usize) -> usize {
        let mut n = 0;
        let mut from = a;
        let first = self.turns.partition_point(|t| t.body_start <= a);
        for t in &self.turns[first..] {
            if t.start >= b {
                break;
            }
            if t.start > from {
                n += word_count(&self.text[from..t.start]);
            }
            from = from.max(t.body_start);
        }
        if from < b {
            n += word_count(&self.text[from..b]);
        }
        n
    }

    /// Number of speaker turns (turns with a speaker label): the count
    /// import reports and `transcripts` lists.
    pub fn speaker_turns(&self) -> usize {
        self.turns.iter().filter(|t| t.speaker.is_some()).count()
    }

    /// Distinct speakers in order of first appearance.
    pub fn speakers(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for t in &self.turns {
            if let Some(s) = &t.speaker
                && !seen.contains(s)
            {
                seen.push(s.clone());
            }
        }
        seen
    }

    /// Byte range of code-point range `start..end`.
    pub fn byte_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        Some((
            self.index.char_to_byte(&self.text, start)?,
            self.index.char_to_byte(&self.text, end)?,
        ))
    }

    /// The text of code-point range `start..end`.
    pub fn slice_chars(&self, start: usize, end: usize) -> Option<&str> {
        let (a, b) = self.byte_range(start, end)?;
        Some(&self.text[a..b])
    }

    /// Code-point offset of a byte offset (which must be a boundary).
    pub fn char_at(&self, byte: usize) -> usize {
        self.index
            .byte_to_char(&self.text, byte)
            .expect("byte offset on a character boundary")
    }

    /// The turn containing byte `b`, if any.
    pub fn turn_at(&self, b: usize) -> Option<&Turn> {
        let i = self.turns.partition_point(|t| t.start <= b);
        i.checked_sub(1)
            .map(|i| &self.turns[i])
            .filter(|t| b < t.end.max(t.start + 1))
    }

    /// 1-based first and last line of byte range `a..b`.
    pub fn lines_of(&self, a: usize, b: usize) -> (usize, usize) {
        let first = self.index.line_of_byte(a) + 1;
        let last = self.index.line_of_byte(b.saturating_sub(1).max(a)) + 1;
        (first, last)
    }
}

/// The cached line indexes and speaker turns of transcripts, by content
/// hash (see [`super::cache`]): what it costs most to derive from a
/// transcript's text besides reading it.
#[derive(Debug, Default)]
pub struct MetaCache {
    body: Option<Body>,
    /// Content hash to where its encoded index and turns lie in `body`.
    entries: HashMap<String, std::ops::Range<usize>>,
    /// Transcript files known to hold plain normalized text, by id: their
    /// stamp when the cache was written, and their content hash.
    files: HashMap<String, (FileStamp, String)>,
    /// When the cache was written (nanoseconds since the epoch).
    written_at: u128,
}

/// What identifies one version of a file without reading it: size,
/// modification and change times, inode. The change time cannot be set
/// by a program, so a file rewritten with its old size and modification
/// time still shows as changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub mtime_ns: u128,
    pub ctime_ns: u128,
    pub inode: u64,
}

/// A stamp is trusted only for files last changed this long before the
/// cache was written: a change within the clock's granularity of the
/// write could otherwise leave the stamp as it was.
const RACY_NS: u128 = 2_000_000_000;

const META_KIND: &str = "transcripts";

impl MetaCache {
    /// Reads the cache at `path` (missing or damaged: empty).
    pub fn load(path: &Path) -> MetaCache {
        let mut entries = HashMap::new();
        let mut files = HashMap::new();
        let mut written_at = 0;
        let body = super::cache::read(path, META_KIND);
        if let Some(body) = &body {
            let mut r = Reader::new(body);
            let ok = (|| {
                for _ in 0..r.count(16)? {
                    let hash = r.string()?;
                    let len = r.bytes()?.len();
                    entries.insert(hash, r.position() - len..r.position());
                }
                written_at = u128::from(r.u64()?) << 64 | u128::from(r.u64()?);
                for _ in 0..r.count(40)? {
                    let id = r.string()?;
                    let stamp = FileStamp {
                        len: r.u64()?,
                        mtime_ns: u128::from(r.u64()?) << 64 | u128::from(r.u64()?),
                        ctime_ns: u128::from(r.u64()?) << 64 | u128::from(r.u64()?),
                        inode: r.u64()?,
                    };
                    files.insert(id, (stamp, r.string()?));
                }
                Some(())
            })();
            if ok.is_none() || !r.at_end() {
                entries.clear();
                files.clear();
            }
        }
        MetaCache {
            body,
            entries,
            files,
            written_at,
        }
    }

    /// The content hash of transcript `id` if its file still has `stamp`,
    /// held plain normalized text when the cache was written, and had
    /// been left alone well before then: the text need not be hashed or
    /// checked for line ends again.
    pub fn trusted_hash(&self, id: &str, stamp: &FileStamp) -> Option<&str> {
        let (known, hash) = self.files.get(id)?;
        let settled = known.mtime_ns.max(known.ctime_ns) + RACY_NS < self.written_at;
        (known == stamp && settled && self.entries.contains_key(hash)).then_some(hash.as_str())
    }

    /// Whether the cache holds exactly the transcripts `ts`.
    /// Whether the cache holds exactly the transcripts of `ts` that
    /// `keep` selects.
    pub fn covers_exactly(&self, ts: &[Transcript], keep: &dyn Fn(&Transcript) -> bool) -> bool {
        ts.iter().filter(|t| keep(t)).count() == self.entries.len()
            && ts
                .iter()
                .filter(|t| keep(t))
                .all(|t| self.entries.contains_key(&t.hash))
    }

    /// Writes the index and turns of `ts` to `path`, replacing what was
    /// there, with the stamps of the files among them that hold plain
    /// normalized text (`plain`, by transcript id). Failing to write a
    /// cache changes nothing.
    /// Only the transcripts `keep` selects are written (those whose
    /// speakers were detected, not set by the researcher).
    pub fn save(
        path: &Path,
        ts: &[Transcript],
        plain: &HashMap<String, FileStamp>,
        keep: &dyn Fn(&Transcript) -> bool,
    ) {
        let mut w = Writer::new();
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<&Transcript> = ts
            .iter()
            .filter(|t| keep(t) && seen.insert(&t.hash))
            .collect();
        w.usize(unique.len());
        for t in unique {
            w.str(&t.hash);
            let mut e = Writer::new();
            t.index.encode(&mut e);
            encode_turns(&mut e, &t.turns);
            w.bytes(&e.into_bytes());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let wide = |w: &mut Writer, v: u128| {
            w.u64((v >> 64) as u64);
            w.u64(v as u64);
        };
        wide(&mut w, now);
        let stamped: Vec<(&Transcript, &FileStamp)> = ts
            .iter()
            .filter_map(|t| plain.get(&t.id).map(|s| (t, s)))
            .collect();
        w.usize(stamped.len());
        for (t, s) in stamped {
            w.str(&t.id);
            w.u64(s.len);
            wide(&mut w, s.mtime_ns);
            wide(&mut w, s.ctime_ns);
            w.u64(s.inode);
            w.str(&t.hash);
        }
        let _ = super::cache::write(path, META_KIND, w);
    }
}

fn encode_turns(w: &mut Writer, turns: &[Turn]) {
    w.usize(turns.len());
    for t in turns {
        w.opt_str(t.speaker.as_deref());
        w.opt_str(t.time.as_deref());
        w.usize(t.start);
        w.usize(t.body_start);
        w.usize(t.end);
    }
}

fn decode_turns(r: &mut Reader<'_>, text: &str) -> Option<Vec<Turn>> {
    let n = r.count(26)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Turn {
            speaker: r.opt_string()?,
            time: r.opt_string()?,
            start: r.usize()?,
            body_start: r.usize()?,
            end: r.usize()?,
        };
        // Past the end is no boundary either.
        if ![t.start, t.body_start, t.end]
            .iter()
            .all(|&b| text.is_char_boundary(b))
        {
            return None;
        }
        out.push(t);
    }
    Some(out)
}

/// BLAKE3 hash of text, hex.
pub fn content_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

struct Candidate<'a> {
    line_start: usize,
    body_start: usize,
    time: Option<String>,
    label: Option<&'a str>,
}

/// The labels of a text, one entry per name whatever its case.
#[derive(Default)]
struct Label<'a> {
    /// The first spelling, which names the speaker.
    first: &'a str,
    /// Lines that start with it.
    lines: usize,
    /// Whether one spelling starts with a capital (or a letter without
    /// case): `said:` and `follows:` are prose.
    capital: bool,
    /// Whether one spelling is all capitals (`BEN`, `李娜`).
    caps: bool,
    accepted: bool,
}

/// Finds speaker turns (or paragraphs) in normalized text.
///
/// A label (`NAME:` at a line's start, with something said after it) is a
/// speaker only when the text's structure supports it: it follows a
/// timestamp, or its name recurs (in any case; one speaker per name, the
/// first spelling shown) and is written with a capital somewhere, or it
/// is written in capitals among names that recur, or — when no name
/// recurs — the text is a short exchange of at least two names. Labels must also start at least one paragraph in five, so a
/// `NOTE:` in a long narrative is never a speaker.
pub fn detect_turns(text: &str) -> Vec<Turn> {
    detect_turns_with(text, &Speakers::Auto)
}

/// How speakers are found in a transcript: detected (the default), or as
/// the researcher said at import (`--speakers`, `--no-speakers`,
/// `--speaker-pattern`), remembered in the project's `import.toml`.
#[derive(Debug, Clone, Default)]
pub enum Speakers {
    #[default]
    Auto,
    /// Only these labels (any case) are speakers.
    Only(Vec<String>),
    /// No speakers: paragraphs only.
    Off,
    /// A line whose start matches names its speaker (group `speaker`) and
    /// maybe its time (group `time`).
    Pattern(Regex),
}

impl Speakers {
    /// A `--speaker-pattern`: a regular expression with a named group
    /// `speaker` (and optionally `time`), matched at a line's start.
    pub fn pattern(p: &str) -> std::result::Result<Speakers, String> {
        let shown = super::text::one_line(p);
        let re = Regex::new(&format!("^(?:{p})")).map_err(|e| {
            format!("the speaker pattern `{shown}` is not a valid regular expression: {e}")
        })?;
        if !re.capture_names().any(|n| n == Some("speaker")) {
            return Err(format!(
                "the speaker pattern `{shown}` has no group named `speaker`; write one like `(?P<speaker>[A-Z]+)> ` (and optionally `(?P<time>...)`)"
            ));
        }
        Ok(Speakers::Pattern(re))
    }

    /// Whether speakers are detected (no override).
    pub fn is_auto(&self) -> bool {
        matches!(self, Speakers::Auto)
    }

    /// A text that differs whenever the reading does (empty when
    /// detected), for records that must notice a changed override.
    pub fn key(&self) -> String {
        match self {
            Speakers::Auto => String::new(),
            Speakers::Only(names) => format!("only:{}", names.join("\u{1f}")),
            Speakers::Off => "off".into(),
            Speakers::Pattern(re) => format!("pattern:{}", re.as_str()),
        }
    }
}

/// [`detect_turns`] with speakers found as `how` says.
pub fn detect_turns_with(text: &str, how: &Speakers) -> Vec<Turn> {
    match how {
        Speakers::Off => return paragraphs(text),
        Speakers::Pattern(re) => return pattern_turns(text, re),
        Speakers::Auto | Speakers::Only(_) => {}
    }
    let mut candidates = Vec::new();
    let mut labels: HashMap<String, Label<'_>> = HashMap::new();
    let mut blocks = 0usize;
    let mut blank = true;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let is_blank = line.trim().is_empty();
        if blank && !is_blank {
            blocks += 1;
        }
        blank = is_blank;
        // A turn's label ends with a colon near the line start (at most a
        // timestamp and 40 characters in); most lines need no regex.
        let near_start = line.as_bytes().iter().take(200).any(|&b| b == b':');
        if let Some(c) = near_start.then(|| TURN_START.captures(line)).flatten() {
            let time = c.get(1).map(|m| m.as_str().to_owned());
            let end = c.get(0).map_or(0, |m| m.end());
            // A label with nothing said after it (`Written by:`) is a heading.
            let label = c
                .get(2)
                .map(|m| m.as_str().trim_end())
                .filter(|_| time.is_some() || !line[end..].trim().is_empty());
            if time.is_some() || label.is_some() {
                if let Some(l) = label {
                    let e = labels.entry(l.to_lowercase()).or_default();
                    if e.lines == 0 {
                        e.first = l;
                    }
                    e.lines += 1;
                    e.capital |= crate::layouts::starts_capital(l);
                    e.caps |= !l.chars().any(char::is_lowercase);
                }
                candidates.push(Candidate {
                    line_start,
                    body_start: line_start + end,
                    time,
                    label,
                });
            }
        }
        line_start += line.len();
    }
    let only = match how {
        Speakers::Only(names) => Some(names),
        _ => None,
    };
    if let Some(names) = only {
        for (key, e) in &mut labels {
            e.accepted = names.iter().any(|n| n.to_lowercase() == *key);
        }
    } else {
        accept_labels(&mut labels, blocks);
    }
    let accepted: Vec<Candidate> = candidates
        .into_iter()
        .filter_map(|mut c| {
            let speaker_ok = c.label.is_some_and(|l| {
                (c.time.is_some() && only.is_none())
                    || labels.get(&l.to_lowercase()).is_some_and(|e| e.accepted)
            });
            if !speaker_ok {
                c.time.as_ref()?;
                // A timestamp without a believable label: keep the time, and
                // the label is part of what was said.
                if c.label.take().is_some() {
                    let ts_end = text[c.line_start..]
                        .find(']')
                        .map_or(c.line_start, |i| c.line_start + i + 1);
                    c.body_start = ts_end + text[ts_end..].len()
                        - text[ts_end..].trim_start_matches([' ', '\t']).len();
                }
            }
            Some(c)
        })
        .collect();
    let first_spelling: HashMap<String, &str> =
        labels.iter().map(|(k, e)| (k.clone(), e.first)).collect();
    build_turns(text, &accepted, &first_spelling)
}

/// Turns from the accepted turn starts (each running to the next one),
/// text before the first as paragraphs; speakers shown by their first
/// spelling (`names`, by lower-cased label).
fn build_turns(text: &str, accepted: &[Candidate<'_>], names: &HashMap<String, &str>) -> Vec<Turn> {
    if accepted.is_empty() {
        return paragraphs(text);
    }
    let mut turns = Vec::with_capacity(accepted.len() + 1);
    // Text before the first turn becomes paragraphs of its own.
    let first = accepted[0].line_start;
    if !text[..first].trim().is_empty() {
        turns.extend(paragraphs(&text[..first]));
    }
    for (i, c) in accepted.iter().enumerate() {
        let limit = accepted.get(i + 1).map_or(text.len(), |n| n.line_start);
        let end = c.line_start + text[c.line_start..limit].trim_end().len();
        let speaker = c.label.map(|l| {
            names
                .get(&l.to_lowercase())
                .copied()
                .unwrap_or(l)
                .to_owned()
        });
        turns.push(Turn {
            speaker,
            time: c.time.clone(),
            start: c.line_start,
            body_start: c.body_start.min(end.max(c.line_start)),
            end: end.max(c.body_start.min(limit)),
        });
    }
    turns
}

/// Turns where lines match a `--speaker-pattern` at their start.
fn pattern_turns(text: &str, re: &Regex) -> Vec<Turn> {
    let mut accepted = Vec::new();
    let mut names: HashMap<String, &str> = HashMap::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        if let Some(c) = re.captures(content)
            && let Some(sp) = c.name("speaker").map(|m| m.as_str().trim())
            && !sp.is_empty()
        {
            names.entry(sp.to_lowercase()).or_insert(sp);
            let end = c.get(0).map_or(0, |m| m.end());
            let ws = content[end..].len() - content[end..].trim_start().len();
            accepted.push(Candidate {
                line_start,
                body_start: line_start + end + ws,
                time: c.name("time").map(|m| m.as_str().to_owned()),
                label: Some(sp),
            });
        }
        line_start += line.len();
    }
    build_turns(text, &accepted, &names)
}

/// Decides which labels are speakers (see [`detect_turns`]); `blocks` is
/// the number of paragraphs of the text.
fn accept_labels(labels: &mut HashMap<String, Label<'_>>, blocks: usize) {
    let recurring = labels.values().any(|e| e.capital && e.lines >= 2);
    let named = labels.values().filter(|e| e.capital).count();
    let label_lines: usize = labels.values().filter(|e| e.capital).map(|e| e.lines).sum();
    let exchange = !recurring && named >= 2 && label_lines * 2 >= blocks;
    for e in labels.values_mut() {
        e.accepted = e.capital && (e.lines >= 2 || exchange || (recurring && e.caps));
    }
    let accepted_lines: usize = labels
        .values()
        .filter(|e| e.accepted)
        .map(|e| e.lines)
        .sum();
    if accepted_lines * 5 < blocks {
        for e in labels.values_mut() {
            e.accepted = false;
        }
    }
}

/// Blocks of text separated by blank lines.
fn paragraphs(text: &str) -> Vec<Turn> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        if content.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push(Turn {
                    speaker: None,
                    time: None,
                    start: s,
                    body_start: s,
                    end,
                });
            }
        } else {
            if start.is_none() {
                start = Some(pos);
            }
            end = pos + content.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push(Turn {
            speaker: None,
            time: None,
            start: s,
            body_start: s,
            end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speakers(text: &str) -> Vec<(Option<String>, Option<String>, String)> {
        detect_turns(text)
            .into_iter()
            .map(|t| (t.speaker, t.time, text[t.body_start..t.end].to_owned()))
            .collect()
    }

    #[test]
    fn timestamped_turns_with_continuations() {
        let text = "[00:04:31] INTERVIEWER: How did you pick?\n\n[00:04:40] JOÃO: It wasn't a decision.\n\nEveryone was on it.\n";
        let t = speakers(text);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0],
            (
                Some("INTERVIEWER".into()),
                Some("00:04:31".into()),
                "How did you pick?".into()
            )
        );
        assert_eq!(t[1].0.as_deref(), Some("JOÃO"));
        assert_eq!(t[1].2, "It wasn't a decision.\n\nEveryone was on it.");
    }

    #[test]
    fn plain_names_must_recur() {
        let text = "Ana: hello\nHonestly it was: fine\nBen: hi\nAna: again\nBen: bye\n";
        let t = speakers(text);
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].2, "hello\nHonestly it was: fine");
        assert_eq!(t[3].0.as_deref(), Some("Ben"));
    }

    #[test]
    fn bare_timestamps_and_no_speaker() {
        let text = "00:01:02 李娜: 你好\n00:01:09 李娜: 再见\n";
        let t = speakers(text);
        assert_eq!(
            t[0],
            (Some("李娜".into()), Some("00:01:02".into()), "你好".into())
        );
        let plain = "First para\nstill first\n\nSecond para\n";
        let p = speakers(plain);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].2, "Second para");
    }

    #[test]
    fn transcript_slices_by_code_points() {
        let t = Transcript::new("x", "ÉMILE: café ☕ ok\n".to_owned());
        assert_eq!(t.slice_chars(7, 13), Some("café ☕"));
        // One label said once, no timestamp: no structure, not a speaker.
        assert!(t.speakers().is_empty());
        let twice = Transcript::new("y", "ÉMILE: once\nJO: hi\n".to_owned());
        assert_eq!(twice.speakers(), ["ÉMILE", "JO"]); // a short exchange
        assert_eq!(t.char_len(), 17);
    }

    #[test]
    fn labels_in_any_case_are_one_speaker_shown_as_first_written() {
        let text = "Interviewer: Hi.\n\nSam: Hello.\n\ninterviewer: And?\n\nINTERVIEWER: Go on.\n\nsam: Well.\n";
        let t = Transcript::new("x", text.to_owned());
        assert_eq!(t.speakers(), ["Interviewer", "Sam"]);
        assert_eq!(t.speaker_turns(), 5);
        assert_eq!(t.turns[2].speaker.as_deref(), Some("Interviewer"));
        assert_eq!(&text[t.turns[2].body_start..t.turns[2].end], "And?");
    }

    #[test]
    fn prose_labels_are_not_speakers() {
        // Lower-case verbs, a heading with nothing after it, one NOTE in a
        // long narrative.
        let mut text = String::from(
            "He said:\nsaid: 'Yes.'\n\nWritten by:\nJ. Frost\n\nWritten by:\nA. B.\n\nNOTE: a letter.\n\n",
        );
        for i in 0..10 {
            text.push_str("Paragraph ");
            text.push_str(&i.to_string());
            text.push_str(" of the story.\n\n");
        }
        text.push_str("say: 'No.'\n\nsay: 'Maybe.'\n");
        let t = Transcript::new("x", text);
        assert!(t.speakers().is_empty(), "{:?}", t.speakers());
        assert_eq!(t.speaker_turns(), 0);
    }

    #[test]
    fn q_and_a() {
        let t = Transcript::new("x", "Q: Where?\nA: Here.\nQ: When?\nA: Now.\n".to_owned());
        assert_eq!(t.speakers(), ["Q", "A"]);
        assert_eq!(t.speaker_turns(), 4);
    }

    #[test]
    fn words_leave_out_labels_and_timestamps() {
        let text =
            "[00:00:01] ANA LIMA: one two\n\n[00:00:05] BEN: three\nfour\n\nANA LIMA: five\n";
        let t = Transcript::new("x", text.to_owned());
        assert_eq!(t.words(), 5);
        assert_eq!(t.words_in(0, text.len()), 5);
        // A span from inside one body across the next label.
        let a = text.find("two").unwrap();
        let b = text.find("four").unwrap() + 4;
        assert_eq!(t.words_in(a, b), 3);
        // A span inside a label counts nothing.
        assert_eq!(t.words_in(1, 8), 0);
    }

    #[test]
    fn overrides_decide_the_speakers() {
        let text = "ANA: hi\nBEN: yo\nANA: so\nNOTE: aside\n\nNOTE: again\n";
        let only = detect_turns_with(text, &Speakers::Only(vec!["ana".into(), "Ben".into()]));
        let sp: Vec<_> = only.iter().filter_map(|t| t.speaker.as_deref()).collect();
        assert_eq!(sp, ["ANA", "BEN", "ANA"]);
        assert!(
            detect_turns_with(text, &Speakers::Off)
                .iter()
                .all(|t| t.speaker.is_none())
        );
        let re = Speakers::pattern(r"(?P<time>\d+:\d+) (?P<speaker>\w+)>").unwrap();
        let p = "1:02 ana> hello\nmore\n1:09 Ben> bye\n";
        let turns = detect_turns_with(p, &re);
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].speaker.as_deref(), Some("ana"));
        assert_eq!(turns[0].time.as_deref(), Some("1:02"));
        assert_eq!(&p[turns[0].body_start..turns[0].end], "hello\nmore");
        let e = Speakers::pattern(r"(\w+)>").unwrap_err();
        assert!(e.contains("no group named `speaker`"), "{e}");
        assert!(Speakers::pattern("(").unwrap_err().contains("not a valid"));
    }
}
