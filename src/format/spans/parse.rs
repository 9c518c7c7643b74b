//! Parsing the JSON of one document: its members as written, and span
//! items in the shapes the tools write them. The layouts of spans files and
//! annotation-tool exports are built from these.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::format::json::Str;

/// An error in a document's JSON, at byte `at` of the value.
#[derive(Clone, Debug)]
pub(crate) struct LayoutError {
    pub at: usize,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<crate::Hint>,
}

impl LayoutError {
    /// An error about the value as a whole.
    pub fn whole(message: impl Into<String>) -> LayoutError {
        LayoutError {
            at: 0,
            message: message.into(),
            hint: None,
        }
    }

    /// An error about member `raw` of `value`.
    pub fn at(value: &[u8], raw: &RawValue, message: impl Into<String>) -> LayoutError {
        LayoutError {
            at: offset_in(value, raw.get()),
            message: message.into(),
            hint: None,
        }
    }

    /// The error `serde_json` found reading `part` (a slice of `value`).
    pub fn json(value: &[u8], part: &str, e: &serde_json::Error) -> LayoutError {
        let base = offset_in(value, part);
        let (line, column) = (e.line(), e.column());
        let mut at = 0;
        if line > 0 {
            let bytes = part.as_bytes();
            let mut l = 1;
            while l < line {
                match memchr::memchr(b'\n', &bytes[at..]) {
                    Some(k) => at += k + 1,
                    None => break,
                }
                l += 1;
            }
            let line_start = at;
            at = (at + column.saturating_sub(1)).min(bytes.len());
            // The words of the JSON lines reader for the same error (a lone
            // UTF-16 surrogate is named for what it is, at its escape).
            let line_end =
                memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |k| line_start + k);
            let line_text = &part[line_start..line_end];
            let (chars, message) = crate::error::json_error(e, line_text);
            let escape = line_text
                .char_indices()
                .nth(chars - 1)
                .map_or(at - line_start, |(b, _)| b);
            return LayoutError {
                at: base + line_start + escape.min(at - line_start),
                message,
                hint: None,
            };
        }
        LayoutError {
            at: base + at,
            message: e.to_string(),
            hint: None,
        }
    }
}

/// Where `part` starts in `value` (it is a slice of it).
fn offset_in(value: &[u8], part: &str) -> usize {
    let (v, p) = (value.as_ptr() as usize, part.as_ptr() as usize);
    if p >= v && p <= v + value.len() {
        p - v
    } else {
        0
    }
}

/// The members of a JSON object, as written.
pub(crate) struct Object<'a>(pub Vec<(Str<'a>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Object<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
                let mut members = Vec::with_capacity(8);
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let raw: &'de RawValue = map.next_value()?;
                    members.push((key, raw));
                }
                Ok(Object(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// The members of the object `value`.
pub(crate) fn members<'a>(value: &'a [u8], what: &str) -> Result<Object<'a>, LayoutError> {
    let text = std::str::from_utf8(value).map_err(|e| LayoutError {
        at: e.valid_up_to(),
        message: "invalid UTF-8".into(),
        hint: None,
    })?;
    serde_json::from_str(text).map_err(|e| {
        let mut err = LayoutError::json(value, text, &e);
        if e.is_data() {
            err.message = format!("expected {what} (a JSON object): {}", err.message);
        }
        err
    })
}

/// Member `raw` of `value` read as a `T`.
pub(crate) fn typed<'a, T: Deserialize<'a>>(
    value: &[u8],
    raw: &'a RawValue,
) -> Result<T, LayoutError> {
    serde_json::from_str(raw.get()).map_err(|e| LayoutError::json(value, raw.get(), &e))
}

/// A string member.
pub(crate) fn string<'a>(
    value: &[u8],
    raw: &'a RawValue,
    key: &str,
) -> Result<Str<'a>, LayoutError> {
    serde_json::from_str(raw.get()).map_err(|e| {
        // A string that does not read (a lone surrogate) says why; another
        // value is not a string.
        if raw.get().starts_with('"') {
            LayoutError::json(value, raw.get(), &e)
        } else {
            LayoutError::at(value, raw, format!("\"{key}\" must be a string"))
        }
    })
}

/// A span as the tools write it: an object with `start`/`end` (or
/// doccano's `start_offset`/`end_offset`), `label`, and Prodigy's
/// `token_start`/`token_end`; or an array `[start, end, label]`.
#[derive(Debug, Default)]
pub(crate) struct SpanItem<'a> {
    pub start: Option<u64>,
    pub end: Option<u64>,
    pub label: Option<Str<'a>>,
    pub token_start: Option<u64>,
    pub token_end: Option<u64>,
}

