//! TLS for `sslmode`, through rustls (ring provider): what each mode verifies, where the
//! trusted roots come from, and the rustls client configuration.
//!
//! | sslmode | TLS | certificate chain | host name |
//! |---|---|---|---|
//! | disable | never | | |
//! | allow, prefer | if the server offers it | not checked | not checked |
//! | require | always | not checked (checked like verify-ca when a root file exists, as libpq) | not checked |
//! | verify-ca | always | checked | not checked |
//! | verify-full | always | checked | checked |
//!
//! "Not checked" still verifies the handshake signatures against the certificate's key,
//! so the session is encrypted end to end with whoever holds that key.

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, RootCertStore, SignatureScheme};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// libpq's `sslmode`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    /// Treated as `prefer` (libpq tries plain text first; we try TLS first).
    Allow,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `sslmode` that is none of libpq's six.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid sslmode `{0}`: use disable, allow, prefer, require, verify-ca or verify-full")]
pub struct SslModeError(pub String);

/// Why TLS could not be set up (before connecting).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA certificates file could not be read.
    #[error("cannot read CA certificates {}: {source}", path.display())]
    Read {
        /// `sslrootcert`.
        path: PathBuf,
        /// What reading said.
        source: std::io::Error,
    },
    /// A PEM block of the file is broken.
    #[error("{} is not valid PEM: {reason}", path.display())]
    Pem {
        /// `sslrootcert`.
        path: PathBuf,
        /// What the PEM reader said.
        reason: String,
    },
    /// No certificate in the file.
    #[error("no certificate found in {} (sslrootcert expects PEM)", path.display())]
    NoCertificate {
        /// `sslrootcert`.
        path: PathBuf,
    },
    /// Certificates, but none usable as a CA.
    #[error("no usable CA certificate in {} (sslrootcert)", path.display())]
    NoUsableCertificate {
        /// `sslrootcert`.
        path: PathBuf,
    },
    /// rustls refused the CA certificates.
    #[error("cannot use the CA certificates of {roots}: {reason}")]
    Verifier {
        /// Where they came from.
        roots: String,
        /// What rustls said.
        reason: String,
    },
    /// rustls refused the protocol versions.
    #[error("cannot set up TLS: {0}")]
    Setup(#[source] rustls::Error),
}

impl FromStr for SslMode {
    type Err = SslModeError;

    fn from_str(s: &str) -> Result<SslMode, SslModeError> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(SslModeError(other.to_string())),
        })
    }
}

/// Where trusted CA certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// A PEM file (`sslrootcert`, or `~/.postgresql/root.crt` when it exists).
    File(PathBuf),
    /// The public web CAs compiled in (`webpki-roots`): `sslrootcert=system`, or no file.
    Public,
}

impl fmt::Display for Roots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Roots::File(path) => write!(f, "{}", path.display()),
            Roots::Public => f.write_str("the public web CAs (sslrootcert=system)"),
        }
    }
}

/// What a TLS connection checks about the server's certificate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Encrypt; accept any certificate (handshake signatures are still verified).
    AnyCertificate,
    /// The chain must lead to a trusted root; the host name is not compared.
    Chain,
    /// The chain and the host name.
    ChainAndHostname,
}

/// How to connect: `None` for plain text; otherwise whether TLS is required and what
/// it verifies. `root_file_exists` is libpq's rule that `require` with a root file
/// behaves like `verify-ca`.
pub fn plan(mode: SslMode, root_file_exists: bool) -> Option<(bool, Verification)> {
    match mode {
        SslMode::Disable => None,
        SslMode::Allow | SslMode::Prefer => Some((false, Verification::AnyCertificate)),
        SslMode::Require if root_file_exists => Some((true, Verification::Chain)),
        SslMode::Require => Some((true, Verification::AnyCertificate)),
        SslMode::VerifyCa => Some((true, Verification::Chain)),
        SslMode::VerifyFull => Some((true, Verification::ChainAndHostname)),
    }
}

/// The rustls configuration for `verification` with `roots` (read only when needed).
pub fn client_config(verification: Verification, roots: &Roots) -> Result<ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match verification {
        Verification::AnyCertificate => Arc::new(AnyCertificate {
            provider: provider.clone(),
        }),
        Verification::Chain | Verification::ChainAndHostname => {
            let store = Arc::new(root_store(roots)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(store, provider.clone())
                .build()
                .map_err(|e| TlsError::Verifier {
                    roots: roots.to_string(),
                    reason: e.to_string(),
                })?;
            if verification == Verification::Chain {
                Arc::new(ChainOnly { inner: webpki })
            } else {
                webpki
            }
        }
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Setup)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn root_store(roots: &Roots) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::Public => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Roots::File(path) => {
            let certs = read_pem_certificates(path)?;
            let (added, _ignored) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(TlsError::NoUsableCertificate { path: path.clone() });
            }
        }
    }
    Ok(store)
}

fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        certs.push(cert.map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?);
    }
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// `require`: any certificate, but signatures made with its key are still verified.
#[derive(Debug)]
struct AnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the full webpki check, except that a name mismatch is accepted (webpki
/// compares the name only after the chain has verified).
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A TLS failure in words a user can act on, from the rustls error in an I/O error.
pub fn describe(error: &rustls::Error, host: &str, roots: &Roots) -> String {
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => format!(
                "the server's certificate is not signed by a trusted CA (trusted: {roots}); name the CA file with sslrootcert=..."
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the server's certificate is not valid for host name `{host}` (sslmode=verify-full checks it; verify-ca does not)"
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".to_string()
            }
            other => format!("the server's certificate was refused: {other:?}"),
        },
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmodes_parse_and_print_back() {
        for mode in [
            SslMode::Disable,
            SslMode::Allow,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            assert_eq!(mode.as_str().parse::<SslMode>(), Ok(mode));
        }
        let err = "verify_full".parse::<SslMode>().unwrap_err().to_string();
        assert!(err.contains("verify-full"), "{err}");
        assert_eq!(SslMode::default(), SslMode::Prefer);
    }

    #[test]
    fn each_sslmode_verifies_what_libpq_does() {
        use Verification::*;
        assert_eq!(plan(SslMode::Disable, true), None);
        assert_eq!(plan(SslMode::Allow, false), Some((false, AnyCertificate)));
        assert_eq!(plan(SslMode::Prefer, true), Some((false, AnyCertificate)));
        assert_eq!(plan(SslMode::Require, false), Some((true, AnyCertificate)));
        assert_eq!(plan(SslMode::Require, true), Some((true, Chain)));
        assert_eq!(plan(SslMode::VerifyCa, false), Some((true, Chain)));
        assert_eq!(
            plan(SslMode::VerifyFull, false),
            Some((true, ChainAndHostname))
        );
    }

    #[test]
    fn configurations_build_for_every_verification() {
        for v in [
            Verification::AnyCertificate,
            Verification::Chain,
            Verification::ChainAndHostname,
        ] {
            assert!(client_config(v, &Roots::Public).is_ok(), "{v:?}");
        }
    }

    #[test]
    fn a_missing_or_empty_root_file_is_a_clear_error() {
        let err = client_config(
            Verification::Chain,
            &Roots::File("/nonexistent/root.crt".into()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("/nonexistent/root.crt"), "{err}");

        let path = std::env::temp_dir().join(format!("sg-empty-root-{}.crt", std::process::id()));
        std::fs::write(&path, "not a certificate\n").expect("write");
        let err = client_config(Verification::ChainAndHostname, &Roots::File(path.clone()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no certificate found"), "{err}");
        let _ = std::fs::remove_file(&path);
    }
}
