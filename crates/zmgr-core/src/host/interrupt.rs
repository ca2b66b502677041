//! Ctrl-C, SIGTERM and SIGHUP during long operations: noted, so that the running step is
//! stopped and everything done so far is undone, instead of the process dying half way.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};

static REQUESTED: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

thread_local! {
    /// The shields up in this thread: one worker's undo step (bulk verbs run zones in
    /// parallel) must not hide an interrupt from the other workers.
    static SHIELDS: Cell<usize> = const { Cell::new(0) };
}

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

/// Whether an interrupt arrived and no [`Shield`] is up in this thread.
pub fn requested() -> bool {
    noted() && !shielded()
}

/// Whether an interrupt arrived, shields or not: what decides that no further work starts
/// (the zones of a bulk verb not started yet).
pub fn noted() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Whether a [`Shield`] is up in this thread: an undo step runs, which nothing may stop.
pub fn shielded() -> bool {
    SHIELDS.with(|s| s.get() > 0)
}

/// Notes an interrupt as a signal would (for tests of what an interrupt stops).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a noted interrupt (for tests that interrupt more than once in one process).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// While a shield lives, the commands its thread runs are not stopped by an interrupt: undo
/// steps must finish. Other threads are not shielded. A shield stays in the thread that
/// raised it (it is neither `Send` nor `Sync`).
pub struct Shield(std::marker::PhantomData<*const ()>);

impl Shield {
    pub fn up() -> Shield {
        SHIELDS.with(|s| s.set(s.get() + 1));
        Shield(std::marker::PhantomData)
    }
}

impl Drop for Shield {
    fn drop(&mut self) {
        SHIELDS.with(|s| s.set(s.get().saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shield_covers_its_own_thread_only() {
        let _shield = Shield::up();
        assert!(shielded());
        std::thread::scope(|s| {
            s.spawn(|| assert!(!shielded(), "another thread is shielded"));
        });
        drop(_shield);
        assert!(!shielded());
    }
}
