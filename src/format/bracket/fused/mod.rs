//! The fused route from bracket text to CoNLL lines: the commonest
//! conversion, run on gigabytes.
//!
//! The general route parses a line into a [`Sentence`], encodes its tags and
//! then writes both: every token is visited three times and recorded once.
//! This route computes bit masks of every 64 bytes of the input block
//! (whitespace, brackets, line feeds, markup, non-ASCII) and copies each
//! token and its tag from the input block straight to the output block. It
//! takes only the lines it writes exactly as the general route would: well
//! formed, valid UTF-8, no non-ASCII whitespace, no literal bracket outside
//! a character reference, labels in the label set, no byte-order mark. Every
//! other line goes through the general route, so errors, repairs and their
//! positions are the general route's own. Tests check that both routes write
//! the same bytes, count the same entities and report the same errors and
//! repairs.
//!
//! With the unicode tokenizer each run of non-whitespace is split into
//! that tokenizer's tokens as it is written: a run of ASCII letters,
//! digits and `_` is one token (a mask of the other bytes tells), others
//! go through the tokenizer's fast path, and a line holding a char that
//! path does not know goes through the general route.
//!
//! This module drives the route: it reads blocks of input, finds their
//! lines, and hands each to the [`Emitter`] or to the general route, moving
//! the reader's [`LineCursor`](super::cursor::LineCursor) past it. It asks
//! the [`Reader`] only through a few methods (options, cursor, input bytes,
//! one line into the general route), never through its fields. The other
//! parts each do one job:
//!
//! - [`masks`]: the bit masks of 64 bytes (SWAR, SSE2 or AVX-512BW);
//! - [`scan`]: the masks as [`Block`]s, and what in a line needs a closer
//!   look ([`Scan`]);
//! - [`tags`]: the tag text of each label in every role, and the cache that
//!   recognises openers;
//! - [`emit`]: the kernel that copies tokens and tags into the output
//!   block, with every unsafe copy of the route;
//! - [`buffers`]: the large buffers, kept by each thread between
//!   conversions.

use std::io::{BufRead, ErrorKind, Write};

use buffers::Buffers;
use emit::{Emitter, SLACK};
use scan::{has_bracket_reference, mark_split_bytes, mark_unusual_runs, scan_blocks, Block, Scan};

use super::{LinePrefix, Options, Reader, SentenceMode};
use crate::conll;
use crate::convert::{copy_sentences, write_counted, SentenceWriter, Summary};
use crate::error::Result;
use crate::repair::Repair;
use crate::scheme::{TagScheme, TagStyle};
use crate::sentence::{OffsetUnit, Sentence};
use crate::swar::bits_from;
use crate::tokenize::Tokenizer;

mod bracket;
#[cfg(test)]
mod bracket_tests;
mod buffers;
mod emit;
mod jsonl;
#[cfg(test)]
mod jsonl_tests;
mod lines;
#[cfg(test)]
mod lines_tests;
pub(crate) mod masks;
mod scan;
mod spans;
#[cfg(test)]
mod spans_tests;
mod tags;
#[cfg(test)]
mod tests;

/// A line longer than this that fills the input block is converted a
/// piece at a time (see [`Fused::convert_piece`]), so that neither its
/// input nor its output is held whole: memory stays bounded by the block
/// and the output of a block (at most 17 times its size, reserved for the
/// worst case of one-byte tokens), whatever the length of the line. In tests, few bytes, so that the property tests
/// cut lines into many pieces; [`PIECE_BYTES_FOR_TESTS`] sets it.
#[cfg(not(test))]
fn piece_bytes() -> usize {
    1 << 16
}

