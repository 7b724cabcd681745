//! Replay on small histories: automatic names, renames and drops reaching what
//! depends on them, owners, sessions.

use super::*;

#[test]
fn automatic_names_fit_in_63_bytes_like_postgres() {
    assert_eq!(
        make_object_name("accounts", Some("email"), "key"),
        "accounts_email_key"
    );
    assert_eq!(make_object_name("accounts", None, "pkey"), "accounts_pkey");
    let long = "a".repeat(60);
    let name = make_object_name(&long, Some("col"), "fkey");
    assert_eq!(name.len(), 63);
    assert!(name.ends_with("_col_fkey"));
}

#[test]
fn expression_index_columns_are_named_like_postgres() {
    assert_eq!(expression_column_name("lower(email)"), "lower");
    assert_eq!(
        expression_column_name("public.canon_crate_name(name)"),
        "canon_crate_name"
    );
    assert_eq!(expression_column_name("(a + b)"), "expr");
    // observed on 15: `((a))` and `((a::text))` are `t_a_idx`, `(b::varchar || 'x')`
    // `t_expr_idx`, `(CAST(a AS bigint))` `t_a_idx`, `('x'::text)` `t_text_idx`, and
    // `(("Mixed"::text))` `t_Mixed_idx`
    assert_eq!(expression_column_name("a"), "a");
    assert_eq!(expression_column_name("(a::text)"), "a");
    assert_eq!(expression_column_name("b::varchar || 'x'"), "expr");
    assert_eq!(expression_column_name("CAST(a AS bigint)"), "a");
    assert_eq!(expression_column_name("'x'::text"), "text");
    assert_eq!(expression_column_name("\"Mixed\"::text"), "Mixed");
    assert_eq!(expression_column_name("t.a::text"), "a");
    assert_eq!(expression_column_name("lower(b)::varchar(10)"), "lower");
    assert_eq!(expression_column_name("lower(b) || 'x'"), "expr");
}

fn replay(cat: &mut Catalog, file: usize, sql: &str) {
    for stmt in crate::parse::parse_file(sql).statements {
        apply(
            cat,
            &stmt.op,
            Origin {
                file,
                transaction: file as u64,
            },
        );
    }
}

#[test]
fn schemas_and_extensions_remember_where_they_were_created() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE SCHEMA app; CREATE SCHEMA IF NOT EXISTS public; CREATE EXTENSION pgcrypto;",
    );
    assert_eq!(cat.schema_origin("app").flatten().map(|o| o.file), Some(1));
    // `public` was there before the history: IF NOT EXISTS does not claim it
    assert_eq!(cat.schema_origin("public"), Some(None));
    assert_eq!(cat.schema_origin("nowhere"), None);
    assert_eq!(
        cat.extension_origin("pgcrypto").flatten().map(|o| o.file),
        Some(1)
    );
    replay(
        &mut cat,
        2,
        "ALTER SCHEMA app RENAME TO core; DROP EXTENSION pgcrypto;",
    );
    assert_eq!(cat.schema_origin("core").flatten().map(|o| o.file), Some(1));
    assert_eq!(cat.schema_origin("app"), None);
    assert_eq!(cat.extension_origin("pgcrypto"), None);
}

#[test]
fn constraints_and_trigger_functions_keep_their_origin() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE t (id bigint PRIMARY KEY, n int CONSTRAINT n_positive CHECK (n > 0));\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
    );
    replay(
        &mut cat,
        2,
        "ALTER TABLE t RENAME CONSTRAINT n_positive TO n_gt_zero;",
    );
    let t = cat.table(&ObjectName::unqualified("t")).unwrap();
    assert_eq!(
        t.constraint("n_gt_zero")
            .and_then(|c| c.origin)
            .map(|o| o.file),
        Some(1)
    );
    assert_eq!(
        t.constraint("t_pkey")
            .and_then(|c| c.origin)
            .map(|o| o.file),
        Some(1)
    );
    let (_, f) = cat.function(&ObjectName::unqualified("touch")).unwrap();
    assert!(f[0].returns_trigger);
}

#[test]
fn dropping_a_trigger_function_with_cascade_drops_its_triggers() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE t (id bigint);\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
    );
    let triggers = |cat: &Catalog| {
        let t = cat.table(&ObjectName::unqualified("t")).unwrap();
        t.triggers.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(triggers(&cat), vec!["t_touch"]);
    replay(&mut cat, 2, "DROP FUNCTION touch() CASCADE;");
    assert!(triggers(&cat).is_empty());
}

