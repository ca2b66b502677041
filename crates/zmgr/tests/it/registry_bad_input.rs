//! Bad input in registry files: every case gets a diagnostic naming the file (and line and
//! column where there is text to point at), exit status 2, no panic, and no file changed.

use crate::harness::TestEnv;
use crate::registry_support::{
    assert_diag, at, errors_line, messages, read_errors, refused, top, zone_entry,
};

/// A pool file whose `network` is on line 2, column 13, and `range` on line 4.
fn pool_text(name: &str, network: &str, more: &str) -> String {
    format!(
        "pool \"{name}\" {{\n    network \"{network}\"\n    stub \"stub0\"\n    range \"10.0.0.10\" \"10.0.0.20\"\n{more}}}\n"
    )
}

const VALID_ZONE_NET: &str = "net \"web01_0\" address=\"192.168.100.10/24\" pool=\"default\"";

// ---------------------------------------------------------------------------------------------
// Files that cannot be read

#[test]
fn unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::initialised();
    env.write(
        "zones/web01.kdl",
        zone_entry("web01", "running", VALID_ZONE_NET),
    );
    let path = env.path("zones/web01.kdl");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: mode 000 does not stop reads, so this case cannot happen here. The
        // dangling symlink and folder tests below cover unreadable files for every user.
        return;
    }
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].message,
        format!("cannot read {}: permission denied", at("zones/web01.kdl"))
    );
    assert_eq!(s, errors_line(1));
}

/// zmgr opens registry files without following links: a link (dangling or not) could point
/// anywhere, and whoever can swap it would choose what root reads.
#[test]
fn a_symlink_in_the_registry_is_not_followed() {
    let env = TestEnv::initialised();
    std::os::unix::fs::symlink(env.dir().join("nowhere.kdl"), env.path("zones/web01.kdl")).unwrap();
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].message,
        format!(
            "cannot read {}: a symbolic link, which zmgr does not follow in the registry",
            at("zones/web01.kdl")
        )
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn folder_named_like_a_registry_file() {
    let env = TestEnv::initialised();
    std::fs::create_dir_all(env.path("templates/web.kdl")).unwrap();
    let (ds, s) = read_errors(&env);
    assert_eq!(
        messages(&ds),
        [format!(
            "{} is a folder, but a template file was expected",
            at("templates/web.kdl")
        )]
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn config_kdl_that_is_a_folder() {
    let env = TestEnv::initialised();
    std::fs::remove_file(env.path("config.kdl")).unwrap();
    std::fs::create_dir(env.path("config.kdl")).unwrap();
    let (ds, _) = read_errors(&env);
    assert_eq!(
        messages(&ds),
        [format!("cannot read {}: is a directory", at("config.kdl"))]
    );
}

// ---------------------------------------------------------------------------------------------
// Binary garbage and empty files

#[test]
fn binary_file_points_at_its_first_bad_byte() {
    let env = TestEnv::initialised();
    // The start of an ELF file: NUL bytes are valid UTF-8, 0xff is the first invalid byte.
    env.write(
        "pools/blob.kdl",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\xff\xfe\x00\x01\x02",
    );
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        &format!("{} is not UTF-8 text", at("pools/blob.kdl")),
        "pools/blob.kdl:1:13",
        "invalid byte",
        Some("registry files are KDL text; was a binary file copied here?"),
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn invalid_byte_inside_a_valid_looking_file() {
    let env = TestEnv::initialised();
    env.write(
        "zones/web01.kdl",
        b"zone \"web01\" {\n    brand \"\xff\"\n}\n",
    );
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].position.as_deref(),
        Some(&*at("zones/web01.kdl:2:12"))
    );
    assert_eq!(
        ds[0].source,
        ["zone \"web01\" {", "    brand \"\u{fffd}\"", "}"]
    );
}

#[test]
fn nul_bytes_are_a_syntax_error_not_a_panic() {
    let env = TestEnv::initialised();
    env.write("zones/nul.kdl", b"\x00\x00\x00\x01\x02garbage\x00\n");
    let (ds, s) = read_errors(&env);
    assert!(!ds.is_empty());
    for d in &ds {
        assert!(d.message.starts_with("KDL syntax error: "), "{d:#?}");
        assert!(
            d.position
                .as_deref()
                .is_some_and(|p| p.starts_with(&at("zones/nul.kdl:1:"))),
            "{d:#?}"
        );
    }
    assert_eq!(s, errors_line(ds.len()));
}

#[test]
fn deeply_nested_garbage_is_a_diagnostic_not_a_crash() {
    let env = TestEnv::initialised();
    // A few hundred opening braces, as in a truncated minified file.
    env.write("zones/junk.kdl", "{".repeat(1000));
    let (ds, s) = read_errors(&env);
    assert!(!ds.is_empty());
    assert!(
        ds.iter().all(|d| d
            .position
            .as_deref()
            .is_some_and(|p| p.starts_with(&at("zones/junk.kdl:1:")))),
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(ds.len()));
}

#[test]
fn empty_and_comment_only_files() {
    let env = TestEnv::initialised();
    env.write("templates/empty.kdl", "");
    env.write("pools/blank.kdl", "\n   \n// nothing here yet\n");
    env.write("publishers/none.kdl", "");
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| (d.message.as_str(), d.position.as_deref(), d.help.as_deref()))
        .collect();
    let (t, p, u) = (
        at("templates/empty.kdl"),
        at("pools/blank.kdl"),
        at("publishers/none.kdl"),
    );
    assert_eq!(
        got,
        [
            (
                &*format!("{t} is empty"),
                Some(&*format!("{t}:1:1")),
                Some("expected a `template \"NAME\" { … }` node")
            ),
            (
                &*format!("{p} is empty"),
                Some(&*format!("{p}:1:1")),
                Some("expected a `pool \"NAME\" { … }` node")
            ),
            (
                &*format!("{u} is empty"),
                Some(&*format!("{u}:1:1")),
                Some("expected a `publisher \"NAME\" { … }` node")
            ),
        ]
    );
    assert_eq!(s, errors_line(3));
}

