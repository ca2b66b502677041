//! `zmgr import` against a system whose tools print what zonecfg would never accept: the
//! zones with such values fail, nothing is written outside `zones/`, and the registry stays
//! one that `check` and every verb read.

use crate::harness::TestEnv;
use crate::import_support::*;

/// Rewrites the simulator's state as a damaged or forged system would show it.
fn tamper(env: &TestEnv, from: &str, to: &str) {
    let path = env.sim_state().join("state.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from} in\n{text}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

#[test]
fn zones_with_names_or_zonepaths_zonecfg_never_takes_are_not_imported() {
    let env = sandbox();
    for name in ["evil1", "nopath1", "good1"] {
        let link = format!("{name}_0");
        vnic(&env, &link);
        let address = match name {
            "evil1" => "192.0.2.41/24",
            "nopath1" => "192.0.2.42/24",
            _ => "192.0.2.43/24",
        };
        hand_zone(
            &env,
            name,
            "ipkg",
            "exclusive",
            &[net(&link, address)],
            "installed",
        );
    }
    tamper(&env, "\"name\": \"evil1\"", "\"name\": \"../../escaped\"");
    let zonepath = env.dir().join("zones").join("nopath1");
    tamper(
        &env,
        &format!("\"zonepath\": \"{}\"", zonepath.display()),
        "\"zonepath\": \"\"",
    );

    let run = env.sandbox(&["import"]);
    // The registry is still one every verb reads: nothing with an empty zonepath was written.
    env.sandbox(&["list"]).success();
    check_clean(&env);
    run.exit(1);
    let out = run.stdout();
    for says in [
        "imported good1 (template ipkg)\n",
        "failed: ../../escaped not imported: zoneadm list: zone name `../../escaped` contains `.` at the start",
        "failed: nopath1 not imported: zoneadm list: zonepath `` is not an absolute path below /",
    ] {
        assert!(out.contains(says), "{says}\nnot in\n{out}");
    }
    assert_eq!(entry_names(&env), vec!["good1"]);
    // `zones/../../escaped.kdl`: beside the registry root.
    assert!(!env.root().join("zones/../../escaped.kdl").exists());
}
