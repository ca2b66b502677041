//! reconcile: each kind of difference between the registry and the host, and what `--fix`
//! repairs.

use std::sync::Arc;

use super::{Reg, fake_zone, host};
use crate::command::Tool;
use crate::host::fake::{FakeHost, FakeNet, FakeZone, Fault};
use crate::model::zone::ZoneState;
use crate::ops::reconcile::{Finding, Report, reconcile};

/// A registry and a host that differ in every way reconcile knows, plus one zone that
/// agrees (`fine1`):
/// - `gone1` is registered, not on the host;
/// - `drift1` is installed in the registry, running on the host;
/// - `uv1`'s VNIC uv1_0 exists but its configuration uses another link;
/// - `ad1`'s configuration carries another address than the registry reserves;
/// - `cr1` was left `creating` by a create that is not running, with its VNIC and zone;
/// - `hand1` is on the host only; `vm1`, a bhyve VM, too, but belongs to a VM manager.
fn world() -> (Reg, Arc<FakeHost>) {
    let reg = Reg::new();
    let fake = host();
    reg.zone("fine1", "running", "fine1_0", "192.0.2.10");
    fake.add_vnic("fine1_0", "stub0");
    fake.add_zone(fake_zone(
        "fine1",
        ZoneState::Running,
        "fine1_0",
        "192.0.2.10",
    ));

    reg.zone("gone1", "installed", "gone1_0", "192.0.2.11");

    reg.zone("drift1", "installed", "drift1_0", "192.0.2.12");
    fake.add_vnic("drift1_0", "stub0");
    fake.add_zone(fake_zone(
        "drift1",
        ZoneState::Running,
        "drift1_0",
        "192.0.2.12",
    ));

    reg.zone("uv1", "installed", "uv1_0", "192.0.2.13");
    fake.add_vnic("uv1_0", "stub0");
    fake.add_vnic("other0", "stub0");
    fake.add_zone(fake_zone(
        "uv1",
        ZoneState::Installed,
        "other0",
        "192.0.2.13",
    ));

    reg.zone("ad1", "installed", "ad1_0", "192.0.2.14");
    fake.add_vnic("ad1_0", "stub0");
    fake.add_zone(fake_zone(
        "ad1",
        ZoneState::Installed,
        "ad1_0",
        "192.0.2.99",
    ));

    reg.zone("cr1", "creating", "cr1_0", "192.0.2.15");
    fake.add_vnic("cr1_0", "stub0");
    fake.add_zone(fake_zone(
        "cr1",
        ZoneState::Configured,
        "cr1_0",
        "192.0.2.15",
    ));

    fake.add_zone(fake_zone(
        "hand1",
        ZoneState::Installed,
        "hand1_0",
        "192.0.2.50",
    ));
    fake.add_zone(FakeZone::new("vm1", "bhyve").net(FakeNet::new("vm1_0")));
    (reg, fake)
}

fn run(reg: &Reg, fake: &Arc<FakeHost>, fix: bool) -> Report {
    let mut session = reg.session(fake);
    reconcile(&mut session, &reg.registry(), fix).unwrap()
}

/// Each difference as `kind zone detail`, for comparing whole reports.
fn summary(report: &Report) -> Vec<String> {
    report
        .0
        .iter()
        .map(|d| match &d.finding {
            Finding::Gone { zone } => format!("gone {zone}"),
            Finding::Crashed { zone, leftovers } => {
                format!("crashed {zone} [{}]", leftovers.join(", "))
            }
            Finding::Creating { zone } => format!("creating {zone}"),
            Finding::StateDrift {
                zone,
                registry,
                system,
            } => format!("state-drift {zone} {registry}->{system}"),
            Finding::UnusedVnic { vnic, zone } => format!("unused-vnic {zone} {vnic}"),
            Finding::AddressDrift { zone, address } => format!("address-drift {zone} {address}"),
            Finding::Unregistered { zone, .. } => format!("unregistered {zone}"),
            Finding::StrayVnic { vnic, over } => format!("stray-vnic {vnic} over {over}"),
            Finding::MissingVnic { zone, vnic, over } => {
                format!("missing-vnic {zone} {vnic} over {over:?}")
            }
            Finding::LeakedAddress { zone, address, .. } => format!("leaked {zone} {address}"),
            Finding::UnclaimedAddress { zone, address, .. } => {
                format!("unclaimed {zone} {address}")
            }
            Finding::UnconfirmedClaim { zone, address, .. } => {
                format!("unconfirmed {zone} {address}")
            }
            Finding::SharedLedgerUnreachable { error } => format!("unreachable {error}"),
            Finding::AddressConflict {
                zone,
                address,
                holder,
                ..
            } => format!("address-conflict {zone} {address} {holder}"),
        })
        .collect()
}

