//! `zmgr create`: the entry, the VNIC, the zone as configured and installed, the address
//! taken, the options that change them, the dry run and the progress lines.

use crate::harness::TestEnv;
use crate::lifecycle_support::*;

const PUBLISHER: &str = "openindiana.org=https://pkg.openindiana.org/hipster";

/// `zonecfg -z ZONE info` of the simulated system.
fn zonecfg_info(env: &TestEnv, zone: &str) -> String {
    let run = env.tool("zonecfg", &["-z", zone, "info"]);
    run.success();
    run.stdout()
}

#[track_caller]
fn info_has(info: &str, lines: &[&str]) {
    for l in lines {
        assert!(
            info.lines().any(|x| x == *l),
            "zonecfg info lacks {l:?}:\n{info}"
        );
    }
}

#[test]
fn create_makes_entry_vnic_and_running_zone() {
    let env = sandbox();
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");

    let text = entry(&env, "web01").expect("an entry");
    assert_eq!(
        text,
        expected_entry(
            &env,
            &text,
            "web01",
            ("ipkg", "ipkg"),
            "running",
            "net \"web01_0\" address=\"192.0.2.10/24\" pool=\"default\" vnic=#true"
        )
    );

    // The VNIC over the pool's stub, assigned to the running zone.
    let vnic = env.tool("dladm", &["show-vnic", "-p", "-o", "link,over,zone"]);
    vnic.success().stdout_is("web01_0:zmgr_stub0:web01\n");
    assert_eq!(env.system_zones(), vec!["web01:running"]);

    let info = zonecfg_info(&env, "web01");
    let zp = format!("zonepath: {}", zonepath(&env, "web01"));
    info_has(
        &info,
        &[
            "zonename: web01",
            &zp,
            "brand: ipkg",
            "autoboot: true",
            "ip-type: exclusive",
            "\tallowed-address: 192.0.2.10/24",
            "\tdefrouter: 192.0.2.1",
            "\tphysical: web01_0",
        ],
    );

    // Install with the template's publisher, and no extra packages.
    assert_eq!(
        calls(&env, "zoneadm", "install"),
        vec![vec!["-z", "web01", "install", "-P", PUBLISHER]]
    );
    assert_eq!(
        calls(&env, "zoneadm", "boot"),
        vec![vec!["-z", "web01", "boot"]]
    );
    assert_no_zonecfg_file_left(&env);
}

/// One `-e` per package: the brand's install reads `-e` with getopts, one package each.
#[test]
fn create_passes_template_packages_to_install() {
    let env = sandbox();
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    autoboot #true\n    pool \"default\"\n    publisher \"openindiana.org\"\n    packages \"web/server/nginx\" \"editor/vim\"\n}\n",
    );
    env.sandbox(&["create", "web01"]).success();
    assert_eq!(
        calls(&env, "zoneadm", "install"),
        vec![vec![
            "-z",
            "web01",
            "install",
            "-P",
            PUBLISHER,
            "-e",
            "web/server/nginx",
            "-e",
            "editor/vim"
        ]]
    );
    let pkgs = env.tool(
        "pkg",
        &[
            "-R",
            &format!("{}/root", zonepath(&env, "web01")),
            "list",
            "-H",
        ],
    );
    pkgs.success()
        .stdout_has("web/server/nginx")
        .stdout_has("editor/vim");
}

#[test]
fn no_boot_leaves_the_zone_installed() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--no-boot"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, installed\n");
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert!(calls(&env, "zoneadm", "boot").is_empty());
    // Nor does it boot by itself with the host: --no-boot writes autoboot=false.
    info_has(&zonecfg_info(&env, "web01"), &["autoboot: false"]);
}

#[test]
fn a_template_without_autoboot_gives_an_installed_zone() {
    let env = sandbox();
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    autoboot #false\n    pool \"default\"\n    publisher \"openindiana.org\"\n}\n",
    );
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, installed\n");
    assert_eq!(env.system_zones(), vec!["web01:installed"]);
    assert_eq!(registry_state(&env, "web01"), "installed");
    assert!(calls(&env, "zoneadm", "boot").is_empty());
    info_has(&zonecfg_info(&env, "web01"), &["autoboot: false"]);
}

