//! The bootstrap replicates and their percentile intervals.

use rayon::prelude::*;

use super::rng::{Purpose, Rng};
use super::{add, Interval, Intervals, Point, Settings, UnitCounts};
use crate::eval::TypeCounts;

/// The scores of each replicate for each system, replicate by replicate:
/// entry `r * k + s` is system `s` in replicate `r`. Replicate `r` draws
/// `n` unit indices from its own stream, the same indices for every
/// system (which is what makes the paired bootstrap paired).
pub(super) fn replicate_scores(
    systems: &[&[UnitCounts]],
    replicates: usize,
    seed: u64,
) -> Vec<Point> {
    let k = systems.len();
    let n = systems[0].len();
    let per: Vec<Vec<Point>> = (0..replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::stream(seed, Purpose::Bootstrap, r as u64);
            let mut sums = vec![TypeCounts::default(); k];
            for _ in 0..n {
                let j = rng.below(n as u64) as usize;
                for (sum, units) in sums.iter_mut().zip(systems) {
                    add(sum, units[j]);
                }
            }
            sums.into_iter().map(Point::of).collect()
        })
        .collect();
    per.into_iter().flatten().collect()
}

/// The `q` quantile of `sorted` (ascending, not empty), interpolating
/// linearly between order statistics (Hyndman and Fan's type 7, numpy's
/// and R's default).
pub(super) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The percentile interval of system `s` of `k` from the replicates.
pub(super) fn intervals(
    replicates: &[Point],
    k: usize,
    s: usize,
    point: Point,
    settings: &Settings,
    units: usize,
) -> Intervals {
    let alpha = 1.0 - settings.confidence;
    let interval = |f: fn(&Point) -> f64| {
        let mut v: Vec<f64> = replicates.iter().skip(s).step_by(k).map(f).collect();
        v.sort_by(f64::total_cmp);
        Interval {
            low: quantile(&v, alpha / 2.0),
            high: quantile(&v, 1.0 - alpha / 2.0),
        }
    };
    Intervals {
        samples: settings.replicates,
        seed: settings.seed,
        confidence: settings.confidence,
        resample: settings.resample,
        units,
        point,
        precision: interval(|p| p.precision),
        recall: interval(|p| p.recall),
        f1: interval(|p| p.f1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.125), 1.5);
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
    }

    /// A unit drawn is drawn for every system: identical systems get
    /// identical replicate scores.
    #[test]
    fn replicates_draw_the_same_units_for_every_system() {
        let a: Vec<UnitCounts> = (0..50)
            .map(|i| UnitCounts::new(i % 3, 2, 1 + i % 2))
            .collect();
        let r = replicate_scores(&[&a, &a], 20, 5);
        assert_eq!(r.len(), 40);
        for pair in r.chunks(2) {
            assert_eq!(pair[0], pair[1]);
        }
        // Not every replicate is the same corpus.
        assert!(r.iter().any(|p| p.f1 != r[0].f1));
    }
}
