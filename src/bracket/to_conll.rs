//! The fused route from bracket text to CoNLL lines: the commonest
//! conversion, run on gigabytes.
//!
//! The general route parses a line into a [`Sentence`], encodes its tags and
//! then writes both: every token is visited three times and recorded once.
//! This route copies each token and its tag from the input block straight to
//! the output block while the line is scanned. It takes only the lines it
//! writes exactly as the general route would: well formed, valid UTF-8, no
//! character reference, not the first sentence of a document. Every other
//! line goes through the general route, so errors, repairs and their
//! positions are the general route's own. Tests check that both routes write
//! the same bytes and count the same entities.

use std::io::{BufRead, ErrorKind, Write};

use super::masks::{block_masks, BlockMasks};
use super::{opener_label_len, Reader, SentenceMode};
use crate::conll;
use crate::convert::{copy_sentences, SentenceWriter, Summary};
use crate::error::Result;
use crate::repair::Repair;
use crate::scheme::{self, TagScheme};
use crate::sentence::{Entity, OffsetUnit, Sentence};
use crate::span::TokenSpan;
use crate::tokenize::Tokenizer;

/// Bytes read from the input at a time (in tests, few, so that lines cross
/// reads and outgrow the block).
const BLOCK: usize = if cfg!(test) { 61 } else { 1 << 18 };
/// Bytes of output gathered before they are handed to the writer.
const OUT_BLOCK: usize = 1 << 18;
/// The most a tag line ending (separator, tag, newline) may take; labels
/// whose tags are longer go through the general route.
const TAG_BYTES: usize = 32;
/// Tokens up to this length are copied with one fixed-size copy.
const SHORT_TOKEN: usize = 16;
/// Room past the data of a block, so that fixed-size copies of a short
/// token near its end stay inside the buffer.
const SLACK: usize = 32;

/// What follows a token on its line: separator, tag and newline, padded so
/// that it is copied with one fixed-size copy.
#[derive(Clone, Copy, Debug)]
struct TagText {
    bytes: [u8; TAG_BYTES],
    len: usize,
}

impl TagText {
    fn new(separator: &[u8], tag: &str) -> Option<TagText> {
        let len = separator.len() + tag.len() + 1;
        if len > TAG_BYTES {
            return None;
        }
        let mut bytes = [0; TAG_BYTES];
        bytes[..separator.len()].copy_from_slice(separator);
        bytes[separator.len()..len - 1].copy_from_slice(tag.as_bytes());
        bytes[len - 1] = b'\n';
        Some(TagText { bytes, len })
    }
}

/// Where a token sits in its entity; each picks one tag of a label.
#[derive(Clone, Copy, Debug)]
enum Role {
    First,
    Middle,
    Last,
    Single,
    /// IOB1 marks the first token of an entity that directly follows one of
    /// the same type.
    FirstAfterSame,
    SingleAfterSame,
}

/// A label seen in the input, with its tags when the fused route can write
/// them (the label is allowed and its tags fit in [`TAG_BYTES`]).
#[derive(Debug)]
struct Label {
    key: u64,
    name: String,
    tags: Option<[TagText; 6]>,
}

