//! JSON lines: one object per sentence,
//! `{"tokens": [...], "tags": [...], "offsets": [[start, end], ...]}`.
//!
//! This is the layout of Hugging Face token-classification datasets. The
//! [`Reader`] also accepts `ner_tags` for `tags` when it holds strings, and
//! ignores every other key; `offsets` is optional.

mod read;
mod write;

pub use read::{ReadOptions, Reader};
pub use write::Writer;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use crate::sentence::Sentence;

    fn read(text: &str, opts: ReadOptions) -> Result<Vec<String>> {
        let mut reader = Reader::new(text.as_bytes(), opts);
        let mut s = Sentence::new();
        let mut out = Vec::new();
        while reader.read_sentence(&mut s)? {
            let tokens: Vec<String> = s
                .tokens()
                .map(|t| format!("{}@{}", t.text, t.span))
                .collect();
            let entities: Vec<String> = s
                .entities()
                .map(|e| format!("{} {}..{}", e.label, e.tokens.start(), e.tokens.end()))
                .collect();
            out.push(format!("{} | {}", tokens.join(" "), entities.join(", ")));
        }
        Ok(out)
    }

    #[test]
    fn tags_ner_tags_and_offsets() {
        let text = "{\"tokens\":[\"a\",\"bc\"],\"tags\":[\"B-X\",\"I-X\"]}\n\n{\"id\":1,\"tokens\":[\"d\"],\"ner_tags\":[\"O\"],\"offsets\":[[4,5]]}\n";
        assert_eq!(
            read(text, ReadOptions::default()).unwrap(),
            ["a@0..1 bc@2..4 | X 0..2", "d@4..5 | "]
        );
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line, what) in [
            ("{}\n", 1, "tokens"),
            ("{\"tokens\":[\"a\"]}\n", 1, "no \"tags\""),
            ("\n{\"tokens\":[\"a\"],\"ner_tags\":[3]}\n", 2, "class numbers"),
            ("{\"tokens\":[\"a\"],\"tags\":[]}\n", 1, "1 tokens but 0 tags"),
            ("{\"tokens\":[\"a\"],\"tags\":[\"O\"]}\n{\"tokens\":[\"a\"],\"tags\":[\"I-X\"]}\n{\"tokens\":[\"a\"],\"tags\":[\"B-X\"]}\n", 2, "ill-formed iob2"),
        ] {
            let e = read(text, ReadOptions::default()).unwrap_err();
            assert_eq!(e.position().unwrap().line(), line, "{text}");
            assert!(e.to_string().contains(what), "{e}");
        }
    }
}
