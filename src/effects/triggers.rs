//! Effects that depend on the rows: row triggers, the functions a statement calls, and
//! foreign-key checks and actions.

use super::*;

impl Builder<'_> {
    /// The triggers on `table` for `event` run their functions' statements inside this
    /// statement, with their locks (a trigger that refreshes a materialized view, say).
    pub(super) fn fire_triggers(&mut self, table: &ObjectName, event: &str) {
        if self.trigger_depth >= MAX_TRIGGER_DEPTH {
            return;
        }
        let Some(t) = self.cat.table(table) else {
            return;
        };
        let functions: Vec<(String, ObjectName)> = t
            .triggers
            .iter()
            .filter(|(_, tr)| tr.events.is_empty() || tr.events.iter().any(|e| e == event))
            .filter_map(|(name, tr)| tr.function.clone().map(|f| (name.clone(), f)))
            .collect();
        for (trigger, function) in functions {
            let body: Vec<Operation> = self
                .cat
                .functions
                .iter()
                .filter(|(k, _)| k.name == function.name)
                .flat_map(|(_, overloads)| overloads.iter().flat_map(|f| f.body.iter().cloned()))
                .collect();
            if body.is_empty() {
                continue;
            }
            let nested = self.nested_effects(&body);
            let strong: Vec<String> = nested
                .locks
                .iter()
                .filter(|l| l.mode > LockMode::RowExclusive)
                .map(|l| format!("{} {}", l.mode, l.relation))
                .collect();
            if !strong.is_empty() {
                self.note(format!(
                    "trigger {trigger} on {table} runs {function}(), which takes {}",
                    strong.join(", ")
                ));
            }
            let scans = nested.scans.clone();
            self.absorb_nested(nested);
            for s in scans {
                if !self.e.scans.contains(&s) {
                    self.e.scans.push(s);
                }
            }
        }
    }

    /// The statements of functions the statement calls (those the migrations define,
    /// with a PL/pgSQL or SQL body) run inside it, with their locks (observed on 15 by
    /// `trace`). How often, if at all, depends on the rows: data-dependent.
    pub(super) fn call_functions(&mut self, names: &[String]) {
        if self.trigger_depth >= MAX_TRIGGER_DEPTH || names.is_empty() {
            return;
        }
        let body: Vec<Operation> = self
            .cat
            .functions
            .iter()
            .filter(|(k, _)| names.iter().any(|n| n.eq_ignore_ascii_case(&k.name)))
            .flat_map(|(_, overloads)| overloads.iter().flat_map(|f| f.body.iter().cloned()))
            .collect();
        if body.is_empty() {
            return;
        }
        let nested = self.nested_effects(&body);
        self.absorb_nested(nested);
    }

    /// The effects of `body` (a trigger's or a called function's statements) run one
    /// level deeper inside this statement.
    fn nested_effects(&self, body: &[Operation]) -> Effects {
        let mut inner = Builder {
            cat: self.cat,
            v: self.v,
            e: Effects::default(),
            trigger_depth: self.trigger_depth + 1,
        };
        for op in body {
            inner.operation(op);
        }
        inner.e
    }

    /// Takes in the locks and rewrites of a nested body; they happen only when rows are
    /// touched, so what came before is the certain part.
    fn absorb_nested(&mut self, nested: Effects) {
        if nested.locks.is_empty() && nested.rewrites.is_empty() {
            return;
        }
        self.data_dependent_from_here();
        for l in nested.locks {
            add_lock(&mut self.e.locks, l.relation, l.kind, l.mode);
        }
        for r in nested.rewrites {
            if !self.e.rewrites.contains(&r) {
                self.e.rewrites.push(r);
            }
        }
    }

    /// What is added from here on happens only when rows are touched: what came
    /// before is the certain part.
    pub(super) fn data_dependent_from_here(&mut self) {
        if self.e.certain.is_none() {
            self.e.certain = Some(Box::new(self.e.clone()));
        }
    }

    /// Foreign-key checks and actions, run by PostgreSQL's internal row triggers for
    /// each row written (observed on 15 by `trace`): a row written to a referencing
    /// table is checked against the referenced one (`FOR KEY SHARE`: ROW SHARE); a row
    /// deleted from, or whose key is updated in, a referenced table is looked up in the
    /// referencing ones (ROW SHARE), or deletes/updates there (ON DELETE/UPDATE
    /// CASCADE, SET NULL, SET DEFAULT: ROW EXCLUSIVE).
    pub(super) fn foreign_key_rows(
        &mut self,
        table: &ObjectName,
        event: &str,
        set_columns: &[String],
    ) {
        use LockMode::*;
        let rel = self.cat.resolve_relation(table);
        let touches = |cols: &[String]| {
            set_columns.is_empty()
                || cols.is_empty()
                || cols.iter().any(|c| set_columns.contains(c))
        };
        let mut locks: Vec<(ObjectName, LockMode)> = Vec::new();
        if matches!(event, "insert" | "update") {
            if let Some(t) = self.cat.table(&rel) {
                for (c, r) in t.foreign_keys() {
                    if event == "insert" || touches(c.kind.columns()) {
                        locks.push((self.cat.resolve_relation(r), RowShare));
                    }
                }
            }
        }
        if matches!(event, "delete" | "update") {
            for (t, c) in self.cat.referencing(&rel) {
                let ConstraintKind::ForeignKey {
                    ref_columns,
                    on_delete,
                    on_update,
                    ..
                } = &c.kind
                else {
                    continue;
                };
                if event == "update" && !touches(ref_columns) {
                    continue;
                }
                let action = if event == "delete" {
                    on_delete
                } else {
                    on_update
                };
                let writes = action.as_deref().is_some_and(|a| {
                    let a = a.to_ascii_uppercase();
                    a.contains("CASCADE") || a.contains("SET")
                });
                locks.push((t.name.clone(), if writes { RowExclusive } else { RowShare }));
            }
        }
        locks.retain(|(r, _)| r != &rel);
        if locks.is_empty() {
            return;
        }
        self.data_dependent_from_here();
        for (r, mode) in locks {
            self.lock(&r, mode);
        }
    }
}
