//! The zone-entry cache of long-running callers never hides a change made by hand: entries
//! edited in place to the same size (within the same second, and after being cached),
//! added, removed and renamed between reads are seen by the next read, and the ledger never
//! holds an address twice.
//!
//! Its own test binary: the cache is process-wide.

use std::collections::BTreeMap;
use std::path::Path;

use zmgr_core::store::registry::Registry;

/// A zone entry whose address ends in `host` (always three digits, so edits keep the size).
fn entry(name: &str, host: u32) -> String {
    format!(
        "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/{name}\"\n    ip-type \"exclusive\"\n    state \"installed\"\n    net \"{name}_0\" address=\"10.1.0.{host:03}/24\" pool=\"lan\" vnic=#true\n}}\n"
    )
}

fn registry(root: &Path) {
    zmgr_core::store::init::init(root).unwrap();
}

/// The zones and the last octet of their first address, as the registry reads them.
fn read(root: &Path) -> BTreeMap<String, u32> {
    let (reg, _) = Registry::load(root).unwrap();
    reg.zones
        .values()
        .map(|z| {
            let ip = z.nets[0].address.unwrap().ip.to_string();
            (
                z.name.value.clone(),
                ip.rsplit('.').next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

fn write(root: &Path, name: &str, host: u32) {
    std::fs::write(root.join(format!("zones/{name}.kdl")), entry(name, host)).unwrap();
}

/// A small random number generator (xorshift), seeded for a repeatable run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn hand_edits_are_always_seen_and_no_address_is_held_twice() {
    zmgr_core::store::cache::enable();
    let dir = std::env::temp_dir().join(format!("zmgr-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("etc/zmgr");
    registry(&root);
    let mut want: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..40 {
        let name = format!("z{i:02}");
        write(&root, &name, 100 + i);
        want.insert(name, 100 + i);
    }
    assert_eq!(read(&root), want);
    // Within the same second: an entry changed in place, to the same size, is read again.
    write(&root, "z00", 200);
    want.insert("z00".into(), 200);
    assert_eq!(read(&root), want);

    // Older than the ctime tick, the entries are kept; a hand edit in place must still show.
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    assert_eq!(read(&root), want); // now cached
    write(&root, "z01", 201);
    want.insert("z01".into(), 201);
    assert_eq!(read(&root), want);

    // Random hand edits between reads: in place, added, removed, renamed.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        let names: Vec<String> = want.keys().cloned().collect();
        let pick = |rng: &mut Rng| names[rng.below(names.len() as u64) as usize].clone();
        match rng.below(4) {
            0 => {
                let n = pick(&mut rng);
                let host = 100 + rng.below(150) as u32;
                write(&root, &n, host);
                want.insert(n, host);
            }
            1 => {
                let n = format!("n{round:03}");
                let host = 100 + rng.below(150) as u32;
                write(&root, &n, host);
                want.insert(n, host);
            }
            2 if names.len() > 5 => {
                let n = pick(&mut rng);
                std::fs::remove_file(root.join(format!("zones/{n}.kdl"))).unwrap();
                want.remove(&n);
            }
            _ => {
                // Renamed: the file moves and its zone's name changes with it.
                let n = pick(&mut rng);
                let to = format!("r{round:03}");
                let host = want.remove(&n).unwrap();
                std::fs::remove_file(root.join(format!("zones/{n}.kdl"))).unwrap();
                write(&root, &to, host);
                want.insert(to, host);
            }
        }
        let got = read(&root);
        assert_eq!(got, want, "round {round}");
        // The ledger as the registry reads it is what the files hold; a create allocating
        // from it never hands out an address one of them holds.
        let (reg, _) = Registry::load(&root).unwrap();
        let held = reg.held_addresses();
        for z in reg.zones.values() {
            assert!(held.contains(&z.nets[0].address.unwrap().ip));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
