//! Running catalogue forms on a real server and comparing with `effects`.
//!
//! Per form, on a server of one major version:
//! 1. a database of its own (`CREATE DATABASE`), its setup run and committed, so every
//!    relation the statement touches exists before it;
//! 2. the prediction: the setup and the statement as two migration files through
//!    [`crate::pipeline::run`] with that version (what `plan --pg-version N` prints);
//! 3. the observation, with [`crate::trace::observe::Observer`]: the statement inside a
//!    transaction block (its locks from `pg_locks`, storage from `relfilenode`, the
//!    tables it read in full from `pg_stat_xact_user_tables.seq_scan`), rolled back; a
//!    statement the server refuses there (SQLSTATE 25001) runs again on its own: its
//!    storage changes are seen afterwards, and its locks while it waits for a session of
//!    ours that holds ACCESS SHARE on every table in a REPEATABLE READ transaction (a
//!    concurrent index build, drop or reindex, or a VACUUM FULL, waits for it; one that
//!    never waits keeps its documented locks);
//! 4. the comparison: [`crate::trace::compare::compare`] (locks, rewrites, index
//!    rebuilds, transaction blocks), plus failures both ways and scans.

use super::{Catalogue, Form};
use crate::lock::LockMode;
use crate::ops::Operation;
use crate::pipeline::{self, RunOptions};
use crate::server::{SUPERUSER, TempServer};
use crate::trace::Execution;
use crate::trace::compare::{self, Disagreement, DisagreementKind};
use crate::trace::observe::{Observed, Observer, Payload};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Observed and predicted differ for one form on one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormDisagreement {
    pub form: String,
    pub version: u32,
    /// `lock`, `rewrite`, `index-rebuild`, `failure`, `transaction-block`, `scan`,
    /// `unparsed`.
    pub kind: String,
    pub relation: Option<String>,
    pub observed: String,
    pub predicted: String,
}

impl fmt::Display for FormDisagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on PostgreSQL {}: {}",
            self.form, self.version, self.kind
        )?;
        if let Some(r) = &self.relation {
            write!(f, " on {r}")?;
        }
        write!(
            f,
            ": observed {}, predicted {}",
            self.observed, self.predicted
        )
    }
}

/// A lock on a relation that existed before the statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeenLock {
    pub relation: String,
    pub mode: LockMode,
    /// Not observed (the statement runs outside a transaction block, where its locks
    /// are released before they can be read): the documented mode.
    pub documented: bool,
}

/// What one form did on one version.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FormOutcome {
    pub form: String,
    pub version: u32,
    /// The server's error (`message (SQLSTATE x)`).
    pub error: Option<String>,
    /// The server refused it inside a transaction block.
    pub refused_in_block: bool,
    pub locks: Vec<SeenLock>,
    /// Tables and materialized views rewritten.
    pub rewrites: Vec<String>,
    /// Existing indexes rebuilt (not counting those of rewritten tables).
    pub rebuilt_indexes: Vec<String>,
    /// Tables emptied (TRUNCATE).
    pub truncated: Vec<String>,
    /// Tables read in full (sequential scans), when it ran in a transaction block.
    pub scans: Vec<String>,
    /// Whether scans could be observed.
    pub scans_observed: bool,
    pub disagreements: Vec<FormDisagreement>,
    #[serde(skip)]
    pub duration: Duration,
}

/// A relation as the lock reader knows it: `schema.name`, relkind, an index's table.
type RelInfo = (String, char, Option<u32>);

/// The database the forms run in, one after the other.
const DATABASE: &str = "catalogue";

/// Drops every schema of the database and makes an empty `public` (quicker than a
/// database per form: `CREATE DATABASE` copies the template). Roles are cluster-wide:
/// a setup that makes one must not mind that it exists.
const RESET: &str = "DO $$ DECLARE s name; BEGIN \
FOR s IN SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP \
EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END $$; CREATE SCHEMA public";

