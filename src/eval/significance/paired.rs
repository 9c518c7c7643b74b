//! The paired tests: the paired bootstrap and approximate randomization.

use rayon::prelude::*;

use super::rng::{Purpose, Rng};
use super::{pairs, PairedTest, Point, Settings, Test, UnitCounts};
use crate::eval::TypeCounts;

fn test(
    settings: &Settings,
    test: Test,
    a: usize,
    b: usize,
    points: &[Point],
    p: f64,
) -> PairedTest {
    PairedTest {
        a,
        b,
        test,
        samples: settings.replicates,
        seed: settings.seed,
        resample: settings.resample,
        f1_a: points[a].f1,
        f1_b: points[b].f1,
        delta_f1: points[a].f1 - points[b].f1,
        p_value: p,
    }
}

/// The paired bootstrap from the replicates of
/// [`super::bootstrap::replicate_scores`]: p is the share of replicates
/// whose difference `δ*` lies at least `|δ|` from the observed `δ`.
pub(super) fn bootstrap(
    replicates: &[Point],
    points: &[Point],
    settings: &Settings,
) -> Vec<PairedTest> {
    let k = points.len();
    let n = settings.replicates;
    pairs(k)
        .into_iter()
        .map(|(a, b)| {
            let delta = points[a].f1 - points[b].f1;
            let extreme = replicates
                .chunks_exact(k)
                .filter(|r| ((r[a].f1 - r[b].f1) - delta).abs() >= delta.abs())
                .count();
            test(
                settings,
                Test::Bootstrap,
                a,
                b,
                points,
                extreme as f64 / n as f64,
            )
        })
        .collect()
}

/// Approximate randomization between each pair: round `r` flips one coin
/// per unit from its own stream (the same coins for every pair) and swaps
/// the two systems' counts of the units whose coin is heads.
pub(super) fn permutation(
    systems: &[&[UnitCounts]],
    points: &[Point],
    settings: &Settings,
) -> Vec<PairedTest> {
    let n = systems[0].len();
    let pairs = pairs(systems.len());
    // Only units where the two systems differ change anything when
    // swapped: per pair, their indices and (B - A) differences.
    let diffs: Vec<Vec<(u32, [i64; 3])>> = pairs
        .iter()
        .map(|&(a, b)| {
            (0..n)
                .filter(|&j| systems[a][j] != systems[b][j])
                .map(|j| {
                    let (x, y) = (systems[a][j], systems[b][j]);
                    let d = [
                        i64::from(y.correct) - i64::from(x.correct),
                        i64::from(y.gold) - i64::from(x.gold),
                        i64::from(y.pred) - i64::from(x.pred),
                    ];
                    (j as u32, d)
                })
                .collect()
        })
        .collect();
    let totals: Vec<TypeCounts> = systems.iter().map(|s| super::total(s)).collect();
    let words = n.div_ceil(64);
    let extreme: Vec<u64> = (0..settings.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::stream(settings.seed, Purpose::Permutation, r as u64);
            let coins: Vec<u64> = (0..words).map(|_| rng.next_u64()).collect();
            pairs
                .iter()
                .zip(&diffs)
                .map(|(&(a, b), diff)| {
                    // Moving (B - A) of a swapped unit from B's sums to A's.
                    let mut shift = [0i64; 3];
                    for &(j, d) in diff {
                        if coins[j as usize / 64] >> (j % 64) & 1 == 1 {
                            for (s, x) in shift.iter_mut().zip(d) {
                                *s += x;
                            }
                        }
                    }
                    let moved = |t: TypeCounts, sign: i64| TypeCounts {
                        correct: (t.correct as i64 + sign * shift[0]) as u64,
                        gold: (t.gold as i64 + sign * shift[1]) as u64,
                        pred: (t.pred as i64 + sign * shift[2]) as u64,
                    };
                    let fa = Point::of(moved(totals[a], 1)).f1;
                    let fb = Point::of(moved(totals[b], -1)).f1;
                    let delta = points[a].f1 - points[b].f1;
                    u64::from((fa - fb).abs() >= delta.abs())
                })
                .collect::<Vec<u64>>()
        })
        // Sums of integers: the same in any order, so on any number of
        // threads.
        .reduce(
            || vec![0; pairs.len()],
            |mut x, y| {
                for (a, b) in x.iter_mut().zip(y) {
                    *a += b;
                }
                x
            },
        );
    let rounds = settings.replicates as f64;
    pairs
        .iter()
        .zip(extreme)
        .map(|(&(a, b), e)| {
            test(
                settings,
                Test::Permutation,
                a,
                b,
                points,
                (e as f64 + 1.0) / (rounds + 1.0),
            )
        })
        .collect()
}
