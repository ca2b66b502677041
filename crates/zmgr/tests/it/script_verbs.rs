//! Site scripts as commands: `zmgr run FILE ARGS…`, every `ROOT/scripts/NAME.rhai` as the verb
//! `zmgr NAME ARGS…`, their listing in `zmgr scripts` and `--help`, built-in verbs that cannot
//! be shadowed, and `zmgr script api` with the reference embedded in docs/scripting.md.

use crate::script_support::*;

const SHOW_ARGS: &str = "print(`${ARGS.len()} args: ${ARGS}`);\n";

#[test]
fn run_passes_its_arguments_in_args_and_prints_to_stderr_only() {
    let env = sandbox();
    let file = work_script(&env, "args.rhai", SHOW_ARGS);
    run_script(&env, &file, &["a", "two words", "--flag", "-x"])
        .success()
        .stdout_is("")
        .stderr_has(r#"4 args: ["a", "two words", "--flag", "-x"]"#);
    run_script(&env, &file, &[])
        .success()
        .stdout_is("")
        .stderr_has("0 args: []");
}

#[test]
fn every_script_in_the_scripts_folder_is_a_verb_with_its_arguments() {
    let env = sandbox();
    site_script(&env, "hello", SHOW_ARGS);
    env.sandbox(&["hello", "web", "3", "--dry"])
        .success()
        .stdout_is("")
        .stderr_has(r#"3 args: ["web", "3", "--dry"]"#);
    // What the verb runs is the script as it is now.
    site_script(&env, "hello", "print(`changed ${ARGS[0]}`);\n");
    env.sandbox(&["hello", "x"])
        .success()
        .stderr_has("changed x");
}

#[test]
fn site_scripts_are_listed_by_scripts_and_in_help() {
    let env = sandbox();
    let scripts = env.path("scripts");
    env.sandbox(&["scripts"])
        .success()
        .stdout_is(&format!("no site scripts in {}\n", scripts.display()));

    let hello = site_script(&env, "hello", SHOW_ARGS);
    let deploy = site_script(&env, "deploy-web", SHOW_ARGS);
    env.sandbox(&["scripts"]).success().stdout_is(&format!(
        "{:<16} {}\n{:<16} {}\n",
        "deploy-web",
        deploy.display(),
        "hello",
        hello.display()
    ));
    let listing = format!("Site scripts ({}): deploy-web, hello", scripts.display());
    for help in ["--help", "-h"] {
        env.sandbox(&[help])
            .success()
            .stdout_has(&listing)
            .stdout_has("`zmgr scripts` lists them");
    }
}

#[test]
fn a_script_named_like_a_built_in_verb_never_runs_and_scripts_says_so() {
    let env = sandbox();
    let marker = "print(\"THE SCRIPT RAN\");\n";
    let list = site_script(&env, "list", marker);
    let run = site_script(&env, "run", marker);
    let help = site_script(&env, "help", marker);
    site_script(&env, "hello", marker);

    let listed = env.sandbox(&["list"]);
    listed
        .success()
        .stdout_is("NAME  STATE  BRAND  TEMPLATE  ADDRESS  POOL\n")
        .check(!listed.stderr().contains("THE SCRIPT RAN"), "list.rhai ran");
    let help_run = env.sandbox(&["help"]);
    help_run
        .success()
        .check(
            !help_run.stderr().contains("THE SCRIPT RAN"),
            "help.rhai ran",
        )
        .check(
            !help_run.stdout().contains("THE SCRIPT RAN"),
            "help.rhai ran",
        );
    // `zmgr run` still takes a file: run.rhai is not the verb.
    let other = work_script(&env, "other.rhai", "print(\"OTHER RAN\");\n");
    let r = env.sandbox(&["run", &other]);
    r.success()
        .stderr_has("OTHER RAN")
        .check(!r.stderr().contains("THE SCRIPT RAN"), "run.rhai ran");

    let scripts = env.sandbox(&["scripts"]);
    scripts.success();
    let out = scripts.stdout();
    for (name, path) in [("list", &list), ("run", &run), ("help", &help)] {
        scripts.check(
            out.contains(&format!(
                "{} (never runs: `{name}` is a built-in verb)",
                path.display()
            )),
            &format!("scripts does not say that {name}.rhai never runs"),
        );
    }
    scripts.check(
        out.lines()
            .any(|l| l.starts_with("hello ") && !l.contains("never runs")),
        "hello is not listed as a runnable script",
    );
    // Help names only the scripts that run.
    env.sandbox(&["--help"]).success().stdout_has(&format!(
        "Site scripts ({}): hello\n",
        env.path("scripts").display()
    ));
}

#[test]
fn an_unknown_verb_without_a_script_is_a_usage_error() {
    let env = sandbox();
    let before = env.invocations().len();
    let run = env.sandbox(&["nosuchverb", "a", "b"]);
    run.exit(2).stdout_is("");
    stderr_says(&run, &["unknown verb `nosuchverb`", "zmgr --help"]);
    assert_eq!(env.invocations().len(), before, "a tool ran");
}

#[test]
fn only_the_listed_scripts_are_verbs_not_paths_around_them() {
    let env = sandbox();
    // Files that `zmgr scripts` does not list: one beside the scripts folder, one in a
    // subfolder, one hidden.
    env.write("outside.rhai", "print(\"OUTSIDE RAN\");\n");
    env.write("scripts/sub/inner.rhai", "print(\"INNER RAN\");\n");
    env.write("scripts/.hidden.rhai", "print(\"HIDDEN RAN\");\n");
    env.sandbox(&["scripts"]).success().stdout_is(&format!(
        "no site scripts in {}\n",
        env.path("scripts").display()
    ));
    for (verb, marker) in [
        ("../outside", "OUTSIDE RAN"),
        ("sub/inner", "INNER RAN"),
        (".hidden", "HIDDEN RAN"),
    ] {
        let run = env.sandbox(&[verb]);
        run.check(
            !run.stderr().contains(marker),
            &format!("`zmgr {verb}` ran a script that is not a listed verb"),
        );
        run.exit(2).stderr_has("unknown verb");
    }
}

#[test]
fn script_api_prints_the_reference_that_docs_scripting_md_embeds() {
    let env = sandbox();
    let run = env.sandbox(&["script", "api"]);
    run.success();
    let api = run.stdout();
    for sig in [
        "- `zmgr::create(name: &str) -> Map`:",
        "- `zmgr::create(name: &str, options: Map) -> Map`: Creates a zone; options: template, pool, ip, nets (array of \"POOL\" or \"POOL=ADDRESS\", as `--net`), force_range (bool), vnic, no_boot (bool)",
        "- `zmgr::zones() -> Array`:",
        "- `zmgr::allocate(pool: &str) -> String`:",
        "- `zmgr::release(pool: &str, address: &str)`:",
        "- `zmgr::abort(message: &str)`:",
        "- `write_file(path: &str, content: &str)`:",
        "- `zlogin(command: Array) -> String`:",
        "- `add_attr(name: &str, type: &str, value: &str)`:",
    ] {
        run.check(api.contains(sig), &format!("the reference lacks {sig:?}"));
    }
    let doc = include_str!("../../../../docs/scripting.md");
    let begin = "<!-- api reference: generated by `zmgr script api`; do not edit -->\n";
    let end = "<!-- end of api reference -->";
    let start = doc.find(begin).expect("the reference's start marker") + begin.len();
    let stop = doc.find(end).expect("the reference's end marker");
    assert_eq!(
        &doc[start..stop],
        api,
        "docs/scripting.md does not hold exactly the output of `zmgr script api`"
    );
}

#[test]
fn run_of_a_missing_file_names_it() {
    let env = sandbox();
    let missing = env.dir().join("work/nosuch.rhai");
    let run = env.sandbox(&["run", missing.to_str().unwrap()]);
    run.check(run.code() != 0, "run of a missing file succeeded")
        .stdout_is("");
    stderr_says(&run, &[&format!("cannot read {}", missing.display())]);
}

#[test]
fn a_script_named_without_a_folder_imports_from_the_current_folder() {
    let env = sandbox();
    // `zmgr run main.rhai` from the folder holding main.rhai and mylib.rhai (the harness
    // runs zmgr in the sandbox folder).
    std::fs::write(env.dir().join("mylib.rhai"), "fn f() { 40 + 2 }\n").unwrap();
    std::fs::write(
        env.dir().join("main.rhai"),
        "import \"mylib\" as m;\nprint(`answer ${m::f()}`);\n",
    )
    .unwrap();
    env.sandbox(&["run", "main.rhai"])
        .success()
        .stderr_has("answer 42\n");
}

#[test]
fn a_site_script_writes_its_result_to_stdout_with_zmgr_out() {
    let env = sandbox();
    site_script(
        &env,
        "report",
        "zmgr::out(\"zone,address\");\nprint(\"working\");\nzmgr::out(`web01,${ARGS[0]}`);\n",
    );
    let run = env.sandbox(&["report", "192.0.2.10"]);
    run.success()
        .stdout_is("zone,address\nweb01,192.0.2.10\n")
        .stderr_has("working\n");
}

#[test]
fn a_hook_cannot_write_to_the_verb_s_stdout() {
    let env = sandbox();
    one_hook(&env, "post-install", "out.rhai", "zmgr::out(\"noise\");\n");
    let run = env.sandbox(&["create", "z1", "-t", "t", "--json"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["zmgr::out writes a site script's output"]);
    assert_nothing_left(&env, "z1");
}

#[test]
fn help_of_a_site_script_is_its_leading_comment_and_runs_nothing() {
    let env = sandbox();
    let path = site_script(
        &env,
        "provision",
        "// Makes the zones of one role.\n//\n//     zmgr provision ROLE COUNT\n//\n// Each gets the next free address.\nzmgr::out(\"ran\");\n// not part of the help\n",
    );
    let want = format!(
        "zmgr provision: site script {}\n\nMakes the zones of one role.\n\n    zmgr provision ROLE COUNT\n\nEach gets the next free address.\n",
        path.display()
    );
    env.sandbox(&["help", "provision"])
        .success()
        .stdout_is(&want);
    env.sandbox(&["provision", "--help"])
        .success()
        .stdout_is(&want);
    env.sandbox(&["provision", "-h"]).success().stdout_is(&want);
    // A later --help is the script's own argument.
    env.sandbox(&["provision", "web", "--help"])
        .success()
        .stdout_has("ran");
    let bare = site_script(&env, "bare", "zmgr::out(\"ran\");\n");
    env.sandbox(&["help", "bare"]).success().stdout_is(&format!(
        "zmgr bare: site script {} (it has no leading // comment to describe it)\n",
        bare.display()
    ));
    // Built-in verbs keep their own help.
    env.sandbox(&["help", "list"])
        .success()
        .stdout_has("List the zones in the registry");
}

#[test]
fn minus_v_goes_after_a_verb_that_runs_commands_or_before_a_site_script() {
    let env = sandbox();
    // Before a built-in verb: refused, with where it goes.
    env.sandbox(&["-v", "create", "web01"])
        .exit(2)
        .stderr_has("-v before the verb is for site scripts")
        .stderr_has("zmgr create -v web01");
    // A verb that runs no command has no -v.
    env.sandbox(&["list", "-v"])
        .exit(2)
        .stderr_has("unexpected argument '-v'");
    assert!(
        !env.sandbox(&["list", "--help"])
            .stdout()
            .contains("--verbose")
    );
    // A site script streams what its calls run.
    site_script(&env, "make", "zmgr::create(\"web01\", #{no_boot: true});\n");
    env.sandbox(&["-v", "make"])
        .success()
        .stderr_has("Image: Preparing at");
    assert!(!env.system_zones().is_empty());
}
