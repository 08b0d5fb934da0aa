//! The one table of `:` commands. Each entry has its name, arguments,
//! help and handler; the same table dispatches what was typed, completes
//! it (Tab), lists the commands in the `?` help and in `docs/keymap.md`.
//! Handlers call the core functions the CLI's verbs call.

use motif_core::memo::MemoTarget;
use motif_core::ops;
use motif_core::stats;
use motif_core::text::sanitize_owned;

use super::app::{App, Pane, Unit, VisualSelection};
use super::exports::Export;
use super::popup::{Help, Popup};
use super::textview;
use super::theme::Theme;

/// What an argument is, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A transcript id.
    Transcript,
    /// A code (path, unique name or key).
    Code,
    /// One of a few words.
    Choice(&'static [&'static str]),
    /// Anything (no completion).
    Text,
}

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgKind,
    pub optional: bool,
    /// Takes the rest of the words.
    pub many: bool,
}

const fn arg(name: &'static str, kind: ArgKind) -> Arg {
    Arg {
        name,
        kind,
        optional: false,
        many: false,
    }
}

const fn optional(name: &'static str, kind: ArgKind) -> Arg {
    Arg {
        name,
        kind,
        optional: true,
        many: false,
    }
}

const fn many(name: &'static str, kind: ArgKind, optional: bool) -> Arg {
    Arg {
        name,
        kind,
        optional,
        many: true,
    }
}

/// What a handler gets: the words after the command's name, and the same
/// text unsplit.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub args: Vec<&'a str>,
    pub rest: &'a str,
}

/// One `:` command.
pub struct Command {
    /// One or more words (`codes rename`).
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub args: &'static [Arg],
    pub help: &'static str,
    pub run: fn(&mut App, &Invocation<'_>),
}

impl Command {
    /// `name ARG [OPTIONAL] MANY…`, for help and usage errors.
    pub fn usage(&self) -> String {
        let mut out = self.name.to_owned();
        for a in self.args {
            let name = if a.many {
                format!("{}…", a.name)
            } else {
                a.name.to_owned()
            };
            out.push(' ');
            if a.optional {
                out.push('[');
                out.push_str(&name);
                out.push(']');
            } else {
                out.push_str(&name);
            }
        }
        out
    }

    /// The help text, with the aliases.
    pub fn described(&self) -> String {
        if self.aliases.is_empty() {
            self.help.to_owned()
        } else {
            format!("{} (also :{})", self.help, self.aliases.join(", :"))
        }
    }

    /// Whether `n` arguments fit.
    fn accepts(&self, n: usize) -> bool {
        let required = self.args.iter().filter(|a| !a.optional).count();
        let unbounded = self.args.last().is_some_and(|a| a.many);
        n >= required && (unbounded || n <= self.args.len())
    }

