//! boot, halt, shutdown, reboot and destroy over several zones: names and the selectors
//! `--all-of-template` and `--pool`, in parallel, each zone reported; one failing zone does
//! not stop the others; destroy asks at a terminal.

use crate::lifecycle_support::{calls, registry_state, registry_zones, stderr_says};
use crate::use_support::*;

#[test]
fn several_zones_halt_in_parallel_and_each_is_reported() {
    let env = three_zones();
    env.sandbox(&["create", "app01"]).success();
    env.sandbox(&["halt", "web01", "web02", "app01", "--jobs", "2"])
        .success()
        .stdout_is("zone web01 is installed\nzone web02 is installed\nzone app01 is installed\n")
        .stderr_has("[3/3] zone ");
    for z in ["web01", "web02", "app01"] {
        assert_eq!(registry_state(&env, z), "installed");
    }
    assert_eq!(calls(&env, "zoneadm", "halt").len(), 3);
    let run = env.sandbox(&["boot", "web01", "web02", "app01", "db01", "--json"]);
    run.success();
    let v = run.json_list("results");
    let sim = env.dir().join("sim/bin/zoneadm");
    let booted = |zone: &str| {
        serde_json::json!({
            "zone": zone, "ok": true, "state": "running", "dry_run": false,
            "commands": [format!("{} -z {zone} boot", sim.display())],
        })
    };
    assert_eq!(
        v,
        serde_json::json!([
            booted("web01"),
            booted("web02"),
            booted("app01"),
            booted("db01")
        ])
    );
}

#[test]
fn an_unknown_zone_among_several_fails_alone() {
    let env = three_zones();
    let run = env.sandbox(&["halt", "web01", "nosuch", "web02"]);
    run.exit(1)
        .stdout_is("zone web01 is installed\nzone web02 is installed\n");
    stderr_says(
        &run,
        &[
            "zone `nosuch` is not in the registry",
            "halt failed for 1 of 3 zones: nosuch",
        ],
    );
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(registry_state(&env, "web02"), "installed");
    let run = env.sandbox(&["boot", "web01", "nosuch", "--json"]);
    run.exit(1);
    let v = run.json_list("results");
    assert_eq!(v[0]["ok"], true);
    assert_eq!(v[1]["ok"], false);
    assert_eq!(v[1]["kind"], "not-found");
    assert_eq!(v[1]["error"], "zone `nosuch` is not in the registry");
    // A zone failing on the system does not stop the others either.
    env.faults("zoneadm halt zone=web01\n");
    let run = env.sandbox(&["halt", "web01", "db01"]);
    run.exit(1).stdout_is("zone db01 is installed\n");
    stderr_says(
        &run,
        &[
            "call to zoneadmd failed",
            "halt failed for 1 of 2 zones: web01",
        ],
    );
}

#[test]
fn selectors_pick_zones_by_template_and_pool() {
    let env = three_zones();
    env.sandbox(&["halt", "--all-of-template", "ipkg"])
        .success()
        .stdout_is("zone db01 is installed\nzone web01 is installed\nzone web02 is installed\n");
    // Names first, then the selected zones by name; each zone once.
    env.sandbox(&["boot", "web02", "--pool", "default"])
        .success()
        .stdout_is("zone web02 is running\nzone db01 is running\nzone web01 is running\n");
    // Both selectors: the zones matching both.
    env.sandbox(&[
        "shutdown",
        "--pool",
        "default",
        "--all-of-template",
        "ipkg",
        "-n",
    ])
    .success()
    .stdout_has("-z db01 shutdown\n");
}

#[test]
fn bad_selections_are_refused_before_anything_runs() {
    let env = three_zones();
    let before = env.invocations().len();
    let run = env.sandbox(&["halt", "--pool", "nosuch"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["pool `nosuch` is not in the registry"]);
    let run = env.sandbox(&["destroy", "--all-of-template", "ipgk", "--yes"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &[
            "template `ipgk` is not in the registry",
            "did you mean `ipkg`?",
        ],
    );
    let run = env.sandbox(&["boot", "--pool", "../x"]);
    run.exit(2).stdout_is("");
    let run = env.sandbox(&["halt"]);
    run.exit(2).stdout_is("");
    stderr_says(&run, &["no zone given", "--all-of-template"]);
    let run = env.sandbox(&["halt", "web01", "web02", "--jobs", "0"]);
    run.exit(2);
    stderr_says(&run, &["--jobs takes a number from 1 to 64, not 0"]);
    // Nothing but reading the registry happened: no tool ran.
    assert_eq!(env.invocations().len(), before);
    assert_eq!(registry_state(&env, "web01"), "running");
}

#[test]
fn destroy_several_zones() {
    let env = three_zones();
    let run = env.sandbox(&["destroy", "web01", "db01", "--json"]);
    run.success();
    let v = run.json_list("results");
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["zone"], "web01");
    assert_eq!(v[0]["ok"], true);
    assert!(v[0]["commands"].as_array().unwrap().len() >= 3);
    assert_eq!(registry_zones(&env), vec!["web02"]);
    assert_eq!(env.system_zones(), vec!["web02:running"]);
}

#[test]
fn destroy_asks_at_a_terminal() {
    let env = three_zones();
    // No: nothing changes.
    let (run, _) = on_terminal(&env, &["destroy", "web01", "db01"], "n\n");
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &[
            "destroy 2 zones (web01, db01)? This halts, uninstalls and deletes them and frees their addresses. [y/N]",
            "not confirmed: 2 zones (web01, db01) left as it is",
        ],
    );
    assert_eq!(registry_zones(&env), vec!["db01", "web01", "web02"]);
    assert!(calls(&env, "zoneadm", "halt").is_empty());
    // Yes: destroyed.
    let (run, _) = on_terminal(&env, &["destroy", "web01"], "yes\n");
    run.success().stdout_is("destroyed zone web01\n");
    stderr_says(&run, &["destroy zone web01? "]);
    assert_eq!(registry_zones(&env), vec!["db01", "web02"]);
    // --yes: no question; a dry run asks nothing either.
    let (run, _) = on_terminal(&env, &["destroy", "db01", "--dry-run"], "");
    run.success()
        .check(!run.stderr().contains("[y/N]"), "asked");
    let (run, _) = on_terminal(&env, &["destroy", "db01", "--yes"], "");
    run.success().stdout_is("destroyed zone db01\n");
    run.check(!run.stderr().contains("[y/N]"), "asked");
    assert_eq!(registry_zones(&env), vec!["web02"]);
}

