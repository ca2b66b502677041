//! The system boundary: the illumos tools zmgr drives and where to find them.
//!
//! This is the only module that will spawn processes; command paths come from the
//! `commands` node of `config.kdl`.

pub use crate::command::{CommandLine, Commands, ExecError, Output, Stream, Tool, shell_quote};

/// How often a running command looks for an interrupt while it waits for output.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// The most a command may print on each of its streams: a tool gone wrong (or one a hook
/// runs in a zone) must not make zmgr hold gigabytes, nor one line without end.
pub const OUTPUT_LIMIT: u64 = 64 << 20;

/// How long a command has, after SIGTERM, to stop before it gets SIGKILL.
pub const GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Stops a command and everything it started (its process group), politely first: SIGTERM,
/// then SIGKILL once the grace period is over.
struct Stopper {
    group: Option<rustix::process::Pid>,
    grace: std::time::Duration,
    terminated_at: Option<std::time::Instant>,
    killed: bool,
}

impl Stopper {
    fn new(pid: u32, grace: std::time::Duration) -> Stopper {
        Stopper {
            group: rustix::process::Pid::from_raw(pid as i32),
            grace,
            terminated_at: None,
            killed: false,
        }
    }

    /// Called while an interrupt is pending: signals the group as the time since the first
    /// signal requires.
    fn tick(&mut self) {
        match self.terminated_at {
            None => {
                self.signal(rustix::process::Signal::TERM);
                self.terminated_at = Some(std::time::Instant::now());
            }
            Some(t) if !self.killed && t.elapsed() >= self.grace => {
                self.signal(rustix::process::Signal::KILL);
                self.killed = true;
            }
            Some(_) => {}
        }
    }

    fn signal(&self, sig: rustix::process::Signal) {
        // A group already gone (ESRCH) has nothing left to stop.
        if let Some(group) = self.group {
            let _ = rustix::process::kill_process_group(group, sig);
        }
    }

    fn stopped(&self) -> bool {
        self.terminated_at.is_some()
    }
}

/// Runs commands. [`System`] spawns real processes; anything else (a test's recorder) can
/// stand in behind this trait.
pub trait Runner {
    /// Runs `cmd` to completion and returns its output, or an error when it fails.
    fn run(&self, cmd: &CommandLine) -> Result<Output, ExecError> {
        self.run_streaming(cmd, &mut |_, _| {})
    }

    /// Like [`Runner::run`], calling `on_line` with each line as the command prints it.
    fn run_streaming(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError>;

    /// Like [`Runner::run_streaming`], and also stopped, as an interrupt stops it, once
    /// `give_up` says so (a hook's deadline), unless an undo step runs under a
    /// [`Shield`](crate::host::interrupt::Shield). A runner that cannot stop a command runs it
    /// to its end.
    fn run_streaming_until(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
        give_up: &dyn Fn() -> bool,
    ) -> Result<Output, ExecError> {
        let _ = give_up;
        self.run_streaming(cmd, on_line)
    }

    /// Replaces the running program with `cmd` (exec), its standard streams and terminal
    /// inherited, so that an interactive tool (`zlogin`) behaves as if run by hand. Returns
    /// only when that could not be done. A runner that cannot exec refuses.
    fn replace(&self, cmd: &CommandLine) -> ExecError {
        ExecError::Refused {
            command: cmd.display(self.commands()),
        }
    }

    /// The tool paths, for showing commands.
    fn commands(&self) -> &Commands;
}

/// A host that runs nothing: every command is refused (for dry runs, `check` and the API
/// reference, which must never touch the system).
#[derive(Debug, Clone, Default)]
pub struct Offline {
    commands: Commands,
}

impl Runner for Offline {
    fn commands(&self) -> &Commands {
        &self.commands
    }

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        _: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError> {
        Err(ExecError::Refused {
            command: cmd.display(&self.commands),
        })
    }
}

/// Spawns the tools as child processes: absolute paths, no shell, arguments as a vector.
#[derive(Debug, Clone)]
pub struct System {
    commands: Commands,
    /// How long a command has after SIGTERM before SIGKILL.
    grace: std::time::Duration,
    /// The most a command may print on one stream before it is stopped.
    output_limit: u64,
    env: Vec<(String, String)>,
    /// Print each command with its duration and status to stderr (`ZMGR_TRACE=1`).
    trace: bool,
}

/// Whether `ZMGR_TRACE` asks for a trace on stderr: each command run, with its duration and
/// status, and at the end how the registry was read.
pub fn tracing() -> bool {
    std::env::var_os("ZMGR_TRACE").is_some_and(|v| !v.is_empty() && v != "0")
}

impl System {
    pub fn new(commands: Commands) -> Self {
        Self {
            commands,
            grace: GRACE,
            output_limit: OUTPUT_LIMIT,
            env: Vec::new(),
            trace: tracing(),
        }
    }

