//! Raw counts: what every scorer produces and every report reads.
//!
//! They add up: [`Counts::add`] of the counts of two inputs gives the
//! counts of the two read one after the other (cut at a sentence
//! boundary), which is what `eval --merge` relies on (see
//! [`super::merge`]).

use std::collections::BTreeMap;

/// Chunk counts of one entity type (or of all types together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeCounts {
    /// Chunks in the gold data (conlleval's "phrases", seqeval's support).
    pub gold: u64,
    /// Chunks in the predictions (conlleval's "found").
    pub pred: u64,
    /// Predicted chunks that match a gold chunk exactly.
    pub correct: u64,
}

impl TypeCounts {
    /// The counts with gold and predictions swapped.
    pub fn swapped(self) -> TypeCounts {
        TypeCounts {
            gold: self.pred,
            pred: self.gold,
            correct: self.correct,
        }
    }

    /// Adds the counts of another input.
    pub fn add(&mut self, other: TypeCounts) {
        self.gold += other.gold;
        self.pred += other.pred;
        self.correct += other.correct;
    }
}

/// Ill-formed chunks found by strict decoding on one side (gold or
/// predictions): how many, and the lines of the first few.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IllFormedSide {
    /// How many chunks were not well-formed and so were not counted.
    pub count: u64,
    /// The line numbers (from 1) of the first token of the first
    /// [`IllFormedSide::KEPT`] ill-formed chunks.
    pub first_lines: Vec<u64>,
}

impl IllFormedSide {
    /// How many line numbers are remembered.
    pub const KEPT: usize = 5;

    pub(crate) fn record(&mut self, line: u64) {
        self.count += 1;
        if self.first_lines.len() < Self::KEPT {
            self.first_lines.push(line);
        }
    }

    /// Adds the ill-formed chunks of another input, read after this one:
    /// the counts add up, and its lines fill the places left of the
    /// [`IllFormedSide::KEPT`] kept. Line numbers are not shifted (a
    /// counts document does not know how many lines came before it), so
    /// after a merge each is a line of the shard it was found in, the
    /// shards taken in the order they were added.
    pub fn add(&mut self, other: &IllFormedSide) {
        self.count += other.count;
        let room = Self::KEPT.saturating_sub(self.first_lines.len());
        self.first_lines
            .extend(other.first_lines.iter().take(room).copied());
    }
}

/// Everything a scorer counted over a whole input.
///
/// Per-type counts are keyed by the type name in a sorted map, so every
/// report lists types in the same (byte) order. Serialised, they are the
/// `counts` member of a counts document ([`super::merge::CountsDocument`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Tokens scored (sentence boundaries are not tokens).
    pub tokens: u64,
    /// Tokens whose gold and predicted tag agree (the accuracy numerator).
    pub correct_tags: u64,
    /// Sentences seen (runs of tokens between boundaries).
    pub sentences: u64,
    /// Counts over all types (micro totals).
    pub total: TypeCounts,
    /// Counts per entity type.
    pub types: BTreeMap<String, TypeCounts>,
    /// Ill-formed chunks in gold (strict mode only).
    pub ill_formed_gold: IllFormedSide,
    /// Ill-formed chunks in predictions (strict mode only).
    pub ill_formed_pred: IllFormedSide,
}

