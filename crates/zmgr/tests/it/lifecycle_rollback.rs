//! A failed or interrupted create undoes every step it made, frees the address and says so;
//! `--keep-on-failure` leaves everything for inspection.

use std::time::Duration;

use crate::harness::TestEnv;
use crate::lifecycle_support::*;

/// Creates web01 with `rule` in the fault file and checks the failure and the clean system
/// after it; then the same create without faults takes the same address.
fn fails_and_undoes(rule: &str, failed_command: &str, undone: &[&str]) -> TestEnv {
    let env = sandbox();
    env.faults(&format!("{rule}\n"));
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1)
        .stdout_is("")
        .stderr_has("could not create zone `web01`");
    let mut needles = vec![failed_command, "undone:"];
    needles.extend_from_slice(undone);
    needles.push("the registry entry (address 192.0.2.10 is free again)");
    stderr_says(&run, &needles);
    run.check(
        !run.stderr().contains("could NOT undo"),
        "an undo step failed",
    );
    assert_gone(&env, "web01", "web01_0");
    assert_no_zonecfg_file_left(&env);
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
    env.sandbox(&["check"]).success();

    env.faults("");
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
    env
}

#[test]
fn failed_vnic_creation_frees_the_address() {
    let env = fails_and_undoes(
        "dladm create-vnic",
        "dladm create-vnic -l zmgr_stub0 web01_0` failed (exit status 1)",
        &[],
    );
    // Nothing was made on the system, so only the entry was undone.
    assert!(calls(&env, "dladm", "delete-vnic").is_empty());
}

#[test]
fn failed_zonecfg_commit_deletes_the_vnic() {
    fails_and_undoes("zonecfg commit", "zonecfg -z web01 -f", &["VNIC web01_0"]);
}

#[test]
fn failed_zonecfg_create_deletes_the_vnic() {
    fails_and_undoes("zonecfg create", "zonecfg -z web01 -f", &["VNIC web01_0"]);
}

#[test]
fn failed_install_uninstalls_deletes_the_configuration_and_the_vnic() {
    let env = fails_and_undoes(
        "zoneadm install",
        "zoneadm -z web01 install -P openindiana.org=https://pkg.openindiana.org/hipster` failed (exit status 1)",
        &[
            "the installation of zone web01",
            "the configuration of zone web01",
            "VNIC web01_0",
        ],
    );
    // The undo ran in reverse order of the steps.
    let undo: Vec<String> = env
        .invocations()
        .into_iter()
        .filter(|(_, a)| {
            a.iter()
                .any(|w| w == "uninstall" || w == "delete" || w == "delete-vnic")
        })
        .map(|(t, a)| format!("{t} {}", a.join(" ")))
        .collect();
    assert_eq!(
        undo,
        vec![
            "zoneadm -z web01 uninstall -F",
            "zonecfg -z web01 delete -F",
            "dladm delete-vnic web01_0",
        ]
    );
}

#[test]
fn failed_boot_undoes_everything() {
    fails_and_undoes(
        "zoneadm boot",
        "zoneadm -z web01 boot` failed (exit status 1)",
        &[
            "the installation of zone web01",
            "the configuration of zone web01",
            "VNIC web01_0",
        ],
    );
}

#[test]
fn the_tools_message_is_shown() {
    let env = sandbox();
    env.faults("dladm create-vnic exit=1 message=insufficient privileges\n");
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(
        &run,
        &["dladm: vnic creation over zmgr_stub0 failed: insufficient privileges"],
    );
}

#[test]
fn an_install_that_fails_once_works_on_retry() {
    let env = sandbox();
    env.faults("zoneadm install times=1\n");
    env.sandbox(&["create", "web01"]).exit(1);
    assert_gone(&env, "web01", "web01_0");
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
    assert_eq!(env.system_zones(), vec!["web01:running"]);
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert_eq!(registry_state(&env, "web01"), "running");
    env.sandbox(&["check"]).success();
}

#[test]
fn keep_on_failure_leaves_everything_and_says_so() {
    let env = sandbox();
    env.faults("zoneadm install\n");
    let run = env.sandbox(&["create", "web01", "--keep-on-failure"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "zoneadm -z web01 install",
            "--keep-on-failure: left in place for inspection:",
            "VNIC web01_0",
            "the installation of zone web01",
            "the registry entry stays in state creating",
        ],
    );
    run.check(!run.stderr().contains("undone:"), "something was undone");
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert_eq!(env.system_zones(), vec!["web01:incomplete"]);
    assert_eq!(registry_state(&env, "web01"), "creating");
    assert!(calls(&env, "zoneadm", "uninstall").is_empty());
    assert!(calls(&env, "dladm", "delete-vnic").is_empty());
    // The address stays reserved; check warns about the unfinished create.
    assert_eq!(pool_use(&env, "default"), "1:240:192.0.2.11");
    env.sandbox(&["check"]).success().stderr_has("creating");
}

