//! The codebook file's two forms. motif writes the *keyed* form, made so
//! that git merges independent changes on its own: every line is
//! `ID.FIELD = VALUE` (one line per field, strings on one line), codes
//! follow one another in the order they were made, separated by a blank
//! line, and a code names its parent by id. Renaming or moving a code
//! changes one line of that code; adding one appends lines that no other
//! code has; with `merge=union` (see `motif git-setup`) two branches that
//! each append codes keep both. The earlier *array* form (`[[codes]]`
//! tables with a `path`) is still read, and a codebook is written in the
//! keyed form the next time motif saves it.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{Codebook, Entry, ErrAt, FileForm};

/// Keyed codes by id: their name, and their parent's id with where it is
/// written.
type Named = HashMap<String, (String, Option<(String, usize)>)>;

/// A code as read, before the checks of [`Codebook::parse`]: where it is
/// written (its place in the file), its id and full path.
pub(super) struct Raw {
    pub at: usize,
    pub id: Option<toml::Spanned<String>>,
    pub path: String,
    pub path_at: usize,
    pub entry: Entry,
}

/// Where `ID.` is first written in `text` (for errors about a code whose
/// fields have no position).
fn first_line_of(text: &str, id: &str) -> usize {
    let key = format!("{id}.");
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(&key) {
            return at + (line.len() - line.trim_start().len());
        }
        at += line.len();
    }
    0
}

/// The codes of both forms, in file order, each with its full path.
pub(super) fn entries(form: FileForm, text: &str) -> Result<Vec<Raw>, ErrAt> {
    let mut out = Vec::new();
    // Paths of codes in the array form by id (a keyed code may name one
    // as its parent).
    let mut array_paths: HashMap<String, String> = HashMap::new();
    for e in form.codes {
        let at = e.span().start;
        let mut entry = e.into_inner();
        let Some(path) = entry.path.take() else {
            return Err((at, "a [[codes]] table needs a `path`".into()));
        };
        if let Some(n) = entry.name.as_ref().or(entry.parent.as_ref()) {
            return Err((
                n.span().start,
                "a [[codes]] table gives `path`, not `name` or `parent`".into(),
            ));
        }
        let path_at = path.span().start;
        let path = path.into_inner();
        let id = entry.id.take();
        let plain = id
            .as_ref()
            .map_or_else(|| super::derived_id(&path), |i| i.get_ref().clone());
        array_paths.insert(plain, path.clone());
        out.push(Raw {
            at,
            id,
            path,
            path_at,
            entry,
        });
    }
    let mut named: Named = HashMap::new();
    let mut keyed = Vec::new();
    for (id, mut entry) in form.code {
        let Some(name) = entry.name.take() else {
            return Err((
                first_line_of(text, &id),
                format!("code `{id}` has no `{id}.name`"),
            ));
        };
        if let Some(p) = entry.path.as_ref().or(entry.id.as_ref()) {
            return Err((
                p.span().start,
                format!(
                    "write `{id}.name` and `{id}.parent` (the parent's id), not `path` or `id`"
                ),
            ));
        }
        let parent = entry
            .parent
            .take()
            .map(|p| (p.span().start, p.into_inner()));
        named.insert(
            id.clone(),
            (
                name.get_ref().clone(),
                parent.as_ref().map(|(at, p)| (p.clone(), *at)),
            ),
        );
        keyed.push((id, name.span().start, entry));
    }
    // In file order, so that an error names the first code at fault.
    keyed.sort_by_key(|k| k.1);
    for (id, at, entry) in keyed {
        let path = keyed_path(&id, &named, &array_paths)?;
        let id_span = toml::Spanned::new(at..at, id.clone());
        out.push(Raw {
            at,
            id: Some(id_span),
            path,
            path_at: at,
            entry,
        });
    }
    out.sort_by_key(|r| r.at);
    Ok(out)
}

/// The full path of keyed code `id`: its parents' names, from the root.
fn keyed_path(
    id: &str,
    named: &Named,
    array_paths: &HashMap<String, String>,
) -> Result<String, ErrAt> {
    let mut parts: Vec<&str> = Vec::new();
    let mut at = id;
    let mut prefix = None;
    loop {
        let (name, parent) = &named[at];
        parts.push(name);
        let Some((p, p_at)) = parent else { break };
        if parts.len() > crate::codebook::MAX_DEPTH {
            // Named where the code itself sets its parent.
            let own = named[id].1.as_ref().map_or(*p_at, |(_, a)| *a);
            return Err((
                own,
                format!(
                    "code `{id}` lies more than {} levels deep; a codebook holds at most that many (is a parent set wrong?)",
                    crate::codebook::MAX_DEPTH
                ),
            ));
        }
        if parts.len() > named.len() {
            return Err((
                *p_at,
                format!("the parents of code `{id}` go round in a circle"),
            ));
        }
        if named.contains_key(p) {
            at = p;
        } else if let Some(path) = array_paths.get(p) {
            prefix = Some(path.as_str());
            break;
        } else {
            return Err((
                *p_at,
                format!("code `{name}` (id `{at}`) has the parent `{p}`, which is no code's id"),
            ));
        }
    }
    parts.reverse();
    let mut path = parts.join("/");
    if let Some(p) = prefix {
        path = format!("{p}/{path}");
    }
    Ok(path)
}

/// A TOML string on one line (basic string; newlines escaped).
fn one_line_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The codebook in the keyed form, codes in file order.
pub(super) fn write(book: &Codebook) -> String {
    let mut out = String::from(
        "# motif codebook. Each code is a block of `ID.FIELD = value` lines: keep the\n\
         # id (codings refer to it). `name` is the code's name, `parent` its parent's\n\
         # id. Rename and move codes with `motif codes rename|move` or by editing\n\
         # `name` and `parent`. One line per field lets git merge changes to\n\
         # different codes on their own (docs/file-formats.md).\n\
         [code]\n\n",
    );
    for id in &book.order {
        let Some(c) = book.by_id.get(id).map(|&i| &book.codes[i]) else {
            continue;
        };
        let mut field = |k: &str, v: String| {
            let _ = writeln!(out, "{id}.{k} = {v}");
        };
        field("name", one_line_str(c.name()));
        if let Some(parent) = c.parent().and_then(|p| book.by_path(p)) {
            field("parent", one_line_str(&parent.id));
        }
        field("description", one_line_str(&c.description));
        for (k, v) in [
            ("include", &c.include),
            ("exclude", &c.exclude),
            ("example", &c.example),
        ] {
            if let Some(v) = v {
                field(k, one_line_str(v));
            }
        }
        if book.explicit_colors.contains(&c.id) {
            field("color", one_line_str(&c.color));
        }
        if let Some(k) = c.key {
            field("key", one_line_str(&k.to_string()));
        }
        if !c.aliases.is_empty() {
            let list: Vec<String> = c.aliases.iter().map(|a| one_line_str(a)).collect();
            field("aliases", format!("[{}]", list.join(", ")));
        }
        // A blank line after each code, the last one too: a code appended
        // on one branch and a change to the last field of the last code on
        // another are then apart, and git merges both.
        out.push('\n');
    }
    out
}
