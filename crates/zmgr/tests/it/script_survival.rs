//! Scripts that try to take zmgr down: import cycles, values grown past the size limits or
//! past any sane amount of memory, nesting deeper than the stack holds, scripts that take
//! long to compile, limits set past their bounds, and hooks whose zone commands outlast the
//! deadline. Each must end with a clear error (and, in a create, the usual undo), never with
//! zmgr killed by a signal.

use std::time::Duration;

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::{finish, spawn};
use crate::script_support::*;

/// Well within what any of these cases may take.
const PROMPT: Duration = Duration::from_secs(15);

/// zmgr ended on its own, with an exit status: not killed by a signal (a stack overflow or an
/// allocation failure aborts, SIGABRT), not a panic (101).
#[track_caller]
fn survived(run: &Run) {
    run.check(
        run.code() == 1,
        "zmgr did not end with its own error (exit status 1)",
    );
    run.check(
        !run.stderr().contains("panicked") && !run.stderr().contains("overflowed its stack"),
        "zmgr panicked or overflowed its stack",
    );
}

/// Asserts that stderr points at `file`, line `line` (any line for 0).
#[track_caller]
fn points_into(run: &Run, file: &std::path::Path, line: usize) {
    if line == 0 {
        let needle = format!("{}:", file.display());
        run.check(
            run.stderr().contains(&needle),
            &format!("stderr does not point into {needle}"),
        );
    } else {
        points_at(run, file, line);
    }
}

/// Asserts that stderr says `text`, however the renderer wrapped it (long paths break lines
/// at slashes).
#[track_caller]
fn says_unwrapped(run: &Run, text: &str) {
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│' && *c != '×')
            .collect()
    };
    run.check(
        squeeze(&run.stderr()).contains(&squeeze(text)),
        &format!("stderr lacks {text:?}"),
    );
}

/// Runs site script `name` (written with `text`, plus any other `files` in scripts/) under
/// `limits`; it must fail within `PROMPT` with every one of `messages`, pointing at `line` of
/// the file `at` (relative to scripts/).
#[track_caller]
fn script_fails(
    limits: &[&str],
    files: &[(&str, &str)],
    text: &str,
    at: (&str, usize),
    messages: &[&str],
) -> (TestEnv, Run) {
    let env = sandbox();
    if !limits.is_empty() {
        set_limits(&env, limits);
    }
    for (name, body) in files {
        site_script(&env, name, body);
    }
    site_script(&env, "bad", text);
    let (run, took) = timed(|| env.sandbox(&["bad"]));
    survived(&run);
    run.stdout_is("");
    stderr_says(&run, messages);
    points_into(&run, &env.path(&format!("scripts/{}", at.0)), at.1);
    assert!(took < PROMPT, "the script took {took:?}");
    (env, run)
}

/// Creates z1 from template `t` whose hook at `point` is `h/NAME` holding `text`, with other
/// `files` under templates/h/; the create must fail within `PROMPT` with `messages`, point at
/// `line` of `templates/h/AT`, and leave nothing behind.
#[track_caller]
fn hook_fails(
    limits: &[&str],
    faults: &str,
    point: &str,
    files: &[(&str, &str)],
    text: &str,
    at: (&str, usize),
    messages: &[&str],
) -> (TestEnv, Run, Duration) {
    let env = sandbox();
    if !limits.is_empty() {
        set_limits(&env, limits);
    }
    if !faults.is_empty() {
        env.faults(faults);
    }
    one_hook(&env, point, "bad.rhai", text);
    for (name, body) in files {
        hook_file(&env, &format!("h/{name}"), body);
    }
    let (run, took) = timed(|| env.sandbox(&["create", "z1", "-t", "t"]));
    survived(&run);
    run.stdout_is("");
    let mut all = vec!["could not create zone `z1`"];
    all.extend_from_slice(messages);
    stderr_says(&run, &all);
    points_at(&run, &env.path(&format!("templates/h/{}", at.0)), at.1);
    assert!(took < PROMPT, "the create took {took:?}");
    assert_nothing_left(&env, "z1");
    (env, run, took)
}

// 1. Import cycles.

#[test]
fn a_script_importing_itself_ends_with_the_cycle_not_a_crash() {
    let (env, run) = script_fails(
        &[],
        &[],
        "// imports itself\nimport \"bad\" as me;\n",
        ("bad.rhai", 2),
        &["import cycle"],
    );
    let file = env.path("scripts/bad.rhai");
    says_unwrapped(&run, &format!("{} imports itself", file.display()));
}