// ---------------------------------------------------------------------------------------------
// Duplicates and names

#[test]
fn duplicate_nodes_point_at_the_second_and_name_the_first_line() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    brand \"nlipkg\"\n    pool \"default\"\n}\n",
    );
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.0.0.0/24\"\n    stub \"stub0\"\n    network \"10.0.1.0/24\"\n    range \"10.0.0.10\" \"10.0.0.20\"\n}\n",
    );
    env.write(
        "zones/web01.kdl",
        "zone \"web01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web01\"\n    state \"running\"\n    state \"installed\"\n}\n",
    );
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        "duplicate `brand` node",
        "templates/web.kdl:3:5",
        "duplicate",
        Some("`brand` is already set on line 2; keep one of them"),
    );
    assert_diag(
        &ds[1],
        "duplicate `network` node",
        "pools/lan.kdl:4:5",
        "duplicate",
        Some("`network` is already set on line 2; keep one of them"),
    );
    assert_diag(
        &ds[2],
        "duplicate `state` node",
        "zones/web01.kdl:5:5",
        "duplicate",
        Some("`state` is already set on line 4; keep one of them"),
    );
    assert_eq!(
        ds[1].source[1], "    network \"10.0.1.0/24\"",
        "{:#?}",
        ds[1]
    );
    assert_eq!(s, errors_line(3));
}

#[test]
fn duplicate_setting_in_config_kdl() {
    let env = TestEnv::initialised();
    env.write(
        "config.kdl",
        "default-template \"ipkg\"\nzonepath-base \"/zones\"\ndefault-template \"nlipkg\"\n",
    );
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "duplicate `default-template` node",
        "config.kdl:3:1",
        "duplicate",
        Some("`default-template` is already set on line 1; keep one of them"),
    );
}

#[test]
fn two_zones_in_one_file() {
    let env = TestEnv::initialised();
    let text = format!(
        "{}{}",
        zone_entry("web01", "running", VALID_ZONE_NET),
        zone_entry("web02", "running", "net \"web02_0\"")
    );
    env.write("zones/web01.kdl", text);
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "unexpected top-level node `zone`");
    assert_eq!(ds[0].position.as_deref(), Some(&*at("zones/web01.kdl:8:1")));
    assert_eq!(
        ds[0].help.as_deref(),
        Some("a zone file holds one `zone` node; put settings inside its braces")
    );
}

#[test]
fn zone_file_named_for_another_zone() {
    let env = TestEnv::initialised();
    env.write("zones/a.kdl", zone_entry("b", "installed", "net \"b0\""));
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        &format!(
            "zone `b` is in {}, which is named for `a`",
            at("zones/a.kdl")
        ),
        "zones/a.kdl:1:6",
        "does not match the file name",
        Some("a zone named `b` lives in zones/b.kdl; rename the file or the zone"),
    );
    assert_eq!(s, errors_line(1));
    // Neither name is usable while the registry holds the error: `a` is the broken file,
    // and `b` is not found (`show` reads zones/b.kdl only), pointed at the file there is.
    refused(&env, &["show", "a"]);
    env.zmgr(&["show", "b"])
        .exit(1)
        .stderr_has("zone `b` is not in the registry")
        .stderr_has("did you mean `a`?");
}

