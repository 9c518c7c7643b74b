//! Summary statistics of the timed runs of one task.

use std::time::Duration;

use serde::Serialize;

/// The fastest, middle and slowest of a task's timed runs, in seconds.
///
/// The median, not the mean, is the figure the table reports: one run
/// slowed by another process (the usual noise on a shared machine) moves a
/// mean but not a median.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// The fastest run.
    pub min: f64,
    /// The middle run (the mean of the two middle runs for an even count).
    pub median: f64,
    /// The slowest run.
    pub max: f64,
}

impl Stats {
    /// The statistics of `runs`; all zero when there are none.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use nerkit::bench::Stats;
    ///
    /// let ms = Duration::from_millis;
    /// let s = Stats::of(&[ms(30), ms(10), ms(20), ms(40)]);
    /// assert_eq!((s.min, s.median, s.max), (0.01, 0.025, 0.04));
    /// ```
    pub fn of(runs: &[Duration]) -> Stats {
        let mut secs: Vec<f64> = runs.iter().map(Duration::as_secs_f64).collect();
        secs.sort_by(f64::total_cmp);
        let median = match secs.len() {
            0 => 0.0,
            n if n % 2 == 1 => secs[n / 2],
            n => (secs[n / 2 - 1] + secs[n / 2]) / 2.0,
        };
        Stats {
            min: secs.first().copied().unwrap_or(0.0),
            median,
            max: secs.last().copied().unwrap_or(0.0),
        }
    }

    /// `amount` per second at each of the three times: the fastest run
    /// gives the highest rate. Zero where a time is zero (a run too short
    /// for the clock), never infinite.
    pub fn rates(&self, amount: f64) -> Stats {
        let per = |secs: f64| if secs > 0.0 { amount / secs } else { 0.0 };
        Stats {
            min: per(self.max),
            median: per(self.median),
            max: per(self.min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_count_takes_the_middle_run() {
        let ms = Duration::from_millis;
        let s = Stats::of(&[ms(50), ms(10), ms(20)]);
        assert_eq!((s.min, s.median, s.max), (0.01, 0.02, 0.05));
    }

    #[test]
    fn no_runs_and_zero_times_give_zero_rates() {
        assert_eq!(Stats::of(&[]).rates(1e6), Stats::of(&[]));
        let s = Stats::of(&[Duration::ZERO, Duration::from_secs(2)]);
        let r = s.rates(10.0);
        assert_eq!((r.min, r.median, r.max), (5.0, 10.0, 0.0));
    }

    #[test]
    fn rates_put_the_fastest_run_last() {
        let s = Stats::of(&[Duration::from_secs(1), Duration::from_secs(4)]);
        let r = s.rates(100.0);
        assert_eq!((r.min, r.median, r.max), (25.0, 40.0, 100.0));
    }
}
