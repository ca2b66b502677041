//! The registry changes a create's hooks make through the script API (an address reserved or
//! given back, a publisher added, extended or removed) belong to the create: each is written
//! to the create's journal before it is made, so the create's undo takes them back, and after
//! a crash `reconcile --fix` does. The journal lives beside the create's lock, in
//! `ROOT/.zmgr/creating/NAME.journal`, a folder only zmgr can open.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// One registry change, as it can be taken back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `zmgr::allocate(pool)` reserved `ip`.
    Reserved { pool: String, ip: IpAddr },
    /// `zmgr::release(pool, ip)` gave `ip` back.
    Released { pool: String, ip: IpAddr },
    /// A publisher file went from `before` to `after` (`None`: no file).
    Publisher {
        name: String,
        before: Option<Vec<u8>>,
        after: Option<Vec<u8>>,
    },
}

impl Change {
    /// What the change did, for the undo's report.
    pub fn describe(&self) -> String {
        match self {
            Change::Reserved { pool, ip } => {
                format!("the hook's reservation of {ip} in pool {pool}")
            }
            Change::Released { pool, ip } => format!("the hook's release of {ip} in pool {pool}"),
            Change::Publisher {
                name, before: None, ..
            } => format!("publisher {name}, added by a hook"),
            Change::Publisher {
                name, after: None, ..
            } => format!("publisher {name}, removed by a hook"),
            Change::Publisher { name, .. } => format!("the hook's edit of publisher {name}"),
        }
    }

    fn to_line(&self) -> String {
        let bytes = |b: &Option<Vec<u8>>| match b {
            None => "-".to_string(),
            Some(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        };
        match self {
            Change::Reserved { pool, ip } => format!("reserved {pool} {ip}"),
            Change::Released { pool, ip } => format!("released {pool} {ip}"),
            Change::Publisher {
                name,
                before,
                after,
            } => format!("publisher {name} {} {}", bytes(before), bytes(after)),
        }
    }

    /// Reads a journal line back, checking every value as the registry does.
    fn from_line(line: &str) -> Option<Change> {
        let bytes = |s: &str| -> Option<Option<Vec<u8>>> {
            if s == "-" {
                return Some(None);
            }
            if !s.len().is_multiple_of(2) {
                return None;
            }
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()
                .map(Some)
        };
        let pool = |p: &str| crate::model::names::object_name_error("pool", p).is_none();
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["reserved", p, ip] if pool(p) => Some(Change::Reserved {
                pool: p.to_string(),
                ip: ip.parse().ok()?,
            }),
            ["released", p, ip] if pool(p) => Some(Change::Released {
                pool: p.to_string(),
                ip: ip.parse().ok()?,
            }),
            ["publisher", n, before, after]
                if crate::model::publisher::publisher_name_error(n).is_none() =>
            {
                Some(Change::Publisher {
                    name: n.to_string(),
                    before: bytes(before)?,
                    after: bytes(after)?,
                })
            }
            _ => None,
        }
    }
}

/// A create's journal, shared by the create and the sessions of its hooks.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    changes: Vec<Change>,
}

/// Journals are small: a create's hooks make a handful of changes.
const JOURNAL_LIMIT: u64 = 16 << 20;

impl Journal {
    /// The journal of `zone`'s create, empty; called with the create's lock held, so a journal
    /// left there is a finished create's and is dropped.
    pub fn start(root: &Path, zone: &str) -> Result<Journal> {
        let path = crate::fs::lock::create_journal_path(root, zone);
        if path.exists() {
            crate::fs::remove(&path)?;
        }
        Ok(Journal {
            inner: Arc::new(Mutex::new(Inner {
                path,
                changes: Vec::new(),
            })),
        })
    }

    /// Notes `change` on disk before it is made: if zmgr dies in between, the undo finds it
    /// not made and leaves it.
    pub fn record(&self, change: Change) -> Result<()> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.changes.push(change);
        let text: String = inner.changes.iter().map(|c| c.to_line() + "\n").collect();
        crate::fs::write_atomic(&inner.path, text.as_bytes())
    }

    /// The changes so far, oldest first.
    pub fn changes(&self) -> Vec<Change> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .changes
            .clone()
    }

    /// The create is over (or was taken back): the journal goes.
    pub fn finish(&self) -> Result<()> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match std::fs::symlink_metadata(&inner.path) {
            Ok(_) => crate::fs::remove(&inner.path),
            Err(_) => Ok(()),
        }
    }

    /// The journal a crashed create of `zone` left, oldest change first; empty when none.
    /// Called with the create's lock claimed.
    pub fn left_by_crash(root: &Path, zone: &str) -> Result<Journal> {
        let path = crate::fs::lock::create_journal_path(root, zone);
        let text = match crate::fs::trust::read(&path, JOURNAL_LIMIT) {
            Ok(b) => b,
            Err(crate::fs::trust::OpenError::Missing) => Vec::new(),
            Err(e) => {
                return Err(Error::failed(format!(
                    "cannot read the journal of zone {zone}'s create, {}: {}",
                    path.display(),
                    crate::store::registry::describe(e)
                )));
            }
        };
        let text = String::from_utf8(text).map_err(|_| {
            Error::failed(format!(
                "{} is not text; zmgr did not write it",
                path.display()
            ))
        })?;
        let mut changes = Vec::new();
        for (n, line) in text.lines().enumerate() {
            changes.push(Change::from_line(line).ok_or_else(|| {
                Error::failed(format!(
                    "{} line {}: {} is not a journal line zmgr writes",
                    path.display(),
                    n + 1,
                    crate::text::shown(line)
                ))
                .with_help("look at it, undo by hand what it names, and remove the file")
            })?);
        }
        Ok(Journal {
            inner: Arc::new(Mutex::new(Inner { path, changes })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_and_hostile_lines_are_refused() {
        let changes = [
            Change::Reserved {
                pool: "lan".into(),
                ip: "10.0.0.5".parse().unwrap(),
            },
            Change::Released {
                pool: "v6".into(),
                ip: "2001:db8::7".parse().unwrap(),
            },
            Change::Publisher {
                name: "omnios".into(),
                before: None,
                after: Some(b"publisher \"omnios\" {\n}\n".to_vec()),
            },
            Change::Publisher {
                name: "extra".into(),
                before: Some(vec![0, 255, 10]),
                after: None,
            },
        ];
        for c in changes {
            assert_eq!(Change::from_line(&c.to_line()), Some(c));
        }
        for bad in [
            "",
            "reserved lan",
            "reserved ../x 10.0.0.1",
            "reserved lan 10.0.0.999",
            "released lan 10.0.0.1 extra",
            "publisher omnios 0g -",
            "publisher omnios abc -",
            "publisher ../etc - -",
            "deleted lan 10.0.0.1",
        ] {
            assert_eq!(Change::from_line(bad), None, "{bad:?}");
        }
    }
}
