//! The rule catalog: one file per rule, each a short check over an already-resolved
//! model (the statement's operation, its [`Effects`], the [`Catalog`] before it, and the
//! transaction state). Rules never decide locks themselves: they ask `effects`.
//! Every rule has a page `rules/<id>.md` whose bad/good examples are tests.

use crate::catalog::Catalog;
use crate::context::{FileContext, TxState};
use crate::effects::{Effects, PgVersion};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName};
use crate::parse::Statement;
use crate::span::Span;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

mod add_column_rewrite;
mod add_exclusion_constraint;
mod add_required_column;
mod add_unique_without_index;
mod attach_partition_scan;
mod avoid_char_n;
pub(crate) mod clause;
mod column_type_rewrite;
mod concurrently_in_transaction;
mod concurrently_on_partitioned;
mod constraint_not_valid_missing;
mod create_index_non_concurrently;
mod create_trigger_locks;
mod declared;
mod detach_partition_non_concurrently;
mod domain_constraint_scan;
mod drop_breaks_dependents;
mod drop_column;
mod drop_database;
mod drop_default;
mod drop_index_non_concurrently;
mod drop_object;
mod drop_table;
mod duplicate_migration_version;
mod edited_applied_migration;
mod enum_value_in_transaction;
mod file_notes;
pub(crate) mod fixes;
mod fk_missing_index;
mod identifier_too_long;
mod invalid_directive;
mod lock_held_across_statements;
mod lock_table;
mod missing_lock_timeout;
mod missing_statement_timeout;
mod narrowing_column_type;
mod objects;
mod out_of_order_migration;
mod prefer_bigint_keys;
mod prefer_identity;
mod prefer_if_not_exists;
mod prefer_jsonb;
mod prefer_text;
mod prefer_timestamptz;
mod reindex_non_concurrently;
mod rename_column;
mod rename_object;
mod rename_table;
mod require_primary_key;
mod set_not_null_scan;
mod set_schema;
mod statement_fails;
mod table_rewrite;
mod transaction_control_in_wrapped_migration;
mod truncate_table;
mod unbatched_backfill;
mod unknown_object;
mod unparsed_statement;
mod validate_in_same_transaction;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hint" | "info" => Some(Severity::Hint),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of harm a rule is about (shown by `schemaguard rules`, used to measure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Locks that block traffic, rewrites, scans under a lock.
    Locks,
    /// Changes that break the application version still running (drops, renames).
    Breaking,
    /// Migrations that fail or do something else than written.
    Correctness,
    /// Style and future-proofing advice.
    Hint,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Locks => "locks",
            Category::Breaking => "breaking",
            Category::Correctness => "correctness",
            Category::Hint => "hint",
        }
    }
}

/// What a rule reports; the driver turns it into a [`Finding`].
#[derive(Clone, Debug, Default)]
pub struct Violation {
    pub message: String,
    /// Defaults to the statement's span. A rule about one column, constraint, `DEFAULT`
    /// or `ALTER TABLE` action sets that clause's span, found with `rules::clause` (which
    /// answers `None`, the statement, when it is not certain); it lies within the
    /// statement, whose start ignore comments and fixes go by.
    pub span: Option<Span>,
    pub relation: Option<ObjectName>,
    pub lock_mode: Option<LockMode>,
    /// Why it matters here (the lock, the rewrite, what breaks). Most rules say it in
    /// words of their own, not copied for each of the thousands of findings one may
    /// make in a file.
    pub why: Option<Cow<'static, str>>,
    /// The safe SQL, with the user's own names.
    pub fix: Option<String>,
    /// Overrides the rule's default severity (e.g. a hint when unsure).
    pub severity: Option<Severity>,
    /// The finding belongs to an earlier statement of the file, the one on this line
    /// (e.g. the statement that took a lock a later one keeps held): it is reported
    /// there, once for every statement that reports it, each adding `message` (what it
    /// does) to the list the finding gives.
    pub at_line: Option<u32>,
}

/// A finding as reported to the user.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub span: Span,
    pub relation: Option<ObjectName>,
    pub lock_mode: Option<LockMode>,
    pub why: Option<Cow<'static, str>>,
    pub fix: Option<String>,
    /// The other statements of the migration this finding stands for, when the rule
    /// reports once per migration ([`Rule::once_per_migration`]); empty otherwise.
    pub related: Vec<Related>,
}

/// Another place a finding applies to: a statement of the same file.
#[derive(Clone, Debug, Serialize)]
pub struct Related {
    pub line: u32,
    pub end_line: u32,
    pub message: String,
}

