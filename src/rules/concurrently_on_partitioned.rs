//! CREATE INDEX CONCURRENTLY on a partitioned table fails on every PostgreSQL version.
//! The way to index one without blocking writes: the parent `ON ONLY` (instant, invalid),
//! each partition concurrently, then `ALTER INDEX ... ATTACH PARTITION`.

use super::fixes::without_semicolon;
use super::{Context, Rule, Severity, Violation};
use crate::catalog::TableKind;
use crate::catalog::replay::make_object_name;
use crate::lock::LockMode;
use crate::ops::{IndexKey, ObjectName, Operation};

pub struct ConcurrentlyOnPartitioned;

impl Rule for ConcurrentlyOnPartitioned {
    fn id(&self) -> &'static str {
        "concurrently-on-partitioned"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE INDEX CONCURRENTLY on a partitioned table fails; index the parent ON ONLY, each partition concurrently, then attach"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::CreateIndex(ci) = &cx.stmt.op else {
            return;
        };
        let table = cx.catalog.resolve_relation(&ci.table);
        if !ci.concurrently
            || !cx
                .catalog
                .table(&table)
                .is_some_and(|t| t.kind == TableKind::Partitioned)
        {
            return;
        }
        let cols: Vec<String> = ci
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column(c) => c.clone(),
                IndexKey::Expression(_) => "expr".to_string(),
            })
            .collect();
        let cols = cols.join("_");
        let name = ci
            .name
            .clone()
            .unwrap_or_else(|| make_object_name(&table.name, Some(&cols), "idx"));
        let (head, rest) = split_at_table(&cx.stmt.text);
        let fix = if !cx.is_preexisting(&table) {
            format!(
                "{table} is new in this migration: drop CONCURRENTLY, a plain CREATE INDEX on it blocks nobody:\n{}",
                plain(&head, &rest, &ci.table)
            )
        } else {
            let parts: Vec<&crate::catalog::Table> = cx.catalog.partitions(&table).collect();
            let idx_ref = written_like(&ci.table, &ObjectName::new(table.schema.as_deref(), &name));
            let mut per = String::new();
            let mut attach = String::new();
            let unique = if ci.unique { "UNIQUE " } else { "" };
            let ine = if ci.if_not_exists {
                "IF NOT EXISTS "
            } else {
                ""
            };
            for p in parts.iter().take(8) {
                let pname = written_like(&ci.table, &p.name);
                let pidx = make_object_name(&p.name.name, Some(&cols), "idx");
                if p.kind == TableKind::Partitioned {
                    per.push_str(&format!(
                        "-- {pname} is partitioned itself: repeat these steps for it, then attach its index\n"
                    ));
                } else {
                    per.push_str(&format!(
                        "CREATE {unique}INDEX CONCURRENTLY {ine}{} ON {pname}{rest};\n",
                        crate::ops::names::quote_ident(&pidx)
                    ));
                }
                let pidx_ref =
                    written_like(&ci.table, &ObjectName::new(p.name.schema.as_deref(), &pidx));
                attach.push_str(&format!(
                    "ALTER INDEX {idx_ref} ATTACH PARTITION {pidx_ref};\n"
                ));
            }
            if parts.len() > 8 {
                per.push_str(&format!(
                    "-- ... and the {} other partitions\n",
                    parts.len() - 8
                ));
            }
            if parts.is_empty() {
                per = format!(
                    "CREATE {unique}INDEX CONCURRENTLY {ine}<partition>_{cols}_idx ON <partition>{rest};   -- for each partition\n"
                );
                attach =
                    format!("ALTER INDEX {idx_ref} ATTACH PARTITION <partition>_{cols}_idx;\n");
            }
            format!(
                "create the index on the parent only (instant, invalid until every partition has one), build each partition's index concurrently, then attach them:\n\
                 {};\n\
                 -- next migration, outside a transaction:\n\
                 {}\n\
                 {per}\
                 -- next migration (brief SHARE UPDATE EXCLUSIVE on the indexes):\n\
                 {}",
                only(&head, &rest, &ci.table),
                cx.no_transaction_directive(),
                attach.trim_end()
            )
        };
        out.push(Violation {
            message: format!(
                "CREATE INDEX CONCURRENTLY on the partitioned table {table} fails on every PostgreSQL version"
            ),
            relation: Some(table.clone()),
            lock_mode: Some(LockMode::ShareUpdateExclusive),
            why: Some(format!(
                "PostgreSQL cannot build an index concurrently on a partitioned table (\"cannot create index on partitioned table \\\"{}\\\" concurrently\"): the migration stops here",
                table.name
            ).into()),
            fix: Some(fix),
            ..Default::default()
        });
    }
}

