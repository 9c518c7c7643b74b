//! Mergeable counts: the integers every report is computed from, written
//! as one JSON document per input, and summed over the shards of a corpus.
//!
//! A corpus too big for one machine is cut at sentence boundaries into
//! shards; each shard is scored on its own into a [`CountsDocument`]
//! (`nerkit eval --format counts`), and the documents are summed
//! ([`CountsDocument::add`], `nerkit eval --merge`). Every count is a sum
//! over sentences, so the sum is the count of the whole corpus, and every
//! report made from it ([`CountsDocument::evaluation`],
//! [`CountsDocument::analysis`]) is the report of the whole corpus: the
//! conlleval report, the tables, the averages, the notes, the matching
//! schemas, the error classes and the confusion matrix. The order of the
//! shards does not change the sums.
//!
//! What a counts document holds:
//!
//! * `nerkit_counts`: the format tag and its version ([`VERSION`]);
//! * `gold` and `system`: the names of the inputs it was scored from
//!   (the system name labels the analysis reports; a merge of shards
//!   with different names is called `merged`);
//! * `options`: what changes the counts ([`CountOptions`]); documents
//!   scored with different options are not added up;
//! * `counts`: the plain [`Counts`] of the conlleval or strict scorer,
//!   every field;
//! * `token_mismatches`: token texts that differ between the two files
//!   (scored anyway), their total and the first few;
//! * `analysis`: the [`AnalysisCounts`] when the error analysis ran, else
//!   `null`.
//!
//! What is not in it, and so not in a merged report:
//!
//! * Error instances (the sentences shown by `--errors`): they are
//!   examples, not counts, and grow with the input. Their total is a
//!   count ([`AnalysisCounts::instances`]) and is summed.
//! * Bootstrap samples and confidence intervals: a resample of the whole
//!   corpus is not a sum of resamples of its shards.
//! * Line numbers of the whole corpus: the first lines of ill-formed
//!   chunks and of differing tokens are lines of the shard they were found
//!   in, and a merge keeps the first
//!   [`IllFormedSide::KEPT`](super::IllFormedSide::KEPT)
//!   ([`TokenMismatches::KEPT`]) of them in the order the shards are
//!   added (see [`IllFormedSide::add`](super::IllFormedSide::add)).
//!
//! # Example
//!
//! ```
//! use nerkit::eval::merge::CountsDocument;
//! use nerkit::eval::{Evaluator, ReportFormat};
//!
//! let shards = ["John B-PER B-PER\nSmith I-PER I-PER\n\n", "Paris B-LOC O\n"];
//! let e = Evaluator::default();
//! let mut sum: Option<CountsDocument> = None;
//! for (k, shard) in shards.iter().enumerate() {
//!     let evaluation = e.evaluate_file(shard.as_bytes(), format!("shard{k}"))?;
//!     let doc = CountsDocument::new("in.txt", "in.txt", &evaluation, None);
//!     // Written by one machine, read by another.
//!     let mut json = Vec::new();
//!     doc.write(&mut json)?;
//!     let doc = CountsDocument::read(&json[..])?;
//!     match &mut sum {
//!         None => sum = Some(doc),
//!         Some(s) => s.add(&doc)?,
//!     }
//! }
//! let merged = sum.unwrap().evaluation()?;
//! let whole = e.evaluate_file(shards.concat().as_bytes(), "in.txt")?;
//! let (mut a, mut b) = (Vec::new(), Vec::new());
//! merged.write_report(&mut a, ReportFormat::Conlleval)?;
//! whole.write_report(&mut b, ReportFormat::Conlleval)?;
//! assert_eq!(a, b);
//! # Ok::<(), nerkit::Error>(())
//! ```

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use super::analysis::{Analysis, AnalysisCounts};
use super::{ConllevalOptions, Counts, Evaluation, Level, Mode, TokenMismatches};
use crate::error::{Error, Result};
use crate::scheme::TagScheme;

/// The version of the counts document this nerkit writes and reads.
pub const VERSION: u64 = 1;

/// The name of a merge of shards whose inputs had different names.
pub const MERGED: &str = "merged";

