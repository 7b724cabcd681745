//! A throwaway local PostgreSQL: `initdb` into a fresh temporary directory, a postmaster
//! on a unix socket inside it (no TCP unless asked), stopped and deleted when dropped.
//! Used by the tests and by `schemaguard trace`.
//!
//! Nothing is left behind:
//! - `Drop` stops the postmaster (immediate shutdown, then SIGKILL after a grace period)
//!   and removes the directory, also when a test panics.
//! - A process that never runs `Drop` (killed by SIGKILL, Ctrl-C without a handler, a
//!   server kept in a `static` until exit) is covered by a **watchdog**: a tiny `sh`
//!   started with the directory, reading its stdin from a pipe only we hold. When this
//!   process ends in any way, the kernel closes the pipe, `read` returns, and the
//!   watchdog stops the postmaster named in `postmaster.pid` (after checking that its
//!   working directory is our data directory, so a recycled pid is never hit) and
//!   removes the directory. A normal `Drop` or [`TempServer::stop`] cleans up first, then
//!   tells the watchdog `done`. The watchdog ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT,
//!   and it and the postmaster run in their own process groups, so a Ctrl-C on the
//!   terminal reaches only us.
//!
//!   `prctl(PR_SET_PDEATHSIG)` was the alternative, rejected: the signal follows the
//!   *thread* that spawned the child (a test thread ends long before a shared server
//!   should), it is Linux-only, and it cannot remove the directory.
//!
//! PostgreSQL refuses to run as root. When the effective user is root, `initdb` and
//! `postgres` run as an unprivileged user (`postgres` by default) through
//! `Command::uid`/`gid` (setgroups, setgid, setuid in the child: no `runuser` or `su`,
//! no PAM), and the temporary directory is handed to that user.

use crate::live::error_chain;
use crate::os::{self, Signal};
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The superuser `initdb` creates in every throwaway cluster.
pub const SUPERUSER: &str = "postgres";

/// Where PostgreSQL's programs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binaries {
    pub bin_dir: PathBuf,
    pub initdb: PathBuf,
    pub postgres: PathBuf,
}

impl Binaries {
    /// Finds `initdb` and `postgres` (in one directory): in `hint` when given (and only
    /// there), else through `PATH`, else `pg_config --bindir`, else
    /// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu) and `/usr/pgsql-*/bin` (RHEL), highest
    /// version first.
    pub fn find(hint: Option<&Path>) -> Result<Binaries, ServerError> {
        let mut searched = Vec::new();
        if let Some(dir) = hint {
            return Binaries::in_dir(dir).ok_or_else(|| ServerError::NotInstalled {
                searched: vec![dir.display().to_string()],
            });
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let initdb = dir.join("initdb");
                if initdb.is_file() {
                    // /usr/local/bin/initdb may be a link into the real bin directory,
                    // where `postgres` is (initdb itself looks for it beside its target)
                    let real = fs::canonicalize(&initdb).unwrap_or(initdb);
                    if let Some(found) = real.parent().and_then(Binaries::in_dir) {
                        return Ok(found);
                    }
                }
            }
            searched.push("PATH".to_string());
        }
        if let Ok(out) = Command::new("pg_config")
            .arg("--bindir")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
        {
            let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !dir.is_empty() {
                if let Some(found) = Binaries::in_dir(Path::new(&dir)) {
                    return Ok(found);
                }
                searched.push(format!("{dir} (pg_config --bindir)"));
            }
        }
        let mut versioned: Vec<(u32, PathBuf)> = Vec::new();
        for (parent, prefix, suffix) in [
            ("/usr/lib/postgresql", "", "bin"),
            ("/usr", "pgsql-", "bin"),
        ] {
            let Ok(entries) = fs::read_dir(parent) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(version) = name.strip_prefix(prefix) else {
                    continue;
                };
                let major = version.split('.').next().and_then(|v| v.parse().ok());
                if let Some(major) = major {
                    versioned.push((major, entry.path().join(suffix)));
                }
            }
            searched.push(format!("{parent}/{prefix}*/{suffix}"));
        }
        versioned.sort_by_key(|v| std::cmp::Reverse(v.0));
        for (_, dir) in versioned {
            if let Some(found) = Binaries::in_dir(&dir) {
                return Ok(found);
            }
        }
        Err(ServerError::NotInstalled { searched })
    }

    fn in_dir(dir: &Path) -> Option<Binaries> {
        let initdb = dir.join("initdb");
        let postgres = dir.join("postgres");
        (initdb.is_file() && postgres.is_file()).then(|| Binaries {
            bin_dir: dir.to_path_buf(),
            initdb,
            postgres,
        })
    }

    /// `postgres --version`, e.g. `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`.
    pub fn version(&self) -> Result<String, ServerError> {
        let out = Command::new(&self.postgres)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ServerError::io(format!("cannot run {}", self.postgres.display()), e))?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || text.is_empty() {
            return Err(ServerError::Command {
                what: format!("{} --version", self.postgres.display()),
                output: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(text)
    }
}

/// A certificate and key (PEM) for a server with `ssl = on`.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert_pem: String,
    pub key_pem: String,
}

