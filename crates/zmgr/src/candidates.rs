//! The names completion offers for zone, template, pool and publisher arguments: the
//! registry folders' file names, read without opening a file (see `complete`).

use std::ffi::OsString;
use std::path::PathBuf;

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

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
pub fn root() -> PathBuf {
    let args: Vec<OsString> = std::env::args_os().collect();
    crate::location::guess_root(&args)
}
