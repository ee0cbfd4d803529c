//! TLS: the server's rustls acceptor, and `opsd cert init`, which makes a local CA
//! and a server certificate for the sandbox so that clients that verify peers (the
//! PHP toolkit's `ssl://` socket, curl, Python) connect to port 55443 once the CA is
//! trusted, without turning verification off.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca.key";
pub const SERVER_CERT: &str = "server.pem";
pub const SERVER_KEY: &str = "server.key";

/// Names every sandbox server certificate covers, besides those asked for.
const LOCAL_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: {what}")]
    Pem { path: PathBuf, what: String },
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Names `path` in an I/O failure.
fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TlsError + Copy + '_ {
    move |source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    fs::read(path).map_err(io_err(path))
}

/// A TLS acceptor for the certificate chain and key in these PEM files (TLS 1.2 and
/// 1.3, HTTP/1.1 only).
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let pem_err = |path: &Path, what: String| TlsError::Pem {
        path: path.to_path_buf(),
        what,
    };
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(pem_err(cert, "no certificate in the file".into()));
    }
    let key_der =
        PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| pem_err(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What `cert init` wrote.
#[derive(Debug)]
pub struct Issued {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// The CA was made now (else an existing one in the directory signed the
    /// certificate, so a CA already trusted stays trusted).
    pub new_ca: bool,
    pub names: Vec<String>,
}

/// The local CA's fixed parameters: the same each time, so an existing CA key can
/// sign again without parsing its certificate.
fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.distinguished_name
        .push(DnType::CommonName, "opsd sandbox local CA");
    p.distinguished_name
        .push(DnType::OrganizationName, "opsd sandbox");
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// Makes (or reuses) `dir/ca.pem` + `ca.key` and issues `dir/server.pem` +
/// `server.key` for localhost, 127.0.0.1, ::1 and `extra_names`. Validity runs from
/// `now` − 1 day: the CA for 10 years, the server certificate for 397 days (the most
/// browsers and Apple's TLS stack accept).
pub fn cert_init(
    dir: &Path,
    extra_names: &[String],
    now: time::OffsetDateTime,
) -> Result<Issued, TlsError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let ca_cert_path = dir.join(CA_CERT);
    let ca_key_path = dir.join(CA_KEY);
    let start = now - time::Duration::days(1);
    let (ca_key, new_ca) = if ca_key_path.exists() && ca_cert_path.exists() {
        let pem = String::from_utf8_lossy(&read(&ca_key_path)?).into_owned();
        (KeyPair::from_pem(&pem)?, false)
    } else {
        let key = KeyPair::generate()?;
        let mut params = ca_params();
        params.not_before = start;
        params.not_after = start + time::Duration::days(3650);
        let cert = params.self_signed(&key)?;
        write_private(&ca_key_path, &key.serialize_pem())?;
        fs::write(&ca_cert_path, cert.pem()).map_err(io_err(&ca_cert_path))?;
        (key, true)
    };
    let issuer = Issuer::new(ca_params(), ca_key);

    let mut names: Vec<String> = LOCAL_NAMES.iter().map(|s| s.to_string()).collect();
    for n in extra_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let mut params = CertificateParams::new(names.clone())?;
    params
        .distinguished_name
        .push(DnType::CommonName, names[0].as_str());
    params.not_before = start;
    params.not_after = start + time::Duration::days(397);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate()?;
    let cert = params.signed_by(&server_key, &issuer)?;
    let server_cert = dir.join(SERVER_CERT);
    let server_key_path = dir.join(SERVER_KEY);
    write_private(&server_key_path, &server_key.serialize_pem())?;
    fs::write(&server_cert, cert.pem()).map_err(io_err(&server_cert))?;
    Ok(Issued {
        ca_cert: ca_cert_path,
        server_cert,
        server_key: server_key_path,
        new_ca,
        names,
    })
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<(), TlsError> {
    crate::files::write_private(path, text.as_bytes()).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_makes_a_chain_the_acceptor_loads_and_reuses_the_ca() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = time::macros::datetime!(2026-11-23 00:00 UTC);
        let first = cert_init(dir.path(), &["opsd.test".into()], now).expect("init");
        assert!(first.new_ca);
        assert!(first.names.iter().any(|n| n == "opsd.test"));
        assert!(acceptor(&first.server_cert, &first.server_key).is_ok());
        let ca_before = fs::read(&first.ca_cert).unwrap_or_default();
        let second = cert_init(dir.path(), &[], now).expect("again");
        assert!(!second.new_ca, "an existing CA is reused");
        assert_eq!(fs::read(&second.ca_cert).unwrap_or_default(), ca_before);
        let mode = fs::metadata(&second.server_key)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o600);
        // A key file that is not PEM is an error naming the file, not a panic.
        fs::write(&second.server_key, "nothing").unwrap_or_default();
        let e = acceptor(&second.server_cert, &second.server_key)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("server.key"), "{e}");
    }
}