#[cfg(test)]
thread_local! {
    /// The piece size of [`piece_bytes`] in tests.
    pub(super) static PIECE_BYTES_FOR_TESTS: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

#[cfg(test)]
fn piece_bytes() -> usize {
    PIECE_BYTES_FOR_TESTS.with(std::cell::Cell::get)
}

/// Bytes scanned for masks at a time: the stretch and its masks stay in
/// the L1 cache until its tokens are copied. In tests, few, so that lines
/// cross stretches and outgrow them.
const SCAN: usize = if cfg!(test) { 37 } else { 1 << 13 };

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to CoNLL lines in `writer`, as
    /// [`copy_sentences`] with this reader and `writer` would, byte for byte,
    /// and several times faster when the options allow the fused route
    /// (whitespace or unicode tokens and a sentence per line); otherwise it is
    /// `copy_sentences`.
    ///
    /// # Errors
    /// As [`copy_sentences`]: the first error of reading or writing. The
    /// lines before the failing one have been written.
    ///
    /// # Example
    /// ```
    /// use nerkit::bracket::{Options, Reader};
    /// use nerkit::conll::Writer;
    /// use nerkit::convert::Summary;
    /// use nerkit::TagScheme;
    ///
    /// let text = "x\n[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n";
    /// let mut reader = Reader::new(text.as_bytes(), Options::default());
    /// let mut out = Vec::new();
    /// let mut summary = Summary::default();
    /// reader.copy_to_conll(&mut Writer::new(&mut out, TagScheme::Iob2), &mut summary, &mut |_| {})?;
    /// assert!(String::from_utf8(out).unwrap().ends_with("met\tO\nPakistan\tB-LOC\nofficials\tO\n.\tO\n\n"));
    /// assert_eq!((summary.sentences, summary.tokens, summary.read.total()), (2, 8, 2));
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn copy_to_conll<W: Write>(
        &mut self,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        copy_to_conll_with(self, writer, summary, on_repair, None)
    }
}

impl Reader<std::io::Cursor<Vec<u8>>> {
    /// [`Reader::copy_to_conll`] for input already in memory (a chunk of a
    /// larger input, say), from the cursor's position on: the fused route
    /// converts the buffer where it is rather than copying it a block at a
    /// time.
    ///
    /// # Errors
    /// As [`Reader::copy_to_conll`].
    pub fn copy_in_memory_to_conll<W: Write>(
        &mut self,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        let at = match self.unread_offset() {
            Some(at) if fusable(self.options()) => at,
            _ => return self.copy_to_conll(writer, summary, on_repair),
        };
        self.decide_html()?;
        let mut data = self.take_input();
        let result = copy_to_conll_with(self, writer, summary, on_repair, Some((&mut data, at)));
        // The buffer goes back, read to its end, for a caller that reuses it.
        self.restore_input_read(data);
        result
    }
}

/// True when the fused route can write the sentences of a reader with
/// `opts` as CoNLL lines (in every tag scheme and style): whitespace
/// tokens, or unicode tokens, which the route splits from runs of
/// non-whitespace (see [`Emitter::tokenize_unicode`]).
fn fusable(opts: &Options) -> bool {
    matches!(opts.tokenizer, Tokenizer::Whitespace | Tokenizer::Unicode)
        && opts.sentences == SentenceMode::Line
        // Its openers are of the default label pattern, looked up by their
        // bytes; a label set of wider labels takes the general route.
        && opts
            .labels
            .as_ref()
            .is_none_or(|set| set.iter().all(|l| crate::bracket::is_default_label(l)))
}

/// The state of the fused route: the emitter with its output block, and
/// the buffers of a cleaned line.
#[derive(Debug)]
struct Fused {
    emitter: Emitter,
    /// The text of a cleaned line, with room after it like a block's, and
    /// its blocks.
    clean: Vec<u8>,
    clean_blocks: Vec<Block>,
    /// The pieces of the current line written so far, when it is long.
    pieces: Option<Pieces>,
}

/// What the pieces of a long line written so far hold: until the line's
/// end they count neither as a sentence nor in the summary, since the line
/// may yet turn out to be wrong (as a line written whole would not have
/// been counted either).
#[derive(Debug, Default)]
struct Pieces {
    /// Where the rest of the line starts in it.
    prefix: LinePrefix,
    tokens: u64,
    /// The start of a document was written before the first piece.
    document_start: bool,
    /// Entities written, by label.
    entities: Vec<u64>,
    /// Of those, the entities merged into the one before them (IO tags),
    /// by label.
    merged: Vec<u64>,
}

