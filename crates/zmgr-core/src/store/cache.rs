//! Zone entries kept between reads of the registry in one process, for long-running callers
//! (a script creating a hundred zones reads the ledger a hundred times). An entry is used
//! again only while its file's stamp, taken from the handle it would be read from, is the
//! same: any write changes the file's ctime, which no one can set back, so an entry edited by
//! hand, in place, to the same size, is read again. Entries changed in the last two seconds
//! are never kept (the kernel's ctime is coarse). Nothing is kept until a caller turns the
//! cache on: a single command reads each file once anyway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::fs::trust::Stamp;
use crate::model::zone::ZoneEntry;

static CACHE: Mutex<Option<HashMap<PathBuf, (Stamp, ZoneEntry)>>> = Mutex::new(None);

/// Turns the cache on for the rest of the process.
pub fn enable() {
    let mut c = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if c.is_none() {
        *c = Some(HashMap::new());
    }
}

pub(crate) fn get(path: &Path, stamp: &Stamp) -> Option<ZoneEntry> {
    let c = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    c.as_ref()?
        .get(path)
        .filter(|(s, _)| s == stamp)
        .map(|(_, e)| e.clone())
}

pub(crate) fn put(path: &Path, stamp: Stamp, entry: &ZoneEntry) {
    let mut c = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(map) = c.as_mut() {
        map.insert(path.to_path_buf(), (stamp, entry.clone()));
    }
}
