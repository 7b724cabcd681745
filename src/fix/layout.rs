//! New migrations as each framework lays them out: the name (a version that sorts right
//! after the original's), the files (down counterparts, side files), and the marker
//! that makes the framework run a migration outside a transaction.
//!
//! | framework | new migration | outside a transaction |
//! |---|---|---|
//! | plain | `<v>_<name>.sql` | `-- schemaguard:no-transaction` on the first line |
//! | goose | `<v>_<name>.sql` with `-- +goose Up` / `-- +goose Down` | `-- +goose NO TRANSACTION` |
//! | dbmate | `<v>_<name>.sql` with `-- migrate:up` / `-- migrate:down` | `-- migrate:up transaction:false` |
//! | sqlx | `<v>_<name>.sql` (or `.up.sql` + `.down.sql` when the original is) | `-- no-transaction` on the first line |
//! | golang-migrate | `<v>_<name>.up.sql` + `.down.sql` | one statement per file |
//! | Flyway | `V<v>_<n>__<name>.sql` (a sub-version) | `executeInTransaction=false` in `V..sql.conf` |
//! | diesel | `<v>_<name>/up.sql` + `down.sql` | `run_in_transaction = false` in `metadata.toml` |
//! | Prisma | `<folder>_<n>_<name>/migration.sql` | one statement per migration |
//! | popx | `<v>_<name>.up.sql` + `.down.sql` | `<v>_<name>.autocommit.up.sql` |
//!
//! Versions: a version of digits gets the next number (same width: `0011` -> `0012`,
//! a timestamp + 1); diesel's dashed timestamps the next value of their last group;
//! Flyway a sub-version (`V11` -> `V11_1`); Prisma a longer folder name (it orders
//! folders by name). When the next number is taken by the following migration, the
//! following migrations are renumbered (only with `--renumber`, and never an applied
//! one).

use crate::source::framework::Framework;
use crate::source::{NameKind, Version, name_kind};
use std::path::{Path, PathBuf};

/// A migration to write: its files (paths and texts).
#[derive(Clone, Debug)]
pub struct NewMigration {
    pub files: Vec<(PathBuf, String)>,
    /// The file holding the statements (the up migration).
    pub main: PathBuf,
}

/// Where a migration's version sits in its path, and how to make the next one.
#[derive(Clone, Debug)]
pub struct Slot {
    /// The migration's main file.
    pub path: PathBuf,
    pub framework: Framework,
    /// The version text as written (`0011`, `20240101120000`, `2019-02-26-002946`).
    pub raw: Option<String>,
    /// The version, compared as the frameworks compare them.
    pub version: Option<Version>,
}

impl Slot {
    pub fn of(path: &Path, framework: Framework) -> Slot {
        let version = match name_kind(path) {
            NameKind::Versioned(v) => Some(v),
            _ => None,
        };
        Slot {
            path: path.to_path_buf(),
            framework,
            raw: version.as_ref().map(|v| v.as_str().to_string()),
            version,
        }
    }

    /// The name part after the version: `0011_index_orders.sql` -> `index_orders`.
    pub fn description(&self) -> String {
        let base = if self.in_folder() {
            folder_name(&self.path)
        } else {
            self.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut base = base.as_str();
        for suffix in [".sql", ".up", ".autocommit"] {
            base = base.strip_suffix(suffix).unwrap_or(base);
        }
        let base = base
            .strip_prefix('V')
            .filter(|_| self.framework == Framework::Flyway)
            .unwrap_or(base);
        let rest = match &self.raw {
            Some(raw) => base.strip_prefix(raw.as_str()).unwrap_or(base),
            None => base,
        };
        rest.trim_start_matches(['_', '-']).to_string()
    }

    /// The version lives in the folder's name (`<v>_name/up.sql`, `<v>_name/migration.sql`).
    pub fn in_folder(&self) -> bool {
        matches!(self.framework, Framework::Diesel | Framework::Prisma)
            && self
                .path
                .file_name()
                .is_some_and(|n| n == "up.sql" || n == "migration.sql")
    }
}

fn folder_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// The version `n` steps after `raw` in its own spelling, or `None` when the version
/// has no next value in that spelling (Flyway and Prisma use [`sub_version`] instead).
pub fn next_version(raw: &str, n: u64) -> Option<String> {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return bump_digits(raw, n);
    }
    // diesel: the last group of `YYYY-MM-DD-HHMMSS[-NNNN]`
    let (head, last) = raw.rsplit_once('-')?;
    if !last.bytes().all(|b| b.is_ascii_digit()) || last.is_empty() {
        return None;
    }
    Some(format!("{head}-{}", bump_digits(last, n)?))
}

