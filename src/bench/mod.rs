//! Timing nerkit's work on the user's own files: the engine behind
//! `nerkit bench`.
//!
//! # What is measured
//!
//! Each [`Task`] is one piece of the work the commands do, run through the
//! same public APIs the commands call:
//!
//! - [`Task::Tokenize`]: a [`Tokenizer`] over the input's text as it is
//!   (markup and tags included), counting tokens.
//! - [`Task::Parse`]: reading every sentence of the input in its format
//!   ([`format::open`], [`SentenceReader::read_sentence`]), as `convert`
//!   reads it.
//! - [`Task::Convert`]: the whole conversion ([`Converter::convert`]) to a
//!   format and tag scheme, on one thread or several, with the same route
//!   choice as `nerkit convert`.
//! - [`Task::Eval`]: scoring with an [`Evaluator`], as `nerkit eval` does,
//!   including the report.
//! - The reference tasks [`Task::ReadFile`] (the file read into memory, as
//!   `cat` reads it) and [`Task::Hash`] (one pass hashing the bytes in
//!   memory): what the machine does with the same bytes when it does almost
//!   nothing, so that a figure can be judged against it.
//!
//! # How
//!
//! An [`Input`] is read into memory once, before anything is timed, so that
//! the disk does not dominate the figures and stdin can be measured too.
//! Readers get it through a 64 KiB `BufReader`, as the commands read a
//! file: each refill copies 64 KiB, as reading the file from the page cache
//! would. A conversion's output is counted and discarded, not written.
//!
//! A task runs `warmup` times untimed (caches, page faults, the branch
//! predictor), then `repeat` times, each run timed on its own with
//! [`Instant`]; [`Measurement`] keeps every run and their [`Stats`]. Rates
//! (MB/s, tokens/s) use decimal megabytes of the input and the median run.
//!
//! A run shorter than [`Bench::min_run`] (10 ms unless set) is too short
//! to time well: a clock read costs tens of nanoseconds and one
//! interruption is a large share of it. When the first timed run of a task
//! is that short, it is dropped and every run repeats the work as many
//! times (passes) as make it last about that long; the times kept are per
//! pass ([`Measurement::passes`] says how many).
//!
//! # Example
//!
//! ```
//! use nerkit::bench::{Bench, Input, Task};
//! use nerkit::Tokenizer;
//!
//! let input = Input::new("cable.txt", b"Ambassador [PER Ryan C. Crocker  ] met\n".to_vec());
//! let bench = Bench::new().warmup(0).repeat(3);
//! let m = bench.run(&input, &Task::Tokenize(Tokenizer::Whitespace))?;
//! assert_eq!(m.tokens, Some(7));
//! assert_eq!(m.runs.len(), 3);
//! # Ok::<(), nerkit::Error>(())
//! ```

mod stats;

pub use stats::Stats;

