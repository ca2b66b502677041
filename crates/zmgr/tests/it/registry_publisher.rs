//! `zmgr publisher add|remove`: new files that `check` accepts, and edits of existing files
//! that keep the person's comments and layout.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::harness::TestEnv;
use crate::registry_support::{diags, refused};

/// Every file but zmgr's private lock files, which any editing verb may create empty.
fn files(env: &TestEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    let private = env.path(".zmgr");
    let mut s = env.snapshot();
    s.retain(|p, _| !p.starts_with(&private));
    s
}

#[track_caller]
fn valid(env: &TestEnv, counts: &str) {
    env.zmgr(&["check"])
        .success()
        .stdout_is(&format!("{} is valid: {counts}\n", env.root().display()));
}

/// A publisher verb that must fail with exit 1 and change no file.
#[track_caller]
fn fails(env: &TestEnv, args: &[&str]) -> (String, Option<String>) {
    let before = files(env);
    let run = env.zmgr(args);
    run.exit(1).stdout_is("");
    assert!(before == files(env), "{args:?} changed files");
    let ds = diags(env, &run.stderr());
    assert_eq!(ds.len(), 1, "{ds:#?}");
    (ds[0].message.clone(), ds[0].help.clone())
}

#[test]
fn add_creates_a_file_that_check_accepts() {
    let env = TestEnv::initialised();
    env.zmgr(&[
        "publisher",
        "add",
        "example.com",
        "https://pkg.example.com/site",
        "http://mirror.example.com/site",
        "https://pkg.example.com/site",
    ])
    .success()
    .stdout_is("added publisher example.com\n");
    assert_eq!(
        env.read("publishers/example.com.kdl"),
        "publisher \"example.com\" {\n    origin \"https://pkg.example.com/site\"\n    origin \"http://mirror.example.com/site\"\n}\n"
    );
    valid(&env, "2 templates, 1 pool, 0 zones, 2 publishers");
    env.zmgr(&["publisher", "list", "-p", "-o", "name,origins"])
        .success()
        .stdout_is(
            "example.com:https\\://pkg.example.com/site,http\\://mirror.example.com/site\nopenindiana.org:https\\://pkg.openindiana.org/hipster\n",
        );
}

#[test]
fn add_creates_the_publishers_folder_when_missing() {
    let env = TestEnv::initialised();
    std::fs::remove_file(env.path("publishers/openindiana.org.kdl")).unwrap();
    std::fs::remove_dir(env.path("publishers")).unwrap();
    env.zmgr(&[
        "publisher",
        "add",
        "openindiana.org",
        "https://pkg.openindiana.org/hipster",
    ])
    .success()
    .stdout_is("added publisher openindiana.org\n");
    valid(&env, "2 templates, 1 pool, 0 zones, 1 publisher");
}

const SITE: &str = "\
// Our site's packages. Keep this comment.
publisher \"site\" {
  // primary, in the rack
  origin \"https://pkg.example.org/site\"   // fast

  mirror \"https://m.example.org/site\"
  // more origins go here
}
// end of file
";

#[test]
fn add_to_an_existing_publisher_keeps_its_comments_and_layout() {
    let env = TestEnv::initialised();
    env.write("publishers/site.kdl", SITE);
    env.zmgr(&[
        "publisher",
        "add",
        "site",
        "https://pkg2.example.org/site",
        "file:///srv/repo",
    ])
    .success()
    .stdout_is(
        "added origin https://pkg2.example.org/site to publisher site\nadded origin file:///srv/repo to publisher site\n",
    );
    let after = env.read("publishers/site.kdl");
    let added = [
        "  origin \"https://pkg2.example.org/site\"",
        "  origin \"file:///srv/repo\"",
    ];
    // The new lines, indented like their siblings, in the order given...
    let new: Vec<&str> = after
        .lines()
        .filter(|l| !SITE.lines().any(|o| o == *l))
        .collect();
    assert_eq!(new, added, "{after}");
    // ...and without them, the file is what it was, byte for byte.
    let rest: String = after
        .split_inclusive('\n')
        .filter(|l| !added.contains(&l.trim_end_matches('\n')))
        .collect();
    assert_eq!(rest, SITE);
    valid(&env, "2 templates, 1 pool, 0 zones, 2 publishers");
    env.zmgr(&["publisher", "show", "site", "-o", "origins"])
        .success()
        .stdout_is(
            "origins:  https://pkg.example.org/site,https://pkg2.example.org/site,file:///srv/repo\n",
        );
}

