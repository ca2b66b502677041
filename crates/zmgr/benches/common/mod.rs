//! What the benchmarks that run zmgr share: the simulator, running zmgr in a sandbox over it,
//! reading its `ZMGR_TRACE=1` lines, and medians.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The release simulator beside the zmgr under test, built first when it is missing (a
/// benchmark builds only zmgr's own package).
pub fn simulator() -> &'static Path {
    static SIM: OnceLock<PathBuf> = OnceLock::new();
    SIM.get_or_init(|| {
        let sim = Path::new(env!("CARGO_BIN_EXE_zmgr")).with_file_name("zmgr-sim");
        if !sim.is_file() {
            eprintln!("building the simulator: cargo build --release -p zmgr-sim");
            let built = Command::new(env!("CARGO"))
                .args(["build", "--release", "-p", "zmgr-sim", "--manifest-path"])
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
                .status()
                .expect("cargo runs");
            assert!(
                built.success() && sim.is_file(),
                "the simulator did not build"
            );
        }
        sim
    })
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The time spent in traced commands, and how many there were.
pub fn traced(stderr: &str) -> (Duration, usize) {
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

/// `zmgr --sandbox DIR ARGS…` over the release simulator, its output dropped and its
/// errors kept.
pub fn sandbox_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zmgr"));
    cmd.arg("--sandbox")
        .arg(dir)
        .args(args)
        .env("ZMGR_SIM", simulator())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Runs zmgr in a sandbox (`trace`: with `ZMGR_TRACE=1`): its wall time and its errors.
pub fn zmgr(dir: &Path, args: &[&str], trace: bool) -> (Duration, String) {
    let start = Instant::now();
    let mut cmd = sandbox_command(dir, args);
    if trace {
        cmd.env("ZMGR_TRACE", "1");
    }
    let out = cmd.output().expect("zmgr runs");
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "zmgr {args:?} failed:\n{stderr}");
    (took, stderr)
}
