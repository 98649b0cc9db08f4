//! TLS flags: `-k`, `--cacert`, `--cert`/`--key`, `--pinnedpubkey`.
//!
//! They map onto the client's own settings: the CA file and the client
//! certificate go on the connector, `-k` and the pins are [`Ssl`] modes,
//! and any combination of them works as in curl.

use crate::exit::{CliError, SSL_CACERT_BADFILE, SSL_CERTPROBLEM, USAGE};
use ahttp_tokio::{Fingerprint, Ssl};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;

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
pub fn ssl_mode(flags: &TlsFlags<'_>) -> Result<Option<Ssl>, CliError> {
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

/// `--cert` (and `--key`, or the key from the `--cert` file itself when
/// it holds both): the certificate chain's and the key's PEM, checked
/// here so that a bad file is curl's 58 before anything is sent.
pub fn client_certificate(flags: &TlsFlags<'_>) -> Result<Option<ClientCertificate>, CliError> {
    let Some(cert) = flags.cert else {
        return Ok(None);
    };
    let cert_pem = std::fs::read(cert).map_err(|e| cert_error(cert, e))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(cert, e))?;
    if chain.is_empty() {
        return Err(cert_error(cert, "no certificate"));
    }
    let key_path = flags.key.unwrap_or(cert);
    let key_pem = std::fs::read(key_path).map_err(|e| cert_error(key_path, e))?;
    PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| cert_error(key_path, e))?;
    Ok(Some(ClientCertificate { cert_pem, key_pem }))
}

/// A client certificate chain and its private key, both PEM.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate chain.
    pub cert_pem: Vec<u8>,
    /// The private key.
    pub key_pem: Vec<u8>,
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
    fn bad_client_certificate_files_are_58() {
        let flags = |cert: &'static str, key: Option<&'static str>| TlsFlags {
            cert: Some(Path::new(cert)),
            key: key.map(Path::new),
            ..TlsFlags::default()
        };
        let err = client_certificate(&flags("/nonexistent/cert.pem", None)).unwrap_err();
        assert_eq!(err.code, SSL_CERTPROBLEM);
        // A file with no certificate in it.
        let path = std::env::temp_dir().join(format!("ahttp-nocert-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = client_certificate(&TlsFlags {
            cert: Some(&path),
            ..TlsFlags::default()
        })
        .unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert_eq!(err.code, SSL_CERTPROBLEM);
        assert_eq!(client_certificate(&TlsFlags::default()).unwrap(), None);
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
