//! Secrets: no command prints a password, whether it came in a URL, a `key=value`
//! string, `PGPASSWORD` or a password file, in any output format or error. Tested with
//! known passwords against a real server (a right one that logs in and a wrong one that
//! the server refuses) when PostgreSQL is installed, else against a closed port.
//!
//! New commands and flags that take a connection string go in [`INVOCATIONS`]: a row
//! whose flag does not exist yet is a clap usage error, which must not echo the password
//! either; once the flag exists, the row checks the real feature in every format.

mod common;

use common::TempDir;
use schemaguard::live::{self, ConnectOptions};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// The password the role really has: `@`, `/`, `:`, a quote and a space, so that every
/// encoding and every way of splitting a URL is exercised.
const RIGHT: &str = "Rt7Qx3@p/w:d' 9Zk";
/// A password the server refuses.
const WRONG: &str = "Wr4Kd9-wrong-pw";
const ROLE: &str = "sg_secret_role";

/// Fragments that must never appear in any output: the whole password, percent-encoded
/// or not, and pieces of it (a bad split at `@` or `:` would show only a part).
fn fragments(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string(), encode(secret)];
    out.extend(
        secret
            .split(['@', '/', ':', '\'', ' '])
            .filter(|p| p.len() >= 3)
            .map(str::to_string),
    );
    out
}

/// Every way a command can be handed a connection string: `{url}` is the connection
/// string, `{dir}` a folder of migrations.
const INVOCATIONS: &[&[&str]] = &[
    // a URL mistaken for a migration path
    &["check", "{url}"],
    &["plan", "{url}"],
    &["graph", "{url}"],
    &["check", "{dir}", "{url}"],
    // where a connection string is meant to go
    &["check", "--database-url", "{url}", "{dir}"],
    &["check", "--database-url={url}", "{dir}"],
    &["plan", "--database-url", "{url}", "{dir}"],
    &["graph", "--database-url", "{url}", "{dir}"],
    &["diff", "--database-url", "{url}", "{dir}"],
    &["diff", "{url}", "{dir}"],
    &["trace", "--database-url", "{url}", "{dir}"],
    &["trace", "{dir}", "--database-url", "{url}"],
    // where it does not belong
    &["check", "--config", "{url}", "{dir}"],
    &["check", "--stdin-filename", "{url}", "-"],
    &["check", "--since", "{url}", "{dir}"],
    &["check", "--pg-version", "{url}", "{dir}"],
    &["check", "--format", "{url}", "{dir}"],
    &["explain", "{url}"],
];

/// The formats each command offers (every one is tried once the row parses).
fn formats(command: &str) -> &'static [&'static str] {
    match command {
        "check" => &["human", "json", "sarif", "github", "markdown"],
        "plan" | "diff" | "trace" => &["human", "json"],
        "graph" => &["dot", "mermaid", "json"],
        _ => &[],
    }
}

/// Where the password comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// `postgres://user:PASSWORD@host:port/db`
    Url,
    /// `host=... password='PASSWORD' ...`
    KeyValue,
    /// a URL without password, and `PGPASSWORD`
    Environment,
    /// a URL without password, and `PGPASSFILE`
    PasswordFile,
}

const SOURCES: [Source; 4] = [
    Source::Url,
    Source::KeyValue,
    Source::Environment,
    Source::PasswordFile,
];

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The server to talk to: a real one, or a closed port.
struct Target {
    host: String,
    port: u16,
    _server: Option<schemaguard::server::TempServer>,
}

/// A throwaway server with password authentication on 127.0.0.1 and the role `ROLE`
/// whose password is `RIGHT`; a closed port when PostgreSQL is not installed.
fn target() -> Target {
    let opts = schemaguard::server::ServerOptions {
        listen_loopback: true,
        hba: Some(
            "local all all trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n\
             host all all ::1/128 scram-sha-256\n"
                .to_string(),
        ),
        ..Default::default()
    };
    match schemaguard::server::TempServer::start(&opts) {
        Ok(server) => {
            let mut admin = server.connect().expect("connect as superuser");
            admin
                .batch_execute(&format!(
                    "CREATE ROLE {ROLE} LOGIN PASSWORD '{}'",
                    RIGHT.replace('\'', "''")
                ))
                .expect("create role");
            Target {
                host: "127.0.0.1".into(),
                port: server.port(),
                _server: Some(server),
            }
        }
        Err(e) if e.is_not_installed() => {
            eprintln!(
                "no PostgreSQL binaries ({e}): checking against a closed port only; CI installs them"
            );
            // connecting is refused: errors, never a login
            Target {
                host: "127.0.0.1".into(),
                port: 1,
                _server: None,
            }
        }
        Err(e) => panic!("starting a throwaway PostgreSQL failed: {e}"),
    }
}

