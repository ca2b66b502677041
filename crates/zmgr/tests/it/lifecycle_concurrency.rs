//! Creates side by side: many processes on one pool, a registry lock held elsewhere, and a
//! pool that runs out.

use std::collections::BTreeSet;

use crate::lifecycle_support::*;

#[test]
fn twenty_creates_at_once_get_twenty_addresses() {
    let env = sandbox();
    let names: Vec<String> = (1..=20).map(|i| format!("web{i:02}")).collect();
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            let args = ["create", n.as_str()];
            (n, spawn(&env, &args))
        })
        .collect();
    let mut addresses = BTreeSet::new();
    for (n, child) in children {
        let run = finish(&env, child, &["create", n]);
        run.success();
        let out = run.stdout();
        let address = out
            .strip_prefix(&format!("created zone {n}: "))
            .and_then(|r| r.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected output {out:?}"))
            .to_string();
        run.stdout_is(&format!("created zone {n}: {address} on {n}_0, running\n"));
        addresses.insert(address);
    }
    let expected: BTreeSet<String> = (10..30).map(|i| format!("192.0.2.{i}/24")).collect();
    assert_eq!(
        addresses, expected,
        "addresses are not 20 distinct lowest ones"
    );

    assert_eq!(registry_zones(&env).len(), 20);
    for n in &names {
        assert!(entry(&env, n).unwrap().contains("state \"running\""), "{n}");
    }
    assert_eq!(env.system_zones().len(), 20);
    assert_eq!(env.system_vnics().len(), 20);
    assert_eq!(pool_use(&env, "default"), "20:221:192.0.2.30");
    let check = env.sandbox(&["check"]);
    check
        .success()
        .stdout_has("20 zones")
        .check(check.stderr().is_empty(), "check warned");
}

#[test]
fn a_held_registry_lock_stops_create_until_released() {
    let env = sandbox();
    let mut config = env.read("config.kdl");
    config += "lock-wait 1\n";
    env.write("config.kdl", config);

    // Another zmgr holding the registry lock (only root can open the lock file).
    let _ = std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(env.path(".zmgr"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(env.path(".zmgr/registry.lock"))
        .unwrap();
    lock.lock().unwrap();
    let before = env.invocations().len();
    let snapshot = env.snapshot();
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(&run, &["locked by another zmgr process"]);
    assert_eq!(env.invocations().len(), before, "a tool ran");
    assert_unchanged(&env, &snapshot, &env.snapshot());
    assert!(env.system_vnics().is_empty());
    assert!(env.system_zones().is_empty());

    lock.unlock().unwrap();
    drop(lock);
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
}

#[test]
fn a_full_pool_names_itself_and_its_size_and_changes_nothing() {
    let env = sandbox();
    env.write(
        "pools/default.kdl",
        "pool \"default\" {\n    network \"192.0.2.0/24\"\n    gateway \"192.0.2.1\"\n    stub \"zmgr_stub0\"\n    range \"192.0.2.10\" \"192.0.2.11\"\n}\n",
    );
    env.sandbox(&["create", "a1", "--no-boot"])
        .success()
        .stdout_is("created zone a1: 192.0.2.10/24 on a1_0, installed\n");
    env.sandbox(&["create", "a2", "--no-boot"])
        .success()
        .stdout_is("created zone a2: 192.0.2.11/24 on a2_0, installed\n");
    assert_eq!(pool_use(&env, "default"), "2:0:");

    let before = env.invocations();
    let snapshot = env.snapshot();
    let run = env.sandbox(&["create", "a3", "--no-boot"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &["pool `default` is full: all 2 of its addresses are taken"],
    );
    assert_eq!(env.invocations(), before, "a tool ran");
    assert_unchanged(&env, &snapshot, &env.snapshot());
    assert_eq!(registry_zones(&env), vec!["a1", "a2"]);
}

#[test]
fn two_creates_of_one_name_make_one_zone() {
    let env = sandbox();
    let args = ["create", "web01"];
    let a = spawn(&env, &args);
    let b = spawn(&env, &args);
    let runs = [finish(&env, a, &args), finish(&env, b, &args)];
    let ok: Vec<_> = runs.iter().filter(|r| r.code() == 0).collect();
    let failed: Vec<_> = runs.iter().filter(|r| r.code() != 0).collect();
    assert_eq!(ok.len(), 1, "not exactly one create worked");
    ok[0].stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
    failed[0].exit(1);
    stderr_says(failed[0], &["zone `web01` is already in the registry"]);
    // The loser undid nothing of the winner's.
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert_eq!(registry_state(&env, "web01"), "running");
    assert_eq!(pool_use(&env, "default"), "1:240:192.0.2.11");
}

/// Readers never fail because a writer removed a file between listing and reading it: `list`
/// and `boot` of one zone run while other zones are created and destroyed.
#[test]
fn readers_keep_working_while_zones_come_and_go() {
    let env = sandbox();
    env.sandbox(&["create", "stay", "--no-boot"]).success();
    let dir = env.sandbox_dir();
    let churn = std::thread::spawn(move || {
        for i in 0..12 {
            let name = format!("churn{}", i % 3);
            for verb in [
                ["create", name.as_str(), "--no-boot"],
                ["destroy", name.as_str(), ""],
            ] {
                let args: Vec<&str> = verb.iter().copied().filter(|a| !a.is_empty()).collect();
                let _ = std::process::Command::new(env!("CARGO_BIN_EXE_zmgr"))
                    .arg("--sandbox")
                    .arg(&dir)
                    .args(&args)
                    .env_clear()
                    .output();
            }
        }
    });
    let mut failures = Vec::new();
    while !churn.is_finished() {
        for args in [vec!["list"], vec!["pool", "list"], vec!["show", "stay"]] {
            let run = env.sandbox(&args);
            if run.code() != 0 {
                failures.push(format!("{args:?}: {}", run.stderr()));
            }
        }
    }
    churn.join().unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
    env.sandbox(&["boot", "stay"]).success();
}

/// `halt` while another zmgr holds the registry lock: the zone is halted, and zmgr says so,
/// with the registry's record left for `reconcile --fix` (not an exit 1 that hides the halt).
#[test]
fn halt_with_the_registry_locked_reports_the_halt_and_the_pending_record() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    let mut config = env.read("config.kdl");
    config += "lock-wait 1\n";
    env.write("config.kdl", config);
    let _ = std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(env.path(".zmgr"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(env.path(".zmgr/registry.lock"))
        .unwrap();
    lock.lock().unwrap();
    let run = env.sandbox(&["halt", "web01"]);
    run.success().stdout_is("zone web01 is installed\n");
    stderr_says(
        &run,
        &["the registry could not record it", "reconcile --fix"],
    );
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    assert_eq!(registry_state(&env, "web01"), "running");
    lock.unlock().unwrap();
    env.sandbox(&["reconcile", "--fix"]).success();
    assert_eq!(registry_state(&env, "web01"), "installed");
}
