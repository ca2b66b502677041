//! `zmgr snapshot`, `snapshots`, `rollback` and `snapshot --delete`: ZFS snapshots of a
//! halted zone, named zmgr-SNAP; snapshots zmgr did not make are never listed, rolled back
//! to or destroyed.

use std::time::Duration;

use crate::harness::TestEnv;
use crate::lifecycle_support::{calls, finish, sandbox, spawn, stderr_says, wait_for};

/// A sandbox with the halted zone `db`.
fn with_zone() -> TestEnv {
    let env = sandbox();
    env.sandbox(&["create", "db", "--no-boot"]).success();
    env
}

fn snapshots(env: &TestEnv) -> Vec<String> {
    let run = env.tool("zfs", &["list", "-H", "-t", "snapshot", "-o", "name"]);
    run.success();
    run.stdout().lines().map(str::to_string).collect()
}

#[test]
fn snapshot_list_rollback_delete() {
    let env = with_zone();
    env.sandbox(&["snapshot", "db", "before"])
        .success()
        .stdout_is("took snapshot before of zone db\n");
    assert!(snapshots(&env).contains(&"rpool/zones/db@zmgr-before".to_string()));
    // Recursive: the boot environment is in it.
    assert!(snapshots(&env).contains(&"rpool/zones/db/ROOT/zbe@zmgr-before".to_string()));
    // A default name is the UTC time.
    let run = env.sandbox(&["snapshot", "db", "--json"]);
    run.success();
    let v = run.json();
    let stamp = v["snapshot"].as_str().unwrap().to_string();
    assert_eq!(stamp.len(), 16, "{stamp}");
    assert!(stamp.ends_with('Z'));
    let list = env.sandbox(&["snapshots", "db"]);
    list.success();
    let names: Vec<&str> = list
        .stdout()
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(names, ["before", stamp.as_str()]);
    // Not the latest: refused, naming the later one, until --force.
    let run = env.sandbox(&["rollback", "db", "before"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "before is not the latest snapshot of zone db",
            &stamp,
            "--force",
        ],
    );
    assert!(calls(&env, "zfs", "rollback").is_empty());
    let dry = env.sandbox(&["rollback", "db", "before", "--force", "--dry-run"]);
    dry.success()
        .stdout_has("would run: ")
        .stdout_has("zfs rollback rpool/zones/db@zmgr-before");
    assert!(calls(&env, "zfs", "rollback").is_empty());
    env.sandbox(&["rollback", "db", "before", "--force"])
        .success()
        .stdout_has("rolled zone db back to snapshot before");
    assert!(!calls(&env, "zfs", "rollback").is_empty());
    assert!(!snapshots(&env).iter().any(|s| s.contains(&stamp)));
    // Latest now: no --force needed.
    env.sandbox(&["rollback", "db", "before"]).success();
    env.sandbox(&["snapshot", "--delete", "db", "before"])
        .success()
        .stdout_is("deleted snapshot before of zone db\n");
    assert!(snapshots(&env).is_empty(), "{:?}", snapshots(&env));
    env.sandbox(&["snapshots", "db"])
        .success()
        .stdout_is("zone db has no snapshots made by zmgr\n");
}

#[test]
fn running_zone_is_refused() {
    let env = with_zone();
    env.sandbox(&["snapshot", "db", "a"]).success();
    env.sandbox(&["boot", "db"]).success();
    let run = env.sandbox(&["snapshot", "db", "b"]);
    run.exit(1);
    stderr_says(&run, &["zone db is running", "zmgr halt db"]);
    let run = env.sandbox(&["rollback", "db", "a"]);
    run.exit(1);
    stderr_says(&run, &["zone db is running"]);
    assert!(calls(&env, "zfs", "rollback").is_empty());
}

