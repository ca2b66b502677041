//! The `zmgr` module: the core API, through the same functions the verbs use. Results are
//! compared with what the verbs show; core errors are catchable, `abort` is not.

use crate::harness::TestEnv;
use crate::script_support::*;

fn names_and_addresses(env: &TestEnv) -> String {
    let run = env.sandbox(&["list", "-p", "-o", "name,state,template,address"]);
    run.success();
    run.stdout()
}

#[test]
fn read_functions_return_what_the_verbs_show() {
    let env = sandbox();
    env.sandbox(&["create", "w1", "--no-boot"]).success();
    let file = work_script(
        &env,
        "read.rhai",
        r#"
let zones = zmgr::zones();
print(`zones: ${zones.map(|z| z.name)}`);
let z = zmgr::zone("w1");
print(`zone: ${z.name} ${z.state} ${z.template} ${z.brand} ${z.address} ${z.prefix} ${z.pool} ${z.vnic}`);
print(`templates: ${zmgr::templates().map(|t| t.name)}`);
print(`pools: ${zmgr::pools().map(|p| p.name)}`);
let u = zmgr::pool_usage("default");
print(`usage: ${u.name}:${u.used}:${u.free}:${u.next}`);
let p = zmgr::publishers();
print(`publishers: ${p.map(|x| x.name)} ${p[0].origins}`);
"#,
    );
    let run = run_script(&env, &file, &[]);
    run.success().stdout_is("");
    stderr_says(
        &run,
        &[
            r#"zones: ["w1"]"#,
            "zone: w1 installed ipkg ipkg 192.0.2.10 24 default w1_0",
            r#"templates: ["ipkg", "nlipkg"]"#,
            r#"pools: ["default"]"#,
            r#"publishers: ["openindiana.org"] ["https://pkg.openindiana.org/hipster"]"#,
        ],
    );
    // The same numbers as `zmgr pool list`.
    let listed = env.sandbox(&["pool", "list", "-p", "-o", "name,used,free,next"]);
    listed.success();
    run.stderr_has(&format!("usage: {}", listed.stdout().trim_end()));
}

#[test]
fn allocate_adds_a_reserve_line_keeping_comments_and_create_skips_it_until_release() {
    let env = sandbox();
    let pool = "// The lab network.\npool \"default\" {\n    description \"Sandbox pool\" // shown by pool list\n    network \"192.0.2.0/24\"\n    gateway \"192.0.2.1\"\n    stub \"zmgr_stub0\"\n    // the first ten are routers\n    range \"192.0.2.10\" \"192.0.2.250\"\n}\n";
    env.write("pools/default.kdl", pool);
    let alloc = work_script(
        &env,
        "alloc.rhai",
        "let a = zmgr::allocate(\"default\");\nprint(`allocated ${a}`);\n",
    );
    run_script(&env, &alloc, &[])
        .success()
        .stdout_is("")
        .stderr_has("allocated 192.0.2.10");
    assert_eq!(
        env.read("pools/default.kdl"),
        pool.replace(
            "    range \"192.0.2.10\" \"192.0.2.250\"\n",
            "    range \"192.0.2.10\" \"192.0.2.250\"\n    reserve \"192.0.2.10\"\n"
        ),
        "the pool file after allocate"
    );
    env.sandbox(&["check"]).success();
    env.sandbox(&["create", "w1", "--no-boot"])
        .success()
        .stdout_is("created zone w1: 192.0.2.11/24 on w1_0, installed\n");
    run_script(&env, &alloc, &[])
        .success()
        .stderr_has("allocated 192.0.2.12");

    let release = work_script(
        &env,
        "release.rhai",
        "zmgr::release(\"default\", ARGS[0]);\nprint(`released ${ARGS[0]}`);\n",
    );
    run_script(&env, &release, &["192.0.2.10"])
        .success()
        .stderr_has("released 192.0.2.10");
    run_script(&env, &release, &["192.0.2.12"]).success();
    assert_eq!(
        env.read("pools/default.kdl"),
        pool,
        "release did not give the pool file back"
    );
    env.sandbox(&["create", "w2", "--no-boot"])
        .success()
        .stdout_is("created zone w2: 192.0.2.10/24 on w2_0, installed\n");
}

