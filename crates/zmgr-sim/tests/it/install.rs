//! zoneadm install as the ipkg brand plays it: pkgcreatezone's getopts,
//! the `entire` check, the zonepath's dataset.

use super::harness::SimEnv;

const BRAND_USAGE: &str = "brand-specific usage: \n        install [-h]\n        install [-c certificate_file] [-k key_file] [-P publisher=uri]\n                [-e extrapkg [...]]\n        install {-a archive|-d path} {-p|-u} [-s|-v]\n";
const ZONEADM_USAGE: &str = "usage:\tinstall [-x nodataset] [brand-specific args]\n\tInstall the configuration on to the system.  The -x nodataset option\n\tcan be used to prevent the creation of a new ZFS file system for the\n\tzone (assuming the zonepath is within a ZFS file system).\n\tAll other arguments are passed to the brand installation function;\n\tsee brands(7) for more information.\n";

fn ready(env: &SimEnv, zone: &str) {
    env.datasets();
    env.configure(zone, &format!("{zone}0"));
}

#[test]
fn only_the_last_publisher_counts() {
    let env = SimEnv::new();
    ready(&env, "p");
    env.run(
        "zoneadm",
        &[
            "-z",
            "p",
            "install",
            "-P",
            "omnios=https://pkg.omnios.org/bloody/core/",
            "-P",
            "openindiana.org=https://pkg.openindiana.org/hipster/",
        ],
    )
    .ok()
    .stdout_has("   Publisher: Using openindiana.org (https://pkg.openindiana.org/hipster/).\n");
    let st = env.state();
    let z = &st["zones"][0];
    assert_eq!(
        z["image"]["publishers"],
        serde_json::json!([{"name": "openindiana.org", "origins": ["https://pkg.openindiana.org/hipster/"]}])
    );
    assert_eq!(
        z["install"]["publishers"],
        serde_json::json!(["openindiana.org=https://pkg.openindiana.org/hipster/"])
    );
    let log = z["install"]["log"].as_array().unwrap();
    assert!(!log.iter().any(|l| l.as_str().unwrap().contains("omnios")));
}

