//! The one keymap table. Keys map to named actions per context; the same
//! table dispatches keys, builds the `?` help overlay and generates
//! `docs/keymap.md`. A user keymap file (`keymap.toml` in the platform's
//! config folder) can rebind keys.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. Popups and text inputs have their own
/// contexts: while one is open, only its context (and, for text inputs,
/// [`Context::TextInput`]) is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Everywhere outside popups and text input.
    Global,
    /// The transcript view, no selection.
    Normal,
    /// The transcript view with a selection.
    Visual,
    /// The transcript list pane.
    Transcripts,
    /// The codebook pane.
    Codebook,
    /// A list popup (segments, search hits, similar passages).
    List,
    /// The help overlay.
    Help,
    /// Waiting for a code's one-key shortcut after `c`.
    CodeKey,
    /// The code picker (typed text filters).
    Picker,
    /// The `/` search prompt (typed text is the query).
    Search,
    /// The `:` command line (typed text is the command).
    Command,
    /// The memo editor (typed text is the memo).
    Memo,
    /// The statistics view.
    Stats,
    /// The disagreements view.
    Agreement,
    /// The review of orphaned and edited codings (`:review`).
    Review,
    /// Editing keys shared by every text input (picker, prompts, memo).
    TextInput,
}

impl Context {
    /// A heading for the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Normal => "Reading (transcript view)",
            Context::Visual => "Selecting (VISUAL)",
            Context::Transcripts => "Transcript list",
            Context::Codebook => "Codebook",
            Context::List => "Lists (quotes, search hits)",
            Context::Help => "Help",
            Context::CodeKey => "Code keys (after c)",
            Context::Picker => "Code picker",
            Context::Search => "Search prompt (/)",
            Context::Command => "Command line (:)",
            Context::Memo => "Memo editor",
            Context::Stats => "Statistics (S)",
            Context::Agreement => "Disagreements (D)",
            Context::Review => "Review of edited and orphaned codings (:review)",
            Context::TextInput => "Typing (picker, prompts, memo)",
        }
    }

    /// All contexts in help order.
    pub const ALL: [Context; 16] = [
        Context::Global,
        Context::Normal,
        Context::Visual,
        Context::Transcripts,
        Context::Codebook,
        Context::List,
        Context::Help,
        Context::CodeKey,
        Context::Picker,
        Context::Search,
        Context::Command,
        Context::Memo,
        Context::Stats,
        Context::Agreement,
        Context::Review,
        Context::TextInput,
    ];

    /// The context's section name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Normal => "normal",
            Context::Visual => "visual",
            Context::Transcripts => "transcripts",
            Context::Codebook => "codebook",
            Context::List => "list",
            Context::Help => "help",
            Context::CodeKey => "code_key",
            Context::Picker => "picker",
            Context::Search => "search",
            Context::Command => "command",
            Context::Memo => "memo",
            Context::Stats => "stats",
            Context::Agreement => "agreement",
            Context::Review => "review",
            Context::TextInput => "text_input",
        }
    }
}

