//! pkg's nothing-to-do answer, the zone's multi-user milestone after boot,
//! and zlogin's command string as the zone's shell parses it.

use std::time::Duration;

use super::harness::SimEnv;

#[test]
fn pkg_install_of_installed_packages_exits_4() {
    let env = SimEnv::new();
    env.installed("p", "p0");
    let root = format!("{}/root", env.zonepath("p"));
    // editor/vim came with the install (pkgcreatezone's package list).
    env.run(
        "pkg",
        &["-R", &root, "install", "editor/vim", "pkg:/shell/bash@5.2"],
    )
    .code(4)
    .stdout("No updates necessary for this image.\n")
    .stderr("");
    env.run(
        "pkg",
        &["-R", &root, "install", "editor/vim", "web/server/nginx"],
    )
    .ok()
    .stdout("           Packages to install:     1\n");
    env.run("pkg", &["-R", &root, "install", "web/server/nginx"])
        .code(4);
}

fn zlogin_state(env: &SimEnv, zone: &str) -> (String, i32) {
    let r = env.run(
        "zlogin",
        &[
            zone,
            "svcs",
            "-H",
            "-o",
            "state",
            "svc:/milestone/multi-user:default",
        ],
    );
    (r.stdout.clone(), r.code)
}

#[test]
fn multi_user_comes_online_some_time_after_boot() {
    let env = SimEnv::new();
    env.installed("m", "m0");
    env.run("zoneadm", &["-z", "m", "boot"]).ok();
    // By default at once.
    assert_eq!(zlogin_state(&env, "m"), ("online\n".into(), 0));
    env.run("zoneadm", &["-z", "m", "halt"]).ok();
    env.run("sim-admin", &["set", "multi-user-delay", "1.5"])
        .ok();
    env.run("zoneadm", &["-z", "m", "boot"]).ok();
    assert_eq!(zlogin_state(&env, "m"), ("offline\n".into(), 0));
    // Other commands run meanwhile.
    env.run("zlogin", &["m", "echo", "hi"]).ok().stdout("hi\n");
    env.run("zlogin", &["m", "svcs", "multi-user"])
        .ok()
        .stdout_has("STATE          STIME    FMRI\noffline        ");
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(zlogin_state(&env, "m"), ("online\n".into(), 0));
    env.run(
        "zlogin",
        &[
            "m",
            "svcs",
            "-H",
            "-o",
            "state,fmri",
            "milestone/multi-user-server",
        ],
    )
    .ok()
    .stdout("online         svc:/milestone/multi-user-server:default\n");
    // A reboot starts the wait again.
    env.run("zoneadm", &["-z", "m", "reboot"]).ok();
    assert_eq!(zlogin_state(&env, "m"), ("offline\n".into(), 0));
    // zlogin.rules still answer first.
    env.write(
        "zlogin.rules",
        "stdout=\"maintenance\\n\" -- svcs -H -o state svc:/milestone/multi-user:default\n",
    );
    assert_eq!(zlogin_state(&env, "m"), ("maintenance\n".into(), 0));
}

#[test]
fn zlogin_words_are_parsed_again_by_the_zones_shell() {
    let env = SimEnv::new();
    env.installed("z", "z0");
    env.run("zoneadm", &["-z", "z", "boot"]).ok();
    // `a;b` has no space, so prep_args does not quote it: two commands.
    env.run("zlogin", &["z", "echo", "a;b"]).ok().stdout("a\n");
    // A word with a space is quoted when there are several words.
    env.run("zlogin", &["z", "echo", "a b;c"])
        .ok()
        .stdout("a b;c\n");
    // A single word is never quoted: it is a whole command line.
    env.run("zlogin", &["z", "echo one; echo two"])
        .ok()
        .stdout("one\ntwo\n");
    env.run("zlogin", &["z", "false", "||", "echo", "rescued"])
        .ok()
        .stdout("rescued\n");
    env.run("zlogin", &["z", "false && echo no"])
        .code(1)
        .stdout("");
    env.run("zlogin", &["z", "echo hidden > /tmp/f; echo shown"])
        .ok()
        .stdout("shown\n");
    // A quote inside a quoted word breaks the quoting.
    env.run("zlogin", &["z", "echo", "it's here"])
        .code(2)
        .stderr("sh: unterminated single quote\n");
    let st = env.state();
    let h = st["zones"][0]["zlogin"].as_array().unwrap();
    assert_eq!(h[0]["command"], serde_json::json!(["echo", "a;b"]));
    assert_eq!(h[0]["shell_line"], "echo a;b");
    assert_eq!(h[0]["commands"], serde_json::json!([["echo", "a"], ["b"]]));
    assert_eq!(h[1]["shell_line"], "echo 'a b;c'");
    assert_eq!(h[1]["commands"], serde_json::json!([["echo", "a b;c"]]));
    assert_eq!(h[6]["shell_line"], "echo 'it's here'");
}

#[test]
fn zlogin_answers_each_command_from_the_rules() {
    let env = SimEnv::new();
    env.installed("r", "r0");
    env.run("zoneadm", &["-z", "r", "boot"]).ok();
    env.write(
        "zlogin.rules",
        "exit=3 stderr=\"nope\\n\" -- svcadm enable\nstdout=\"up\\n\" -- uptime\n",
    );
    env.run("zlogin", &["r", "uptime; svcadm enable x"])
        .code(3)
        .stdout("up\n")
        .stderr("nope\n");
    env.run("zlogin", &["r", "svcadm enable x || uptime"])
        .ok()
        .stdout("up\n");
}

#[test]
fn zlogin_refuses_zones_not_installed() {
    let env = SimEnv::new();
    env.configure("c", "c0");
    env.run("zlogin", &["c", "true"])
        .code(1)
        .stderr("zlogin: cannot login to a zone which is 'configured'\n");
}
