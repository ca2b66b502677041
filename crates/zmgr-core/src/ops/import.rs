//! Adopting zones that exist on the system: matching what a zone carries to the registry.

use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::model::pool::Pool;
use crate::model::template::Template;
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// The pool whose network holds `ip`. Pools never overlap (`check` enforces it), so there is at most one.
pub fn pool_for_address(registry: &Registry, ip: IpAddr) -> Option<&Pool> {
    registry
        .pools
        .values()
        .find(|p| p.network.value.contains(&ip))
}

/// How a zone's brand maps to a template.
#[derive(Debug)]
pub enum TemplateMatch<'a> {
    /// The one template for the brand (or the default template, when it has that brand).
    One(&'a Template),
    /// Several templates use the brand and none is the default: a person must choose.
    Several(Vec<&'a Template>),
    None,
}

/// The template a zone of `brand` belongs to: the default template if it has that brand,
/// else the only template with it.
pub fn template_for_brand<'a>(registry: &'a Registry, brand: &str) -> TemplateMatch<'a> {
    let candidates: Vec<&Template> = registry
        .templates
        .values()
        .filter(|t| t.brand.value == brand)
        .collect();
    if let Some(default) = &registry.config.default_template
        && let Some(t) = candidates.iter().find(|t| t.name.value == default.value)
    {
        return TemplateMatch::One(t);
    }
    match candidates.len() {
        0 => TemplateMatch::None,
        1 => TemplateMatch::One(candidates[0]),
        _ => TemplateMatch::Several(candidates),
    }
}

/// What `import` found for one zone of the system.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ZoneImport {
    /// Written to the registry (or, in a dry run, would be).
    Imported {
        zone: String,
        template: Option<String>,
        /// The entry as written.
        entry: String,
        notes: Vec<String>,
    },
    Skipped {
        zone: String,
        reason: String,
    },
    /// An address the registry already gives to another zone: not imported.
    Conflict {
        zone: String,
        address: IpAddr,
        holder: String,
    },
    /// A link the registry already gives to another zone: not imported.
    LinkConflict {
        zone: String,
        link: String,
        holder: String,
    },
    /// The zone's configuration could not be read, or the system shows values zmgr's rules
    /// refuse (a zone name, zonepath, brand, link or address that a person could not give
    /// zmgr either): not imported. `zone` is the name as listed, control characters escaped.
    Failed {
        zone: String,
        error: String,
    },
}

impl ZoneImport {
    pub fn zone(&self) -> &str {
        match self {
            ZoneImport::Imported { zone, .. }
            | ZoneImport::Skipped { zone, .. }
            | ZoneImport::Conflict { zone, .. }
            | ZoneImport::LinkConflict { zone, .. }
            | ZoneImport::Failed { zone, .. } => zone,
        }
    }
}

/// What `import` did, zone by zone (its JSON is the list of outcomes).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct Imported(pub Vec<ZoneImport>);

impl Imported {
    /// The zones that could not be imported: conflicts and unreadable configurations.
    pub fn failures(&self) -> usize {
        self.0
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    ZoneImport::Conflict { .. }
                        | ZoneImport::LinkConflict { .. }
                        | ZoneImport::Failed { .. }
                )
            })
            .count()
    }

    /// The error the whole import ends with, after the others were done, if any zone failed.
    pub fn problem(&self) -> Option<crate::error::Error> {
        match self.failures() {
            0 => None,
            n => Some(crate::error::Error::conflict(format!(
                "{n} zone{} could not be imported",
                if n == 1 { "" } else { "s" }
            ))),
        }
    }
}

/// Brands that belong to a VM manager, not to zmgr.
pub const VM_BRANDS: &[&str] = &["bhyve", "kvm"];

