//! Changing a zone after create: `set`, `add`, `remove` and `config`, and their twins.

use crate::harness::TestEnv;
use crate::script_support::*;

const LAN: &str = "pool \"lan\" {\n    network \"10.1.0.0/24\"\n    gateway \"10.1.0.1\"\n    stub \"zmgr_stub0\"\n    range \"10.1.0.10\" \"10.1.0.99\"\n}\n";

/// A sandbox with a running zone web01 and a second pool `lan`.
fn zone() -> TestEnv {
    let env = sandbox();
    env.write("pools/lan.kdl", LAN);
    env.sandbox(&["create", "web01"]).success();
    env
}

fn info(env: &TestEnv, what: &[&str]) -> String {
    let mut args = vec!["-z", "web01", "info"];
    args.extend_from_slice(what);
    let run = env.tool("zonecfg", &args);
    run.success();
    run.stdout()
}

#[test]
fn set_changes_settings_in_one_transaction_and_says_when_they_apply() {
    let env = zone();
    env.sandbox(&[
        "set",
        "web01",
        "cpu-shares=20",
        "capped-memory.physical=2G",
        "capped-cpu=1.5",
        "autoboot=false",
    ])
    .success()
    .stdout_is("changed zone web01: takes effect at the zone's next boot\n");
    assert_eq!(info(&env, &["autoboot"]), "autoboot: false\n");
    assert!(info(&env, &[]).contains("[cpu-shares: 20]"));
    assert!(info(&env, &["capped-memory"]).contains("[physical: 2G]"));
    assert!(info(&env, &["capped-cpu"]).contains("[ncpus: 1.50]"));
    // Once: one zonecfg session changed everything.
    let sessions = calls(&env, "zonecfg", "-f");
    assert_eq!(sessions.len(), 2, "{sessions:?}"); // the create's and the set's

    // An empty value clears; a halted zone gets it when it boots.
    env.sandbox(&["halt", "web01"]).success();
    env.sandbox(&["set", "web01", "capped-cpu=", "cpu-shares="])
        .success()
        .stdout_is("changed zone web01: takes effect when the zone boots\n");
    assert_eq!(info(&env, &["capped-cpu"]), "");
    assert!(!info(&env, &[]).contains("cpu-shares"));
}

#[test]
fn set_refuses_bad_keys_and_values_before_anything_runs() {
    let env = zone();
    let before = sim_state(&env);
    for (args, says) in [
        (
            &["set", "web01", "cpu-share=2"][..],
            "did you mean `cpu-shares`?",
        ),
        (&["set", "web01", "cpu-shares"], "is not KEY=VALUE"),
        (&["set", "web01", "max-lwps=50"], "max-lwps"),
        (
            &["set", "web01", "capped-memory.swap=10M"],
            "below zonecfg's minimum of 50M",
        ),
        (
            &["set", "web01", "autoboot=yes"],
            "autoboot is true or false",
        ),
        (&["set", "web01", "bootargs=a\"b"], "double quote"),
        (
            &["set", "nosuch", "cpu-shares=1"],
            "zone `nosuch` is not in the registry",
        ),
        (&["set", "../x", "cpu-shares=1"], "zone name `../x`"),
    ] {
        let run = env.sandbox(args);
        run.check(run.code() != 0, "accepted");
        run.stdout_is("");
        stderr_says(&run, &[says]);
    }
    assert_eq!(sim_state(&env), before);
}

#[test]
fn dry_run_shows_the_command_file_and_changes_nothing() {
    let env = zone();
    let before = sim_state(&env);
    env.sandbox(&["set", "web01", "cpu-shares=5", "--dry-run"])
        .success()
        .stdout_has("    set cpu-shares=\"5\"\n    commit\n")
        .stdout_has("nothing was changed (--dry-run)");
    env.sandbox(&["add", "web01", "net", "pool=lan", "--dry-run"])
        .success()
        .stdout_has("dladm create-vnic -l zmgr_stub0 web01_1");
    assert_eq!(sim_state(&env), before);
    assert!(!entry(&env, "web01").unwrap().contains("lan"));
}

