//! Whether `ATTACH PARTITION` must scan the partition: PostgreSQL skips the scan when the
//! partition's NOT NULL columns and validated CHECK constraints imply the partition
//! bound. Its prover is general; this one accepts only the shapes that clearly are the
//! bound (`k >= from AND k < to`, `k IN (...)`, `k = v`, plus `k IS NOT NULL` or a NOT
//! NULL column), and says "unsure" when a CHECK is about the key in another shape.
//! Verified on PostgreSQL 15 (`DEBUG: partition constraint ... is implied by existing
//! constraints`): a range CHECK without `IS NOT NULL` on a nullable column does not
//! imply the bound; several CHECK constraints together do.

use crate::catalog::Table;
use crate::ops::ConstraintKind;
use crate::ops::PartitionBound;
use crate::ops::names::fold_ident;

/// What the partition's constraints say about its bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoundProof {
    /// Implied by these validated constraints (and NOT NULL columns): no scan.
    Implied(Vec<String>),
    /// Nothing proves the bound: the partition is scanned.
    NotImplied,
    /// These validated CHECK constraints are about the key, in a shape schemaguard does
    /// not judge: PostgreSQL may or may not skip the scan.
    Unsure(Vec<String>),
}

/// Judges `partition`'s constraints against `bound`, for a parent partitioned by `key`
/// (empty when unknown).
pub fn proof(partition: &Table, key: &[String], bound: &PartitionBound) -> BoundProof {
    let checks: Vec<(&str, Vec<Conjunct>)> = partition
        .constraints
        .iter()
        .filter(|c| c.validated)
        .filter_map(|c| match &c.kind {
            ConstraintKind::Check { expr, .. } => Some((c.name.as_str(), conjuncts(&expr.text))),
            _ => None,
        })
        .collect();
    let about = |cols: &[String]| -> Vec<String> {
        checks
            .iter()
            .filter(|(_, cs)| cs.iter().any(|c| c.mentions(cols)))
            .map(|(n, _)| n.to_string())
            .collect()
    };
    let unproven = |names: Vec<String>| {
        if names.is_empty() {
            BoundProof::NotImplied
        } else {
            BoundProof::Unsure(names)
        }
    };
    let [k] = key else {
        // unknown or multi-column key: only say whether a CHECK might be about it
        let any: Vec<String> = if key.is_empty() {
            checks.iter().map(|(n, _)| n.to_string()).collect()
        } else {
            about(key)
        };
        return unproven(any);
    };
    let key = std::slice::from_ref(k);
    let mut used: Vec<String> = Vec::new();
    let mut find = |pred: &dyn Fn(&Conjunct) -> bool| -> bool {
        match checks.iter().find(|(_, cs)| cs.iter().any(pred)) {
            Some((n, _)) => {
                if !used.iter().any(|u| u == n) {
                    used.push(n.to_string());
                }
                true
            }
            None => false,
        }
    };
    let not_null = partition.column(k).is_some_and(|c| c.not_null)
        || find(&|c| matches!(c, Conjunct::NotNull(col) if col == k));
    let implied = match bound {
        PartitionBound::Range { from, to } if from.len() == 1 && to.len() == 1 => {
            let lower = is_infinite(&from[0])
                || find(&|c| c.is_cmp(k, ">=", &from[0]) || c.is_cmp(k, "=", &from[0]));
            let upper = is_infinite(&to[0]) || find(&|c| c.is_cmp(k, "<", &to[0]));
            not_null && lower && upper
        }
        PartitionBound::List(values) if !values.iter().any(|v| literal(v) == "null") => {
            let wanted: Vec<String> = values.iter().map(|v| literal(v)).collect();
            let subset = |have: &[String]| have.iter().all(|h| wanted.contains(h));
            not_null
                && find(&|c| match c {
                    Conjunct::In(col, vals) => col == k && subset(vals),
                    Conjunct::Cmp(col, op, v) => {
                        col == k && op == "=" && subset(std::slice::from_ref(v))
                    }
                    _ => false,
                })
        }
        _ => false,
    };
    if implied {
        BoundProof::Implied(used)
    } else {
        unproven(about(key))
    }
}

