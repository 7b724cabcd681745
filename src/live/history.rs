//! Which migrations a live database has already applied, read from the migration
//! framework's own history table, and the checksums those frameworks recorded.
//!
//! | table | framework | what a row says | checksum |
//! |---|---|---|---|
//! | `schema_migrations (version bigint, dirty bool)` | golang-migrate | one row: every version up to it is applied | none |
//! | `schema_migrations (version varchar)` | dbmate, Rails | one row per applied version | none |
//! | `goose_db_version` | goose | one row per up/down; the newest row of a version wins | none |
//! | `flyway_schema_history` | Flyway | one row per run script (`success`) | CRC32 of the lines |
//! | `_sqlx_migrations` | sqlx | one row per version (`success`) | SHA-384 of the file |
//! | `__diesel_schema_migrations` | diesel | one row per version | none |
//! | `_prisma_migrations` | Prisma | one row per folder (`finished_at`, `rolled_back_at`) | SHA-256 of the file |
//! | `databasechangelog` | Liquibase | one row per changeset (`filename`) | `md5sum` (not compared) |
//! | `schema_migration` | pop / popx | one row per version | none |
//!
//! The table is looked for in every non-system schema. When several exist, the one of
//! the framework the files were written for wins; otherwise the first in the order above.

use super::{LiveError, LiveSession};
use crate::source::Version;
use crate::source::framework::Framework;
use std::collections::HashMap;
use std::fmt;

/// The kind of history table, by its name and columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HistoryKind {
    GolangMigrate,
    /// `schema_migrations` with a text `version` (dbmate, Rails, many others).
    SchemaMigrations,
    Goose,
    Flyway,
    Sqlx,
    Diesel,
    Prisma,
    Liquibase,
    Pop,
}

impl HistoryKind {
    /// The framework that writes this table, to prefer it when files say so.
    fn framework(self) -> Option<Framework> {
        Some(match self {
            HistoryKind::GolangMigrate => Framework::GolangMigrate,
            HistoryKind::SchemaMigrations => Framework::Dbmate,
            HistoryKind::Goose => Framework::Goose,
            HistoryKind::Flyway => Framework::Flyway,
            HistoryKind::Sqlx => Framework::Sqlx,
            HistoryKind::Diesel => Framework::Diesel,
            HistoryKind::Prisma => Framework::Prisma,
            HistoryKind::Liquibase => Framework::Liquibase,
            HistoryKind::Pop => Framework::Popx,
        })
    }

    /// Whether the framework records checksums that schemaguard compares.
    pub fn has_checksums(self) -> bool {
        matches!(
            self,
            HistoryKind::Flyway | HistoryKind::Sqlx | HistoryKind::Prisma
        )
    }
}

impl fmt::Display for HistoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HistoryKind::GolangMigrate => "golang-migrate",
            HistoryKind::SchemaMigrations => "dbmate/Rails",
            HistoryKind::Goose => "goose",
            HistoryKind::Flyway => "Flyway",
            HistoryKind::Sqlx => "sqlx",
            HistoryKind::Diesel => "diesel",
            HistoryKind::Prisma => "Prisma",
            HistoryKind::Liquibase => "Liquibase",
            HistoryKind::Pop => "pop",
        })
    }
}

/// A checksum as the framework recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// Flyway: CRC32 over the file's lines without line terminators, as a signed int.
    FlywayCrc32(i32),
    /// sqlx: SHA-384 of the file's bytes.
    Sha384(Vec<u8>),
    /// Prisma: SHA-256 of `migration.sql`, lowercase hex.
    Sha256Hex(String),
}

impl Checksum {
    /// The same kind of checksum computed over `text` (the file as read, without a byte
    /// order mark).
    pub fn of_text(&self, text: &str) -> Checksum {
        match self {
            Checksum::FlywayCrc32(_) => Checksum::FlywayCrc32(flyway_crc32(text)),
            Checksum::Sha384(_) => {
                use sha2::Digest;
                Checksum::Sha384(sha2::Sha384::digest(text.as_bytes()).to_vec())
            }
            Checksum::Sha256Hex(_) => Checksum::Sha256Hex(sha256_hex(text)),
        }
    }

    /// Whether `text` has this checksum. Prisma accepts a file whose only change is
    /// its line endings (it normalises CRLF itself), so schemaguard does too.
    pub fn matches(&self, text: &str) -> bool {
        if self.of_text(text) == *self {
            return true;
        }
        match self {
            Checksum::Sha256Hex(_) if text.contains("\r\n") => {
                self.of_text(&text.replace("\r\n", "\n")) == *self
            }
            _ => false,
        }
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Checksum::FlywayCrc32(v) => write!(f, "{v}"),
            Checksum::Sha384(bytes) => {
                // the first 12 hex digits are plenty to tell two apart
                for b in bytes.iter().take(6) {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("…")
            }
            Checksum::Sha256Hex(hex) => write!(f, "{}…", hex.get(..12).unwrap_or(hex)),
        }
    }
}

