//! Finding the SQL statements embedded in a PL/pgSQL `DO` body. (placeholder)

/// `(byte offset in body, statement text)` for each embedded SQL statement.
pub fn embedded_statements(_body: &str) -> Vec<(usize, String)> {
    Vec::new()
}
