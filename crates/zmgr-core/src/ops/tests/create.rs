//! create, and its undo at every step: whatever fails, nothing is left (no zone, no VNIC,
//! no entry, the address free again), and the error names what was undone.

use std::sync::Arc;

use super::{Reg, TestHooks, host};
use crate::command::Tool;
use crate::error::Error;
use crate::host::exec::Runner;
use crate::host::fake::{FakeHost, FakeZone, Fault};
use crate::model::template::HookPoint;
use crate::model::zone::ZoneState;
use crate::ops::create::{CreateOptions, Created, create};

const VNIC: &str = "dladm create-vnic -l stub0 web0";
const CONFIGURE: &str = "zonecfg -z web -f -";
const INSTALL: &str = "zoneadm -z web install";
const BOOT: &str = "zoneadm -z web boot";
const HALT: &str = "zoneadm -z web halt";
const UNINSTALL: &str = "zoneadm -z web uninstall -F";
const DELETE: &str = "zonecfg -z web delete -F";
const DELETE_VNIC: &str = "dladm delete-vnic web0";

const UNDONE_BOOT: &str = "the boot of zone web";
const UNDONE_INSTALL: &str = "the installation of zone web";
const UNDONE_CONFIG: &str = "the configuration of zone web";
const UNDONE_VNIC: &str = "VNIC web0";
const UNDONE_ENTRY: &str = "the registry entry (address 192.0.2.10 is free again)";

fn opts(template: &str) -> CreateOptions {
    CreateOptions {
        name: "web".into(),
        template: Some(template.into()),
        ..CreateOptions::default()
    }
}

/// Runs `create web` from `template` over `fake`, with `hooks` as the hook engine.
fn run(
    reg: &Reg,
    fake: &Arc<FakeHost>,
    opts: &CreateOptions,
    hooks: Option<TestHooks>,
) -> crate::error::Result<Created> {
    let mut session = reg.session(fake);
    if let Some(h) = hooks {
        session = session.with_hooks(Arc::new(h));
    }
    create(&mut session, reg.registry(), opts)
}

/// The parts of an `Error::Create`: its cause, what was undone, what could not be, what was kept.
#[track_caller]
fn parts(err: Error) -> (Error, Vec<String>, Vec<String>, Option<Vec<String>>) {
    match err {
        Error::Create {
            zone,
            cause,
            undone,
            failed,
            kept,
        } => {
            assert_eq!(zone, "web");
            (*cause, undone, failed, kept)
        }
        other => panic!("expected Error::Create, got {other:?}"),
    }
}

/// Nothing of zone web is left, and the next create would get its address again.
#[track_caller]
fn assert_nothing_left(reg: &Reg, fake: &FakeHost) {
    assert_eq!(fake.zone("web"), None, "zone web is left on the host");
    assert!(
        fake.vnics().is_empty(),
        "VNICs are left: {:?}",
        fake.vnics()
    );
    assert_eq!(reg.entry("web"), None, "the entry of web is left");
    assert!(
        reg.zone_files().is_empty(),
        "zones/ holds {:?}",
        reg.zone_files()
    );
    let plan = crate::ops::create::plan(&reg.registry(), &opts("t")).unwrap();
    assert_eq!(
        plan.nets[0].address.to_string(),
        "192.0.2.10",
        "the address is not free"
    );
}

/// One step's failure: the template, what fails, and what the test expects.
struct Case {
    template: &'static str,
    fault: Option<Fault>,
    hooks: Option<TestHooks>,
    /// Words the error's cause says.
    cause: &'static str,
    /// The commands that change the system, in order.
    commands: &'static [&'static str],
    undone: &'static [&'static str],
}

#[track_caller]
fn undo_leaves_nothing(case: Case) -> Error {
    let reg = Reg::new();
    let fake = host();
    if let Some(f) = case.fault {
        fake.fault(f);
    }
    let err = run(&reg, &fake, &opts(case.template), case.hooks).unwrap_err();
    let message = err.to_string();
    let (cause, undone, failed, kept) = parts(err);
    assert!(
        message.starts_with("could not create zone `web`: ") && message.contains(case.cause),
        "{message}"
    );
    assert_eq!(undone, case.undone);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(kept, None);
    assert_eq!(fake.changes(), case.commands);
    assert_nothing_left(&reg, &fake);
    cause
}