fn table<'a>(cat: &'a Catalog, name: &str) -> &'a Table {
    cat.table(&ObjectName::unqualified(name))
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn index<'a>(cat: &'a Catalog, name: &str) -> Option<&'a Index> {
    cat.index(&ObjectName::unqualified(name))
}

fn check_text(t: &Table, name: &str) -> String {
    match t.constraint(name).map(|c| &c.kind) {
        Some(ConstraintKind::Check { expr, .. }) => expr.text.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn a_column_rename_reaches_every_expression_using_it() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE person (id int PRIMARY KEY, actor_id text, blocked timestamptz,\n\
           total int, half int GENERATED ALWAYS AS (total / 2) STORED,\n\
           CONSTRAINT total_set CHECK (total IS NOT NULL OR actor_id <> 'actor_id'));\n\
         CREATE UNIQUE INDEX person_lower_actor ON person (lower(actor_id));\n\
         CREATE INDEX person_blocked ON person (id) WHERE blocked IS NOT NULL;",
    );
    replay(
        &mut cat,
        2,
        "ALTER TABLE person RENAME COLUMN actor_id TO ap_id;\n\
         ALTER TABLE person RENAME COLUMN blocked TO blocked_at;\n\
         ALTER TABLE person RENAME total TO sum;",
    );
    let t = table(&cat, "person");
    assert_eq!(
        check_text(t, "total_set"),
        "sum IS NOT NULL OR ap_id <> 'actor_id'"
    );
    let half = t.column("half").and_then(|c| c.generated.as_ref());
    assert_eq!(half.map(|g| g.expr.text.as_str()), Some("sum / 2"));
    let lower = index(&cat, "person_lower_actor").map(|i| i.columns.clone());
    assert_eq!(lower, Some(vec!["(lower(ap_id))".to_string()]));
    let blocked = index(&cat, "person_blocked").and_then(|i| i.predicate.clone());
    assert_eq!(
        blocked.map(|p| (p.text, p.columns)),
        Some((
            "blocked_at IS NOT NULL".to_string(),
            vec!["blocked_at".to_string()]
        ))
    );
}

#[test]
fn a_foreign_key_follows_its_renamed_column_and_a_new_one_gets_the_next_name() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE builds (id bigserial PRIMARY KEY, rerun_of int REFERENCES builds (id));",
    );
    replay(
        &mut cat,
        2,
        "ALTER TABLE builds RENAME COLUMN rerun_of TO rerun_of_old;\n\
         ALTER TABLE builds ADD COLUMN rerun_of bigint REFERENCES builds (id);",
    );
    let t = table(&cat, "builds");
    let fks: Vec<(String, Vec<String>)> = t
        .foreign_keys()
        .map(|(c, _)| (c.name.clone(), c.kind.columns().to_vec()))
        .collect();
    assert_eq!(
        fks,
        vec![
            (
                "builds_rerun_of_fkey".to_string(),
                vec!["rerun_of_old".to_string()]
            ),
            (
                "builds_rerun_of_fkey1".to_string(),
                vec!["rerun_of".to_string()]
            ),
        ]
    );
}

#[test]
fn dropping_a_column_drops_the_indexes_and_constraints_using_it() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE r (x int, y int, PRIMARY KEY (x, y));\n\
         CREATE TABLE t (id int PRIMARY KEY, a int, b int, email text, d int,\n\
           g int GENERATED ALWAYS AS (a * 2) STORED,\n\
           CONSTRAINT ab_check CHECK (a > b), UNIQUE (a, b), UNIQUE (b),\n\
           CONSTRAINT fk_ad FOREIGN KEY (a, d) REFERENCES r (x, y));\n\
         CREATE UNIQUE INDEX t_email_lower ON t (lower(email));\n\
         CREATE INDEX t_pred ON t (id) WHERE email IS NOT NULL;\n\
         CREATE INDEX t_ba ON t (b, a);\n\
         CREATE SEQUENCE t_seq OWNED BY t.a;",
    );
    replay(
        &mut cat,
        2,
        "ALTER TABLE t DROP COLUMN email; ALTER TABLE t DROP COLUMN a CASCADE;",
    );
    let t = table(&cat, "t");
    let mut constraints: Vec<&str> = t.constraints.iter().map(|c| c.name.as_str()).collect();
    constraints.sort_unstable();
    assert_eq!(constraints, ["t_b_key", "t_pkey"]);
    let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "b", "d"]);
    let indexes: Vec<&str> = cat
        .indexes_on(&t.name)
        .map(|i| i.name.name.as_str())
        .collect();
    assert_eq!(indexes, ["t_b_key", "t_pkey"]);
    assert!(cat.sequence(&ObjectName::unqualified("t_seq")).is_none());
}

