//! Storage parameters (`WITH (fillfactor = 70, ...)`) as PostgreSQL 15 validates them
//! when a table or index is created (`access/common/reloptions.c`): names it does not
//! know, values of the wrong kind and values out of bounds make the statement fail, so
//! replay must not make the object. Messages are the server's. Only the built-in access
//! methods are judged; an extension's index method (its options are its own) is not,
//! nor a parameter in a namespace other than `toast.` (an extension's hook may take it).

/// The kind of value a parameter takes, with its bounds.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Int(i64, i64),
    Real(f64, f64),
    /// One of a list of words.
    Enum(&'static [&'static str]),
}

const INT_MAX: i64 = i32::MAX as i64;

/// A parameter, the kind of its value, and whether a TOAST table takes it too
/// (`toast.<name>`).
const HEAP: &[(&str, Kind, bool)] = &[
    ("autovacuum_enabled", Kind::Bool, true),
    ("user_catalog_table", Kind::Bool, false),
    ("vacuum_truncate", Kind::Bool, true),
    ("fillfactor", Kind::Int(10, 100), false),
    ("toast_tuple_target", Kind::Int(128, 8160), false),
    ("autovacuum_vacuum_threshold", Kind::Int(0, INT_MAX), true),
    (
        "autovacuum_vacuum_insert_threshold",
        Kind::Int(-1, INT_MAX),
        true,
    ),
    ("autovacuum_analyze_threshold", Kind::Int(0, INT_MAX), false),
    ("autovacuum_vacuum_cost_limit", Kind::Int(1, 10_000), true),
    (
        "autovacuum_freeze_min_age",
        Kind::Int(0, 1_000_000_000),
        true,
    ),
    (
        "autovacuum_multixact_freeze_min_age",
        Kind::Int(0, 1_000_000_000),
        true,
    ),
    (
        "autovacuum_freeze_max_age",
        Kind::Int(100_000, 2_000_000_000),
        true,
    ),
    (
        "autovacuum_multixact_freeze_max_age",
        Kind::Int(10_000, 2_000_000_000),
        true,
    ),
    (
        "autovacuum_freeze_table_age",
        Kind::Int(0, 2_000_000_000),
        true,
    ),
    (
        "autovacuum_multixact_freeze_table_age",
        Kind::Int(0, 2_000_000_000),
        true,
    ),
    ("log_autovacuum_min_duration", Kind::Int(-1, INT_MAX), true),
    ("parallel_workers", Kind::Int(0, 1024), false),
    ("autovacuum_vacuum_cost_delay", Kind::Real(0.0, 100.0), true),
    (
        "autovacuum_vacuum_scale_factor",
        Kind::Real(0.0, 100.0),
        true,
    ),
    (
        "autovacuum_vacuum_insert_scale_factor",
        Kind::Real(0.0, 100.0),
        true,
    ),
    (
        "autovacuum_analyze_scale_factor",
        Kind::Real(0.0, 100.0),
        false,
    ),
    (
        "vacuum_index_cleanup",
        Kind::Enum(&["auto", "on", "off", "true", "false", "yes", "no", "1", "0"]),
        true,
    ),
];

/// The parameters of a built-in index access method; `None` for another method.
fn index_parameters(method: &str) -> Option<&'static [(&'static str, Kind)]> {
    const FILLFACTOR: (&str, Kind) = ("fillfactor", Kind::Int(10, 100));
    Some(match method {
        "btree" => &[FILLFACTOR, ("deduplicate_items", Kind::Bool)],
        "hash" | "spgist" => &[FILLFACTOR],
        "gist" => &[
            FILLFACTOR,
            ("buffering", Kind::Enum(&["on", "off", "auto"])),
        ],
        "gin" => &[
            ("fastupdate", Kind::Bool),
            ("gin_pending_list_limit", Kind::Int(64, INT_MAX)),
        ],
        "brin" => &[
            ("pages_per_range", Kind::Int(1, 131_072)),
            ("autosummarize", Kind::Bool),
        ],
        _ => return None,
    })
}

/// What is created with the parameters.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// A table (`partitioned`: it holds no rows and takes no parameters).
    Table { partitioned: bool },
    /// An index by its access method (`None`: btree).
    Index(Option<&'a str>),
}

/// Why PostgreSQL refuses these parameters (`(name, value)`: the name's parts folded
/// and joined with dots, the value's text, `None` when only the name is written).
pub fn problem(target: Target, options: &[(String, Option<String>)]) -> Option<String> {
    if options.is_empty() {
        return None;
    }
    if let Some((name, _)) = options
        .iter()
        .enumerate()
        .find_map(|(i, (n, _))| options[..i].iter().find(|(m, _)| m == n))
    {
        let key = name.rsplit('.').next().unwrap_or(name);
        return Some(format!("parameter \"{key}\" specified more than once"));
    }
    match target {
        Target::Table { partitioned: true } => {
            // observed on 15
            Some("cannot specify storage parameters for a partitioned table".to_string())
        }
        Target::Table { partitioned: false } => options.iter().find_map(|(name, value)| {
            if name == "oids" {
                return (value
                    .as_deref()
                    .is_none_or(|v| parse_bool(v) != Some(false)))
                .then(|| "tables declared WITH OIDS are not supported".to_string());
            }
            let (namespace, key) = match name.split_once('.') {
                Some((ns, key)) => (Some(ns), key),
                None => (None, name.as_str()),
            };
            // another namespace may be an extension's (`timescaledb.`, `tsdb.`), which
            // its hook takes before PostgreSQL sees it: not judged
            if namespace.is_some_and(|ns| ns != "toast") {
                return None;
            }
            let found = HEAP
                .iter()
                .find(|(n, _, toast)| *n == key && (namespace.is_none() || *toast));
            match found {
                None => Some(format!("unrecognized parameter \"{key}\"")),
                Some((_, kind, _)) => value_problem(key, *kind, value.as_deref()),
            }
        }),
        Target::Index(method) => {
            let parameters = index_parameters(method.unwrap_or("btree"))?;
            options.iter().find_map(|(name, value)| {
                if name.contains('.') {
                    // an extension's namespace, as for tables
                    return None;
                }
                match parameters.iter().find(|(n, _)| n == name) {
                    None => Some(format!("unrecognized parameter \"{name}\"")),
                    Some((_, kind)) => value_problem(name, *kind, value.as_deref()),
                }
            })
        }
    }
}

