//! The WebSocket loopback benchmark's client: `ws_echo_client CLIENT SIZE
//! N ADDR` opens one WebSocket to the echo server at ADDR, warms up, then
//! makes N round trips of one SIZE-byte binary message (send, receive the
//! echo, check its length) and prints: client, size, messages/s, client
//! CPU µs per message. Run it and the server pinned to one core
//! (`taskset -c 0`); benches/ws_loopback.sh does.
//!
//! CLIENT: ahttp-tokio, ahttp-async-std, ahttp-smol, tokio-tungstenite,
//! fastwebsockets; and ahttp-tokio-stream, ahttp on tokio receiving through
//! its `Stream` (`ws.next()`, aiohttp's `async for msg in ws`) instead of
//! `receive_bytes()`.

use ahttp_benches::cpu_time;
use std::time::{Duration, Instant};

const WARM_UP: usize = 50;

/// Times `n` round trips after `WARM_UP` untimed ones: (wall, CPU).
macro_rules! timed {
    ($n:expr, $round_trip:expr) => {{
        for _ in 0..WARM_UP {
            $round_trip;
        }
        let (wall, cpu) = (Instant::now(), cpu_time());
        for _ in 0..$n {
            $round_trip;
        }
        (wall.elapsed(), cpu_time() - cpu)
    }};
}

macro_rules! ahttp_echo {
    ($session:ty, $url:expr, $size:expr, $n:expr) => {{
        let session = <$session>::new();
        let ws = session
            .ws_connect($url)
            .max_msg_size(0)
            .connect()
            .await
            .expect("connect");
        let payload = vec![0x5au8; $size];
        let result = timed!($n, {
            ws.send_bytes(&payload).await.expect("send");
            let echo = ws.receive_bytes().await.expect("receive");
            assert_eq!(echo.len(), $size);
        });
        ws.close(1000, "").await.expect("close");
        result
    }};
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn tungstenite_echo(addr: &str, size: usize, n: usize) -> (Duration, Duration) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
    use tokio_tungstenite::tungstenite::Message;
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let config = WebSocketConfig::default().max_message_size(None);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}/"), stream, Some(config))
            .await
            .expect("handshake");
    let payload = bytes::Bytes::from(vec![0x5au8; size]);
    let result = timed!(n, {
        ws.send(Message::Binary(payload.clone()))
            .await
            .expect("send");
        match ws.next().await {
            Some(Ok(Message::Binary(echo))) => assert_eq!(echo.len(), size),
            other => panic!("unexpected {other:?}"),
        }
    });
    let _ = ws.close(None).await;
    result
}

async fn fastwebsockets_echo(addr: &str, size: usize, n: usize) -> (Duration, Duration) {
    use fastwebsockets::{FragmentCollector, Frame, Payload, Role, WebSocket};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    // The handshake by hand (fastwebsockets' own needs hyper's client).
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(stream.read(&mut byte).await.expect("read"), 1);
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Client));
    // Masking happens in place, so the buffer is borrowed mutably; its
    // bytes change from send to send, its length does not.
    let mut payload = vec![0x5au8; size];
    let result = timed!(n, {
        ws.write_frame(Frame::binary(Payload::BorrowedMut(&mut payload)))
            .await
            .expect("send");
        let echo = ws.read_frame().await.expect("receive");
        assert_eq!(echo.payload.len(), size);
    });
    let _ = ws.write_frame(Frame::close(1000, b"")).await;
    result
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (client, size, n, addr) = (
        args[1].as_str(),
        args[2].parse::<usize>().expect("SIZE"),
        args[3].parse::<usize>().expect("N"),
        args[4].as_str(),
    );
    let url = format!("ws://{addr}/");
    let (wall, cpu) = match client {
        "ahttp-tokio" => {
            tokio_rt().block_on(async { ahttp_echo!(ahttp_tokio::ClientSession, &url, size, n) })
        }
        "ahttp-tokio-stream" => tokio_rt().block_on(async {
            use futures_util::StreamExt;
            let session = ahttp_tokio::ClientSession::new();
            let mut ws = session
                .ws_connect(&url)
                .max_msg_size(0)
                .connect()
                .await
                .expect("connect");
            let payload = vec![0x5au8; size];
            let result = timed!(n, {
                ws.send_bytes(&payload).await.expect("send");
                match ws.next().await {
                    Some(ahttp::WsMessage::Binary(echo)) => assert_eq!(echo.len(), size),
                    other => panic!("unexpected {other:?}"),
                }
            });
            ws.close(1000, "").await.expect("close");
            result
        }),
        "ahttp-async-std" => async_std::task::block_on(async {
            ahttp_echo!(ahttp_async_std::ClientSession, &url, size, n)
        }),
        "ahttp-smol" => {
            smol::block_on(async { ahttp_echo!(ahttp_smol::ClientSession, &url, size, n) })
        }
        "tokio-tungstenite" => tokio_rt().block_on(tungstenite_echo(addr, size, n)),
        "fastwebsockets" => tokio_rt().block_on(fastwebsockets_echo(addr, size, n)),
        other => panic!("unknown client {other}"),
    };
    println!(
        "{client}\t{size}\t{:.0}\t{:.3}",
        n as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / n as f64
    );
}