impl Fused {
    /// The route's state for tags in `scheme` and `style` in `columns`, of
    /// the labels in `allowed` (any when `None`), in buffers taken from
    /// `buffers`.
    fn new(
        (scheme, style): (TagScheme, TagStyle),
        columns: conll::Columns,
        allowed: Option<Vec<String>>,
        buffers: &mut Buffers,
    ) -> Fused {
        let out = std::mem::take(&mut buffers.out);
        Fused {
            emitter: Emitter::new(scheme, style, columns.separator(), allowed, out),
            clean: std::mem::take(&mut buffers.clean),
            clean_blocks: std::mem::take(&mut buffers.clean_blocks),
            pieces: None,
        }
    }

    /// Marks the split bytes of `blocks`, those of `text`, when the
    /// emitter writes unicode tokens, which it splits only at those.
    #[inline]
    fn mark_split_bytes(&self, text: &[u8], blocks: &mut [Block]) {
        if self.emitter.tokenizes_unicode() {
            mark_split_bytes(text, blocks);
        }
    }

    /// Hands the buffers back.
    fn into_buffers(self, buffers: &mut Buffers) {
        buffers.clean = self.clean;
        buffers.clean_blocks = self.clean_blocks;
        buffers.out = self.emitter.into_output();
    }

    /// Makes room for the output of a line of `len` bytes, handing what is
    /// gathered to `out` when needed.
    fn reserve(&mut self, len: usize, out: &mut impl Write) -> Result<()> {
        if !self.emitter.has_room_for(len) {
            self.flush(out)?;
            self.emitter.grow_for(len);
        }
        Ok(())
    }

    /// Adds the entities of the fused lines to `summary`.
    fn count_into(&self, summary: &mut Summary) {
        self.emitter.labels().count_into(summary);
    }

    /// Writes the tokens of the line `src[from..to]`; see [`Emitter::emit`].
    #[inline(always)]
    fn emit(&mut self, blocks: &[Block], src: &[u8], from: usize, to: usize) -> Option<usize> {
        self.emitter.emit(blocks, src, from, to)
    }

    /// Writes the tokens of `line` as `clean` puts it into a buffer of its
    /// own (tags stripped, say); see [`Emitter::emit`].
    fn emit_clean(
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
        self.mark_split_bytes(&text[..len], &mut blocks);
        // Decoding can make what the raw line did not hold: a non-ASCII
        // space (`&nbsp;`, `&#x2003;`), which the general route splits at.
        mark_unusual_runs(&text[..len], &mut blocks);
        let tokens = if blocks.iter().any(|b| b.high != 0) {
            None
        } else {
            self.emit(&blocks, &text, 0, len)
        };
        self.clean = text;
        self.clean_blocks = blocks;
        tokens
    }

    /// Writes the tokens of `text`, a line with its character references
    /// decoded, where the brackets at `literal` came from references: they
    /// are scanned as letters, so that they stay inside their tokens.
    fn emit_decoded(&mut self, text: &[u8], literal: &[usize]) -> Option<usize> {
        let mut blocks = std::mem::take(&mut self.clean_blocks);
        let mut scanned = std::mem::take(&mut self.clean);
        scanned.clear();
        scanned.extend_from_slice(text);
        for &at in literal {
            scanned[at] = b'a';
        }
        scan_blocks(&scanned, &mut blocks);
        // A decoded reference can be a non-ASCII space (`&nbsp;`,
        // `&#x2003;`), which the general route splits at.
        mark_unusual_runs(&scanned, &mut blocks);
        scanned.clear();
        scanned.extend_from_slice(text);
        // Split bytes of the text itself: a decoded bracket, a letter to
        // the delimiters, is a token of its own to the unicode tokenizer.
        self.mark_split_bytes(text, &mut blocks);
        scanned.resize(text.len() + SLACK, 0);
        let tokens = if blocks.iter().any(|b| b.high != 0) {
            None
        } else {
            self.emit(&blocks, &scanned, 0, text.len())
        };
        self.clean = scanned;
        self.clean_blocks = blocks;
        tokens
    }

