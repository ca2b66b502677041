//! Pools shared by several hosts (`ledger "etcd"`): the definition each host checks before it
//! allocates, the claims a create makes and gives back, and what `pool publish` does.
//!
//! A create claims its addresses under the registry lock, before its entry is written: the
//! store says which addresses other hosts hold, the plan takes the lowest one free of both,
//! and the claim (made only if no key has the address) settles a race with another host: the
//! loser plans again with that address held.

use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::host::shared::{Claim, Claimed, Released, SharedLedger, SharedPool};
use crate::model::pool::Pool;
use crate::ops::session::Session;
use crate::store::ledger::Ledger;
use crate::store::registry::Registry;

/// How many times a create plans again after losing an address to another host.
const ROUNDS: usize = 64;

/// An address this process claimed in a shared pool.
#[derive(Debug, Clone)]
pub struct ClaimedAddress {
    pub pool: String,
    pub address: IpAddr,
    /// The key's revision, which the update to `created` compares against.
    pub revision: i64,
}

/// The claims of one create, with the store they are in.
#[derive(Clone, Default)]
pub struct Claims {
    store: Option<Arc<dyn SharedLedger>>,
    pub claimed: Vec<ClaimedAddress>,
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims")
            .field("claimed", &self.claimed)
            .finish()
    }
}

impl Claims {
    pub fn is_empty(&self) -> bool {
        self.claimed.is_empty()
    }

