//! Reading a DocBin.

use std::collections::HashMap;
use std::io::BufRead;

use flate2::{Decompress, FlushDecompress, Status};

use super::hash::{hash_string, symbol_name, SYMBOL_COUNT};
use super::msgpack::{Decoder, Item};
use super::{ENT_IOB, ENT_TYPE, ORTH};
use crate::error::{Error, Hint, Result};
use crate::repair::{Repair, RepairKind};
use crate::scheme::IllFormedKind;
use crate::sentence::{OffsetUnit, Sentence};
use crate::span::{Position, Span, TokenSpan};

/// Options for reading DocBins.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Repair what can be repaired and record each repair, instead of
    /// failing: missing entity annotation read as `O`, an `I` that
    /// continues no entity of its type read as a new entity.
    pub lenient: bool,
    /// The unit of the token offsets recorded, which count in the text of
    /// each doc (code points by default, as spaCy's `Token.idx`).
    pub offsets: OffsetUnit,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            lenient: false,
            offsets: OffsetUnit::Chars,
        }
    }
}

impl ReadOptions {
    /// Sets [`ReadOptions::lenient`].
    pub fn lenient(mut self, yes: bool) -> ReadOptions {
        self.lenient = yes;
        self
    }

    /// Sets [`ReadOptions::offsets`].
    pub fn offsets(mut self, unit: OffsetUnit) -> ReadOptions {
        self.offsets = unit;
        self
    }
}

/// Reads a `.spacy` file (a DocBin): each doc becomes one sentence that
/// starts a document.
///
/// A DocBin is one compressed MessagePack map, so the whole input is read
/// and decompressed at the first call of [`Reader::read_sentence`] and
/// checked before any doc is handed out; the docs are then built one at a
/// time from the decompressed bytes.
///
/// # Example
/// ```
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::format::spacy::{ReadOptions, Reader, Writer};
/// use nerkit::bracket::parse_line;
/// use nerkit::Sentence;
///
/// let mut file = Vec::new();
/// let mut writer = Writer::new(&mut file);
/// let sentence = parse_line("[PER Ryan Crocker  ] met [ORG ISI  ] .", &Default::default())?;
/// writer.write_sentence(&sentence, &mut LabelCounts::new())?;
/// writer.finish()?;
/// drop(writer);
///
/// let mut reader = Reader::new(&file[..], ReadOptions::default());
/// let mut doc = Sentence::new();
/// assert!(reader.read_sentence(&mut doc)?);
/// let tokens: Vec<_> = doc.tokens().map(|t| t.text).collect();
/// assert_eq!(tokens, ["Ryan", "Crocker", "met", "ISI", "."]);
/// let ents: Vec<_> = doc.entities().map(|e| (e.label, e.tokens.range())).collect();
/// assert_eq!(ents, [("PER", 0..2), ("ORG", 3..4)]);
/// assert!(!reader.read_sentence(&mut doc)?);
/// # Ok::<(), nerkit::Error>(())
/// ```
pub struct Reader<R> {
    inner: Option<R>,
    opts: ReadOptions,
    bin: Option<DocBin>,
    /// The next doc to read.
    doc: usize,
    /// Its first token.
    token: usize,
    repairs: Vec<Repair>,
}

