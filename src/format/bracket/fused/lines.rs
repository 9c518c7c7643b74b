//! What the fused routes from bracket text to records (JSON lines, spans,
//! bracket text) share: the gathering of a line's tokens (where each starts in the block
//! and how long it is) and entities (label, token range, adjacency) from
//! the masks of the fused route to CoNLL ([`scan`](super::scan)) into
//! reused buffers, the output block a record is written into, and the line
//! driver that reads the input a block at a time, takes the lines it can
//! prove and hands every other line to the general route, as that route
//! does. A line of [`Options::piece_bytes`](crate::bracket::Options::piece_bytes)
//! or more, which the general route reads in pieces so that no one holds
//! it whole, goes to the general route whole: a reader of its own reads the
//! line from what the block holds of it and then from the input, up to its
//! line feed, so that memory stays bounded as on the general route.
//!
//! A route is a [`Record`]: how one gathered line is written.

use std::io::{BufRead, ErrorKind, Read, Write};

use super::buffers::Buffers;
use super::emit::SLACK;
use super::scan::{has_bracket_reference, mark_unusual_runs, scan_blocks, windows, Block, Scan};
use super::tags::{Labels, TagSets};
use super::SCAN;
use crate::bracket::{Options, Reader, SentenceMode};
use crate::convert::{copy_sentences, write_counted, SentenceWriter, Summary};
use crate::error::Result;
use crate::format::record::DIGITS;
use crate::html::HtmlMode;
use crate::repair::Repair;
use crate::scheme::TagScheme;
use crate::sentence::{OffsetUnit, Sentence};
use crate::swar::bits_from;
use crate::tokenize::Tokenizer;

/// Bytes of output gathered before they are handed to the writer. In
/// tests, none, so that every line is handed on at once.
const OUT_BYTES: usize = if cfg!(test) { 1 } else { 1 << 17 };

/// Converts the rest of `reader`'s input to records in `writer` by the
/// fused route, whose lines `record` writes and whose labels are
/// `labels`, handing the lines it cannot prove to the general route.
pub(super) fn copy_fused<R: BufRead, W: FusedWriter, K: Record>(
    reader: &mut Reader<R>,
    writer: &mut W,
    summary: &mut Summary,
    on_repair: &mut dyn FnMut(&Repair),
    labels: Labels,
    record: K,
) -> Result<()> {
    let mut buffers = Buffers::take();
    let mut fused = Fused {
        line: Gathered {
            labels,
            sets: TagSets::default(),
            tokens: Vec::new(),
            token_bytes: 0,
            entities: Vec::new(),
            literal_brackets: false,
        },
        out: Output::default(),
        record,
        clean: std::mem::take(&mut buffers.clean),
        clean_blocks: std::mem::take(&mut buffers.clean_blocks),
    };
    let mut blocks = std::mem::take(&mut buffers.blocks);
    let mut block = std::mem::take(&mut buffers.block);
    let result = if reader.cursor().is_at_end() {
        Ok(())
    } else {
        reader.decide_html().and_then(|_| {
            let mut general = General {
                sentence: Sentence::new(),
                writer: &mut *writer,
                summary: &mut *summary,
                on_repair,
            };
            copy_blocks(reader, &mut fused, &mut general, &mut block, &mut blocks)
        })
    };
    let flushed = fused.flush(writer.out_mut());
    fused.line.labels.count_into(summary);
    buffers.block = block;
    buffers.blocks = blocks;
    buffers.clean = fused.clean;
    buffers.clean_blocks = fused.clean_blocks;
    buffers.give_back();
    result.and(flushed)
}

/// True when the fused route can read the sentences of a reader with
/// `opts`: those of the fused route to CoNLL (a route of its own, so that
/// a change to that one's reach is a change to this one's only when its
/// tests say so).
pub(super) fn fusable(opts: &Options) -> bool {
    opts.tokenizer == Tokenizer::Whitespace
        && opts.sentences == SentenceMode::Line
        && opts
            .labels
            .as_ref()
            .is_none_or(|set| set.iter().all(|l| crate::bracket::is_default_label(l)))
}

