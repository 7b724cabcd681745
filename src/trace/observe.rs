//! Observing what statements really do on a PostgreSQL server: the table-level locks the
//! session's own backend holds after each one (`pg_locks` joined to `pg_class`), the
//! relations whose storage was replaced (`pg_class.relfilenode` before and after), and
//! how long each took.
//!
//! Two ways in:
//! - [`observe`]: one statement in a fresh transaction, rolled back (or committed)
//!   afterwards. Small and self-contained, for catalogues of statements run on many
//!   server versions.
//! - [`Observer`]: a whole history on one session, statement after statement, inside the
//!   transactions the migrations run in. Its cost per statement does not grow with the
//!   history: it reads the whole of `pg_class` once, then only the relations its own
//!   transaction has locked (a rewrite needs ACCESS EXCLUSIVE, so every relation whose
//!   storage changes shows up in `pg_locks` of our backend), and remembers what changed
//!   so that a rollback can be undone in its memory too.
//!
//! Locks are read while the transaction is still open, so they are exactly what the
//! statement holds until commit. Within a transaction a lock mode already held is not
//! taken again (PostgreSQL keeps one entry per relation and mode), so a statement is
//! credited with the modes that are *new* after it; [`Observer::held_before`] tells
//! what the transaction held before. A statement that cannot run inside a transaction
//! block ([`Observer::run_outside`]) releases its locks before we could look: only its
//! rewrites are observed.
//!
//! Only user relations are considered: object ids from 16384 (`FirstNormalObjectId`),
//! outside `pg_toast` (a table's TOAST relation is rewritten with it). The observation
//! query itself takes ACCESS SHARE on catalogs only, which are filtered out.

use crate::lock::LockMode;
use postgres::{Client, SimpleQueryMessage};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

/// The savepoint wrapped around each statement inside a transaction block, so that a
/// failing statement does not abort the rest of the transaction.
const SAVEPOINT: &str = "schemaguard_trace";

/// Locks of our own backend on user relations, with the relation as it is now (in our
/// own transaction's view: a relation dropped by it has no `pg_class` row any more).
const LOCKS_QUERY: &str = "SELECT l.relation::int8, l.mode, n.nspname, c.relname, c.relkind, c.relfilenode::int8, i.indrelid::int8 \
FROM pg_catalog.pg_locks l \
LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation \
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid \
WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
AND l.relation >= 16384 \
AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())";

/// The locks query, prepared once per session: planning its join costs more than
/// running it (about 2 ms against 0.1 ms, measured on 15).
const LOCKS_STATEMENT: &str = "schemaguard_trace_locks";

/// Every user relation.
const RELATIONS_QUERY: &str = "SELECT c.oid::int8, n.nspname, c.relname, c.relkind, c.relfilenode::int8, i.indrelid::int8 \
FROM pg_catalog.pg_class c \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid \
WHERE c.oid >= 16384 AND n.nspname NOT LIKE 'pg\\_toast%'";

/// A relation as `pg_class` knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationInfo {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `i` index, `I` partitioned
    /// index, `S` sequence, `v` view, `m` materialized view, `f` foreign table, ...
    pub kind: char,
    /// `relfilenode`; 0 for relations without storage (views, partitioned tables).
    pub filenode: u32,
    /// For an index, the oid of its table.
    pub table: Option<u32>,
}

impl RelationInfo {
    /// `schema.name`, unquoted (as `ObjectName` prints names that need no quotes).
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// A lock a statement took on a relation that existed before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObservedLock {
    pub oid: u32,
    /// `schema.name` after the statement (before it, for a relation it dropped).
    pub relation: String,
    pub kind: char,
    pub mode: LockMode,
    /// The statement dropped the relation.
    pub dropped: bool,
    /// For an index: the oid of its table.
    #[serde(skip)]
    pub table: Option<u32>,
}

/// A pre-existing relation whose storage the statement replaced (new `relfilenode`):
/// a rewritten table or materialized view, a rebuilt index, a truncated table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewStorage {
    pub oid: u32,
    pub relation: String,
    pub kind: char,
    /// For an index: its table (`schema.name`).
    pub table: Option<String>,
}

/// A statement's error as the server reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementError {
    pub sqlstate: String,
    pub message: String,
}

impl StatementError {
    /// `25001`: the statement cannot run inside a transaction block.
    pub fn is_transaction_block(&self) -> bool {
        self.sqlstate == "25001"
    }

