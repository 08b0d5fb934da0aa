//! Typed errors of the core. Every message names the file (and line, where
//! there is one) and, where it can, says what to do next.

use std::path::{Path, PathBuf};

/// Result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error the core reports to its caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed; `line` and `column` are 1-based.
    #[error("{}{}: {message}", path.display(), location(*line, *column))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// The request cannot be carried out (unknown code, span out of range…).
    #[error("{0}")]
    Invalid(String),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A parse error at an optional line and column.
    pub fn parse(
        path: impl AsRef<Path>,
        line: Option<usize>,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An invalid request, with a message for the researcher.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }
}

/// Adds the path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}
