//! TLS for the PostgreSQL protocol: a certificate chain and its private key (PEM), loaded and
//! checked before the server starts. Any problem is an error naming the file: the server
//! refuses to start rather than serve in plaintext (datafusion-postgres's own setup logs a
//! warning and goes on unencrypted).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::PgError;

/// A loaded certificate and key, ready to accept TLS connections.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Load `cert` (PEM, the server certificate first, then its chain) and `key` (PEM: PKCS#8,
    /// PKCS#1 or SEC1).
    pub fn load(cert: &Path, key: &Path) -> Result<Tls, PgError> {
        install_crypto_provider();
        let certs = read_certs(cert)?;
        let key_der = {
            let mut reader = open(key)?;
            rustls_pemfile::private_key(&mut reader)
                .map_err(|e| PgError::Tls(format!("cannot read the key {}: {e}", key.display())))?
                .ok_or_else(|| PgError::Tls(format!("no private key (PEM) in {}", key.display())))?
        };
        let mut config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key_der)
            .map_err(|e| {
                PgError::Tls(format!(
                    "the certificate {} and the key {} cannot be used together: {e}",
                    cert.display(),
                    key.display()
                ))
            })?;
        // PostgreSQL 17's direct TLS negotiation requires this ALPN name.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }
}

/// rustls has two crypto providers in this build (ring through pgwire, aws-lc-rs through the
/// object store): with both compiled in, rustls cannot pick one and its builder panics unless
/// one is installed. Installing twice is harmless (the second call is refused, the first kept).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>, PgError> {
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|e| PgError::Tls(format!("cannot open {}: {e}", path.display())))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, PgError> {
    let mut reader = open(path)?;
    let certs = rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            PgError::Tls(format!(
                "cannot read the certificate {}: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(PgError::Tls(format!(
            "no certificate (PEM) in {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// The certificate and key paths of a configuration, both or neither.
pub fn paths(
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<Option<(PathBuf, PathBuf)>, PgError> {
    match (cert, key) {
        (Some(c), Some(k)) => Ok(Some((c, k))),
        (None, None) => Ok(None),
        (Some(c), None) => Err(PgError::Tls(format!(
            "a certificate ({}) was given without its key",
            c.display()
        ))),
        (None, Some(k)) => Err(PgError::Tls(format!(
            "a key ({}) was given without its certificate",
            k.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_certificate_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a certificate\n").unwrap();
        std::fs::write(&key, "not a key\n").unwrap();
        let err = Tls::load(&cert, &key).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("TLS: no certificate (PEM) in {}", cert.display())
        );
        let missing = dir.path().join("missing.pem");
        let err = Tls::load(&missing, &key).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("TLS: cannot open {}: ", missing.display())),
            "{err}"
        );
        assert_eq!(
            paths(Some(cert.clone()), None).unwrap_err().to_string(),
            format!(
                "TLS: a certificate ({}) was given without its key",
                cert.display()
            )
        );
    }
}
