//! Runs zmgr-sim in a fresh state directory with a cleared environment and
//! shows everything about a run when an assertion on it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_zmgr-sim");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary state directory, removed when the test passes.
pub struct SimEnv {
    pub dir: PathBuf,
    env: Vec<(String, String)>,
}

impl SimEnv {
    pub fn new() -> SimEnv {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("zmgr-sim-test-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        SimEnv {
            dir,
            env: Vec::new(),
        }
    }

    /// Adds an environment variable to every later run.
    pub fn with_env(mut self, key: &str, value: &str) -> SimEnv {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.path(name), content).expect("write file");
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// `zmgr-sim TOOL ARGS…` with no stdin.
    pub fn run(&self, tool: &str, args: &[&str]) -> Run {
        self.run_stdin(tool, args, None)
    }

    pub fn stdin(&self, tool: &str, args: &[&str], input: &str) -> Run {
        self.run_stdin(tool, args, Some(input))
    }

    pub fn run_stdin(&self, tool: &str, args: &[&str], input: Option<&str>) -> Run {
        let mut argv = vec![tool.to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        self.exec(Path::new(BIN), &argv, input)
    }

    /// Runs `program` (the binary or a link to it) with `argv`.
    pub fn exec(&self, program: &Path, argv: &[String], input: Option<&str>) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(argv)
            .env_clear()
            .env("ZMGR_SIM_STATE", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn zmgr-sim");
        {
            let mut stdin = child.stdin.take().expect("stdin");
            if let Some(i) = input {
                stdin.write_all(i.as_bytes()).expect("write stdin");
            }
        }
        let out = child.wait_with_output().expect("wait");
        Run {
            dir: self.dir.clone(),
            argv: std::iter::once(program.display().to_string())
                .chain(argv.iter().cloned())
                .collect(),
            stdin: input.map(str::to_string),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// The state file as JSON.
    pub fn state(&self) -> serde_json::Value {
        let text = self.read("state.json");
        serde_json::from_str(&text).expect("state.json is valid JSON")
    }

    /// The invocation log, one JSON value per line.
    pub fn log(&self) -> Vec<serde_json::Value> {
        self.read("invocations.log")
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }

    /// The folder zones live in: `STATE/zones`, the mountpoint of
    /// `rpool/zones` once `datasets` made it.
    pub fn zones_dir(&self) -> String {
        self.path("zones").to_string_lossy().into_owned()
    }

    /// A zone's zonepath: `STATE/zones/NAME`.
    pub fn zonepath(&self, zone: &str) -> String {
        format!("{}/{zone}", self.zones_dir())
    }

    /// `zfs create -p -o mountpoint=STATE/zones rpool/zones`, what a host
    /// needs before ipkg zones can be installed in STATE/zones.
    pub fn datasets(&self) {
        let mp = format!("mountpoint={}", self.zones_dir());
        self.run("zfs", &["create", "-p", "-o", &mp, "rpool/zones"])
            .ok();
    }

    /// Configures an exclusive-IP zone with one VNIC at `STATE/zones/NAME`.
    pub fn configure(&self, zone: &str, vnic: &str) {
        let script = format!(
            "create\nset zonepath={}\nset ip-type=exclusive\nadd net\nset physical={vnic}\nend\ncommit\n",
            self.zonepath(zone)
        );
        self.run("zonecfg", &["-z", zone, &script]).ok();
    }

    /// A configured, installed zone with its VNIC created.
    pub fn installed(&self, zone: &str, vnic: &str) {
        self.datasets();
        self.run("dladm", &["create-vnic", "-l", "e1000g0", vnic])
            .ok();
        self.configure(zone, vnic);
        self.run("zoneadm", &["-z", zone, "install"]).ok();
    }

    pub fn zone_state(&self, zone: &str) -> String {
        let out = self.run("zoneadm", &["-z", zone, "list", "-p"]).ok();
        out.stdout.split(':').nth(2).unwrap_or_default().to_string()
    }
}

impl Drop for SimEnv {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One finished run.
pub struct Run {
    pub dir: PathBuf,
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    #[track_caller]
    fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n--- state dir: {}\n--- argv: {:?}\n--- stdin: {:?}\n--- exit: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.dir.display(),
            self.argv,
            self.stdin,
            self.code,
            self.stdout,
            self.stderr
        );
    }

    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        if self.code != expected {
            self.fail(&format!("expected exit status {expected}"));
        }
        self
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        self.code(0)
    }

    #[track_caller]
    pub fn stdout(self, expected: &str) -> Run {
        if self.stdout != expected {
            self.fail(&format!("stdout differs; expected:\n{expected}"));
        }
        self
    }

    #[track_caller]
    pub fn stderr(self, expected: &str) -> Run {
        if self.stderr != expected {
            self.fail(&format!("stderr differs; expected:\n{expected}"));
        }
        self
    }

    #[track_caller]
    pub fn stdout_has(self, part: &str) -> Run {
        if !self.stdout.contains(part) {
            self.fail(&format!("stdout lacks {part:?}"));
        }
        self
    }

    #[track_caller]
    pub fn stderr_has(self, part: &str) -> Run {
        if !self.stderr.contains(part) {
            self.fail(&format!("stderr lacks {part:?}"));
        }
        self
    }
}
