//! `nerkit convert` (to be written).

use std::process::ExitCode;

use clap::Args;

/// Arguments of `nerkit convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {}

/// Runs `nerkit convert`.
pub fn run(_args: &ConvertArgs) -> Result<ExitCode, nerkit::Error> {
    Err(nerkit::Error::msg("convert is not implemented yet"))
}
