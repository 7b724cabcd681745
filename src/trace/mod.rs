//! `schemaguard trace`: runs the migrations on a real PostgreSQL and reports, per
//! statement, the locks it took and the relations it rewrote, beside what `effects`
//! predicted for that server's version, flagging every disagreement.
//!
//! - Where: a throwaway server ([`crate::server::TempServer`]: temp directory, unix
//!   socket only, removed on exit however we exit), optionally loaded first with the
//!   schema of a live database or a dump ([`schema`]); or a database the user names
//!   with `--database-url` and `--allow-on-database`, where everything runs inside one
//!   transaction that is always rolled back, with a short `lock_timeout`.
//! - How: the same pipeline as `plan` (same files, order, splitter and transaction
//!   modes) predicts; `execute` runs each file as its framework would (one
//!   transaction, or statement by statement, honouring the file's own BEGIN/COMMIT),
//!   each statement through [`observe::Observer`]; [`compare`] lines up observed and
//!   predicted; [`report`] renders.
//!
//! Invariant: on a user's database nothing is ever committed: transaction control in
//! the files is not run, statements that cannot run inside a transaction block are
//! not run (their file is reported as not traced), and the session ends with ROLLBACK
//! (or a dropped connection, which the server rolls back).

pub mod cli;
pub mod compare;
pub mod error;
pub mod observe;
pub mod report;
pub mod schema;

use crate::analysis::{PlannedStatement, TransactionMode};
use crate::effects::PgVersion;
use crate::live::{self, ConnectOptions};
use crate::ops::Operation;
use crate::parse::Statement;
use crate::pipeline::{self, Run, RunOptions};
use crate::server::{ServerOptions, TempServer};
use compare::Disagreement;
pub use error::{HookError, TraceError};
use observe::{Control, Observed, Observer, Payload};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the migrations run.
#[derive(Clone, Debug)]
pub enum Target {
    /// A throwaway local server.
    Throwaway {
        /// The directory of `initdb` and `postgres` (else found).
        bin_dir: Option<PathBuf>,
        /// A major version whose binaries to look for (`/usr/lib/postgresql/N/bin`, ...).
        major: Option<u32>,
        /// When root: the unprivileged account the server runs as.
        run_as: Option<String>,
        /// Load this schema first: a connection URL (read with `pg_dump --schema-only`)
        /// or a dump file (plain SQL, or pg_dump's custom format).
        schema_from: Option<String>,
    },
    /// A database the user named (and allowed).
    Database {
        url: String,
        lock_timeout: Duration,
        statement_timeout: Duration,
    },
}

#[derive(Clone, Debug)]
pub struct TraceOptions {
    /// Paths, configuration, stdin name, working directory (`pg_version` and
    /// `initial_catalog` are set by the trace from the server).
    pub run: RunOptions,
    pub target: Target,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

/// The server the trace ran on.
#[derive(Clone, Debug, Serialize)]
pub struct ServerInfo {
    /// `server_version`, e.g. `15.14 (Debian 15.14-0+deb12u1)`.
    pub version: String,
    pub version_num: u32,
    /// `throwaway` or `database`.
    pub kind: &'static str,
    /// The redacted URL for a database; the socket directory for a throwaway server.
    pub target: String,
    /// `--schema-from`, redacted.
    pub schema_from: Option<String>,
}

/// How a statement was run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Execution {
    /// Inside a transaction block; locks read before it ended.
    Transaction,
    /// On its own, wrapped in a transaction of ours to read its locks (it runs the same
    /// way in an implicit transaction).
    Autocommit,
    /// Outside any transaction block (CONCURRENTLY, VACUUM, ...): locks as documented,
    /// storage changes observed.
    Outside,
    /// BEGIN, COMMIT, SAVEPOINT, ...: run, nothing to observe.
    TransactionControl,
    /// Not run (on a user's database: transaction control, or its file was not traced).
    NotRun,
}