/// A problem of the harness (not a disagreement): a server, a setup that fails, a lost
/// connection.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Reaching the server.
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    /// Creating the forms' database.
    #[error("CREATE DATABASE: {}", crate::live::error_chain(.0))]
    CreateDatabase(#[source] postgres::Error),
    /// One step of one form.
    #[error("form {form} on PostgreSQL {major}: {step}: {cause}")]
    Form {
        /// The form's id.
        form: String,
        /// The server's major version.
        major: u32,
        /// What was being done.
        step: String,
        /// What went wrong.
        cause: String,
    },
}

/// A query of the harness's own that failed.
#[derive(Debug, thiserror::Error)]
enum QueryError {
    #[error("{}", crate::live::error_chain(.0))]
    Postgres(#[from] postgres::Error),
    #[error("no pid")]
    NoPid,
}

/// Every form of `catalogue` that runs on `major`, on `server` (of that version).
/// `Err` is a problem of the harness (a setup that fails, a lost connection), not a
/// disagreement.
pub fn run_all(
    catalogue: &Catalogue,
    server: &TempServer,
    major: u32,
    work_dir: &Path,
) -> Result<Vec<FormOutcome>, HarnessError> {
    let mut admin = server.connect()?;
    admin
        .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
        .map_err(HarnessError::CreateDatabase)?;
    drop(admin);
    let mut out = Vec::new();
    for (i, form) in catalogue.forms.iter().enumerate() {
        if !form.runs_on(major) {
            continue;
        }
        let dir = work_dir.join(format!("{major}-{i}"));
        out.push(run_form(catalogue, form, server, major, &dir)?);
    }
    Ok(out)
}

/// Runs one form (see the module documentation). `dir` is created for the migration
/// files of the prediction.
pub fn run_form(
    catalogue: &Catalogue,
    form: &Form,
    server: &TempServer,
    major: u32,
    dir: &Path,
) -> Result<FormOutcome, HarnessError> {
    let started = Instant::now();
    let context = |what: &str, e: &dyn fmt::Display| HarnessError::Form {
        form: form.id.clone(),
        major,
        step: what.to_string(),
        cause: e.to_string(),
    };
    let setup = catalogue.setup_of(form);

    // 1. a database of its own, set up on a session of its own (the observing session
    // must have no table statistics pending from the setup)
    let timing = std::env::var_os("SCHEMAGUARD_CATALOGUE_TIMING").is_some();
    let mut phases: Vec<(&str, Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut mark = |name: &'static str, phases: &mut Vec<(&str, Duration)>| {
        if timing {
            phases.push((name, lap.elapsed()));
            lap = Instant::now();
        }
    };
    let db = DATABASE;
    let mut setup_client = server
        .connect_as(SUPERUSER, db)
        .map_err(|e| context("connecting", &e))?;
    // a clean slate: what the previous form left is dropped with its schemas
    setup_client
        .batch_execute(RESET)
        .map_err(|e| context("resetting the database", &crate::live::error_chain(&e)))?;
    mark("reset", &mut phases);
    for stmt in crate::parse::parse_file(&setup).statements {
        setup_client.batch_execute(&stmt.text).map_err(|e| {
            context(
                &format!("setup `{}`", crate::rules::short_sql(&stmt.text)),
                &crate::live::error_chain(&e),
            )
        })?;
    }
    drop(setup_client);
    mark("setup", &mut phases);
    let mut client = server
        .connect_as(SUPERUSER, db)
        .map_err(|e| context("connecting", &e))?;
    client
        .batch_execute("SET TimeZone = 'UTC'")
        .map_err(|e| context("SET", &crate::live::error_chain(&e)))?;
    mark("connect", &mut phases);

    // 2. the prediction
    std::fs::create_dir_all(dir).map_err(|e| context("creating a directory", &e))?;
    std::fs::write(dir.join("001_setup.sql"), &setup)
        .map_err(|e| context("writing the setup", &e))?;
    let mut sql = form.sql.trim().to_string();
    if !sql.ends_with(';') {
        sql.push(';');
    }
    sql.push('\n');
    std::fs::write(dir.join("002_form.sql"), &sql).map_err(|e| context("writing", &e))?;
    let run = pipeline::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        pg_version: Some(major),
        cwd: dir.to_path_buf(),
        // the plan and the parsed statement; no rules
        report: pipeline::Report::Plan,
        keep_parsed: true,
        plan_effects: true,
        ..RunOptions::default()
    })
    .map_err(|e| context("predicting", &e))?;
    let file = run
        .files
        .iter()
        .position(|f| f.display.ends_with("002_form.sql"))
        .ok_or_else(|| context("predicting", &"the form's file was not read"))?;
    let display = run.files[file].display.clone();
    let stmt = run.parsed[file]
        .statements
        .first()
        .ok_or_else(|| context("predicting", &"no statement"))?;
    let planned = run
        .analysis
        .plan
        .iter()
        .find(|p| p.file == display && p.index == stmt.index)
        .ok_or_else(|| context("predicting", &"the statement is not in the plan"))?;
    let effects = &planned.effects;
    mark("predict", &mut phases);

    let mut outcome = FormOutcome {
        form: form.id.clone(),
        version: major,
        ..FormOutcome::default()
    };
    let disagree = |kind: &str, relation: Option<String>, observed: String, predicted: String| {
        FormDisagreement {
            form: form.id.clone(),
            version: major,
            kind: kind.to_string(),
            relation,
            observed,
            predicted,
        }
    };

    // 3. the observation
    let session = |e: crate::trace::observe::ObserveError| context("observing", &e);
    let mut observer = Observer::new(&mut client).map_err(session)?;
    let payload = Payload::Sql(&sql);
    let mut refused = None;
    let mut scans: Option<BTreeSet<u32>> = None;
    // locks of a statement outside a transaction block, read while it waited:
    // `(oid, (name, relkind, table of an index), mode)`
    let mut held_back: Option<Vec<(u32, RelInfo, LockMode)>> = None;
    let (execution, observed): (Execution, Observed);
    observer.begin(&mut client).map_err(session)?;
    let inside = observer
        .run_in_transaction(&mut client, payload)
        .map_err(session)?;
    let refused_inside = inside
        .error
        .as_ref()
        .is_some_and(|e| e.is_transaction_block());
    if refused_inside {
        observer.rollback(&mut client).map_err(session)?;
        outcome.refused_in_block = true;
        if effects.outside_transaction.is_none() {
            refused = inside.error.clone();
        }
        // its own locks are gone when it returns: held back by a session of ours
        // that reads every table, it waits, and its locks are read while it waits
        let pid = backend_pid(&mut client).map_err(|e| context("pg_backend_pid", &e))?;
        let names: BTreeMap<u32, RelInfo> =
            relation_oids(&mut client).map_err(|e| context("reading pg_class", &e))?;
        let mut holder = server
            .connect_as(SUPERUSER, db)
            .map_err(|e| context("connecting", &e))?;
        let mut watcher = server
            .connect_as(SUPERUSER, db)
            .map_err(|e| context("connecting", &e))?;
        hold_every_table(&mut holder, &names).map_err(|e| context("holding the tables", &e))?;
        let (ran, seen) = std::thread::scope(|scope| {
            let runner = scope.spawn(|| observer.run_outside(&mut client, payload));
            let seen = locks_while_waiting(&mut watcher, pid, &runner);
            // let it go on, whatever was seen
            let _ = holder.batch_execute("COMMIT");
            (runner.join(), seen)
        });
        observed = match ran {
            Ok(r) => r.map_err(session)?,
            Err(_) => return Err(context("observing", &"the statement's thread panicked")),
        };
        held_back = Some(
            seen.map_err(|e| context("reading the locks of the waiting statement", &e))?
                .into_iter()
                .filter_map(|(oid, mode)| names.get(&oid).map(|n| (oid, n.clone(), mode)))
                .collect(),
        );
        execution = Execution::Outside;
    } else {
        if inside.error.is_none() {
            scans = Some(read_scans(&mut client).map_err(|e| context("reading scans", &e))?);
        }
        // compared before the rollback: names are as the statement left them
        observed = inside;
        execution = Execution::Transaction;
    }

    mark("observe", &mut phases);
    // 4. the comparison
    let comparison = compare::compare(
        &form.id, stmt, planned, execution, &observed, &observer, refused,
    );
    if matches!(stmt.op, Operation::Unparsed { .. }) {
        outcome.disagreements.push(disagree(
            "unparsed",
            None,
            observed
                .error
                .as_ref()
                .map_or_else(|| "ran".to_string(), |e| format!("failed: {e}")),
            "not understood by schemaguard".into(),
        ));
    }
    outcome.disagreements.extend(
        comparison
            .disagreements
            .iter()
            .map(|d| from_trace(d, major)),
    );
    let failed_otherwise = observed
        .error
        .as_ref()
        .filter(|e| !(e.is_transaction_block() && effects.outside_transaction.is_some()));
    let expected = |e: &crate::trace::observe::StatementError| {
        form.expect_error.as_deref() == Some(e.sqlstate.as_str()) && form.exists_on(major)
    };
    if let (Some(code), None) = (&form.expect_error, &observed.error) {
        if form.exists_on(major) {
            outcome.disagreements.push(disagree(
                "catalogue",
                None,
                "succeeds".into(),
                format!("the catalogue expects the server's error {code}"),
            ));
        }
    }
    match (failed_otherwise, &effects.fails) {
        (Some(e), None) if expected(e) => {}
        (Some(e), None) => outcome.disagreements.push(disagree(
            "failure",
            None,
            format!("fails: {e}"),
            "succeeds".into(),
        )),
        (Some(_), Some(_)) | (None, None) => {}
        // compare() has reported it
        (None, Some(_)) => {}
    }
    if !form.exists_on(major) && observed.error.is_none() {
        outcome.disagreements.push(disagree(
            "catalogue",
            None,
            "succeeds".into(),
            format!(
                "the catalogue says this form exists from PostgreSQL {}",
                form.min_version.unwrap_or(0)
            ),
        ));
    }
    // a statement predicted to need no transaction block that ran inside one is a
    // disagreement compare() has reported

    // scans, where observed
    if let Some(scanned) = &scans {
        outcome.scans_observed = true;
        let resolve = |name: &crate::ops::ObjectName| -> Option<(u32, String, char)> {
            let before = observer.relation_before(name.schema.as_deref(), &name.name)?;
            let now = observer
                .relation_by_oid(before.oid)
                .map_or_else(|| before.qualified(), |r| r.qualified());
            Some((before.oid, now, before.kind))
        };
        let predicted_scans: BTreeMap<u32, String> = effects
            .scans
            .iter()
            .filter_map(|s| resolve(&s.relation))
            .filter(|r| r.2 != 'p')
            .map(|r| (r.0, r.1))
            .collect();
        let certain_scans: BTreeSet<u32> = match effects.certain.as_deref() {
            Some(c) => c
                .scans
                .iter()
                .filter_map(|s| resolve(&s.relation))
                .map(|r| r.0)
                .collect(),
            None => predicted_scans.keys().copied().collect(),
        };
        let reads: BTreeSet<u32> = effects
            .rewrites
            .iter()
            .chain(&effects.index_builds)
            .filter_map(|r| resolve(r).map(|r| r.0))
            .chain(predicted_scans.keys().copied())
            .collect();
        for (oid, name) in &predicted_scans {
            if certain_scans.contains(oid) && !scanned.contains(oid) {
                outcome.disagreements.push(disagree(
                    "scan",
                    Some(name.clone()),
                    "not scanned".into(),
                    "scan".into(),
                ));
            }
        }
        // what a data change reads depends on the plan (on tiny tables, everything);
        // the referenced table of a foreign-key check is read by the check's join, as
        // the plan chooses: only the statements' own full reads are compared
        let dml = matches!(
            stmt.op,
            Operation::Insert(_)
                | Operation::Update(_)
                | Operation::Delete(_)
                | Operation::Merge(_)
                | Operation::Select { .. }
                | Operation::Truncate { .. }
                | Operation::Copy { .. }
        );
        for oid in scanned {
            let Some(rel) = observer.relation_by_oid(*oid) else {
                continue;
            };
            // created by the statement: nobody else's yet; emptied by TRUNCATE: its
            // new, empty storage is read to build its (empty) indexes again
            if observed.created.contains(&rel.qualified())
                || comparison.truncated.contains(&rel.qualified())
            {
                continue;
            }
            outcome.scans.push(rel.qualified());
            let referenced = observed.locks.iter().any(|l| {
                l.oid == *oid && matches!(l.mode, LockMode::RowShare | LockMode::ShareRowExclusive)
            });
            if !dml && !referenced && !reads.contains(oid) {
                outcome.disagreements.push(disagree(
                    "scan",
                    Some(rel.qualified()),
                    "scanned".into(),
                    "no scan".into(),
                ));
            }
        }
        outcome.scans.sort();
    }

    outcome.error = observed.error.as_ref().map(ToString::to_string);
    outcome.locks = comparison
        .locks
        .iter()
        .filter_map(|l| {
            let mode = l.shown_mode()?;
            Some(SeenLock {
                relation: l.relation.clone(),
                mode,
                documented: l.documented,
            })
        })
        .collect();
    if let Some(seen) = held_back.filter(|s| !s.is_empty()) {
        // what it held while it waited: each lock must be the predicted one; a
        // predicted lock not taken yet at that point stays documented
        let predicted: BTreeMap<String, LockMode> = comparison
            .locks
            .iter()
            .filter_map(|l| l.predicted.map(|m| (l.relation.clone(), m)))
            .collect();
        let mut strongest: BTreeMap<u32, (RelInfo, LockMode)> = BTreeMap::new();
        for (oid, info, mode) in seen {
            let e = strongest.entry(oid).or_insert((info, mode));
            e.1 = e.1.max(mode);
        }
        let table_mode = |t: u32| strongest.get(&t).map(|s| s.1);
        for ((name, kind, table), mode) in strongest.values() {
            let pred = predicted.get(name).copied();
            let implied = matches!(kind, 'i' | 'I')
                && pred.is_none()
                && table.and_then(table_mode).is_some_and(|t| t >= *mode);
            if implied || *kind == 'c' {
                continue;
            }
            if pred != Some(*mode) {
                outcome.disagreements.push(disagree(
                    "lock",
                    Some(name.clone()),
                    format!("{} (while it waited)", mode.as_str()),
                    pred.map_or_else(|| "no lock".to_string(), |m| m.as_str().to_string()),
                ));
            }
            match outcome.locks.iter_mut().find(|l| &l.relation == name) {
                Some(l) => {
                    l.mode = *mode;
                    l.documented = false;
                }
                None => outcome.locks.push(SeenLock {
                    relation: name.clone(),
                    mode: *mode,
                    documented: false,
                }),
            }
        }
        outcome.locks.sort_by(|a, b| {
            b.mode
                .cmp(&a.mode)
                .then_with(|| a.relation.cmp(&b.relation))
        });
    }
    outcome.rewrites = comparison.rewrites.clone();
    outcome.rebuilt_indexes = comparison.rebuilt_indexes.clone();
    outcome.truncated = comparison.truncated.clone();
    if observer.in_transaction() {
        observer.rollback(&mut client).map_err(session)?;
    }
    drop(client);
    let _ = std::fs::remove_dir_all(dir);
    outcome.duration = started.elapsed();
    mark("compare", &mut phases);
    if timing {
        eprintln!("{} on {major}: {phases:?}", form.id);
    }
    Ok(outcome)
}

