//! Import and the IP ledger: an address the registry already gives away is a conflict, and an
//! imported address is never handed out again.

use crate::import_support::*;

#[test]
fn an_address_zmgr_gave_away_is_a_conflict_and_the_others_are_imported() {
    let env = sandbox();
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
    let made = entry(&env, "web01").unwrap();
    vnic(&env, "hand1_0");
    vnic(&env, "ok1_0");
    hand_zone(
        &env,
        "hand1",
        "ipkg",
        "exclusive",
        &[net("hand1_0", "192.0.2.10/24")],
        "installed",
    );
    hand_zone(
        &env,
        "ok1",
        "ipkg",
        "exclusive",
        &[net("ok1_0", "192.0.2.40/24")],
        "installed",
    );

    let run = env.sandbox(&["import"]);
    run.exit(1).stdout_is(
        "\
skipped web01: already in the registry
conflict: zone hand1 uses 192.0.2.10, which the registry gives to zone web01; hand1 not imported
imported ok1 (template ipkg)
",
    );
    stderr_says(&run, &["1 zone could not be imported"]);
    assert_eq!(entry_names(&env), vec!["ok1", "web01"]);
    assert_eq!(entry(&env, "web01").unwrap(), made, "web01's entry changed");
    check_clean(&env);

    // The conflict stays until a person resolves it; the imported zone is not reported again.
    let run = env.sandbox(&["import"]);
    run.exit(1).stdout_is(
        "\
skipped web01: already in the registry
conflict: zone hand1 uses 192.0.2.10, which the registry gives to zone web01; hand1 not imported
skipped ok1: already in the registry
",
    );
    let run = env.sandbox(&["import", "hand1", "--json"]);
    run.exit(1);
    assert_eq!(
        run.json_list("results"),
        serde_json::json!([{
            "outcome": "conflict",
            "zone": "hand1",
            "address": "192.0.2.10",
            "holder": "web01"
        }])
    );
    assert_eq!(entry_names(&env), vec!["ok1", "web01"]);
}

#[test]
fn a_shared_ip_zone_on_an_address_zmgr_gave_away_is_a_conflict() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    // Without a prefix length, the same address all the same.
    hand_zone(
        &env,
        "sh1",
        "ipkg",
        "shared",
        &[net("e1000g0", "192.0.2.10")],
        "configured",
    );
    let run = env.sandbox(&["import", "sh1"]);
    run.exit(1).stdout_is(
        "conflict: zone sh1 uses 192.0.2.10, which the registry gives to zone web01; sh1 not imported\n",
    );
    assert_eq!(entry_names(&env), vec!["web01"]);
}

#[test]
fn two_hand_made_zones_with_one_address_import_only_the_first() {
    let env = sandbox();
    vnic(&env, "dup1_0");
    vnic(&env, "dup2_0");
    hand_zone(
        &env,
        "dup1",
        "ipkg",
        "exclusive",
        &[net("dup1_0", "192.0.2.45/24")],
        "configured",
    );
    hand_zone(
        &env,
        "dup2",
        "ipkg",
        "exclusive",
        &[net("dup2_0", "192.0.2.45/24")],
        "configured",
    );
    let run = env.sandbox(&["import"]);
    run.exit(1).stdout_is(
        "\
imported dup1 (template ipkg)
conflict: zone dup2 uses 192.0.2.45, which the registry gives to zone dup1; dup2 not imported
",
    );
    assert_eq!(entry_names(&env), vec!["dup1"]);
    check_clean(&env);
}

#[test]
fn create_never_reuses_an_imported_address() {
    let env = sandbox();
    vnic(&env, "hand1_0");
    // 192.0.2.10 is the lowest address the default pool would hand out.
    hand_zone(
        &env,
        "hand1",
        "ipkg",
        "exclusive",
        &[net("hand1_0", "192.0.2.10/24")],
        "running",
    );
    env.sandbox(&["import"])
        .success()
        .stdout_is("imported hand1 (template ipkg)\n");
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.11/24 on web01_0, running\n");

    // An address recorded without a prefix length holds its place just the same.
    hand_zone(
        &env,
        "sh1",
        "ipkg",
        "shared",
        &[net("e1000g0", "192.0.2.12")],
        "installed",
    );
    env.sandbox(&["import", "sh1"])
        .success()
        .stdout_is("imported sh1 (template ipkg)\n");
    env.sandbox(&["create", "web02", "--no-boot"])
        .success()
        .stdout_is("created zone web02: 192.0.2.13/24 on web02_0, installed\n");
    // Asking for an imported address by name is refused too.
    let run = env.sandbox(&["create", "web03", "--ip", "192.0.2.10"]);
    run.exit(1);
    stderr_says(&run, &["192.0.2.10"]);
    assert_eq!(entry(&env, "web03"), None);
    check_clean(&env);
}

#[test]
fn a_vnic_the_registry_gives_to_another_zone_is_not_claimed_twice() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    let made = entry(&env, "web01").unwrap();
    // A person configured a second zone on web01's VNIC, with an address of its own.
    hand_zone(
        &env,
        "hand1",
        "ipkg",
        "exclusive",
        &[net("web01_0", "192.0.2.40/24")],
        "configured",
    );
    let run = env.sandbox(&["import"]);
    assert_eq!(entry(&env, "web01").unwrap(), made, "web01's entry changed");
    // Whatever import decided, the registry it leaves is valid.
    check_clean(&env);
    // hand1 cannot take web01's VNIC with it.
    if entry(&env, "hand1").is_some() {
        let plan = env.sandbox(&["destroy", "hand1", "--dry-run"]);
        plan.success().check(
            !plan.stdout().contains("delete-vnic web01_0"),
            "destroying hand1 would delete web01's VNIC",
        );
    }
    // And the person is told about the shared VNIC.
    run.stdout_has("hand1").stdout_has("web01_0");
}

#[test]
fn an_address_that_is_a_pools_gateway_is_not_recorded_in_that_pool() {
    let env = sandbox();
    // 192.0.2.1 is the default pool's gateway, which no zone may hold from the pool.
    hand_zone(
        &env,
        "gw1",
        "ipkg",
        "shared",
        &[net("e1000g0", "192.0.2.1/24")],
        "configured",
    );
    let run = env.sandbox(&["import"]);
    // Whatever import decided, the registry it leaves is valid, and the person is told.
    check_clean(&env);
    run.stdout_has("gw1").stdout_has("192.0.2.1");
}
