//! `zmgr import`: zones made by hand with the simulated tools become registry entries with
//! their state, brand, template, nets, addresses and pools; nothing is imported twice.

use crate::harness::TestEnv;
use crate::import_support::*;

/// Pools beside `default`: a second IPv4 pool and an IPv6 pool, all on the sandbox stub.
fn more_pools(env: &TestEnv) {
    add_pool(
        env,
        "lan2",
        "198.51.100.0/24",
        "198.51.100.1",
        ("198.51.100.10", "198.51.100.250"),
    );
    add_pool(
        env,
        "v6",
        "2001:db8:5::/64",
        "2001:db8:5::1",
        ("2001:db8:5::10", "2001:db8:5::ff"),
    );
}

/// One zone of every kind the import must handle, in configuration order:
/// web1 (ipkg, exclusive, VNIC, running), app1 (nlipkg, address without prefix, other pool,
/// installed), sp1 (sparse, shared IP on e1000g0, configured), lx1 (lx, two nets, one IPv6,
/// installed), out1 (ipkg on a physical link, address in no pool, configured), bare1 (nlipkg,
/// no net, running) and vm1 (bhyve).
fn every_kind(env: &TestEnv) {
    more_pools(env);
    env.tool("sim-admin", &["add-phys", "e1000g1"]).success();
    for v in ["web1_0", "app1_0", "lx1_0", "lx1_1"] {
        vnic(env, v);
    }
    hand_zone(
        env,
        "web1",
        "ipkg",
        "exclusive",
        &[net("web1_0", "192.0.2.50/24")],
        "running",
    );
    hand_zone(
        env,
        "app1",
        "nlipkg",
        "exclusive",
        &[net("app1_0", "198.51.100.20")],
        "installed",
    );
    hand_zone(
        env,
        "sp1",
        "sparse",
        "shared",
        &[net("e1000g0", "192.0.2.60/24")],
        "configured",
    );
    hand_zone(
        env,
        "lx1",
        "lx",
        "exclusive",
        &[
            net("lx1_0", "192.0.2.70"),
            net("lx1_1", "2001:db8:5::20/64"),
        ],
        "installed",
    );
    hand_zone(
        env,
        "out1",
        "ipkg",
        "exclusive",
        &[net("e1000g1", "10.9.0.5/16")],
        "configured",
    );
    hand_zone(env, "bare1", "nlipkg", "exclusive", &[], "running");
    hand_zone(env, "vm1", "bhyve", "exclusive", &[], "configured");
}

/// What import prints for [`every_kind`]: running zones first (zoneadm lists them by ID), then
/// the rest in configuration order.
const EVERY_KIND_IMPORTED: &str = "\
imported web1 (template ipkg)
imported bare1 (template nlipkg)
imported app1 (template nlipkg)
imported sp1 (no template)
    note: no template: none has brand sparse
imported lx1 (no template)
    note: no template: none has brand lx
imported out1 (template ipkg)
    note: address 10.9.0.5 is in no pool; recorded without one
skipped vm1: brand bhyve belongs to a VM manager, not to zmgr
";

