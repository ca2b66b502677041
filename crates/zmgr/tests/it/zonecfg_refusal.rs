//! zonecfg refusing the command file that configures a new zone: the error names the line
//! zonecfg stopped at and points at the template line behind it (zmgr feeds the file on
//! zonecfg's standard input, so there is no file of its own to name), and the create is
//! undone.

use crate::script_support::*;

#[test]
fn a_template_line_zonecfg_refuses_is_pointed_at() {
    let env = sandbox();
    // No interface, so the first `add` of the command file is the template's fs, which the
    // simulated zonecfg is told to refuse (what it cannot know beforehand: a host's state).
    env.write(
        "templates/t.kdl",
        "template \"t\" {\n    brand \"ipkg\"\n    nets {\n    }\n    zonecfg {\n        resource \"fs\" {\n            dir \"/data\"\n            special \"/export/data\"\n            type \"lofs\"\n        }\n    }\n}\n",
    );
    env.sandbox(&["check"]).success();
    env.faults("zonecfg add message=fs: resource refused by the host\n");
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(
        &run,
        &[
            "could not create zone `z1`: zonecfg refused its configuration (below)",
            "`add fs`: z1: fs: resource refused by the host",
            "this resource",
        ],
    );
    points_at(&run, &env.path("templates/t.kdl"), 6);
    // The command file went to zonecfg's standard input: no file of it is named.
    run.check(!run.stderr().contains(" of /"), "names a command file");
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
