//! Prodigy (and spaCy) JSONL: a text, its tokens and its spans, read and
//! written.
//!
//! ```text
//! {"text": "Ryan Crocker met Musharraf.",
//!  "tokens": [{"text": "Ryan", "start": 0, "end": 4, "id": 0, "ws": true}, ...],
//!  "spans": [{"start": 0, "end": 12, "token_start": 0, "token_end": 1, "label": "PER"}],
//!  "_input_hash": 1, "_task_hash": 2, "answer": "accept"}
//! ```
//!
//! Offsets count code points (Python `str` indices); `token_end` is
//! inclusive, as Prodigy writes it.
//!
//! # Reading
//!
//! When a task has `tokens`, they are the tokens: Prodigy's (spaCy's)
//! tokenization is kept rather than redone, and spans are aligned to it.
//! Tokens must be in order and their `text`, when given, must be the text
//! at their offsets; whitespace tokens (spaCy makes one of each extra
//! space) stay in the text between tokens. Without `tokens`, the text is
//! tokenized as span files are. A span without `start` and `end` is placed
//! by its `token_start` and `token_end`. Every other member (`meta`,
//! `_input_hash`, `_task_hash`, `answer`, ...) is kept as written; tasks
//! are read whatever their `answer` (filter rejected ones before, if they
//! should not count). Alignment and sentences work as for span files (see
//! [`spans`](crate::spans)).
//!
//! # Writing
//!
//! `text`, `tokens` (`text`, `start`, `end`, `id`, `ws`), `spans`
//! (`start`, `end`, `token_start`, `token_end`, `label`) and the kept
//! members.

mod read;
mod write;

pub use read::Reader;
pub use write::Writer;
