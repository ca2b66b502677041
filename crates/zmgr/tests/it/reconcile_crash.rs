//! `zmgr reconcile` and interrupted creates: a killed create's leftovers are removed by
//! `--fix`, a create still running is left alone.

use std::time::Duration;

use crate::harness::TestEnv;
use crate::import_support::*;

/// Waits until the create of `zone` has configured the zone and its slow install has begun
/// (the simulator marks the zone incomplete when install starts).
#[track_caller]
fn wait_for_install_start(env: &TestEnv, zone: &str) {
    let started = wait_for(Duration::from_secs(10), || {
        logged(env, "zonecfg", &["-z", zone, "-f"])
            && system_zone(env, zone).as_deref() == Some(&format!("{zone}:incomplete"))
    });
    assert!(
        started,
        "the install of {zone} did not start: {:?}",
        env.system_zones()
    );
}

#[test]
fn a_killed_create_is_reported_and_fix_removes_its_leftovers() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.faults("zoneadm install delay=2\n");
    let mut child = spawn(&env, &["create", "crash1"], false);
    wait_for_install_start(&env, "crash1");
    child.kill().expect("kill -9 zmgr");
    child.wait().unwrap();

    // The simulated install zmgr started goes on without it; let it finish.
    let finished = wait_for(Duration::from_secs(10), || {
        logged(&env, "zoneadm", &["-z", "crash1", "install"])
            && system_zone(&env, "crash1").is_some_and(|z| z != "crash1:incomplete")
    });
    assert!(
        finished,
        "the install did not end: {:?}",
        env.system_zones()
    );
    env.faults("");
    assert_eq!(
        system_zone(&env, "crash1").as_deref(),
        Some("crash1:installed")
    );
    assert!(
        entry(&env, "crash1")
            .unwrap()
            .contains("state \"creating\"")
    );
    let check = env.sandbox(&["check"]);
    check.success();
    stderr_says(&check, &["crash1", "still marked creating"]);

    let expected = "zone crash1 was left in state creating by an interrupted create (VNIC crash1_0, zone installed)\n";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(&format!(
        "{expected}    `zmgr reconcile --fix` repairs this\n"
    ));
    stderr_says(&run, &["1 difference left"]);
    assert_same_files(&before, &files(&env));
    let run = env.sandbox(&["reconcile", "--json"]);
    run.exit(1);
    assert_eq!(
        run.json_list("differences"),
        serde_json::json!([{
            "kind": "crashed",
            "zone": "crash1",
            "leftovers": ["VNIC crash1_0", "zone installed"],
            "message": expected.trim_end(),
            "advice": null,
            "fixed": null,
            "fix_error": null
        }])
    );

    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is(&format!("{expected}    fixed\n"));
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert_eq!(entry(&env, "crash1"), None);
    assert_eq!(entry_names(&env), vec!["web01"]);
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
    check_clean(&env);

    // The address is free again: the next create takes it.
    env.sandbox(&["create", "crash2"])
        .success()
        .stdout_is("created zone crash2: 192.0.2.11/24 on crash2_0, running\n");
}

