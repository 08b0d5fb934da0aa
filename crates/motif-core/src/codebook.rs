//! The codebook: a tree of codes kept in a human-edited TOML file under
//! `codebooks/`.
//!
//! Each code is one `[[codes]]` table with a stable `id` and a `path` of
//! names from the root (`standardization/frameworks`). Codings refer to
//! the id, so renaming or moving a code never touches them; merging a code
//! into another keeps the old id as an alias of the survivor. A code
//! written by hand without an id gets one derived from its path, which is
//! written to the file the next time motif saves the codebook.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{Error, IoContext, Result};
use super::fsio::atomic_write;

mod file;
mod merge;

/// Colours given to codes that have none written: each takes the one its
/// id's hash points at, or the next one no other code has
/// (see `Codebook::reindex`).
pub const PALETTE: [&str; 24] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#2f5f8a", "#b8651b", "#a83b3d", "#4f8f8a",
    "#3d7a35", "#b39a1f", "#7e4f73", "#c76b78", "#6b4f3f", "#7f7a76", "#a0cbe8", "#8cd17d",
];

/// The palette slot a code's id points at.
fn palette_slot(id: &str) -> usize {
    let h = blake3::hash(id.as_bytes());
    usize::from(h.as_bytes()[0]) % PALETTE.len()
}

/// One code of the codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Stable identifier; codings refer to it.
    pub id: String,
    /// Names from the root joined with `/`.
    pub path: String,
    pub description: String,
    pub include: Option<String>,
    pub exclude: Option<String>,
    pub example: Option<String>,
    /// `#rrggbb`.
    pub color: String,
    /// One-key shortcut.
    pub key: Option<char>,
    /// Ids of codes merged into this one.
    pub aliases: Vec<String>,
}

impl Code {
    /// The last name of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The parent's path, `None` at the root.
    pub fn parent(&self) -> Option<&str> {
        self.path.rsplit_once('/').map(|(p, _)| p)
    }

    /// Depth in the tree, 0 at the root.
    pub fn depth(&self) -> usize {
        self.path.matches('/').count()
    }
}

/// A codebook's lock held shared, with the codebook as it was on disk when
/// it was taken (see [`Codebook::hold`]).
#[derive(Debug)]
pub struct HeldCodebook<'a> {
    mine: &'a Codebook,
    now: Option<(super::fsio::Lock, Codebook)>,
}

impl HeldCodebook<'_> {
    /// Whether every code in `ids` is still in the codebook on disk; the
    /// error names the first one that is not.
    pub fn check<'i>(&self, ids: impl IntoIterator<Item = &'i str>) -> Result<()> {
        let Some((_, now)) = &self.now else {
            return Ok(());
        };
        for id in ids {
            if now.by_id(id).is_none() {
                // Known to this copy: deleted by another process since.
                let (name, since) = match self.mine.by_id(id) {
                    Some(c) => (c.path.as_str(), " (deleted by another process?)"),
                    None => (id, ""),
                };
                return Err(Error::invalid(format!(
                    "code `{}` is no longer in {}{since}; nothing was saved",
                    super::text::one_line(name),
                    self.mine.path.display()
                )));
            }
        }
        Ok(())
    }
}

/// The codebook: codes in tree order (each parent before its children,
/// siblings in file order).
#[derive(Debug, Clone, Default)]
pub struct Codebook {
    pub path: PathBuf,
    /// The project's codebook lock, when the codebook belongs to a project
    /// (see [`Codebook::guarded_by`]).
    lock: Option<PathBuf>,
    codes: Vec<Code>,
    by_id: HashMap<String, usize>,
    by_path: HashMap<String, usize>,
    alias: HashMap<String, String>,
    /// Ids in the order the codes are written in the file (the order they
    /// were made): it decides the order of siblings and is kept when codes
    /// are renamed or moved, so that such a change touches one line.
    order: Vec<String>,
    /// Codes whose colour is written in the file; the others get one
    /// derived from their id ([`Codebook::reindex`]).
    explicit_colors: HashSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    /// The form motif writes: one table of codes by id, every line
    /// `ID.FIELD = VALUE` (see `file.rs`).
    #[serde(default)]
    code: HashMap<String, Entry>,
    /// The earlier form, still read: an array of tables with paths.
    #[serde(default)]
    codes: Vec<toml::Spanned<Entry>>,
}

/// One code as written, in either form: the array form (`[[codes]]`)
/// gives `path` (and optionally `id`), the keyed form gives `name` and
/// `parent` (the parent's id), its id being the key. New fields go here
/// and serve both forms.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Option<toml::Spanned<String>>,
    path: Option<toml::Spanned<String>>,
    name: Option<toml::Spanned<String>>,
    parent: Option<toml::Spanned<String>>,
    #[serde(default)]
    description: String,
    include: Option<String>,
    exclude: Option<String>,
    example: Option<String>,
    color: Option<toml::Spanned<String>>,
    key: Option<toml::Spanned<String>>,
    #[serde(default)]
    aliases: Vec<String>,
}