/// One statement of the timeline.
#[derive(Clone, Debug, Serialize)]
pub struct TracedStatement {
    pub index: usize,
    pub line: u32,
    pub end_line: u32,
    pub kind: String,
    pub sql: String,
    pub execution: Execution,
    pub observed: Observed,
    /// What `effects` predicted, and how it compares (empty for transaction control).
    pub comparison: compare::Comparison,
    /// Why it was not run, or a remark on how it ran.
    pub note: Option<String>,
}

/// One file of the timeline.
#[derive(Clone, Debug, Serialize)]
pub struct TracedFile {
    pub file: String,
    pub mode: TransactionMode,
    /// `Some(why)` when the file was not run at all (or undone and left out).
    pub not_traced: Option<String>,
    pub statements: Vec<TracedStatement>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub statements: usize,
    /// Statements whose locks were read.
    pub observed: usize,
    /// Statements run outside a transaction (locks as documented).
    pub outside: usize,
    pub failed: usize,
    pub not_run: usize,
    /// Sum of the statements' own round trips.
    #[serde(serialize_with = "secs", rename = "statement_time_s")]
    pub statement_time: Duration,
    /// Our own round trips after each statement, reading `pg_locks`.
    #[serde(serialize_with = "secs", rename = "observation_time_s")]
    pub observation_time: Duration,
    /// The whole trace: server start-up excluded, predictions and observation included.
    #[serde(serialize_with = "secs", rename = "trace_time_s")]
    pub trace_time: Duration,
    /// Starting (initdb) and stopping the throwaway server, loading `--schema-from`.
    #[serde(serialize_with = "secs", rename = "setup_time_s")]
    pub setup_time: Duration,
}

impl Stats {
    /// Time per executed statement beyond the statements' own execution.
    pub fn overhead_per_statement(&self) -> Duration {
        let run = self.statements.saturating_sub(self.not_run).max(1);
        self.trace_time.saturating_sub(self.statement_time) / u32::try_from(run).unwrap_or(u32::MAX)
    }

