//! Pool edits outside a create: reserving an address by hand (a `reserve` line in the
//! pool's file) and giving it back, under the registry lock.

use std::net::IpAddr;

use kdl::KdlDocument;

use crate::error::{Error, Result};
use crate::host::shared::{Claim, Claimed, Released, SharedLedger};
use crate::model::pool::Pool;
use crate::ops::journal::Change;
use crate::ops::session::Session;

/// Reserves the lowest free address of `pool` by adding a `reserve` line to its file (comments
/// and layout kept), under the registry lock. Returns the address.
pub fn reserve_next(session: &Session, pool: &str) -> Result<IpAddr> {
    let _lock = session.lock()?;
    let registry = session.registry_for(needs(pool))?;
    let p = registry.pool(pool)?;
    if let Some(store) = session.shared_ledger(&registry.config, p)? {
        return reserve_shared(session, &registry, store.as_ref(), p);
    }
    let ip = p
        .next_free(&registry.held_addresses())
        .ok_or_else(|| p.full())?;
    session.record(Change::Reserved {
        pool: pool.to_string(),
        ip,
    })?;
    add_reserve_line(p, ip)?;
    Ok(ip)
}

/// A shared pool's reservation by hand: a claim in etcd with no zone, made as a create's
/// are (the lowest address free on every host; another host first means the next one).
fn reserve_shared(
    session: &Session,
    registry: &crate::store::registry::Registry,
    store: &dyn SharedLedger,
    p: &Pool,
) -> Result<IpAddr> {
    let name = &p.name.value;
    let (state, revision) = crate::ops::shared_pools::read_checked(store, p)?;
    let mut held = registry.held_addresses();
    held.extend(state.holdings.iter().map(|h| h.address));
    for _ in 0..64 {
        let ip = p.next_free(&held).ok_or_else(|| p.full())?;
        session.record(Change::Reserved {
            pool: name.clone(),
            ip,
        })?;
        match store.claim(name, ip, revision, &hand_claim(store)) {
            Ok(Claimed::Won(_)) => return Ok(ip),
            Ok(Claimed::Taken) => {}
            Ok(Claimed::DefinitionChanged) => {
                return Err(Error::conflict(format!(
                    "the definition of pool `{name}` in etcd changed (published again, or deleted) meanwhile"
                )));
            }
            Err(e) => {
                // It may have reached etcd with its answer lost: given back, or named.
                return Err(match store.release(name, ip, None) {
                    Ok(_) => e,
                    Err(_) => Error::failed(format!(
                        "{e}; and etcd key {} may hold a reservation of {ip}: `zmgr pool release {name} {ip}` gives it back",
                        store.key(name, ip)
                    )),
                });
            }
        }
        held.insert(ip);
    }
    Err(Error::conflict(format!(
        "lost the race for an address of pool `{name}` 64 times; other hosts are allocating from it"
    )))
}

/// This host's claim on an address reserved by hand.
fn hand_claim(store: &dyn SharedLedger) -> Claim {
    Claim {
        host: store.host().to_string(),
        zone: None,
        state: Claim::RESERVED.to_string(),
        time: crate::time::now_rfc3339(),
    }
}

/// Gives back this host's reservation by hand of `ip` in a shared pool; false when there was
/// none (`strict` makes that an error).
fn release_shared(store: &dyn SharedLedger, pool: &str, ip: IpAddr, strict: bool) -> Result<bool> {
    match store.release(pool, ip, None)? {
        Released::Done => Ok(true),
        // Undoing: nothing of this host's is left to give back.
        Released::Absent | Released::NotOurs(_) if !strict => Ok(false),
        Released::Absent => Err(Error::failed(format!(
            "{ip} is not reserved in pool `{pool}`"
        ))),
        Released::NotOurs(holder) => Err(Error::failed(format!(
            "{ip} of pool `{pool}` is held by {}, not reserved by hand on this host",
            crate::host::shared::holder(holder.as_ref())
        ))),
    }
}

/// Takes back a reservation a create's hook made: reserves `ip` in `pool` again if it was
/// given back and is still free. `false` when it is reserved already.
pub fn reserve_again(session: &Session, pool: &str, ip: IpAddr) -> Result<bool> {
    let _lock = session.lock()?;
    let registry = session.registry_for(needs(pool))?;
    let p = registry.pool(pool)?;
    if let Some(store) = session.shared_ledger(&registry.config, p)? {
        let (state, revision) = crate::ops::shared_pools::read_checked(store.as_ref(), p)?;
        return match state.holding(ip) {
            Some(h) if h.claim.as_ref().is_some_and(|c| c.is(store.host(), None)) => Ok(false),
            Some(h) => Err(Error::failed(format!(
                "{ip} is now held by {}, so it cannot be reserved again",
                crate::host::shared::holder(h.claim.as_ref())
            ))),
            None => match store.claim(pool, ip, revision, &hand_claim(store.as_ref()))? {
                Claimed::Won(_) => Ok(true),
                Claimed::Taken => Err(Error::failed(format!(
                    "{ip} was taken by another host meanwhile, so it cannot be reserved again"
                ))),
                Claimed::DefinitionChanged => Err(Error::failed(format!(
                    "the definition of pool `{pool}` in etcd changed meanwhile, so {ip} was not reserved again"
                ))),
            },
        };
    }
    if p.reserved.iter().any(|r| r.value == ip) {
        return Ok(false);
    }
    if let Some(z) = registry
        .zones
        .values()
        .find(|z| z.addresses().any(|a| a == ip))
    {
        return Err(Error::failed(format!(
            "{ip} is now held by zone {}, so it cannot be reserved again",
            z.name.value
        )));
    }
    add_reserve_line(p, ip)?;
    Ok(true)
}

