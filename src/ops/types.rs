//! Column types, canonicalised to PostgreSQL's internal names so that `integer`, `int`
//! and `int4` compare equal, and `character varying(20)` is `varchar` with modifier 20.

use super::names::{fold_ident, split_qualified};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TypeName {
    /// Canonical name: `int4`, `int8`, `varchar`, `bpchar`, `timestamptz`, `serial4`, ...
    /// or the folded name of a user-defined type.
    pub name: String,
    pub schema: Option<String>,
    /// Type modifiers: `varchar(20)` -> `[20]`, `numeric(10,2)` -> `[10, 2]`.
    pub modifiers: Vec<i64>,
    /// Array dimensions (`int[]` -> 1).
    pub array_dims: u32,
    /// As written in the statement.
    pub text: String,
}

impl TypeName {
    /// Parses a type as written: `varchar(255)`, `TIMESTAMP(3) WITH TIME ZONE`,
    /// `numeric(10, 2)[]`, `public."MyType"`, `double precision`, `int ARRAY`.
    pub fn parse(text: &str) -> TypeName {
        let written = text.trim().to_string();
        let mut rest = written.as_str();
        let mut array_dims = 0;
        // trailing array markers: `[]`, `[3]`, `ARRAY`, `ARRAY[3]`
        loop {
            let t = rest.trim_end();
            if t.ends_with(']') {
                if let Some(open) = t.rfind('[') {
                    array_dims += 1;
                    rest = &t[..open];
                    continue;
                }
            }
            let lower = t.to_ascii_lowercase();
            if lower.ends_with(" array") {
                array_dims += 1;
                rest = &t[..t.len() - 6];
                continue;
            }
            rest = t;
            break;
        }
        // modifiers in parentheses, possibly in the middle (`timestamp(3) with time zone`)
        let mut modifiers = Vec::new();
        let mut words = String::new();
        let mut depth = 0;
        let mut current_mod = String::new();
        let mut in_quote = false;
        for ch in rest.chars() {
            match ch {
                '"' => {
                    in_quote = !in_quote;
                    if depth == 0 {
                        words.push(ch);
                    }
                }
                '(' if !in_quote => {
                    depth += 1;
                    if depth == 1 {
                        words.push(' ');
                    }
                }
                ')' if !in_quote && depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        push_modifier(&mut modifiers, &current_mod);
                        current_mod.clear();
                        words.push(' ');
                    }
                }
                ',' if depth == 1 => {
                    push_modifier(&mut modifiers, &current_mod);
                    current_mod.clear();
                }
                c if depth > 0 => current_mod.push(c),
                c => words.push(c),
            }
        }
        let parts = split_qualified(&words.split_whitespace().collect::<Vec<_>>().join(" "));
        let (schema, base) = match parts.len() {
            0 => (None, String::new()),
            1 => (None, parts[0].clone()),
            n => (Some(parts[n - 2].clone()), parts[n - 1].clone()),
        };
        let quoted = written.trim_start().starts_with('"')
            || words
                .split('.')
                .next_back()
                .is_some_and(|w| w.trim().starts_with('"'));
        let (name, schema) = if quoted {
            (base, schema)
        } else {
            match canonical_builtin(&base, &modifiers) {
                Some(c) if schema.is_none() || schema.as_deref() == Some("pg_catalog") => {
                    (c.to_string(), None)
                }
                _ => (base, schema),
            }
        };
        // `float(p)` picks real or double precision from p; drop the precision then
        if name == "float4" || name == "float8" {
            modifiers.clear();
        }
        TypeName {
            name,
            schema,
            modifiers,
            array_dims,
            text: written,
        }
    }

    /// A built-in type, by its canonical name (`int8`, `timestamptz`, `jsonb`, ...).
    pub fn is_builtin(&self) -> bool {
        canonical_builtin(&self.name, &[]).is_some_and(|c| c == self.name)
    }

    pub fn is_serial(&self) -> bool {
        matches!(self.name.as_str(), "serial2" | "serial4" | "serial8")
    }

    /// The storage type of a serial (`serial4` -> `int4`), else the type itself.
    pub fn without_serial(&self) -> TypeName {
        let name = match self.name.as_str() {
            "serial2" => "int2",
            "serial4" => "int4",
            "serial8" => "int8",
            _ => return self.clone(),
        };
        TypeName {
            name: name.to_string(),
            ..self.clone()
        }
    }

    /// Same type, ignoring how it was written.
    pub fn same_as(&self, other: &TypeName) -> bool {
        self.name == other.name
            && self.schema == other.schema
            && self.modifiers == other.modifiers
            && self.array_dims == other.array_dims
    }

    /// Canonical SQL spelling, e.g. for diffs: `varchar(20)`, `numeric(10,2)[]`.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        if let Some(schema) = &self.schema {
            s.push_str(&super::names::quote_ident(schema));
            s.push('.');
        }
        s.push_str(&super::names::quote_ident(&self.name));
        if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(i64::to_string).collect();
            s.push_str(&format!("({})", mods.join(",")));
        }
        for _ in 0..self.array_dims {
            s.push_str("[]");
        }
        s
    }
}

