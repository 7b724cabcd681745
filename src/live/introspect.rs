//! Reading a live database's schema into the same [`Catalog`] that replay builds.
//!
//! One query per object kind (never one per table), plain `SELECT`s on `pg_catalog` in a
//! read-only transaction: no lock stronger than ACCESS SHARE. The transaction reads
//! with `TimeZone` set to UTC (`SET LOCAL`), so time stamps print in the zone `diff`'s
//! canonical form uses. System schemas and objects that belong to extensions are left
//! out. A table has all its columns, those it inherits (`INHERITS`, a partition's) too,
//! its parents' first, as replay models it. Wherever PostgreSQL can print an
//! object as DDL (`pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_expr`,
//! `format_type`), that text goes through schemaguard's own parser and lowering, so a
//! constraint or index read from the database is modelled exactly like one replayed from
//! a migration. Objects get no origin: they all existed before the pending migrations.

use super::{LiveError, LiveSession};
use crate::catalog::{
    Catalog, Column, Constraint, Function, Index, Sequence, Table, TableKind, TableStats, Trigger,
    TypeDef, TypeKind, View,
};
use crate::ops::{
    AlterTableAction, Expr, Generated, IdentityKind, ObjectName, Operation, Persistence, TypeName,
};
use crate::parse::{parse_statement, plpgsql};
use postgres::Client;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The schema and facts of a live database.
#[derive(Debug)]
pub struct Introspected {
    pub catalog: Catalog,
    /// `server_version_num`, e.g. 150004.
    pub server_version_num: u32,
    /// Round trips used (for the "few queries" promise).
    pub queries: usize,
}

/// Schemas never reported: PostgreSQL's own.
const SYSTEM_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
     AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";

/// An object of class `class` (`pg_class`, `pg_type`, `pg_proc`, ...) that belongs to an
/// extension.
fn not_extension_member(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '{class}'::regclass \
         AND dep.objid = {oid} AND dep.deptype = 'e')"
    )
}

struct Reader<'c> {
    client: &'c mut Client,
    queries: usize,
    lock: Duration,
    statement: Duration,
}

impl Reader<'_> {
    fn query(&mut self, what: &'static str, sql: &str) -> Result<Vec<postgres::Row>, LiveError> {
        self.queries += 1;
        self.client.query(sql, &[]).map_err(|e| {
            LiveError::query(&format!("reading {what}"), &e, self.lock, self.statement)
        })
    }
}

fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r postgres::Row,
    i: usize,
    what: &'static str,
) -> Result<T, LiveError> {
    row.try_get(i).map_err(|e| LiveError::Query {
        what: format!("reading {what}"),
        cause: format!("unexpected column {i}: {e}"),
    })
}

/// Reads the whole schema, in one read-only transaction of `session` (one snapshot,
/// so the picture is consistent).
pub fn introspect(session: &mut LiveSession) -> Result<Introspected, LiveError> {
    let (lock, statement) = session.timeouts();
    let (catalog, server_version_num, queries) = session.read(|client| {
        let mut r = Reader {
            client,
            queries: 0,
            lock,
            statement,
        };
        let (catalog, version) = read_all(&mut r)?;
        Ok::<_, LiveError>((catalog, version, r.queries))
    })?;
    Ok(Introspected {
        catalog,
        server_version_num,
        queries,
    })
}

