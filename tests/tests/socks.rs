//! SOCKS proxies (aiohttp lacks them, aiohttp#54) on the three runtimes,
//! through a SOCKS4a/SOCKS5 server written here: socks5h and socks4a let
//! the proxy resolve, socks5 resolves locally, username/password auth,
//! https inside the tunnel, and refusals as typed errors.

#[macro_use]
mod common;

use ahttp::{ClientSession, ErrorKind, Proxy, Runtime, TcpConnector};
use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::TestServer;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};

on_every_runtime!(
    socks5h_and_socks4a_let_the_proxy_resolve,
    socks5_resolves_locally,
    socks5_username_password,
    https_inside_a_socks_tunnel,
    refusals_are_typed_errors,
    websocket_through_a_socks_tunnel,
);

/// What the SOCKS server was asked to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asked {
    Name(String),
    Addr(std::net::IpAddr),
}

/// A SOCKS4a + SOCKS5 server on 127.0.0.1 (threads, blocking IO).
struct Socks {
    port: u16,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl Socks {
    fn start(credentials: Option<(&'static str, &'static str)>) -> Socks {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let record = asked.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = record.clone();
                std::thread::spawn(move || {
                    let _ = serve(client, credentials, &record);
                });
            }
        });
        Socks { port, asked }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

fn read_n(s: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_cstr(s: &mut TcpStream) -> std::io::Result<String> {
    let mut out = Vec::new();
    loop {
        let b = read_n(s, 1)?[0];
        if b == 0 {
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        out.push(b);
    }
}

fn serve(
    mut c: TcpStream,
    credentials: Option<(&str, &str)>,
    record: &Mutex<Vec<Asked>>,
) -> std::io::Result<()> {
    let version = read_n(&mut c, 1)?[0];
    let (asked, port) = if version == 4 {
        let head = read_n(&mut c, 7)?; // cmd, port(2), ip(4)
        let port = u16::from_be_bytes([head[1], head[2]]);
        let _user = read_cstr(&mut c)?;
        let ip = [head[3], head[4], head[5], head[6]];
        let asked = if ip[..3] == [0, 0, 0] && ip[3] != 0 {
            Asked::Name(read_cstr(&mut c)?)
        } else {
            Asked::Addr(std::net::IpAddr::from(ip))
        };
        (asked, port)
    } else {
        let n = read_n(&mut c, 1)?[0];
        let methods = read_n(&mut c, usize::from(n))?;
        let method = match credentials {
            Some(_) if methods.contains(&2) => 2,
            Some(_) => 0xff,
            None => 0,
        };
        c.write_all(&[5, method])?;
        if method == 0xff {
            return Ok(());
        }
        if method == 2 {
            let _ver = read_n(&mut c, 1)?;
            let ulen = read_n(&mut c, 1)?[0];
            let user = read_n(&mut c, usize::from(ulen))?;
            let plen = read_n(&mut c, 1)?[0];
            let pass = read_n(&mut c, usize::from(plen))?;
            let ok = credentials.is_some_and(|(u, p)| u.as_bytes() == user && p.as_bytes() == pass);
            c.write_all(&[1, if ok { 0 } else { 1 }])?;
            if !ok {
                return Ok(());
            }
        }
        let head = read_n(&mut c, 4)?;
        let asked = match head[3] {
            1 => Asked::Addr(std::net::IpAddr::from(
                <[u8; 4]>::try_from(read_n(&mut c, 4)?).unwrap(),
            )),
            4 => Asked::Addr(std::net::IpAddr::from(
                <[u8; 16]>::try_from(read_n(&mut c, 16)?).unwrap(),
            )),
            _ => {
                let len = read_n(&mut c, 1)?[0];
                Asked::Name(
                    String::from_utf8_lossy(&read_n(&mut c, usize::from(len))?).into_owned(),
                )
            }
        };
        let port = read_n(&mut c, 2)?;
        (asked, u16::from_be_bytes([port[0], port[1]]))
    };
    record.lock().unwrap().push(asked.clone());
    let target = match &asked {
        Asked::Name(n) => format!("{n}:{port}"),
        Asked::Addr(a) => std::net::SocketAddr::new(*a, port).to_string(),
    };
    let upstream = target
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.find(|a| a.is_ipv4()))
        .and_then(|a| TcpStream::connect(a).ok());
    let Some(upstream) = upstream else {
        // Refused: SOCKS5 reply 5, SOCKS4 reply 0x5b.
        if version == 4 {
            c.write_all(&[0, 0x5b, 0, 0, 0, 0, 0, 0])?;
        } else {
            c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])?;
        }
        return Ok(());
    };
    if version == 4 {
        c.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0])?;
    } else {
        c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    }
    let (mut a, mut b) = (c.try_clone()?, upstream.try_clone()?);
    let (mut c2, mut u2) = (c, upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut a, &mut u2);
        let _ = u2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut b, &mut c2);
    let _ = c2.shutdown(std::net::Shutdown::Write);
    Ok(())
}

