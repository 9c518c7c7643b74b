//! Converting one input on several threads, with output in input order.
//!
//! The input is cut into chunks of about [`CHUNK_BYTES`] at places where a
//! reader can start afresh (a line end for bracket text, a blank line for
//! CoNLL), each chunk is read and written to memory on a thread of a rayon
//! pool, and the outputs are written in input order. At most `2 × threads`
//! chunks are in flight, so memory stays bounded whatever the input size.
//! Each chunk knows the line, byte and offset-unit position it starts at,
//! so errors and offsets are exactly those of a one-thread run.
//!
//! A [`Chunker`] cuts any reader on the caller's thread. A regular file
//! can instead be cut by offset into [`Stretch`]es that each thread reads
//! for itself ([`read_stretch`]: the lines, or the CoNLL sentences, that
//! start in the stretch); a stretch's first line number is
//! then known only when the chunks before it are done, so its output says
//! how many lines it read and holds line numbers from 1
//! ([`ChunkOutput::relative_lines`]) for the caller to fix in order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, Read};
use std::sync::{mpsc, Arc, Mutex};

use crate::convert::Summary;
use crate::error::{Error, Result};
use crate::repair::Repair;
use crate::sentence::OffsetUnit;

/// The usual size of a chunk: its input and output stay in a core's
/// cache while a thread converts it (chunks of 1 MiB took 3-5% more time
/// on two threads than chunks of 512 KiB, whose input and output fit a
/// core's 2 MiB of L2).
pub const CHUNK_BYTES: usize = 512 << 10;

/// The most buffers a [`BufferPool`] keeps: those of the chunks in flight.
const POOL_BUFFERS: usize = 32;

/// The largest buffer a [`BufferPool`] keeps: not those a very long line
/// grew.
pub const POOL_BUFFER_BYTES: usize = 8 << 20;

/// Buffers of finished chunks, kept for the next ones: a chunk in fresh
/// memory takes a page fault every 4 KiB, which on two threads cost about
/// as much as reading the input.
#[derive(Clone, Debug, Default)]
pub struct BufferPool {
    free: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl BufferPool {
    /// An empty buffer, reused when one is free.
    pub fn take(&self) -> Vec<u8> {
        let mut buf = self.take_stale();
        buf.clear();
        buf
    }

    /// A buffer that still holds the bytes of its last use, for a caller
    /// that overwrites them: resizing it zeroes only bytes past them.
    pub fn take_stale(&self) -> Vec<u8> {
        self.free
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_default()
    }

    /// Keeps `buf` for a later [`BufferPool::take`], unless the pool is
    /// full or the buffer unusually large.
    pub fn give(&self, buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > POOL_BUFFER_BYTES {
            return;
        }
        if let Ok(mut free) = self.free.lock() {
            if free.len() < POOL_BUFFERS {
                free.push(buf);
            }
        }
    }
}

/// A buffer that goes back to its pool when dropped, for a reader that
/// owns its input (`Cursor<Pooled>`) and is dropped rather than taken apart.
#[derive(Debug)]
pub struct Pooled {
    buf: Vec<u8>,
    pool: BufferPool,
}

impl Pooled {
    /// `buf`, to be given back to `pool`.
    pub fn new(buf: Vec<u8>, pool: BufferPool) -> Pooled {
        Pooled { buf, pool }
    }
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

/// The length of `bytes` in `unit`, counted as a reader counts its lines:
/// text that is not UTF-8 (read with `--lenient`) as its lossy decoding,
/// one U+FFFD for each invalid sequence.
fn units_of(bytes: &[u8], unit: OffsetUnit) -> u64 {
    match (unit, std::str::from_utf8(bytes)) {
        (OffsetUnit::Bytes, _) => bytes.len() as u64,
        (unit, Ok(text)) => unit.len_of(text) as u64,
        (unit, Err(_)) => unit.len_of(&String::from_utf8_lossy(bytes)) as u64,
    }
}

/// The least read past a chunk's size while looking for its cut.
const READ_PAST: usize = 64 * 1024;

/// Where a reader may start afresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// After any line end (bracket text, one sentence or more per line).
    Lines,
    /// After a blank line (CoNLL: sentences span lines).
    BlankLines,
}

/// Where a chunk starts in its input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkStart {
    /// Index of the chunk in the input, from 0.
    pub index: u64,
    /// The number of the chunk's first line, from 1.
    pub line: u64,
    /// The byte offset of the chunk in the input.
    pub byte: u64,
    /// The offset of the chunk in the input in the chosen offset unit.
    pub unit: u64,
}

/// What converting one chunk produced.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    /// Which input the chunk belongs to (an index the caller chose).
    pub source: usize,
    /// The converted text.
    pub bytes: Vec<u8>,
    /// Counts of the chunk.
    pub summary: Summary,
    /// Repairs made in the chunk, in order.
    pub repairs: Vec<Repair>,
    /// The error that stopped the chunk, if any; the chunk's output up to
    /// it is still in `bytes`, but a caller stops at the first error.
    pub error: Option<Error>,
    /// The number of lines read from the chunk (bracket text only; the
    /// count matters only with `relative_lines`).
    pub lines: u64,
    /// True when the chunk was converted before the lines before it were
    /// counted: the line numbers of its repairs count from 1 at its first
    /// line, and the caller adds where it starts.
    pub relative_lines: bool,
    /// For a chunk with relative lines that stopped at an error: converts
    /// it again from the number of its first line, so that the error (whose
    /// message may name a line) is exactly that of a one-thread run.
    pub redo: Option<Redo>,
    /// The chunk was told that its input's document starts in it (it is
    /// the input's first); when it held no sentence, the caller hands the
    /// start on to the next chunk that does.
    pub document_start: bool,
    /// The chunk's last line when it is too long to convert in memory
    /// (see [`StretchText::long_line`]): the caller converts it straight
    /// to the output, in order, after the chunk's bytes. `lines` counts it.
    pub long_line: Option<LongLine>,
}

