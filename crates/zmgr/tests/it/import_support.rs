//! Helpers for the import and reconcile tests: zones made by hand with the simulated tools,
//! entries compared without their import time, and zmgr run in the background.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

// The helpers both suites need are shared with the lifecycle tests.
pub use crate::lifecycle_support::{entry, finish, sandbox, stderr_says, system_zone, wait_for};

use crate::harness::{Run, TestEnv};

/// Adds `pools/NAME.kdl`.
pub fn add_pool(env: &TestEnv, name: &str, network: &str, gateway: &str, range: (&str, &str)) {
    env.write(
        &format!("pools/{name}.kdl"),
        format!(
            "pool \"{name}\" {{\n    network \"{network}\"\n    gateway \"{gateway}\"\n    stub \"zmgr_stub0\"\n    range \"{}\" \"{}\"\n}}\n",
            range.0, range.1
        ),
    );
}

/// A VNIC over the sandbox's etherstub, made with dladm as a person would.
pub fn vnic(env: &TestEnv, name: &str) {
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", name])
        .success();
}

/// One `net` resource of a hand-made zone: the link and its address, if any.
pub struct HandNet<'a> {
    pub physical: &'a str,
    pub address: Option<&'a str>,
}

pub fn net<'a>(physical: &'a str, address: &'a str) -> HandNet<'a> {
    HandNet {
        physical,
        address: Some(address),
    }
}

pub fn bare_net(physical: &str) -> HandNet<'_> {
    HandNet {
        physical,
        address: None,
    }
}

/// Configures a zone with zonecfg (zonepath `DIR/zones/NAME`, on the sandbox's zones
/// dataset, as a real install needs) and brings it to `state`
/// (`configured`, `installed` or `running`) with zoneadm. Shared-IP nets get `address`,
/// exclusive-IP nets `allowed-address`, as their ip-type requires.
pub fn hand_zone(
    env: &TestEnv,
    name: &str,
    brand: &str,
    ip_type: &str,
    nets: &[HandNet<'_>],
    state: &str,
) {
    let mut cmds = vec![
        "create -b".to_string(),
        format!("set brand={brand}"),
        format!(
            "set zonepath={}",
            env.dir().join("zones").join(name).display()
        ),
        format!("set ip-type={ip_type}"),
    ];
    let prop = if ip_type == "shared" {
        "address"
    } else {
        "allowed-address"
    };
    for n in nets {
        cmds.push("add net".into());
        cmds.push(format!("set physical={}", n.physical));
        if let Some(a) = n.address {
            cmds.push(format!("set {prop}={a}"));
        }
        cmds.push("end".into());
    }
    cmds.push("commit".into());
    env.tool("zonecfg", &["-z", name, &cmds.join("; ")])
        .success();
    if state != "configured" {
        env.tool("zoneadm", &["-z", name, "install"]).success();
    }
    if state == "running" {
        env.tool("zoneadm", &["-z", name, "boot"]).success();
    }
    assert!(
        env.system_zones().contains(&format!("{name}:{state}")),
        "{name} is not {state}: {:?}",
        env.system_zones()
    );
}

/// Removes a zone the way a person would by hand: halt, uninstall, delete.
pub fn remove_by_hand(env: &TestEnv, name: &str) {
    env.tool("zoneadm", &["-z", name, "halt"]).success();
    env.tool("zoneadm", &["-z", name, "uninstall", "-F"])
        .success();
    env.tool("zonecfg", &["-z", name, "delete -F"]).success();
}

/// `text` with each `created "…"` time checked to be RFC 3339 UTC and replaced by `created "T"`,
/// and each zonepath under a sandbox's zones folder shown as `/zones/NAME`, so entries can be
/// compared whole.
#[track_caller]
pub fn untimed(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("created \"") {
            let time = rest.trim_end().strip_suffix('"').unwrap_or("");
            let ok = time.len() == 20
                && time.char_indices().all(|(i, c)| match i {
                    4 | 7 => c == '-',
                    10 => c == 'T',
                    13 | 16 => c == ':',
                    19 => c == 'Z',
                    _ => c.is_ascii_digit(),
                });
            assert!(ok, "created time {time:?} is not RFC 3339 UTC in\n{text}");
            let indent = &line[..line.len() - trimmed.len()];
            out += &format!("{indent}created \"T\"\n");
        } else if let Some(rest) = trimmed.strip_prefix("zonepath \"")
            && let Some((_, name)) = rest.trim_end().trim_end_matches('"').rsplit_once("/zones/")
        {
            let indent = &line[..line.len() - trimmed.len()];
            out += &format!("{indent}zonepath \"/zones/{name}\"\n");
        } else {
            out += line;
        }
    }
    out
}

