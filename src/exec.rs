//! The system boundary: the illumos tools zmgr drives and where to find them.
//!
//! This is the only module that will spawn processes; command paths come from the
//! `commands` node of `config.kdl`.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// A system tool that zmgr runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Zonecfg,
    Zoneadm,
    Dladm,
    Zlogin,
    Pkg,
}

impl Tool {
    pub const ALL: [Tool; 5] = [
        Tool::Zonecfg,
        Tool::Zoneadm,
        Tool::Dladm,
        Tool::Zlogin,
        Tool::Pkg,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Zonecfg => "zonecfg",
            Tool::Zoneadm => "zoneadm",
            Tool::Dladm => "dladm",
            Tool::Zlogin => "zlogin",
            Tool::Pkg => "pkg",
        }
    }

    /// Where illumos installs the tool.
    pub fn default_path(self) -> &'static str {
        match self {
            Tool::Zonecfg => "/usr/sbin/zonecfg",
            Tool::Zoneadm => "/usr/sbin/zoneadm",
            Tool::Dladm => "/usr/sbin/dladm",
            Tool::Zlogin => "/usr/sbin/zlogin",
            Tool::Pkg => "/usr/bin/pkg",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Tool::ALL.iter().map(|t| t.name()).collect()
    }
}

/// The absolute path of every tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commands {
    paths: [PathBuf; 5],
}

impl Default for Commands {
    fn default() -> Self {
        Self {
            paths: Tool::ALL.map(|t| PathBuf::from(t.default_path())),
        }
    }
}

impl Commands {
    pub fn path(&self, tool: Tool) -> &Path {
        &self.paths[tool as usize]
    }

    pub fn set(&mut self, tool: Tool, path: PathBuf) {
        self.paths[tool as usize] = path;
    }
}

/// One command to run: a tool, its arguments and what to write to its standard input.
/// Built as a plain value so that plans can be printed and tested without running anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandLine {
    pub tool: Tool,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
}

impl CommandLine {
    pub fn new<I, S>(tool: Tool, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            tool,
            args: args.into_iter().map(Into::into).collect(),
            stdin: None,
        }
    }

    pub fn with_stdin(mut self, stdin: impl Into<String>) -> Self {
        self.stdin = Some(stdin.into());
        self
    }

    /// The command as a person would type it, each word quoted for a POSIX shell when needed.
    pub fn display(&self, commands: &Commands) -> String {
        std::iter::once(commands.path(self.tool).to_string_lossy().into_owned())
            .chain(self.args.iter().cloned())
            .map(|w| shell_quote(&w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes a word for display in a POSIX shell; zmgr itself never runs a shell.
pub fn shell_quote(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// What a finished command printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Which stream a line of streamed output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Why a command did not succeed. It carries the command line and what the tool said.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("{path} does not exist")]
    Missing { tool: Tool, path: PathBuf },
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`{command}` was stopped by an interrupt")]
    Interrupted { command: String },
    #[error("`{command}` failed ({status}){}", first_line(.stderr))]
    Failed {
        command: String,
        status: String,
        stdout: String,
        stderr: String,
    },
}

fn first_line(stderr: &str) -> String {
    match stderr.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) => format!(": {l}"),
        None => String::new(),
    }
}

impl ExecError {
    /// The tool's whole standard error, for messages that show more than the first line.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            ExecError::Failed { stderr, .. } => Some(stderr),
            _ => None,
        }
    }
}

impl miette::Diagnostic for ExecError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            ExecError::Missing { tool, .. } => Some(Box::new(format!(
                "this does not look like an illumos host (no {}). To try zmgr here, use the simulator: \
                 `zmgr --sandbox DIR VERB …`; to use other tools, set their paths in the `commands` node of config.kdl",
                tool.name()
            ))),
            ExecError::Failed { stderr, .. } if stderr.trim().lines().count() > 1 => {
                Some(Box::new(format!("the tool said:\n{}", stderr.trim_end())))
            }
            _ => None,
        }
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

    /// The tool paths, for showing commands.
    fn commands(&self) -> &Commands;
}

/// Spawns the tools as child processes: absolute paths, no shell, arguments as a vector.
#[derive(Debug, Clone)]
pub struct System {
    commands: Commands,
    env: Vec<(String, String)>,
    /// Print each command with its duration and status to stderr (`ZMGR_TRACE=1`).
    trace: bool,
}

impl System {
    pub fn new(commands: Commands) -> Self {
        Self {
            commands,
            env: Vec::new(),
            trace: std::env::var_os("ZMGR_TRACE").is_some_and(|v| !v.is_empty() && v != "0"),
        }
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

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
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
        let out = std::thread::scope(|s| {
            s.spawn(move || {
                if let (Some(mut pipe), Some(text)) = (stdin_pipe.take(), stdin) {
                    // A tool that exits without reading its input closes the pipe; that is its
                    // answer, not ours to report.
                    let _ = pipe.write_all(text.as_bytes());
                }
            });
            let reader = |stream: Stream,
                          pipe: Box<dyn Read + Send>,
                          tx: std::sync::mpsc::Sender<(Stream, String)>| {
                move || {
                    let mut r = BufReader::new(pipe);
                    let mut buf = Vec::new();
                    while let Ok(n) = r.read_until(b'\n', &mut buf) {
                        if n == 0 {
                            break;
                        }
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
            let mut killed_at: Option<std::time::Instant> = None;
            loop {
                match rx.recv_timeout(std::time::Duration::from_millis(100)) {
                    Ok((stream, line)) => {
                        on_line(stream, line.trim_end_matches(['\n', '\r']));
                        match stream {
                            Stream::Stdout => out.stdout.push_str(&line),
                            Stream::Stderr => out.stderr.push_str(&line),
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        // Ctrl-C: stop the command and everything it started (its process
                        // group), politely first; the caller undoes what was done.
                        if crate::interrupt::requested() {
                            let group = -(child.id() as libc::pid_t);
                            match killed_at {
                                None => {
                                    // SAFETY: kill() has no memory effects; a stale group is ESRCH.
                                    unsafe { libc::kill(group, libc::SIGTERM) };
                                    killed_at = Some(std::time::Instant::now());
                                }
                                Some(t) if t.elapsed() > std::time::Duration::from_secs(5) => {
                                    // SAFETY: as above.
                                    unsafe { libc::kill(group, libc::SIGKILL) };
                                }
                                Some(_) => {}
                            }
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            (out, killed_at.is_some())
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
        if killed {
            Err(ExecError::Interrupted { command: display })
        } else if status.success() {
            Ok(out)
        } else {
            let status = match status.code() {
                Some(c) => format!("exit status {c}"),
                None => format!("{status}"),
            };
            Err(ExecError::Failed {
                command: display,
                status,
                stdout: out.stdout,
                stderr: out.stderr,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
