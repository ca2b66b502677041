//! Rough edges a new user hits (issue 12): a mistyped verb, `ZMGR_ROOT` beside `--sandbox`,
//! a host that is not illumos, a sandbox that lost its `config.kdl`, and where a new sandbox
//! is and how to reach its simulated tools.

use std::path::Path;

use crate::harness::TestEnv;
use crate::registry_support::diags;

const ZMGR: &str = env!("CARGO_BIN_EXE_zmgr");

/// `text` without its whitespace, the temporary folder as `$DIR`: the renderer wraps long
/// messages at 100 columns, and where it breaks a path (even inside the temporary folder's
/// name) depends on that name's length.
fn squash(env: &TestEnv, text: &str) -> String {
    env.normalise(&text.split_whitespace().collect::<String>())
}

const ZONE: &str = "zone \"web01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web01\"\n    state \"running\"\n    net \"web01_0\" address=\"192.168.100.10/24\" pool=\"default\"\n}\n";

// 1. A mistyped verb.

#[test]
fn a_mistyped_verb_gets_did_you_mean_among_the_verbs() {
    let env = TestEnv::initialised();
    let run = env.zmgr(&["lst"]);
    run.exit(2).stdout_is("");
    let ds = diags(&env, &run.stderr());
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "unknown verb `lst`");
    let help = ds[0].help.as_deref().unwrap_or("");
    assert!(help.starts_with("did you mean `list`? "), "{help}");
    // The other verbs, and `help`, are suggested too.
    for (typo, verb) in [
        ("crate", "create"),
        ("destory", "destroy"),
        ("recocile", "reconcile"),
        ("hlep", "help"),
        ("templat", "template"),
    ] {
        env.zmgr(&[typo])
            .exit(2)
            .stderr_has(&format!("unknown verb `{typo}`"))
            .stderr_has(&format!("did you mean `{verb}`?"));
    }
    // Nothing near: no guess.
    let run = env.zmgr(&["qqqqqq"]);
    run.exit(2)
        .stderr_has("unknown verb `qqqqqq`")
        .check(!run.stderr().contains("did you mean"), "a guess for qqqqqq");
}

#[test]
fn a_mistyped_site_script_gets_did_you_mean_among_the_scripts_that_exist() {
    let env = TestEnv::initialised();
    env.write("scripts/provision-role.rhai", "print(\"ran\");\n");
    env.zmgr(&["provison-role", "web"])
        .exit(2)
        .stderr_has("unknown verb `provison-role`")
        .stderr_has("did you mean `provision-role`?");
    // The script itself runs as before.
    env.zmgr(&["provision-role"]).success();
}

#[test]
fn an_unknown_verb_is_shown_escaped() {
    let env = TestEnv::initialised();
    let run = env.zmgr(&["l\u{1b}[2Jst"]);
    run.exit(2)
        .stderr_has("unknown verb `l\\u{1b}[2Jst`")
        .check(!run.stderr().contains('\u{1b}'), "an escape reached stderr");
}

#[test]
fn a_mistyped_verb_sets_up_no_sandbox() {
    let env = TestEnv::new();
    let dir = env.dir().join("sb");
    env.run(ZMGR, &["--sandbox", dir.to_str().unwrap(), "lst"], &[])
        .exit(2)
        .stderr_has("did you mean `list`?");
    assert!(!dir.exists(), "a typo set up a sandbox");
}

// 2. The command line wins over the environment.

#[test]
fn sandbox_option_wins_over_zmgr_root() {
    let env = TestEnv::new();
    let other = env.dir().join("srv/registry");
    let sb = env.dir().join("sb");
    let run = env.run(
        ZMGR,
        &["--sandbox", sb.to_str().unwrap(), "list"],
        &[("ZMGR_ROOT", other.to_str().unwrap())],
    );
    run.success()
        .stdout_is("NAME  STATE  BRAND  TEMPLATE  ADDRESS  POOL\n");
    assert!(sb.join("etc/zmgr/config.kdl").is_file());
    assert!(!other.exists(), "ZMGR_ROOT was used");
    // After the verb too (a global option).
    env.run(
        ZMGR,
        &[
            "list",
            "-p",
            "-o",
            "name",
            "--sandbox",
            sb.to_str().unwrap(),
        ],
        &[("ZMGR_ROOT", other.to_str().unwrap())],
    )
    .success()
    .stdout_is("");
}