/// `zmgr import [NAME…] [--dry-run]`: adopts zones of the system into the registry.
///
/// Zones already in the registry and VM brands are skipped. Each zone's `zonecfg info` gives
/// its nets; each address is matched to the pool whose network holds it, the brand to a
/// template. An address another zone already holds is a conflict: that zone is not imported.
///
/// What the tools print is checked like user input, before it is used: a zone whose name,
/// zonepath, brand, links or addresses zmgr's rules refuse fails (and is not imported), and
/// every entry is read back as `check` reads it before it is shown or written
/// ([`ZoneEntry::checked_kdl`](crate::model::zone::ZoneEntry::checked_kdl)).
pub fn import(
    core: &mut crate::ops::session::Session,
    registry: &Registry,
    names: &[String],
    dry_run: bool,
) -> crate::error::Result<Imported> {
    use crate::error::Error;
    let listed = crate::host::zoneadm::list(core.runner())?;
    for n in names {
        if let Some(why) = crate::model::names::zone_name_error(n) {
            return Err(Error::usage(why));
        }
        if !listed.iter().any(|z| &z.name == n) {
            return Err(Error::NotOnSystem {
                name: n.clone(),
                help: Some("`zoneadm list -c` shows the zones configured on this system".into()),
            });
        }
    }
    let wanted = |name: &str| names.is_empty() || names.iter().any(|n| n == name);
    let vnics: Option<Vec<String>> = crate::host::dladm::vnics(core.runner())
        .ok()
        .map(|v| v.into_iter().map(|v| v.link).collect());
    let mut results = Vec::new();
    // Addresses taken: the registry's, plus those of zones imported earlier in this run.
    let mut held: std::collections::HashMap<IpAddr, String> = registry
        .zones
        .values()
        .flat_map(|z| z.addresses().map(move |a| (a, z.name.value.clone())))
        .collect();
    // Links of exclusive-IP zones, likewise: a VNIC belongs to one zone.
    let mut links: std::collections::HashMap<String, String> = registry
        .zones
        .values()
        .filter(|z| z.ip_type == crate::model::template::IpType::Exclusive)
        .flat_map(|z| {
            z.nets
                .iter()
                .map(move |n| (n.physical.clone(), z.name.value.clone()))
        })
        .collect();
    let mut entries = Vec::new();
    for z in listed.iter().filter(|z| wanted(&z.name)) {
        if crate::host::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        // Checked before the name is used anywhere: as an argument of zonecfg, as a file name.
        if let Some(why) = z.problem() {
            results.push(failed(&z.name, format!("zoneadm list: {why}")));
            continue;
        }
        if registry.zones.contains_key(&z.name) {
            results.push(ZoneImport::Skipped {
                zone: z.name.clone(),
                reason: "already in the registry".into(),
            });
            continue;
        }
        if VM_BRANDS.contains(&z.brand.as_str()) {
            results.push(ZoneImport::Skipped {
                zone: z.name.clone(),
                reason: format!("brand {} belongs to a VM manager, not to zmgr", z.brand),
            });
            continue;
        }
        let info = match crate::host::zonecfg::info(core.runner(), &z.name) {
            Ok(i) => i,
            Err(e) => {
                results.push(failed(&z.name, e.to_string()));
                continue;
            }
        };
        let adopted = adopt(registry, z, &info, vnics.as_deref(), &held, &links).and_then(
            |(entry, notes)| match entry.checked_kdl() {
                Ok(text) => Ok((entry, text, notes)),
                Err(e) => Err(failed(&z.name, e.to_string())),
            },
        );
        match adopted {
            Ok((entry, text, notes)) => {
                if entry.ip_type == crate::model::template::IpType::Exclusive {
                    for n in &entry.nets {
                        links.insert(n.physical.clone(), z.name.clone());
                    }
                }
                for a in entry.addresses() {
                    held.insert(a, z.name.clone());
                }
                results.push(ZoneImport::Imported {
                    zone: z.name.clone(),
                    template: entry.template.as_ref().map(|t| t.value.clone()),
                    entry: text,
                    notes,
                });
                entries.push(entry);
            }
            Err(conflict) => results.push(conflict),
        }
    }
    if dry_run || entries.is_empty() {
        return Ok(Imported(results));
    }
    let _lock = core.lock()?;
    // Under the lock, the ledger as it is now: a create may have taken an address meanwhile.
    let now = registry.current_zones()?;
    let now_held: std::collections::HashMap<IpAddr, String> = now
        .values()
        .flat_map(|z| z.addresses().map(move |a| (a, z.name.value.clone())))
        .collect();
    let now_links: std::collections::HashMap<&str, &str> = now
        .values()
        .filter(|z| z.ip_type == crate::model::template::IpType::Exclusive)
        .flat_map(|z| {
            z.nets
                .iter()
                .map(move |n| (n.physical.as_str(), z.name.value.as_str()))
        })
        .collect();
    for entry in entries {
        let clash = entry
            .addresses()
            .find_map(|a| now_held.get(&a).map(|h| (a, h.clone())));
        let link_clash = entry
            .nets
            .iter()
            .filter(|_| entry.ip_type == crate::model::template::IpType::Exclusive)
            .find_map(|n| now_links.get(n.physical.as_str()).map(|h| (n, *h)));
        let slot = results
            .iter_mut()
            .find(|r| matches!(r, ZoneImport::Imported { zone, .. } if *zone == entry.name.value))
            .expect("every entry has a result");
        // Another import took this zone meanwhile: its addresses are held by itself.
        if now.contains_key(&entry.name.value) {
            *slot = ZoneImport::Skipped {
                zone: entry.name.value.clone(),
                reason: "already in the registry".into(),
            };
            continue;
        }
        if let Some((address, holder)) = clash {
            *slot = ZoneImport::Conflict {
                zone: entry.name.value.clone(),
                address,
                holder,
            };
            continue;
        }
        if let Some((net, holder)) = link_clash {
            *slot = ZoneImport::LinkConflict {
                zone: entry.name.value.clone(),
                link: net.physical.clone(),
                holder: holder.to_string(),
            };
            continue;
        }
        // An address of a shared pool is claimed in etcd first, as a create's is: one
        // another host holds is a conflict.
        let claims = match claim_shared(core, registry, &entry)? {
            Ok(claims) => claims,
            Err((address, holder)) => {
                *slot = ZoneImport::Conflict {
                    zone: entry.name.value.clone(),
                    address,
                    holder,
                };
                continue;
            }
        };
        let written = crate::store::entries::write_new_entry(core.root(), &entry);
        if !matches!(written, Ok(true)) {
            let left = claims.release(&entry.name.value);
            match written {
                Err(e) => return Err(with_leftovers(e, left)),
                _ if !left.is_empty() => return Err(Error::failed(left.join("; "))),
                _ => {}
            }
        }
        if !written? {
            *slot = ZoneImport::Skipped {
                zone: entry.name.value.clone(),
                reason: "already in the registry".into(),
            };
        }
    }
    Ok(Imported(results))
}

