//! The NAT file in the state directory, the ipfilter service that loads it
//! and `ipnat`.

use super::harness::SimEnv;

const RULES: &str = concat!(
    "# zmgr pool net0\n",
    "map e1000g0 10.10.0.0/24 -> 0/32 portmap tcp/udp auto\n",
    "map e1000g0 10.10.0.0/24 -> 0/32\n",
);

const LISTED: &str = concat!(
    "List of active MAP/Redirect filters:\n",
    "map e1000g0 10.10.0.0/24 -> 0.0.0.0/32 portmap tcp/udp auto\n",
    "map e1000g0 10.10.0.0/24 -> 0.0.0.0/32\n",
    "\n",
    "List of active sessions:\n",
);

const EMPTY: &str = "List of active MAP/Redirect filters:\n\nList of active sessions:\n";

fn write_conf(env: &SimEnv, text: &str) {
    std::fs::create_dir_all(env.path("etc/ipf")).unwrap();
    env.write("etc/ipf/ipnat.conf", text);
}

#[test]
fn enabling_ipfilter_loads_the_nat_file() {
    let env = SimEnv::new();
    write_conf(&env, RULES);
    // ipfilter is not running: the NAT device cannot be asked.
    env.run("ipnat", &["-l"])
        .code(1)
        .stderr("ioctl(SIOCGNATS): I/O error\n");
    env.run("svcadm", &["enable", "-s", "network/ipfilter"])
        .ok();
    env.run("ipnat", &["-l"]).ok().stdout(LISTED).stderr("");
    // Disabling takes the rules away.
    env.run("svcadm", &["disable", "ipfilter"]).ok();
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    env.run("ipnat", &["-l"]).ok().stdout(LISTED);
}

#[test]
fn no_file_loads_nothing() {
    let env = SimEnv::new();
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    // Any run makes /etc/ipf (the package delivers it), not the file.
    assert!(env.path("etc/ipf").is_dir());
    assert!(!env.path("etc/ipf/ipnat.conf").exists());
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("online\n");
    env.run("ipnat", &["-l"]).ok().stdout(EMPTY);
}

#[test]
fn refresh_rereads_and_a_bad_file_means_maintenance() {
    let env = SimEnv::new();
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    write_conf(&env, RULES);
    // Editing the file does nothing until the service re-reads it.
    env.run("ipnat", &["-l"]).ok().stdout(EMPTY);
    env.run("svcadm", &["refresh", "ipfilter"]).ok();
    env.run("ipnat", &["-l"]).ok().stdout(LISTED);
    // A file that does not parse: restart sends the service to maintenance.
    write_conf(&env, "map e1000g0 10.10.0.0/24 0/32\n");
    env.run("svcadm", &["restart", "ipfilter"]).ok();
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("maintenance\n");
    write_conf(&env, RULES);
    env.run("svcadm", &["clear", "ipfilter"]).ok();
    env.run("svcs", &["-H", "-o", "state", "ipfilter"])
        .ok()
        .stdout("online\n");
    env.run("svcadm", &["clear", "ipfilter"])
        .code(1)
        .stderr("svcadm: Instance \"svc:/network/ipfilter:default\" is not in a maintenance or degraded state.\n");
}

#[test]
fn enable_s_reports_maintenance() {
    let env = SimEnv::new();
    write_conf(&env, "map e1000g0 10.10.0.0/24 0/32\n");
    env.run("svcadm", &["enable", "-s", "ipfilter"])
        .code(3)
        .stderr("svcadm: Instance \"svc:/network/ipfilter:default\" is in maintenance state.\n");
}

#[test]
fn ipnat_flush_and_load_by_hand() {
    let env = SimEnv::new();
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    write_conf(&env, RULES);
    let conf = env.path("etc/ipf/ipnat.conf").display().to_string();
    env.run("ipnat", &["-CF", "-f", &conf])
        .ok()
        .stdout("0 entries flushed from NAT table\n0 entries flushed from NAT list\n");
    env.run("ipnat", &["-l"]).ok().stdout(LISTED);
    // Loading the same rules again: each one already exists.
    env.run("ipnat", &["-f", &conf]).ok().stderr(concat!(
        "2:ioctl(add/insert nat rule): File exists\n",
        "3:ioctl(add/insert nat rule): File exists\n",
    ));
    env.run("ipnat", &["-C"])
        .ok()
        .stdout("2 entries flushed from NAT list\n");
    env.run("ipnat", &["-l"]).ok().stdout(EMPTY);
    // A parse error stops the load and fails.
    env.run("ipnat", &["-f", "-"]).code(0).stdout("").stderr("");
    let bad = env.stdin("ipnat", &["-f", "-"], "map e1000g0 10.0.0.0/24 0/32\n");
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("error at \""), "{}", bad.stderr);
    env.run("ipnat", &["-f", "/nonexistent/ipnat.conf"])
        .ok()
        .stderr("fopen(/nonexistent/ipnat.conf) failed: No such file or directory\n");
}

#[test]
fn usage_and_faults() {
    let env = SimEnv::new();
    env.run("ipnat", &["-x"]).code(1).stderr(
        "ipnat: illegal option -- x\nUsage: ipnat [-CdFhlnrRsv] [-f filename] [-G|-z zonename]\n",
    );
    env.run("svcadm", &["enable", "ipfilter"]).ok();
    env.write("faults", "ipnat list fail\n");
    env.run("ipnat", &["-l"])
        .code(1)
        .stderr("/dev/ipnat: open: Permission denied\n");
}
