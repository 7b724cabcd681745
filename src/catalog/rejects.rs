//! Statements PostgreSQL rejects whatever the rows hold: the definition itself is wrong
//! for the schema it meets. Replay does not apply them (the server made nothing) and
//! effects report them as failing, so `check` can say so before a deploy does. Only
//! what is certain from the replayed schema is judged: a table whose columns are not
//! all known (an unseen parent, `LIKE` or `AS SELECT`) is not said to lack a column.
//! Each reason is PostgreSQL's own message, observed on 15.

use super::Catalog;
use crate::ops::{ColumnDef, ConstraintKind, CreateTable, ObjectName};

/// The columns every table has besides its own (`tableoid` may be used where the others
/// may not).
const SYSTEM_COLUMNS: &[&str] = &["tableoid", "ctid", "xmin", "xmax", "cmin", "cmax"];

/// The pseudo-types of `pg_catalog`: no column (or attribute) may have one.
const PSEUDO_TYPES: &[&str] = &[
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "cstring",
    "event_trigger",
    "fdw_handler",
    "index_am_handler",
    "internal",
    "language_handler",
    "pg_ddl_command",
    "record",
    "table_am_handler",
    "trigger",
    "tsm_handler",
    "unknown",
    "void",
];

/// A `CREATE TYPE ... AS (...)` PostgreSQL refuses: an attribute of a pseudo-type
/// (observed on 15).
pub fn create_type(ct: &crate::ops::CreateType) -> Option<String> {
    if let crate::ops::CreateTypeKind::Enum { values } = &ct.kind {
        return values.iter().find_map(|v| enum_label(v));
    }
    let crate::ops::CreateTypeKind::Composite { attributes } = &ct.kind else {
        return None;
    };
    attributes.iter().find_map(|(name, ty)| {
        column_name_and_type(name, ty).filter(|why| why.contains("pseudo-type"))
    })
}

/// A unique index or constraint on a partitioned table (whose key is `partition_key`)
/// with key columns `columns` (its `INCLUDE` columns do not count): PostgreSQL requires
/// every partitioning column among them, and refuses any with an expression in the
/// partition key (observed on 15).
pub fn unique_on_partitioned(partition_key: &[String], columns: &[&str]) -> Option<String> {
    if partition_key.iter().any(|k| k.starts_with('(')) {
        return Some("unsupported UNIQUE constraint with partition key definition".to_string());
    }
    let missing = partition_key
        .iter()
        .find(|k| !columns.contains(&k.as_str()))?;
    Some(format!(
        "unique constraint on partitioned table must include all partitioning columns (column \"{missing}\" is not in the key)"
    ))
}

/// Why PostgreSQL refuses a `CREATE INDEX`: its storage parameters, or a unique one on
/// a partitioned table ([`unique_on_partitioned`]).
pub fn create_index(cat: &Catalog, ci: &crate::ops::CreateIndex) -> Option<String> {
    if let Some(why) = &ci.options_problem {
        return Some(why.clone());
    }
    // a key that is a row constructor, not cast to a composite type, has type record
    // (observed on 15; `(row(x, y)::t)` is fine)
    let row = ci.keys.iter().any(|k| match k {
        crate::ops::IndexKey::Expression(e) => is_row_constructor(&e.text),
        crate::ops::IndexKey::Column(_) => false,
    });
    if row {
        return Some("column \"row\" has pseudo-type record".to_string());
    }
    if !ci.unique {
        return None;
    }
    let t = cat.table(&ci.table)?;
    if t.kind != super::TableKind::Partitioned {
        return None;
    }
    let columns: Vec<&str> = ci
        .keys
        .iter()
        .filter_map(|k| match k {
            crate::ops::IndexKey::Column(c) => Some(c.as_str()),
            crate::ops::IndexKey::Expression(e) => e
                .column_cast
                .as_ref()
                .and_then(|cc| cc.casts.is_empty().then_some(cc.column.as_str())),
        })
        .collect();
    unique_on_partitioned(&t.partition_key, &columns)
}

/// `text` is `ROW(...)` and nothing else, maybe in parentheses.
fn is_row_constructor(text: &str) -> bool {
    let mut t = text.trim();
    // peel parentheses that enclose the whole text
    while t.starts_with('(') && t.ends_with(')') && closing_paren(t, 0) == Some(t.len() - 1) {
        t = t[1..t.len() - 1].trim();
    }
    let Some(head) = t.get(..3) else {
        return false;
    };
    let rest = t[3..].trim_start();
    head.eq_ignore_ascii_case("row")
        && rest.starts_with('(')
        && closing_paren(rest, 0) == Some(rest.len() - 1)
}

/// The byte position of the parenthesis closing the one at `open` (quotes respected).
fn closing_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Why PostgreSQL refuses an enum label (observed on 15): longer than 63 bytes.
pub fn enum_label(label: &str) -> Option<String> {
    (label.len() > 63)
        .then(|| format!("invalid enum label \"{label}\": labels must be 63 bytes or less"))
}

/// A column (or composite attribute) PostgreSQL refuses by its name and type alone
/// (observed on 15): a system column's name, a pseudo-type.
pub fn column_name_and_type(name: &str, ty: &crate::ops::TypeName) -> Option<String> {
    if SYSTEM_COLUMNS.contains(&name) {
        return Some(format!(
            "column name \"{name}\" conflicts with a system column name"
        ));
    }
    let pseudo = ty.array_dims == 0
        && ty.schema.as_deref().is_none_or(|s| s == "pg_catalog")
        && PSEUDO_TYPES.contains(&ty.name.to_ascii_lowercase().as_str());
    pseudo.then(|| {
        format!(
            "column \"{name}\" has pseudo-type {}",
            ty.name.to_ascii_lowercase()
        )
    })
}

