//! Errors that know where they happened.
//!
//! Parsers report a [`Position`] (line and column); the caller that opened
//! the file adds its path with [`Error::with_path`], so the binary can print
//! `FILE:LINE:COL: error: MESSAGE`, a form editors and terminals jump to.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::span::Position;

/// A convenient alias for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from reading, converting or scoring NER data.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    path: Option<PathBuf>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing failed.
    Io(io::Error),
    /// The input is malformed at `pos`.
    Parse {
        /// Where the problem is.
        pos: Position,
        /// What the problem is.
        kind: ParseErrorKind,
    },
    /// Any other error, already phrased for a user (for example a count
    /// mismatch between two files or an option that does not apply).
    Message(String),
}

/// What is malformed in the input, in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// An entity opened with `[LABEL` was not closed before the end of the
    /// line or file.
    UnclosedEntity {
        /// The label of the open entity.
        label: String,
    },
    /// A `[LABEL` opener inside an open entity.
    NestedEntity {
        /// The label of the inner opener.
        label: String,
        /// The label of the entity that is still open.
        open: String,
    },
    /// An entity with no text, such as `[PER  ]`.
    EmptyEntity {
        /// The label of the empty entity.
        label: String,
    },
    /// A label that is not in the label set the user gave.
    UnknownLabel {
        /// The label found.
        label: String,
    },
    /// Bytes that are not UTF-8.
    InvalidUtf8 {
        /// Offset of the first bad byte in the input.
        byte: u64,
        /// Its value.
        value: u8,
    },
    /// A tag that cannot be read (not `O` and not `PREFIX-LABEL`), or that
    /// the chosen scheme does not allow.
    InvalidTag {
        /// The tag as written.
        tag: String,
        /// Why it is not accepted.
        reason: String,
    },
    /// A tag sequence that is not well-formed in the scheme, such as
    /// `O I-PER` in IOB2.
    IllFormed {
        /// What is wrong with the sequence.
        message: String,
    },
    /// A carriage return that is not part of a CRLF line end: a file with
    /// old Mac line ends (CR only), whose lines would otherwise run
    /// together.
    LoneCarriageReturn,
    /// Anything else wrong with the input, phrased for the user.
    Other(String),
}

impl Error {
    /// An error of the given kind, with no path yet.
    pub fn new(kind: ErrorKind) -> Error {
        Error(Box::new(Inner { kind, path: None }))
    }

    /// A parse error at `pos`.
    pub fn parse(pos: Position, kind: ParseErrorKind) -> Error {
        Error::new(ErrorKind::Parse { pos, kind })
    }

    /// A free-form error message.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Message(message.into()))
    }

    /// The error with the path of the file it concerns, unless one was
    /// already set by a more precise caller.
    pub fn with_path(mut self, path: impl AsRef<Path>) -> Error {
        if self.0.path.is_none() {
            self.0.path = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The file the error concerns, when known.
    pub fn path(&self) -> Option<&Path> {
        self.0.path.as_deref()
    }

    /// Where in the input the error is, for parse errors.
    pub fn position(&self) -> Option<Position> {
        match self.0.kind {
            ErrorKind::Parse { pos, .. } => Some(pos),
            _ => None,
        }
    }

    /// True for I/O errors.
    pub fn is_io(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Io(_))
    }

    /// True when the error is a broken pipe on output, which a command-line
    /// tool treats as a normal end (`nerkit convert big.txt | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&self.0.kind, ErrorKind::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::UnclosedEntity { label } => {
                write!(f, "unclosed entity: \"[{label}\" has no closing \"]\"")
            }
            ParseErrorKind::NestedEntity { label, open } => write!(
                f,
                "\"[{label}\" opens an entity inside the open \"[{open}\" entity (entities do not nest)"
            ),
            ParseErrorKind::EmptyEntity { label } => {
                write!(f, "empty entity: \"[{label}\" holds no text")
            }
            ParseErrorKind::UnknownLabel { label } => {
                write!(f, "label \"{label}\" is not in the label set given with --labels")
            }
            ParseErrorKind::InvalidUtf8 { byte, value } => write!(
                f,
                "invalid UTF-8 at byte {byte} of the input (byte 0x{value:02x}); the input must be UTF-8"
            ),
            ParseErrorKind::InvalidTag { tag, reason } => {
                write!(f, "invalid tag \"{tag}\": {reason}")
            }
            ParseErrorKind::IllFormed { message } => f.write_str(message),
            ParseErrorKind::LoneCarriageReturn => f.write_str(
                "a carriage return (CR) that does not end a CRLF line end; lines must end in LF \
                 or CRLF (for a file with old Mac line ends, convert them first: tr '\\r' '\\n')",
            ),
            ParseErrorKind::Other(message) => f.write_str(message),
        }
    }
}

impl fmt::Display for Error {
    /// `PATH:LINE:COL: MESSAGE` for parse errors with a path, `LINE:COL:
    /// MESSAGE` without one, `PATH: MESSAGE` otherwise. The binary adds the
    /// `error:` marker.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.0.path {
            write!(f, "{}:", path.display())?;
            if !matches!(self.0.kind, ErrorKind::Parse { .. }) {
                f.write_str(" ")?;
            }
        }
        match &self.0.kind {
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::Parse { pos, kind } => write!(f, "{pos}: {kind}"),
            ErrorKind::Message(m) => f.write_str(m),
        }
    }
}

impl Error {
    /// The message in `FILE:LINE:COL: error: MESSAGE` form (the position part
    /// left out when unknown), as the command-line tool prints it.
    pub fn to_diagnostic(&self) -> String {
        let mut out = String::new();
        if let Some(path) = &self.0.path {
            out.push_str(&path.display().to_string());
            out.push(':');
        }
        match &self.0.kind {
            ErrorKind::Parse { pos, kind } => {
                out.push_str(&format!("{pos}: error: {kind}"));
            }
            ErrorKind::Io(e) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&format!("error: {e}"));
            }
            ErrorKind::Message(m) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&format!("error: {m}"));
            }
        }
        out
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::new(ErrorKind::Io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_form() {
        let e = Error::parse(
            Position::new(3, 7, 40),
            ParseErrorKind::EmptyEntity {
                label: "PER".into(),
            },
        )
        .with_path("a.txt");
        assert_eq!(
            e.to_diagnostic(),
            "a.txt:3:7: error: empty entity: \"[PER\" holds no text"
        );
        let e = Error::msg("files differ").with_path("b.txt");
        assert_eq!(e.to_diagnostic(), "b.txt: error: files differ");
    }
}
