use super::harness::SimEnv;

/// An etherstub with a VNIC over it, the usual way to give a pool a
/// gateway address in the global zone.
fn stub_with_gateway_vnic(env: &SimEnv) {
    env.run("dladm", &["create-etherstub", "stub0"]).ok();
    env.run("dladm", &["create-vnic", "-l", "stub0", "gw0"])
        .ok();
}

#[test]
fn fresh_state_has_the_loopback_addresses() {
    let env = SimEnv::new();
    // No subcommand is show-addr.
    env.run("ipadm", &[]).ok().stderr("").stdout(concat!(
        "ADDROBJ           TYPE     STATE        ADDR\n",
        "lo0/v4            static   ok           127.0.0.1/8\n",
        "lo0/v6            static   ok           ::1/128\n",
    ));
    // Several fields: `:` in values is escaped; one field: it is not.
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj,addr"])
        .ok()
        .stdout("lo0/v4:127.0.0.1/8\nlo0/v6:\\:\\:1/128\n");
    env.run("ipadm", &["show-addr", "-po", "addr", "lo0/v6"])
        .ok()
        .stdout("::1/128\n");
    env.run("ipadm", &["show-if"]).ok().stdout(concat!(
        "IFNAME     CLASS     STATE    CURRENT      PERSISTENT\n",
        "lo0        VIRTUAL   ok       -m-v------46 ---\n",
        "e1000g0    IP        down     bm--------46 -46\n",
    ));
}

#[test]
fn create_addr_plumbs_the_interface_and_persists() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    env.run(
        "ipadm",
        &[
            "create-addr",
            "-T",
            "static",
            "-a",
            "10.10.0.1/24",
            "gw0/v4",
        ],
    )
    .ok()
    .stdout("")
    .stderr("");
    // State persisted: a later run sees the address and the interface.
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj,addr"])
        .ok()
        .stdout("lo0/v4:127.0.0.1/8\ngw0/v4:10.10.0.1/24\nlo0/v6:\\:\\:1/128\n");
    env.run("ipadm", &["show-addr", "-o", "all", "gw0/v4"])
        .ok()
        .stdout(concat!(
            "ADDROBJ           TYPE     STATE        CURRENT PERSISTENT ADDR\n",
            "gw0/v4            static   ok           U----   U--        10.10.0.1/24\n",
        ));
    env.run(
        "ipadm",
        &["show-if", "-p", "-o", "ifname,state,persistent", "gw0"],
    )
    .ok()
    .stdout("gw0:ok:-46\n");
    // `IF/` shows all of an interface's addresses; options may follow
    // operands (getopt_long permutes).
    env.run("ipadm", &["show-addr", "gw0/", "-p", "-o", "addrobj"])
        .ok()
        .stdout("gw0/v4\n");
    let st = env.state();
    assert_eq!(st["ip_interfaces"][2], "gw0");
    assert_eq!(st["ip"]["addrs"][2]["addr"], "10.10.0.1");
    assert_eq!(st["ip"]["addrs"][2]["prefix"], 24);
}

#[test]
fn temporary_down_and_default_prefix() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    env.run(
        "ipadm",
        &[
            "create-addr",
            "-t",
            "-d",
            "-T",
            "static",
            "-a",
            "local=172.16.5.1",
            "gw0/a1",
        ],
    )
    .ok();
    env.run(
        "ipadm",
        &[
            "show-addr",
            "-p",
            "-o",
            "addrobj,state,current,persistent,addr",
            "gw0/a1",
        ],
    )
    .ok()
    .stdout("gw0/a1:down:-----:---:172.16.5.1/16\n");
    env.run("ipadm", &["show-if", "-p", "-o", "state,persistent", "gw0"])
        .ok()
        .stdout("down:---\n");
    // A persistent address on a temporary interface.
    env.run(
        "ipadm",
        &[
            "create-addr",
            "-T",
            "static",
            "-a",
            "172.16.6.1/24",
            "gw0/a2",
        ],
    )
    .code(1)
    .stdout("\n")
    .stderr("ipadm: Could not create address: Persistent operation on temporary object");
}