#[test]
fn root_option_wins_over_zmgr_sandbox() {
    let env = TestEnv::initialised();
    env.write("zones/web01.kdl", ZONE);
    let sb = env.dir().join("sb");
    let root = env.root();
    env.run(
        ZMGR,
        &["--root", root.to_str().unwrap(), "list", "-p", "-o", "name"],
        &[("ZMGR_SANDBOX", sb.to_str().unwrap())],
    )
    .success()
    .stdout_is("web01\n");
    assert!(!sb.exists(), "ZMGR_SANDBOX was used");
}

#[test]
fn both_on_one_side_still_conflict() {
    let env = TestEnv::initialised();
    let sb = env.dir().join("sb");
    let root = env.root();
    let (sb, root) = (sb.to_str().unwrap(), root.to_str().unwrap());
    env.run(ZMGR, &["--root", root, "--sandbox", sb, "list"], &[])
        .exit(2)
        .stderr_has("'--sandbox <DIR>' cannot be used with '--root <DIR>'");
    let run = env.run(
        ZMGR,
        &["list"],
        &[("ZMGR_ROOT", root), ("ZMGR_SANDBOX", sb)],
    );
    run.exit(2).stdout_is("");
    let ds = diags(&env, &run.stderr());
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        squash(&env, &ds[0].message),
        squash(
            &env,
            "ZMGR_ROOT ($DIR/etc/zmgr) and ZMGR_SANDBOX ($DIR/sb) are both set; zmgr will not guess which registry to use"
        )
    );
    assert_eq!(
        squash(&env, ds[0].help.as_deref().unwrap_or("")),
        squash(
            &env,
            "unset one of them, or give --root DIR or --sandbox DIR, which wins over both variables"
        )
    );
    assert!(!Path::new(sb).exists());
    // The command line settles it.
    env.run(ZMGR, &["--sandbox", sb, "list"], &[("ZMGR_ROOT", root)])
        .success();
}

// 3. A host that is not illumos, with no registry.

/// Whether this host has the illumos tools at their illumos paths (then it is not the host
/// these tests are about). With no registry there is no config.kdl to point the tools
/// elsewhere: zmgr looks where illumos has them.
fn illumos_tools_here() -> bool {
    ["/usr/sbin/zoneadm", "/usr/sbin/zonecfg"]
        .iter()
        .any(|p| Path::new(p).exists())
}

const NOT_ILLUMOS: &str = "zmgr: this does not look like an illumos host: /usr/sbin/zoneadm does not exist, and there is no registry at ";

#[test]
fn without_tools_or_registry_every_verb_first_says_this_is_not_illumos() {
    if illumos_tools_here() {
        eprintln!("skipped: this host has the illumos tools");
        return;
    }
    let env = TestEnv::new();
    let missing = env.dir().join("nowhere");
    let missing = missing.to_str().unwrap();
    let verbs: &[&[&str]] = &[
        &["list"],
        &["check"],
        &["show", "web01"],
        &["create", "web01"],
        &["create", "web01", "--dry-run"],
        &["destroy", "web01"],
        &["boot", "web01"],
        &["halt", "web01"],
        &["reboot", "web01"],
        &["import"],
        &["reconcile"],
        &["template", "list"],
        &["pool", "list"],
        &["pool", "reserve", "default"],
        &["publisher", "list"],
        &["publisher", "add", "site", "https://pkg.example.org/"],
        &["host", "check"],
        &["host", "setup"],
        &["run", "setup.rhai"],
        &["scripts"],
        &["script", "api"],
        &["provision-role", "web"],
        &["lst"],
    ];
    for args in verbs {
        let mut all = vec!["--root", missing];
        all.extend_from_slice(args);
        for run in [
            env.run(ZMGR, &all, &[]),
            env.run(ZMGR, args, &[("ZMGR_ROOT", missing)]),
        ] {
            let err = env.normalise(&run.stderr());
            let first = err.lines().next().unwrap_or("");
            run.check(
                first.starts_with(NOT_ILLUMOS)
                    && first.contains("registry at $DIR/nowhere;")
                    && first.contains("`zmgr --sandbox DIR VERB …`"),
                &format!("{args:?}: the first line does not say this is not illumos"),
            );
        }
    }
    assert!(!Path::new(missing).exists(), "a verb made the root");
    // init writes the registry it was asked for, after the same note.
    let run = env.run(ZMGR, &["--root", missing, "init"], &[]);
    run.success()
        .check(run.stderr().starts_with(NOT_ILLUMOS), "init: no note first");
    assert!(Path::new(missing).join("config.kdl").is_file());
    // With a registry there is no note: the verbs that need a tool say so themselves.
    let run = env.run(ZMGR, &["--root", missing, "list"], &[]);
    run.success()
        .check(run.stderr().is_empty(), "a note with a registry");
}