macro_rules! actions {
    ($($variant:ident $name:literal $desc:literal,)*) => {
        /// Everything a key can do. Each action has a stable name (used in
        /// the keymap file) and a description (shown in `?`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant,)* }

        impl Action {
            /// Every action.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The action's name in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// What the action does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Action::$variant => $desc,)* }
            }

            /// The action with this name.
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit "quit" "quit motif (everything is already saved)",
    Interrupt "interrupt" "ask to quit; pressed again, quit (everything is already saved)",
    Suspend "suspend" "suspend motif to the shell; fg brings it back (all is saved)",
    Help "help" "show this help",
    CommandLine "command_line" "open the : command line",
    NextPane "next_pane" "focus the next pane",
    PrevPane "prev_pane" "focus the previous pane",
    Search "search" "search all interviews",
    NextHit "next_hit" "jump to the next item of the last list (search hit or quote)",
    PrevHit "prev_hit" "jump to the previous item of the last list (search hit or quote)",
    ReopenList "reopen_list" "show the last list again (quotes, hits) where you left it",
    Undo "undo" "undo your last coding change (even from an earlier session)",
    Redo "redo" "redo what undo undid",
    Refresh "refresh" "reload codings and codebook changed by other motif processes",
    ToggleCoders "toggle_coders" "show everyone's codings or only yours",
    TogglePanes "toggle_panes" "show or fold the side panes (folded below 100 columns)",
    Down "down" "move down a line",
    Up "up" "move up a line",
    Left "left" "move left a character",
    Right "right" "move right a character",
    HalfPageDown "half_page_down" "move down half a screen",
    HalfPageUp "half_page_up" "move up half a screen",
    Top "top" "go to the start",
    Bottom "bottom" "go to the end",
    WordNext "word_next" "go to the next word",
    WordPrev "word_prev" "go to the previous word",
    TurnNext "turn_next" "go to the next speaker turn",
    TurnPrev "turn_prev" "go to the previous speaker turn",
    SegmentNext "segment_next" "go to the next coded segment",
    SegmentPrev "segment_prev" "go to the previous coded segment",
    VisualChar "visual_char" "start selecting by character",
    VisualLine "visual_line" "start selecting by line",
    SelectTurn "select_turn" "select the speaker turn here (again: add the next turn)",
    SelectSentence "select_sentence" "select the sentence here (again: add the next one)",
    SelectWord "select_word" "select the word here (again: add the next one)",
    Grow "grow" "grow the selection by one unit",
    Shrink "shrink" "shrink the selection by one unit",
    CodeKey "code_key" "code the selection: then press a code's key (Tab: picker)",
    CodePicker "code_picker" "code the selection with a code found by name (or a new code)",
    RepeatCode "repeat_code" "code the selection with the last code used",
    Memo "memo" "write a memo on the selection, the segment here or the transcript",
    RemoveSegment "remove_segment" "remove your coding under the cursor (several there: asks which)",
    Recode "recode" "give your coding under the cursor another code (several: asks which)",
    Cancel "cancel" "cancel the selection / go back one step",
    Open "open" "open / jump to the item under the cursor",
    ListDown "list_down" "next item",
    ListUp "list_up" "previous item",
    CodeSegments "code_segments" "list every quote of this code across interviews",
    FilterCoder "filter_coder" "show only the quotes of this quote's coder (again: every coder's)",
    FilterTranscript "filter_transcript" "show only the quotes in this quote's transcript (again: every transcript's)",
    ToggleRegex "toggle_regex" "search by words or by a regular expression (as motif search --regex)",
    CodeMemo "code_memo" "write a memo on this code",
    AddCode "add_code" "add a code (under the one here with a `/` path)",
    Stats "stats" "statistics: frequencies, co-occurrence, code × role (tab switches, enter lists segments)",
    Similar "similar" "find passages like the selection in every interview (a in the list codes them all)",
    Play "play" "play the recording (the transcript's media attribute) from the time of the turn here",
    Agreement "agreement" "disagreements between coders: enter shows the passage, 1/2… adopt a coder's side, b both, 0 neither",
    ScrollDown "scroll_down" "scroll down",
    ScrollUp "scroll_up" "scroll up",
    CodeAll "code_all" "code every listed passage with one code, as one undo step (search hits, similar passages)",
    Accept "accept" "apply what was typed or chosen",
    Complete "complete" "complete the command (again: the next completion)",
    SaveMemo "save_memo" "save the memo",
    NewLine "new_line" "start a new line",
    LineStart "line_start" "go to the start of the line",
    LineEnd "line_end" "go to the end of the line",
    DeleteBack "delete_back" "delete the character before the cursor",
    NextTab "next_tab" "show the next statistics",
    PrevTab "prev_tab" "show the previous statistics",
    CycleCoder "cycle_coder" "count every coder, then each coder in turn",
    SortByCount "sort_by_count" "sort by count / by codebook order",
    ColumnNext "column_next" "next column",
    ColumnPrev "column_prev" "previous column",
    CellSegments "cell_segments" "list the segments behind the bar or cell",
    AdoptBoth "adopt_both" "adopt every coder's side into the consensus coder",
    AdoptNeither "adopt_neither" "adopt neither side (record the decision)",
    Adopt1 "adopt_1" "adopt the 1st compared coder's side",
    Adopt2 "adopt_2" "adopt the 2nd compared coder's side",
    Adopt3 "adopt_3" "adopt the 3rd compared coder's side",
    Adopt4 "adopt_4" "adopt the 4th compared coder's side",
    Adopt5 "adopt_5" "adopt the 5th compared coder's side",
    Adopt6 "adopt_6" "adopt the 6th compared coder's side",
    Adopt7 "adopt_7" "adopt the 7th compared coder's side",
    Adopt8 "adopt_8" "adopt the 8th compared coder's side",
    Adopt9 "adopt_9" "adopt the 9th compared coder's side",
    Reattach "reattach" "re-attach the coding to the selection made before :review",
}

impl Action {
    /// For the adopt-a-coder actions: which compared coder (0-based).
    pub fn adopted_coder(self) -> Option<usize> {
        const ADOPT: [Action; 9] = [
            Action::Adopt1,
            Action::Adopt2,
            Action::Adopt3,
            Action::Adopt4,
            Action::Adopt5,
            Action::Adopt6,
            Action::Adopt7,
            Action::Adopt8,
            Action::Adopt9,
        ];
        ADOPT.iter().position(|a| *a == self)
    }
}

/// One binding: a key in a context does an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub key: String,
    pub action: Action,
}

