//! `motif play`: the recording named by a transcript's `media` attribute,
//! started at the time of the turn that holds a position, through a
//! stand-in player that records the arguments it was given.

use std::path::{Path, PathBuf};

use crate::util::{Proj, motif_cmd};

fn stand_in(dir: &Path, out: &Path) -> PathBuf {
    motif_devkit::stand_in::player(dir, out)
}

fn recorded(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn play_starts_the_player_at_the_turn_time_with_the_recording() {
    let p = Proj::with_sample();
    p.write("media/entretien é; x.ogg", b"OggS not really");
    p.write(
        "attributes.csv",
        "id,media\nx,media/entretien é; x.ogg\n".as_bytes(),
    );
    let out = p.root.parent().unwrap().join("args.txt");
    let script = stand_in(p.root.parent().unwrap(), &out);
    let template = format!("'{}' --start={{seconds}} {{file}}", script.display());
    // Line 5 continues LI NA's turn, stamped 00:00:07.
    let said = p.ok(&["play", "x", "--line", "5", "--player", &template]);
    assert!(said.contains("playing x from 00:00:07 (LI NA)"), "{said}");
    let media = p
        .root
        .canonicalize()
        .unwrap()
        .join("media/entretien é; x.ogg");
    assert_eq!(
        recorded(&out),
        ["--start=7".to_owned(), media.display().to_string()]
    );
    // From MOTIF_PLAYER, at a position given in code points (the last turn).
    std::fs::remove_file(&out).unwrap();
    let at = crate::util::cp_find(crate::util::SAMPLE, "Merci");
    let o = motif_cmd()
        .current_dir(&p.root)
        .env("MOTIF_PLAYER", &template)
        .env("XDG_CONFIG_HOME", p.root.parent().unwrap())
        .args(["play", "x", "--chars", &format!("{at}-{}", at + 5)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(recorded(&out)[0], "--start=70");
}

#[test]
fn play_says_what_is_missing_and_starts_nothing() {
    let p = Proj::with_sample();
    let out = p.root.parent().unwrap().join("args.txt");
    let script = stand_in(p.root.parent().unwrap(), &out);
    let template = format!("'{}' {{file}}", script.display());
    let play = |p: &Proj| p.fail(&["play", "x", "--line", "3", "--player", &template]);
    // No recording named.
    let err = play(&p);
    assert!(
        err.contains("names no recording") && err.contains("media"),
        "{err}"
    );
    // A recording outside the project, or one that is not there.
    let outside = p.root.parent().unwrap().join("outside.ogg");
    std::fs::write(&outside, b"x").unwrap();
    p.write(
        "attributes.csv",
        format!("id,media\nx,{}\n", outside.display()).as_bytes(),
    );
    let err = play(&p);
    assert!(
        err.contains("outside the project") && err.contains("outside.ogg"),
        "{err}"
    );
    p.write("attributes.csv", b"id,media\nx,media/gone.ogg\n");
    let err = play(&p);
    assert!(
        err.contains("media/gone.ogg") && err.contains("cannot be found"),
        "{err}"
    );
    // A template without {file}.
    p.write("media/x.ogg", b"x");
    p.write("attributes.csv", b"id,media\nx,media/x.ogg\n");
    let err = p.fail(&[
        "play",
        "x",
        "--line",
        "3",
        "--player",
        "mpv --start={seconds}",
    ]);
    assert!(err.contains("no {file}"), "{err}");
    // A transcript without times.
    p.write(
        "in/plain.txt",
        "Just a paragraph of notes.\n\nAnother one.\n".as_bytes(),
    );
    p.ok(&[
        "import",
        p.path("in/plain.txt").to_str().unwrap(),
        "--attr",
        "media=media/x.ogg",
    ]);
    let err = p.fail(&["play", "plain", "--line", "1", "--player", &template]);
    assert!(err.contains("`plain` has no times"), "{err}");
    assert!(!out.exists(), "no player was started");
}

#[test]
fn import_media_names_the_recording_and_play_finds_it() {
    let p = Proj::with_sample();
    p.write("media/entrevista ñ 北京.ogg", b"OggS not really");
    let src = crate::util::fixture("import/zoom.txt");
    // From inside the project, the path is read from where the user is.
    let o = motif_cmd()
        .current_dir(p.path("media"))
        .args([
            "import",
            src.to_str().unwrap(),
            "--media",
            "entrevista ñ 北京.ogg",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        p.read("attributes.csv")
            .contains("zoom,media/entrevista ñ 北京.ogg"),
        "{}",
        p.read("attributes.csv")
    );
    let out = p.root.parent().unwrap().join("args.txt");
    let script = stand_in(p.root.parent().unwrap(), &out);
    let template = format!("'{}' --start={{seconds}} {{file}}", script.display());
    let said = p.ok(&["play", "zoom", "--line", "1", "--player", &template]);
    assert!(said.contains("playing zoom from 10:15:32"), "{said}");
    // Outside the project, missing, or one recording for several files:
    // refused by name, nothing imported.
    let outside = p.root.parent().unwrap().join("outside.ogg");
    std::fs::write(&outside, b"x").unwrap();
    let teams = crate::util::fixture("import/teams.txt");
    for (media, why) in [
        (outside.to_str().unwrap().to_owned(), "outside the project"),
        (
            p.path("media/gone.ogg").to_str().unwrap().to_owned(),
            "cannot be found",
        ),
    ] {
        let before = p.snapshot();
        let err = p.fail(&["import", teams.to_str().unwrap(), "--media", &media]);
        assert!(err.contains(why) && err.contains(".ogg"), "{err}");
        assert_eq!(before, p.snapshot());
    }
    let before = p.snapshot();
    let media = p.path("media/entrevista ñ 北京.ogg");
    let err = p.fail(&[
        "import",
        teams.to_str().unwrap(),
        crate::util::fixture("import/otter.txt").to_str().unwrap(),
        "--media",
        media.to_str().unwrap(),
    ]);
    assert!(
        err.contains("one transcript") && err.contains("2 files"),
        "{err}"
    );
    assert_eq!(before, p.snapshot());
}
