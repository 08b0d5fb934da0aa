//! `:export segments|cooccurrence|matrix FILE` from the TUI: the same
//! core writers as `motif segments` and `motif export …`, over every coder,
//! transcript and code, in the form the file's extension names (`.csv`,
//! `.md` and `.html` for segments, `.csv` for the tables; JSON otherwise),
//! written atomically in the project folder.

use std::io;
use std::path::Path;

use motif_core::analysis::{By, Scope, cooccurrence, matrix, report};
use motif_core::export;
use motif_core::segments::Segment;
use motif_core::text::sanitize_owned;
use motif_core::workspace::Workspace;

use super::app::App;

/// What `:export` writes besides frequencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Segments,
    Cooccurrence,
    Matrix,
}

impl Export {
    fn default_file(self) -> &'static str {
        match self {
            Export::Segments => "segments.json",
            Export::Cooccurrence => "cooccurrence.json",
            Export::Matrix => "matrix.json",
        }
    }
}

/// The file's extension, lower-cased.
fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn json_bytes<T: serde::Serialize>(v: &T) -> motif_core::Result<Vec<u8>> {
    export::json_document(v).map(String::into_bytes)
}

/// The segments in `ext`'s form.
fn segments_bytes(
    ws: &Workspace,
    scope: &Scope,
    segs: &[Segment<'_>],
    ext: &str,
) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match ext {
        "csv" => export::write_csv(segs, &mut out)?,
        "md" | "markdown" => {
            let order: Vec<&str> = ws.book.codes().iter().map(|c| c.path.as_str()).collect();
            export::write_markdown(&ws.project.config.name, &order, segs, &mut out)?;
        }
        "html" | "htm" => {
            let meta = report::ReportMeta {
                project: ws.project.config.name.clone(),
                generated_at: motif_core::ids::now_rfc3339(),
                selection: scope.description.clone(),
            };
            report::write_html(&meta, &ws.book, &scope.codes, segs, &mut out)?;
        }
        _ => export::write_json(segs, &mut out)?,
    }
    Ok(out)
}

/// The bytes of one export over everything in the project.
fn export_bytes(ws: &Workspace, what: Export, ext: &str, by: &str) -> motif_core::Result<Vec<u8>> {
    let scope = Scope::all(ws);
    let (segs, _) = scope.segments(ws);
    let csv = ext == "csv";
    match what {
        Export::Segments => segments_bytes(ws, &scope, &segs, ext)
            .map_err(|e| motif_core::Error::invalid(e.to_string())),
        Export::Cooccurrence => {
            let c = cooccurrence::cooccurrence_of(ws, &scope, &segs, cooccurrence::Unit::Overlap);
            if csv {
                Ok(sanitize_owned(cooccurrence::to_csv(&c), true).into_bytes())
            } else {
                json_bytes(&c)
            }
        }
        Export::Matrix => {
            let m = matrix::matrix_of(ws, &scope, &segs, &By::parse(by))?;
            if csv {
                Ok(sanitize_owned(matrix::to_csv(&m), true).into_bytes())
            } else {
                json_bytes(&m)
            }
        }
    }
}

impl App {
    /// Writes an export (see the module doc); the matrix is by `by`
    /// (`transcript` or an attribute, default `transcript`).
    pub fn export_file(&mut self, what: Export, file: Option<&str>, by: Option<&str>) {
        let path = self.project.root.join(file.unwrap_or(what.default_file()));
        let ext = extension(&path);
        let by = by.unwrap_or("transcript").to_owned();
        let bytes = self.with_workspace(|ws| export_bytes(ws, what, &ext, &by));
        match bytes.and_then(|b| self.project.write_output(&path, &b)) {
            Ok(()) => self.say(&format!("wrote {}", path.display())),
            Err(e) => self.error(&e.to_string()),
        }
    }
}