/// The tags of `label` in each [`Role`], as [`scheme::encode`] writes them.
fn role_tags(scheme: TagScheme, separator: &[u8], label: &str) -> Option<[TagText; 6]> {
    let entity = |start, end| Entity {
        label,
        tokens: TokenSpan::new(start, end),
    };
    fn tag(
        scheme: TagScheme,
        separator: &[u8],
        len: usize,
        entities: &[Entity<'_>],
        at: usize,
    ) -> Option<TagText> {
        let mut tags = Vec::new();
        scheme::encode(scheme, len, entities, &mut tags).ok()?;
        TagText::new(separator, &tags[at].to_string())
    }
    let tag = |len, entities: &[Entity<'_>], at| tag(scheme, separator, len, entities, at);
    Some([
        tag(3, &[entity(0, 3)], 0)?,
        tag(3, &[entity(0, 3)], 1)?,
        tag(3, &[entity(0, 3)], 2)?,
        tag(1, &[entity(0, 1)], 0)?,
        tag(3, &[entity(0, 1), entity(1, 3)], 1)?,
        tag(2, &[entity(0, 1), entity(1, 2)], 1)?,
    ])
}

/// True for the schemes whose tags the fused route writes: those where a
/// token's tag depends on its own entity only (and, for IOB1, on the entity
/// before it), and where every entity written is read back.
fn fused_scheme(scheme: TagScheme) -> bool {
    matches!(
        scheme,
        TagScheme::Iob1 | TagScheme::Iob2 | TagScheme::Ioe2 | TagScheme::Iobes | TagScheme::Bilou
    )
}

/// The labels seen, their tags and the entities counted for each.
#[derive(Debug)]
struct Labels {
    scheme: TagScheme,
    separator: &'static [u8],
    allowed: Option<Vec<String>>,
    labels: Vec<Label>,
    /// Entities per label, read and written alike.
    counts: Vec<u64>,
}

/// Up to the first eight bytes of a label, for a comparison in one step.
#[inline(always)]
fn label_key(name: &[u8]) -> u64 {
    let mut key = name.len() as u64;
    for (i, &b) in name.iter().take(7).enumerate() {
        key |= u64::from(b) << (8 * (i + 1));
    }
    key
}

impl Labels {
    /// The index of label `name` when the fused route can write it.
    #[inline]
    fn get(&mut self, name: &[u8]) -> Option<usize> {
        let key = label_key(name);
        let found = self
            .labels
            .iter()
            .position(|l| l.key == key && (name.len() < 8 || l.name.as_bytes() == name));
        match found {
            Some(i) => self.labels[i].tags.is_some().then_some(i),
            None => self.add(name),
        }
    }

    #[cold]
    fn add(&mut self, name: &[u8]) -> Option<usize> {
        let key = label_key(name);
        // Labels are ASCII: `opener_label_len` accepted them.
        let name = String::from_utf8_lossy(name).into_owned();
        let allowed = self
            .allowed
            .as_ref()
            .is_none_or(|set| set.contains(&name));
        let tags = if allowed {
            role_tags(self.scheme, self.separator, &name)
        } else {
            None
        };
        self.labels.push(Label { key, name, tags });
        self.counts.push(0);
        tags.map(|_| self.labels.len() - 1)
    }

    fn tags(&self, label: usize) -> &[TagText; 6] {
        self.labels[label]
            .tags
            .as_ref()
            .expect("labels are handed out only with their tags")
    }
}

/// The state of the fused route: the labels, the masks of the current
/// line and the output block.
#[derive(Debug)]
struct Fused {
    labels: Labels,
    outside: TagText,
    line_entities: Vec<usize>,
    /// Per 64-byte block of the line: delimiters (whitespace and brackets)
    /// and brackets; then a block of delimiters.
    masks: Vec<(u64, u64)>,
    out: Vec<u8>,
    /// The end of the output in `out`.
    w: usize,
}

/// Copies `src[s..e]` and then `tag` to `out` at `w`; returns the new end.
/// Short tokens are copied sixteen bytes at a time (a copy of a length known
/// when compiling is a few moves, one of a length known only at run time a
/// call); the bytes past the token are overwritten by the tag or the next
/// token, and the caller has made room for them.
#[inline(always)]
fn put(out: &mut [u8], w: usize, src: &[u8], (s, e): (usize, usize), tag: &TagText) -> usize {
    let len = e - s;
    if len <= SHORT_TOKEN && s + SHORT_TOKEN <= src.len() {
        let dst = &mut out[w..w + SHORT_TOKEN + TAG_BYTES];
        dst[..SHORT_TOKEN].copy_from_slice(&src[s..s + SHORT_TOKEN]);
        dst[len..len + TAG_BYTES].copy_from_slice(&tag.bytes);
    } else {
        out[w..w + len].copy_from_slice(&src[s..e]);
        out[w + len..w + len + TAG_BYTES].copy_from_slice(&tag.bytes);
    }
    w + len + tag.len
}

/// The bits from `rel` up; none when `rel` is 64 or more.
#[inline(always)]
fn from_bit(rel: usize) -> u64 {
    u64::MAX.checked_shl(rel as u32).unwrap_or(0)
}

/// A line being written: its text, where the text sits in `src` (which
/// may extend past it, for fixed-size copies), and its masks.
struct Line<'a> {
    src: &'a [u8],
    from: usize,
    text: &'a [u8],
    masks: &'a [(u64, u64)],
}

impl Line<'_> {
    /// The token starts of block `k`: bytes that are not delimiters and
    /// follow one (the start of the line counts as one).
    #[inline(always)]
    fn starts(&self, k: usize) -> u64 {
        let before = if k == 0 { 1 } else { self.masks[k - 1].0 >> 63 };
        let delim = self.masks[k].0;
        !delim & ((delim << 1) | before)
    }

    /// The end of the token that starts at `at`: the next delimiter (the
    /// masks end with a block of them).
    #[inline(always)]
    fn token_end(&self, at: usize) -> usize {
        let mut k = at / 64;
        let mut delim = self.masks[k].0 & from_bit(at % 64);
        while delim == 0 {
            k += 1;
            delim = self.masks[k].0;
        }
        64 * k + delim.trailing_zeros() as usize
    }

    /// The first bracket at or after `at`.
    fn next_bracket(&self, at: usize) -> Option<usize> {
        let mut k = at / 64;
        let mut brackets = self.masks.get(k)?.1 & from_bit(at % 64);
        while brackets == 0 {
            k += 1;
            brackets = self.masks.get(k)?.1;
        }
        Some(64 * k + brackets.trailing_zeros() as usize)
    }

    /// The last token start in `from..to`.
    fn last_start(&self, from: usize, to: usize) -> Option<usize> {
        if from >= to {
            return None;
        }
        let mut k = (to - 1) / 64;
        loop {
            let below_to = !from_bit(to - 64 * k);
            let from_from = from_bit(from.saturating_sub(64 * k));
            let starts = self.starts(k) & below_to & from_from;
            if starts != 0 {
                return Some(64 * k + 63 - starts.leading_zeros() as usize);
            }
            if 64 * k <= from {
                return None;
            }
            k -= 1;
        }
    }

    /// The token at `at` of the text, as a span of `src`.
    #[inline(always)]
    fn token(&self, at: usize) -> (usize, usize) {
        (self.from + at, self.from + self.token_end(at))
    }
}

