//! `import.toml`: how the researcher told `motif import` to read a file
//! (`--speakers`, `--no-speakers`, `--speaker-pattern`, `--reflow`),
//! remembered per transcript id so that `import --replace` reads the new
//! version the same way and every load finds the same speakers. A plain
//! TOML file at the project root, one table per transcript id, written
//! only by `motif import`; a transcript without an entry is read with the
//! defaults (detection, no reflow).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::transcript::Speakers;

/// The file's name at the project root.
pub const FILE: &str = "import.toml";

/// How one transcript is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// Only these labels are speakers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speakers: Vec<String>,
    /// No speakers: paragraphs only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_speakers: bool,
    /// A regular expression with a `speaker` group (and maybe `time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_pattern: Option<String>,
    /// Hard-wrapped lines were joined into paragraphs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reflow: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_false(b: &bool) -> bool {
    !*b
}

impl Reading {
    /// Whether this is the default reading (nothing to remember).
    pub fn is_default(&self) -> bool {
        *self == Reading::default()
    }

    /// How speakers are found; an error says what is wrong with them.
    pub fn speakers(&self) -> std::result::Result<Speakers, String> {
        let set = usize::from(!self.speakers.is_empty())
            + usize::from(self.no_speakers)
            + usize::from(self.speaker_pattern.is_some());
        if set > 1 {
            return Err(
                "give only one of --speakers, --no-speakers and --speaker-pattern".to_owned(),
            );
        }
        if self.no_speakers {
            Ok(Speakers::Off)
        } else if let Some(p) = &self.speaker_pattern {
            Speakers::pattern(p)
        } else if self.speakers.is_empty() {
            Ok(Speakers::Auto)
        } else {
            Ok(Speakers::Only(self.speakers.clone()))
        }
    }
}

/// Every remembered reading of a project, and how each finds speakers.
#[derive(Debug, Clone, Default)]
pub struct Readings {
    pub by_id: BTreeMap<String, Reading>,
    speakers: BTreeMap<String, Speakers>,
}

impl Readings {
    /// Reads `import.toml` under `root` (missing: none). A file that
    /// cannot be read is an error naming it, its line and column.
    pub fn load(root: &Path) -> Result<Readings> {
        let path = root.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Readings::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let by_id: BTreeMap<String, Reading> = toml::from_str(&text).map_err(|e| {
            let (l, c) = crate::codebook::line_col(&text, e.span().map_or(0, |s| s.start));
            Error::parse(&path, Some(l), Some(c), e.message().trim())
        })?;
        let mut speakers = BTreeMap::new();
        for (id, r) in &by_id {
            let how = r.speakers().map_err(|m| {
                let line = text
                    .lines()
                    .position(|l| l.contains(&format!("\"{id}\"")))
                    .map(|i| i + 1);
                Error::parse(&path, line, None, format!("transcript `{id}`: {m}"))
            })?;
            speakers.insert(id.clone(), how);
        }
        Ok(Readings { by_id, speakers })
    }

    /// How transcript `id` finds its speakers.
    pub fn speakers_of(&self, id: &str) -> &Speakers {
        static AUTO: Speakers = Speakers::Auto;
        self.speakers.get(id).unwrap_or(&AUTO)
    }

    /// The reading remembered for `id` (the defaults if none).
    pub fn of(&self, id: &str) -> Reading {
        self.by_id.get(id).cloned().unwrap_or_default()
    }

    /// The file's text with `changes` applied (a default reading removes
    /// the entry); `None` when nothing changes.
    pub fn with_changes(&self, changes: &[(String, Reading)]) -> Option<String> {
        let mut by_id = self.by_id.clone();
        for (id, r) in changes {
            if r.is_default() {
                by_id.remove(id);
            } else {
                by_id.insert(id.clone(), r.clone());
            }
        }
        if by_id == self.by_id {
            return None;
        }
        let body = toml::to_string(&by_id).unwrap_or_default();
        Some(format!(
            "# How `motif import` reads these transcripts (its --speakers, --no-speakers,\n# --speaker-pattern and --reflow), so that `motif import --replace` reads a\n# new version the same way. Written by motif import.\n\n{body}"
        ))
    }

    /// The file's path under `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let r = Readings::load(dir.path()).unwrap();
        let text = r
            .with_changes(&[
                (
                    "wave2/p09".into(),
                    Reading {
                        speakers: vec!["ANA".into(), "Zoë".into()],
                        ..Reading::default()
                    },
                ),
                (
                    "notes".into(),
                    Reading {
                        no_speakers: true,
                        reflow: true,
                        ..Reading::default()
                    },
                ),
            ])
            .unwrap();
        std::fs::write(dir.path().join(FILE), &text).unwrap();
        let back = Readings::load(dir.path()).unwrap();
        assert_eq!(back.of("wave2/p09").speakers, ["ANA", "Zoë"]);
        assert!(matches!(back.speakers_of("notes"), Speakers::Off));
        assert!(back.speakers_of("other").is_auto());
        assert!(
            back.with_changes(&[("notes".into(), back.of("notes"))])
                .is_none()
        );
        std::fs::write(
            dir.path().join(FILE),
            "[\"p1\"]\nspeaker_pattern = \"(\\\\w+)>\"\n",
        )
        .unwrap();
        let e = Readings::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("import.toml:1") && e.contains("no group named `speaker`"),
            "{e}"
        );
        std::fs::write(dir.path().join(FILE), "[\"p1\"]\nspeakrs = []\n").unwrap();
        let e = Readings::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("import.toml:2"), "{e}");
    }
}
