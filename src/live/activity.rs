//! Who would block a migration right now: one read of `pg_locks` and `pg_stat_activity`
//! (read-only, in the snapshot's session), matched against the locks the pending
//! statements will request.
//!
//! A lock request waits for every granted lock that conflicts with it, and also for
//! every conflicting request queued before it; while it waits, every later request that
//! conflicts with it queues behind it (so an `ALTER TABLE` waiting for one long
//! transaction stops all reads of the table). So a session is listed when it holds or
//! waits for a lock on a relation a pending statement locks, in a mode that conflicts
//! with the one the statement requests.

use super::{LiveError, LiveSession};
use crate::analysis::PlannedStatement;
use crate::lock::LockMode;
use crate::ops::ObjectName;
use serde::Serialize;

/// Another session of the database, as `pg_stat_activity` shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Session {
    pub pid: i32,
    pub user: Option<String>,
    pub application_name: Option<String>,
    /// `active`, `idle in transaction`, ...
    pub state: Option<String>,
    /// `client backend`, `autovacuum worker`, ...
    pub backend_type: Option<String>,
    /// Seconds since its transaction began (none outside a transaction).
    pub transaction_age_s: Option<f64>,
    /// `Lock: relation`, `Client: ClientRead`, ...
    pub wait_event: Option<String>,
    /// The start of its current (or last) query, when asked for and visible to us; never
    /// the values of a prepared statement's parameters (`pg_stat_activity` has none).
    pub query: Option<String>,
}

/// A lock another session holds or waits for on a relation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RelationLock {
    pub pid: i32,
    pub relation: ObjectName,
    pub mode: LockMode,
    pub granted: bool,
}

/// How busy a table is: `pg_stat_user_tables`' counters read twice, some time apart.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Traffic {
    pub relation: ObjectName,
    /// Sequential and index scans started per second: each is a query (or part of one)
    /// reading the table.
    pub reads_per_s: f64,
    /// Rows inserted, updated and deleted per second: at most as many write statements.
    pub writes_per_s: f64,
}

/// One read of the database's activity.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Activity {
    pub sessions: Vec<Session>,
    pub locks: Vec<RelationLock>,
    /// Tables that were read or written while the counters were sampled (the others
    /// had no traffic).
    pub traffic: Vec<Traffic>,
    /// How long apart the two samples were (`None`: not sampled).
    pub traffic_window_s: Option<f64>,
}

/// `pg_stat_user_tables`' counters at one moment: per table, (scans, rows written).
pub struct Counters {
    at: std::time::Instant,
    tables: std::collections::HashMap<ObjectName, (i64, i64)>,
}

impl Counters {
    /// How long ago they were read.
    pub fn age(&self) -> std::time::Duration {
        self.at.elapsed()
    }
}

