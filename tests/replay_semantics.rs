//! Replay does what PostgreSQL does: each small history here is applied to a real
//! server (started by the test) and replayed by `schemaguard diff`, and the two must not
//! differ. Each one pins a way PostgreSQL changes more than the statement names: renames
//! reaching the expressions that use the object, drops taking what depends on them,
//! automatic names avoiding taken ones, a UNIQUE repeating the primary key not made, and
//! a `DO` block's `IF EXISTS (SELECT ... FROM pg_indexes ...)` branches taken as the
//! server took them.

mod common;

use common::TempDir;

/// Applies `sql` to a fresh database `db` and diffs it with the replayed `sql`: the
/// differences, as `kind object name` lines with their changes (none when replay is
/// faithful).
fn differences(server: &schemaguard::server::TempServer, db: &str, sql: &str) -> Vec<String> {
    let dir = TempDir::new(db);
    dir.write("001_history.sql", sql);
    let mut admin = server.connect().expect("connect as superuser");
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create database");
    let mut client = server
        .connect_as(schemaguard::server::SUPERUSER, db)
        .expect("connect to the new database");
    common::apply_dir(&mut client, &dir.0);
    let url = common::pg_url(server, db);
    let out = common::schemaguard(&[
        "diff",
        "--database-url",
        &url,
        dir.path(),
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    doc["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d["kind"].as_str().unwrap_or("?"),
                d["object"].as_str().unwrap_or("?"),
                d["name"].as_str().unwrap_or("?"),
                d["changes"]
            )
        })
        .collect()
}

const COLUMN_RENAMES: &str = "
CREATE TABLE person (
    id int PRIMARY KEY,
    actor_id text NOT NULL,
    blocked timestamptz,
    total int,
    half int GENERATED ALWAYS AS (total / 2) STORED,
    CONSTRAINT total_or_actor CHECK (total IS NOT NULL OR actor_id <> 'actor_id')
);
CREATE UNIQUE INDEX person_lower_actor ON person (lower(actor_id));
CREATE INDEX person_blocked ON person (id) WHERE blocked IS NOT NULL;
ALTER TABLE person RENAME COLUMN actor_id TO ap_id;
ALTER TABLE person RENAME COLUMN blocked TO blocked_at;
ALTER TABLE person RENAME COLUMN total TO sum;

CREATE TABLE builds (id bigserial PRIMARY KEY, rerun_of bigint REFERENCES builds (id));
ALTER TABLE builds RENAME COLUMN rerun_of TO rerun_of_old;
ALTER TABLE builds ADD COLUMN rerun_of bigint REFERENCES builds (id);
";

