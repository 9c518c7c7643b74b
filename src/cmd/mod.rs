//! Subcommands and the plumbing they share: inputs, atomic outputs,
//! diagnostics.

pub mod convert;
pub mod eval;
mod read_args;

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};

use nerkit::convert::Input;
use nerkit::Error;

/// The `FILE:LINE:COL: error: MESSAGE` line for an error, coloured when
/// stderr is a terminal.
pub fn error_line(e: &Error) -> String {
    let line = e.to_diagnostic();
    if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        line.replacen("error:", "\x1b[1;31merror:\x1b[0m", 1)
    } else {
        line
    }
}

/// Prints a warning line on stderr, coloured when stderr is a terminal.
pub fn warn(message: &str) {
    let mut err = io::stderr().lock();
    if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        let _ = writeln!(err, "\x1b[1;33mwarning:\x1b[0m {message}");
    } else {
        let _ = writeln!(err, "warning: {message}");
    }
}

/// Opens `path` for reading; `-` is stdin. A regular file comes with its
/// length and a second handle, for reading it by offset (`--threads`); on a
/// terminal, reading it shows progress.
pub fn open_input(path: &Path) -> Result<Input, Error> {
    if path.as_os_str() == "-" {
        return Ok(Input::new(
            "<stdin>",
            Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
        ));
    }
    let file = File::open(path).map_err(|e| Error::from(e).with_path(path))?;
    let metadata = file.metadata().ok();
    let positioned = metadata
        .as_ref()
        .filter(|m| m.is_file())
        .and_then(|m| Some((file.try_clone().ok()?, m.len())));
    let reader: Box<dyn BufRead> = if io::stderr().is_terminal() {
        let total = metadata.map(|m| m.len());
        Box::new(BufReader::with_capacity(
            1 << 16,
            Progress::new(file, path.display().to_string(), total),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let input = Input::new(path, reader);
    Ok(match positioned {
        Some((file, len)) => input.with_file(file, len),
        None => input,
    })
}

/// The paths to read: the ones given, or stdin when none is.
pub fn inputs_or_stdin(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        paths.to_vec()
    }
}

/// Where output goes: stdout, or a temporary file beside the target that is
/// renamed over it only when everything succeeded, so an error never leaves
/// a half-written file behind.
pub enum Output {
    /// Standard output.
    Stdout(io::BufWriter<io::Stdout>),
    /// A device or pipe, written in place.
    Direct(io::BufWriter<File>),
    /// A temporary file that becomes `target` on [`Output::finish`].
    File {
        /// The temporary file, deleted on drop unless persisted.
        temp: io::BufWriter<tempfile::NamedTempFile>,
        /// The final path.
        target: PathBuf,
    },
}

impl Output {
    /// Output to `path`, or stdout when `path` is `None` or `-`.
    ///
    /// # Errors
    /// When stdout was closed when nerkit started (`>&-`): what is written
    /// there would be lost without an error.
    pub fn create(path: Option<&Path>) -> Result<Output, Error> {
        match path {
            None => Output::stdout(),
            Some(p) if p.as_os_str() == "-" => Output::stdout(),
            Some(p) => {
                // Devices, pipes and the like (`-o /dev/null`) are written in
                // place: renaming a file over them would replace them.
                if let Ok(meta) = std::fs::metadata(p) {
                    if !meta.is_file() {
                        let file = std::fs::OpenOptions::new()
                            .write(true)
                            .open(p)
                            .map_err(|e| Error::from(e).with_path(p))?;
                        return Ok(Output::Direct(io::BufWriter::with_capacity(1 << 16, file)));
                    }
                }
                // Write beside the file a symlink points to, so the rename
                // replaces the file and keeps the link.
                let target = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".nerkit-")
                    .suffix(".tmp")
                    .tempfile_in(&dir)
                    .map_err(|e| Error::from(e).with_path(p))?;
                set_output_permissions(temp.as_file(), &target);
                Ok(Output::File {
                    temp: io::BufWriter::with_capacity(1 << 16, temp),
                    target,
                })
            }
        }
    }

    fn stdout() -> Result<Output, Error> {
        if stdout_was_closed() {
            return Err(Error::msg(
                "standard output is closed, so the output would be lost; \
                 redirect it (> FILE, > /dev/null) or give --output FILE",
            ));
        }
        Ok(Output::Stdout(io::BufWriter::with_capacity(
            1 << 16,
            io::stdout(),
        )))
    }

    /// True for output to a file that is written only on success.
    pub fn is_file(&self) -> bool {
        matches!(self, Output::File { .. })
    }

    /// Flushes and, for a file, renames the temporary file over the target.
    pub fn finish(self) -> Result<(), Error> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(Error::from),
            Output::Direct(mut w) => w.flush().map_err(Error::from),
            Output::File { temp, target } => {
                let temp = temp
                    .into_inner()
                    .map_err(|e| Error::from(e.into_error()).with_path(&target))?;
                temp.as_file()
                    .sync_all()
                    .map_err(|e| Error::from(e).with_path(&target))?;
                temp.persist(&target)
                    .map_err(|e| Error::from(e.error).with_path(&target))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Direct(w) => w.write(buf),
            Output::File { temp, .. } => temp.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::Direct(w) => w.write_all(buf),
            Output::File { temp, .. } => temp.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Direct(w) => w.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}

/// True when stdout was closed when the process started (`>&-`).
///
/// Rust's runtime opens `/dev/null` read-write on a standard stream that
/// is closed at start, so writes there succeed and vanish. A shell's
/// `> /dev/null` opens it write-only: only the runtime's stand-in is
/// `/dev/null` opened for reading and writing.
#[cfg(unix)]
fn stdout_was_closed() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    // SAFETY: `fcntl(F_GETFL)` only reads the flags of a descriptor; fd 1
    // is open (the runtime made sure of it).
    let flags = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFL) };
    if flags < 0 || flags & libc::O_ACCMODE != libc::O_RDWR {
        return false;
    }
    let (Ok(out), Ok(null)) = (
        std::fs::metadata("/proc/self/fd/1").or_else(|_| std::fs::metadata("/dev/fd/1")),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    out.file_type().is_char_device() && out.rdev() == null.rdev()
}

