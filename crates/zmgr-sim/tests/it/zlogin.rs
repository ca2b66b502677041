use super::harness::SimEnv;

#[test]
fn refuses_zones_that_are_not_running() {
    let env = SimEnv::new();
    env.installed("z", "z0");
    env.run("zlogin", &["z", "uname", "-a"])
        .code(1)
        .stderr("zlogin: login allowed only to running zones (z is 'installed').\n");
    env.run("zlogin", &["nosuch", "true"])
        .code(1)
        .stderr("zlogin: zone 'nosuch' unknown\n");
    env.run("zlogin", &[]).code(2).stderr_has("usage: zlogin");
}

#[test]
fn records_commands_and_answers_from_rules() {
    let env = SimEnv::new();
    env.installed("z", "z0");
    env.run("zoneadm", &["-z", "z", "boot"]).ok();
    env.write(
        "zlogin.rules",
        "# svcs answers\nzone=z exit=3 stderr=\"svcs: no such service\\n\" -- svcs -x nope\nstdout=\"online\\n\" -- svcs -H -o state\n",
    );
    env.run(
        "zlogin",
        &["z", "svcs", "-H", "-o", "state", "milestone/multi-user"],
    )
    .ok()
    .stdout("online\n")
    .stderr("");
    env.run("zlogin", &["z", "svcs -x nope"])
        .code(3)
        .stderr("svcs: no such service\n");
    env.stdin("zlogin", &["z", "cat", ">", "/etc/motd"], "hello\n")
        .ok()
        .stdout("");
    let st = env.state();
    let history = st["zones"][0]["zlogin"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[1]["exit"], 3);
    assert_eq!(history[0]["command"][0], "svcs");
    assert_eq!(
        history[2]["command"],
        serde_json::json!(["cat", ">", "/etc/motd"])
    );
    assert_eq!(history[2]["stdin"], "hello\n");
    assert!(history[0].get("stdin").is_none());
    let log = env.log();
    let last = log.last().unwrap();
    assert_eq!(last["tool"], "zlogin");
    assert_eq!(last["stdin"], "hello\n");
}

#[test]
fn console_needs_a_terminal_and_takes_no_command() {
    let env = SimEnv::new();
    env.installed("z", "z0");
    // The console is there for an installed zone; without a terminal, raw mode fails.
    env.run("zlogin", &["-C", "z"])
        .code(1)
        .stderr_has(
            "zlogin: failed to get user terminal settings: Inappropriate ioctl for device\n",
        )
        .stderr_has("zlogin: failed to set stdin pty to raw mode");
    env.run("zlogin", &["-C", "z", "uptime"])
        .code(2)
        .stderr_has("zlogin: Commands may not be specified for console login.\n");
    env.run("zlogin", &["-C", "-l", "bob", "z"])
        .code(2)
        .stderr_has("zlogin: -l may not be specified for console login\n");
}