    /// Of that, our round trip reading `pg_locks` after each statement.
    pub fn observation_per_statement(&self) -> Duration {
        let run = self.statements.saturating_sub(self.not_run).max(1);
        self.observation_time / u32::try_from(run).unwrap_or(u32::MAX)
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// A whole trace.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub server: ServerInfo,
    /// The version `effects` predicted for (the server's major version).
    pub pg_version: PgVersion,
    pub files: Vec<TracedFile>,
    pub disagreements: Vec<Disagreement>,
    /// Things to know that are not disagreements (a version outside what schemaguard
    /// knows, a file left out, ...).
    pub notes: Vec<String>,
    /// Files that could not be read: `(file, message)`.
    pub input_errors: Vec<(String, String)>,
    pub stats: Stats,
}

/// Runs a trace. `Err` is a usage, connection or server problem (exit 2).
pub fn run(opts: &TraceOptions) -> Result<Trace, TraceError> {
    match &opts.target {
        Target::Throwaway {
            bin_dir,
            major,
            run_as,
            schema_from,
        } => {
            let setup_started = Instant::now();
            let bin_dir = match (bin_dir, major) {
                (Some(dir), _) => Some(dir.clone()),
                (None, Some(n)) => Some(schema::bin_dir_for_major(*n)?),
                (None, None) => None,
            };
            let server_opts = ServerOptions {
                bin_dir,
                run_as: run_as.clone(),
                settings: vec![
                    ("TimeZone".into(), "UTC".into()),
                    ("autovacuum".into(), "off".into()),
                    // 10 and 11 count max_wal_senders (10) against it
                    ("max_connections".into(), "20".into()),
                    // a long history file in one transaction holds many locks
                    ("max_locks_per_transaction".into(), "1024".into()),
                ],
                ..ServerOptions::default()
            };
            let setup = setup_started.elapsed();
            let first = throwaway_pass(opts, &server_opts, schema_from.as_deref(), setup)?;
            // the replay must not keep what the server refused: a second run, on a
            // fresh server (roles and tablespaces belong to the cluster), with the
            // refused statements known before they are planned
            let refused = refused_statements(&first);
            if refused.is_empty() {
                return Ok(first);
            }
            let mut again = opts.clone();
            again.run.refused_by_server = refused;
            let mut second =
                throwaway_pass(&again, &server_opts, schema_from.as_deref(), Duration::ZERO)?;
            second.stats.setup_time += first.stats.setup_time + first.stats.trace_time;
            if refused_statements(&second) != again.run.refused_by_server {
                second.notes.push(
                    "the server refused other statements on the second run than on the first: predictions after them may assume a schema the server does not have".into(),
                );
            }
            Ok(second)
        }
        Target::Database {
            url,
            lock_timeout,
            statement_timeout,
        } => {
            let conn = ConnectOptions::from_env_and_url(Some(url))?
                .with_lock_timeout(*lock_timeout)
                .with_statement_timeout(*statement_timeout);
            for w in &conn.warnings {
                eprintln!("warning: {w}");
            }
            let mut client = live::open(&conn)?;
            let row = client
                .query_one(
                    "SELECT current_setting('server_version_num')::int4, current_setting('server_version')",
                    &[],
                )
                .map_err(TraceError::ServerVersion)?;
            let info = ServerInfo {
                version: row.get(1),
                version_num: u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
                kind: "database",
                target: conn.to_string(),
                schema_from: None,
            };
            let guard = format!(
                "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL idle_in_transaction_session_timeout = '{}ms'",
                lock_timeout.as_millis().max(1),
                statement_timeout.as_millis(),
                statement_timeout.as_millis().max(60_000)
            );
            // the run reads the schema as it is (read-only) for the predictions, and the
            // history table: migrations it lists as applied are not run again
            let mut traced_opts = opts.clone();
            traced_opts.run.database = Some(conn.clone());
            let result = trace_on(
                &mut client,
                info,
                &traced_opts,
                None,
                Mode::Database { guard },
                None,
            );
            // whatever happened: nothing stays (a closed connection rolls back too)
            let _ = client.batch_execute("ROLLBACK");
            result
        }
    }
}

/// One run on a new throwaway server: started, loaded with `schema_from`, traced,
/// stopped. `setup` is the time spent before it.
fn throwaway_pass(
    opts: &TraceOptions,
    server_opts: &ServerOptions,
    schema_from: Option<&str>,
    setup: Duration,
) -> Result<Trace, TraceError> {
    let setup_started = Instant::now();
    let server = TempServer::start(server_opts)?;
    let mut initial_catalog = None;
    let mut shown_schema = None;
    let mut load_notes = Vec::new();
    if let Some(source) = schema_from {
        load_notes = schema::load(&server, source)?;
        initial_catalog = Some(introspect_socket(&server)?);
        shown_schema = Some(live::redact(source));
    }
    let mut client = server.connect()?;
    let info = ServerInfo {
        version: server.version().to_string(),
        version_num: server.version_num(),
        kind: "throwaway",
        target: server.socket_dir().display().to_string(),
        schema_from: shown_schema,
    };
    let setup = setup + setup_started.elapsed();
    let mut trace = trace_on(
        &mut client,
        info,
        opts,
        initial_catalog,
        Mode::Throwaway,
        None,
    )?;
    trace.notes.extend(load_notes);
    drop(client);
    let stop_started = Instant::now();
    let stopped = server.stop();
    trace.stats.setup_time = setup + stop_started.elapsed();
    if let Err(e) = stopped {
        trace.notes.push(e.to_string());
    }
    Ok(trace)
}

/// The statements the server refused, as `(file, statement index)`.
fn refused_statements(trace: &Trace) -> std::collections::BTreeMap<(String, usize), String> {
    trace
        .files
        .iter()
        .flat_map(|f| {
            f.statements.iter().filter_map(|s| {
                let e = s.observed.error.as_ref()?;
                Some(((f.file.clone(), s.index), e.sqlstate.clone()))
            })
        })
        .collect()
}

/// Traces on a session the caller owns, as on a throwaway server: files run as their
/// frameworks run them and are **committed**. For a scratch database (tests, and
/// catalogues of statements); `server` describes it in the report.
pub fn run_on_session(
    client: &mut postgres::Client,
    server: ServerInfo,
    opts: &TraceOptions,
) -> Result<Trace, TraceError> {
    trace_on(client, server, opts, None, Mode::Throwaway, None)
}

/// Where the history is when [`run_on_session_with`] calls its hook: just before one
/// statement runs, in the transaction state the statement will run in.
pub struct Point<'a> {
    /// The file as the run displays it (the `file` of its findings).
    pub file: &'a str,
    pub statement: &'a Statement,
    /// A transaction block is open (the framework's or the file's own); it may be
    /// aborted by an earlier failure.
    pub in_transaction: bool,
    /// The file has run to its end (`statement` is its last): the framework has not
    /// committed yet.
    pub end_of_file: bool,
}

