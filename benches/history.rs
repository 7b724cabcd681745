//! `cargo bench --bench history`: the whole binary over a generated history of 10,000
//! migration files (about 50,000 statements, a realistic mix that keeps altering tables
//! created by earlier files, so the cross-file replay matters). Prints statements/s for
//! `check`, `plan` and `fix` (without `--verify`; its time as a ratio of check's) and each
//! run's peak RSS; when `squawk` (PyPI `squawk-cli`) is
//! installed, runs it on the same files in the same run and prints the ratio.
//!
//! Every program is timed as a user runs it: a process over the files, output to
//! `/dev/null` in a machine format (`--format json` / `--reporter json`), best of
//! `RUNS`. `SQUAWK=/path/to/squawk` picks the squawk binary (default: `squawk` on PATH; a
//! pyenv shim is looked through to the program it starts, see `unwrapped`);
//! `SCHEMAGUARD_BENCH_DIR=dir` writes the history there and keeps it (for profiling).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 10_000;
const RUNS: usize = 3;

/// A small deterministic generator (the history is the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the history has built so far, so that later files use earlier objects.
#[derive(Default)]
struct Schema {
    tables: Vec<Table>,
    enums: Vec<(String, usize)>,
    views: usize,
    functions: usize,
}

struct Table {
    name: String,
    columns: Vec<String>,
    next_column: usize,
}

impl Schema {
    fn pick(&self, rng: &mut Lcg) -> usize {
        // recent tables are changed more often than old ones, as in real histories
        let n = self.tables.len();
        if rng.below(3) == 0 {
            rng.below(n)
        } else {
            n - 1 - rng.below(n.min(40))
        }
    }
}

