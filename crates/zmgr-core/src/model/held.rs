//! The addresses the ledger holds, as a set a create asks 65,000 times while it walks a nearly
//! full /16 for the lowest free address. The standard hasher (SipHash) resists keys chosen to
//! collide, which addresses read from root's own registry need not; a multiply-and-rotate hash
//! makes building and asking the set several times faster.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

/// Every address some zone entry holds.
pub type Held = HashSet<IpAddr, AddressHash>;

/// The hasher of [`Held`], for other tables keyed by address.
pub type AddressHash = BuildHasherDefault<AddressHasher>;

/// A set with room for `n` addresses.
pub fn with_capacity(n: usize) -> Held {
    Held::with_capacity_and_hasher(n, Default::default())
}

/// Collects addresses into a [`Held`].
pub fn collect(addresses: impl IntoIterator<Item = IpAddr>) -> Held {
    let addresses = addresses.into_iter();
    let mut held = with_capacity(addresses.size_hint().0);
    held.extend(addresses);
    held
}

/// A fast hash for the few bytes of an address (the word-at-a-time scheme of rustc's FxHash).
#[derive(Default, Clone, Copy)]
pub struct AddressHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl AddressHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The table uses the top bits for its tags and the low bits for the bucket: mix both.
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_address_once_and_tells_them_apart() {
        let v4 = (0..70_000u32).map(|i| IpAddr::from((0x0a00_0000 + i).to_be_bytes()));
        let v6 = (0..1_000u128).map(|i| IpAddr::from((0x2001_0db8u128 << 96 | i).to_be_bytes()));
        let held = collect(v4.chain(v6));
        assert_eq!(held.len(), 71_000);
        assert!(held.contains(&"10.1.17.111".parse().unwrap()));
        assert!(!held.contains(&"10.1.17.112".parse().unwrap()));
        assert!(held.contains(&"2001:db8::3e7".parse().unwrap()));
        assert!(!held.contains(&"2001:db8::3e8".parse().unwrap()));
        // An IPv4 address and the IPv6 address with the same low bytes are not the same.
        assert!(!held.contains(&"::a00:1".parse().unwrap()));
    }
}