    /// Marks each claim `created`: the create is done. A claim whose key changed since is
    /// an error (another hand took it), as is a store that cannot be reached: the create is
    /// then undone, as for any failure.
    pub fn confirm(&mut self, zone: &str) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        for c in &mut self.claimed {
            let claim = claim(store.as_ref(), Some(zone), Claim::CREATED);
            if !store.update(&c.pool, c.address, c.revision, &claim)? {
                return Err(Error::conflict(format!(
                    "the claim on {} in etcd ({}) changed while zone {zone} was made",
                    c.address,
                    store.key(&c.pool, c.address)
                )));
            }
        }
        Ok(())
    }

    /// Gives every claim back; what could not be given back, as messages naming each key
    /// (reconcile releases it later).
    pub fn release(&self, zone: &str) -> Vec<String> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        let mut failed = Vec::new();
        for c in &self.claimed {
            let key = store.key(&c.pool, c.address);
            match store.release(&c.pool, c.address, Some(zone)) {
                Ok(Released::Done | Released::Absent) => {}
                Ok(Released::NotOurs(holder)) => failed.push(format!(
                    "etcd key {key} now belongs to {}; left alone",
                    crate::host::shared::holder(holder.as_ref())
                )),
                Err(e) => failed.push(format!(
                    "etcd key {key} could not be released ({e}); `zmgr reconcile --fix` releases it"
                )),
            }
        }
        failed
    }

    /// Adds `other`'s claims (in the same store) to these.
    pub fn absorb(&mut self, other: Claims) {
        if self.store.is_none() {
            self.store = other.store;
        }
        self.claimed.extend(other.claimed);
    }

    /// The addresses claimed, for messages.
    pub fn describe(&self) -> String {
        self.claimed
            .iter()
            .map(|c| c.address.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A claim of this host, now.
fn claim(store: &dyn SharedLedger, zone: Option<&str>, state: &str) -> Claim {
    Claim {
        host: store.host().to_string(),
        zone: zone.map(str::to_string),
        state: state.to_string(),
        time: crate::time::now_rfc3339(),
    }
}

/// Reads a shared pool from the store and checks its published definition against the local
/// file: a host whose file says otherwise must not allocate from it.
pub fn read_checked(store: &dyn SharedLedger, pool: &Pool) -> Result<(SharedPool, i64)> {
    let state = store.read(&pool.name.value)?;
    let name = &pool.name.value;
    let Some((published, revision)) = &state.definition else {
        return Err(Error::usage(format!(
            "shared pool `{name}` has no definition in etcd ({})",
            store.location()
        ))
        .with_help(format!(
            "`zmgr pool publish {name}` publishes this host's pools/{name}.kdl for every host to check"
        )));
    };
    let differences = pool.definition_differences(published);
    if !differences.is_empty() {
        return Err(Error::conflict(format!(
            "pool `{name}` differs from the definition published in etcd: {}",
            differences.join("; ")
        ))
        .with_help(format!(
            "every host sharing the pool must have the same network, gateway, ranges, reserved and excluded addresses; fix pools/{name}.kdl, or `zmgr pool publish {name}` if this file is the new definition"
        )));
    }
    let revision = *revision;
    Ok((state, revision))
}

/// Plans a create whose interfaces may come from shared pools and claims those addresses:
/// `plan` is called with the ledger holding what the store says other hosts hold, and
/// again, with a lost address held too, until every claim is won (or [`ROUNDS`] are used).
pub fn plan_and_claim<P>(
    core: &Session,
    registry: &Registry,
    mut ledger: Ledger,
    zone: &str,
    plan: impl Fn(&Ledger) -> Result<P>,
    nets: impl Fn(&P) -> Vec<(String, IpAddr)>,
) -> Result<(P, Claims)> {
    let first = plan(&ledger)?;
    let Some((store, revisions)) = hold_shared(core, registry, &mut ledger, &nets(&first))? else {
        return Ok((first, Claims::default()));
    };
    let revision_of = |pool: &str| revisions.iter().find(|(p, _)| p == pool).map(|r| r.1);
    let mut claims = Claims {
        store: Some(store.clone()),
        claimed: Vec::new(),
    };
    for _ in 0..ROUNDS {
        let planned = plan(&ledger)?;
        let mut lost = None;
        for (pool, address) in nets(&planned) {
            let Some(definition) = revision_of(&pool) else {
                continue;
            };
            let wanted = claim(store.as_ref(), Some(zone), Claim::CREATING);
            match store.claim(&pool, address, definition, &wanted) {
                Ok(Claimed::Won(revision)) => claims.claimed.push(ClaimedAddress {
                    pool,
                    address,
                    revision,
                }),
                Ok(Claimed::Taken) => {
                    lost = Some((pool, address));
                    break;
                }
                Ok(Claimed::DefinitionChanged) => {
                    let failed = claims.release(zone);
                    return Err(with_leftovers(definition_changed(&pool, zone), failed));
                }
                Err(e) => {
                    // The claim may have reached etcd with its answer lost: released too.
                    claims.claimed.push(ClaimedAddress {
                        pool,
                        address,
                        revision: 0,
                    });
                    let failed = claims.release(zone);
                    return Err(with_leftovers(e, failed));
                }
            }
        }
        let Some((pool, address)) = lost else {
            return Ok((planned, claims));
        };
        // Another host was first: give back this round's claims and plan again, knowing
        // who holds the address now.
        let failed = claims.release(zone);
        if !failed.is_empty() {
            return Err(with_leftovers(
                Error::failed(format!("lost {address} of pool `{pool}` to another host")),
                failed,
            ));
        }
        claims.claimed.clear();
        let state = store.read(&pool)?;
        let who = state
            .holding(address)
            .and_then(|h| h.claim.as_ref())
            .map_or("another host".to_string(), Claim::describe);
        ledger.hold_elsewhere(address, who);
    }
    Err(Error::conflict(format!(
        "zone {zone} lost the race for an address {ROUNDS} times; other hosts are allocating from the same pools"
    )))
}

/// Reads from etcd the shared pools among `nets`' (checking each definition) and holds in
/// `ledger` every address other hosts hold there; the store and each pool's definition
/// revision, or `None` when no pool is shared.
#[allow(clippy::type_complexity)]
fn hold_shared(
    core: &Session,
    registry: &Registry,
    ledger: &mut Ledger,
    nets: &[(String, IpAddr)],
) -> Result<Option<(Arc<dyn SharedLedger>, Vec<(String, i64)>)>> {
    let mut names: Vec<&str> = nets.iter().map(|(p, _)| p.as_str()).collect();
    names.sort();
    names.dedup();
    let shared: Vec<&Pool> = names
        .iter()
        .filter_map(|n| registry.pools.get(*n))
        .filter(|p| p.shared.is_some())
        .collect();
    if shared.is_empty() {
        return Ok(None);
    }
    let store = core.shared_store(&registry.config)?;
    let mut revisions = Vec::new();
    for pool in &shared {
        let (state, revision) = read_checked(store.as_ref(), pool)?;
        for h in &state.holdings {
            let who = crate::host::shared::holder(h.claim.as_ref());
            ledger.hold_elsewhere(h.address, who);
        }
        revisions.push((pool.name.value.clone(), revision));
    }
    Ok(Some((store, revisions)))
}

/// Plans as [`plan_and_claim`] does, claiming nothing: what a dry run shows.
pub fn plan_seeing<P>(
    core: &Session,
    registry: &Registry,
    mut ledger: Ledger,
    plan: impl Fn(&Ledger) -> Result<P>,
    nets: impl Fn(&P) -> Vec<(String, IpAddr)>,
) -> Result<P> {
    let first = plan(&ledger)?;
    match hold_shared(core, registry, &mut ledger, &nets(&first))? {
        None => Ok(first),
        Some(_) => plan(&ledger),
    }
}

/// Claims one address of a shared pool for `zone` (as `add net` does), with the state
/// `created`: `requested`, or the lowest free of `held` and every host's claims.
pub fn claim_one(
    store: Arc<dyn SharedLedger>,
    pool: &Pool,
    zone: &str,
    requested: Option<IpAddr>,
    held: &crate::model::held::Held,
) -> Result<(IpAddr, Claims)> {
    let name = &pool.name.value;
    let (state, revision) = read_checked(store.as_ref(), pool)?;
    let mut held = held.clone();
    held.extend(state.holdings.iter().map(|h| h.address));
    for _ in 0..ROUNDS {
        let address = match requested {
            Some(ip) if held.contains(&ip) => {
                let who = state
                    .holding(ip)
                    .and_then(|h| h.claim.as_ref())
                    .map_or("another zone".to_string(), Claim::describe);
                return Err(Error::conflict(format!("{ip} is held by {who}")));
            }
            Some(ip) => ip,
            None => pool.next_free(&held).ok_or_else(|| pool.full())?,
        };
        let wanted = claim(store.as_ref(), Some(zone), Claim::CREATED);
        let mut claims = Claims {
            store: Some(store.clone()),
            claimed: vec![ClaimedAddress {
                pool: name.clone(),
                address,
                revision: 0,
            }],
        };
        match store.claim(name, address, revision, &wanted) {
            Ok(Claimed::Won(revision)) => {
                claims.claimed[0].revision = revision;
                return Ok((address, claims));
            }
            Ok(Claimed::Taken) => {}
            Ok(Claimed::DefinitionChanged) => return Err(definition_changed(name, zone)),
            Err(e) => {
                // It may have reached etcd with its answer lost.
                let failed = claims.release(zone);
                return Err(with_leftovers(e, failed));
            }
        }
        if requested.is_some() {
            return Err(Error::conflict(format!(
                "{address} was taken by another host meanwhile"
            )));
        }
        held.insert(address);
    }
    Err(Error::conflict(format!(
        "lost the race for an address of pool `{name}` {ROUNDS} times; other hosts are allocating from it"
    )))
}

/// The error of a claim made under a definition that changed meanwhile.
fn definition_changed(pool: &str, zone: &str) -> Error {
    Error::conflict(format!(
        "the definition of pool `{pool}` in etcd changed (published again, or deleted) while {zone} was planned"
    ))
    .with_help("run it again: it checks the definition as it is now")
}

/// `e`, with the keys that could not be given back after it.
fn with_leftovers(e: Error, failed: Vec<String>) -> Error {
    if failed.is_empty() {
        return e;
    }
    Error::failed(format!("{e}; and {}", failed.join("; ")))
}

/// `zmgr pool publish NAME`: publishes the pool's definition for every host to check.
pub fn publish(core: &Session, registry: &Registry, name: &str) -> Result<Published> {
    let pool = registry.pool(name)?;
    let Some(store) = core.shared_ledger(&registry.config, pool)? else {
        return Err(Error::usage(format!(
            "pool `{name}` is not shared: its file has no `ledger \"etcd\"`"
        )));
    };
    let definition = pool.definition();
    let before = store.read(name)?.definition.map(|d| d.0);
    let changed = before.as_deref() != Some(definition.as_str());
    if changed {
        store.publish(name, &definition)?;
    }
    Ok(Published {
        pool: name.to_string(),
        definition: serde_json::from_str(&definition).expect("a definition is JSON"),
        changed,
        replaced: changed && before.is_some(),
    })
}

/// What `pool publish` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub pool: String,
    pub definition: serde_json::Value,
    /// False when etcd had this definition already.
    pub changed: bool,
    /// True when it replaced another definition.
    pub replaced: bool,
}

/// An address of a shared pool as `pool show` lists it: every host's.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SharedAddress {
    pub address: IpAddr,
    pub host: Option<String>,
    pub zone: Option<String>,
    pub state: Option<String>,
    pub time: Option<String>,
}

/// Every address held in a shared pool, by any host, in address order.
pub fn addresses(core: &Session, registry: &Registry, pool: &Pool) -> Result<Vec<SharedAddress>> {
    let Some(store) = core.shared_ledger(&registry.config, pool)? else {
        return Ok(Vec::new());
    };
    let mut out: Vec<SharedAddress> = store
        .read(&pool.name.value)?
        .holdings
        .into_iter()
        .map(|h| SharedAddress {
            address: h.address,
            host: h.claim.as_ref().map(|c| c.host.clone()),
            zone: h.claim.as_ref().and_then(|c| c.zone.clone()),
            state: h.claim.as_ref().map(|c| c.state.clone()),
            time: h.claim.map(|c| c.time),
        })
        .collect();
    out.sort_by_key(|a| a.address);
    Ok(out)
}
