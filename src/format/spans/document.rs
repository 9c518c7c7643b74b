//! What every reader of documents (a text and spans over it) shares: the
//! layout parsers of spans files and of annotation-tool exports fill a
//! [`DocBuf`] with the text, the spans as the tool gave them and, where the
//! tool has them, its own tokens; [`Docs`] turns offsets into bytes,
//! tokenizes, aligns the spans to tokens, resolves overlaps, splits the
//! document into sentences and fills one [`Sentence`] at a time.
//!
//! So that writers can give the text back byte for byte, every sentence
//! records the whitespace around its tokens (`Sentence::set_leading`,
//! `Sentence::push_gap`) and the members of the document's object that the
//! layout did not interpret (`Sentence::set_extra_json`).

use std::io::{BufRead, Write};

use crate::bracket::SentenceMode;
use crate::error::{Error, Hint, ParseErrorKind, Result};
use crate::format::json::{Start, Values};
use crate::repair::{DropReason, Repair, RepairKind};
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::{Position, Span, TokenSpan};
use crate::tokenize::Tokenizer;

use super::fast::ConllRoute;
use super::parse::LayoutError;
use super::{Align, Overlaps};
use crate::convert::{write_counted, Summary};
use crate::format::conll;

/// A span as a layout read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawSpan {
    /// The offsets as written, in the layout's unit.
    pub start: u64,
    pub end: u64,
    /// The label, in [`DocBuf::strings`].
    pub label: Span,
    /// The tool's copy of the spanned text (Label Studio's `value.text`),
    /// in [`DocBuf::strings`], checked against the text at the offsets.
    pub text: Option<Span>,
    /// Which annotation of the document the span belongs to (Label Studio
    /// tasks have several); 0 for layouts with one.
    pub group: u32,
    /// The offsets in bytes of the text, once converted.
    pub bytes: (usize, usize),
}

/// A token as the tool gave it (Prodigy's `tokens`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OwnToken {
    pub start: u64,
    pub end: u64,
    /// The token's text as the tool wrote it, in [`DocBuf::strings`].
    pub text: Option<Span>,
    pub bytes: (usize, usize),
}

/// One document as a layout parser leaves it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DocBuf {
    /// The document's text.
    pub text: String,
    /// True once a text was read.
    pub has_text: bool,
    /// The spans, in input order.
    pub spans: Vec<RawSpan>,
    /// Labels and texts of spans and tokens.
    pub strings: String,
    /// The tool's tokens; used when `own_tokens`.
    pub tokens: Vec<OwnToken>,
    pub own_tokens: bool,
    /// The members not interpreted, as written, comma-separated.
    pub extra: String,
}

impl DocBuf {
    pub fn clear(&mut self) {
        self.text.clear();
        self.has_text = false;
        self.spans.clear();
        self.strings.clear();
        self.tokens.clear();
        self.own_tokens = false;
        self.extra.clear();
    }

    /// Keeps `s` in [`DocBuf::strings`].
    pub fn keep(&mut self, s: &str) -> Span {
        let start = self.strings.len();
        self.strings.push_str(s);
        Span::new(start, self.strings.len())
    }

    /// Adds a span of `label` (group 0 unless set after).
    pub fn push_span(&mut self, start: u64, end: u64, label: &str) {
        let label = self.keep(label);
        self.spans.push(RawSpan {
            start,
            end,
            label,
            text: None,
            group: 0,
            bytes: (0, 0),
        });
    }

    /// Adds a span whose label was appended to [`DocBuf::strings`] from
    /// `label_from` on, as [`DocBuf::push_span`] would keep it.
    #[inline]
    pub fn push_kept_span(&mut self, start: u64, end: u64, label_from: usize) {
        self.spans.push(RawSpan {
            start,
            end,
            label: Span::new(label_from, self.strings.len()),
            text: None,
            group: 0,
            bytes: (0, 0),
        });
    }

    pub fn label(&self, span: &RawSpan) -> &str {
        &self.strings[span.label]
    }
}

