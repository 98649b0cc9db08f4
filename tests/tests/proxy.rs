//! Proxies, on the three runtimes: tinyproxy (Debian's package, started
//! here with a generated config) for plain http through the proxy, https
//! through CONNECT and Basic proxy auth; proxies written here for what
//! tinyproxy can't produce (a refused CONNECT, a dropped connection, and
//! recording what the proxy is sent).

#[macro_use]
mod common;

use ahttp::{ClientSession, ErrorKind, Proxy, Runtime, TcpConnector};
use ahttp_testserver::tinyproxy::Tinyproxy;
use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::{RawServer, TestServer};
use std::sync::{Arc, Mutex};

on_every_runtime!(
    plain_http_through_tinyproxy,
    https_through_tinyproxy_connect,
    tinyproxy_basic_auth,
    refused_connect_is_a_typed_error,
    dropped_and_unreachable_proxies,
    session_authorization_never_goes_to_the_proxy,
    https_proxy_for_http_and_https_targets,
);

/// trust_env: HTTP_PROXY, NO_PROXY and NETRC from the environment. One test
/// runs the three runtimes in turn: the environment is process-wide, so
/// this test is the only one that sets it.
#[test]
fn trust_env_reads_proxies_no_proxy_and_netrc() {
    let Some(tinyproxy) = Tinyproxy::start(Some(("proxyuser", "proxypass"))) else {
        return;
    };
    let server = TestServer::start();
    let dir = std::env::temp_dir().join(format!("ahttp-netrc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let netrc = dir.join("netrc");
    let empty = dir.join("empty");
    std::fs::write(
        &netrc,
        "machine 127.0.0.1 login proxyuser password proxypass\n",
    )
    .unwrap();
    std::fs::write(&empty, "").unwrap();
    std::env::set_var("HTTP_PROXY", tinyproxy.url());
    std::env::set_var("NO_PROXY", "localhost,.internal.example");
    let local_url = server.url("/get").replace("127.0.0.1", "localhost");
    async fn check<R: Runtime + Default>(url: &str, local_url: &str) -> (u16, u16, u16) {
        let env = ClientSession::<R>::builder().trust_env(true).build();
        let through_proxy = env.get(url).send().await.unwrap().status().as_u16();
        let bypassed = env.get(local_url).send().await.unwrap().status().as_u16();
        let plain = ClientSession::<R>::new()
            .get(url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (through_proxy, bypassed, plain)
    }
    let url = server.url("/get");
    for (netrc_file, want) in [(&netrc, (200, 200, 200)), (&empty, (407, 200, 200))] {
        std::env::set_var("NETRC", netrc_file);
        let tokio_rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(
            tokio_rt.block_on(check::<ahttp_tokio::TokioRuntime>(&url, &local_url)),
            want,
            "tokio"
        );
        assert_eq!(
            async_std::task::block_on(check::<ahttp_async_std::AsyncStdRuntime>(&url, &local_url)),
            want,
            "async-std"
        );
        assert_eq!(
            smol::block_on(check::<ahttp_smol::SmolRuntime>(&url, &local_url)),
            want,
            "smol"
        );
    }

    // A WebSocket handshake takes WS_PROXY, not HTTP_PROXY (as aiohttp):
    // an unreachable WS_PROXY fails it, tinyproxy carries it (CONNECT,
    // credentials from .netrc).
    std::env::set_var("NETRC", &netrc);
    let ws_server = ahttp_testserver::serve_connections(|stream| async move {
        use futures_util::{SinkExt, StreamExt};
        if let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await {
            while let Some(Ok(message)) = ws.next().await {
                if message.is_text() && ws.send(message).await.is_err() {
                    break;
                }
            }
        }
    });
    let ws_url = format!("ws://{ws_server}/");
    async fn ws_echo<R: Runtime + Default>(url: &str) -> Result<String, ErrorKind> {
        let env = ClientSession::<R>::builder().trust_env(true).build();
        let ws = env
            .ws_connect(url)
            .connect()
            .await
            .map_err(|e| e.kind().clone())?;
        ws.send_str("via WS_PROXY")
            .await
            .map_err(|e| e.kind().clone())?;
        ws.receive_str().await.map_err(|e| e.kind().clone())
    }
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    std::env::set_var("WS_PROXY", format!("http://127.0.0.1:{dead}"));
    let refused = tokio_rt.block_on(ws_echo::<ahttp_tokio::TokioRuntime>(&ws_url));
    assert!(
        matches!(refused, Err(ErrorKind::ProxyConnection { .. })),
        "{refused:?}"
    );
    std::env::set_var("WS_PROXY", tinyproxy.url());
    assert_eq!(
        tokio_rt.block_on(ws_echo::<ahttp_tokio::TokioRuntime>(&ws_url)),
        Ok("via WS_PROXY".to_owned())
    );
    assert_eq!(
        smol::block_on(ws_echo::<ahttp_smol::SmolRuntime>(&ws_url)),
        Ok("via WS_PROXY".to_owned())
    );
    assert_eq!(
        async_std::task::block_on(ws_echo::<ahttp_async_std::AsyncStdRuntime>(&ws_url)),
        Ok("via WS_PROXY".to_owned())
    );
    std::env::remove_var("WS_PROXY");
}

fn trusting<R: Runtime + Default>() -> ClientSession<R> {
    let ca = TlsFixtures::shared().ca_cert_pem().as_bytes().to_vec();
    let connector = TcpConnector::builder(R::default()).add_ca_pem(&ca).build();
    ClientSession::<R>::builder().connector(connector).build()
}

async fn plain_http_through_tinyproxy<R: Runtime + Default>() {
    let Some(tinyproxy) = Tinyproxy::start(None) else {
        return;
    };
    let server = TestServer::start();
    let s = ClientSession::<R>::new();
    let proxy = Proxy::new(&tinyproxy.url())
        .unwrap()
        .header("X-Proxy-Team", "blue");
    for _ in 0..2 {
        let mut resp = s
            .get(server.url("/get?via=proxy"))
            .proxy(proxy.clone())
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["args"]["via"], "proxy");
    }
    // proxy_headers go with plain-http requests too (aiohttp#4422): the
    // proxy passes the custom one on.
    let seen = server.last_request().unwrap();
    assert_eq!(seen.header("x-proxy-team"), Some("blue"));
    // Without the proxy the same URL works directly.
    assert_eq!(
        s.get(server.url("/get")).send().await.unwrap().status(),
        200
    );
}

async fn https_through_tinyproxy_connect<R: Runtime + Default>() {
    let Some(tinyproxy) = Tinyproxy::start(None) else {
        return;
    };
    let server = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good))
        .start();
    let s = trusting::<R>();
    let proxy = Proxy::new(&tinyproxy.url()).unwrap();
    for _ in 0..2 {
        let mut resp = s
            .get(server.url("/get"))
            .proxy(proxy.clone())
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["method"], "GET");
    }
    assert_eq!(server.connections_accepted(), 1, "one tunnel, kept alive");
    assert!(server.last_request().unwrap().tls.is_some());
}

