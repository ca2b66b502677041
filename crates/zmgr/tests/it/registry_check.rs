//! `zmgr check`: references between files (templates to pools and publishers, the default
//! template, zones to pools and to each other, pools to each other). Exit 0 when clean or
//! with warnings only, 2 with every diagnostic otherwise.

use crate::harness::TestEnv;
use crate::registry_support::{Diag, assert_diag, at, diags, errors_line, refused, summary, top};

/// A zone entry with one net on line 6, its address at column 14 (for a one-letter name).
fn zone(name: &str, state: &str, address: &str, pool: &str) -> String {
    crate::registry_support::zone_entry(
        name,
        state,
        &format!("net \"{name}0\" address=\"{address}\" pool=\"{pool}\""),
    )
}

fn valid_line(env: &TestEnv, extra: &str, counts: &str) -> String {
    format!("{} is valid{extra}: {counts}\n", env.root().display())
}

/// `check` refusing the registry: every diagnostic, and the closing line.
#[track_caller]
fn check_fails(env: &TestEnv) -> (Vec<Diag>, String) {
    let (run, ds) = refused(env, &["check"]);
    (ds, summary(env, &run))
}

#[test]
fn clean_registry_with_zones_is_valid_and_unchanged() {
    let env = TestEnv::initialised();
    for (name, state, ip) in [
        ("web01", "running", "192.168.100.10/24"),
        ("web02", "installed", "192.168.100.11/24"),
    ] {
        env.write(
            &format!("zones/{name}.kdl"),
            crate::registry_support::zone_entry(
                name,
                state,
                &format!("net \"{name}_0\" address=\"{ip}\" pool=\"default\" vnic=#true"),
            ),
        );
    }
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.0.0.0/25\"\n    stub \"stub0\"\n    range \"10.0.0.10\" \"10.0.0.20\"\n}\n",
    );
    // Adjacent to lan, not overlapping it.
    env.write(
        "pools/lan2.kdl",
        "pool \"lan2\" {\n    network \"10.0.0.128/25\"\n    stub \"stub0\"\n    range \"10.0.0.130\" \"10.0.0.140\"\n}\n",
    );
    let before = env.snapshot();
    env.zmgr(&["check"])
        .success()
        .stdout_is(&valid_line(
            &env,
            "",
            "2 templates, 3 pools, 2 zones, 1 publisher",
        ))
        .check(env.zmgr(&["check"]).stderr().is_empty(), "no diagnostics");
    assert!(before == env.snapshot(), "check changed files");
}

#[test]
fn template_with_missing_pool_and_publisher_suggests_the_close_names() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    pool \"defualt\"\n    publisher \"openindiana.og\"\n}\n",
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        "template `web` uses pool `defualt`, which does not exist",
        "templates/web.kdl:3:10",
        "no such pool",
        Some("did you mean `default`?"),
    );
    assert_diag(
        &ds[1],
        "template `web` uses publisher `openindiana.og`, which does not exist",
        "templates/web.kdl:4:15",
        "no such publisher",
        Some("did you mean `openindiana.org`?"),
    );
    assert_eq!(s, errors_line(2));
}

#[test]
fn missing_references_without_a_close_name_list_what_exists() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    pool \"wan\"\n}\n",
    );
    std::fs::remove_file(env.path("publishers/openindiana.org.kdl")).unwrap();
    let (ds, s) = check_fails(&env);
    let none = format!("there are no publishers in {}", at("publishers"));
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap_or_default(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "template `ipkg` uses publisher `openindiana.org`, which does not exist",
                at("templates/ipkg.kdl:9:15"),
                none.clone()
            ),
            (
                "template `nlipkg` uses publisher `openindiana.org`, which does not exist",
                at("templates/nlipkg.kdl:11:15"),
                none.clone()
            ),
            (
                "template `web` uses pool `wan`, which does not exist",
                at("templates/web.kdl:3:10"),
                "known pools: default".to_string()
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(3));
}

