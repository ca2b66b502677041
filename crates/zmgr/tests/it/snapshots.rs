//! `zmgr snapshot`, `snapshots`, `rollback` and `snapshot --delete`: ZFS snapshots of a
//! halted zone, named zmgr-SNAP; snapshots zmgr did not make are never listed, rolled back
//! to or destroyed.

use crate::harness::TestEnv;
use crate::lifecycle_support::{calls, sandbox, stderr_says};

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
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
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
    let v: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
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
