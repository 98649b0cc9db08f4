//! The WebSocket client on the three runtimes, against a tokio-tungstenite
//! server (echo, subprotocol choice, a server-initiated close, a server
//! ping) and servers written here that misbehave on purpose (invalid UTF-8,
//! silence for the heartbeat).

#[macro_use]
mod common;

use ahttp::{
    ClientSession, ClientWSTimeout, ClientWebSocket, ErrorKind, Proxy, Runtime, TcpConnector,
    WsMessage,
};
use ahttp_testserver::aiohttp::AiohttpWsServer;
use ahttp_testserver::tinyproxy::Tinyproxy;
use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::TestServer;
use futures_util::{SinkExt, StreamExt};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

on_every_runtime!(
    echo_text_binary_json_and_close,
    a_parsed_ws_url_connects,
    subprotocol_is_chosen_among_those_offered,
    server_close_is_answered,
    server_ping_is_answered_or_shown,
    refused_handshake_carries_status_and_headers,
    invalid_utf8_closes_with_1007,
    heartbeat_without_pong_closes_with_1006,
    receive_timeout_leaves_the_connection_open,
    a_frame_cut_by_a_receive_timeout_resumes,
    a_cancelled_receive_loses_nothing,
    a_cancelled_send_leaves_no_half_frame,
    after_cancelled_sends_pings_sends_and_the_close_arrive_whole,
    a_send_waits_for_a_busy_writer,
    several_senders_one_reader,
    two_receivers_share_the_messages,
    the_stream_waits_for_a_busy_reader,
    heartbeat_waits_while_data_flows,
    stream_ends_after_close,
    stream_yields_echoes_answers_pings_and_ends,
    sink_sends_and_closes,
    wss_with_a_custom_ca,
    ws_and_wss_through_an_http_proxy,
    decode_text_false_gives_bytes,
    permessage_deflate_against_aiohttp,
    over_a_unix_socket,
);

/// A tokio-tungstenite server on its own thread. By path: `/close` closes
/// with 4001 "bye"; `/ping` pings first, then echoes; anything else echoes.
/// It picks "superchat" when offered.
fn tungstenite_server() -> SocketAddr {
    tungstenite_server_with(None)
}

/// The same server behind TLS with the test CA's `Good` certificate
/// (wss://).
fn tungstenite_tls_server() -> SocketAddr {
    let config = ahttp_testserver::tls::server_config(&TlsServerOptions::leaf(Leaf::Good)).unwrap();
    tungstenite_server_with(Some(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(
        config,
    ))))
}

fn tungstenite_server_with(tls: Option<tokio_rustls::TlsAcceptor>) -> SocketAddr {
    ahttp_testserver::serve_connections(move |stream| {
        let tls = tls.clone();
        async move {
            match tls {
                None => serve_tungstenite(stream).await,
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve_tungstenite(stream).await
                    }
                }
            }
        }
    })
}

async fn serve_tungstenite<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut path = String::new();
    // The Err type is tungstenite's; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| {
        path = request.uri().path().to_owned();
        let offered = request
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if offered.split(',').any(|p| p.trim() == "superchat") {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", "superchat".parse().unwrap());
        }
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    match path.as_str() {
        "/close" => {
            let _ = ws
                .close(Some(CloseFrame {
                    code: CloseCode::from(4001),
                    reason: "bye".into(),
                }))
                .await;
            while let Some(Ok(_)) = ws.next().await {}
        }
        _ => {
            if path == "/ping" {
                let _ = ws.send(Message::Ping("hb".into())).await;
            }
            while let Some(Ok(message)) = ws.next().await {
                if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// The tungstenite echo server on a Unix socket at a fresh path.
fn tungstenite_unix_server() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "ahttp-ws-{}-{}.sock",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::UnixListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    while let Some(Ok(message)) = ws.next().await {
                        if (message.is_text() || message.is_binary())
                            && ws.send(message).await.is_err()
                        {
                            break;
                        }
                    }
                });
            }
        });
    });
    path
}

fn ws_url(addr: SocketAddr, path: &str) -> String {
    format!("ws://{addr}{path}")
}

