//! Shell completion for bash, zsh and fish (`COMPLETE=bash zmgr` prints the code a shell
//! sources; see docs/cli.md). The shell then asks zmgr itself for each completion, so the
//! names of zones, templates, pools and publishers come from the registry as it is now: from
//! its folders' file names, without reading a file, which keeps completion instant at tens of
//! thousands of zones. Site scripts complete as verbs.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::args::Cli;

/// Answers the shell and exits when it is asking (`COMPLETE` is set); returns otherwise.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(command).complete();
}

/// The command line as completion sees it: the verbs, and each site script as one more.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let builtin: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for (name, _) in zmgr_script::site_scripts(&root()) {
        if !builtin.contains(&name) {
            cmd = cmd.subcommand(
                clap::Command::new(name)
                    .about("Site script")
                    .arg(clap::Arg::new("args").num_args(0..).trailing_var_arg(true)),
            );
        }
    }
    cmd
}

pub fn zones() -> ArgValueCandidates {
    ArgValueCandidates::new(|| names("zones"))
}

pub fn templates() -> ArgValueCandidates {
    ArgValueCandidates::new(|| names("templates"))
}

pub fn pools() -> ArgValueCandidates {
    ArgValueCandidates::new(|| names("pools"))
}

pub fn publishers() -> ArgValueCandidates {
    ArgValueCandidates::new(|| names("publishers"))
}

/// The objects of one registry folder, by their files' names (`zones/web01.kdl` is web01).
fn names(folder: &str) -> Vec<CompletionCandidate> {
    let Ok(entries) = std::fs::read_dir(root().join(folder)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".kdl")?;
            (!stem.starts_with('.')
                && zmgr_core::model::names::object_name_error("file", stem).is_none())
            .then(|| stem.to_string())
        })
        .collect();
    names.sort_unstable();
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// The registry the line being completed is about: its `--root` or `--sandbox`, else
/// `ZMGR_ROOT` or `ZMGR_SANDBOX`, else /etc/zmgr (the shell passes the line as arguments).
fn root() -> PathBuf {
    let args: Vec<OsString> = std::env::args_os().collect();
    crate::cli::guess_root(&args)
}
