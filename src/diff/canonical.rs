//! One [`Catalog`] in canonical form: every object with the attributes `diff` compares,
//! in one spelling whichever way the catalog was built (replayed migrations, a schema
//! dump, or a live database), and its canonical DDL for the unified diff.
//!
//! Rules (beside the expression rules of [`crate::ops::canonical`]):
//! 1. types in one spelling ([`TypeName::spelling`]); user-defined types qualified with
//!    their schema, types unknown to the catalog (extensions') unqualified when their
//!    schema is on the search path;
//! 2. a column of type `char`/`bit` without length is `char(1)`/`bit(1)`, as PostgreSQL
//!    stores it;
//! 3. a default of `NULL` is no default;
//! 4. a foreign key names its table qualified and its referenced columns (the primary
//!    key's when the statement left them out); `ON DELETE/UPDATE NO ACTION` is the
//!    default and not printed;
//! 5. constraints and indexes are sorted by name, columns keep their table order;
//! 6. an index backing a primary key, unique or exclusion constraint is part of the
//!    constraint, not an index of its own (so its name never differs on its own);
//! 7. btree is the default index method, printed `USING btree` always;
//! 8. constraints and indexes a partition (or inheriting table) has because its parent
//!    has them are the parent's, not the partition's;
//! 9. validated `NOT NULL` constraints (PostgreSQL 18) are the column's nullability;
//! 10. sequences behind identity columns are part of the column;
//! 11. a function is named by its argument types, in one spelling; a function without
//!     declared volatility is `VOLATILE`;
//! 12. trigger events in PostgreSQL's order, trigger functions qualified;
//! 13. migration frameworks' history tables (and what hangs off them) and names matched
//!     by `--exclude` are left out, on both sides;
//! 14. a column's default and generation expression are read with the column's type:
//!     a bare literal is the constant PostgreSQL stores (`DEFAULT 'f'` on a boolean is
//!     `false`; expression rule 15), and expressions of a table resolve its columns'
//!     types and its own name (expression rules 16, 17 and 19);
//! 15. an `INHERITS` child has all its columns, its parents' first, as PostgreSQL keeps
//!     them (replay gives a child its parents' columns; so does introspection);
//! 16. a schema holding objects exists, whether or not a migration created it (set-up
//!     SQL outside the history often does).

use crate::catalog::{Catalog, Constraint, Index, Table, TableKind, TypeKind};
use crate::ops::canonical::{NameContext, canonical_expr, is_null_literal};
use crate::ops::names::quote_ident;
use crate::ops::{ConstraintKind, IdentityKind, ObjectName, Persistence, TypeName};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What kind of schema object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Type,
    Function,
    Table,
    Column,
    Constraint,
    Index,
    Trigger,
    Sequence,
    View,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Type => "type",
            ObjectKind::Function => "function",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Sequence => "sequence",
            ObjectKind::View => "view",
        }
    }

    /// Objects that live on a table (listed under it).
    pub fn is_part_of_table(self) -> bool {
        matches!(
            self,
            ObjectKind::Column | ObjectKind::Constraint | ObjectKind::Index | ObjectKind::Trigger
        )
    }
}

/// Where an object sorts: by its group (the table it belongs to, or itself), then kind
/// and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The kind of the group's head (a table for its columns).
    pub group_kind: ObjectKind,
    pub group: String,
    pub kind: ObjectKind,
    pub name: String,
}

/// One compared property of an object; `None` when the object has none (no default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    pub value: Option<String>,
    /// `false` when this side does not know it (a view's columns replay could not see).
    pub known: bool,
}

fn attr(name: &'static str, value: Option<String>) -> Attribute {
    Attribute {
        name,
        value,
        known: true,
    }
}

/// One object, canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub kind: ObjectKind,
    /// Printable, qualified where PostgreSQL qualifies it: `public.users`, a column
    /// `public.users.email`, an index `public.users_email_key`; a constraint or trigger
    /// by its own name (it lives on `table`).
    pub name: String,
    /// The table a column, constraint, index or trigger belongs to.
    pub table: Option<String>,
    pub attributes: Vec<Attribute>,
    /// Its canonical DDL: a statement, or for a column, constraint or trigger the line
    /// it has in its table's block.
    pub ddl: String,
    /// The definition without the name: two objects of one table with the same
    /// signature but different names are one object renamed.
    pub signature: Option<String>,
    /// A table's columns in order (for "column order" changes).
    pub column_order: Vec<String>,
    /// A table whose columns this side does not all know (`CREATE TABLE AS`, `LIKE` a
    /// table the migrations never created, a table they only alter).
    pub columns_incomplete: bool,
    /// A table the migrations only alter and never create: they assume it exists. The
    /// other side lacking it is no difference the migrations made (there, the
    /// statements that assumed it failed).
    pub assumed: bool,
}

