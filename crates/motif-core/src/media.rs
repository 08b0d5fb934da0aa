//! The recording behind a turn: a transcript names its audio or video file
//! in its `media` attribute (a path relative to the project, inside it);
//! [`playback`] finds the time of the turn that holds a position, and
//! [`Player`] turns the user's player template (`mpv --start={seconds}
//! {file}`) into the program and arguments to start. Nothing here goes
//! through a shell: the template is split into words first and the file
//! name is put into a word whole, whatever it holds.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::project::Project;
use crate::text::one_line;
use crate::transcript::Transcript;

/// The attribute that names a transcript's recording.
pub const MEDIA_ATTRIBUTE: &str = "media";

/// The environment variable that holds the player template.
pub const PLAYER_ENV: &str = "MOTIF_PLAYER";

/// Where to start which recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Playback {
    /// The recording, an absolute path inside the project.
    pub file: PathBuf,
    /// The time as written in the transcript (`00:04:31`).
    pub time: String,
    /// The same in seconds.
    pub seconds: f64,
    /// The speaker of the turn the time belongs to.
    pub speaker: Option<String>,
    /// The time comes from an earlier turn (the one holding the position
    /// has none).
    pub earlier: bool,
}

/// Seconds in a turn time: `00:04:31`, `4:31`, `1:02:03.5`, `00:04:31,250`.
pub fn seconds_of(time: &str) -> Option<f64> {
    let (clock, frac) = match time.find(['.', ',']) {
        Some(i) => (&time[..i], &time[i + 1..]),
        None => (time, ""),
    };
    let mut total = 0u64;
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        total = total * 60 + p.parse::<u64>().ok()?;
    }
    let frac = if frac.is_empty() {
        0.0
    } else if frac.bytes().all(|b| b.is_ascii_digit()) && frac.len() <= 3 {
        format!("0.{frac}").parse::<f64>().ok()?
    } else {
        return None;
    };
    Some(total as f64 + frac)
}

/// The recording a transcript names, checked: inside the project and a
/// file that is there.
pub fn media_of(project: &Project, transcript: &str) -> Result<PathBuf> {
    let attrs = project.attributes()?;
    let named = attrs
        .of(transcript)
        .into_iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(MEDIA_ATTRIBUTE) && !v.trim().is_empty())
        .map(|(_, v)| v);
    let Some(rel) = named else {
        return Err(Error::invalid(format!(
            "`{}` names no recording; give it one with `motif import FILE --media RECORDING --replace` \
             or a `media` column in attributes.csv (a path inside the project)",
            one_line(transcript)
        )));
    };
    check_media(&project.root, Path::new(rel.trim()))
}

/// Checks a recording's path (relative to the project root, or absolute):
/// it must name a file inside the project. Returns it absolute.
pub fn check_media(root: &Path, path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let shown = one_line(&path.display().to_string());
    let real = joined.canonicalize().map_err(|e| {
        Error::invalid(format!(
            "the recording `{shown}` cannot be found ({e}); give a file inside the project"
        ))
    })?;
    let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
    if !real.starts_with(&root) {
        return Err(Error::invalid(format!(
            "the recording `{shown}` lies outside the project {}; copy it into the project (e.g. media/) and name it there",
            one_line(&root.display().to_string())
        )));
    }
    if !real.is_file() {
        return Err(Error::invalid(format!(
            "the recording `{shown}` is not a file"
        )));
    }
    Ok(real)
}

