//! What a session's settings change in replay (`search_path`, `TimeZone`, `ROLE`,
//! `SESSION AUTHORIZATION`, `check_function_bodies`), and what goes when the session
//! ends (temporary objects).

use super::*;

/// `SET` (and `RESET`, a `None` value) of the settings replay follows; others change
/// nothing here.
pub(super) fn set(cat: &mut Catalog, set: &crate::ops::SetVar) {
    match set.name.as_str() {
        "timezone" => match &set.value {
            Some(v) => {
                cat.timezone = v.clone();
                cat.timezone_set = true;
            }
            None => {
                cat.timezone = Catalog::default().timezone;
                cat.timezone_set = false;
            }
        },
        "check_function_bodies" => {
            let value = set
                .value
                .as_deref()
                .map(|v| v.trim_matches('\'').to_ascii_lowercase());
            cat.check_function_bodies =
                !matches!(value.as_deref(), Some("off" | "false" | "0" | "no"));
        }
        "session_authorization" => {
            cat.session_user = set.value.clone();
            cat.role = None;
        }
        "role" => cat.role = set.value.clone(),
        "search_path" => {
            cat.search_path = match &set.value {
                Some(v) => parse_search_path(v),
                None => vec!["public".to_string()],
            };
        }
        _ => {}
    }
}

/// `"$user", public, "My Schema"` -> `[public, My Schema]`.
pub fn parse_search_path(value: &str) -> Vec<String> {
    let path: Vec<String> = value
        .split(',')
        .map(crate::ops::names::fold_ident)
        .map(|s| s.trim_matches('\'').to_string())
        .filter(|s| !s.is_empty() && s != "$user")
        .collect();
    if path.is_empty() {
        vec!["public".to_string()]
    } else {
        path
    }
}

/// The session ends (schemaguard's unit of a session is one migration file, as for the
/// session settings): its temporary tables go, with their indexes, sequences and
/// partitions, and so do the objects in `pg_temp`, the views that read a temporary
/// relation (PostgreSQL makes such a view temporary itself) and the domains over a
/// temporary table's row type.
pub fn end_session(cat: &mut Catalog) {
    // a session's roles end with it
    cat.session_user = None;
    cat.role = None;
    // nothing temporary was made: nothing to look for (this runs after every file)
    if !cat.temp_relations && !cat.temp_objects {
        return;
    }
    let is_temp_schema = |n: &ObjectName| n.schema.as_deref() == Some("pg_temp");
    let temp: Vec<ObjectName> = cat
        .tables
        .iter()
        .filter(|(k, t)| t.persistence == Persistence::Temporary || is_temp_schema(k))
        .map(|(k, _)| k.clone())
        .collect();
    let mut gone: std::collections::HashSet<ObjectName> = temp.iter().cloned().collect();
    // a domain over a temporary table's row type (or its array) depends on the table:
    // it goes with it, wherever it was made
    let over_row_types: Vec<ObjectName> = cat
        .types
        .iter()
        .filter(|(_, d)| {
            matches!(&d.kind, TypeKind::Domain { base, .. } if temp.iter().any(|t| {
                base.name == t.name
                    && base
                        .schema
                        .as_deref()
                        .is_none_or(|s| s == "pg_temp" || Some(s) == t.schema.as_deref())
            }))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for d in &over_row_types {
        super::types::drop_type(cat, d, true, 0);
    }
    for t in &temp {
        drop_table(cat, t);
    }
    // views on temporary relations, until none is left
    loop {
        let views: Vec<ObjectName> = cat
            .views
            .iter()
            .filter(|(k, v)| is_temp_schema(k) || v.reads.iter().any(|r| gone.contains(r)))
            .map(|(k, _)| k.clone())
            .collect();
        if views.is_empty() {
            break;
        }
        for v in views {
            cat.remove_view(&v);
            gone.insert(v);
        }
    }
    cat.sequences.retain(|k, _| !is_temp_schema(k));
    cat.types.retain(|k, _| !is_temp_schema(k));
    cat.indexes.retain(|k, _| !is_temp_schema(k));
    cat.temp_relations = false;
    cat.temp_objects = false;
}
