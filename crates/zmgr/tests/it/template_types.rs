//! A template's zonecfg settings are checked by type when the template is read: `check`
//! reports every value zonecfg would refuse, at its place, and `create` refuses the template
//! before it changes anything (no address taken, no VNIC, no zonecfg run).

use crate::harness::TestEnv;
use crate::lifecycle_support::{assert_unchanged, sandbox, snapshot_but_log};
use crate::registry_support::{at, diags};

/// A template with one bad value of each kind, each on its own line.
const BAD: &str = r#"template "web" {
    brand "ipkg"
    pool "default"
    publisher "openindiana.org"
    zonecfg {
        property "cpu-shares" "lots"
        property "max-lwps" "10"
        attr "tier" "three" type="int"
        attr "managed" "yes" type="boolean"
        resource "capped-memory" { physical "2GB"; swap "10M"; }
        resource "dedicated-cpu" { ncpus "4-2"; }
        resource "rctl" {
            name "zone.max-lwps"
            value priv="basic" limit="x" action="signal"
        }
        resource "fs" { dir "data"; type "lofs"; }
    }
}
"#;

/// (message start, line:column) of every problem in [`BAD`], in the order reported.
const EXPECTED: &[(&str, &str)] = &[
    ("cpu-shares `lots` is not a whole number", "6:31"),
    ("max-lwps `10` is below zonecfg's minimum of 100", "7:29"),
    ("attr `tier` of type int has the value `three`", "8:21"),
    ("attr `managed` of type boolean has the value `yes`", "9:24"),
    ("capped-memory physical `2GB` is not a size", "10:45"),
    (
        "capped-memory swap `10M` is below zonecfg's minimum of 50M",
        "10:57",
    ),
    (
        "dedicated-cpu ncpus `4-2` is not a CPU count or range",
        "11:42",
    ),
    (
        "rctl priv `basic` is not one zonecfg takes for a zone",
        "14:19",
    ),
    ("rctl limit `x` is not an unsigned number", "14:32"),
    (
        "rctl action `signal` is not one zonecfg takes for a zone",
        "14:42",
    ),
    (
        "resource `fs` has no `special`, which zonecfg requires",
        "16:18",
    ),
    ("fs dir `data` is not an absolute path", "16:29"),
];

#[test]
fn check_reports_every_value_zonecfg_would_refuse_at_its_place() {
    let env = TestEnv::initialised();
    env.write("templates/web.kdl", BAD);
    let before = env.snapshot();
    let run = env.zmgr(&["check"]);
    run.exit(2);
    assert!(before == env.snapshot(), "check changed files");
    let ds = diags(&env, &run.stderr());
    let got: Vec<(String, Option<String>)> = ds
        .iter()
        .filter(|d| !d.related)
        .map(|d| (d.message.clone(), d.position.clone()))
        .collect();
    assert_eq!(got.len(), EXPECTED.len(), "{ds:#?}");
    for ((message, position), (want, line_col)) in got.iter().zip(EXPECTED) {
        assert!(message.starts_with(want), "{message:?} is not {want:?}");
        assert_eq!(
            position.as_deref(),
            Some(format!("{}:{line_col}", at("templates/web.kdl")).as_str()),
            "{message}"
        );
    }
    for d in ds.iter().filter(|d| !d.related) {
        assert_eq!(d.labels, ["zonecfg refuses this"], "{d:#?}");
        let help = d.help.as_deref().unwrap_or("");
        assert!(help.contains("e.g.") || help.contains("add "), "{d:#?}");
    }
}

#[test]
fn create_with_such_a_template_changes_nothing() {
    let env = sandbox();
    env.write("templates/web.kdl", BAD);
    let before = snapshot_but_log(&env);
    let calls_before = env.invocations().len();
    let run = env.sandbox(&["create", "web01", "--template", "web"]);
    run.exit(2);
    let text = env.normalise(&run.stderr());
    for (want, line_col) in EXPECTED {
        assert!(text.contains(want), "stderr lacks {want:?}:\n{text}");
        assert!(
            text.contains(&format!("templates/web.kdl:{line_col}")),
            "stderr lacks {line_col}:\n{text}"
        );
    }
    // No tool ran but those that look (the simulator logs every invocation).
    let tools_run = env.invocations()[calls_before..].to_vec();
    assert!(
        tools_run.iter().all(|(tool, argv)| tool != "zonecfg"
            && !(tool == "dladm" && argv.first().is_some_and(|a| a.starts_with("create")))
            && !(tool == "zoneadm" && argv.iter().any(|a| a == "install"))),
        "create ran {tools_run:?}"
    );
    assert_unchanged(&env, &before, &snapshot_but_log(&env));
    // No zone entry (`list` itself refuses the registry while the template is bad).
    let entries = std::fs::read_dir(env.path("zones")).map_or(0, |d| d.count());
    assert_eq!(entries, 0, "a zone entry was written");
    assert!(env.system_zones().is_empty(), "{:?}", env.system_zones());
    assert!(env.system_vnics().is_empty(), "{:?}", env.system_vnics());
}

/// `max-swap` and `max-locked-memory` are capped-memory's: zonecfg does not take them as
/// global properties, and said so only once the create had started.
#[test]
fn global_max_swap_is_refused_with_the_capped_memory_form() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    zonecfg {\n        property \"max-swap\" \"4G\"\n    }\n}\n",
    );
    let run = env.zmgr(&["check"]);
    run.exit(2);
    let ds = diags(&env, &run.stderr());
    let d = ds
        .iter()
        .find(|d| d.message.contains("max-swap"))
        .unwrap_or_else(|| panic!("{ds:#?}"));
    assert_eq!(
        d.message,
        "zonecfg does not set `max-swap` as a global property"
    );
    assert_eq!(
        d.position.as_deref(),
        Some(format!("{}:4:18", at("templates/web.kdl")).as_str())
    );
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("resource \"capped-memory\" { swap \"4G\" }"),
        "{d:#?}"
    );
}
