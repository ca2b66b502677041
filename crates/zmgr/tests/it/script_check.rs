//! `zmgr check` compiles every site script and every hook: syntax errors, undeclared
//! variables and calls to functions that do not exist are found with their file and line,
//! before any zone is touched.

use std::path::Path;

use crate::harness::{Run, TestEnv};
use crate::script_support::*;

/// Runs `check`, expecting exit 2 and no tool run.
#[track_caller]
fn check_refuses(env: &TestEnv) -> Run {
    let before = env.invocations();
    let run = env.sandbox(&["check"]);
    run.exit(2).stdout_is("");
    assert_eq!(env.invocations(), before, "check ran a tool");
    run
}

#[track_caller]
fn refused_at(env: &TestEnv, file: &Path, line: usize, needles: &[&str], code: &str) {
    let run = check_refuses(env);
    stderr_says(&run, needles);
    points_at(&run, file, line);
    shows_code(&run, code);
    stderr_says(&run, &["zmgr: 1 error in the registry"]);
}

#[test]
fn a_syntax_error_in_a_site_script() {
    let env = sandbox();
    let file = site_script(
        &env,
        "broken",
        "// makes web zones\nlet n = 3;\nlet names = [\"a\", \"b\";\nprint(names);\n",
    );
    refused_at(
        &env,
        &file,
        3,
        &[&format!("syntax error in {}", file.display())],
        "let names = [\"a\", \"b\";",
    );
}

#[test]
fn an_undeclared_variable_in_a_site_script() {
    let env = sandbox();
    let file = site_script(
        &env,
        "typo",
        "let count = parse_int(ARGS[0]);\nfor i in 0..cuont {\n    print(i);\n}\n",
    );
    refused_at(
        &env,
        &file,
        2,
        &["Undefined variable: cuont"],
        "for i in 0..cuont {",
    );
}

#[test]
fn a_misspelt_zmgr_function_with_a_suggestion() {
    let env = sandbox();
    let file = site_script(
        &env,
        "misspelt",
        "let n = 0;\nfor z in zmgr::zoens() {\n    n += 1;\n}\n",
    );
    refused_at(
        &env,
        &file,
        2,
        &[
            "zmgr::zoens() is not a known function",
            "did you mean zmgr::zones()?",
        ],
        "for z in zmgr::zoens() {",
    );
}

#[test]
fn a_zmgr_function_with_the_wrong_number_of_arguments() {
    let env = sandbox();
    let file = site_script(
        &env,
        "arity",
        "let name = \"web01\";\nzmgr::create(name, #{ no_boot: true }, \"extra\");\n",
    );
    refused_at(
        &env,
        &file,
        2,
        &["zmgr::create() is not defined for 3 arguments"],
        "zmgr::create(name, #{ no_boot: true }, \"extra\");",
    );
}

#[test]
fn an_unknown_function_in_a_script_function_body() {
    let env = sandbox();
    let file = site_script(
        &env,
        "nested",
        "fn make(role) {\n    let n = 1;\n    provision(role, n)\n}\nmake(\"web\");\n",
    );
    refused_at(
        &env,
        &file,
        3,
        &["provision() is not a known function"],
        "provision(role, n)",
    );
}

#[test]
fn hook_errors_unknown_helpers_wrong_arguments_and_site_script_variables() {
    for (text, line, message, code) in [
        (
            "let v = \"web\";\nadd_attr(\"role\", v);\n",
            2,
            "add_attr() is not defined for 2 arguments",
            "add_attr(\"role\", v);",
        ),
        (
            "// hooks have no ARGS\nlet a = ARGS[0];\n",
            2,
            "Undefined variable: ARGS",
            "let a = ARGS[0];",
        ),
        (
            "let p = \"web/server/nginx\";\nadd_packages([p]);\n",
            2,
            "add_packages() is not a known function",
            "add_packages([p]);",
        ),
        (
            "let name = ZONE.name;\nif HOOK == \"post-boot\" {\n    zlogin(name);\n    zlogin(\"a\", \"b\");\n}\n",
            4,
            "zlogin() is not defined for 2 arguments",
            "zlogin(\"a\", \"b\");",
        ),
    ] {
        let env = sandbox();
        let hook = one_hook(&env, "post-boot", "hook.rhai", text);
        refused_at(&env, &hook, line, &[message], code);
    }
}

