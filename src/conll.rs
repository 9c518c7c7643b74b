//! CoNLL token-per-line files: `TOKEN<TAB>TAG`, a blank line after each
//! sentence.

use std::io::Write;

use crate::convert::{LabelCounts, SentenceWriter};
use crate::error::{Error, Result};
use crate::scheme::{self, Tag, TagScheme};
use crate::sentence::{Entity, Sentence};

/// The document line CoNLL-2003 writes before each document.
pub const DOCSTART: &str = "-DOCSTART- -X- -X- O";

/// Reuses the allocation of an empty vector for elements of another
/// lifetime: the standard library collects in place when the element
/// layouts match, so no memory is allocated.
pub(crate) fn recycle<'b, T: 'b, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!()).collect()
}

/// Tags a sentence in `scheme` and counts the entities a reader of the
/// tags would find (decoding strictly in the same scheme), reusing buffers.
#[derive(Debug, Default)]
pub(crate) struct Tagger {
    tags: Vec<Tag<'static>>,
    #[cfg(debug_assertions)]
    decoded: Vec<Entity<'static>>,
    entities: Vec<Entity<'static>>,
    #[cfg(debug_assertions)]
    ill_formed: Vec<scheme::IllFormed<'static>>,
}

impl Tagger {
    /// Encodes `sentence`, hands the tags to `write`, and adds the entities
    /// the tags hold to `written`.
    pub(crate) fn with_tags<F>(
        &mut self,
        scheme: TagScheme,
        sentence: &Sentence,
        written: &mut LabelCounts,
        write: F,
    ) -> Result<()>
    where
        F: FnOnce(&[Tag<'_>]) -> Result<()>,
    {
        let mut entities: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.entities));
        entities.extend(sentence.entities());
        let mut tags: Vec<Tag<'_>> = recycle(std::mem::take(&mut self.tags));
        let encoded = scheme::encode(scheme, sentence.len(), &entities, &mut tags);
        let result = match encoded {
            Err(e) => Err(Error::msg(format!(
                "sentence at line {}: cannot encode its entities in {scheme}: {}",
                sentence.line(),
                e.reason
            ))),
            Ok(()) => write(&tags).map(|()| {
                count_written(scheme, &entities, written);
                #[cfg(debug_assertions)]
                self.check_written(scheme, &tags, &entities);
            }),
        };
        self.tags = recycle(tags);
        self.entities = recycle(entities);
        result
    }
}

impl Tagger {
    /// Debug builds (and so every test) decode the tags again and check that
    /// [`count_written`] counted exactly what a reader finds.
    #[cfg(debug_assertions)]
    fn check_written(&mut self, scheme: TagScheme, tags: &[Tag<'_>], entities: &[Entity<'_>]) {
        let mut decoded: Vec<Entity<'_>> = recycle(std::mem::take(&mut self.decoded));
        let mut ill: Vec<scheme::IllFormed<'_>> = recycle(std::mem::take(&mut self.ill_formed));
        scheme::decode_strict(scheme, tags, &mut decoded, &mut ill)
            .expect("encoded tags are allowed by their scheme");
        let (mut found, mut counted) = (LabelCounts::new(), LabelCounts::new());
        for e in &decoded {
            found.add(e.label, 1);
        }
        count_written(scheme, entities, &mut counted);
        assert_eq!(
            found, counted,
            "written-entity count disagrees with a decode"
        );
        assert!(ill.is_empty(), "encoded tags are ill-formed: {ill:?}");
        self.decoded = recycle(decoded);
        self.ill_formed = recycle(ill);
    }
}

/// Adds to `written` the entities a reader finds in the tags `entities`
/// encode to. Decoding gives back exactly the encoded entities in every
/// scheme (a property test of [`scheme`] shows it) except IO, where an
/// entity that directly follows one of the same type merges into it; so
/// the count needs the entities only, not a decode of every token.
fn count_written(scheme: TagScheme, entities: &[Entity<'_>], written: &mut LabelCounts) {
    let mut previous: Option<&Entity<'_>> = None;
    for e in entities {
        let merges = scheme == TagScheme::Io
            && previous.is_some_and(|p| p.tokens.end() == e.tokens.start() && p.label == e.label);
        if !merges {
            written.add(e.label, 1);
        }
        previous = Some(e);
    }
}

/// Writes sentences as CoNLL lines in a tag scheme.
///
/// # Example
/// ```
/// use nerkit::bracket::parse_line;
/// use nerkit::conll::Writer;
/// use nerkit::convert::{LabelCounts, SentenceWriter};
/// use nerkit::TagScheme;
///
/// let sentence = parse_line("[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .", &Default::default())?;
/// let mut out = Vec::new();
/// let mut written = LabelCounts::new();
/// let mut writer = Writer::new(&mut out, TagScheme::Iobes);
/// writer.write_sentence(&sentence, &mut written)?;
/// writer.finish()?;
/// drop(writer);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "Ryan\tB-PER\nC.\tI-PER\nCrocker\tE-PER\nmet\tO\nPakistan\tS-LOC\nofficials\tO\n.\tO\n\n"
/// );
/// assert_eq!(written.total(), 2);
/// # Ok::<(), nerkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    scheme: TagScheme,
    docstart: bool,
    tagger: Tagger,
    /// The lines of one sentence, written with one call.
    buf: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer of `scheme` tags to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W, scheme: TagScheme) -> Writer<W> {
        Writer {
            out,
            scheme,
            docstart: false,
            tagger: Tagger::default(),
            buf: Vec::new(),
        }
    }

    /// Write `-DOCSTART- -X- -X- O` and a blank line before each document,
    /// as CoNLL-2003 does.
    pub fn with_docstart(mut self, yes: bool) -> Writer<W> {
        self.docstart = yes;
        self
    }
}

impl<W: Write> SentenceWriter for Writer<W> {
    fn start_document(&mut self) -> Result<()> {
        if self.docstart {
            writeln!(self.out, "{DOCSTART}\n")?;
        }
        Ok(())
    }

    fn write_sentence(&mut self, sentence: &Sentence, written: &mut LabelCounts) -> Result<()> {
        let out = &mut self.out;
        let buf = &mut self.buf;
        self.tagger
            .with_tags(self.scheme, sentence, written, |tags| {
                buf.clear();
                for (token, tag) in sentence.tokens().zip(tags) {
                    buf.extend_from_slice(token.text.as_bytes());
                    buf.push(b'\t');
                    tag.push_to(buf);
                    buf.push(b'\n');
                }
                buf.push(b'\n');
                out.write_all(buf)?;
                Ok(())
            })
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
