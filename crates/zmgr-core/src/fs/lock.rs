//! The registry lock: one exclusive `flock` on `ROOT/.lock`, held only around short
//! read-modify-write steps (allocating an address, editing a file), never around installs.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while it lives; the lock is released when the file is closed.
#[derive(Debug)]
pub struct RegistryLock {
    _file: File,
}

impl RegistryLock {
    /// Takes the lock, waiting up to `wait` for another process to release it.
    pub fn acquire(root: &Path, wait: Duration) -> Result<RegistryLock> {
        let path = root.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("open the lock file", &path, e))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RegistryLock { _file: file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::failed(format!(
                        "the registry at {} is locked by another zmgr process",
                        root.display()
                    ))
                    .with_help(format!(
                        "waited {:.1} s; if no other zmgr is running, a stuck process holds {}",
                        wait.as_secs_f64(),
                        path.display()
                    )));
                }
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
            }
        }
    }
}

/// How long a verb waits for the registry lock by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);
