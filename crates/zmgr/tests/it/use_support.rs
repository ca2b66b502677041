//! Helpers for the "use a zone" tests: zones in a sandbox, and zmgr run with its standard
//! input on a pseudo-terminal (the destroy question, the console, an interactive login).

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::sandbox;

/// A sandbox with running zones `web01`, `web02` and an installed `db01`.
pub fn three_zones() -> TestEnv {
    let env = sandbox();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "web02"]).success();
    env.sandbox(&["create", "db01", "--no-boot"]).success();
    env
}

/// A pseudo-terminal: the controller, and the path of the terminal a program reads.
pub struct Pty {
    controller: std::fs::File,
    terminal: std::path::PathBuf,
}

impl Pty {
    pub fn open() -> Pty {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let fd = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&fd).expect("grantpt");
        unlockpt(&fd).expect("unlockpt");
        let name = ptsname(&fd, Vec::new()).expect("ptsname");
        Pty {
            controller: std::fs::File::from(fd),
            terminal: std::path::PathBuf::from(name.to_str().expect("a UTF-8 path")),
        }
    }
}

/// Runs `zmgr --sandbox DIR ARGS…` with standard input on a terminal to which `typed` has
/// been typed; standard output and error are pipes. Returns the run and zmgr's process ID.
pub fn on_terminal(env: &TestEnv, args: &[&str], typed: &str) -> (Run, u32) {
    let mut pty = Pty::open();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&pty.terminal)
        .expect("the terminal opens");
    // Typed ahead: the terminal keeps whole lines until zmgr (or zlogin) reads them.
    pty.controller.write_all(typed.as_bytes()).unwrap();
    let dir = env.sandbox_dir();
    let child = Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(&dir)
        .args(args)
        .env_clear()
        .current_dir(env.dir())
        .stdin(Stdio::from(terminal))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zmgr starts");
    let pid = child.id();
    let output = child.wait_with_output().expect("zmgr finishes");
    drop(pty);
    (
        Run {
            argv: std::iter::once("zmgr --sandbox DIR (on a terminal)".to_string())
                .chain(args.iter().map(|s| s.to_string()))
                .collect(),
            dir: env.dir().to_path_buf(),
            output,
        },
        pid,
    )
}

/// A zmgr started with standard input on a terminal, left running: the test reads what it
/// asks and types the answer when it chooses.
pub struct Asking {
    pty: Pty,
    child: std::process::Child,
    args: Vec<String>,
}

impl Asking {
    pub fn start(env: &TestEnv, args: &[&str]) -> Asking {
        let pty = Pty::open();
        let terminal = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&pty.terminal)
            .expect("the terminal opens");
        let child = Command::new(env!("CARGO_BIN_EXE_zmgr"))
            .arg("--sandbox")
            .arg(env.sandbox_dir())
            .args(args)
            .env_clear()
            .current_dir(env.dir())
            .stdin(Stdio::from(terminal))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zmgr starts");
        Asking {
            pty,
            child,
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Reads standard error until it holds `question` (zmgr waits for the answer then);
    /// returns what was read.
    pub fn wait_for(&mut self, question: &str) -> String {
        use std::io::Read;
        let err = self.child.stderr.as_mut().expect("stderr is piped");
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&seen).contains(question) {
            let n = err.read(&mut buf).expect("stderr reads");
            assert!(
                n > 0,
                "zmgr ended without asking: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    }

    /// Types `answer` and waits for zmgr to end; the run's standard error is what followed
    /// the question.
    pub fn answer(mut self, env: &TestEnv, answer: &str) -> Run {
        self.pty.controller.write_all(answer.as_bytes()).unwrap();
        let output = self.child.wait_with_output().expect("zmgr finishes");
        drop(self.pty);
        Run {
            argv: std::iter::once("zmgr --sandbox DIR (on a terminal)".to_string())
                .chain(self.args)
                .collect(),
            dir: env.dir().to_path_buf(),
            output,
        }
    }
}

/// Runs `zmgr --sandbox DIR ARGS…` with `stdin` piped in (not a terminal); returns the run
/// and zmgr's process ID.
pub fn with_pid(env: &TestEnv, args: &[&str], stdin: &str) -> (Run, u32) {
    let dir = env.sandbox_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zmgr"))
        .arg("--sandbox")
        .arg(&dir)
        .args(args)
        .env_clear()
        .current_dir(env.dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zmgr starts");
    let pid = child.id();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let output = child.wait_with_output().expect("zmgr finishes");
    (
        Run {
            argv: std::iter::once("zmgr --sandbox DIR".to_string())
                .chain(args.iter().map(|s| s.to_string()))
                .collect(),
            dir: env.dir().to_path_buf(),
            output,
        },
        pid,
    )
}

/// The zlogin sessions the simulator kept for `zone`, oldest first.
pub fn zlogins(env: &TestEnv, zone: &str) -> Vec<serde_json::Value> {
    crate::script_support::sim_zone(env, zone)["zlogin"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Writes the simulator's zlogin answers (`zlogin.rules`).
pub fn zlogin_rules(env: &TestEnv, rules: &str) {
    std::fs::create_dir_all(env.sim_state()).unwrap();
    std::fs::write(env.sim_state().join("zlogin.rules"), rules).unwrap();
}