/// Reads every user table's scan and row-write counters (a fresh statistics snapshot:
/// the session's cached one is cleared first).
pub fn counters(session: &mut LiveSession) -> Result<Counters, LiveError> {
    let (lock, statement) = session.timeouts();
    session.read(|client| {
        let failed = |e: &postgres::Error| {
            LiveError::query("reading pg_stat_user_tables", e, lock, statement)
        };
        client
            .batch_execute("SELECT pg_stat_clear_snapshot()")
            .map_err(|e| failed(&e))?;
        let rows = client
            .query(
                "SELECT schemaname::text, relname::text,
                        (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::int8,
                        (n_tup_ins + n_tup_upd + n_tup_del)::int8
                   FROM pg_stat_user_tables",
                &[],
            )
            .map_err(|e| failed(&e))?;
        let at = std::time::Instant::now();
        let tables = rows
            .iter()
            .map(|r| {
                (
                    ObjectName::new(Some(r.get::<_, &str>(0)), r.get::<_, &str>(1)),
                    (r.get(2), r.get(3)),
                )
            })
            .collect();
        Ok(Counters { at, tables })
    })
}

/// The tables whose counters moved between two samples, with their rates; and the time
/// between the samples.
pub fn traffic(before: &Counters, after: &Counters) -> (Vec<Traffic>, f64) {
    let window = after.at.duration_since(before.at).as_secs_f64().max(1e-3);
    let mut out: Vec<Traffic> = after
        .tables
        .iter()
        .filter_map(|(name, (scans, writes))| {
            let (s0, w0) = before.tables.get(name)?;
            let (ds, dw) = ((scans - s0).max(0), (writes - w0).max(0));
            (ds > 0 || dw > 0).then(|| Traffic {
                relation: name.clone(),
                reads_per_s: ds as f64 / window,
                writes_per_s: dw as f64 / window,
            })
        })
        .collect();
    out.sort_by(|a, b| a.relation.cmp(&b.relation));
    (out, window)
}

/// How much of a session's query text is kept.
const QUERY_EXCERPT: usize = 120;

/// Reads the other sessions of the current database and their relation locks.
/// `query_text`: keep an excerpt of each session's query.
pub fn read(session: &mut LiveSession, query_text: bool) -> Result<Activity, LiveError> {
    let (lock, statement) = session.timeouts();
    session.read(|client| {
        let mut query = |what: &str, sql: &str| {
            client
                .query(sql, &[])
                .map_err(|e| LiveError::query(&format!("reading {what}"), &e, lock, statement))
        };
        let rows = query(
            "pg_locks",
            "SELECT l.pid, n.nspname, c.relname, l.mode, l.granted
               FROM pg_locks l
               JOIN pg_class c ON c.oid = l.relation
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE l.locktype = 'relation'
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.pid IS DISTINCT FROM pg_backend_pid()
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg_toast%'
              ORDER BY l.pid, n.nspname, c.relname",
        )?;
        let mut locks = Vec::with_capacity(rows.len());
        for row in &rows {
            let (Some(pid), Some(mode)) = (
                row.get::<_, Option<i32>>(0),
                LockMode::parse(row.get::<_, &str>(3)),
            ) else {
                continue;
            };
            locks.push(RelationLock {
                pid,
                relation: ObjectName::new(Some(row.get::<_, &str>(1)), row.get::<_, &str>(2)),
                mode,
                granted: row.get(4),
            });
        }
        let rows = query(
            "pg_stat_activity",
            "SELECT pid, usename::text, application_name, state, backend_type,
                    extract(epoch FROM now() - xact_start)::float8,
                    CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ': ' || wait_event END,
                    query
               FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
              ORDER BY pid",
        )?;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in &rows {
            let text: Option<String> = row.get(7);
            sessions.push(Session {
                pid: row.get(0),
                user: row.get(1),
                application_name: row.get::<_, Option<String>>(2).filter(|a| !a.is_empty()),
                state: row.get(3),
                backend_type: row.get(4),
                transaction_age_s: row.get(5),
                wait_event: row.get(6),
                // another user's query is hidden from a role without pg_read_all_stats
                query: text
                    .filter(|q| query_text && q != "<insufficient privilege>")
                    .map(|q| excerpt(&q)),
            });
        }
        Ok(Activity {
            sessions,
            locks,
            ..Activity::default()
        })
    })
}

/// The first line-folded [`QUERY_EXCERPT`] characters of a query.
fn excerpt(query: &str) -> String {
    let folded: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(QUERY_EXCERPT) {
        Some((at, _)) => format!("{}...", &folded[..at]),
        None => folded,
    }
}

/// A session that would block (or hold up) a pending statement's lock request.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Blocker {
    pub file: String,
    pub line: u32,
    pub relation: ObjectName,
    /// The mode the statement will request.
    pub requested: LockMode,
    /// The conflicting mode the session holds (or waits for).
    pub held: LockMode,
    pub granted: bool,
    pub session: Session,
}

