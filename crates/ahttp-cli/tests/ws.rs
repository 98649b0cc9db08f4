//! `ahttp ws URL` against a tokio-tungstenite server: stdin lines go out
//! as text messages, every message received comes back as a line.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// A server on its own thread. It first sends one text message describing
/// the handshake it saw (`{"protocol", "origin", "x-test", "extensions"}`),
/// picks the last subprotocol offered, then echoes text and binary. On
/// `/bye` it closes right after the description instead.
fn server() -> SocketAddr {
    ahttp_testserver::serve_connections(serve)
}

async fn serve(stream: tokio::net::TcpStream) {
    let mut seen = serde_json::json!({});
    let mut path = String::new();
    // The Err type is tungstenite's; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| {
        let get = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        path = request.uri().path().to_owned();
        let protocol = get("sec-websocket-protocol")
            .and_then(|p| p.split(',').next_back().map(|s| s.trim().to_owned()));
        if let Some(p) = &protocol {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", HeaderValue::from_str(p).unwrap());
        }
        seen = serde_json::json!({
            "protocol": protocol,
            "origin": get("origin"),
            "x-test": get("x-test"),
            "extensions": get("sec-websocket-extensions"),
        });
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    if ws.send(Message::text(seen.to_string())).await.is_err() {
        return;
    }
    if path == "/bye" {
        let _ = ws.close(None).await;
        return;
    }
    while let Some(Ok(msg)) = ws.next().await {
        let echo = match msg {
            Message::Text(_) | Message::Binary(_) => msg,
            Message::Close(_) => return,
            _ => continue,
        };
        if ws.send(echo).await.is_err() {
            return;
        }
    }
}

fn lines(run: &Run) -> Vec<String> {
    run.text().lines().map(str::to_owned).collect()
}

#[test]
fn stdin_lines_go_out_and_messages_come_back() {
    let addr = server();
    let run = ahttp_env(
        &["ws", &format!("ws://{addr}/echo")],
        &Env::default().stdin(b"hello\nworld\n\nlast line without newline"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = lines(&run);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(
        &got[1..],
        ["hello", "world", "", "last line without newline"]
    );
}

#[test]
fn protocols_origin_headers_and_compress_are_offered() {
    let addr = server();
    let run = ahttp_env(
        &[
            "ws",
            "--protocol",
            "chat",
            "--protocol",
            "superchat",
            "--origin",
            "http://example.test",
            "-H",
            "X-Test: yes",
            "--compress",
            "--heartbeat",
            "0.2",
            &format!("ws://{addr}/"),
        ],
        &Env::default().stdin(b"ping?\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = lines(&run);
    let seen: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(seen["protocol"], "superchat");
    assert_eq!(seen["origin"], "http://example.test");
    assert_eq!(seen["x-test"], "yes");
    assert!(
        seen["extensions"]
            .as_str()
            .unwrap()
            .contains("permessage-deflate"),
        "{seen}"
    );
    assert_eq!(got[1], "ping?");
    assert!(run.stderr.contains("protocol: superchat"), "{}", run.stderr);
}

#[test]
fn server_close_ends_the_command() {
    let addr = server();
    // stdin stays open (a pipe nobody closes would hang): the server's
    // close ends the command by itself.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ahttp"))
        .args(["ws", &format!("ws://{addr}/bye")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "ahttp ws did not end when the server closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(child.stdin.take());
}

#[test]
fn refused_upgrade_and_no_server() {
    let server = ahttp_testserver::TestServer::start();
    let run = ahttp(&["ws", &server.url("/status/403").replace("http://", "ws://")]);
    assert_eq!(run.code, 22, "{}", run.stderr);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = ahttp(&["ws", &format!("ws://127.0.0.1:{port}/")]);
    assert_eq!(run.code, 7, "{}", run.stderr);
}
