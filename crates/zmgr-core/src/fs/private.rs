//! zmgr's own files beside its locks in `ROOT/.zmgr/` (mode 0700): written whole, through a
//! temporary file only root can open, then renamed into place. They hold what can be built
//! again from the registry (the zone index), so they are not synced to disk: after a crash a
//! reader finds the old file, the new one, or one that fails its check and is rebuilt.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::fs::lock::{ensure_private, private_dir};

/// [`ensure_private`] for a folder that must exist already (none is made).
fn ensure_private_existing(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => ensure_private(dir),
        _ => Err(Error::failed(format!("{} is not a folder", dir.display()))),
    }
}

/// The marker in a temporary file's name, after the file's own name: `NAME.tmp.PID.N`.
const TEMP: &str = ".tmp.";

/// Replaces `ROOT/.zmgr/NAME` with `bytes`.
pub fn write(root: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = private_dir(root);
    ensure_private(&dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(
        "{name}{TEMP}{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, &path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", &path, e)
    })
}

/// This registry's identity, `ROOT/.zmgr/host-id` (32 hex digits), if it has one yet. A
/// shared ledger registers it under this host's name, so that two registries never pass for
/// one host.
pub fn existing_host_id(root: &Path) -> Result<Option<String>> {
    let path = private_dir(root).join("host-id");
    match crate::fs::trust::read(&path, 64) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).trim_end().to_string();
            if text.len() == 32 && text.bytes().all(|c| c.is_ascii_hexdigit()) {
                Ok(Some(text))
            } else {
                Err(Error::failed(format!(
                    "{} is not 32 hex digits; restore it from a backup, or remove it and its host's key in etcd (PREFIX/hosts/HOST) to make a new identity",
                    path.display()
                )))
            }
        }
        Err(crate::fs::trust::OpenError::Missing) => Ok(None),
        Err(crate::fs::trust::OpenError::Untrusted(u)) => {
            Err(Error::failed(format!("refusing {u}")).with_help(u.fix))
        }
        Err(crate::fs::trust::OpenError::Io(why)) => {
            Err(Error::failed(format!("cannot read {why}")))
        }
        Err(_) => Err(Error::failed(format!(
            "{} is not a regular file",
            path.display()
        ))),
    }
}

/// This registry's identity ([`existing_host_id`]), made at random and kept (written
/// durably) the first time it is needed.
pub fn host_id(root: &Path) -> Result<String> {
    if let Some(id) = existing_host_id(root)? {
        return Ok(id);
    }
    let dir = private_dir(root);
    ensure_private(&dir)?;
    let mut random = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
        .map_err(|e| Error::io("read", "/dev/urandom", e))?;
    let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
    // Another zmgr may make it at the same moment: then its identity is the one.
    if crate::fs::write_new_atomic(&dir.join("host-id"), format!("{id}\n").as_bytes())? {
        return Ok(id);
    }
    existing_host_id(root)?
        .ok_or_else(|| Error::failed(format!("cannot make {}", dir.join("host-id").display())))
}

/// Removes the temporary files of writers that are gone (a `kill -9` between the write and
/// the rename); a live writer's file is left to it.
pub fn sweep(root: &Path) {
    let dir = private_dir(root);
    // Only in the folder zmgr keeps private: never through a link, nor in one others own.
    if ensure_private_existing(&dir).is_err() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once(TEMP))
            .and_then(|(_, rest)| rest.split_once('.'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if !alive(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether a process `pid` exists (signal 0 asks without sending anything).
fn alive(pid: i32) -> bool {
    if pid == std::process::id() as i32 {
        return true;
    }
    match rustix::process::Pid::from_raw(pid) {
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_files_and_sweeps_only_dead_writers_temporaries() {
        let root = std::env::temp_dir().join(format!("zmgr-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        write(&root, "zones.index", b"one").unwrap();
        write(&root, "zones.index", b"two").unwrap();
        let dir = private_dir(&root);
        assert_eq!(std::fs::read(dir.join("zones.index")).unwrap(), b"two");
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            std::fs::metadata(dir.join("zones.index")).unwrap().mode() & 0o777,
            0o600
        );
        // No pid is this large on Linux or illumos: a dead writer's leftover.
        std::fs::write(dir.join("zones.index.tmp.2147483646.0"), b"x").unwrap();
        let mine = format!("zones.index.tmp.{}.99", std::process::id());
        std::fs::write(dir.join(&mine), b"x").unwrap();
        sweep(&root);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [String::from("zones.index"), mine]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
