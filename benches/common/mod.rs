//! Deterministic synthetic corpora, shared by the benches (`mod common;`)
//! and by `examples/gen_corpus.rs` (which includes this file by path).
//!
//! Everything here is a function of a seed and a size: the same arguments
//! give the same bytes on every machine. The vocabulary, the label mix, the
//! entity lengths and the line lengths are all taken from the cable
//! (`corpora/000_8c95ef11f0516e36.txt`, Illinois NER output), so generated
//! text looks like what a tagger prints: `[PER Ryan C. Crocker  ]`, curly
//! apostrophes inside entities (`[MISC Pakistan’s  ]`), `( C )` markers and
//! an HTML paragraph anchor every few lines.
//!
//! This file is also compiled as part of an example, where not every item
//! is used; hence the `allow`.
#![allow(dead_code)]

use std::io::{self, Write};

/// The settings of the benches: ten samples and two seconds of measurement
/// each, so that `cargo bench` runs in a few minutes.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
}

/// The cable, the model for every generated corpus.
pub const CABLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/000_8c95ef11f0516e36.txt"
));

/// The labels of the cable, in a fixed order (indices into this array are
/// what the eval generator stores).
pub const LABELS: [&str; 4] = ["LOC", "MISC", "ORG", "PER"];

/// SplitMix64: tiny, fast, and good enough to shuffle words. Hand-written so
/// that the output never changes with a crate upgrade.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (Lemire's multiply-shift; `n > 0`).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// True with probability `per_mille / 1000`.
    #[inline]
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }

    /// A random element of a non-empty slice.
    #[inline]
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// One entity of the cable: its label (an index into [`LABELS`]) and its
/// tokens.
#[derive(Clone, Debug)]
pub struct SeedEntity {
    pub label: usize,
    pub tokens: Vec<&'static str>,
}

/// What the generators draw from: the cable's tokens, entities and line
/// lengths, with their frequencies (an item that occurs twice in the cable
/// is stored twice).
#[derive(Clone, Debug)]
pub struct Vocab {
    /// Tokens outside entities (markup removed).
    pub words: Vec<&'static str>,
    /// Entities, with their labels.
    pub entities: Vec<SeedEntity>,
    /// Tokens per line, for lines with at least 3 tokens.
    pub line_lengths: Vec<usize>,
    /// Entities per 1000 tokens outside entities: the chance that an entity
    /// starts at a given position.
    pub entity_per_mille: u32,
}

/// Syllables for made-up names, so that entity strings are not only the
/// cable's hundred-odd.
const SYLLABLES: [&str; 24] = [
    "al", "ba", "dar", "el", "fa", "gul", "ha", "is", "jan", "ka", "lam", "ma", "nor", "o", "pa",
    "qa", "ra", "sa", "tan", "u", "wa", "ya", "zar", "stan",
];

impl Vocab {
    /// Reads the cable (once per call; cheap, it is 9 KB).
    pub fn from_cable() -> Vocab {
        let mut words = Vec::new();
        let mut entities = Vec::new();
        let mut line_lengths = Vec::new();
        for line in CABLE.lines() {
            let mut n = 0;
            let mut open: Option<SeedEntity> = None;
            for token in line.split_whitespace() {
                // Drop the HTML anchors (`<a`, `id='par1'`,
                // `href='#par1'>¶</a>1`); the generator writes its own.
                if token.contains(['<', '>']) || token.starts_with("id='") {
                    continue;
                }
                if let Some(label) = token.strip_prefix('[') {
                    if let Some(i) = LABELS.iter().position(|l| *l == label) {
                        open = Some(SeedEntity {
                            label: i,
                            tokens: Vec::new(),
                        });
                        continue;
                    }
                }
                if token == "]" {
                    if let Some(e) = open.take() {
                        entities.push(e);
                        continue;
                    }
                }
                n += 1;
                match &mut open {
                    Some(e) => e.tokens.push(token),
                    None => words.push(token),
                }
            }
            if n >= 3 {
                line_lengths.push(n);
            }
        }
        let entity_per_mille = (entities.len() * 1000 / words.len()) as u32;
        Vocab {
            words,
            entities,
            line_lengths,
            entity_per_mille,
        }
    }
}

/// Counts of what a generator wrote.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub bytes: u64,
    pub lines: u64,
    pub tokens: u64,
    pub entities: u64,
    /// Eval files: predictions changed at a boundary, a type, missed, and
    /// spurious.
    pub boundary: u64,
    pub type_changed: u64,
    pub missed: u64,
    pub spurious: u64,
}

/// A `Write` that counts bytes and keeps a line in a buffer, so that the
/// generator writes large blocks.
struct Out<W: Write> {
    inner: W,
    buf: Vec<u8>,
    written: u64,
}