#[test]
fn finds_every_kind_of_difference_and_changes_nothing() {
    let (reg, fake) = world();
    let report = run(&reg, &fake, false);
    assert_eq!(
        summary(&report),
        [
            "address-drift ad1 192.0.2.14",
            "crashed cr1 [VNIC cr1_0, zone configured]",
            "state-drift drift1 installed->running",
            "gone gone1",
            "unused-vnic uv1 uv1_0",
            "unregistered hand1",
        ]
    );
    assert!(report.0.iter().all(|d| d.fixed.is_none()));
    let message = |zone: &str| {
        report
            .0
            .iter()
            .find(|d| serde_json::to_value(&d.finding).unwrap()["zone"] == zone)
            .map(|d| d.message.clone())
            .unwrap()
    };
    assert_eq!(
        message("cr1"),
        "zone cr1 was left in state creating by an interrupted create (VNIC cr1_0, zone configured)"
    );
    assert_eq!(
        message("ad1"),
        "the registry reserves 192.0.2.14 for zone ad1, but its configuration no longer carries it"
    );
    assert_eq!(report.left(), 6);
    assert_eq!(report.problem().unwrap().to_string(), "6 differences left");
    // Only looked: no command that changes the host, no file changed.
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(reg.entry_state("drift1"), "installed");
    assert_eq!(reg.entry_state("cr1"), "creating");
}

#[test]
fn fix_repairs_state_drift_and_removes_what_a_crashed_create_left() {
    let (reg, fake) = world();
    let report = run(&reg, &fake, true);
    let fixed: Vec<(String, Option<bool>)> = summary(&report)
        .into_iter()
        .zip(report.0.iter().map(|d| d.fixed))
        .collect();
    assert_eq!(
        fixed,
        [
            ("address-drift ad1 192.0.2.14".to_string(), None),
            (
                "crashed cr1 [VNIC cr1_0, zone configured]".to_string(),
                Some(true)
            ),
            (
                "state-drift drift1 installed->running".to_string(),
                Some(true)
            ),
            ("gone gone1".to_string(), None),
            ("unused-vnic uv1 uv1_0".to_string(), None),
            ("unregistered hand1".to_string(), None),
        ]
    );
    assert_eq!(report.left(), 4);
    // The crashed create's leftovers are taken back as its own undo would have.
    assert_eq!(
        fake.changes(),
        ["zonecfg -z cr1 delete -F", "dladm delete-vnic cr1_0"]
    );
    assert_eq!(fake.zone("cr1"), None);
    assert_eq!(fake.vnic_over("cr1_0"), None);
    assert_eq!(reg.entry("cr1"), None);
    // The registry now says what the system says.
    assert_eq!(reg.entry_state("drift1"), "running");
    // What needs a person is left alone.
    assert_eq!(fake.vnic_over("uv1_0").as_deref(), Some("stub0"));
    assert!(reg.entry("gone1").is_some() && reg.entry("ad1").is_some());
    assert_eq!(fake.state("hand1"), Some(ZoneState::Installed));

    // A second run finds only what needs a person.
    fake.clear_log();
    let again = run(&reg, &fake, true);
    assert_eq!(again.left(), 4);
    assert!(again.0.iter().all(|d| d.fixed.is_none()));
    assert!(fake.changes().is_empty());
}

#[test]
fn a_crashed_create_of_a_running_zone_is_halted_first() {
    let reg = Reg::new();
    let fake = host();
    reg.zone("cr1", "creating", "cr1_0", "192.0.2.15");
    fake.add_vnic("cr1_0", "stub0");
    fake.add_zone(fake_zone("cr1", ZoneState::Running, "cr1_0", "192.0.2.15"));
    let report = run(&reg, &fake, true);
    assert_eq!(summary(&report), ["crashed cr1 [VNIC cr1_0, zone running]"]);
    assert_eq!(report.0[0].fixed, Some(true));
    assert_eq!(
        fake.changes(),
        [
            "zoneadm -z cr1 halt",
            "zoneadm -z cr1 uninstall -F",
            "zonecfg -z cr1 delete -F",
            "dladm delete-vnic cr1_0",
        ]
    );
    assert!(fake.zones().is_empty() && fake.vnics().is_empty());
    assert!(reg.zone_files().is_empty());
    assert!(report.problem().is_none());
}

