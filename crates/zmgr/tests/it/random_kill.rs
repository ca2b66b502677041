//! Random kills: creates and destroys stopped at random points, then the registry and the
//! simulated system must agree again.
//!
//! Each run picks, from a seeded xorshift generator, an operation (a create, or the destroy
//! of a registered zone), a step to land in (a simulator delay rule makes that step slow, so
//! the signal arrives while it runs) or a random moment (every tool slowed a little), and a
//! signal:
//!
//! - SIGKILL (about half the runs), the hard case: nothing is undone, and the tool zmgr was
//!   running goes on without it. `reconcile --fix` runs at once, while such an orphaned tool
//!   may still run, then again once the orphans have ended; a killed destroy is then finished
//!   with `destroy` again, as its own error message advises. After that `reconcile` must find
//!   nothing.
//! - SIGTERM, SIGINT or SIGHUP: zmgr must undo a create by itself, and leave a destroy with an
//!   entry that tells the truth; no reconcile is run, `reconcile` must find nothing (an
//!   interrupted destroy may leave its entry for `destroy` to finish).
//!
//! While the operation runs, `zmgr list` and `zmgr check` read the registry in a loop and must
//! never fail (entry files appear and vanish under them). After every run the system and
//! the registry must agree: every zone on the system has an entry in the same state and every
//! entry a zone; every VNIC over a pool's stub is claimed by an entry, and every VNIC an entry
//! claims exists; no address is held twice; `zmgr check` passes without warnings; no
//! simulated tool is left running.
//!
//! 5 tests × 10 runs, in parallel, each on its own sandbox (15–25 s in all on two cores).
//! The seed is printed on failure; `ZMGR_RANDOM_KILL_SEED=… cargo test --test it
//! random_kill` replays the same choices (the timing of a kill can still differ a little).
//!
//! What these checks rely on:
//! - a killed create's orphaned tool keeps the create "running" (the tools inherit its lock),
//!   so the first reconcile leaves it alone instead of removing the entry under a `zonecfg`
//!   or `dladm` that then finishes and leaves a zone or VNIC with no entry: the final
//!   agreement checks (`assert_reconciled`, `assert_agree`);
//! - reconcile reports and removes stray VNICs (named as zmgr names them, over a pool's stub,
//!   claimed by nothing): the VNIC checks of `assert_agree` after a SIGKILL;
//! - readers treat an entry that vanishes between listing and reading as removed: the
//!   reader loop (`readers`);
//! - an interrupted destroy records the state the system reports, stops after the step it
//!   stopped, and a second destroy finishes; an interrupted create takes back even the VNIC
//!   made as the interrupt came; reconcile looks again at a crashed create's leftovers once it
//!   holds the create's lock (an orphaned tool may have finished meanwhile).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::sandbox;

const RUNS_PER_TEST: usize = 10;
const DEFAULT_SEED: u64 = 0x4b11_2026_0001_5eed;

fn base_seed() -> u64 {
    std::env::var("ZMGR_RANDOM_KILL_SEED")
        .ok()
        .and_then(|v| {
            let v = v.trim();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => v.parse().ok(),
            }
        })
        .unwrap_or(DEFAULT_SEED)
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Milliseconds in `[lo, hi)`.
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.below((hi - lo) as usize) as u64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Signal {
    Kill,
    Term,
    Int,
    Hup,
}

impl Signal {
    fn flag(self) -> &'static str {
        match self {
            Signal::Kill => "-KILL",
            Signal::Term => "-TERM",
            Signal::Int => "-INT",
            Signal::Hup => "-HUP",
        }
    }
}

/// A step a signal lands in: the fault rule that makes it slow, and how its process is
/// recognised (the tool, and a word of its arguments).
#[derive(Debug, Clone, Copy)]
struct Step {
    rule: &'static str,
    tool: &'static str,
    word: &'static str,
}

const fn step(rule: &'static str, tool: &'static str, word: &'static str) -> Step {
    Step { rule, tool, word }
}

/// create: the host check, the VNIC, the configuration, the install, the boot.
const CREATE_STEPS: &[Step] = &[
    step("zoneadm list", "zoneadm", "list"),
    step("dladm show-link", "dladm", "show-link"),
    step("dladm create-vnic", "dladm", "create-vnic"),
    step("zonecfg create", "zonecfg", "-f"),
    step("zonecfg commit", "zonecfg", "-f"),
    step("zoneadm install", "zoneadm", "install"),
    step("zoneadm boot", "zoneadm", "boot"),
];

