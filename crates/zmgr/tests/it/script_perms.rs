//! Scripts run as root, so a script, its folder or a template with hooks that someone else
//! could have changed is refused with the reason, and nothing of it runs.

use std::path::Path;

use crate::harness::{Run, TestEnv};
use crate::script_support::*;

/// A site script that would make a zone and say so.
const MAKES_A_ZONE: &str =
    "zmgr::create(\"p1\", #{ no_boot: true });\nprint(\"SCRIPT\" + \"RAN\");\n";

/// Asserts that `run` refused `path` for being writable by `who`, and that nothing ran.
#[track_caller]
fn refused(env: &TestEnv, run: &Run, before: usize, path: &Path, who: &str) {
    run.check(run.code() != 0, "the refused script ran");
    stderr_says(
        run,
        &[
            &format!("refusing {} is writable by {who}", path.display()),
            "chmod go-w",
        ],
    );
    run.check(!run.stderr().contains("SCRIPTRAN"), "the script ran");
    assert_eq!(changes_since(env, before), Vec::<String>::new());
    assert_eq!(registry_zones(env), Vec::<String>::new());
}

#[test]
fn a_group_or_world_writable_site_script_is_refused() {
    for (bits, who) in [(0o020, "its group"), (0o002, "others"), (0o022, "others")] {
        let env = sandbox();
        let file = site_script(&env, "make", MAKES_A_ZONE);
        add_mode(&file, bits);
        let before = env.invocations().len();
        let run = env.sandbox(&["make"]);
        run.exit(1);
        refused(&env, &run, before, &file, who);
        let run = run_script(&env, file.to_str().unwrap(), &[]);
        run.exit(1);
        refused(&env, &run, before, &file, who);
    }
}

#[test]
fn a_writable_script_folder_is_refused() {
    let env = sandbox();
    site_script(&env, "make", MAKES_A_ZONE);
    let folder = env.path("scripts");
    add_mode(&folder, 0o002);
    let before = env.invocations().len();
    let run = env.sandbox(&["make"]);
    run.exit(1);
    refused(&env, &run, before, &folder, "others");

    let other = work_script(&env, "make.rhai", MAKES_A_ZONE);
    let work = Path::new(&other).parent().unwrap().to_path_buf();
    add_mode(&work, 0o020);
    let run = run_script(&env, &other, &[]);
    run.exit(1);
    refused(&env, &run, before, &work, "its group");
}

#[test]
fn a_script_owned_by_another_user_is_refused() {
    let env = sandbox();
    let file = site_script(&env, "make", MAKES_A_ZONE);
    std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
    let before = env.invocations().len();
    let run = env.sandbox(&["make"]);
    run.exit(1);
    stderr_says(
        &run,
        &[&format!(
            "refusing {} is owned by another user (owner uid 65534",
            file.display()
        )],
    );
    run.check(!run.stderr().contains("SCRIPTRAN"), "the script ran");
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
}

#[test]
fn a_writable_module_is_refused_at_import() {
    let env = sandbox();
    let lib = site_script(
        &env,
        "lib",
        "print(\"MODULE\" + \"LOADED\");\nfn f() { 1 }\n",
    );
    add_mode(&lib, 0o002);
    let main = site_script(
        &env,
        "main",
        "let x = 1;\nimport \"lib\" as lib;\nprint(lib::f());\n",
    );
    let run = env.sandbox(&["main"]);
    run.exit(1);
    stderr_says(
        &run,
        &[&format!("refusing {} is writable by others", lib.display())],
    );
    points_at(&run, &main, 2);
    run.check(!run.stderr().contains("MODULELOADED"), "the module ran");
}

#[test]
fn check_reports_writable_scripts_templates_and_hooks() {
    let env = sandbox();
    let file = site_script(&env, "make", MAKES_A_ZONE);
    add_mode(&file, 0o020);
    let hook = one_hook(&env, "post-install", "h.rhai", "info(\"hi\");\n");
    add_mode(&hook, 0o002);
    let before = env.invocations();
    let run = env.sandbox(&["check"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            &format!("refusing {} is writable by its group", file.display()),
            &format!("refusing {} is writable by others", hook.display()),
        ],
    );
    assert_eq!(env.invocations(), before, "check ran a tool");

    // A template with hooks is a script too: its hooks could be swapped.
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    env.sandbox(&["check"]).success();
    let template = env.path("templates/t.kdl");
    add_mode(&template, 0o020);
    let run = env.sandbox(&["check"]);
    run.exit(2);
    stderr_says(
        &run,
        &[&format!(
            "refusing {} is writable by its group",
            template.display()
        )],
    );
}