/// The conversion of a line too long for a chunk, straight to the output:
/// given its line number, whether a document starts with it, the output
/// and where repairs go, it returns its counts and its error.
#[allow(clippy::type_complexity)]
pub struct LongLine(
    Box<
        dyn FnOnce(
                u64,
                bool,
                &mut dyn std::io::Write,
                &mut dyn FnMut(&Repair),
            ) -> (Summary, Result<()>)
            + Send,
    >,
);

impl LongLine {
    /// The conversion `run` calls.
    pub fn new(
        f: impl FnOnce(
                u64,
                bool,
                &mut dyn std::io::Write,
                &mut dyn FnMut(&Repair),
            ) -> (Summary, Result<()>)
            + Send
            + 'static,
    ) -> LongLine {
        LongLine(Box::new(f))
    }

    /// Converts the line, numbered `line`, to `out`.
    pub fn run(
        self,
        line: u64,
        document_start: bool,
        out: &mut dyn std::io::Write,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> (Summary, Result<()>) {
        (self.0)(line, document_start, out, on_repair)
    }
}

impl std::fmt::Debug for LongLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LongLine")
    }
}

/// A conversion of a chunk to run again from a given line number.
pub struct Redo(Box<dyn FnOnce(u64) -> ChunkOutput + Send>);

impl Redo {
    /// A conversion that `run` calls with the chunk's first line.
    pub fn new(f: impl FnOnce(u64) -> ChunkOutput + Send + 'static) -> Redo {
        Redo(Box::new(f))
    }

    /// Converts the chunk again, its first line numbered `line`.
    pub fn run(self, line: u64) -> ChunkOutput {
        (self.0)(line)
    }
}

impl std::fmt::Debug for Redo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redo")
    }
}

/// Cuts an input into chunks that end where [`Cut`] allows.
#[derive(Debug)]
pub struct Chunker<R> {
    inner: R,
    cut: Cut,
    size: usize,
    carry: Vec<u8>,
    next: ChunkStart,
    unit: OffsetUnit,
    eof: bool,
    pool: BufferPool,
    /// Whether a line longer than [`LONG_LINE_BYTES`] ends a chunk and is
    /// handed out on its own ([`Chunker::stream_long_lines`]).
    long_lines: bool,
    /// A long line starts the input's next chunk: read it by
    /// [`Chunker::with_long_line`] before asking for the next chunk.
    long_line: bool,
}

impl<R: BufRead> Chunker<R> {
    /// A chunker of `inner` cutting at `cut` into chunks of about `size`
    /// bytes, tracking offsets in `unit`.
    pub fn new(inner: R, cut: Cut, size: usize, unit: OffsetUnit) -> Chunker<R> {
        Chunker {
            inner,
            cut,
            size: size.max(1),
            carry: Vec::new(),
            next: ChunkStart {
                index: 0,
                line: 1,
                byte: 0,
                unit: 0,
            },
            unit,
            eof: false,
            pool: BufferPool::default(),
            long_lines: false,
            long_line: false,
        }
    }

    /// Cuts a chunk before a line longer than [`LONG_LINE_BYTES`] (of a
    /// stream cut at lines, offsets in bytes), which is then read by
    /// [`Chunker::with_long_line`], a block at a time, rather than
    /// gathered whole into a chunk: a document of hundreds of MB with no
    /// line break, piped in, is converted in bounded memory.
    pub fn stream_long_lines(mut self) -> Chunker<R> {
        self.long_lines = self.cut == Cut::Lines && self.unit == OffsetUnit::Bytes;
        self
    }

    /// Whether a long line comes next (see [`Chunker::stream_long_lines`]).
    pub fn long_line_next(&self) -> bool {
        self.long_line
    }

    /// Hands the long line that comes next, with its line feed, to `f` as
    /// a reader, with where it starts, and goes on after it; `None` when no
    /// long line comes next. Whatever `f` leaves unread of the line is
    /// skipped.
    ///
    /// # Errors
    /// I/O errors of skipping the rest of the line.
    pub fn with_long_line<T>(
        &mut self,
        f: impl FnOnce(&mut dyn BufRead, ChunkStart) -> T,
    ) -> Result<Option<T>> {
        if !self.long_line {
            return Ok(None);
        }
        self.long_line = false;
        let start = self.next;
        let carry = std::mem::take(&mut self.carry);
        let mut line = CountedLine {
            inner: std::io::Cursor::new(carry).chain(OneLine::new(&mut self.inner)),
            bytes: 0,
            line_feed: false,
        };
        let out = f(&mut line, start);
        // The rest of the line, if `f` stopped early.
        loop {
            let n = line.fill_buf()?.len();
            if n == 0 {
                break;
            }
            line.consume(n);
        }
        let (bytes, line_feed) = (line.bytes, line.line_feed);
        let (carry, _) = line.inner.into_inner();
        self.pool.give(carry.into_inner());
        self.next.index += 1;
        self.next.line += u64::from(line_feed);
        self.next.byte += bytes;
        self.next.unit += bytes;
        if !line_feed {
            self.eof = true;
        }
        Ok(Some(out))
    }

