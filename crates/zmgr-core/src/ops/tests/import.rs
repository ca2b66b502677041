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
        matches!(err, Error::NotFound { kind: "zone", ref name, .. } if name == "nosuch"),
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
