//! Generated single-file histories of a given size, shared by `tests/scaling_work.rs`
//! (the deterministic growth check) and `benches/scaling.rs` (time and memory).
//!
//! - `mix`: tables with a column, an index, a foreign key added NOT VALID and validated,
//!   a backfill, a type change, a view (what a squashed history looks like);
//! - `tables`: `CREATE TABLE t_i (id int); CREATE INDEX ON t_i (id);` pairs;
//! - `values`: one `INSERT ... VALUES` statement with as many rows as the size takes.

use std::fmt::Write as _;

/// A shape: its name and what makes a file of about that many bytes.
pub type Shape = (&'static str, fn(usize) -> String);

pub fn mix(bytes: usize) -> String {
    let mut sql = String::with_capacity(bytes + 1024);
    let mut t = 0;
    while sql.len() < bytes {
        t += 1;
        let table = format!("table_{t}");
        let _ = write!(
            sql,
            "CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n\
             ALTER TABLE {table} ADD COLUMN owner_id bigint;\n\
             CREATE INDEX {table}_owner_idx ON {table} (owner_id);\n\
             ALTER TABLE {table} ADD CONSTRAINT {table}_owner_fk FOREIGN KEY (owner_id) REFERENCES table_1 (id) NOT VALID;\n\
             ALTER TABLE {table} VALIDATE CONSTRAINT {table}_owner_fk;\n\
             UPDATE {table} SET name = lower(name) WHERE id < 1000;\n\
             ALTER TABLE {table} ALTER COLUMN name TYPE varchar(200);\n\
             CREATE VIEW {table}_v AS SELECT id, name FROM {table} WHERE owner_id IS NOT NULL;\n"
        );
    }
    sql
}

pub fn tables(bytes: usize) -> String {
    let mut sql = String::with_capacity(bytes + 1024);
    let mut t = 0;
    while sql.len() < bytes {
        t += 1;
        let _ = writeln!(
            sql,
            "CREATE TABLE t_{t} (id int);\nCREATE INDEX ON t_{t} (id);"
        );
    }
    sql
}

pub fn values(bytes: usize) -> String {
    let mut sql = String::with_capacity(bytes + 1024);
    sql.push_str("CREATE TABLE items (id int, name text, v int);\nINSERT INTO items VALUES ");
    let mut i = 0;
    while sql.len() < bytes {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "({i}, 'name {i}', {})", i * 3);
        i += 1;
    }
    sql.push_str(";\n");
    sql
}

/// Every shape, by name.
pub const SHAPES: [Shape; 3] = [("mix", mix), ("tables", tables), ("values", values)];