#[test]
fn a_create_that_succeeds_makes_the_vnic_zone_and_entry() {
    let reg = Reg::new();
    let fake = host();
    let created = run(&reg, &fake, &opts("t"), None).unwrap();
    assert_eq!(created.state, ZoneState::Running);
    assert_eq!(created.nets[0].address.to_string(), "192.0.2.10/24");
    assert_eq!(created.nets[0].link, "web0");
    assert_eq!(fake.changes(), [VNIC, CONFIGURE, INSTALL, BOOT]);
    let zone = fake.zone("web").unwrap();
    assert_eq!(zone.state, ZoneState::Running);
    assert_eq!(zone.zonepath, "/zones/web");
    assert!(zone.autoboot);
    assert_eq!(zone.nets.len(), 1);
    assert_eq!(zone.nets[0].physical, "web0");
    assert_eq!(
        zone.nets[0].allowed_address.as_deref(),
        Some("192.0.2.10/24")
    );
    assert_eq!(zone.nets[0].defrouter.as_deref(), Some("192.0.2.1"));
    assert_eq!(fake.vnic_over("web0").as_deref(), Some("stub0"));
    assert_eq!(reg.entry_state("web"), "running");
    let entry = reg.entry("web").unwrap();
    assert!(
        entry.contains("net \"web0\" address=\"192.0.2.10/24\" pool=\"lan\" vnic=#true"),
        "{entry}"
    );
}

#[test]
fn hooks_run_at_their_points_and_pre_install_packages_are_installed() {
    let reg = Reg::new();
    let fake = host();
    let hooks = TestHooks {
        packages: vec!["pkg:/web/server/nginx".into()],
        ..TestHooks::default()
    };
    run(&reg, &fake, &opts("h"), Some(hooks.clone())).unwrap();
    assert_eq!(
        hooks.ran(),
        [
            HookPoint::PreInstall,
            HookPoint::PostInstall,
            HookPoint::PostBoot
        ]
    );
    assert_eq!(
        fake.changes()[2],
        "zoneadm -z web install -e pkg:/web/server/nginx"
    );
    assert_eq!(
        fake.zone("web").unwrap().packages,
        ["pkg:/web/server/nginx"]
    );
}

#[test]
fn create_vnic_failing_undoes_the_entry_only() {
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(
            Fault::on(Tool::Dladm, "create-vnic").stderr("dladm: insufficient privileges\n"),
        ),
        hooks: None,
        cause: "create-vnic -l stub0 web0` failed (exit status 1): dladm: insufficient privileges",
        commands: &[VNIC],
        undone: &[UNDONE_ENTRY],
    });
}

#[test]
fn create_vnic_stopped_after_it_made_the_vnic_takes_the_vnic_back() {
    // The interrupt came as dladm finished: the VNIC is there although the step was stopped.
    let cause = undo_leaves_nothing(Case {
        template: "t",
        fault: Some(
            Fault::on(Tool::Dladm, "create-vnic")
                .after_effect()
                .interrupt(),
        ),
        hooks: None,
        cause: "was stopped by an interrupt",
        commands: &[VNIC, DELETE_VNIC],
        undone: &[UNDONE_VNIC, UNDONE_ENTRY],
    });
    assert_eq!(cause.kind(), "interrupted");
}

