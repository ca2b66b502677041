//! The ledger as a create asks it, under the registry lock: which zones there are, which links
//! they claim and which addresses they hold, read without building whole zone entries (at
//! 65,000 zones that is most of a create's own time). It is read the way the zone entries are
//! (see `store::index`): every file checked by its stamp, read when the index does not know it.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::model::held::{AddressHash, Held};
use crate::model::zone::ZoneEntry;

#[derive(Debug, Default)]
pub struct Ledger {
    /// Zone names, sorted.
    names: Vec<String>,
    /// Each interface: its zone (an index into `names`), its link and its address.
    nets: Vec<(u32, String, Option<IpAddr>)>,
    held: Held,
    /// A hash of each link, to the first interface on it (an index into `nets`).
    links: HashMap<u64, u32, AddressHash>,
    /// Addresses held outside this registry (in a shared pool, by other hosts), each with who
    /// holds it.
    elsewhere: Vec<(IpAddr, String)>,
}

impl Ledger {
    /// The ledger of zones `names` (sorted) and their interfaces (`(zone, link, address)`).
    pub fn new(names: Vec<String>, nets: Vec<(u32, String, Option<IpAddr>)>) -> Ledger {
        let mut held = crate::model::held::with_capacity(nets.len());
        held.extend(nets.iter().filter_map(|n| n.2));
        let mut links = HashMap::with_capacity_and_hasher(nets.len(), AddressHash::default());
        for (i, (_, link, _)) in nets.iter().enumerate() {
            links.entry(link_hash(link)).or_insert(i as u32);
        }
        Ledger {
            names,
            nets,
            held,
            links,
            elsewhere: Vec::new(),
        }
    }

    /// The ledger of decoded entries (a registry read whole).
    pub fn of<'a>(zones: impl IntoIterator<Item = &'a ZoneEntry>) -> Ledger {
        let mut names = Vec::new();
        let mut nets = Vec::new();
        for (i, z) in zones.into_iter().enumerate() {
            names.push(z.name.value.clone());
            for n in &z.nets {
                nets.push((i as u32, n.physical.clone(), n.address.map(|a| a.ip)));
            }
        }
        Ledger::new(names, nets)
    }

    pub fn has_zone(&self, name: &str) -> bool {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }

    /// Every address some zone holds.
    pub fn held(&self) -> &Held {
        &self.held
    }

    /// The zone whose interface is on `link`.
    pub fn link_owner(&self, link: &str) -> Option<&str> {
        let owner = |n: &(u32, String, Option<IpAddr>)| self.names[n.0 as usize].as_str();
        match self.links.get(&link_hash(link)) {
            Some(&i) if self.nets[i as usize].1 == link => Some(owner(&self.nets[i as usize])),
            // Another link with the same hash (or none): ask every interface.
            Some(_) => self.nets.iter().find(|n| n.1 == link).map(owner),
            None => None,
        }
    }

    /// Notes that `ip` is held outside this registry, by `who` ("zone web01 on host h2").
    pub fn hold_elsewhere(&mut self, ip: IpAddr, who: String) {
        if self.held.insert(ip) {
            self.elsewhere.push((ip, who));
        }
    }

    /// Who holds `ip`: "zone `web01`", or as [`Ledger::hold_elsewhere`] was told.
    pub fn describe_holder(&self, ip: IpAddr) -> Option<String> {
        match self.holder(ip) {
            Some(zone) => Some(format!("zone `{zone}`")),
            None => self
                .elsewhere
                .iter()
                .find(|(a, _)| *a == ip)
                .map(|(_, who)| who.clone()),
        }
    }

    /// The zone holding `ip`.
    pub fn holder(&self, ip: IpAddr) -> Option<&str> {
        self.nets
            .iter()
            .find(|n| n.2 == Some(ip))
            .map(|n| self.names[n.0 as usize].as_str())
    }
}

fn link_hash(link: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = AddressHash::default().build_hasher();
    h.write(link.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_who_holds_what() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let ledger = Ledger::new(
            vec!["a".into(), "b".into()],
            vec![
                (0, "a_0".into(), ip("10.0.0.2")),
                (1, "b_0".into(), ip("10.0.0.3")),
                (1, "b_1".into(), None),
            ],
        );
        assert!(ledger.has_zone("a") && ledger.has_zone("b") && !ledger.has_zone("c"));
        assert_eq!(ledger.link_owner("b_1"), Some("b"));
        assert_eq!(ledger.link_owner("c_0"), None);
        assert_eq!(ledger.holder("10.0.0.3".parse().unwrap()), Some("b"));
        assert_eq!(ledger.holder("10.0.0.4".parse().unwrap()), None);
        assert_eq!(ledger.held().len(), 2);
    }
}