#[test]
fn missing_default_template() {
    let env = TestEnv::initialised();
    let config = env
        .read("config.kdl")
        .replace("default-template \"ipkg\"", "default-template \"ipgk\"");
    env.write("config.kdl", config);
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "default template `ipgk` does not exist",
        "config.kdl:4:18",
        "no such template",
        Some("did you mean `ipkg`?"),
    );
    assert_eq!(ds[0].source[1], "default-template \"ipgk\"", "{:#?}", ds[0]);
    assert_eq!(s, errors_line(1));
}

#[test]
fn gateway_and_reserved_addresses_outside_the_network() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"10.0.0.0/24\"\n    gateway \"10.0.1.1\"\n    stub \"stub0\"\n    range \"10.0.0.10\" \"10.0.0.20\"\n    reserve \"10.0.0.5\" \"10.0.2.2\"\n}\n",
    );
    env.write(
        "pools/wan.kdl",
        "pool \"wan\" {\n    network \"10.1.0.0/24\"\n    gateway \"10.1.0.0\"\n    stub \"stub0\"\n    range \"10.1.0.10\" \"10.1.0.20\"\n}\n",
    );
    let (ds, s) = check_fails(&env);
    let help = Some("10.0.0.0/24 holds 10.0.0.0 to 10.0.0.255");
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        "gateway 10.0.1.1 is outside the pool's network 10.0.0.0/24",
        "pools/lan.kdl:3:13",
        "outside the network",
        help,
    );
    assert_diag(
        &ds[1],
        "reserved address 10.0.2.2 is outside the pool's network 10.0.0.0/24",
        "pools/lan.kdl:6:24",
        "outside the network",
        help,
    );
    assert_diag(
        &ds[2],
        "gateway 10.1.0.0 is the network's own address",
        "pools/wan.kdl:3:13",
        "not a host address",
        None,
    );
    assert_eq!(s, errors_line(3));
}

#[test]
fn overlapping_pools_name_both_files() {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        "pool \"lan\" {\n    network \"192.168.0.0/16\"\n    stub \"stub0\"\n    range \"192.168.1.10\" \"192.168.1.20\"\n}\n",
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        "pools `lan` (192.168.0.0/16) and `default` (192.168.100.0/24) overlap",
        "pools/lan.kdl:2:13",
        "overlaps another pool",
        Some("an address must belong to one pool; split the networks or merge the pools"),
    );
    assert!(ds[1].related, "{ds:#?}");
    assert_diag(
        &ds[1],
        "pool `default` is here",
        "pools/default.kdl:5:13",
        "the other pool",
        None,
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn overlapping_ipv6_pools() {
    let env = TestEnv::initialised();
    env.write(
        "pools/v6a.kdl",
        "pool \"v6a\" {\n    network \"2001:db8::/48\"\n    stub \"stub0\"\n    range \"2001:db8::10\" \"2001:db8::20\"\n}\n",
    );
    env.write(
        "pools/v6b.kdl",
        "pool \"v6b\" {\n    network \"2001:db8:0:1::/64\"\n    stub \"stub0\"\n    range \"2001:db8:0:1::10\" \"2001:db8:0:1::20\"\n}\n",
    );
    let (ds, s) = check_fails(&env);
    let tops = top(&ds);
    assert_eq!(tops.len(), 1, "{ds:#?}");
    assert_eq!(
        tops[0].message,
        "pools `v6b` (2001:db8:0:1::/64) and `v6a` (2001:db8::/48) overlap"
    );
    let places: Vec<_> = ds.iter().map(|d| d.position.clone().unwrap()).collect();
    assert_eq!(places, [at("pools/v6b.kdl:2:13"), at("pools/v6a.kdl:2:13")]);
    assert_eq!(s, errors_line(1));
}

#[test]
fn zone_address_outside_its_pool() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        zone("a", "running", "10.0.0.5/24", "default"),
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "zone `a` holds 10.0.0.5, outside its pool `default` (192.168.100.0/24)",
        "zones/a.kdl:6:14",
        "outside the pool",
        None,
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn zone_holding_the_gateway_or_the_network_address() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        zone("a", "running", "192.168.100.1/24", "default"),
    );
    env.write(
        "zones/b.kdl",
        zone("b", "running", "192.168.100.0/24", "default"),
    );
    let (ds, _) = check_fails(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap(),
                d.labels.join("|"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "zone `a` holds 192.168.100.1, which is the gateway of pool `default`",
                at("zones/a.kdl:6:14"),
                "not a host address of the pool".to_string()
            ),
            (
                "zone `b` holds 192.168.100.0, which is the network's own address of pool `default`",
                at("zones/b.kdl:6:14"),
                "not a host address of the pool".to_string()
            ),
        ]
    );
}

