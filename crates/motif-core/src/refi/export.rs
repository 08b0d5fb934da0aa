//! Writing REFI-QDA: a whole project as `.qdpx`, the codebook as `.qdc`.
//!
//! | motif | REFI-QDA |
//! | --- | --- |
//! | coder | `User` (GUID from the name) |
//! | code (tree, description, criteria, example, colour) | `CodeBook/Codes/Code`, criteria and example as paragraphs of `Description` |
//! | transcript | `TextSource` with `plainTextPath="internal://GUID.txt"` and `sources/GUID.txt` (UTF-8, no BOM) |
//! | coded spans | `PlainTextSelection` (code points, end-exclusive), one per span, with one `Coding` → `CodeRef` per coding on it |
//! | memos (project, transcript, code, coding) | `Notes/Note` with `PlainTextContent`, referenced by `NoteRef` from the project, the source, the code or the coding |
//! | attributes | `Variables` (text) and one `Case` per transcript with `VariableValue`s and a `SourceRef` |
//!
//! Every GUID derives from a motif id and nothing depends on the clock,
//! so exporting an unchanged project twice gives identical bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use super::super::codebook::{Code, Codebook};
use super::super::error::{Error, Result};
use super::super::memo::{MemoTarget, read_memo};
use super::super::segments::{Filter, Segment};
use super::super::transcript::Transcript;
use super::super::workspace::Workspace;
use super::kept::{self, Kept, set_column, write_element};
use super::xml::{Element, Writer, has_illegal};
use super::{
    CODEBOOK_NS, CODEBOOK_XSD, PROJECT_NS, PROJECT_XSD, SIDECAR, SIDECAR_FORMAT, Sidecar,
    SidecarCode, code_guid, coding_guid, compose_description, guid, is_datetime, origin,
    source_guid, user_guid,
};

/// How to write positions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Write positions in UTF-16 code units (`NVivo`, ATLAS.ti, MAXQDA)
    /// instead of code points (the standard's reading).
    pub utf16: bool,
}

/// What the project keeps from a REFI-QDA import, and how to write
/// positions: the GUIDs, names and attributes to give back.
struct Out {
    kept: Kept,
    utf16: bool,
    /// The kept `Sources` group (sources motif cannot code).
    sources_kept: Option<Element>,
}

impl Out {
    fn user(&self, coder: &str) -> String {
        self.kept
            .user(coder)
            .map_or_else(|| user_guid(coder), |u| u.guid.clone())
    }

    fn source(&self, id: &str) -> String {
        self.kept
            .sources
            .get(id)
            .map_or_else(|| source_guid(id), |s| s.guid.clone())
    }

    fn code(&self, id: &str) -> String {
        self.kept
            .codes
            .get(id)
            .and_then(|k| k.guid.clone())
            .unwrap_or_else(|| code_guid(id))
    }

    /// A code's colour: as it came while motif's is unchanged (absent
    /// stays absent), else motif's.
    fn color(&self, c: &Code) -> Option<String> {
        let valid = |v: &str| {
            let h = v.strip_prefix('#').unwrap_or("");
            (h.len() == 6 || h.len() == 3) && h.chars().all(|c| c.is_ascii_hexdigit())
        };
        match self.kept.codes.get(&c.id) {
            Some(k) if k.motif_color == c.color => match &k.color {
                None => None,
                Some(v) if valid(v.trim()) => Some(v.trim().to_owned()),
                Some(_) => Some(c.color.to_ascii_uppercase()),
            },
            _ => Some(c.color.to_ascii_uppercase()),
        }
    }

    /// Whether an attribute column stands for a kept document set.
    fn is_set_column(&self, name: &str) -> bool {
        self.kept
            .sets
            .iter()
            .any(|s| !s.transcripts.is_empty() && set_column(&s.name) == name)
    }

    fn codable(&self, id: &str) -> bool {
        self.kept
            .codes
            .get(id)
            .and_then(|k| k.codable)
            .unwrap_or(true)
    }
}

/// Code point → UTF-16 unit offsets in one text.
struct Units(Vec<usize>);

impl Units {
    fn of(text: &str) -> Units {
        Units(
            text.chars()
                .enumerate()
                .filter(|(_, c)| c.len_utf16() == 2)
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn at(&self, cp: usize) -> usize {
        cp + self.0.partition_point(|&i| i < cp)
    }
}

/// What an export wrote, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub coders: usize,
    pub codes: usize,
    pub transcripts: usize,
    pub selections: usize,
    pub codings: usize,
    pub notes: usize,
    pub cases: usize,
    /// What the researcher should know (what was left out and why).
    pub notices: Vec<String>,
}

/// An export ready to be written.
#[derive(Debug, Clone)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub report: ExportReport,
}

