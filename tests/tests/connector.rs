//! The connector and pool against real sockets, on the three runtimes:
//! limits and waiters, idle expiry and the server's Keep-Alive hint, stale
//! connections, Unix sockets, write and pool timeouts, one-shot requests.

use ahttp::{ClientSession, ClientTimeout, ErrorKind, Runtime, TcpConnector};
use ahttp_testserver::{RawBehaviour, RawServer, TestServer};
use std::time::{Duration, Instant};

#[macro_use]
mod common;

on_every_runtime!(
    limit_makes_requests_wait_their_turn,
    limit_per_host_does_not_block_other_hosts,
    pool_timeout,
    idle_connections_expire,
    keep_alive_hint_is_honoured,
    a_connection_closed_while_idle_is_not_reused,
    a_quiet_idle_connection_is_reused,
    force_close_and_one_shot_close_connections,
    unix_socket,
    slow_upload_hits_the_write_timeout,
    malformed_responses_are_typed_errors,
    detach_keeps_a_shared_connector,
    local_addr_is_used,
);

async fn sleep<R: Runtime + Default>(d: Duration) {
    let rt = R::default();
    rt.sleep_until(rt.now() + d).await;
}

async fn limit_makes_requests_wait_their_turn<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default()).limit(1).build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    // Three requests at once through one connection: each waits for the
    // previous one's connection.
    let start = Instant::now();
    let futs = (0..3).map(|_| {
        let s = s.clone();
        let url = server.url("/delay/0.2");
        async move {
            let mut resp = s.get(url).send().await.unwrap();
            resp.read().await.unwrap();
        }
    });
    futures_util::future::join_all(futs).await;
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "served one at a time"
    );
    assert_eq!(server.connections_accepted(), 1, "and on one connection");
    assert_eq!(s.connector().counts(), (1, 0, 0));
}

async fn limit_per_host_does_not_block_other_hosts<R: Runtime + Default>() {
    let a = TestServer::start();
    let b = TestServer::start();
    let connector = TcpConnector::builder(R::default())
        .limit_per_host(1)
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    // A long request holds a's only slot; b is served meanwhile.
    let slow = {
        let s = s.clone();
        let url = a.url("/delay/0.6");
        async move {
            let mut r = s.get(url).send().await.unwrap();
            r.read().await.unwrap();
            Instant::now()
        }
    };
    let fast = {
        let s = s.clone();
        let url = b.url("/get");
        async move {
            sleep::<R>(Duration::from_millis(50)).await;
            let mut r = s.get(url).send().await.unwrap();
            r.read().await.unwrap();
            Instant::now()
        }
    };
    let (slow_done, fast_done) = futures_util::future::join(slow, fast).await;
    assert!(
        fast_done < slow_done,
        "host b was not blocked behind host a"
    );
}

async fn pool_timeout<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default()).limit(1).build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let holder = s
        .get(server.url("/slow-body?delay_ms=800"))
        .send()
        .await
        .unwrap();
    let err = s
        .get(server.url("/get"))
        .timeout(ClientTimeout::none().with_pool(Duration::from_millis(150)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::PoolTimeout);
    assert!(err.is_timeout());
    // The waiter left cleanly: once the holder is done, requests go on.
    drop(holder);
    let resp = s.get(server.url("/get")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

async fn idle_connections_expire<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default())
        .keepalive_timeout(Duration::from_millis(200))
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    s.get(server.url("/get"))
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
    assert_eq!(server.connections_accepted(), 1);
    sleep::<R>(Duration::from_millis(350)).await;
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(
        server.connections_accepted(),
        2,
        "the expired connection was not reused"
    );
}

async fn keep_alive_hint_is_honoured<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::new();
    // The server says timeout=1 and closes after a second of silence.
    s.get(server.url("/keep-alive-timeout?secs=1&close=1"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    sleep::<R>(Duration::from_millis(1300)).await;
    let resp = s.get(server.url("/get")).send().await.unwrap();
    assert_eq!(
        resp.status(),
        200,
        "no failed reuse of the closed connection"
    );
    assert_eq!(server.connections_accepted(), 2);
}

async fn a_connection_closed_while_idle_is_not_reused<R: Runtime + Default>() {
    // Each server answers as if keep-alive, then (while the connection sits
    // idle in the pool) closes it, resets it, or sends bytes nobody asked
    // for. The client must notice before reusing it: the requests are
    // POSTs, which are not retried, so a missed check fails the request.
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
    let unsolicited = RawServer::start_fn(|mut conn| async move {
        if let Ok(Some(_)) = conn.read_request().await {
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\n").await;
            // Stays open (and answers nothing more) until the client closes.
            while let Ok(Some(_)) = conn.read_request().await {}
        }
    });
    for (what, server) in [
        (
            "closed",
            RawServer::start(RawBehaviour::SendThenClose(ok.clone())),
        ),
        ("reset", RawServer::start(RawBehaviour::SendThenReset(ok))),
        ("unsolicited bytes", unsolicited),
    ] {
        let s = ClientSession::<R>::new();
        for _ in 0..3 {
            let mut resp = s.post(server.url("/")).data("x").send().await.unwrap();
            assert_eq!(&resp.read().await.unwrap()[..], b"ok", "{what}");
            sleep::<R>(Duration::from_millis(100)).await;
        }
        assert_eq!(server.connections_accepted(), 3, "{what}");
    }
}

/// The other side of the check: a quiet idle connection is reused (for
/// Unix sockets, `unix_socket` checks the same).
async fn a_quiet_idle_connection_is_reused<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::new();
    for _ in 0..3 {
        let mut resp = s.post(server.url("/post")).data("x").send().await.unwrap();
        resp.read().await.unwrap();
        sleep::<R>(Duration::from_millis(20)).await;
    }
    assert_eq!(server.connections_accepted(), 1);
}

