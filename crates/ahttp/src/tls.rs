//! TLS with rustls (ring provider) over any futures-io stream: aiohttp's
//! `ssl=` option and certificate pinning.

use crate::error::{Error, ErrorKind, Result};
use crate::runtime::BoxIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// How a request's TLS is set up: aiohttp's `ssl=` values.
///
/// ```
/// use ahttp::{Fingerprint, Ssl};
///
/// let verify = Ssl::Verify; // the default: verified against the roots
/// let insecure = Ssl::NoVerify; // aiohttp's ssl=False
/// let pinned = Ssl::Fingerprint(Fingerprint::new(&[0u8; 32]).unwrap());
/// # let _ = (verify, insecure, pinned);
/// ```
#[derive(Clone, Default)]
pub enum Ssl {
    /// Verify the server against the connector's trusted roots (the
    /// webpki roots, plus any CA added to the connector).
    #[default]
    Verify,
    /// No certificate verification at all (aiohttp's `ssl=False`).
    NoVerify,
    /// A rustls client configuration of your own: the counterpart of an
    /// `SSLContext` (a CA bundle, a client certificate and key, ...).
    Config(Arc<ClientConfig>),
    /// Accept only the certificate whose DER has this SHA-256 (aiohttp's
    /// `Fingerprint`); as in aiohttp, the chain is not verified then.
    Fingerprint(Fingerprint),
    /// Verify as [`Ssl::Verify`], and also require the server's public key
    /// (the SHA-256 of its SubjectPublicKeyInfo) to be one of these: curl's
    /// `--pinnedpubkey sha256//...`.
    PinnedPublicKey(Vec<Fingerprint>),
}

impl fmt::Debug for Ssl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ssl::Verify => f.write_str("Verify"),
            Ssl::NoVerify => f.write_str("NoVerify"),
            Ssl::Config(c) => write!(f, "Config({:p})", Arc::as_ptr(c)),
            Ssl::Fingerprint(fp) => write!(f, "Fingerprint({fp})"),
            Ssl::PinnedPublicKey(pins) => write!(f, "PinnedPublicKey({pins:?})"),
        }
    }
}

impl Ssl {
    /// What distinguishes this TLS setup in the pool: connections made one
    /// way are never reused for a request that asks for another.
    pub(crate) fn pool_id(&self) -> String {
        match self {
            Ssl::Verify => "verify".to_owned(),
            Ssl::NoVerify => "noverify".to_owned(),
            Ssl::Config(c) => format!("config:{:p}", Arc::as_ptr(c)),
            Ssl::Fingerprint(fp) => format!("fp:{fp}"),
            Ssl::PinnedPublicKey(pins) => {
                let pins: Vec<String> = pins.iter().map(Fingerprint::to_string).collect();
                format!("spki:{}", pins.join(","))
            }
        }
    }
}

/// A SHA-256 certificate fingerprint (aiohttp accepts only SHA-256; MD5
/// and SHA-1 lengths are refused as it refuses them).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// A fingerprint from its 32 bytes.
    pub fn new(digest: &[u8]) -> Result<Self> {
        let bytes: [u8; 32] = digest.try_into().map_err(|_| {
            Error::new(
                ErrorKind::Builder,
                format!(
                    "a fingerprint is a 32-byte SHA-256 digest, not {} bytes",
                    digest.len()
                ),
            )
        })?;
        Ok(Fingerprint(bytes))
    }

    /// The fingerprint of a certificate's DER.
    pub fn of_certificate(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }

    /// The SHA-256 of a certificate's SubjectPublicKeyInfo, what curl's
    /// `--pinnedpubkey sha256//` pins. `None` if the certificate cannot be
    /// parsed.
    pub fn of_public_key(cert_der: &[u8]) -> Option<Self> {
        let der = CertificateDer::from(cert_der);
        let cert = webpki::EndEntityCert::try_from(&der).ok()?;
        Some(Fingerprint(
            Sha256::digest(cert.subject_public_key_info().as_ref()).into(),
        ))
    }

    /// A pin from curl's form: the base64 of the SHA-256 after `sha256//`.
    pub fn from_curl_pin(pin: &str) -> Result<Self> {
        use base64::Engine as _;
        let b64 = pin.trim().strip_prefix("sha256//").unwrap_or(pin.trim());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Builder,
                    format!("invalid public key pin {pin:?}"),
                )
                .with_source(e)
            })?;
        Fingerprint::new(&bytes)
    }

    /// The digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The connector's TLS settings: trusted roots and the default `ssl` mode.
