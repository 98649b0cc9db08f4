//! Smoke tests of the misbehaving raw TCP server.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use ahttp_testserver::{RawBehaviour, RawServer};
use common::{build, Client};
use tokio::io::AsyncReadExt;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[tokio::test]
async fn send_then_close_after_the_whole_request() {
    let server = RawServer::start(RawBehaviour::SendThenClose(OK.to_vec()));
    let mut c = Client::connect(server.addr()).await;
    let req = build("POST", "/x", &[], b"hello");
    c.send(&req).await;
    assert_eq!(c.read_to_end().await.unwrap(), OK);
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(server.received(), vec![req]);
    assert!(server.url("/a").starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn waits_for_chunked_body() {
    let server = RawServer::start(RawBehaviour::SendThenClose(OK.to_vec()));
    let mut c = Client::connect(server.addr()).await;
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .await;
    // Nothing yet: the request is not complete.
    let mut buf = [0u8; 16];
    let early = tokio::time::timeout(Duration::from_millis(200), c.stream.read(&mut buf)).await;
    assert!(early.is_err(), "answered before the body ended");
    c.send(b"0\r\n\r\n").await;
    assert_eq!(c.read_to_end().await.unwrap(), OK);
}

#[tokio::test]
async fn send_then_keep_open() {
    let server = RawServer::start(RawBehaviour::SendThenKeepOpen(OK.to_vec()));
    let mut c = Client::connect(server.addr()).await;
    c.send(&build("GET", "/", &[], b"")).await;
    let r = c.read_response(false).await.unwrap();
    assert_eq!(r.body, b"ok");
    let mut buf = [0u8; 1];
    let more = tokio::time::timeout(Duration::from_millis(200), c.stream.read(&mut buf)).await;
    assert!(more.is_err(), "connection should stay open and silent");
}

#[tokio::test]
async fn send_then_reset() {
    let server = RawServer::start(RawBehaviour::SendThenReset(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".to_vec(),
    ));
    let mut c = Client::connect(server.addr()).await;
    c.send(&build("GET", "/", &[], b"")).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let err = loop {
        match c.stream.read(&mut buf).await {
            Ok(0) => panic!("expected a reset, got EOF after {got:?}"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
}

#[tokio::test]
async fn send_each_and_sequence() {
    let server = RawServer::start(RawBehaviour::SendEach(OK.to_vec()));
    let mut c = Client::connect(server.addr()).await;
    for _ in 0..3 {
        assert_eq!(c.request("GET", "/", &[], b"").await.body, b"ok");
    }
    assert_eq!(server.connections_accepted(), 1);

    let server = RawServer::start(RawBehaviour::Sequence(vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2".to_vec(),
    ]));
    let mut c = Client::connect(server.addr()).await;
    assert_eq!(c.request("GET", "/", &[], b"").await.body, b"1");
    assert_eq!(c.request("GET", "/", &[], b"").await.body, b"2");
    assert!(c.read_to_end().await.unwrap().is_empty());
}

#[tokio::test]
async fn trickle_and_immediate() {
    let server = RawServer::start(RawBehaviour::Trickle {
        pieces: vec![b"HTTP/1.1 200 OK\r\n".to_vec(), b"\r\n".to_vec()],
        delay: Duration::from_millis(150),
    });
    let mut c = Client::connect(server.addr()).await;
    c.send(&build("GET", "/", &[], b"")).await;
    let start = Instant::now();
    assert_eq!(c.read_to_end().await.unwrap(), b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(start.elapsed() >= Duration::from_millis(150));

    let server = RawServer::start(RawBehaviour::SendImmediatelyThenClose(b"garbage".to_vec()));
    let mut c = Client::connect(server.addr()).await;
    assert_eq!(c.read_to_end().await.unwrap(), b"garbage");
}

#[test]
fn close_reset_silent_per_connection() {
    // Blocking std sockets: the raw server needs no runtime from the test.
    let server = RawServer::start(RawBehaviour::PerConnection(vec![
        RawBehaviour::CloseImmediately,
        RawBehaviour::ResetImmediately,
        RawBehaviour::Silent,
    ]));
    let mut out = Vec::new();

    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    assert_eq!(s.read_to_end(&mut out).unwrap(), 0);

    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    let mut buf = [0u8; 8];
    let r = s.read(&mut buf);
    assert!(
        matches!(&r, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "{r:?}"
    );

    for _ in 0..2 {
        let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
        s.write_all(&build("GET", "/", &[], b"")).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        let e = s.read(&mut buf).unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::WouldBlock | ErrorKind::TimedOut
        ));
    }
    assert_eq!(server.connections_accepted(), 4);
}

#[tokio::test]
async fn custom_handler() {
    let server = RawServer::start_fn(|mut conn| async move {
        let index = conn.index();
        while let Ok(Some(req)) = conn.read_request().await {
            let body = format!("{index}:{}", req.len());
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if conn.write_all(resp.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    let mut c = Client::connect(server.addr()).await;
    let req = build("GET", "/", &[], b"");
    let r = c.request("GET", "/", &[], b"").await;
    assert_eq!(r.text(), format!("0:{}", req.len()));
}