#[test]
fn the_sandbox_gets_no_not_illumos_note() {
    let env = TestEnv::new();
    let run = env.sandbox(&["list"]);
    run.success()
        .check(!run.stderr().contains("illumos"), "a note in the sandbox");
}

// 4. A sandbox that lost its config.kdl.

#[test]
fn a_sandbox_without_its_config_is_reported_not_recreated() {
    let env = TestEnv::new();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    std::fs::remove_file(env.path("config.kdl")).unwrap();
    let before = env.snapshot();
    for args in [
        &["list"][..],
        &["create", "web02"],
        &["check"],
        &["scripts"],
    ] {
        let run = env.sandbox(args);
        run.exit(2).stdout_is("");
        let ds = diags(&env, &run.stderr());
        assert_eq!(ds.len(), 1, "{args:?}: {ds:#?}");
        assert_eq!(
            squash(&env, &ds[0].message),
            squash(
                &env,
                "the sandbox in $DIR has no configuration: $DIR/etc/zmgr/config.kdl is missing"
            ),
            "{args:?}"
        );
        let help = squash(&env, ds[0].help.as_deref().unwrap_or(""));
        assert!(
            help.contains(&squash(
                &env,
                "`zmgr --sandbox $DIR init` writes the sandbox's config.kdl again"
            )) && help.contains(&squash(&env, "or remove $DIR to start afresh")),
            "{args:?}: {help}"
        );
    }
    assert!(!env.path("config.kdl").exists(), "config.kdl was recreated");
    assert_eq!(before, env.snapshot(), "files changed");
    // init writes it back, the sandbox's own (its commands are the simulator's), and keeps
    // the rest.
    let run = env.sandbox(&["init"]);
    run.success()
        .stdout_has(&format!("created {}\n", env.path("config.kdl").display()))
        .stdout_has(&format!(
            "exists  {}\n",
            env.path("pools/default.kdl").display()
        ));
    assert!(env.read("config.kdl").contains("zmgr sandbox"));
    env.sandbox(&["list", "-p", "-o", "name,state"])
        .success()
        .stdout_is("web01:installed\n");
}

#[test]
fn a_sandbox_registry_that_stopped_before_its_config_is_reported() {
    let env = TestEnv::new();
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n}\n",
    );
    env.sandbox(&["list"])
        .exit(2)
        .stderr_has("config.kdl is missing");
    assert!(!env.path("config.kdl").exists());
    assert!(!env.sim_state().exists(), "the simulator was set up");
}