/// destroy: its listings, halt, uninstall, deleting the configuration and the VNIC.
const DESTROY_STEPS: &[Step] = &[
    step("zoneadm list", "zoneadm", "list"),
    step("dladm show-vnic", "dladm", "show-vnic"),
    step("zoneadm halt", "zoneadm", "halt"),
    step("zoneadm uninstall", "zoneadm", "uninstall"),
    step("zonecfg delete", "zonecfg", "delete"),
    step("dladm delete-vnic", "dladm", "delete-vnic"),
];

#[derive(Debug, Clone)]
enum Op {
    Create { zone: String, boot: bool },
    Destroy { zone: String },
}

impl Op {
    fn args(&self) -> Vec<&str> {
        match self {
            Op::Create { zone, boot: true } => vec!["create", zone],
            Op::Create { zone, boot: false } => vec!["create", zone, "--no-boot"],
            Op::Destroy { zone } => vec!["destroy", zone],
        }
    }
}

/// Where the signal lands.
#[derive(Debug, Clone, Copy)]
enum Aim {
    /// While `step` runs, `after` into its delay.
    InStep {
        step: Step,
        delay: Duration,
        after: Duration,
    },
    /// `after` the start, every tool taking `delay`.
    Anywhere { delay: Duration, after: Duration },
}

/// One run's choices and what happened, printed when an assertion fails.
struct Trace {
    lines: Vec<String>,
}

