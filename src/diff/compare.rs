//! Structured differences between two canonical schemas: what is only on the left
//! (missing on the right), only on the right (extra), and what both have but differently
//! (changed, attribute by attribute).

use super::canonical::{Key, Object, ObjectKind, Schema};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Only on the left (what the migrations produce), missing on the right.
    Missing,
    /// Only on the right (the live database), not on the left.
    Extra,
    /// On both sides, differently.
    Changed,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "missing",
            DifferenceKind::Extra => "extra",
            DifferenceKind::Changed => "changed",
        }
    }
}

/// One attribute that differs; `None` is "has none" (no default, no owner).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub attribute: &'static str,
    pub left: Option<String>,
    pub right: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub object: ObjectKind,
    /// The object's name (the left one for a rename).
    pub name: String,
    /// The table a column, constraint, index or trigger is on.
    pub table: Option<String>,
    /// For `changed`: what differs.
    pub changes: Vec<Change>,
    /// The object's canonical DDL on each side (`None` where it is absent).
    pub left_ddl: Option<String>,
    pub right_ddl: Option<String>,
}

/// The DDL block of one differing group (a table with its parts, or one object), on
/// each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockDiff {
    pub kind: ObjectKind,
    pub name: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct SchemaDiff {
    pub differences: Vec<Difference>,
    pub blocks: Vec<BlockDiff>,
    /// What was not compared, and why.
    pub notes: Vec<String>,
    /// Objects compared (on either side).
    pub objects: usize,
}

impl SchemaDiff {
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    pub fn count(&self, kind: DifferenceKind) -> usize {
        self.differences.iter().filter(|d| d.kind == kind).count()
    }
}

fn table_key(name: &str) -> Key {
    Key {
        group_kind: ObjectKind::Table,
        group: name.to_string(),
        kind: ObjectKind::Table,
        name: name.to_string(),
    }
}

fn one_side(kind: DifferenceKind, o: &Object) -> Difference {
    let ddl = Some(o.ddl.clone());
    Difference {
        kind,
        object: o.kind,
        name: o.name.clone(),
        table: o.table.clone(),
        changes: Vec::new(),
        left_ddl: if kind == DifferenceKind::Missing {
            ddl.clone()
        } else {
            None
        },
        right_ddl: if kind == DifferenceKind::Extra {
            ddl
        } else {
            None
        },
    }
}

/// The order of the columns both sides have, as each side has them.
fn common_order(l: &Object, r: &Object) -> (Vec<String>, Vec<String>) {
    let in_r: BTreeSet<&String> = r.column_order.iter().collect();
    let in_l: BTreeSet<&String> = l.column_order.iter().collect();
    let lo = l
        .column_order
        .iter()
        .filter(|c| in_r.contains(c))
        .cloned()
        .collect();
    let ro = r
        .column_order
        .iter()
        .filter(|c| in_l.contains(c))
        .cloned()
        .collect();
    (lo, ro)
}

fn changes(l: &Object, r: &Object) -> Vec<Change> {
    let mut out = Vec::new();
    for la in &l.attributes {
        let Some(ra) = r.attributes.iter().find(|a| a.name == la.name) else {
            continue;
        };
        if la.known && ra.known && la.value != ra.value {
            out.push(Change {
                attribute: la.name,
                left: la.value.clone(),
                right: ra.value.clone(),
            });
        }
    }
    if l.kind == ObjectKind::Table && !l.columns_incomplete && !r.columns_incomplete {
        let (lo, ro) = common_order(l, r);
        if lo != ro {
            out.push(Change {
                attribute: "column order",
                left: Some(lo.join(", ")),
                right: Some(ro.join(", ")),
            });
        }
    }
    out
}

