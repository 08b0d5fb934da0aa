//! The one keymap table. Keys map to named actions per context; the same
//! table dispatches keys, builds the `?` help overlay and generates
//! `docs/keymap.md`. A user keymap file (`keymap.toml` in the platform's
//! config folder) can rebind keys.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
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
    /// A list popup (segments, search hits).
    List,
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
            Context::List => "Lists (segments, search hits)",
        }
    }

    /// All contexts in help order.
    pub const ALL: [Context; 6] = [
        Context::Global,
        Context::Normal,
        Context::Visual,
        Context::Transcripts,
        Context::Codebook,
        Context::List,
    ];

    fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Normal => "normal",
            Context::Visual => "visual",
            Context::Transcripts => "transcripts",
            Context::Codebook => "codebook",
            Context::List => "list",
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
    Help "help" "show this help",
    CommandLine "command_line" "open the : command line",
    NextPane "next_pane" "focus the next pane",
    PrevPane "prev_pane" "focus the previous pane",
    Search "search" "search all interviews",
    NextHit "next_hit" "jump to the next search hit",
    PrevHit "prev_hit" "jump to the previous search hit",
    Undo "undo" "undo your last coding change (even from an earlier session)",
    Redo "redo" "redo what undo undid",
    Refresh "refresh" "reload codings and codebook changed by other motif processes",
    ToggleCoders "toggle_coders" "show everyone's codings or only yours",
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
    RemoveSegment "remove_segment" "remove your coding under the cursor",
    Recode "recode" "give your coding under the cursor another code",
    Cancel "cancel" "cancel the selection / go back one step",
    Open "open" "open / jump to the item under the cursor",
    ListDown "list_down" "next item",
    ListUp "list_up" "previous item",
    CodeSegments "code_segments" "list every segment of this code across interviews",
    CodeMemo "code_memo" "write a memo on this code",
    AddCode "add_code" "add a code (under the one here with a `/` path)",
    Stats "stats" "statistics: frequencies, co-occurrence, code × role (tab switches, enter lists segments)",
    Similar "similar" "find passages like the selection in every interview (a in the list codes them all)",
    Agreement "agreement" "disagreements between coders: enter shows the passage, 1/2… adopt a coder's side, b both, 0 neither",
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
    (Context::Global, "?", Action::Help),
    (Context::Global, ":", Action::CommandLine),
    (Context::Global, "tab", Action::NextPane),
    (Context::Global, "backtab", Action::PrevPane),
    (Context::Global, "/", Action::Search),
    (Context::Global, "n", Action::NextHit),
    (Context::Global, "N", Action::PrevHit),
    (Context::Global, "u", Action::Undo),
    (Context::Global, "ctrl-r", Action::Redo),
    (Context::Global, "R", Action::Refresh),
    (Context::Global, "A", Action::ToggleCoders),
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
    (Context::List, "esc", Action::Cancel),
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
    /// action names, e.g. `[normal]` `"ctrl-n" = "turn_next"`).
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
                .ok_or_else(|| format!("{}: unknown section [{ctx_name}]; use global, normal, visual, transcripts, codebook or list", path.display()))?;
            let keys = keys.as_table().ok_or_else(|| {
                format!(
                    "{}: [{ctx_name}] must be a table of \"key\" = \"action\"",
                    path.display()
                )
            })?;
            for (key, action) in keys {
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
                self.bindings
                    .retain(|b| !(b.context == context && &b.key == key));
                self.bindings.push(Binding {
                    context,
                    key: key.clone(),
                    action,
                });
            }
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

    /// `docs/keymap.md`, generated.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# Keys\n\nGenerated from the keymap table in `src/tui/keymap.rs` (the same table \
             dispatches keys and builds the `?` help). Rebind keys in `keymap.toml` in your \
             config folder (e.g. `~/.config/motif/keymap.toml`):\n\n```toml\n[normal]\n\"ctrl-n\" = \"turn_next\"\n```\n",
        );
        for (title, rows) in self.help_lines() {
            let _ = write!(
                out,
                "\n## {title}\n\n| key | action | name |\n| --- | --- | --- |\n"
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
             line\n\n`:open T`, `:goto LINE`, `:select A-B` (lines), `:code CODE…`, `:uncode \
             [CODE…]`, `:search QUERY`, `:undo`, `:redo`, `:memo`, `:export frequencies [FILE]`, \
             `:codes add PATH`, `:coders all|mine`, `:theme dark|light`, `:refresh`, `:help`, \
             `:q`. `tab` completes.\n",
        );
        out
    }
}

/// The user's keymap file in the platform's config folder.
pub fn user_keymap_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("motif").join("keymap.toml"))
}

/// The platform's config folder (`$XDG_CONFIG_HOME`, `~/.config`,
/// `%APPDATA%`).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(PathBuf::from);
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config"))
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