async fn tinyproxy_basic_auth<R: Runtime + Default>() {
    let Some(tinyproxy) = Tinyproxy::start(Some(("proxyuser", "proxypass"))) else {
        return;
    };
    let plain = TestServer::start();
    let tls = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good))
        .start();
    let s = trusting::<R>();
    let no_auth = Proxy::new(&tinyproxy.url()).unwrap();
    // Plain http: the proxy's 407 is the response.
    let resp = s
        .get(plain.url("/get"))
        .proxy(no_auth.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 407);
    // https: a refused CONNECT is a typed error carrying the status.
    let err = s
        .get(tls.url("/get"))
        .proxy(no_auth)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::HttpProxy { status: 407 });
    // Credentials in the proxy URL, or given as auth.
    let in_url = Proxy::new(
        &tinyproxy
            .url()
            .replace("http://", "http://proxyuser:proxypass@"),
    )
    .unwrap();
    assert_eq!(
        s.get(plain.url("/get"))
            .proxy(in_url.clone())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.get(tls.url("/get"))
            .proxy(in_url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let with_auth = Proxy::new(&tinyproxy.url())
        .unwrap()
        .auth(ahttp::BasicAuth::new("proxyuser", "proxypass").unwrap());
    assert_eq!(
        s.get(tls.url("/get"))
            .proxy(with_auth)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// A proxy that records each request head it gets and answers 407.
fn recording_407_proxy() -> (RawServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = RawServer::start_fn(move |mut conn| {
        let record = record.clone();
        async move {
            while let Ok(Some(head)) = conn.read_request().await {
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let answer = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n";
                if conn.write_all(answer).await.is_err() {
                    return;
                }
            }
        }
    });
    (server, seen)
}

async fn refused_connect_is_a_typed_error<R: Runtime + Default>() {
    let (proxy_server, seen) = recording_407_proxy();
    let s = ClientSession::<R>::new();
    let proxy = Proxy::new(&format!("http://{}", proxy_server.addr())).unwrap();
    let err = s
        .get("https://secure.example:8443/x")
        .proxy(proxy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::HttpProxy { status: 407 });
    let parts = err.response().expect("the CONNECT answer is kept");
    assert_eq!(parts.headers["proxy-authenticate"], "Basic realm=\"p\"");
    let head = seen.lock().unwrap()[0].clone();
    assert!(
        head.starts_with("CONNECT secure.example:8443 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("Host: secure.example:8443\r\n"), "{head}");
}

async fn dropped_and_unreachable_proxies<R: Runtime + Default>() {
    let s = ClientSession::<R>::new();
    let dropping = RawServer::start(ahttp_testserver::RawBehaviour::CloseImmediately);
    let proxy = Proxy::new(&format!("http://{}", dropping.addr())).unwrap();
    let err = s
        .get("https://secure.example/")
        .proxy(proxy)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ProxyConnection { .. }),
        "{err:?}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = Proxy::new(&format!("http://{closed}")).unwrap();
    let err = s
        .get("http://example.invalid/")
        .proxy(proxy)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ProxyConnection { .. }),
        "{err:?}"
    );
    assert!(err.is_connect());
    assert!(Proxy::new("ftp://proxy:21").is_err());
}

async fn session_authorization_never_goes_to_the_proxy<R: Runtime + Default>() {
    let (proxy_server, seen) = recording_407_proxy();
    let s = ClientSession::<R>::builder()
        .header("Authorization", "Bearer secret-token")
        .build();
    let proxy = Proxy::new(&format!("http://{}", proxy_server.addr()))
        .unwrap()
        .header("X-Team", "t");
    let _ = s.get("https://secure.example/").proxy(proxy).send().await;
    let head = seen.lock().unwrap()[0].clone();
    assert!(
        !head.contains("secret-token"),
        "the session's Authorization leaked to the proxy: {head}"
    );
    assert!(
        head.contains("X-Team: t\r\n"),
        "proxy headers are sent on CONNECT: {head}"
    );
}

/// An https:// proxy: TLS to the proxy (the good leaf, for localhost), then
/// CONNECT tunnels or absolute-form requests forwarded as they are.
fn https_proxy() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let fixtures = TlsFixtures::shared();
            let leaf = fixtures.leaf(Leaf::Good);
            let config = rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert_der().clone()], leaf.private_key())
            .unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if tls.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let target = text.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let authority = match target.strip_prefix("http://") {
                        Some(rest) => rest.split('/').next().unwrap_or("").to_owned(),
                        None => target.clone(),
                    };
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(authority.as_str()).await
                    else {
                        return;
                    };
                    if text.starts_with("CONNECT ") {
                        if tls
                            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                            .await
                            .is_err()
                        {
                            return;
                        }
                    } else if upstream.write_all(&head).await.is_err() {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
    });
    port
}

async fn https_proxy_for_http_and_https_targets<R: Runtime + Default>() {
    let port = https_proxy();
    let plain = TestServer::start();
    let secure = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good))
        .start();
    let s = trusting::<R>();
    let proxy = Proxy::new(&format!("https://localhost:{port}")).unwrap();
    // Plain http through TLS to the proxy, in absolute form.
    let mut resp = s
        .get(plain.url("/get?via=https-proxy"))
        .proxy(proxy.clone())
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(doc["args"]["via"], "https-proxy");
    assert!(
        plain.last_request().unwrap().target.starts_with("http://"),
        "absolute form reached the server"
    );
    // https through a CONNECT tunnel inside TLS to the proxy: TLS in TLS.
    for _ in 0..2 {
        let mut resp = s
            .get(secure.url("/get"))
            .proxy(proxy.clone())
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["method"], "GET");
    }
    assert!(secure.last_request().unwrap().tls.is_some());
    assert_eq!(secure.connections_accepted(), 1, "the tunnel is kept alive");
}
