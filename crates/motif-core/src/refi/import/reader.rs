//! The reading context of one import (the file, the archive, what was
//! seen and the notices), and the codebook's nested codes read from XML.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::import::normalize_newlines;
use crate::refi::archive::{Archive, check_entry_name};
use crate::refi::reading::Habit;
use crate::refi::xml::Element;
use crate::refi::{normalize_guid, parse_refi_color, split_description};
use crate::text::one_line;

use super::names::{code_name, coder_name, decode_source, short_id};
use super::{ImportOptions, ImportedCode, MAX_SOURCE_BYTES};

/// Reading state shared by the parts of a project.
pub(super) struct Reader<'a> {
    pub(super) file: &'a Path,
    pub(super) archive: Option<&'a mut Archive>,
    pub(super) opts: &'a ImportOptions,
    pub(super) base_path: Option<String>,
    pub(super) users: HashMap<String, String>,
    pub(super) notes: HashMap<String, String>,
    pub(super) used_notes: HashSet<String>,
    pub(super) variables: HashMap<String, String>,
    pub(super) notices: Vec<String>,
    pub(super) habit: Habit,
}

/// Where a source's text lives.
pub(super) enum Location {
    Internal(String),
    External(PathBuf),
}

impl Reader<'_> {
    pub(super) fn bad(&self, msg: String) -> Error {
        Error::parse(self.file, None, None, msg)
    }

    /// The coder named by a user GUID.
    pub(super) fn coder(&mut self, user: Option<&str>) -> String {
        let Some(raw) = user.and_then(|u| normalize_guid(u).or_else(|| Some(u.trim().to_owned())))
        else {
            return self.opts.default_coder.clone();
        };
        if raw.is_empty() {
            return self.opts.default_coder.clone();
        }
        if let Some(c) = self.users.get(&raw) {
            return c.clone();
        }
        let name = format!("user-{}", short_id(&raw));
        let name = coder_name(&name);
        let name = if name.is_empty() {
            self.opts.default_coder.clone()
        } else {
            name
        };
        self.users.insert(raw, name.clone());
        name
    }

    pub(super) fn locate(&self, url: &str, what: &str) -> Result<Location> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("internal://")
            .map(|_| &url["internal://".len()..])
        {
            return self.internal(rest, what);
        }
        for (scheme, relative) in [("relative://", true), ("absolute://", false)] {
            if lower.starts_with(scheme) {
                if !self.opts.allow_external_paths {
                    return Err(self.bad(format!(
                        "{what} refers to a file outside the archive (`{}`); motif reads only what the .qdpx holds unless you pass --allow-external-paths",
                        one_line(url)
                    )));
                }
                let rest = &url[scheme.len()..];
                let path = if relative {
                    let base = self.base_path.clone().unwrap_or_default();
                    let rest = rest.trim_start_matches('/');
                    Path::new(&base).join(rest)
                } else {
                    // absolute:///C:/x or absolute:///home/x → the path.
                    let p = rest.strip_prefix('/').unwrap_or(rest);
                    let windows = p.len() >= 2 && p.as_bytes()[1] == b':';
                    if windows {
                        PathBuf::from(p)
                    } else {
                        PathBuf::from(format!("/{}", p.trim_start_matches('/')))
                    }
                };
                return Ok(Location::External(path));
            }
        }
        if url.contains("://") {
            return Err(self.bad(format!(
                "{what} has a path motif does not understand: `{}`",
                one_line(url)
            )));
        }
        // A bare file name: take it as internal.
        self.internal(url, what)
    }

    fn internal(&self, name: &str, what: &str) -> Result<Location> {
        let clean = check_entry_name(name).map_err(|why| {
            self.bad(format!(
                "refused: {what} names an internal file `{}` that {why}",
                one_line(name)
            ))
        })?;
        Ok(Location::Internal(clean))
    }

    /// Reads a located file; `None` if an internal file is missing.
    pub(super) fn fetch(&mut self, loc: &Location, cap: u64) -> Result<Option<Vec<u8>>> {
        match loc {
            Location::Internal(name) => {
                let Some(ar) = self.archive.as_deref_mut() else {
                    return Ok(None);
                };
                let in_sources = format!("sources/{name}");
                if ar.contains(&in_sources) {
                    ar.read(&in_sources, cap)
                } else {
                    ar.read(name, cap)
                }
            }
            Location::External(path) => {
                let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if meta.len() > cap {
                    return Err(Error::parse(
                        path,
                        None,
                        None,
                        format!(
                            "the file is larger than the {} MB motif reads",
                            cap / 1_000_000
                        ),
                    ));
                }
                std::fs::read(path)
                    .map(Some)
                    .map_err(|e| Error::io(path, e))
            }
        }
    }

    /// The text of a note (its content, else its file, with its
    /// description first).
    pub(super) fn note_text(&mut self, note: &Element) -> Result<String> {
        let mut parts = Vec::new();
        if let Some(d) = note
            .child_text("Description")
            .filter(|d| !d.trim().is_empty())
        {
            parts.push(d.to_owned());
        }
        if let Some(c) = note
            .child_text("PlainTextContent")
            .filter(|c| !c.trim().is_empty())
        {
            parts.push(c.to_owned());
        } else if let Some(p) = note.attr_nonblank("plainTextPath") {
            let what = format!("note `{}`", one_line(note.attr("name").unwrap_or("")));
            let loc = self.locate(p, &what)?;
            if let Some(bytes) = self.fetch(&loc, MAX_SOURCE_BYTES)? {
                let mut notices = Vec::new();
                if let Ok((text, _)) = decode_source(&bytes, &what, &mut notices) {
                    parts.push(normalize_newlines(&text));
                }
                self.notices.extend(notices);
            }
        }
        Ok(parts.join("\n\n"))
    }

    /// Texts of the notes an element refers to (marked as used).
    pub(super) fn refs(&mut self, el: &Element) -> Vec<String> {
        let mut out = Vec::new();
        for r in el.children_named("NoteRef") {
            if let Some(g) = r.attr("targetGUID").and_then(normalize_guid)
                && let Some(text) = self.notes.get(&g)
            {
                self.used_notes.insert(g);
                if !text.trim().is_empty() {
                    out.push(text.clone());
                }
            }
        }
        out
    }

    /// The value of a `VariableValue`, with its variable's name.
    pub(super) fn variable_value(&mut self, vv: &Element) -> Option<(String, String)> {
        let g = vv
            .child("VariableRef")?
            .attr("targetGUID")
            .and_then(normalize_guid)?;
        let name = self.variables.get(&g)?.clone();
        let value = vv
            .children
            .iter()
            .find(|c| c.name.to_ascii_lowercase().ends_with("value"))
            .map(|c| c.text.trim().to_owned())?;
        // An attribute is a short value (a role, a date…): a longer one is
        // cut, so a hostile archive cannot make attributes.csv huge, and
        // the cut is said.
        let total = value.chars().count();
        if total > MAX_ATTRIBUTE_CHARS {
            self.notices.push(format!(
                "the value of attribute `{}` was cut to its first {MAX_ATTRIBUTE_CHARS} of {total} characters (an attribute is a short value; keep long text in a memo)",
                crate::text::one_line(&name)
            ));
        }
        let value: String = value.chars().take(MAX_ATTRIBUTE_CHARS).collect();
        (!value.is_empty()).then_some((name, value))
    }
}

