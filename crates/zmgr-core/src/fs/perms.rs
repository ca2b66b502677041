//! Hooks and site scripts run as root, so, as sshd's StrictModes does for its files, zmgr
//! refuses a script or template that someone other than root (or the user running zmgr)
//! could have changed.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::Problem;

/// Refuses `path` if it, or the folder holding it, is writable by group or others, or is
/// owned by another user than root or the one running zmgr.
pub fn check(path: &Path) -> Result<(), Problem> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Problem::error(format!(
            "cannot read {}: {}",
            path.display(),
            crate::error::io_reason(&e)
        ))
    })?;
    refuse(path, &meta, "file")?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dmeta = std::fs::metadata(dir).map_err(|e| {
        Problem::error(format!(
            "cannot read folder {}: {}",
            dir.display(),
            crate::error::io_reason(&e)
        ))
    })?;
    refuse(dir, &dmeta, "folder")
}

fn refuse(path: &Path, meta: &std::fs::Metadata, what: &str) -> Result<(), Problem> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = rustix::process::geteuid().as_raw();
    let mode = meta.mode();
    let writable = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => Some("group and others"),
        (true, false) => Some("its group"),
        (false, true) => Some("everyone"),
        (false, false) => None,
    };
    if let Some(who) = writable {
        return Err(Problem::error(format!(
            "refusing {}: the {what} is writable by {who} (mode {:o})",
            path.display(),
            mode & 0o7777
        ))
        .with_help(format!(
            "scripts run as root; a {what} others can change could make them run anything. Run `chmod go-w {}`",
            path.display()
        )));
    }
    if meta.uid() != 0 && meta.uid() != me {
        return Err(Problem::error(format!(
            "refusing {}: the {what} belongs to user id {}, not to root",
            path.display(),
            meta.uid()
        ))
        .with_help(format!(
            "scripts run as root; `chown root {}` if it is trusted",
            path.display()
        )));
    }
    Ok(())
}
