//! The names PostgreSQL chooses: automatic constraint and index names
//! (`ChooseConstraintName`, `ChooseRelationName`: `label1`, `label2`, ... when taken),
//! shortened to the identifier limit as `makeObjectName` does.

use super::*;

/// The name PostgreSQL gives a constraint added to `table`: its own, or the automatic
/// `<table>_<columns>_<pkey|key|check|fkey|excl>`.
pub fn constraint_name(table: &ObjectName, c: &OpConstraint) -> String {
    let (label, cols): (&str, Vec<String>) = match &c.kind {
        ConstraintKind::PrimaryKey { columns, .. } => ("pkey", columns.clone()),
        ConstraintKind::Unique { columns, .. } => {
            ("key", columns.iter().chain(&c.include).cloned().collect())
        }
        ConstraintKind::Check { expr, .. } => ("check", {
            let mut cols = expr.columns.clone();
            cols.dedup();
            if cols.len() == 1 { cols } else { Vec::new() }
        }),
        ConstraintKind::ForeignKey { columns, .. } => ("fkey", columns.clone()),
        ConstraintKind::Exclude { names, .. } => ("excl", names.clone()),
        ConstraintKind::NotNull { column } => ("not_null", vec![column.clone()]),
    };
    match &c.name {
        Some(n) => n.clone(),
        None if label == "pkey" => make_object_name(&table.name, None, label),
        None => {
            let addition = cols.join("_");
            let addition = (!addition.is_empty()).then_some(addition);
            make_object_name(&table.name, addition.as_deref(), label)
        }
    }
}

/// PostgreSQL's `ChooseRelationName` / `ChooseConstraintName`: `name1_name2_label`, and
/// while that is taken, `label1`, `label2`, ... in its place (the whole shortened to 63
/// bytes each time).
pub(in crate::catalog) fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut pass = 0u32;
    loop {
        let modified = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let name = make_object_name(name1, name2, &modified);
        if !taken(&name) {
            return name;
        }
        pass += 1;
    }
}

/// A relation (`pg_class`: table, index, sequence, view, composite type) named `name`
/// exists in `schema`.
pub(in crate::catalog) fn relation_name_taken(
    cat: &Catalog,
    schema: Option<&str>,
    name: &str,
) -> bool {
    let n = ObjectName::new(schema, name);
    cat.tables.contains_key(&n)
        || cat.indexes.contains_key(&n)
        || cat.sequences.contains_key(&n)
        || cat.views.contains_key(&n)
        || cat
            .types
            .get(&n)
            .is_some_and(|t| matches!(t.kind, TypeKind::Composite { .. }))
}

/// A constraint named `name` exists on some table of `schema` (constraint names an
/// automatic name must avoid are the schema's, not only the table's).
pub(super) fn constraint_name_taken(cat: &Catalog, schema: Option<&str>, name: &str) -> bool {
    cat.tables.constraint_named(schema, name)
}

/// The name PostgreSQL gives a constraint added to `table` now: its own; the index's
/// for `USING INDEX`; else the automatic one, made unique as PostgreSQL does. An index
/// backing it (primary key, unique, exclusion) is named by `ChooseRelationName`, which
/// avoids the schema's relation and constraint names; a CHECK or foreign key by
/// `ChooseConstraintName`, which avoids the schema's constraint names.
pub(super) fn choose_constraint_name(
    cat: &Catalog,
    table: &ObjectName,
    c: &OpConstraint,
) -> String {
    if let Some(n) = &c.name {
        return n.clone();
    }
    if let ConstraintKind::PrimaryKey {
        using_index: Some(i),
        ..
    }
    | ConstraintKind::Unique {
        using_index: Some(i),
        ..
    } = &c.kind
    {
        return i.clone();
    }
    let first = constraint_name(table, c);
    let schema = table.schema.as_deref();
    let backed = matches!(
        c.kind,
        ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclude { .. }
    );
    let taken = |n: &str| {
        (backed && relation_name_taken(cat, schema, n)) || constraint_name_taken(cat, schema, n)
    };
    if !taken(&first) {
        return first;
    }
    let (label, cols): (&str, Vec<String>) = match &c.kind {
        ConstraintKind::PrimaryKey { .. } => ("pkey", Vec::new()),
        ConstraintKind::Unique { columns, .. } => ("key", columns.clone()),
        ConstraintKind::Exclude { names, .. } => ("excl", names.clone()),
        ConstraintKind::ForeignKey { columns, .. } => ("fkey", columns.clone()),
        ConstraintKind::NotNull { column } => ("not_null", vec![column.clone()]),
        ConstraintKind::Check { expr, .. } => ("check", {
            let mut cols = expr.columns.clone();
            cols.dedup();
            if cols.len() == 1 { cols } else { Vec::new() }
        }),
    };
    let addition = cols.join("_");
    let addition = (!addition.is_empty()).then_some(addition);
    choose_name(&table.name, addition.as_deref(), label, taken)
}

/// An index key as the catalog stores it: the column, or the expression in parentheses.
pub(super) fn index_key_text(key: &IndexKey) -> String {
    match key {
        IndexKey::Column(c) => c.clone(),
        IndexKey::Expression(e) => format!("({})", e.text),
    }
}

/// The name PostgreSQL gives an index expression's column (`FigureIndexColname`): the
/// function's name for a function call (`lower(email)` -> `lower`), a column through a
/// cast (`(c::circle)` -> `c`), else `expr`.
pub(in crate::catalog) fn expression_column_name(text: &str) -> String {
    crate::ops::names::figure_colname(text).unwrap_or_else(|| "expr".to_string())
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of the two
/// names first so that the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while n > 0 && !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}