    /// The server's error, or `None` when the failure was not the server's (a lost
    /// connection).
    pub fn from_postgres(e: &postgres::Error) -> Option<StatementError> {
        let db = e.as_db_error()?;
        Some(StatementError {
            sqlstate: db.code().code().to_string(),
            message: db.message().to_string(),
        })
    }
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (SQLSTATE {})", self.message, self.sqlstate)
    }
}

/// What one statement did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// Lock modes the statement took on relations that existed before it (modes the
    /// transaction already held are not repeated). Empty when `locks_observed` is false.
    pub locks: Vec<ObservedLock>,
    /// False for a statement run outside a transaction block: its locks were released
    /// before they could be read.
    pub locks_observed: bool,
    /// Pre-existing relations with new storage.
    pub new_storage: Vec<NewStorage>,
    /// Relations the statement created (`schema.name`).
    pub created: Vec<String>,
    /// Relations the statement dropped.
    pub dropped: Vec<String>,
    /// Set when the statement failed; it is then rolled back (to a savepoint inside a
    /// transaction block), and nothing else is observed.
    pub error: Option<StatementError>,
    /// Wall-clock time of the statement's round trip.
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    /// Time spent reading what it did (our own round trip after it, and folding the
    /// answer in).
    #[serde(skip)]
    pub observation: Duration,
}

impl Observed {
    /// The strongest new mode per relation, strongest first, then by name.
    pub fn strongest_locks(&self) -> Vec<&ObservedLock> {
        let mut best: HashMap<u32, &ObservedLock> = HashMap::new();
        for l in &self.locks {
            match best.get(&l.oid) {
                Some(b) if b.mode >= l.mode => {}
                _ => {
                    best.insert(l.oid, l);
                }
            }
        }
        let mut out: Vec<&ObservedLock> = best.into_values().collect();
        out.sort_by(|a, b| {
            b.mode
                .cmp(&a.mode)
                .then_with(|| a.relation.cmp(&b.relation))
        });
        out
    }
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1_000_000.0).round() / 1000.0)
}

/// The session itself failed (a lost connection, our own query refused): the trace
/// cannot go on. A failing *statement* is not this; it is [`Observed::error`].
#[derive(Debug)]
pub struct ObserveError {
    pub what: String,
    pub cause: String,
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.what, self.cause)
    }
}

impl std::error::Error for ObserveError {}

fn session_error(what: &str, e: &postgres::Error) -> ObserveError {
    ObserveError {
        what: what.to_string(),
        cause: match e.as_db_error() {
            Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            None => crate::live::error_chain(e),
        },
    }
}

/// What to send: SQL, or a `COPY` whose data travels with it.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    Sql(&'a str),
    /// `COPY ... FROM STDIN` and its data (text as in the file, without the `\.` line).
    CopyIn {
        sql: &'a str,
        data: &'a [u8],
    },
    /// `COPY ... TO STDOUT`: the rows are read and dropped.
    CopyOut(&'a str),
}

impl<'a> From<&'a str> for Payload<'a> {
    fn from(sql: &'a str) -> Payload<'a> {
        Payload::Sql(sql)
    }
}

/// Sends `prefix` (our own commands) and the statement, in one round trip for plain SQL.
fn send(client: &mut Client, prefix: &str, payload: Payload<'_>) -> Result<(), postgres::Error> {
    match payload {
        Payload::Sql(sql) if prefix.is_empty() => client.batch_execute(sql),
        // the newline ends a trailing `--` comment of the statement
        Payload::Sql(sql) => client.batch_execute(&format!("{prefix};\n{sql}\n")),
        Payload::CopyIn { sql, data } => {
            if !prefix.is_empty() {
                client.batch_execute(prefix)?;
            }
            probe_copy_in(client, sql)?;
            let mut writer = client.copy_in(sql)?;
            // a failed write shows up as the server's error in finish()
            let _ = std::io::Write::write_all(&mut writer, data);
            writer.finish().map(|_| ())
        }
        Payload::CopyOut(sql) => {
            if !prefix.is_empty() {
                client.batch_execute(prefix)?;
            }
            let mut reader = client.copy_out(sql)?;
            // the rows are not wanted; a broken stream fails the next command anyway
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            Ok(())
        }
    }
}

