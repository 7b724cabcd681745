//! Connecting to a live database, safely: settings from a URL, a `key=value` string and
//! libpq's `PG*` variables and password file; TLS per `sslmode`; a session that is
//! read-only, with short `lock_timeout` and `statement_timeout`, named `schemaguard`.
//! Passwords never appear in what this module prints or returns as an error.

use super::pgpass;
use super::tls::{self, Roots, SslMode, SslModeError};
use super::{LiveError, error_chain};
use postgres::error::SqlState;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `application_name` of every schemaguard session (visible in
/// `pg_stat_activity`, so a DBA can see who is reading).
pub const APPLICATION_NAME: &str = "schemaguard";

const DEFAULT_PORT: u16 = 5432;
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(1);
const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Where libpq builds look for the server's socket when no host is given.
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// The server: a TCP host name or address, or a unix socket directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Tcp(String),
    /// The directory holding `.s.PGSQL.<port>` (a host starting with `/`).
    Socket(PathBuf),
}

/// Where the password came from (named in authentication errors, never the password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    None,
    /// The URL or `key=value` string.
    ConnectionString,
    /// `PGPASSWORD`.
    Environment,
    /// A line of this password file.
    PasswordFile(PathBuf),
}

/// A password: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything needed to open a session. `Display` is the redacted URL.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub host: Host,
    /// Connect to this address, using `host` for TLS name checks (libpq's `hostaddr`).
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    password: Option<Secret>,
    pub password_source: PasswordSource,
    pub sslmode: SslMode,
    /// Trusted CAs for `verify-ca`/`verify-full` (and `require` with a root file).
    pub roots: Roots,
    /// `None`: wait as long as the operating system does (`connect_timeout=0`).
    pub connect_timeout: Option<Duration>,
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    /// Things the user should hear about (an ignored password file, an ignored
    /// `application_name`), printed by the caller.
    pub warnings: Vec<String>,
}

/// Connection parameters as written, before the environment and defaults.
#[derive(Default, Debug)]
struct Params {
    host: Option<String>,
    hostaddr: Option<String>,
    port: Option<String>,
    user: Option<String>,
    password: Option<String>,
    dbname: Option<String>,
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    connect_timeout: Option<String>,
    passfile: Option<String>,
    ignored_application_name: bool,
}

/// libpq parameters we know but do not support: named in the error (they are not secret).
const UNSUPPORTED: [&str; 17] = [
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "sslnegotiation",
    "options",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    "gssencmode",
    "krbsrvname",
    "requirepeer",
    "require_auth",
    "channel_binding",
];

const SUPPORTED: &str = "host, hostaddr, port, dbname, user, password, passfile, sslmode, sslrootcert, connect_timeout, application_name";

