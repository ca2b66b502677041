//! Zones after creation: boot, halt, reboot and destroy, with the registry kept true to the
//! system.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::zoneadm::ListedZone;
use crate::model::template::HookPoint;
use crate::model::zone::{ZoneEntry, ZoneState};
use crate::ops::hooks::{HookZone, ZoneHooks};
use crate::ops::session::Session;
use crate::ops::teardown;
use crate::store::registry::Registry;

/// The registry entry of `name`, or an error that says how to adopt a zone made elsewhere.
/// `crashed_ok`: whether the verb may act on what an interrupted create left (destroy may,
/// and cleans it up; boot and halt may not).
pub(crate) fn entry<'r>(
    registry: &'r Registry,
    name: &str,
    crashed_ok: bool,
) -> Result<&'r ZoneEntry> {
    // A name zonecfg would refuse names no zone, here or on the system.
    if let Some(why) = crate::model::names::zone_name_error(name) {
        return Err(Error::usage(why));
    }
    let entry = registry.zones.get(name).ok_or_else(|| Error::NotFound {
        kind: "zone",
        name: name.to_string(),
        help: Some(format!(
            "zmgr only manages zones in its registry; if {name} was made by hand, `zmgr import {name}` adopts it"
        )),
    })?;
    // A zone being made belongs to its create (and its undo) until that ends.
    if entry.state == ZoneState::Creating {
        if crate::fs::lock::create_running(&registry.root, name) {
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
pub(crate) fn record_state(core: &Session, name: &str) -> Result<ZoneState> {
    let state = match crate::host::zoneadm::find(core.runner(), name)? {
        Some(z) => z.state,
        None => {
            return Err(Error::failed(format!(
                "zone {name} is in the registry but not configured on the system"
            )));
        }
    };
    let _lock = core.lock()?;
    crate::store::entries::set_entry_state(core.root(), name, state)?;
    Ok(state)
}

/// Records the state the system reports, as [`record_state`]; when another zmgr holds the
/// lock, the zone's state is still returned and a note says the record waits for
/// `reconcile --fix` (the zone changed; only the registry's record of it waits).
pub(crate) fn record_state_or_note(core: &mut Session, name: &str) -> Result<ZoneState> {
    match record_state(core, name) {
        Err(e @ Error::Locked { .. }) => {
            let now = crate::host::zoneadm::find(core.runner(), name)?
                .map(|z| z.state)
                .ok_or(e)?;
            core.note(&format!(
                "zone {name} is {now}, but the registry could not record it (another zmgr holds its lock); `zmgr reconcile --fix` records it"
            ));
            Ok(now)
        }
        other => other,
    }
}

/// The state the system reports for a zone the registry has, or an error saying the system
/// lacks it.
pub(crate) fn system_state(core: &Session, name: &str) -> Result<ZoneState> {
    crate::host::zoneadm::find(core.runner(), name)?
        .map(|z| z.state)
        .ok_or_else(|| {
            Error::failed(format!(
                "zone {name} is in the registry but not configured on the system"
            ))
            .with_help("`zmgr reconcile` compares the registry with the system")
        })
}

/// The three state changes after creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Boot,
    Halt,
    Reboot,
}

impl Action {
    fn doing(self) -> &'static str {
        match self {
            Action::Boot => "booting",
            Action::Halt => "halting",
            Action::Reboot => "rebooting",
        }
    }
}

/// What `boot`, `halt` or `reboot --force` did to a zone (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// The state the system reports afterwards (before, for a dry run).
    pub state: ZoneState,
    /// The command run (with `--dry-run`: that would run), as typed.
    pub commands: Vec<String>,
    pub dry_run: bool,
}

/// `zmgr boot|halt|reboot NAME`: runs zoneadm, then records the state the system reports.
/// With `dry_run`, checks the zone on the system as the change would need it and returns
/// the command, changing nothing.
pub fn change(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    action: Action,
    dry_run: bool,
) -> Result<Changed> {
    let zone = entry(registry, name, false)?;
    let cmd = match action {
        Action::Boot => crate::host::zoneadm::boot(name),
        Action::Halt => crate::host::zoneadm::halt(name),
        Action::Reboot => crate::host::zoneadm::reboot(name),
    };
    if dry_run {
        let state = system_state(core, name)?;
        check_change(name, state, action)?;
        return Ok(Changed {
            state,
            commands: vec![core.display(&cmd)],
            dry_run,
        });
    }
    // Not while a snapshot verb of the zone (between its check that the zone is halted and
    // its zfs commands) or a clone of it runs.
    let _zone_lock = crate::fs::lock::ZoneLock::acquire(core.root(), name, core.lock_wait)?;
    let result = core.run_step(&format!("{} zone {name}", action.doing()), &cmd);
    // Whatever happened, the registry should say what the system now says.
    if let Err(e) = result {
        let _ = record_state(core, name);
        return Err(explain_failed_boot(core, zone, action, e));
    }
    Ok(Changed {
        state: record_state_or_note(core, name)?,
        commands: vec![core.display(&cmd)],
        dry_run,
    })
}

