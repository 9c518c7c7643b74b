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
    /// What the user can do, worded after the message.
    hints: Vec<Hint>,
    /// Text that follows the hints, such as a colon and a list of examples.
    detail: String,
}

/// Something the user can do about an error: a setting of the library that
/// reads the input differently or scores it anyway.
///
/// An error's hints are ways out, offered as alternatives after its message.
/// The library words them without naming any command-line flag
/// ([`Hint::text`]); a front end words them in its own terms, naming its
/// flags, with [`Error::to_diagnostic_with`]. A front end's words for a hint
/// are a whole clause, punctuation included, because front ends join hints
/// to a message in their own ways: after `"; "`, in parentheses, or as a
/// qualifier (`nerkit` prints `label "GPE" is not in the label set given
/// with --labels`).
///
/// # Example
/// ```
/// use nerkit::{Error, Hint, HintPlace};
/// let e = Error::msg("ill-formed tags")
///     .with_hint(Hint::ReadLeniently)
///     .with_hint(Hint::NameTheScheme);
/// assert_eq!(
///     e.to_string(),
///     "ill-formed tags; read them leniently to repair them as conlleval.pl does, \
///      or name the right scheme"
/// );
/// let cli = |h: Hint, place: HintPlace| match (h, place) {
///     (Hint::ReadLeniently, HintPlace::First) => Some("; use --lenient"),
///     (Hint::NameTheScheme, HintPlace::Alternative) => Some(", or --from-scheme"),
///     _ => None,
/// };
/// assert_eq!(
///     e.to_diagnostic_with(&cli),
///     "error: ill-formed tags; use --lenient, or --from-scheme"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hint {
    /// Read the input leniently ([`ReadOptions::lenient`]): repair what can
    /// be repaired, reading ill-formed tags as conlleval.pl does.
    ///
    /// [`ReadOptions::lenient`]: crate::format::ReadOptions::lenient
    ReadLeniently,
    /// Name the tag scheme the input is written in
    /// ([`ReadOptions::scheme`]) instead of the one given or detected.
    ///
    /// [`ReadOptions::scheme`]: crate::format::ReadOptions::scheme
    NameTheScheme,
    /// Move span edges that fall inside a token to token edges, inward or
    /// outward ([`spans::Align`](crate::spans::Align)).
    AlignSpansToTokens,
    /// Keep the longest or the first of overlapping spans and drop the
    /// others ([`spans::Overlaps`](crate::spans::Overlaps)).
    KeepOneOfOverlappingSpans,
    /// Score even though token texts differ
    /// ([`Evaluator::token_check`](crate::eval::Evaluator::token_check)).
    SkipTokenCheck,
    /// Add the label to the label set
    /// ([`ReadOptions::labels`](crate::format::ReadOptions::labels)).
    ExtendTheLabelSet,
    /// Name the format of the input
    /// ([`Converter::from`](crate::convert::Converter::from)) instead of
    /// having it detected.
    NameTheFormat,
    /// Name the column that holds the tags
    /// ([`ReadOptions::tag_column`](crate::format::ReadOptions::tag_column)).
    NameTheTagColumn,
    /// Name the tag style of the input
    /// ([`ReadOptions::tag_style`](crate::format::ReadOptions::tag_style)):
    /// `PER-B`, `PER` or bare `B`.
    NameTheTagStyle,
    /// Name the column that holds the tokens
    /// ([`ReadOptions::token_column`](crate::format::ReadOptions::token_column));
    /// CoNLL-U's words are in column 2.
    NameTheTokenColumn,
    /// Read the tag from a `KEY=VALUE` member of the column
    /// ([`ReadOptions::misc_key`](crate::format::ReadOptions::misc_key)),
    /// as CoNLL-U's MISC column holds it.
    NameTheMiscKey,
    /// Give the names of integer classes
    /// ([`ReadOptions::label_names`](crate::format::ReadOptions::label_names)).
    NameTheClasses,
    /// Read the offsets in another unit
    /// ([`ReadOptions::offsets`](crate::format::ReadOptions::offsets)):
    /// the text at them shows they count this one.
    ReadOffsetsAs(crate::OffsetUnit),
    /// Say which of a task's annotations to read
    /// ([`labelstudio::Annotation`](crate::labelstudio::Annotation)).
    ChooseAnAnnotation,
}

