//! What the fuzz targets share: options decoded from the first bytes of an
//! input, so that libFuzzer explores the options along with the text.
//!
//! Every target takes its first [`HEADER`] bytes as options (missing bytes
//! read as zero, which gives the defaults) and the rest as the text. Seed
//! files start with eight option bytes (see `fuzz/README.md`).

use std::io::{BufRead, BufReader, Cursor};

use nerkit::bracket::writer::Style;
use nerkit::bracket::SentenceMode;
use nerkit::conll::Columns;
use nerkit::convert::{LabelCounts, SentenceReader, SentenceWriter};
use nerkit::format::{self, Delimiter, Format, ReadOptions, WriteOptions};
use nerkit::spans::{Align, Overlaps};
use nerkit::{OffsetUnit, Sentence, TagScheme, Tokenizer};

/// Bytes of options before the text.
pub const HEADER: usize = 8;

/// Every tag scheme, the default first.
const SCHEMES: [TagScheme; 7] = [
    TagScheme::Iob2,
    TagScheme::Io,
    TagScheme::Iob1,
    TagScheme::Ioe1,
    TagScheme::Ioe2,
    TagScheme::Iobes,
    TagScheme::Bilou,
];

/// The option bytes of an input, taken a few bits at a time.
#[derive(Clone, Debug)]
pub struct Bits {
    bits: u64,
    used: u32,
}

impl Bits {
    /// The options of `data` and the text after them.
    pub fn split(data: &[u8]) -> (Bits, &[u8]) {
        let n = data.len().min(HEADER);
        let mut header = [0u8; HEADER];
        header[..n].copy_from_slice(&data[..n]);
        let bits = Bits {
            bits: u64::from_le_bytes(header),
            used: 0,
        };
        (bits, &data[n..])
    }

    /// The next `n` (at most 32) bits as a number (zero once all 64 are
    /// used).
    pub fn take(&mut self, n: u32) -> u32 {
        if self.used + n > 64 {
            return 0;
        }
        let v = (self.bits >> self.used) & ((1u64 << n) - 1);
        self.used += n;
        v as u32
    }

    /// The next bit.
    pub fn flag(&mut self) -> bool {
        self.take(1) == 1
    }

    /// One of `choices`, from the next `n` bits (wrapping).
    pub fn pick<T: Clone>(&mut self, n: u32, choices: &[T]) -> T {
        choices[self.take(n) as usize % choices.len()].clone()
    }

    /// A tag scheme (3 bits): IOB2 (the default) for zero.
    pub fn scheme(&mut self) -> TagScheme {
        self.pick(3, &SCHEMES)
    }

    /// A tag scheme, or `None` (detect it) for zero (3 bits).
    pub fn maybe_scheme(&mut self) -> Option<TagScheme> {
        match self.take(3) as usize {
            0 => None,
            i => Some(SCHEMES[i - 1]),
        }
    }

    /// A column delimiter (2 bits).
    pub fn delimiter(&mut self) -> Delimiter {
        match self.take(2) {
            1 => Delimiter::tab(),
            2 => Delimiter::Literal(" ".to_owned()),
            _ => Delimiter::Whitespace,
        }
    }

