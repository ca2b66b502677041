//! The operations, each over a [`session::Session`]: the registry root, the host runner,
//! the progress display and the hooks. Every verb of the command line and every function of
//! the script API calls one of these.

pub mod bulk;
pub mod clone;
pub mod create;
pub mod hooks;
pub mod host;
pub mod import;
pub mod journal;
pub mod journal_undo;
pub mod lifecycle;
pub mod login;
pub mod modify;
pub mod pools;
pub mod progress;
pub mod publishers;
pub mod reconcile;
pub mod session;
pub mod shared_pools;
pub mod shutdown;
pub mod snapshots;
pub mod teardown;
pub mod view;
pub mod zonecfg_origin;

#[cfg(test)]
mod tests;
