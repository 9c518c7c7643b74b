//! [`Converter`]: inputs of any format to one output, on one thread or
//! several, choosing the fastest route that writes what the general route
//! ([`super::copy_sentences`]) writes.
//!
//! The routes, from the most general:
//!
//! 1. Sentence by sentence: a reader of the input's format fills a
//!    [`crate::Sentence`], a writer writes it ([`super::copy_sentences`]).
//!    A line of bracket text longer than [`crate::bracket::PIECE_BYTES`]
//!    is read and written in pieces ([`crate::Piece`]), so that memory is
//!    bounded on one enormous line too (proven equal to the line read
//!    whole in `tests/long_lines.rs`).
//! 2. Bracket text to CoNLL: the fused route writes tokens and tags
//!    straight from the input bytes (`bracket::Reader::copy_to_conll`),
//!    falling back to route 1 line by line where it cannot prove it writes
//!    the same bytes.
//! 3. Threads (formats that can be cut, tagged outputs): the input is cut
//!    into chunks at places where a reader may start afresh, each chunk is
//!    converted to memory by route 1 or 2, and the outputs are written in
//!    input order. A regular file of bracket text or CoNLL is cut by
//!    offset, each thread reading its own stretch.
//!
//! Each route is proven equal to route 1 by property tests (the fused route
//! in `bracket`, the threads in `tests/convert.rs`).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::parallel::{
    self, BufferPool, ChunkOutput, ChunkStart, Chunker, Pipeline, Pooled, Redo, Stretch,
};
use super::{copy_sentences, SentenceWriter, Summary};
use crate::error::{Error, Result};
use crate::format::{self, Format, InputFacts, InputReader, ReadOptions, WriteOptions};
use crate::html::HtmlMode;
use crate::span::Position;
use crate::{bracket, conll, jsonl, spans, OffsetUnit, Repair};

pub use super::parallel::CHUNK_BYTES;

/// How much of the start of an input decides, for every chunk, what a
/// one-thread reader decides from the start (whether HTML is stripped).
const SAMPLE_BYTES: usize = 64 * 1024;

/// One input of a conversion: a reader, or a way to open one when the
/// conversion gets to it (so that a thousand files are not all open at
/// once).
pub struct Input {
    /// The name messages give it (a path, or `<stdin>`).
    name: PathBuf,
    /// The length of the input when it is a regular file.
    len: Option<u64>,
    source: Source,
}

enum Source {
    Open {
        reader: Box<dyn BufRead>,
        /// The file again, when it is a regular file: threads may then
        /// read their own stretches of it.
        file: Option<File>,
    },
    Later(Box<dyn FnOnce() -> Result<Input>>),
}

impl Input {
    /// An input read from `reader`, named `name` in messages.
    pub fn new(name: impl Into<PathBuf>, reader: Box<dyn BufRead>) -> Input {
        Input {
            name: name.into(),
            len: None,
            source: Source::Open { reader, file: None },
        }
    }

    /// An input that `open` opens when the conversion gets to it; `len`
    /// is its length when it is a regular file.
    pub fn later(
        name: impl Into<PathBuf>,
        len: Option<u64>,
        open: impl FnOnce() -> Result<Input> + 'static,
    ) -> Input {
        Input {
            name: name.into(),
            len,
            source: Source::Later(Box::new(open)),
        }
    }

    /// Also gives the input's regular file and its length, which threads
    /// may read by offset instead of through the reader.
    pub fn with_file(mut self, file: File, len: u64) -> Input {
        self.len = Some(len);
        if let Source::Open { file: f, .. } = &mut self.source {
            *f = Some(file);
        }
        self
    }

    /// The name messages give the input.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// The input opened: its name, reader and, for a regular file, the
    /// file and its length.
    fn open(self) -> Result<Opened> {
        match self.source {
            Source::Open { reader, file } => Ok(Opened {
                name: self.name,
                reader,
                file: file.zip(self.len),
            }),
            Source::Later(open) => open()?.open(),
        }
    }

    /// The reader of the input, opened.
    ///
    /// # Errors
    /// When it cannot be opened.
    pub fn into_reader(self) -> Result<Box<dyn BufRead>> {
        Ok(self.open()?.reader)
    }
}

/// An input, opened.
struct Opened {
    name: PathBuf,
    reader: Box<dyn BufRead>,
    file: Option<(File, u64)>,
}

/// What a conversion tells its caller as it goes.
pub trait Observer {
    /// A repair made in `input` (with `--lenient` reading).
    fn repair(&mut self, input: &Path, repair: &Repair) {
        let _ = (input, repair);
    }

    /// `done` of the `total` bytes of `input` are converted; called only
    /// where the converter reads the input itself (threads reading
    /// stretches of a file), since other reads go through the caller's
    /// reader.
    fn progress(&mut self, input: &Path, done: u64, total: u64) {
        let _ = (input, done, total);
    }
}

/// An observer that ignores everything.
impl Observer for () {}