/// Why PostgreSQL rejects this `CREATE TABLE`, or `None` when nothing certain is wrong.
pub fn create_table(cat: &Catalog, ct: &CreateTable) -> Option<String> {
    if let Some(why) = &ct.options_problem {
        return Some(why.clone());
    }
    if ct.column_storage && cat.version < 16 {
        return Some(
            "syntax error at or near \"STORAGE\" (a column's STORAGE in CREATE TABLE needs PostgreSQL 16)"
                .to_string(),
        );
    }
    if ct.on_commit && ct.persistence != crate::ops::Persistence::Temporary {
        return Some("ON COMMIT can only be used on temporary tables".to_string());
    }
    if let Some(why) = typed_table(cat, ct) {
        return Some(why);
    }
    let table = &ct.name.name;
    let known = known_columns(cat, ct);
    let generated: Vec<&str> = ct
        .columns
        .iter()
        .filter(|c| c.generated.is_some())
        .map(|c| c.name.as_str())
        .collect();
    for c in &ct.columns {
        if let Some(why) = column(c, table, known.as_deref(), &generated) {
            return Some(why);
        }
        if let Some(why) = column_calls(cat, c) {
            return Some(why);
        }
        if let Some(why) = column_name_and_type(&c.name, &c.ty) {
            return Some(why);
        }
    }
    let constraints = ct
        .constraints
        .iter()
        .chain(ct.columns.iter().flat_map(|c| &c.constraints));
    for k in constraints.clone() {
        if let ConstraintKind::Check { expr, .. } = &k.kind
            && let Some(why) = forbidden_call(cat, expr, "check constraints")
                .or_else(|| system_column_in_check(expr))
        {
            return Some(why);
        }
    }
    if let Some(why) = ct.partition_key.iter().find_map(|k| partition_key(cat, k)) {
        return Some(why);
    }
    // a partition key may not read a generated column (observed on 15)
    let reads_generated = ct.partition_key.iter().any(|k| {
        if k.starts_with('(') {
            crate::ops::lower::expr_of_text(k)
                .is_some_and(|e| e.columns.iter().any(|c| generated.contains(&c.as_str())))
        } else {
            generated.contains(&k.as_str())
        }
    });
    if reads_generated {
        return Some("cannot use generated column in partition key".to_string());
    }
    // a partition's own column options: before 16 no generation expression, before 17
    // no identity (observed on 15)
    if ct.partition_of.is_some() {
        if cat.version < 16 && ct.columns.iter().any(|c| c.generated.is_some()) {
            return Some("generated columns are not supported on partitions".to_string());
        }
        if cat.version < 17 && ct.columns.iter().any(|c| c.identity.is_some()) {
            return Some("identity columns are not supported on partitions".to_string());
        }
    }
    if let Some(why) = inherited_generation(cat, ct) {
        return Some(why);
    }
    // a foreign key over a generated column cannot write it (observed on 15)
    let fk_over_generated = ct
        .constraints
        .iter()
        .map(|k| (k, None))
        .chain(
            ct.columns
                .iter()
                .flat_map(|c| c.constraints.iter().map(move |k| (k, Some(c.name.as_str())))),
        )
        .find_map(|(k, own)| {
            let ConstraintKind::ForeignKey {
                columns,
                on_update,
                on_delete,
                ..
            } = &k.kind
            else {
                return None;
            };
            let over = columns.iter().any(|c| generated.contains(&c.as_str()))
                || (columns.is_empty() && own.is_some_and(|c| generated.contains(&c)));
            let writes = |a: &Option<String>, cascade: bool| {
                a.as_deref().is_some_and(|a| {
                    let a = a.to_ascii_uppercase();
                    a.starts_with("SET NULL")
                        || a.starts_with("SET DEFAULT")
                        || (cascade && a == "CASCADE")
                })
            };
            if !over {
                None
            } else if writes(on_update, true) {
                Some("invalid ON UPDATE action for foreign key constraint containing generated column")
            } else if writes(on_delete, false) {
                Some("invalid ON DELETE action for foreign key constraint containing generated column")
            } else {
                None
            }
        });
    if let Some(why) = fk_over_generated {
        return Some(why.to_string());
    }
    // a partitioned table takes no NO INHERIT constraint, its own or one LIKE copies
    // (observed on 15)
    if ct.partitioned {
        let own = ct
            .constraints
            .iter()
            .chain(ct.columns.iter().flat_map(|c| &c.constraints))
            .any(|k| {
                matches!(
                    k.kind,
                    ConstraintKind::Check {
                        no_inherit: true,
                        ..
                    }
                )
            });
        let copied = ct.like.iter().filter(|l| l.constraints).any(|l| {
            cat.table(&l.source).is_some_and(|src| {
                src.constraints.iter().any(|k| {
                    matches!(
                        k.kind,
                        ConstraintKind::Check {
                            no_inherit: true,
                            ..
                        }
                    )
                })
            })
        });
        if own || copied {
            return Some(format!(
                "cannot add NO INHERIT constraint to partitioned table \"{}\"",
                ct.name.name
            ));
        }
    }
    if ct.partitioned {
        let unique = |k: &ConstraintKind| match k {
            ConstraintKind::PrimaryKey { columns, .. } | ConstraintKind::Unique { columns, .. } => {
                Some(columns.clone())
            }
            _ => None,
        };
        let keys = ct.constraints.iter().filter_map(|k| unique(&k.kind)).chain(
            ct.columns.iter().flat_map(|c| {
                c.constraints.iter().filter_map(|k| {
                    unique(&k.kind).map(|cols| {
                        if cols.is_empty() {
                            vec![c.name.clone()]
                        } else {
                            cols
                        }
                    })
                })
            }),
        );
        for cols in keys {
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            if let Some(why) = unique_on_partitioned(&ct.partition_key, &cols) {
                return Some(why);
            }
        }
    }
    for k in constraints {
        if let Some(why) = constraint(cat, &ct.name, &k.kind, known.as_deref()) {
            return Some(why);
        }
        if let Some(why) = foreign_key_types(cat, ct, k) {
            return Some(why);
        }
    }
    None
}