async fn echo_text_binary_json_and_close<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/echo").await;
    assert_eq!(ws.protocol(), None);
    ws.send_str("héllo").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "héllo");
    let big = vec![7u8; 300_000];
    ws.send_bytes(&big).await.unwrap();
    assert_eq!(ws.receive_bytes().await.unwrap(), big);
    ws.send_json(&serde_json::json!({"n": 1})).await.unwrap();
    let back: serde_json::Value = ws.receive_json().await.unwrap();
    assert_eq!(back["n"], 1);
    // The wrong kind is a typed error.
    ws.send_str("text").await.unwrap();
    let e = ws.receive_bytes().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::WsMessageType);

    assert!(ws.close(1000, "done").await.unwrap());
    assert!(ws.closed());
    assert_eq!(ws.close_code(), Some(1000));
    assert!(!ws.close(1000, "").await.unwrap());
    assert!(matches!(ws.receive().await, WsMessage::Closed));
    let e = ws.send_str("late").await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ConnectionReset);
}

async fn a_parsed_ws_url_connects<R: Runtime + Default>() {
    // A url::Url with the ws scheme, as for text.
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let url = ahttp::Url::parse(&ws_url(addr, "/echo")).unwrap();
    assert_eq!(url.scheme(), "ws");
    let ws = session.ws_connect(&url).connect().await.unwrap();
    ws.send_str("parsed").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "parsed");
    assert!(ws.close(1000, "").await.unwrap());
}

async fn subprotocol_is_chosen_among_those_offered<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let ws = session
        .ws_connect(ws_url(addr, "/echo"))
        .protocols(["chat", "superchat"])
        .connect()
        .await
        .unwrap();
    assert_eq!(ws.protocol(), Some("superchat"));
    ws.close(1000, "").await.unwrap();
}

async fn server_close_is_answered<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/close").await;
    match ws.receive().await {
        WsMessage::Close { code, reason } => {
            assert_eq!(code, Some(4001));
            assert_eq!(reason, "bye");
        }
        other => panic!("expected the close, got {other:?}"),
    }
    assert!(ws.closed());
    assert_eq!(ws.close_code(), Some(4001));
    assert!(ws.exception().is_none());
}

async fn server_ping_is_answered_or_shown<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    // autoping: the ping is answered inside and never seen.
    let ws = session
        .ws_connect(ws_url(addr, "/ping"))
        .connect()
        .await
        .unwrap();
    ws.send_str("after").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "after");
    ws.close(1000, "").await.unwrap();
    // Without autoping the ping comes out.
    let ws = session
        .ws_connect(ws_url(addr, "/ping"))
        .autoping(false)
        .connect()
        .await
        .unwrap();
    match ws.receive().await {
        WsMessage::Ping(data) => assert_eq!(&data[..], b"hb"),
        other => panic!("expected the ping, got {other:?}"),
    }
    ws.pong(b"hb").await.unwrap();
    ws.close(1000, "").await.unwrap();
}

async fn refused_handshake_carries_status_and_headers<R: Runtime + Default>() {
    let server = TestServer::start();
    let session = ClientSession::<R>::new();
    let url = server.url("/status/403").replacen("http://", "ws://", 1);
    let e = session.ws_connect(url).connect().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::WsServerHandshake { status: 403 });
    assert_eq!(e.status().map(|s| s.as_u16()), Some(403));
    assert!(e.response().is_some());
    // A 200 to an upgrade request is refused too.
    let url = server.url("/get").replacen("http://", "ws://", 1);
    let e = session.ws_connect(url).connect().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::WsServerHandshake { status: 200 });
}

/// A server that accepts the handshake, then writes `then` and records
/// what the client sends until it closes.
fn raw_ws_server(then: Vec<u8>) -> (SocketAddr, std::sync::mpsc::Receiver<Vec<u8>>) {
    raw_ws_server_in_parts(vec![(then, Duration::ZERO)])
}