impl Hint {
    /// The library's words for the hint, naming no command-line flag, such
    /// as `"read them leniently to repair them as conlleval.pl does"`.
    pub fn text(self) -> &'static str {
        match self {
            Hint::ReadLeniently => "read them leniently to repair them as conlleval.pl does",
            Hint::NameTheScheme => "name the right scheme",
            Hint::AlignSpansToTokens => "contract or expand it to token edges",
            Hint::KeepOneOfOverlappingSpans => "keep the longest or the first of them",
            Hint::SkipTokenCheck => "turn the token check off to score anyway",
            Hint::ExtendTheLabelSet => "add it to the label set to accept it",
            Hint::NameTheFormat => "name the format it is in",
            Hint::NameTheTagColumn => "name the column that holds the tags",
            Hint::NameTheTagStyle => "name the tag style (prefix, suffix, none or bare)",
            Hint::NameTheTokenColumn => "name the token column (2 in CoNLL-U)",
            Hint::NameTheMiscKey => "read the tag from its key (such as NER)",
            Hint::NameTheClasses => "give the class names (the dataset's ClassLabel names)",
            Hint::ReadOffsetsAs(crate::OffsetUnit::Bytes) => "read the offsets as UTF-8 bytes",
            Hint::ReadOffsetsAs(crate::OffsetUnit::Chars) => "read the offsets as code points",
            Hint::ReadOffsetsAs(crate::OffsetUnit::Utf16) => {
                "read the offsets as UTF-16 code units"
            }
            Hint::ChooseAnAnnotation => "read the first, the last or all of the annotations",
        }
    }
}

/// Where a hint stands among the hints of a message.
///
/// A front end's words for a hint may depend on it: `nerkit` words
/// [`Hint::NameTheScheme`] `"; give the input scheme with --from-scheme"`
/// alone, but `", or --from-scheme to name the right scheme"` after
/// `"; use --lenient to read them as conlleval.pl does"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HintPlace {
    /// The first (or only) hint: the library writes `"; "` and its
    /// [text](Hint::text).
    First,
    /// A hint after another, offered instead of it: the library writes
    /// `", or "` and its text.
    Alternative,
}

/// Writes the clauses of `hints` to `out`: `clause` gives a front end's
/// words for a hint at its place, punctuation included; `None` takes the
/// library's.
pub(crate) fn write_clauses(
    out: &mut dyn fmt::Write,
    hints: &[Hint],
    clause: &dyn Fn(Hint, HintPlace) -> Option<&'static str>,
) -> fmt::Result {
    for (i, &hint) in hints.iter().enumerate() {
        let place = if i == 0 {
            HintPlace::First
        } else {
            HintPlace::Alternative
        };
        match clause(hint, place) {
            Some(words) => out.write_str(words)?,
            None => {
                out.write_str(match place {
                    HintPlace::First => "; ",
                    HintPlace::Alternative => ", or ",
                })?;
                out.write_str(hint.text())?;
            }
        }
    }
    Ok(())
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
        Error(Box::new(Inner {
            kind,
            path: None,
            hints: Vec::new(),
            detail: String::new(),
        }))
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

    /// The error with a hint: something the user can do about it, offered
    /// after the message (and after the hints already given, as an
    /// alternative to them).
    pub fn with_hint(mut self, hint: Hint) -> Error {
        self.0.hints.push(hint);
        self
    }

    /// The error with text that follows the message and its hints, such as
    /// a colon and a list of examples.
    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.0.detail = detail.into();
        self
    }

    /// What the user can do about the error, in the order offered.
    pub fn hints(&self) -> &[Hint] {
        &self.0.hints
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
                write!(f, "label \"{label}\" is not in the label set")
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
    /// MESSAGE` without one, `PATH: MESSAGE` otherwise, with the hints in
    /// the library's words. The binary adds the `error:` marker.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.0.path {
            write!(f, "{}:", path.display())?;
            if !matches!(self.0.kind, ErrorKind::Parse { .. }) {
                f.write_str(" ")?;
            }
        }
        if let ErrorKind::Parse { pos, .. } = &self.0.kind {
            write!(f, "{pos}: ")?;
        }
        self.write_message(f, &|_, _| None)
    }
}

impl Error {
    /// The message in `FILE:LINE:COL: error: MESSAGE` form (the position part
    /// left out when unknown), with the hints in the library's words.
    pub fn to_diagnostic(&self) -> String {
        self.to_diagnostic_with(&|_, _| None)
    }