#[test]
fn destroy_never_asks_without_a_terminal() {
    let env = three_zones();
    let (run, _) = with_pid(&env, &["destroy", "web02"], "n\n");
    run.success().stdout_is("destroyed zone web02\n");
    run.check(!run.stderr().contains("[y/N]"), "asked");
}

#[test]
fn destroy_destroys_only_the_zones_it_asked_about() {
    let env = three_zones();
    let mut asking = Asking::start(&env, &["destroy", "--pool", "default"]);
    asking.wait_for("[y/N] ");
    // While the question waits, a zone that matches the selection is made, and a listed
    // one goes.
    env.sandbox(&["create", "app01", "--no-boot"]).success();
    env.sandbox(&["destroy", "web02", "--yes"]).success();
    let run = asking.answer(&env, "y\n");
    run.exit(1)
        .stdout_is("destroyed zone db01\ndestroyed zone web01\n");
    stderr_says(
        &run,
        &[
            "zone `web02` is not in the registry",
            "it was in the registry when destroy asked",
            "destroy failed for 1 of 3 zones: web02",
        ],
    );
    run.check(!run.stderr().contains("app01"), "app01 was acted on");
    assert_eq!(registry_zones(&env), vec!["app01"]);
    assert_eq!(env.system_zones(), vec!["app01:installed"]);
}

#[test]
fn invalid_names_and_options_are_refused_before_any_zone_runs() {
    let env = three_zones();
    let before = env.invocations().len();
    let run = env.sandbox(&["halt", "web01", "bad/x"]);
    run.exit(2).stdout_is("");
    run.check(!run.stderr().contains("halt failed"), "a zone's failure");
    let run = env.sandbox(&["destroy", "web01", "bad/x", "--yes"]);
    run.exit(2).stdout_is("");
    assert_eq!(env.invocations().len(), before);
    assert_eq!(registry_state(&env, "web01"), "running");
    assert_eq!(registry_zones(&env), vec!["db01", "web01", "web02"]);
}

#[test]
fn an_interrupt_starts_no_further_zone() {
    use crate::lifecycle_support::{finish, spawn, wait_for};
    use std::time::Duration;
    let env = three_zones();
    // web01's halt is still running when the interrupt comes; web02 and db01 wait their turn.
    env.faults("zoneadm halt zone=web01 delay=30\n");
    let before = env.invocations().len();
    let args = [
        "destroy", "web01", "web02", "db01", "--jobs", "1", "--yes", "--json",
    ];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    let started = wait_for(Duration::from_secs(10), || {
        crate::random_kill::running_tools(&env)
            .iter()
            .any(|argv| argv.ends_with(&["-z".into(), "web01".into(), "halt".into()]))
    });
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(started, "the halt of web01 did not start");
    run.check(kill.success(), "kill -INT failed");
    run.exit(1);
    let v = run.json_list("results");
    for (i, zone) in ["web01", "web02", "db01"].iter().enumerate() {
        assert_eq!(v[i]["zone"], *zone);
        assert_eq!(v[i]["ok"], false);
        assert_eq!(v[i]["kind"], "interrupted", "{}", v[i]);
    }
    stderr_says(
        &run,
        &["destroy failed for 3 of 3 zones: web01, web02, db01"],
    );
    // Nothing was done to the zones not started, nor half done to the one that was.
    let after = env.invocations();
    assert!(
        after[before..]
            .iter()
            .all(|(_, argv)| !argv.iter().any(|a| a == "web02" || a == "db01")),
        "{:?}",
        &after[before..]
    );
    assert_eq!(registry_zones(&env), vec!["db01", "web01", "web02"]);
    let mut system = env.system_zones();
    system.sort();
    assert_eq!(
        system,
        vec!["db01:installed", "web01:running", "web02:running"]
    );
    assert!(crate::random_kill::wait_for_tools(&env));
    env.sandbox(&["check"]).success();
}