#[test]
fn address_held_by_two_zones_names_both() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        zone("a", "running", "192.168.100.20/24", "default"),
    );
    env.write(
        "zones/b.kdl",
        zone("b", "installed", "192.168.100.20/24", "default"),
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        "address 192.168.100.20 is held by zones `a` and `b`",
        "zones/b.kdl:6:14",
        "held twice",
        Some("each address belongs to one zone; fix one of the entries"),
    );
    assert!(ds[1].related);
    assert_diag(
        &ds[1],
        "zone `a` holds it here",
        "zones/a.kdl:6:14",
        "first holder",
        None,
    );
    assert_eq!(s, errors_line(1));
    // The second file follows the first as a pointer (☞), with no bare "Error:" line between.
    let run = env.zmgr(&["check"]);
    let stderr = run.stderr();
    assert!(
        stderr.lines().all(|l| !l.trim().starts_with("Error:")),
        "{stderr}"
    );
    assert!(stderr.contains("  ☞ zone `a` holds it here"), "{stderr}");
}

#[test]
fn the_same_address_written_two_ways_is_still_held_twice() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        crate::registry_support::zone_entry(
            "a",
            "running",
            "net \"a0\" address=\"2001:db8::a/64\"",
        ),
    );
    env.write(
        "zones/b.kdl",
        crate::registry_support::zone_entry(
            "b",
            "running",
            "net \"b0\" address=\"2001:DB8:0:0::A\"",
        ),
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(
        top(&ds)
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>(),
        ["address 2001:db8::a is held by zones `a` and `b`"]
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn zone_using_a_missing_pool() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        zone("a", "running", "192.168.100.20/24", "lan"),
    );
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "zone `a` uses pool `lan`, which does not exist",
        "zones/a.kdl:6:42",
        "no such pool",
        Some("known pools: default"),
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn vnic_claimed_by_two_zones() {
    let env = TestEnv::initialised();
    for (name, ip) in [("a", "192.168.100.20/24"), ("b", "192.168.100.21/24")] {
        env.write(
            &format!("zones/{name}.kdl"),
            crate::registry_support::zone_entry(
                name,
                "running",
                &format!("net \"web0\" address=\"{ip}\" pool=\"default\" vnic=#true"),
            ),
        );
    }
    let (ds, s) = check_fails(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        "VNIC `web0` is claimed by zones `a` and `b`",
        "zones/b.kdl:1:6",
        "second claim",
        None,
    );
    assert_eq!(s, errors_line(1));
}

#[test]
fn missing_hook_script_then_present() {
    let env = TestEnv::initialised();
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    hooks {\n        post-install \"web-post.rhai\"\n    }\n}\n",
    );
    let (ds, _) = check_fails(&env);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_diag(
        &ds[0],
        &format!(
            "post-install hook {} of template `web` does not exist",
            at("templates/web-post.rhai")
        ),
        "templates/web.kdl:4:22",
        "no such file",
        None,
    );
    env.write("templates/web-post.rhai", "print(\"installed\");\n");
    env.zmgr(&["check"]).success().stdout_is(&valid_line(
        &env,
        "",
        "3 templates, 1 pool, 0 zones, 1 publisher",
    ));
}

#[test]
fn warnings_only_exit_zero() {
    let env = TestEnv::initialised();
    // Still `creating`, and with a prefix length other than the pool's.
    env.write(
        "zones/a.kdl",
        zone("a", "creating", "192.168.100.20/25", "default"),
    );
    env.write(
        "zones/b.kdl",
        "zone \"b\" {\n    brand \"ipkg\"\n    template \"gone\"\n    zonepath \"/zones/b\"\n    state \"installed\"\n}\n",
    );
    let before = env.snapshot();
    let run = env.zmgr(&["check"]);
    run.exit(0).stdout_is(&valid_line(
        &env,
        " (3 warnings)",
        "2 templates, 1 pool, 2 zones, 1 publisher",
    ));
    assert!(before == env.snapshot());
    let ds = diags(&env, &run.stderr());
    assert!(ds.iter().all(|d| !d.error), "{ds:#?}");
    let got: Vec<_> = ds
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.position.clone().unwrap(),
                d.labels.join("|"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "zone `a` is still marked creating",
                at("zones/a.kdl:1:6"),
                "state creating".to_string()
            ),
            (
                "zone `a` has prefix length /25, but pool `default` is 192.168.100.0/24",
                at("zones/a.kdl:6:14"),
                "prefix differs from the pool's".to_string()
            ),
            (
                "zone `b` was made from template `gone`, which no longer exists",
                at("zones/b.kdl:3:14"),
                "no such template".to_string()
            ),
        ]
    );
    // Read-only verbs print the same warnings and carry on.
    let list = env.zmgr(&["list", "-p", "-o", "name,state"]);
    list.success().stdout_is("a:creating\nb:installed\n");
}