#[test]
fn add_keeps_crlf_line_endings() {
    let env = TestEnv::initialised();
    let text = "// Edited on Windows.\r\npublisher \"site\" {\r\n\torigin \"https://a.example.org/\"\r\n}\r\n";
    env.write("publishers/site.kdl", text);
    env.zmgr(&["publisher", "add", "site", "https://c.example.org/"])
        .success();
    assert_eq!(
        env.read("publishers/site.kdl"),
        "// Edited on Windows.\r\npublisher \"site\" {\r\n\torigin \"https://a.example.org/\"\r\n\torigin \"https://c.example.org/\"\r\n}\r\n"
    );
}

#[test]
fn adding_origins_already_present_changes_nothing() {
    let env = TestEnv::initialised();
    env.write("publishers/site.kdl", SITE);
    let before = files(&env);
    env.zmgr(&["publisher", "add", "site", "https://pkg.example.org/site"])
        .success()
        .stdout_is("publisher site already has every given origin; nothing changed\n");
    assert!(before == files(&env), "files changed");
    // With one new origin among known ones, only the new one is added.
    env.zmgr(&[
        "publisher",
        "add",
        "site",
        "https://pkg.example.org/site",
        "https://new.example.org/",
    ])
    .success()
    .stdout_is("added origin https://new.example.org/ to publisher site\n");
    assert_eq!(
        env.read("publishers/site.kdl").matches("origin \"").count(),
        2,
        "{}",
        env.read("publishers/site.kdl")
    );
}

#[test]
fn remove_one_origin_keeps_the_other_comments() {
    let env = TestEnv::initialised();
    env.write(
        "publishers/site.kdl",
        "\
// Site publisher: keep this comment.
publisher \"site\" {
    origin \"https://a.example.org/\"

    // the backup origin
    origin \"https://b.example.org/\"   // slow

    // where mirrors would go
    mirror \"https://m.example.org/\"
}
",
    );
    env.zmgr(&["publisher", "remove", "site", "https://b.example.org/"])
        .success()
        .stdout_is("removed origin https://b.example.org/ from publisher site\n");
    // The origin goes with its own comment lines; everything else stays as written.
    assert_eq!(
        env.read("publishers/site.kdl"),
        "\
// Site publisher: keep this comment.
publisher \"site\" {
    origin \"https://a.example.org/\"

    // where mirrors would go
    mirror \"https://m.example.org/\"
}
"
    );
    valid(&env, "2 templates, 1 pool, 0 zones, 2 publishers");
}

#[test]
fn remove_one_of_two_origins_on_one_line() {
    let env = TestEnv::initialised();
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://a.example.org/\" \"https://b.example.org/\" // both\n}\n",
    );
    env.zmgr(&["publisher", "remove", "site", "https://a.example.org/"])
        .success();
    assert_eq!(
        env.read("publishers/site.kdl"),
        "publisher \"site\" {\n    origin \"https://b.example.org/\" // both\n}\n"
    );
}

#[test]
fn removing_the_last_origin_is_refused() {
    let env = TestEnv::initialised();
    let (message, help) = fails(
        &env,
        &[
            "publisher",
            "remove",
            "openindiana.org",
            "https://pkg.openindiana.org/hipster",
        ],
    );
    assert_eq!(
        message,
        "removing https://pkg.openindiana.org/hipster would leave publisher `openindiana.org` without an origin"
    );
    assert_eq!(
        help.as_deref(),
        Some("to remove the publisher itself, run `zmgr publisher remove openindiana.org`")
    );
    // Every origin at once is the same thing.
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://a.example.org/\"\n    origin \"https://b.example.org/\"\n}\n",
    );
    let (message, _) = fails(
        &env,
        &[
            "publisher",
            "remove",
            "site",
            "https://b.example.org/",
            "https://a.example.org/",
        ],
    );
    assert_eq!(
        message,
        "removing https://b.example.org/, https://a.example.org/ would leave publisher `site` without an origin"
    );
}