/// Aliases (ids of codes merged away) must not be a code's id or be
/// listed by two codes; the error points at the code that lists it.
fn check_aliases(
    codes: &[Code],
    ids: &HashMap<String, usize>,
    path_spans: &HashMap<String, usize>,
) -> std::result::Result<(), (usize, String)> {
    let mut listed: HashMap<&str, &str> = HashMap::new();
    for c in codes {
        let at = path_spans.get(&c.path).copied().unwrap_or(0);
        for a in &c.aliases {
            if ids.contains_key(a) {
                return Err((
                    at,
                    format!(
                        "`{}` lists `{a}` as an alias, but a code still has that id",
                        c.path
                    ),
                ));
            }
            if let Some(other) = listed.insert(a, &c.path) {
                return Err((
                    at,
                    format!("`{other}` and `{}` both list `{a}` as an alias", c.path),
                ));
            }
        }
    }
    Ok(())
}

/// 1-based line and column of byte `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Checks one name of a code path.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.trim().is_empty() {
        return Err("a code name cannot be empty".into());
    }
    if name != name.trim() {
        return Err(format!("code name `{name}` starts or ends with a space"));
    }
    if name.contains('/') {
        return Err(format!(
            "code name `{name}` contains `/`, which separates levels of the tree"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a code name cannot contain control characters".into());
    }
    Ok(())
}

fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.matches('/').count() >= MAX_DEPTH {
        return Err(format!(
            "a code may lie at most {MAX_DEPTH} levels deep, and this path has {} levels",
            path.matches('/').count() + 1
        ));
    }
    path.split('/').try_for_each(check_name)
}

/// Normalizes a colour (`#rgb`, `#rrggbb`, or a basic colour name).
pub fn parse_color(s: &str) -> Option<String> {
    let s = s.trim();
    let named = match s.to_ascii_lowercase().as_str() {
        "red" => Some("#e15759"),
        "orange" => Some("#f28e2b"),
        "yellow" => Some("#edc948"),
        "green" => Some("#59a14f"),
        "teal" => Some("#76b7b2"),
        "blue" => Some("#4e79a7"),
        "purple" => Some("#b07aa1"),
        "pink" => Some("#ff9da7"),
        "brown" => Some("#9c755f"),
        "gray" | "grey" => Some("#bab0ac"),
        _ => None,
    };
    if let Some(n) = named {
        return Some(n.into());
    }
    let hex = s.strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_lowercase())),
        3 => Some(format!(
            "#{}",
            hex.chars()
                .flat_map(|c| [c, c])
                .collect::<String>()
                .to_ascii_lowercase()
        )),
        _ => None,
    }
}

/// The id motif derives for a code written without one.
pub fn derived_id(path: &str) -> String {
    blake3::hash(path.as_bytes()).to_hex()[..8].to_owned()
}

/// A codebook error: the byte of the file it points at, and the message.
type ErrAt = (usize, String);

/// An entry's id: the one written (letters, digits, `-` and `_` only), or
/// the one derived from its path.
fn entry_id(
    id: Option<toml::Spanned<String>>,
    code_path: &str,
) -> std::result::Result<String, ErrAt> {
    match id {
        Some(id) => {
            let at = id.span().start;
            let id = id.into_inner();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err((
                    at,
                    format!("code id `{id}` may only hold letters, digits, `-` and `_`"),
                ));
            }
            Ok(id)
        }
        None => Ok(derived_id(code_path)),
    }
}

/// An entry's colour as written (`#rrggbb` once normalized).
fn entry_color(c: &toml::Spanned<String>) -> std::result::Result<String, ErrAt> {
    let at = c.span().start;
    parse_color(c.get_ref()).ok_or_else(|| {
        (
            at,
            format!("`{}` is not a colour; write it as #rrggbb", c.get_ref()),
        )
    })
}

/// Two codes with one path: what a merge of two branches that each added
/// a code of the same name gives, and how to make them one.
fn twice_message(path: &str, first: &str, second: &str) -> String {
    if first == second {
        return format!("the code `{path}` is defined twice");
    }
    format!(
        "the code `{path}` is defined twice (ids `{first}` and `{second}`), probably added on two \
         branches: keep one by deleting the lines that start with `{second}.` and adding \
         `{first}.aliases = [\"{second}\"]` so that codings on `{second}` follow `{first}`, or \
         give one another name (`{second}.name = ...`)"
    )
}

