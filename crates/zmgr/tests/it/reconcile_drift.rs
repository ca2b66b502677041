//! `zmgr reconcile`: differences between the registry and what was changed by hand on the
//! system, which `--fix` repairs only where it is safe.

use crate::import_support::*;

const AGREE: &str = "the registry and the system agree\n";

#[test]
fn in_sync_the_registry_and_the_system_agree() {
    let env = sandbox();
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    vnic(&env, "hand1_0");
    hand_zone(
        &env,
        "hand1",
        "nlipkg",
        "exclusive",
        &[net("hand1_0", "192.0.2.40/24")],
        "running",
    );
    hand_zone(
        &env,
        "sh1",
        "sparse",
        "shared",
        &[net("e1000g0", "192.0.2.41")],
        "installed",
    );
    env.sandbox(&["import"]).success();
    // A VM manager's zone is none of zmgr's business.
    hand_zone(&env, "vm1", "bhyve", "exclusive", &[], "configured");

    let before = files(&env);
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.success()
        .stdout_is(AGREE)
        .check(run.stderr().is_empty(), "reconcile wrote to stderr");
    assert_same_files(&before, &files(&env));
    env.sandbox(&["reconcile", "--json"])
        .success()
        .stdout_is("{\n  \"version\": 1,\n  \"differences\": []\n}\n");
}

#[test]
fn a_zone_deleted_by_hand_needs_a_person() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02"]).success();
    remove_by_hand(&env, "web01");
    assert_eq!(env.system_zones(), vec!["web02:running"]);

    let expected = "\
zone web01 is in the registry but not on the system
    needs a person: if it was removed on purpose, `zmgr destroy web01` removes the entry and frees its address
";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(expected);
    stderr_says(&run, &["1 difference left"]);
    // --fix does not guess: the entry and its address stay.
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.exit(1).stdout_is(expected);
    stderr_says(&run, &["1 difference left"]);
    assert_same_files(&before, &files(&env));

    // The advice works.
    env.sandbox(&["destroy", "web01"]).success();
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
}

#[test]
fn state_drift_is_fixed_in_place_keeping_comments() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02"]).success();
    // A person's notes in the entry.
    let original = entry(&env, "web01").unwrap();
    let annotated = format!(
        "// web01 serves the front page\n{}",
        original
            .replacen(
                "    brand ",
                "    // owner: ops, ticket 4711\n    brand ",
                1
            )
            .replacen(
                "state \"running\"",
                "state \"running\" // as zmgr left it",
                1
            )
    );
    assert!(annotated.contains("// as zmgr left it"));
    env.write("zones/web01.kdl", &annotated);
    check_clean(&env);

    env.tool("zoneadm", &["-z", "web01", "halt"]).success();
    let expected = "\
zone web01 is installed on the system but running in the registry
    `zmgr reconcile --fix` repairs this
";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(expected);
    stderr_says(&run, &["1 difference left"]);
    assert_same_files(&before, &files(&env));

    env.sandbox(&["reconcile", "--fix"]).success().stdout_is(
        "zone web01 is installed on the system but running in the registry\n    fixed\n",
    );
    assert_eq!(
        entry(&env, "web01").unwrap(),
        annotated.replace("state \"running\"", "state \"installed\""),
        "the entry must change only in its state"
    );
    env.sandbox(&["show", "web01", "-p", "-o", "state"])
        .success()
        .stdout_is("installed\n");
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
    check_clean(&env);
    // The untouched zone's entry stays as it was.
    assert!(entry(&env, "web02").unwrap().contains("state \"running\""));

    // Drift the other way: booted by hand.
    env.tool("zoneadm", &["-z", "web01", "boot"]).success();
    env.sandbox(&["reconcile", "--fix"]).success().stdout_is(
        "zone web01 is running on the system but installed in the registry\n    fixed\n",
    );
    assert_eq!(entry(&env, "web01").unwrap(), annotated);
}

#[test]
fn a_vnic_the_zone_no_longer_uses_needs_a_person() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    vnic(&env, "other0");
    env.tool(
        "zonecfg",
        &[
            "-z",
            "web01",
            "select net physical=web01_0; set physical=other0; end; commit",
        ],
    )
    .success();
    let expected = "\
VNIC web01_0, made for zone web01, is not used by its configuration
    needs a person: check zone web01's net resources; `dladm delete-vnic web01_0` removes the VNIC if it is not needed
";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(expected);
    stderr_says(&run, &["1 difference left"]);
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.exit(1).stdout_is(expected);
    assert_same_files(&before, &files(&env));
    assert_eq!(env.system_vnics(), vec!["web01_0", "other0"]);
}

#[test]
fn an_address_the_zone_no_longer_carries_needs_a_person() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    env.tool(
        "zonecfg",
        &[
            "-z",
            "web01",
            "select net physical=web01_0; set allowed-address=192.0.2.99/24; end; commit",
        ],
    )
    .success();
    let expected = "\
the registry reserves 192.0.2.10 for zone web01, but its configuration no longer carries it
    needs a person: fix the zone's net resource, or edit zones/web01.kdl to release the address
";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(expected);
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.exit(1).stdout_is(expected);
    assert_same_files(&before, &files(&env));

    // Putting the address back ends the difference; a prefix length does not matter.
    env.tool(
        "zonecfg",
        &[
            "-z",
            "web01",
            "select net physical=web01_0; set allowed-address=192.0.2.10; end; commit",
        ],
    )
    .success();
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
}

