//! `zmgr reconcile [--fix]`: compares the registry with the system and repairs what is safe.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::zoneadm::ListedZone;
use crate::model::zone::{ZoneEntry, ZoneState};
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// One difference between the registry and the system.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// The registry has the zone; the system does not.
    Gone { zone: String },
    /// A `creating` entry that no running create holds: a crash left it.
    Crashed {
        zone: String,
        leftovers: Vec<String>,
    },
    /// A create is running for this zone right now.
    Creating { zone: String },
    /// The states differ.
    StateDrift {
        zone: String,
        registry: String,
        system: String,
    },
    /// A VNIC zmgr made for a zone, which that zone's configuration does not use.
    UnusedVnic {
        #[serde(rename = "link")]
        vnic: String,
        zone: String,
    },
    /// A VNIC zmgr made for a zone, which the zone's configuration uses and the system no
    /// longer has (deleted by hand): the zone cannot boot. `over` is the link it is made
    /// over again, when the entry's pool says which.
    MissingVnic {
        zone: String,
        #[serde(rename = "link")]
        vnic: String,
        over: Option<String>,
    },
    /// An address the registry reserves for a zone whose configuration no longer carries it.
    AddressDrift { zone: String, address: String },
    /// A zone of the system that is not in the registry; `refused` says why import would
    /// refuse it (a name or value zmgr does not accept), when it would.
    Unregistered {
        zone: String,
        refused: Option<String>,
    },
    /// A VNIC over a pool's stub, named as zmgr names a zone's VNIC, that no entry claims
    /// and no zone uses: left by a create that was killed while `dladm create-vnic` ran.
    StrayVnic {
        #[serde(rename = "link")]
        vnic: String,
        over: String,
    },
    /// This host's key in a shared pool, for a zone this registry does not have: left by a
    /// create or destroy that was killed or lost etcd on the way.
    LeakedAddress {
        zone: String,
        pool: String,
        address: String,
        key: String,
    },
    /// A zone's address in a shared pool that etcd has no key for: another host may take it.
    UnclaimedAddress {
        zone: String,
        pool: String,
        address: String,
        key: String,
    },
    /// This host's claim for a zone that holds the address, still `creating` though no
    /// create of it runs: a create killed after its last step, before it marked the claim.
    UnconfirmedClaim {
        zone: String,
        pool: String,
        address: String,
        key: String,
    },
    /// etcd could not be asked about the shared pools: the rest was still compared.
    SharedLedgerUnreachable { error: String },
    /// A zone's address in a shared pool whose key is another host's or zone's.
    AddressConflict {
        zone: String,
        pool: String,
        address: String,
        key: String,
        holder: String,
    },
}

/// A finding, whether `--fix` repairs it, and what happened when it tried.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    #[serde(flatten)]
    pub finding: Finding,
    pub message: String,
    /// What a person should do, when zmgr does not repair it.
    pub advice: Option<String>,
    /// `Some(true)` repaired, `Some(false)` the repair failed, `None` not attempted.
    pub fixed: Option<bool>,
    pub fix_error: Option<String>,
}

/// What `reconcile` found (its JSON is the list of differences).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Report(pub Vec<Difference>);

impl Report {
    /// The differences still open: not repaired, and not a create that is running now.
    pub fn left(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.fixed != Some(true))
            .filter(|d| !matches!(d.finding, Finding::Creating { .. }))
            .count()
    }

    /// The error reconcile ends with when anything is left to do.
    pub fn problem(&self) -> Option<Error> {
        match self.left() {
            0 => None,
            n => Some(Error::failed(format!(
                "{n} difference{} left",
                if n == 1 { "" } else { "s" }
            ))),
        }
    }
}

