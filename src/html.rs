//! HTML in tagged text: recognising tags and decoding character references.
//!
//! Real tagger output carries markup the tagger never understood
//! (`<a id='par1' href='#par1'>¶</a>1 .`). With `--html strip`, tags are
//! removed and character references decoded before tokenizing, and a
//! [`CleanLine`] keeps the map from the cleaned text back to the original
//! bytes, so token offsets still point into the input.
//!
//! Inline tags (`<a>`, `<b>`, `<span>` ...) vanish, as a browser renders them,
//! so `<a ...>¶</a>1` reads `¶1`; block tags (`<p>`, `<br>`, `<pre>`, `<td>`
//! ...) and comments separate the text around them like whitespace.

/// What to do with HTML in the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HtmlMode {
    /// Strip when the start of the input contains an HTML tag.
    #[default]
    Auto,
    /// Always remove tags and decode character references.
    Strip,
    /// Leave markup in place: it becomes ordinary tokens.
    Keep,
}

impl std::str::FromStr for HtmlMode {
    type Err = String;

    fn from_str(s: &str) -> Result<HtmlMode, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(HtmlMode::Auto),
            "strip" => Ok(HtmlMode::Strip),
            "keep" => Ok(HtmlMode::Keep),
            _ => Err(format!(
                "unknown html mode \"{s}\" (expected auto, strip or keep)"
            )),
        }
    }
}

/// True when `text` contains something that looks like an HTML tag:
/// `<` then a letter, `/` or `!`, and a `>` later on the same line.
pub fn contains_markup(text: &[u8]) -> bool {
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'<', rest) {
        if tag_len(&rest[i..]).is_some() {
            return true;
        }
        rest = &rest[i + 1..];
    }
    false
}

/// The length of the tag at the start of `s` (which starts with `<`), or
/// `None` when it is not a tag.
fn tag_len(s: &[u8]) -> Option<usize> {
    let first = *s.get(1)?;
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'!' || first == b'?') {
        return None;
    }
    if s[1..].starts_with(b"!--") {
        let end = memchr::memmem::find(&s[4..], b"-->")?;
        return Some(4 + end + 3);
    }
    let i = 1 + memchr::memchr3(b'>', b'<', b'\n', &s[1..])?;
    (s[i] == b'>').then_some(i + 1)
}

/// True for tags that a browser renders as a break between words.
fn is_block_tag(tag: &[u8]) -> bool {
    let name_start = if tag.get(1) == Some(&b'/') { 2 } else { 1 };
    if tag.get(1) == Some(&b'!') {
        return true;
    }
    // The longest block tag name is ten bytes ("blockquote"); a longer
    // name is no block tag, and one more byte is enough to tell.
    let mut buf = [0u8; 11];
    let mut len = 0;
    for &b in tag[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .take(buf.len())
    {
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    matches!(
        &buf[..len],
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"body"
            | b"br"
            | b"dd"
            | b"div"
            | b"dl"
            | b"dt"
            | b"footer"
            | b"form"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"header"
            | b"hr"
            | b"html"
            | b"li"
            | b"main"
            | b"nav"
            | b"ol"
            | b"p"
            | b"pre"
            | b"section"
            | b"table"
            | b"tbody"
            | b"td"
            | b"tfoot"
            | b"th"
            | b"thead"
            | b"title"
            | b"tr"
            | b"ul"
    )
}

/// Decodes the character reference at the start of `s` (which starts with
/// `&`): returns the decoded char and the length of the reference.
pub fn decode_reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    let semi = b.iter().take(12).position(|&c| c == b';')?;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        char::from_u32(code)?
    } else {
        named_reference(body)?
    };
    Some((c, semi + 1))
}

/// The bracket escapes nerkit writes (`&#91;` and `&#93;`) and their named
/// spellings: decoded in every HTML mode, so a literal bracket token
/// survives a round trip through the bracket format.
pub fn is_bracket_reference(c: char) -> bool {
    c == '[' || c == ']'
}

fn named_reference(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "lsqb" | "lbrack" => '[',
        "rsqb" | "rbrack" => ']',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "para" => '¶',
        "sect" => '§',
        "middot" => '·',
        "bull" => '•',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "times" => '×',
        "divide" => '÷',
        "shy" => '\u{ad}',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        _ => return None,
    })
}

