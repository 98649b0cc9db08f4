//! The Autobahn echo client: runs every case of an Autobahn|Testsuite
//! fuzzing server against ahttp's WebSocket client.
//!
//! ```text
//! cargo run --release --example autobahn_client -- --url ws://127.0.0.1:9001 --agent ahttp
//! ```
//!
//! The protocol (../shared/cli-contract.md): `GET /getCaseCount` answers
//! one text message with the number of cases; each case `N` is a
//! connection to `/runCase?case=N&agent=NAME` on which every text and
//! binary message is echoed back unchanged until the server closes; then
//! `/updateReports?agent=NAME` makes the server write its report. Every
//! handshake offers permessage-deflate; the server accepts it or not, case
//! by case. Exits 0 when the run is complete.

use ahttp_tokio::{ClientSession, ClientWSTimeout, WsMessage};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: autobahn_client --url ws://HOST:PORT --agent NAME";

/// The command line: `--url` and `--agent`, both required.
struct Args {
    url: String,
    agent: String,
}

fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut agent = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let slot = match name.as_str() {
            "--url" => &mut url,
            "--agent" => &mut agent,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
        };
        *slot = Some(value);
    }
    Ok(Args {
        url: url
            .ok_or("--url is required")?
            .trim_end_matches('/')
            .to_owned(),
        agent: agent.ok_or("--agent is required")?,
    })
}

/// Connects to one of the fuzzing server's paths with the options every
/// case uses: permessage-deflate offered, no message size limit (some
/// cases send 16 MiB messages), no receive timeout.
async fn connect(
    session: &ClientSession,
    url: &str,
) -> Result<ahttp_tokio::ClientWebSocket, ahttp_tokio::Error> {
    session
        .ws_connect(url)
        .compress(15)
        .max_msg_size(0)
        .timeout(ClientWSTimeout {
            ws_receive: None,
            ws_close: Some(Duration::from_secs(10)),
        })
        .connect()
        .await
}

async fn case_count(session: &ClientSession, args: &Args) -> Result<u32, String> {
    let url = format!("{}/getCaseCount", args.url);
    let ws = connect(session, &url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let text = ws.receive_str().await.map_err(|e| format!("{url}: {e}"))?;
    let _ = ws.close(1000, "").await;
    text.trim()
        .parse()
        .map_err(|_| format!("{url}: the case count {text:?} is not a number"))
}

/// Echoes one case. Errors inside a case are the case's verdict, not the
/// run's: they are reported and the run goes on.
async fn run_case(session: &ClientSession, args: &Args, case: u32) -> Result<(), String> {
    let url = format!("{}/runCase?case={case}&agent={}", args.url, args.agent);
    let ws = connect(session, &url).await.map_err(|e| e.to_string())?;
    loop {
        let sent = match ws.receive().await {
            WsMessage::Text(text) => ws.send_str(&text).await,
            WsMessage::Binary(data) => ws.send_bytes(&data).await,
            WsMessage::Error(e) => return Err(e.to_string()),
            message if message.is_close() => return Ok(()),
            // Pings and pongs are answered inside (autoping).
            _ => Ok(()),
        };
        if let Err(e) = sent {
            return Err(e.to_string());
        }
    }
}

async fn update_reports(session: &ClientSession, args: &Args) -> Result<(), String> {
    let url = format!("{}/updateReports?agent={}", args.url, args.agent);
    let ws = connect(session, &url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    // The server closes once the reports are written.
    while !ws.receive().await.is_close() {}
    Ok(())
}

async fn run(args: Args) -> Result<(), String> {
    let session = ClientSession::new();
    let count = case_count(&session, &args).await?;
    eprintln!("{count} cases");
    for case in 1..=count {
        match run_case(&session, &args, case).await {
            Ok(()) => eprintln!("case {case}/{count}: done"),
            Err(e) => eprintln!("case {case}/{count}: ended with {e}"),
        }
    }
    update_reports(&session, &args).await?;
    eprintln!("reports updated for agent {}", args.agent);
    session.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("autobahn_client: {message}");
            ExitCode::FAILURE
        }
    }
}
