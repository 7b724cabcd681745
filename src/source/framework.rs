//! Migration frameworks as they really run a file: which part of it is the "up"
//! migration, and which statements share a transaction.
//!
//! | framework | detected by | transaction | outside a transaction |
//! |---|---|---|---|
//! | golang-migrate | `N_name.up.sql` | the file is one multi-statement query: an implicit transaction when it holds more than one statement | put the statement alone in its own file |
//! | goose | `-- +goose Up` | one per file | `-- +goose NO TRANSACTION` |
//! | dbmate | `-- migrate:up` | one per file | `-- migrate:up transaction:false` |
//! | sqlx | `-- no-transaction` first line, else like golang-migrate names | one per file | `-- no-transaction` |
//! | Flyway | `V1__x.sql`, `R__x.sql` | one per file | `executeInTransaction=false` in `V1__x.sql.conf` |
//! | diesel | `<ts>_name/up.sql` | one per file | `run_in_transaction = false` in `metadata.toml` beside it |
//! | Prisma | `<ts>_name/migration.sql` | one multi-statement query (like golang-migrate) | the statement alone in its own migration |
//! | Liquibase | `--liquibase formatted sql` | one per changeset | `--changeset a:b runInTransaction:false` |
//! | popx (ory) | `*.autocommit.up.sql` | none for autocommit files | `.autocommit.` in the name |
//! | plain | anything else | `assume_in_transaction` (default: one per file) | `-- schemaguard:no-transaction` |
//!
//! Only the up direction is checked: goose's and dbmate's down sections are blanked out
//! (replaced by spaces, newlines kept) so every position in the file stays true.

use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    Plain,
    GolangMigrate,
    Goose,
    Dbmate,
    Sqlx,
    Flyway,
    Diesel,
    Prisma,
    Liquibase,
    Popx,
}

impl Framework {
    pub const ALL: [Framework; 10] = [
        Framework::Plain,
        Framework::GolangMigrate,
        Framework::Goose,
        Framework::Dbmate,
        Framework::Sqlx,
        Framework::Flyway,
        Framework::Diesel,
        Framework::Prisma,
        Framework::Liquibase,
        Framework::Popx,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Framework::Plain => "plain",
            Framework::GolangMigrate => "golang-migrate",
            Framework::Goose => "goose",
            Framework::Dbmate => "dbmate",
            Framework::Sqlx => "sqlx",
            Framework::Flyway => "flyway",
            Framework::Diesel => "diesel",
            Framework::Prisma => "prisma",
            Framework::Liquibase => "liquibase",
            Framework::Popx => "popx",
        }
    }

    pub fn parse(name: &str) -> Option<Framework> {
        let n = name.trim().to_ascii_lowercase();
        let n = match n.as_str() {
            "migrate" | "golang_migrate" => "golang-migrate",
            "sql" | "none" => "plain",
            other => other,
        };
        Framework::ALL.into_iter().find(|f| f.name() == n)
    }

    /// How to make a migration run outside a transaction in this framework, as a line
    /// (or instruction) a fix can show.
    pub fn no_transaction_hint(self) -> &'static str {
        match self {
            Framework::Plain => "-- schemaguard:no-transaction",
            Framework::GolangMigrate | Framework::Prisma => {
                "-- (a migration file of its own holding only this statement: a single statement runs outside a transaction)"
            }
            Framework::Goose => "-- +goose NO TRANSACTION",
            Framework::Dbmate => "-- migrate:up transaction:false",
            Framework::Sqlx => "-- no-transaction",
            Framework::Flyway => {
                "-- (beside the script, in V<version>__<name>.sql.conf: executeInTransaction=false)"
            }
            Framework::Diesel => "-- (beside up.sql, in metadata.toml: run_in_transaction = false)",
            Framework::Liquibase => "--changeset <author>:<id> runInTransaction:false",
            Framework::Popx => "-- (name the file <version>_<name>.autocommit.up.sql)",
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the statements of (a part of) a file are run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxMode {
    /// In one transaction the framework opens and commits.
    Wrapped,
    /// Statement by statement, no wrapping transaction.
    Autocommit,
    /// Sent as one multi-statement query: PostgreSQL runs it as one implicit transaction
    /// when it holds more than one statement, and a lone statement outside any.
    ImplicitMulti,
}

/// A part of a file with its own transaction (a Liquibase changeset, or the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// 1-based line where it starts.
    pub start_line: u32,
    pub mode: TxMode,
}