    /// Reading options (26 bits): every field of [`ReadOptions`].
    pub fn read_options(&mut self) -> ReadOptions {
        let mut o = ReadOptions::default();
        o.lenient = self.flag();
        // By name: the type has moved between modules (`nerkit::html`,
        // the crate root).
        o.html = self
            .pick(2, &["auto", "strip", "keep"])
            .parse()
            .expect("html modes parse");
        o.tokenizer = self.pick(
            2,
            &[None, Some(Tokenizer::Unicode), Some(Tokenizer::Whitespace)],
        );
        o.sentences = self.pick(
            2,
            &[SentenceMode::Line, SentenceMode::Auto, SentenceMode::None],
        );
        o.labels = match self.take(2) {
            1 => Some(vec!["PER".to_owned(), "LOC".to_owned()]),
            2 => Some(vec!["MISC".to_owned(), "ORG".to_owned(), "O".to_owned()]),
            _ => None,
        };
        o.scheme = self.maybe_scheme();
        o.delimiter = self.delimiter();
        o.tag_column = match self.take(2) {
            0 => None,
            n => Some(n as usize),
        };
        o.comments = self.flag();
        o.offsets = self.pick(
            2,
            &[
                None,
                Some(OffsetUnit::Bytes),
                Some(OffsetUnit::Chars),
                Some(OffsetUnit::Utf16),
            ],
        );
        o.align = self.pick(2, &[Align::Strict, Align::Contract, Align::Expand]);
        o.overlaps = self.pick(2, &[Overlaps::Error, Overlaps::Longest, Overlaps::First]);
        o
    }

    /// Writing options (6 bits).
    pub fn write_options(&mut self) -> WriteOptions {
        WriteOptions::default()
            .scheme(self.scheme())
            .docstart(self.flag())
            .columns(self.pick(1, &[Columns::Two, Columns::Conll2003]))
            .bracket_style(self.pick(1, &[Style::TwoSpace, Style::Tight]))
    }

    /// How the text is handed to a reader (2 bits): all at once, or
    /// through a buffer of 1, 7 or 64 bytes, so that lines and blocks
    /// cross reads.
    pub fn input(&mut self, text: &[u8]) -> Box<dyn BufRead> {
        let text = Cursor::new(text.to_vec());
        match self.take(2) {
            1 => Box::new(BufReader::with_capacity(1, text)),
            2 => Box::new(BufReader::with_capacity(7, text)),
            3 => Box::new(BufReader::with_capacity(64, text)),
            _ => Box::new(text),
        }
    }
}

/// Checks what the `Sentence` documents of the sentences readers fill:
/// entities over tokens of the sentence, in token order, never
/// overlapping.
pub fn check_sentence(sentence: &Sentence) {
    let len = sentence.len();
    let mut end = 0;
    for e in sentence.entities() {
        assert!(
            e.tokens.end() <= len,
            "entity {e:?} past the sentence's {len} tokens"
        );
        assert!(
            e.tokens.start() >= end,
            "entity {e:?} before or over the one before it (ends at {end})"
        );
        end = e.tokens.end();
    }
    for t in sentence.tokens() {
        let _ = t.text.len();
    }
}

/// The body of the reader targets: detects the format of the text, opens
/// it as `format` with options from the header, reads every sentence
/// (checking each) and writes it to a writer chosen by the header, until
/// the end or the first error. Every error and repair is rendered as text.
pub fn read_all(format: Format, data: &[u8]) {
    let (mut bits, text) = Bits::split(data);
    let opts = bits.read_options();
    let wopts = bits.write_options();
    let to = bits.pick(
        2,
        &[Format::CONLL, Format::JSONL, Format::SPANS, Format::BRACKET],
    );
    let input = bits.input(text);

    let _ = format::detect(text);
    let _ = format::detect_with(text, &opts);

    let (found, mut reader) =
        format::open(input, Some(format), &opts).expect("a format given opens without detection");
    assert!(found == format);
    let mut out = Vec::new();
    let mut writer: Option<Box<dyn SentenceWriter + '_>> =
        Some(format::create(to, &mut out, &wopts).expect("every format is writable"));
    let mut written = LabelCounts::new();
    let mut sentence = Sentence::new();
    loop {
        let more = reader.read_sentence(&mut sentence);
        reader.drain_repairs(&mut |r| {
            let _ = r.to_string();
        });
        match more {
            Ok(true) => {
                check_sentence(&sentence);
                if let Some(w) = writer.as_mut() {
                    let started = if sentence.is_document_start() {
                        w.start_document()
                    } else {
                        Ok(())
                    };
                    if let Err(e) = started.and_then(|()| w.write_sentence(&sentence, &mut written))
                    {
                        let _ = e.to_string();
                        writer = None;
                    }
                }
            }
            Ok(false) => break,
            Err(e) => {
                let _ = e.to_string();
                let _ = e.to_diagnostic();
                break;
            }
        }
    }
    let _ = reader.facts();
    let _ = reader.next_line();
    if let Some(mut w) = writer {
        let _ = w.finish();
    }
}

