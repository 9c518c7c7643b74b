//! The detection rules of the registered formats, each a test of the start
//! of an input (see [`super::detect`] for the order they are tried in).

/// The start of an input as the rules see it: its complete lines as text
/// (a byte-order mark taken off), and its first non-blank line.
pub struct Prefix<'a> {
    /// The bytes given, without a byte-order mark.
    bytes: &'a [u8],
    /// The complete lines (the last line may be cut short by the end of the
    /// prefix, and is left out unless it is the only one).
    text: String,
    /// The column the user said holds the tag, from 1.
    tag_column: Option<usize>,
}

impl<'a> Prefix<'a> {
    /// The prefix of an input.
    pub fn new(bytes: &'a [u8]) -> Prefix<'a> {
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let complete = match memchr::memrchr(b'\n', bytes) {
            Some(i) if i + 1 < bytes.len() => &bytes[..=i],
            _ => bytes,
        };
        Prefix {
            bytes,
            text: String::from_utf8_lossy(complete).into_owned(),
            tag_column: None,
        }
    }

    /// Looks for tags in column `column` (from 1) instead of the last.
    pub fn with_tag_column(mut self, column: Option<usize>) -> Prefix<'a> {
        self.tag_column = column;
        self
    }

    /// The non-blank lines, trimmed.
    fn lines(&self) -> impl Iterator<Item = &str> + Clone {
        self.text.lines().map(str::trim).filter(|l| !l.is_empty())
    }

    /// The first non-blank line, trimmed, read to the end of the prefix
    /// (a JSON object may be longer than the complete lines).
    fn first_line(&self) -> Option<String> {
        self.lines().next()?;
        let full = String::from_utf8_lossy(self.bytes);
        full.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    }

    /// The first line when it starts a JSON object.
    fn json_line(&self) -> Option<String> {
        self.first_line().filter(|l| l.starts_with('{'))
    }
}

impl Prefix<'_> {
    /// The first JSON value of the input: its first line's object, or the
    /// first element of a top-level array; `None` when it is not JSON or
    /// longer than the prefix.
    pub fn first_value(&self) -> Option<serde_json::Value> {
        let s = std::str::from_utf8(self.bytes).ok().or_else(|| {
            // The prefix may end inside a character.
            let cut = std::str::from_utf8(self.bytes).err()?.valid_up_to();
            std::str::from_utf8(&self.bytes[..cut]).ok()
        })?;
        let s = s.trim_start();
        let s = s.strip_prefix('[').map_or(s, str::trim_start);
        if !s.starts_with('{') {
            return None;
        }
        let mut values = serde_json::Deserializer::from_str(s).into_iter::<serde_json::Value>();
        values.next()?.ok()
    }

    /// The start of the input as text, when it is JSON (an object or an
    /// array), for the tests of formats whose first value is longer than
    /// the prefix.
    pub fn json_start(&self) -> Option<String> {
        let s = String::from_utf8_lossy(self.bytes);
        let t = s.trim_start();
        (t.starts_with('{') || t.starts_with('[')).then(|| t.to_string())
    }

    /// True when the first JSON value passes `test`, or, when it is longer
    /// than the prefix, the start of the input passes `start_test`.
    pub fn json_is(
        &self,
        test: fn(&serde_json::Value) -> bool,
        start_test: fn(&str) -> bool,
    ) -> bool {
        match self.first_value() {
            Some(v) => test(&v),
            None => self.json_start().is_some_and(|s| start_test(&s)),
        }
    }
}

/// True for a JSON line that is not a spans document: an object with
/// `"tokens"`, or without `"text"`.
pub fn json_with_tokens(prefix: &Prefix<'_>) -> bool {
    prefix.json_line().is_some_and(|line| !is_spans(&line))
}

/// True for a JSON line with `"text"` and no `"tokens"`.
pub fn json_with_text(prefix: &Prefix<'_>) -> bool {
    prefix.json_line().is_some_and(|line| is_spans(&line))
}

fn is_spans(line: &str) -> bool {
    match serde_json::from_str(line) {
        Ok(serde_json::Value::Object(o)) => o.contains_key("text") && !o.contains_key("tokens"),
        // An object longer than the prefix: look for the key.
        _ => !line.contains("\"tokens\""),
    }
}

/// True for `O` and `X-TYPE` with X one of `B I E S L U`.
fn looks_like_tag(field: &str) -> bool {
    let b = field.as_bytes();
    field == "O" || (b.len() > 2 && b"BIESLU".contains(&b[0]) && b[1] == b'-')
}

/// True when at least 80% of the lines (not counting `-DOCSTART-` and `#`
/// comment lines) have two or more columns and end in something shaped
/// like a tag (or hold one in the tag column, when one is given), or when
/// there is nothing but a `-DOCSTART-` line.
pub fn columns_ending_in_tags(prefix: &Prefix<'_>) -> bool {
    let Some(first) = prefix.lines().next() else {
        return false;
    };
    if first.starts_with('{') {
        return false;
    }
    let (mut total, mut tagged) = (0usize, 0usize);
    for line in prefix.lines() {
        if line.starts_with("-DOCSTART-") || line.starts_with('#') {
            continue;
        }
        total += 1;
        let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
        let count = fields.clone().count();
        let tag = match prefix.tag_column {
            Some(k) => fields.nth(k.saturating_sub(1)),
            None => fields.next_back(),
        };
        if count >= 2 && tag.is_some_and(looks_like_tag) {
            tagged += 1;
        }
    }
    let only_docstart = total == 0 && first.starts_with("-DOCSTART-");
    (total > 0 && tagged * 5 >= total * 4) || only_docstart
}

/// Bracket text takes anything.
pub fn anything(_: &Prefix<'_>) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::super::{detect, Format};

    #[test]
    fn real_layouts() {
        assert_eq!(
            detect(b"\xef\xbb\xbf-DOCSTART- O\n\n010 I-MISC\r\nis O\r\n"),
            Format::CONLL
        );
        assert_eq!(detect(b"@paulwalk\tO\nIt\tO\n"), Format::CONLL);
        assert_eq!(detect(b"# text = a\na NN O\n"), Format::CONLL);
        assert_eq!(
            detect(b"Reasons 1.4 [LOC Paris  ] O\nsee below\n"),
            Format::BRACKET
        );
        assert_eq!(detect(b""), Format::BRACKET);
        assert_eq!(detect(b"{\"text\": \"a"), Format::SPANS);
        assert_eq!(detect(b"{\"id\": 3, \"tokens\": [\"a"), Format::JSONL);
        assert_eq!(
            detect(b"{\"tokens\": [\"a\"], \"tags\": [\"O\"]}\n"),
            Format::JSONL
        );
        assert_eq!(
            detect(b"{\"text\": \"a\", \"entities\": []}\n"),
            Format::SPANS
        );
    }
}