#[test]
fn a_zone_not_in_the_registry_is_reported_with_the_import_hint() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    hand_zone(
        &env,
        "hand1",
        "ipkg",
        "shared",
        &[net("e1000g0", "192.0.2.200/24")],
        "configured",
    );
    hand_zone(&env, "vm1", "bhyve", "exclusive", &[], "configured");
    let expected = "\
zone hand1 is on the system but not in the registry
    needs a person: `zmgr import hand1` adopts it
";
    let before = files(&env);
    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_is(expected);
    stderr_says(&run, &["1 difference left"]);
    env.sandbox(&["reconcile", "--fix"])
        .exit(1)
        .stdout_is(expected);
    assert_same_files(&before, &files(&env));

    env.sandbox(&["import", "hand1"]).success();
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
}

#[test]
fn several_differences_at_once_and_as_json() {
    let env = sandbox();
    for z in ["gone1", "halted1", "moved1", "readdr1"] {
        env.sandbox(&["create", z]).success();
    }
    remove_by_hand(&env, "gone1");
    env.tool("zoneadm", &["-z", "halted1", "halt"]).success();
    vnic(&env, "other0");
    env.tool(
        "zonecfg",
        &[
            "-z",
            "moved1",
            "select net physical=moved1_0; set physical=other0; end; commit",
        ],
    )
    .success();
    env.tool(
        "zonecfg",
        &[
            "-z",
            "readdr1",
            "select net physical=readdr1_0; set allowed-address=192.0.2.99/24; end; commit",
        ],
    )
    .success();
    hand_zone(&env, "hand1", "lx", "exclusive", &[], "configured");

    let run = env.sandbox(&["reconcile"]);
    run.exit(1);
    stderr_says(&run, &["5 differences left"]);
    for line in [
        "zone gone1 is in the registry but not on the system\n",
        "zone halted1 is installed on the system but running in the registry\n    `zmgr reconcile --fix` repairs this\n",
        "VNIC moved1_0, made for zone moved1, is not used by its configuration\n",
        "the registry reserves 192.0.2.13 for zone readdr1, but its configuration no longer carries it\n",
        "zone hand1 is on the system but not in the registry\n",
    ] {
        run.stdout_has(line);
    }

    let run = env.sandbox(&["reconcile", "--json"]);
    run.exit(1);
    let v = run.json_list("differences");
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 5, "{v:#}");
    let by = |kind: &str| {
        items
            .iter()
            .find(|i| i["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {v:#}"))
    };
    assert_eq!(by("gone")["zone"], "gone1");
    assert_eq!(by("state-drift")["zone"], "halted1");
    assert_eq!(by("state-drift")["registry"], "running");
    assert_eq!(by("state-drift")["system"], "installed");
    assert_eq!(by("state-drift")["advice"], serde_json::Value::Null);
    assert_eq!(by("unused-vnic")["link"], "moved1_0");
    assert_eq!(by("unused-vnic")["zone"], "moved1");
    assert_eq!(by("address-drift")["zone"], "readdr1");
    assert_eq!(by("address-drift")["address"], "192.0.2.13");
    assert_eq!(by("unregistered")["zone"], "hand1");
    assert_eq!(
        by("unregistered")["advice"],
        "`zmgr import hand1` adopts it"
    );
    for i in items {
        assert!(i["message"].as_str().is_some_and(|m| !m.is_empty()), "{i}");
        assert_eq!(i["fixed"], serde_json::Value::Null, "{i}");
    }

    // --fix repairs the drift and leaves the rest.
    let run = env.sandbox(&["reconcile", "--fix", "--json"]);
    run.exit(1);
    let v = run.json_list("differences");
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 5, "{v:#}");
    for i in items {
        let want = if i["kind"] == "state-drift" {
            serde_json::json!(true)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(i["fixed"], want, "{i}");
        assert_eq!(i["fix_error"], serde_json::Value::Null, "{i}");
    }
    assert!(
        entry(&env, "halted1")
            .unwrap()
            .contains("state \"installed\"")
    );
    let run = env.sandbox(&["reconcile"]);
    run.exit(1);
    stderr_says(&run, &["4 differences left"]);
    run.check(
        !run.stdout().contains("halted1"),
        "the drift is still reported",
    );
}

#[test]
fn a_vnic_deleted_by_hand_stops_boot_with_the_repair_and_fix_makes_it_again() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.tool("dladm", &["delete-vnic", "web01_0"]).success();
    let run = env.sandbox(&["boot", "web01"]);
    run.exit(1);
    let err = run.stderr().replace("\n  │ ", " ");
    run.check(
        err.contains("zone web01 cannot boot: its VNIC web01_0 is gone from the system"),
        "boot does not say which VNIC is missing",
    );
    run.check(
        err.contains("`zmgr reconcile --fix` makes it again"),
        "boot does not say how to repair it",
    );
    let said =
        "VNIC web01_0 of zone web01 is gone from the system; the zone cannot boot without it\n";
    env.sandbox(&["reconcile"])
        .exit(1)
        .stdout_is(&format!("{said}    `zmgr reconcile --fix` repairs this\n"));
    env.sandbox(&["reconcile", "--fix"])
        .success()
        .stdout_is(&format!("{said}    fixed\n"));
    assert!(env.system_vnics().contains(&"web01_0".to_string()));
    env.sandbox(&["boot", "web01"]).success();
    env.sandbox(&["reconcile"]).success().stdout_is(AGREE);
}
