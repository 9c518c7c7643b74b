//! Confidence intervals and paired significance tests for micro
//! precision, recall and F1, from counts per unit (a sentence or a
//! document).
//!
//! The error analysis ([`super::analysis`]) records, when asked
//! ([`super::analysis::Options::units`]), one [`UnitCounts`] per unit: the
//! entities correct under the strict schema (same span, same type), the
//! gold entities and the predicted ones. Summed over every unit they are
//! the micro counts of the report, so every score here is a function of
//! the units alone, and resampling units is resampling the corpus.
//!
//! * **Percentile bootstrap** ([`Settings::intervals`]): each of
//!   [`Settings::replicates`] replicates draws as many units as there are,
//!   with replacement, and scores the sums; the interval at confidence `c`
//!   is the `(1 - c) / 2` and `(1 + c) / 2` quantiles of the replicates'
//!   scores (linear interpolation between order statistics, numpy's
//!   default).
//! * **Paired bootstrap** ([`Test::Bootstrap`]), after Koehn (2004,
//!   "Statistical significance tests for machine translation evaluation")
//!   and Berg-Kirkpatrick, Burkett and Klein (2012, "An empirical
//!   investigation of statistical significance in NLP"): the replicates
//!   above draw the same units for every system, so each gives a
//!   difference `δ*` of F1 between two systems. Its distribution, centred
//!   on the observed difference `δ`, stands for the difference's
//!   distribution under the null hypothesis of no difference, and the
//!   two-sided p-value is the share of replicates with
//!   `|δ* - δ| >= |δ|`. (Berg-Kirkpatrick et al. count `δ* > 2δ`, the
//!   one-sided form of the same shift.)
//! * **Approximate randomization** ([`Test::Permutation`]; Noreen 1989,
//!   Riezler and Maxwell 2005): each of [`Settings::replicates`] rounds
//!   swaps the two systems' counts of each unit with probability 1/2 and
//!   scores the difference `δπ`; `p = (#{|δπ| >= |δ|} + 1) / (R + 1)`.
//!
//! Both tests give p = 1 for a system against itself (every `δ*` and
//! `δπ` is 0, as is `δ`).
//!
//! # Determinism
//!
//! Replicate `i` draws from its own stream of a hand-written xoshiro256**
//! generator seeded from `(seed, i)` alone, and replicates are kept in
//! index order, so the results are the same for a given seed on any number
//! of threads (rayon runs the replicates). The default seed is
//! [`DEFAULT_SEED`], so runs without a seed are reproducible too.
//!
//! # Cost
//!
//! Memory: the units, 12 bytes per unit and system (a 5M-token corpus of
//! 250,000 sentences: 3 MB per system), and 24 bytes per replicate and
//! system for the scores. Time: one replicate draws every unit once, so
//! `replicates × units × systems` additions; the permutation test flips a
//! coin per unit and round, and adds only the units where the two systems
//! differ.
//!
//! # Example
//!
//! ```
//! use nerkit::eval::significance::{self, Settings, Test, UnitCounts};
//!
//! // Two systems over four sentences: (correct, gold, pred) per sentence.
//! let a = [UnitCounts::new(2, 2, 2), UnitCounts::new(1, 2, 1), UnitCounts::new(0, 1, 1), UnitCounts::new(3, 3, 3)];
//! let b = [UnitCounts::new(1, 2, 2), UnitCounts::new(0, 2, 1), UnitCounts::new(0, 1, 2), UnitCounts::new(2, 3, 3)];
//! let settings = Settings::default().replicates(200).seed(7).test(Test::Permutation);
//! let s = significance::compute(&[&a, &b], &settings)?;
//! let f1 = &s.intervals[0].f1;
//! assert!(f1.low <= s.intervals[0].point.f1 && s.intervals[0].point.f1 <= f1.high);
//! assert_eq!((s.tests[0].a, s.tests[0].b), (0, 1));
//! assert!(s.tests[0].p_value > 0.0 && s.tests[0].p_value <= 1.0);
//! # Ok::<(), nerkit::Error>(())
//! ```

mod bootstrap;
mod paired;
mod rng;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Scores, TypeCounts};
use crate::error::{Error, Result};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// Replicates (and permutation rounds) when no number is given.
pub const DEFAULT_REPLICATES: usize = 1000;

/// A p-value below this is marked significant.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;

/// The entity counts of one unit (sentence or document) for one system:
/// 12 bytes, so that a corpus's units stay small beside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCounts {
    /// Predicted entities with the span and type of a gold entity.
    pub correct: u32,
    /// Gold entities.
    pub gold: u32,
    /// Predicted entities.
    pub pred: u32,
}

