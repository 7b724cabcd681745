//! What a column type change without a rewrite still re-creates: CHECK scans and index
//! rebuilds.

use super::*;

/// What `ALTER COLUMN ... TYPE` re-creates on a table it does not rewrite, under the
/// statement's ACCESS EXCLUSIVE lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeptInPlace {
    /// Validated CHECK constraints on the column: checked again, all in one full scan.
    pub checks: Vec<String>,
    /// Indexes rebuilt, each reading the whole table.
    pub indexes: Vec<String>,
    /// Why the indexes are rebuilt.
    pub indexes_why: &'static str,
}

impl KeptInPlace {
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty() && self.indexes.is_empty()
    }

    /// `the CHECK constraint t_ck on x is checked again against every row`
    pub fn checks_text(&self, column: &str) -> String {
        let one = self.checks.len() == 1;
        format!(
            "the CHECK constraint{} {} on {column} {} checked again against every row",
            if one { "" } else { "s" },
            self.checks.join(", "),
            if one { "is" } else { "are" },
        )
    }

    /// `index t_x, t_y: the new type's operator class differs`
    pub fn indexes_text(&self) -> String {
        format!(
            "{} {}: {}",
            if self.indexes.len() == 1 {
                "index"
            } else {
                "indexes"
            },
            self.indexes.join(", "),
            self.indexes_why
        )
    }
}

/// Observed on 15 (relfilenodes of table and indexes, `seq_scan`), for an `ALTER
/// COLUMN ... TYPE` that keeps the table's storage (including one to the same type):
/// - every validated CHECK constraint on the column is checked again, all in one full
///   scan (NOT VALID ones are not);
/// - every index whose expression or predicate uses the column is rebuilt, even for
///   `varchar(10)` -> `varchar(20)`;
/// - every other index on the column is rebuilt when the new type's operator class
///   differs (`text` <-> `citext`) or a collation is given (without tracking columns'
///   collations, schemaguard assumes it changes; without `COLLATE` the column gets the
///   type's default collation, which for a column declared `COLLATE "C"` is a change
///   schemaguard does not see).
pub fn kept_in_place(
    cat: &Catalog,
    t: &crate::catalog::Table,
    column: &str,
    change: &TypeChange,
    collation: Option<&str>,
) -> KeptInPlace {
    if change.rewrites() {
        return KeptInPlace::default();
    }
    let checks = t
        .constraints
        .iter()
        .filter(|c| {
            c.validated
                && matches!(&c.kind, ConstraintKind::Check { expr, .. }
                    if expr.columns.iter().any(|x| x == column))
        })
        .map(|c| c.name.clone())
        .collect();
    let all = change.rebuilds_indexes() || collation.is_some();
    let indexes = cat
        .indexes_on(&t.name)
        .filter(|i| {
            let key = i.columns.iter().any(|c| c == column);
            let in_expression = i
                .columns
                .iter()
                .any(|c| c.starts_with('(') && mentions(c, column));
            let in_predicate = i
                .predicate
                .as_ref()
                .is_some_and(|p| p.columns.iter().any(|c| c == column));
            in_expression || in_predicate || (all && key)
        })
        .map(|i| i.name.name.clone())
        .collect();
    let indexes_why = if collation.is_some() {
        "the column's collation is set anew"
    } else if all {
        "the new type's operator class differs"
    } else {
        "an index with the column in its expression or WHERE is always rebuilt"
    };
    KeptInPlace {
        checks,
        indexes,
        indexes_why,
    }
}

/// Whether an expression's text names `column` as an identifier (`lower(x)`, `"X" || y`).
pub(super) fn mentions(text: &str, column: &str) -> bool {
    let mut word = String::new();
    let mut quoted = false;
    let mut literal = false;
    let mut found = false;
    let mut flush = |w: &mut String, q: bool| {
        let folded = if q { w.clone() } else { w.to_lowercase() };
        found |= !w.is_empty() && folded == column;
        w.clear();
    };
    for ch in text.chars() {
        match ch {
            '\'' if !quoted => {
                flush(&mut word, false);
                literal = !literal;
            }
            _ if literal => {}
            '"' if quoted => {
                flush(&mut word, true);
                quoted = false;
            }
            '"' => {
                flush(&mut word, false);
                quoted = true;
            }
            c if quoted || c.is_alphanumeric() || c == '_' || c == '$' => word.push(c),
            _ => flush(&mut word, false),
        }
    }
    flush(&mut word, quoted);
    found
}
