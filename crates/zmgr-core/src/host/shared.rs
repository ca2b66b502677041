//! The shared ledger: the addresses of pools that several hosts allocate from, kept in a
//! store they all reach (etcd). The store's client lives in another crate, which implements
//! [`SharedLedger`]; a session without one refuses a shared pool.
//!
//! The address is the unit of ownership: one key per address held, made only if absent, and
//! deleted only by the host and zone that hold it. What a key holds is a [`Claim`], as JSON.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What an address's key says: who holds it, for what, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The host (config.kdl `host-name`, by default the node name).
    pub host: String,
    /// The zone it is for; none for an address reserved by hand (`zmgr::allocate`).
    pub zone: Option<String>,
    /// `creating` while the create runs, `created` once it is done, `reserved` by hand.
    pub state: String,
    /// When the claim was made or last changed, RFC 3339 UTC.
    pub time: String,
}

impl Claim {
    pub const CREATING: &'static str = "creating";
    pub const CREATED: &'static str = "created";
    pub const RESERVED: &'static str = "reserved";

    /// The claim as a key's value.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a claim serialises")
    }

    /// A key's value as a claim; `None` for a value zmgr did not write.
    pub fn parse(value: &[u8]) -> Option<Claim> {
        let c: Claim = serde_json::from_slice(value).ok()?;
        let ok = |s: &str| !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control);
        (ok(&c.host) && c.zone.as_deref().is_none_or(ok) && ok(&c.state) && ok(&c.time))
            .then_some(c)
    }

    /// Whether it is this host's claim for `zone`.
    pub fn is(&self, host: &str, zone: Option<&str>) -> bool {
        self.host == host && self.zone.as_deref() == zone
    }

    /// `zone web01 on host h1`, or `a reservation by hand on host h1`.
    pub fn describe(&self) -> String {
        match &self.zone {
            Some(z) => format!("zone {z} on host {}", self.host),
            None => format!("a reservation by hand on host {}", self.host),
        }
    }
}

/// Who holds a key, from its claim ([`Claim::describe`]), for a key whose value is not a
/// claim too.
pub fn holder(claim: Option<&Claim>) -> String {
    claim.map_or("a value zmgr did not write".to_string(), Claim::describe)
}

/// One address held in a shared pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub address: IpAddr,
    /// `None` when the key's value is not a claim zmgr wrote: the address is still taken.
    pub claim: Option<Claim>,
    /// The key's last change, which a release or an update compares against.
    pub revision: i64,
}

/// A shared pool as the store has it: its published definition and every address held.
#[derive(Debug, Clone, Default)]
pub struct SharedPool {
    /// The definition's text (see [`crate::model::pool::Pool::definition`]) and its
    /// revision; `None` when it was never published.
    pub definition: Option<(String, i64)>,
    pub holdings: Vec<Holding>,
}

impl SharedPool {
    pub fn holding(&self, address: IpAddr) -> Option<&Holding> {
        self.holdings.iter().find(|h| h.address == address)
    }
}

/// What a claim came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// The key is this claim's, at this revision.
    Won(i64),
    /// Another holder has the address.
    Taken,
    /// The pool's definition is no longer the one checked: published again, or deleted.
    DefinitionChanged,
}

/// What a release found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    /// The key was this host's for the zone, and is gone.
    Done,
    /// There was no key.
    Absent,
    /// The key belongs to someone else (or holds what zmgr did not write); left alone.
    NotOurs(Option<Claim>),
}

/// The store of shared pools, as the operations use it. Every call either does all it says
/// or nothing, and fails within the configured timeout when the store cannot be reached.
pub trait SharedLedger: Send + Sync {
    /// This host's name in the ledger.
    fn host(&self) -> &str;
    /// Where the store is, for messages: its endpoints.
    fn location(&self) -> String;
    /// The key of `address` in `pool`, for messages.
    fn key(&self, pool: &str, address: IpAddr) -> String;
    /// The pool's definition and holdings, read at one revision.
    fn read(&self, pool: &str) -> Result<SharedPool>;
    /// Publishes the pool's definition (replacing it).
    fn publish(&self, pool: &str, definition: &str) -> Result<()>;
    /// Makes `address`'s key with `claim` if no key has it and the definition is still at
    /// `definition_revision`. An error may come after etcd made the key (its answer lost):
    /// the caller releases the address then, as it would a claim it won.
    fn claim(
        &self,
        pool: &str,
        address: IpAddr,
        definition_revision: i64,
        claim: &Claim,
    ) -> Result<Claimed>;
    /// Replaces this host's claim on `address` (at `revision`) with `claim`; false when the
    /// key changed since.
    fn update(&self, pool: &str, address: IpAddr, revision: i64, claim: &Claim) -> Result<bool>;
    /// Deletes `address`'s key if it is this host's claim for `zone`.
    fn release(&self, pool: &str, address: IpAddr, zone: Option<&str>) -> Result<Released>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip_and_foreign_values_are_not_claims() {
        let c = Claim {
            host: "h1".into(),
            zone: Some("web01".into()),
            state: Claim::CREATING.into(),
            time: "2026-01-02T03:04:05Z".into(),
        };
        assert_eq!(Claim::parse(c.to_json().as_bytes()), Some(c.clone()));
        assert!(c.is("h1", Some("web01")));
        assert!(!c.is("h2", Some("web01")));
        assert!(!c.is("h1", None));
        assert_eq!(c.describe(), "zone web01 on host h1");
        for foreign in [
            &b"hello"[..],
            b"{}",
            br#"{"host":"","zone":null,"state":"reserved","time":"t"}"#,
            br#"{"host":"h\n","zone":null,"state":"reserved","time":"t"}"#,
        ] {
            assert_eq!(Claim::parse(foreign), None, "{foreign:?}");
        }
    }
}
