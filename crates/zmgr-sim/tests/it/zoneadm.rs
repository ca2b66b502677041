use super::harness::SimEnv;

#[test]
fn list_forms() {
    let env = SimEnv::new();
    env.installed("web1", "web1_0");
    env.configure("cfg", "cfg0");
    env.run("zoneadm", &["list"]).ok().stdout("global\n");
    env.run("zoneadm", &["list", "-c"])
        .ok()
        .stdout("global\nweb1\ncfg\n");
    env.run("zoneadm", &["list", "-i"])
        .ok()
        .stdout("global\nweb1\n");
    env.run("zoneadm", &["list", "-cn"])
        .ok()
        .stdout("web1\ncfg\n");
    // The verbose header comes with the first zone, so none without one.
    env.run("zoneadm", &["list", "-nv"]).ok().stdout("");
    let r = env.run("zoneadm", &["list", "-cp"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "0:global:running:/::ipkg:shared:0");
    let f: Vec<&str> = lines[1].split(':').collect();
    assert_eq!(f.len(), 8);
    assert_eq!(
        (f[0], f[1], f[2], f[3]),
        ("-", "web1", "installed", env.zonepath("web1").as_str())
    );
    assert_eq!(f[4].len(), 36, "uuid after install");
    assert_eq!((f[5], f[6]), ("ipkg", "excl"));
    let cfg = env.zonepath("cfg");
    assert_eq!(lines[2], format!("-:cfg:configured:{cfg}::ipkg:excl:2"));
    // Paths of 30 characters and more overflow the column.
    let web1 = env.zonepath("web1");
    let expected = [
        "  ID NAME             STATUS     PATH                           BRAND    IP    \n"
            .to_string(),
        "   0 global           running    /                              ipkg     shared\n"
            .to_string(),
        format!("   - web1             installed  {web1:<30} ipkg     excl  \n"),
        format!("   - cfg              configured {cfg:<30} ipkg     excl  \n"),
    ]
    .concat();
    env.run("zoneadm", &["list", "-cv"]).ok().stdout(&expected);
    env.run("zoneadm", &["-z", "cfg", "list", "-p"])
        .ok()
        .stdout(&format!("-:cfg:configured:{cfg}::ipkg:excl:2\n"));
    env.run("zoneadm", &["list", "-pv"])
        .code(1)
        .stderr("zoneadm: list -p and -v are mutually exclusive.\n");
    env.run("zoneadm", &["list", "-x"])
        .code(2)
        .stderr_has("usage:\tlist [-cinpv]\n\tLists the current zones");
    env.run("zoneadm", &["-z", "cfg", "list", "-c"]).code(2);
    env.run("zoneadm", &["-z", "cfg", "list", "-pv"])
        .code(1)
        .stderr("zoneadm: zone 'cfg': list -p and -v are mutually exclusive.\n");
}

#[test]
fn running_zones_list_first_with_ids_and_escaped_paths() {
    let env = SimEnv::new();
    env.configure("b", "b0");
    env.datasets();
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "a0"])
        .ok();
    env.run(
        "zonecfg",
        &[
            "-z",
            "a",
            &format!(
                "create; set zonepath={}; set ip-type=exclusive; add net; set physical=a0; end",
                env.zonepath("a:b")
            ),
        ],
    )
    .ok();
    env.run("zonecfg", &["-z", "c", "create; set zonepath=/zones/c\\d"])
        .ok();
    env.run("zoneadm", &["-z", "a", "install"]).ok();
    env.run("zoneadm", &["-z", "a", "boot"])
        .ok()
        .stdout("")
        .stderr("");
    let r = env.run("zoneadm", &["list", "-cp"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[1].starts_with(&format!("1:a:running:{}/a\\:b:", env.zones_dir())),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("-:b:configured:"));
    assert!(
        lines[3].starts_with("-:c:configured:/zones/c\\\\d:"),
        "{}",
        lines[3]
    );
    env.run("zoneadm", &["list"]).ok().stdout("global\na\n");
}