/// A foreign key between an enum column and a column of another type: no equality
/// operator joins them ("foreign key constraint ... cannot be implemented").
fn foreign_key_types(
    cat: &Catalog,
    ct: &CreateTable,
    k: &crate::ops::Constraint,
) -> Option<String> {
    let ConstraintKind::ForeignKey {
        columns,
        ref_table,
        ref_columns,
        ..
    } = &k.kind
    else {
        return None;
    };
    let r = cat.table(ref_table)?;
    let key: Vec<String> = if ref_columns.is_empty() {
        r.primary_key()?.kind.columns().to_vec()
    } else {
        ref_columns.clone()
    };
    let is_enum = |t: &crate::ops::TypeName| {
        t.array_dims == 0
            && cat
                .type_def(&ObjectName::new(t.schema.as_deref(), &t.name))
                .is_some_and(|d| matches!(d.kind, super::TypeKind::Enum { .. }))
    };
    let builtin = |t: &crate::ops::TypeName| {
        t.schema.as_deref().is_none_or(|s| s == "pg_catalog")
            && cat
                .type_def(&ObjectName::new(t.schema.as_deref(), &t.name))
                .is_none()
    };
    // the type a name denotes: `status` and `public.status` are one type
    let def =
        |t: &crate::ops::TypeName| cat.type_def(&ObjectName::new(t.schema.as_deref(), &t.name));
    for (local, referenced) in columns.iter().zip(&key) {
        let mine = &ct.columns.iter().find(|c| &c.name == local)?.ty;
        let theirs = &r.column(referenced)?.ty;
        let differ = match (def(mine), def(theirs)) {
            (Some(a), Some(b)) => a.name != b.name,
            _ => mine.name != theirs.name || mine.schema != theirs.schema,
        };
        let joinable = !(is_enum(mine) || is_enum(theirs))
            || !differ
            || !(is_enum(mine) || builtin(mine))
            || !(is_enum(theirs) || builtin(theirs));
        if !joinable {
            let name = k
                .name
                .clone()
                .unwrap_or_else(|| super::replay::constraint_name(&ct.name, k));
            return Some(format!(
                "foreign key constraint \"{name}\" cannot be implemented"
            ));
        }
    }
    None
}

/// A `CREATE TRIGGER` PostgreSQL refuses whatever the rows hold (observed on 15): its
/// event list (`UPDATE OR UPDATE OF a`, `INSERT OF a`, `UPDATE OF a, a`); `INSTEAD OF`
/// on a table or with `WHEN`; a row trigger `BEFORE`/`AFTER` on a view; a `WHEN` that
/// reads column values in a statement trigger, `OLD` in an INSERT trigger, `NEW` in a
/// DELETE trigger, or `NEW`'s system or generated columns in a BEFORE trigger.
pub fn create_trigger(cat: &Catalog, ct: &crate::ops::CreateTrigger) -> Option<String> {
    if let Some(problem) = &ct.event_problem {
        return Some(problem.clone());
    }
    let on_table = cat.table(&ct.table);
    let on_view = on_table.is_none() && cat.view(&ct.table).is_some();
    let relation = &ct.table.name;
    if ct.timing == "instead of" {
        if on_table.is_some() {
            return Some(format!("\"{relation}\" is a table"));
        }
        if ct.when.is_some() {
            return Some("INSTEAD OF triggers cannot have WHEN conditions".to_string());
        }
    } else if on_view && ct.for_each_row && !ct.timing.is_empty() {
        return Some(format!("\"{relation}\" is a view"));
    }
    let when = ct.when.as_deref()?.to_ascii_lowercase();
    let reads = |row: &str| -> Vec<String> {
        // `old.a`, `new.*`, `(new).a`
        let mut out = Vec::new();
        for prefix in [format!("{row}."), format!("({row})."), format!("{row} .")] {
            let mut rest = when.as_str();
            while let Some(at) = rest.find(&prefix) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + prefix.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let column: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '*')
                    .collect();
                out.push(column);
            }
        }
        out
    };
    let (old, new) = (reads("old"), reads("new"));
    if !ct.for_each_row && !ct.constraint && (!old.is_empty() || !new.is_empty()) {
        return Some(
            "statement trigger's WHEN condition cannot reference column values".to_string(),
        );
    }
    let has = |e: &str| ct.events.iter().any(|x| x == e);
    if has("insert") && !old.is_empty() {
        return Some("INSERT trigger's WHEN condition cannot reference OLD values".to_string());
    }
    if has("delete") && !new.is_empty() {
        return Some("DELETE trigger's WHEN condition cannot reference NEW values".to_string());
    }
    if ct.timing == "before" {
        const SYSTEM: &[&str] = &["tableoid", "ctid", "xmin", "xmax", "cmin", "cmax"];
        if new.iter().any(|c| SYSTEM.contains(&c.as_str())) {
            return Some(
                "BEFORE trigger's WHEN condition cannot reference NEW system columns".to_string(),
            );
        }
        let generated = on_table.is_some_and(|t| {
            t.columns.iter().any(|c| {
                c.generated.is_some() && (new.contains(&c.name) || new.iter().any(|n| n == "*"))
            })
        });
        if generated {
            return Some(
                "BEFORE trigger's WHEN condition cannot reference NEW generated columns"
                    .to_string(),
            );
        }
    }
    None
}

