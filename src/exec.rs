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