/// One migration file: its name and text; `statements` counts its SQL statements.
fn migration(i: usize, schema: &mut Schema, rng: &mut Lcg) -> (String, String, usize) {
    let mut sql = String::new();
    let mut n = 0;
    let mut push = |sql: &mut String, s: String| {
        sql.push_str(&s);
        sql.push('\n');
        n += 1;
    };
    push(&mut sql, "SET statement_timeout = '5min';".to_string());
    let kind = if schema.tables.len() < 5 {
        0
    } else {
        rng.below(14)
    };
    let name;
    match kind {
        0 | 1 => {
            let t = format!("t{i}");
            name = format!("create_{t}");
            let _ = writeln!(sql, "-- {t}: a new table with its keys and indexes");
            push(
                &mut sql,
                format!(
                    "CREATE TABLE {t} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL,\n    status varchar(32) NOT NULL DEFAULT 'new',\n    payload jsonb,\n    created_at timestamptz NOT NULL DEFAULT now()\n);"
                ),
            );
            push(
                &mut sql,
                format!("CREATE INDEX {t}_created_idx ON {t} (created_at);"),
            );
            let mut columns = vec!["name".to_string(), "status".to_string()];
            if let Some(parent) = (!schema.tables.is_empty()).then(|| schema.pick(rng)) {
                let p = schema.tables[parent].name.clone();
                push(
                    &mut sql,
                    format!("ALTER TABLE {t} ADD COLUMN {p}_id bigint REFERENCES {p} (id);"),
                );
                push(
                    &mut sql,
                    format!("CREATE INDEX {t}_{p}_id_idx ON {t} ({p}_id);"),
                );
                columns.push(format!("{p}_id"));
            }
            push(
                &mut sql,
                format!("COMMENT ON TABLE {t} IS 'generated table {i}';"),
            );
            push(
                &mut sql,
                format!("COMMENT ON COLUMN {t}.status IS 'new, active or deleted';"),
            );
            push(
                &mut sql,
                format!("GRANT SELECT, INSERT, UPDATE ON {t} TO PUBLIC;"),
            );
            schema.tables.push(Table {
                name: t,
                columns,
                next_column: 0,
            });
        }
        2 | 3 => {
            let k = schema.pick(rng);
            let t = &mut schema.tables[k];
            t.next_column += 1;
            let c = format!("c{}", t.next_column);
            let tn = t.name.clone();
            name = format!("add_{tn}_{c}");
            push(&mut sql, "SET lock_timeout = '2s';".to_string());
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ADD COLUMN {c} integer;"),
            );
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ALTER COLUMN {c} SET DEFAULT 0;"),
            );
            push(
                &mut sql,
                format!("UPDATE {tn} SET {c} = 0 WHERE {c} IS NULL AND id < 10000;"),
            );
            push(
                &mut sql,
                format!(
                    "ALTER TABLE {tn} ADD CONSTRAINT {tn}_{c}_not_null CHECK ({c} IS NOT NULL) NOT VALID;"
                ),
            );
            t.columns.push(c);
        }
        4 => {
            let k = schema.pick(rng);
            let t = &schema.tables[k];
            let c = &t.columns[rng.below(t.columns.len())];
            let tn = &t.name;
            name = format!("index_{tn}_{c}");
            let _ = writeln!(sql, "-- schemaguard:no-transaction");
            push(&mut sql, "SET lock_timeout = '2s';".to_string());
            push(
                &mut sql,
                format!("CREATE INDEX CONCURRENTLY IF NOT EXISTS {tn}_{c}_{i}_idx ON {tn} ({c});"),
            );
            push(
                &mut sql,
                format!("DROP INDEX CONCURRENTLY IF EXISTS {tn}_{c}_old_idx;"),
            );
            push(&mut sql, format!("ANALYZE {tn};"));
        }
        5 => {
            let k = schema.pick(rng);
            let p = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            let pn = schema.tables[p].name.clone();
            name = format!("fk_{tn}_{pn}");
            let _ = writeln!(sql, "-- schemaguard:no-transaction");
            push(&mut sql, "SET lock_timeout = '2s';".to_string());
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ADD COLUMN ref_{i} bigint;"),
            );
            push(
                &mut sql,
                format!(
                    "ALTER TABLE {tn} ADD CONSTRAINT {tn}_ref_{i}_fkey FOREIGN KEY (ref_{i}) REFERENCES {pn} (id) NOT VALID;"
                ),
            );
            push(
                &mut sql,
                format!("ALTER TABLE {tn} VALIDATE CONSTRAINT {tn}_ref_{i}_fkey;"),
            );
            schema.tables[k].columns.push(format!("ref_{i}"));
        }
        6 => {
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            schema.views += 1;
            let v = format!("v{}", schema.views);
            name = format!("view_{v}");
            push(
                &mut sql,
                format!(
                    "CREATE OR REPLACE VIEW {v} AS\n    SELECT id, name, status, created_at\n    FROM {tn}\n    WHERE status <> 'deleted' AND created_at > now() - interval '30 days';"
                ),
            );
            push(&mut sql, format!("GRANT SELECT ON {v} TO PUBLIC;"));
            push(
                &mut sql,
                format!("COMMENT ON VIEW {v} IS 'recent rows of {tn}';"),
            );
        }
        7 => {
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            schema.functions += 1;
            let f = format!("touch_{}", schema.functions);
            name = format!("trigger_{tn}");
            push(
                &mut sql,
                format!(
                    "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n    NEW.created_at := coalesce(NEW.created_at, now());\n    RETURN NEW;\nEND;\n$$;"
                ),
            );
            push(
                &mut sql,
                format!("DROP TRIGGER IF EXISTS {tn}_{f} ON {tn};"),
            );
            push(
                &mut sql,
                format!(
                    "CREATE TRIGGER {tn}_{f} BEFORE INSERT ON {tn}\n    FOR EACH ROW EXECUTE FUNCTION {f}();"
                ),
            );
        }
        8 => {
            let e = format!("e{i}");
            name = format!("enum_{e}");
            push(
                &mut sql,
                format!("CREATE TYPE {e} AS ENUM ('a', 'b', 'c');"),
            );
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ADD COLUMN kind_{i} {e};"),
            );
            schema.tables[k].columns.push(format!("kind_{i}"));
            push(&mut sql, format!("COMMENT ON TYPE {e} IS 'kinds';"));
            schema.enums.push((e, 3));
        }
        9 if !schema.enums.is_empty() => {
            let j = rng.below(schema.enums.len());
            let (e, values) = &mut schema.enums[j];
            *values += 1;
            name = format!("enum_{e}_value");
            let _ = writeln!(sql, "-- schemaguard:no-transaction");
            push(
                &mut sql,
                format!("ALTER TYPE {e} ADD VALUE IF NOT EXISTS 'v{values}';"),
            );
        }
        10 => {
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            name = format!("seed_{tn}");
            for r in 0..4 {
                push(
                    &mut sql,
                    format!(
                        "INSERT INTO {tn} (name, status) VALUES ('seed {i} {r}', 'new'), ('seed {i} {r}b', 'new');"
                    ),
                );
            }
            push(
                &mut sql,
                format!("UPDATE {tn} SET status = 'active' WHERE name LIKE 'seed {i}%';"),
            );
        }
        11 => {
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            name = format!("widen_{tn}");
            push(&mut sql, "SET lock_timeout = '2s';".to_string());
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ALTER COLUMN status TYPE varchar(64);"),
            );
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ALTER COLUMN name SET STATISTICS 500;"),
            );
            push(
                &mut sql,
                format!("ALTER TABLE {tn} ALTER COLUMN name SET NOT NULL;"),
            );
        }
        12 => {
            let k = schema.pick(rng);
            let tn = schema.tables[k].name.clone();
            name = format!("do_{tn}");
            push(&mut sql, "SET lock_timeout = '2s';".to_string());
            push(
                &mut sql,
                format!(
                    "DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = '{tn}_name_idx') THEN\n        CREATE INDEX {tn}_name_idx ON {tn} (name);\n    END IF;\nEND\n$$;"
                ),
            );
        }
        _ => {
            let k = schema.pick(rng);
            let t = &mut schema.tables[k];
            let tn = t.name.clone();
            name = format!("cleanup_{tn}");
            if t.columns.len() > 3 {
                let c = t.columns.remove(t.columns.len() - 1);
                push(
                    &mut sql,
                    format!("ALTER TABLE {tn} DROP COLUMN IF EXISTS {c};"),
                );
            }
            push(
                &mut sql,
                format!("ALTER TABLE {tn} RENAME COLUMN status TO status_{i};"),
            );
            push(
                &mut sql,
                format!("ALTER TABLE {tn} RENAME COLUMN status_{i} TO status;"),
            );
            push(&mut sql, format!("ANALYZE {tn};"));
        }
    }
    (format!("{:06}_{name}.sql", i + 1), sql, n)
}

