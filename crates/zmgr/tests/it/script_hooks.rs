//! Template hooks: the example web template end to end, what each point may do, and hooks
//! that fail, which fail the create and leave nothing behind.

use std::path::Path;

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::{assert_unchanged, snapshot_but_log};
use crate::script_support::*;

/// The key the example ssh-key hook installs.
fn example_key() -> String {
    SSH_KEY_HOOK
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("\"ssh-"))
        .expect("the example hook holds a key")
        .trim_end_matches(',')
        .trim_matches('"')
        .to_string()
}

#[test]
fn web_template_example_writes_files_adds_nginx_and_its_attr_and_enables_the_service() {
    let env = sandbox();
    install_web_example(&env);
    env.sandbox(&["check"]).success();
    let run = env.sandbox(&["create", "w1", "--template", "web"]);
    run.success()
        .stdout_is("created zone w1: 192.0.2.10/24 on w1_0, running\n");
    stderr_says(
        &run,
        &[
            "running the pre-install hook of zone w1",
            "running the post-install hook of zone w1",
            "running the post-boot hook of zone w1",
        ],
    );

    let root = zone_root(&env, "w1");
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel))
            .unwrap_or_else(|e| panic!("{rel} in the zone root: {e}"))
    };
    assert_eq!(
        read("etc/resolv.conf"),
        "nameserver 192.0.2.1\nnameserver 192.0.2.53\nnameserver 198.51.100.53\n"
    );
    // The image's own DNS variant of the switch, every other database kept.
    assert_eq!(read("etc/nsswitch.conf"), read("etc/nsswitch.dns"));
    assert!(read("etc/nsswitch.conf").contains("hosts:      files dns\n"));
    assert!(read("etc/nsswitch.conf").contains("passwd:     files\n"));
    assert_eq!(
        read("root/.ssh/authorized_keys"),
        format!("{}\n", example_key())
    );

    // nginx joined the install.
    let installs = calls(&env, "zoneadm", "install");
    assert_eq!(installs.len(), 1, "{installs:?}");
    let args = &installs[0];
    let e = args.iter().position(|a| a == "-e").expect("install -e");
    assert_eq!(args[e + 1..], ["web/server/nginx"], "{args:?}");
    env.tool("pkg", &["-R", root.to_str().unwrap(), "list"])
        .success()
        .stdout_has("web/server/nginx");

    // The zone's configuration has the attribute.
    env.tool("zonecfg", &["-z", "w1", "info", "attr"])
        .success()
        .stdout_is("attr:\n\tname: role\n\ttype: string\n\tvalue: web\n");

    // The post-boot hook enabled the service in the running zone.
    let zone = sim_zone(&env, "w1");
    let commands: Vec<serde_json::Value> = zone["zlogin"]
        .as_array()
        .expect("zlogin history")
        .iter()
        .flat_map(|z| z["commands"].as_array().cloned().unwrap_or_default())
        .filter(|c| c[0] != "svcs")
        .collect();
    // One word each, as the hook gave them, after the zone's shell read the line.
    assert_eq!(
        commands,
        [serde_json::json!([
            "/usr/sbin/svcadm",
            "enable",
            "-r",
            "svc:/network/http:nginx"
        ])],
        "zlogin history of w1"
    );
    assert_eq!(zone["state"], "running");
}

#[test]
fn dry_run_runs_the_pre_install_hook_shows_its_additions_and_changes_nothing() {
    let env = sandbox();
    install_web_example(&env);
    let before_files = snapshot_but_log(&env);
    let before = env.invocations().len();
    let run = env.sandbox(&["create", "w1", "--template", "web", "--dry-run"]);
    run.success();
    let out = run.stdout();
    run.check(
        out.lines().any(|l| {
            l.contains("zoneadm -z w1 install") && l.trim_end().ends_with("-e web/server/nginx")
        }),
        "the plan's install does not add nginx",
    );
    run.check(
        out.contains(
            "    add attr\n    set name=\"role\"\n    set type=\"string\"\n    set value=\"web\"\n    end\n"
        ),
        "the plan's zonecfg lacks the role attr",
    )
    .stdout_has("nothing was changed (--dry-run)\n");
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_unchanged(&env, &before_files, &snapshot_but_log(&env));
    assert!(!zone_root(&env, "w1").exists());
}