use std::hint::black_box;
use std::io::{self, BufReader, Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::convert::{Converter, Report, SentenceReader};
use crate::error::{Error, ParseErrorKind, Result};
use crate::eval::{ColumnSource, Evaluation, Evaluator, Mode, ReportFormat};
use crate::format::{self, Format, ReadOptions, WriteOptions};
use crate::span::Position;
use crate::{Sentence, TagScheme, Tokenizer};

/// The buffer readers get, as the commands' `BufReader` over a file.
const BUFFER: usize = 1 << 16;

/// One input, held in memory.
#[derive(Clone, Debug)]
pub struct Input {
    name: PathBuf,
    path: Option<PathBuf>,
    bytes: Arc<[u8]>,
}

impl Input {
    /// An input of `bytes`, named `name` in rows and messages; it has no
    /// file, so [`Task::ReadFile`] does not apply to it.
    pub fn new(name: impl Into<PathBuf>, bytes: Vec<u8>) -> Input {
        Input {
            name: name.into(),
            path: None,
            bytes: bytes.into(),
        }
    }

    /// Reads the file at `path` into memory; `-` reads stdin (once, to its
    /// end).
    ///
    /// # Errors
    /// When it cannot be read (with the path).
    pub fn read(path: &Path) -> Result<Input> {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes)
                .map_err(|e| Error::from(e).with_path("<stdin>"))?;
            return Ok(Input::new("<stdin>", bytes));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_path(path))?;
        Ok(Input {
            name: path.to_path_buf(),
            path: Some(path.to_path_buf()),
            bytes: bytes.into(),
        })
    }

    /// The name rows and messages give the input.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// The file the input was read from (none for stdin).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The input's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The input's format, detected from its start as `convert` does.
    ///
    /// # Errors
    /// When the start shows no format nerkit reads ([`format::detect()`]).
    pub fn detect(&self, opts: &ReadOptions) -> Result<Format> {
        let start = &self.bytes[..self.bytes.len().min(BUFFER)];
        format::detect_with(start, opts).map_err(|e| e.with_path(&self.name))
    }

    /// A reader of the input, as the commands read a file.
    fn reader(&self) -> BufReader<Cursor<Arc<[u8]>>> {
        BufReader::with_capacity(BUFFER, Cursor::new(Arc::clone(&self.bytes)))
    }

    /// The input as text.
    fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.bytes).map_err(|e| {
            let at = e.valid_up_to();
            let line_start = self.bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = 1 + memchr::memchr_iter(b'\n', &self.bytes[..at]).count() as u64;
            Error::parse(
                Position::in_line(
                    line,
                    line_start as u64,
                    &self.bytes[line_start..],
                    at - line_start,
                ),
                ParseErrorKind::InvalidUtf8 {
                    byte: at as u64,
                    value: self.bytes[at],
                },
            )
            .with_path(&self.name)
        })
    }
}

/// How a file is scored by [`Task::Eval`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EvalLayout {
    /// conlleval's layout, the last two columns gold and predicted tag
    /// ([`Evaluator::evaluate_file`], as `nerkit eval FILE`).
    OneFile,
    /// The file's tags (its last column) against themselves, the file read
    /// twice in lockstep (as `nerkit eval FILE FILE`): the speed of
    /// scoring a file of tags that has no prediction column.
    AgainstItself,
    /// The file as gold against predictions in another input, both CoNLL
    /// columns with the tag last, read in lockstep (as
    /// `nerkit eval GOLD PRED`).
    Against(Arc<Input>),
}

impl EvalLayout {
    /// How `input` is scored when the user did not give predictions:
    /// [`EvalLayout::OneFile`] for CoNLL columns with three or more
    /// columns (`TOKEN GOLD PRED`), [`EvalLayout::AgainstItself`] for two
    /// (`TOKEN TAG`); `None` for other formats, which have no tags to
    /// score as written.
    pub fn of(input: &Input, opts: &ReadOptions) -> Option<EvalLayout> {
        if input.detect(opts).ok()? != Format::CONLL {
            return None;
        }
        let first = input
            .bytes()
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .find(|line| {
                !line.iter().all(u8::is_ascii_whitespace) && !line.starts_with(b"-DOCSTART-")
            })?;
        let columns = first
            .split(|b| b.is_ascii_whitespace())
            .filter(|c| !c.is_empty())
            .count();
        Some(if columns >= 3 {
            EvalLayout::OneFile
        } else {
            EvalLayout::AgainstItself
        })
    }
}

/// One piece of work to time.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Task {
    /// Reference: the input's file read into memory (from the page cache
    /// once it has been read), as `cat FILE > /dev/null` reads it.
    ReadFile,
    /// Reference: one pass over the bytes in memory, hashing them eight
    /// at a time.
    Hash,
    /// The tokenizer over the input's text as it is.
    Tokenize(Tokenizer),
    /// Every sentence read, in `format`, with `tokenizer` (`None`: the
    /// format's default).
    Parse {
        /// The input's format.
        format: Format,
        /// The tokenizer, for formats that tokenize text.
        tokenizer: Option<Tokenizer>,
    },
    /// The input converted from `from` to `to` in `scheme`.
    Convert {
        /// The input's format.
        from: Format,
        /// The tokenizer, for formats that tokenize text.
        tokenizer: Option<Tokenizer>,
        /// The output format.
        to: Format,
        /// The output tag scheme.
        scheme: TagScheme,
        /// The most threads ([`Converter::threads`]; 0 for one per core).
        threads: usize,
    },
    /// The input scored.
    Eval {
        /// conlleval's rules or strict.
        mode: Mode,
        /// What is scored against what.
        layout: EvalLayout,
    },
}