/// Why connection settings (a URL, a `key=value` string, the `PG*` variables) are not
/// usable. Messages never echo a value that may hold a password; the caller scrubs
/// them of known secrets too ([`LiveError::Options`]).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A libpq parameter schemaguard does not support.
    #[error(
        "the connection parameter `{0}` is not supported by schemaguard (supported: {SUPPORTED})"
    )]
    Unsupported(String),
    /// A parameter name nobody knows (not echoed: a mistyped string may have split a
    /// password).
    #[error(
        "the connection string has a parameter schemaguard does not know (supported: {SUPPORTED})"
    )]
    Unknown,
    /// Neither a URL nor `key=value` pairs.
    #[error(
        "not a connection string: expected a URL (postgres://user@host:port/dbname) or key=value pairs (host=... dbname=...)"
    )]
    NotAConnectionString,
    /// `postgres://a,b/...`.
    #[error("several hosts in one URL are not supported: name the one to check (the primary)")]
    SeveralHostsInUrl,
    /// `host=a,b` or `PGHOST=a,b`.
    #[error("several hosts are not supported: name the one to check (the primary)")]
    SeveralHosts,
    /// `[::1` without `]`.
    #[error("an IPv6 address in the URL lacks its closing `]`")]
    UnclosedIpv6,
    /// `[::1]x`.
    #[error("unexpected text after `]` in the URL")]
    TextAfterIpv6,
    /// `?sslmode` without a value.
    #[error("a URL query parameter lacks `=` (expected key=value)")]
    QueryWithoutValue,
    /// `host localhost`.
    #[error("the key=value connection string has a word without `=`")]
    WordWithoutValue,
    /// `password='abc`.
    #[error("the key=value connection string has an unterminated quoted value")]
    UnterminatedQuote,
    /// The port is not 1 to 65535.
    #[error("the port is not a number from 1 to 65535")]
    Port,
    /// `hostaddr` is not an IP address.
    #[error("hostaddr `{0}` is not an IP address")]
    Hostaddr(String),
    /// No user anywhere.
    #[error("no user name: set one in the URL (postgres://user@host/db) or PGUSER")]
    NoUser,
    /// `sslmode` is none of libpq's.
    #[error(transparent)]
    SslMode(#[from] SslModeError),
    /// `connect_timeout` is not a number.
    #[error("connect_timeout `{0}` is not a number of seconds")]
    ConnectTimeout(String),
    /// A `%` escape in the URL that is not two hex digits.
    #[error("the {0} in the URL has a bad %-escape")]
    BadEscape(&'static str),
    /// A URL part that decodes to bytes that are not UTF-8.
    #[error("the {0} in the URL is not UTF-8")]
    NotUtf8(&'static str),
}

impl Params {
    fn set(&mut self, key: &str, value: String) -> Result<(), SettingsError> {
        let slot = match key {
            "host" => &mut self.host,
            "hostaddr" => &mut self.hostaddr,
            "port" => &mut self.port,
            "user" => &mut self.user,
            "password" => &mut self.password,
            "dbname" => &mut self.dbname,
            "sslmode" => &mut self.sslmode,
            "sslrootcert" => &mut self.sslrootcert,
            "connect_timeout" => &mut self.connect_timeout,
            "passfile" => &mut self.passfile,
            // JDBC-style `ssl=true`, which libpq accepts in URLs as sslmode=require
            "ssl" if value == "true" => &mut self.sslmode,
            "application_name" | "fallback_application_name" => {
                self.ignored_application_name = true;
                return Ok(());
            }
            k if UNSUPPORTED.contains(&k) => {
                return Err(SettingsError::Unsupported(k.to_string()));
            }
            // the name is not echoed: a mistyped string may have split a password
            _ => {
                return Err(SettingsError::Unknown);
            }
        };
        *slot = Some(if key == "ssl" {
            "require".to_string()
        } else {
            value
        });
        Ok(())
    }
}

/// Reads the environment through a function (the tests give their own).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl ConnectOptions {
    /// Settings from `url` (a `postgres://` or `postgresql://` URL, or a libpq
    /// `key=value` string) and, for what it leaves out, libpq's variables (`PGHOST`,
    /// `PGHOSTADDR`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`, `PGPASSFILE`,
    /// `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`) and the password file.
    pub fn from_env_and_url(url: Option<&str>) -> Result<ConnectOptions, LiveError> {
        let env = |name: &str| std::env::var(name).ok();
        ConnectOptions::from_url_with_env(url, &env)
    }

    /// As [`from_env_and_url`](Self::from_env_and_url), reading variables (and `HOME`,
    /// for `~/.pgpass` and `~/.postgresql/root.crt`) through `env`.
    pub fn from_url_with_env(url: Option<&str>, env: Env<'_>) -> Result<ConnectOptions, LiveError> {
        let params = match url {
            None => Params::default(),
            Some(text) => parse(text).map_err(|message| {
                let mut secrets: Vec<String> = env("PGPASSWORD").into_iter().collect();
                secrets.extend(guess_passwords(text));
                LiveError::Options(scrub(&message.to_string(), &secrets))
            })?,
        };
        let secrets: Vec<String> = params
            .password
            .iter()
            .cloned()
            .chain(env("PGPASSWORD"))
            .collect();
        resolve(params, env)
            .map_err(|message| LiveError::Options(scrub(&message.to_string(), &secrets)))
    }

    /// Settings for a unix socket (tests, and the throwaway server of `trace`).
    pub fn socket(dir: impl Into<PathBuf>, port: u16, user: &str, dbname: &str) -> ConnectOptions {
        ConnectOptions {
            host: Host::Socket(dir.into()),
            hostaddr: None,
            port,
            user: user.to_string(),
            dbname: dbname.to_string(),
            password: None,
            password_source: PasswordSource::None,
            sslmode: SslMode::Disable,
            roots: Roots::Public,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            warnings: Vec::new(),
        }
    }

    /// Sets the password (from the connection string, as far as errors tell).
    pub fn with_password(mut self, password: &str) -> ConnectOptions {
        self.password = Some(Secret(password.to_string()));
        self.password_source = PasswordSource::ConnectionString;
        self
    }

    pub fn with_lock_timeout(mut self, timeout: Duration) -> ConnectOptions {
        self.lock_timeout = timeout;
        self
    }

    pub fn with_statement_timeout(mut self, timeout: Duration) -> ConnectOptions {
        self.statement_timeout = timeout;
        self
    }

    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The password, for handing to a libpq program (`pg_dump` for `trace
    /// --schema-from`) through its environment, never its command line.
    pub fn password(&self) -> Option<&str> {
        self.password.as_ref().map(|Secret(p)| p.as_str())
    }

    /// Whether TLS can be used at all (never on a unix socket).
    pub fn uses_tls(&self) -> bool {
        matches!(self.host, Host::Tcp(_)) && self.sslmode != SslMode::Disable
    }

    fn host_name(&self) -> String {
        match &self.host {
            Host::Tcp(name) => name.clone(),
            Host::Socket(dir) => dir.display().to_string(),
        }
    }

    /// Removes the password from `text` (defence in depth: no message is built with it).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(Secret(p)) => scrub(text, std::slice::from_ref(p)),
            None => text.to_string(),
        }
    }
}