#[test]
fn create_addr_errors() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    let create =
        |a: &str, obj: &str| env.run("ipadm", &["create-addr", "-T", "static", "-a", a, obj]);
    create("10.10.0.1/24", "gw0/v4").ok();
    // die() writes its newline to stdout.
    create("10.10.0.2/24", "gw0/v4")
        .code(1)
        .stdout("\n")
        .stderr("ipadm: Could not create address: Address object already exists");
    create("10.10.0.1/24", "gw0/second")
        .code(1)
        .stderr("ipadm: Could not create address: Address already in use");
    create("10.20.0.1/24", "stub0/v4")
        .code(1)
        .stderr("ipadm: Could not create address: Interface does not exist");
    create("10.20.0.1/24", "nosuch0/v4")
        .code(1)
        .stderr("ipadm: Could not create address: Could not open DLPI link");
    create("10.20.0.1/x", "gw0/v9")
        .code(1)
        .stderr("ipadm: Error in setting local address: Invalid argument provided");
    create("gateway", "gw0/v9")
        .code(1)
        .stderr("ipadm: Error in setting local address: Invalid address");
    create("0.0.0.0/24", "gw0/v9")
        .code(1)
        .stderr("ipadm: Could not create address: Invalid address");
    create("10.20.0.1/24", "gw0/9v")
        .code(1)
        .stderr("ipadm: Error in creating address object: Invalid argument provided");
    create("10.20.0.1/24", "gw0").code(1).stderr(concat!(
        "ipadm: invalid address object name: gw0\n",
        "usage: \tcreate-addr\t[-t] -T static [-d] -a{local|remote}=addr[/prefixlen]\n",
        "\t\t\t<addrobj>\n",
        "\tcreate-addr\t[-t] -T dhcp [-w <seconds> | forever]\n",
        "\t\t\t[-1] [-h <hostname>] <addrobj>\n",
        "\tcreate-addr\t[-t] -T addrconf [-i interface-id]\n",
        "\t\t\t[-p {stateful|stateless}={yes|no}] <addrobj>",
    ));
    env.run("ipadm", &["create-addr", "-a", "10.0.0.1/24", "gw0/x"])
        .code(1)
        .stderr_has("ipadm: Invalid arguments\nusage: \tcreate-addr");
    env.run("ipadm", &["create-addr", "-T", "static", "gw0/x"])
        .code(1)
        .stderr_has("ipadm: Invalid arguments for type static\nusage: ");
    env.run("ipadm", &["create-addr", "-T", "bogus", "gw0/x"])
        .code(1)
        .stderr("ipadm: Invalid address type bogus");
    env.run("ipadm", &["create-addr", "-T"])
        .code(1)
        .stderr_has("ipadm: option '-T' requires a value\nusage: ");
    env.run("ipadm", &["create-addr", "-x"])
        .code(1)
        .stderr_has("ipadm: unrecognized option '-x'\nusage: ");
    // Nothing of this changed the state.
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj"])
        .ok()
        .stdout("lo0/v4\ngw0/v4\nlo0/v6\n");
}

#[test]
fn links_in_use_or_temporary() {
    let env = SimEnv::new();
    env.run("dladm", &["create-vnic", "-t", "-l", "e1000g0", "tmp0"])
        .ok();
    env.run(
        "ipadm",
        &[
            "create-addr",
            "-T",
            "static",
            "-a",
            "10.0.0.1/24",
            "tmp0/v4",
        ],
    )
    .code(1)
    .stderr("ipadm: Could not create address: Persistent operation on temporary object");
    env.run(
        "ipadm",
        &[
            "create-addr",
            "-t",
            "-T",
            "static",
            "-a",
            "10.0.0.1/24",
            "tmp0/v4",
        ],
    )
    .ok();
}

#[test]
fn show_addr_errors() {
    let env = SimEnv::new();
    env.run("ipadm", &["show-addr", "-p"])
        .code(1)
        .stdout("\n")
        .stderr("ipadm: -p requires -o");
    env.run("ipadm", &["show-addr", "lo0"])
        .code(1)
        .stderr("ipadm: Invalid address object name provided");
    env.run("ipadm", &["show-addr", "lo0/nope"])
        .code(1)
        .stdout("\n")
        .stderr("ipadm: Could not get address: Object not found");
    env.run("ipadm", &["show-addr", "vnic9/"])
        .code(1)
        .stderr("ipadm: Could not get address: Interface does not exist");
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj,bogus"])
        .code(1)
        .stderr("ipadm: unknown output field: `bogus'");
    env.run("ipadm", &["show-addr", "-o", "addrobj,bogus", "lo0/v4"])
        .ok()
        .stdout("ADDROBJ\nlo0/v4\n")
        .stderr("ipadm: warning: ignoring unknown output field: `bogus'\n");
    // show-addr's optstring has no leading ':': a missing value is `?`.
    env.run("ipadm", &["show-addr", "-o"]).code(1).stderr(
        "ipadm: unrecognized option '-o'\nusage: \tshow-addr\t[[-p] -o <field>,...] [<addrobj>]",
    );
    env.run("ipadm", &["show-addr", "a/b", "c/d"])
        .code(1)
        .stderr("ipadm: Usage: \tshow-addr\t[[-p] -o <field>,...] [<addrobj>]");
    env.run("ipadm", &["show-if", "vnic9"])
        .code(1)
        .stderr("ipadm: Could not get interface(s): Interface does not exist");
}