/// Compares two canonical schemas.
pub fn compare(left: &Schema, right: &Schema) -> SchemaDiff {
    let mut out = SchemaDiff::default();
    let keys: BTreeSet<&Key> = left.objects.keys().chain(right.objects.keys()).collect();
    out.objects = keys.len();
    // (position in the output, difference), so that renames stay where they were found
    let mut found: Vec<Difference> = Vec::new();
    let mut incomplete_noted: BTreeSet<String> = BTreeSet::new();
    for key in keys {
        let (l, r) = (left.objects.get(key), right.objects.get(key));
        match (l, r) {
            (Some(l), Some(r)) => {
                let changes = changes(l, r);
                if !changes.is_empty() {
                    found.push(Difference {
                        kind: DifferenceKind::Changed,
                        object: l.kind,
                        name: l.name.clone(),
                        table: l.table.clone(),
                        changes,
                        left_ddl: Some(l.ddl.clone()),
                        right_ddl: Some(r.ddl.clone()),
                    });
                }
            }
            (Some(o), None) | (None, Some(o)) => {
                if o.assumed {
                    out.notes.push(format!(
                        "table {}: the {} side only alters it and never creates it, and the other side has none: not reported",
                        o.name,
                        if l.is_some() { "left" } else { "right" }
                    ));
                    continue;
                }
                let (kind, this, other) = if l.is_some() {
                    (DifferenceKind::Missing, left, right)
                } else {
                    (DifferenceKind::Extra, right, left)
                };
                if let Some(t) = &o.table {
                    let tk = table_key(t);
                    // a part of a table the other side lacks: the table says it all
                    if this.objects.contains_key(&tk) && !other.objects.contains_key(&tk) {
                        continue;
                    }
                    // a column the other side cannot know about
                    if o.kind == ObjectKind::Column
                        && other.objects.get(&tk).is_some_and(|t| t.columns_incomplete)
                    {
                        if incomplete_noted.insert(t.clone()) {
                            out.notes.push(format!(
                                "table {t}: the {} side does not show all of its columns (CREATE TABLE AS, LIKE or a table it only alters); columns only on the {} side are not reported",
                                if kind == DifferenceKind::Missing { "right" } else { "left" },
                                if kind == DifferenceKind::Missing { "left" } else { "right" },
                            ));
                        }
                        continue;
                    }
                }
                found.push(one_side(kind, o));
            }
            (None, None) => {}
        }
    }
    pair_renames(&mut found);
    // the DDL blocks of every group with a difference
    let mut groups: BTreeMap<(ObjectKind, String), ()> = BTreeMap::new();
    for d in &found {
        let g = match &d.table {
            Some(t) => (ObjectKind::Table, t.clone()),
            None => (d.object, d.name.clone()),
        };
        groups.insert(g, ());
    }
    for (g, ()) in groups {
        let (l, r) = (left.blocks.get(&g).cloned(), right.blocks.get(&g).cloned());
        if l != r {
            out.blocks.push(BlockDiff {
                kind: g.0,
                name: g.1,
                left: l,
                right: r,
            });
        }
    }
    out.differences = found;
    out
}

/// A constraint or index only on the left and one only on the right, on the same
/// table with the same definition: one object, renamed.
fn pair_renames(found: &mut Vec<Difference>) {
    let signature = |d: &Difference| -> Option<String> {
        let ddl = d.left_ddl.as_ref().or(d.right_ddl.as_ref())?;
        let name_free = match d.object {
            // `CONSTRAINT name definition`
            ObjectKind::Constraint => ddl.split_once(' ')?.1.split_once(' ')?.1.to_string(),
            // `CREATE [UNIQUE] INDEX name ON ...`
            ObjectKind::Index => {
                let (before, after) = ddl.split_once(" INDEX ")?;
                format!("{before} INDEX {}", after.split_once(' ')?.1)
            }
            _ => return None,
        };
        Some(name_free)
    };
    // the extra ones, by what they are apart from their name
    let mut extras: HashMap<(ObjectKind, Option<String>, String), Vec<usize>> = HashMap::new();
    for (j, d) in found.iter().enumerate() {
        if d.kind == DifferenceKind::Extra {
            if let Some(sig) = signature(d) {
                extras
                    .entry((d.object, d.table.clone(), sig))
                    .or_default()
                    .push(j);
            }
        }
    }
    let mut taken: HashSet<usize> = HashSet::new();
    for i in 0..found.len() {
        if found[i].kind != DifferenceKind::Missing {
            continue;
        }
        let Some(sig) = signature(&found[i]) else {
            continue;
        };
        let key = (found[i].object, found[i].table.clone(), sig);
        let Some(j) = extras
            .get_mut(&key)
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
        else {
            continue;
        };
        taken.insert(j);
        let (new_name, new_ddl) = (found[j].name.clone(), found[j].right_ddl.clone());
        let d = &mut found[i];
        d.kind = DifferenceKind::Changed;
        d.changes = vec![Change {
            attribute: "name",
            left: Some(d.name.clone()),
            right: Some(new_name),
        }];
        d.right_ddl = new_ddl;
    }
    let mut j = 0;
    found.retain(|_| {
        j += 1;
        !taken.contains(&(j - 1))
    });
}