/// Flyway's checksum: CRC32 updated with each line's UTF-8 bytes, line terminators
/// (`\n`, `\r\n`, `\r`) excluded, as Java's `BufferedReader.readLine` splits them.
pub fn flyway_crc32(text: &str) -> i32 {
    let mut hasher = crc32fast::Hasher::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        hasher.update(&rest.as_bytes()[..end]);
        let after = &rest[end..];
        rest = if let Some(r) = after.strip_prefix("\r\n") {
            r
        } else if after.is_empty() {
            after
        } else {
            &after[1..]
        };
    }
    // Java stores the unsigned CRC in an int
    hasher.finalize() as i32
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One applied migration.
#[derive(Clone, Debug, PartialEq)]
pub struct AppliedEntry {
    /// The version, normalised as file versions are (`0002` -> `2`).
    pub version: Option<String>,
    /// The name the table records (Flyway `script`, Prisma `migration_name`, Liquibase
    /// `filename`), when it records one.
    pub name: Option<String>,
    pub checksum: Option<Checksum>,
}

/// What a database's history table says.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub kind: HistoryKind,
    /// `schema.table`.
    pub table: String,
    pub entries: Vec<AppliedEntry>,
    /// golang-migrate: every version up to and including this one is applied.
    pub applied_up_to: Option<String>,
    /// Failed or half-applied migrations the table records (golang-migrate `dirty`,
    /// Flyway/sqlx `success = false`, Prisma unfinished): said to the user.
    pub failed: Vec<String>,
    /// Other history tables that were found and not used.
    pub others: Vec<String>,
}

impl History {
    /// Whether a file of this version and name has been applied, and the entry if one
    /// row says so.
    pub fn applied(&self, version: Option<&Version>, name: &str) -> Option<Applied<'_>> {
        let normalized = version.map(Version::normalized);
        if let (Some(up_to), Some(v)) = (&self.applied_up_to, version) {
            let up_to = Version::parse(up_to)?;
            return (v <= &up_to).then_some(Applied { entry: None });
        }
        self.entries
            .iter()
            .find(|e| match (&e.version, &normalized) {
                (Some(a), Some(b)) => a == b,
                _ => e.name.as_deref().is_some_and(|n| names_match(n, name)),
            })
            .map(|entry| Applied { entry: Some(entry) })
    }

    /// The newest applied version (for out-of-order pending migrations).
    pub fn versions(&self) -> Vec<Version> {
        let mut out: Vec<Version> = self
            .entries
            .iter()
            .filter_map(|e| e.version.as_deref().and_then(Version::parse))
            .chain(self.applied_up_to.as_deref().and_then(Version::parse))
            .collect();
        out.sort();
        out
    }
}

/// A file is applied; `entry` is the row that says so (none for golang-migrate).
#[derive(Clone, Copy, Debug)]
pub struct Applied<'h> {
    pub entry: Option<&'h AppliedEntry>,
}

/// Liquibase records the changelog path as it was given to Liquibase; Prisma the
/// folder name. Compare the ends of paths.
fn names_match(recorded: &str, display: &str) -> bool {
    let recorded = recorded.trim_start_matches("./").replace('\\', "/");
    let display = display.replace('\\', "/");
    recorded == display
        || display.ends_with(&format!("/{recorded}"))
        || recorded.ends_with(&format!("/{display}"))
        || display
            .rsplit('/')
            .nth(1)
            .is_some_and(|folder| folder == recorded)
}

/// Table names looked for, in order of preference when nothing else decides.
const TABLES: &[&str] = crate::source::framework::HISTORY_TABLES
    .split_at(crate::source::framework::READ_HISTORY_TABLES)
    .0;

/// The history tables looked for, for messages: `a, b, ...`.
pub fn tables_looked_for() -> String {
    TABLES.join(", ")
}