/// A `COPY ... FROM STDIN` that the server refuses before any data (a generated column
/// in its column list, a column that does not exist) leaves the client library's
/// connection out of step with the server (its COPY request ends with an extra
/// ReadyForQuery), and every later command fails with "unexpected message from server".
/// So the same COPY is tried first reading no rows (`FROM '/dev/null'`, in a savepoint
/// rolled back when a transaction is open): if the server refuses that, its error is
/// the statement's, and the real COPY is not sent. Where the probe itself is not allowed
/// (no right to read server files, no `/dev/null`), the real COPY goes ahead as before.
fn probe_copy_in(client: &mut Client, sql: &str) -> Result<(), postgres::Error> {
    use postgres::error::SqlState;
    let Some(probe) = copy_from_nothing(sql) else {
        return Ok(());
    };
    let in_transaction = client
        .batch_execute("SAVEPOINT schemaguard_copy_probe")
        .is_ok();
    let tried = client.batch_execute(&probe);
    if in_transaction {
        client.batch_execute(
            "ROLLBACK TO SAVEPOINT schemaguard_copy_probe; RELEASE SAVEPOINT schemaguard_copy_probe",
        )?;
    }
    match tried {
        Err(e)
            if e.code().is_some_and(|c| {
                *c != SqlState::INSUFFICIENT_PRIVILEGE && *c != SqlState::UNDEFINED_FILE
            }) =>
        {
            Err(e)
        }
        _ => Ok(()),
    }
}

/// `COPY ... FROM STDIN ...` with `STDIN` replaced by `'/dev/null'`; `None` when the
/// text has no `FROM STDIN` (outside quotes and comments).
fn copy_from_nothing(sql: &str) -> Option<String> {
    use crate::parse::split::{Tok, sql_tokens};
    let words: Vec<_> = sql_tokens(sql)
        .filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
        .collect();
    let at = words.windows(2).find(|w| {
        w[0].kind == Tok::Word
            && w[1].kind == Tok::Word
            && sql[w[0].start..w[0].end].eq_ignore_ascii_case("from")
            && sql[w[1].start..w[1].end].eq_ignore_ascii_case("stdin")
    })?;
    Some(format!(
        "{}'/dev/null'{}",
        &sql[..at[1].start],
        &sql[at[1].end..]
    ))
}

/// A migration's own transaction control, for [`Observer::run_control`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    ReleaseSavepoint,
    RollbackToSavepoint,
    /// `PREPARE TRANSACTION`, `COMMIT PREPARED`, ...: ends the transaction.
    Other,
}

/// How [`observe`] ends the statement's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    Rollback,
    Commit,
}

/// Runs `sql` in a transaction of its own on `client` (which must not be inside one),
/// reads what it did, and ends the transaction as `finish` says (a failing statement is
/// always rolled back). Reads all of `pg_class` first: for one-off statements; a
/// history should use an [`Observer`].
pub fn observe(client: &mut Client, sql: &str, finish: Finish) -> Result<Observed, ObserveError> {
    let mut observer = Observer::new(client)?;
    observer.begin(client)?;
    let observed = observer.run_in_transaction(client, Payload::Sql(sql))?;
    match finish {
        Finish::Commit if observed.error.is_none() => observer.commit(client)?,
        _ => observer.rollback(client)?,
    }
    Ok(observed)
}

/// Watches one session through a history. See the module documentation.
pub struct Observer {
    relations: HashMap<u32, RelationInfo>,
    by_name: HashMap<(String, String), u32>,
    /// Lock modes the open transaction holds, per relation (as of the last statement).
    held: HashMap<u32, BTreeSet<LockMode>>,
    /// The same, before the last statement ran.
    held_before: HashMap<u32, BTreeSet<LockMode>>,
    /// Relations whose entry changed in the open transaction (re-read on rollback).
    touched: HashSet<u32>,
    /// Relations the last statement renamed, moved or dropped, as they were before it.
    changed_before: HashMap<u32, RelationInfo>,
    /// Relations the last statement created, renamed or moved (their names are new).
    named_now: HashSet<u32>,
    in_transaction: bool,
    /// Our own commands after every statement inside a transaction (re-applying
    /// `lock_timeout` on a user's database).
    after_statement: Option<String>,
    /// `EXECUTE` of the prepared locks query.
    locks_sql: String,
    /// The last statement may have deallocated our prepared statement.
    check_prepared: bool,
}

