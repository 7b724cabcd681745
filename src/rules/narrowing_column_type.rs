//! ALTER COLUMN ... TYPE to a narrower type (shorter varchar, smaller integer, fewer
//! numeric digits, timestamp to date, ...): the change fails if an existing value does
//! not fit, silently rounds or truncates others, and afterwards the running
//! application's writes of values that no longer fit fail.
//!
//! A warning, not an error: the values may well fit (the author usually knows), a
//! failing ALTER aborts without damage, and the lock and rewrite it costs are
//! `column-type-rewrite`'s to report. The message says what may fail, never that it will.

use super::file_notes::{self, Slot};
use super::{Context, FileCheck, Rule, Severity, Violation};
use crate::ops::{AlterTableAction, Expr, ObjectName, Operation, TypeName};
use std::cell::RefCell;

pub struct NarrowingColumnType;

thread_local! {
    /// Columns an UPDATE earlier in the file assigned, `(table, column)`: usually the
    /// values are made to fit first (`SET url = left(url, 512) WHERE length(url) > 512`).
    static UPDATED: Slot<Vec<(ObjectName, String)>> = const { RefCell::new(None) };
}

/// What a narrowing does to values that do not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Loss {
    /// The ALTER fails on a value longer than this many characters (or bits).
    TooLong(i64),
    /// The ALTER fails on a value out of the new type's range (described).
    OutOfRange(String),
    /// Values are changed without an error (described: "rounds to 2 decimal places").
    Silent(String),
}

impl Rule for NarrowingColumnType {
    fn id(&self) -> &'static str {
        "narrowing-column-type"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ALTER COLUMN ... TYPE to a narrower type may fail on existing rows, or round or truncate them, and rejects the running application's wider values"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if let Operation::Update(u) = &cx.stmt.op {
            let table = cx.catalog.resolve_relation(&u.table);
            file_notes::with(&UPDATED, cx.file, |n| {
                n.extend(u.set_columns.iter().map(|c| (table.clone(), c.clone())))
            });
            return;
        }
        let Some((at, table)) = cx.alter_table_target() else {
            return;
        };
        // a foreign table's rows are not converted here: nothing fails
        if !cx.is_preexisting(table) || cx.is_foreign(table) {
            return;
        }
        for (i, action) in at.actions.iter().enumerate() {
            let AlterTableAction::AlterColumnType {
                column, ty, using, ..
            } = action
            else {
                continue;
            };
            let Some(from) = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(column))
                .map(|c| &c.ty)
            else {
                continue; // unknown current type: nothing to compare
            };
            // a USING expression of its own decides how values convert
            if !trivial_using(using.as_ref(), column, ty) {
                continue;
            }
            let losses = narrowing(&from.without_serial(), &ty.without_serial());
            if losses.is_empty() {
                continue;
            }
            let fitted = file_notes::with(&UPDATED, cx.file, |n| {
                n.contains(&(table.clone(), column.clone()))
            });
            let mut v = violation(table, &at.name, column, from, ty, &losses, fitted);
            v.span = super::clause::action(cx.stmt, at, i);
            out.push(v);
        }
    }
    fn check_file(&self, fc: &FileCheck, _out: &mut Vec<Violation>) {
        file_notes::take(&UPDATED, fc.file);
    }
}

/// `USING col` or `USING col::type` (`"col"::varchar(50)`, `CAST(col AS ...)`, as
/// parsed): the same as no USING clause.
fn trivial_using(using: Option<&Expr>, column: &str, to: &TypeName) -> bool {
    let Some(u) = using else {
        return true;
    };
    u.column_cast.as_ref().is_some_and(|cc| {
        cc.column == column && cc.casts.last().is_none_or(|last| last.same_as(to))
    })
}