/// [`raw_ws_server`] writing `parts` one by one, pausing after each.
fn raw_ws_server_in_parts(
    parts: Vec<(Vec<u8>, Duration)>,
) -> (SocketAddr, std::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // A small receive buffer, inherited by the accepted socket: a client
    // sending megabytes while this server pauses is held up by it rather
    // than by the host's maximum (tcp_rmem allows 32 MiB here).
    socket2::SockRef::from(&listener)
        .set_recv_buffer_size(256 * 1024)
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        let key = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| value.trim().to_owned())
            })
            .unwrap();
        let accept = ahttp_proto::ws::handshake::accept_key(&key);
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        stream.write_all(answer.as_bytes()).unwrap();
        for (part, pause) in parts {
            stream.write_all(&part).unwrap();
            std::thread::sleep(pause);
        }
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        let _ = tx.send(received);
    });
    (addr, rx)
}

/// The first frame a client sent, unmasked: (opcode, payload).
fn first_client_frame(bytes: &[u8]) -> (u8, Vec<u8>) {
    assert!(bytes.len() >= 6, "no frame: {bytes:?}");
    assert_eq!(bytes[1] & 0x80, 0x80, "client frames are masked");
    let len = (bytes[1] & 0x7f) as usize;
    let mask = &bytes[2..6];
    let payload = bytes[6..6 + len]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    (bytes[0] & 0x0f, payload)
}

async fn invalid_utf8_closes_with_1007<R: Runtime + Default>() {
    // A text frame whose payload is not UTF-8.
    let (addr, sent) = raw_ws_server(vec![0x81, 0x03, b'a', 0xff, b'b']);
    let ws = open::<R>(addr, "/").await;
    assert_ws_error(
        ws.receive().await,
        ErrorKind::WebSocket { close_code: 1007 },
    );
    assert!(ws.closed());
    assert_eq!(ws.close_code(), Some(1007));
    assert!(ws.exception().is_some());
    let (opcode, payload) = first_client_frame(&sent.recv().unwrap());
    assert_eq!(opcode, 0x8);
    assert_eq!(payload, 1007u16.to_be_bytes());
}

async fn heartbeat_without_pong_closes_with_1006<R: Runtime + Default>() {
    let (addr, sent) = raw_ws_server(Vec::new());
    let session = ClientSession::<R>::new();
    let ws = session
        .ws_connect(ws_url(addr, "/"))
        .heartbeat(Duration::from_millis(100))
        .connect()
        .await
        .unwrap();
    assert_ws_error(ws.receive().await, ErrorKind::SocketTimeout);
    assert!(ws.closed());
    assert_eq!(ws.close_code(), Some(1006));
    assert_eq!(
        ws.exception().map(|e| e.kind().clone()),
        Some(ErrorKind::SocketTimeout)
    );
    // The heartbeat ping went out before the timeout.
    let (opcode, _) = first_client_frame(&sent.recv().unwrap());
    assert_eq!(opcode, 0x9);
}

async fn receive_timeout_leaves_the_connection_open<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let ws = session
        .ws_connect(ws_url(addr, "/echo"))
        .timeout(ClientWSTimeout {
            ws_receive: Some(Duration::from_millis(50)),
            ..ClientWSTimeout::default()
        })
        // Pongs from the server keep the heartbeat happy.
        .heartbeat(Duration::from_millis(20))
        .connect()
        .await
        .unwrap();
    assert_ws_error(ws.receive().await, ErrorKind::SocketTimeout);
    assert!(!ws.closed());
    ws.send_str("still here").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "still here");
    ws.close(1000, "").await.unwrap();
}

/// A WebSocket with the default options to `path` on `addr`, on a session
/// of its own (the socket keeps the session alive).
async fn open<R: Runtime + Default>(addr: SocketAddr, path: &str) -> ClientWebSocket<R> {
    ClientSession::<R>::new()
        .ws_connect(ws_url(addr, path))
        .connect()
        .await
        .unwrap()
}

/// Asserts that `message` is an error of `kind`.
#[track_caller]
fn assert_ws_error(message: WsMessage, kind: ErrorKind) {
    match message {
        WsMessage::Error(e) => assert_eq!(e.kind(), &kind),
        other => panic!("expected a {kind:?} error, got {other:?}"),
    }
}

