//! What a merge can leave in a codebook file, found before it is parsed
//! as TOML: git's conflict markers (a merge made without motif's
//! `.gitattributes`) and a field of one code written twice (a union merge
//! of two branches that changed the same field of the same code two
//! ways). Either is a true conflict; the message names the code (path and
//! id), gives both versions and says how to resolve it, instead of a TOML
//! syntax error.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Error;

/// `ID.FIELD` and the value of a line `ID.FIELD = VALUE`, if it is one.
fn keyed(line: &str) -> Option<(&str, &str, &str)> {
    let (key, value) = line.split_once('=')?;
    let (id, field) = key.trim().split_once('.')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    (ok(id) && ok(field)).then_some((id, field, value.trim()))
}

/// The paths of the codes written in the new form (`ID.name`, `ID.parent`)
/// in `lines`, as well as they can be made out (for messages only).
fn paths_of<'a>(lines: impl Iterator<Item = &'a str>) -> HashMap<String, String> {
    let mut name = HashMap::new();
    let mut parent = HashMap::new();
    for line in lines {
        if let Some((id, field, value)) = keyed(line) {
            let value = value.trim_matches('"').to_owned();
            match field {
                "name" => {
                    name.entry(id.to_owned()).or_insert(value);
                }
                "parent" => {
                    parent.entry(id.to_owned()).or_insert(value);
                }
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    for id in name.keys() {
        let mut parts = Vec::new();
        let mut at = id.as_str();
        while let Some(n) = name.get(at) {
            parts.push(n.as_str());
            match parent.get(at) {
                Some(p) if parts.len() < 64 => at = p,
                _ => break,
            }
        }
        parts.reverse();
        out.insert(id.clone(), parts.join("/"));
    }
    out
}

fn code_label(paths: &HashMap<String, String>, id: &str) -> String {
    match paths.get(id) {
        Some(p) => format!("`{}` (id `{id}`)", crate::text::one_line(p)),
        None => format!("id `{id}`"),
    }
}

/// Refuses a codebook text holding conflict markers or a field written
/// twice, naming the codes concerned.
pub(super) fn check(text: &str, path: &Path) -> Result<(), Error> {
    let lines: Vec<&str> = text.lines().collect();
    if let Some(e) = markers(&lines, path) {
        return Err(e);
    }
    let paths = paths_of(lines.iter().copied());
    let mut seen: HashMap<(&str, &str), (usize, &str)> = HashMap::new();
    let mut twice = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some((id, field, _)) = keyed(line) {
            if let Some(&(first, first_line)) = seen.get(&(id, field)) {
                twice.push(format!(
                    "code {}: line {} `{}` and line {} `{}`",
                    code_label(&paths, id),
                    first + 1,
                    crate::text::one_line(first_line.trim()),
                    i + 1,
                    crate::text::one_line(line.trim())
                ));
            } else {
                seen.insert((id, field), (i, line));
            }
        }
    }
    if twice.is_empty() {
        return Ok(());
    }
    Err(Error::parse(
        path,
        None,
        None,
        format!(
            "a merge kept two versions of the same field (both branches changed it): {}. \
             Keep the line you want, delete the other, then run `motif check`",
            twice.join("; ")
        ),
    ))
}

/// Git's conflict markers: which codes differ between the two sides.
fn markers(lines: &[&str], path: &Path) -> Option<Error> {
    let start = lines.iter().position(|l| l.starts_with("<<<<<<<"))?;
    // Each side of every conflict, and the lines outside conflicts.
    let mut ours: Vec<&str> = Vec::new();
    let mut theirs: Vec<&str> = Vec::new();
    let mut side = 0; // 0 outside, 1 ours, 2 base (diff3), 3 theirs
    let mut conflicts = 0;
    let mut ids: Vec<String> = Vec::new();
    let mut differing: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut hunk: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
    for line in lines {
        if line.starts_with("<<<<<<<") {
            side = 1;
            conflicts += 1;
        } else if line.starts_with("|||||||") && side == 1 {
            side = 2;
        } else if line.starts_with("=======") && side != 0 {
            side = 3;
        } else if line.starts_with(">>>>>>>") && side == 3 {
            side = 0;
            collect_differing(&hunk, &mut ids, &mut differing);
            hunk = [Vec::new(), Vec::new()];
        } else {
            match side {
                0 => {
                    ours.push(line);
                    theirs.push(line);
                }
                1 => {
                    ours.push(line);
                    hunk[0].push(line);
                }
                3 => {
                    theirs.push(line);
                    hunk[1].push(line);
                }
                _ => {}
            }
        }
    }
    let mut paths = paths_of(theirs.iter().copied());
    paths.extend(paths_of(ours.iter().copied()));
    let what = if differing.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = differing
            .iter()
            .map(|(id, a, b)| {
                let side = |v: &[String]| {
                    if v.is_empty() {
                        "(nothing)".to_owned()
                    } else {
                        v.join(", ")
                    }
                };
                format!(
                    "code {}: ours {}, theirs {}",
                    code_label(&paths, id),
                    side(a),
                    side(b)
                )
            })
            .collect();
        format!(" {}.", list.join("; "))
    };
    Some(Error::parse(
        path,
        Some(start + 1),
        None,
        format!(
            "git left {conflicts} merge conflict(s) in the codebook (the project's .gitattributes \
             was missing: run `motif git-setup` so that changes to different codes merge on \
             their own).{what} Keep the version you want between the `<<<<<<<`, `=======` and \
             `>>>>>>>` lines, delete the other and the marker lines, then run `motif check`"
        ),
    ))
}

/// The codes whose lines differ between the two sides of one conflict,
/// with each side's lines for them (`FIELD = VALUE`).
fn collect_differing(
    hunk: &[Vec<&str>; 2],
    ids: &mut Vec<String>,
    out: &mut Vec<(String, Vec<String>, Vec<String>)>,
) {
    let fields = |lines: &[&str], id: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| keyed(l))
            .filter(|(i, _, _)| *i == id)
            .map(|(_, f, v)| crate::text::one_line(&format!("{f} = {v}")))
            .collect()
    };
    let mut here: Vec<&str> = Vec::new();
    for l in hunk[0].iter().chain(&hunk[1]) {
        if let Some((id, _, _)) = keyed(l)
            && !here.contains(&id)
        {
            here.push(id);
        }
    }
    for id in here {
        let a = fields(&hunk[0], id);
        let b = fields(&hunk[1], id);
        if a != b && !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
            out.push((id.to_owned(), a, b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_the_code_and_both_versions() {
        let text = "[code]\n\nfw.name = \"frameworks\"\n\nx1.name = \"tools\"\n<<<<<<< HEAD\nx1.parent = \"fw\"\n=======\nx1.parent = \"zz\"\n>>>>>>> b\n";
        let e = check(text, Path::new("codebooks/c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("codebooks/c.toml:6"), "{e}");
        assert!(e.contains("`frameworks/tools` (id `x1`)"), "{e}");
        assert!(e.contains("ours parent = \"fw\""), "{e}");
        assert!(e.contains("theirs parent = \"zz\""), "{e}");
        assert!(e.contains("motif git-setup"), "{e}");
    }

    #[test]
    fn a_field_written_twice_names_the_code_and_both_lines() {
        let text = "[code]\n\nfw.name = \"frameworks\"\nfw.name = \"libraries\"\n";
        let e = check(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("id `fw`"), "{e}");
        assert!(e.contains("line 3 `fw.name = \"frameworks\"`"), "{e}");
        assert!(e.contains("line 4 `fw.name = \"libraries\"`"), "{e}");
        check(
            "[code]\n\nfw.name = \"a\"\nfw.color = \"#000000\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
    }
}