#[test]
fn missing_zone_global_and_sunw() {
    let env = SimEnv::new();
    env.run("zoneadm", &["-z", "nosuch", "boot"])
        .code(1)
        .stderr("zoneadm: nosuch: No such zone configured\n");
    env.run("zoneadm", &["-z", "global", "halt"])
        .code(1)
        .stderr("zoneadm: zone 'global': halt operation is invalid for the global zone.\n");
    env.run("zoneadm", &["-z", "global", "list", "-p"])
        .ok()
        .stdout("0:global:running:/::ipkg:shared:0\n");
    env.run("zoneadm", &["bogus"]).code(2);
    env.run("zoneadm", &[])
        .code(2)
        .stderr_has("usage:\tzoneadm help\n");
    env.run("zoneadm", &["boot"]).code(2);
    env.run("zoneadm", &["help"])
        .ok()
        .stdout_has("\nhalt\n\tHalts specified zone, bypassing shutdown scripts");
    env.run("zoneadm", &["help", "install"]).ok().stdout_has(
        "usage:\tinstall [-x nodataset] [brand-specific args]\n\tInstall the configuration",
    );
}

#[test]
fn install_prints_progress_and_records_options() {
    let env = SimEnv::new();
    env.datasets();
    env.configure("w", "w0");
    let r = env
        .run(
            "zoneadm",
            &[
                "-z",
                "w",
                "install",
                "-P",
                "extra=https://pkg.omnios.org/bloody/extra/",
                "-P",
                "omnios=https://pkg.omnios.org/bloody/core/",
                "-e",
                "ooce/editor/vim",
            ],
        )
        .ok()
        .stderr("");
    let zp = env.zonepath("w");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[..7],
        [
            "A ZFS file system has been created for this zone.",
            "Sanity Check: Looking for 'entire' incorporation.",
            &format!("       Image: Preparing at {zp}/root."),
            "   Publisher: Using omnios (https://pkg.omnios.org/bloody/core/).",
            "       Cache: Using /var/pkg/publisher.",
            "  Installing: Packages (output follows)",
            "Packages to install:    27",
        ]
    );
    assert!(lines.contains(&" Postinstall: Copying SMF seed repository ... done."));
    let n = lines.len();
    assert!(lines[n - 4].starts_with("        Done: Installation completed in "));
    assert_eq!(
        lines[n - 3..],
        [
            "",
            "  Next Steps: Boot the zone, then log into the zone console (zlogin -C)",
            "              to complete the configuration process.",
        ]
    );
    assert_eq!(env.zone_state("w"), "installed");
    let st = env.state();
    let zone = &st["zones"][0];
    assert_eq!(zone["install"]["extra_packages"][0], "ooce/editor/vim");
    assert_eq!(
        zone["install"]["publishers"],
        serde_json::json!(["omnios=https://pkg.omnios.org/bloody/core/"])
    );
    assert_eq!(zone["image"]["publishers"][0]["name"], "omnios");
    env.run("zoneadm", &["-z", "w", "install"])
        .code(1)
        .stderr("zoneadm: zone 'w': is already installed.\n");
}

#[test]
fn state_machine_messages_and_exit_codes() {
    let env = SimEnv::new();
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "s0"])
        .ok();
    env.datasets();
    env.configure("s", "s0");
    env.run("zoneadm", &["-z", "s", "boot"])
        .code(1)
        .stderr("zoneadm: zone 's': must be installed before boot.\n");
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"])
        .code(1)
        .stderr("zoneadm: zone 's': is already in state 'configured'.\n");
    env.run("zoneadm", &["-z", "s", "install"]).ok();
    env.run("zoneadm", &["-z", "s", "halt"])
        .ok()
        .stderr("zone 's': zone is already halted\n");
    env.run("zoneadm", &["-z", "s", "verify"]).ok();
    env.run("zoneadm", &["-z", "s", "ready"]).ok();
    assert_eq!(env.zone_state("s"), "ready");
    env.run("zoneadm", &["-z", "s", "boot"]).ok();
    assert_eq!(env.zone_state("s"), "running");
    env.run("zoneadm", &["-z", "s", "boot"])
        .ok()
        .stderr("zone 's': zone is already booted\n");
    env.run("zoneadm", &["-z", "s", "install"])
        .code(1)
        .stderr("zoneadm: zone 's': install operation is invalid for running zones.\n");
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"])
        .code(1)
        .stderr("zoneadm: zone 's': uninstall operation is invalid for running zones.\n");
    env.run("zoneadm", &["-z", "s", "verify"]).code(1);
    env.run("zoneadm", &["-z", "s", "reboot"]).ok();
    let id = env.run("zoneadm", &["-z", "s", "list", "-p"]).ok().stdout;
    assert!(
        id.starts_with("2:s:running:"),
        "reboot gives a new id: {id}"
    );
    env.run("zoneadm", &["-z", "s", "shutdown", "-r"]).ok();
    assert_eq!(env.zone_state("s"), "running");
    env.run("zoneadm", &["-z", "s", "shutdown"]).ok();
    assert_eq!(env.zone_state("s"), "installed");
    env.run("zoneadm", &["-z", "s", "shutdown"])
        .code(1)
        .stderr("zoneadm: zone 's': not running\n");
    env.run("zoneadm", &["-z", "s", "reboot"])
        .code(1)
        .stderr("zoneadm: zone 's': not running\n");
    env.run("zoneadm", &["-z", "s", "ready"]).ok();
    env.run("zoneadm", &["-z", "s", "install"])
        .code(1)
        .stderr("zoneadm: zone 's': install operation is invalid for ready zones.\n");
    env.run("zoneadm", &["-z", "s", "reboot"])
        .code(1)
        .stderr("zone 's': reboot operation is invalid for zones in state 'ready'\n");
    env.run("zoneadm", &["-z", "s", "halt"]).ok();
    env.run("zoneadm", &["-z", "s", "uninstall"])
        .code(1)
        .stderr("zoneadm: zone 's': Input not from terminal and -F not specified: uninstall not done.\n");
    env.run("zoneadm", &["-z", "s", "mark", "incomplete"]).ok();
    assert_eq!(env.zone_state("s"), "incomplete");
    env.run("zoneadm", &["-z", "s", "install"])
        .code(1)
        .stderr("zoneadm: zone 's': zone is incomplete; uninstall required.\n");
    env.run("zoneadm", &["-z", "s", "verify"])
        .code(1)
        .stderr("zoneadm: zone 's': zone is incomplete; uninstall required.\n");
    env.run("zoneadm", &["-z", "s", "uninstall", "-F"]).ok();
    assert_eq!(env.zone_state("s"), "configured");
    let st = env.state();
    assert_eq!(st["zones"][0]["uuid"], "");
}

