//! Telling input formats apart from their first bytes.
//!
//! [`detect`] looks at a prefix of the input (the command-line tool passes
//! what `BufRead::fill_buf` holds, up to 64 KiB, without consuming it):
//!
//! 1. If the first non-blank line starts with `{`, the input is JSON lines:
//!    [`Format::Spans`] when that object has a `"text"` key, else
//!    [`Format::Jsonl`] (`"tokens"`).
//! 2. Else, if at least 80% of the non-blank lines (not counting
//!    `-DOCSTART-` and `#` comment lines) have two or more columns and end
//!    in something shaped like a tag (`O`, or `B-`, `I-`, `E-`, `S-`, `L-`,
//!    `U-` and a type), the input is [`Format::Conll`].
//! 3. Else it is [`Format::Bracket`].

use std::fmt;

/// An input or output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Inline brackets: `[PER Ryan C. Crocker  ] met ...`.
    Bracket,
    /// One token per line with its tag.
    Conll,
    /// JSON lines of tokens and tags.
    Jsonl,
    /// JSON lines of text and character-offset spans.
    Spans,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Bracket => "bracket",
            Format::Conll => "conll",
            Format::Jsonl => "jsonl",
            Format::Spans => "spans",
        })
    }
}

/// True for `O` and `X-TYPE` with X one of `B I E S L U`.
fn looks_like_tag(field: &str) -> bool {
    let b = field.as_bytes();
    field == "O" || (b.len() > 2 && b"BIESLU".contains(&b[0]) && b[1] == b'-')
}

/// The format of an input that starts with `prefix` (see the module docs).
///
/// # Example
/// ```
/// use nerkit::detect::{detect, Format};
/// assert_eq!(detect(b"EU B-ORG\nrejects O\n"), Format::Conll);
/// assert_eq!(detect(b"{\"text\": \"EU\", \"entities\": []}\n"), Format::Spans);
/// assert_eq!(detect(b"{\"tokens\": [\"EU\"], \"tags\": [\"B-ORG\"]}\n"), Format::Jsonl);
/// assert_eq!(detect(b"[ORG EU  ] rejects German call\n"), Format::Bracket);
/// ```
pub fn detect(prefix: &[u8]) -> Format {
    let prefix = prefix.strip_prefix("\u{feff}".as_bytes()).unwrap_or(prefix);
    // The last line may be cut short by the end of the prefix.
    let complete = match memchr::memrchr(b'\n', prefix) {
        Some(i) if i + 1 < prefix.len() => &prefix[..=i],
        _ => prefix,
    };
    let text = String::from_utf8_lossy(complete);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.clone().next() else {
        return Format::Bracket;
    };
    if first.starts_with('{') {
        let full = String::from_utf8_lossy(prefix);
        let first_line = full
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(first_line) {
            return if o.contains_key("text") && !o.contains_key("tokens") {
                Format::Spans
            } else {
                Format::Jsonl
            };
        }
        // An object longer than the prefix: look for the keys.
        return if first_line.contains("\"tokens\"") {
            Format::Jsonl
        } else {
            Format::Spans
        };
    }
    let (mut total, mut tagged) = (0usize, 0usize);
    for line in lines.by_ref() {
        if line.starts_with("-DOCSTART-") || line.starts_with('#') {
            continue;
        }
        total += 1;
        let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
        let count = fields.clone().count();
        if count >= 2 && fields.next_back().is_some_and(looks_like_tag) {
            tagged += 1;
        }
    }
    let only_docstart = total == 0 && first.starts_with("-DOCSTART-");
    if (total > 0 && tagged * 5 >= total * 4) || only_docstart {
        Format::Conll
    } else {
        Format::Bracket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_layouts() {
        assert_eq!(
            detect(b"\xef\xbb\xbf-DOCSTART- O\n\n010 I-MISC\r\nis O\r\n"),
            Format::Conll
        );
        assert_eq!(detect(b"@paulwalk\tO\nIt\tO\n"), Format::Conll);
        assert_eq!(detect(b"# text = a\na NN O\n"), Format::Conll);
        assert_eq!(
            detect(b"Reasons 1.4 [LOC Paris  ] O\nsee below\n"),
            Format::Bracket
        );
        assert_eq!(detect(b""), Format::Bracket);
        assert_eq!(detect(b"{\"text\": \"a"), Format::Spans);
        assert_eq!(detect(b"{\"id\": 3, \"tokens\": [\"a"), Format::Jsonl);
    }
}
