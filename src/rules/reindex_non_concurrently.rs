//! REINDEX without CONCURRENTLY rebuilds the indexes of an existing table under SHARE on
//! the table (writes wait) and ACCESS EXCLUSIVE on each index (queries that would use it
//! wait) for the whole rebuild.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{ObjectName, Operation, ReindexTarget};

pub struct ReindexNonConcurrently;

impl Rule for ReindexNonConcurrently {
    fn id(&self) -> &'static str {
        "reindex-non-concurrently"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "REINDEX without CONCURRENTLY blocks writes to an existing table, and queries using the index, for the whole rebuild"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::Reindex(r) = &cx.stmt.op else {
            return;
        };
        // REINDEX SYSTEM rebuilds catalogs only and has no concurrent form
        if r.concurrently || r.target == ReindexTarget::System {
            return;
        }
        let target = match r.target {
            ReindexTarget::Index => "INDEX",
            ReindexTarget::Table => "TABLE",
            ReindexTarget::Schema => "SCHEMA",
            _ => "DATABASE",
        };
        let blocked: Vec<ObjectName> = cx
            .blocking_locks()
            .iter()
            .map(|l| l.relation.clone())
            .collect();
        let unknown_index = r.target == ReindexTarget::Index && cx.catalog.index(&r.name).is_none();
        let whole_schema = matches!(r.target, ReindexTarget::Schema | ReindexTarget::Database);
        // a schema or database whose tables schemaguard does not know: assume some exist
        let unknown_contents = whole_schema
            && !cx.catalog.tables.keys().any(|t| {
                r.target == ReindexTarget::Database || t.schema.as_deref() == Some(&r.name.name)
            });
        if blocked.is_empty() && !unknown_index && !unknown_contents {
            return;
        }
        let partitioned = matches!(r.target, ReindexTarget::Index | ReindexTarget::Table)
            && cx
                .catalog
                .table(&resolved_table(cx, r))
                .is_some_and(|t| t.kind == crate::catalog::TableKind::Partitioned);
        let subject = if unknown_index {
            "its table".to_string()
        } else if unknown_contents {
            format!("every table of {}", describe(r, target))
        } else {
            list(&blocked)
        };
        let (message, why) = if partitioned && cx.version.0 < 14 {
            (
                format!(
                    "REINDEX TABLE {} rebuilds nothing before PostgreSQL 14, but takes SHARE on it until commit",
                    r.name
                ),
                "PostgreSQL 11-13 skips a partitioned table with a warning; the SHARE lock still makes every INSERT, UPDATE and DELETE through it wait until the transaction ends".to_string(),
            )
        } else if partitioned || whole_schema {
            (
                format!(
                    "REINDEX {target} {} blocks writes to {subject}, one table at a time, while each one's indexes are rebuilt",
                    r.name
                ),
                "each table gets a SHARE lock (INSERT, UPDATE and DELETE wait) and each of its indexes ACCESS EXCLUSIVE (queries that would use it wait), in a transaction of its own, for as long as its rebuild takes".to_string(),
            )
        } else {
            let what = if r.target == ReindexTarget::Index {
                format!("queries using {}", r.name)
            } else {
                "queries using any of its indexes".to_string()
            };
            (
                format!(
                    "REINDEX {target} {} blocks writes to {subject}, and {what}, for the whole rebuild",
                    r.name
                ),
                format!(
                    "SHARE lock on {subject}: INSERT, UPDATE and DELETE wait; ACCESS EXCLUSIVE on the index: {what} wait too, until the rebuild ends{}",
                    if cx.tx.active {
                        " (and the locks are held until the transaction commits)"
                    } else {
                        ""
                    }
                ),
            )
        };
        let fix = if partitioned && cx.version.0 < 14 {
            skipped_partitioned_fix(cx, r)
        } else {
            fix(cx, r, target)
        };
        out.push(Violation {
            message,
            relation: blocked.first().cloned(),
            lock_mode: Some(LockMode::Share),
            why: Some(why.into()),
            fix: Some(fix),
            ..Default::default()
        });
    }
}

/// The table the statement is about (for REINDEX INDEX: the index's table).
fn resolved_table(cx: &Context, r: &crate::ops::Reindex) -> ObjectName {
    match r.target {
        ReindexTarget::Index => cx
            .catalog
            .index(&r.name)
            .map(|i| i.table.clone())
            .unwrap_or_else(|| cx.catalog.resolve_relation(&r.name)),
        _ => cx.catalog.resolve_relation(&r.name),
    }
}

fn describe(r: &crate::ops::Reindex, target: &str) -> String {
    if r.name.name.is_empty() {
        "the current database".to_string()
    } else {
        format!("{} {}", target.to_lowercase(), r.name)
    }
}

fn list(names: &[ObjectName]) -> String {
    let mut s: Vec<String> = names.iter().take(4).map(ToString::to_string).collect();
    if names.len() > 4 {
        s.push(format!("{} more", names.len() - 4));
    }
    s.join(", ")
}