fn read_all(r: &mut Reader) -> Result<(Catalog, u32), LiveError> {
    let mut cat = Catalog::default();
    cat.schemas.clear();

    let rows = r.query(
        "settings",
        "SELECT current_setting('server_version_num')::int4, current_setting('search_path'), current_setting('TimeZone')",
    )?;
    let row = rows.first().ok_or_else(|| LiveError::Query {
        what: "reading settings".to_string(),
        cause: "no row".to_string(),
    })?;
    let version: i32 = get(row, 0, "settings")?;
    let search_path: String = get(row, 1, "settings")?;
    cat.search_path = crate::catalog::replay::parse_search_path(&search_path);
    cat.timezone = get(row, 2, "settings")?;
    // constants (a timestamptz default) are printed in UTC, the zone diff's canonical
    // form reads a time stamp without zone in; the catalog keeps the server's own zone
    r.client
        .batch_execute("SET LOCAL TimeZone = 'UTC'")
        .map_err(|e| LiveError::query("setting TimeZone", &e, r.lock, r.statement))?;

    // schemas
    let sql = format!(
        "SELECT n.nspname FROM pg_namespace n WHERE {SYSTEM_SCHEMAS} AND {}",
        not_extension_member("pg_namespace", "n.oid")
    );
    for row in r.query("schemas", &sql)? {
        cat.schemas.insert(get(&row, 0, "schemas")?);
    }

    // extensions
    for row in r.query(
        "extensions",
        "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'",
    )? {
        cat.extensions.insert(get(&row, 0, "extensions")?);
    }

    // relations: tables, partitioned tables, views, materialized views, sequences,
    // foreign tables, with sizes and partitioning
    let sql = format!(
        "SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relpersistence::text,
                c.reltuples::float8,
                -- size from the planner's page counts (table, its indexes, its TOAST),
                -- exact (and slower) only where they were never gathered
                CASE WHEN c.relkind IN ('r', 'p', 'm') THEN
                  CASE WHEN c.relpages = 0 AND pg_stat_get_live_tuples(c.oid) > 0
                       THEN pg_total_relation_size(c.oid)
                       ELSE (c.relpages
                             + COALESCE((SELECT sum(ic.relpages) FROM pg_index i
                                           JOIN pg_class ic ON ic.oid = i.indexrelid
                                          WHERE i.indrelid = c.oid), 0)
                             + COALESCE((SELECT t.relpages FROM pg_class t WHERE t.oid = c.reltoastrelid), 0)
                            )::int8 * current_setting('block_size')::int8
                  END
                END::int8,
                pg_stat_get_live_tuples(c.oid)::int8,
                CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
                (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
                   JOIN pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                  WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1),
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                -- INHERITS parents, in their order
                ARRAY(SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
                        FROM pg_inherits i
                        JOIN pg_class pc ON pc.oid = i.inhparent
                        JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                       WHERE i.inhrelid = c.oid AND NOT c.relispartition
                       ORDER BY i.inhseqno)
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {SYSTEM_SCHEMAS} AND {}",
        not_extension_member("pg_class", "c.oid")
    );
    let mut rel_names: HashMap<i64, ObjectName> = HashMap::new();
    for row in r.query("relations", &sql)? {
        let oid: i64 = get(&row, 0, "relations")?;
        let schema: String = get(&row, 1, "relations")?;
        let relname: String = get(&row, 2, "relations")?;
        let kind: String = get(&row, 3, "relations")?;
        let persistence: String = get(&row, 4, "relations")?;
        let reltuples: f64 = get(&row, 5, "relations")?;
        let bytes: Option<i64> = get(&row, 6, "relations")?;
        let bytes = bytes.unwrap_or(0);
        let live: i64 = get(&row, 7, "relations")?;
        let bound: Option<String> = get(&row, 8, "relations")?;
        let parent: Option<String> = get(&row, 9, "relations")?;
        let partkey: Option<String> = get(&row, 10, "relations")?;
        let inherits: Vec<String> = get(&row, 11, "relations")?;
        let name = ObjectName::new(Some(&schema), &relname);
        rel_names.insert(oid, name.clone());
        match kind.as_str() {
            "r" | "p" | "f" => {
                let mut t = Table::new(name.clone(), None);
                t.kind = match kind.as_str() {
                    "p" => TableKind::Partitioned,
                    "f" => TableKind::Foreign,
                    _ => TableKind::Regular,
                };
                t.persistence = match persistence.as_str() {
                    "u" => Persistence::Unlogged,
                    "t" => Persistence::Temporary,
                    _ => Persistence::Permanent,
                };
                t.partition_of = parent.as_deref().map(ObjectName::parse);
                t.inherits = inherits.iter().map(|p| ObjectName::parse(p)).collect();
                cat.any_inheritance |= !t.inherits.is_empty();
                t.default_partition = bound
                    .as_deref()
                    .is_some_and(|b| b.trim().eq_ignore_ascii_case("DEFAULT"));
                t.partition_key = partkey
                    .as_deref()
                    .map(partition_key_columns)
                    .unwrap_or_default();
                // reltuples is -1 (14+) or 0 before the first ANALYZE: fall back to the
                // statistics collector's live row count
                let rows = if reltuples > 0.0 {
                    reltuples
                } else {
                    live as f64
                };
                t.stats = Some(TableStats {
                    rows,
                    total_bytes: bytes.max(0) as u64,
                });
                cat.tables.insert(name, t);
            }
            "v" | "m" => {
                cat.views.insert(
                    name.clone(),
                    View {
                        name,
                        materialized: kind == "m",
                        reads: Vec::new(),
                        columns: Vec::new(),
                        origin: None,
                        owner: None,
                    },
                );
            }
            "S" => {
                cat.sequences.insert(
                    name.clone(),
                    Sequence {
                        name,
                        owned_by: None,
                        origin: None,
                        owner: None,
                    },
                );
            }
            _ => {}
        }
    }

    // columns of every table, view and matview
    let sql = format!(
        "SELECT a.attrelid::int8, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                a.attislocal
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND {SYSTEM_SCHEMAS}
          ORDER BY a.attrelid, a.attnum"
    );
    for row in r.query("columns", &sql)? {
        let oid: i64 = get(&row, 0, "columns")?;
        let Some(rel) = rel_names.get(&oid) else {
            continue;
        };
        let name: String = get(&row, 1, "columns")?;
        let ty: String = get(&row, 2, "columns")?;
        let not_null: bool = get(&row, 3, "columns")?;
        let default: Option<String> = get(&row, 4, "columns")?;
        let identity: String = get(&row, 5, "columns")?;
        let generated: String = get(&row, 6, "columns")?;
        let local: bool = get(&row, 7, "columns")?;
        if let Some(v) = cat.views.get_mut(rel) {
            v.columns.push(name);
            continue;
        }
        let Some(t) = cat.tables.get_mut(rel) else {
            continue;
        };
        let expr = default.as_deref().map(expression);
        let (default, generated) = match generated.as_str() {
            "s" | "v" => (
                None,
                expr.map(|e| Generated {
                    expr: e,
                    stored: generated == "s",
                    by_default: false,
                }),
            ),
            _ => (expr, None),
        };
        t.columns.push(Column {
            name,
            ty: TypeName::parse(&ty),
            not_null,
            default: default.map(Box::new),
            generated: generated.map(Box::new),
            identity: match identity.as_str() {
                "a" => Some(IdentityKind::Always),
                "d" => Some(IdentityKind::ByDefault),
                _ => None,
            },
            inherited: !local,
        });
    }

    // constraints, through our own parser: pg_get_constraintdef prints them as DDL.
    // A foreign key to a partitioned table has a clone on its own table per referenced
    // partition (`fk_a_fkey1`, ...), PostgreSQL's bookkeeping, not a constraint anyone
    // wrote (11+: conparentid)
    let same_table_clone = if version >= 110_000 {
        "NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.oid = co.conparentid AND pc.conrelid = co.conrelid)"
    } else {
        "true"
    };
    let sql = format!(
        "SELECT co.conrelid::int8, co.conname, co.convalidated, pg_get_constraintdef(co.oid),
                -- the index enforcing it (for a foreign key, conindid is the referenced
                -- table's index, which is not this constraint's)
                CASE WHEN co.contype IN ('p', 'u', 'x')
                     THEN (SELECT ic.relname FROM pg_class ic WHERE ic.oid = co.conindid) END
           FROM pg_constraint co
           JOIN pg_class c ON c.oid = co.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE co.contype IN ('p', 'u', 'c', 'f', 'x', 'n') AND {SYSTEM_SCHEMAS} AND {same_table_clone}
          ORDER BY co.conrelid, co.conname"
    );
    for row in r.query("constraints", &sql)? {
        let oid: i64 = get(&row, 0, "constraints")?;
        let Some(rel) = rel_names.get(&oid).cloned() else {
            continue;
        };
        let name: String = get(&row, 1, "constraints")?;
        let validated: bool = get(&row, 2, "constraints")?;
        let def: String = get(&row, 3, "constraints")?;
        let index: Option<String> = get(&row, 4, "constraints")?;
        let Some(kind) = constraint_kind(&rel, &name, &def) else {
            continue;
        };
        if let Some(t) = cat.tables.get_mut(&rel) {
            t.constraints.push(Constraint {
                name,
                kind,
                validated,
                index,
                origin: None,
            });
        }
    }

    // foreign keys name their table as pg_get_constraintdef printed it (unqualified when
    // the session's search path finds it): store it resolved, as replay does
    let tables: Vec<ObjectName> = cat.tables.keys().cloned().collect();
    for name in tables {
        let resolved: Vec<Option<ObjectName>> = cat.tables[&name]
            .constraints
            .iter()
            .map(|c| match &c.kind {
                crate::ops::ConstraintKind::ForeignKey { ref_table, .. } => {
                    Some(cat.resolve_relation(ref_table))
                }
                _ => None,
            })
            .collect();
        if let Some(t) = cat.tables.get_mut(&name) {
            for (c, r) in t.constraints.iter_mut().zip(resolved) {
                if let (crate::ops::ConstraintKind::ForeignKey { ref_table, .. }, Some(r)) =
                    (&mut c.kind, r)
                {
                    *ref_table = r;
                }
            }
        }
    }

    // indexes: key columns straight from pg_index; only expression indexes go through
    // pg_get_indexdef (slow on thousands of indexes) and our parser
    let sql = format!(
        "SELECT i.indrelid::int8, n.nspname, ic.relname, i.indisunique, i.indisprimary, i.indisvalid,
                am.amname::text,
                ARRAY(SELECT COALESCE(a.attname::text, '')
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       WHERE k.ord <= i.indnkeyatts
                       ORDER BY k.ord),
                CASE WHEN i.indexprs IS NOT NULL THEN pg_get_indexdef(i.indexrelid) END,
                CASE WHEN i.indpred IS NOT NULL THEN pg_get_expr(i.indpred, i.indrelid) END
           FROM pg_index i
           JOIN pg_class ic ON ic.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = ic.relnamespace
           JOIN pg_am am ON am.oid = ic.relam
          WHERE {SYSTEM_SCHEMAS} AND {}",
        not_extension_member("pg_class", "i.indrelid")
    );
    for row in r.query("indexes", &sql)? {
        let table_oid: i64 = get(&row, 0, "indexes")?;
        let Some(table) = rel_names.get(&table_oid).cloned() else {
            continue;
        };
        let schema: String = get(&row, 1, "indexes")?;
        let name: String = get(&row, 2, "indexes")?;
        let unique: bool = get(&row, 3, "indexes")?;
        let primary: bool = get(&row, 4, "indexes")?;
        let valid: bool = get(&row, 5, "indexes")?;
        let method: String = get(&row, 6, "indexes")?;
        let mut columns: Vec<String> = get(&row, 7, "indexes")?;
        let def: Option<String> = get(&row, 8, "indexes")?;
        let predicate: Option<String> = get(&row, 9, "indexes")?;
        if let Some(def) = def {
            // expression keys: as our parser reads PostgreSQL's own CREATE INDEX
            if let Operation::CreateIndex(ci) = parse_statement(&def) {
                columns = ci
                    .keys
                    .iter()
                    .map(|k| match k {
                        crate::ops::IndexKey::Column(c) => c.clone(),
                        crate::ops::IndexKey::Expression(e) => format!("({})", e.text),
                    })
                    .collect();
            }
        }
        let qname = ObjectName::new(Some(&schema), &name);
        cat.indexes.insert(
            qname.clone(),
            Index {
                name: qname,
                table,
                columns,
                unique,
                primary,
                valid,
                partial: predicate.is_some(),
                predicate: predicate.as_deref().map(expression).map(Box::new),
                method: (method != "btree").then_some(method),
                origin: None,
            },
        );
    }

    // what views and materialized views read
    let sql = "SELECT DISTINCT r.ev_class::int8, d.refobjid::int8
                 FROM pg_rewrite r
                 JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                                 AND d.refclassid = 'pg_class'::regclass
                WHERE d.refobjid <> r.ev_class";
    for row in r.query("view dependencies", sql)? {
        let view: i64 = get(&row, 0, "view dependencies")?;
        let source: i64 = get(&row, 1, "view dependencies")?;
        let (Some(v), Some(s)) = (rel_names.get(&view), rel_names.get(&source).cloned()) else {
            continue;
        };
        if let Some(v) = cat.views.get_mut(v) {
            if !v.reads.contains(&s) {
                v.reads.push(s);
            }
        }
    }

    // sequences owned by columns
    let sql = "SELECT d.objid::int8, d.refobjid::int8, a.attname
                 FROM pg_depend d
                 JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                  AND d.deptype IN ('a', 'i')";
    for row in r.query("sequence owners", sql)? {
        let seq: i64 = get(&row, 0, "sequence owners")?;
        let table: i64 = get(&row, 1, "sequence owners")?;
        let column: String = get(&row, 2, "sequence owners")?;
        if let (Some(s), Some(t)) = (rel_names.get(&seq), rel_names.get(&table).cloned()) {
            if let Some(s) = cat.sequences.get_mut(s) {
                s.owned_by = Some((t, column));
            }
        }
    }

    // types: enums (with their values in order), domains, composites, ranges
    let sql = format!(
        "SELECT n.nspname, t.typname, t.typtype::text,
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
                CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                EXISTS (SELECT 1 FROM pg_constraint dc WHERE dc.contypid = t.oid) OR t.typnotnull
           FROM pg_type t
           JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE t.typtype IN ('e', 'd', 'c', 'r') AND {SYSTEM_SCHEMAS} AND {}
            AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')",
        not_extension_member("pg_type", "t.oid")
    );
    for row in r.query("types", &sql)? {
        let schema: String = get(&row, 0, "types")?;
        let name: String = get(&row, 1, "types")?;
        let typtype: String = get(&row, 2, "types")?;
        let values: Vec<String> = get(&row, 3, "types")?;
        let base: Option<String> = get(&row, 4, "types")?;
        let has_constraints: bool = get(&row, 5, "types")?;
        let kind = match typtype.as_str() {
            "e" => TypeKind::Enum { values },
            "d" => TypeKind::Domain {
                base: TypeName::parse(base.as_deref().unwrap_or("text")),
                has_constraints,
            },
            "c" => TypeKind::Composite { attributes: None },
            "r" => TypeKind::Range,
            _ => TypeKind::Other,
        };
        let qname = ObjectName::new(Some(&schema), &name);
        cat.types.insert(
            qname.clone(),
            TypeDef {
                name: qname,
                kind,
                origin: None,
                owner: None,
            },
        );
    }

    // functions and procedures, with their bodies (what triggers run)
    let sql = format!(
        "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.provolatile::text,
                p.prorettype = 'trigger'::regtype, l.lanname, p.prosrc,
                -- a VOLATILE SQL function may be inlined: its definition says whether
                CASE WHEN l.lanname = 'sql' AND p.provolatile = 'v'
                     THEN pg_get_functiondef(p.oid) END,
                p.proretset
           FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           JOIN pg_language l ON l.oid = p.prolang
          WHERE {SYSTEM_SCHEMAS} AND {}
            -- a range type's constructors are part of the type
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                               AND d.deptype = 'i')",
        not_extension_member("pg_proc", "p.oid")
    );
    for row in r.query("functions", &sql)? {
        let schema: String = get(&row, 0, "functions")?;
        let name: String = get(&row, 1, "functions")?;
        let args: String = get(&row, 2, "functions")?;
        let volatility: String = get(&row, 3, "functions")?;
        let returns_trigger: bool = get(&row, 4, "functions")?;
        let language: String = get(&row, 5, "functions")?;
        let source: Option<String> = get(&row, 6, "functions")?;
        let definition: Option<String> = get(&row, 7, "functions")?;
        let returns_set: bool = get(&row, 8, "functions")?;
        // what a call becomes when PostgreSQL inlines it, read as replay reads it
        let inline = definition.and_then(|d| match parse_statement(&d) {
            Operation::CreateFunction(cf) => cf.inline,
            _ => None,
        });
        let body = match (language.as_str(), source) {
            ("plpgsql" | "sql", Some(src)) => plpgsql::embedded_statements(&src)
                .into_iter()
                .map(|(_, s)| parse_statement(&s))
                .filter(|op| !matches!(op, Operation::Unparsed { .. }))
                .collect(),
            _ => Vec::new(),
        };
        let qname = ObjectName::new(Some(&schema), &name);
        cat.functions
            .entry(qname.clone())
            .or_default()
            .push(Function {
                name: qname,
                args: split_args(&args),
                volatility: Some(
                    match volatility.as_str() {
                        "i" => "immutable",
                        "s" => "stable",
                        _ => "volatile",
                    }
                    .to_string(),
                ),
                body,
                returns_trigger,
                returns_set,
                inline,
                executes: Vec::new(),
                origin: None,
                owner: None,
            });
    }

    // triggers (not the internal ones behind foreign keys, nor a partition's clone of
    // its parent's row trigger: the parent's stands for it, as in the replayed schema
    // and in pg_dump; before 13 the clones are internal)
    let clones = if version >= 130_000 {
        " AND t.tgparentid = 0"
    } else {
        ""
    };
    let sql = format!(
        "SELECT t.tgrelid::int8, t.tgname, pn.nspname, p.proname, t.tgtype::int4
           FROM pg_trigger t
           JOIN pg_proc p ON p.oid = t.tgfoid
           JOIN pg_namespace pn ON pn.oid = p.pronamespace
          WHERE NOT t.tgisinternal{clones}"
    );
    for row in r.query("triggers", &sql)? {
        let table: i64 = get(&row, 0, "triggers")?;
        let Some(t) = rel_names.get(&table).cloned() else {
            continue;
        };
        let name: String = get(&row, 1, "triggers")?;
        let fschema: String = get(&row, 2, "triggers")?;
        let fname: String = get(&row, 3, "triggers")?;
        let tgtype: i32 = get(&row, 4, "triggers")?;
        if let Some(tab) = cat.tables.get_mut(&t) {
            tab.triggers.insert(
                name,
                Trigger {
                    function: Some(ObjectName::new(Some(&fschema), &fname)),
                    events: trigger_events(tgtype),
                    // TRIGGER_TYPE_ROW
                    for_each_row: tgtype & 1 != 0,
                },
            );
        }
    }

    // rewrite rules of tables (a view's own `_RETURN` rule is its query)
    let sql = "SELECT ev_class::int8, rulename::text FROM pg_rewrite WHERE rulename <> '_RETURN'";
    for row in r.query("rules", sql)? {
        let table: i64 = get(&row, 0, "rules")?;
        let name: String = get(&row, 1, "rules")?;
        if let Some(tab) = rel_names.get(&table).and_then(|t| cat.tables.get_mut(t)) {
            tab.rules.insert(name);
        }
    }

    Ok((cat, version.max(0) as u32))
}