impl UnitCounts {
    /// The counts `(correct, gold, pred)`.
    pub fn new(correct: u32, gold: u32, pred: u32) -> UnitCounts {
        UnitCounts {
            correct,
            gold,
            pred,
        }
    }

    /// Adds `other`; a count past `u32::MAX` (four billion entities in
    /// one document) stays at the maximum rather than wrapping.
    pub fn add(&mut self, other: UnitCounts) {
        self.correct = self.correct.saturating_add(other.correct);
        self.gold = self.gold.saturating_add(other.gold);
        self.pred = self.pred.saturating_add(other.pred);
    }

    /// Precision, recall and F1 of the unit (0 for an empty denominator,
    /// as in the report).
    pub fn scores(&self) -> Scores {
        Scores::of(self.counts())
    }

    fn counts(&self) -> TypeCounts {
        TypeCounts {
            gold: self.gold.into(),
            pred: self.pred.into(),
            correct: self.correct.into(),
        }
    }
}

/// The sums of `units` as report counts.
pub fn total(units: &[UnitCounts]) -> TypeCounts {
    let mut t = TypeCounts::default();
    for u in units {
        add(&mut t, *u);
    }
    t
}

#[inline]
fn add(t: &mut TypeCounts, u: UnitCounts) {
    t.correct += u64::from(u.correct);
    t.gold += u64::from(u.gold);
    t.pred += u64::from(u.pred);
}

/// What is resampled, and what a breakdown row is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resample {
    /// Sentences as the scorer sees them (blank-line separated).
    #[default]
    Sentences,
    /// Documents: the sentences from one `-DOCSTART-` line (or the start
    /// of a document of the input format) to the next. An input with no
    /// document marks is one document.
    Documents,
}

impl Resample {
    /// `sentences` or `documents`.
    pub fn name(self) -> &'static str {
        match self {
            Resample::Sentences => "sentences",
            Resample::Documents => "documents",
        }
    }

    /// `sentence` or `document`.
    pub fn singular(self) -> &'static str {
        match self {
            Resample::Sentences => "sentence",
            Resample::Documents => "document",
        }
    }
}

impl fmt::Display for Resample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Resample {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Resample, String> {
        match s {
            "sentences" | "sentence" => Ok(Resample::Sentences),
            "documents" | "document" => Ok(Resample::Documents),
            _ => Err(format!(
                "unknown unit {s:?} (expected sentences or documents)"
            )),
        }
    }
}

/// A paired significance test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Test {
    /// The paired bootstrap (Koehn 2004; Berg-Kirkpatrick et al. 2012).
    #[default]
    Bootstrap,
    /// Approximate randomization (a permutation test).
    Permutation,
}

impl Test {
    /// `bootstrap` or `permutation`.
    pub fn name(self) -> &'static str {
        match self {
            Test::Bootstrap => "bootstrap",
            Test::Permutation => "permutation",
        }
    }

    /// What the test is called in the literature.
    pub fn description(self) -> &'static str {
        match self {
            Test::Bootstrap => "paired bootstrap",
            Test::Permutation => "approximate randomization",
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Test {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Test, String> {
        match s {
            "bootstrap" | "paired-bootstrap" => Ok(Test::Bootstrap),
            "permutation" | "randomization" | "approximate-randomization" => Ok(Test::Permutation),
            _ => Err(format!(
                "unknown test {s:?} (expected bootstrap or permutation)"
            )),
        }
    }
}

/// What [`compute`] does.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// Bootstrap replicates, and rounds of the permutation test.
    pub replicates: usize,
    /// The seed of every stream.
    pub seed: u64,
    /// The confidence of the intervals, a fraction in (0, 1).
    pub confidence: f64,
    /// What the units are (recorded in the results; the units themselves
    /// are the caller's).
    pub resample: Resample,
    /// Whether to compute the intervals of each system.
    pub intervals: bool,
    /// The paired test between each pair of systems, if any.
    pub test: Option<Test>,
}

impl Default for Settings {
    /// 1000 replicates, [`DEFAULT_SEED`], 95%, sentences, intervals, no
    /// test.
    fn default() -> Settings {
        Settings {
            replicates: DEFAULT_REPLICATES,
            seed: DEFAULT_SEED,
            confidence: 0.95,
            resample: Resample::Sentences,
            intervals: true,
            test: None,
        }
    }
}

