use std::process::{Command, Stdio};

use super::harness::{BIN, SimEnv};

#[test]
fn twenty_processes_at_once_all_land() {
    let env = SimEnv::new();
    let mut children = Vec::new();
    for i in 0..10 {
        let vnic = format!("cv{i}");
        children.push(
            Command::new(BIN)
                .args(["dladm", "create-vnic", "-l", "e1000g0", &vnic])
                .env_clear()
                .env("ZMGR_SIM_STATE", &env.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let script = format!(
            "create; set zonepath=/zones/cz{i}; set ip-type=exclusive; add net; set physical={vnic}; end"
        );
        children.push(
            Command::new(BIN)
                .args(["zonecfg", "-z", &format!("cz{i}"), &script])
                .env_clear()
                .env("ZMGR_SIM_STATE", &env.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let st = env.state();
    assert_eq!(st["zones"].as_array().unwrap().len(), 10);
    assert_eq!(st["links"].as_array().unwrap().len(), 11);
    let zones = env.run("zoneadm", &["list", "-cn"]).ok().stdout;
    for i in 0..10 {
        assert!(zones.lines().any(|l| l == format!("cz{i}")), "{zones}");
    }
    let vnics = env
        .run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout;
    assert_eq!(vnics.lines().count(), 10);
    assert_eq!(env.log().len(), 20 + 2);
    // No temporary files are left behind.
    for entry in std::fs::read_dir(&env.dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp."), "leftover {name}");
    }
}

#[test]
fn concurrent_creates_of_one_zone_name_conflict_cleanly() {
    let env = SimEnv::new();
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(BIN)
                .args(["zonecfg", "-z", "same", "create; set zonepath=/zones/same"])
                .env_clear()
                .env("ZMGR_SIM_STATE", &env.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        if out.status.success() {
            ok += 1;
        } else {
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(
                err.contains("Zone name already in use")
                    || err.contains("Zone exists, input not from terminal"),
                "{err}"
            );
        }
    }
    assert!(ok >= 1);
    assert_eq!(env.state()["zones"].as_array().unwrap().len(), 1);
}