/// A layout: how one JSON value of an input becomes a document.
pub(crate) trait Layout {
    /// Parses `value` into `doc` (cleared first by the caller).
    ///
    /// # Errors
    /// Values that are not this layout, with the place inside the value
    /// where `serde_json` knows it.
    fn parse(&mut self, value: &[u8], doc: &mut DocBuf) -> std::result::Result<(), LayoutError>;
}

/// Options every reader of documents takes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DocOptions {
    pub tokenizer: Tokenizer,
    pub offsets: OffsetUnit,
    pub align: Align,
    pub overlaps: Overlaps,
    pub sentences: Option<SentenceMode>,
}

/// A span over tokens.
#[derive(Clone, Copy, Debug)]
struct TokenRange {
    index: usize,
    tokens: TokenSpan,
}

/// Reads documents of one layout, one sentence at a time.
#[derive(Debug)]
pub(crate) struct Docs<R, L> {
    values: Values<R>,
    pub layout: L,
    opts: DocOptions,
    doc: DocBuf,
    /// Token byte spans of the document.
    tokens: Vec<Span>,
    /// Kept entities, sorted by first token.
    kept: Vec<TokenRange>,
    /// The first token of each sentence, and the token count last.
    breaks: Vec<usize>,
    /// The next sentence of the document to hand out.
    next: usize,
    /// For each char of the text that is longer in bytes than in units,
    /// the byte where it ends and how many more bytes than units the text
    /// has up to there; empty when byte offsets are the input's offsets
    /// (the unit is bytes, or the text is ASCII).
    shifts: Vec<(usize, usize)>,
    /// The index in `shifts` of the first char not before the last byte
    /// turned into units.
    cursor: usize,
    start: Start,
    spans_read: u64,
    repairs: Vec<Repair>,
    queries: Vec<(u64, usize)>,
    /// Scratch space of [`Align::Split`]: the span edges, and the tokens
    /// cut at them.
    edges: Vec<usize>,
    cut: Vec<Span>,
}

impl<R: BufRead, L: Layout> Docs<R, L> {
    pub fn new(inner: R, layout: L, opts: DocOptions) -> Docs<R, L> {
        Docs {
            values: Values::new(inner),
            layout,
            opts,
            doc: DocBuf::default(),
            tokens: Vec::new(),
            kept: Vec::new(),
            breaks: Vec::new(),
            next: 0,
            shifts: Vec::new(),
            cursor: 0,
            start: Start::default(),
            spans_read: 0,
            repairs: Vec::new(),
            queries: Vec::new(),
            edges: Vec::new(),
            cut: Vec::new(),
        }
    }