#[test]
fn boot_assigns_links_and_halt_frees_them() {
    let env = SimEnv::new();
    env.installed("z", "z0");
    env.run("zoneadm", &["-z", "z", "boot"]).ok();
    env.run("dladm", &["show-vnic", "-p", "-o", "link,zone"])
        .ok()
        .stdout("z0:z\n");
    env.run("dladm", &["show-vnic", "-z", "z", "-p", "-o", "link"])
        .ok()
        .stdout("z0\n");
    env.run("dladm", &["delete-vnic", "z0"])
        .code(1)
        .stderr("dladm: vnic deletion failed: link busy\n");
    env.run("zoneadm", &["-z", "z", "halt"]).ok().stderr("");
    env.run("dladm", &["show-vnic", "-p", "-o", "link,zone"])
        .ok()
        .stdout("z0:\n");
    env.run("dladm", &["delete-vnic", "z0"]).ok();
}

#[test]
fn boot_fails_when_an_exclusive_link_is_missing() {
    let env = SimEnv::new();
    env.datasets();
    env.configure("nl", "nl0");
    env.run("zoneadm", &["-z", "nl", "install"]).ok();
    env.run("zoneadm", &["-z", "nl", "boot"])
        .code(1)
        .stderr("zone 'nl': failed to add network device: nl0: object not found\nzoneadm: zone 'nl': call to zoneadmd failed\n");
    assert_eq!(env.zone_state("nl"), "installed");
}

#[test]
fn shared_ip_zones_do_not_take_the_global_link() {
    let env = SimEnv::new();
    env.datasets();
    env.run(
        "zonecfg",
        &[
            "-z",
            "sh",
            &format!(
                "create; set zonepath={}; add net; set physical=e1000g0; set address=10.0.0.9/24; end",
                env.zonepath("sh")
            ),
        ],
    )
    .ok();
    env.run("zoneadm", &["-z", "sh", "install"]).ok();
    env.run("zoneadm", &["-z", "sh", "boot"]).ok();
    env.run("dladm", &["show-link", "-p", "-o", "link,class"])
        .ok()
        .stdout("e1000g0:phys\n");
}

#[test]
fn sunw_zones_are_refused() {
    let env = SimEnv::new();
    env.run("zoneadm", &["-z", "SUNWdefault", "boot"])
        .code(1)
        .stderr("zoneadm: zone 'SUNWdefault': boot operation is invalid for zones starting with SUNW.\n");
    env.run("zoneadm", &["-z", "SUNWx", "install"])
        .code(1)
        .stderr(
            "zoneadm: zone 'SUNWx': install operation is invalid for zones starting with SUNW.\n",
        );
}

