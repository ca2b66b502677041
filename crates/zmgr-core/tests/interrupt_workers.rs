//! Verbs over several zones and an interrupt: one worker's [`Shield`] (its undo step) does
//! not hide the interrupt from the others, and no zone starts after it.
//!
//! Its own test binary: the interrupt flag is process-wide and stays set, which would stop
//! every other test's commands.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zmgr_core::error::Error;
use zmgr_core::host::exec::Offline;
use zmgr_core::host::interrupt::{self, Shield};
use zmgr_core::ops::progress::Progress;
use zmgr_core::ops::session::Session;

/// Sets `flag` when the outcome of zone `zone` is noted.
struct Watch {
    zone: &'static str,
    flag: Arc<AtomicBool>,
}

impl Progress for Watch {
    fn step(&mut self, _: &str) {}
    fn output(&mut self, _: &str) {}
    fn done(&mut self) {}
    fn note(&mut self, message: &str) {
        if message.contains(&format!("zone {}:", self.zone)) {
            self.flag.store(true, Ordering::SeqCst);
        }
    }
}

fn wait(flag: &AtomicBool) {
    while !flag.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
}

#[test]
fn a_shield_in_one_worker_starts_no_zone_after_an_interrupt() {
    let c_ended = Arc::new(AtomicBool::new(false));
    let mut core = Session::new(
        std::path::Path::new("/nonexistent"),
        Arc::new(Offline::default()),
        Box::new(Watch {
            zone: "c",
            flag: c_ended.clone(),
        }),
    );
    let requested = AtomicBool::new(false);
    let zones: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    // Two workers: a's holds a shield (an undo step) from the interrupt until c's outcome is
    // known; b ends once the interrupt came (if it started before), and its worker then
    // takes c.
    let outcomes = zmgr_core::ops::bulk::run(&mut core, &zones, 2, |_, zone| {
        match zone {
            "a" => {
                let _shield = Shield::up();
                interrupt::request();
                requested.store(true, Ordering::SeqCst);
                assert!(
                    !interrupt::requested(),
                    "the shield holds in its own thread"
                );
                wait(&c_ended);
            }
            "b" => {
                wait(&requested);
                assert!(
                    interrupt::requested(),
                    "another worker's shield hid the interrupt"
                );
            }
            _ => c_ended.store(true, Ordering::SeqCst),
        }
        Ok(zone.to_string())
    });
    assert!(outcomes[0].1.is_ok());
    // b started before the interrupt or was not started after it: either way its worker
    // then took c while a's shield was up.
    assert!(
        matches!(outcomes[2].1, Err(Error::Interrupted)),
        "zone c started after the interrupt: {:?}",
        outcomes[2].1
    );
}
