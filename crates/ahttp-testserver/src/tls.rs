//! Certificates for TLS tests, made at run time with rcgen, and the options
//! of a TLS [`TestServer`](crate::TestServer).
//!
//! [`TlsFixtures::shared`] generates them once per process (ECDSA P-256
//! keys): a CA, leaves for the server (see [`Leaf`]), and a separate
//! client-auth CA with one client certificate.
//!
//! ```
//! use ahttp_testserver::tls::{Leaf, TlsFixtures};
//!
//! let fx = TlsFixtures::shared();
//! assert!(fx.ca().cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! let pin = fx.sha256_spki(Leaf::Good); // what curl's --pinnedpubkey hashes
//! assert_eq!(pin.len(), 32);
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PublicKeyData,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

/// Which certificate a TLS server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Leaf {
    /// Signed by the CA; SANs `DNS:localhost`, `IP:127.0.0.1`, `IP:::1`;
    /// valid from 1975 to 4096.
    #[default]
    Good,
    /// Signed by the CA, same SANs, valid only during the year 2000.
    Expired,
    /// Signed by the CA, SAN `DNS:other.example` only.
    WrongName,
    /// Not signed by the CA: self-signed (and not a CA), SANs
    /// `DNS:localhost`, `IP:127.0.0.1`, `IP:::1`.
    SelfSigned,
}

/// A certificate with its private key (ECDSA P-256), in PEM and DER.
#[derive(Clone)]
pub struct CertKey {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_pem: String,
    key_der: Vec<u8>,
    spki_der: Vec<u8>,
}

impl fmt::Debug for CertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertKey")
            .field("sha256_der", &hex(&self.sha256_der()))
            .finish_non_exhaustive()
    }
}

impl CertKey {
    fn new(cert: &rcgen::Certificate, key: &KeyPair) -> CertKey {
        CertKey {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
            spki_der: key.subject_public_key_info(),
        }
    }

    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The certificate, DER (derefs to `[u8]`).
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The private key, PKCS#8 DER.
    pub fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    /// The private key as rustls takes it.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }

    /// The certificate's SubjectPublicKeyInfo, DER (the whole structure:
    /// AlgorithmIdentifier and the BIT STRING), as in `openssl x509 -pubkey
    /// | openssl pkey -pubin -outform der`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// SHA-256 of the certificate DER (its fingerprint).
    pub fn sha256_der(&self) -> [u8; 32] {
        Sha256::digest(&self.cert_der[..]).into()
    }

    /// SHA-256 of the SubjectPublicKeyInfo DER (what public key pinning
    /// hashes).
    pub fn sha256_spki(&self) -> [u8; 32] {
        Sha256::digest(&self.spki_der).into()
    }
}

/// The certificates TLS servers use; see the [module docs](self).
#[derive(Debug)]
pub struct TlsFixtures {
    ca: CertKey,
    good: CertKey,
    expired: CertKey,
    wrong_name: CertKey,
    self_signed: CertKey,
    client_ca: CertKey,
    client: CertKey,
}