/// Writes the history into `dir`; returns the number of statements.
fn write_history(dir: &Path) -> usize {
    let mut rng = Lcg(42);
    let mut schema = Schema::default();
    let mut statements = 0;
    for i in 0..FILES {
        let (name, sql, n) = migration(i, &mut schema, &mut rng);
        statements += n;
        std::fs::write(dir.join(name), sql).expect("write migration");
    }
    statements
}

struct Measured {
    wall: Duration,
    /// User + system CPU time (all threads): steadier than wall time on a busy machine.
    cpu: Option<Duration>,
    peak_rss_kib: Option<u64>,
    code: i32,
}

/// Runs `cmd` once with stdout and stderr to `/dev/null`, measuring its wall time and
/// peak resident set (`wait4`'s `ru_maxrss`, for this child alone).
// the child is reaped by wait4 (which std's Child::wait cannot report usage for)
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Measured {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let child = cmd.spawn().expect("start the program");
    #[cfg(unix)]
    {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 fills it for this child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: the pid is our own child, not yet waited for; both pointers are valid.
        let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
        let wall = started.elapsed();
        assert!(pid > 0, "wait4 failed");
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        // ru_maxrss is in KiB on Linux
        Measured {
            wall,
            cpu: Some(time(usage.ru_utime) + time(usage.ru_stime)),
            peak_rss_kib: Some(usage.ru_maxrss as u64),
            code,
        }
    }
    #[cfg(not(unix))]
    {
        let mut child = child;
        let status = child.wait().expect("wait");
        Measured {
            wall: started.elapsed(),
            cpu: None,
            peak_rss_kib: None,
            code: status.code().unwrap_or(-1),
        }
    }
}