/// `raw + n` with the same number of digits (more when it overflows the width).
fn bump_digits(raw: &str, n: u64) -> Option<String> {
    let value: u128 = raw.parse().ok()?;
    let next = value.checked_add(u128::from(n))?;
    Some(format!("{next:0width$}", width = raw.len()))
}

/// A Flyway sub-version: `11` -> `11_1`.
pub fn sub_version(raw: &str, n: u64) -> String {
    format!("{raw}_{n}")
}

/// The file name of a migration after renaming its version from `from` to `to`; `None`
/// when the name does not start with the version.
pub fn renamed(path: &Path, slot: &Slot, to: &str) -> Option<PathBuf> {
    let raw = slot.raw.as_deref()?;
    if slot.in_folder() {
        let folder = folder_name(path);
        let rest = folder.strip_prefix(raw)?;
        let parent = path.parent()?.parent()?;
        return Some(parent.join(format!("{to}{rest}")).join(path.file_name()?));
    }
    let name = path.file_name()?.to_str()?;
    let (prefix, name) = match name.strip_prefix('V') {
        Some(n) if slot.framework == Framework::Flyway => ("V", n),
        _ => ("", name),
    };
    let rest = name.strip_prefix(raw)?;
    Some(path.with_file_name(format!("{prefix}{to}{rest}")))
}

/// The down counterpart of a migration file that has one beside it
/// (`x.up.sql` -> `x.down.sql`, diesel's `down.sql`).
pub fn down_counterpart(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let down = if name == "up.sql" {
        path.with_file_name("down.sql")
    } else {
        path.with_file_name(format!("{}.down.sql", name.strip_suffix(".up.sql")?))
    };
    down.is_file().then_some(down)
}

/// Why a framework cannot take a new migration `fix` would write (the fix is left
/// undone, with this as its reason).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unsupported {
    /// golang-migrate wraps a file in a transaction unless it holds one statement.
    #[error(
        "golang-migrate runs a file of several statements in one transaction: one statement per file"
    )]
    GolangMigrateSeveralStatements,
    /// Prisma wraps a migration in a transaction unless it holds one statement.
    #[error(
        "Prisma runs a migration of several statements in one transaction: one statement per migration"
    )]
    PrismaSeveralStatements,
    /// A Liquibase changelog is one file of changesets, not a file per migration.
    #[error("Liquibase changelogs hold their changesets in one file: write the changeset by hand")]
    LiquibaseChangeset,
}