    /// The argument at word `i` after the name.
    fn arg_at(&self, i: usize) -> Option<&Arg> {
        self.args
            .get(i)
            .or_else(|| self.args.last().filter(|a| a.many))
    }
}

const CODERS: &[&str] = &["all", "mine"];
const THEMES: &[&str] = &["dark", "light"];
const ADOPT: &[&str] = &["both", "neither"];
const FORCE: &[&str] = &["--force"];

/// Every `:` command, in help order.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "open",
        aliases: &["o"],
        args: &[arg("T", ArgKind::Transcript)],
        help: "open transcript T",
        run: |app, inv| {
            if app.open(inv.rest) {
                app.focus = Pane::Text;
            }
        },
    },
    Command {
        name: "goto",
        aliases: &["g"],
        args: &[arg("LINE", ArgKind::Text)],
        help: "go to line LINE of the open transcript",
        run: goto,
    },
    Command {
        name: "select",
        aliases: &[],
        args: &[arg("A-B", ArgKind::Text)],
        help: "select lines A to B",
        run: select,
    },
    Command {
        name: "code",
        aliases: &[],
        args: &[many("CODE", ArgKind::Code, false)],
        help: "code the selection (a path, a unique name or a key)",
        run: code,
    },
    Command {
        name: "uncode",
        aliases: &[],
        args: &[many("CODE", ArgKind::Code, true)],
        help: "remove your codings (of these codes) on the selection or under the cursor",
        run: |app, inv| app.uncode(&inv.args),
    },
    Command {
        name: "review",
        aliases: &[],
        args: &[],
        help: "review your orphaned and edited codings: accept, re-attach to the selection, remove",
        run: |app, _| app.open_review(),
    },
    Command {
        name: "search",
        aliases: &["s"],
        args: &[many("QUERY", ArgKind::Text, false)],
        help: "search all interviews",
        run: |app, inv| app.search(inv.rest),
    },
    Command {
        name: "undo",
        aliases: &["u"],
        args: &[],
        help: "undo your last coding change",
        run: |app, _| app.undo_redo(true),
    },
    Command {
        name: "redo",
        aliases: &[],
        args: &[],
        help: "redo what undo undid",
        run: |app, _| app.undo_redo(false),
    },
    Command {
        name: "memo",
        aliases: &[],
        args: &[],
        help: "write a memo on the selection, the segment here or the transcript",
        run: |app, _| app.open_memo(),
    },
    Command {
        name: "memo code",
        aliases: &[],
        args: &[arg("CODE", ArgKind::Code)],
        help: "write the memo on a code",
        run: memo_code,
    },
    Command {
        name: "memo transcript",
        aliases: &[],
        args: &[optional("T", ArgKind::Transcript)],
        help: "write the memo on a transcript (default: the open one)",
        run: memo_transcript,
    },
    Command {
        name: "memo project",
        aliases: &[],
        args: &[],
        help: "write the project's memo",
        run: |app, _| app.open_target_memo(MemoTarget::Project),
    },
    Command {
        name: "codes add",
        aliases: &[],
        args: &[arg("PATH", ArgKind::Text)],
        help: "add a code (parent/child makes a subcode)",
        run: |app, inv| {
            app.add_code(inv.args[0]);
        },
    },
    Command {
        name: "codes rename",
        aliases: &[],
        args: &[arg("CODE", ArgKind::Code), arg("NAME", ArgKind::Text)],
        help: "rename a code; its codings follow",
        run: |app, inv| app.rename_code(inv.args[0], inv.args[1]),
    },
    Command {
        name: "codes move",
        aliases: &[],
        args: &[
            arg("CODE", ArgKind::Code),
            optional("PARENT", ArgKind::Code),
        ],
        help: "move a code under PARENT (none: to the top level)",
        run: |app, inv| app.move_code(inv.args[0], inv.args.get(1).copied()),
    },
    Command {
        name: "codes merge",
        aliases: &[],
        args: &[arg("FROM", ArgKind::Code), arg("INTO", ArgKind::Code)],
        help: "merge a code into another; its codings count as the other",
        run: |app, inv| app.merge_code(inv.args[0], inv.args[1]),
    },
    Command {
        name: "codes delete",
        aliases: &[],
        args: &[
            arg("CODE", ArgKind::Code),
            optional("--force", ArgKind::Choice(FORCE)),
        ],
        help: "delete a code (--force: with every coder's codings of it)",
        run: codes_delete,
    },
    Command {
        name: "agree",
        aliases: &[],
        args: &[],
        help: "intercoder agreement, pooled over the codes (D lists the disagreements)",
        run: |app, _| app.agreement_summary(),
    },
    Command {
        name: "agree adopt",
        aliases: &[],
        args: &[
            arg("ID", ArgKind::Text),
            arg("CODER|both|neither", ArgKind::Choice(ADOPT)),
        ],
        help: "adopt a side of disagreement ID into the consensus coder",
        run: agree_adopt,
    },
    Command {
        name: "export frequencies",
        aliases: &[],
        args: &[optional("FILE", ArgKind::Text)],
        help: "write code frequencies (CSV if FILE ends in .csv, else JSON; default frequencies.json)",
        run: |app, inv| app.export_frequencies(inv.args.first().copied()),
    },
    Command {
        name: "export segments",
        aliases: &[],
        args: &[optional("FILE", ArgKind::Text)],
        help: "write every coded segment (by FILE's extension: .csv, .md, .html, else JSON; default segments.json)",
        run: |app, inv| app.export_file(Export::Segments, inv.args.first().copied(), None),
    },
    Command {
        name: "export cooccurrence",
        aliases: &[],
        args: &[optional("FILE", ArgKind::Text)],
        help: "write the code co-occurrence table (overlap unit; CSV if FILE ends in .csv, else JSON)",
        run: |app, inv| app.export_file(Export::Cooccurrence, inv.args.first().copied(), None),
    },
    Command {
        name: "export matrix",
        aliases: &[],
        args: &[
            optional("FILE", ArgKind::Text),
            optional("BY", ArgKind::Text),
        ],
        help: "write the code × transcript (or × attribute BY) matrix (CSV if FILE ends in .csv, else JSON)",
        run: |app, inv| {
            app.export_file(
                Export::Matrix,
                inv.args.first().copied(),
                inv.args.get(1).copied(),
            );
        },
    },
    Command {
        name: "coders",
        aliases: &[],
        args: &[arg("all|mine", ArgKind::Choice(CODERS))],
        help: "show everyone's codings or only yours",
        run: |app, inv| app.show_coders(inv.rest != "mine"),
    },
    Command {
        name: "theme",
        aliases: &[],
        args: &[arg("dark|light", ArgKind::Choice(THEMES))],
        help: "switch the colour theme",
        run: |app, inv| match inv.rest {
            "dark" => app.theme = Theme::dark(app.theme.color),
            "light" => app.theme = Theme::light(app.theme.color),
            _ => app.error("usage: :theme dark|light"),
        },
    },
    Command {
        name: "refresh",
        aliases: &[],
        args: &[],
        help: "reload codings and codebook changed by other motif processes",
        run: |app, _| app.reload(),
    },
    Command {
        name: "help",
        aliases: &["h"],
        args: &[],
        help: "show the keys and commands",
        run: |app, _| app.popup = Popup::Help(Help::default()),
    },
    Command {
        name: "quit",
        aliases: &["q", "q!", "wq"],
        args: &[],
        help: "quit motif (everything is already saved)",
        run: |app, _| app.quit = true,
    },
];