/// A token of the line gathered: where it starts in the text and its
/// length in bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) start: usize,
    pub(super) len: usize,
}

/// An entity of the line gathered: its label's index in [`Labels`], its
/// tokens, and whether it directly follows one of its type (only in the
/// schemes whose tags tell: IOB1, IOE1, IO).
#[derive(Clone, Copy, Debug)]
pub(super) struct Entity {
    pub(super) label: usize,
    pub(super) first: usize,
    pub(super) end: usize,
    pub(super) after_same: bool,
}

/// How a fused route writes the record of a line gathered.
pub(super) trait Record {
    /// Writes the record of `line`, gathered from `src[from..to]` (which
    /// holds [`SLACK`] bytes after the line) and holding tokens, into
    /// `out` as the route's writer writes it; false, with nothing
    /// written, where that writer would refuse the line (the line then
    /// goes to the general route, whose error it is).
    fn write(
        &mut self,
        line: &Gathered,
        src: &[u8],
        from: usize,
        to: usize,
        out: &mut Output,
    ) -> bool;
}

/// The writers whose output the fused routes write into: the general
/// route's writer, whose output they write to directly.
pub(super) trait FusedWriter: SentenceWriter {
    /// What the writer writes to.
    type Out: Write;

    /// What the writer writes to, for the bytes written by a fused route.
    fn out_mut(&mut self) -> &mut Self::Out;
}

impl<W: Write> FusedWriter for crate::jsonl::Writer<W> {
    type Out = W;

    fn out_mut(&mut self) -> &mut W {
        crate::jsonl::Writer::out_mut(self)
    }
}

impl<W: Write> FusedWriter for crate::bracket::writer::Writer<W> {
    type Out = W;

    fn out_mut(&mut self) -> &mut W {
        crate::bracket::writer::Writer::out_mut(self)
    }
}

impl<W: Write> FusedWriter for crate::spans::Writer<W> {
    type Out = W;

    fn out_mut(&mut self) -> &mut W {
        crate::spans::Writer::out_mut(self)
    }
}

/// The line gathered: the labels and their tags, and the line's tokens
/// and entities.
pub(super) struct Gathered {
    pub(super) labels: Labels,
    pub(super) sets: TagSets,
    pub(super) tokens: Vec<Token>,
    /// The bytes of the tokens gathered.
    pub(super) token_bytes: usize,
    pub(super) entities: Vec<Entity>,
    /// The line's text was decoded from character references, and its
    /// tokens may hold brackets that are text (from `&#91;`, say).
    pub(super) literal_brackets: bool,
}

/// The state of a route: the line gathered, the output block, the record
/// writer, and the buffers of a cleaned line.
struct Fused<K> {
    line: Gathered,
    out: Output,
    record: K,
    clean: Vec<u8>,
    clean_blocks: Vec<Block>,
}

impl<K: Record> Fused<K> {
    /// Hands the output gathered to `out`.
    fn flush(&mut self, out: &mut impl Write) -> Result<()> {
        out.write_all(self.out.as_bytes())?;
        self.out.clear();
        Ok(())
    }

    /// Gathers the tokens and entities of the line `src[from..to]`, whose
    /// blocks (those of all of `src`) are `blocks`, and writes its record
    /// when it has tokens; returns the number of tokens, or `None` when
    /// the line needs the general route (nothing is then written). `src`
    /// holds at least [`SLACK`] bytes after the line.
    fn convert(&mut self, blocks: &[Block], src: &[u8], from: usize, to: usize) -> Option<usize> {
        self.line.gather(blocks, src, from, to)?;
        let n = self.line.tokens.len();
        if n > 0 {
            if !self.record.write(&self.line, src, from, to, &mut self.out) {
                return None;
            }
            let line = &mut self.line;
            for e in &line.entities {
                line.labels.count_entity(e.label);
                if e.after_same && line.labels.scheme() == TagScheme::Io {
                    // A reader of IO tags finds it one with the entity
                    // before it.
                    line.labels.count_unwritten(e.label, 1);
                }
            }
        }
        Some(n)
    }

