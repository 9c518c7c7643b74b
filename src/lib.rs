//! nerkit: named-entity recognition data tools.
#![deny(missing_docs)]

pub mod bracket;
pub mod conll;
pub mod convert;
pub mod error;
pub mod eval;
pub mod html;
pub mod jsonl;
pub mod repair;
pub mod scheme;
pub mod sentence;
pub mod span;
pub mod tokenize;

pub use error::{Error, ErrorKind, ParseErrorKind, Result};
pub use repair::{Repair, RepairCounts};
pub use scheme::{Prefix, Tag, TagScheme};
pub use sentence::{Entity, OffsetUnit, Sentence, Token};
pub use span::{Position, Span, TokenSpan};
pub use tokenize::Tokenizer;