#[test]
fn ip_takes_a_free_address() {
    let env = sandbox();
    env.sandbox(&["create", "web01", "--ip", "192.0.2.77"])
        .success()
        .stdout_is("created zone web01: 192.0.2.77/24 on web01_0, running\n");
    info_has(
        &zonecfg_info(&env, "web01"),
        &["\tallowed-address: 192.0.2.77/24"],
    );
    assert!(
        entry(&env, "web01")
            .unwrap()
            .contains("net \"web01_0\" address=\"192.0.2.77/24\" pool=\"default\" vnic=#true")
    );
    // The lowest free address is untouched.
    assert_eq!(pool_use(&env, "default"), "1:240:192.0.2.10");
    env.sandbox(&["create", "web02"])
        .success()
        .stdout_is("created zone web02: 192.0.2.10/24 on web02_0, running\n");
}

#[test]
fn ip_held_by_another_zone_is_refused_naming_the_holder() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    let before = env.invocations().len();
    let snapshot = env.snapshot();
    let run = env.sandbox(&["create", "web02", "--ip", "192.0.2.10"]);
    run.exit(1);
    stderr_says(&run, &["192.0.2.10 is held by zone `web01`"]);
    assert_eq!(env.invocations().len(), before, "a tool ran");
    assert_unchanged(&env, &snapshot, &env.snapshot());
}

#[test]
fn ip_the_pool_may_not_hand_out_is_a_usage_error() {
    let env = sandbox();
    env.write(
        "pools/default.kdl",
        "pool \"default\" {\n    network \"192.0.2.0/24\"\n    gateway \"192.0.2.1\"\n    stub \"zmgr_stub0\"\n    range \"192.0.2.10\" \"192.0.2.250\"\n    reserve \"192.0.2.20\"\n    exclude \"192.0.2.100\" \"192.0.2.109\"\n}\n",
    );
    let before = env.invocations().len();
    let snapshot = env.snapshot();
    for (ip, why) in [
        ("192.0.2.1", "192.0.2.1 is pool default's gateway"),
        (
            "10.0.0.1",
            "10.0.0.1 is outside pool default's network 192.0.2.0/24",
        ),
        ("192.0.2.20", "192.0.2.20 is reserved in pool default"),
        (
            "192.0.2.105",
            "192.0.2.105 is in pool default's excluded range",
        ),
        ("192.0.2.5", "192.0.2.5 is in none of pool default's ranges"),
        (
            "192.0.2.0",
            "192.0.2.0 is the network address of 192.0.2.0/24",
        ),
        (
            "192.0.2.255",
            "192.0.2.255 is the broadcast address of 192.0.2.0/24",
        ),
    ] {
        let run = env.sandbox(&["create", "web01", "--ip", ip]);
        run.exit(2);
        stderr_says(&run, &[&format!("--ip {ip}: {why}")]);
    }
    assert_eq!(env.invocations().len(), before, "a tool ran");
    assert_unchanged(&env, &snapshot, &env.snapshot());
}

#[test]
fn template_option_picks_the_brand() {
    let env = sandbox();
    env.sandbox(&["create", "lab1", "--template", "nlipkg"])
        .success()
        .stdout_is("created zone lab1: 192.0.2.10/24 on lab1_0, running\n");
    let text = entry(&env, "lab1").unwrap();
    assert_eq!(
        text,
        expected_entry(
            &env,
            &text,
            "lab1",
            ("nlipkg", "nlipkg"),
            "running",
            "net \"lab1_0\" address=\"192.0.2.10/24\" pool=\"default\" vnic=#true"
        )
    );
    info_has(&zonecfg_info(&env, "lab1"), &["brand: nlipkg"]);
    env.sandbox(&["list", "-p", "-o", "name,brand,template"])
        .success()
        .stdout_is("lab1:nlipkg:nlipkg\n");
}

#[test]
fn pool_option_takes_the_address_and_gateway_from_that_pool() {
    let env = sandbox();
    env.write(
        "pools/lab.kdl",
        "pool \"lab\" {\n    network \"198.51.100.0/24\"\n    gateway \"198.51.100.254\"\n    stub \"zmgr_stub0\"\n    range \"198.51.100.50\" \"198.51.100.59\"\n}\n",
    );
    env.sandbox(&["create", "lab1", "--pool", "lab"])
        .success()
        .stdout_is("created zone lab1: 198.51.100.50/24 on lab1_0, running\n");
    assert!(
        entry(&env, "lab1")
            .unwrap()
            .contains("net \"lab1_0\" address=\"198.51.100.50/24\" pool=\"lab\" vnic=#true")
    );
    info_has(
        &zonecfg_info(&env, "lab1"),
        &[
            "\tallowed-address: 198.51.100.50/24",
            "\tdefrouter: 198.51.100.254",
        ],
    );
    assert_eq!(pool_use(&env, "lab"), "1:9:198.51.100.51");
    assert_eq!(pool_use(&env, "default"), "0:241:192.0.2.10");
}