#[test]
fn removing_an_origin_that_is_not_there_is_refused() {
    let env = TestEnv::initialised();
    let (message, help) = fails(
        &env,
        &[
            "publisher",
            "remove",
            "openindiana.org",
            "https://elsewhere.example.org/",
        ],
    );
    assert_eq!(
        message,
        "publisher `openindiana.org` has no origin https://elsewhere.example.org/"
    );
    assert_eq!(
        help.as_deref(),
        Some("its origins are: https://pkg.openindiana.org/hipster")
    );
    let (message, _) = fails(&env, &["publisher", "remove", "nosuch"]);
    assert_eq!(message, "publisher `nosuch` is not in the registry");
}

#[test]
fn remove_publisher_refused_while_templates_use_it() {
    let env = TestEnv::initialised();
    env.zmgr(&["publisher", "add", "site", "https://pkg.example.org/"])
        .success();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    publisher \"site\"\n    publisher \"openindiana.org\"\n}\n",
    );
    env.write(
        "templates/db.kdl",
        "template \"db\" {\n    brand \"ipkg\"\n    publisher \"site\"\n}\n",
    );
    let (message, help) = fails(&env, &["publisher", "remove", "site"]);
    assert_eq!(message, "publisher `site` is used by templates db, web");
    assert_eq!(
        help.as_deref(),
        Some("remove it from those templates first")
    );

    env.write(
        "templates/db.kdl",
        "template \"db\" {\n    brand \"ipkg\"\n}\n",
    );
    let (message, _) = fails(&env, &["publisher", "remove", "site"]);
    assert_eq!(message, "publisher `site` is used by template web");

    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    publisher \"openindiana.org\"\n}\n",
    );
    env.zmgr(&["publisher", "remove", "site"])
        .success()
        .stdout_is("removed publisher site\n");
    assert!(!env.path("publishers/site.kdl").exists());
    valid(&env, "4 templates, 1 pool, 0 zones, 1 publisher");
}

#[test]
fn bad_names_and_uris_are_refused_and_nothing_is_written() {
    let env = TestEnv::initialised();
    let name_rule =
        "may only hold letters, digits, `.`, `-` and `_`, starting with a letter or digit";
    for (args, message) in [
        (
            vec!["--", "-x", "https://a.example.org/"],
            format!("publisher name `-x` {name_rule}"),
        ),
        (
            vec!["a/b", "https://a.example.org/"],
            format!("publisher name `a/b` {name_rule}"),
        ),
        (
            vec!["a=b", "https://a.example.org/"],
            format!("publisher name `a=b` {name_rule}"),
        ),
        (
            vec!["", "https://a.example.org/"],
            "a publisher name cannot be empty".to_string(),
        ),
        (
            vec!["site", "pkg.example.org/site"],
            "`pkg.example.org/site` is not a URI".to_string(),
        ),
        (
            vec!["site", "https://a.example.org/", "ftp://a.example.org/"],
            "`ftp://a.example.org/` uses the scheme ftp; IPS origins are http, https or file URIs"
                .to_string(),
        ),
        (
            vec!["site", "https://"],
            "`https://` has no host".to_string(),
        ),
        (
            vec!["site", "https://a.example.org/\"x"],
            "`https://a.example.org/\"x` contains '\"'".to_string(),
        ),
        (
            vec!["openindiana.org", "https://a.example.org/ x"],
            "`https://a.example.org/ x` contains ' '".to_string(),
        ),
    ] {
        let mut all = vec!["publisher", "add"];
        all.extend(&args);
        let (_, ds) = refused(&env, &all);
        assert_eq!(ds.len(), 1, "{all:?}: {ds:#?}");
        assert_eq!(ds[0].message, message, "{all:?}");
        assert!(
            !env.root().join(".zmgr/registry.lock").exists(),
            "{all:?} took the lock"
        );
    }
    // No origin at all is a usage error too.
    let before = env.snapshot();
    env.zmgr(&["publisher", "add", "site"]).exit(2);
    assert!(before == env.snapshot());
}