/// Whether zoneadm takes `action` for a zone in `state` (what a dry run predicts): boot needs
/// it installed or ready, halt up, reboot running.
fn check_change(name: &str, state: ZoneState, action: Action) -> Result<()> {
    let (ok, wants) = match action {
        Action::Boot => (
            matches!(state, ZoneState::Installed | ZoneState::Ready),
            "installed",
        ),
        Action::Halt => (state.is_up(), "up (ready or running)"),
        Action::Reboot => (state == ZoneState::Running, "running"),
    };
    if ok {
        return Ok(());
    }
    let verb = match action {
        Action::Boot => "boot",
        Action::Halt => "halt",
        Action::Reboot => "reboot",
    };
    Err(Error::failed(format!(
        "zone {name} is {state}; {verb} needs it {wants}"
    )))
}

/// A boot (or reboot) that failed because a VNIC zmgr made for the zone is gone, said so,
/// with the repair; any other failure as the tool reported it.
fn explain_failed_boot(
    core: &Session,
    zone: &ZoneEntry,
    action: Action,
    e: crate::command::ExecError,
) -> Error {
    let ours: Vec<&str> = zone
        .nets
        .iter()
        .filter(|n| n.vnic)
        .map(|n| n.physical.as_str())
        .collect();
    if action == Action::Halt
        || ours.is_empty()
        || !matches!(e, crate::command::ExecError::Failed { .. })
    {
        return e.into();
    }
    let Ok(system) = crate::host::dladm::vnics(core.runner()) else {
        return e.into();
    };
    let mut gone: Vec<&str> = ours
        .into_iter()
        .filter(|v| !system.iter().any(|s| s.link == *v))
        .collect();
    gone.dedup();
    if gone.is_empty() {
        return e.into();
    }
    let name = &zone.name.value;
    Error::Failed {
        message: format!(
            "zone {name} cannot boot: its VNIC {} is gone from the system (zoneadm: {})",
            gone.join(", "),
            crate::text::shown(
                e.stderr()
                    .and_then(|s| s.lines().next())
                    .unwrap_or("failed")
            )
        ),
        help: Some(format!(
            "`zmgr reconcile --fix` makes it again over its pool's stub; then `zmgr boot {name}`"
        )),
    }
}

/// How often the zone's services are asked while a boot waits for them.
const SERVICES_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Waits until a booted zone's services are up: `zoneadm boot` returns once the zone is
/// running, before SMF inside it has started anything (illumos-gate zoneadmd.c,
/// `zone_bootup`), and zlogin commands fail until then. Asks `svcs -H -o state
/// svc:/milestone/multi-user:default` in the zone every second, for at most `wait`.
pub fn wait_for_services(core: &mut Session, zone: &str, wait: std::time::Duration) -> Result<()> {
    let started = std::time::Instant::now();
    let cmd = crate::host::zlogin::service_state(zone, crate::host::zlogin::MULTI_USER);
    core.note(&format!("waiting for the services of zone {zone}"));
    let mut last = String::from("unknown");
    loop {
        if crate::host::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        // Until SMF runs, zlogin itself may fail: that is "not up yet", not an error.
        if let Ok(out) = core.run(&cmd) {
            last = out.stdout.trim().to_string();
            if last == "online" {
                return Ok(());
            }
        }
        if started.elapsed() >= wait {
            return Err(Error::failed(format!(
                "zone {zone} booted, but its services were not up after {} s ({} is {})",
                wait.as_secs(),
                crate::host::zlogin::MULTI_USER,
                if last.is_empty() { "unknown" } else { &last }
            ))
            .with_help(
                "`milestone-wait` in config.kdl sets how long to wait; `zlogin ZONE svcs -xv` shows what is holding the zone's services up",
            ));
        }
        std::thread::sleep(SERVICES_POLL.min(wait.saturating_sub(started.elapsed())));
    }
}