const DROPS: &str = "
CREATE TABLE r (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE t (
    id int PRIMARY KEY, a int, b int, email text, d int,
    g int GENERATED ALWAYS AS (a * 2) STORED,
    CONSTRAINT ab_check CHECK (a > b), UNIQUE (a, b), UNIQUE (b),
    CONSTRAINT fk_ad FOREIGN KEY (a, d) REFERENCES r (x, y)
);
CREATE UNIQUE INDEX t_email_lower ON t (lower(email));
CREATE INDEX t_pred ON t (id) WHERE email IS NOT NULL;
CREATE INDEX t_ba ON t (b, a);
CREATE SEQUENCE t_seq OWNED BY t.a;
ALTER TABLE t DROP COLUMN email;
ALTER TABLE t DROP COLUMN a CASCADE;

CREATE FUNCTION user_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_insert AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION user_insert();
ALTER FUNCTION user_insert() RENAME TO person_insert;
DROP FUNCTION person_insert CASCADE;

CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE moods (id int, m mood, n int);
CREATE INDEX moods_m ON moods (m);
DROP TYPE mood CASCADE;

CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
CREATE TABLE uses_f (
    id int, a int DEFAULT f(1), b int CHECK (f(b) > 0),
    g int GENERATED ALWAYS AS (f(id)) STORED, c int
);
CREATE INDEX uses_f_expr ON uses_f (f(c));
CREATE INDEX uses_f_pred ON uses_f (id) WHERE f(c) > 2;
DROP FUNCTION f(int) CASCADE;

CREATE SEQUENCE s;
CREATE TABLE uses_s (id int DEFAULT nextval('s'), k int);
DROP SEQUENCE s CASCADE;

CREATE TABLE p (id int PRIMARY KEY, k int UNIQUE);
CREATE TABLE q (pid int REFERENCES p, pk int REFERENCES p (k));
ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE;
";

const OBJECT_RENAMES: &str = "
CREATE TYPE mode AS ENUM ('open', 'require_application');
CREATE TABLE user_ (
    id serial PRIMARY KEY,
    registration mode DEFAULT 'require_application' NOT NULL,
    modes mode[]
);
ALTER TABLE user_ RENAME TO person;
ALTER SEQUENCE user__id_seq RENAME TO person_id_seq;
ALTER TYPE mode RENAME VALUE 'require_application' TO 'RequireApplication';
ALTER TYPE mode RENAME TO registration_mode;
CREATE TABLE counter (id serial PRIMARY KEY);
ALTER TABLE counter_id_seq RENAME TO counter_seq;
CREATE TYPE ty AS ENUM ('a', 'b');
CREATE TABLE e (k ty DEFAULT 'a', c text CHECK (c::ty = 'a'::ty));
CREATE INDEX e_k ON e (k) WHERE k <> 'b'::ty;
ALTER TYPE ty RENAME TO ty2;
CREATE SCHEMA s2;
CREATE TABLE moved (id serial PRIMARY KEY);
ALTER TABLE moved SET SCHEMA s2;
CREATE VIEW person_view AS SELECT id, registration FROM person;
ALTER TABLE person_view RENAME COLUMN registration TO reg;
";

const CHOSEN_NAMES: &str = "
CREATE TABLE x (a int CONSTRAINT t_a_check CHECK (a > 0));
CREATE TABLE t (a int CHECK (a > 1), b int CHECK (b > 0), CHECK (b < 10));
CREATE TABLE t_a_idx (z int);
CREATE INDEX ON t (a);
CREATE TABLE y (q int CONSTRAINT u_pkey CHECK (q > 0));
CREATE TABLE u (id int PRIMARY KEY);
CREATE SEQUENCE v_id_seq;
CREATE TABLE v (id serial);
CREATE SEQUENCE w_id_seq;
CREATE TABLE w (id int NOT NULL);
ALTER TABLE w ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
CREATE TABLE vd (id serial PRIMARY KEY, version_id int NOT NULL, date date NOT NULL);
CREATE UNIQUE INDEX vd_unique ON vd (version_id, date);
ALTER TABLE vd
    DROP CONSTRAINT vd_pkey,
    ADD CONSTRAINT vd_pkey PRIMARY KEY USING INDEX vd_unique,
    DROP COLUMN id;
CREATE TABLE vd2 (a int NOT NULL);
CREATE UNIQUE INDEX vd2_a ON vd2 (a);
ALTER TABLE vd2 ADD PRIMARY KEY USING INDEX vd2_a;
";

const REPEATED_UNIQUES: &str = "
CREATE TABLE a1 (id int PRIMARY KEY UNIQUE);
CREATE TABLE a2 (id int, PRIMARY KEY (id), UNIQUE (id));
CREATE TABLE a4 (id int, x int, UNIQUE (id, x), UNIQUE (id, x));
CREATE TABLE a5 (id int, x int, UNIQUE (x, id), PRIMARY KEY (id, x));
CREATE TABLE a6 (id int PRIMARY KEY);
ALTER TABLE a6 ADD UNIQUE (id);
CREATE TABLE a8 (x int, UNIQUE (x), UNIQUE (x), CONSTRAINT foo UNIQUE (x));
CREATE TABLE a9 (x int, UNIQUE (x) DEFERRABLE, PRIMARY KEY (x));
CREATE TABLE b1 (id int CONSTRAINT u1 UNIQUE, PRIMARY KEY (id));
CREATE TABLE b4 (id int);
ALTER TABLE b4 ADD COLUMN y int PRIMARY KEY UNIQUE;
";

const GUARDED_DO: &str = "
CREATE TABLE f (id int, phone text);
CREATE UNIQUE INDEX unique_verified_phone_factor ON f (id, phone);
DO $$
BEGIN
    IF (SELECT count(*) = 2 FROM pg_indexes
        WHERE indexname IN ('unique_verified_phone_factor', 'unique_phone_factor_per_user')
        AND schemaname = 'public') THEN
        EXECUTE 'DROP INDEX unique_verified_phone_factor';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'unique_verified_phone_factor') THEN
        EXECUTE 'ALTER INDEX unique_verified_phone_factor RENAME TO unique_phone_factor_per_user';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'f' AND column_name = 'email') THEN
        ALTER TABLE f ADD COLUMN email text;
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_name = 'f' AND column_name = 'fax') THEN
        ALTER TABLE f DROP COLUMN phone;
    END IF;
END $$;
";

/// (Inherited CHECK constraints are left to the unit tests: the live side reports them
/// on the child until it reads inheritance, while a replayed child's are its parent's.)
const INHERITANCE: &str = "
CREATE TABLE par (id serial PRIMARY KEY, a int NOT NULL DEFAULT 5, b text);
CREATE TABLE ch (c int, a int DEFAULT 7) INHERITS (par);
ALTER TABLE par ADD COLUMN d int;
ALTER TABLE par RENAME COLUMN b TO b2;
ALTER TABLE par ADD COLUMN e int;
ALTER TABLE par DROP COLUMN e;
";

#[test]
fn replayed_histories_match_the_server_they_built() {
    let Some(server) = common::pg_server() else {
        return;
    };
    for (db, sql) in [
        ("column_renames", COLUMN_RENAMES),
        ("drops", DROPS),
        ("object_renames", OBJECT_RENAMES),
        ("chosen_names", CHOSEN_NAMES),
        ("repeated_uniques", REPEATED_UNIQUES),
        ("guarded_do", GUARDED_DO),
        ("inheritance", INHERITANCE),
    ] {
        let mut found = differences(&server, db, sql);
        // whether a table inherits is read from the live side by another change (the
        // live introspection does not report it yet): not what this test pins
        found.retain(|d| !d.contains("\"attribute\":\"inherits\""));
        assert!(
            found.is_empty(),
            "{db}: replay and PostgreSQL differ:\n{}",
            found.join("\n")
        );
    }
}
