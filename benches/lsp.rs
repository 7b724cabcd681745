//! `cargo bench --bench lsp`: the language server's incremental analysis, through the
//! real binary over stdio as an editor drives it, on a generated history of 2,000
//! migration files (tables created, altered, indexed and referenced by later files, so
//! the replay across files matters).
//!
//! It opens the first and the last file, then times, from sending `didChange` to
//! receiving the diagnostics it causes:
//! - (a) an edit in the last file (the target: within 50 ms), median of `EDITS`;
//! - (b) an edit in the first file (every later file is replayed, from cached parses),
//!   median of `EDITS`, printed as a ratio of a `schemaguard check` of the same folder
//!   (best of `RUNS`) timed in the same run (the target: no worse than 1.0).
//!
//! `SCHEMAGUARD_BENCH_DIR=dir` writes the history there and keeps it.

#[path = "../tests/common/lsp_wire.rs"]
mod lsp_wire;

use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const FILES: usize = 2_000;
const RUNS: usize = 3;
const EDITS: usize = 15;

/// A small deterministic generator (the history is the same on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// One migration: a new table, or a change to an earlier one (a column, an index, a
/// foreign key, a NOT NULL, a type change, a view).
fn migration(i: usize, tables: &mut Vec<(String, usize)>, rng: &mut Lcg) -> String {
    let mut sql = String::from("SET lock_timeout = '2s';\n");
    let kind = if tables.len() < 5 { 0 } else { rng.below(7) };
    let pick = |rng: &mut Lcg, n: usize| n - 1 - rng.below(n.min(50));
    match kind {
        0 | 1 => {
            let t = format!("t{i}");
            let _ = writeln!(
                sql,
                "CREATE TABLE {t} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL,\n    status varchar(32) NOT NULL DEFAULT 'new',\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX {t}_created_idx ON {t} (created_at);"
            );
            tables.push((t, 0));
        }
        2 => {
            let k = pick(rng, tables.len());
            let (t, columns) = &mut tables[k];
            *columns += 1;
            let _ = writeln!(
                sql,
                "ALTER TABLE {t} ADD COLUMN c{columns} integer DEFAULT 0;\nALTER TABLE {t} ADD CONSTRAINT {t}_c{columns}_check CHECK (c{columns} >= 0) NOT VALID;"
            );
        }
        3 => {
            let k = pick(rng, tables.len());
            let t = &tables[k].0;
            let _ = writeln!(sql, "CREATE INDEX {t}_name_{i}_idx ON {t} (name);");
        }
        4 => {
            let k = pick(rng, tables.len());
            let p = pick(rng, tables.len());
            let (t, p) = (&tables[k].0, &tables[p].0);
            let _ = writeln!(
                sql,
                "ALTER TABLE {t} ADD COLUMN ref_{i} bigint;\nALTER TABLE {t} ADD CONSTRAINT {t}_ref_{i}_fkey FOREIGN KEY (ref_{i}) REFERENCES {p} (id);"
            );
        }
        5 => {
            let k = pick(rng, tables.len());
            let t = &tables[k].0;
            let _ = writeln!(
                sql,
                "ALTER TABLE {t} ALTER COLUMN status TYPE varchar(64);\nALTER TABLE {t} ALTER COLUMN name SET NOT NULL;"
            );
        }
        _ => {
            let k = pick(rng, tables.len());
            let t = &tables[k].0;
            let _ = writeln!(
                sql,
                "CREATE OR REPLACE VIEW v{i} AS SELECT id, name FROM {t} WHERE status <> 'deleted';"
            );
        }
    }
    sql
}

fn write_history(dir: &Path) -> Vec<PathBuf> {
    let mut rng = Lcg(7);
    let mut tables = Vec::new();
    (0..FILES)
        .map(|i| {
            let path = dir.join(format!("{:05}_m.sql", i + 1));
            std::fs::write(&path, migration(i, &mut tables, &mut rng)).expect("write migration");
            path
        })
        .collect()
}