/// The options that change what is counted, as a counts document records
/// them. Options that cannot change the counts are stored at their
/// defaults, so that they never keep two documents apart: the outside tag
/// unless `raw`, `raw` in strict mode, and the analysis options when the
/// analysis did not run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountOptions {
    /// `conlleval` or `strict`.
    pub mode: String,
    /// The tag scheme of strict mode (`iob2`, ...); `null` in conlleval
    /// mode.
    pub scheme: Option<String>,
    /// conlleval.pl's `-r`: every tag but the outside tag is a one-token
    /// chunk.
    pub raw: bool,
    /// conlleval.pl's `-o`: the outside tag of raw mode.
    pub outside: String,
    /// Whether the error analysis ran (the document then has `analysis`).
    pub analysis: bool,
    /// The analysis' minimum overlap, as a percentage of the gold entity.
    pub min_overlap_percent: f64,
    /// The analysis' type renamings, `[old, new]`, in the order given.
    pub map: Vec<(String, String)>,
    /// The types the analysis dropped.
    pub ignore: Vec<String>,
}

/// An option on which two counts documents differ: its name (the member
/// of [`CountOptions`]) and its value in each, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionDifference {
    /// The option's name in the document (`mode`, `scheme`, `raw`, ...).
    pub name: &'static str,
    /// Its value in the document asked.
    pub this: String,
    /// Its value in the other document.
    pub other: String,
}

impl CountOptions {
    /// The options of an evaluation in `mode`, with the analysis that ran
    /// beside it, if any.
    pub fn new(mode: &Mode, analysis: Option<&Analysis>) -> CountOptions {
        let (mode_name, scheme, raw, outside) = match mode {
            Mode::Conlleval(o) => (
                "conlleval",
                None,
                o.raw,
                if o.raw {
                    o.outside.clone()
                } else {
                    "O".to_owned()
                },
            ),
            Mode::Strict(s) => ("strict", Some(s.to_string()), false, "O".to_owned()),
        };
        CountOptions {
            mode: mode_name.to_owned(),
            scheme,
            raw,
            outside,
            analysis: analysis.is_some(),
            min_overlap_percent: analysis.map_or(0.0, |a| a.min_overlap_percent),
            map: analysis.map(|a| a.map.clone()).unwrap_or_default(),
            ignore: analysis.map(|a| a.ignore.clone()).unwrap_or_default(),
        }
    }

    /// The scoring mode these options name.
    ///
    /// # Errors
    /// An unknown mode or scheme name, or a scheme missing in strict mode
    /// (or given in conlleval mode).
    pub fn mode(&self) -> Result<Mode> {
        match (self.mode.as_str(), &self.scheme) {
            ("conlleval", None) => Ok(Mode::Conlleval(
                ConllevalOptions::default()
                    .raw(self.raw)
                    .outside(self.outside.clone()),
            )),
            ("strict", Some(s)) => s
                .parse::<TagScheme>()
                .map(Mode::Strict)
                .map_err(|e| Error::msg(format!("a malformed counts document: {e}"))),
            (m, s) => Err(Error::msg(format!(
                "a malformed counts document: mode {m:?} with scheme {}",
                s.as_deref().unwrap_or("null")
            ))),
        }
    }

    /// The first option on which `self` and `other` differ, in the order
    /// of the document's members.
    pub fn difference(&self, other: &CountOptions) -> Option<OptionDifference> {
        fn text<T: std::fmt::Debug>(x: &T) -> String {
            format!("{x:?}")
        }
        let pairs = |v: &[(String, String)]| {
            v.iter()
                .map(|(o, n)| format!("{o}={n}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let candidates = [
            ("mode", self.mode.clone(), other.mode.clone()),
            (
                "scheme",
                self.scheme.clone().unwrap_or_else(|| "none".to_owned()),
                other.scheme.clone().unwrap_or_else(|| "none".to_owned()),
            ),
            ("raw", text(&self.raw), text(&other.raw)),
            ("outside", self.outside.clone(), other.outside.clone()),
            ("analysis", text(&self.analysis), text(&other.analysis)),
            (
                "min_overlap_percent",
                self.min_overlap_percent.to_string(),
                other.min_overlap_percent.to_string(),
            ),
            ("map", pairs(&self.map), pairs(&other.map)),
            ("ignore", self.ignore.join(","), other.ignore.join(",")),
        ];
        let differ = [
            self.mode != other.mode,
            self.scheme != other.scheme,
            self.raw != other.raw,
            self.outside != other.outside,
            self.analysis != other.analysis,
            self.min_overlap_percent != other.min_overlap_percent,
            self.map != other.map,
            self.ignore != other.ignore,
        ];
        candidates
            .into_iter()
            .zip(differ)
            .find(|(_, d)| *d)
            .map(|((name, this, other), _)| OptionDifference { name, this, other })
    }
}

/// The integers of one evaluation (and its analysis), to be written,
/// read back elsewhere and summed with those of other shards. See the
/// [module docs](self) for what it holds and what it leaves out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsDocument {
    /// The format tag and version: [`VERSION`].
    pub nerkit_counts: u64,
    /// The name of the gold input.
    pub gold: String,
    /// The name of the predictions (the one file of conlleval's layout,
    /// or the prediction file); the analysis reports call the system so.
    pub system: String,
    /// What changes the counts.
    pub options: CountOptions,
    /// The plain counts, every field.
    pub counts: Counts,
    /// Token texts that differ between the two inputs.
    pub token_mismatches: TokenMismatches,
    /// The analysis counts, when the analysis ran.
    pub analysis: Option<AnalysisCounts>,
}

impl CountsDocument {
    /// The counts document of `evaluation` (and of the `analysis` that ran
    /// beside it), scored from the inputs named `gold` and `system`.
    pub fn new(
        gold: &str,
        system: &str,
        evaluation: &Evaluation,
        analysis: Option<&Analysis>,
    ) -> CountsDocument {
        CountsDocument {
            nerkit_counts: VERSION,
            gold: gold.to_owned(),
            system: system.to_owned(),
            options: CountOptions::new(&evaluation.mode, analysis),
            counts: evaluation.counts.clone(),
            token_mismatches: evaluation.token_mismatches.clone(),
            analysis: analysis.map(|a| a.counts.clone()),
        }
    }

