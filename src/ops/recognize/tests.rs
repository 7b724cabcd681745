//! One test per recognised form, named for the behaviour; shapes only, no corpus text.

use super::recognize;
use crate::lock::LockMode;
use crate::ops::*;

fn rec(sql: &str) -> Operation {
    recognize(sql).unwrap_or_else(|| panic!("not recognised: {sql}"))
}

fn name(s: &str) -> ObjectName {
    ObjectName::parse(s)
}

fn alter_table(sql: &str) -> AlterTable {
    match rec(sql) {
        Operation::AlterTable(at) => at,
        op => panic!("not ALTER TABLE: {op:?}"),
    }
}

fn actions(sql: &str) -> Vec<AlterTableAction> {
    alter_table(sql).actions
}

/// sqlparser itself rejects the statement (so the recognizer is what handles it).
fn sqlparser_rejects(sql: &str) -> bool {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    Parser::parse_sql(&PostgreSqlDialect {}, sql).is_err()
}

// --- DROP INDEX, REINDEX, CLUSTER, CREATE INDEX

#[test]
fn drop_index_concurrently_is_recognised() {
    let sql = "DROP INDEX CONCURRENTLY IF EXISTS public.a, b CASCADE;";
    assert!(sqlparser_rejects(sql));
    assert_eq!(
        rec(sql),
        Operation::DropIndex(DropIndex {
            names: vec![name("public.a"), name("b")],
            if_exists: true,
            cascade: true,
            concurrently: true,
        })
    );
    let Operation::DropIndex(d) = rec("drop index concurrently \"Idx\" restrict") else {
        panic!()
    };
    assert_eq!(d.names, vec![ObjectName::unqualified("Idx")]);
    assert!(d.concurrently && !d.cascade && !d.if_exists);
}

#[test]
fn reindex_targets_and_concurrently_are_recognised() {
    assert!(sqlparser_rejects("REINDEX TABLE t"));
    assert_eq!(
        rec("REINDEX TABLE public.t;"),
        Operation::Reindex(Reindex {
            target: ReindexTarget::Table,
            name: name("public.t"),
            concurrently: false,
        })
    );
    let Operation::Reindex(r) = rec("REINDEX (VERBOSE) INDEX CONCURRENTLY idx") else {
        panic!()
    };
    assert_eq!((r.target, r.concurrently), (ReindexTarget::Index, true));
    let Operation::Reindex(r) = rec("REINDEX (CONCURRENTLY, TABLESPACE fast) SCHEMA s") else {
        panic!()
    };
    assert_eq!((r.target, r.concurrently), (ReindexTarget::Schema, true));
    let Operation::Reindex(r) = rec("REINDEX (CONCURRENTLY false) DATABASE") else {
        panic!()
    };
    assert_eq!((r.target, r.concurrently), (ReindexTarget::Database, false));
    assert_eq!(recognize("REINDEX TABLE"), None);
    assert_eq!(recognize("REINDEX VIEW v"), None);
}

#[test]
fn cluster_forms_are_recognised() {
    assert!(sqlparser_rejects("CLUSTER t USING i"));
    assert_eq!(
        rec("CLUSTER VERBOSE public.t USING t_idx"),
        Operation::Cluster {
            table: Some(name("public.t")),
            index: Some("t_idx".into()),
        }
    );
    assert_eq!(
        rec("CLUSTER"),
        Operation::Cluster {
            table: None,
            index: None
        }
    );
    assert_eq!(
        rec("CLUSTER t_idx ON t"),
        Operation::Cluster {
            table: Some(name("t")),
            index: Some("t_idx".into()),
        }
    );
}

#[test]
fn create_index_on_only_is_recognised_with_keys() {
    let sql = "CREATE UNIQUE INDEX IF NOT EXISTS i ON ONLY public.t USING btree \
               (a, lower(b) text_pattern_ops, (c + 1) DESC) INCLUDE (d) \
               NULLS NOT DISTINCT WITH (fillfactor = 90) TABLESPACE fast WHERE deleted_at IS NULL";
    assert!(sqlparser_rejects(sql));
    let Operation::CreateIndex(ix) = rec(sql) else {
        panic!()
    };
    assert_eq!(ix.name.as_deref(), Some("i"));
    assert_eq!(ix.table, name("public.t"));
    assert!(ix.unique && ix.only && ix.if_not_exists && ix.nulls_not_distinct && !ix.concurrently);
    assert_eq!(ix.method.as_deref(), Some("btree"));
    assert_eq!(ix.keys.len(), 3);
    assert_eq!(ix.keys[0], IndexKey::Column("a".into()));
    let IndexKey::Expression(e) = &ix.keys[1] else {
        panic!()
    };
    assert_eq!(
        (e.text.as_str(), e.functions.clone()),
        ("lower(b)", vec!["lower".to_string()])
    );
    let IndexKey::Expression(e) = &ix.keys[2] else {
        panic!()
    };
    assert_eq!(e.text, "c + 1");
    assert_eq!(ix.include, vec!["d".to_string()]);
    assert_eq!(
        ix.predicate.map(|p| p.text).as_deref(),
        Some("deleted_at IS NULL")
    );
}

#[test]
fn create_index_without_name_is_recognised() {
    let Operation::CreateIndex(ix) = rec("CREATE INDEX CONCURRENTLY ON t (a) TABLESPACE x") else {
        panic!()
    };
    assert_eq!(ix.name, None);
    assert!(ix.concurrently);
}

// --- DO

#[test]
fn do_body_offset_is_exact() {
    let sql = "DO $body$\nBEGIN\n  UPDATE t SET a = 'é';\nEND\n$body$ LANGUAGE plpgsql;";
    assert!(sqlparser_rejects(sql));
    let Operation::Do {
        language,
        body,
        body_offset,
    } = rec(sql)
    else {
        panic!()
    };
    assert_eq!(language.as_deref(), Some("plpgsql"));
    assert_eq!(body, "\nBEGIN\n  UPDATE t SET a = 'é';\nEND\n");
    assert_eq!(&sql[body_offset..body_offset + body.len()], body);
}

#[test]
fn do_body_offset_is_exact_after_multibyte_text_and_comments() {
    let sql = "/* ünïcödé */ -- comment\n  do\tlanguage plpgsql $$ begin null; end $$";
    let Operation::Do {
        body, body_offset, ..
    } = rec(sql)
    else {
        panic!()
    };
    assert_eq!(body, " begin null; end ");
    assert_eq!(&sql[body_offset..body_offset + body.len()], body);
}

#[test]
fn do_with_single_quoted_body_is_unescaped() {
    let sql = "DO 'BEGIN RAISE NOTICE ''hi''; END'";
    let Operation::Do {
        language,
        body,
        body_offset,
    } = rec(sql)
    else {
        panic!()
    };
    assert_eq!(language, None);
    assert_eq!(body, "BEGIN RAISE NOTICE 'hi'; END");
    assert_eq!(body_offset, 4);
}

#[test]
fn do_followed_by_another_statement_is_not_recognised() {
    assert_eq!(recognize("DO $$ begin end $$; SELECT 1"), None);
    assert_eq!(recognize("DO $$ begin end"), None); // unterminated
    assert_eq!(recognize("DO"), None);
}

// --- ALTER SEQUENCE

#[test]
fn alter_sequence_owned_by_is_recognised() {
    let sql = "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id";
    assert!(sqlparser_rejects(sql));
    assert_eq!(
        rec(sql),
        Operation::AlterSequence {
            name: name("public.t_id_seq"),
            if_exists: false,
            action: AlterSequenceAction::OwnedBy {
                table: Some(name("public.t")),
                column: Some("id".into()),
            },
        }
    );
    let Operation::AlterSequence {
        if_exists, action, ..
    } = rec("ALTER SEQUENCE IF EXISTS s OWNED BY NONE")
    else {
        panic!()
    };
    assert!(if_exists);
    assert_eq!(
        action,
        AlterSequenceAction::OwnedBy {
            table: None,
            column: None
        }
    );
}

