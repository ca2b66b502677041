//! `zmgr list` filters (`--state`, `--template`, `--pool`, `--brand`, a name glob) and their
//! script twin, `zmgr::zones(filters)`.

use crate::lifecycle_support::{sandbox, stderr_says};
use crate::script_support::{run_script, work_script};

fn zones() -> crate::harness::TestEnv {
    let env = sandbox();
    // A second template and pool, for the filters to tell apart.
    env.write(
        "pools/back.kdl",
        "pool \"back\" {\n    network \"198.51.100.0/24\"\n    gateway \"198.51.100.1\"\n    stub \"zmgr_stub0\"\n    range \"198.51.100.10\" \"198.51.100.20\"\n}\n",
    );
    env.write(
        "templates/db.kdl",
        "template \"db\" {\n    brand \"nlipkg\"\n    pool \"back\"\n    autoboot #false\n}\n",
    );
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    env.sandbox(&["create", "db01", "--template", "db"])
        .success();
    env
}

fn names(env: &crate::harness::TestEnv, args: &[&str]) -> String {
    let mut all = vec!["list", "-p", "-o", "name"];
    all.extend_from_slice(args);
    let run = env.sandbox(&all);
    run.success();
    run.stdout().trim_end().replace('\n', " ")
}

#[test]
fn each_filter_and_their_combinations() {
    let env = zones();
    assert_eq!(names(&env, &[]), "db01 web01 web02");
    assert_eq!(names(&env, &["web*"]), "web01 web02");
    assert_eq!(names(&env, &["*0[2-9]"]), "web02");
    assert_eq!(names(&env, &["--state", "running"]), "web01");
    assert_eq!(
        names(&env, &["--state", "running,installed"]),
        "db01 web01 web02"
    );
    assert_eq!(names(&env, &["--template", "db"]), "db01");
    assert_eq!(names(&env, &["--pool", "default"]), "web01 web02");
    assert_eq!(names(&env, &["--brand", "nlipkg"]), "db01");
    assert_eq!(names(&env, &["web*", "--state", "installed"]), "web02");
    // Nothing matches: an empty list, not an error.
    assert_eq!(names(&env, &["--pool", "nosuch"]), "");
    env.sandbox(&["list", "--brand", "lx", "--json"])
        .success()
        .stdout_is("{\n  \"version\": 1,\n  \"zones\": []\n}\n");
}

#[test]
fn bad_filters_are_refused() {
    let env = zones();
    let run = env.sandbox(&["list", "--state", "runing"]);
    run.exit(2).stdout_is("");
    stderr_says(
        &run,
        &[
            "unknown zone state `runing`",
            "the states are creating, configured",
        ],
    );
    let run = env.sandbox(&["list", "web[0-"]);
    run.exit(2).stdout_is("");
    stderr_says(
        &run,
        &["the name pattern `web[0-` has a `[` without its `]`"],
    );
}

#[test]
fn scripts_filter_the_same_way() {
    let env = zones();
    let file = work_script(
        &env,
        "filters.rhai",
        r#"
let n = |zs| zs.map(|z| z.name);
zmgr::out(`${n.call(zmgr::zones(#{ state: "running" }))}`);
zmgr::out(`${n.call(zmgr::zones(#{ state: ["running", "installed"], name: "web*" }))}`);
zmgr::out(`${n.call(zmgr::zones(#{ template: "db", brand: "nlipkg", pool: "back" }))}`);
zmgr::out(`${zmgr::zones(#{}).len()}`);
try { zmgr::zones(#{ colour: "red" }); } catch (e) { zmgr::out(e.message); }
try { zmgr::zones(#{ state: "up" }); } catch (e) { zmgr::out(e.kind); }
"#,
    );
    run_script(&env, &file, &[]).success().stdout_is(
        "[\"web01\"]\n[\"web01\", \"web02\"]\n[\"db01\"]\n3\nunknown zone filter `colour`\nusage\n",
    );
}