    /// Reads a counts document (one JSON object).
    ///
    /// # Errors
    /// I/O errors; input that is not JSON, or a JSON value without a
    /// `nerkit_counts` member ("not a counts document"); a document of
    /// another version; a document whose members are not those of this
    /// version, or whose options name an unknown mode or scheme.
    pub fn read<R: Read>(input: R) -> Result<CountsDocument> {
        let value: serde_json::Value = serde_json::from_reader(input).map_err(|e| {
            if e.is_io() {
                Error::from(io::Error::from(e))
            } else {
                Error::msg(format!(
                    "not a nerkit counts document: not JSON ({e}); expected one object with \"nerkit_counts\": {VERSION}"
                ))
            }
        })?;
        let version = match value.get("nerkit_counts") {
            Some(v) => v.as_u64(),
            None => {
                return Err(Error::msg(format!(
                    "not a nerkit counts document: expected one JSON object with \"nerkit_counts\": {VERSION}"
                )))
            }
        };
        match version {
            Some(VERSION) => {}
            Some(v) => {
                return Err(Error::msg(format!(
                    "a counts document of version {v}: this nerkit reads version {VERSION} only"
                )))
            }
            None => {
                return Err(Error::msg(format!(
                    "a malformed counts document: \"nerkit_counts\" is {}, expected {VERSION}",
                    value["nerkit_counts"]
                )))
            }
        }
        let doc: CountsDocument = serde_json::from_value(value)
            .map_err(|e| Error::msg(format!("a malformed counts document: {e}")))?;
        doc.options.mode()?;
        if doc.options.analysis != doc.analysis.is_some() {
            return Err(Error::msg(
                "a malformed counts document: options.analysis does not say whether it has analysis counts",
            ));
        }
        Ok(doc)
    }

    /// Writes the document as pretty-printed JSON and a line end.
    ///
    /// # Errors
    /// Write errors.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)
    }

    /// Adds the counts of `other`, a shard read after this one: every
    /// count is summed; the first lines of ill-formed chunks and token
    /// mismatches fill the places left (lines of their own shard); the
    /// names are kept when equal and become [`MERGED`] otherwise.
    ///
    /// # Errors
    /// The documents were scored with different options (see
    /// [`CountOptions::difference`]); nothing is added then.
    pub fn add(&mut self, other: &CountsDocument) -> Result<()> {
        if let Some(d) = self.options.difference(&other.options) {
            return Err(Error::msg(format!(
                "counts scored with different options cannot be added: {} is {} in one and {} in the other",
                d.name, d.this, d.other
            )));
        }
        self.counts.add(&other.counts);
        self.token_mismatches.add(&other.token_mismatches);
        if let (Some(a), Some(b)) = (&mut self.analysis, &other.analysis) {
            a.add(b);
        }
        for (mine, theirs) in [
            (&mut self.gold, &other.gold),
            (&mut self.system, &other.system),
        ] {
            if mine != theirs {
                *mine = MERGED.to_owned();
            }
        }
        Ok(())
    }

    /// The evaluation these counts are of: every report of
    /// [`Evaluation::write_report`] renders from it.
    ///
    /// # Errors
    /// Options naming an unknown mode or scheme (not in a document from
    /// [`CountsDocument::read`], which checks them).
    pub fn evaluation(&self) -> Result<Evaluation> {
        Ok(Evaluation {
            mode: self.options.mode()?,
            counts: self.counts.clone(),
            token_mismatches: self.token_mismatches.clone(),
            // Counts documents are written at the token level only (the
            // CLI refuses `--format counts` with `--level chars`).
            level: Level::Tokens,
        })
    }