/// What `destroy` did or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Destroyed {
    pub zone: String,
    /// Commands run (or, with --dry-run, to be run), as typed.
    pub commands: Vec<String>,
    /// Parts that were already gone.
    pub skipped: Vec<String>,
    /// Destroy's hook points, in the order they run, with the zone's template's scripts.
    pub hooks: Vec<crate::model::template::HookScripts>,
    pub dry_run: bool,
}

/// `zmgr destroy NAME`: halt, uninstall, delete the configuration, delete the VNICs zmgr made,
/// remove the entry. Parts already gone are skipped and reported; running it again after a
/// failure finishes the job.
pub fn destroy(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    dry_run: bool,
) -> Result<Destroyed> {
    let entry = entry(registry, name, true)?;
    let template = entry
        .template
        .as_ref()
        .and_then(|t| registry.templates.get(&t.value));
    let mut report = Destroyed {
        zone: name.to_string(),
        hooks: crate::model::template::HookScripts::of(template, &HookPoint::DESTROY),
        dry_run,
        ..Destroyed::default()
    };
    let listed = crate::host::zoneadm::find(core.runner(), name)?;
    let steps = teardown_plan(core, name, listed.as_ref(), entry, &mut report.skipped)?;
    report.commands = steps.iter().map(|s| core.display(&s.command)).collect();
    if dry_run {
        return Ok(report);
    }
    let hooks = destroy_hooks(core, registry, entry)?;
    if let Some(h) = hooks.as_ref().filter(|h| h.has(HookPoint::PreDestroy)) {
        core.note(&format!("running the pre-destroy hook of zone {name}"));
        h.run(HookPoint::PreDestroy)?;
    }
    let outcome = teardown::run(core, name, &steps);
    if outcome.interrupted || !outcome.failed.is_empty() {
        // The entry stays, saying what is left; a second interrupt must not stop that.
        let _shield = crate::host::interrupt::Shield::up();
        let _ = record_state(core, name);
        let kept = outcome
            .failed
            .iter()
            .map(|(p, _)| p)
            .chain(&outcome.kept)
            .map(|p| p.describe(name))
            .collect::<Vec<_>>();
        if outcome.interrupted {
            core.note(&format!(
                "zone {name} is partly destroyed; left: {}; its registry entry is kept, so its address stays reserved: run `zmgr destroy {name}` again to finish",
                kept.join(", ")
            ));
            return Err(Error::Interrupted);
        }
        let (part, e) = &outcome.failed[0];
        let kept = outcome
            .kept
            .iter()
            .map(|p| p.describe(name))
            .collect::<Vec<_>>();
        return Err(Error::Failed {
            message: format!(
                "could not destroy zone {name}: {}: {e}",
                part.describe(name)
            ),
            help: Some(format!(
                "{}the registry entry is kept, so its address stays reserved; fix the cause and run `zmgr destroy {name}` again",
                if kept.is_empty() {
                    String::new()
                } else {
                    format!("kept: {}; ", kept.join(", "))
                }
            )),
        });
    }
    // The addresses of shared pools go back after the entry: a crash in between leaves a
    // key without a zone, which `reconcile --fix` releases. Both under one lock, so that no
    // reconcile releases a key meanwhile and no create of the name claims it again before
    // this release.
    let mut unreleased = {
        let _lock = core.lock()?;
        crate::store::entries::remove_entry(core.root(), name)?;
        release_shared(core, registry, entry)
    };
    if let Some(h) = hooks.as_ref().filter(|h| h.has(HookPoint::PostDestroy)) {
        core.note(&format!("running the post-destroy hook of zone {name}"));
        if let Err(e) = h.run(HookPoint::PostDestroy) {
            unreleased.insert(0, format!("its post-destroy hook failed: {e}"));
        }
    }
    if !unreleased.is_empty() {
        return Err(Error::failed(format!(
            "zone {name} was destroyed, but {}",
            unreleased.join("; ")
        )));
    }
    Ok(report)
}