/// The selection name other tools show: the first words of the quote.
fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(60).collect();
    if flat.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn memo_text(ws: &Workspace, target: &MemoTarget) -> Result<Option<String>> {
    let text = read_memo(&ws.project, target)?;
    Ok((!text.trim().is_empty()).then_some(text))
}

struct Note {
    guid: String,
    name: String,
    text: String,
}

fn add_note(
    notes: &mut Vec<Note>,
    notices: &mut Vec<String>,
    key: &str,
    name: String,
    text: String,
) -> String {
    let g = guid("note", key);
    if has_illegal(&text) {
        notices.push(format!(
            "{name}: characters XML cannot carry were written as U+FFFD"
        ));
    }
    notes.push(Note {
        guid: g.clone(),
        name,
        text,
    });
    g
}

fn write_codes(
    w: &mut Writer,
    book: &Codebook,
    parent: Option<&str>,
    notes: &BTreeMap<String, String>,
    out: &Out,
) {
    let kids: Vec<&Code> = book.children(parent).collect();
    for c in kids {
        let has_kids = book.children(Some(&c.path)).next().is_some();
        let description = compose_description(c);
        let note = notes.get(&c.id);
        let attrs = [
            ("guid", Some(out.code(&c.id))),
            ("name", Some(c.name().to_owned())),
            ("isCodable", Some(out.codable(&c.id).to_string())),
            ("color", out.color(c)),
        ];
        if description.is_empty() && note.is_none() && !has_kids {
            w.empty("Code", &attrs);
            continue;
        }
        w.open("Code", &attrs);
        if !description.is_empty() {
            w.text("Description", &description);
        }
        if let Some(n) = note {
            w.empty("NoteRef", &[("targetGUID", Some(n.clone()))]);
        }
        write_codes(w, book, Some(&c.path), notes, out);
        w.close("Code");
    }
}

fn codes_without_notes(w: &mut Writer, book: &Codebook, parent: Option<&str>, kept: Kept) {
    let out = Out {
        kept,
        utf16: false,
        sources_kept: None,
    };
    write_codes(w, book, parent, &BTreeMap::new(), &out);
}

/// The codebook as a `.qdc` document (valid against `Codebook.xsd`);
/// `kept` gives imported codes their GUIDs, `isCodable` and colours as
/// they came.
pub fn qdc(book: &Codebook, kept: Kept) -> Result<String> {
    if book.is_empty() {
        return Err(Error::invalid(format!(
            "the codebook ({}) has no codes; a .qdc needs at least one — add codes with `motif codes add`",
            book.path.display()
        )));
    }
    let mut w = Writer::new();
    w.open(
        "CodeBook",
        &[
            ("xmlns", Some(CODEBOOK_NS.to_owned())),
            (
                "xmlns:xsi",
                Some("http://www.w3.org/2001/XMLSchema-instance".to_owned()),
            ),
            (
                "xsi:schemaLocation",
                Some(format!("{CODEBOOK_NS} {CODEBOOK_XSD}")),
            ),
            ("origin", Some(origin())),
        ],
    );
    w.open("Codes", &[]);
    codes_without_notes(&mut w, book, None, kept);
    w.close("Codes");
    w.close("CodeBook");
    Ok(w.out)
}

/// `project.qde`, the source files and the report.
pub struct ProjectDocument {
    pub qde: String,
    /// (name under `sources/`, bytes), sorted by name.
    pub sources: Vec<(String, Vec<u8>)>,
    pub sidecar: Sidecar,
    pub report: ExportReport,
}