impl TypeName {
    /// The one spelling `diff` prints for a type, whichever way it was written: the
    /// common SQL name of a built-in (`bigint` for `int8`/`BIGINT`, `timestamptz` for
    /// `timestamp with time zone`, `varchar(255)` for `character varying(255)`) with its
    /// modifiers and array markers; user-defined types as `schema.name` when qualified.
    pub fn spelling(&self) -> String {
        let base = match self.name.as_str() {
            "int2" => "smallint",
            "int4" => "integer",
            "int8" => "bigint",
            "float4" => "real",
            "float8" => "double precision",
            "bool" => "boolean",
            "bpchar" if !self.modifiers.is_empty() => "char",
            "varbit" => "bit varying",
            // the internal one-byte type is spelled quoted, unlike `char(n)`
            "char" => "\"char\"",
            name if canonical_builtin(name, &[]).is_some_and(|c| c == name) => name,
            _ => "",
        };
        let mut s = String::new();
        if base.is_empty() {
            if let Some(schema) = &self.schema {
                s.push_str(&super::names::quote_ident(schema));
                s.push('.');
            }
            s.push_str(&super::names::quote_ident(&self.name));
        } else {
            s.push_str(base);
        }
        if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(i64::to_string).collect();
            s.push_str(&format!("({})", mods.join(",")));
        }
        for _ in 0..self.array_dims {
            s.push_str("[]");
        }
        s
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn push_modifier(modifiers: &mut Vec<i64>, text: &str) {
    if let Ok(n) = text.trim().parse::<i64>() {
        modifiers.push(n);
    }
}

/// PostgreSQL's internal name for a built-in type spelled `words` (folded, single spaces).
fn canonical_builtin(words: &str, modifiers: &[i64]) -> Option<&'static str> {
    let w = words.trim();
    Some(match w {
        "smallint" | "int2" => "int2",
        "integer" | "int" | "int4" => "int4",
        "bigint" | "int8" => "int8",
        "smallserial" | "serial2" => "serial2",
        "serial" | "serial4" => "serial4",
        "bigserial" | "serial8" => "serial8",
        "real" | "float4" => "float4",
        "double precision" | "float8" | "double" => "float8",
        "float" => match modifiers.first() {
            Some(p) if *p <= 24 => "float4",
            _ => "float8",
        },
        "numeric" | "decimal" | "dec" => "numeric",
        "boolean" | "bool" => "bool",
        "character varying" | "varchar" | "char varying" => "varchar",
        "character" | "char" | "bpchar" => "bpchar",
        "text" => "text",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "time" | "time without time zone" => "time",
        "time with time zone" | "timetz" => "timetz",
        "date" => "date",
        "interval" => "interval",
        "bit" => "bit",
        "bit varying" | "varbit" => "varbit",
        "json" => "json",
        "jsonb" => "jsonb",
        "uuid" => "uuid",
        "bytea" => "bytea",
        "inet" => "inet",
        "cidr" => "cidr",
        "macaddr" => "macaddr",
        "macaddr8" => "macaddr8",
        "money" => "money",
        "xml" => "xml",
        "tsvector" => "tsvector",
        "tsquery" => "tsquery",
        "oid" => "oid",
        "citext" => "citext",
        "point" => "point",
        "int4range" => "int4range",
        "int8range" => "int8range",
        "numrange" => "numrange",
        "tsrange" => "tsrange",
        "tstzrange" => "tstzrange",
        "daterange" => "daterange",
        _ => {
            // `interval day to second`, `interval(3)` and friends
            if w.starts_with("interval") {
                "interval"
            } else {
                return None;
            }
        }
    })
}