/// A 100,000-byte payload (a pattern, so that a shifted or zeroed byte
/// shows) and the server's binary frame carrying it.
fn large_binary_frame() -> (Vec<u8>, Vec<u8>) {
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut frame = vec![0x82, 127];
    frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    frame.extend_from_slice(&payload);
    (payload, frame)
}

async fn a_frame_cut_by_a_receive_timeout_resumes<R: Runtime + Default>() {
    // A 100,000-byte binary frame, its second half 300 ms late: large
    // enough to be read straight into the read buffer.
    let (payload, mut frame) = large_binary_frame();
    let rest = frame.split_off(40_000);
    let (addr, _sent) = raw_ws_server_in_parts(vec![
        (frame, Duration::from_millis(300)),
        (rest, Duration::ZERO),
    ]);
    let ws = open::<R>(addr, "/").await;
    assert_ws_error(
        ws.receive_timeout(Duration::from_millis(100)).await,
        ErrorKind::SocketTimeout,
    );
    assert!(!ws.closed());
    // What arrived before the timeout is kept, nothing else.
    assert_eq!(ws.receive_bytes().await.unwrap(), payload);
}

async fn a_cancelled_receive_loses_nothing<R: Runtime + Default>() {
    // A 100,000-byte binary frame in three parts and a text frame in two,
    // with pauses, while receives are dropped every 40 ms (an outside
    // timeout, as `select!` would do): what comes out is exactly the two
    // messages.
    let (payload, mut binary) = large_binary_frame();
    let binary_tail = binary.split_off(60_000);
    let binary_middle = binary.split_off(30_000);
    let text = [&[0x81u8, "après".len() as u8][..], "après".as_bytes()].concat();
    let pause = Duration::from_millis(120);
    let (addr, _sent) = raw_ws_server_in_parts(vec![
        (binary, pause),
        (binary_middle, pause),
        (binary_tail, pause),
        (text[..4].to_vec(), pause),
        (text[4..].to_vec(), Duration::ZERO),
    ]);
    let ws = open::<R>(addr, "/").await;
    let rt = R::default();
    let mut received = Vec::new();
    let mut cancelled = 0;
    while received.len() < 2 {
        let receive = std::pin::pin!(ws.receive());
        let timer = rt.sleep_until(rt.now() + Duration::from_millis(40));
        match futures_util::future::select(receive, timer).await {
            futures_util::future::Either::Left((message, _)) => received.push(message),
            futures_util::future::Either::Right(_) => cancelled += 1,
        }
    }
    assert!(cancelled >= 4, "only {cancelled} receives were cancelled");
    match &received[..] {
        [WsMessage::Binary(data), WsMessage::Text(text)] => {
            assert!(data[..] == payload[..], "the binary message was altered");
            assert_eq!(text, "après");
        }
        other => panic!("unexpected messages {other:?}"),
    }
}

/// The frames a client sent, unmasked: (opcode, payload) each.
fn client_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (len, mut at) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        assert_eq!(bytes[1] & 0x80, 0x80, "client frames are masked");
        let mask = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        at += 4;
        let payload = bytes[at..at + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        frames.push((bytes[0] & 0x0f, payload));
        bytes = &bytes[at + len..];
    }
    frames
}

/// Starts sending `data` as a binary message and drops the send after
/// 100 ms, half written: the server must not be reading yet.
async fn send_cut_by_a_timeout<R: Runtime + Default>(ws: &ClientWebSocket<R>, data: &[u8]) {
    let rt = R::default();
    let send = std::pin::pin!(ws.send_bytes(data));
    let timer = rt.sleep_until(rt.now() + Duration::from_millis(100));
    if let futures_util::future::Either::Left(_) = futures_util::future::select(send, timer).await {
        panic!("{} bytes went out with nobody reading", data.len());
    }
}