/// The redacted URL: `postgres://alice:***@db.example.com:5432/app?sslmode=require`, or
/// `postgres://alice@/app?host=/var/run/postgresql&port=5432` for a socket.
impl fmt::Display for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "postgres://{}", encode(&self.user))?;
        if self.password.is_some() {
            f.write_str(":***")?;
        }
        f.write_str("@")?;
        match &self.host {
            Host::Tcp(name) if name.contains(':') => write!(f, "[{name}]:{}", self.port)?,
            Host::Tcp(name) => write!(f, "{}:{}", encode(name), self.port)?,
            Host::Socket(_) => {}
        }
        write!(f, "/{}", encode(&self.dbname))?;
        let mut query = Vec::new();
        if let Host::Socket(dir) = &self.host {
            query.push(format!("host={}", encode(&dir.display().to_string())));
            query.push(format!("port={}", self.port));
        }
        if let Some(addr) = self.hostaddr {
            query.push(format!("hostaddr={addr}"));
        }
        if matches!(self.host, Host::Tcp(_)) {
            query.push(format!("sslmode={}", self.sslmode));
        }
        if !query.is_empty() {
            write!(f, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

/// Settings from a URL or a `key=value` string.
fn parse(text: &str) -> Result<Params, SettingsError> {
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("postgresql://")
        .or_else(|| text.strip_prefix("postgres://"))
    {
        parse_url(rest)
    } else if text.contains('=') {
        parse_conninfo(text)
    } else {
        Err(SettingsError::NotAConnectionString)
    }
}

/// `[user[:password]@][host][:port][/dbname][?key=value&...]`. The credentials end at
/// the last `@` before the query, so an unencoded `@` or `/` in a password still works.
fn parse_url(rest: &str) -> Result<Params, SettingsError> {
    let mut params = Params::default();
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let after_credentials = match before_query.rfind('@') {
        Some(at) => {
            let credentials = &before_query[..at];
            let (user, password) = match credentials.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (credentials, None),
            };
            if !user.is_empty() {
                params.user = Some(decode(user, "user name")?);
            }
            if let Some(p) = password {
                params.password = Some(decode(p, "password")?);
            }
            &before_query[at + 1..]
        }
        None => before_query,
    };
    let (hostport, path) = match after_credentials.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (after_credentials, None),
    };
    if hostport.contains(',') {
        return Err(SettingsError::SeveralHostsInUrl);
    }
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (addr, after) = bracketed
            .split_once(']')
            .ok_or(SettingsError::UnclosedIpv6)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(SettingsError::TextAfterIpv6)?),
        };
        (addr.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (decode(h, "host")?, Some(p)),
            None => (decode(hostport, "host")?, None),
        }
    };
    if !host.is_empty() {
        params.host = Some(host);
    }
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        params.port = Some(port.to_string());
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        params.dbname = Some(decode(db, "database name")?);
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or(SettingsError::QueryWithoutValue)?;
        params.set(
            &decode(key, "parameter")?,
            decode(value, "parameter value")?,
        )?;
    }
    Ok(params)
}

/// `key=value key='quoted value' ...` with `\'` and `\\` escapes, as libpq.
fn parse_conninfo(text: &str) -> Result<Params, SettingsError> {
    let mut params = Params::default();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(params);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(SettingsError::WordWithoutValue);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(SettingsError::UnterminatedQuote);
                    }
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        params.set(&key, value)?;
    }
}

/// Applies the environment and the defaults, as libpq does.
fn resolve(p: Params, env: Env<'_>) -> Result<ConnectOptions, SettingsError> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut warnings = Vec::new();
    if p.ignored_application_name {
        warnings.push(format!(
            "application_name is ignored: schemaguard always connects as `{APPLICATION_NAME}`"
        ));
    }
    let port = match p.port.or_else(|| var("PGPORT")) {
        None => DEFAULT_PORT,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or(SettingsError::Port)?,
    };
    let hostaddr = match p.hostaddr.or_else(|| var("PGHOSTADDR")) {
        None => None,
        Some(text) => Some(
            text.parse::<IpAddr>()
                .map_err(|_| SettingsError::Hostaddr(text.clone()))?,
        ),
    };
    let host = match p.host.or_else(|| var("PGHOST")) {
        Some(h) if h.starts_with('/') => Host::Socket(PathBuf::from(h)),
        Some(h) if h.contains(',') => {
            return Err(SettingsError::SeveralHosts);
        }
        Some(h) => Host::Tcp(h),
        None => match hostaddr {
            Some(addr) => Host::Tcp(addr.to_string()),
            None => default_host(port),
        },
    };
    let user = match p.user.or_else(|| var("PGUSER")) {
        Some(u) => u,
        None => os_user_name()
            .or_else(|| var("USER"))
            .ok_or(SettingsError::NoUser)?,
    };
    let dbname = p
        .dbname
        .or_else(|| var("PGDATABASE"))
        .unwrap_or_else(|| user.clone());
    let sslmode: SslMode = match p.sslmode.or_else(|| var("PGSSLMODE")) {
        Some(text) => text.parse()?,
        None => SslMode::default(),
    };
    let home = var("HOME").map(PathBuf::from);
    let roots = match p.sslrootcert.or_else(|| var("PGSSLROOTCERT")) {
        Some(s) if s == "system" => Roots::Public,
        Some(path) => Roots::File(PathBuf::from(path)),
        None => match home
            .as_ref()
            .map(|h| h.join(".postgresql").join("root.crt"))
        {
            Some(file) if file.is_file() => Roots::File(file),
            _ => Roots::Public,
        },
    };
    let connect_timeout = match p.connect_timeout.or_else(|| var("PGCONNECT_TIMEOUT")) {
        None => Some(DEFAULT_CONNECT_TIMEOUT),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(0) => None,
            // libpq's floor: anything shorter times out on a healthy network
            Ok(secs) => Some(Duration::from_secs(secs.max(2))),
            Err(_) => {
                return Err(SettingsError::ConnectTimeout(text));
            }
        },
    };

    let mut options = ConnectOptions {
        host,
        hostaddr,
        port,
        user,
        dbname,
        password: None,
        password_source: PasswordSource::None,
        sslmode,
        roots,
        connect_timeout,
        lock_timeout: DEFAULT_LOCK_TIMEOUT,
        statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
        warnings,
    };
    if let Some(pw) = p.password {
        options.password = Some(Secret(pw));
        options.password_source = PasswordSource::ConnectionString;
    } else if let Some(pw) = env("PGPASSWORD") {
        options.password = Some(Secret(pw));
        options.password_source = PasswordSource::Environment;
    } else {
        let file = p
            .passfile
            .or_else(|| var("PGPASSFILE"))
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".pgpass")));
        if let Some(file) = file {
            password_from_file(&mut options, &file);
        }
    }
    Ok(options)
}