/// Everything a rule may look at for one statement.
pub struct Context<'a> {
    pub file: &'a FileContext,
    pub stmt: &'a Statement,
    pub effects: &'a Effects,
    /// The schema just before the statement.
    pub catalog: &'a Catalog,
    pub version: PgVersion,
    pub tx: &'a TxState,
    /// An `ALTER TABLE`'s table, resolved, and whether it existed before (see
    /// [`is_preexisting`](Self::is_preexisting)): worked out once for all the rules
    /// that ask (`OnceCell::new()` when building a context).
    pub altered_table: std::cell::OnceCell<(ObjectName, bool)>,
}

impl Context<'_> {
    /// The relation existed before this file (or, in a file with several transaction
    /// blocks, before this transaction): locking it can block the application.
    pub fn is_preexisting(&self, relation: &ObjectName) -> bool {
        self.file.is_preexisting(self.catalog, relation, self.tx)
    }

    /// A foreign table: its rows are a foreign server's, so nothing here checks,
    /// scans or rewrites them (and it has no primary key or indexes).
    pub fn is_foreign(&self, table: &ObjectName) -> bool {
        self.catalog
            .table(table)
            .is_some_and(|t| t.kind == crate::catalog::TableKind::Foreign)
    }

    /// The locks this statement takes on pre-existing relations that block application
    /// traffic (reads or writes), strongest first.
    pub fn blocking_locks(&self) -> Vec<&crate::effects::RelationLock> {
        let mut locks: Vec<_> = self
            .effects
            .locks
            .iter()
            .filter(|l| {
                l.mode.blocks_traffic()
                    && l.kind.holds_data()
                    && self.is_preexisting(l.catalog_name())
            })
            .collect();
        locks.sort_by_key(|l| std::cmp::Reverse(l.mode));
        locks
    }

    /// `ADD COLUMN IF NOT EXISTS` of a column `table` has already
    /// ([`crate::catalog::Catalog::skips_add_column`]): nothing of it is judged.
    pub fn skips_add_column(
        &self,
        table: &ObjectName,
        action: &crate::ops::AlterTableAction,
    ) -> bool {
        self.catalog.skips_add_column(table, action)
    }

    /// The statement is an `ALTER TABLE` of a pre-existing table: the statement and the
    /// table's resolved name. (Most lock rules start here.)
    pub fn alter_of_existing_table(&self) -> Option<(&crate::ops::AlterTable, &ObjectName)> {
        let (at, (table, preexisting)) = self.alter_target()?;
        preexisting.then_some((at, table))
    }

    /// The statement is an `ALTER TABLE`: the statement and the table's resolved name
    /// (resolved once for all the rules that ask).
    pub fn alter_table_target(&self) -> Option<(&crate::ops::AlterTable, &ObjectName)> {
        self.alter_target().map(|(at, (table, _))| (at, table))
    }

    fn alter_target(&self) -> Option<(&crate::ops::AlterTable, &(ObjectName, bool))> {
        let crate::ops::Operation::AlterTable(at) = &self.stmt.op else {
            return None;
        };
        let target = self.altered_table.get_or_init(|| {
            let table = self.catalog.resolve_relation(&at.name);
            let preexisting = self.is_preexisting(&table);
            (table, preexisting)
        });
        Some((at, target))
    }

    /// How the user marks a file as running outside a transaction, for fix texts.
    pub fn no_transaction_directive(&self) -> &str {
        self.file.no_transaction_directive()
    }
}

/// What a file-level check sees: the whole file after it ran, and the history.
pub struct FileCheck<'a> {
    pub file: &'a FileContext,
    pub statements: &'a [Statement],
    /// The schema after the file.
    pub catalog_after: &'a Catalog,
    /// Every file of the run, in apply order.
    pub history: &'a [crate::context::FileMeta],
    pub version: PgVersion,
    /// What the older migrations are: "already existed" or "are applied to the database".
    pub baseline: &'a str,
    /// The file's renames and moves (`ALTER TABLE` with `RENAME`, `RENAME COLUMN` or
    /// `SET SCHEMA`), by statement position, found on first use: following a name looks
    /// at these only, not at every later statement (once per finding, in a file of
    /// 100,000 statements).
    pub moves: std::cell::OnceCell<Vec<(usize, &'a crate::ops::AlterTable)>>,
}