/// Folds a type name written as one identifier (used for user-defined types).
pub fn fold_type_ident(raw: &str) -> String {
    fold_ident(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> (String, Vec<i64>, u32) {
        let ty = TypeName::parse(s);
        (ty.name, ty.modifiers, ty.array_dims)
    }

    #[test]
    fn canonicalises_builtin_spellings() {
        assert_eq!(t("INTEGER"), ("int4".into(), vec![], 0));
        assert_eq!(
            t("character varying(255)"),
            ("varchar".into(), vec![255], 0)
        );
        assert_eq!(t("CHARACTER VARYING(20)"), ("varchar".into(), vec![20], 0));
        assert_eq!(t("numeric(10, 2)"), ("numeric".into(), vec![10, 2], 0));
        assert_eq!(
            t("TIMESTAMP(3) WITH TIME ZONE"),
            ("timestamptz".into(), vec![3], 0)
        );
        assert_eq!(
            t("timestamp without time zone"),
            ("timestamp".into(), vec![], 0)
        );
        assert_eq!(t("double precision"), ("float8".into(), vec![], 0));
        assert_eq!(t("float(10)"), ("float4".into(), vec![], 0));
        assert_eq!(t("text[]"), ("text".into(), vec![], 1));
        assert_eq!(t("INT ARRAY"), ("int4".into(), vec![], 1));
        assert_eq!(t("bigserial"), ("serial8".into(), vec![], 0));
        assert_eq!(t("pg_catalog.int8"), ("int8".into(), vec![], 0));
    }

    #[test]
    fn one_spelling_whichever_way_a_type_was_written() {
        for (a, b) in [
            ("BIGINT", "int8"),
            ("timestamp with time zone", "TIMESTAMPTZ"),
            ("character varying(255)", "varchar(255)"),
            ("double precision", "float8"),
            ("numeric(10, 2)[]", "decimal(10,2)[]"),
            ("pg_catalog.bool", "boolean"),
        ] {
            assert_eq!(TypeName::parse(a).spelling(), TypeName::parse(b).spelling());
        }
        assert_eq!(TypeName::parse("INT8").spelling(), "bigint");
        assert_eq!(
            TypeName::parse("timestamp with time zone").spelling(),
            "timestamptz"
        );
        assert_eq!(
            TypeName::parse("CHARACTER VARYING(255)").spelling(),
            "varchar(255)"
        );
        assert_eq!(TypeName::parse("character(3)").spelling(), "char(3)");
        assert_eq!(
            TypeName::parse("public.\"Mood\"").spelling(),
            "public.\"Mood\""
        );
        assert_eq!(TypeName::parse("\"char\"").spelling(), "\"char\"");
        assert_eq!(TypeName::parse("integer[]").spelling(), "integer[]");
    }

    #[test]
    fn keeps_user_types_with_schema() {
        let ty = TypeName::parse("public.\"Mood\"");
        assert_eq!(ty.name, "Mood");
        assert_eq!(ty.schema.as_deref(), Some("public"));
        let ty = TypeName::parse("\"text\"");
        assert_eq!(ty.name, "text");
        assert_eq!(TypeName::parse("Mood").name, "mood");
    }
}