#[test]
fn foreign_snapshots_are_untouched() {
    let env = with_zone();
    env.sandbox(&["snapshot", "db", "a"]).success();
    env.tool("zfs", &["snapshot", "rpool/zones/db@hourly"])
        .success();
    // Not listed.
    let list = env.sandbox(&["snapshots", "db", "--json"]);
    list.success();
    let v = list.json();
    assert_eq!(v["zone"], "db");
    assert_eq!(v["snapshots"].as_array().unwrap().len(), 1);
    assert_eq!(v["snapshots"][0]["name"], "a");
    assert_eq!(v["snapshots"][0]["zfs_snapshot"], "rpool/zones/db@zmgr-a");
    // Not destroyed by a rollback, even with --force: refused, naming it.
    let run = env.sandbox(&["rollback", "db", "a", "--force"]);
    run.exit(1);
    stderr_says(&run, &["zmgr did not make", "db@hourly"]);
    assert!(calls(&env, "zfs", "rollback").is_empty());
    assert!(snapshots(&env).contains(&"rpool/zones/db@hourly".to_string()));
    // Not deletable through zmgr.
    env.sandbox(&["snapshot", "--delete", "db", "hourly"])
        .exit(1)
        .stderr_has("zone db has no snapshot `hourly` made by zmgr");
    assert!(snapshots(&env).contains(&"rpool/zones/db@hourly".to_string()));
}

#[test]
fn bad_names_are_refused() {
    let env = with_zone();
    for bad in ["two words", "a@b", "a/b", "", "x%y", "-r"] {
        let run = env.sandbox(&["snapshot", "db", "--", bad]);
        run.exit(2);
    }
    env.sandbox(&["snapshot", "db", "a@b"])
        .exit(2)
        .stderr_has("snapshot name `a@b` contains `@`");
    env.sandbox(&["snapshot", "db", "ok"]).success();
    env.sandbox(&["snapshot", "db", "ok"])
        .exit(1)
        .stderr_has("already has a snapshot `ok`");
    env.sandbox(&["rollback", "db", "ko"])
        .exit(1)
        .stderr_has("did you mean `ok`");
    env.sandbox(&["snapshot", "nosuch", "a"])
        .exit(1)
        .stderr_has("nosuch");
    let taken = env
        .invocations()
        .into_iter()
        .filter(|(t, argv)| t == "zfs" && argv.first().map(String::as_str) == Some("snapshot"))
        .count();
    assert_eq!(taken, 1);
}

/// The zone `db` with the snapshots `a` and then `b`: a forced rollback to `a` destroys
/// both `@zmgr-b` snapshots, then rolls back the zonepath dataset and its boot environment.
fn with_two_snapshots() -> TestEnv {
    let env = with_zone();
    env.sandbox(&["snapshot", "db", "a"]).success();
    env.sandbox(&["snapshot", "db", "b"]).success();
    env
}

/// The names of the snapshots `@zmgr-SNAP` of db's datasets.
fn copies(env: &TestEnv, snap: &str) -> Vec<String> {
    let tail = format!("@zmgr-{snap}");
    snapshots(env)
        .into_iter()
        .filter(|s| s.ends_with(&tail))
        .collect()
}

#[test]
fn failed_forced_rollback_says_what_was_done_and_what_was_not() {
    let env = with_two_snapshots();
    let later = copies(&env, "b");
    assert!(later.len() >= 2, "{later:?}");
    // Every `zfs rollback` fails: after the later snapshots are destroyed.
    env.faults("zfs rollback message=dataset is busy\n");
    let run = env.sandbox(&["rollback", "db", "a", "--force"]);
    run.exit(1);
    let mut needles = vec![
        "the rollback of zone db to a stopped half way".to_string(),
        "dataset is busy".to_string(),
        "not done: rpool/zones/db is not rolled back".to_string(),
        "rpool/zones/db/ROOT/zbe is not rolled back".to_string(),
        "`zmgr rollback db a` rolls back the rest".to_string(),
    ];
    needles.extend(later.iter().map(|s| format!("destroyed {s}")));
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    stderr_says(&run, &needles);
    // It went as far as it says: the later snapshots are gone, a is kept.
    assert!(copies(&env, "b").is_empty());
    assert_eq!(copies(&env, "a").len(), later.len());
    // What it tells the user to do works.
    env.faults("");
    env.sandbox(&["rollback", "db", "a"]).success();
}

#[test]
fn interrupt_does_not_stop_a_forced_rollback_half_way() {
    let env = with_two_snapshots();
    let datasets = copies(&env, "a").len();
    env.faults("zfs rollback delay=1.5\n");
    let args = ["rollback", "db", "a", "--force"];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    // Interrupted once the later snapshots are destroyed (during the rollbacks).
    let destroyed = wait_for(Duration::from_secs(20), || copies(&env, "b").is_empty());
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(destroyed, "the later snapshots were not destroyed");
    // Every dataset was rolled back, and the user is told why it did not stop.
    let rolled: Vec<String> = calls(&env, "zfs", "rollback")
        .into_iter()
        .map(|argv| argv.last().cloned().unwrap_or_default())
        .collect();
    run.check(
        rolled.len() == datasets,
        &format!("rolled back {rolled:?}, not all {datasets} datasets"),
    );
    run.success()
        .stdout_has("rolled zone db back to snapshot a");
    stderr_says(
        &run,
        &["an interrupt arrived", "finished the rollback first"],
    );
}

