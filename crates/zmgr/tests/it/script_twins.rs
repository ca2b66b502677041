//! Every verb and its script twin call the same operation and give the same data: what a
//! script function returns is what the verb's `--json` prints.

use crate::harness::TestEnv;
use crate::script_support::*;

/// Runs `text` as a script in the sandbox and returns what it printed (print goes to stderr).
fn script(env: &TestEnv, name: &str, text: &str) -> String {
    let file = work_script(env, name, text);
    let run = run_script(env, &file, &[]);
    run.success();
    run.stderr()
}

/// The body of a verb's `--json` document: what its Rhai twin returns.
fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    env.sandbox(args).json()
}

#[test]
fn template_and_pool_return_what_show_json_prints() {
    let env = sandbox();
    env.sandbox(&["create", "w1", "--no-boot"]).success();
    let t = json(&env, &["template", "show", "ipkg", "--json"]);
    let p = json(&env, &["pool", "show", "default", "--json"]);
    let out = script(
        &env,
        "show.rhai",
        r#"
let t = zmgr::template("ipkg");
print(`template: ${t.name} ${t.brand} ${t.pool} ${t.publishers}`);
let p = zmgr::pool("default");
print(`pool: ${p.name} ${p.network} ${p.used} ${p.zones.len()} ${p.zones[0].zone} ${p.zones[0].address}`);
"#,
    );
    assert!(
        out.contains(&format!(
            "template: {} {} {} [\"{}\"]",
            t["name"].as_str().unwrap(),
            t["brand"].as_str().unwrap(),
            t["pool"].as_str().unwrap(),
            t["publishers"][0].as_str().unwrap()
        )),
        "{out}\n{t}"
    );
    assert!(
        out.contains(&format!(
            "pool: {} {} {} 1 {} {}",
            p["name"].as_str().unwrap(),
            p["network"].as_str().unwrap(),
            p["used"].as_str().unwrap(),
            p["zones"][0]["zone"].as_str().unwrap(),
            p["zones"][0]["address"].as_str().unwrap()
        )),
        "{out}\n{p}"
    );
}

#[test]
fn a_missing_name_gets_the_suggestion_the_verb_gives() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.sandbox(&["show", "web0l"])
        .exit(1)
        .stderr_has("zone `web0l` is not in the registry")
        .stderr_has("did you mean `web01`?");
    let out = script(
        &env,
        "missing.rhai",
        r#"
try { zmgr::zone("web0l"); } catch (e) { print(`zone: ${e}`); }
try { zmgr::pool("defualt"); } catch (e) { print(`pool: ${e}`); }
try { zmgr::template("ipgk"); } catch (e) { print(`template: ${e}`); }
"#,
    );
    assert!(
        out.contains("zone: zone `web0l` is not in the registry (did you mean `web01`?)"),
        "{out}"
    );
    assert!(
        out.contains("pool: pool `defualt` is not in the registry (did you mean `default`?)"),
        "{out}"
    );
    assert!(
        out.contains("template: template `ipgk` is not in the registry (did you mean `ipkg`?)"),
        "{out}"
    );
}

#[test]
fn check_returns_what_check_json_prints() {
    let env = sandbox();
    let clean = json(&env, &["check", "--json"]);
    assert_eq!(clean["valid"], true);
    let out = script(
        &env,
        "check.rhai",
        "let c = zmgr::check();\nprint(`check: ${c.valid} ${c.errors} ${c.templates} ${c.pools}`);\n",
    );
    assert!(
        out.contains(&format!(
            "check: true 0 {} {}",
            clean["templates"], clean["pools"]
        )),
        "{out}"
    );
    // A template that names a missing pool: an error for both.
    let t = env
        .read("templates/ipkg.kdl")
        .replace("pool \"default\"", "pool \"nosuch\"");
    env.write("templates/ipkg.kdl", t);
    let run = env.sandbox(&["check", "--json"]);
    run.exit(2);
    let broken = run.json();
    assert_eq!(broken["valid"], false);
    let message = broken["problems"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("nosuch"), "{message}");
    let out = script(
        &env,
        "check2.rhai",
        "let c = zmgr::check();\nprint(`check: ${c.valid} ${c.errors}`);\nprint(`first: ${c.problems[0].message}`);\n",
    );
    assert!(
        out.contains(&format!("check: false {}", broken["errors"])),
        "{out}"
    );
    assert!(out.contains(&format!("first: {message}")), "{out}");
}

#[test]
fn reconcile_finds_and_fixes_what_the_verb_does() {
    let env = sandbox();
    env.sandbox(&["create", "w1"]).success();
    // Halted behind zmgr's back: the registry says running.
    env.tool("zoneadm", &["-z", "w1", "halt"]).success();
    let verb = env
        .sandbox(&["reconcile", "--json"])
        .json_list("differences");
    assert_eq!(verb[0]["kind"], "state-drift");
    let out = script(
        &env,
        "reconcile.rhai",
        r#"
let found = zmgr::reconcile(false);
print(`found: ${found.len()} ${found[0].kind} ${found[0].system}`);
let fixed = zmgr::reconcile(true);
print(`fixed: ${fixed[0].fixed}`);
print(`after: ${zmgr::reconcile(false).len()}`);
"#,
    );
    assert!(
        out.contains(&format!(
            "found: 1 state-drift {}",
            verb[0]["system"].as_str().unwrap()
        )),
        "{out}"
    );
    assert!(out.contains("fixed: true"), "{out}");
    assert!(out.contains("after: 0"), "{out}");
    env.sandbox(&["reconcile"]).success();
}

