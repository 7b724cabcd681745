//! Canonical text of SQL expressions, so that the same expression compares equal
//! whichever way it was written: by hand in a migration, or printed back by PostgreSQL
//! (`pg_get_expr`, `pg_get_constraintdef`, `pg_dump`).
//!
//! The text is parsed with sqlparser, the AST rewritten, and printed again; only `ops`
//! knows sqlparser, so `diff` asks here. The rewrites (each one a way PostgreSQL's
//! deparser and a human differ):
//! 1. redundant parentheses go; they come back only where precedence needs them
//!    (`((a >= 1) AND (a <= 100))` and `a >= 1 AND a <= 100` print the same);
//! 2. `CAST(x AS t)` is printed `x::t`, and every type in one spelling
//!    ([`TypeName::spelling`]: `::character varying` is `::varchar`);
//! 3. a string literal cast to an unbounded text type loses the cast (`'a'::text`);
//! 4. so does a column of a text type cast to one (`(status)::text` on a varchar);
//! 5. and an `ARRAY[...]` of string literals cast to a text array;
//! 6. a number, or a string literal holding one, cast to a numeric type without
//!    modifiers is that number (`'-1'::integer`, `(0)::numeric` where PostgreSQL
//!    coerced a literal to a numeric column), and `-(1)` is the literal `-1`;
//! 7. `x IN (a, b)` is `x = ANY (ARRAY[a, b])`, `NOT IN` is `<> ALL (...)`;
//! 8. `x BETWEEN a AND b` is `x >= a AND x <= b` (`NOT BETWEEN`: `x < a OR x > b`);
//! 9. `LIKE`/`ILIKE` are the operators PostgreSQL prints (`~~`, `!~~`, `~~*`, `!~~*`);
//! 10. `CURRENT_TIMESTAMP` and `transaction_timestamp()` are `now()`;
//! 11. `DATE '2024-01-01'` and `INTERVAL '1 day'` are casts of the literal;
//! 12. identifiers are folded and quoted only where needed; function names are folded,
//!     `pg_catalog.` dropped, user functions qualified through the [`NameContext`];
//! 13. a `'name'::regclass` literal names its relation qualified;
//! 14. (defaults, generated columns) a cast of the whole expression to the column's
//!     own type goes (`'{}'::jsonb` on a `jsonb` column is `'{}'`);
//! 15. a string literal of a built-in type is the constant PostgreSQL folds it to and
//!     prints back ([`super::constant`]): `'f'::boolean` is `false`, `'0'::int8` is `0`,
//!     `'epoch'::timestamptz` is `'1970-01-01 00:00:00+00'::timestamptz` (a time stamp
//!     without zone read in UTC), `'12 months'::interval` (and `INTERVAL '12 months'`)
//!     is `'1 year'::interval` ([`super::interval`]); so is a default's bare literal
//!     read as the column's type (`DEFAULT 'f'` on a boolean column is `false`);
//! 16. a column (or a cast) compared (`=`, `<>`, `<`, ..., `IS DISTINCT FROM`,
//!     `= ANY (ARRAY[...])`) with a bare string literal or `NULL` has the literal cast
//!     to its type, as PostgreSQL coerces it: `status = 'pending'` on an enum column is
//!     `status = 'pending'::public.status` (so for other types with their own
//!     operators: `'x'::citext`), `n = '5'` on an integer is `n = 5`, `url = NULL` on
//!     a text (or varchar) column is `url = NULL::text`, `tags = '{}'` on a text array
//!     is `tags = '{}'::text[]`; text-like scalar literals stay bare (rule 3); a domain
//!     column is compared as its base type (`di = '5'` on a domain over integer is
//!     `di::integer = 5`; over text the cast goes, rule 4); literals compared with a
//!     composite are left alone (it compares as a record);
//! 17. in `coalesce`, `greatest` and `least`, a column of a smaller integer or numeric
//!     type than the widest argument gets the implicit cast PostgreSQL prints
//!     (`coalesce(a_int8, b_int4)` is `coalesce(a_int8, b_int4::bigint)`);
//! 18. `TRIM(x)` is `TRIM(BOTH x)`;
//! 19. a column qualified with its own table (`users.email` in a generated column,
//!     CHECK or index predicate of `users`) is the bare column, as PostgreSQL prints it;
//! 20. `a IS NOT DISTINCT FROM b` is `NOT a IS DISTINCT FROM b` (`IS DISTINCT FROM`
//!     coerces its operands like a comparison, rule 16);
//! 21. the sequence of `nextval`, `currval` and `setval` written as a bare literal is
//!     the `regclass` PostgreSQL coerces it to (`nextval('seq')` is
//!     `nextval('public.seq'::regclass)`, rule 13).

use super::constant::{self, Constant};
use super::names::{fold, quote_ident};
use super::{ObjectName, TypeName};
use sqlparser::ast::{self as sql, VisitMut, VisitorMut};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// How to resolve names met in an expression: the catalog it belongs to.
pub trait NameContext {
    /// The type of a column of the expression's table, if known.
    fn column_type(&self, _column: &str) -> Option<TypeName> {
        None
    }
    /// A relation named in a `'name'::regclass` literal, qualified.
    fn relation(&self, name: &ObjectName) -> ObjectName {
        name.clone()
    }
    /// A called function's name as it should be printed: qualified for a user function,
    /// without schema for a built-in.
    fn function(&self, name: &ObjectName) -> ObjectName {
        name.clone()
    }
    /// A type's spelling (resolving user-defined types to their schema).
    fn type_spelling(&self, ty: &TypeName) -> String {
        ty.spelling()
    }
    /// Literals compared with a column of this type are not cast to it (rule 16): a
    /// composite type (PostgreSQL compares it as a record).
    fn keeps_bare_literals(&self, _ty: &TypeName) -> bool {
        false
    }
    /// The base type of a domain (`None`: not a domain); a domain column is compared as
    /// its base type (rule 16).
    fn domain_base(&self, _ty: &TypeName) -> Option<TypeName> {
        None
    }
    /// The table the expression belongs to (rule 19), qualified.
    fn table_name(&self) -> Option<ObjectName> {
        None
    }
}

