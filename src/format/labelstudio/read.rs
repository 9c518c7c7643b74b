//! Reading Label Studio tasks.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Hint, Result};
use crate::format::json::{self, Str};
use crate::format::spans::document::{DocBuf, Docs, Layout};
use crate::format::spans::parse::{self, LayoutError};
use crate::repair::Repair;
use crate::sentence::Sentence;

/// Which annotation of a task with several is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Annotation {
    /// An error when a task's annotations differ (the default): which one
    /// is right is the user's call.
    #[default]
    Error,
    /// The first annotation not cancelled.
    First,
    /// The last annotation not cancelled (the latest, in Label Studio's
    /// order).
    Last,
    /// The union of all annotations not cancelled; overlaps are resolved
    /// by [`Overlaps`](crate::spans::Overlaps).
    All,
}

impl std::str::FromStr for Annotation {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Annotation, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" | "strict" => Ok(Annotation::Error),
            "first" => Ok(Annotation::First),
            "last" => Ok(Annotation::Last),
            "all" | "union" => Ok(Annotation::All),
            _ => Err(format!(
                "unknown annotation choice \"{s}\" (expected error, first, last or all)"
            )),
        }
    }
}

/// Options for reading Label Studio exports.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Tokenizer, offsets (code points by default), alignment, overlaps
    /// and sentences, as for span files.
    pub spans: crate::spans::ReadOptions,
    /// Which annotation of a task with several is read.
    pub annotation: Annotation,
}

#[derive(Deserialize)]
struct Task<'a> {
    #[serde(borrow, default)]
    result: Option<Vec<Item<'a>>>,
    #[serde(default)]
    was_cancelled: Option<bool>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Str<'a>>,
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Region<'a> {
    start: u64,
    end: u64,
    #[serde(borrow, default)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    labels: Vec<Str<'a>>,
}

/// The layout of Label Studio tasks.
#[derive(Debug, Default)]
pub(crate) struct TaskLayout {
    annotation: Annotation,
    skipped_results: u64,
    cancelled: u64,
    /// Spans per annotation, for comparing them.
    groups: Vec<Vec<(u64, u64, String)>>,
}

impl TaskLayout {
    /// Adds the regions of `region` (a `value` of type `labels`) to `doc`.
    fn push_region(doc: &mut DocBuf, region: Region<'_>, group: u32) {
        for label in &region.labels {
            doc.push_span(region.start, region.end, label);
            let s = doc.spans.last_mut().expect("pushed");
            s.group = group;
            if let Some(t) = &region.text {
                let start = doc.strings.len();
                doc.strings.push_str(t);
                let s = doc.spans.last_mut().expect("pushed");
                s.text = Some(crate::Span::new(start, doc.strings.len()));
            }
        }
    }

    /// Reads the `annotations` (or `predictions`) list `raw`.
    fn read_results(
        &mut self,
        value: &[u8],
        raw: &RawValue,
        key: &str,
        doc: &mut DocBuf,
    ) -> std::result::Result<Vec<u32>, LayoutError> {
        let tasks: Vec<Task<'_>> = parse::typed(value, raw).map_err(|mut e| {
            e.message = format!(
                "\"{key}\" must be a list of objects with \"result\": {}",
                e.message
            );
            e
        })?;
        let mut live = Vec::new();
        for (g, task) in tasks.into_iter().enumerate() {
            if task.was_cancelled == Some(true) {
                self.cancelled += 1;
                continue;
            }
            live.push(g as u32);
            for item in task.result.unwrap_or_default() {
                let labels = item.kind.as_deref().is_none_or(|k| k == "labels");
                let Some(v) = item.value.filter(|_| labels) else {
                    self.skipped_results += 1;
                    continue;
                };
                let region: Region<'_> = parse::typed(value, v).map_err(|mut e| {
                    e.message = format!(
                        "a \"labels\" result of \"{key}\" needs \"start\", \"end\" and \"labels\": {}",
                        e.message
                    );
                    e
                })?;
                Self::push_region(doc, region, g as u32);
            }
        }
        Ok(live)
    }

    /// Keeps the spans of the annotations chosen.
    fn choose(&mut self, doc: &mut DocBuf, live: &[u32]) -> std::result::Result<(), LayoutError> {
        let keep: Option<u32> = match (self.annotation, live) {
            (_, []) | (_, [_]) | (Annotation::All, _) => None,
            (Annotation::First, [first, ..]) => Some(*first),
            (Annotation::Last, [.., last]) => Some(*last),
            (Annotation::Error, [first, ..]) => {
                // Annotations that agree are read once.
                for g in &mut self.groups {
                    g.clear();
                }
                self.groups.resize_with(live.len(), Vec::new);
                for s in &doc.spans {
                    if let Some(k) = live.iter().position(|&g| g == s.group) {
                        self.groups[k].push((s.start, s.end, doc.label(s).to_string()));
                    }
                }
                for g in &mut self.groups[..live.len()] {
                    g.sort();
                }
                if let Some(k) = (1..live.len()).find(|&k| self.groups[k] != self.groups[0]) {
                    return Err(LayoutError {
                        at: 0,
                        message: format!(
                            "the task has {} annotations that differ (annotation {} has {} spans, annotation {} has {}{})",
                            live.len(),
                            live[0] + 1,
                            self.groups[0].len(),
                            live[k] + 1,
                            self.groups[k].len(),
                            if self.groups[0].len() == self.groups[k].len() { ", not the same" } else { "" }
                        ),
                        hint: Some(Hint::ChooseAnAnnotation),
                    });
                }
                Some(*first)
            }
        };
        if let Some(g) = keep {
            doc.spans.retain(|s| s.group == g);
        }
        Ok(())
    }
}