impl Finding {
    pub(crate) fn describe(&self) -> (String, Option<String>) {
        match self {
            Finding::Gone { zone } => (
                format!("zone {zone} is in the registry but not on the system"),
                Some(format!(
                    "if it was removed on purpose, `zmgr destroy {zone}` removes the entry and frees its address"
                )),
            ),
            Finding::Crashed { zone, leftovers } => (
                format!(
                    "zone {zone} was left in state creating by an interrupted create{}",
                    if leftovers.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", leftovers.join(", "))
                    }
                ),
                None,
            ),
            Finding::Creating { zone } => (
                format!("zone {zone} is being created by a running zmgr; left alone"),
                None,
            ),
            Finding::StateDrift {
                zone,
                registry,
                system,
            } => (
                format!("zone {zone} is {system} on the system but {registry} in the registry"),
                None,
            ),
            Finding::UnusedVnic { vnic, zone } => (
                format!("VNIC {vnic}, made for zone {zone}, is not used by its configuration"),
                Some(format!(
                    "check zone {zone}'s net resources; `dladm delete-vnic {vnic}` removes the VNIC if it is not needed"
                )),
            ),
            Finding::MissingVnic { zone, vnic, over } => (
                format!(
                    "VNIC {vnic} of zone {zone} is gone from the system; the zone cannot boot without it"
                ),
                // With a pool, `--fix` makes it again over the pool's stub.
                over.is_none().then(|| {
                    format!(
                        "the entry names no pool to make it over: `dladm create-vnic -l LINK {vnic}`"
                    )
                }),
            ),
            Finding::AddressDrift { zone, address } => (
                format!(
                    "the registry reserves {address} for zone {zone}, but its configuration no longer carries it"
                ),
                Some(format!(
                    "fix the zone's net resource, or edit zones/{zone}.kdl to release the address"
                )),
            ),
            Finding::Unregistered { zone, refused } => (
                format!("zone {zone} is on the system but not in the registry"),
                Some(match refused {
                    None => format!("`zmgr import {zone}` adopts it"),
                    Some(why) => format!("zmgr cannot adopt it: {why}"),
                }),
            ),
            Finding::LeakedAddress {
                zone,
                pool,
                address,
                key,
            } => (
                format!(
                    "etcd key {key} holds {address} of shared pool {pool} for zone {zone}, which this registry does not have"
                ),
                None,
            ),
            Finding::UnclaimedAddress {
                zone,
                pool,
                address,
                ..
            } => (
                format!(
                    "zone {zone} holds {address} of shared pool {pool}, which etcd has no key for: another host may hand it out"
                ),
                Some(format!(
                    "check on the network that no other zone uses {address}, then destroy zone {zone} and create it again to give it an address etcd holds"
                )),
            ),
            Finding::UnconfirmedClaim {
                zone, address, key, ..
            } => (
                format!(
                    "etcd key {key} still says `creating` for {address} of zone {zone}, whose create is over"
                ),
                None,
            ),
            Finding::SharedLedgerUnreachable { error } => (
                format!("the shared pools were not compared with etcd: {error}"),
                Some("run `zmgr reconcile` again once etcd answers".to_string()),
            ),
            Finding::AddressConflict {
                zone,
                pool,
                address,
                holder,
                ..
            } => (
                format!(
                    "zone {zone} holds {address} of shared pool {pool}, and etcd gives it to {holder}"
                ),
                Some(format!(
                    "two zones have one address: give zone {zone} another one (destroy and create it again) after checking which one the network uses"
                )),
            ),
            Finding::StrayVnic { vnic, over } => (
                format!(
                    "VNIC {vnic} over {over} is named as zmgr names a zone's VNIC, but no entry claims it and no zone uses it"
                ),
                None,
            ),
        }
    }

    /// Whether `--fix` may repair it without a person.
    fn fixable(&self) -> bool {
        matches!(
            self,
            Finding::Crashed { .. }
                | Finding::LeakedAddress { .. }
                | Finding::UnconfirmedClaim { .. }
                | Finding::StateDrift { .. }
                | Finding::StrayVnic { .. }
                | Finding::MissingVnic { over: Some(_), .. }
        )
    }
}

