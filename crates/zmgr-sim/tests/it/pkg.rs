use super::harness::SimEnv;

#[test]
fn publishers_and_packages_in_a_zone_image() {
    let env = SimEnv::new();
    env.installed("p", "p0");
    let root = format!("{}/root", env.zonepath("p"));
    let root = root.as_str();
    env.run("pkg", &["-R", root, "publisher", "-H"])
        .ok()
        .stdout(
            "openindiana.org             origin   online F https://pkg.openindiana.org/hipster/\n",
        );
    env.run(
        "pkg",
        &[
            "-R",
            root,
            "set-publisher",
            "-g",
            "https://pkg.example.org/extra/",
            "extra",
        ],
    )
    .ok();
    env.run("pkg", &["-R", root, "publisher", "-F", "tsv"])
        .ok()
        .stdout(concat!(
            "PUBLISHER\tSTICKY\tSYSPUB\tENABLED\tTYPE\tSTATUS\tURI\tPROXY\n",
            "openindiana.org\ttrue\tfalse\ttrue\torigin\tonline\thttps://pkg.openindiana.org/hipster/\t-\n",
            "extra\ttrue\tfalse\ttrue\torigin\tonline\thttps://pkg.example.org/extra/\t-\n",
        ));
    env.run(
        "pkg",
        &["-R", root, "install", "--accept", "web/server/nginx"],
    )
    .ok();
    env.run("pkg", &["-R", root, "install", "web/server/nginx"])
        .code(4)
        .stdout("No updates necessary for this image.\n");
    let st = env.state();
    let pkgs: Vec<&str> = st["zones"][0]["image"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(pkgs.first(), Some(&"entire"));
    assert_eq!(pkgs.last(), Some(&"web/server/nginx"));
    let zp = env.zonepath("p");
    let list = env.run("pkg", &["-R", &zp, "list", "-H"]).ok().stdout;
    let names: Vec<&str> = list.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(names, pkgs);
    env.run("pkg", &["-R", root, "uninstall", "web/server/nginx"])
        .ok();
    env.run("pkg", &["-R", root, "list", "web/server/nginx"])
        .code(1)
        .stderr("pkg list: No packages matching 'web/server/nginx' installed\n");
    env.run("pkg", &["-R", root, "unset-publisher", "extra"])
        .ok();
    env.run("pkg", &["-R", root, "publisher", "extra"])
        .code(1)
        .stderr("pkg: Unknown publisher 'extra'.\n");
}

#[test]
fn unknown_roots_are_errors() {
    let env = SimEnv::new();
    env.configure("c", "c0");
    env.run("pkg", &["-R", "/zones/c/root", "publisher"])
        .code(1)
        .stderr("pkg: No image rooted at '/zones/c/root'\n");
    env.run("pkg", &["-R", "/nowhere", "install", "x"])
        .code(1)
        .stderr("pkg: No image rooted at '/nowhere'\n");
    env.run("pkg", &["-R", "/nowhere", "frob"]).code(2);
}