#[test]
fn every_broken_script_and_hook_is_reported_at_once() {
    let env = sandbox();
    let a = site_script(&env, "a", "let x = (;\n");
    let b = site_script(&env, "b", "let x = 1;\nprint(y);\n");
    let hook = one_hook(
        &env,
        "post-install",
        "h.rhai",
        "let x = 1;\n\nwrite_fiel(\"/a\", \"b\");\n",
    );
    let run = check_refuses(&env);
    points_at(&run, &a, 1);
    points_at(&run, &b, 2);
    points_at(&run, &hook, 3);
    stderr_says(
        &run,
        &[
            "did you mean write_file()?",
            "zmgr: 3 errors in the registry",
        ],
    );
}

#[test]
fn check_accepts_the_examples_and_common_rhai() {
    let env = sandbox();
    install_web_example(&env);
    install_provision_role(&env);
    site_script(
        &env,
        "common",
        r#"// Rhai a site might write.
fn double(x) { x * 2 }
let zones = zmgr::zones();
let names = zones.map(|z| z.name);
let running = zones.filter(|z| z.state == "running").len();
let total = [1, 2, 3].reduce(|sum, x| sum + x, 0);
let plus = |a, b| a + b;
let three = plus.call(1, 2);
let f = Fn("double");
let six = f.call(3);
let parts = "a,b,c".split(",");
let n = parse_int("42");
let m = #{ a: 1, b: 2 };
for k in m.keys() { print(k); }
for i in 0..3 { print(i); }
if "web01" in names { print("yes"); }
print(double(6) + six + three + total + n + running + parts.len());
debug(type_of(m));
try { zmgr::zone("x"); } catch (e) { zmgr::warn(e); }
if ARGS.is_empty() { zmgr::abort("no arguments"); }
"#,
    );
    let before = env.invocations();
    env.sandbox(&["check"]).success().stdout_is(&format!(
        "{} is valid: 3 templates, 1 pool, 0 zones, 1 publisher\n",
        env.root().display()
    ));
    assert_eq!(env.invocations(), before, "check ran a tool");
}

#[test]
fn check_accepts_a_script_function_called_as_a_method() {
    // `obj.describe()` calls `fn describe()` with `this` bound to obj: valid Rhai that runs.
    let env = sandbox();
    site_script(
        &env,
        "method",
        "fn describe() {\n    `zone ${this.name}`\n}\nlet z = #{ name: \"web01\" };\nprint(z.describe());\n",
    );
    env.sandbox(&["method"]).success().stderr_has("zone web01");
    env.sandbox(&["check"]).success();
}

#[test]
fn a_script_that_does_not_compile_runs_nothing() {
    // The whole script is compiled before its first line runs.
    for (text, message) in [
        (
            "zmgr::create(\"early\", #{ no_boot: true });\nlet x = (;\n",
            "Unexpected ';'",
        ),
        (
            "zmgr::create(\"early\", #{ no_boot: true });\nprint(undeclared);\n",
            "Undefined variable: undeclared",
        ),
        (
            "zmgr::create(\"early\", #{ no_boot: true });\nlet x = eval(\"1\");\n",
            "eval",
        ),
    ] {
        let env = sandbox();
        let file = site_script(&env, "early", text);
        let before = env.invocations().len();
        let run = env.sandbox(&["early"]);
        run.exit(1);
        stderr_says(&run, &[message]);
        points_at(&run, &file, 2);
        assert_eq!(changes_since(&env, before), Vec::<String>::new(), "{text}");
        assert_eq!(registry_zones(&env), Vec::<String>::new());
    }
}
