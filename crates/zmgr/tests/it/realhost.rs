//! What a real illumos host does that the first simulator did not, and zmgr must live with:
//! the brand's getopts for install options, pkg's "nothing to do", SMF coming up after boot.

use crate::lifecycle_support::{assert_gone, calls, pool_use, sandbox, stderr_says};
use crate::script_support::{POOL_UNTOUCHED, one_hook};

/// Two publishers (the second with a mirror) and three packages: the install gets one `-P`
/// (the brand keeps only the last) and one `-e` per package (getopts reads one word each);
/// the second publisher and its mirror are set in the image afterwards.
#[test]
fn publishers_and_packages_reach_the_image_as_the_brand_reads_them() {
    let env = sandbox();
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://pkg.example.org/site\"\n    mirror \"https://mirror.example.org/site\"\n}\n",
    );
    env.write(
        "templates/ipkg.kdl",
        "template \"ipkg\" {\n    brand \"ipkg\"\n    autoboot #true\n    pool \"default\"\n    publisher \"openindiana.org\"\n    publisher \"site\"\n    packages \"web/server/nginx\" \"database/sqlite-3\" \"diagnostic/top\"\n}\n",
    );
    env.sandbox(&["create", "web01"]).success();
    let root = format!("{}/zones/web01/root", env.dir().display());
    assert_eq!(
        calls(&env, "zoneadm", "install"),
        vec![vec![
            "-z",
            "web01",
            "install",
            "-P",
            "openindiana.org=https://pkg.openindiana.org/hipster",
            "-e",
            "web/server/nginx",
            "-e",
            "database/sqlite-3",
            "-e",
            "diagnostic/top",
        ]]
    );
    assert_eq!(
        calls(&env, "pkg", "set-publisher"),
        vec![vec![
            "-R",
            root.as_str(),
            "set-publisher",
            "-g",
            "https://pkg.example.org/site",
            "-m",
            "https://mirror.example.org/site",
            "site",
        ]]
    );
    // The image has all three packages and both publishers, in order.
    let list = env.tool("pkg", &["-R", &root, "list", "-H"]);
    list.success()
        .stdout_has("web/server/nginx")
        .stdout_has("database/sqlite-3")
        .stdout_has("diagnostic/top");
    let publishers = env.tool("pkg", &["-R", &root, "publisher", "-H"]);
    let text = publishers.stdout();
    let oi = text
        .find("openindiana.org")
        .expect("openindiana.org is set");
    let site = text.find("site").expect("site is set");
    assert!(oi < site, "{text}");
}

/// `pkg install` of a package the image has exits 4 ("No updates necessary"): a hook that
/// asks for one gets success.
#[test]
fn pkg_nothing_to_do_in_a_hook_is_success() {
    let env = sandbox();
    one_hook(
        &env,
        "post-install",
        "pkgs.rhai",
        "pkg_install([\"editor/vim\"]);\npkg_install([\"editor/vim\"]);\ninfo(\"installed twice\");\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.success();
    stderr_says(&run, &["installed twice"]);
}

/// `zoneadm boot` returns before the zone's services are up: post-boot hooks wait for the
/// multi-user milestone, and a zone whose services stay down past `milestone-wait` is undone.
#[test]
fn post_boot_hooks_wait_for_the_milestone_and_time_out_cleanly() {
    let env = sandbox();
    one_hook(
        &env,
        "post-boot",
        "boot.rhai",
        "let s = zlogin([\"svcs\", \"-H\", \"-o\", \"state\", \"svc:/milestone/multi-user:default\"]);\ninfo(`milestone ${s}`);\n",
    );
    env.tool("sim-admin", &["set", "multi-user-delay", "2"])
        .success();
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.success();
    stderr_says(
        &run,
        &["waiting for the services of zone z1", "milestone online"],
    );

    let mut config = env.read("config.kdl");
    config += "milestone-wait 1\n";
    env.write("config.kdl", config);
    env.tool("sim-admin", &["set", "multi-user-delay", "30"])
        .success();
    let run = env.sandbox(&["create", "z2", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "zone z2 booted, but its services were not up after 1 s",
            "multi-user:default is offline)",
            "undone: the boot of zone z2, the installation of zone z2",
        ],
    );
    assert_gone(&env, "z2", "z2_0");
    assert!(!run.stderr().contains("milestone online"));
    env.sandbox(&["destroy", "z1"]).success();
    assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
}

/// zlogin joins its arguments and the zone's shell reads them again: each word a hook gives
/// arrives as one word, spaces and `;` included.
#[test]
fn zlogin_words_arrive_whole() {
    let env = sandbox();
    one_hook(
        &env,
        "post-boot",
        "words.rhai",
        "zlogin([\"/usr/bin/echo\", \"a b\", \"c;d\", \"it's\"]);\n",
    );
    env.sandbox(&["create", "z1", "-t", "t"]).success();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.sim_state().join("state.json")).unwrap())
            .unwrap();
    let zone = state["zones"]
        .as_array()
        .and_then(|zs| zs.iter().find(|z| z["name"] == "z1"))
        .expect("z1 in the simulator's state");
    let commands: Vec<serde_json::Value> = zone["zlogin"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|z| z["commands"].as_array().cloned().unwrap_or_default())
        .filter(|c| c[0] != "svcs")
        .collect();
    assert_eq!(
        commands,
        [serde_json::json!(["/usr/bin/echo", "a b", "c;d", "it's"])]
    );
}
