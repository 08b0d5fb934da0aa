//! Participant attributes (`attributes.csv`): the one parser of
//! `NAME=VALUE` that every command takes (import's `--attr`, the analysis
//! and search filters), the one rule for matching an attribute name (case
//! does not matter; the table's spelling wins), and the one place the table
//! is rewritten — read, changed and written back under the `attributes`
//! lock, so that concurrent imports both keep their rows.

use super::error::{Error, Result};
use super::fsio::atomic_write;
use super::project::{Attributes, Project};
use super::text::one_line;

/// The table's file name, in the project root.
pub const FILE: &str = "attributes.csv";

/// Parses `NAME=VALUE`: the name before the first `=`, the value after it,
/// both trimmed. The name must be a plain word: not empty, not `id` (the
/// table's key column), without a comma, quote or line break. An empty
/// value is allowed (a filter on it selects transcripts without the
/// attribute).
pub fn parse_assignment(spec: &str) -> Result<(String, String)> {
    let Some((name, value)) = spec.split_once('=') else {
        return Err(Error::invalid(format!(
            "--attr `{}` must be NAME=VALUE, e.g. role=maintainer",
            one_line(spec)
        )));
    };
    let name = name.trim();
    if name.is_empty()
        || name.eq_ignore_ascii_case("id")
        || name.contains([',', '"', '\n', '\r'])
        || name
            .chars()
            .any(|c| c.is_control() || crate::text::is_hidden_control(c))
    {
        return Err(Error::invalid(format!(
            "--attr `{}`: the attribute name must be a plain word other than `id`, e.g. role=maintainer",
            one_line(spec)
        )));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

impl Attributes {
    /// The table's spelling of attribute `name`, compared without regard
    /// to case.
    pub fn column(&self, name: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|n| *n == name)
            .or_else(|| self.names.iter().find(|n| n.eq_ignore_ascii_case(name)))
            .map(String::as_str)
    }

    /// Checks filters (`NAME=VALUE`, as [`parse_assignment`] reads them)
    /// against the table: each name becomes the table's spelling; a name
    /// the table does not have is an error that lists the attributes.
    pub fn resolve_filters(&self, specs: &[String]) -> Result<Vec<(String, String)>> {
        specs
            .iter()
            .map(|spec| {
                let (name, value) = parse_assignment(spec)?;
                match self.column(&name) {
                    Some(column) => Ok((column.to_owned(), value)),
                    None => Err(Error::invalid(format!(
                        "no attribute `{}` in {FILE} ({}); add a column, or set it with `motif import … --attr {}=VALUE`",
                        one_line(&name),
                        if self.names.is_empty() {
                            "it has no attributes yet".to_owned()
                        } else {
                            format!("attributes: {}", self.names.join(", "))
                        },
                        one_line(&name)
                    ))),
                }
            })
            .collect()
    }

    /// Sets `values` on each of `ids`, adding the columns it lacks (a name
    /// that matches a column but for case takes the column's spelling).
    /// Returns how many values changed.
    pub fn assign(&mut self, ids: &[String], values: &[(String, String)]) -> usize {
        let mut changed = 0;
        for (name, value) in values {
            let column = if let Some(c) = self.column(name) {
                c.to_owned()
            } else {
                self.names.push(name.clone());
                name.clone()
            };
            for id in ids {
                let row = self.rows.entry(id.clone()).or_default();
                if row.get(&column) != Some(value) {
                    row.insert(column.clone(), value.clone());
                    changed += 1;
                }
            }
        }
        changed
    }

    /// The table as CSV: `id` and the attribute columns in order, one row
    /// per transcript.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let err = |e: &dyn std::fmt::Display| Error::invalid(format!("cannot write {FILE}: {e}"));
        let terminator = if self.crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut w = csv::WriterBuilder::new()
            .terminator(terminator)
            .from_writer(Vec::new());
        let mut header = vec!["id"];
        header.extend(self.names.iter().map(String::as_str));
        w.write_record(&header).map_err(|e| err(&e))?;
        for (id, row) in &self.rows {
            let mut rec = vec![id.as_str()];
            rec.extend(
                self.names
                    .iter()
                    .map(|n| row.get(n).map_or("", String::as_str)),
            );
            w.write_record(&rec).map_err(|e| err(&e))?;
        }
        w.into_inner().map_err(|e| err(&e))
    }
}

