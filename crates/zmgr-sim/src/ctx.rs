//! What every simulated tool gets: the state store, the fault rules, the
//! settings, and stdin/stdout/stderr (stdin is recorded for the log).

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::thread;
use std::time::Duration;

use crate::faults::{Faults, Outcome};
use crate::settings::Settings;
use crate::store::Store;

pub struct Ctx {
    pub store: Store,
    pub faults: Faults,
    pub settings: Settings,
    /// Everything read from stdin, for the invocation log.
    pub stdin_read: Option<String>,
}

/// Leaves a tool early with this exit status (the tools' `exit()` calls).
#[derive(Debug)]
pub struct Exit(pub i32);

impl Ctx {
    pub fn stdin_is_tty(&self) -> bool {
        io::stdin().is_terminal()
    }

    pub fn read_stdin_all(&mut self) -> String {
        let mut s = String::new();
        let _ = io::stdin().read_to_string(&mut s);
        self.stdin_read.get_or_insert_with(String::new).push_str(&s);
        s
    }

    /// One line including its newline; `None` at end of input.
    pub fn read_stdin_line(&mut self) -> Option<String> {
        let mut s = String::new();
        match io::stdin().lock().read_line(&mut s) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                self.stdin_read.get_or_insert_with(String::new).push_str(&s);
                Some(s)
            }
        }
    }

    pub fn out(&self, s: &str) {
        let mut o = io::stdout().lock();
        let _ = o.write_all(s.as_bytes());
        let _ = o.flush();
    }

    pub fn err(&self, s: &str) {
        let mut e = io::stderr().lock();
        let _ = e.write_all(s.as_bytes());
        let _ = e.flush();
    }

    /// Looks up the fault rules for `tool sub` on `zone` and sleeps for any
    /// delay they add.
    pub fn fault(&self, tool: &str, sub: &str, zone: Option<&str>) -> Outcome {
        let o = self.fault_no_sleep(tool, sub, zone);
        if !o.delay.is_zero() {
            thread::sleep(o.delay);
        }
        o
    }

    /// Like `fault` but leaves sleeping to the caller. Uses of rules with
    /// `times=` are counted in the state, under its lock, so concurrent
    /// invocations share the count.
    pub fn fault_no_sleep(&self, tool: &str, sub: &str, zone: Option<&str>) -> Outcome {
        let limited = self
            .faults
            .matching(tool, sub, zone)
            .iter()
            .any(|r| r.times.is_some());
        if !limited {
            return self.faults.check(tool, sub, zone, |_| true);
        }
        let counted = self.store.update(|st| {
            self.faults.check(tool, sub, zone, |r| {
                let used = st.fault_hits.entry(r.text.clone()).or_insert(0);
                if *used < r.times.unwrap_or(u32::MAX) {
                    *used += 1;
                    true
                } else {
                    false
                }
            })
        });
        match counted {
            Ok(o) => o,
            Err(e) => {
                self.err(&format!("{tool}: cannot count fault uses: {e}\n"));
                self.faults.check(tool, sub, zone, |_| true)
            }
        }
    }
}

pub fn sleep(d: Duration) {
    if !d.is_zero() {
        thread::sleep(d);
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// C `strerror` wording for an I/O error.
pub fn strerror(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".into(),
        io::ErrorKind::PermissionDenied => "Permission denied".into(),
        io::ErrorKind::IsADirectory => "Is a directory".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The name a tool prints where its C source prints `argv[0]`: the path it
/// was run by when that is a link named after the tool, else the tool name.
pub fn argv0(tool: &str) -> String {
    let a0 = std::env::args().next().unwrap_or_default();
    let base = Path::new(&a0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if base == tool { a0 } else { tool.to_string() }
}