async fn a_cancelled_send_leaves_no_half_frame<R: Runtime + Default>() {
    // The server reads nothing for 500 ms, so a 32 MiB send fills the
    // socket's buffers and is dropped by a 100 ms timeout half written.
    // The next send writes the rest of that frame first: the server gets
    // both messages whole, in order, not a broken frame.
    let (addr, sent) = raw_ws_server_in_parts(vec![(Vec::new(), Duration::from_millis(500))]);
    let ws = open::<R>(addr, "/").await;
    let big: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
    send_cut_by_a_timeout(&ws, &big).await;
    ws.send_str("after").await.unwrap();
    drop(ws);
    let frames = client_frames(&sent.recv().unwrap());
    assert_eq!(frames.len(), 2, "two whole frames");
    assert_eq!(frames[0].0, 0x2);
    assert!(frames[0].1 == big, "the cancelled message arrived altered");
    assert_eq!(frames[1], (0x1, b"after".to_vec()));
}

async fn after_cancelled_sends_pings_sends_and_the_close_arrive_whole<R: Runtime + Default>() {
    // The writer reuses its buffer frame after frame. A 32 MiB send is cut
    // half written by a timeout; a ping, a smaller message, another 32 MiB
    // send dropped after its first poll, and close() follow. Each writes
    // what the last left first, and the close frame goes in through the
    // writer's `load`: the server gets every frame whole and in order,
    // with no byte of a longer earlier frame in a shorter later one.
    let (addr, sent) = raw_ws_server_in_parts(vec![(Vec::new(), Duration::from_millis(500))]);
    let ws = ClientSession::<R>::new()
        .ws_connect(ws_url(addr, "/"))
        .timeout(ClientWSTimeout {
            ws_close: Some(Duration::from_millis(200)),
            ..ClientWSTimeout::default()
        })
        .connect()
        .await
        .unwrap();
    let big: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
    send_cut_by_a_timeout(&ws, &big).await;
    ws.ping(b"pp").await.unwrap();
    ws.send_bytes(&big[..70_000]).await.unwrap();
    {
        let mut send = std::pin::pin!(ws.send_bytes(&big));
        assert!(
            futures_util::poll!(send.as_mut()).is_pending(),
            "32 MiB in one poll"
        );
    }
    // The server never answers the close: close() gives up after ws_close.
    let _ = ws.close(1000, "bye").await;
    assert!(ws.send_str("late").await.is_err());
    drop(ws);
    let frames = client_frames(&sent.recv().unwrap());
    let opcodes: Vec<u8> = frames.iter().map(|f| f.0).collect();
    assert_eq!(opcodes, [0x2, 0x9, 0x2, 0x2, 0x8]);
    assert!(frames[0].1 == big, "the first cancelled message altered");
    assert_eq!(frames[1].1, b"pp");
    assert!(frames[2].1 == big[..70_000], "the 70,000 bytes altered");
    assert!(frames[3].1 == big, "the second cancelled message altered");
    assert_eq!(&frames[4].1[..], b"\x03\xe8bye");
}

async fn a_send_waits_for_a_busy_writer<R: Runtime + Default>() {
    // An 8 MiB send holds the writer while the server does not read yet;
    // a second send, started meanwhile, finds the writer taken, waits for
    // it, and goes out after the first, both whole.
    let (addr, sent) = raw_ws_server_in_parts(vec![(Vec::new(), Duration::from_millis(300))]);
    let ws = open::<R>(addr, "/").await;
    let big: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
    let second = async {
        // Let the big send take the writer first.
        let rt = R::default();
        rt.sleep_until(rt.now() + Duration::from_millis(50)).await;
        ws.send_str("second").await
    };
    let (first, second) = futures_util::join!(ws.send_bytes(&big), second);
    first.unwrap();
    second.unwrap();
    drop(ws);
    let frames = client_frames(&sent.recv().unwrap());
    assert_eq!(frames.len(), 2, "two whole frames");
    assert_eq!(frames[0].0, 0x2);
    assert!(frames[0].1 == big, "the large message arrived altered");
    assert_eq!(frames[1], (0x1, b"second".to_vec()));
}

