//! Commands as values: the tools zmgr runs, one command line with its input, what a tool
//! printed, and how a command failed. Pure data, so that plans can be shown and tested and
//! errors can carry the command; `host::exec` runs them.

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
    Zfs,
    Ipadm,
    Routeadm,
    Svcadm,
    Svcs,
}

impl Tool {
    pub const ALL: [Tool; 10] = [
        Tool::Zonecfg,
        Tool::Zoneadm,
        Tool::Dladm,
        Tool::Zlogin,
        Tool::Pkg,
        Tool::Zfs,
        Tool::Ipadm,
        Tool::Routeadm,
        Tool::Svcadm,
        Tool::Svcs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Zonecfg => "zonecfg",
            Tool::Zoneadm => "zoneadm",
            Tool::Dladm => "dladm",
            Tool::Zlogin => "zlogin",
            Tool::Pkg => "pkg",
            Tool::Zfs => "zfs",
            Tool::Ipadm => "ipadm",
            Tool::Routeadm => "routeadm",
            Tool::Svcadm => "svcadm",
            Tool::Svcs => "svcs",
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
            Tool::Zfs => "/usr/sbin/zfs",
            Tool::Ipadm => "/usr/sbin/ipadm",
            Tool::Routeadm => "/usr/sbin/routeadm",
            Tool::Svcadm => "/usr/sbin/svcadm",
            Tool::Svcs => "/usr/bin/svcs",
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
    paths: [PathBuf; 10],
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
///
/// Its `Display` is in [`crate::error`], which may use [`crate::text`] to make what the tool
/// said safe to print: the message names the command and how it failed, and shows the tool's
/// standard error after it.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    Missing {
        tool: Tool,
        path: PathBuf,
    },
    Spawn {
        command: String,
        source: std::io::Error,
    },
    Refused {
        command: String,
    },
    Interrupted {
        command: String,
    },
    Failed {
        command: String,
        status: String,
        /// The exit code; `None` when a signal ended the tool.
        code: Option<i32>,
        stdout: String,
        stderr: String,
    },
}

impl ExecError {
    /// The tool's whole standard error, as it printed it.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            ExecError::Failed { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// The tool's exit code, when it exited with one.
    pub fn code(&self) -> Option<i32> {
        match self {
            ExecError::Failed { code, .. } => *code,
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
            _ => None,
        }
    }
}