/// The path of a recording as the `media` attribute keeps it: relative to
/// the project root, with `/` between folders.
pub fn relative_media(root: &Path, real: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let rel = real.strip_prefix(&root).unwrap_or(real);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where and when to play the turn that holds byte `at` of `t`: the
/// turn's time, or the nearest earlier turn's when it has none.
pub fn playback(project: &Project, t: &Transcript, at: usize) -> Result<Playback> {
    let id = one_line(&t.id);
    if t.turns.iter().all(|turn| turn.time.is_none()) {
        return Err(Error::invalid(format!(
            "`{id}` has no times: its turns carry no timestamps, so there is nowhere to start the recording"
        )));
    }
    // The turn holding the position, or the last one before it.
    let holding = t.turns.partition_point(|turn| turn.start <= at);
    let Some(found) = t.turns[..holding]
        .iter()
        .rposition(|turn| turn.time.is_some())
    else {
        let line = t.index.line_of_byte(at) + 1;
        return Err(Error::invalid(format!(
            "`{id}` has no time at or before line {line}"
        )));
    };
    let turn = &t.turns[found];
    let time = turn.time.clone().unwrap_or_default();
    let seconds = seconds_of(&time).ok_or_else(|| {
        Error::invalid(format!(
            "`{id}`: the time `{}` cannot be read as hours:minutes:seconds",
            one_line(&time)
        ))
    })?;
    let file = media_of(project, &t.id)?;
    Ok(Playback {
        file,
        time,
        seconds,
        speaker: turn.speaker.clone(),
        earlier: found + 1 != holding || at >= turn.end.max(turn.start + 1),
    })
}

/// The user's player: a template with `{file}` and `{seconds}`, and where
/// it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub template: String,
    /// `--player`, `MOTIF_PLAYER`, the config file, or the player found
    /// on the PATH.
    pub source: String,
}

/// Players motif knows how to start, tried in this order on the PATH.
const KNOWN_PLAYERS: [(&str, &str); 3] = [
    ("mpv", "mpv --start={seconds} {file}"),
    ("vlc", "vlc --start-time={seconds} {file}"),
    ("ffplay", "ffplay -autoexit -ss {seconds} {file}"),
];

impl Player {
    /// The player: `flag` (`--player`), then the environment's
    /// `MOTIF_PLAYER`, then `player` in the user's config file, then mpv,
    /// vlc or ffplay found on `path` (the `PATH`).
    pub fn resolve(
        flag: Option<&str>,
        env: Option<String>,
        config: Option<&Path>,
        path: Option<&std::ffi::OsStr>,
    ) -> Result<Player> {
        if let Some(t) = flag.filter(|t| !t.trim().is_empty()) {
            return Ok(Player {
                template: t.to_owned(),
                source: "--player".into(),
            });
        }
        if let Some(t) = env.filter(|t| !t.trim().is_empty()) {
            return Ok(Player {
                template: t,
                source: PLAYER_ENV.into(),
            });
        }
        if let Some(cfg) = config
            && let Some(t) = player_in_config(cfg)?
        {
            return Ok(Player {
                template: t,
                source: cfg.display().to_string(),
            });
        }
        for (program, template) in KNOWN_PLAYERS {
            if let Some(p) = path.and_then(|p| on_path(p, program)) {
                return Ok(Player {
                    template: template.to_owned(),
                    source: p.display().to_string(),
                });
            }
        }
        Err(Error::invalid(format!(
            "no player found: install mpv, vlc or ffplay, or name one with --player, \
             the {PLAYER_ENV} environment variable or `player = \"…\"` in {}, \
             as a template such as \"mpv --start={{seconds}} {{file}}\"",
            config.map_or_else(
                || "motif's config.toml".to_owned(),
                |c| c.display().to_string()
            )
        )))
    }

    /// The program and its arguments to play `file` from `seconds`.
    pub fn command(&self, file: &Path, seconds: f64) -> Result<Vec<String>> {
        let words = split_words(&self.template).map_err(|e| {
            Error::invalid(format!(
                "the player `{}` (from {}) {e}",
                one_line(&self.template),
                one_line(&self.source)
            ))
        })?;
        if !words.iter().any(|w| w.contains("{file}")) {
            return Err(Error::invalid(format!(
                "the player `{}` (from {}) has no {{file}}: write where the recording goes, e.g. \"mpv --start={{seconds}} {{file}}\"",
                one_line(&self.template),
                one_line(&self.source)
            )));
        }
        let secs = if seconds.fract() == 0.0 {
            format!("{seconds:.0}")
        } else {
            format!("{seconds:.3}")
        };
        let file = file.to_string_lossy();
        Ok(words
            .into_iter()
            .map(|w| w.replace("{seconds}", &secs).replace("{file}", &file))
            .collect())
    }
}