    /// Writes the output up to `at`, then the start of a document, and
    /// keeps the rest (the lines of the document's first sentence).
    fn flush_document_start<W: Write>(
        &mut self,
        at: usize,
        writer: &mut conll::Writer<W>,
    ) -> Result<()> {
        writer.out_mut().write_all(&self.emitter.output()[..at])?;
        writer.start_document()?;
        self.emitter.keep_output_from(at);
        Ok(())
    }

    /// Converts the first part of `block[..end]`, the start of a line
    /// longer than a piece whose end has not been read, and returns how
    /// many bytes it converted (0 when it converted none: the line is then
    /// read further, whole as before, or its rest goes to the general
    /// route at its end). It cuts before a token outside entities that
    /// follows a space or tab, where no tag depends on the other side of
    /// the cut (no entity is open, and the token after the cut keeps an
    /// entity from following another of its type: no IOB1 `B-`, no IOE1
    /// `E-` to patch into a piece handed on, no IO merge), and takes the
    /// piece only when it holds nothing the fused route hands back (a
    /// character reference to a bracket, markup when HTML is stripped,
    /// unusual bytes, a literal bracket): such a line is read whole as
    /// before, or its rest after the pieces written goes to the general
    /// route.
    fn convert_piece<R: BufRead, W: Write>(
        &mut self,
        reader: &mut Reader<R>,
        general: &mut General<'_, W>,
        block: &[u8],
        end: usize,
        blocks: &mut Vec<Block>,
    ) -> Result<usize> {
        let strip = reader.strips_html() == Some(true);
        let bom = self.pieces.is_none()
            && reader.cursor().at_input_start()
            && block.starts_with("\u{feff}".as_bytes());
        if strip || bom {
            return Ok(0);
        }
        // Unicode tokens may be a byte each, so that the output of a
        // piece may take twice what it takes with whitespace tokens (see
        // `Emitter::has_room_for`): their pieces are cut within the first
        // `piece_bytes` when they can be, which keeps the output block as
        // small.
        let cut = if self.emitter.tokenizes_unicode() && end > piece_bytes() {
            piece_cut(&block[..piece_bytes()]).or_else(|| piece_cut(&block[..end]))
        } else {
            piece_cut(&block[..end])
        };
        let Some(cut) = cut else {
            return Ok(0);
        };
        let piece = &block[..cut];
        scan_blocks(piece, blocks);
        self.mark_split_bytes(piece, blocks);
        mark_unusual_runs(piece, blocks);
        // Only `&` of the markup (a bracket reference is checked below):
        // the piece holds no carriage return, `<` or unusual bytes.
        let clean = blocks.iter().enumerate().all(|(k, b)| {
            let mut markup = b.markup;
            let mut only_ampersands = true;
            while markup != 0 {
                only_ampersands &= piece[64 * k + markup.trailing_zeros() as usize] == b'&';
                markup &= markup - 1;
            }
            b.high == 0 && only_ampersands
        });
        if !clean {
            return Ok(0);
        }
        let Ok(text) = std::str::from_utf8(piece) else {
            return Ok(0);
        };
        if memchr::memchr(b'&', piece).is_some() && has_bracket_reference(text) {
            return Ok(0);
        }
        self.reserve(cut, general.writer.out_mut())?;
        let w_before = self.emitter.output_len();
        let Some(tokens) = self.emitter.emit_piece(blocks, block, 0, cut) else {
            return Ok(0);
        };
        let pieces = self.pieces.get_or_insert_with(Pieces::default);
        if tokens > 0 && pieces.tokens == 0 && reader.cursor_mut().take_document_start() {
            pieces.document_start = true;
            self.flush_document_start(w_before, general.writer)?;
        }
        let pieces = self.pieces.as_mut().expect("set above");
        pieces.tokens += tokens as u64;
        for &label in self.emitter.line_entities() {
            if pieces.entities.len() <= label {
                pieces.entities.resize(label + 1, 0);
            }
            pieces.entities[label] += 1;
        }
        for &label in self.emitter.line_merged() {
            if pieces.merged.len() <= label {
                pieces.merged.resize(label + 1, 0);
            }
            pieces.merged[label] += 1;
        }
        let chars = text.bytes().filter(|&b| (b & 0xC0) != 0x80).count() as u64;
        let units = match reader.options().offsets {
            OffsetUnit::Bytes => cut as u64,
            unit => unit.len_of(text) as u64,
        };
        pieces.prefix.bytes += cut as u64;
        pieces.prefix.units += units;
        pieces.prefix.chars += chars;
        self.flush(general.writer.out_mut())?;
        Ok(cut)
    }

