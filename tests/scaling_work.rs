//! Within one file the work grows linearly: doubling a generated single-file history
//! (the shapes of `benches/scaling.rs`) may at most triple what `check` (JSON and
//! human), `plan` (JSON and table) and `graph` (JSON) do.
//!
//! "Work" is counted, not timed: the number of heap allocations (and reallocations),
//! the bytes they asked for (a list copied whole for every statement shows here) and
//! the peak of live heap bytes, taken by a counting allocator around the system's.
//! Both are the same from run to run on any machine (the parse workers may take files
//! in another order, which changes little: each shape is one file), so the test cannot
//! flake on a busy machine. It does not see work that allocates nothing (a scan over a
//! list); `cargo bench --bench scaling` times those.
//!
//! The figures are printed (`cargo test --test scaling_work -- --nocapture`).

mod shapes;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use schemaguard::pipeline::{self, Report, Run, RunOptions};
use schemaguard::report::{self, CheckReport, Summary};

/// Counts allocations and follows the live bytes and their peak.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grew(bytes: u64) {
    ALLOCATED.fetch_add(bytes, Ordering::Relaxed);
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        grew(layout.size() as u64);
        // SAFETY: the caller's contract is `System`'s
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        grew(layout.size() as u64);
        // SAFETY: the caller's contract is `System`'s
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is `System`'s
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        grew(new_size as u64);
        // SAFETY: the caller's contract is `System`'s
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations, bytes allocated and the rise of the live-bytes peak over what was
/// live before `f`.
fn work(f: impl FnOnce()) -> [u64; 3] {
    let live_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(live_before, Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let allocated_before = ALLOCATED.load(Ordering::Relaxed);
    f();
    [
        ALLOCATIONS.load(Ordering::Relaxed) - allocations_before,
        ALLOCATED.load(Ordering::Relaxed) - allocated_before,
        PEAK.load(Ordering::Relaxed).saturating_sub(live_before),
    ]
}

fn run(file: &Path, config: &Path, report: Report) -> Run {
    pipeline::run(&RunOptions {
        paths: vec![file.to_path_buf()],
        config: Some(config.to_path_buf()),
        cwd: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        report,
        skip_plan: report == Report::Findings,
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn check(file: &Path, config: &Path, human: bool) {
    let mut run = run(file, config, Report::Findings);
    let findings = std::mem::take(&mut run.analysis.findings);
    let statements = run.analysis.files.iter().map(|f| f.statements).sum();
    let summary = Summary::count(
        &findings,
        run.analysis.files.len(),
        statements,
        run.analysis.suppressed,
    );
    let report = CheckReport {
        findings: &findings,
        notes: &run.analysis.notes,
        input_errors: &run.input_errors,
        summary,
        pg_version: run.version.0,
        database: None,
        blockers: &[],
        queues: &[],
    };
    if human {
        let sources: HashMap<String, String> = run
            .files
            .iter()
            .map(|f| (f.display.clone(), f.text.clone()))
            .collect();
        let text = report::human::render(&report, &sources, false);
        assert!(!text.is_empty());
    } else {
        report::json::write_check(&mut std::io::sink(), &report).expect("write to a sink");
    }
}

fn plan(file: &Path, config: &Path, human: bool) {
    let run = run(file, config, Report::Plan);
    let (files, statements, version) = (&run.analysis.files, &run.analysis.plan, run.version.0);
    if human {
        assert!(!report::plan::human(files, statements, version).is_empty());
    } else {
        report::plan::write_json(&mut std::io::sink(), files, statements, version, None, None)
            .expect("write to a sink");
    }
}

fn graph(file: &Path, config: &Path) {
    let run = run(file, config, Report::Graph);
    assert!(!run.analysis.graph.to_json(None).is_empty());
}

type Command = (&'static str, fn(&Path, &Path));

const COMMANDS: [Command; 5] = [
    ("check json", |f, c| check(f, c, false)),
    ("check human", |f, c| check(f, c, true)),
    ("plan json", |f, c| plan(f, c, false)),
    ("plan human", |f, c| plan(f, c, true)),
    ("graph json", graph),
];

/// The most a doubling of the input may multiply the work by.
const MAX_GROWTH: f64 = 3.0;

#[test]
fn doubling_one_file_at_most_triples_the_work() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("schemaguard.toml");
    std::fs::write(&config, "").expect("write the configuration");
    // small enough for a debug build, large enough that a cost per statement that
    // grows with the statements before it shows (it tripled the time of 64 MB before)
    let sizes = [256 * 1024, 512 * 1024];
    let mut failures = Vec::new();
    println!(
        "{:<7} {:<12} {:>9} {:>9} {:>5} {:>9} {:>9} {:>5} {:>9} {:>9} {:>5}",
        "shape", "command", "allocs", "2x", "x", "MiB", "2x", "x", "peak KiB", "2x", "x"
    );
    for (shape, generate) in shapes::SHAPES {
        let files: Vec<PathBuf> = sizes
            .iter()
            .map(|&bytes| {
                let file = dir.path().join(format!("{shape}-{bytes}.sql"));
                std::fs::write(&file, generate(bytes)).expect("write the input");
                file
            })
            .collect();
        for (name, command) in COMMANDS {
            // once before counting: lazily built tables and thread pools are not work
            command(&files[0], &config);
            let small = work(|| command(&files[0], &config));
            let large = work(|| command(&files[1], &config));
            let growth: Vec<f64> = (0..3)
                .map(|i| large[i] as f64 / small[i].max(1) as f64)
                .collect();
            println!(
                "{shape:<7} {name:<12} {:>9} {:>9} {:>5.2} {:>9.1} {:>9.1} {:>5.2} {:>9} {:>9} {:>5.2}",
                small[0],
                large[0],
                growth[0],
                small[1] as f64 / 1048576.0,
                large[1] as f64 / 1048576.0,
                growth[1],
                small[2] / 1024,
                large[2] / 1024,
                growth[2]
            );
            let what = ["the allocations", "the bytes allocated", "the peak memory"];
            for (what, g) in what.iter().zip(&growth) {
                if *g > MAX_GROWTH {
                    failures.push(format!(
                        "{shape}, {name}: doubling the input multiplied {what} by {g:.2} \
                         (at most {MAX_GROWTH})"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
