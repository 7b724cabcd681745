//! Whether `ALTER COLUMN ... TYPE` rewrites the table: PostgreSQL skips the rewrite when
//! the old values are valid, bit for bit, as the new type (a binary-coercible cast, or a
//! typmod change its support function proves harmless).

use super::PgVersion;
use crate::ops::{Expr, TypeName};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeChange {
    /// No change of type at all.
    Same,
    /// No rewrite: the reason, for the plan. `rebuilds_indexes`: the new type's btree
    /// operator class differs from the old one's (`text` <-> `citext`, `bit` ->
    /// `varbit`, `int` -> `oid`, `timestamp` <-> `timestamptz`), so every index on the
    /// column is rebuilt, reading the whole table.
    NoRewrite {
        why: &'static str,
        rebuilds_indexes: bool,
    },
    /// The table (and all its indexes) are rewritten.
    Rewrite(String),
}

impl TypeChange {
    pub fn rewrites(&self) -> bool {
        matches!(self, TypeChange::Rewrite(_))
    }

    /// Every index on the column is built again (a rewrite rebuilds every index of
    /// the table).
    pub fn rebuilds_indexes(&self) -> bool {
        match self {
            TypeChange::Same => false,
            TypeChange::NoRewrite {
                rebuilds_indexes, ..
            } => *rebuilds_indexes,
            TypeChange::Rewrite(_) => true,
        }
    }
}

/// How changing `from` to `to` (with an optional `USING`) behaves. `from` is `None` when
/// the column's current type is unknown (partial history): assumed to rewrite.
/// `utc_session`: the session TimeZone is UTC (timestamp <-> timestamptz skips the
/// rewrite then, on 12+).
///
/// PostgreSQL (`ATColumnChangeRequiresRewrite`) skips the rewrite when the converted
/// expression is the old column under relabelings only: a binary-coercible cast, or a
/// length/precision coercion its support function proves a no-op. A `USING` that is
/// the column cast to types (`"x"::varchar(1000)`, `CAST(x AS text)`) is the same chain
/// of casts, each of which must be free; anything else recomputes every row.
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
    let from = &from.without_serial();
    let to = &to.without_serial();
    let Some(u) = using else {
        return step(from, to, v, utc_session);
    };
    let casts = match &u.column_cast {
        Some(cc) if cc.column == column => &cc.casts,
        _ => {
            return TypeChange::Rewrite(format!(
                "the USING expression ({}) recomputes every row",
                u.text
            ));
        }
    };
    // the column through each cast, then to the new type
    let mut at = from;
    let mut why = None;
    for next in casts.iter().chain(std::iter::once(to)) {
        match step(at, next, v, utc_session) {
            TypeChange::Rewrite(_) => {
                return TypeChange::Rewrite(format!(
                    "the USING expression ({}) converts {} to {}, which is not binary-coercible",
                    u.text, at.text, next.text
                ));
            }
            TypeChange::NoRewrite { why: w, .. } => {
                why.get_or_insert(w);
            }
            TypeChange::Same => {}
        }
        at = next;
    }
    // the indexes follow the column's old and new type, whatever the path between
    match why {
        None if from.same_as(to) => TypeChange::Same,
        why => TypeChange::NoRewrite {
            why: why.unwrap_or("the USING expression only relabels the column"),
            rebuilds_indexes: operator_family(from) != operator_family(to),
        },
    }
}

