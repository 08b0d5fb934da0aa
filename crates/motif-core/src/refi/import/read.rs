//! Reading a `.qdpx` project or a `.qdc` codebook into the checked
//! in-memory [`Package`]: the archive, the sidecar, the project's users,
//! codes, sources, variables and notes.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::refi::archive::Archive;
use crate::refi::reading::Habit;
use crate::refi::xml::{self, Element};
use crate::refi::{SIDECAR, Sidecar, any_guid, normalize_guid};
use crate::text::one_line;

use super::names::{coder_name, short_id, xml_error};
use super::reader::{Reader, read_codes};
use super::sources::read_text_source;
use super::{ImportOptions, MAX_SIDECAR_BYTES, MAX_XML_BYTES, Package};

fn read_sidecar(ar: &mut Archive, notices: &mut Vec<String>) -> Option<Sidecar> {
    let bytes = match ar.read(SIDECAR, MAX_SIDECAR_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => return None,
        Err(e) => {
            notices.push(format!("{SIDECAR} was ignored: {e}"));
            return None;
        }
    };
    match serde_json::from_slice::<Sidecar>(&bytes) {
        Ok(s) if s.format == crate::refi::SIDECAR_FORMAT && s.version == 1 => Some(s),
        Ok(_) => {
            notices.push(format!(
                "{SIDECAR} is of a kind motif does not know; ignored"
            ));
            None
        }
        Err(e) => {
            notices.push(format!("{SIDECAR} is unreadable ({e}); ignored"));
            None
        }
    }
}

/// Reads a `.qdpx`: everything is checked and held in memory; nothing is
/// written.
pub fn read_qdpx(file: &Path, opts: &ImportOptions) -> Result<Package> {
    let mut archive = Archive::open(file)?;
    let qde = archive
        .read("project.qde", MAX_XML_BYTES)?
        .ok_or_else(|| Error::parse(file, None, None, "the archive has no project.qde"))?;
    let root = xml::parse(&qde).map_err(|e| xml_error(file, Some("project.qde"), &e))?;
    drop(qde);
    if !root.is("Project") {
        return Err(Error::parse(
            file.join("project.qde"),
            None,
            None,
            format!("the root element is <{}>, not <Project>", root.name),
        ));
    }
    let mut notices = Vec::new();
    let sidecar = read_sidecar(&mut archive, &mut notices);
    let mut pkg = Package {
        file: file.to_path_buf(),
        ..Package::default()
    };
    read_project(
        file,
        Some(&mut archive),
        &root,
        opts,
        sidecar.as_ref(),
        &mut pkg,
    )?;
    notices.append(&mut pkg.notices);
    pkg.notices = notices;
    Ok(pkg)
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned())
}

