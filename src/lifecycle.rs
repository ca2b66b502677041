//! Zones after creation: boot, halt, reboot and destroy, with the registry kept true to the
//! system.

use serde::Serialize;

use crate::core::Core;
use crate::error::{Error, Result};
use crate::exec::{CommandLine, Tool};
use crate::registry::Registry;
use crate::zone::{ZoneEntry, ZoneState};
use crate::zoneadm::ListedZone;

/// The zone as the system sees it, `None` when it is not configured there.
pub fn system_zone(core: &Core, name: &str) -> Result<Option<ListedZone>> {
    let out = core.run(&crate::zoneadm::list_all())?;
    let zones = crate::zoneadm::parse_list(&out.stdout).map_err(Error::failed)?;
    Ok(zones.into_iter().find(|z| z.name == name))
}

/// The registry entry of `name`, or an error that says how to adopt a zone made elsewhere.
/// `crashed_ok`: whether the verb may act on what an interrupted create left (destroy may,
/// and cleans it up; boot and halt may not).
fn entry<'r>(registry: &'r Registry, name: &str, crashed_ok: bool) -> Result<&'r ZoneEntry> {
    let entry = registry.zones.get(name).ok_or_else(|| Error::NotFound {
        kind: "zone",
        name: name.to_string(),
        help: Some(format!(
            "zmgr only manages zones in its registry; if {name} was made by hand, `zmgr import {name}` adopts it"
        )),
    })?;
    // A zone being made belongs to its create (and its undo) until that ends.
    if entry.state == ZoneState::Creating {
        if crate::zone::create_running(&registry.root, name) {
            return Err(
                Error::failed(format!("zone {name} is being created right now"))
                    .with_help("wait for the create to finish (or fail and undo itself)"),
            );
        }
        if !crashed_ok {
            return Err(Error::failed(format!(
                "zone {name} was left half made by an interrupted create"
            ))
            .with_help(format!(
                "`zmgr destroy {name}` or `zmgr reconcile --fix` removes what it left"
            )));
        }
    }
    Ok(entry)
}

/// Records the state the system reports for the zone.
fn record_state(core: &Core, name: &str) -> Result<ZoneState> {
    let state = match system_zone(core, name)? {
        Some(z) => z.state.parse::<ZoneState>().map_err(|()| {
            Error::failed(format!(
                "zoneadm reports zone {name} in unknown state `{}`",
                z.state
            ))
        })?,
        None => {
            return Err(Error::failed(format!(
                "zone {name} is in the registry but not configured on the system"
            )));
        }
    };
    let _lock = core.lock()?;
    crate::zone::set_entry_state(core.root(), name, state)?;
    Ok(state)
}

/// The three state changes after creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Boot,
    Halt,
    Reboot,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Boot => "boot",
            Action::Halt => "halt",
            Action::Reboot => "reboot",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Action::Boot => "booting",
            Action::Halt => "halting",
            Action::Reboot => "rebooting",
        }
    }
}

/// `zmgr boot|halt|reboot NAME`: runs zoneadm, then records the state the system reports.
pub fn change(
    core: &mut Core,
    registry: &Registry,
    name: &str,
    action: Action,
) -> Result<ZoneState> {
    entry(registry, name, false)?;
    let verb = action.verb();
    let cmd = CommandLine::new(Tool::Zoneadm, ["-z", name, verb]);
    let result = core.run_step(&format!("{} zone {name}", action.doing()), &cmd);
    // Whatever happened, the registry should say what the system now says.
    let state = record_state(core, name);
    result?;
    state
}

/// Whether a zone in `state` has a kernel zone to halt first.
pub fn is_up(state: &str) -> bool {
    matches!(
        state,
        "running" | "ready" | "shutting_down" | "down" | "mounted"
    )
}

/// The VNICs of the system, asked only when the entry has VNICs zmgr made.
pub fn present_vnics(core: &Core, entry: &ZoneEntry) -> Result<Vec<String>> {
    if !entry.nets.iter().any(|n| n.vnic) {
        return Ok(Vec::new());
    }
    let out = core.run(&crate::dladm::show_vnics())?;
    let vnics = crate::dladm::parse_show_vnic(&out.stdout).map_err(Error::failed)?;
    Ok(vnics.into_iter().map(|v| v.link).collect())
}

