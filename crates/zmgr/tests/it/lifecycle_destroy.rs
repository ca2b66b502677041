//! `zmgr destroy`: everything the zone had goes, parts already gone are skipped, and a failed
//! destroy keeps the entry so that running it again finishes the job.

use crate::lifecycle_support::*;

/// The state-changing commands the simulator ran, as `tool argv…`.
fn changes(env: &crate::harness::TestEnv) -> Vec<String> {
    env.invocations()
        .into_iter()
        .filter(|(_, a)| {
            !a.iter()
                .any(|w| w == "list" || w == "show-vnic" || w == "info")
        })
        .map(|(t, a)| format!("{t} {}", a.join(" ")))
        .collect()
}

#[test]
fn destroy_removes_zone_vnic_and_entry_and_frees_the_address() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02"]).success();
    let before = changes(&env).len();
    env.sandbox(&["destroy", "web01"])
        .success()
        .stdout_is("destroyed zone web01\n");
    assert_eq!(
        changes(&env)[before..],
        [
            "zoneadm -z web01 halt",
            "zoneadm -z web01 uninstall -F",
            "zonecfg -z web01 delete -F",
            "dladm delete-vnic web01_0",
        ]
    );
    assert_gone(&env, "web01", "web01_0");
    // The other zone is untouched.
    assert_eq!(env.system_zones(), vec!["web02:running"]);
    assert_eq!(env.system_vnics(), vec!["web02_0"]);
    assert_eq!(pool_use(&env, "default"), "1:240:192.0.2.10");
    env.sandbox(&["check"]).success();
    env.sandbox(&["create", "web03"])
        .success()
        .stdout_is("created zone web03: 192.0.2.10/24 on web03_0, running\n");
}

#[test]
fn destroy_of_an_installed_zone_does_not_halt_it() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    let before = changes(&env).len();
    env.sandbox(&["destroy", "web01"])
        .success()
        .stdout_is("destroyed zone web01\n");
    assert_eq!(
        changes(&env)[before..],
        [
            "zoneadm -z web01 uninstall -F",
            "zonecfg -z web01 delete -F",
            "dladm delete-vnic web01_0",
        ]
    );
    assert_gone(&env, "web01", "web01_0");
}

#[test]
fn destroy_dry_run_lists_the_commands_and_changes_nothing() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    let before = changes(&env);
    let snapshot = snapshot_but_log(&env);
    let dir = env.dir().to_str().unwrap().to_string();
    env.sandbox(&["destroy", "web01", "--dry-run"])
        .success()
        .stdout_is(&format!(
            "would run: {dir}/sim/bin/zoneadm -z web01 halt\n\
             would run: {dir}/sim/bin/zoneadm -z web01 uninstall -F\n\
             would run: {dir}/sim/bin/zonecfg -z web01 delete -F\n\
             would run: {dir}/sim/bin/dladm delete-vnic web01_0\n\
             would remove the registry entry {}\n\
             nothing was changed (--dry-run)\n",
            env.path("zones/web01.kdl").display()
        ));
    assert_eq!(
        changes(&env),
        before,
        "a command that changes the system ran"
    );
    assert_unchanged(&env, &snapshot, &snapshot_but_log(&env));
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    assert_eq!(registry_state(&env, "web01"), "running");
}

#[test]
fn destroy_skips_a_vnic_deleted_by_hand() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.tool("zoneadm", &["-z", "web01", "halt"]).success();
    env.tool("dladm", &["delete-vnic", "web01_0"]).success();
    let run = env.sandbox(&["destroy", "web01"]);
    run.success()
        .stdout_is("skipped: VNIC web01_0 is already gone\ndestroyed zone web01\n");
    assert!(
        calls(&env, "dladm", "delete-vnic").len() == 1,
        "deleted twice"
    );
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn destroy_skips_a_zone_deleted_by_hand() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.tool("zoneadm", &["-z", "web01", "halt"]).success();
    env.tool("zoneadm", &["-z", "web01", "uninstall", "-F"])
        .success();
    env.tool("zonecfg", &["-z", "web01", "delete", "-F"])
        .success();
    let before = changes(&env).len();
    env.sandbox(&["destroy", "web01"])
        .success()
        .stdout_is("skipped: zone web01 is not configured on the system\ndestroyed zone web01\n");
    assert_eq!(changes(&env)[before..], ["dladm delete-vnic web01_0"]);
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn destroy_of_a_zone_not_in_the_registry_hints_at_import() {
    let env = sandbox();
    let before = changes(&env);
    let snapshot = snapshot_but_log(&env);
    let run = env.sandbox(&["destroy", "web01"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &["zone `web01` is not in the registry", "`zmgr import web01`"],
    );
    assert_eq!(changes(&env), before);
    assert_unchanged(&env, &snapshot, &snapshot_but_log(&env));
}

#[test]
fn a_failed_destroy_keeps_the_entry_and_a_second_run_finishes() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.faults("zoneadm uninstall\n");
    let run = env.sandbox(&["destroy", "web01"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &[
            "could not destroy zone web01",
            "zoneadm -z web01 uninstall -F` failed (exit status 1)",
            "the registry entry is kept",
            "run `zmgr destroy web01` again",
        ],
    );
    // The entry records what the system now says and still holds the address.
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(pool_use(&env, "default"), "1:240:192.0.2.11");
    assert_eq!(env.system_vnics(), vec!["web01_0"]);

    env.faults("");
    env.sandbox(&["destroy", "web01"])
        .success()
        .stdout_is("destroyed zone web01\n");
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
    env.sandbox(&["check"]).success();
}

#[test]
fn destroy_json_reports_commands_and_skips() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.tool("dladm", &["delete-vnic", "web01_0"]).success();
    let run = env.sandbox(&["destroy", "web01", "--json"]);
    run.success();
    let dir = env.dir().to_str().unwrap();
    assert_eq!(
        run.json_list("results"),
        serde_json::json!([{
            "zone": "web01",
            "ok": true,
            "commands": [
                format!("{dir}/sim/bin/zoneadm -z web01 uninstall -F"),
                format!("{dir}/sim/bin/zonecfg -z web01 delete -F"),
            ],
            "skipped": ["VNIC web01_0 is already gone"],
            "hooks": [
                {"point": "pre-destroy", "scripts": []},
                {"point": "post-destroy", "scripts": []},
            ],
            "dry_run": false,
        }])
    );
    assert_gone(&env, "web01", "web01_0");
}