fn violation(
    table: &ObjectName,
    written: &ObjectName,
    column: &str,
    from: &TypeName,
    to: &TypeName,
    losses: &[Loss],
    fitted: bool,
) -> Violation {
    let mut fails = Vec::new();
    let mut silent = Vec::new();
    for l in losses {
        match l {
            Loss::TooLong(n) => fails.push(format!("a value longer than {n} does not fit")),
            Loss::OutOfRange(what) => fails.push(what.clone()),
            Loss::Silent(what) => silent.push(what.clone()),
        }
    }
    let mut effects = Vec::new();
    if !fails.is_empty() {
        effects.push(format!("may fail on existing rows ({})", fails.join("; ")));
    }
    if !silent.is_empty() {
        effects.push(silent.join(" and "));
    }
    // the SQL prints names quoted where PostgreSQL needs it (they are stored folded)
    let col = crate::ops::names::quote_ident(column);
    let check = losses
        .iter()
        .map(|l| match l {
            Loss::TooLong(n) => {
                format!("SELECT count(*) FROM {written} WHERE length({col}::text) > {n};")
            }
            Loss::OutOfRange(_) => format!("SELECT min({col}), max({col}) FROM {written};"),
            Loss::Silent(what) => format!(
                "-- it {what}: if that is not intended, keep {}",
                from.text.to_lowercase()
            ),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let keep = if losses.iter().any(|l| matches!(l, Loss::TooLong(_))) {
        format!(
            "\n-- if the limit is a rule of your data, keep {} and add it as a CHECK constraint, NOT VALID, validated in a later migration:\nALTER TABLE {written} ADD CONSTRAINT {} CHECK (length({col}::text) <= {}) NOT VALID;",
            from.text.to_lowercase(),
            crate::ops::names::quote_ident(&crate::catalog::replay::make_object_name(
                &table.name,
                Some(column),
                "length"
            )),
            losses
                .iter()
                .find_map(|l| match l {
                    Loss::TooLong(n) => Some(*n),
                    _ => None,
                })
                .unwrap_or_default()
        )
    } else {
        String::new()
    };
    let (message, why) = if fitted {
        (
            format!(
                "changing {table}.{column} from {} to {} narrows it; an UPDATE earlier in this migration rewrote {column}, so existing values probably fit",
                from.text.to_lowercase(),
                to.text.to_lowercase(),
            ),
            format!(
                "once it commits, the running application's writes of values that no longer fit {column} fail; if the UPDATE did not make every value fit, the ALTER {}",
                effects.join(", and ")
            ),
        )
    } else {
        (
            format!(
                "changing {table}.{column} from {} to {} narrows it: it {}",
                from.text.to_lowercase(),
                to.text.to_lowercase(),
                effects.join(", and ")
            ),
            format!(
                "existing values that do not fit make the ALTER fail (or are changed silently, as said); once it commits, the running application's writes of values that no longer fit {column} fail"
            ),
        )
    };
    Violation {
        message,
        relation: Some(table.clone()),
        why: Some(why.into()),
        fix: Some(format!("check the data first:\n{check}{keep}")),
        ..Default::default()
    }
}

/// Integer types by width: (name, digits of the largest value, range for messages).
fn integer(name: &str) -> Option<(u8, i64, &'static str)> {
    match name {
        "int2" => Some((1, 5, "-32768 to 32767")),
        "int4" => Some((2, 10, "-2147483648 to 2147483647")),
        "int8" => Some((3, 19, "about ±9.2e18")),
        _ => None,
    }
}

/// The longest text of a value of a fixed-format type, in characters.
fn max_text_length(ty: &TypeName) -> Option<i64> {
    Some(match ty.name.as_str() {
        "int2" => 6,
        "int4" => 11,
        "int8" => 20,
        "bool" => 5,
        "uuid" => 36,
        _ => return None,
    })
}

/// The length limit of a character type: `None` when unlimited, `Some(None)` for a
/// type that is not a character type.
fn char_limit(ty: &TypeName) -> Option<Option<i64>> {
    match ty.name.as_str() {
        "text" | "citext" => Some(None),
        "varchar" => Some(ty.modifiers.first().copied()),
        // `char` without a length is char(1); `bpchar` written as such is unlimited
        "bpchar" => Some(
            ty.modifiers
                .first()
                .copied()
                .or((!ty.text.eq_ignore_ascii_case("bpchar")).then_some(1)),
        ),
        _ => None,
    }
}

/// (integer digits, scale) of a numeric type; `None` for unconstrained numeric.
fn numeric_digits(ty: &TypeName) -> Option<(i64, i64)> {
    match ty.modifiers.as_slice() {
        [p] => Some((*p, 0)),
        [p, s] => Some((p - s, *s)),
        _ => None,
    }
}

/// Fractional-second precision of a time type (6 without a modifier).
fn fraction(ty: &TypeName) -> i64 {
    ty.modifiers.first().copied().unwrap_or(6)
}

/// What changing `from` to `to` does to values that do not fit (empty: nothing narrows).
fn narrowing(from: &TypeName, to: &TypeName) -> Vec<Loss> {
    let mut out = Vec::new();
    if from.array_dims != to.array_dims || from.schema.is_some() || to.schema.is_some() {
        return out;
    }
    let (f, t) = (from.name.as_str(), to.name.as_str());
    // character types
    if let Some(Some(limit)) = char_limit(to) {
        let fits = match char_limit(from) {
            Some(Some(n)) => n <= limit,
            Some(None) => false,
            None => max_text_length(from).is_some_and(|n| n <= limit),
        };
        let known_text = char_limit(from).is_some() || max_text_length(from).is_some();
        if !fits && (known_text || numeric_like(f) || time_like(f)) {
            out.push(Loss::TooLong(limit));
        }
        return out;
    }
    if f == "varbit" && t == "varbit" {
        if let (Some(n), Some(m)) = (from.modifiers.first(), to.modifiers.first()) {
            if m < n {
                out.push(Loss::TooLong(*m));
            }
        } else if from.modifiers.is_empty() && !to.modifiers.is_empty() {
            out.push(Loss::TooLong(to.modifiers[0]));
        }
        return out;
    }
    // integers
    if let Some((to_width, to_digits, range)) = integer(t) {
        let out_of_range = format!("a value outside {range} does not fit {t}");
        match f {
            _ if integer(f).is_some_and(|(w, _, _)| w > to_width) => {
                out.push(Loss::OutOfRange(out_of_range))
            }
            "numeric" => {
                if numeric_digits(from).is_none_or(|(ip, _)| ip > to_digits) {
                    out.push(Loss::OutOfRange(out_of_range));
                }
                if numeric_digits(from).is_none_or(|(_, s)| s > 0) {
                    out.push(Loss::Silent(
                        "rounds fractional values to whole numbers".to_string(),
                    ));
                }
            }
            "float4" | "float8" => {
                out.push(Loss::OutOfRange(out_of_range));
                out.push(Loss::Silent(
                    "rounds fractional values to whole numbers".to_string(),
                ));
            }
            _ => {}
        }
        return out;
    }
    if t == "numeric" {
        let Some((to_ip, to_scale)) = numeric_digits(to) else {
            return out; // unconstrained numeric holds anything
        };
        let range = format!(
            "a value with more than {to_ip} integer digits does not fit {}",
            to.text.to_lowercase()
        );
        match f {
            "numeric" => match numeric_digits(from) {
                Some((ip, s)) => {
                    if ip > to_ip {
                        out.push(Loss::OutOfRange(range));
                    }
                    if s > to_scale {
                        out.push(Loss::Silent(format!(
                            "rounds existing values to {to_scale} decimal places"
                        )));
                    }
                }
                None => {
                    out.push(Loss::OutOfRange(range));
                    out.push(Loss::Silent(format!(
                        "rounds existing values to {to_scale} decimal places"
                    )));
                }
            },
            _ => {
                if let Some((_, digits, _)) = integer(f) {
                    if digits > to_ip {
                        out.push(Loss::OutOfRange(range));
                    }
                } else if f == "float4" || f == "float8" {
                    out.push(Loss::OutOfRange(range));
                    out.push(Loss::Silent(format!(
                        "rounds existing values to {to_scale} decimal places"
                    )));
                }
            }
        }
        return out;
    }
    match (f, t) {
        ("float8", "float4") => {
            out.push(Loss::OutOfRange(
                "a value beyond ±3.4e38 does not fit real".to_string(),
            ));
            out.push(Loss::Silent(
                "keeps only about 6 significant digits".to_string(),
            ));
        }
        ("numeric", "float4" | "float8") => out.push(Loss::Silent(format!(
            "keeps only about {} significant digits",
            if t == "float4" { 6 } else { 15 }
        ))),
        ("timestamp" | "timestamptz", "date") => out.push(Loss::Silent(
            "drops any time of day from existing values".to_string(),
        )),
        ("timestamp" | "timestamptz", "time" | "timetz") => out.push(Loss::Silent(
            "drops the date from existing values (keeping the time of day)".to_string(),
        )),
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval")
            if fraction(to) < fraction(from) =>
        {
            out.push(Loss::Silent(format!(
                "rounds existing values to {} fractional-second digits",
                fraction(to)
            )))
        }
        _ => {}
    }
    out
}

fn numeric_like(name: &str) -> bool {
    matches!(name, "numeric" | "float4" | "float8" | "money")
}

fn time_like(name: &str) -> bool {
    matches!(
        name,
        "date" | "timestamp" | "timestamptz" | "time" | "timetz" | "interval"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn losses(a: &str, b: &str) -> Vec<Loss> {
        narrowing(&TypeName::parse(a), &TypeName::parse(b))
    }

    #[test]
    fn shorter_strings_may_fail() {
        assert_eq!(losses("text", "varchar(20)"), vec![Loss::TooLong(20)]);
        assert_eq!(
            losses("varchar(255)", "varchar(100)"),
            vec![Loss::TooLong(100)]
        );
        assert_eq!(losses("character(10)", "char(3)"), vec![Loss::TooLong(3)]);
        assert_eq!(losses("bigint", "varchar(10)"), vec![Loss::TooLong(10)]);
        assert!(losses("varchar(100)", "varchar(255)").is_empty());
        assert!(losses("varchar(10)", "text").is_empty());
        assert!(losses("int", "varchar(11)").is_empty());
        assert!(losses("uuid", "varchar(36)").is_empty());
        assert_eq!(losses("text[]", "varchar(5)[]"), vec![Loss::TooLong(5)]);
    }

    #[test]
    fn smaller_integers_and_fewer_digits_may_fail_or_round() {
        assert!(matches!(
            losses("bigint", "integer")[..],
            [Loss::OutOfRange(_)]
        ));
        assert!(matches!(
            losses("int", "smallint")[..],
            [Loss::OutOfRange(_)]
        ));
        assert!(losses("smallint", "bigint").is_empty());
        assert!(losses("bigserial", "bigint").is_empty());
        assert!(matches!(
            losses("numeric(12,2)", "numeric(10,2)")[..],
            [Loss::OutOfRange(_)]
        ));
        assert!(matches!(
            losses("numeric(12,4)", "numeric(8,2)")[..],
            [Loss::OutOfRange(_), Loss::Silent(_)]
        ));
        assert!(matches!(
            losses("numeric(10,4)", "numeric(12,2)")[..],
            [Loss::Silent(_)]
        ));
        assert!(losses("numeric(10,2)", "numeric(12,2)").is_empty());
        assert!(losses("numeric(10,2)", "numeric").is_empty());
        assert!(matches!(
            losses("numeric", "bigint")[..],
            [Loss::OutOfRange(_), Loss::Silent(_)]
        ));
        assert!(losses("numeric(9,0)", "integer").is_empty());
        assert!(losses("integer", "numeric(12,0)").is_empty());
        assert!(matches!(
            losses("bigint", "numeric(12,2)")[..],
            [Loss::OutOfRange(_)]
        ));
    }

    #[test]
    fn dates_and_precision_lose_data_silently() {
        assert!(matches!(
            losses("timestamptz", "date")[..],
            [Loss::Silent(_)]
        ));
        assert!(matches!(
            losses("timestamp(6)", "timestamp(0)")[..],
            [Loss::Silent(_)]
        ));
        assert!(losses("timestamp", "timestamptz").is_empty());
        assert!(losses("date", "timestamptz").is_empty());
        assert!(matches!(
            losses("double precision", "real")[..],
            [Loss::OutOfRange(_), Loss::Silent(_)]
        ));
        assert!(losses("real", "double precision").is_empty());
        assert!(losses("int", "text").is_empty());
        assert!(losses("mood", "text").is_empty());
    }

    /// Django narrows with `USING "x"::varchar(50)`: the cast it would get anyway.
    #[test]
    fn a_using_that_casts_the_column_to_the_new_type_is_trivial() {
        let using = |sql: &str| -> (Option<Expr>, TypeName) {
            match crate::parse::parse_statement(sql) {
                Operation::AlterTable(at) => match at.actions.into_iter().next() {
                    Some(AlterTableAction::AlterColumnType { ty, using, .. }) => (using, ty),
                    other => panic!("{sql}: {other:?}"),
                },
                other => panic!("{sql}: {other:?}"),
            }
        };
        for sql in [
            "ALTER TABLE \"t\" ALTER COLUMN \"x\" TYPE varchar(50) USING \"x\"::varchar(50)",
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50) USING CAST(x AS character varying(50))",
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50) USING x",
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50)",
        ] {
            let (u, ty) = using(sql);
            assert!(trivial_using(u.as_ref(), "x", &ty), "{sql}");
        }
        for sql in [
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50) USING left(x, 50)",
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50) USING y::varchar(50)",
            "ALTER TABLE t ALTER COLUMN x TYPE varchar(50) USING x::varchar(20)",
        ] {
            let (u, ty) = using(sql);
            assert!(!trivial_using(u.as_ref(), "x", &ty), "{sql}");
        }
    }
}
