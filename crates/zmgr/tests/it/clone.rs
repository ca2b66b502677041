//! `create --clone SRC` (and a template's `clone-from`): the zone's files come from
//! `zoneadm clone` of an installed, halted zone instead of an install; a source that cannot
//! be cloned is refused before anything changes, and a failed or interrupted clone is undone
//! to the last dataset and snapshot.

use std::time::Duration;

use crate::harness::TestEnv;
use crate::lifecycle_support::{
    assert_gone, calls, finish, pool_use, sandbox, snapshot_but_log, spawn, stderr_says,
    system_zone, wait_for,
};

/// A sandbox with the halted zone `gold` to clone from.
fn with_gold() -> TestEnv {
    let env = sandbox();
    env.sandbox(&["create", "gold", "--no-boot"]).success();
    env
}

/// Every dataset and snapshot of the simulated host.
fn datasets(env: &TestEnv) -> Vec<String> {
    let run = env.tool("zfs", &["list", "-H", "-t", "all", "-o", "name"]);
    run.success();
    run.stdout().lines().map(str::to_string).collect()
}

#[test]
fn clone_makes_the_zone_without_an_install() {
    let env = with_gold();
    let installs = calls(&env, "zoneadm", "install").len();
    let run = env.sandbox(&["create", "web01", "--clone", "gold"]);
    run.success()
        .stdout_is("created zone web01: 192.0.2.11/24 on web01_0, running\n");
    // The fast path: no second install ran, one clone did.
    assert_eq!(calls(&env, "zoneadm", "install").len(), installs);
    let clones = calls(&env, "zoneadm", "clone");
    assert_eq!(clones.len(), 1);
    assert_eq!(clones[0][clones[0].len() - 2..], ["clone", "gold"]);
    assert_eq!(system_zone(&env, "web01").as_deref(), Some("web01:running"));
    let ds = datasets(&env);
    assert!(
        ds.contains(&"rpool/zones/web01/ROOT/zbe".to_string()),
        "{ds:?}"
    );
    assert!(
        ds.contains(&"rpool/zones/gold/ROOT/zbe@web01_snap".to_string()),
        "{ds:?}"
    );
    // The source is untouched and still halted.
    assert_eq!(system_zone(&env, "gold").as_deref(), Some("gold:installed"));
    // destroy takes the clone and the snapshot it came from.
    env.sandbox(&["destroy", "web01"]).success();
    let ds = datasets(&env);
    assert!(!ds.iter().any(|d| d.contains("web01")), "{ds:?}");
}

#[test]
fn dry_run_shows_the_clone_command() {
    let env = with_gold();
    let run = env.sandbox(&["create", "web01", "--clone", "gold", "--dry-run"]);
    run.success()
        .stdout_has("zoneadm -z web01 clone gold")
        .check(
            !run.stdout().contains(" install"),
            "a clone plans no install",
        );
    assert_eq!(system_zone(&env, "web01"), None);
}

#[test]
fn template_clone_from_clones() {
    let env = with_gold();
    let t = env.read("templates/ipkg.kdl");
    let t = t.replacen(
        "brand \"ipkg\"",
        "brand \"ipkg\"\n    clone-from \"gold\"",
        1,
    );
    env.write(
        "templates/golden.kdl",
        t.replacen("template \"ipkg\"", "template \"golden\"", 1),
    );
    env.sandbox(&["create", "web01", "-t", "golden"]).success();
    assert_eq!(calls(&env, "zoneadm", "clone").len(), 1);
}

#[test]
fn running_source_is_refused_before_anything_changes() {
    let env = with_gold();
    env.sandbox(&["boot", "gold"]).success();
    let before = snapshot_but_log(&env);
    let run = env.sandbox(&["create", "web01", "--clone", "gold"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "the zone to clone, `gold`, is running",
            "clone operation is invalid for running zones.",
            "zmgr halt gold",
        ],
    );
    assert!(calls(&env, "zoneadm", "clone").is_empty());
    assert!(calls(&env, "zonecfg", "web01").is_empty());
    assert_eq!(system_zone(&env, "web01"), None);
    assert!(env.system_vnics().iter().all(|v| v != "web01_0"));
    let after = snapshot_but_log(&env);
    crate::lifecycle_support::assert_unchanged(&env, &before, &after);
}