#[test]
fn the_lowest_free_address_is_taken_again_after_a_destroy() {
    let env = sandbox();
    for (zone, ip) in [("a1", "10"), ("a2", "11"), ("a3", "12")] {
        env.sandbox(&["create", zone, "--no-boot"])
            .success()
            .stdout_is(&format!(
                "created zone {zone}: 192.0.2.{ip}/24 on {zone}_0, installed\n"
            ));
    }
    env.sandbox(&["destroy", "a2"]).success();
    assert_eq!(pool_use(&env, "default"), "2:239:192.0.2.11");
    env.sandbox(&["create", "a4", "--no-boot"])
        .success()
        .stdout_is("created zone a4: 192.0.2.11/24 on a4_0, installed\n");
    env.sandbox(&["create", "a5", "--no-boot"])
        .success()
        .stdout_is("created zone a5: 192.0.2.13/24 on a5_0, installed\n");
}

#[test]
fn list_show_and_pool_show_reflect_new_entries() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    env.sandbox(&["list"]).success().stdout_is(
        "NAME   STATE      BRAND  TEMPLATE  ADDRESS        POOL\n\
         web01  running    ipkg   ipkg      192.0.2.10/24  default\n\
         web02  installed  ipkg   ipkg      192.0.2.11/24  default\n",
    );
    env.sandbox(&[
        "show",
        "web02",
        "-p",
        "-o",
        "name,state,address,pool,link,ip-type",
    ])
    .success()
    .stdout_is("web02:installed:192.0.2.11/24:default:web02_0:exclusive\n");
    let show = env.sandbox(&["show", "web01"]);
    show.success()
        .stdout_has("name:      web01\n")
        .stdout_has("state:     running\n")
        .stdout_has("address:   192.0.2.10/24\n")
        .stdout_has("link:      web01_0\n");
    let pool = env.sandbox(&["pool", "show", "default"]);
    pool.success()
        .stdout_has("size:         241\n")
        .stdout_has("used:         2\n")
        .stdout_has("free:         239\n")
        .stdout_has("next:         192.0.2.12\n")
        .stdout_has(
            "ZONE   ADDRESS        STATE\n\
             web01  192.0.2.10/24  running\n\
             web02  192.0.2.11/24  installed\n",
        );
    assert_eq!(pool_use(&env, "default"), "2:239:192.0.2.12");
}

#[test]
fn create_json_reports_the_zone() {
    let env = sandbox();
    let run = env.sandbox(&["create", "web01", "--json"]);
    run.success();
    let v = run.json();
    assert_eq!(
        v,
        serde_json::json!({
            "zone": "web01",
            "address": "192.0.2.10/24",
            "link": "web01_0",
            "nets": [{"pool": "default", "address": "192.0.2.10/24", "link": "web01_0"}],
            "state": "running",
        })
    );
}

#[test]
fn check_is_clean_after_creates() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02", "--no-boot"]).success();
    env.sandbox(&["create", "lab1", "-t", "nlipkg"]).success();
    let run = env.sandbox(&["check"]);
    run.success()
        .stdout_has("is valid: 2 templates, 1 pool, 3 zones, 1 publisher\n")
        .check(run.stderr().is_empty(), "check warned");
}