impl<'a> FileCheck<'a> {
    /// The `ALTER TABLE`s of the file that rename or move something, in order.
    fn moves(&self) -> &[(usize, &'a crate::ops::AlterTable)] {
        self.moves.get_or_init(|| {
            let statements: &'a [Statement] = self.statements;
            statements
                .iter()
                .flat_map(|s| {
                    std::iter::once(s)
                        .chain(s.embedded.iter())
                        .map(move |e| (s.index, e))
                })
                .filter_map(|(at, stmt)| match &stmt.op {
                    crate::ops::Operation::AlterTable(alter)
                        if alter.actions.iter().any(|a| {
                            matches!(
                                a,
                                AlterTableAction::RenameTable { .. }
                                    | AlterTableAction::SetSchema { .. }
                                    | AlterTableAction::RenameColumn { .. }
                            )
                        }) =>
                    {
                        Some((at, alter))
                    }
                    _ => None,
                })
                .collect()
        })
    }

    /// The table that `name` names at statement `at` (its position in the file), as it
    /// stands after the file: later `RENAME TO` and `SET SCHEMA` of it in this file are
    /// followed, so a moved or renamed table is not taken for a dropped one. `None` when
    /// it is gone.
    pub fn table_after(&self, name: &ObjectName, at: usize) -> Option<&crate::catalog::Table> {
        self.catalog_after.table(&self.followed(name, at))
    }

    /// `name` with this file's later renames and moves of the table applied.
    fn followed(&self, name: &ObjectName, at: usize) -> ObjectName {
        let mut current = name.clone();
        for (_, alter) in self.moves().iter().filter(|(i, _)| *i > at) {
            if !same_table(&alter.name, &current) {
                continue;
            }
            for action in &alter.actions {
                match action {
                    AlterTableAction::RenameTable { to } => current.name.clone_from(to),
                    AlterTableAction::SetSchema { schema } => current.schema = Some(schema.clone()),
                    _ => {}
                }
            }
        }
        current
    }

    /// `column` of the table `table` names at statement `at`, as named after the file
    /// (later `RENAME COLUMN`s in this file followed).
    pub fn column_after(&self, table: &ObjectName, column: &str, at: usize) -> String {
        let mut current = column.to_string();
        for (index, alter) in self.moves().iter().filter(|(i, _)| *i > at) {
            if !same_table(
                &self.followed(&alter.name, *index),
                &self.followed(table, at),
            ) {
                continue;
            }
            for action in &alter.actions {
                if let AlterTableAction::RenameColumn { from, to } = action {
                    if *from == current {
                        current.clone_from(to);
                    }
                }
            }
        }
        current
    }
}

/// Two names of a table in one file: equal names, and equal schemas where both are
/// written (an unqualified name is the table the file has been working on).
fn same_table(a: &ObjectName, b: &ObjectName) -> bool {
    a.name == b.name && (a.schema.is_none() || b.schema.is_none() || a.schema == b.schema)
}

/// What a history-level check sees, once every file has run: the dependency graph (which
/// statements touch which objects, in order) and where each statement is.
pub struct HistoryCheck<'a> {
    pub graph: &'a crate::graph::Graph,
    /// File -> the spans of its statements (transaction control left out), in order.
    pub spans: &'a crate::context::FastMap<String, Vec<Span>>,
    pub version: PgVersion,
    /// Every migration in apply order: those applied to the live database first (when
    /// the run starts from one), then the files of the run.
    pub history: &'a [crate::context::FileMeta],
}

impl HistoryCheck<'_> {
    /// The span of a statement the graph names (file and line).
    pub fn span_at(&self, file: &str, line: u32) -> Option<Span> {
        self.spans
            .get(file)?
            .iter()
            .find(|s| s.start_pos.line == line)
            .copied()
    }
}