/// The connection string and environment for `secret` given through `source`.
fn credentials(
    t: &Target,
    source: Source,
    secret: &str,
    scratch: &TempDir,
) -> (String, Vec<(String, String)>) {
    let plain_url = format!(
        "postgres://{ROLE}@{}:{}/postgres?sslmode=disable",
        t.host, t.port
    );
    match source {
        Source::Url => (
            format!(
                "postgres://{ROLE}:{}@{}:{}/postgres?sslmode=disable",
                encode(secret),
                t.host,
                t.port
            ),
            Vec::new(),
        ),
        Source::KeyValue => (
            format!(
                "host={} port={} user={ROLE} dbname=postgres sslmode=disable password='{}'",
                t.host,
                t.port,
                secret.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            Vec::new(),
        ),
        Source::Environment => (plain_url, vec![("PGPASSWORD".into(), secret.into())]),
        Source::PasswordFile => {
            let escaped = secret.replace('\\', "\\\\").replace(':', "\\:");
            // named without the password: errors name the file a password came from
            let name = if secret == RIGHT { "right" } else { "other" };
            let file = scratch.write(
                &format!("pgpass-{name}"),
                &format!("{}:{}:*:{ROLE}:{escaped}\n", t.host, t.port),
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod 600");
            }
            (
                plain_url,
                vec![("PGPASSFILE".into(), file.display().to_string())],
            )
        }
    }
}

/// The variables of `env`, with the `PG*` ones and `HOME` fixed: nothing from the
/// machine running the tests gets in.
fn environment(env: &[(String, String)], home: &Path) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| !k.starts_with("PG"))
        .collect();
    vars.insert("HOME".into(), home.display().to_string());
    vars.insert("NO_COLOR".into(), "1".into());
    vars.extend(env.iter().cloned());
    vars
}

struct Ran {
    code: i32,
    output: String,
}

fn run(args: &[String], vars: &HashMap<String, String>) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
        .args(args)
        .env_clear()
        .envs(vars)
        .stdin(Stdio::null())
        .output()
        .expect("run schemaguard");
    Ran {
        code: out.status.code().unwrap_or(-1),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// clap refused the arguments (a flag or command that does not exist yet).
fn usage_error(r: &Ran) -> bool {
    r.code == 2 && r.output.contains("For more information, try '--help'.")
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [RIGHT, WRONG] {
        for f in fragments(secret) {
            assert!(
                !text.contains(&f),
                "{what}: `{f}` (from a password) appears in:\n{text}"
            );
        }
    }
}

#[test]
fn no_command_prints_a_password_in_any_format_or_error() {
    let t = target();
    let scratch = TempDir::new("secrets");
    let dir = scratch.0.join("migrations");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("0001_accounts.sql"),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("0002_index.sql"),
        "CREATE INDEX accounts_email_idx ON accounts (email);\n",
    )
    .expect("write");
    let dir_s = dir.display().to_string();

    let mut runs = 0;
    let mut pending: Vec<String> = Vec::new();
    for source in SOURCES {
        for secret in [RIGHT, WRONG] {
            let (url, env) = credentials(&t, source, secret, &scratch);
            let vars = environment(&env, &scratch.0);
            for row in INVOCATIONS {
                let args: Vec<String> = row
                    .iter()
                    .map(|a| a.replace("{url}", &url).replace("{dir}", &dir_s))
                    .collect();
                let first = run(&args, &vars);
                runs += 1;
                let what = format!("{source:?}, {args:?}");
                assert_no_secret(&what, &first.output);
                if usage_error(&first) {
                    // every format would be the same usage error
                    if !pending.contains(&row.join(" ")) {
                        pending.push(row.join(" "));
                    }
                    continue;
                }
                for format in formats(row[0]) {
                    let mut with_format = args.clone();
                    with_format.insert(1, format!("--format={format}"));
                    let r = run(&with_format, &vars);
                    runs += 1;
                    assert_no_secret(&format!("{what} --format={format}"), &r.output);
                }
            }
        }
    }
    eprintln!(
        "{runs} runs, no password in any output; rows refused by the argument parser (flag or command not there yet; clap's message checked): {pending:?}"
    );
    // rows that exist today and must keep parsing: a URL given as a path is refused by
    // schemaguard itself, with the URL redacted
    let (url, env) = credentials(&t, Source::Url, RIGHT, &scratch);
    let r = run(
        &["check".to_string(), url.clone()],
        &environment(&env, &scratch.0),
    );
    assert_eq!(r.code, 2, "{}", r.output);
    assert!(
        r.output
            .contains(&format!("`postgres://{ROLE}:***@127.0.0.1:{}/", t.port)),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("looks like a database connection string"),
        "{}",
        r.output
    );
}

#[test]
fn the_live_api_never_returns_a_password() {
    let t = target();
    let real_server = t._server.is_some();
    let scratch = TempDir::new("secrets-api");
    for source in SOURCES {
        for secret in [RIGHT, WRONG] {
            let (url, env) = credentials(&t, source, secret, &scratch);
            let home = scratch.0.display().to_string();
            let lookup = |name: &str| -> Option<String> {
                if name == "HOME" {
                    return Some(home.clone());
                }
                env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            };
            let what = format!(
                "{source:?} with the {} password",
                if secret == RIGHT { "right" } else { "wrong" }
            );
            let opts = ConnectOptions::from_url_with_env(Some(&url), &lookup)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(opts.has_password(), "{what}: no password found");
            assert_no_secret(&what, &opts.to_string());
            assert_no_secret(&what, &format!("{opts:?}"));
            match live::connect(&opts) {
                Ok(session) => {
                    // only the right password logs in: the server really checks it
                    assert!(real_server && secret == RIGHT, "{what}: logged in");
                    assert_no_secret(&what, session.target());
                    assert_no_secret(&what, &format!("{session:?}"));
                }
                Err(e) => {
                    assert!(
                        !(real_server && secret == RIGHT),
                        "{what}: the right password did not log in: {e}"
                    );
                    let text = e.to_string();
                    assert_no_secret(&what, &text);
                    assert_no_secret(&what, &format!("{e:?}"));
                    if real_server {
                        assert!(
                            text.contains("password authentication failed"),
                            "{what}: {text}"
                        );
                    }
                }
            }
        }
    }
}