impl<'de: 'a, 'a> Deserialize<'de> for SpanItem<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SpanItem<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpanItem<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span: {\"start\": S, \"end\": E, \"label\": L} or [S, E, L]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpanItem<'de>, A::Error> {
                let mut item = SpanItem::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match &*key {
                        "start" | "start_offset" => item.start = Some(map.next_value()?),
                        "end" | "end_offset" => item.end = Some(map.next_value()?),
                        "label" => item.label = Some(map.next_value()?),
                        "token_start" => item.token_start = map.next_value()?,
                        "token_end" => item.token_end = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(item)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SpanItem<'de>, A::Error> {
                let err = || de::Error::custom("expected a span [start, end, label]");
                let start = seq.next_element()?.ok_or_else(err)?;
                let end = seq.next_element()?.ok_or_else(err)?;
                let label = seq.next_element()?.ok_or_else(err)?;
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(err());
                }
                Ok(SpanItem {
                    start: Some(start),
                    end: Some(end),
                    label: Some(label),
                    ..SpanItem::default()
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the list of spans `raw` (member `key` of `value`) into `doc`.
/// Spans without offsets but with Prodigy's token indices are resolved by
/// the caller, which knows the tokens; they are returned.
pub(crate) fn span_list(
    value: &[u8],
    raw: &RawValue,
    key: &str,
    doc: &mut super::document::DocBuf,
    by_tokens: &mut Vec<(usize, u64, u64)>,
) -> Result<(), LayoutError> {
    if raw.get() == "null" {
        return Ok(());
    }
    let items: Vec<SpanItem<'_>> = serde_json::from_str(raw.get()).map_err(|e| {
        let mut err = LayoutError::json(value, raw.get(), &e);
        err.message = format!("\"{key}\" must be a list of spans: {}", err.message);
        err
    })?;
    for (i, item) in items.into_iter().enumerate() {
        let Some(label) = item.label else {
            return Err(LayoutError::at(
                value,
                raw,
                format!("span {} of \"{key}\" has no \"label\"", i + 1),
            ));
        };
        match (item.start, item.end, item.token_start, item.token_end) {
            (Some(s), Some(e), _, _) => doc.push_span(s, e, &label),
            (_, _, Some(ts), Some(te)) => {
                by_tokens.push((doc.spans.len(), ts, te));
                doc.push_span(0, 0, &label);
            }
            _ => {
                return Err(LayoutError::at(
                    value,
                    raw,
                    format!("span {} of \"{key}\" has no \"start\" and \"end\"", i + 1),
                ))
            }
        }
    }
    Ok(())
}

/// The fast route of [`span_list`]: reads `null` or a list of spans
/// straight into `doc`, each an object with `start`, `end` and `label`
/// (and members serde_json's [`SpanItem`] ignores, or Prodigy's token
/// indices, `null` or a number) or an array `[start, end, label]`.
/// `None` on anything else, on which the caller parses the document
/// again by the general route: a span without offsets or label, a
/// repeated member (or both `start` and doccano's `start_offset`), or whatever
/// [`Scan`](crate::format::json::scan::Scan) gives up on.
pub(crate) fn scan_span_list(
    c: &mut crate::format::json::scan::Scan<'_>,
    doc: &mut super::document::DocBuf,
) -> Option<()> {
    if c.null() {
        return Some(());
    }
    if let Some(len) = compact_list(c.rest_str(), doc) {
        c.skip(len);
        return Some(());
    }
    c.array(|c| {
        let label_from = doc.strings.len();
        let mark = c.mark();
        if let Some((start, end)) = tight_item(c, &mut doc.strings) {
            doc.push_kept_span(start, end, label_from);
            return Some(());
        }
        c.reset(mark);
        doc.strings.truncate(label_from);
        let (start, end) = if c.peek()? == b'[' {
            c.eat(b'[')?;
            c.ws();
            let start = c.short_uint()?;
            c.separator(b',')?;
            let end = c.short_uint()?;
            c.separator(b',')?;
            c.string_into(&mut doc.strings)?;
            c.ws();
            c.eat(b']')?;
            (start, end)
        } else {
            let (mut start, mut end, mut label) = (None, None, false);
            let (mut token_start, mut token_end) = (false, false);
            c.object(|key, c| {
                match key {
                    // doccano's names for the offsets; the general route
                    // keeps the last of two, the scan gives up.
                    b"start" | b"start_offset" if start.is_none() => start = Some(c.short_uint()?),
                    b"end" | b"end_offset" if end.is_none() => end = Some(c.short_uint()?),
                    b"label" if !label => {
                        label = true;
                        c.string_into(&mut doc.strings)?;
                    }
                    // Read as `Option<u64>` by the general route, and then
                    // unused: a span with offsets has no need of them.
                    b"token_start" if !token_start => {
                        token_start = true;
                        if !c.null() {
                            c.short_uint()?;
                        }
                    }
                    b"token_end" if !token_end => {
                        token_end = true;
                        if !c.null() {
                            c.short_uint()?;
                        }
                    }
                    b"start" | b"end" | b"label" | b"token_start" | b"token_end"
                    | b"start_offset" | b"end_offset" => return None,
                    _ => {
                        c.raw_value()?;
                    }
                }
                Some(())
            })?;
            if !label {
                return None;
            }
            (start?, end?)
        };
        doc.push_kept_span(start, end, label_from);
        Some(())
    })
}

/// The list of spans at the start of `rest` when it is written as
/// nerkit writes it, `[` and `]` around [`compact_item`]s separated by
/// commas, without whitespace: read into `doc`, and its length. `None`,
/// with `doc` as it was, for any other list, which [`scan_span_list`]
/// then reads item by item.
fn compact_list(rest: &str, doc: &mut super::document::DocBuf) -> Option<usize> {
    let b = rest.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    if b.get(1) == Some(&b']') {
        return Some(2);
    }
    let (spans, strings) = (doc.spans.len(), doc.strings.len());
    let mut i = 1;
    loop {
        // `i` follows an ASCII byte: a char boundary.
        let item = rest.get(i..).and_then(compact_item);
        let Some((start, end, label, len)) = item else {
            doc.spans.truncate(spans);
            doc.strings.truncate(strings);
            return None;
        };
        let label_from = doc.strings.len();
        doc.strings.push_str(label);
        doc.push_kept_span(start, end, label_from);
        i += len;
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return Some(i + 1),
            _ => {
                doc.spans.truncate(spans);
                doc.strings.truncate(strings);
                return None;
            }
        }
    }
}