    /// Spans read so far, kept or not.
    pub fn spans_read(&self) -> u64 {
        self.spans_read
    }

    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads the next sentence into `sentence` (cleared first); `false` at
    /// the end.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        if self.next + 1 < self.breaks.len() {
            self.fill(sentence);
            return Ok(true);
        }
        sentence.clear();
        if !self.read_document(false)? {
            return Ok(false);
        }
        self.shape_document()?;
        self.fill(sentence);
        Ok(true)
    }

    /// Reads the next document and tokenizes it, with the offsets of its
    /// spans in bytes; `false` at the end. What is left to do before its
    /// sentences are filled is [`Docs::shape_document`]. The fast route
    /// (`spans_only`) has the tokenizer find spans alone; the general
    /// route keeps its token iterator, so that the two stay each other's
    /// check.
    fn read_document(&mut self, spans_only: bool) -> Result<bool> {
        let (layout, doc) = (&mut self.layout, &mut self.doc);
        let parsed = self.values.next_value(|value, start| {
            doc.clear();
            let parsed = layout.parse(value, doc);
            (start, parsed.map_err(|e| (place(value, start, e.at), e)))
        })?;
        let Some((start, parsed)) = parsed else {
            return Ok(false);
        };
        self.start = start;
        if let Err((at, e)) = parsed {
            let err = Error::parse(at, ParseErrorKind::Other(e.message));
            return Err(match e.hint {
                Some(h) => err.with_hint(h),
                None => err,
            });
        }
        self.spans_read += self.doc.spans.len() as u64;
        self.cursor = 0;
        self.shifts.clear();
        if self.opts.offsets != OffsetUnit::Bytes {
            let (text, unit) = (self.doc.text.as_bytes(), self.opts.offsets);
            find_shifts(text, unit, &mut self.shifts);
        }
        let pos = start.position();
        self.offsets_in_bytes().map_err(|(m, hint)| {
            let e = Error::parse(pos, ParseErrorKind::Other(m));
            match hint {
                Some(h) => e.with_hint(h),
                None => e,
            }
        })?;
        self.tokenize(spans_only)
            .map_err(|m| Error::parse(pos, ParseErrorKind::Other(m)))?;
        Ok(true)
    }

    /// Aligns the spans of the document just read to its tokens, resolves
    /// overlaps and splits it into sentences, ready to be filled.
    fn shape_document(&mut self) -> Result<()> {
        let pos = self.start.position();
        if self.opts.align == Align::Split {
            self.cut_at_span_edges();
        }
        self.align(pos)?;
        self.split();
        self.next = 0;
        Ok(())
    }

    /// True when the fast route to CoNLL may take documents read with
    /// these options: one sentence per document, tokens of the tokenizer.
    /// (Alignment and overlap rules change nothing for the documents it
    /// takes, whose spans are aligned and apart.)
    pub fn fast_conll_allowed(&self) -> bool {
        !matches!(
            self.opts.sentences,
            Some(SentenceMode::Line | SentenceMode::Auto)
        )
    }

    /// Copies every document to `writer` as [`copy_sentences`] would: each
    /// document whose spans [`super::fast::ConllRoute`] proves aligned
    /// and apart is written from its tokens and spans, without a
    /// [`Sentence`]; any other by the general route from where the fast
    /// route left it, so that errors and repairs are the general route's.
    ///
    /// [`copy_sentences`]: crate::convert::copy_sentences
    pub fn copy_to_conll(
        &mut self,
        writer: &mut conll::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        debug_assert!(self.fast_conll_allowed());
        let mut route = ConllRoute::new(writer);
        let copied = self.copy_documents(&mut route, writer, summary, on_repair);
        route.add_counts(summary);
        copied
    }

    /// The loop of [`Docs::copy_to_conll`], with `route` (whose counts
    /// the caller adds to `summary` after it).
    fn copy_documents(
        &mut self,
        route: &mut ConllRoute,
        writer: &mut conll::Writer<&mut dyn Write>,
        summary: &mut Summary,
        on_repair: &mut dyn FnMut(&Repair),
    ) -> Result<()> {
        let mut sentence = Sentence::new();
        let mut report = |repairs: &mut Vec<Repair>, summary: &mut Summary| {
            for r in repairs.drain(..) {
                summary.repairs.add(&r);
                on_repair(&r);
            }
        };
        loop {
            let read = self.read_document(true);
            report(&mut self.repairs, summary);
            if !read? {
                return Ok(());
            }
            let own = self.doc.own_tokens;
            if !own && route.write_document(&self.doc, &self.tokens, writer, summary)? {
                continue;
            }
            let shaped = self.shape_document();
            report(&mut self.repairs, summary);
            shaped?;
            while self.next + 1 < self.breaks.len() {
                self.fill(&mut sentence);
                write_counted(&sentence, writer, summary)?;
            }
        }
    }

    /// Turns the offsets of spans and own tokens into bytes of the text,
    /// checking them.
    fn offsets_in_bytes(&mut self) -> std::result::Result<(), (String, Option<Hint>)> {
        // The text is taken out while the spans it indexes are written to.
        let text = std::mem::take(&mut self.doc.text);
        let result = self.offsets_in_bytes_of(&text);
        self.doc.text = text;
        result
    }

    fn offsets_in_bytes_of(
        &mut self,
        text: &str,
    ) -> std::result::Result<(), (String, Option<Hint>)> {
        if let Err(m) = self.offsets_to_bytes(text) {
            // Offsets past the end or inside a character: if the tool's
            // copies of the spanned texts show another unit, say so.
            return Err(match self.other_unit(text) {
                Some(u) => (
                    format!(
                        "{m} (the text of every span is at its offsets counted in {}, not {})",
                        unit_words(u),
                        unit_words(self.opts.offsets)
                    ),
                    Some(Hint::ReadOffsetsAs(u)),
                ),
                None => (m, None),
            });
        }
        self.check_span_texts(text)
    }

    /// The unit, other than the one read, in which the offsets of every
    /// span that carries its text point at that text.
    fn other_unit(&self, text: &str) -> Option<OffsetUnit> {
        let doc = &self.doc;
        if !doc.spans.iter().any(|s| s.text.is_some()) {
            return None;
        }
        [OffsetUnit::Chars, OffsetUnit::Utf16, OffsetUnit::Bytes]
            .into_iter()
            .filter(|&u| u != self.opts.offsets)
            .find(|&u| {
                doc.spans.iter().all(|s| match s.text {
                    Some(t) => slice_in(text, u, s.start, s.end) == Some(&doc.strings[t]),
                    None => true,
                })
            })
    }

    fn offsets_to_bytes(&mut self, text: &str) -> std::result::Result<(), String> {
        let doc = &mut self.doc;
        let unit = self.opts.offsets;
        let describe = |doc: &DocBuf, i: usize| {
            let s = &doc.spans[i];
            format!("span {} ({} {}..{})", i + 1, doc.label(s), s.start, s.end)
        };
        for (i, s) in doc.spans.iter().enumerate() {
            let why = if s.start > s.end {
                "ends before it starts"
            } else if s.start == s.end {
                "is empty"
            } else if doc.strings[s.label].is_empty() {
                "has an empty label"
            } else {
                continue;
            };
            return Err(format!("{}: {why}", describe(doc, i)));
        }
        // One query per offset, answered in one pass over the text.
        let q = &mut self.queries;
        q.clear();
        for (i, s) in doc.spans.iter().enumerate() {
            q.push((s.start, 2 * i));
            q.push((s.end, 2 * i + 1));
        }
        let token_base = 2 * doc.spans.len();
        for (i, t) in doc.tokens.iter().enumerate() {
            q.push((t.start, token_base + 2 * i));
            q.push((t.end, token_base + 2 * i + 1));
        }
        let answer = |slot: usize, byte: usize, doc: &mut DocBuf| {
            if slot < token_base {
                let s = &mut doc.spans[slot / 2];
                if slot.is_multiple_of(2) {
                    s.bytes.0 = byte
                } else {
                    s.bytes.1 = byte
                }
            } else {
                let t = &mut doc.tokens[(slot - token_base) / 2];
                if slot.is_multiple_of(2) {
                    t.bytes.0 = byte
                } else {
                    t.bytes.1 = byte
                }
            }
        };
        let what = |slot: usize, doc: &DocBuf| {
            if slot < token_base {
                describe(doc, slot / 2)
            } else {
                let i = (slot - token_base) / 2;
                let t = &doc.tokens[i];
                format!("token {} ({}..{})", i + 1, t.start, t.end)
            }
        };
        // The length in units is only needed for a message: counting it is
        // a pass over the text.
        let len = || unit.len_of(text);
        // Every non-ASCII char of a text read in chars or UTF-16 has a
        // shift: none means the text is ASCII, with no second pass over it.
        if unit == OffsetUnit::Bytes || self.shifts.is_empty() {
            for &(at, slot) in q.iter() {
                if at > text.len() as u64 {
                    return Err(past_end(&what(slot, doc), len(), unit));
                }
                if !text.is_char_boundary(at as usize) {
                    return Err(format!("{} cuts a character in two", what(slot, doc)));
                }
                answer(slot, at as usize, doc);
            }
        } else {
            // An offset is its byte offset less the shift of the last
            // non-ASCII char before it (see `shifts`): the queries, sorted,
            // walk the shifts once.
            q.sort_unstable();
            let shifts = &self.shifts;
            let shift_of = |k: usize| k.checked_sub(1).map_or(0, |k| shifts[k].1);
            let units = (text.len() - shift_of(shifts.len())) as u64;
            let mut k = 0;
            for &(at, slot) in q.iter() {
                if at > units {
                    return Err(past_end(&what(slot, doc), len(), unit));
                }
                while shifts
                    .get(k)
                    .is_some_and(|&(end, shift)| (end - shift) as u64 <= at)
                {
                    k += 1;
                }
                // Only the middle of a four-byte char in UTF-16 lands
                // inside a char.
                let byte = at as usize + shift_of(k);
                if !text.is_char_boundary(byte) {
                    return Err(format!("{} cuts a character in two", what(slot, doc)));
                }
                answer(slot, byte, doc);
            }
        }
        Ok(())
    }

    /// Checks the tool's copy of each span's text (Label Studio's
    /// `value.text`) against the text at its offsets: a difference means
    /// the offsets count another unit, or the text was changed.
    fn check_span_texts(&self, text: &str) -> std::result::Result<(), (String, Option<Hint>)> {
        let doc = &self.doc;
        let unit = self.opts.offsets;
        let describe = |doc: &DocBuf, i: usize| {
            let s = &doc.spans[i];
            format!("span {} ({} {}..{})", i + 1, doc.label(s), s.start, s.end)
        };
        for i in 0..doc.spans.len() {
            let s = &doc.spans[i];
            let Some(given) = s.text else { continue };
            let (given, there) = (&doc.strings[given], &text[s.bytes.0..s.bytes.1]);
            if given != there {
                let other = [OffsetUnit::Chars, OffsetUnit::Utf16, OffsetUnit::Bytes]
                    .into_iter()
                    .filter(|&u| u != unit)
                    .find(|&u| slice_in(text, u, s.start, s.end) == Some(given));
                let why = match other {
                    Some(u) => format!(
                        " (the offsets count {}, not {})",
                        unit_words(u),
                        unit_words(unit)
                    ),
                    None => " (the offsets or the text were changed after the export)".into(),
                };
                return Err((
                    format!(
                        "{}: the text at these offsets is {there:?}, but the span says {given:?}{why}",
                        describe(doc, i)
                    ),
                    other.map(Hint::ReadOffsetsAs),
                ));
            }
        }
        Ok(())
    }

    /// Splits the text into tokens, or takes the tool's own.
    fn tokenize(&mut self, spans_only: bool) -> std::result::Result<(), String> {
        self.tokens.clear();
        let text = self.doc.text.as_str();
        if !self.doc.own_tokens {
            let tokens = &mut self.tokens;
            if spans_only {
                self.opts.tokenizer.push_spans(text, tokens);
            } else {
                // `for_each` runs the tokenizer's own loop (`fold`).
                (self.opts.tokenizer.tokens(text)).for_each(|t| tokens.push(t.span));
            }
            return Ok(());
        }
        let mut end = 0;
        for (i, t) in self.doc.tokens.iter().enumerate() {
            let (s, e) = t.bytes;
            let describe = || format!("token {} ({}..{})", i + 1, t.start, t.end);
            if s < end || e < s {
                return Err(format!(
                    "{}: tokens must be in order, without overlaps",
                    describe()
                ));
            }
            if let Some(given) = t.text {
                if self.doc.strings[given] != text[s..e] {
                    return Err(format!(
                        "{}: the text at these offsets is {:?}, but the token says {:?}",
                        describe(),
                        &text[s..e],
                        &self.doc.strings[given]
                    ));
                }
            }
            end = e;
            // Whitespace tokens (spaCy makes one of every extra space)
            // carry no label; they stay in the text between tokens.
            if !text[s..e].chars().all(char::is_whitespace) {
                self.tokens.push(Span::new(s, e));
            }
        }
        Ok(())
    }

    /// Splits every token that a span edge falls inside at that edge, so
    /// that alignment finds every span on token edges and keeps its
    /// offsets ([`Align::Split`]). Edges are on char boundaries (checked
    /// when they were turned into bytes); both lists are sorted, so one
    /// pass cuts them all.
    fn cut_at_span_edges(&mut self) {
        let edges = &mut self.edges;
        edges.clear();
        for s in &self.doc.spans {
            edges.extend([s.bytes.0, s.bytes.1]);
        }
        edges.sort_unstable();
        edges.dedup();
        let cut = &mut self.cut;
        cut.clear();
        let mut k = 0;
        for t in &self.tokens {
            let (mut start, end) = (t.start(), t.end());
            while k < edges.len() && edges[k] <= start {
                k += 1;
            }
            while k < edges.len() && edges[k] < end {
                cut.push(Span::new(start, edges[k]));
                start = edges[k];
                k += 1;
            }
            cut.push(Span::new(start, end));
        }
        std::mem::swap(&mut self.tokens, &mut self.cut);
    }

    /// Aligns spans to tokens and resolves overlaps into `self.kept`.
    fn align(&mut self, pos: Position) -> Result<()> {
        let doc = &self.doc;
        let text = doc.text.as_str();
        let tokens = &self.tokens;
        let describe = |i: usize| {
            let r = &doc.spans[i];
            format!(
                "span {} ({} {}..{} {:?})",
                i + 1,
                doc.label(r),
                r.start,
                r.end,
                &text[r.bytes.0..r.bytes.1]
            )
        };
        let mut ranges = Vec::with_capacity(doc.spans.len());
        for (i, r) in doc.spans.iter().enumerate() {
            let (start, end) = r.bytes;
            let mut first = tokens.partition_point(|t| t.end() <= start);
            let mut last = tokens.partition_point(|t| t.start() < end);
            if first >= last {
                return Err(Error::parse(
                    pos,
                    ParseErrorKind::Other(format!("{} covers no token", describe(i))),
                ));
            }
            let start_inside = tokens[first].start() < start;
            let end_inside = tokens[last - 1].end() > end;
            if start_inside || end_inside {
                let (which, t) = if start_inside {
                    ("start", tokens[first])
                } else {
                    ("end", tokens[last - 1])
                };
                match self.opts.align {
                    // Tokens were cut at every span edge.
                    Align::Strict | Align::Split => {
                        return Err(Error::parse(
                            pos,
                            ParseErrorKind::Other(format!(
                                "{}: its {which} falls inside the token {:?}",
                                describe(i),
                                &text[t]
                            )),
                        )
                        .with_hint(Hint::AlignSpansToTokens))
                    }
                    Align::Expand => self.repairs.push(Repair::new(
                        pos,
                        RepairKind::AlignExpand,
                        format!("{}: expanded to token edges", describe(i)),
                    )),
                    Align::Contract => {
                        first += usize::from(start_inside);
                        last -= usize::from(end_inside);
                        if first >= last {
                            self.repairs.push(Repair::new(
                                pos,
                                RepairKind::Dropped(DropReason::NoWholeToken),
                                format!("{}: holds no whole token; dropped", describe(i)),
                            ));
                            continue;
                        }
                        self.repairs.push(Repair::new(
                            pos,
                            RepairKind::AlignContract,
                            format!("{}: contracted to token edges", describe(i)),
                        ));
                    }
                }
            }
            ranges.push(TokenRange {
                index: i,
                tokens: TokenSpan::new(first, last),
            });
        }
        let label_of = |i: usize| doc.label(&doc.spans[i]);
        match self.opts.overlaps {
            Overlaps::Error | Overlaps::Longest => ranges
                .sort_by_key(|r| (std::cmp::Reverse(r.tokens.len()), r.tokens.start(), r.index)),
            Overlaps::First => ranges
                .sort_by_key(|r| (r.tokens.start(), std::cmp::Reverse(r.tokens.len()), r.index)),
        }
        self.kept.clear();
        for r in ranges {
            let blocker = self
                .kept
                .iter()
                .find(|k| k.tokens.start() < r.tokens.end() && r.tokens.start() < k.tokens.end())
                .copied();
            let Some(k) = blocker else {
                self.kept.push(r);
                continue;
            };
            let (a, b) = (k.tokens, r.tokens);
            let same_label = label_of(k.index) == label_of(r.index);
            let reason = if a == b && same_label {
                DropReason::Duplicate
            } else if self.opts.overlaps == Overlaps::Error {
                return Err(Error::parse(
                    pos,
                    ParseErrorKind::Other(format!(
                        "{} overlaps {}: tags cannot hold overlapping entities",
                        describe(r.index),
                        describe(k.index),
                    )),
                )
                .with_hint(Hint::KeepOneOfOverlappingSpans));
            } else if a == b {
                DropReason::SameSpan
            } else if (a.start() <= b.start() && b.end() <= a.end())
                || (b.start() <= a.start() && a.end() <= b.end())
            {
                DropReason::Nested
            } else {
                DropReason::Crossing
            };
            self.repairs.push(Repair::new(
                pos,
                RepairKind::Dropped(reason),
                format!(
                    "{} overlaps {}, which was kept; dropped",
                    describe(r.index),
                    describe(k.index)
                ),
            ));
        }
        self.kept.sort_by_key(|k| k.tokens.start());
        Ok(())
    }

    /// Decides where sentences start: after a line break (`line`, `auto`)
    /// or a sentence-final token followed by whitespace (`auto`), never
    /// inside an entity.
    fn split(&mut self) {
        self.breaks.clear();
        self.breaks.push(0);
        let n = self.tokens.len();
        let mode = match self.opts.sentences {
            Some(m @ (SentenceMode::Line | SentenceMode::Auto)) => m,
            _ => {
                self.breaks.push(n);
                return;
            }
        };
        let text = self.doc.text.as_bytes();
        let mut entities = self.kept.iter().peekable();
        for i in 0..n.saturating_sub(1) {
            // The entity that ends last among those starting by token i.
            while entities.peek().is_some_and(|k| k.tokens.end() <= i + 1) {
                entities.next();
            }
            if entities
                .peek()
                .is_some_and(|k| k.tokens.start() <= i && i + 1 < k.tokens.end())
            {
                continue;
            }
            let gap = &text[self.tokens[i].end()..self.tokens[i + 1].start()];
            let newline = gap.contains(&b'\n');
            let final_stop = mode == SentenceMode::Auto
                && !gap.is_empty()
                && text[self.tokens[i].range()]
                    .iter()
                    .all(|b| matches!(b, b'.' | b'!' | b'?'));
            if newline || final_stop {
                self.breaks.push(i + 1);
            }
        }
        self.breaks.push(n);
    }

    /// Fills `sentence` with sentence `self.next` of the document.
    ///
    /// The sentence's text (its leading whitespace, tokens and the gaps
    /// after them, which lie end to end in the document) is copied once,
    /// and tokens and gaps point into the copy; the token offsets in the
    /// input's unit are byte offsets less the shift of the last non-ASCII
    /// char before them, found by a cursor that moves forward only.
    fn fill(&mut self, sentence: &mut Sentence) {
        sentence.clear();
        let k = self.next;
        self.next += 1;
        let (a, b) = (self.breaks[k], self.breaks[k + 1]);
        let text = self.doc.text.as_str();
        let (shifts, cursor) = (&self.shifts, &mut self.cursor);
        let mut to_unit = |byte: usize| {
            if shifts.is_empty() {
                return byte;
            }
            if *cursor > 0 && shifts[*cursor - 1].0 > byte {
                *cursor = 0;
            }
            while shifts.get(*cursor).is_some_and(|&(end, _)| end <= byte) {
                *cursor += 1;
            }
            byte - cursor.checked_sub(1).map_or(0, |k| shifts[k].1)
        };
        let tokens = &self.tokens[a..b];
        let from = if k == 0 {
            0
        } else {
            tokens.first().map_or(text.len(), |t| t.start())
        };
        let to = self.tokens.get(b).map_or(text.len(), |n| n.start());
        let base = sentence.push_text(&text[from..to]);
        let at = |byte: usize| base + byte - from;
        if k == 0 {
            let lead_end = tokens.first().map_or(to, |t| t.start());
            sentence.set_leading_span(Span::new(at(0), at(lead_end)));
        }
        for (i, t) in tokens.iter().enumerate() {
            let (s, e) = (to_unit(t.start()), to_unit(t.end()));
            sentence.push_token_span(Span::new(at(t.start()), at(t.end())), Span::new(s, e));
            let gap_end = tokens.get(i + 1).map_or(to, |n| n.start());
            sentence.push_gap_span(Span::new(at(t.end()), at(gap_end)));
        }
        for r in &self.kept {
            if r.tokens.start() >= a && r.tokens.start() < b {
                let label = self.doc.label(&self.doc.spans[r.index]);
                sentence.push_entity(
                    label,
                    TokenSpan::new(r.tokens.start() - a, r.tokens.end() - a),
                );
            }
        }
        if !self.doc.extra.is_empty() {
            sentence.set_extra_json(&self.doc.extra);
        }
        sentence.set_line(self.start.line);
        sentence.set_document_start(k == 0);
    }
}