    /// [`Error::to_diagnostic`] with the hints in a front end's words:
    /// `clause(hint, place)` gives the words a hint adds after the message,
    /// punctuation included (the library's are `"; "` or `", or "` and
    /// [`Hint::text`]), or `None` for the library's. A command-line tool
    /// names its flags here.
    pub fn to_diagnostic_with(
        &self,
        clause: &dyn Fn(Hint, HintPlace) -> Option<&'static str>,
    ) -> String {
        let mut out = String::new();
        if let Some(path) = &self.0.path {
            out.push_str(&path.display().to_string());
            out.push(':');
        }
        match &self.0.kind {
            ErrorKind::Parse { pos, .. } => out.push_str(&format!("{pos}: error: ")),
            _ => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str("error: ");
            }
        }
        self.write_message(&mut out, clause)
            .expect("writing to a String");
        out
    }

    /// The message without path or position: what went wrong, the hints'
    /// clauses and the detail.
    fn write_message(
        &self,
        out: &mut dyn fmt::Write,
        clause: &dyn Fn(Hint, HintPlace) -> Option<&'static str>,
    ) -> fmt::Result {
        match &self.0.kind {
            ErrorKind::Io(e) => write!(out, "{e}")?,
            ErrorKind::Parse { kind, .. } => write!(out, "{kind}")?,
            ErrorKind::Message(m) => out.write_str(m)?,
        }
        write_clauses(out, &self.0.hints, clause)?;
        out.write_str(&self.0.detail)
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

/// A message for a `serde_json` error on `text` (one JSON line), and the
/// column (from 1, in characters) to report it at. serde_json's words for
/// an escaped UTF-16 surrogate without its pair are misleading ("unexpected
/// end of hex escape" for a high surrogate, "lone leading surrogate" for a
/// low one, which trails); such escapes are named for what they are, at
/// their `\u`.
pub(crate) fn json_error(e: &serde_json::Error, text: &str) -> (usize, String) {
    let column = e.column().max(1);
    let message = e.to_string();
    if !message.contains("surrogate") && !message.contains("hex escape") {
        return (column, strip_position(&message));
    }
    // serde_json's column counts bytes of the line; the escape ends there.
    let end = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .find(|&b| b >= column)
        .unwrap_or(text.len());
    let Some(at) = text[..end].rfind("\\u") else {
        return (column, strip_position(&message));
    };
    let hex = text.get(at + 2..at + 6).unwrap_or("");
    let Ok(unit) = u16::from_str_radix(hex, 16) else {
        return (column, strip_position(&message));
    };
    let why = match unit {
        0xD800..=0xDBFF => format!(
            "the escape \\u{hex} is a high UTF-16 surrogate without the low surrogate \
             (\\uDC00 to \\uDFFF) that must follow it: half a character"
        ),
        0xDC00..=0xDFFF => format!(
            "the escape \\u{hex} is a low UTF-16 surrogate without the high surrogate \
             (\\uD800 to \\uDBFF) that must come before it: half a character"
        ),
        _ => return (column, strip_position(&message)),
    };
    (text[..at].chars().count() + 1, why)
}

/// serde_json's message without its " at line L column C".
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
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

    #[test]
    fn hints_follow_the_message_and_precede_the_detail() {
        let e = Error::parse(
            Position::new(2, 9, 12),
            ParseErrorKind::UnknownLabel {
                label: "GPE".into(),
            },
        )
        .with_hint(Hint::ExtendTheLabelSet)
        .with_hint(Hint::ReadLeniently)
        .with_detail(":\n  one example")
        .with_path("a.txt");
        assert_eq!(e.hints(), [Hint::ExtendTheLabelSet, Hint::ReadLeniently]);
        let library = "label \"GPE\" is not in the label set; add it to the label set to \
                       accept it, or read them leniently to repair them as conlleval.pl does:\n  one example";
        assert_eq!(e.to_string(), format!("a.txt:2:9: {library}"));
        assert_eq!(e.to_diagnostic(), format!("a.txt:2:9: error: {library}"));
        let words = |h: Hint, place: HintPlace| match (h, place) {
            (Hint::ExtendTheLabelSet, HintPlace::First) => Some(" given with LABELS"),
            (Hint::ReadLeniently, HintPlace::Alternative) => Some(" (or LENIENT)"),
            _ => None,
        };
        assert_eq!(
            e.to_diagnostic_with(&words),
            "a.txt:2:9: error: label \"GPE\" is not in the label set given with LABELS \
             (or LENIENT):\n  one example"
        );
        // A front end that words only some hints gets the library's words
        // for the others.
        let only_first = |_: Hint, place: HintPlace| (place == HintPlace::First).then_some("; X");
        assert!(e.to_diagnostic_with(&only_first).ends_with(
            "set; X, or read them leniently to repair them as conlleval.pl does:\n  one example"
        ));
    }
}