#[test]
fn pool_file_named_for_another_pool() {
    let env = TestEnv::initialised();
    env.write("pools/lan.kdl", pool_text("wan", "10.0.0.0/24", ""));
    let (ds, _) = read_errors(&env);
    assert_eq!(
        messages(&ds),
        [format!(
            "pool `wan` is in {}, which is named for `lan`",
            at("pools/lan.kdl")
        )]
    );
    assert_eq!(ds[0].position.as_deref(), Some(&*at("pools/lan.kdl:1:6")));
}

// ---------------------------------------------------------------------------------------------
// The registry's own folders

#[test]
fn zones_folder_that_is_a_regular_file() {
    let env = TestEnv::initialised();
    std::fs::remove_dir(env.path("zones")).unwrap();
    env.write("zones", "zone \"web01\" {}\n");
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].message,
        format!(
            "{} is a file, but zmgr keeps zones in a folder there",
            at("zones")
        )
    );
    assert_eq!(
        ds[0].help.as_deref(),
        Some("move it aside and run `zmgr init` to recreate the folder zones")
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn missing_registry_root_suggests_init_and_creates_nothing() {
    let env = TestEnv::new();
    let root = at("");
    let root = root.trim_end_matches('/');
    for args in [
        &["list"][..],
        &["check"],
        &["show", "web01"],
        &["pool", "list"],
        &["template", "show", "ipkg"],
        &["publisher", "list"],
        &["publisher", "add", "site", "https://pkg.example.org/"],
        &["publisher", "remove", "openindiana.org"],
    ] {
        let (_, ds) = refused(&env, args);
        assert_eq!(ds.len(), 1, "{args:?}: {ds:#?}");
        assert_eq!(
            ds[0].message,
            format!("no zmgr registry at {root}"),
            "{args:?}"
        );
        assert_eq!(
            ds[0].help.as_deref(),
            Some(&*format!(
                "{root}: no such file or directory; run `zmgr init` to create one, or point --root / ZMGR_ROOT at an existing registry"
            )),
            "{args:?}"
        );
        assert!(!env.root().exists(), "{args:?} created the registry root");
    }
}

#[test]
fn registry_root_that_is_a_file() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.root().parent().unwrap()).unwrap();
    std::fs::write(env.root(), "not a folder\n").unwrap();
    let root = at("");
    let root = root.trim_end_matches('/');
    for args in [&["list"][..], &["check"], &["pool", "list"]] {
        let (_, ds) = refused(&env, args);
        assert_eq!(ds.len(), 1, "{args:?}: {ds:#?}");
        assert_eq!(ds[0].message, format!("no zmgr registry at {root}"));
        assert!(
            ds[0]
                .help
                .as_deref()
                .is_some_and(|h| h.starts_with(&format!("{root} is not a directory; "))),
            "{ds:#?}"
        );
    }
}

#[test]
fn registry_root_without_config_kdl() {
    let env = TestEnv::initialised();
    std::fs::remove_file(env.path("config.kdl")).unwrap();
    let (_, ds) = refused(&env, &["list"]);
    let root = at("");
    let root = root.trim_end_matches('/');
    assert_eq!(messages(&ds), [format!("no zmgr registry at {root}")]);
    assert!(
        ds[0]
            .help
            .as_deref()
            .is_some_and(|h| h.starts_with(&format!("{root} has no config.kdl; run `zmgr init`"))),
        "{ds:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// KDL syntax

#[test]
fn unclosed_brace() {
    let env = TestEnv::initialised();
    env.write("zones/web01.kdl", "zone \"web01\" {\n    brand \"ipkg\"\n");
    let (ds, s) = read_errors(&env);
    assert!(!ds.is_empty());
    assert_eq!(
        (ds[0].message.as_str(), ds[0].position.as_deref()),
        (
            "KDL syntax error: No closing '}' for child block",
            Some(&*at("zones/web01.kdl:1:14"))
        ),
        "{ds:#?}"
    );
    assert!(ds.iter().all(|d| d.message.starts_with("KDL syntax error")));
    assert_eq!(s, errors_line(ds.len()));
}

#[test]
fn unterminated_string() {
    let env = TestEnv::initialised();
    env.write(
        "zones/web01.kdl",
        "zone \"web01\" {\n    brand \"ipkg\n    state \"running\"\n}\n",
    );
    let (ds, _) = read_errors(&env);
    assert!(!ds.is_empty());
    assert_eq!(
        (ds[0].message.as_str(), ds[0].position.as_deref()),
        (
            "KDL syntax error: Unexpected newline in single-line quoted string",
            Some(&*at("zones/web01.kdl:2:11"))
        ),
        "{ds:#?}"
    );
    assert_eq!(ds[0].source[1], "    brand \"ipkg");
}

#[test]
fn kdl1_true_false_null_get_a_hint() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    autoboot true\n}\n",
    );
    env.write(
        "zones/web01.kdl",
        "zone \"web01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web01\"\n    state \"running\"\n    net \"web01_0\" vnic=false\n}\n",
    );
    env.write(
        "pools/lan.kdl",
        pool_text("lan", "10.0.0.0/24", "    description null\n"),
    );
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 3, "{ds:#?}");
    let hint =
        |v: &str| format!("KDL 2 writes booleans and null as #true, #false and #null: write #{v}");
    assert_diag(
        &ds[0],
        "`true` is not a KDL 2 value",
        "templates/web.kdl:3:14",
        "KDL 1 syntax",
        Some(&hint("true")),
    );
    assert_diag(
        &ds[1],
        "`null` is not a KDL 2 value",
        "pools/lan.kdl:5:17",
        "KDL 1 syntax",
        Some(&hint("null")),
    );
    assert_diag(
        &ds[2],
        "`false` is not a KDL 2 value",
        "zones/web01.kdl:5:24",
        "KDL 1 syntax",
        Some(&hint("false")),
    );
    assert_eq!(s, errors_line(3));
}

