//! A look at the lines of an input as columns: how many fields they have,
//! and what each column holds (tags of some style, numbers, CoNLL-U word
//! ids), so that column files are never read as bracket text and a file
//! of columns without tags is refused with what each column looks like.

/// What the lines of a prefix are, as columns.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Lines looked at (not blank, not `#` comments, not `-DOCSTART-`).
    pub lines: usize,
    /// Lines with a tab.
    pub tabbed: usize,
    /// The most common number of fields.
    pub width: usize,
    /// How many lines have `width` fields.
    pub at_width: usize,
    /// What the columns of the lines of the common width hold, from the
    /// first.
    pub stats: Vec<Column>,
    /// Lines with a bracket opener (`[LABEL `) and a `]`.
    pub bracketed: usize,
    /// Lines starting with `#`.
    pub comments: usize,
}

/// What one column holds, in lines of the common width.
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Values shaped like a tag of any style: `B-PER`, `PER-B`, `B`, `O`.
    pub tags: usize,
    /// Values that are exactly `O`.
    pub outside: usize,
    /// Values that could be an unprefixed type (`location-GPE`, `PER`).
    pub types: usize,
    /// Numbers (`0.98`, `3`).
    pub numbers: usize,
    /// CoNLL-U word ids: `3`, `1-2`, `1.1`.
    pub ids: usize,
    /// Values holding `KEY=VALUE` pairs with a tag as the value
    /// (`NER=B-PER|SpaceAfter=No`).
    pub keyed_tags: usize,
}

/// At most this many lines are looked at.
const MAX_LINES: usize = 2000;