/// Compares the registry with the system; with `fix`, repairs state drift and the leftovers of
/// crashed creates.
pub fn reconcile(core: &mut Session, registry: &Registry, fix: bool) -> Result<Report> {
    if fix {
        // A writer of zmgr's private files killed between its write and its rename.
        crate::fs::private::sweep(core.root());
    }
    let system: BTreeMap<String, ListedZone> = crate::host::zoneadm::list(core.runner())?
        .into_iter()
        .map(|z| (z.name.clone(), z))
        .collect();
    let vnics: HashSet<String> = crate::host::dladm::vnics(core.runner())?
        .into_iter()
        .map(|v| v.link)
        .collect();

    let mut findings = Vec::new();
    for entry in registry.zones.values() {
        if crate::host::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        let name = entry.name.value.clone();
        let on_system = system.get(&name);
        if entry.state == ZoneState::Creating {
            if crate::fs::lock::create_running(&registry.root, &name) {
                findings.push(Finding::Creating { zone: name });
            } else {
                findings.push(Finding::Crashed {
                    leftovers: leftovers(entry, on_system, &vnics),
                    zone: name,
                });
            }
            continue;
        }
        let Some(z) = on_system else {
            findings.push(Finding::Gone { zone: name });
            continue;
        };
        if z.state != entry.state {
            findings.push(Finding::StateDrift {
                zone: name.clone(),
                registry: entry.state.to_string(),
                system: z.state.to_string(),
            });
        }
        let info = match crate::host::zonecfg::info(core.runner(), &name) {
            Ok(info) => info,
            // Deleted since it was listed (a destroy running meanwhile): the next reconcile
            // sees what is left of it.
            Err(_) if crate::host::zoneadm::find(core.runner(), &name)?.is_none() => continue,
            Err(e) => return Err(e),
        };
        let mut links = HashSet::new();
        let mut configured = HashSet::new();
        for net in info.nets() {
            configured.extend(
                net.addresses
                    .iter()
                    .filter_map(|a| a.parse::<crate::model::zone::ZoneAddress>().ok())
                    .map(|a| a.ip),
            );
            links.insert(net.physical);
        }
        let mut missing = HashSet::new();
        for net in &entry.nets {
            if net.vnic
                && !vnics.contains(&net.physical)
                && links.contains(&net.physical)
                && missing.insert(net.physical.clone())
            {
                findings.push(Finding::MissingVnic {
                    zone: name.clone(),
                    vnic: net.physical.clone(),
                    over: net
                        .pool
                        .as_ref()
                        .and_then(|p| registry.pools.get(p))
                        .map(|p| p.stub.value.clone()),
                });
            }
            if net.vnic && vnics.contains(&net.physical) && !links.contains(&net.physical) {
                findings.push(Finding::UnusedVnic {
                    vnic: net.physical.clone(),
                    zone: name.clone(),
                });
            }
            if let Some(a) = net.address
                && !configured.contains(&a.ip)
            {
                findings.push(Finding::AddressDrift {
                    zone: name.clone(),
                    address: a.ip.to_string(),
                });
            }
        }
    }
    for z in system.values() {
        if !registry.zones.contains_key(&z.name)
            && !crate::ops::import::VM_BRANDS.contains(&z.brand.as_str())
        {
            // The name comes from a tool's output: shown escaped, and an import suggested
            // only when import would take it.
            findings.push(Finding::Unregistered {
                zone: crate::model::names::printable(&z.name),
                refused: z.problem(),
            });
        }
    }

    findings.extend(stray_vnics(core, registry, &system)?);
    // etcd out of reach stops no local comparison: it is one more difference. Any other
    // failure (a refusal, the registry locked) is the verb's.
    match shared_findings(core, registry, &system) {
        Ok(f) => findings.extend(f),
        Err(e @ Error::Unreachable { .. }) => findings.push(Finding::SharedLedgerUnreachable {
            error: e.to_string(),
        }),
        Err(e) => return Err(e),
    }

    let mut out = Vec::new();
    for finding in findings {
        let (message, advice) = finding.describe();
        let mut d = Difference {
            message,
            advice,
            fixed: None,
            fix_error: None,
            finding,
        };
        if fix && d.finding.fixable() {
            match repair(core, &d.finding) {
                Ok(()) => d.fixed = Some(true),
                Err(e) => {
                    d.fixed = Some(false);
                    d.fix_error = Some(e.to_string());
                }
            }
        }
        out.push(d);
    }
    Ok(Report(out))
}