fn from_trace(d: &Disagreement, version: u32) -> FormDisagreement {
    FormDisagreement {
        form: d.file.clone(),
        version,
        kind: match d.kind {
            DisagreementKind::Lock => "lock",
            DisagreementKind::Rewrite => "rewrite",
            DisagreementKind::IndexRebuild => "index-rebuild",
            DisagreementKind::Failure => "failure",
            DisagreementKind::TransactionBlock => "transaction-block",
        }
        .to_string(),
        relation: d.relation.clone(),
        observed: d.observed.clone(),
        predicted: d.predicted.clone(),
    }
}

/// Tables the open transaction read in full so far (`pg_stat_xact_user_tables`).
fn read_scans(client: &mut postgres::Client) -> Result<BTreeSet<u32>, QueryError> {
    let rows = client.simple_query(
        "SELECT relid::int8 FROM pg_catalog.pg_stat_xact_user_tables WHERE seq_scan > 0",
    )?;
    Ok(rows
        .iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse().ok()),
            _ => None,
        })
        .collect())
}

fn simple(
    client: &mut postgres::Client,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, QueryError> {
    let messages = client.simple_query(sql)?;
    Ok(messages
        .iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect())
}

fn backend_pid(client: &mut postgres::Client) -> Result<u32, QueryError> {
    simple(client, "SELECT pg_catalog.pg_backend_pid()")?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .ok_or(QueryError::NoPid)
}

/// Every user relation: oid -> (`schema.name`, relkind, the table of an index).
fn relation_oids(client: &mut postgres::Client) -> Result<BTreeMap<u32, RelInfo>, QueryError> {
    let rows = simple(
        client,
        "SELECT c.oid::int8, n.nspname || '.' || c.relname, c.relkind, i.indrelid::int8 \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid \
         WHERE c.oid >= 16384 AND n.nspname <> 'pg_toast'",
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let oid = r.first()?.as_deref()?.parse().ok()?;
            let name = r.get(1)?.clone()?;
            let kind = r.get(2)?.as_deref()?.chars().next()?;
            let table = r.get(3).cloned().flatten().and_then(|v| v.parse().ok());
            Some((oid, (name, kind, table)))
        })
        .collect())
}