/// `CREATE TABLE t OF type (...)`: the type must be a composite type made with `CREATE
/// TYPE` (not a table's row type), and each column named in the list must be one of
/// its attributes, named once (observed on 15).
fn typed_table(cat: &Catalog, ct: &CreateTable) -> Option<String> {
    let ty = ct.of_type.as_ref()?;
    if cat.type_def(ty).is_none() && cat.table(ty).is_some() {
        return Some(format!("type {} is not a composite type", ty.name));
    }
    let mut seen: Vec<&str> = Vec::new();
    for c in &ct.columns {
        if seen.contains(&c.name.as_str()) {
            return Some(format!("column \"{}\" specified more than once", c.name));
        }
        seen.push(&c.name);
    }
    if let Some(super::TypeKind::Composite {
        attributes: Some(attributes),
    }) = cat.type_def(ty).map(|t| &t.kind)
        && let Some(c) = ct
            .columns
            .iter()
            .find(|c| !attributes.iter().any(|(n, _)| *n == c.name))
    {
        return Some(format!("column \"{}\" does not exist", c.name));
    }
    None
}

/// Every column the new table will have, when all are known: its own, its parents'
/// and its `LIKE` sources'; `None` when a source is unknown (or the columns come from
/// a query, a type or a partitioned parent).
fn known_columns(cat: &Catalog, ct: &CreateTable) -> Option<Vec<String>> {
    if ct.as_query.is_some() || ct.of_type.is_some() || ct.partition_of.is_some() {
        return None;
    }
    let mut out: Vec<String> = ct.columns.iter().map(|c| c.name.clone()).collect();
    for source in ct.inherits.iter().chain(ct.like.iter().map(|l| &l.source)) {
        let t = cat.table(source).filter(|t| t.columns_complete)?;
        out.extend(t.columns.iter().map(|c| c.name.clone()));
    }
    Some(out)
}

/// A column's DEFAULT or generation expression calls what PostgreSQL refuses there
/// (observed on 15): an aggregate, a window or a set-returning function, and in a
/// generation expression a built-in function that is volatile in every overload (one
/// that is only stable may have an immutable overload and is not judged).
fn column_calls(cat: &Catalog, c: &ColumnDef) -> Option<String> {
    if let Some(d) = &c.default {
        if let Some(why) = forbidden_call(cat, d, "DEFAULT expressions") {
            return Some(why);
        }
        if d.has_subquery {
            return Some("cannot use subquery in DEFAULT expression".to_string());
        }
    }
    let g = c.generated.as_ref()?;
    if let Some(why) = forbidden_call(cat, &g.expr, "column generation expressions") {
        return Some(why);
    }
    let volatile = g.expr.functions.iter().any(|f| {
        let name = f.rsplit('.').next().unwrap_or(f).to_ascii_lowercase();
        !user_function(cat, &name)
            && super::builtin_kind(&name) == Some(super::FunctionKind::Volatile)
    });
    volatile.then(|| "generation expression is not immutable".to_string())
}

/// `ATTACH PARTITION child` of `parent` (observed on 15): a generated column of the
/// parent must be generated in the child, before 16 by the same expression (compared
/// without blanks and parentheses, so a difference in spelling alone does not count).
fn attached_generation(
    cat: &Catalog,
    parent: &super::Table,
    child: &super::Table,
) -> Option<String> {
    let bare = |t: &str| -> String {
        t.chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
            .flat_map(char::to_lowercase)
            .collect()
    };
    parent.columns.iter().find_map(|pc| {
        let pg = pc.generated.as_ref()?;
        let cc = child.column(&pc.name)?;
        match &cc.generated {
            None => Some(format!(
                "column \"{}\" in child table must be a generated column",
                pc.name
            )),
            Some(cg) if cat.version < 16 && bare(&cg.expr.text) != bare(&pg.expr.text) => {
                Some(format!(
                    "column \"{}\" in child table has a conflicting generation expression",
                    pc.name
                ))
            }
            Some(_) => None,
        }
    })
}

/// Generated columns met through `INHERITS` (observed on 15): parents that disagree on
/// whether a column is generated ("has a generation conflict"), or on its expression
/// when the child does not give its own ("inherits conflicting generation
/// expressions"); before 16 a child may not give one for an inherited column at all.
fn inherited_generation(cat: &Catalog, ct: &CreateTable) -> Option<String> {
    if ct.inherits.is_empty() || ct.partition_of.is_some() {
        return None;
    }
    let parents: Vec<&super::Table> = ct.inherits.iter().filter_map(|p| cat.table(p)).collect();
    let mut seen: Vec<(&str, Option<&str>)> = Vec::new();
    for p in &parents {
        for c in &p.columns {
            let generation = c.generated.as_ref().map(|g| g.expr.text.as_str());
            match seen.iter().find(|(n, _)| *n == c.name) {
                None => seen.push((&c.name, generation)),
                Some((_, before)) if before.is_some() != generation.is_some() => {
                    return Some(format!(
                        "inherited column \"{}\" has a generation conflict",
                        c.name
                    ));
                }
                Some((_, before)) => {
                    let own = ct
                        .columns
                        .iter()
                        .any(|d| d.name == c.name && d.generated.is_some());
                    if *before != generation && !own {
                        return Some(format!(
                            "column \"{}\" inherits conflicting generation expressions",
                            c.name
                        ));
                    }
                }
            }
        }
    }
    // a column inheriting a generation expression takes no default or identity
    for d in &ct.columns {
        if !seen.iter().any(|(n, g)| *n == d.name && g.is_some()) {
            continue;
        }
        if d.default.is_some() {
            return Some(format!(
                "column \"{}\" inherits from generated column but specifies default",
                d.name
            ));
        }
        if d.identity.is_some() {
            return Some(format!(
                "column \"{}\" inherits from generated column but specifies identity",
                d.name
            ));
        }
    }
    if cat.version < 16 {
        let own = ct.columns.iter().find(|d| {
            d.generated.is_some() && seen.iter().any(|(n, g)| *n == d.name && g.is_some())
        });
        if let Some(d) = own {
            return Some(format!(
                "child column \"{}\" specifies generation expression",
                d.name
            ));
        }
    }
    None
}