/// The server, driven over its standard input and output.
struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(bin: &str, cwd: &Path) -> Server {
        let (child, stdin, messages) = lsp_wire::spawn(bin, cwd);
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id)
    }

    fn wait_for(&mut self, what: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(300))
                .expect("the server answers");
            if what(&m) {
                return m;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        })
    }

    /// Replaces the text of `uri` and waits for its diagnostics: the time between.
    fn edit(&mut self, uri: &str, version: i64, text: &str) -> Duration {
        let started = Instant::now();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
        self.diagnostics(uri);
        started.elapsed()
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let (dir, keep) = match std::env::var_os("SCHEMAGUARD_BENCH_DIR") {
        Some(d) => (PathBuf::from(d), true),
        None => (
            std::env::temp_dir().join(format!("schemaguard-bench-lsp-{}", std::process::id())),
            false,
        ),
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the history folder");
    let dir = std::fs::canonicalize(&dir).expect("canonical folder");
    let files = write_history(&dir);
    println!("history: {FILES} files in {}", dir.display());
    let bin = env!("CARGO_BIN_EXE_schemaguard");

    // the baseline: a whole `check` of the folder, as a user runs it
    let check = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(bin)
                .args(["check", "--format", "json"])
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run schemaguard check");
            assert!(matches!(status.code(), Some(0 | 1)), "check: {status}");
            started.elapsed()
        })
        .min()
        .unwrap_or_default();

    // what one checkpoint costs: a clone of the schema after the whole history (why
    // the server keeps checkpoints before the open files only, not before every file)
    let run = schemaguard::pipeline::run(&schemaguard::pipeline::RunOptions {
        paths: vec![dir.clone()],
        cwd: dir.clone(),
        ..Default::default()
    })
    .expect("a run of the history");
    let catalog = &run.analysis.catalog;
    let cloned = Instant::now();
    let copies: Vec<_> = (0..10).map(|_| catalog.clone()).collect();
    let catalog_clone = cloned.elapsed() / 10;
    drop(copies);
    drop(run);

    let mut server = Server::start(bin, &dir);
    server.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}),
    );
    server.notify("initialized", json!({}));
    let (first, last) = (&files[0], &files[FILES - 1]);
    let texts: Vec<String> = [first, last]
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    let opened = Instant::now();
    for (path, text) in [first, last].iter().zip(&texts) {
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "sql", "version": 1, "text": text}}),
        );
        server.diagnostics(&uri(path));
    }
    let open = opened.elapsed();

    // (a) the last file: an index added and taken away again, alternately
    let last_uri = uri(last);
    let with_index = format!("{}CREATE INDEX bench_idx ON t0 (name);\n", texts[1]);
    let last_edits: Vec<Duration> = (0..EDITS)
        .map(|k| {
            let text = if k % 2 == 0 { &with_index } else { &texts[1] };
            server.edit(&last_uri, 2 + k as i64, text)
        })
        .collect();
    let last_slowest = last_edits.iter().max().copied().unwrap_or_default();
    let last_edit = median(last_edits);

    // (b) the first file: a column more or not, which every later file is replayed on
    let first_uri = uri(first);
    let with_column =
        texts[0].replace("name text NOT NULL,", "name text NOT NULL,\n    extra int,");
    assert_ne!(with_column, texts[0], "the first file creates a table");
    let first_edits: Vec<Duration> = (0..EDITS)
        .map(|k| {
            let text = if k % 2 == 0 { &with_column } else { &texts[0] };
            server.edit(&first_uri, 2 + k as i64, text)
        })
        .collect();
    let first_edit = median(first_edits);

    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();

    println!("check of the folder (best of {RUNS}):      {}", ms(check));
    println!(
        "catalog after {FILES} files: one clone {} (x{FILES} files = {})",
        ms(catalog_clone),
        ms(catalog_clone * FILES as u32)
    );
    println!("lsp: open the first and last file:        {}", ms(open));
    println!(
        "lsp: edit in the last file -> diagnostics: {} (median of {EDITS}, slowest {}; target 50 ms)",
        ms(last_edit),
        ms(last_slowest)
    );
    println!(
        "lsp: edit in the first file -> diagnostics: {} (median of {EDITS}), {:.2}x check (target <= 1.0)",
        ms(first_edit),
        first_edit.as_secs_f64() / check.as_secs_f64()
    );
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
