//! An import is all or nothing, even when it is killed. Every new text is
//! first written beside its destination as a hidden temporary file and
//! fsynced; then a plan (`.motif/import-pending.json`: each temporary
//! file's destination, and the attributes to set) is written atomically;
//! only then are the files renamed into place, the attributes set and the
//! plan removed. The next import first finishes a plan left by a killed
//! one (its files are all on disk) and removes temporary files no plan
//! names (an import killed before its plan was written changed nothing).

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::attributes;
use crate::error::{Error, IoContext, Result};
use crate::fsio::{atomic_write, sync_dir};
use crate::project::Project;

/// Prefix of the temporary files an import stages.
pub(crate) const STAGED_PREFIX: &str = ".motif-import-";

/// What an import is about to do once its texts are staged.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Plan {
    /// (staged file, destination), relative to the project root.
    pub moves: Vec<(PathBuf, PathBuf)>,
    /// Transcript ids that get `attrs`.
    pub ids: Vec<String>,
    /// `(name, value)` attributes to set on `ids`.
    pub attrs: Vec<(String, String)>,
    /// Destinations that already existed when the plan was made (a
    /// `--replace`, the remembered readings), with the BLAKE3 hash of
    /// their bytes then: a plan may replace only those, and only while
    /// they still hold those bytes.
    #[serde(default)]
    pub replaces: Vec<(PathBuf, String)>,
}