/// A CHECK reading a system column other than `tableoid` (observed on 15).
fn system_column_in_check(expr: &crate::ops::Expr) -> Option<String> {
    let used = expr
        .columns
        .iter()
        .find(|c| *c != "tableoid" && SYSTEM_COLUMNS.contains(&c.as_str()))?;
    Some(format!(
        "system column \"{used}\" reference in check constraint is invalid"
    ))
}

/// Why PostgreSQL refuses a partition key expression (`key` is its text in
/// parentheses; a plain column is not judged here), observed on 15: an aggregate, window
/// or set-returning call, a subquery, no column at all ("cannot use constant expression
/// as partition key"), a function that is not immutable once simple SQL functions are
/// inlined (a user function as declared or inlined; a built-in volatile in every
/// overload).
fn partition_key(cat: &Catalog, key: &str) -> Option<String> {
    if !key.starts_with('(') {
        return None;
    }
    let e = crate::ops::lower::expr_of_text(key)?;
    if let Some(why) = forbidden_call(cat, &e, "partition key expressions") {
        return Some(why);
    }
    if e.has_subquery {
        return Some("cannot use subquery in partition key expression".to_string());
    }
    if e.columns.is_empty() {
        return Some("cannot use constant expression as partition key".to_string());
    }
    let mutable = e.functions.iter().any(|f| not_immutable(cat, f, 0));
    mutable.then(|| "functions in partition key expression must be marked IMMUTABLE".to_string())
}

/// A call of `function` is not immutable as PostgreSQL judges a partition key (after
/// inlining simple SQL functions): a function the history defines, by its declared
/// volatility (VOLATILE by default) unless it is inlined, then by what its body calls; a
/// built-in only when it is volatile in every overload (a built-in that is only stable
/// is not judged: it may have an immutable overload).
fn not_immutable(cat: &Catalog, function: &str, depth: usize) -> bool {
    let name = function
        .rsplit('.')
        .next()
        .unwrap_or(function)
        .to_ascii_lowercase();
    if !user_function(cat, &name) {
        return super::builtin_kind(&name) == Some(super::FunctionKind::Volatile);
    }
    cat.functions
        .iter()
        .filter(|(k, _)| k.name == name)
        .flat_map(|(_, overloads)| overloads)
        .any(|f| match (f.volatility.as_deref(), &f.inline) {
            (Some("immutable"), _) => false,
            (Some("stable"), _) => true,
            // inlined: as immutable as what the body calls (a recursive call stays)
            (_, Some(body)) if depth < 8 => body
                .functions
                .iter()
                .any(|g| not_immutable(cat, g, depth + 1)),
            _ => true,
        })
}

/// The history defines a function named `name` (in any schema): a built-in's kind or
/// volatility says nothing about the call then.
fn user_function(cat: &Catalog, name: &str) -> bool {
    cat.functions.keys().any(|k| k.name == name)
}

/// `expr` calls an aggregate, a window or a set-returning function of `pg_catalog`,
/// which PostgreSQL does not allow in `place` (observed on 15).
fn forbidden_call(cat: &Catalog, expr: &crate::ops::Expr, place: &str) -> Option<String> {
    use super::FunctionKind;
    expr.functions.iter().find_map(|f| {
        let name = f.rsplit('.').next().unwrap_or(f).to_ascii_lowercase();
        if user_function(cat, &name) {
            // one the history defines: set-returning when every overload is
            let set_returning = cat
                .functions
                .iter()
                .filter(|(k, _)| k.name == name)
                .all(|(_, o)| o.iter().all(|f| f.returns_set));
            return set_returning
                .then(|| format!("set-returning functions are not allowed in {place}"));
        }
        let what = match super::builtin_kind(&name)? {
            FunctionKind::Aggregate => "aggregate functions",
            FunctionKind::Window => "window functions",
            FunctionKind::SetReturning => "set-returning functions",
            FunctionKind::Volatile => return None,
        };
        Some(format!("{what} are not allowed in {place}"))
    })
}

fn column(
    c: &ColumnDef,
    table: &str,
    known: Option<&[String]>,
    generated: &[&str],
) -> Option<String> {
    let name = &c.name;
    if let Some(g) = &c.generated {
        if g.by_default {
            return Some(GENERATED_BY_DEFAULT.to_string());
        }
        if c.default.is_some() {
            return Some(format!(
                "both default and generation expression specified for column \"{name}\" of table \"{table}\""
            ));
        }
        if c.identity.is_some() {
            return Some(format!(
                "both identity and generation expression specified for column \"{name}\" of table \"{table}\""
            ));
        }
        if g.expr.has_subquery {
            return Some("cannot use subquery in column generation expression".to_string());
        }
        for used in &g.expr.columns {
            if used != "tableoid" && SYSTEM_COLUMNS.contains(&used.as_str()) {
                return Some(format!(
                    "cannot use system column \"{used}\" in column generation expression"
                ));
            }
            if generated.contains(&used.as_str()) {
                return Some(format!(
                    "cannot use generated column \"{used}\" in column generation expression"
                ));
            }
            if used != "tableoid" && known.is_some_and(|k| !k.contains(used)) {
                return Some(format!("column \"{used}\" does not exist"));
            }
        }
    }
    if c.identity.is_some() {
        if c.default.is_some() || c.ty.is_serial() {
            return Some(format!(
                "both default and identity specified for column \"{name}\" of table \"{table}\""
            ));
        }
        if !identity_type(&c.ty) {
            return Some(IDENTITY_TYPE.to_string());
        }
    }
    // a DEFAULT may not read the row's columns
    if let Some(d) = &c.default
        && known.is_some_and(|k| d.columns.iter().any(|u| k.contains(u)))
    {
        return Some("cannot use column reference in DEFAULT expression".to_string());
    }
    None
}