#[test]
fn missing_source_names_it() {
    let env = sandbox();
    let run = env.sandbox(&["create", "web01", "--clone", "nosuch"]);
    run.exit(1);
    stderr_says(&run, &["zone to clone", "nosuch", "does not exist"]);
    assert_eq!(system_zone(&env, "web01"), None);
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn bad_source_names_are_usage_errors() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--clone", "../etc"])
        .exit(2)
        .stderr_has("--clone");
    env.sandbox(&["create", "web01", "--clone", "web01"])
        .exit(2)
        .stderr_has("cannot be cloned from itself");
    // Refused before any command about the zone ran.
    assert!(calls(&env, "zoneadm", "web01").is_empty());
    assert!(calls(&env, "zonecfg", "web01").is_empty());
}

#[test]
fn failed_clone_is_undone_to_the_last_snapshot() {
    let env = with_gold();
    let before = datasets(&env);
    env.faults("zoneadm clone zone=web01 message=clone hook failed\n");
    let run = env.sandbox(&["create", "web01", "--clone", "gold"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "zoneadm -z web01 clone gold",
            "clone hook failed",
            "undone:",
            "the installation of zone web01",
            "address 192.0.2.11 is free again",
        ],
    );
    assert_gone(&env, "web01", "web01_0");
    // No dataset of the clone and no snapshot on the source are left.
    assert_eq!(datasets(&env), before);
    assert_eq!(system_zone(&env, "gold").as_deref(), Some("gold:installed"));
}

#[test]
fn interrupt_during_clone_is_undone() {
    let env = with_gold();
    let before = datasets(&env);
    env.faults("zoneadm clone delay=3\n");
    let args = ["create", "web01", "--clone", "gold"];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    // The simulator marks the zone incomplete, with its datasets, when the clone starts.
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(started, "the clone did not start");
    run.exit(1);
    stderr_says(&run, &["was stopped by an interrupt", "undone:"]);
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(datasets(&env), before);
    env.sandbox(&["check"]).success();
}

/// pkg5's clone hook snapshots the source's boot environment, then clones it: a clone that
/// fails between the two leaves `gold/ROOT/zbe@web01_snap` with nothing cloned from it,
/// which `zoneadm uninstall` does not take. The undo does, and says so.
#[test]
fn clone_failing_after_its_snapshot_leaves_no_snapshot_on_the_source() {
    let env = with_gold();
    let before = datasets(&env);
    env.faults("zfs clone zone=web01\n");
    let run = env.sandbox(&["create", "web01", "--clone", "gold"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "zoneadm -z web01 clone gold",
            "undone:",
            "the snapshot rpool/zones/gold/ROOT/zbe@web01_snap the clone made of zone gold",
            "address 192.0.2.11 is free again",
        ],
    );
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(datasets(&env), before);
    assert_eq!(system_zone(&env, "gold").as_deref(), Some("gold:installed"));
}

/// A clone holds its source's lock: `zmgr boot gold` does not run under it.
#[test]
fn source_is_not_booted_during_its_clone() {
    let env = with_gold();
    env.faults("zoneadm clone delay=1.5\n");
    let args = ["create", "web01", "--clone", "gold", "--no-boot"];
    let child = spawn(&env, &args);
    let started = wait_for(Duration::from_secs(20), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
    let boot = env.sandbox(&["boot", "gold"]);
    let run = finish(&env, child, &args);
    run.check(started, "the clone did not start");
    run.success();
    let log = env.invocations();
    let clone = log
        .iter()
        .position(|(t, a)| t == "zoneadm" && a.iter().any(|w| w == "clone"))
        .expect("the clone ran");
    match log
        .iter()
        .position(|(t, a)| t == "zoneadm" && a.iter().any(|w| w == "boot"))
    {
        Some(i) => {
            boot.success();
            assert!(i > clone, "zoneadm boot ran during the clone: {log:?}");
        }
        None => {
            boot.exit(1);
            stderr_says(&boot, &["zone gold is busy"]);
        }
    }
}