#[test]
fn modules_importing_each_other_end_with_the_cycle_and_each_step_of_it() {
    let (env, run) = script_fails(
        &[],
        &[
            ("a", "let x = 1;\nimport \"b\" as b;\n"),
            ("b", "// back to a\n\nimport \"a\" as a;\n"),
        ],
        "import \"a\" as a;\nprint(\"never\");\n",
        ("b.rhai", 3),
        &["import cycle"],
    );
    let a = env.path("scripts/a.rhai");
    let b = env.path("scripts/b.rhai");
    // The cycle, file and line of each import in it.
    says_unwrapped(
        &run,
        &format!(
            "{a}:2 imports {b}, {b}:3 imports {a} again",
            a = a.display(),
            b = b.display()
        ),
    );
    assert!(!run.stderr().lines().any(|l| l.trim() == "never"));
}

#[test]
fn a_module_importing_the_script_that_imported_it_is_a_cycle() {
    let (env, run) = script_fails(
        &[],
        &[("back", "// back\nimport \"bad\" as again;\n")],
        "import \"back\" as b;\n",
        ("back.rhai", 2),
        &["import cycle"],
    );
    says_unwrapped(
        &run,
        &format!(
            "{main}:1 imports {back}, {back}:2 imports {main} again",
            main = env.path("scripts/bad.rhai").display(),
            back = env.path("scripts/back.rhai").display()
        ),
    );
}

#[test]
fn a_post_install_hook_with_an_import_cycle_fails_the_create_and_leaves_nothing() {
    hook_fails(
        &[],
        "",
        "post-install",
        &[
            ("m1.rhai", "import \"m2\" as m;\n"),
            ("m2.rhai", "let y = 2;\nimport \"m1\" as m;\n"),
        ],
        "import \"m1\" as m;\n",
        ("m2.rhai", 2),
        &["import cycle"],
    );
}

#[test]
fn imports_nested_deeper_than_the_bound_are_refused() {
    let mut files = Vec::new();
    for i in 0..40 {
        files.push((format!("m{i}"), format!("import \"m{}\" as next;\n", i + 1)));
    }
    files.push(("m40".to_string(), "let end = 1;\n".to_string()));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    script_fails(
        &[],
        &files,
        "import \"m0\" as m;\n",
        ("m31.rhai", 1),
        &["imports nested deeper than 32 modules"],
    );
}

// 2. Values grown past the size limits, and memory.

#[test]
fn map_keys_added_by_index_stop_at_max_map_size() {
    script_fails(
        &["max-map-size 1000", "timeout-seconds 5"],
        &[],
        "let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }\n",
        ("bad.rhai", 3),
        &["Size of object map too large", "max-map-size 1000"],
    );
}

#[test]
fn values_nested_by_index_assignment_stop_at_max_array_size() {
    script_fails(
        &["max-array-size 1000", "timeout-seconds 5"],
        &[],
        "let b = [];\nb.pad(999, 0);\nlet a = [];\na.pad(999, 0);\nfor i in 0..999 { a[i] = b; }\nlet c = a;\n",
        ("bad.rhai", 5),
        &["Size of array/BLOB too large", "max-array-size 1000"],
    );
    // The same into a map's values.
    script_fails(
        &["max-map-size 1000", "timeout-seconds 5"],
        &[],
        "let b = #{};\nfor i in 0..900 { b[`${i}`] = i; }\nlet m = #{};\nfor i in 0..900 { m[`${i}`] = b; }\nlet c = m;\n",
        ("bad.rhai", 4),
        &["Size of object map too large"],
    );
}

#[test]
fn long_map_keys_count_against_max_string_size() {
    script_fails(
        &["max-string-size 10000", "timeout-seconds 5"],
        &[],
        "let k = \"\";\nk.pad(1000, \"k\");\nlet m = #{};\nlet i = 0;\nloop { m[k + i] = 1; i += 1; }\n",
        ("bad.rhai", 5),
        &["Length of string too large", "max-string-size 10000"],
    );
}

#[test]
fn a_pad_whose_size_overflows_is_refused_not_a_panic() {
    script_fails(
        &[],
        &[],
        "let a = [];\na.pad(4611686018427387904, [1, 2, 3]);\n",
        ("bad.rhai", 2),
        &["Size of array/BLOB too large"],
    );
}

#[test]
fn values_held_by_function_pointers_count_against_the_limits() {
    script_fails(
        &["max-array-size 5000", "timeout-seconds 5"],
        &[],
        "let a = [];\na.pad(1000, 0);\nlet f = Fn(\"x\").curry(a);\nlet b = [];\nfor i in 0..100 { b.push(f); }\nlet c = b;\n",
        ("bad.rhai", 5),
        &["Size of array/BLOB too large"],
    );
}

#[test]
fn values_nested_past_the_bound_are_refused() {
    script_fails(
        &["timeout-seconds 10"],
        &[],
        "let a = [];\nloop { a = [a]; }\n",
        ("bad.rhai", 2),
        &["values nested deeper than 1000 levels"],
    );
}

