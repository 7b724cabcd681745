//! Fetches the PostgreSQL server programs of the given major versions into the cache
//! (`schemaguard::pgbin`), as the version test would, and says what it did: CI runs it
//! before the tests so that a failing download shows up on its own.
//!
//! `cargo run --release --example fetch_postgres -- 11 12 13 14 15 16 17 18`

use schemaguard::pgbin::{self, ObtainOptions, Origin};
use std::process::ExitCode;

fn main() -> ExitCode {
    let majors: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if majors.is_empty() {
        eprintln!("usage: fetch_postgres MAJOR...");
        return ExitCode::from(2);
    }
    let opts = ObtainOptions {
        skip_installed: true,
        ..ObtainOptions::default()
    };
    let mut failed = false;
    for major in majors {
        match pgbin::obtain(major, &opts) {
            Ok(got) => {
                let how = match got.origin {
                    Origin::Downloaded { bytes, took } => format!(
                        "downloaded {:.1} MB in {:.1}s",
                        bytes as f64 / 1e6,
                        took.as_secs_f64()
                    ),
                    Origin::Cached => "cached".to_string(),
                    Origin::Installed => "installed".to_string(),
                };
                println!(
                    "PostgreSQL {major} ({}): {how}: {}",
                    got.npm_version.as_deref().unwrap_or("installed"),
                    got.bin_dir.display()
                );
            }
            Err(e) => {
                eprintln!("PostgreSQL {major}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