/// What a hook of [`run_on_session_with`] gets: the session and where the history is.
pub type BeforeStatement<'h> =
    &'h mut dyn FnMut(&mut postgres::Client, &Point<'_>) -> Result<(), HookError>;

/// As [`run_on_session`], calling `before` just before each statement that is not
/// transaction control runs (after the framework's transaction is opened for it), and
/// once more at the end of each file (`end_of_file`, with its last statement). The hook must leave the session as it found it (e.g.
/// work inside a savepoint it rolls back to, or a transaction it rolls back when none was
/// open): the trace goes on after it.
pub fn run_on_session_with(
    client: &mut postgres::Client,
    server: ServerInfo,
    opts: &TraceOptions,
    before: BeforeStatement<'_>,
) -> Result<Trace, TraceError> {
    trace_on(client, server, opts, None, Mode::Throwaway, Some(before))
}

fn introspect_socket(server: &TempServer) -> Result<crate::catalog::Catalog, TraceError> {
    let opts = ConnectOptions::socket(
        server.socket_dir(),
        server.port(),
        crate::server::SUPERUSER,
        "postgres",
    );
    let mut session = live::connect(&opts)?;
    let got = live::introspect::introspect(&mut session)?;
    Ok(got.catalog)
}

#[derive(Clone, Debug)]
enum Mode {
    /// Files run as their frameworks run them, committed.
    Throwaway,
    /// One transaction, rolled back; `guard` re-applies our timeouts after every statement.
    Database { guard: String },
}

impl Mode {
    fn is_database(&self) -> bool {
        matches!(self, Mode::Database { .. })
    }
}

/// The major version `effects` should predict for, and a note when the server's is
/// outside what schemaguard knows.
fn prediction_version(version_num: u32) -> (PgVersion, Option<String>) {
    let major = version_num / 10000;
    let range = PgVersion::SUPPORTED;
    if range.contains(&major) {
        (PgVersion(major), None)
    } else {
        let clamped = major.clamp(*range.start(), *range.end());
        (
            PgVersion(clamped),
            Some(format!(
                "the server is PostgreSQL {major}, which schemaguard does not know: predictions are for PostgreSQL {clamped}"
            )),
        )
    }
}

