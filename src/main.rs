//! The `nerkit` command-line tool: parses arguments and calls the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Named-entity recognition data tools: convert annotations between formats
/// and tag schemes, and score predictions against gold.
#[derive(Parser, Debug)]
#[command(
    name = "nerkit",
    version,
    about,
    after_help = "Examples:
  nerkit convert corpora/000_8c95ef11f0516e36.txt            bracket file to CoNLL IOB2 on stdout
  nerkit convert --to jsonl --scheme iobes in.txt -o out.jsonl
  nerkit convert --annotation last project.json -o train.conll   a Label Studio export
  nerkit eval corpora/wnut17/emerging.test.annotated corpora/wnut17/submissions/arcada
  nerkit eval --errors 5 --format table GOLD PRED1 PRED2          error analysis, two systems
  nerkit eval --format html --output report.html GOLD PRED        a report to open in a browser
  nerkit show corpora/000_8c95ef11f0516e36.txt                    entities in colour
  nerkit bench --what tokenize --tokenizer whitespace,unicode corpus.txt

Exit codes: 0 success, 1 a check you asked for failed (--min-f1), 2 any error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert NER annotations between formats and tag schemes.
    Convert(cmd::convert::ConvertArgs),
    /// Score predicted tags against gold (conlleval-exact by default).
    Eval(cmd::eval::EvalArgs),
    /// Show annotated text with coloured entities, or a diff of two annotations.
    Show(cmd::show::ShowArgs),
    /// Time tokenizing, parsing, converting and scoring on your own files.
    Bench(cmd::bench::BenchArgs),
}

fn main() -> ExitCode {
    cmd::install_signal_handlers();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Convert(args) => cmd::convert::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Bench(args) => cmd::bench::run(args),
    };
    match result {
        Ok(code) => code,
        // `nerkit convert big.txt | head` is a normal way to look at output.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", cmd::error_line(&e));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