#[test]
fn create_and_delete_interfaces() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    env.run("ipadm", &["create-if", "gw0"]).ok().stdout("");
    env.run("ipadm", &["create-ip", "gw0"])
        .code(1)
        .stdout("\n")
        .stderr("ipadm: Could not create gw0 : Interface already exists");
    env.run("ipadm", &["create-if", "stub0"])
        .code(1)
        .stderr("ipadm: Could not create stub0 : Interface does not exist");
    env.run("ipadm", &["create-if"])
        .code(1)
        .stderr("ipadm: usage: \tcreate-if\t[-t] <interface>");
    // An interface with no addresses is plumbed but down, and show-addr
    // lists nothing for it.
    env.run("ipadm", &["show-if", "-p", "-o", "ifname,state", "gw0"])
        .ok()
        .stdout("gw0:down\n");
    env.run(
        "ipadm",
        &["create-addr", "-T", "static", "-a", "10.1.0.1/24", "gw0/v4"],
    )
    .ok();
    env.run("ipadm", &["delete-addr", "gw0/v4"]).ok().stdout("");
    env.run("ipadm", &["delete-addr", "gw0/v4"])
        .code(1)
        .stdout("\n")
        .stderr("ipadm: could not delete address: Object not found");
    // The interface stays after its address is deleted.
    env.run("ipadm", &["show-if", "-p", "-o", "ifname", "gw0"])
        .ok()
        .stdout("gw0\n");
    env.run(
        "ipadm",
        &["create-addr", "-T", "static", "-a", "10.1.0.1/24", "gw0/v4"],
    )
    .ok();
    // delete-if takes the addresses with it.
    env.run("ipadm", &["delete-ip", "gw0"]).ok();
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj"])
        .ok()
        .stdout("lo0/v4\nlo0/v6\n");
    env.run("ipadm", &["delete-if", "gw0"])
        .code(1)
        .stderr("ipadm: Could not delete gw0: Interface does not exist");
    env.run("ipadm", &["delete-if", "-t", "gw0"])
        .code(1)
        .stderr("ipadm: Usage: \tdelete-if\t<interface>\n");
}

#[test]
fn usage_help_and_unknown_subcommands() {
    let env = SimEnv::new();
    let help = env.run("ipadm", &["help"]).ok();
    assert!(help.stdout.is_empty());
    assert!(
        help.stderr.starts_with(
            "usage:  ipadm <subcommand> <args> ...\n\tcreate-if\t[-t] <interface>\n\tcreate-ip\t[-t] <interface>\n\tdelete-if\t<interface>\n\n"
        ),
        "{}",
        help.stderr
    );
    assert!(
        help.stderr
            .ends_with("\tshow-prop\t[[-c] -o <field>,...] [-p <prop>,...] [protocol]\n")
    );
    let bad = env.run("ipadm", &["frobnicate"]).code(1);
    assert_eq!(
        bad.stderr,
        format!("ipadm: unknown subcommand 'frobnicate'\n{}", help.stderr)
    );
    env.run("ipadm", &["set-prop", "-p", "forwarding=on", "ipv4"])
        .code(1)
        .stderr("ipadm: set-prop is not simulated\n");
}

#[test]
fn faults_and_the_log() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    env.write(
        "faults",
        "ipadm create-addr fail exit=1 message=Insufficient user authorizations\nipadm show-addr fail times=1\n",
    );
    env.run(
        "ipadm",
        &["create-addr", "-T", "static", "-a", "10.1.0.1/24", "gw0/v4"],
    )
    .code(1)
    .stdout("\n")
    .stderr("ipadm: Could not create address: Insufficient user authorizations");
    env.run("ipadm", &["show-addr"])
        .code(1)
        .stderr("ipadm: Could not get address: Operation failed");
    // Nothing was created; the limited rule is used up.
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj"])
        .ok()
        .stdout("lo0/v4\nlo0/v6\n");
    let log = env.log();
    let ipadm: Vec<&serde_json::Value> = log.iter().filter(|l| l["tool"] == "ipadm").collect();
    assert_eq!(ipadm.len(), 3);
    assert_eq!(ipadm[0]["argv"][0], "create-addr");
    assert_eq!(ipadm[0]["exit"], 1);
}

#[test]
fn sim_admin_unplumb_takes_the_addresses_away() {
    let env = SimEnv::new();
    stub_with_gateway_vnic(&env);
    env.run(
        "ipadm",
        &["create-addr", "-T", "static", "-a", "10.1.0.1/24", "gw0/v4"],
    )
    .ok();
    env.run("sim-admin", &["unplumb", "gw0"]).ok();
    env.run("ipadm", &["show-addr", "-p", "-o", "addrobj"])
        .ok()
        .stdout("lo0/v4\nlo0/v6\n");
    // The address object name is free again.
    env.run(
        "ipadm",
        &["create-addr", "-T", "static", "-a", "10.1.0.1/24", "gw0/v4"],
    )
    .ok();
}