/// Fills `shifts` (see [`Docs::shifts`]) for `text` and `unit` (chars or
/// UTF-16): one pass that skips ASCII eight bytes at a time, so that a
/// token edge's offset in units is its byte offset less the shift of the
/// last char before it.
fn find_shifts(text: &[u8], unit: OffsetUnit, shifts: &mut Vec<(usize, usize)>) {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (mut i, mut shift) = (0, 0);
    while i < text.len() {
        if let Some(word) = text.get(i..i + 8) {
            if u64::from_le_bytes(word.try_into().expect("eight bytes")) & HIGH == 0 {
                i += 8;
                continue;
            }
        }
        let b = text[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let len = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
        let units = if len == 4 && unit == OffsetUnit::Utf16 {
            2
        } else {
            1
        };
        shift += len - units;
        i += len;
        shifts.push((i, shift));
    }
}

/// The position in the file of byte `at` of `value`, which starts at
/// `start`.
fn place(value: &[u8], start: Start, at: usize) -> Position {
    let at = at.min(value.len());
    let before = &value[..at];
    let lines = memchr::memchr_iter(b'\n', before).count() as u64;
    let byte = start.byte + at as u64;
    if lines == 0 {
        let column = start.column + Position::in_line(1, 0, before, at).column() - 1;
        Position::new(start.line, column, byte)
    } else {
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let column = Position::in_line(1, 0, &before[line_start..], at - line_start).column();
        Position::new(start.line + lines, column, byte)
    }
}

fn past_end(what: &str, len: usize, unit: OffsetUnit) -> String {
    format!("{what} ends past the end of the text, which is {len} {unit} long")
}

fn unit_words(unit: OffsetUnit) -> &'static str {
    match unit {
        OffsetUnit::Bytes => "UTF-8 bytes",
        OffsetUnit::Chars => "code points",
        OffsetUnit::Utf16 => "UTF-16 code units",
    }
}