#[test]
fn alter_sequence_options_rename_and_schema_are_recognised() {
    let action = |sql: &str| match rec(sql) {
        Operation::AlterSequence { action, .. } => action,
        op => panic!("{op:?}"),
    };
    for sql in [
        "ALTER SEQUENCE s AS bigint",
        "ALTER SEQUENCE s AS bigint MAXVALUE 9007199254740991",
        "ALTER SEQUENCE s RESTART",
        "ALTER SEQUENCE s RESTART WITH 100",
        "ALTER SEQUENCE s INCREMENT BY -2 MINVALUE -100 NO MAXVALUE START WITH 5 CACHE 10 NO CYCLE",
        "ALTER SEQUENCE s CYCLE",
        "ALTER SEQUENCE s OWNER TO admin",
    ] {
        assert_eq!(action(sql), AlterSequenceAction::Options, "{sql}");
    }
    assert_eq!(
        action("ALTER SEQUENCE s RENAME TO s2"),
        AlterSequenceAction::Rename { to: "s2".into() }
    );
    assert_eq!(
        action("ALTER SEQUENCE s SET SCHEMA other"),
        AlterSequenceAction::SetSchema {
            schema: "other".into()
        }
    );
    assert_eq!(
        action("ALTER SEQUENCE s SET UNLOGGED"),
        AlterSequenceAction::SetLogged { logged: false }
    );
    assert_eq!(recognize("ALTER SEQUENCE s FROBNICATE"), None);
    assert_eq!(recognize("ALTER SEQUENCE s"), None);
}

// --- ALTER INDEX

#[test]
fn alter_index_actions_are_recognised() {
    let action = |sql: &str| match rec(sql) {
        Operation::AlterIndex(ai) => ai.action,
        op => panic!("{op:?}"),
    };
    assert!(sqlparser_rejects("ALTER INDEX p ATTACH PARTITION c"));
    assert_eq!(
        action("ALTER INDEX public.p ATTACH PARTITION public.c"),
        AlterIndexAction::AttachPartition {
            index: name("public.c")
        }
    );
    let Operation::AlterIndex(ai) = rec("ALTER INDEX IF EXISTS a RENAME TO b") else {
        panic!()
    };
    assert!(ai.if_exists);
    assert_eq!(ai.action, AlterIndexAction::Rename { to: "b".into() });
    assert_eq!(
        action("ALTER INDEX a SET TABLESPACE x"),
        AlterIndexAction::SetTablespace
    );
    assert_eq!(
        action("ALTER INDEX a SET (fillfactor = 70)"),
        AlterIndexAction::SetStorageParams
    );
    assert_eq!(
        action("ALTER INDEX a RESET (fillfactor)"),
        AlterIndexAction::SetStorageParams
    );
    assert_eq!(
        action("ALTER INDEX a ALTER COLUMN 2 SET STATISTICS 500"),
        AlterIndexAction::SetStatistics
    );
    assert_eq!(
        action("ALTER INDEX a SET SCHEMA s"),
        AlterIndexAction::SetSchema { schema: "s".into() }
    );
    assert_eq!(
        action("ALTER INDEX a DEPENDS ON EXTENSION e"),
        AlterIndexAction::DependsOnExtension
    );
    assert_eq!(
        action("ALTER INDEX a FROBNICATE"),
        AlterIndexAction::Other {
            description: "FROBNICATE".into()
        }
    );
    assert_eq!(
        action("ALTER INDEX ALL IN TABLESPACE a SET TABLESPACE b"),
        AlterIndexAction::Other {
            description: "ALL IN TABLESPACE a SET TABLESPACE b".into()
        }
    );
}

// --- ALTER TABLE

#[test]
fn alter_table_with_set_tablespace_keeps_other_actions() {
    let sql = "ALTER TABLE IF EXISTS ONLY public.t \
               ADD COLUMN IF NOT EXISTS c numeric(10, 2) NOT NULL DEFAULT 0, \
               SET TABLESPACE fast, \
               ALTER COLUMN d SET DATA TYPE bigint USING d::bigint, \
               DROP COLUMN IF EXISTS e CASCADE";
    assert!(sqlparser_rejects(sql));
    let at = alter_table(sql);
    assert_eq!(at.name, name("public.t"));
    assert!(at.if_exists && at.only);
    assert_eq!(at.actions.len(), 4);
    let AlterTableAction::AddColumn {
        column,
        if_not_exists,
    } = &at.actions[0]
    else {
        panic!("{:?}", at.actions[0])
    };
    assert!(if_not_exists);
    assert_eq!(column.name, "c");
    assert_eq!(
        (column.ty.name.as_str(), column.ty.modifiers.clone()),
        ("numeric", vec![10, 2])
    );
    assert!(column.not_null);
    let default = column.default.as_ref().expect("default");
    assert!(default.is_constant && !default.is_null);
    assert_eq!(
        at.actions[1],
        AlterTableAction::SetTablespace {
            tablespace: "fast".into()
        }
    );
    let AlterTableAction::AlterColumnType {
        column, ty, using, ..
    } = &at.actions[2]
    else {
        panic!()
    };
    assert_eq!((column.as_str(), ty.name.as_str()), ("d", "int8"));
    assert_eq!(
        using.as_ref().map(|u| u.columns.clone()),
        Some(vec!["d".to_string()])
    );
    assert_eq!(
        at.actions[3],
        AlterTableAction::DropColumn {
            name: "e".into(),
            if_exists: true,
            cascade: true
        }
    );
}

#[test]
fn alter_table_column_storage_actions_are_recognised() {
    for (sql, want) in [
        (
            "ALTER TABLE t ALTER COLUMN c SET STATISTICS 1000",
            AlterTableAction::SetStatistics { column: "c".into() },
        ),
        (
            "ALTER TABLE t ALTER c SET STORAGE EXTERNAL",
            AlterTableAction::SetStorage { column: "c".into() },
        ),
        (
            "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4",
            AlterTableAction::SetCompression { column: "c".into() },
        ),
        (
            "ALTER TABLE t ALTER COLUMN c SET (n_distinct = -1)",
            AlterTableAction::SetColumnOptions { column: "c".into() },
        ),
        (
            "ALTER TABLE t ALTER COLUMN c RESET (n_distinct)",
            AlterTableAction::SetColumnOptions { column: "c".into() },
        ),
    ] {
        assert!(sqlparser_rejects(sql), "{sql}");
        assert_eq!(actions(sql), vec![want], "{sql}");
    }
}

#[test]
fn alter_table_identity_and_generated_actions_are_recognised() {
    let one = |sql: &str| {
        let mut a = actions(sql);
        assert_eq!(a.len(), 1, "{sql}");
        a.remove(0)
    };
    assert_eq!(
        one("ALTER TABLE t ALTER COLUMN id DROP IDENTITY IF EXISTS"),
        AlterTableAction::Identity {
            column: "id".into(),
            change: IdentityChange::Drop { if_exists: true }
        }
    );
    assert_eq!(
        one("ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 10)"),
        AlterTableAction::Identity {
            column: "id".into(),
            change: IdentityChange::Add(IdentityKind::Always)
        }
    );
    for (sql, kind) in [
        (
            "ALTER TABLE t ALTER COLUMN id SET GENERATED BY DEFAULT",
            Some(IdentityKind::ByDefault),
        ),
        (
            "ALTER TABLE t ALTER COLUMN id SET INCREMENT BY 2 SET GENERATED ALWAYS RESTART",
            Some(IdentityKind::Always),
        ),
        ("ALTER TABLE t ALTER COLUMN id SET INCREMENT BY 2", None),
        ("ALTER TABLE t ALTER COLUMN id RESTART WITH 100", None),
    ] {
        assert_eq!(
            one(sql),
            AlterTableAction::Identity {
                column: "id".into(),
                change: IdentityChange::Set { kind }
            },
            "{sql}"
        );
    }
    assert_eq!(
        one("ALTER TABLE t ALTER COLUMN g DROP EXPRESSION"),
        AlterTableAction::GeneratedExpression {
            column: "g".into(),
            expr: None
        }
    );
    let AlterTableAction::GeneratedExpression { expr: Some(e), .. } =
        one("ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (random() * a)")
    else {
        panic!()
    };
    assert_eq!(e.text, "random() * a");
    assert_eq!(e.functions, vec!["random".to_string()]);
    assert_eq!(e.columns, vec!["a".to_string()]);
}

