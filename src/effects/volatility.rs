//! Function volatility. Neither sqlparser nor PostgreSQL's grammar says whether a
//! function is volatile, so we keep PostgreSQL's classification of the common ones; user
//! functions come from the catalog (declared volatility, volatile by default).

use crate::catalog::Catalog;
use crate::ops::{Expr, ObjectName};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
    /// A function we know nothing about.
    Unknown,
}

/// VOLATILE functions `pg_catalog` of PostgreSQL 15 lacks: those of common extensions
/// (pgcrypto, uuid-ossp) and of later versions (`random_normal` 16, `uuidv4`/`uuidv7`
/// 18). Everything in `pg_catalog` comes from [`builtin`].
const VOLATILE: &[&str] = &[
    "gen_random_bytes",
    "random_normal",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// SQL's value functions, written without parentheses and not in `pg_proc`
/// (`SQLValueFunction`): STABLE, the transaction's or the session's values.
const STABLE: &[&str] = &[
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "user",
];

/// SQL constructs that read like calls but are not functions (`CAST`, `COALESCE`,
/// `GREATEST`, `ROW`, ...): as volatile as their arguments, which are judged on their own.
const IMMUTABLE: &[&str] = &[
    "array", "cast", "coalesce", "greatest", "least", "nullif", "row", "trim",
];

/// PostgreSQL's own volatility of the `pg_catalog` function `name` (its most volatile
/// overload), when there is one by that name (`builtin_volatility`, generated from a
/// server's `pg_proc` and checked against one by `tests/volatility.rs`).
pub fn builtin(name: &str) -> Option<Volatility> {
    let table = super::builtin_volatility::BUILTIN;
    table
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// The volatility of one function by name (lowercase, unqualified).
pub fn of_function(name: &str, catalog: &Catalog) -> Volatility {
    of_function_at(name, catalog, 0, true)
}

/// How deep inlined functions may call inlined functions before we stop (PostgreSQL
/// stops at a recursive call, which then stays a volatile call).
const INLINE_DEPTH: usize = 8;

fn of_function_at(name: &str, catalog: &Catalog, depth: usize, inline: bool) -> Volatility {
    if VOLATILE.contains(&name) {
        return Volatility::Volatile;
    }
    if STABLE.contains(&name) {
        return Volatility::Stable;
    }
    if IMMUTABLE.contains(&name) {
        return Volatility::Immutable;
    }
    if let Some(v) = builtin(name) {
        return v;
    }
    match catalog.functions.iter().find(|(k, _)| k.name == name) {
        Some((_, overloads)) => overloads
            .iter()
            .map(|f| match (f.volatility.as_deref(), &f.inline) {
                (Some("immutable"), _) => Volatility::Immutable,
                (Some("stable"), _) => Volatility::Stable,
                // VOLATILE (declared or by default) but inlined: the call becomes its
                // body's expression, as volatile as what that calls (see
                // `ops::lower::inline`)
                (_, Some(body)) if inline && depth < INLINE_DEPTH => {
                    of_expr_at(body, catalog, depth + 1, inline).0
                }
                _ => Volatility::Volatile,
            })
            .max()
            .unwrap_or(Volatility::Volatile),
        None => Volatility::Unknown,
    }
}

/// The most volatile function in an expression, and its name.
pub fn of_expr(expr: &Expr, catalog: &Catalog) -> (Volatility, Option<String>) {
    of_expr_at(expr, catalog, 0, true)
}

/// The volatility of `ADD COLUMN ... DEFAULT expr` as PostgreSQL `v` judges it: 12+
/// inlines simple SQL functions first; 11 asks the declared volatility of the call
/// (observed on 11 with `trace`: a VOLATILE `SELECT now()` or `SELECT 1` function
/// rewrites the table; on 12, 13, 15 and 18 it does not).
pub fn of_default(
    expr: &Expr,
    catalog: &Catalog,
    v: super::PgVersion,
) -> (Volatility, Option<String>) {
    of_expr_at(expr, catalog, 0, v.0 >= 12)
}

fn of_expr_at(
    expr: &Expr,
    catalog: &Catalog,
    depth: usize,
    inline: bool,
) -> (Volatility, Option<String>) {
    let mut worst = (Volatility::Immutable, None);
    for f in &expr.functions {
        let v = of_function_at(f, catalog, depth, inline);
        if v > worst.0 {
            worst = (v, Some(f.clone()));
        }
    }
    worst
}

/// A function object name as the volatility table knows it.
pub fn function_key(name: &ObjectName) -> &str {
    &name.name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_stable_and_uuid_generators_are_volatile() {
        let cat = Catalog::default();
        assert_eq!(of_function("now", &cat), Volatility::Stable);
        assert_eq!(of_function("current_timestamp", &cat), Volatility::Stable);
        assert_eq!(of_function("gen_random_uuid", &cat), Volatility::Volatile);
        assert_eq!(of_function("uuid_generate_v4", &cat), Volatility::Volatile);
        assert_eq!(of_function("lower", &cat), Volatility::Immutable);
        assert_eq!(of_function("my_func", &cat), Volatility::Unknown);
        // as pg_proc says: repeat() is IMMUTABLE, txid_current() STABLE
        assert_eq!(of_function("repeat", &cat), Volatility::Immutable);
        assert_eq!(of_function("txid_current", &cat), Volatility::Stable);
        assert_eq!(of_function("clock_timestamp", &cat), Volatility::Volatile);
    }

    fn catalog(history: &str) -> Catalog {
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(history).statements {
            crate::catalog::replay::apply(&mut cat, &stmt.op, crate::catalog::Origin::default());
        }
        cat
    }

    fn volatility(history: &str) -> Volatility {
        of_function("f", &catalog(history))
    }

    /// Each case observed on PostgreSQL 15 as `ADD COLUMN ... DEFAULT f()` on a table
    /// with rows: rewritten (volatile) or not (see `ops::lower::inline`).
    #[test]
    fn simple_sql_functions_are_as_volatile_as_their_inlined_body() {
        for (sql, volatile) in [
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql VOLATILE AS 'SELECT now()'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS $$ select now() + interval '1 day' $$",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT now() AS x'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql RETURN now()",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql BEGIN ATOMIC SELECT now(); END",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql STRICT AS 'SELECT 1'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql STRICT AS 'SELECT now()'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql COST 1000 PARALLEL SAFE AS 'SELECT 1'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql LEAKPROOF AS 'SELECT 1'",
                false,
            ),
            // sqlparser rejects COST: the recognizer reads these
            (
                "CREATE FUNCTION f() RETURNS timestamptz COST 5 LANGUAGE sql BEGIN ATOMIC SELECT now(); END",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz COST 5 LANGUAGE sql RETURN now()",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz COST 5 LANGUAGE sql RETURN clock_timestamp()",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz COST 5 LANGUAGE sql SECURITY DEFINER AS 'SELECT now()'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz COST 5 LANGUAGE sql SET search_path = public AS 'SELECT now()'",
                true,
            ),
            (
                "CREATE FUNCTION f(a int) RETURNS int COST 5 LANGUAGE sql STRICT AS 'SELECT 1'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS SETOF int COST 5 LANGUAGE sql AS 'SELECT 1'",
                true,
            ),
            (
                "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a + a'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT lower(current_setting(''TimeZone''))'",
                false,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT clock_timestamp()'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT md5(random()::text)'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE plpgsql AS 'BEGIN RETURN now(); END'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql SECURITY DEFINER AS 'SELECT now()'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql SET search_path = public AS 'SELECT now()'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_class LIMIT 1'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1 WHERE true'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT (SELECT 1)'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'VALUES (1)'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1 ORDER BY 1'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT DISTINCT 1'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT count(*)::int'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT row_number() over ()'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'WITH a AS (SELECT 1) SELECT 1'",
                true,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql STRICT AS 'SELECT coalesce(null::int, 1)'",
                true,
            ),
            (
                "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql STRICT AS 'SELECT 1'",
                true,
            ),
        ] {
            let v = volatility(sql);
            assert_eq!(v == Volatility::Volatile, volatile, "{sql}: {v:?}");
        }
        // declared IMMUTABLE or STABLE: never inlined when the body is more volatile,
        // so the declaration counts (observed: no rewrite)
        assert_eq!(
            volatility(
                "CREATE FUNCTION f() RETURNS uuid LANGUAGE sql IMMUTABLE AS 'SELECT gen_random_uuid()'"
            ),
            Volatility::Immutable
        );
    }

    #[test]
    fn inlining_follows_calls_to_other_functions() {
        let g_sql = "CREATE FUNCTION g() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()';";
        let g_plpgsql = "CREATE FUNCTION g() RETURNS timestamptz LANGUAGE plpgsql AS 'BEGIN RETURN now(); END';";
        let g_stable = "CREATE FUNCTION g() RETURNS timestamptz LANGUAGE plpgsql STABLE AS 'BEGIN RETURN now(); END';";
        let f = "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT g()';";
        assert_eq!(volatility(&format!("{g_sql}{f}")), Volatility::Stable);
        assert_eq!(volatility(&format!("{g_plpgsql}{f}")), Volatility::Volatile);
        assert_eq!(volatility(&format!("{g_stable}{f}")), Volatility::Stable);
        // a function calling itself stops (and counts as volatile)
        let r = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT f()';";
        assert_eq!(volatility(r), Volatility::Volatile);
    }

    #[test]
    fn lists_are_sorted_and_disjoint() {
        for list in [VOLATILE, STABLE, IMMUTABLE] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
            // what pg_catalog has comes from its own table, never from a hand list
            for f in list {
                assert_eq!(builtin(f), None, "{f} is in pg_catalog");
            }
        }
        for f in VOLATILE {
            assert!(!STABLE.contains(f) && !IMMUTABLE.contains(f));
        }
        let table = super::super::builtin_volatility::BUILTIN;
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
