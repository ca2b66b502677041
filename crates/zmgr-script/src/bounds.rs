//! The bounds no script may pass, whatever config.kdl's limits say: memory, stack, the size
//! of a script file, the nesting of imports and of values, and the time a compile may take.
//!
//! A script runs on zmgr's own thread, whose stack is 512 MiB (zmgr's `main`): the stack bound
//! leaves most of it for what Rhai does natively below a script's frames (cloning, printing,
//! comparing and dropping values, compiling an imported module), which no progress callback
//! sees; the memory and value-nesting bounds keep that native work small.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Heap the scripts of one zmgr run may take, together (counted from when the outermost
/// script started): past it the script ends with an error.
pub const MEMORY_BOUND: usize = 256 << 20;

/// Stack the scripts of one zmgr run may use, together: calls and expressions nested deeper
/// than this end the script whatever `max-call-levels` allows.
pub const STACK_BOUND: usize = 64 << 20;

/// The largest script file (or inline hook code) zmgr reads.
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// How deep imports may nest (a module importing a module importing…).
pub const MAX_IMPORT_DEPTH: usize = 32;

/// How deep values may nest (arrays in arrays, maps in maps, values held by function
/// pointers): Rhai clones, prints, compares and drops them recursively.
pub const MAX_VALUE_DEPTH: usize = 1000;

thread_local! {
    /// The highest stack address a script was seen at on this thread: where scripts start.
    static STACK_TOP: Cell<usize> = const { Cell::new(0) };
    /// The heap zmgr held when the outermost script of this thread started.
    static MEMORY_BASE: Cell<Option<usize>> = const { Cell::new(None) };
    /// When the compile running on this thread started.
    static COMPILE_START: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// An address on the caller's stack frame, nearly the stack pointer.
#[inline(never)]
fn stack_pointer() -> usize {
    let here = 0u8;
    std::hint::black_box(&here) as *const u8 as usize
}

/// While it lives, a script runs: the memory it takes is counted from now, unless an outer
/// script (a site script whose create runs hooks) is already counting.
pub struct Running {
    outermost: bool,
}

impl Running {
    pub fn enter() -> Running {
        let sp = stack_pointer();
        STACK_TOP.with(|t| t.set(t.get().max(sp)));
        let outermost = MEMORY_BASE.with(|b| {
            if b.get().is_some() {
                false
            } else {
                b.set(Some(crate::memory::live()));
                true
            }
        });
        Running { outermost }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.outermost {
            MEMORY_BASE.with(|b| b.set(None));
        }
    }
}

/// The stack scripts use now, below where they started.
pub fn stack_used() -> usize {
    let sp = stack_pointer();
    STACK_TOP.with(|t| {
        let top = t.get();
        if sp > top {
            // Shallower than any script seen: the top is here.
            t.set(sp);
            0
        } else {
            top - sp
        }
    })
}

/// The heap zmgr held when the outermost script started, if one is running.
pub fn memory_base() -> Option<usize> {
    MEMORY_BASE.with(|b| b.get())
}

/// The heap scripts took since the outermost one started.
pub fn memory_used() -> usize {
    memory_base().map_or(0, |base| crate::memory::live().saturating_sub(base))
}

/// While it lives, a compile runs on this thread; its time is [`compile_elapsed`].
pub struct Compiling {
    previous: Option<Instant>,
}

impl Compiling {
    pub fn start() -> Compiling {
        let previous = COMPILE_START.with(|c| c.replace(Some(Instant::now())));
        Compiling { previous }
    }
}

impl Drop for Compiling {
    fn drop(&mut self) {
        COMPILE_START.with(|c| c.set(self.previous));
    }
}

/// How long the compile running on this thread has taken, if one is.
pub fn compile_elapsed() -> Option<Duration> {
    COMPILE_START.with(|c| c.get().map(|s| s.elapsed()))
}

/// `n` bytes in MiB, for messages.
pub fn mib(n: usize) -> usize {
    n >> 20
}
