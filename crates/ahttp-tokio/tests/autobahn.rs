//! The Autobahn echo client example, run as a program against a small
//! server that speaks the Autobahn fuzzing server's protocol: the case
//! count, each case (messages out, echoes checked), the report update.
//!
//! The real fuzzing server (Autobahn|Testsuite) needs Python 2 and is not
//! on this machine; this one proves the client's loop end to end with
//! cases that matter to an echo client: empty, large, fragmented, pings
//! between messages, a message over aiohttp's default 4 MiB limit, and
//! invalid UTF-8, which the client must refuse with close code 1007.

use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<tokio::net::TcpStream>;

/// What the server saw: each case's verdict, the agents whose reports were
/// updated, and whether any handshake offered permessage-deflate.
#[derive(Default, Debug)]
struct Log {
    cases: Vec<(u32, Result<(), String>)>,
    agents_seen: Vec<String>,
    reports_for: Vec<String>,
    deflate_offered: usize,
}

/// One case: frames the server sends, and what it expects back.
enum Step {
    /// Send this message and expect it echoed unchanged.
    Echo(Message),
    /// Send these frames (a fragmented message) and expect the whole
    /// message back.
    Fragments(Vec<Frame>, Message),
    /// Send a ping; the client answers with a pong on its own.
    Ping(&'static [u8]),
    /// Send a text frame that is not UTF-8; the client must close 1007.
    InvalidUtf8,
}

fn cases() -> Vec<Vec<Step>> {
    let text = |s: &str| Message::Text(s.into());
    let fragment = |data: &[u8], opcode: Data, fin: bool| {
        Frame::message(data.to_vec(), OpCode::Data(opcode), fin)
    };
    vec![
        vec![Step::Echo(text("Hello, Autobahn"))],
        vec![Step::Echo(Message::Binary(
            (0..=255u8).collect::<Vec<_>>().into(),
        ))],
        vec![
            Step::Echo(text("")),
            Step::Echo(Message::Binary(Vec::new().into())),
        ],
        vec![Step::Echo(text(&"κόσμε".repeat(13_000)))],
        vec![Step::Fragments(
            vec![
                fragment("frag".as_bytes(), Data::Text, false),
                fragment("men".as_bytes(), Data::Continue, false),
                fragment("ted ✓".as_bytes(), Data::Continue, true),
            ],
            text("fragmented ✓"),
        )],
        vec![
            Step::Ping(b"first"),
            Step::Echo(text("after a ping")),
            Step::Ping(b""),
            Step::Echo(Message::Binary(vec![7u8; 1000].into())),
        ],
        vec![Step::Echo(Message::Binary(vec![0xA5; 6 << 20].into()))],
        vec![Step::InvalidUtf8],
    ]
}

/// Reads the next data or close message, skipping pongs.
async fn next_message(ws: &mut Ws) -> Result<Message, String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Pong(_))) => continue,
            Some(Ok(message)) => return Ok(message),
            Some(Err(e)) => return Err(format!("read failed: {e}")),
            None => return Err("the client went away".into()),
        }
    }
}

async fn run_case(ws: &mut Ws, steps: Vec<Step>) -> Result<(), String> {
    for step in steps {
        let expected = match step {
            Step::Echo(message) => {
                ws.send(message.clone()).await.map_err(|e| e.to_string())?;
                message
            }
            Step::Fragments(frames, whole) => {
                for frame in frames {
                    ws.send(Message::Frame(frame))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                whole
            }
            Step::Ping(data) => {
                ws.send(Message::Ping(data.to_vec().into()))
                    .await
                    .map_err(|e| e.to_string())?;
                continue;
            }
            Step::InvalidUtf8 => {
                let bad =
                    Frame::message(vec![b'o', b'k', 0xC0, 0xAF], OpCode::Data(Data::Text), true);
                ws.send(Message::Frame(bad))
                    .await
                    .map_err(|e| e.to_string())?;
                return match next_message(ws).await? {
                    Message::Close(Some(frame)) if frame.code == CloseCode::Invalid => Ok(()),
                    other => Err(format!("expected a 1007 close, got {other:?}")),
                };
            }
        };
        let got = next_message(ws).await?;
        if got != expected {
            return Err(format!(
                "echo differs: sent {} bytes, got {:?} of {} bytes",
                expected.len(),
                std::mem::discriminant(&got),
                got.len()
            ));
        }
    }
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "case done".into(),
    }))
    .await
    .map_err(|e| e.to_string())?;
    while let Some(Ok(_)) = ws.next().await {}
    Ok(())
}

