//! Registry changes a create's hooks make through the `zmgr` module (addresses reserved and
//! given back, publishers added, extended and removed) belong to the create: a create that
//! fails or is interrupted takes them back with the zone, and after `kill -9`
//! `reconcile --fix` does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::harness::TestEnv;
use crate::lifecycle_support::{finish, spawn, wait_for};
use crate::script_support::*;

/// The registry's files (config, pools, publishers, templates, zones) with their contents,
/// and the private folder's journals.
fn registry(env: &TestEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    env.snapshot()
        .into_iter()
        .filter(|(p, _)| p.starts_with(env.root()))
        .filter(|(p, _)| {
            !p.starts_with(env.root().join(".zmgr"))
                || p.extension().is_some_and(|e| e == "journal")
        })
        .collect()
}

/// A sandbox where 192.0.2.10 is reserved by hand, and a hook of `point` that reserves the
/// next address, gives 192.0.2.10 back, adds a publisher, adds an origin to the shipped one
/// and then runs `then`.
fn hook_that_changes_the_registry(point: &str, then: &str) -> (TestEnv, PathBuf) {
    let env = sandbox();
    env.sandbox(&["pool", "reserve", "default"])
        .success()
        .stdout_has("192.0.2.10");
    let hook = one_hook(
        &env,
        point,
        "change.rhai",
        &format!(
            "let ip = zmgr::allocate(\"default\");\n\
             info(`reserved ${{ip}}`);\n\
             zmgr::release(\"default\", \"192.0.2.10\");\n\
             zmgr::publisher_add(\"extra\", [\"https://pkg.example.com/extra/\"]);\n\
             zmgr::publisher_add(\"openindiana.org\", [\"https://mirror.example.com/oi/\"]);\n\
             {then}\n"
        ),
    );
    (env, hook)
}

#[test]
fn a_failed_create_takes_back_what_its_hooks_changed_in_the_registry() {
    for point in ["pre-install", "post-install", "post-boot"] {
        let (env, _) = hook_that_changes_the_registry(point, "throw \"no disk\";");
        let before = registry(&env);
        let run = env.sandbox(&["create", "z1", "-t", "t"]);
        run.exit(1);
        stderr_says(
            &run,
            &[
                "no disk",
                "undone:",
                "the hook's reservation of 192.0.2.12 in pool default",
                "the hook's release of 192.0.2.10 in pool default",
                "publisher extra, added by a hook",
                "the hook's edit of publisher openindiana.org",
            ],
        );
        // Byte for byte as before: the reserve lines, the publisher files, no journal.
        assert_eq!(registry(&env), before, "{point}: {}", run.stderr());
        assert_gone(&env, "z1", &vnic_of("z1"));
    }
}

#[test]
fn a_create_that_succeeds_keeps_what_its_hooks_changed() {
    let (env, _) = hook_that_changes_the_registry("post-install", "");
    env.sandbox(&["create", "z1", "-t", "t"]).success();
    let pool = env.read("pools/default.kdl");
    assert!(pool.contains("reserve \"192.0.2.12\""), "{pool}");
    assert!(!pool.contains("reserve \"192.0.2.10\""), "{pool}");
    assert!(env.path("publishers/extra.kdl").exists());
    assert!(
        env.read("publishers/openindiana.org.kdl")
            .contains("https://mirror.example.com/oi/")
    );
    let journals: Vec<PathBuf> = registry(&env)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "journal"))
        .collect();
    assert!(journals.is_empty(), "{journals:?}");
}

/// A change someone else made meanwhile is not overwritten: the undo says what it left.
#[test]
fn an_address_given_back_and_taken_by_another_zone_meanwhile_is_left_to_it() {
    let env = sandbox();
    env.sandbox(&["pool", "reserve", "default"])
        .success()
        .stdout_has("192.0.2.10");
    one_hook(
        &env,
        "post-install",
        "give.rhai",
        "zmgr::release(\"default\", \"192.0.2.10\");\n\
         zmgr::create(\"other\", #{ template: \"ipkg\", no_boot: true });\n\
         throw \"no disk\";\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "could NOT undo, needs a person",
            "the hook's release of 192.0.2.10 in pool default",
            "192.0.2.10 is now held by zone other",
        ],
    );
    assert!(!env.read("pools/default.kdl").contains("reserve"));
}

#[test]
fn an_interrupted_create_takes_back_what_its_hooks_changed() {
    let (env, _) = hook_that_changes_the_registry("pre-install", "");
    let before = registry(&env);
    env.faults("zoneadm install delay=2\n");
    let args = ["create", "z1", "-t", "t"];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "z1").as_deref() == Some("z1:incomplete")
    });
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(started, "the install did not start");
    run.exit(1);
    stderr_says(
        &run,
        &[
            "was stopped by an interrupt",
            "the hook's reservation of 192.0.2.12 in pool default",
        ],
    );
    assert_eq!(registry(&env), before);
    assert_gone(&env, "z1", &vnic_of("z1"));
}

#[test]
fn after_kill_9_reconcile_fix_takes_back_what_the_hooks_changed() {
    let (env, _) = hook_that_changes_the_registry("pre-install", "");
    let before = registry(&env);
    env.faults("zoneadm install delay=2\n");
    let mut child = spawn(&env, &["create", "z1", "-t", "t"]);
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "z1").as_deref() == Some("z1:incomplete")
    });
    child.kill().expect("kill -9 zmgr");
    child.wait().unwrap();
    assert!(started, "the install did not start");
    // The journal is there, naming every change.
    let journal = env.path(".zmgr/creating/z1.journal");
    let text = std::fs::read_to_string(&journal).expect("the create's journal");
    assert!(text.starts_with("reserved default 192.0.2.12\n"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    // The install zmgr started goes on without it; let it end.
    wait_for(Duration::from_secs(10), || {
        system_zone(&env, "z1").is_some_and(|z| z != "z1:incomplete")
    });
    env.faults("");

    env.sandbox(&["reconcile", "--fix"]).success();
    assert_eq!(registry(&env), before);
    assert_gone(&env, "z1", &vnic_of("z1"));
    env.sandbox(&["check"]).success();
}

/// A journal someone tampered with is refused, naming the line, and nothing is undone.
#[test]
fn a_tampered_journal_is_refused_naming_its_line() {
    let (env, _) = hook_that_changes_the_registry("pre-install", "");
    env.faults("zoneadm install delay=2\n");
    let mut child = spawn(&env, &["create", "z1", "-t", "t"]);
    wait_for(Duration::from_secs(10), || {
        system_zone(&env, "z1").as_deref() == Some("z1:incomplete")
    });
    child.kill().expect("kill -9 zmgr");
    child.wait().unwrap();
    wait_for(Duration::from_secs(10), || {
        system_zone(&env, "z1").is_some_and(|z| z != "z1:incomplete")
    });
    env.faults("");
    let journal = env.path(".zmgr/creating/z1.journal");
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str("reserved ../../etc 10.0.0.1\n");
    std::fs::write(&journal, text).unwrap();
    let pool = env.read("pools/default.kdl");
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.check(run.code() != 0, "reconcile --fix succeeded");
    run.stdout_has(
        "z1.journal line 5: reserved ../../etc 10.0.0.1 is not a journal line zmgr writes",
    );
    assert_eq!(env.read("pools/default.kdl"), pool);
    assert_eq!(system_zone(&env, "z1").as_deref(), Some("z1:installed"));
}