#[derive(Clone)]
pub(crate) struct TlsSettings {
    pub default_ssl: Ssl,
    extra_roots: Vec<CertificateDer<'static>>,
    system_roots: bool,
    /// The certificate chain and key presented to servers that ask, in
    /// every mode but `Ssl::Config` (which carries its own).
    client_auth: Option<Arc<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>>,
    verify_config: Arc<OnceLock<std::result::Result<Arc<ClientConfig>, String>>>,
    noverify_config: Arc<OnceLock<std::result::Result<Arc<ClientConfig>, String>>>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            default_ssl: Ssl::Verify,
            extra_roots: Vec::new(),
            system_roots: false,
            client_auth: None,
            verify_config: Arc::new(OnceLock::new()),
            noverify_config: Arc::new(OnceLock::new()),
        }
    }
}

impl TlsSettings {
    /// Adds trusted CA certificates from PEM text.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<usize> {
        use rustls::pki_types::pem::PemObject;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert =
                cert.map_err(|e| Error::new(ErrorKind::Builder, format!("invalid CA PEM: {e}")))?;
            self.extra_roots.push(cert);
            added += 1;
        }
        if added == 0 {
            return Err(Error::new(
                ErrorKind::Builder,
                "no certificate in the CA PEM",
            ));
        }
        self.verify_config = Arc::new(OnceLock::new());
        Ok(added)
    }

    /// Presents this client certificate chain (PEM) and private key (PEM:
    /// PKCS#8, PKCS#1 or SEC1) to servers that ask for one.
    pub fn client_certificate_pem(&mut self, cert_pem: &[u8], key_pem: &[u8]) -> Result<()> {
        use rustls::pki_types::pem::PemObject;
        let bad = |what: String| Error::new(ErrorKind::Builder, what);
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("invalid client certificate PEM: {e}")))?;
        if chain.is_empty() {
            return Err(bad("no certificate in the client certificate PEM".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| bad(format!("invalid client key PEM: {e}")))?;
        // Refuse a key rustls cannot sign with now, not at the first
        // handshake.
        provider()
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| bad(format!("unusable client key: {e}")))?;
        self.client_auth = Some(Arc::new((chain, key)));
        self.verify_config = Arc::new(OnceLock::new());
        self.noverify_config = Arc::new(OnceLock::new());
        Ok(())
    }

    /// Finishes a rustls configuration with the client certificate, if
    /// one is set, and ALPN.
    fn finish(
        &self,
        builder: rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>,
    ) -> std::result::Result<Arc<ClientConfig>, String> {
        let config = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some(auth) => builder
                .with_client_auth_cert(auth.0.clone(), auth.1.clone_key())
                .map_err(|e| format!("unusable client certificate: {e}"))?,
        };
        Ok(Arc::new(with_alpn(config)))
    }

    /// Also trust the operating system's roots.
    pub fn use_system_roots(&mut self, on: bool) {
        self.system_roots = on;
        self.verify_config = Arc::new(OnceLock::new());
    }

    fn verify_config(&self) -> Result<Arc<ClientConfig>> {
        self.verify_config
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                if self.system_roots {
                    for cert in rustls_native_certs::load_native_certs().certs {
                        let _ = roots.add(cert);
                    }
                }
                for cert in &self.extra_roots {
                    roots
                        .add(cert.clone())
                        .map_err(|e| format!("invalid CA certificate: {e}"))?;
                }
                let builder = ClientConfig::builder_with_provider(provider())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(roots);
                self.finish(builder)
            })
            .clone()
            .map_err(|e| Error::new(ErrorKind::Builder, e))
    }

    fn noverify_config(&self) -> Result<Arc<ClientConfig>> {
        self.noverify_config
            .get_or_init(|| {
                let provider = provider();
                let builder = ClientConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)));
                self.finish(builder)
            })
            .clone()
            .map_err(|e| Error::new(ErrorKind::Builder, e))
    }

    /// The rustls configuration for `ssl`.
    fn config_for(&self, ssl: &Ssl) -> Result<Arc<ClientConfig>> {
        match ssl {
            Ssl::Verify | Ssl::PinnedPublicKey(_) => self.verify_config(),
            Ssl::NoVerify | Ssl::Fingerprint(_) => self.noverify_config(),
            Ssl::Config(c) => Ok(c.clone()),
        }
    }
}