async fn get_through<R: Runtime + Default>(proxy: &str, url: &str) -> ahttp::Result<u16> {
    let s = ClientSession::<R>::new();
    let mut resp = s.get(url).proxy(Proxy::new(proxy)?).send().await?;
    resp.read().await?;
    Ok(resp.status().as_u16())
}

async fn socks5h_and_socks4a_let_the_proxy_resolve<R: Runtime + Default>() {
    let server = TestServer::start();
    let url = format!("http://localhost:{}/get", server.addr().port());
    for scheme in ["socks5h", "socks4a"] {
        let socks = Socks::start(None);
        assert_eq!(
            get_through::<R>(&socks.url(scheme), &url).await.unwrap(),
            200,
            "{scheme}"
        );
        assert_eq!(socks.asked(), [Asked::Name("localhost".into())], "{scheme}");
    }
    // The request went in origin form, not absolute form as to HTTP proxies.
    assert_eq!(server.last_request().unwrap().target, "/get");
}

async fn socks5_resolves_locally<R: Runtime + Default>() {
    let server = TestServer::start();
    let socks = Socks::start(None);
    let url = format!("http://localhost:{}/get", server.addr().port());
    assert_eq!(
        get_through::<R>(&socks.url("socks5"), &url).await.unwrap(),
        200
    );
    assert!(
        matches!(socks.asked()[..], [Asked::Addr(_)]),
        "{:?}",
        socks.asked()
    );
}

async fn socks5_username_password<R: Runtime + Default>() {
    let server = TestServer::start();
    let socks = Socks::start(Some(("sockuser", "sockpass")));
    let url = server.url("/get");
    let with = socks.url("socks5h").replace("://", "://sockuser:sockpass@");
    assert_eq!(get_through::<R>(&with, &url).await.unwrap(), 200);
    let wrong = socks.url("socks5h").replace("://", "://sockuser:nope@");
    let err = get_through::<R>(&wrong, &url).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocksProxy { code: 1 });
    let none = socks.url("socks5h");
    let err = get_through::<R>(&none, &url).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocksProxy { code: 0xff });
}

async fn https_inside_a_socks_tunnel<R: Runtime + Default>() {
    let server = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good))
        .start();
    let socks = Socks::start(None);
    let ca = TlsFixtures::shared().ca_cert_pem().as_bytes().to_vec();
    let connector = TcpConnector::builder(R::default()).add_ca_pem(&ca).build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let proxy = Proxy::new(&socks.url("socks5h")).unwrap();
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
    assert_eq!(socks.asked().len(), 1, "one tunnel, kept alive");
}

/// A WebSocket text echo (tokio-tungstenite) on an accepted stream.
async fn echo_text<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures_util::{SinkExt, StreamExt};
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        if message.is_text() && ws.send(message).await.is_err() {
            break;
        }
    }
}

/// Sends `text` through a WebSocket to `url` via a fresh socks5h proxy,
/// expects it back, and returns what the proxy was asked to reach.
async fn echo_through_socks<R: Runtime + Default>(
    session: &ClientSession<R>,
    url: String,
    text: &str,
) -> Vec<Asked> {
    let socks = Socks::start(None);
    let ws = session
        .ws_connect(url)
        .proxy(Proxy::new(&socks.url("socks5h")).unwrap())
        .connect()
        .await
        .unwrap();
    ws.send_str(text).await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), text);
    ws.close(1000, "").await.unwrap();
    socks.asked()
}

async fn websocket_through_a_socks_tunnel<R: Runtime + Default>() {
    // ws: reached by name through socks5h.
    let addr = ahttp_testserver::serve_connections(echo_text);
    let asked = echo_through_socks(
        &ClientSession::<R>::new(),
        format!("ws://localhost:{}/", addr.port()),
        "through socks",
    )
    .await;
    assert_eq!(asked, [Asked::Name("localhost".into())]);

    // wss: TLS to the server inside the tunnel.
    let config = ahttp_testserver::tls::server_config(&TlsServerOptions::leaf(Leaf::Good)).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let tls_addr = ahttp_testserver::serve_connections(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            if let Ok(stream) = acceptor.accept(stream).await {
                echo_text(stream).await
            }
        }
    });
    let ca = TlsFixtures::shared().ca_cert_pem().as_bytes().to_vec();
    let connector = TcpConnector::builder(R::default()).add_ca_pem(&ca).build();
    let session = ClientSession::<R>::builder().connector(connector).build();
    let asked = echo_through_socks(
        &session,
        format!("wss://localhost:{}/", tls_addr.port()),
        "tls through socks",
    )
    .await;
    assert_eq!(asked, [Asked::Name("localhost".into())]);
}

async fn refusals_are_typed_errors<R: Runtime + Default>() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://127.0.0.1:{}/", closed.port());
    let socks = Socks::start(None);
    let err = get_through::<R>(&socks.url("socks5"), &url)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocksProxy { code: 5 });
    let err = get_through::<R>(&socks.url("socks4a"), &url)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocksProxy { code: 0x5b });
}