/// The files of a new migration with version `version` next to `slot`'s, named
/// `<description>_<what>`, holding `statements`, run outside a transaction when
/// `no_transaction`. `Err` says why the framework cannot take it.
pub fn new_migration(
    slot: &Slot,
    version: &str,
    what: &str,
    statements: &[String],
    no_transaction: bool,
    origin: &str,
) -> Result<NewMigration, Unsupported> {
    let dir = if slot.in_folder() {
        slot.path
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        slot.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let desc = match slot.description() {
        d if d.is_empty() => what.to_string(),
        d => format!("{d}_{what}"),
    };
    let header = format!("-- written by schemaguard fix: split from {origin}\n");
    let body = format!("{}\n", statements.join("\n\n"));
    let down_note =
        "-- nothing to undo here: schemaguard fix does not write down migrations' statements\n";
    let mut files = Vec::new();
    let main;
    match slot.framework {
        Framework::Plain => {
            main = dir.join(format!("{version}_{desc}.sql"));
            let marker = if no_transaction {
                "-- schemaguard:no-transaction\n"
            } else {
                ""
            };
            files.push((main.clone(), format!("{marker}{header}{body}")));
        }
        Framework::Goose => {
            main = dir.join(format!("{version}_{desc}.sql"));
            let marker = if no_transaction {
                "-- +goose NO TRANSACTION\n"
            } else {
                ""
            };
            files.push((
                main.clone(),
                format!("{marker}{header}-- +goose Up\n{body}\n-- +goose Down\n{down_note}"),
            ));
        }
        Framework::Dbmate => {
            main = dir.join(format!("{version}_{desc}.sql"));
            let marker = if no_transaction {
                " transaction:false"
            } else {
                ""
            };
            files.push((
                main.clone(),
                format!("{header}-- migrate:up{marker}\n{body}\n-- migrate:down\n{down_note}"),
            ));
        }
        Framework::Sqlx | Framework::GolangMigrate | Framework::Popx => {
            let updown = slot
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".up.sql"));
            if slot.framework == Framework::GolangMigrate && no_transaction && statements.len() > 1
            {
                return Err(Unsupported::GolangMigrateSeveralStatements);
            }
            let auto = if slot.framework == Framework::Popx && no_transaction {
                ".autocommit"
            } else {
                ""
            };
            let marker = if slot.framework == Framework::Sqlx && no_transaction {
                "-- no-transaction\n"
            } else {
                ""
            };
            if updown || slot.framework != Framework::Sqlx {
                main = dir.join(format!("{version}_{desc}{auto}.up.sql"));
                files.push((main.clone(), format!("{marker}{header}{body}")));
                files.push((
                    dir.join(format!("{version}_{desc}{auto}.down.sql")),
                    down_note.to_string(),
                ));
            } else {
                main = dir.join(format!("{version}_{desc}.sql"));
                files.push((main.clone(), format!("{marker}{header}{body}")));
            }
        }
        Framework::Flyway => {
            main = dir.join(format!("V{version}__{desc}.sql"));
            files.push((main.clone(), format!("{header}{body}")));
            if no_transaction {
                files.push((
                    dir.join(format!("V{version}__{desc}.sql.conf")),
                    "executeInTransaction=false\n".to_string(),
                ));
            }
        }
        Framework::Diesel => {
            let folder = dir.join(format!("{version}_{desc}"));
            main = folder.join("up.sql");
            files.push((main.clone(), format!("{header}{body}")));
            files.push((folder.join("down.sql"), down_note.to_string()));
            if no_transaction {
                files.push((
                    folder.join("metadata.toml"),
                    "run_in_transaction = false\n".to_string(),
                ));
            }
        }
        Framework::Prisma => {
            if no_transaction && statements.len() > 1 {
                return Err(Unsupported::PrismaSeveralStatements);
            }
            // `version` is the original folder's whole name and a number
            let folder = dir.join(format!("{version}_{what}"));
            main = folder.join("migration.sql");
            files.push((main.clone(), format!("{header}{body}")));
        }
        Framework::Liquibase => {
            return Err(Unsupported::LiquibaseChangeset);
        }
    }
    Ok(NewMigration { files, main })
}

/// The marker line(s) that turn an existing file of `framework` into a migration run
/// outside a transaction, as an insertion `(byte offset, text)` into `text`, or a side
/// file to write beside it; `None` when the framework has no marker (golang-migrate,
/// Prisma: one statement per file; popx: a name; Liquibase: a changeset attribute).
pub enum NoTransactionMarker {
    Insert(usize, String),
    SideFile(PathBuf, String),
}