// ---------------------------------------------------------------------------------------------
// Unknown, missing and mistyped settings

#[test]
fn unknown_nodes_in_every_kind_of_file_with_suggestions() {
    let env = TestEnv::initialised();
    env.write(
        "config.kdl",
        "default-templat \"ipkg\"\nzonepath-base \"/zones\"\n",
    );
    env.write(
        "templates/db.kdl",
        "templat \"db\" {\n    brand \"ipkg\"\n}\n",
    );
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    zonecfg {\n        property \"bootarg\" \"-v\"\n    }\n    xyzzy 1\n}\n",
    );
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.0.0.0/24\"\n    stub \"stub0\"\n    rnage \"10.0.0.10\" \"10.0.0.20\"\n}\n",
    );
    env.write(
        "zones/web01.kdl",
        "zone \"web01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web01\"\n    stat \"running\"\n}\n",
    );
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    orign \"https://pkg.example.org/\"\n}\n",
    );
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap_or_default(),
                d.help.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let known_template_nodes = "expected one of: description, brand, autoboot, boot, ip-type, pool, nets, publisher, packages, zonecfg, hooks, clone-from";
    assert_eq!(
        got,
        [
            (
                "unknown node `default-templat`",
                at("config.kdl:1:1"),
                "did you mean `default-template`?"
            ),
            (
                "unknown top-level node `templat`",
                at("templates/db.kdl:1:1"),
                "did you mean `template`?"
            ),
            (
                "unknown node `xyzzy`",
                at("templates/web.kdl:6:5"),
                known_template_nodes
            ),
            (
                "unknown zonecfg property `bootarg`",
                at("templates/web.kdl:4:18"),
                "did you mean `bootargs`?"
            ),
            (
                "unknown node `rnage`",
                at("pools/lan.kdl:4:5"),
                "did you mean `range`?"
            ),
            (
                "`pool` has no `range`",
                at("pools/lan.kdl:1:1"),
                "add `range \"192.0.2.100\" \"192.0.2.199\"` inside the braces"
            ),
            (
                "unknown node `stat`",
                at("zones/web01.kdl:4:5"),
                "did you mean `state`?"
            ),
            (
                "`zone` has no `state`",
                at("zones/web01.kdl:1:1"),
                "add `state \"installed\"` inside the braces"
            ),
            (
                "unknown node `orign`",
                at("publishers/site.kdl:2:5"),
                "did you mean `origin`?"
            ),
            (
                "`publisher` has no `origin`",
                at("publishers/site.kdl:1:1"),
                "add `origin \"https://pkg.example.org/\"` inside the braces"
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(10));
}

#[test]
fn missing_values_and_names() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    description\n    packages\n}\n",
    );
    env.write("templates/db.kdl", "template {\n    brand \"ipkg\"\n}\n");
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    stub \"stub0\"\n    range \"10.0.0.10\" \"10.0.0.20\"\n}\n",
    );
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 4, "{ds:#?}");
    assert_diag(
        &ds[0],
        "`template` needs exactly one name",
        "templates/db.kdl:1:1",
        "expected one name",
        Some("write `template \"NAME\" { … }`"),
    );
    assert_diag(
        &ds[1],
        "`description` needs a value",
        "templates/web.kdl:3:5",
        "value missing",
        Some("write `description \"…\"`"),
    );
    assert_eq!(
        (ds[2].message.as_str(), ds[2].position.as_deref()),
        (
            "`packages` needs at least one value",
            Some(&*at("templates/web.kdl:4:5"))
        )
    );
    assert_diag(
        &ds[3],
        "`pool` has no `network`",
        "pools/lan.kdl:1:1",
        "`network` missing here",
        Some("add `network \"192.0.2.0/24\"` inside the braces"),
    );
    assert_eq!(s, errors_line(4));
}