#[test]
fn a_boot_environment_made_after_the_snapshot_is_named() {
    let env = with_zone();
    env.sandbox(&["snapshot", "db", "a"]).success();
    // A boot environment made later, as `pkg update` in the zone makes one.
    env.tool(
        "zfs",
        &[
            "create",
            "-o",
            "canmount=noauto",
            "rpool/zones/db/ROOT/zbe-1",
        ],
    )
    .success();
    let run = env.sandbox(&["rollback", "db", "a"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "made after snapshot a cannot be rolled back",
            "rpool/zones/db/ROOT/zbe-1",
            "--force",
        ],
    );
    assert!(calls(&env, "zfs", "rollback").is_empty());
    env.sandbox(&["rollback", "db", "a", "--force"])
        .success()
        .stdout_has("left as they are (made after snapshot a): rpool/zones/db/ROOT/zbe-1")
        .stdout_has("rolled zone db back to snapshot a");
    let rolled = calls(&env, "zfs", "rollback");
    assert!(!rolled.is_empty());
    assert!(
        !rolled.iter().flatten().any(|a| a.contains("zbe-1")),
        "{rolled:?}"
    );
}

#[test]
fn a_missing_snapshot_is_not_found() {
    let env = with_zone();
    env.sandbox(&["rollback", "db", "nosuch"])
        .exit(1)
        .stderr_has("zone db has no snapshot `nosuch` made by zmgr");
    // Scripts see the kind: not found, as for a missing zone.
    let file = crate::script_support::work_script(
        &env,
        "kind.rhai",
        r#"try { zmgr::rollback("db", "nosuch"); } catch (e) { print(`${e.kind} | ${e.message}`); }"#,
    );
    let run = crate::script_support::run_script(&env, &file, &[]);
    run.success()
        .stderr_has("not-found | zone db has no snapshot `nosuch` made by zmgr");
}

#[test]
fn a_name_too_long_for_the_boot_environment_is_refused() {
    let env = sandbox();
    let zone = "z".repeat(60);
    env.sandbox(&["create", &zone, "--no-boot", "--vnic", "long0"])
        .success();
    // `DS@zmgr-SNAP` fits in ZFS's 255 bytes; `DS/ROOT/zbe@zmgr-SNAP`, which
    // `zfs snapshot -r` also makes, does not.
    let top = format!("rpool/zones/{zone}@zmgr-").len();
    let snap = "s".repeat(255 - top);
    let run = env.sandbox(&["snapshot", &zone, &snap]);
    run.exit(2);
    stderr_says(&run, &["is too long", "/ROOT/zbe@zmgr-", "(264 bytes)"]);
    assert!(calls(&env, "zfs", "snapshot").is_empty());
}

#[test]
fn boot_does_not_run_inside_a_rollback() {
    let env = with_two_snapshots();
    env.faults("zfs rollback delay=1.5\n");
    let args = ["rollback", "db", "a", "--force"];
    let child = spawn(&env, &args);
    // The rollback is between its check that db is halted and its zfs rollback.
    let started = wait_for(Duration::from_secs(20), || copies(&env, "b").is_empty());
    let boot = env.sandbox(&["boot", "db"]);
    let run = finish(&env, child, &args);
    run.check(started, "the rollback did not start");
    run.success();
    // The boot either waited for the rollback, or was refused saying why; it never ran in
    // the middle of it.
    let log = env.invocations();
    let last_rollback = log
        .iter()
        .rposition(|(t, a)| t == "zfs" && a.first().map(String::as_str) == Some("rollback"))
        .expect("rollbacks ran");
    match log
        .iter()
        .position(|(t, a)| t == "zoneadm" && a.iter().any(|w| w == "boot"))
    {
        Some(i) => {
            boot.success();
            assert!(
                i > last_rollback,
                "zoneadm boot ran inside the rollback: {log:?}"
            );
        }
        None => {
            boot.exit(1);
            stderr_says(&boot, &["zone db is busy"]);
        }
    }
}
