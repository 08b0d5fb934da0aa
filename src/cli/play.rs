//! `motif play`: the recording behind a turn, started in the user's player
//! at the turn's time (the core finds the time, the file and the command;
//! this starts it and waits, so that the player's failure is reported).

use std::process::ExitCode;

use anyhow::bail;

use motif_core::media::{PLAYER_ENV, Player, playback, start};
use motif_core::ops::SpanSpec;
use motif_core::project::user_config_file;
use motif_core::text::one_line;

use super::args::PlayArgs;
use super::output::emit;
use super::{CmdResult, Ctx};

/// `motif play T (--line N | --chars A-B) [--player TEMPLATE]`.
pub fn play(ctx: &Ctx, args: &PlayArgs) -> CmdResult {
    let project = ctx.project()?;
    let t = project.transcript(&args.transcript)?;
    let at = match (&args.chars, args.line) {
        (Some(c), _) => {
            let (a, b) = SpanSpec::parse(c, false)?.resolve(&t)?;
            t.byte_range(a, b).map_or(0, |(a, _)| a)
        }
        (None, Some(n)) => {
            if n == 0 || n > t.index.line_count() {
                bail!(
                    "line {n} is out of range: `{}` has {} lines",
                    one_line(&t.id),
                    t.index.line_count()
                );
            }
            t.index.line_bytes(&t.text, n - 1).map_or(0, |(a, _)| a)
        }
        (None, None) => bail!("give the position with --line N or --chars A-B"),
    };
    let pb = playback(&project, &t, at)?;
    let config = user_config_file();
    let player = Player::resolve(
        args.player.as_deref(),
        std::env::var(PLAYER_ENV).ok(),
        config.as_deref(),
        std::env::var_os("PATH").as_deref(),
    )?;
    let argv = player.command(&pb.file, pb.seconds)?;
    emit(&format!(
        "playing {} from {}{}{} with {}\n",
        one_line(&t.id),
        one_line(&pb.time),
        pb.speaker
            .as_deref()
            .map_or_else(String::new, |s| format!(" ({})", one_line(s))),
        if pb.earlier {
            " (the last time before that position)"
        } else {
            ""
        },
        one_line(&argv[0])
    ));
    let status = start(&argv)?.wait()?;
    if !status.success() {
        bail!(
            "the player `{}` stopped with {status}",
            one_line(&argv.join(" "))
        );
    }
    Ok(ExitCode::SUCCESS)
}