    /// This chunker, taking the buffers of its chunks from `pool` (give
    /// them back there when done with them).
    pub fn with_pool(mut self, pool: BufferPool) -> Chunker<R> {
        self.pool = pool;
        self
    }

    /// The next chunk and where it starts, or `None` at the end.
    ///
    /// # Errors
    /// I/O errors.
    pub fn next_chunk(&mut self) -> Result<Option<(Vec<u8>, ChunkStart)>> {
        let mut buf = std::mem::take(&mut self.carry);
        if buf.capacity() == 0 {
            buf = self.pool.take();
        }
        // Room for the chunk and a read or two past it to find the cut, so
        // that a pooled buffer seldom has to grow (and move).
        buf.reserve(self.size + 2 * READ_PAST);
        loop {
            let cut_at = if buf.len() >= self.size || self.eof {
                self.cut_point(&buf)
            } else {
                None
            };
            if let Some(at) = cut_at {
                let mut rest = self.pool.take();
                rest.extend_from_slice(&buf[at..]);
                buf.truncate(at);
                self.carry = rest;
                break;
            }
            if self.eof {
                break;
            }
            if self.long_lines && buf.len() >= self.size {
                // No cut yet: is the last line a long one?
                let last = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
                if buf.len() - last > LONG_LINE_BYTES {
                    let mut rest = self.pool.take();
                    rest.extend_from_slice(&buf[last..]);
                    buf.truncate(last);
                    self.carry = rest;
                    self.long_line = true;
                    break;
                }
            }
            let want = (self.size - buf.len().min(self.size)).max(READ_PAST);
            // Read into the spare capacity, which `read_to_end` fills
            // without zeroing it first; it stops short only at the end.
            buf.reserve(want);
            let n = (&mut self.inner).take(want as u64).read_to_end(&mut buf)?;
            if n < want {
                self.eof = true;
            }
        }
        // A chunk before a long line may be empty: it still stands for
        // where the input starts.
        if buf.is_empty() && !self.long_line {
            return Ok(None);
        }
        let start = self.next;
        self.next.index += 1;
        self.next.line += memchr::memchr_iter(b'\n', &buf).count() as u64;
        self.next.byte += buf.len() as u64;
        self.next.unit += units_of(&buf, self.unit);
        Ok(Some((buf, start)))
    }

    /// Where to cut `buf`: after the first place at or past `size` bytes
    /// where a reader may start afresh, or `None` when there is none yet
    /// (read more). At the end of the input the whole rest is one chunk.
    fn cut_point(&self, buf: &[u8]) -> Option<usize> {
        let from = self.size.min(buf.len()).saturating_sub(1);
        let found = match self.cut {
            Cut::Lines => memchr::memchr(b'\n', &buf[from..]).map(|i| from + i + 1),
            Cut::BlankLines => memchr::memchr_iter(b'\n', &buf[from..])
                .map(|i| from + i)
                // The chunk starts at a cut (or the input's start): a blank
                // line first in it follows another blank line, or nothing,
                // which is no cut either.
                .find(|&i| starts_afresh_after(buf, i, true) == Some(true))
                .map(|i| i + 1),
        };
        match found {
            Some(at) => Some(at),
            None if self.eof => Some(buf.len()),
            None => None,
        }
    }
}

/// Whether a CoNLL reader may start afresh after the line feed at
/// `buf[i]`, as a reader of the whole input would go on there: the line the
/// line feed ends is blank (ASCII whitespace only) and the line before it
/// is surely a token line, which the blank line ends a sentence after. A
/// blank line after anything else is no cut, since the reader's state
/// there may say that a document starts with the next sentence: after a
/// `-DOCSTART-` line (even one that only contains it, or starts with
/// Unicode whitespace), a comment, a CoNLL-U multiword or empty-node line
/// the reader passes over, another blank line, or a line that is blank to
/// the reader (Unicode whitespace). Fewer cuts are always safe.
///
/// `None` when `buf` does not reach back to the start of the line before
/// the blank line (`line_start`: a line starts at `buf[0]`, with none
/// before it that counts).
pub fn starts_afresh_after(buf: &[u8], i: usize, line_start: bool) -> Option<bool> {
    // The blank line, back to the line feed before it.
    let mut blank_start = i;
    while blank_start > 0 && buf[blank_start - 1] != b'\n' {
        if !buf[blank_start - 1].is_ascii_whitespace() {
            return Some(false);
        }
        blank_start -= 1;
    }
    if blank_start == 0 {
        // The input's (or the chunk's) first line, or a blank line whose
        // start is not seen.
        return if line_start { Some(false) } else { None };
    }
    let before_end = blank_start - 1;
    let before_start = match memchr::memrchr(b'\n', &buf[..before_end]) {
        Some(at) => at + 1,
        None if line_start => 0,
        None => return None,
    };
    Some(surely_a_token_line(&buf[before_start..before_end]))
}