    /// Gives commands `grace` after SIGTERM before SIGKILL (the default is [`GRACE`]).
    pub fn with_grace(mut self, grace: std::time::Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Stops a command that prints more than `limit` bytes on one stream (the default is
    /// [`OUTPUT_LIMIT`]).
    pub fn with_output_limit(mut self, limit: u64) -> Self {
        self.output_limit = limit;
        self
    }

    /// Adds a variable to every child's environment (the sandbox passes the simulator's state).
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

impl Runner for System {
    fn commands(&self) -> &Commands {
        &self.commands
    }

    fn replace(&self, cmd: &CommandLine) -> ExecError {
        use std::os::unix::process::CommandExt;
        let path = self.commands.path(cmd.tool);
        if !path.exists() {
            return ExecError::Missing {
                tool: cmd.tool,
                path: path.to_path_buf(),
            };
        }
        if self.trace {
            eprintln!("+ exec {}", cmd.display(&self.commands));
        }
        // The same process, so the same process group and terminal: the tool is in the
        // foreground as zmgr was. exec resets the signals zmgr caught (SIGINT, SIGTERM,
        // SIGHUP) to their defaults, so the tool gets them as it would from a shell. The
        // person's locale is kept: nothing parses what the tool prints.
        let source = std::process::Command::new(path)
            .args(&cmd.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .exec();
        ExecError::Spawn {
            command: cmd.display(&self.commands),
            source,
        }
    }

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError> {
        self.run_streaming_until(cmd, on_line, &|| false)
    }

    fn run_streaming_until(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
        give_up: &dyn Fn() -> bool,
    ) -> Result<Output, ExecError> {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::process::{Command, Stdio};

        let path = self.commands.path(cmd.tool);
        let display = cmd.display(&self.commands);
        if !path.exists() {
            return Err(ExecError::Missing {
                tool: cmd.tool,
                path: path.to_path_buf(),
            });
        }
        let started = std::time::Instant::now();
        let mut command = Command::new(path);
        // A process group of its own: Ctrl-C at the terminal reaches zmgr, which decides
        // whether to stop the command (a create step) or let it finish (an undo step).
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .args(&cmd.args)
            // Messages are parsed, so they must not be translated.
            .env("LC_ALL", "C")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if cmd.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ExecError::Spawn {
                command: display.clone(),
                source,
            })?;

        // Each pipe has its own thread, so a child that fills one while we wait on another
        // cannot deadlock. Lines reach `on_line` on this thread through a channel.
        let (tx, rx) = std::sync::mpsc::channel::<(Stream, String)>();
        let stdin = cmd.stdin.clone();
        let mut stdin_pipe = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let overflow = std::sync::atomic::AtomicBool::new(false);
        let out = std::thread::scope(|s| {
            s.spawn(move || {
                if let (Some(mut pipe), Some(text)) = (stdin_pipe.take(), stdin) {
                    // A tool that exits without reading its input closes the pipe; that is its
                    // answer, not ours to report.
                    let _ = pipe.write_all(text.as_bytes());
                }
            });
            let limit = self.output_limit;
            let overflow = &overflow;
            let reader = |stream: Stream,
                          pipe: Box<dyn Read + Send>,
                          tx: std::sync::mpsc::Sender<(Stream, String)>| {
                move || {
                    let mut r = BufReader::new(pipe);
                    let mut buf = Vec::new();
                    let mut left = limit;
                    // A line is read only as far as the stream's budget goes.
                    while let Ok(n) = (&mut r).take(left + 1).read_until(b'\n', &mut buf) {
                        if n == 0 {
                            break;
                        }
                        if n as u64 > left {
                            overflow.store(true, std::sync::atomic::Ordering::SeqCst);
                            break;
                        }
                        left -= n as u64;
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        if tx.send((stream, line)).is_err() {
                            break;
                        }
                        buf.clear();
                    }
                }
            };
            s.spawn(reader(Stream::Stdout, Box::new(stdout), tx.clone()));
            s.spawn(reader(Stream::Stderr, Box::new(stderr), tx));
            let mut out = Output::default();
            let mut stop = Stopper::new(child.id(), self.grace);
            loop {
                // Asked on every turn, not only when the command is quiet: a tool that prints
                // steadily (pkg, zlogin) must stop as promptly as a silent one.
                if crate::host::interrupt::requested()
                    || overflow.load(std::sync::atomic::Ordering::SeqCst)
                    || (!crate::host::interrupt::shielded() && give_up())
                {
                    stop.tick();
                }
                match rx.recv_timeout(POLL) {
                    Ok((stream, line)) => {
                        on_line(stream, line.trim_end_matches(['\n', '\r']));
                        match stream {
                            Stream::Stdout => out.stdout.push_str(&line),
                            Stream::Stderr => out.stderr.push_str(&line),
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            (out, stop.stopped())
        });
        let (out, killed) = out;
        let status = child.wait().map_err(|source| ExecError::Spawn {
            command: display.clone(),
            source,
        })?;
        if self.trace {
            eprintln!(
                "+ {display} ({:.1} ms, {status})",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        if overflow.into_inner() {
            return Err(ExecError::Failed {
                command: display,
                status: format!(
                    "stopped: it printed more than {} MiB on one stream",
                    self.output_limit >> 20
                ),
                code: None,
                stdout: out.stdout,
                stderr: out.stderr,
            });
        }
        // A tool that exited 0 did its work, even if a stop signal was sent as it ended: the
        // caller must count that work as done (and undo it), not as never made.
        if status.success() {
            Ok(out)
        } else if killed {
            Err(ExecError::Interrupted { command: display })
        } else {
            let code = status.code();
            let status = match code {
                Some(c) => format!("exit status {c}"),
                None => format!("{status}"),
            };
            Err(ExecError::Failed {
                command: display,
                status,
                code,
                stdout: out.stdout,
                stderr: out.stderr,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sh() -> System {
        // /bin/sh stands in for a tool here: these tests are about pipes and status, not illumos.
        let mut c = Commands::default();
        c.set(Tool::Zoneadm, PathBuf::from("/bin/sh"));
        System::new(c)
    }

    #[test]
    fn shows_commands_quoted() {
        let cmd = CommandLine::new(
            Tool::Zonecfg,
            ["-z", "web01", "set bootargs=\"-m verbose\""],
        );
        assert_eq!(
            cmd.display(&Commands::default()),
            "/usr/sbin/zonecfg -z web01 'set bootargs=\"-m verbose\"'"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn large_output_on_both_streams_does_not_deadlock() {
        // 1 MB on each stream, more than any pipe buffer, plus 1 MB of input.
        let script = "cat >/dev/null; i=0; while [ $i -lt 16384 ]; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; echo bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb >&2; i=$((i+1)); done";
        let cmd = CommandLine::new(Tool::Zoneadm, ["-c", script]).with_stdin("x".repeat(1 << 20));
        let out = sh().run(&cmd).unwrap();
        assert_eq!(out.stdout.len(), 16384 * 64);
        assert_eq!(out.stderr.len(), 16384 * 64);
    }

    #[test]
    fn failure_keeps_status_and_stderr() {
        let cmd = CommandLine::new(
            Tool::Zoneadm,
            ["-c", "echo out; echo 'zoneadm: zone x: boom' >&2; exit 3"],
        );
        let err = sh().run(&cmd).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`/bin/sh -c 'echo out; echo '\\''zoneadm: zone x: boom'\\'' >&2; exit 3'` failed (exit status 3): zoneadm: zone x: boom"
        );
        assert_eq!(err.stderr(), Some("zoneadm: zone x: boom\n"));
    }

    #[test]
    fn a_command_is_stopped_when_its_caller_gives_up_unless_a_shield_is_up() {
        let slow = CommandLine::new(Tool::Zoneadm, ["-c", "sleep 30"]);
        let start = std::time::Instant::now();
        let give_up = || start.elapsed() > std::time::Duration::from_millis(200);
        let out = sh().run_streaming_until(&slow, &mut |_, _| {}, &give_up);
        assert!(matches!(out, Err(ExecError::Interrupted { .. })), "{out:?}");
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        // An undo step runs to its end.
        let _shield = crate::host::interrupt::Shield::up();
        let short = CommandLine::new(Tool::Zoneadm, ["-c", "sleep 0.3; echo done"]);
        let out = sh()
            .run_streaming_until(&short, &mut |_, _| {}, &|| true)
            .unwrap();
        assert_eq!(out.stdout, "done\n");
    }

    #[test]
    fn a_command_printing_without_end_is_stopped_at_the_output_limit() {
        let system = sh().with_output_limit(1 << 20);
        // One line without end, and endless lines.
        for script in ["cat /dev/zero", "yes"] {
            let cmd = CommandLine::new(Tool::Zoneadm, ["-c", script]);
            let err = system.run(&cmd).unwrap_err();
            let ExecError::Failed { status, stdout, .. } = &err else {
                panic!("{script}: {err:?}");
            };
            assert_eq!(status, "stopped: it printed more than 1 MiB on one stream");
            assert!(
                stdout.len() <= 1 << 20,
                "{script}: {} bytes kept",
                stdout.len()
            );
        }
        // Up to the limit is fine.
        let cmd = CommandLine::new(Tool::Zoneadm, ["-c", "head -c 1048576 /dev/zero"]);
        assert_eq!(system.run(&cmd).unwrap().stdout.len(), 1 << 20);
    }

    #[test]
    fn streams_lines_as_they_come() {
        let cmd = CommandLine::new(Tool::Zoneadm, ["-c", "echo one; echo two >&2; echo three"]);
        let mut lines = Vec::new();
        let out = sh()
            .run_streaming(&cmd, &mut |s, l| lines.push((s, l.to_string())))
            .unwrap();
        assert_eq!(out.stdout, "one\nthree\n");
        assert_eq!(
            lines.iter().filter(|(s, _)| *s == Stream::Stdout).count(),
            2
        );
        assert!(lines.contains(&(Stream::Stderr, "two".to_string())));
    }

    #[test]
    fn a_missing_tool_says_this_is_not_illumos() {
        let mut c = Commands::default();
        c.set(Tool::Zonecfg, PathBuf::from("/nonexistent/zonecfg"));
        let err = System::new(c)
            .run(&CommandLine::new(Tool::Zonecfg, ["-z", "a", "info"]))
            .unwrap_err();
        assert!(matches!(err, ExecError::Missing { .. }));
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        assert!(help.contains("not look like an illumos host"), "{help}");
    }
}
