//! The `schemaguard` binary: everything happens in `schemaguard::cli`.

// mimalloc: a run allocates and frees millions of small strings and vectors (names,
// statements, effects) on several threads; glibc's malloc took a quarter of the time
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
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