/// The span item at the start of `rest` when it is written
/// `{"start":S,"end":E,"label":"L"}` with no whitespace and a label
/// without escapes (as nerkit and Python's `json.dumps(separators=(",",
/// ":"))` write it): its offsets, its label and its length, read by
/// comparing whole words of bytes. `None` for any other shape, which
/// [`tight_item`] or [`scan_span_list`] then read.
#[inline(always)]
fn compact_item(rest: &str) -> Option<(u64, u64, &str, usize)> {
    use crate::format::json::scan::{digits_at, plain_run_end};
    const START: &[u8] = b"{\"start\":";
    const END: &[u8] = b",\"end\":";
    const LABEL: &[u8] = b",\"label\":\"";
    let b = rest.as_bytes();
    if b.get(..START.len())? != START {
        return None;
    }
    // What follows each number is checked to be `,`, so it is whole: no
    // fraction or exponent (as `Scan::short_uint` reads it).
    let (start, i) = digits_at::<19>(b, START.len())?;
    if b.get(i..i + END.len())? != END {
        return None;
    }
    let (end, i) = digits_at::<19>(b, i + END.len())?;
    if b.get(i..i + LABEL.len())? != LABEL {
        return None;
    }
    let from = i + LABEL.len();
    let to = plain_run_end(b, from);
    if b.get(to..to + 2)? != b"\"}" {
        return None;
    }
    // Cut at ASCII bytes, so at char boundaries.
    Some((start, end, rest.get(from..to)?, to + 2))
}

/// The span item at the scan's place when it has the shape spaCy and most
/// tools write, `{"start": S, "end": E, "label": "L"}` (these members in
/// this order, whitespace anywhere, a label without escapes), read in one
/// straight line; its label is appended to `strings`. `None` for any other
/// item, which [`scan_span_list`] then reads member by member.
#[inline]
fn tight_item(
    c: &mut crate::format::json::scan::Scan<'_>,
    strings: &mut String,
) -> Option<(u64, u64)> {
    c.eat(b'{')?;
    c.ws();
    c.word(b"\"start\"")?;
    c.separator(b':')?;
    let start = c.short_uint()?;
    c.separator(b',')?;
    c.word(b"\"end\"")?;
    c.separator(b':')?;
    let end = c.short_uint()?;
    c.separator(b',')?;
    c.word(b"\"label\"")?;
    c.separator(b':')?;
    c.plain_string_into(strings)?;
    c.ws();
    c.eat(b'}')?;
    Some((start, end))
}