impl Task {
    /// The kind of work: `reference`, `tokenize`, `parse`, `convert` or
    /// `eval`.
    pub fn kind(&self) -> &'static str {
        match self {
            Task::ReadFile | Task::Hash => "reference",
            Task::Tokenize(_) => "tokenize",
            Task::Parse { .. } => "parse",
            Task::Convert { .. } => "convert",
            Task::Eval { .. } => "eval",
        }
    }

    /// What exactly is done, for a row: `read file`, `unicode`,
    /// `bracket (whitespace)`, `conll -> jsonl iobes`, `strict iob2`.
    pub fn describe(&self) -> String {
        let reading = |format: &Format, tokenizer: &Option<Tokenizer>| match tokenizer {
            Some(t) if tokenizes(*format) => format!("{format} ({t})"),
            _ => format.to_string(),
        };
        match self {
            Task::ReadFile => "read file".to_owned(),
            Task::Hash => "hash bytes".to_owned(),
            Task::Tokenize(t) => t.to_string(),
            Task::Parse { format, tokenizer } => reading(format, tokenizer),
            Task::Convert {
                from,
                tokenizer,
                to,
                scheme,
                ..
            } => {
                let tagged = *to == Format::CONLL || *to == Format::JSONL;
                format!(
                    "{} -> {to}{}",
                    reading(from, tokenizer),
                    if tagged {
                        format!(" {scheme}")
                    } else {
                        String::new()
                    }
                )
            }
            Task::Eval { mode, layout } => {
                let mode = match mode {
                    Mode::Conlleval(_) => "conlleval".to_owned(),
                    Mode::Strict(s) => format!("strict {s}"),
                };
                match layout {
                    EvalLayout::OneFile => mode,
                    EvalLayout::AgainstItself => format!("{mode} (file against itself)"),
                    EvalLayout::Against(pred) => {
                        format!("{mode} (against {})", pred.name().display())
                    }
                }
            }
        }
    }
}

/// True for formats whose readers tokenize text, where a tokenizer
/// changes the work: bracket text and the formats of text with offsets.
/// (CoNLL and JSON lines carry their tokens.)
pub fn tokenizes(format: Format) -> bool {
    matches!(
        format.name(),
        "bracket" | "spans" | "label-studio" | "doccano" | "prodigy"
    )
}

/// The timings of one task on one input.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Measurement {
    /// The input's name.
    pub input: PathBuf,
    /// The kind of work ([`Task::kind`]).
    pub task: &'static str,
    /// What exactly was done ([`Task::describe`]).
    pub what: String,
    /// The bytes read per run: the input's length, both inputs' for two
    /// files scored in lockstep (twice the length for a file against
    /// itself).
    pub bytes: u64,
    /// Tokens per run, for the tasks that count them.
    pub tokens: Option<u64>,
    /// Sentences per run (parse, convert).
    pub sentences: Option<u64>,
    /// Bytes written per run (convert).
    pub output_bytes: Option<u64>,
    /// Threads the work ran on.
    pub threads: usize,
    /// Every timed run, in seconds per pass, in the order run.
    pub runs: Vec<f64>,
    /// Passes of the work in each timed run: more than one when a pass is
    /// shorter than [`Bench::min_run`].
    pub passes: u64,
    /// Seconds per run.
    pub seconds: Stats,
    /// Decimal megabytes per second ([`Measurement::bytes`]).
    pub mb_per_s: Stats,
    /// Tokens per second.
    pub tokens_per_s: Option<Stats>,
}

