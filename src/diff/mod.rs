//! `schemaguard diff`: drift between two schemas, e.g. the one the migrations produce
//! and the one a live database has.
//!
//! Each side becomes a [`Catalog`](crate::catalog::Catalog) (`side`: replayed
//! migrations, an introspected database, or a replayed `pg_dump --schema-only` file),
//! then a canonical [`Schema`](canonical::Schema) in which equal schemas are equal
//! whichever way they were built (`canonical`), then structured differences and the
//! DDL blocks that differ (`compare`), then output (`render`).
//!
//! Exit codes, as `diff(1)`: 0 equal, 1 different, 2 error.

pub mod canonical;
pub mod compare;
pub mod render;
pub mod side;

use crate::exit;
use canonical::{Exclusions, canonicalize};
use clap::{Args, ValueEnum};
use side::{LoadOptions, SideSpec};
use std::io::IsTerminal;
use std::path::PathBuf;

pub use compare::{Change, Difference, DifferenceKind, SchemaDiff};

/// Compares two catalogs: `left` is what the migrations produce (or `--from`), `right`
/// the live database (or `--to`).
pub fn diff(
    left: &crate::catalog::Catalog,
    right: &crate::catalog::Catalog,
    exclusions: &Exclusions,
) -> SchemaDiff {
    compare::compare(
        &canonicalize(left, exclusions),
        &canonicalize(right, exclusions),
    )
}

/// `schemaguard diff` arguments. A SIDE is a migrations directory or file, a
/// `postgres://`/`postgresql://` URL, or a `pg_dump --schema-only` file (a file whose
/// header says `PostgreSQL database dump`, or any file with `--from-dump`/`--to-dump`).
#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// Migration files or directories: the left side, what the migrations produce
    /// [default: `paths` in schemaguard.toml]
    paths: Vec<PathBuf>,
    /// The live database to compare with: the right side (same as `--to URL`)
    #[arg(long, value_name = "URL", conflicts_with = "to")]
    database_url: Option<String>,
    /// The left side, instead of PATHS: migrations, a URL or a dump file
    #[arg(long, value_name = "SIDE", conflicts_with = "paths")]
    from: Option<String>,
    /// The right side, instead of --database-url: migrations, a URL or a dump file
    #[arg(long, value_name = "SIDE")]
    to: Option<String>,
    /// Read the --from file as a pg_dump --schema-only file even without pg_dump's header
    #[arg(long, requires = "from")]
    from_dump: bool,
    /// Read the --to file as a pg_dump --schema-only file even without pg_dump's header
    #[arg(long, requires = "to")]
    to_dump: bool,
    /// Leave out objects whose name matches (`*` is a wildcard; `schema.name`, or `name`
    /// in any schema); repeatable
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,
    /// Compare the migration frameworks' history tables too (`schema_migrations`,
    /// `flyway_schema_history`, ...), which are left out by default
    #[arg(long)]
    include_history_tables: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// PostgreSQL major version the migrations are replayed for (10-18)
    #[arg(long, value_name = "N")]
    pg_version: Option<u32>,
    /// Configuration file [default: the nearest schemaguard.toml upward]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// When to use colours in human output (never when NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = DiffColor::Auto)]
    color: DiffColor,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// A list of differences, then a unified diff of the canonical DDL
    Human,
    /// The versioned JSON document (see README)
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum DiffColor {
    Auto,
    Always,
    Never,
}

fn use_color(choice: DiffColor) -> bool {
    match choice {
        DiffColor::Never => false,
        DiffColor::Always => true,
        DiffColor::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Runs `schemaguard diff`; returns the exit code.
pub fn run(args: &DiffArgs) -> i32 {
    match execute(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit::ERROR
        }
    }
}

/// Why `diff` could not compare (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A side could not be read.
    #[error(transparent)]
    Side(#[from] side::SideError),
    /// Only one side given.
    #[error(
        "nothing to compare with: give --database-url URL, or --to SIDE (migrations, a URL or a pg_dump file)"
    )]
    NothingToCompare,
    /// The current directory is gone or unreadable.
    #[error("cannot read the current directory: {0}")]
    CurrentDir(#[source] std::io::Error),
}

fn execute(args: &DiffArgs) -> Result<i32, DiffError> {
    let left_spec = match &args.from {
        Some(s) => side::parse_side(s, args.from_dump)?,
        None => SideSpec::Migrations(args.paths.clone()),
    };
    let right_spec = match (&args.to, &args.database_url) {
        (Some(s), _) => side::parse_side(s, args.to_dump)?,
        (None, Some(url)) => SideSpec::Database(url.clone()),
        (None, None) => {
            return Err(DiffError::NothingToCompare);
        }
    };
    let mut opts = LoadOptions {
        pg_version: args.pg_version,
        config: args.config.clone(),
        cwd: std::env::current_dir().map_err(DiffError::CurrentDir)?,
    };
    // migrations compared with a database are replayed for its version, unless one is
    // asked for: what PostgreSQL refuses differs between versions
    let right = side::load(&right_spec, &opts)?;
    if opts.pg_version.is_none()
        && let Some(major) = right.server_major
    {
        opts.pg_version = Some(major);
    }
    let left = side::load(&left_spec, &opts)?;
    for w in left.warnings.iter().chain(&right.warnings) {
        eprintln!("warning: {w}");
    }
    let exclusions = Exclusions {
        patterns: args.exclude.clone(),
        keep_history: args.include_history_tables,
    };
    let (l, r) = (
        canonicalize(&left.catalog, &exclusions),
        canonicalize(&right.catalog, &exclusions),
    );
    let d = compare::compare(&l, &r);
    let mut excluded: Vec<String> = l.excluded.iter().chain(&r.excluded).cloned().collect();
    excluded.sort();
    excluded.dedup();
    match args.format {
        DiffFormat::Human => print!(
            "{}",
            render::human(
                &d,
                &left.info,
                &right.info,
                &excluded,
                use_color(args.color)
            )
        ),
        DiffFormat::Json => println!("{}", render::json(&d, &left.info, &right.info, &excluded)),
    }
    Ok(if d.is_empty() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    })
}
