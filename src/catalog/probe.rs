//! Answers a `DO` block's catalog probe (`ops::probe`) from the replayed catalog: the
//! rows PostgreSQL's catalog view would hold for the objects replay knows.

use super::Catalog;
use crate::ops::probe::{Probe, Test};

/// One row of a catalog view: column -> value.
type Row = Vec<(&'static str, String)>;

impl Catalog {
    /// The probe's answer, or `None` when it reads a relation or column not modelled
    /// here (then the caller does as if it did not know).
    pub fn answer(&self, probe: &Probe) -> Option<bool> {
        let rows = self.rows(&probe.relation)?;
        let columns: Vec<&str> = rows_columns(&probe.relation)?;
        if probe
            .filters
            .iter()
            .any(|(c, _)| !columns.contains(&c.as_str()))
        {
            return None;
        }
        let matching = rows
            .iter()
            .filter(|row| {
                probe.filters.iter().all(|(c, values)| {
                    row.iter()
                        .find(|(rc, _)| *rc == c.as_str())
                        .is_some_and(|(_, v)| values.contains(v))
                })
            })
            .count() as u64;
        let holds = match probe.test {
            Test::Exists => matching > 0,
            Test::CountIs(n) => matching == n,
        };
        Some(holds != probe.negated)
    }

    fn rows(&self, relation: &str) -> Option<Vec<Row>> {
        let schema_of = |s: &Option<String>| s.clone().unwrap_or_else(|| self.creation_schema());
        let mut out: Vec<Row> = Vec::new();
        match relation {
            "pg_indexes" => {
                for i in self.indexes.values() {
                    out.push(vec![
                        ("schemaname", schema_of(&i.name.schema)),
                        ("tablename", i.table.name.clone()),
                        ("indexname", i.name.name.clone()),
                    ]);
                }
            }
            "pg_tables" | "information_schema.tables" => {
                for t in self.tables.values() {
                    out.push(vec![
                        ("schemaname", schema_of(&t.name.schema)),
                        ("tablename", t.name.name.clone()),
                        ("table_schema", schema_of(&t.name.schema)),
                        ("table_name", t.name.name.clone()),
                    ]);
                }
            }
            "information_schema.columns" => {
                for t in self.tables.values() {
                    // a table whose columns are not all known cannot say a column is absent
                    if !t.columns_complete {
                        return None;
                    }
                    for c in &t.columns {
                        out.push(vec![
                            ("table_schema", schema_of(&t.name.schema)),
                            ("table_name", t.name.name.clone()),
                            ("column_name", c.name.clone()),
                        ]);
                    }
                }
            }
            "pg_constraint" | "information_schema.table_constraints" => {
                for t in self.tables.values() {
                    for c in &t.constraints {
                        out.push(vec![
                            ("conname", c.name.clone()),
                            ("constraint_schema", schema_of(&t.name.schema)),
                            ("constraint_name", c.name.clone()),
                            ("table_schema", schema_of(&t.name.schema)),
                            ("table_name", t.name.name.clone()),
                        ]);
                    }
                }
            }
            "pg_trigger" => {
                for t in self.tables.values() {
                    for name in t.triggers.keys() {
                        out.push(vec![("tgname", name.clone())]);
                    }
                }
            }
            "pg_type" => {
                for t in self.types.values() {
                    out.push(vec![("typname", t.name.name.clone())]);
                }
            }
            "pg_namespace" => {
                for s in &self.schemas {
                    out.push(vec![("nspname", s.clone())]);
                }
            }
            "pg_extension" => {
                for e in &self.extensions {
                    out.push(vec![("extname", e.clone())]);
                }
            }
            _ => return None,
        }
        Some(out)
    }
}

/// The columns a probe may filter on, per relation.
fn rows_columns(relation: &str) -> Option<Vec<&'static str>> {
    Some(match relation {
        "pg_indexes" => vec!["schemaname", "tablename", "indexname"],
        "pg_tables" => vec!["schemaname", "tablename"],
        "information_schema.tables" => vec!["table_schema", "table_name"],
        "information_schema.columns" => vec!["table_schema", "table_name", "column_name"],
        "pg_constraint" => vec!["conname"],
        "information_schema.table_constraints" => vec![
            "constraint_schema",
            "constraint_name",
            "table_schema",
            "table_name",
        ],
        "pg_trigger" => vec!["tgname"],
        "pg_type" => vec!["typname"],
        "pg_namespace" => vec!["nspname"],
        "pg_extension" => vec!["extname"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Origin, replay};
    use crate::ops::probe;

    #[test]
    fn probes_are_answered_from_the_catalog() {
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(
            "CREATE SCHEMA auth; CREATE TABLE auth.f (id int, phone text);\n\
             CREATE UNIQUE INDEX unique_verified_phone_factor ON auth.f (id, phone);",
        )
        .statements
        {
            replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        let ask = |q: &str| probe::parse(q).and_then(|p| cat.answer(&p));
        assert_eq!(
            ask(
                "SELECT exists (select 1 from pg_indexes where indexname = 'unique_verified_phone_factor' and schemaname = 'auth')"
            ),
            Some(true)
        );
        assert_eq!(
            ask(
                "SELECT (select count(*) = 2 from pg_indexes where indexname in ('unique_verified_phone_factor', 'unique_phone_factor_per_user') and schemaname = 'auth')"
            ),
            Some(false)
        );
        assert_eq!(
            ask(
                "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'f' AND column_name = 'phone')"
            ),
            Some(false)
        );
        assert_eq!(
            ask("SELECT exists (select 1 from pg_stat_activity where datname = 'x')"),
            None
        );
    }
}