/// What one run did, counted so that the work cannot be optimised away
/// and so that runs can be checked against each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Work {
    bytes: u64,
    tokens: Option<u64>,
    sentences: Option<u64>,
    output_bytes: Option<u64>,
    threads: usize,
    /// A value computed from the data (a hash), kept only so that the
    /// compiler must compute it.
    check: u64,
}

/// The timing engine: how many runs, and how reading is set up.
#[derive(Clone, Debug)]
pub struct Bench {
    warmup: usize,
    repeat: usize,
    min_run: Duration,
    read: ReadOptions,
}

impl Default for Bench {
    fn default() -> Bench {
        Bench::new()
    }
}

impl Bench {
    /// One warm-up run and five timed runs per task, reading with the
    /// default options.
    pub fn new() -> Bench {
        Bench {
            warmup: 1,
            repeat: 5,
            min_run: Duration::from_millis(10),
            read: ReadOptions::default(),
        }
    }

    /// Untimed runs before the timed ones.
    pub fn warmup(mut self, runs: usize) -> Bench {
        self.warmup = runs;
        self
    }

    /// Timed runs (at least one).
    pub fn repeat(mut self, runs: usize) -> Bench {
        self.repeat = runs.max(1);
        self
    }

    /// The shortest run worth timing: a task whose first timed run is
    /// shorter is repeated within each run until the run lasts about this
    /// long, and its times are per pass. Zero times every task once a run.
    pub fn min_run(mut self, time: Duration) -> Bench {
        self.min_run = time;
        self
    }

    /// How inputs are read by [`Task::Parse`], [`Task::Convert`] and
    /// [`Task::Eval`] (the tokenizer is the task's own).
    pub fn read_options(mut self, opts: ReadOptions) -> Bench {
        self.read = opts;
        self
    }