fn password_from_file(options: &mut ConnectOptions, file: &Path) {
    let host = options.host_name();
    let lookup_host = match (&options.host, options.hostaddr) {
        (Host::Tcp(_), _) | (_, None) => host.clone(),
        (Host::Socket(_), Some(addr)) => addr.to_string(),
    };
    let key = pgpass::Key {
        host: &lookup_host,
        default_socket: matches!(&options.host, Host::Socket(dir)
            if DEFAULT_SOCKET_DIRS.iter().any(|d| Path::new(d) == dir)),
        port: options.port,
        dbname: &options.dbname,
        user: &options.user,
    };
    match pgpass::lookup(file, &key) {
        Ok(Some(pw)) => {
            options.password = Some(Secret(pw));
            options.password_source = PasswordSource::PasswordFile(file.to_path_buf());
        }
        Ok(None) => {}
        Err(warning) => options.warnings.push(warning.to_string()),
    }
}

#[cfg(unix)]
fn os_user_name() -> Option<String> {
    crate::os::current_user().map(|u| u.name)
}

#[cfg(not(unix))]
fn os_user_name() -> Option<String> {
    None
}

/// No host given: the first default socket directory holding this port's socket (as a
/// local libpq would), else `localhost` over TCP.
fn default_host(port: u16) -> Host {
    for dir in DEFAULT_SOCKET_DIRS {
        if Path::new(dir).join(format!(".s.PGSQL.{port}")).exists() {
            return Host::Socket(PathBuf::from(dir));
        }
    }
    Host::Tcp("localhost".to_string())
}

fn decode(text: &str, what: &'static str) -> Result<String, SettingsError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(SettingsError::BadEscape(what))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SettingsError::NotUtf8(what))
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Replaces every occurrence of each secret (of 3 characters or more: shorter ones
/// would mangle the message without hiding anything) with `***`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.chars().count() >= 3 {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// Password-like parts of a connection string that may not have parsed.
fn guess_passwords(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let redacted = redact(text);
    // whatever redact replaced is a secret: recover it by aligning the two strings
    let (mut a, mut b) = (text, redacted.as_str());
    while let Some(star) = b.find("***") {
        let prefix = &b[..star];
        if !a.starts_with(prefix) {
            break;
        }
        a = &a[prefix.len()..];
        b = &b[star + 3..];
        // the text up to the next redaction follows the secret in the original
        let literal = &b[..b.find("***").unwrap_or(b.len())];
        let end = if literal.is_empty() {
            a.len()
        } else {
            a.find(literal).unwrap_or(a.len())
        };
        found.push(a[..end].to_string());
        a = &a[end..];
    }
    found
}

/// The connection string with its password replaced by `***`: the password of a URL's
/// credentials, a `password=` query parameter, or a `password=` pair of a `key=value`
/// string (quoted or not). Text that is neither is returned with those same patterns
/// redacted wherever they appear.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // URL credentials: scheme://user:PASSWORD@ (up to the last @ before the query)
    if let Some(scheme_end) = rest.find("://") {
        let after_scheme = &rest[scheme_end + 3..];
        let query_at = after_scheme.find('?').unwrap_or(after_scheme.len());
        if let Some(at) = after_scheme[..query_at].rfind('@') {
            let credentials = &after_scheme[..at];
            if let Some(colon) = credentials.find(':') {
                out.push_str(&rest[..scheme_end + 3]);
                out.push_str(&credentials[..colon]);
                out.push_str(":***");
                rest = &after_scheme[at..];
            }
        }
    }
    // password=VALUE, in a URL query (to & or the end) or a key=value string
    loop {
        let Some(found) = find_password_key(rest) else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..found.value_start]);
        let value = &rest[found.value_start..];
        let (len, quoted) = if let Some(inner) = value.strip_prefix('\'') {
            let mut end = inner.len();
            let mut escaped = false;
            for (i, c) in inner.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '\'' => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            ((end + 2).min(value.len()), true)
        } else {
            let end = value
                .find(|c: char| c == '&' || c.is_whitespace())
                .unwrap_or(value.len());
            (end, false)
        };
        out.push_str(if quoted { "'***'" } else { "***" });
        rest = &value[len..];
    }
}

struct PasswordKey {
    value_start: usize,
}

