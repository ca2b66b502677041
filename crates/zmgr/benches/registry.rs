//! Benchmark: `zmgr list` and `zmgr check` over generated registries of 1,000, 10,000 and
//! 65,000 zones (a /16 nearly full), against the time it takes just to read the same files;
//! and `zmgr show` of one zone, against `cat` of config.kdl and that zone's file (a verb about
//! one zone reads only those).
//!
//! Run with `cargo bench --bench registry`. Numbers are medians of several runs of the
//! release binary as a separate process, so they include process start and output.
//!
//! The generated files are left three seconds to settle, as a registry's files are between
//! uses, so the zone index records them (see `store::index`); the run that warms the page
//! cache writes the index. `list, no index` is `list` with the index removed before each run:
//! what the first command after an upgrade, or after the index is lost, pays.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let zmgr = env!("CARGO_BIN_EXE_zmgr");
    let base = std::env::temp_dir().join(format!("zmgr-bench-{}", std::process::id()));
    println!(
        "{:<8} {:>10} {:>12} {:>12} {:>12} {:>15} {:>12} {:>12} {:>8}",
        "zones",
        "KDL bytes",
        "read files",
        "list",
        "check",
        "list, no index",
        "cat one",
        "show one",
        "ratio"
    );
    for zones in [1_000usize, 10_000, 65_000] {
        let root = base.join(format!("r{zones}"));
        let bytes = generate(&root, zones);
        std::thread::sleep(Duration::from_millis(3_100));
        let read = median(|| read_all(&root));
        let list = median(|| run(zmgr, &root, &["list"]));
        let check = median(|| run(zmgr, &root, &["check"]));
        let index = root.join(".zmgr/zones.index");
        let unindexed = median(|| {
            let _ = std::fs::remove_file(&index);
            run(zmgr, &root, &["list"])
        });
        let one = format!("zone{:05}", zones / 2);
        let cat = median(|| {
            let start = Instant::now();
            let status = Command::new("cat")
                .arg(root.join("config.kdl"))
                .arg(root.join("zones").join(format!("{one}.kdl")))
                .stdout(Stdio::null())
                .status()
                .expect("cat runs");
            assert!(status.success());
            start.elapsed()
        });
        let show = median(|| run(zmgr, &root, &["show", &one]));
        println!(
            "{zones:<8} {bytes:>10} {:>10.1}ms {:>10.1}ms {:>10.1}ms {:>13.1}ms {:>10.2}ms {:>10.2}ms {:>7.1}x",
            ms(read),
            ms(list),
            ms(check),
            ms(unindexed),
            ms(cat),
            ms(show),
            show.as_secs_f64() / cat.as_secs_f64()
        );
    }
    memory(zmgr, &base);
    if std::env::var_os("ZMGR_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
}

/// Peak memory of `list` and `check` at each size, per zone, as `/usr/bin/time` reports it
/// (skipped where it is missing).
fn memory(zmgr: &str, base: &Path) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        println!("peak memory: /usr/bin/time is missing, not measured");
        return;
    }
    println!("\n{:<8} {:>16} {:>16}", "zones", "list peak", "check peak");
    for zones in [1_000usize, 10_000, 65_000] {
        let root = base.join(format!("r{zones}"));
        let peak = |verb: &str| -> String {
            let out = Command::new(time)
                .args(["-f", "%M"])
                .arg(zmgr)
                .arg("--root")
                .arg(&root)
                .arg(verb)
                .stdout(Stdio::null())
                .output()
                .expect("time runs");
            let kib: f64 = String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .and_then(|l| l.trim().parse().ok())
                .expect("time prints the peak in KiB");
            format!("{:.0} MiB {:.2} KiB/z", kib / 1024.0, kib / zones as f64)
        };
        println!("{zones:<8} {:>16} {:>16}", peak("list"), peak("check"));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    f(); // warm the page cache
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
}

fn run(zmgr: &str, root: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(zmgr)
        .arg("--root")
        .arg(root)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("zmgr runs");
    let took = start.elapsed();
    assert!(
        status.success(),
        "zmgr {args:?} failed on {}",
        root.display()
    );
    took
}

fn read_all(root: &Path) -> Duration {
    let start = Instant::now();
    let mut n = 0;
    for dir in ["templates", "pools", "zones", "publishers"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            n += std::fs::read(e.path()).unwrap().len();
        }
    }
    assert!(n > 0);
    start.elapsed()
}

/// A registry with `zones` entries spread over a /16 pool, as `zmgr init` plus creates would leave it.
fn generate(root: &Path, zones: usize) -> usize {
    let _ = std::fs::remove_dir_all(root);
    let status = Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--root")
        .arg(root)
        .arg("init")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    // zmgr's private folder, which a registry has once any create has run: the index lives there.
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(root.join(".zmgr"))
        .unwrap();
    let pool = "// bench pool\npool \"default\" {\n    network \"10.0.0.0/16\"\n    gateway \"10.0.0.1\"\n    stub \"stub0\"\n    range \"10.0.0.0/16\"\n}\n";
    std::fs::write(root.join("pools/default.kdl"), pool).unwrap();
    let mut bytes = pool.len();
    let dir: PathBuf = root.join("zones");
    for i in 0..zones {
        let name = format!("zone{i:05}");
        let ip = 2 + i as u32;
        let text = format!(
            "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/{name}\"\n    ip-type \"exclusive\"\n    state \"running\"\n    created \"2026-11-25T20:36:37Z\"\n    net \"{name}_0\" address=\"10.0.{}.{}/16\" pool=\"default\" vnic=#true\n}}\n",
            ip >> 8,
            ip & 255
        );
        bytes += text.len();
        std::fs::write(dir.join(format!("{name}.kdl")), text).unwrap();
    }
    bytes
}