/// What [`Fused::scan`] found in a line.
#[derive(Clone, Copy, Debug, Default)]
struct Scan {
    /// `&` or `<`.
    markup: bool,
    /// Not UTF-8.
    invalid: bool,
    /// A non-ASCII whitespace char, which the masks do not show.
    unicode_space: bool,
}

impl Scan {
    /// Checks the runs of non-ASCII bytes `high` of the block at `at` of
    /// `text`, those that start at or after `checked`, and returns where
    /// the last run checked ends. An ASCII byte is a whole char, so a text
    /// is UTF-8 when each run of non-ASCII bytes is.
    #[cold]
    fn check_runs(&mut self, text: &[u8], at: usize, mut high: u64, checked: usize) -> usize {
        high &= from_bit(checked.saturating_sub(at));
        let mut end = checked;
        while high != 0 {
            let start = at + high.trailing_zeros() as usize;
            end = start + text[start..].iter().take_while(|&&b| b >= 0x80).count();
            match std::str::from_utf8(&text[start..end]) {
                Ok(run) => self.unicode_space |= run.chars().any(char::is_whitespace),
                Err(_) => self.invalid = true,
            }
            high &= from_bit(end - at);
        }
        end
    }
}

impl Fused {
    fn new(scheme: TagScheme, columns: conll::Columns, allowed: Option<Vec<String>>) -> Fused {
        let separator = columns.separator();
        Fused {
            labels: Labels {
                scheme,
                separator,
                allowed,
                labels: Vec::new(),
                counts: Vec::new(),
            },
            outside: TagText::new(separator, "O").expect("the O tag fits"),
            line_entities: Vec::new(),
            masks: Vec::new(),
            out: vec![0; OUT_BLOCK],
            w: 0,
        }
    }

    /// Makes room for the output of a line of `len` bytes, handing what is
    /// gathered to `out` when needed.
    fn reserve(&mut self, len: usize, out: &mut impl Write) -> Result<()> {
        // At most (len + 1) / 2 tokens, each with a tag of at most TAG_BYTES
        // and up to SHORT_TOKEN bytes copied past it, and a blank line.
        let bound = len + (len / 2 + 2) * TAG_BYTES + SHORT_TOKEN + 1;
        if self.w + bound > self.out.len() {
            self.flush(out)?;
            if bound > self.out.len() {
                self.out.resize(bound, 0);
            }
        }
        Ok(())
    }

