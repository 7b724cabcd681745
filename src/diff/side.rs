//! The two sides of a diff and how each becomes a [`Catalog`]: migrations (replayed by
//! the pipeline), a live database (introspected, read-only), or a `pg_dump
//! --schema-only` file (parsed and replayed).

use super::render::SideInfo;
use crate::catalog::{Catalog, Origin, replay};
use crate::live::{self, ConnectOptions};
use crate::ops::Operation;
use crate::pipeline::{self, RunOptions};
use std::path::{Path, PathBuf};

/// What a SIDE argument names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SideSpec {
    /// Migration files or directories (empty: `paths` from schemaguard.toml).
    Migrations(Vec<PathBuf>),
    /// A `postgres://` or `postgresql://` URL.
    Database(String),
    /// A `pg_dump --schema-only` file (plain SQL).
    Dump(PathBuf),
}

/// A side, read.
pub struct Side {
    pub info: SideInfo,
    pub catalog: Catalog,
    /// Things the user should know about this side (statements that were not read).
    pub warnings: Vec<String>,
    /// A database's PostgreSQL major version.
    pub server_major: Option<u32>,
}

/// What the migrations side needs from the command line.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub pg_version: Option<u32>,
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
}

/// The text pg_dump starts a plain-format dump with.
/// Why a side of `diff` could not be read. Messages name the argument or file (and the
/// line and column in a dump) and what was expected there.
#[derive(Debug, thiserror::Error)]
pub enum SideError {
    /// `--from-dump`/`--to-dump` given a URL.
    #[error("--from-dump/--to-dump name a file, not a URL")]
    DumpFlagOnUrl,
    /// The path does not exist.
    #[error(
        "{0}: no such file or directory (a side is a migrations directory or file, a postgres:// URL, or a pg_dump --schema-only file)"
    )]
    Missing(String),
    /// `--from-dump`/`--to-dump` given a directory.
    #[error("{0}: is a directory; --from-dump/--to-dump name a pg_dump file")]
    DumpFlagOnDirectory(String),
    /// Reading or analysing the migrations.
    #[error(transparent)]
    Run(#[from] crate::pipeline::RunError),
    /// A migration file could not be read.
    #[error(
        "{file}: {message} (the migrations must be read whole to know the schema they produce)"
    )]
    UnreadableMigration {
        /// The file, as shown.
        file: String,
        /// Why.
        message: String,
    },
    /// The database could not be read.
    #[error(transparent)]
    Live(#[from] live::LiveError),
    /// The dump file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    ReadDump {
        /// The file.
        path: PathBuf,
        /// What reading said.
        source: std::io::Error,
    },
    /// The dump is not a plain-SQL schema dump, or a statement of it is unreadable.
    #[error("{}{}: {what}", path.display(), at.map(|(l, c)| match c { Some(c) => format!(":{l}:{c}"), None => format!(":{l}") }).unwrap_or_default())]
    NotADump {
        /// The file.
        path: PathBuf,
        /// The line (and column) where it goes wrong, when there is one.
        at: Option<(usize, Option<u32>)>,
        /// What is there, and what was expected.
        what: String,
    },
}

const DUMP_HEADER: &str = "PostgreSQL database dump";
const CLUSTER_HEADER: &str = "PostgreSQL database cluster dump";

/// Reads a SIDE argument: a URL, or a path (a dump when `force_dump` or when its header
/// says so; otherwise migrations).
pub fn parse_side(text: &str, force_dump: bool) -> Result<SideSpec, SideError> {
    let t = text.trim();
    if t.starts_with("postgres://") || t.starts_with("postgresql://") {
        if force_dump {
            return Err(SideError::DumpFlagOnUrl);
        }
        return Ok(SideSpec::Database(t.to_string()));
    }
    let path = PathBuf::from(text);
    if !path.exists() {
        return Err(SideError::Missing(text.to_string()));
    }
    if path.is_file() && (force_dump || looks_like_dump(&path)) {
        return Ok(SideSpec::Dump(path));
    }
    if force_dump {
        return Err(SideError::DumpFlagOnDirectory(text.to_string()));
    }
    Ok(SideSpec::Migrations(vec![path]))
}

/// The file starts like pg_dump output (plain SQL with its header, or a custom-format
/// archive, which gets a clear error when read).
fn looks_like_dump(path: &Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head.truncate(n);
    if head.starts_with(b"PGDMP") {
        return true;
    }
    let text = String::from_utf8_lossy(&head);
    text.lines()
        .take(20)
        .any(|l| l.starts_with("--") && (l.contains(DUMP_HEADER) || l.contains(CLUSTER_HEADER)))
}

/// Reads a side into a catalog.
pub fn load(spec: &SideSpec, opts: &LoadOptions) -> Result<Side, SideError> {
    match spec {
        SideSpec::Migrations(paths) => load_migrations(paths, opts),
        SideSpec::Database(url) => load_database(url),
        SideSpec::Dump(path) => load_dump(path),
    }
}

