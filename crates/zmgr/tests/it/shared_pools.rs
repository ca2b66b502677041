//! Pools shared by several hosts through a real etcd (`ledger "etcd"`): registries, each with
//! its own simulator, acting as hosts; concurrent creates and destroys never hand out one
//! address twice; every way a create can stop leaves nothing, or a key `reconcile --fix`
//! releases.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::etcd_support::{EtcdServer, LeaderlessMember, StallingProxy, shared_host};
use crate::harness::TestEnv;
use crate::lifecycle_support::{
    assert_only_looked, assert_unchanged, entry, finish, snapshot_but_log, spawn, stderr_says,
    wait_for,
};

const PREFIX: &str = "/zmgr";

/// A host on `etcd`, its pool published.
fn host(etcd: &EtcdServer, name: &str) -> TestEnv {
    let env = shared_host(&etcd.url(), name, PREFIX, 5000);
    env.sandbox(&["pool", "publish", "default"]).success();
    env
}

/// The address each zone of the registry holds.
fn addresses(env: &TestEnv) -> Vec<(String, String)> {
    let run = env.sandbox(&["list", "-p", "-o", "name,address"]);
    run.success();
    run.stdout()
        .lines()
        .map(|l| {
            let (n, a) = l.split_once(':').unwrap();
            (n.to_string(), a.trim_end_matches("/24").to_string())
        })
        .collect()
}

/// Starts `creates` and `destroys` on `env` at once and waits for all of them.
fn run_all(env: &TestEnv, creates: &[String], destroys: &[String]) {
    let mut children = Vec::new();
    for n in creates {
        let args = vec!["create".to_string(), n.clone()];
        children.push((args.clone(), spawn(env, &["create", n])));
    }
    for n in destroys {
        let args = vec!["destroy".to_string(), n.clone(), "--yes".to_string()];
        children.push((args, spawn(env, &["destroy", n, "--yes"])));
    }
    for (args, child) in children {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        finish(env, child, &args).success();
    }
}

#[test]
fn three_hosts_share_one_pool_and_never_hold_one_address_twice() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let hosts: Vec<TestEnv> = ["h1", "h2", "h3"].iter().map(|h| host(&etcd, h)).collect();
    // 30 creates at once on each host: 90 in all, racing for the same addresses.
    let names = |h: usize, range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|i| format!("z{h}n{i:02}")).collect()
    };
    std::thread::scope(|s| {
        for (h, env) in hosts.iter().enumerate() {
            s.spawn(move || run_all(env, &names(h, 0..30), &[]));
        }
    });
    check_agreement(&etcd, &hosts, 90);

    // Each host: 15 destroys racing 15 creates (45 of each in all).
    std::thread::scope(|s| {
        for (h, env) in hosts.iter().enumerate() {
            s.spawn(move || run_all(env, &names(h, 30..45), &names(h, 0..15)));
        }
    });
    check_agreement(&etcd, &hosts, 90);

    // Every host's pool shows every host's addresses.
    let run = hosts[2].sandbox(&["pool", "show", "default", "--json"]);
    run.success();
    let shown = run.json();
    assert_eq!(shown["ledger"], "etcd");
    assert_eq!(shown["used"], "90");
    let listed = shown["zones"].as_array().unwrap();
    assert_eq!(listed.len(), 90);
    let hosts_seen: BTreeSet<&str> = listed.iter().filter_map(|z| z["host"].as_str()).collect();
    assert_eq!(hosts_seen, BTreeSet::from(["h1", "h2", "h3"]));
    assert!(listed.iter().all(|z| z["claim"] == "created"), "{listed:?}");
}

