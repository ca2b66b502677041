//! `zmgr login` and `zmgr console`: zmgr checks the zone, then replaces itself with zlogin
//! (exec), so zlogin's output and exit status are zmgr's, and zlogin runs with zmgr's
//! process ID. `zmgr::login` runs one command for scripts.

use crate::lifecycle_support::{calls, stderr_says};
use crate::script_support::{run_script, work_script};
use crate::use_support::*;

#[test]
fn login_with_a_command_execs_zlogin_and_passes_its_status_through() {
    let env = three_zones();
    let (run, pid) = with_pid(&env, &["login", "web01", "--", "echo", "a  b", "c;d"], "");
    run.success().stdout_is("a  b c;d\n");
    // Each word arrived as given: one shell line, quoted by zmgr.
    let last = zlogins(&env, "web01").pop().unwrap();
    assert_eq!(last["command"], serde_json::json!(["echo 'a  b' 'c;d'"]));
    assert_eq!(last["mode"], "command");
    // zlogin ran in zmgr's own process: exec, not a child.
    assert_eq!(last["pid"], pid);

    zlogin_rules(
        &env,
        "zone=web01 exit=3 stdout=\"half\\n\" stderr=\"disk full\\n\" -- backup\n",
    );
    let (run, _) = with_pid(&env, &["login", "web01", "--", "backup", "--all"], "");
    run.exit(3).stdout_is("half\n").stderr_has("disk full");
}

#[test]
fn login_without_a_command_gives_the_zone_shell_standard_input() {
    let env = three_zones();
    // Not a terminal: the zone's shell reads the commands (zlogin.c: interactive only on a
    // terminal).
    let (run, pid) = with_pid(&env, &["login", "web01"], "echo one\nfalse\n");
    run.exit(1).stdout_is("one\n");
    let last = zlogins(&env, "web01").pop().unwrap();
    assert_eq!(last["mode"], "shell");
    assert_eq!(last["command"], serde_json::json!([]));
    assert_eq!(last["pid"], pid);
}

#[test]
fn an_interactive_login_on_a_terminal() {
    let env = three_zones();
    let (run, pid) = on_terminal(&env, &["login", "web02"], "echo hello\nexit\n");
    run.success()
        .stdout_has("[Connected to zone 'web02' pts/")
        .stdout_has("hello\n")
        .stderr_has("[Connection to zone 'web02' pts/");
    let last = zlogins(&env, "web02").pop().unwrap();
    assert_eq!(last["mode"], "interactive");
    assert_eq!(last["pid"], pid);
}

#[test]
fn console_on_a_terminal_until_tilde_dot() {
    let env = three_zones();
    // The console is there for an installed zone too (to watch it boot).
    let (run, pid) = on_terminal(&env, &["console", "db01"], "hello console\n~.\nnot read\n");
    run.success().stdout_is(
        "[Connected to zone 'db01' console]\nhello console\n\n[Connection to zone 'db01' console closed]\n",
    );
    let last = zlogins(&env, "db01").pop().unwrap();
    assert_eq!(last["mode"], "console");
    assert_eq!(last["pid"], pid);
    assert_eq!(
        calls(&env, "zlogin", "-C").last().unwrap(),
        &vec!["-C".to_string(), "db01".to_string()]
    );
}

#[test]
fn console_without_a_terminal_fails_as_zlogin_does() {
    let env = three_zones();
    let (run, pid) = with_pid(&env, &["console", "web01"], "");
    run.exit(1)
        .stdout_is("[Connected to zone 'web01' console]\n")
        .stderr_has(
            "zlogin: failed to get user terminal settings: Inappropriate ioctl for device\n",
        );
    assert_eq!(zlogins(&env, "web01").pop().unwrap()["pid"], pid);
}

#[test]
fn login_is_refused_before_zlogin_for_zones_it_cannot_reach() {
    let env = three_zones();
    let zlogins_run = |env: &crate::harness::TestEnv| {
        env.invocations()
            .iter()
            .filter(|(t, _)| t == "zlogin")
            .count()
    };
    let before = zlogins_run(&env);
    let run = env.sandbox(&["login", "db01"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &[
            "zone db01 is installed; zlogin needs it running",
            "`zmgr boot db01`",
        ],
    );
    let run = env.sandbox(&["login", "nosuch", "--", "uptime"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["zone `nosuch` is not in the registry"]);
    let run = env.sandbox(&["console", "-bad"]);
    run.exit(2);
    let run = env.sandbox(&["console", "bad/name"]);
    run.exit(2).stdout_is("");
    assert_eq!(zlogins_run(&env), before, "zlogin ran");
}

#[test]
fn scripts_run_a_command_and_get_its_output_and_status() {
    let env = three_zones();
    zlogin_rules(&env, "zone=web01 exit=4 stderr=\"nope\\n\" -- check-disk\n");
    let file = work_script(
        &env,
        "login.rhai",
        r#"
let r = zmgr::login("web01", ["echo", "x  y"]);
zmgr::out(`${r.zone} ${r.status} [${r.stdout}]`);
let r = zmgr::login("web01", ["check-disk"]);
zmgr::out(`${r.status} [${r.stderr}]`);
try { zmgr::login("web01", []); } catch (e) { zmgr::out(e.kind); }
try { zmgr::login("db01", ["uptime"]); } catch (e) { zmgr::out(e.message); }
"#,
    );
    run_script(&env, &file, &[]).success().stdout_is(
        "web01 0 [x  y\n]\n4 [nope\n]\nusage\nzone db01 is installed; zlogin needs it running\n",
    );
}

#[test]
fn scripts_give_the_command_as_strings_only() {
    let env = three_zones();
    let file = work_script(
        &env,
        "words.rhai",
        r#"
try { zmgr::login("web01", ["echo", 1]); } catch (e) { zmgr::out(`${e.kind}: ${e.message}`); }
try { zmgr::login("web01", ["echo", ["a"]]); } catch (e) { zmgr::out(e.kind); }
"#,
    );
    run_script(&env, &file, &[])
        .success()
        .stdout_is("usage: zmgr::login takes the command's words as strings, not 1 (i64)\nusage\n");
    assert!(calls(&env, "zlogin", "echo").is_empty());
}

#[test]
fn a_script_s_command_in_a_zone_ends_at_the_script_s_deadline() {
    let env = three_zones();
    crate::script_support::set_limits(&env, &["timeout-seconds 1"]);
    // A command that would outlast the deadline by far.
    env.faults("zlogin * zone=web01 delay=120\n");
    let file = work_script(
        &env,
        "slow.rhai",
        "let r = zmgr::login(\"web01\", [\"sleep\", \"120\"]);\nzmgr::out(\"ran\");\n",
    );
    let run = run_script(&env, &file, &[]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["the script ran longer than its limit of 1 s"]);
    assert!(
        crate::random_kill::wait_for_tools(&env),
        "zlogin still runs"
    );
}