impl Trace {
    fn note(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    fn run(&mut self, what: &str, run: &Run) {
        self.note(format!(
            "{what}: exit {}\n  stdout: {}\n  stderr: {}",
            run.code(),
            run.stdout().trim_end().replace('\n', "\n          "),
            run.stderr().trim_end().replace('\n', "\n          ")
        ));
    }

    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// Fails the test with the run's trace.
macro_rules! ensure {
    ($trace:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            panic!("{}\n--- run trace ---\n{}", format!($($msg)+), $trace.text());
        }
    };
}

/// The simulated tools of `env` that are running now, as their argv.
pub(crate) fn running_tools(env: &TestEnv) -> Vec<Vec<String>> {
    let bin = env.sim_state().join("bin");
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in procs.flatten() {
        if !p
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let Ok(raw) = std::fs::read(p.path().join("cmdline")) else {
            continue;
        };
        let argv: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if argv
            .first()
            .is_some_and(|a0| Path::new(a0).starts_with(&bin))
        {
            out.push(argv);
        }
    }
    out
}

/// Whether a tool of `step` is running now.
fn step_running(env: &TestEnv, step: &Step) -> bool {
    running_tools(env).iter().any(|argv| {
        Path::new(&argv[0]).file_name().and_then(|n| n.to_str()) == Some(step.tool)
            && argv[1..].iter().any(|a| a == step.word)
    })
}

/// Starts zmgr on the sandbox; output is kept unless the run ends in SIGKILL (a killed
/// zmgr's orphaned tools would hold the pipes open).
fn spawn(env: &TestEnv, args: &[&str], keep_output: bool) -> Child {
    let out = || {
        if keep_output {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(env.sandbox_dir())
        .args(args)
        .env_clear()
        .current_dir(env.dir())
        .stdin(Stdio::null())
        .stdout(out())
        .stderr(out())
        .spawn()
        .expect("zmgr starts")
}

/// Reads the registry in a loop with `list` and `check` until `stop`; returns the runs
/// that failed.
fn readers(env: &TestEnv, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<String>> {
    let dir = env.sandbox_dir();
    let cwd = env.dir().to_path_buf();
    std::thread::spawn(move || {
        let mut failures = Vec::new();
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let args: &[&str] = if n % 2 == 0 { &["list"] } else { &["check"] };
            n += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_zmgr"))
                .arg("--sandbox")
                .arg(&dir)
                .args(args)
                .env_clear()
                .current_dir(&cwd)
                .stdin(Stdio::null())
                .output()
                .expect("zmgr runs");
            if !out.status.success() {
                failures.push(format!(
                    "`zmgr {}` while the operation ran: {}\n{}",
                    args.join(" "),
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        failures
    })
}

/// Waits (up to 20 s) until no simulated tool of `env` runs; false if some still do.
pub(crate) fn wait_for_tools(env: &TestEnv) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if running_tools(env).is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits for `child` up to `limit`; kills it and returns `None` if it does not end.
fn wait_child(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What the registry holds, read as zmgr reads it.
struct Ledger {
    /// zone → state
    zones: BTreeMap<String, String>,
    /// (zone, link, made by zmgr)
    nets: Vec<(String, String, bool)>,
    /// address → zones holding it
    addresses: HashMap<String, Vec<String>>,
    stubs: BTreeSet<String>,
}

fn ledger(env: &TestEnv, trace: &Trace) -> Ledger {
    let (reg, _) = match zmgr_core::store::registry::Registry::load(&env.root()) {
        Ok(r) => r,
        Err(e) => panic!(
            "the registry does not load: {e:?}\n--- run trace ---\n{}",
            trace.text()
        ),
    };
    let mut l = Ledger {
        zones: BTreeMap::new(),
        nets: Vec::new(),
        addresses: HashMap::new(),
        stubs: reg.pools.values().map(|p| p.stub.value.clone()).collect(),
    };
    for (name, z) in &reg.zones {
        l.zones.insert(name.clone(), z.state.to_string());
        for n in &z.nets {
            l.nets.push((name.clone(), n.physical.clone(), n.vnic));
        }
        for a in z.addresses() {
            l.addresses
                .entry(a.to_string())
                .or_default()
                .push(name.clone());
        }
    }
    l
}

/// The VNICs of the simulated system, as (link, over).
fn vnics(env: &TestEnv) -> Vec<(String, String)> {
    let run = env.tool("dladm", &["show-vnic", "-p", "-o", "link,over"]);
    run.success();
    run.stdout()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The registry and the system agree, by the system's own tools and the entry files.
#[track_caller]
fn assert_agree(env: &TestEnv, trace: &mut Trace) {
    let l = ledger(env, trace);
    let system: BTreeMap<String, String> = env
        .system_zones()
        .into_iter()
        .map(|z| {
            let (n, s) = z.split_once(':').unwrap();
            (n.to_string(), s.to_string())
        })
        .collect();
    ensure!(
        trace,
        system == l.zones,
        "zones and entries differ:\n  system:   {system:?}\n  registry: {:?}",
        l.zones
    );
    let vnics = vnics(env);
    let claimed: BTreeSet<&str> = l
        .nets
        .iter()
        .filter(|(_, _, made)| *made)
        .map(|(_, link, _)| link.as_str())
        .collect();
    for (link, over) in &vnics {
        ensure!(
            trace,
            !l.stubs.contains(over) || claimed.contains(link.as_str()),
            "VNIC {link} over {over} belongs to no registered zone (VNICs {vnics:?})"
        );
    }
    for link in &claimed {
        ensure!(
            trace,
            vnics.iter().any(|(v, _)| v == link),
            "an entry claims VNIC {link}, which the system does not have (VNICs {vnics:?})"
        );
    }
    for (address, holders) in &l.addresses {
        ensure!(
            trace,
            holders.len() == 1,
            "address {address} is held by {holders:?}"
        );
    }
    let check = env.sandbox(&["check"]);
    trace.run("check", &check);
    ensure!(
        trace,
        check.code() == 0 && !check.stderr().contains('⚠'),
        "zmgr check does not pass cleanly"
    );
    let tools = running_tools(env);
    ensure!(trace, tools.is_empty(), "tools still run: {tools:?}");
}

/// `reconcile` finds nothing.
#[track_caller]
fn assert_reconciled(env: &TestEnv, trace: &mut Trace) {
    let run = env.sandbox(&["reconcile"]);
    trace.run("reconcile", &run);
    ensure!(
        trace,
        run.code() == 0 && run.stdout() == "the registry and the system agree\n",
        "reconcile still finds differences"
    );
}

/// `zmgr reconcile --json`'s findings, as (kind, zone or VNIC).
fn findings(run: &Run) -> Vec<(String, String)> {
    let v = run.json_list("differences");
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    let kind = d["kind"].as_str().unwrap_or("").to_string();
                    let what = d["zone"]
                        .as_str()
                        .or(d["link"].as_str())
                        .unwrap_or("")
                        .to_string();
                    (kind, what)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One run: start `op`, signal it as `aim` says, recover, and check agreement.
fn one_run(env: &TestEnv, op: &Op, aim: Aim, signal: Signal, trace: &mut Trace) {
    let faults = match aim {
        Aim::InStep { step, delay, .. } => {
            format!("{} delay={:.3}\n", step.rule, delay.as_secs_f64())
        }
        Aim::Anywhere { delay, .. } => format!("* * delay={:.3}\n", delay.as_secs_f64()),
    };
    env.faults(&faults);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = readers(env, stop.clone());
    let args = op.args();
    let mut child = spawn(env, &args, signal != Signal::Kill);
    let started = Instant::now();

    // Wait for the moment to signal; the operation may end first (a step it does not take).
    let mut ended_early = false;
    match aim {
        Aim::InStep { step, after, .. } => {
            loop {
                if step_running(env, &step) {
                    break;
                }
                if child.try_wait().unwrap().is_some()
                    || started.elapsed() > Duration::from_secs(15)
                {
                    ended_early = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            if !ended_early {
                std::thread::sleep(after);
            }
        }
        Aim::Anywhere { after, .. } => std::thread::sleep(after),
    }
    if child.try_wait().unwrap().is_some() {
        ended_early = true;
    }
    if ended_early {
        trace.note("the operation ended before the signal");
    } else {
        let sent = Command::new("kill")
            .args([signal.flag(), &child.id().to_string()])
            .status()
            .expect("kill runs");
        trace.note(format!("{signal:?} sent after {:?}", started.elapsed()));
        assert!(sent.success(), "kill {} failed", signal.flag());
    }
    // Nothing after this is slowed: not the undo, not the repair.
    env.faults("");

    let status = wait_child(&mut child, Duration::from_secs(30));
    let mut output = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut output);
    }
    trace.note(format!(
        "zmgr {}: {status:?}\n  stderr: {}",
        args.join(" "),
        output.trim_end().replace('\n', "\n          ")
    ));
    stop.store(true, Ordering::Relaxed);
    let reader_failures = reader.join().unwrap();
    // Needs: readers take an entry that vanishes between listing and reading as removed.
    ensure!(
        trace,
        reader_failures.is_empty(),
        "a reader failed while the operation ran:\n{}",
        reader_failures.join("\n")
    );
    let Some(status) = status else {
        ensure!(trace, false, "zmgr did not end within 30 s of the signal");
        unreachable!()
    };

    let killed = signal == Signal::Kill && !ended_early;
    if ended_early || !killed {
        // zmgr ended by itself or undid what it did: the only acceptable outcomes are the
        // operation done, or (interrupted) nothing of a create left.
        let code = status.code();
        ensure!(
            trace,
            code == Some(0) || (code == Some(1) && !ended_early),
            "zmgr ended with {status}"
        );
        if code == Some(1) {
            ensure!(
                trace,
                output.contains("interrupt"),
                "zmgr failed, but not because of the interrupt"
            );
        }
        ensure!(
            trace,
            wait_for_tools(env),
            "tools still run after zmgr ended"
        );
        if let (Op::Create { zone, .. }, Some(1)) = (op, code) {
            let l = ledger(env, trace);
            ensure!(
                trace,
                !l.zones.contains_key(zone),
                "the interrupted create of {zone} kept its entry"
            );
            // Not even the VNIC made as the interrupt came (checked by `assert_reconciled`).
        }
        // An interrupted destroy keeps its entry; when the zone itself is already gone,
        // running destroy again finishes the job, as its message says.
        if let (Op::Destroy { zone }, Some(1)) = (op, code) {
            let run = env.sandbox(&["reconcile", "--json"]);
            trace.run("reconcile --json", &run);
            let f = findings(&run);
            // The entry says what the system says: at most, the zone is gone already.
            ensure!(
                trace,
                f.is_empty() || f == [("gone".to_string(), zone.clone())],
                "an interrupted destroy left {f:?}"
            );
            let run = env.sandbox(&["destroy", zone]);
            trace.run("destroy again", &run);
            ensure!(trace, run.code() == 0, "destroy again failed");
        }
    } else {
        // SIGKILL: repair at once (orphaned tools may still run), then once they are done.
        let run = env.sandbox(&["reconcile", "--fix"]);
        trace.run("reconcile --fix (tools may still run)", &run);
        ensure!(trace, matches!(run.code(), 0 | 1), "reconcile --fix broke");
        trace.note(format!("tools running now: {:?}", running_tools(env)));
        ensure!(trace, wait_for_tools(env), "orphaned tools did not end");
        let run = env.sandbox(&["reconcile", "--fix"]);
        trace.run("reconcile --fix", &run);
        ensure!(trace, matches!(run.code(), 0 | 1), "reconcile --fix broke");
        if let Op::Destroy { zone } = op
            && ledger(env, trace).zones.contains_key(zone)
        {
            let run = env.sandbox(&["destroy", zone]);
            trace.run("destroy again", &run);
            ensure!(trace, run.code() == 0, "destroy again failed");
        }
    }
    assert_reconciled(env, trace);
    assert_agree(env, trace);
}

/// `RUNS_PER_TEST` runs on one sandbox, from seed `base ^ test`.
fn random_kills(test: u64) {
    let seed = base_seed() ^ test.wrapping_mul(0x0100_0000_01b3);
    eprintln!(
        "random_kill {test}: seed {seed:#x} (ZMGR_RANDOM_KILL_SEED={:#x})",
        base_seed()
    );
    let mut rng = Rng::new(seed);
    let env = sandbox();
    // Zones to destroy: one running, one installed.
    env.sandbox(&["create", &format!("k{test}a")]).success();
    env.sandbox(&["create", &format!("k{test}b"), "--no-boot"])
        .success();
    let started = Instant::now();
    for run in 0..RUNS_PER_TEST {
        let mut trace = Trace { lines: Vec::new() };
        let zones: Vec<String> = ledger(&env, &trace).zones.into_keys().collect();
        let op = if !zones.is_empty() && rng.chance(40) {
            Op::Destroy {
                zone: zones[rng.below(zones.len())].clone(),
            }
        } else {
            Op::Create {
                zone: format!("k{test}n{run}"),
                boot: rng.chance(60),
            }
        };
        let steps = match op {
            Op::Create { .. } => CREATE_STEPS,
            Op::Destroy { .. } => DESTROY_STEPS,
        };
        let aim = if rng.chance(25) {
            Aim::Anywhere {
                delay: rng.millis(40, 90),
                after: rng.millis(0, 700),
            }
        } else {
            let delay = rng.millis(250, 450);
            Aim::InStep {
                step: steps[rng.below(steps.len())],
                after: Duration::from_millis(rng.below(delay.as_millis() as usize * 9 / 10) as u64),
                delay,
            }
        };
        let signal = match rng.below(8) {
            0..4 => Signal::Kill,
            4 | 5 => Signal::Term,
            6 => Signal::Int,
            _ => Signal::Hup,
        };
        trace.note(format!(
            "random_kill {test}, run {run}, seed {seed:#x}: {op:?}, {aim:?}, {signal:?}"
        ));
        one_run(&env, &op, aim, signal, &mut trace);
    }
    eprintln!(
        "random_kill {test}: {RUNS_PER_TEST} runs in {:?}",
        started.elapsed()
    );
}

#[test]
fn random_kill_0() {
    random_kills(0);
}

#[test]
fn random_kill_1() {
    random_kills(1);
}

#[test]
fn random_kill_2() {
    random_kills(2);
}

#[test]
fn random_kill_3() {
    random_kills(3);
}

#[test]
fn random_kill_4() {
    random_kills(4);
}

/// A diagnostic far to the right of a very long line: miette panicked on columns past
/// 65,535 (exit 101 in every verb that reads the registry). It is a crash like the others,
/// so it is tested here, through the binary; the display of long lines is tested in
/// zmgr-core's `tests/fuzz.rs`.
#[test]
fn a_diagnostic_on_a_70000_character_line_does_not_crash() {
    let env = TestEnv::initialised();
    let pad = "x".repeat(70_000);
    let template = env.read("templates/ipkg.kdl").replacen(
        "description \"OpenIndiana whole-root zone\"",
        &format!("description \"{pad}\"; bogus 1"),
        1,
    );
    let line = template
        .lines()
        .position(|l| l.contains("bogus"))
        .expect("the long line")
        + 1;
    let col = template
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("bogus")
        .unwrap()
        + 1;
    env.write("templates/ipkg.kdl", &template);
    let at = format!("{}:{line}:{col}", env.path("templates/ipkg.kdl").display());
    // (Verbs that only show the registry warn and go on: see registry_bad_input.)
    for args in [
        &["check"][..],
        &["reconcile"],
        &["create", "--dry-run", "-t", "ipkg", "web01"],
    ] {
        let run = env.zmgr(args);
        run.exit(2)
            .stderr_has("unknown node `bogus`")
            .stderr_has(&format!("[{at}]"))
            .stderr_has("1 error in the registry");
        // The source line is shown as a window around the label, not whole.
        let widest = run
            .stderr()
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap();
        run.check(widest < 200, "a printed line is wider than 200 characters");
    }

    // A bad value far to the right, in a pool.
    env.write(
        "templates/ipkg.kdl",
        env.read("templates/ipkg.kdl").replace(
            &format!("description \"{pad}\"; bogus 1"),
            "description \"d\"",
        ),
    );
    let pool = format!(
        "pool \"default\" {{ description \"{pad}\"; network \"192.168.100.0/24\"; stub \"zmgr_stub0\"; range \"192.168.100.10\" \"192.168.100.999\" }}\n"
    );
    let col = pool.find("\"192.168.100.999\"").unwrap() + 1;
    env.write("pools/default.kdl", &pool);
    let run = env.zmgr(&["check"]);
    run.exit(2)
        .stderr_has("`192.168.100.999` is not an IP address")
        .stderr_has(&format!(
            "[{}:1:{col}]",
            env.path("pools/default.kdl").display()
        ));
}
