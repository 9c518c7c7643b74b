//! Label Studio: the tasks of its JSON, JSON-MIN and JSONL exports, read;
//! its import layout with pre-annotations (`predictions`), written, so that
//! model output can be loaded back into Label Studio.
//!
//! ```text
//! [{"id": 1,
//!   "data": {"text": "Ryan Crocker met Musharraf."},
//!   "annotations": [{"was_cancelled": false,
//!                    "result": [{"from_name": "label", "to_name": "text", "type": "labels",
//!                                "value": {"start": 0, "end": 12, "text": "Ryan Crocker", "labels": ["PER"]}}]}],
//!   "predictions": []}]
//! ```
//!
//! # Reading
//!
//! The input is one JSON array of tasks (the JSON and JSON-MIN exports),
//! read one task at a time in the memory of one task, or one task per line
//! (JSONL). A task with `data` is a full task:
//!
//! - The text is `data.text`, or the only string member of `data` when it
//!   has no `text`. `data`'s other members are kept (as a `data` member of
//!   [`Sentence::extra_json`](crate::Sentence::extra_json)), and so are the
//!   task's members other than `annotations`, `predictions` and `drafts`.
//! - The spans are the `result` items of type `labels` of the task's
//!   `annotations`; one span per label when a region has several. Items of
//!   other types (`relation`, `choices`, `textarea`, `hypertextlabels`, ...)
//!   carry no span of the text and are skipped and counted
//!   ([`Reader::skipped_results`]). Annotations with `was_cancelled` (the
//!   annotator skipped the task) are skipped and counted
//!   ([`Reader::cancelled_annotations`]).
//! - A task with several annotations is read as [`Annotation`] says: by
//!   default it is an error when they differ (it names the choice); `first`
//!   or `last` reads one, `all` their union, whose overlaps the
//!   [`Overlaps`](crate::spans::Overlaps) rule resolves. Annotations that
//!   agree are read once.
//! - `predictions` are read only when a task has no `annotations` member
//!   at all: that is the import layout ([`Writer`] writes it), and a model's
//!   predictions are not annotations of a task that has them.
//!
//! A JSON-MIN row has no `data`: its text is its `text` member, its spans
//! the members that are lists of regions (`{"start", "end", "text",
//! "labels"}`, under the name of the labeling control, `label` in the
//! default template); all its other members (`id`, `annotator`, ...) are
//! kept. JSON-MIN has one row per annotation; rows are read as they come.
//!
//! Offsets count code points by default. Label Studio's editor counted
//! UTF-16 code units (JavaScript string indices) until label-studio-frontend
//! #308 (2022) made it store code points (label-studio #1347, #1559, #4988);
//! exports made before that count UTF-16 code units past an emoji. Every
//! span's `text` is checked against the text at its offsets, and a
//! difference that another unit explains is an error naming that unit
//! (`--offsets utf16`).
//!
//! Alignment to tokens and sentences work as for span files (see
//! [`spans`](crate::spans)).
//!
//! # Writing
//!
//! One JSON array of tasks: `data.text` (and the `data` members kept from
//! a Label Studio input), the task's `meta` (its other members, such as
//! `id`, dates and users, are left out: the import would take them for the
//! new task's), and one prediction
//! whose `result` has an item per entity with `from_name` `label`,
//! `to_name` `text` and `type` `labels`: the names of Label Studio's
//! "Named Entity Recognition" template (`<Labels name="label"
//! toName="text">`, `<Text name="text" value="$text">`).

mod read;
mod write;

pub use read::{Annotation, ReadOptions, Reader};
pub use write::Writer;