/// The commands that take a zone and the VNICs zmgr made for it off the system, in order,
/// for what exists of them (`listed`: the zone as zoneadm lists it; `vnics`: the VNICs the
/// system has). What is already gone is noted in `skipped`.
pub fn teardown(
    name: &str,
    listed: Option<&ListedZone>,
    entry: &ZoneEntry,
    vnics: &[String],
    skipped: &mut Vec<String>,
) -> Vec<(String, CommandLine)> {
    let mut steps = Vec::new();
    match listed {
        None => skipped.push(format!("zone {name} is not configured on the system")),
        Some(z) => {
            if is_up(&z.state) {
                steps.push((
                    format!("halting zone {name}"),
                    CommandLine::new(Tool::Zoneadm, ["-z", name, "halt"]),
                ));
            }
            if z.state != "configured" {
                steps.push((
                    format!("uninstalling zone {name}"),
                    CommandLine::new(Tool::Zoneadm, ["-z", name, "uninstall", "-F"]),
                ));
            } else {
                skipped.push(format!("zone {name} is not installed"));
            }
            steps.push((
                format!("deleting the configuration of zone {name}"),
                CommandLine::new(Tool::Zonecfg, ["-z", name, "delete", "-F"]),
            ));
        }
    }
    // One VNIC may carry several addresses, so several nets: it is deleted once.
    let mut seen = std::collections::HashSet::new();
    for v in entry
        .nets
        .iter()
        .filter(|n| n.vnic)
        .map(|n| n.physical.as_str())
    {
        if !seen.insert(v) {
            continue;
        }
        if vnics.iter().any(|p| p == v) {
            steps.push((format!("deleting VNIC {v}"), crate::dladm::delete_vnic(v)));
        } else {
            skipped.push(format!("VNIC {v} is already gone"));
        }
    }
    steps
}

/// What `destroy` did or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Destroyed {
    pub zone: String,
    /// Commands run (or, with --dry-run, to be run), as typed.
    pub commands: Vec<String>,
    /// Parts that were already gone.
    pub skipped: Vec<String>,
}

/// `zmgr destroy NAME`: halt, uninstall, delete the configuration, delete the VNICs zmgr made,
/// remove the entry. Parts already gone are skipped and reported; running it again after a
/// failure finishes the job.
pub fn destroy(
    core: &mut Core,
    registry: &Registry,
    name: &str,
    dry_run: bool,
) -> Result<Destroyed> {
    let entry = entry(registry, name, true)?;
    let mut report = Destroyed {
        zone: name.to_string(),
        ..Destroyed::default()
    };
    let listed = system_zone(core, name)?;
    let vnics = present_vnics(core, entry)?;
    let steps = teardown(name, listed.as_ref(), entry, &vnics, &mut report.skipped);
    report.commands = steps.iter().map(|(_, c)| core.display(c)).collect();
    if dry_run {
        return Ok(report);
    }
    let hooks = destroy_hooks(core, registry, entry)?;
    if let Some(h) = hooks.as_ref().filter(|h| h.has("pre-destroy")) {
        core.note(&format!("running the pre-destroy hook of zone {name}"));
        h.run("pre-destroy")?;
    }
    for (message, cmd) in &steps {
        if let Err(e) = core.run_step(message, cmd) {
            let _ = record_state(core, name);
            return Err(Error::Failed {
                message: format!("could not destroy zone {name}: {e}"),
                help: Some(format!(
                    "the registry entry is kept, so its address stays reserved; fix the cause and run `zmgr destroy {name}` again"
                )),
            });
        }
    }
    {
        let _lock = core.lock()?;
        crate::zone::remove_entry(core.root(), name)?;
    }
    if let Some(h) = hooks.as_ref().filter(|h| h.has("post-destroy")) {
        core.note(&format!("running the post-destroy hook of zone {name}"));
        h.run("post-destroy").map_err(|e| {
            Error::failed(format!(
                "zone {name} was destroyed, but its post-destroy hook failed: {e}"
            ))
        })?;
    }
    Ok(report)
}

/// The destroy hooks of the template the zone was made from, if it still exists and has any.
fn destroy_hooks(
    core: &Core,
    registry: &Registry,
    entry: &ZoneEntry,
) -> Result<Option<crate::script::hooks::Hooks>> {
    let Some(t) = entry
        .template
        .as_ref()
        .and_then(|t| registry.templates.get(&t.value))
    else {
        return Ok(None);
    };
    if !t.hooks.iter().any(|(p, _)| p.value.ends_with("-destroy")) {
        return Ok(None);
    }
    let net = entry.nets.first();
    let zone = crate::script::hooks::HookZone {
        name: entry.name.value.clone(),
        address: net
            .and_then(|n| n.address)
            .map(|a| a.ip.to_string())
            .unwrap_or_default(),
        prefix: net
            .and_then(|n| n.address)
            .and_then(|a| a.prefix)
            .unwrap_or(0),
        gateway: net
            .and_then(|n| n.pool.as_ref())
            .and_then(|p| registry.pools.get(p))
            .and_then(|p| p.gateway.as_ref())
            .map(|g| g.value.to_string()),
        pool: net.and_then(|n| n.pool.clone()).unwrap_or_default(),
        brand: entry.brand.clone(),
        zonepath: entry.zonepath.clone(),
        template: t.name.value.clone(),
        vnic: net.map(|n| n.physical.clone()).unwrap_or_default(),
    };
    crate::script::hooks::Hooks::load(
        t,
        &registry.config.script_limits,
        zone,
        Some(core.shared_runner()),
        core.root(),
    )
    .map(Some)
}