/// Gives back the zone's addresses in shared pools; what could not be given back.
pub(crate) fn release_shared(
    core: &Session,
    registry: &Registry,
    entry: &ZoneEntry,
) -> Vec<String> {
    let mut failed = Vec::new();
    // The pools may not have been read with the zone (a verb reads what it needs): read
    // the ones the zone names, with config.kdl, now.
    let named: Vec<&str> = entry
        .nets
        .iter()
        .filter_map(|n| n.pool.as_deref())
        .collect();
    let read;
    let registry = if named.iter().all(|p| registry.pools.contains_key(*p)) {
        registry
    } else {
        match core.registry_for(crate::store::needs::Needs {
            config: true,
            pools: crate::store::needs::Want::named(named.iter().copied()),
            ..crate::store::needs::Needs::nothing()
        }) {
            Ok(r) => {
                read = r;
                &read
            }
            Err(e) => return vec![format!("the pools of zone {}: {e}", entry.name.value)],
        }
    };
    for (pool, address) in registry.pooled_addresses(entry) {
        let store = match core.shared_ledger(&registry.config, pool) {
            Ok(Some(store)) => store,
            Ok(None) => continue,
            Err(e) => {
                failed.push(format!("{} could not be released in etcd: {e}", address.ip));
                continue;
            }
        };
        let key = store.key(&pool.name.value, address.ip);
        match store.release(&pool.name.value, address.ip, Some(&entry.name.value)) {
            Ok(crate::host::shared::Released::Done | crate::host::shared::Released::Absent) => {}
            Ok(crate::host::shared::Released::NotOurs(c)) => failed.push(format!(
                "etcd key {key} belongs to {}, so it was left alone",
                crate::host::shared::holder(c.as_ref())
            )),
            Err(e) => failed.push(format!(
                "etcd key {key} could not be released ({e}); `zmgr reconcile --fix` releases it"
            )),
        }
    }
    failed
}

/// The teardown of a registered zone: the zone as listed, and the VNICs zmgr made for it
/// that the system still has (the system's VNICs are asked only when there are such).
pub fn teardown_plan(
    core: &Session,
    name: &str,
    listed: Option<&ListedZone>,
    entry: &ZoneEntry,
    skipped: &mut Vec<String>,
) -> Result<Vec<teardown::Step>> {
    let ours: Vec<&str> = entry
        .nets
        .iter()
        .filter(|n| n.vnic)
        .map(|n| n.physical.as_str())
        .collect();
    let system: Vec<String> = if ours.is_empty() {
        Vec::new()
    } else {
        crate::host::dladm::vnics(core.runner())?
            .into_iter()
            .map(|v| v.link)
            .collect()
    };
    let vnics = teardown::present(ours, &system, skipped);
    Ok(teardown::plan(name, listed, &vnics, skipped))
}

/// The destroy hooks of the template the zone was made from, if it still exists and has any.
fn destroy_hooks(
    core: &Session,
    registry: &Registry,
    entry: &ZoneEntry,
) -> Result<Option<Box<dyn ZoneHooks>>> {
    let Some(t) = entry
        .template
        .as_ref()
        .and_then(|t| registry.templates.get(&t.value))
    else {
        return Ok(None);
    };
    if !t.hooks.iter().any(|(p, _)| p.value.is_destroy()) {
        return Ok(None);
    }
    let zone = HookZone::of_entry(entry, &t.name.value, registry);
    core.hook_engine()
        .load(
            t,
            &registry.config.scripting,
            zone,
            Some(core.shared_runner()),
            core.root(),
            None,
        )
        .map(Some)
}

/// What `boot`, `halt` and `reboot` of `name` read: the zone's entry, and nothing else.
pub fn needs(name: &str) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    use crate::store::needs::{Needs, Want};
    move |_| {
        Needs {
            config: true,
            zones: Want::one(name),
            ..Needs::default()
        }
        .only()
    }
}

/// What `destroy` of `name` reads: the zone's entry and its template (whose destroy hooks
/// must run).
pub fn destroy_needs(name: &str) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    use crate::store::needs::{Needs, Want};
    move |registry| {
        let entry = registry.zones.get(name);
        Needs {
            config: true,
            zones: Want::one(name),
            templates: entry
                .and_then(|e| e.template.as_ref())
                .map_or(Want::Nothing, |t| Want::one(&t.value)),
            // Its hooks see the gateway of its first interface's pool.
            pools: entry
                .and_then(|e| e.nets.first())
                .and_then(|n| n.pool.as_deref())
                .map_or(Want::Nothing, Want::one),
            ..Needs::default()
        }
        .only()
    }
}
