use std::process::Command;

use super::harness::{BIN, SimEnv};

#[test]
fn state_dir_is_required() {
    let out = Command::new(BIN)
        .args(["zoneadm", "list"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZMGR_SIM_STATE"));
}

#[test]
fn unknown_tool_is_a_usage_error() {
    let env = SimEnv::new();
    env.run("ifconfig", &["-a"])
        .code(2)
        .stderr_has("unknown tool 'ifconfig'");
}

#[test]
fn state_dir_is_created_with_one_physical_link() {
    let env = SimEnv::new();
    let nested = env.dir.join("a/b");
    let out = Command::new(BIN)
        .args(["dladm", "show-phys", "-p", "-o", "link"])
        .env_clear()
        .env("ZMGR_SIM_STATE", &nested)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "e1000g0\n");
}

#[test]
fn a_link_named_after_the_tool_runs_that_tool() {
    let env = SimEnv::new();
    let link = env.path("zoneadm");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    env.exec(&link, &["list".to_string(), "-p".to_string()], None)
        .ok()
        .stdout("0:global:running:/::ipkg:shared:0\n");
    let log = env.log();
    assert_eq!(log[0]["tool"], "zoneadm");
    assert_eq!(log[0]["argv"], serde_json::json!(["list", "-p"]));
}

#[test]
fn every_invocation_is_logged() {
    let env = SimEnv::new();
    env.stdin("zonecfg", &["-z", "l"], "create\nset zonepath=/zones/l\n")
        .ok();
    env.run("zoneadm", &["-z", "nosuch", "boot"]).code(1);
    let log = env.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["tool"], "zonecfg");
    assert_eq!(log[0]["argv"], serde_json::json!(["-z", "l"]));
    assert_eq!(log[0]["stdin"], "create\nset zonepath=/zones/l\n");
    assert_eq!(log[0]["exit"], 0);
    assert!(log[0]["time"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(log[1]["exit"], 1);
    assert!(log[1].get("stdin").is_none());
}

#[test]
fn sim_admin_seeds_links_and_settings() {
    let env = SimEnv::new();
    env.run("sim-admin", &["add-phys", "igb1"]).ok();
    env.run("sim-admin", &["add-phys", "igb1"])
        .code(1)
        .stderr("sim-admin: link 'igb1' already exists\n");
    env.run("sim-admin", &["add-phys", "bad"]).code(1);
    env.run("dladm", &["show-phys", "-p", "-o", "link,speed"])
        .ok()
        .stdout("e1000g0:1000\nigb1:1000\n");
    env.run("sim-admin", &["remove-link", "igb1"]).ok();
    env.run("sim-admin", &["set", "export-style", "sideways"])
        .code(2);
    env.run("sim-admin", &["set", "zonecfg-dialect", "gate"])
        .ok();
    assert_eq!(env.read("settings"), "zonecfg-dialect=gate\n");
    let st = env.run("sim-admin", &["show-state"]).ok().stdout;
    assert!(st.contains("\"e1000g0\""));
    env.run("sim-admin", &[]).code(2).stderr_has("usage:");
}

#[test]
fn sim_admin_links_the_tools() {
    let env = SimEnv::new();
    let bin = env.path("bin");
    let dir = bin.display().to_string();
    env.run("sim-admin", &["link-tools", &dir]).ok();
    // Running it again is harmless.
    env.run("sim-admin", &["link-tools", &dir]).ok();
    for tool in ["zonecfg", "zoneadm", "dladm", "zlogin", "pkg", "sim-admin"] {
        assert!(bin.join(tool).is_symlink(), "{tool}");
    }
    env.exec(
        &bin.join("dladm"),
        &["show-phys".into(), "-po".into(), "link".into()],
        None,
    )
    .ok()
    .stdout("e1000g0\n");
    // Replace a link by a regular file (writing through the link would
    // overwrite the simulator itself).
    std::fs::remove_file(bin.join("pkg")).unwrap();
    std::fs::write(bin.join("pkg"), "not a link").unwrap();
    env.run("sim-admin", &["link-tools", &dir])
        .code(1)
        .stderr_has("exists and is not a link");
}

#[test]
fn empty_stdin_is_not_logged() {
    let env = SimEnv::new();
    env.stdin("zonecfg", &["-z", "e"], "").ok();
    let log = env.log();
    assert!(log[0].get("stdin").is_none(), "{:?}", log[0]);
}
