//! The registry folder: reading and checking every file, writing zone entries, `init`.

pub mod cache;
pub mod check;
pub mod entries;
pub mod index;
pub mod init;
pub mod kind;
pub mod ledger;
pub mod lookup;
pub mod needs;
pub mod registry;
