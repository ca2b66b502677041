//! The engine's limits: scripts that run away (endless loops, deep recursion, huge values),
//! `eval` and imports out of their folder end with a clear error within the deadline, and
//! inside a create leave nothing behind.

use std::time::Duration;

use crate::harness::{Run, TestEnv};
use crate::script_support::*;

/// Well within what any of these cases may take, the 1 s deadline included.
const PROMPT: Duration = Duration::from_secs(10);

/// Runs a site script holding `text` with the given limits; it must fail within `PROMPT`
/// with `message` at `line`.
#[track_caller]
fn script_fails(limits: &[&str], text: &str, line: usize, message: &str) -> (TestEnv, Run) {
    let env = sandbox();
    if !limits.is_empty() {
        set_limits(&env, limits);
    }
    let file = site_script(&env, "bad", text);
    let (run, took) = timed(|| env.sandbox(&["bad"]));
    run.exit(1).stdout_is("");
    stderr_says(&run, &[message]);
    points_at(&run, &file, line);
    assert!(took < PROMPT, "the script took {took:?}");
    (env, run)
}

#[test]
fn an_endless_loop_ends_at_the_operations_limit() {
    script_fails(
        &["max-operations 100000"],
        "let n = 0;\nloop { n += 1; }\n",
        2,
        "the script ran more than 100000 operations (a loop that never ends?)",
    );
}

#[test]
fn an_endless_loop_ends_at_the_deadline() {
    let (_, run) = script_fails(
        &["max-operations 1000000000000", "timeout-seconds 1"],
        "let n = 0;\nloop { n += 1; }\n",
        2,
        "the script ran longer than its limit of 1 s",
    );
    shows_code(&run, "loop { n += 1; }");
}

#[test]
fn a_deadline_does_not_count_the_zone_commands_a_script_runs() {
    let env = sandbox();
    set_limits(&env, &["timeout-seconds 1"]);
    env.faults("zoneadm install delay=2\n");
    site_script(
        &env,
        "slow",
        "let z = zmgr::create(\"slow1\", #{ no_boot: true });\nprint(`made ${z.zone}`);\n",
    );
    let run = env.sandbox(&["slow"]);
    run.success().stderr_has("made slow1");
    assert_eq!(registry_zones(&env), ["slow1"]);
}

#[test]
fn a_hook_whose_zone_commands_fit_in_its_deadline_finishes() {
    // The deadline is wall-clock time, the zone commands included (see script_survival).
    let env = sandbox();
    set_limits(&env, &["timeout-seconds 10"]);
    env.faults("zlogin * delay=2\npkg install delay=2\n");
    one_hook(
        &env,
        "post-boot",
        "slow.rhai",
        "pkg_install([\"editor/vim\"]);\nlet out = zlogin([\"/usr/bin/true\"]);\ninfo(\"HOOK\" + \"DONE\");\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.success().stderr_has("HOOKDONE");
    assert_eq!(registry_zones(&env), ["z1"]);
}

#[test]
fn runaway_recursion_ends_at_the_call_depth_limit() {
    script_fails(
        &[],
        "fn down(n) {\n    down(n + 1)\n}\ndown(0);\n",
        4,
        "calls nested deeper than 64 levels (a recursion that never ends?)",
    );
    script_fails(
        &["max-call-levels 20"],
        "fn down(n) {\n    down(n + 1)\n}\ndown(0);\n",
        4,
        "calls nested deeper than 20 levels",
    );
}

#[test]
fn runaway_recursion_under_a_generous_call_limit_is_an_error_not_a_crash() {
    let env = sandbox();
    set_limits(&env, &["max-call-levels 10000"]);
    let hook = one_hook(
        &env,
        "post-install",
        "deep.rhai",
        "fn down(n) {\n    down(n + 1)\n}\ndown(0);\n",
    );
    let (run, took) = timed(|| env.sandbox(&["create", "z1", "-t", "t"]));
    run.exit(1);
    stderr_says(&run, &["could not create zone `z1`", "nested deeper than"]);
    points_at(&run, &hook, 4);
    assert!(took < PROMPT, "the create took {took:?}");
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_string_that_doubles_forever_ends_at_the_size_limit() {
    script_fails(
        &[],
        "let s = \"x\";\nloop { s += s; }\n",
        2,
        "Length of string too large",
    );
    script_fails(
        &["max-string-size 1000"],
        "let s = \"x\";\nloop { s += s; }\n",
        2,
        "Length of string too large",
    );
}

#[test]
fn an_array_that_grows_forever_ends_at_the_size_limit() {
    script_fails(
        &["max-array-size 1000"],
        "let a = [];\nloop { a.push(1); }\n",
        2,
        "Size of array/BLOB too large",
    );
}

#[test]
fn an_expression_nested_too_deep_is_refused() {
    let deep = format!(
        "let x = 1;\nlet y = {}1{};\n",
        "(".repeat(100),
        ")".repeat(100)
    );
    script_fails(&[], &deep, 2, "Expression exceeds maximum complexity");
}

#[test]
fn eval_is_refused() {
    script_fails(
        &[],
        "let code = \"1 + 1\";\nlet x = eval(code);\n",
        2,
        "'eval' is disabled",
    );
}

/// Creates z1 from template `t` whose hook at `point` holds `text`; the create must fail
/// within `PROMPT` with `message` at `line` of the hook and leave nothing behind.
#[track_caller]
fn hook_fails(limits: &[&str], point: &str, text: &str, line: usize, message: &str) {
    let env = sandbox();
    if !limits.is_empty() {
        set_limits(&env, limits);
    }
    let hook = one_hook(&env, point, "bad.rhai", text);
    let (run, took) = timed(|| env.sandbox(&["create", "z1", "-t", "t"]));
    run.exit(1).stdout_is("");
    stderr_says(&run, &["could not create zone `z1`", message]);
    points_at(&run, &hook, line);
    assert!(took < PROMPT, "the create took {took:?}");
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_hook_in_an_endless_loop_fails_the_create_at_the_operations_limit() {
    hook_fails(
        &["max-operations 100000"],
        "post-install",
        "let n = 0;\nloop { n += 1; }\n",
        2,
        "the script ran more than 100000 operations",
    );
}

#[test]
fn a_hook_in_an_endless_loop_fails_the_create_at_the_deadline() {
    hook_fails(
        &["max-operations 1000000000000", "timeout-seconds 1"],
        "post-boot",
        "let n = 0;\nloop { n += 1; }\n",
        2,
        "the script ran longer than its limit of 1 s",
    );
}

#[test]
fn a_hook_recursing_without_end_fails_the_create() {
    hook_fails(
        &[],
        "pre-install",
        "fn down(n) {\n    down(n + 1)\n}\ndown(0);\n",
        4,
        "calls nested deeper than 64 levels",
    );
}

#[test]
fn a_hook_building_a_huge_string_fails_the_create() {
    hook_fails(
        &[],
        "post-install",
        "let s = \"x\";\nloop { s += s; }\n",
        2,
        "Length of string too large",
    );
}

#[test]
fn a_hook_calling_eval_fails_the_create() {
    hook_fails(
        &[],
        "post-install",
        "let code = \"1\";\nlet x = eval(code);\n",
        2,
        "'eval' is disabled",
    );
}

#[test]
fn a_hook_importing_outside_its_folders_fails_the_create() {
    hook_fails(
        &[],
        "post-install",
        "let x = 1;\nimport \"../../outside\" as m;\n",
        2,
        "import \"../../outside\" is refused",
    );
}
