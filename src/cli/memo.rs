//! `motif memo`: read, append to, replace or edit (in `$EDITOR`) a memo on
//! the project, a transcript or a code.

use std::process::ExitCode;

use anyhow::{Context, bail};

use motif_core::text::sanitize;

use super::args::MemoTargetArgs;
use super::output::emit;
use super::{CmdResult, Ctx};

/// `motif memo [--transcript T | --code C] [TEXT | --edit] [--replace]`.
pub fn memo_cmd(
    ctx: &Ctx,
    target: &MemoTargetArgs,
    text: Option<&str>,
    edit: bool,
    replace: bool,
) -> CmdResult {
    let mut session = ctx.session()?;
    let target = session.memo_target(target.transcript.as_deref(), target.code.as_deref())?;
    if edit {
        let current = session.read_memo(&target)?;
        let edited = edit_text(&current)?;
        // The memo may have changed while the editor was open: nothing
        // either side wrote is dropped.
        let (path, how) =
            motif_core::memo::save_edited_memo(&session.project, &target, &current, &edited)?;
        ctx.notice(&how.describe(&path));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(t) = text {
        let path = if replace {
            session.write_memo(&target, t)?
        } else {
            session.append_memo(&target, t)?
        };
        ctx.notice(&format!("saved {}", path.display()));
    } else {
        let body = session.read_memo(&target)?;
        if body.is_empty() {
            ctx.notice("no memo yet; add one with `motif memo … TEXT` or `--edit`");
        } else {
            emit(&sanitize(&body, true));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens `$VISUAL`/`$EDITOR` on a temporary copy and returns the result.
fn edit_text(current: &str) -> anyhow::Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let dir = std::env::temp_dir().join(format!("motif-memo-{}", motif_core::ids::new_id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("memo.md");
    std::fs::write(&file, current)?;
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&file)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`; set $EDITOR"))?;
    let text = std::fs::read_to_string(&file)?;
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        bail!("the editor exited with {status}; the memo was not changed");
    }
    Ok(text)
}