#[test]
fn hooks_see_zone_and_hook_and_several_for_one_point_run_in_the_order_written() {
    let env = sandbox();
    hook_template(
        &env,
        "t",
        true,
        &[
            ("post-install", "h/first.rhai"),
            ("post-install", "h/second.rhai"),
            ("post-boot", "h/booted.rhai"),
        ],
    );
    hook_file(
        &env,
        "h/first.rhai",
        r#"info("FIRST HOOK");
let z = ZONE;
write_file("/etc/zone.txt", `${z.name}|${z.address}|${z.prefix}|${z.gateway}|${z.pool}|${z.brand}|${z.zonepath}|${z.template}|${z.vnic}|${z.root}|${HOOK}`);
"#,
    );
    hook_file(
        &env,
        "h/second.rhai",
        "info(\"SECOND HOOK\");\nwrite_file(\"etc/deep/er/file\", \"nested\");\npkg_install([\"editor/vim\"]);\n",
    );
    hook_file(
        &env,
        "h/booted.rhai",
        "write_file(\"/etc/booted\", HOOK);\nlet out = zlogin([\"/usr/bin/true\"]);\ninfo(`BOOTED ${type_of(out)}`);\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.success()
        .stdout_is("created zone z1: 192.0.2.10/24 on z1_0, running\n");
    let err = run.stderr();
    let first = err.find("FIRST HOOK").expect("the first hook ran");
    let second = err.find("SECOND HOOK").expect("the second hook ran");
    run.check(first < second, "the hooks ran out of order")
        .stderr_has("BOOTED string");
    let root = zone_root(&env, "z1");
    let zonepath = env.dir().join("zones/z1");
    assert_eq!(
        std::fs::read_to_string(root.join("etc/zone.txt")).unwrap(),
        format!(
            "z1|192.0.2.10|24|192.0.2.1|default|ipkg|{}|t|z1_0|{}|post-install",
            zonepath.display(),
            root.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(root.join("etc/deep/er/file")).unwrap(),
        "nested"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("etc/booted")).unwrap(),
        "post-boot"
    );
    env.tool("pkg", &["-R", root.to_str().unwrap(), "list"])
        .success()
        .stdout_has("editor/vim");
}

/// Creates z1 from template `t`, expecting the create to fail with `message` at `line` of
/// `hook`, and nothing of z1 to be left.
#[track_caller]
fn create_fails_in_hook(env: &TestEnv, hook: &Path, line: usize, message: &str) -> Run {
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1).stdout_is("");
    stderr_says(&run, &["could not create zone `z1`", message]);
    points_at(&run, hook, line);
    run.check(
        !run.stderr().contains("could NOT undo"),
        "an undo step failed",
    );
    assert_nothing_left(env, "z1");
    run
}

#[test]
fn a_hook_that_throws_fails_the_create_and_everything_is_undone() {
    for point in ["pre-install", "post-install", "post-boot"] {
        let env = sandbox();
        let hook = one_hook(
            &env,
            point,
            "throw.rhai",
            "let why = \"no disk\";\nthrow `cannot go on: ${why}`;\n",
        );
        let run = create_fails_in_hook(&env, &hook, 2, "cannot go on: no disk");
        // The hook's message is shown once, with its source, under the create's headline.
        assert_eq!(
            run.stderr().matches("cannot go on: no disk").count(),
            1,
            "{}",
            run.stderr()
        );
        stderr_says(&run, &["could not create zone `z1`: a hook failed (below)"]);
    }
}