/// An expression PostgreSQL printed (`pg_get_expr`), summarised by our own lowering.
fn expression(text: &str) -> Expr {
    match parse_statement(&format!("SELECT {text}")) {
        Operation::Select { functions, .. } => Expr {
            text: text.to_string(),
            functions,
            is_constant: is_literal(text),
            is_null: text.trim().eq_ignore_ascii_case("null")
                || text.trim().to_ascii_lowercase().starts_with("null::"),
            ..Expr::default()
        },
        _ => Expr::from_text(text),
    }
}

/// `'x'::text`, `0`, `true`, `'{}'::jsonb`: a literal, maybe cast.
fn is_literal(text: &str) -> bool {
    let t = text.trim().trim_start_matches('(').trim_end_matches(')');
    let head = t.split("::").next().unwrap_or(t).trim();
    head.starts_with('\'')
        || head.parse::<f64>().is_ok()
        || matches!(
            head.to_ascii_lowercase().as_str(),
            "true" | "false" | "null"
        )
}

/// A constraint as PostgreSQL prints it, lowered by our parser (`ALTER TABLE t ADD
/// CONSTRAINT c <definition>`).
fn constraint_kind(
    table: &ObjectName,
    name: &str,
    def: &str,
) -> Option<crate::ops::ConstraintKind> {
    let sql = format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} {def}",
        crate::ops::names::quote_ident(name)
    );
    match parse_statement(&sql) {
        Operation::AlterTable(at) => at.actions.into_iter().find_map(|a| match a {
            AlterTableAction::AddConstraint(c) => Some(c.kind),
            _ => None,
        }),
        _ => None,
    }
}