/// What a conversion read, wrote and found out.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// The counts.
    pub summary: Summary,
    /// The input formats, each with whether it was detected.
    pub formats: BTreeSet<(String, bool)>,
    /// The input tag schemes, each with whether it was detected.
    pub schemes: BTreeSet<(String, bool)>,
    /// HTML was stripped from some bracket input.
    pub html_stripped: bool,
    /// Spans in spans inputs, kept or not.
    pub spans: Option<u64>,
    /// The input tag styles (CoNLL, JSON lines), each with whether it was
    /// detected.
    pub tag_styles: BTreeSet<(String, bool)>,
    /// Some CoNLL line had a number after its tag, passed over
    /// ([`InputFacts::score_column`]).
    pub score_column: bool,
    /// CoNLL-U multiword-token and empty-node lines passed over.
    pub skipped_lines: u64,
    /// The threads the conversion ran on.
    pub threads: usize,
    /// Why fewer threads ran than were asked for (or than the cores, by
    /// default), if they did.
    pub threads_limited: Option<ThreadLimit>,
    /// Every input was read to its end and every sentence counted: set
    /// before the output's last flush, so that a caller whose output went
    /// away at that flush (a closed pipe) still has whole counts to check.
    pub complete: bool,
}

/// What held the threads of a conversion below those asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ThreadLimit {
    /// The output cannot be written by several threads (only tagged
    /// outputs can: CoNLL and JSON lines).
    Output,
    /// The machine has this many cores.
    Cores(usize),
    /// Other processes keep cores busy: the load average (over a minute)
    /// left this many free.
    Busy {
        /// Cores free.
        free: usize,
        /// The one-minute load average.
        load: f64,
    },
    /// The inputs make this many chunks.
    Chunks(u64),
    /// By default, one thread for inputs smaller than
    /// [`MIN_BYTES_PER_THREAD`] per thread.
    Small,
}

impl std::fmt::Display for ThreadLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThreadLimit::Output => f.write_str("only CoNLL and JSON lines output run on threads"),
            ThreadLimit::Cores(n) => write!(f, "the machine has {n} cores"),
            ThreadLimit::Busy { free, load } => write!(
                f,
                "other processes keep cores busy (load average {load:.1}): {free} free"
            ),
            ThreadLimit::Chunks(1) => f.write_str("the input makes one chunk"),
            ThreadLimit::Chunks(n) => write!(f, "the input makes {n} chunks"),
            ThreadLimit::Small => write!(
                f,
                "inputs under {} MiB a thread take one thread by default",
                MIN_BYTES_PER_THREAD >> 20
            ),
        }
    }
}

/// By default, a thread is started for every this many bytes of input
/// (when the sizes are known): below it, starting threads and cutting
/// chunks costs more than it gains.
pub const MIN_BYTES_PER_THREAD: u64 = 8 << 20;

/// The cores not kept busy by other processes: the cores less the
/// one-minute load average (rounded down), at least one. Threads on cores
/// that are busy slow a conversion down (CoNLL input with two threads took
/// 1.45x the time of one beside a busy core), so threads are only started
/// on cores that look free. Where the load average cannot be read (not
/// Linux), every core counts as free.
fn free_cores(cores: usize) -> (usize, Option<f64>) {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok());
    match load {
        Some(load) if load.is_finite() && load >= 0.0 => {
            let busy = load.floor() as usize;
            (cores.saturating_sub(busy).max(1), Some(load))
        }
        _ => (cores, None),
    }
}

impl Report {
    /// Adds what another report found out about its inputs (not its
    /// counts).
    fn add_seen(&mut self, other: &Report) {
        self.formats.extend(other.formats.iter().cloned());
        self.schemes.extend(other.schemes.iter().cloned());
        self.html_stripped |= other.html_stripped;
        if let Some(n) = other.spans {
            *self.spans.get_or_insert(0) += n;
        }
        self.tag_styles.extend(other.tag_styles.iter().cloned());
        self.score_column |= other.score_column;
        self.skipped_lines += other.skipped_lines;
    }

    fn add_facts(&mut self, facts: &InputFacts) {
        if let Some((scheme, detected)) = facts.scheme {
            self.schemes.insert((scheme.to_string(), detected));
        }
        self.html_stripped |= facts.html_stripped;
        if let Some(n) = facts.spans {
            *self.spans.get_or_insert(0) += n;
        }
        if let Some((style, detected)) = facts.tag_style {
            self.tag_styles.insert((style.to_string(), detected));
        }
        self.score_column |= facts.score_column;
        self.skipped_lines += facts.skipped_lines;
    }
}

/// Converts inputs of any registered format to one output.
///
/// # Example
///
/// ```
/// use nerkit::convert::{Converter, Input, Report};
/// use nerkit::format::{Format, WriteOptions};
/// use nerkit::TagScheme;
///
/// let text = "Ambassador [PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n";
/// let converter = Converter::new()
///     .to(Format::JSONL)
///     .write_options(WriteOptions::default().scheme(TagScheme::Iobes))
///     .threads(2);
/// let mut out = Vec::new();
/// let mut report = Report::default();
/// let input = Input::new("cable.txt", Box::new(text.as_bytes()));
/// converter.convert(vec![input], &mut out, &mut report, &mut ())?;
/// assert!(String::from_utf8(out).unwrap().contains("\"S-LOC\""));
/// assert!(report.summary.entities_match());
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Converter {
    from: Option<Format>,
    read: ReadOptions,
    to: Format,
    write: WriteOptions,
    threads: usize,
    load_aware: bool,
    chunk_size: usize,
}

