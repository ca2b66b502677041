//! Ctrl-C and SIGTERM during long operations: noted, so that the running step is stopped
//! and everything done so far is undone, instead of the process dying half way.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static SHIELDS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: anything more is not async-signal-safe.
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Catches SIGINT and SIGTERM from now on. The handler stays installed (sigaction, not the
/// System V `signal`, which illumos resets after one delivery).
pub fn install() {
    // SAFETY: the handler only stores to an atomic; the sigaction struct is zeroed and filled
    // as POSIX requires.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
    }
}

/// Whether an interrupt arrived and no [`Shield`] is up.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst) && SHIELDS.load(Ordering::SeqCst) == 0
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
