//! `cargo bench --bench scaling`: how the work grows with the size of one file.
//!
//! Generates single-file histories of doubling size (1 MB up to
//! `SCHEMAGUARD_SCALING_MAX_MB`, default 32) in three shapes, and runs the release
//! binary on each as a child process, one command at a time: `check --format json`,
//! `check` (human), `plan --format json` and `graph --format json`. Prints wall time and
//! peak memory (the child's maximum resident set) per run, and the growth ratio from the
//! previous size: linear work shows about 2.0 per doubling. When `squawk` is on the
//! `PATH` (or named by `SQUAWK`), its figures on the same files are printed beside ours.
//! A run longer than two minutes is stopped and shown as not finished, and that program
//! is not run on the larger sizes of the shape.
//!
//! Shapes:
//! - `mix`: tables with a column, an index, a foreign key added NOT VALID and validated,
//!   a backfill, a type change, a view (what a squashed history looks like);
//! - `tables`: `CREATE TABLE t_i (id int); CREATE INDEX ON t_i (id);` pairs;
//! - `values`: one `INSERT ... VALUES` statement with as many rows as the size takes.

#[path = "../tests/shapes/mod.rs"]
mod shapes;

use shapes::SHAPES;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MB: usize = 1024 * 1024;

/// A run that takes longer is stopped and shown as not finished.
const LIMIT: Duration = Duration::from_secs(120);

/// Wall time and peak resident memory (KiB) of one child process; `None` when it
/// could not run, failed, or ran longer than [`LIMIT`].
fn measure(program: &Path, args: &[&str]) -> Option<(Duration, u64)> {
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let pid = i32::try_from(child.id()).ok()?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = loop {
        // SAFETY: `pid` is our child, not yet reaped; the pointers are to live locals
        let w = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if w != 0 {
            break w;
        }
        if started.elapsed() > LIMIT {
            // SAFETY: signalling our own child, which has not been reaped
            unsafe { libc::kill(pid, libc::SIGKILL) };
            // SAFETY: as above; reaps the killed child
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    // exit 1 is "findings": a run that finished
    let code = libc::WEXITSTATUS(status);
    (waited == pid && libc::WIFEXITED(status) && code <= 1)
        .then(|| (elapsed, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

fn ratio(now: f64, before: Option<f64>) -> String {
    before.map_or_else(|| "-".to_string(), |b| format!("{:.2}", now / b.max(1e-9)))
}

fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_schemaguard"));
    let max_mb: usize = std::env::var("SCHEMAGUARD_SCALING_MAX_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    // `SQUAWK=/path/to/squawk` picks the program (a pyenv shim adds ~100 ms a run)
    let squawk_path = PathBuf::from(std::env::var_os("SQUAWK").unwrap_or_else(|| "squawk".into()));
    let squawk = Command::new(&squawk_path)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| squawk_path.clone());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("schemaguard.toml");
    // the files are larger than the default 10 MiB limit on purpose
    std::fs::write(&config, "max_file_size_kib = 1048576\n").expect("write the configuration");
    let config = config.to_str().expect("utf-8 path").to_string();

    println!(
        "one file, doubling: time (s) and peak memory (MiB), and the ratio to the size before"
    );
    println!(
        "{:<7} {:>5} {:<16} {:>8} {:>7} {:>8} {:>7}",
        "shape", "MB", "command", "time", "x", "MiB", "x"
    );
    for (shape, generate) in SHAPES {
        let mut commands: Vec<(&str, Vec<&str>)> = vec![
            (
                "check json",
                vec!["check", "--format", "json", "--config", &config],
            ),
            ("check human", vec!["check", "--config", &config]),
            (
                "plan json",
                vec!["plan", "--format", "json", "--config", &config],
            ),
            (
                "graph json",
                vec!["graph", "--format", "json", "--config", &config],
            ),
        ];
        if squawk.is_some() {
            commands.push(("squawk", Vec::new()));
        }
        let mut before: Vec<Option<(f64, f64)>> = vec![None; commands.len()];
        let mut stopped = vec![false; commands.len()];
        let mut mb = 1;
        while mb <= max_mb {
            let file = dir.path().join(format!("{shape}-{mb}.sql"));
            std::fs::write(&file, generate(mb * MB)).expect("write the input");
            let path = file.to_str().expect("utf-8 path");
            for (i, (name, args)) in commands.iter().enumerate() {
                // a program that did not finish a size is not run on larger ones
                if stopped[i] {
                    continue;
                }
                let got = if *name == "squawk" {
                    squawk.as_deref().and_then(|s| measure(s, &[path]))
                } else {
                    let mut args = args.clone();
                    args.push(path);
                    measure(&binary, &args)
                };
                match got {
                    Some((time, kib)) => {
                        let (secs, mib) = (time.as_secs_f64(), kib as f64 / 1024.0);
                        println!(
                            "{shape:<7} {mb:>5} {name:<16} {secs:>8.2} {:>7} {mib:>8.0} {:>7}",
                            ratio(secs, before[i].map(|b| b.0)),
                            ratio(mib, before[i].map(|b| b.1)),
                        );
                        before[i] = Some((secs, mib));
                    }
                    None => {
                        println!(
                            "{shape:<7} {mb:>5} {name:<16} did not finish (not run on larger sizes)"
                        );
                        before[i] = None;
                        stopped[i] = true;
                    }
                }
            }
            let _ = std::fs::remove_file(&file);
            mb *= 2;
        }
    }
}
