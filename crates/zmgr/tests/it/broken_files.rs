//! A broken registry file stops only the verbs that depend on it. Verbs that show the
//! registry work on what parses and warn, naming each broken file; a verb that changes
//! something refuses, with the file's problems, only when it reads that file.

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::flat;
use crate::script_support::*;

/// A sandbox with zones web01 (running) and db01 (installed), a second pool `lan` and a
/// second template `web`.
fn registry() -> TestEnv {
    let env = sandbox();
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.1.0.0/24\"\n    gateway \"10.1.0.1\"\n    stub \"zmgr_stub0\"\n    range \"10.1.0.10\" \"10.1.0.99\"\n}\n",
    );
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    pool \"default\"\n}\n",
    );
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "db01", "--no-boot"]).success();
    env
}

/// Breaks a registry file with a syntax error at its first `{`.
fn break_file(env: &TestEnv, rel: &str) {
    let text = env.read(rel);
    env.write(rel, text.replacen('{', "{ \"", 1));
}

/// Asserts that the run warned about `rel` by name, as one line.
#[track_caller]
fn warns_about(env: &TestEnv, run: &Run, rel: &str) {
    let said = flat(&run.stderr());
    let needle = format!("{} has ", env.path(rel).display());
    run.check(
        said.contains(&needle) && said.contains("is left out"),
        &format!("no warning naming {rel}"),
    );
}

/// Asserts that the run was refused because of `rel`: exit 2, its problem at its place.
#[track_caller]
fn refused_for(env: &TestEnv, run: &Run, rel: &str) {
    run.exit(2).stdout_is("");
    let at = format!("[{}:", env.path(rel).display());
    run.check(
        run.stderr().contains(&at),
        &format!("the error does not point into {rel}"),
    );
}

#[test]
fn read_only_verbs_show_what_parses_and_name_each_broken_file() {
    let env = registry();
    break_file(&env, "zones/db01.kdl");
    break_file(&env, "templates/web.kdl");
    break_file(&env, "pools/lan.kdl");
    break_file(&env, "publishers/openindiana.org.kdl");

    let list = env.sandbox(&["list", "-p", "-o", "name"]);
    list.success().stdout_is("web01\n");
    warns_about(&env, &list, "zones/db01.kdl");
    warns_about(&env, &list, "templates/web.kdl");

    // A verb about one zone reads that zone's file only: the others are not even looked at.
    let show = env.sandbox(&["show", "web01", "-p", "-o", "name,state"]);
    show.success()
        .stdout_is("web01:running\n")
        .check(show.stderr().is_empty(), "read another file");

    let pools = env.sandbox(&["pool", "list", "-p", "-o", "name"]);
    pools.success().stdout_is("default\n");
    warns_about(&env, &pools, "pools/lan.kdl");

    let templates = env.sandbox(&["template", "list", "-p", "-o", "name"]);
    templates.success().stdout_is("ipkg\nnlipkg\n");
    warns_about(&env, &templates, "templates/web.kdl");

    let publishers = env.sandbox(&["publisher", "list", "-p", "-o", "name"]);
    publishers.success().stdout_is("");
    warns_about(&env, &publishers, "publishers/openindiana.org.kdl");

    // Showing the broken object itself is refused with its problem.
    refused_for(&env, &env.sandbox(&["show", "db01"]), "zones/db01.kdl");
    refused_for(
        &env,
        &env.sandbox(&["template", "show", "web"]),
        "templates/web.kdl",
    );
    // check still reports every problem and fails.
    env.sandbox(&["check"]).exit(2);
}

#[test]
fn lifecycle_verbs_need_only_the_zone_s_own_entry() {
    let env = registry();
    break_file(&env, "templates/web.kdl");
    break_file(&env, "pools/lan.kdl");
    break_file(&env, "zones/db01.kdl");
    // Only config.kdl and its own entry are read: the broken files are not even looked at.
    let halt = env.sandbox(&["halt", "web01"]);
    halt.success()
        .stdout_is("zone web01 is installed\n")
        .check(!halt.stderr().contains("left out"), "read another file");
    env.sandbox(&["boot", "web01"]).success();

    // Its own entry broken: refused, nothing done.
    let before = sim_state(&env);
    refused_for(&env, &env.sandbox(&["halt", "db01"]), "zones/db01.kdl");
    assert_eq!(sim_state(&env), before);
}

