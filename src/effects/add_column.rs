//! `ALTER TABLE ... ADD COLUMN`: what rewrites the table (serial and identity columns,
//! stored generated columns, volatile defaults, any non-null default before 11) and what
//! scans it (domain constraints, constraints given with the column).

use super::*;

impl Builder<'_> {
    pub(super) fn add_column(&mut self, table: &ObjectName, col: &ColumnDef) {
        let domain_with_constraints = self
            .cat
            .type_def(&ObjectName::new(col.ty.schema.as_deref(), &col.ty.name))
            .is_some_and(|t| {
                matches!(
                    t.kind,
                    TypeKind::Domain {
                        has_constraints: true,
                        ..
                    }
                )
            });
        let mut rewrite_why: Option<String> = None;
        if col.ty.is_serial() {
            rewrite_why = Some(format!("{} fills every row from a sequence", col.ty.text));
        } else if col.identity.is_some() {
            rewrite_why = Some("an identity column fills every row from a sequence".to_string());
        } else if let Some(g) = &col.generated {
            if g.by_default {
                self.fails(GENERATED_BY_DEFAULT);
            }
            if g.stored && self.v.0 < 12 {
                self.fails("generated columns need PostgreSQL 12");
            }
            if !g.stored && self.v.0 < 18 {
                self.fails("virtual generated columns need PostgreSQL 18");
            }
            if g.stored {
                rewrite_why =
                    Some("a stored generated column is computed for every row".to_string());
            }
        } else if let Some(d) = &col.default {
            if !d.is_null {
                if self.v.0 < 11 {
                    rewrite_why = Some(
                        "before PostgreSQL 11 any non-null DEFAULT rewrites the table".to_string(),
                    );
                } else {
                    let (vol, f) = volatility::of_default(d, self.cat, self.v);
                    match vol {
                        Volatility::Volatile => {
                            rewrite_why = Some(format!(
                                "the default calls {}(), which is volatile: it is evaluated for every row",
                                f.unwrap_or_default()
                            ))
                        }
                        Volatility::Unknown => {
                            rewrite_why = Some(format!(
                                "the default calls {}(), whose volatility schemaguard does not know; a volatile default rewrites the table",
                                f.unwrap_or_default()
                            ))
                        }
                        _ => self.note(format!(
                            "no rewrite: the default of {} is not volatile (PostgreSQL 11+ stores it once)",
                            col.name
                        )),
                    }
                }
            }
        }
        if rewrite_why.is_none() && domain_with_constraints {
            // verified on 11-18: the domain's constraints are checked against every row,
            // with or without a default
            rewrite_why = Some(format!(
                "{} is a domain with constraints: every row is rewritten to check them",
                col.ty.text
            ));
        }
        let has_value = col.default.as_ref().is_some_and(|d| !d.is_null);
        if let Some(why) = rewrite_why {
            self.rewrite(table);
            self.note(format!("rewrites {table}: {why}"));
        } else if col.not_null && !has_value {
            // no default: every existing row would be NULL, so PostgreSQL checks them
            self.scan(table, ScanReason::NotNull);
        }
        for c in &col.constraints {
            // a new column without a value is NULL in every row: a foreign key on it has
            // nothing to validate (a CHECK is still evaluated for every row)
            let nothing_to_check =
                !has_value && matches!(c.kind, ConstraintKind::ForeignKey { .. });
            if nothing_to_check {
                let mut c = c.clone();
                c.not_valid = true;
                self.add_constraint(table, &c);
            } else {
                self.add_constraint(table, c);
            }
        }
    }
}
