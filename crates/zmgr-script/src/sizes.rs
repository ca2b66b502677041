//! The size limits (`max-string-size`, `max-array-size`, `max-map-size`) held for every value a
//! variable holds, and the nesting of values bounded.
//!
//! Rhai checks a value's size after the operations that make it, but not all: assigning by
//! index (`a[i] = big`, `m[key] = v` adding a key) checks only the element, so a variable can
//! grow past every limit one element at a time; the keys of maps count towards no limit, nor
//! do the values a function pointer holds (`Fn("f").curry(big)`); `a.pad(n, item)` multiplies
//! sizes without checking for overflow. Here every variable is measured again when it is used
//! (`on_var`), as often as that costs no more than a constant share of the work the script
//! does: after a number of operations proportional to its size, or once the heap grew by a
//! share of it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use rhai::{Array, Blob, Dynamic, EvalAltResult, EvalContext, FnPtr, INT, Map};

use super::Limits;
use super::bounds::MAX_VALUE_DEPTH;

/// The name Rhai's data-size error carries for values nested too deep (shown by
/// [`crate::report`] as words).
pub const NESTING: &str = "Nesting of values";

/// What a value holds: array elements (and BLOB bytes, and values held by function pointers),
/// map entries, string bytes (and map keys), and how deep it nests.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sizes {
    pub arrays: usize,
    pub maps: usize,
    pub strings: usize,
    pub depth: usize,
}

/// The limit a value passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    Array,
    Map,
    String,
    Depth,
}

impl Over {
    /// Rhai's own error for the limit (not catchable by `try`).
    pub fn error(self) -> Box<EvalAltResult> {
        let what = match self {
            Over::Array => "Size of array/BLOB",
            Over::Map => "Size of object map",
            Over::String => "Length of string",
            Over::Depth => NESTING,
        };
        Box::new(EvalAltResult::ErrorDataTooLarge(
            what.to_string(),
            rhai::Position::NONE,
        ))
    }
}

/// The limits one value may reach; 0 is none, as in Rhai.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub arrays: usize,
    pub maps: usize,
    pub strings: usize,
}

impl Bounds {
    pub fn of(limits: &Limits) -> Bounds {
        Bounds {
            arrays: limits.max_array_size,
            maps: limits.max_map_size,
            strings: limits.max_string_size,
        }
    }

    fn check(&self, s: &Sizes) -> Result<(), Over> {
        let over = |n: usize, max: usize| max > 0 && n > max;
        if over(s.strings, self.strings) {
            Err(Over::String)
        } else if over(s.arrays, self.arrays) {
            Err(Over::Array)
        } else if over(s.maps, self.maps) {
            Err(Over::Map)
        } else if s.depth > MAX_VALUE_DEPTH {
            Err(Over::Depth)
        } else {
            Ok(())
        }
    }
}

/// Measures `value`, stopping at the first limit it passes (so at most `MAX_VALUE_DEPTH` deep).
pub fn measure(value: &Dynamic, bounds: &Bounds) -> Result<Sizes, Over> {
    let mut walk = Walk::new(bounds);
    walk.value(value, 0)?;
    Ok(walk.sizes)
}

/// One measure: the sizes so far, and the shared values seen (a closure holding a variable
/// that holds the closure leads back to where it started).
struct Walk<'b> {
    bounds: &'b Bounds,
    sizes: Sizes,
    shared: HashSet<usize>,
}

impl<'b> Walk<'b> {
    fn new(bounds: &'b Bounds) -> Walk<'b> {
        Walk {
            bounds,
            sizes: Sizes::default(),
            shared: HashSet::new(),
        }
    }

    fn value(&mut self, v: &Dynamic, depth: usize) -> Result<(), Over> {
        if depth > self.sizes.depth {
            self.sizes.depth = depth;
            self.bounds.check(&self.sizes)?;
        }
        if v.is_shared() {
            // A variable captured by a closure: what it holds counts once, where it is first
            // met. Closures holding closures make chains as deep as any array.
            let Some(inner) = v.read_lock::<Dynamic>() else {
                return Ok(());
            };
            let at = &*inner as *const Dynamic as usize;
            if !self.shared.insert(at) {
                return Ok(());
            }
            return self.value(&inner, depth);
        }
        if let Ok(text) = v.as_immutable_string_ref() {
            self.sizes.strings = self.sizes.strings.saturating_add(text.len());
        } else if let Some(array) = v.read_lock::<Array>() {
            self.items(array.iter(), depth)?;
        } else if let Some(map) = v.read_lock::<Map>() {
            for (key, item) in map.iter() {
                self.sizes.maps += 1;
                self.sizes.strings = self.sizes.strings.saturating_add(key.len());
                self.bounds.check(&self.sizes)?;
                self.value(item, depth + 1)?;
            }
        } else if let Some(blob) = v.read_lock::<Blob>() {
            self.sizes.arrays = self.sizes.arrays.saturating_add(blob.len());
        } else if let Some(f) = v.read_lock::<FnPtr>() {
            self.items(f.iter_curry(), depth)?;
        }
        self.bounds.check(&self.sizes)
    }

    /// The elements of an array (or the values a function pointer holds) at `depth`.
    fn items<'v>(
        &mut self,
        items: impl Iterator<Item = &'v Dynamic>,
        depth: usize,
    ) -> Result<(), Over> {
        for item in items {
            self.sizes.arrays += 1;
            self.bounds.check(&self.sizes)?;
            self.value(item, depth + 1)?;
        }
        Ok(())
    }
}