    /// Adds the entities of the fused lines to `summary`.
    fn count_into(&self, summary: &mut Summary) {
        for (label, &n) in self.labels.labels.iter().zip(&self.labels.counts) {
            if n > 0 {
                summary.read.add(&label.name, n);
                summary.written.add(&label.name, n);
            }
        }
    }

    fn flush(&mut self, out: &mut impl Write) -> Result<()> {
        out.write_all(&self.out[..self.w])?;
        self.w = 0;
        Ok(())
    }

    /// Computes the masks of `text` into `self.masks` and says what in it
    /// needs a closer look.
    fn scan(&mut self, text: &[u8]) -> Scan {
        self.masks.clear();
        let mut scan = Scan::default();
        let mut checked = 0;
        let mut add = |m: BlockMasks, at: usize, masks: &mut Vec<(u64, u64)>| {
            masks.push((m.blank | m.bracket, m.bracket));
            scan.markup |= m.markup != 0;
            if m.high != 0 {
                checked = scan.check_runs(text, at, m.high, checked);
            }
        };
        let mut chunks = text.chunks_exact(64);
        let mut at = 0;
        for chunk in &mut chunks {
            add(
                block_masks(chunk.try_into().expect("64 bytes")),
                at,
                &mut self.masks,
            );
            at += 64;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Spaces past the end: the last token ends there.
            let mut chunk = [b' '; 64];
            chunk[..rest.len()].copy_from_slice(rest);
            add(block_masks(&chunk), at, &mut self.masks);
        }
        self.masks.push((u64::MAX, 0));
        scan
    }

    /// Writes the tokens of the line `src[from..to]`, scanned by
    /// [`Fused::scan`], with their tags at the end of the output, and
    /// returns the number of tokens; `None` when the line needs the general
    /// route (what was written is then to be forgotten). Room has been made
    /// with [`Fused::reserve`].
    fn emit(&mut self, src: &[u8], from: usize, to: usize) -> Option<usize> {
        let line = Line {
            src,
            from,
            text: &src[from..to],
            masks: &self.masks,
        };
        let out = &mut self.out[..];
        let outside = &self.outside;
        let labels = &mut self.labels;
        let entities = &mut self.line_entities;
        entities.clear();
        let blocks = line.masks.len() - 1;
        if blocks == 0 {
            return Some(0);
        }
        let mut w = self.w;
        let mut tokens = 0;
        // The label of the entity that the next token directly follows.
        let mut just_closed = None;
        let mut k = 0;
        let mut events = line.starts(0) | line.masks[0].1;
        loop {
            while events == 0 {
                k += 1;
                if k == blocks {
                    if tokens > 0 {
                        out[w] = b'\n';
                        self.w = w + 1;
                        for &label in entities.iter() {
                            labels.counts[label] += 1;
                        }
                    }
                    return Some(tokens);
                }
                events = line.starts(k) | line.masks[k].1;
            }
            let bit = events.trailing_zeros() as usize;
            events &= events - 1;
            let at = 64 * k + bit;
            if line.masks[k].1 & (1 << bit) == 0 {
                w = put(out, w, src, line.token(at), outside);
                tokens += 1;
                just_closed = None;
                continue;
            }
            // A bracket that opens nothing is literal text, which this
            // route does not split into tokens.
            if line.text[at] != b'[' {
                return None;
            }
            let entity = write_entity(&line, labels, out, w, at, just_closed)?;
            w = entity.w;
            tokens += entity.tokens;
            entities.push(entity.label);
            just_closed = Some(entity.label);
            k = entity.close / 64;
            events = (line.starts(k) | line.masks[k].1) & from_bit(entity.close % 64 + 1);
        }
    }
}

/// What [`write_entity`] wrote.
struct Written {
    label: usize,
    tokens: usize,
    /// The offset of the `]` in the line.
    close: usize,
    w: usize,
}