/// A field of the table as [`check_shape`] reads it: where it starts
/// (1-based line and column, in characters) and its unquoted value.
struct Cell {
    line: usize,
    col: usize,
    value: String,
}

/// A record: its fields and where it ends.
struct Row {
    cells: Vec<Cell>,
    end: (usize, usize),
}

/// Splits CSV text into records as the `csv` crate reads it (RFC 4180: a
/// quote that opens a field runs to the next lone quote, `""` inside is a
/// quote; blank lines are skipped). The error is a quote never closed
/// (with the place it was opened) or text after a closing quote (which
/// the `csv` crate would glue to the value, and a rewrite would then
/// write back changed), with its place.
fn scan(text: &str) -> std::result::Result<Vec<Row>, (usize, usize, &'static str)> {
    let mut rows = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut cur: Option<Cell> = None;
    let mut open: Option<(usize, usize)> = None;
    let mut closed = false;
    let (mut line, mut col) = (1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let (l, k) = (line, col);
        // A lone CR ends a line as the `csv` crate reads it.
        if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
        let cell = |value: String| Cell {
            line: l,
            col: k,
            value,
        };
        if open.is_some() {
            let value = &mut cur.as_mut().expect("a quoted field").value;
            if c != '"' {
                value.push(c);
            } else if chars.peek() == Some(&'"') {
                chars.next();
                col += 1;
                value.push('"');
            } else {
                open = None;
                closed = true;
            }
            continue;
        }
        if closed && !matches!(c, ',' | '\r' | '\n') {
            return Err((
                l,
                k,
                "text after a quoted value's closing quote; quote the whole value and double any quote inside it (\"\")",
            ));
        }
        closed = false;
        match c {
            ',' => cells.push(cur.take().unwrap_or_else(|| cell(String::new()))),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if cur.is_some() || !cells.is_empty() {
                    cells.push(cur.take().unwrap_or_else(|| cell(String::new())));
                    rows.push(Row {
                        cells: std::mem::take(&mut cells),
                        end: (l, k),
                    });
                }
            }
            '"' if cur.is_none() => {
                open = Some((l, k));
                cur = Some(cell(String::new()));
            }
            _ => cur.get_or_insert_with(|| cell(String::new())).value.push(c),
        }
    }
    if let Some((line, col)) = open {
        return Err((
            line,
            col,
            "the quote opened here is never closed; close it, or double a quote inside a value (\"\")",
        ));
    }
    if cur.is_some() || !cells.is_empty() {
        cells.push(cur.take().unwrap_or(Cell {
            line,
            col,
            value: String::new(),
        }));
        rows.push(Row {
            cells,
            end: (line, col),
        });
    }
    Ok(rows)
}

/// Checks the shape of the table's text before it is read: every quote
/// closed, no column name twice (compared without regard to case, as
/// [`Attributes::column`] matches them), and every row as long as the
/// header. The error names `path`, the line and the column.
pub(crate) fn check_shape(text: &str, path: &std::path::Path) -> Result<()> {
    let at = |line, col, message: String| Error::parse(path, Some(line), Some(col), message);
    let rows = scan(text).map_err(|(line, col, why)| at(line, col, why.into()))?;
    let Some((header, rest)) = rows.split_first() else {
        return Ok(());
    };
    for (i, cell) in header.cells.iter().enumerate() {
        let name = cell.value.trim();
        if let Some(j) = header.cells[..i]
            .iter()
            .position(|c| c.value.trim().eq_ignore_ascii_case(name))
        {
            return Err(at(
                cell.line,
                cell.col,
                format!(
                    "column {} `{}` repeats column {} `{}` (names are compared without regard to case); rename or merge one of them",
                    i + 1,
                    one_line(name),
                    j + 1,
                    one_line(header.cells[j].value.trim())
                ),
            ));
        }
    }
    let width = header.cells.len();
    if let Some(row) = rest.iter().find(|r| r.cells.len() != width) {
        let (line, col) = row.cells.get(width).map_or(row.end, |c| (c.line, c.col));
        return Err(at(
            line,
            col,
            format!(
                "this row has {} fields but the header has {width}; a value with a comma needs quotes",
                row.cells.len()
            ),
        ));
    }
    Ok(())
}

