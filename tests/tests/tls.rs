//! HTTPS against a rustls server with certificates made by rcgen (a CA, a
//! good leaf, an expired one, one for another name, a self-signed one, and
//! a server that asks for a client certificate), on the three runtimes.

#[macro_use]
mod common;

use ahttp::{CertificateReason, ClientSession, ErrorKind, Fingerprint, Runtime, Ssl, TcpConnector};
use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::TestServer;
use std::sync::Arc;

on_every_runtime!(
    verified_against_a_custom_ca,
    bad_certificates_are_certificate_errors,
    no_verify_accepts_any_certificate,
    fingerprint_pinning_both_ways,
    public_key_pinning_both_ways,
    server_hostname_overrides_the_checked_name,
    client_certificates,
    ssl_mode_is_part_of_the_pool_key,
    session_close_sends_close_notify,
);

fn tls_server(leaf: Leaf) -> TestServer {
    TestServer::builder()
        .tls(TlsServerOptions::leaf(leaf))
        .start()
}

/// A session trusting the test CA.
fn trusting<R: Runtime + Default>() -> ClientSession<R> {
    let ca = TlsFixtures::shared().ca_cert_pem().as_bytes().to_vec();
    let connector = TcpConnector::builder(R::default()).add_ca_pem(&ca).build();
    ClientSession::<R>::builder().connector(connector).build()
}

async fn verified_against_a_custom_ca<R: Runtime + Default>() {
    let server = tls_server(Leaf::Good);
    let s = trusting::<R>();
    for url in [
        server.url("/get"),
        server.url_ip("/get"),
        server.url("/get"),
    ] {
        let mut resp = s.get(&url).send().await.unwrap();
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["method"], "GET");
    }
    assert_eq!(
        server.connections_accepted(),
        2,
        "localhost twice on one kept-alive connection, the IP once"
    );
    // Without the CA, the webpki roots do not know the test CA.
    let plain = ClientSession::<R>::new();
    let err = plain.get(server.url("/get")).send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ConnectorCertificate { .. }),
        "{err:?}"
    );
}