fn constraint(
    cat: &Catalog,
    table: &ObjectName,
    kind: &ConstraintKind,
    known: Option<&[String]>,
) -> Option<String> {
    match kind {
        ConstraintKind::PrimaryKey {
            columns,
            using_index: None,
        }
        | ConstraintKind::Unique {
            columns,
            using_index: None,
            ..
        } => {
            let known = known?;
            columns
                .iter()
                .find(|c| !known.contains(c) && !SYSTEM_COLUMNS.contains(&c.as_str()))
                .map(|c| format!("column \"{c}\" named in key does not exist"))
        }
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } => {
            if columns
                .iter()
                .chain(ref_columns)
                .any(|c| SYSTEM_COLUMNS.contains(&c.as_str()))
            {
                return Some("system columns cannot be used in foreign keys".to_string());
            }
            if let Some(c) = known.and_then(|k| columns.iter().find(|c| !k.contains(c))) {
                return Some(format!(
                    "column \"{c}\" referenced in foreign key constraint does not exist"
                ));
            }
            // the referenced table as the replayed schema has it (itself: its own
            // columns are judged above, its key is not known before it exists)
            if cat.resolve_relation(ref_table) == cat.resolve_relation(table) {
                return None;
            }
            let r = cat.table(ref_table).filter(|t| t.columns_complete)?;
            if let Some(c) = ref_columns.iter().find(|c| r.column(c).is_none()) {
                return Some(format!(
                    "column \"{c}\" referenced in foreign key constraint does not exist"
                ));
            }
            if ref_columns.is_empty() && r.primary_key().is_none() {
                return Some(format!(
                    "there is no primary key for referenced table \"{}\"",
                    r.name.name
                ));
            }
            if !ref_columns.is_empty() && !has_unique_key(cat, r, ref_columns) {
                return Some(format!(
                    "there is no unique constraint matching given keys for referenced table \"{}\"",
                    r.name.name
                ));
            }
            None
        }
        _ => None,
    }
}

/// The referenced columns are, in any order, those of the primary key, a unique
/// constraint or a unique index without a predicate or expressions (what a foreign key
/// needs); an index or key whose columns are not known counts as matching.
fn has_unique_key(cat: &Catalog, r: &super::Table, columns: &[String]) -> bool {
    let same = |key: &[String]| {
        key.is_empty() || (key.len() == columns.len() && columns.iter().all(|c| key.contains(c)))
    };
    let by_constraint = r.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns: key, .. }
        | ConstraintKind::Unique { columns: key, .. } => same(key),
        _ => false,
    });
    by_constraint
        || cat
            .indexes_on(&r.name)
            .any(|i| i.unique && !i.partial && same(&i.columns))
}

/// `GENERATED BY DEFAULT AS (expr)`: PostgreSQL's grammar takes it, then rejects it.
pub const GENERATED_BY_DEFAULT: &str = "for a generated column, GENERATED ALWAYS must be specified";