/// Builds `project.qde` for a loaded project.
pub fn project_document(ws: &Workspace, opts: ExportOptions) -> Result<ProjectDocument> {
    let mut report = ExportReport::default();
    let elements = kept::load_elements(&ws.project)?;
    let out = Out {
        kept: kept::load(&ws.project)?,
        utf16: opts.utf16,
        sources_kept: elements.iter().find(|g| g.is("Sources")).cloned(),
    };
    let book = &ws.book;
    let (segs, unplaced) = ws.segments(&Filter::default());
    if !unplaced.is_empty() {
        report.notices.push(format!(
            "{} coding(s) could not be placed on their transcripts and were left out; `motif check` lists them",
            unplaced.len()
        ));
    }
    for e in &ws.unreadable {
        report
            .notices
            .push(format!("left out an unreadable transcript: {e}"));
    }
    let mut notes: Vec<Note> = Vec::new();
    // Memos on codes and transcripts, and the project memo.
    let (code_notes, source_notes, project_note) = memo_notes(ws, &mut notes, &mut report)?;

    let mut w = Writer::new();
    w.open(
        "Project",
        &[
            ("xmlns", Some(PROJECT_NS.to_owned())),
            (
                "xmlns:xsi",
                Some("http://www.w3.org/2001/XMLSchema-instance".to_owned()),
            ),
            (
                "xsi:schemaLocation",
                Some(format!("{PROJECT_NS} {PROJECT_XSD}")),
            ),
            ("name", Some(ws.project.config.name.clone())),
            (
                "origin",
                Some(if opts.utf16 {
                    format!("{}; positions in UTF-16 code units", origin())
                } else {
                    origin()
                }),
            ),
        ],
    );

    // Users: every coder with a journal, and every user an import kept.
    report.coders = write_users(&mut w, ws, &out);

    // The codebook.
    if !book.is_empty() {
        w.open("CodeBook", &[]);
        w.open("Codes", &[]);
        write_codes(&mut w, book, None, &code_notes, &out);
        w.close("Codes");
        w.close("CodeBook");
    }
    report.codes = book.len();

    // Variables and cases from the attributes table.
    write_variables_and_cases(&mut w, ws, &out, &mut report);

    // Sources with their selections and codings, then the kept ones.
    let kept_group = |name: &str| elements.iter().find(|g| g.is(name));
    let mut sources = write_sources(
        &mut w,
        ws,
        &segs,
        &source_notes,
        &mut notes,
        &out,
        &mut report,
    );
    sources.extend(kept_files(ws, kept_group("Sources")));

    // Notes, links, sets, graphs, then the project's own reference.
    write_notes(&mut w, &notes);
    report.notes = notes.len();
    write_kept(&mut w, kept_group("Links"));
    write_sets(&mut w, ws, &out);
    write_kept(&mut w, kept_group("Graphs"));
    if let Some(g) = project_note {
        w.empty("NoteRef", &[("targetGUID", Some(g))]);
    }
    w.close("Project");

    let sidecar = sidecar(book, &mut report);
    sources.sort();
    Ok(ProjectDocument {
        qde: w.out,
        sources,
        sidecar,
        report,
    })
}

/// What travels in `motif.json`: code ids, shortcuts, aliases.
fn sidecar(book: &Codebook, report: &mut ExportReport) -> Sidecar {
    let keys: Vec<&Code> = book.codes().iter().filter(|c| c.key.is_some()).collect();
    if !keys.is_empty() {
        report.notices.push(format!(
            "{} code shortcut(s) and the code ids travel in {SIDECAR}, which other tools ignore",
            keys.len()
        ));
    }
    Sidecar {
        format: SIDECAR_FORMAT.to_owned(),
        version: 1,
        codes: book
            .codes()
            .iter()
            .map(|c| SidecarCode {
                guid: code_guid(&c.id),
                id: c.id.clone(),
                key: c.key.map(String::from),
                aliases: c.aliases.clone(),
            })
            .collect(),
    }
}

/// The GUIDs of notes, by what they are about (a code id or a transcript
/// id).
type NoteGuids = BTreeMap<String, String>;

/// Notes for the memos on codes and transcripts and for the project memo:
/// their GUIDs by code id and by transcript id, and the project's.
fn memo_notes(
    ws: &Workspace,
    notes: &mut Vec<Note>,
    report: &mut ExportReport,
) -> Result<(NoteGuids, NoteGuids, Option<String>)> {
    let book = &ws.book;
    let mut code_notes = BTreeMap::new();
    for c in book.codes() {
        if let Some(text) = memo_text(ws, &MemoTarget::Code(c.id.clone()))? {
            let g = add_note(
                notes,
                &mut report.notices,
                &format!("code\0{}", c.id),
                format!("Memo: {}", c.path),
                text,
            );
            code_notes.insert(c.id.clone(), g);
        }
    }
    let mut source_notes = BTreeMap::new();
    for id in ws.transcripts.keys() {
        if let Some(text) = memo_text(ws, &MemoTarget::Transcript(id.clone()))? {
            let g = add_note(
                notes,
                &mut report.notices,
                &format!("transcript\0{id}"),
                format!("Memo: {id}"),
                text,
            );
            source_notes.insert(id.clone(), g);
        }
    }
    let project_note = memo_text(ws, &MemoTarget::Project)?.map(|text| {
        add_note(
            notes,
            &mut report.notices,
            "project",
            "Project memo".to_owned(),
            text,
        )
    });
    Ok((code_notes, source_notes, project_note))
}