/// `Summary` has no `PartialEq`: its counts as text.
pub fn summary_text(s: &nerkit::convert::Summary) -> String {
    format!(
        "documents {} sentences {} tokens {} read {:?} written {:?} repairs {:?}",
        s.documents, s.sentences, s.tokens, s.read, s.written, s.repairs
    )
}

/// An evaluation mode (4 bits): conlleval's rules (with `-r` now and
/// then) or strict in a scheme.
pub fn eval_mode(bits: &mut Bits) -> nerkit::eval::Mode {
    use nerkit::eval::{ConllevalOptions, Mode};
    let strict = bits.flag();
    let scheme = bits.scheme();
    let raw = bits.take(2);
    if strict {
        Mode::Strict(scheme)
    } else {
        let mut options = ConllevalOptions::default();
        options.raw = raw != 0;
        if raw == 2 {
            options.outside = "B-O".to_owned();
        }
        Mode::Conlleval(options)
    }
}

/// Checks what holds of every evaluation: per-type counts add up to the
/// totals, no more correct tags than tokens, finite scores; in strict mode
/// no more correct chunks than gold or predicted ones and scores in
/// `0..=1` (conlleval.pl's quirks, reproduced on purpose, break those
/// bounds in conlleval mode). Every report format is written.
pub fn check_evaluation(e: &nerkit::eval::Evaluation) {
    use nerkit::eval::{Mode, ReportFormat};
    let c = &e.counts;
    let strict = matches!(e.mode, Mode::Strict(_));
    let (mut g, mut p, mut k) = (0u64, 0u64, 0u64);
    for (name, t) in &c.types {
        g += t.gold;
        p += t.pred;
        k += t.correct;
        if strict {
            assert!(
                t.correct <= t.gold.min(t.pred),
                "type {name:?}: {t:?} has more correct chunks than gold or predicted ones"
            );
        }
    }
    assert_eq!(
        (g, p, k),
        (c.total.gold, c.total.pred, c.total.correct),
        "per-type counts do not add up to the totals: {c:?}"
    );
    assert!(c.correct_tags <= c.tokens, "{c:?}");
    let report = e.report();
    let mut all = vec![
        ("accuracy", report.accuracy),
        ("micro precision", report.micro.precision),
        ("micro recall", report.micro.recall),
        ("micro f1", report.micro.f1),
        ("macro f1", report.macro_avg.f1),
        ("weighted f1", report.weighted.f1),
    ];
    for (name, s) in &report.types {
        all.push((name.as_str(), s.precision));
        all.push((name.as_str(), s.recall));
        all.push((name.as_str(), s.f1));
    }
    for (what, x) in all {
        assert!(x.is_finite(), "{what}: {x} in {c:?}");
        if strict {
            assert!((0.0..=1.0).contains(&x), "{what}: {x} in {c:?}");
        }
    }
    for format in [
        ReportFormat::Conlleval,
        ReportFormat::Latex,
        ReportFormat::Table,
        ReportFormat::Json,
        ReportFormat::Markdown,
        ReportFormat::Csv,
    ] {
        let mut out = Vec::new();
        e.write_report(&mut out, format)
            .expect("writing to memory does not fail");
        if format == ReportFormat::Json {
            let _: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|err| {
                panic!(
                    "the JSON report does not parse ({err}):\n{}",
                    String::from_utf8_lossy(&out)
                )
            });
        }
    }
}