#[test]
fn a_chain_of_closures_is_refused_as_nested_values_not_a_crash() {
    // Each closure holds the previous one: dropping a long chain recurses as deep as it is
    // long (2.7 million of them, 20 s of a debug build, overflowed zmgr's stack).
    script_fails(
        &["timeout-seconds 20"],
        &[],
        "let f = || 0;\nloop { let g = f; f = || g.call(); }\n",
        ("bad.rhai", 2),
        &["values nested deeper than 1000 levels"],
    );
}

#[test]
fn many_large_values_stop_at_the_memory_bound() {
    // Every copy is within the limits; the copies together are not.
    script_fails(
        &["timeout-seconds 20", "max-call-levels 1000"],
        &[],
        "let a = [];\na.pad(99000, \"\");\nlet keep = [];\nfn hold(a, n) { let b = a; hold(b, n + 1) }\nhold(a, 0);\n",
        ("bad.rhai", 5),
        &["the script used more than 256 MiB of memory"],
    );
}

#[test]
fn a_hook_taking_too_much_memory_fails_the_create_and_leaves_nothing() {
    hook_fails(
        &["timeout-seconds 20", "max-call-levels 1000"],
        "",
        "post-install",
        &[],
        "let a = [];\na.pad(99000, \"\");\nfn hold(a, n) { let b = a; hold(b, n + 1) }\nhold(a, 0);\n",
        ("bad.rhai", 4),
        &["the script used more than 256 MiB of memory"],
    );
}

// 3. Bounds of the limits, deep nesting, long compiles.

/// A config.kdl limit past its bound is refused, naming the file, the line and the bound.
#[test]
fn limits_past_their_bounds_are_refused_naming_the_file_and_line() {
    for (setting, bound) in [
        (
            "max-operations 1000000000001",
            "`max-operations` is at most 1000000000000",
        ),
        (
            "max-call-levels 10001",
            "`max-call-levels` is at most 10000",
        ),
        (
            "max-string-size 4194305",
            "`max-string-size` is at most 4194304",
        ),
        (
            "max-array-size 1000001",
            "`max-array-size` is at most 1000000",
        ),
        ("max-map-size 1000001", "`max-map-size` is at most 1000000"),
        ("max-expr-depth 300000", "`max-expr-depth` is at most 1000"),
        (
            "timeout-seconds 86401",
            "`timeout-seconds` is at most 86400",
        ),
    ] {
        let env = sandbox();
        let lines = env.read("config.kdl").lines().count();
        set_limits(&env, &[setting]);
        // `run` depends on config.kdl, which holds the limits.
        let run = env.sandbox(&["run", "nothing.rhai"]);
        run.check(run.code() != 0, &format!("{setting} was accepted"));
        stderr_says(&run, &[bound]);
        // The setting is on the line after `scripting {`.
        points_at(&run, &env.path("config.kdl"), lines + 2);
    }
    // At the bounds, all is well.
    let env = sandbox();
    set_limits(
        &env,
        &[
            "max-operations 1000000000000",
            "max-call-levels 10000",
            "max-string-size 4194304",
            "max-array-size 1000000",
            "max-map-size 1000000",
            "max-expr-depth 1000",
            "timeout-seconds 86400",
        ],
    );
    site_script(&env, "ok", "print(\"fine\");\n");
    env.sandbox(&["ok"]).success().stderr_has("fine");
}

#[test]
fn an_expression_deeper_than_the_bound_fails_fast() {
    let deep = format!("let x = 1;\nlet y = {}true;\n", "!".repeat(2000));
    script_fails(
        &["max-expr-depth 1000"],
        &[],
        &deep,
        ("bad.rhai", 2),
        &["Expression exceeds maximum complexity"],
    );
}

#[test]
fn expressions_at_the_bound_compile_fast() {
    // Constant folding of long chains took minutes; at the bound, compiling takes no time.
    let env = sandbox();
    set_limits(&env, &["max-expr-depth 1000"]);
    let mut text = String::new();
    for _ in 0..20 {
        text += &format!("let x = {}true;\n", "!".repeat(990));
        text += &format!("let y = 1{};\n", " + 1".repeat(990));
    }
    text += "print(`${x} ${y}`);\n";
    site_script(&env, "deep", &text);
    let (run, took) = timed(|| env.sandbox(&["deep"]));
    run.success().stderr_has("true 991");
    assert!(took < Duration::from_secs(5), "compiling took {took:?}");
}

#[test]
fn deep_recursion_through_deep_expressions_is_an_error_not_a_crash() {
    // Each call nests 300 parentheses: 10000 calls of it would need gigabytes of stack.
    let body = format!("{}down(n + 1){}", "(".repeat(300), ")".repeat(300));
    script_fails(
        &["max-call-levels 10000", "max-expr-depth 1000"],
        &[],
        &format!("fn down(n) {{\n    {body}\n}}\ndown(0);\n"),
        ("bad.rhai", 4),
        &["nested deeper than"],
    );
}