/// `password` as a whole key (after start, `?`, `&` or whitespace), then `=`.
fn find_password_key(text: &str) -> Option<PasswordKey> {
    let mut from = 0;
    while let Some(pos) = text[from..].find("password") {
        let start = from + pos;
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c == '?' || c == '&' || c.is_whitespace());
        let after = &text[start + "password".len()..];
        let trimmed = after.trim_start();
        if before_ok && trimmed.starts_with('=') {
            let eq = text.len() - trimmed.len();
            let value = &text[eq + 1..];
            let value_start = eq + 1 + (value.len() - value.trim_start().len());
            return Some(PasswordKey { value_start });
        }
        from = start + "password".len();
    }
    None
}

/// A read-only, time-bounded session. The only way to run SQL is [`read`](Self::read),
/// inside `BEGIN READ ONLY` that is always rolled back.
pub struct LiveSession {
    client: postgres::Client,
    server_version_num: u32,
    target: String,
    lock_timeout: Duration,
    statement_timeout: Duration,
}

impl fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveSession")
            .field("target", &self.target)
            .field("server_version_num", &self.server_version_num)
            .finish()
    }
}

/// Opens a session that is read-only and bounded from its first statement:
/// `default_transaction_read_only`, `lock_timeout`, `statement_timeout` and
/// `idle_in_transaction_session_timeout` go in the startup packet (`options`), so the
/// session never runs a transaction that commits. A pooler that refuses startup
/// options (PgBouncer without `ignore_startup_parameters = options`) gets them as `SET`s
/// instead. Either way they are checked before anything is read.
pub fn connect(opts: &ConnectOptions) -> Result<LiveSession, LiveError> {
    let settings = [
        ("default_transaction_read_only", "on".to_string()),
        ("lock_timeout", format!("{}ms", millis(opts.lock_timeout))),
        (
            "statement_timeout",
            format!("{}ms", millis(opts.statement_timeout)),
        ),
        (
            "idle_in_transaction_session_timeout",
            format!(
                "{}ms",
                millis(opts.statement_timeout.max(Duration::from_secs(60)))
            ),
        ),
    ];
    let startup: String = settings
        .iter()
        .map(|(k, v)| format!("-c {k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    let fail = |e: postgres::Error| LiveError::Connect {
        target: opts.to_string(),
        cause: opts.scrub(&format!(
            "setting up the read-only session failed: {}",
            describe_query_error(&e, opts.lock_timeout, opts.statement_timeout)
        )),
    };
    let client = match open_with(opts, Some(&startup)) {
        Ok(client) => client,
        Err(LiveError::Connect { cause, .. })
            if cause.contains("startup parameter") || cause.contains("options") =>
        {
            let mut client = open(opts)?;
            let sets: String = settings
                .iter()
                .map(|(k, v)| format!("SET {k} = '{v}';"))
                .collect();
            client.batch_execute(&sets).map_err(fail)?;
            client
        }
        Err(e) => return Err(e),
    };
    let mut session = LiveSession {
        client,
        server_version_num: 0,
        target: opts.to_string(),
        lock_timeout: opts.lock_timeout,
        statement_timeout: opts.statement_timeout,
    };
    // checked inside a read (rolled back like every read)
    let (version, read_only) = session
        .read(|client| {
            client
                .query_one(
                    "SELECT current_setting('server_version_num')::int4, current_setting('default_transaction_read_only')",
                    &[],
                )
                .map(|row| (row.get::<_, i32>(0), row.get::<_, String>(1)))
                .map_err(|e| LiveError::Connect {
                    target: opts.to_string(),
                    cause: opts.scrub(&format!(
                        "setting up the read-only session failed: {}",
                        describe_query_error(&e, opts.lock_timeout, opts.statement_timeout)
                    )),
                })
        })?;
    if read_only != "on" {
        return Err(LiveError::Connect {
            target: opts.to_string(),
            cause: "the session did not become read-only (a pooler in transaction mode? connect directly or in session mode)".into(),
        });
    }
    session.server_version_num = u32::try_from(version).unwrap_or(0);
    Ok(session)
}

/// A plain session with these settings, neither read-only nor bounded. `live` never
/// uses it for reading; it is for `trace`, which writes only inside transactions it
/// rolls back, on a database the user named with an explicit flag.
pub fn open(opts: &ConnectOptions) -> Result<postgres::Client, LiveError> {
    open_with(opts, None)
}

/// [`open`] with `options` (`-c name=value ...`) in the startup packet.
fn open_with(
    opts: &ConnectOptions,
    startup_options: Option<&str>,
) -> Result<postgres::Client, LiveError> {
    let mut config = postgres::Config::new();
    if let Some(o) = startup_options {
        config.options(o);
    }
    match &opts.host {
        Host::Socket(dir) => config.host_path(dir),
        Host::Tcp(name) => config.host(name),
    };
    if let Some(addr) = opts.hostaddr {
        config.hostaddr(addr);
    }
    config
        .port(opts.port)
        .user(&opts.user)
        .dbname(&opts.dbname)
        .application_name(APPLICATION_NAME);
    if let Some(t) = opts.connect_timeout {
        config.connect_timeout(t);
    }
    if let Some(Secret(pw)) = &opts.password {
        config.password(pw.as_bytes());
    }
    let connect_error = |e: postgres::Error| LiveError::Connect {
        target: opts.to_string(),
        cause: opts.scrub(&describe_connect_error(&e, opts)),
    };
    let root_file_exists = matches!(&opts.roots, Roots::File(f) if f.is_file());
    match (&opts.host, tls::plan(opts.sslmode, root_file_exists)) {
        (Host::Tcp(_), Some((required, verification))) => {
            let tls_config =
                tls::client_config(verification, &opts.roots).map_err(|e| LiveError::Connect {
                    target: opts.to_string(),
                    cause: opts.scrub(&e.to_string()),
                })?;
            config.ssl_mode(if required {
                postgres::config::SslMode::Require
            } else {
                postgres::config::SslMode::Prefer
            });
            config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls_config))
                .map_err(connect_error)
        }
        // no TLS on unix sockets (PostgreSQL offers none there)
        _ => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls).map_err(connect_error)
        }
    }
}