/// The most characters of an imported attribute value kept.
pub const MAX_ATTRIBUTE_CHARS: usize = 10_000;

/// Reads the codes under `parent` (an element holding `Code` children).
pub(super) fn read_codes(
    cx: &mut Reader<'_>,
    parent_el: &Element,
    parent: Option<usize>,
    sidecar: &HashMap<String, &crate::refi::SidecarCode>,
    out: &mut Vec<ImportedCode>,
    seen: &mut HashSet<String>,
) {
    let mut sibling_names: HashSet<String> = HashSet::new();
    for el in parent_el.children_named("Code") {
        let base = code_name(el.attr("name"));
        if el.attr_nonblank("name").is_none() {
            cx.notices
                .push("a code without a name was imported as `unnamed code`".into());
        }
        let mut name = base.clone();
        let mut n = 2;
        while !sibling_names.insert(name.to_lowercase()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        if name != base {
            cx.notices.push(format!(
                "two codes are named `{base}` under the same parent; the second became `{name}`"
            ));
        }
        let mut guid = el.attr("guid").and_then(normalize_guid).unwrap_or_default();
        if guid.is_empty() || !seen.insert(guid.clone()) {
            let replacement = crate::refi::guid("imported-code", &format!("{guid}\0{}", out.len()));
            if !guid.is_empty() {
                cx.notices.push(format!(
                    "two codes share the GUID {guid}; codings refer to the first, `{name}` got a new one"
                ));
            }
            seen.insert(replacement.clone());
            guid = replacement;
        }
        let raw_color = el.attr_nonblank("color");
        let color = raw_color.and_then(parse_refi_color);
        if let (Some(raw), None) = (raw_color, &color) {
            cx.notices.push(format!(
                "code `{name}`: the colour `{}` was not understood; it gets one from the palette",
                one_line(raw)
            ));
        }
        let (description, include, exclude, example) =
            split_description(el.child_text("Description").unwrap_or(""));
        let memo = cx.refs(el);
        let side = sidecar.get(&guid);
        let index = out.len();
        out.push(ImportedCode {
            raw_guid: el
                .attr("guid")
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
            codable: !el
                .attr("isCodable")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("false") || v.trim() == "0"),
            raw_color: raw_color.map(str::to_owned),
            guid: guid.clone(),
            name,
            parent,
            description,
            include,
            exclude,
            example,
            color,
            memo: (!memo.is_empty()).then(|| memo.join("\n\n")),
            sidecar_id: side.map(|s| s.id.clone()),
            key: side.and_then(|s| s.key.as_deref()).and_then(|k| {
                let mut cs = k.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) if !c.is_control() && !c.is_whitespace() => Some(c),
                    _ => None,
                }
            }),
            aliases: side.map(|s| s.aliases.clone()).unwrap_or_default(),
        });
        read_codes(cx, el, Some(index), sidecar, out, seen);
    }
}