/// A file as its framework runs it.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub framework: Framework,
    /// The text the analysis reads when it is not the file's own: down sections
    /// blanked, same length and lines. `None` (most frameworks run the whole file): the
    /// text as read, not copied (a large file is not held twice while it is analysed).
    pub text: Option<String>,
    /// Transaction segments, in order; the first starts at line 1.
    pub segments: Vec<Segment>,
    /// Things worth telling the user (line, message).
    pub notes: Vec<(u32, String)>,
}

impl Prepared {
    /// The text the analysis reads, given the file's text as read.
    pub fn text<'a>(&'a self, read: &'a str) -> &'a str {
        self.text.as_deref().unwrap_or(read)
    }
}

/// The bookkeeping tables migration frameworks keep in the database: the history tables
/// `live::history` reads (in its order of preference, first), then the frameworks' other
/// tables (locks, metadata). No migration creates them, so rules do not report them as
/// unknown and `diff` leaves them out.
pub const HISTORY_TABLES: &[&str] = &[
    "flyway_schema_history",
    "_sqlx_migrations",
    "_prisma_migrations",
    "goose_db_version",
    "__diesel_schema_migrations",
    "databasechangelog",
    "schema_migrations",
    "schema_migration",
    // not read for history
    "databasechangeloglock",
    "alembic_version",
    "ar_internal_metadata",
    "knex_migrations",
    "knex_migrations_lock",
];

/// How many of [`HISTORY_TABLES`] are history tables `live::history` reads.
pub const READ_HISTORY_TABLES: usize = 8;

/// What the framework's history table records a migration by, so two files with the
/// same key collide (one is rejected, or skipped as already applied); `None` when the
/// framework keys on something that cannot collide between two files.
/// - Prisma: `_prisma_migrations.migration_name`, the whole folder name
///   (`20240304123642_a` and `20240304123642_b` both run).
/// - Liquibase: `databasechangelog` keys each changeset on id, author and file name, not
///   the file's version.
/// - Flyway repeatables (`R__x.sql`): by description, re-run whenever their checksum
///   changes; they have no version.
/// - Every other framework (Flyway, golang-migrate, goose, dbmate, sqlx, diesel, popx):
///   the version (`schema_migrations.version`, `flyway_schema_history.version`, ...).
///
/// `configured` is the framework named in the configuration, if any; otherwise the
/// file's name and first line decide, as [`detect`] would for these frameworks.
pub fn record_key(
    path: &Path,
    text: &str,
    version: Option<String>,
    configured: Option<Framework>,
) -> Option<String> {
    let version = version?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let framework = configured.unwrap_or_else(|| {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let first = first.trim().to_ascii_lowercase();
        if first.starts_with("--liquibase formatted sql")
            || first.starts_with("-- liquibase formatted sql")
        {
            Framework::Liquibase
        } else if name == "migration.sql" {
            Framework::Prisma
        } else {
            Framework::Plain
        }
    });
    match framework {
        Framework::Liquibase => None,
        Framework::Prisma => {
            // the folder's name, or the file's stem for a loose file
            let folder = if name == "migration.sql" {
                path.parent().and_then(|p| p.file_name())
            } else {
                path.file_stem()
            };
            Some(
                folder
                    .and_then(|f| f.to_str())
                    .map_or(version, str::to_string),
            )
        }
        _ => Some(version),
    }
}

