//! Changing a zone after create: `zmgr set` (properties and resource controls), `zmgr add`
//! and `zmgr remove` (a file system, a dataset, an interface), `zmgr config` (what zonecfg
//! holds).
//!
//! Each change is one zonecfg transaction: the command file goes to `zonecfg -z NAME -f -`,
//! which stops at the first error and then commits nothing. Values are checked by the rules
//! templates are checked by before anything runs. illumos zonecfg edits only the stored
//! configuration (its options are `-f`, `-R` and `-z`: there is no live mode), so a change to
//! a running zone takes effect at its next boot, and zmgr says so.

use std::net::IpAddr;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::zonecfg::{Info, Script};
use crate::model::template::{IpType, Resource, ResourceProperty, ResourceValue};
use crate::model::zone::{Net, ZoneAddress, ZoneEntry, ZoneState};
use crate::ops::session::Session;
use crate::store::needs::{Needs, Want};
use crate::store::registry::Registry;

/// What `set` may change, and how zonecfg names it.
const KEYS: &[(&str, Key)] = &[
    ("autoboot", Key::Autoboot),
    ("bootargs", Key::Global),
    ("limitpriv", Key::Global),
    ("cpu-shares", Key::Global),
    ("max-lwps", Key::Global),
    ("capped-cpu", Key::CappedCpu),
    ("capped-memory.physical", Key::Memory("physical")),
    ("capped-memory.swap", Key::Memory("swap")),
    ("capped-memory.locked", Key::Memory("locked")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Autoboot,
    /// A global property (an rctl alias for cpu-shares and max-lwps).
    Global,
    /// capped-cpu's `ncpus`.
    CappedCpu,
    /// One of capped-memory's properties.
    Memory(&'static str),
}

/// `KEY=VALUE` for `zmgr set`; an empty value clears the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for Setting {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Setting, String> {
        let Some((key, value)) = s.split_once('=') else {
            return Err(format!(
                "`{}` is not KEY=VALUE (an empty VALUE clears the setting)",
                crate::text::shown(s)
            ));
        };
        let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
        if !known.contains(&key) {
            let hint = match crate::suggest::did_you_mean(key, &known) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("the keys are {}", known.join(", ")),
            };
            return Err(format!(
                "zmgr cannot set `{}`; {hint}",
                crate::text::shown(key)
            ));
        }
        Ok(Setting {
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}

/// The resources `add` and `remove` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Fs,
    Dataset,
    Net,
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Kind, String> {
        match s {
            "fs" => Ok(Kind::Fs),
            "dataset" => Ok(Kind::Dataset),
            "net" => Ok(Kind::Net),
            _ => Err(format!(
                "`{}` is not fs, dataset or net",
                crate::text::shown(s)
            )),
        }
    }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Fs => "fs",
            Kind::Dataset => "dataset",
            Kind::Net => "net",
        }
    }
}

/// When a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The zone runs: at its next boot.
    NextBoot,
    /// The zone does not run: when it boots.
    WhenBooted,
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::NextBoot => "takes effect at the zone's next boot",
            Effect::WhenBooted => "takes effect when the zone boots",
        })
    }
}

/// What a change did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Modified {
    pub zone: String,
    /// The zonecfg command file's lines.
    pub zonecfg: Vec<String>,
    /// Every command, as it would be typed.
    pub commands: Vec<String>,
    pub effect: Effect,
    /// An interface added or removed: its pool, address and link.
    pub net: Option<ChangedNet>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangedNet {
    pub pool: String,
    pub address: String,
    pub link: String,
}

/// What `set`, `add` and `remove` of `name` read: the zone's entry; for an interface, its
/// pool and every entry (the ledger of addresses).
pub fn needs(name: &str, pool: Option<&str>) -> Needs {
    Needs {
        config: true,
        zones: if pool.is_some() {
            Want::All
        } else {
            Want::one(name)
        },
        pools: pool.map_or(Want::Nothing, Want::one),
        ..Needs::default()
    }
    .only()
}