fn trace_on(
    client: &mut postgres::Client,
    server: ServerInfo,
    opts: &TraceOptions,
    initial_catalog: Option<crate::catalog::Catalog>,
    mode: Mode,
    before: Option<BeforeStatement<'_>>,
) -> Result<Trace, TraceError> {
    let started = Instant::now();
    let (version, version_note) = prediction_version(server.version_num);
    let mut run_opts = opts.run.clone();
    run_opts.pg_version = Some(version.0);
    run_opts.initial_catalog = initial_catalog;
    // trace compares the plan with the server and runs the parsed statements: no rules
    run_opts.report = pipeline::Report::Plan;
    run_opts.keep_parsed = true;
    run_opts.plan_effects = true;
    let run = pipeline::run(&run_opts)?;
    let mut trace = Trace {
        server,
        pg_version: version,
        files: Vec::new(),
        disagreements: Vec::new(),
        notes: version_note.into_iter().collect(),
        input_errors: run.input_errors.clone(),
        stats: Stats::default(),
    };
    let total: usize = run.parsed.iter().map(|p| p.statements.len()).sum();
    let progress = if opts.progress {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} tracing {bar:30} {pos}/{len} statements  {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut exec = Executor::new(client, &run, mode, &progress)?;
    if let Some(hook) = before {
        // a shorter borrow of the hook, for the executor's lifetime
        let hook: BeforeStatement<'_> = &mut *hook;
        exec.before = Some(hook);
    }
    exec.start()?;
    for i in 0..run.files.len() {
        let file = exec.file(i)?;
        trace.files.push(file);
    }
    exec.finish()?;
    progress.finish_and_clear();
    let mut applied = 0;
    for f in &trace.files {
        trace.stats.files += 1;
        match f.not_traced.as_deref() {
            Some(APPLIED) => applied += 1,
            Some(why) => trace.notes.push(format!("{}: not traced: {why}", f.file)),
            None => {}
        }
        for s in &f.statements {
            trace.stats.statements += 1;
            match s.execution {
                Execution::NotRun => trace.stats.not_run += 1,
                Execution::Outside => trace.stats.outside += 1,
                Execution::Transaction | Execution::Autocommit => trace.stats.observed += 1,
                Execution::TransactionControl => {}
            }
            if s.observed.error.is_some() {
                trace.stats.failed += 1;
            }
            trace.stats.statement_time += s.observed.duration;
            trace.stats.observation_time += s.observed.observation;
            for d in &s.comparison.disagreements {
                trace.disagreements.push(d.clone());
            }
        }
    }
    if let Some(live) = &run.live {
        trace.notes.push(match &live.history_table {
            Some(table) => format!(
                "{applied} of {} migration(s) not run: {table} lists them as applied",
                run.files.len()
            ),
            None => format!(
                "no migration history table found (looked for {}): every migration was run",
                live::history::tables_looked_for()
            ),
        });
    }
    trace.stats.trace_time = started.elapsed();
    Ok(trace)
}

/// Runs the files one after another on one session.
struct Executor<'a> {
    client: &'a mut postgres::Client,
    run: &'a Run,
    mode: Mode,
    observer: Observer,
    /// Planned statements by (file index, statement index).
    plan: HashMap<(usize, usize), &'a PlannedStatement>,
    /// The transaction we opened for the framework, by the plan's transaction id.
    framework_tx: Option<u64>,
    progress: &'a indicatif::ProgressBar,
    /// Called before each statement (see [`run_on_session_with`]).
    before: Option<BeforeStatement<'a>>,
}

const FILE_SAVEPOINT: &str = "schemaguard_trace_file";

/// Why a file the database's history table lists is not run.
const APPLIED: &str = "already applied to the database (its history table lists it)";