    /// Ends the line whose pieces were written, after its rest is written
    /// with `tokens` tokens: counts the entities of the pieces, the tokens
    /// and the sentence, and writes the blank line after it when the rest
    /// wrote none. Returns the line's first part.
    fn end_pieces(&mut self, rest_tokens: u64, wrote_end: bool, summary: &mut Summary) {
        let Some(pieces) = self.pieces.take() else {
            return;
        };
        for (label, &n) in pieces.entities.iter().enumerate() {
            if n > 0 {
                self.emitter.count_entities(label, n);
            }
        }
        for (label, &n) in pieces.merged.iter().enumerate() {
            if n > 0 {
                self.emitter.count_unwritten(label, n);
            }
        }
        if pieces.tokens > 0 && !wrote_end {
            self.emitter.end_sentence();
        }
        if pieces.tokens > 0 && rest_tokens == 0 {
            summary.sentences += 1;
        }
        summary.tokens += pieces.tokens;
        summary.documents += u64::from(pieces.document_start);
    }

    /// Ends the line whose pieces were written, after the writer refused
    /// its rest (which the general route counted as read, as a sentence
    /// with the tokens and entities of the rest only): counts the tokens,
    /// the start of a document and the entities of the pieces as read,
    /// and their entities as not written.
    fn end_unwritten_pieces(&mut self, summary: &mut Summary) {
        let Some(pieces) = self.pieces.take() else {
            return;
        };
        // Those merged (IO) are among them: none is written.
        for (label, &n) in pieces.entities.iter().enumerate() {
            if n > 0 {
                self.emitter.count_entities(label, n);
                self.emitter.count_unwritten(label, n);
            }
        }
        summary.tokens += pieces.tokens;
        summary.documents += u64::from(pieces.document_start);
    }

    /// Hands the output gathered to `out`.
    fn flush(&mut self, out: &mut impl Write) -> Result<()> {
        out.write_all(self.emitter.output())?;
        self.emitter.clear_output();
        Ok(())
    }
}

/// [`Reader::copy_to_conll`]; with `(data, at)`, the rest of the input is
/// `data[at..]` (already read into memory), converted in place.
fn copy_to_conll_with<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    writer: &mut conll::Writer<W>,
    summary: &mut Summary,
    on_repair: &mut dyn FnMut(&Repair),
    data: Option<(&mut Vec<u8>, usize)>,
) -> Result<()> {
    if !fusable(reader.options()) {
        debug_assert!(data.is_none(), "in-memory input is taken only when fusable");
        return copy_sentences(reader, writer, summary, on_repair);
    }
    let mut buffers = Buffers::take();
    let mut fused = Fused::new(
        (writer.effective_scheme(), writer.tag_style()),
        writer.columns(),
        reader.options().labels.clone(),
        &mut buffers,
    );
    fused
        .emitter
        .tokenize_unicode(reader.options().tokenizer == Tokenizer::Unicode);
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
            match data {
                Some((data, at)) => {
                    convert_in_place(reader, &mut fused, &mut general, data, at, &mut blocks)
                }
                None => copy_fused(reader, &mut fused, &mut general, &mut block, &mut blocks),
            }
        })
    };
    buffers.block = block;
    let flushed = fused.flush(writer.out_mut());
    fused.count_into(summary);
    fused.into_buffers(&mut buffers);
    buffers.blocks = blocks;
    buffers.give_back();
    result.and(flushed)
}