fn millis(d: Duration) -> u128 {
    d.as_millis().max(1)
}

impl LiveSession {
    /// `server_version_num` of the server, e.g. 150014.
    pub fn server_version_num(&self) -> u32 {
        self.server_version_num
    }

    /// `lock_timeout` and `statement_timeout` of the session's reads.
    pub fn timeouts(&self) -> (Duration, Duration) {
        (self.lock_timeout, self.statement_timeout)
    }

    /// The redacted URL of the database.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Runs `f` inside `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` (one snapshot
    /// for all its queries), with `lock_timeout` and `statement_timeout` set again for
    /// the transaction, then rolls back whatever happened. `f` gets the client to run
    /// plain SELECTs; it must not end the transaction.
    pub fn read<T, E>(
        &mut self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<LiveError>,
    {
        let begin = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'",
            millis(self.lock_timeout),
            millis(self.statement_timeout)
        );
        self.client
            .batch_execute(&begin)
            .map_err(|e| self.query_error("starting a read-only transaction", &e))?;
        let result = f(&mut self.client);
        let end = self.client.batch_execute("ROLLBACK");
        let value = result?;
        end.map_err(|e| self.query_error("ending the read-only transaction", &e))?;
        Ok(value)
    }

    /// One query in its own read-only transaction.
    pub fn query(
        &mut self,
        what: &str,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, LiveError> {
        let (lock, statement) = (self.lock_timeout, self.statement_timeout);
        self.read(|client| {
            client
                .query(sql, params)
                .map_err(|e| LiveError::query(what, &e, lock, statement))
        })
    }

    /// A [`LiveError::Query`] for a failed read, naming `lock_timeout` or
    /// `statement_timeout` when one of them ended it.
    pub fn query_error(&self, what: &str, e: &postgres::Error) -> LiveError {
        LiveError::query(what, e, self.lock_timeout, self.statement_timeout)
    }
}

impl LiveError {
    /// A failed read: `what` was being read, and why it failed.
    pub fn query(
        what: &str,
        e: &postgres::Error,
        lock_timeout: Duration,
        statement_timeout: Duration,
    ) -> LiveError {
        LiveError::Query {
            what: what.to_string(),
            cause: describe_query_error(e, lock_timeout, statement_timeout),
        }
    }
}

fn describe_query_error(e: &postgres::Error, lock: Duration, statement: Duration) -> String {
    let Some(db) = e.as_db_error() else {
        return error_chain(e);
    };
    let code = db.code();
    if *code == SqlState::LOCK_NOT_AVAILABLE {
        format!(
            "{} (lock_timeout {} reached: another session holds a conflicting lock; schemaguard gives up rather than queue behind it)",
            db.message(),
            seconds(lock)
        )
    } else if *code == SqlState::QUERY_CANCELED {
        format!(
            "{} (statement_timeout {} reached)",
            db.message(),
            seconds(statement)
        )
    } else {
        format!("{} (SQLSTATE {})", db.message(), code.code())
    }
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// One line: why the connection failed, in the user's terms.
fn describe_connect_error(e: &postgres::Error, opts: &ConnectOptions) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = db.message().to_string();
        if *db.code() == SqlState::INVALID_PASSWORD {
            match &opts.password_source {
                PasswordSource::None => {}
                PasswordSource::ConnectionString => {
                    text.push_str(" (the password came from the connection string)")
                }
                PasswordSource::Environment => {
                    text.push_str(" (the password came from PGPASSWORD)")
                }
                PasswordSource::PasswordFile(file) => {
                    text.push_str(&format!(" (the password came from {})", file.display()))
                }
            }
        }
        return text;
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return tls::describe(tls, &opts.host_name(), &opts.roots);
            }
            use std::io::ErrorKind as K;
            match (io.kind(), &opts.host) {
                (K::ConnectionRefused, Host::Tcp(_)) => {
                    return "connection refused: is a server running there and accepting TCP connections on that port?".into();
                }
                (K::NotFound | K::ConnectionRefused, Host::Socket(dir)) => {
                    return format!(
                        "no server is listening on the socket {}: is PostgreSQL running locally with that port and socket directory?",
                        dir.join(format!(".s.PGSQL.{}", opts.port)).display()
                    );
                }
                (K::PermissionDenied, Host::Socket(dir)) => {
                    return format!(
                        "permission denied on the socket {}",
                        dir.join(format!(".s.PGSQL.{}", opts.port)).display()
                    );
                }
                (K::TimedOut, _) => return timed_out(opts),
                _ => {}
            }
        }
        source = cause.source();
    }
    let chain = error_chain(e);
    if chain.contains("password missing") {
        "the server asks for a password and none was given: set PGPASSWORD, add a line to ~/.pgpass, or put it in the URL".into()
    } else if chain.contains("server does not support TLS") {
        format!(
            "the server does not accept TLS connections, and sslmode={} requires TLS",
            opts.sslmode
        )
    } else if chain.contains("timeout waiting for server") {
        timed_out(opts)
    } else {
        chain
    }
}