/// `player = "…"` in the user's config file, if it is there.
fn player_in_config(path: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, col) = crate::codebook::line_col(&text, e.span().map_or(0, |s| s.start));
        Error::parse(path, Some(line), Some(col), e.message())
    })?;
    match table.get("player") {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::parse(
            path,
            None,
            None,
            "`player` must be a string such as \"mpv --start={seconds} {file}\"",
        )),
    }
}

/// The program's path when it is on `path` (a `PATH` value).
fn on_path(path: &std::ffi::OsStr, program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path)
        .map(|d| d.join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Splits a template into words as a shell would, without running one:
/// spaces separate words; single and double quotes keep spaces in a word.
fn split_words(s: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(x) => word.push(x),
                        None => return Err(format!("has an unclosed {c}")),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err("is empty".into());
    }
    Ok(words)
}

/// Starts the player on its own, its output kept off the terminal; the
/// returned child is the caller's to wait for.
pub fn start(argv: &[String]) -> Result<std::process::Child> {
    let (program, args) = argv.split_first().expect("a command has a program");
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::invalid(format!(
                "cannot start the player `{}`: {e}",
                one_line(program)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_seconds() {
        assert_eq!(seconds_of("00:04:31"), Some(271.0));
        assert_eq!(seconds_of("4:31"), Some(271.0));
        assert_eq!(seconds_of("1:02:03.5"), Some(3723.5));
        assert_eq!(seconds_of("00:00:01,250"), Some(1.25));
        assert_eq!(seconds_of("12"), None);
        assert_eq!(seconds_of("a:b"), None);
        assert_eq!(seconds_of("1:2:3:4"), None);
    }

    #[test]
    fn templates_split_like_a_shell_and_keep_the_file_whole() {
        let p = Player {
            template: "my-player 'a b' --start={seconds} \"{file}\"".into(),
            source: "--player".into(),
        };
        let argv = p
            .command(Path::new("/p/media/ent retien; rm -rf ~.mp3"), 271.0)
            .unwrap();
        assert_eq!(
            argv,
            [
                "my-player",
                "a b",
                "--start=271",
                "/p/media/ent retien; rm -rf ~.mp3"
            ]
        );
        let p = Player {
            template: "mpv {file} --start={seconds}".into(),
            source: "x".into(),
        };
        assert_eq!(
            p.command(Path::new("/r.ogg"), 1.25).unwrap(),
            ["mpv", "/r.ogg", "--start=1.250"]
        );
        let no_file = Player {
            template: "mpv --start={seconds}".into(),
            source: "x".into(),
        };
        assert!(
            no_file
                .command(Path::new("/r"), 1.0)
                .unwrap_err()
                .to_string()
                .contains("no {file}")
        );
        let unclosed = Player {
            template: "mpv '{file}".into(),
            source: "x".into(),
        };
        assert!(
            unclosed
                .command(Path::new("/r"), 1.0)
                .unwrap_err()
                .to_string()
                .contains("unclosed")
        );
    }

    #[test]
    fn the_player_comes_from_the_flag_then_the_environment_then_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, "player = \"cfgplayer {file}\"\n").unwrap();
        let r = |flag, env: Option<&str>| {
            Player::resolve(flag, env.map(str::to_owned), Some(&cfg), None)
                .unwrap()
                .template
        };
        assert_eq!(r(Some("flag {file}"), Some("env {file}")), "flag {file}");
        assert_eq!(r(None, Some("env {file}")), "env {file}");
        assert_eq!(r(None, None), "cfgplayer {file}");
        // None of those: the first known player on the PATH.
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let vlc = bin.join("vlc");
        std::fs::write(&vlc, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&vlc, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let none = dir.path().join("none.toml");
        let p = Player::resolve(None, None, Some(&none), Some(bin.as_os_str())).unwrap();
        assert_eq!(p.template, "vlc --start-time={seconds} {file}");
        let err = Player::resolve(None, None, Some(&none), Some(dir.path().as_os_str()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no player found"), "{err}");
        std::fs::write(&cfg, "player = [1]\n").unwrap();
        let err = Player::resolve(None, None, Some(&cfg), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml") && err.contains("must be a string"),
            "{err}"
        );
    }
}
