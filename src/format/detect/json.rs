//! A look at the first JSON record of an input: enough to tell the JSON
//! layouts apart and to say what was seen when none fits.
//!
//! Detection sees at most the first 64 KiB, which may end inside the first
//! record (a long document text), so this is a small scanner that reads
//! JSON up to the end of what it is given and records the keys it passed,
//! rather than `serde_json`, which needs the whole value. It checks the
//! grammar as it goes, so that input that starts like JSON but is not is
//! refused with a position instead of being read as bracket text.

use std::collections::BTreeSet;

/// What the start of an input is, as JSON.
#[derive(Debug)]
pub enum Look {
    /// It does not start like JSON (`{`, or `[` followed by something a
    /// JSON array holds).
    NotJson,
    /// It starts like JSON but is not: where and why.
    Broken {
        /// Line, from 1.
        line: u64,
        /// Column, from 1, in characters.
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// A JSON object on the first line: JSON lines, one record per line.
    Lines(Record),
    /// A top-level JSON array; its first element, when it has one.
    Array(Option<Record>),
}

/// What the first record holds.
#[derive(Debug, Default)]
pub struct Record {
    /// Every key path passed, alone and with the kind of its value:
    /// `text`, `text:string`, `entities[]:object`,
    /// `entities[].start_offset:number`, `data.text:string`.
    paths: BTreeSet<String>,
    /// The record's kind when it is not an object (`array`, `string`...).
    pub kind: &'static str,
    /// False when the input ended inside the record.
    pub complete: bool,
}

impl Record {
    /// True when `path` (with or without `:kind`) was seen.
    pub fn has(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// True when a path (with its `:kind`) satisfies `test`.
    pub fn any(&self, test: impl Fn(&str) -> bool) -> bool {
        self.paths.iter().any(|p| test(p))
    }

    /// The top-level keys, for messages.
    pub fn keys(&self) -> Vec<&str> {
        self.paths
            .iter()
            .filter(|p| !p.contains([':', '.', '[']))
            .map(String::as_str)
            .collect()
    }
}

/// Looks at `bytes`, the start of an input (a byte-order mark taken off).
pub fn look(bytes: &[u8]) -> Look {
    let mut s = Scanner::new(bytes);
    s.skip_ws();
    match s.peek() {
        Some(b'{') => match s.record(true) {
            Ok(record) => {
                // JSON lines: nothing but spaces after the object on its line.
                if record.complete {
                    s.skip_inline_ws();
                    match s.peek() {
                        None | Some(b'\n' | b'\r') => {}
                        Some(_) => return s.broken("more after the JSON object on the first line; JSON lines hold one object per line"),
                    }
                }
                Look::Lines(record)
            }
            Err(e) => s.fail(e),
        },
        Some(b'[') => {
            // Bracket text starts with `[` too: `[PER Ryan ]`. A JSON array
            // holds a value; a bracket opener a label.
            let mut after = Scanner::new(&bytes[s.at + 1..]);
            after.skip_ws();
            // A lone `[` holds nothing to tell, and is a token.
            let json = match after.peek() {
                None => false,
                Some(c) => {
                    matches!(c, b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9')
                        || after.rest().starts_with(b"true")
                        || after.rest().starts_with(b"false")
                        || after.rest().starts_with(b"null")
                }
            };
            if !json {
                return Look::NotJson;
            }
            s.bump();
            s.skip_ws();
            match s.peek() {
                Some(b']') => Look::Array(None),
                None => Look::Array(None),
                Some(_) => match s.record(false) {
                    Ok(record) => Look::Array(Some(record)),
                    Err(e) => s.fail(e),
                },
            }
        }
        _ => Look::NotJson,
    }
}

/// Why scanning stopped early.
enum Stop {
    /// The input ended: what was seen stands.
    End,
    /// Not JSON here.
    Syntax(String),
}

/// Paths deeper than this are not recorded, and values nested deeper than
/// `MAX_DEPTH` are refused (the scanner recurses).
const MAX_PATH: usize = 6;
const MAX_DEPTH: usize = 100;

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    record: Record,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Scanner<'a> {
        Scanner {
            bytes,
            at: 0,
            record: Record::default(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn rest(&self) -> &[u8] {
        &self.bytes[self.at..]
    }

    fn bump(&mut self) {
        self.at += 1;
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn skip_inline_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// Scans one value as the record; `Ok` when it is complete or the
    /// input ended inside it.
    fn record(&mut self, object_only: bool) -> Result<Record, Stop> {
        let kind = match self.value(&mut String::new(), 0) {
            Ok(kind) => {
                self.record.complete = true;
                kind
            }
            Err(Stop::End) => "",
            Err(e) => return Err(e),
        };
        if object_only && kind != "object" && !kind.is_empty() {
            return Err(Stop::Syntax("expected a JSON object".into()));
        }
        self.record.kind = kind;
        Ok(std::mem::take(&mut self.record))
    }

    fn fail(&self, stop: Stop) -> Look {
        match stop {
            Stop::End => Look::NotJson,
            Stop::Syntax(message) => self.broken(&message),
        }
    }

    fn broken(&self, message: &str) -> Look {
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = 1 + memchr::memchr_iter(b'\n', before).count() as u64;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let column = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64;
        Look::Broken {
            line,
            column,
            message: message.to_string(),
        }
    }

    fn note(&mut self, path: &str, kind: &str) {
        if path.is_empty() || path.matches(['.', '[']).count() >= MAX_PATH {
            return;
        }
        if !self.record.paths.contains(path) {
            self.record.paths.insert(path.to_string());
        }
        let typed = format!("{path}:{kind}");
        self.record.paths.insert(typed);
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Stop> {
        match self.peek() {
            None => Err(Stop::End),
            Some(b) if b == byte => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(Stop::Syntax(format!("expected {what}"))),
        }
    }

    /// Scans a value at `path`; returns its kind.
    fn value(&mut self, path: &mut String, depth: usize) -> Result<&'static str, Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Syntax(format!(
                "JSON nested deeper than {MAX_DEPTH} levels"
            )));
        }
        self.skip_ws();
        let kind = match self.peek() {
            None => return Err(Stop::End),
            Some(b'{') => {
                self.bump();
                self.object(path, depth)?;
                "object"
            }
            Some(b'[') => {
                self.bump();
                self.array(path, depth)?;
                "array"
            }
            Some(b'"') => {
                self.string(None)?;
                "string"
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                "number"
            }
            Some(b't') => self.literal("true", "bool")?,
            Some(b'f') => self.literal("false", "bool")?,
            Some(b'n') => self.literal("null", "null")?,
            Some(_) => return Err(Stop::Syntax("expected a JSON value".into())),
        };
        Ok(kind)
    }