/// Claims in etcd the entry's addresses of shared pools (state `created`), or says which one
/// another holder has (and gives back what it claimed).
fn claim_shared(
    core: &Session,
    registry: &Registry,
    entry: &crate::model::zone::ZoneEntry,
) -> Result<std::result::Result<crate::ops::shared_pools::Claims, (IpAddr, String)>> {
    let mut all = crate::ops::shared_pools::Claims::default();
    let zone = entry.name.value.as_str();
    for (pool, address) in registry.pooled_addresses(entry) {
        let store = match core.shared_ledger(&registry.config, pool) {
            Ok(Some(store)) => store,
            Ok(None) => continue,
            Err(e) => return Err(with_leftovers(e, all.release(zone))),
        };
        // Held by someone else already: a conflict, as in a registry of files. A key this
        // host holds for this very zone (its entry lost, the zone left running) is its own.
        let holder = match crate::ops::shared_pools::read_checked(store.as_ref(), pool) {
            Ok((state, _)) => match state.holding(address.ip) {
                Some(h)
                    if h.claim
                        .as_ref()
                        .is_some_and(|c| c.is(store.host(), Some(zone))) =>
                {
                    continue;
                }
                Some(h) => Some(crate::host::shared::holder(h.claim.as_ref())),
                None => None,
            },
            Err(e) => return Err(with_leftovers(e, all.release(zone))),
        };
        if let Some(holder) = holder {
            let left = all.release(zone);
            if !left.is_empty() {
                return Err(Error::failed(left.join("; ")));
            }
            return Ok(Err((address.ip, holder)));
        }
        let held = crate::model::held::with_capacity(0);
        match crate::ops::shared_pools::claim_one(store, pool, zone, Some(address.ip), &held) {
            Ok((_, claims)) => all.absorb(claims),
            Err(e) => return Err(with_leftovers(e, all.release(zone))),
        }
    }
    Ok(Ok(all))
}

/// `e`, followed by the claims in etcd that could not be given back after it.
fn with_leftovers(e: Error, left: Vec<String>) -> Error {
    if left.is_empty() {
        e
    } else {
        Error::failed(format!("{e}; and {}", left.join("; ")))
    }
}