    /// The analysis these counts are of, when it ran: every analysis
    /// report renders from it, without error instances (not counts; their
    /// total is [`AnalysisCounts::instances`]).
    pub fn analysis(&self) -> Option<Analysis> {
        self.analysis.as_ref().map(|counts| Analysis {
            counts: counts.clone(),
            instances: Vec::new(),
            min_overlap_percent: self.options.min_overlap_percent,
            map: self.options.map.clone(),
            ignore: self.options.ignore.clone(),
            ..Analysis::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::analysis::{self, Options};
    use crate::eval::Evaluator;

    const A: &str = "John B-PER B-PER\nSmith I-PER I-PER\nin O O\nParis B-LOC B-PER\n\n";
    const B: &str = "x I-ORG O\ny B-MISC B-MISC\n\nz O I-LOC\n";

    fn doc(text: &str, mode: Mode, options: Option<&Options>) -> CountsDocument {
        let e = Evaluator::new(mode);
        match options {
            None => {
                let ev = e.evaluate_file(text.as_bytes(), "t").unwrap();
                CountsDocument::new("g", "s", &ev, None)
            }
            Some(o) => {
                let (ev, a) = analysis::analyze_file(&e, text.as_bytes(), "t", o).unwrap();
                CountsDocument::new("g", "s", &ev, Some(&a))
            }
        }
    }

    #[test]
    fn the_sum_of_shards_is_the_whole() {
        let whole = format!("{A}{B}");
        for mode in [Mode::default(), Mode::Strict(TagScheme::Iob2)] {
            for options in [None, Some(Options::default().map("MISC", "ORG"))] {
                let mut sum = doc(A, mode.clone(), options.as_ref());
                sum.add(&doc(B, mode.clone(), options.as_ref())).unwrap();
                let all = doc(&whole, mode.clone(), options.as_ref());
                assert_eq!(sum.counts.tokens, all.counts.tokens);
                assert_eq!(sum.counts.types, all.counts.types);
                assert_eq!(sum.counts.total, all.counts.total);
                assert_eq!(sum.analysis, all.analysis);
                assert_eq!(
                    sum.counts.ill_formed_pred.count,
                    all.counts.ill_formed_pred.count
                );
            }
        }
    }

    #[test]
    fn a_document_reads_back_as_written() {
        let d = doc(A, Mode::Strict(TagScheme::Iob2), Some(&Options::default()));
        let mut out = Vec::new();
        d.write(&mut out).unwrap();
        assert_eq!(CountsDocument::read(&out[..]).unwrap(), d);
        assert!(String::from_utf8(out)
            .unwrap()
            .starts_with("{\n  \"nerkit_counts\": 1,"));
    }

    #[test]
    fn other_documents_are_refused() {
        let d = doc(A, Mode::default(), None);
        let mut v = serde_json::to_value(&d).unwrap();
        let read = |v: &serde_json::Value| {
            CountsDocument::read(v.to_string().as_bytes())
                .unwrap_err()
                .to_string()
        };
        v["nerkit_counts"] = 2.into();
        assert!(read(&v).contains("version 2"), "{}", read(&v));
        v["nerkit_counts"] = 1.into();
        v["counts"]["extra"] = 1.into();
        assert!(read(&v).contains("unknown field"), "{}", read(&v));
        assert!(read(&serde_json::json!({"mode": "strict"})).contains("not a nerkit counts"));
        let e = CountsDocument::read(&b"processed 4 tokens"[..]).unwrap_err();
        assert!(e.to_string().contains("not JSON"), "{e}");
    }

    #[test]
    fn options_that_differ_are_named() {
        let mut a = doc(A, Mode::default(), None);
        let b = doc(A, Mode::Strict(TagScheme::Iob2), None);
        let d = a.options.difference(&b.options).unwrap();
        assert_eq!(
            (d.name, d.this.as_str(), d.other.as_str()),
            ("mode", "conlleval", "strict")
        );
        assert!(a.add(&b).is_err());
        let c = doc(A, Mode::default(), Some(&Options::default().ignore("LOC")));
        let d = a.options.difference(&c.options).unwrap();
        assert_eq!(d.name, "analysis");
        // The outside tag counts only in raw mode.
        let raw = |o: &str| {
            CountOptions::new(
                &Mode::Conlleval(ConllevalOptions::default().outside(o)),
                None,
            )
        };
        assert_eq!(raw("X").difference(&raw("O")), None);
    }
}
