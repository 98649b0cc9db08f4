//! A tiny HTTP/1.1 client over tokio's TcpStream and raw bytes, so that the
//! server is tested without depending on ahttp.

#![allow(dead_code)]

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Default)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub trailers: Vec<(String, String)>,
    /// Interim (1xx) statuses received before the final one.
    pub interim: Vec<u16>,
    pub chunked: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
}

/// One connection, on which requests can be sent in turn.
pub struct Client<S = TcpStream> {
    pub stream: S,
    buf: Vec<u8>,
}

impl Client<TcpStream> {
    pub async fn connect(addr: SocketAddr) -> Client<TcpStream> {
        let stream = TcpStream::connect(addr).await.expect("connect");
        Client::new(stream)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn new(stream: S) -> Client<S> {
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    async fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 16384];
        let n = self.stream.read(&mut tmp).await?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return Ok(line);
            }
            if self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    async fn exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Reads one response head (skipping nothing).
    pub async fn read_head(&mut self) -> io::Result<Resp> {
        let mut resp = Resp::default();
        let status_line = self.line().await?;
        let status_line = String::from_utf8_lossy(&status_line);
        resp.status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        loop {
            let line = self.line().await?;
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').expect("header line");
            resp.headers.push((n.to_string(), v.trim().to_string()));
        }
        Ok(resp)
    }

    /// Reads a whole response; `head_request` for a response to HEAD.
    pub async fn read_response(&mut self, head_request: bool) -> io::Result<Resp> {
        let mut interim = Vec::new();
        let mut resp = loop {
            let r = self.read_head().await?;
            if (100..200).contains(&r.status) {
                interim.push(r.status);
                continue;
            }
            break r;
        };
        resp.interim = interim;
        if head_request || resp.status == 204 || resp.status == 304 {
            return Ok(resp);
        }
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            resp.chunked = true;
            loop {
                let line = self.line().await?;
                let line = String::from_utf8_lossy(&line);
                let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16)
                    .expect("chunk size");
                if size == 0 {
                    loop {
                        let l = self.line().await?;
                        let l = String::from_utf8_lossy(&l).trim_end().to_string();
                        if l.is_empty() {
                            break;
                        }
                        let (n, v) = l.split_once(':').expect("trailer line");
                        resp.trailers.push((n.to_string(), v.trim().to_string()));
                    }
                    break;
                }
                let data = self.exact(size + 2).await?;
                resp.body.extend_from_slice(&data[..size]);
            }
        } else if let Some(len) = resp.header("content-length") {
            let len: usize = len.parse().expect("content-length");
            resp.body = self.exact(len).await?;
        } else {
            while self.fill().await? > 0 {}
            resp.body = std::mem::take(&mut self.buf);
        }
        Ok(resp)
    }

    /// Sends a request with the given extra headers (a Host header and
    /// Content-Length are added) and reads the response.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        self.send(&build(method, path, headers, body)).await;
        self.read_response(method == "HEAD")
            .await
            .expect("response")
    }

    /// Reads until the peer closes; returns what came.
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? > 0 {}
        Ok(std::mem::take(&mut self.buf))
    }
}

pub fn build(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: test.local\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    let has_framing = headers.iter().any(|(n, _)| {
        n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding")
    });
    if !has_framing && (!body.is_empty() || method == "POST" || method == "PUT") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A one-off GET on a new connection.
pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    Client::connect(addr)
        .await
        .request("GET", path, &[], b"")
        .await
}
