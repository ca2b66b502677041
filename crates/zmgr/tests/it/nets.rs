//! Zones with several interfaces (or none): a template's `nets`, `create --net`, addresses
//! from each pool under one lock, one VNIC each, and an undo that frees them all.

use crate::harness::TestEnv;
use crate::script_support::*;

const LAN: &str = "pool \"lan\" {\n    network \"10.1.0.0/24\"\n    gateway \"10.1.0.1\"\n    stub \"zmgr_stub0\"\n    range \"10.1.0.10\" \"10.1.0.99\"\n}\n";

/// A sandbox with a second pool `lan` and a template `two` whose zones have an interface in
/// `default` (with the default route) and one in `lan`.
fn two_nets() -> TestEnv {
    let env = sandbox();
    env.write("pools/lan.kdl", LAN);
    env.write(
        "templates/two.kdl",
        "template \"two\" {\n    brand \"ipkg\"\n    autoboot #true\n    nets {\n        net pool=\"default\"\n        net pool=\"lan\"\n    }\n}\n",
    );
    env.sandbox(&["check"]).success();
    env
}

/// (physical, allowed-address, defrouter) of each net in the zone's configuration.
fn configured_nets(env: &TestEnv, zone: &str) -> Vec<(String, String, Option<String>)> {
    let info = env.tool("zonecfg", &["-z", zone, "info", "net"]);
    info.success();
    info.stdout()
        .split("net:\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let get = |key: &str| {
                block
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
                    .map(str::to_string)
            };
            (
                get("physical").unwrap_or_default(),
                get("allowed-address").unwrap_or_default(),
                get("defrouter"),
            )
        })
        .collect()
}

#[test]
fn a_template_with_two_nets_makes_two_vnics_and_holds_two_addresses() {
    let env = two_nets();
    env.sandbox(&["create", "w1", "-t", "two"])
        .success()
        .stdout_is("created zone w1: 192.0.2.10/24 on w1_0, 10.1.0.10/24 on w1_1, running\n");
    let entry = entry(&env, "w1").unwrap();
    assert!(
        entry.contains("net \"w1_0\" address=\"192.0.2.10/24\" pool=\"default\"")
            && entry.contains("net \"w1_1\" address=\"10.1.0.10/24\" pool=\"lan\""),
        "{entry}"
    );
    let vnics = env.system_vnics();
    assert!(
        vnics.iter().any(|v| v.starts_with("w1_0")) && vnics.iter().any(|v| v.starts_with("w1_1")),
        "{vnics:?}"
    );
    // Only the first interface carries the default route.
    assert_eq!(
        configured_nets(&env, "w1"),
        [
            (
                "w1_0".into(),
                "192.0.2.10/24".into(),
                Some("192.0.2.1".into())
            ),
            ("w1_1".into(), "10.1.0.10/24".into(), None),
        ]
    );
    assert_eq!(pool_use(&env, "lan"), "1:89:10.1.0.11");
    env.sandbox(&["check"]).success();
    // Destroy frees both.
    env.sandbox(&["destroy", "w1"]).success();
    assert_eq!(pool_use(&env, "lan"), "0:90:10.1.0.10");
    assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
}

#[test]
fn create_net_replaces_the_template_s_interfaces() {
    let env = two_nets();
    let run = env.sandbox(&[
        "create",
        "w2",
        "--net",
        "lan",
        "--net",
        "default=192.0.2.50",
        "--net",
        "lan",
        "--json",
    ]);
    run.success();
    let v = run.json();
    assert_eq!(
        v["nets"],
        serde_json::json!([
            {"pool": "lan", "address": "10.1.0.10/24", "link": "w2_0"},
            {"pool": "default", "address": "192.0.2.50/24", "link": "w2_1"},
            {"pool": "lan", "address": "10.1.0.11/24", "link": "w2_2"},
        ])
    );
    // The first one given carries the default route.
    assert_eq!(
        configured_nets(&env, "w2"),
        [
            (
                "w2_0".into(),
                "10.1.0.10/24".into(),
                Some("10.1.0.1".into())
            ),
            ("w2_1".into(), "192.0.2.50/24".into(), None),
            ("w2_2".into(), "10.1.0.11/24".into(), None),
        ]
    );
}

#[test]
fn a_failed_create_frees_every_vnic_and_address() {
    let env = two_nets();
    env.faults("zoneadm install\n");
    let run = env.sandbox(&["create", "w1", "-t", "two"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "undone:",
            "VNIC w1_1",
            "VNIC w1_0",
            "addresses 192.0.2.10, 10.1.0.10 are free again",
        ],
    );
    assert_gone(&env, "w1", "w1_0");
    assert!(!env.system_vnics().iter().any(|v| v.starts_with("w1_1")));
    assert_eq!(pool_use(&env, "lan"), "0:90:10.1.0.10");
    assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
}