/// The BLAKE3 hash of the file at `path`, if it exists.
fn file_hash(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(blake3::hash(&bytes).to_hex().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn plan_path(project: &Project) -> PathBuf {
    project.derived_dir().join("import-pending.json")
}

/// Writes `bytes` to a new hidden file beside `dest` and fsyncs it;
/// returns its path.
pub(super) fn stage(dest: &Path, batch: &str, n: usize, bytes: &[u8]) -> Result<PathBuf> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    crate::fsio::create_dirs(dir)?;
    let tmp = dir.join(format!("{STAGED_PREFIX}{batch}-{n}.tmp"));
    let mut f = File::create(&tmp).at(&tmp)?;
    f.write_all(bytes).at(&tmp)?;
    f.sync_all().at(&tmp)?;
    Ok(tmp)
}

/// Records the plan, then carries it out (see the module doc); returns
/// how many attribute values it set or changed.
pub(super) fn commit(project: &Project, plan: &mut Plan) -> Result<usize> {
    plan.replaces.clear();
    for (_, dest) in &plan.moves {
        if let Some(hash) = file_hash(&project.root.join(dest))? {
            plan.replaces.push((dest.clone(), hash));
        }
    }
    record(project, plan)?;
    let attributes = carry_out(project, plan)?;
    remove_plan(project)?;
    Ok(attributes)
}

/// Writes the plan durably: from here on the import happens, even if this
/// process is killed.
pub(super) fn record(project: &Project, plan: &Plan) -> Result<()> {
    let json = serde_json::to_vec(plan).map_err(|e| Error::invalid(e.to_string()))?;
    atomic_write(&plan_path(project), &json)
}

fn remove_plan(project: &Project) -> Result<()> {
    let path = plan_path(project);
    match fs::remove_file(&path) {
        Ok(()) => sync_dir(&project.derived_dir()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Renames every staged file still there into place, then sets the
/// attributes: repeatable, as a killed run may have done part of it.
/// Returns how many attribute values changed.
fn carry_out(project: &Project, plan: &Plan) -> Result<usize> {
    check_moves(project, plan)?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (tmp, dest) in &plan.moves {
        let (tmp, dest) = (project.root.join(tmp), project.root.join(dest));
        if tmp.exists() {
            fs::rename(&tmp, &dest).at(&dest)?;
        }
        if let Some(d) = dest.parent()
            && !dirs.iter().any(|x| x == d)
        {
            dirs.push(d.to_path_buf());
        }
    }
    for d in &dirs {
        sync_dir(d)?;
    }
    if plan.attrs.is_empty() {
        return Ok(0);
    }
    attributes::update(project, |table| {
        let n = table.assign(&plan.ids, &plan.attrs);
        Ok((n > 0, n))
    })
}

/// A plan on disk may have been planted: it may move only motif's staged
/// files (`.motif-import-*.tmp`) to a transcript's `.txt` under
/// `transcripts/` or to the remembered readings, through real folders
/// inside the project, onto nothing or a regular file.
fn check_moves(project: &Project, plan: &Plan) -> Result<()> {
    let relative = |p: &Path| {
        !p.as_os_str().is_empty()
            && p.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    // Every folder on the way a real one, the file (if there) a file.
    let real = |rel: &Path| {
        let mut at = project.root.clone();
        let mut parts = rel.components().peekable();
        while let Some(c) = parts.next() {
            at.push(c);
            let ok = match (parts.peek().is_some(), fs::symlink_metadata(&at)) {
                (_, Err(_)) => true,
                (true, Ok(m)) => m.is_dir(),
                (false, Ok(m)) => m.is_file(),
            };
            if !ok {
                return false;
            }
        }
        true
    };
    let readings = Path::new(crate::readings::FILE);
    for (tmp, dest) in &plan.moves {
        let staged = tmp
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(STAGED_PREFIX));
        let place = dest == readings
            || (dest.starts_with("transcripts") && dest.extension().is_some_and(|e| e == "txt"));
        // An existing file is replaced only as planned: a staged file
        // still waiting may overwrite only a destination that held, and
        // still holds, the bytes the plan recorded.
        let pending = fs::symlink_metadata(project.root.join(tmp)).is_ok();
        let replaced = || -> Result<bool> {
            let Some(now) = file_hash(&project.root.join(dest))? else {
                return Ok(true);
            };
            Ok(plan.replaces.iter().any(|(d, h)| d == dest && *h == now))
        };
        if !(staged && place && relative(tmp) && relative(dest) && real(tmp) && real(dest))
            || (pending && !replaced()?)
        {
            return Err(Error::invalid(format!(
                "{}: the plan of an interrupted import moves `{}` to `{}`, which is not an import's; nothing was moved. Remove the plan to go on",
                plan_path(project).display(),
                crate::text::one_line(&tmp.to_string_lossy()),
                crate::text::one_line(&dest.to_string_lossy())
            )));
        }
    }
    Ok(())
}

/// Finishes an import a killed process left planned, and removes staged
/// files no plan names. Returns the number of transcripts a finished plan
/// put in place (0: there was none). Call under the `import` lock.
pub(super) fn recover(project: &Project) -> Result<usize> {
    let path = plan_path(project);
    // The plan is a small file motif wrote; anything else is refused.
    let plan = crate::fsio::read_project_file(
        &project.root,
        &path,
        "the plan of an interrupted import",
        16 << 20,
    )?;
    let finished = match plan {
        Some(bytes) => {
            let plan: Plan = serde_json::from_slice(&bytes).map_err(|e| {
                Error::parse(
                    &path,
                    None,
                    None,
                    format!("unreadable plan of an interrupted import ({e}); remove it to go on"),
                )
            })?;
            carry_out(project, &plan)?;
            remove_plan(project)?;
            plan.moves.len()
        }
        None => 0,
    };
    remove_leftovers(&project.transcripts_dir())?;
    Ok(finished)
}

/// Finishes an import a killed process left planned, before anything reads
/// the project, so that no command sees part of its batch. Cheap when there
/// is none (one look for the plan). Waits for an import that is running.
/// Returns how many transcripts it put in place.
pub fn finish_interrupted_import(project: &Project) -> Result<usize> {
    if fs::symlink_metadata(plan_path(project)).is_err() {
        return Ok(0);
    }
    let _lock = project.file_lock("import")?;
    recover(project)
}

/// Removes the hidden temporary files of killed imports and atomic writes
/// (`.motif-import-*.tmp`, `.NAME.ID.tmp`) under `dir`.
fn remove_leftovers(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.at(dir)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().at(entry.path())?;
        if kind.is_dir() && !name.starts_with('.') {
            remove_leftovers(&entry.path())?;
        } else if kind.is_file()
            && name.starts_with('.')
            && Path::new(&name).extension().is_some_and(|e| e == "tmp")
        {
            fs::remove_file(entry.path()).at(entry.path())?;
        }
    }
    Ok(())
}
