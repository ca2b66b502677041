//! zonecfg refusing the command file that configures a new zone: the error names the line
//! zonecfg stopped at and points at the template line behind it (zmgr feeds the file on
//! zonecfg's standard input, so there is no file of its own to name), and the create is
//! undone.

use crate::script_support::*;

#[test]
fn a_template_line_zonecfg_refuses_is_pointed_at() {
    let env = sandbox();
    // A net on the link zmgr gives the zone: only zonecfg, knowing the zone's own net, can tell.
    env.write(
        "templates/t.kdl",
        "template \"t\" {\n    brand \"ipkg\"\n    pool \"default\"\n    zonecfg {\n        resource \"net\" {\n            physical \"z1_0\"\n        }\n    }\n}\n",
    );
    env.sandbox(&["check"]).success();
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "could not create zone `z1`: zonecfg refused its configuration (below)",
            "undone: VNIC z1_0",
            "`end`: A net resource with the physical 'z1_0', and allowed-address '' already exists.",
            "this resource",
        ],
    );
    points_at(&run, &env.path("templates/t.kdl"), 5);
    // The command file went to zonecfg's standard input: no file of it is named.
    run.check(
        !run.stderr().contains("On line 13 of"),
        "names a command file",
    );
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_configuration_refused_as_a_whole_points_at_the_template_s_zonecfg() {
    let env = sandbox();
    env.write(
        "templates/t.kdl",
        "template \"t\" {\n    brand \"ipkg\"\n    pool \"default\"\n    zonecfg {\n        property \"cpu-shares\" \"10\"\n        resource \"dedicated-cpu\" {\n            ncpus \"1\"\n        }\n    }\n}\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "zonecfg refused the zone's configuration as a whole when committing it",
            "rctl zone.cpu-shares and dedicated-cpu are incompatible.",
            "with these settings",
        ],
    );
    points_at(&run, &env.path("templates/t.kdl"), 4);
    assert_nothing_left(&env, "z1");
}