/// A catalog in canonical form.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub objects: BTreeMap<Key, Object>,
    /// Per group, its canonical DDL block (a table with its constraints, indexes and
    /// triggers; any other object alone).
    pub blocks: BTreeMap<(ObjectKind, String), String>,
    /// Objects left out (history tables, `--exclude`), printable.
    pub excluded: Vec<String>,
}

pub use crate::source::framework::HISTORY_TABLES;

/// What to leave out: framework history tables (unless `keep_history`) and names that
/// match an `--exclude` pattern (`*` matches any run of characters; a pattern without a
/// dot matches the unqualified name).
#[derive(Clone, Debug, Default)]
pub struct Exclusions {
    pub patterns: Vec<String>,
    pub keep_history: bool,
}

impl Exclusions {
    pub fn excludes(&self, name: &ObjectName) -> bool {
        if !self.keep_history
            && name.schema.as_deref() != Some("pg_catalog")
            && HISTORY_TABLES.contains(&name.name.as_str())
        {
            return true;
        }
        let qualified = format!(
            "{}.{}",
            name.schema.as_deref().unwrap_or("public"),
            name.name
        );
        self.patterns.iter().any(|p| {
            if p.contains('.') {
                glob(p, &qualified)
            } else {
                glob(p, &name.name)
            }
        })
    }
}

impl Exclusions {
    /// A schema is left out by its own name, or by `name.*`.
    pub fn excludes_schema(&self, schema: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| glob(p, schema) || p.strip_suffix(".*").is_some_and(|s| glob(s, schema)))
    }
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Resolves names in one catalog, for expressions of one table.
struct Names<'c> {
    cat: &'c Catalog,
    table: Option<&'c Table>,
}

impl NameContext for Names<'_> {
    fn column_type(&self, column: &str) -> Option<TypeName> {
        self.table
            .and_then(|t| t.column(column))
            .map(|c| c.ty.clone())
    }

    fn relation(&self, name: &ObjectName) -> ObjectName {
        self.cat.resolve_relation(name)
    }

    fn function(&self, name: &ObjectName) -> ObjectName {
        if name.schema.is_some() {
            return name.clone();
        }
        match self.cat.function(name) {
            Some((key, _)) => key.clone(),
            None => name.clone(),
        }
    }

    fn type_spelling(&self, ty: &TypeName) -> String {
        type_spelling(self.cat, ty)
    }

    fn keeps_bare_literals(&self, ty: &TypeName) -> bool {
        self.cat
            .type_def(&ObjectName::new(ty.schema.as_deref(), &ty.name))
            .is_some_and(|t| matches!(t.kind, TypeKind::Composite { .. }))
    }

    fn domain_base(&self, ty: &TypeName) -> Option<TypeName> {
        if ty.array_dims != 0 {
            return None;
        }
        match &self
            .cat
            .type_def(&ObjectName::new(ty.schema.as_deref(), &ty.name))?
            .kind
        {
            TypeKind::Domain { base, .. } => Some(base.clone()),
            _ => None,
        }
    }

    fn table_name(&self) -> Option<ObjectName> {
        self.table.map(|t| t.name.clone())
    }
}

/// Rule 1.
fn type_spelling(cat: &Catalog, ty: &TypeName) -> String {
    if ty.schema.is_none() && ty.is_builtin() {
        return ty.spelling();
    }
    let name = ObjectName::new(ty.schema.as_deref(), &ty.name);
    let mut resolved = ty.clone();
    match cat.type_def(&name) {
        Some(t) => resolved.schema.clone_from(&t.name.schema),
        None => {
            if ty
                .schema
                .as_ref()
                .is_some_and(|s| cat.search_path.contains(s))
            {
                resolved.schema = None;
            }
        }
    }
    resolved.spelling()
}

/// Rule 2: a column's type as PostgreSQL stores it.
fn column_type_spelling(cat: &Catalog, ty: &TypeName) -> String {
    let mut ty = ty.clone();
    if matches!(ty.name.as_str(), "bpchar" | "bit")
        && ty.schema.is_none()
        && ty.modifiers.is_empty()
    {
        ty.modifiers = vec![1];
    }
    type_spelling(cat, &ty)
}