    /// Gathers and writes the tokens of `line` as `clean` puts it into a
    /// buffer of its own (tags stripped, say); see [`Fused::convert`].
    fn convert_clean(
        &mut self,
        line: &[u8],
        clean: impl FnOnce(&[u8], &mut Vec<u8>),
    ) -> Option<usize> {
        let mut text = std::mem::take(&mut self.clean);
        let mut blocks = std::mem::take(&mut self.clean_blocks);
        text.clear();
        clean(line, &mut text);
        let len = text.len();
        text.resize(len + SLACK, 0);
        scan_blocks(&text[..len], &mut blocks);
        // Decoding can make what the raw line did not hold: a non-ASCII
        // space (`&nbsp;`, `&#x2003;`), which the general route splits at.
        mark_unusual_runs(&text[..len], &mut blocks);
        let tokens = if blocks.iter().any(|b| b.high != 0) {
            None
        } else {
            self.convert(&blocks, &text, 0, len)
        };
        self.clean = text;
        self.clean_blocks = blocks;
        tokens
    }

    /// Gathers and writes the tokens of `text`, a line with its character
    /// references decoded, where the brackets at `literal` came from
    /// references: they are scanned as letters, so that they stay inside
    /// their tokens.
    fn convert_decoded(&mut self, text: &[u8], literal: &[usize]) -> Option<usize> {
        let mut blocks = std::mem::take(&mut self.clean_blocks);
        let mut scanned = std::mem::take(&mut self.clean);
        scanned.clear();
        scanned.extend_from_slice(text);
        for &at in literal {
            scanned[at] = b'a';
        }
        scan_blocks(&scanned, &mut blocks);
        mark_unusual_runs(&scanned, &mut blocks);
        scanned.clear();
        scanned.extend_from_slice(text);
        scanned.resize(text.len() + SLACK, 0);
        let tokens = if blocks.iter().any(|b| b.high != 0) {
            None
        } else {
            self.line.literal_brackets = !literal.is_empty();
            let tokens = self.convert(&blocks, &scanned, 0, text.len());
            self.line.literal_brackets = false;
            tokens
        };
        self.clean = scanned;
        self.clean_blocks = blocks;
        tokens
    }
}

impl Gathered {
    /// The tokens and entities of the line `src[from..to]` into
    /// `self.tokens` and `self.entities`, as the fused route to CoNLL
    /// reads them (see `Emitter::emit`); `None` where that route hands the
    /// line on: a bracket that opens or closes nothing, an opener of a
    /// label without tags, an empty or unclosed entity.
    #[inline]
    pub(super) fn gather(
        &mut self,
        blocks: &[Block],
        src: &[u8],
        from: usize,
        to: usize,
    ) -> Option<()> {
        assert!(
            to + SLACK <= src.len(),
            "room for the opener lookup past the line"
        );
        self.tokens.clear();
        self.entities.clear();
        self.token_bytes = 0;
        if from == to {
            return Some(());
        }
        let text = &src[..to];
        let tokens = &mut self.tokens;
        let adjacency = matches!(
            self.labels.scheme(),
            TagScheme::Iob1 | TagScheme::Ioe1 | TagScheme::Io
        );
        let mut bytes = 0;
        // The open entity: its label and first token.
        let mut open: Option<(usize, usize, bool)> = None;
        // The label of the last entity closed and the token after it.
        let mut closed: Option<(usize, usize)> = None;
        for (k, bits) in windows(from, to) {
            let Block {
                delim,
                bracket,
                starts,
                ..
            } = blocks[k];
            let mut events = (starts | bracket) & bits;
            while events != 0 {
                let bit = events.trailing_zeros() as usize;
                events &= events - 1;
                let at = 64 * k + bit;
                if bracket & (1 << bit) == 0 {
                    let len = token_len(delim, bit, blocks, k);
                    tokens.push(Token { start: at, len });
                    bytes += len;
                    continue;
                }
                if text[at] == b'[' {
                    if open.is_some() {
                        // Entities do not nest, nor hold a `[`.
                        return None;
                    }
                    let run = (delim >> bit) >> 1;
                    let run = if run != 0 {
                        run.trailing_zeros() as usize
                    } else {
                        63 - bit + blocks[k + 1].delim.trailing_zeros() as usize
                    };
                    let (label, _) = self.labels.opener(&mut self.sets, src, text, at, run)?;
                    // No token between the entity closed and this one.
                    let after_same = adjacency
                        && closed.is_some_and(|(l, end)| l == label && end == tokens.len());
                    open = Some((label, tokens.len(), after_same));
                } else {
                    // A `]` closes the open entity; without one, it is
                    // literal text. An empty entity is an error.
                    let (label, first, after_same) = open.take()?;
                    if first == tokens.len() {
                        return None;
                    }
                    self.entities.push(Entity {
                        label,
                        first,
                        end: tokens.len(),
                        after_same,
                    });
                    closed = Some((label, tokens.len()));
                }
            }
        }
        if open.is_some() {
            return None;
        }
        self.token_bytes = bytes;
        Some(())
    }
}

