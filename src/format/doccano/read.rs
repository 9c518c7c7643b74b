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
        if let Some(relations) = scan(value, doc) {
            self.relations += relations;
            return Ok(());
        }
        doc.clear();
        self.parse_members(value, doc)
    }
}

/// Reads a doccano line into `doc` by one hand scan of its JSON, and
/// returns its number of relations: for lines with one `text`, at most one
/// list of spans (`label` or `entities`), at most one `relations` list and
/// any other members. `None` on anything the scan does not read exactly
/// as [`DoccanoLayout::parse_members`] would (see
/// [`parse::scan_span_list`]), or where that would give an error; `doc`
/// then holds anything, and the caller clears it and parses the line by
/// that general route, which words the error.
fn scan(value: &[u8], doc: &mut DocBuf) -> Option<u64> {
    let value = std::str::from_utf8(value).ok()?;
    let (mut text, mut list, mut relations) = (false, false, None);
    json::scan::Scan::new(value).whole_object(|key, c| match key {
        b"text" if !text => {
            text = true;
            c.string_into(&mut doc.text)
        }
        b"label" | b"entities" if !list => {
            list = true;
            parse::scan_span_list(c, doc)
        }
        b"relations" if relations.is_none() => {
            let mut n = 0;
            c.array(|c| {
                n += 1;
                c.raw_value().map(drop)
            })?;
            relations = Some(n);
            Some(())
        }
        // A second text is appended, and a second list of spans is an
        // error only if both hold spans: left to the general route.
        b"text" | b"label" | b"entities" | b"relations" => None,
        _ => {
            let raw = c.raw_value()?;
            // A key without escapes, between two ASCII quotes of valid
            // UTF-8, is valid UTF-8.
            let key = std::str::from_utf8(key).ok()?;
            json::push_raw_member(&mut doc.extra, key, raw);
            Some(())
        }
    })?;
    doc.has_text = text;
    text.then_some(relations.unwrap_or(0))
}

impl DoccanoLayout {
    /// The general route: the members of the object, then each member.
    /// The general route: serde_json reads the members as written, and
    /// each is read by itself, so that every error names its place.
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::format::spans::scan_tests::document;

    /// The scan's document and relations, or `None` where it gives up;
    /// and the general route's, or its error.
    #[allow(clippy::type_complexity)]
    fn both(
        line: &str,
    ) -> (
        Option<(DocBuf, u64)>,
        std::result::Result<(DocBuf, u64), String>,
    ) {
        let mut fast = DocBuf::default();
        let fast = scan(line.as_bytes(), &mut fast).map(|n| (fast, n));
        let (mut general, mut layout) = (DocBuf::default(), DoccanoLayout::default());
        let general = (layout.parse_members(line.as_bytes(), &mut general))
            .map(|()| (general, layout.relations))
            .map_err(|e| e.message);
        (fast, general)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Where the scan reads a line, the general route reads the same.
        #[test]
        fn the_scan_reads_what_the_general_route_reads(line in document(false, true)) {
            let (fast, general) = both(&line);
            if let Some(fast) = fast {
                prop_assert_eq!(Ok(fast), general, "{}", line);
            }
        }

        /// The scan reads every line of the shapes doccano writes, as the
        /// general route does.
        #[test]
        fn the_scan_reads_every_plain_line(line in document(true, true)) {
            let (fast, general) = both(&line);
            let Some(fast) = fast else {
                return Err(TestCaseError::fail(format!("gave up on {line}: {general:?}")));
            };
            prop_assert_eq!(Ok(fast), general, "{}", line);
        }
    }
}