/// Finds and reads the history table. `Ok(None)`: the database has none (nothing was
/// applied by a known framework). `prefer`: the framework the files were written for.
pub fn read(
    session: &mut LiveSession,
    prefer: Option<Framework>,
) -> Result<Option<History>, LiveError> {
    let (lock, statement) = session.timeouts();
    session.read(|client| {
        let list = TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT n.nspname, c.relname,
                    (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND c.relname IN ({list})
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              ORDER BY n.nspname = current_schema() DESC, n.nspname"
        );
        let rows = client
            .query(&sql, &[])
            .map_err(|e| LiveError::query("looking for a migration history table", &e, lock, statement))?;
        let mut found: Vec<(HistoryKind, String)> = Vec::new();
        for row in &rows {
            let schema: String = row.get(0);
            let table: String = row.get(1);
            let version_type: Option<String> = row.get(2);
            let kind = match table.as_str() {
                "flyway_schema_history" => HistoryKind::Flyway,
                "_sqlx_migrations" => HistoryKind::Sqlx,
                "_prisma_migrations" => HistoryKind::Prisma,
                "goose_db_version" => HistoryKind::Goose,
                "__diesel_schema_migrations" => HistoryKind::Diesel,
                "databasechangelog" => HistoryKind::Liquibase,
                "schema_migration" => HistoryKind::Pop,
                _ if version_type.as_deref() == Some("bigint") => HistoryKind::GolangMigrate,
                _ => HistoryKind::SchemaMigrations,
            };
            found.push((kind, format!("{}.{}", quote(&schema), quote(&table))));
        }
        if found.is_empty() {
            return Ok(None);
        }
        let rank = |k: HistoryKind| {
            let preferred = prefer.is_some() && k.framework() == prefer;
            let order = TABLES
                .iter()
                .position(|t| match k {
                    HistoryKind::GolangMigrate | HistoryKind::SchemaMigrations => {
                        *t == "schema_migrations"
                    }
                    HistoryKind::Flyway => *t == "flyway_schema_history",
                    HistoryKind::Sqlx => *t == "_sqlx_migrations",
                    HistoryKind::Prisma => *t == "_prisma_migrations",
                    HistoryKind::Goose => *t == "goose_db_version",
                    HistoryKind::Diesel => *t == "__diesel_schema_migrations",
                    HistoryKind::Liquibase => *t == "databasechangelog",
                    HistoryKind::Pop => *t == "schema_migration",
                })
                .unwrap_or(TABLES.len());
            (!preferred, order)
        };
        // golang-migrate and dbmate share a table name: prefer by framework
        let mut sorted = found.clone();
        sorted.sort_by_key(|(k, _)| rank(*k));
        let (kind, table) = sorted.remove(0);
        let mut history = History {
            kind,
            table: table.clone(),
            entries: Vec::new(),
            applied_up_to: None,
            failed: Vec::new(),
            others: sorted.into_iter().map(|(_, t)| t).collect(),
        };
        let what = format!("reading {table}");
        let q = |client: &mut postgres::Client, sql: &str| {
            client
                .query(sql, &[])
                .map_err(|e| LiveError::query(&what, &e, lock, statement))
        };
        let version_of = |text: &str| Version::parse(text.trim()).map(|v| v.normalized());
        match kind {
            HistoryKind::GolangMigrate => {
                for row in q(client, &format!("SELECT version, dirty FROM {table}"))? {
                    let version: i64 = row.get(0);
                    let dirty: bool = row.get(1);
                    if dirty {
                        history.failed.push(format!(
                            "version {version} is dirty (it failed half-way; golang-migrate refuses to go on until `migrate force`)"
                        ));
                    }
                    history.applied_up_to = Some(version.to_string());
                }
            }
            HistoryKind::SchemaMigrations | HistoryKind::Pop | HistoryKind::Diesel => {
                for row in q(client, &format!("SELECT version::text FROM {table}"))? {
                    let version: String = row.get(0);
                    history.entries.push(AppliedEntry {
                        version: version_of(&version),
                        name: None,
                        checksum: None,
                    });
                }
            }
            HistoryKind::Goose => {
                // the newest row per version decides (an up after a down is applied)
                let sql = format!(
                    "SELECT DISTINCT ON (version_id) version_id, is_applied FROM {table}
                      ORDER BY version_id, id DESC"
                );
                for row in q(client, &sql)? {
                    let version: i64 = row.get(0);
                    let applied: bool = row.get(1);
                    // goose's own first row (version 0) is not a migration
                    if applied && version != 0 {
                        history.entries.push(AppliedEntry {
                            version: Some(version.to_string()),
                            name: None,
                            checksum: None,
                        });
                    }
                }
            }
            HistoryKind::Flyway => {
                let sql = format!(
                    "SELECT version, script, checksum, success FROM {table}
                      WHERE type NOT IN ('SCHEMA', 'BASELINE', 'DELETE') ORDER BY installed_rank"
                );
                for row in q(client, &sql)? {
                    let version: Option<String> = row.get(0);
                    let script: String = row.get(1);
                    let checksum: Option<i32> = row.get(2);
                    let success: bool = row.get(3);
                    if !success {
                        history.failed.push(format!("{script} failed when it was applied"));
                        continue;
                    }
                    history.entries.push(AppliedEntry {
                        version: version.as_deref().and_then(version_of),
                        name: Some(script),
                        checksum: checksum.map(Checksum::FlywayCrc32),
                    });
                }
            }
            HistoryKind::Sqlx => {
                let sql =
                    format!("SELECT version, checksum, success FROM {table} ORDER BY version");
                for row in q(client, &sql)? {
                    let version: i64 = row.get(0);
                    let checksum: Vec<u8> = row.get(1);
                    let success: bool = row.get(2);
                    if !success {
                        history
                            .failed
                            .push(format!("version {version} failed when it was applied"));
                        continue;
                    }
                    history.entries.push(AppliedEntry {
                        version: Some(version.to_string()),
                        name: None,
                        checksum: Some(Checksum::Sha384(checksum)),
                    });
                }
            }
            HistoryKind::Prisma => {
                let sql = format!(
                    "SELECT migration_name, checksum, finished_at IS NOT NULL, rolled_back_at IS NOT NULL
                       FROM {table} ORDER BY started_at"
                );
                for row in q(client, &sql)? {
                    let name: String = row.get(0);
                    let checksum: String = row.get(1);
                    let finished: bool = row.get(2);
                    let rolled_back: bool = row.get(3);
                    if rolled_back {
                        continue;
                    }
                    if !finished {
                        history
                            .failed
                            .push(format!("{name} started but did not finish"));
                        continue;
                    }
                    let version = name
                        .split('_')
                        .next()
                        .and_then(version_of);
                    history.entries.push(AppliedEntry {
                        version,
                        name: Some(name),
                        checksum: Some(Checksum::Sha256Hex(checksum.to_ascii_lowercase())),
                    });
                }
            }
            HistoryKind::Liquibase => {
                let sql = format!(
                    "SELECT DISTINCT filename FROM {table} WHERE exectype IN ('EXECUTED', 'RERAN', 'MARK_RAN')"
                );
                for row in q(client, &sql)? {
                    let name: String = row.get(0);
                    history.entries.push(AppliedEntry {
                        version: None,
                        name: Some(name),
                        checksum: None,
                    });
                }
            }
        }
        Ok(Some(history))
    })
}