fn expr(cat: &Catalog, table: Option<&Table>, text: &str, target: Option<&TypeName>) -> String {
    canonical_expr(text, &Names { cat, table }, target)
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A constraint's definition (without name and validation), rule 4.
fn constraint_definition(cat: &Catalog, table: &Table, c: &Constraint) -> String {
    match &c.kind {
        ConstraintKind::PrimaryKey { columns, .. } => {
            format!("PRIMARY KEY ({})", ident_list(columns))
        }
        ConstraintKind::Unique {
            columns,
            nulls_not_distinct,
            ..
        } => format!(
            "UNIQUE{} ({})",
            if *nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            },
            ident_list(columns)
        ),
        ConstraintKind::Check {
            expr: e,
            no_inherit,
        } => format!(
            "CHECK ({}){}",
            expr(cat, Some(table), &e.text, None),
            if *no_inherit { " NO INHERIT" } else { "" }
        ),
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
            ..
        } => {
            let target = cat.resolve_relation(ref_table);
            let ref_columns = if ref_columns.is_empty() {
                cat.tables
                    .get(&target)
                    .and_then(Table::primary_key)
                    .map(|pk| pk.kind.columns().to_vec())
                    .unwrap_or_default()
            } else {
                ref_columns.clone()
            };
            let mut s = format!("FOREIGN KEY ({}) REFERENCES {target}", ident_list(columns));
            if !ref_columns.is_empty() {
                s.push_str(&format!(" ({})", ident_list(&ref_columns)));
            }
            for (what, action) in [("DELETE", on_delete), ("UPDATE", on_update)] {
                let action = action.as_deref().map(|a| {
                    a.split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_ascii_uppercase()
                });
                if let Some(a) = action.filter(|a| a != "NO ACTION") {
                    s.push_str(&format!(" ON {what} {a}"));
                }
            }
            s
        }
        ConstraintKind::Exclude { columns, using, .. } => format!(
            "EXCLUDE USING {} ({})",
            using.as_deref().unwrap_or("gist").to_ascii_lowercase(),
            ident_list(columns)
        ),
        ConstraintKind::NotNull { column } => format!("NOT NULL {}", quote_ident(column)),
    }
}

/// Rule 8: the parents a table takes constraints and indexes from.
fn parents<'c>(cat: &'c Catalog, t: &Table) -> Vec<&'c Table> {
    t.partition_of
        .iter()
        .chain(&t.inherits)
        .filter_map(|p| cat.tables.get(&cat.resolve_relation(p)))
        .collect()
}

/// An index's definition without its name (rules 7 and 8).
fn index_definition(cat: &Catalog, i: &Index) -> String {
    let table = cat.tables.get(&i.table);
    let keys: Vec<String> = i
        .columns
        .iter()
        .map(|k| {
            if k.starts_with('(') {
                format!("({})", expr(cat, table, k, None))
            } else {
                quote_ident(k)
            }
        })
        .collect();
    let mut s = format!(
        "{}INDEX ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        cat.resolve_relation(&i.table),
        i.method.as_deref().unwrap_or("btree").to_ascii_lowercase(),
        keys.join(", ")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", expr(cat, table, &p.text, None)));
    }
    s
}

