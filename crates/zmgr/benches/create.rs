//! Benchmark: what `zmgr create` costs beyond the tools it runs, against the simulator at
//! zero delay, as the registry grows (100, 1,000, 10,000 zones) and with a /16 pool nearly
//! full (65,000 of its 65,533 addresses held).
//!
//! Run with `cargo bench --bench create`. Each create runs with `ZMGR_TRACE=1`, which makes
//! zmgr print every command it runs with its duration; zmgr's own time is the create's wall
//! time minus the time spent in those commands. Medians of several creates.
//!
//! The generated entries are left three seconds to settle, as a registry's files are between
//! uses, and a `list` then writes the zone index (see `store::index`); the creates follow one
//! another at once, so each finds the zones folder just changed and lists it. `allocate` is
//! the allocation alone, in this process: the held set built from the ledger and the lowest
//! free address found in it. `list+stat` lists the zones folder and `stat`s every file in it
//! (two threads): what any create that sees every hand edit must do at the least.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{median, ms, traced, zmgr};

const CREATES: usize = 5;

fn main() {
    let base = std::env::temp_dir().join(format!("zmgr-bench-create-{}", std::process::id()));
    println!(
        "{:<22} {:>10} {:>12} {:>12} {:>10} {:>10} {:>12}",
        "registry", "create", "in tools", "zmgr itself", "processes", "allocate", "list+stat"
    );
    for (label, zones) in [
        ("100 zones", 100usize),
        ("1,000 zones", 1_000),
        ("10,000 zones", 10_000),
        ("/16 nearly full", 65_000),
    ] {
        let dir = base.join(format!("z{zones}"));
        setup(&dir, zones);
        let allocate = allocation(&dir.join("etc/zmgr"));
        let floor = list_and_stat(&dir.join("etc/zmgr/zones"));
        let mut totals = Vec::new();
        let mut tools = Vec::new();
        let mut processes = 0;
        for i in 0..CREATES {
            let (total, in_tools, spawned) = create(&dir, &format!("bench{i}"));
            totals.push(total);
            tools.push(in_tools);
            processes = spawned;
        }
        let own: Vec<Duration> = totals
            .iter()
            .zip(&tools)
            .map(|(t, c)| t.saturating_sub(*c))
            .collect();
        println!(
            "{label:<22} {:>8.1}ms {:>10.1}ms {:>10.1}ms {:>10} {:>8.2}ms {:>10.1}ms",
            ms(median(totals)),
            ms(median(tools)),
            ms(median(own)),
            processes + 1,
            ms(allocate),
            ms(floor)
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// One create: wall time, time inside the commands it ran, and how many it ran.
fn create(dir: &Path, name: &str) -> (Duration, Duration, usize) {
    let (total, stderr) = zmgr(dir, &["create", name], true);
    let (in_tools, n) = traced(&stderr);
    (total, in_tools, n)
}

/// What checking every zone file costs at the least, as a create must (a hand edit may have
/// changed any): listing the folder and one `stat` of each file, on two threads. Median of 7.
fn list_and_stat(zones: &Path) -> Duration {
    let runs: Vec<Duration> = (0..7)
        .map(|_| {
            let start = std::time::Instant::now();
            let names: Vec<_> = std::fs::read_dir(zones)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            let half = names.len().div_ceil(2).max(1);
            std::thread::scope(|s| {
                for part in names.chunks(half) {
                    s.spawn(move || {
                        for p in part {
                            std::hint::black_box(std::fs::symlink_metadata(p).unwrap());
                        }
                    });
                }
            });
            start.elapsed()
        })
        .collect();
    median(runs)
}

/// The allocation a create makes under the lock, given the ledger: median of several.
fn allocation(root: &Path) -> Duration {
    let (registry, _) = zmgr_core::store::registry::Registry::load(root).expect("loads");
    let pool = &registry.pools["default"];
    let runs: Vec<Duration> = (0..7)
        .map(|_| {
            let start = std::time::Instant::now();
            let held = registry.held_addresses();
            let ip = pool.next_free(&held).expect("a free address");
            let took = start.elapsed();
            std::hint::black_box(ip);
            took
        })
        .collect();
    median(runs)
}

/// A sandbox whose pool is a /16 holding `zones` entries, written as zmgr writes them.
fn setup(dir: &Path, zones: usize) {
    use std::os::unix::fs::DirBuilderExt;
    let _ = std::fs::remove_dir_all(dir);
    zmgr(dir, &["list"], false);
    let root = dir.join("etc/zmgr");
    // zmgr's private folder, which a registry has once any create has run: the index lives there.
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(root.join(".zmgr"))
        .unwrap();
    std::fs::write(
        root.join("pools/default.kdl"),
        "pool \"default\" {\n    network \"10.0.0.0/16\"\n    gateway \"10.0.0.1\"\n    stub \"zmgr_stub0\"\n    range \"10.0.0.0/16\"\n}\n",
    )
    .unwrap();
    for i in 0..zones {
        let name = format!("zone{i:05}");
        let ip = 2 + i as u32;
        let text = format!(
            "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/{name}\"\n    ip-type \"exclusive\"\n    state \"running\"\n    created \"2026-11-25T20:36:37Z\"\n    net \"{name}_0\" address=\"10.0.{}.{}/16\" pool=\"default\" vnic=#true\n}}\n",
            ip >> 8,
            ip & 255
        );
        std::fs::write(root.join("zones").join(format!("{name}.kdl")), text).unwrap();
    }
    std::thread::sleep(Duration::from_millis(3_100));
    zmgr(dir, &["list"], false);
}