/// True for a line that every CoNLL reader reads as a token line, whatever
/// its options: it holds an ASCII character other than whitespace, does
/// not start with `#` (after a byte-order mark), holds no `-DOCSTART-`, and its first field is not
/// an ID like `1-2` or `1.1`.
fn surely_a_token_line(line: &[u8]) -> bool {
    // The input's first line as the reader sees it, after a byte-order
    // mark.
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    let field = line.trim_ascii_start();
    let field = &field[..field
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(field.len())];
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let id = field
        .iter()
        .position(|&b| b == b'-' || b == b'.')
        .is_some_and(|at| digits(&field[..at]) && digits(&field[at + 1..]));
    line.iter().any(|b| b.is_ascii_graphic())
        && line.first() != Some(&b'#')
        && !id
        && memchr::memmem::find(line, b"-DOCSTART-").is_none()
}

/// `Read::read` of a reader whose `BufRead` methods hold its logic.
fn read_through_buffer(r: &mut impl BufRead, buf: &mut [u8]) -> std::io::Result<usize> {
    let available = r.fill_buf()?;
    let n = available.len().min(buf.len());
    buf[..n].copy_from_slice(&available[..n]);
    r.consume(n);
    Ok(n)
}

/// A long line read by [`Chunker::with_long_line`], counting what is
/// consumed of it.
struct CountedLine<R> {
    inner: R,
    bytes: u64,
    line_feed: bool,
}

impl<R: BufRead> std::io::Read for CountedLine<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_through_buffer(self, buf)
    }
}

impl<R: BufRead> BufRead for CountedLine<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if amount > 0 {
            if let Ok(available) = self.inner.fill_buf() {
                self.line_feed |= available[..amount.min(available.len())].contains(&b'\n');
            }
        }
        self.bytes += amount as u64;
        self.inner.consume(amount);
    }
}

/// A part of a file cut by byte offset: the lines that start in
/// `start..start + len`. Threads that each read their own stretch with
/// positioned reads split a file without anyone reading it from the start
/// to find the cuts, and the bytes a thread converts are in its own cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// Index of the stretch in the file, from 0.
    pub index: u64,
    /// The first byte of the stretch.
    pub start: u64,
    /// Its length in bytes.
    pub len: u64,
}

/// The stretches of `size` bytes of a file of `file_len` bytes; the last
/// one ends with the file, so that reading a stretch never asks for more
/// than the file holds (a chunk size of `usize::MAX` once asked for that
/// many bytes).
pub fn stretches(file_len: u64, size: usize) -> impl Iterator<Item = Stretch> {
    let size = u64::try_from(size.max(1)).unwrap_or(u64::MAX);
    (0..file_len.div_ceil(size)).map(move |index| Stretch {
        index,
        start: index * size,
        len: size.min(file_len - index * size),
    })
}

/// How much more than the stretch is read at first, to find the end of
/// its last line without a second read.
const STRETCH_TAIL: usize = 4 * 1024;

/// A line longer than this is not read into memory with its stretch (see
/// [`StretchText::long_line`]): the caller converts it streaming, in the
/// bounded memory of the one-thread route.
pub const LONG_LINE_BYTES: usize = 4 << 20;

/// The lines of a stretch read into memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StretchText {
    /// Where the lines are in the buffer read.
    pub range: std::ops::Range<usize>,
    /// The byte offset in the file of their first byte.
    pub byte: u64,
    /// The byte offset in the file of the stretch's last line when it is
    /// longer than [`LONG_LINE_BYTES`]; it is then not in `range`, which
    /// ends where it starts.
    pub long_line: Option<u64>,
}

/// Reads into `buf` the part of `file` that `stretch` holds when it is cut
/// at `cut`: the lines that start in it (bracket text), or the sentences
/// (CoNLL: from a place where a reader may start afresh up to the next such
/// place, see [`starts_afresh_after`]) that start in it. Each byte of the
/// file is in exactly one stretch. The text may be empty (nothing starts in
/// the stretch: a long line or sentence began before it). The bytes `buf`
/// holds are overwritten, not zeroed first (see
/// [`BufferPool::take_stale`]).
///
/// # Errors
/// I/O errors.
pub fn read_stretch(
    file: &File,
    stretch: Stretch,
    cut: Cut,
    buf: &mut Vec<u8>,
) -> std::io::Result<StretchText> {
    match cut {
        Cut::Lines => read_lines_stretch(file, stretch, buf),
        Cut::BlankLines => read_sentences_stretch(file, stretch, buf),
    }
}

/// How far before a stretch of CoNLL is read at first, to see the lines
/// before a blank line at its start; more is read when they are longer.
const STRETCH_BACK: u64 = 1024;

