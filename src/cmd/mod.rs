//! Subcommands and the plumbing they share: inputs, atomic outputs,
//! diagnostics.

pub mod bench;
pub mod convert;
pub mod eval;
mod hints;
mod read_args;
pub mod show;

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use nerkit::convert::Input;
use nerkit::Error;

/// The `FILE:LINE:COL: error: MESSAGE` line for an error, coloured when
/// stderr is a terminal.
pub fn error_line(e: &Error) -> String {
    let line = e.to_diagnostic_with(&hints::flag_text);
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
        // Formats and HTML are detected from what the reader's buffer holds
        // first. A pipe's first read returns what the writer has written so
        // far, so the first 64 KiB (or all of a shorter input) are read
        // before anything is decided: the same bytes then read the same
        // however they arrive.
        let mut prefix = Vec::with_capacity(1 << 16);
        let stdin = io::stdin();
        (&stdin)
            .take(1 << 16)
            .read_to_end(&mut prefix)
            .map_err(|e| Error::from(e).with_path("<stdin>"))?;
        let reader = io::Cursor::new(prefix).chain(stdin);
        return Ok(Input::new(
            "<stdin>",
            Box::new(BufReader::with_capacity(1 << 16, reader)),
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
///
/// What `-o FILE` does, as `sed -i` and `cp` users expect:
/// - a new file gets the usual mode for the umask (0644 under umask 022,
///   0600 under 077); a replaced file keeps its mode;
/// - a symbolic link is followed: its target is written (created when the
///   link dangles) and the link kept;
/// - a read-only file is refused unless `--force` is given;
/// - a file with several hard links is rewritten in place once the output
///   is complete, so that every link sees it (the one case that is not
///   atomic);
/// - devices and pipes (`-o /dev/null`) are written in place;
/// - SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGABRT remove the temporary
///   file before the process ends by the signal (exit 130, 143, ...);
///   SIGKILL cannot be caught and leaves it (`.nerkit-*.tmp` beside the
///   target). A file-size limit (`ulimit -f`) is an error like a full disk.
pub enum Output {
    /// Standard output.
    Stdout(io::BufWriter<io::Stdout>),
    /// A device or pipe, written in place.
    Direct(io::BufWriter<File>),
    /// A temporary file that becomes `target` on [`Output::finish`].
    File {
        /// The temporary file, written through a plain `File` so that
        /// write errors are the system's.
        file: io::BufWriter<File>,
        /// Its path, deleted on drop unless persisted.
        temp: tempfile::TempPath,
        /// The final path.
        target: PathBuf,
        /// The path as the user gave it, for messages.
        name: PathBuf,
        /// The target has other hard links: copy into it instead of
        /// renaming over it.
        in_place: bool,
    },
}

impl Output {
    /// Output to `path`, or stdout when `path` is `None` or `-`.
    ///
    /// # Errors
    /// When stdout was closed when nerkit started (`>&-`): what is written
    /// there would be lost without an error. When the target is read-only
    /// and `force` is not set.
    pub fn create(path: Option<&Path>, force: bool) -> Result<Output, Error> {
        match path {
            None => Output::stdout(),
            Some(p) if p.as_os_str() == "-" => Output::stdout(),
            Some(p) => {
                let target = follow_links(p);
                // Devices, pipes and the like (`-o /dev/null`) are written in
                // place: renaming a file over them would replace them.
                let existing = std::fs::metadata(&target).ok();
                if let Some(meta) = &existing {
                    if !meta.is_file() {
                        let file = std::fs::OpenOptions::new()
                            .write(true)
                            .open(&target)
                            .map_err(|e| Error::from(e).with_path(p))?;
                        return Ok(Output::Direct(io::BufWriter::with_capacity(1 << 16, file)));
                    }
                    if meta.permissions().readonly() && !force {
                        return Err(Error::msg(
                            "the file is read-only; give --force to replace it",
                        )
                        .with_path(p));
                    }
                }
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                // A signal between the file's creation and `remember` would
                // leave the file behind: the signals wait until both are done.
                let temp = cleanup::holding_signals(|| {
                    let temp = tempfile::Builder::new()
                        .prefix(".nerkit-")
                        .suffix(".tmp")
                        .tempfile_in(&dir)?;
                    cleanup::remember(temp.path());
                    Ok::<_, io::Error>(temp)
                })
                .map_err(|e| Error::from(e).with_path(p))?;
                set_output_permissions(temp.as_file(), existing.as_ref());
                let (file, temp) = temp.into_parts();
                Ok(Output::File {
                    file: io::BufWriter::with_capacity(1 << 16, file),
                    temp,
                    target,
                    name: p.to_path_buf(),
                    in_place: existing.as_ref().is_some_and(hard_linked),
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
            Output::File {
                file,
                temp,
                target,
                name,
                in_place,
            } => {
                let at_target = |e: io::Error| Error::from(e).with_path(&name);
                let mut file = file.into_inner().map_err(|e| at_target(e.into_error()))?;
                if in_place {
                    use std::io::Seek;
                    file.seek(io::SeekFrom::Start(0)).map_err(at_target)?;
                    let mut out = std::fs::OpenOptions::new()
                        .write(true)
                        .truncate(true)
                        .open(&target)
                        .map_err(at_target)?;
                    io::copy(&mut file, &mut out).map_err(at_target)?;
                    out.sync_all().map_err(at_target)?;
                    cleanup::forget();
                    return Ok(());
                }
                file.sync_all().map_err(at_target)?;
                let persisted = temp.persist(&target).map_err(|e| at_target(e.error));
                cleanup::forget();
                persisted.map(drop)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Direct(w) => w.write(buf),
            Output::File { file, name, .. } => file.write(buf).map_err(|e| naming(name, e)),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::Direct(w) => w.write_all(buf),
            Output::File { file, name, .. } => file.write_all(buf).map_err(|e| naming(name, e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Direct(w) => w.flush(),
            Output::File { file, name, .. } => file.flush().map_err(|e| naming(name, e)),
        }
    }
}

/// A write error that names the file the user asked for, not the
/// temporary file beside it (`File too large`, `No space left on
/// device`).
#[cold]
fn naming(target: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot write {}: {e}", target.display()))
}

/// The path a write to `path` should go to: the target of a symbolic link
/// (followed, also when it dangles), else `path`.
fn follow_links(path: &Path) -> PathBuf {
    if let Ok(target) = std::fs::canonicalize(path) {
        return target;
    }
    // A dangling link: its target, taken relative to the link's folder.
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(next) => {
                at = match at.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                }
            }
            Err(_) => break,
        }
    }
    at
}

/// True for a file with other hard links.
fn hard_linked(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.nlink() > 1
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Removes the temporary output file when a signal ends the process.
///
/// The path is kept as a C string behind an atomic pointer, so that the
/// handler reads it without a lock or an allocation (what a signal handler
/// may do is very little: `unlink`, `signal` and `raise` are allowed).
mod cleanup {
    use std::ffi::CString;
    use std::path::Path;
    use std::sync::atomic::{AtomicPtr, Ordering};

    static TEMP: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

    /// The signals that end a run and can be caught.
    #[cfg(unix)]
    const SIGNALS: [libc::c_int; 5] = [
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGABRT,
    ];

    /// Installs the handlers, and makes a file-size limit an error
    /// (`EFBIG`) instead of a signal that would end the run.
    pub fn install() {
        #[cfg(unix)]
        // SAFETY: `handle` only makes async-signal-safe calls; `SIG_IGN`
        // for SIGXFSZ makes writes past the limit fail with EFBIG.
        unsafe {
            for sig in SIGNALS {
                libc::signal(sig, handle as *const () as libc::sighandler_t);
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    }

    /// Runs `f` with the signals that end a run held back (blocked on this
    /// thread, which is the only one when outputs are created); one that
    /// comes meanwhile is handled when `f` is done.
    pub fn holding_signals<T>(f: impl FnOnce() -> T) -> T {
        #[cfg(unix)]
        {
            // SAFETY: the sets are initialised by sigemptyset before use,
            // and pthread_sigmask only changes this thread's mask.
            unsafe {
                let mut held: libc::sigset_t = std::mem::zeroed();
                let mut before: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut held);
                for sig in SIGNALS {
                    libc::sigaddset(&mut held, sig);
                }
                libc::pthread_sigmask(libc::SIG_BLOCK, &held, &mut before);
                let result = f();
                libc::pthread_sigmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
                result
            }
        }
        #[cfg(not(unix))]
        f()
    }

    /// Remembers `path` as the file to remove.
    pub fn remember(path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            if let Ok(c) = CString::new(path.as_os_str().as_bytes()) {
                let old = TEMP.swap(c.into_raw(), Ordering::SeqCst);
                free(old);
            }
        }
        #[cfg(not(unix))]
        let _ = path;
    }

    /// Forgets the file (renamed, or removed by its owner).
    pub fn forget() {
        free(TEMP.swap(std::ptr::null_mut(), Ordering::SeqCst));
    }

    fn free(p: *mut libc::c_char) {
        if !p.is_null() {
            // SAFETY: every non-null pointer in TEMP came from
            // `CString::into_raw`, and the swap gave it to us alone.
            drop(unsafe { CString::from_raw(p) });
        }
    }

    #[cfg(unix)]
    extern "C" fn handle(sig: libc::c_int) {
        let path = TEMP.swap(std::ptr::null_mut(), Ordering::SeqCst);
        // SAFETY: `unlink`, `signal` and `raise` are async-signal-safe;
        // `path` is a valid C string that nothing frees any more (the
        // swap took it). The signal is raised again with its default
        // action, so the process ends by it as shells expect.
        unsafe {
            if !path.is_null() {
                libc::unlink(path);
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Installs what makes an interrupted run leave no temporary file.
pub fn install_signal_handlers() {
    cleanup::install();
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

/// Gives a new output file the permissions of the file it replaces, or
/// those a new file gets under the umask (a temporary file starts private,
/// 0600).
fn set_output_permissions(file: &File, existing: Option<&std::fs::Metadata>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match existing {
            Some(meta) => meta.permissions().mode() & 0o7777,
            None => 0o666 & !current_umask(),
        };
        let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    {
        let _ = (file, existing);
    }
}

/// The process's umask. Reading it means setting it, so it is set back at
/// once; nerkit creates no file in between.
#[cfg(unix)]
fn current_umask() -> u32 {
    // SAFETY: umask cannot fail; the old mask is restored right away.
    let mask = unsafe {
        let mask = libc::umask(0o022);
        libc::umask(mask);
        mask
    };
    mask as u32
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