async fn serve(stream: tokio::net::TcpStream, log: Arc<Mutex<Log>>) {
    let mut target = String::new();
    let mut offered_deflate = false;
    #[allow(clippy::result_large_err)] // tungstenite's error type
    let callback = |request: &Request, response: Response| {
        target = request.uri().to_string();
        offered_deflate = request
            .headers()
            .get("sec-websocket-extensions")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("permessage-deflate"));
        Ok(response)
    };
    let config = WebSocketConfig::default().max_message_size(Some(64 << 20));
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    if offered_deflate {
        log.lock().unwrap().deflate_offered += 1;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    };
    match path {
        "/getCaseCount" => {
            let _ = ws
                .send(Message::Text(cases().len().to_string().into()))
                .await;
            let _ = ws.close(None).await;
            while let Some(Ok(_)) = ws.next().await {}
        }
        "/runCase" => {
            let case: u32 = param("case").and_then(|c| c.parse().ok()).unwrap_or(0);
            let agent = param("agent").unwrap_or_default();
            let steps = cases().into_iter().nth(case as usize - 1);
            let verdict = match steps {
                Some(steps) => run_case(&mut ws, steps).await,
                None => Err(format!("no case {case}")),
            };
            let mut log = log.lock().unwrap();
            log.agents_seen.push(agent);
            log.cases.push((case, verdict));
        }
        "/updateReports" => {
            log.lock()
                .unwrap()
                .reports_for
                .push(param("agent").unwrap_or_default());
            let _ = ws.close(None).await;
            while let Some(Ok(_)) = ws.next().await {}
        }
        _ => {
            let _ = ws.close(None).await;
        }
    }
}

fn fuzzing_server() -> (SocketAddr, Arc<Mutex<Log>>) {
    let log = Arc::new(Mutex::new(Log::default()));
    let server_log = log.clone();
    let addr = ahttp_testserver::serve_connections(move |stream| serve(stream, server_log.clone()));
    (addr, log)
}

/// The example's binary: `cargo test` builds examples beside the test
/// binaries (target/PROFILE/examples); when a filtered run did not, build
/// it with the same profile.
fn example_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(find_or_build_example).clone()
}

fn find_or_build_example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("autobahn_client{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "-p", "ahttp-tokio", "--example", "autobahn_client"]);
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        assert!(build.status().unwrap().success(), "building the example");
    }
    binary
}

#[test]
fn autobahn_client_completes_a_run() {
    let (addr, log) = fuzzing_server();
    let output = Command::new(example_binary())
        .args(["--url", &format!("ws://{addr}"), "--agent", "ahttp-test"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );

    let log = log.lock().unwrap();
    let count = cases().len() as u32;
    let mut run: Vec<u32> = log.cases.iter().map(|(case, _)| *case).collect();
    run.sort_unstable();
    assert_eq!(run, (1..=count).collect::<Vec<_>>(), "every case, once");
    for (case, verdict) in &log.cases {
        assert_eq!(verdict, &Ok(()), "case {case}; client said: {stderr}");
    }
    assert!(log.agents_seen.iter().all(|agent| agent == "ahttp-test"));
    assert_eq!(log.reports_for, ["ahttp-test"]);
    // getCaseCount, every case and updateReports: all offered deflate.
    assert_eq!(log.deflate_offered, count as usize + 2);
}

#[test]
fn autobahn_client_fails_without_a_server() {
    // A port nobody listens on: the run cannot start, and says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(example_binary())
        .args(["--url", &format!("ws://127.0.0.1:{port}"), "--agent", "x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("getCaseCount"));
}