/// Converts `data[at..]`, the whole rest of the input, without copying it.
fn convert_in_place<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
    general: &mut General<'_, W>,
    data: &mut Vec<u8>,
    at: usize,
    blocks: &mut Vec<Block>,
) -> Result<()> {
    reader.cursor_mut().set_at_end();
    let end = data.len();
    // Room for the fixed-size copies past the last token.
    data.resize(end + SLACK, 0);
    convert_lines(reader, fused, general, &data[at..], end - at, true, blocks)?;
    data.truncate(end);
    Ok(())
}

/// Converts the lines of `data[..end]` a stretch of [`SCAN`] bytes at a
/// time, so that the stretch and its masks are still in the nearest cache
/// when its tokens are copied; with `at_end`, the last line too, which has
/// no line feed. Returns where the bytes not converted (the start of a
/// line) start. `data` holds [`SLACK`] bytes after `end`.
fn convert_lines<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
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
        fused.mark_split_bytes(&text[..len], blocks);
        mark_unusual_runs(&text[..len], blocks);
        let done = convert_complete_lines(reader, fused, general, text, blocks)?;
        if stop == end {
            if at_end && done < len {
                convert_last_line(reader, fused, general, text, blocks, done, len)?;
                return Ok(end);
            }
            return Ok(start + done);
        }
        if done == 0 {
            // A line longer than the window: the next window ends after
            // its line feed (a search faster than scanning for masks), or
            // the line is not complete yet.
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
fn convert_complete_lines<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
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
        // The bits of this block on the current line.
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

/// Converts `block[start..end]`, the input's last line, which has no line
/// feed.
fn convert_last_line<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
    general: &mut General<'_, W>,
    block: &[u8],
    blocks: &[Block],
    start: usize,
    end: usize,
) -> Result<()> {
    let (content, _) = crate::lines::content(&block[start..end], false);
    let line = (start, start + content.len(), end);
    convert_line(reader, fused, general, block, blocks, line, true)
}

/// Where a piece of the start of a long line, `text` (no line feed in it),
/// may end: before the last token that follows a space or a tab and is
/// outside entities, a token that is not a bracket and starts with an
/// ASCII byte (a boundary of unicode tokens too: a non-ASCII char there
/// may join the space before it, which the rest of the line, read from
/// the cut, would not see). Outside entities is
/// where the last bracket before is a `]` or there is none: in a line the
/// fused route writes, every bracket opens or closes an entity, and a
/// line where one does not goes to the general route, which reads a `[`
/// that opens nothing as text; on such a line this tells "inside" where
/// the general route may see none, so that it cuts less, never wrongly.
fn piece_cut(text: &[u8]) -> Option<usize> {
    let (from, to) = match memchr::memrchr2(b'[', b']', text) {
        None => (0, text.len()),
        Some(at) if text[at] == b']' => (at + 1, text.len()),
        // Inside an entity: cut before its opener.
        Some(open) => match memchr::memrchr2(b'[', b']', &text[..open]) {
            None => (0, open),
            Some(at) if text[at] == b']' => (at + 1, open),
            Some(_) => return None,
        },
    };
    let is_blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    let mut at = to;
    while at > from + 1 {
        at -= 1;
        let b = text[at - 1];
        if matches!(b, b' ' | b'\t')
            && !is_blank(text[at])
            && !matches!(text[at], b'[' | b']')
            && text[at].is_ascii()
        {
            return Some(at);
        }
    }
    None
}