/// Canonical form of `cat`.
pub fn canonicalize(cat: &Catalog, exclusions: &Exclusions) -> Schema {
    let mut out = Schema::default();
    let mut excluded_tables = Vec::new();
    let exclude = |name: &ObjectName, kind: ObjectKind, out: &mut Schema| -> bool {
        let hit = exclusions.excludes(name);
        if hit {
            out.excluded.push(format!("{} {name}", kind.as_str()));
        }
        hit
    };

    // a schema that holds objects exists, created by the history or not (set-up SQL, a
    // database's own schemas): the migrations would not have run without it
    let mut schemas: std::collections::BTreeSet<&str> =
        cat.schemas.iter().map(String::as_str).collect();
    let holders = cat
        .tables
        .keys()
        .chain(cat.views.keys())
        .chain(cat.indexes.keys())
        .chain(cat.sequences.keys())
        .chain(cat.types.keys())
        .chain(cat.functions.keys());
    schemas.extend(
        holders
            .filter_map(|n| n.schema.as_deref())
            .filter(|s| !matches!(*s, "pg_catalog" | "pg_temp" | "information_schema")),
    );
    for s in schemas {
        let name = ObjectName::unqualified(s);
        if exclusions.excludes_schema(s) {
            out.excluded.push(format!("schema {name}"));
            continue;
        }
        add(
            &mut out,
            Object {
                kind: ObjectKind::Schema,
                name: quote_ident(s),
                table: None,
                attributes: Vec::new(),
                ddl: format!("CREATE SCHEMA {name};"),
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    for e in &cat.extensions {
        add(
            &mut out,
            Object {
                kind: ObjectKind::Extension,
                name: quote_ident(e),
                table: None,
                attributes: Vec::new(),
                ddl: format!("CREATE EXTENSION {};", quote_ident(e)),
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    for (name, t) in &cat.types {
        if exclude(name, ObjectKind::Type, &mut out) {
            continue;
        }
        let (kind, detail, ddl) = match &t.kind {
            TypeKind::Enum { values } => {
                let list = values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    "enum",
                    Some(list.clone()),
                    format!("CREATE TYPE {name} AS ENUM ({list});"),
                )
            }
            TypeKind::Domain { base, .. } => {
                let base = type_spelling(cat, base);
                (
                    "domain",
                    Some(base.clone()),
                    format!("CREATE DOMAIN {name} AS {base};"),
                )
            }
            TypeKind::Composite { .. } => {
                ("composite", None, format!("CREATE TYPE {name} AS (...);"))
            }
            TypeKind::Range => ("range", None, format!("CREATE TYPE {name} AS RANGE (...);")),
            TypeKind::Other => ("other", None, format!("CREATE TYPE {name};")),
        };
        let detail_name = if kind == "enum" {
            "values"
        } else {
            "base type"
        };
        let mut attributes = vec![attr("kind", Some(kind.to_string()))];
        if detail.is_some() {
            attributes.push(attr(detail_name, detail));
        }
        add(
            &mut out,
            Object {
                kind: ObjectKind::Type,
                name: name.to_string(),
                table: None,
                attributes,
                ddl,
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    for (name, overloads) in &cat.functions {
        if exclude(name, ObjectKind::Function, &mut out) {
            continue;
        }
        for f in overloads {
            let args: Vec<String> = f
                .args
                .iter()
                .map(|a| type_spelling(cat, &TypeName::parse(a)))
                .collect();
            let volatility = f
                .volatility
                .as_deref()
                .unwrap_or("volatile")
                .to_ascii_uppercase();
            let returns = if f.returns_trigger { "trigger" } else { "..." };
            let signature = format!("{name}({})", args.join(", "));
            add(
                &mut out,
                Object {
                    kind: ObjectKind::Function,
                    name: signature.clone(),
                    table: None,
                    attributes: vec![
                        attr("volatility", Some(volatility.clone())),
                        attr("returns trigger", Some(f.returns_trigger.to_string())),
                    ],
                    ddl: format!("CREATE FUNCTION {signature} RETURNS {returns} {volatility};"),
                    signature: None,
                    column_order: Vec::new(),
                    columns_incomplete: false,
                    assumed: false,
                },
            );
        }
    }
    for (name, t) in &cat.tables {
        if exclude(name, ObjectKind::Table, &mut out) {
            excluded_tables.push(name.clone());
            continue;
        }
        add_table(&mut out, cat, t);
    }
    let mut by_table: HashMap<&ObjectName, Vec<&Index>> = HashMap::new();
    for i in cat.indexes.values() {
        by_table.entry(&i.table).or_default().push(i);
    }
    let excluded_tables: HashSet<ObjectName> = excluded_tables.into_iter().collect();
    for (name, i) in cat.indexes.iter() {
        if excluded_tables.contains(&i.table) || exclusions.excludes(name) {
            continue;
        }
        add_index(&mut out, cat, &by_table, i);
    }
    for (name, s) in &cat.sequences {
        let owner = s.owned_by.as_ref();
        if owner.is_some_and(|(t, _)| excluded_tables.contains(t)) {
            continue;
        }
        if exclude(name, ObjectKind::Sequence, &mut out) {
            continue;
        }
        // rule 10
        let identity = owner.is_some_and(|(t, c)| {
            cat.tables
                .get(t)
                .and_then(|t| t.column(c))
                .is_some_and(|c| c.identity.is_some())
        });
        if identity {
            continue;
        }
        let owned_by =
            owner.map(|(t, c)| format!("{}.{}", cat.resolve_relation(t), quote_ident(c)));
        let mut ddl = format!("CREATE SEQUENCE {name}");
        if let Some(o) = &owned_by {
            ddl.push_str(&format!(" OWNED BY {o}"));
        }
        ddl.push(';');
        add(
            &mut out,
            Object {
                kind: ObjectKind::Sequence,
                name: name.to_string(),
                table: None,
                attributes: vec![attr("owned by", owned_by)],
                ddl,
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    for (name, v) in &cat.views {
        if exclude(name, ObjectKind::View, &mut out) {
            continue;
        }
        let columns = ident_list(&v.columns);
        let kind = if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        add(
            &mut out,
            Object {
                kind: ObjectKind::View,
                name: name.to_string(),
                table: None,
                attributes: vec![
                    attr("materialized", Some(v.materialized.to_string())),
                    Attribute {
                        name: "columns",
                        value: Some(columns.clone()),
                        known: !v.columns.is_empty(),
                    },
                ],
                ddl: format!("CREATE {kind} {name} ({columns}) AS ...;"),
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    build_blocks(&mut out);
    out
}

fn group_of(o: &Object) -> (ObjectKind, String) {
    match &o.table {
        Some(t) => (ObjectKind::Table, t.clone()),
        None => (o.kind, o.name.clone()),
    }
}

fn add(out: &mut Schema, o: Object) {
    let (group_kind, group) = group_of(&o);
    out.objects.insert(
        Key {
            group_kind,
            group,
            kind: o.kind,
            name: o.name.clone(),
        },
        o,
    );
}

fn add_table(out: &mut Schema, cat: &Catalog, t: &Table) {
    let tname = t.name.to_string();
    let kind = match t.kind {
        TableKind::Regular => "regular",
        TableKind::Partitioned => "partitioned",
        TableKind::Foreign => "foreign",
    };
    let persistence = match t.persistence {
        Persistence::Permanent => "permanent",
        Persistence::Unlogged => "unlogged",
        Persistence::Temporary => "temporary",
    };
    let partition_of = t
        .partition_of
        .as_ref()
        .map(|p| cat.resolve_relation(p).to_string());
    let partition_key = (!t.partition_key.is_empty()).then(|| {
        t.partition_key
            .iter()
            .map(|k| {
                if k.starts_with('(') {
                    format!("({})", expr(cat, Some(t), k, None))
                } else {
                    quote_ident(k)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let inherits = (!t.inherits.is_empty()).then(|| {
        t.inherits
            .iter()
            .map(|p| cat.resolve_relation(p).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut head = String::from("CREATE ");
    match t.persistence {
        Persistence::Unlogged => head.push_str("UNLOGGED "),
        Persistence::Temporary => head.push_str("TEMPORARY "),
        Persistence::Permanent => {}
    }
    if t.kind == TableKind::Foreign {
        head.push_str("FOREIGN ");
    }
    head.push_str(&format!("TABLE {tname}"));
    let mut tail = String::new();
    if let Some(p) = &partition_of {
        tail.push_str(&format!(
            " PARTITION OF {p}{}",
            if t.default_partition { " DEFAULT" } else { "" }
        ));
    }
    if let Some(i) = &inherits {
        tail.push_str(&format!(" INHERITS ({i})"));
    }
    if let Some(k) = &partition_key {
        tail.push_str(&format!(" PARTITION BY ({k})"));
    }
    add(
        out,
        Object {
            kind: ObjectKind::Table,
            name: tname.clone(),
            table: None,
            attributes: vec![
                attr("kind", Some(kind.to_string())),
                attr("persistence", Some(persistence.to_string())),
                attr("partition of", partition_of),
                attr("default partition", Some(t.default_partition.to_string())),
                attr("partition key", partition_key),
                attr("inherits", inherits),
            ],
            // the block builder puts columns and constraints between head and tail
            ddl: format!("{head}\n{tail}"),
            signature: None,
            column_order: t.columns.iter().map(|c| c.name.clone()).collect(),
            columns_incomplete: !t.columns_complete,
            assumed: t.assumed,
        },
    );
    for c in &t.columns {
        let ty = column_type_spelling(cat, &c.ty);
        let default = c
            .default
            .as_ref()
            .filter(|d| !is_null_literal(&d.text))
            .map(|d| expr(cat, Some(t), &d.text, Some(&c.ty)));
        let generated = c.generated.as_ref().map(|g| {
            format!(
                "({}) {}",
                expr(cat, Some(t), &g.expr.text, Some(&c.ty)),
                if g.stored { "STORED" } else { "VIRTUAL" }
            )
        });
        let identity = c.identity.map(|k| match k {
            IdentityKind::Always => "ALWAYS".to_string(),
            IdentityKind::ByDefault => "BY DEFAULT".to_string(),
        });
        let mut line = format!("{} {ty}", quote_ident(&c.name));
        if let Some(i) = &identity {
            line.push_str(&format!(" GENERATED {i} AS IDENTITY"));
        }
        if let Some(g) = &generated {
            line.push_str(&format!(" GENERATED ALWAYS AS {g}"));
        }
        if let Some(d) = &default {
            line.push_str(&format!(" DEFAULT {d}"));
        }
        if c.not_null {
            line.push_str(" NOT NULL");
        }
        add(
            out,
            Object {
                kind: ObjectKind::Column,
                name: format!("{tname}.{}", quote_ident(&c.name)),
                table: Some(tname.clone()),
                attributes: vec![
                    attr("type", Some(ty)),
                    attr(
                        "nullability",
                        Some(if c.not_null { "NOT NULL" } else { "NULL" }.to_string()),
                    ),
                    attr("default", default),
                    attr("generated", generated),
                    attr("identity", identity),
                ],
                ddl: line,
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    let parent_definitions: HashSet<String> = parents(cat, t)
        .iter()
        .flat_map(|p| {
            p.constraints
                .iter()
                .map(|pc| constraint_definition(cat, p, pc))
        })
        .collect();
    for c in &t.constraints {
        // rule 9
        if c.validated && matches!(c.kind, ConstraintKind::NotNull { .. }) {
            continue;
        }
        let definition = constraint_definition(cat, t, c);
        // rule 8
        if parent_definitions.contains(&definition) {
            continue;
        }
        let not_valid = if c.validated { "" } else { " NOT VALID" };
        add(
            out,
            Object {
                kind: ObjectKind::Constraint,
                name: quote_ident(&c.name),
                table: Some(tname.clone()),
                attributes: vec![
                    attr("definition", Some(definition.clone())),
                    attr(
                        "validity",
                        Some(if c.validated { "VALID" } else { "NOT VALID" }.to_string()),
                    ),
                ],
                ddl: format!(
                    "CONSTRAINT {} {definition}{not_valid}",
                    quote_ident(&c.name)
                ),
                signature: Some(format!("{definition}{not_valid}")),
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
    for (name, tr) in &t.triggers {
        let events: Vec<&str> = ["insert", "update", "delete", "truncate"]
            .into_iter()
            .filter(|e| tr.events.iter().any(|x| x.eq_ignore_ascii_case(e)))
            .collect();
        let events = events
            .iter()
            .map(|e| e.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(" OR ");
        let function = tr.function.as_ref().map(|f| {
            Names {
                cat,
                table: Some(t),
            }
            .function(f)
            .to_string()
        });
        add(
            out,
            Object {
                kind: ObjectKind::Trigger,
                name: quote_ident(name),
                table: Some(tname.clone()),
                attributes: vec![
                    attr("events", Some(events.clone())),
                    attr("function", function.clone()),
                ],
                ddl: format!(
                    "TRIGGER {} ON {events} EXECUTE FUNCTION {}()",
                    quote_ident(name),
                    function.as_deref().unwrap_or("?")
                ),
                signature: None,
                column_order: Vec::new(),
                columns_incomplete: false,
                assumed: false,
            },
        );
    }
}

fn add_index(
    out: &mut Schema,
    cat: &Catalog,
    by_table: &HashMap<&ObjectName, Vec<&Index>>,
    i: &Index,
) {
    let table = cat.tables.get(&i.table);
    // rule 6
    let backs_constraint = table.is_some_and(|t| {
        t.constraints.iter().any(|c| {
            matches!(
                c.kind,
                ConstraintKind::PrimaryKey { .. }
                    | ConstraintKind::Unique { .. }
                    | ConstraintKind::Exclude { .. }
            ) && (c.index.as_deref() == Some(i.name.name.as_str()) || c.name == i.name.name)
        })
    });
    if backs_constraint {
        return;
    }
    let definition = index_definition(cat, i);
    // rule 8: the partition's copy of its parent's index
    if let Some(t) = table {
        let inherited = parents(cat, t).iter().any(|p| {
            by_table.get(&p.name).is_some_and(|indexes| {
                indexes.iter().any(|pi| {
                    let mut copy = (*pi).clone();
                    copy.table = t.name.clone();
                    index_definition(cat, &copy) == definition
                })
            })
        });
        if inherited {
            return;
        }
    }
    let table_name = cat.resolve_relation(&i.table).to_string();
    let ddl = definition.replacen(
        "INDEX ON",
        &format!("INDEX {} ON", quote_ident(&i.name.name)),
        1,
    );
    add(
        out,
        Object {
            kind: ObjectKind::Index,
            name: i.name.to_string(),
            table: Some(table_name),
            attributes: vec![
                attr("definition", Some(definition.clone())),
                attr(
                    "validity",
                    Some(if i.valid { "VALID" } else { "INVALID" }.to_string()),
                ),
            ],
            ddl: format!("CREATE {ddl};{}", if i.valid { "" } else { " -- INVALID" }),
            signature: Some(format!("{definition} {}", i.valid)),
            column_order: Vec::new(),
            columns_incomplete: false,
            assumed: false,
        },
    );
}

/// The DDL block of every group: a table with its columns, constraints, indexes and
/// triggers; any other object alone.
fn build_blocks(out: &mut Schema) {
    let mut blocks: BTreeMap<(ObjectKind, String), String> = BTreeMap::new();
    let mut tables: BTreeMap<String, Vec<&Object>> = BTreeMap::new();
    for o in out.objects.values() {
        match &o.table {
            Some(t) => tables.entry(t.clone()).or_default().push(o),
            None if o.kind == ObjectKind::Table => {
                tables.entry(o.name.clone()).or_default();
            }
            None => {
                blocks.insert((o.kind, o.name.clone()), format!("{}\n", o.ddl));
            }
        }
    }
    for (name, parts) in tables {
        let head = out.objects.get(&Key {
            group_kind: ObjectKind::Table,
            group: name.clone(),
            kind: ObjectKind::Table,
            name: name.clone(),
        });
        let mut text = String::new();
        let of = |k: ObjectKind| parts.iter().filter(move |o| o.kind == k);
        match head {
            Some(h) => {
                let (start, tail) = h.ddl.split_once('\n').unwrap_or((h.ddl.as_str(), ""));
                let columns: HashMap<&str, &str> = of(ObjectKind::Column)
                    .map(|o| (o.name.as_str(), o.ddl.as_str()))
                    .collect();
                let mut lines: Vec<String> = h
                    .column_order
                    .iter()
                    .filter_map(|c| {
                        columns
                            .get(format!("{name}.{}", quote_ident(c)).as_str())
                            .map(|d| d.to_string())
                    })
                    .collect();
                lines.extend(of(ObjectKind::Constraint).map(|o| o.ddl.clone()));
                text.push_str(start);
                text.push_str(" (\n");
                let n = lines.len();
                for (k, l) in lines.into_iter().enumerate() {
                    text.push_str("    ");
                    text.push_str(&l);
                    if k + 1 < n {
                        text.push(',');
                    }
                    text.push('\n');
                }
                text.push(')');
                text.push_str(tail);
                text.push_str(";\n");
            }
            None => {
                // indexes of a view or of a table left out: listed alone
                text.push_str(&format!("-- on {name}\n"));
            }
        }
        for o in of(ObjectKind::Index) {
            text.push_str(&o.ddl);
            text.push('\n');
        }
        for o in of(ObjectKind::Trigger) {
            text.push_str(&format!("-- {}\n", o.ddl));
        }
        blocks.insert((ObjectKind::Table, name), text);
    }
    out.blocks = blocks;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Origin, replay};

    fn replay_sql(sql: &str) -> Catalog {
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(sql).statements {
            replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        cat
    }

    fn schema(sql: &str) -> Schema {
        canonicalize(&replay_sql(sql), &Exclusions::default())
    }

    #[test]
    fn globs_match_like_shell_patterns() {
        assert!(glob("audit_*", "audit_log"));
        assert!(glob("*_log", "audit_log"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("public.*", "public.users"));
        let ex = Exclusions {
            patterns: vec!["tmp_*".into()],
            keep_history: false,
        };
        assert!(ex.excludes(&ObjectName::new(Some("public"), "tmp_x")));
        assert!(ex.excludes(&ObjectName::new(Some("public"), "schema_migrations")));
        assert!(!ex.excludes(&ObjectName::new(Some("public"), "users")));
        let ex = Exclusions {
            patterns: vec!["audit.*".into()],
            keep_history: true,
        };
        assert!(ex.excludes_schema("audit"));
        assert!(ex.excludes(&ObjectName::new(Some("audit"), "log")));
        assert!(!ex.excludes_schema("public"));
        assert!(!ex.excludes(&ObjectName::new(Some("public"), "schema_migrations")));
    }

    #[test]
    fn spellings_that_postgres_and_people_write_differently_are_one() {
        let by_hand = schema(
            "CREATE TYPE mood AS ENUM ('ok');\n\
             CREATE TABLE users (id BIGINT PRIMARY KEY, email character varying(255) NOT NULL, \
               at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, doc jsonb DEFAULT '{}', \
               m mood DEFAULT 'ok', n int CHECK (n BETWEEN 1 AND 100));\n\
             CREATE TABLE orders (id int8, user_id bigint REFERENCES users);",
        );
        let as_printed = schema(
            "CREATE TYPE public.mood AS ENUM ('ok');\n\
             CREATE TABLE public.users (id int8 NOT NULL, email varchar(255) NOT NULL, \
               at timestamptz DEFAULT now(), doc jsonb DEFAULT '{}'::jsonb, \
               m public.mood DEFAULT 'ok'::public.mood, n integer, \
               CONSTRAINT users_n_check CHECK (((n >= 1) AND (n <= 100))));\n\
             ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n\
             CREATE TABLE public.orders (id bigint, user_id int8);\n\
             ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_user_id_fkey \
               FOREIGN KEY (user_id) REFERENCES public.users(id);",
        );
        let a: Vec<_> = by_hand.objects.values().collect();
        let b: Vec<_> = as_printed.objects.values().collect();
        assert_eq!(a, b);
        assert_eq!(by_hand.blocks, as_printed.blocks);
        let users = &by_hand.blocks[&(ObjectKind::Table, "public.users".to_string())];
        assert!(users.contains("email varchar(255) NOT NULL"), "{users}");
        assert!(users.contains("at timestamptz DEFAULT now()"), "{users}");
        assert!(users.contains("m public.mood DEFAULT 'ok'"), "{users}");
        assert!(users.contains("CHECK (n >= 1 AND n <= 100)"), "{users}");
        let orders = &by_hand.blocks[&(ObjectKind::Table, "public.orders".to_string())];
        assert!(orders.contains("REFERENCES public.users (id)"), "{orders}");
    }

    #[test]
    fn constraint_backed_indexes_and_identity_sequences_are_part_of_their_owner() {
        let s = schema(
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             code text UNIQUE, n serial);\nCREATE INDEX t_n_idx ON t (n);",
        );
        let kinds: Vec<(ObjectKind, &str)> = s
            .objects
            .values()
            .filter(|o| matches!(o.kind, ObjectKind::Index | ObjectKind::Sequence))
            .map(|o| (o.kind, o.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (ObjectKind::Index, "public.t_n_idx"),
                (ObjectKind::Sequence, "public.t_n_seq")
            ]
        );
    }

    #[test]
    fn a_null_default_is_no_default() {
        let a = schema("CREATE TABLE t (a text DEFAULT NULL);");
        let b = schema("CREATE TABLE t (a text);");
        assert_eq!(a.blocks, b.blocks);
    }

    #[test]
    fn replayed_forms_match_what_a_dump_of_the_same_schema_says() {
        // PRIMARY KEY USING INDEX, a literal default through ALTER COLUMN TYPE, a
        // sequence altered with ALTER TABLE (pg_dump's OWNER TO)
        let replayed = schema(
            "CREATE TABLE d (v integer NOT NULL, day date NOT NULL, \
               last_retry timestamp NOT NULL DEFAULT '1970-01-01', n serial);\n\
             CREATE UNIQUE INDEX d_unique ON d (v, day);\n\
             ALTER TABLE d ADD CONSTRAINT d_pkey PRIMARY KEY USING INDEX d_unique;\n\
             ALTER TABLE d ALTER last_retry TYPE timestamptz;",
        );
        // as pg_dump (PostgreSQL 15) printed it
        let dumped = schema(
            "CREATE TABLE public.d (v integer NOT NULL, day date NOT NULL, \
               last_retry timestamp with time zone DEFAULT '1970-01-01 00:00:00'::timestamp without time zone NOT NULL, \
               n integer NOT NULL);\n\
             CREATE SEQUENCE public.d_n_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\
             ALTER TABLE public.d_n_seq OWNER TO postgres;\n\
             ALTER SEQUENCE public.d_n_seq OWNED BY public.d.n;\n\
             ALTER TABLE ONLY public.d ALTER COLUMN n SET DEFAULT nextval('public.d_n_seq'::regclass);\n\
             ALTER TABLE ONLY public.d ADD CONSTRAINT d_pkey PRIMARY KEY (v, day);",
        );
        let a: Vec<_> = replayed.objects.values().collect();
        let b: Vec<_> = dumped.objects.values().collect();
        assert_eq!(a, b);
        let d = &replayed.blocks[&(ObjectKind::Table, "public.d".to_string())];
        assert!(d.contains("PRIMARY KEY (v, day)"), "{d}");
        assert!(
            d.contains("DEFAULT '1970-01-01 00:00:00'::timestamp NOT NULL"),
            "{d}"
        );
    }

    #[test]
    fn partitions_do_not_repeat_their_parents_indexes() {
        let s = schema(
            "CREATE TABLE ev (id bigint, at date) PARTITION BY RANGE (at);\n\
             CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
             CREATE INDEX ev_at_idx ON ev (at);\n\
             CREATE INDEX ev_2024_at_idx ON ev_2024 (at);\n\
             CREATE INDEX ev_2024_id_idx ON ev_2024 (id);",
        );
        let indexes: Vec<&str> = s
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::Index)
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(indexes, vec!["public.ev_at_idx", "public.ev_2024_id_idx"]);
    }
}
