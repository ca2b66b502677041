//! The value grammars as `check` applies them: each refused value is reported with its file,
//! line and column, and the message names the value. The rules themselves are unit-tested
//! beside them (model/names.rs, template.rs, publisher.rs, zonecfg_value.rs); these tests
//! go through the registry, the way every verb reads it.

use super::Reg;
use crate::model::publisher::uri_error;
use crate::model::template::package_error;
use crate::model::zonecfg_value::complex_value_error;
use crate::store::registry::Registry;

/// `check`'s errors for the registry: `path:line:col: message`, paths relative to the root,
/// sorted.
fn errors(reg: &Reg) -> Vec<String> {
    let (_, problems) = Registry::check(reg.root()).unwrap();
    let root = format!("{}/", reg.root().display());
    let mut v: Vec<String> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| {
            format!(
                "{}: {}",
                p.position().unwrap_or_default().replace(&root, ""),
                p.message()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn shell_and_glob_characters_are_no_package_name() {
    for bad in [
        "a$(id)b", "a|b", "*", "web/*", "a;b", "a`b`", "a&b", "a>b", "{a,b}",
    ] {
        assert!(package_error(bad).is_some(), "{bad}");
    }
    for bad in ["/web", "web//x", "web/", "pkg:/", "vim@1.01", "vim@x"] {
        assert!(package_error(bad).is_some(), "{bad}");
    }
}

#[test]
fn origins_are_urls_with_a_closed_ipv6_literal_and_a_real_port() {
    for bad in [
        "http://[::1",
        "http://[::1]:65536/",
        "http://host:0/",
        "http://user@host/",
        "http://host/$(reboot)",
        "http://host/a\u{1b}b",
    ] {
        assert!(uri_error(bad).is_some(), "{bad}");
    }
}

#[test]
fn list_brackets_are_refused_inside_complex_values() {
    for bad in ["[", "]", "[2000]", "a]b"] {
        assert!(complex_value_error(bad).is_some(), "{bad}");
    }
}

#[test]
fn check_reports_each_refused_value_at_its_place() {
    let reg = Reg::new();
    reg.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    packages \"editor/vim\" \"a|b\"\n    zonecfg {\n        resource \"rctl\" {\n            name \"zone.max-lwps\"\n            value priv=\"privileged\" limit=\"[1]\" action=\"deny\"\n        }\n    }\n}\n",
    );
    reg.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"http://[::1\"\n}\n",
    );
    reg.write(
        "zones/web01.kdl",
        "zone \"web01\" {\n    brand \"ip;kg\"\n    zonepath \"/zones/web01\\t\"\n    state \"installed\"\n}\n",
    );
    assert_eq!(
        errors(&reg),
        [
            "publishers/site.kdl:2:12: `http://[::1` opens an IPv6 address with `[` and never closes it",
            "templates/web.kdl:3:27: package `a|b` contains '|', which no IPS package name has",
            "templates/web.kdl:7:37: value \"[1]\" contains '[', which zonecfg cannot take inside ( … )",
            "zones/web01.kdl:2:11: brand name `ip;kg` contains `;` at position 3; use letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            "zones/web01.kdl:3:14: zonepath `/zones/web01\\t` contains a tab, which zonecfg cannot take",
        ]
    );
}