#[test]
fn create_needs_its_template_its_pool_and_every_zone_entry() {
    // Another template and another pool broken: create goes on, warning.
    let env = registry();
    break_file(&env, "templates/web.kdl");
    break_file(&env, "pools/lan.kdl");
    let run = env.sandbox(&["create", "app01", "--no-boot"]);
    run.success();
    warns_about(&env, &run, "templates/web.kdl");
    warns_about(&env, &run, "pools/lan.kdl");

    // Its own template broken.
    let before = sim_state(&env);
    refused_for(
        &env,
        &env.sandbox(&["create", "app02", "-t", "web"]),
        "templates/web.kdl",
    );
    // Its pool broken.
    refused_for(
        &env,
        &env.sandbox(&["create", "app02", "--pool", "lan"]),
        "pools/lan.kdl",
    );
    // A zone entry broken: it may hold an address, so no address is handed out.
    break_file(&env, "zones/db01.kdl");
    refused_for(&env, &env.sandbox(&["create", "app02"]), "zones/db01.kdl");
    assert_eq!(sim_state(&env), before);
    assert!(entry(&env, "app02").is_none());
}

#[test]
fn destroy_needs_the_zone_s_template_whose_hooks_must_run() {
    let env = registry();
    env.sandbox(&["create", "w1", "-t", "web", "--no-boot"])
        .success();
    break_file(&env, "templates/web.kdl");
    let before = sim_state(&env);
    refused_for(&env, &env.sandbox(&["destroy", "w1"]), "templates/web.kdl");
    assert_eq!(sim_state(&env), before);
    // A zone of another template is destroyed: that template is not even read.
    let run = env.sandbox(&["destroy", "db01"]);
    run.success()
        .check(!run.stderr().contains("left out"), "read another file");
}

#[test]
fn pool_and_publisher_verbs_need_their_own_file() {
    let env = registry();
    break_file(&env, "pools/lan.kdl");
    let run = env.sandbox(&["pool", "reserve", "default"]);
    run.success().stdout_is("192.0.2.12\n");
    warns_about(&env, &run, "pools/lan.kdl");
    let pool = env.read("pools/lan.kdl");
    refused_for(
        &env,
        &env.sandbox(&["pool", "reserve", "lan"]),
        "pools/lan.kdl",
    );
    assert_eq!(env.read("pools/lan.kdl"), pool);

    env.write(
        "publishers/extra.kdl",
        "publisher \"extra\" {\n    origin \"https://pkg.example.com/extra/\"\n}\n",
    );
    break_file(&env, "publishers/extra.kdl");
    let run = env.sandbox(&["publisher", "add", "site", "https://pkg.example.com/site/"]);
    run.success();
    warns_about(&env, &run, "publishers/extra.kdl");
    refused_for(
        &env,
        &env.sandbox(&["publisher", "remove", "extra"]),
        "publishers/extra.kdl",
    );
    assert!(env.path("publishers/extra.kdl").exists());
}

#[test]
fn a_broken_config_stops_every_verb_that_changes_something() {
    let env = registry();
    break_file(&env, "config.kdl");
    let before = sim_state(&env);
    for args in [
        &["halt", "web01"][..],
        &["create", "app01"],
        &["pool", "reserve", "default"],
        &["reconcile", "--fix"],
    ] {
        refused_for(&env, &env.sandbox(args), "config.kdl");
    }
    assert_eq!(sim_state(&env), before);
    // Showing works, on the built-in settings, and says so.
    let list = env.sandbox(&["list", "-p", "-o", "name"]);
    list.success().stdout_is("db01\nweb01\n");
    run_says(&list, "zmgr uses its built-in settings");
}

#[track_caller]
fn run_says(run: &Run, text: &str) {
    run.check(
        flat(&run.stderr()).contains(text),
        &format!("stderr lacks {text:?}"),
    );
}
