//! An interrupt (Ctrl-C, SIGTERM, SIGHUP) stops a running command, however much it prints,
//! a command that ignores SIGTERM is killed once the grace period is over, and one that
//! exits 0 as it is stopped is reported as done.
//!
//! Its own test binary: the interrupt flag is process-wide and stays set, which would stop
//! every other test's commands.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use zmgr_core::host::exec::{CommandLine, Commands, ExecError, Runner, System, Tool};

/// A shell standing in for a tool: these tests are about processes, not illumos.
fn sh(grace: Duration) -> System {
    let mut c = Commands::default();
    c.set(Tool::Pkg, PathBuf::from("/bin/sh"));
    System::new(c).with_grace(grace)
}

/// Prints a line every 10 ms for a minute, like a chatty `pkg install`.
const CHATTY: &str = "i=0; while [ $i -lt 6000 ]; do echo line $i; i=$((i+1)); sleep 0.01; done";

/// Asks for an interrupt once the command has printed `after` lines.
fn run_and_interrupt(
    system: &System,
    script: &str,
    after: usize,
) -> (Result<(), ExecError>, Duration, usize) {
    let cmd = CommandLine::new(Tool::Pkg, ["-c", script]);
    let mut lines = 0;
    let mut interrupted_at = None;
    let result = system.run_streaming(&cmd, &mut |_, _| {
        lines += 1;
        if lines == after {
            zmgr_core::host::interrupt::request();
            interrupted_at = Some(Instant::now());
        }
    });
    let took = interrupted_at
        .expect("the command printed enough lines")
        .elapsed();
    (result.map(|_| ()), took, lines)
}

#[test]
fn a_chatty_command_stops_at_an_interrupt_and_a_deaf_one_is_killed() {
    // One test function: the flag, once set, stays set for the whole process.
    let (result, took, lines) = run_and_interrupt(&sh(Duration::from_secs(30)), CHATTY, 20);
    assert!(
        matches!(result, Err(ExecError::Interrupted { .. })),
        "{result:?}"
    );
    // Stopped by SIGTERM (the grace period is 30 s), long before its minute was up.
    assert!(
        took < Duration::from_secs(10),
        "took {took:?} after the interrupt"
    );
    assert!(lines < 6000, "it ran to the end ({lines} lines)");

    // Ignores SIGTERM (from its first line on) and keeps printing: SIGKILL once the grace
    // period is over.
    zmgr_core::host::interrupt::clear();
    let deaf = format!("trap '' TERM; {CHATTY}");
    let (result, took, lines) = run_and_interrupt(&sh(Duration::from_millis(500)), &deaf, 20);
    assert!(
        matches!(result, Err(ExecError::Interrupted { .. })),
        "{result:?}"
    );
    assert!(
        took >= Duration::from_millis(500),
        "killed before the grace period: {took:?}"
    );
    assert!(took < Duration::from_secs(10), "not killed: {took:?}");
    assert!(lines > 20, "it did not outlive SIGTERM ({lines} lines)");

    // Exits 0 as the signal arrives (here: on it): the tool's work is done, and the caller
    // must count it done, to undo it, rather than as a step that never happened.
    zmgr_core::host::interrupt::clear();
    let done = format!("trap 'exit 0' TERM; {CHATTY}");
    let (result, _, _) = run_and_interrupt(&sh(Duration::from_secs(30)), &done, 20);
    assert!(result.is_ok(), "{result:?}");
}