/// Reads the text from `data`; its other members go to `extra` as a
/// `data` member.
fn read_data(
    value: &[u8],
    raw: &RawValue,
    doc: &mut DocBuf,
) -> std::result::Result<(), LayoutError> {
    let data = parse::members(raw.get().as_bytes(), "\"data\"").map_err(|e| LayoutError {
        at: e.at + (raw.get().as_ptr() as usize - value.as_ptr() as usize),
        ..e
    })?;
    let text_at = data.0.iter().position(|(k, _)| &**k == "text").or_else(|| {
        let strings: Vec<usize> = (data.0.iter().enumerate())
            .filter(|(_, (_, v))| v.get().starts_with('"'))
            .map(|(i, _)| i)
            .collect();
        (strings.len() == 1).then(|| strings[0])
    });
    let Some(t) = text_at else {
        return Err(LayoutError::at(
            value,
            raw,
            "\"data\" has no \"text\" string (nor a single string member to take as the text)",
        ));
    };
    doc.text
        .push_str(&parse::string(value, data.0[t].1, "text")?);
    doc.has_text = true;
    let mut others = String::new();
    for (i, (k, v)) in data.0.iter().enumerate() {
        if i != t {
            json::push_member(&mut others, k, v);
        }
    }
    if !others.is_empty() {
        if !doc.extra.is_empty() {
            doc.extra.push(',');
        }
        doc.extra.push_str("\"data\":{");
        doc.extra.push_str(&others);
        doc.extra.push('}');
    }
    Ok(())
}

impl Layout for TaskLayout {
    fn parse(&mut self, value: &[u8], doc: &mut DocBuf) -> std::result::Result<(), LayoutError> {
        let object = parse::members(value, "a Label Studio task")?;
        let full = object
            .0
            .iter()
            .any(|(k, _)| matches!(&**k, "data" | "annotations" | "predictions"));
        let (mut annotations, mut predictions) = (None, None);
        let mut regions = Vec::new();
        for (key, raw) in &object.0 {
            match (&**key, full) {
                ("data", true) => read_data(value, raw, doc)?,
                ("annotations", _) => annotations = Some(*raw),
                ("predictions", _) => predictions = Some(*raw),
                ("drafts", true) => {}
                ("text", false) => {
                    doc.text.push_str(&parse::string(value, raw, "text")?);
                    doc.has_text = true;
                }
                (_, false) if raw.get().starts_with('[') && is_regions(raw) => regions.push(*raw),
                _ => json::push_member(&mut doc.extra, key, raw),
            }
        }
        if !doc.has_text {
            return Err(LayoutError::whole(if full {
                "a Label Studio task needs \"data\" with the text"
            } else {
                "no \"text\" string (a JSON-MIN row has the task's text as \"text\")"
            }));
        }
        if full {
            let (raw, key) = match (annotations, predictions) {
                (Some(a), _) => (a, "annotations"),
                (None, Some(p)) => (p, "predictions"),
                (None, None) => return Ok(()),
            };
            let live = self.read_results(value, raw, key, doc)?;
            self.choose(doc, &live)?;
        } else {
            for raw in regions {
                let list: Vec<Region<'_>> = parse::typed(value, raw)?;
                for r in list {
                    Self::push_region(doc, r, 0);
                }
            }
        }
        Ok(())
    }
}

/// True for a JSON-MIN member that is a list of regions.
fn is_regions(raw: &RawValue) -> bool {
    matches!(
        serde_json::from_str::<Vec<Region<'_>>>(raw.get()),
        Ok(list) if !list.is_empty()
    )
}

/// Reads Label Studio exports one task (document) at a time.
///
/// # Example
/// ```
/// use nerkit::labelstudio::{Reader, ReadOptions};
/// use nerkit::Sentence;
///
/// let export = r#"[{"id": 1, "data": {"text": "Ryan Crocker met Musharraf."},
///   "annotations": [{"result": [{"type": "labels", "from_name": "label", "to_name": "text",
///     "value": {"start": 0, "end": 12, "text": "Ryan Crocker", "labels": ["PER"]}}]}]}]"#;
/// let mut reader = Reader::new(export.as_bytes(), ReadOptions::default());
/// let mut s = Sentence::new();
/// assert!(reader.read_sentence(&mut s)?);
/// assert_eq!(s.entity(0).label, "PER");
/// assert_eq!(s.extra_json(), Some(r#""id":1"#));
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reader<R> {
    docs: Docs<R, TaskLayout>,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        let layout = TaskLayout {
            annotation: opts.annotation,
            ..TaskLayout::default()
        };
        Reader {
            docs: Docs::new(inner, layout, opts.spans.doc()),
        }
    }

    /// Spans read so far (one per label of a region), kept or not.
    pub fn spans_read(&self) -> u64 {
        self.docs.spans_read()
    }

    /// Result items skipped because they are not of type `labels`
    /// (relations, choices, ...).
    pub fn skipped_results(&self) -> u64 {
        self.docs.layout.skipped_results
    }

    /// Annotations skipped because they were cancelled.
    pub fn cancelled_annotations(&self) -> u64 {
        self.docs.layout.cancelled
    }

    /// Repairs (moved and dropped spans) since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.docs.take_repairs()
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end.
    ///
    /// # Errors
    /// I/O errors, values that are not tasks, offsets out of range or
    /// whose text differs from the region's, annotations that differ
    /// (unless [`ReadOptions::annotation`] chooses), and misaligned or
    /// overlapping spans (unless allowed), with the place.
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