impl<R> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("opts", &self.opts)
            .field("doc", &self.doc)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`, which holds one DocBin.
    pub fn new(inner: R, opts: ReadOptions) -> Reader<R> {
        Reader {
            inner: Some(inner),
            opts,
            bin: None,
            doc: 0,
            token: 0,
            repairs: Vec::new(),
        }
    }

    /// Repairs made since the last call.
    pub fn take_repairs(&mut self) -> std::vec::Drain<'_, Repair> {
        self.repairs.drain(..)
    }

    /// Reads the next doc into `sentence` (cleared first); `false` after
    /// the last.
    ///
    /// # Errors
    /// I/O errors; an input that is not a DocBin or is damaged (not zlib,
    /// truncated, lengths that do not add up, a string ID with no string);
    /// and, unless reading leniently, entity annotation that nerkit cannot
    /// hold as it is (missing annotation, an `I` that continues no entity
    /// of its type). The message names the doc and the token.
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        if let Some(mut inner) = self.inner.take() {
            let mut compressed = Vec::new();
            inner.read_to_end(&mut compressed)?;
            drop(inner);
            let bytes = inflate(&compressed).map_err(not_a_docbin)?;
            drop(compressed);
            self.bin = Some(DocBin::parse(bytes).map_err(not_a_docbin)?);
        }
        let Some(bin) = &self.bin else {
            return Ok(false);
        };
        if self.doc >= bin.lengths.len() {
            return Ok(false);
        }
        let doc = self.doc;
        let len = bin.lengths[doc];
        let first = self.token;
        self.doc += 1;
        self.token += len;
        bin.fill(doc, (first, len), &self.opts, sentence, &mut self.repairs)?;
        Ok(true)
    }
}

impl<R: BufRead> crate::convert::SentenceReader for Reader<R> {
    fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        Reader::read_sentence(self, sentence)
    }

    fn drain_repairs(&mut self, sink: &mut dyn FnMut(Repair)) {
        self.take_repairs().for_each(sink);
    }
}

impl<R: BufRead> crate::format::InputReader for Reader<R> {
    fn facts(&self) -> crate::format::InputFacts {
        crate::format::InputFacts::default()
    }
}

fn not_a_docbin(why: String) -> Error {
    Error::msg(format!("not a spaCy DocBin (.spacy file): {why}"))
}

/// Decompresses a whole zlib stream, which must be all of `compressed`.
fn inflate(compressed: &[u8]) -> std::result::Result<Vec<u8>, String> {
    if !super::zlib_header(compressed) {
        return Err(match compressed.len() {
            0 => "the input is empty".to_string(),
            _ => "it does not start with a zlib header".to_string(),
        });
    }
    let mut d = Decompress::new(true);
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).max(1 << 12));
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.len());
        }
        let (before_in, before_out) = (d.total_in(), d.total_out());
        let rest = &compressed[d.total_in() as usize..];
        // Not `Finish`: miniz_oxide takes that for "all of the output fits",
        // and fails when it does not.
        let status = d
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|e| format!("its zlib data is damaged ({e})"))?;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let stuck = d.total_in() == before_in && d.total_out() == before_out;
                if stuck && out.len() < out.capacity() {
                    return Err(format!(
                        "its zlib data is cut short after {} bytes (a truncated file?)",
                        compressed.len()
                    ));
                }
            }
        }
    }
    let used = d.total_in() as usize;
    if used < compressed.len() {
        return Err(format!(
            "{} bytes follow the end of its zlib data (two files joined?)",
            compressed.len() - used
        ));
    }
    Ok(out)
}

/// A decompressed DocBin, checked, and where its parts are.
struct DocBin {
    bytes: Vec<u8>,
    /// The number of attribute columns.
    attrs: usize,
    /// The columns of ORTH, ENT_IOB and ENT_TYPE.
    orth: usize,
    ent_iob: Option<usize>,
    ent_type: Option<usize>,
    /// Where the token array and the spaces are in `bytes`.
    tokens: std::ops::Range<usize>,
    spaces: std::ops::Range<usize>,
    /// The number of tokens of each doc.
    lengths: Vec<usize>,
    /// Each doc's `has_unknown_spaces` flag.
    unknown_spaces: Vec<bool>,
    /// The strings by ID, as ranges of `bytes`.
    strings: HashMap<u64, std::ops::Range<usize>>,
}

impl DocBin {
    /// Finds the parts of the MessagePack map and checks that they agree.
    fn parse(bytes: Vec<u8>) -> std::result::Result<DocBin, String> {
        let mut d = Decoder::new(&bytes);
        let base = bytes.as_ptr() as usize;
        let range_of = |s: &[u8]| {
            let start = s.as_ptr() as usize - base;
            start..start + s.len()
        };
        let pairs = match d.next()? {
            Item::Map(n) => n,
            other => {
                return Err(format!(
                    "its MessagePack data is {}, not a map",
                    other.kind()
                ))
            }
        };
        let mut attrs: Option<Vec<u64>> = None;
        let mut tokens = None;
        let mut spaces = None;
        let mut lengths = None;
        let mut strings: Option<Vec<std::ops::Range<usize>>> = None;
        let mut flags: Option<Vec<bool>> = None;
        for _ in 0..pairs {
            let key = match d.next()? {
                Item::Str(k) => k,
                other => {
                    return Err(format!(
                        "a key of its map is {}, not a string",
                        other.kind()
                    ))
                }
            };
            let wrong = |what: &str, item: Item<'_>| {
                format!(
                    "\"{}\" holds {}, not {what}",
                    String::from_utf8_lossy(key),
                    item.kind()
                )
            };
            match key {
                b"attrs" => {
                    let n = match d.next()? {
                        Item::Array(n) => n,
                        other => return Err(wrong("an array", other)),
                    };
                    let mut ids = Vec::new();
                    for _ in 0..n {
                        match d.next()? {
                            Item::Uint(id) => ids.push(id),
                            other => return Err(wrong("an array of attribute IDs", other)),
                        }
                    }
                    attrs = Some(ids);
                }
                b"tokens" | b"spaces" | b"lengths" => {
                    let data = match d.next()? {
                        Item::Bin(b) => range_of(b),
                        other => return Err(wrong("binary data", other)),
                    };
                    match key {
                        b"tokens" => tokens = Some(data),
                        b"spaces" => spaces = Some(data),
                        _ => lengths = Some(data),
                    }
                }
                b"strings" => {
                    let n = match d.next()? {
                        Item::Array(n) => n,
                        other => return Err(wrong("an array", other)),
                    };
                    let mut list = Vec::new();
                    for _ in 0..n {
                        match d.next()? {
                            Item::Str(s) => list.push(range_of(s)),
                            other => return Err(wrong("an array of strings", other)),
                        }
                    }
                    strings = Some(list);
                }
                b"flags" => {
                    let n = match d.next()? {
                        Item::Array(n) => n,
                        other => return Err(wrong("an array", other)),
                    };
                    let mut list = Vec::new();
                    for _ in 0..n {
                        let pairs = match d.next()? {
                            Item::Map(n) => n,
                            other => return Err(wrong("an array of maps", other)),
                        };
                        let mut unknown = false;
                        for _ in 0..pairs {
                            let k = d.next()?;
                            let v = d.next()?;
                            match (k, v) {
                                (Item::Str(b"has_unknown_spaces"), Item::Bool(b)) => unknown = b,
                                (Item::Str(b"has_unknown_spaces"), other) => {
                                    return Err(format!(
                                        "\"has_unknown_spaces\" holds {}, not a boolean",
                                        other.kind()
                                    ))
                                }
                                (k, v) => {
                                    d.skip_rest(k)?;
                                    d.skip_rest(v)?;
                                }
                            }
                        }
                        list.push(unknown);
                    }
                    flags = Some(list);
                }
                // "version", "cats", "span_groups", "user_data" and anything
                // newer: not read.
                _ => d.skip()?,
            }
        }
        if !d.at_end() {
            return Err(format!(
                "{} bytes follow its MessagePack map",
                bytes.len() - d.pos()
            ));
        }
        let missing = |what: &str| format!("its map has no \"{what}\"");
        let attrs = attrs.ok_or_else(|| missing("attrs"))?;
        let tokens = tokens.ok_or_else(|| missing("tokens"))?;
        let spaces = spaces.ok_or_else(|| missing("spaces"))?;
        let lengths = lengths.ok_or_else(|| missing("lengths"))?;
        let strings = strings.ok_or_else(|| missing("strings"))?;
        let column = |id: u64| attrs.iter().position(|&a| a == id);
        let orth = column(ORTH).ok_or("its \"attrs\" have no ORTH (token texts)")?;
        let n_attrs = attrs.len();
        if tokens.len() % (8 * n_attrs) != 0 {
            return Err(format!(
                "its token array of {} bytes is not a whole number of rows of {n_attrs} \
                 attributes (8 bytes each)",
                tokens.len()
            ));
        }
        let n_tokens = tokens.len() / (8 * n_attrs);
        if lengths.len() % 4 != 0 {
            return Err(format!(
                "its \"lengths\" of {} bytes are not 32-bit integers",
                lengths.len()
            ));
        }
        let mut doc_lengths = Vec::with_capacity(lengths.len() / 4);
        let mut sum: u64 = 0;
        for (i, c) in bytes[lengths].chunks_exact(4).enumerate() {
            let n = i32::from_le_bytes(c.try_into().expect("4 bytes"));
            let n = usize::try_from(n)
                .map_err(|_| format!("doc {} has a negative length ({n})", i + 1))?;
            sum += n as u64;
            doc_lengths.push(n);
        }
        if sum != n_tokens as u64 {
            return Err(format!(
                "its docs' lengths add up to {sum} tokens, but its token array holds {n_tokens}"
            ));
        }
        if spaces.len() != n_tokens {
            return Err(format!(
                "it has {} \"spaces\" for {n_tokens} tokens",
                spaces.len()
            ));
        }
        if let Some(i) = bytes[spaces.clone()].iter().position(|&b| b > 1) {
            return Err(format!(
                "its \"spaces\" hold {} at token {}, not a boolean",
                bytes[spaces.start + i],
                i + 1
            ));
        }
        let unknown_spaces = match flags {
            Some(f) if f.len() != doc_lengths.len() => {
                return Err(format!(
                    "it has {} \"flags\" for {} docs",
                    f.len(),
                    doc_lengths.len()
                ))
            }
            Some(f) => f,
            None => vec![false; doc_lengths.len()],
        };
        let mut by_id = HashMap::with_capacity(strings.len());
        for r in strings {
            let s = std::str::from_utf8(&bytes[r.clone()]).map_err(|_| {
                format!(
                    "its string {:?} is not UTF-8",
                    String::from_utf8_lossy(&bytes[r.clone()])
                )
            })?;
            let id = hash_string(s);
            if let Some(other) = by_id.insert(id, r.clone()) {
                if bytes[other.clone()] != bytes[r] {
                    return Err(format!(
                        "its strings {:?} and {s:?} have the same hash {id}",
                        String::from_utf8_lossy(&bytes[other])
                    ));
                }
            }
        }
        Ok(DocBin {
            orth,
            ent_iob: column(ENT_IOB),
            ent_type: column(ENT_TYPE),
            attrs: n_attrs,
            tokens,
            spaces,
            lengths: doc_lengths,
            unknown_spaces,
            strings: by_id,
            bytes,
        })
    }

    /// The value of attribute column `col` of token `i` (counted over all
    /// docs).
    fn value(&self, i: usize, col: usize) -> u64 {
        let at = self.tokens.start + (i * self.attrs + col) * 8;
        u64::from_le_bytes(self.bytes[at..at + 8].try_into().expect("8 bytes"))
    }

    /// The string of ID `id`, as spaCy's `StringStore` gives it: a symbol's
    /// name, or the string with that hash.
    fn string(&self, id: u64) -> Option<&str> {
        if id < SYMBOL_COUNT {
            return symbol_name(id);
        }
        let r = self.strings.get(&id)?;
        // Checked to be UTF-8 when the map was built.
        std::str::from_utf8(&self.bytes[r.clone()]).ok()
    }

    /// Builds doc `doc` (its tokens from `first`, `len` of them) into
    /// `sentence`.
    fn fill(
        &self,
        doc: usize,
        (first, len): (usize, usize),
        opts: &ReadOptions,
        sentence: &mut Sentence,
        repairs: &mut Vec<Repair>,
    ) -> Result<()> {
        let number = doc as u64 + 1;
        let unknown_spaces = self.unknown_spaces[doc];
        let mut offset = 0usize;
        for i in 0..len {
            let orth = self.value(first + i, self.orth);
            let token = match self.string(orth) {
                _ if orth == 0 => {
                    return Err(Error::msg(format!(
                        "doc {number}, token {}: no token text (ORTH 0)",
                        i + 1
                    )))
                }
                Some(t) => t,
                None => {
                    return Err(not_a_docbin(format!(
                        "doc {number}, token {}: its text's ID {orth} is neither a spaCy \
                         symbol nor the hash of one of its strings",
                        i + 1
                    )))
                }
            };
            let width = opts.offsets.len_of(token);
            sentence.push_token(token, Span::new(offset, offset + width));
            offset += width;
            if unknown_spaces {
                // spaCy puts a space after every token of such a doc;
                // nerkit records no whitespace, and writers join the
                // tokens with single spaces.
                offset += 1;
            } else {
                let space = self.bytes[self.spaces.start + first + i] == 1;
                sentence.push_gap(if space { " " } else { "" });
                offset += usize::from(space);
            }
        }
        let ents = self.entities(number, (first, len), opts.lenient, sentence, repairs)?;
        for (start, end, ty) in ents {
            // Every type was looked up when its entity was opened.
            let label = self.string(ty).unwrap_or_default();
            sentence.push_entity(label, TokenSpan::new(start, end));
        }
        sentence.set_line(number);
        sentence.set_document_start(true);
        Ok(())
    }

    /// The entities of doc number `number` (its tokens from `first`, `len`
    /// of them, already in `sentence`), as `(start, end, type ID)`, read as
    /// `Doc.ents` reads them; what spaCy would refuse or nerkit cannot hold
    /// is an error, or a repair when `lenient`.
    fn entities(
        &self,
        number: u64,
        (first, len): (usize, usize),
        lenient: bool,
        sentence: &Sentence,
        repairs: &mut Vec<Repair>,
    ) -> Result<Vec<(usize, usize, u64)>> {
        let at = |i: usize| Position::new(number, i as u64 + 1, 0);
        let place = |i: usize| {
            format!(
                "doc {number}, token {} ({:?})",
                i + 1,
                sentence.token(i).text
            )
        };
        let label_of = |i: usize, ty: u64| {
            self.string(ty).ok_or_else(|| {
                not_a_docbin(format!(
                    "{}: its entity type's ID {ty} is neither a spaCy symbol nor the hash \
                     of one of its strings",
                    place(i)
                ))
            })
        };
        let mut ents = Vec::new();
        let mut open: Option<(usize, u64)> = None;
        let mut close = |open: &mut Option<(usize, u64)>, end: usize| {
            if let Some((start, ty)) = open.take() {
                ents.push((start, end, ty));
            }
        };
        let mut missing: Option<(usize, usize)> = None;
        for i in 0..len {
            let t = first + i;
            let iob = self.ent_iob.map_or(0, |c| self.value(t, c));
            let ty = self.ent_type.map_or(0, |c| self.value(t, c));
            match iob {
                // Missing: no annotation either way.
                0 => {
                    close(&mut open, i);
                    if !lenient {
                        return Err(Error::msg(format!(
                            "{}: no entity annotation (ENT_IOB 0, missing{}), which nerkit \
                             cannot hold: it would become O",
                            place(i),
                            match self.ent_iob {
                                None => ": the DocBin has no ENT_IOB column",
                                Some(_) => "",
                            }
                        ))
                        .with_hint(Hint::ReadLeniently));
                    }
                    missing = Some(missing.map_or((i, 1), |(f, n)| (f, n + 1)));
                }
                // O.
                2 => close(&mut open, i),
                // B; with no type, spaCy takes it for O (a "blocked" token).
                3 => {
                    close(&mut open, i);
                    if ty != 0 {
                        label_of(i, ty)?;
                        open = Some((i, ty));
                    }
                }
                // I, continuing the open entity of its type.
                1 if open.is_some_and(|(_, t)| t == ty) => {}
                // I, continuing nothing of its type.
                1 => {
                    let label = if ty == 0 { "" } else { label_of(i, ty)? };
                    let (kind, problem) = match open {
                        None => (
                            IllFormedKind::InsideAfterOutside,
                            format!("ENT_IOB I ({label:?}) continues no entity"),
                        ),
                        Some((_, t)) => (
                            IllFormedKind::TypeChange,
                            format!(
                                "ENT_IOB I ({label:?}) continues an entity of another type ({:?})",
                                self.string(t).unwrap_or_default()
                            ),
                        ),
                    };
                    if !lenient {
                        return Err(Error::msg(format!("{}: {problem}", place(i)))
                            .with_hint(Hint::ReadLeniently));
                    }
                    close(&mut open, i);
                    let repair = if ty == 0 {
                        Repair::new(
                            at(i),
                            RepairKind::InvalidTag,
                            format!("{}: {problem} and has no type; read as O", place(i)),
                        )
                    } else {
                        open = Some((i, ty));
                        Repair::new(
                            at(i),
                            RepairKind::IllFormed(kind),
                            format!(
                                "{}: {problem}; read as the start of a {label} entity",
                                place(i)
                            ),
                        )
                    };
                    repairs.push(repair);
                }
                // spaCy refuses such a DocBin too (`Doc.from_array`).
                _ => {
                    return Err(not_a_docbin(format!(
                        "{}: ENT_IOB is {iob}, not 0 to 3",
                        place(i)
                    )))
                }
            }
        }
        close(&mut open, len);
        if let Some((i, n)) = missing {
            repairs.push(Repair::new(
                at(i),
                RepairKind::InvalidTag,
                format!(
                    "doc {number}: {n} of its {len} tokens, from token {} ({:?}) on, have no \
                     entity annotation (ENT_IOB 0, missing); read as O",
                    i + 1,
                    sentence.token(i).text
                ),
            ));
        }
        Ok(ents)
    }
}