async fn force_close_and_one_shot_close_connections<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default())
        .force_close(true)
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    for _ in 0..2 {
        s.get(server.url("/get"))
            .send()
            .await
            .unwrap()
            .read()
            .await
            .unwrap();
    }
    assert_eq!(server.connections_accepted(), 2);
    assert_eq!(
        server.last_request().unwrap().header("connection"),
        Some("close")
    );
    let mut resp = ahttp::one_shot(R::default(), ahttp::Method::GET, server.url("/get"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.read().await.unwrap();
    assert_eq!(
        server.last_request().unwrap().header("connection"),
        Some("close")
    );
}

async fn unix_socket<R: Runtime + Default>() {
    let dir = std::env::temp_dir().join(format!(
        "ahttp-test-{}-{}",
        std::process::id(),
        fastrand_u64()
    ));
    let server = TestServer::start_unix(&dir);
    let connector = TcpConnector::builder(R::default())
        .unix_socket(dir.to_string_lossy())
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    for _ in 0..2 {
        let mut resp = s.get("http://localhost/get?via=unix").send().await.unwrap();
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["args"]["via"], "unix");
    }
    assert_eq!(
        server.connections_accepted(),
        1,
        "kept alive over the socket too"
    );
    // A missing socket is a Unix connector error.
    let connector = TcpConnector::builder(R::default())
        .unix_socket("/nonexistent/ahttp.sock")
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let err = s.get("http://localhost/").send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnixConnector { .. }),
        "{err:?}"
    );
}

fn fastrand_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

async fn slow_upload_hits_the_write_timeout<R: Runtime + Default>() {
    // A server that reads 1 KiB/s with small socket buffers: a 4 MiB
    // upload stalls, and sock_write says so (aiohttp has no such timeout).
    let server = TestServer::builder().recv_buffer_size(4096).start();
    let s = ClientSession::<R>::new();
    let err = s
        .post(server.url("/slow-read?bytes_per_sec=1024"))
        .data(vec![b'x'; 4 << 20])
        .timeout(ClientTimeout::none().with_sock_write(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::WriteTimeout, "{err:?}");
}

async fn malformed_responses_are_typed_errors<R: Runtime + Default>() {
    let s = ClientSession::<R>::new();
    for (bytes, check) in [
        (&b"NOT HTTP\r\n\r\n"[..], ErrorKind::InvalidResponse),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            ErrorKind::Payload,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            ErrorKind::Payload,
        ),
        (b"", ErrorKind::ServerDisconnected),
    ] {
        let server = RawServer::start(RawBehaviour::SendThenClose(bytes.to_vec()));
        let result = match s.get(server.url("/")).send().await {
            Ok(mut resp) => resp.read().await.map(|_| ()),
            Err(e) => Err(e),
        };
        let err = result.unwrap_err();
        assert_eq!(
            err.kind(),
            &check,
            "{:?}: {err:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(err.request_info().is_some(), "errors carry the request");
    }
    // A failed body keeps its cause for every later read: the protocol
    // error underneath says what went wrong (truncated, here).
    let server = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort".to_vec(),
    ));
    let mut resp = s.get(server.url("/")).send().await.unwrap();
    let first = resp.read().await.unwrap_err();
    let again = resp.read().await.unwrap_err();
    for err in [first, again] {
        let cause = std::error::Error::source(&err)
            .and_then(|s| s.downcast_ref::<ahttp::proto::Error>())
            .unwrap_or_else(|| panic!("no protocol error under {err:?}"));
        assert_eq!(
            cause.kind(),
            &ahttp::proto::ErrorKind::IncompleteBody { missing: Some(5) }
        );
    }
    // An oversized head is refused with the limit in the error chain.
    let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(10_000));
    let server = RawServer::start(RawBehaviour::SendThenClose(big.into_bytes()));
    let err = s.get(server.url("/")).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidResponse);
    let limits = ClientSession::<R>::builder().max_field_size(20_000).build();
    let big = format!(
        "HTTP/1.1 200 OK\r\nX: {}\r\nContent-Length: 0\r\n\r\n",
        "v".repeat(10_000)
    );
    let server = RawServer::start(RawBehaviour::SendThenClose(big.into_bytes()));
    assert_eq!(
        limits.get(server.url("/")).send().await.unwrap().status(),
        200
    );
}

async fn detach_keeps_a_shared_connector<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default()).build();
    let a = ClientSession::<R>::builder()
        .connector(connector.clone())
        .connector_owner(false)
        .build();
    let b = ClientSession::<R>::builder()
        .connector(connector.clone())
        .build();
    a.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    a.detach();
    assert!(a.closed());
    b.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(
        server.connections_accepted(),
        1,
        "the detached session's connection serves b"
    );
    a.close().await; // not the owner: the pool stays open
    b.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(server.connections_accepted(), 1);
}

async fn local_addr_is_used<R: Runtime + Default>() {
    let server = TestServer::start();
    let connector = TcpConnector::builder(R::default())
        .local_addr("127.0.0.1:0".parse().unwrap())
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let mut resp = s.get(server.url("/ip")).send().await.unwrap();
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(doc["origin"], "127.0.0.1");
}
