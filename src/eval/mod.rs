//! Scoring predicted tags against gold.
