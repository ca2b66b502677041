//! A test environment: a temporary folder, a cleared process environment, and results that
//! print everything useful when an assertion fails.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The simulator binary: built by the workspace's `cargo test` beside zmgr (it is another
/// package's binary, so cargo gives no variable for it).
pub fn simulator() -> PathBuf {
    let sim = Path::new(env!("CARGO_BIN_EXE_zmgr")).with_file_name("zmgr-sim");
    assert!(
        sim.is_file(),
        "{} is missing: run the tests from the workspace (`cargo test`), or `cargo build -p zmgr-sim` first",
        sim.display()
    );
    sim
}

pub struct TestEnv {
    dir: PathBuf,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "zmgr-it-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TestEnv { dir }
    }

    /// A new environment with an initialised registry.
    pub fn initialised() -> TestEnv {
        let env = TestEnv::new();
        env.zmgr(&["init"]).success();
        env
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The registry root used by [`TestEnv::zmgr`].
    pub fn root(&self) -> PathBuf {
        self.dir.join("etc/zmgr")
    }

    /// Runs zmgr with `--root` set to this environment's registry.
    pub fn zmgr(&self, args: &[&str]) -> Run {
        let root = self.root();
        let mut all = vec!["--root", root.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(env!("CARGO_BIN_EXE_zmgr"), &all, &[])
    }

    /// Runs a program with only the given variables set, no stdin.
    pub fn run(&self, program: &str, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(vars.iter().copied())
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        let output = cmd.output().expect("test binary runs");
        Run {
            argv: std::iter::once(program.to_string())
                .chain(args.iter().map(|s| s.to_string()))
                .collect(),
            dir: self.dir.clone(),
            output,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// The sandbox folder used by [`TestEnv::sandbox`]; its registry is [`TestEnv::root`].
    pub fn sandbox_dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The simulator's state folder of the sandbox.
    pub fn sim_state(&self) -> PathBuf {
        self.dir.join("sim")
    }

    /// Runs zmgr in sandbox mode on this environment's folder (set up on first use).
    pub fn sandbox(&self, args: &[&str]) -> Run {
        let dir = self.sandbox_dir();
        let mut all = vec!["--sandbox", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(env!("CARGO_BIN_EXE_zmgr"), &all, &[])
    }

    /// Runs zmgr in sandbox mode with extra variables.
    pub fn sandbox_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let dir = self.sandbox_dir();
        let mut all = vec!["--sandbox", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(env!("CARGO_BIN_EXE_zmgr"), &all, vars)
    }

    /// Runs a simulated tool directly against the sandbox's simulator state.
    pub fn tool(&self, tool: &str, args: &[&str]) -> Run {
        let state = self.sim_state();
        let mut all = vec![tool];
        all.extend_from_slice(args);
        self.run(
            simulator().to_str().unwrap(),
            &all,
            &[("ZMGR_SIM_STATE", state.to_str().unwrap())],
        )
    }

    /// Writes the simulator's fault rules.
    pub fn faults(&self, rules: &str) {
        std::fs::create_dir_all(self.sim_state()).unwrap();
        std::fs::write(self.sim_state().join("faults"), rules).unwrap();
    }

    /// Every invocation the simulator logged, as (tool, argv).
    pub fn invocations(&self) -> Vec<(String, Vec<String>)> {
        let text =
            std::fs::read_to_string(self.sim_state().join("invocations.log")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let argv = v["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect();
                (v["tool"].as_str().unwrap().to_string(), argv)
            })
            .collect()
    }

    /// Zones the simulated system has, as `name:state` (global left out).
    pub fn system_zones(&self) -> Vec<String> {
        let run = self.tool("zoneadm", &["list", "-cp"]);
        run.success();
        run.stdout()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f[1] != "global").then(|| format!("{}:{}", f[1], f[2]))
            })
            .collect()
    }

    /// VNICs the simulated system has.
    pub fn system_vnics(&self) -> Vec<String> {
        let run = self.tool("dladm", &["show-vnic", "-p", "-o", "link"]);
        run.success();
        run.stdout().lines().map(str::to_string).collect()
    }

    /// Writes a registry file, creating its folder.
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Every file under the environment with its contents, to prove that nothing changed. The
    /// zone index is left out: a cache of the zone files that any reader may write again (its
    /// own tests are in `zone_index.rs`).
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.file_name().is_some_and(|n| n == "zones.index") {
                    continue;
                }
                if p.is_dir() {
                    out.insert(p.clone(), Vec::new());
                    walk(&p, out);
                } else {
                    out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.dir, &mut out);
        out
    }

    /// Replaces this environment's folder in `text` with `$DIR`, so expected output is stable.
    pub fn normalise(&self, text: &str) -> String {
        text.replace(self.dir.to_str().unwrap(), "$DIR")
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A finished process. Failed assertions print the command, folder, status and both streams.
pub struct Run {
    pub argv: Vec<String>,
    pub dir: PathBuf,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    fn context(&self) -> String {
        format!(
            "command: {:?}\nfolder:  {}\nstatus:  {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.argv,
            self.dir.display(),
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        assert!(
            self.output.status.success(),
            "expected success\n{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn exit(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit status\n{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(
            self.stdout(),
            expected,
            "stdout differs\n{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.context()
        );
        self
    }

    /// stdout as a `--json` document: an object whose `version` is 1, returned without it.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        let mut doc: serde_json::Value = match serde_json::from_str(&self.stdout()) {
            Ok(v) => v,
            Err(e) => {
                self.check(false, &format!("stdout is not JSON: {e}"));
                unreachable!()
            }
        };
        let version = doc.as_object_mut().and_then(|o| o.remove("version"));
        self.check(
            version == Some(serde_json::json!(1)),
            "a --json document is an object with \"version\": 1",
        );
        doc
    }

    /// The list under `key` of stdout's `--json` document, as `{"version": 1, "KEY": [...]}`
    /// holds it, with no other key.
    #[track_caller]
    pub fn json_list(&self, key: &str) -> serde_json::Value {
        let mut doc = self.json();
        let list = doc.as_object_mut().and_then(|o| o.remove(key));
        self.check(
            list.as_ref().is_some_and(|l| l.is_array())
                && doc.as_object().is_some_and(|o| o.is_empty()),
            &format!("a --json list document holds only its version and the list {key:?}"),
        );
        list.unwrap()
    }

    /// Panics with context when `ok` is false.
    #[track_caller]
    pub fn check(&self, ok: bool, what: &str) -> &Run {
        assert!(ok, "{what}\n{}", self.context());
        self
    }
}
