//! Live databases: connecting safely (read-only, time-bounded, TLS, no password in any
//! message). Introspection, applied-migration history and size statistics build on
//! [`LiveSession::read`].
//!
//! Invariant: **live never writes.** A [`LiveSession`] is read-only from its first
//! statement (`default_transaction_read_only`), and its only way to run SQL is
//! [`LiveSession::read`], inside `BEGIN ... READ ONLY` that is always rolled back, with
//! `lock_timeout` and `statement_timeout` set. Reads are plain SELECTs on catalogs and
//! statistics views (ACCESS SHARE at most).

pub mod activity;
pub mod connect;
pub mod history;
pub mod introspect;
mod pgpass;
pub mod risk;
pub mod tls;

pub use connect::{
    APPLICATION_NAME, ConnectOptions, Host, LiveSession, PasswordSource, connect, open, redact,
};
pub use tls::{Roots, SslMode};

use crate::catalog::Catalog;
use crate::source::framework::Framework;
use std::fmt;

/// What a check against a live database starts from, read in one session.
#[derive(Debug)]
pub struct Snapshot {
    /// The database as shown to the user (no password).
    pub target: String,
    pub server_version_num: u32,
    /// The schema, with table sizes.
    pub catalog: Catalog,
    /// The migration framework's history table, if the database has one.
    pub history: Option<history::History>,
    /// The other sessions and their relation locks, as they were at the snapshot.
    pub activity: activity::Activity,
}

/// Connects read-only, introspects the schema, reads the history table (`prefer`: the
/// framework the migration files are written for) and the other sessions' locks
/// (`query_text`: with an excerpt of each one's query). With a `traffic_window` (in
/// seconds), the tables' scan and write counters are read at the start and again once
/// that long has passed (the reads in between count towards it), for their rates.
pub fn snapshot(
    opts: &ConnectOptions,
    prefer: Option<Framework>,
    query_text: bool,
    traffic_window: Option<f64>,
) -> Result<Snapshot, LiveError> {
    let mut session = connect(opts)?;
    let window = traffic_window.filter(|w| *w > 0.0);
    let before = match window {
        Some(_) => Some(activity::counters(&mut session)?),
        None => None,
    };
    let introspected = introspect::introspect(&mut session)?;
    let history = history::read(&mut session, prefer)?;
    let mut activity = activity::read(&mut session, query_text)?;
    if let (Some(window), Some(before)) = (window, before) {
        let left = std::time::Duration::from_secs_f64(window).saturating_sub(before.age());
        std::thread::sleep(left);
        let after = activity::counters(&mut session)?;
        let (traffic, took) = activity::traffic(&before, &after);
        activity.traffic = traffic;
        activity.traffic_window_s = Some(took);
    }
    Ok(Snapshot {
        target: session.target().to_string(),
        server_version_num: introspected.server_version_num,
        catalog: introspected.catalog,
        history,
        activity,
    })
}

/// [`redact`] for any text that may quote connection strings (an error message, a
/// command line): every URL's password on every line, and every `password=` value.
pub fn redact_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        // one piece per URL, each starting at the word holding its `://`
        let mut starts: Vec<usize> = Vec::new();
        let mut from = 0;
        while let Some(pos) = line[from..].find("://") {
            let at = from + pos;
            let word = line[..at]
                .rfind(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | '(' | '<'))
                .map_or(0, |i| i + 1);
            if starts.last().is_none_or(|&s| word > s) {
                starts.push(word);
            }
            from = at + 3;
        }
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(line.len());
            out.push_str(&redact(&line[start..end]));
        }
    }
    out
}

/// What can go wrong with a live database. `Display` is one line without any password;
/// the CLI exits 2 on every variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// The connection string or a `PG*` variable is malformed.
    Options(String),
    /// Connecting, or making the session read-only, failed.
    Connect { target: String, cause: String },
    /// A read failed.
    Query { what: String, cause: String },
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Options(message) => write!(f, "invalid connection settings: {message}"),
            LiveError::Connect { target, cause } => {
                write!(f, "cannot connect to {target}: {cause}")
            }
            LiveError::Query { what, cause } => write!(f, "{what} failed: {cause}"),
        }
    }
}

impl std::error::Error for LiveError {}

impl From<postgres::Error> for LiveError {
    fn from(e: postgres::Error) -> LiveError {
        LiveError::Query {
            what: "a query".to_string(),
            cause: match e.as_db_error() {
                Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
                None => error_chain(&e),
            },
        }
    }
}

/// The error and its causes, joined with `: ` (the postgres crate's `Display` names the
/// kind of failure only, e.g. "error connecting to server").
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::redact_all;

    #[test]
    fn redact_all_hides_every_url_password_on_every_line() {
        let text = "error: invalid value 'postgres://alice:pw1@db/app' for '--x'\n\
                    from postgresql://bob:p@ss2@h:5432/d?sslmode=require to mysql://c:pw3@h \
                    and host=h password=pw4 user=u\nno secret here: a@b://";
        let out = redact_all(text);
        for secret in ["pw1", "p@ss2", "pw3", "pw4"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(
            out.contains("postgres://alice:***@db/app' for '--x'"),
            "{out}"
        );
        assert!(
            out.contains("postgresql://bob:***@h:5432/d?sslmode=require"),
            "{out}"
        );
        assert!(out.contains("no secret here: a@b://"), "{out}");
        assert_eq!(redact_all("plain text\n"), "plain text\n");
    }
}