/// The default bindings, in help order.
const DEFAULTS: &[(Context, &str, Action)] = &[
    (Context::Global, "q", Action::Quit),
    (Context::Global, "ctrl-c", Action::Interrupt),
    (Context::Global, "ctrl-z", Action::Suspend),
    (Context::Global, "esc", Action::Cancel),
    (Context::Global, "?", Action::Help),
    (Context::Global, ":", Action::CommandLine),
    (Context::Global, "tab", Action::NextPane),
    (Context::Global, "backtab", Action::PrevPane),
    (Context::Global, "/", Action::Search),
    (Context::Global, "n", Action::NextHit),
    (Context::Global, "N", Action::PrevHit),
    (Context::Global, "L", Action::ReopenList),
    (Context::Global, "u", Action::Undo),
    (Context::Global, "ctrl-r", Action::Redo),
    (Context::Global, "R", Action::Refresh),
    (Context::Global, "A", Action::ToggleCoders),
    (Context::Global, "P", Action::TogglePanes),
    (Context::Global, "S", Action::Stats),
    (Context::Global, "D", Action::Agreement),
    (Context::Normal, "j", Action::Down),
    (Context::Normal, "down", Action::Down),
    (Context::Normal, "k", Action::Up),
    (Context::Normal, "up", Action::Up),
    (Context::Normal, "h", Action::Left),
    (Context::Normal, "left", Action::Left),
    (Context::Normal, "l", Action::Right),
    (Context::Normal, "right", Action::Right),
    (Context::Normal, "ctrl-d", Action::HalfPageDown),
    (Context::Normal, "pagedown", Action::HalfPageDown),
    (Context::Normal, "ctrl-u", Action::HalfPageUp),
    (Context::Normal, "pageup", Action::HalfPageUp),
    (Context::Normal, "g", Action::Top),
    (Context::Normal, "G", Action::Bottom),
    (Context::Normal, "w", Action::WordNext),
    (Context::Normal, "b", Action::WordPrev),
    (Context::Normal, ")", Action::TurnNext),
    (Context::Normal, "(", Action::TurnPrev),
    (Context::Normal, "}", Action::SegmentNext),
    (Context::Normal, "{", Action::SegmentPrev),
    (Context::Normal, "v", Action::VisualChar),
    (Context::Normal, "V", Action::VisualLine),
    (Context::Normal, "t", Action::SelectTurn),
    (Context::Normal, "s", Action::SelectSentence),
    (Context::Normal, "e", Action::SelectWord),
    (Context::Normal, "m", Action::Memo),
    (Context::Normal, "x", Action::RemoveSegment),
    (Context::Normal, "r", Action::Recode),
    (Context::Normal, "C", Action::CodePicker),
    (Context::Normal, "p", Action::Play),
    (Context::Visual, "c", Action::CodeKey),
    (Context::Visual, "C", Action::CodePicker),
    (Context::Visual, ".", Action::RepeatCode),
    (Context::Visual, "t", Action::SelectTurn),
    (Context::Visual, "s", Action::SelectSentence),
    (Context::Visual, "e", Action::SelectWord),
    (Context::Visual, "+", Action::Grow),
    (Context::Visual, "-", Action::Shrink),
    (Context::Visual, "m", Action::Memo),
    (Context::Visual, "*", Action::Similar),
    (Context::Visual, "p", Action::Play),
    (Context::Visual, "esc", Action::Cancel),
    (Context::Transcripts, "j", Action::ListDown),
    (Context::Transcripts, "down", Action::ListDown),
    (Context::Transcripts, "k", Action::ListUp),
    (Context::Transcripts, "up", Action::ListUp),
    (Context::Transcripts, "enter", Action::Open),
    (Context::Codebook, "j", Action::ListDown),
    (Context::Codebook, "down", Action::ListDown),
    (Context::Codebook, "k", Action::ListUp),
    (Context::Codebook, "up", Action::ListUp),
    (Context::Codebook, "enter", Action::CodeSegments),
    (Context::Codebook, "m", Action::CodeMemo),
    (Context::Codebook, "a", Action::AddCode),
    (Context::List, "j", Action::ListDown),
    (Context::List, "down", Action::ListDown),
    (Context::List, "k", Action::ListUp),
    (Context::List, "up", Action::ListUp),
    (Context::List, "enter", Action::Open),
    (Context::List, "a", Action::CodeAll),
    (Context::List, "c", Action::FilterCoder),
    (Context::List, "t", Action::FilterTranscript),
    (Context::List, "esc", Action::Cancel),
    (Context::List, "ctrl-c", Action::Cancel),
    (Context::List, "q", Action::Cancel),
    (Context::Help, "j", Action::ScrollDown),
    (Context::Help, "down", Action::ScrollDown),
    (Context::Help, "k", Action::ScrollUp),
    (Context::Help, "up", Action::ScrollUp),
    (Context::Help, "esc", Action::Cancel),
    (Context::Help, "ctrl-c", Action::Cancel),
    (Context::Help, "q", Action::Cancel),
    (Context::CodeKey, "tab", Action::CodePicker),
    (Context::CodeKey, "esc", Action::Cancel),
    (Context::CodeKey, "ctrl-c", Action::Cancel),
    (Context::Picker, "enter", Action::Accept),
    (Context::Picker, "down", Action::ListDown),
    (Context::Picker, "up", Action::ListUp),
    (Context::Picker, "esc", Action::Cancel),
    (Context::Picker, "ctrl-c", Action::Cancel),
    (Context::Search, "enter", Action::Accept),
    (Context::Search, "tab", Action::ToggleRegex),
    (Context::Search, "esc", Action::Cancel),
    (Context::Search, "ctrl-c", Action::Cancel),
    (Context::Command, "enter", Action::Accept),
    (Context::Command, "tab", Action::Complete),
    (Context::Command, "esc", Action::Cancel),
    (Context::Command, "ctrl-c", Action::Cancel),
    (Context::Memo, "ctrl-s", Action::SaveMemo),
    (Context::Memo, "enter", Action::NewLine),
    (Context::Memo, "down", Action::Down),
    (Context::Memo, "up", Action::Up),
    (Context::Memo, "esc", Action::Cancel),
    (Context::Memo, "ctrl-c", Action::Cancel),
    (Context::Stats, "tab", Action::NextTab),
    (Context::Stats, "backtab", Action::PrevTab),
    (Context::Stats, "c", Action::CycleCoder),
    (Context::Stats, "s", Action::SortByCount),
    (Context::Stats, "j", Action::ListDown),
    (Context::Stats, "down", Action::ListDown),
    (Context::Stats, "k", Action::ListUp),
    (Context::Stats, "up", Action::ListUp),
    (Context::Stats, "l", Action::ColumnNext),
    (Context::Stats, "right", Action::ColumnNext),
    (Context::Stats, "h", Action::ColumnPrev),
    (Context::Stats, "left", Action::ColumnPrev),
    (Context::Stats, "enter", Action::CellSegments),
    (Context::Stats, "esc", Action::Cancel),
    (Context::Stats, "ctrl-c", Action::Cancel),
    (Context::Stats, "q", Action::Cancel),
    (Context::Agreement, "j", Action::ListDown),
    (Context::Agreement, "down", Action::ListDown),
    (Context::Agreement, "k", Action::ListUp),
    (Context::Agreement, "up", Action::ListUp),
    (Context::Agreement, "enter", Action::Open),
    (Context::Agreement, "1", Action::Adopt1),
    (Context::Agreement, "2", Action::Adopt2),
    (Context::Agreement, "3", Action::Adopt3),
    (Context::Agreement, "4", Action::Adopt4),
    (Context::Agreement, "5", Action::Adopt5),
    (Context::Agreement, "6", Action::Adopt6),
    (Context::Agreement, "7", Action::Adopt7),
    (Context::Agreement, "8", Action::Adopt8),
    (Context::Agreement, "9", Action::Adopt9),
    (Context::Agreement, "b", Action::AdoptBoth),
    (Context::Agreement, "0", Action::AdoptNeither),
    (Context::Agreement, "u", Action::Undo),
    (Context::Agreement, "esc", Action::Cancel),
    (Context::Agreement, "ctrl-c", Action::Cancel),
    (Context::Agreement, "q", Action::Cancel),
    (Context::Review, "j", Action::ListDown),
    (Context::Review, "down", Action::ListDown),
    (Context::Review, "k", Action::ListUp),
    (Context::Review, "up", Action::ListUp),
    (Context::Review, "enter", Action::Open),
    (Context::Review, "a", Action::Accept),
    (Context::Review, "r", Action::Reattach),
    (Context::Review, "x", Action::RemoveSegment),
    (Context::Review, "u", Action::Undo),
    (Context::Review, "esc", Action::Cancel),
    (Context::Review, "ctrl-c", Action::Cancel),
    (Context::Review, "q", Action::Cancel),
    (Context::TextInput, "left", Action::Left),
    (Context::TextInput, "right", Action::Right),
    (Context::TextInput, "home", Action::LineStart),
    (Context::TextInput, "end", Action::LineEnd),
    (Context::TextInput, "backspace", Action::DeleteBack),
];

