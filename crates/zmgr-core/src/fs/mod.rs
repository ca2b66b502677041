//! Writing registry files: every write is atomic, so a reader sees the old file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

pub mod lock;
pub mod private;
pub mod trust;
pub mod zone_root;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename,
/// and an fsync of the folder so the rename itself survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let (tmp, _) = write_temp(path, bytes)?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("replace", path, e)
    })?;
    sync_parent(path)
}

/// Like [`write_atomic`], but never replaces an existing file. Returns `false` when `path`
/// already existed, in which case nothing was written.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> Result<bool> {
    let (tmp, _file) = write_temp(path, bytes)?;
    // A hard link fails if the target exists, which makes create-if-absent atomic.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_parent(path).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io("create", path, e)),
    }
}

/// Removes a file and makes the removal durable.
pub fn remove(path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|e| Error::io("remove", path, e))?;
    sync_parent(path)
}

/// Creates a folder (and its parents) if it is missing; an existing file in its place is an error.
pub fn ensure_dir(path: &Path) -> Result<bool> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(false),
        Ok(_) => Err(
            Error::usage(format!("{} exists but is not a folder", path.display()))
                .with_help("move it aside; zmgr keeps registry files in a folder there"),
        ),
        Err(_) => fs::create_dir_all(path)
            .map(|()| true)
            .map_err(|e| Error::io("create folder", path, e)),
    }
}

fn write_temp(path: &Path, bytes: &[u8]) -> Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Dot-prefixed so that a crash between write and rename leaves nothing the registry reads.
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(f)
    })();
    match result {
        Ok(f) => Ok((tmp, f)),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(Error::io("write", path, e))
        }
    }
}

fn sync_parent(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // Opening a folder read-only and syncing it is how POSIX makes a rename durable.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zmgr-fsutil-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempdir("replace");
        let p = d.join("a.kdl");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn write_new_never_overwrites() {
        let d = tempdir("new");
        let p = d.join("a.kdl");
        assert!(write_new_atomic(&p, b"one").unwrap());
        assert!(!write_new_atomic(&p, b"two").unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }
}