#[test]
fn a_folder_with_other_things_is_not_made_a_sandbox() {
    let env = TestEnv::new();
    let dir = env.dir().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine\n").unwrap();
    let d = dir.to_str().unwrap();
    for args in [&["list"][..], &["init"]] {
        let mut all = vec!["--sandbox", d];
        all.extend_from_slice(args);
        let run = env.run(ZMGR, &all, &[]);
        run.exit(2);
        let ds = diags(&env, &run.stderr());
        assert_eq!(ds.len(), 1, "{args:?}: {ds:#?}");
        assert_eq!(
            squash(&env, &ds[0].message),
            squash(
                &env,
                "$DIR/home is not a zmgr sandbox: the folder is not empty and has no $DIR/home/etc/zmgr/config.kdl"
            )
        );
        assert!(
            squash(&env, ds[0].help.as_deref().unwrap_or(""))
                .contains(&squash(&env, "sets up only a new or empty folder")),
            "{ds:#?}"
        );
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"], "the folder was written to");
    // A file is not a folder.
    let file = dir.join("notes.txt");
    env.run(ZMGR, &["--sandbox", file.to_str().unwrap(), "list"], &[])
        .exit(2)
        .stderr_has("is not a folder");
}

#[test]
fn an_empty_folder_and_fault_rules_written_ahead_are_set_up() {
    let env = TestEnv::new();
    let dir = env.dir().join("empty");
    std::fs::create_dir_all(&dir).unwrap();
    env.run(ZMGR, &["--sandbox", dir.to_str().unwrap(), "list"], &[])
        .success();
    assert!(dir.join("etc/zmgr/config.kdl").is_file());
    // Fault rules in DIR/sim before the first use: the simulator's state is no stranger.
    let env = TestEnv::new();
    env.faults("zoneadm install delay=0\n");
    env.sandbox(&["list"]).success();
    assert!(env.path("config.kdl").is_file());
}

// 5. Where a new sandbox is, said once, and its tools by hand.

#[test]
fn a_new_sandbox_names_its_folder_once_and_how_to_run_its_tools() {
    let env = TestEnv::new();
    let dir = env.dir().join("sb");
    // A relative folder is shown as the absolute one zmgr made.
    let run = env.run(
        ZMGR,
        &["--sandbox", "sb", "create", "web01", "--no-boot"],
        &[],
    );
    run.success();
    let err = run.stderr();
    let new = format!(
        "zmgr: setting up a new sandbox in {}: registry {}, simulator state {}\n",
        dir.display(),
        dir.join("etc/zmgr").display(),
        dir.join("sim").display()
    );
    run.check(
        err.starts_with(&new),
        "the first line does not name the sandbox",
    );
    let by_hand = format!(
        "zmgr: its simulated tools run by hand as: ZMGR_SIM_STATE={} {} list -cv\n",
        dir.join("sim").display(),
        dir.join("sim/bin/zoneadm").display()
    );
    run.stderr_has(&by_hand);
    // Once: the next use says nothing of it.
    let run = env.run(ZMGR, &["--sandbox", "sb", "list", "-p", "-o", "name"], &[]);
    run.success()
        .stdout_is("web01\n")
        .check(run.stderr().is_empty(), "a second use printed something");
    // The command it printed works.
    let state = dir.join("sim");
    let zoneadm = dir.join("sim/bin/zoneadm");
    env.run(
        zoneadm.to_str().unwrap(),
        &["list", "-cv"],
        &[("ZMGR_SIM_STATE", state.to_str().unwrap())],
    )
    .success()
    .stdout_has("web01")
    .stdout_has("installed");
}

/// Options of `create` that would do nothing are refused (exit 2), not ignored.
#[test]
fn create_options_that_would_do_nothing_are_refused() {
    use crate::lifecycle_support::{sandbox, stderr_says};
    let env = sandbox();
    let before = env.invocations().len();
    let run = env.sandbox(&["create", "w1", "--force-range"]);
    run.exit(2).stdout_is("");
    stderr_says(
        &run,
        &[
            "--force-range lets a requested address lie outside the pool's ranges, and no address was requested",
            "--ip ADDRESS",
        ],
    );
    env.write(
        "templates/none.kdl",
        "template \"none\" {\n    brand \"ipkg\"\n    nets {\n    }\n}\n",
    );
    let run = env.sandbox(&["create", "n1", "-t", "none", "--vnic", "n1vnic0"]);
    run.exit(2).stdout_is("");
    stderr_says(
        &run,
        &["--vnic names the zone's first VNIC, and template `none` gives the zone no interface"],
    );
    assert_eq!(env.invocations().len(), before);
    assert!(env.system_zones().is_empty());
}