/// Best wall and CPU times of `RUNS` runs, and the largest peak RSS seen.
fn best(mut make: impl FnMut() -> Command, ok: &[i32]) -> Measured {
    let mut best: Option<Measured> = None;
    let mut peak = None;
    let mut cpu: Option<Duration> = None;
    for _ in 0..RUNS {
        let m = measure(&mut make());
        assert!(ok.contains(&m.code), "exit code {}", m.code);
        peak = peak.max(m.peak_rss_kib);
        cpu = match (cpu, m.cpu) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if best.as_ref().is_none_or(|b| m.wall < b.wall) {
            best = Some(m);
        }
    }
    let mut best = best.expect("at least one run");
    best.peak_rss_kib = peak;
    best.cpu = cpu;
    best
}

fn rss(m: &Measured) -> String {
    match m.peak_rss_kib {
        Some(kib) => format!("peak RSS {:>6.1} MiB", kib as f64 / 1024.0),
        None => "peak RSS unknown".to_string(),
    }
}

/// Prints one program's figures; returns statements per second of wall time and of CPU
/// time.
fn report(label: &str, statements: usize, m: &Measured) -> (f64, Option<f64>) {
    let per_sec = statements as f64 / m.wall.as_secs_f64();
    let per_cpu_sec = m.cpu.map(|c| statements as f64 / c.as_secs_f64());
    let cpu = match (m.cpu, per_cpu_sec) {
        (Some(c), Some(r)) => format!(
            "cpu {:>7.1} ms {:>8.0} statements/cpu-s",
            c.as_secs_f64() * 1e3,
            r
        ),
        _ => "cpu unknown".to_string(),
    };
    println!(
        "{label:<18} wall {:>7.1} ms {:>8.0} statements/s  {cpu}  {}",
        m.wall.as_secs_f64() * 1e3,
        per_sec,
        rss(m)
    );
    (per_sec, per_cpu_sec)
}

/// The squawk binary, if one runs.
fn squawk() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("SQUAWK").unwrap_or_else(|| "squawk".into()));
    let out = Command::new(&path).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    print!("squawk: {}", String::from_utf8_lossy(&out.stdout));
    Some(match unwrapped(&path) {
        Some(real) => {
            println!(
                "squawk: {} is a script that starts it; timing the program itself, {}",
                path.display(),
                real.display()
            );
            real
        }
        None => path,
    })
}

/// The program behind a version manager's shim (pyenv's `squawk` is a shell script that
/// runs `pyenv exec`, about 100 ms a start on a small VM): timing the shim would charge
/// squawk for pyenv, not for its work.
fn unwrapped(path: &Path) -> Option<PathBuf> {
    let on_path = if path.components().count() > 1 {
        path.to_path_buf()
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(path))
            .find(|p| p.is_file())?
    };
    if !starts_with(&on_path, b"#!") {
        return None;
    }
    let name = on_path.file_name()?;
    let out = Command::new("pyenv").arg("which").arg(name).output().ok()?;
    let real = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && starts_with(&real, b"\x7fELF")).then_some(real)
}

fn starts_with(path: &Path, prefix: &[u8]) -> bool {
    use std::io::Read as _;
    let mut head = vec![0; prefix.len()];
    std::fs::File::open(path).is_ok_and(|mut f| f.read_exact(&mut head).is_ok()) && head == prefix
}

