//! `CREATE TRIGGER`, `ALTER TRIGGER ... RENAME TO` and `DROP TRIGGER`.

use super::*;

/// `CREATE TRIGGER` on a table the catalog knows.
pub(super) fn create_trigger(cat: &mut Catalog, ct: &crate::ops::CreateTrigger) {
    if crate::catalog::rejects::create_trigger(cat, ct).is_some() {
        // PostgreSQL refuses it: nothing is made
        return;
    }
    if let Some(t) = cat.table_mut(&ct.table) {
        t.triggers.insert(
            ct.name.clone(),
            Trigger {
                function: ct.function.clone(),
                events: ct.events.clone(),
                for_each_row: ct.for_each_row,
            },
        );
    }
}

/// `ALTER TRIGGER ... RENAME TO`.
pub(super) fn rename_trigger(cat: &mut Catalog, name: &str, table: &ObjectName, to: &str) {
    if let Some(t) = cat.table_mut(table) {
        if let Some(f) = t.triggers.remove(name) {
            t.triggers.insert(to.to_string(), f);
        }
    }
}

/// `DROP TRIGGER`.
pub(super) fn drop_trigger(cat: &mut Catalog, name: &str, table: &ObjectName) {
    if let Some(t) = cat.table_mut(table) {
        t.triggers.remove(name);
    }
}
