//! TLS and password authentication against a real server the test starts: on
//! 127.0.0.1 with a certificate from a throwaway CA, TLS required and passwords checked
//! (scram-sha-256) by `pg_hba.conf`.

mod common;

use schemaguard::server::{ServerOptions, TempServer, TlsFiles};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

const PASSWORD: &str = "Tls-Secret-8842";

struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "schemaguard test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server certificate");
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn start(pki: &Pki) -> Option<TempServer> {
    let opts = ServerOptions {
        listen_loopback: true,
        tls: Some(TlsFiles {
            cert_pem: pki.cert_pem.clone(),
            key_pem: pki.key_pem.clone(),
        }),
        hba: Some(
            "local all postgres trust\n\
             local all all scram-sha-256\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n\
             host all all 127.0.0.1/32 reject\n"
                .to_string(),
        ),
        ..ServerOptions::default()
    };
    match TempServer::start(&opts) {
        Ok(s) => Some(s),
        Err(e) if e.is_not_installed() => {
            common::skipped(format!(
                "no PostgreSQL binaries found ({e}); CI installs them"
            ));
            None
        }
        Err(e) => panic!("starting a TLS server failed: {e}"),
    }
}

fn check(url: &str, samples: &str) -> common::Output {
    common::schemaguard(&["check", "--format", "json", "--database-url", url, samples])
}

#[test]
fn require_and_verify_full_work_and_failures_are_one_clear_line() {
    let pki = pki();
    let Some(server) = start(&pki) else {
        return;
    };
    let mut admin = server.connect().expect("admin over the socket");
    admin
        .batch_execute(&format!("CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'"))
        .expect("role");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write CA");
    let ca = ca.display().to_string();
    let port = server.port();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations");
    let samples = samples.to_str().expect("utf-8");

    let ok = [
        format!("postgres://app:{PASSWORD}@127.0.0.1:{port}/postgres?sslmode=require"),
        format!(
            "postgres://app:{PASSWORD}@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
        ),
        format!(
            "postgres://app:{PASSWORD}@localhost:{port}/postgres?sslmode=verify-ca&sslrootcert={ca}"
        ),
    ];
    for url in &ok {
        let out = check(url, samples);
        assert!(
            out.code == 0 || out.code == 1,
            "{url}: exit {}: {}",
            out.code,
            out.stderr
        );
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        assert!(json["database"]["server_version_num"].as_u64().is_some());
        assert!(!out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD));
    }

    // (URL, what the one line must say)
    let failing = [
        // the certificate is not signed by a public CA
        (
            format!("postgres://app:{PASSWORD}@localhost:{port}/postgres?sslmode=verify-full"),
            "certificate",
        ),
        // the server refuses connections without TLS
        (
            format!("postgres://app:{PASSWORD}@127.0.0.1:{port}/postgres?sslmode=disable"),
            "pg_hba.conf",
        ),
        // a wrong password
        (
            format!("postgres://app:wrong-{PASSWORD}@127.0.0.1:{port}/postgres?sslmode=require"),
            "password",
        ),
    ];
    for (url, says) in &failing {
        let out = check(url, samples);
        eprintln!("{}", out.stderr.trim());
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "{url}: {}",
            out.stderr
        );
        assert!(
            out.stderr.to_lowercase().contains(says),
            "{url}: expected {says:?} in {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(PASSWORD) && !out.stdout.contains(PASSWORD),
            "password shown: {}",
            out.stderr
        );
    }
}