/// One conversion, as PostgreSQL's cast machinery and typmod support functions see it
/// (each `NoRewrite` below was observed on PostgreSQL 15: the table's relfilenode
/// unchanged; indexes rebuilt exactly when `rebuilds_indexes` says).
fn step(from: &TypeName, to: &TypeName, v: PgVersion, utc_session: bool) -> TypeChange {
    // an interval's fields are part of its typmod, but not of `TypeName`'s modifiers
    if from.same_as(to) && (from.name != "interval" || least_field(from) == least_field(to)) {
        return TypeChange::Same;
    }
    let not_coercible = || {
        TypeChange::Rewrite(format!(
            "{} to {} is not binary-coercible",
            from.text, to.text
        ))
    };
    if from.array_dims != to.array_dims {
        return not_coercible();
    }
    let (Some(a), Some(b)) = (base_name(from), base_name(to)) else {
        return not_coercible();
    };
    if a == b
        && from.modifiers == to.modifiers
        && (a != "interval" || least_field(from) == least_field(to))
    {
        return TypeChange::Same; // `public.citext` and `citext`
    }
    let free = |why| TypeChange::NoRewrite {
        why,
        rebuilds_indexes: operator_family(from) != operator_family(to),
    };
    // a length limit checked again only when it shrinks or appears
    let raised = |fm: &[i64], tm: &[i64]| -> bool {
        tm.is_empty() || (fm.len() == tm.len() && fm.iter().zip(tm).all(|(a, b)| b >= a))
    };
    match (a, b) {
        ("varchar", "varchar") if raised(&from.modifiers, &to.modifiers) => {
            free("raising or removing a varchar length limit is binary-coercible")
        }
        // varchar_support: the length coercion from an unlimited type cannot be proven
        ("varchar" | "text" | "citext", "varchar" | "text" | "citext")
            if to.modifiers.is_empty() =>
        {
            free("varchar, text and citext are binary-coercible")
        }
        // `bpchar` without a length only: `char` is char(1)
        ("varchar" | "text" | "citext", "bpchar") if unlimited_bpchar(to) => {
            free("varchar, text and citext are binary-coercible to unlimited bpchar")
        }
        ("numeric", "numeric") if numeric_widened(from, to) => free(
            "raising numeric precision with the same scale (or removing the limit) is binary-coercible",
        ),
        ("varbit", "varbit") if raised(&from.modifiers, &to.modifiers) => {
            free("raising or removing a bit varying length limit is binary-coercible")
        }
        ("bit", "varbit") if to.modifiers.is_empty() => {
            free("bit to unlimited bit varying is binary-coercible")
        }
        ("cidr", "inet") => free("cidr to inet is binary-coercible"),
        ("int4", "oid") | ("oid", "int4") => free("integer and oid are binary-coercible"),
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
            if temporal_widened(from, to) =>
        {
            free("raising (or removing) the fractional-second precision does not rewrite")
        }
        ("interval", "interval") if interval_widened(from, to) => {
            free("keeping or widening an interval's fields and precision does not rewrite")
        }
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp")
            if v.0 >= 12 && utc_session && to.modifiers.is_empty() =>
        {
            free(
                "timestamp and timestamptz are binary-coercible when the session TimeZone is UTC (PostgreSQL 12+)",
            )
        }
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") if v.0 >= 12 => {
            TypeChange::Rewrite(format!(
                "{} to {} rewrites unless the session TimeZone is UTC (PostgreSQL 12+ skips the rewrite then)",
                from.text, to.text
            ))
        }
        _ => not_coercible(),
    }
}

/// The built-in (or extension) type a name denotes: built-ins only unqualified or in
/// `pg_catalog` (the parser drops that schema), `citext` in whichever schema the
/// extension was installed.
fn base_name(t: &TypeName) -> Option<&str> {
    match (&t.schema, t.name.as_str()) {
        (_, "citext") => Some("citext"),
        (None, name) => Some(name),
        _ => None,
    }
}

/// `bpchar` (or `character` with no length... which is char(1)): only the bare
/// `bpchar` spelling has no length limit.
fn unlimited_bpchar(t: &TypeName) -> bool {
    t.modifiers.is_empty() && {
        let w = t.text.trim().to_ascii_lowercase();
        w == "bpchar" || w == "pg_catalog.bpchar" || w == "\"bpchar\""
    }
}

/// numeric_support: no-op when the new type is unconstrained, or the scale is the same
/// and the precision does not shrink (`numeric(10)` is `numeric(10,0)`).
fn numeric_widened(from: &TypeName, to: &TypeName) -> bool {
    let ps = |m: &[i64]| match m {
        [p] => Some((*p, 0)),
        [p, s] => Some((*p, *s)),
        _ => None,
    };
    if to.modifiers.is_empty() {
        return true;
    }
    match (ps(&from.modifiers), ps(&to.modifiers)) {
        (Some((fp, fs)), Some((tp, ts))) => fs == ts && tp >= fp,
        _ => false,
    }
}

/// TemporalSimplify (timestamp, time, timetz): no-op when the new precision is absent
/// or at least 6 (the maximum), or at least the old one.
fn temporal_widened(from: &TypeName, to: &TypeName) -> bool {
    match (from.modifiers.first(), to.modifiers.first()) {
        (_, None) => true,
        (_, Some(t)) if *t >= 6 => true,
        (Some(f), Some(t)) => t >= f,
        (None, Some(_)) => false,
    }
}

/// interval_support: no-op when the least field stays or gets smaller (`interval hour`
/// -> `interval day to second`) and, where seconds are kept, the precision does not
/// shrink below the old one or 6.
fn interval_widened(from: &TypeName, to: &TypeName) -> bool {
    let (old_least, new_least) = (least_field(from), least_field(to));
    let old_precision = from.modifiers.first().copied().unwrap_or(i64::MAX);
    let new_precision = to.modifiers.first().copied().unwrap_or(i64::MAX);
    new_least <= old_least
        && (old_least > 0 || new_precision >= 6 || new_precision >= old_precision)
}

