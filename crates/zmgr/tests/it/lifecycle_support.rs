//! Shared helpers for the lifecycle tests: a sandbox that is set up, stderr read back as one
//! line, and checks of what the simulated system and the registry hold.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Run, TestEnv};

/// A sandbox whose registry and simulator are set up, so later runs print no setup lines.
pub fn sandbox() -> TestEnv {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    env
}

/// stderr as one line: the renderer wraps at 100 columns, at spaces and after hyphens, and
/// long paths make the break points vary, so substrings are matched on the unwrapped text.
pub fn flat(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        let piece = line.trim();
        let piece = piece
            .strip_prefix('│')
            .or_else(|| piece.strip_prefix('×'))
            .map(str::trim_start)
            .unwrap_or(piece);
        if piece.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with('-') {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out
}

/// Asserts that the unwrapped stderr of `run` holds every one of `needles`.
#[track_caller]
pub fn stderr_says(run: &Run, needles: &[&str]) {
    let text = flat(&run.stderr());
    for n in needles {
        run.check(text.contains(n), &format!("stderr lacks {n:?}"));
    }
}

/// The entry file of `zone`, if there is one.
pub fn entry(env: &TestEnv, zone: &str) -> Option<String> {
    std::fs::read_to_string(env.path(&format!("zones/{zone}.kdl"))).ok()
}

/// The registry's state of `zone`, as `show -p -o state` prints it.
pub fn registry_state(env: &TestEnv, zone: &str) -> String {
    let run = env.sandbox(&["show", zone, "-p", "-o", "state"]);
    run.success();
    run.stdout().trim_end().to_string()
}

/// `name:state` of `zone` on the simulated system, if it is configured there.
pub fn system_zone(env: &TestEnv, zone: &str) -> Option<String> {
    env.system_zones()
        .into_iter()
        .find(|z| z.split(':').next() == Some(zone))
}

/// The zone names in the registry, as `list -p -o name` prints them.
pub fn registry_zones(env: &TestEnv) -> Vec<String> {
    let run = env.sandbox(&["list", "-p", "-o", "name"]);
    run.success();
    run.stdout().lines().map(str::to_string).collect()
}

/// `used:free:next` of a pool.
pub fn pool_use(env: &TestEnv, pool: &str) -> String {
    let run = env.sandbox(&["pool", "list", "-p", "-o", "name,used,free,next"]);
    run.success();
    run.stdout()
        .lines()
        .find_map(|l| {
            l.strip_prefix(pool)
                .and_then(|r| r.strip_prefix(':'))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("pool {pool} not listed:\n{}", run.stdout()))
}

/// Asserts that nothing of `zone` is left: no VNIC, no zone on the system, no entry.
#[track_caller]
pub fn assert_gone(env: &TestEnv, zone: &str, vnic: &str) {
    let vnics = env.system_vnics();
    assert!(
        !vnics.iter().any(|v| v == vnic),
        "VNIC {vnic} is left: {vnics:?}"
    );
    assert_eq!(
        system_zone(env, zone),
        None,
        "zone {zone} is left on the system"
    );
    assert_eq!(
        entry(env, zone),
        None,
        "the registry entry of {zone} is left"
    );
    assert!(
        !registry_zones(env).iter().any(|z| z == zone),
        "list still shows {zone}"
    );
}

/// The arguments of every logged invocation of `tool` whose argv holds `word`.
pub fn calls(env: &TestEnv, tool: &str, word: &str) -> Vec<Vec<String>> {
    env.invocations()
        .into_iter()
        .filter(|(t, argv)| t == tool && argv.iter().any(|a| a == word))
        .map(|(_, argv)| argv)
        .collect()
}

/// The command files zmgr passed to `zonecfg -f`.
pub fn zonecfg_files(env: &TestEnv) -> Vec<String> {
    calls(env, "zonecfg", "-f")
        .into_iter()
        .filter_map(|argv| {
            let i = argv.iter().position(|a| a == "-f")?;
            argv.get(i + 1).cloned()
        })
        .collect()
}

/// zmgr gives zonecfg its command file on standard input (`-f -`), so no file exists that a
/// crash could leave behind or another user could read.
#[track_caller]
pub fn assert_no_zonecfg_file_left(env: &TestEnv) {
    for f in zonecfg_files(env) {
        assert_eq!(
            f, "-",
            "zonecfg was given a command file, {f}, not standard input"
        );
    }
}

pub type Snapshot = std::collections::BTreeMap<PathBuf, Vec<u8>>;

/// Asserts that the files of `env` are those of `before`, naming the paths that differ. The
/// registry's lock file, empty and made by the first verb that takes the lock, is no change a
/// person sees, so its appearance is allowed.
#[track_caller]
pub fn assert_unchanged(env: &TestEnv, before: &Snapshot, after: &Snapshot) {
    let private = env.path(".zmgr");
    let differ: Vec<String> = before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .filter(|p| !(p.starts_with(&private) && !before.contains_key(*p) && after[*p].is_empty()))
        .map(|p| {
            let show = |v: Option<&Vec<u8>>| match v {
                None => "(absent)".to_string(),
                Some(b) => String::from_utf8_lossy(b).chars().take(400).collect(),
            };
            format!(
                "{}\n--- before ---\n{}\n--- after ---\n{}",
                p.display(),
                show(before.get(p)),
                show(after.get(p))
            )
        })
        .collect();
    assert!(differ.is_empty(), "files changed:\n{}", differ.join("\n"));
}

/// Every file of the environment but the simulator's invocation log, which read-only tools
/// append to.
/// Asserts that the tools run since `before` (the invocation log as it was) only looked:
/// the read-only host checks of a dry run (`zoneadm list`, `dladm show-link`, `zfs list`).
#[track_caller]
pub fn assert_only_looked(env: &TestEnv, before: &[(String, Vec<String>)]) {
    let now = env.invocations();
    for (tool, argv) in &now[before.len()..] {
        let first = argv.first().map(String::as_str);
        let looks = matches!(
            (tool.as_str(), first),
            ("zoneadm", Some("list"))
                | ("dladm", Some("show-link" | "show-vnic" | "show-etherstub"))
                | ("zfs", Some("list"))
        );
        assert!(
            looks,
            "a dry run ran {tool} {argv:?}, which changes something"
        );
    }
}

pub fn snapshot_but_log(env: &TestEnv) -> Snapshot {
    let log = env.sim_state().join("invocations.log");
    let mut s = env.snapshot();
    s.remove(&log);
    s
}

/// Starts `zmgr --sandbox DIR ARGS…` without waiting, with a cleared environment as the
/// harness runs it, so that tests can run several at once or signal one.
pub fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    let dir = env.sandbox_dir();
    Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(&dir)
        .args(args)
        .env_clear()
        .current_dir(env.dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zmgr starts")
}

/// Waits for a spawned zmgr, as a [`Run`] for the usual assertions.
pub fn finish(env: &TestEnv, child: Child, args: &[&str]) -> Run {
    let output = child.wait_with_output().expect("zmgr finishes");
    Run {
        argv: std::iter::once("zmgr --sandbox DIR".to_string())
            .chain(args.iter().map(|s| s.to_string()))
            .collect(),
        dir: env.dir().to_path_buf(),
        output,
    }
}

/// Polls `ready` every 20 ms for up to `limit`; true once it holds.
pub fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ready()
}

/// The sandbox's zonepath of `zone`.
pub fn zonepath(env: &TestEnv, zone: &str) -> String {
    env.dir()
        .join("zones")
        .join(zone)
        .to_str()
        .unwrap()
        .to_string()
}

/// The entry zmgr writes for a zone made from the default pool, its `created` line taken
/// from `actual` after checking that it is an RFC 3339 UTC time.
#[track_caller]
pub fn expected_entry(
    env: &TestEnv,
    actual: &str,
    zone: &str,
    template: (&str, &str),
    state: &str,
    net: &str,
) -> String {
    let created = actual
        .lines()
        .find_map(|l| l.strip_prefix("    created \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no created time in\n{actual}"));
    let b = created.as_bytes();
    let shape = b.len() == 20
        && created.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == 'T',
            13 | 16 => c == ':',
            19 => c == 'Z',
            _ => c.is_ascii_digit(),
        });
    assert!(shape, "created time {created:?} is not RFC 3339 UTC");
    let (template, brand) = template;
    format!(
        "zone \"{zone}\" {{\n    brand \"{brand}\"\n    template \"{template}\"\n    zonepath \"{}\"\n    ip-type \"exclusive\"\n    state \"{state}\"\n    created \"{created}\"\n    {net}\n}}\n",
        zonepath(env, zone)
    )
}