/// Writes a key event the way the keymap names keys (`j`, `G`, `ctrl-d`,
/// `enter`, `esc`, `tab`, `backtab`, `down`…).
pub fn key_name(ev: &KeyEvent) -> Option<String> {
    let base = match ev.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "backtab".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::Left => "left".into(),
        KeyCode::Right => "right".into(),
        KeyCode::PageUp => "pageup".into(),
        KeyCode::PageDown => "pagedown".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::Delete => "delete".into(),
        KeyCode::F(n) => format!("f{n}"),
        _ => return None,
    };
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        Some(format!("ctrl-{}", base.to_lowercase()))
    } else if ev.modifiers.contains(KeyModifiers::ALT) {
        Some(format!("alt-{base}"))
    } else {
        Some(base)
    }
}

/// The keymap in force: defaults plus the user's rebindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    index: HashMap<(Context, String), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings: Vec<Binding> = DEFAULTS
            .iter()
            .map(|(c, k, a)| Binding {
                context: *c,
                key: (*k).to_owned(),
                action: *a,
            })
            .collect();
        let mut km = Keymap {
            bindings,
            index: HashMap::new(),
        };
        km.reindex();
        km
    }
}

impl Keymap {
    fn reindex(&mut self) {
        self.index = self
            .bindings
            .iter()
            .map(|b| ((b.context, b.key.clone()), b.action))
            .collect();
    }