/// Tokens up to this length are copied with one fixed-size copy.
pub(super) const SHORT: usize = 16;

/// The token `t` of `src` as text: the lines this route writes are valid
/// UTF-8 (the scan sends others elsewhere) and split at ASCII bytes.
pub(super) fn token_str(src: &[u8], t: Token) -> &str {
    std::str::from_utf8(&src[t.start..t.start + t.len]).expect("lines taken are UTF-8")
}

/// The output block: the bytes written, then zeros that fixed-size
/// copies past what is written may overwrite.
#[derive(Debug, Default)]
pub(super) struct Output {
    bytes: Vec<u8>,
    pub(super) len: usize,
}

impl Output {
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    /// The block, with room for `room` bytes after what is written, and
    /// where to write them.
    #[inline]
    pub(super) fn room(&mut self, room: usize) -> (&mut [u8], usize) {
        if self.bytes.len() - self.len < room {
            let want = (self.len + room).max(2 * self.bytes.len());
            self.bytes.resize(want, 0);
        }
        (&mut self.bytes[..self.len + room], self.len)
    }

    /// Keeps only what is written from `at` on.
    pub(super) fn keep_from(&mut self, at: usize) {
        self.bytes.copy_within(at..self.len, 0);
        self.len -= at;
    }
}

/// Writes `N` bytes at `w` of `buf`; returns the end.
#[inline(always)]
pub(super) fn put<const N: usize>(buf: &mut [u8], w: usize, bytes: &[u8; N]) -> usize {
    buf[w..w + N].copy_from_slice(bytes);
    w + N
}

/// Writes the token `t` of `src` (which holds [`SHORT`] bytes past any
/// token) at `w`; a short one with one copy of fixed size, the bytes past
/// it overwritten next. Returns the end.
#[inline(always)]
pub(super) fn put_token(buf: &mut [u8], w: usize, src: &[u8], t: Token) -> usize {
    if t.len <= SHORT {
        buf[w..w + SHORT].copy_from_slice(&src[t.start..t.start + SHORT]);
    } else {
        buf[w..w + t.len].copy_from_slice(&src[t.start..t.start + t.len]);
    }
    w + t.len
}

/// Writes `n` in decimal at `w`; returns the end. Below 1,000 (most
/// offsets in a line) one store of four bytes, the fourth overwritten by
/// what follows.
#[inline(always)]
pub(super) fn put_number(buf: &mut [u8], w: usize, n: usize) -> usize {
    if n < 1000 {
        let digits = DIGITS[n];
        buf[w..w + 4].copy_from_slice(&digits.to_le_bytes());
        w + (digits >> 24) as usize
    } else {
        let mut b = itoa::Buffer::new();
        let s = b.format(n).as_bytes();
        buf[w..w + s.len()].copy_from_slice(s);
        w + s.len()
    }
}