/// An entry's shortcut, if it has one: a single visible key that no
/// earlier code uses (`seen_keys`, which it joins, for code `code_path`).
fn entry_key(
    key: Option<toml::Spanned<String>>,
    code_path: &str,
    seen_keys: &mut HashMap<char, String>,
) -> std::result::Result<Option<char>, ErrAt> {
    let Some(k) = key else {
        return Ok(None);
    };
    let at = k.span().start;
    let s = k.into_inner();
    let mut chars = s.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return Err((at, format!("the shortcut `{s}` must be a single key")));
    };
    if c.is_control() || c.is_whitespace() {
        return Err((at, "a shortcut must be a visible key".into()));
    }
    if let Some(other) = seen_keys.insert(c, code_path.to_owned()) {
        return Err((
            at,
            format!("the shortcut `{c}` is already used by `{other}`"),
        ));
    }
    Ok(Some(c))
}

/// How deep codes may nest: far beyond any real codebook (a handful of
/// levels), and it keeps a damaged or hostile one from making every
/// command slow (paths are whole strings: cost grows with depth squared).
pub const MAX_DEPTH: usize = 64;

/// Every parent must be a code too (`paths`; `path_spans` tells where each
/// code's path is written).
fn check_parents(
    codes: &[Code],
    paths: &HashSet<String>,
    path_spans: &HashMap<String, usize>,
) -> std::result::Result<(), ErrAt> {
    for c in codes {
        if c.depth() >= MAX_DEPTH {
            let at = path_spans.get(&c.path).copied().unwrap_or(0);
            return Err((
                at,
                format!(
                    "`{}` lies more than {MAX_DEPTH} levels deep; a codebook holds at most that many",
                    crate::text::one_line(&c.path.chars().take(200).collect::<String>())
                ),
            ));
        }
        if let Some(parent) = c.parent()
            && !paths.contains(parent)
        {
            let at = path_spans.get(&c.path).copied().unwrap_or(0);
            return Err((
                at,
                format!(
                    "`{}` has no parent code `{parent}`; add it or use `motif codes add`",
                    c.path
                ),
            ));
        }
    }
    Ok(())
}

impl Codebook {
    /// An empty codebook that will be saved at `path`.
    pub fn empty(path: &Path) -> Codebook {
        Codebook {
            path: path.to_path_buf(),
            ..Codebook::default()
        }
    }

    /// Marks this codebook as the one on disk guarded by the lock file
    /// `lock`: changes to it are made under that lock held exclusively,
    /// and [`Codebook::hold`] lets a writer of codings make sure, under the
    /// same lock held shared, that the codes it applies were not deleted by
    /// another process since this copy was read.
    #[must_use]
    pub fn guarded_by(mut self, lock: PathBuf) -> Codebook {
        self.lock = Some(lock);
        self
    }