/// [`read_stretch`] at [`Cut::BlankLines`].
fn read_sentences_stretch(
    file: &File,
    stretch: Stretch,
    buf: &mut Vec<u8>,
) -> std::io::Result<StretchText> {
    let len = usize::try_from(stretch.len).unwrap_or(usize::MAX);
    let mut back = STRETCH_BACK;
    loop {
        let from = stretch.start.saturating_sub(back);
        let file_start = from == 0;
        // Where the stretch starts in the buffer.
        let head = (stretch.start - from) as usize;
        let want = head.saturating_add(len).saturating_add(STRETCH_TAIL);
        let mut eof = read_at_least(file, from, buf, 0, want)?;
        // The first place in the stretch where a reader may start afresh:
        // after a line feed at buffer index head - 1 .. head + len - 1.
        let first = if stretch.start == 0 {
            0
        } else {
            let (lo, hi) = ((head - 1).min(buf.len()), (head + len - 1).min(buf.len()));
            let mut found = Some(None);
            for i in memchr::memchr_iter(b'\n', &buf[lo..hi]).map(|k| lo + k) {
                match starts_afresh_after(buf, i, file_start) {
                    Some(true) => {
                        found = Some(Some(i + 1));
                        break;
                    }
                    Some(false) => {}
                    None => {
                        found = None;
                        break;
                    }
                }
            }
            match found {
                Some(Some(at)) => at,
                Some(None) => {
                    buf.clear();
                    return Ok(StretchText {
                        range: 0..0,
                        byte: stretch.start,
                        long_line: None,
                    });
                }
                // The lines before a blank line reach further back.
                None => {
                    back = back.saturating_mul(4);
                    continue;
                }
            }
        };
        // The end: the first such place at or after the stretch's end.
        // Every line it looks back at starts at or after `first`, which the
        // buffer holds from the line before it: the answer is always known.
        let mut searched = (head + len - 1).max(first);
        let end = loop {
            let found = memchr::memchr_iter(b'\n', &buf[searched.min(buf.len())..])
                .map(|k| searched + k)
                .find(|&i| starts_afresh_after(buf, i, file_start) != Some(false));
            if let Some(i) = found {
                break i + 1;
            }
            if eof {
                break buf.len();
            }
            // Line feeds read from now on are the candidates left (each
            // looks back at lines the buffer holds already).
            searched = buf.len().max(searched);
            // A long sentence grows the buffer by half at a time.
            let more = (buf.len() / 2).max(READ_PAST);
            eof = read_at_least(file, from, buf, buf.len(), buf.len() + more)?;
        };
        return Ok(StretchText {
            range: first..end,
            byte: from + first as u64,
            long_line: None,
        });
    }
}

/// [`read_stretch`] at [`Cut::Lines`].
fn read_lines_stretch(
    file: &File,
    stretch: Stretch,
    buf: &mut Vec<u8>,
) -> std::io::Result<StretchText> {
    // From the byte before the stretch, which tells whether a line starts
    // at its first byte.
    let from = stretch.start.saturating_sub(1);
    let len = usize::try_from(stretch.len).unwrap_or(usize::MAX);
    let mut eof = read_at_least(file, from, buf, 0, len.saturating_add(1 + STRETCH_TAIL))?;
    let first = if stretch.start == 0 {
        0
    } else {
        // A line starts in the stretch after a line feed at buffer index
        // 0..len (file offsets start - 1 ..= start + len - 2).
        match memchr::memchr(b'\n', &buf[..len.min(buf.len())]) {
            Some(i) => i + 1,
            None => {
                buf.clear();
                return Ok(StretchText {
                    range: 0..0,
                    byte: stretch.start,
                    long_line: None,
                });
            }
        }
    };
    // The last line is the one the line feed at or after the stretch's
    // last byte ends.
    let last = (stretch.start + stretch.len - 1 - from) as usize;
    let mut searched = last.max(first);
    // Where the last line starts: after the last line feed before the
    // stretch's end.
    let last_start = |buf: &[u8]| {
        memchr::memrchr(b'\n', &buf[first..last.min(buf.len())]).map_or(first, |i| first + i + 1)
    };
    let end = loop {
        if let Some(i) = memchr::memchr(b'\n', &buf[searched.min(buf.len())..]) {
            break searched + i + 1;
        }
        if eof {
            break buf.len();
        }
        let start = last_start(buf);
        if buf.len() - start > LONG_LINE_BYTES {
            buf.truncate(start);
            return Ok(StretchText {
                range: first..start,
                byte: from + first as u64,
                long_line: Some(from + start as u64),
            });
        }
        searched = buf.len();
        eof = read_at_least(file, from, buf, buf.len(), buf.len() + READ_PAST)?;
    };
    Ok(StretchText {
        range: first..end,
        byte: from + first as u64,
        long_line: None,
    })
}

/// The rest of a file from a line's start up to and including its line
/// feed: a long line read a block at a time (see
/// [`StretchText::long_line`]).
#[derive(Debug)]
pub struct OneLine<R> {
    inner: R,
    done: bool,
}

impl<R: BufRead> OneLine<R> {
    /// The line that `inner` starts with.
    pub fn new(inner: R) -> OneLine<R> {
        OneLine { inner, done: false }
    }
}

impl<R: BufRead> std::io::Read for OneLine<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_through_buffer(self, buf)
    }
}

impl<R: BufRead> BufRead for OneLine<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.done {
            return Ok(&[]);
        }
        let available = self.inner.fill_buf()?;
        let n = memchr::memchr(b'\n', available).map_or(available.len(), |i| i + 1);
        Ok(&available[..n])
    }

    fn consume(&mut self, amount: usize) {
        if amount == 0 {
            return;
        }
        // What `fill_buf` handed out ends at the line feed, if any.
        if let Ok(available) = self.inner.fill_buf() {
            if available[..amount].contains(&b'\n') {
                self.done = true;
            }
        }
        self.inner.consume(amount);
    }
}

/// Reads `file` from `from + have` onward into `buf[have..]` until `buf`
/// holds `want` bytes read; true at the end of the file. `buf` ends where
/// the bytes read end.
fn read_at_least(
    file: &File,
    from: u64,
    buf: &mut Vec<u8>,
    mut have: usize,
    want: usize,
) -> std::io::Result<bool> {
    buf.resize(want, 0);
    while have < want {
        match read_at(file, &mut buf[have..], from + have as u64) {
            Ok(0) => {
                buf.truncate(have);
                return Ok(true);
            }
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(have);
                return Err(e);
            }
        }
    }
    Ok(false)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    // Moves the file's cursor too, which no one else uses.
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// True when files can be read by stretches on this platform.
pub const POSITIONED_READS: bool = cfg!(any(unix, windows));