/// The CHECK that proves `bound` for key column `k` (`nullable`: the column allows NULL),
/// as SQL, when schemaguard can write it.
pub fn check_for(k: &str, nullable: bool, bound: &PartitionBound) -> Option<String> {
    let k = crate::ops::names::quote_ident(k);
    let mut parts: Vec<String> = Vec::new();
    if nullable {
        parts.push(format!("{k} IS NOT NULL"));
    }
    match bound {
        PartitionBound::Range { from, to } if from.len() == 1 && to.len() == 1 => {
            if !is_infinite(&from[0]) {
                parts.push(format!("{k} >= {}", from[0]));
            }
            if !is_infinite(&to[0]) {
                parts.push(format!("{k} < {}", to[0]));
            }
        }
        PartitionBound::List(values) if !values.iter().any(|v| literal(v) == "null") => {
            parts.push(format!("{k} IN ({})", values.join(", ")))
        }
        _ => return None,
    }
    Some(parts.join(" AND "))
}

fn is_infinite(v: &str) -> bool {
    v.eq_ignore_ascii_case("minvalue") || v.eq_ignore_ascii_case("maxvalue")
}

/// One top-level `AND` term of a CHECK, in the shapes that can prove a bound.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Conjunct {
    /// `col op literal`, normalised so the column is on the left.
    Cmp(String, String, String),
    In(String, Vec<String>),
    NotNull(String),
    /// Anything else; the columns it mentions.
    Other(Vec<String>),
}

impl Conjunct {
    fn is_cmp(&self, col: &str, op: &str, value: &str) -> bool {
        matches!(self, Conjunct::Cmp(c, o, v) if c == col && o == op && *v == literal(value))
    }

    fn mentions(&self, cols: &[String]) -> bool {
        match self {
            Conjunct::Cmp(c, ..) | Conjunct::In(c, _) | Conjunct::NotNull(c) => cols.contains(c),
            Conjunct::Other(cs) => cs.iter().any(|c| cols.contains(c)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    /// A quoted identifier, folded.
    Ident(String),
    Str(String),
    Num(String),
    Op(String),
    Open,
    Close,
    Comma,
}

fn lex(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        s.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Ident(s)
            });
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$')) {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && "<>=!~+-*/%^&|#@:.".contains(chars[i]) {
                i += 1;
            }
            if i == start {
                i += 1;
            }
            out.push(Tok::Op(chars[start..i].iter().collect()));
        }
    }
    out
}