#[test]
fn move_detach_attach_clone_mount() {
    let env = SimEnv::new();
    env.installed("src", "src0");
    env.configure("dst", "dst0");
    env.run("zoneadm", &["-z", "dst", "clone", "src"]).ok();
    assert_eq!(env.zone_state("dst"), "installed");
    env.run("zoneadm", &["-z", "dst", "clone", "src"])
        .code(1)
        .stderr("zoneadm: zone 'dst': is already installed.\n");
    env.run("zoneadm", &["-z", "src", "move", "/zones/moved"])
        .ok();
    env.run("zonecfg", &["-z", "src", "info", "zonepath"])
        .ok()
        .stdout("zonepath: /zones/moved\n");
    env.run("zoneadm", &["-z", "src", "detach"]).ok();
    assert_eq!(env.zone_state("src"), "configured");
    env.run("zoneadm", &["-z", "dst", "clone", "src"]).code(1);
    env.run("zoneadm", &["-z", "src", "attach"]).ok();
    assert_eq!(env.zone_state("src"), "installed");
    env.run("zoneadm", &["-z", "src", "mount"]).ok();
    assert_eq!(env.zone_state("src"), "mounted");
    env.run("zoneadm", &["-z", "src", "unmount"]).ok();
    assert_eq!(env.zone_state("src"), "installed");
}

#[test]
fn clone_plays_the_ipkg_clone_hook_and_uninstall_takes_its_snapshot() {
    let env = SimEnv::new();
    env.installed("gold", "gold0");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "web0"])
        .ok();
    env.configure("web", "web0");
    env.run("zoneadm", &["-z", "gold", "boot"]).ok();
    env.run("zoneadm", &["-z", "web", "clone", "gold"])
        .code(1)
        .stderr("zoneadm: zone 'web': clone operation is invalid for running zones.\n");
    env.run("zoneadm", &["-z", "gold", "halt"]).ok();
    env.run("zoneadm", &["-z", "web", "clone", "nosuch"])
        .code(1)
        .stderr("zoneadm: nosuch: could not get state: No such zone configured\n");
    env.run("zoneadm", &["-z", "web", "clone", "gold"]).ok();
    assert_eq!(env.zone_state("web"), "installed");
    env.run(
        "zfs",
        &[
            "list",
            "-H",
            "-t",
            "all",
            "-o",
            "name,origin",
            "-r",
            "rpool/zones",
        ],
    )
    .ok()
    .stdout_has("rpool/zones/gold/ROOT/zbe@web_snap\t-\n")
    .stdout_has("rpool/zones/web/ROOT/zbe\trpool/zones/gold/ROOT/zbe@web_snap\n");
    env.run("zoneadm", &["-z", "web", "uninstall", "-F"]).ok();
    env.run(
        "zfs",
        &["list", "-H", "-t", "all", "-o", "name", "-r", "rpool/zones"],
    )
    .ok()
    .stdout("rpool/zones\nrpool/zones/gold\nrpool/zones/gold/ROOT\nrpool/zones/gold/ROOT/zbe\n");
}

/// pkg5 `src/brand/clone` runs `zfs snapshot SRC_BE@NAME_snap`, then `zfs clone`: a
/// `zfs clone` fault fails the hook between the two, and the snapshot stays on the source
/// with no clone of it, the zone `incomplete`; `uninstall -F` does not take the snapshot.
#[test]
fn a_failing_zfs_clone_leaves_the_hooks_snapshot_on_the_source() {
    let env = SimEnv::new();
    env.installed("gold", "gold0");
    env.run("dladm", &["create-vnic", "-l", "e1000g0", "web0"])
        .ok();
    env.configure("web", "web0");
    env.write("faults", "zfs clone zone=web\n");
    env.run("zoneadm", &["-z", "web", "clone", "gold"])
        .code(1)
        .stdout_has("ERROR: Unable to create the zone's ZFS dataset.\n");
    assert_eq!(env.zone_state("web"), "incomplete");
    let names = || {
        env.run(
            "zfs",
            &["list", "-H", "-t", "all", "-o", "name", "-r", "rpool/zones"],
        )
        .ok()
        .stdout
    };
    let listed = names();
    assert!(
        listed.contains("rpool/zones/gold/ROOT/zbe@web_snap\n"),
        "{listed}"
    );
    assert!(!listed.contains("rpool/zones/web/ROOT/zbe"), "{listed}");
    env.run("zoneadm", &["-z", "web", "uninstall", "-F"]).ok();
    assert!(names().contains("rpool/zones/gold/ROOT/zbe@web_snap\n"));
}
