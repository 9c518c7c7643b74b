//! Deterministic benchmark corpora.
//!
//! ```text
//! cargo run --release --example gen_corpus -- bracket --bytes 100M [--seed 1] [-o FILE]
//! cargo run --release --example gen_corpus -- eval --tokens 5M --scheme iob2|iobes [--seed 1] [-o FILE]
//! ```
//!
//! - `bracket`: about `--bytes` of tagger output in the Illinois bracket
//!   format (`[PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials . `),
//!   one sentence per line, modelled on the cable in `corpora/`: its words,
//!   label mix, entity lengths and line lengths, curly apostrophes, and an
//!   HTML paragraph anchor on one line in five.
//! - `eval`: a conlleval-layout file (`TOKEN GOLD PRED`, a blank line after
//!   each sentence) of `--tokens` tokens, where the predictions differ from
//!   gold in about 10% of the entities (boundary, type, missed, spurious),
//!   tagged in IOB2 or IOBES.
//!
//! Sizes take a decimal suffix: `K` = 10^3, `M` = 10^6, `G` = 10^9. Output
//! goes to `-o FILE`, or to standard output. The same arguments give the
//! same bytes on every machine. A summary goes to standard error.
//!
//! The generator itself lives in `benches/common/mod.rs`, so that the
//! benches generate the very same text in memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod common;

use common::{EvalScheme, Stats};

const USAGE: &str = "usage:
  gen_corpus bracket --bytes SIZE [--seed N] [-o FILE]
  gen_corpus eval --tokens COUNT [--scheme iob2|iobes] [--seed N] [-o FILE]
SIZE and COUNT take a decimal suffix K, M or G (10^3, 10^6, 10^9).";

/// `100M` → 100_000_000.
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, mult) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1_000),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1_000_000),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1_000_000_000),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("bad size {s:?}"))
}

struct Args {
    what: String,
    size: Option<u64>,
    scheme: EvalScheme,
    seed: u64,
    output: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let what = it.next().ok_or("missing bracket or eval")?;
    let mut args = Args {
        what,
        size: None,
        scheme: EvalScheme::Iob2,
        seed: 1,
        output: None,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bytes" | "--tokens" => args.size = Some(parse_size(&value()?)?),
            "--scheme" => args.scheme = value()?.parse()?,
            "--seed" => {
                let v = value()?;
                args.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "-o" | "--output" => args.output = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}

fn run(args: &Args) -> Result<Stats, String> {
    let out: Box<dyn Write> = match &args.output {
        Some(path) if path != "-" => {
            Box::new(File::create(path).map_err(|e| format!("{path}: {e}"))?)
        }
        _ => Box::new(io::stdout().lock()),
    };
    let out = BufWriter::with_capacity(1 << 16, out);
    let size = args.size.ok_or("missing --bytes or --tokens")?;
    let stats = match args.what.as_str() {
        "bracket" => common::write_bracket(args.seed, size, out),
        "eval" => common::write_eval(args.seed, size, args.scheme, out),
        other => return Err(format!("unknown corpus kind {other:?}")),
    };
    stats.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_corpus: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match run(&args) {
        Ok(s) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "gen_corpus: {} bytes, {} lines, {} tokens, {} entities{} in {:.2} s ({:.0} MB/s)",
                s.bytes,
                s.lines,
                s.tokens,
                s.entities,
                if args.what == "eval" {
                    format!(
                        " (predictions: {} boundary, {} type, {} missed, {} spurious)",
                        s.boundary, s.type_changed, s.missed, s.spurious
                    )
                } else {
                    String::new()
                },
                secs,
                s.bytes as f64 / secs / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::from(2)
        }
    }
}
