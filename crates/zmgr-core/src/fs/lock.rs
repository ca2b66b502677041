//! zmgr's locks: the registry lock, one exclusive `flock` held only around short
//! read-modify-write steps (allocating an address, editing a file), never around installs;
//! the lock of each create, held from before its entry appears until the create ends; and
//! the lock of each zone's state changes (boot, halt, snapshots, being cloned).
//!
//! Lock files live in `ROOT/.zmgr/` (mode 0700, files 0600), apart from the files people
//! read: a user who can read the registry cannot open them, so cannot `flock` them to block
//! zmgr or to make a crashed create look like a running one.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while it lives; the lock is released when the file is closed.
#[derive(Debug)]
pub struct RegistryLock {
    _file: File,
}

/// `ROOT/.zmgr`: the folder of zmgr's private files.
pub fn private_dir(root: &Path) -> PathBuf {
    root.join(".zmgr")
}

/// Makes `dir` (mode 0700) when it is missing, and refuses it when someone else could open
/// what is in it: not a real folder, owned by another user, or open to group or others.
pub(crate) fn ensure_private(dir: &Path) -> Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create", dir, e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::io("read", dir, e))?;
    let me = rustix::process::geteuid().as_raw();
    if !meta.file_type().is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(Error::failed(format!(
            "{} is not private to zmgr (owner uid {}, mode {:o}{})",
            dir.display(),
            meta.uid(),
            meta.mode() & 0o7777,
            if meta.file_type().is_symlink() {
                ", a symbolic link"
            } else {
                ""
            }
        ))
        .with_help(format!(
            "zmgr keeps its locks there; remove it, or make it a folder owned by uid {me} with `chmod 700`"
        )));
    }
    Ok(())
}

/// Opens (creating, mode 0600) a lock file in a private folder, never through a link.
fn open_lock(path: &Path, create: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .create(create)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

impl RegistryLock {
    /// Takes the lock, waiting up to `wait` for another process to release it.
    pub fn acquire(root: &Path, wait: Duration) -> Result<RegistryLock> {
        let dir = private_dir(root);
        ensure_private(&dir)?;
        let path = dir.join("registry.lock");
        let file = open_lock(&path, true).map_err(|e| Error::io("open the lock file", &path, e))?;
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
                    return Err(Error::Locked {
                        root: root.to_path_buf(),
                        help: format!(
                            "waited {:.1} s; if no other zmgr is running, a stuck process holds {}",
                            wait.as_secs_f64(),
                            path.display()
                        ),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
            }
        }
    }
}

/// `ROOT/.zmgr/creating/NAME.lock`
fn create_lock_path(root: &Path, zone: &str) -> PathBuf {
    private_dir(root)
        .join("creating")
        .join(format!("{zone}.lock"))
}

/// `ROOT/.zmgr/creating/NAME.journal`: the registry changes a create's hooks made, to be
/// taken back with the create (see `ops::journal`).
pub fn create_journal_path(root: &Path, zone: &str) -> PathBuf {
    private_dir(root)
        .join("creating")
        .join(format!("{zone}.journal"))
}

/// The lock of one create: held from before the zone's entry appears until the create
/// (undo included) is over, so `reconcile` can tell a running create from a crashed one.
/// The tools the create runs inherit it: while any of them still runs, even after zmgr was
/// killed, the create counts as running and nothing cleans up under its feet.
#[derive(Debug)]
pub struct CreateLock {
    file: File,
    path: PathBuf,
}

impl CreateLock {
    /// Takes the lock of `zone`'s create; an error when another create of it holds it.
    pub fn acquire(root: &Path, zone: &str) -> Result<CreateLock> {
        ensure_private(&private_dir(root))?;
        let path = create_lock_path(root, zone);
        ensure_private(path.parent().expect("a folder"))?;
        let file = open_lock(&path, true).map_err(|e| Error::io("open the lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::conflict(format!(
                    "zone {zone} is being created right now"
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        // Open to the tools zmgr starts (not close-on-exec), so that they hold it too.
        rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::empty())
            .map_err(|e| Error::io("share the lock file", &path, e.into()))?;
        Ok(CreateLock { file, path })
    }
}

impl Drop for CreateLock {
    fn drop(&mut self) {
        // The create is over: the name goes first, then the lock with the file.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether a create of `zone` is running (or a tool it started still is): its lock is held.
pub fn create_running(root: &Path, zone: &str) -> bool {
    match open_lock(&create_lock_path(root, zone), false) {
        Ok(f) => matches!(f.try_lock(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Takes a crashed create's lock for a repair, so that no create starts meanwhile and no
/// second repair does the same work; `None` when a create (or its tools) holds it.
pub fn claim_crashed(root: &Path, zone: &str) -> Result<Option<CreateLock>> {
    match CreateLock::acquire(root, zone) {
        Ok(l) => Ok(Some(l)),
        Err(Error::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `ROOT/.zmgr/zones/NAME.lock`
fn zone_lock_path(root: &Path, zone: &str) -> PathBuf {
    private_dir(root).join("zones").join(format!("{zone}.lock"))
}

/// The lock of one zone's state changes: held by boot, halt and reboot, by the snapshot
/// verbs across their check that the zone is halted and their zfs commands, and by a create
/// that clones the zone across its check of the source and the clone. So a boot never runs
/// between a rollback's check and its `zfs rollback`, nor under a clone of the zone. It is
/// not passed to the tools zmgr starts: it ends with the zmgr that holds it.
#[derive(Debug)]
pub struct ZoneLock {
    _file: File,
}

impl ZoneLock {
    /// Takes the lock of `zone`, waiting up to `wait` for another zmgr to release it; a
    /// conflict that says so when it does not.
    pub fn acquire(root: &Path, zone: &str, wait: Duration) -> Result<ZoneLock> {
        ensure_private(&private_dir(root))?;
        let path = zone_lock_path(root, zone);
        ensure_private(path.parent().expect("a folder"))?;
        let file = open_lock(&path, true).map_err(|e| Error::io("open the lock file", &path, e))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(ZoneLock { _file: file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::conflict(format!(
                        "zone {zone} is busy: another zmgr is booting, halting, snapshotting or rolling it back, or cloning it"
                    ))
                    .with_help(format!(
                        "waited {:.1} s; try again when it is done (if no other zmgr is running, a stuck process holds {})",
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