#[test]
fn zone_commands_create_boot_reboot_halt_and_destroy() {
    let env = sandbox();
    let file = work_script(
        &env,
        "life.rhai",
        r#"
let z = zmgr::create("s1", #{ no_boot: true });
print(`created ${z.zone} ${z.address} ${z.link} ${z.state}`);
print(`boot: ${zmgr::boot("s1")}`);
print(`reboot: ${zmgr::reboot("s1").state}`);
print(`halt: ${zmgr::halt("s1")}`);
let y = zmgr::create("s2", #{ template: "nlipkg", ip: "192.0.2.99", vnic: "front0", no_boot: true });
print(`created ${y.zone} ${y.address} ${y.link} ${y.state}`);
let d = zmgr::create("s3");
print(`created ${d.zone} ${d.address} ${d.link} ${d.state}`);
zmgr::destroy("s1");
print(`left: ${zmgr::zones().map(|z| z.name)}`);
"#,
    );
    let run = run_script(&env, &file, &[]);
    run.success().stdout_is("");
    stderr_says(
        &run,
        &[
            "created s1 192.0.2.10/24 s1_0 installed",
            "boot: running",
            "reboot: running",
            "halt: installed",
            "created s2 192.0.2.99/24 front0 installed",
            "created s3 192.0.2.11/24 s3_0 running",
            r#"left: ["s2", "s3"]"#,
        ],
    );
    assert_eq!(
        names_and_addresses(&env),
        "s2:installed:nlipkg:192.0.2.99/24\ns3:running:ipkg:192.0.2.11/24\n"
    );
    let mut system = env.system_zones();
    system.sort();
    assert_eq!(system, ["s2:installed", "s3:running"]);
    assert_gone(&env, "s1", "s1_0");
    env.sandbox(&["check"]).success();
}

#[test]
fn import_adopts_zones_made_by_hand() {
    let env = sandbox();
    env.tool("dladm", &["create-vnic", "-l", "zmgr_stub0", "hand1_0"])
        .success();
    env.tool(
        "zonecfg",
        &[
            "-z",
            "hand1",
            &format!(
                "create -b; set brand=ipkg; set zonepath={}/zones/hand1; set ip-type=exclusive; add net; set physical=hand1_0; set allowed-address=192.0.2.77/24; end; commit",
                env.dir().display()
            ),
        ],
    )
    .success();
    env.tool("zoneadm", &["-z", "hand1", "install"]).success();
    let file = work_script(
        &env,
        "adopt.rhai",
        "let r = zmgr::import_zones([]);\nprint(`outcomes: ${r.len()}`);\nprint(`hand1 at ${zmgr::zone(\"hand1\").address}`);\n",
    );
    let run = run_script(&env, &file, &[]);
    run.success().stdout_is("");
    stderr_says(&run, &["outcomes: 1", "hand1 at 192.0.2.77"]);
    assert_eq!(
        names_and_addresses(&env),
        "hand1:installed:ipkg:192.0.2.77/24\n"
    );
}

#[test]
fn info_and_warn_print_to_stderr() {
    let env = sandbox();
    let file = work_script(
        &env,
        "talk.rhai",
        "zmgr::info(\"three zones to go\");\nzmgr::warn(\"pool almost full\");\n",
    );
    let run = run_script(&env, &file, &[]);
    run.success()
        .stdout_is("")
        .stderr_has("three zones to go")
        .stderr_has("warning: pool almost full");
}

#[test]
fn abort_ends_the_script_with_its_message_and_try_catch_cannot_catch_it() {
    let env = sandbox();
    let file = work_script(
        &env,
        "stop.rhai",
        "let n = 1;\ntry {\n    zmgr::abort(`no more than ${n}`);\n} catch (e) {\n    print(`CAU${\"GHT\"} ${e}`);\n}\nprint(\"WENT\" + \"ON\");\n",
    );
    let run = run_script(&env, &file, &[]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["aborted: no more than 1"]);
    points_at(&run, std::path::Path::new(&file), 3);
    shows_code(&run, "zmgr::abort(`no more than ${n}`);");
    run.check(!run.stderr().contains("CAUGHT"), "try/catch caught abort")
        .check(!run.stderr().contains("WENTON"), "the script went on");
}

#[test]
fn core_errors_are_catchable_and_carry_the_core_message() {
    let env = sandbox();
    env.write(
        "pools/tiny.kdl",
        "pool \"tiny\" {\n    network \"198.51.100.0/24\"\n    stub \"zmgr_stub0\"\n    range \"198.51.100.10\" \"198.51.100.10\"\n}\n",
    );
    let file = work_script(
        &env,
        "catch.rhai",
        r#"
try { zmgr::zone("nosuch"); } catch (e) { print(`caught zone: ${e}`); }
try { zmgr::pool_usage("nopool"); } catch (e) { print(`caught pool: ${e}`); }
let t = zmgr::create("t1", #{ pool: "tiny", no_boot: true });
print(`made ${t.zone} ${t.address}`);
try { zmgr::create("t2", #{ pool: "tiny", no_boot: true }); } catch (e) { print(`caught create: ${e}`); }
try { zmgr::allocate("tiny"); } catch (e) { print(`caught allocate: ${e}`); }
try { zmgr::create("t1"); } catch (e) { print(`caught twice: ${e}`); }
try { zmgr::create("t3", #{ colour: "red" }); } catch (e) { print(`caught option: ${e}`); }
try { zmgr::release("default", "192.0.2.10"); } catch (e) { print(`caught release: ${e}`); }
try { zmgr::boot("nosuch"); } catch (e) { print(`caught boot: ${e}`); }
print("done");
"#,
    );
    let run = run_script(&env, &file, &[]);
    run.success().stdout_is("");
    stderr_says(
        &run,
        &[
            "caught zone: zone `nosuch` is not in the registry",
            "caught pool: pool `nopool` is not in the registry",
            "made t1 198.51.100.10/24",
            "caught create: pool `tiny` is full",
            "caught allocate: pool `tiny` is full",
            "caught twice: zone `t1` is already in the registry",
            "caught option: unknown create option `colour`",
            "caught release: 192.0.2.10 is not reserved in pool `default`",
            "caught boot: zone `nosuch` is not in the registry",
            "done",
        ],
    );
    assert_eq!(
        names_and_addresses(&env),
        "t1:installed:ipkg:198.51.100.10/24\n"
    );
    assert_gone(&env, "t2", "t2_0");
    assert_gone(&env, "t3", "t3_0");
}

#[test]
fn an_uncaught_core_error_names_the_script_file_and_line() {
    let env = sandbox();
    let file = work_script(
        &env,
        "uncaught.rhai",
        "let wanted = \"nosuch\";\nprint(\"looking\");\nlet z = zmgr::zone(wanted);\nprint(\"WENT\" + \"ON\");\n",
    );
    let run = run_script(&env, &file, &[]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["zone `nosuch` is not in the registry"]);
    run.check(!run.stderr().contains("WENTON"), "the script went on");
    points_at(&run, std::path::Path::new(&file), 3);
    shows_code(&run, "let z = zmgr::zone(wanted);");
}

#[test]
fn provision_role_example_makes_consecutive_zones_and_skips_them_the_second_time() {
    let env = sandbox();
    install_provision_role(&env);
    let run = env.sandbox(&["provision-role", "web", "3"]);
    run.success().stdout_is("");
    stderr_says(
        &run,
        &[
            "3 web zone(s) made",
            "web01 192.0.2.10/24",
            "web02 192.0.2.11/24",
            "web03 192.0.2.12/24",
        ],
    );
    let made = "web01:running:ipkg:192.0.2.10/24\nweb02:running:ipkg:192.0.2.11/24\nweb03:running:ipkg:192.0.2.12/24\n";
    assert_eq!(names_and_addresses(&env), made);

    let before = env.invocations().len();
    let again = env.sandbox(&["provision-role", "web", "3"]);
    again.success().stdout_is("");
    stderr_says(
        &again,
        &[
            "web01 exists already; skipped",
            "web02 exists already; skipped",
            "web03 exists already; skipped",
            "0 web zone(s) made",
        ],
    );
    assert_eq!(names_and_addresses(&env), made);
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    env.sandbox(&["check"]).success();
}

#[test]
fn provision_role_example_refuses_bad_arguments_before_making_anything() {
    let env = sandbox();
    install_provision_role(&env);
    let before = env.invocations().len();
    let run = env.sandbox(&["provision-role", "web"]);
    run.exit(1);
    stderr_says(&run, &["usage: zmgr provision-role ROLE COUNT [TEMPLATE]"]);
    let run = env.sandbox(&["provision-role", "web", "0"]);
    run.exit(1);
    stderr_says(&run, &["COUNT must be 1 to 99, not 0"]);
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_eq!(names_and_addresses(&env), "");
}

#[test]
fn provision_role_example_with_the_web_template_runs_its_hooks_for_each_zone() {
    let env = sandbox();
    install_provision_role(&env);
    install_web_example(&env);
    let run = env.sandbox(&["provision-role", "app", "2", "web"]);
    run.success();
    stderr_says(&run, &["2 app zone(s) made"]);
    assert_eq!(
        names_and_addresses(&env),
        "app01:running:web:192.0.2.10/24\napp02:running:web:192.0.2.11/24\n"
    );
    for zone in ["app01", "app02"] {
        let resolv = std::fs::read_to_string(zone_root(&env, zone).join("etc/resolv.conf"))
            .unwrap_or_else(|e| panic!("{zone} has no resolv.conf: {e}"));
        assert_eq!(
            resolv,
            "nameserver 192.0.2.1\nnameserver 192.0.2.53\nnameserver 198.51.100.53\n"
        );
    }
}

#[test]
fn create_options_of_the_wrong_type_are_refused_before_anything_changes() {
    let env = sandbox();
    let file = work_script(
        &env,
        "types.rhai",
        r#"
try { zmgr::create("o1", #{ ip: 5 }); } catch (e) { print(`caught ip: ${e}`); }
try { zmgr::create("o2", #{ template: ["web"] }); } catch (e) { print(`caught template: ${e}`); }
try { zmgr::create("o3", #{ no_boot: "true" }); } catch (e) { print(`caught no_boot: ${e}`); }
"#,
    );
    let before = env.invocations().len();
    let run = run_script(&env, &file, &[]);
    run.success();
    stderr_says(
        &run,
        &[
            "caught ip: option `ip` must be a string",
            "caught template: option `template` must be a string",
            "caught no_boot: option `no_boot` must be",
        ],
    );
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_eq!(names_and_addresses(&env), "");
}