#[test]
fn publisher_add_and_remove_edit_the_file_as_the_verbs_do() {
    let env = sandbox();
    let out = script(
        &env,
        "pub.rhai",
        r#"
let a = zmgr::publisher_add("site", ["https://pkg.example.org/site"]);
print(`add: ${a.outcome}`);
let b = zmgr::publisher_add("site", ["https://pkg.example.org/site", "https://mirror.example.org/site"]);
print(`extend: ${b.outcome} ${b.added}`);
zmgr::publisher_remove("site", ["https://pkg.example.org/site"]);
"#,
    );
    assert!(out.contains("add: created"), "{out}");
    assert!(
        out.contains(r#"extend: extended ["https://mirror.example.org/site"]"#),
        "{out}"
    );
    let listed = env.sandbox(&["publisher", "show", "site", "--json"]);
    listed.success();
    let v = listed.json();
    assert_eq!(
        v["origins"],
        serde_json::json!(["https://mirror.example.org/site"])
    );
    script(&env, "rm.rhai", "zmgr::publisher_remove(\"site\", []);\n");
    env.sandbox(&["publisher", "show", "site"]).exit(1);
}

#[test]
fn destroy_returns_what_destroy_json_prints() {
    let env = sandbox();
    env.sandbox(&["create", "w1"]).success();
    let out = script(
        &env,
        "destroy.rhai",
        "let d = zmgr::destroy(\"w1\");\nprint(`destroyed: ${d.zone} ${d.commands.len()}`);\n",
    );
    // halt, uninstall, delete the configuration, delete the VNIC
    assert!(out.contains("destroyed: w1 4"), "{out}");
    assert_gone(&env, "w1", "w1_0");
}

#[test]
fn pool_reserve_and_release_are_the_verbs_of_allocate_and_release() {
    let env = sandbox();
    env.sandbox(&["pool", "reserve", "default"])
        .success()
        .stdout_is("192.0.2.10\n");
    assert!(
        env.read("pools/default.kdl")
            .contains("reserve \"192.0.2.10\"")
    );
    // A create skips the reserved address.
    env.sandbox(&["create", "w1", "--no-boot"]).success();
    assert_eq!(
        env.sandbox(&["list", "-p", "-o", "address"]).stdout(),
        "192.0.2.11/24\n"
    );
    // The script twin sees the same reservation and takes the next one.
    let out = script(
        &env,
        "alloc.rhai",
        "print(`got ${zmgr::allocate(\"default\")}`);\n",
    );
    assert!(out.contains("got 192.0.2.12"), "{out}");
    env.sandbox(&["pool", "release", "default", "192.0.2.10"])
        .success()
        .stdout_is("released 192.0.2.10 in pool default\n");
    env.sandbox(&["pool", "release", "default", "192.0.2.10"])
        .exit(1)
        .stderr_has("192.0.2.10 is not reserved in pool `default`");
    env.sandbox(&["pool", "release", "default", "not-an-ip"])
        .exit(2);
    env.sandbox(&["pool", "reserve", "nosuch"])
        .exit(1)
        .stderr_has("known pools: default");
    assert!(
        !env.read("pools/default.kdl")
            .contains("reserve \"192.0.2.10\"")
    );
}

#[test]
fn scripts_catch_the_kind_of_error_the_verbs_exit_with() {
    let env = sandbox();
    env.sandbox(&["create", "w1", "--no-boot"]).success();
    let out = script(
        &env,
        "kinds.rhai",
        r#"
try { zmgr::zone("nosuch"); } catch (e) { print(`zone: ${e.kind} | ${e.message} | ${e.help}`); }
try { zmgr::create("w1"); } catch (e) { print(`twice: ${e.kind} | ${e}`); }
try { zmgr::create("w2", #{ template: "nosuch" }); } catch (e) { print(`template: ${e.kind}`); }
try { zmgr::create("Bad Name"); } catch (e) { print(`name: ${e.kind}`); }
try { zmgr::release("default", "192.0.2.200"); } catch (e) { print(`release: ${e.kind}`); }
"#,
    );
    assert!(
        out.contains("zone: not-found | zone `nosuch` is not in the registry | known zones: w1"),
        "{out}"
    );
    assert!(
        out.contains("twice: conflict | zone `w1` is already in the registry"),
        "{out}"
    );
    assert!(out.contains("template: not-found"), "{out}");
    assert!(out.contains("name: usage"), "{out}");
    assert!(out.contains("release: failed"), "{out}");
    // The verbs exit 1 for these kinds and 2 for usage.
    env.sandbox(&["create", "w1"]).exit(1);
    env.sandbox(&["create", "Bad Name"]).exit(2);
}
