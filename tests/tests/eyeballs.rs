//! Happy Eyeballs (RFC 8305), IPv6 and address families, on the three
//! runtimes: a name whose first address never answers and whose second
//! does; a refused first address; a server on ::1.

#[macro_use]
mod common;

use ahttp::{
    AddressFamily, ClientSession, ClientTimeout, ErrorKind, Resolve, Runtime, TcpConnector,
};
use ahttp_testserver::TestServer;
use futures_util::future::BoxFuture;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

on_every_runtime!(
    a_silent_first_address_is_passed_after_the_delay,
    a_refused_first_address_falls_through_at_once,
    ipv6_loopback_and_family,
);

/// Resolves every name to the given addresses, in order.
struct Fixed(Vec<SocketAddr>);

impl Resolve for Fixed {
    fn resolve(
        &self,
        _host: &str,
        _port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        let addrs = self.0.clone();
        Box::pin(async move { Ok(addrs) })
    }
}

/// An address whose connects hang: a listener that never accepts, with its
/// accept queue filled, so further SYNs are dropped.
struct Silent {
    addr: SocketAddr,
    _listener: socket2::Socket,
    _fillers: Vec<TcpStream>,
}

fn silent_address() -> Silent {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            fillers.push(s);
        }
    }
    Silent {
        addr,
        _listener: socket,
        _fillers: fillers,
    }
}

fn session_for<R: Runtime + Default>(
    addrs: Vec<SocketAddr>,
    delay: Option<Duration>,
) -> ClientSession<R> {
    let connector = TcpConnector::builder(R::default())
        .resolver(Arc::new(Fixed(addrs)))
        .happy_eyeballs_delay(delay)
        .build();
    ClientSession::<R>::builder().connector(connector).build()
}

async fn a_silent_first_address_is_passed_after_the_delay<R: Runtime + Default>() {
    let server = TestServer::start();
    let silent = silent_address();
    let addrs = vec![silent.addr, server.addr()];
    // With Happy Eyeballs the second address is tried 250 ms in.
    let s = session_for::<R>(addrs.clone(), Some(Duration::from_millis(250)));
    let start = Instant::now();
    let resp = s.get("http://two-addresses.test/get").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // One address at a time: the silent one holds until sock_connect.
    let s = session_for::<R>(addrs, None);
    let start = Instant::now();
    let resp = s
        .get("http://two-addresses.test/get")
        .timeout(ClientTimeout::none().with_sock_connect(Duration::from_millis(600)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "waited for the first attempt's timeout"
    );
    // Every address silent: the connect timeout.
    let s = session_for::<R>(vec![silent.addr], Some(Duration::from_millis(100)));
    let err = s
        .get("http://silent.test/")
        .timeout(ClientTimeout::none().with_connect(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ConnectionTimeout);
}

async fn a_refused_first_address_falls_through_at_once<R: Runtime + Default>() {
    let server = TestServer::start();
    let refused = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = session_for::<R>(vec![refused, server.addr()], Some(Duration::from_secs(5)));
    let start = Instant::now();
    assert_eq!(
        s.get("http://refused-first.test/get")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "no wait for the delay after a refusal"
    );
    // All refused: a connector error naming the host.
    let s = session_for::<R>(vec![refused], None);
    let err = s.get("http://refused.test/").send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Connector { host, .. } if host == "refused.test"),
        "{err:?}"
    );
}

/// A tiny HTTP/1.1 server on [::1] answering "v6" to every request.
fn ipv6_server() -> SocketAddr {
    let listener = TcpListener::bind("[::1]:0").expect("IPv6 loopback");
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                loop {
                    let Ok(n) = stream.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        if stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

async fn ipv6_loopback_and_family<R: Runtime + Default>() {
    let v6 = ipv6_server();
    let s = ClientSession::<R>::new();
    let mut resp = s
        .get(format!("http://[::1]:{}/", v6.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(&resp.read().await.unwrap()[..], b"v6");
    // A name with both families: family(V6) picks ::1, family(V4) finds none.
    let v4_dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let both = vec![v4_dead, v6];
    let only_v6 = TcpConnector::builder(R::default())
        .resolver(Arc::new(Fixed(both.clone())))
        .family(AddressFamily::V6)
        .build();
    let s = ClientSession::<R>::builder().connector(only_v6).build();
    let mut resp = s.get("http://dual.test/").send().await.unwrap();
    assert_eq!(&resp.read().await.unwrap()[..], b"v6");
    let only_v4 = TcpConnector::builder(R::default())
        .resolver(Arc::new(Fixed(vec![v6])))
        .family(AddressFamily::V4)
        .build();
    let s = ClientSession::<R>::builder().connector(only_v4).build();
    let err = s.get("http://dual.test/").send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ConnectorDns { .. }),
        "{err:?}"
    );
}
