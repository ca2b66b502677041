//! The terminal progress display: one status line with the phase and the elapsed time.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zmgr_core::ops::progress::{Progress, phase};

/// On a terminal: one status line, rewritten in place with the current phase and the time
/// spent, refreshed every second even when the command prints nothing.
pub struct Terminal {
    verbose: bool,
    state: Arc<Mutex<Status>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

struct Status {
    step: String,
    phase: String,
    started: Instant,
    active: bool,
}

impl Terminal {
    pub fn new(verbose: bool) -> Terminal {
        Terminal {
            verbose,
            state: Arc::new(Mutex::new(Status {
                step: String::new(),
                phase: String::new(),
                started: Instant::now(),
                active: false,
            })),
            ticker: None,
        }
    }

    fn draw(status: &Status) {
        let elapsed = format_elapsed(status.started.elapsed());
        let mut line = format!("{} [{elapsed}]", status.step);
        if !status.phase.is_empty() {
            line += &format!(" {}", status.phase);
        }
        let width = terminal_width();
        if line.chars().count() > width - 1 {
            line = line.chars().take(width - 2).collect::<String>() + "…";
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

impl Progress for Terminal {
    fn step(&mut self, message: &str) {
        self.done();
        {
            let mut s = self.state.lock().expect("progress lock");
            s.step = message.to_string();
            s.phase.clear();
            s.started = Instant::now();
            s.active = true;
            Terminal::draw(&s);
        }
        let state = self.state.clone();
        self.ticker = Some(std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let s = state.lock().expect("progress lock");
                if !s.active {
                    break;
                }
                Terminal::draw(&s);
            }
        }));
    }

    fn output(&mut self, line: &str) {
        let mut s = self.state.lock().expect("progress lock");
        if self.verbose {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "\r\x1b[2K    {line}");
        }
        if let Some((label, text)) = phase(line) {
            s.phase = format!("{label}: {text}");
        }
        Terminal::draw(&s);
    }

    fn done(&mut self) {
        let was_active = {
            let mut s = self.state.lock().expect("progress lock");
            let was = s.active;
            if was {
                let elapsed = format_elapsed(s.started.elapsed());
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "\r\x1b[2K{} [{elapsed}]", s.step);
            }
            s.active = false;
            was
        };
        if was_active && let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }

    fn note(&mut self, message: &str) {
        self.note_line(message);
    }
}

impl Terminal {
    fn note_line(&mut self, message: &str) {
        self.done();
        eprintln!("{message}");
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.done();
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w > 20)
        .unwrap_or(80)
}

/// `1m05s`, `12s`
pub fn format_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_install_phases() {
        assert_eq!(
            phase("       Image: Preparing at /zones/z/root."),
            Some(("Image", "Preparing at /zones/z/root."))
        );
        assert_eq!(
            phase("Sanity Check: Looking for 'entire' incorporation."),
            Some(("Sanity Check", "Looking for 'entire' incorporation."))
        );
        assert_eq!(
            phase("A ZFS file system has been created for this zone."),
            None
        );
        assert_eq!(phase("pkg: 3/45 packages"), None);
        assert_eq!(format_elapsed(Duration::from_secs(65)), "1m05s");
    }
}