impl<W: Write> Out<W> {
    fn new(inner: W) -> Out<W> {
        Out {
            inner,
            buf: Vec::with_capacity(1 << 17),
            written: 0,
        }
    }

    #[inline]
    fn push(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn total(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.inner.write_all(&self.buf)?;
            self.written += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<u64> {
        self.inner.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.inner.flush()?;
        Ok(self.written)
    }
}

/// Writes a made-up capitalised name (`Karzar`, `Balamstan`) into `out`.
fn made_up_name(rng: &mut Rng, out: &mut Vec<u8>) {
    let n = 1 + rng.below(3);
    let start = out.len();
    for _ in 0..n {
        out.extend_from_slice(rng.pick(&SYLLABLES).as_bytes());
    }
    out[start] = out[start].to_ascii_uppercase();
}

/// Writes a bracket corpus of about `bytes` bytes (it stops after the line
/// that reaches the size) in the Illinois tagger's "two-space" layout: one
/// sentence per line, every token followed by a space,
/// `[LABEL tokens  ] ` for entities, `<code><pre>` before the first line and
/// `</pre></code>` after the last, as in the cable.
///
/// About a quarter of the entities get made-up names; one line in five ends
/// with a paragraph anchor `<a id='parN' href='#parN'>¶</a>N . `, as the
/// cable's paragraphs do.
pub fn write_bracket<W: Write>(seed: u64, bytes: u64, out: W) -> io::Result<Stats> {
    let vocab = Vocab::from_cable();
    let mut rng = Rng::new(seed);
    let mut out = Out::new(out);
    let mut stats = Stats::default();
    const FOOTER: &str = "</pre></code>\n";
    let mut paragraph = 0u64;
    out.push("<code><pre>");
    while out.total() + (FOOTER.len() as u64) < bytes {
        let len = rng.pick(&vocab.line_lengths);
        let mut n = 0;
        while n < len {
            if rng.chance(vocab.entity_per_mille) {
                let e = &vocab.entities[rng.below(vocab.entities.len())];
                out.push("[");
                out.push(LABELS[e.label]);
                out.push(" ");
                if rng.chance(250) {
                    for _ in 0..e.tokens.len() {
                        made_up_name(&mut rng, &mut out.buf);
                        out.push(" ");
                    }
                } else {
                    for t in &e.tokens {
                        out.push(t);
                        out.push(" ");
                    }
                }
                out.push(" ] ");
                n += e.tokens.len();
                stats.entities += 1;
            } else {
                out.push(rng.pick(&vocab.words));
                out.push(" ");
                n += 1;
            }
        }
        if rng.chance(200) {
            paragraph += 1;
            let p = paragraph.to_string();
            for part in ["<a id='par", &p, "' href='#par", &p, "'>¶</a>", &p, " . "] {
                out.push(part);
            }
            n += 2;
        } else if rng.chance(800) {
            out.push(". ");
            n += 1;
        }
        out.push("\n");
        stats.lines += 1;
        stats.tokens += n as u64;
        out.flush_if_full()?;
    }
    out.push(FOOTER);
    stats.lines += 1;
    stats.bytes = out.finish()?;
    Ok(stats)
}

/// A bracket corpus in memory; see [`write_bracket`].
pub fn bracket_string(seed: u64, bytes: u64) -> String {
    let mut v = Vec::new();
    write_bracket(seed, bytes, &mut v).expect("writing to a Vec");
    String::from_utf8(v).expect("the generator writes UTF-8")
}

/// The tag scheme of a generated eval file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalScheme {
    Iob2,
    Iobes,
}

impl std::str::FromStr for EvalScheme {
    type Err = String;

    fn from_str(s: &str) -> Result<EvalScheme, String> {
        match s.to_ascii_lowercase().as_str() {
            "iob2" | "bio" => Ok(EvalScheme::Iob2),
            "iobes" | "bioes" => Ok(EvalScheme::Iobes),
            _ => Err(format!("unknown scheme {s:?} (expected iob2 or iobes)")),
        }
    }
}

/// An entity of a generated sentence: tokens `start..end`, label index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Chunk {
    start: usize,
    end: usize,
    label: usize,
}

/// Writes the tags of `chunks` over `len` tokens into `tags` (one string
/// per token).
fn tag_sentence(
    scheme: EvalScheme,
    len: usize,
    chunks: &[Chunk],
    names: &Tags,
    tags: &mut Vec<&'static str>,
) {
    tags.clear();
    tags.resize(len, "O");
    for c in chunks {
        let l = c.label;
        for t in &mut tags[c.start..c.end] {
            *t = names.i[l];
        }
        match scheme {
            EvalScheme::Iob2 => tags[c.start] = names.b[l],
            EvalScheme::Iobes => {
                if c.end - c.start == 1 {
                    tags[c.start] = names.s[l];
                } else {
                    tags[c.start] = names.b[l];
                    tags[c.end - 1] = names.e[l];
                }
            }
        }
    }
}

