//! The peak memory of a child process, measured from inside the test (no
//! `/usr/bin/time`).
//!
//! Why not `wait4`'s `ru_maxrss`: `execve` folds the high-water mark of the
//! address space it replaces into the new program's `ru_maxrss`, and that
//! address space is the spawning process's (`posix_spawn`, `vfork`) or a
//! copy of it (`fork`). A child of the test process therefore reports at
//! least the test process's own peak, which is often more than nerkit's and
//! would hide what the memory tests are there to see.
//!
//! What is measured instead: the child's own `VmHWM` (`/proc/PID/status`),
//! read while it is held at its exit by `ptrace` (`PTRACE_O_TRACEEXIT`), after
//! its last allocation and before its memory is released. That is the high
//! water mark of the program's own address space, the number GNU time prints
//! as "Maximum resident set size" when its own footprint is the smaller one.
#![cfg(target_os = "linux")]

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus};

/// A ptrace request on a stopped tracee, with `data` (an integer) as its
/// last argument. A macro because the request's type differs between C
/// libraries (`c_uint` in glibc, `c_int` in musl).
macro_rules! ptrace {
    ($request:expr, $pid:expr, $data:expr) => {{
        let (pid, data): (libc::pid_t, usize) = ($pid, $data);
        // SAFETY: the requests used here take integers, not pointers.
        let r = unsafe {
            libc::ptrace(
                $request,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                data as *mut libc::c_void,
            )
        };
        assert_ne!(
            r,
            -1,
            "{}({pid}): {}",
            stringify!($request),
            io::Error::last_os_error()
        );
    }};
}

/// Runs `cmd` to its end and returns its exit status and its peak resident
/// set size in KiB: the `VmHWM` of the program it runs when that program
/// exits (a program that `exec`s another is measured in the last one).
/// The peak is `None` if the child never stopped at its exit, as when it is
/// killed by `SIGKILL` (a failed run; check the status first).
///
/// The caller sets up standard input and output; a pipe that nobody reads
/// would block the child, so use `Stdio::null()` or a file. Panics if the
/// child cannot be traced (`ptrace` refused).
pub fn run_peak_rss(mut cmd: Command) -> (ExitStatus, Option<u64>) {
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes one system call.
    unsafe {
        cmd.pre_exec(|| {
            let null = std::ptr::null_mut::<libc::c_void>();
            if libc::ptrace(libc::PTRACE_TRACEME, 0, null, null) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot start {cmd:?} under ptrace(PTRACE_TRACEME) to measure its memory: {e}")
    });
    let pid = child.id() as libc::pid_t;
    // The child is reaped below; the `Child` must not wait for it again, and
    // dropping a `Child` neither waits nor kills.
    drop(child);

    // The child stops with SIGTRAP once `execve` has succeeded.
    let status = wait(pid);
    assert!(
        libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGTRAP,
        "{pid}: expected the stop after exec, got wait status {status:#x}"
    );
    // TRACEEXEC: a later `execve` of the child stops as an event, instead of
    // raising a SIGTRAP that would kill it.
    let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_TRACEEXEC | libc::PTRACE_O_EXITKILL;
    ptrace!(libc::PTRACE_SETOPTIONS, pid, options as usize);
    ptrace!(libc::PTRACE_CONT, pid, 0);

    let exit_stop = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
    let mut peak = None;
    loop {
        let status = wait(pid);
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return (ExitStatus::from_raw(status), peak);
        }
        if status >> 8 == exit_stop {
            peak = Some(vm_hwm(pid));
            ptrace!(libc::PTRACE_CONT, pid, 0);
        } else if status >> 16 != 0 {
            // Another event stop (exec).
            ptrace!(libc::PTRACE_CONT, pid, 0);
        } else {
            // A signal on its way to the child: deliver it.
            ptrace!(libc::PTRACE_CONT, pid, libc::WSTOPSIG(status) as usize);
        }
    }
}

/// `waitpid(pid)`, retried on EINTR.
fn wait(pid: libc::pid_t) -> libc::c_int {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid place for the wait status.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return status;
        }
        let e = io::Error::last_os_error();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted, "waitpid({pid}): {e}");
    }
}

/// The `VmHWM` of a live process, in KiB.
fn vm_hwm(pid: libc::pid_t) -> u64 {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM line in {path}:\n{status}"))
}
