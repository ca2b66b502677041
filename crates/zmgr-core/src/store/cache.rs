//! Zone entries kept between reads of the registry in one process, for long-running callers
//! (a script creating a hundred zones reads the ledger a hundred times). An entry is used
//! again only while its file's stamp, taken from the handle it would be read from, is the
//! same: any write changes the file's ctime, which no one can set back, so an entry edited by
//! hand, in place, to the same size, is read again. Entries changed in the last two seconds
//! are never kept (the kernel's ctime is coarse). The names in the zones folder are kept the
//! same way, while the folder's stamp is the same. Nothing is kept until a caller turns the
//! cache on: a single command reads each file once anyway.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::fs::trust::Stamp;
use crate::model::zone::ZoneEntry;

#[derive(Default)]
struct Kept {
    entries: HashMap<PathBuf, (Stamp, ZoneEntry)>,
    names: HashMap<PathBuf, (Stamp, Vec<OsString>)>,
}

static CACHE: Mutex<Option<Kept>> = Mutex::new(None);

fn kept() -> std::sync::MutexGuard<'static, Option<Kept>> {
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Turns the cache on for the rest of the process.
pub fn enable() {
    let mut c = kept();
    if c.is_none() {
        *c = Some(Kept::default());
    }
}

pub(crate) fn get(path: &Path, stamp: &Stamp) -> Option<ZoneEntry> {
    kept()
        .as_ref()?
        .entries
        .get(path)
        .filter(|(s, _)| s == stamp)
        .map(|(_, e)| e.clone())
}

/// `f` of the entry kept for `path` with this stamp, without copying it.
pub(crate) fn with<R>(path: &Path, stamp: &Stamp, f: impl FnOnce(&ZoneEntry) -> R) -> Option<R> {
    kept()
        .as_ref()?
        .entries
        .get(path)
        .filter(|(s, _)| s == stamp)
        .map(|(_, e)| f(e))
}

pub(crate) fn put(path: &Path, stamp: Stamp, entry: &ZoneEntry) {
    if let Some(c) = kept().as_mut() {
        c.entries.insert(path.to_path_buf(), (stamp, entry.clone()));
    }
}

/// Keeps the entry this process has just written to `path` as `text`, known by the stamp the
/// file has now, though that stamp is recent: zmgr writes by renaming a new file into place,
/// so another zmgr's write changes the inode, and only a hand edit in place within the same
/// clock tick, while this process runs, could keep the stamp. Without this, a script making a
/// hundred zones would read every one it made again on each call.
pub(crate) fn written(path: &std::path::Path, text: &str) {
    if kept().is_none() {
        return;
    }
    let Some(stamp) = Stamp::of_path(path) else {
        return;
    };
    let Ok(file) = crate::kdl::source_from_bytes(path, text.as_bytes().to_vec()) else {
        return;
    };
    let Ok(doc) = crate::kdl::parse(&file) else {
        return;
    };
    let mut problems = Vec::new();
    if let Some(entry) = ZoneEntry::decode(&file, &doc, &mut problems)
        && problems.is_empty()
    {
        put(path, stamp, &entry);
    }
}

/// The names of the folder `dir` kept when it had the stamp `stamp` (a settled one).
pub(crate) fn names(dir: &Path, stamp: Option<&Stamp>) -> Option<Vec<OsString>> {
    let stamp = stamp?;
    kept()
        .as_ref()?
        .names
        .get(dir)
        .filter(|(s, _)| s == stamp)
        .map(|(_, n)| n.clone())
}

pub(crate) fn remember_names(dir: &Path, stamp: Stamp, names: &[OsString]) {
    if let Some(c) = kept().as_mut() {
        c.names.insert(dir.to_path_buf(), (stamp, names.to_vec()));
    }
}
