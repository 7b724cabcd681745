//! `CREATE FUNCTION` (overloads by argument types), `ALTER FUNCTION` renames and moves
//! (the triggers calling it follow) and `DROP FUNCTION`.

use super::*;

/// `CREATE [OR REPLACE] FUNCTION`: an overload with the same argument types is replaced.
pub(super) fn create_function(
    cat: &mut Catalog,
    cf: &crate::ops::CreateFunction,
    o: Option<Origin>,
) {
    let name = cat.qualify_created(&cf.name);
    let f = Function {
        name: name.clone(),
        args: cf.args.clone(),
        volatility: cf.volatility.clone(),
        body: cf.body.clone(),
        returns_trigger: cf.returns_trigger,
        returns_set: cf.returns_set,
        inline: cf.inline.clone(),
        origin: o,
        executes: cf.executes.clone(),
        owner: cat.current_role(),
    };
    let overloads = cat.functions.entry(name).or_default();
    match overloads.iter_mut().find(|g| g.args == cf.args) {
        Some(existing) => {
            existing.volatility = f.volatility;
            existing.body = f.body;
            existing.returns_trigger = f.returns_trigger;
            existing.returns_set = f.returns_set;
            existing.inline = f.inline;
            existing.executes = f.executes;
        }
        None => overloads.push(f),
    }
}

/// `DROP FUNCTION`; with `CASCADE`, what uses it goes too (`dependents`: defaults,
/// generated columns, CHECKs, indexes, triggers).
pub(super) fn drop_functions(cat: &mut Catalog, drop: &crate::ops::Drop) {
    for n in &drop.names {
        if let Some(key) = cat.resolve_in(&cat.functions, n).map(|(k, _)| k.clone()) {
            // what uses its only overload keeps it, unless CASCADE (PostgreSQL refuses)
            let only = cat.functions.get(&key).is_some_and(|o| o.len() == 1);
            if !drop.cascade && only && dependents::function_used_by(cat, &key).is_some() {
                continue;
            }
            cat.functions.remove(&key);
            if drop.cascade {
                dependents::drop_function_cascade(cat, &key);
            }
        }
    }
}

/// `ALTER FUNCTION ... RENAME TO / SET SCHEMA`: the triggers calling it follow.
pub(super) fn alter_function(
    cat: &mut Catalog,
    name: &ObjectName,
    rename_to: Option<&str>,
    set_schema: Option<&str>,
) {
    let Some(key) = cat.resolve_in(&cat.functions, name).map(|(k, _)| k.clone()) else {
        return;
    };
    let new = match (rename_to, set_schema) {
        (Some(to), _) => ObjectName::new(key.schema.as_deref(), to),
        (None, Some(schema)) => ObjectName::new(Some(schema), &key.name),
        _ => return,
    };
    // triggers run the function by oid: they follow it
    for t in cat.tables.values_mut() {
        for tr in t.triggers.values_mut() {
            if let Some(f) = &mut tr.function
                && f.name == key.name
                && f.schema
                    .as_ref()
                    .is_none_or(|s| Some(s) == key.schema.as_ref())
            {
                *f = ObjectName::new(f.schema.as_ref().and(new.schema.as_deref()), &new.name);
            }
        }
    }
    if let Some(mut f) = cat.functions.remove(&key) {
        for o in &mut f {
            o.name = new.clone();
        }
        cat.functions.insert(new, f);
    }
}