async fn bad_certificates_are_certificate_errors<R: Runtime + Default>() {
    let s = trusting::<R>();
    for (leaf, want) in [
        (Leaf::Expired, CertificateReason::Expired),
        (Leaf::WrongName, CertificateReason::WrongName),
        (Leaf::SelfSigned, CertificateReason::Untrusted),
    ] {
        let server = tls_server(leaf);
        let err = s.get(server.url("/get")).send().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::ConnectorCertificate { reason, .. } if *reason == want),
            "{leaf:?}: {err:?}"
        );
        assert!(err.is_ssl() && err.is_connect());
        assert!(err.to_string().contains("certificate"), "{err}");
    }
    // A handshake that fails for another reason: TLS to a plain-HTTP server.
    let plain = TestServer::start();
    let err = s
        .get(format!("https://127.0.0.1:{}/", plain.addr().port()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ConnectorSsl { .. }),
        "{err:?}"
    );
    assert!(err.is_ssl());
    // The CA from a file works as from PEM text; a missing file is an error.
    let path = std::env::temp_dir().join(format!("ahttp-ca-{}.pem", std::process::id()));
    std::fs::write(&path, TlsFixtures::shared().ca_cert_pem()).unwrap();
    let connector = TcpConnector::builder(R::default()).ca_file(&path).build();
    let from_file = ClientSession::<R>::builder().connector(connector).build();
    let server = tls_server(Leaf::Good);
    assert_eq!(
        from_file
            .get(server.url("/get"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let connector = TcpConnector::builder(R::default())
        .ca_file("/nonexistent/ca.pem")
        .build();
    let missing = ClientSession::<R>::builder().connector(connector).build();
    let err = missing.get(server.url("/get")).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Builder);
}

async fn no_verify_accepts_any_certificate<R: Runtime + Default>() {
    let s = ClientSession::<R>::new();
    for leaf in [Leaf::Expired, Leaf::WrongName, Leaf::SelfSigned] {
        let server = tls_server(leaf);
        let resp = s
            .get(server.url("/get"))
            .ssl(Ssl::NoVerify)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{leaf:?}");
    }
}

async fn fingerprint_pinning_both_ways<R: Runtime + Default>() {
    let server = tls_server(Leaf::SelfSigned);
    let fixtures = TlsFixtures::shared();
    let s = ClientSession::<R>::new();
    let right = Fingerprint::new(&fixtures.sha256_der(Leaf::SelfSigned)).unwrap();
    let resp = s
        .get(server.url("/get"))
        .ssl(Ssl::Fingerprint(right))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let wrong = Fingerprint::new(&fixtures.sha256_der(Leaf::Good)).unwrap();
    let err = s
        .get(server.url("/get"))
        .ssl(Ssl::Fingerprint(wrong))
        .send()
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::FingerprintMismatch { expected, got } => {
            assert_eq!(expected, &wrong.to_string());
            assert_eq!(got, &right.to_string());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        Fingerprint::new(&[0u8; 20]).is_err(),
        "SHA-1 lengths are refused, as in aiohttp"
    );
}

async fn public_key_pinning_both_ways<R: Runtime + Default>() {
    let server = tls_server(Leaf::Good);
    let fixtures = TlsFixtures::shared();
    let s = trusting::<R>();
    let pin = Fingerprint::from_curl_pin(&fixtures.pin_sha256(Leaf::Good)).unwrap();
    assert_eq!(pin.as_bytes(), &fixtures.sha256_spki(Leaf::Good));
    let resp = s
        .get(server.url("/get"))
        .ssl(Ssl::PinnedPublicKey(vec![pin]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let other = Fingerprint::from_curl_pin(&fixtures.pin_sha256(Leaf::Expired)).unwrap();
    let err = s
        .get(server.url("/get"))
        .ssl(Ssl::PinnedPublicKey(vec![other]))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::FingerprintMismatch { .. }),
        "{err:?}"
    );
}

async fn server_hostname_overrides_the_checked_name<R: Runtime + Default>() {
    // The leaf is for other.example only: connecting to 127.0.0.1 while
    // naming other.example for SNI and verification succeeds.
    let server = tls_server(Leaf::WrongName);
    let s = trusting::<R>();
    let resp = s
        .get(server.url_ip("/get"))
        .server_hostname("other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let err = s.get(server.url_ip("/get")).send().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ConnectorCertificate { .. }));
}

async fn client_certificates<R: Runtime + Default>() {
    let server = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good).require_client_cert(true))
        .start();
    let fixtures = TlsFixtures::shared();
    let s = trusting::<R>();
    // Without a certificate the server refuses (after the handshake, in
    // TLS 1.3): an error, whatever its exact kind.
    let refused = match s.get(server.url("/get")).send().await {
        Ok(mut resp) => resp.read().await.is_err(),
        Err(_) => true,
    };
    assert!(refused);
    // With one, through a rustls ClientConfig (aiohttp's SSLContext).
    let mut roots = ahttp::rustls::RootCertStore::empty();
    roots.add(fixtures.ca_cert_der().clone()).unwrap();
    let config = ahttp::rustls::ClientConfig::builder_with_provider(Arc::new(
        ahttp::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(
        vec![fixtures.client().cert_der().clone()],
        fixtures.client().private_key(),
    )
    .unwrap();
    let mut resp = s
        .get(server.url("/get"))
        .ssl(Ssl::Config(Arc::new(config)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.read().await.unwrap();
    // With one on the connector, in every ssl mode: verified against the
    // test CA, not verified (curl's -k --cert), and public-key pinned.
    let client = fixtures.client();
    let connector = TcpConnector::builder(R::default())
        .add_ca_pem(fixtures.ca_cert_pem().as_bytes())
        .client_certificate_pem(client.cert_pem().as_bytes(), client.key_pem().as_bytes())
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let pin = Fingerprint::from_curl_pin(&fixtures.pin_sha256(Leaf::Good)).unwrap();
    for ssl in [Ssl::Verify, Ssl::NoVerify, Ssl::PinnedPublicKey(vec![pin])] {
        let mut resp = s.get(server.url("/get")).ssl(ssl).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.read().await.unwrap();
    }
    // A key that is not PEM is refused when the request is made.
    let connector = TcpConnector::builder(R::default())
        .client_certificate_pem(client.cert_pem().as_bytes(), b"not a key")
        .build();
    let e = ClientSession::<R>::builder()
        .connector(connector)
        .build()
        .get(server.url("/get"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Builder);
}

async fn ssl_mode_is_part_of_the_pool_key<R: Runtime + Default>() {
    let server = tls_server(Leaf::Good);
    let s = trusting::<R>();
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    s.get(server.url("/get"))
        .ssl(Ssl::NoVerify)
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    s.get(server.url("/get"))
        .ssl(Ssl::NoVerify)
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(
        server.connections_accepted(),
        2,
        "one connection per ssl mode, each reused"
    );
}

async fn session_close_sends_close_notify<R: Runtime + Default>() {
    let server = tls_server(Leaf::Good);
    let s = trusting::<R>();
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    s.close().await;
    // The server sees the alert shortly after.
    for _ in 0..50 {
        if server.tls_close_notify_received() > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(server.tls_close_notify_received(), 1);
}
