//! Where the registry lives: `--root` and the `ZMGR_ROOT` variable both move it, and the
//! option wins over the variable. (Tests never run without either: the default is /etc/zmgr.)

use crate::harness::TestEnv;
use crate::registry_support::diags;

const ZMGR: &str = env!("CARGO_BIN_EXE_zmgr");

const ZONE: &str = "zone \"web01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/web01\"\n    state \"running\"\n    net \"web01_0\" address=\"192.168.100.10/24\" pool=\"default\"\n}\n";

#[test]
fn zmgr_root_variable_relocates_the_registry() {
    let env = TestEnv::new();
    let other = env.dir().join("srv/registry");
    let path = other.to_str().unwrap();
    let vars = [("ZMGR_ROOT", path)];
    env.run(ZMGR, &["init"], &vars)
        .success()
        .stdout_has(&format!("created {}", other.join("config.kdl").display()));
    assert!(other.join("templates/ipkg.kdl").is_file());
    assert!(!env.root().exists(), "init wrote to the default test root");

    std::fs::write(other.join("zones/web01.kdl"), ZONE).unwrap();
    env.run(ZMGR, &["check"], &vars)
        .success()
        .stdout_is(&format!(
            "{path} is valid: 2 templates, 1 pool, 1 zone, 1 publisher\n"
        ));
    env.run(ZMGR, &["list", "-p", "-o", "name,state"], &vars)
        .success()
        .stdout_is("web01:running\n");
    env.run(ZMGR, &["pool", "list", "-p", "-o", "name,used,next"], &vars)
        .success()
        .stdout_is("default:1:192.168.100.11\n");
    env.run(
        ZMGR,
        &["publisher", "add", "site", "https://pkg.example.org/"],
        &vars,
    )
    .success();
    assert!(other.join("publishers/site.kdl").is_file());
    assert!(!env.root().exists());
}

#[test]
fn zmgr_root_variable_naming_a_missing_registry() {
    let env = TestEnv::new();
    let missing = env.dir().join("nowhere");
    let path = missing.to_str().unwrap();
    let run = env.run(ZMGR, &["list"], &[("ZMGR_ROOT", path)]);
    run.exit(2).stdout_is("");
    let ds = diags(&env, &run.stderr());
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "no zmgr registry at $DIR/nowhere");
    assert!(!missing.exists());
}

#[test]
fn root_option_wins_over_the_variable() {
    let env = TestEnv::initialised();
    env.write("zones/web01.kdl", ZONE);
    let root = env.root();
    let root = root.to_str().unwrap();
    let missing = env.dir().join("nowhere");
    let missing = missing.to_str().unwrap();

    env.run(
        ZMGR,
        &["--root", root, "list", "-p", "-o", "name"],
        &[("ZMGR_ROOT", missing)],
    )
    .success()
    .stdout_is("web01\n");

    let run = env.run(ZMGR, &["--root", missing, "list"], &[("ZMGR_ROOT", root)]);
    run.exit(2);
    let ds = diags(&env, &run.stderr());
    assert_eq!(ds[0].message, "no zmgr registry at $DIR/nowhere");
}

#[test]
fn root_option_forms() {
    let env = TestEnv::initialised();
    env.write("zones/web01.kdl", ZONE);
    // A relative root is taken from the working directory and shown as given.
    env.run(ZMGR, &["--root", "etc/zmgr", "check"], &[])
        .success()
        .stdout_is("etc/zmgr is valid: 2 templates, 1 pool, 1 zone, 1 publisher\n");
    let root = format!("--root={}", env.root().display());
    env.run(ZMGR, &[&root, "list", "-p", "-o", "name"], &[])
        .success()
        .stdout_is("web01\n");
    // A global option: accepted after the verb too.
    let root = env.root();
    env.run(
        ZMGR,
        &[
            "show",
            "web01",
            "-o",
            "state",
            "--root",
            root.to_str().unwrap(),
        ],
        &[],
    )
    .success()
    .stdout_is("state:  running\n");
}