/// The registry entry for one system zone, or the conflict that stops its import.
fn adopt(
    registry: &Registry,
    z: &crate::host::zoneadm::ListedZone,
    info: &crate::host::zonecfg::Info,
    vnics: Option<&[String]>,
    held: &std::collections::HashMap<IpAddr, String>,
    links: &std::collections::HashMap<String, String>,
) -> Result<(crate::model::zone::ZoneEntry, Vec<String>), ZoneImport> {
    use crate::kdl::Spanned;
    use crate::model::names::{
        brand_name_error, printable, zonepath_component_error, zonepath_error,
    };
    use crate::model::zone::{Net, ZoneAddress, ZoneEntry};
    let fail = |why: String| failed(&z.name, why);
    let mut notes = Vec::new();
    // `info` of another zone than the one asked for cannot be taken for it.
    if let Some(other) = info.global("zonename")
        && other != z.name
    {
        return Err(fail(format!(
            "zonecfg info: `zonecfg -z {} info` describes the zone `{}`",
            z.name,
            printable(other)
        )));
    }
    let brand = info.global("brand").unwrap_or(&z.brand).to_string();
    if let Some(why) = brand_name_error(&brand) {
        return Err(fail(format!("zonecfg info: {why}")));
    }
    if VM_BRANDS.contains(&brand.as_str()) {
        return Err(ZoneImport::Skipped {
            zone: z.name.clone(),
            reason: format!("brand {brand} belongs to a VM manager, not to zmgr"),
        });
    }
    let zonepath = info.global("zonepath").unwrap_or(&z.zonepath);
    if let Some(why) = zonepath_error(zonepath).or_else(|| zonepath_component_error(zonepath)) {
        return Err(fail(format!("zonecfg info: {why}")));
    }
    let template = match template_for_brand(registry, &brand) {
        TemplateMatch::One(t) => Some(Spanned::unspanned(t.name.value.clone())),
        TemplateMatch::Several(ts) => {
            let names: Vec<&str> = ts.iter().map(|t| t.name.value.as_str()).collect();
            notes.push(format!(
                "no template: templates {} all have brand {brand}",
                names.join(", ")
            ));
            None
        }
        TemplateMatch::None => {
            notes.push(format!("no template: none has brand {brand}"));
            None
        }
    };
    let mut nets = Vec::new();
    for n in info.nets() {
        if let Some(why) = n.problem() {
            return Err(fail(format!("zonecfg info: {why}")));
        }
        let physical = n.physical.clone();
        let exclusive = z.ip_type == crate::model::template::IpType::Exclusive;
        // An on-demand VNIC (global-nic set) is the brand's, made at boot and deleted at
        // halt: not one zmgr made, so never one it deletes.
        let is_vnic =
            exclusive && n.global_nic.is_none() && vnics.is_some_and(|v| v.contains(&physical));
        if let Some(holder) = links.get(&physical).filter(|_| exclusive) {
            return Err(ZoneImport::LinkConflict {
                zone: z.name.clone(),
                link: physical,
                holder: holder.clone(),
            });
        }
        let addresses = &n.addresses;
        if addresses.is_empty() {
            nets.push(Net {
                physical: physical.clone(),
                address: None,
                pool: None,
                vnic: is_vnic,
                address_span: None,
                pool_span: None,
            });
        }
        for a in addresses {
            // The registry is the ledger of addresses: one zmgr cannot read (a host name, a
            // forged value) would be an address it could hand out again.
            let address = match a.parse::<ZoneAddress>() {
                Ok(address) => address,
                Err(why) => {
                    return Err(fail(format!(
                        "zonecfg info: net {physical}: {why}; the registry must hold every address a zone uses"
                    )));
                }
            };
            if let Some(holder) = held.get(&address.ip) {
                return Err(ZoneImport::Conflict {
                    zone: z.name.clone(),
                    address: address.ip,
                    holder: holder.clone(),
                });
            }
            let pool = match pool_for_address(registry, address.ip) {
                None => {
                    notes.push(format!(
                        "address {} is in no pool; recorded without one",
                        address.ip
                    ));
                    None
                }
                // The gateway, network or broadcast address is no pool's to hand out.
                Some(p) if let Some(what) = p.not_host(address.ip) => {
                    notes.push(format!(
                        "address {} is {} of pool {}; recorded without a pool",
                        address.ip,
                        what.describe(),
                        p.name.value
                    ));
                    None
                }
                Some(p) => Some(p.name.value.clone()),
            };
            nets.push(Net {
                physical: physical.clone(),
                address: Some(address),
                pool,
                vnic: is_vnic,
                address_span: None,
                pool_span: None,
            });
        }
    }
    let state = z.state;
    Ok((
        ZoneEntry {
            known: None,
            file: None,
            name: Spanned::unspanned(z.name.clone()),
            brand,
            template,
            zonepath: std::path::PathBuf::from(zonepath),
            ip_type: z.ip_type,
            state,
            created: Some(crate::time::now_rfc3339()),
            nets,
        },
        notes,
    ))
}

/// The outcome of a zone that is not imported because of `why`, with the name and the reason
/// made safe to print (they may hold what the system printed).
fn failed(zone: &str, why: String) -> ZoneImport {
    ZoneImport::Failed {
        zone: crate::model::names::printable(zone),
        error: crate::model::names::printable(&why),
    }
}

/// What `import` reads: every zone entry and pool (to tell which addresses are taken and
/// where they belong) and every template (to pick one by brand).
pub fn needs(_: &Registry) -> crate::store::needs::Needs {
    use crate::store::needs::{Needs, Want};
    Needs {
        config: true,
        zones: Want::All,
        pools: Want::All,
        templates: Want::All,
        ..Needs::default()
    }
}
