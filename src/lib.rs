//! nerkit: named-entity recognition data tools.
//!
//! Convert NER annotations between formats and tag schemes without losing
//! an entity, and score predictions against gold as conlleval.pl does.
//! The `nerkit` command-line tool is a thin layer over this library.
//!
//! # Brief overview
//!
//! - [`Sentence`]: one reusable buffer of tokens (with [`Span`]s into the
//!   input) and entities (a label over a [`TokenSpan`]). Every reader fills
//!   one, every writer consumes one.
//! - [`bracket`]: the inline bracket format taggers print
//!   (`[PER Ryan C. Crocker  ]`), read line by line in bounded memory.
//! - [`TagScheme`] and [`scheme`]: entities to tags in IO, IOB1, IOB2, IOE1,
//!   IOE2, IOBES and BILOU, and tags back to entities, leniently (repairing
//!   like conlleval.pl) or strictly (reporting every ill-formed chunk).
//! - [`conll`] and [`jsonl`]: writers of training data.
//! - [`convert`]: the loop that copies sentences from a reader to a writer
//!   and accounts for every entity.
//! - [`Tokenizer`]: whitespace or Unicode (UAX #29) tokens, borrowed.
//! - [`Error`]: errors that know their file, line and column, with
//!   [`Hint`]s at what the user can do about them.
//! - [`Repair`]: what lenient reading repaired, counted by [`RepairKind`].
//!
//! # Example
//!
//! From bracket text to IOB2 lines:
//!
//! ```
//! use nerkit::bracket::{Options, Reader};
//! use nerkit::conll::Writer;
//! use nerkit::convert::{copy_sentences, Summary};
//! use nerkit::TagScheme;
//!
//! let input = "Ambassador [PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n";
//! let mut reader = Reader::new(input.as_bytes(), Options::default());
//! let mut out = Vec::new();
//! let mut writer = Writer::new(&mut out, TagScheme::Iob2);
//! let mut summary = Summary::default();
//! copy_sentences(&mut reader, &mut writer, &mut summary, &mut |_| {})?;
//! drop(writer);
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "Ambassador\tO\nRyan\tB-PER\nC.\tI-PER\nCrocker\tI-PER\nmet\tO\n\
//!      Pakistan\tB-LOC\nofficials\tO\n.\tO\n\n"
//! );
//! assert!(summary.entities_match());
//! assert_eq!(summary.read.total(), 2);
//! # Ok::<(), nerkit::Error>(())
//! ```
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod bench;
pub mod convert;
mod error;
pub mod eval;
pub mod format;
mod html;
pub mod html_report;
mod intern;
mod lines;
mod repair;
pub mod scheme;
mod sentence;
pub mod show;
mod span;
mod spill;
mod swar;
mod tokenize;

pub use error::{Error, ErrorKind, Hint, HintPlace, ParseErrorKind, Result};
pub use format::{bracket, conll, doccano, jsonl, labelstudio, prodigy, spans};
pub use html::HtmlMode;
pub use repair::{DropReason, Repair, RepairCounts, RepairKind};
pub use scheme::{IllFormedKind, Prefix, Tag, TagScheme, TagStyle};
pub use sentence::{Entity, OffsetUnit, Piece, Sentence, Token};
pub use span::{Position, Span, TokenSpan};
pub use tokenize::{Tokenizer, Tokens};