fn is_kw(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

/// The top-level `AND` terms of a boolean expression's text (a `BETWEEN x AND y` stays
/// whole; one pair of parentheses around a term is looked through).
fn conjuncts(text: &str) -> Vec<Conjunct> {
    let toks = lex(text);
    let mut out = Vec::new();
    split_and(&toks, &mut out);
    out
}

fn split_and(toks: &[Tok], out: &mut Vec<Conjunct>) {
    let toks = strip_parens(toks);
    let mut depth = 0i32;
    let mut start = 0;
    let mut between = false;
    let mut parts: Vec<&[Tok]> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            _ if depth == 0 && is_kw(t, "between") => between = true,
            _ if depth == 0 && is_kw(t, "and") => {
                if between {
                    between = false;
                } else {
                    parts.push(&toks[start..i]);
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    parts.push(&toks[start..]);
    if parts.len() == 1 {
        out.push(conjunct(parts[0]));
    } else {
        for p in parts {
            split_and(p, out);
        }
    }
}

/// `( ... )` around the whole slice, removed (repeatedly).
fn strip_parens(mut toks: &[Tok]) -> &[Tok] {
    while toks.first() == Some(&Tok::Open) && toks.last() == Some(&Tok::Close) {
        let mut depth = 0;
        let closes_at_end = toks.iter().enumerate().all(|(i, t)| {
            match t {
                Tok::Open => depth += 1,
                Tok::Close => depth -= 1,
                _ => {}
            }
            depth > 0 || i == toks.len() - 1
        });
        if !closes_at_end {
            break;
        }
        toks = &toks[1..toks.len() - 1];
    }
    toks
}

fn column(t: &Tok) -> Option<String> {
    match t {
        Tok::Word(w) if !is_reserved(w) => Some(fold_ident(w)),
        Tok::Ident(i) => Some(i.clone()),
        _ => None,
    }
}

fn is_reserved(w: &str) -> bool {
    [
        "and", "or", "not", "is", "null", "in", "between", "true", "false", "like", "ilike",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

fn conjunct(toks: &[Tok]) -> Conjunct {
    let toks = strip_parens(toks);
    let others = || Conjunct::Other(toks.iter().filter_map(column).collect());
    let Some(first) = toks.first() else {
        return others();
    };
    // `k IS NOT NULL`
    if toks.len() == 4 && is_kw(&toks[1], "is") && is_kw(&toks[2], "not") && is_kw(&toks[3], "null")
    {
        if let Some(c) = column(first) {
            return Conjunct::NotNull(c);
        }
    }
    // `k IN (v, ...)`
    if toks.len() >= 4 && is_kw(&toks[1], "in") && toks[2] == Tok::Open {
        if let (Some(c), Some(Tok::Close)) = (column(first), toks.last()) {
            let inner = &toks[3..toks.len() - 1];
            let values: Option<Vec<String>> =
                inner.split(|t| *t == Tok::Comma).map(value_of).collect();
            if let Some(values) = values {
                return Conjunct::In(c, values);
            }
        }
    }
    // `k op v` or `v op k`
    if let Some(i) = toks
        .iter()
        .position(|t| matches!(t, Tok::Op(o) if is_comparison(o)))
    {
        let Tok::Op(op) = &toks[i] else {
            return others();
        };
        let (left, right) = (&toks[..i], &toks[i + 1..]);
        if let ([l], Some(v)) = (left, value_of(right)) {
            if let Some(c) = column(l) {
                return Conjunct::Cmp(c, op.clone(), v);
            }
        }
        if let (Some(v), [r]) = (value_of(left), right) {
            if let Some(c) = column(r) {
                return Conjunct::Cmp(c, flip(op), v);
            }
        }
    }
    others()
}

fn is_comparison(op: &str) -> bool {
    matches!(op, "<" | "<=" | "=" | ">=" | ">")
}

fn flip(op: &str) -> String {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">=" => "<=",
        ">" => "<",
        o => o,
    }
    .to_string()
}

/// A constant as its literal: `'2024-01-01'`, `'2024-01-01'::date`, `date '2024-01-01'`,
/// `CAST('x' AS t)`, `10`, `-1`. `None` for anything else.
fn value_of(toks: &[Tok]) -> Option<String> {
    let toks = strip_parens(toks);
    // CAST(v AS type)
    if toks.len() > 3 && is_kw(&toks[0], "cast") && toks[1] == Tok::Open {
        let inner = &toks[2..toks.len() - 1];
        let as_at = inner.iter().position(|t| is_kw(t, "as"))?;
        return value_of(&inner[..as_at]);
    }
    // drop a trailing `::type[(n)]`
    let end = toks
        .iter()
        .position(|t| matches!(t, Tok::Op(o) if o == "::"))
        .unwrap_or(toks.len());
    let toks = &toks[..end];
    match toks {
        [Tok::Str(s)] => Some(format!("'{s}'")),
        [Tok::Num(n)] => Some(n.clone()),
        [Tok::Op(m), Tok::Num(n)] if m == "-" => Some(format!("-{n}")),
        [Tok::Word(w)] if w.eq_ignore_ascii_case("null") => Some("null".to_string()),
        [Tok::Word(w)] if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
            Some(w.to_ascii_lowercase())
        }
        // a typed literal: `date '...'`, `timestamp with time zone '...'`
        [words @ .., Tok::Str(s)] if words.iter().all(|t| matches!(t, Tok::Word(_))) => {
            Some(format!("'{s}'"))
        }
        _ => None,
    }
}

/// A bound value as written, normalised like [`value_of`] (text that is no constant
/// stays as it is, so it matches nothing).
fn literal(v: &str) -> String {
    value_of(&lex(v)).unwrap_or_else(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Constraint};
    use crate::ops::{Expr, ObjectName, TypeName};

    fn partition(not_null: bool, checks: &[&str]) -> Table {
        let mut t = Table::new(ObjectName::unqualified("p1"), None);
        t.columns.push(Column {
            name: "created_at".into(),
            ty: TypeName::parse("timestamptz"),
            not_null,
            default: None,
            generated: None,
            identity: None,
            inherited: true,
        });
        for (i, c) in checks.iter().enumerate() {
            t.constraints.push(Constraint {
                name: format!("c{i}"),
                kind: ConstraintKind::Check {
                    expr: Expr::from_text(*c),
                    no_inherit: false,
                },
                validated: true,
                index: None,
                origin: None,
            });
        }
        t
    }

    fn range(from: &str, to: &str) -> PartitionBound {
        PartitionBound::Range {
            from: vec![from.into()],
            to: vec![to.into()],
        }
    }

    const KEY: &[&str] = &["created_at"];

    fn key() -> Vec<String> {
        KEY.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_bound_written_as_a_check_is_implied() {
        let b = range("'2024-01-01'", "'2024-02-01'");
        let p = partition(
            true,
            &["created_at >= '2024-01-01' AND created_at < '2024-02-01'"],
        );
        assert_eq!(
            proof(&p, &key(), &b),
            BoundProof::Implied(vec!["c0".into()])
        );
        // reversed operands, casts, parentheses, two constraints
        let p = partition(
            true,
            &[
                "('2024-01-01'::timestamptz <= created_at)",
                "(created_at < CAST('2024-02-01' AS timestamptz))",
            ],
        );
        assert_eq!(
            proof(&p, &key(), &b),
            BoundProof::Implied(vec!["c0".into(), "c1".into()])
        );
    }

    #[test]
    fn a_nullable_key_needs_is_not_null() {
        let b = range("'2024-01-01'", "'2024-02-01'");
        let check = "created_at >= '2024-01-01' AND created_at < '2024-02-01'";
        assert_eq!(
            proof(&partition(false, &[check]), &key(), &b),
            BoundProof::Unsure(vec!["c0".into()])
        );
        let with = format!("created_at IS NOT NULL AND {check}");
        assert!(matches!(
            proof(&partition(false, &[&with]), &key(), &b),
            BoundProof::Implied(_)
        ));
    }

    #[test]
    fn other_values_or_shapes_are_unsure_and_no_check_is_not_implied() {
        let b = range("'2024-01-01'", "'2024-02-01'");
        for check in [
            "created_at >= '2024-01-05' AND created_at < '2024-01-20'",
            "created_at BETWEEN '2024-01-01' AND '2024-01-31'",
            "created_at >= '2024-01-01 00:00:00+00' AND created_at < '2024-02-01'",
        ] {
            assert_eq!(
                proof(&partition(true, &[check]), &key(), &b),
                BoundProof::Unsure(vec!["c0".into()]),
                "{check}"
            );
        }
        assert_eq!(
            proof(&partition(true, &[]), &key(), &b),
            BoundProof::NotImplied
        );
        assert_eq!(
            proof(&partition(true, &["id > 0"]), &key(), &b),
            BoundProof::NotImplied
        );
    }

    #[test]
    fn minvalue_and_maxvalue_need_no_side() {
        let b = range("MINVALUE", "'2024-02-01'");
        let p = partition(true, &["created_at < '2024-02-01'"]);
        assert!(matches!(proof(&p, &key(), &b), BoundProof::Implied(_)));
    }

    #[test]
    fn list_bounds_accept_in_and_equality() {
        let b = PartitionBound::List(vec!["'de'".into(), "'fr'".into()]);
        let mut p = partition(true, &["created_at IN ('fr', 'de')"]);
        assert!(matches!(proof(&p, &key(), &b), BoundProof::Implied(_)));
        p = partition(true, &["created_at = 'de'"]);
        assert!(matches!(proof(&p, &key(), &b), BoundProof::Implied(_)));
        p = partition(true, &["created_at IN ('de', 'it')"]);
        assert!(matches!(proof(&p, &key(), &b), BoundProof::Unsure(_)));
    }

    #[test]
    fn checks_are_written_from_bounds() {
        assert_eq!(
            check_for("created_at", true, &range("'2024-01-01'", "'2024-02-01'")).as_deref(),
            Some(
                "created_at IS NOT NULL AND created_at >= '2024-01-01' AND created_at < '2024-02-01'"
            )
        );
        assert_eq!(
            check_for("region", false, &PartitionBound::List(vec!["'de'".into()])).as_deref(),
            Some("region IN ('de')")
        );
        assert_eq!(
            check_for(
                "id",
                false,
                &PartitionBound::Hash {
                    modulus: 4,
                    remainder: 0
                }
            ),
            None
        );
    }
}
