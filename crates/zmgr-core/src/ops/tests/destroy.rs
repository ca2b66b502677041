//! destroy with parts of the zone already gone, and destroy that fails half way.

use super::{Reg, fake_zone, host};
use crate::command::Tool;
use crate::error::Error;
use crate::host::fake::{FakeHost, Fault};
use crate::model::zone::ZoneState;
use crate::ops::lifecycle::{Destroyed, destroy};

const HALT: &str = "zoneadm -z web halt";
const UNINSTALL: &str = "zoneadm -z web uninstall -F";
const DELETE: &str = "zonecfg -z web delete -F";
const DELETE_VNIC: &str = "dladm delete-vnic web0";

/// A registry with zone `web` (VNIC web0, 192.0.2.10) in `state`.
fn registered(state: &str) -> Reg {
    let reg = Reg::new();
    reg.zone("web", state, "web0", "192.0.2.10");
    reg
}

/// The host has zone web in `state` (if any) and VNIC web0 (if `vnic`).
fn system(state: Option<ZoneState>, vnic: bool) -> std::sync::Arc<FakeHost> {
    let fake = host();
    if vnic {
        fake.add_vnic("web0", "stub0");
    }
    if let Some(s) = state {
        fake.add_zone(fake_zone("web", s, "web0", "192.0.2.10"));
    }
    fake
}

fn run(
    reg: &Reg,
    fake: &std::sync::Arc<FakeHost>,
    dry_run: bool,
) -> crate::error::Result<Destroyed> {
    let mut session = reg.session(fake);
    destroy(&mut session, &reg.registry(), "web", dry_run)
}

/// Destroys web and checks the commands run, what was skipped, and that nothing is left.
#[track_caller]
fn destroys(reg: &Reg, fake: &std::sync::Arc<FakeHost>, commands: &[&str], skipped: &[&str]) {
    let done = run(reg, fake, false).unwrap();
    assert_eq!(done.zone, "web");
    assert_eq!(fake.changes(), commands);
    // The report shows the commands as typed, with the tools' paths.
    let typed: Vec<String> = commands
        .iter()
        .map(|c| {
            let (tool, rest) = c.split_once(' ').unwrap();
            let dir = if tool == "pkg" {
                "/usr/bin"
            } else {
                "/usr/sbin"
            };
            format!("{dir}/{tool} {rest}")
        })
        .collect();
    assert_eq!(done.commands, typed);
    assert_eq!(done.skipped, skipped);
    assert_eq!(fake.zone("web"), None);
    assert!(fake.vnics().is_empty(), "{:?}", fake.vnics());
    assert_eq!(reg.entry("web"), None);
}

#[test]
fn a_running_zone_is_halted_uninstalled_deleted_and_its_vnic_deleted() {
    let reg = registered("running");
    let fake = system(Some(ZoneState::Running), true);
    destroys(&reg, &fake, &[HALT, UNINSTALL, DELETE, DELETE_VNIC], &[]);
}

#[test]
fn a_zone_already_gone_leaves_only_its_vnic_to_delete() {
    let reg = registered("installed");
    let fake = system(None, true);
    destroys(
        &reg,
        &fake,
        &[DELETE_VNIC],
        &["zone web is not configured on the system"],
    );
}

#[test]
fn a_vnic_already_gone_is_skipped() {
    let reg = registered("installed");
    let fake = system(Some(ZoneState::Installed), false);
    destroys(
        &reg,
        &fake,
        &[UNINSTALL, DELETE],
        &["VNIC web0 is already gone"],
    );
}

#[test]
fn a_zone_only_configured_is_not_uninstalled() {
    let reg = registered("installed");
    let fake = system(Some(ZoneState::Configured), true);
    destroys(
        &reg,
        &fake,
        &[DELETE, DELETE_VNIC],
        &["zone web is not installed"],
    );
}

#[test]
fn an_incomplete_zone_is_uninstalled() {
    let reg = registered("installed");
    let fake = system(Some(ZoneState::Incomplete), true);
    destroys(&reg, &fake, &[UNINSTALL, DELETE, DELETE_VNIC], &[]);
}

#[test]
fn with_everything_gone_only_the_entry_is_removed() {
    let reg = registered("running");
    let fake = system(None, false);
    destroys(
        &reg,
        &fake,
        &[],
        &[
            "VNIC web0 is already gone",
            "zone web is not configured on the system",
        ],
    );
}

#[test]
fn a_vnic_zmgr_did_not_make_is_not_deleted() {
    // A net without `vnic=#true` is a link the zone was given, not one zmgr made.
    let reg = Reg::new();
    reg.write(
        "zones/web.kdl",
        "zone \"web\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web\"\n    ip-type \"exclusive\"\n    state \"installed\"\n    net \"web0\" address=\"192.0.2.10/24\" pool=\"lan\"\n}\n",
    );
    let fake = system(Some(ZoneState::Installed), true);
    run(&reg, &fake, false).unwrap();
    assert_eq!(fake.changes(), [UNINSTALL, DELETE]);
    assert_eq!(fake.vnics(), ["web0"]);
}