/// An interval's smallest field: 0 = second ... 5 = year; no fields: down to the second.
fn least_field(t: &TypeName) -> usize {
    let w = t.text.to_ascii_lowercase();
    let fields = ["second", "minute", "hour", "day", "month", "year"];
    w.split(|c: char| !c.is_ascii_alphabetic())
        .filter_map(|word| fields.iter().position(|f| *f == word))
        .min()
        .unwrap_or(0)
}

/// The btree operator family (and collation behaviour) a type's indexes use: an index
/// survives a change that keeps it (PostgreSQL's `CheckIndexCompatible`). Observed on
/// 15: varchar <-> text and cidr -> inet keep their indexes; text <-> citext, varchar
/// -> bpchar, bit -> varbit, int <-> oid and timestamp <-> timestamptz rebuild them.
fn operator_family(t: &TypeName) -> String {
    let name = base_name(t).unwrap_or(t.name.as_str());
    let family = match name {
        "varchar" | "text" => "text_ops",
        "cidr" | "inet" => "network_ops",
        other => other,
    };
    if t.array_dims > 0 {
        format!("{family}[]")
    } else {
        family.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::ColumnCast;

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

    fn with_using(a: &str, b: &str, using: Expr) -> TypeChange {
        type_change(
            Some(&TypeName::parse(a)),
            &TypeName::parse(b),
            Some(&using),
            "x",
            PgVersion(15),
            false,
        )
    }

    /// `USING` as the lowering summarises it (the shape comes from sqlparser's tree).
    fn using(text: &str) -> Expr {
        let e = crate::ops::canonical::parse_expr(text).expect("parses");
        Expr {
            text: text.to_string(),
            column_cast: crate::ops::lower::column_cast(&e),
            ..Expr::default()
        }
    }

    #[test]
    fn timestamp_to_timestamptz_skips_the_rewrite_only_in_utc_on_12_plus() {
        let (a, b) = (TypeName::parse("timestamp"), TypeName::parse("timestamptz"));
        let utc12 = type_change(Some(&a), &b, None, "c", PgVersion(12), true);
        assert!(!utc12.rewrites());
        // timestamp_ops and timestamptz_ops differ: the index is rebuilt (observed on 15)
        assert!(utc12.rebuilds_indexes());
        assert!(type_change(Some(&a), &b, None, "c", PgVersion(12), false).rewrites());
        assert!(type_change(Some(&a), &b, None, "c", PgVersion(11), true).rewrites());
    }

    #[test]
    fn widening_varchar_and_numeric_does_not_rewrite() {
        for (a, b) in [
            ("varchar(50)", "varchar(200)"),
            ("character varying(100)", "text"),
            ("varchar(10)", "varchar"),
            ("text", "varchar"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("numeric(10)", "numeric(12)"),
            ("numeric(10)", "numeric(12,0)"),
            ("cidr", "inet"),
        ] {
            let c = change(a, b);
            assert!(!c.rewrites(), "{a} -> {b}");
            assert!(!c.rebuilds_indexes(), "{a} -> {b} keeps its indexes");
        }
        assert_eq!(change("int", "integer"), TypeChange::Same);
    }

    /// Observed on 15: relfilenode of the table unchanged, of an index on the column
    /// unchanged, for each.
    #[test]
    fn raising_a_typmod_to_its_maximum_or_dropping_it_does_not_rewrite() {
        for (a, b) in [
            ("timestamptz", "timestamptz(6)"),
            ("timestamptz(3)", "timestamptz(6)"),
            ("timestamptz(3)", "timestamptz"),
            ("timestamp(3)", "timestamp"),
            ("timestamp", "timestamp(6)"),
            ("timestamp(3)", "timestamp(4)"),
            ("TIMESTAMP(3) WITH TIME ZONE", "timestamp with time zone"),
            ("time", "time(6)"),
            ("time(2)", "time"),
            ("timetz", "timetz(6)"),
            ("timetz(1)", "timetz"),
            ("interval", "interval(6)"),
            ("interval(3)", "interval"),
            ("interval(3)", "interval(5)"),
            ("interval day", "interval"),
            ("interval day to second(3)", "interval day to second(6)"),
            ("interval day to second", "interval"),
            ("interval hour", "interval day to second"),
            ("bit varying(5)", "bit varying(10)"),
            ("bit varying(5)", "bit varying"),
            ("varbit(5)", "varbit(10)"),
        ] {
            let c = change(a, b);
            assert!(!c.rewrites(), "{a} -> {b}: {c:?}");
            assert!(!c.rebuilds_indexes(), "{a} -> {b}");
        }
    }

    /// Observed on 15: relfilenode of the table changed.
    #[test]
    fn lowering_or_adding_a_typmod_rewrites() {
        for (a, b) in [
            ("timestamptz", "timestamptz(3)"),
            ("timestamptz(6)", "timestamptz(3)"),
            ("timestamp", "timestamp(5)"),
            ("time", "time(3)"),
            ("timetz", "timetz(2)"),
            ("interval", "interval(3)"),
            ("interval", "interval day"),
            ("numeric(10,2)", "numeric(12,3)"),
            ("numeric", "numeric(12,2)"),
            ("bit varying", "bit varying(10)"),
            ("bit varying(10)", "bit varying(5)"),
            ("bit(5)", "bit(10)"),
            ("bit(5)", "bit varying(10)"),
            ("bpchar(5)", "bpchar(10)"),
            ("char(5)", "text"),
            ("char(5)", "varchar(10)"),
            ("text", "char"),
            ("varbit", "bit"),
            ("inet", "cidr"),
        ] {
            assert!(change(a, b).rewrites(), "{a} -> {b}");
        }
    }

    /// citext 1.6's casts (`pg_cast`, castmethod 'b'): citext -> text, varchar, bpchar
    /// and text, varchar -> citext are binary; bpchar -> citext is a function. Observed
    /// on 15: no rewrite, but the index on the column rebuilt (citext_ops).
    #[test]
    fn citext_is_binary_coercible_but_rebuilds_indexes() {
        for (a, b) in [
            ("text", "citext"),
            ("citext", "text"),
            ("varchar(10)", "citext"),
            ("varchar", "public.citext"),
            ("citext", "varchar"),
            ("ext.citext", "bpchar"),
        ] {
            let c = change(a, b);
            assert!(!c.rewrites(), "{a} -> {b}");
            assert!(c.rebuilds_indexes(), "{a} -> {b}");
        }
        for (a, b) in [
            ("citext", "varchar(20)"),
            ("char(5)", "citext"),
            ("citext", "char(5)"),
        ] {
            assert!(change(a, b).rewrites(), "{a} -> {b}");
        }
        assert_eq!(change("public.citext", "citext"), TypeChange::Same);
    }

    /// Observed on 15: no rewrite, index rebuilt (another operator class).
    #[test]
    fn other_binary_coercible_casts_rebuild_indexes() {
        for (a, b) in [
            ("varchar(10)", "bpchar"),
            ("text", "bpchar"),
            ("bit(5)", "bit varying"),
            ("int", "oid"),
            ("oid", "int"),
        ] {
            let c = change(a, b);
            assert!(!c.rewrites(), "{a} -> {b}");
            assert!(c.rebuilds_indexes(), "{a} -> {b}");
        }
    }

    #[test]
    fn narrowing_or_changing_the_type_rewrites() {
        assert!(change("int", "bigint").rewrites());
        assert!(change("varchar(200)", "varchar(50)").rewrites());
        assert!(change("text", "varchar(20)").rewrites());
        assert!(change("json", "jsonb").rewrites());
        assert!(change("timestamp", "timestamptz").rewrites());
        assert!(change("myschema.text", "text").rewrites());
    }

    /// Django's `ALTER COLUMN "x" TYPE varchar(1000) USING "x"::varchar(1000)`.
    #[test]
    fn using_the_same_cast_as_the_implicit_one_does_not_rewrite() {
        for u in [
            "\"x\"::varchar(1000)",
            "x::varchar(1000)",
            "X::VARCHAR(1000)",
            "x::character varying(1000)",
            "CAST(x AS varchar(1000))",
            "cast(\"x\" as pg_catalog.varchar(1000))",
            "(x)::varchar(1000)",
            "t.x::varchar(1000)",
            "x",
            "\"x\"",
            "x::varchar(500)",
        ] {
            let c = with_using("varchar(100)", "varchar(1000)", using(u));
            assert!(!c.rewrites(), "USING {u}: {c:?}");
        }
        // text via an unlimited type cannot prove the new limit
        for u in [
            "x::text",
            "x::text::varchar(1000)",
            "x::varchar(50)",
            "lower(x)",
            "y::varchar(1000)",
            "\"X\"::varchar(1000)",
            "x || ''",
        ] {
            assert!(
                with_using("varchar(100)", "varchar(1000)", using(u)).rewrites(),
                "USING {u}"
            );
        }
        assert!(with_using("int", "bigint", using("x::bigint")).rewrites());
        assert_eq!(
            with_using("text", "text", using("x::text")),
            TypeChange::Same
        );
        assert!(
            type_change(
                None,
                &TypeName::parse("text"),
                None,
                "c",
                PgVersion(16),
                false
            )
            .rewrites()
        );
        // a USING the lowering could not read is assumed to recompute
        let opaque = Expr {
            column_cast: Some(ColumnCast {
                column: "y".into(),
                casts: vec![],
            }),
            ..Expr::from_text("y")
        };
        assert!(with_using("text", "text", opaque).rewrites());
    }
}
