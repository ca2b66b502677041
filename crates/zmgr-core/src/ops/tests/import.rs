//! import: matching a host's zones to templates and pools, and what it refuses.

use std::sync::Arc;

use super::{Reg, fake_zone, host};
use crate::command::Tool;
use crate::error::Error;
use crate::host::fake::{FakeHost, FakeNet, FakeZone, Fault};
use crate::model::template::IpType;
use crate::model::zone::ZoneState;
use crate::ops::import::{Imported, ZoneImport, import};

fn run(
    reg: &Reg,
    fake: &Arc<FakeHost>,
    names: &[&str],
    dry_run: bool,
) -> crate::error::Result<Imported> {
    let mut session = reg.session(fake);
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    import(&mut session, &reg.registry(), &names, dry_run)
}

/// The one outcome for `zone`.
#[track_caller]
fn outcome<'a>(imported: &'a Imported, zone: &str) -> &'a ZoneImport {
    let found: Vec<&ZoneImport> = imported.0.iter().filter(|r| r.zone() == zone).collect();
    assert_eq!(found.len(), 1, "{zone}: {:?}", imported.0);
    found[0]
}

/// The template and notes of an imported zone.
#[track_caller]
fn imported_as(imported: &Imported, zone: &str) -> (Option<String>, Vec<String>) {
    match outcome(imported, zone) {
        ZoneImport::Imported {
            template, notes, ..
        } => (template.clone(), notes.clone()),
        other => panic!("{zone} was not imported: {other:?}"),
    }
}