/// Writes the entity whose `[` is at `at` of the line; `None` when it is
/// not a well-formed entity of a label the fused route writes.
#[inline(never)]
fn write_entity(
    line: &Line<'_>,
    labels: &mut Labels,
    out: &mut [u8],
    mut w: usize,
    at: usize,
    just_closed: Option<usize>,
) -> Option<Written> {
    let label_len = opener_label_len(&line.text[at + 1..])?;
    let label = labels.get(&line.text[at + 1..at + 1 + label_len])?;
    let body = at + 1 + label_len;
    let close = line.next_bracket(body)?;
    if line.text[close] != b']' {
        return None;
    }
    let last = line.last_start(body, close)?;
    let tags = labels.tags(label);
    let after_same = just_closed == Some(label);
    let mut k = body / 64;
    let mut starts = line.starts(k) & from_bit(body % 64);
    let mut tokens = 0;
    loop {
        while starts == 0 {
            k += 1;
            starts = line.starts(k);
        }
        let start = 64 * k + starts.trailing_zeros() as usize;
        starts &= starts - 1;
        let role = match (tokens == 0, start == last, after_same) {
            (true, true, false) => Role::Single,
            (true, true, true) => Role::SingleAfterSame,
            (true, false, false) => Role::First,
            (true, false, true) => Role::FirstAfterSame,
            (false, true, _) => Role::Last,
            (false, false, _) => Role::Middle,
        };
        w = put(out, w, line.src, line.token(start), &tags[role as usize]);
        tokens += 1;
        if start == last {
            return Some(Written {
                label,
                tokens,
                close,
                w,
            });
        }
    }
}

