//! Benchmark: allocating from a pool shared through etcd, beside the flat files.
//!
//! Run with `cargo bench --bench shared --features etcd` (a local `etcd` on PATH, as the
//! tests use; the simulator is built first if it is missing). Three sandboxes
//! act as three hosts on one etcd started for the run (loopback, fresh data folder).
//!
//! - `reserve`: `zmgr pool reserve` then `pool release`, a whole process each: the cost of
//!   one allocation as a user meets it (median of 20).
//! - `create, zmgr itself`: a create's wall time minus the time in the simulated tools
//!   (`ZMGR_TRACE=1`), median of 10 creates one after another on one host.
//! - `creates/s from 3 hosts`: 30 creates started at once on each of three hosts, 90 in
//!   all, divided by the wall time until the last one ends.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{median, ms, traced, zmgr};

fn main() {
    let base = std::env::temp_dir().join(format!("zmgr-bench-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base.join("etcd"));
    println!(
        "{:<8} {:>12} {:>22} {:>24}",
        "ledger", "reserve", "create, zmgr itself", "creates/s from 3 hosts"
    );
    for shared in [false, true] {
        let hosts: Vec<PathBuf> = (1..=3)
            .map(|h| {
                let dir = base.join(format!("{}{h}", if shared { "etcd" } else { "files" }));
                setup(&dir, shared.then(|| (etcd.url(), format!("h{h}"))));
                dir
            })
            .collect();
        let reserve = median(
            (0..20)
                .map(|_| {
                    let start = Instant::now();
                    let (_, _) = zmgr(&hosts[0], &["pool", "reserve", "default"], false);
                    let took = start.elapsed();
                    let address = reserved(&hosts[0]);
                    zmgr(&hosts[0], &["pool", "release", "default", &address], false);
                    took
                })
                .collect(),
        );
        let own = median(
            (0..10)
                .map(|i| {
                    let (total, stderr) = zmgr(
                        &hosts[0],
                        &["create", &format!("one{i}"), "--no-boot"],
                        true,
                    );
                    total.saturating_sub(traced(&stderr).0)
                })
                .collect(),
        );
        let start = Instant::now();
        let children: Vec<Child> = hosts
            .iter()
            .enumerate()
            .flat_map(|(h, dir)| {
                (0..30).map(move |i| spawn(dir, &["create", &format!("h{h}z{i:02}"), "--no-boot"]))
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let rate = 90.0 / start.elapsed().as_secs_f64();
        println!(
            "{:<8} {:>10.1}ms {:>20.1}ms {:>24.1}",
            if shared { "etcd" } else { "files" },
            ms(reserve),
            ms(own),
            rate
        );
    }
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
}

/// A sandbox; with `shared`, its default pool shared through etcd as that host.
fn setup(dir: &Path, shared: Option<(String, String)>) {
    zmgr(dir, &["list"], false);
    let Some((url, host)) = shared else {
        return;
    };
    let root = dir.join("etc/zmgr");
    let pool = std::fs::read_to_string(root.join("pools/default.kdl"))
        .unwrap()
        .replacen("}\n", "    ledger \"etcd\"\n}\n", 1);
    std::fs::write(root.join("pools/default.kdl"), pool).unwrap();
    let mut config = std::fs::read_to_string(root.join("config.kdl")).unwrap();
    config += &format!(
        "host-name \"{host}\"\netcd {{\n    endpoints \"{url}\"\n    prefix \"/bench\"\n}}\n"
    );
    std::fs::write(root.join("config.kdl"), config).unwrap();
    zmgr(dir, &["pool", "publish", "default"], false);
}

/// The address `pool reserve` took: the pool's only reservation by hand.
fn reserved(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(dir)
        .args(["pool", "show", "default", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // A file pool lists it under `reserved`; a shared one as a claim with no zone.
    v["reserved"]
        .as_array()
        .and_then(|r| r.first())
        .and_then(|a| a.as_str())
        .map(str::to_string)
        .or_else(|| {
            v["zones"].as_array().and_then(|z| {
                z.iter()
                    .find(|z| z["claim"] == "reserved")
                    .and_then(|z| z["address"].as_str())
                    .map(|a| a.split('/').next().unwrap().to_string())
            })
        })
        .expect("a reserved address")
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    common::sandbox_command(dir, args).spawn().unwrap()
}

struct Etcd {
    child: Child,
    port: u16,
}

impl Etcd {
    fn start(dir: &Path) -> Etcd {
        let port = || {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (client, peer) = (port(), port());
        let url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let child = Command::new("etcd")
            .args(["--name", "bench", "--data-dir"])
            .arg(dir)
            .args([
                "--listen-client-urls",
                &url,
                "--advertise-client-urls",
                &url,
            ])
            .args(["--listen-peer-urls", &peer_url])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .args(["--initial-cluster", &format!("bench={peer_url}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("etcd on PATH");
        let etcd = Etcd {
            child,
            port: client,
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", client)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "etcd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        etcd
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
