//! The `schemaguard` binary: everything happens in `schemaguard::cli`.

// mimalloc: a run allocates and frees millions of small strings and vectors (names,
// statements, effects) on several threads; glibc's malloc took a quarter of the time
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_broken_pipe(info) {
            std::process::exit(schemaguard::cli::exit::BROKEN_PIPE);
        }
        default_hook(info);
    }));
    let code = match std::panic::catch_unwind(schemaguard::cli::run) {
        Ok(code) => code,
        Err(_) => {
            eprintln!(
                "error: internal error (a bug in schemaguard); please report it with the input that caused it"
            );
            schemaguard::cli::exit::ERROR
        }
    };
    std::process::exit(code);
}