impl Default for Converter {
    fn default() -> Converter {
        Converter::new()
    }
}

impl Converter {
    /// A converter that detects each input's format and writes CoNLL IOB2
    /// on one thread.
    pub fn new() -> Converter {
        Converter {
            from: None,
            read: ReadOptions {
                piece_bytes: Some(bracket::PIECE_BYTES),
                ..ReadOptions::default()
            },
            to: Format::CONLL,
            write: WriteOptions::default(),
            threads: 1,
            load_aware: true,
            chunk_size: CHUNK_BYTES,
        }
    }

    /// Reads every input as `format`, instead of detecting it.
    pub fn from(mut self, format: Format) -> Converter {
        self.from = Some(format);
        self
    }

    /// How inputs are read. A line of bracket text longer than
    /// [`ReadOptions::piece_bytes`] ([`bracket::PIECE_BYTES`] when not set)
    /// is read and written in pieces, in memory bounded by that size.
    pub fn read_options(mut self, opts: ReadOptions) -> Converter {
        self.read = opts;
        self.read.piece_bytes = self.read.piece_bytes.or(Some(bracket::PIECE_BYTES));
        self
    }

    /// The output format.
    pub fn to(mut self, format: Format) -> Converter {
        self.to = format;
        self
    }

    /// How the output is written.
    pub fn write_options(mut self, opts: WriteOptions) -> Converter {
        self.write = opts;
        self
    }

    /// The most threads to run on; 0 for one per core. Never more than the
    /// cores, nor more than the chunks the inputs make when their sizes
    /// are known.
    pub fn threads(mut self, n: usize) -> Converter {
        self.threads = n;
        self
    }

    /// Whether threads are held to the cores other processes leave free,
    /// by the load average (true by default). Off, the cores count as
    /// free: for tests and benchmarks that must run a given number of
    /// threads on a busy machine.
    pub fn load_aware(mut self, yes: bool) -> Converter {
        self.load_aware = yes;
        self
    }

    /// The size of the chunks an input is cut into for threads (about
    /// [`CHUNK_BYTES`] by default).
    pub fn chunk_size(mut self, bytes: usize) -> Converter {
        self.chunk_size = bytes.max(1);
        self
    }

