//! The TLS mode, with a tokio-rustls client and the raw-bytes client.

mod common;

use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::TestServer;
use common::Client;
use rustls::pki_types::ServerName;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots
        .add(TlsFixtures::shared().ca_cert_der().clone())
        .unwrap();
    roots
}

/// A client trusting the fixtures' CA, offering ALPN `http/1.1`.
fn client_config() -> ClientConfig {
    let mut c = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots())
        .with_no_client_auth();
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    c
}

fn client_config_with_cert(cert: &ahttp_testserver::tls::CertKey) -> ClientConfig {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots())
        .with_client_auth_cert(vec![cert.cert_der().clone()], cert.private_key())
        .unwrap()
}

async fn connect(
    server: &TestServer,
    name: &str,
    config: ClientConfig,
) -> io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(server.addr()).await?;
    let name = ServerName::try_from(name.to_string()).unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// The rustls error inside an I/O error.
fn rustls_error(e: &io::Error) -> &rustls::Error {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .unwrap_or_else(|| panic!("not a rustls error: {e:?}"))
}

/// Waits (up to 5 s) for `f` to hold.
async fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

#[tokio::test]
async fn good_leaf_serves_the_routes() {
    let server = TestServer::start_tls(Leaf::Good);
    let port = server.addr().port();
    assert_eq!(server.url("/get"), format!("https://localhost:{port}/get"));
    assert_eq!(
        server.url_ip("get"),
        format!("https://127.0.0.1:{port}/get")
    );
    assert_eq!(
        server.tls_options(),
        Some(TlsServerOptions::leaf(Leaf::Good))
    );

    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let (_, session) = tls.get_ref();
    assert_eq!(session.alpn_protocol(), Some(&b"http/1.1"[..]));
    let presented = session.peer_certificates().unwrap();
    assert_eq!(presented.len(), 1, "the leaf alone, without the CA");
    assert_eq!(
        presented[0],
        *TlsFixtures::shared().leaf(Leaf::Good).cert_der()
    );

    let mut c = Client::new(tls);
    let r = c.request("GET", "/get?a=1", &[], b"").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["url"], "https://test.local/get?a=1");
    assert_eq!(v["args"]["a"], "1");
    assert_eq!(v["origin"], "127.0.0.1");

    // Keep-alive over TLS; absolute URLs in responses are https.
    let r = c.request("GET", "/absolute-redirect/2", &[], b"").await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("https://test.local/absolute-redirect/1")
    );
    assert_eq!(server.connections_accepted(), 1);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.connection == 1));
    let info = reqs[0].tls.clone().expect("TLS info");
    assert_eq!(info.version, "TLSv1.3");
    assert_eq!(info.sni.as_deref(), Some("localhost"));
    assert_eq!(info.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(info.client_cert, None);
    assert_eq!(server.tls_handshake_failures(), 0);
}

#[tokio::test]
async fn good_leaf_is_valid_for_ip_addresses_without_sni() {
    let server = TestServer::start_tls(Leaf::Good);
    for name in ["127.0.0.1", "::1"] {
        assert!(name.parse::<IpAddr>().is_ok());
        let tls = connect(&server, name, client_config()).await.unwrap();
        let mut c = Client::new(tls);
        assert_eq!(c.request("GET", "/get", &[], b"").await.status, 200);
        let info = server.last_request().unwrap().tls.unwrap();
        assert_eq!(info.sni, None, "no SNI for an IP address");
    }
}

#[tokio::test]
async fn tls12_works() {
    let server = TestServer::start_tls(Leaf::Good);
    let config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots())
        .with_no_client_auth();
    let tls = connect(&server, "localhost", config).await.unwrap();
    let mut c = Client::new(tls);
    assert_eq!(c.request("GET", "/get", &[], b"").await.status, 200);
    let info = server.last_request().unwrap().tls.unwrap();
    assert_eq!(info.version, "TLSv1.2");
    assert_eq!(info.alpn, None, "the client offered no ALPN");
}

