use crate::lock::LockMode;
use crate::ops::*;
use crate::parse::parse_statement;

fn on(schema: Option<&str>, name: &str) -> ObjectName {
    ObjectName::new(schema, name)
}

fn n(name: &str) -> ObjectName {
    ObjectName::unqualified(name)
}

fn create_table(sql: &str) -> CreateTable {
    match parse_statement(sql) {
        Operation::CreateTable(t) => t,
        other => panic!("not CreateTable: {other:?}"),
    }
}

fn alter(sql: &str) -> AlterTable {
    match parse_statement(sql) {
        Operation::AlterTable(t) => t,
        other => panic!("not AlterTable: {other:?}"),
    }
}

fn actions(sql: &str) -> Vec<AlterTableAction> {
    alter(sql).actions
}

fn one_action(sql: &str) -> AlterTableAction {
    let mut a = actions(sql);
    assert_eq!(a.len(), 1, "{a:?}");
    a.remove(0)
}

fn added_column(sql: &str) -> ColumnDef {
    match one_action(sql) {
        AlterTableAction::AddColumn { column, .. } => column,
        other => panic!("not AddColumn: {other:?}"),
    }
}

fn default_of(sql: &str) -> Expr {
    *added_column(sql).default.expect("a default")
}

fn create_index(sql: &str) -> CreateIndex {
    match parse_statement(sql) {
        Operation::CreateIndex(i) => i,
        other => panic!("not CreateIndex: {other:?}"),
    }
}

fn dml(sql: &str) -> Dml {
    match parse_statement(sql) {
        Operation::Insert(d)
        | Operation::Update(d)
        | Operation::Delete(d)
        | Operation::Merge(d) => d,
        other => panic!("not DML: {other:?}"),
    }
}

fn set(sql: &str) -> SetVar {
    match parse_statement(sql) {
        Operation::Set(s) => s,
        other => panic!("not Set: {other:?}"),
    }
}

fn other_kind(sql: &str) -> String {
    match parse_statement(sql) {
        Operation::Other { kind } => kind,
        other => panic!("not Other: {other:?}"),
    }
}

fn ty(t: &str) -> TypeName {
    added_column(&format!("ALTER TABLE t ADD COLUMN c {t}")).ty
}

// --- names

#[test]
fn quoted_names_keep_case() {
    let t = create_table(
        r#"CREATE TABLE "App"."Users" ("Email" text, CONSTRAINT "PK" PRIMARY KEY ("Email"))"#,
    );
    assert_eq!(t.name, on(Some("App"), "Users"));
    assert_eq!(t.columns[0].name, "Email");
    assert_eq!(t.constraints[0].name.as_deref(), Some("PK"));
}

#[test]
fn unquoted_names_fold_to_lowercase() {
    let t = create_table("CREATE TABLE Public.Users (Email TEXT)");
    assert_eq!(t.name, on(Some("public"), "users"));
    assert_eq!(t.columns[0].name, "email");
}

#[test]
fn three_part_names_drop_the_database() {
    let t = alter("ALTER TABLE db.app.users ADD COLUMN a int");
    assert_eq!(t.name, on(Some("app"), "users"));
}

// --- types

#[test]
fn types_canonicalise_from_sqlparser_display() {
    let cases: &[(&str, &str, &[i64], u32)] = &[
        ("varchar(255)", "varchar", &[255], 0),
        ("CHARACTER VARYING(20)", "varchar", &[20], 0),
        ("character varying", "varchar", &[], 0),
        ("numeric(10,2)", "numeric", &[10, 2], 0),
        ("decimal(5, 2)", "numeric", &[5, 2], 0),
        ("timestamptz", "timestamptz", &[], 0),
        ("TIMESTAMP WITH TIME ZONE", "timestamptz", &[], 0),
        ("timestamp(3) with time zone", "timestamptz", &[3], 0),
        ("timestamp without time zone", "timestamp", &[], 0),
        ("text[]", "text", &[], 1),
        ("int[][]", "int4", &[], 2),
        ("integer ARRAY", "int4", &[], 1),
        ("serial", "serial4", &[], 0),
        ("bigserial", "serial8", &[], 0),
        ("double precision", "float8", &[], 0),
        ("bool", "bool", &[], 0),
        ("char(3)", "bpchar", &[3], 0),
        ("bit varying(5)", "varbit", &[5], 0),
        ("jsonb", "jsonb", &[], 0),
        ("citext", "citext", &[], 0),
    ];
    for (written, name, mods, dims) in cases {
        let t = ty(written);
        assert_eq!(
            (t.name.as_str(), t.modifiers.as_slice(), t.array_dims),
            (*name, *mods, *dims),
            "{written}"
        );
    }
}

