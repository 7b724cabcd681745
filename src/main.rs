//! The `schemaguard` binary: everything happens in `schemaguard::cli`.

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