#[test]
fn a_dry_run_lists_the_commands_and_runs_none() {
    let reg = registered("running");
    let fake = system(Some(ZoneState::Running), true);
    let plan = run(&reg, &fake, true).unwrap();
    assert_eq!(
        plan.commands,
        [
            "/usr/sbin/zoneadm -z web halt",
            "/usr/sbin/zoneadm -z web uninstall -F",
            "/usr/sbin/zonecfg -z web delete -F",
            "/usr/sbin/dladm delete-vnic web0",
        ]
    );
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(fake.state("web"), Some(ZoneState::Running));
    assert_eq!(reg.entry_state("web"), "running");
}

#[test]
fn a_failed_uninstall_keeps_the_entry_configuration_and_vnic() {
    let reg = registered("running");
    let fake = system(Some(ZoneState::Running), true);
    fake.fault(Fault::on(Tool::Zoneadm, "uninstall").stderr("zoneadm: zone 'web': dataset busy\n"));
    let err = run(&reg, &fake, false).unwrap_err();
    let Error::Failed { message, help } = &err else {
        panic!("expected Error::Failed, got {err:?}");
    };
    assert_eq!(
        message,
        "could not destroy zone web: the installation of zone web: `/usr/sbin/zoneadm -z web uninstall -F` failed (exit status 1): zoneadm: zone 'web': dataset busy"
    );
    let help = help.as_deref().unwrap();
    assert!(
        help.starts_with(
            "kept: the configuration of zone web, VNIC web0; the registry entry is kept"
        ),
        "{help}"
    );
    // No `zonecfg delete` after the failed uninstall, no VNIC deleted under the zone.
    assert_eq!(fake.changes(), [HALT, UNINSTALL]);
    assert_eq!(fake.state("web"), Some(ZoneState::Installed));
    assert_eq!(fake.vnics(), ["web0"]);
    // The entry stays, with the state the system now reports.
    assert_eq!(reg.entry_state("web"), "installed");

    // Run again once the cause is gone: it finishes the job.
    let fake2 = system(Some(ZoneState::Installed), true);
    destroys(&reg, &fake2, &[UNINSTALL, DELETE, DELETE_VNIC], &[]);
}

#[test]
fn an_interrupted_destroy_stops_there_and_records_what_the_system_says() {
    // The zone was halted when the interrupt came; the uninstall it stopped changed nothing.
    let reg = registered("running");
    let fake = system(Some(ZoneState::Running), true);
    fake.fault(Fault::on(Tool::Zoneadm, "uninstall").interrupt());
    let err = run(&reg, &fake, false).unwrap_err();
    assert_eq!(err.kind(), "interrupted");
    // Nothing after the stopped step runs.
    assert_eq!(fake.changes(), [HALT, UNINSTALL]);
    assert_eq!(fake.state("web"), Some(ZoneState::Installed));
    assert_eq!(fake.vnics(), ["web0"]);
    // The entry stays, so the address stays reserved, and says what the system says.
    assert_eq!(reg.entry_state("web"), "installed");

    // Running it again finishes the job.
    let fake2 = system(Some(ZoneState::Installed), true);
    destroys(&reg, &fake2, &[UNINSTALL, DELETE, DELETE_VNIC], &[]);
}

#[test]
fn a_failed_vnic_delete_keeps_the_entry_but_the_zone_is_gone() {
    let reg = registered("installed");
    let fake = system(Some(ZoneState::Installed), true);
    fake.fault(Fault::on(Tool::Dladm, "delete-vnic"));
    let err = run(&reg, &fake, false).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("could not destroy zone web: VNIC web0: "),
        "{err}"
    );
    assert_eq!(fake.changes(), [UNINSTALL, DELETE, DELETE_VNIC]);
    assert_eq!(fake.zone("web"), None);
    assert_eq!(fake.vnics(), ["web0"]);
    assert!(reg.entry("web").is_some());
}

#[test]
fn what_a_crashed_create_left_is_destroyed_but_a_running_create_is_refused() {
    let reg = registered("creating");
    let fake = system(Some(ZoneState::Configured), true);
    {
        // A create holds its lock while it runs.
        let _held = crate::fs::lock::CreateLock::acquire(reg.root(), "web").unwrap();
        let err = run(&reg, &fake, false).unwrap_err();
        assert_eq!(err.to_string(), "zone web is being created right now");
        assert!(fake.changes().is_empty());
    }
    destroys(
        &reg,
        &fake,
        &[DELETE, DELETE_VNIC],
        &["zone web is not installed"],
    );
}

#[test]
fn a_zone_not_in_the_registry_is_not_found() {
    let reg = Reg::new();
    let fake = system(Some(ZoneState::Installed), true);
    let err = run(&reg, &fake, false).unwrap_err();
    assert!(
        matches!(err, Error::NotFound { kind: "zone", .. }),
        "{err:?}"
    );
    assert!(fake.log().is_empty());
    assert_eq!(fake.state("web"), Some(ZoneState::Installed));
}
