//! dladm's answers for a missing link and an older dladm without ZONE;
//! shared-IP nets that need an IP interface; OmniOS on-demand VNICs.

use super::harness::SimEnv;

#[test]
fn create_vnic_over_a_missing_link() {
    let env = SimEnv::new();
    env.run("dladm", &["create-vnic", "-l", "nosuch0", "v1"])
        .code(1)
        .stderr("dladm: invalid link name 'nosuch0'\n");
}

#[test]
fn an_older_dladm_has_no_zone_field() {
    let env = SimEnv::new();
    env.run("sim-admin", &["set", "dladm-vnic-zone", "no"]).ok();
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "v0"])
        .ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "link,zone"])
        .code(1)
        .stdout("")
        .stderr("dladm: unknown output field: `zone'\n");
    env.run("dladm", &["show-vnic", "-p", "-o", "LINK,OVER"])
        .ok()
        .stdout("v0:e1000g0\n");
    let mac = env
        .run("dladm", &["show-vnic", "-p", "-o", "macaddress", "v0"])
        .ok()
        .stdout;
    let mac = mac.trim_end();
    env.run("dladm", &["show-vnic"]).ok().stdout(&format!(
        "LINK         OVER         SPEED  MACADDRESS        MACADDRTYPE         VID\n\
         v0           e1000g0      1000   {mac:<18}random              0\n"
    ));
    env.run("dladm", &["show-vnic", "-o", "link,zone"])
        .ok()
        .stderr("dladm: warning: ignoring unknown output field: `zone'\n")
        .stdout("LINK\nv0\n");
    // The current dladm has it.
    env.run("sim-admin", &["set", "dladm-vnic-zone", "yes"])
        .ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "link,zone"])
        .ok()
        .stdout("v0:\n");
}

fn shared_zone(env: &SimEnv, zone: &str, link: &str) {
    env.datasets();
    env.run(
        "zonecfg",
        &[
            "-z",
            zone,
            &format!(
                "create; set zonepath={}; add net; set physical={link}; set address=10.0.0.9/24; end",
                env.zonepath(zone)
            ),
        ],
    )
    .ok();
    env.run("zoneadm", &["-z", zone, "install"]).ok();
}

#[test]
fn a_shared_ip_link_without_ip_is_skipped_with_a_warning() {
    let env = SimEnv::new();
    env.run("dladm", &["create-etherstub", "stub0"]).ok();
    shared_zone(&env, "sh", "stub0");
    let warning = "WARNING: skipping network interface 'stub0' which may not be present/plumbed in the global zone.\n";
    env.run("zoneadm", &["-z", "sh", "verify"])
        .ok()
        .stderr(warning);
    // zoneadm warns and zoneadmd skips the interface: the zone boots.
    env.run("zoneadm", &["-z", "sh", "boot"])
        .ok()
        .stderr(warning);
    assert_eq!(env.zone_state("sh"), "running");
    assert_eq!(
        env.state()["zones"][0]["skipped_nets"],
        serde_json::json!(["stub0"])
    );
    env.run("zoneadm", &["-z", "sh", "halt"]).ok();
    assert!(env.state()["zones"][0].get("skipped_nets").is_none());
    // A link with an IP interface (e1000g0 has one from the start).
    env.run("sim-admin", &["add-phys", "e1000g1"]).ok();
    shared_zone(&env, "sh2", "e1000g1");
    env.run("zoneadm", &["-z", "sh2", "boot"])
        .ok()
        .stderr("WARNING: skipping network interface 'e1000g1' which may not be present/plumbed in the global zone.\n");
    env.run("zoneadm", &["-z", "sh2", "halt"]).ok();
    env.run("sim-admin", &["plumb", "e1000g1"]).ok();
    env.run("zoneadm", &["-z", "sh2", "boot"]).ok().stderr("");
}

fn demand_zone(env: &SimEnv, zone: &str, brand_template: &str, extra: &str) {
    env.datasets();
    env.run(
        "zonecfg",
        &[
            "-z",
            zone,
            &format!(
                "create -t {brand_template}; set zonepath={}; add net; set physical={zone}0; set global-nic=e1000g0;{extra} end",
                env.zonepath(zone)
            ),
        ],
    )
    .ok();
    env.run("zoneadm", &["-z", zone, "install"]).ok();
}

#[test]
fn omnios_brands_create_on_demand_vnics_at_boot_and_delete_them_at_halt() {
    let env = SimEnv::new();
    demand_zone(&env, "od", "lipkg", " set vlan-id=12;");
    env.run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout("");
    env.run("zoneadm", &["-z", "od", "boot"]).ok().stderr("");
    env.run("dladm", &["show-vnic", "-p", "-o", "link,over,vid,zone"])
        .ok()
        .stdout("od0:e1000g0:12:od\n");
    let mac = env
        .run("dladm", &["show-vnic", "-p", "-o", "macaddress", "od0"])
        .ok()
        .stdout;
    // The brand records the MAC it got in the zone's configuration.
    env.run("zonecfg", &["-z", "od", "info", "net"])
        .ok()
        .stdout_has(&format!("\tmac-addr: {}", mac.trim_end()));
    env.run("zoneadm", &["-z", "od", "reboot"]).ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "macaddress", "od0"])
        .ok()
        .stdout(&mac);
    env.run("zoneadm", &["-z", "od", "halt"]).ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "link"])
        .ok()
        .stdout("");
}

#[test]
fn an_on_demand_vnic_over_a_missing_link_fails_the_boot() {
    let env = SimEnv::new();
    env.datasets();
    env.run(
        "zonecfg",
        &[
            "-z",
            "bad",
            &format!(
                "create -t sparse; set zonepath={}; add net; set physical=bad0; set global-nic=nosuch0; end",
                env.zonepath("bad")
            ),
        ],
    )
    .ok();
    env.run("zoneadm", &["-z", "bad", "install"]).ok();
    env.run("zoneadm", &["-z", "bad", "boot"])
        .code(1)
        .stderr("zone 'bad': dladm: invalid link name 'nosuch0'\nzone 'bad': ERROR: Could not create VNIC bad0/nosuch0\nzoneadm: zone 'bad': call to zoneadmd failed\n");
    assert_eq!(env.zone_state("bad"), "installed");
}

#[test]
fn ipkg_zones_have_no_on_demand_vnics() {
    let env = SimEnv::new();
    demand_zone(&env, "ip", "ipkg", "");
    env.run("zoneadm", &["-z", "ip", "boot"])
        .code(1)
        .stderr("zone 'ip': failed to add network device: ip0: object not found\nzoneadm: zone 'ip': call to zoneadmd failed\n");
}