/// One stretch of a cleaned line and where it came from.
/// Appends `line` to `out` with its tags stripped as [`CleanLine::clean`]
/// strips them (inline tags vanish, block tags become a space), for a line
/// without character references; no map back to the line is kept.
pub(crate) fn strip_tags_into(line: &[u8], out: &mut Vec<u8>) {
    let mut copy_from = 0;
    let mut i = 0;
    while let Some(rel) = memchr::memchr(b'<', &line[i..]) {
        i += rel;
        match tag_len(&line[i..]) {
            Some(len) => {
                out.extend_from_slice(&line[copy_from..i]);
                if is_block_tag(&line[i..i + len]) {
                    out.push(b' ');
                }
                i += len;
                copy_from = i;
            }
            None => i += 1,
        }
    }
    out.extend_from_slice(&line[copy_from..]);
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    /// Start of the stretch in the cleaned text.
    clean: usize,
    /// Start of its source in the original line.
    source: usize,
    /// End of its source in the original line for a decoded reference (the
    /// whole `&amp;` maps to the one char); `None` for copied text, which
    /// maps byte for byte.
    reference_end: Option<usize>,
}

/// A line with markup removed and references decoded, with a map back to
/// the original bytes.
#[derive(Clone, Debug, Default)]
pub struct CleanLine {
    text: String,
    pieces: Vec<Piece>,
    literal_brackets: Vec<usize>,
}

impl CleanLine {
    /// An empty clean line, for reuse.
    #[cfg(test)]
    pub(crate) fn new() -> CleanLine {
        CleanLine::default()
    }

    /// Cleans `line`: with `strip_tags`, removes tags (block tags become a
    /// space) and decodes every known character reference; without it,
    /// decodes only the bracket escapes. Reuses the buffers.
    pub fn clean(&mut self, line: &str, strip_tags: bool) {
        self.text.clear();
        self.pieces.clear();
        self.literal_brackets.clear();
        let bytes = line.as_bytes();
        let mut copy_from = 0;
        let mut i = 0;
        while i < bytes.len() {
            let rel = if strip_tags {
                memchr::memchr2(b'<', b'&', &bytes[i..])
            } else {
                memchr::memchr(b'&', &bytes[i..])
            };
            let Some(rel) = rel else { break };
            i += rel;
            if bytes[i] == b'<' {
                if let Some(len) = tag_len(&bytes[i..]) {
                    self.copy(line, copy_from, i);
                    if is_block_tag(&bytes[i..i + len]) {
                        self.pieces.push(Piece {
                            clean: self.text.len(),
                            source: i,
                            reference_end: Some(i + len),
                        });
                        self.text.push(' ');
                    }
                    i += len;
                    copy_from = i;
                    continue;
                }
            } else if let Some((c, len)) = decode_reference(&line[i..]) {
                if strip_tags || is_bracket_reference(c) {
                    self.copy(line, copy_from, i);
                    if is_bracket_reference(c) {
                        self.literal_brackets.push(self.text.len());
                    }
                    self.pieces.push(Piece {
                        clean: self.text.len(),
                        source: i,
                        reference_end: Some(i + len),
                    });
                    self.text.push(c);
                    i += len;
                    copy_from = i;
                    continue;
                }
            }
            i += 1;
        }
        self.copy(line, copy_from, bytes.len());
    }

    fn copy(&mut self, line: &str, from: usize, to: usize) {
        if from < to {
            self.pieces.push(Piece {
                clean: self.text.len(),
                source: from,
                reference_end: None,
            });
            self.text.push_str(&line[from..to]);
        }
    }

    /// The cleaned text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The offsets in the cleaned text of the brackets decoded from
    /// character references, in order.
    pub(crate) fn literal_brackets(&self) -> &[usize] {
        &self.literal_brackets
    }

    /// True when the `[` or `]` at `clean` offset came from a reference and
    /// so is literal text, never markup.
    #[cfg(test)]
    pub fn is_literal_bracket(&self, clean: usize) -> bool {
        !self.literal_brackets.is_empty() && self.literal_brackets.binary_search(&clean).is_ok()
    }

    fn piece_at(&self, clean: usize) -> Piece {
        let i = self.pieces.partition_point(|p| p.clean <= clean);
        self.pieces[i.saturating_sub(1)]
    }

    /// The piece [`CleanLine::piece_at`] finds, walked to from piece
    /// `*walk` (where the last look ended, which it is moved to) when
    /// `clean` lies at or after it: a reader asks for the offsets of its
    /// tokens in increasing order, so each look moves a piece or two
    /// instead of searching them all. Only a look back searches.
    #[inline]
    fn piece_from(&self, clean: usize, walk: &mut usize) -> Piece {
        let mut i = *walk;
        match self.pieces.get(i) {
            Some(p) if p.clean <= clean => {
                while self
                    .pieces
                    .get(i + 1)
                    .is_some_and(|next| next.clean <= clean)
                {
                    i += 1;
                }
            }
            _ => {
                i = self
                    .pieces
                    .partition_point(|p| p.clean <= clean)
                    .saturating_sub(1)
            }
        }
        *walk = i;
        self.pieces[i]
    }