    /// For a guarded codebook: takes the codebook lock shared, so that no
    /// code can be deleted while the returned hold lives, and reads the
    /// codebook as it is on disk now, for [`HeldCodebook::check`]. An
    /// unguarded codebook (not from a project) holds nothing and its check
    /// passes.
    pub fn hold(&self) -> Result<HeldCodebook<'_>> {
        let Some(lock) = &self.lock else {
            return Ok(HeldCodebook {
                mine: self,
                now: None,
            });
        };
        let lock = super::fsio::Lock::shared(lock)?;
        let now = Codebook::load(&self.path)?;
        Ok(HeldCodebook {
            mine: self,
            now: Some((lock, now)),
        })
    }

    /// Reads and checks a codebook file. A missing file is an empty
    /// codebook.
    pub fn load(path: &Path) -> Result<Codebook> {
        match std::fs::read_to_string(path) {
            Ok(text) => Codebook::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Codebook::empty(path)),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(Error::parse(
                path,
                None,
                None,
                "the codebook is not UTF-8 text",
            )),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Parses codebook TOML (either form, see `file.rs`); errors name the
    /// file, line and column, and what a merge left (conflict markers, a
    /// field written twice) names the code and both versions.
    pub fn parse(text: &str, path: &Path) -> Result<Codebook> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        merge::check(text, path)?;
        let err_at = |at: usize, msg: String| {
            let (l, c) = line_col(text, at);
            Error::parse(path, Some(l), Some(c), msg)
        };
        let form: FileForm = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            err_at(at, e.message().trim().to_owned())
        })?;
        let raw = file::entries(form, text).map_err(|(at, m)| err_at(at, m))?;
        let mut codes = Vec::new();
        let mut explicit_colors = HashSet::new();
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let mut seen_paths: HashMap<String, String> = HashMap::new();
        let mut seen_keys: HashMap<char, String> = HashMap::new();
        let mut path_spans: HashMap<String, usize> = HashMap::new();
        for r in raw {
            let e = r.entry;
            let code_path = r.path;
            check_path(&code_path).map_err(|m| err_at(r.path_at, m))?;
            let id = entry_id(r.id, &code_path).map_err(|(at, m)| err_at(at, m))?;
            if let Some(other) = seen_paths.get(&code_path) {
                return Err(err_at(r.path_at, twice_message(&code_path, other, &id)));
            }
            seen_paths.insert(code_path.clone(), id.clone());
            path_spans.insert(code_path.clone(), r.path_at);
            if seen_ids.insert(id.clone(), r.at).is_some() {
                return Err(err_at(
                    r.at,
                    format!("two codes share the id `{id}`; ids must be unique"),
                ));
            }
            let color = match e.color {
                Some(c) => {
                    explicit_colors.insert(id.clone());
                    entry_color(&c).map_err(|(at, m)| err_at(at, m))?
                }
                None => String::new(),
            };
            let key =
                entry_key(e.key, &code_path, &mut seen_keys).map_err(|(at, m)| err_at(at, m))?;
            codes.push(Code {
                id,
                path: code_path,
                description: e.description,
                include: e.include,
                exclude: e.exclude,
                example: e.example,
                color,
                key,
                aliases: e.aliases,
            });
        }
        let paths: HashSet<String> = seen_paths.into_keys().collect();
        check_parents(&codes, &paths, &path_spans).map_err(|(at, m)| err_at(at, m))?;
        check_aliases(&codes, &seen_ids, &path_spans).map_err(|(at, m)| err_at(at, m))?;
        let mut book = Codebook {
            path: path.to_path_buf(),
            order: codes.iter().map(|c| c.id.clone()).collect(),
            codes,
            explicit_colors,
            ..Codebook::default()
        };
        book.reindex()?;
        Ok(book)
    }

    /// Gives each code without a colour written one of its own: in the
    /// order codes were made, each takes its id's palette slot, or the next
    /// slot no code uses yet (while any is free). A code added later never
    /// changes the colour of an earlier one, and two codes added on two
    /// branches get different colours once merged.
    fn derive_colors(&mut self) {
        let mut used: HashSet<String> = self
            .codes
            .iter()
            .filter(|c| self.explicit_colors.contains(&c.id))
            .map(|c| c.color.clone())
            .collect();
        let at: HashMap<&str, usize> = self
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mut pending: Vec<usize> = self
            .order
            .iter()
            .filter(|id| !self.explicit_colors.contains(*id))
            .filter_map(|id| at.get(id.as_str()).copied())
            .collect();
        // Codes not in the file order yet (none, normally) come last.
        for (i, c) in self.codes.iter().enumerate() {
            if !self.explicit_colors.contains(&c.id) && !pending.contains(&i) {
                pending.push(i);
            }
        }
        for i in pending {
            let first = palette_slot(&self.codes[i].id);
            let slot = (0..PALETTE.len())
                .map(|k| (first + k) % PALETTE.len())
                .find(|&k| !used.contains(PALETTE[k]))
                .unwrap_or(first);
            used.insert(PALETTE[slot].to_owned());
            PALETTE[slot].clone_into(&mut self.codes[i].color);
        }
    }

    /// Puts codes in tree order (siblings in file order), gives colours to
    /// those without one, and rebuilds the lookups.
    fn reindex(&mut self) -> Result<()> {
        let place: HashMap<&str, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        self.codes
            .sort_by_key(|c| place.get(c.id.as_str()).copied().unwrap_or(usize::MAX));
        drop(place);
        self.derive_colors();
        let mut children: HashMap<Option<String>, Vec<usize>> = HashMap::new();
        for (i, c) in self.codes.iter().enumerate() {
            children
                .entry(c.parent().map(str::to_owned))
                .or_default()
                .push(i);
        }
        let mut order = Vec::with_capacity(self.codes.len());
        let mut stack: Vec<usize> = children.get(&None).cloned().unwrap_or_default();
        stack.reverse();
        while let Some(i) = stack.pop() {
            order.push(i);
            if let Some(kids) = children.get(&Some(self.codes[i].path.clone())) {
                stack.extend(kids.iter().rev());
            }
        }
        let mut old: Vec<Option<Code>> = std::mem::take(&mut self.codes)
            .into_iter()
            .map(Some)
            .collect();
        self.codes = order.into_iter().filter_map(|i| old[i].take()).collect();
        self.by_id.clear();
        self.by_path.clear();
        self.alias.clear();
        for (i, c) in self.codes.iter().enumerate() {
            self.by_id.insert(c.id.clone(), i);
            self.by_path.insert(c.path.clone(), i);
        }
        for c in &self.codes {
            for a in &c.aliases {
                if self.by_id.contains_key(a) {
                    return Err(Error::parse(
                        &self.path,
                        None,
                        None,
                        format!(
                            "`{}` lists `{a}` as an alias, but a code still has that id",
                            c.path
                        ),
                    ));
                }
                self.alias.insert(a.clone(), c.id.clone());
            }
        }
        Ok(())
    }

    /// Codes in tree order.
    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the codebook has no codes.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// A code by id (aliases of merged codes resolve to the survivor).
    pub fn by_id(&self, id: &str) -> Option<&Code> {
        let id = self.alias.get(id).map_or(id, String::as_str);
        self.by_id.get(id).map(|&i| &self.codes[i])
    }

    /// Position of a code in tree order, by id (aliases resolve).
    pub fn position(&self, id: &str) -> Option<usize> {
        let id = self.alias.get(id).map_or(id, String::as_str);
        self.by_id.get(id).copied()
    }

    /// A code by path.
    pub fn by_path(&self, path: &str) -> Option<&Code> {
        self.by_path.get(path).map(|&i| &self.codes[i])
    }

    /// Finds a code from what a researcher typed: a path, an id, a unique
    /// name, or a shortcut key written as one character.
    pub fn resolve(&self, spec: &str) -> Result<&Code> {
        let spec = spec.trim().trim_matches('/');
        if let Some(c) = self.by_path(spec).or_else(|| self.by_id(spec)) {
            return Ok(c);
        }
        let lower = spec.to_lowercase();
        let named: Vec<&Code> = self
            .codes
            .iter()
            .filter(|c| c.name().to_lowercase() == lower || c.path.to_lowercase() == lower)
            .collect();
        let mut chars = spec.chars();
        let by_key = match (chars.next(), chars.next()) {
            (Some(k), None) => self.codes.iter().find(|c| c.key == Some(k)),
            _ => None,
        };
        match named.as_slice() {
            [one] => Ok(one),
            [] if by_key.is_some() => Ok(by_key.expect("checked")),
            [] => {
                let near: Vec<&str> = self
                    .codes
                    .iter()
                    .filter(|c| c.path.to_lowercase().contains(&lower))
                    .map(|c| c.path.as_str())
                    .take(5)
                    .collect();
                let hint = if near.is_empty() {
                    "; `motif codes` lists the codebook, `motif codes add` creates a code"
                        .to_owned()
                } else {
                    format!("; did you mean {}?", near.join(", "))
                };
                Err(Error::invalid(format!(
                    "unknown code `{}` in {}{hint}",
                    super::text::one_line(spec),
                    self.path.display()
                )))
            }
            many => Err(Error::invalid(format!(
                "`{}` names several codes ({}); give the full path",
                super::text::one_line(spec),
                many.iter()
                    .map(|c| c.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Ids of a code and all its descendants (aliases included).
    pub fn subtree_ids(&self, id: &str) -> Vec<String> {
        let Some(code) = self.by_id(id) else {
            return Vec::new();
        };
        let prefix = format!("{}/", code.path);
        self.codes
            .iter()
            .filter(|c| c.path == code.path || c.path.starts_with(&prefix))
            .flat_map(|c| std::iter::once(c.id.clone()).chain(c.aliases.iter().cloned()))
            .collect()
    }

    /// Direct children of a code (or the roots for `None`).
    pub fn children(&self, parent: Option<&str>) -> impl Iterator<Item = &Code> {
        self.codes.iter().filter(move |c| c.parent() == parent)
    }

    /// Adds a code; its parent must exist. Returns the new code.
    pub fn add(
        &mut self,
        path: &str,
        description: &str,
        key: Option<char>,
        color: Option<&str>,
    ) -> Result<&Code> {
        let path = path.trim().trim_matches('/');
        check_path(path).map_err(Error::invalid)?;
        if self.by_path(path).is_some() {
            return Err(Error::invalid(format!("the code `{path}` already exists")));
        }
        if let Some((parent, _)) = path.rsplit_once('/')
            && self.by_path(parent).is_none()
        {
            return Err(Error::invalid(format!(
                "there is no code `{parent}`; add it first (`motif codes add {parent}`)"
            )));
        }
        self.check_key(key, None)?;
        let color = match color {
            Some(c) => Some(parse_color(c).ok_or_else(|| {
                Error::invalid(format!("`{c}` is not a colour; write it as #rrggbb"))
            })?),
            None => None,
        };
        let mut id = super::ids::new_id()[..8].to_owned();
        while self.by_id(&id).is_some() || self.alias.contains_key(&id) {
            super::ids::new_id()[..8].clone_into(&mut id);
        }
        if color.is_some() {
            self.explicit_colors.insert(id.clone());
        }
        self.order.push(id.clone());
        let color = color.unwrap_or_default();
        self.codes.push(Code {
            id: id.clone(),
            path: path.to_owned(),
            description: description.to_owned(),
            include: None,
            exclude: None,
            example: None,
            color,
            key,
            aliases: Vec::new(),
        });
        self.reindex()?;
        Ok(self.by_id(&id).expect("just added"))
    }

    fn check_key(&self, key: Option<char>, except: Option<&str>) -> Result<()> {
        if let Some(k) = key
            && let Some(other) = self
                .codes
                .iter()
                .find(|c| c.key == Some(k) && Some(c.id.as_str()) != except)
        {
            return Err(Error::invalid(format!(
                "the shortcut `{k}` is already used by `{}`",
                other.path
            )));
        }
        Ok(())
    }

    /// Sets the path of a code and carries its descendants along.
    fn repath(&mut self, id: &str, new_path: &str) -> Result<()> {
        let old = self.by_id(id).expect("known code").path.clone();
        if old == new_path {
            return Ok(());
        }
        if self.by_path(new_path).is_some() {
            return Err(Error::invalid(format!(
                "the code `{new_path}` already exists"
            )));
        }
        let prefix = format!("{old}/");
        for c in &mut self.codes {
            if c.path == old {
                new_path.clone_into(&mut c.path);
            } else if let Some(rest) = c.path.strip_prefix(&prefix) {
                c.path = format!("{new_path}/{rest}");
            }
        }
        self.reindex()
    }

    /// Renames a code (its last name); children follow.
    pub fn rename(&mut self, spec: &str, new_name: &str) -> Result<(String, String)> {
        check_name(new_name).map_err(Error::invalid)?;
        let code = self.resolve(spec)?.clone();
        let new_path = match code.parent() {
            Some(p) => format!("{p}/{new_name}"),
            None => new_name.to_owned(),
        };
        self.repath(&code.id, &new_path)?;
        Ok((code.path, new_path))
    }

    /// Moves a code under a new parent (`None`: to the root).
    pub fn move_to(&mut self, spec: &str, parent: Option<&str>) -> Result<(String, String)> {
        let code = self.resolve(spec)?.clone();
        let new_path = match parent {
            Some(p) => {
                let parent = self.resolve(p)?.clone();
                if parent.path == code.path || parent.path.starts_with(&format!("{}/", code.path)) {
                    return Err(Error::invalid(format!(
                        "cannot move `{}` under itself (`{}`)",
                        code.path, parent.path
                    )));
                }
                format!("{}/{}", parent.path, code.name())
            }
            None => code.name().to_owned(),
        };
        self.repath(&code.id, &new_path)?;
        Ok((code.path, new_path))
    }

    /// Merges code `from` into `into`: `from` disappears, its id becomes an
    /// alias of `into`, its children move under `into`.
    pub fn merge(&mut self, from: &str, into: &str) -> Result<(Code, Code)> {
        let src = self.resolve(from)?.clone();
        let dst = self.resolve(into)?.clone();
        if src.id == dst.id {
            return Err(Error::invalid(format!(
                "cannot merge `{}` into itself",
                src.path
            )));
        }
        if dst.path.starts_with(&format!("{}/", src.path)) {
            return Err(Error::invalid(format!(
                "cannot merge `{}` into its own descendant `{}`",
                src.path, dst.path
            )));
        }
        // Children of the merged code move under the survivor.
        let kids: Vec<String> = self
            .children(Some(&src.path))
            .map(|c| c.id.clone())
            .collect();
        for kid in kids {
            let name = self.by_id(&kid).expect("child").name().to_owned();
            let target = format!("{}/{name}", dst.path);
            if self.by_path(&target).is_some() {
                return Err(Error::invalid(format!(
                    "`{}` already has a child `{name}`; merge or rename the children of `{}` first",
                    dst.path, src.path
                )));
            }
            self.repath(&kid, &target)?;
        }
        let pos = self.position(&src.id).expect("source");
        let removed = self.codes.remove(pos);
        self.forget(&removed.id);
        // The index of positions is stale until `reindex`: look again.
        let d = self
            .codes
            .iter()
            .position(|c| c.id == dst.id)
            .expect("target");
        let survivor = &mut self.codes[d];
        survivor.aliases.push(removed.id.clone());
        survivor.aliases.extend(removed.aliases.iter().cloned());
        if survivor.key.is_none() {
            survivor.key = removed.key;
        }
        let survivor = survivor.clone();
        self.reindex()?;
        Ok((removed, survivor))
    }

    /// Removes a code that has no children.
    pub fn delete(&mut self, spec: &str) -> Result<Code> {
        let code = self.resolve(spec)?.clone();
        if self.children(Some(&code.path)).next().is_some() {
            return Err(Error::invalid(format!(
                "`{}` has child codes; move, merge or delete them first",
                code.path
            )));
        }
        let pos = self.position(&code.id).expect("code");
        let removed = self.codes.remove(pos);
        self.forget(&removed.id);
        self.reindex()?;
        Ok(removed)
    }

    /// Drops a removed code from the file order and the written colours.
    fn forget(&mut self, id: &str) {
        self.order.retain(|o| o != id);
        self.explicit_colors.remove(id);
    }

    /// Sets a code's colour (`None`: back to the one derived from its id).
    pub fn set_color(&mut self, spec: &str, color: Option<&str>) -> Result<()> {
        let id = self.resolve(spec)?.id.clone();
        match color {
            Some(c) => {
                let c = parse_color(c).ok_or_else(|| {
                    Error::invalid(format!("`{c}` is not a colour; write it as #rrggbb"))
                })?;
                let i = self.position(&id).expect("code");
                self.codes[i].color = c;
                self.explicit_colors.insert(id);
            }
            None => {
                self.explicit_colors.remove(&id);
            }
        }
        self.reindex()
    }

    /// Sets or clears a code's description.
    pub fn set_description(&mut self, spec: &str, description: &str) -> Result<()> {
        let id = self.resolve(spec)?.id.clone();
        let i = self.position(&id).expect("code");
        description.clone_into(&mut self.codes[i].description);
        Ok(())
    }

    /// Sets a code's shortcut and colour.
    pub fn set_key(&mut self, spec: &str, key: Option<char>) -> Result<()> {
        let id = self.resolve(spec)?.id.clone();
        self.check_key(key, Some(&id))?;
        let i = self.position(&id).expect("code");
        self.codes[i].key = key;
        Ok(())
    }

    /// The codebook as TOML, in the keyed form (see `file.rs`), codes in
    /// the order they were made.
    pub fn to_toml(&self) -> String {
        file::write(self)
    }

    /// Writes the codebook atomically.
    pub fn save(&self) -> Result<()> {
        // A change that nests codes too deep (a subtree moved under a deep
        // code) would leave a codebook motif refuses to read.
        if let Some(c) = self.codes.iter().find(|c| c.depth() >= MAX_DEPTH) {
            return Err(Error::invalid(format!(
                "this change would put `{}` more than {MAX_DEPTH} levels deep, where a codebook holds at most {MAX_DEPTH}; nothing was changed",
                crate::text::one_line(&c.path.chars().take(200).collect::<String>())
            )));
        }
        atomic_write(&self.path, self.to_toml().as_bytes())
    }

    /// Loads the file at `self.path` again to check it parses (used after
    /// a save in tests and by `codes lint`).
    pub fn reload(&self) -> Result<Codebook> {
        let text = std::fs::read_to_string(&self.path).at(&self.path)?;
        Codebook::parse(&text, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r##"
[[codes]]
id = "std"
path = "standardization"
description = "Converging on shared tools."
key = "s"

[[codes]]
id = "fw"
path = "standardization/frameworks"
description = "One framework for everyone."
color = "#ABC"

[[codes]]
path = "community"
description = "Users, contributors."

[[codes]]
id = "ct"
path = "community/contributors"
description = "Users who contribute."
"##;

    fn book() -> Codebook {
        Codebook::parse(BOOK, Path::new("codebooks/c.toml")).unwrap()
    }

    #[test]
    fn parses_tree_with_derived_ids_and_colors() {
        let b = book();
        let paths: Vec<&str> = b.codes().iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "standardization",
                "standardization/frameworks",
                "community",
                "community/contributors"
            ]
        );
        assert_eq!(b.by_id("fw").unwrap().color, "#aabbcc");
        assert_eq!(b.by_path("community").unwrap().id, derived_id("community"));
        assert_eq!(b.resolve("frameworks").unwrap().id, "fw");
        // A one-key shortcut names its code.
        assert_eq!(b.resolve("s").unwrap().id, "std");
        assert!(
            b.resolve("z")
                .unwrap_err()
                .to_string()
                .contains("unknown code")
        );
    }

    #[test]
    fn children_listed_before_parents_are_reordered() {
        let text = "[[codes]]\npath = \"a\"\n[[codes]]\npath = \"b\"\n[[codes]]\npath = \"a/x\"\n";
        let b = Codebook::parse(text, Path::new("c.toml")).unwrap();
        let paths: Vec<&str> = b.codes().iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["a", "a/x", "b"]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases = [
            (
                "[[codes]]\npath = \"a\"\nkey = \"xy\"\n",
                "c.toml:3:7",
                "single key",
            ),
            ("[[codes]]\npath = \"a/b\"\n", "c.toml:2:8", "no parent"),
            (
                "[[codes]]\npath = \"a\"\n[[codes]]\npath = \"a\"\n",
                "c.toml:4:8",
                "defined twice",
            ),
            (
                "[[codes]]\npath = \"a\"\ncolor = \"teal-ish\"\n",
                "c.toml:3:9",
                "not a colour",
            ),
            (
                "[[codes]]\npath = \"a\"\nbogus = 1\n",
                "c.toml:3:1",
                "bogus",
            ),
            ("[[codes]\npath = \"a\"\n", "c.toml:1:", ""),
        ];
        for (text, at, msg) in cases {
            let e = Codebook::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(at), "{e}");
            assert!(e.contains(msg), "{e}");
        }
    }

    #[test]
    fn rename_move_merge_delete_keep_ids() {
        let mut b = book();
        b.rename("standardization", "standards").unwrap();
        assert_eq!(b.by_id("fw").unwrap().path, "standards/frameworks");
        b.move_to("fw", Some("community")).unwrap();
        assert_eq!(b.by_id("fw").unwrap().path, "community/frameworks");
        assert!(b.move_to("community", Some("fw")).is_err());
        let (gone, kept) = b.merge("ct", "fw").unwrap();
        assert_eq!(gone.id, "ct");
        assert_eq!(kept.id, "fw");
        assert_eq!(b.by_id("ct").unwrap().id, "fw");
        assert!(b.delete("community").is_err());
        b.delete("fw").unwrap();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn a_guarded_codebook_refuses_codes_deleted_on_disk_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let lock = dir.path().join("codebook.lock");
        std::fs::write(&path, BOOK).unwrap();
        let mine = Codebook::load(&path).unwrap().guarded_by(lock.clone());
        let ids = |b: &Codebook, p: &str| b.by_path(p).unwrap().id.clone();
        let ct = ids(&mine, "community/contributors");
        let held = mine.hold().unwrap();
        held.check([ct.as_str()]).unwrap();
        // While it is held, nobody can take the lock to change the codebook.
        let other_lock = std::fs::OpenOptions::new().write(true).open(&lock).unwrap();
        assert!(other_lock.try_lock().is_err());
        drop(held);
        other_lock.try_lock().unwrap();
        other_lock.unlock().unwrap();
        let mut other = Codebook::load(&path).unwrap();
        other.delete("community/contributors").unwrap();
        other.save().unwrap();
        let err = mine
            .hold()
            .unwrap()
            .check([ct.as_str()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("community/contributors") && err.contains("no longer"),
            "{err}"
        );
        // Other codes still pass; an unguarded copy checks nothing.
        mine.hold()
            .unwrap()
            .check([ids(&mine, "community").as_str()])
            .unwrap();
        book().hold().unwrap().check([ct.as_str()]).unwrap();
    }

    #[test]
    fn toml_round_trip_with_non_ascii() {
        let mut b = book();
        b.add(
            "community/éducation",
            "Tutoriels, cours — 教程 \"quoted\"\nsecond line",
            Some('é'),
            None,
        )
        .unwrap();
        let text = b.to_toml();
        let again = Codebook::parse(&text, Path::new("c.toml")).unwrap();
        assert_eq!(again.codes(), b.codes());
    }

    #[test]
    fn saved_in_the_keyed_form_one_line_per_field_in_the_order_made() {
        let mut b = book();
        b.rename("standardization", "standards").unwrap();
        b.move_to("fw", Some("community")).unwrap();
        let text = b.to_toml();
        // Every code line names its code; the first code stays first.
        let fields: Vec<&str> = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "[code]")
            .collect();
        assert!(fields[0].starts_with("std.name = \"standards\""), "{text}");
        assert!(fields.iter().all(|l| l.split_once('.').is_some()), "{text}");
        assert!(
            text.contains("fw.parent = \"") && !text.contains("path ="),
            "{text}"
        );
        let again = Codebook::parse(&text, Path::new("c.toml")).unwrap();
        assert_eq!(again.codes(), b.codes());
        assert_eq!(again.by_id("fw").unwrap().path, "community/frameworks");
    }

    #[test]
    fn what_a_union_merge_of_two_added_codes_gives_is_read() {
        // Both branches appended a code; the union interleaves their lines.
        let text = "[code]\n\na.name = \"x\"\na.description = \"\"\n\nb.name = \"y\"\nc.name = \"z\"\nb.parent = \"a\"\nc.description = \"\"\n";
        let b = Codebook::parse(text, Path::new("c.toml")).unwrap();
        let paths: Vec<&str> = b.codes().iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["x", "x/y", "z"]);
        // Codes without a colour written get distinct ones.
        let colors: HashSet<&str> = b.codes().iter().map(|c| c.color.as_str()).collect();
        assert_eq!(colors.len(), 3);
    }

    #[test]
    fn added_codes_get_colours_no_other_code_has() {
        let mut b = book();
        for i in 0..20 {
            b.add(&format!("c{i}"), "", None, None).unwrap();
        }
        let before: Vec<String> = b.codes().iter().map(|c| c.color.clone()).collect();
        let colors: HashSet<&str> = b.codes().iter().map(|c| c.color.as_str()).collect();
        assert_eq!(colors.len(), b.len());
        // A code added later changes no earlier code's colour.
        b.add("late", "", None, None).unwrap();
        let after: Vec<String> = b
            .codes()
            .iter()
            .filter(|c| c.path != "late")
            .map(|c| c.color.clone())
            .collect();
        assert_eq!(before, after);
        b.set_color("late", Some("#123456")).unwrap();
        let again = Codebook::parse(&b.to_toml(), Path::new("c.toml")).unwrap();
        assert_eq!(again.by_path("late").unwrap().color, "#123456");
        assert_eq!(again.codes(), b.codes());
    }

    #[test]
    fn two_codes_of_one_name_from_two_branches_say_how_to_make_them_one() {
        let text = "[code]\n\na.name = \"x\"\n\nb.name = \"x\"\n";
        let e = Codebook::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ids `a` and `b`") && e.contains("a.aliases = [\"b\"]"),
            "{e}"
        );
    }
}