    /// The threads a conversion of `inputs` runs on, and what held them
    /// below those asked for (the cores by default).
    ///
    /// The rule, documented in the README: never more than the cores, nor
    /// than the cores other processes leave free (by the load average), nor
    /// than the chunks the inputs make; by default, also no more than one
    /// thread for every [`MIN_BYTES_PER_THREAD`] of input of known size.
    fn thread_count(&self, inputs: &[Input]) -> (usize, Option<ThreadLimit>) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let asked = match self.threads {
            0 => cores,
            n => n,
        };
        // Only tagged outputs have no state across sentences, so that each
        // chunk can have a writer of its own.
        if self.to != Format::CONLL && self.to != Format::JSONL {
            return (1, (asked > 1).then_some(ThreadLimit::Output));
        }
        let mut n = asked;
        let mut limit = None;
        let mut cap = |n: &mut usize, to: usize, why: ThreadLimit| {
            if to < *n {
                *n = to;
                limit = Some(why);
            }
        };
        cap(&mut n, cores, ThreadLimit::Cores(cores));
        if n > 1 && self.load_aware {
            if let (free, Some(load)) = free_cores(cores) {
                cap(&mut n, free, ThreadLimit::Busy { free, load });
            }
        }
        // A thread with no chunk to convert only costs its start.
        let known: Option<u64> = inputs
            .iter()
            .map(|i| i.len)
            .try_fold(0u64, |sum, len| Some(sum.saturating_add(len?)));
        if let Some(bytes) = known {
            let chunks: u64 = inputs
                .iter()
                .map(|i| i.len.unwrap_or(0).div_ceil(self.chunk_size as u64).max(1))
                .sum();
            cap(
                &mut n,
                usize::try_from(chunks).unwrap_or(usize::MAX).max(1),
                ThreadLimit::Chunks(chunks),
            );
            if self.threads == 0 {
                let by_size = usize::try_from(bytes / MIN_BYTES_PER_THREAD).unwrap_or(usize::MAX);
                cap(&mut n, by_size.max(1), ThreadLimit::Small);
            }
        }
        // By default the cores are the expectation, not a request: say why
        // fewer ran only when the user asked for more.
        let limit = if self.threads == 0 && n >= cores {
            None
        } else {
            limit
        };
        (n, limit)
    }

    /// Converts `inputs` in order to `out`, counting into `report` and
    /// telling `observer` of repairs and progress as they happen.
    ///
    /// # Errors
    /// The first error of a reader (with the input's name) or of the
    /// output. The counts in `report` are then those of what was
    /// converted before it.
    pub fn convert(
        &self,
        inputs: Vec<Input>,
        out: &mut dyn Write,
        report: &mut Report,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let (threads, limited) = self.thread_count(&inputs);
        report.threads = threads;
        report.threads_limited = limited;
        if threads <= 1 {
            let mut writer = AnyWriter::new(self.to, &self.write, out)?;
            for input in inputs {
                self.convert_sequential(input.open()?, self.from, &mut writer, report, observer)?;
            }
            report.complete = true;
            return writer.finish();
        }
        let mut pipeline = Pipeline::new(threads)?;
        let pools = Pools::default();
        // Told of repairs as chunks are delivered and of progress as
        // stretches are handed out, one after the other.
        let observer = RefCell::new(observer);
        let mut delivery = Delivery {
            out: &mut *out,
            summary: &mut report.summary,
            names: inputs.iter().map(|i| i.name.clone()).collect(),
            pool: pools.outputs.clone(),
            source: None,
            next_line: 1,
            document_start: {
                let mut bytes = Vec::new();
                AnyWriter::new(self.to, &self.write, &mut bytes)?.start_document()?;
                bytes
            },
            start_pending: None,
            failed: false,
        };
        // What is found out about the inputs, apart from the counts, which
        // the delivery adds up.
        let mut seen = Report::default();
        for (source, input) in inputs.into_iter().enumerate() {
            let step = (|| -> Result<()> {
                let mut input = input.open()?;
                let format = match self.from {
                    Some(f) => f,
                    None => format::detect_with(
                        input
                            .reader
                            .fill_buf()
                            .map_err(|e| Error::from(e).with_path(&input.name))?,
                        &self.read,
                    )
                    .map_err(|e| e.with_path(&input.name))?,
                };
                match format.chunks(&self.read) {
                    Some(_) => {
                        seen.formats
                            .insert((format.name().to_owned(), self.from.is_none()));
                        let found = self.convert_chunked(
                            input,
                            format,
                            source,
                            &mut pipeline,
                            &pools,
                            &mut delivery,
                            &observer,
                        )?;
                        seen.add_facts(&found);
                    }
                    None => {
                        pipeline.finish(&mut |o| delivery.deliver(o, *observer.borrow_mut()))?;
                        let mut writer = AnyWriter::new(self.to, &self.write, &mut *delivery.out)?;
                        let mut part = Report::default();
                        // Read as the format just detected, not detected again.
                        let result = self.convert_sequential(
                            input,
                            Some(format),
                            &mut writer,
                            &mut part,
                            *observer.borrow_mut(),
                        );
                        // Counted before an error too, as on one thread.
                        delivery.summary.merge(&part.summary);
                        seen.add_seen(&part);
                        result?;
                        writer.finish()?;
                    }
                }
                Ok(())
            })();
            if let Err(e) = step {
                // One thread has written everything before the input that
                // failed (or before the failure in it) when it stops: so
                // do the threads, and an earlier error in what they
                // deliver comes first, as it would on one thread. An error
                // of a delivered chunk is the failure itself: what was
                // converted after it is not written.
                if !delivery.failed {
                    pipeline.finish(&mut |o| delivery.deliver(o, *observer.borrow_mut()))?;
                }
                return Err(e);
            }
        }
        pipeline.finish(&mut |o| delivery.deliver(o, *observer.borrow_mut()))?;
        report.add_seen(&seen);
        report.complete = true;
        // As the writers do at their end, so that the output comes before
        // a summary where both go to one terminal.
        out.flush().map_err(Error::from)
    }

    /// Converts one input on this thread, as `format` or the format its
    /// start shows.
    fn convert_sequential(
        &self,
        input: Opened,
        format: Option<Format>,
        writer: &mut AnyWriter<'_>,
        report: &mut Report,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let name = input.name;
        let (format, mut reader) =
            format::open(input.reader, format, &self.read).map_err(|e| e.with_path(&name))?;
        report
            .formats
            .insert((format.name().to_owned(), self.from.is_none()));
        let mut summary = Summary::default();
        let result = writer.copy(reader.as_mut(), &mut summary, &mut |r| {
            observer.repair(&name, r)
        });
        report.add_facts(&reader.facts());
        // What was converted before an error counts too, as with threads.
        report.summary.merge(&summary);
        result.map_err(|e| e.with_path(&name))
    }

    /// Converts one input cut into chunks on the pipeline's threads, and
    /// returns what was decided for all of them.
    #[allow(clippy::too_many_arguments)]
    fn convert_chunked(
        &self,
        input: Opened,
        format: Format,
        source: usize,
        pipeline: &mut Pipeline,
        pools: &Pools,
        delivery: &mut Delivery<'_>,
        observer: &RefCell<&mut dyn Observer>,
    ) -> Result<InputFacts> {
        let chunks = format
            .chunks(&self.read)
            .expect("called for formats that can be cut");
        let name = input.name.clone();
        let unit = self.read.offsets.unwrap_or(OffsetUnit::Bytes);
        // A regular file of bracket text with byte offsets, or of CoNLL
        // (whose readers count no offsets), is read by the threads
        // themselves, a stretch each, and the start of it here only for
        // what is decided once for the whole input.
        let positioned = input.file.filter(|_| {
            parallel::POSITIONED_READS
                && (format == Format::CONLL
                    || (format == Format::BRACKET && unit == OffsetUnit::Bytes))
        });
        // What a one-thread reader decides from the start of the input
        // (the CoNLL scheme from the first MiB, whether bracket text holds
        // HTML from the first 64 KiB) is decided here once, for every
        // chunk, from the same bytes, which are then read again. Chunks
        // may be shorter than that.
        let mut read = self.read.clone();
        let want = if format == Format::CONLL {
            conll::DETECT_BYTES
        } else {
            SAMPLE_BYTES
        };
        let mut prefix = Vec::new();
        let mut reader = input.reader;
        // CoNLL's detection looks at whole lines; bracket text's at a
        // sample of bytes, and only that is read here: a first line of
        // hundreds of MB (a document without line breaks) is streamed by
        // the chunks, not held.
        let read_error = |e: std::io::Error| Error::from(e).with_path(&name);
        if format == Format::CONLL {
            // Block by block (a line at a time took 3% of a two-thread
            // run before any thread started) up to the line end at or
            // after `want - 1`, where `settle` ends.
            let mut checked = want - 1;
            loop {
                let block = match reader.fill_buf() {
                    Ok(block) => block,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(read_error(e)),
                };
                if block.is_empty() {
                    break;
                }
                let n = block.len();
                prefix.extend_from_slice(block);
                reader.consume(n);
                if prefix.len() > checked {
                    if memchr::memchr(b'\n', &prefix[checked..]).is_some() {
                        break;
                    }
                    checked = prefix.len();
                }
            }
        }
        while format != Format::CONLL && prefix.len() < want {
            let step = std::io::Read::read_to_end(
                &mut std::io::Read::take(&mut reader, (want - prefix.len()) as u64),
                &mut prefix,
            );
            match step {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(read_error(e)),
            }
        }
        let facts = settle(format, &prefix, &mut read);
        let job = Arc::new(ChunkJob {
            format,
            cut: chunks.cut,
            read,
            to: self.to,
            write: self.write.clone(),
            pools: pools.clone(),
            source,
        });
        if let Some(file) = positioned {
            convert_stretches(
                &name,
                file,
                self.chunk_size,
                &job,
                pipeline,
                &mut |o| delivery.deliver(o, *observer.borrow_mut()),
                observer,
            )?;
            return Ok(facts);
        }
        let reader: Box<dyn BufRead> = Box::new(std::io::Cursor::new(prefix).chain(reader));
        let mut chunker =
            Chunker::new(reader, chunks.cut, self.chunk_size, unit).with_pool(pools.chunks.clone());
        if format == Format::BRACKET {
            chunker = chunker.stream_long_lines();
        }
        let io_error = |e: Error| e.with_path(&name);
        let Some((first, first_start)) = chunker.next_chunk().map_err(io_error)? else {
            return Ok(facts);
        };
        let mut next = Some((first, first_start));
        while let Some((chunk, start)) = next.take() {
            let task_job = Arc::clone(&job);
            pipeline.submit(
                move || convert_chunk(&task_job, chunk, 0, start),
                &mut |o| delivery.deliver(o, *observer.borrow_mut()),
            )?;
            if chunker.long_line_next() {
                // A line too long to gather into a chunk (a piped document
                // with no line break) is converted here, streaming, after
                // everything before it is written, as one thread does.
                pipeline.finish(&mut |o| delivery.deliver(o, *observer.borrow_mut()))?;
                let streamed = chunker
                    .with_long_line(|line, start| {
                        delivery.deliver_line(
                            source,
                            *observer.borrow_mut(),
                            &mut |document_start, out, on_repair| {
                                convert_line(
                                    &job,
                                    &mut *line,
                                    start,
                                    document_start,
                                    out,
                                    on_repair,
                                )
                            },
                        )
                    })
                    .map_err(io_error)?;
                if let Some(result) = streamed {
                    result?;
                }
            }
            next = chunker.next_chunk().map_err(io_error)?;
        }
        Ok(facts)
    }
}