#[test]
fn a_failed_repair_keeps_the_entry_and_the_configuration() {
    let reg = Reg::new();
    let fake = host();
    reg.zone("cr1", "creating", "cr1_0", "192.0.2.15");
    fake.add_vnic("cr1_0", "stub0");
    fake.add_zone(fake_zone(
        "cr1",
        ZoneState::Installed,
        "cr1_0",
        "192.0.2.15",
    ));
    fake.fault(Fault::on(Tool::Zoneadm, "uninstall").stderr("zoneadm: zone 'cr1': dataset busy\n"));
    let report = run(&reg, &fake, true);
    let d = &report.0[0];
    assert_eq!(d.fixed, Some(false));
    let why = d.fix_error.as_deref().unwrap();
    assert!(
        why.starts_with(
            "the installation of zone cr1: `/usr/sbin/zoneadm -z cr1 uninstall -F` failed"
        ),
        "{why}"
    );
    assert_eq!(fake.changes(), ["zoneadm -z cr1 uninstall -F"]);
    assert_eq!(fake.state("cr1"), Some(ZoneState::Installed));
    assert_eq!(fake.vnics(), ["cr1_0"]);
    assert_eq!(reg.entry_state("cr1"), "creating");
    assert_eq!(report.left(), 1);
}

#[test]
fn a_create_running_now_is_left_alone() {
    let reg = Reg::new();
    let fake = host();
    reg.zone("cr1", "creating", "cr1_0", "192.0.2.15");
    fake.add_vnic("cr1_0", "stub0");
    fake.add_zone(fake_zone(
        "cr1",
        ZoneState::Configured,
        "cr1_0",
        "192.0.2.15",
    ));
    let _held = crate::fs::lock::CreateLock::acquire(reg.root(), "cr1").unwrap();
    let report = run(&reg, &fake, true);
    assert_eq!(summary(&report), ["creating cr1"]);
    assert_eq!(report.0[0].fixed, None);
    assert_eq!(report.left(), 0);
    assert!(fake.changes().is_empty());
    assert_eq!(fake.state("cr1"), Some(ZoneState::Configured));
    assert_eq!(reg.entry_state("cr1"), "creating");
}

#[test]
fn addresses_are_compared_without_their_prefix_and_shared_ip_zones_by_address() {
    // A shared-IP zone carries `address`, here without a prefix length; the registry holds
    // the same address with one.
    let reg = Reg::new();
    let fake = host();
    reg.write(
        "zones/s1.kdl",
        "zone \"s1\" {\n    brand \"sparse\"\n    zonepath \"/zones/s1\"\n    ip-type \"shared\"\n    state \"installed\"\n    net \"stub0\" address=\"192.0.2.16/24\" pool=\"lan\"\n}\n",
    );
    fake.add_zone(
        FakeZone::new("s1", "sparse")
            .ip_type(crate::model::template::IpType::Shared)
            .net(FakeNet::new("stub0").address("192.0.2.16")),
    );
    let report = run(&reg, &fake, false);
    assert!(report.0.is_empty(), "{:?}", summary(&report));
}

#[test]
fn a_system_zone_import_would_refuse_is_shown_escaped_and_no_import_is_suggested() {
    let reg = Reg::new();
    let fake = host();
    fake.add_zone(FakeZone::new("web\u{1b}[2J", "ipkg"));
    let report = run(&reg, &fake, false);
    let d = report
        .0
        .iter()
        .find(|d| matches!(d.finding, Finding::Unregistered { .. }))
        .expect("an unregistered zone");
    let (message, help) = d.finding.describe();
    assert_eq!(
        message,
        "zone web\\u{1b}[2J is on the system but not in the registry"
    );
    let help = help.unwrap();
    assert!(help.starts_with("zmgr cannot adopt it: "), "{help}");
    assert!(!help.contains('\u{1b}'), "{help}");
}

#[test]
fn a_vnic_deleted_by_hand_is_reported_and_fix_makes_it_again_over_the_pool_s_stub() {
    let reg = Reg::new();
    let fake = host();
    reg.zone("mv1", "installed", "mv1_0", "192.0.2.16");
    fake.add_zone(fake_zone(
        "mv1",
        ZoneState::Installed,
        "mv1_0",
        "192.0.2.16",
    ));
    let report = run(&reg, &fake, false);
    assert_eq!(
        summary(&report),
        ["missing-vnic mv1 mv1_0 over Some(\"stub0\")"]
    );
    assert!(fake.changes().is_empty());
    let report = run(&reg, &fake, true);
    assert_eq!(report.0[0].fixed, Some(true));
    assert_eq!(fake.changes(), ["dladm create-vnic -l stub0 mv1_0"]);
    assert_eq!(fake.vnic_over("mv1_0").as_deref(), Some("stub0"));
    fake.clear_log();
    assert!(summary(&run(&reg, &fake, true)).is_empty());
}