pub trait Rule: Sync {
    fn id(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// One line: what the rule flags.
    fn summary(&self) -> &'static str;
    fn category(&self) -> Category;
    /// Checks one statement (called for every statement, embedded ones included).
    fn check(&self, cx: &Context, out: &mut Vec<Violation>);
    /// Checks a whole file once it has run (violations without a span point at the
    /// file's first statement). Most rules only look at statements.
    fn check_file(&self, _cx: &FileCheck, _out: &mut Vec<Violation>) {}
    /// Checks the whole history once every file has run (violations must carry a span;
    /// they are reported in the named file).
    fn check_history(&self, _cx: &HistoryCheck, _out: &mut Vec<(String, Violation)>) {}
    /// The rule's findings in one file are one finding: the first statement's, with
    /// the others (those not silenced) listed as [`Finding::related`]. For a missing
    /// setting whose fix is one line at the top of the migration.
    fn once_per_migration(&self) -> bool {
        false
    }
}

/// Every rule, in the order they are documented.
pub fn all() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &create_index_non_concurrently::CreateIndexNonConcurrently,
        &drop_index_non_concurrently::DropIndexNonConcurrently,
        &concurrently_in_transaction::ConcurrentlyInTransaction,
        &transaction_control_in_wrapped_migration::TransactionControlInWrappedMigration,
        &constraint_not_valid_missing::ConstraintNotValidMissing,
        &validate_in_same_transaction::ValidateInSameTransaction,
        &domain_constraint_scan::DomainConstraintScan,
        &set_not_null_scan::SetNotNullScan,
        &add_unique_without_index::AddUniqueWithoutIndex,
        &column_type_rewrite::ColumnTypeRewrite,
        &add_column_rewrite::AddColumnRewrite,
        &add_required_column::AddRequiredColumn,
        &drop_column::DropColumn,
        &drop_table::DropTable,
        &drop_database::DropDatabase,
        &rename_column::RenameColumn,
        &rename_table::RenameTable,
        &drop_object::DropObject,
        &rename_object::RenameObject,
        &set_schema::SetSchema,
        &drop_default::DropDefault,
        &narrowing_column_type::NarrowingColumnType,
        &missing_lock_timeout::MissingLockTimeout,
        &lock_held_across_statements::LockHeldAcrossStatements,
        &unbatched_backfill::UnbatchedBackfill,
        &enum_value_in_transaction::EnumValueInTransaction,
        &table_rewrite::TableRewrite,
        &truncate_table::TruncateTable,
        &reindex_non_concurrently::ReindexNonConcurrently,
        &detach_partition_non_concurrently::DetachPartitionNonConcurrently,
        &attach_partition_scan::AttachPartitionScan,
        &add_exclusion_constraint::AddExclusionConstraint,
        &lock_table::LockTable,
        &concurrently_on_partitioned::ConcurrentlyOnPartitioned,
        &fk_missing_index::FkMissingIndex,
        &create_trigger_locks::CreateTriggerLocks,
        &unparsed_statement::UnparsedStatement,
        &statement_fails::StatementFails,
        &invalid_directive::InvalidDirective,
        &edited_applied_migration::EditedAppliedMigration,
        &identifier_too_long::IdentifierTooLong,
        &duplicate_migration_version::DuplicateMigrationVersion,
        &out_of_order_migration::OutOfOrderMigration,
        &unknown_object::UnknownObject,
        &drop_breaks_dependents::DropBreaksDependents,
        &prefer_identity::PreferIdentity,
        &prefer_bigint_keys::PreferBigintKeys,
        &prefer_text::PreferText,
        &prefer_timestamptz::PreferTimestamptz,
        &prefer_jsonb::PreferJsonb,
        &avoid_char_n::AvoidCharN,
        &require_primary_key::RequirePrimaryKey,
        &missing_statement_timeout::MissingStatementTimeout,
        &prefer_if_not_exists::PreferIfNotExists,
    ];
    RULES
}

pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| r.id() == id)
}

/// The page of a rule (`rules/<id>.md`), compiled in so `explain` works anywhere.
pub fn page(id: &str) -> Option<&'static str> {
    pages::PAGES.iter().find(|(i, _)| *i == id).map(|(_, p)| *p)
}

mod pages {
    include!(concat!(env!("OUT_DIR"), "/rule_pages.rs"));
}

/// `ALTER TABLE`-style short statement text for messages: the first line, shortened.
pub fn short_sql(sql: &str) -> String {
    // words joined by one space, read only as far as needed (a statement may be a long
    // function body): more than 80 characters become the first 77 and `...`
    let mut out = String::with_capacity(84);
    let mut count = 0;
    let mut space = false;
    for c in sql.chars() {
        if c.is_whitespace() {
            space = count > 0;
            continue;
        }
        for c in [' ', c].into_iter().skip(usize::from(!space)) {
            if count == 80 {
                count += 1;
                break;
            }
            out.push(c);
            count += 1;
        }
        space = false;
        if count > 80 {
            break;
        }
    }
    if count > 80 {
        let cut = out.char_indices().nth(77).map_or(out.len(), |(i, _)| i);
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod short_sql_tests {
    use super::short_sql;

    /// The plain definition: join every word, then cut.
    fn reference(sql: &str) -> String {
        let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 80 {
            format!("{}...", one_line.chars().take(77).collect::<String>())
        } else {
            one_line
        }
    }

    #[test]
    fn short_sql_joins_words_and_cuts_at_80_characters() {
        let mut cases = vec![
            String::new(),
            "  \n ".to_string(),
            "SELECT 1;".to_string(),
            "ALTER TABLE t\n  ADD COLUMN c int;".to_string(),
        ];
        for n in 75..86 {
            cases.push("x".repeat(n));
            cases.push(format!("{} y", "x".repeat(n - 2)));
            cases.push(format!("{} {}", "é".repeat(n / 2), "ß".repeat(n / 2)));
            cases.push(format!("{}\n\t  z", "w".repeat(n - 3)));
        }
        for sql in cases {
            assert_eq!(short_sql(&sql), reference(&sql), "{sql:?}");
        }
    }
}
