//! Helpers for the scripting tests: scripts and hook templates written into a sandbox, the
//! engine's limits in config.kdl, script locations in diagnostics, and checks that a failed
//! create left nothing behind.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::{Run, TestEnv};
#[allow(unused_imports)]
pub use crate::lifecycle_support::{
    assert_gone, calls, entry, flat, pool_use, registry_zones, sandbox, stderr_says, system_zone,
};

/// The example site script, template and hooks of the source tree.
pub const PROVISION_ROLE: &str = include_str!("../../../../scripts/provision-role.rhai");
pub const WEB_TEMPLATE: &str = include_str!("../../../../scripts/web-template.kdl");
pub const RESOLVERS_HOOK: &str = include_str!("../../../../scripts/hooks/resolvers.rhai");
pub const SSH_KEY_HOOK: &str = include_str!("../../../../scripts/hooks/ssh-key.rhai");
pub const WEB_PACKAGES_HOOK: &str = include_str!("../../../../scripts/hooks/web-packages.rhai");

/// `used:free:next` of the sandbox's default pool when no address is taken.
pub const POOL_UNTOUCHED: &str = "0:241:192.0.2.10";

/// Installs the example web template and its hooks as the docs say: the template as
/// `templates/web.kdl`, the hooks folder as `templates/hooks/`.
pub fn install_web_example(env: &TestEnv) {
    env.write("templates/web.kdl", WEB_TEMPLATE);
    env.write("templates/hooks/resolvers.rhai", RESOLVERS_HOOK);
    env.write("templates/hooks/ssh-key.rhai", SSH_KEY_HOOK);
    env.write("templates/hooks/web-packages.rhai", WEB_PACKAGES_HOOK);
}

/// Installs the example site script as `scripts/provision-role.rhai`.
pub fn install_provision_role(env: &TestEnv) {
    env.write("scripts/provision-role.rhai", PROVISION_ROLE);
}

/// Writes a site script `ROOT/scripts/NAME.rhai` and returns its path.
pub fn site_script(env: &TestEnv, name: &str, text: &str) -> PathBuf {
    let rel = format!("scripts/{name}.rhai");
    env.write(&rel, text);
    env.path(&rel)
}

/// Writes a script outside the registry, in `DIR/work/`, for `zmgr run`, and returns its path.
pub fn work_script(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.dir().join("work").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `zmgr --sandbox DIR run FILE ARGS…`.
pub fn run_script(env: &TestEnv, file: &str, args: &[&str]) -> Run {
    let mut all = vec!["run", file];
    all.extend_from_slice(args);
    env.sandbox(&all)
}

/// Runs `f`, returning its result and how long it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let r = f();
    (r, start.elapsed())
}

/// Adds a `scripting` node with `settings` (one per line, e.g. `timeout-seconds 1`) to
/// config.kdl.
pub fn set_limits(env: &TestEnv, settings: &[&str]) {
    let mut text = env.read("config.kdl");
    text += "scripting {\n";
    for s in settings {
        text += &format!("    {s}\n");
    }
    text += "}\n";
    env.write("config.kdl", text);
}

/// Writes `templates/NAME.kdl`: brand ipkg, the default pool, autoboot as given, and `hooks`
/// as (point, file relative to templates/) in order; files of one point share its line.
pub fn hook_template(env: &TestEnv, name: &str, autoboot: bool, hooks: &[(&str, &str)]) {
    let mut text = format!(
        "template \"{name}\" {{\n    brand \"ipkg\"\n    autoboot #{autoboot}\n    ip-type \"exclusive\"\n    pool \"default\"\n    hooks {{\n"
    );
    // Several scripts for one point go on one line, in the order given.
    let mut points: Vec<(&str, Vec<&str>)> = Vec::new();
    for (point, file) in hooks {
        match points.iter_mut().find(|(p, _)| p == point) {
            Some((_, files)) => files.push(file),
            None => points.push((point, vec![file])),
        }
    }
    for (point, files) in points {
        let files: Vec<String> = files.iter().map(|f| format!("\"{f}\"")).collect();
        text += &format!("        {point} {}\n", files.join(" "));
    }
    text += "    }\n}\n";
    env.write(&format!("templates/{name}.kdl"), text);
}