/// The tag strings, per label.
struct Tags {
    b: [&'static str; 4],
    i: [&'static str; 4],
    e: [&'static str; 4],
    s: [&'static str; 4],
}

const TAGS: Tags = Tags {
    b: ["B-LOC", "B-MISC", "B-ORG", "B-PER"],
    i: ["I-LOC", "I-MISC", "I-ORG", "I-PER"],
    e: ["E-LOC", "E-MISC", "E-ORG", "E-PER"],
    s: ["S-LOC", "S-MISC", "S-ORG", "S-PER"],
};

/// True when token `i` is inside or next to one of `chunks` (other than
/// `skip`): predictions never touch another entity, so that IOBES files
/// score the same under conlleval (which merges adjacent entities of one
/// type) and under strict decoding.
fn near(chunks: &[Chunk], skip: usize, i: usize) -> bool {
    chunks
        .iter()
        .enumerate()
        .any(|(k, c)| k != skip && i + 1 >= c.start && i <= c.end)
}

/// Writes a conlleval-layout file (`TOKEN GOLD PRED`, one space between,
/// a blank line after each sentence) of `tokens` tokens, stopping at the
/// end of the sentence that reaches that count.
///
/// Sentences hold 4 to 40 tokens. Gold entities come from the cable's
/// label mix and lengths, with at least one `O` between two of them.
/// About 10% of the gold entities are changed in the predictions, equally
/// often at a boundary (one token more or less), in their type, missed,
/// or accompanied by a spurious one-token entity nearby.
pub fn write_eval<W: Write>(
    seed: u64,
    tokens: u64,
    scheme: EvalScheme,
    out: W,
) -> io::Result<Stats> {
    let vocab = Vocab::from_cable();
    let mut rng = Rng::new(seed);
    let mut out = Out::new(out);
    let mut stats = Stats::default();
    let mut words: Vec<&'static str> = Vec::new();
    let mut gold: Vec<Chunk> = Vec::new();
    let mut pred: Vec<Chunk> = Vec::new();
    let mut gold_tags = Vec::new();
    let mut pred_tags = Vec::new();
    let mut names: Vec<u8> = Vec::new();
    let mut name_spans: Vec<(usize, usize, usize)> = Vec::new();
    while stats.tokens < tokens {
        let len = 4 + rng.below(37);
        words.clear();
        gold.clear();
        names.clear();
        name_spans.clear();
        while words.len() < len {
            if rng.chance(vocab.entity_per_mille) {
                let e = &vocab.entities[rng.below(vocab.entities.len())];
                let n = e.tokens.len().min(len - words.len());
                let start = words.len();
                if rng.chance(250) {
                    // Made-up names are kept aside and written in place
                    // below; `words` only borrows static strings.
                    for k in 0..n {
                        let from = names.len();
                        made_up_name(&mut rng, &mut names);
                        name_spans.push((start + k, from, names.len()));
                        words.push("");
                    }
                } else {
                    words.extend_from_slice(&e.tokens[..n]);
                }
                gold.push(Chunk {
                    start,
                    end: start + n,
                    label: e.label,
                });
                // The `O` that keeps entities apart.
                if words.len() < len {
                    words.push(rng.pick(&vocab.words));
                }
            } else {
                words.push(rng.pick(&vocab.words));
            }
        }
        pred.clear();
        pred.extend_from_slice(&gold);
        let mut k = 0;
        while k < pred.len() {
            if !rng.chance(100) {
                k += 1;
                continue;
            }
            let c = pred[k];
            match rng.below(4) {
                0 => {
                    // Boundary: one token more on the right, else on the
                    // left, else one fewer.
                    if c.end < len && !near(&pred, k, c.end) {
                        pred[k].end += 1;
                    } else if c.start > 0 && !near(&pred, k, c.start - 1) {
                        pred[k].start -= 1;
                    } else if c.end - c.start > 1 {
                        pred[k].end -= 1;
                    } else {
                        pred[k].label = (c.label + 1 + rng.below(3)) % 4;
                        stats.type_changed += 1;
                        k += 1;
                        continue;
                    }
                    stats.boundary += 1;
                }
                1 => {
                    pred[k].label = (c.label + 1 + rng.below(3)) % 4;
                    stats.type_changed += 1;
                }
                2 => {
                    pred.remove(k);
                    stats.missed += 1;
                    continue;
                }
                _ => {
                    // Spurious: a one-token entity on the first free token
                    // after this one, if there is one.
                    let at = (c.end..len).find(|&i| !near(&pred, usize::MAX, i));
                    if let Some(at) = at {
                        let label = rng.below(4);
                        pred.insert(
                            k + 1,
                            Chunk {
                                start: at,
                                end: at + 1,
                                label,
                            },
                        );
                        stats.spurious += 1;
                        k += 1;
                    }
                }
            }
            k += 1;
        }
        tag_sentence(scheme, len, &gold, &TAGS, &mut gold_tags);
        tag_sentence(scheme, len, &pred, &TAGS, &mut pred_tags);
        let mut next_name = 0;
        for i in 0..len {
            if next_name < name_spans.len() && name_spans[next_name].0 == i {
                let (_, from, to) = name_spans[next_name];
                out.buf.extend_from_slice(&names[from..to]);
                next_name += 1;
            } else {
                out.push(words[i]);
            }
            out.push(" ");
            out.push(gold_tags[i]);
            out.push(" ");
            out.push(pred_tags[i]);
            out.push("\n");
        }
        out.push("\n");
        stats.lines += len as u64 + 1;
        stats.tokens += len as u64;
        stats.entities += gold.len() as u64;
        out.flush_if_full()?;
    }
    stats.bytes = out.finish()?;
    Ok(stats)
}

/// An eval file in memory; see [`write_eval`].
pub fn eval_string(seed: u64, tokens: u64, scheme: EvalScheme) -> String {
    let mut v = Vec::new();
    write_eval(seed, tokens, scheme, &mut v).expect("writing to a Vec");
    String::from_utf8(v).expect("the generator writes UTF-8")
}

/// Reads a file of `corpora/`.
pub fn corpus(path: &str) -> String {
    let full = format!("{}/corpora/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// WNUT-17 training data (`TOKEN<TAB>TAG`, IOB2, lowercase types) as
/// bracket lines, one sentence per line, with types upper-cased
/// (`[PERSON ... ]`, `[CREATIVE-WORK ... ]`) since bracket labels are upper
/// case. Brackets inside tweets are written `&#91;`/`&#93;`, as nerkit
/// itself writes them.
pub fn wnut17_as_bracket() -> String {
    let text = corpus("wnut17/wnut17train.conll");
    let mut out = String::with_capacity(text.len());
    let mut open = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((token, tag)) = line.split_once('\t') else {
            if open {
                out.push_str(" ]");
                open = false;
            }
            out.push('\n');
            continue;
        };
        let token = token.replace('[', "&#91;").replace(']', "&#93;");
        let starts = tag.starts_with("B-") || (tag.starts_with("I-") && !open);
        if open && (tag == "O" || starts) {
            out.push_str(" ] ");
            open = false;
        }
        if starts {
            out.push('[');
            out.push_str(&tag[2..].to_ascii_uppercase());
            out.push(' ');
            open = true;
        }
        out.push_str(&token);
        out.push(' ');
    }
    if open {
        out.push_str(" ]");
    }
    out.push('\n');
    out
}

/// The gold tags of a CoNLL file (last column), as one `Vec` per sentence.
pub fn conll_tags(text: &str) -> Vec<Vec<&str>> {
    let mut sentences = vec![Vec::new()];
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        match line.rsplit(['\t', ' ']).next() {
            Some(tag) if !line.trim().is_empty() => sentences.last_mut().unwrap().push(tag),
            _ => {
                if !sentences.last().unwrap().is_empty() {
                    sentences.push(Vec::new());
                }
            }
        }
    }
    if sentences.last().is_some_and(Vec::is_empty) {
        sentences.pop();
    }
    sentences
}

/// The user's own file, when `NERKIT_BENCH_FILE=path` is set: its name (the
/// file name, for benchmark ids) and its text. The benches then measure it
/// instead of their own inputs, as `nerkit bench` does from the command
/// line (`NERKIT_BENCH_FILE=corpus.txt cargo bench --bench tokenize`).
///
/// # Panics
/// When the file cannot be read or is not UTF-8: a bench has no one to
/// report an error to but the person who ran it.
pub fn user_file() -> Option<(String, String)> {
    let path = std::env::var_os("NERKIT_BENCH_FILE")?;
    let path = std::path::PathBuf::from(path);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("NERKIT_BENCH_FILE={}: {e}", path.display()));
    let name = path
        .file_name()
        .map_or_else(|| "file".to_owned(), |n| n.to_string_lossy().into_owned());
    Some((format!("file:{name}"), text))
}
