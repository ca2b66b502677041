//! Taking back the registry changes a create's hooks made, as its journal lists them
//! (see `ops::journal`): by the create's undo, or by `reconcile --fix` after a crash.

use crate::error::Result;
use crate::ops::journal::{Change, Journal};
use crate::ops::session::Session;

/// What taking changes back did.
#[derive(Debug, Default)]
pub struct Undone {
    pub done: Vec<String>,
    pub failed: Vec<String>,
}

/// Takes `journal`'s changes back, newest first, each only as far as nobody changed the same
/// thing since: an address given back is reserved again only if it is still free, a publisher
/// file is restored only if it is as the hook left it.
pub fn undo(session: &Session, journal: &Journal) -> Undone {
    let mut out = Undone::default();
    for change in journal.changes().iter().rev() {
        match undo_one(session, change) {
            Ok(true) => out.done.push(change.describe()),
            Ok(false) => {}
            Err(e) => out.failed.push(format!("{}: {e}", change.describe())),
        }
    }
    out
}

/// Takes one change back; `false` when there was nothing to take back.
fn undo_one(session: &Session, change: &Change) -> Result<bool> {
    match change {
        Change::Reserved { pool, ip } => crate::ops::pools::unreserve(session, pool, *ip),
        Change::Released { pool, ip } => crate::ops::pools::reserve_again(session, pool, *ip),
        Change::Publisher {
            name,
            before,
            after,
        } => crate::ops::publishers::restore(session, name, before.as_deref(), after.as_deref()),
    }
}