/// A context that resolves nothing (names stay as written).
pub struct NoContext;

impl NameContext for NoContext {}

/// The canonical text of `text`, an SQL expression. `target` is the type of the column
/// a default or generation expression belongs to (a cast of the whole expression to it
/// is dropped). Text sqlparser cannot read comes back with its whitespace squashed.
pub fn canonical_expr(text: &str, ctx: &dyn NameContext, target: Option<&TypeName>) -> String {
    let Some(mut e) = parse_expr(text) else {
        return text.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let _ = e.visit(&mut Rewrite { ctx });
    if let Some(target) = target {
        drop_cast_to(&mut e, target);
        // rule 15: a bare literal is a constant of the column's type
        if let Some(folded) = string_literal(&e).and_then(|s| constant::fold(s, target)) {
            e = constant_expr(folded);
        }
    }
    let _ = e.visit(&mut Parenthesize);
    e.to_string()
}

/// The expression is the literal `NULL` (maybe cast): a default that is no default.
pub fn is_null_literal(text: &str) -> bool {
    let mut e = match parse_expr(text) {
        Some(e) => e,
        None => return false,
    };
    loop {
        match e {
            sql::Expr::Nested(inner) => e = *inner,
            sql::Expr::Cast { expr, .. } => e = *expr,
            sql::Expr::Value(v) => return matches!(v.value, sql::Value::Null),
            _ => return false,
        }
    }
}

/// The expression is a bare string literal (`'1970-01-01'`, not cast).
pub fn is_string_literal(text: &str) -> bool {
    parse_expr(text).is_some_and(|e| string_literal(&e).is_some())
}

/// One expression, the whole text (`None` when it does not parse as one).
pub(crate) fn parse_expr(text: &str) -> Option<sql::Expr> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(50)
        .try_with_sql(text)
        .ok()?;
    let e = parser.parse_expr().ok()?;
    // the whole text must be the one expression
    match parser.peek_token().token {
        sqlparser::tokenizer::Token::EOF => Some(e),
        _ => None,
    }
}

/// Takes an expression out of a slot, leaving a placeholder.
fn take(e: &mut sql::Expr) -> sql::Expr {
    std::mem::replace(e, sql::Expr::Value(sql::Value::Null.with_empty_span()))
}

/// An identifier printed verbatim: already folded and quoted as needed.
fn raw_ident(text: String) -> sql::Ident {
    sql::Ident::new(text)
}

fn fold_ident(i: &sql::Ident) -> String {
    fold(&i.value, i.quote_style.is_some())
}

fn string_literal(e: &sql::Expr) -> Option<&str> {
    match e {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// `-12`, `0.5`, `1e3`: a numeric literal's text (not `NaN` or `Infinity`).
fn is_number_text(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && s.parse::<f64>().is_ok()
}

fn is_text_type(ty: &TypeName) -> bool {
    matches!(ty.name.as_str(), "text" | "varchar" | "bpchar") && ty.schema.is_none()
}

fn is_numeric_type(ty: &TypeName) -> bool {
    matches!(
        ty.name.as_str(),
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8"
    ) && ty.schema.is_none()
}

fn custom_type(spelling: String) -> sql::DataType {
    sql::DataType::Custom(sql::ObjectName::from(vec![raw_ident(spelling)]), Vec::new())
}

fn number(text: String) -> sql::Expr {
    sql::Expr::Value(sql::Value::Number(text, false).with_empty_span())
}

fn string(text: String) -> sql::Expr {
    sql::Expr::Value(sql::Value::SingleQuotedString(text).with_empty_span())
}

/// Rule 15: a folded constant as an expression (text without its cast).
fn constant_expr(c: Constant) -> sql::Expr {
    match c {
        Constant::Bool(b) => sql::Expr::Value(sql::Value::Boolean(b).with_empty_span()),
        Constant::Number(n) => number(n),
        Constant::Text(t) => string(t),
    }
}

/// The column an identifier names, folded (rewritten identifiers hold their quoted
/// spelling).
fn column_name(e: &sql::Expr) -> Option<String> {
    match e {
        sql::Expr::Identifier(i) => Some(match i.value.strip_prefix('"') {
            Some(q) => q.strip_suffix('"').unwrap_or(q).replace("\"\"", "\""),
            None => i.value.clone(),
        }),
        _ => None,
    }
}

fn is_comparison(op: &sql::BinaryOperator) -> bool {
    use sql::BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::Gt | B::LtEq | B::GtEq)
}

/// Rule 17: integer and numeric types, narrowest first.
fn numeric_rank(ty: &TypeName) -> Option<u8> {
    if ty.schema.is_some() || ty.array_dims != 0 {
        return None;
    }
    match ty.name.as_str() {
        "int2" => Some(1),
        "int4" => Some(2),
        "int8" => Some(3),
        "numeric" => Some(4),
        _ => None,
    }
}

/// Rewrites 1 (removal) to 13, bottom-up.
struct Rewrite<'c> {
    ctx: &'c dyn NameContext,
}