#[test]
fn alter_table_table_level_actions_are_recognised() {
    let one = |sql: &str| {
        let mut a = actions(sql);
        assert_eq!(a.len(), 1, "{sql}");
        a.remove(0)
    };
    use AlterTableAction as A;
    assert_eq!(
        one("ALTER TABLE t SET SCHEMA s"),
        A::SetSchema { schema: "s".into() }
    );
    assert_eq!(
        one("ALTER TABLE t SET ACCESS METHOD heap2"),
        A::SetAccessMethod {
            method: "heap2".into()
        }
    );
    assert_eq!(one("ALTER TABLE t SET LOGGED"), A::SetLogged);
    assert_eq!(one("ALTER TABLE t SET UNLOGGED"), A::SetUnlogged);
    assert_eq!(
        one("ALTER TABLE t SET (fillfactor = 70, toast.autovacuum_enabled = false)"),
        A::SetStorageParams {
            params: vec!["fillfactor".into(), "toast.autovacuum_enabled".into()],
            reset: false
        }
    );
    assert_eq!(
        one("ALTER TABLE t RESET (fillfactor)"),
        A::SetStorageParams {
            params: vec!["fillfactor".into()],
            reset: true
        }
    );
    assert_eq!(
        one("ALTER TABLE t CLUSTER ON t_idx"),
        A::ClusterOn {
            index: "t_idx".into()
        }
    );
    assert_eq!(
        one("ALTER TABLE t SET WITHOUT CLUSTER"),
        A::SetWithoutCluster
    );
    assert_eq!(
        one("ALTER TABLE t INHERIT p"),
        A::Inherit {
            parent: name("p"),
            no: false
        }
    );
    assert_eq!(
        one("ALTER TABLE t NO INHERIT s.p"),
        A::Inherit {
            parent: name("s.p"),
            no: true
        }
    );
    assert_eq!(
        one("ALTER TABLE t REPLICA IDENTITY USING INDEX i"),
        A::ReplicaIdentity
    );
    assert_eq!(
        one("ALTER TABLE t OWNER TO admin"),
        A::OwnerTo("admin".into())
    );
    assert_eq!(
        one("ALTER TABLE t DISABLE TRIGGER ALL"),
        A::Trigger {
            name: "all".into(),
            enable: false
        }
    );
    assert_eq!(
        one("ALTER TABLE t ENABLE REPLICA TRIGGER trg"),
        A::Trigger {
            name: "trg".into(),
            enable: true
        }
    );
    assert_eq!(
        one("ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
        A::RowSecurity
    );
    assert_eq!(
        one("ALTER TABLE t NO FORCE ROW LEVEL SECURITY"),
        A::RowSecurity
    );
    assert_eq!(one("ALTER TABLE t DISABLE RULE r"), A::RowSecurity);
}

#[test]
fn alter_table_partition_actions_are_recognised() {
    let one = |sql: &str| {
        let mut a = actions(sql);
        assert_eq!(a.len(), 1, "{sql}");
        a.remove(0)
    };
    assert_eq!(
        one("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')"),
        AlterTableAction::AttachPartition {
            partition: name("p1"),
            default: false,
            bound: Some(PartitionBound::Range {
                from: vec!["'2020-01-01'".into()],
                to: vec!["'2021-01-01'".into()]
            })
        }
    );
    assert_eq!(
        one("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN ('de', 'fr')"),
        AlterTableAction::AttachPartition {
            partition: name("p1"),
            default: false,
            bound: Some(PartitionBound::List(vec!["'de'".into(), "'fr'".into()]))
        }
    );
    assert_eq!(
        one("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES WITH (MODULUS 4, REMAINDER 3)"),
        AlterTableAction::AttachPartition {
            partition: name("p1"),
            default: false,
            bound: Some(PartitionBound::Hash {
                modulus: 4,
                remainder: 3
            })
        }
    );
    assert_eq!(
        one("ALTER TABLE p ATTACH PARTITION s.p0 DEFAULT"),
        AlterTableAction::AttachPartition {
            partition: name("s.p0"),
            default: true,
            bound: Some(PartitionBound::Default)
        }
    );
    assert_eq!(
        one("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"),
        AlterTableAction::DetachPartition {
            partition: name("p1"),
            concurrently: true,
            finalize: false
        }
    );
    assert_eq!(
        one("ALTER TABLE p DETACH PARTITION p1 FINALIZE"),
        AlterTableAction::DetachPartition {
            partition: name("p1"),
            concurrently: false,
            finalize: true
        }
    );
}

#[test]
fn alter_table_common_actions_beside_an_unsupported_one_are_recognised() {
    let sql = "ALTER TABLE t \
        ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP NOT NULL, \
        ALTER COLUMN c SET DEFAULT now(), ALTER COLUMN d DROP DEFAULT, \
        ADD CONSTRAINT ck CHECK (a IS NOT NULL AND b > 0) NOT VALID, \
        VALIDATE CONSTRAINT ck2, DROP CONSTRAINT IF EXISTS old RESTRICT, \
        RENAME COLUMN x TO y, RENAME CONSTRAINT c1 TO c2, \
        ALTER CONSTRAINT fk DEFERRABLE INITIALLY DEFERRED";
    assert!(sqlparser_rejects(sql));
    use AlterTableAction as A;
    let a = actions(sql);
    assert_eq!(a.len(), 10);
    assert_eq!(a[0], A::SetNotNull { column: "a".into() });
    assert_eq!(a[1], A::DropNotNull { column: "b".into() });
    let A::SetDefault { column, expr } = &a[2] else {
        panic!()
    };
    assert_eq!((column.as_str(), expr.text.as_str()), ("c", "now()"));
    assert_eq!(expr.functions, vec!["now".to_string()]);
    assert_eq!(a[3], A::DropDefault { column: "d".into() });
    let A::AddConstraint(con) = &a[4] else {
        panic!()
    };
    assert_eq!(con.name.as_deref(), Some("ck"));
    assert!(con.not_valid);
    let ConstraintKind::Check { expr, .. } = &con.kind else {
        panic!()
    };
    assert_eq!(expr.proves_not_null, vec!["a".to_string()]);
    assert_eq!(expr.columns, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(a[5], A::ValidateConstraint { name: "ck2".into() });
    assert_eq!(
        a[6],
        A::DropConstraint {
            name: "old".into(),
            if_exists: true,
            cascade: false
        }
    );
    assert_eq!(
        a[7],
        A::RenameColumn {
            from: "x".into(),
            to: "y".into()
        }
    );
    assert_eq!(
        a[8],
        A::RenameConstraint {
            from: "c1".into(),
            to: "c2".into()
        }
    );
    assert_eq!(
        a[9],
        A::Other {
            description: "ALTER CONSTRAINT fk DEFERRABLE INITIALLY DEFERRED".into()
        }
    );
}

#[test]
fn expression_summaries_read_functions_columns_and_literals() {
    let default = |sql: &str| match actions(sql).remove(0) {
        AlterTableAction::SetDefault { expr, .. } => expr,
        a => panic!("{a:?}"),
    };
    let e = default(
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT (now() AT TIME ZONE 'utc')::date + \
         interval '1 day' * \"Value\" + pg_catalog.random() + CURRENT_TIMESTAMP",
    );
    assert_eq!(e.functions, vec!["now", "random", "current_timestamp"]);
    assert_eq!(e.columns, vec!["Value".to_string()]);
    assert!(!e.is_constant);
    for constant in [
        "'x'",
        "-1",
        "(('a'))::text",
        "'{}'::jsonb",
        "CAST(0 AS int8)",
        "interval '1 day'",
        "true",
    ] {
        let sql = format!("ALTER TABLE t ALTER COLUMN c SET DEFAULT {constant}");
        let e = default(&sql);
        assert!(e.is_constant && !e.is_null, "{sql}");
    }
    assert!(default("ALTER TABLE t ALTER COLUMN c SET DEFAULT NULL::text").is_null);
    let e = default("ALTER TABLE t ALTER COLUMN c SET DEFAULT (SELECT max(v) FROM u)");
    assert!(e.has_subquery && !e.is_constant);
    assert_eq!(e.columns, vec!["v".to_string()]);
    let check = |cond: &str| {
        let sql = format!("ALTER TABLE t ADD CHECK ({cond}), SET LOGGED");
        match actions(&sql).remove(0) {
            AlterTableAction::AddConstraint(Constraint {
                kind: ConstraintKind::Check { expr, .. },
                ..
            }) => expr,
            a => panic!("{a:?}"),
        }
    };
    assert_eq!(
        check("(a IS NOT NULL) AND t.\"B\" IS NOT NULL AND c > 0").proves_not_null,
        vec!["a".to_string(), "B".to_string()]
    );
    assert!(
        check("a IS NOT NULL OR b IS NOT NULL")
            .proves_not_null
            .is_empty()
    );
    assert!(check("f(a) IS NOT NULL").proves_not_null.is_empty());
    assert_eq!(
        check("value > 0 AND first < last").columns,
        vec!["value", "first", "last"]
    );
}

#[test]
fn alter_table_add_constraint_kinds_are_recognised() {
    let con = |sql: &str| match actions(sql).remove(0) {
        AlterTableAction::AddConstraint(c) => c,
        a => panic!("{a:?}"),
    };
    let c = con(
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES s.u (x, y) \
         MATCH FULL ON DELETE SET NULL ON UPDATE CASCADE NOT VALID, SET LOGGED",
    );
    assert!(c.not_valid);
    assert_eq!(
        c.kind,
        ConstraintKind::ForeignKey {
            columns: vec!["a".into(), "b".into()],
            ref_table: name("s.u"),
            ref_columns: vec!["x".into(), "y".into()],
            on_delete: Some("SET NULL".into()),
            on_update: Some("CASCADE".into()),
            match_full: true,
            deferrable: false,
        }
    );
    let c = con("ALTER TABLE t ADD PRIMARY KEY USING INDEX t_pk_idx, SET LOGGED");
    assert_eq!(
        c.kind,
        ConstraintKind::PrimaryKey {
            columns: vec![],
            using_index: Some("t_pk_idx".into())
        }
    );
    let c = con(
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (a) INCLUDE (b) DEFERRABLE, SET LOGGED",
    );
    assert!(c.deferrable);
    assert_eq!(c.include, ["b"]);
    assert_eq!(
        c.kind,
        ConstraintKind::Unique {
            columns: vec!["a".into()],
            using_index: None,
            nulls_not_distinct: true
        }
    );
    let c = con(
        "ALTER TABLE t ADD CONSTRAINT ex EXCLUDE USING gist (room WITH =, tsrange(a, b) WITH &&)",
    );
    assert_eq!(
        c.kind,
        ConstraintKind::Exclude {
            columns: vec!["room".into()],
            using: Some("gist".into()),
            names: vec!["room".into(), "tsrange".into()],
        }
    );
    let c = con("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a");
    assert_eq!(c.kind, ConstraintKind::NotNull { column: "a".into() });
}

#[test]
fn alter_table_add_column_clauses_are_recognised() {
    let col = |sql: &str| match actions(sql).remove(0) {
        AlterTableAction::AddColumn { column, .. } => column,
        a => panic!("{a:?}"),
    };
    let c = col(
        "ALTER TABLE t ADD c timestamp (3) with time zone COLLATE \"C\" \
         DEFAULT clock_timestamp() NOT NULL REFERENCES u ON DELETE CASCADE, SET LOGGED",
    );
    assert_eq!(c.ty.name, "timestamptz");
    assert_eq!(c.collation.as_deref(), Some("C"));
    assert!(c.not_null);
    assert_eq!(
        c.default.map(|d| d.functions),
        Some(vec!["clock_timestamp".to_string()])
    );
    assert_eq!(
        c.constraints[0].kind,
        ConstraintKind::ForeignKey {
            columns: vec!["c".into()],
            ref_table: name("u"),
            ref_columns: vec![],
            on_delete: Some("CASCADE".into()),
            on_update: None,
            match_full: false,
            deferrable: false,
        }
    );
    let c = col("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED, SET LOGGED");
    assert_eq!(
        c.generated.map(|g| (g.stored, g.expr.text)),
        Some((true, "a * 2".into()))
    );
    let c = col("ALTER TABLE t ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY, SET LOGGED");
    assert_eq!(c.identity, Some(IdentityKind::ByDefault));
    let c = col("ALTER TABLE t ADD COLUMN n text DEFAULT NULL, SET LOGGED");
    assert!(c.default.is_some_and(|d| d.is_null && d.is_constant));
    let c = col("ALTER TABLE t ADD COLUMN b bool DEFAULT a IS NOT NULL NOT NULL, SET LOGGED");
    assert_eq!(c.default.map(|d| d.text), Some("a IS NOT NULL".into()));
    assert!(c.not_null);
    let c =
        col("ALTER TABLE t ADD COLUMN s text[] DEFAULT '{}'::text[] CHECK (s <> '{}'), SET LOGGED");
    assert_eq!(c.ty.array_dims, 1);
    assert!(c.default.is_some_and(|d| d.is_constant));
    assert!(matches!(
        c.constraints[0].kind,
        ConstraintKind::Check { .. }
    ));
}

#[test]
fn alter_table_unknown_action_becomes_other() {
    let a = actions("ALTER TABLE t SET WITH OIDS, ADD COLUMN a int");
    assert_eq!(
        a[0],
        AlterTableAction::Other {
            description: "SET WITH OIDS".into()
        }
    );
    assert!(matches!(a[1], AlterTableAction::AddColumn { .. }));
    // no PostgreSQL action starts so: the statement is not recognized (and is reported
    // as unparsed) rather than taken for an action we do not model
    assert_eq!(recognize("ALTER TABLE t FROBNICATE (x, y)"), None);
    assert_eq!(
        recognize("ALTER TABLE t ADD COLUMN a int, FROBNICATE"),
        None
    );
    // a truncated action: Other, not a guess
    assert!(matches!(
        actions("ALTER TABLE t ALTER COLUMN c TYPE")[0],
        AlterTableAction::Other { .. }
    ));
}

#[test]
fn alter_table_head_must_be_understood() {
    assert_eq!(recognize("ALTER TABLE"), None);
    assert_eq!(recognize("ALTER TABLE t"), None);
    assert_eq!(recognize("ALTER TABLE (t) ADD a int"), None);
}

// --- CREATE STATISTICS, CREATE TABLE, views, routines, triggers

#[test]
fn create_statistics_is_recognised() {
    let sql =
        "CREATE STATISTICS IF NOT EXISTS s.st (ndistinct, dependencies) ON a, (b IS NULL) FROM s.t";
    assert!(sqlparser_rejects(sql));
    assert_eq!(
        rec(sql),
        Operation::CreateStatistics {
            name: Some(name("s.st")),
            tables: vec![name("s.t")],
        }
    );
    assert_eq!(
        rec("CREATE STATISTICS ON a, b FROM t"),
        Operation::CreateStatistics {
            name: None,
            tables: vec![name("t")],
        }
    );
}

#[test]
fn create_table_like_including_is_recognised() {
    let sql = "CREATE UNLOGGED TABLE IF NOT EXISTS t (LIKE s.u INCLUDING ALL, extra int NOT NULL, \
               CONSTRAINT pk PRIMARY KEY (extra)) INHERITS (base) WITH (fillfactor = 70)";
    assert!(sqlparser_rejects(sql));
    let Operation::CreateTable(ct) = rec(sql) else {
        panic!()
    };
    assert_eq!(ct.persistence, Persistence::Unlogged);
    assert!(ct.if_not_exists);
    assert_eq!(
        ct.like,
        vec![crate::ops::Like {
            source: name("s.u"),
            defaults: true,
            generated: true,
            identity: true,
            constraints: true,
        }]
    );
    assert_eq!(ct.columns.len(), 1);
    assert_eq!(ct.constraints.len(), 1);
    assert_eq!(ct.inherits, vec![name("base")]);
}

#[test]
fn create_materialized_view_with_no_data_is_recognised() {
    let sql = "CREATE MATERIALIZED VIEW mv AS WITH recent AS (SELECT * FROM s.events) \
               SELECT e.id, count(*) AS n FROM recent e JOIN users u ON u.id = e.user_id GROUP BY e.id \
               WITH NO DATA";
    assert!(sqlparser_rejects(sql));
    let Operation::CreateView(v) = rec(sql) else {
        panic!()
    };
    assert!(v.materialized && v.with_no_data);
    assert_eq!(v.reads, vec![name("s.events"), name("users")]);
    assert_eq!(v.columns, vec!["id".to_string(), "n".to_string()]);
    let Operation::CreateView(v) = rec("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH DATA") else {
        panic!()
    };
    assert!(!v.with_no_data);
}

#[test]
fn create_function_with_cost_is_recognised() {
    let sql = "CREATE OR REPLACE FUNCTION s.f(p_name name, character varying, OUT r int, \
               VARIADIC xs int[] DEFAULT '{}') RETURNS trigger LANGUAGE plpgsql STABLE COST 100 \
               AS $$ begin return new; end $$";
    assert!(sqlparser_rejects(sql));
    let Operation::CreateFunction(f) = rec(sql) else {
        panic!()
    };
    assert_eq!(f.name, name("s.f"));
    assert!(f.or_replace && f.returns_trigger);
    assert_eq!(f.args, vec!["name", "character varying", "int[]"]);
    assert_eq!(f.language.as_deref(), Some("plpgsql"));
    assert_eq!(f.volatility.as_deref(), Some("stable"));
    let Operation::CreateFunction(p) =
        rec("CREATE PROCEDURE p(a int) LANGUAGE sql AS $$ select 1 $$")
    else {
        panic!()
    };
    assert_eq!(p.kind, RoutineKind::Procedure);
}

#[test]
fn create_trigger_with_string_arguments_is_recognised() {
    let sql = "CREATE TRIGGER trg AFTER INSERT OR UPDATE OF a, b ON s.t FOR EACH ROW \
               WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION s.f('x', 1)";
    assert!(sqlparser_rejects(sql));
    assert_eq!(
        rec(sql),
        Operation::CreateTrigger(CreateTrigger {
            name: "trg".into(),
            table: name("s.t"),
            or_replace: false,
            function: Some(name("s.f")),
            constraint: false,
            events: vec!["insert".to_string(), "update".to_string()],
            for_each_row: true,
            timing: "after".into(),
            when: Some("OLD.* IS DISTINCT FROM NEW.*".into()),
            event_problem: None,
        })
    );
}

// --- types, views, routines, schemas, triggers, domains

#[test]
fn alter_type_forms_are_recognised() {
    let action = |sql: &str| match rec(sql) {
        Operation::AlterType(t) => t.action,
        op => panic!("{op:?}"),
    };
    assert_eq!(
        action("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'"),
        AlterTypeAction::AddValue {
            value: "meh".into(),
            if_not_exists: true,
            position: Some((true, "sad".into()))
        }
    );
    assert_eq!(
        action("ALTER TYPE mood RENAME VALUE 'a' TO 'b'"),
        AlterTypeAction::RenameValue {
            from: "a".into(),
            to: "b".into()
        }
    );
    assert_eq!(
        action("ALTER TYPE s.mood SET SCHEMA t"),
        AlterTypeAction::SetSchema { schema: "t".into() }
    );
    assert_eq!(
        action("ALTER TYPE mood OWNER TO admin"),
        AlterTypeAction::Other {
            description: "OWNER TO admin".into()
        }
    );
}

#[test]
fn alter_view_function_schema_trigger_domain_are_recognised() {
    assert_eq!(
        rec("ALTER MATERIALIZED VIEW IF EXISTS mv RENAME COLUMN a TO b"),
        Operation::AlterView(AlterView {
            name: name("mv"),
            materialized: true,
            action: AlterViewAction::RenameColumn {
                from: "a".into(),
                to: "b".into()
            }
        })
    );
    assert_eq!(
        rec("ALTER PROCEDURE s.p(int, text) RENAME TO q"),
        Operation::AlterFunction {
            name: name("s.p"),
            kind: RoutineKind::Procedure,
            rename_to: Some("q".into()),
            set_schema: None
        }
    );
    assert_eq!(
        rec("ALTER FUNCTION f(int) SET search_path = public"),
        Operation::AlterFunction {
            name: name("f"),
            kind: RoutineKind::Function,
            rename_to: None,
            set_schema: None
        }
    );
    assert_eq!(
        rec("ALTER SCHEMA a RENAME TO b"),
        Operation::AlterSchema {
            name: "a".into(),
            rename_to: Some("b".into())
        }
    );
    assert_eq!(
        rec("ALTER TRIGGER trg ON s.t RENAME TO trg2"),
        Operation::AlterTrigger {
            name: "trg".into(),
            table: name("s.t"),
            rename_to: Some("trg2".into())
        }
    );
    assert_eq!(
        rec("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID"),
        Operation::AlterDomain {
            name: name("d"),
            description: "ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID".into()
        }
    );
}

#[test]
fn refresh_materialized_view_is_recognised() {
    assert_eq!(
        rec("REFRESH MATERIALIZED VIEW CONCURRENTLY s.mv WITH NO DATA"),
        Operation::RefreshMaterializedView {
            name: name("s.mv"),
            concurrently: true,
            with_no_data: true
        }
    );
}

// --- comments, privileges, maintenance, session

#[test]
fn comment_on_objects_of_a_table_names_the_table() {
    for (sql, kind, table, object) in [
        (
            "COMMENT ON CONSTRAINT c ON s.t IS 'x'",
            "constraint",
            "s.t",
            Some("c"),
        ),
        (
            "COMMENT ON TRIGGER trg ON t IS NULL",
            "trigger",
            "t",
            Some("trg"),
        ),
        ("comment on policy p on t is 'x'", "policy", "t", Some("p")),
        (
            "COMMENT ON FUNCTION s.f(int, text) IS 'x'",
            "function",
            "s.f",
            None,
        ),
        ("COMMENT ON PROCEDURE p() IS 'x'", "procedure", "p", None),
        (
            "COMMENT ON MATERIALIZED VIEW mv IS 'x'",
            "materialized view",
            "mv",
            None,
        ),
        (
            "COMMENT ON COLUMN s.t.c IS 'it''s'",
            "column",
            "s.t",
            Some("c"),
        ),
    ] {
        assert_eq!(
            rec(sql),
            Operation::Comment(CommentOn {
                kind: kind.into(),
                name: name(table),
                column: object.map(str::to_string)
            }),
            "{sql}"
        );
    }
    assert_eq!(recognize("COMMENT ON TABLE t IS"), None);
    assert_eq!(recognize("COMMENT ON WIDGET w IS 'x'"), None);
}

#[test]
fn grant_and_revoke_name_their_tables() {
    assert_eq!(
        rec("GRANT SELECT, UPDATE (a) ON TABLE s.t, u TO app"),
        Operation::Privileges {
            tables: vec![name("s.t"), name("u")]
        }
    );
    assert_eq!(
        rec("GRANT SELECT ON FOREIGN TABLE f TO app"),
        Operation::Privileges { tables: vec![] }
    );
    assert_eq!(recognize("GRANT SELECT ON a b c TO app"), None);
    assert_eq!(
        rec("GRANT USAGE ON TYPE t TO app"),
        Operation::Privileges { tables: vec![] }
    );
    assert_eq!(
        rec("REVOKE GRANT OPTION FOR ALL ON ALL TABLES IN SCHEMA s FROM app CASCADE"),
        Operation::Privileges { tables: vec![] }
    );
}

#[test]
fn vacuum_analyze_lock_truncate_are_recognised() {
    assert_eq!(
        rec("VACUUM (FULL, ANALYZE true) s.t (a, b), u"),
        Operation::Vacuum {
            full: true,
            analyze: true,
            tables: vec![name("s.t"), name("u")]
        }
    );
    assert_eq!(
        rec("VACUUM (FULL false) t"),
        Operation::Vacuum {
            full: false,
            analyze: false,
            tables: vec![name("t")]
        }
    );
    assert_eq!(
        rec("VACUUM FULL VERBOSE ANALYZE t"),
        Operation::Vacuum {
            full: true,
            analyze: true,
            tables: vec![name("t")]
        }
    );
    assert_eq!(
        rec("ANALYZE (VERBOSE, SKIP_LOCKED) t"),
        Operation::Analyze {
            tables: vec![name("t")]
        }
    );
    assert_eq!(
        rec("LOCK TABLE ONLY a, s.b IN SHARE ROW EXCLUSIVE MODE NOWAIT"),
        Operation::LockTable {
            tables: vec![name("a"), name("s.b")],
            mode: LockMode::ShareRowExclusive,
            only: true
        }
    );
    assert_eq!(
        rec("LOCK a"),
        Operation::LockTable {
            tables: vec![name("a")],
            mode: LockMode::AccessExclusive,
            only: false
        }
    );
    assert_eq!(recognize("LOCK TABLE a IN SIDEWAYS MODE"), None);
    assert_eq!(
        rec("TRUNCATE TABLE ONLY a, b RESTART IDENTITY CASCADE"),
        Operation::Truncate {
            tables: vec![name("a"), name("b")],
            only: vec![name("a")],
            cascade: true,
            restart_identity: true
        }
    );
}

#[test]
fn set_and_reset_are_recognised() {
    assert_eq!(
        rec("SET LOCAL lock_timeout = '5s'"),
        Operation::Set(SetVar {
            name: "lock_timeout".into(),
            value: Some("5s".into()),
            local: true
        })
    );
    assert_eq!(
        rec("SET search_path TO a, \"B\", public"),
        Operation::Set(SetVar {
            name: "search_path".into(),
            value: Some("a, \"B\", public".into()),
            local: false
        })
    );
    assert_eq!(
        rec("SET statement_timeout TO DEFAULT"),
        Operation::Set(SetVar {
            name: "statement_timeout".into(),
            value: None,
            local: false
        })
    );
    assert_eq!(
        rec("RESET lock_timeout"),
        Operation::Set(SetVar {
            name: "lock_timeout".into(),
            value: None,
            local: false
        })
    );
    // the role objects are created as: folded, strings as written, NONE/DEFAULT reset
    let role = |name: &str, value: Option<&str>, local: bool| {
        Operation::Set(SetVar {
            name: name.into(),
            value: value.map(Into::into),
            local,
        })
    };
    assert_eq!(rec("SET ROLE Admin"), role("role", Some("admin"), false));
    assert_eq!(rec("SET LOCAL ROLE 'Ops'"), role("role", Some("Ops"), true));
    assert_eq!(rec("SET ROLE NONE"), role("role", None, false));
    assert_eq!(rec("RESET ROLE"), role("role", None, false));
    assert_eq!(
        rec("SET SESSION AUTHORIZATION \"Deploy\""),
        role("session_authorization", Some("Deploy"), false)
    );
    assert_eq!(
        rec("SET SESSION AUTHORIZATION DEFAULT"),
        role("session_authorization", None, false)
    );
    assert_eq!(
        rec("RESET SESSION AUTHORIZATION"),
        role("session_authorization", None, false)
    );
}

#[test]
fn drop_and_reassign_owned_name_their_roles() {
    assert_eq!(
        rec("DROP OWNED BY app, \"Ops\", CURRENT_USER CASCADE"),
        Operation::DropOwned {
            roles: vec!["app".into(), "Ops".into(), "current_user".into()],
            cascade: true
        }
    );
    assert_eq!(
        rec("DROP OWNED BY app RESTRICT"),
        Operation::DropOwned {
            roles: vec!["app".into()],
            cascade: false
        }
    );
    assert_eq!(
        rec("REASSIGN OWNED BY old_app, x TO new_app"),
        Operation::ReassignOwned {
            roles: vec!["old_app".into(), "x".into()],
            to: "new_app".into()
        }
    );
    assert_eq!(recognize("REASSIGN OWNED BY a"), None);
}

#[test]
fn drop_of_other_object_kinds_is_recognised() {
    assert!(sqlparser_rejects("DROP AGGREGATE a(int)"));
    assert_eq!(
        rec("DROP AGGREGATE IF EXISTS s.a(int), b(*) CASCADE"),
        Operation::DropFunction {
            drop: Drop {
                names: vec![name("s.a"), name("b")],
                if_exists: true,
                cascade: true
            },
            kind: RoutineKind::Aggregate
        }
    );
    assert_eq!(
        rec("DROP TRIGGER IF EXISTS trg ON s.t CASCADE"),
        Operation::DropTrigger {
            name: "trg".into(),
            table: name("s.t"),
            if_exists: true,
            cascade: true
        }
    );
    assert_eq!(
        rec("DROP POLICY p ON t"),
        Operation::Policy { table: name("t") }
    );
    for (sql, kind) in [
        ("DROP STATISTICS IF EXISTS s", "DROP STATISTICS"),
        ("DROP CAST (a AS b)", "DROP CAST"),
        ("DROP OPERATOR === (int, int)", "DROP OPERATOR"),
        ("DROP PUBLICATION p", "DROP PUBLICATION"),
    ] {
        assert_eq!(rec(sql), Operation::Other { kind: kind.into() }, "{sql}");
    }
    assert_eq!(recognize("DROP WIDGET w"), None);
    assert_eq!(recognize("DROP TABLE"), None);
}

#[test]
fn statements_without_modelled_effects_are_other() {
    for (sql, kind) in [
        (
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
            "CREATE EVENT TRIGGER",
        ),
        ("CREATE CAST (a AS b) WITH FUNCTION f(a)", "CREATE CAST"),
        ("CREATE PUBLICATION p FOR TABLE t", "CREATE PUBLICATION"),
        ("ALTER PUBLICATION p ADD TABLE t", "ALTER PUBLICATION"),
        ("ALTER EXTENSION e UPDATE TO '2.0'", "ALTER EXTENSION"),
        (
            "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r",
            "ALTER DEFAULT PRIVILEGES",
        ),
        (
            "SECURITY LABEL FOR selinux ON TABLE t IS 'x'",
            "SECURITY LABEL",
        ),
        ("CHECKPOINT", "CHECKPOINT"),
        (
            "CREATE TEXT SEARCH CONFIGURATION c (COPY = simple)",
            "CREATE TEXT SEARCH CONFIGURATION",
        ),
    ] {
        assert_eq!(rec(sql), Operation::Other { kind: kind.into() }, "{sql}");
    }
}

#[test]
fn create_rule_and_policy_name_their_table() {
    assert_eq!(
        rec("CREATE OR REPLACE RULE r AS ON INSERT TO s.t DO INSTEAD NOTHING"),
        Operation::RewriteRule {
            table: name("s.t"),
            change: crate::ops::RuleChange::Create("r".into())
        }
    );
    assert_eq!(
        rec("CREATE POLICY p ON t FOR SELECT USING (true)"),
        Operation::Policy { table: name("t") }
    );
}

// --- robustness

#[test]
fn unknown_statement_is_not_recognised() {
    for sql in [
        "",
        ";",
        "   -- only a comment\n",
        "FROBNICATE the table",
        "SELECT 1",
        "INSERT INTO t VALUES (1)",
        "CREATE WIDGET w",
        "ALTER WIDGET w",
        "ALTER TABLE t ADD COLUMN a int; DROP TABLE u",
    ] {
        assert_eq!(recognize(sql), None, "{sql:?}");
    }
}

#[test]
fn trailing_semicolons_and_comments_are_ignored() {
    assert_eq!(rec("REINDEX INDEX i; -- done\n"), rec("REINDEX INDEX i"));
    assert_eq!(rec("REINDEX /* x */ INDEX i;;"), rec("REINDEX INDEX i"));
}

/// A small deterministic generator (xorshift), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SAMPLES: &[&str] = &[
    "DROP INDEX CONCURRENTLY IF EXISTS a, b CASCADE",
    "REINDEX (VERBOSE) TABLE CONCURRENTLY t",
    "DO $x$ BEGIN PERFORM 1; END $x$ LANGUAGE plpgsql",
    "DO 'BEGIN NULL; END'",
    "ALTER SEQUENCE s AS bigint MAXVALUE 10 OWNED BY t.id",
    "ALTER INDEX IF EXISTS a ATTACH PARTITION b",
    "ALTER TABLE ONLY t ADD COLUMN c int DEFAULT 0 NOT NULL, SET TABLESPACE x, \
     ALTER COLUMN d TYPE text USING d::text, ADD CONSTRAINT k CHECK (a IS NOT NULL) NOT VALID",
    "CLUSTER VERBOSE t USING i",
    "CREATE STATISTICS s (dependencies) ON a, (b + 1) FROM t",
    "CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY t USING gin ((a->>'x'), lower(b)) WHERE c",
    "CREATE TABLE t (LIKE u INCLUDING ALL, a int PRIMARY KEY)",
    "CREATE MATERIALIZED VIEW v AS SELECT a FROM t WITH NO DATA",
    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql COST 1 AS $$ SELECT a $$",
    "COMMENT ON CONSTRAINT c ON t IS 'x'",
    "VACUUM (FULL) t",
    "LOCK TABLE a IN ACCESS SHARE MODE",
];

#[test]
fn truncated_and_garbled_statements_never_panic() {
    for sample in SAMPLES {
        assert!(recognize(sample).is_some(), "{sample}");
        // every prefix, at character boundaries
        for (i, _) in sample.char_indices() {
            check_invariants(&sample[..i]);
        }
        // every suffix
        for (i, _) in sample.char_indices() {
            check_invariants(&sample[i..]);
        }
    }
    let vocabulary = [
        "ALTER",
        "TABLE",
        "INDEX",
        "DROP",
        "ADD",
        "COLUMN",
        "CONSTRAINT",
        "SET",
        "DEFAULT",
        "NOT",
        "NULL",
        "TYPE",
        "USING",
        "ON",
        "ONLY",
        "IF",
        "EXISTS",
        "DO",
        "$$",
        "$$ x $$",
        "'s'",
        "(",
        ")",
        "(",
        ")",
        ",",
        ",",
        ";",
        ".",
        "::",
        "t",
        "\"Q\"",
        "1",
        "-",
        "CONCURRENTLY",
        "REINDEX",
        "CLUSTER",
        "SEQUENCE",
        "OWNED",
        "BY",
        "WITH",
        "AS",
        "CREATE",
        "STATISTICS",
        "FROM",
        "LANGUAGE",
        "COMMENT",
        "IS",
        "GRANT",
        "TO",
        "LOCK",
        "MODE",
        "VACUUM",
        "FULL",
        "TRIGGER",
        "EXECUTE",
        "FUNCTION",
        "RETURNS",
        "VIEW",
        "MATERIALIZED",
        "DATA",
        "NO",
        "PARTITION",
        "OF",
        "FOR",
        "VALUES",
        "IDENTITY",
        "GENERATED",
        "ALWAYS",
        "CHECK",
        "é",
        "/*",
        "*/",
        "--",
        "\n",
        "E'\\''",
        "[",
        "]",
        "*",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = 1 + rng.next() % 14;
        let words: Vec<&str> = (0..len).map(|_| rng.pick(&vocabulary)).collect();
        check_invariants(&words.join(" "));
        check_invariants(&words.concat());
    }
}

/// No panic, and a recognised `DO` body always sits where its offset says.
fn check_invariants(sql: &str) {
    if let Some(Operation::Do {
        body, body_offset, ..
    }) = recognize(sql)
    {
        let at = sql.get(body_offset..body_offset + body.len());
        assert!(
            at == Some(body.as_str()) || !sql.contains('$'),
            "DO body misplaced in {sql:?}"
        );
    }
}

#[test]
fn deep_nesting_and_long_inputs_stay_fast() {
    let deep = format!(
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT {}1{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let a = actions(&deep);
    assert!(matches!(&a[0], AlterTableAction::SetDefault { expr, .. } if expr.is_constant));
    let view = format!(
        "CREATE MATERIALIZED VIEW v AS SELECT {}1{} WITH NO DATA",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert!(matches!(rec(&view), Operation::CreateView(_)));
    let casts = format!(
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT {}1{}",
        "(".repeat(20_000),
        ")::int".repeat(20_000)
    );
    assert!(matches!(
        &actions(&casts)[0],
        AlterTableAction::SetDefault { .. }
    ));
    let wide: Vec<String> = (0..50_000).map(|i| format!("c{i} IS NOT NULL")).collect();
    let check = format!(
        "ALTER TABLE t ADD CHECK ({}), SET LOGGED",
        wide.join(" AND ")
    );
    let AlterTableAction::AddConstraint(con) = &actions(&check)[0] else {
        panic!()
    };
    assert_eq!(con.columns().len(), 50_000);
}

#[test]
fn create_table_with_an_empty_element_is_not_recognised() {
    assert_eq!(
        recognize("CREATE TABLE broken (id bigint PRIMARY KEY,, );"),
        None
    );
    assert!(matches!(
        crate::parse::parse_statement("CREATE TABLE empty ()"),
        Operation::CreateTable(_)
    ));
}

#[test]
fn create_table_partition_key_and_bound_are_recognised() {
    let Operation::CreateTable(ct) = rec(
        "CREATE TABLE p (a int, b text) PARTITION BY RANGE (A, (lower(b))) WITH (fillfactor = 70)",
    ) else {
        panic!()
    };
    assert_eq!(ct.partition_key, ["a", "(lower(b))"]);
    let Operation::CreateTable(ct) =
        rec("CREATE TABLE p1 PARTITION OF p FOR VALUES IN ('x', 'y') WITH (fillfactor = 70)")
    else {
        panic!()
    };
    assert_eq!(
        ct.partition_bound.as_deref(),
        Some(&PartitionBound::List(vec!["'x'".into(), "'y'".into()]))
    );
    let Operation::CreateTable(ct) =
        rec("CREATE TABLE p0 PARTITION OF p DEFAULT WITH (fillfactor = 70)")
    else {
        panic!()
    };
    assert_eq!(
        ct.partition_bound.as_deref(),
        Some(&PartitionBound::Default)
    );
}

#[test]
fn create_domain_clauses_in_any_order_are_recognised() {
    // each accepted by PostgreSQL 15; `trace` saw ADD COLUMN of each rewrite exactly
    // when the domain has a constraint
    let domain = |sql: &str| match crate::parse::parse_statement(sql) {
        Operation::CreateType(crate::ops::CreateType {
            name,
            kind:
                crate::ops::CreateTypeKind::Domain {
                    base,
                    has_constraints,
                },
        }) => (name.to_string(), base.name, has_constraints),
        other => panic!("{sql}: {other:?}"),
    };
    for (sql, base, constrained) in [
        (
            "CREATE DOMAIN d AS int CHECK (VALUE > 0) NOT NULL",
            "int4",
            true,
        ),
        (
            "CREATE DOMAIN d AS int NOT NULL CHECK (VALUE > 0)",
            "int4",
            true,
        ),
        (
            "CREATE DOMAIN d AS int CONSTRAINT p CHECK (VALUE > 0) CONSTRAINT n NOT NULL",
            "int4",
            true,
        ),
        ("CREATE DOMAIN d AS int NULL", "int4", false),
        ("CREATE DOMAIN d AS int DEFAULT 1 NOT NULL", "int4", true),
        ("CREATE DOMAIN d AS int DEFAULT NULL", "int4", false),
        (
            "CREATE DOMAIN d AS text COLLATE \"C\" NOT NULL",
            "text",
            true,
        ),
        ("CREATE DOMAIN d int4", "int4", false),
        (
            "CREATE DOMAIN d timestamp with time zone NOT NULL",
            "timestamptz",
            true,
        ),
        (
            "CREATE DOMAIN d AS varchar(10) DEFAULT '' CHECK (VALUE <> 'x') NOT NULL",
            "varchar",
            true,
        ),
        (
            "CREATE DOMAIN s.d numeric(10,2) NOT NULL DEFAULT 0",
            "numeric",
            true,
        ),
    ] {
        let (_, b, c) = domain(sql);
        assert_eq!((b.as_str(), c), (base, constrained), "{sql}");
    }
    assert_eq!(domain("CREATE DOMAIN s.d int4").0, "s.d");
    assert_eq!(recognize("CREATE DOMAIN d AS int NOT"), None);
    assert_eq!(recognize("CREATE DOMAIN d AS int CHECK"), None);
}

// --- forms sqlparser parses once rewritten

#[test]
fn table_statement_reads_the_table() {
    assert!(sqlparser_rejects("TABLE public.t;"));
    match rec("TABLE public.t;") {
        Operation::Select { reads, .. } => assert_eq!(reads, vec![name("public.t")]),
        op => panic!("{op:?}"),
    }
    match rec("table only t") {
        Operation::Select { reads, .. } => assert_eq!(reads, vec![name("t")]),
        op => panic!("{op:?}"),
    }
}

#[test]
fn explain_analyze_is_the_statement_and_plain_explain_reads() {
    let sql =
        "EXPLAIN (ANALYZE, COSTS OFF) CREATE MATERIALIZED VIEW mv AS SELECT a FROM t WITH NO DATA;";
    assert!(sqlparser_rejects(sql));
    match rec(sql) {
        Operation::CreateView(v) => {
            assert!(v.materialized && v.with_no_data);
            assert_eq!(v.name, name("mv"));
        }
        op => panic!("{op:?}"),
    }
    let sql = "explain (costs off) create materialized view mv as select a from t with no data";
    match rec(sql) {
        Operation::Select {
            reads, functions, ..
        } => {
            assert_eq!(reads, vec![name("t")]);
            assert!(functions.is_empty());
        }
        op => panic!("{op:?}"),
    }
    // ANALYZE off is a plain EXPLAIN
    match rec("explain (analyze off, verbose) update t set a[1] = 2 from u") {
        Operation::Select { reads, .. } => assert_eq!(reads, vec![name("t"), name("u")]),
        op => panic!("{op:?}"),
    }
    assert!(matches!(
        rec("explain (analyze, verbose) update t set a[1] = 2"),
        Operation::Update(_)
    ));
}

#[test]
fn subscripted_and_field_targets_assign_the_column() {
    let sql = "update t set a[1].r = a[1].r + 1, b[2][3] = 0, c = 1 where a[1].i > 0";
    assert!(sqlparser_rejects(sql));
    match rec(sql) {
        Operation::Update(d) => {
            assert_eq!(d.table, name("t"));
            assert_eq!(d.set_columns, vec!["a", "b", "c"]);
            assert!(d.filtered);
        }
        op => panic!("{op:?}"),
    }
    let sql = "INSERT INTO s.t (a[1], b[1].r, c) VALUES (1, 2, 3)";
    assert!(sqlparser_rejects(sql));
    match rec(sql) {
        Operation::Insert(d) => assert_eq!(d.table, name("s.t")),
        op => panic!("{op:?}"),
    }
    match rec("update t set a[1] = 1 returning b[1], c") {
        Operation::Update(d) => assert_eq!(d.set_columns, vec!["a"]),
        op => panic!("{op:?}"),
    }
    // PostgreSQL rejects a parenthesised target with a subscript
    assert!(recognize("update t set (a[2])[1] = 1").is_none());
}

/// Assignments to subscripts or fields of one column are merged by PostgreSQL (15:
/// `INSERT INTO t (a[1], a[3])`, `SET d[1].r = .., d[1].i = ..` succeed); the whole
/// column beside a part of it is "multiple assignments to same column".
#[test]
fn parts_of_one_column_may_be_assigned_together_but_not_with_the_whole() {
    for sql in [
        "INSERT INTO t (a[1], a[3]) VALUES (1, 2)",
        "insert into t (d[1].r, d[1].i) values (1, 2)",
        "update t set a[1] = 1, a[3] = 2",
        "update t set d[1].r = 1, d[1].i = 2 where d[1].i > 0",
    ] {
        match rec(sql) {
            Operation::Insert(d) | Operation::Update(d) => {
                assert_eq!(d.repeated_column, None, "{sql}");
            }
            op => panic!("{op:?}"),
        }
    }
    match rec("update t set a = 1, a[1] = 2") {
        Operation::Update(d) => assert_eq!(d.repeated_column.as_deref(), Some("a")),
        op => panic!("{op:?}"),
    }
}

#[test]
fn merge_with_overriding_is_a_merge() {
    let sql = "MERGE INTO t USING (SELECT 1 AS a) s ON t.a = s.a WHEN NOT MATCHED THEN INSERT (a) OVERRIDING USER VALUE VALUES (s.a)";
    assert!(sqlparser_rejects(sql));
    match rec(sql) {
        Operation::Merge(d) => assert_eq!(d.table, name("t")),
        op => panic!("{op:?}"),
    }
}

#[test]
fn unlogged_sequence_is_a_sequence() {
    assert!(sqlparser_rejects("CREATE UNLOGGED SEQUENCE s.q"));
    match rec("CREATE UNLOGGED SEQUENCE s.q") {
        Operation::CreateSequence { name: n, .. } => assert_eq!(n, name("s.q")),
        op => panic!("{op:?}"),
    }
}

#[test]
fn queries_with_whole_rows_and_variadic_read_their_tables() {
    for (sql, table, function) in [
        ("select (d1).r, (d1).* from dt", "dt", None),
        (
            "select row(i.*::int8_tbl)::nc from int8_tbl i",
            "int8_tbl",
            None,
        ),
        (
            "SELECT f('x'::regclass, 2, variadic array[1,2]::int[]) FROM t",
            "t",
            Some("f"),
        ),
    ] {
        assert!(sqlparser_rejects(sql), "{sql}");
        match rec(sql) {
            Operation::Select {
                reads, functions, ..
            } => {
                assert_eq!(reads, vec![name(table)], "{sql}");
                if let Some(f) = function {
                    assert!(functions.iter().any(|g| g == f), "{functions:?}");
                }
            }
            op => panic!("{sql}: {op:?}"),
        }
    }
}

// --- CREATE SCHEMA with elements

#[test]
fn create_schema_elements_are_created_in_the_schema() {
    let sql = "create schema s\n  create table pk (a int primary key)\n  create table fk (a int references pk, b int) partition by list (a)\n  create table fk_1 partition of fk for values in (1)\n  create view v as select * from fk join other o using (a)\n  create index on fk (b)\n  create sequence q owned by pk.a\n  grant select on pk to public;";
    assert!(sqlparser_rejects(sql));
    assert_eq!(
        rec(sql),
        Operation::CreateSchema {
            name: "s".to_string(),
            if_not_exists: false,
            authorization: None,
            unnamed: false,
        }
    );
    let (_, elements) = super::schema_elements(sql).expect("elements");
    let texts: Vec<&str> = elements.iter().map(|e| &sql[e.start..e.end]).collect();
    assert_eq!(texts[0], "create table pk (a int primary key)");
    assert_eq!(texts[6], "grant select on pk to public");
    assert_eq!(elements.len(), 7);
    let ops: Vec<&Operation> = elements.iter().map(|e| &e.op).collect();
    let Operation::CreateTable(pk) = ops[0] else {
        panic!("{:?}", ops[0])
    };
    assert_eq!(pk.name, name("s.pk"));
    let Operation::CreateTable(fk) = ops[1] else {
        panic!("{:?}", ops[1])
    };
    assert_eq!(fk.name, name("s.fk"));
    let refs: Vec<&ObjectName> = fk
        .columns
        .iter()
        .flat_map(|c| &c.constraints)
        .filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey { ref_table, .. } => Some(ref_table),
            _ => None,
        })
        .collect();
    assert_eq!(refs, vec![&name("s.pk")]);
    let Operation::CreateTable(part) = ops[2] else {
        panic!("{:?}", ops[2])
    };
    assert_eq!(part.partition_of.as_deref(), Some(&name("s.fk")));
    let Operation::CreateView(v) = ops[3] else {
        panic!("{:?}", ops[3])
    };
    assert_eq!(v.name, name("s.v"));
    // `other` was not created here: it resolves through the search path
    assert_eq!(v.reads, vec![name("s.fk"), name("other")]);
    let Operation::CreateIndex(i) = ops[4] else {
        panic!("{:?}", ops[4])
    };
    assert_eq!(i.table, name("s.fk"));
    let Operation::CreateSequence { name: q, .. } = ops[5] else {
        panic!("{:?}", ops[5])
    };
    assert_eq!(q, &name("s.q"));
    let Operation::Privileges { tables } = ops[6] else {
        panic!("{:?}", ops[6])
    };
    assert_eq!(tables, &vec![name("s.pk")]);
}

#[test]
fn create_schema_authorization_names_the_schema_after_the_role() {
    let sql =
        "CREATE SCHEMA AUTHORIZATION alice CREATE TABLE alice.t (id int) CREATE TABLE u (id int)";
    let (op, elements) = super::schema_elements(sql).expect("elements");
    assert_eq!(
        op,
        Operation::CreateSchema {
            name: "alice".to_string(),
            if_not_exists: false,
            authorization: Some("alice".to_string()),
            unnamed: true,
        }
    );
    let names: Vec<ObjectName> = elements
        .iter()
        .filter_map(|e| match &e.op {
            Operation::CreateTable(t) => Some(t.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec![name("alice.t"), name("alice.u")]);
    // CURRENT_ROLE: the schema is the one the elements name
    let (op, _) = super::schema_elements(
        "CREATE SCHEMA AUTHORIZATION CURRENT_ROLE CREATE TABLE bob.t (id int)",
    )
    .expect("elements");
    assert!(matches!(op, Operation::CreateSchema { name, .. } if name == "bob"));
}

#[test]
fn create_schema_elements_postgresql_rejects_stay_unrecognised() {
    for sql in [
        // another schema than the one created
        "CREATE SCHEMA s CREATE TABLE other.t (id int)",
        "CREATE SCHEMA AUTHORIZATION alice CREATE SEQUENCE other.q",
        "CREATE SCHEMA s AUTHORIZATION CURRENT_ROLE CREATE INDEX ON other.t (id)",
        "CREATE SCHEMA s CREATE TRIGGER tr BEFORE INSERT ON other.t EXECUTE FUNCTION f()",
        // a temporary relation cannot be in it
        "CREATE SCHEMA s CREATE TEMP VIEW v AS SELECT 1",
        "CREATE SCHEMA s CREATE TABLE t (id int) CREATE TEMPORARY TABLE u (id int)",
        // not an element PostgreSQL's grammar takes
        "CREATE SCHEMA s CREATE TABLE t (id int) CREATE SCHEMA u",
        "CREATE SCHEMA s CREATE MATERIALIZED VIEW v AS SELECT 1",
        "CREATE SCHEMA s CREATE TABLE t AS SELECT 1",
        "CREATE SCHEMA s CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
        // IF NOT EXISTS cannot include schema elements
        "CREATE SCHEMA IF NOT EXISTS s CREATE TABLE t (id int)",
    ] {
        assert!(recognize(sql).is_none(), "{sql}");
        assert!(super::schema_elements(sql).is_none(), "{sql}");
    }
}

/// Rewrites that nest (`EXPLAIN EXPLAIN ...`) stop after a few levels instead of
/// recursing once per word.
#[test]
fn nested_rewrites_stop() {
    let deep = format!("{}TABLE t", "EXPLAIN (COSTS OFF) ".repeat(12));
    assert!(recognize(&deep).is_none());
    assert!(matches!(
        rec("EXPLAIN (COSTS OFF) TABLE t"),
        Operation::Select { .. }
    ));
}
