//! TLS flags: `-k`, `--cacert`, `--cert`/`--key`, `--pinnedpubkey`.
//!
//! Without `--cert` these map onto the client's own [`Ssl`] modes (the CA
//! file is added to the connector's roots). A client certificate needs a
//! rustls configuration of its own, built here with the same roots: the
//! webpki roots, the system's, and `--cacert`.

use crate::exit::{CliError, SSL_CACERT_BADFILE, SSL_CERTPROBLEM, USAGE};
use ahttp_tokio::rustls;
use ahttp_tokio::{Fingerprint, Ssl};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The TLS flags of a run.
#[derive(Debug, Default)]
pub struct TlsFlags<'a> {
    /// `-k`.
    pub insecure: bool,
    /// `--cert`.
    pub cert: Option<&'a Path>,
    /// `--key`.
    pub key: Option<&'a Path>,
    /// `--pinnedpubkey`.
    pub pinned: Option<&'a str>,
}

/// The CA file's PEM, read up front so that an unreadable file is curl's
/// 77 at once.
pub fn read_cacert(path: &Path) -> Result<Vec<u8>, CliError> {
    let pem = std::fs::read(path).map_err(|e| {
        CliError::new(
            SSL_CACERT_BADFILE,
            format!("error setting certificate file: {}: {e}", path.display()),
        )
    })?;
    if CertificateDer::pem_slice_iter(&pem).next().is_none() {
        return Err(CliError::new(
            SSL_CACERT_BADFILE,
            format!(
                "error setting certificate file: {}: no certificate",
                path.display()
            ),
        ));
    }
    Ok(pem)
}

/// curl's pin list `sha256//B64;sha256//B64`.
pub fn parse_pins(pins: &str) -> Result<Vec<Fingerprint>, CliError> {
    pins.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if !p.starts_with("sha256//") {
                return Err(CliError::new(
                    USAGE,
                    format!("--pinnedpubkey: only sha256//BASE64 pins are supported, not {p:?}"),
                ));
            }
            Fingerprint::from_curl_pin(p)
                .map_err(|e| CliError::new(USAGE, format!("--pinnedpubkey: {e}")))
        })
        .collect()
}

/// The [`Ssl`] mode for the flags, or `None` for the connector's default
/// (verify against the roots).
pub fn ssl_mode(flags: &TlsFlags<'_>, ca_pem: Option<&[u8]>) -> Result<Option<Ssl>, CliError> {
    if let Some(cert) = flags.cert {
        if flags.pinned.is_some() {
            // The client pins only in its own modes; a configuration of
            // ours would silently skip the pin.
            return Err(CliError::new(
                USAGE,
                "--pinnedpubkey together with --cert is not supported",
            ));
        }
        let config = client_cert_config(cert, flags.key, ca_pem, flags.insecure)?;
        return Ok(Some(Ssl::Config(Arc::new(config))));
    }
    if let Some(pins) = flags.pinned {
        return Ok(Some(Ssl::PinnedPublicKey(parse_pins(pins)?)));
    }
    if flags.insecure {
        return Ok(Some(Ssl::NoVerify));
    }
    Ok(None)
}

fn cert_error(path: &Path, what: impl std::fmt::Display) -> CliError {
    CliError::new(
        SSL_CERTPROBLEM,
        format!(
            "could not load PEM client certificate from {}: {what}",
            path.display()
        ),
    )
}

/// A rustls configuration presenting the client certificate in `cert` (with
/// its key from `key`, or from `cert` itself when the file holds both).
fn client_cert_config(
    cert: &Path,
    key: Option<&Path>,
    ca_pem: Option<&[u8]>,
    insecure: bool,
) -> Result<rustls::ClientConfig, CliError> {
    let cert_pem = std::fs::read(cert).map_err(|e| cert_error(cert, e))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(cert, e))?;
    if chain.is_empty() {
        return Err(cert_error(cert, "no certificate"));
    }
    let key_path = key.unwrap_or(cert);
    let key_pem = std::fs::read(key_path).map_err(|e| cert_error(key_path, e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| cert_error(key_path, e))?;

    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = ca_pem {
        for c in CertificateDer::pem_slice_iter(pem).flatten() {
            let _ = roots.add(c);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_error(cert, e))?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
    } else {
        builder.with_root_certificates(roots)
    };
    let mut config = builder
        .with_client_auth_cert(chain, key)
        .map_err(|e| cert_error(cert, e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `-k` with a client certificate: accept any server certificate, but
/// still check the handshake signatures.
#[derive(Debug)]
struct AnyServer(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        let pin = format!(
            "sha256//{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32])
        );
        assert_eq!(parse_pins(&format!("{pin};{pin}")).unwrap().len(), 2);
        assert_eq!(parse_pins("/some/file.pem").unwrap_err().code, USAGE);
        assert_eq!(parse_pins("sha256//notbase64!").unwrap_err().code, USAGE);
    }

    #[test]
    fn unreadable_ca_file_is_77() {
        assert_eq!(
            read_cacert(Path::new("/nonexistent/ca.pem"))
                .unwrap_err()
                .code,
            SSL_CACERT_BADFILE
        );
    }
}
