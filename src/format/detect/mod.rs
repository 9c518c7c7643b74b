//! Decisive detection: what the start of an input is, or an error saying
//! what was seen and which format to name.
//!
//! Each registered format has a [`Rule`]: a test of the raw bytes (binary
//! formats), of the first JSON record (JSON layouts, told apart by their
//! keys), of the lines as columns (column formats), or none (bracket text,
//! which takes any other text). [`detect`] tries them in that order, and
//! within a kind in registry order. Input that starts like JSON is JSON:
//! when it is not valid, or no JSON layout fits its keys, it is refused,
//! never read as bracket text; so are tab-separated columns in which no
//! column holds tags.

mod columns;
mod json;

pub(crate) use columns::is_tag;
pub use columns::Columns;
pub use json::{Look, Record};

use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::span::Position;

use super::Format;

/// The start of an input as the rules see it: its complete lines as text
/// (a byte-order mark taken off), and its first non-blank line.
pub struct Prefix<'a> {
    /// The bytes given, without a byte-order mark.
    bytes: &'a [u8],
    /// The complete lines (the last line may be cut short by the end of the
    /// prefix, and is left out unless it is the only one).
    text: String,
    /// The column the user said holds the tag, from 1.
    tag_column: Option<usize>,
}

impl<'a> Prefix<'a> {
    /// The prefix of an input.
    pub fn new(bytes: &'a [u8]) -> Prefix<'a> {
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let complete = match memchr::memrchr(b'\n', bytes) {
            Some(i) if i + 1 < bytes.len() => &bytes[..=i],
            _ => bytes,
        };
        Prefix {
            bytes,
            text: String::from_utf8_lossy(complete).into_owned(),
            tag_column: None,
        }
    }

    /// Looks for tags in column `column` (from 1) instead of the last.
    pub fn with_tag_column(mut self, column: Option<usize>) -> Prefix<'a> {
        self.tag_column = column;
        self
    }

    /// The bytes given, without a byte-order mark.
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// The complete lines, as text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The column the user said holds the tag, from 1.
    pub fn tag_column(&self) -> Option<usize> {
        self.tag_column
    }

    /// True when there is nothing but whitespace.
    fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }
}