/// Checks, changing nothing, that [`update`] could run: its lock can be
/// taken, the table read and the file rewritten. A command that updates
/// the table as its last step calls this first, so that a refusal comes
/// before anything else is written.
pub fn check_update(project: &Project) -> Result<()> {
    let _lock = project.file_lock("attributes")?;
    project.attributes()?;
    crate::fsio::check_writable(&project.root.join(FILE))
}

/// Reads the table, lets `change` edit it and writes it back atomically,
/// all under the project's `attributes` lock; `change` returns whether it
/// changed anything (nothing is written otherwise) and a value passed back.
pub fn update<T>(
    project: &Project,
    change: impl FnOnce(&mut Attributes) -> Result<(bool, T)>,
) -> Result<T> {
    let _lock = project.file_lock("attributes")?;
    let mut table = project.attributes()?;
    let (changed, out) = change(&mut table)?;
    if changed {
        atomic_write(&project.root.join(FILE), &table.to_csv()?)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Attributes {
        let mut t = Attributes {
            names: vec!["Role".into(), "wave".into()],
            ..Attributes::default()
        };
        t.assign(&["p1".into()], &[("Role".into(), "student".into())]);
        t
    }

    #[test]
    fn one_rule_for_names_everywhere() {
        assert_eq!(
            parse_assignment(" role = PhD student ").unwrap(),
            ("role".into(), "PhD student".into())
        );
        assert_eq!(
            parse_assignment("role=").unwrap(),
            ("role".into(), String::new())
        );
        for bad in [
            "role",
            "=x",
            "id=3",
            "ID=3",
            "a,b=1",
            "a\"=1",
            "k\u{202e}=v",
            "k\u{1b}=v",
        ] {
            assert!(parse_assignment(bad).is_err(), "{bad}");
        }
        let t = table();
        assert_eq!(t.column("role"), Some("Role"));
        assert_eq!(t.column("ROLE"), Some("Role"));
        assert_eq!(t.column("age"), None);
        assert_eq!(
            t.resolve_filters(&["role=student".into()]).unwrap(),
            vec![("Role".to_owned(), "student".to_owned())]
        );
        let e = t.resolve_filters(&["age=3".into()]).unwrap_err();
        assert!(e.to_string().contains("attributes: Role, wave"), "{e}");
    }

    #[test]
    fn assign_keeps_the_tables_spelling_and_counts_changes() {
        let mut t = table();
        assert_eq!(
            t.assign(&["p1".into()], &[("role".into(), "student".into())]),
            0
        );
        assert_eq!(
            t.assign(&["p1".into(), "p2".into()], &[("ROLE".into(), "pi".into())]),
            2
        );
        assert_eq!(t.names, vec!["Role", "wave"]);
        assert_eq!(t.rows["p2"]["Role"], "pi");
        let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
        assert_eq!(csv, "id,Role,wave\np1,pi,\np2,pi,\n");
    }

    #[test]
    fn the_shape_check_reads_quotes_as_csv_does() {
        let p = std::path::Path::new("attributes.csv");
        let ok = "id,note\r\n\np1,\"a, \"\"b\"\"\nc\"\np2,\n";
        check_shape(ok, p).unwrap();
        let e = |t: &str| check_shape(t, p).unwrap_err().to_string();
        assert!(
            e("id,a,A\n").starts_with("attributes.csv:1:6:"),
            "{}",
            e("id,a,A\n")
        );
        assert!(
            e("id,a\np1\n").starts_with("attributes.csv:2:3:"),
            "{}",
            e("id,a\np1\n")
        );
        assert!(e("id,a\n\np1,\"x\n").starts_with("attributes.csv:3:4:"));
        // `"a"b` would be read as `ab` and written back so: refused.
        let glued = e("id,a\np1,\"a\"b\n");
        assert!(glued.starts_with("attributes.csv:2:7:"), "{glued}");
        assert!(glued.contains("closing quote"), "{glued}");
        check_shape("id,a\r\np1,\"a\"\r\np2,\"\"\n", p).unwrap();
    }
}