    /// The action bound to `key` in `context`.
    pub fn lookup(&self, context: Context, key: &str) -> Option<Action> {
        self.index.get(&(context, key.to_owned())).copied()
    }

    /// Every binding, in help order.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The first key bound to an action in a context (for hints in
    /// titles), `unbound` when none is.
    pub fn first_key(&self, context: Context, action: Action) -> &str {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .map_or("unbound", |b| b.key.as_str())
    }

    /// Keys bound to an action in a context, joined for display.
    pub fn keys_for(&self, context: Context, action: Action) -> String {
        let keys: Vec<&str> = self
            .bindings
            .iter()
            .filter(|b| b.context == context && b.action == action)
            .map(|b| b.key.as_str())
            .collect();
        keys.join("/")
    }

    /// Applies a user keymap (TOML: a table per context mapping key names to
    /// action names, e.g. `[normal]` `"ctrl-n" = "turn_next"`). The keys a
    /// section gives an action replace that action's default keys in that
    /// context, and a key given a new action leaves its old one.
    pub fn apply_user(&mut self, text: &str, path: &Path) -> Result<(), String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let (l, c) = motif_core::codebook::line_col(text, e.span().map_or(0, |s| s.start));
            format!("{}:{l}:{c}: {}", path.display(), e.message().trim())
        })?;
        for (ctx_name, keys) in &table {
            let context = Context::ALL
                .iter()
                .copied()
                .find(|c| c.name() == ctx_name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                    format!(
                        "{}: unknown section [{ctx_name}]; use {}",
                        path.display(),
                        names.join(", ")
                    )
                })?;
            let user = user_section(ctx_name, keys, path)?;
            self.bindings.retain(|b| {
                b.context != context || !user.iter().any(|(k, a)| *k == b.key || *a == b.action)
            });
            self.bindings
                .extend(user.into_iter().map(|(key, action)| Binding {
                    context,
                    key,
                    action,
                }));
        }
        self.reindex();
        Ok(())
    }

    /// The help text: one section per context.
    pub fn help_lines(&self) -> Vec<(String, Vec<(String, String)>)> {
        Context::ALL
            .iter()
            .map(|&c| {
                let mut rows: Vec<(String, String)> = Vec::new();
                for b in self.bindings.iter().filter(|b| b.context == c) {
                    if let Some(row) = rows.iter_mut().find(|r| r.1 == b.action.description()) {
                        row.0.push('/');
                        row.0.push_str(&b.key);
                    } else {
                        rows.push((b.key.clone(), b.action.description().to_owned()));
                    }
                }
                (c.title().to_owned(), rows)
            })
            .collect()
    }

    /// `docs/keymap.md`, generated from this table and the `:` command
    /// table.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# Keys\n\nGenerated from the keymap table in `src/tui/keymap.rs` and the command \
             table in `src/tui/commands.rs` (the same tables dispatch keys and commands and build \
             the `?` help). Rebind keys in `keymap.toml` in your config folder (e.g. \
             `~/.config/motif/keymap.toml`), one section per context (the names below in \
             brackets); the keys you give an action replace its default keys in that context:\n\n\
             ```toml\n[normal]\n\"ctrl-n\" = \"turn_next\"\n\n[list]\n\"ctrl-n\" = \"list_down\"\n```\n",
        );
        for (context, (title, rows)) in Context::ALL.iter().zip(self.help_lines()) {
            let _ = write!(
                out,
                "\n## {title} `[{}]`\n\n| key | action | name |\n| --- | --- | --- |\n",
                context.name()
            );
            for (keys, desc) in rows {
                let name = Action::ALL
                    .iter()
                    .find(|a| a.description() == desc)
                    .map_or("", |a| a.name());
                let _ = writeln!(
                    out,
                    "| `{}` | {desc} | `{name}` |",
                    keys.replace('|', "\\|")
                );
            }
        }
        out.push_str(
            "\n## Code keys\n\nAfter `c` on a selection, press a code's one-key shortcut (shown in \
             the codebook pane) to apply it, or `tab` for the picker. In the picker, type to \
             filter, `enter` to apply, and choose `+ create` to make a new code.\n\n## Command \
             line\n\n`tab` completes command names and their arguments.\n\n| command | what it does |\n| --- | --- |\n",
        );
        for c in super::commands::COMMANDS {
            let _ = writeln!(
                out,
                "| `:{}` | {} |",
                c.usage().replace('|', "\\|"),
                c.described().replace('|', "\\|")
            );
        }
        out
    }
}