#[test]
fn each_e_takes_one_package_and_getopts_ignores_the_rest() {
    let env = SimEnv::new();
    ready(&env, "e");
    env.run(
        "zoneadm",
        &[
            "-z",
            "e",
            "install",
            "-e",
            "web/server/nginx",
            "database/postgres",
            "-e",
            "x",
        ],
    )
    .ok()
    .stdout_has("Installing package: web/server/nginx\n");
    let st = env.state();
    let z = &st["zones"][0];
    assert_eq!(
        z["install"]["extra_packages"],
        serde_json::json!(["web/server/nginx"])
    );
    assert_eq!(
        z["install"]["ignored_args"],
        serde_json::json!(["database/postgres", "-e", "x"])
    );
    let pkgs: Vec<&str> = z["image"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(pkgs.contains(&"web/server/nginx"));
    assert!(!pkgs.contains(&"database/postgres") && !pkgs.contains(&"x"));
    assert_eq!(pkgs[0], "entire");
    assert!(pkgs.contains(&"SUNWcs"));
}

#[test]
fn entire_must_be_in_the_preferred_publisher() {
    let env = SimEnv::new();
    ready(&env, "x");
    let r = env
        .run(
            "zoneadm",
            &["-z", "x", "install", "-P", "extra=https://pkg.example.org/"],
        )
        .code(1)
        .stderr("");
    assert_eq!(
        r.stdout,
        "A ZFS file system has been created for this zone.\n\
         Sanity Check: Looking for 'entire' incorporation.\n\
         ERROR: Unable to locate the incorporation 'entire@0.5.11-2024.0.0.0' in the preferred publisher 'extra'.\n\
         Use -P to supply a publisher which contains this package.\n\n"
    );
    // fail_fatal leaves the zone incomplete.
    assert_eq!(env.zone_state("x"), "incomplete");
    assert_eq!(env.state()["zones"][0]["install"]["brand_exit"], 255);
    env.run("zoneadm", &["-z", "x", "uninstall", "-F"]).ok();
    // The setting names the publishers that have it.
    env.run(
        "sim-admin",
        &["set", "publishers-with-entire", "extra,openindiana.org"],
    )
    .ok();
    env.run(
        "zoneadm",
        &["-z", "x", "install", "-P", "extra=https://pkg.example.org/"],
    )
    .ok();
    assert_eq!(env.zone_state("x"), "installed");
    // Without -P the global zone's first publisher is the preferred one.
    ready(&env, "y");
    env.run("sim-admin", &["set", "publishers-with-entire", ""])
        .ok();
    env.run("zoneadm", &["-z", "y", "install"])
        .code(1)
        .stdout_has("in the preferred publisher 'openindiana.org'.\n");
}

#[test]
fn publisher_syntax_and_usage_errors() {
    let env = SimEnv::new();
    ready(&env, "s");
    env.run("zoneadm", &["-z", "s", "install", "-P", "nouri"])
        .code(1)
        .stderr(&format!(
            "Syntax error in publisher information.\n{BRAND_USAGE}{ZONEADM_USAGE}"
        ));
    // zoneadm set the zone incomplete before the hook ran.
    assert_eq!(env.zone_state("s"), "incomplete");
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"]).ok();
    env.run("zoneadm", &["-z", "s", "install", "-h"])
        .code(1)
        .stderr(&format!("\n{BRAND_USAGE}{ZONEADM_USAGE}"));
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"]).ok();
    env.run("zoneadm", &["-z", "s", "install", "-Q"])
        .code(1)
        .stderr(&format!("\n{BRAND_USAGE}{ZONEADM_USAGE}"));
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"]).ok();
    env.run("zoneadm", &["-z", "s", "install", "-s", "-v"])
        .code(1)
        .stderr(&format!(
            "cannot specify both -s and -v options\n{BRAND_USAGE}{ZONEADM_USAGE}"
        ));
}

#[test]
fn the_zonepath_must_be_a_zfs_dataset() {
    let env = SimEnv::new();
    // No dataset is mounted on STATE/zones: zoneadm makes none, the brand fails.
    std::fs::create_dir_all(env.zones_dir()).unwrap();
    env.configure("nd", "nd0");
    env.run("zoneadm", &["-z", "nd", "install"])
        .code(1)
        .stderr("")
        .stdout(
            "Sanity Check: Looking for 'entire' incorporation.\n\
             ERROR: the zonepath must be a ZFS dataset.\n\
             The parent directory of the zonepath must be a ZFS dataset so that the\n\
             zonepath ZFS dataset can be created properly.\n",
        );
    assert_eq!(env.zone_state("nd"), "incomplete");
    env.run("zoneadm", &["-z", "nd", "uninstall", "-F"]).ok();
    // Once the parent is a dataset's mountpoint, install makes the zone's.
    env.datasets();
    env.run("zoneadm", &["-z", "nd", "install"])
        .ok()
        .stdout_has("A ZFS file system has been created for this zone.\n");
    let zp = env.zonepath("nd");
    env.run(
        "zfs",
        &[
            "list",
            "-H",
            "-r",
            "-o",
            "name,mountpoint",
            "rpool/zones/nd",
        ],
    )
    .ok()
    .stdout(&format!(
        "rpool/zones/nd\t{zp}\nrpool/zones/nd/ROOT\tlegacy\nrpool/zones/nd/ROOT/zbe\tlegacy\n"
    ));
    assert!(std::path::Path::new(&zp).join("root").is_dir());
    // Uninstall destroys them.
    env.run("zoneadm", &["-z", "nd", "uninstall", "-F"]).ok();
    env.run("zfs", &["list", "rpool/zones/nd"])
        .code(1)
        .stderr("cannot open 'rpool/zones/nd': dataset does not exist\n");
    assert!(!std::path::Path::new(&zp).exists());
}

#[test]
fn x_nodataset_needs_a_dataset_made_beforehand() {
    let env = SimEnv::new();
    ready(&env, "n");
    env.run("zoneadm", &["-z", "n", "install", "-x", "nodataset"])
        .code(1)
        .stdout_has("ERROR: the zonepath must be a ZFS dataset.\n");
    env.run("zoneadm", &["-z", "n", "uninstall", "-F"]).ok();
    env.run("zfs", &["create", "rpool/zones/n"]).ok();
    let r = env
        .run("zoneadm", &["-z", "n", "install", "-x", "nodataset"])
        .ok();
    assert!(!r.stdout.contains("A ZFS file system has been created"));
    // -x nodataset is zoneadm's: the hook does not see it.
    assert_eq!(
        env.state()["zones"][0]["install"]["args"],
        serde_json::json!(["-x", "nodataset"])
    );
}

#[test]
fn a_non_empty_zonepath_cannot_be_mounted() {
    let env = SimEnv::new();
    ready(&env, "ne");
    let zp = env.zonepath("ne");
    std::fs::create_dir_all(&zp).unwrap();
    std::fs::write(format!("{zp}/junk"), "x").unwrap();
    env.run("zoneadm", &["-z", "ne", "install"])
        .code(1)
        .stderr("cannot mount ZFS dataset rpool/zones/ne: directory is not empty\n")
        .stdout_has("ERROR: the zonepath must be a ZFS dataset.\n");
}

#[test]
fn zones_inside_the_boot_environment_are_refused() {
    let env = SimEnv::new();
    env.run("zonecfg", &["-z", "be", "create; set zonepath=/bezone"])
        .ok();
    // `/` is rpool/ROOT/openindiana's mountpoint: zoneadm tries
    // rpool/ROOT/openindiana/bezone, whose mount fails on the real / here
    // only if it is not empty; make the dataset's mountpoint match instead.
    env.run(
        "zfs",
        &[
            "create",
            "-o",
            &format!("mountpoint={}", env.path("bezone").display()),
            "rpool/ROOT/openindiana/bezone",
        ],
    )
    .ok();
    env.run(
        "zonecfg",
        &[
            "-z",
            "be",
            &format!("set zonepath={}", env.path("bezone").display()),
        ],
    )
    .ok();
    env.run("zoneadm", &["-z", "be", "install"])
        .code(1)
        .stdout_has(
            "ERROR: Installing a zone inside of the root pool's 'ROOT' dataset is unsupported.\n",
        );
}

#[test]
fn the_hook_command_line_goes_through_sh() {
    let env = SimEnv::new();
    ready(&env, "sh");
    // zoneadm glues "-e" and "a;b" into "-ea;b" and sh runs `b` as a
    // command of its own.
    env.run("zoneadm", &["-z", "sh", "install", "-e", "a;b"])
        .code(1)
        .stderr_has("sh: b: not found\n");
    let st = env.state();
    assert_eq!(
        st["zones"][0]["install"]["extra_packages"],
        serde_json::json!(["a"])
    );
    assert_eq!(st["zones"][0]["install"]["brand_exit"], 127);
}