/// Writes the text member's content: the tokens joined by single spaces,
/// where runs of tokens that single spaces join in `src` are copied as
/// one. Returns the end.
#[inline(always)]
pub(super) fn put_text(buf: &mut [u8], mut w: usize, src: &[u8], tokens: &[Token]) -> usize {
    let Some(first) = tokens.first() else {
        return w;
    };
    let (mut run, mut end) = (first.start, first.start + first.len);
    for t in &tokens[1..] {
        // A gap of one space; a one-byte gap may be a bracket too.
        if t.start != end + 1 || src[end] != b' ' {
            buf[w..w + end - run].copy_from_slice(&src[run..end]);
            w += end - run;
            w = put(buf, w, b" ");
            run = t.start;
        }
        end = t.start + t.len;
    }
    buf[w..w + end - run].copy_from_slice(&src[run..end]);
    w + end - run
}

/// The bytes a JSON string escapes: `"`, `\` and the control characters.
#[inline(always)]
pub(super) fn escaped_bytes(x: u64) -> u64 {
    use crate::swar::{eq_bytes, lt_bytes};
    eq_bytes(x, b'"') | eq_bytes(x, b'\\') | lt_bytes(x, 0x20)
}

/// The length of the token that starts at bit `bit` of block `k`, whose
/// delimiters are `delim` (as the fused route to CoNLL finds it).
#[inline(always)]
fn token_len(delim: u64, bit: usize, blocks: &[Block], k: usize) -> usize {
    let rest = delim >> bit;
    if rest != 0 {
        rest.trailing_zeros() as usize
    } else {
        let mut j = k + 1;
        while blocks[j].delim == 0 {
            j += 1;
        }
        64 * j + blocks[j].delim.trailing_zeros() as usize - (64 * k + bit)
    }
}

/// What the general route needs to convert one line.
struct General<'a, W: FusedWriter> {
    sentence: Sentence,
    writer: &'a mut W,
    summary: &'a mut Summary,
    on_repair: &'a mut dyn FnMut(&Repair),
}

impl<W: FusedWriter> General<'_, W> {
    /// Converts `raw`, the reader's next line with its line end, as
    /// [`copy_sentences`] does.
    #[cold]
    #[inline(never)]
    fn convert<R: BufRead>(&mut self, reader: &mut Reader<R>, raw: &[u8]) -> Result<()> {
        let line = reader.cursor().next_line().number;
        let sentence = &mut self.sentence;
        sentence.clear();
        let parsed = reader.parse_raw_line(raw, sentence);
        for r in reader.take_repairs() {
            self.summary.repairs.add(&r);
            (self.on_repair)(&r);
        }
        parsed?;
        if sentence.is_empty() {
            return Ok(());
        }
        sentence.set_line(line);
        sentence.set_document_start(reader.cursor_mut().take_document_start());
        write_counted(sentence, self.writer, self.summary)
    }

    /// Converts the reader's next line, a long one whose start is `head`
    /// (the whole line when `whole`, else the rest is still to be read
    /// from the input), as [`copy_sentences`] does: by a reader of its
    /// own that reads the line in pieces as the reader would
    /// ([`Options::piece_bytes`]), from `head` and then from the input up
    /// to the line feed.
    #[cold]
    #[inline(never)]
    fn convert_long<R: BufRead>(
        &mut self,
        reader: &mut Reader<R>,
        head: &[u8],
        whole: bool,
    ) -> Result<()> {
        let next_line = reader.cursor().next_line();
        let document_start = reader.cursor_mut().take_document_start();
        let mut opts = reader.options().clone();
        // As the reader decided.
        opts.html = match reader.strips_html() {
            Some(true) => HtmlMode::Strip,
            _ => HtmlMode::Keep,
        };
        let rest = LineRest {
            inner: reader.input_mut(),
            done: whole,
            newline: None,
        };
        let mut line = Reader::new(head.chain(rest), opts).starting_at(
            next_line.number,
            next_line.byte,
            next_line.unit,
            document_start,
        );
        let result = copy_sentences(&mut line, self.writer, self.summary, self.on_repair);
        let (next_line, document_start) = (
            line.cursor().next_line(),
            line.cursor_mut().take_document_start(),
        );
        drop(line);
        reader.cursor_mut().move_to(next_line, document_start);
        result
    }
}

