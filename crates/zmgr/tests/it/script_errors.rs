//! Errors name the file, line and code, also inside imported modules and nested calls, with
//! the calls and imports that led there; `import` stays inside the script's folder and the
//! site scripts folder.

use crate::script_support::*;

const LIB: &str = "// Shared helpers.\nfn fail(what) {\n    throw `cannot ${what}`;\n}\nfn inner(what) {\n    fail(what)\n}\n";

#[test]
fn an_error_in_an_imported_function_points_into_the_module_and_at_each_call() {
    let env = sandbox();
    let lib = site_script(&env, "lib", LIB);
    let main = site_script(
        &env,
        "deploy",
        "import \"lib\" as lib;\n\nlet what = \"deploy\";\nlib::inner(what);\nprint(\"WENT\" + \"ON\");\n",
    );
    let run = env.sandbox(&["deploy"]);
    run.exit(1).stdout_is("");
    stderr_says(
        &run,
        &[
            "cannot deploy",
            "in the call to inner()",
            "in the call to fail()",
        ],
    );
    run.check(!run.stderr().contains("WENTON"), "the script went on");
    points_at(&run, &lib, 3);
    points_at(&run, &lib, 6);
    points_at(&run, &main, 4);
    shows_code(&run, "throw `cannot ${what}`;");
    shows_code(&run, "lib::inner(what);");
}

#[test]
fn an_error_in_a_module_of_a_subfolder_points_into_it() {
    let env = sandbox();
    let net = site_script(&env, "lib/net", LIB);
    let main = site_script(
        &env,
        "deploy",
        "import \"lib/net\" as net;\nnet::inner(\"route\");\n",
    );
    let run = env.sandbox(&["deploy"]);
    run.exit(1);
    stderr_says(&run, &["cannot route"]);
    points_at(&run, &net, 3);
    points_at(&run, &main, 2);
}

#[test]
fn run_finds_modules_beside_the_script_and_in_the_site_scripts_folder() {
    let env = sandbox();
    site_script(&env, "lib", "fn greet(who) { `hello ${who}` }\n");
    work_script(&env, "local.rhai", "fn twice(x) { x * 2 }\n");
    let main = work_script(
        &env,
        "main.rhai",
        "import \"lib\" as lib;\nimport \"local\" as local;\nprint(`${lib::greet(\"site\")} ${local::twice(21)}`);\n",
    );
    run_script(&env, &main, &[])
        .success()
        .stderr_has("hello site 42");
}

#[test]
fn an_error_at_the_top_level_of_a_module_points_at_it_and_at_the_import() {
    let env = sandbox();
    let lib = site_script(
        &env,
        "lib",
        "// loads settings\nlet ready = false;\nif !ready { throw \"settings missing\"; }\n",
    );
    let main = site_script(&env, "deploy", "let x = 1;\nimport \"lib\" as lib;\n");
    let run = env.sandbox(&["deploy"]);
    run.exit(1);
    stderr_says(&run, &["settings missing", "importing"]);
    points_at(&run, &lib, 3);
    points_at(&run, &main, 2);
    shows_code(&run, "if !ready { throw \"settings missing\"; }");
}

#[test]
fn a_syntax_error_in_a_module_shows_the_module_line() {
    let env = sandbox();
    let lib = site_script(&env, "lib", "// helpers\nfn f() {\n    let x = (;\n}\n");
    let main = site_script(&env, "deploy", "let x = 1;\nimport \"lib\" as lib;\n");
    let run = env.sandbox(&["deploy"]);
    run.exit(1);
    stderr_says(&run, &["Unexpected ';'"]);
    points_at(&run, &main, 2);
    points_at(&run, &lib, 3);
    shows_code(&run, "    let x = (;");
}

#[test]
fn errors_in_nested_calls_name_every_call_on_the_way() {
    let env = sandbox();
    let file = work_script(
        &env,
        "nested.rhai",
        "fn outer(n) {\n    middle(n + 1)\n}\nfn middle(n) {\n    let parts = [1, 2];\n    parts[n]\n}\n\nouter(5);\n",
    );
    let run = run_script(&env, &file, &[]);
    run.exit(1);
    stderr_says(&run, &["in the call to outer()", "in the call to middle()"]);
    let path = std::path::Path::new(&file);
    points_at(&run, path, 6);
    points_at(&run, path, 2);
    points_at(&run, path, 9);
    shows_code(&run, "parts[n]");
}