    /// Times `task` on `input`.
    ///
    /// # Errors
    /// The first error of a run (bad input, with the input's name and a
    /// position), which comes before any timing when there is a warm-up;
    /// [`Task::ReadFile`] for an input with no file; a conversion whose
    /// entities read and written differ, as `nerkit convert` refuses it.
    pub fn run(&self, input: &Input, task: &Task) -> Result<Measurement> {
        let (work, times, passes) = match task {
            Task::ReadFile => {
                let path = input.path().ok_or_else(|| {
                    Error::msg("there is no file to read: the input came from stdin")
                        .with_path(input.name())
                })?;
                self.time(|| {
                    let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_path(path))?;
                    Ok(Work {
                        bytes: bytes.len() as u64,
                        check: bytes.last().copied().unwrap_or(0).into(),
                        ..Work::default()
                    })
                })?
            }
            Task::Hash => self.time(|| {
                Ok(Work {
                    bytes: input.bytes().len() as u64,
                    check: hash(black_box(input.bytes())),
                    ..Work::default()
                })
            })?,
            Task::Tokenize(tokenizer) => {
                let text = input.text()?;
                self.time(|| {
                    Ok(Work {
                        bytes: text.len() as u64,
                        tokens: Some(tokenizer.tokens(black_box(text)).count() as u64),
                        ..Work::default()
                    })
                })?
            }
            Task::Parse { format, tokenizer } => {
                let opts = self.with_tokenizer(*tokenizer);
                self.time(|| parse(input, *format, &opts))?
            }
            Task::Convert {
                from,
                tokenizer,
                to,
                scheme,
                threads,
            } => {
                let converter = Converter::new()
                    .from(*from)
                    .read_options(self.with_tokenizer(*tokenizer))
                    .to(*to)
                    .write_options(WriteOptions::default().scheme(*scheme))
                    .threads(*threads);
                self.time(|| convert(input, &converter))?
            }
            Task::Eval { mode, layout } => {
                let evaluator = Evaluator::new(mode.clone()).delimiter(self.read.delimiter.clone());
                self.time(|| self.evaluate(input, &evaluator, layout))?
            }
        };
        let seconds = Stats::of(&times);
        Ok(Measurement {
            passes,
            input: input.name().to_path_buf(),
            task: task.kind(),
            what: task.describe(),
            bytes: work.bytes,
            tokens: work.tokens,
            sentences: work.sentences,
            output_bytes: work.output_bytes,
            threads: work.threads.max(1),
            runs: times.iter().map(Duration::as_secs_f64).collect(),
            mb_per_s: seconds.rates(work.bytes as f64 / 1e6),
            tokens_per_s: work.tokens.map(|n| seconds.rates(n as f64)),
            seconds,
        })
    }

    /// The reading options with the task's tokenizer.
    fn with_tokenizer(&self, tokenizer: Option<Tokenizer>) -> ReadOptions {
        let mut opts = self.read.clone();
        opts.tokenizer = tokenizer;
        opts
    }

    /// Runs `work` `warmup` times, then `repeat` times timed, each run
    /// of as many passes as [`Bench::min_run`] asks; returns what the last
    /// pass counted, the times per pass and the passes per run.
    fn time(&self, mut work: impl FnMut() -> Result<Work>) -> Result<(Work, Vec<Duration>, u64)> {
        for _ in 0..self.warmup {
            black_box(work()?);
        }
        let mut times = Vec::with_capacity(self.repeat);
        let start = Instant::now();
        let first = black_box(work()?);
        let once = start.elapsed();
        let mut passes = passes_for(once, self.min_run);
        if passes == 1 {
            times.push(once);
        } else {
            // One pass is a poor guide (an interruption can make it ten
            // times too long): the passes it asks for, timed together,
            // give the count the runs use.
            let start = Instant::now();
            for _ in 0..passes {
                black_box(work()?);
            }
            passes = passes_for(start.elapsed() / passes as u32, self.min_run).max(2);
        }
        let mut last = first;
        while times.len() < self.repeat {
            let start = Instant::now();
            let mut done = black_box(work()?);
            for _ in 1..passes {
                done = black_box(work()?);
            }
            times.push(start.elapsed() / passes as u32);
            // Every run does the same work; a run that counts otherwise
            // would make the rates meaningless.
            if last != done {
                return Err(Error::msg(format!(
                    "two runs of the same work counted differently ({last:?} and {done:?})"
                )));
            }
            last = done;
        }
        Ok((last, times, passes))
    }

    fn evaluate(&self, input: &Input, evaluator: &Evaluator, layout: &EvalLayout) -> Result<Work> {
        let column = |i: &Input| {
            let source = ColumnSource::new(i.reader(), i.name(), self.read.delimiter.clone());
            match self.read.tag_column {
                Some(c) => source.tag_column(c),
                None => source,
            }
        };
        let (evaluation, bytes): (Evaluation, usize) = match layout {
            EvalLayout::OneFile => (
                evaluator.evaluate_file(input.reader(), input.name())?,
                input.bytes().len(),
            ),
            EvalLayout::AgainstItself => (
                evaluator.evaluate_pair(&mut column(input), &mut column(input))?,
                2 * input.bytes().len(),
            ),
            EvalLayout::Against(pred) => (
                evaluator.evaluate_pair(&mut column(input), &mut column(pred))?,
                input.bytes().len() + pred.bytes().len(),
            ),
        };
        let mut out = Counting::default();
        evaluation.write_report(&mut out, ReportFormat::Conlleval)?;
        Ok(Work {
            bytes: bytes as u64,
            tokens: Some(evaluation.counts.tokens),
            output_bytes: None,
            threads: 1,
            check: out.bytes,
            ..Work::default()
        })
    }
}

/// Reads every sentence of `input` as `format`.
/// Passes per run for work that took `once` in one pass: enough for a run
/// of about `min_run` (at most a million), one when a pass is that long.
fn passes_for(once: Duration, min_run: Duration) -> u64 {
    if once >= min_run {
        return 1;
    }
    // A pass the clock saw as 0 ns is counted as 10 ns.
    let once = once.as_nanos().max(10);
    min_run.as_nanos().div_ceil(once).clamp(1, 1_000_000) as u64
}

