use super::harness::SimEnv;

#[test]
fn create_show_delete_vnic() {
    let env = SimEnv::new();
    env.run(
        "dladm",
        &[
            "create-vnic",
            "-l",
            "e1000g0",
            "-m",
            "02:08:20:0A:0b:c",
            "-v",
            "12",
            "v0",
        ],
    )
    .ok()
    .stdout("")
    .stderr("");
    env.run("dladm", &["show-vnic"]).ok().stdout(concat!(
        "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n",
        "v0           e1000g0    1000  2:8:20:a:b:c      fixed       12   --\n",
    ));
    env.run(
        "dladm",
        &["show-vnic", "-p", "-o", "LINK,OVER,MACADDRESS,VID,ZONE"],
    )
    .ok()
    .stdout("v0:e1000g0:2\\:8\\:20\\:a\\:b\\:c:12:\n");
    env.run("dladm", &["show-vnic", "-po", "macaddress", "v0"])
        .ok()
        .stdout("2:8:20:a:b:c\n");
    env.run("dladm", &["delete-vnic", "v0"]).ok();
    // With nothing to show, not even a header.
    env.run("dladm", &["show-vnic"]).ok().stdout("");
}

#[test]
fn random_macs_use_the_sun_prefix_without_leading_zeros() {
    let env = SimEnv::new();
    for i in 0..5 {
        env.run(
            "dladm",
            &["create-vnic", "--link=e1000g0", &format!("r{i}")],
        )
        .ok();
    }
    let out = env
        .run(
            "dladm",
            &["show-vnic", "-p", "-o", "macaddress,macaddrtype"],
        )
        .ok()
        .stdout;
    let mut seen = std::collections::HashSet::new();
    for line in out.lines() {
        let (mac, kind) = line.rsplit_once(':').unwrap();
        assert_eq!(kind, "random");
        let mac = mac.replace("\\:", ":");
        let octets: Vec<&str> = mac.split(':').collect();
        assert_eq!(&octets[..3], &["2", "8", "20"]);
        assert_eq!(octets.len(), 6);
        for o in &octets {
            assert!(
                !(o.len() == 2 && o.starts_with('0')),
                "leading zero in {mac}"
            );
        }
        assert!(seen.insert(mac));
    }
}