fn quote(ident: &str) -> String {
    if ident
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !ident.starts_with(|c: char| c.is_ascii_digit())
    {
        ident.to_string()
    } else {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
}

/// Applied entries by normalised version (for callers that index).
pub fn by_version(history: &History) -> HashMap<String, &AppliedEntry> {
    history
        .entries
        .iter()
        .filter_map(|e| e.version.clone().map(|v| (v, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_checksum_ignores_line_terminators_like_java_readline() {
        let lf = "CREATE TABLE a (id int);\nSELECT 1;\n";
        let crlf = "CREATE TABLE a (id int);\r\nSELECT 1;\r\n";
        assert_eq!(flyway_crc32(lf), flyway_crc32(crlf));
        // the CRC of the concatenated lines, nothing else
        let mut h = crc32fast::Hasher::new();
        h.update(b"CREATE TABLE a (id int);");
        h.update(b"SELECT 1;");
        assert_eq!(flyway_crc32(lf), h.finalize() as i32);
        assert_ne!(
            flyway_crc32(lf),
            flyway_crc32("CREATE TABLE a (id bigint);\n")
        );
    }

    #[test]
    fn checksums_match_their_own_text_only() {
        let text = "ALTER TABLE a ADD COLUMN b int;\n";
        for kind in [
            Checksum::FlywayCrc32(0),
            Checksum::Sha384(Vec::new()),
            Checksum::Sha256Hex(String::new()),
        ] {
            let sum = kind.of_text(text);
            assert!(sum.matches(text), "{sum:?}");
            assert!(
                !sum.matches("ALTER TABLE a ADD COLUMN b bigint;\n"),
                "{sum:?}"
            );
        }
        // a known SHA-256 (of the empty string)
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let prisma = Checksum::Sha256Hex(String::new()).of_text("a;\nb;\n");
        assert!(prisma.matches("a;\r\nb;\r\n"));
    }

    #[test]
    fn golang_migrate_applies_everything_up_to_its_version() {
        let h = History {
            kind: HistoryKind::GolangMigrate,
            table: "public.schema_migrations".into(),
            entries: Vec::new(),
            applied_up_to: Some("3".into()),
            failed: Vec::new(),
            others: Vec::new(),
        };
        let v = |s: &str| Version::parse(s);
        assert!(h.applied(v("0002").as_ref(), "x").is_some());
        assert!(h.applied(v("3").as_ref(), "x").is_some());
        assert!(h.applied(v("4").as_ref(), "x").is_none());
    }

    #[test]
    fn names_match_by_path_end_or_folder() {
        assert!(names_match(
            "db/changelog/001.sql",
            "migrations/db/changelog/001.sql"
        ));
        assert!(names_match(
            "20240101_init",
            "prisma/migrations/20240101_init/migration.sql"
        ));
        assert!(!names_match("002.sql", "migrations/001.sql"));
    }
}
