use std::time::{Duration, Instant};

use super::harness::SimEnv;

#[test]
fn failing_install_leaves_the_zone_incomplete() {
    let env = SimEnv::new();
    env.datasets();
    env.configure("f", "f0");
    env.write(
        "faults",
        "# install fails for f only\nzoneadm install zone=f exit=5 message=pkg: transport failure\n",
    );
    // pkg install fails inside pkgcreatezone, whose pkg_err_check ends it
    // with fail_fatal: zoneadm says nothing more and exits 1.
    let r = env
        .run("zoneadm", &["-z", "f", "install"])
        .code(1)
        .stderr("pkg: transport failure\n");
    assert!(
        r.stdout.ends_with(
            "  Installing: Packages (output follows)\nERROR: failed to install package\n\n"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(env.zone_state("f"), "incomplete");
    assert_eq!(env.state()["zones"][0]["install"]["brand_exit"], 255);
    env.run("zoneadm", &["-z", "f", "boot"]).code(1);
    env.run("zoneadm", &["-z", "f", "uninstall", "-F"]).ok();
    assert_eq!(env.zone_state("f"), "configured");
    // Other zones are not affected.
    env.configure("g", "g0");
    env.run("zoneadm", &["-z", "g", "install"]).ok();
}

#[test]
fn an_install_hook_that_gives_up_cleanly_leaves_the_zone_configured() {
    let env = SimEnv::new();
    env.datasets();
    env.configure("n", "n0");
    env.write("faults", "zoneadm install exit=254\n");
    let r = env.run("zoneadm", &["-z", "n", "install"]).code(1);
    assert!(
        r.stdout
            .ends_with("The ZFS file system for this zone has been destroyed.\n"),
        "{}",
        r.stdout
    );
    assert_eq!(env.zone_state("n"), "configured");
    env.run("zfs", &["list", "-H", "-o", "name", "rpool/zones/n"])
        .code(1)
        .stderr("cannot open 'rpool/zones/n': dataset does not exist\n");
}

#[test]
fn failing_dladm_changes_nothing() {
    let env = SimEnv::new();
    env.write(
        "faults",
        "dladm create-vnic message=insufficient privileges\n",
    );
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "v0"])
        .code(1)
        .stderr("dladm: vnic creation over e1000g0 failed: insufficient privileges\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout("");
    env.write("faults", "dladm delete-vnic exit=7\n");
    std::fs::remove_file(env.path("faults")).unwrap();
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "v0"])
        .ok();
    env.write("faults", "dladm delete-vnic exit=7\n");
    env.run("dladm", &["delete-vnic", "v0"])
        .code(7)
        .stderr("dladm: vnic deletion failed: operation failed\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout("v0\n");
}

#[test]
fn failing_zonecfg_commit_and_delete_change_nothing() {
    let env = SimEnv::new();
    env.write("faults", "zonecfg commit zone=c\n");
    env.run("zonecfg", &["-z", "c", "create; set zonepath=/zones/c"])
        .code(1)
        .stderr("c: Problem saving file\nConfiguration not saved.\n");
    env.run("zonecfg", &["-z", "c", "info"]).code(1);
    env.run("zoneadm", &["list", "-c"]).ok().stdout("global\n");
    // Another zone commits fine.
    env.configure("d", "d0");
    env.write(
        "faults",
        "zonecfg delete exit=3 message=Permission denied\n",
    );
    env.run("zonecfg", &["-z", "d", "delete", "-F"])
        .code(3)
        .stderr("d: Permission denied\n");
    env.run("zoneadm", &["list", "-c"])
        .ok()
        .stdout("global\nd\n");
    env.write("faults", "zonecfg create\n");
    env.run("zonecfg", &["-z", "e", "create; set zonepath=/zones/e"])
        .code(1)
        .stderr("e: Invalid argument\ne: No such zone configured\n");
}

#[test]
fn failing_boot_and_halt_change_nothing() {
    let env = SimEnv::new();
    env.installed("b", "b0");
    env.write("faults", "zoneadm boot\n");
    env.run("zoneadm", &["-z", "b", "boot"])
        .code(1)
        .stderr("zoneadm: zone 'b': call to zoneadmd failed\n");
    assert_eq!(env.zone_state("b"), "installed");
    std::fs::remove_file(env.path("faults")).unwrap();
    env.run("zoneadm", &["-z", "b", "boot"]).ok();
    env.write("faults", "zoneadm halt message=zone is busy\n");
    env.run("zoneadm", &["-z", "b", "halt"])
        .code(1)
        .stderr("zoneadm: zone 'b': zone is busy\n");
    assert_eq!(env.zone_state("b"), "running");
}

#[test]
fn install_delay_spreads_over_the_progress_lines() {
    let env = SimEnv::new();
    env.datasets();
    env.configure("slow", "slow0");
    env.write("faults", "zoneadm install delay=1.2\n");
    let start = Instant::now();
    let mut child = std::process::Command::new(super::harness::BIN)
        .args(["zoneadm", "-z", "slow", "install"])
        .env_clear()
        .env("ZMGR_SIM_STATE", &env.dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let first_at = start.elapsed();
    let rest: Vec<String> = reader.lines().map(|l| l.unwrap()).collect();
    let done_at = start.elapsed();
    assert!(child.wait().unwrap().success());
    assert_eq!(first, "A ZFS file system has been created for this zone.\n");
    assert!(
        rest.iter()
            .any(|l| l.contains("Done: Installation completed"))
    );
    assert!(done_at >= Duration::from_millis(1200), "{done_at:?}");
    // The first line comes early: the delay is spread over the lines, not
    // taken up front.
    assert!(
        done_at - first_at >= Duration::from_millis(900),
        "first line at {first_at:?}, done at {done_at:?}"
    );
}

#[test]
fn delay_applies_only_to_the_matching_subcommand() {
    let env = SimEnv::new();
    env.write("faults", "dladm show-link delay=1\n");
    let start = Instant::now();
    env.run("dladm", &["show-link"]).ok();
    assert!(start.elapsed() >= Duration::from_secs(1));
    let start = Instant::now();
    env.run("dladm", &["show-phys"]).ok();
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn bad_fault_rules_are_reported() {
    let env = SimEnv::new();
    env.write("faults", "zoneadm boot delay=soon\n");
    env.run("zoneadm", &["list"])
        .code(2)
        .stderr_has("faults:1: bad delay 'soon'");
}

#[test]
fn limited_rules_fail_only_the_first_calls() {
    let env = SimEnv::new();
    env.write("faults", "dladm create-vnic times=2 message=object busy\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "t0"])
        .code(1)
        .stderr("dladm: vnic creation over e1000g0 failed: object busy\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "t0"])
        .code(1);
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "t0"])
        .ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout("t0\n");
}