#[cfg(not(any(unix, windows)))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Runs chunk conversions on a pool and hands their outputs over in input
/// order.
pub struct Pipeline {
    pool: rayon::ThreadPool,
    window: usize,
    sender: mpsc::Sender<(u64, ChunkOutput)>,
    receiver: mpsc::Receiver<(u64, ChunkOutput)>,
    ready: BTreeMap<u64, ChunkOutput>,
    submitted: u64,
    delivered: u64,
}

impl Pipeline {
    /// A pipeline on `threads` threads.
    ///
    /// # Errors
    /// When the thread pool cannot be built.
    pub fn new(threads: usize) -> Result<Pipeline> {
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::msg(format!("cannot start {threads} threads: {e}")))?;
        let (sender, receiver) = mpsc::channel();
        Ok(Pipeline {
            pool,
            window: 2 * threads,
            sender,
            receiver,
            ready: BTreeMap::new(),
            submitted: 0,
            delivered: 0,
        })
    }

    /// Starts `task` on the pool. Waits first while the window of chunks in
    /// flight is full, handing finished outputs to `sink` in input order.
    ///
    /// # Errors
    /// The first error `sink` returns.
    pub fn submit<F>(
        &mut self,
        task: F,
        sink: &mut dyn FnMut(ChunkOutput) -> Result<()>,
    ) -> Result<()>
    where
        F: FnOnce() -> ChunkOutput + Send + 'static,
    {
        while self.submitted - self.delivered >= self.window as u64 {
            self.wait_one(sink)?;
        }
        let seq = self.submitted;
        self.submitted += 1;
        let sender = self.sender.clone();
        self.pool.spawn(move || {
            // The receiver outlives every task unless the pipeline was
            // dropped after an error; then the output is not wanted.
            let _ = sender.send((seq, task()));
        });
        Ok(())
    }

    /// Waits for every chunk in flight and hands the outputs to `sink`.
    ///
    /// # Errors
    /// The first error `sink` returns.
    pub fn finish(&mut self, sink: &mut dyn FnMut(ChunkOutput) -> Result<()>) -> Result<()> {
        while self.delivered < self.submitted {
            self.wait_one(sink)?;
        }
        Ok(())
    }

    fn wait_one(&mut self, sink: &mut dyn FnMut(ChunkOutput) -> Result<()>) -> Result<()> {
        if !self.ready.contains_key(&self.delivered) {
            let (seq, out) = self
                .receiver
                .recv()
                .map_err(|_| Error::msg("a conversion thread stopped unexpectedly"))?;
            self.ready.insert(seq, out);
        }
        while let Some(out) = self.ready.remove(&self.delivered) {
            self.delivered += 1;
            sink(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &str, cut: Cut, size: usize) -> Vec<(String, ChunkStart)> {
        let mut c = Chunker::new(input.as_bytes(), cut, size, OffsetUnit::Chars);
        let mut out = Vec::new();
        while let Some((bytes, start)) = c.next_chunk().unwrap() {
            out.push((String::from_utf8(bytes).unwrap(), start));
        }
        out
    }

    #[test]
    fn cuts_after_line_ends_and_tracks_positions() {
        let got = chunks("ab\ncd\nef\ng", Cut::Lines, 4);
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts.concat(), "ab\ncd\nef\ng");
        assert_eq!(texts, ["ab\ncd\n", "ef\ng"]);
        assert_eq!(got[1].1.line, 3);
        assert_eq!(got[1].1.byte, 6);
        assert_eq!(got[1].1.index, 1);
    }

    #[test]
    fn cuts_only_after_blank_lines() {
        let input = "a O\nb O\n\nc O\n\r\nd O\ne O\n";
        let got = chunks(input, Cut::BlankLines, 2);
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["a O\nb O\n\n", "c O\n\r\n", "d O\ne O\n"]);
        assert_eq!(got[1].1.line, 4);
        assert_eq!(got[2].1.line, 6);
    }

    #[test]
    fn keeps_a_document_line_with_the_sentence_after_it() {
        let input = "a O\n\n-DOCSTART- O\n\nb O\n\nc O\n";
        let got = chunks(input, Cut::BlankLines, 1);
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["a O\n\n", "-DOCSTART- O\n\nb O\n\n", "c O\n"]);
    }

    #[test]
    fn counts_chars_for_char_offsets() {
        let got = chunks("’x\ny\n", Cut::Lines, 1);
        assert_eq!(got[1].1.unit, 3);
        assert_eq!(got[1].1.byte, 5);
    }

    #[test]
    fn pool_hands_back_emptied_buffers_and_drops_unusual_ones() {
        let pool = BufferPool::default();
        let mut buf = Vec::with_capacity(1000);
        buf.extend_from_slice(b"old");
        let at = buf.as_ptr();
        pool.give(buf);
        let again = pool.take();
        assert!(again.is_empty() && again.capacity() >= 1000 && again.as_ptr() == at);
        assert_eq!(pool.take().capacity(), 0, "one buffer given, one taken");
        pool.give(Vec::with_capacity(POOL_BUFFER_BYTES + 1));
        assert_eq!(pool.take().capacity(), 0, "a buffer too large to keep");
        for _ in 0..POOL_BUFFERS + 3 {
            pool.give(Vec::with_capacity(16));
        }
        let kept = std::iter::from_fn(|| Some(pool.take()))
            .take_while(|b| b.capacity() > 0)
            .count();
        assert_eq!(kept, POOL_BUFFERS);
    }

    #[test]
    fn a_pooled_buffer_goes_back_when_dropped() {
        let pool = BufferPool::default();
        let buf = Vec::with_capacity(100);
        let at = buf.as_ptr();
        let mut reader = std::io::Cursor::new(Pooled::new(buf, pool.clone()));
        assert_eq!(std::io::BufRead::fill_buf(&mut reader).unwrap(), b"");
        assert_eq!(pool.take().capacity(), 0, "not back before the drop");
        drop(reader);
        let back = pool.take();
        assert_eq!(back.as_ptr(), at);
    }

    #[test]
    fn chunks_from_a_pool_are_the_same_chunks() {
        let input = "ab\ncd\nef\ng".repeat(50);
        let pool = BufferPool::default();
        let mut c = Chunker::new(input.as_bytes(), Cut::Lines, 7, OffsetUnit::Bytes)
            .with_pool(pool.clone());
        let mut got = Vec::new();
        while let Some((bytes, _)) = c.next_chunk().unwrap() {
            got.push(String::from_utf8(bytes.clone()).unwrap());
            pool.give(bytes);
        }
        let plain = chunks(&input, Cut::Lines, 7);
        let plain: Vec<String> = plain.into_iter().map(|(t, _)| t).collect();
        assert_eq!(got, plain);
        assert_eq!(got.concat(), input);
    }

    /// The texts of the stretches of `input` cut every `size` bytes, read
    /// from a file through a buffer that still holds `stale`.
    fn stretch_texts(input: &[u8], size: usize, stale: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, input).unwrap();
        let mut buf = stale.to_vec();
        stretches(input.len() as u64, size)
            .map(|s| {
                let text = read_stretch(&file, s, Cut::Lines, &mut buf).unwrap();
                (buf[text.range].to_vec(), text.byte)
            })
            .collect()
    }

    #[test]
    fn every_line_is_in_exactly_one_stretch() {
        let short: Vec<usize> = (1..=12).collect();
        // Lines longer than the first read, and than the reads after it.
        let long = format!("{}\n", "x".repeat(STRETCH_TAIL + 10));
        let longer = format!("{}\n", "y".repeat(STRETCH_TAIL + 2 * READ_PAST));
        let sizes = [97, 5000, READ_PAST, 1 << 20];
        let inputs = [
            ("ab\ncd\nef\ng".to_string(), &short[..]),
            ("ab\ncd\n".to_string(), &short),
            ("\n\n\na\n\n".to_string(), &short),
            ("a\r\nbc\r\n\r\nd".to_string(), &short),
            ("no line end at all".to_string(), &short),
            (format!("a\n{long}b\n{long}{long}c"), &sizes[..]),
            (format!("{longer}b\n{longer}"), &sizes[..]),
        ];
        for (input, sizes) in &inputs {
            let lines: Vec<&str> = input.split_inclusive('\n').collect();
            for &size in *sizes {
                for stale in [&b""[..], &[b'\n'; 300][..]] {
                    let got = stretch_texts(input.as_bytes(), size, stale);
                    let mut at = 0u64;
                    let mut seen = Vec::new();
                    for (k, (text, byte)) in got.iter().enumerate() {
                        let text = std::str::from_utf8(text).unwrap();
                        if !text.is_empty() {
                            assert_eq!(*byte, at, "{input:?} by {size}: stretch {k}");
                            // The lines start in the stretch.
                            assert!(*byte >= (k * size) as u64 && *byte < ((k + 1) * size) as u64);
                        }
                        at += text.len() as u64;
                        seen.extend(text.split_inclusive('\n'));
                    }
                    assert_eq!(seen, lines, "{input:?} in stretches of {size}");
                }
            }
        }
        assert!(stretch_texts(b"", 4, b"").is_empty());
    }

    /// `starts_afresh_after` on the line feed ending the last line of
    /// `text`, the whole of which is the input.
    fn cut_after(text: &str) -> Option<bool> {
        starts_afresh_after(text.as_bytes(), text.len() - 1, true)
    }

    #[test]
    fn a_cut_follows_a_blank_line_after_a_token_line() {
        assert_eq!(cut_after("a O\n\n"), Some(true));
        assert_eq!(cut_after("a O\r\n \t\r\n"), Some(true));
        assert_eq!(cut_after("x\na O\n\n"), Some(true));
        // Not blank, or not after a token line the reader surely reads.
        assert_eq!(cut_after("a O\nb O\n"), Some(false));
        assert_eq!(cut_after("\n"), Some(false));
        assert_eq!(cut_after("a O\n\n\n"), Some(false));
        assert_eq!(cut_after("-DOCSTART- O\n\n"), Some(false));
        assert_eq!(cut_after("a O\n \u{3000}-DOCSTART- O\n\n"), Some(false));
        assert_eq!(cut_after("# sent_id = 1\n\n"), Some(false));
        assert_eq!(cut_after("\u{feff}# c\n\n"), Some(false));
        assert_eq!(cut_after("1-2 du _ O\n\n"), Some(false));
        assert_eq!(cut_after("  1.1 x _ O\n\n"), Some(false));
        assert_eq!(cut_after("\u{a0}\n\n"), Some(false));
        assert_eq!(cut_after("1 a O\n\n"), Some(true));
        // The start of the line before is not in the buffer.
        assert_eq!(starts_afresh_after(b"a O\n\n", 4, false), None);
        assert_eq!(starts_afresh_after(b"O\n\n", 2, false), None);
        assert_eq!(starts_afresh_after(b"  \n", 2, false), None);
        assert_eq!(starts_afresh_after(b"x O\n", 3, false), Some(false));
    }

    #[test]
    fn no_cut_between_a_document_line_and_its_sentence() {
        // After blank lines, a comment or a line blank to the reader, the
        // next sentence still starts the document.
        for input in [
            "a O\n\n-DOCSTART- O\n\n\nb O\n\nc O\n",
            "a O\n\n-DOCSTART- O\n# c\n\nb O\n\nc O\n",
            "a O\n\n-DOCSTART- O\n\u{a0}\n\nb O\n\nc O\n",
        ] {
            let got = chunks(input, Cut::BlankLines, 1);
            let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(texts.len(), 3, "{input:?}: {texts:?}");
            assert!(texts[1].starts_with("-DOCSTART-") && texts[1].ends_with("b O\n\n"));
        }
    }

    /// The texts of the stretches of `input` cut every `size` bytes at
    /// `cut`, read from a file through a buffer that still holds `stale`.
    fn stretch_texts_at(input: &[u8], size: usize, cut: Cut, stale: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, input).unwrap();
        let mut buf = stale.to_vec();
        stretches(input.len() as u64, size)
            .map(|s| {
                let text = read_stretch(&file, s, cut, &mut buf).unwrap();
                assert_eq!(text.long_line, None);
                (buf[text.range].to_vec(), text.byte)
            })
            .collect()
    }

    #[test]
    fn every_sentence_is_in_exactly_one_stretch() {
        let long_token = "t".repeat(3000);
        let long_blank = " ".repeat(5000);
        let mut big = String::new();
        for i in 0..300 {
            big.push_str(&format!("w{i} O\nx I-PER\n"));
            big.push_str(["\n", "\r\n", "\n\n", " \n"][i % 4]);
            if i % 7 == 0 {
                big.push_str("-DOCSTART- -X- O\n\n");
            }
            if i % 11 == 0 {
                big.push_str(&format!("{long_token} O\n\n"));
            }
        }
        let inputs = [
            "a O\nb O\n\nc O\n\r\nd O\ne O\n".to_string(),
            "\n\n\na O\n\n\n\nb O".to_string(),
            "a O\n\n-DOCSTART- O\n\n\nb O\n\nc O\n".to_string(),
            "no blank line\nat all\n".to_string(),
            format!("{long_token} O\n\nb O\n{long_token} O\n{long_blank}\nc O\n\n"),
            format!("a O\n{long_blank}\n\nb O\n\n"),
            big,
        ];
        for input in &inputs {
            let bytes = input.as_bytes();
            // The places where a reader may start afresh, seen from the start.
            let cuts: Vec<usize> = std::iter::once(0)
                .chain(
                    memchr::memchr_iter(b'\n', bytes)
                        .filter(|&i| starts_afresh_after(bytes, i, true) == Some(true))
                        .map(|i| i + 1),
                )
                .collect();
            for size in [1, 2, 7, 97, 1000, 4096, 100_000] {
                for stale in [&b""[..], &[b'\n'; 300][..]] {
                    let got = stretch_texts_at(bytes, size, Cut::BlankLines, stale);
                    let mut at = 0usize;
                    for (k, (text, byte)) in got.iter().enumerate() {
                        if text.is_empty() {
                            continue;
                        }
                        assert_eq!(*byte, at as u64, "{size}: stretch {k}");
                        // It starts at a cut in the stretch and ends at one.
                        assert!(cuts.contains(&at), "{size}: stretch {k} at {at}");
                        assert!(at >= k * size && at < (k + 1) * size);
                        at += text.len();
                        assert!(
                            at == bytes.len() || cuts.contains(&at),
                            "{size}: {k} to {at}"
                        );
                    }
                    assert_eq!(at, bytes.len(), "{size}: every byte");
                }
            }
        }
        assert!(stretch_texts_at(b"", 4, Cut::BlankLines, b"").is_empty());
    }

    #[test]
    fn stretches_end_with_the_file() {
        let all: Vec<(u64, u64)> = stretches(10, 4).map(|s| (s.start, s.len)).collect();
        assert_eq!(all, [(0, 4), (4, 4), (8, 2)]);
        let one: Vec<(u64, u64)> = stretches(10, usize::MAX)
            .map(|s| (s.start, s.len))
            .collect();
        assert_eq!(one, [(0, 10)]);
        assert_eq!(stretches(0, 4).count(), 0);
    }

    #[test]
    fn pipeline_delivers_in_order() {
        let mut p = Pipeline::new(2).unwrap();
        let mut seen = Vec::new();
        let mut sink = |o: ChunkOutput| {
            seen.push(o.bytes);
            Ok(())
        };
        for i in 0..20u8 {
            p.submit(
                move || {
                    // Later chunks finish first.
                    std::thread::sleep(std::time::Duration::from_millis(u64::from(20 - i) / 4));
                    ChunkOutput {
                        bytes: vec![i],
                        ..ChunkOutput::default()
                    }
                },
                &mut sink,
            )
            .unwrap();
        }
        p.finish(&mut sink).unwrap();
        assert_eq!(seen, (0..20u8).map(|i| vec![i]).collect::<Vec<_>>());
    }
}