async fn several_senders_one_reader<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/echo").await;
    let senders = (0..4).map(|task| {
        let ws = ws.clone();
        async move {
            for i in 0..25 {
                ws.send_str(&format!("{task}:{i}")).await.unwrap();
            }
        }
    });
    let reader = async {
        let mut got = Vec::new();
        for _ in 0..100 {
            got.push(ws.receive_str().await.unwrap());
        }
        got
    };
    let (_, mut got) = futures_util::join!(futures_util::future::join_all(senders), reader);
    // Every message arrives whole; each task's messages in its order.
    for task in 0..4 {
        let mine: Vec<_> = got
            .iter()
            .filter(|m| m.starts_with(&format!("{task}:")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..25).map(|i| format!("{task}:{i}")).collect();
        assert_eq!(mine, expected);
    }
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 100);
    ws.close(1000, "").await.unwrap();
}

async fn two_receivers_share_the_messages<R: Runtime + Default>() {
    // Two tasks receive at once: one holds the reader while it waits for
    // data, the other waits for the reader. Every message reaches exactly
    // one of them, whole, and each sees its messages in order.
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/echo").await;
    let receiver = |ws: ClientWebSocket<R>| async move {
        let mut got = Vec::new();
        for _ in 0..10 {
            got.push(ws.receive_str().await.unwrap());
        }
        got
    };
    let sender = async {
        for i in 0..20 {
            ws.send_str(&format!("{i:02}")).await.unwrap();
        }
    };
    let (_, a, b) = futures_util::join!(sender, receiver(ws.clone()), receiver(ws.clone()));
    for got in [&a, &b] {
        assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order: {got:?}");
    }
    let mut all: Vec<_> = a.into_iter().chain(b).collect();
    all.sort();
    let expected: Vec<_> = (0..20).map(|i| format!("{i:02}")).collect();
    assert_eq!(all, expected);
    ws.close(1000, "").await.unwrap();
}

async fn the_stream_waits_for_a_busy_reader<R: Runtime + Default>() {
    // A receive on one handle holds the reader while it waits; the Stream
    // of another handle, polled meanwhile, waits for the reader instead of
    // reading beside it, and gets the next message.
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/echo").await;
    let mut stream = ws.clone();
    let first = ws.receive_str();
    let second = async {
        let rt = R::default();
        rt.sleep_until(rt.now() + Duration::from_millis(50)).await;
        let next = stream.next();
        let send = async {
            rt.sleep_until(rt.now() + Duration::from_millis(50)).await;
            ws.send_str("one").await.unwrap();
            ws.send_str("two").await.unwrap();
        };
        futures_util::join!(next, send).0
    };
    let (first, second) = futures_util::join!(first, second);
    assert_eq!(first.unwrap(), "one");
    match second {
        Some(WsMessage::Text(text)) => assert_eq!(text, "two"),
        other => panic!("expected the second echo, got {other:?}"),
    }
    ws.close(1000, "").await.unwrap();
}

async fn heartbeat_waits_while_data_flows<R: Runtime + Default>() {
    // One 600-byte binary message arriving in six parts 100 ms apart,
    // with a 250 ms heartbeat: data keeps arriving, so no ping goes out
    // (aiohttp pings only after `heartbeat` seconds without data), even
    // though the whole message takes twice the interval.
    let payload: Vec<u8> = (0..600u32).map(|i| (i % 253) as u8).collect();
    let mut frame = vec![0x82, 126];
    frame.extend_from_slice(&600u16.to_be_bytes());
    frame.extend_from_slice(&payload);
    let parts = frame
        .chunks(frame.len().div_ceil(6))
        .map(|part| (part.to_vec(), Duration::from_millis(100)))
        .collect();
    let (addr, sent) = raw_ws_server_in_parts(parts);
    let session = ClientSession::<R>::new();
    let ws = session
        .ws_connect(ws_url(addr, "/"))
        .heartbeat(Duration::from_millis(250))
        .connect()
        .await
        .unwrap();
    assert_eq!(ws.receive_bytes().await.unwrap(), payload);
    drop(ws);
    drop(session);
    let sent = sent.recv().unwrap();
    assert!(
        sent.is_empty() || first_client_frame(&sent).0 != 0x9,
        "a heartbeat ping went out while data was arriving"
    );
}

async fn stream_ends_after_close<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let ws = open::<R>(addr, "/close").await;
    let messages: Vec<WsMessage> = ws.collect().await;
    assert_eq!(messages.len(), 1);
    assert!(matches!(
        messages[0],
        WsMessage::Close {
            code: Some(4001),
            ..
        }
    ));
}