#[test]
fn mistyped_values() {
    let env = TestEnv::initialised();
    env.write(
        "config.kdl",
        "default-template \"ipkg\"\nlock-wait \"ten\"\n",
    );
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand #true\n    autoboot \"true\"\n}\n",
    );
    env.write(
        "pools/lan.kdl",
        pool_text("lan", "10.0.0.0/24", "    gateway 10\n"),
    );
    env.write(
        "zones/web01.kdl",
        zone_entry("web01", "running", "net \"web01_0\" vnic=\"yes\""),
    );
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap_or_default(),
                d.labels.join("|"),
                d.help.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "`lock-wait` takes a number of seconds from 0 to 3600",
                at("config.kdl:2:11"),
                "invalid wait".to_string(),
                "write e.g. `lock-wait 10`"
            ),
            (
                "`brand` takes a string, not #true",
                at("templates/web.kdl:2:11"),
                "expected a string".to_string(),
                "quote the value: \"…\""
            ),
            (
                "`autoboot` takes #true or #false",
                at("templates/web.kdl:3:14"),
                "a string, not a boolean".to_string(),
                "write #true without quotes"
            ),
            (
                "`gateway` takes a string, not the number 10",
                at("pools/lan.kdl:5:13"),
                "expected a string".to_string(),
                "quote the value: \"…\""
            ),
            (
                "`vnic` takes #true or #false, not the string \"yes\"",
                at("zones/web01.kdl:6:19"),
                "expected a boolean".to_string(),
                ""
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(5));
}

// ---------------------------------------------------------------------------------------------
// Networks, addresses and ranges

#[test]
fn bad_networks() {
    let env = TestEnv::initialised();
    env.write("pools/p1.kdl", pool_text("p1", "10.0.0.0/33", ""));
    env.write("pools/p2.kdl", pool_text("p2", "10.0.0.5/24", ""));
    env.write("pools/p3.kdl", pool_text("p3", "10.0.0.0", ""));
    env.write("pools/p4.kdl", pool_text("p4", "2001:db8::1/64", ""));
    env.write("pools/p5.kdl", pool_text("p5", "lan", ""));
    let (ds, s) = read_errors(&env);
    assert_eq!(ds.len(), 6, "{ds:#?}");
    assert_eq!(
        (ds[0].message.as_str(), ds[0].position.as_deref()),
        (
            "network `10.0.0.0/33` has prefix length /33, longer than 32",
            Some(&*at("pools/p1.kdl:2:13"))
        )
    );
    assert_diag(
        &ds[1],
        "network 10.0.0.5/24 has host bits set",
        "pools/p2.kdl:2:13",
        "not a network address",
        Some("did you mean 10.0.0.0/24?"),
    );
    assert_diag(
        &ds[2],
        "network `10.0.0.0` is not a CIDR network",
        "pools/p3.kdl:2:13",
        "not a CIDR network",
        Some(
            "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64 the ranges were not checked against the network, which could not be read",
        ),
    );
    assert_diag(
        &ds[3],
        "network 2001:db8::1/64 has host bits set",
        "pools/p4.kdl:2:13",
        "not a network address",
        Some("did you mean 2001:db8::/64?"),
    );
    // The rest of p4 is still checked against the network it names.
    assert_eq!(
        ds[4].message,
        "address 10.0.0.10 is outside the pool's network 2001:db8::/64"
    );
    assert_diag(
        &ds[5],
        "network `lan` is not a CIDR network",
        "pools/p5.kdl:2:13",
        "not a CIDR network",
        Some(
            "add the prefix length, like 192.0.2.0/24 or 2001:db8::/64 the ranges were not checked against the network, which could not be read",
        ),
    );
    assert_eq!(ds[1].source[1], "    network \"10.0.0.5/24\"");
    assert_eq!(s, errors_line(6));
}

#[test]
fn cidr_with_too_long_prefix_says_what_is_wrong() {
    let env = TestEnv::initialised();
    env.write("pools/p1.kdl", pool_text("p1", "10.0.0.0/33", ""));
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    // The value is written in CIDR form; only its prefix length is wrong, as zone addresses
    // say ("has an invalid prefix length (0 to 32)").
    let text = format!("{} {}", ds[0].message, ds[0].help.as_deref().unwrap_or(""));
    assert!(text.contains("prefix length"), "{ds:#?}");
    assert!(text.contains("32"), "{ds:#?}");
}