#[tokio::test]
async fn bad_leaves_fail_verification() {
    type Check = fn(&CertificateError) -> bool;
    let cases: [(Leaf, Check, &str); 3] = [
        (
            Leaf::SelfSigned,
            |e| matches!(e, CertificateError::UnknownIssuer),
            "UnknownCA",
        ),
        (
            Leaf::Expired,
            |e| {
                matches!(
                    e,
                    CertificateError::Expired | CertificateError::ExpiredContext { .. }
                )
            },
            "CertificateExpired",
        ),
        (
            Leaf::WrongName,
            |e| {
                matches!(
                    e,
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            },
            "BadCertificate",
        ),
    ];
    for (leaf, check, alert) in cases {
        let server = TestServer::start_tls(leaf);
        let err = connect(&server, "localhost", client_config())
            .await
            .expect_err("verification must fail");
        match rustls_error(&err) {
            rustls::Error::InvalidCertificate(e) => {
                assert!(check(e), "{leaf:?}: unexpected {e:?}")
            }
            e => panic!("{leaf:?}: unexpected {e:?}"),
        }
        wait_for("the handshake failure", || {
            server.tls_handshake_failures() == 1
        })
        .await;
        let errors = server.tls_handshake_errors();
        assert!(errors[0].contains(alert), "{leaf:?}: server saw {errors:?}");
        assert_eq!(server.connections_accepted(), 1);
        assert!(server.requests().is_empty());
    }
}

#[tokio::test]
async fn plain_http_to_a_tls_server_fails_the_handshake() {
    let server = TestServer::start_tls(Leaf::Good);
    let mut c = Client::connect(server.addr()).await;
    c.send(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let _ = c.read_to_end().await;
    wait_for("the handshake failure", || {
        server.tls_handshake_failures() == 1
    })
    .await;
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn client_certificate_required() {
    let fx = TlsFixtures::shared();
    let server = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good).require_client_cert(true))
        .start();

    // Without a certificate. In TLS 1.3 the client's side of the handshake
    // is over before the server has looked at its (missing) certificate, so
    // the failure may only show on the first read.
    let failed = match connect(&server, "localhost", client_config()).await {
        Err(e) => Some(e),
        Ok(mut tls) => {
            let _ = tls.write_all(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let mut buf = [0u8; 1024];
            tls.read(&mut buf).await.err()
        }
    };
    let e = failed.expect("no client certificate must fail");
    assert!(
        matches!(
            rustls_error(&e),
            rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired)
                | rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure)
        ),
        "{e:?}"
    );
    wait_for("the handshake failure", || {
        server.tls_handshake_failures() == 1
    })
    .await;
    assert!(server.requests().is_empty());

    // A certificate from another CA.
    let other = client_config_with_cert(fx.leaf(Leaf::SelfSigned));
    if let Ok(mut tls) = connect(&server, "localhost", other).await {
        let _ = tls.write_all(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let mut buf = [0u8; 1024];
        assert!(tls.read(&mut buf).await.is_err());
    }
    wait_for("the second handshake failure", || {
        server.tls_handshake_failures() == 2
    })
    .await;
    assert!(server.requests().is_empty());

    // With the client certificate.
    let tls = connect(&server, "localhost", client_config_with_cert(fx.client()))
        .await
        .unwrap();
    let mut c = Client::new(tls);
    assert_eq!(c.request("GET", "/get", &[], b"").await.status, 200);
    let info = server.last_request().unwrap().tls.unwrap();
    assert_eq!(
        info.client_cert.as_deref(),
        Some(&fx.client().cert_der()[..])
    );
    assert_eq!(server.tls_handshake_failures(), 2);
}

#[tokio::test]
async fn fingerprints_match_what_the_server_presents() {
    let fx = TlsFixtures::shared();
    assert!(std::ptr::eq(fx, TlsFixtures::shared()));
    let server = TestServer::start_tls(Leaf::Good);
    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    assert_eq!(fx.sha256_der(Leaf::Good), sha256(&presented));

    let leaves = [Leaf::Good, Leaf::Expired, Leaf::WrongName, Leaf::SelfSigned];
    for leaf in leaves {
        let ck = fx.leaf(leaf);
        assert_eq!(fx.sha256_der(leaf), sha256(ck.cert_der()));
        assert_eq!(fx.sha256_spki(leaf), sha256(ck.spki_der()));
        // The SubjectPublicKeyInfo sits verbatim in the certificate.
        let spki = ck.spki_der();
        assert_eq!(spki[0], 0x30, "a SEQUENCE");
        assert!(ck.cert_der().windows(spki.len()).any(|w| w == spki));
        assert!(fx.pin_sha256(leaf).starts_with("sha256//"));
        assert_eq!(fx.pin_sha256(leaf).len(), "sha256//".len() + 44);
    }
    let mut fps: Vec<_> = leaves.iter().map(|&l| fx.sha256_spki(l)).collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 4, "every leaf has its own key");
}