/// An entry's text without its `created` line, which holds the time of the import.
#[track_caller]
fn entry_without_time(reg: &Reg, zone: &str) -> String {
    let text = reg
        .entry(zone)
        .unwrap_or_else(|| panic!("{zone} has no entry"));
    text.lines()
        .filter(|l| !l.trim_start().starts_with("created "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A registry with pool `lan` and only the templates given, as (name, brand); config.kdl
/// names `default` as the default template when given.
fn registry(templates: &[(&str, &str)], default: Option<&str>) -> Reg {
    let reg = Reg::empty();
    reg.write("pools/lan.kdl", super::POOL_LAN);
    let mut config = String::from("zonepath-base \"/zones\"\n");
    if let Some(d) = default {
        config += &format!("default-template \"{d}\"\n");
    }
    reg.write("config.kdl", &config);
    for (name, brand) in templates {
        reg.write(
            &format!("templates/{name}.kdl"),
            &format!("template \"{name}\" {{\n    brand \"{brand}\"\n    ip-type \"exclusive\"\n    pool \"lan\"\n}}\n"),
        );
    }
    reg
}

#[test]
fn a_zone_another_import_took_meanwhile_is_skipped_not_a_conflict_with_itself() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_vnic("a0", "stub0");
    fake.add_zone(fake_zone("a", ZoneState::Running, "a0", "192.0.2.15"));
    // This import read the registry before the other one wrote zone a.
    let stale = reg.registry();
    run(&reg, &fake, &["a"], false).unwrap();
    let entry = reg.entry("a").unwrap();
    let mut session = reg.session(&fake);
    let done = import(&mut session, &stale, &["a".to_string()], false).unwrap();
    assert!(
        matches!(outcome(&done, "a"), ZoneImport::Skipped { reason, .. } if reason == "already in the registry"),
        "{:?}",
        done.0
    );
    assert_eq!(done.failures(), 0);
    assert_eq!(reg.entry("a").unwrap(), entry);
}

#[test]
fn a_zone_is_matched_to_the_template_of_its_brand_and_the_pool_of_its_address() {
    let reg = registry(&[("t", "ipkg"), ("l", "lx")], None);
    let fake = host();
    fake.add_vnic("a0", "stub0");
    fake.add_zone(fake_zone("a", ZoneState::Running, "a0", "192.0.2.15"));
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(imported_as(&done, "a"), (Some("t".to_string()), vec![]));
    assert_eq!(
        entry_without_time(&reg, "a"),
        "zone \"a\" {\n    brand \"ipkg\"\n    template \"t\"\n    zonepath \"/zones/a\"\n    ip-type \"exclusive\"\n    state \"running\"\n    net \"a0\" address=\"192.0.2.15/24\" pool=\"lan\" vnic=#true\n}\n"
    );
    assert_eq!(done.failures(), 0);
    assert!(done.problem().is_none());
    // Import only reads the host.
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    // The imported address is now held: a create gets another one.
    let err = crate::ops::create::plan(
        &reg.registry(),
        &crate::ops::create::CreateOptions {
            name: "next".into(),
            template: Some("t".into()),
            ip: Some("192.0.2.15".parse().unwrap()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "192.0.2.15 is held by zone `a`");
}

#[test]
fn several_templates_of_a_brand_need_a_person_unless_one_is_the_default() {
    let fake = host();
    fake.add_zone(fake_zone("a", ZoneState::Installed, "a0", "192.0.2.30"));

    let reg = registry(&[("t1", "ipkg"), ("t2", "ipkg")], None);
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(
        imported_as(&done, "a"),
        (
            None,
            vec!["no template: templates t1, t2 all have brand ipkg".to_string()]
        )
    );
    assert!(!reg.entry("a").unwrap().contains("template"));

    let reg = registry(&[("t1", "ipkg"), ("t2", "ipkg")], Some("t2"));
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(imported_as(&done, "a").0.as_deref(), Some("t2"));
}

#[test]
fn a_brand_no_template_has_is_imported_without_one() {
    let reg = registry(&[("t", "ipkg")], Some("t"));
    let fake = host();
    fake.add_zone(
        FakeZone::new("old", "lx").net(FakeNet::new("old0").allowed_address("192.0.2.31/24")),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(
        imported_as(&done, "old"),
        (None, vec!["no template: none has brand lx".to_string()])
    );
    // The VNIC is not on the host: the link is not recorded as one zmgr may delete.
    assert_eq!(
        entry_without_time(&reg, "old"),
        "zone \"old\" {\n    brand \"lx\"\n    zonepath \"/zones/old\"\n    ip-type \"exclusive\"\n    state \"installed\"\n    net \"old0\" address=\"192.0.2.31/24\" pool=\"lan\"\n}\n"
    );
}

#[test]
fn gateway_network_and_outside_addresses_are_recorded_without_a_pool() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    for (zone, address) in [
        ("gw", "192.0.2.1"),
        ("net", "192.0.2.0"),
        ("out", "198.51.100.7"),
    ] {
        fake.add_zone(fake_zone(
            zone,
            ZoneState::Installed,
            &format!("{zone}0"),
            address,
        ));
    }
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(
        imported_as(&done, "gw").1,
        ["address 192.0.2.1 is the gateway of pool lan; recorded without a pool"]
    );
    assert_eq!(
        imported_as(&done, "net").1,
        ["address 192.0.2.0 is the network's own address of pool lan; recorded without a pool"]
    );
    assert_eq!(
        imported_as(&done, "out").1,
        ["address 198.51.100.7 is in no pool; recorded without one"]
    );
    let gw = reg.entry("gw").unwrap();
    assert!(
        gw.contains("net \"gw0\" address=\"192.0.2.1/24\"\n"),
        "{gw}"
    );
    assert_eq!(done.failures(), 0);
}

#[test]
fn an_address_another_zone_holds_is_a_conflict_and_nothing_is_written() {
    let reg = registry(&[("t", "ipkg")], None);
    reg.write(
        "zones/web.kdl",
        "zone \"web\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web\"\n    ip-type \"exclusive\"\n    state \"running\"\n    net \"web0\" address=\"192.0.2.10/24\" pool=\"lan\" vnic=#true\n}\n",
    );
    let fake = host();
    fake.add_zone(fake_zone("web", ZoneState::Running, "web0", "192.0.2.10"));
    fake.add_zone(fake_zone(
        "copy",
        ZoneState::Installed,
        "copy0",
        "192.0.2.10",
    ));
    fake.add_zone(fake_zone("ok", ZoneState::Installed, "ok0", "192.0.2.40"));
    let done = run(&reg, &fake, &[], false).unwrap();
    match outcome(&done, "copy") {
        ZoneImport::Conflict {
            address, holder, ..
        } => {
            assert_eq!(address.to_string(), "192.0.2.10");
            assert_eq!(holder, "web");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(outcome(&done, "web"), ZoneImport::Skipped { reason, .. } if reason == "already in the registry")
    );
    assert!(matches!(outcome(&done, "ok"), ZoneImport::Imported { .. }));
    assert_eq!(reg.entry("copy"), None);
    assert_eq!(reg.zone_files(), ["ok.kdl", "web.kdl"]);
    assert_eq!(done.failures(), 1);
    assert_eq!(
        done.problem().unwrap().to_string(),
        "1 zone could not be imported"
    );
}

#[test]
fn two_zones_of_the_host_with_one_address_import_the_first_only() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("a", ZoneState::Installed, "a0", "192.0.2.40"));
    fake.add_zone(fake_zone("b", ZoneState::Installed, "b0", "192.0.2.40"));
    let done = run(&reg, &fake, &[], false).unwrap();
    assert!(matches!(outcome(&done, "a"), ZoneImport::Imported { .. }));
    assert!(matches!(outcome(&done, "b"), ZoneImport::Conflict { holder, .. } if holder == "a"));
    assert_eq!(reg.zone_files(), ["a.kdl"]);
}

#[test]
fn a_link_another_zone_holds_is_a_link_conflict() {
    let reg = registry(&[("t", "ipkg")], None);
    reg.zone("web", "installed", "web0", "192.0.2.10");
    let fake = host();
    fake.add_zone(fake_zone("web", ZoneState::Installed, "web0", "192.0.2.10"));
    fake.add_zone(FakeZone::new("twin", "ipkg").net(FakeNet::new("web0")));
    let done = run(&reg, &fake, &[], false).unwrap();
    assert!(
        matches!(outcome(&done, "twin"), ZoneImport::LinkConflict { link, holder, .. } if link == "web0" && holder == "web"),
        "{:?}",
        done.0
    );
    assert_eq!(done.failures(), 1);
}

#[test]
fn vm_brands_and_registered_zones_are_skipped() {
    let reg = registry(&[("t", "ipkg")], None);
    reg.zone("web", "installed", "web0", "192.0.2.10");
    let fake = host();
    fake.add_zone(fake_zone("web", ZoneState::Installed, "web0", "192.0.2.10"));
    fake.add_zone(
        FakeZone::new("vm1", "bhyve").net(FakeNet::new("vm1_0").allowed_address("192.0.2.50/24")),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    assert!(
        matches!(outcome(&done, "vm1"), ZoneImport::Skipped { reason, .. } if reason == "brand bhyve belongs to a VM manager, not to zmgr")
    );
    assert!(matches!(outcome(&done, "web"), ZoneImport::Skipped { .. }));
    assert_eq!(done.failures(), 0);
    assert_eq!(reg.zone_files(), ["web.kdl"]);
    // A VM's configuration is not even read.
    assert!(
        !fake.log().iter().any(|c| c.contains("vm1")),
        "{:?}",
        fake.log()
    );
}

#[test]
fn a_configuration_that_cannot_be_read_fails_that_zone_only() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("a", ZoneState::Installed, "a0", "192.0.2.40"));
    fake.add_zone(fake_zone("b", ZoneState::Installed, "b0", "192.0.2.41"));
    fake.fault(
        Fault::on(Tool::Zonecfg, "info")
            .and("a")
            .stderr("zonecfg: a: Permission denied\n"),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    match outcome(&done, "a") {
        ZoneImport::Failed { error, .. } => assert!(error.contains("Permission denied"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(outcome(&done, "b"), ZoneImport::Imported { .. }));
    assert_eq!(reg.zone_files(), ["b.kdl"]);
    assert_eq!(done.failures(), 1);
}

#[test]
fn an_omnios_configuration_replayed_verbatim_imports_each_address() {
    // `zonecfg info` as OmniOS prints it for a zone with two nets, one carrying two
    // addresses: the SmartOS-derived properties and unset ones included.
    let info = concat!(
        "zonename: multi\n",
        "zonepath: /data/zones/multi\n",
        "brand: ipkg\n",
        "autoboot: true\n",
        "autoshutdown: shutdown\n",
        "bootargs: \n",
        "pool: \n",
        "limitpriv: \n",
        "scheduling-class: \n",
        "ip-type: exclusive\n",
        "hostid: \n",
        "fs-allowed: \n",
        "net:\n",
        "\taddress not specified\n",
        "\tallowed-address: 192.0.2.60/24,192.0.2.61/24\n",
        "\tdefrouter: 192.0.2.1\n",
        "\tglobal-nic not specified\n",
        "\tmac-addr not specified\n",
        "\tphysical: multi0\n",
        "\tvlan-id not specified\n",
        "net:\n",
        "\taddress not specified\n",
        "\tallowed-address not specified\n",
        "\tdefrouter not specified\n",
        "\tphysical: multi1\n",
        "\tproperty: (name=mtu,value=\"9000\")\n",
    );
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_vnic("multi0", "stub0");
    fake.add_zone(FakeZone::new("multi", "ipkg").ip_type(IpType::Exclusive));
    fake.replay(Tool::Zonecfg, &["-z", "multi", "info"], info);
    let done = run(&reg, &fake, &["multi"], false).unwrap();
    assert_eq!(imported_as(&done, "multi"), (Some("t".to_string()), vec![]));
    assert_eq!(
        entry_without_time(&reg, "multi"),
        "zone \"multi\" {\n    brand \"ipkg\"\n    template \"t\"\n    zonepath \"/data/zones/multi\"\n    ip-type \"exclusive\"\n    state \"installed\"\n    net \"multi0\" address=\"192.0.2.60/24\" pool=\"lan\" vnic=#true\n    net \"multi0\" address=\"192.0.2.61/24\" pool=\"lan\" vnic=#true\n    net \"multi1\"\n}\n"
    );
}

#[test]
fn a_dry_run_writes_nothing_and_names_must_exist() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("a", ZoneState::Installed, "a0", "192.0.2.40"));
    fake.add_zone(fake_zone("b", ZoneState::Installed, "b0", "192.0.2.41"));
    let done = run(&reg, &fake, &["a"], true).unwrap();
    assert_eq!(done.0.len(), 1);
    match outcome(&done, "a") {
        ZoneImport::Imported { entry, .. } => {
            assert!(
                entry.contains("net \"a0\" address=\"192.0.2.40/24\" pool=\"lan\""),
                "{entry}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(reg.zone_files().is_empty());

    let err = run(&reg, &fake, &["nosuch"], false).unwrap_err();
    assert!(
        matches!(err, Error::NotOnSystem { ref name, .. } if name == "nosuch"),
        "{err:?}"
    );
    assert!(reg.zone_files().is_empty());
}

/// An OmniOS on-demand VNIC (`global-nic` set) is made by the brand at boot and deleted at
/// halt: import does not record it as zmgr's, so no teardown deletes it.
#[test]
fn an_on_demand_vnic_is_not_recorded_as_zmgrs() {
    let info = concat!(
        "zonename: od\n",
        "zonepath: /zones/od\n",
        "brand: ipkg\n",
        "autoboot: true\n",
        "ip-type: exclusive\n",
        "net:\n",
        "\taddress not specified\n",
        "\tallowed-address: 192.0.2.70/24\n",
        "\tdefrouter: 192.0.2.1\n",
        "\tglobal-nic: stub0\n",
        "\tmac-addr not specified\n",
        "\tphysical: od0\n",
        "\tvlan-id not specified\n",
    );
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    // The zone runs, so the brand's VNIC exists now.
    fake.add_vnic("od0", "stub0");
    fake.add_zone(
        FakeZone::new("od", "ipkg")
            .ip_type(IpType::Exclusive)
            .state(ZoneState::Running),
    );
    fake.replay(Tool::Zonecfg, &["-z", "od", "info"], info);
    run(&reg, &fake, &["od"], false).unwrap();
    let entry = entry_without_time(&reg, "od");
    assert!(
        entry.contains("net \"od0\" address=\"192.0.2.70/24\" pool=\"lan\"\n"),
        "{entry}"
    );
    assert!(!entry.contains("vnic=#true"), "{entry}");
    // destroy takes the zone down and leaves the VNIC to the brand.
    let mut session = reg.session(&fake);
    let report = crate::ops::lifecycle::destroy(&mut session, &reg.registry(), "od", true).unwrap();
    assert!(
        !report.commands.iter().any(|c| c.contains("delete-vnic")),
        "{:?}",
        report.commands
    );
}

// ---- Hostile output: what the tools print is checked like user input ----

/// `zoneadm list -cp` as the host prints it: the global zone, then `lines`.
fn listed(lines: &[&str]) -> String {
    let mut s = String::from("0:global:running:/::ipkg:shared:0\n");
    for l in lines {
        s += l;
        s += "\n";
    }
    s
}

/// The error of a zone that failed.
#[track_caller]
fn failure<'a>(imported: &'a Imported, zone: &str) -> &'a str {
    match outcome(imported, zone) {
        ZoneImport::Failed { error, .. } => error,
        other => panic!("{zone} did not fail: {other:?}"),
    }
}

/// `zonecfg info` of an exclusive-IP ipkg zone with the given globals and net lines.
fn info_text(name: &str, zonepath: &str, brand: &str, net: &[&str]) -> String {
    let mut s = format!(
        "zonename: {name}\nzonepath: {zonepath}\nbrand: {brand}\nautoboot: false\nip-type: exclusive\n"
    );
    if !net.is_empty() {
        s += "net:\n";
        for l in net {
            s += &format!("\t{l}\n");
        }
    }
    s
}

#[test]
fn a_zone_name_that_would_leave_the_registry_is_refused_before_it_is_used() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("ok", ZoneState::Installed, "ok0", "192.0.2.40"));
    fake.replay(
        Tool::Zoneadm,
        &["list", "-cp"],
        &listed(&[
            "-:../../../../tmp/x:installed:/zones/x:4c1f2d3e-aaaa-bbbb-cccc-0123456789ab:ipkg:excl:1",
            "-:../escaped:installed:/zones/escaped::ipkg:excl:2",
            "-:ok:installed:/zones/ok::ipkg:excl:3",
        ]),
    );
    // zonecfg would even describe one of them: its entry would land beside `zones/`.
    fake.replay(
        Tool::Zonecfg,
        &["-z", "../escaped", "info"],
        &info_text(
            "../escaped",
            "/zones/escaped",
            "ipkg",
            &["allowed-address: 192.0.2.41/24", "physical: escaped0"],
        ),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    // Nothing was written outside `zones/`, nor for these zones inside it.
    assert!(!reg.root().join("escaped.kdl").exists());
    assert!(!reg.root().join("zones/../../../../tmp/x.kdl").exists());
    assert_eq!(reg.zone_files(), ["ok.kdl"]);
    for zone in ["../../../../tmp/x", "../escaped"] {
        let error = failure(&done, zone);
        assert!(
            error.starts_with(&format!(
                "zoneadm list: zone name `{zone}` contains `.` at the start"
            )),
            "{error}"
        );
    }
    assert!(matches!(outcome(&done, "ok"), ZoneImport::Imported { .. }));
    assert_eq!(done.failures(), 2);
    assert_eq!(
        done.problem().unwrap().to_string(),
        "2 zones could not be imported"
    );
    // The names never reached a command either.
    assert!(
        !fake.log().iter().any(|c| c.contains("..")),
        "{:?}",
        fake.log()
    );
    // The registry stays one every verb reads.
    reg.registry();
}

#[test]
fn names_with_control_characters_are_refused_and_shown_escaped() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.replay(
        Tool::Zoneadm,
        &["list", "-cp"],
        &listed(&["-:a\u{1b}]0;owned\u{7}:installed:/zones/a::ipkg:excl"]),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(done.0.len(), 1);
    let ZoneImport::Failed { zone, error } = &done.0[0] else {
        panic!("{:?}", done.0)
    };
    assert_eq!(zone, "a\\u{1b}]0;owned\\u{7}");
    assert!(!error.chars().any(char::is_control), "{error:?}");
    assert!(
        error.contains("the control character U+001B at position 2"),
        "{error}"
    );
    assert!(reg.zone_files().is_empty());
}

#[test]
fn an_empty_or_relative_zonepath_and_a_bad_brand_are_refused() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.replay(
        Tool::Zoneadm,
        &["list", "-cp"],
        &listed(&[
            "-:nopath:installed:::ipkg:excl",
            "-:relative:installed:zones/relative::ipkg:excl",
            "-:badbrand:installed:/zones/badbrand::ip\"kg:excl",
            "-:infopath:installed:/zones/infopath::ipkg:excl",
            "-:infobrand:installed:/zones/infobrand::ipkg:excl",
        ]),
    );
    // The list is fine for the last two; their configurations are not.
    fake.replay(
        Tool::Zonecfg,
        &["-z", "infopath", "info"],
        &info_text("infopath", "/zones/../../etc", "ipkg", &[]),
    );
    fake.replay(
        Tool::Zonecfg,
        &["-z", "infobrand", "info"],
        &info_text("infobrand", "/zones/infobrand", "../../x", &[]),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    for (zone, says) in [
        (
            "nopath",
            "zoneadm list: zonepath `` is not an absolute path below /",
        ),
        (
            "relative",
            "zoneadm list: zonepath `zones/relative` is not an absolute path below /",
        ),
        (
            "badbrand",
            "zoneadm list: brand name `ip\"kg` contains `\"`",
        ),
        (
            "infopath",
            "zonecfg info: zonepath `/zones/../../etc` has a `.` or `..` component",
        ),
        (
            "infobrand",
            "zonecfg info: brand name `../../x` contains `.`",
        ),
    ] {
        let error = failure(&done, zone);
        assert!(error.starts_with(says), "{zone}: {error}");
    }
    assert_eq!(done.failures(), 5);
    assert!(reg.zone_files().is_empty());
    // zonecfg was asked only about the zones whose listing was sound.
    let asked: Vec<String> = fake
        .log()
        .into_iter()
        .filter(|c| c.starts_with("zonecfg"))
        .collect();
    assert_eq!(
        asked,
        ["zonecfg -z infopath info", "zonecfg -z infobrand info"]
    );
    reg.registry();
}

#[test]
fn a_net_without_a_link_or_with_an_unreadable_address_is_refused() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    for name in ["nolink", "badlink", "hostname", "badprefix"] {
        fake.add_zone(FakeZone::new(name, "ipkg"));
    }
    fake.add_zone(fake_zone("ok", ZoneState::Installed, "ok0", "192.0.2.40"));
    for (name, net) in [
        (
            "nolink",
            vec!["allowed-address: 192.0.2.50/24", "physical not specified"],
        ),
        (
            "badlink",
            vec!["allowed-address: 192.0.2.51/24", "physical: ../x0"],
        ),
        (
            "hostname",
            vec!["allowed-address: db.example.org/24", "physical: hostname0"],
        ),
        (
            "badprefix",
            vec!["allowed-address: 192.0.2.52/33", "physical: badprefix0"],
        ),
    ] {
        fake.replay(
            Tool::Zonecfg,
            &["-z", name, "info"],
            &info_text(name, &format!("/zones/{name}"), "ipkg", &net),
        );
    }
    let done = run(&reg, &fake, &[], false).unwrap();
    for (zone, says) in [
        (
            "nolink",
            "zonecfg info: a net resource has no physical link",
        ),
        (
            "badlink",
            "zonecfg info: link name `../x0` contains `/` at position 3",
        ),
        (
            "hostname",
            "zonecfg info: net hostname0: `db.example.org/24` is not an IP address; the registry must hold every address a zone uses",
        ),
        (
            "badprefix",
            "zonecfg info: net badprefix0: `192.0.2.52/33` has an invalid prefix length (0 to 32)",
        ),
    ] {
        let error = failure(&done, zone);
        assert!(error.starts_with(says), "{zone}: {error}");
    }
    assert!(matches!(outcome(&done, "ok"), ZoneImport::Imported { .. }));
    assert_eq!(reg.zone_files(), ["ok.kdl"]);
    // No address of a refused zone was taken either: a later zone may hold it.
    reg.registry();
}

#[test]
fn a_configuration_of_another_zone_or_with_a_vm_brand_is_not_taken() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("a", ZoneState::Installed, "a0", "192.0.2.40"));
    fake.add_zone(fake_zone("b", ZoneState::Installed, "b0", "192.0.2.41"));
    fake.replay(
        Tool::Zonecfg,
        &["-z", "a", "info"],
        &info_text("b", "/zones/b", "ipkg", &["physical: b0"]),
    );
    fake.replay(
        Tool::Zonecfg,
        &["-z", "b", "info"],
        &info_text("b", "/zones/b", "bhyve", &["physical: b0"]),
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    assert_eq!(
        failure(&done, "a"),
        "zonecfg info: `zonecfg -z a info` describes the zone `b`"
    );
    assert!(
        matches!(outcome(&done, "b"), ZoneImport::Skipped { reason, .. } if reason == "brand bhyve belongs to a VM manager, not to zmgr"),
        "{:?}",
        done.0
    );
    assert!(reg.zone_files().is_empty());
}

#[test]
fn output_no_tool_prints_is_refused_whole() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.replay(
        Tool::Zoneadm,
        &["list", "-cp"],
        &listed(&[
            "-:a:installed:/zones/a::ipkg:excl",
            "-:a:installed:/etc::ipkg:excl",
        ]),
    );
    let err = run(&reg, &fake, &[], false).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "zoneadm list -cp`: line 3 of `zoneadm list -p` lists zone `a` a second time"
        ),
        "{err}"
    );
    assert!(reg.zone_files().is_empty());

    // A configuration that sets its zonepath twice: which one would be the zone's?
    let fake = host();
    fake.add_zone(FakeZone::new("twice", "ipkg"));
    fake.replay(
        Tool::Zonecfg,
        &["-z", "twice", "info"],
        "zonename: twice\nzonepath: /zones/twice\nbrand: ipkg\nzonepath: /\n",
    );
    let done = run(&reg, &fake, &[], false).unwrap();
    let error = failure(&done, "twice");
    assert!(
        error.contains("sets the global property zonepath a second time"),
        "{error}"
    );
    assert!(reg.zone_files().is_empty());
}

#[test]
fn a_dry_run_shows_the_same_refusals_and_the_text_it_would_write() {
    let reg = registry(&[("t", "ipkg")], None);
    let fake = host();
    fake.add_zone(fake_zone("ok", ZoneState::Installed, "ok0", "192.0.2.40"));
    fake.replay(
        Tool::Zoneadm,
        &["list", "-cp"],
        &listed(&[
            "-:ok:installed:/zones/ok::ipkg:excl",
            "-:nopath:installed:::ipkg:excl",
        ]),
    );
    let done = run(&reg, &fake, &[], true).unwrap();
    assert!(failure(&done, "nopath").contains("zonepath ``"));
    match outcome(&done, "ok") {
        ZoneImport::Imported { entry, .. } => {
            // What a dry run shows is what an import writes: read back without an error.
            let file = crate::error::SourceFile::new("zones/ok.kdl", entry.clone());
            let doc = crate::kdl::parse(&file).unwrap();
            let mut problems = Vec::new();
            crate::model::zone::ZoneEntry::decode(&file, &doc, &mut problems).unwrap();
            assert!(problems.is_empty(), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(reg.zone_files().is_empty());
}