fn dry_run_text(env: &TestEnv, boot: bool) -> String {
    let zp = zonepath(env, "web01");
    let dir = env.dir().to_str().unwrap();
    let mut t = format!(
        "zone:      web01\n\
         template:  ipkg (brand ipkg)\n\
         pool:      default\n\
         address:   192.0.2.10/24\n\
         gateway:   192.0.2.1\n\
         vnic:      web01_0 over zmgr_stub0\n\
         zonepath:  {zp}\n\
         boot:      {}\n\
         \n\
         zonecfg command file (given on standard input):\n\
         \x20   create -b\n\
         \x20   set brand=\"ipkg\"\n\
         \x20   set zonepath=\"{zp}\"\n\
         \x20   set autoboot=\"{boot}\"\n\
         \x20   set ip-type=\"exclusive\"\n\
         \x20   add net\n\
         \x20   set physical=\"web01_0\"\n\
         \x20   set allowed-address=\"192.0.2.10/24\"\n\
         \x20   set defrouter=\"192.0.2.1\"\n\
         \x20   end\n\
         \x20   commit\n\
         \n\
         commands:\n\
         \x20   {dir}/sim/bin/dladm create-vnic -l zmgr_stub0 web01_0\n\
         \x20   {dir}/sim/bin/zonecfg -z web01 -f -\n\
         \x20   {dir}/sim/bin/zoneadm -z web01 install -P {PUBLISHER}\n",
        if boot { "yes" } else { "no" }
    );
    if boot {
        t += &format!("    {dir}/sim/bin/zoneadm -z web01 boot\n");
    }
    t += &format!(
        "\nregistry: {} (state creating, then {})\nnothing was changed (--dry-run)\n",
        env.path("zones/web01.kdl").display(),
        if boot { "running" } else { "installed" }
    );
    t
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let env = sandbox();
    let before = env.invocations();
    let snapshot = snapshot_but_log(&env);
    env.sandbox(&["create", "web01", "--dry-run"])
        .success()
        .stdout_is(&dry_run_text(&env, true));
    env.sandbox(&["create", "web01", "-n", "--no-boot"])
        .success()
        .stdout_is(&dry_run_text(&env, false));
    assert_only_looked(&env, &before);
    assert_unchanged(&env, &snapshot, &snapshot_but_log(&env));
    assert_eq!(entry(&env, "web01"), None);
    assert!(registry_zones(&env).is_empty());
    // The plan is what create then does.
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
}

#[test]
fn dry_run_plans_around_held_addresses() {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    let snapshot = snapshot_but_log(&env);
    env.sandbox(&["create", "web02", "--dry-run"])
        .success()
        .stdout_has("address:   192.0.2.11/24\n")
        .stdout_has("set allowed-address=\"192.0.2.11/24\"\n");
    assert_unchanged(&env, &snapshot, &snapshot_but_log(&env));
}

#[test]
fn dry_run_json_has_address_zonecfg_and_commands() {
    let env = sandbox();
    let before = env.invocations();
    let snapshot = snapshot_but_log(&env);
    let run = env.sandbox(&["create", "web01", "--dry-run", "--json"]);
    run.success();
    let v = run.json();
    let dir = env.dir().to_str().unwrap();
    let zp = zonepath(&env, "web01");
    assert_eq!(v["zone"], "web01");
    assert_eq!(
        v["nets"],
        serde_json::json!([{
            "pool": "default",
            "address": "192.0.2.10/24",
            "gateway": "192.0.2.1",
            "link": "web01_0",
            "over": "zmgr_stub0",
        }])
    );
    assert_eq!(v["boot"], true);
    assert_eq!(
        v["commands"],
        serde_json::json!([
            format!("{dir}/sim/bin/dladm create-vnic -l zmgr_stub0 web01_0"),
            format!("{dir}/sim/bin/zonecfg -z web01 -f -"),
            format!("{dir}/sim/bin/zoneadm -z web01 install -P {PUBLISHER}"),
            format!("{dir}/sim/bin/zoneadm -z web01 boot"),
        ])
    );
    assert_eq!(
        v["zonecfg"],
        format!(
            "create -b\nset brand=\"ipkg\"\nset zonepath=\"{zp}\"\nset autoboot=\"true\"\nset ip-type=\"exclusive\"\nadd net\nset physical=\"web01_0\"\nset allowed-address=\"192.0.2.10/24\"\nset defrouter=\"192.0.2.1\"\nend\ncommit\n"
        )
    );
    assert_eq!(v["problems"], serde_json::json!([]));
    // Each of create's hook points, in the order they run, even without scripts.
    assert_eq!(
        v["hooks"],
        serde_json::json!([
            {"point": "pre-install", "scripts": []},
            {"point": "post-install", "scripts": []},
            {"point": "post-boot", "scripts": []},
        ])
    );
    assert_only_looked(&env, &before);
    assert_unchanged(&env, &snapshot, &snapshot_but_log(&env));
}