/// `RANGE (created_at)` / `LIST (region, kind)` -> the key columns.
fn partition_key_columns(def: &str) -> Vec<String> {
    let inner = def
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map(|(inner, _)| inner)
        .unwrap_or("");
    // the elements are separated by the commas outside parentheses and quotes
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, ch) in inner.char_indices() {
        match (quote, ch) {
            (Some(q), _) if ch == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out.into_iter()
        .filter(|c| !c.trim().is_empty())
        .map(crate::ops::recognize::partition_key_element)
        .collect()
}

/// `a integer, b text` -> canonical argument types, as the lowering stores them.
fn split_args(args: &str) -> Vec<String> {
    if args.trim().is_empty() {
        return Vec::new();
    }
    args.split(',')
        .filter(|a| !a.trim().to_ascii_uppercase().starts_with("OUT "))
        .map(|a| {
            let a = a.trim();
            // drop the argument name when there is one (`a integer`)
            let ty = match a.split_once(' ') {
                Some((first, rest)) if !is_type_start(first) => rest,
                _ => a,
            };
            TypeName::parse(ty.trim_start_matches("IN ").trim_start_matches("INOUT ")).canonical()
        })
        .collect()
}

fn is_type_start(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "character" | "double" | "timestamp" | "time" | "bit" | "char" | "varchar"
    ) || TypeName::parse(word).name != crate::ops::names::fold_ident(word)
}