/// A script of `n` functions, which Rhai takes seconds to compile (in a debug build, about
/// 47 s for 12000).
fn slow_to_compile(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "fn f{i}(a, b, c) {{ let x = a + b * c; if x > 1 {{ x }} else {{ f{i}(x, b, c) }} }}\n"
            )
        })
        .collect()
}

#[test]
fn compiling_stops_at_the_deadline() {
    let (_, run) = script_fails(
        &["timeout-seconds 2"],
        &[],
        &slow_to_compile(12000),
        // Where the compile had got to.
        ("bad.rhai", 0),
        &["compiling", "took longer than its limit of 2 s"],
    );
    assert!(!run.stderr().contains("syntax error"), "{}", run.stderr());
}

#[test]
fn a_hook_compiling_past_the_deadline_fails_the_create_before_anything_changes() {
    let env = sandbox();
    set_limits(&env, &["timeout-seconds 2"]);
    one_hook(&env, "post-install", "slow.rhai", &slow_to_compile(12000));
    let (run, took) = timed(|| env.sandbox(&["create", "z1", "-t", "t"]));
    survived(&run);
    stderr_says(&run, &["took longer than its limit of 2 s"]);
    assert!(took < PROMPT, "the create took {took:?}");
    assert_nothing_left(&env, "z1");
}

#[test]
fn sigterm_stops_a_compile() {
    let env = sandbox();
    site_script(&env, "slow", &slow_to_compile(12000));
    let (run, took) = timed(|| {
        let child = spawn(&env, &["slow"]);
        std::thread::sleep(Duration::from_millis(1000));
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        finish(&env, child, &["slow"])
    });
    survived(&run);
    stderr_says(&run, &["interrupted"]);
    assert!(
        took < Duration::from_secs(6),
        "the compile went on: {took:?}"
    );
}

#[test]
fn a_script_file_larger_than_the_bound_is_refused() {
    let env = sandbox();
    let big = format!("let x = 1;\n{}", "// padding\n".repeat(100_000));
    site_script(&env, "big", &big);
    let run = env.sandbox(&["big"]);
    survived(&run);
    stderr_says(&run, &["is larger than 1 MiB"]);
}

// 4. Hooks and the zone commands they run.

/// The simulator processes of this sandbox still running.
fn simulator_processes(env: &TestEnv) -> Vec<u32> {
    let needle = format!("ZMGR_SIM_STATE={}", env.sim_state().display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
        })
        .collect()
}

#[test]
fn a_zone_command_running_at_the_hook_deadline_is_stopped() {
    let (env, _, took) = hook_fails(
        &["timeout-seconds 2"],
        // Only the hook's command: the create's own wait for the zone's services uses
        // zlogin too.
        "zlogin /usr/bin/true delay=60\n",
        "post-boot",
        &[],
        "info(\"configuring\");\nlet out = zlogin([\"/usr/bin/true\"]);\ninfo(\"never\");\n",
        ("bad.rhai", 2),
        &["the script ran longer than its limit of 2 s"],
    );
    // The create did not wait for the command: it was stopped, and nothing of it is left.
    assert!(took < Duration::from_secs(12), "the create took {took:?}");
    assert_eq!(simulator_processes(&env), Vec::<u32>::new());
}

#[test]
fn a_hook_looping_on_zone_commands_stops_at_its_deadline() {
    let (_, run, _) = hook_fails(
        &["timeout-seconds 2"],
        "zlogin /usr/bin/true delay=0.5\n",
        "post-boot",
        &[],
        "let n = 0;\nfor i in 0..20 { zlogin([\"/usr/bin/true\"]); n += 1; }\ninfo(`did ${n}`);\n",
        ("bad.rhai", 2),
        &["the script ran longer than its limit of 2 s"],
    );
    assert!(!run.stderr().contains("did 20"));
}

#[test]
fn a_pkg_install_past_the_hook_deadline_is_stopped() {
    let (env, _, took) = hook_fails(
        &["timeout-seconds 1"],
        "pkg install delay=60\n",
        "post-install",
        &[],
        "pkg_install([\"editor/vim\"]);\n",
        ("bad.rhai", 1),
        &["the script ran longer than its limit of 1 s"],
    );
    assert!(took < Duration::from_secs(12), "the create took {took:?}");
    assert_eq!(simulator_processes(&env), Vec::<u32>::new());
}

#[test]
fn a_long_pkg_install_works_when_the_admin_raises_the_deadline() {
    let env = sandbox();
    set_limits(&env, &["timeout-seconds 10"]);
    env.faults("pkg install delay=2\nzlogin * delay=1\n");
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