#[test]
fn a_template_net_resource_is_refused_by_check_and_create() {
    let env = sandbox();
    env.write(
        "templates/t.kdl",
        "template \"t\" {\n    brand \"ipkg\"\n    pool \"default\"\n    zonecfg {\n        resource \"net\" {\n            physical \"e1000g0\"\n            allowed-address \"192.0.2.77/24\"\n        }\n    }\n}\n",
    );
    let check = env.sandbox(&["check"]);
    check.exit(2);
    stderr_says(
        &check,
        &[
            "a template's interfaces are given by `nets`, not a zonecfg `net` resource",
            "write `nets { net pool=\"lan\" }` beside `zonecfg`",
        ],
    );
    points_at(&check, &env.path("templates/t.kdl"), 5);
    let before = sim_state(&env);
    env.sandbox(&["create", "z1", "-t", "t"]).exit(2);
    assert_eq!(sim_state(&env), before);
    assert!(entry(&env, "z1").is_none());
}

#[test]
fn force_range_takes_an_address_outside_the_ranges_but_never_a_special_one() {
    let env = sandbox();
    let run = env.sandbox(&["create", "w1", "--ip", "192.0.2.5", "--no-boot"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            "--ip 192.0.2.5: 192.0.2.5 is in none of pool default's ranges",
            "--force-range takes an address of the pool's network outside its ranges",
        ],
    );
    for special in ["192.0.2.1", "192.0.2.0", "192.0.2.255", "10.0.0.5"] {
        env.sandbox(&["create", "w1", "--ip", special, "--force-range"])
            .exit(2);
    }
    env.sandbox(&[
        "create",
        "w1",
        "--ip",
        "192.0.2.5",
        "--force-range",
        "--no-boot",
    ])
    .success()
    .stdout_is("created zone w1: 192.0.2.5/24 on w1_0, installed\n");
    // A zone so made holds its address as any other: check agrees, and it is not handed out.
    env.sandbox(&["check"]).success();
    env.sandbox(&[
        "create",
        "w2",
        "--net",
        "default=192.0.2.5",
        "--force-range",
    ])
    .exit(1)
    .stderr_has("192.0.2.5 is held by zone `w1`");
}

#[test]
fn bad_net_options_are_refused_before_anything_runs() {
    let env = two_nets();
    let before = sim_state(&env);
    for (args, says) in [
        (
            &["create", "w1", "--net", "lan=10.1.0.x"][..],
            "`10.1.0.x` is not an IP address; write POOL or POOL=ADDRESS",
        ),
        (
            &["create", "w1", "--net", "../lan"],
            "pool name `../lan` contains",
        ),
        (
            &["create", "w1", "--net", "lan", "--pool", "default"],
            "cannot be used with",
        ),
        (
            &["create", "w1", "--net", "nosuch"],
            "pool `nosuch` is not in the registry",
        ),
        (
            &[
                "create",
                "w1",
                "--net",
                "lan=10.1.0.20",
                "--net",
                "lan=10.1.0.20",
            ],
            "--net gives the address 10.1.0.20 twice",
        ),
        (
            &["create", "w1", "--net", "lan=192.0.2.50"],
            "--net lan=192.0.2.50: 192.0.2.50 is outside pool lan's network 10.1.0.0/24",
        ),
    ] {
        let run = env.sandbox(args);
        run.check(run.code() != 0, "accepted");
        run.stdout_is("");
        stderr_says(&run, &[says]);
    }
    assert_eq!(sim_state(&env), before);
    assert!(entry(&env, "w1").is_none());
}

#[test]
fn a_template_may_give_no_interface() {
    let env = sandbox();
    env.write(
        "templates/none.kdl",
        "template \"none\" {\n    brand \"ipkg\"\n    nets {\n    }\n}\n",
    );
    env.sandbox(&["create", "n1", "-t", "none", "--no-boot"])
        .success()
        .stdout_is("created zone n1: no network, installed\n");
    assert!(configured_nets(&env, "n1").is_empty());
    assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
    env.sandbox(&["check"]).success();
}

#[test]
fn pool_and_nets_together_in_a_template_is_an_error() {
    let env = sandbox();
    env.write(
        "templates/both.kdl",
        "template \"both\" {\n    brand \"ipkg\"\n    pool \"default\"\n    nets {\n        net pool=\"default\"\n    }\n}\n",
    );
    let run = env.sandbox(&["check"]);
    run.exit(2);
    stderr_says(&run, &["a template gives `pool` or `nets`, not both"]);
    points_at(&run, &env.path("templates/both.kdl"), 4);
}