/// The events in `pg_trigger.tgtype` (bit 2 INSERT, 3 DELETE, 4 UPDATE, 5 TRUNCATE).
fn trigger_events(tgtype: i32) -> Vec<String> {
    let mut out = Vec::new();
    for (bit, name) in [(2, "insert"), (3, "delete"), (4, "update"), (5, "truncate")] {
        if tgtype & (1 << bit) != 0 {
            out.push(name.to_string());
        }
    }
    out
}

/// Tables by qualified name with their statistics: for messages about size.
pub fn sizes(cat: &Catalog) -> BTreeMap<ObjectName, TableStats> {
    cat.tables
        .iter()
        .filter_map(|(k, t)| t.stats.map(|s| (k.clone(), s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_events_decode_tgtype_bits() {
        // AFTER INSERT OR UPDATE, FOR EACH ROW: 1 (row) | 4 (insert) | 16 (update)
        assert_eq!(trigger_events(1 | 4 | 16), vec!["insert", "update"]);
        assert_eq!(trigger_events(8), vec!["delete"]);
    }

    #[test]
    fn constraint_definitions_go_through_our_parser() {
        let t = ObjectName::new(Some("public"), "orders");
        let fk = constraint_kind(
            &t,
            "orders_user_fk",
            "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE",
        );
        assert!(
            matches!(fk, Some(crate::ops::ConstraintKind::ForeignKey { ref columns, .. }) if columns == &["user_id"])
        );
        let check = constraint_kind(&t, "c", "CHECK ((total IS NOT NULL))");
        assert!(
            matches!(check, Some(crate::ops::ConstraintKind::Check { ref expr, .. }) if expr.proves_not_null == ["total"])
        );
    }

    #[test]
    fn partition_keys_and_arguments() {
        assert_eq!(
            partition_key_columns("RANGE (created_at)"),
            vec!["created_at"]
        );
        assert_eq!(
            partition_key_columns("LIST (region, kind)"),
            vec!["region", "kind"]
        );
        // as PostgreSQL 15 prints them: operator classes and collations left out,
        // calls in parentheses, commas inside a call not splitting
        assert_eq!(
            partition_key_columns(
                "RANGE (a oid_ops, plusone(b), c, d COLLATE \"C\", \"B\", f(a, b), ((a + b)))"
            ),
            vec!["a", "(plusone(b))", "c", "d", "B", "(f(a, b))", "((a + b))"]
        );
        assert_eq!(split_args("a integer, b text"), vec!["int4", "text"]);
        assert_eq!(
            split_args("character varying, integer"),
            vec!["varchar", "int4"]
        );
        assert_eq!(split_args(""), Vec::<String>::new());
    }

    #[test]
    fn defaults_are_summarised_by_our_lowering() {
        let e = expression("nextval('orders_id_seq'::regclass)");
        assert_eq!(e.functions, vec!["nextval"]);
        assert!(expression("'x'::text").is_constant);
        assert!(expression("now()").functions.contains(&"now".to_string()));
    }
}