#[test]
fn vnic_errors() {
    let env = SimEnv::new();
    env.run("dladm", &["create-vnic", "-l", "nope0", "v0"])
        .code(1)
        .stderr("dladm: invalid link name 'nope0'\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "vnic01"])
        .code(1)
        .stderr("dladm: invalid link name 'vnic01'\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "vnic"])
        .code(1)
        .stderr("dladm: invalid link name 'vnic'\n");
    let long = format!("{}1", "a".repeat(31));
    env.run("dladm", &["create-vnic", "-l", "e1000g0", &long])
        .code(1)
        .stderr(&format!("dladm: link name too long '{long}'\n"));
    env.run(
        "dladm",
        &["create-vnic", "-l", "e1000g0", "-v", "4095", "v0"],
    )
    .code(1)
    .stderr("dladm: invalid VLAN identifier '4095'\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "-m", "zz", "v0"])
        .code(1)
        .stderr("dladm: invalid MAC address\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "-v", "0", "v0"])
        .code(1)
        .stderr("dladm: invalid VLAN identifier '0'\n");
    // The VNIC name is checked before the link it goes over.
    env.run("dladm", &["create-vnic", "-l", "nope0", "bad-name"])
        .code(1)
        .stderr("dladm: invalid link name 'bad-name'\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "-f", "v0"])
        .code(1)
        .stderr("dladm: -f option can only be used with -v\n");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "v0"])
        .ok();
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "v0"])
        .code(1)
        .stderr("dladm: vnic creation over e1000g0 failed: object already exists\n");
    env.run("dladm", &["delete-vnic", "nope0"])
        .code(1)
        .stderr("dladm: invalid link name 'nope0'\n");
    env.run("dladm", &["delete-vnic", "e1000g0"])
        .code(1)
        .stderr("dladm: vnic deletion failed: invalid argument\n");
    env.run("dladm", &["show-vnic", "nope0"])
        .code(1)
        .stderr("dladm: invalid vnic name 'nope0': object not found\n");
    env.run("dladm", &["show-vnic", "e1000g0"])
        .code(1)
        .stderr("dladm: datalink e1000g0 is not a vnic: found class phys\n");
    env.run("dladm", &["show-vnic", "-p"])
        .code(1)
        .stderr("dladm: output fields must be specified in parsable mode\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "all"])
        .code(1)
        .stderr("dladm: output field `all' invalid in parsable mode\n");
    env.run("dladm", &["show-vnic", "-o", "bogus"])
        .code(1)
        .stderr("dladm: no valid output fields\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "link,bogus"])
        .code(1)
        .stderr("dladm: unknown output field: `bogus'\n");
    env.run("dladm", &["show-link", "-o", "link,bogus,nope"])
        .ok()
        .stderr("dladm: warning: ignoring unknown output fields: `bogus' `nope'\n")
        .stdout("LINK\ne1000g0\nv0\n");
    env.run("dladm", &["create-vnic", "-x", "v1"])
        .code(1)
        .stderr_has("dladm: unrecognized option '-x'\n");
    env.run("dladm", &["frobnicate"])
        .code(1)
        .stderr_has("dladm: unknown subcommand 'frobnicate'\n");
}

#[test]
fn etherstubs() {
    let env = SimEnv::new();
    env.run("dladm", &["create-etherstub", "stub0"]).ok();
    env.run("dladm", &["create-etherstub", "stub0"])
        .code(1)
        .stderr("dladm: etherstub creation failed: object already exists\n");
    env.run("dladm", &["create-vnic", "-l", "stub0", "in0"])
        .ok();
    env.run("dladm", &["show-etherstub"])
        .ok()
        .stdout("LINK\nstub0\n");
    // Etherstubs are not VNICs: show-vnic leaves them out.
    let out = env.run("dladm", &["show-vnic"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[1].starts_with("in0          stub0      0     2:8:20:"),
        "{out}"
    );
    env.run("dladm", &["show-etherstub", "-p", "-o", "link"])
        .ok()
        .stdout("stub0\n");
    env.run("dladm", &["show-etherstub", "in0"])
        .code(1)
        .stderr("dladm: datalink in0 is not a etherstub: found class vnic\n");
    env.run(
        "dladm",
        &["show-vnic", "-l", "stub0", "-p", "-o", "link,over"],
    )
    .ok()
    .stdout("in0:stub0\n");
    env.run("dladm", &["delete-etherstub", "stub0"])
        .code(1)
        .stderr("dladm: vnic deletion failed: link busy\n");
    env.run("dladm", &["delete-etherstub", "in0"])
        .code(1)
        .stderr("dladm: 'in0' is not an etherstub\n");
    env.run("dladm", &["delete-vnic", "stub0"])
        .code(1)
        .stderr("dladm: 'stub0' is not a vnic\n");
    env.run("dladm", &["delete-vnic", "in0"]).ok();
    env.run("dladm", &["delete-etherstub", "stub0"]).ok();
    env.run("dladm", &["show-etherstub"]).ok().stdout("");
}

#[test]
fn show_link_and_show_phys() {
    let env = SimEnv::new();
    env.run("sim-admin", &["add-phys", "igb0", "10000"]).ok();
    env.run("dladm", &["create-etherstub", "stub1"]).ok();
    env.run("dladm", &["create-vnic", "-l", "igb0", "vn1"]).ok();
    env.run("dladm", &["show-link"]).ok().stdout(concat!(
        "LINK        CLASS     MTU    STATE    BRIDGE     OVER\n",
        "e1000g0     phys      1500   up       --         --\n",
        "igb0        phys      1500   up       --         --\n",
        "stub1       etherstub 9000   unknown  --         --\n",
        "vn1         vnic      1500   up       --         igb0\n",
    ));
    env.run(
        "dladm",
        &["show-link", "--parsable", "--output=link,class,over", "vn1"],
    )
    .ok()
    .stdout("vn1:vnic:igb0\n");
    env.run("dladm", &["show-link", "nope0"])
        .code(1)
        .stderr("dladm: link nope0 is not valid: object not found\n");
    env.run("dladm", &["show-phys"]).ok().stdout(concat!(
        "LINK         MEDIA                STATE      SPEED  DUPLEX    DEVICE\n",
        "e1000g0      Ethernet             up         1000   full      e1000g0\n",
        "igb0         Ethernet             up         10000  full      igb0\n",
    ));
    env.run("dladm", &["show-phys", "-p", "-o", "link,speed"])
        .ok()
        .stdout("e1000g0:1000\nigb0:10000\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "speed", "vn1"])
        .ok()
        .stdout("10000\n");
}