/// Decides from the first chunk of an input what a one-thread reader
/// decides from the start of the input, for every chunk: the tag scheme of
/// CoNLL, whether HTML is stripped from bracket text.
fn settle(format: Format, first: &[u8], read: &mut ReadOptions) -> InputFacts {
    let mut facts = InputFacts::default();
    if format == Format::CONLL {
        // The same whole lines a one-thread reader detects from.
        let from = (conll::DETECT_BYTES - 1).min(first.len());
        let end = memchr::memchr(b'\n', &first[from..]).map_or(first.len(), |i| from + i + 1);
        let (scheme, style) = conll::detect_tags(&first[..end], &read.conll());
        facts.scheme = Some((scheme, read.scheme.is_none()));
        facts.tag_style = Some((style, read.tag_style.is_none()));
        // Only the first chunk is looked at for a score column: the summary
        // says it was seen, the readers of every chunk pass it over.
        facts.score_column = conll::has_score_column(&first[..end], &read.conll());
        read.scheme = Some(scheme);
        read.tag_style = Some(style);
    } else if format == Format::BRACKET && read.html == HtmlMode::Auto {
        let prefix = &first[..first.len().min(SAMPLE_BYTES)];
        read.html = if crate::html::contains_markup(prefix) {
            HtmlMode::Strip
        } else {
            HtmlMode::Keep
        };
    }
    if format == Format::BRACKET {
        facts.html_stripped = read.html == HtmlMode::Strip;
    }
    facts
}