pub fn no_transaction_marker(
    path: &Path,
    text: &str,
    framework: Framework,
) -> Option<NoTransactionMarker> {
    match framework {
        Framework::Plain => Some(NoTransactionMarker::Insert(
            0,
            "-- schemaguard:no-transaction\n".into(),
        )),
        Framework::Goose => Some(NoTransactionMarker::Insert(
            0,
            "-- +goose NO TRANSACTION\n".into(),
        )),
        Framework::Sqlx => Some(NoTransactionMarker::Insert(0, "-- no-transaction\n".into())),
        Framework::Dbmate => {
            // after `-- migrate:up` on its line
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                let trimmed = line.trim_start();
                if trimmed.to_ascii_lowercase().starts_with("-- migrate:up") {
                    let at = offset + (line.len() - trimmed.len()) + "-- migrate:up".len();
                    return Some(NoTransactionMarker::Insert(at, " transaction:false".into()));
                }
                offset += line.len();
            }
            None
        }
        Framework::Flyway => {
            let conf = path.with_file_name(format!("{}.conf", path.file_name()?.to_str()?));
            (!conf.exists())
                .then(|| NoTransactionMarker::SideFile(conf, "executeInTransaction=false\n".into()))
        }
        Framework::Diesel => {
            let meta = path.with_file_name("metadata.toml");
            (!meta.exists())
                .then(|| NoTransactionMarker::SideFile(meta, "run_in_transaction = false\n".into()))
        }
        Framework::GolangMigrate | Framework::Prisma | Framework::Popx | Framework::Liquibase => {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frameworks_that_cannot_take_a_migration_say_why() {
        let two = ["SELECT 1;".to_string(), "SELECT 2;".to_string()];
        let refused = |path: &str, framework| {
            new_migration(
                &Slot::of(Path::new(path), framework),
                "0002",
                "concurrently",
                &two,
                true,
                "m/0001_x.sql",
            )
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(
            refused("m/0001_x.up.sql", Framework::GolangMigrate).as_deref(),
            Some(
                "golang-migrate runs a file of several statements in one transaction: one statement per file"
            )
        );
        assert_eq!(
            refused("m/20240101000000_x/migration.sql", Framework::Prisma).as_deref(),
            Some(
                "Prisma runs a migration of several statements in one transaction: one statement per migration"
            )
        );
        assert_eq!(
            refused("m/changelog.sql", Framework::Liquibase).as_deref(),
            Some(
                "Liquibase changelogs hold their changesets in one file: write the changeset by hand"
            )
        );
        // one statement outside a transaction: golang-migrate takes it
        let one = new_migration(
            &Slot::of(Path::new("m/0001_x.up.sql"), Framework::GolangMigrate),
            "0002",
            "concurrently",
            &two[..1],
            true,
            "m/0001_x.sql",
        );
        assert!(one.is_ok());
    }

    #[test]
    fn next_versions_keep_their_width() {
        assert_eq!(next_version("0011", 1).as_deref(), Some("0012"));
        assert_eq!(next_version("0099", 1).as_deref(), Some("0100"));
        assert_eq!(next_version("9", 1).as_deref(), Some("10"));
        assert_eq!(
            next_version("20240101120000", 2).as_deref(),
            Some("20240101120002")
        );
        assert_eq!(
            next_version("2019-02-26-002946", 1).as_deref(),
            Some("2019-02-26-002947")
        );
        assert_eq!(next_version("1.1", 1), None);
    }

    #[test]
    fn descriptions_drop_version_and_suffixes() {
        let d = |p: &str, f| Slot::of(Path::new(p), f).description();
        assert_eq!(
            d("m/0011_index_orders.sql", Framework::Plain),
            "index_orders"
        );
        assert_eq!(d("m/V2__add_x.sql", Framework::Flyway), "add_x");
        assert_eq!(d("m/3_add_x.up.sql", Framework::GolangMigrate), "add_x");
        assert_eq!(
            d("m/2019-02-26-002946_add_x/up.sql", Framework::Diesel),
            "add_x"
        );
        assert_eq!(
            d("m/20240101_add_x/migration.sql", Framework::Prisma),
            "add_x"
        );
    }

    #[test]
    fn renames_keep_the_rest_of_the_name() {
        let slot = Slot::of(Path::new("m/0012_x.up.sql"), Framework::GolangMigrate);
        assert_eq!(
            renamed(Path::new("m/0012_x.up.sql"), &slot, "0013"),
            Some(PathBuf::from("m/0013_x.up.sql"))
        );
        let slot = Slot::of(Path::new("m/2019-01-01-000000_x/up.sql"), Framework::Diesel);
        assert_eq!(
            renamed(
                Path::new("m/2019-01-01-000000_x/up.sql"),
                &slot,
                "2019-01-01-000001"
            ),
            Some(PathBuf::from("m/2019-01-01-000001_x/up.sql"))
        );
    }
}