/// Why PostgreSQL rejects this `ALTER TABLE`, or `None`: identity changes a column
/// does not allow, a default or `DROP NOT NULL` on an identity column, an identity
/// column added above inheritance children. Only an action whose column no other action
/// of the statement touches is judged (the others may change what it meets).
pub fn alter_table(cat: &Catalog, at: &crate::ops::AlterTable) -> Option<String> {
    use crate::ops::{AlterTableAction as A, IdentityChange};
    let t = cat.table(&at.name)?;
    let relation = &t.name.name;
    // a typed table's columns are its type's (observed on 15)
    if t.of_type.is_some() {
        for action in &at.actions {
            let why = match action {
                A::AddColumn { .. } => "cannot add column to typed table",
                A::DropColumn { .. } => "cannot drop column from typed table",
                A::RenameColumn { .. } => "cannot rename column of typed table",
                A::AlterColumnType { .. } => "cannot alter column type of typed table",
                A::Inherit { .. } => "cannot change inheritance of typed table",
                _ => continue,
            };
            return Some(why.to_string());
        }
    }
    // the columns an added column's expressions may use: the table's and those the
    // statement added before it
    let mut known: Option<Vec<String>> = t
        .columns_complete
        .then(|| t.columns.iter().map(|c| c.name.clone()).collect());
    let mut generated: Vec<String> = t
        .columns
        .iter()
        .filter(|c| c.generated.is_some())
        .map(|c| c.name.clone())
        .collect();
    for action in &at.actions {
        // a parent's generated column must be generated in the child (observed on 15)
        if let A::Inherit { parent, no: false } = action
            && let Some(p) = cat.table(parent)
            && let Some(c) = p.columns.iter().find(|pc| {
                pc.generated.is_some()
                    && t.column(&pc.name).is_some_and(|cc| cc.generated.is_none())
            })
        {
            return Some(format!(
                "column \"{}\" in child table must be a generated column",
                c.name
            ));
        }
        if let A::AttachPartition {
            partition, default, ..
        } = action
            && let Some(child) = cat.table(partition)
        {
            if let Some(why) = attached_generation(cat, t, child) {
                return Some(why);
            }
            // observed on 15
            if *default
                && let Some(other) = cat
                    .partitions(&t.name)
                    .find(|p| p.default_partition && p.name != child.name)
            {
                return Some(format!(
                    "partition \"{}\" conflicts with existing default partition \"{}\"",
                    child.name.name, other.name.name
                ));
            }
            use crate::ops::Persistence::Temporary;
            match (t.persistence, child.persistence) {
                (Temporary, Temporary) => {}
                (Temporary, _) => {
                    return Some(format!(
                        "cannot attach a permanent relation as partition of temporary relation \"{relation}\""
                    ));
                }
                (_, Temporary) => {
                    return Some(format!(
                        "cannot attach a temporary relation as partition of permanent relation \"{relation}\""
                    ));
                }
                _ => {}
            }
        }
        // a column added or renamed on the parent alone while children inherit it
        // (observed on 15)
        let has_children =
            || !cat.inheritors(&t.name).is_empty() || cat.partitions(&t.name).next().is_some();
        if at.only && matches!(action, A::AddColumn { .. }) && has_children() {
            return Some("column must be added to child tables too".to_string());
        }
        if let A::RenameColumn { from, .. } = action {
            if cat.column_has_parent(&t.name, from) {
                return Some(format!("cannot rename inherited column \"{from}\""));
            }
            if at.only && t.column(from).is_some() && has_children() {
                return Some(format!(
                    "inherited column \"{from}\" must be renamed in child tables too"
                ));
            }
        }
        if let A::AddColumn { column, .. } = action {
            let generated_now: Vec<&str> = generated.iter().map(String::as_str).collect();
            if let Some(why) = self::column(column, relation, known.as_deref(), &generated_now) {
                return Some(why);
            }
            if let Some(k) = &mut known {
                k.push(column.name.clone());
            }
            if column.generated.is_some() {
                generated.push(column.name.clone());
            }
        }
        if let A::AddConstraint(k) = action
            && let ConstraintKind::Check { expr, .. } = &k.kind
            && let Some(why) = system_column_in_check(expr)
        {
            return Some(why);
        }
        if let A::AddConstraint(k) = action
            && t.kind == super::TableKind::Partitioned
            && let ConstraintKind::PrimaryKey {
                columns,
                using_index: None,
            }
            | ConstraintKind::Unique {
                columns,
                using_index: None,
                ..
            } = &k.kind
        {
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            if let Some(why) = unique_on_partitioned(&t.partition_key, &columns) {
                return Some(why);
            }
        }
        if let A::AddColumn { column, .. } = action
            && let Some(why) =
                column_calls(cat, column).or_else(|| column_name_and_type(&column.name, &column.ty))
        {
            return Some(why);
        }
        if let A::AddColumn { column, .. } = action
            && column.identity.is_some()
            && !at.only
            && !cat.inheritors(&t.name).is_empty()
        {
            return Some(
                "cannot recursively add identity column to table that has child tables".to_string(),
            );
        }
        let name = match action {
            A::Identity { column, .. }
            | A::SetDefault { column, .. }
            | A::DropNotNull { column }
            | A::AlterColumnType { column, .. }
            | A::GeneratedExpression { column, .. } => column,
            _ => continue,
        };
        let alone = at
            .actions
            .iter()
            .filter(|a| action_column(a) == Some(name.as_str()))
            .count()
            == 1;
        let Some(c) = t.column(name).filter(|_| alone) else {
            continue;
        };
        let of = format!("column \"{name}\" of relation \"{relation}\"");
        let why = match action {
            A::Identity {
                change: IdentityChange::Add(_),
                ..
            } => {
                if c.identity.is_some() {
                    Some(format!("{of} is already an identity column"))
                } else if !identity_type(&c.ty) {
                    Some(IDENTITY_TYPE.to_string())
                } else if !c.not_null {
                    Some(format!(
                        "{of} must be declared NOT NULL before identity can be added"
                    ))
                } else if c.default.is_some() {
                    Some(format!("{of} already has a default value"))
                } else {
                    None
                }
            }
            A::Identity {
                change: IdentityChange::Set { .. } | IdentityChange::Drop { if_exists: false },
                ..
            } if c.identity.is_none() => Some(format!("{of} is not an identity column")),
            A::SetDefault { .. } | A::DropNotNull { .. } if c.identity.is_some() => {
                Some(format!("{of} is an identity column"))
            }
            A::AlterColumnType { ty, .. } if c.identity.is_some() && !identity_type(ty) => {
                Some(IDENTITY_TYPE.to_string())
            }
            A::AlterColumnType { ty, .. } if let Some(fk) = key_across_types(cat, t, name, ty) => {
                Some(format!(
                    "foreign key constraint \"{fk}\" cannot be implemented"
                ))
            }
            A::AlterColumnType { .. } if generated_users(t, name, &at.actions) => {
                Some("cannot alter type of a column used by a generated column".to_string())
            }
            // the table's row as a whole in USING cannot be mapped to a child's (observed
            // on 15, whatever the child's column order)
            A::AlterColumnType { using: Some(u), .. }
                if !at.only
                    && u.columns
                        .iter()
                        .any(|r| r == relation && t.column(r).is_none())
                    && (!cat.inheritors(&t.name).is_empty()
                        || cat.partitions(&t.name).any(|p| p.name != t.name)) =>
            {
                Some("cannot convert whole-row table reference".to_string())
            }
            A::GeneratedExpression { expr: None, .. } if c.inherited && c.generated.is_some() => {
                Some("cannot drop generation expression from inherited column".to_string())
            }
            A::GeneratedExpression { expr: None, .. }
                if at.only && !cat.inheritors(&t.name).is_empty() =>
            {
                Some(
                    "ALTER TABLE / DROP EXPRESSION must be applied to child tables too".to_string(),
                )
            }
            _ => None,
        };
        if why.is_some() {
            return why;
        }
    }
    None
}