impl Observer {
    /// Reads every user relation once. `client` must not be inside a failed transaction.
    pub fn new(client: &mut Client) -> Result<Observer, ObserveError> {
        let mut o = Observer {
            relations: HashMap::new(),
            by_name: HashMap::new(),
            held: HashMap::new(),
            held_before: HashMap::new(),
            touched: HashSet::new(),
            changed_before: HashMap::new(),
            named_now: HashSet::new(),
            in_transaction: false,
            after_statement: None,
            locks_sql: format!("EXECUTE {LOCKS_STATEMENT}"),
            check_prepared: false,
        };
        o.prepare(client)?;
        o.resync(client)?;
        Ok(o)
    }

    /// Prepares the locks query unless the session has it already (a prepared
    /// statement is the session's, not the transaction's).
    fn prepare(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        let rows = simple_rows(
            client,
            &format!(
                "SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = '{LOCKS_STATEMENT}'"
            ),
        )
        .map_err(|e| session_error("reading pg_prepared_statements", &e))?;
        if rows.is_empty() {
            client
                .batch_execute(&format!("PREPARE {LOCKS_STATEMENT} AS {LOCKS_QUERY}"))
                .map_err(|e| session_error("preparing the pg_locks query", &e))?;
        }
        self.check_prepared = false;
        Ok(())
    }

    /// After `DEALLOCATE` or `DISCARD` in a migration, makes sure the locks query is
    /// still prepared.
    fn before_reading(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        if self.check_prepared {
            self.prepare(client)?;
        }
        Ok(())
    }

    fn note_statement(&mut self, payload: &Payload<'_>) {
        let sql = match payload {
            Payload::Sql(s) | Payload::CopyOut(s) => s,
            Payload::CopyIn { sql, .. } => sql,
        };
        let lower = sql.to_ascii_lowercase();
        if lower.contains("deallocate") || lower.contains("discard") {
            self.check_prepared = true;
        }
    }

    /// Reads every user relation again (after a statement we could not watch).
    pub fn resync(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        let rows = simple_rows(client, RELATIONS_QUERY)
            .map_err(|e| session_error("reading pg_class", &e))?;
        self.relations.clear();
        self.by_name.clear();
        for row in rows {
            if let Some(info) = relation_from_row(&row, 0) {
                self.insert(info);
            }
        }
        Ok(())
    }

    fn insert(&mut self, info: RelationInfo) {
        self.by_name
            .insert((info.schema.clone(), info.name.clone()), info.oid);
        self.relations.insert(info.oid, info);
    }

    fn remove(&mut self, oid: u32) -> Option<RelationInfo> {
        let info = self.relations.remove(&oid)?;
        let key = (info.schema.clone(), info.name.clone());
        if self.by_name.get(&key) == Some(&oid) {
            self.by_name.remove(&key);
        }
        Some(info)
    }

    /// A relation by name as of now; an unqualified name is looked up in `public`, then
    /// in any schema when only one has it. A name the schema does not have may be a
    /// temporary relation: schemaguard's catalog keeps one in the schema a permanent one
    /// would go to (the first of the search path), the server in `pg_temp_N`.
    pub fn relation(&self, schema: Option<&str>, name: &str) -> Option<&RelationInfo> {
        let key = |s: &str| (s.to_string(), name.to_string());
        // a temporary table comes first for an unqualified name
        let temp = || {
            self.relations
                .values()
                .find(|r| r.name == name && r.schema.starts_with("pg_temp"))
                .map(|r| r.oid)
        };
        let oid = match schema {
            // the catalog keeps a temporary table in pg_temp, searched first while it
            // exists; one it keeps in a regular schema is matched there too
            Some("pg_temp") => temp(),
            Some("public") => self.by_name.get(&key("public")).copied().or_else(temp),
            Some(s) => self.by_name.get(&key(s)).copied().or_else(temp),
            None => temp()
                .or_else(|| self.by_name.get(&key("public")).copied())
                .or_else(|| {
                    let mut found = self
                        .relations
                        .values()
                        .filter(|r| r.name == name)
                        .map(|r| r.oid);
                    match (found.next(), found.next()) {
                        (Some(one), None) => Some(one),
                        _ => None,
                    }
                }),
        }?;
        self.relations.get(&oid)
    }