/// Adds `reserve "IP"` to a pool's file.
fn add_reserve_line(p: &Pool, ip: IpAddr) -> Result<()> {
    edit_pool_file(p, |node| {
        let mut reserve = kdl::KdlNode::new("reserve");
        reserve.push(crate::kdl::string_entry(&ip.to_string()));
        crate::kdl::push_child(node, reserve);
        Ok(())
    })
}

/// Gives back an address reserved in `pool` (a `reserve` line of its file).
pub fn release(session: &Session, pool: &str, ip: IpAddr) -> Result<()> {
    let _lock = session.lock()?;
    let registry = session.registry_for(needs(pool))?;
    let p = registry.pool(pool)?;
    if let Some(store) = session.shared_ledger(&registry.config, p)? {
        // Journaled only once it is known to be this host's reservation: an undo must not
        // make one that never was.
        let state = store.read(pool)?;
        let ours = state
            .holding(ip)
            .and_then(|h| h.claim.as_ref())
            .is_some_and(|c| c.is(store.host(), None));
        if ours {
            session.record(Change::Released {
                pool: pool.to_string(),
                ip,
            })?;
        }
        return release_shared(store.as_ref(), pool, ip, true).map(|_| ());
    }
    if !p.reserved.iter().any(|r| r.value == ip) {
        return Err(Error::failed(format!(
            "{ip} is not reserved in pool `{pool}`"
        )));
    }
    session.record(Change::Released {
        pool: pool.to_string(),
        ip,
    })?;
    remove_reserve_line(p, ip)
}

/// Takes back an address a create's hook reserved; `false` when it was given back already.
pub fn unreserve(session: &Session, pool: &str, ip: IpAddr) -> Result<bool> {
    let _lock = session.lock()?;
    let registry = session.registry_for(needs(pool))?;
    let p = registry.pool(pool)?;
    if let Some(store) = session.shared_ledger(&registry.config, p)? {
        return release_shared(store.as_ref(), pool, ip, false);
    }
    if !p.reserved.iter().any(|r| r.value == ip) {
        return Ok(false);
    }
    remove_reserve_line(p, ip).map(|()| true)
}

/// Removes `ip` from a pool file's `reserve` lines (and lines left empty).
fn remove_reserve_line(p: &Pool, ip: IpAddr) -> Result<()> {
    // Compare addresses, not text: `2001:DB8::10` is `2001:db8::10`.
    let is_ip = |e: &kdl::KdlEntry| {
        e.name().is_none()
            && e.value().as_string().and_then(|s| s.parse::<IpAddr>().ok()) == Some(ip)
    };
    edit_pool_file(p, |node| {
        let Some(children) = node.children_mut() else {
            return Ok(());
        };
        for n in children
            .nodes_mut()
            .iter_mut()
            .filter(|n| n.name().value() == "reserve")
        {
            n.entries_mut().retain(|e| !is_ip(e));
        }
        children
            .nodes_mut()
            .retain(|n| n.name().value() != "reserve" || !n.entries().is_empty());
        Ok(())
    })
}

/// Edits a pool's file in place with the full KDL parser, which keeps comments and layout.
fn edit_pool_file(p: &Pool, edit: impl FnOnce(&mut kdl::KdlNode) -> Result<()>) -> Result<()> {
    let path = p.file.path();
    let mut doc = KdlDocument::parse_v2(p.file.text())
        .map_err(|_| Error::failed(format!("{} is not valid KDL any more", path.display())))?;
    let node = doc
        .nodes_mut()
        .iter_mut()
        .find(|n| n.name().value() == "pool")
        .ok_or_else(|| Error::failed(format!("{} holds no pool", path.display())))?;
    edit(node)?;
    crate::fs::write_atomic(path, doc.to_string().as_bytes())
}

/// What reserving or releasing an address of `pool` reads: the pool, and every zone entry.
pub fn needs(pool: &str) -> crate::store::needs::Needs {
    use crate::store::needs::{Needs, Want};
    Needs {
        config: true,
        pools: Want::one(pool),
        zones: Want::All,
        ..Needs::default()
    }
}
