//! Reading Prodigy tasks.

use std::io::BufRead;

use serde::Deserialize;

use crate::error::Result;
use crate::format::json::{self, Str};
use crate::format::spans::document::{DocBuf, Docs, Layout, OwnToken};
use crate::format::spans::parse::{self, LayoutError};
use crate::repair::Repair;
use crate::sentence::Sentence;
use crate::spans::ReadOptions;

#[derive(Deserialize)]
struct Token<'a> {
    #[serde(borrow, default)]
    text: Option<Str<'a>>,
    start: u64,
    end: u64,
}

/// The layout of Prodigy tasks.
#[derive(Debug, Default)]
pub(crate) struct ProdigyLayout;

impl Layout for ProdigyLayout {
    fn parse(&mut self, value: &[u8], doc: &mut DocBuf) -> std::result::Result<(), LayoutError> {
        let object = parse::members(value, "a Prodigy task")?;
        let mut by_tokens = Vec::new();
        for (key, raw) in &object.0 {
            match &**key {
                "text" => {
                    doc.text.push_str(&parse::string(value, raw, "text")?);
                    doc.has_text = true;
                }
                "spans" => parse::span_list(value, raw, "spans", doc, &mut by_tokens)?,
                "tokens" => {
                    let tokens: Vec<Token<'_>> = parse::typed(value, raw).map_err(|mut e| {
                        e.message = format!(
                            "\"tokens\" must be a list of {{\"text\", \"start\", \"end\"}}: {}",
                            e.message
                        );
                        e
                    })?;
                    doc.own_tokens = !tokens.is_empty();
                    for t in tokens {
                        let text = t.text.as_ref().map(|s| doc.keep(s));
                        doc.tokens.push(OwnToken {
                            start: t.start,
                            end: t.end,
                            text,
                            bytes: (0, 0),
                        });
                    }
                }
                _ => json::push_member(&mut doc.extra, key, raw),
            }
        }
        if !doc.has_text {
            return Err(LayoutError::whole("no \"text\" string"));
        }
        for (i, first, last) in by_tokens {
            let (Some(a), Some(b)) = (
                doc.tokens.get(first as usize),
                doc.tokens.get(last as usize),
            ) else {
                return Err(LayoutError::whole(format!(
                    "span {} has token_start {first} and token_end {last}, but the task has {} tokens",
                    i + 1,
                    doc.tokens.len()
                )));
            };
            let (start, end) = (a.start, b.end);
            doc.spans[i].start = start;
            doc.spans[i].end = end;
        }
        Ok(())
    }
}

/// Reads Prodigy JSONL one task (document) at a time, on Prodigy's tokens
/// when a task has them.
///
/// # Example
/// ```
/// use nerkit::prodigy::Reader;
/// use nerkit::spans::ReadOptions;
/// use nerkit::Sentence;
///
/// // Prodigy's tokens keep "U.S." whole; nerkit's tokenizer would split it.
/// let line = r#"{"text": "U.S. envoy", "tokens": [{"text": "U.S.", "start": 0, "end": 4, "id": 0, "ws": true}, {"text": "envoy", "start": 5, "end": 10, "id": 1, "ws": false}], "spans": [{"start": 0, "end": 4, "token_start": 0, "token_end": 0, "label": "GPE"}]}"#;
/// let mut reader = Reader::new(line.as_bytes(), ReadOptions::default());
/// let mut s = Sentence::new();
/// assert!(reader.read_sentence(&mut s)?);
/// assert_eq!(s.token(0).text, "U.S.");
/// assert_eq!(s.entity(0).label, "GPE");
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    docs: Docs<R, ProdigyLayout>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            docs: Docs::new(inner, ProdigyLayout, opts.doc()),
        }
    }

    /// Spans read so far, kept or not.
    pub fn spans_read(&self) -> u64 {
        self.docs.spans_read()
    }

    /// Repairs (moved and dropped spans) since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.docs.take_repairs()
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end.
    ///
    /// # Errors
    /// As [`crate::spans::Reader::read_sentence`], and tokens out of order
    /// or whose text is not the text at their offsets.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        self.docs.read_sentence(sentence)
    }
}

impl<R: BufRead> crate::convert::SentenceReader for Reader<R> {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        Reader::read_sentence(self, sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        self.take_repairs().for_each(sink);
    }
}

impl<R: BufRead> crate::format::InputReader for Reader<R> {
    fn facts(&self) -> crate::format::InputFacts {
        crate::format::InputFacts {
            spans: Some(self.spans_read()),
            ..Default::default()
        }
    }
}