/// The differences between the registry and etcd, for the shared pools: this host's keys
/// with no zone here, and zones whose address etcd does not give them. Read under the
/// registry lock, so that no create is between its claim and its entry.
fn shared_findings(
    core: &Session,
    registry: &Registry,
    system: &BTreeMap<String, ListedZone>,
) -> Result<Vec<Finding>> {
    let shared: Vec<&str> = registry
        .pools
        .values()
        .filter(|p| p.shared.is_some())
        .map(|p| p.name.value.as_str())
        .collect();
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    let store = core.shared_store(&registry.config)?;
    let _lock = core.lock()?;
    let now = crate::store::registry::Registry::load(core.root())?.0;
    let mut findings = Vec::new();
    for pool in shared {
        let state = store.read(pool)?;
        for h in &state.holdings {
            let Some(claim) = h.claim.as_ref().filter(|c| c.host == store.host()) else {
                continue;
            };
            // A reservation by hand holds no zone.
            let Some(zone) = &claim.zone else { continue };
            let entry = holder(&now, zone, h.address);
            let held_here = entry.is_some();
            // A create marks its claims last, still holding its entry's lock.
            if claim.state == crate::host::shared::Claim::CREATING
                && entry.is_some_and(|z| z.state != ZoneState::Creating)
                && !crate::fs::lock::create_running(&now.root, zone)
            {
                findings.push(Finding::UnconfirmedClaim {
                    zone: zone.clone(),
                    pool: pool.to_string(),
                    address: h.address.to_string(),
                    key: store.key(pool, h.address),
                });
            }
            // Leaked only if nothing here may use the address: no entry holds it (another
            // zone holding it is a conflict, reported below), and no zone of the key's name
            // is on the system (one whose entry is gone is reported as unregistered).
            if !held_here && !in_use(&now, system, zone, h.address) {
                findings.push(Finding::LeakedAddress {
                    zone: zone.clone(),
                    pool: pool.to_string(),
                    address: h.address.to_string(),
                    key: store.key(pool, h.address),
                });
            }
        }
        for z in now.zones.values() {
            let name = &z.name.value;
            if z.state == ZoneState::Creating && crate::fs::lock::create_running(&now.root, name) {
                continue;
            }
            for n in z.nets.iter().filter(|n| n.pool.as_deref() == Some(pool)) {
                let Some(a) = n.address else { continue };
                let key = store.key(pool, a.ip);
                match state.holding(a.ip) {
                    None => findings.push(Finding::UnclaimedAddress {
                        zone: name.clone(),
                        pool: pool.to_string(),
                        address: a.ip.to_string(),
                        key,
                    }),
                    Some(h)
                        if !h
                            .claim
                            .as_ref()
                            .is_some_and(|c| c.is(store.host(), Some(name))) =>
                    {
                        findings.push(Finding::AddressConflict {
                            zone: name.clone(),
                            pool: pool.to_string(),
                            address: a.ip.to_string(),
                            key,
                            holder: crate::host::shared::holder(h.claim.as_ref()),
                        })
                    }
                    Some(_) => {}
                }
            }
        }
    }
    Ok(findings)
}

/// Whether `vnic` is the name zmgr gives a zone's first VNIC (`web0`, `web01_0`). Only the
/// first: `app3` or `my.link5` could as well be a person's link, and a VNIC that may be a
/// person's is never deleted. (A create writes its entry, naming every VNIC, before it makes
/// any, so what a crashed create left is found through its entry.)
fn zmgr_named(vnic: &str) -> bool {
    [vnic.strip_suffix("_0"), vnic.strip_suffix('0')]
        .into_iter()
        .flatten()
        .any(|zone| {
            !zone.is_empty()
                && crate::model::names::zone_name_error(zone).is_none()
                && crate::ops::create::derived_vnic(zone) == vnic
        })
}

/// VNICs over a pool's stub that zmgr would have named, which no entry claims and no zone
/// of the system uses (nor are they the gateway links `host setup` makes).
fn stray_vnics(
    core: &Session,
    registry: &Registry,
    system: &BTreeMap<String, ListedZone>,
) -> Result<Vec<Finding>> {
    let stubs: HashSet<&str> = registry
        .pools
        .values()
        .map(|p| p.stub.value.as_str())
        .collect();
    let gateways: HashSet<String> = registry
        .pools
        .values()
        .map(crate::ops::host::gateway_link)
        .collect();
    let claimed: HashSet<&str> = registry
        .zones
        .values()
        .flat_map(|z| z.nets.iter().map(|n| n.physical.as_str()))
        .collect();
    let candidates: Vec<crate::host::dladm::Vnic> = crate::host::dladm::vnics(core.runner())?
        .into_iter()
        .filter(|v| stubs.contains(v.over.as_str()))
        .filter(|v| !claimed.contains(v.link.as_str()) && !gateways.contains(&v.link))
        .filter(|v| zmgr_named(&v.link))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // A zone whose configuration names it uses it (its drift is reported on its own).
    let mut used: HashSet<String> = HashSet::new();
    for z in system.values() {
        if let Ok(info) = crate::host::zonecfg::info(core.runner(), &z.name) {
            used.extend(info.nets().into_iter().map(|n| n.physical));
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|v| !used.contains(&v.link))
        .map(|v| Finding::StrayVnic {
            vnic: v.link,
            over: v.over,
        })
        .collect())
}