/// Every (statement, session) conflict: the pending statements' locks on relations that
/// exist in the database against the other sessions' locks.
pub fn blockers(plan: &[PlannedStatement], activity: &Activity) -> Vec<Blocker> {
    let mut out = Vec::new();
    for p in plan {
        for want in p.locks.iter().filter(|l| l.preexisting) {
            for have in activity
                .locks
                .iter()
                .filter(|h| same_relation(&h.relation, &want.relation))
                .filter(|h| want.mode.conflicts_with(h.mode))
            {
                let Some(session) = activity.sessions.iter().find(|s| s.pid == have.pid) else {
                    continue;
                };
                // one line per session and statement: the strongest of its modes
                if let Some(b) = out.iter_mut().find(|b: &&mut Blocker| {
                    b.file == p.file
                        && b.line == p.span.start_pos.line
                        && b.session.pid == have.pid
                        && b.relation == have.relation
                }) {
                    if have.mode > b.held {
                        b.held = have.mode;
                        b.granted = have.granted;
                    }
                    continue;
                }
                out.push(Blocker {
                    file: p.file.clone(),
                    line: p.span.start_pos.line,
                    relation: have.relation.clone(),
                    requested: want.mode,
                    held: have.mode,
                    granted: have.granted,
                    session: session.clone(),
                });
            }
        }
    }
    out
}

/// What would queue behind one pending statement's lock on a busy table.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Queue {
    pub file: String,
    pub line: u32,
    pub relation: ObjectName,
    /// The mode the statement will request.
    pub requested: LockMode,
    /// Reads of the table per second that the mode blocks (only ACCESS EXCLUSIVE
    /// blocks reads).
    pub reads_per_s: f64,
    /// Rows written per second that the mode blocks (SHARE and stronger).
    pub writes_per_s: f64,
    /// A `lock_timeout` that keeps the queue to about [`QUEUE_BUDGET`] queries.
    pub suggested_lock_timeout_ms: u64,
}

/// How many queries may pile up behind a lock request before it gives up: about the
/// headroom of a common connection pool. The suggested `lock_timeout` is this many
/// queries' worth of the table's traffic, between [`MIN_TIMEOUT_MS`] and
/// [`MAX_TIMEOUT_MS`].
pub const QUEUE_BUDGET: f64 = 50.0;
pub const MIN_TIMEOUT_MS: u64 = 100;
pub const MAX_TIMEOUT_MS: u64 = 5_000;

/// The suggested `lock_timeout` for `rate` blocked queries per second.
pub fn suggested_lock_timeout_ms(rate: f64) -> u64 {
    if rate <= 0.0 {
        return MAX_TIMEOUT_MS;
    }
    let ms = (QUEUE_BUDGET / rate * 1000.0).clamp(MIN_TIMEOUT_MS as f64, MAX_TIMEOUT_MS as f64);
    // two significant digits read better than a precise guess
    let magnitude = 10f64.powi((ms.log10().floor() as i32 - 1).max(0));
    ((ms / magnitude).floor() * magnitude) as u64
}

/// The queues the pending statements' locks would build on the tables that had traffic
/// while it was sampled: one per statement and table, for a mode that blocks reads or
/// writes.
pub fn queues(plan: &[PlannedStatement], activity: &Activity) -> Vec<Queue> {
    let mut out: Vec<Queue> = Vec::new();
    for p in plan {
        for want in p.locks.iter().filter(|l| l.preexisting) {
            let Some(t) = activity
                .traffic
                .iter()
                .find(|t| same_relation(&t.relation, &want.relation))
            else {
                continue;
            };
            let reads = if want.mode.conflicts_with(LockMode::AccessShare) {
                t.reads_per_s
            } else {
                0.0
            };
            let writes = if want.mode.conflicts_with(LockMode::RowExclusive) {
                t.writes_per_s
            } else {
                0.0
            };
            if reads + writes <= 0.0 {
                continue;
            }
            let line = p.span.start_pos.line;
            if let Some(q) = out
                .iter_mut()
                .find(|q| q.file == p.file && q.line == line && q.relation == t.relation)
            {
                if want.mode > q.requested {
                    q.requested = want.mode;
                    q.reads_per_s = reads;
                    q.writes_per_s = writes;
                    q.suggested_lock_timeout_ms = suggested_lock_timeout_ms(reads + writes);
                }
                continue;
            }
            out.push(Queue {
                file: p.file.clone(),
                line,
                relation: t.relation.clone(),
                requested: want.mode,
                reads_per_s: reads,
                writes_per_s: writes,
                suggested_lock_timeout_ms: suggested_lock_timeout_ms(reads + writes),
            });
        }
    }
    out
}