/// No address is held twice, every zone's address is its key in etcd (host, zone,
/// `created`), etcd holds no other key, and `check` and `reconcile` are clean on every host.
#[track_caller]
fn check_agreement(etcd: &EtcdServer, hosts: &[TestEnv], count: usize) {
    let mut seen = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for (h, env) in hosts.iter().enumerate() {
        let host = format!("h{}", h + 1);
        for (zone, address) in addresses(env) {
            assert!(seen.insert(address.clone()), "{address} is held twice");
            expected.insert((address, host.clone(), zone));
        }
        env.sandbox(&["check"]).success();
        env.sandbox(&["reconcile"])
            .success()
            .stdout_is("the registry and the system agree\n");
    }
    assert_eq!(seen.len(), count);
    let keys: BTreeSet<(String, String, String)> = etcd
        .claims(PREFIX, "default")
        .into_iter()
        .map(|(address, claim)| {
            assert_eq!(claim["state"], "created", "{address}: {claim}");
            (
                address,
                claim["host"].as_str().unwrap().to_string(),
                claim["zone"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(keys, expected, "etcd's keys are not the zones");
}

#[test]
fn a_create_killed_after_its_claim_leaves_a_key_that_reconcile_releases() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let proxy = StallingProxy::start(etcd.port());
    let env = shared_host(&proxy.url(), "h1", PREFIX, 60_000);
    env.sandbox(&["pool", "publish", "default"]).success();
    let mut child = spawn(&env, &["create", "web01"]);
    assert!(
        wait_for(Duration::from_secs(20), || proxy
            .stalled
            .load(std::sync::atomic::Ordering::SeqCst)),
        "the claim never reached etcd"
    );
    // Killed between the reservation in etcd and the zone entry.
    child.kill().expect("kill -9");
    let _ = child.wait();
    let claims = etcd.claims(PREFIX, "default");
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0].0, "192.0.2.10");
    assert_eq!(claims[0].1["zone"], "web01");
    assert_eq!(entry(&env, "web01"), None);
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());

    let run = env.sandbox(&["reconcile"]);
    run.exit(1).stdout_has(
        "etcd key /zmgr/pools/default/addrs/192.0.2.10 holds 192.0.2.10 of shared pool default for zone web01, which this registry does not have",
    );
    env.sandbox(&["reconcile", "--fix"]).exit(0);
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
    env.sandbox(&["reconcile"])
        .success()
        .stdout_is("the registry and the system agree\n");
    // The address is free again: the next create takes it.
    env.sandbox(&["create", "web02"])
        .success()
        .stdout_has("192.0.2.10/24");
}

#[test]
fn etcd_lost_during_a_create_undoes_it_and_names_the_key_reconcile_releases() {
    let Some(mut etcd) = EtcdServer::start() else {
        return;
    };
    let env = shared_host(&etcd.url(), "h1", PREFIX, 1000);
    env.sandbox(&["pool", "publish", "default"]).success();
    env.faults("zoneadm install zone=web01 delay=3\n");
    let child = spawn(&env, &["create", "web01"]);
    assert!(
        wait_for(Duration::from_secs(20), || !etcd
            .claims(PREFIX, "default")
            .is_empty()),
        "the create claimed nothing"
    );
    etcd.stop();
    let run = finish(&env, child, &["create", "web01"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "etcd could not be reached within 1000 ms",
            "etcd key /zmgr/pools/default/addrs/192.0.2.10 could not be released",
            "`zmgr reconcile --fix` releases it",
        ],
    );
    // Everything local is undone.
    assert_eq!(entry(&env, "web01"), None);
    assert!(env.system_zones().is_empty(), "{:?}", env.system_zones());
    assert!(env.system_vnics().is_empty(), "{:?}", env.system_vnics());

    etcd.restart();
    env.sandbox(&["reconcile"])
        .exit(1)
        .stdout_has("for zone web01");
    env.sandbox(&["reconcile", "--fix"]).exit(0);
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
}