#[cfg(test)]
mod tests {
    use super::super::canonical::{Exclusions, canonicalize};
    use super::*;
    use crate::catalog::{Catalog, Origin, replay};

    fn schema(sql: &str) -> Schema {
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(sql).statements {
            replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        canonicalize(&cat, &Exclusions::default())
    }

    const BASE: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\
                        CREATE INDEX users_email_idx ON users (email);";

    #[test]
    fn equal_schemas_have_no_differences() {
        let d = compare(&schema(BASE), &schema(BASE));
        assert!(d.is_empty(), "{:?}", d.differences);
        assert!(d.blocks.is_empty());
        assert!(d.objects > 3);
    }

    #[test]
    fn each_kind_of_difference_is_reported_once_with_what_changed() {
        let right = format!(
            "{BASE}\nALTER TABLE users ALTER COLUMN email TYPE varchar(255);\n\
             ALTER TABLE users ADD COLUMN nick text;\nDROP INDEX users_email_idx;\n\
             ALTER TABLE users ADD CONSTRAINT nick_short CHECK (length(nick) < 20) NOT VALID;\n\
             CREATE TABLE extra (id int);"
        );
        let d = compare(&schema(BASE), &schema(&right));
        let summary: Vec<(DifferenceKind, ObjectKind, &str)> = d
            .differences
            .iter()
            .map(|d| (d.kind, d.object, d.name.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (DifferenceKind::Extra, ObjectKind::Table, "public.extra"),
                (
                    DifferenceKind::Changed,
                    ObjectKind::Column,
                    "public.users.email"
                ),
                (
                    DifferenceKind::Extra,
                    ObjectKind::Column,
                    "public.users.nick"
                ),
                (DifferenceKind::Extra, ObjectKind::Constraint, "nick_short"),
                (
                    DifferenceKind::Missing,
                    ObjectKind::Index,
                    "public.users_email_idx"
                ),
            ]
        );
        let email = &d.differences[1];
        assert_eq!(
            email.changes,
            vec![Change {
                attribute: "type",
                left: Some("text".into()),
                right: Some("varchar(255)".into())
            }]
        );
        assert!(
            d.differences[3]
                .right_ddl
                .as_deref()
                .is_some_and(|s| s.ends_with("NOT VALID"))
        );
        // the extra table's columns are not listed one by one
        assert!(
            !d.differences
                .iter()
                .any(|x| x.table.as_deref() == Some("public.extra"))
        );
        let groups: Vec<&str> = d.blocks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(groups, vec!["public.extra", "public.users"]);
    }

    #[test]
    fn a_renamed_index_is_one_change() {
        let right = format!("{BASE}\nALTER INDEX users_email_idx RENAME TO users_by_email;");
        let d = compare(&schema(BASE), &schema(&right));
        assert_eq!(d.differences.len(), 1, "{:?}", d.differences);
        assert_eq!(d.differences[0].kind, DifferenceKind::Changed);
        assert_eq!(d.differences[0].changes[0].attribute, "name");
        assert_eq!(
            d.differences[0].changes[0].right.as_deref(),
            Some("public.users_by_email")
        );
    }

    #[test]
    fn validation_and_nullability_are_their_own_changes() {
        let left = format!("{BASE}\nALTER TABLE users ADD CONSTRAINT c CHECK (id > 0);");
        let right = format!(
            "{BASE}\nALTER TABLE users ADD CONSTRAINT c CHECK ((id > 0)) NOT VALID;\n\
             ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"
        );
        let d = compare(&schema(&left), &schema(&right));
        let changes: Vec<(&str, &str)> = d
            .differences
            .iter()
            .flat_map(|d| {
                d.changes
                    .iter()
                    .map(move |c| (d.name.as_str(), c.attribute))
            })
            .collect();
        assert_eq!(
            changes,
            vec![("public.users.email", "nullability"), ("c", "validity")]
        );
    }

    #[test]
    fn column_order_is_compared_on_common_columns() {
        let d = compare(
            &schema("CREATE TABLE t (a int, b int);"),
            &schema("CREATE TABLE t (b int, a int, c int);"),
        );
        let attrs: Vec<&str> = d
            .differences
            .iter()
            .flat_map(|d| d.changes.iter().map(|c| c.attribute))
            .collect();
        assert_eq!(attrs, vec!["column order"]);
    }
}
