//! init, check and the read-only verbs over registries written by hand.

use crate::harness::TestEnv;

#[test]
fn init_writes_a_valid_tree_and_is_idempotent() {
    let env = TestEnv::new();
    env.zmgr(&["init"]).success().stdout_has(
        "created $ROOT"
            .replace("$ROOT", env.root().join("config.kdl").to_str().unwrap())
            .as_str(),
    );
    let before = env.snapshot();
    env.zmgr(&["init"]).success().check(
        !env.zmgr(&["init"]).stdout().contains("created"),
        "second init creates nothing",
    );
    assert_eq!(before, env.snapshot(), "init run twice changed files");
    env.zmgr(&["check"]).success().stdout_is(&format!(
        "{} is valid: 2 templates, 1 pool, 0 zones, 1 publisher\n",
        env.root().display()
    ));
}

#[test]
fn list_without_registry_suggests_init() {
    let env = TestEnv::new();
    let run = env.zmgr(&["list"]);
    run.exit(2)
        .stderr_has("no zmgr registry at")
        .stderr_has("run `zmgr init`");
    assert!(!env.root().exists());
}

#[test]
fn unknown_node_names_file_line_and_suggestion() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brnad \"ipkg\"\n}\n",
    );
    let run = env.zmgr(&["check"]);
    run.exit(2);
    let err = env.normalise(&run.stderr());
    assert!(err.contains("× unknown node `brnad`"), "{err}");
    assert!(
        err.contains("[$DIR/etc/zmgr/templates/web.kdl:2:5]"),
        "{err}"
    );
    assert!(err.contains("did you mean `brand`?"), "{err}");
    assert!(err.contains("`template` has no `brand`"), "{err}");
}
