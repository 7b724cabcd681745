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

/// Built-in functions PostgreSQL marks VOLATILE (`provolatile = 'v'`) that migrations use.
const VOLATILE: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_bytes",
    "gen_random_uuid",
    "lastval",
    "nextval",
    "pg_current_xact_id",
    "random",
    "random_normal",
    "setval",
    "timeofday",
    "txid_current",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// Built-in STABLE functions (same value within a statement; `now()` and friends are the
/// transaction start time). A non-volatile default is evaluated once (PG 11+).
const STABLE: &[&str] = &[
    "current_database",
    "current_date",
    "current_role",
    "current_schema",
    "current_setting",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "now",
    "session_user",
    "statement_timestamp",
    "to_char",
    "to_timestamp",
    "transaction_timestamp",
    "user",
];

/// Built-in IMMUTABLE functions and operators-as-functions common in defaults and checks.
const IMMUTABLE: &[&str] = &[
    "abs",
    "array_length",
    "btrim",
    "cast",
    "ceil",
    "char_length",
    "coalesce",
    "concat_ws",
    "date_part",
    "date_trunc",
    "extract",
    "floor",
    "greatest",
    "jsonb_build_array",
    "jsonb_build_object",
    "json_build_array",
    "json_build_object",
    "least",
    "left",
    "length",
    "lower",
    "ltrim",
    "md5",
    "nullif",
    "octet_length",
    "replace",
    "right",
    "round",
    "rtrim",
    "split_part",
    "substr",
    "substring",
    "to_tsvector",
    "trim",
    "trunc",
    "upper",
    "array",
    "row",
    "concat",
    "make_interval",
    "interval",
    "timezone",
    "sha256",
];

/// The volatility of one function by name (lowercase, unqualified).
pub fn of_function(name: &str, catalog: &Catalog) -> Volatility {
    if VOLATILE.contains(&name) {
        return Volatility::Volatile;
    }
    if STABLE.contains(&name) {
        return Volatility::Stable;
    }
    if IMMUTABLE.contains(&name) {
        return Volatility::Immutable;
    }
    match catalog.functions.iter().find(|(k, _)| k.name == name) {
        Some((_, overloads)) => overloads
            .iter()
            .map(|f| match f.volatility.as_deref() {
                Some("immutable") => Volatility::Immutable,
                Some("stable") => Volatility::Stable,
                _ => Volatility::Volatile,
            })
            .max()
            .unwrap_or(Volatility::Volatile),
        None => Volatility::Unknown,
    }
}

/// The most volatile function in an expression, and its name.
pub fn of_expr(expr: &Expr, catalog: &Catalog) -> (Volatility, Option<String>) {
    let mut worst = (Volatility::Immutable, None);
    for f in &expr.functions {
        let v = of_function(f, catalog);
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
    }

    #[test]
    fn lists_are_sorted_and_disjoint() {
        for list in [VOLATILE, STABLE] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        for f in VOLATILE {
            assert!(!STABLE.contains(f) && !IMMUTABLE.contains(f));
        }
    }
}
