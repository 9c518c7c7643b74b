//! Tokenizers: split text into tokens with byte spans.
//!
//! A tokenizer never allocates per token: it yields [`Token`]s that borrow
//! from the text, with spans relative to the start of the text.

use std::fmt;
use std::str::FromStr;

use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

use crate::sentence::Token;
use crate::span::Span;

/// How text is split into tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tokenizer {
    /// Tokens are runs of non-whitespace, exactly as written. Right for text
    /// a tagger already tokenized: the tags belong to its tokens.
    #[default]
    Whitespace,
    /// Unicode word boundaries (UAX #29, as unicode-segmentation's
    /// `split_word_bound_indices`), whitespace dropped, punctuation kept as
    /// tokens.
    Unicode,
}

impl Tokenizer {
    /// The tokens of `text`, with spans relative to `text`.
    pub fn tokens(self, text: &str) -> Tokens<'_> {
        let inner = match self {
            Tokenizer::Whitespace => Inner::Whitespace { text, pos: 0 },
            Tokenizer::Unicode => Inner::Unicode(text.split_word_bound_indices()),
        };
        Tokens { inner }
    }
}

impl FromStr for Tokenizer {
    type Err = String;

    fn from_str(s: &str) -> Result<Tokenizer, String> {
        match s.to_ascii_lowercase().as_str() {
            "whitespace" | "ws" => Ok(Tokenizer::Whitespace),
            "unicode" | "uax29" => Ok(Tokenizer::Unicode),
            _ => Err(format!(
                "unknown tokenizer \"{s}\" (expected whitespace or unicode)"
            )),
        }
    }
}

impl fmt::Display for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tokenizer::Whitespace => "whitespace",
            Tokenizer::Unicode => "unicode",
        })
    }
}

/// Iterator over the tokens of a text; see [`Tokenizer::tokens`].
#[derive(Clone, Debug)]
pub struct Tokens<'a> {
    inner: Inner<'a>,
}

#[derive(Clone, Debug)]
enum Inner<'a> {
    Whitespace { text: &'a str, pos: usize },
    Unicode(UWordBoundIndices<'a>),
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        match &mut self.inner {
            Inner::Whitespace { text, pos } => {
                let rest = &text[*pos..];
                let start = *pos + rest.find(|c: char| !c.is_whitespace())?;
                let len = text[start..]
                    .find(char::is_whitespace)
                    .unwrap_or(text.len() - start);
                *pos = start + len;
                Some(Token {
                    text: &text[start..start + len],
                    span: Span::new(start, start + len),
                })
            }
            Inner::Unicode(words) => {
                for (start, word) in words.by_ref() {
                    if !word.chars().all(char::is_whitespace) {
                        return Some(Token {
                            text: word,
                            span: Span::new(start, start + word.len()),
                        });
                    }
                }
                None
            }
        }
    }
}