/// How to start a [`TempServer`]. `Default` is what tests and `trace` want: a unix
/// socket only, trust authentication, durability off.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The directory of `initdb` and `postgres`; found with [`Binaries::find`] otherwise.
    pub bin_dir: Option<PathBuf>,
    /// When running as root: the account the server runs as [default: `postgres`].
    pub run_as: Option<String>,
    /// Also listen on 127.0.0.1 (TCP), on the same port as the socket. Off by default.
    pub listen_loopback: bool,
    /// Serve TLS with this certificate (`ssl = on`); meaningful with `listen_loopback`.
    pub tls: Option<TlsFiles>,
    /// Replaces `pg_hba.conf` (the default trusts every local connection).
    pub hba: Option<String>,
    /// More `-c name=value` settings.
    pub settings: Vec<(String, String)>,
    /// How long `initdb` plus start-up may take before giving up.
    pub startup_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            bin_dir: None,
            run_as: None,
            listen_loopback: false,
            tls: None,
            hba: None,
            settings: Vec::new(),
            startup_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug)]
pub enum ServerError {
    /// No PostgreSQL programs were found (tests skip on this one only).
    NotInstalled { searched: Vec<String> },
    /// We are root and cannot run the server as another user.
    Root { reason: String },
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A program failed; its output.
    Command { what: String, output: String },
    /// The server did not come up; the end of its log.
    Startup { reason: String, log: String },
    /// Connecting to the running server failed.
    Connect { reason: String },
    /// Stopping it failed.
    Stop { reason: String },
}

impl ServerError {
    fn io(context: impl Into<String>, source: std::io::Error) -> ServerError {
        ServerError::Io {
            context: context.into(),
            source,
        }
    }

