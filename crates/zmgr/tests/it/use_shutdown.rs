//! `zmgr shutdown` and the graceful `zmgr reboot`: zoneadm shutdown first, halt (or
//! zoneadm reboot) when the zone is not down by the deadline or the graceful way failed,
//! and the output says which happened.

use crate::lifecycle_support::{calls, registry_state, stderr_says};
use crate::script_support::{run_script, work_script};
use crate::use_support::*;

#[test]
fn shutdown_is_graceful_when_the_zone_goes_down() {
    let env = three_zones();
    env.sandbox(&["shutdown", "web01"])
        .success()
        .stdout_is("zone web01 is installed: shut down\n");
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(
        calls(&env, "zoneadm", "shutdown"),
        vec![vec!["-z", "web01", "shutdown"]]
    );
    assert!(calls(&env, "zoneadm", "halt").is_empty());
    env.sandbox(&["check"]).success();
}

// zmgr's own deadline (`--timeout`) is tested without the wall clock in zmgr-core
// (ops::shutdown, over the fake host with a clock that only ticks when read); here,
// zoneadmd's deadline: it gives up with `unable to shutdown zone`, and zmgr halts.

#[test]
fn a_shutdown_zoneadmd_gives_up_on_is_halted_at_once() {
    let env = three_zones();
    // zone_wait_shutdown's own 60 s are over: zoneadm fails.
    env.faults("zoneadm shutdown zone=web01 fail message=unable to shutdown zone\n");
    let run = env.sandbox(&["shutdown", "web01", "--json"]);
    run.success();
    let v = run.json_list("results");
    assert_eq!(v[0]["zone"], "web01");
    assert_eq!(v[0]["ok"], true);
    assert_eq!(v[0]["how"], "forced");
    assert_eq!(v[0]["state"], "installed");
    assert_eq!(
        v[0]["reason"],
        "graceful shutdown failed: zoneadm: zone 'web01': unable to shutdown zone"
    );
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(
        calls(&env, "zoneadm", "halt"),
        vec![vec!["-z", "web01", "halt"]]
    );
}

#[test]
fn shutdown_of_a_zone_that_is_down_does_nothing() {
    let env = three_zones();
    env.sandbox(&["shutdown", "db01"])
        .success()
        .stdout_is("zone db01 is installed: it was not running; nothing to do\n");
    assert!(calls(&env, "zoneadm", "shutdown").is_empty());
    assert!(calls(&env, "zoneadm", "halt").is_empty());
}

#[test]
fn reboot_is_graceful_unless_forced() {
    let env = three_zones();
    env.sandbox(&["reboot", "web01"])
        .success()
        .stdout_is("zone web01 is running: rebooted (shutdown -r)\n");
    assert_eq!(
        calls(&env, "zoneadm", "shutdown"),
        vec![vec!["-z", "web01", "shutdown", "-r"]]
    );
    assert!(calls(&env, "zoneadm", "reboot").is_empty());
    env.sandbox(&["reboot", "web01", "--force"])
        .success()
        .stdout_is("zone web01 is running: rebooted with zoneadm reboot\n");
    assert_eq!(
        calls(&env, "zoneadm", "reboot"),
        vec![vec!["-z", "web01", "reboot"]]
    );
    // A graceful reboot zoneadmd gives up on becomes zoneadm reboot.
    env.faults("zoneadm shutdown zone=web02 fail message=unable to shutdown zone\n");
    env.sandbox(&["reboot", "web02"])
        .success()
        .stdout_is("zone web02 is running: rebooted with zoneadm reboot (graceful shutdown failed: zoneadm: zone 'web02': unable to shutdown zone)\n");
    assert_eq!(registry_state(&env, "web02"), "running");
    assert_eq!(
        calls(&env, "zoneadm", "reboot"),
        vec![vec!["-z", "web01", "reboot"], vec!["-z", "web02", "reboot"]]
    );
    // An installed zone has nothing to reboot.
    let run = env.sandbox(&["reboot", "db01"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &["zone db01 is installed, not running: there is nothing to reboot"],
    );
}

#[test]
fn dry_runs_change_nothing() {
    let env = three_zones();
    let before = env.invocations().len();
    env.sandbox(&["shutdown", "web01", "--dry-run", "--timeout", "5"])
        .success()
        .stdout_is(&format!(
            "would run: {0} -z web01 shutdown\nwould run, if zone web01 is not down after 5 s: {0} -z web01 halt\nnothing was changed (--dry-run)\n",
            env.sim_state().join("bin/zoneadm").display()
        ));
    env.sandbox(&["halt", "web01", "web02", "-n"]).success();
    assert_eq!(registry_state(&env, "web01"), "running");
    let after = env.invocations();
    assert!(
        after[before..]
            .iter()
            .all(|(tool, argv)| tool == "zoneadm" && argv.contains(&"list".to_string())),
        "{:?}",
        &after[before..]
    );
}

#[test]
fn bad_timeouts_are_refused() {
    let env = three_zones();
    env.sandbox(&["shutdown", "web01", "--timeout", "-1"])
        .exit(2);
    env.sandbox(&["shutdown", "web01", "--timeout", "soon"])
        .exit(2);
    let run = env.sandbox(&["shutdown", "web01", "--timeout", "100000"]);
    run.exit(2);
    stderr_says(&run, &["a shutdown timeout of 100000 s is more than a day"]);
    env.sandbox(&["reboot", "web01", "--force", "--timeout", "5"])
        .exit(2);
    // 0 would mean "halt at once", which is `halt`.
    let run = env.sandbox(&["shutdown", "web01", "--timeout", "0"]);
    run.exit(2).stdout_is("");
    stderr_says(
        &run,
        &["a shutdown timeout must be at least 1 s", "`zmgr halt`"],
    );
    // Checked once, before any zone runs, however many zones.
    let before = env.invocations().len();
    let run = env.sandbox(&["shutdown", "web01", "web02", "--timeout", "100000"]);
    run.exit(2).stdout_is("");
    assert_eq!(
        run.stderr()
            .matches("a shutdown timeout of 100000 s is more than a day")
            .count(),
        1,
        "{}",
        run.stderr()
    );
    let run = env.sandbox(&["reboot", "--pool", "default", "--timeout", "0"]);
    run.exit(2);
    assert_eq!(env.invocations().len(), before);
    assert_eq!(registry_state(&env, "web01"), "running");
}

#[test]
fn scripts_shut_down_and_reboot_the_same_way() {
    let env = three_zones();
    let file = work_script(
        &env,
        "down.rhai",
        r#"
let r = zmgr::shutdown("web01", #{ timeout: 5 });
zmgr::out(`${r.state} ${r.how} ${r.timeout}`);
let r = zmgr::reboot("web02");
zmgr::out(`${r.state} ${r.how} ${r.commands.len()}`);
let r = zmgr::reboot("web02", #{ force: true });
zmgr::out(`${r.state} ${r.how} ${r.commands.len()}`);
try { zmgr::reboot("web02", #{ force: true, timeout: 5 }); } catch (e) { zmgr::out(e.message); }
try { zmgr::shutdown("web02", #{ timeout: 0 }); } catch (e) { zmgr::out(e.message); }
try { zmgr::shutdown("web02", #{ wait: 5 }); } catch (e) { zmgr::out(e.message); }
"#,
    );
    run_script(&env, &file, &[])
        .success()
        .stdout_is("installed graceful 5\nrunning graceful 1\nrunning forced 1\na forced reboot does not wait: it takes no timeout\na shutdown timeout must be at least 1 s\nunknown shutdown option `wait`\n");
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(calls(&env, "zoneadm", "reboot").len(), 1);
}