fn timed_out(opts: &ConnectOptions) -> String {
    match opts.connect_timeout {
        Some(t) => format!(
            "no answer within connect_timeout ({}s): is the host reachable from here?",
            t.as_secs()
        ),
        None => "the connection attempt timed out".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn options(url: Option<&str>, vars: &[(&str, &str)]) -> Result<ConnectOptions, LiveError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| vars.get(k).cloned();
        ConnectOptions::from_url_with_env(url, &env)
    }

    fn ok(url: &str) -> ConnectOptions {
        options(
            Some(url),
            &[("PGUSER", "envuser"), ("HOME", "/nonexistent")],
        )
        .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn err(url: &str) -> String {
        options(
            Some(url),
            &[("PGUSER", "envuser"), ("HOME", "/nonexistent")],
        )
        .expect_err(url)
        .to_string()
    }

    #[test]
    fn url_parts_are_read_and_decoded() {
        let o = ok("postgres://alice:s%40cret@db.example.com:6543/app%20db?sslmode=verify-full");
        assert_eq!(o.host, Host::Tcp("db.example.com".into()));
        assert_eq!(o.port, 6543);
        assert_eq!(o.user, "alice");
        assert_eq!(o.dbname, "app db");
        assert_eq!(o.password, Some(Secret("s@cret".into())));
        assert_eq!(o.password_source, PasswordSource::ConnectionString);
        assert_eq!(o.sslmode, SslMode::VerifyFull);
    }

    #[test]
    fn postgresql_scheme_ipv6_and_defaults() {
        let o = ok("postgresql://[::1]:5433");
        assert_eq!(o.host, Host::Tcp("::1".into()));
        assert_eq!(o.port, 5433);
        assert_eq!(o.user, "envuser");
        assert_eq!(o.dbname, "envuser");
        assert_eq!(o.sslmode, SslMode::Prefer);
        assert_eq!(
            o.to_string(),
            "postgres://envuser@[::1]:5433/envuser?sslmode=prefer"
        );
    }

    #[test]
    fn socket_hosts_from_the_query_or_an_encoded_host() {
        let o = ok("postgres://bob@/app?host=/tmp/sg%20x&port=7777");
        assert_eq!(o.host, Host::Socket("/tmp/sg x".into()));
        assert_eq!(o.port, 7777);
        assert!(!o.uses_tls());
        let o = ok("postgres://bob@%2Fvar%2Frun%2Fpostgresql/app");
        assert_eq!(o.host, Host::Socket("/var/run/postgresql".into()));
        assert_eq!(
            o.to_string(),
            "postgres://bob@/app?host=/var/run/postgresql&port=5432"
        );
    }

    #[test]
    fn unencoded_at_and_slash_in_a_password_still_parse() {
        let o = ok("postgres://u:p@ss/w0rd@h/db");
        assert_eq!(o.password, Some(Secret("p@ss/w0rd".into())));
        assert_eq!(o.host, Host::Tcp("h".into()));
        assert_eq!(o.dbname, "db");
    }

    #[test]
    fn conninfo_strings_with_quotes_and_escapes() {
        let o = ok(
            r"host=/tmp port = 5999 dbname='my \'db\'' user=carol password='a b\\c' sslmode=disable",
        );
        assert_eq!(o.host, Host::Socket("/tmp".into()));
        assert_eq!(o.port, 5999);
        assert_eq!(o.dbname, "my 'db'");
        assert_eq!(o.user, "carol");
        assert_eq!(o.password, Some(Secret(r"a b\c".into())));
        assert_eq!(o.sslmode, SslMode::Disable);
    }

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let vars = [
            ("PGHOST", "pg.internal"),
            ("PGPORT", "5440"),
            ("PGUSER", "dave"),
            ("PGDATABASE", "shop"),
            ("PGPASSWORD", "from-env"),
            ("PGSSLMODE", "require"),
            ("PGCONNECT_TIMEOUT", "1"),
            ("HOME", "/nonexistent"),
        ];
        let o = options(None, &vars).expect("env only");
        assert_eq!(o.host, Host::Tcp("pg.internal".into()));
        assert_eq!(
            (o.port, o.user.as_str(), o.dbname.as_str()),
            (5440, "dave", "shop")
        );
        assert_eq!(o.password_source, PasswordSource::Environment);
        assert_eq!(o.sslmode, SslMode::Require);
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(2)));
        // the URL wins where it speaks
        let o = options(
            Some("postgres://erin:x1y2z3@other/db2?sslmode=disable"),
            &vars,
        )
        .expect("url and env");
        assert_eq!(o.host, Host::Tcp("other".into()));
        assert_eq!(
            (o.port, o.user.as_str(), o.dbname.as_str()),
            (5440, "erin", "db2")
        );
        assert_eq!(o.password_source, PasswordSource::ConnectionString);
        assert_eq!(o.sslmode, SslMode::Disable);
    }

    #[test]
    fn hostaddr_keeps_the_host_name_for_tls() {
        let o = ok("postgres://u@db.example.com/d?hostaddr=127.0.0.1&sslmode=verify-full");
        assert_eq!(o.host, Host::Tcp("db.example.com".into()));
        assert_eq!(o.hostaddr, Some("127.0.0.1".parse().expect("ip")));
        let o = ok("hostaddr=127.0.0.1 user=u");
        assert_eq!(o.host, Host::Tcp("127.0.0.1".into()));
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        assert!(err("postgres://u@h:notaport/d").contains("port"));
        assert!(err("postgres://u@h/d?sslmode=verify").contains("invalid sslmode"));
        assert!(err("postgres://u@h1,h2/d").contains("several hosts"));
        assert!(err("postgres://u@h/d?sslcert=x").contains("`sslcert` is not supported"));
        assert!(err("postgres://u@h/d?bogus=1").contains("supported: host"));
        assert!(err("just-a-name").contains("not a connection string"));
        assert!(err("host='unterminated").contains("unterminated"));
        assert!(err("postgres://u@h/d?hostaddr=nope").contains("not an IP address"));
        assert!(err("postgres://u@h/d?connect_timeout=soon").contains("connect_timeout"));
        assert!(err("postgres://u@h/%zz").contains("%-escape"));
    }

    #[test]
    fn application_name_is_ignored_with_a_warning() {
        let o = ok("postgres://u@h/d?application_name=mine");
        assert!(o.warnings.iter().any(|w| w.contains("application_name")));
    }

    #[test]
    fn passwords_never_show_in_display_debug_or_errors() {
        let secret = "Hunter2-pw";
        let o = ok(&format!("postgres://u:{secret}@h/d"));
        assert!(!o.to_string().contains(secret));
        assert!(!format!("{o:?}").contains(secret));
        assert_eq!(o.to_string(), "postgres://u:***@h:5432/d?sslmode=prefer");
        for bad in [
            format!("postgres://u:{secret}@h:port/d"),
            format!("postgres://u:{secret}@h/d?sslmode={secret}"),
            format!("postgres://u:{secret}@h/d?{secret}=1"),
            format!("host=h password={secret} junk"),
            format!("host=h password='{secret}"),
            format!("password={secret} sslmode={secret}"),
            format!("postgres://u:{secret}@h/d?hostaddr={secret}"),
        ] {
            let e = err(&bad);
            assert!(!e.contains(secret), "{bad} -> {e}");
        }
        let e = options(
            Some(&format!("postgres://u@h/d?sslmode={secret}")),
            &[("PGPASSWORD", secret)],
        )
        .expect_err("bad sslmode")
        .to_string();
        assert!(!e.contains(secret), "{e}");
    }

    #[test]
    fn redact_hides_url_and_conninfo_passwords() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/d?sslmode=require"),
            "postgres://u:***@h:5432/d?sslmode=require"
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact("postgres://u@h/d?password=pw&sslmode=require"),
            "postgres://u@h/d?password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgresql://u:p@ss/w@h/d"),
            "postgresql://u:***@h/d"
        );
        assert_eq!(
            redact("host=h password = 'a b\\' c' user=u"),
            "host=h password = '***' user=u"
        );
        assert_eq!(
            redact("host=h password=pw user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(redact("user=u oldpassword=x"), "user=u oldpassword=x");
    }

    #[cfg(unix)]
    #[test]
    fn a_password_file_supplies_the_password_for_a_matching_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sg-connect-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("pass");
        std::fs::write(&file, "h:5432:d:u:from-file\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let file_s = file.display().to_string();
        let o = options(
            Some("postgres://u@h/d"),
            &[("PGPASSFILE", &file_s), ("HOME", "/nonexistent")],
        )
        .expect("options");
        assert_eq!(o.password, Some(Secret("from-file".into())));
        assert_eq!(
            o.password_source,
            PasswordSource::PasswordFile(file.clone())
        );
        // PGPASSWORD wins over the file
        let o = options(
            Some("postgres://u@h/d"),
            &[("PGPASSFILE", &file_s), ("PGPASSWORD", "env")],
        )
        .expect("options");
        assert_eq!(o.password_source, PasswordSource::Environment);
        // ~/.pgpass through HOME
        let home = dir.display().to_string();
        std::fs::rename(&file, dir.join(".pgpass")).expect("rename");
        let o = options(Some("postgres://u@h/d"), &[("HOME", &home)]).expect("options");
        assert_eq!(o.password, Some(Secret("from-file".into())));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn root_certificates_come_from_sslrootcert_or_the_public_cas() {
        let o = ok("postgres://u@h/d?sslrootcert=/etc/ca.pem");
        assert_eq!(o.roots, Roots::File("/etc/ca.pem".into()));
        let o = ok("postgres://u@h/d?sslrootcert=system");
        assert_eq!(o.roots, Roots::Public);
        let o = ok("postgres://u@h/d");
        assert_eq!(o.roots, Roots::Public);
    }

    #[test]
    fn guessed_passwords_cover_what_redact_hides() {
        assert_eq!(guess_passwords("postgres://u:abc@h:x/d"), vec!["abc"]);
        assert_eq!(guess_passwords("host=h password='q w' port=x"), vec!["q w"]);
    }
}