/// `text[start..end]` with offsets in `unit`, if they fall on characters.
fn slice_in(text: &str, unit: OffsetUnit, start: u64, end: u64) -> Option<&str> {
    // A span that ends before it starts is reported by the checks that
    // follow; it has no text to compare.
    if start > end {
        return None;
    }
    let byte = |at: u64| -> Option<usize> {
        let mut u = 0u64;
        for (b, c) in text.char_indices() {
            if u == at {
                return Some(b);
            }
            if u > at {
                return None;
            }
            u += match unit {
                OffsetUnit::Bytes => c.len_utf8(),
                OffsetUnit::Chars => 1,
                OffsetUnit::Utf16 => c.len_utf16(),
            } as u64;
        }
        (u == at).then_some(text.len())
    };
    Some(&text[byte(start)?..byte(end)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shifts of a text give the offset in units of every char
        /// boundary.
        #[test]
        fn shifts_give_units(text in "[a😀é’\u{301}東 ]{0,40}") {
            for unit in [OffsetUnit::Chars, OffsetUnit::Utf16] {
                let mut shifts = Vec::new();
                find_shifts(text.as_bytes(), unit, &mut shifts);
                for (b, _) in text.char_indices().chain([(text.len(), ' ')]) {
                    let shift = shifts
                        .iter()
                        .take_while(|&&(end, _)| end <= b)
                        .last()
                        .map_or(0, |x| x.1);
                    prop_assert_eq!(b - shift, unit.len_of(&text[..b]));
                }
            }
        }

    }
}