#[test]
fn a_host_with_another_definition_refuses_to_allocate() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let _h1 = host(&etcd, "h1");
    let h2 = shared_host(&etcd.url(), "h2", PREFIX, 5000);
    let pool = h2
        .read("pools/default.kdl")
        .replace("192.0.2.250", "192.0.2.200");
    h2.write("pools/default.kdl", pool);
    let run = h2.sandbox(&["create", "app01"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "pool `default` differs from the definition published in etcd",
            r#"ranges: [{"end":"192.0.2.200","start":"192.0.2.10"}] here, [{"end":"192.0.2.250","start":"192.0.2.10"}] published"#,
        ],
    );
    assert_eq!(entry(&h2, "app01"), None);
    assert!(h2.system_zones().is_empty());
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
    // Nor by hand.
    h2.sandbox(&["pool", "reserve", "default"]).exit(1);
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
}

#[test]
fn an_unpublished_pool_says_how_to_publish_it() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let env = shared_host(&etcd.url(), "h1", PREFIX, 5000);
    let run = env.sandbox(&["create", "web01"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            "shared pool `default` has no definition in etcd",
            "`zmgr pool publish default`",
        ],
    );
    env.sandbox(&["pool", "publish", "default"])
        .success()
        .stdout_is("pool default: published\n");
    env.sandbox(&["pool", "publish", "default"])
        .success()
        .stdout_is("pool default: etcd has this definition already\n");
    // Its JSON has the shape docs/cli.md shows.
    let command = "zmgr pool publish default --json";
    let example = crate::json_docs::examples()
        .into_iter()
        .find(|e| e.command == command)
        .expect("docs/cli.md shows `pool publish --json`");
    let run = env.sandbox(&["pool", "publish", "default", "--json"]);
    run.success();
    let actual: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(
        crate::json_docs::differences("", &example.json, &actual),
        Vec::<String>::new()
    );
    assert_eq!(actual["changed"], false);
    let defs = etcd.keys("/zmgr/pools/default/definition");
    assert_eq!(
        defs[0].1,
        r#"{"excluded":[],"gateway":"192.0.2.1","network":"192.0.2.0/24","ranges":[{"end":"192.0.2.250","start":"192.0.2.10"}],"reserved":[]}"#
    );
}

#[test]
fn etcd_unreachable_fails_within_the_timeout_naming_the_endpoints_and_changes_nothing() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = shared_host(&format!("http://127.0.0.1:{port}"), "h1", PREFIX, 500);
    let before = snapshot_but_log(&env);
    let looked = env.invocations();
    let started = std::time::Instant::now();
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    stderr_says(
        &run,
        &[
            &format!("etcd could not be reached within 500 ms: http://127.0.0.1:{port} ("),
            "check that etcd runs at the endpoints",
        ],
    );
    assert_unchanged(&env, &before, &snapshot_but_log(&env));
    assert_only_looked(&env, &looked);
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());
}

#[test]
fn scripts_allocate_and_release_in_a_shared_pool() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let env = host(&etcd, "h1");
    env.write(
        "scripts/grab.rhai",
        "let a = zmgr::allocate(\"default\");\nprint(a);\nlet p = zmgr::pool(\"default\");\nprint(`${p.used} ${p.zones[0].host} ${p.zones[0].claim}`);\n",
    );
    // print() writes to standard error.
    let run = env.sandbox(&["grab"]);
    run.success().stderr_has("192.0.2.10\n1 h1 reserved\n");
    let claims = etcd.claims(PREFIX, "default");
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].1["zone"], serde_json::Value::Null);
    assert_eq!(claims[0].1["state"], "reserved");
    // A create does not take it; reconcile does not call it leaked.
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_has("192.0.2.11/24");
    env.sandbox(&["reconcile"]).success();
    env.write(
        "scripts/give.rhai",
        "zmgr::release(\"default\", \"192.0.2.10\");\n",
    );
    env.sandbox(&["give"]).success();
    let left: Vec<String> = etcd
        .claims(PREFIX, "default")
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(left, ["192.0.2.11"]);
    // Destroy gives the zone's address back too.
    env.sandbox(&["destroy", "web01", "--yes"]).success();
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
}

