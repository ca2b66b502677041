//! `zmgr host check` and `zmgr host setup` against the simulator: every missing piece is
//! found, made, and made once; a failed setup takes back what it made; what exists but is
//! wrong is left to a person.

use crate::harness::TestEnv;
use crate::lifecycle_support::{assert_unchanged, sandbox, snapshot_but_log};

/// A sandbox whose pool is NATed to the simulated outside link, and whose host has lost what
/// the sandbox's setup made: the zones dataset and the etherstub (a fresh illumos host).
fn bare_host() -> TestEnv {
    let env = sandbox();
    let pool = env.read("pools/default.kdl").replace(
        "    stub \"zmgr_stub0\"\n",
        "    stub \"zmgr_stub0\"\n    nat \"e1000g0\"\n",
    );
    env.write("pools/default.kdl", pool);
    env.tool("zfs", &["destroy", "rpool/zones"]).success();
    env.tool("dladm", &["delete-etherstub", "zmgr_stub0"])
        .success();
    env
}

/// The status word of each prerequisite, in order.
fn statuses(env: &TestEnv) -> Vec<(String, String)> {
    let run = env.sandbox(&["host", "check", "--json"]);
    let v = run.json();
    v["prerequisites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["subject"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ipnat_conf(env: &TestEnv) -> String {
    std::fs::read_to_string(env.sim_state().join("etc/ipf/ipnat.conf")).unwrap_or_default()
}

#[test]
fn check_lists_every_missing_piece_setup_makes_them_once() {
    let env = bare_host();
    let base = env.dir().join("zones");
    let conf = env.sim_state().join("etc/ipf/ipnat.conf");
    let check = env.sandbox(&["host", "check"]);
    check
        .exit(1)
        .stdout_has(&format!(
            "missing  zonepath base {}: no ZFS dataset is mounted there",
            base.display()
        ))
        .stdout_has("missing  pool default: stub zmgr_stub0: no such link\n")
        .stdout_has("missing  pool default: gateway 192.0.2.1: no interface of this host has the gateway address\n")
        .stdout_has("missing  pool default: IPv4 forwarding: disabled now, disabled after a reboot\n")
        .stdout_has(&format!(
            "missing  pool default: NAT rule in {}: no `map e1000g0 192.0.2.0/24 -> …` rule\n",
            conf.display()
        ))
        .stdout_has("missing  pool default: IP Filter (svc:/network/ipfilter:default): disabled\n")
        .stdout_has("ok       publisher openindiana.org: origin https://pkg.openindiana.org/hipster: a well-formed URI\n")
        .stdout_has("`zmgr host setup` makes what is missing\n")
        .stderr_has("6 host prerequisites are not met");

    // A dry run shows the commands and changes nothing.
    let before = snapshot_but_log(&env);
    let dry = env.sandbox(&["host", "setup", "--dry-run"]);
    dry.success()
        .stdout_has(&format!(
            "would run: {}/sim/bin/zfs create -o mountpoint={} rpool/zones\n",
            env.dir().display(),
            base.display()
        ))
        .stdout_has("nothing was changed (--dry-run)\n");
    assert_unchanged(&env, &before, &snapshot_but_log(&env));

    let bin = env.dir().join("sim/bin");
    let bin = bin.display();
    env.sandbox(&["host", "setup"]).success().stdout_is(&format!(
        "ran: {bin}/zfs create -o mountpoint={} rpool/zones\n\
         ran: {bin}/dladm create-etherstub zmgr_stub0\n\
         ran: {bin}/dladm create-vnic -l zmgr_stub0 zmgr_stub_gw0\n\
         ran: {bin}/ipadm create-addr -T static -a 192.0.2.1/24 zmgr_stub_gw0/v4\n\
         ran: {bin}/routeadm -u -e ipv4-forwarding\n\
         ran: add to {}: map e1000g0 192.0.2.0/24 -> 0/32 portmap tcp/udp 1025:65000; map e1000g0 192.0.2.0/24 -> 0/32\n\
         ran: {bin}/svcadm enable svc:/network/ipfilter:default\n",
        base.display(),
        conf.display()
    ));
    assert!(
        statuses(&env).iter().all(|(_, s)| s == "ok"),
        "{:?}",
        statuses(&env)
    );
    env.sandbox(&["host", "check"])
        .success()
        .stdout_has("the host is ready\n");
    // What the simulated host now has.
    env.tool(
        "ipadm",
        &["show-addr", "-p", "-o", "addrobj,addr", "zmgr_stub_gw0/v4"],
    )
    .success()
    .stdout_is("zmgr_stub_gw0/v4:192.0.2.1/24\n");
    env.tool("routeadm", &["-p", "ipv4-forwarding"])
        .success()
        .stdout_is("persistent=enabled default=disabled current=enabled\n");
    env.tool("ipnat", &["-l"])
        .success()
        .stdout_has("map e1000g0 192.0.2.0/24 -> 0.0.0.0/32");
    assert!(ipnat_conf(&env).contains("# BEGIN zmgr pool default"));

    // A second run finds nothing to do and changes nothing.
    let before = snapshot_but_log(&env);
    env.sandbox(&["host", "setup"])
        .success()
        .stdout_is("nothing to do: every prerequisite zmgr can make is there\n");
    assert_unchanged(&env, &before, &snapshot_but_log(&env));
    // And zones can be made.
    env.sandbox(&["create", "web01"]).success();
}

#[test]
fn a_failed_setup_takes_back_what_it_made() {
    let env = bare_host();
    let before = snapshot_but_log(&env);
    let checked = statuses(&env);
    env.faults("svcadm enable exit=1 message=svcadm: permission denied\n");
    let run = env.sandbox(&["host", "setup"]);
    run.exit(1)
        .stderr_has("host setup failed")
        .stderr_has("undone: ")
        .stderr_has("zfs create");
    env.faults("");
    // Everything it made before the failure is gone: the host is as it was.
    assert_eq!(statuses(&env), checked);
    assert!(env.system_vnics().is_empty());
    assert_eq!(ipnat_conf(&env), "");
    let after = snapshot_but_log(&env);
    let changed: Vec<_> = after
        .keys()
        .filter(|p| before.get(*p) != after.get(*p))
        .filter(|p| !p.starts_with(env.sim_state()) && !p.starts_with(env.dir().join("zones")))
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
}

#[test]
fn a_wrong_prerequisite_is_left_to_a_person() {
    let env = sandbox();
    // The pool's gateway is on the host, but on the outside link, not over the stub.
    env.tool(
        "ipadm",
        &[
            "create-addr",
            "-T",
            "static",
            "-a",
            "192.0.2.1/24",
            "e1000g0/v4",
        ],
    )
    .success();
    env.sandbox(&["host", "check"])
        .exit(1)
        .stdout_has("wrong    pool default: gateway 192.0.2.1: 192.0.2.1 is configured as e1000g0/v4, which is not over zmgr_stub0\n");
    let before = snapshot_but_log(&env);
    env.sandbox(&["host", "setup"])
        .exit(1)
        .stdout_has("needs a person: pool default: gateway 192.0.2.1")
        .stderr_has("1 prerequisite needs a person");
    assert_unchanged(&env, &before, &snapshot_but_log(&env));
}

#[test]
fn scripts_check_the_host_as_the_verb_does() {
    let env = sandbox();
    let file = crate::script_support::work_script(
        &env,
        "host.rhai",
        "let r = zmgr::host_check();\nfor p in r.prerequisites { if p.status != \"ok\" { print(`${p.status} ${p.subject}`); } }\nlet d = zmgr::host_setup(true);\nprint(`would: ${d.changes.len()}`);\n",
    );
    let run = crate::script_support::run_script(&env, &file, &[]);
    run.success()
        .stderr_has("missing pool default: gateway 192.0.2.1\n")
        .stderr_has("would: 2\n");
}

/// `init` ends with the host check, so a new user sees at once what the first create needs.
#[test]
fn init_ends_with_the_host_check() {
    let env = sandbox();
    env.sandbox(&["init"])
        .success()
        .stdout_has("exists  ")
        .stdout_has("\nhost check:\n")
        .stdout_has("missing  pool default: gateway 192.0.2.1")
        .stdout_has("`zmgr host setup` makes what is missing\n");
    env.sandbox(&["host", "setup"]).success();
    env.sandbox(&["init"])
        .success()
        .stdout_has("the host is ready\n");
}
