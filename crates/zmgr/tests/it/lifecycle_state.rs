//! `zmgr boot`, `halt` and `reboot`: zoneadm runs, and the registry records the state the
//! system then reports, whether the command worked or not.

use crate::lifecycle_support::*;

#[test]
fn boot_halt_and_reboot_keep_the_registry_true() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    assert_eq!(registry_state(&env, "web01"), "installed");

    env.sandbox(&["boot", "web01"])
        .success()
        .stdout_is("zone web01 is running\n");
    assert_eq!(registry_state(&env, "web01"), "running");
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    // The VNIC goes to the running zone.
    env.tool("dladm", &["show-vnic", "-p", "-o", "link,zone"])
        .success()
        .stdout_is("web01_0:web01\n");

    // zoneadm reboot is `reboot --force`; the default is graceful (use_shutdown.rs).
    env.sandbox(&["reboot", "web01", "--force"])
        .success()
        .stdout_is("zone web01 is running: rebooted with zoneadm reboot\n");
    assert_eq!(registry_state(&env, "web01"), "running");
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    assert_eq!(
        calls(&env, "zoneadm", "reboot"),
        vec![vec!["-z", "web01", "reboot"]]
    );

    env.sandbox(&["halt", "web01"])
        .success()
        .stdout_is("zone web01 is installed\n");
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    env.sandbox(&["check"]).success();
}

#[test]
fn halt_of_an_installed_zone_succeeds() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.sandbox(&["halt", "web01"])
        .success()
        .stdout_is("zone web01 is installed\n");
    assert_eq!(registry_state(&env, "web01"), "installed");
    // -v shows what zoneadm said.
    env.sandbox(&["halt", "-v", "web01"])
        .success()
        .stdout_is("zone web01 is installed\n")
        .stderr_has("zone is already halted");
}

#[test]
fn boot_of_a_running_zone_succeeds() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["boot", "web01"])
        .success()
        .stdout_is("zone web01 is running\n");
    assert_eq!(registry_state(&env, "web01"), "running");
}

#[test]
fn boot_of_a_zone_not_in_the_registry_fails() {
    let env = sandbox();
    let before = env.invocations().len();
    for verb in ["boot", "halt", "reboot"] {
        let run = env.sandbox(&[verb, "web01"]);
        run.exit(1).stdout_is("");
        stderr_says(
            &run,
            &["zone `web01` is not in the registry", "`zmgr import web01`"],
        );
    }
    assert_eq!(env.invocations().len(), before, "a tool ran");
}

#[test]
fn a_failed_command_still_records_the_systems_state() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    // Halted behind zmgr's back: the registry says running, the system installed.
    env.tool("zoneadm", &["-z", "web01", "halt"]).success();
    let run = env.sandbox(&["reboot", "web01", "--force"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["zoneadm -z web01 reboot` failed (exit status 1)"]);
    assert_eq!(registry_state(&env, "web01"), "installed");

    env.faults("zoneadm boot zone=web01\n");
    let run = env.sandbox(&["boot", "web01"]);
    run.exit(1);
    stderr_says(&run, &["zoneadm: zone 'web01': call to zoneadmd failed"]);
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert_eq!(env.system_zones(), vec!["web01:installed"]);

    env.faults("");
    env.sandbox(&["boot", "web01"])
        .success()
        .stdout_is("zone web01 is running\n");
    assert_eq!(registry_state(&env, "web01"), "running");
}
