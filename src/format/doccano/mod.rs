//! doccano: the JSONL of its sequence-labeling projects, read and written.
//!
//! ```text
//! {"id": 7, "text": "Ryan Crocker met Musharraf.", "label": [[0, 12, "PER"]], "Comments": []}
//! {"id": 8, "text": "Ryan Crocker met Musharraf.", "entities": [{"id": 1, "label": "PER", "start_offset": 0, "end_offset": 12}], "relations": []}
//! ```
//!
//! The first line is doccano's import layout and its export before 1.7;
//! the second its export with relations enabled (1.7 and later). Offsets
//! count code points (Python `str` indices).
//!
//! # Reading
//!
//! The spans are `label` (`[start, end, label]`) or `entities` (objects
//! with `start_offset`, `end_offset` and `label`); a line with both is an
//! error. `relations` link entities by their ids, which a tagged format
//! has no place for: they are dropped and counted
//! ([`Reader::relations_dropped`]). The entities' own `id`s are not kept.
//! Every other member (`id`, `Comments`, `meta`, ...) is kept as written.
//! Alignment to tokens and sentences work as for span files (see
//! [`spans`](crate::spans)).
//!
//! # Writing
//!
//! The import layout: `text`, `label` as `[start, end, label]` in code
//! points, and the kept members.

mod read;
mod write;

pub use read::Reader;
pub use write::Writer;