#[test]
fn configure_failing_undoes_the_vnic() {
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(Fault::on(Tool::Zonecfg, "-f")),
        hooks: None,
        cause: "zonecfg -z web -f -` failed",
        commands: &[VNIC, CONFIGURE, DELETE_VNIC],
        undone: &[UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn configure_failing_after_it_committed_undoes_the_configuration() {
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(Fault::on(Tool::Zonecfg, "-f").after_effect()),
        hooks: None,
        cause: "zonecfg -z web -f -` failed",
        commands: &[VNIC, CONFIGURE, DELETE, DELETE_VNIC],
        undone: &[UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn install_failing_before_it_began_undoes_the_configuration() {
    // The zone is still only configured: there is nothing to uninstall.
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(
            Fault::on(Tool::Zoneadm, "install").stderr("zoneadm: zone 'web': no publisher\n"),
        ),
        hooks: None,
        cause: "no publisher",
        commands: &[VNIC, CONFIGURE, INSTALL, DELETE, DELETE_VNIC],
        undone: &[UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn install_failing_half_way_uninstalls_the_incomplete_zone() {
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(Fault::on(Tool::Zoneadm, "install").after_effect()),
        hooks: None,
        cause: "zoneadm -z web install` failed",
        commands: &[VNIC, CONFIGURE, INSTALL, UNINSTALL, DELETE, DELETE_VNIC],
        undone: &[UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn install_stopped_by_an_interrupt_is_undone_and_the_error_says_interrupted() {
    // The runner reports a command stopped by Ctrl-C as Interrupted; the process-wide flag
    // is not set here (it would stop every other test), so this is the stopped command's path.
    let reg = Reg::new();
    let fake = host();
    fake.fault(
        Fault::on(Tool::Zoneadm, "install")
            .after_effect()
            .interrupt(),
    );
    let err = run(&reg, &fake, &opts("t"), None).unwrap_err();
    assert_eq!(err.kind(), "interrupted");
    assert!(
        err.to_string().contains("was stopped by an interrupt"),
        "{err}"
    );
    let (_, undone, failed, _) = parts(err);
    assert_eq!(
        undone,
        [UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY]
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_nothing_left(&reg, &fake);
}

#[test]
fn a_broken_hook_fails_before_anything_changes() {
    let cause = undo_leaves_nothing(Case {
        template: "h",
        fault: None,
        hooks: Some(TestHooks {
            fail_load: true,
            ..TestHooks::default()
        }),
        cause: "hook does not compile",
        commands: &[],
        undone: &[UNDONE_ENTRY],
    });
    assert_eq!(cause.kind(), "failed");
}

#[test]
fn pre_install_hook_failing_undoes_the_entry_only() {
    undo_leaves_nothing(Case {
        template: "h",
        fault: None,
        hooks: Some(TestHooks::failing_at(HookPoint::PreInstall)),
        cause: "the pre-install hook failed: no disk",
        commands: &[],
        undone: &[UNDONE_ENTRY],
    });
}

#[test]
fn post_install_hook_failing_uninstalls() {
    undo_leaves_nothing(Case {
        template: "h",
        fault: None,
        hooks: Some(TestHooks::failing_at(HookPoint::PostInstall)),
        cause: "the post-install hook failed: no disk",
        commands: &[VNIC, CONFIGURE, INSTALL, UNINSTALL, DELETE, DELETE_VNIC],
        undone: &[UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn boot_failing_uninstalls_without_a_halt() {
    undo_leaves_nothing(Case {
        template: "t",
        fault: Some(
            Fault::on(Tool::Zoneadm, "boot")
                .stderr("zoneadm: zone 'web': call to zoneadmd failed\n"),
        ),
        hooks: None,
        cause: "call to zoneadmd failed",
        commands: &[
            VNIC,
            CONFIGURE,
            INSTALL,
            BOOT,
            UNINSTALL,
            DELETE,
            DELETE_VNIC,
        ],
        undone: &[UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY],
    });
}

#[test]
fn a_vnic_gone_at_boot_is_undone_like_any_boot_failure() {
    // The host refuses to boot an exclusive-IP zone whose link is gone (the fake's rule, as
    // illumos's zoneadmd); the post-install hook deletes the VNIC behind zmgr's back.
    let reg = Reg::new();
    let fake = host();
    let behind = fake.clone();
    let hooks = TestHooks {
        action: Some((
            HookPoint::PostInstall,
            Arc::new(move || {
                behind
                    .run(&crate::host::dladm::delete_vnic("web0"))
                    .unwrap();
            }),
        )),
        ..TestHooks::default()
    };
    let err = run(&reg, &fake, &opts("h"), Some(hooks)).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("zoneadm -z web boot` failed"), "{message}");
    assert!(
        message.contains("failed to add network device: web0: object not found"),
        "{message}"
    );
    let (_, undone, failed, _) = parts(err);
    // The VNIC already gone is neither deleted again nor reported as undone.
    assert_eq!(undone, [UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_ENTRY]);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        fake.changes(),
        [
            VNIC,
            CONFIGURE,
            INSTALL,
            DELETE_VNIC,
            BOOT,
            UNINSTALL,
            DELETE
        ]
    );
    assert_nothing_left(&reg, &fake);
}

#[test]
fn post_boot_hook_failing_halts_first() {
    undo_leaves_nothing(Case {
        template: "h",
        fault: None,
        hooks: Some(TestHooks::failing_at(HookPoint::PostBoot)),
        cause: "the post-boot hook failed: no disk",
        commands: &[
            VNIC,
            CONFIGURE,
            INSTALL,
            BOOT,
            HALT,
            UNINSTALL,
            DELETE,
            DELETE_VNIC,
        ],
        undone: &[
            UNDONE_BOOT,
            UNDONE_INSTALL,
            UNDONE_CONFIG,
            UNDONE_VNIC,
            UNDONE_ENTRY,
        ],
    });
}

#[test]
fn marking_the_entry_failing_undoes_everything() {
    // The last step writes the entry's state; a post-boot hook that spoils the entry file
    // makes that write fail after every command succeeded.
    let reg = Reg::new();
    let entry = reg.root().join("zones/web.kdl");
    let hooks = TestHooks {
        action: Some((
            HookPoint::PostBoot,
            Arc::new(move || std::fs::write(&entry, "zone \"web\" {\n").unwrap()),
        )),
        ..TestHooks::default()
    };
    let fake = host();
    let err = run(&reg, &fake, &opts("h"), Some(hooks)).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("is not valid KDL any more"), "{message}");
    let (_, undone, failed, kept) = parts(err);
    assert_eq!(
        undone,
        [
            UNDONE_BOOT,
            UNDONE_INSTALL,
            UNDONE_CONFIG,
            UNDONE_VNIC,
            UNDONE_ENTRY
        ]
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(kept, None);
    assert_eq!(
        fake.changes(),
        [
            VNIC,
            CONFIGURE,
            INSTALL,
            BOOT,
            HALT,
            UNINSTALL,
            DELETE,
            DELETE_VNIC
        ]
    );
    assert_nothing_left(&reg, &fake);
}

#[test]
fn a_failed_uninstall_during_undo_keeps_the_configuration_vnic_and_entry() {
    let reg = Reg::new();
    let fake = host();
    fake.fault(
        Fault::on(Tool::Zoneadm, "uninstall")
            .nth(1)
            .stderr("zoneadm: zone 'web': dataset busy\n"),
    );
    let err = run(
        &reg,
        &fake,
        &opts("h"),
        Some(TestHooks::failing_at(HookPoint::PostInstall)),
    )
    .unwrap_err();
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    let (_, undone, failed, kept) = parts(err);
    assert!(undone.is_empty(), "{undone:?}");
    assert_eq!(kept, None);
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(
        failed[0].starts_with("the installation of zone web: `/usr/sbin/zoneadm -z web uninstall -F` failed (exit status 1): zoneadm: zone 'web': dataset busy"),
        "{}",
        failed[0]
    );
    assert_eq!(
        failed[1..3],
        [
            "the configuration of zone web is kept, since the zone could not be halted or uninstalled",
            "VNIC web0 is kept, since the zone could not be halted or uninstalled",
        ]
    );
    assert!(
        failed[3]
            .contains("the registry entry is kept in state creating, so 192.0.2.10 stays reserved")
    );
    assert!(help.contains("could NOT undo, needs a person"), "{help}");
    // Never a `zonecfg delete` after the failed uninstall: the zone's files would be orphaned.
    assert_eq!(fake.changes(), [VNIC, CONFIGURE, INSTALL, UNINSTALL]);
    assert_eq!(fake.state("web"), Some(ZoneState::Installed));
    assert_eq!(fake.vnics(), ["web0"]);
    assert_eq!(reg.entry_state("web"), "creating");
    let plan = crate::ops::create::plan(
        &reg.registry(),
        &CreateOptions {
            name: "next".into(),
            ..CreateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        plan.nets[0].address.to_string(),
        "192.0.2.11",
        "the address is not reserved"
    );

    // Once the cause is gone, `reconcile --fix` finishes the undo (the create has ended, so
    // its entry is no longer held).
    let mut session = reg.session(&fake);
    let report = crate::ops::reconcile::reconcile(&mut session, &reg.registry(), true).unwrap();
    assert_eq!(report.0.len(), 1, "{:?}", report.0);
    assert_eq!(report.0[0].fixed, Some(true), "{:?}", report.0[0]);
    assert_nothing_left(&reg, &fake);
}

/// A link of the VNIC's name that exists already is found before anything is made, and
/// is not touched.
#[test]
fn a_vnic_that_existed_before_the_create_is_not_deleted() {
    let reg = Reg::new();
    let fake = host();
    fake.add_vnic("web0", "stub0");
    let err = run(&reg, &fake, &opts("t"), None).unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(err.to_string(), "a link named web0 exists already");
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(fake.vnics(), ["web0"]);
    assert_eq!(reg.entry("web"), None);
}

/// Nor does a create start when the zonepath base has no dataset (the brand's install
/// would refuse it half way) or the stub is missing.
#[test]
fn a_host_that_lacks_what_the_create_needs_is_refused_before_anything_changes() {
    let reg = Reg::new();
    let fake = host();
    fake.remove_dataset("rpool/zones");
    let err = run(&reg, &fake, &opts("t"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no ZFS dataset is mounted at the zonepath base /zones; the brand's install refuses such a zonepath"
    );
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(reg.entry("web"), None);

    let fake = Arc::new(FakeHost::new());
    let err = run(&reg, &fake, &opts("t"), None).unwrap_err();
    assert_eq!(err.to_string(), "link stub0 does not exist");
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(reg.entry("web"), None);
}

#[test]
fn keep_on_failure_leaves_everything_made_and_the_entry() {
    let reg = Reg::new();
    let fake = host();
    fake.fault(Fault::on(Tool::Zoneadm, "boot"));
    let o = CreateOptions {
        keep_on_failure: true,
        ..opts("t")
    };
    let (_, undone, failed, kept) = parts(run(&reg, &fake, &o, None).unwrap_err());
    assert!(undone.is_empty() && failed.is_empty());
    assert_eq!(
        kept.unwrap(),
        [UNDONE_BOOT, UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC]
    );
    assert_eq!(fake.changes(), [VNIC, CONFIGURE, INSTALL, BOOT]);
    assert_eq!(fake.state("web"), Some(ZoneState::Installed));
    assert_eq!(fake.vnics(), ["web0"]);
    assert_eq!(reg.entry_state("web"), "creating");
}

#[test]
fn a_zone_of_that_name_made_by_hand_is_not_touched() {
    let reg = Reg::new();
    let fake = host();
    fake.add_zone(FakeZone::new("web", "lx").state(ZoneState::Configured));
    let err = run(&reg, &fake, &opts("t"), None).unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "a zone named `web` already exists on the system (state configured)"
    );
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(fake.zone("web").unwrap().brand, "lx");
    assert_eq!(reg.entry("web"), None);
}

/// A shared-IP zone uses its pool's `shared-link`, a global-zone link with IP; its undo
/// leaves that link alone.
#[test]
fn a_shared_ip_zone_uses_the_shared_link_and_its_undo_leaves_it_alone() {
    let reg = Reg::new();
    reg.write(
        "pools/lan.kdl",
        &super::POOL_LAN.replace(
            "stub \"stub0\"\n",
            "stub \"stub0\"\n    shared-link \"e1000g0\"\n",
        ),
    );
    reg.write(
        "templates/s.kdl",
        "template \"s\" {\n    brand \"sparse\"\n    autoboot #false\n    ip-type \"shared\"\n    pool \"lan\"\n}\n",
    );
    let fake = host();
    fake.add_link("e1000g0", crate::host::fake::LinkClass::Phys);
    let created = run(&reg, &fake, &opts("s"), None).unwrap();
    assert_eq!(created.state, ZoneState::Installed);
    assert_eq!(created.nets[0].link, "e1000g0");
    assert_eq!(fake.changes(), [CONFIGURE, INSTALL]);
    let net = &fake.zone("web").unwrap().nets[0];
    assert_eq!(net.physical, "e1000g0");
    assert_eq!(net.address.as_deref(), Some("192.0.2.10/24"));
    assert_eq!(net.allowed_address, None);
    assert!(
        reg.entry("web")
            .unwrap()
            .contains("net \"e1000g0\" address=\"192.0.2.10/24\" pool=\"lan\"\n")
    );

    let fake = host();
    fake.add_link("e1000g0", crate::host::fake::LinkClass::Phys);
    fake.fault(Fault::on(Tool::Zoneadm, "install").after_effect());
    let reg2 = Reg::new();
    reg2.write("pools/lan.kdl", &reg.read("pools/lan.kdl"));
    reg2.write("templates/s.kdl", &reg.read("templates/s.kdl"));
    let (_, undone, failed, _) = parts(run(&reg2, &fake, &opts("s"), None).unwrap_err());
    assert_eq!(undone, [UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_ENTRY]);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(fake.changes(), [CONFIGURE, INSTALL, UNINSTALL, DELETE]);
    assert!(fake.zones().is_empty());
    assert_eq!(fake.vnics(), Vec::<String>::new());
    assert_eq!(reg2.entry("web"), None);
}

/// An etherstub cannot carry IP: a shared-IP zone over one is refused before anything runs.
#[test]
fn a_shared_ip_zone_onto_an_etherstub_is_refused() {
    let reg = Reg::new();
    reg.write(
        "templates/s.kdl",
        "template \"s\" {\n    brand \"sparse\"\n    ip-type \"shared\"\n    pool \"lan\"\n}\n",
    );
    let fake = host();
    let err = run(&reg, &fake, &opts("s"), None).unwrap_err();
    assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "stub0 is an etherstub, which cannot carry the IP of a shared-IP zone"
    );
    assert!(fake.changes().is_empty(), "{:?}", fake.changes());
    assert_eq!(reg.entry("web"), None);
}

/// The install takes one `-P` (the preferred publisher's first origin) and one `-e` per
/// package, as the brand's getopts reads them; the rest of the publishers, origins and
/// mirrors are set in the new image afterwards, in the template's order.
#[test]
fn several_publishers_and_packages_install_as_the_brand_reads_them() {
    let reg = Reg::new();
    reg.write(
        "publishers/openindiana.org.kdl",
        "publisher \"openindiana.org\" {\n    origin \"https://pkg.openindiana.org/hipster\" \"https://pkg2.openindiana.org/hipster\"\n}\n",
    );
    reg.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://pkg.example.org/site\"\n    mirror \"https://mirror.example.org/site\"\n}\n",
    );
    reg.write(
        "templates/p.kdl",
        "template \"p\" {\n    brand \"ipkg\"\n    autoboot #true\n    ip-type \"exclusive\"\n    pool \"lan\"\n    publisher \"openindiana.org\"\n    publisher \"site\"\n    packages \"web/server/nginx\" \"editor/vim\" \"diagnostic/top\"\n}\n",
    );
    let fake = host();
    run(&reg, &fake, &opts("p"), None).unwrap();
    assert_eq!(
        fake.changes(),
        [
            VNIC,
            CONFIGURE,
            "zoneadm -z web install -P openindiana.org=https://pkg.openindiana.org/hipster -e web/server/nginx -e editor/vim -e diagnostic/top",
            "pkg -R /zones/web/root set-publisher -g https://pkg2.openindiana.org/hipster openindiana.org",
            "pkg -R /zones/web/root set-publisher -g https://pkg.example.org/site -m https://mirror.example.org/site site",
            BOOT,
        ]
    );
    let zone = fake.zone("web").unwrap();
    assert_eq!(
        zone.packages,
        ["web/server/nginx", "editor/vim", "diagnostic/top"]
    );
    assert_eq!(
        zone.publishers,
        [
            (
                "openindiana.org".to_string(),
                vec![
                    "https://pkg.openindiana.org/hipster".to_string(),
                    "https://pkg2.openindiana.org/hipster".to_string()
                ]
            ),
            (
                "site".to_string(),
                vec![
                    "https://pkg.example.org/site".to_string(),
                    "m:https://mirror.example.org/site".to_string()
                ]
            ),
        ]
    );
}

/// A publisher that cannot be set in the new image fails the create, which uninstalls.
#[test]
fn a_failed_set_publisher_is_undone_with_the_install() {
    let reg = Reg::new();
    reg.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://pkg.example.org/site\"\n}\n",
    );
    reg.write(
        "publishers/extra.kdl",
        "publisher \"extra\" {\n    origin \"https://pkg.example.org/extra\"\n}\n",
    );
    reg.write(
        "templates/p.kdl",
        "template \"p\" {\n    brand \"ipkg\"\n    autoboot #true\n    ip-type \"exclusive\"\n    pool \"lan\"\n    publisher \"site\"\n    publisher \"extra\"\n}\n",
    );
    let fake = host();
    fake.fault(Fault::on(Tool::Pkg, "set-publisher"));
    let err = run(&reg, &fake, &opts("p"), None).unwrap_err();
    let (_, undone, failed, _) = parts(err);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        undone,
        [UNDONE_INSTALL, UNDONE_CONFIG, UNDONE_VNIC, UNDONE_ENTRY]
    );
    assert_nothing_left(&reg, &fake);
}

/// `zoneadm boot` returns before the zone's services are up: post-boot hooks wait for the
/// multi-user milestone, asking every second, and run once it is online.
#[test]
fn post_boot_hooks_wait_for_the_zones_services() {
    let reg = Reg::new();
    let fake = host();
    fake.services_after(2);
    let hooks = TestHooks::default();
    let ran = hooks.ran.clone();
    run(&reg, &fake, &opts("h"), Some(hooks)).unwrap();
    let asked = fake
        .log()
        .iter()
        .filter(|c| c.contains("svcs -H -o state svc:/milestone/multi-user:default"))
        .count();
    assert_eq!(asked, 3, "{:?}", fake.log());
    assert!(
        ran.lock()
            .unwrap()
            .iter()
            .any(|(p, _)| *p == HookPoint::PostBoot)
    );
    // A template without post-boot hooks does not wait.
    let fake = host();
    fake.services_after(1000);
    let reg = Reg::new();
    run(&reg, &fake, &opts("t"), None).unwrap();
    assert!(!fake.log().iter().any(|c| c.contains("svcs")));
}

/// Services that never come up within `milestone-wait` fail the create, which undoes all.
#[test]
fn services_that_never_come_up_fail_the_create_cleanly() {
    let reg = Reg::new();
    reg.write(
        "config.kdl",
        "default-template \"t\"\nzonepath-base \"/zones\"\nlock-wait 1\nmilestone-wait 1\n",
    );
    let fake = host();
    fake.services_after(1000);
    let hooks = TestHooks::default();
    let ran = hooks.ran.clone();
    let err = run(&reg, &fake, &opts("h"), Some(hooks)).unwrap_err();
    let (cause, undone, failed, _) = parts(err);
    assert_eq!(
        cause.to_string(),
        "zone web booted, but its services were not up after 1 s (svc:/milestone/multi-user:default is offline)"
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        undone,
        [
            UNDONE_BOOT,
            UNDONE_INSTALL,
            UNDONE_CONFIG,
            UNDONE_VNIC,
            UNDONE_ENTRY
        ]
    );
    assert!(
        !ran.lock()
            .unwrap()
            .iter()
            .any(|(p, _)| *p == HookPoint::PostBoot)
    );
    assert_nothing_left(&reg, &fake);
}