#[test]
fn errors_and_warnings_exit_two_with_both_counted() {
    let env = TestEnv::initialised();
    env.write(
        "zones/a.kdl",
        zone("a", "creating", "192.168.100.20/24", "default"),
    );
    env.write(
        "zones/b.kdl",
        zone("b", "running", "192.168.100.21/24", "lan"),
    );
    let (ds, s) = check_fails(&env);
    let got: Vec<_> = ds.iter().map(|d| (d.error, d.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (false, "zone `a` is still marked creating"),
            (true, "zone `b` uses pool `lan`, which does not exist"),
        ]
    );
    assert_eq!(
        s,
        "zmgr: 1 error and 1 warning in the registry at $DIR/etc/zmgr"
    );
}

#[test]
fn read_problems_and_cross_reference_problems_are_reported_together() {
    let env = TestEnv::initialised();
    env.write(
        "pools/wan.kdl",
        "pool \"wan\" {\n    network \"10.0.0.0/24\"\n    stub \"stub0\"\n    rnage \"10.0.0.10\" \"10.0.0.20\"\n}\n",
    );
    env.write(
        "templates/web.kdl",
        "template \"web\" {\n    brand \"ipkg\"\n    pool \"lan\"\n}\n",
    );
    env.write(
        "zones/a.kdl",
        zone("a", "running", "10.9.9.9/24", "default"),
    );
    let (ds, s) = check_fails(&env);
    let got: Vec<_> = ds
        .iter()
        .map(|d| (d.message.as_str(), d.position.clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown node `rnage`", at("pools/wan.kdl:4:5")),
            ("`pool` has no `range`", at("pools/wan.kdl:1:1")),
            (
                "template `web` uses pool `lan`, which does not exist",
                at("templates/web.kdl:3:10")
            ),
            (
                "zone `a` holds 10.9.9.9, outside its pool `default` (192.168.100.0/24)",
                at("zones/a.kdl:6:14")
            ),
        ],
        "{ds:#?}"
    );
    assert_eq!(s, errors_line(4));
}
