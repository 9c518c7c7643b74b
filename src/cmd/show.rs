//! `nerkit show`: annotated text with coloured entities, or a diff of two
//! annotations; parses arguments and calls [`nerkit::show`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use nerkit::format::{InputReader, ReadOptions};
use nerkit::show::{self, HtmlPage, Palette};
use nerkit::{Error, Sentence};

use super::read_args::ReadArgs;
use super::{open_input, warn, Output};

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always, even into a file or with NO_COLOR.
    Always,
    /// Never: entities in [TYPE ...] brackets.
    Never,
}

/// Arguments of `nerkit show`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  nerkit show corpora/000_8c95ef11f0516e36.txt
      the cable with its entities coloured by type
  nerkit show --html corpora/000_8c95ef11f0516e36.txt --output cable.html
      the same as a page (displaCy's look, no script)
  nerkit show gold.conll pred.conll | less -R
      a diff: sentences whose entities differ as gold (-) above predicted (+),
      the differing entities underlined (marked * without colour)

Without colour, entities are written [TYPE tokens]. The reading option --html of convert
and eval (markup in bracket input) is --read-html here. Exit codes: 0 success, 2 any error.")]
// `--html` is the page here; the reading flag of that name moves aside.
#[command(mut_arg("html", |a| a.long("read-html")))]
pub struct ShowArgs {
    /// The annotated file, in any layout convert reads (detected). `-` is
    /// stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A second annotation of the same tokens (predictions): shows a diff.
    #[arg(value_name = "PRED")]
    pub pred: Option<PathBuf>,

    /// Colour entities by type: auto (on a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// Write one HTML page (displaCy's look) instead of text.
    #[arg(long = "html")]
    pub page: bool,

    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Format of PRED (else --from, else detected).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub pred_from: Option<nerkit::format::Format>,

    /// How inputs are read (the options convert takes).
    #[command(flatten)]
    pub read: ReadArgs,
}

fn parse_format(s: &str) -> Result<nerkit::format::Format, String> {
    s.parse()
}

fn open(
    path: &Path,
    format: Option<nerkit::format::Format>,
    read: &ReadOptions,
) -> Result<(PathBuf, Box<dyn InputReader>), Error> {
    let input = open_input(path)?;
    let name = input.name().to_path_buf();
    let reader = input.into_reader()?;
    let (_, r) = nerkit::format::open(reader, format, read).map_err(|e| e.with_path(&name))?;
    Ok((name, r))
}

/// Reads the next sentence, warning about repairs (`--lenient`).
fn next(r: &mut dyn InputReader, s: &mut Sentence, name: &Path) -> Result<bool, Error> {
    let more = r.read_sentence(s).map_err(|e| e.with_path(name))?;
    r.drain_repairs(&mut |rep| {
        warn(&format!(
            "{}:{}: {}",
            name.display(),
            rep.pos,
            rep.message_with(&super::hints::flag_text)
        ))
    });
    Ok(more)
}

/// Where sentences go: a page or plain/ANSI text.
enum Sink<'a> {
    Page(HtmlPage<&'a mut Output>),
    Text(&'a mut Output),
}

/// Runs `nerkit show`.
pub fn run(args: &ShowArgs) -> Result<ExitCode, Error> {
    if args.pred.is_some()
        && args.file.as_os_str() == "-"
        && args.pred.as_deref() == Some(Path::new("-"))
    {
        return Err(Error::msg("only one of FILE and PRED can be stdin"));
    }
    let read = args.read.options()?;
    let (gold_name, mut gold) = open(&args.file, args.read.from, &read)?;
    let mut pred = match &args.pred {
        Some(p) => Some(open(p, args.pred_from.or(args.read.from), &read)?),
        None => None,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let colour = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // no-color.org: set and not empty.
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut out = Output::create(args.output.as_deref(), false)?;
    let written = (|| -> Result<(), Error> {
        let (mut g, mut p) = (Sentence::new(), Sentence::new());
        let mut number = 0u64;
        let about = match &pred {
            Some((n, _)) => format!("gold {} above, predicted {} below", gold_name.display(), n.display()),
            None => gold_name.display().to_string(),
        };
        let mut sink = if args.page {
            Sink::Page(HtmlPage::new(&mut out, "nerkit show", &about)?)
        } else {
            Sink::Text(&mut out)
        };
        let mut palette = Palette::default();
        loop {
            let more = next(gold.as_mut(), &mut g, &gold_name)?;
            number += 1;
            match &mut pred {
                None => {
                    if !more {
                        break;
                    }
                    match &mut sink {
                        Sink::Page(page) => page.sentence(&g)?,
                        Sink::Text(out) => show::write_text(*out, &g, None, &mut palette, colour)?,
                    }
                }
                Some((pred_name, pr)) => {
                    let more_p = next(pr.as_mut(), &mut p, pred_name)?;
                    match (more, more_p) {
                        (false, false) => break,
                        (true, true) => {}
                        _ => {
                            let (longer, shorter) = if more { (&gold_name, &*pred_name) } else { (&*pred_name, &gold_name) };
                            return Err(Error::msg(format!(
                                "{} has more sentences than {} ({} ends before sentence {number}); show needs two annotations of the same sentences",
                                longer.display(),
                                shorter.display(),
                                shorter.display()
                            )));
                        }
                    }
                    if g.len() != p.len() {
                        return Err(Error::msg(format!(
                            "sentence {number}: {}:{} has {} tokens, {}:{} has {}; show needs two annotations of the same tokens",
                            gold_name.display(),
                            g.line(),
                            g.len(),
                            pred_name.display(),
                            p.line(),
                            p.len()
                        )));
                    }
                    match &mut sink {
                        Sink::Page(page) => page.diff(number, &g, &p)?,
                        Sink::Text(out) => {
                            show::write_text_diff(*out, number, &g, &p, &mut palette, colour)?
                        }
                    }
                }
            }
        }
        if let Sink::Page(page) = sink {
            page.finish()?;
        }
        Ok(())
    })()
    .and_then(|()| out.flush().map_err(Error::from))
    .and_then(|()| out.finish());
    match written {
        Err(e) if e.is_broken_pipe() => {}
        other => other?,
    }
    Ok(ExitCode::SUCCESS)
}