#[test]
fn custom_and_quoted_types_keep_schema_and_case() {
    let t = ty(r#"public."Mood"[]"#);
    assert_eq!(
        (t.schema.as_deref(), t.name.as_str(), t.array_dims),
        (Some("public"), "Mood", 1)
    );
    let t = ty("App.Mood");
    assert_eq!(
        (t.schema.as_deref(), t.name.as_str()),
        (Some("app"), "mood")
    );
    assert_eq!(ty(r#""MyType""#).name, "MyType");
}

#[test]
fn canonical_type_quotes_names_that_need_it() {
    assert_eq!(ty(r#"public."Mood"[]"#).canonical(), r#"public."Mood"[]"#);
    assert_eq!(ty("varchar(20)").canonical(), "varchar(20)");
}

// --- expressions

#[test]
fn add_column_with_volatile_default_keeps_function_names() {
    let e = default_of("ALTER TABLE t ADD COLUMN id uuid DEFAULT public.gen_random_uuid()");
    assert_eq!(e.functions, ["gen_random_uuid"]);
    assert!(!e.is_constant);
    let e = default_of("ALTER TABLE t ADD COLUMN x float DEFAULT round(random() * 10)");
    assert_eq!(e.functions, ["round", "random"]);
}

#[test]
fn sql_value_functions_appear_lowercased_in_functions() {
    for (default, f) in [
        ("CURRENT_TIMESTAMP", "current_timestamp"),
        ("current_date", "current_date"),
        ("LOCALTIMESTAMP", "localtimestamp"),
        ("CURRENT_TIMESTAMP(3)", "current_timestamp"),
        ("NOW()", "now"),
        ("clock_timestamp()", "clock_timestamp"),
    ] {
        let e = default_of(&format!(
            "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT {default}"
        ));
        assert_eq!(e.functions, [f], "{default}");
    }
}

#[test]
fn special_syntax_functions_are_named() {
    let e = default_of("ALTER TABLE t ADD COLUMN c int DEFAULT extract(epoch from now())");
    assert_eq!(e.functions, ["extract", "now"]);
}

#[test]
fn literal_defaults_are_constant() {
    for c in [
        "'x'::text",
        "0",
        "-1",
        "-1.5",
        "true",
        "'{}'::jsonb",
        "ARRAY[]::text[]",
        "NULL",
        "CAST(NULL AS int)",
        "''",
        "(42)",
    ] {
        let e = default_of(&format!("ALTER TABLE t ADD COLUMN c text DEFAULT {c}"));
        assert!(e.is_constant, "{c}");
        assert!(e.functions.is_empty(), "{c}");
    }
    for c in ["now()", "nextval('s')", "a + 1", "(SELECT 1)"] {
        let e = default_of(&format!("ALTER TABLE t ADD COLUMN c text DEFAULT {c}"));
        assert!(!e.is_constant, "{c}");
    }
}

#[test]
fn null_literal_is_null() {
    assert!(default_of("ALTER TABLE t ADD COLUMN c int DEFAULT NULL").is_null);
    assert!(default_of("ALTER TABLE t ADD COLUMN c int DEFAULT NULL::int").is_null);
    assert!(!default_of("ALTER TABLE t ADD COLUMN c int DEFAULT 0").is_null);
}

#[test]
fn expression_text_columns_and_subqueries() {
    let e = default_of("ALTER TABLE t ADD COLUMN c int DEFAULT (SELECT max(x) FROM u)");
    assert!(e.has_subquery);
    assert_eq!(e.functions, ["max"]);
    assert!(
        e.columns.is_empty(),
        "columns inside subqueries are not ours"
    );
    let a = one_action("ALTER TABLE t ALTER COLUMN c TYPE bigint USING t.\"C\" + b::bigint");
    let AlterTableAction::AlterColumnType { using: Some(e), .. } = a else {
        panic!("{a:?}")
    };
    assert_eq!(e.columns, ["C", "b"]);
    assert!(!e.has_subquery);
    assert!(e.text.contains("+"));
}

#[test]
fn check_not_valid_proves_not_null() {
    let a = one_action(
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL AND (b IS NOT NULL) AND NOT (d IS NULL) AND e > 0) NOT VALID",
    );
    let AlterTableAction::AddConstraint(c) = a else {
        panic!("{a:?}")
    };
    assert!(c.not_valid);
    let ConstraintKind::Check { expr, .. } = c.kind else {
        panic!()
    };
    assert_eq!(expr.proves_not_null, ["a", "b", "d"]);
    let a = one_action("ALTER TABLE t ADD CHECK (a IS NOT NULL OR b IS NOT NULL)");
    let AlterTableAction::AddConstraint(Constraint {
        kind: ConstraintKind::Check { expr, .. },
        ..
    }) = a
    else {
        panic!()
    };
    assert!(expr.proves_not_null.is_empty());
}

// --- CREATE TABLE

#[test]
fn create_table_columns_types_defaults_and_collation() {
    let t = create_table(
        r#"CREATE TABLE t (id bigint NOT NULL, email varchar(255) NULL, created_at timestamptz DEFAULT now(), c text COLLATE "C")"#,
    );
    let c = &t.columns;
    assert_eq!((c[0].ty.name.as_str(), c[0].not_null), ("int8", true));
    assert_eq!(
        (c[1].ty.modifiers.as_slice(), c[1].not_null),
        (&[255][..], false)
    );
    assert_eq!(
        c[2].default.as_ref().map(|d| d.functions.clone()),
        Some(vec!["now".to_string()])
    );
    assert_eq!(c[3].collation.as_deref(), Some("C"));
    assert_eq!(t.persistence, Persistence::Permanent);
    assert!(!t.if_not_exists);
}

#[test]
fn column_primary_key_implies_not_null() {
    let t = create_table("CREATE TABLE t (id serial PRIMARY KEY, x int)");
    assert!(t.columns[0].not_null);
    assert!(t.columns[0].ty.is_serial());
    assert_eq!(
        t.columns[0].constraints[0].kind,
        ConstraintKind::PrimaryKey {
            columns: vec!["id".into()],
            using_index: None
        }
    );
    assert!(!t.columns[1].not_null);
}

#[test]
fn table_primary_key_marks_its_columns_not_null() {
    let t = create_table("CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b))");
    let nn: Vec<bool> = t.columns.iter().map(|c| c.not_null).collect();
    assert_eq!(nn, [true, true, false]);
}

#[test]
fn inline_constraints_become_table_constraints() {
    let t = create_table(
        "CREATE TABLE t (a int CONSTRAINT a_u UNIQUE, b int REFERENCES s.o (id) ON DELETE CASCADE ON UPDATE SET NULL, c int CHECK (c > 0))",
    );
    let a = &t.columns[0].constraints[0];
    assert_eq!(a.name.as_deref(), Some("a_u"));
    assert!(matches!(&a.kind, ConstraintKind::Unique { columns, .. } if columns == &["a"]));
    let ConstraintKind::ForeignKey {
        columns,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
        ..
    } = &t.columns[1].constraints[0].kind
    else {
        panic!()
    };
    assert_eq!(columns, &["b"]);
    assert_eq!(ref_table, &on(Some("s"), "o"));
    assert_eq!(ref_columns, &["id"]);
    assert_eq!(on_delete.as_deref(), Some("CASCADE"));
    assert_eq!(on_update.as_deref(), Some("SET NULL"));
    let ConstraintKind::Check { expr, .. } = &t.columns[2].constraints[0].kind else {
        panic!()
    };
    assert_eq!(expr.columns, ["c"]);
}

#[test]
fn table_constraints_are_lowered() {
    let t = create_table(
        "CREATE TABLE t (a int, b int, CONSTRAINT u UNIQUE NULLS NOT DISTINCT (b), \
         FOREIGN KEY (a, b) REFERENCES o DEFERRABLE INITIALLY DEFERRED, \
         EXCLUDE USING gist (a WITH =, b WITH &&), CHECK (a < b) NO INHERIT)",
    );
    let k: Vec<&ConstraintKind> = t.constraints.iter().map(|c| &c.kind).collect();
    assert_eq!(
        k[0],
        &ConstraintKind::Unique {
            columns: vec!["b".into()],
            using_index: None,
            nulls_not_distinct: true
        }
    );
    assert!(
        matches!(k[1], ConstraintKind::ForeignKey { ref_columns, .. } if ref_columns.is_empty())
    );
    assert!(t.constraints[1].deferrable);
    assert_eq!(
        k[2],
        &ConstraintKind::Exclude {
            columns: vec!["a".into(), "b".into()],
            using: Some("gist".into()),
            names: vec!["a".into(), "b".into()],
        }
    );
    assert!(matches!(
        k[3],
        ConstraintKind::Check {
            no_inherit: true,
            ..
        }
    ));
}

#[test]
fn generated_stored_column_keeps_expression() {
    let t = create_table("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)");
    let g = t.columns[1].generated.as_ref().expect("generated");
    assert!(g.stored);
    assert_eq!(g.expr.columns, ["a"]);
}

#[test]
fn identity_columns_keep_their_kind() {
    let t = create_table(
        "CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY, b bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 10))",
    );
    assert_eq!(t.columns[0].identity, Some(IdentityKind::Always));
    assert_eq!(t.columns[1].identity, Some(IdentityKind::ByDefault));
    assert!(t.columns[0].generated.is_none());
}

#[test]
fn create_table_if_not_exists_unlogged_and_temporary() {
    let t = create_table("CREATE UNLOGGED TABLE IF NOT EXISTS t (a int)");
    assert!(t.if_not_exists);
    assert_eq!(t.persistence, Persistence::Unlogged);
    assert_eq!(
        create_table("CREATE TEMP TABLE t (a int)").persistence,
        Persistence::Temporary
    );
}

#[test]
fn partitioned_table_and_partition_of() {
    assert!(create_table("CREATE TABLE p (a int) PARTITION BY RANGE (a)").partitioned);
    let t = create_table("CREATE TABLE p1 PARTITION OF s.p FOR VALUES FROM (1) TO (10)");
    assert_eq!(t.partition_of.as_deref(), Some(&on(Some("s"), "p")));
    assert!(!t.partitioned);
    assert_eq!(
        t.partition_bound.as_deref(),
        Some(&PartitionBound::Range {
            from: vec!["1".into()],
            to: vec!["10".into()]
        })
    );
}

#[test]
fn partition_keys_and_default_partitions_are_lowered() {
    assert_eq!(
        create_table("CREATE TABLE p (a int, B text) PARTITION BY RANGE (A, (lower(b)))")
            .partition_key,
        ["a", "(lower(b))"]
    );
    assert_eq!(
        create_table("CREATE TABLE p (r text) PARTITION BY LIST (\"R\")").partition_key,
        ["R"]
    );
    assert_eq!(
        create_table("CREATE TABLE p0 PARTITION OF p DEFAULT")
            .partition_bound
            .as_deref(),
        Some(&PartitionBound::Default)
    );
}

#[test]
fn inherits_and_like_are_lowered() {
    assert_eq!(
        create_table("CREATE TABLE c (x int) INHERITS (p, q)").inherits,
        [n("p"), n("q")]
    );
    assert_eq!(
        create_table("CREATE TABLE c (LIKE s.p)").like,
        [crate::ops::Like::plain(on(Some("s"), "p"))]
    );
}

#[test]
fn like_after_columns_is_a_like_source_not_a_column() {
    let t = create_table("CREATE TABLE c (a int, LIKE s.p)");
    assert_eq!(t.like, [crate::ops::Like::plain(on(Some("s"), "p"))]);
    assert_eq!(t.columns.len(), 1);
    let t = create_table(r#"CREATE TABLE c ("like" int)"#);
    assert_eq!((t.columns[0].name.as_str(), t.like.len()), ("like", 0));
}

#[test]
fn create_table_as_select_reads_relations_without_ctes() {
    let t = create_table(
        "CREATE TABLE t AS WITH w AS (SELECT * FROM a) SELECT * FROM w JOIN s.b ON true",
    );
    assert_eq!(t.as_query, Some(vec![n("a"), on(Some("s"), "b")]));
}

#[test]
fn select_into_creates_a_table() {
    let t = create_table("SELECT * INTO TEMP archive FROM events");
    assert_eq!(t.name, n("archive"));
    assert_eq!(t.persistence, Persistence::Temporary);
    assert_eq!(t.as_query, Some(vec![n("events")]));
}

// --- ALTER TABLE

#[test]
fn alter_table_if_exists_only() {
    let t = alter("ALTER TABLE IF EXISTS ONLY public.t ADD COLUMN a int");
    assert!(t.if_exists && t.only);
    let t = alter("ALTER TABLE t ADD COLUMN a int");
    assert!(!t.if_exists && !t.only);
}

#[test]
fn add_column_if_not_exists_not_null() {
    let a = one_action("ALTER TABLE t ADD COLUMN IF NOT EXISTS a text NOT NULL DEFAULT ''");
    let AlterTableAction::AddColumn {
        column,
        if_not_exists,
    } = a
    else {
        panic!()
    };
    assert!(if_not_exists && column.not_null);
    assert!(column.default.expect("default").is_constant);
}

#[test]
fn add_column_with_inline_foreign_key() {
    let c = added_column("ALTER TABLE t ADD COLUMN org_id int REFERENCES orgs");
    assert!(
        matches!(&c.constraints[0].kind, ConstraintKind::ForeignKey { ref_table, .. } if *ref_table == n("orgs"))
    );
}

#[test]
fn multiple_actions_keep_their_order() {
    let a = actions("ALTER TABLE t ADD COLUMN a int, ADD b int, DROP COLUMN c, DROP d CASCADE");
    assert!(matches!(&a[0], AlterTableAction::AddColumn { column, .. } if column.name == "a"));
    assert!(matches!(&a[1], AlterTableAction::AddColumn { column, .. } if column.name == "b"));
    assert_eq!(
        a[2],
        AlterTableAction::DropColumn {
            name: "c".into(),
            if_exists: false,
            cascade: false
        }
    );
    assert_eq!(
        a[3],
        AlterTableAction::DropColumn {
            name: "d".into(),
            if_exists: false,
            cascade: true
        }
    );
}

#[test]
fn drop_column_if_exists() {
    assert_eq!(
        one_action("ALTER TABLE t DROP COLUMN IF EXISTS \"B\""),
        AlterTableAction::DropColumn {
            name: "B".into(),
            if_exists: true,
            cascade: false
        }
    );
}

#[test]
fn alter_column_type_with_using() {
    for sql in [
        "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a::bigint",
        "ALTER TABLE t ALTER a SET DATA TYPE int8 USING a::bigint",
    ] {
        let AlterTableAction::AlterColumnType {
            column, ty, using, ..
        } = one_action(sql)
        else {
            panic!()
        };
        assert_eq!((column.as_str(), ty.name.as_str()), ("a", "int8"));
        assert_eq!(using.expect("using").columns, ["a"]);
    }
    let AlterTableAction::AlterColumnType { ty, using, .. } =
        one_action("ALTER TABLE t ALTER COLUMN a TYPE varchar(50)")
    else {
        panic!()
    };
    assert_eq!(
        (ty.name.as_str(), ty.modifiers.as_slice()),
        ("varchar", &[50][..])
    );
    assert!(using.is_none());
}

#[test]
fn set_and_drop_not_null_and_default() {
    let a = actions(
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER a DROP NOT NULL, ALTER a SET DEFAULT 0, ALTER a DROP DEFAULT",
    );
    let col = || "a".to_string();
    assert_eq!(a[0], AlterTableAction::SetNotNull { column: col() });
    assert_eq!(a[1], AlterTableAction::DropNotNull { column: col() });
    assert!(
        matches!(&a[2], AlterTableAction::SetDefault { column, expr } if column == "a" && expr.is_constant)
    );
    assert_eq!(a[3], AlterTableAction::DropDefault { column: col() });
}

#[test]
fn add_generated_identity() {
    assert_eq!(
        one_action("ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"),
        AlterTableAction::Identity {
            column: "id".into(),
            change: IdentityChange::Add(IdentityKind::ByDefault)
        }
    );
    assert_eq!(
        one_action("ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY"),
        AlterTableAction::Identity {
            column: "id".into(),
            change: IdentityChange::Add(IdentityKind::Always)
        }
    );
}

#[test]
fn fk_not_valid_is_lowered() {
    let AlterTableAction::AddConstraint(c) =
        one_action("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES o (id) NOT VALID")
    else {
        panic!()
    };
    assert!(c.not_valid);
    assert_eq!(c.name.as_deref(), Some("fk"));
    assert!(matches!(c.kind, ConstraintKind::ForeignKey { .. }));
    let AlterTableAction::AddConstraint(c) =
        one_action("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES o (id)")
    else {
        panic!()
    };
    assert!(!c.not_valid);
}

#[test]
fn add_primary_key_and_unique_using_index() {
    let AlterTableAction::AddConstraint(c) =
        one_action("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_idx")
    else {
        panic!()
    };
    assert_eq!(
        c.kind,
        ConstraintKind::PrimaryKey {
            columns: vec![],
            using_index: Some("t_idx".into())
        }
    );
    let AlterTableAction::AddConstraint(c) =
        one_action("ALTER TABLE t ADD UNIQUE USING INDEX \"Idx\"")
    else {
        panic!()
    };
    assert!(
        matches!(c.kind, ConstraintKind::Unique { using_index: Some(ref i), .. } if i == "Idx")
    );
    let AlterTableAction::AddConstraint(c) = one_action("ALTER TABLE t ADD PRIMARY KEY (id)")
    else {
        panic!()
    };
    assert_eq!(c.columns(), ["id"]);
}

#[test]
fn validate_and_drop_constraint() {
    assert_eq!(
        one_action("ALTER TABLE t VALIDATE CONSTRAINT fk"),
        AlterTableAction::ValidateConstraint { name: "fk".into() }
    );
    assert_eq!(
        one_action("ALTER TABLE t DROP CONSTRAINT IF EXISTS fk CASCADE"),
        AlterTableAction::DropConstraint {
            name: "fk".into(),
            if_exists: true,
            cascade: true
        }
    );
}

#[test]
fn renames_are_lowered() {
    assert_eq!(
        one_action("ALTER TABLE t RENAME COLUMN a TO \"B\""),
        AlterTableAction::RenameColumn {
            from: "a".into(),
            to: "B".into()
        }
    );
    assert_eq!(
        one_action("ALTER TABLE t RENAME TO u"),
        AlterTableAction::RenameTable { to: "u".into() }
    );
    assert_eq!(
        one_action("ALTER TABLE t RENAME CONSTRAINT a TO b"),
        AlterTableAction::RenameConstraint {
            from: "a".into(),
            to: "b".into()
        }
    );
}

#[test]
fn logged_unlogged_and_owner() {
    assert_eq!(
        one_action("ALTER TABLE t SET LOGGED"),
        AlterTableAction::SetLogged
    );
    assert_eq!(
        one_action("ALTER TABLE t SET UNLOGGED"),
        AlterTableAction::SetUnlogged
    );
    assert_eq!(
        one_action("ALTER TABLE t OWNER TO bob"),
        AlterTableAction::OwnerTo("bob".into())
    );
}

#[test]
fn triggers_enable_and_disable() {
    assert_eq!(
        one_action("ALTER TABLE t DISABLE TRIGGER ALL"),
        AlterTableAction::Trigger {
            name: "all".into(),
            enable: false
        }
    );
    assert_eq!(
        one_action("ALTER TABLE t ENABLE ALWAYS TRIGGER trg"),
        AlterTableAction::Trigger {
            name: "trg".into(),
            enable: true
        }
    );
}

#[test]
fn row_security_rules_and_replica_identity() {
    for sql in [
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE t FORCE ROW LEVEL SECURITY",
        "ALTER TABLE t DISABLE RULE r",
    ] {
        assert_eq!(one_action(sql), AlterTableAction::RowSecurity, "{sql}");
    }
    assert_eq!(
        one_action("ALTER TABLE t REPLICA IDENTITY FULL"),
        AlterTableAction::ReplicaIdentity
    );
}

#[test]
fn attach_and_detach_partition() {
    assert_eq!(
        one_action("ALTER TABLE p ATTACH PARTITION s.p1 FOR VALUES IN (1, 2)"),
        AlterTableAction::AttachPartition {
            partition: on(Some("s"), "p1"),
            default: false,
            bound: Some(PartitionBound::List(vec!["1".into(), "2".into()]))
        }
    );
    assert_eq!(
        one_action("ALTER TABLE p ATTACH PARTITION p1 DEFAULT"),
        AlterTableAction::AttachPartition {
            partition: n("p1"),
            default: true,
            bound: Some(PartitionBound::Default)
        }
    );
    assert_eq!(
        one_action(
            "ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM ('2024-01-01', MINVALUE) TO ('2024-02-01', MAXVALUE)"
        ),
        AlterTableAction::AttachPartition {
            partition: n("p1"),
            default: false,
            bound: Some(PartitionBound::Range {
                from: vec!["'2024-01-01'".into(), "MINVALUE".into()],
                to: vec!["'2024-02-01'".into(), "MAXVALUE".into()]
            })
        }
    );
    assert_eq!(
        one_action("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES WITH (MODULUS 4, REMAINDER 1)"),
        AlterTableAction::AttachPartition {
            partition: n("p1"),
            default: false,
            bound: Some(PartitionBound::Hash {
                modulus: 4,
                remainder: 1
            })
        }
    );
    assert_eq!(
        one_action("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"),
        AlterTableAction::DetachPartition {
            partition: n("p1"),
            concurrently: true,
            finalize: false
        }
    );
    assert_eq!(
        one_action("ALTER TABLE p DETACH PARTITION p1 FINALIZE"),
        AlterTableAction::DetachPartition {
            partition: n("p1"),
            concurrently: false,
            finalize: true
        }
    );
}

#[test]
fn storage_params_set_and_reset() {
    assert_eq!(
        one_action("ALTER TABLE t SET (FillFactor = 70, toast.autovacuum_enabled = false)"),
        AlterTableAction::SetStorageParams {
            params: vec!["fillfactor".into(), "toast.autovacuum_enabled".into()],
            reset: false
        }
    );
    assert_eq!(
        one_action("ALTER TABLE t RESET (fillfactor)"),
        AlterTableAction::SetStorageParams {
            params: vec!["fillfactor".into()],
            reset: true
        }
    );
}

#[test]
fn inherit_and_no_inherit() {
    assert_eq!(
        one_action("ALTER TABLE t INHERIT p"),
        AlterTableAction::Inherit {
            parent: n("p"),
            no: false
        }
    );
    assert_eq!(
        one_action("ALTER TABLE t NO INHERIT p"),
        AlterTableAction::Inherit {
            parent: n("p"),
            no: true
        }
    );
}

#[test]
fn foreign_tables_are_tables_of_their_own_kind() {
    let Operation::AlterTable(at) = parse_statement("ALTER FOREIGN TABLE f ADD COLUMN a int")
    else {
        panic!("not ALTER TABLE");
    };
    assert_eq!(at.name, ObjectName::parse("f"));
    assert!(matches!(
        at.actions[..],
        [AlterTableAction::AddColumn { .. }]
    ));
    let Operation::CreateTable(ct) =
        parse_statement("CREATE FOREIGN TABLE s.ft (a int NOT NULL, b text) SERVER srv")
    else {
        panic!("not CREATE TABLE");
    };
    assert!(ct.foreign);
    assert_eq!(ct.name, ObjectName::parse("s.ft"));
    assert_eq!(ct.columns.len(), 2);
    assert!(ct.columns[0].not_null);
    assert!(matches!(
        parse_statement("DROP FOREIGN TABLE IF EXISTS ft"),
        Operation::DropTable(Drop {
            if_exists: true,
            ..
        })
    ));
}

// --- indexes

#[test]
fn create_index_full_form() {
    let i = create_index(
        r#"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Idx" ON s.t USING btree (lower(email), b DESC) INCLUDE (c) NULLS NOT DISTINCT WHERE deleted_at IS NULL"#,
    );
    assert_eq!(i.name.as_deref(), Some("Idx"));
    assert_eq!(i.table, on(Some("s"), "t"));
    assert!(i.unique && i.concurrently && i.if_not_exists && i.nulls_not_distinct);
    assert!(!i.only);
    assert_eq!(i.method.as_deref(), Some("btree"));
    assert!(
        matches!(&i.keys[0], IndexKey::Expression(e) if e.functions == ["lower"] && e.columns == ["email"])
    );
    assert_eq!(i.keys[1], IndexKey::Column("b".into()));
    assert_eq!(i.include, ["c"]);
    assert_eq!(i.predicate.expect("predicate").columns, ["deleted_at"]);
}

#[test]
fn create_index_minimal_form() {
    let i = create_index("CREATE INDEX ON t (a)");
    assert_eq!(i.name, None);
    assert!(!i.unique && !i.concurrently && !i.if_not_exists && !i.nulls_not_distinct);
    assert_eq!(i.method, None);
    let i = create_index("CREATE INDEX i ON t USING GIN (data jsonb_path_ops)");
    assert_eq!(i.method.as_deref(), Some("gin"));
    assert_eq!(i.keys, [IndexKey::Column("data".into())]);
}

#[test]
fn alter_index_rename() {
    assert_eq!(
        parse_statement("ALTER INDEX s.i RENAME TO j"),
        Operation::AlterIndex(AlterIndex {
            name: on(Some("s"), "i"),
            if_exists: false,
            action: AlterIndexAction::Rename { to: "j".into() }
        })
    );
}

// --- DROP

#[test]
fn drop_table_and_index() {
    assert_eq!(
        parse_statement("DROP TABLE IF EXISTS a, s.b CASCADE"),
        Operation::DropTable(Drop {
            names: vec![n("a"), on(Some("s"), "b")],
            if_exists: true,
            cascade: true
        })
    );
    assert_eq!(
        parse_statement("DROP INDEX i"),
        Operation::DropIndex(DropIndex {
            names: vec![n("i")],
            if_exists: false,
            cascade: false,
            concurrently: false
        })
    );
}

#[test]
fn drop_views_types_sequences_schemas() {
    let d = |names: &[&str], cascade| Drop {
        names: names.iter().map(|x| n(x)).collect(),
        if_exists: false,
        cascade,
    };
    assert_eq!(
        parse_statement("DROP VIEW v"),
        Operation::DropView {
            drop: d(&["v"], false),
            materialized: false
        }
    );
    assert_eq!(
        parse_statement("DROP MATERIALIZED VIEW mv"),
        Operation::DropView {
            drop: d(&["mv"], false),
            materialized: true
        }
    );
    assert_eq!(
        parse_statement("DROP TYPE mood CASCADE"),
        Operation::DropType(d(&["mood"], true))
    );
    assert_eq!(
        parse_statement("DROP DOMAIN pos"),
        Operation::DropType(d(&["pos"], false))
    );
    assert_eq!(
        parse_statement("DROP SEQUENCE s"),
        Operation::DropSequence(d(&["s"], false))
    );
    assert_eq!(
        parse_statement("DROP SCHEMA x"),
        Operation::DropSchema(d(&["x"], false))
    );
    assert_eq!(
        parse_statement("DROP EXTENSION \"uuid-ossp\" CASCADE"),
        Operation::DropExtension(d(&["uuid-ossp"], true))
    );
}

#[test]
fn drop_functions_and_procedures() {
    let Operation::DropFunction { drop, kind } =
        parse_statement("DROP FUNCTION IF EXISTS f(int), s.g CASCADE")
    else {
        panic!()
    };
    assert_eq!(kind, RoutineKind::Function);
    assert_eq!(drop.names, [n("f"), on(Some("s"), "g")]);
    assert!(drop.if_exists && drop.cascade);
    let Operation::DropFunction { kind, .. } = parse_statement("DROP PROCEDURE p()") else {
        panic!()
    };
    assert_eq!(kind, RoutineKind::Procedure);
}

#[test]
fn drop_trigger_policy_and_rule_name_their_table() {
    assert_eq!(
        parse_statement("DROP TRIGGER IF EXISTS trg ON s.t CASCADE"),
        Operation::DropTrigger {
            name: "trg".into(),
            table: on(Some("s"), "t"),
            if_exists: true,
            cascade: true
        }
    );
    assert_eq!(
        parse_statement("DROP POLICY p ON t"),
        Operation::Policy { table: n("t") }
    );
    assert_eq!(
        parse_statement("DROP RULE r ON t"),
        Operation::RewriteRule {
            table: n("t"),
            change: crate::ops::RuleChange::Drop {
                name: "r".into(),
                if_exists: false
            }
        }
    );
}

#[test]
fn drop_of_unmodelled_objects_is_other() {
    assert_eq!(other_kind("DROP ROLE bob"), "DROP ROLE");
    assert_eq!(other_kind("DROP COLLATION c"), "DROP COLLATION");
}

#[test]
fn truncate_lists_tables_and_cascade() {
    assert_eq!(
        parse_statement("TRUNCATE TABLE ONLY a, s.b RESTART IDENTITY CASCADE"),
        Operation::Truncate {
            tables: vec![n("a"), on(Some("s"), "b")],
            only: vec![n("a")],
            cascade: true,
            restart_identity: true
        }
    );
    assert_eq!(
        parse_statement("TRUNCATE a"),
        Operation::Truncate {
            tables: vec![n("a")],
            only: vec![],
            cascade: false,
            restart_identity: false
        }
    );
}

// --- views

#[test]
fn create_view_reads_relations_and_names_columns() {
    let Operation::CreateView(v) = parse_statement(
        "CREATE OR REPLACE VIEW s.v AS WITH x AS (SELECT 1 AS one) \
         SELECT t.a, b AS c, count(*), d::text, 1 FROM t JOIN x ON true \
         WHERE t.id IN (SELECT id FROM u) GROUP BY 1, 2, 4",
    ) else {
        panic!()
    };
    assert_eq!(v.name, on(Some("s"), "v"));
    assert!(v.or_replace && !v.materialized);
    assert_eq!(v.reads, [n("t"), n("u")]);
    assert_eq!(v.columns, ["a", "c", "count", "d", "?column?"]);
}

#[test]
fn create_view_explicit_columns_and_star() {
    let Operation::CreateView(v) =
        parse_statement("CREATE VIEW v (x, \"Y\") AS SELECT a, b FROM t")
    else {
        panic!()
    };
    assert_eq!(v.columns, ["x", "Y"]);
    let Operation::CreateView(v) = parse_statement("CREATE VIEW v AS SELECT * FROM t") else {
        panic!()
    };
    assert!(v.columns.is_empty());
}

#[test]
fn create_materialized_view() {
    let Operation::CreateView(v) =
        parse_statement("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT a FROM t")
    else {
        panic!()
    };
    assert!(v.materialized && v.if_not_exists && !v.with_no_data);
}

#[test]
fn alter_view_actions() {
    let av = |sql| match parse_statement(sql) {
        Operation::AlterView(v) => v,
        other => panic!("{other:?}"),
    };
    let v = av("ALTER MATERIALIZED VIEW mv RENAME TO w");
    assert!(v.materialized);
    assert_eq!(v.action, AlterViewAction::Rename { to: "w".into() });
    assert_eq!(
        av("ALTER VIEW v RENAME COLUMN a TO b").action,
        AlterViewAction::RenameColumn {
            from: "a".into(),
            to: "b".into()
        }
    );
    assert_eq!(
        av("ALTER VIEW v SET SCHEMA s").action,
        AlterViewAction::SetSchema { schema: "s".into() }
    );
    assert!(matches!(
        av("ALTER VIEW v OWNER TO bob").action,
        AlterViewAction::Other { .. }
    ));
}

#[test]
fn refresh_materialized_view_concurrently() {
    assert_eq!(
        parse_statement("REFRESH MATERIALIZED VIEW CONCURRENTLY s.mv"),
        Operation::RefreshMaterializedView {
            name: on(Some("s"), "mv"),
            concurrently: true,
            with_no_data: false
        }
    );
    assert_eq!(
        parse_statement("REFRESH MATERIALIZED VIEW mv WITH NO DATA"),
        Operation::RefreshMaterializedView {
            name: n("mv"),
            concurrently: false,
            with_no_data: true
        }
    );
}

// --- types, domains, sequences

#[test]
fn create_enum_type_keeps_labels_verbatim() {
    assert_eq!(
        parse_statement("CREATE TYPE Mood AS ENUM ('sad', 'OK', 'it''s')"),
        Operation::CreateType(CreateType {
            name: n("mood"),
            kind: CreateTypeKind::Enum {
                values: vec!["sad".into(), "OK".into(), "it's".into()]
            }
        })
    );
}

#[test]
fn create_composite_and_range_types() {
    let Operation::CreateType(t) = parse_statement("CREATE TYPE s.pair AS (a int, \"B\" text[])")
    else {
        panic!()
    };
    let CreateTypeKind::Composite { attributes } = t.kind else {
        panic!()
    };
    assert_eq!(attributes[0].0, "a");
    assert_eq!(attributes[0].1.name, "int4");
    assert_eq!(
        (attributes[1].0.as_str(), attributes[1].1.array_dims),
        ("B", 1)
    );
    let Operation::CreateType(t) = parse_statement("CREATE TYPE fr AS RANGE (subtype = float8)")
    else {
        panic!()
    };
    assert_eq!(t.kind, CreateTypeKind::Range);
}

#[test]
fn alter_type_add_value_with_position() {
    let at = |sql| match parse_statement(sql) {
        Operation::AlterType(t) => t.action,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        at("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'ok'"),
        AlterTypeAction::AddValue {
            value: "meh".into(),
            if_not_exists: true,
            position: Some((true, "ok".into()))
        }
    );
    assert_eq!(
        at("ALTER TYPE mood ADD VALUE 'x' AFTER 'ok'"),
        AlterTypeAction::AddValue {
            value: "x".into(),
            if_not_exists: false,
            position: Some((false, "ok".into()))
        }
    );
    assert_eq!(
        at("ALTER TYPE mood RENAME VALUE 'a' TO 'B'"),
        AlterTypeAction::RenameValue {
            from: "a".into(),
            to: "B".into()
        }
    );
    assert_eq!(
        at("ALTER TYPE mood RENAME TO feeling"),
        AlterTypeAction::Rename {
            to: "feeling".into()
        }
    );
}

#[test]
fn create_domain_is_a_type() {
    assert_eq!(
        parse_statement("CREATE DOMAIN email AS citext CHECK (VALUE ~ '@')"),
        Operation::CreateType(CreateType {
            name: n("email"),
            kind: CreateTypeKind::Domain {
                base: TypeName::parse("citext"),
                has_constraints: true
            }
        })
    );
    let Operation::CreateType(t) = parse_statement("CREATE DOMAIN d AS varchar(10) DEFAULT ''")
    else {
        panic!()
    };
    assert!(matches!(
        t.kind,
        CreateTypeKind::Domain {
            has_constraints: false,
            ..
        }
    ));
}

#[test]
fn create_sequence_owned_by() {
    assert_eq!(
        parse_statement("CREATE SEQUENCE IF NOT EXISTS s.seq START 1 OWNED BY s.t.id"),
        Operation::CreateSequence {
            name: on(Some("s"), "seq"),
            temporary: false,
            if_not_exists: true,
            owned_by: Some((on(Some("s"), "t"), "id".into())),
            invalid: None,
        }
    );
    assert_eq!(
        parse_statement("CREATE SEQUENCE seq"),
        Operation::CreateSequence {
            name: n("seq"),
            temporary: false,
            if_not_exists: false,
            owned_by: None,
            invalid: None,
        }
    );
}

#[test]
fn create_sequence_options_postgresql_refuses() {
    let invalid = |sql: &str| match parse_statement(sql) {
        Operation::CreateSequence { invalid, .. } => invalid,
        other => panic!("{sql}: {other:?}"),
    };
    // each observed on 15
    for (sql, why) in [
        (
            "CREATE SEQUENCE s INCREMENT BY 0",
            "INCREMENT must not be zero",
        ),
        (
            "CREATE SEQUENCE s INCREMENT BY -1 MINVALUE 20",
            "MINVALUE (20) must be less than MAXVALUE (-1)",
        ),
        (
            "CREATE SEQUENCE s INCREMENT BY 1 MAXVALUE -20",
            "MINVALUE (1) must be less than MAXVALUE (-20)",
        ),
        (
            "CREATE SEQUENCE s INCREMENT BY -1 START 10",
            "START value (10) cannot be greater than MAXVALUE (-1)",
        ),
        (
            "CREATE SEQUENCE s INCREMENT BY 1 START -10",
            "START value (-10) cannot be less than MINVALUE (1)",
        ),
        (
            "CREATE SEQUENCE s CACHE 0",
            "CACHE (0) must be greater than zero",
        ),
        (
            "CREATE SEQUENCE s OWNED BY nobody",
            "invalid OWNED BY option",
        ),
        (
            "CREATE SEQUENCE s AS smallint MAXVALUE 100000",
            "MAXVALUE (100000) is out of range for sequence data type smallint",
        ),
    ] {
        assert_eq!(invalid(sql).as_deref(), Some(why), "{sql}");
    }
    for sql in [
        "CREATE SEQUENCE s",
        "CREATE SEQUENCE s INCREMENT BY -1",
        "CREATE SEQUENCE s AS integer START 5 MINVALUE 5 MAXVALUE 10 CACHE 20",
        "CREATE SEQUENCE s OWNED BY NONE",
        "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1",
    ] {
        assert_eq!(invalid(sql), None, "{sql}");
    }
}

// --- schemas, extensions, routines, triggers

#[test]
fn create_and_alter_schema() {
    assert_eq!(
        parse_statement("CREATE SCHEMA IF NOT EXISTS App"),
        Operation::CreateSchema {
            name: "app".into(),
            if_not_exists: true,
            authorization: None,
            unnamed: false,
        }
    );
    assert_eq!(
        parse_statement("CREATE SCHEMA AUTHORIZATION bob"),
        Operation::CreateSchema {
            name: "bob".into(),
            if_not_exists: false,
            authorization: Some("bob".into()),
            unnamed: true,
        }
    );
    assert_eq!(
        parse_statement("ALTER SCHEMA app RENAME TO app2"),
        Operation::AlterSchema {
            name: "app".into(),
            rename_to: Some("app2".into())
        }
    );
    assert_eq!(
        parse_statement("ALTER SCHEMA app OWNER TO bob"),
        Operation::AlterSchema {
            name: "app".into(),
            rename_to: None
        }
    );
}

#[test]
fn create_extension_with_schema() {
    assert_eq!(
        parse_statement("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA Public"),
        Operation::CreateExtension {
            name: "uuid-ossp".into(),
            if_not_exists: true,
            schema: Some("public".into())
        }
    );
}

#[test]
fn create_function_args_language_volatility() {
    let Operation::CreateFunction(f) = parse_statement(
        "CREATE OR REPLACE FUNCTION s.f(a integer, OUT b text, c varchar(3) DEFAULT 'x') RETURNS trigger \
         LANGUAGE PLPGSQL STABLE AS $$ BEGIN RETURN NEW; END $$",
    ) else {
        panic!()
    };
    assert_eq!(f.name, on(Some("s"), "f"));
    assert_eq!(f.kind, RoutineKind::Function);
    assert!(f.or_replace && f.returns_trigger);
    assert_eq!(f.args, ["int4", "varchar(3)"]);
    assert_eq!(f.language.as_deref(), Some("plpgsql"));
    assert_eq!(f.volatility.as_deref(), Some("stable"));
    let Operation::CreateFunction(f) =
        parse_statement("CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql")
    else {
        panic!()
    };
    assert!(!f.returns_trigger && !f.or_replace);
    assert_eq!(f.volatility, None);
}

#[test]
fn create_aggregate_is_a_routine() {
    let Operation::CreateFunction(f) =
        parse_statement("CREATE AGGREGATE agg (int) (sfunc = f, stype = int)")
    else {
        panic!()
    };
    assert_eq!(f.kind, RoutineKind::Aggregate);
    assert_eq!(f.args, ["int4"]);
}

#[test]
fn alter_function_rename_and_set_schema() {
    assert_eq!(
        parse_statement("ALTER FUNCTION f(int) RENAME TO g"),
        Operation::AlterFunction {
            name: n("f"),
            kind: RoutineKind::Function,
            rename_to: Some("g".into()),
            set_schema: None
        }
    );
    assert_eq!(
        parse_statement("ALTER FUNCTION f SET SCHEMA s"),
        Operation::AlterFunction {
            name: n("f"),
            kind: RoutineKind::Function,
            rename_to: None,
            set_schema: Some("s".into())
        }
    );
}

#[test]
fn create_trigger_names_table_and_function() {
    assert_eq!(
        parse_statement(
            "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON s.t FOR EACH ROW EXECUTE FUNCTION s.f()"
        ),
        Operation::CreateTrigger(CreateTrigger {
            name: "trg".into(),
            table: on(Some("s"), "t"),
            or_replace: true,
            function: Some(on(Some("s"), "f")),
            constraint: false,
            events: vec!["update".to_string()],
            for_each_row: true,
            timing: "before".into(),
            when: None,
            event_problem: None,
        })
    );
    let Operation::CreateTrigger(t) = parse_statement(
        "CREATE CONSTRAINT TRIGGER trg AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE PROCEDURE f()",
    ) else {
        panic!()
    };
    assert!(t.constraint);
}

#[test]
fn alter_trigger_rename() {
    assert_eq!(
        parse_statement("ALTER TRIGGER trg ON t RENAME TO trg2"),
        Operation::AlterTrigger {
            name: "trg".into(),
            table: n("t"),
            rename_to: Some("trg2".into())
        }
    );
}

#[test]
fn policies_and_rules_name_their_table() {
    assert_eq!(
        parse_statement("CREATE POLICY p ON s.t FOR SELECT USING (true)"),
        Operation::Policy {
            table: on(Some("s"), "t")
        }
    );
    assert_eq!(
        parse_statement("ALTER POLICY p ON t RENAME TO q"),
        Operation::Policy { table: n("t") }
    );
    assert_eq!(
        parse_statement("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"),
        Operation::RewriteRule {
            table: n("t"),
            change: crate::ops::RuleChange::Create("r".into())
        }
    );
}

#[test]
fn comment_on_table_and_column() {
    assert_eq!(
        parse_statement("COMMENT ON TABLE s.t IS 'x'"),
        Operation::Comment(CommentOn {
            kind: "table".into(),
            name: on(Some("s"), "t"),
            column: None
        })
    );
    assert_eq!(
        parse_statement("COMMENT ON COLUMN s.t.c IS NULL"),
        Operation::Comment(CommentOn {
            kind: "column".into(),
            name: on(Some("s"), "t"),
            column: Some("c".into())
        })
    );
    let Operation::Comment(c) = parse_statement("COMMENT ON MATERIALIZED VIEW mv IS 'x'") else {
        panic!()
    };
    assert_eq!(c.kind, "materialized view");
}

#[test]
fn grant_on_tables_lists_them() {
    assert_eq!(
        parse_statement("GRANT SELECT, INSERT ON TABLE a, s.b TO bob"),
        Operation::Privileges {
            tables: vec![n("a"), on(Some("s"), "b")]
        }
    );
    assert_eq!(
        parse_statement("REVOKE ALL ON t FROM PUBLIC"),
        Operation::Privileges {
            tables: vec![n("t")]
        }
    );
}

#[test]
fn grant_on_other_objects_is_other() {
    assert_eq!(other_kind("GRANT USAGE ON SCHEMA s TO bob"), "GRANT");
    assert_eq!(
        other_kind("GRANT ALL ON ALL TABLES IN SCHEMA public TO bob"),
        "GRANT"
    );
    assert_eq!(
        other_kind("REVOKE EXECUTE ON FUNCTION f(int) FROM bob"),
        "REVOKE"
    );
    assert_eq!(other_kind("GRANT role1 TO bob"), "GRANT");
}

// --- data

#[test]
fn insert_select_reads_its_sources() {
    let d = dml("INSERT INTO s.t (a, b) SELECT x, y FROM u JOIN v ON true");
    assert_eq!(d.table, on(Some("s"), "t"));
    assert_eq!(d.reads, [n("u"), n("v")]);
    assert!(!d.filtered);
}

#[test]
fn insert_values_on_conflict() {
    let op = parse_statement(
        "INSERT INTO t VALUES (1, now()) ON CONFLICT (a) DO UPDATE SET b = excluded.b",
    );
    assert!(matches!(&op, Operation::Insert(d) if d.table == n("t") && d.reads.is_empty()));
}

#[test]
fn update_with_where_is_filtered() {
    let d = dml("UPDATE t SET a = 1, b = nextval('seq') WHERE id IN (SELECT id FROM u)");
    assert!(matches!(
        parse_statement("UPDATE t SET a = 1 WHERE id = 1"),
        Operation::Update(_)
    ));
    assert!(d.filtered);
    assert_eq!(d.set_columns, ["a", "b"]);
    assert_eq!(d.reads, [n("u")]);
}

#[test]
fn update_without_where_is_not_filtered() {
    let d = dml("UPDATE t AS x SET a = 1");
    assert_eq!(d.table, n("t"));
    assert!(!d.filtered);
}

#[test]
fn update_from_reads_the_joined_tables() {
    let d = dml("UPDATE t SET a = u.a FROM u WHERE u.id = t.id");
    assert!(d.filtered);
    assert_eq!(d.reads, [n("u")]);
    assert!(!dml("UPDATE t SET a = u.a FROM u").filtered);
}

#[test]
fn delete_using_and_where() {
    let d = dml("DELETE FROM t USING u WHERE u.id = t.id");
    assert!(matches!(
        parse_statement("DELETE FROM t"),
        Operation::Delete(_)
    ));
    assert_eq!(
        (d.table.clone(), d.reads.clone(), d.filtered),
        (n("t"), vec![n("u")], true)
    );
    let d = dml("DELETE FROM ONLY s.t");
    assert_eq!(d.table, on(Some("s"), "t"));
    assert!(!d.filtered);
}

#[test]
fn merge_reads_its_source() {
    let op = parse_statement(
        "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = u.a \
         WHEN NOT MATCHED THEN INSERT (a) VALUES (u.a)",
    );
    let Operation::Merge(d) = op else {
        panic!("{op:?}")
    };
    assert_eq!(
        (d.table, d.reads, d.set_columns),
        (n("t"), vec![n("u")], vec!["a".to_string()])
    );
}

#[test]
fn data_modifying_cte_is_the_operation() {
    let op = parse_statement(
        "WITH x AS (UPDATE t SET a = 1 WHERE b RETURNING *) SELECT * FROM x JOIN u ON true",
    );
    let Operation::Update(d) = op else {
        panic!("{op:?}")
    };
    assert_eq!(d.table, n("t"));
    assert!(d.filtered);
    assert_eq!(d.reads, [n("u")]);
}

#[test]
fn with_insert_reads_the_ctes_sources() {
    let op = parse_statement("WITH d AS (SELECT * FROM old) INSERT INTO arch SELECT * FROM d");
    let Operation::Insert(d) = op else {
        panic!("{op:?}")
    };
    assert_eq!((d.table, d.reads), (n("arch"), vec![n("old")]));
}

#[test]
fn select_lists_reads_and_functions() {
    assert_eq!(
        parse_statement("SELECT create_hypertable('conditions', 'time')"),
        Operation::Select {
            reads: vec![],
            functions: vec!["create_hypertable".into()],
            row_locks: false,
            full_reads: vec![],
            calls: vec![crate::ops::LiteralCall {
                function: "create_hypertable".into(),
                args: vec![Some("conditions".into()), Some("time".into())],
            }],
        }
    );
    assert_eq!(
        parse_statement("SELECT pg_catalog.setval('s', (SELECT max(id) FROM t), true)"),
        Operation::Select {
            reads: vec![n("t")],
            functions: vec!["setval".into(), "max".into()],
            row_locks: false,
            full_reads: vec![],
            calls: vec![crate::ops::LiteralCall {
                function: "setval".into(),
                args: vec![Some("s".into()), None, None],
            }],
        }
    );
    assert_eq!(
        parse_statement("WITH w AS (SELECT 1 FROM a) SELECT * FROM w, generate_series(1, 3)"),
        Operation::Select {
            reads: vec![n("a")],
            functions: vec!["generate_series".into()],
            row_locks: false,
            full_reads: vec![n("a")],
            calls: vec![],
        }
    );
}

#[test]
fn queries_without_where_or_limit_read_their_tables_in_full() {
    let full = |sql: &str| match parse_statement(sql) {
        Operation::Select { full_reads, .. } => full_reads,
        Operation::Insert(d) => d.full_reads,
        other => panic!("{other:?}"),
    };
    assert_eq!(full("SELECT count(*) FROM big"), vec![n("big")]);
    assert_eq!(
        full("SELECT * FROM big b JOIN small s ON s.id = b.id"),
        vec![n("big")]
    );
    assert_eq!(
        full("SELECT * FROM a UNION ALL SELECT * FROM s.b"),
        vec![n("a"), ObjectName::new(Some("s"), "b")]
    );
    assert_eq!(full("SELECT * FROM (SELECT id FROM big) x"), vec![n("big")]);
    assert_eq!(
        full("WITH q AS (SELECT * FROM big) SELECT count(*) FROM q"),
        vec![n("big")]
    );
    assert_eq!(full("SELECT * FROM (TABLE big) x"), vec![n("big")]);
    assert_eq!(
        full("INSERT INTO a (id) SELECT id FROM big"),
        vec![n("big")]
    );
    assert_eq!(full("INSERT INTO a SELECT * FROM a"), vec![]);
    // filtered, stopped early, answered by an index, or no table at all
    for sql in [
        "SELECT * FROM big WHERE id = 1",
        "SELECT * FROM big LIMIT 1",
        "SELECT max(id), min(id) FROM big",
        "SELECT setval('s', (SELECT max(id) FROM big))",
        "SELECT * FROM generate_series(1, 3)",
        "SELECT 1",
        "INSERT INTO a (id) SELECT id FROM big WHERE id < 10",
        "INSERT INTO a (id) VALUES (1)",
    ] {
        assert_eq!(full(sql), Vec::<ObjectName>::new(), "{sql}");
    }
}

#[test]
fn copy_from_and_to() {
    assert_eq!(
        parse_statement("COPY s.t (a, b) FROM stdin"),
        Operation::Copy {
            table: Some(on(Some("s"), "t")),
            from: true
        }
    );
    assert_eq!(
        parse_statement("COPY t TO stdout"),
        Operation::Copy {
            table: Some(n("t")),
            from: false
        }
    );
    assert_eq!(
        parse_statement("COPY (SELECT 1) TO stdout"),
        Operation::Copy {
            table: None,
            from: false
        }
    );
}

// --- maintenance

#[test]
fn vacuum_and_analyze_name_tables() {
    assert_eq!(
        parse_statement("VACUUM FULL t"),
        Operation::Vacuum {
            full: true,
            analyze: false,
            tables: vec![n("t")]
        }
    );
    assert_eq!(
        parse_statement("ANALYZE s.t"),
        Operation::Analyze {
            tables: vec![on(Some("s"), "t")]
        }
    );
    assert_eq!(
        parse_statement("ANALYZE"),
        Operation::Analyze { tables: vec![] }
    );
}

#[test]
fn lock_table_modes() {
    assert_eq!(
        parse_statement("LOCK TABLE t, u IN SHARE ROW EXCLUSIVE MODE NOWAIT"),
        Operation::LockTable {
            tables: vec![n("t"), n("u")],
            mode: LockMode::ShareRowExclusive,
            only: false
        }
    );
    assert_eq!(
        parse_statement("LOCK t"),
        Operation::LockTable {
            tables: vec![n("t")],
            mode: LockMode::AccessExclusive,
            only: false
        }
    );
    assert_eq!(
        parse_statement("LOCK TABLE ONLY t IN ACCESS SHARE MODE"),
        Operation::LockTable {
            tables: vec![n("t")],
            mode: LockMode::AccessShare,
            only: true
        }
    );
}

// --- transactions and settings

#[test]
fn transaction_control() {
    for (sql, op) in [
        ("BEGIN", Operation::Begin),
        (
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            Operation::Begin,
        ),
        ("COMMIT", Operation::Commit),
        ("END", Operation::Commit),
        ("ROLLBACK", Operation::Rollback),
        ("ABORT", Operation::Rollback),
        ("ROLLBACK TO SAVEPOINT sp", Operation::RollbackToSavepoint),
        ("SAVEPOINT sp", Operation::Savepoint),
        ("RELEASE SAVEPOINT sp", Operation::ReleaseSavepoint),
        ("RELEASE sp", Operation::ReleaseSavepoint),
    ] {
        assert_eq!(parse_statement(sql), op, "{sql}");
    }
}

#[test]
fn set_values_are_unquoted() {
    let s = |name: &str, value: Option<&str>, local| SetVar {
        name: name.into(),
        value: value.map(str::to_string),
        local,
    };
    assert_eq!(
        set("SET lock_timeout = '2s'"),
        s("lock_timeout", Some("2s"), false)
    );
    assert_eq!(
        set("SET LOCAL statement_timeout TO 0"),
        s("statement_timeout", Some("0"), true)
    );
    assert_eq!(
        set("SET search_path TO a, b"),
        s("search_path", Some("a, b"), false)
    );
    assert_eq!(
        set("SET Lock_Timeout TO DEFAULT"),
        s("lock_timeout", None, false)
    );
    assert_eq!(
        set("SET SESSION statement_timeout = 1000"),
        s("statement_timeout", Some("1000"), false)
    );
    assert_eq!(
        set("SET TIME ZONE 'UTC'"),
        s("timezone", Some("UTC"), false)
    );
    assert_eq!(set("SET ROLE admin"), s("role", Some("admin"), false));
}

#[test]
fn reset_clears_the_value() {
    let r = set("RESET lock_timeout");
    assert_eq!(
        (r.name.as_str(), r.value, r.local),
        ("lock_timeout", None, false)
    );
    assert_eq!(set("RESET ALL").name, "all");
}

// --- everything else

#[test]
fn unmodelled_statements_are_other_with_their_keywords() {
    for (sql, kind) in [
        ("CREATE ROLE bob LOGIN", "CREATE ROLE"),
        ("CREATE USER bob", "CREATE USER"),
        ("NOTIFY ch, 'x'", "NOTIFY"),
        (
            "CREATE COLLATION c (provider = icu, locale = 'und')",
            "CREATE COLLATION",
        ),
        (
            "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO bob",
            "ALTER DEFAULT PRIVILEGES",
        ),
        ("CALL p(1)", "CALL"),
        (
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SET TRANSACTION",
        ),
        ("DISCARD ALL", "DISCARD"),
    ] {
        assert_eq!(other_kind(sql), kind, "{sql}");
    }
}

#[test]
fn leading_keywords_skip_comments() {
    assert_eq!(
        super::leading_keywords("/* a /* nested */ */ -- x\n listen  ch"),
        "LISTEN"
    );
    assert_eq!(
        super::leading_keywords("create text search configuration x"),
        "CREATE TEXT SEARCH"
    );
    assert_eq!(super::leading_keywords("  "), "UNKNOWN");
}

#[test]
fn odd_input_never_panics() {
    for sql in [
        "CREATE TABLE \"\" (\"\" int)",
        "ALTER TABLE t ADD COLUMN \"é\" int DEFAULT 'é'",
        "SELECT * FROM \"a\".\"b\".\"c\".\"d\"",
        "DROP TABLE",
        "UPDATE t SET (a, b) = (1, 2)",
        "INSERT INTO t DEFAULT VALUES",
        "SET a.b = 1",
        "COMMENT ON COLUMN c IS 'x'",
        "CREATE INDEX ON t ((a + b))",
        "\u{0}",
        "DO $é$ x $é$",
    ] {
        let _ = parse_statement(sql);
    }
}

#[test]
fn update_filtered_only_by_null_tests_is_marked_as_a_backfill() {
    let d = dml("UPDATE accounts SET plan = 'free' WHERE plan IS NULL");
    assert!(d.filtered && d.null_test_filter);
    let d = dml("UPDATE accounts SET plan = 'free' WHERE id < 1000 AND plan IS NULL");
    assert!(d.filtered && !d.null_test_filter);
    let d = dml("DELETE FROM accounts WHERE (a IS NULL OR b IS NOT NULL)");
    assert!(d.null_test_filter);
}

/// EXPLAIN ANALYZE runs the statement; EXPLAIN only plans it (a read of what it names).
#[test]
fn explain_analyze_lowers_to_the_statement_it_runs() {
    match parse_statement("EXPLAIN ANALYZE UPDATE t SET a = 1 FROM u WHERE t.id = u.id") {
        Operation::Update(d) => assert_eq!(d.table, n("t")),
        other => panic!("{other:?}"),
    }
    match parse_statement("EXPLAIN (ANALYZE true, COSTS OFF) DELETE FROM t") {
        Operation::Delete(d) => assert_eq!(d.table, n("t")),
        other => panic!("{other:?}"),
    }
    match parse_statement("EXPLAIN (ANALYZE false) DELETE FROM t USING u") {
        Operation::Select {
            reads, functions, ..
        } => {
            assert_eq!(reads, vec![n("t"), n("u")]);
            assert!(functions.is_empty());
        }
        other => panic!("{other:?}"),
    }
    match parse_statement("EXPLAIN SELECT f(a) FROM s.t") {
        Operation::Select {
            reads, functions, ..
        } => {
            assert_eq!(reads, vec![on(Some("s"), "t")]);
            assert!(functions.is_empty());
        }
        other => panic!("{other:?}"),
    }
}