#[cfg(not(unix))]
fn stdout_was_closed() -> bool {
    false
}

/// Gives a new output file the permissions of the file it replaces, or the
/// usual 0644 (a temporary file starts private, 0600).
fn set_output_permissions(file: &File, target: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    {
        let _ = (file, target);
    }
}

/// Shows how far reading a file has got, on stderr, once a run has taken
/// more than a second; only used when stderr is a terminal. The line is
/// erased when the file has been read.
struct Progress<R> {
    inner: R,
    name: String,
    read: u64,
    total: Option<u64>,
    started: std::time::Instant,
    shown: std::time::Instant,
    visible: bool,
}

impl<R> Progress<R> {
    fn new(inner: R, name: String, total: Option<u64>) -> Progress<R> {
        let now = std::time::Instant::now();
        Progress {
            inner,
            name,
            read: 0,
            total,
            started: now,
            shown: now,
            visible: false,
        }
    }

    fn show(&mut self) {
        let now = std::time::Instant::now();
        if now.duration_since(self.started).as_millis() < 1000
            || now.duration_since(self.shown).as_millis() < 200
        {
            return;
        }
        self.shown = now;
        self.visible = true;
        let mb = |b: u64| b as f64 / 1e6;
        let secs = now.duration_since(self.started).as_secs_f64();
        let line = match self.total {
            Some(t) if t > 0 => format!(
                "{}: {:.0} of {:.0} MB ({:.0}%), {:.0} MB/s",
                self.name,
                mb(self.read),
                mb(t),
                100.0 * self.read as f64 / t as f64,
                mb(self.read) / secs
            ),
            _ => format!(
                "{}: {:.0} MB, {:.0} MB/s",
                self.name,
                mb(self.read),
                mb(self.read) / secs
            ),
        };
        let _ = write!(io::stderr(), "\r\x1b[K{line}");
    }
}

impl Progress<()> {
    /// A progress line for work that reads its input some other way.
    pub(crate) fn standalone(name: String, total: Option<u64>) -> Progress<()> {
        Progress::new((), name, total)
    }

    /// Sets the bytes done so far.
    pub(crate) fn set(&mut self, done: u64) {
        self.read = done;
        self.show();
    }
}

impl<R: io::Read> io::Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.show();
        Ok(n)
    }
}

impl<R> Drop for Progress<R> {
    fn drop(&mut self) {
        if self.visible {
            let _ = write!(io::stderr(), "\r\x1b[K");
        }
    }
}
