//! Saved queries: `queries/NAME.toml` in the project, plain text a team
//! shares through git, so everyone re-runs the same search (and the same
//! auto-coding, by adding `--autocode CODE`).
//!
//! ```toml
//! # motif saved query; run it with `motif search @paddle`
//! query = "paddle* OR 飞桨"
//! regex = false        # optional: the query is a regular expression
//! exact = false        # optional: no stemming, case as written
//! speakers = ["LI NA"] # optional filters, as the flags
//! transcripts = []
//! codes = []
//! attributes = ["role=student"]
//! ```

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::codebook::line_col;
use crate::error::{Error, IoContext, Result};
use crate::fsio::atomic_write;
use crate::project::Project;
use crate::text::one_line;

/// A saved search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedQuery {
    pub query: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub regex: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub exact: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speakers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcripts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// `name=value` pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// The folder of saved queries.
pub fn dir(project: &Project) -> PathBuf {
    project.root.join("queries")
}

/// Checks a saved query's name (it names a file).
pub fn check_name(name: &str) -> Result<()> {
    if crate::project::is_plain_file_name(name) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "`{}` cannot name a saved query: use letters, digits, `.`, `_` or `-`",
            one_line(name)
        )))
    }
}

/// The file of a saved query.
pub fn path(project: &Project, name: &str) -> Result<PathBuf> {
    check_name(name)?;
    Ok(dir(project).join(format!("{name}.toml")))
}

/// Saves (or replaces) a query; returns its file.
pub fn save(project: &Project, name: &str, q: &SavedQuery) -> Result<PathBuf> {
    let p = path(project, name)?;
    let body = toml::to_string(q).map_err(|e| Error::invalid(e.to_string()))?;
    let text = format!("# motif saved query; run it with `motif search @{name}`\n{body}");
    crate::fsio::check_project_file(&project.root, &p, "a saved query")?;
    atomic_write(&p, text.as_bytes())?;
    Ok(p)
}

/// Loads a saved query by name.
pub fn load(project: &Project, name: &str) -> Result<SavedQuery> {
    let p = path(project, name)?;
    let text = match read_text(project, &p) {
        Ok(Some(t)) => t,
        Ok(None) => {
            // Only the names: another saved query that cannot be read is
            // not what went wrong here.
            let known = names(project)?
                .into_iter()
                .map(|n| format!("@{n}"))
                .collect::<Vec<_>>();
            return Err(Error::invalid(format!(
                "no saved query `{}` ({} does not exist); {}",
                one_line(name),
                p.display(),
                if known.is_empty() {
                    "save one with `motif search --save NAME QUERY`".to_owned()
                } else {
                    format!("saved queries: {}", known.join(", "))
                }
            )));
        }
        Err(e) => return Err(e),
    };
    let q = parse(&text, &p)?;
    if !q.regex {
        // A query that cannot run is this file's fault: name it (a shared
        // repository can carry one). Attribute names only decide what is a
        // filter, never whether the query parses.
        super::query::parse(&q.query, &[]).map_err(|e| {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("query"))
                .map(|i| i + 1);
            Error::parse(&p, line, None, e.to_string())
        })?;
    }
    Ok(q)
}

/// The most a saved query file may hold: a real query is a line or two, and
/// a huge one (a shared repository can carry it) would take minutes and
/// gigabytes to run.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a saved query file (`None`: missing), refused by name when it is
/// not a regular file inside the project or is larger than
/// [`MAX_FILE_BYTES`].
fn read_text(project: &Project, p: &std::path::Path) -> Result<Option<String>> {
    let Some(bytes) =
        crate::fsio::read_project_file(&project.root, p, "a saved query", MAX_FILE_BYTES)?
    else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        Error::io(
            p,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        )
    })
}

fn parse(text: &str, p: &std::path::Path) -> Result<SavedQuery> {
    let q: SavedQuery = toml::from_str(text).map_err(|e| {
        let (l, c) = line_col(text, e.span().map_or(0, |s| s.start));
        Error::parse(p, Some(l), Some(c), e.message().trim())
    })?;
    if q.query.trim().is_empty() {
        return Err(Error::parse(
            p,
            None,
            None,
            "`query` is empty; write the search to run",
        ));
    }
    Ok(q)
}

/// The names of the saved queries, sorted, without reading them.
pub fn names(project: &Project) -> Result<Vec<String>> {
    let d = dir(project);
    let entries = match fs::read_dir(&d) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&d, e)),
    };
    let mut out = Vec::new();
    for e in entries {
        let p = e.at(&d)?.path();
        if p.extension().and_then(|x| x.to_str()) != Some("toml") {
            continue;
        }
        if let Some(name) = p.file_stem().and_then(|s| s.to_str())
            && check_name(name).is_ok()
        {
            out.push(name.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// Every saved query, by name; files that cannot be read are errors.
pub fn list(project: &Project) -> Result<Vec<(String, SavedQuery)>> {
    names(project)?
        .into_iter()
        .map(|name| {
            let p = path(project, &name)?;
            let text = read_text(project, &p)?.ok_or_else(|| {
                Error::invalid(format!("{}: the saved query vanished", p.display()))
            })?;
            Ok((name, parse(&text, &p)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = Project::init(&dir.path().join("s"), Some("s")).unwrap();
        let q = SavedQuery {
            query: "paddle* OR 飞桨".into(),
            speakers: vec!["LI NA".into()],
            ..SavedQuery::default()
        };
        let file = save(&p, "paddle", &q).unwrap();
        assert!(fs::read_to_string(&file).unwrap().contains("query = "));
        assert_eq!(load(&p, "paddle").unwrap(), q);
        assert_eq!(list(&p).unwrap().len(), 1);
        assert!(
            load(&p, "nope")
                .unwrap_err()
                .to_string()
                .contains("@paddle")
        );
        assert!(check_name("../x").is_err());
        fs::write(&file, "query = 3\n").unwrap();
        let e = load(&p, "paddle").unwrap_err().to_string();
        assert!(e.contains("paddle.toml:1:"), "{e}");
    }

    #[test]
    fn an_unknown_name_is_not_blamed_on_another_broken_query() {
        let dir = tempfile::tempdir().unwrap();
        let p = Project::init(&dir.path().join("s"), Some("s")).unwrap();
        std::fs::create_dir_all(dir.path().join("s/queries")).unwrap();
        std::fs::write(dir.path().join("s/queries/broken.toml"), "query = [").unwrap();
        let e = load(&p, "nope").unwrap_err().to_string();
        assert!(e.contains("no saved query `nope`"), "{e}");
        assert!(e.contains("@broken") && !e.contains("broken.toml:"), "{e}");
    }
}
