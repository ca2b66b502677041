//! The state directory: one JSON file replaced atomically, guarded by an
//! flock so that concurrent invocations serialise their updates.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::state::State;

pub const STATE_FILE: &str = "state.json";
pub const LOCK_FILE: &str = "lock";

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open(dir: &Path) -> io::Result<Store> {
        fs::create_dir_all(dir)?;
        Ok(Store {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock_file(&self) -> io::Result<File> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_FILE))
    }

    /// Runs `f` with the directory's exclusive lock held.
    pub fn locked<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        let lock = self.lock_file()?;
        lock.lock()?;
        let r = f();
        lock.unlock()?;
        r
    }

    fn load(&self) -> io::Result<State> {
        match fs::read_to_string(self.dir.join(STATE_FILE)) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", self.dir.join(STATE_FILE).display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e),
        }
    }

    /// A consistent snapshot of the state.
    pub fn read(&self) -> io::Result<State> {
        let lock = self.lock_file()?;
        lock.lock_shared()?;
        let s = self.load();
        lock.unlock()?;
        s
    }

    /// Loads, lets `f` change the state, and writes it back if it changed,
    /// all under the exclusive lock.
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> io::Result<R> {
        self.locked(|| {
            let mut state = self.load()?;
            let before = serde_json::to_string(&state).map_err(io::Error::other)?;
            let r = f(&mut state);
            let after = serde_json::to_string_pretty(&state).map_err(io::Error::other)?;
            if serde_json::to_string(&state).map_err(io::Error::other)? != before {
                write_atomic(&self.dir.join(STATE_FILE), after.as_bytes())?;
            }
            Ok(r)
        })
    }
}

/// Writes a temporary file beside `path`, syncs it, renames it over `path`
/// and syncs the directory, so readers see the old or the new file whole.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