/// Converts the rest of the input, read a block at a time.
fn copy_fused<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
    general: &mut General<'_, W>,
    block: &mut Vec<u8>,
    blocks: &mut Vec<Block>,
) -> Result<()> {
    // The bytes read but not yet converted: the start of a line.
    let (mut start, mut end) = (0, 0);
    loop {
        block.copy_within(start..end, 0);
        end -= start;
        start = 0;
        if end + SLACK >= block.len() {
            // A line longer than the block: a piece of it is converted
            // when it is long enough, else the block grows.
            if end >= piece_bytes() {
                let done = fused.convert_piece(reader, general, block, end, blocks)?;
                if done > 0 {
                    start = done;
                    continue;
                }
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

/// Converts the line `block[start..end]` (with its line end; its content
/// ends at `content_end`) by the fused route when it can, else by the
/// general one. `blocks` are the blocks of `block`, with their unusual runs
/// marked; `marked` is false when the line has neither markup nor an
/// unusual run, which spares it [`Scan::of_line`].
#[inline]
fn convert_line<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
    general: &mut General<'_, W>,
    block: &[u8],
    blocks: &[Block],
    (start, content_end, end): (usize, usize, usize),
    marked: bool,
) -> Result<()> {
    let raw = &block[start..end];
    if fused.pieces.is_some() {
        return convert_line_rest(
            reader,
            fused,
            general,
            block,
            blocks,
            (start, content_end, end),
        );
    }
    // A byte-order mark goes the general way.
    let bom = reader.cursor().at_input_start() && raw.starts_with("\u{feff}".as_bytes());
    if !bom {
        let content = &block[start..content_end];
        fused.reserve(content.len(), general.writer.out_mut())?;
        let w_before = fused.emitter.output_len();
        let scan = if marked {
            Scan::of_line(blocks, block, start, content_end)
        } else {
            Scan::default()
        };
        let strip = reader.strips_html() == Some(true);
        let tokens = if scan.unusual {
            None
        } else if !scan.references && !scan.tags {
            fused.emit(blocks, block, start, content_end)
        } else {
            let references = scan.references;
            // Only a line with references needs its text as `str`.
            let text = || std::str::from_utf8(content).expect("checked by the scan");
            if references && (strip || has_bracket_reference(text())) {
                // Tags stripped and character references decoded (only
                // bracket ones without stripping), as the general route
                // does; a decoded bracket is text, not markup.
                let clean = reader.line_cleaner();
                clean.clean(text(), strip);
                fused.emit_decoded(clean.text().as_bytes(), clean.literal_brackets())
            } else if references {
                // Without stripping and without bracket references,
                // nothing is decoded: the line reads as it is.
                fused.emit(blocks, block, start, content_end)
            } else if strip && scan.tags {
                fused.emit_clean(content, crate::html::strip_tags_into)
            } else {
                fused.emit(blocks, block, start, content_end)
            }
        };
        if let Some(tokens) = tokens {
            if tokens > 0 {
                if reader.cursor_mut().take_document_start() {
                    // The document starts (`-DOCSTART-`, if written)
                    // before this sentence's lines.
                    general.summary.documents += 1;
                    fused.flush_document_start(w_before, general.writer)?;
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
            return Ok(());
        }
    }
    fused.flush(general.writer.out_mut())?;
    general.convert(reader, raw)
}

/// Converts the line `block[start..end]`, the rest of a long line whose
/// first pieces are written, as [`convert_line`] does a line; the rest
/// goes to the general route when the fused one cannot take it (and its
/// first part, written already, then stays in the output before an error).
#[cold]
#[inline(never)]
fn convert_line_rest<R: BufRead, W: Write>(
    reader: &mut Reader<R>,
    fused: &mut Fused,
    general: &mut General<'_, W>,
    block: &[u8],
    blocks: &[Block],
    (start, content_end, end): (usize, usize, usize),
) -> Result<()> {
    let raw = &block[start..end];
    let content = &block[start..content_end];
    let prefix = fused.pieces.as_ref().expect("called with pieces").prefix;
    let first_tokens = fused.pieces.as_ref().map_or(0, |p| p.tokens);
    let scan = Scan::of_line(blocks, block, start, content_end);
    let plain = !(scan.unusual
        || scan.tags
        || reader.strips_html() == Some(true)
        || (scan.references
            && has_bracket_reference(std::str::from_utf8(content).expect("checked by the scan"))));
    if plain {
        fused.reserve(content.len(), general.writer.out_mut())?;
        let w_before = fused.emitter.output_len();
        if let Some(tokens) = fused.emit(blocks, block, start, content_end) {
            if tokens > 0 {
                if first_tokens == 0 && reader.cursor_mut().take_document_start() {
                    general.summary.documents += 1;
                    fused.flush_document_start(w_before, general.writer)?;
                }
                general.summary.sentences += 1;
                general.summary.tokens += tokens as u64;
            }
            fused.end_pieces(tokens as u64, tokens > 0, general.summary);
            let n = raw.len() as u64;
            let units = match reader.options().offsets {
                OffsetUnit::Bytes => n,
                unit => {
                    let text = std::str::from_utf8(content).expect("checked by the scan");
                    (unit.len_of(text) + raw.len() - content.len()) as u64
                }
            };
            reader
                .cursor_mut()
                .pass_line(prefix.bytes + n, prefix.units + units);
            return Ok(());
        }
    }
    fused.flush(general.writer.out_mut())?;
    match general.convert_rest(reader, raw, prefix) {
        Rest::Written(rest_tokens) => {
            fused.end_pieces(rest_tokens, rest_tokens > 0, general.summary);
            fused.flush(general.writer.out_mut())
        }
        Rest::Unread(e) => {
            // The line is not counted, as a line read whole and refused is
            // not; what its pieces wrote stays written.
            fused.pieces = None;
            Err(e)
        }
        Rest::Unwritten(e) => {
            // The line is counted as read, its entities as not written, as
            // a line read whole that the writer refuses (a label the tag
            // style cannot write); what its pieces wrote stays written.
            fused.end_unwritten_pieces(general.summary);
            Err(e)
        }
    }
}

/// What the general route needs to convert one line.
struct General<'a, W: Write> {
    sentence: Sentence,
    writer: &'a mut conll::Writer<W>,
    summary: &'a mut Summary,
    on_repair: &'a mut dyn FnMut(&Repair),
}

impl<W: Write> General<'_, W> {
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

    /// Converts `raw`, the rest (with its line end) of the reader's next
    /// line whose first part, `prefix`, is written, as [`General::convert`]
    /// does a line, and says how it went.
    #[cold]
    #[inline(never)]
    fn convert_rest<R: BufRead>(
        &mut self,
        reader: &mut Reader<R>,
        raw: &[u8],
        prefix: LinePrefix,
    ) -> Rest {
        let line = reader.cursor().next_line().number;
        let sentence = &mut self.sentence;
        sentence.clear();
        let parsed = reader.parse_raw_rest(raw, prefix, sentence);
        for r in reader.take_repairs() {
            self.summary.repairs.add(&r);
            (self.on_repair)(&r);
        }
        if let Err(e) = parsed {
            return Rest::Unread(e);
        }
        if sentence.is_empty() {
            return Rest::Written(0);
        }
        sentence.set_line(line);
        sentence.set_document_start(reader.cursor_mut().take_document_start());
        match write_counted(sentence, self.writer, self.summary) {
            Ok(()) => Rest::Written(sentence.len() as u64),
            Err(e) => Rest::Unwritten(e),
        }
    }
}

/// How the general route took the rest of a long line.
enum Rest {
    /// Written, with this many tokens.
    Written(u64),
    /// Refused by the reader: not counted.
    Unread(crate::Error),
    /// Read and counted, then refused by the writer.
    Unwritten(crate::Error),
}