#[test]
fn bad_addresses() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.0.0.0/24\"\n    gateway \"10.0.0.300\"\n    stub \"stub0\"\n    range \"10.0.0.10\" \"10.0.0.2x\"\n    reserve \"10.0.0.7/24\"\n}\n",
    );
    env.write(
        "zones/a.kdl",
        zone_entry("a", "running", "net \"a0\" address=\"192.168.100.300/24\""),
    );
    env.write(
        "zones/b.kdl",
        zone_entry("b", "running", "net \"b0\" address=\"10.0.0.1/33\""),
    );
    let (ds, s) = read_errors(&env);
    let ip_help = "write an IPv4 address like 192.0.2.10 or an IPv6 address like 2001:db8::10";
    assert_eq!(ds.len(), 5, "{ds:#?}");
    assert_diag(
        &ds[0],
        "gateway `10.0.0.300` is not an IP address",
        "pools/lan.kdl:3:13",
        "not an IP address",
        Some(ip_help),
    );
    assert_diag(
        &ds[1],
        "range end `10.0.0.2x` is not an IP address",
        "pools/lan.kdl:5:23",
        "not an IP address",
        Some(ip_help),
    );
    assert_diag(
        &ds[2],
        "reserved address `10.0.0.7/24` is not an IP address",
        "pools/lan.kdl:6:13",
        "not an IP address",
        Some("give the address without a prefix length"),
    );
    assert_diag(
        &ds[3],
        "`192.168.100.300/24` is not an IP address",
        "zones/a.kdl:6:14",
        "invalid address",
        None,
    );
    assert_diag(
        &ds[4],
        "`10.0.0.1/33` has an invalid prefix length (0 to 32)",
        "zones/b.kdl:6:14",
        "invalid address",
        None,
    );
    assert_eq!(s, errors_line(5));
}

#[test]
fn reversed_and_outside_ranges() {
    let env = TestEnv::initialised();
    let more = "    range \"10.0.0.90\" \"10.0.0.80\"\n    range \"10.0.1.5\" \"10.0.1.9\"\n    range \"10.0.0.250\" \"10.0.1.3\"\n    range \"10.0.0.30\" \"2001:db8::1\"\n    exclude \"10.0.3.0/28\"\n";
    env.write("pools/lan.kdl", pool_text("lan", "10.0.0.0/24", more));
    let (ds, s) = read_errors(&env);
    let outside_help = Some("10.0.0.0/24 holds 10.0.0.0 to 10.0.0.255");
    assert_eq!(ds.len(), 5, "{ds:#?}");
    assert_diag(
        &ds[0],
        "range starts at 10.0.0.90, after its end 10.0.0.80",
        "pools/lan.kdl:5:11",
        "reversed range",
        Some("write `range \"10.0.0.80\" \"10.0.0.90\"`"),
    );
    assert_diag(
        &ds[1],
        "range 10.0.0.30 to 2001:db8::1 mixes IPv4 and IPv6",
        "pools/lan.kdl:8:11",
        "mixed families",
        None,
    );
    assert_diag(
        &ds[2],
        "address 10.0.1.5 is outside the pool's network 10.0.0.0/24",
        "pools/lan.kdl:6:11",
        "outside the network",
        outside_help,
    );
    assert_diag(
        &ds[3],
        "address 10.0.1.3 is outside the pool's network 10.0.0.0/24",
        "pools/lan.kdl:7:11",
        "outside the network",
        outside_help,
    );
    assert_diag(
        &ds[4],
        "address 10.0.3.0 is outside the pool's network 10.0.0.0/24",
        "pools/lan.kdl:9:13",
        "outside the network",
        outside_help,
    );
    assert_eq!(s, errors_line(5));
}

#[test]
fn overlapping_ranges_in_one_pool() {
    let env = TestEnv::initialised();
    let more = "    range \"10.0.0.15\" \"10.0.0.30\"\n";
    env.write("pools/lan.kdl", pool_text("lan", "10.0.0.0/24", more));
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "range 10.0.0.15-10.0.0.30 overlaps range 10.0.0.10-10.0.0.20",
        "pools/lan.kdl:5:11",
        "overlapping range",
        Some("the other range is on line 4; ranges must not share addresses"),
    );
}

// ---------------------------------------------------------------------------------------------
// Template values that end up in zonecfg command files or on command lines