#[test]
fn progress_is_plain_lines_when_stderr_is_not_a_terminal() {
    let env = sandbox();
    let run = env.sandbox(&["create", "web01"]);
    run.success()
        .stderr_has("zone web01: address 192.0.2.10/24 from pool default\n")
        .stderr_has("creating VNIC web01_0 over zmgr_stub0\n")
        .stderr_has("configuring zone web01\n")
        .stderr_has("installing zone web01\n")
        .stderr_has(&format!(
            "    Image: Preparing at {}/root.\n",
            zonepath(&env, "web01")
        ))
        .stderr_has("    Installing: Packages (output follows)\n")
        .stderr_has("    Done: Installation completed")
        .stderr_has("booting zone web01\n");
    let err = run.stderr();
    run.check(
        !err.contains("A ZFS file system") && !err.contains("Packages to install"),
        "install output that is no phase was printed without -v",
    );
    run.check(
        !err.contains('\r') && !err.contains('\x1b'),
        "terminal control characters on a plain stderr",
    );
}

#[test]
fn verbose_prints_every_line_of_the_install() {
    let env = sandbox();
    let run = env.sandbox(&["create", "-v", "web01"]);
    run.success()
        .stderr_has("installing zone web01\n")
        .stderr_has("A ZFS file system has been created for this zone.\n")
        .stderr_has("Image: Preparing at")
        .stderr_has("Packages to install:")
        .stderr_has("Installing package: entire\n")
        .stderr_has("Done: Installation completed")
        .stderr_has("booting zone web01\n");
}

/// Booting after create is the template's `boot`, apart from zonecfg's `autoboot`.
#[test]
fn boot_after_create_is_its_own_setting() {
    let env = sandbox();
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    autoboot #false\n    boot #true\n    pool \"default\"\n    publisher \"openindiana.org\"\n}\n",
    );
    env.sandbox(&["create", "web01"])
        .success()
        .stdout_is("created zone web01: 192.0.2.10/24 on web01_0, running\n");
    info_has(&zonecfg_info(&env, "web01"), &["autoboot: false"]);
    // And the other way round: autoboot with the host, but not booted now.
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    autoboot #true\n    boot #false\n    pool \"default\"\n    publisher \"openindiana.org\"\n}\n",
    );
    env.sandbox(&["create", "web02"])
        .success()
        .stdout_is("created zone web02: 192.0.2.11/24 on web02_0, installed\n");
    info_has(&zonecfg_info(&env, "web02"), &["autoboot: true"]);
}

/// A zonepath base that is no ZFS dataset would fail the brand's install half way: the
/// create checks the host first and fails before anything is made, and a dry run says so.
#[test]
fn a_zonepath_base_without_a_dataset_fails_before_anything_is_made() {
    let env = sandbox();
    env.tool("zfs", &["destroy", "rpool/zones"]).success();
    let base = env.dir().join("zones");
    let dry = env.sandbox(&["create", "web01", "--dry-run"]);
    dry.exit(1)
        .stdout_has(&format!(
            "would fail: no ZFS dataset is mounted at the zonepath base {}; the brand's install refuses such a zonepath\n",
            base.display()
        ))
        .stderr_has("the create would fail on this host");
    let before = env.invocations();
    env.sandbox(&["create", "web01"])
        .exit(1)
        .stderr_has("no ZFS dataset is mounted at the zonepath base")
        .stderr_has("`zmgr host check` lists what the host lacks");
    assert_only_looked(&env, &before);
    assert_eq!(entry(&env, "web01"), None);
    assert!(env.system_zones().is_empty());
    assert!(env.system_vnics().is_empty());
    // `host setup` makes the dataset; then the create goes through.
    env.sandbox(&["host", "setup", "--pool", "default"])
        .success();
    env.sandbox(&["create", "web01"]).success();
}

/// A VNIC name another link has already is found before anything is made.
#[test]
fn a_taken_vnic_name_is_refused_before_anything_is_made() {
    let env = sandbox();
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", "web01_0"])
        .success();
    let dry = env.sandbox(&["create", "web01", "-n"]);
    dry.exit(1)
        .stdout_has("would fail: a link named web01_0 exists already\n");
    let before = env.invocations();
    env.sandbox(&["create", "web01"])
        .exit(1)
        .stderr_has("a link named web01_0 exists already")
        .stderr_has("give another name with --vnic");
    assert_only_looked(&env, &before);
    assert_eq!(env.system_vnics(), vec!["web01_0"]);
    assert_eq!(entry(&env, "web01"), None);
}
