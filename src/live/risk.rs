//! Size-aware risk: with a live database, lock and rewrite findings say how big the
//! table is, and their severity follows its size.
//!
//! - Every finding on a table the database has gets its size in the message:
//!   "rewrites the whole table ... (public.accounts: 48 GB, ~310M rows)".
//! - A **small** table (fewer than `small_table_rows` rows and under 100 MB): lock
//!   findings become hints, since the lock is held for milliseconds. Not
//!   `missing-lock-timeout`: waiting for the lock behind a long transaction, and
//!   stalling every query queued behind the wait, does not depend on the table's size.
//! - A **large** table (at least `large_table_bytes`): lock warnings become errors.
//! - `add-required-column` on a table with rows is an error that will fail; on an empty
//!   table a warning (it fails wherever the table has rows, e.g. in production).
//! - `unbatched-backfill` on a large table is an error: one UPDATE holds row locks on
//!   every row, bloats the table, and lags replicas for the whole run.
//!
//! Sizes come from the planner's statistics (`reltuples`, `relpages`) of the database
//! checked against: a staging database smaller than production judges risk by staging's
//! sizes. Point `--database-url` at a database with production-like sizes, or set the
//! thresholds accordingly.

use crate::catalog::{Catalog, TableStats};
use crate::config::Config;
use crate::rules::{self, Category, Finding, Severity};

/// Below both, a table is small.
const SMALL_TABLE_MAX_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub small_table_rows: u64,
    pub large_table_bytes: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            small_table_rows: 10_000,
            large_table_bytes: 10 * 1024 * 1024 * 1024,
        }
    }
}

impl Thresholds {
    pub fn from_config(config: &Config) -> Thresholds {
        let d = Thresholds::default();
        Thresholds {
            small_table_rows: config.small_table_rows.unwrap_or(d.small_table_rows),
            large_table_bytes: config.large_table_bytes.unwrap_or(d.large_table_bytes),
        }
    }
}

/// How big a table is, for messages: "48 GB, ~310M rows".
pub fn describe(stats: &TableStats) -> String {
    if stats.rows < 0.5 && stats.total_bytes == 0 {
        return "empty".to_string();
    }
    format!(
        "{}, ~{} rows",
        crate::source::format_size(stats.total_bytes),
        approx(stats.rows)
    )
}

fn approx(rows: f64) -> String {
    let r = rows.max(0.0);
    if r < 1_000.0 {
        format!("{r:.0}")
    } else if r < 1_000_000.0 {
        format!("{:.0}K", r / 1_000.0)
    } else if r < 1_000_000_000.0 {
        format!("{:.0}M", r / 1_000_000.0)
    } else {
        format!("{:.1}B", r / 1_000_000_000.0)
    }
}

/// Adjusts `findings` by the sizes of the tables in `live` (the database as it was
/// before the pending migrations). Tables the migrations create have no size: their
/// findings are left as they are.
pub fn apply(findings: &mut [Finding], live: &Catalog, t: &Thresholds) {
    for f in findings.iter_mut() {
        let Some(relation) = &f.relation else {
            continue;
        };
        let Some(stats) = live
            .tables
            .get(relation)
            .and_then(|table| table.stats.as_ref())
        else {
            continue;
        };
        let category = rules::by_id(f.rule).map(|r| r.category());
        let small =
            stats.rows < t.small_table_rows as f64 && stats.total_bytes < SMALL_TABLE_MAX_BYTES;
        let large = stats.total_bytes >= t.large_table_bytes;
        let size = describe(stats);
        match f.rule {
            "add-required-column" => {
                if stats.rows >= 1.0 {
                    f.severity = Severity::Error;
                    f.message = format!(
                        "{} ({relation} has ~{} rows: it will fail)",
                        f.message,
                        approx(stats.rows)
                    );
                } else {
                    f.severity = f.severity.min(Severity::Warning);
                    f.message = format!(
                        "{} ({relation} is empty in this database: it fails wherever it has rows)",
                        f.message
                    );
                }
                continue;
            }
            "unbatched-backfill" if large => {
                f.severity = Severity::Error;
            }
            "missing-lock-timeout" => {}
            _ if category == Some(Category::Locks) && small => {
                f.severity = Severity::Hint;
                f.message = format!(
                    "{} ({relation}: {size}, small: the lock is brief)",
                    f.message
                );
                continue;
            }
            _ if category == Some(Category::Locks) && large && f.severity == Severity::Warning => {
                f.severity = Severity::Error;
            }
            _ => {}
        }
        f.message = format!("{} ({relation}: {size})", f.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Table;
    use crate::ops::ObjectName;
    use crate::span::Span;

    fn finding(rule: &'static str, severity: Severity, table: &str) -> Finding {
        Finding {
            rule,
            severity,
            message: "msg".into(),
            file: "f.sql".into(),
            span: Span::default(),
            relation: Some(ObjectName::parse(table)),
            lock_mode: None,
            why: None,
            fix: None,
            related: Vec::new(),
        }
    }

    fn catalog(rows: f64, bytes: u64) -> Catalog {
        let mut cat = Catalog::default();
        let name = ObjectName::parse("public.accounts");
        let mut t = Table::new(name.clone(), None);
        t.stats = Some(TableStats {
            rows,
            total_bytes: bytes,
        });
        cat.tables.insert(name, t);
        cat
    }

    #[test]
    fn sizes_scale_severities() {
        let t = Thresholds::default();
        // small: lock findings become hints, lock_timeout stays
        let mut f = vec![
            finding(
                "create-index-non-concurrently",
                Severity::Error,
                "public.accounts",
            ),
            finding("missing-lock-timeout", Severity::Warning, "public.accounts"),
            finding(
                "create-index-non-concurrently",
                Severity::Error,
                "public.other",
            ),
        ];
        apply(&mut f, &catalog(120.0, 16_384), &t);
        assert_eq!(f[0].severity, Severity::Hint);
        assert!(f[0].message.contains("~120 rows"), "{}", f[0].message);
        assert_eq!(f[1].severity, Severity::Warning);
        assert_eq!(f[2].severity, Severity::Error);
        assert_eq!(f[2].message, "msg");

        // large: warnings become errors, with the size said
        let mut f = vec![finding(
            "set-not-null-scan",
            Severity::Warning,
            "public.accounts",
        )];
        apply(&mut f, &catalog(310e6, 48 * 1024 * 1024 * 1024), &t);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("48 GiB"), "{}", f[0].message);
        assert!(f[0].message.contains("~310M rows"), "{}", f[0].message);
    }

    #[test]
    fn a_required_column_fails_on_rows_and_is_a_warning_on_an_empty_table() {
        let t = Thresholds::default();
        let mut f = vec![finding(
            "add-required-column",
            Severity::Error,
            "public.accounts",
        )];
        apply(&mut f, &catalog(3.0, 8192), &t);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("will fail"), "{}", f[0].message);
        let mut f = vec![finding(
            "add-required-column",
            Severity::Error,
            "public.accounts",
        )];
        apply(&mut f, &catalog(0.0, 8192), &t);
        assert_eq!(f[0].severity, Severity::Warning);
    }
}