    /// The offset in the original line of the start of the char at `clean`.
    pub fn source_start(&self, clean: usize) -> usize {
        if self.pieces.is_empty() {
            return clean;
        }
        let p = self.piece_at(clean);
        match p.reference_end {
            Some(_) => p.source,
            None => p.source + (clean - p.clean),
        }
    }

    /// The offset in the original line of the end of the text that ends at
    /// `clean` (exclusive).
    pub fn source_end(&self, clean: usize) -> usize {
        if self.pieces.is_empty() || clean == 0 {
            return clean;
        }
        let p = self.piece_at(clean - 1);
        match p.reference_end {
            Some(end) => end,
            None => p.source + (clean - p.clean),
        }
    }

    /// [`CleanLine::source_start`], found by walking from piece `*walk`
    /// (see [`CleanLine::piece_from`]; start it at 0 for each line).
    #[inline]
    pub(crate) fn source_start_from(&self, clean: usize, walk: &mut usize) -> usize {
        if self.pieces.is_empty() {
            return clean;
        }
        let p = self.piece_from(clean, walk);
        match p.reference_end {
            Some(_) => p.source,
            None => p.source + (clean - p.clean),
        }
    }

    /// [`CleanLine::source_end`], found by walking from piece `*walk`.
    #[inline]
    pub(crate) fn source_end_from(&self, clean: usize, walk: &mut usize) -> usize {
        if self.pieces.is_empty() || clean == 0 {
            return clean;
        }
        let p = self.piece_from(clean - 1, walk);
        match p.reference_end {
            Some(end) => end,
            None => p.source + (clean - p.clean),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_anchor_and_maps_offsets() {
        let line = "( d <a id='par1' href='#par1'>¶</a>1 .";
        let mut c = CleanLine::new();
        c.clean(line, true);
        assert_eq!(c.text(), "( d ¶1 .");
        let para = c.text().find('¶').unwrap();
        let src = c.source_start(para);
        assert_eq!(&line[src..c.source_end(para + '¶'.len_utf8())], "¶");
        let one = c.text().find('1').unwrap();
        assert_eq!(&line[c.source_start(one)..c.source_end(one + 1)], "1");
    }

    #[test]
    fn decodes_references() {
        let line = "AT&amp;T &#x2019;s &#39;x&#39; a&nbsp;b";
        let mut c = CleanLine::new();
        c.clean(line, true);
        assert_eq!(c.text(), "AT&T ’s 'x' a\u{a0}b");
        // The decoded `&` maps to the whole reference.
        assert_eq!(&line[c.source_start(2)..c.source_end(3)], "&amp;");
        assert_eq!(&line[c.source_start(0)..c.source_end(4)], "AT&amp;T");
    }

    #[test]
    fn block_tags_separate_words() {
        let mut c = CleanLine::new();
        c.clean("one<br>two<P>three <b>Pak</b>istan", true);
        assert_eq!(c.text(), "one two three Pakistan");
    }

    #[test]
    fn keep_mode_decodes_only_bracket_escapes() {
        let mut c = CleanLine::new();
        c.clean("<b>&amp; &#91;x&#93;</b>", false);
        assert_eq!(c.text(), "<b>&amp; [x]</b>");
        assert!(c.is_literal_bracket(9));
        assert!(c.is_literal_bracket(11));
    }

    proptest::proptest! {
        /// Offsets found by walking the pieces from the last look, in
        /// increasing order as a reader asks or going back, are those of
        /// searching them.
        #[test]
        fn walking_the_pieces_finds_what_searching_finds(
            line in "(<b>|</a>|<br>|&amp;|&#91;|&nbsp;|[a-z ]|é|😀){0,30}",
            picks in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..20),
            sorted in proptest::prelude::any::<bool>(),
        ) {
            let mut c = CleanLine::new();
            c.clean(&line, true);
            let mut at: Vec<usize> = picks.iter().map(|i| i.index(c.text().len() + 1)).collect();
            if sorted {
                at.sort_unstable();
            }
            let (mut walk_start, mut walk_end) = (0, 0);
            for a in at {
                proptest::prop_assert_eq!(c.source_start_from(a, &mut walk_start), c.source_start(a));
                proptest::prop_assert_eq!(c.source_end_from(a, &mut walk_end), c.source_end(a));
            }
        }
    }

    #[test]
    fn markup_detection() {
        assert!(contains_markup(b"<code><pre>Wednesday"));
        assert!(!contains_markup(b"a < b and c > d"));
        assert!(!contains_markup(b"x <3"));
    }

    #[test]
    fn unknown_or_unterminated_references_stay() {
        let mut c = CleanLine::new();
        c.clean("R&D &foo; a & b", true);
        assert_eq!(c.text(), "R&D &foo; a & b");
    }
}