/// The SPKI hash is the one `openssl x509 -pubkey | openssl pkey -pubin
/// -outform der | sha256sum` gives (skipped without openssl).
#[test]
fn spki_hash_matches_openssl() {
    use std::process::{Command, Stdio};
    let fx = TlsFixtures::shared();
    let run = |args: &[&str], input: &[u8]| -> Option<Vec<u8>> {
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        std::io::Write::write_all(&mut child.stdin.take()?, input).ok()?;
        let out = child.wait_with_output().ok()?;
        out.status.success().then_some(out.stdout)
    };
    let pem = fx.leaf(Leaf::Good).cert_pem().as_bytes();
    let Some(pubkey) = run(&["x509", "-pubkey", "-noout"], pem) else {
        eprintln!("no openssl; skipped");
        return;
    };
    let der = run(&["pkey", "-pubin", "-outform", "der"], &pubkey).expect("openssl pkey");
    assert_eq!(der, fx.leaf(Leaf::Good).spki_der());
    assert_eq!(sha256(&der), fx.sha256_spki(Leaf::Good));
}

#[tokio::test]
async fn close_notify_is_counted() {
    let server = TestServer::start_tls(Leaf::Good);

    // The client closes an idle connection cleanly.
    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let mut c = Client::new(tls);
    assert_eq!(c.request("GET", "/get", &[], b"").await.status, 200);
    c.stream.shutdown().await.unwrap(); // close_notify, then FIN
    wait_for("close_notify", || server.tls_close_notify_received() == 1).await;
    assert_eq!(server.tls_eof_without_close_notify(), 0);
    drop(c);

    // The client drops the TCP connection without close_notify.
    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let mut c = Client::new(tls);
    assert_eq!(c.request("GET", "/get", &[], b"").await.status, 200);
    let (tcp, _) = c.stream.into_inner();
    drop(tcp);
    wait_for("the unclean close", || {
        server.tls_eof_without_close_notify() == 1
    })
    .await;
    assert_eq!(server.tls_close_notify_received(), 1);

    // The server closes first (Connection: close), sending close_notify;
    // the client answers with its own.
    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let mut c = Client::new(tls);
    let r = c.request("GET", "/no-keep-alive", &[], b"").await;
    assert_eq!(r.header("connection"), Some("close"));
    let rest = c.read_to_end().await.expect("a clean EOF: close_notify");
    assert!(rest.is_empty());
    c.stream.shutdown().await.unwrap();
    wait_for("the second close_notify", || {
        server.tls_close_notify_received() == 2
    })
    .await;
    assert_eq!(server.tls_eof_without_close_notify(), 1);
    assert_eq!(server.connections_accepted(), 3);
}

#[tokio::test]
async fn cut_body_ends_without_close_notify() {
    let server = TestServer::start_tls(Leaf::Good);
    let tls = connect(&server, "localhost", client_config())
        .await
        .unwrap();
    let mut c = Client::new(tls);
    c.send(b"GET /close-mid-body HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let head = c.read_head().await.unwrap();
    assert_eq!(head.status, 200);
    let err = c.read_to_end().await.expect_err("truncated");
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err:?}");
}