/// A value PostgreSQL does not take for parameter `name` (a missing value is `true`).
fn value_problem(name: &str, kind: Kind, value: Option<&str>) -> Option<String> {
    let text = value.unwrap_or("true");
    match kind {
        Kind::Bool => parse_bool(text)
            .is_none()
            .then(|| format!("invalid value for boolean option \"{name}\": {text}")),
        Kind::Int(low, high) => match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let rounded = v.round();
                (rounded < low as f64 || rounded > high as f64)
                    .then(|| format!("value {text} out of bounds for option \"{name}\""))
            }
            _ => Some(format!(
                "invalid value for integer option \"{name}\": {text}"
            )),
        },
        Kind::Real(low, high) => match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => (v < low || v > high)
                .then(|| format!("value {text} out of bounds for option \"{name}\"")),
            _ => Some(format!(
                "invalid value for floating point option \"{name}\": {text}"
            )),
        },
        Kind::Enum(words) => (!words.contains(&text.to_ascii_lowercase().as_str()))
            .then(|| format!("invalid value for enum option \"{name}\": {text}")),
    }
}

/// PostgreSQL's `parse_bool`: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, and any
/// unambiguous prefix of the words, in any case.
fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let prefix_of = |word: &str| word.starts_with(t.as_str());
    match t.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "on" => Some(true),
        // "o" alone is ambiguous; "of" and "off" are off
        "of" | "off" => Some(false),
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(options: &[(&str, Option<&str>)]) -> Option<String> {
        let options: Vec<(String, Option<String>)> = options
            .iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect();
        problem(Target::Table { partitioned: false }, &options)
    }

    #[test]
    fn table_parameters_are_judged_as_on_15() {
        // each observed on 15 (the regression suite's reloptions.sql)
        assert_eq!(
            table(&[("fillfactor", Some("2"))]).as_deref(),
            Some("value 2 out of bounds for option \"fillfactor\"")
        );
        assert_eq!(
            table(&[("fillfactor", Some("-30.1"))]).as_deref(),
            Some("value -30.1 out of bounds for option \"fillfactor\"")
        );
        assert_eq!(
            table(&[("fillfactor", Some("string"))]).as_deref(),
            Some("invalid value for integer option \"fillfactor\": string")
        );
        assert_eq!(
            table(&[("autovacuum_enabled", Some("12"))]).as_deref(),
            Some("invalid value for boolean option \"autovacuum_enabled\": 12")
        );
        assert_eq!(
            table(&[("autovacuum_analyze_scale_factor", Some("-10.0"))]).as_deref(),
            Some("value -10.0 out of bounds for option \"autovacuum_analyze_scale_factor\"")
        );
        assert_eq!(
            table(&[("not_existing_option", Some("2"))]).as_deref(),
            Some("unrecognized parameter \"not_existing_option\"")
        );
        // another namespace may be an extension's: not judged
        assert_eq!(
            table(&[("not_existing_namespace.fillfactor", Some("2"))]),
            None
        );
        assert_eq!(table(&[("tsdb.hypertable", None)]), None);
        assert_eq!(
            table(&[("Fillfactor", Some("10"))]).as_deref(),
            Some("unrecognized parameter \"Fillfactor\"")
        );
        assert_eq!(
            table(&[("oids", None)]).as_deref(),
            Some("tables declared WITH OIDS are not supported")
        );
        assert_eq!(
            table(&[("fillfactor", Some("30")), ("fillfactor", Some("40"))]).as_deref(),
            Some("parameter \"fillfactor\" specified more than once")
        );
        for ok in [
            &[("fillfactor", Some("30"))][..],
            &[
                ("autovacuum_enabled", None),
                ("toast.autovacuum_enabled", Some("off")),
            ],
            &[("oids", Some("false"))],
            &[("vacuum_index_cleanup", Some("auto"))],
            &[("parallel_workers", Some("4"))],
        ] {
            assert_eq!(table(ok), None, "{ok:?}");
        }
        assert_eq!(
            problem(
                Target::Table { partitioned: true },
                &[("fillfactor".to_string(), Some("70".to_string()))]
            )
            .as_deref(),
            Some("cannot specify storage parameters for a partitioned table")
        );
    }

    #[test]
    fn index_parameters_by_method() {
        let one = |method: Option<&str>, name: &str, value: &str| {
            problem(
                Target::Index(method),
                &[(name.to_string(), Some(value.to_string()))],
            )
        };
        assert_eq!(
            one(None, "fillfactor", "1").as_deref(),
            Some("value 1 out of bounds for option \"fillfactor\"")
        );
        assert_eq!(one(Some("btree"), "deduplicate_items", "off"), None);
        assert_eq!(
            one(Some("gin"), "fillfactor", "70").as_deref(),
            Some("unrecognized parameter \"fillfactor\"")
        );
        // an extension's method: not judged
        assert_eq!(one(Some("ivfflat"), "lists", "100"), None);
    }
}