impl Columns {
    /// Looks at the lines of `text`.
    pub fn of(text: &str) -> Columns {
        let mut c = Columns::default();
        let mut widths = [0usize; 16];
        let lines = || {
            text.lines()
                .map(|l| l.trim_end_matches('\r'))
                .filter(|l| !l.trim().is_empty())
                .take(MAX_LINES)
        };
        for line in lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') {
                c.comments += 1;
                continue;
            }
            if trimmed.starts_with("-DOCSTART-") {
                continue;
            }
            c.lines += 1;
            if line.contains('\t') {
                c.tabbed += 1;
            }
            if has_opener(trimmed) {
                c.bracketed += 1;
            }
            let n = fields(line).count().min(widths.len() - 1);
            widths[n] += 1;
        }
        let (width, at_width) = widths
            .iter()
            .enumerate()
            .max_by_key(|&(w, n)| (*n, std::cmp::Reverse(w)))
            .map(|(w, n)| (w, *n))
            .unwrap_or((0, 0));
        c.width = width;
        c.at_width = at_width;
        c.stats = vec![Column::default(); width];
        for line in lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with("-DOCSTART-") {
                continue;
            }
            if fields(line).count() != width {
                continue;
            }
            for (stat, field) in c.stats.iter_mut().zip(fields(line)) {
                stat.add(field);
            }
        }
        c
    }

    /// True when at least 80% of `n` of the lines looked at.
    pub fn most(&self, n: usize) -> bool {
        self.lines > 0 && n * 5 >= self.lines * 4
    }

    /// The column (from 0) that holds the tags: `given` (from 1) when the
    /// user named one; else the last, or the one before a last column of
    /// numbers (a prediction file's probabilities).
    pub fn tag_column(&self, given: Option<usize>) -> Option<usize> {
        if !self.most(self.at_width) || self.width == 0 {
            return None;
        }
        let tagged = |k: usize| {
            self.stats.get(k).is_some_and(|s| {
                self.most(s.tags) || (s.outside > 0 && self.most(s.tags + s.types))
            })
        };
        if let Some(k) = given {
            return k.checked_sub(1).filter(|&k| tagged(k));
        }
        let last = self.width - 1;
        if tagged(last) {
            return Some(last);
        }
        if last > 0 && self.most(self.stats[last].numbers) && tagged(last - 1) {
            return Some(last - 1);
        }
        None
    }

    /// The tag column as [`Columns::tag_column`] finds it, asking only
    /// that more than half of the lines have the commonest width: columns
    /// with a few broken lines (a tag missing), whose reader then names
    /// each broken line.
    pub fn tag_column_of_most_lines(&self, given: Option<usize>) -> Option<usize> {
        if self.at_width * 2 <= self.lines {
            return None;
        }
        Columns {
            lines: self.at_width,
            ..self.clone()
        }
        .tag_column(given)
    }

    /// True when more than half of the lines hold a tab and none an
    /// entity opener: not bracket text, whatever else it is.
    pub fn mostly_tabbed(&self) -> bool {
        self.tabbed * 2 > self.lines && self.bracketed == 0
    }

    /// True when the lines look like CoNLL-U: ten tab-separated columns,
    /// the first a word id.
    pub fn is_conllu(&self) -> bool {
        self.width == 10 && self.most(self.tabbed) && self.most(self.stats[0].ids)
    }

    /// True when the CoNLL-U MISC column holds tags under a key.
    pub fn conllu_misc_has_tags(&self) -> bool {
        self.stats.get(9).is_some_and(|s| s.keyed_tags > 0)
    }

    /// True when the lines are columns beyond doubt: tab-separated, of one
    /// width, with more than one column.
    pub fn clearly_columns(&self) -> bool {
        self.width >= 2 && self.most(self.tabbed) && self.most(self.at_width) && self.bracketed == 0
    }

    /// What each column holds, for a message: `1: numbers, 2: text, ...`.
    pub fn describe(&self) -> String {
        self.stats
            .iter()
            .enumerate()
            .map(|(k, s)| format!("{}: {}", k + 1, s.describe(self.at_width)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Column {
    fn add(&mut self, field: &str) {
        if field == "O" {
            self.outside += 1;
        }
        if is_tag(field) {
            self.tags += 1;
        } else if is_type(field) {
            self.types += 1;
        }
        if field.parse::<f64>().is_ok() {
            self.numbers += 1;
        }
        if is_word_id(field) {
            self.ids += 1;
        }
        if field
            .split('|')
            .any(|kv| kv.split_once('=').is_some_and(|(_, v)| is_tag(v)))
        {
            self.keyed_tags += 1;
        }
    }

    fn describe(&self, of: usize) -> &'static str {
        let most = |n: usize| of > 0 && n * 5 >= of * 4;
        if most(self.ids) {
            "word ids"
        } else if most(self.numbers) {
            "numbers"
        } else if most(self.tags) {
            "tags"
        } else {
            "text"
        }
    }
}

/// The fields of a line: split at tabs when it has one (a token may hold
/// spaces then), else at runs of spaces.
///
/// Only ASCII spaces and tabs separate fields, as in the CoNLL reader: a
/// token may be any other whitespace (U+2003 in WNUT-17).
fn fields(line: &str) -> impl Iterator<Item = &str> + '_ {
    let tabbed = line.contains('\t');
    line.split(if tabbed { '\t' } else { ' ' })
        .map(|f| f.trim_matches(' '))
        .filter(move |f| tabbed || !f.is_empty())
}

/// A tag of any style: `O`; a prefix letter, a hyphen and a type (`B-PER`);
/// a type, a hyphen and a suffix letter (`PER-B`); a bare prefix letter
/// (`B`).
pub fn is_tag(field: &str) -> bool {
    let b = field.as_bytes();
    let letter = |c: u8| b"BIESLU".contains(&c);
    match b {
        [b'O'] => true,
        [c] => letter(*c),
        [c, b'-', rest @ ..] if letter(*c) && !rest.is_empty() => is_type(&field[2..]),
        [.., b'-', c] if letter(*c) && b.len() > 2 => is_type(&field[..b.len() - 2]),
        _ => false,
    }
}

/// A value that can be an entity type written without a prefix: a letter,
/// then letters, digits and `_-.:/` (`PER`, `location-GPE`, `creative-work`).
fn is_type(field: &str) -> bool {
    let mut chars = field.chars();
    chars.next().is_some_and(char::is_alphabetic)
        && field.len() <= 64
        && chars.all(|c| c.is_alphanumeric() || "_-.:/".contains(c))
}

/// A CoNLL-U word id: `3`, a multiword range `1-2`, an empty node `1.1`.
fn is_word_id(field: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(field)
        || field
            .split_once(['-', '.'])
            .is_some_and(|(a, b)| digits(a) && digits(b))
}

/// True when `line` has a bracket opener (`[` and a label) and a `]`
/// after it.
fn has_opener(line: &str) -> bool {
    let b = line.as_bytes();
    memchr::memchr_iter(b'[', b).any(|i| {
        b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
            && memchr::memchr(b']', &b[i..]).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_styles() {
        for tag in [
            "O",
            "B",
            "I",
            "B-PER",
            "PER-B",
            "I-creative-work",
            "B-PER-NAME",
        ] {
            assert!(is_tag(tag), "{tag}");
        }
        for not in ["o", "PER", "B-", "-B", "Paris", "0.98", "BI"] {
            assert!(!is_tag(not), "{not}");
        }
    }

    #[test]
    fn which_column_holds_tags() {
        let c = Columns::of("EU B-ORG 0.98\nrejects O 0.5\n\nit O 1\n");
        assert_eq!(c.tag_column(None), Some(1));
        let c = Columns::of("EU\tlocation-GPE\nrejects\tO\nit\tO\n");
        assert_eq!(c.tag_column(None), Some(1));
        let c = Columns::of("B\nI\nO\n");
        assert_eq!(c.tag_column(None), Some(0));
        let c = Columns::of("EU\tNNP\nrejects\tVBZ\n");
        assert_eq!(c.tag_column(None), None);
        assert!(c.clearly_columns());
        assert_eq!(c.describe(), "1: text, 2: text");
        let c = Columns::of(
            "1\tEU\teu\tPROPN\t_\t_\t2\tnsubj\t_\tNER=B-ORG\n1-2\tdu\t_\t_\t_\t_\t_\t_\t_\t_\n",
        );
        assert!(c.is_conllu() && c.conllu_misc_has_tags());
    }
}