/// One section of a user keymap: (key, action) pairs, checked.
fn user_section(
    ctx_name: &str,
    keys: &toml::Value,
    path: &Path,
) -> Result<Vec<(String, Action)>, String> {
    let keys = keys.as_table().ok_or_else(|| {
        format!(
            "{}: [{ctx_name}] must be a table of \"key\" = \"action\"",
            path.display()
        )
    })?;
    keys.iter()
        .map(|(key, action)| {
            let name = action.as_str().ok_or_else(|| {
                format!(
                    "{}: [{ctx_name}] {key}: the action must be a string",
                    path.display()
                )
            })?;
            let action = Action::from_name(name).ok_or_else(|| {
                format!(
                    "{}: [{ctx_name}] {key}: unknown action `{name}`",
                    path.display()
                )
            })?;
            Ok((key.clone(), action))
        })
        .collect()
}

/// The user's keymap file in the platform's config folder.
pub fn user_keymap_path() -> Option<PathBuf> {
    motif_core::project::user_config_dir().map(|d| d.join("keymap.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_and_a_binding_or_is_reachable() {
        let km = Keymap::default();
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        for a in Action::ALL {
            assert!(
                km.bindings().iter().any(|b| b.action == *a),
                "{} has no key",
                a.name()
            );
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        // The lookup index keeps one action per (context, key): a second
        // default for the same key would silently shadow the first.
        let mut seen = std::collections::HashSet::new();
        for (context, key, action) in DEFAULTS {
            assert!(
                seen.insert((*context, *key)),
                "`{key}` in {} is bound twice (again to {})",
                context.name(),
                action.name()
            );
        }
    }

    #[test]
    fn user_keymap_rebinds_and_errors_name_the_file() {
        let mut km = Keymap::default();
        km.apply_user(
            "[normal]\n\"ctrl-n\" = \"turn_next\"\nj = \"up\"\n",
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(km.lookup(Context::Normal, "ctrl-n"), Some(Action::TurnNext));
        assert_eq!(km.lookup(Context::Normal, "j"), Some(Action::Up));
        let e = km
            .apply_user("[normal]\nj = \"fly\"\n", Path::new("k.toml"))
            .unwrap_err();
        assert!(
            e.contains("k.toml") && e.contains("unknown action `fly`"),
            "{e}"
        );
        let e = km.apply_user("[nope]\n", Path::new("k.toml")).unwrap_err();
        assert!(e.contains("unknown section"), "{e}");
    }

    #[test]
    fn a_user_key_for_an_action_replaces_its_default_keys_in_that_context_only() {
        let mut km = Keymap::default();
        km.apply_user("[list]\n\"ctrl-n\" = \"list_down\"\n", Path::new("k.toml"))
            .unwrap();
        assert_eq!(km.lookup(Context::List, "ctrl-n"), Some(Action::ListDown));
        assert_eq!(km.lookup(Context::List, "j"), None);
        assert_eq!(km.lookup(Context::List, "down"), None);
        assert_eq!(km.lookup(Context::List, "k"), Some(Action::ListUp));
        assert_eq!(km.lookup(Context::Codebook, "j"), Some(Action::ListDown));
        assert_eq!(km.keys_for(Context::List, Action::ListDown), "ctrl-n");
    }

    #[test]
    fn popup_and_text_input_contexts_have_their_keys_in_the_table() {
        let km = Keymap::default();
        for (context, key, action) in [
            (Context::Picker, "enter", Action::Accept),
            (Context::Command, "tab", Action::Complete),
            (Context::Memo, "ctrl-s", Action::SaveMemo),
            (Context::Stats, "c", Action::CycleCoder),
            (Context::Agreement, "2", Action::Adopt2),
            (Context::Help, "j", Action::ScrollDown),
            (Context::TextInput, "backspace", Action::DeleteBack),
        ] {
            assert_eq!(km.lookup(context, key), Some(action), "{key}");
        }
        // Text inputs never bind a plain character: it is typed.
        for b in km.bindings() {
            if matches!(
                b.context,
                Context::Picker
                    | Context::Search
                    | Context::Command
                    | Context::Memo
                    | Context::TextInput
            ) {
                assert!(b.key.chars().count() > 1, "{b:?}");
            }
        }
    }

    #[test]
    fn key_names() {
        let k = |code, m| key_name(&KeyEvent::new(code, m)).unwrap();
        assert_eq!(k(KeyCode::Char('d'), KeyModifiers::CONTROL), "ctrl-d");
        assert_eq!(k(KeyCode::Char('G'), KeyModifiers::SHIFT), "G");
        assert_eq!(k(KeyCode::Enter, KeyModifiers::NONE), "enter");
    }

    #[test]
    fn docs_keymap_md_is_generated_from_the_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/keymap.md");
        let want = Keymap::default().markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/keymap.md is stale: run `UPDATE_DOCS=1 cargo test --lib keymap`"
        );
    }
}
