//! Reading doccano lines.

use std::io::BufRead;

use crate::error::Result;
use crate::format::json;
use crate::format::spans::document::{DocBuf, Docs, Layout};
use crate::format::spans::parse::{self, LayoutError};
use crate::repair::Repair;
use crate::sentence::Sentence;
use crate::spans::ReadOptions;

/// The layout of doccano lines.
#[derive(Debug, Default)]
pub(crate) struct DoccanoLayout {
    relations: u64,
}

impl Layout for DoccanoLayout {
    fn parse(&mut self, value: &[u8], doc: &mut DocBuf) -> std::result::Result<(), LayoutError> {
        if let Some(relations) = one_pass(value, doc) {
            self.relations += relations;
            return Ok(());
        }
        doc.clear();
        self.parse_members(value, doc)
    }
}

/// Parses a doccano line into `doc` in one pass over its JSON, with the
/// spans read straight into `doc`, and returns its number of relations;
/// `None` (with `doc` half filled) for any line that the general route
/// ([`DoccanoLayout::parse_members`]) would not read as it does, so that
/// the general route reads it again and words the error.
///
/// The general route parses the object into members and then each member
/// again, with a `Vec` for the members and one for the spans; on the bench
/// file this route is about a fifth faster.
fn one_pass(value: &[u8], doc: &mut DocBuf) -> Option<u64> {
    let text = std::str::from_utf8(value).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let relations = serde::Deserializer::deserialize_map(&mut de, Line(doc)).ok()?;
    de.end().ok()?;
    Some(relations)
}

/// The visitor of [`one_pass`].
struct Line<'d>(&'d mut DocBuf);

impl<'de> serde::de::Visitor<'de> for Line<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a doccano line")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<u64, A::Error> {
        use serde::de::Error;
        let doc = self.0;
        let (mut relations, mut lists) = (0, 0);
        while let Some(key) = map.next_key::<json::Str<'de>>()? {
            match &*key {
                "text" => {
                    let text: json::Str<'de> = map.next_value()?;
                    doc.text.push_str(&text);
                    doc.has_text = true;
                }
                "label" | "entities" => {
                    let before = doc.spans.len();
                    map.next_value_seed(parse::SpansInto(doc))?;
                    lists += usize::from(doc.spans.len() > before);
                    if lists > 1 {
                        return Err(A::Error::custom("spans in two lists"));
                    }
                }
                "relations" => relations += map.next_value_seed(parse::CountItems)?,
                _ => {
                    let raw: &'de serde_json::value::RawValue = map.next_value()?;
                    json::push_member(&mut doc.extra, &key, raw);
                }
            }
        }
        if !doc.has_text {
            return Err(A::Error::custom("no text"));
        }
        Ok(relations)
    }
}

impl DoccanoLayout {
    /// The general route: the members of the object, then each member.
    fn parse_members(
        &mut self,
        value: &[u8],
        doc: &mut DocBuf,
    ) -> std::result::Result<(), LayoutError> {
        let object = parse::members(value, "a doccano line")?;
        let mut by_tokens = Vec::new();
        let mut lists = 0;
        for (key, raw) in &object.0 {
            match &**key {
                "text" => {
                    doc.text.push_str(&parse::string(value, raw, "text")?);
                    doc.has_text = true;
                }
                "label" | "entities" => {
                    let before = doc.spans.len();
                    parse::span_list(value, raw, key, doc, &mut by_tokens)?;
                    if doc.spans.len() > before {
                        lists += 1;
                    }
                    if lists > 1 {
                        return Err(LayoutError::at(
                            value,
                            raw,
                            "spans in both \"label\" and \"entities\"; a doccano line has one of them",
                        ));
                    }
                }
                "relations" => {
                    let list: Vec<serde::de::IgnoredAny> =
                        parse::typed(value, raw).map_err(|e| {
                            LayoutError::at(
                                value,
                                raw,
                                format!("\"relations\" must be a list: {}", e.message),
                            )
                        })?;
                    self.relations += list.len() as u64;
                }
                _ => json::push_member(&mut doc.extra, key, raw),
            }
        }
        if !doc.has_text {
            return Err(LayoutError::whole("no \"text\" string"));
        }
        if !by_tokens.is_empty() {
            return Err(LayoutError::whole(
                "a span has token indices but no \"start_offset\" and \"end_offset\"",
            ));
        }
        Ok(())
    }
}

/// Reads doccano JSONL one document (line) at a time.
///
/// # Example
/// ```
/// use nerkit::doccano::Reader;
/// use nerkit::spans::ReadOptions;
/// use nerkit::Sentence;
///
/// let line = r#"{"id": 8, "text": "Ryan Crocker met Musharraf.", "entities": [{"id": 1, "label": "PER", "start_offset": 0, "end_offset": 12}], "relations": []}"#;
/// let mut reader = Reader::new(line.as_bytes(), ReadOptions::default());
/// let mut s = Sentence::new();
/// assert!(reader.read_sentence(&mut s)?);
/// assert_eq!((s.entity(0).label, s.entity(0).tokens.len()), ("PER", 2));
/// assert_eq!(s.extra_json(), Some(r#""id":8"#));
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    docs: Docs<R, DoccanoLayout>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            docs: Docs::new(inner, DoccanoLayout::default(), opts.doc()),
        }
    }

    /// Spans read so far, kept or not.
    pub fn spans_read(&self) -> u64 {
        self.docs.spans_read()
    }

    /// Relations read and dropped so far.
    pub fn relations_dropped(&self) -> u64 {
        self.docs.layout.relations
    }

    /// Repairs (moved and dropped spans) since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.docs.take_repairs()
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end.
    ///
    /// # Errors
    /// As [`crate::spans::Reader::read_sentence`].
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
