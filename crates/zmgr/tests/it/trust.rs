//! zmgr runs as root: a registry file, a folder above it, or a program config.kdl names that
//! someone else could have written is refused before anything runs (verbs that only show
//! warn), and the locks live where only root can open them.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::lifecycle_support::{entry, sandbox, stderr_says};

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_config_others_can_write_is_refused_before_anything_runs() {
    let env = sandbox();
    let config = env.path("config.kdl");
    chmod(&config, 0o666);
    let before = env.invocations().len();
    let run = env.sandbox(&["create", "web01"]);
    run.exit(2);
    stderr_says(
        &run,
        &[
            &format!(
                "{} is writable by others (owner uid 0, mode 0666)",
                config.display()
            ),
            &format!("`chmod go-w {}`", config.display()),
        ],
    );
    assert_eq!(env.invocations().len(), before, "a tool ran");
    assert_eq!(entry(&env, "web01"), None);
    // Verbs that only show warn and go on; check reports it as an error.
    env.sandbox(&["list"])
        .success()
        .stderr_has("is writable by others");
    env.sandbox(&["check"])
        .exit(2)
        .stderr_has("is writable by others");
    chmod(&config, 0o644);
    env.sandbox(&["create", "web01"]).success();
}

#[test]
fn a_template_owned_by_another_user_is_refused() {
    let env = sandbox();
    let template = env.path("templates/ipkg.kdl");
    // `nobody`, as in a template another user dropped into the folder.
    std::os::unix::fs::chown(&template, Some(65534), Some(65534)).unwrap();
    let run = env.sandbox(&["create", "web01"]);
    run.exit(2);
    stderr_says(
        &run,
        &[&format!(
            "{} is owned by another user (owner uid 65534",
            template.display()
        )],
    );
    assert!(env.system_zones().is_empty());
}

#[test]
fn a_folder_others_can_write_above_the_registry_is_refused_unless_sticky() {
    let env = sandbox();
    let folder = env.path("pools");
    chmod(&folder, 0o777);
    env.sandbox(&["create", "web01"])
        .exit(2)
        .stderr_has(&format!("{} is writable by others", folder.display()));
    // Sticky, like /tmp: its entries are still checked one by one, and they are root's.
    chmod(&folder, 0o1777);
    env.sandbox(&["create", "web01"]).success();
}

#[test]
fn a_program_others_can_write_is_never_run() {
    let env = sandbox();
    // config.kdl names the simulator's links; point zoneadm at a copy others can write.
    let fake = env.dir().join("bin/zoneadm");
    std::fs::create_dir_all(fake.parent().unwrap()).unwrap();
    std::fs::copy(crate::harness::simulator(), &fake).unwrap();
    chmod(&fake, 0o777);
    let config = env.read("config.kdl");
    let line = config
        .lines()
        .find(|l| l.trim_start().starts_with("zoneadm "))
        .unwrap()
        .to_string();
    env.write(
        "config.kdl",
        config.replace(&line, &format!("    zoneadm \"{}\"", fake.display())),
    );
    let before = env.invocations().len();
    env.sandbox(&["create", "web01"])
        .exit(2)
        .stderr_has(&format!(
            "the zoneadm program {} is writable by others",
            fake.display()
        ));
    assert_eq!(env.invocations().len(), before, "a tool ran");
}

#[test]
fn locks_are_private_to_root() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"]).success();
    let private = env.path(".zmgr");
    let meta = std::fs::metadata(&private).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o700);
    assert_eq!(meta.uid(), 0);
    let lock = std::fs::metadata(private.join("registry.lock")).unwrap();
    assert_eq!(lock.mode() & 0o777, 0o600);
    // A private folder others could open is refused, not used.
    chmod(&private, 0o755);
    env.sandbox(&["create", "web02", "--no-boot"])
        .exit(1)
        .stderr_has("is not private to zmgr");
}