async fn stream_yields_echoes_answers_pings_and_ends<R: Runtime + Default>() {
    // Through the Stream: the server's ping first (answered inside), then
    // echoes of text and binary messages, a large one among them; then a
    // plain receive on the same handle, and the close, after which the
    // stream ends. Data messages take the direct way, the ping and the
    // close the general loop.
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let mut ws = session
        .ws_connect(ws_url(addr, "/ping"))
        .connect()
        .await
        .unwrap();
    let big = vec![3u8; 200_000];
    for i in 0..20 {
        if i % 5 == 4 {
            ws.send_bytes(&big).await.unwrap();
            match ws.next().await {
                Some(WsMessage::Binary(data)) => assert!(data[..] == big[..]),
                other => panic!("expected the large echo, got {other:?}"),
            }
        } else {
            ws.send_str(&format!("m{i}")).await.unwrap();
            match ws.next().await {
                Some(WsMessage::Text(text)) => assert_eq!(text, format!("m{i}")),
                other => panic!("expected echo {i}, got {other:?}"),
            }
        }
    }
    ws.send_str("plain").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "plain");
    ws.close(1000, "").await.unwrap();
    assert!(matches!(ws.next().await, Some(WsMessage::Closed)));
    assert!(ws.next().await.is_none());
}

async fn sink_sends_and_closes<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let mut ws = session
        .ws_connect(ws_url(addr, "/echo"))
        .connect()
        .await
        .unwrap();
    ws.send(WsMessage::Text("one".into())).await.unwrap();
    let mut batch = futures_util::stream::iter([
        Ok(WsMessage::Binary(vec![2u8; 70_000].into())),
        Ok(WsMessage::Ping("p".into())),
        Ok(WsMessage::TextBytes("three".into())),
    ]);
    ws.send_all(&mut batch).await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "one");
    assert_eq!(ws.receive_bytes().await.unwrap(), vec![2u8; 70_000]);
    // The pong to our ping was dropped inside (autoping).
    assert_eq!(ws.receive_str().await.unwrap(), "three");
    // Not a message one can send.
    let e = ws.send(WsMessage::Closed).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Builder);
    // Closing the sink is the close handshake.
    SinkExt::close(&mut ws).await.unwrap();
    assert!(ws.closed());
    assert_eq!(ws.close_code(), Some(1000));
    let e = ws.send(WsMessage::Text("late".into())).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ConnectionReset);
}

/// A session trusting the test CA.
fn trusting<R: Runtime + Default>() -> ClientSession<R> {
    let ca = TlsFixtures::shared().ca_cert_pem().as_bytes().to_vec();
    let connector = TcpConnector::builder(R::default()).add_ca_pem(&ca).build();
    ClientSession::<R>::builder().connector(connector).build()
}

async fn wss_with_a_custom_ca<R: Runtime + Default>() {
    let addr = tungstenite_tls_server();
    let url = format!("wss://localhost:{}/echo", addr.port());
    let session = trusting::<R>();
    let ws = session.ws_connect(&url).connect().await.unwrap();
    ws.send_str("over tls").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "over tls");
    ws.send_bytes(&[9u8; 100_000]).await.unwrap();
    assert_eq!(ws.receive_bytes().await.unwrap(), vec![9u8; 100_000]);
    assert!(ws.close(1000, "").await.unwrap());
    assert_eq!(ws.close_code(), Some(1000));
    // Without the CA the certificate is not trusted.
    let e = ClientSession::<R>::new()
        .ws_connect(&url)
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::ConnectorCertificate { .. }),
        "{e:?}"
    );
}