/// When a variable (by the place in the code that names it) was last measured.
struct Seen {
    operations: u64,
    heap: usize,
    /// Its size, in steps of work a measure takes.
    work: u64,
}

/// Hashes the addresses [`Watch`] keys on: one multiplication, not SipHash (a lookup comes
/// with every variable a script reads).
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }
}

type ByAddress = std::hash::BuildHasherDefault<AddressHasher>;

/// Measures variables as they are used (see the module's comment).
pub struct Watch {
    bounds: Bounds,
    seen: RefCell<HashMap<usize, Seen, ByAddress>>,
}

/// Heap growth that always warrants measuring again.
const HEAP_STEP: usize = 1 << 20;

/// A variable is measured again after `size / MEASURES_PER_SIZE` operations: measuring costs
/// at most that many steps per operation, and a value outgrows a limit by no more than a
/// `1 / MEASURES_PER_SIZE` share before it is noticed (an operation adds about one element or
/// key; larger steps grow the heap, which has a measure taken sooner).
const MEASURES_PER_SIZE: u64 = 4;

impl Watch {
    pub fn new(limits: &Limits) -> Watch {
        Watch {
            bounds: Bounds::of(limits),
            seen: RefCell::default(),
        }
    }

    /// Called by Rhai before it reads variable `name`.
    pub fn on_var(&self, name: &str, ctx: &EvalContext) -> Result<(), Box<EvalAltResult>> {
        // The code's own copy of the name: one entry per place a variable is used.
        let key = name.as_ptr() as usize;
        let operations = ctx.global_runtime_state().num_operations;
        let heap = crate::memory::live();
        if let Some(seen) = self.seen.borrow().get(&key) {
            let fresh = operations.saturating_sub(seen.operations) < seen.work / MEASURES_PER_SIZE;
            let grown = heap.saturating_sub(seen.heap)
                >= HEAP_STEP.max((seen.work as usize).saturating_mul(2));
            if fresh && !grown {
                return Ok(());
            }
        }
        let Some(value) = ctx.scope().get(name) else {
            return Ok(());
        };
        let sizes = measure(value, &self.bounds).map_err(Over::error)?;
        let work = (sizes.arrays + sizes.maps + sizes.strings / 64 + sizes.depth) as u64;
        self.seen.borrow_mut().insert(
            key,
            Seen {
                operations,
                heap,
                work,
            },
        );
        Ok(())
    }
}

/// `array.pad(len, item)` as Rhai has it, with the sizes checked without overflow before
/// anything is allocated.
pub fn pad(bounds: Bounds) -> impl Fn(&mut Array, INT, Dynamic) -> Result<(), Box<EvalAltResult>> {
    move |array, len, item| {
        let Ok(len) = usize::try_from(len) else {
            return Ok(());
        };
        if len <= array.len() {
            return Ok(());
        }
        if bounds.arrays > 0 && len > bounds.arrays {
            return Err(Over::Array.error());
        }
        let added = len - array.len();
        let mut walk = Walk::new(&bounds);
        walk.items(array.iter(), 0).map_err(Over::error)?;
        let have = walk.sizes;
        let each = measure(&item, &bounds).map_err(Over::error)?;
        let times = |n: usize| n.saturating_mul(added);
        let after = Sizes {
            arrays: have
                .arrays
                .saturating_add(added)
                .saturating_add(times(each.arrays)),
            maps: have.maps.saturating_add(times(each.maps)),
            strings: have.strings.saturating_add(times(each.strings)),
            depth: have.depth.max(each.depth + 1),
        };
        bounds.check(&after).map_err(Over::error)?;
        array.resize(len, item);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(arrays: usize, maps: usize, strings: usize) -> Bounds {
        Bounds {
            arrays,
            maps,
            strings,
        }
    }

    #[test]
    fn keys_and_curried_values_count() {
        let mut map = Map::new();
        map.insert("k".repeat(100).into(), Dynamic::UNIT);
        let sizes = measure(&Dynamic::from_map(map.clone()), &bounds(0, 0, 0)).unwrap();
        assert_eq!((sizes.maps, sizes.strings), (1, 100));
        assert_eq!(
            measure(&Dynamic::from_map(map), &bounds(0, 0, 99)).unwrap_err(),
            Over::String
        );
        let array: Array = vec![Dynamic::from(1_i64); 10];
        let mut f = FnPtr::new("f").unwrap();
        f.add_curry(Dynamic::from_array(array));
        let sizes = measure(&Dynamic::from(f), &bounds(0, 0, 0)).unwrap();
        assert_eq!(sizes.arrays, 11);
        assert_eq!(sizes.depth, 2);
    }

    #[test]
    fn nesting_is_bounded_without_walking_it_all() {
        let mut v = Dynamic::from_array(Array::new());
        for _ in 0..MAX_VALUE_DEPTH + 10 {
            v = Dynamic::from_array(vec![v]);
        }
        assert_eq!(measure(&v, &bounds(0, 0, 0)).unwrap_err(), Over::Depth);
    }

    #[test]
    fn a_pad_whose_size_overflows_is_refused() {
        let pad = pad(bounds(1000, 0, 0));
        let mut a = Array::new();
        let item = Dynamic::from_array(vec![Dynamic::from(1_i64); 63]);
        // 64 × 2^58 wraps to 0 in Rhai's own check, which then allocates 4 EiB.
        assert!(pad(&mut a, 1 << 58, item.clone()).is_err());
        assert!(pad(&mut a, 15, item.clone()).is_ok());
        assert_eq!(a.len(), 15);
        assert!(pad(&mut a, 16, item).is_err());
    }
}