/// A writer of any format; CoNLL's, JSON lines', spans' and bracket text's
/// are kept apart for the fused routes from bracket text.
enum AnyWriter<'a> {
    Conll(conll::Writer<&'a mut dyn Write>),
    Jsonl(jsonl::Writer<&'a mut dyn Write>),
    Spans(spans::Writer<&'a mut dyn Write>),
    Bracket(bracket::writer::Writer<&'a mut dyn Write>),
    Other(Box<dyn SentenceWriter + 'a>),
}

impl<'a> AnyWriter<'a> {
    fn new(to: Format, opts: &WriteOptions, out: &'a mut dyn Write) -> Result<AnyWriter<'a>> {
        Ok(if to == Format::CONLL {
            AnyWriter::Conll(opts.conll_writer(out))
        } else if to == Format::JSONL {
            AnyWriter::Jsonl(opts.jsonl_writer(out))
        } else if to == Format::SPANS {
            AnyWriter::Spans(opts.spans_writer(out))
        } else if to == Format::BRACKET {
            AnyWriter::Bracket(bracket::writer::Writer::new(out, opts.bracket_style))
        } else {
            AnyWriter::Other(format::create(to, out, opts)?)
        })
    }

    /// Copies every sentence of `reader`, by the fused route when both
    /// ends allow it.
    fn copy(
        &mut self,
        reader: &mut dyn InputReader,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        match self {
            AnyWriter::Conll(w) => match reader.copy_to_conll(w, summary, on_repair) {
                Some(result) => result,
                None => copy_sentences(reader, w, summary, on_repair),
            },
            AnyWriter::Jsonl(w) => match reader.copy_to_jsonl(w, summary, on_repair) {
                Some(result) => result,
                None => copy_sentences(reader, w, summary, on_repair),
            },
            AnyWriter::Spans(w) => match reader.copy_to_spans(w, summary, on_repair) {
                Some(result) => result,
                None => copy_sentences(reader, w, summary, on_repair),
            },
            AnyWriter::Bracket(w) => match reader.copy_to_bracket(w, summary, on_repair) {
                Some(result) => result,
                None => copy_sentences(reader, w, summary, on_repair),
            },
            AnyWriter::Other(w) => copy_sentences(reader, w.as_mut(), summary, on_repair),
        }
    }

    fn finish(&mut self) -> Result<()> {
        match self {
            AnyWriter::Conll(w) => w.finish(),
            AnyWriter::Jsonl(w) => w.finish(),
            AnyWriter::Spans(w) => w.finish(),
            AnyWriter::Bracket(w) => w.finish(),
            AnyWriter::Other(w) => w.finish(),
        }
    }

    fn start_document(&mut self) -> Result<()> {
        match self {
            AnyWriter::Conll(w) => w.start_document(),
            AnyWriter::Jsonl(w) => w.start_document(),
            AnyWriter::Spans(w) => w.start_document(),
            AnyWriter::Bracket(w) => w.start_document(),
            AnyWriter::Other(w) => w.start_document(),
        }
    }
}

/// Buffers reused across chunks: inputs and outputs apart, so that a
/// buffer taken for an output (about twice a chunk) need not grow.
#[derive(Clone, Default)]
struct Pools {
    chunks: BufferPool,
    outputs: BufferPool,
}

/// What every chunk of one input is converted with.
struct ChunkJob {
    format: Format,
    /// Where the format's inputs may be cut.
    cut: parallel::Cut,
    read: ReadOptions,
    to: Format,
    write: WriteOptions,
    pools: Pools,
    source: usize,
}

/// Room for the output of `len` bytes of input written as `to`, in whole
/// mebibytes, so that the output buffer is not regrown (a regrown buffer
/// of JSON lines took 6% of a two-thread run in copies and page faults)
/// and a pooled buffer fits the next chunk's output too. CoNLL lines take
/// about 1.2 times the bytes of bracket text (more with long labels) and
/// about as many as CoNLL; JSON lines 4.1 and 3.4 times: room for about
/// twice and 5 times. Never more than a pooled buffer's largest: the
/// output of a larger chunk (a long sentence) grows as it needs.
fn output_room(to: Format, len: usize) -> usize {
    let factor = if to == Format::JSONL { 5 } else { 2 };
    len.saturating_mul(factor)
        .min(parallel::POOL_BUFFER_BYTES)
        .next_multiple_of(1 << 20)
}

/// Converts `chunk[at..]`, which starts at `start` in its input, to memory.
fn convert_chunk(job: &ChunkJob, chunk: Vec<u8>, at: usize, start: ChunkStart) -> ChunkOutput {
    let mut out = ChunkOutput {
        source: job.source,
        document_start: start.index == 0,
        ..ChunkOutput::default()
    };
    let pools = &job.pools;
    let mut repairs = Vec::new();
    if job.format == Format::BRACKET && job.to == Format::CONLL {
        // The chunk is in memory already: the fused route converts it
        // where it is.
        let mut bytes = pools.outputs.take();
        bytes.reserve(output_room(job.to, chunk.len() - at));
        let mut input = std::io::Cursor::new(chunk);
        input.set_position(at as u64);
        let mut reader = bracket::Reader::new(input, job.read.bracket()).starting_at(
            start.line,
            start.byte,
            start.unit,
            start.index == 0,
        );
        let mut writer = job.write.conll_writer(bytes);
        let result = reader
            .copy_in_memory_to_conll(&mut writer, &mut out.summary, &mut |r| {
                repairs.push(r.clone())
            })
            .and_then(|()| writer.finish());
        out.lines = reader.next_line_number().saturating_sub(start.line);
        pools.chunks.give(reader.into_inner().into_inner());
        out.bytes = writer.into_inner();
        out.repairs = repairs;
        out.error = result.err();
        return out;
    }
    // The reader is boxed and dropped, not taken apart: the buffer goes
    // back to the pool by itself.
    let chunk_len = chunk.len() - at;
    let mut input = std::io::Cursor::new(Pooled::new(chunk, pools.chunks.clone()));
    input.set_position(at as u64);
    let chunks = job
        .format
        .chunks(&job.read)
        .expect("chunks only of formats that can be cut");
    let mut reader = (chunks.open)(Box::new(input), &job.read, start);
    let mut bytes = pools.outputs.take();
    bytes.reserve(output_room(job.to, chunk_len));
    let result = match AnyWriter::new(job.to, &job.write, &mut bytes) {
        Ok(mut writer) => writer
            .copy(reader.as_mut(), &mut out.summary, &mut |r| {
                repairs.push(r.clone())
            })
            .and_then(|()| writer.finish()),
        Err(e) => Err(e),
    };
    if let Some(next) = reader.next_line() {
        out.lines = next.saturating_sub(start.line);
    }
    out.bytes = bytes;
    out.repairs = repairs;
    out.error = result.err();
    out
}

/// Converts a regular file by stretches, each read by the thread that
/// converts it. Line numbers are counted as the chunks are delivered: a
/// chunk's repairs are renumbered then, and a chunk that stopped at an
/// error is converted again knowing its first line (see
/// [`Delivery::deliver`]).
fn convert_stretches(
    name: &Path,
    (file, len): (File, u64),
    size: usize,
    job: &Arc<ChunkJob>,
    pipeline: &mut Pipeline,
    sink: &mut dyn FnMut(ChunkOutput) -> Result<()>,
    observer: &RefCell<&mut dyn Observer>,
) -> Result<()> {
    let file = Arc::new(file);
    let mut done = 0;
    for stretch in parallel::stretches(len, size) {
        let (job, file) = (Arc::clone(job), Arc::clone(&file));
        let task = move || {
            let mut out = convert_stretch(&job, &file, stretch, 1);
            if out.error.is_some() {
                out.redo = Some(Redo::new(move |line| {
                    convert_stretch(&job, &file, stretch, line)
                }));
            }
            out
        };
        pipeline.submit(task, sink)?;
        done += stretch.len.min(len - stretch.start);
        observer.borrow_mut().progress(name, done, len);
    }
    Ok(())
}

/// Reads and converts one stretch of a file, numbering its lines from
/// `line`.
fn convert_stretch(
    job: &Arc<ChunkJob>,
    file: &Arc<File>,
    stretch: Stretch,
    line: u64,
) -> ChunkOutput {
    let mut buf = job.pools.chunks.take_stale();
    let text = match parallel::read_stretch(file, stretch, job.cut, &mut buf) {
        Ok(text) => text,
        Err(e) => {
            return ChunkOutput {
                source: job.source,
                error: Some(e.into()),
                relative_lines: true,
                ..ChunkOutput::default()
            }
        }
    };
    buf.truncate(text.range.end);
    let start = ChunkStart {
        index: stretch.index,
        line,
        byte: text.byte,
        unit: text.byte,
    };
    let mut out = convert_chunk(job, buf, text.range.start, start);
    out.relative_lines = true;
    if let Some(at) = text.long_line {
        out.lines += 1;
        let (job, file) = (Arc::clone(job), Arc::clone(file));
        out.long_line = Some(parallel::LongLine::new(
            move |line, document_start, out, on_repair| {
                convert_long_line(&job, &file, at, line, document_start, out, on_repair)
            },
        ));
    }
    out
}

/// Converts the line of `file` that starts at byte `at` (line number
/// `line`) straight to `out`, as one thread does: a line too long to be
/// held in memory with its stretch.
fn convert_long_line(
    job: &ChunkJob,
    file: &File,
    at: u64,
    line: u64,
    document_start: bool,
    out: &mut dyn Write,
    on_repair: &mut dyn FnMut(&Repair),
) -> (Summary, Result<()>) {
    use std::io::{Seek, SeekFrom};
    // The threads read by position; this file cursor is no one else's.
    let file = file
        .try_clone()
        .and_then(|mut f| f.seek(SeekFrom::Start(at)).map(|_| f));
    let file = match file {
        Ok(f) => f,
        Err(e) => return (Summary::default(), Err(e.into())),
    };
    let mut input = parallel::OneLine::new(std::io::BufReader::with_capacity(1 << 16, file));
    let start = ChunkStart {
        index: 0,
        line,
        byte: at,
        unit: at,
    };
    convert_line(job, &mut input, start, document_start, out, on_repair)
}

/// Converts one line of bracket text, which `input` holds and which
/// starts at `start`, straight to `out`, block by block.
fn convert_line(
    job: &ChunkJob,
    input: &mut dyn BufRead,
    start: ChunkStart,
    document_start: bool,
    out: &mut dyn Write,
    on_repair: &mut dyn FnMut(&Repair),
) -> (Summary, Result<()>) {
    let mut summary = Summary::default();
    let mut reader = bracket::Reader::new(input, job.read.bracket()).starting_at(
        start.line,
        start.byte,
        start.unit,
        document_start,
    );
    let result = AnyWriter::new(job.to, &job.write, out).and_then(|mut writer| {
        writer
            .copy(&mut reader, &mut summary, on_repair)
            .and_then(|()| writer.finish())
    });
    (summary, result)
}

/// Converts a line straight to the output: told whether a document
/// starts with it, given the output and where repairs go.
type LineRun<'a> =
    dyn FnMut(bool, &mut dyn Write, &mut dyn FnMut(&Repair)) -> (Summary, Result<()>) + 'a;

/// Where finished chunks go, in input order.
struct Delivery<'a> {
    out: &'a mut dyn Write,
    summary: &'a mut Summary,
    /// The input names for messages, by source index.
    names: Vec<PathBuf>,
    /// Where output buffers go back to.
    pool: BufferPool,
    /// The input whose chunks are being delivered, and the number of the
    /// line its next chunk starts at, for chunks converted before the lines
    /// before them were counted.
    source: Option<usize>,
    next_line: u64,
    /// What the writer writes when a document starts.
    document_start: Vec<u8>,
    /// The input whose first chunk held no sentence: its document starts
    /// with the first sentence of a later chunk, which was not told.
    start_pending: Option<usize>,
    /// A chunk's error (or the output's) has been returned: nothing after
    /// it may be delivered.
    failed: bool,
}

impl Delivery<'_> {
    /// Writes a finished chunk's output, reports its repairs and adds its
    /// counts; stops at its error, and remembers that it did.
    fn deliver(&mut self, o: ChunkOutput, observer: &mut dyn Observer) -> Result<()> {
        let result = self.deliver_chunk(o, observer);
        self.failed |= result.is_err();
        result
    }

    fn deliver_chunk(&mut self, mut o: ChunkOutput, observer: &mut dyn Observer) -> Result<()> {
        if o.relative_lines {
            if self.source != Some(o.source) {
                self.source = Some(o.source);
                self.next_line = 1;
            }
            let first = self.next_line;
            if let Some(redo) = o.redo.take() {
                // Errors name their line in their messages too: convert
                // again.
                self.pool.give(std::mem::take(&mut o.bytes));
                o = redo.run(first);
            } else {
                for r in &mut o.repairs {
                    if r.pos.line() > 0 {
                        r.pos =
                            Position::new(r.pos.line() + first - 1, r.pos.column(), r.pos.byte());
                    }
                }
            }
            self.next_line = first + o.lines;
        }
        let name = &self.names[o.source];
        for r in &o.repairs {
            observer.repair(name, r);
        }
        if o.document_start && o.summary.sentences == 0 {
            self.start_pending = Some(o.source);
        } else if self.start_pending == Some(o.source) && o.summary.sentences > 0 {
            // As a one-thread run does before the input's first sentence.
            self.start_pending = None;
            self.out.write_all(&self.document_start)?;
            o.summary.documents += 1;
        }
        self.out.write_all(&o.bytes)?;
        self.pool.give(o.bytes);
        self.summary.merge(&o.summary);
        if let Some(e) = o.error {
            return Err(e.with_path(name));
        }
        if let Some(long_line) = o.long_line {
            // The chunk's last line, converted here, in order: the chunk
            // counted it.
            let line = self.next_line - 1;
            let mut long_line = Some(long_line);
            self.deliver_line(o.source, observer, &mut |document_start, out, on_repair| {
                match long_line.take() {
                    Some(l) => l.run(line, document_start, out, on_repair),
                    None => (Summary::default(), Ok(())),
                }
            })?;
        }
        Ok(())
    }

    /// Writes a line of input `source` that `run` converts straight to the
    /// output (told whether the input's document starts with it), after
    /// every chunk delivered before; stops at its error, and remembers
    /// that it did.
    fn deliver_line(
        &mut self,
        source: usize,
        observer: &mut dyn Observer,
        run: &mut LineRun<'_>,
    ) -> Result<()> {
        // A document not yet started starts with the line.
        let document_start = self.start_pending == Some(source);
        let name = &self.names[source];
        let (summary, result) = run(document_start, &mut *self.out, &mut |r| {
            observer.repair(name, r)
        });
        if summary.sentences > 0 && document_start {
            self.start_pending = None;
        }
        self.summary.merge(&summary);
        let result = result.map_err(|e| e.with_path(name));
        self.failed |= result.is_err();
        result
    }
}
