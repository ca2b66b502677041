//! zmgr: a zone manager for illumos.
//!
//! zmgr makes zones from KDL templates, gives each an address from a named pool, and keeps a
//! flat-file registry (by default under `/etc/zmgr`) whose zone entries are also the IP
//! ledger. The library holds every decision; `main.rs` only parses arguments and prints.

pub mod cli;
pub mod config;
pub mod core;
pub mod create;
pub mod dladm;
pub mod error;
pub mod exec;
pub mod fsutil;
pub mod import;
pub mod init;
pub mod interrupt;
pub mod kdl_fast;
pub mod kdl_util;
pub mod lifecycle;
pub mod lock;
pub mod names;
pub mod output;
pub mod pool;
pub mod progress;
pub mod publisher;
pub mod reconcile;
pub mod registry;
pub mod sandbox;
pub mod script;
pub mod template;
pub mod time;
pub mod view;
pub mod zone;
pub mod zoneadm;
pub mod zonecfg;

/// The names most callers need.
pub mod prelude {
    pub use crate::config::Config;
    pub use crate::error::{Error, Problem, Problems, Result, SourceFile};
    pub use crate::kdl_util::Spanned;
    pub use crate::pool::{Pool, Usage};
    pub use crate::publisher::Publisher;
    pub use crate::registry::{Kind, Registry};
    pub use crate::template::{IpType, Template};
    pub use crate::zone::{Net, ZoneAddress, ZoneEntry, ZoneState};
}