#[test]
fn a_writable_template_with_hooks_is_refused_before_anything_changes() {
    let env = sandbox();
    one_hook(
        &env,
        "post-install",
        "h.rhai",
        "info(\"HOOK\" + \"RAN\");\n",
    );
    let template = env.path("templates/t.kdl");
    add_mode(&template, 0o002);
    let before = env.invocations().len();
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    // Refused as the registry is read, before anything runs: a registry problem.
    run.exit(2);
    stderr_says(
        &run,
        &[
            &format!("{} is writable by others", template.display()),
            "zmgr runs as root and takes only what root could have written",
        ],
    );
    run.check(!run.stderr().contains("HOOKRAN"), "the hook ran");
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_nothing_left(&env, "z1");

    // A template folder others can write is refused the same way.
    std::fs::set_permissions(
        &template,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let folder = env.path("templates");
    add_mode(&folder, 0o020);
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(2);
    stderr_says(
        &run,
        &[&format!("{} is writable by its group", folder.display())],
    );
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_writable_hook_or_hook_folder_is_refused_and_the_create_undone() {
    for folder in [false, true] {
        let env = sandbox();
        let hook = one_hook(
            &env,
            "post-install",
            "h.rhai",
            "info(\"HOOK\" + \"RAN\");\n",
        );
        let path = if folder {
            hook.parent().unwrap().to_path_buf()
        } else {
            hook.clone()
        };
        add_mode(&path, 0o020);
        let run = env.sandbox(&["create", "z1", "-t", "t"]);
        run.exit(1);
        stderr_says(
            &run,
            &[&format!(
                "refusing {} is writable by its group",
                path.display()
            )],
        );
        run.check(!run.stderr().contains("HOOKRAN"), "the hook ran");
        assert_nothing_left(&env, "z1");
    }
}

#[test]
fn a_writable_template_with_hooks_is_refused_by_dry_run() {
    let env = sandbox();
    one_hook(&env, "pre-install", "h.rhai", "info(\"HOOK\" + \"RAN\");\n");
    let template = env.path("templates/t.kdl");
    add_mode(&template, 0o020);
    let run = env.sandbox(&["create", "z1", "-t", "t", "--dry-run"]);
    run.check(run.code() != 0, "the dry run succeeded");
    stderr_says(
        &run,
        &[&format!("{} is writable by its group", template.display())],
    );
    run.check(!run.stderr().contains("HOOKRAN"), "the hook ran");
}

#[test]
fn a_script_or_hook_that_is_a_link_is_refused_even_to_a_file_root_could_trust() {
    // A link is how a file in a folder others can write gets swapped between a check and a
    // read: zmgr opens the named file itself, without following a link, and reads the handle
    // it checked.
    let env = sandbox();
    let real = work_script(&env, "real.rhai", MAKES_A_ZONE);
    let link = env.path("scripts/make.rhai");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = env.invocations().len();
    let run = env.sandbox(&["make"]);
    run.exit(1);
    stderr_says(
        &run,
        &[&format!("refusing {}: a symbolic link", link.display())],
    );
    run.check(!run.stderr().contains("SCRIPTRAN"), "the script ran");
    assert_eq!(changes_since(&env, before), Vec::<String>::new());

    let env = sandbox();
    let hook = one_hook(
        &env,
        "post-install",
        "h.rhai",
        "info(\"HOOK\" + \"RAN\");\n",
    );
    let real = work_script(&env, "h.rhai", "info(\"HOOK\" + \"RAN\");\n");
    std::fs::remove_file(&hook).unwrap();
    std::os::unix::fs::symlink(&real, &hook).unwrap();
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[&format!("refusing {}: a symbolic link", hook.display())],
    );
    run.check(!run.stderr().contains("HOOKRAN"), "the hook ran");
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_script_below_a_folder_others_can_write_is_refused() {
    // Not only the script's own folder: any folder above it lets others swap the path.
    let env = sandbox();
    let script = work_script(&env, "deep/er/make.rhai", MAKES_A_ZONE);
    let above = env.dir().join("work/deep");
    add_mode(&above, 0o002);
    let before = env.invocations().len();
    let run = run_script(&env, &script, &[]);
    run.exit(1);
    refused(&env, &run, before, &above, "others");
}
