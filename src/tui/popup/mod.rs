//! The popups that cover the panes: each in its own module with its state,
//! its key handling (named actions from the keymap, in the popup's own
//! context) and its drawing. [`Popup`] is the one that is open; the `App`
//! routes keys to it through [`App::popup_key`].

pub mod agreement;
pub mod choose;
pub mod code_key;
pub mod command_line;
pub mod help;
pub mod list;
pub mod memo;
pub mod picker;
pub mod search_prompt;
pub mod stats;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::App;
use super::keymap::{Action, Context, key_name};

pub use agreement::{AgreeRow, Disagreements};
pub use choose::{ChoiceFor, ChooseCoding};
pub use code_key::CodeKeyPrompt;
pub use command_line::CommandLine;
pub use help::Help;
pub use list::{ListItem, ListPopup};
pub use memo::{MemoEditor, MemoFor};
pub use picker::Picker;
pub use search_prompt::SearchPrompt;
pub use stats::{Stats, StatsTab};

/// What covers the screen besides the panes.
#[derive(Debug, Clone)]
pub enum Popup {
    None,
    Help(Help),
    CodeKey(CodeKeyPrompt),
    Picker(Picker),
    Command(CommandLine),
    Search(SearchPrompt),
    Memo(MemoEditor),
    List(ListPopup),
    Stats(Stats),
    Agreement(Disagreements),
    Choose(ChooseCoding),
    Review(crate::tui::review::Review),
}

/// Whether a popup stays open after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Stay,
    Close,
}

impl Popup {
    /// The keymap context of the open popup; `None` when none is open.
    pub fn context(&self) -> Option<Context> {
        Some(match self {
            Popup::None => return None,
            Popup::Help(_) => Context::Help,
            Popup::CodeKey(_) => Context::CodeKey,
            Popup::Picker(_) => Context::Picker,
            Popup::Command(_) => Context::Command,
            Popup::Search(_) => Context::Search,
            Popup::Memo(_) => Context::Memo,
            Popup::List(_) | Popup::Choose(_) => Context::List,
            Popup::Stats(_) => Context::Stats,
            Popup::Agreement(_) => Context::Agreement,
            Popup::Review(_) => Context::Review,
        })
    }

    /// Whether typed characters go into the popup's text.
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            Popup::Picker(_) | Popup::Command(_) | Popup::Search(_) | Popup::Memo(_)
        )
    }

    /// The mode shown in the status line while the popup is open.
    pub fn mode(&self) -> Option<&'static str> {
        Some(match self {
            Popup::None => return None,
            Popup::CodeKey(_) => "CODE",
            Popup::Picker(_) => "PICK",
            Popup::Command(_) => "COMMAND",
            Popup::Search(_) => "SEARCH",
            Popup::Memo(_) => "MEMO",
            Popup::List(_) | Popup::Help(_) | Popup::Review(_) => "LIST",
            Popup::Stats(_) => "STATS",
            Popup::Agreement(_) => "AGREE",
            Popup::Choose(_) => "WHICH",
        })
    }

    /// Draws the open popup over the panes.
    pub fn render(&self, f: &mut Frame<'_>, app: &App, area: Rect) {
        match self {
            Popup::None => {}
            Popup::Help(p) => p.render(f, app, area),
            Popup::CodeKey(p) => p.render(f, app, area),
            Popup::Picker(p) => p.render(f, app, area),
            Popup::Command(p) => p.render(f, app, area),
            Popup::Search(p) => p.render(f, app, area),
            Popup::Memo(p) => p.render(f, app, area),
            Popup::List(p) => p.render(f, app, area),
            Popup::Stats(p) => p.render(f, app, area),
            Popup::Agreement(p) => p.render(f, app, area),
            Popup::Choose(p) => p.render(f, app, area),
            Popup::Review(p) => p.render(f, app, area),
        }
    }
}

impl App {
    /// Keys while a popup is open: looked up in the popup's context (text
    /// inputs also in the text-input context), then handled by the popup.
    /// False when no popup is open.
    pub fn popup_key(&mut self, ev: &KeyEvent) -> bool {
        let Some(context) = self.popup.context() else {
            return false;
        };
        let action: Option<Action> = key_name(ev).and_then(|name| {
            self.keymap.lookup(context, &name).or_else(|| {
                self.popup
                    .takes_text()
                    .then(|| self.keymap.lookup(Context::TextInput, &name))
                    .flatten()
            })
        });
        let mut popup = std::mem::replace(&mut self.popup, Popup::None);
        let flow = match &mut popup {
            Popup::None => Flow::Close,
            Popup::Help(p) => p.on_key(self, action),
            Popup::CodeKey(p) => p.on_key(self, action, ev),
            Popup::Picker(p) => p.on_key(self, action, ev),
            Popup::Command(p) => p.on_key(self, action, ev),
            Popup::Search(p) => p.on_key(self, action, ev),
            Popup::Memo(p) => p.on_key(self, action, ev),
            Popup::List(p) => p.on_key(self, action),
            Popup::Stats(p) => p.on_key(self, action),
            Popup::Agreement(p) => p.on_key(self, action),
            Popup::Choose(p) => p.on_key(self, action),
            Popup::Review(p) => p.on_key(self, action),
        };
        // A popup that opened another one gives way to it.
        if flow == Flow::Stay && matches!(self.popup, Popup::None) {
            self.popup = popup;
        }
        true
    }
}

/// Moves a list cursor one step, within `n` items.
pub fn step(i: usize, n: usize, down: bool) -> usize {
    if n == 0 {
        0
    } else if down {
        (i + 1).min(n - 1)
    } else {
        i.saturating_sub(1)
    }
}
