//! Benchmark: what `zmgr create` costs beyond the tools it runs, against the simulator at
//! zero delay, as the registry grows (100, 1,000, 10,000 zones) and with a /16 pool nearly
//! full (65,000 of its 65,533 addresses held).
//!
//! Run with `cargo bench --bench create`. Each create runs with `ZMGR_TRACE=1`, which makes
//! zmgr print every command it runs with its duration; zmgr's own time is the create's wall
//! time minus the time spent in those commands. Medians of several creates.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CREATES: usize = 5;

fn main() {
    let base = std::env::temp_dir().join(format!("zmgr-bench-create-{}", std::process::id()));
    println!(
        "{:<22} {:>10} {:>12} {:>12} {:>10}",
        "registry", "create", "in tools", "zmgr itself", "processes"
    );
    for (label, zones) in [
        ("100 zones", 100usize),
        ("1,000 zones", 1_000),
        ("10,000 zones", 10_000),
        ("/16 nearly full", 65_000),
    ] {
        let dir = base.join(format!("z{zones}"));
        setup(&dir, zones);
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
            "{label:<22} {:>8.1}ms {:>10.1}ms {:>10.1}ms {:>10}",
            ms(median(totals)),
            ms(median(tools)),
            ms(median(own)),
            processes + 1
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn zmgr(dir: &Path, args: &[&str], trace: bool) -> (Duration, String) {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zmgr"));
    cmd.arg("--sandbox")
        .arg(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd.env(
        "ZMGR_SIM",
        std::path::Path::new(env!("CARGO_BIN_EXE_zmgr")).with_file_name("zmgr-sim"),
    );
    if trace {
        cmd.env("ZMGR_TRACE", "1");
    }
    let out = cmd.output().expect("zmgr runs");
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "zmgr {args:?} failed:\n{stderr}");
    (took, stderr)
}

/// One create: wall time, time inside the commands it ran, and how many it ran.
fn create(dir: &Path, name: &str) -> (Duration, Duration, usize) {
    let (total, stderr) = zmgr(dir, &["create", name], true);
    let mut in_tools = Duration::ZERO;
    let mut n = 0;
    for line in stderr.lines().filter(|l| l.starts_with("+ ")) {
        let ms: f64 = line
            .rsplit_once(" (")
            .and_then(|(_, rest)| rest.split_once(" ms"))
            .and_then(|(v, _)| v.parse().ok())
            .expect("trace line with a duration");
        in_tools += Duration::from_secs_f64(ms / 1000.0);
        n += 1;
    }
    (total, in_tools, n)
}

/// A sandbox whose pool is a /16 holding `zones` entries, written as zmgr writes them.
fn setup(dir: &Path, zones: usize) {
    let _ = std::fs::remove_dir_all(dir);
    zmgr(dir, &["list"], false);
    let root = dir.join("etc/zmgr");
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
}