fn load_migrations(paths: &[PathBuf], opts: &LoadOptions) -> Result<Side, SideError> {
    let run = pipeline::run(&RunOptions {
        paths: paths.to_vec(),
        pg_version: opts.pg_version,
        config: opts.config.clone(),
        stdin_filename: None,
        cwd: opts.cwd.clone(),
        // every migration, from an empty schema: what the history produces
        ..RunOptions::default()
    })?;
    if let Some((file, message)) = run.input_errors.first() {
        return Err(SideError::UnreadableMigration {
            file: file.clone(),
            message: message.clone(),
        });
    }
    let unparsed: Vec<String> = run
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule == "unparsed-statement")
        .map(|f| {
            format!(
                "{}:{}:{}",
                f.file, f.span.start_pos.line, f.span.start_pos.column
            )
        })
        .collect();
    let mut warnings = Vec::new();
    if let Some(first) = unparsed.first() {
        warnings.push(format!(
            "{} statement{} of the migrations could not be parsed and {} not part of the replayed schema (first at {first}; `schemaguard check` shows why)",
            unparsed.len(),
            if unparsed.len() == 1 { "" } else { "s" },
            if unparsed.len() == 1 { "is" } else { "are" },
        ));
    }
    let source = if paths.is_empty() {
        "paths from schemaguard.toml".to_string()
    } else {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let files = run.files.len();
    Ok(Side {
        info: SideInfo {
            kind: "migrations",
            source,
            detail: format!("{files} file{}", if files == 1 { "" } else { "s" }),
        },
        catalog: run.analysis.catalog,
        warnings,
        server_major: None,
    })
}

/// `150004` -> `15.4`; `90624` -> `9.6.24`.
fn version_text(num: u32) -> String {
    if num >= 100_000 {
        format!("{}.{}", num / 10_000, num % 10_000)
    } else {
        format!("{}.{}.{}", num / 10_000, (num / 100) % 100, num % 100)
    }
}

fn load_database(url: &str) -> Result<Side, SideError> {
    let opts = ConnectOptions::from_env_and_url(Some(url))?;
    let mut session = live::connect(&opts)?;
    let got = live::introspect::introspect(&mut session)?;
    Ok(Side {
        info: SideInfo {
            kind: "database",
            source: opts.to_string(),
            detail: format!("PostgreSQL {}", version_text(got.server_version_num)),
        },
        catalog: got.catalog,
        warnings: Vec::new(),
        server_major: Some(got.server_version_num / 10_000),
    })
}

/// The 1-based line of byte offset `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn load_dump(path: &Path) -> Result<Side, SideError> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|source| SideError::ReadDump {
        path: path.to_path_buf(),
        source,
    })?;
    let not_a_dump = |at: Option<(usize, Option<u32>)>, what: String| SideError::NotADump {
        path: path.to_path_buf(),
        at,
        what,
    };
    if bytes.starts_with(b"PGDMP") {
        return Err(not_a_dump(
            None,
            format!(
                "a pg_dump archive in custom format, not SQL; turn it into SQL first: pg_restore --schema-only --file schema.sql {shown}"
            ),
        ));
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(not_a_dump(
            Some((line_of(&bytes, at), None)),
            "a NUL byte: a binary file, not a pg_dump --schema-only file".to_string(),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(not_a_dump(
                Some((line_of(e.as_bytes(), at), None)),
                "not UTF-8 text, so not a pg_dump --schema-only file".to_string(),
            ));
        }
    };
    if text.lines().take(20).any(|l| l.contains(CLUSTER_HEADER)) {
        return Err(not_a_dump(
            None,
            "a pg_dumpall file, with every database of a cluster; dump the one database with pg_dump --schema-only".to_string(),
        ));
    }
    let parsed = crate::parse::parse_file(&text);
    // A dump is machine-written: a statement we cannot read means the file is damaged
    // or not a dump, and a catalog missing what it holds would report phantom drift.
    let unreadable: Vec<(u32, u32, String)> = parsed
        .statements
        .iter()
        .flat_map(|s| std::iter::once(s).chain(&s.embedded))
        .filter_map(|s| match &s.op {
            Operation::Unparsed { reason } => Some((
                s.span.start_pos.line,
                s.span.start_pos.column,
                reason.clone(),
            )),
            _ => None,
        })
        .collect();
    if let Some((line, column, reason)) = unreadable.first() {
        let more = match unreadable.len() {
            1 => String::new(),
            n => format!(" ({} more unreadable statements)", n - 1),
        };
        return Err(not_a_dump(
            Some((*line as usize, Some(*column))),
            format!("cannot read this statement of the dump: {reason}{more}"),
        ));
    }
    if parsed.statements.is_empty() {
        return Err(not_a_dump(
            None,
            "no SQL statements, so not a pg_dump --schema-only file".to_string(),
        ));
    }
    let mut catalog = Catalog::default();
    for s in &parsed.statements {
        replay::apply(&mut catalog, &s.op, Origin::default());
        for e in &s.embedded {
            replay::apply(&mut catalog, &e.op, Origin::default());
        }
    }
    Ok(Side {
        info: SideInfo {
            kind: "dump",
            source: shown.to_string(),
            detail: format!("{} statements", parsed.statements.len()),
        },
        catalog,
        warnings: Vec::new(),
        server_major: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_print_like_postgres() {
        assert_eq!(version_text(150004), "15.4");
        assert_eq!(version_text(180000), "18.0");
        assert_eq!(version_text(90624), "9.6.24");
    }

    #[test]
    fn urls_are_databases_and_missing_paths_are_errors() {
        assert!(matches!(
            parse_side("postgresql://u@h/db", false),
            Ok(SideSpec::Database(url)) if url == "postgresql://u@h/db"
        ));
        let err = parse_side("/nonexistent/schemaguard/x", false).map_err(|e| e.to_string());
        assert!(
            matches!(&err, Err(m) if m.contains("no such file")),
            "{err:?}"
        );
    }
}