#[test]
fn interrupt_during_install_undoes_everything() {
    let env = sandbox();
    env.faults("zoneadm install delay=2\n");
    let args = ["create", "web01"];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    // The simulator marks the zone incomplete when its install starts.
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(started, "the install did not start");
    run.check(kill.success(), "kill -INT failed");
    run.exit(1);
    stderr_says(
        &run,
        &[
            "was stopped by an interrupt",
            "undone:",
            "the installation of zone web01",
            "VNIC web01_0",
            "address 192.0.2.10 is free again",
        ],
    );
    assert_gone(&env, "web01", "web01_0");
    assert_no_zonecfg_file_left(&env);
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
    env.sandbox(&["check"]).success();
}

/// A signal while the install runs: the command is stopped and everything is undone.
fn signal_during_install_undoes_everything(signal: &str) {
    let env = sandbox();
    env.faults("zoneadm install delay=2\n");
    let args = ["create", "web01"];
    let child = spawn(&env, &args);
    let pid = child.id().to_string();
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
    std::process::Command::new("kill")
        .args([format!("-{signal}").as_str(), &pid])
        .status()
        .expect("kill runs");
    let run = finish(&env, child, &args);
    run.check(started, "the install did not start");
    run.exit(1);
    stderr_says(&run, &["was stopped by an interrupt", "undone:"]);
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn sigterm_during_install_undoes_everything() {
    signal_during_install_undoes_everything("TERM");
}

/// SIGHUP (an ssh session that dropped) undoes a create as SIGINT and SIGTERM do.
#[test]
fn sighup_during_install_undoes_everything() {
    signal_during_install_undoes_everything("HUP");
}

/// Ctrl-C on a terminal signals the whole foreground process group: zmgr and the tool it runs.
/// A second Ctrl-C while undoing must not stop the undo commands either.
#[test]
fn a_second_ctrl_c_does_not_stop_the_undo() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;

    let env = sandbox();
    env.faults("zoneadm install delay=2\nzoneadm uninstall delay=2\n");
    let dir = env.sandbox_dir();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(&dir)
        .args(["create", "web01"])
        .env_clear()
        .current_dir(env.dir())
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zmgr starts");
    let group = format!("-{}", child.id());
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all += &line;
            all += "\n";
        }
        all
    });
    let ctrl_c = || {
        std::process::Command::new("kill")
            .args(["-INT", "--", &group])
            .status()
            .expect("kill runs")
    };
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
    ctrl_c();
    // The undo of the install is the first step; once zmgr says so, the uninstall is running.
    let undoing = rx
        .iter()
        .any(|l| l.starts_with("undoing: the installation of zone web01"));
    std::thread::sleep(Duration::from_millis(300));
    ctrl_c();
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let err = reader.join().unwrap();
    let run = crate::harness::Run {
        argv: vec!["zmgr --sandbox DIR create web01".into()],
        dir: env.dir().to_path_buf(),
        output: std::process::Output {
            status,
            stdout: stdout.into_bytes(),
            stderr: err.into_bytes(),
        },
    };
    run.check(started, "the install did not start");
    run.check(undoing, "zmgr did not start undoing");
    run.exit(1);
    stderr_says(&run, &["undone: the installation of zone web01"]);
    run.check(
        !run.stderr().contains("could NOT undo"),
        "the second Ctrl-C stopped an undo step",
    );
    assert_gone(&env, "web01", "web01_0");
}

/// A create-vnic that fails (here as when another program made a link of that name between
/// the host check and the create) made nothing: the undo deletes no VNIC.
#[test]
fn a_vnic_that_existed_before_is_not_deleted_by_the_undo() {
    let env = sandbox();
    env.faults("dladm create-vnic message=object already exists\n");
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(&run, &["object already exists"]);
    assert_eq!(entry(&env, "web01"), None);
    assert!(calls(&env, "dladm", "delete-vnic").is_empty());
}