#[test]
fn a_create_killed_before_install_leaves_a_configured_zone_that_fix_removes() {
    let env = sandbox();
    // The configuration step is slow, so the kill lands after the VNIC exists.
    env.faults("zonecfg commit delay=2\n");
    let mut child = spawn(&env, &["create", "crash1"], false);
    let made = wait_for(Duration::from_secs(10), || {
        env.system_vnics().iter().any(|v| v == "crash1_0")
    });
    assert!(made, "the VNIC was not made");
    child.kill().expect("kill -9 zmgr");
    child.wait().unwrap();
    // The orphaned zonecfg, if the kill came after it started, commits after its delay.
    assert!(
        crate::random_kill::wait_for_tools(&env),
        "the orphaned tools did not end"
    );
    env.faults("");
    // The orphaned zonecfg usually commits; on a loaded machine the kill may come before it
    // started, or it may die writing to the pipe of the zmgr that is gone. Either way
    // reconcile must clean up.
    let zone = system_zone(&env, "crash1");
    let expected = match zone.as_deref() {
        Some("crash1:configured") => {
            "zone crash1 was left in state creating by an interrupted create (VNIC crash1_0, zone configured)\n"
        }
        None => "zone crash1 was left in state creating by an interrupted create (VNIC crash1_0)\n",
        other => panic!("unexpected zone state {other:?}"),
    };
    env.sandbox(&["reconcile"]).exit(1).stdout_is(&format!(
        "{expected}    `zmgr reconcile --fix` repairs this\n"
    ));
    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is(&format!("{expected}    fixed\n"));
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());
    assert!(entry_names(&env).is_empty());
    env.sandbox(&["create", "web01", "--no-boot"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, installed\n");
}

#[test]
fn a_create_in_progress_is_left_alone() {
    let env = sandbox();
    env.faults("zoneadm install delay=2\n");
    let child = spawn(&env, &["create", "crash1"], true);
    wait_for_install_start(&env, "crash1");

    let before = files(&env);
    let expected = "zone crash1 is being created by a running zmgr; left alone\n";
    env.sandbox(&["reconcile"]).success().stdout_is(expected);
    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is(expected);
    let run = env.sandbox(&["reconcile", "--json"]);
    run.success();
    let v = run.json_list("differences");
    assert_eq!(v[0]["kind"], "creating");
    assert_eq!(v[0]["zone"], "crash1");
    assert_eq!(v[0]["fixed"], serde_json::Value::Null);
    assert_eq!(v.as_array().unwrap().len(), 1);
    // Nothing of the create was touched.
    assert_same_files(&before, &files(&env));
    assert!(env.system_vnics().iter().any(|v| v == "crash1_0"));

    let run = finish(&env, child, &["create", "crash1"]);
    run.success()
        .stdout_is("created zone crash1: 192.0.2.10/24 on crash1_0, running\n");
    env.faults("");
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
}

/// How often the fault rule `rule` has matched, as the simulator counts `times=` rules.
fn fault_hits(env: &TestEnv, rule: &str) -> u64 {
    let run = env.tool("sim-admin", &["show-state"]);
    run.success();
    let state: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    state["fault_hits"][rule].as_u64().unwrap_or(0)
}

#[test]
fn a_create_that_has_just_reserved_its_address_is_left_alone() {
    let env = sandbox();
    // Right after writing its `creating` entry, create asks zoneadm whether the zone exists;
    // only that first listing is slow, so reconcile's own listing is not.
    let rule = "zoneadm list delay=2 times=1";
    env.faults(&format!("{rule}\n"));
    let child = spawn(&env, &["create", "crash1"], true);
    let reserved = wait_for(Duration::from_secs(10), || {
        entry(&env, "crash1").is_some() && fault_hits(&env, rule) == 1
    });
    assert!(reserved, "the create did not reserve its address");

    let expected = "zone crash1 is being created by a running zmgr; left alone\n";
    let run = env.sandbox(&["reconcile", "--fix"]);
    let kept = entry(&env, "crash1");
    run.success().stdout_is(expected);
    assert!(
        kept.is_some_and(|e| e.contains("state \"creating\"")),
        "reconcile --fix removed the entry of a running create"
    );

    let run = finish(&env, child, &["create", "crash1"]);
    run.success()
        .stdout_is("created zone crash1: 192.0.2.10/24 on crash1_0, running\n");
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
}

/// The tools a create runs hold its lock: after `kill -9` of zmgr, a `dladm create-vnic` still
/// running keeps the create "in progress", so reconcile leaves it alone instead of removing
/// the entry under its feet (the VNIC would then leak, unclaimed). Once the tool is done,
/// `--fix` removes what the create left.
#[test]
fn tools_of_a_killed_create_keep_it_in_progress_until_they_end() {
    let env = sandbox();
    env.faults("dladm create-vnic delay=3\n");
    let mut child = spawn(&env, &["create", "crash1"], false);
    let started = wait_for(Duration::from_secs(10), || {
        entry_names(&env).iter().any(|n| n == "crash1")
    });
    assert!(started, "the create did not start");
    // Let create-vnic start, then kill zmgr.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("kill -9 zmgr");
    child.wait().unwrap();
    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is("zone crash1 is being created by a running zmgr; left alone\n");
    assert_eq!(entry_names(&env), vec!["crash1"]);
    // The orphaned create-vnic finishes; now the create is over, and crashed.
    let done = wait_for(Duration::from_secs(10), || {
        logged(&env, "dladm", &["create-vnic"])
    });
    assert!(done, "create-vnic did not finish");
    env.faults("");
    env.sandbox(&["reconcile", "--fix"]).success().stdout_is(
        "zone crash1 was left in state creating by an interrupted create (VNIC crash1_0)\n    fixed\n",
    );
    assert!(env.system_vnics().is_empty());
    assert!(entry_names(&env).is_empty());
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
}

/// A VNIC over a pool's stub that zmgr would have named, which no entry claims, is reported;
/// `--fix` deletes it unless a zone uses it.
#[test]
fn stray_vnics_over_a_pool_stub_are_found_and_removed() {
    let env = sandbox();
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", "ghost0"])
        .success();
    // Not zmgr's naming, or over another link: not reported.
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", "my.link5"])
        .success();
    // Nor a later interface's name: `app1` may be a person's link as well as zone app's
    // second VNIC, and a link that may be a person's is never deleted.
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", "app1"])
        .success();
    env.tool("dladm", &["create-vnic", "-l", "e1000g0", "other0"])
        .success();
    let stray = |v: &str| {
        format!(
            "VNIC {v} over zmgr_stub0 is named as zmgr names a zone's VNIC, but no entry claims it and no zone uses it\n"
        )
    };
    env.sandbox(&["reconcile"]).exit(1).stdout_is(&format!(
        "{}    `zmgr reconcile --fix` repairs this\n",
        stray("ghost0")
    ));
    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is(&format!("{}    fixed\n", stray("ghost0")));
    assert_eq!(env.system_vnics(), vec!["my.link5", "app1", "other0"]);
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
}