impl TlsFixtures {
    /// The fixtures of this process, generated on first use; every TLS
    /// [`TestServer`](crate::TestServer) serves these.
    pub fn shared() -> &'static TlsFixtures {
        static FIXTURES: OnceLock<TlsFixtures> = OnceLock::new();
        FIXTURES.get_or_init(TlsFixtures::generate)
    }

    fn generate() -> TlsFixtures {
        let (ca, ca_issuer) = make_ca("ahttp-testserver CA");
        let (client_ca, client_issuer) = make_ca("ahttp-testserver client CA");
        let all_local = ["localhost", "127.0.0.1", "::1"];

        let good = leaf_params("localhost", &all_local, ExtendedKeyUsagePurpose::ServerAuth);
        let mut expired = leaf_params(
            "localhost (expired)",
            &all_local,
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        expired.not_before = rcgen::date_time_ymd(2000, 1, 1);
        expired.not_after = rcgen::date_time_ymd(2001, 1, 1);
        let wrong_name = leaf_params(
            "other.example",
            &["other.example"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let self_signed = leaf_params(
            "localhost (self-signed)",
            &all_local,
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let client = leaf_params(
            "ahttp-test-client",
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        );

        let signed = |params: CertificateParams, issuer: &CertifiedIssuer<'static, KeyPair>| {
            let key = new_key();
            let cert = params
                .signed_by(&key, issuer)
                .unwrap_or_else(|e| panic!("ahttp-testserver: signing a certificate: {e}"));
            CertKey::new(&cert, &key)
        };
        let self_signed = {
            let key = new_key();
            let cert = self_signed
                .self_signed(&key)
                .unwrap_or_else(|e| panic!("ahttp-testserver: self-signing: {e}"));
            CertKey::new(&cert, &key)
        };
        TlsFixtures {
            good: signed(good, &ca_issuer),
            expired: signed(expired, &ca_issuer),
            wrong_name: signed(wrong_name, &ca_issuer),
            self_signed,
            client: signed(client, &client_issuer),
            ca,
            client_ca,
        }
    }

    /// The CA (self-signed, `CA:TRUE`) that signs the server leaves other
    /// than [`Leaf::SelfSigned`]. Trust this one in clients.
    pub fn ca(&self) -> &CertKey {
        &self.ca
    }

    /// The CA certificate, PEM.
    pub fn ca_cert_pem(&self) -> &str {
        self.ca.cert_pem()
    }

    /// The CA certificate, DER.
    pub fn ca_cert_der(&self) -> &CertificateDer<'static> {
        self.ca.cert_der()
    }

    /// A server leaf certificate and its key.
    pub fn leaf(&self, leaf: Leaf) -> &CertKey {
        match leaf {
            Leaf::Good => &self.good,
            Leaf::Expired => &self.expired,
            Leaf::WrongName => &self.wrong_name,
            Leaf::SelfSigned => &self.self_signed,
        }
    }

    /// SHA-256 of the leaf certificate's DER.
    pub fn sha256_der(&self, leaf: Leaf) -> [u8; 32] {
        self.leaf(leaf).sha256_der()
    }

    /// SHA-256 of the leaf's SubjectPublicKeyInfo DER, as curl's
    /// `--pinnedpubkey` hashes it.
    pub fn sha256_spki(&self, leaf: Leaf) -> [u8; 32] {
        self.leaf(leaf).sha256_spki()
    }

    /// curl's pin string for the leaf: `sha256//` and the base64 of
    /// [`sha256_spki`](Self::sha256_spki).
    pub fn pin_sha256(&self, leaf: Leaf) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.sha256_spki(leaf));
        format!("sha256//{b64}")
    }

    /// The CA that servers with
    /// [`require_client_cert`](TlsServerOptions::require_client_cert) trust
    /// for client certificates (distinct from [`ca`](Self::ca)).
    pub fn client_ca(&self) -> &CertKey {
        &self.client_ca
    }

    /// The client certificate (CN `ahttp-test-client`, extended key usage
    /// clientAuth, no SANs) signed by [`client_ca`](Self::client_ca), and
    /// its key.
    pub fn client(&self) -> &CertKey {
        &self.client
    }
}

/// How a TLS [`TestServer`](crate::TestServer) is set up; see
/// [`TestServerBuilder::tls`](crate::TestServerBuilder::tls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TlsServerOptions {
    /// The certificate it presents (alone, without the CA).
    pub leaf: Leaf,
    /// Whether the handshake requires a client certificate signed by
    /// [`TlsFixtures::client_ca`] (else none is asked for).
    pub require_client_cert: bool,
}

impl TlsServerOptions {
    /// Options presenting `leaf`, without client authentication.
    pub fn leaf(leaf: Leaf) -> TlsServerOptions {
        TlsServerOptions {
            leaf,
            require_client_cert: false,
        }
    }

    /// The same, requiring a client certificate.
    pub fn require_client_cert(mut self, on: bool) -> TlsServerOptions {
        self.require_client_cert = on;
        self
    }
}

/// The rustls server config for `options`: TLS 1.2 and 1.3, the ring
/// provider, ALPN `http/1.1`.
pub fn server_config(options: &TlsServerOptions) -> Result<rustls::ServerConfig, String> {
    let fx = TlsFixtures::shared();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if options.require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(fx.client_ca.cert_der().clone())
            .map_err(|e| e.to_string())?;
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| e.to_string())?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let leaf = fx.leaf(options.leaf);
    let mut config = builder
        .with_single_cert(vec![leaf.cert_der().clone()], leaf.private_key())
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn new_key() -> KeyPair {
    KeyPair::generate().unwrap_or_else(|e| panic!("ahttp-testserver: key generation: {e}"))
}

fn make_ca(cn: &str) -> (CertKey, CertifiedIssuer<'static, KeyPair>) {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let issuer = CertifiedIssuer::self_signed(params, new_key())
        .unwrap_or_else(|e| panic!("ahttp-testserver: making a CA: {e}"));
    let ck = CertKey {
        cert_pem: issuer.pem(),
        cert_der: issuer.der().clone(),
        key_pem: issuer.key().serialize_pem(),
        key_der: issuer.key().serialize_der(),
        spki_der: issuer.key().subject_public_key_info(),
    };
    (ck, issuer)
}

fn leaf_params(cn: &str, sans: &[&str], eku: ExtendedKeyUsagePurpose) -> CertificateParams {
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans)
        .unwrap_or_else(|e| panic!("ahttp-testserver: certificate names: {e}"));
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![eku];
    params.use_authority_key_identifier_extension = true;
    params
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