fn parse(input: &Input, format: Format, opts: &ReadOptions) -> Result<Work> {
    let named = |e: Error| e.with_path(input.name());
    let (_, mut reader) =
        format::open(Box::new(input.reader()), Some(format), opts).map_err(named)?;
    let mut sentence = Sentence::new();
    let (mut sentences, mut tokens, mut entities) = (0u64, 0u64, 0u64);
    while reader.read_sentence(&mut sentence).map_err(named)? {
        sentences += 1;
        tokens += sentence.len() as u64;
        entities += sentence.entity_count() as u64;
    }
    // Repairs (lenient reading) are made and then dropped, as a run of
    // convert that prints none of them.
    reader.drain_repairs(&mut |_| {});
    Ok(Work {
        bytes: input.bytes().len() as u64,
        tokens: Some(tokens),
        sentences: Some(sentences),
        threads: 1,
        check: entities,
        ..Work::default()
    })
}

/// Converts `input` into a counting sink.
fn convert(input: &Input, converter: &Converter) -> Result<Work> {
    let mut out = Counting::default();
    let mut report = Report::default();
    let source = crate::convert::Input::new(input.name(), Box::new(input.reader()));
    converter.convert(vec![source], &mut out, &mut report, &mut ())?;
    let s = &report.summary;
    if !s.entities_match() {
        return Err(Error::msg(format!(
            "entities read and written differ: read {}, written {}; nerkit convert refuses \
             this conversion, so it is not timed",
            s.read, s.written
        ))
        .with_path(input.name()));
    }
    Ok(Work {
        bytes: input.bytes().len() as u64,
        tokens: Some(s.tokens),
        sentences: Some(s.sentences),
        output_bytes: Some(out.bytes),
        threads: report.threads,
        check: s.written.total(),
    })
}