impl Settings {
    /// Sets the number of replicates.
    pub fn replicates(mut self, n: usize) -> Settings {
        self.replicates = n;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Settings {
        self.seed = seed;
        self
    }

    /// Sets the confidence (a fraction in (0, 1)).
    pub fn confidence(mut self, c: f64) -> Settings {
        self.confidence = c;
        self
    }

    /// Sets what the units are.
    pub fn resample(mut self, r: Resample) -> Settings {
        self.resample = r;
        self
    }

    /// Computes the intervals or not.
    pub fn intervals(mut self, yes: bool) -> Settings {
        self.intervals = yes;
        self
    }

    /// Runs `test` between each pair of systems.
    pub fn test(mut self, test: Test) -> Settings {
        self.test = Some(test);
        self
    }
}

/// A confidence interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

impl Interval {
    /// True when `x` lies in the interval (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }

    /// `high - low`.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

/// Point estimates (fractions in `0..=1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Micro precision.
    pub precision: f64,
    /// Micro recall.
    pub recall: f64,
    /// Micro F1.
    pub f1: f64,
}

impl Point {
    fn of(t: TypeCounts) -> Point {
        let s = Scores::of(t);
        Point {
            precision: s.precision,
            recall: s.recall,
            f1: s.f1,
        }
    }
}

/// The bootstrap intervals of one system.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Intervals {
    /// Replicates drawn.
    pub samples: usize,
    /// The seed.
    pub seed: u64,
    /// The confidence, a fraction.
    pub confidence: f64,
    /// What was resampled.
    pub resample: Resample,
    /// How many units there are.
    pub units: usize,
    /// The scores of all the units (the report's micro scores).
    pub point: Point,
    /// The interval of precision.
    pub precision: Interval,
    /// The interval of recall.
    pub recall: Interval,
    /// The interval of F1.
    pub f1: Interval,
}

/// A paired test between systems `a` and `b` (indices in the slice given
/// to [`compute`], `a < b`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PairedTest {
    /// The first system.
    pub a: usize,
    /// The second system.
    pub b: usize,
    /// Which test.
    pub test: Test,
    /// Replicates (bootstrap) or rounds (permutation).
    pub samples: usize,
    /// The seed.
    pub seed: u64,
    /// What was resampled or permuted.
    pub resample: Resample,
    /// F1 of `a`.
    pub f1_a: f64,
    /// F1 of `b`.
    pub f1_b: f64,
    /// `f1_a - f1_b`.
    pub delta_f1: f64,
    /// The two-sided p-value.
    pub p_value: f64,
}

impl PairedTest {
    /// True when the p-value is below [`SIGNIFICANCE_LEVEL`].
    pub fn significant(&self) -> bool {
        self.p_value < SIGNIFICANCE_LEVEL
    }
}

/// What [`compute`] found.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Significance {
    /// One per system, in order, when intervals were asked for.
    pub intervals: Vec<Intervals>,
    /// One per pair of systems `(a, b)`, `a < b`, in order, when a test
    /// was asked for.
    pub tests: Vec<PairedTest>,
}

/// Computes the intervals and paired tests `settings` asks for over the
/// units of each system (the same units, in the same order, for every
/// system).
///
/// # Errors
/// No replicates; a confidence outside (0, 1); no units; systems with
/// different numbers of units.
pub fn compute(systems: &[&[UnitCounts]], settings: &Settings) -> Result<Significance> {
    if settings.replicates == 0 {
        return Err(Error::msg(
            "0 replicates: resampling needs at least 1 (1000 is usual)",
        ));
    }
    let c = settings.confidence;
    if !(c > 0.0 && c < 1.0) {
        return Err(Error::msg(format!(
            "confidence {c}: expected a fraction between 0 and 1 (0.95 is usual)"
        )));
    }
    let n = systems.first().map_or(0, |s| s.len());
    if let Some(other) = systems.iter().find(|s| s.len() != n) {
        return Err(Error::msg(format!(
            "the systems have different numbers of {} ({n} and {}): they must be scored against the same gold data",
            settings.resample,
            other.len()
        )));
    }
    let mut out = Significance::default();
    if systems.is_empty() {
        return Ok(out);
    }
    if n == 0 {
        return Err(Error::msg(format!(
            "no {} to resample: the input has no tokens",
            settings.resample
        )));
    }
    let want_bootstrap =
        settings.intervals || (settings.test == Some(Test::Bootstrap) && systems.len() > 1);
    let replicates = if want_bootstrap {
        bootstrap::replicate_scores(systems, settings.replicates, settings.seed)
    } else {
        Vec::new()
    };
    let points: Vec<Point> = systems.iter().map(|s| Point::of(total(s))).collect();
    if settings.intervals {
        for (k, point) in points.iter().enumerate() {
            out.intervals.push(bootstrap::intervals(
                &replicates,
                systems.len(),
                k,
                *point,
                settings,
                n,
            ));
        }
    }
    match settings.test {
        Some(_) if systems.len() < 2 => {}
        Some(Test::Bootstrap) => {
            out.tests = paired::bootstrap(&replicates, &points, settings);
        }
        Some(Test::Permutation) => {
            out.tests = paired::permutation(systems, &points, settings);
        }
        None => {}
    }
    Ok(out)
}