#[test]
fn a_password_file_others_can_read_is_refused() {
    let env = shared_host("http://127.0.0.1:9", "h1", PREFIX, 500);
    let secret = with_password(&env, "hunter2", 0o644);
    let run = env.sandbox(&["create", "web01"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            "can be read by users other than its owner",
            &format!("chmod go-rwx {}", secret.display()),
        ],
    );
    assert_eq!(entry(&env, "web01"), None);
}

#[test]
fn a_shared_pool_needs_an_etcd_block() {
    let env = crate::lifecycle_support::sandbox();
    let pool = env
        .read("pools/default.kdl")
        .replacen("}\n", "    ledger \"etcd\"\n}\n", 1);
    env.write("pools/default.kdl", pool);
    let run = env.sandbox(&["check"]);
    run.exit(2);
    stderr_says(
        &run,
        &["pool `default` keeps its addresses in etcd, and config.kdl has no `etcd` block"],
    );
    let pool = env
        .read("pools/default.kdl")
        .replace("ledger \"etcd\"", "ledger \"etdc\"");
    env.write("pools/default.kdl", pool);
    stderr_says(
        &env.sandbox(&["check"]),
        &["unknown ledger `etdc`", "expected \"files\" or \"etcd\""],
    );
}

#[test]
fn import_claims_shared_addresses_and_refuses_one_another_host_holds() {
    use crate::import_support::{hand_zone, net, vnic};
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let h1 = host(&etcd, "h1");
    h1.sandbox(&["create", "web01"])
        .success()
        .stdout_has("192.0.2.10/24");
    let h2 = host(&etcd, "h2");
    vnic(&h2, "hand0");
    hand_zone(
        &h2,
        "hand",
        "ipkg",
        "exclusive",
        &[net("hand0", "192.0.2.10/24")],
        "installed",
    );
    vnic(&h2, "free0");
    hand_zone(
        &h2,
        "free",
        "ipkg",
        "exclusive",
        &[net("free0", "192.0.2.60/24")],
        "installed",
    );
    let run = h2.sandbox(&["import", "--json"]);
    run.exit(1);
    let results = run.json_list("results");
    let by = |z: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["zone"] == z)
            .cloned()
            .unwrap()
    };
    assert_eq!(by("hand")["outcome"], "conflict");
    assert_eq!(by("hand")["holder"], "zone web01 on host h1");
    assert_eq!(by("free")["outcome"], "imported");
    let claims = etcd.claims(PREFIX, "default");
    let held: Vec<(&str, &str, &str)> = claims
        .iter()
        .map(|(a, c)| {
            (
                a.as_str(),
                c["host"].as_str().unwrap(),
                c["zone"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [("192.0.2.10", "h1", "web01"), ("192.0.2.60", "h2", "free")]
    );
    h2.sandbox(&["reconcile"]).exit(1).stdout_has("hand");
    h1.sandbox(&["reconcile"]).success();
}

#[test]
fn an_interface_added_or_removed_claims_or_releases_its_address() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let h1 = host(&etcd, "h1");
    let h2 = host(&etcd, "h2");
    h2.sandbox(&["create", "app01", "--no-boot"]).success();
    h1.sandbox(&["create", "web01", "--no-boot"]).success();
    h1.sandbox(&["add", "web01", "net", "pool=default"])
        .success()
        .stdout_has("192.0.2.12/24");
    let zones_of = |etcd: &EtcdServer| -> Vec<(String, String)> {
        etcd.claims(PREFIX, "default")
            .into_iter()
            .map(|(a, c)| (a, c["zone"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        zones_of(&etcd),
        [
            ("192.0.2.10".to_string(), "app01".to_string()),
            ("192.0.2.11".to_string(), "web01".to_string()),
            ("192.0.2.12".to_string(), "web01".to_string()),
        ]
    );
    // An address another host holds cannot be asked for.
    let run = h1.sandbox(&["add", "web01", "net", "pool=default", "address=192.0.2.10"]);
    run.exit(1);
    stderr_says(&run, &["192.0.2.10 is held by zone app01 on host h2"]);
    h1.sandbox(&["remove", "web01", "net", "address=192.0.2.12"])
        .success();
    assert_eq!(zones_of(&etcd).len(), 2);
    h1.sandbox(&["reconcile"]).success();
    h2.sandbox(&["reconcile"]).success();
}

/// config.kdl's etcd block of a host reaching `etcd` with `extra` lines in it.
fn with_etcd_lines(env: &TestEnv, extra: &str) {
    let config = env.read("config.kdl");
    let at = config.find("    timeout-ms ").expect("an etcd block");
    let end = at + config[at..].find('\n').unwrap() + 1;
    env.write(
        "config.kdl",
        format!("{}{extra}{}", &config[..end], &config[end..]),
    );
}

/// Gives the etcd block user `zmgr` and a password file holding `password`, of `mode`.
fn with_password(env: &TestEnv, password: &str, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let secret = env.dir().join("etcd-password");
    std::fs::write(&secret, format!("{password}\n")).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
    with_etcd_lines(
        env,
        &format!(
            "    user \"zmgr\"\n    password-file \"{}\"\n",
            secret.display()
        ),
    );
    secret
}

#[test]
fn tls_with_a_client_certificate() {
    let Some(etcd) = EtcdServer::start_tls() else {
        return;
    };
    let certs = etcd.certs().unwrap().to_path_buf();
    let env = shared_host(&etcd.url(), "h1", PREFIX, 5000);
    let file = |n: &str| certs.join(n).display().to_string();
    // Without the client certificate etcd refuses the connection.
    with_etcd_lines(&env, &format!("    ca-file \"{}\"\n", file("ca.pem")));
    let run = env.sandbox(&["pool", "publish", "default"]);
    run.exit(1);
    stderr_says(&run, &["etcd could not be reached within 5000 ms"]);
    with_etcd_lines(
        &env,
        &format!(
            "    cert-file \"{}\"\n    key-file \"{}\"\n",
            file("client.pem"),
            file("client-key.pem")
        ),
    );
    env.sandbox(&["pool", "publish", "default"]).success();
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_has("192.0.2.10/24");
    assert_eq!(etcd.claims(PREFIX, "default").len(), 1);
    env.sandbox(&["destroy", "web01", "--yes"]).success();
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
    // A key file others can read is refused before it is used.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        certs.join("client-key.pem"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let run = env.sandbox(&["create", "web02"]);
    run.exit(2);
    stderr_says(
        &run,
        &["client-key.pem can be read by users other than its owner"],
    );
}

#[test]
fn a_user_and_password_when_etcd_has_auth_on() {
    let Some(mut etcd) = EtcdServer::start() else {
        return;
    };
    etcd.enable_auth("zmgr", "s3cret", PREFIX);
    let env = shared_host(&etcd.url(), "h1", PREFIX, 5000);
    let secret = with_password(&env, "wrong", 0o600);
    let run = env.sandbox(&["pool", "publish", "default"]);
    run.exit(1);
    stderr_says(&run, &["refused user `zmgr`"]);
    std::fs::write(&secret, "s3cret\n").unwrap();
    env.sandbox(&["pool", "publish", "default"]).success();
    env.sandbox(&["create", "web01"]).success();
    assert_eq!(etcd.claims(PREFIX, "default").len(), 1);
}

#[test]
fn a_dry_run_shows_the_address_free_on_every_host_and_claims_nothing() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let h1 = host(&etcd, "h1");
    let h2 = host(&etcd, "h2");
    h1.sandbox(&["create", "web01", "--no-boot"]).success();
    let run = h2.sandbox(&["create", "app01", "--dry-run", "--json"]);
    run.success();
    assert_eq!(run.json()["nets"][0]["address"], "192.0.2.11/24");
    assert_eq!(etcd.claims(PREFIX, "default").len(), 1);
}

#[test]
fn an_interrupted_create_gives_its_claim_back() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let env = host(&etcd, "h1");
    env.faults("zoneadm install zone=web01 delay=5\n");
    let child = spawn(&env, &["create", "web01"]);
    assert!(
        wait_for(Duration::from_secs(20), || !etcd
            .claims(PREFIX, "default")
            .is_empty()),
        "the create claimed nothing"
    );
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let run = finish(&env, child, &["create", "web01"]);
    run.exit(1);
    assert_eq!(entry(&env, "web01"), None);
    assert!(env.system_zones().is_empty(), "{:?}", env.system_zones());
    assert!(env.system_vnics().is_empty());
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
}

#[test]
fn two_registries_cannot_share_one_host_name() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let first = host(&etcd, "h1");
    first.sandbox(&["create", "web01", "--no-boot"]).success();
    let second = shared_host(&etcd.url(), "h1", PREFIX, 5000);
    let run = second.sandbox(&["create", "app01"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            "host name `h1` is registered in etcd by another registry (/zmgr/hosts/h1)",
            "give this registry its own `host-name`",
            "free the name with `etcdctl del /zmgr/hosts/h1`",
        ],
    );
    // Nor may it take the first one's address for a leak: reconcile refuses as create does
    // (this is no etcd out of reach).
    let run = second.sandbox(&["reconcile", "--fix"]);
    run.exit(2);
    stderr_says(&run, &["is registered in etcd by another registry"]);
    assert_eq!(etcd.claims(PREFIX, "default").len(), 1);
}

#[test]
fn commands_started_together_on_a_new_registry_all_take_its_identity() {
    let Some(mut etcd) = EtcdServer::start() else {
        return;
    };
    // With auth on, each process spends a while getting its token: the first to register
    // does so while the others are still looking.
    etcd.enable_auth("zmgr", "s3cret", PREFIX);
    let env = shared_host(&etcd.url(), "h1", PREFIX, 5000);
    with_password(&env, "s3cret", 0o600);
    let args = ["pool", "list"];
    let children: Vec<_> = (0..6).map(|_| spawn(&env, &args)).collect();
    for child in children {
        finish(&env, child, &args).success();
    }
    let id = env.read(".zmgr/host-id");
    let registered = etcd.keys(&format!("{PREFIX}/hosts/"));
    assert_eq!(
        registered,
        vec![(format!("{PREFIX}/hosts/h1"), id.trim_end().to_string())]
    );
}

#[test]
fn a_claim_whose_answer_is_lost_is_given_back() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let proxy = StallingProxy::start(etcd.port());
    let env = shared_host(&proxy.url(), "h1", PREFIX, 1500);
    env.sandbox(&["pool", "publish", "default"]).success();
    // The claim reaches etcd; its answer never comes back and the create times out.
    let run = env.sandbox(&["create", "web01"]);
    run.exit(1);
    stderr_says(&run, &["etcd could not be reached within 1500 ms"]);
    assert!(proxy.stalled.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(etcd.claims(PREFIX, "default"), Vec::new());
    assert_eq!(entry(&env, "web01"), None);
    assert!(env.system_vnics().is_empty());
}

/// Writes `claim` as the value of `address`'s key, as another writer could.
fn put_claim(etcd: &EtcdServer, address: &str, claim: &str) {
    let out = etcd.etcdctl(&[
        "put",
        &format!("{PREFIX}/pools/default/addrs/{address}"),
        claim,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn reconcile_releases_a_leaked_key_of_a_zone_it_has_and_confirms_a_stale_claim() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let env = host(&etcd, "h1");
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    // A second key for web01, which the zone does not hold (an add net killed after its
    // claim), and web01's own key left at `creating` (a create killed before its last step).
    put_claim(
        &etcd,
        "192.0.2.20",
        r#"{"host":"h1","zone":"web01","state":"created","time":"2026-01-01T00:00:00Z"}"#,
    );
    put_claim(
        &etcd,
        "192.0.2.10",
        r#"{"host":"h1","zone":"web01","state":"creating","time":"2026-01-01T00:00:00Z"}"#,
    );
    let run = env.sandbox(&["reconcile"]);
    run.exit(1)
        .stdout_has("etcd key /zmgr/pools/default/addrs/192.0.2.20 holds 192.0.2.20 of shared pool default for zone web01, which this registry does not have")
        .stdout_has("etcd key /zmgr/pools/default/addrs/192.0.2.10 still says `creating` for 192.0.2.10 of zone web01, whose create is over");
    env.sandbox(&["reconcile", "--fix"]).exit(0);
    let claims = etcd.claims(PREFIX, "default");
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0].0, "192.0.2.10");
    assert_eq!(claims[0].1["state"], "created");
    env.sandbox(&["reconcile"]).success();
}

#[test]
fn reconcile_without_etcd_still_compares_the_rest() {
    let Some(mut etcd) = EtcdServer::start() else {
        return;
    };
    let env = host(&etcd, "h1");
    env.sandbox(&["create", "web01"]).success();
    env.tool("zoneadm", &["-z", "web01", "halt"]).success();
    etcd.stop();
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.exit(1)
        .stdout_has("zone web01 is installed on the system but running in the registry")
        .stdout_has("the shared pools were not compared with etcd: etcd could not be reached");
    // The drift was fixed all the same.
    env.sandbox(&["show", "web01", "-p", "-o", "state"])
        .success()
        .stdout_is("installed\n");
}

#[test]
fn reconcile_never_releases_a_key_whose_address_a_zone_here_may_use() {
    let Some(etcd) = EtcdServer::start() else {
        return;
    };
    let env = host(&etcd, "h1");
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    // web01's key names another zone of this host (an entry renamed by hand): web01 still
    // uses the address, so the key is a conflict to look at, not a leak to free.
    put_claim(
        &etcd,
        "192.0.2.10",
        r#"{"host":"h1","zone":"old01","state":"created","time":"2026-01-01T00:00:00Z"}"#,
    );
    // web02's entry is lost while the zone stays on the system: its key stays too.
    std::fs::remove_file(env.path("zones/web02.kdl")).unwrap();
    let run = env.sandbox(&["reconcile", "--fix"]);
    run.exit(1)
        .stdout_has("zone web01 holds 192.0.2.10 of shared pool default, and etcd gives it to zone old01 on host h1")
        .stdout_has("zone web02 is on the system but not in the registry");
    assert!(!run.stdout().contains("which this registry does not have"));
    let claims: Vec<String> = etcd
        .claims(PREFIX, "default")
        .into_iter()
        .map(|(a, c)| format!("{a} {}", c["zone"]))
        .collect();
    assert_eq!(claims, ["192.0.2.10 \"old01\"", "192.0.2.11 \"web02\""]);
    // Import takes web02's own key back rather than calling it another holder's.
    env.sandbox(&["import", "web02"]).success();
    assert!(entry(&env, "web02").unwrap().contains("192.0.2.11/24"));
    assert_eq!(etcd.claims(PREFIX, "default").len(), 2);
}

#[test]
fn a_member_without_a_leader_hands_over_to_the_next_even_for_the_token() {
    let Some(mut etcd) = EtcdServer::start() else {
        return;
    };
    etcd.enable_auth("zmgr", "s3cret", PREFIX);
    let lost = LeaderlessMember::start();
    let env = shared_host(
        &format!("{}\" \"{}", lost.url(), etcd.url()),
        "h1",
        PREFIX,
        5000,
    );
    with_password(&env, "s3cret", 0o600);
    env.sandbox(&["pool", "publish", "default"]).success();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    assert_eq!(etcd.claims(PREFIX, "default").len(), 1);

    // With no member that can answer, the error says etcd answered, not that it was away.
    let alone = shared_host(&lost.url(), "h2", PREFIX, 5000);
    let run = alone.sandbox(&["create", "app01"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            &format!(
                "etcd answered with an error at every endpoint: {} (HTTP 503: etcdserver: no leader)",
                lost.url()
            ),
            "check the cluster's health",
        ],
    );
    assert_eq!(entry(&alone, "app01"), None);
}