fn leftovers(
    entry: &ZoneEntry,
    on_system: Option<&ListedZone>,
    vnics: &HashSet<String>,
) -> Vec<String> {
    let mut v = Vec::new();
    for n in entry
        .nets
        .iter()
        .filter(|n| n.vnic && vnics.contains(&n.physical))
    {
        v.push(format!("VNIC {}", n.physical));
    }
    if let Some(z) = on_system {
        v.push(format!("zone {}", z.state));
    }
    v
}

/// The registry as it is now, read under its lock (which the caller keeps while it repairs),
/// and `address` parsed.
fn look_again(
    core: &Session,
    address: &str,
) -> Result<(crate::fs::lock::RegistryLock, Registry, std::net::IpAddr)> {
    let lock = core.lock()?;
    let registry = Registry::load(core.root())?.0;
    let ip = address
        .parse()
        .map_err(|_| Error::failed(format!("{address} is not an address")))?;
    Ok((lock, registry, ip))
}

/// Whether a zone here may use `ip`: an entry holds it, or `zone` is on the system with no
/// entry to say what it uses.
fn in_use(
    registry: &Registry,
    system: &BTreeMap<String, ListedZone>,
    zone: &str,
    ip: std::net::IpAddr,
) -> bool {
    (system.contains_key(zone) && !registry.zones.contains_key(zone))
        || registry
            .zones
            .values()
            .any(|z| z.nets.iter().any(|n| n.address.map(|a| a.ip) == Some(ip)))
}

/// `zone`'s entry, if it holds `ip`.
fn holder<'a>(registry: &'a Registry, zone: &str, ip: std::net::IpAddr) -> Option<&'a ZoneEntry> {
    registry
        .zones
        .get(zone)
        .filter(|z| z.nets.iter().any(|n| n.address.map(|a| a.ip) == Some(ip)))
}