/// The pairs `(a, b)`, `a < b`, of `k` systems, in order.
fn pairs(k: usize) -> Vec<(usize, usize)> {
    (0..k)
        .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units of a made-up system: `n` sentences, a share of them wrong.
    fn system(n: u32, wrong_every: u32) -> Vec<UnitCounts> {
        (0..n)
            .map(|i| {
                let gold = 1 + i % 3;
                let correct = if i % wrong_every == 0 { 0 } else { gold };
                UnitCounts::new(correct, gold, gold - (i % 2).min(gold - correct))
            })
            .collect()
    }

    #[test]
    fn a_system_against_itself_has_p_1() {
        let a = system(300, 4);
        for test in [Test::Bootstrap, Test::Permutation] {
            let s = compute(&[&a, &a], &Settings::default().replicates(300).test(test)).unwrap();
            assert_eq!(s.tests.len(), 1);
            assert_eq!(s.tests[0].delta_f1, 0.0);
            assert_eq!(s.tests[0].p_value, 1.0, "{test}");
            assert!(!s.tests[0].significant());
        }
    }

    #[test]
    fn a_much_worse_system_is_significantly_worse() {
        let (a, b) = (system(400, 50), system(400, 2));
        for test in [Test::Bootstrap, Test::Permutation] {
            let s = compute(&[&a, &b], &Settings::default().replicates(500).test(test)).unwrap();
            let t = &s.tests[0];
            assert!(t.delta_f1 > 0.0);
            assert!(t.p_value < 0.01, "{test}: {}", t.p_value);
            assert!(t.significant());
        }
    }

    #[test]
    fn intervals_contain_the_point_and_order_their_bounds() {
        let a = system(500, 3);
        let s = compute(&[&a], &Settings::default().replicates(400)).unwrap();
        let i = &s.intervals[0];
        assert_eq!(i.point, Point::of(total(&a)));
        for (iv, x) in [
            (i.precision, i.point.precision),
            (i.recall, i.point.recall),
            (i.f1, i.point.f1),
        ] {
            assert!(iv.low < iv.high && iv.contains(x), "{iv:?} {x}");
        }
        // A wider confidence gives a wider interval from the same draws.
        let wide = compute(&[&a], &Settings::default().replicates(400).confidence(0.99)).unwrap();
        assert!(wide.intervals[0].f1.width() > i.f1.width());
    }

    #[test]
    fn the_same_on_one_thread_and_on_two() {
        let (a, b) = (system(200, 3), system(200, 5));
        let settings = Settings::default().replicates(100).seed(9);
        let run = |threads: usize, test: Test| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| compute(&[&a, &b], &settings.clone().test(test)).unwrap())
        };
        for test in [Test::Bootstrap, Test::Permutation] {
            assert_eq!(run(1, test), run(2, test));
        }
    }

    #[test]
    fn nonsense_is_refused() {
        let a = system(10, 2);
        let short = system(9, 2);
        let d = Settings::default();
        for (systems, settings) in [
            (vec![&a[..]], d.clone().replicates(0)),
            (vec![&a[..]], d.clone().confidence(0.0)),
            (vec![&a[..]], d.clone().confidence(1.0)),
            (vec![&a[..]], d.clone().confidence(f64::NAN)),
            (vec![&a[..], &short[..]], d.clone()),
            (vec![&a[..0]], d.clone()),
        ] {
            assert!(compute(&systems, &settings).is_err(), "{settings:?}");
        }
    }

    #[test]
    fn names_parse() {
        assert_eq!("documents".parse(), Ok(Resample::Documents));
        assert_eq!("permutation".parse(), Ok(Test::Permutation));
        assert!("words".parse::<Resample>().is_err());
        assert!("t-test".parse::<Test>().is_err());
    }
}