/// A queue as one line for people.
pub fn describe_queue(q: &Queue) -> String {
    let mut what = Vec::new();
    if q.reads_per_s > 0.0 {
        what.push(format!("{} reads/s", rate(q.reads_per_s)));
    }
    if q.writes_per_s > 0.0 {
        what.push(format!("{} row writes/s", rate(q.writes_per_s)));
    }
    format!(
        "{}: {} would queue behind the {} it requests, while it waits and while it holds it; lock_timeout = '{}ms' keeps the queue to about {} queries",
        q.relation,
        what.join(" and "),
        q.requested,
        q.suggested_lock_timeout_ms,
        QUEUE_BUDGET
    )
}

fn rate(r: f64) -> String {
    if r >= 10.0 {
        format!("{}", r.round())
    } else {
        format!("{r:.1}")
    }
}

/// Transactions open for at least this long are listed even when they hold no lock the
/// migration conflicts with yet: the first conflicting lock they take holds up the
/// migration (and everything queued behind it) until they end.
pub const LONG_TRANSACTION_S: f64 = 60.0;

/// Other sessions whose transaction has been open for at least `min_age_s` seconds
/// ([`LONG_TRANSACTION_S`]), oldest first, leaving out those already in `blockers`.
pub fn long_transactions<'a>(
    activity: &'a Activity,
    blockers: &[Blocker],
    min_age_s: f64,
) -> Vec<&'a Session> {
    let mut out: Vec<&Session> = activity
        .sessions
        .iter()
        .filter(|s| s.transaction_age_s.is_some_and(|a| a >= min_age_s))
        .filter(|s| !blockers.iter().any(|b| b.session.pid == s.pid))
        .collect();
    out.sort_by(|a, b| {
        b.transaction_age_s
            .partial_cmp(&a.transaction_age_s)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    out
}

/// A long transaction as one line: who, how long, doing what.
pub fn describe_session(s: &Session) -> String {
    let mut about: Vec<String> = Vec::new();
    if let Some(u) = &s.user {
        about.push(u.clone());
    }
    if let Some(a) = &s.application_name {
        about.push(a.clone());
    }
    let mut line = format!("pid {}", s.pid);
    if !about.is_empty() {
        line.push_str(&format!(" ({})", about.join(", ")));
    }
    if let Some(age) = s.transaction_age_s {
        line.push_str(&format!(
            ": transaction open for {}, {}",
            duration(age),
            s.state.as_deref().unwrap_or("state unknown")
        ));
    }
    if let Some(q) = &s.query {
        line.push_str(&format!("; query: {q}"));
    }
    line
}

/// The plan names relations qualified as the catalog knows them; unqualified ones are
/// taken as `public`'s.
fn same_relation(live: &ObjectName, planned: &ObjectName) -> bool {
    live.name == planned.name
        && live.schema.as_deref().unwrap_or("public")
            == planned.schema.as_deref().unwrap_or("public")
}

/// A blocker as one line for people: who, holding what, since when, doing what.
pub fn describe(b: &Blocker) -> String {
    let s = &b.session;
    let mut who = format!("pid {}", s.pid);
    let mut about: Vec<String> = Vec::new();
    if let Some(u) = &s.user {
        about.push(u.clone());
    }
    if let Some(a) = &s.application_name {
        about.push(a.clone());
    }
    if let Some(t) = s.backend_type.as_deref().filter(|t| *t != "client backend") {
        about.push(t.to_string());
    }
    if !about.is_empty() {
        who = format!("{who} ({})", about.join(", "));
    }
    let state = match (s.state.as_deref(), s.transaction_age_s) {
        (Some("idle in transaction"), Some(age)) => {
            format!("IDLE IN TRANSACTION for {}", duration(age))
        }
        (Some(state), Some(age)) => format!("{state}, transaction open for {}", duration(age)),
        (Some(state), None) => state.to_string(),
        (None, _) => "state unknown".to_string(),
    };
    let holds = if b.granted { "holds" } else { "waits for" };
    let mut line = format!(
        "{who} {holds} {} on {}, which conflicts with the {} this statement requests; {state}",
        b.held, b.relation, b.requested
    );
    // an idle session always waits for its client: said only of a running one
    if let (Some(w), Some("active")) = (&s.wait_event, s.state.as_deref()) {
        line.push_str(&format!("; waiting on {w}"));
    }
    if let Some(q) = &s.query {
        if q.contains("to prevent wraparound") {
            line.push_str("; an anti-wraparound autovacuum, which DDL does not cancel");
        }
        line.push_str(&format!("; query: {q}"));
    }
    line
}

fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_fold_lines_and_stop_at_the_limit() {
        assert_eq!(
            excerpt("SELECT *\n  FROM t\tWHERE a = 1"),
            "SELECT * FROM t WHERE a = 1"
        );
        let long = "x".repeat(QUERY_EXCERPT + 10);
        assert_eq!(excerpt(&long).chars().count(), QUERY_EXCERPT + 3);
    }

    fn session(pid: i32, age: Option<f64>) -> Session {
        Session {
            pid,
            user: Some("app".into()),
            application_name: None,
            state: Some("idle in transaction".into()),
            backend_type: Some("client backend".into()),
            transaction_age_s: age,
            wait_event: None,
            query: None,
        }
    }

    #[test]
    fn long_transactions_are_the_old_ones_not_already_blocking_oldest_first() {
        let activity = Activity {
            sessions: vec![
                session(1, Some(30.0)),
                session(2, Some(600.0)),
                session(3, None),
                session(4, Some(7200.0)),
                session(5, Some(90.0)),
            ],
            locks: Vec::new(),
            ..Activity::default()
        };
        let blocking = Blocker {
            file: "f.sql".into(),
            line: 1,
            relation: ObjectName::new(Some("public"), "t"),
            requested: LockMode::AccessExclusive,
            held: LockMode::AccessShare,
            granted: true,
            session: session(5, Some(90.0)),
        };
        let pids: Vec<i32> = long_transactions(&activity, &[blocking], LONG_TRANSACTION_S)
            .iter()
            .map(|s| s.pid)
            .collect();
        assert_eq!(pids, vec![4, 2]);
        assert_eq!(
            describe_session(&session(4, Some(7200.0))),
            "pid 4 (app): transaction open for 2 h 0 min, idle in transaction"
        );
    }

    #[test]
    fn suggested_lock_timeouts_keep_the_queue_small() {
        // no traffic: the upper bound; busy: down to the lower one
        assert_eq!(suggested_lock_timeout_ms(0.0), MAX_TIMEOUT_MS);
        assert_eq!(suggested_lock_timeout_ms(5.0), MAX_TIMEOUT_MS);
        assert_eq!(suggested_lock_timeout_ms(100.0), 500);
        assert_eq!(suggested_lock_timeout_ms(30.0), 1600);
        assert_eq!(suggested_lock_timeout_ms(10_000.0), MIN_TIMEOUT_MS);
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(600.0), "10 min");
        assert_eq!(duration(3.0 * 3600.0 + 120.0), "3 h 2 min");
    }
}