impl<'a> Executor<'a> {
    fn new(
        client: &'a mut postgres::Client,
        run: &'a Run,
        mode: Mode,
        progress: &'a indicatif::ProgressBar,
    ) -> Result<Executor<'a>, TraceError> {
        let index: HashMap<&str, usize> = run
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.display.as_str(), i))
            .collect();
        let plan = run
            .analysis
            .plan
            .iter()
            .filter_map(|p| index.get(p.file.as_str()).map(|i| ((*i, p.index), p)))
            .collect();
        let observer = Observer::new(client)?;
        Ok(Executor {
            client,
            run,
            mode,
            observer,
            plan,
            framework_tx: None,
            progress,
            before: None,
        })
    }

    fn start(&mut self) -> Result<(), TraceError> {
        if let Mode::Database { guard } = &self.mode {
            let guard = guard.clone();
            self.observer.begin(self.client)?;
            self.observer.run_own(self.client, &guard)?;
            self.observer.set_after_statement(Some(guard));
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), TraceError> {
        match self.mode {
            Mode::Database { .. } => self
                .observer
                .rollback(self.client)
                .map_err(TraceError::from),
            Mode::Throwaway => self.end_transaction(),
        }
    }

    fn batch(&mut self, sql: &str) -> Result<(), TraceError> {
        self.client
            .batch_execute(sql)
            .map_err(|source| TraceError::Batch {
                sql: sql.to_string(),
                source,
            })
    }

    /// Commits whatever transaction is open (a framework's, or a file's unclosed one).
    fn end_transaction(&mut self) -> Result<(), TraceError> {
        self.framework_tx = None;
        if self.observer.in_transaction() {
            self.observer.commit(self.client)?;
        }
        Ok(())
    }

    fn file(&mut self, i: usize) -> Result<TracedFile, TraceError> {
        let run = self.run;
        let source = &run.files[i];
        let parsed = &run.parsed[i];
        let summary = run.analysis.files.iter().find(|f| f.file == source.display);
        let mode = summary.map_or(TransactionMode::Autocommit, |s| s.mode);
        self.progress.set_message(source.display.clone());
        let mut out = TracedFile {
            file: source.display.clone(),
            mode,
            not_traced: None,
            statements: Vec::new(),
        };
        if run
            .live
            .as_ref()
            .is_some_and(|live| live.applied.contains(&source.display))
        {
            // the database has it: running it again would trace what is not pending
            out.not_traced = Some(APPLIED.to_string());
            out.statements = parsed
                .statements
                .iter()
                .map(|s| self.not_run(i, s, APPLIED))
                .collect();
            self.progress.inc(parsed.statements.len() as u64);
            return Ok(out);
        }
        // session settings last for one file, as the analysis assumes
        let timezone = run.config.timezone.clone();
        match &self.mode {
            Mode::Throwaway => {
                self.end_transaction()?;
                // a file is a session of its own, as the analysis assumes: its settings,
                // roles (which RESET ALL leaves) and temporary tables end with it
                self.batch("RESET SESSION AUTHORIZATION; RESET ALL; DISCARD TEMP")?;
                if let Some(tz) = timezone {
                    self.batch(&format!("SET TimeZone = {}", quote_literal(&tz)))?;
                }
            }
            Mode::Database { guard } => {
                // a file that cannot run inside a transaction is not run at all
                let refused = parsed.statements.iter().find_map(|s| {
                    let p = self.plan.get(&(i, s.index))?;
                    p.outside_transaction_required
                        .as_ref()
                        .map(|why| format!("line {}: {why}", s.span.start_pos.line))
                });
                if let Some(why) = refused {
                    out.not_traced = Some(format!(
                        "{why}; on a database trace runs everything inside a transaction it rolls back"
                    ));
                    out.statements = parsed
                        .statements
                        .iter()
                        .map(|s| self.not_run(i, s, "its file was not traced"))
                        .collect();
                    self.progress.inc(parsed.statements.len() as u64);
                    return Ok(out);
                }
                let setup = format!(
                    "SAVEPOINT {FILE_SAVEPOINT}; RESET ALL; {guard}{}",
                    timezone
                        .map(|tz| format!("; SET LOCAL TimeZone = {}", quote_literal(&tz)))
                        .unwrap_or_default()
                );
                self.observer.run_own(self.client, &setup)?;
            }
        }
        for stmt in &parsed.statements {
            let traced = self.statement(i, stmt)?;
            self.progress.inc(1);
            let refused = self.mode.is_database()
                && traced
                    .observed
                    .error
                    .as_ref()
                    .is_some_and(|e| e.is_transaction_block());
            out.statements.push(traced);
            if refused {
                // undo the file: it cannot be traced inside our transaction
                self.observer.rollback_to_own(self.client, FILE_SAVEPOINT)?;
                let line = stmt.span.start_pos.line;
                out.not_traced = Some(format!(
                    "line {line} cannot run inside a transaction block; on a database trace runs everything inside a transaction it rolls back"
                ));
                let done = out.statements.len();
                for s in &parsed.statements[done..] {
                    out.statements
                        .push(self.not_run(i, s, "its file was not traced"));
                    self.progress.inc(1);
                }
                for s in &mut out.statements[..done] {
                    s.execution = Execution::NotRun;
                    s.note = Some("undone: its file was not traced".into());
                    s.comparison = compare::Comparison::default();
                    s.observed = Observed::default();
                }
                return Ok(out);
            }
        }
        if let Some(last) = parsed.statements.last() {
            self.call_before(i, last, true)?;
        }
        match &self.mode {
            Mode::Throwaway => self.end_transaction()?,
            Mode::Database { .. } => {
                self.observer
                    .run_own(self.client, &format!("RELEASE SAVEPOINT {FILE_SAVEPOINT}"))?;
            }
        }
        Ok(out)
    }

    fn call_before(
        &mut self,
        file: usize,
        stmt: &Statement,
        end_of_file: bool,
    ) -> Result<(), TraceError> {
        let in_transaction = self.observer.in_transaction();
        let Some(before) = self.before.as_mut() else {
            return Ok(());
        };
        let point = Point {
            file: &self.run.files[file].display,
            statement: stmt,
            in_transaction,
            end_of_file,
        };
        before(self.client, &point).map_err(TraceError::Hook)
    }

    fn not_run(&self, file: usize, stmt: &Statement, why: &str) -> TracedStatement {
        TracedStatement {
            index: stmt.index,
            line: stmt.span.start_pos.line,
            end_line: stmt.span.end_pos.line,
            kind: self.kind(file, stmt),
            sql: crate::rules::short_sql(&stmt.text),
            execution: Execution::NotRun,
            observed: Observed::default(),
            comparison: compare::Comparison::default(),
            note: Some(why.to_string()),
        }
    }

    fn kind(&self, file: usize, stmt: &Statement) -> String {
        self.plan
            .get(&(file, stmt.index))
            .map(|p| p.kind.clone())
            .unwrap_or_else(|| crate::analysis::operation_kind(&stmt.op))
    }

    /// How the statement travels: `COPY ... FROM STDIN` with the data lines after it in
    /// the file, `COPY ... TO STDOUT` read and dropped, anything else as text.
    fn payload_of(&self, file: usize, stmt: &Statement) -> Wire {
        let lower = stmt.text.to_ascii_lowercase();
        match &stmt.op {
            Operation::Copy { from: true, .. } if lower.contains("stdin") => {
                let text = &self.run.files[file].text;
                let data = crate::parse::split::split(text)
                    .into_iter()
                    .find(|p| {
                        p.kind == crate::parse::split::PieceKind::CopyData
                            && p.start >= stmt.span.end
                    })
                    .map(|p| copy_data(&text[p.start..p.end]))
                    .unwrap_or_default();
                Wire::CopyIn(data.into_bytes())
            }
            Operation::Copy { from: false, .. } if lower.contains("stdout") => Wire::CopyOut,
            _ => Wire::Sql,
        }
    }

    fn statement(&mut self, file: usize, stmt: &Statement) -> Result<TracedStatement, TraceError> {
        // trace's own queries (its savepoint, reading pg_locks) come first in the
        // transaction, and PostgreSQL takes SET TRANSACTION only before any query: a limit
        // of the tracer, not a prediction to compare
        if is_set_transaction(&stmt.text) {
            return Ok(self.not_run(
                file,
                stmt,
                "not run: trace's own queries come first in the transaction, and SET TRANSACTION must come before any query (the migration runs it as its transaction's first statement)",
            ));
        }
        let mut traced = TracedStatement {
            index: stmt.index,
            line: stmt.span.start_pos.line,
            end_line: stmt.span.end_pos.line,
            kind: self.kind(file, stmt),
            sql: crate::rules::short_sql(&stmt.text),
            execution: Execution::TransactionControl,
            observed: Observed::default(),
            comparison: compare::Comparison::default(),
            note: None,
        };
        let wire = self.payload_of(file, stmt);
        let sql = stmt.text.as_str();
        let payload = match &wire {
            Wire::Sql => Payload::Sql(sql),
            Wire::CopyIn(data) => Payload::CopyIn { sql, data },
            Wire::CopyOut => Payload::CopyOut(sql),
        };
        if stmt.op.is_transaction_control() || is_two_phase(&stmt.text) {
            if self.mode.is_database() {
                traced.execution = Execution::NotRun;
                traced.note = Some(
                    "transaction control is not run on a database: the trace stays inside one transaction it rolls back".into(),
                );
                return Ok(traced);
            }
            traced.observed = self.control(stmt, sql)?;
            return Ok(traced);
        }
        let Some(planned) = self.plan.get(&(file, stmt.index)).copied() else {
            traced.execution = Execution::NotRun;
            traced.note = Some("not in the plan (a bug in schemaguard)".into());
            return Ok(traced);
        };
        if !self.mode.is_database() {
            self.enter_transaction_for(planned)?;
        }
        self.call_before(file, stmt, false)?;
        let (execution, observed) = if self.observer.in_transaction() {
            let observed = self.observer.run_in_transaction(self.client, payload)?;
            (Execution::Transaction, observed)
        } else if planned.effects.outside_transaction.is_some() {
            let observed = self.observer.run_outside(self.client, payload)?;
            (Execution::Outside, observed)
        } else {
            let observed = self.observer.run_autocommit(self.client, payload)?;
            if observed
                .error
                .as_ref()
                .is_some_and(|e| e.is_transaction_block())
            {
                // effects thought it could run in a transaction block: it cannot. Run
                // it as the file does, and say so.
                let refused = observed;
                let mut outside = self.observer.run_outside(self.client, payload)?;
                outside.duration += refused.duration;
                traced.comparison.refused_in_transaction = refused.error;
                (Execution::Outside, outside)
            } else {
                (Execution::Autocommit, observed)
            }
        };
        traced.execution = execution;
        traced.observed = observed;
        let refused = traced.comparison.refused_in_transaction.take();
        traced.comparison = compare::compare(
            &self.run.files[file].display,
            stmt,
            planned,
            execution,
            &traced.observed,
            &self.observer,
            refused,
        );
        Ok(traced)
    }

    /// Opens, switches or closes the framework's transaction as the plan says.
    fn enter_transaction_for(&mut self, planned: &PlannedStatement) -> Result<(), TraceError> {
        match (planned.in_transaction, self.framework_tx) {
            (true, Some(id)) if id != planned.transaction => {
                // the next changeset: the framework commits and begins again
                self.observer.commit(self.client)?;
                self.observer.begin(self.client)?;
                self.framework_tx = Some(planned.transaction);
            }
            (true, None) if !self.observer.in_transaction() => {
                self.observer.begin(self.client)?;
                self.framework_tx = Some(planned.transaction);
            }
            (false, Some(_)) => self.end_transaction()?,
            _ => {}
        }
        Ok(())
    }

    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT ... as the file says (throwaway server only).
    fn control(&mut self, stmt: &Statement, sql: &str) -> Result<Observed, TraceError> {
        let control = match &stmt.op {
            Operation::Begin => Control::Begin,
            Operation::Commit => Control::Commit,
            Operation::Rollback => Control::Rollback,
            Operation::Savepoint => Control::Savepoint,
            Operation::ReleaseSavepoint => Control::ReleaseSavepoint,
            Operation::RollbackToSavepoint => Control::RollbackToSavepoint,
            _ => Control::Other,
        };
        // the file's own transaction: the framework's (if any) is the same block
        self.framework_tx = None;
        self.observer
            .run_control(self.client, sql, control)
            .map_err(TraceError::from)
    }
}

