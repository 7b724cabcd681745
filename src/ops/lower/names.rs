//! Folding sqlparser's identifiers and names the way PostgreSQL does.

use crate::ops::{ObjectName, TypeName};
use sqlparser::ast as sql;

/// One identifier: unquoted lowercased, quoted verbatim (the same folding as
/// [`crate::ops::names::fold_ident`]).
pub(crate) fn ident(i: &sql::Ident) -> String {
    crate::ops::names::fold(&i.value, i.quote_style.is_some())
}

/// The folded parts of a name, in order.
pub(crate) fn parts(name: &sql::ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            sql::ObjectNamePart::Identifier(i) => ident(i),
            sql::ObjectNamePart::Function(f) => ident(&f.name),
        })
        .collect()
}

/// `name`, `schema.name` or `db.schema.name` (the database is dropped).
pub(crate) fn object_name(name: &sql::ObjectName) -> ObjectName {
    split_name(parts(name))
}

/// The last part folded: for names PostgreSQL never qualifies (indexes, triggers,
/// new names after `RENAME TO`).
pub(crate) fn last(name: &sql::ObjectName) -> String {
    parts(name).pop().unwrap_or_default()
}

fn split_name(mut parts: Vec<String>) -> ObjectName {
    let name = parts.pop().unwrap_or_default();
    let schema = parts.pop();
    ObjectName { schema, name }
}

/// `schema.table.column` (or `table.column`): the table and the column.
pub(crate) fn table_and_column(name: &sql::ObjectName) -> (ObjectName, Option<String>) {
    let mut p = parts(name);
    if p.len() < 2 {
        return (split_name(p), None);
    }
    let column = p.pop();
    (split_name(p), column)
}

/// A column type, canonicalised.
pub(crate) fn type_name(dt: &sql::DataType) -> TypeName {
    TypeName::parse(&dt.to_string())
}