/// A writer that counts bytes and keeps none.
#[derive(Default)]
struct Counting {
    bytes: u64,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A 64-bit hash of `bytes`, read eight at a time into four independent
/// lanes (so that the multiplications overlap): the cheapest pass that
/// still looks at every byte, the machine's reference for "reading" bytes
/// already in memory.
pub fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [0u64, 1, 2, 3];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            *lane = (*lane ^ w).wrapping_mul(K).rotate_left(29);
        }
    }
    let mut h = lanes
        .iter()
        .fold(bytes.len() as u64, |h, &l| (h ^ l).wrapping_mul(K));
    for &b in blocks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const CABLE: &str = "Ambassador [PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n\
                         The [ORG NATO  ] envoy said so .\n";

    fn quick() -> Bench {
        Bench::new().warmup(0).repeat(2)
    }

    #[test]
    fn parse_and_convert_count_the_same_tokens() {
        let input = Input::new("cable.txt", CABLE.as_bytes().to_vec());
        let bench = quick();
        let parsed = bench
            .run(
                &input,
                &Task::Parse {
                    format: Format::BRACKET,
                    tokenizer: None,
                },
            )
            .unwrap();
        let converted = bench
            .run(
                &input,
                &Task::Convert {
                    from: Format::BRACKET,
                    tokenizer: None,
                    to: Format::CONLL,
                    scheme: TagScheme::Iobes,
                    threads: 1,
                },
            )
            .unwrap();
        assert_eq!(parsed.tokens, Some(14));
        assert_eq!(converted.tokens, parsed.tokens);
        assert_eq!(converted.sentences, Some(2));
        // Fourteen lines of TOKEN<TAB>TAG and two blank lines.
        assert!(converted.output_bytes.unwrap() > CABLE.len() as u64);
        assert_eq!(parsed.runs.len(), 2);
    }

    #[test]
    fn short_work_is_timed_in_passes_of_about_the_shortest_run() {
        let ms = Duration::from_millis;
        let us = Duration::from_micros;
        assert_eq!(passes_for(ms(30), ms(10)), 1);
        assert_eq!(passes_for(ms(10), ms(10)), 1);
        assert_eq!(passes_for(us(12), ms(10)), 834);
        assert_eq!(passes_for(Duration::ZERO, ms(10)), 1_000_000);
        assert_eq!(passes_for(us(1), Duration::ZERO), 1);
        // A tiny input: many passes by default, one when asked for none.
        let input = Input::new("tiny.txt", b"[PER Ann ] met Bo .\n".to_vec());
        let task = Task::Tokenize(Tokenizer::Whitespace);
        let m = Bench::new().warmup(0).repeat(3).run(&input, &task).unwrap();
        assert!(m.passes > 1, "{}", m.passes);
        assert_eq!((m.runs.len(), m.tokens), (3, Some(6)));
        let bench = Bench::new().warmup(0).repeat(3).min_run(Duration::ZERO);
        let m = bench.run(&input, &task).unwrap();
        assert_eq!((m.passes, m.runs.len()), (1, 3));
    }

    #[test]
    fn tokenizers_count_their_own_tokens() {
        let input = Input::new("t.txt", "U.S. envoys, said".as_bytes().to_vec());
        let ws = quick().run(&input, &Task::Tokenize(Tokenizer::Whitespace));
        let uni = quick().run(&input, &Task::Tokenize(Tokenizer::Unicode));
        assert_eq!(ws.unwrap().tokens, Some(3));
        assert_eq!(uni.unwrap().tokens, Some(5));
    }

    #[test]
    fn invalid_utf8_is_an_error_with_its_place() {
        let input = Input::new("bad.txt", b"ok\nab\xffc\n".to_vec());
        let err = quick()
            .run(&input, &Task::Tokenize(Tokenizer::Whitespace))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.txt:2:3"), "{text}");
    }

    #[test]
    fn bad_input_is_the_reader_s_error() {
        let input = Input::new("open.txt", b"a [PER b\n".to_vec());
        let task = Task::Parse {
            format: Format::BRACKET,
            tokenizer: None,
        };
        let text = quick().run(&input, &task).unwrap_err().to_string();
        assert!(text.starts_with("open.txt:1:"), "{text}");
    }

    #[test]
    fn eval_layout_follows_the_columns() {
        let three = Input::new("e.txt", b"EU B-ORG B-ORG\nsaid O O\n".to_vec());
        let two = Input::new("c.txt", b"-DOCSTART- O\n\nEU B-ORG\nsaid O\n".to_vec());
        let text = Input::new("b.txt", CABLE.as_bytes().to_vec());
        let opts = ReadOptions::default();
        assert!(matches!(
            EvalLayout::of(&three, &opts),
            Some(EvalLayout::OneFile)
        ));
        assert!(matches!(
            EvalLayout::of(&two, &opts),
            Some(EvalLayout::AgainstItself)
        ));
        assert!(EvalLayout::of(&text, &opts).is_none());
        let m = quick()
            .run(
                &two,
                &Task::Eval {
                    mode: Mode::default(),
                    layout: EvalLayout::AgainstItself,
                },
            )
            .unwrap();
        assert_eq!(m.tokens, Some(2));
        assert_eq!(m.bytes, 2 * two.bytes().len() as u64);
    }

    #[test]
    fn stdin_has_no_file_to_read() {
        let input = Input::new("<stdin>", b"x\n".to_vec());
        assert!(quick().run(&input, &Task::ReadFile).is_err());
        assert!(quick().run(&input, &Task::Hash).is_ok());
    }

    #[test]
    fn hash_sees_every_byte() {
        let a = vec![7u8; 100];
        for i in 0..a.len() {
            let mut b = a.clone();
            b[i] = 8;
            assert_ne!(hash(&a), hash(&b), "byte {i}");
        }
        assert_ne!(hash(&a[..99]), hash(&a));
    }
}
