//! aiohttp's own WebSocket server, the reference ahttp is compared with:
//! an echo server in a `python3` child on 127.0.0.1, for interop tests
//! (permessage-deflate included, which tokio-tungstenite lacks).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server: `/ws` echoes text and binary messages, offers the
/// subprotocol "chat" and accepts permessage-deflate. It exits when its
/// stdin closes.
const ECHO_SERVER: &str = r#"
import asyncio, sys
from aiohttp import web

async def echo(request):
    ws = web.WebSocketResponse(protocols=("chat",), compress=True)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == web.WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == web.WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws

async def main():
    app = web.Application()
    app.router.add_get("/ws", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()

asyncio.run(main())
"#;

/// A running aiohttp echo server; stopped on drop.
pub struct AiohttpWsServer {
    child: Child,
    port: u16,
}

impl AiohttpWsServer {
    /// Starts the server, or returns `None` with a printed note when
    /// python3 or aiohttp is missing. With `AHTTP_REQUIRE_AIOHTTP` set (as
    /// in CI) missing is a panic, never a skip.
    pub fn start() -> Option<AiohttpWsServer> {
        let required = std::env::var_os("AHTTP_REQUIRE_AIOHTTP").is_some();
        let mut child = match Command::new("python3")
            .args(["-c", ECHO_SERVER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
        {
            Ok(child) => child,
            Err(err) => {
                assert!(!required, "python3 is required here: {err}");
                eprintln!("python3 not available ({err}); skipping the aiohttp interop test");
                return None;
            }
        };
        let mut line = String::new();
        let stdout = child.stdout.take()?;
        BufReader::new(stdout).read_line(&mut line).ok()?;
        match line.trim().parse() {
            Ok(port) => Some(AiohttpWsServer { child, port }),
            Err(_) => {
                assert!(
                    !required,
                    "aiohttp is required here but its server did not start"
                );
                eprintln!("aiohttp server did not start (is aiohttp installed?); skipping");
                let _ = child.kill();
                let _ = child.wait();
                None
            }
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The echo endpoint, `ws://127.0.0.1:PORT/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }
}

impl Drop for AiohttpWsServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}