impl Counts {
    /// Token accuracy as a fraction in `0..=1`; 0 when there are no tokens.
    pub fn accuracy(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.correct_tags as f64 / self.tokens as f64
        }
    }

    /// Adds the counts of another input, read after this one (cut from the
    /// same corpus at a sentence boundary): every count is the sum, so the
    /// scores of the sum are the scores of the whole corpus. Only the
    /// remembered lines of ill-formed chunks are not those of the whole
    /// (see [`IllFormedSide::add`]).
    ///
    /// # Example
    ///
    /// ```
    /// use nerkit::eval::Evaluator;
    ///
    /// let (a, b) = ("x B-PER B-PER\n\n", "y B-LOC O\n");
    /// let e = Evaluator::default();
    /// let mut sum = e.evaluate_file(a.as_bytes(), "a")?.counts;
    /// sum.add(&e.evaluate_file(b.as_bytes(), "b")?.counts);
    /// let whole = e.evaluate_file(format!("{a}{b}").as_bytes(), "ab")?.counts;
    /// assert_eq!(sum, whole);
    /// # Ok::<(), nerkit::Error>(())
    /// ```
    pub fn add(&mut self, other: &Counts) {
        self.tokens += other.tokens;
        self.correct_tags += other.correct_tags;
        self.sentences += other.sentences;
        self.total.add(other.total);
        for (name, &c) in &other.types {
            self.types.entry(name.clone()).or_default().add(c);
        }
        self.ill_formed_gold.add(&other.ill_formed_gold);
        self.ill_formed_pred.add(&other.ill_formed_pred);
    }

    /// The counts with gold and predictions swapped (ill-formed sides too).
    pub fn swapped(&self) -> Counts {
        Counts {
            tokens: self.tokens,
            correct_tags: self.correct_tags,
            sentences: self.sentences,
            total: self.total.swapped(),
            types: self
                .types
                .iter()
                .map(|(k, v)| (k.clone(), v.swapped()))
                .collect(),
            ill_formed_gold: self.ill_formed_pred.clone(),
            ill_formed_pred: self.ill_formed_gold.clone(),
        }
    }
}

/// Per-type counters keyed by borrowed type names: a name is copied only
/// the first time it is seen, so the counting loop does not allocate.
///
/// Entity type sets are small (a handful to a few dozen), so names are
/// interned into a list scanned by length and then bytes: cheaper than
/// hashing the name on every chunk. Scorers may keep the index
/// ([`TypeTable::intern`]) instead of the name and compare indices. Only
/// types whose counters were touched ([`TypeTable::at`]) are reported.
#[derive(Debug)]
pub(crate) struct TypeTable {
    names: Vec<Box<str>>,
    /// The index of each name but the empty one (which is index 0).
    index: crate::intern::LabelIndex,
    counts: Vec<TypeCounts>,
    touched: Vec<bool>,
}

impl Default for TypeTable {
    fn default() -> Self {
        // Index 0 is the empty type, the type of `O`.
        TypeTable {
            names: vec!["".into()],
            index: crate::intern::LabelIndex::default(),
            counts: vec![TypeCounts::default()],
            touched: vec![false],
        }
    }
}

impl TypeTable {
    /// The index of the empty type.
    pub(crate) const EMPTY: u32 = 0;

    /// The index of `label`, added when it is new.
    #[inline]
    pub(crate) fn intern(&mut self, label: &[u8]) -> u32 {
        if label.is_empty() {
            return Self::EMPTY;
        }
        match self.index.find(label) {
            Some(i) => i as u32 + 1,
            None => self.add(label),
        }
    }

    #[cold]
    fn add(&mut self, label: &[u8]) -> u32 {
        // Labels are slices of text cut at ASCII bytes.
        let text = std::str::from_utf8(label).expect("a label is text");
        self.index.add(label);
        self.names.push(text.into());
        self.counts.push(TypeCounts::default());
        self.touched.push(false);
        (self.names.len() - 1) as u32
    }

    /// The name of the type with index `i` (from [`TypeTable::intern`]).
    pub(crate) fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// The counters of the type with index `i` (from [`TypeTable::intern`]).
    #[inline]
    pub(crate) fn at(&mut self, i: u32) -> &mut TypeCounts {
        self.touched[i as usize] = true;
        &mut self.counts[i as usize]
    }

    /// The counters of `label`.
    #[inline]
    pub(crate) fn get(&mut self, label: &str) -> &mut TypeCounts {
        let i = self.intern(label.as_bytes());
        self.at(i)
    }

    pub(crate) fn into_sorted(self) -> BTreeMap<String, TypeCounts> {
        let (counts, touched) = (self.counts, self.touched);
        self.names
            .into_iter()
            .enumerate()
            .filter(|&(i, _)| touched[i])
            .map(|(i, name)| (String::from(name), counts[i]))
            .collect()
    }
}