fn main() {
    let (dir, keep) = match std::env::var_os("SCHEMAGUARD_BENCH_DIR") {
        Some(d) => (PathBuf::from(d), true),
        None => (
            std::env::temp_dir().join(format!("schemaguard-bench-history-{}", std::process::id())),
            false,
        ),
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the history folder");
    let statements = write_history(&dir);
    let bytes: u64 = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "history: {FILES} files, {statements} statements, {:.1} MiB in {}",
        bytes as f64 / (1 << 20) as f64,
        dir.display()
    );

    let bin = env!("CARGO_BIN_EXE_schemaguard");
    // its own count, so the figures are checked against what it really analysed
    let out = Command::new(bin)
        .args(["check", "--format", "json"])
        .arg(&dir)
        .output()
        .expect("run schemaguard");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    let summary = &doc["summary"];
    assert_eq!(summary["files"].as_u64(), Some(FILES as u64), "{summary}");
    assert_eq!(
        summary["statements"].as_u64(),
        Some(statements as u64),
        "{summary}"
    );
    println!(
        "schemaguard found {} errors, {} warnings, {} hints",
        summary["errors"], summary["warnings"], summary["hints"]
    );

    // start-up: one small file, best of 20 (the process, its threads, the rules)
    let one = dir.join("000001_create_t0.sql");
    let startup = (0..20)
        .map(|_| {
            measure(
                Command::new(bin)
                    .args(["check", "--format", "json"])
                    .arg(&one),
            )
            .wall
        })
        .min()
        .unwrap_or_default();
    println!(
        "startup: check on one small file {:.1} ms ({} the 20 ms budget)",
        startup.as_secs_f64() * 1e3,
        if startup.as_millis() < 20 {
            "under"
        } else {
            "OVER"
        }
    );

    let check = best(
        || {
            let mut c = Command::new(bin);
            c.args(["check", "--format", "json"]).arg(&dir);
            c
        },
        &[0, 1],
    );
    let plan = best(
        || {
            let mut c = Command::new(bin);
            c.args(["plan", "--format", "json"]).arg(&dir);
            c
        },
        &[0],
    );
    // `fix` without --verify: check's analysis plus the edits, shown (not written)
    let fix = best(
        || {
            let mut c = Command::new(bin);
            c.args(["fix", "--format", "json"]).arg(&dir);
            c
        },
        &[0],
    );
    println!(
        "best of {RUNS} runs, output to /dev/null ({} cpus):",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let check_rate = report("schemaguard check", statements, &check);
    let plan_rate = report("schemaguard plan", statements, &plan);
    let fix_rate = report("schemaguard fix", statements, &fix);
    println!(
        "ratio (wall): fix {:.2}x check's time (goal: as fast as check, about 1x)",
        check_rate.0 / fix_rate.0
    );
    if let Some(kib) = check
        .peak_rss_kib
        .max(plan.peak_rss_kib)
        .max(fix.peak_rss_kib)
    {
        let mib = kib as f64 / 1024.0;
        println!(
            "peak RSS: {mib:.1} MiB ({} the 200 MiB budget)",
            if mib < 200.0 { "under" } else { "OVER" }
        );
    }

    match squawk() {
        None => println!("squawk not installed: no ratio"),
        Some(squawk) => {
            // squawk expands the pattern itself (10,000 arguments would work too)
            let pattern = dir.join("*.sql");
            let sq = best(
                || {
                    let mut c = Command::new(&squawk);
                    c.args(["--reporter", "json"]).arg(&pattern);
                    c
                },
                &[0, 1],
            );
            let squawk_rate = report("squawk", statements, &sq);
            println!(
                "ratio (wall): check {:.2}x squawk's throughput, plan {:.2}x (goal: at least 3x)",
                check_rate.0 / squawk_rate.0,
                plan_rate.0 / squawk_rate.0
            );
            if let (Some(c), Some(p), Some(s)) = (check_rate.1, plan_rate.1, squawk_rate.1) {
                println!(
                    "ratio (cpu):  check {:.2}x squawk's statements per cpu-second, plan {:.2}x",
                    c / s,
                    p / s
                );
            }
        }
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