/// The zone's entry and its configuration on the system, and when a change takes effect.
fn zone_now(core: &Session, registry: &Registry, name: &str) -> Result<(ZoneEntry, Info, Effect)> {
    let entry = crate::ops::lifecycle::entry(registry, name, false)?.clone();
    let Some(listed) = crate::host::zoneadm::find(core.runner(), name)? else {
        return Err(Error::failed(format!(
            "zone {name} is in the registry but not configured on the system"
        ))
        .with_help("`zmgr reconcile` shows what differs"));
    };
    let info = crate::host::zonecfg::info(core.runner(), name)?;
    let effect = match listed.state {
        ZoneState::Running => Effect::NextBoot,
        _ => Effect::WhenBooted,
    };
    Ok((entry, info, effect))
}

/// `zmgr set NAME KEY=VALUE…`: one zonecfg transaction; an empty value clears the setting.
pub fn set(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    settings: &[Setting],
    dry_run: bool,
) -> Result<Modified> {
    if settings.is_empty() {
        return Err(Error::usage("give at least one KEY=VALUE"));
    }
    let (_, info, effect) = zone_now(core, registry, name)?;
    let script = set_script(&info, settings)?;
    run(core, name, script, effect, None, dry_run)
}

/// The command file for `set`, every value checked as a template's would be.
fn set_script(info: &Info, settings: &[Setting]) -> Result<Script> {
    let key = |s: &Setting| {
        KEYS.iter()
            .find(|(k, _)| *k == s.key)
            .map(|(_, key)| *key)
            .expect("settings are parsed against KEYS")
    };
    for (i, s) in settings.iter().enumerate() {
        if settings[..i].iter().any(|t| t.key == s.key) {
            return Err(Error::usage(format!("`{}` is given twice", s.key)));
        }
    }
    let refused =
        |r: crate::model::zonecfg_value::Refusal| Error::usage(r.message).with_help(r.help);
    let mut s = Script::new();
    let mut memory: Vec<(&'static str, &str)> = Vec::new();
    for setting in settings {
        let value = setting.value.as_str();
        match key(setting) {
            Key::Autoboot => match value {
                "true" | "false" => {
                    s.set("autoboot", value).map_err(Error::usage)?;
                }
                _ => {
                    return Err(Error::usage(format!(
                        "autoboot is true or false, not `{}`",
                        crate::text::shown(value)
                    )));
                }
            },
            Key::Global if value.is_empty() => {
                s.clear(&setting.key);
            }
            Key::Global => {
                if let Some(r) =
                    crate::model::zonecfg_value::global_property_refusal(&setting.key, value)
                {
                    return Err(refused(r));
                }
                s.set(&setting.key, value).map_err(Error::usage)?;
            }
            Key::CappedCpu => {
                let has = info.resources_of("capped-cpu").next().is_some();
                match (value.is_empty(), has) {
                    (true, true) => {
                        s.pick("remove", "capped-cpu", None).map_err(Error::usage)?;
                    }
                    (true, false) => {}
                    (false, _) => {
                        let r = resource("capped-cpu", &[("ncpus", value)]);
                        if let Some((_, why)) = crate::model::zonecfg_value::resource_refusals(&r)
                            .into_iter()
                            .next()
                        {
                            return Err(refused(why));
                        }
                        s.pick(if has { "select" } else { "add" }, "capped-cpu", None)
                            .map_err(Error::usage)?;
                        s.set("ncpus", value).map_err(Error::usage)?;
                        s.command("end");
                    }
                }
            }
            Key::Memory(prop) => memory.push((prop, value)),
        }
    }
    if !memory.is_empty() {
        // capped-memory as it will be: what it holds now, with the changes.
        let now = info.resources_of("capped-memory").next();
        let mut props: Vec<(&str, String)> = ["physical", "swap", "locked"]
            .into_iter()
            .filter_map(|p| {
                now.and_then(|r| r.get(p))
                    .map(|v| (p, v.trim_matches(['[', ']']).to_string()))
            })
            .collect();
        for (prop, value) in &memory {
            props.retain(|(p, _)| p != prop);
            if !value.is_empty() {
                props.push((prop, value.to_string()));
            }
        }
        if props.is_empty() {
            if now.is_some() {
                s.pick("remove", "capped-memory", None)
                    .map_err(Error::usage)?;
            }
        } else {
            let pairs: Vec<(&str, &str)> = props.iter().map(|(p, v)| (*p, v.as_str())).collect();
            let r = resource("capped-memory", &pairs);
            if let Some((_, why)) = crate::model::zonecfg_value::resource_refusals(&r)
                .into_iter()
                .next()
            {
                return Err(refused(why));
            }
            s.pick(
                if now.is_some() { "select" } else { "add" },
                "capped-memory",
                None,
            )
            .map_err(Error::usage)?;
            for (prop, value) in &memory {
                if value.is_empty() {
                    if now.and_then(|r| r.get(prop)).is_some() {
                        s.clear(prop);
                    }
                } else {
                    s.set(prop, value).map_err(Error::usage)?;
                }
            }
            s.command("end");
        }
    }
    s.command("commit");
    Ok(s)
}

/// A resource of simple properties, for the checks.
fn resource(kind: &str, props: &[(&str, &str)]) -> Resource {
    Resource {
        kind: kind.to_string(),
        properties: props
            .iter()
            .map(|(name, value)| ResourceProperty {
                name: name.to_string(),
                value: ResourceValue::Simple(value.to_string()),
            })
            .collect(),
    }
}

/// `KEY=VALUE` pairs of `add` and `remove`.
pub fn parse_props(words: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            return Err(Error::usage(format!(
                "`{}` is not KEY=VALUE",
                crate::text::shown(w)
            )));
        };
        if out.iter().any(|(seen, _)| seen == k) {
            return Err(Error::usage(format!(
                "`{}` is given twice",
                crate::text::shown(k)
            )));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// `zmgr add NAME fs|dataset|net KEY=VALUE…`.
pub fn add(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    kind: Kind,
    props: &[(String, String)],
    dry_run: bool,
) -> Result<Modified> {
    let (entry, info, effect) = zone_now(core, registry, name)?;
    if kind == Kind::Net {
        return add_net(core, registry, &entry, &info, effect, props, dry_run);
    }
    let r = fs_or_dataset(kind, props)?;
    let key = if kind == Kind::Fs { "dir" } else { "name" };
    let wanted = props
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str());
    if info
        .resources_of(kind.as_str())
        .any(|have| have.get(key) == wanted)
    {
        return Err(Error::conflict(format!(
            "zone {name} has a {} with {key} {} already",
            kind.as_str(),
            crate::text::shown(wanted.unwrap_or_default())
        )));
    }
    let mut s = Script::new();
    s.command(&format!("add {}", kind.as_str()));
    for p in &r.properties {
        match &p.value {
            ResourceValue::Simple(v) => s.set(&p.name, v),
            ResourceValue::List(v) => s.set_list(&p.name, v),
            ResourceValue::Complex(_) => unreachable!("fs and dataset take no complex values"),
        }
        .map_err(Error::usage)?;
    }
    s.command("end");
    s.command("commit");
    run(core, name, s, effect, None, dry_run)
}

/// An fs or dataset resource from `KEY=VALUE` pairs (`options=ro,nodevices` a list), checked
/// as a template's: known properties, values zonecfg takes, what zonecfg requires.
fn fs_or_dataset(kind: Kind, props: &[(String, String)]) -> Result<Resource> {
    let r = Resource {
        kind: kind.as_str().to_string(),
        properties: props
            .iter()
            .map(|(k, v)| ResourceProperty {
                name: k.clone(),
                value: if kind == Kind::Fs && k == "options" {
                    ResourceValue::List(
                        v.split(',')
                            .filter(|o| !o.is_empty())
                            .map(str::to_string)
                            .collect(),
                    )
                } else {
                    ResourceValue::Simple(v.clone())
                },
            })
            .collect(),
    };
    crate::model::template::check_resource(&r).map_err(Error::usage)?;
    if let Some((_, why)) = crate::model::zonecfg_value::resource_refusals(&r)
        .into_iter()
        .next()
    {
        return Err(Error::usage(why.message).with_help(why.help));
    }
    Ok(r)
}

/// Adds an interface: an address from its pool under the registry lock, written into the
/// entry first (so the address is held), then the VNIC, then zonecfg. A failure takes back
/// what was made, the entry's interface last.
fn add_net(
    core: &mut Session,
    registry: &Registry,
    entry: &ZoneEntry,
    info: &Info,
    effect: Effect,
    props: &[(String, String)],
    dry_run: bool,
) -> Result<Modified> {
    let name = entry.name.value.as_str();
    let mut pool_name = None;
    let mut requested: Option<IpAddr> = None;
    for (k, v) in props {
        match k.as_str() {
            "pool" => pool_name = Some(v.clone()),
            "address" => {
                requested = Some(v.parse().map_err(|_| {
                    Error::usage(format!(
                        "address `{}` is not an IP address",
                        crate::text::shown(v)
                    ))
                })?)
            }
            _ => {
                return Err(Error::usage(format!(
                    "a net takes pool= and address=, not `{}`",
                    crate::text::shown(k)
                )));
            }
        }
    }
    let pool_name = pool_name
        .ok_or_else(|| Error::usage("a net needs pool=POOL (and may take address=ADDRESS)"))?;
    let pool = registry.pool(&pool_name)?;
    let exclusive = entry.ip_type == IpType::Exclusive;
    // The first index whose VNIC name neither the zone nor the system has.
    let taken: Vec<String> = entry
        .nets
        .iter()
        .map(|n| n.physical.clone())
        .chain(info.nets().into_iter().map(|n| n.physical))
        .collect();
    let links = crate::host::dladm::links(core.runner())?;
    let link = if exclusive {
        (0..)
            .map(|i| crate::ops::create::derived_vnic_n(name, i))
            .find(|l| !taken.contains(l) && !links.iter().any(|x| &x.name == l))
            .expect("some index is free")
    } else {
        pool.shared_link
            .as_ref()
            .unwrap_or(&pool.stub)
            .value
            .clone()
    };
    if let Some(why) = crate::model::names::link_name_error(&link) {
        return Err(Error::usage(why));
    }
    if !links.iter().any(|l| l.name == pool.stub.value) && exclusive {
        return Err(
            Error::failed(format!("link {} does not exist", pool.stub.value)).with_help(
                "`zmgr host check` lists what the host lacks; `zmgr host setup` makes it",
            ),
        );
    }
    // The address, under the lock, against the ledger as it is now.
    let held_now = |registry: &Registry| -> Result<IpAddr> {
        let held = registry.held_addresses();
        match requested {
            Some(ip) => {
                if let Some(why) = pool.refusal(ip) {
                    return Err(Error::usage(why));
                }
                if held.contains(&ip) {
                    return Err(Error::conflict(format!("{ip} is held by another zone")));
                }
                Ok(ip)
            }
            None => pool.next_free(&held).ok_or_else(|| pool.full()),
        }
    };
    // The zone's first interface carries the default route.
    let gateway = pool
        .gateway
        .as_ref()
        .map(|g| g.value)
        .filter(|_| entry.nets.is_empty());
    let net_script = |address: IpAddr| -> Result<Script> {
        let mut s = Script::new();
        s.command("add net");
        s.set("physical", &link).map_err(Error::usage)?;
        let cidr = format!("{address}/{}", pool.prefix_len());
        let prop = if exclusive {
            "allowed-address"
        } else {
            "address"
        };
        s.set(prop, &cidr).map_err(Error::usage)?;
        if let Some(g) = gateway {
            s.set("defrouter", &g.to_string()).map_err(Error::usage)?;
        }
        s.command("end");
        s.command("commit");
        Ok(s)
    };
    let changed = |address: IpAddr| ChangedNet {
        pool: pool_name.clone(),
        address: format!("{address}/{}", pool.prefix_len()),
        link: link.clone(),
    };
    // What the change is, done or (with `dry_run`) to be done.
    let outcome = |core: &Session, address: IpAddr, script: &Script| {
        let mut commands = Vec::new();
        if exclusive {
            commands.push(core.display(&crate::host::dladm::create_vnic(&pool.stub.value, &link)));
        }
        commands.push(core.display(&crate::host::zonecfg::configure(name, &script.text())));
        Modified {
            zone: name.to_string(),
            zonecfg: script.lines().to_vec(),
            commands,
            effect,
            net: Some(changed(address)),
            dry_run,
        }
    };
    let shared = core.shared_ledger(&registry.config, pool)?;
    if dry_run {
        let address = match &shared {
            Some(store) => {
                let (state, _) = crate::ops::shared_pools::read_checked(store.as_ref(), pool)?;
                let mut held = registry.held_addresses();
                held.extend(state.holdings.iter().map(|h| h.address));
                match requested {
                    Some(ip) if held.contains(&ip) => {
                        return Err(Error::conflict(format!("{ip} is held by another zone")));
                    }
                    Some(ip) => ip,
                    None => pool.next_free(&held).ok_or_else(|| pool.full())?,
                }
            }
            None => held_now(registry)?,
        };
        return Ok(outcome(core, address, &net_script(address)?));
    }
    let mut claims = crate::ops::shared_pools::Claims::default();
    let address = {
        let _lock = core.lock()?;
        // The ledger as it is now, under the lock.
        let mut now = core.registry_for(needs(name, Some(&pool_name)))?;
        let address = match &shared {
            // A shared pool's address is claimed in etcd before the entry names it.
            Some(store) => {
                if let Some(ip) = requested
                    && let Some(why) = pool.refusal(ip)
                {
                    return Err(Error::usage(why));
                }
                let (address, claimed) = crate::ops::shared_pools::claim_one(
                    store.clone(),
                    pool,
                    name,
                    requested,
                    &now.held_addresses(),
                )?;
                claims = claimed;
                address
            }
            None => held_now(&now)?,
        };
        let entry_now = now
            .zones
            .remove(name)
            .ok_or_else(|| Error::failed(format!("zone {name} left the registry")))?;
        let mut updated = entry_now;
        updated.nets.push(Net {
            physical: link.clone(),
            address: Some(ZoneAddress {
                ip: address,
                prefix: Some(pool.prefix_len()),
            }),
            pool: Some(pool_name.clone()),
            vnic: exclusive,
            address_span: None,
            pool_span: None,
        });
        if let Err(e) = crate::store::entries::replace_entry(core.root(), &updated) {
            let left = claims.release(name);
            return Err(if left.is_empty() {
                e
            } else {
                Error::failed(format!("{e}; and {}", left.join("; ")))
            });
        }
        address
    };
    let script = net_script(address)?;
    let mut made_vnic = false;
    let result = (|| -> Result<()> {
        if crate::host::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        if exclusive {
            made_vnic = true;
            core.run_step(
                &format!("creating VNIC {link} over {}", pool.stub.value),
                &crate::host::dladm::create_vnic(&pool.stub.value, &link),
            )?;
        }
        core.run_step(
            &format!("adding interface {link} to zone {name}"),
            &crate::host::zonecfg::configure(name, &script.text()),
        )?;
        Ok(())
    })();
    if let Err(cause) = result {
        let _shield = crate::host::interrupt::Shield::up();
        let mut failed = Vec::new();
        if made_vnic
            && crate::host::dladm::vnics(core.runner())
                .map(|v| v.iter().any(|v| v.link == link))
                .unwrap_or(true)
            && let Err(e) = core.run(&crate::host::dladm::delete_vnic(&link))
        {
            failed.push(format!("VNIC {link}: {e}"));
        }
        if failed.is_empty() {
            match drop_entry_net(core, name, &link) {
                Ok(_lock) => failed.extend(claims.release(name)),
                Err(e) => failed.push(format!("the interface in the registry entry: {e}")),
            }
        } else {
            failed.push(format!(
                "the registry entry keeps {address}, so it stays reserved; `zmgr reconcile` shows what is left"
            ));
        }
        if failed.is_empty() {
            return Err(cause);
        }
        return Err(Error::failed(format!(
            "could not add an interface to zone {name}: {cause}"
        ))
        .with_help(format!(
            "could NOT undo, needs a person: {}",
            failed.join("; ")
        )));
    }
    Ok(outcome(core, address, &script))
}

/// Removes the interface on `link` from the zone's entry, under the registry lock.
/// Takes the interface on `link` out of the zone's entry; the registry lock it took is
/// handed back, for what must happen before anyone else sees the registry.
fn drop_entry_net(core: &Session, name: &str, link: &str) -> Result<crate::fs::lock::RegistryLock> {
    let lock = core.lock()?;
    let registry = core.registry_for(needs(name, None))?;
    let mut entry = registry.zone(name)?.clone();
    entry.nets.retain(|n| n.physical != link);
    crate::store::entries::replace_entry(core.root(), &entry)?;
    Ok(lock)
}

/// `zmgr remove NAME fs dir=D | dataset name=N | net physical=LINK|address=ADDRESS`.
pub fn remove(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    kind: Kind,
    props: &[(String, String)],
    dry_run: bool,
) -> Result<Modified> {
    let (entry, info, effect) = zone_now(core, registry, name)?;
    let [(key, value)] = props else {
        return Err(Error::usage(match kind {
            Kind::Fs => "name the file system: dir=PATH",
            Kind::Dataset => "name the dataset: name=DATASET",
            Kind::Net => "name the interface: physical=LINK or address=ADDRESS",
        }));
    };
    match (kind, key.as_str()) {
        (Kind::Fs, "dir") | (Kind::Dataset, "name") => {
            if !info
                .resources_of(kind.as_str())
                .any(|r| r.get(key) == Some(value.as_str()))
            {
                return Err(Error::NotFound {
                    kind: if kind == Kind::Fs { "fs" } else { "dataset" },
                    name: value.clone(),
                    help: Some(format!(
                        "`zmgr config {name}` shows the zone's configuration"
                    )),
                });
            }
            let mut s = Script::new();
            s.pick("remove", kind.as_str(), Some((key, value)))
                .map_err(Error::usage)?;
            s.command("commit");
            run(core, name, s, effect, None, dry_run)
        }
        (Kind::Net, "physical" | "address") => {
            let net = entry
                .nets
                .iter()
                .find(|n| match key.as_str() {
                    "physical" => &n.physical == value,
                    _ => n.address.is_some_and(|a| a.ip.to_string() == *value),
                })
                .ok_or_else(|| Error::NotFound {
                    kind: "interface",
                    name: value.clone(),
                    help: Some(format!("`zmgr show {name}` lists the zone's interfaces")),
                })?
                .clone();
            // A running zone uses its VNIC: it cannot go until the zone is down.
            if effect == Effect::NextBoot {
                return Err(Error::usage(format!(
                    "zone {name} is running and uses {}",
                    net.physical
                ))
                .with_help(format!("halt it first: `zmgr halt {name}`")));
            }
            let mut s = Script::new();
            s.pick("remove", "net", Some(("physical", &net.physical)))
                .map_err(Error::usage)?;
            s.command("commit");
            let changed = ChangedNet {
                pool: net.pool.clone().unwrap_or_default(),
                address: net.address.map(|a| a.to_string()).unwrap_or_default(),
                link: net.physical.clone(),
            };
            let mut modified = run(core, name, s, effect, Some(changed), dry_run)?;
            if net.vnic {
                let delete = crate::host::dladm::delete_vnic(&net.physical);
                modified.commands.push(core.display(&delete));
                if !dry_run {
                    let _shield = crate::host::interrupt::Shield::up();
                    core.run_step(&format!("deleting VNIC {}", net.physical), &delete)
                        .map_err(|e| {
                            Error::failed(format!(
                                "the interface left zone {name}'s configuration, but VNIC {} could not be deleted: {e}",
                                net.physical
                            ))
                            .with_help("`zmgr reconcile --fix` deletes it once nothing uses it")
                        })?;
                }
            }
            if !dry_run {
                // A shared pool's address goes back to etcd after the entry lets it go, still
                // under the lock: no reconcile may release it meanwhile and no add net claim
                // it again before this release.
                let _lock = drop_entry_net(core, name, &net.physical)?;
                let mut dropped = entry.clone();
                dropped.nets.retain(|n| n.physical == net.physical);
                let left = crate::ops::lifecycle::release_shared(core, registry, &dropped);
                if !left.is_empty() {
                    return Err(Error::failed(format!(
                        "interface {} left zone {name}, but {}",
                        net.physical,
                        left.join("; ")
                    )));
                }
            }
            Ok(modified)
        }
        _ => Err(Error::usage(format!(
            "a {} is named by {}, not `{}`",
            kind.as_str(),
            match kind {
                Kind::Fs => "dir=",
                Kind::Dataset => "name=",
                Kind::Net => "physical= or address=",
            },
            crate::text::shown(key)
        ))),
    }
}

/// Runs one zonecfg transaction (or, with `dry_run`, only says what it would be).
fn run(
    core: &mut Session,
    name: &str,
    script: Script,
    effect: Effect,
    net: Option<ChangedNet>,
    dry_run: bool,
) -> Result<Modified> {
    let cmd = crate::host::zonecfg::configure(name, &script.text());
    if !dry_run {
        core.run_step(&format!("changing the configuration of zone {name}"), &cmd)?;
    }
    Ok(Modified {
        zone: name.to_string(),
        zonecfg: script.lines().to_vec(),
        commands: vec![core.display(&cmd)],
        effect,
        net,
        dry_run,
    })
}

/// What `zmgr config NAME` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub zone: String,
    /// `zonecfg export`: the commands that make the configuration.
    pub export: String,
    /// `zonecfg info`, parsed.
    pub info: Info,
}