/// Which framework a file belongs to, from its name, folder and first lines.
pub fn detect(path: &Path, text: &str) -> Framework {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first_line.starts_with("--liquibase formatted sql")
        || first_line.starts_with("-- liquibase formatted sql")
    {
        return Framework::Liquibase;
    }
    if has_marker(text, "-- +goose up") {
        return Framework::Goose;
    }
    if has_marker(text, "-- migrate:up") {
        return Framework::Dbmate;
    }
    if first_line == "-- no-transaction" {
        return Framework::Sqlx;
    }
    if name.contains(".autocommit.") {
        return Framework::Popx;
    }
    if is_flyway_name(name) {
        return Framework::Flyway;
    }
    if name == "up.sql" {
        return Framework::Diesel;
    }
    if name == "migration.sql" {
        return Framework::Prisma;
    }
    if name.ends_with(".up.sql") && name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return Framework::GolangMigrate;
    }
    Framework::Plain
}

fn is_flyway_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('V').or_else(|| name.strip_prefix('R')) else {
        return false;
    };
    let Some((ver, _)) = rest.split_once("__") else {
        return false;
    };
    name.starts_with('R') && ver.is_empty()
        || (!ver.is_empty()
            && ver
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_'))
}

/// A line that starts (after blanks) with `marker`, case-insensitively. `marker` is a
/// lower-case `--` comment.
fn has_marker(text: &str, marker: &str) -> bool {
    debug_assert!(marker.starts_with("--"));
    // each `--` is a candidate (a SIMD search; most files have few), not each line
    let bytes = text.as_bytes();
    let marker = marker.as_bytes();
    memchr::memmem::find_iter(bytes, b"--").any(|at| {
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |nl| nl + 1);
        // only blanks before it on its line (what `trim_start` skips)
        text.get(line_start..at)
            .is_some_and(|before| before.chars().all(char::is_whitespace))
            && bytes
                .get(at..at + marker.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(marker))
    })
}

/// Prepares a file for analysis: its framework (from `configured`, else detected), the
/// up part of the text, and its transaction segments. `assume_in_transaction` applies to
/// plain SQL files. Reads the framework's side files (`metadata.toml`, `.sql.conf`).
pub fn prepare(
    path: &Path,
    text: &str,
    configured: Option<Framework>,
    assume_in_transaction: bool,
) -> Prepared {
    let framework = configured.unwrap_or_else(|| detect(path, text));
    let mut out = Prepared {
        framework,
        text: None,
        segments: vec![Segment {
            start_line: 1,
            mode: TxMode::Wrapped,
        }],
        notes: Vec::new(),
    };
    let whole = |mode| {
        vec![Segment {
            start_line: 1,
            mode,
        }]
    };
    match framework {
        Framework::Plain => {
            if !assume_in_transaction {
                out.segments = whole(TxMode::Autocommit);
            }
        }
        Framework::GolangMigrate | Framework::Prisma => out.segments = whole(TxMode::ImplicitMulti),
        Framework::Goose => {
            out.text = Some(keep_section(text, "-- +goose up", &["-- +goose down"]));
            if has_marker(text, "-- +goose no transaction") {
                out.segments = whole(TxMode::Autocommit);
            }
        }
        Framework::Dbmate => {
            out.text = Some(keep_section(text, "-- migrate:up", &["-- migrate:down"]));
            let up_line = text
                .lines()
                .find(|l| {
                    l.trim_start()
                        .to_ascii_lowercase()
                        .starts_with("-- migrate:up")
                })
                .unwrap_or("");
            if up_line
                .to_ascii_lowercase()
                .replace(' ', "")
                .contains("transaction:false")
            {
                out.segments = whole(TxMode::Autocommit);
            }
        }
        Framework::Sqlx => {
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            if first.eq_ignore_ascii_case("-- no-transaction") {
                out.segments = whole(TxMode::Autocommit);
            }
        }
        Framework::Flyway => {
            let conf = path.with_file_name(format!(
                "{}.conf",
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            ));
            if let Ok(c) = std::fs::read_to_string(&conf) {
                if conf_setting(&c, "executeInTransaction").as_deref() == Some("false") {
                    out.segments = whole(TxMode::Autocommit);
                    out.notes.push((
                        1,
                        format!("{} sets executeInTransaction=false", display_name(&conf)),
                    ));
                }
            }
        }
        Framework::Diesel => {
            let meta = path.with_file_name("metadata.toml");
            if let Ok(m) = std::fs::read_to_string(&meta) {
                match toml::from_str::<toml::Table>(&m) {
                    Ok(t) => {
                        if t.get("run_in_transaction").and_then(toml::Value::as_bool) == Some(false)
                        {
                            out.segments = whole(TxMode::Autocommit);
                        }
                    }
                    Err(e) => out.notes.push((
                        1,
                        format!(
                            "{} is not valid TOML ({}); assuming a transaction",
                            display_name(&meta),
                            e.message()
                        ),
                    )),
                }
            }
        }
        Framework::Liquibase => out.segments = liquibase_changesets(text),
        Framework::Popx => out.segments = whole(TxMode::Autocommit),
    }
    out
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// `key=value` in a Flyway `.conf` file (`flyway.` prefix optional).
fn conf_setting(conf: &str, key: &str) -> Option<String> {
    conf.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        let k = k.trim();
        (k == key || k.strip_prefix("flyway.") == Some(key)).then(|| v.trim().to_ascii_lowercase())
    })
}