/// Repairs one finding, looking again at whatever it depends on: the scan may be stale.
fn repair(core: &mut Session, finding: &Finding) -> Result<()> {
    match finding {
        Finding::StateDrift {
            zone, system: s, ..
        } => {
            let state = s
                .parse::<ZoneState>()
                .map_err(|()| Error::failed(format!("unknown state `{s}`")))?;
            let _lock = core.lock()?;
            if !crate::store::entries::entry_path(core.root(), zone).exists() {
                // Destroyed meanwhile: nothing left to record.
                return Ok(());
            }
            crate::store::entries::set_entry_state(core.root(), zone, state)
        }
        Finding::MissingVnic {
            vnic,
            over: Some(over),
            ..
        } => {
            // Made meanwhile (by a person, or another reconcile): nothing to do.
            if crate::host::dladm::vnics(core.runner())?
                .iter()
                .any(|v| &v.link == vnic)
            {
                return Ok(());
            }
            core.run(&crate::host::dladm::create_vnic(over, vnic))?;
            Ok(())
        }
        Finding::StrayVnic { vnic, .. } => {
            // A create of that zone may be running: its VNIC is not stray yet.
            let _lock = core.lock()?;
            if crate::store::registry::Registry::load(core.root())?
                .0
                .zones
                .values()
                .any(|z| z.nets.iter().any(|n| &n.physical == vnic))
            {
                return Ok(());
            }
            core.run(&crate::host::dladm::delete_vnic(vnic))?;
            Ok(())
        }
        Finding::Crashed { zone, .. } => {
            // Only if no create (nor a tool it started) holds it now; holding it ourselves
            // keeps a create or a second reconcile off the same leftovers meanwhile.
            let Some(_held) = crate::fs::lock::claim_crashed(core.root(), zone)? else {
                return Err(Error::failed(format!(
                    "zone {zone} is held by a running zmgr now"
                )));
            };
            // What was seen before the claim may be stale: another reconcile may have cleared
            // these leftovers and a new create of the name finished since. Look again.
            let registry = crate::store::registry::Registry::load(core.root())?.0;
            let Some(entry) = registry
                .zones
                .get(zone)
                .filter(|e| e.state == ZoneState::Creating)
            else {
                return Ok(());
            };
            // The registry changes its hooks made, read first: a journal zmgr did not write
            // stops the repair before anything changes.
            let journal = crate::ops::journal::Journal::left_by_crash(core.root(), zone)?;
            let listed = crate::host::zoneadm::find(core.runner(), zone)?;
            // Undo what the create did, as its own rollback would have.
            let mut skipped = Vec::new();
            let ours = entry
                .nets
                .iter()
                .filter(|n| n.vnic)
                .map(|n| n.physical.as_str());
            let system_vnics: Vec<String> = crate::host::dladm::vnics(core.runner())?
                .into_iter()
                .map(|v| v.link)
                .collect();
            let vnics = crate::ops::teardown::present(ours, &system_vnics, &mut skipped);
            let steps = crate::ops::teardown::plan(zone, listed.as_ref(), &vnics, &mut skipped);
            let outcome = crate::ops::teardown::run(core, zone, &steps);
            if let Some((part, e)) = outcome.failed.into_iter().next() {
                return Err(Error::failed(format!("{}: {e}", part.describe(zone))));
            }
            // And the registry changes its hooks made, as the create's undo would have.
            let undone = crate::ops::journal_undo::undo(core, &journal);
            if let Some(e) = undone.failed.into_iter().next() {
                return Err(Error::failed(e));
            }
            journal.finish()?;
            // Its claims in shared pools go with it, as the create's undo would have, under
            // the same lock as its entry.
            let unreleased = {
                let _lock = core.lock()?;
                crate::store::entries::remove_entry(core.root(), zone)?;
                crate::ops::lifecycle::release_shared(core, &registry, entry)
            };
            match unreleased.into_iter().next() {
                Some(e) => Err(Error::failed(e)),
                None => Ok(()),
            }
        }
        Finding::LeakedAddress {
            zone,
            pool,
            address,
            key,
        } => {
            // Under the lock, and only if the registry still has no zone holding it: a create
            // of the name may have started since.
            let (_lock, registry, ip) = look_again(core, address)?;
            let system = crate::host::zoneadm::list(core.runner())?
                .into_iter()
                .map(|z| (z.name.clone(), z))
                .collect();
            if in_use(&registry, &system, zone, ip) {
                // A zone holds it now, or may: no longer leaked.
                return Ok(());
            }
            let p = registry.pool(pool)?;
            let Some(store) = core.shared_ledger(&registry.config, p)? else {
                return Ok(());
            };
            match store.release(pool, ip, Some(zone))? {
                crate::host::shared::Released::NotOurs(_) => Err(Error::failed(format!(
                    "etcd key {key} is no longer this host's"
                ))),
                _ => Ok(()),
            }
        }
        Finding::UnconfirmedClaim {
            zone,
            pool,
            address,
            key,
        } => {
            // Looked at again under the lock: the zone may be gone, or a create of its name
            // may run now and mark the claim itself.
            let (_lock, registry, ip) = look_again(core, address)?;
            let holds = holder(&registry, zone, ip).is_some_and(|z| z.state != ZoneState::Creating);
            if !holds || crate::fs::lock::create_running(core.root(), zone) {
                return Ok(());
            }
            let p = registry.pool(pool)?;
            let Some(store) = core.shared_ledger(&registry.config, p)? else {
                return Ok(());
            };
            let state = store.read(pool)?;
            let Some(h) = state.holding(ip) else {
                return Err(Error::failed(format!("etcd key {key} is gone")));
            };
            match &h.claim {
                Some(c)
                    if c.is(store.host(), Some(zone))
                        && c.state == crate::host::shared::Claim::CREATING =>
                {
                    let mut done = c.clone();
                    done.state = crate::host::shared::Claim::CREATED.to_string();
                    done.time = crate::time::now_rfc3339();
                    if store.update(pool, ip, h.revision, &done)? {
                        Ok(())
                    } else {
                        Err(Error::failed(format!("etcd key {key} changed meanwhile")))
                    }
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}