/// The rest of a line in the input: its bytes up to and with its line
/// feed, then nothing.
struct LineRest<'a, R> {
    inner: &'a mut R,
    /// The line feed has been read.
    done: bool,
    /// Where the line feed is in what `fill_buf` last gave.
    newline: Option<usize>,
}

impl<R: BufRead> Read for LineRest<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineRest<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.done {
            return Ok(&[]);
        }
        let buf = self.inner.fill_buf()?;
        self.newline = memchr::memchr(b'\n', buf);
        Ok(&buf[..self.newline.map_or(buf.len(), |i| i + 1)])
    }

    fn consume(&mut self, amount: usize) {
        if self.newline.is_some_and(|i| amount > i) {
            self.done = true;
        }
        self.newline = self.newline.and_then(|i| i.checked_sub(amount));
        self.inner.consume(amount);
    }
}

/// The length from which a line goes to the general route whole (see the
/// module's documentation): the reader's piece bound, at which it may read
/// a line in pieces.
fn long_line(reader_opts: &Options) -> usize {
    reader_opts.piece_bytes.map_or(usize::MAX, |b| b.max(1))
}

/// Converts the rest of the input, read a block at a time.
fn copy_blocks<R: BufRead, W: FusedWriter, K: Record>(
    reader: &mut Reader<R>,
    fused: &mut Fused<K>,
    general: &mut General<'_, W>,
    block: &mut Vec<u8>,
    blocks: &mut Vec<Block>,
) -> Result<()> {
    let long = long_line(reader.options());
    // The bytes read but not yet converted: the start of a line.
    let (mut start, mut end) = (0, 0);
    loop {
        block.copy_within(start..end, 0);
        end -= start;
        start = 0;
        if end + SLACK >= block.len() {
            if end >= long {
                // A line the general route reads in pieces: it takes it.
                fused.flush(general.writer.out_mut())?;
                general.convert_long(reader, &block[..end], false)?;
                end = 0;
                continue;
            }
            block.resize(block.len() * 2, 0);
        }
        let limit = block.len() - SLACK;
        let n = match reader.read_input(&mut block[end..limit]) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            reader.cursor_mut().set_at_end();
            convert_lines(reader, fused, general, block, end, true, blocks)?;
            return Ok(());
        }
        end += n;
        start = convert_lines(reader, fused, general, block, end, false, blocks)?;
    }
}

/// Converts the lines of `data[..end]` a stretch of [`SCAN`] bytes at a
/// time, as the fused route to CoNLL does; with `at_end`, the last line
/// too. Returns where the bytes not converted start. `data` holds
/// [`SLACK`] bytes after `end`.
fn convert_lines<R: BufRead, W: FusedWriter, K: Record>(
    reader: &mut Reader<R>,
    fused: &mut Fused<K>,
    general: &mut General<'_, W>,
    data: &[u8],
    end: usize,
    at_end: bool,
    blocks: &mut Vec<Block>,
) -> Result<usize> {
    let (mut start, mut window) = (0, SCAN);
    while start < end {
        let stop = end.min(start + window);
        let text = &data[start..stop + SLACK];
        let len = stop - start;
        scan_blocks(&text[..len], blocks);
        mark_unusual_runs(&text[..len], blocks);
        let done = convert_complete_lines(reader, fused, general, text, blocks)?;
        if stop == end {
            if at_end && done < len {
                let (content, _) = crate::lines::content(&text[done..len], false);
                let line = (done, done + content.len(), len);
                convert_line(reader, fused, general, text, blocks, line, true)?;
                return Ok(end);
            }
            return Ok(start + done);
        }
        if done == 0 {
            // A line longer than the window: the next window ends after
            // its line feed, or the line is not complete yet.
            match memchr::memchr(b'\n', &data[stop..end]) {
                Some(i) => window = stop + i + 1 - start,
                None if at_end => window = end - start,
                None => return Ok(start),
            }
        } else {
            start += done;
            window = SCAN;
        }
    }
    Ok(start)
}