/// `zmgr config NAME`: the zone's configuration as zonecfg holds it.
pub fn config(core: &Session, registry: &Registry, name: &str) -> Result<Config> {
    crate::ops::lifecycle::entry(registry, name, true)?;
    let out = core.run(&crate::host::zonecfg::export(name))?;
    let info = crate::host::zonecfg::info(core.runner(), name)?;
    Ok(Config {
        zone: name.to_string(),
        // Each line shown safely; the lines stay lines.
        export: out
            .stdout
            .lines()
            .map(|l| crate::text::printable(l) + "\n")
            .collect(),
        info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(text: &str) -> Info {
        crate::host::zonecfg::parse_info(text).unwrap()
    }

    fn settings(words: &[&str]) -> Vec<Setting> {
        words.iter().map(|w| w.parse().unwrap()).collect()
    }

    #[test]
    fn keys_are_checked_with_a_suggestion() {
        assert_eq!(
            "cpu-share=2".parse::<Setting>().unwrap_err(),
            "zmgr cannot set `cpu-share`; did you mean `cpu-shares`?"
        );
        assert!(
            "cpu-shares"
                .parse::<Setting>()
                .unwrap_err()
                .contains("KEY=VALUE"),
        );
    }

    #[test]
    fn set_writes_one_transaction_selecting_what_exists() {
        let none = info("zonename: z\nautoboot: false\n");
        let s = set_script(
            &none,
            &settings(&[
                "autoboot=true",
                "cpu-shares=20",
                "capped-memory.physical=2G",
                "capped-cpu=1.5",
                "bootargs=",
            ]),
        )
        .unwrap();
        assert_eq!(
            s.text(),
            "set autoboot=\"true\"\nset cpu-shares=\"20\"\nadd capped-cpu\nset ncpus=\"1.5\"\nend\nclear bootargs\nadd capped-memory\nset physical=\"2G\"\nend\ncommit\n"
        );
        let some = info(
            "zonename: z\ncapped-cpu:\n\t[ncpus: 1.50]\ncapped-memory:\n\t[physical: 1G]\n\t[swap: 2G]\n",
        );
        let s = set_script(
            &some,
            &settings(&[
                "capped-cpu=",
                "capped-memory.physical=",
                "capped-memory.locked=512M",
            ]),
        )
        .unwrap();
        assert_eq!(
            s.text(),
            "remove capped-cpu\nselect capped-memory\nclear physical\nset locked=\"512M\"\nend\ncommit\n"
        );
    }

    #[test]
    fn set_refuses_what_zonecfg_would() {
        let none = info("zonename: z\n");
        for (words, says) in [
            (&["autoboot=yes"][..], "autoboot is true or false"),
            (&["cpu-shares=-1"], "cpu-shares"),
            (&["max-lwps=50"], "max-lwps"),
            (&["capped-memory.swap=10M"], "swap"),
            (&["capped-cpu=0"], "ncpus"),
            (&["cpu-shares=1", "cpu-shares=2"], "given twice"),
            (&["limitpriv=a\"b"], "double quote"),
        ] {
            let e = set_script(&none, &settings(words)).unwrap_err().to_string();
            assert!(e.contains(says), "{words:?}: {e}");
        }
    }

    #[test]
    fn fs_and_dataset_resources_are_checked_as_a_template_s() {
        let props =
            |w: &[&str]| parse_props(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        assert!(
            fs_or_dataset(
                Kind::Fs,
                &props(&[
                    "dir=/data",
                    "special=/export/d",
                    "type=lofs",
                    "options=ro,nodevices"
                ])
            )
            .is_ok()
        );
        for (kind, words, says) in [
            (
                Kind::Fs,
                &["dir=data", "special=/x", "type=lofs"][..],
                "absolute",
            ),
            (Kind::Fs, &["dir=/data", "type=lofs"], "special"),
            (
                Kind::Fs,
                &["dir=/data", "special=/x", "type=lofs", "bogus=1"],
                "bogus",
            ),
            (Kind::Dataset, &["name=tank/a@b"], "dataset"),
        ] {
            let e = fs_or_dataset(kind, &props(words)).unwrap_err().to_string();
            assert!(e.contains(says), "{words:?}: {e}");
        }
        assert!(parse_props(&["a=1".into(), "a=2".into()]).is_err());
        assert!(parse_props(&["novalue".into()]).is_err());
    }
}
