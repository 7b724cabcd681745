//! Whether `ALTER COLUMN ... TYPE` rewrites the table: PostgreSQL skips the rewrite when
//! the old values are valid, bit for bit, as the new type (a binary-coercible cast, or a
//! typmod change its support function proves harmless).

use super::PgVersion;
use crate::ops::{Expr, TypeName};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeChange {
    /// No change at all.
    Same,
    /// No rewrite, no index rebuild: the reason, for the plan.
    NoRewrite(&'static str),
    /// The table (and the column's indexes) are rewritten.
    Rewrite(String),
}

impl TypeChange {
    pub fn rewrites(&self) -> bool {
        matches!(self, TypeChange::Rewrite(_))
    }
}

/// How changing `from` to `to` (with an optional `USING`) behaves. `from` is `None` when
/// the column's current type is unknown (partial history): assumed to rewrite.
/// `utc_session`: the session TimeZone is UTC (timestamp <-> timestamptz skips the
/// rewrite then, on 12+).
pub fn type_change(
    from: Option<&TypeName>,
    to: &TypeName,
    using: Option<&Expr>,
    column: &str,
    v: PgVersion,
    utc_session: bool,
) -> TypeChange {
    let Some(from) = from else {
        return TypeChange::Rewrite(format!(
            "the current type of {column} is unknown to schemaguard, so the change is assumed to rewrite"
        ));
    };
    let to = &to.without_serial();
    if let Some(u) = using {
        // `USING col` or `USING col::newtype` is the same as no USING clause
        let t = u.text.replace(' ', "").to_lowercase();
        let plain = t == column.to_lowercase()
            || t.strip_prefix(&format!("{}::", column.to_lowercase()))
                .is_some_and(|rest| TypeName::parse(rest).same_as(to));
        if !plain {
            return TypeChange::Rewrite(format!(
                "the USING expression ({}) recomputes every row",
                u.text
            ));
        }
    }
    if from.same_as(to) {
        return TypeChange::Same;
    }
    if from.array_dims != to.array_dims || from.schema != to.schema {
        return TypeChange::Rewrite(format!(
            "{} to {} is not binary-coercible",
            from.text, to.text
        ));
    }
    let widened = |fm: &[i64], tm: &[i64]| -> bool {
        // no modifier on the target means unconstrained
        tm.is_empty()
            || (!fm.is_empty() && fm.len() == tm.len() && fm.iter().zip(tm).all(|(a, b)| b >= a))
    };
    let no = |why| TypeChange::NoRewrite(why);
    match (from.name.as_str(), to.name.as_str()) {
        ("varchar", "varchar") if widened(&from.modifiers, &to.modifiers) => {
            no("raising or removing a varchar length limit is binary-coercible")
        }
        ("varchar", "text") | ("text", "varchar") if to.modifiers.is_empty() => {
            no("varchar and text are binary-coercible")
        }
        ("citext", "text") | ("text", "citext") => no("citext and text are binary-coercible"),
        ("numeric", "numeric")
            if to.modifiers.is_empty()
                || (from.modifiers.len() == 2
                    && to.modifiers.len() == 2
                    && to.modifiers[1] == from.modifiers[1]
                    && to.modifiers[0] >= from.modifiers[0]) =>
        {
            no("raising numeric precision with the same scale is binary-coercible")
        }
        ("varbit", "varbit") if widened(&from.modifiers, &to.modifiers) => {
            no("widening bit varying is binary-coercible")
        }
        ("cidr", "inet") => no("cidr to inet is binary-coercible"),
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval")
            if widened(&from.modifiers, &to.modifiers) =>
        {
            no("raising the fractional-second precision does not rewrite")
        }
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") if v.0 >= 12 && utc_session => {
            no(
                "timestamp and timestamptz are binary-coercible when the session TimeZone is UTC (PostgreSQL 12+)",
            )
        }
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") if v.0 >= 12 => {
            TypeChange::Rewrite(format!(
                "{} to {} rewrites unless the session TimeZone is UTC (PostgreSQL 12+ skips the rewrite then)",
                from.text, to.text
            ))
        }
        _ => TypeChange::Rewrite(format!(
            "{} to {} is not binary-coercible",
            from.text, to.text
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(a: &str, b: &str) -> TypeChange {
        type_change(
            Some(&TypeName::parse(a)),
            &TypeName::parse(b),
            None,
            "c",
            PgVersion(16),
            false,
        )
    }

    #[test]
    fn timestamp_to_timestamptz_skips_the_rewrite_only_in_utc_on_12_plus() {
        let (a, b) = (TypeName::parse("timestamp"), TypeName::parse("timestamptz"));
        assert!(!type_change(Some(&a), &b, None, "c", PgVersion(12), true).rewrites());
        assert!(type_change(Some(&a), &b, None, "c", PgVersion(12), false).rewrites());
        assert!(type_change(Some(&a), &b, None, "c", PgVersion(11), true).rewrites());
    }

    #[test]
    fn widening_varchar_and_numeric_does_not_rewrite() {
        assert!(!change("varchar(50)", "varchar(200)").rewrites());
        assert!(!change("character varying(100)", "text").rewrites());
        assert!(!change("varchar(10)", "varchar").rewrites());
        assert!(!change("numeric(10,2)", "numeric(12,2)").rewrites());
        assert!(!change("numeric(10,2)", "numeric").rewrites());
        assert!(!change("cidr", "inet").rewrites());
        assert_eq!(change("int", "integer"), TypeChange::Same);
    }

    #[test]
    fn narrowing_or_changing_the_type_rewrites() {
        assert!(change("int", "bigint").rewrites());
        assert!(change("varchar(200)", "varchar(50)").rewrites());
        assert!(change("text", "varchar(20)").rewrites());
        assert!(change("numeric(10,2)", "numeric(12,3)").rewrites());
        assert!(change("json", "jsonb").rewrites());
        assert!(change("timestamp", "timestamptz").rewrites());
    }

    #[test]
    fn using_clause_forces_rewrite_unless_trivial() {
        let to = TypeName::parse("text");
        let from = TypeName::parse("varchar(10)");
        let trivial = Expr::from_text("c::text");
        let real = Expr::from_text("lower(c)");
        assert!(
            !type_change(Some(&from), &to, Some(&trivial), "c", PgVersion(16), false).rewrites()
        );
        assert!(type_change(Some(&from), &to, Some(&real), "c", PgVersion(16), false).rewrites());
        assert!(type_change(None, &to, None, "c", PgVersion(16), false).rewrites());
    }
}