    /// True when PostgreSQL is not installed (rather than installed and failing).
    pub fn is_not_installed(&self) -> bool {
        matches!(self, ServerError::NotInstalled { .. })
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::NotInstalled { searched } => write!(
                f,
                "no PostgreSQL server programs (initdb, postgres) found in {}: install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`) or name the directory holding them (`schemaguard trace --pg-bin DIR`)",
                searched.join(", ")
            ),
            ServerError::Root { reason } => write!(
                f,
                "PostgreSQL refuses to run as root, and {reason}: run schemaguard as a non-root user, or create an unprivileged `postgres` user (installing the postgresql package does), or name another unprivileged account (`schemaguard trace --run-as USER`)"
            ),
            ServerError::Io { context, source } => write!(f, "{context}: {source}"),
            ServerError::Command { what, output } => {
                write!(f, "{what} failed")?;
                if !output.is_empty() {
                    write!(f, ":\n{output}")?;
                }
                Ok(())
            }
            ServerError::Startup { reason, log } => {
                write!(f, "the throwaway PostgreSQL server did not start: {reason}")?;
                if !log.is_empty() {
                    write!(f, "\nserver log (end):\n{log}")?;
                }
                Ok(())
            }
            ServerError::Connect { reason } => {
                write!(
                    f,
                    "cannot connect to the throwaway PostgreSQL server: {reason}"
                )
            }
            ServerError::Stop { reason } => {
                write!(
                    f,
                    "stopping the throwaway PostgreSQL server failed: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A running throwaway PostgreSQL server. See the module documentation.
pub struct TempServer {
    binaries: Binaries,
    port: u16,
    loopback: bool,
    version_num: u32,
    version: String,
    /// Owns the directory, the postmaster and the watchdog; cleans up on drop.
    guard: Guard,
}

impl fmt::Debug for TempServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempServer")
            .field("root", &self.guard.root)
            .field("port", &self.port)
            .field("version", &self.version)
            .finish()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unix socket path longer than this does not fit `sockaddr_un` (108 bytes with NUL).
const MAX_SOCKET_PATH: usize = 100;

impl TempServer {
    /// `initdb`, then start the postmaster and wait until it accepts connections.
    pub fn start(opts: &ServerOptions) -> Result<TempServer, ServerError> {
        let binaries = Binaries::find(opts.bin_dir.as_deref())?;
        let deadline = Instant::now() + opts.startup_timeout;
        let owner = server_owner(opts.run_as.as_deref())?;

        let mut guard = Guard::create(owner.as_ref())?;
        let root = guard.root.clone();
        let data_dir = root.join("data");
        let socket_dir = root.join("socket");
        make_dir(&socket_dir, owner.as_ref())?;

        let mut initdb = Command::new(&binaries.initdb);
        initdb
            .arg("-D")
            .arg(&data_dir)
            .args([
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .current_dir(&root)
            .stdin(Stdio::null())
            .env("LC_ALL", "C");
        as_owner(&mut initdb, owner.as_ref());
        let out = initdb
            .output()
            .map_err(|e| ServerError::io(format!("cannot run {}", binaries.initdb.display()), e))?;
        if !out.status.success() {
            let mut output = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if output.is_empty() {
                output = String::from_utf8_lossy(&out.stdout).trim().to_string();
            }
            return Err(ServerError::Command {
                what: format!("{} -D {}", binaries.initdb.display(), data_dir.display()),
                output,
            });
        }

        if let Some(hba) = &opts.hba {
            write_file(&data_dir.join("pg_hba.conf"), hba, 0o600, owner.as_ref())?;
        }
        let mut settings: Vec<(String, String)> = vec![
            ("fsync".into(), "off".into()),
            ("synchronous_commit".into(), "off".into()),
            ("full_page_writes".into(), "off".into()),
        ];
        let listen = if opts.listen_loopback {
            "127.0.0.1"
        } else {
            ""
        };
        settings.push(("listen_addresses".into(), listen.into()));
        if let Some(tls) = &opts.tls {
            let cert = root.join("server.crt");
            let key = root.join("server.key");
            write_file(&cert, &tls.cert_pem, 0o600, owner.as_ref())?;
            write_file(&key, &tls.key_pem, 0o600, owner.as_ref())?;
            settings.push(("ssl".into(), "on".into()));
            settings.push(("ssl_cert_file".into(), cert.display().to_string()));
            settings.push(("ssl_key_file".into(), key.display().to_string()));
        }
        settings.extend(opts.settings.iter().cloned());

        // a socket-only server touches no TCP port: the port only names the socket
        // file, in a directory of our own
        let port = if opts.listen_loopback {
            free_port()?
        } else {
            DEFAULT_PORT
        };
        let socket = socket_dir.join(format!(".s.PGSQL.{port}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(ServerError::Startup {
                reason: format!(
                    "the socket path {} is too long for a unix socket: set TMPDIR to a shorter directory",
                    socket.display()
                ),
                log: String::new(),
            });
        }

        let log_path = root.join("server.log");
        let log = fs::File::create(&log_path)
            .map_err(|e| ServerError::io(format!("cannot create {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| ServerError::io("cannot duplicate the log file handle", e))?;
        let mut postgres = Command::new(&binaries.postgres);
        postgres
            .arg("-D")
            .arg(&data_dir)
            .arg("-k")
            .arg(&socket_dir)
            .arg("-p")
            .arg(port.to_string());
        for (name, value) in &settings {
            postgres.arg("-c").arg(format!("{name}={value}"));
        }
        postgres
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .env("LC_ALL", "C")
            // our own group: a Ctrl-C on the terminal reaches us, not the server
            .process_group(0);
        as_owner(&mut postgres, owner.as_ref());
        let child = postgres.spawn().map_err(|e| {
            ServerError::io(format!("cannot start {}", binaries.postgres.display()), e)
        })?;
        guard.postmaster = Some(child);

        let mut server = TempServer {
            binaries,
            port,
            loopback: opts.listen_loopback,
            version_num: 0,
            version: String::new(),
            guard,
        };
        let mut client = server.wait_ready(deadline)?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version_num')::int4, current_setting('server_version')",
                &[],
            )
            .map_err(|e| ServerError::Connect {
                reason: error_chain(&e),
            })?;
        server.version_num = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
        server.version = row.get(1);
        Ok(server)
    }

    fn wait_ready(&mut self, deadline: Instant) -> Result<postgres::Client, ServerError> {
        loop {
            if let Some(child) = self.guard.postmaster.as_mut() {
                match child.try_wait() {
                    Ok(Some(status)) => {
                        return Err(ServerError::Startup {
                            reason: format!("postgres exited ({status})"),
                            log: self.log_tail(30),
                        });
                    }
                    Ok(None) => {}
                    Err(e) => return Err(ServerError::io("cannot watch the postmaster", e)),
                }
            }
            let last = match self.connect() {
                Ok(client) => return Ok(client),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(ServerError::Startup {
                    reason: format!("no connection before the time-out; last attempt: {last}"),
                    log: self.log_tail(30),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// A plain (read-write) session as the superuser over the unix socket: for setting
    /// up tests, and for `trace`. schemaguard's read-only sessions use `live::connect`.
    pub fn connect(&self) -> Result<postgres::Client, ServerError> {
        self.connect_as(SUPERUSER, "postgres")
    }

    /// A plain session as `user` to `dbname` over the unix socket (trust authentication
    /// unless `hba` said otherwise).
    pub fn connect_as(&self, user: &str, dbname: &str) -> Result<postgres::Client, ServerError> {
        postgres::Config::new()
            .host_path(self.socket_dir())
            .port(self.port)
            .user(user)
            .dbname(dbname)
            .application_name("schemaguard")
            .connect_timeout(Duration::from_secs(5))
            .connect(postgres::NoTls)
            .map_err(|e| ServerError::Connect {
                reason: error_chain(&e),
            })
    }

    /// `postgres://postgres@/postgres?host=<socket dir>&port=<port>`: the superuser over
    /// the unix socket, in the form `live::ConnectOptions` and libpq accept.
    pub fn connection_string(&self) -> String {
        self.connection_string_for(SUPERUSER, "postgres")
    }

    /// As [`connection_string`](Self::connection_string), for another user and database.
    pub fn connection_string_for(&self, user: &str, dbname: &str) -> String {
        format!(
            "postgres://{}@/{}?host={}&port={}",
            percent_encode(user),
            percent_encode(dbname),
            percent_encode(&self.socket_dir().display().to_string()),
            self.port
        )
    }

    /// The directory holding the socket `.s.PGSQL.<port>`.
    pub fn socket_dir(&self) -> PathBuf {
        self.guard.root.join("socket")
    }

    /// The port: names the socket file, and is the TCP port with `listen_loopback`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server also listens on 127.0.0.1.
    pub fn listens_on_loopback(&self) -> bool {
        self.loopback
    }

    /// `server_version_num`, e.g. 150014.
    pub fn version_num(&self) -> u32 {
        self.version_num
    }

    /// `server_version`, e.g. `15.14 (Debian 15.14-0+deb12u1)`.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn binaries(&self) -> &Binaries {
        &self.binaries
    }

    /// The temporary directory holding everything (removed on drop).
    pub fn root_dir(&self) -> &Path {
        &self.guard.root
    }

    pub fn data_dir(&self) -> PathBuf {
        self.guard.root.join("data")
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> Option<u32> {
        self.guard.postmaster.as_ref().map(Child::id)
    }

    /// The last `lines` lines of the server log.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.guard.root.join("server.log")) {
            let _ = f.read_to_string(&mut text);
        }
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Stops the server cleanly (fast shutdown) and removes its directory, reporting
    /// what failed. Dropping does the same quietly, with an immediate shutdown.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.guard
            .shut_down(Signal::Interrupt, Duration::from_secs(30))
    }
}

/// Owns what must go: the directory, the postmaster, the watchdog.
struct Guard {
    root: PathBuf,
    postmaster: Option<Child>,
    watchdog: Option<(Child, ChildStdin)>,
    done: bool,
}

/// Stops the postmaster recorded in `$1/data/postmaster.pid` once stdin closes without
/// `done`, then removes `$1`. A pid counts as ours only while its working directory is
/// the data directory (the postmaster chdirs there), so a recycled pid is never hit;
/// without /proc, any live process with that pid counts.
const WATCHDOG: &str = r#"trap '' INT TERM HUP QUIT PIPE
read -r word
[ "$word" = done ] && exit 0
data="$1/data"
ours() {
    if [ -d /proc ]; then
        [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$data" ]
    else
        kill -0 "$1" 2>/dev/null
    fi
}
pid=
[ -r "$data/postmaster.pid" ] && read -r pid < "$data/postmaster.pid"
case "$pid" in ''|*[!0-9]*) pid= ;; esac
if [ -n "$pid" ] && ours "$pid"; then
    kill -QUIT "$pid" 2>/dev/null
    i=0
    while [ $i -lt 50 ] && ours "$pid"; do sleep 0.1; i=$((i+1)); done
    ours "$pid" && kill -KILL "$pid" 2>/dev/null
fi
# backends outlive a killed postmaster for a moment, and write into the directory
if [ -d /proc ]; then
    i=0
    while [ $i -lt 50 ]; do
        left=
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/cwd" 2>/dev/null)" = "$data" ] && left="$left ${p#/proc/}"
        done
        [ -z "$left" ] && break
        kill -KILL $left 2>/dev/null
        sleep 0.1
        i=$((i+1))
    done
fi
rm -rf "$1"
[ -e "$1" ] && sleep 0.2 && rm -rf "$1"
"#;

impl Guard {
    fn create(owner: Option<&os::User>) -> Result<Guard, ServerError> {
        let base = base_dir(owner.is_some());
        let base = fs::canonicalize(&base).unwrap_or(base);
        let mut attempt = 0;
        let root = loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let dir = base.join(format!("sgpg-{}-{n}-{:x}", std::process::id(), nanos));
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 10 => {
                    attempt += 1;
                }
                Err(e) => {
                    return Err(ServerError::io(
                        format!("cannot create a directory in {}", base.display()),
                        e,
                    ));
                }
            }
        };
        let mut guard = Guard {
            root,
            postmaster: None,
            watchdog: None,
            done: false,
        };
        set_mode_and_owner(&guard.root, 0o700, owner)?;
        let mut watchdog = Command::new("sh");
        watchdog
            .arg("-c")
            .arg(WATCHDOG)
            .arg("schemaguard-pg-watchdog")
            .arg(&guard.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = watchdog
            .spawn()
            .map_err(|e| ServerError::io("cannot start the clean-up watchdog (sh)", e))?;
        match child.stdin.take() {
            Some(stdin) => guard.watchdog = Some((child, stdin)),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ServerError::Startup {
                    reason: "the clean-up watchdog has no stdin".into(),
                    log: String::new(),
                });
            }
        }
        Ok(guard)
    }

    /// Stops the postmaster with `signal` (then SIGKILL after `grace`), removes the
    /// directory, and stands the watchdog down. Idempotent.
    fn shut_down(&mut self, signal: Signal, grace: Duration) -> Result<(), ServerError> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        let mut problems = Vec::new();
        if let Some(mut child) = self.postmaster.take() {
            if let Err(p) = stop_child(&mut child, signal, grace) {
                problems.push(p.to_string());
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.root)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            problems.push(format!("cannot remove {}: {e}", self.root.display()));
        }
        if let Some((mut child, mut stdin)) = self.watchdog.take() {
            // on failure the watchdog sees EOF and cleans up (nothing left to do)
            let _ = stdin.write_all(b"done\n");
            drop(stdin);
            let _ = child.wait();
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ServerError::Stop {
                reason: problems.join("; "),
            })
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.shut_down(Signal::Quit, Duration::from_secs(5));
    }
}

/// Why the postmaster did not stop as asked.
#[derive(Debug, thiserror::Error)]
enum StopError {
    #[error("cannot wait for the postmaster: {0}")]
    Wait(#[source] std::io::Error),
    #[error("the postmaster did not stop within {0}s and was killed")]
    Killed(u64),
}

fn stop_child(child: &mut Child, signal: Signal, grace: Duration) -> Result<(), StopError> {
    if let Ok(Some(_)) = child.try_wait() {
        return Ok(());
    }
    os::send_signal(child.id(), signal);
    let deadline = Instant::now() + grace;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(()),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => break,
            Err(e) => return Err(StopError::Wait(e)),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(StopError::Killed(grace.as_secs()))
}

/// The account to run the server as: none (ourselves) unless we are root.
fn server_owner(run_as: Option<&str>) -> Result<Option<os::User>, ServerError> {
    if os::effective_uid() != 0 {
        return Ok(None);
    }
    let name = run_as.unwrap_or(SUPERUSER);
    match os::user_by_name(name) {
        Some(user) if user.uid != 0 => Ok(Some(user)),
        Some(_) => Err(ServerError::Root {
            reason: format!("the user `{name}` is root too"),
        }),
        None => Err(ServerError::Root {
            reason: format!("there is no user `{name}` to run it as"),
        }),
    }
}

/// The temporary base directory. The server's user must reach it: as root with
/// another owner, a base that others cannot traverse (TMPDIR=/root/tmp) falls back to
/// /tmp.
fn base_dir(other_owner: bool) -> PathBuf {
    let base = std::env::temp_dir();
    if other_owner && !traversable_by_others(&base) {
        return PathBuf::from("/tmp");
    }
    base
}

fn traversable_by_others(dir: &Path) -> bool {
    let Ok(dir) = fs::canonicalize(dir) else {
        return false;
    };
    dir.ancestors().all(|d| {
        fs::metadata(d)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    })
}

fn as_owner(cmd: &mut Command, owner: Option<&os::User>) {
    if let Some(user) = owner {
        // std calls setgroups(0) before setuid when dropping root
        cmd.uid(user.uid).gid(user.gid);
        cmd.env("USER", &user.name).env("LOGNAME", &user.name);
    }
}

fn set_mode_and_owner(path: &Path, mode: u32, owner: Option<&os::User>) -> Result<(), ServerError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| ServerError::io(format!("cannot set permissions of {}", path.display()), e))?;
    if let Some(user) = owner {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).map_err(|e| {
            ServerError::io(
                format!("cannot hand {} to user {}", path.display(), user.name),
                e,
            )
        })?;
    }
    Ok(())
}

fn make_dir(path: &Path, owner: Option<&os::User>) -> Result<(), ServerError> {
    fs::create_dir(path)
        .map_err(|e| ServerError::io(format!("cannot create {}", path.display()), e))?;
    set_mode_and_owner(path, 0o700, owner)
}

fn write_file(
    path: &Path,
    text: &str,
    mode: u32,
    owner: Option<&os::User>,
) -> Result<(), ServerError> {
    fs::write(path, text)
        .map_err(|e| ServerError::io(format!("cannot write {}", path.display()), e))?;
    set_mode_and_owner(path, mode, owner)
}

/// The port of a socket-only server: it only names `.s.PGSQL.<port>` in our own
/// socket directory, so PostgreSQL's default is as good as any.
const DEFAULT_PORT: u16 = 5432;

/// A port free on 127.0.0.1 (the kernel's choice), for a server that also listens
/// there (`listen_loopback`).
fn free_port() -> Result<u16, ServerError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| ServerError::io("cannot find a free port on 127.0.0.1", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| ServerError::io("cannot find a free port on 127.0.0.1", e))?
        .port();
    Ok(port)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_in_a_directory_without_them_are_not_installed() {
        let err = Binaries::find(Some(Path::new("/nonexistent/schemaguard"))).unwrap_err();
        assert!(err.is_not_installed());
        assert!(
            err.to_string().contains("/nonexistent/schemaguard"),
            "{err}"
        );
        assert!(
            err.to_string().contains("apt-get install postgresql"),
            "{err}"
        );
    }

    #[test]
    fn percent_encoding_keeps_paths_readable() {
        assert_eq!(percent_encode("/tmp/sg pg"), "/tmp/sg%20pg");
        assert_eq!(percent_encode("a@b:c"), "a%40b%3Ac");
    }

    #[test]
    fn root_without_the_user_says_what_to_do() {
        let err = ServerError::Root {
            reason: "there is no user `nobody-here` to run it as".into(),
        };
        let text = err.to_string();
        assert!(text.contains("non-root user"), "{text}");
        assert!(text.contains("postgres"), "{text}");
    }
}