fn with_alpn(mut config: ClientConfig) -> ClientConfig {
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Accepts any certificate, but still checks the handshake signatures, so
/// the connection is encrypted to whoever holds the presented key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS stream checks itself while idle by a read through TLS (the
/// default), not by peeking at the socket: a TLS 1.3 server may send a
/// session ticket after the handshake, and those bytes are TLS's business,
/// not a sign of a stale connection.
impl crate::runtime::Io for futures_rustls::client::TlsStream<BoxIo> {}

/// Runs the TLS handshake over `io` for `host` (or `server_hostname`),
/// then checks a pinned fingerprint. Errors are aiohttp's split:
/// certificate problems are [`ErrorKind::ConnectorCertificate`], other
/// handshake failures [`ErrorKind::ConnectorSsl`], a pin mismatch
/// [`ErrorKind::FingerprintMismatch`].
pub(crate) async fn handshake(
    settings: &TlsSettings,
    ssl: &Ssl,
    io: BoxIo,
    host: &str,
    port: u16,
    server_hostname: Option<&str>,
) -> Result<BoxIo> {
    let config = settings.config_for(ssl)?;
    let name = server_hostname.unwrap_or(host);
    let server_name = ServerName::try_from(name.to_owned()).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUrl,
            format!("invalid TLS server name {name:?}"),
        )
        .with_source(e)
    })?;
    let connector = futures_rustls::TlsConnector::from(config);
    let stream = connector
        .connect(server_name, io)
        .await
        .map_err(|e| tls_error(e, host, port))?;
    let leaf = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|certs| certs.first())
        .map(|der| der.as_ref().to_vec());
    if let Ssl::PinnedPublicKey(pins) = ssl {
        let got = leaf.as_deref().and_then(Fingerprint::of_public_key);
        if !got.is_some_and(|g| pins.contains(&g)) {
            let got = got.map(|g| g.to_string()).unwrap_or_default();
            let expected: Vec<String> = pins.iter().map(Fingerprint::to_string).collect();
            return Err(Error::new(
                ErrorKind::FingerprintMismatch {
                    expected: expected.join(","),
                    got: got.clone(),
                },
                format!(
                    "public key of {host}:{port} does not match the pinned key (got sha256 {got})"
                ),
            ));
        }
    }
    if let Ssl::Fingerprint(expected) = ssl {
        let got = leaf.as_deref().map(Fingerprint::of_certificate);
        if got != Some(*expected) {
            let got = got.map(|g| g.to_string()).unwrap_or_default();
            return Err(Error::new(
                ErrorKind::FingerprintMismatch {
                    expected: expected.to_string(),
                    got: got.clone(),
                },
                format!("certificate fingerprint mismatch for {host}:{port}: expected {expected}, got {got}"),
            ));
        }
    }
    Ok(Box::new(stream))
}

fn tls_error(e: std::io::Error, host: &str, port: u16) -> Error {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    let (kind, what) = match &rustls_error {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            use rustls::CertificateError as C;
            let reason = match cert {
                C::UnknownIssuer | C::BadSignature | C::BadEncoding => {
                    crate::error::CertificateReason::Untrusted
                }
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => crate::error::CertificateReason::Expired,
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    crate::error::CertificateReason::WrongName
                }
                _ => crate::error::CertificateReason::Other,
            };
            (
                ErrorKind::ConnectorCertificate {
                    host: host.to_owned(),
                    port,
                    reason,
                },
                format!("certificate verify failed for {host}:{port} ({reason:?}): {cert:?}"),
            )
        }
        _ => (
            ErrorKind::ConnectorSsl {
                host: host.to_owned(),
                port,
            },
            format!("TLS handshake with {host}:{port} failed"),
        ),
    };
    Error::new(kind, what).with_source(e)
}