/// Keeps the lines from the `start` marker to the next `stop` marker; everything else is
/// blanked (spaces, newlines kept). Without a start marker the text is kept whole.
fn keep_section(text: &str, start: &str, stops: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut seen_start = false;
    for line in text.split_inclusive('\n') {
        let l = line.trim_start().to_ascii_lowercase();
        if l.starts_with(start) {
            inside = true;
            seen_start = true;
        } else if stops.iter().any(|s| l.starts_with(s)) {
            inside = false;
        }
        if inside {
            out.push_str(line);
        } else {
            blank_into(line, &mut out);
        }
    }
    if seen_start { out } else { text.to_string() }
}

fn blank_into(line: &str, out: &mut String) {
    for ch in line.chars() {
        if ch == '\n' || ch == '\r' {
            out.push(ch);
        } else {
            // one space per byte keeps byte offsets (and, for ASCII, columns) exact
            out.extend(std::iter::repeat_n(' ', ch.len_utf8()));
        }
    }
}

/// One segment per `--changeset`, in a transaction unless `runInTransaction:false`.
fn liquibase_changesets(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start().to_ascii_lowercase();
        if let Some(rest) = l.strip_prefix("--changeset") {
            let no_tx = rest.replace(' ', "").contains("runintransaction:false");
            segments.push(Segment {
                start_line: i as u32 + 1,
                mode: if no_tx {
                    TxMode::Autocommit
                } else {
                    TxMode::Wrapped
                },
            });
        }
    }
    if segments.first().is_none_or(|s| s.start_line != 1) {
        segments.insert(
            0,
            Segment {
                start_line: 1,
                mode: TxMode::Wrapped,
            },
        );
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    /// `has_marker` finds exactly the lines that start, after blanks, with the marker:
    /// checked against that definition, line by line, on texts built from pieces that
    /// sit around the edges (blanks of every kind, `\r\n`, `--` twice on a line, a
    /// marker cut short at the end, other case, non-ASCII before it).
    #[test]
    fn has_marker_is_a_line_that_starts_with_it() {
        let by_lines = |text: &str, marker: &str| {
            text.lines().any(|l| {
                l.trim_start()
                    .as_bytes()
                    .get(..marker.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(marker.as_bytes()))
            })
        };
        let pieces = [
            "-- +goose up",
            "-- +GOOSE Up",
            "-- +goose",
            "  \t-- +goose up",
            "\u{a0}\u{2003}-- +goose up",
            "x -- +goose up",
            "-- -- +goose up",
            "---- +goose up",
            "é-- +goose up",
            "\r\n",
            "\n",
            "\r",
            " ",
            "SELECT 1;",
            "-",
            "--",
            "-- migrate:up",
        ];
        let mut texts = vec![String::new()];
        for a in pieces {
            texts.push(a.to_string());
            for b in pieces {
                texts.push(format!("{a}{b}"));
                for c in pieces {
                    texts.push(format!("{a}{b}{c}"));
                }
            }
        }
        for text in &texts {
            for marker in ["-- +goose up", "-- migrate:up", "-- +goose no transaction"] {
                assert_eq!(
                    has_marker(text, marker),
                    by_lines(text, marker),
                    "{text:?} {marker:?}"
                );
            }
        }
    }

    #[test]
    fn detects_frameworks_from_names_and_markers() {
        assert_eq!(
            detect(&p("m/20240101_x.up.sql"), "CREATE TABLE t ();"),
            Framework::GolangMigrate
        );
        assert_eq!(
            detect(&p("m/1_x.sql"), "-- +goose Up\nSELECT 1;"),
            Framework::Goose
        );
        assert_eq!(
            detect(&p("m/1_x.sql"), "-- migrate:up\nSELECT 1;"),
            Framework::Dbmate
        );
        assert_eq!(
            detect(&p("m/1_x.up.sql"), "-- no-transaction\nSELECT 1;"),
            Framework::Sqlx
        );
        assert_eq!(detect(&p("m/V2__x.sql"), "SELECT 1;"), Framework::Flyway);
        assert_eq!(detect(&p("m/R__views.sql"), "SELECT 1;"), Framework::Flyway);
        assert_eq!(
            detect(&p("m/2019-01-01-000000_x/up.sql"), "SELECT 1;"),
            Framework::Diesel
        );
        assert_eq!(
            detect(&p("m/20240101_x/migration.sql"), "SELECT 1;"),
            Framework::Prisma
        );
        assert_eq!(
            detect(
                &p("m/x.sql"),
                "--liquibase formatted sql\n--changeset a:1\nSELECT 1;"
            ),
            Framework::Liquibase
        );
        assert_eq!(
            detect(&p("m/1_x.autocommit.up.sql"), "SELECT 1;"),
            Framework::Popx
        );
        assert_eq!(detect(&p("m/001.sql"), "SELECT 1;"), Framework::Plain);
    }

    #[test]
    fn goose_down_section_is_blanked_keeping_positions() {
        let text = "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n";
        let prepared = prepare(&p("1_x.sql"), text, None, true);
        let up = prepared.text(text);
        assert_eq!(up.len(), text.len());
        assert!(up.contains("CREATE TABLE t"));
        assert!(!up.contains("DROP TABLE"));
        assert_eq!(up.lines().count(), text.lines().count());
        assert_eq!(
            prepared.segments,
            vec![Segment {
                start_line: 1,
                mode: TxMode::Wrapped
            }]
        );
        let no_tx = prepare(
            &p("1_x.sql"),
            "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;",
            None,
            true,
        );
        assert_eq!(no_tx.segments[0].mode, TxMode::Autocommit);
    }

    #[test]
    fn dbmate_transaction_false_and_down_section() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n";
        let prepared = prepare(&p("20240101_x.sql"), text, None, true);
        assert_eq!(prepared.segments[0].mode, TxMode::Autocommit);
        assert!(!prepared.text(text).contains("DROP INDEX"));
    }

    #[test]
    fn liquibase_changesets_are_segments() {
        let text = "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE t (id int);\n--rollback DROP TABLE t;\n\n--changeset ann:2 runInTransaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n";
        let prepared = prepare(&p("changelog.sql"), text, None, true);
        assert_eq!(
            prepared.segments,
            vec![
                Segment {
                    start_line: 1,
                    mode: TxMode::Wrapped
                },
                Segment {
                    start_line: 3,
                    mode: TxMode::Wrapped
                },
                Segment {
                    start_line: 7,
                    mode: TxMode::Autocommit
                },
            ]
        );
    }

    #[test]
    fn configured_framework_wins_and_names_parse() {
        assert_eq!(Framework::parse("Goose"), Some(Framework::Goose));
        assert_eq!(Framework::parse("migrate"), Some(Framework::GolangMigrate));
        assert_eq!(Framework::parse("nope"), None);
        let prepared = prepare(&p("001.sql"), "SELECT 1;", Some(Framework::Popx), true);
        assert_eq!(prepared.segments[0].mode, TxMode::Autocommit);
    }
}
