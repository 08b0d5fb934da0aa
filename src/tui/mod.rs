//! The terminal interface: a coding workspace (transcript list, transcript
//! view, codebook) built on the same core calls as the CLI. Shared state
//! and key routing live in [`app`] (with [`selection`], [`coding`],
//! [`codebook_edit`], [`refresh`], [`retrieval`], [`place`] and [`play`]
//! adding to it), each popup in
//! [`popup`], the one keymap table in [`keymap`], the one `:` command
//! table in [`commands`], drawing in [`ui`] and [`transcript_view`],
//! geometry in [`textview`], colours in [`theme`]. The terminal is
//! restored on quit, on error, on panic and on the signals that end a
//! program (SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
//! SIGVTALRM, SIGPROF, SIGXCPU); SIGTSTP and ctrl-z suspend motif with
//! the terminal restored, and it redraws when continued.

pub mod app;
pub mod codebook_edit;
pub mod coding;
pub mod commands;
pub mod exports;
pub mod input;
pub mod keymap;
pub mod place;
pub mod play;
pub mod popup;
pub mod refresh;
pub mod retrieval;
pub mod review;
pub mod selection;
pub mod textview;
pub mod theme;
pub mod transcript_view;
pub mod ui;

use std::io::{IsTerminal, stdout};

use signal_hook::consts::{
    SIGALRM, SIGHUP, SIGPROF, SIGTSTP, SIGUSR1, SIGUSR2, SIGVTALRM, SIGXCPU, TERM_SIGNALS,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use crossterm::execute;

use motif_core::project::Project;

use app::App;

/// Opens the TUI on a project as `coder` and runs until the researcher
/// quits.
pub fn run(project: Project, coder: String) -> anyhow::Result<()> {
    let mut app = App::load(project, coder)?;
    app.restore_place();
    app.update_index_in_background();
    // Restore the terminal (mouse capture included) even on panic.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        default_hook(info);
    }));
    // A signal that ends motif ends the event loop instead, so the
    // terminal is restored below as on quit.
    let signals = Signals {
        stop: Arc::new(AtomicBool::new(false)),
        suspend: Arc::new(AtomicBool::new(false)),
    };
    let ends = TERM_SIGNALS.iter().chain(&[
        SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU,
    ]);
    for signal in ends {
        signal_hook::flag::register(*signal, Arc::clone(&signals.stop))?;
    }
    signal_hook::flag::register(SIGTSTP, Arc::clone(&signals.suspend))?;
    let mut terminal = ratatui::try_init()?;
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut app, &signals);
    // Derived data: a place that cannot be written only means starting
    // at the first transcript next time.
    let _ = app.save_place();
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

/// What the signal handlers tell the event loop.
struct Signals {
    /// A signal that ends motif arrived.
    stop: Arc<AtomicBool>,
    /// SIGTSTP arrived (`kill -TSTP`; ctrl-z comes as a key in raw mode).
    suspend: Arc<AtomicBool>,
}

/// Gives the terminal back, stops motif as a shell's job, and takes the
/// terminal again once it is continued (`fg`).
fn suspend(terminal: &mut ratatui::DefaultTerminal) -> anyhow::Result<()> {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    // SIGSTOP cannot be caught: this stops here until SIGCONT.
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    *terminal = ratatui::try_init()?;
    let _ = execute!(stdout(), EnableMouseCapture);
    terminal.clear()?;
    Ok(())
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    signals: &Signals,
) -> anyhow::Result<()> {
    let mut last_poll = Instant::now();
    loop {
        // A signal that ends motif, or a terminal that went away (its
        // window closed, the ssh link cut) without one reaching motif.
        if signals.stop.load(Ordering::Relaxed) || !stdout().is_terminal() {
            return Ok(());
        }
        if signals.suspend.swap(false, Ordering::Relaxed) || std::mem::take(&mut app.suspend) {
            let _ = app.save_place();
            suspend(terminal)?;
        }
        let size = terminal.size()?;
        app.resize(size.width, size.height);
        terminal.draw(|f| ui::draw(f, app))?;
        if app.quit {
            return Ok(());
        }
        if event::poll(Duration::from_millis(200))? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    app.status = app::Status::default();
                    let before = app.current.clone();
                    app.on_key(k);
                    // Another transcript: remembered at once, so that even
                    // a motif killed later reopens there.
                    if app.current != before {
                        let _ = app.save_place();
                    }
                }
                Event::Mouse(m) => app.on_mouse(m),
                _ => {}
            }
        }
        app.poll_index();
        // Pick up codings and transcripts from other motif processes
        // (`poll_changes` says what it reloaded).
        if last_poll.elapsed() > Duration::from_millis(900) {
            last_poll = Instant::now();
            app.poll_changes();
        }
    }
}
