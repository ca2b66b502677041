//! svcadm, svcs and svcprop in the simulated global zone.

use super::harness::SimEnv;

#[test]
fn enable_ipfilter_by_abbreviation() {
    let env = SimEnv::new();
    env.run(
        "svcs",
        &["-H", "-o", "state", "svc:/network/ipfilter:default"],
    )
    .ok()
    .stdout("disabled\n");
    env.run("svcadm", &["enable", "network/ipfilter"])
        .ok()
        .stdout("")
        .stderr("");
    // Persisted across invocations; every accepted spelling names it.
    for name in [
        "ipfilter",
        "network/ipfilter",
        "ipfilter:default",
        "svc:/network/ipfilter",
        "svc:/network/ipfilter:default",
        "network/ipf*",
    ] {
        env.run("svcs", &["-H", "-o", "state", name])
            .ok()
            .stdout("online\n");
    }
    env.run("svcs", &["-Ho", "fmri,state", "ipfilter"])
        .ok()
        .stdout("svc:/network/ipfilter:default                      online\n");
    let st = env.state();
    let inst = st["smf"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["fmri"] == "svc:/network/ipfilter:default")
        .unwrap()
        .clone();
    assert_eq!(inst["enabled"], true);
    assert_eq!(inst["state"], "online");
    env.run("svcadm", &["disable", "-s", "ipfilter"]).ok();
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("disabled\n");
}

#[test]
fn temporary_enable_and_verbose() {
    let env = SimEnv::new();
    env.run("svcadm", &["-v", "enable", "-t", "ipfilter"])
        .ok()
        .stdout("svc:/network/ipfilter:default temporarily enabled.\n");
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("online\n");
    let st = env.state();
    let inst = st["smf"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["fmri"] == "svc:/network/ipfilter:default")
        .unwrap()
        .clone();
    assert_eq!(inst["enabled"], false);
    assert_eq!(inst["enabled_ovr"], true);
    env.run("svcadm", &["-v", "disable", "ipfilter"])
        .ok()
        .stdout("svc:/network/ipfilter:default disabled.\n");
}

#[test]
fn unknown_and_ambiguous_patterns() {
    let env = SimEnv::new();
    env.run("svcadm", &["enable", "network/nosuch"])
        .code(1)
        .stdout("")
        .stderr("svcadm: Pattern 'network/nosuch' doesn't match any instances\n");
    env.run("svcadm", &["enable", "legacy-routing"])
        .code(1)
        .stderr("svcadm: Partial FMRI matches multiple instances\n");
    env.run("svcs", &["-H", "-o", "state", "nosuch"])
        .code(1)
        .stdout("")
        .stderr("svcs: Pattern 'nosuch' doesn't match any instances\n");
    // svcs lists every instance a partial FMRI names.
    env.run("svcs", &["-H", "-o", "fmri", "legacy-routing"])
        .ok()
        .stdout(concat!(
            "svc:/network/routing/legacy-routing:ipv4\n",
            "svc:/network/routing/legacy-routing:ipv6\n",
        ));
}

#[test]
fn svcadm_usage() {
    let env = SimEnv::new();
    let out = env.run("svcadm", &[]).code(2);
    assert!(out.stderr.starts_with(
        "Usage: svcadm [-S <state>] [-v] [-Z | -z zone] [cmd [args ... ]]\n\n\tsvcadm enable [-rst] [<service> ...]\t- enable and online service(s)\n"
    ));
    env.run("svcadm", &["enable"]).code(2);
    env.run("svcadm", &["frob", "ipfilter"]).code(2);
    let bad = env.run("svcadm", &["enable", "-x", "ipfilter"]).code(2);
    assert!(
        bad.stderr
            .starts_with("svcadm: illegal option -- x\nUsage: svcadm")
    );
}

#[test]
fn svcs_listing_header_and_columns() {
    let env = SimEnv::new();
    // Instances nobody touched have no known state time.
    env.run("svcs", &["ipfilter", "ssh"]).ok().stdout(concat!(
        "STATE          STIME    FMRI\n",
        "disabled       -        svc:/network/ipfilter:default\n",
        "online         -        svc:/network/ssh:default\n",
    ));
    env.run("svcs", &["-o", "state,fmri", "-H", "ipfilter"])
        .ok()
        .stdout("disabled       svc:/network/ipfilter:default\n");
    // uu_die: exit 1.
    env.run("svcs", &["-o", "bogus", "ipfilter"])
        .code(1)
        .stderr_has("svcs: Unknown column \"bogus\".\n");
    // After a change the state time is shown.
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    let out = env.run("svcs", &["-H", "ipfilter"]).ok().stdout;
    assert!(out.starts_with("online         "), "{out}");
    assert!(out.ends_with("svc:/network/ipfilter:default\n"), "{out}");
    assert_eq!(
        out.len(),
        "online         HH:MM:SS svc:/network/ipfilter:default\n".len()
    );
}

#[test]
fn svcprop_names_the_nat_file() {
    let env = SimEnv::new();
    let want = format!("{}\n", env.path("etc/ipf/ipnat.conf").display());
    env.run(
        "svcprop",
        &["-p", "config/ipnat_config_file", "network/ipfilter"],
    )
    .ok()
    .stdout(&want);
    env.run(
        "svcprop",
        &["-p", "config/nosuch", "svc:/network/ipfilter:default"],
    )
    .code(1)
    .stderr("svcprop: Couldn't find property `config/nosuch' for instance `svc:/network/ipfilter:default'.\n");
}

#[test]
fn faults_refuse_and_change_nothing() {
    let env = SimEnv::new();
    env.write(
        "faults",
        "svcadm enable fail exit=1\nsvcs list fail message=repository unavailable\n",
    );
    env.run("svcadm", &["enable", "ipfilter"])
        .code(1)
        .stderr("svcadm: svc:/network/ipfilter:default: Permission denied.\n");
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .code(1)
        .stderr("svcs: repository unavailable\n");
    env.write("faults", "");
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("disabled\n");
}