impl<R: BufRead> Reader<R> {
    /// Converts the rest of the input to CoNLL lines in `writer`, as
    /// [`copy_sentences`] with this reader and `writer` would, byte for byte,
    /// and several times faster when the options allow the fused route
    /// (whitespace tokens, a sentence per line, and a tag scheme other than
    /// IO and IOE1); otherwise it is `copy_sentences`.
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
        let fusable = self.opts.tokenizer == Tokenizer::Whitespace
            && self.opts.sentences == SentenceMode::Line
            && fused_scheme(writer.scheme());
        if !fusable {
            return copy_sentences(self, writer, summary, on_repair);
        }
        let mut fused = Fused::new(writer.scheme(), writer.columns(), self.opts.labels.clone());
        let result = self.copy_fused(&mut fused, writer, summary, on_repair);
        let flushed = fused.flush(writer.out_mut());
        fused.count_into(summary);
        result.and(flushed)
    }

    fn copy_fused<W: Write>(
        &mut self,
        fused: &mut Fused,
        writer: &mut conll::Writer<W>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        if self.eof {
            return Ok(());
        }
        self.decide_html()?;
        let mut general = General {
            sentence: Sentence::new(),
            writer,
            summary,
            on_repair,
        };
        let mut block = vec![0; BLOCK + SLACK];
        // The bytes read but not yet converted: the start of a line.
        let (mut start, mut end) = (0, 0);
        loop {
            block.copy_within(start..end, 0);
            end -= start;
            start = 0;
            if end + SLACK >= block.len() {
                // A line longer than the block.
                block.resize(block.len() * 2, 0);
            }
            let limit = block.len() - SLACK;
            let n = match self.inner.read(&mut block[end..limit]) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                self.eof = true;
                if start < end {
                    self.convert_line(fused, &mut general, &block, start, end)?;
                }
                return Ok(());
            }
            end += n;
            while let Some(i) = memchr::memchr(b'\n', &block[start..end]) {
                let line_end = start + i + 1;
                self.convert_line(fused, &mut general, &block, start, line_end)?;
                start = line_end;
            }
        }
    }

    /// Converts the line `block[start..end]` (with its line end) by the
    /// fused route when it can, else by the general one.
    #[inline]
    fn convert_line<W: Write>(
        &mut self,
        fused: &mut Fused,
        general: &mut General<'_, W>,
        block: &[u8],
        start: usize,
        end: usize,
    ) -> Result<()> {
        let raw = &block[start..end];
        // The first sentence of a document (which may need `-DOCSTART-`)
        // and the first line of the input (which may hold a byte-order
        // mark) go the general way.
        if !self.first_sentence && self.next_line.byte != 0 {
            let (content, _) = crate::lines::content(raw, false);
            fused.reserve(content.len(), general.writer.out_mut())?;
            let scan = fused.scan(content);
            let tokens = if scan.invalid
                || scan.unicode_space
                || (scan.markup && memchr::memchr(b'&', content).is_some())
            {
                None
            } else if scan.markup
                && self.strip_html == Some(true)
                && memchr::memchr(b'<', content).is_some()
            {
                let text = std::str::from_utf8(content).expect("checked by the scan");
                self.parser.clean.clean(text, true);
                let clean = self.parser.clean.text().as_bytes();
                fused.scan(clean);
                fused.emit(clean, 0, clean.len())
            } else {
                fused.emit(block, start, start + content.len())
            };
            if let Some(tokens) = tokens {
                if tokens > 0 {
                    general.summary.sentences += 1;
                    general.summary.tokens += tokens as u64;
                }
                let n = raw.len() as u64;
                self.next_line.number += 1;
                self.next_line.byte += n;
                self.next_line.unit += match self.opts.offsets {
                    OffsetUnit::Bytes => n,
                    unit => {
                        let text = std::str::from_utf8(content).expect("checked by the scan");
                        (unit.len_of(text) + raw.len() - content.len()) as u64
                    }
                };
                return Ok(());
            }
        }
        fused.flush(general.writer.out_mut())?;
        self.line_buf.clear();
        self.line_buf.extend_from_slice(raw);
        general.convert(self)
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
    /// Converts the line in `reader.line_buf` as [`copy_sentences`] does.
    #[cold]
    #[inline(never)]
    fn convert<R: BufRead>(&mut self, reader: &mut Reader<R>) -> Result<()> {
        let line = reader.next_line.number;
        let sentence = &mut self.sentence;
        sentence.clear();
        let parsed = reader.parse_line_buf(sentence);
        for r in reader.repairs.drain(..) {
            self.summary.repairs.add(&r);
            (self.on_repair)(&r);
        }
        parsed?;
        if sentence.is_empty() {
            return Ok(());
        }
        sentence.set_line(line);
        if std::mem::take(&mut reader.first_sentence) {
            sentence.set_document_start(true);
            self.summary.documents += 1;
            self.writer.start_document()?;
        }
        self.summary.sentences += 1;
        self.summary.tokens += sentence.len() as u64;
        for e in sentence.entities() {
            self.summary.read.add(e.label, 1);
        }
        self.writer
            .write_sentence(sentence, &mut self.summary.written)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::bracket::Options;
    use crate::html::HtmlMode;

    /// Output, summary and error (with the repairs reported) of a
    /// conversion by the general route or the fused one.
    fn convert(input: &[u8], opts: &Options, writer: WriterSetup, fused: bool) -> String {
        let mut reader = Reader::new(input, opts.clone());
        let mut out = Vec::new();
        let mut summary = Summary::default();
        let mut repairs = Vec::new();
        let result = {
            let mut writer = conll::Writer::new(&mut out, writer.scheme)
                .with_columns(writer.columns)
                .with_docstart(writer.docstart);
            let mut on_repair = |r: &Repair| repairs.push(r.to_string());
            if fused {
                reader.copy_to_conll(&mut writer, &mut summary, &mut on_repair)
            } else {
                copy_sentences(&mut reader, &mut writer, &mut summary, &mut on_repair)
            }
        };
        format!(
            "{}\n--- {summary:?}\n--- {:?}\n--- {repairs:#?}",
            String::from_utf8_lossy(&out),
            result.map_err(|e| e.to_string())
        )
    }

    #[derive(Clone, Copy, Debug)]
    struct WriterSetup {
        scheme: TagScheme,
        columns: conll::Columns,
        docstart: bool,
    }

    fn same_both_ways(input: &[u8], opts: &Options, writer: WriterSetup) {
        let general = convert(input, opts, writer, false);
        let fused = convert(input, opts, writer, true);
        assert_eq!(
            fused,
            general,
            "input {:?}, {opts:?}, {writer:?}",
            String::from_utf8_lossy(input)
        );
    }

    const PIECES: &[&str] = &[
        "word",
        "a",
        "Crocker",
        "C.",
        ".",
        ",",
        "--",
        "Pakistan\u{2019}s",
        "\u{201c}",
        "caf\u{e9}",
        "\u{4e2d}\u{6587}",
        "0123456789abcdefghij",
        " ",
        " ",
        " ",
        "  ",
        "\t",
        "[PER ",
        "[LOC ",
        "[MISC\t",
        "[ORG  ",
        "[A_VERY_LONG_LABEL_NAME_OF_THIRTY ",
        "[PER  ]",
        "[per ",
        "[PER",
        "[ ",
        "[1]",
        " ]",
        "  ]",
        "]",
        "[",
        "&amp;",
        "&#91;",
        "&",
        "<a href='#x'>",
        "</a>",
        "<p>",
        "<",
        ">",
        "\u{a0}",
        "\u{2003}",
        "\u{85}",
        "\r",
        "\u{b}",
        "\u{c}",
        "\u{1}",
        "\u{feff}",
    ];

    /// Bracket-like text: well-formed entities, words and spaces mostly,
    /// and every kind of trouble now and then; lines up to a few hundred
    /// bytes, so that they cross 64-byte blocks and reads.
    fn input() -> impl Strategy<Value = Vec<u8>> {
        let entity = (
            prop::sample::select(vec![
                "PER",
                "LOC",
                "ORG",
                "MISC",
                "LABEL_OF_FIFTEEN",
                "LABEL_OF_FIFTY_5",
            ]),
            prop::collection::vec(prop::sample::select(&PIECES[..12]), 1..4),
            prop::sample::select(vec![" ", "  ", "\t"]),
        )
            .prop_map(|(l, words, gap)| format!("[{l} {}{gap}]", words.join(" ")).into_bytes());
        let piece = prop_oneof![
            60 => prop::sample::select(&PIECES[..12]).prop_map(|p| p.as_bytes().to_vec()),
            30 => entity,
            2 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
            1 => Just(vec![0xFF]),
            1 => Just(vec![0xE2, 0x80]),
        ];
        let gap = prop::sample::select(vec!["", " ", " ", " ", "  ", "\t"]);
        let line = prop::collection::vec((piece, gap), 0..40).prop_map(|pieces| {
            pieces
                .into_iter()
                .flat_map(|(p, g)| [p, g.as_bytes().to_vec()])
                .collect::<Vec<_>>()
                .concat()
        });
        (
            prop::collection::vec(line, 0..8),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, crlf, last_newline)| {
                let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
                let mut text = lines.join(end);
                if last_newline {
                    text.extend_from_slice(end);
                }
                text
            })
    }

    fn options() -> impl Strategy<Value = (Options, WriterSetup)> {
        (
            prop::sample::select(vec![HtmlMode::Auto, HtmlMode::Strip, HtmlMode::Keep]),
            any::<bool>(),
            prop::option::of(Just(vec!["PER".to_string(), "LOC".to_string()])),
            prop::sample::select(vec![OffsetUnit::Bytes, OffsetUnit::Chars]),
            prop::sample::select(vec![
                TagScheme::Io,
                TagScheme::Iob1,
                TagScheme::Iob2,
                TagScheme::Ioe1,
                TagScheme::Ioe2,
                TagScheme::Iobes,
                TagScheme::Bilou,
            ]),
            prop::sample::select(vec![conll::Columns::Two, conll::Columns::Conll2003]),
            any::<bool>(),
        )
            .prop_map(
                |(html, lenient, labels, offsets, scheme, columns, docstart)| {
                    (
                        Options {
                            html,
                            lenient,
                            labels,
                            offsets,
                            ..Options::default()
                        },
                        WriterSetup {
                            scheme,
                            columns,
                            docstart,
                        },
                    )
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn the_fused_route_writes_what_the_general_route_writes(input in input(), (opts, writer) in options()) {
            same_both_ways(&input, &opts, writer);
        }
    }

    #[test]
    fn adjacent_entities_of_one_type_in_every_scheme() {
        let input = "x\n[PER a ] [PER b c ][PER d ] [LOC e f g ] y [LOC h ]\n[ORG i  ]\n";
        for scheme in [
            TagScheme::Iob1,
            TagScheme::Iob2,
            TagScheme::Ioe2,
            TagScheme::Iobes,
            TagScheme::Bilou,
        ] {
            let writer = WriterSetup {
                scheme,
                columns: conll::Columns::Two,
                docstart: true,
            };
            same_both_ways(input.as_bytes(), &Options::default(), writer);
        }
    }

    #[test]
    fn lines_longer_than_a_read() {
        let mut input = String::from("first line\n");
        for i in 0..300 {
            input.push_str(&format!(
                "w{i} [PER Ryan C. Crocker  ] met [LOC Pakistan ] "
            ));
        }
        input.push_str("\nlast\n");
        let writer = WriterSetup {
            scheme: TagScheme::Iobes,
            columns: conll::Columns::Two,
            docstart: false,
        };
        same_both_ways(input.as_bytes(), &Options::default(), writer);
    }
}