/// The entry an import writes, with the created time as [`untimed`] shows it.
pub fn imported_entry(
    name: &str,
    brand: &str,
    template: Option<&str>,
    ip_type: &str,
    state: &str,
    nets: &[&str],
) -> String {
    let mut s = format!("zone \"{name}\" {{\n    brand \"{brand}\"\n");
    if let Some(t) = template {
        s += &format!("    template \"{t}\"\n");
    }
    s += &format!(
        "    zonepath \"/zones/{name}\"\n    ip-type \"{ip_type}\"\n    state \"{state}\"\n    created \"T\"\n"
    );
    for n in nets {
        s += &format!("    net {n}\n");
    }
    s += "}\n";
    s
}

/// The names of the registry's entry files.
pub fn entry_names(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.path("zones"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".kdl")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `check` passes without a warning.
#[track_caller]
pub fn check_clean(env: &TestEnv) {
    let run = env.sandbox(&["check"]);
    run.success()
        .stdout_has("is valid")
        .check(run.stderr().is_empty(), "check warned");
}

/// Every file of the environment but the simulator's invocation log, which read-only tools
/// append to, and zmgr's private lock files (`.zmgr/`), which the first locking verb makes.
pub fn files(env: &TestEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut s = env.snapshot();
    s.remove(&env.sim_state().join("invocations.log"));
    let private = env.path(".zmgr");
    s.retain(|p, b| !(p.starts_with(&private) && b.is_empty()));
    s
}

/// Asserts that no file changed, naming the ones that did.
#[track_caller]
pub fn assert_same_files(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) {
    let differ: Vec<String> = before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| {
            let show = |v: Option<&Vec<u8>>| match v {
                None => "(absent)".to_string(),
                Some(b) => String::from_utf8_lossy(b).chars().take(400).collect(),
            };
            format!(
                "{}\n--- before ---\n{}\n--- after ---\n{}",
                p.display(),
                show(before.get(p)),
                show(after.get(p))
            )
        })
        .collect();
    assert!(differ.is_empty(), "files changed:\n{}", differ.join("\n"));
}

/// stdout parsed as JSON.
#[track_caller]
pub fn json(run: &Run) -> serde_json::Value {
    match serde_json::from_str(&run.stdout()) {
        Ok(v) => v,
        Err(e) => {
            run.check(false, &format!("stdout is not JSON: {e}"));
            unreachable!()
        }
    }
}

/// Starts `zmgr --sandbox DIR ARGS…` without waiting, with a cleared environment as the
/// harness runs it. `capture` pipes its output; otherwise it goes nowhere, so that a killed
/// zmgr's orphaned children hold no pipe the test would wait on.
pub fn spawn(env: &TestEnv, args: &[&str], capture: bool) -> Child {
    let out = || {
        if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(env.sandbox_dir())
        .args(args)
        .env_clear()
        .current_dir(env.dir())
        .stdin(Stdio::null())
        .stdout(out())
        .stderr(out())
        .spawn()
        .expect("zmgr starts")
}

/// Whether the simulator logged a finished invocation of `tool` with exactly these arguments
/// first (the log gets a line when an invocation exits).
pub fn logged(env: &TestEnv, tool: &str, argv_start: &[&str]) -> bool {
    env.invocations().iter().any(|(t, argv)| {
        t == tool
            && argv
                .iter()
                .map(String::as_str)
                .take(argv_start.len())
                .eq(argv_start.iter().copied())
    })
}
