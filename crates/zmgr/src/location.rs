//! Where the registry is, as the command line and environment say, for the steps that run
//! before the command line is parsed (site scripts' help, shell completion).

use std::path::PathBuf;

use zmgr_core::store::registry::Registry;

/// The root that `args` (and the environment) point at, read before clap parses them, so that
/// help can list the site scripts. The command line wins over the environment, as it does
/// once parsed.
pub fn guess_root(args: &[std::ffi::OsString]) -> PathBuf {
    let mut it = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let (mut root, mut sandbox) = (None, None);
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix("--root=") {
            root = Some(v.into());
        } else if let Some(v) = a.strip_prefix("--sandbox=") {
            sandbox = Some(v.into());
        } else if a == "--root" {
            root = it.next().map(PathBuf::from);
        } else if a == "--sandbox" {
            sandbox = it.next().map(PathBuf::from);
        }
    }
    if root.is_none() && sandbox.is_none() {
        root = std::env::var_os("ZMGR_ROOT").map(PathBuf::from);
        sandbox = std::env::var_os("ZMGR_SANDBOX").map(PathBuf::from);
    }
    match (sandbox, root) {
        (Some(s), _) => crate::sandbox::registry_in(&s),
        (None, Some(r)) => r,
        (None, None) => Registry::default_root(),
    }
}
