//! Sandbox mode and the system boundary, seen from zmgr: the simulator set up on first use,
//! the "not illumos" message, and bad names refused before any process starts.

use crate::harness::TestEnv;

#[test]
fn first_use_sets_up_registry_etherstub_and_tool_links() {
    let env = TestEnv::new();
    let run = env.sandbox(&["list"]);
    run.success()
        .stdout_is("NAME  STATE  BRAND  TEMPLATE  ADDRESS  POOL\n")
        .stderr_has("created the simulated etherstub zmgr_stub0")
        .stderr_has("initialised a sandbox registry in");
    for tool in ["zonecfg", "zoneadm", "dladm", "zlogin", "pkg"] {
        let link = env.sim_state().join("bin").join(tool);
        assert!(
            std::fs::read_link(&link).is_ok(),
            "{} is not a link",
            link.display()
        );
    }
    let stubs = env.tool("dladm", &["show-etherstub"]);
    stubs.success().stdout_has("zmgr_stub0");
    env.sandbox(&["check"]).success();
    env.sandbox(&["pool", "list", "-p", "-o", "name,network,stub,next"])
        .success()
        .stdout_is("default:192.0.2.0/24:zmgr_stub0:192.0.2.10\n");
    // A second use runs nothing to set up.
    let before = env.invocations().len();
    env.sandbox(&["list"])
        .success()
        .check(env.invocations().len() == before, "second use ran a tool");
}

#[test]
fn zmgr_sandbox_variable_works_like_the_option() {
    let env = TestEnv::new();
    let dir = env.sandbox_dir();
    env.run(
        env!("CARGO_BIN_EXE_zmgr"),
        &["list"],
        &[("ZMGR_SANDBOX", dir.to_str().unwrap())],
    )
    .success();
    assert!(env.root().join("config.kdl").is_file());
}

#[test]
fn zmgr_sim_naming_no_file_is_refused_before_anything_is_set_up() {
    let env = TestEnv::new();
    let missing = env.dir().join("no-such-sim");
    let run = env.sandbox_env(&["list"], &[("ZMGR_SIM", missing.to_str().unwrap())]);
    run.exit(2)
        .stderr_has("ZMGR_SIM names")
        .stderr_has("no-such-sim, which is not a file")
        .stderr_has("set ZMGR_SIM to the path of the simulator");
    assert!(!env.root().exists(), "a registry was set up");
    assert!(!env.sim_state().exists(), "a simulator was set up");
}

#[test]
fn a_host_without_zonecfg_is_told_about_the_sandbox() {
    let env = TestEnv::initialised();
    let run = env.zmgr(&["create", "web01", "--no-boot"]);
    run.exit(1)
        .stderr_has("/usr/sbin/zoneadm does not exist")
        .stderr_has("this does not look like an illumos host")
        .stderr_has("zmgr --sandbox DIR");
    // The reservation was undone.
    env.zmgr(&["list", "-p", "-o", "name"])
        .success()
        .stdout_is("");
}

#[test]
fn names_that_break_the_rules_are_refused_before_anything_runs() {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    let before = env.invocations().len();
    let snapshot = env.snapshot();
    for (name, expect) in [
        ("global", "global zone's name"),
        ("SUNWx", "starts with SUNW"),
        ("web;delete", "contains `;`"),
        ("web\"x", "contains `\"`"),
        ("web\nadd net", "contains a newline"),
        (&"a".repeat(64), "at most 63"),
    ] {
        env.sandbox(&["create", name]).exit(2).stderr_has(expect);
    }
    env.sandbox(&["create", "--", "-rf"])
        .exit(2)
        .stderr_has("`-` at the start");
    // Derived VNIC names must be link names too.
    env.sandbox(&["create", "9lives"])
        .exit(2)
        .stderr_has("link name `9lives0` contains `9` at the start")
        .stderr_has("--vnic");
    env.sandbox(&["create", &"a".repeat(40)])
        .exit(2)
        .stderr_has("is 41 characters long");
    env.sandbox(&["create", "ok1", "--vnic", "bad-vnic0"])
        .exit(2)
        .stderr_has("contains `-`");
    assert_eq!(
        env.invocations().len(),
        before,
        "a tool ran: {:?}",
        env.invocations()
    );
    assert_eq!(snapshot, env.snapshot(), "files changed");
}

#[test]
fn template_values_that_could_inject_zonecfg_commands_are_refused_before_anything_runs() {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    let before = env.invocations().len();
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    pool \"default\"\n    zonecfg {\n        property \"bootargs\" \"-s\\\"\\ncommit\"\n        resource \"rctl\" {\n            name \"zone.max-lwps\"\n            value priv=\"privileged\" limit=\"1,2\" action=\"deny\"\n        }\n    }\n}\n",
    );
    let run = env.sandbox(&["create", "web01"]);
    run.exit(2)
        .stderr_has("contains a double quote, which zonecfg cannot take inside a quoted value")
        .stderr_has("cannot take inside ( … )")
        .stderr_has("templates/ipkg.kdl:5:");
    assert_eq!(env.invocations().len(), before);
    assert!(!env.path("zones/web01.kdl").exists());
}