#[test]
fn file_systems_and_datasets_are_added_and_removed() {
    let env = zone();
    env.sandbox(&[
        "add",
        "web01",
        "fs",
        "dir=/data",
        "special=/export/data",
        "type=lofs",
        "options=ro,nodevices",
    ])
    .success()
    .stdout_is("added fs to zone web01: takes effect at the zone's next boot\n");
    let fs = info(&env, &["fs"]);
    assert!(
        fs.contains("dir: /data") && fs.contains("options: [ro,nodevices]"),
        "{fs}"
    );
    env.sandbox(&["add", "web01", "fs", "dir=/data", "special=/x", "type=lofs"])
        .exit(1)
        .stderr_has("zone web01 has a fs with dir /data already");
    env.sandbox(&["add", "web01", "fs", "dir=data", "special=/x", "type=lofs"])
        .exit(2)
        .stderr_has("is not an absolute path");
    env.sandbox(&["remove", "web01", "fs", "dir=/data"])
        .success()
        .stdout_is("removed fs from zone web01: takes effect at the zone's next boot\n");
    assert_eq!(info(&env, &["fs"]), "");
    env.sandbox(&["remove", "web01", "fs", "dir=/data"])
        .exit(1)
        .stderr_has("fs `/data` is not in the registry");
}

#[test]
fn an_interface_added_holds_its_address_and_one_removed_frees_it() {
    let env = zone();
    env.sandbox(&["add", "web01", "net", "pool=lan"])
        .success()
        .stdout_is("added interface web01_1 (10.1.0.10/24 from pool lan) to zone web01: takes effect at the zone's next boot\n");
    assert!(
        entry(&env, "web01")
            .unwrap()
            .contains("net \"web01_1\" address=\"10.1.0.10/24\" pool=\"lan\" vnic=#true")
    );
    assert!(env.system_vnics().iter().any(|v| v == "web01_1"));
    assert_eq!(pool_use(&env, "lan"), "1:89:10.1.0.11");
    env.sandbox(&["check"]).success();
    env.sandbox(&["reconcile"]).success();

    // The zone uses it while it runs.
    env.sandbox(&["remove", "web01", "net", "physical=web01_1"])
        .exit(2)
        .stderr_has("halt it first");
    env.sandbox(&["halt", "web01"]).success();
    env.sandbox(&["remove", "web01", "net", "address=10.1.0.10"])
        .success()
        .stdout_is("removed interface web01_1 (10.1.0.10/24 from pool lan) from zone web01: takes effect when the zone boots\n");
    assert!(!env.system_vnics().iter().any(|v| v == "web01_1"));
    assert_eq!(pool_use(&env, "lan"), "0:90:10.1.0.10");
    env.sandbox(&["check"]).success();
    env.sandbox(&["reconcile"]).success();
}

#[test]
fn a_failed_add_net_leaves_no_vnic_and_no_address() {
    let env = zone();
    env.faults("zonecfg add\n");
    let run = env.sandbox(&["add", "web01", "net", "pool=lan"]);
    run.exit(1);
    assert!(!env.system_vnics().iter().any(|v| v == "web01_1"));
    assert!(!entry(&env, "web01").unwrap().contains("lan"));
    assert_eq!(pool_use(&env, "lan"), "0:90:10.1.0.10");
    env.faults("");
    env.sandbox(&["reconcile"]).success();
}

#[test]
fn config_prints_what_zonecfg_holds() {
    let env = zone();
    let export = env.tool("zonecfg", &["-z", "web01", "export"]);
    env.sandbox(&["config", "web01"])
        .success()
        .stdout_is(&export.stdout());
    let run = env.sandbox(&["config", "web01", "--json"]);
    run.success();
    let v = run.json();
    assert_eq!(v["export"], export.stdout());
    assert!(
        v["info"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "net")
    );
}

#[test]
fn scripts_change_zones_through_the_same_functions() {
    let env = zone();
    let script = work_script(
        &env,
        "tune.rhai",
        "let r = zmgr::set(\"web01\", #{\"cpu-shares\": \"7\"});\nprint(`effect: ${r.effect}`);\nlet n = zmgr::add(\"web01\", \"net\", #{pool: \"lan\"});\nprint(`net: ${n.net.link} ${n.net.address}`);\nlet c = zmgr::config(\"web01\");\nprint(`has shares: ${c[\"export\"].contains(\"zone.cpu-shares\")}`);\ntry { zmgr::set(\"web01\", #{\"cpu-shares\": \"-1\"}); } catch (e) { print(`refused: ${e.kind}`); }\n",
    );
    let run = run_script(&env, &script, &[]);
    run.success();
    stderr_says(
        &run,
        &[
            "effect: next-boot",
            "net: web01_1 10.1.0.10/24",
            "has shares: true",
            "refused: usage",
        ],
    );
    assert!(info(&env, &[]).contains("[cpu-shares: 7]"));
    assert!(entry(&env, "web01").unwrap().contains("pool=\"lan\""));
}