async fn ws_and_wss_through_an_http_proxy<R: Runtime + Default>() {
    let Some(tinyproxy) = Tinyproxy::start(None) else {
        return;
    };
    let proxy = Proxy::new(&tinyproxy.url()).unwrap();
    let session = trusting::<R>();
    // ws:// goes through a CONNECT tunnel (RFC 6455 section 4.1): a
    // forward proxy would drop the Upgrade headers.
    let plain = tungstenite_server();
    let ws = session
        .ws_connect(ws_url(plain, "/echo"))
        .proxy(proxy.clone())
        .connect()
        .await
        .unwrap();
    ws.send_str("via the proxy").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "via the proxy");
    ws.close(1000, "").await.unwrap();
    // wss:// too, with TLS to the server inside the tunnel.
    let tls = tungstenite_tls_server();
    let ws = session
        .ws_connect(format!("wss://localhost:{}/echo", tls.port()))
        .proxy(proxy.clone())
        .connect()
        .await
        .unwrap();
    ws.send_str("tls via the proxy").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "tls via the proxy");
    ws.close(1000, "").await.unwrap();
    // Plain http requests through the same proxy are still forwarded in
    // absolute form, and the tunnel is not reused for them.
    let server = TestServer::start();
    let resp = session
        .get(server.url("/get"))
        .proxy(proxy)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn decode_text_false_gives_bytes<R: Runtime + Default>() {
    let addr = tungstenite_server();
    let session = ClientSession::<R>::new();
    let ws = session
        .ws_connect(ws_url(addr, "/echo"))
        .decode_text(false)
        .connect()
        .await
        .unwrap();
    ws.send_str("héllo").await.unwrap();
    match ws.receive().await {
        WsMessage::TextBytes(data) => assert_eq!(&data[..], "héllo".as_bytes()),
        other => panic!("expected text as bytes, got {other:?}"),
    }
    // receive_str still takes it.
    ws.send_str("again").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "again");
    ws.close(1000, "").await.unwrap();

    // The bytes are still checked: invalid UTF-8 fails the connection.
    let (addr, _sent) = raw_ws_server(vec![0x81, 0x02, 0xc0, 0xaf]);
    let ws = session
        .ws_connect(ws_url(addr, "/"))
        .decode_text(false)
        .connect()
        .await
        .unwrap();
    assert_ws_error(
        ws.receive().await,
        ErrorKind::WebSocket { close_code: 1007 },
    );
}

async fn permessage_deflate_against_aiohttp<R: Runtime + Default>() {
    let Some(server) = AiohttpWsServer::start() else {
        return;
    };
    let session = ClientSession::<R>::new();
    let url = server.ws_url();
    let ws = session
        .ws_connect(&url)
        .compress(15)
        .connect()
        .await
        .unwrap();
    assert_eq!(ws.compress(), 15);
    // Several messages: the compression contexts carry over between them.
    for round in 0..5 {
        let text = format!("round {round}: ") + &"compressible text ".repeat(2000);
        ws.send_str(&text).await.unwrap();
        assert_eq!(ws.receive_str().await.unwrap(), text);
    }
    // One message sent uncompressed; the answer still comes compressed.
    ws.send_frame(b"plain", ahttp::WsMessageKind::Binary, Some(false))
        .await
        .unwrap();
    assert_eq!(&ws.receive_bytes().await.unwrap()[..], b"plain");
    let random: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    ws.send_bytes(&random).await.unwrap();
    assert_eq!(ws.receive_bytes().await.unwrap(), random);
    assert!(ws.close(1000, "").await.unwrap());
    assert_eq!(ws.close_code(), Some(1000));

    // Without the offer the server does not compress.
    let ws = session.ws_connect(&url).connect().await.unwrap();
    assert_eq!(ws.compress(), 0);
    ws.send_str("hi").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "hi");
    ws.close(1000, "").await.unwrap();
}

async fn over_a_unix_socket<R: Runtime + Default>() {
    let path = tungstenite_unix_server();
    let connector = ahttp::TcpConnector::builder(R::default())
        .unix_socket(path.to_string_lossy())
        .build();
    let session = ClientSession::<R>::builder().connector(connector).build();
    let ws = session
        .ws_connect("ws://localhost/echo")
        .connect()
        .await
        .unwrap();
    ws.send_str("over unix").await.unwrap();
    assert_eq!(ws.receive_str().await.unwrap(), "over unix");
    assert!(ws.close(1000, "").await.unwrap());
    let _ = std::fs::remove_file(&path);
}