#[test]
fn renamed_sequences_enum_values_and_types_are_followed_by_their_users() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TYPE mode AS ENUM ('open', 'require_application');\n\
         CREATE TABLE user_ (id serial PRIMARY KEY,\n\
           registration mode DEFAULT 'require_application' NOT NULL,\n\
           modes mode[], CHECK (registration <> 'open'));",
    );
    replay(
        &mut cat,
        2,
        "ALTER TABLE user_ RENAME TO person;\n\
         ALTER SEQUENCE user__id_seq RENAME TO person_id_seq;\n\
         ALTER TYPE mode RENAME VALUE 'require_application' TO 'RequireApplication';\n\
         ALTER TYPE mode RENAME VALUE 'open' TO 'Open';\n\
         ALTER TYPE mode RENAME TO registration_mode;",
    );
    let t = table(&cat, "person");
    let default = |c: &str| {
        t.column(c)
            .and_then(|c| c.default.as_ref())
            .map(|d| d.text.clone())
    };
    assert_eq!(
        default("id").as_deref(),
        Some("nextval('public.person_id_seq'::regclass)")
    );
    assert_eq!(
        default("registration").as_deref(),
        Some("'RequireApplication'")
    );
    assert_eq!(
        check_text(t, "user__registration_check"),
        "registration <> 'Open'"
    );
    let ty = |c: &str| t.column(c).map(|c| (c.ty.name.clone(), c.ty.array_dims));
    assert_eq!(
        ty("registration"),
        Some(("registration_mode".to_string(), 0))
    );
    assert_eq!(ty("modes"), Some(("registration_mode".to_string(), 1)));
    // ALTER TABLE renames a sequence too
    replay(
        &mut cat,
        3,
        "ALTER TABLE person_id_seq RENAME TO people_id_seq;",
    );
    let t = table(&cat, "person");
    assert!(
        t.column("id")
            .and_then(|c| c.default.as_ref())
            .is_some_and(|d| d.text.contains("people_id_seq"))
    );
    assert!(
        cat.table(&ObjectName::unqualified("person_id_seq"))
            .is_none()
    );
}

#[test]
fn triggers_follow_a_renamed_function_and_go_with_it() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE t (id bigint);\n\
         CREATE FUNCTION user_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE TRIGGER t_insert AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION user_insert();",
    );
    replay(
        &mut cat,
        2,
        "ALTER FUNCTION user_insert() RENAME TO person_insert;\n\
         DROP FUNCTION person_insert CASCADE;",
    );
    assert!(table(&cat, "t").triggers.is_empty());
}

#[test]
fn dropping_a_type_with_cascade_drops_its_columns() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TYPE mood AS ENUM ('a', 'b');\n\
         CREATE TABLE t (id int, m mood, n int);\n\
         CREATE INDEX t_m ON t (m);",
    );
    replay(&mut cat, 2, "DROP TYPE mood CASCADE;");
    let columns: Vec<&str> = table(&cat, "t")
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["id", "n"]);
    assert!(index(&cat, "t_m").is_none());
}

#[test]
fn automatic_names_avoid_the_schemas_taken_names_like_postgres() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE x (a int CONSTRAINT t_a_check CHECK (a > 0));\n\
         CREATE TABLE t (a int CHECK (a > 1), b int CHECK (b > 0), CHECK (b < 10));\n\
         CREATE TABLE t_a_idx (z int);\n\
         CREATE INDEX ON t (a);\n\
         CREATE TABLE y (q int CONSTRAINT u_pkey CHECK (q > 0));\n\
         CREATE TABLE u (id int PRIMARY KEY);\n\
         CREATE SEQUENCE v_id_seq;\n\
         CREATE TABLE v (id serial);",
    );
    let mut checks: Vec<&str> = table(&cat, "t")
        .constraints
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    checks.sort_unstable();
    assert_eq!(checks, ["t_a_check1", "t_b_check", "t_b_check1"]);
    assert!(index(&cat, "t_a_idx1").is_some());
    assert_eq!(
        table(&cat, "u").primary_key().map(|c| c.name.as_str()),
        Some("u_pkey1")
    );
    assert!(index(&cat, "u_pkey1").is_some());
    assert!(
        cat.sequence(&ObjectName::unqualified("v_id_seq1"))
            .is_some()
    );
}

