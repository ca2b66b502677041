//! Ctrl-C, SIGTERM and SIGHUP during long operations: noted, so that the running step is
//! stopped and everything done so far is undone, instead of the process dying half way.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

static REQUESTED: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));
static SHIELDS: AtomicUsize = AtomicUsize::new(0);

/// The signals that ask zmgr to stop: Ctrl-C, a polite kill, and a closed terminal.
pub const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// Catches SIGINT, SIGTERM and SIGHUP from now on: each only sets a flag (the handler stays
/// installed; it is sigaction underneath, not the System V `signal`).
pub fn install() {
    for sig in SIGNALS {
        // Registering fails only for signals that cannot be caught, which these are not.
        let _ = signal_hook::flag::register(sig, REQUESTED.clone());
    }
}

/// Whether an interrupt arrived and no [`Shield`] is up.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst) && SHIELDS.load(Ordering::SeqCst) == 0
}

/// Whether a [`Shield`] is up: an undo step runs, which nothing may stop.
pub fn shielded() -> bool {
    SHIELDS.load(Ordering::SeqCst) > 0
}

/// Notes an interrupt as a signal would (for tests of what an interrupt stops).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a noted interrupt (for tests that interrupt more than once in one process).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// While a shield lives, commands are not stopped by an interrupt: undo steps must finish.
pub struct Shield(());

impl Shield {
    pub fn up() -> Shield {
        SHIELDS.fetch_add(1, Ordering::SeqCst);
        Shield(())
    }
}

impl Drop for Shield {
    fn drop(&mut self) {
        SHIELDS.fetch_sub(1, Ordering::SeqCst);
    }
}
