//! Colours of the TUI: a dark and a light theme, and a monochrome mode
//! (`NO_COLOR`) in which nothing depends on colour — codes are named in the
//! margin and coded text is underlined.

use ratatui::style::{Color, Modifier, Style};

/// The palette in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used at all.
    pub color: bool,
    pub dark: bool,
}

/// Speaker colours, in turn.
const SPEAKERS_DARK: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightBlue,
    Color::LightRed,
];
const SPEAKERS_LIGHT: [Color; 6] = [
    Color::Blue,
    Color::Rgb(150, 90, 0),
    Color::Magenta,
    Color::Rgb(0, 120, 0),
    Color::Rgb(0, 90, 140),
    Color::Red,
];

impl Theme {
    /// The dark theme.
    pub fn dark(color: bool) -> Theme {
        Theme { color, dark: true }
    }

    /// The light theme.
    pub fn light(color: bool) -> Theme {
        Theme { color, dark: false }
    }

    /// From `NO_COLOR`, `MOTIF_THEME` and the user's `config.toml`
    /// (`theme = "light"`).
    pub fn from_env() -> Theme {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let mut light = false;
        let settings = motif_core::project::user_config_file()
            .and_then(|file| std::fs::read_to_string(file).ok())
            .and_then(|text| toml::from_str::<toml::Table>(&text).ok());
        if let Some(t) = settings {
            light = t.get("theme").and_then(|v| v.as_str()) == Some("light");
        }
        if let Ok(v) = std::env::var("MOTIF_THEME") {
            light = v == "light";
        }
        if light {
            Theme::light(color)
        } else {
            Theme::dark(color)
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    /// Ordinary text.
    pub fn text(self) -> Style {
        Style::default()
    }

    /// Secondary text (line numbers, hints).
    pub fn dim(self) -> Style {
        if self.color {
            self.fg(Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }

    /// Titles and the focused pane's border.
    pub fn accent(self) -> Style {
        self.fg(if self.dark {
            Color::LightCyan
        } else {
            Color::Blue
        })
        .add_modifier(Modifier::BOLD)
    }

    /// Errors.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// The selection.
    pub fn selection(self) -> Style {
        if self.color {
            Style::default().bg(if self.dark {
                Color::Rgb(70, 70, 110)
            } else {
                Color::Rgb(190, 200, 240)
            })
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    /// A search match, in the text and in lists.
    pub fn search_match(self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::ITALIC)
        }
    }

    /// The cursor cell.
    pub fn cursor(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// A selected list row.
    pub fn list_selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// A speaker label, by the speaker's number in the transcript.
    pub fn speaker(self, i: usize) -> Style {
        let palette = if self.dark {
            SPEAKERS_DARK
        } else {
            SPEAKERS_LIGHT
        };
        self.fg(palette[i % palette.len()])
            .add_modifier(Modifier::BOLD)
    }

    /// Text covered by `n` codings, the innermost in colour `hex`.
    pub fn coded(self, hex: &str, n: usize) -> Style {
        if !self.color {
            let s = Style::default().add_modifier(Modifier::UNDERLINED);
            return if n > 1 {
                s.add_modifier(Modifier::BOLD)
            } else {
                s
            };
        }
        let (r, g, b) = rgb(hex);
        // A softened background keeps text readable on either theme.
        let mix = |c: u8, base: u8| ((u16::from(c) + u16::from(base) * 2) / 3) as u8;
        let base = if self.dark { 20 } else { 250 };
        let s = Style::default().bg(Color::Rgb(mix(r, base), mix(g, base), mix(b, base)));
        let s = s.fg(if self.dark {
            Color::White
        } else {
            Color::Black
        });
        if n > 1 {
            s.add_modifier(Modifier::UNDERLINED)
        } else {
            s
        }
    }

    /// A code's own colour (stripes, codebook swatches).
    pub fn code(self, hex: &str) -> Style {
        let (r, g, b) = rgb(hex);
        self.fg(Color::Rgb(r, g, b))
    }
}

fn rgb(hex: &str) -> (u8, u8, u8) {
    let p = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("88"), 16).unwrap_or(0x88);
    (p(1), p(3), p(5))
}