#[test]
fn zonecfg_injection_in_templates() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        r#"template "web" {
    brand "ipkg"
    pool "default"
    publisher "openindiana.org"
    zonecfg {
        property "bootargs" "-m verbose\"; add fs"
        property "limitpriv" "default\nset autoboot=true"
        attr "owner" "ops\" ; end"
        resource "fs" {
            dir "/data"
            special "tank/data\nadd net"
            type "lofs"
            options "ro" "nodevices\""
        }
        resource "rctl" {
            name "zone.max-lwps"
            value priv="privileged,(x)" limit=2000 action="deny"
        }
        resource "rctl" {
            name "zone.max-processes"
            value priv="privileged" limit=2000 action="deny)"
        }
    }
}
"#,
    );
    let (ds, s) = read_errors(&env);
    let quoted = "which zonecfg cannot take inside a quoted value";
    let complex = "which zonecfg cannot take inside ( … )";
    let got: Vec<_> = ds
        .iter()
        .map(|d| (d.message.clone(), d.position.clone().unwrap_or_default()))
        .collect();
    let want = [
        (
            format!(r#"value "-m verbose\"; add fs" contains a double quote, {quoted}"#),
            at("templates/web.kdl:6:29"),
        ),
        (
            format!(r#"value "default\nset autoboot=true" contains a newline, {quoted}"#),
            at("templates/web.kdl:7:30"),
        ),
        (
            format!(r#"value "ops\" ; end" contains a double quote, {quoted}"#),
            at("templates/web.kdl:8:22"),
        ),
        (
            format!(r#"value "tank/data\nadd net" contains a newline, {quoted}"#),
            at("templates/web.kdl:11:21"),
        ),
        (
            format!(r#"value "nodevices\"" contains a double quote, {quoted}"#),
            at("templates/web.kdl:13:26"),
        ),
        (
            format!(r#"value "privileged,(x)" contains ',', {complex}"#),
            at("templates/web.kdl:17:19"),
        ),
        (
            format!(r#"value "deny)" contains ')', {complex}"#),
            at("templates/web.kdl:21:48"),
        ),
    ];
    assert_eq!(got, want, "{ds:#?}");
    assert!(
        ds.iter()
            .all(|d| d.labels == ["cannot be written to zonecfg"]),
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(7));
}

#[test]
fn packages_that_look_like_options_and_hooks_outside_the_folder() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    packages \"web/server/nginx\" \"-rf\" \"pkg;reboot\"\n    hooks {\n        pre-install \"../evil.sh\"\n        post-install \"/etc/evil.sh\"\n        post-boot \"ok/../../x.sh\"\n    }\n}\n",
    );
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap_or_default(),
                d.labels.join("|"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "package `-rf` starts with `-` and would be read as an option",
                at("templates/web.kdl:3:33"),
                "invalid package".to_string()
            ),
            (
                "package `pkg;reboot` contains ';', which no IPS package name has",
                at("templates/web.kdl:3:39"),
                "invalid package".to_string()
            ),
            (
                "hook `../evil.sh` leaves the template's folder with `..`",
                at("templates/web.kdl:5:21"),
                "invalid hook path".to_string()
            ),
            (
                "hook `/etc/evil.sh` is an absolute path; give it relative to the template's folder",
                at("templates/web.kdl:6:22"),
                "invalid hook path".to_string()
            ),
            (
                "hook `ok/../../x.sh` leaves the template's folder with `..`",
                at("templates/web.kdl:7:19"),
                "invalid hook path".to_string()
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(5));
}

// ---------------------------------------------------------------------------------------------
// Zone entries and publishers

#[test]
fn bad_zone_entries() {
    let env = TestEnv::initialised();
    env.write("zones/a.kdl", zone_entry("a", "runing", "net \"a0\""));
    env.write(
        "zones/b.kdl",
        "zone \"b\" {\n    brand \"ipkg\"\n    zonepath \"/zones/b\"\n    state \"installed\"\n    created \"yesterday\"\n}\n",
    );
    env.write(
        "zones/c.kdl",
        "zone \"c\" {\n    brand \"ipkg\"\n    zonepath \"/zones/c\"\n    state \"installed\"\n    created \"2026-02-30T10:00:00Z\"\n}\n",
    );
    env.write("zones/d.kdl", zone_entry("d", "running", "net \"web-01\""));
    env.write("zones/e.kdl", zone_entry("e", "running", "net \"vnic01\""));
    env.write(
        "zones/SUNWx.kdl",
        zone_entry("SUNWx", "running", "net \"s0\""),
    );
    env.write(
        "zones/global.kdl",
        zone_entry("global", "running", "net \"g0\""),
    );
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap_or_default(),
                d.labels.join("|"),
                d.help.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let rfc = "write it like \"2026-11-25T20:36:37Z\"";
    assert_eq!(
        got,
        [
            (
                "zone name `SUNWx` starts with SUNW, which illumos reserves",
                at("zones/SUNWx.kdl:1:6"),
                "invalid zone name".to_string(),
                ""
            ),
            (
                "unknown zone state `runing`",
                at("zones/a.kdl:5:11"),
                "unknown zone state".to_string(),
                "did you mean `running`?"
            ),
            (
                "created time `yesterday` is not an RFC 3339 UTC time",
                at("zones/b.kdl:5:13"),
                "invalid time".to_string(),
                rfc
            ),
            (
                "created time `2026-02-30T10:00:00Z` is not an RFC 3339 UTC time",
                at("zones/c.kdl:5:13"),
                "invalid time".to_string(),
                rfc
            ),
            (
                "link name `web-01` contains `-` at position 4; use letters, digits, `_` and `.`, not starting with a digit",
                at("zones/d.kdl:6:9"),
                "invalid link name".to_string(),
                ""
            ),
            (
                "link name `vnic01` ends in a number with a leading zero, which dladm refuses",
                at("zones/e.kdl:6:9"),
                "invalid link name".to_string(),
                ""
            ),
            (
                "`global` is the global zone's name and cannot be used",
                at("zones/global.kdl:1:6"),
                "invalid zone name".to_string(),
                ""
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(7));
}

#[test]
fn publisher_origins_that_are_not_uris() {
    let env = TestEnv::initialised();
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"pkg.example.org/site\"\n    origin \"ftp://pkg.example.org/\"\n    mirror \"https://\"\n}\n",
    );
    let (ds, s) = read_errors(&env);
    let help = "write an http, https or file URI, like \"https://pkg.openindiana.org/hipster\"";
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        "`pkg.example.org/site` is not a URI",
        "publishers/site.kdl:2:12",
        "invalid URI",
        Some(help),
    );
    assert_diag(
        &ds[1],
        "`ftp://pkg.example.org/` uses the scheme ftp; IPS origins are http, https or file URIs",
        "publishers/site.kdl:3:12",
        "invalid URI",
        Some(help),
    );
    assert_diag(
        &ds[2],
        "`https://` has no host",
        "publishers/site.kdl:4:12",
        "invalid URI",
        Some(help),
    );
    assert_eq!(s, errors_line(3));
}

// ---------------------------------------------------------------------------------------------
// Positions

#[test]
fn columns_count_characters_not_bytes() {
    let env = TestEnv::initialised();
    // `brnad` is the 31st character of line 2 but its 34th byte.
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    description \"café — web\"; brnad \"ipkg\"\n    brand \"ipkg\"\n}\n",
    );
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "unknown node `brnad`");
    assert_eq!(
        ds[0].position.as_deref(),
        Some(&*at("templates/web.kdl:2:31"))
    );
}

#[test]
fn positions_are_the_same_for_files_outside_the_plain_subset() {
    let env = TestEnv::initialised();
    // A block comment and a slashdash make the reader fall back to the full KDL parser.
    env.write(
        "zones/web01.kdl",
        "zone \"web01\" { /* made by hand */\n    brand \"ipkg\"\n    /-template \"old\"\n    zonepath \"/zones/web01\"\n    state \"runing\"\n}\n",
    );
    let (ds, _) = read_errors(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "unknown zone state `runing`",
        "zones/web01.kdl:5:11",
        "unknown zone state",
        Some("did you mean `running`?"),
    );
}

// ---------------------------------------------------------------------------------------------
// Many problems at once

#[test]
fn problems_in_several_files_are_reported_together_in_a_stable_order() {
    let env = TestEnv::initialised();
    env.write(
        "config.kdl",
        "default-template \"ipkg\"\nzonepath-base \"zones\"\n",
    );
    env.write(
        "templates/b.kdl",
        "template \"b\" {\n    brand \"ipkg\"\n    autoboot true\n}\n",
    );
    env.write(
        "templates/a.kdl",
        "template \"a\" {\n    brnad \"ipkg\"\n}\n",
    );
    env.write("pools/z.kdl", pool_text("z", "10.0.0.5/24", ""));
    env.write(
        "zones/web01.kdl",
        zone_entry("web01", "runing", VALID_ZONE_NET),
    );
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"ftp://pkg.example.org/\"\n}\n",
    );
    let (ds, s) = read_errors(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| (d.message.as_str(), d.position.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "zonepath-base `zones` is not an absolute path below /",
                at("config.kdl:2:15")
            ),
            ("unknown node `brnad`", at("templates/a.kdl:2:5")),
            ("`template` has no `brand`", at("templates/a.kdl:1:1")),
            ("`true` is not a KDL 2 value", at("templates/b.kdl:3:14")),
            (
                "network 10.0.0.5/24 has host bits set",
                at("pools/z.kdl:2:13")
            ),
            ("unknown zone state `runing`", at("zones/web01.kdl:5:11")),
            (
                "`ftp://pkg.example.org/` uses the scheme ftp; IPS origins are http, https or file URIs",
                at("publishers/site.kdl:2:12")
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(7));
    assert_eq!(top(&ds).len(), 7);
    // The same registry gives the same report, byte for byte, on every run.
    let first = env.zmgr(&["check"]).stderr();
    for _ in 0..3 {
        assert_eq!(env.zmgr(&["check"]).stderr(), first);
    }
}