/// The entries [`every_kind`] imports, by zone.
fn every_kind_entries() -> Vec<(&'static str, String)> {
    vec![
        (
            "app1",
            imported_entry(
                "app1",
                "nlipkg",
                Some("nlipkg"),
                "exclusive",
                "installed",
                &[r#""app1_0" address="198.51.100.20" pool="lan2" vnic=#true"#],
            ),
        ),
        (
            "bare1",
            imported_entry(
                "bare1",
                "nlipkg",
                Some("nlipkg"),
                "exclusive",
                "running",
                &[],
            ),
        ),
        (
            "lx1",
            imported_entry(
                "lx1",
                "lx",
                None,
                "exclusive",
                "installed",
                &[
                    r#""lx1_0" address="192.0.2.70" pool="default" vnic=#true"#,
                    r#""lx1_1" address="2001:db8:5::20/64" pool="v6" vnic=#true"#,
                ],
            ),
        ),
        (
            "out1",
            imported_entry(
                "out1",
                "ipkg",
                Some("ipkg"),
                "exclusive",
                "configured",
                &[r#""e1000g1" address="10.9.0.5/16""#],
            ),
        ),
        (
            "sp1",
            imported_entry(
                "sp1",
                "sparse",
                None,
                "shared",
                "configured",
                &[r#""e1000g0" address="192.0.2.60/24" pool="default""#],
            ),
        ),
        (
            "web1",
            imported_entry(
                "web1",
                "ipkg",
                Some("ipkg"),
                "exclusive",
                "running",
                &[r#""web1_0" address="192.0.2.50/24" pool="default" vnic=#true"#],
            ),
        ),
    ]
}

#[test]
fn import_adopts_every_kind_of_hand_made_zone() {
    let env = sandbox();
    every_kind(&env);
    let zones_before = env.system_zones();
    let vnics_before = env.system_vnics();

    let run = env.sandbox(&["import"]);
    run.success()
        .stdout_is(EVERY_KIND_IMPORTED)
        .check(run.stderr().is_empty(), "import wrote to stderr");

    let expected = every_kind_entries();
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(entry_names(&env), names, "vm1 must not be imported");
    for (name, want) in &expected {
        assert_eq!(
            untimed(&entry(&env, name).unwrap()),
            *want,
            "entry of {name}"
        );
    }
    check_clean(&env);

    // What the registry now shows: the address without prefix and the one in no pool included.
    env.sandbox(&["list", "-p", "-o", "name,state,brand,template"])
        .success()
        .stdout_has("web1:running:ipkg:ipkg\n")
        .stdout_has("app1:installed:nlipkg:nlipkg\n")
        .stdout_has("sp1:configured:sparse:\n")
        .stdout_has("lx1:installed:lx:\n")
        .stdout_has("out1:configured:ipkg:ipkg\n")
        .stdout_has("bare1:running:nlipkg:nlipkg\n");
    // The pools count the imported addresses as used.
    let pools = env.sandbox(&["pool", "list", "-p", "-o", "name,used"]);
    pools
        .success()
        .stdout_has("default:3\n")
        .stdout_has("lan2:1\n")
        .stdout_has("v6:1\n");

    // Import only reads the system.
    assert_eq!(env.system_zones(), zones_before);
    assert_eq!(env.system_vnics(), vnics_before);
    // And now the registry and the system agree.
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
}

#[test]
fn importing_again_changes_nothing() {
    let env = sandbox();
    every_kind(&env);
    env.sandbox(&["import"]).success();
    let before = files(&env);
    let run = env.sandbox(&["import"]);
    run.success().stdout_is(
        "\
skipped web1: already in the registry
skipped bare1: already in the registry
skipped app1: already in the registry
skipped sp1: already in the registry
skipped lx1: already in the registry
skipped out1: already in the registry
skipped vm1: brand bhyve belongs to a VM manager, not to zmgr
",
    );
    assert_same_files(&before, &files(&env));
    // Naming a zone that is already there says so too.
    env.sandbox(&["import", "web1"])
        .success()
        .stdout_is("skipped web1: already in the registry\n");
    assert_same_files(&before, &files(&env));
    check_clean(&env);
}

#[test]
fn zones_made_by_zmgr_are_skipped() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    let made = entry(&env, "web01").unwrap();
    vnic(&env, "hand1_0");
    hand_zone(
        &env,
        "hand1",
        "ipkg",
        "exclusive",
        &[net("hand1_0", "192.0.2.40/24")],
        "installed",
    );
    env.sandbox(&["import"])
        .success()
        .stdout_is("skipped web01: already in the registry\nimported hand1 (template ipkg)\n");
    assert_eq!(entry(&env, "web01").unwrap(), made, "web01's entry changed");
    assert_eq!(
        untimed(&entry(&env, "hand1").unwrap()),
        imported_entry(
            "hand1",
            "ipkg",
            Some("ipkg"),
            "exclusive",
            "installed",
            &[r#""hand1_0" address="192.0.2.40/24" pool="default" vnic=#true"#]
        )
    );
    check_clean(&env);
}

#[test]
fn import_name_imports_only_that_zone() {
    let env = sandbox();
    vnic(&env, "a1_0");
    vnic(&env, "b1_0");
    hand_zone(
        &env,
        "a1",
        "ipkg",
        "exclusive",
        &[net("a1_0", "192.0.2.41/24")],
        "running",
    );
    hand_zone(
        &env,
        "b1",
        "ipkg",
        "exclusive",
        &[net("b1_0", "192.0.2.42/24")],
        "installed",
    );
    hand_zone(&env, "c1", "ipkg", "exclusive", &[], "configured");

    env.sandbox(&["import", "b1"])
        .success()
        .stdout_is("imported b1 (template ipkg)\n");
    assert_eq!(entry_names(&env), vec!["b1"]);
    env.sandbox(&["import", "c1", "a1"])
        .success()
        .stdout_is("imported a1 (template ipkg)\nimported c1 (template ipkg)\n");
    assert_eq!(entry_names(&env), vec!["a1", "b1", "c1"]);
    check_clean(&env);
}

#[test]
fn import_of_an_unknown_zone_fails_and_writes_nothing() {
    let env = sandbox();
    vnic(&env, "a1_0");
    hand_zone(
        &env,
        "a1",
        "ipkg",
        "exclusive",
        &[net("a1_0", "192.0.2.41/24")],
        "installed",
    );
    let before = files(&env);
    let run = env.sandbox(&["import", "nosuch"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["nosuch", "zoneadm list -c"]);
    // One unknown name stops the whole import, the known one included.
    let run = env.sandbox(&["import", "a1", "nosuch"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["nosuch"]);
    assert_same_files(&before, &files(&env));
    assert!(entry_names(&env).is_empty());
}

#[test]
fn dry_run_prints_the_entries_and_writes_nothing() {
    let env = sandbox();
    every_kind(&env);
    let before = files(&env);
    let run = env.sandbox(&["import", "--dry-run"]);
    run.success();
    assert_same_files(&before, &files(&env));
    assert!(entry_names(&env).is_empty());

    let mut expected = String::new();
    let entries = every_kind_entries();
    let indented = |name: &str| -> String {
        let text = &entries.iter().find(|(n, _)| *n == name).unwrap().1;
        text.lines().map(|l| format!("    {l}\n")).collect()
    };
    for line in EVERY_KIND_IMPORTED.lines() {
        if let Some(rest) = line.strip_prefix("imported ") {
            let name = rest.split(' ').next().unwrap();
            expected += &format!("would {}:\n", line.replacen("imported", "import", 1));
            expected += &indented(name);
        } else {
            expected += line;
            expected += "\n";
        }
    }
    expected += "nothing was changed (--dry-run)\n";
    assert_eq!(untimed(&run.stdout()), expected, "dry-run output");

    // `-n` is the same, and a named zone limits the plan.
    let run = env.sandbox(&["import", "-n", "sp1"]);
    run.success();
    assert_eq!(
        untimed(&run.stdout()),
        format!(
            "would import sp1 (no template):\n{}    note: no template: none has brand sparse\nnothing was changed (--dry-run)\n",
            indented("sp1")
        )
    );
    assert_same_files(&before, &files(&env));

    // The entries written later are the ones shown.
    env.sandbox(&["import"]).success();
    for (name, want) in &entries {
        assert_eq!(untimed(&entry(&env, name).unwrap()), *want, "{name}");
    }
}

#[test]
fn json_output_parses() {
    let env = sandbox();
    every_kind(&env);
    let before = files(&env);
    let run = env.sandbox(&["import", "--dry-run", "--json"]);
    run.success();
    let plan = run.json_list("results");
    assert_same_files(&before, &files(&env));

    let run = env.sandbox(&["import", "--json"]);
    run.success();
    let done = run.json_list("results");
    for v in [&plan, &done] {
        let items = v.as_array().expect("an array");
        let zones: Vec<&str> = items.iter().map(|i| i["zone"].as_str().unwrap()).collect();
        assert_eq!(
            zones,
            vec!["web1", "bare1", "app1", "sp1", "lx1", "out1", "vm1"]
        );
        let by = |z: &str| items.iter().find(|i| i["zone"] == z).unwrap();
        assert_eq!(by("web1")["outcome"], "imported");
        assert_eq!(by("web1")["template"], "ipkg");
        assert_eq!(by("web1")["notes"], serde_json::json!([]));
        assert_eq!(by("lx1")["template"], serde_json::Value::Null);
        assert_eq!(
            by("lx1")["notes"],
            serde_json::json!(["no template: none has brand lx"])
        );
        assert_eq!(
            by("out1")["notes"],
            serde_json::json!(["address 10.9.0.5 is in no pool; recorded without one"])
        );
        assert_eq!(by("vm1")["outcome"], "skipped");
        assert_eq!(
            by("vm1")["reason"],
            "brand bhyve belongs to a VM manager, not to zmgr"
        );
        for (name, want) in every_kind_entries() {
            assert_eq!(untimed(by(name)["entry"].as_str().unwrap()), want, "{name}");
        }
    }
    // The JSON entries are the files written.
    for item in done.as_array().unwrap() {
        if item["outcome"] == "imported" {
            let name = item["zone"].as_str().unwrap();
            assert_eq!(entry(&env, name).unwrap(), item["entry"].as_str().unwrap());
        }
    }

    let run = env.sandbox(&["import", "--json"]);
    run.success();
    let again = run.json_list("results");
    let items = again.as_array().unwrap();
    assert_eq!(items.len(), 7);
    for i in items {
        let want = if i["zone"] == "vm1" {
            "brand bhyve belongs to a VM manager, not to zmgr"
        } else {
            "already in the registry"
        };
        assert_eq!(i["outcome"], "skipped");
        assert_eq!(i["reason"], want);
    }
}

#[test]
fn nothing_to_import_says_so() {
    let env = sandbox();
    env.sandbox(&["import"])
        .success()
        .stdout_is("no zones to import\n");
    env.sandbox(&["import", "--json"])
        .success()
        .stdout_is("{\n  \"version\": 1,\n  \"results\": []\n}\n");
}

#[test]
fn an_allowed_address_list_becomes_one_net_per_address() {
    let env = sandbox();
    vnic(&env, "multi0");
    hand_zone(
        &env,
        "multi",
        "ipkg",
        "exclusive",
        &[net("multi0", "192.0.2.80/24,192.0.2.81/24")],
        "installed",
    );
    env.sandbox(&["import"])
        .success()
        .stdout_is("imported multi (template ipkg)\n");
    assert_eq!(
        untimed(&entry(&env, "multi").unwrap()),
        imported_entry(
            "multi",
            "ipkg",
            Some("ipkg"),
            "exclusive",
            "installed",
            &[
                r#""multi0" address="192.0.2.80/24" pool="default" vnic=#true"#,
                r#""multi0" address="192.0.2.81/24" pool="default" vnic=#true"#,
            ]
        )
    );
    check_clean(&env);
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");

    // The imported zone is zmgr's now: destroy removes it and its VNIC, once.
    env.sandbox(&["destroy", "multi"])
        .success()
        .stdout_is("destroyed zone multi\n");
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());
    assert!(entry_names(&env).is_empty());
}