/// Converts the lines of `block` that end in a line feed (`blocks` are its
/// masks), and returns where the rest starts.
fn convert_complete_lines<R: BufRead, W: FusedWriter, K: Record>(
    reader: &mut Reader<R>,
    fused: &mut Fused<K>,
    general: &mut General<'_, W>,
    block: &[u8],
    blocks: &[Block],
) -> Result<usize> {
    let mut start = 0;
    // The markup and unusual runs seen so far on the current line.
    let mut carried = 0;
    for k in 0..blocks.len() - 1 {
        let Block {
            newline,
            markup,
            high,
            ..
        } = blocks[k];
        let marks = markup | high;
        let mut line_bits = u64::MAX;
        let mut newlines = newline;
        while newlines != 0 {
            let bit = newlines.trailing_zeros() as usize;
            newlines &= newlines - 1;
            let before = (1 << bit) - 1;
            let marked = carried | (marks & line_bits & before) != 0;
            carried = 0;
            line_bits = bits_from(bit + 1);
            let at = 64 * k + bit;
            let content_end = if at > start && block[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            let line = (start, content_end, at + 1);
            convert_line(reader, fused, general, block, blocks, line, marked)?;
            start = at + 1;
        }
        carried |= marks & line_bits;
    }
    Ok(start)
}

/// Converts the line `block[start..end]` (with its line end; its content
/// ends at `content_end`) by the fused route when it can, else by the
/// general one, as the fused route to CoNLL does. `marked` is false when
/// the line has neither markup nor an unusual run.
#[inline]
fn convert_line<R: BufRead, W: FusedWriter, K: Record>(
    reader: &mut Reader<R>,
    fused: &mut Fused<K>,
    general: &mut General<'_, W>,
    block: &[u8],
    blocks: &[Block],
    (start, content_end, end): (usize, usize, usize),
    marked: bool,
) -> Result<()> {
    let raw = &block[start..end];
    if raw.len() >= long_line(reader.options()) {
        fused.flush(general.writer.out_mut())?;
        return general.convert_long(reader, raw, true);
    }
    // A byte-order mark goes the general way.
    let bom = reader.cursor().at_input_start() && raw.starts_with("\u{feff}".as_bytes());
    if !bom {
        let content = &block[start..content_end];
        let w_before = fused.out.as_bytes().len();
        let scan = if marked {
            Scan::of_line(blocks, block, start, content_end)
        } else {
            Scan::default()
        };
        let strip = reader.strips_html() == Some(true);
        let tokens = if scan.unusual {
            None
        } else if !scan.references && !scan.tags {
            fused.convert(blocks, block, start, content_end)
        } else {
            let references = scan.references;
            let text = || std::str::from_utf8(content).expect("checked by the scan");
            if references && (strip || has_bracket_reference(text())) {
                let clean = reader.line_cleaner();
                clean.clean(text(), strip);
                fused.convert_decoded(clean.text().as_bytes(), clean.literal_brackets())
            } else if strip && scan.tags && !references {
                fused.convert_clean(content, crate::html::strip_tags_into)
            } else {
                fused.convert(blocks, block, start, content_end)
            }
        };
        if let Some(tokens) = tokens {
            if tokens > 0 {
                if reader.cursor_mut().take_document_start() {
                    // The document starts before this sentence's record
                    // (the writers of records write nothing for it).
                    general.summary.documents += 1;
                    let out = general.writer.out_mut();
                    out.write_all(&fused.out.as_bytes()[..w_before])?;
                    general.writer.start_document()?;
                    fused.out.keep_from(w_before);
                }
                general.summary.sentences += 1;
                general.summary.tokens += tokens as u64;
            }
            let n = raw.len() as u64;
            let units = match reader.options().offsets {
                OffsetUnit::Bytes => n,
                unit => {
                    let text = std::str::from_utf8(content).expect("checked by the scan");
                    (unit.len_of(text) + raw.len() - content.len()) as u64
                }
            };
            reader.cursor_mut().pass_line(n, units);
            if fused.out.as_bytes().len() >= OUT_BYTES {
                fused.flush(general.writer.out_mut())?;
            }
            return Ok(());
        }
    }
    fused.flush(general.writer.out_mut())?;
    general.convert(reader, raw)
}