fn read_project(
    file: &Path,
    archive: Option<&mut Archive>,
    root: &Element,
    opts: &ImportOptions,
    sidecar: Option<&Sidecar>,
    pkg: &mut Package,
) -> Result<()> {
    pkg.name = root
        .attr_nonblank("name")
        .map_or_else(|| stem(file), |n| one_line(n).trim().to_owned());
    pkg.origin = root.attr_nonblank("origin").map(str::to_owned);
    let mut cx = Reader {
        file,
        archive,
        opts,
        base_path: root.attr_nonblank("basePath").map(str::to_owned),
        users: HashMap::new(),
        notes: HashMap::new(),
        used_notes: HashSet::new(),
        variables: HashMap::new(),
        notices: Vec::new(),
        habit: Habit::of(pkg.origin.as_deref()),
    };
    read_users(&mut cx, root, pkg);
    // Notes first: everything else refers to them.
    let note_order = read_notes(&mut cx, root)?;
    read_variables(&mut cx, root, pkg);
    // The codebook.
    let side: HashMap<String, &crate::refi::SidecarCode> = sidecar
        .map(|s| {
            s.codes
                .iter()
                .filter_map(|c| normalize_guid(&c.guid).map(|g| (g, c)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(codes) = root.child("CodeBook").and_then(|b| b.child("Codes")) {
        let mut seen = HashSet::new();
        read_codes(&mut cx, codes, None, &side, &mut pkg.codes, &mut seen);
    }
    read_sources(&mut cx, root, pkg)?;
    read_cases(&mut cx, root, pkg);
    // The project memo: description, notes on the project, free notes.
    if let Some(d) = root
        .child_text("Description")
        .filter(|d| !d.trim().is_empty())
    {
        pkg.project_memo.push(d.to_owned());
    }
    let project_refs = cx.refs(root);
    pkg.project_memo.extend(project_refs);
    for (g, name) in &note_order {
        if cx.used_notes.contains(g) {
            continue;
        }
        let text = &cx.notes[g];
        if text.trim().is_empty() {
            continue;
        }
        pkg.project_memo.push(match name {
            Some(n) => format!("## {}\n\n{text}", one_line(n)),
            None => text.clone(),
        });
    }
    read_sets(root, pkg);
    for (what, label) in [("Links", "link"), ("Graphs", "graph")] {
        if let Some(el) = root.child(what)
            && !el.children.is_empty()
        {
            keep(pkg, what, label, el.children.iter());
        }
    }
    pkg.notices.append(&mut cx.notices);
    Ok(())
}

/// Keeps elements motif cannot represent (children of `group`) as read,
/// listing them by name.
pub(super) fn keep<'a>(
    pkg: &mut Package,
    group: &str,
    label: &str,
    els: impl Iterator<Item = &'a Element>,
) {
    let at = pkg
        .unrepresented
        .iter()
        .position(|g| g.name == group)
        .unwrap_or_else(|| {
            pkg.unrepresented.push(Element {
                name: group.to_owned(),
                ..Element::default()
            });
            pkg.unrepresented.len() - 1
        });
    for el in els {
        let name = el
            .attr_nonblank("name")
            .map_or_else(|| el.attr("guid").unwrap_or("").to_owned(), one_line);
        pkg.unrepresented_names.push(format!("{label} `{name}`"));
        pkg.unrepresented[at].children.push(el.clone());
    }
}

/// Sets: code groups and document sets, members by GUID.
fn read_sets(root: &Element, pkg: &mut Package) {
    let Some(sets) = root.child("Sets") else {
        return;
    };
    for set in sets.children_named("Set") {
        let Some(guid) = set.attr_nonblank("guid") else {
            continue;
        };
        let mut out = super::ImportedSet {
            guid: guid.to_owned(),
            name: set.attr("name").unwrap_or("").to_owned(),
            description: set.child_text("Description").unwrap_or("").to_owned(),
            ..super::ImportedSet::default()
        };
        for m in &set.children {
            let Some(target) = m.attr_nonblank("targetGUID") else {
                continue;
            };
            let canonical = any_guid(target);
            match (m.name.to_ascii_lowercase().as_str(), canonical) {
                ("membercode", Some(g)) => out.codes.push(g),
                ("membersource", Some(g)) if pkg.sources.iter().any(|s| s.guid == g) => {
                    out.sources.push(g);
                }
                (_, _) if !m.is("Description") => {
                    out.other.push((m.name.clone(), target.to_owned()));
                }
                _ => {}
            }
        }
        // A document set is also an attribute of its members, so that
        // reports can filter by it (`--attr "set: NAME=yes"`).
        if !out.sources.is_empty() {
            let column = crate::refi::kept::set_column(&out.name);
            if !pkg.variables.contains(&column) {
                pkg.variables.push(column.clone());
            }
            for s in pkg
                .sources
                .iter_mut()
                .filter(|s| out.sources.contains(&s.guid))
            {
                s.attributes.insert(column.clone(), "yes".into());
            }
        }
        pkg.sets.push(out);
    }
}

/// Reads a `.qdc` codebook (a `project.qde` is accepted too, for its
/// codebook).
pub fn read_qdc(file: &Path) -> Result<Package> {
    let meta = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
    if meta.len() > MAX_XML_BYTES {
        return Err(Error::parse(
            file,
            None,
            None,
            format!(
                "the file is larger than the {} MB motif reads",
                MAX_XML_BYTES / 1_000_000
            ),
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Error::parse(
            file,
            None,
            None,
            "this is a zip archive — a .qdpx project, not a .qdc codebook; import it with `motif import-qdpx`",
        ));
    }
    let root = xml::parse(&bytes).map_err(|e| xml_error(file, None, &e))?;
    let codes = if root.is("CodeBook") {
        root.child("Codes")
    } else if root.is("Project") {
        root.child("CodeBook").and_then(|b| b.child("Codes"))
    } else {
        return Err(Error::parse(
            file,
            None,
            None,
            format!(
                "the root element is <{}>, not <CodeBook>; is this a REFI-QDA codebook?",
                root.name
            ),
        ));
    };
    let opts = ImportOptions {
        allow_external_paths: false,
        default_coder: String::new(),
        merge: true,
    };
    let mut cx = Reader {
        file,
        archive: None,
        opts: &opts,
        base_path: None,
        users: HashMap::new(),
        notes: HashMap::new(),
        used_notes: HashSet::new(),
        variables: HashMap::new(),
        notices: Vec::new(),
        habit: Habit::of(None),
    };
    let mut pkg = Package {
        file: file.to_path_buf(),
        name: stem(file),
        origin: root.attr_nonblank("origin").map(str::to_owned),
        ..Package::default()
    };
    if let Some(codes) = codes {
        let mut seen = HashSet::new();
        read_codes(
            &mut cx,
            codes,
            None,
            &HashMap::new(),
            &mut pkg.codes,
            &mut seen,
        );
    }
    if pkg.codes.is_empty() {
        return Err(Error::parse(
            file,
            None,
            None,
            "the codebook holds no codes",
        ));
    }
    if root.child("Sets").is_some_and(|s| !s.children.is_empty()) {
        cx.notices
            .push("code sets were skipped: motif has no place for them".into());
    }
    pkg.notices = cx.notices;
    Ok(pkg)
}

/// The project's users as coder names (unique, made from their names or
/// ids), into `pkg.users` and the reader's map from GUID to name.
fn read_users(cx: &mut Reader<'_>, root: &Element, pkg: &mut Package) {
    let mut taken: HashSet<String> = HashSet::new();
    if let Some(users) = root.child("Users") {
        for u in users.children_named("User") {
            let Some(g) = u.attr("guid").and_then(any_guid) else {
                continue;
            };
            let mut name = u
                .attr_nonblank("name")
                .map(coder_name)
                .filter(|n| !n.is_empty())
                .or_else(|| {
                    u.attr_nonblank("id")
                        .map(coder_name)
                        .filter(|n| !n.is_empty())
                })
                .unwrap_or_else(|| coder_name(&format!("user-{}", short_id(&g))));
            if taken.contains(&name) && cx.users.get(&g) != Some(&name) {
                let mut n = 2;
                while taken.contains(&format!("{name}-{n}")) {
                    n += 1;
                }
                name = format!("{name}-{n}");
            }
            taken.insert(name.clone());
            pkg.users.push(name.clone());
            pkg.raw_users.push(super::ImportedUser {
                coder: name.clone(),
                guid: u.attr("guid").map(str::trim).unwrap_or_default().to_owned(),
                name: u.attr("name").map(str::to_owned),
                id: u.attr("id").map(str::to_owned),
            });
            cx.users.insert(g, name);
        }
    }
}

/// The project's notes, read into the reader by GUID (everything else
/// refers to them); their GUIDs and names in document order.
fn read_notes(cx: &mut Reader<'_>, root: &Element) -> Result<Vec<(String, Option<String>)>> {
    let mut note_order = Vec::new();
    if let Some(notes) = root.child("Notes") {
        for n in notes.children_named("Note") {
            // A note nothing can refer to (no GUID) is still the
            // researcher's text: it is kept as a loose note.
            let g = n.attr("guid").and_then(any_guid).unwrap_or_else(|| {
                crate::refi::guid("unnamed-note", &note_order.len().to_string())
            });
            let text = cx.note_text(n)?;
            note_order.push((g.clone(), n.attr_nonblank("name").map(str::to_owned)));
            cx.notes.insert(g, text);
        }
    }
    Ok(note_order)
}

/// The project's variables as attribute names (`id` becomes `id_`), into
/// `pkg.variables` and the reader's map from GUID to name.
fn read_variables(cx: &mut Reader<'_>, root: &Element, pkg: &mut Package) {
    if let Some(vars) = root.child("Variables") {
        for v in vars.children_named("Variable") {
            let Some(g) = v.attr("guid").and_then(any_guid) else {
                continue;
            };
            let mut name = v.attr_nonblank("name").map_or_else(
                || format!("variable-{}", pkg.variables.len() + 1),
                |n| one_line(n).trim().to_owned(),
            );
            if name.eq_ignore_ascii_case("id") {
                name = "id_".into();
            }
            if !pkg.variables.contains(&name) {
                pkg.variables.push(name.clone());
            }
            cx.variables.insert(g, name);
        }
    }
}

/// The project's sources: text sources and the text of PDF sources are
/// read; other kinds are counted in a notice.
fn read_sources(cx: &mut Reader<'_>, root: &Element, pkg: &mut Package) -> Result<()> {
    if let Some(sources) = root.child("Sources") {
        for s in &sources.children {
            match s.name.to_ascii_lowercase().as_str() {
                "textsource" => read_text_source(cx, s, None, pkg)?,
                "pdfsource" => {
                    if let Some(rep) = s.child("Representation") {
                        read_text_source(cx, rep, s.attr_nonblank("name"), pkg)?;
                        // The PDF itself, with its page-area selections,
                        // is kept without the text (now a transcript).
                        let mut pdf = s.clone();
                        pdf.children.retain(|c| !c.is("Representation"));
                        if pdf.children_named("PDFSelection").next().is_some() {
                            keep_source(cx, &pdf, "pdf", pkg)?;
                        }
                    } else {
                        keep_source(cx, s, "pdf", pkg)?;
                    }
                }
                other => {
                    let kind = other.trim_end_matches("source");
                    let kind = if kind.is_empty() { other } else { kind };
                    keep_source(cx, s, kind, pkg)?;
                }
            }
        }
    }
    Ok(())
}

/// Keeps a source motif cannot code (picture, audio, video, PDF) as read,
/// with the archive files it refers to.
fn keep_source(cx: &mut Reader<'_>, el: &Element, kind: &str, pkg: &mut Package) -> Result<()> {
    let label = format!("{kind} source");
    for (k, v) in &el.attrs {
        if !k.to_ascii_lowercase().ends_with("path") {
            continue;
        }
        let lower = v.trim().to_ascii_lowercase();
        if !lower.starts_with("internal://") {
            continue;
        }
        let what = format!("{label} `{}`", one_line(el.attr("name").unwrap_or("")));
        let loc = cx.locate(v, &what)?;
        if let super::reader::Location::Internal(name) = &loc
            && let Some(bytes) = cx.fetch(&loc, super::MAX_DOCX_BYTES)?
            && !pkg.kept_files.iter().any(|(n, _)| n == name)
        {
            pkg.kept_files.push((name.clone(), bytes));
        }
    }
    keep(pkg, "Sources", &label, std::iter::once(el));
    Ok(())
}

/// Cases: their variable values become attributes of the sources they
/// refer to (or name).
fn read_cases(cx: &mut Reader<'_>, root: &Element, pkg: &mut Package) {
    if let Some(cases) = root.child("Cases") {
        let by_guid: HashMap<String, usize> = pkg
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.guid.clone(), i))
            .collect();
        let mut unattached = 0;
        for case in cases.children_named("Case") {
            let values: Vec<(String, String)> = case
                .children_named("VariableValue")
                .filter_map(|vv| cx.variable_value(vv))
                .collect();
            if values.is_empty() {
                continue;
            }
            let mut targets: Vec<usize> = case
                .children_named("SourceRef")
                .filter_map(|r| r.attr("targetGUID").and_then(any_guid))
                .filter_map(|g| by_guid.get(&g).copied())
                .collect();
            if targets.is_empty()
                && let Some(name) = case.attr_nonblank("name")
            {
                targets.extend(
                    pkg.sources
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.name == name)
                        .map(|(i, _)| i),
                );
            }
            if targets.is_empty() {
                unattached += 1;
            }
            for t in targets {
                for (k, v) in &values {
                    pkg.sources[t]
                        .attributes
                        .entry(k.clone())
                        .or_insert_with(|| v.clone());
                }
            }
        }
        if unattached > 0 {
            cx.notices.push(format!(
                "{unattached} case(s) refer to no imported source; their variables were not imported"
            ));
        }
    }
}