/// The statement split around its table name: `CREATE INDEX CONCURRENTLY x ON` (without
/// `ONLY`) and what follows the table name (` USING btree (a) WHERE ...`), as written.
fn split_at_table(sql: &str) -> (String, String) {
    let sql = without_semicolon(sql);
    let lower = sql.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word_at = |i: usize, w: &str| {
        lower[i..].starts_with(w)
            && (i == 0 || !is_ident_byte(bytes[i - 1]))
            && bytes.get(i + w.len()).is_none_or(|b| !is_ident_byte(*b))
    };
    // the first ` ON ` outside double quotes (index names cannot be a bare `on`)
    let mut i = 0;
    let mut quoted = false;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            quoted = !quoted;
        } else if !quoted && is_word_at(i, "on") {
            break;
        }
        i += 1;
    }
    if i >= bytes.len() {
        return (sql.to_string(), String::new());
    }
    let head = sql[..i + 2].to_string();
    let mut j = i + 2;
    let skip_ws = |j: &mut usize| {
        while *j < bytes.len() && bytes[*j].is_ascii_whitespace() {
            *j += 1;
        }
    };
    skip_ws(&mut j);
    if is_word_at(j, "only") {
        j += 4;
        skip_ws(&mut j);
    }
    // the (possibly qualified, possibly quoted) table name
    loop {
        if j < bytes.len() && bytes[j] == b'"' {
            j += 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += 1;
            }
            j += 1;
        } else {
            while j < bytes.len() && is_ident_byte(bytes[j]) {
                j += 1;
            }
        }
        if j < bytes.len() && bytes[j] == b'.' {
            j += 1;
        } else {
            break;
        }
    }
    (head, sql[j.min(sql.len())..].to_string())
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// `CREATE INDEX x ON ONLY parent ...` (CONCURRENTLY removed).
fn only(head: &str, rest: &str, table: &ObjectName) -> String {
    format!("{} ONLY {table}{rest}", remove_concurrently(head))
}

fn plain(head: &str, rest: &str, table: &ObjectName) -> String {
    format!("{} {table}{rest};", remove_concurrently(head))
}

fn remove_concurrently(head: &str) -> String {
    head.split_whitespace()
        .filter(|w| !w.eq_ignore_ascii_case("concurrently"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A partition's name as the user would write it: qualified only when the parent was.
fn written_like(parent: &ObjectName, partition: &ObjectName) -> ObjectName {
    if parent.schema.is_some() {
        partition.clone()
    } else {
        ObjectName::unqualified(&partition.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_around_the_table_name() {
        let (head, rest) = split_at_table(
            "CREATE INDEX CONCURRENTLY ev_idx ON public.\"Events\" USING btree (a) WHERE b;",
        );
        assert_eq!(head, "CREATE INDEX CONCURRENTLY ev_idx ON");
        assert_eq!(rest, " USING btree (a) WHERE b");
        let (head, rest) = split_at_table("create unique index concurrently on ev(a)");
        assert_eq!(remove_concurrently(&head), "create unique index on");
        assert_eq!(rest, "(a)");
    }
}
