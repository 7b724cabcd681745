//! Schema objects other than tables, as the rules about breaking changes see them: what
//! kind a statement names, the object's resolved name, and whether it existed before
//! this migration.

use super::Context;
use crate::catalog::{Catalog, Origin};
use crate::ops::ObjectName;
use crate::parse::split::{Tok, sql_tokens};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    View,
    MaterializedView,
    Type,
    Domain,
    Function,
    Procedure,
    Aggregate,
    Sequence,
    Schema,
    Extension,
    Index,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Type => "type",
            ObjectKind::Domain => "domain",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Index => "index",
        }
    }

    /// The SQL keywords of the kind (`MATERIALIZED VIEW`).
    pub fn keyword(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// Views and sequences are relations: they take locks and have a relation name.
    pub fn is_relation(self) -> bool {
        matches!(
            self,
            ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::Index
        )
    }
}

/// An object the catalog knows: its resolved name and the origin of each of its
/// definitions (a function name has one per overload).
pub struct Known {
    pub name: ObjectName,
    pub origins: Vec<Option<Origin>>,
}

impl Known {
    /// Some definition existed before this file (or transaction; see [`existed_before`]).
    pub fn existed_before(&self, cx: &Context) -> bool {
        self.origins.iter().any(|o| existed_before(cx, *o))
    }

    /// Some definition was created in file `index` (e.g. re-created after a drop).
    pub fn created_in(&self, index: usize) -> bool {
        self.origins.iter().flatten().any(|o| o.file == index)
    }
}

/// The object of `kind` that `name` denotes in `cat`, if the catalog knows it.
pub fn lookup(cat: &Catalog, kind: ObjectKind, name: &ObjectName) -> Option<Known> {
    let one = |name: &ObjectName, origin: Option<Origin>| Known {
        name: name.clone(),
        origins: vec![origin],
    };
    match kind {
        ObjectKind::View | ObjectKind::MaterializedView => {
            cat.view(name).map(|v| one(&v.name, v.origin))
        }
        ObjectKind::Type | ObjectKind::Domain => cat.type_def(name).map(|t| one(&t.name, t.origin)),
        ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate => {
            cat.function(name).map(|(key, overloads)| Known {
                name: key.clone(),
                origins: overloads.iter().map(|f| f.origin).collect(),
            })
        }
        ObjectKind::Sequence => cat.sequence(name).map(|s| one(&s.name, s.origin)),
        ObjectKind::Index => cat.index(name).map(|i| one(&i.name, i.origin)),
        ObjectKind::Schema => cat
            .schema_origin(&name.name)
            .map(|o| one(&ObjectName::unqualified(&name.name), o)),
        ObjectKind::Extension => cat
            .extension_origin(&name.name)
            .map(|o| one(&ObjectName::unqualified(&name.name), o)),
    }
}

/// The name to show for an object the catalog does not know: schemas and extensions
/// as written, anything else qualified the way PostgreSQL would look for it.
pub fn display_name(cat: &Catalog, kind: ObjectKind, name: &ObjectName) -> ObjectName {
    match kind {
        ObjectKind::Schema | ObjectKind::Extension => ObjectName::unqualified(&name.name),
        _ => cat.qualify_new(name),
    }
}

/// Whether an object created at `origin` existed before this file (before this
/// transaction, in a file of several transaction blocks): the test
/// [`Context::is_preexisting`] applies to relations. `None` is before the history.
pub fn existed_before(cx: &Context, origin: Option<Origin>) -> bool {
    match origin {
        None => true,
        Some(o) if o.file != cx.file.index => true,
        Some(o) => cx.file.several_transactions && o.transaction != cx.tx.id,
    }
}

/// The first `n` words of a statement, lowercased (comments skipped): tells `DROP
/// DOMAIN` from `DROP TYPE`, which lower to the same operation.
pub fn leading_words(text: &str, n: usize) -> Vec<String> {
    sql_tokens(text)
        .take_while(|t| t.kind == Tok::Word)
        .take(n)
        .filter_map(|t| text.get(t.start..t.end))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// `RENAME TO x` / `SET SCHEMA s` from the text of an `ALTER DOMAIN` (which the
/// operation model keeps as text): `(new name, new schema)`.
pub fn domain_rename_or_move(description: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = description.split_whitespace().collect();
    let ident = |w: &str| crate::ops::names::fold_ident(w.trim_end_matches(';'));
    match words.as_slice() {
        [r, t, name] if r.eq_ignore_ascii_case("rename") && t.eq_ignore_ascii_case("to") => {
            (Some(ident(name)), None)
        }
        [s, k, schema] if s.eq_ignore_ascii_case("set") && k.eq_ignore_ascii_case("schema") => {
            (None, Some(ident(schema)))
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_words_tell_domains_from_types() {
        assert_eq!(
            leading_words("drop /* old */ DOMAIN IF EXISTS d;", 2),
            vec!["drop", "domain"]
        );
        assert_eq!(leading_words("DROP TYPE t", 5), vec!["drop", "type", "t"]);
    }

    #[test]
    fn alter_domain_renames_and_moves_are_read_from_its_text() {
        assert_eq!(
            domain_rename_or_move("RENAME TO \"Email\""),
            (Some("Email".to_string()), None)
        );
        assert_eq!(
            domain_rename_or_move("set schema Archive"),
            (None, Some("archive".to_string()))
        );
        assert_eq!(domain_rename_or_move("DROP NOT NULL"), (None, None));
    }
}