#[test]
fn a_unique_repeating_the_primary_key_in_create_table_is_not_made() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE a1 (id int PRIMARY KEY UNIQUE);\n\
         CREATE TABLE a2 (id int, PRIMARY KEY (id), UNIQUE (id));\n\
         CREATE TABLE a4 (id int, x int, UNIQUE (id, x), UNIQUE (id, x));\n\
         CREATE TABLE a5 (id int, x int, UNIQUE (x, id), PRIMARY KEY (id, x));\n\
         CREATE TABLE a6 (id int PRIMARY KEY); ALTER TABLE a6 ADD UNIQUE (id);\n\
         CREATE TABLE a8 (x int, UNIQUE (x), UNIQUE (x), CONSTRAINT foo UNIQUE (x));\n\
         CREATE TABLE a9 (x int, UNIQUE (x) DEFERRABLE, PRIMARY KEY (x));\n\
         CREATE TABLE b1 (id int CONSTRAINT u1 UNIQUE, PRIMARY KEY (id));\n\
         CREATE TABLE b4 (id int); ALTER TABLE b4 ADD COLUMN y int PRIMARY KEY UNIQUE;",
    );
    let names = |t: &str| {
        let mut n: Vec<String> = table(&cat, t)
            .constraints
            .iter()
            .map(|c| c.name.clone())
            .collect();
        n.sort_unstable();
        n
    };
    assert_eq!(names("a1"), ["a1_pkey"]);
    assert_eq!(names("a2"), ["a2_pkey"]);
    assert_eq!(names("a4"), ["a4_id_x_key"]);
    assert_eq!(names("a5"), ["a5_pkey", "a5_x_id_key"]);
    assert_eq!(names("a6"), ["a6_id_key", "a6_pkey"]);
    assert_eq!(names("a8"), ["foo"]);
    assert_eq!(names("a9"), ["a9_pkey", "a9_x_key"]);
    assert_eq!(names("b1"), ["u1"]);
    assert_eq!(names("b4"), ["b4_pkey"]);
    assert!(index(&cat, "a1_id_key").is_none());
    assert!(index(&cat, "u1").is_some_and(|i| i.primary));
}

#[test]
fn a_child_inherits_its_parents_columns_and_checks_and_later_columns() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "CREATE TABLE par (id serial PRIMARY KEY, a int NOT NULL DEFAULT 5, b text,\n\
           CONSTRAINT par_a_check CHECK (a > 0), CONSTRAINT ni CHECK (a < 100) NO INHERIT);\n\
         CREATE TABLE ch (c int, a int DEFAULT 7) INHERITS (par);\n\
         ALTER TABLE par ADD COLUMN d int CHECK (d > 1);",
    );
    let ch = table(&cat, "ch");
    let columns: Vec<(&str, bool, Option<&str>)> = ch
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.not_null,
                c.default.as_ref().map(|d| d.text.as_str()),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("id", true, Some("nextval('public.par_id_seq'::regclass)")),
            ("a", true, Some("7")),
            ("b", false, None),
            ("c", false, None),
            ("d", false, None),
        ]
    );
    let mut checks: Vec<&str> = ch.constraints.iter().map(|c| c.name.as_str()).collect();
    checks.sort_unstable();
    assert_eq!(checks, ["par_a_check", "par_d_check"]);
    assert!(cat.indexes_on(&ch.name).next().is_none());
}

#[test]
fn alter_table_if_exists_on_an_unknown_table_changes_nothing() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        1,
        "ALTER TABLE IF EXISTS nope ADD COLUMN x int;\nALTER TABLE elsewhere ADD COLUMN y int;",
    );
    assert!(cat.table(&ObjectName::unqualified("nope")).is_none());
    // without IF EXISTS the table is taken to exist outside the history
    let t = cat.table(&ObjectName::unqualified("elsewhere")).unwrap();
    assert!(!t.columns_complete);
}

#[test]
fn search_path_skips_user_and_folds() {
    assert_eq!(
        parse_search_path("\"$user\", public, \"My\""),
        vec!["public", "My"]
    );
    assert_eq!(parse_search_path(""), vec!["public"]);
}

/// A materialized view's indexes go with it, however it goes (PostgreSQL 15's
/// matview.sql: `DROP TABLE mvtest_foo CASCADE` dropped mvtest_mv and its indexes).
#[test]
fn a_dropped_materialized_view_takes_its_indexes() {
    let mut cat = Catalog::default();
    replay(
        &mut cat,
        0,
        "CREATE TABLE foo (a int, b int);
         CREATE MATERIALIZED VIEW mv AS SELECT * FROM foo;
         CREATE UNIQUE INDEX ON mv (a);
         CREATE MATERIALIZED VIEW mv2 AS SELECT a FROM foo;
         CREATE INDEX mv2_a ON mv2 (a);
         CREATE INDEX foo_b ON foo (b);
         DROP TABLE foo CASCADE;",
    );
    assert!(cat.views.is_empty());
    assert_eq!(cat.indexes.len(), 0);
}