/// How a statement goes over the wire.
enum Wire {
    Sql,
    CopyIn(Vec<u8>),
    CopyOut,
}

/// COPY data as the file has it, without the closing `\.` line.
fn copy_data(piece: &str) -> String {
    let body = match piece.strip_suffix("\\.") {
        Some(b) if b.is_empty() || b.ends_with('\n') => b,
        _ => piece,
    };
    if body.is_empty() || body.ends_with('\n') {
        body.to_string()
    } else {
        format!("{body}\n")
    }
}

/// `PREPARE TRANSACTION`, `COMMIT PREPARED`, `ROLLBACK PREPARED`: never run on a
/// database (a prepared transaction outlives the session).
/// `SET TRANSACTION ...` (isolation level, read only, snapshot), which PostgreSQL takes
/// only as the first statement of a transaction.
fn is_set_transaction(text: &str) -> bool {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty());
    matches!(
        (words.next(), words.next()),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case("set") && b.eq_ignore_ascii_case("transaction")
    )
}

fn is_two_phase(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .take(2)
        .map(|w| w.trim_end_matches(';').to_ascii_uppercase())
        .collect();
    matches!(
        words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["PREPARE", "TRANSACTION"] | ["COMMIT", "PREPARED"] | ["ROLLBACK", "PREPARED"]
    )
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