impl Rewrite<'_> {
    /// `expr::ty`, simplified by rules 3 to 6 and 13.
    fn cast(&self, mut expr: sql::Expr, data_type: &sql::DataType) -> sql::Expr {
        let ty = TypeName::parse(&data_type.to_string());
        let plain = ty.modifiers.is_empty();
        // rule 15
        if let Some(folded) = string_literal(&expr).and_then(|s| constant::fold(s, &ty)) {
            match folded {
                Constant::Text(t) => expr = string(t),
                other => return constant_expr(other),
            }
        }
        if let Some(s) = string_literal(&expr) {
            if is_text_type(&ty) && plain && ty.array_dims == 0 {
                return expr;
            }
            if is_numeric_type(&ty) && plain && ty.array_dims == 0 && is_number_text(s) {
                return number(s.trim().to_string());
            }
            if ty.name == "regclass" && ty.schema.is_none() {
                let qualified = self.ctx.relation(&ObjectName::parse(s)).to_string();
                expr =
                    sql::Expr::Value(sql::Value::SingleQuotedString(qualified).with_empty_span());
            }
        }
        if let sql::Expr::Value(v) = &expr {
            if let sql::Value::Number(n, _) = &v.value {
                if is_numeric_type(&ty) && plain && ty.array_dims == 0 {
                    return number(n.clone());
                }
            }
        }
        if is_text_type(&ty) && plain && ty.array_dims == 0 {
            // rule 4 (a domain over a text type too)
            if let Some(column) = column_name(&expr) {
                if self
                    .ctx
                    .column_type(&column)
                    .map(|t| self.ctx.domain_base(&t).unwrap_or(t))
                    .is_some_and(|t| is_text_type(&t) && t.array_dims == 0)
                {
                    return expr;
                }
            }
        }
        if is_text_type(&ty) && plain && ty.array_dims == 1 {
            if let sql::Expr::Array(a) = &expr {
                if a.elem.iter().all(|e| string_literal(e).is_some()) {
                    return expr;
                }
            }
        }
        sql::Expr::Cast {
            kind: sql::CastKind::DoubleColon,
            expr: Box::new(expr),
            data_type: custom_type(self.ctx.type_spelling(&ty)),
            format: None,
        }
    }

    /// Rule 16: the operands of a comparison as PostgreSQL coerces them.
    fn comparison(&self, left: &mut sql::Expr, right: &mut sql::Expr) {
        self.domain_as_base(left);
        self.domain_as_base(right);
        if let Some(ty) = self.operand_type(left) {
            self.literal_of_type(&ty, right);
        } else if let Some(ty) = self.operand_type(right) {
            self.literal_of_type(&ty, left);
        }
    }

    /// A column of a domain type, compared: cast to the domain's base type (a cast to a
    /// text type then goes, rule 4).
    fn domain_as_base(&self, e: &mut sql::Expr) {
        let Some(base) = column_name(e)
            .and_then(|c| self.ctx.column_type(&c))
            .and_then(|t| self.ctx.domain_base(&t))
        else {
            return;
        };
        let mut base = base;
        base.modifiers.clear();
        let column = take(e);
        *e = self.cast(column, &custom_type(base.spelling()));
    }

    /// The type of a comparison's operand: a column's (a domain's base type), or a
    /// cast's.
    fn operand_type(&self, e: &sql::Expr) -> Option<TypeName> {
        match e {
            sql::Expr::Identifier(_) => {
                let ty = self.ctx.column_type(&column_name(e)?)?;
                Some(self.ctx.domain_base(&ty).unwrap_or(ty))
            }
            sql::Expr::Cast { data_type, .. } => Some(TypeName::parse(&data_type.to_string())),
            _ => None,
        }
    }

    /// `literal` (a bare string literal or `NULL`), compared with an operand of type
    /// `ty`, cast to that type.
    fn literal_of_type(&self, ty: &TypeName, literal: &mut sql::Expr) {
        let ty = ty.clone();
        let is_null = matches!(literal, sql::Expr::Value(v) if matches!(v.value, sql::Value::Null));
        if !is_null && string_literal(literal).is_none() {
            return;
        }
        let mut target = ty.clone();
        target.modifiers.clear();
        if is_text_type(&ty) && ty.array_dims == 0 {
            // a text-like literal stays bare (rule 3); `NULL` is cast to the operator's
            // type (`text` for a varchar column); arrays take their own type below
            if !is_null {
                return;
            }
            if target.name == "varchar" {
                target.name = "text".to_string();
            }
        } else if self.ctx.keeps_bare_literals(&ty) {
            return;
        }
        let value = take(literal);
        *literal = self.cast(value, &custom_type(target.spelling()));
    }

    /// Rule 17: a column argument of `coalesce`, `greatest` or `least` narrower than the
    /// widest numeric argument, cast to it. Runs before the arguments are rewritten (a
    /// literal's cast, `0::bigint`, still says its type).
    fn widen_arguments(&self, args: &mut [sql::FunctionArg]) {
        let exprs: Vec<&mut sql::Expr> = args
            .iter_mut()
            .filter_map(|a| match a {
                sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(x)) => Some(x),
                _ => None,
            })
            .collect();
        let mut typed = Vec::new();
        for mut x in exprs {
            while let sql::Expr::Nested(inner) = x {
                x = inner.as_mut();
            }
            let ty = match &*x {
                sql::Expr::Identifier(i) => self.ctx.column_type(&fold_ident(i)),
                sql::Expr::Cast { data_type, .. } => Some(TypeName::parse(&data_type.to_string())),
                sql::Expr::Value(_) => continue,
                sql::Expr::UnaryOp { expr, .. } if matches!(**expr, sql::Expr::Value(_)) => {
                    continue;
                }
                // an argument of unknown type: PostgreSQL's choice cannot be told
                _ => return,
            };
            let Some(ty) = ty else { return };
            let Some(rank) = numeric_rank(&ty) else {
                return;
            };
            typed.push((x, rank, ty));
        }
        let Some((_, widest, wide_ty)) = typed.iter().max_by_key(|(_, r, _)| *r) else {
            return;
        };
        let (widest, mut wide_ty) = (*widest, wide_ty.clone());
        wide_ty.modifiers.clear();
        for (x, rank, _) in typed {
            if rank < widest && matches!(x, sql::Expr::Identifier(_)) {
                let inner = take(x);
                *x = sql::Expr::Cast {
                    kind: sql::CastKind::DoubleColon,
                    expr: Box::new(inner),
                    data_type: custom_type(self.ctx.type_spelling(&wide_ty)),
                    format: None,
                };
            }
        }
    }

    /// Rule 19: `table.column` (or `schema.table.column`) of the expression's own table.
    fn own_column(&self, parts: &[String]) -> Option<String> {
        let own = self.ctx.table_name()?;
        match parts {
            [t, c] if *t == own.name => Some(c.clone()),
            [s, t, c] if *t == own.name && own.schema.as_deref() == Some(s.as_str()) => {
                Some(c.clone())
            }
            _ => None,
        }
    }

    fn function(&self, f: &mut sql::Function) -> Option<sql::Expr> {
        let parts = folded_name(f);
        let mut name = match parts.as_slice() {
            [] => return None,
            [n] => ObjectName::unqualified(n),
            [.., s, n] => ObjectName::new(Some(s), n),
        };
        let no_args = match &f.args {
            sql::FunctionArguments::None => true,
            sql::FunctionArguments::List(l) => l.args.is_empty() && l.clauses.is_empty(),
            sql::FunctionArguments::Subquery(_) => false,
        };
        if name.schema.as_deref() == Some("pg_catalog") {
            name.schema = None;
        }
        let now = name.schema.is_none()
            && no_args
            && match name.name.as_str() {
                "current_timestamp" => matches!(f.args, sql::FunctionArguments::None),
                "transaction_timestamp" | "now" => true,
                _ => false,
            };
        if now {
            f.name = sql::ObjectName::from(vec![raw_ident("now".to_string())]);
            f.args = sql::FunctionArguments::List(sql::FunctionArgumentList {
                duplicate_treatment: None,
                args: Vec::new(),
                clauses: Vec::new(),
            });
            return None;
        }
        let resolved = self.ctx.function(&name);
        let mut idents = Vec::new();
        if let Some(s) = &resolved.schema {
            idents.push(raw_ident(quote_ident(s)));
        }
        // keyword-functions without parentheses (`CURRENT_DATE`) keep their keyword
        if matches!(f.args, sql::FunctionArguments::None) {
            idents.push(raw_ident(resolved.name.to_ascii_uppercase()));
        } else {
            idents.push(raw_ident(quote_ident(&resolved.name)));
        }
        f.name = sql::ObjectName::from(idents);
        None
    }
}

