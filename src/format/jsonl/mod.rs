//! JSON lines: one object per sentence,
//! `{"tokens": [...], "tags": [...], "offsets": [[start, end], ...]}`.
//!
//! This is the layout of Hugging Face token-classification datasets. The
//! [`Reader`] also accepts `ner_tags` for `tags`, as strings or, given the
//! class names ([`ReadOptions::label_names`], read with [`label_names`]),
//! as the class numbers `Dataset.to_json` writes; it ignores every other
//! key; `offsets` is optional. The [`Writer`] writes `text` too, the text
//! its offsets point into, and can write class numbers.

mod fields;
mod read;
mod write;

pub use read::{ReadOptions, Reader};
pub use write::Writer;

/// The class names in `text`, in class order: a JSON list of strings; a
/// JSON object holding a `ClassLabel`'s `"names"` (a `datasets`
/// `dataset_info.json`, or its `features` object: the `names` under
/// `ner_tags` when there is such a key, else the first `names` found); or
/// one name per line (the `names_file` of a `ClassLabel`), blank lines
/// skipped.
///
/// # Errors
/// JSON that holds no list of names, or no name at all.
///
/// # Example
/// ```
/// use nerkit::jsonl::label_names;
/// let info = r#"{"features": {"ner_tags": {"feature": {"names": ["O", "B-PER", "I-PER"],
///     "_type": "ClassLabel"}, "_type": "Sequence"}}}"#;
/// assert_eq!(label_names(info).unwrap(), ["O", "B-PER", "I-PER"]);
/// assert_eq!(label_names("O\nB-PER\n").unwrap(), ["O", "B-PER"]);
/// ```
pub fn label_names(text: &str) -> std::result::Result<Vec<String>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    let names: Vec<String> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let found = match &value {
            serde_json::Value::Array(_) => string_list(&value),
            _ => find_key(&value, "ner_tags")
                .and_then(find_names)
                .or_else(|| find_names(&value)),
        };
        found.ok_or(
            "the JSON holds no list of class names (a list of strings, or a ClassLabel's \
             \"names\")",
        )?
    } else {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if names.is_empty() {
        return Err("no class names".to_string());
    }
    Ok(names)
}

fn string_list(v: &serde_json::Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// The first value of `key` in `v`, depth first.
fn find_key<'v>(v: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
    match v {
        serde_json::Value::Object(o) => o
            .get(key)
            .or_else(|| o.values().find_map(|c| find_key(c, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|c| find_key(c, key)),
        _ => None,
    }
}

/// The first `"names"` list of strings in `v`, depth first.
fn find_names(v: &serde_json::Value) -> Option<Vec<String>> {
    match v {
        serde_json::Value::Object(o) => o
            .get("names")
            .and_then(string_list)
            .or_else(|| o.values().find_map(find_names)),
        serde_json::Value::Array(a) => a.iter().find_map(find_names),
        _ => None,
    }
}

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
