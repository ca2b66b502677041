//! Template hooks as the operations see them: a zone's hooks are loaded before anything
//! changes and run at their points. The script engine lives in another crate, which
//! implements [`HookEngine`]; a session without one refuses templates that have hooks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::exec::Runner;
use crate::model::config::Scripting;
use crate::model::template::{Attr, HookPoint, Resource, Template};
use crate::model::zone::ZoneEntry;
use crate::store::registry::Registry;

/// The zone a hook runs for. `address`, `prefix`, `gateway`, `pool` and `vnic` are its first
/// interface's (empty when it has none); `nets` has them all.
#[derive(Debug, Clone, Serialize)]
pub struct HookZone {
    pub name: String,
    pub address: String,
    pub prefix: u8,
    pub gateway: Option<String>,
    pub pool: String,
    pub brand: String,
    pub zonepath: PathBuf,
    pub template: String,
    pub vnic: String,
    pub nets: Vec<HookNet>,
}

/// One interface of the zone a hook runs for.
#[derive(Debug, Clone, Serialize)]
pub struct HookNet {
    pub pool: String,
    pub address: String,
    pub prefix: u8,
    pub gateway: Option<String>,
    pub vnic: String,
}

impl HookZone {
    /// The zone with these interfaces, the first one's also at the top.
    pub fn new(
        name: &str,
        brand: &str,
        zonepath: &std::path::Path,
        template: &str,
        nets: Vec<HookNet>,
    ) -> HookZone {
        let first = nets.first();
        HookZone {
            name: name.to_string(),
            address: first.map(|n| n.address.clone()).unwrap_or_default(),
            prefix: first.map_or(0, |n| n.prefix),
            gateway: first.and_then(|n| n.gateway.clone()),
            pool: first.map(|n| n.pool.clone()).unwrap_or_default(),
            brand: brand.to_string(),
            zonepath: zonepath.to_path_buf(),
            template: template.to_string(),
            vnic: first.map(|n| n.vnic.clone()).unwrap_or_default(),
            nets,
        }
    }

    /// The zone of a registry entry, as its destroy hooks see it (its first net).
    pub fn of_entry(entry: &ZoneEntry, template: &str, registry: &Registry) -> HookZone {
        // The gateway as create gives it by default: to the first interface only (an entry
        // does not record a `defrouter` a template gave another one).
        let nets = entry
            .nets
            .iter()
            .enumerate()
            .map(|(i, n)| HookNet {
                pool: n.pool.clone().unwrap_or_default(),
                address: n.address.map(|a| a.ip.to_string()).unwrap_or_default(),
                prefix: n.address.and_then(|a| a.prefix).unwrap_or(0),
                gateway: n
                    .pool
                    .as_ref()
                    .filter(|_| i == 0)
                    .and_then(|p| registry.pools.get(p))
                    .and_then(|p| p.gateway.as_ref())
                    .map(|g| g.value.to_string()),
                vnic: n.physical.clone(),
            })
            .collect();
        HookZone::new(
            &entry.name.value,
            &entry.brand,
            &entry.zonepath,
            template,
            nets,
        )
    }
}

/// What pre-install hooks added to a create's plan.
#[derive(Debug, Clone, Default)]
pub struct Additions {
    pub attrs: Vec<Attr>,
    pub resources: Vec<Resource>,
    pub packages: Vec<String>,
}

/// One zone's hooks, compiled.
pub trait ZoneHooks {
    fn has(&self, point: HookPoint) -> bool;
    /// Runs the scripts for `point`, in the order the template lists them.
    fn run(&self, point: HookPoint) -> Result<()>;
    /// What pre-install hooks added so far.
    fn additions(&self) -> Additions;
}

/// Where a zone's hooks come from: the script engine.
pub trait HookEngine: Send + Sync {
    /// Loads and compiles `template`'s hooks for `zone`, so that a broken one fails before
    /// anything changes. `runner` is `None` for a dry run: nothing may touch the system.
    /// Registry changes the hooks make go to `journal`, the create's, when there is one.
    fn load(
        &self,
        template: &Template,
        scripting: &Scripting,
        zone: HookZone,
        runner: Option<Arc<dyn Runner + Send + Sync>>,
        root: &Path,
        journal: Option<crate::ops::journal::Journal>,
    ) -> Result<Box<dyn ZoneHooks>>;
}

/// The engine of a session that has no script engine: a template with hooks is refused.
pub struct NoHooks;

impl HookEngine for NoHooks {
    fn load(
        &self,
        template: &Template,
        _: &Scripting,
        _: HookZone,
        _: Option<Arc<dyn Runner + Send + Sync>>,
        _: &Path,
        _: Option<crate::ops::journal::Journal>,
    ) -> Result<Box<dyn ZoneHooks>> {
        Err(Error::usage(format!(
            "template `{}` has hooks, and this program runs no scripts",
            template.name.value
        )))
    }
}
