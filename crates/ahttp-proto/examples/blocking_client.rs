//! A blocking HTTP/1.1 client over `std::net`, driving ahttp-proto's
//! sans-IO connection, against a small server started on 127.0.0.1.
//!
//! ```sh
//! cargo run -p ahttp-proto --example blocking_client
//! ```
//!
//! It shows the whole loop a runtime adapter carries out: encode a request
//! into a buffer, write it, read into the read buffer until the connection
//! yields events, reuse the connection while it says it may be reused,
//! hold a body for `Expect: 100-continue`, and decode gzip bodies.

use ahttp_proto::decode::{ContentCoding, ContentDecoder, ACCEPT_ENCODING};
use ahttp_proto::h1::{BodyState, ClientConnection, Event, RequestHead};
use ahttp_proto::{form, multipart};
use bytes::BytesMut;
use http::{Method, Version};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// One kept-alive connection and its buffers.
struct BlockingClient {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    conn: ClientConnection,
    read_buf: BytesMut,
    connections_opened: usize,
}

/// What a request returns.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl BlockingClient {
    fn new(addr: SocketAddr) -> Self {
        BlockingClient {
            addr,
            stream: None,
            conn: ClientConnection::new(),
            read_buf: BytesMut::with_capacity(16 * 1024),
            connections_opened: 0,
        }
    }

    fn request(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, Error> {
        // Reuse the connection only when the last exchange allows it.
        if self.stream.is_none() || self.conn.reset().is_err() {
            self.stream = Some(TcpStream::connect(self.addr)?);
            self.conn = ClientConnection::new();
            self.read_buf.clear();
            self.connections_opened += 1;
        }
        let host = self.addr.to_string();
        let length = body.len().to_string();
        let mut all = vec![
            ("Host", host.as_str()),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ];
        all.extend_from_slice(headers);
        if !body.is_empty() {
            all.push(("Content-Length", &length));
        }
        let mut out = BytesMut::new();
        let head = RequestHead::new(&method, path, Version::HTTP_11, &all);
        self.conn.send_request(head, Instant::now(), &mut out)?;
        let stream = self.stream.as_mut().ok_or("no connection")?;
        stream.write_all(&out)?;

        let mut response = Response {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
        };
        let mut decoder: Option<ContentDecoder> = None;
        let mut body_sent = body.is_empty();
        loop {
            // Send the body once the connection allows it (at once, or after
            // "100 Continue" when the request asked to wait for it).
            if !body_sent && self.conn.body_state() == BodyState::Ready {
                let mut out = BytesMut::new();
                self.conn.send_body(body, &mut out)?;
                self.conn.send_end(&mut out)?;
                stream.write_all(&out)?;
                body_sent = true;
            }
            match self.conn.decode(&mut self.read_buf)? {
                Event::NeedData => {
                    if self.conn.body_state() == BodyState::AwaitingContinue {
                        // A real client sleeps until conn.poll_timeout();
                        // this one just reads, and the server answers 100.
                    }
                    let mut chunk = [0u8; 16 * 1024];
                    let n = stream.read(&mut chunk)?;
                    if n == 0 {
                        self.conn.receive_eof();
                    }
                    self.read_buf.extend_from_slice(&chunk[..n]);
                }
                Event::Informational(head) => {
                    println!(
                        "    (interim {} {})",
                        head.status().as_u16(),
                        head.reason_lossy()
                    )
                }
                Event::Response(head) => {
                    response.status = head.status().as_u16();
                    for (name, value) in head.headers().iter_raw() {
                        response.headers.push((
                            String::from_utf8_lossy(name).into(),
                            String::from_utf8_lossy(value).into(),
                        ));
                    }
                    if let Some(coding) = head.headers().get("content-encoding") {
                        decoder = Some(ContentDecoder::new(
                            ContentCoding::parse(coding)?,
                            Some(64 << 20),
                        ));
                    }
                }
                Event::Data(data) => match &mut decoder {
                    Some(d) => {
                        let mut plain = BytesMut::new();
                        d.decode(&data.bytes, &mut plain)?;
                        response.body.extend_from_slice(&plain);
                    }
                    None => response.body.extend_from_slice(&data.bytes),
                },
                Event::Trailers(_) => {}
                Event::EndOfMessage => {
                    if let Some(d) = &mut decoder {
                        let mut plain = BytesMut::new();
                        d.finish(&mut plain)?;
                        response.body.extend_from_slice(&plain);
                    }
                    return Ok(response);
                }
                Event::Upgrade(_) | Event::Closed => return Err("connection ended early".into()),
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let addr = demo_server::start()?;
    println!("server listening on http://{addr}");
    let mut client = BlockingClient::new(addr);

    let r = client.request(Method::GET, "/hello", &[], b"")?;
    println!(
        "GET /hello -> {} {:?}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );

    let query = form::encode_query([("q", "sans io"), ("lang", "rust & python")]);
    let r = client.request(Method::GET, &format!("/echo?{query}"), &[], b"")?;
    println!("GET /echo?{query} -> {}\n{}", r.status, indent(&r.body));

    let body = form::urlencode_form([("name", "Ada Lovelace"), ("note", "a+b=c")]);
    let r = client.request(
        Method::POST,
        "/echo",
        &[("Content-Type", form::FORM_URLENCODED)],
        body.as_bytes(),
    )?;
    println!("POST form -> {}\n{}", r.status, indent(&r.body));

    let mut form_data = multipart::FormData::new();
    form_data.add_field("title", "report")?;
    form_data.add_field_with(
        "file",
        bytes::Bytes::from_static(b"col1,col2\n1,2\n"),
        multipart::FieldOptions::new()
            .filename("data.csv")
            .content_type("text/csv"),
    )?;
    let boundary = "ahttp-demo-boundary-0123456789";
    let body = form_data.to_multipart_bytes(boundary)?;
    let content_type = form_data.multipart_writer(boundary)?.content_type();
    let r = client.request(
        Method::POST,
        "/echo",
        &[("Content-Type", &content_type), ("Expect", "100-continue")],
        &body,
    )?;
    println!(
        "POST multipart with Expect: 100-continue -> {}\n{}",
        r.status,
        indent(&r.body)
    );

    let r = client.request(Method::GET, "/chunked", &[], b"")?;
    println!(
        "GET /chunked -> {} {:?}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );

    let r = client.request(Method::GET, "/gzip", &[], b"")?;
    let encoding = r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    println!(
        "GET /gzip -> {} {encoding:?} decoded {:?}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );

    println!(
        "{} requests over {} connection(s)",
        6, client.connections_opened
    );
    Ok(())
}

fn indent(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect()
}

/// A minimal HTTP/1.1 server for the demo, on std::net and httparse.
mod demo_server {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};

    pub fn start() -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Ok(addr)
    }

    fn serve(mut stream: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            // Read one request head.
            let (method, path, headers, head_len) = loop {
                let mut slots = [httparse::EMPTY_HEADER; 32];
                let mut req = httparse::Request::new(&mut slots);
                if let Ok(httparse::Status::Complete(len)) = req.parse(&buf) {
                    let headers: Vec<(String, String)> = req
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(h.value).into(),
                            )
                        })
                        .collect();
                    break (
                        req.method.unwrap_or("").to_string(),
                        req.path.unwrap_or("").to_string(),
                        headers,
                        len,
                    );
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            buf.drain(..head_len);
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            };
            if header("expect") == Some("100-continue") {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            let length: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < length {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body: Vec<u8> = buf.drain(..length).collect();
            let reply = respond(&method, &path, &headers, &body);
            if stream.write_all(&reply).is_err() {
                return;
            }
        }
    }

    fn respond(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
        let fixed = |content_type: &str, body: &[u8]| {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(body);
            out
        };
        match path.split('?').next().unwrap_or("") {
            "/hello" => fixed("text/plain", b"Hello, world!"),
            "/echo" => {
                let mut text = format!("{method} {path}\n");
                for (n, v) in headers {
                    text.push_str(&format!("{n}: {v}\n"));
                }
                text.push_str(&format!("body ({} bytes): {}\n", body.len(), String::from_utf8_lossy(body)));
                fixed("text/plain", text.as_bytes())
            }
            "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsent i\r\n9\r\nn chunks,\r\nE\r\n as they come.\r\n0\r\n\r\n".to_vec(),
            "/gzip" => {
                // "Hello, gzip world!" as Python's gzip.compress(mtime=0)
                // makes it.
                const GZ: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xf3\x48\xcd\xc9\xc9\xd7\x51\x48\xaf\xca\x2c\x50\x28\xcf\x2f\xca\x49\x51\x04\x00\x90\x3a\x77\xf4\x12\x00\x00\x00";
                let mut out = format!("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n", GZ.len()).into_bytes();
                out.extend_from_slice(GZ);
                out
            }
            _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
        }
    }
}
