//! `nerkit eval` (to be written).

use std::process::ExitCode;

use clap::Args;

/// Arguments of `nerkit eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {}

/// Runs `nerkit eval`.
pub fn run(_args: &EvalArgs) -> Result<ExitCode, nerkit::Error> {
    Err(nerkit::Error::msg("eval is not implemented yet"))
}
