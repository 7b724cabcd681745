//! The `schemaguard` binary: everything happens in `schemaguard::cli`.

// mimalloc: a run allocates and frees millions of small strings and vectors (names,
// statements, effects) on several threads; glibc's malloc took a quarter of the time
#[global_allocator]
static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;

/// mimalloc, asked as C's `malloc` is whenever the alignment asks nothing more:
/// `mimalloc::MiMalloc` calls `mi_malloc_aligned` for every block, and a run makes
/// millions of them. The condition is mimalloc's own (`mi_malloc_is_naturally_aligned`
/// in `alloc-aligned.c`): a block of at least `align` bytes is aligned to 16 (the
/// largest alignment `mi_malloc` guarantees), or to its size when smaller.
mod allocator {
    use libmimalloc_sys as mi;
    use std::alloc::{GlobalAlloc, Layout};
    use std::ffi::c_void;

    /// `MI_MAX_ALIGN_SIZE`
    const MAX_NATURAL_ALIGN: usize = 16;

    pub struct MiMalloc;

    fn natural(align: usize, size: usize) -> bool {
        align <= MAX_NATURAL_ALIGN && align <= size
    }

    // SAFETY (all four): the layouts come from the standard library with a non-zero size
    // and a power-of-two alignment; blocks are given back to the mimalloc functions that
    // made them (`mi_free` and `mi_realloc*` take blocks of any of its allocators), and
    // a block from the plain functions is aligned as `natural` requires.
    unsafe impl GlobalAlloc for MiMalloc {
        #[inline]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let (size, align) = (layout.size(), layout.align());
            // SAFETY: see above
            unsafe {
                if natural(align, size) {
                    mi::mi_malloc(size).cast()
                } else {
                    mi::mi_malloc_aligned(size, align).cast()
                }
            }
        }

        #[inline]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let (size, align) = (layout.size(), layout.align());
            // SAFETY: see above
            unsafe {
                if natural(align, size) {
                    mi::mi_zalloc(size).cast()
                } else {
                    mi::mi_zalloc_aligned(size, align).cast()
                }
            }
        }

        #[inline]
        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            // SAFETY: see above
            unsafe { mi::mi_free(ptr.cast::<c_void>()) }
        }

        #[inline]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let align = layout.align();
            // SAFETY: see above; `mi_realloc` keeps the block when it still fits (it was
            // aligned for `align` when made) or makes a plain one of `new_size` bytes
            unsafe {
                if natural(align, new_size) {
                    mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
                } else {
                    mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, align).cast()
                }
            }
        }
    }
}

use std::panic::PanicHookInfo;

/// `println!` panics when standard output is a closed pipe; that is the reader's
/// choice, not a bug.
fn is_broken_pipe(info: &PanicHookInfo<'_>) -> bool {
    let message = info
        .payload()
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| info.payload().downcast_ref::<&str>().copied())
        .unwrap_or("");
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

fn main() {
    // The release build aborts on a panic instead of unwinding (`panic = "abort"`: no
    // unwinding paths, 3% fewer instructions on the 10,000-file history), so a panic is
    // reported here, by the hook, on whichever thread panicked, and the process exits
    // with the documented code at once (in every build alike; nothing is caught).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_broken_pipe(info) {
            std::process::exit(schemaguard::exit::BROKEN_PIPE);
        }
        default_hook(info);
        eprintln!(
            "error: internal error (a bug in schemaguard); please report it with the input that caused it"
        );
        std::process::exit(schemaguard::exit::ERROR);
    }));
    // the test suite's way to check the above: a panic on this thread, or on another
    if let Some(place) = std::env::var_os("SCHEMAGUARD_TEST_PANIC") {
        if place == "thread" {
            let _ = std::thread::spawn(|| panic!("SCHEMAGUARD_TEST_PANIC=thread")).join();
        }
        panic!("SCHEMAGUARD_TEST_PANIC");
    }
    std::process::exit(schemaguard::cli::run());
}