/// The command `line` starts with (the longest name), and the rest.
fn find(line: &str) -> Option<(&'static Command, &str)> {
    let mut best: Option<(&'static Command, &str)> = None;
    for c in COMMANDS {
        for name in std::iter::once(&c.name).chain(c.aliases) {
            let Some(rest) = line.strip_prefix(name) else {
                continue;
            };
            if !(rest.is_empty() || rest.starts_with(' ')) {
                continue;
            }
            if best.is_none_or(|(_, r)| rest.len() < r.len()) {
                best = Some((c, rest));
            }
        }
    }
    best
}

/// The argument completion candidates of a kind.
fn candidates(app: &App, kind: ArgKind) -> Vec<String> {
    match kind {
        ArgKind::Transcript => app.ids.clone(),
        ArgKind::Code => app.book.codes().iter().map(|c| c.path.clone()).collect(),
        ArgKind::Choice(words) => words.iter().map(|w| (*w).to_owned()).collect(),
        ArgKind::Text => Vec::new(),
    }
}

impl App {
    /// Runs a `:` command.
    pub fn run_command(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let Some((command, rest)) = find(line) else {
            let verb = line.split(' ').next().unwrap_or(line);
            let group: Vec<String> = COMMANDS
                .iter()
                .filter(|c| c.name.split(' ').next() == Some(verb) && c.name.contains(' '))
                .map(|c| format!(":{}", c.usage()))
                .collect();
            if group.is_empty() {
                self.error(&format!(
                    "unknown command `:{verb}`; press ? for help, Tab completes"
                ));
            } else {
                self.error(&format!("usage: {}", group.join(" | ")));
            }
            return;
        };
        let rest = rest.trim();
        let inv = Invocation {
            args: rest.split_whitespace().collect(),
            rest,
        };
        if !command.accepts(inv.args.len()) {
            self.error(&format!("usage: :{}", command.usage()));
            return;
        }
        (command.run)(self, &inv);
    }

    /// Completions for the command line's text: command names, then each
    /// argument by its kind.
    pub fn complete(&self, text: &str) -> Vec<String> {
        // Longer command names first (`memo ` → `memo code`…).
        let mut out: Vec<String> = COMMANDS
            .iter()
            .map(|c| c.name)
            .filter(|n| n.starts_with(text) && n.len() > text.len())
            .map(str::to_owned)
            .collect();
        let found = find(text).filter(|(_, rest)| rest.starts_with(' '));
        let Some((command, rest)) = found else {
            return out;
        };
        let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
        let last = rest.rsplit(' ').next().unwrap_or("");
        let index = if last.is_empty() {
            words.len()
        } else {
            words.len() - 1
        };
        let head = &text[..text.len() - last.len()];
        if let Some(a) = command.arg_at(index) {
            out.extend(
                candidates(self, a.kind)
                    .into_iter()
                    .filter(|p| p.starts_with(last))
                    .map(|p| format!("{head}{p}")),
            );
        }
        out
    }

    /// Writes the code frequencies (`motif export frequencies`): CSV when
    /// the file ends in `.csv`, JSON otherwise.
    pub fn export_frequencies(&mut self, file: Option<&str>) {
        let path = self.project.root.join(file.unwrap_or("frequencies.json"));
        // The one recipe `motif export frequencies` uses: every coder with
        // a journal is listed.
        let f = self.with_workspace(motif_core::session::frequencies_of_all);
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let text = if csv {
            Ok(sanitize_owned(stats::frequencies_csv(&f), true))
        } else {
            motif_core::export::json_document(&f)
        };
        let result = text.and_then(|t| self.project.write_output(&path, t.as_bytes()));
        match result {
            Ok(()) => self.say(&format!("wrote {}", path.display())),
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Shows the compared coders' pooled agreement (`motif agree`) in the
    /// status line.
    pub fn agreement_summary(&mut self) {
        use motif_core::agreement::{Comparison, agreement};
        let Some(req) = self.compared_request() else {
            return;
        };
        let coders = req.coders.clone();
        let result = self
            .with_workspace(|ws| Comparison::new(ws, &req).map(|scope| agreement(&scope).pooled));
        let figure = |x: Option<f64>, digits: usize| {
            x.map_or_else(|| "—".to_owned(), |v| format!("{v:.digits$}"))
        };
        match result {
            Ok(p) => self.say(&format!(
                "agreement of {} over {} code(s): {}% agree · kappa {} · alpha {} · D lists the disagreements",
                coders.join(", "),
                p.codes,
                figure(p.percent_agreement.map(|x| x * 100.0), 1),
                figure(p.cohen_kappa, 3),
                figure(p.krippendorff_alpha, 3)
            )),
            Err(e) => self.error(&e.to_string()),
        }
    }
}

fn goto(app: &mut App, inv: &Invocation<'_>) {
    match inv.rest.parse::<usize>() {
        Ok(n) if n >= 1 => {
            if let Some(t) = app.transcript() {
                let line = (n - 1).min(t.index.line_count().saturating_sub(1));
                let p = t.index.line_bytes(&t.text, line).map_or(0, |r| r.0);
                // At a turn's first line, land on what was said.
                let p = t
                    .turns
                    .iter()
                    .find(|x| x.start == p)
                    .map_or(p, |x| x.body_start);
                app.jump_cursor(p);
            }
        }
        _ => app.error("usage: :goto LINE"),
    }
}

fn select(app: &mut App, inv: &Invocation<'_>) {
    let Some(t) = app.transcript() else { return };
    match ops::SpanSpec::parse(inv.rest, true).and_then(|s| s.resolve(t)) {
        Ok((s, e)) => {
            let (a, b) = t.byte_range(s, e).unwrap_or((0, 0));
            let last = textview::prev_char(&t.text, b);
            app.selection = Some(VisualSelection {
                anchor: a,
                unit: Unit::Char,
            });
            app.move_to(last);
            app.focus = Pane::Text;
        }
        Err(e) => app.error(&e.to_string()),
    }
}

fn code(app: &mut App, inv: &Invocation<'_>) {
    // Every code resolved first: one unknown name codes nothing.
    let ids: Result<Vec<String>, _> = inv
        .args
        .iter()
        .map(|spec| app.book.resolve(spec).map(|c| c.id.clone()))
        .collect();
    match ids {
        Ok(ids) => app.apply_codes(&ids),
        Err(e) => app.error(&e.to_string()),
    }
}

fn memo_code(app: &mut App, inv: &Invocation<'_>) {
    match app.book.resolve(inv.rest).map(|c| c.id.clone()) {
        Ok(id) => app.open_target_memo(MemoTarget::Code(id)),
        Err(e) => app.error(&e.to_string()),
    }
}

fn memo_transcript(app: &mut App, inv: &Invocation<'_>) {
    let id = match inv.args.first() {
        Some(t) => (*t).to_owned(),
        None => match &app.current {
            Some(t) => t.clone(),
            None => return app.error("no transcript is open: :memo transcript T"),
        },
    };
    if app.texts.contains_key(&id) {
        app.open_target_memo(MemoTarget::Transcript(id));
    } else {
        app.error(&format!(
            "no transcript `{id}`; the list on the left shows them"
        ));
    }
}

fn codes_delete(app: &mut App, inv: &Invocation<'_>) {
    match inv.args.get(1) {
        None => app.delete_code(inv.args[0], false),
        Some(&"--force") => app.delete_code(inv.args[0], true),
        Some(_) => app.error("usage: :codes delete CODE [--force]"),
    }
}

fn agree_adopt(app: &mut App, inv: &Invocation<'_>) {
    let coders = app.compared_coders();
    match motif_core::agreement::Choice::parse(inv.args[1], &coders) {
        Ok(choice) => app.adopt(&coders, inv.args[0], choice),
        Err(e) => app.error(&e.to_string()),
    }
}
