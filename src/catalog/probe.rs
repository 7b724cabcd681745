//! Answers a `DO` block's catalog probe (`ops::probe`) from the replayed catalog: the
//! rows PostgreSQL's catalog view would hold for the objects replay knows.

use super::Catalog;
use crate::ops::probe::{Probe, Test};

/// One (column, value) of a catalog view's row.
type Cell<'a> = (&'static str, &'a str);

impl Catalog {
    /// The probe's answer, or `None` when it reads a relation or column not modelled
    /// here (then the caller does as if it did not know). The rows are walked in place,
    /// none built: a history with many guarded `DO` blocks asks once per guard.
    pub fn answer(&self, probe: &Probe) -> Option<bool> {
        let columns: Vec<&str> = rows_columns(&probe.relation)?;
        if probe
            .filters
            .iter()
            .any(|(c, _)| !columns.contains(&c.as_str()))
        {
            return None;
        }
        let default_schema = self.creation_schema();
        let mut matching = 0u64;
        self.each_row(&probe.relation, &default_schema, &mut |row| {
            let all = probe.filters.iter().all(|(c, values)| {
                row.iter()
                    .find(|(rc, _)| *rc == c.as_str())
                    .is_some_and(|(_, v)| values.iter().any(|x| x == v))
            });
            if all {
                matching += 1;
            }
        })?;
        let holds = match probe.test {
            Test::Exists => matching > 0,
            Test::CountIs(n) => matching == n,
        };
        Some(holds != probe.negated)
    }

    /// Calls `f` with each row of `relation` as (column, value) pairs; `None` for a
    /// relation not modelled, or whose rows are not all known.
    fn each_row(
        &self,
        relation: &str,
        default_schema: &str,
        f: &mut dyn FnMut(&[Cell]),
    ) -> Option<()> {
        fn or_default<'a>(s: &'a Option<String>, default: &'a str) -> &'a str {
            s.as_deref().unwrap_or(default)
        }
        let schema_of = |s| or_default(s, default_schema);
        match relation {
            "pg_indexes" => {
                for i in self.indexes.values() {
                    f(&[
                        ("schemaname", schema_of(&i.name.schema)),
                        ("tablename", &i.table.name),
                        ("indexname", &i.name.name),
                    ]);
                }
            }
            "pg_tables" | "information_schema.tables" => {
                for t in self.tables.values() {
                    let schema = schema_of(&t.name.schema);
                    f(&[
                        ("schemaname", schema),
                        ("tablename", &t.name.name),
                        ("table_schema", schema),
                        ("table_name", &t.name.name),
                    ]);
                }
            }
            "information_schema.columns" => {
                // a table whose columns are not all known cannot say a column is absent
                if self.tables.values().any(|t| !t.columns_complete) {
                    return None;
                }
                for t in self.tables.values() {
                    let schema = schema_of(&t.name.schema);
                    for c in &t.columns {
                        f(&[
                            ("table_schema", schema),
                            ("table_name", &t.name.name),
                            ("column_name", &c.name),
                        ]);
                    }
                }
            }
            "pg_constraint" | "information_schema.table_constraints" => {
                for t in self.tables.values() {
                    let schema = schema_of(&t.name.schema);
                    for c in &t.constraints {
                        f(&[
                            ("conname", &c.name),
                            ("constraint_schema", schema),
                            ("constraint_name", &c.name),
                            ("table_schema", schema),
                            ("table_name", &t.name.name),
                        ]);
                    }
                }
            }
            "pg_trigger" => {
                for t in self.tables.values() {
                    for name in t.triggers.keys() {
                        f(&[("tgname", name)]);
                    }
                }
            }
            "pg_type" => {
                for t in self.types.values() {
                    f(&[("typname", &t.name.name)]);
                }
            }
            "pg_namespace" => {
                for s in &self.schemas {
                    f(&[("nspname", s)]);
                }
            }
            "pg_extension" => {
                for e in &self.extensions {
                    f(&[("extname", e)]);
                }
            }
            _ => return None,
        }
        Some(())
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
