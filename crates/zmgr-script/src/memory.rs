//! zmgr's heap, counted: the allocator of every binary that links the script engine keeps a
//! count of the bytes it holds, so that a script can be stopped before it makes zmgr use
//! gigabytes (see [`crate::bounds::MEMORY_BOUND`]). The count costs one atomic addition per
//! allocation and frees nothing early: it is only read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
pub struct Counting;

// SAFETY: every method forwards to the system allocator with the same arguments; the count is
// bookkeeping only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    // SAFETY: GlobalAlloc's contract, which the caller keeps and this forwards.
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    // SAFETY: GlobalAlloc's contract, which the caller keeps and this forwards.
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    // SAFETY: GlobalAlloc's contract, which the caller keeps and this forwards.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The bytes zmgr's heap holds now.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_what_is_held() {
        // Other tests allocate at the same time: the margins leave them 32 MiB either way.
        let before = super::live();
        let v: Vec<u8> = vec![1; 64 << 20];
        let with = super::live();
        assert!(with >= before + (32 << 20), "{before} then {with}");
        drop(v);
        let after = super::live();
        assert!(after + (32 << 20) <= with, "{with} then {after}");
    }
}