/// A function call's name, each part folded as PostgreSQL folds identifiers.
fn folded_name(f: &sql::Function) -> Vec<String> {
    f.name
        .0
        .iter()
        .map(|p| match p {
            sql::ObjectNamePart::Identifier(i) => fold_ident(i),
            sql::ObjectNamePart::Function(g) => fold_ident(&g.name),
        })
        .collect()
}

impl VisitorMut for Rewrite<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut sql::Expr) -> ControlFlow<()> {
        // rule 17, on the arguments as written
        if let sql::Expr::Function(f) = e {
            let name = folded_name(f);
            let widening = match name.as_slice() {
                [n] | [_, n] if name.len() == 1 || name[0] == "pg_catalog" => {
                    matches!(n.as_str(), "coalesce" | "greatest" | "least")
                }
                _ => false,
            };
            if widening && let sql::FunctionArguments::List(l) = &mut f.args {
                self.widen_arguments(&mut l.args);
            }
            // rule 21: the sequence of nextval/currval/setval given as a bare literal
            // is a regclass (rule 13 then qualifies it)
            let sequence_function = match name.as_slice() {
                [n] | [_, n] if name.len() == 1 || name[0] == "pg_catalog" => {
                    matches!(n.as_str(), "nextval" | "currval" | "setval")
                }
                _ => false,
            };
            if sequence_function
                && let sql::FunctionArguments::List(l) = &mut f.args
                && let Some(sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(first))) =
                    l.args.first_mut()
                && string_literal(first).is_some()
            {
                *first = sql::Expr::Cast {
                    kind: sql::CastKind::DoubleColon,
                    expr: Box::new(take(first)),
                    data_type: custom_type("regclass".to_string()),
                    format: None,
                };
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut sql::Expr) -> ControlFlow<()> {
        use sql::Expr as E;
        let replacement = match e {
            E::Nested(inner) => Some(take(inner)),
            E::Cast {
                kind: sql::CastKind::Cast | sql::CastKind::DoubleColon,
                expr,
                data_type,
                format: None,
            } => Some(self.cast(take(expr), data_type)),
            E::TypedString(ts) => {
                let literal = E::Value(ts.value.clone());
                Some(self.cast(literal, &ts.data_type))
            }
            E::Interval(i)
                if i.leading_field.is_none()
                    && i.last_field.is_none()
                    && i.leading_precision.is_none()
                    && i.fractional_seconds_precision.is_none()
                    && string_literal(&i.value).is_some() =>
            {
                Some(self.cast(
                    take(&mut i.value),
                    &sql::DataType::Interval {
                        fields: None,
                        precision: None,
                    },
                ))
            }
            E::In {
                expr,
                target: sql::InTarget::List(items),
                negated,
                global: false,
            } => {
                let array = E::Array(sql::Array {
                    elem: std::mem::take(items),
                    named: true,
                });
                Some(if *negated {
                    E::AllOp {
                        left: Box::new(take(expr)),
                        compare_op: sql::BinaryOperator::NotEq,
                        right: Box::new(array),
                    }
                } else {
                    E::AnyOp {
                        left: Box::new(take(expr)),
                        compare_op: sql::BinaryOperator::Eq,
                        right: Box::new(array),
                        is_some: false,
                    }
                })
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let x = take(expr);
                let (lo_op, hi_op, join) = if *negated {
                    (
                        sql::BinaryOperator::Lt,
                        sql::BinaryOperator::Gt,
                        sql::BinaryOperator::Or,
                    )
                } else {
                    (
                        sql::BinaryOperator::GtEq,
                        sql::BinaryOperator::LtEq,
                        sql::BinaryOperator::And,
                    )
                };
                Some(E::BinaryOp {
                    left: Box::new(E::BinaryOp {
                        left: Box::new(x.clone()),
                        op: lo_op,
                        right: Box::new(take(low)),
                    }),
                    op: join,
                    right: Box::new(E::BinaryOp {
                        left: Box::new(x),
                        op: hi_op,
                        right: Box::new(take(high)),
                    }),
                })
            }
            E::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => Some(E::BinaryOp {
                left: Box::new(take(expr)),
                op: if *negated {
                    sql::BinaryOperator::PGNotLikeMatch
                } else {
                    sql::BinaryOperator::PGLikeMatch
                },
                right: Box::new(take(pattern)),
            }),
            E::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => Some(E::BinaryOp {
                left: Box::new(take(expr)),
                op: if *negated {
                    sql::BinaryOperator::PGNotILikeMatch
                } else {
                    sql::BinaryOperator::PGILikeMatch
                },
                right: Box::new(take(pattern)),
            }),
            E::UnaryOp {
                op: sql::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                E::Value(v) => match &v.value {
                    sql::Value::Number(n, _) if !n.starts_with('-') => {
                        Some(number(format!("-{n}")))
                    }
                    _ => None,
                },
                _ => None,
            },
            E::UnaryOp {
                op: sql::UnaryOperator::Plus,
                expr,
            } => Some(take(expr)),
            E::Function(f) => self.function(f),
            E::Identifier(i) => Some(E::Identifier(raw_ident(quote_ident(&fold_ident(i))))),
            E::CompoundIdentifier(parts) => {
                let folded: Vec<String> = parts.iter().map(fold_ident).collect();
                Some(match self.own_column(&folded) {
                    Some(c) => E::Identifier(raw_ident(quote_ident(&c))),
                    None => E::CompoundIdentifier(
                        folded.iter().map(|p| raw_ident(quote_ident(p))).collect(),
                    ),
                })
            }
            // rule 20 (its operands coerced first, rule 16)
            E::IsNotDistinctFrom(a, b) => {
                self.comparison(a, b);
                Some(E::UnaryOp {
                    op: sql::UnaryOperator::Not,
                    expr: Box::new(E::IsDistinctFrom(Box::new(take(a)), Box::new(take(b)))),
                })
            }
            // rule 18
            E::Trim { trim_where, .. } => {
                if trim_where.is_none() {
                    *trim_where = Some(sql::TrimWhereField::Both);
                }
                None
            }
            _ => None,
        };
        if let Some(r) = replacement {
            *e = r;
        }
        // rule 16
        match e {
            E::BinaryOp { left, op, right } if is_comparison(op) => {
                self.comparison(left, right);
            }
            E::IsDistinctFrom(a, b) => self.comparison(a, b),
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | E::AllOp {
                left,
                compare_op,
                right,
            } if is_comparison(compare_op) => {
                self.domain_as_base(left);
                if let (E::Array(a), Some(ty)) = (right.as_mut(), self.operand_type(left)) {
                    for element in &mut a.elem {
                        self.literal_of_type(&ty, element);
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Rule 14: `(expr)::target` at the top is `expr`.
fn drop_cast_to(e: &mut sql::Expr, target: &TypeName) {
    if let sql::Expr::Cast {
        expr, data_type, ..
    } = e
    {
        let ty = TypeName::parse(&data_type.to_string());
        if ty.name == target.name && ty.array_dims == target.array_dims {
            *e = take(expr);
        }
    }
}

/// Binding strength, PostgreSQL's table (higher binds tighter).
fn precedence(e: &sql::Expr) -> u8 {
    use sql::Expr as E;
    match e {
        E::BinaryOp { op, .. } => binary_precedence(op),
        E::UnaryOp {
            op: sql::UnaryOperator::Not,
            ..
        } => 3,
        E::UnaryOp { .. } => 13,
        E::IsNull(_)
        | E::IsNotNull(_)
        | E::IsTrue(_)
        | E::IsNotTrue(_)
        | E::IsFalse(_)
        | E::IsNotFalse(_)
        | E::IsUnknown(_)
        | E::IsNotUnknown(_)
        | E::IsDistinctFrom(..)
        | E::IsNotDistinctFrom(..) => 4,
        E::AnyOp { .. } | E::AllOp { .. } => 5,
        E::Between { .. } | E::In { .. } | E::Like { .. } | E::ILike { .. } => 6,
        E::SimilarTo { .. } => 6,
        E::AtTimeZone { .. } => 11,
        E::Collate { .. } => 12,
        E::Value(v) => match &v.value {
            sql::Value::Number(n, _) if n.starts_with('-') => 13,
            _ => 15,
        },
        E::Cast { .. } => 14,
        _ => 15,
    }
}

fn binary_precedence(op: &sql::BinaryOperator) -> u8 {
    use sql::BinaryOperator as B;
    match op {
        B::Or => 1,
        B::And => 2,
        B::Eq | B::NotEq | B::Lt | B::Gt | B::LtEq | B::GtEq => 5,
        B::Plus | B::Minus => 8,
        B::Multiply | B::Divide | B::Modulo => 9,
        B::PGExp => 10,
        // every other operator (`||`, `~~`, `@>`, `->>`, ...)
        _ => 7,
    }
}

fn wrap(e: &mut sql::Expr) {
    let inner = take(e);
    *e = sql::Expr::Nested(Box::new(inner));
}

/// Parenthesises `e` when it binds less tightly than `p`.
fn wrap_below(e: &mut sql::Expr, p: u8) {
    if precedence(e) < p {
        wrap(e);
    }
}

/// Puts back the parentheses precedence needs (rule 1), bottom-up.
struct Parenthesize;

impl VisitorMut for Parenthesize {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut sql::Expr) -> ControlFlow<()> {
        use sql::Expr as E;
        match e {
            E::BinaryOp { left, op, right } => {
                let p = binary_precedence(op);
                // AND and OR are associative: `a AND (b AND c)` is `a AND b AND c`
                let associative = matches!(op, sql::BinaryOperator::And | sql::BinaryOperator::Or)
                    && matches!(right.as_ref(), E::BinaryOp { op: r, .. } if r == op);
                if precedence(left) < p {
                    wrap(left);
                }
                let rp = precedence(right);
                if rp < p || (rp == p && !associative) {
                    wrap(right);
                }
            }
            E::UnaryOp { op, expr } => {
                let p = if matches!(op, sql::UnaryOperator::Not) {
                    3
                } else {
                    13
                };
                wrap_below(expr, p);
            }
            E::Cast { expr, .. } => wrap_below(expr, 14),
            // IS, IN, LIKE and the comparisons do not chain: equal precedence is wrapped
            E::IsNull(x)
            | E::IsNotNull(x)
            | E::IsTrue(x)
            | E::IsNotTrue(x)
            | E::IsFalse(x)
            | E::IsNotFalse(x)
            | E::IsUnknown(x)
            | E::IsNotUnknown(x) => wrap_below(x, 5),
            E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
                wrap_below(a, 5);
                wrap_below(b, 5);
            }
            E::AnyOp { left, .. } | E::AllOp { left, .. } => wrap_below(left, 6),
            E::In { expr, .. } => wrap_below(expr, 7),
            E::Like { expr, pattern, .. }
            | E::ILike { expr, pattern, .. }
            | E::SimilarTo { expr, pattern, .. } => {
                wrap_below(expr, 7);
                wrap_below(pattern, 7);
            }
            E::AtTimeZone { timestamp, .. } => wrap_below(timestamp, 12),
            E::Collate { expr, .. } => wrap_below(expr, 13),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> String {
        canonical_expr(text, &NoContext, None)
    }

    fn same(a: &str, b: &str) {
        assert_eq!(c(a), c(b), "{a}  vs  {b}");
    }

    /// Relations live in `public`.
    struct Public;

    impl NameContext for Public {
        fn relation(&self, name: &ObjectName) -> ObjectName {
            ObjectName::new(Some(name.schema.as_deref().unwrap_or("public")), &name.name)
        }
    }

    /// Rule 21: a sequence function's bare literal is the qualified regclass PostgreSQL
    /// stores (`pg_get_expr` prints `nextval('public.default_seq'::regclass)`).
    #[test]
    fn sequence_function_literals_are_regclasses() {
        let p = |t: &str| canonical_expr(t, &Public, None);
        assert_eq!(
            p("nextval('default_seq')"),
            p("nextval('public.default_seq'::regclass)")
        );
        assert_eq!(
            p("-1 * currval('insert_seq')"),
            p("-1 * currval('public.insert_seq'::regclass)")
        );
        assert_eq!(
            p("pg_catalog.setval('s', 5)"),
            p("setval('public.s'::regclass, 5)")
        );
        assert_eq!(
            p("nextval('public.s'::regclass)"),
            "nextval('public.s'::regclass)"
        );
        // not a sequence function: the literal stays text
        assert_ne!(
            p("lower('default_seq')"),
            p("lower('public.default_seq'::regclass)")
        );
    }

    /// A table whose `status` is a varchar.
    struct Orders;

    impl NameContext for Orders {
        fn column_type(&self, column: &str) -> Option<TypeName> {
            (column == "status").then(|| TypeName::parse("character varying(20)"))
        }
    }

    #[test]
    fn parentheses_only_where_precedence_needs_them() {
        same("((a >= 1) AND (a <= 100))", "a >= 1 AND a <= 100");
        assert_eq!(c("((a >= 1) AND (a <= 100))"), "a >= 1 AND a <= 100");
        same("(price_cents >= 0)", "price_cents >= 0");
        assert_eq!(c("(a OR b) AND c"), "(a OR b) AND c");
        assert_ne!(c("(a OR b) AND c"), c("a OR (b AND c)"));
        assert_eq!(c("a - (b - c)"), "a - (b - c)");
        assert_ne!(c("a - (b - c)"), c("(a - b) - c"));
        same("a AND (b AND c)", "((a AND b) AND c)");
        assert_eq!(c("((a + b))::text"), "(a + b)::text");
    }

    #[test]
    fn postgres_deparsed_forms_match_hand_written_ones() {
        same(
            "percent_off BETWEEN 1 AND 100",
            "(((percent_off >= 1) AND (percent_off <= 100)))",
        );
        let orders = |t: &str| canonical_expr(t, &Orders, None);
        assert_eq!(
            orders("status IN ('a', 'b')"),
            orders(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"
            )
        );
        same(
            "status IN ('a', 'b')",
            "(status = ANY (ARRAY['a'::text, 'b'::text]))",
        );
        same("status NOT IN ('a')", "(status <> ALL (ARRAY['a'::text]))");
        same("email LIKE '%@%'", "((email ~~ '%@%'::text))");
        same("CAST(x AS BIGINT)", "(x)::int8");
        same("CURRENT_TIMESTAMP", "now()");
        same("NOW()", "now()");
        same("pg_catalog.now()", "now()");
        same("-1", "'-1'::integer");
        same(
            "balance BETWEEN -1000 AND 10",
            "((balance >= (-1000)::numeric) AND (balance <= (10)::numeric))",
        );
        assert_ne!(c("1.5"), c("1.5::numeric(3,0)"));
        same("DATE '2024-01-01'", "'2024-01-01'::date");
        same("INTERVAL '1 day'", "'1 day'::interval");
        same("\"Amount\" > 0", "(\"Amount\" > (0))");
        same("Amount > 0", "(amount > 0)");
    }

    #[test]
    fn different_expressions_stay_different() {
        assert_ne!(c("a > 1"), c("a >= 1"));
        assert_ne!(c("'a'::varchar(1)"), c("'a'"));
        assert_ne!(
            c("x::text"),
            c("x"),
            "a column of unknown type keeps its cast"
        );
        assert_ne!(c("CURRENT_DATE"), c("now()"));
    }

    #[test]
    fn a_cast_to_the_columns_own_type_goes() {
        let jsonb = TypeName::parse("jsonb");
        assert_eq!(
            canonical_expr("'{}'::jsonb", &NoContext, Some(&jsonb)),
            canonical_expr("'{}'", &NoContext, Some(&jsonb))
        );
        let status = TypeName::parse("order_status");
        assert_eq!(
            canonical_expr("'pending'::order_status", &NoContext, Some(&status)),
            "'pending'"
        );
        assert!(is_null_literal("NULL::text"));
        assert!(!is_null_literal("'NULL'"));
    }

    /// A table `builds` with an enum, integers of two widths, text-like columns and
    /// booleans: what rules 16, 17 and 19 look up.
    struct Builds;

    impl NameContext for Builds {
        fn column_type(&self, column: &str) -> Option<TypeName> {
            let ty = match column {
                "status" => "build_status",
                "id" | "rerun_of" => "bigint",
                "rerun_of_old" | "n" => "integer",
                "url" => "text",
                "v" => "varchar(10)",
                "c" => "char(3)",
                "done" => "boolean",
                "at" => "timestamptz",
                "ratio" => "numeric(5,2)",
                "d" => "my_domain",
                "ci" => "citext",
                "di" => "dint",
                _ => return None,
            };
            Some(TypeName::parse(ty))
        }
        fn type_spelling(&self, ty: &TypeName) -> String {
            if ty.name == "build_status" {
                "public.build_status".to_string()
            } else {
                ty.spelling()
            }
        }
        fn domain_base(&self, ty: &TypeName) -> Option<TypeName> {
            match ty.name.as_str() {
                "my_domain" => Some(TypeName::parse("text")),
                "dint" => Some(TypeName::parse("integer")),
                _ => None,
            }
        }
        fn table_name(&self) -> Option<ObjectName> {
            Some(ObjectName::new(Some("public"), "builds"))
        }
    }

    fn b(text: &str) -> String {
        canonical_expr(text, &Builds, None)
    }

    // right-hand sides are what PostgreSQL 15 printed (pg_get_expr /
    // pg_get_constraintdef, TimeZone UTC) for the left-hand sides
    #[test]
    fn literals_of_built_in_types_are_the_constants_postgres_prints() {
        let ty = |t: &str| TypeName::parse(t);
        let default = |text: &str, t: &str| canonical_expr(text, &NoContext, Some(&ty(t)));
        assert_eq!(default("'f'", "boolean"), default("false", "boolean"));
        assert_eq!(default("'false'", "boolean"), "false");
        assert_eq!(default("'0'", "integer"), "0");
        assert_eq!(default("'0'", "bigint"), default("'0'::bigint", "bigint"));
        assert_eq!(
            default("'epoch'", "timestamptz"),
            default(
                "'1970-01-01 00:00:00+00'::timestamp with time zone",
                "timestamptz"
            )
        );
        assert_eq!(
            default("'1970-01-01 00:00:00'", "timestamptz"),
            "'1970-01-01 00:00:00+00'"
        );
        // a default set on a timestamp column, then altered to timestamptz
        assert_eq!(
            default("'1970-01-01'::timestamp", "timestamptz"),
            default(
                "'1970-01-01 00:00:00'::timestamp without time zone",
                "timestamptz"
            )
        );
        same(
            "now() + '3 minutes'::interval",
            "(now() + '00:03:00'::interval)",
        );
        same(
            "now() - random() * INTERVAL '12 months'",
            "(now() - (random() * '1 year'::interval))",
        );
        assert_eq!(c("'t'::boolean"), "true");
        assert_ne!(c("'2 days'::interval"), c("'1 day'::interval"));
        assert_eq!(c("'now'::timestamptz"), "'now'::timestamptz");
    }

    #[test]
    fn literals_compared_with_a_column_take_its_type() {
        assert_eq!(
            b("status = 'pending' OR status = 'started'"),
            b(
                "((status = 'pending'::public.build_status) OR (status = 'started'::public.build_status))"
            )
        );
        assert_eq!(
            b("status IN ('pending', 'started')"),
            b(
                "(status = ANY (ARRAY['pending'::public.build_status, 'started'::public.build_status]))"
            )
        );
        assert_eq!(
            b("url = NULL OR char_length(url) > 0"),
            b("((url = NULL::text) OR (char_length(url) > 0))")
        );
        assert_eq!(b("v = NULL"), b("((v)::text = NULL::text)"));
        assert_eq!(b("c = NULL"), b("(c = NULL::bpchar)"));
        assert_eq!(b("c = 'x'"), b("(c = 'x'::bpchar)"));
        assert_eq!(b("v = 'x'"), b("((v)::text = 'x'::text)"));
        assert_eq!(b("done = 't'"), b("(done = true)"));
        assert_eq!(b("n = '5'"), b("(n = 5)"));
        assert_eq!(b("n = NULL"), b("(n = NULL::integer)"));
        assert_eq!(b("id = '-1'"), b("(id = '-1'::bigint)"));
        assert_eq!(
            b("at > '2020-01-01'"),
            b("(at > '2020-01-01 00:00:00+00'::timestamp with time zone)")
        );
        assert_eq!(b("ratio > '1.50'"), b("(ratio > 1.50)"));
        // arrays: `(t = '{}'::text[])`, `(vv = '{}'::character varying[])`,
        // `(t <> NULL::text[])`
        let arrays = |column: &str| {
            let ty = match column {
                "t" => "text[]",
                "vv" => "varchar(5)[]",
                _ => return None,
            };
            Some(TypeName::parse(ty))
        };
        struct Arrays<F>(F);
        impl<F: Fn(&str) -> Option<TypeName>> NameContext for Arrays<F> {
            fn column_type(&self, column: &str) -> Option<TypeName> {
                (self.0)(column)
            }
        }
        let a = |t: &str| canonical_expr(t, &Arrays(arrays), None);
        assert_eq!(a("t = '{}'"), a("(t = '{}'::text[])"));
        assert_eq!(a("vv = '{}'"), a("(vv = '{}'::character varying[])"));
        assert_eq!(a("t <> NULL"), a("(t <> NULL::text[])"));
        assert_eq!(a("t = ARRAY['a']"), a("(t = ARRAY['a'::text])"));
        // a domain compares as its base type: `((di)::integer = 5)`,
        // `((di)::integer > 0)`, `((dt)::text = 'x'::text)`, `((dt)::text = NULL::text)`,
        // `((dt)::text = ANY (ARRAY['a'::text, 'b'::text]))`
        assert_eq!(b("d = 'x'"), b("((d)::text = 'x'::text)"));
        assert_eq!(b("d = 'x'"), "d = 'x'");
        assert_eq!(b("d = NULL"), b("((d)::text = NULL::text)"));
        assert_eq!(
            b("d IN ('a', 'b')"),
            b("((d)::text = ANY (ARRAY['a'::text, 'b'::text]))")
        );
        assert_eq!(b("di = '5'"), b("((di)::integer = 5)"));
        assert_eq!(b("di > 0"), b("((di)::integer > 0)"));
        assert_eq!(b("di = NULL"), b("((di)::integer = NULL::integer)"));
        // `(st IS DISTINCT FROM 'a'::bs2)`, `(NOT ((di)::integer IS DISTINCT FROM 5))`
        assert_eq!(
            b("status IS DISTINCT FROM 'pending'"),
            b("(status IS DISTINCT FROM 'pending'::public.build_status)")
        );
        assert_eq!(
            b("di IS NOT DISTINCT FROM '5'"),
            b("(NOT ((di)::integer IS DISTINCT FROM 5))")
        );
        assert_ne!(c("a IS NOT DISTINCT FROM b"), c("a IS DISTINCT FROM b"));
        // an extension's type (`citext`): `(c = 'x'::citext)`, `(c = NULL::citext)`
        assert_eq!(b("ci = 'x'"), b("(ci = 'x'::citext)"));
        assert_eq!(b("ci = NULL"), b("(ci = NULL::citext)"));
    }

    #[test]
    fn narrower_integer_columns_in_coalesce_get_the_implicit_cast() {
        assert_eq!(
            b("coalesce(rerun_of, rerun_of_old, id)"),
            b("COALESCE(rerun_of, (rerun_of_old)::bigint, id)")
        );
        assert_eq!(b("coalesce(rerun_of_old, 0)"), "coalesce(rerun_of_old, 0)");
        assert_eq!(b("greatest(n, id)"), b("GREATEST((n)::bigint, id)"));
        // `COALESCE((n)::bigint, (0)::bigint)` as PostgreSQL printed it
        assert_eq!(
            b("coalesce(n, 0::bigint)"),
            b("COALESCE((n)::bigint, (0)::bigint)")
        );
        // a column of unknown type: nothing is guessed
        assert_eq!(b("coalesce(n, other)"), "coalesce(n, other)");
    }

    #[test]
    fn trim_is_trim_both_and_own_table_qualifiers_go() {
        same(
            "char_length(TRIM(scopes)) > 0",
            "(char_length(TRIM(BOTH scopes)) > 0)",
        );
        same("TRIM(s) <> ''", "(TRIM(BOTH FROM s) <> ''::text)");
        assert_ne!(c("TRIM(LEADING x)"), c("TRIM(BOTH x)"));
        assert_eq!(
            b("least(builds.email_confirmed_at, public.builds.phone_confirmed_at)"),
            b("LEAST(email_confirmed_at, phone_confirmed_at)")
        );
        assert_eq!(b("builds.done IS FALSE"), "done IS FALSE");
        assert_eq!(b("other.done IS FALSE"), "other.done IS FALSE");
        assert_eq!(b("audit.builds.done"), "audit.builds.done");
    }

    #[test]
    fn unreadable_text_is_kept_with_whitespace_squashed() {
        assert_eq!(c("a  +\n ("), "a + (");
    }
}