/// Opens a REPEATABLE READ transaction holding ACCESS SHARE on every table and
/// materialized view, with a snapshot: what a concurrent build, drop, reindex or detach
/// waits for (after taking its own locks).
fn hold_every_table(
    holder: &mut postgres::Client,
    names: &BTreeMap<u32, RelInfo>,
) -> Result<(), QueryError> {
    let mut sql = String::from("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    for (name, kind, _) in names.values() {
        if matches!(kind, 'r' | 'p' | 'm') {
            let (schema, rel) = name.split_once('.').unwrap_or(("public", name));
            sql.push_str(&format!(
                "; LOCK TABLE ONLY {}.{} IN ACCESS SHARE MODE",
                quote_ident(schema),
                quote_ident(rel)
            ));
        }
    }
    Ok(holder.batch_execute(&sql)?)
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Waits (at most 10 s) until backend `pid` waits for a lock, then reads its relation
/// locks (granted, and the one it waits for). Empty when it finished without waiting.
fn locks_while_waiting<T>(
    watcher: &mut postgres::Client,
    pid: u32,
    runner: &std::thread::ScopedJoinHandle<'_, T>,
) -> Result<Vec<(u32, LockMode)>, QueryError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let waiting = format!(
        "SELECT wait_event_type FROM pg_catalog.pg_stat_activity WHERE pid = {pid} AND state = 'active'"
    );
    loop {
        if runner.is_finished() || Instant::now() >= deadline {
            return Ok(Vec::new());
        }
        let rows = simple(watcher, &waiting)?;
        if rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|w| w == "Lock")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let rows = simple(
        watcher,
        &format!(
            "SELECT relation::int8, mode FROM pg_catalog.pg_locks WHERE pid = {pid} \
             AND locktype = 'relation' AND relation >= 16384"
        ),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let oid = r.first()?.as_deref()?.parse().ok()?;
            let mode = LockMode::parse(r.get(1)?.as_deref()?)?;
            Some((oid, mode))
        })
        .collect())
}
