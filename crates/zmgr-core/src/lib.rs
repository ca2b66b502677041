//! zmgr-core: everything zmgr knows and does, without a command line or a script engine.
//!
//! It owns the model (names, templates, pools, zone entries, publishers, config), the
//! registry on disk, IP allocation, the host layer (each illumos tool's commands as values
//! and its output parsed by pure functions) and the operations (create, destroy, lifecycle,
//! import, reconcile, pool and publisher edits). Layers, bottom up; a module only uses the
//! ones below it (a test in `tests/layers.rs` holds this):
//!
//! ```text
//! command, suggest,    commands as values; "did you mean"; values quoted safely in
//!   text, time           messages; timestamps
//! error                  diagnostics and the errors an operation ends with
//! fs, kdl                atomic writes, locks, safe opens; KDL reading and editing
//! model                  the registry's file kinds as typed values, with their rules
//! host                   running tools: exec, zoneadm, zonecfg, dladm; a fake host for tests
//! store                  the registry folder: load, check, entry files, init
//! ops                    the operations, over a Session (root, host runner, progress, hooks)
//! ```

pub mod command;
pub mod error;
pub mod fs;
pub mod host;
pub mod kdl;
pub mod model;
pub mod ops;
pub mod store;
pub mod suggest;
pub mod text;
pub mod time;

/// The names most callers need.
pub mod prelude {
    pub use crate::error::{Error, Problem, Problems, Result, SourceFile};
    pub use crate::kdl::Spanned;
    pub use crate::model::config::Config;
    pub use crate::model::pool::{Pool, Usage};
    pub use crate::model::publisher::Publisher;
    pub use crate::model::template::{IpType, Template};
    pub use crate::model::zone::{Net, ZoneAddress, ZoneEntry, ZoneState};
    pub use crate::store::registry::{Kind, Registry};
}
