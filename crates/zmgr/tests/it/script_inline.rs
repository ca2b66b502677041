//! Hooks written inline in the template, as raw strings.

use crate::lifecycle_support::{flat, sandbox};

fn inline_template(code_pre: &str, code_post: &str) -> String {
    format!(
        "template \"t\" {{\n    brand \"ipkg\"\n    autoboot #true\n    pool \"default\"\n    publisher \"openindiana.org\"\n    hooks {{\n        pre-install code=#\"{code_pre}\"#\n        post-install code=#\"\"\"\n{code_post}\n\"\"\"#\n    }}\n}}\n"
    )
}

#[test]
fn inline_hooks_run_in_the_create_and_show_in_the_dry_run() {
    let env = sandbox();
    env.write(
        "templates/t.kdl",
        inline_template(
            "add_package(\"editor/vim\");",
            "write_file(\"/etc/motd\", `zone ${ZONE.name} at ${ZONE.address}`);",
        ),
    );
    env.sandbox(&["check"]).success();
    let plan = env.sandbox(&["create", "i1", "-t", "t", "--dry-run"]);
    plan.success().stdout_has("-e editor/vim");
    env.sandbox(&["create", "i1", "-t", "t"]).success();
    let motd = env.dir().join("zones/i1/root/etc/motd");
    assert_eq!(
        std::fs::read_to_string(motd).unwrap(),
        "zone i1 at 192.0.2.10"
    );
    env.sandbox(&["template", "show", "t", "-o", "name"])
        .success()
        .stdout_is("name:  t\n");
}

#[test]
fn an_error_in_inline_code_names_the_template_and_the_hook_point() {
    let env = sandbox();
    env.write(
        "templates/t.kdl",
        inline_template(
            "add_package(\"editor/vim\");",
            "let n = 1;\nwrite_fil(\"/x\", \"y\");",
        ),
    );
    let before = env.invocations();
    let run = env.sandbox(&["check"]);
    run.exit(2);
    let err = flat(&run.stderr());
    assert!(err.contains("write_fil() is not a known function"), "{err}");
    assert!(
        err.contains("templates/t.kdl (post-install code):2:1"),
        "{err}"
    );
    assert!(err.contains("did you mean write_file()?"), "{err}");
    assert_eq!(env.invocations(), before, "check ran a tool");
}
