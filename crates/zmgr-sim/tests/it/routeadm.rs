use super::harness::SimEnv;

const FRESH: &str = concat!(
    "ipv4-routing persistent=disabled default=disabled current=disabled\n",
    "ipv6-routing persistent=disabled default=disabled current=disabled\n",
    "ipv4-forwarding persistent=disabled default=disabled current=disabled\n",
    "ipv6-forwarding persistent=disabled default=disabled current=disabled\n",
    "ipv4-routing-daemon persistent=\"\" default=\"\" \n",
    "ipv4-routing-daemon-args persistent=\"\" default=\"\" \n",
    "ipv4-routing-stop-cmd persistent=\"\" default=\"\" \n",
    "ipv6-routing-daemon persistent=\"\" default=\"\" \n",
    "ipv6-routing-daemon-args persistent=\"\" default=\"\" \n",
    "ipv6-routing-stop-cmd persistent=\"\" default=\"\" \n",
    "routing-svcs persistent=\"route:default ripng:default\" default=\"route:default ripng:default\" \n",
);

#[test]
fn parseable_report_of_a_fresh_host() {
    let env = SimEnv::new();
    env.run("routeadm", &["-p"]).ok().stderr("").stdout(FRESH);
    env.run("routeadm", &["-p", "ipv4-forwarding"])
        .ok()
        .stdout("persistent=disabled default=disabled current=disabled\n");
    env.run("routeadm", &["-p", "routing-svcs"]).ok().stdout(
        "persistent=\"route:default ripng:default\" default=\"route:default ripng:default\" \n",
    );
}

#[test]
fn enable_forwarding_now_and_persistently() {
    let env = SimEnv::new();
    env.run("routeadm", &["-u", "-e", "ipv4-forwarding"])
        .ok()
        .stdout("")
        .stderr("");
    env.run("routeadm", &["-p", "ipv4-forwarding"])
        .ok()
        .stdout("persistent=enabled default=disabled current=enabled\n");
    // It is the SMF instance that carries the setting.
    env.run("svcs", &["-H", "-o", "state", "ipv4-forwarding"])
        .ok()
        .stdout("online\n");
    env.run("routeadm", &["-d", "ipv4-forwarding"]).ok();
    // -d alone changes the persistent value and keeps the running one.
    env.run("routeadm", &["-p", "ipv4-forwarding"])
        .ok()
        .stdout("persistent=disabled default=disabled current=enabled\n");
    env.run("routeadm", &["-u"]).ok();
    env.run("routeadm", &["-p", "ipv4-forwarding"])
        .ok()
        .stdout("persistent=disabled default=disabled current=disabled\n");
    env.run("svcs", &["-H", "-o", "state", "ipv4-forwarding"])
        .ok()
        .stdout("disabled\n");
}

#[test]
fn human_report() {
    let env = SimEnv::new();
    env.run("routeadm", &["-e", "ipv4-forwarding"]).ok();
    env.run("routeadm", &[]).ok().stdout(concat!(
        "              Configuration   Current              Current\n",
        "                     Option   Configuration        System State\n",
        "---------------------------------------------------------------\n",
        "               IPv4 routing   disabled             disabled\n",
        "               IPv6 routing   disabled             disabled\n",
        "            IPv4 forwarding   enabled              disabled\n",
        "            IPv6 forwarding   disabled             disabled\n",
        "\n",
        "           Routing services   \"route:default ripng:default\"\n",
        "\n",
        "Routing daemons:\n",
        "\n",
        "                      STATE   FMRI\n",
        "                   disabled   svc:/network/routing/legacy-routing:ipv4\n",
        "                   disabled   svc:/network/routing/legacy-routing:ipv6\n",
        "                   disabled   svc:/network/routing/rdisc:default\n",
        "                   disabled   svc:/network/routing/ripng:default\n",
        "                   disabled   svc:/network/routing/route:default\n",
    ));
}

#[test]
fn errors_and_usage() {
    let env = SimEnv::new();
    let usage = concat!(
        "usage: routeadm [-p] [-R <root-dir>]\n",
        "       routeadm [-e <option>] [-d <option>] [-r <option>]\n",
        "           [-l <FMRI>] [-m <FMRI> key=value [...]]\n",
        "           [-s <var>=<val>] [-R <root-dir>]\n",
        "       routeadm -u\n\n",
        "       <option> is one of:\n",
        "       ipv4-forwarding\n",
        "       ipv4-routing\n",
        "       ipv6-forwarding\n",
        "       ipv6-routing\n\n",
        "       <var> is one of:\n",
        "       ipv4-routing-daemon\n",
        "       ipv4-routing-daemon-args\n",
        "       ipv4-routing-stop-cmd\n",
        "       ipv6-routing-daemon\n",
        "       ipv6-routing-daemon-args\n",
        "       ipv6-routing-stop-cmd\n",
        "       routing-svcs\n",
    );
    env.run("routeadm", &["-e", "ip-forwarding"])
        .code(1)
        .stdout("")
        .stderr(&format!("routeadm: invalid option: ip-forwarding\n{usage}"));
    // `-p` takes an optional value, so it has to come last here...
    env.run("routeadm", &["-u", "-p"]).code(1).stderr(&format!(
        "routeadm: the -p option cannot be used with any of -demrsu\n{usage}"
    ));
    // ...or it takes the next word as its value.
    env.run("routeadm", &["-p", "-u"])
        .code(1)
        .stderr("routeadm: no such option/variable -u\n");
    env.run("routeadm", &["-p", "nosuch"])
        .code(1)
        .stderr("routeadm: no such option/variable nosuch\n");
    // routeadm prints `-%s` of argv[optind - 1], which is "-e" itself.
    env.run("routeadm", &["-e"]).code(1).stderr(&format!(
        "routeadm: option requires an argument --e\n{usage}"
    ));
    // Nothing changed.
    env.run("routeadm", &["-p"]).ok().stdout(FRESH);
}

#[test]
fn faults() {
    let env = SimEnv::new();
    env.write("faults", "routeadm modify fail\n");
    env.run("routeadm", &["-u", "-e", "ipv4-forwarding"])
        .code(1)
        .stderr("routeadm: cannot connect to SMF repository\n");
    env.run("routeadm", &["-p", "ipv4-forwarding"])
        .ok()
        .stdout("persistent=disabled default=disabled current=disabled\n");
}
