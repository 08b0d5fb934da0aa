//! `p`: the recording behind the turn under the cursor, started in the
//! user's player (`MOTIF_PLAYER`, `player` in config.toml, or mpv, vlc or
//! ffplay on the PATH) at the turn's time — the same core calls as
//! `motif play`. The player runs on its own; the TUI keeps the keyboard.

use motif_core::media::{PLAYER_ENV, Player, playback, start};
use motif_core::project::user_config_file;
use motif_core::text::one_line;

use super::app::App;

impl App {
    /// Plays from the turn at the selection's start, or at the cursor.
    pub fn play(&mut self) {
        let Some(t) = self.transcript().cloned() else {
            return;
        };
        let at = self.selection_range().map_or(self.cursor, |(s, _)| s);
        let started = playback(&self.project, &t, at).and_then(|pb| {
            let config = user_config_file();
            let player = Player::resolve(
                None,
                std::env::var(PLAYER_ENV).ok(),
                config.as_deref(),
                std::env::var_os("PATH").as_deref(),
            )?;
            let argv = player.command(&pb.file, pb.seconds)?;
            let mut child = start(&argv)?;
            // Reaped when it ends, so that no finished player lingers.
            std::thread::spawn(move || child.wait());
            Ok((pb, argv[0].clone()))
        });
        match started {
            Ok((pb, program)) => self.say(&format!(
                "playing {} from {}{} with {}",
                one_line(&t.id),
                one_line(&pb.time),
                if pb.earlier {
                    " (the last time before the cursor)"
                } else {
                    ""
                },
                one_line(&program)
            )),
            Err(e) => self.error(&e.to_string()),
        }
    }
}