/// The archive files of the kept sources, from `refi-qda/files/`.
fn kept_files(ws: &Workspace, group: Option<&Element>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(group) = group else {
        return out;
    };
    let dir = kept::files_dir(&ws.project.root);
    let mut names: Vec<String> = Vec::new();
    for el in &group.children {
        for (k, v) in &el.attrs {
            let lower = v.trim().to_ascii_lowercase();
            if k.to_ascii_lowercase().ends_with("path") && lower.starts_with("internal://") {
                let name = v.trim()["internal://".len()..].to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    for name in names {
        let path = dir.join(&name);
        if let Ok(bytes) = std::fs::read(&path) {
            out.push((name, bytes));
        }
    }
    out
}

/// Kept elements (`Links`, `Graphs`) as they came.
fn write_kept(w: &mut Writer, group: Option<&Element>) {
    if let Some(g) = group.filter(|g| !g.children.is_empty()) {
        w.open(&g.name, &[]);
        for c in &g.children {
            write_element(w, c);
        }
        w.close(&g.name);
    }
}

/// `<Sets>`: the sets an import kept, with the members that are still in
/// the project.
fn write_sets(w: &mut Writer, ws: &Workspace, out: &Out) {
    if out.kept.sets.is_empty() {
        return;
    }
    w.open("Sets", &[]);
    for set in &out.kept.sets {
        let codes: Vec<&String> = set
            .codes
            .iter()
            .filter(|c| ws.book.by_id(c).is_some())
            .collect();
        // A document set's members: the transcripts whose column says so
        // (the researcher may have changed it), else those it came with.
        let column = set_column(&set.name);
        let sources: Vec<&String> =
            if set.transcripts.is_empty() || !ws.attributes.names.contains(&column) {
                set.transcripts
                    .iter()
                    .filter(|t| ws.transcripts.contains_key(*t))
                    .collect()
            } else {
                ws.transcripts
                    .keys()
                    .filter(|t| {
                        ws.attributes
                            .rows
                            .get(*t)
                            .and_then(|r| r.get(&column))
                            .is_some_and(|v| !v.trim().is_empty())
                    })
                    .collect()
            };
        let attrs = [
            ("guid", Some(set.guid.clone())),
            ("name", Some(set.name.clone())),
        ];
        if set.description.is_empty()
            && codes.is_empty()
            && sources.is_empty()
            && set.other_members.is_empty()
        {
            w.empty("Set", &attrs);
            continue;
        }
        w.open("Set", &attrs);
        if !set.description.is_empty() {
            w.text("Description", &set.description);
        }
        for c in codes {
            w.empty("MemberCode", &[("targetGUID", Some(out.code(c)))]);
        }
        for t in sources {
            w.empty("MemberSource", &[("targetGUID", Some(out.source(t)))]);
        }
        for (kind, g) in set
            .other_members
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("MemberSource"))
        {
            w.empty(kind, &[("targetGUID", Some(g.clone()))]);
        }
        for (kind, g) in set
            .other_members
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("MemberSource"))
        {
            w.empty(kind, &[("targetGUID", Some(g.clone()))]);
        }
        w.close("Set");
    }
    w.close("Sets");
}

/// `<Users>`: every coder with a journal and every user an import kept,
/// sorted; how many.
fn write_users(w: &mut Writer, ws: &Workspace, out: &Out) -> usize {
    let mut coders = ws.coders();
    for u in &out.kept.users {
        if !coders.contains(&u.coder) {
            coders.push(u.coder.clone());
        }
    }
    if !coders.is_empty() {
        w.open("Users", &[]);
        let mut sorted = coders.clone();
        sorted.sort();
        for c in &sorted {
            let (name, id) = match out.kept.user(c) {
                Some(u) => (u.name.clone(), u.id.clone()),
                None => (Some(c.clone()), Some(c.clone())),
            };
            w.empty(
                "User",
                &[("guid", Some(out.user(c))), ("name", name), ("id", id)],
            );
        }
        w.close("Users");
    }
    coders.len()
}

/// `<Variables>` and `<Cases>` from the attributes table.
fn write_variables_and_cases(w: &mut Writer, ws: &Workspace, out: &Out, report: &mut ExportReport) {
    let attrs = &ws.attributes;
    // A document set's column goes back as the set, not as a variable.
    let names: Vec<&String> = attrs
        .names
        .iter()
        .filter(|n| !out.is_set_column(n))
        .collect();
    let rows: Vec<(&String, &BTreeMap<String, String>)> = attrs
        .rows
        .iter()
        .filter(|(_, r)| names.iter().any(|n| r.contains_key(*n)))
        .collect();
    if !names.is_empty() && !rows.is_empty() {
        w.open("Variables", &[]);
        for n in &names {
            w.empty(
                "Variable",
                &[
                    ("guid", Some(guid("variable", n))),
                    ("name", Some((*n).clone())),
                    ("typeOfVariable", Some("Text".to_owned())),
                ],
            );
        }
        w.close("Variables");
        w.open("Cases", &[]);
        for (id, row) in &rows {
            w.open(
                "Case",
                &[
                    ("guid", Some(guid("case", id))),
                    ("name", Some((*id).clone())),
                ],
            );
            for n in &names {
                if let Some(v) = row.get(*n) {
                    w.open("VariableValue", &[]);
                    w.empty("VariableRef", &[("targetGUID", Some(guid("variable", n)))]);
                    w.text("TextValue", v);
                    w.close("VariableValue");
                }
            }
            if ws.transcripts.contains_key(*id) {
                w.empty("SourceRef", &[("targetGUID", Some(out.source(id)))]);
            } else {
                report.notices.push(format!(
                    "attributes of `{id}` were exported as a case without a source: there is no such transcript"
                ));
            }
            w.close("Case");
        }
        w.close("Cases");
        report.cases = rows.len();
    }
}

/// `<Sources>` with their selections and codings; the text files to put
/// beside `project.qde`.
fn write_sources(
    w: &mut Writer,
    ws: &Workspace,
    segs: &[Segment<'_>],
    source_notes: &BTreeMap<String, String>,
    notes: &mut Vec<Note>,
    out: &Out,
    report: &mut ExportReport,
) -> Vec<(String, Vec<u8>)> {
    let mut by_transcript: BTreeMap<&str, Vec<&Segment<'_>>> = BTreeMap::new();
    for s in segs {
        by_transcript
            .entry(s.coding.transcript.as_str())
            .or_default()
            .push(s);
    }
    let mut sources = Vec::new();
    let kept = out.sources_kept.as_ref().filter(|g| !g.children.is_empty());
    if !ws.transcripts.is_empty() || kept.is_some() {
        w.open("Sources", &[]);
        for (id, t) in &ws.transcripts {
            let sg = out.source(id);
            let file = format!(
                "{}.txt",
                super::normalize_guid(&sg).unwrap_or_else(|| source_guid(id))
            );
            sources.push((file.clone(), t.text.as_bytes().to_vec()));
            let mine = by_transcript.remove(id.as_str()).unwrap_or_default();
            let note = source_notes.get(id);
            let attrs = [
                ("guid", Some(sg.clone())),
                (
                    "name",
                    Some(
                        out.kept
                            .sources
                            .get(id)
                            .and_then(|k| k.name.clone())
                            .unwrap_or_else(|| id.clone()),
                    ),
                ),
                ("plainTextPath", Some(format!("internal://{file}"))),
            ];
            if mine.is_empty() && note.is_none() {
                w.empty("TextSource", &attrs);
                report.transcripts += 1;
                continue;
            }
            w.open("TextSource", &attrs);
            // One selection per span; segments come sorted by span.
            let mut i = 0;
            while i < mine.len() {
                let (start, end) = (mine[i].start, mine[i].end);
                let mut j = i;
                while j < mine.len() && mine[j].start == start && mine[j].end == end {
                    j += 1;
                }
                write_selection(w, (id, t), &mine[i..j], notes, out, report);
                i = j;
            }
            if let Some(g) = note {
                w.empty("NoteRef", &[("targetGUID", Some(g.clone()))]);
            }
            w.close("TextSource");
            report.transcripts += 1;
        }
        for el in kept.map(|g| g.children.as_slice()).unwrap_or_default() {
            write_element(w, el);
        }
        w.close("Sources");
    }
    sources
}

/// One `<PlainTextSelection>` of transcript `id`: a span and the codings
/// on it (`group`, all with the same span). A selection an import kept
/// gets its GUID, name and creator back.
fn write_selection(
    w: &mut Writer,
    (id, t): (&str, &Transcript),
    group: &[&Segment<'_>],
    notes: &mut Vec<Note>,
    out: &Out,
    report: &mut ExportReport,
) {
    let (start, end) = (group[0].start, group[0].end);
    let first = group[0].coding;
    let quote = t.slice_chars(start, end).unwrap_or("");
    let kept = out.kept.selection(id, start, end);
    let (a, b) = if out.utf16 {
        let units = Units::of(&t.text);
        (units.at(start), units.at(end))
    } else {
        (start, end)
    };
    let creator = kept
        .and_then(|k| k.creator.as_deref())
        .unwrap_or(&first.coder);
    let created = kept
        .and_then(|k| k.created.clone())
        .unwrap_or_else(|| first.time.to_string());
    w.open(
        "PlainTextSelection",
        &[
            (
                "guid",
                Some(kept.map_or_else(
                    || guid("selection", &format!("{id}\0{start}\0{end}")),
                    |k| k.guid.clone(),
                )),
            ),
            (
                "name",
                Some(
                    kept.and_then(|k| k.name.clone())
                        .unwrap_or_else(|| excerpt(quote)),
                ),
            ),
            ("startPosition", Some(a.to_string())),
            ("endPosition", Some(b.to_string())),
            ("creatingUser", Some(out.user(creator))),
            (
                "creationDateTime",
                is_datetime(&created).then_some(created.clone()),
            ),
        ],
    );
    report.selections += 1;
    for s in group {
        let c = s.coding;
        let memo_note = c.memo.as_ref().map(|m| {
            add_note(
                notes,
                &mut report.notices,
                &format!("coding\0{}", coding_guid(&c.id)),
                format!("Memo: {} {start}-{end} {} [{}]", id, s.code.path, c.coder),
                m.to_string(),
            )
        });
        w.open(
            "Coding",
            &[
                ("guid", Some(coding_guid(&c.id))),
                ("creatingUser", Some(out.user(&c.coder))),
                (
                    "creationDateTime",
                    is_datetime(&c.time).then(|| c.time.to_string()),
                ),
            ],
        );
        w.empty("CodeRef", &[("targetGUID", Some(out.code(&s.code.id)))]);
        if let Some(g) = memo_note {
            w.empty("NoteRef", &[("targetGUID", Some(g))]);
        }
        w.close("Coding");
        report.codings += 1;
    }
    w.close("PlainTextSelection");
}

/// `<Notes>`, if there are any.
fn write_notes(w: &mut Writer, notes: &[Note]) {
    if !notes.is_empty() {
        w.open("Notes", &[]);
        for n in notes {
            w.open(
                "Note",
                &[
                    ("guid", Some(n.guid.clone())),
                    ("name", Some(n.name.clone())),
                ],
            );
            w.text("PlainTextContent", &n.text);
            w.close("Note");
        }
        w.close("Notes");
    }
}

/// The whole project as a `.qdpx` archive (valid against `Project.xsd`).
pub fn qdpx(ws: &Workspace, opts: ExportOptions) -> Result<Exported> {
    let doc = project_document(ws, opts)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let zerr =
        |e: &dyn std::fmt::Display| Error::invalid(format!("cannot build the .qdpx archive: {e}"));
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        zip.start_file(name, opts).map_err(|e| zerr(&e))?;
        zip.write_all(bytes).map_err(|e| zerr(&e))
    };
    put("project.qde", doc.qde.as_bytes())?;
    for (name, bytes) in &doc.sources {
        put(&format!("sources/{name}"), bytes)?;
    }
    let mut side = serde_json::to_string_pretty(&doc.sidecar).map_err(|e| zerr(&e))?;
    side.push('\n');
    put(SIDECAR, side.as_bytes())?;
    let bytes = zip.finish().map_err(|e| zerr(&e))?.into_inner();
    Ok(Exported {
        bytes,
        report: doc.report,
    })
}

/// A one-paragraph summary of an export.
pub fn describe(r: &ExportReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} transcript(s), {} code(s), {} coding(s) on {} selection(s), {} coder(s), {} note(s), {} case(s)",
        r.transcripts, r.codes, r.codings, r.selections, r.coders, r.notes, r.cases
    );
    s
}