    /// A relation by the name it had just before the last statement (which may have
    /// renamed or dropped it, or given its name to another relation).
    pub fn relation_before(&self, schema: Option<&str>, name: &str) -> Option<&RelationInfo> {
        let schema_ok = |r: &RelationInfo| match schema {
            Some(s) => r.schema == s,
            None => r.schema == "public",
        };
        // a temporary relation, which schemaguard's catalog may have put in the schema a
        // permanent one would go to (as [`Observer::relation`] looks it up too)
        let temp_ok = |r: &RelationInfo| r.schema.starts_with("pg_temp");
        let changed = |ok: &dyn Fn(&RelationInfo) -> bool| {
            self.changed_before
                .values()
                .find(|r| r.name == name && ok(r))
        };
        if let Some(old) = changed(&schema_ok).or_else(|| changed(&temp_ok)) {
            return Some(old);
        }
        let now = self.relation(schema, name)?;
        if self.named_now.contains(&now.oid) {
            return None;
        }
        Some(now)
    }

    pub fn relation_by_oid(&self, oid: u32) -> Option<&RelationInfo> {
        self.relations.get(&oid)
    }

    /// How many user relations exist now.
    pub fn relation_count(&self) -> usize {
        self.relations.len()
    }

    /// The modes the transaction held on `oid` before the last statement.
    pub fn held_before(&self, oid: u32) -> impl Iterator<Item = LockMode> + '_ {
        self.held_before.get(&oid).into_iter().flatten().copied()
    }

    /// Commands to run after every statement inside a transaction, before its locks are
    /// read (in the same round trip).
    pub fn set_after_statement(&mut self, sql: Option<String>) {
        self.after_statement = sql;
    }

    /// Whether a transaction block is open (as far as this observer was told).
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// `BEGIN`.
    pub fn begin(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        client
            .batch_execute(&format!("BEGIN; SAVEPOINT {SAVEPOINT}"))
            .map_err(|e| session_error("BEGIN", &e))?;
        self.transaction_began();
        Ok(())
    }

    /// `COMMIT`.
    pub fn commit(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        client
            .batch_execute("COMMIT")
            .map_err(|e| session_error("COMMIT", &e))?;
        self.transaction_ended(client, true)
    }

    /// `ROLLBACK`, and forgets what the transaction changed.
    pub fn rollback(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        client
            .batch_execute("ROLLBACK")
            .map_err(|e| session_error("ROLLBACK", &e))?;
        self.transaction_ended(client, false)
    }

    fn transaction_began(&mut self) {
        self.in_transaction = true;
        self.held.clear();
        self.held_before.clear();
        self.touched.clear();
    }

    fn transaction_ended(
        &mut self,
        client: &mut Client,
        committed: bool,
    ) -> Result<(), ObserveError> {
        self.in_transaction = false;
        self.held.clear();
        self.held_before.clear();
        if !committed {
            self.reread_touched(client)?;
        }
        self.touched.clear();
        Ok(())
    }

    /// Runs commands of our own inside the open transaction block, outside the
    /// statement savepoint (so that a savepoint they make is not nested in ours). Their
    /// failure is a failure of the trace.
    pub fn run_own(&mut self, client: &mut Client, sql: &str) -> Result<(), ObserveError> {
        client
            .batch_execute(&format!(
                "RELEASE SAVEPOINT {SAVEPOINT}; {sql}; SAVEPOINT {SAVEPOINT}"
            ))
            .map_err(|e| session_error(sql, &e))
    }

    /// Undoes everything since a savepoint of our own made with
    /// [`run_own`](Self::run_own) (`ROLLBACK TO SAVEPOINT name`), and re-reads what that
    /// undid.
    pub fn rollback_to_own(&mut self, client: &mut Client, name: &str) -> Result<(), ObserveError> {
        client
            .batch_execute(&format!(
                "ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}; SAVEPOINT {SAVEPOINT}"
            ))
            .map_err(|e| session_error("ROLLBACK TO SAVEPOINT", &e))?;
        self.partly_rolled_back(client)
    }

    /// Runs a migration's own transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`,
    /// `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, ...) and follows the transaction state.
    /// Nothing is observed but the time and an error.
    pub fn run_control(
        &mut self,
        client: &mut Client,
        sql: &str,
        control: Control,
    ) -> Result<Observed, ObserveError> {
        // our savepoint must not enclose the migration's own
        let prefix = if self.in_transaction {
            format!("RELEASE SAVEPOINT {SAVEPOINT};\n")
        } else {
            String::new()
        };
        let started = Instant::now();
        let result = client.batch_execute(&format!("{prefix}{sql}\n"));
        let mut observed = Observed {
            duration: started.elapsed(),
            ..Observed::default()
        };
        if let Err(e) = &result {
            let Some(error) = StatementError::from_postgres(e) else {
                return Err(session_error("running the statement", e));
            };
            observed.error = Some(error);
        }
        let in_block = match (control, result.is_ok()) {
            (Control::Begin, true) => {
                if !self.in_transaction {
                    self.transaction_began();
                }
                true
            }
            (Control::Commit, ok) => {
                self.transaction_ended(client, ok)?;
                false
            }
            (Control::Rollback | Control::Other, _) => {
                self.transaction_ended(client, false)?;
                false
            }
            (Control::RollbackToSavepoint, true) => {
                self.partly_rolled_back(client)?;
                self.in_transaction
            }
            (_, true) => self.in_transaction,
            (_, false) => {
                // a failed BEGIN/SAVEPOINT/...: inside a block it aborted the
                // transaction; leave the session usable
                if self.in_transaction {
                    let _ = client.batch_execute("ROLLBACK");
                    self.transaction_ended(client, false)?;
                }
                false
            }
        };
        if in_block {
            client
                .batch_execute(&format!("SAVEPOINT {SAVEPOINT}"))
                .map_err(|e| session_error("SAVEPOINT", &e))?;
        }
        Ok(observed)
    }

    /// Part of the transaction was undone: the relations it changed are read again, and
    /// the locks still held.
    fn partly_rolled_back(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        self.forget_last();
        self.reread_touched(client)?;
        self.held.clear();
        let rows = simple_rows(client, &self.locks_sql)
            .map_err(|e| session_error("reading pg_locks", &e))?;
        for row in &rows {
            if let (Some(oid), Some(mode)) = (
                field(row, 0).and_then(|v| v.parse::<u32>().ok()),
                field(row, 1).and_then(LockMode::parse),
            ) {
                self.held.entry(oid).or_default().insert(mode);
            }
        }
        self.held_before.clone_from(&self.held);
        Ok(())
    }

    /// A new statement: nothing is known of what it renamed or dropped yet.
    fn forget_last(&mut self) {
        self.changed_before.clear();
        self.named_now.clear();
    }

    /// Reads again the relations the open transaction changed (they stay on the list:
    /// a later rollback may undo more).
    fn reread_touched(&mut self, client: &mut Client) -> Result<(), ObserveError> {
        if self.touched.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = self.touched.iter().map(u32::to_string).collect();
        let sql = format!("{RELATIONS_QUERY} AND c.oid IN ({})", list.join(", "));
        let rows = simple_rows(client, &sql).map_err(|e| session_error("reading pg_class", &e))?;
        let touched: Vec<u32> = self.touched.iter().copied().collect();
        for oid in touched {
            self.remove(oid);
        }
        for row in rows {
            if let Some(info) = relation_from_row(&row, 0) {
                self.insert(info);
            }
        }
        Ok(())
    }

    /// Runs a statement inside the open transaction block, within a savepoint (a
    /// failure is rolled back to it and reported in [`Observed::error`]), and reads what
    /// it did. The statement travels alone (a syntax error fails a whole query string,
    /// so nothing of ours may share it); the savepoint was made at the end of the
    /// previous round trip.
    pub fn run_in_transaction(
        &mut self,
        client: &mut Client,
        payload: Payload<'_>,
    ) -> Result<Observed, ObserveError> {
        self.forget_last();
        self.note_statement(&payload);
        let started = Instant::now();
        let result = send(client, "", payload);
        let duration = started.elapsed();
        if let Err(e) = result {
            let Some(error) = StatementError::from_postgres(&e) else {
                return Err(session_error("running the statement", &e));
            };
            // the savepoint survives ROLLBACK TO: ready for the next statement
            client
                .batch_execute(&format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"))
                .map_err(|e| session_error("rolling back to the savepoint", &e))?;
            self.held_before.clone_from(&self.held);
            return Ok(Observed {
                locks_observed: true,
                error: Some(error),
                duration,
                ..Observed::default()
            });
        }
        let after = self
            .after_statement
            .as_deref()
            .map(|s| format!("{s}; "))
            .unwrap_or_default();
        let reading = Instant::now();
        self.before_reading(client)?;
        let rows = simple_rows(
            client,
            &format!(
                "RELEASE SAVEPOINT {SAVEPOINT}; {after}{}; SAVEPOINT {SAVEPOINT}",
                self.locks_sql
            ),
        )
        .map_err(|e| session_error("reading pg_locks", &e))?;
        let mut observed = self.absorb(&rows);
        observed.duration = duration;
        observed.observation = reading.elapsed();
        Ok(observed)
    }

    /// Runs a statement that would run on its own (autocommit) inside a transaction of
    /// ours, reads its locks, and commits (rolls back on failure). A statement that
    /// cannot run in a transaction block fails with SQLSTATE 25001
    /// ([`StatementError::is_transaction_block`]); run it with
    /// [`run_outside`](Self::run_outside) then.
    pub fn run_autocommit(
        &mut self,
        client: &mut Client,
        payload: Payload<'_>,
    ) -> Result<Observed, ObserveError> {
        self.transaction_began();
        self.forget_last();
        self.note_statement(&payload);
        let started = Instant::now();
        // a syntax error fails the whole string, BEGIN included: then ROLLBACK only warns
        let result = send(client, "BEGIN", payload);
        let duration = started.elapsed();
        if let Err(e) = result {
            let Some(error) = StatementError::from_postgres(&e) else {
                return Err(session_error("running the statement", &e));
            };
            self.rollback(client)?;
            return Ok(Observed {
                locks_observed: true,
                error: Some(error),
                duration,
                ..Observed::default()
            });
        }
        let reading = Instant::now();
        self.before_reading(client)?;
        match simple_rows(client, &format!("{}; COMMIT", self.locks_sql)) {
            Ok(rows) => {
                let mut observed = self.absorb(&rows);
                observed.duration = duration;
                observed.observation = reading.elapsed();
                self.transaction_ended(client, true)?;
                Ok(observed)
            }
            Err(e) => {
                // deferred constraints fail at COMMIT: the statement failed
                let Some(error) = StatementError::from_postgres(&e) else {
                    return Err(session_error("reading pg_locks", &e));
                };
                let _ = client.batch_execute("ROLLBACK");
                self.transaction_ended(client, false)?;
                Ok(Observed {
                    locks_observed: true,
                    error: Some(error),
                    duration,
                    ..Observed::default()
                })
            }
        }
    }

    /// Runs a statement outside any transaction block (as a lone statement: `CREATE
    /// INDEX CONCURRENTLY`, `VACUUM`, ...). Locks cannot be read; storage changes can,
    /// from `pg_class` read again afterwards.
    pub fn run_outside(
        &mut self,
        client: &mut Client,
        payload: Payload<'_>,
    ) -> Result<Observed, ObserveError> {
        self.forget_last();
        self.note_statement(&payload);
        let started = Instant::now();
        let result = send(client, "", payload);
        let duration = started.elapsed();
        let mut observed = Observed {
            duration,
            ..Observed::default()
        };
        if let Err(e) = result {
            let Some(error) = StatementError::from_postgres(&e) else {
                return Err(session_error("running the statement", &e));
            };
            observed.error = Some(error);
            // a failed CREATE INDEX CONCURRENTLY leaves an invalid index behind
            self.resync(client)?;
            return Ok(observed);
        }
        let before = std::mem::take(&mut self.relations);
        self.resync(client)?;
        for (oid, old) in &before {
            if let Some(now) = self.relations.get(oid) {
                if now.name != old.name || now.schema != old.schema {
                    self.named_now.insert(*oid);
                    self.changed_before.insert(*oid, old.clone());
                }
            } else {
                self.changed_before.insert(*oid, old.clone());
            }
            match self.relations.get(oid) {
                None => observed.dropped.push(old.qualified()),
                Some(now)
                    if now.filenode != old.filenode && now.filenode != 0 && old.filenode != 0 =>
                {
                    observed.new_storage.push(NewStorage {
                        oid: *oid,
                        relation: now.qualified(),
                        kind: now.kind,
                        table: now
                            .table
                            .and_then(|t| self.relations.get(&t))
                            .map(RelationInfo::qualified),
                    });
                }
                Some(_) => {}
            }
        }
        for (oid, now) in &self.relations {
            if !before.contains_key(oid) {
                observed.created.push(now.qualified());
                self.named_now.insert(*oid);
            }
        }
        observed.created.sort();
        observed.dropped.sort();
        observed
            .new_storage
            .sort_by(|a, b| a.relation.cmp(&b.relation));
        Ok(observed)
    }

    /// Folds the locks read after a statement into what we know, and says what changed.
    fn absorb(&mut self, rows: &[Vec<Option<String>>]) -> Observed {
        let mut observed = Observed {
            locks_observed: true,
            ..Observed::default()
        };
        let mut now_held: HashMap<u32, BTreeSet<LockMode>> = HashMap::new();
        let mut current: HashMap<u32, Option<RelationInfo>> = HashMap::new();
        self.changed_before.clear();
        self.named_now.clear();
        for row in rows {
            let Some(oid) = field(row, 0).and_then(|v| v.parse::<u32>().ok()) else {
                continue;
            };
            let Some(mode) = field(row, 1).and_then(LockMode::parse) else {
                // SIReadLock (serializable predicate locks) and the like
                continue;
            };
            let info = relation_from_row(row, 1).map(|mut r| {
                r.oid = oid;
                r
            });
            // TOAST relations (`pg_toast`, and a temporary table's `pg_toast_temp_N`)
            // go with their table
            if info
                .as_ref()
                .is_some_and(|r| r.schema.starts_with("pg_toast"))
            {
                continue;
            }
            now_held.entry(oid).or_default().insert(mode);
            current.insert(oid, info);
        }
        for (oid, info) in &current {
            let before = self.relations.get(oid).cloned();
            match (before, info) {
                // existed before the statement
                (Some(old), now) => {
                    let new_modes: Vec<LockMode> = now_held
                        .get(oid)
                        .into_iter()
                        .flatten()
                        .filter(|m| !self.held.get(oid).is_some_and(|h| h.contains(m)))
                        .copied()
                        .collect();
                    let name = now
                        .as_ref()
                        .map_or_else(|| old.qualified(), RelationInfo::qualified);
                    for mode in new_modes {
                        observed.locks.push(ObservedLock {
                            oid: *oid,
                            relation: name.clone(),
                            kind: old.kind,
                            mode,
                            dropped: now.is_none(),
                            table: old.table,
                        });
                    }
                    match now {
                        None => {
                            observed.dropped.push(old.qualified());
                            self.remove(*oid);
                            self.touched.insert(*oid);
                            self.changed_before.insert(*oid, old);
                        }
                        Some(now) => {
                            if now.filenode != old.filenode
                                && now.filenode != 0
                                && old.filenode != 0
                            {
                                let table = now
                                    .table
                                    .and_then(|t| {
                                        current
                                            .get(&t)
                                            .and_then(Option::as_ref)
                                            .or_else(|| self.relations.get(&t))
                                    })
                                    .map(RelationInfo::qualified);
                                observed.new_storage.push(NewStorage {
                                    oid: *oid,
                                    relation: now.qualified(),
                                    kind: now.kind,
                                    table,
                                });
                            }
                            if *now != old {
                                if now.name != old.name || now.schema != old.schema {
                                    self.named_now.insert(*oid);
                                    self.changed_before.insert(*oid, old.clone());
                                }
                                self.remove(*oid);
                                self.insert(now.clone());
                                self.touched.insert(*oid);
                            }
                        }
                    }
                }
                // created by this statement
                (None, Some(now)) => {
                    observed.created.push(now.qualified());
                    self.named_now.insert(*oid);
                    self.insert(now.clone());
                    self.touched.insert(*oid);
                }
                // created and dropped again (or a relation we never saw: ignored)
                (None, None) => {}
            }
        }
        self.held_before = std::mem::replace(&mut self.held, now_held);
        observed.locks.sort_by(|a, b| {
            a.relation
                .cmp(&b.relation)
                .then_with(|| b.mode.cmp(&a.mode))
        });
        observed.created.sort();
        observed.dropped.sort();
        observed
            .new_storage
            .sort_by(|a, b| a.relation.cmp(&b.relation));
        observed
    }
}

/// Rows of a simple query (all statements of it) as optional strings.
fn simple_rows(
    client: &mut Client,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, postgres::Error> {
    let mut rows = Vec::new();
    for message in client.simple_query(sql)? {
        if let SimpleQueryMessage::Row(row) = message {
            rows.push(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            );
        }
    }
    Ok(rows)
}

fn field(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i).and_then(|v| v.as_deref())
}

/// `(oid, nspname, relname, relkind, relfilenode, indrelid)` starting at column `at`
/// (the oid is at `at`; in the locks query the mode sits there and the caller sets the
/// oid). `None` when the relation has no `pg_class` row.
fn relation_from_row(row: &[Option<String>], at: usize) -> Option<RelationInfo> {
    let oid = field(row, at)
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    Some(RelationInfo {
        oid,
        schema: field(row, at + 1)?.to_string(),
        name: field(row, at + 2)?.to_string(),
        kind: field(row, at + 3)?.chars().next()?,
        filenode: field(row, at + 4)
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0),
        table: field(row, at + 5).and_then(|v| v.parse::<u32>().ok()),
    })
}
