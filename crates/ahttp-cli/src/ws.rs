//! `ahttp ws URL`: stdin lines out as text messages, messages in as lines.
//!
//! Each line read from stdin (without its line ending) is sent as one text
//! message. Each message received is written to stdout followed by a
//! newline: text as is, binary as its raw bytes. When stdin ends, a ping
//! goes out and the messages that arrive before its pong are still
//! printed (so an echo server's answers to the last lines are not lost);
//! then the connection is closed with 1000. When the server closes first,
//! the command ends at once.

use crate::args::WsArgs;
use crate::exit::{self, CliError};
use ahttp_tokio::{ClientSession, ClientWebSocket, Ssl, TcpConnector, TokioRuntime, WsMessage};
use std::io::{BufRead, Write};
use std::time::Duration;

/// The ping payload that marks the end of stdin.
const EOF_PING: &[u8] = b"ahttp-stdin-eof";
/// How long to wait for that pong before closing anyway.
const EOF_GRACE: Duration = Duration::from_secs(5);

/// Runs the subcommand; returns the exit code.
pub async fn run(args: &WsArgs) -> Result<(), CliError> {
    let mut connector = TcpConnector::builder(TokioRuntime).use_system_roots(true);
    if let Some(path) = &args.cacert {
        connector = connector.add_ca_pem(&crate::tls::read_cacert(path)?);
    }
    let session = ClientSession::builder()
        .connector(connector.build())
        .build();
    let mut b = session
        .ws_connect(&args.url)
        .protocols(args.protocols.iter().cloned())
        .autoping(false);
    if let Some(origin) = &args.origin {
        b = b.origin(origin.clone());
    }
    for h in &args.headers {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            CliError::new(
                exit::USAGE,
                format!("-H: expected 'Name: value', got {h:?}"),
            )
        })?;
        b = b.header(name.trim(), value.trim());
    }
    if args.compress {
        b = b.compress(15);
    }
    if let Some(s) = args.heartbeat {
        let d = Duration::try_from_secs_f64(s)
            .map_err(|_| CliError::new(exit::USAGE, format!("--heartbeat: bad number {s}")))?;
        b = b.heartbeat(d);
    }
    if args.insecure {
        b = b.ssl(Ssl::NoVerify);
    }
    let ws = b.connect().await.map_err(|e| handshake_error(&e))?;
    if !args.silent {
        if let Some(p) = ws.protocol() {
            eprintln!("* WebSocket protocol: {p}");
        }
    }

    // stdin is read on its own thread: a blocking read must not hold the
    // runtime, and the thread may simply be left behind at exit.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });

    // One receive loop runs throughout (a receive is never cancelled
    // half-way); the sender task ends stdin with the marker ping, and
    // closes the connection itself if the pong does not come in time.
    let sender = ws.clone();
    let send = tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            if sender.send_str(&line).await.is_err() {
                return;
            }
        }
        if sender.ping(EOF_PING).await.is_ok() {
            tokio::time::sleep(EOF_GRACE).await;
            let _ = sender.close(1000, "").await;
        }
    });
    let result = receive(&ws).await;
    send.abort();
    let _ = ws.close(1000, "").await;
    session.close().await;
    result
}

/// Prints messages until the server closes, or until the pong that
/// answers the end-of-stdin ping.
async fn receive(ws: &ClientWebSocket) -> Result<(), CliError> {
    let mut stdout = std::io::stdout();
    let write = |out: &mut std::io::Stdout, data: &[u8]| -> Result<(), CliError> {
        out.write_all(data)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .map_err(|e| CliError::new(exit::WRITE_ERROR, format!("Failure writing output: {e}")))
    };
    loop {
        match ws.receive().await {
            WsMessage::Text(t) => write(&mut stdout, t.as_bytes())?,
            WsMessage::TextBytes(b) | WsMessage::Binary(b) => write(&mut stdout, &b)?,
            WsMessage::Ping(data) => {
                let _ = ws.pong(&data).await;
            }
            WsMessage::Pong(data) => {
                if data.as_ref() == EOF_PING {
                    return Ok(());
                }
            }
            WsMessage::Close { .. } | WsMessage::Closing | WsMessage::Closed => return Ok(()),
            WsMessage::Error(e) => return Err(exit::from_client(&e, 0)),
        }
    }
}

/// A refused handshake is curl's 22; connection failures map as for HTTP.
fn handshake_error(e: &ahttp_tokio::Error) -> CliError {
    match e.kind() {
        ahttp_tokio::ErrorKind::WsServerHandshake { status } => CliError::new(
            exit::HTTP_RETURNED_ERROR,
            format!("Refused WebSocket upgrade: {status} ({e})"),
        ),
        _ => exit::from_client(e, 0),
    }
}