fn fix(cx: &Context, r: &crate::ops::Reindex, target: &str) -> String {
    let dir = cx.no_transaction_directive();
    let name = if r.name.name.is_empty() {
        String::new()
    } else {
        format!(" {}", r.name)
    };
    if cx.version.0 >= 12 {
        return format!(
            "rebuild it concurrently (SHARE UPDATE EXCLUSIVE: reads and writes go on), outside a transaction, in a migration of its own:\n{dir}\nSET lock_timeout = '2s';\nREINDEX {target} CONCURRENTLY{name};"
        );
    }
    // before 12: build a replacement concurrently and swap it in
    let indexes: Vec<&crate::catalog::Index> = match r.target {
        ReindexTarget::Index => cx.catalog.index(&r.name).into_iter().collect(),
        ReindexTarget::Table => {
            let t = cx.catalog.resolve_relation(&r.name);
            cx.catalog
                .indexes
                .values()
                .filter(|i| i.table == t)
                .collect()
        }
        _ => Vec::new(),
    };
    let mut sql = String::new();
    for i in indexes.iter().take(5) {
        let old = if r.name.schema.is_some() {
            i.name.to_string()
        } else {
            ObjectName::unqualified(&i.name.name).to_string()
        };
        let new = ObjectName::unqualified(&crate::catalog::replay::make_object_name(
            &i.name.name,
            None,
            "new",
        ));
        let table = if r.name.schema.is_some() {
            i.table.to_string()
        } else {
            ObjectName::unqualified(&i.table.name).to_string()
        };
        let method = i
            .method
            .as_ref()
            .map(|m| format!(" USING {m}"))
            .unwrap_or_default();
        let predicate = if i.partial { " WHERE ..." } else { "" };
        sql.push_str(&format!(
            "CREATE {}INDEX CONCURRENTLY {new} ON {table}{method} ({}){predicate};\n",
            if i.unique { "UNIQUE " } else { "" },
            // names quoted where PostgreSQL needs it; expressions are kept as their text
            i.columns
                .iter()
                .map(|c| if c.starts_with('(') {
                    c.clone()
                } else {
                    crate::ops::names::quote_ident(c)
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if i.primary || i.unique && is_constraint_index(cx, i) {
            sql.push_str(&format!(
                "-- {old} backs a constraint: swap it with ALTER TABLE {table} DROP CONSTRAINT ..., ADD CONSTRAINT ... USING INDEX {new} (brief ACCESS EXCLUSIVE)\n"
            ));
        } else {
            sql.push_str(&format!(
                "DROP INDEX CONCURRENTLY {old};\nALTER INDEX {new} RENAME TO {};\n",
                ObjectName::unqualified(&i.name.name)
            ));
        }
    }
    if sql.is_empty() {
        sql = "CREATE INDEX CONCURRENTLY <index>_new ON <table> (...);\nDROP INDEX CONCURRENTLY <index>;\nALTER INDEX <index>_new RENAME TO <index>;\n".to_string();
    }
    format!(
        "REINDEX ... CONCURRENTLY does not exist before PostgreSQL 12; build a replacement concurrently, then swap it in, outside a transaction:\n{dir}\n{}",
        sql.trim_end()
    )
}

/// Before 14 REINDEX TABLE of a partitioned table does nothing: rebuild its partitions.
fn skipped_partitioned_fix(cx: &Context, r: &crate::ops::Reindex) -> String {
    let parent = cx.catalog.resolve_relation(&r.name);
    let parts: Vec<String> = cx
        .catalog
        .partitions(&parent)
        .take(8)
        .map(|t| {
            if r.name.schema.is_some() {
                t.name.to_string()
            } else {
                ObjectName::unqualified(&t.name.name).to_string()
            }
        })
        .collect();
    let parts = if parts.is_empty() {
        vec!["<partition>".to_string()]
    } else {
        parts
    };
    if cx.version.0 >= 12 {
        format!(
            "drop the statement: it rebuilds nothing on PostgreSQL {}. To rebuild the partitions' indexes, reindex each partition concurrently, outside a transaction:\n{}\n{}",
            cx.version,
            cx.no_transaction_directive(),
            parts
                .iter()
                .map(|p| format!("REINDEX TABLE CONCURRENTLY {p};"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    } else {
        format!(
            "drop the statement: it rebuilds nothing on PostgreSQL {}. To rebuild the partitions' indexes, replace each one: CREATE INDEX CONCURRENTLY a copy, DROP INDEX CONCURRENTLY the old one, rename the copy (partitions: {})",
            cx.version,
            parts.join(", ")
        )
    }
}

fn is_constraint_index(cx: &Context, i: &crate::catalog::Index) -> bool {
    cx.catalog.table(&i.table).is_some_and(|t| {
        t.constraints
            .iter()
            .any(|c| c.index.as_deref() == Some(&i.name.name))
    })
}