#[test]
fn a_hook_that_aborts_fails_the_create_even_inside_try() {
    let env = sandbox();
    let hook = one_hook(
        &env,
        "post-boot",
        "abort.rhai",
        "try {\n    abort(`not on ${ZONE.name}`);\n} catch (e) {\n    info(\"CAU\" + \"GHT\");\n}\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.exit(1);
    stderr_says(&run, &["aborted: not on z1"]);
    points_at(&run, &hook, 2);
    run.check(!run.stderr().contains("CAUGHT"), "try/catch caught abort");
    assert_nothing_left(&env, "z1");
}

#[test]
fn a_hook_that_calls_a_missing_function_fails_the_create_and_everything_is_undone() {
    let env = sandbox();
    let hook = one_hook(
        &env,
        "post-install",
        "missing.rhai",
        "// sets up the zone\nlet n = 3;\nconfigure_zone(n);\n",
    );
    let run = create_fails_in_hook(&env, &hook, 3, "configure_zone");
    shows_code(&run, "configure_zone(n);");
}

#[test]
fn a_broken_hook_fails_the_create_before_anything_changes() {
    // A hook that does not compile, or that is not safe to run, is found when the hooks are
    // loaded, before the first command of the create.
    let cases: [(&str, &str, Option<u32>, &str); 3] = [
        (
            "syntax.rhai",
            "let x = 1;\nlet y = (;\n",
            None,
            "Unexpected ';'",
        ),
        (
            "undeclared.rhai",
            "let x = 1;\nwrite_file(\"/a\", y);\n",
            None,
            "Undefined variable",
        ),
        (
            "writable.rhai",
            "info(\"ran\");\n",
            Some(0o020),
            "writable by its group",
        ),
    ];
    for (name, text, bits, message) in cases {
        let env = sandbox();
        let hook = one_hook(&env, "post-boot", name, text);
        if let Some(bits) = bits {
            add_mode(&hook, bits);
        }
        let before = env.invocations().len();
        let run = env.sandbox(&["create", "z1", "-t", "t"]);
        run.check(run.code() != 0, "the create succeeded");
        stderr_says(&run, &[message]);
        assert_eq!(
            changes_since(&env, before),
            Vec::<String>::new(),
            "{name}: the create changed the system before finding the broken hook"
        );
        assert_nothing_left(&env, "z1");
    }
}

#[test]
fn pre_install_values_that_zonecfg_cannot_take_are_refused_before_anything_changes() {
    for (text, message) in [
        (
            "let v = \"web\\\"\\ncommit\";\nadd_attr(\"role\", \"string\", v);\n",
            "contains a double quote",
        ),
        (
            "let v = \"web\\nset autoboot=true\";\nadd_attr(\"role\", \"string\", v);\n",
            "contains a newline",
        ),
        (
            "let d = \"/data\";\nadd_resource(\"fs\", #{ dir: d, special: \"/export\\nend\", type: \"lofs\" });\n",
            "contains a newline",
        ),
        (
            "let opts = [\"ro\"];\nadd_resource(\"fs\", #{ dir: \"/d\", special: \"/e\", type: \"lofs\", options: opts + [\"x\\\"y\"] });\n",
            "contains a double quote",
        ),
        (
            "let p = \"--accept\";\nadd_package(p);\n",
            "would be read as an option",
        ),
    ] {
        let env = sandbox();
        let hook = one_hook(&env, "pre-install", "values.rhai", text);
        let before = env.invocations().len();
        create_fails_in_hook(&env, &hook, 2, message);
        assert_eq!(changes_since(&env, before), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn helpers_are_refused_outside_their_points() {
    for (point, text, message) in [
        (
            "pre-install",
            "let c = \"x\";\nwrite_file(\"/etc/x\", c);\n",
            "write_file() can only be used in post-install or post-boot or pre-destroy hooks, not in pre-install",
        ),
        (
            "post-install",
            "let p = \"web/server/nginx\";\nadd_package(p);\n",
            "add_package() can only be used in pre-install hooks, not in post-install",
        ),
        (
            "post-install",
            "let c = [\"/usr/bin/true\"];\nzlogin(c);\n",
            "zlogin() can only be used in post-boot or pre-destroy hooks, not in post-install",
        ),
    ] {
        let env = sandbox();
        let hook = one_hook(&env, point, "helper.rhai", text);
        create_fails_in_hook(&env, &hook, 2, message);
    }
}

#[test]
fn write_file_with_dot_dot_is_refused_and_the_create_undone() {
    for path in ["../escape", "/etc/../../escape", "/"] {
        let env = sandbox();
        let hook = one_hook(
            &env,
            "post-install",
            "dots.rhai",
            &format!("let p = {path:?};\nwrite_file(p, \"owned\");\n"),
        );
        create_fails_in_hook(&env, &hook, 2, "write_file:");
        assert!(!env.dir().join("zones/escape").exists());
        assert!(!env.dir().join("escape").exists());
    }
}

#[test]
fn write_file_through_a_symlink_planted_in_the_zone_root_is_refused_and_the_create_undone() {
    // A folder and a file of the zone root that point out of it, as the zone's root user
    // could plant them. They are planted while the install runs (slowed down), after the
    // image exists: a zonepath with files in it before the install would not get its dataset.
    for (planted, target_is_dir) in [("etc", true), ("etc/resolv.conf", false)] {
        let env = sandbox();
        let outside = env.dir().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let hook = one_hook(
            &env,
            "post-install",
            "resolv.rhai",
            "let text = \"nameserver 192.0.2.53\\n\";\nwrite_file(\"/etc/resolv.conf\", text);\n",
        );
        env.faults("zoneadm install delay=2\n");
        let child = crate::lifecycle_support::spawn(&env, &["create", "z1", "-t", "t"]);
        let root = zone_root(&env, "z1");
        let image = root.join("etc/nsswitch.conf");
        assert!(
            crate::lifecycle_support::wait_for(std::time::Duration::from_secs(10), || image
                .exists()),
            "the install did not make the image"
        );
        let link = root.join(planted);
        if target_is_dir {
            std::fs::rename(&link, root.join("etc.orig")).unwrap();
            std::os::unix::fs::symlink(&outside, &link).unwrap();
        } else {
            std::fs::write(outside.join("passwd"), "root:x:0:0\n").unwrap();
            std::os::unix::fs::symlink(outside.join("passwd"), &link).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        let run = Run {
            argv: vec!["zmgr --sandbox DIR create z1 -t t".into()],
            dir: env.dir().to_path_buf(),
            output,
        };
        run.exit(1);
        stderr_says(&run, &["is a symbolic link; refusing to follow it"]);
        points_at(&run, &hook, 2);
        assert_gone(&env, "z1", "z1_0");
        assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
        assert!(
            !outside.join("resolv.conf").exists(),
            "write_file followed the planted {planted}"
        );
        if !target_is_dir {
            assert_eq!(
                std::fs::read_to_string(outside.join("passwd")).unwrap(),
                "root:x:0:0\n",
                "write_file followed the planted {planted}"
            );
        }
    }
}

#[test]
fn pre_destroy_and_post_destroy_hooks_run_on_destroy() {
    let env = sandbox();
    hook_template(
        &env,
        "t",
        true,
        &[
            ("pre-destroy", "h/pre.rhai"),
            ("post-destroy", "h/post.rhai"),
        ],
    );
    hook_file(
        &env,
        "h/pre.rhai",
        "info(`PRE ${HOOK} ${ZONE.name} ${ZONE.address} ${ZONE.vnic}`);\nwrite_file(\"/var/log/goodbye\", \"bye\");\nzlogin([\"/usr/sbin/svcadm\", \"disable\", \"svc:/network/http:nginx\"]);\n",
    );
    hook_file(
        &env,
        "h/post.rhai",
        "info(`POST ${HOOK} ${ZONE.name} ${ZONE.address}`);\n",
    );
    env.sandbox(&["create", "z1", "-t", "t"]).success();
    let before = env.invocations().len();
    let run = env.sandbox(&["destroy", "z1"]);
    run.success().stdout_is("destroyed zone z1\n");
    let err = run.stderr();
    let pre = err
        .find("PRE pre-destroy z1 192.0.2.10 z1_0")
        .expect("the pre-destroy hook ran");
    let halt = err.find("halting zone z1").expect("the zone was halted");
    let post = err
        .find("POST post-destroy z1 192.0.2.10")
        .expect("the post-destroy hook ran");
    let vnic = err
        .find("deleting VNIC z1_0")
        .expect("the VNIC was deleted");
    run.check(pre < halt, "pre-destroy ran after the halt")
        .check(vnic < post, "post-destroy ran before the VNIC was gone");
    // The zlogin ran while the zone was still running.
    let after: Vec<(String, Vec<String>)> = env.invocations().into_iter().skip(before).collect();
    let zlogin = after
        .iter()
        .position(|(t, a)| t == "zlogin" && a.iter().any(|x| x.contains(" disable ")))
        .expect("the pre-destroy hook's zlogin ran");
    let halted = after
        .iter()
        .position(|(t, a)| t == "zoneadm" && a.iter().any(|x| x == "halt"))
        .expect("halt ran");
    assert!(zlogin < halted, "{after:?}");
    assert_gone(&env, "z1", "z1_0");
    assert_eq!(pool_use(&env, "default"), POOL_UNTOUCHED);
}

#[test]
fn a_pre_destroy_hook_that_throws_stops_the_destroy_before_anything_changes() {
    let env = sandbox();
    let hook = one_hook(
        &env,
        "pre-destroy",
        "keep.rhai",
        "let why = \"holds data\";\nthrow `keep ${ZONE.name}: ${why}`;\n",
    );
    env.sandbox(&["create", "z1", "-t", "t"]).success();
    let before = env.invocations().len();
    let run = env.sandbox(&["destroy", "z1"]);
    run.exit(1);
    stderr_says(&run, &["keep z1: holds data"]);
    points_at(&run, &hook, 2);
    assert_eq!(changes_since(&env, before), Vec::<String>::new());
    assert_eq!(system_zone(&env, "z1").as_deref(), Some("z1:running"));
    assert!(entry(&env, "z1").is_some(), "the entry is gone");
}

#[test]
fn hooks_can_use_the_zmgr_module_as_the_reference_says() {
    // The reference lists the `zmgr` module for "site scripts and hooks".
    let env = sandbox();
    one_hook(
        &env,
        "post-install",
        "api.rhai",
        "let u = zmgr::pool_usage(ZONE.pool);\nzmgr::info(`POOL ${u.name} next ${u.next}`);\n",
    );
    let run = env.sandbox(&["create", "z1", "-t", "t"]);
    run.success();
    stderr_says(&run, &["POOL default next 192.0.2.11"]);
}

#[test]
fn dry_run_json_stays_clean_when_the_pre_install_hook_prints() {
    let env = sandbox();
    install_web_example(&env);
    env.write(
        "templates/hooks/web-packages.rhai",
        format!("{WEB_PACKAGES_HOOK}print(\"PRINTED\");\ninfo(\"INFORMED\");\n"),
    );
    let run = env.sandbox(&["create", "w1", "--template", "web", "--dry-run", "--json"]);
    run.success().stderr_has("PRINTED").stderr_has("INFORMED");
    let plan = run.json();
    assert_eq!(plan["packages"], serde_json::json!(["web/server/nginx"]));
    // Each of create's hook points, with the template's scripts in the order they run.
    assert_eq!(
        plan["hooks"],
        serde_json::json!([
            {"point": "pre-install", "scripts": ["hooks/web-packages.rhai"]},
            {"point": "post-install", "scripts": ["hooks/resolvers.rhai", "hooks/ssh-key.rhai"]},
            {"point": "post-boot", "scripts": ["hooks/web-packages.rhai"]},
        ])
    );
    let zonecfg = plan["zonecfg"].as_str().expect("the plan's zonecfg");
    assert!(
        zonecfg
            .contains("add attr\nset name=\"role\"\nset type=\"string\"\nset value=\"web\"\nend\n"),
        "{zonecfg}"
    );
    assert!(!zone_root(&env, "w1").exists());
}