/// A foreign key from or to `column` of `t` that its new type `ty` breaks: the
/// referencing side's type must compare with the referenced side's (observed on 15:
/// the key is re-made after the change and fails, e.g. between a number and a string,
/// or `numeric` referencing `bigint`). Only built-in types whose kind is certain are
/// judged.
fn key_across_types(
    cat: &Catalog,
    t: &super::Table,
    column: &str,
    ty: &crate::ops::TypeName,
) -> Option<String> {
    type_family(ty)?;
    // its own keys: it is the referencing side
    for c in &t.constraints {
        let ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } = &c.kind
        else {
            continue;
        };
        let Some(at) = columns.iter().position(|c| c == column) else {
            continue;
        };
        let Some(r) = cat.table(ref_table) else {
            continue;
        };
        let key: Vec<String> = if ref_columns.is_empty() {
            r.primary_key()
                .map(|pk| pk.kind.columns().to_vec())
                .unwrap_or_default()
        } else {
            ref_columns.clone()
        };
        if let Some(rc) = key.get(at).and_then(|k| r.column(k))
            && !key_types_compare(ty, &rc.ty)
        {
            return Some(c.name.clone());
        }
    }
    // keys that reference it: it is the referenced side
    let pk: Vec<String> = t
        .primary_key()
        .map(|pk| pk.kind.columns().to_vec())
        .unwrap_or_default();
    for (other, c) in cat.referencing(&t.name) {
        let ConstraintKind::ForeignKey {
            columns,
            ref_columns,
            ..
        } = &c.kind
        else {
            continue;
        };
        let key = if ref_columns.is_empty() {
            &pk
        } else {
            ref_columns
        };
        let Some(at) = key.iter().position(|k| k == column) else {
            continue;
        };
        if let Some(oc) = columns.get(at).and_then(|n| other.column(n))
            && !key_types_compare(&oc.ty, ty)
        {
            return Some(c.name.clone());
        }
    }
    None
}

/// A referencing column of type `fk` can reference one of type `pk` (`true` when not
/// certain): same family, or a number that widens implicitly (`integer` to `numeric`
/// or `float`, `numeric` to `float`; not back).
fn key_types_compare(fk: &crate::ops::TypeName, pk: &crate::ops::TypeName) -> bool {
    match (type_family(fk), type_family(pk)) {
        (Some(("number", f)), Some(("number", p))) => f <= p,
        (Some((f, _)), Some((p, _))) => f == p,
        _ => true,
    }
}

/// The family of a built-in type whose values compare only within it, with a rank for
/// numbers (0 integers, 1 `numeric`, 2 floating point): numbers, strings, `uuid`,
/// `boolean`; `None` for anything else (not judged).
fn type_family(t: &crate::ops::TypeName) -> Option<(&'static str, u8)> {
    if t.array_dims > 0 || t.schema.as_deref().is_some_and(|s| s != "pg_catalog") {
        return None;
    }
    Some(match t.name.to_ascii_lowercase().as_str() {
        "smallint" | "int2" | "integer" | "int" | "int4" | "bigint" | "int8" | "serial"
        | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2" => ("number", 0),
        "numeric" | "decimal" => ("number", 1),
        "real" | "float4" | "double precision" | "float8" | "float" => ("number", 2),
        "text" | "varchar" | "character varying" => ("string", 0),
        "uuid" => ("uuid", 0),
        "boolean" | "bool" => ("boolean", 0),
        _ => return None,
    })
}

/// A generated column of `t` other than `column` computes from `column`, and the
/// statement does not drop it first.
fn generated_users(
    t: &super::Table,
    column: &str,
    actions: &[crate::ops::AlterTableAction],
) -> bool {
    t.columns.iter().any(|g| {
        g.name != column
            && g.generated
                .as_ref()
                .is_some_and(|x| x.expr.columns.iter().any(|c| c == column))
            && !actions.iter().any(|a| {
                matches!(a, crate::ops::AlterTableAction::DropColumn { name, .. } if *name == g.name)
            })
    })
}

/// The column an `ALTER TABLE` action is about, if one.
fn action_column(a: &crate::ops::AlterTableAction) -> Option<&str> {
    use crate::ops::AlterTableAction as A;
    match a {
        A::AddColumn { column, .. } => Some(&column.name),
        A::DropColumn { name, .. } => Some(name),
        A::Identity { column, .. }
        | A::SetDefault { column, .. }
        | A::DropDefault { column }
        | A::SetNotNull { column }
        | A::DropNotNull { column }
        | A::AlterColumnType { column, .. }
        | A::GeneratedExpression { column, .. } => Some(column),
        A::RenameColumn { from, .. } => Some(from),
        _ => None,
    }
}

const IDENTITY_TYPE: &str = "identity column type must be smallint, integer, or bigint";

/// A type an identity column may have: `smallint`, `integer` or `bigint`, not a domain
/// over one (a type qualified with another schema than `pg_catalog` is not judged).
fn identity_type(ty: &crate::ops::TypeName) -> bool {
    let builtin = ty.schema.as_deref().is_none_or(|s| s == "pg_catalog");
    !builtin || (ty.array_dims == 0 && matches!(ty.name.as_str(), "int2" | "int4" | "int8"))
}

#[cfg(test)]
mod row_tests {
    #[test]
    fn a_row_constructor_is_told_from_a_cast_row() {
        assert!(super::is_row_constructor("(row(f1, f2))"));
        assert!(super::is_row_constructor("ROW (a, b)"));
        assert!(!super::is_row_constructor("(row(x, y)::test_type1)"));
        assert!(!super::is_row_constructor("(f1 || f2)"));
        assert!(!super::is_row_constructor("(row(a) = row(b))"));
        assert!(!super::is_row_constructor("rowcount(a)"));
    }
}
