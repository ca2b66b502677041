//! The host: the illumos tools zmgr drives. `exec` is the only module that spawns a
//! process; each tool's module builds its commands as values and parses its output with
//! pure functions, so both are tested without running anything. `fake` stands in for the
//! host in unit tests.

pub mod dladm;
pub mod exec;
/// Built for tests (this crate's, or another's with the `fake-host` feature), never shipped.
#[cfg(any(test, feature = "fake-host"))]
pub mod fake;
pub mod interrupt;
pub mod ipadm;
pub mod pkg;
pub mod routeadm;
pub mod shared;
pub mod svc;
pub mod zfs;
pub mod zlogin;
pub mod zoneadm;
pub mod zonecfg;
