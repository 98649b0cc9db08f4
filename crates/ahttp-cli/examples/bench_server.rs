//! A minimal keep-alive HTTP/1.1 server for `benches/cli.sh`: `GET
//! /bytes/N` answers N bytes (`Content-Length`, written from one shared
//! 1 MiB buffer, so a 1 GiB body costs the server no allocation), any
//! other path answers `ok\n`. It serves until killed.
//!
//! `cargo run --release -p ahttp-cli --example bench_server -- 127.0.0.1:0`
//! prints the address it listens on.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUF: usize = 1 << 20;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("{}", listener.local_addr()?);
    let data: &'static [u8] = Box::leak(vec![b'x'; BUF].into_boxed_slice());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = serve(stream, data).await;
        });
    }
}

async fn serve(mut stream: tokio::net::TcpStream, data: &'static [u8]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request head (these requests have no body).
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let path = head.split_whitespace().nth(1).unwrap_or("/");
        let head_only = head.starts_with("HEAD ");
        match path
            .strip_prefix("/bytes/")
            .and_then(|n| n.parse::<u64>().ok())
        {
            Some(mut n) => {
                let h = format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\nContent-Type: application/octet-stream\r\n\r\n");
                stream.write_all(h.as_bytes()).await?;
                if !head_only {
                    while n > 0 {
                        let k = n.min(BUF as u64) as usize;
                        stream.write_all(&data[..k]).await?;
                        n -= k as u64;
                    }
                }
            }
            None => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n")
                    .await?;
            }
        }
    }
}
