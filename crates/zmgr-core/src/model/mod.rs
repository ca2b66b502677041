//! The registry's file kinds as typed values. Each kind decodes itself from KDL, checking
//! its own rules and collecting every problem; nothing here touches the disk or the host.

pub mod config;
pub mod held;
pub mod names;
pub mod pool;
pub mod publisher;
pub mod template;
pub mod zone;
pub mod zonecfg_extras;
pub mod zonecfg_value;
