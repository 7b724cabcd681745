//! What can stop a trace (exit 2 in the CLI). Messages carry no password: the server,
//! live and run errors are redacted where they are made, and the schema source is shown
//! redacted.

use super::observe::ObserveError;
use crate::live::{self, LiveError};
use crate::pgbin::PgBinError;
use crate::pipeline::RunError;
use crate::server::ServerError;
use std::path::PathBuf;

/// What a hook of [`super::run_on_session_with`] may fail with: the trace stops with it.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// Why a trace stopped.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading, parsing or analysing the migrations.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Starting, reaching or stopping the throwaway server.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The connection settings of `--database-url`, or connecting to it.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// Observing a statement (`pg_locks`, `pg_class`).
    #[error(transparent)]
    Observe(#[from] ObserveError),
    /// A statement of the trace's own (transaction control, savepoints).
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    /// A batch of the trace's own SQL failed.
    #[error("{sql}: {}", live::error_chain(source))]
    Batch {
        /// The SQL sent.
        sql: String,
        /// What the server said.
        source: postgres::Error,
    },
    /// Reading `server_version` of `--database-url`.
    #[error("reading the server version failed: {}", live::error_chain(.0))]
    ServerVersion(#[source] postgres::Error),
    /// `--pg-version`: the server programs of that major version could not be had.
    #[error(
        "PostgreSQL {major} is not installed here, and getting it failed: {source}. Install it (Debian/Ubuntu: `apt-get install postgresql-{major}`) or name its directory with --pg-bin"
    )]
    ServerPrograms {
        /// The major version asked for.
        major: u32,
        /// Why it could not be found or fetched.
        source: PgBinError,
    },
    /// `--schema-from` names a file that cannot be read.
    #[error("cannot read the schema dump {}: {source}", path.display())]
    ReadDump {
        /// The file.
        path: PathBuf,
        /// What reading said.
        source: std::io::Error,
    },
    /// `pg_dump`, `psql` or `pg_restore` could not be started.
    #[error("cannot run {program} from {}{purpose}: {source}", bin_dir.display())]
    Spawn {
        /// The program.
        program: &'static str,
        /// Its directory.
        bin_dir: PathBuf,
        /// " to load the schema", or nothing.
        purpose: &'static str,
        /// What starting it said.
        source: std::io::Error,
    },
    /// `psql`/`pg_restore` failed to load the schema (source and output redacted).
    #[error("{program} failed to load the schema from {source_redacted}: {stderr}")]
    LoadSchema {
        /// `psql` or `pg_restore`.
        program: &'static str,
        /// The schema's source, redacted.
        source_redacted: String,
        /// The program's standard error, redacted.
        stderr: String,
    },
    /// `pg_dump --schema-only` failed (the message is scrubbed of the password).
    #[error("pg_dump --schema-only of {target} failed: {stderr}{hint}")]
    Dump {
        /// The database, redacted.
        target: String,
        /// pg_dump's standard error, scrubbed.
        stderr: String,
        /// A hint on version mismatches, or nothing.
        hint: &'static str,
    },
    /// The caller's hook failed.
    #[error(transparent)]
    Hook(HookError),
}