#[test]
fn a_hook_importing_a_module_beside_it_fails_with_the_module_line_and_is_undone() {
    let env = sandbox();
    hook_template(&env, "t", true, &[("post-install", "h/net.rhai")]);
    let common = hook_file(&env, "h/common.rhai", LIB);
    let hook = hook_file(
        &env,
        "h/net.rhai",
        "import \"common\" as common;\ncommon::inner(\"configure the network\");\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(&run, &["cannot configure the network"]);
    points_at(&run, &common, 3);
    points_at(&run, &hook, 2);
    assert_nothing_left(&env, "z1");
}

#[test]
fn imports_with_dot_dot_or_an_absolute_path_are_refused() {
    let env = sandbox();
    // Real modules there, which must not load.
    env.write("outside.rhai", "print(\"OUTSIDE LOADED\");\nfn f() { 1 }\n");
    let abs = env.dir().join("elsewhere/x.rhai");
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(&abs, "print(\"ABSOLUTE LOADED\");\nfn f() { 1 }\n").unwrap();
    let abs_name = abs.with_extension("");
    let abs_name = abs_name.to_str().unwrap();
    for name in ["../outside", "sub/../../outside", abs_name, "/etc/passwd"] {
        let main = site_script(
            &env,
            "imp",
            &format!("let x = 1;\nimport {name:?} as m;\nprint(m::f());\n"),
        );
        let run = env.sandbox(&["imp"]);
        run.exit(1);
        stderr_says(
            &run,
            &[
                &format!("import \"{name}\" is refused"),
                "relative to the script's folder, without `..`",
            ],
        );
        points_at(&run, &main, 2);
        run.check(
            !run.stderr().contains("LOADED"),
            &format!("import {name:?} loaded the module"),
        );
    }
}

#[test]
fn a_symlink_in_the_scripts_folder_leading_outside_is_refused() {
    let env = sandbox();
    let outside = env.dir().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("evil.rhai"),
        "print(\"EVIL LOADED\");\nfn f() { 1 }\n",
    )
    .unwrap();
    std::fs::create_dir_all(env.path("scripts")).unwrap();
    std::os::unix::fs::symlink(outside.join("evil.rhai"), env.path("scripts/evil.rhai")).unwrap();
    std::os::unix::fs::symlink(&outside, env.path("scripts/linked")).unwrap();
    for name in ["evil", "linked/evil"] {
        let main = site_script(
            &env,
            "imp",
            &format!("let x = 1;\nimport {name:?} as m;\nprint(m::f());\n"),
        );
        let run = env.sandbox(&["imp"]);
        run.exit(1);
        stderr_says(
            &run,
            &[&format!("import \"{name}\" is refused"), "leads outside"],
        );
        points_at(&run, &main, 2);
        run.check(
            !run.stderr().contains("EVIL LOADED"),
            &format!("import {name:?} loaded the module"),
        );
    }
}

#[test]
fn a_missing_module_says_where_it_was_looked_for() {
    let env = sandbox();
    let main = site_script(&env, "imp", "let x = 1;\nimport \"nosuch\" as m;\n");
    let run = env.sandbox(&["imp"]);
    run.exit(1);
    stderr_says(&run, &["no module \"nosuch\": looked for nosuch.rhai in"]);
    points_at(&run, &main, 2);
}

#[test]
fn a_failing_hook_of_a_zone_a_script_creates_shows_the_hook_line_and_the_script_line() {
    let env = sandbox();
    let hook = one_hook(
        &env,
        "post-install",
        "broken.rhai",
        "// sets up the zone\nlet why = \"no disk\";\nthrow `hook broke: ${why}`;\n",
    );
    let main = site_script(
        &env,
        "make",
        "let name = \"k1\";\nprint(\"making\");\nzmgr::create(name, #{ template: \"t\" });\n",
    );
    let run = env.sandbox(&["make"]);
    run.exit(1);
    stderr_says(&run, &["could not create zone `k1`", "hook broke: no disk"]);
    points_at(&run, &hook, 3);
    points_at(&run, &main, 3);
    assert_nothing_left(&env, "k1");
}
