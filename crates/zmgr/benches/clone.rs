//! Benchmark: `zmgr create --clone gold` against `zmgr create` (an install), in the
//! simulator at zero delay: the processes each spawns and zmgr's own time (the create's
//! wall time minus the time inside the commands it ran, which `ZMGR_TRACE=1` prints). The
//! simulator's install takes no time, so this compares what zmgr does around the two, not
//! the minutes a real IPS install takes against the seconds of a ZFS clone.
//!
//! Run with `cargo bench --bench clone`. Medians of several creates.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CREATES: usize = 7;

fn main() {
    let dir = std::env::temp_dir().join(format!("zmgr-bench-clone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    zmgr(&dir, &["create", "gold", "--no-boot"], false);
    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>10}",
        "create", "wall", "in tools", "zmgr itself", "processes"
    );
    for (label, extra) in [("install", &[][..]), ("clone", &["--clone", "gold"][..])] {
        let (mut totals, mut tools, mut own) = (Vec::new(), Vec::new(), Vec::new());
        let mut processes = 0;
        for i in 0..CREATES {
            let name = format!("{label}{i}");
            let mut args = vec!["create", name.as_str()];
            args.extend_from_slice(extra);
            let (total, stderr) = zmgr(&dir, &args, true);
            let (in_tools, n) = traced(&stderr);
            totals.push(total);
            tools.push(in_tools);
            own.push(total.saturating_sub(in_tools));
            // zmgr itself, plus each command it ran.
            processes = n + 1;
            zmgr(&dir, &["destroy", &name], false);
        }
        println!(
            "{label:<10} {:>8.1}ms {:>10.1}ms {:>10.1}ms {:>10}",
            ms(median(totals)),
            ms(median(tools)),
            ms(median(own)),
            processes
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The time spent in traced commands, and how many there were.
fn traced(stderr: &str) -> (Duration, usize) {
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
    (in_tools, n)
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