/// Writes a hook script under `templates/` and returns its path.
pub fn hook_file(env: &TestEnv, rel: &str, text: &str) -> PathBuf {
    let rel = format!("templates/{rel}");
    env.write(&rel, text);
    env.path(&rel)
}

/// A template `t` with one hook, `templates/h/NAME` holding `text`, at `point`.
pub fn one_hook(env: &TestEnv, point: &str, name: &str, text: &str) -> PathBuf {
    hook_template(env, "t", true, &[(point, &format!("h/{name}"))]);
    hook_file(env, &format!("h/{name}"), text)
}

/// The VNIC name zmgr derives for a zone.
pub fn vnic_of(zone: &str) -> String {
    if zone.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{zone}_0")
    } else {
        format!("{zone}0")
    }
}

/// Adds mode bits to a file or folder.
pub fn add_mode(path: &Path, bits: u32) {
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | bits)).unwrap();
}

/// Asserts that stderr points at `file`, line `line` (the diagnostic's `[FILE:LINE:COL]`).
#[track_caller]
pub fn points_at(run: &Run, file: &Path, line: usize) {
    let needle = format!("{}:{line}:", file.display());
    run.check(
        run.stderr().contains(&needle),
        &format!("stderr does not point at {needle}"),
    );
}

/// Asserts that stderr shows the line of code `code` (as the diagnostic quotes it).
#[track_caller]
pub fn shows_code(run: &Run, code: &str) {
    run.check(
        run.stderr()
            .lines()
            .any(|l| l.contains('│') && l.contains(code)),
        &format!("stderr does not quote the code {code:?}"),
    );
}

/// Invocations that change the simulated system (VNICs, configurations, installs, boots,
/// zlogin), among those logged after the first `since`.
pub fn changes_since(env: &TestEnv, since: usize) -> Vec<String> {
    env.invocations()
        .into_iter()
        .skip(since)
        .filter(|(tool, argv)| {
            let first = argv.first().map(String::as_str).unwrap_or("");
            match tool.as_str() {
                "dladm" => !first.starts_with("show"),
                "zonecfg" => !argv.iter().any(|a| a == "info" || a == "export"),
                "zoneadm" => !argv.iter().any(|a| a == "list"),
                "pkg" => argv.iter().any(|a| a == "install"),
                "zlogin" => true,
                _ => false,
            }
        })
        .map(|(tool, argv)| format!("{tool} {}", argv.join(" ")))
        .collect()
}

/// Asserts that a failed create of `zone` left nothing: no VNIC, no zone on the system, no
/// entry, no zone folder, and the default pool as it was.
#[track_caller]
pub fn assert_nothing_left(env: &TestEnv, zone: &str) {
    assert_gone(env, zone, &vnic_of(zone));
    let zonepath = env.dir().join("zones").join(zone);
    assert!(
        !zonepath.join("root").exists(),
        "the zone root {} is left",
        zonepath.display()
    );
    assert_eq!(
        pool_use(env, "default"),
        POOL_UNTOUCHED,
        "the address of {zone} is not free"
    );
}

/// The simulator's state as JSON.
pub fn sim_state(env: &TestEnv) -> serde_json::Value {
    let run = env.tool("sim-admin", &["show-state"]);
    run.success();
    serde_json::from_str(&run.stdout()).expect("show-state prints JSON")
}

/// The zone `name` in the simulator's state.
pub fn sim_zone(env: &TestEnv, name: &str) -> serde_json::Value {
    sim_state(env)["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("zone {name} is not in the simulator"))
}

/// The zone root of `zone` in the sandbox.
pub fn zone_root(env: &TestEnv, zone: &str) -> PathBuf {
    env.dir().join("zones").join(zone).join("root")
}