/// How a format is recognised.
#[derive(Clone, Copy)]
pub enum Rule {
    /// By its raw bytes (a binary format).
    Bytes(fn(&[u8]) -> bool),
    /// By the first record of JSON lines (the first line is an object).
    JsonLines(fn(&Record) -> bool),
    /// By the first element of a top-level JSON array (`None` for `[]`).
    JsonArray(fn(Option<&Record>) -> bool),
    /// A layout exported both ways (Label Studio's JSON and JSONL): by the
    /// first element of an array, or by the first record of JSON lines.
    JsonArrayOrLines(fn(Option<&Record>) -> bool, fn(&Record) -> bool),
    /// By its lines as columns.
    Columns(fn(&Columns, &Prefix<'_>) -> bool),
    /// Any text the other rules do not take (bracket text).
    Text,
}

/// The format the start of an input shows, tried rule by rule (see the
/// module docs).
///
/// # Errors
/// When the input starts like JSON but is not valid JSON, is JSON of no
/// layout nerkit reads, or is tab-separated columns with no column of
/// tags: a parse error at the place, naming what was seen and the formats
/// that could be meant.
pub fn detect(prefix: &Prefix<'_>) -> Result<Format> {
    let rules = || Format::all().map(|f| (f, f.0.detect));
    if prefix.is_blank() {
        return Ok(text_format());
    }
    for (f, rule) in rules() {
        if let Rule::Bytes(test) = rule {
            if test(prefix.bytes) {
                return Ok(f);
            }
        }
    }
    let at = |line, column| Position::new(line, column, 0);
    match json::look(prefix.bytes) {
        Look::NotJson => {}
        Look::Broken {
            line,
            column,
            message,
        } => {
            return Err(Error::parse(
                at(line, column),
                ParseErrorKind::Other(format!(
                    "the input starts like JSON but is not valid JSON: {message}"
                )),
            )
            .with_hint(Hint::NameTheFormat))
        }
        Look::Lines(record) => {
            for (f, rule) in rules() {
                if matches!(rule, Rule::JsonLines(test) | Rule::JsonArrayOrLines(_, test)
                    if test(&record))
                {
                    return Ok(f);
                }
            }
            return Err(unknown_json(
                "JSON lines",
                &record,
                "jsonl: \"tokens\" and \"tags\"; spans: \"text\" and \"entities\"; \
                 doccano: \"text\" and \"label\" or \"entities\" with \"start_offset\"; \
                 prodigy: \"text\" and \"spans\"; label-studio: \"data\" and \"annotations\"",
            ));
        }
        Look::Array(record) => {
            for (f, rule) in rules() {
                if matches!(rule, Rule::JsonArray(test) | Rule::JsonArrayOrLines(test, _)
                    if test(record.as_ref()))
                {
                    return Ok(f);
                }
            }
            let record = record.unwrap_or_default();
            return Err(unknown_json(
                "a JSON array",
                &record,
                "Label Studio's JSON export: tasks with \"data\" and \"annotations\"; \
                 its JSON-MIN export: \"text\" and \"label\"",
            ));
        }
    }
    if let Some(found) = long_first_line(prefix)? {
        return Ok(found);
    }
    let columns = Columns::of(&prefix.text);
    for (f, rule) in rules() {
        if matches!(rule, Rule::Columns(test) if test(&columns, prefix)) {
            return Ok(f);
        }
    }
    if columns.is_conllu() && prefix.tag_column.is_none() {
        return Err(Error::parse(
            at(1, 1),
            ParseErrorKind::Other(
                "the input is CoNLL-U (ten columns, word ids first) but its MISC column holds no \
                 NER tags under a key (such as NER=B-PER)"
                    .into(),
            ),
        )
        .with_hint(Hint::NameTheMiscKey)
        .with_hint(Hint::NameTheTagColumn));
    }
    // Columns with broken lines (a tag left out), too few lines for the
    // 80% rule to overlook them: read as columns when the lines of the
    // commonest width hold tags, so that the reader names each broken
    // line. Mostly tab-separated lines are refused otherwise: never
    // bracket text with tabs.
    if columns.bracketed == 0
        && columns.width >= 2
        && columns
            .tag_column_of_most_lines(prefix.tag_column)
            .is_some()
    {
        return Ok(Format::CONLL);
    }
    if !columns.clearly_columns() && columns.mostly_tabbed() {
        return Err(Error::parse(
            at(1, 1),
            ParseErrorKind::Other(format!(
                "the input is tab-separated lines of differing widths ({} of {} lines have \
                 {} fields) and no column holds tags in most of them",
                columns.at_width, columns.lines, columns.width
            )),
        )
        .with_hint(Hint::NameTheFormat)
        .with_hint(Hint::NameTheTagColumn));
    }
    if columns.clearly_columns() {
        let message = match prefix.tag_column {
            Some(k) => format!(
                "the input is tab-separated columns ({}) but column {k}, given as the tag column, \
                 does not hold tags",
                columns.describe()
            ),
            None => format!(
                "the input is tab-separated columns ({}) but no column holds tags \
                 (O, B-PER, PER-B, B)",
                columns.describe()
            ),
        };
        return Err(Error::parse(at(1, 1), ParseErrorKind::Other(message))
            .with_hint(Hint::NameTheTagColumn));
    }
    Ok(text_format())
}

/// The format of an input whose first line is longer than the prefix, so
/// that its last fields, where tags stand, are not seen: bracket text when
/// an opener is seen, an error when the line holds a tab (columns) or no
/// space at all (one enormous token), else bracket text; `None` when the
/// prefix holds a complete line.
fn long_first_line(prefix: &Prefix<'_>) -> Result<Option<Format>> {
    let bytes = prefix.bytes;
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if memchr::memchr(b'\n', &bytes[first..]).is_some() || bytes.len() < 4096 {
        return Ok(None);
    }
    let columns = Columns::of(&prefix.text);
    if columns.bracketed > 0 {
        return Ok(Some(text_format()));
    }
    let why = if memchr::memchr(b'\t', bytes).is_some() {
        "holds tabs, as columns do"
    } else if memchr::memchr(b' ', &bytes[first..]).is_none() {
        "holds no space, as one enormous token would"
    } else {
        return Ok(Some(text_format()));
    };
    Err(Error::parse(
        Position::new(1, 1, 0),
        ParseErrorKind::Other(format!(
            "the first line is longer than the {} KiB that detection looks at and {why}, \
             so its format cannot be told",
            bytes.len() / 1024
        )),
    )
    .with_hint(Hint::NameTheFormat))
}

/// The format of text no other rule takes.
fn text_format() -> Format {
    Format::all()
        .find(|f| matches!(f.0.detect, Rule::Text))
        .unwrap_or(Format::BRACKET)
}

fn unknown_json(what: &str, record: &Record, known: &str) -> Error {
    let keys = record.keys();
    let seen = if keys.is_empty() && !record.kind.is_empty() && record.kind != "object" {
        format!("its first value is a JSON {}", record.kind)
    } else if keys.is_empty() {
        "no keys seen".to_string()
    } else {
        format!("keys seen: {}", keys.join(", "))
    };
    Error::parse(
        Position::new(1, 1, 0),
        ParseErrorKind::Other(format!(
            "the input looks like {what} but of no layout nerkit reads ({seen}); \
             nerkit reads {known}"
        )),
    )
    .with_hint(Hint::NameTheFormat)
}

/// JSON lines of tokens and tags (`tokens` a list of strings; `tags` or
/// Hugging Face's `ner_tags`).
pub fn tokens_and_tags(r: &Record) -> bool {
    r.has("tokens")
        && !r.has("tokens[]:object")
        && (r.has("tags") || r.has("ner_tags") || !r.complete)
}

/// Span documents: `text` and nerkit's `entities` (objects with `start`,
/// or `[start, end, label]` arrays), or nothing else to go by.
pub fn text_and_entities(r: &Record) -> bool {
    r.has("text")
        && !r.has("data")
        && !r.has("spans")
        && !r.has("tokens")
        && !r.has("entities[].start_offset")
        && !label_studio_task(r)
        && (!r.has("label") || r.has("entities"))
}

/// doccano: `text` and `label` as `[start, end, label]` arrays, or
/// `entities` with `start_offset` and `end_offset`.
pub fn doccano(r: &Record) -> bool {
    r.has("text")
        && !label_studio_task(r)
        && (r.has("entities[].start_offset") || (r.has("label") && !r.has("entities")))
}

/// Prodigy and spaCy JSON lines: `text` and `spans`, or Prodigy's tokens
/// (objects).
pub fn prodigy(r: &Record) -> bool {
    r.has("text") && (r.has("spans") || r.has("tokens[]:object"))
}

/// A Label Studio task (`data` and `annotations` or `predictions`), or a
/// JSON-MIN row: `text` and `annotation_id`, or a list of regions with
/// `labels` under the labeling config's name (`label`, `ner`, ...).
pub fn label_studio_task(r: &Record) -> bool {
    (r.has("data") && (r.has("annotations") || r.has("predictions")))
        || (r.has("text") && (r.has("annotation_id") || r.any(is_region)))
}

/// A path of a top-level list's regions' labels: `label[].labels`.
fn is_region(path: &str) -> bool {
    path.strip_suffix("[].labels")
        .is_some_and(|key| !key.contains(['.', '[']))
}

/// The first element of Label Studio's JSON or JSON-MIN export; an empty
/// array is an export of no tasks.
pub fn label_studio_array(r: Option<&Record>) -> bool {
    r.is_none_or(|r| label_studio_task(r) || (r.has("text") && !r.has("entities")))
}

/// CoNLL-U with NER tags under a key of its MISC column: ten
/// tab-separated columns, the first a word id. (CoNLL-U without them is
/// refused: see [`detect`].)
pub fn conllu(c: &Columns, p: &Prefix<'_>) -> bool {
    c.is_conllu() && c.conllu_misc_has_tags() && p.tag_column.is_none()
}

/// Columns of which one holds tags of any style (the last, the one given,
/// or the one before a last column of probabilities), or nothing but a
/// `-DOCSTART-` line.
pub fn columns_with_tags(c: &Columns, p: &Prefix<'_>) -> bool {
    c.tag_column(p.tag_column).is_some()
        || (c.lines == 0 && p.text.trim_start().starts_with("-DOCSTART-"))
}
