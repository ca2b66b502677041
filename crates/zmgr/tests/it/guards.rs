//! Guards that keep concurrent or interrupted work safe: a create in progress is left alone,
//! interrupts stop scripts, and edge values do not break the arithmetic.

use std::time::Duration;

use crate::lifecycle_support::{entry, finish, flat, sandbox, spawn, system_zone, wait_for};

#[test]
fn lifecycle_verbs_leave_a_running_create_alone() {
    let env = sandbox();
    env.faults("zoneadm install delay=2\n");
    let child = spawn(&env, &["create", "web1"]);
    assert!(
        wait_for(Duration::from_secs(10), || system_zone(&env, "web1")
            .as_deref()
            == Some("web1:incomplete")),
        "the install did not start"
    );
    for verb in ["destroy", "halt", "boot"] {
        let run = env.sandbox(&[verb, "web1"]);
        run.exit(1);
        assert!(
            flat(&run.stderr()).contains("zone web1 is being created right now"),
            "{verb}: {}",
            run.stderr()
        );
    }
    let done = finish(&env, child, &["create", "web1"]);
    done.success();
    assert!(entry(&env, "web1").unwrap().contains("state \"running\""));
    // Once the create has ended, the verbs work again.
    env.sandbox(&["halt", "web1"])
        .success()
        .stdout_is("zone web1 is installed\n");
}

#[test]
fn ctrl_c_stops_a_running_script() {
    let env = sandbox();
    env.write("scripts/spin.rhai", "zmgr::info(\"spinning\");\nloop { }\n");
    let child = spawn(&env, &["spin"]);
    std::thread::sleep(Duration::from_millis(400));
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let run = finish(&env, child, &["spin"]);
    run.exit(1);
    assert!(
        flat(&run.stderr()).contains("interrupted"),
        "{}",
        run.stderr()
    );
}

#[test]
fn release_matches_the_address_however_it_is_written() {
    let env = sandbox();
    env.write(
        "pools/v6.kdl",
        "pool \"v6\" {\n    network \"2001:db8::/64\"\n    stub \"zmgr_stub0\"\n    range \"2001:db8::10\" \"2001:db8::20\"\n    // kept for the router\n    reserve \"2001:DB8::10\"\n}\n",
    );
    env.write("rel.rhai", "zmgr::release(\"v6\", \"2001:db8::10\");\n");
    let script = env.root().join("rel.rhai");
    env.sandbox(&["run", script.to_str().unwrap()]).success();
    let text = env.read("pools/v6.kdl");
    assert!(!text.contains("reserve"), "{text}");
    assert!(text.contains("network \"2001:db8::/64\""), "{text}");
}

#[test]
fn a_pool_of_all_of_ipv6_has_a_size_and_no_panic() {
    let env = sandbox();
    env.write(
        "pools/all.kdl",
        "pool \"all\" {\n    network \"::/0\"\n    stub \"zmgr_stub0\"\n    range \"::/0\"\n}\n",
    );
    env.write(
        "pools/default.kdl",
        "pool \"default\" {\n    network \"192.0.2.0/24\"\n    stub \"zmgr_stub0\"\n    range \"192.0.2.10\" \"192.0.2.20\"\n}\n",
    );
    env.sandbox(&["pool", "list", "-p", "-o", "name,size,next"])
        .success()
        .stdout_is(&format!(
            "all:{}:\\:\\:1\ndefault:11:192.0.2.10\n",
            u128::MAX - 1
        ));
}

#[test]
fn on_a_terminal_install_shows_its_phase_and_elapsed_time_in_place() {
    // `script` (util-linux) gives zmgr a pseudo-terminal, as a person's shell would.
    let env = sandbox();
    env.faults("zoneadm install delay=1.5\n");
    let dir = env.sandbox_dir();
    let command = format!(
        "{} --sandbox {} create web1",
        env!("CARGO_BIN_EXE_zmgr"),
        dir.display()
    );
    let run = env.run(
        "/usr/bin/script",
        &["-qec", &command, "/dev/null"],
        &[("TERM", "xterm"), ("COLUMNS", "120")],
    );
    run.success();
    let out = run.stdout();
    // One status line rewritten in place: carriage return and erase-line, the install's own
    // phase, and the time spent.
    assert!(
        out.contains("\r\x1b[2Kinstalling zone web1 [0s]"),
        "{out:?}"
    );
    assert!(
        out.contains("Installing: Packages (output follows)"),
        "{out:?}"
    );
    assert!(out.contains("installing zone web1 [1s]"), "{out:?}");
    assert!(
        out.contains("created zone web1: 192.0.2.10/24 on web1_0, running"),
        "{out:?}"
    );
}