    fn object(&mut self, path: &mut String, depth: usize) -> Result<(), Stop> {
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(());
        }
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b'"') => {}
                Some(_) => return Err(Stop::Syntax("expected a key in quotes".into())),
            }
            let mut key = String::new();
            self.string(Some(&mut key))?;
            self.skip_ws();
            if self.peek().is_none() {
                // The key is seen, its value cut off.
                let mut p = path.clone();
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(&key);
                self.note(&p, "cut");
            }
            self.expect(b':', "a colon after the key")?;
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
            let p = path.clone();
            self.note(&p, "cut");
            let kind = self.value(path, depth + 1);
            if let Ok(kind) = kind {
                let p = path.clone();
                self.note(&p, kind);
            }
            path.truncate(len);
            kind?;
            self.skip_ws();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => return Err(Stop::Syntax("expected a comma or }".into())),
            }
        }
    }

    fn array(&mut self, path: &mut String, depth: usize) -> Result<(), Stop> {
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(());
        }
        let len = path.len();
        path.push_str("[]");
        loop {
            let kind = self.value(path, depth + 1);
            if let Ok(kind) = kind {
                let p = path.clone();
                self.note(&p, kind);
            }
            if let Err(e) = kind {
                path.truncate(len);
                return Err(e);
            }
            self.skip_ws();
            match self.peek() {
                None => {
                    path.truncate(len);
                    return Err(Stop::End);
                }
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    path.truncate(len);
                    return Ok(());
                }
                Some(_) => {
                    path.truncate(len);
                    return Err(Stop::Syntax("expected a comma or ]".into()));
                }
            }
        }
    }

    fn string(&mut self, mut out: Option<&mut String>) -> Result<(), Stop> {
        self.bump();
        let start = self.at;
        loop {
            match self.peek() {
                None => return Err(Stop::End),
                Some(b'"') => {
                    if let Some(out) = out.as_deref_mut() {
                        out.push_str(&String::from_utf8_lossy(&self.bytes[start..self.at]));
                    }
                    self.bump();
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 2;
                    if self.at > self.bytes.len() {
                        return Err(Stop::End);
                    }
                }
                Some(c) if c < 0x20 => {
                    return Err(Stop::Syntax(
                        "a control character (such as a line end) inside a JSON string".into(),
                    ))
                }
                Some(_) => self.bump(),
            }
        }
    }

    fn number(&mut self) -> Result<(), Stop> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.bump();
        }
        if self.peek().is_none() {
            return Err(Stop::End);
        }
        let text = &self.bytes[start..self.at];
        if std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_none()
        {
            return Err(Stop::Syntax("not a JSON number".into()));
        }
        Ok(())
    }

    fn literal(&mut self, word: &str, kind: &'static str) -> Result<&'static str, Stop> {
        let rest = self.rest();
        let n = rest.len().min(word.len());
        if rest[..n] != word.as_bytes()[..n] {
            return Err(Stop::Syntax("expected a JSON value".into()));
        }
        self.at += n;
        if n < word.len() {
            return Err(Stop::End);
        }
        Ok(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Record {
        match look(json.as_bytes()) {
            Look::Lines(r) | Look::Array(Some(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_of_the_first_record() {
        let r =
            record(r#"{"text": "a", "entities": [{"start_offset": 0, "label": "X"}], "id": 3}"#);
        assert!(r.complete);
        assert!(r.has("entities[]:object"));
        assert!(r.has("entities[].start_offset:number"));
        assert_eq!(r.keys(), ["entities", "id", "text"]);
        let r = record(
            r#"[{"data": {"text": "a b"}, "annotations": [{"result": [{"value": {"start": 0"#,
        );
        assert!(!r.complete);
        assert!(r.has("data.text:string"));
        assert!(r.has("annotations[].result[].value.start"));
        let r = record("{\"text\": \"a long text cut sh");
        assert!(r.has("text") && !r.complete);
    }

    #[test]
    fn json_or_not() {
        assert!(matches!(look(b"[PER Ryan ] met"), Look::NotJson));
        assert!(matches!(look(b"plain text"), Look::NotJson));
        assert!(matches!(look(b"[]"), Look::Array(None)));
        assert!(matches!(look(b"  [\n"), Look::NotJson));
        for (bad, column) in [
            ("{\"text\": \"a\", }", 15),
            ("{'text': 1}", 2),
            ("[{\"a\": tru }]", 8),
            ("{\"a\": 1} {\"b\": 2}", 10),
        ] {
            match look(bad.as_bytes()) {
                Look::Broken {
                    line, column: c, ..
                } => assert_eq!((line, c), (1, column), "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let deep = "[".repeat(1000);
        assert!(matches!(look(deep.as_bytes()), Look::Broken { .. }));
    }
}