/// A zone of the same name made outside zmgr is not zmgr's to change or delete.
fn a_zone_made_by_hand_survives(boot: bool) {
    let env = sandbox();
    env.tool(
        "zonecfg",
        &[
            "-z",
            "web01",
            &format!(
                "create; set zonepath={}/zones/handmade; commit",
                env.dir().display()
            ),
        ],
    )
    .success();
    let state = if boot {
        env.tool("zoneadm", &["-z", "web01", "install"]).success();
        env.tool("zoneadm", &["-z", "web01", "boot"]).success();
        "running"
    } else {
        "configured"
    };
    let info = env.tool("zonecfg", &["-z", "web01", "info"]);
    info.success();
    let before = info.stdout();

    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    assert_eq!(
        system_zone(&env, "web01"),
        Some(format!("web01:{state}")),
        "the zone made by hand was changed or deleted\n{}",
        run.stderr()
    );
    let after = env.tool("zonecfg", &["-z", "web01", "info"]);
    after.success();
    assert_eq!(before, after.stdout(), "its configuration changed");
    assert!(
        !env.system_vnics().iter().any(|v| v == "web01_0"),
        "VNIC left"
    );
    assert_eq!(entry(&env, "web01"), None);
}

#[test]
fn create_leaves_a_configured_zone_made_by_hand_alone() {
    a_zone_made_by_hand_survives(false);
}

#[test]
fn create_leaves_a_running_zone_made_by_hand_alone() {
    a_zone_made_by_hand_survives(true);
}

#[test]
fn keep_on_failure_then_destroy_cleans_up() {
    let env = sandbox();
    env.faults("zoneadm boot\n");
    env.sandbox(&["create", "web01", "--keep-on-failure"])
        .exit(1);
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    assert_eq!(registry_state(&env, "web01"), "creating");
    env.faults("");
    env.sandbox(&["destroy", "web01"])
        .success()
        .stdout_is("destroyed zone web01\n");
    assert_gone(&env, "web01", "web01_0");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn an_undo_step_that_fails_is_left_for_a_person() {
    let env = sandbox();
    env.faults("zoneadm install\nzonecfg delete\n");
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "undone: the installation of zone web01, VNIC web01_0",
            "could NOT undo, needs a person: the configuration of zone web01",
            "zonecfg -z web01 delete -F` failed",
        ],
    );
    assert_eq!(env.system_zones(), vec!["web01:configured"]);
    assert!(env.system_vnics().is_empty());
}

/// The last step, marking the entry, takes the registry lock; when it cannot, the create has
/// failed like any other step and must not leave a running zone behind an entry in `creating`.
#[test]
fn a_lock_held_when_marking_the_entry_still_undoes() {
    let env = sandbox();
    let mut config = env.read("config.kdl");
    config += "lock-wait 1\n";
    env.write("config.kdl", config);
    env.faults("zoneadm install delay=2\n");
    let args = ["create", "web01"];
    let child = spawn(&env, &args);
    let started = wait_for(Duration::from_secs(10), || {
        system_zone(&env, "web01").as_deref() == Some("web01:incomplete")
    });
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
    let run = finish(&env, child, &args);
    lock.unlock().unwrap();
    run.check(started, "the install did not start");
    run.exit(1);
    stderr_says(
        &run,
        &[
            "could not create zone `web01`",
            "locked by another zmgr process",
        ],
    );
    let zones = env.system_zones();
    let vnics = env.system_vnics();
    run.check(
        zones.is_empty() && vnics.is_empty(),
        &format!("left on the system: zones {zones:?}, VNICs {vnics:?}"),
    );
    if entry(&env, "web01").is_some() {
        stderr_says(
            &run,
            &["could NOT undo, needs a person: the registry entry"],
        );
    }
}

/// An undo whose uninstall fails never deletes the zone's configuration: the zonepath would be
/// orphaned with nothing left to uninstall it. The configuration, the VNIC and the entry stay
/// for `reconcile --fix`.
#[test]
fn a_failed_uninstall_in_the_undo_keeps_the_configuration() {
    let env = sandbox();
    env.faults("zoneadm install\nzoneadm uninstall\n");
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "could NOT undo, needs a person",
            "uninstall -F` failed",
            "the configuration of zone web01 is kept",
        ],
    );
    assert!(calls(&env, "zonecfg", "delete").is_empty());
    assert_eq!(env.system_zones(), vec!["web01:incomplete"]);
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert!(entry(&env, "web01").is_some());
    // Once uninstall works again, reconcile finishes the job.
    env.faults("");
    env.sandbox(&["reconcile", "--fix"]).success();
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());
    assert_eq!(entry(&env, "web01"), None);
}
