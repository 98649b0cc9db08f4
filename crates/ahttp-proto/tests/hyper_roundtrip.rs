//! Round trips through a real peer: requests encoded by `h1` go over a
//! TCP socket on 127.0.0.1 to hyper's HTTP/1 server, which echoes what it
//! parsed; the answers (Content-Length and chunked) are decoded by `h1`.

use ahttp_proto::h1::{ClientConnection, Event, RequestHead};
use bytes::{Bytes, BytesMut};
use http::{Method, Request, Response, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use std::convert::Infallible;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// Echoes the request as text: method, target, headers in order, a blank
/// line, the body, and the trailers after a `--trailers--` line. `/chunked`
/// answers with a streamed (chunked) body of the same text in three parts.
async fn echo(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let mut text = format!("{} {}\n", req.method(), req.uri());
    for (n, v) in req.headers() {
        text.push_str(&format!("{n}: {}\n", v.to_str().unwrap_or("?")));
    }
    let chunked = req.uri().path() == "/chunked";
    let collected = req.into_body().collect().await.expect("request body");
    let trailers = collected.trailers().cloned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&collected.to_bytes()));
    if let Some(t) = trailers {
        text.push_str("\n--trailers--\n");
        for (n, v) in &t {
            text.push_str(&format!("{n}: {}\n", v.to_str().unwrap_or("?")));
        }
    }
    let body: Body = if chunked {
        let bytes = Bytes::from(text);
        let third = bytes.len() / 3;
        let parts = vec![
            bytes.slice(..third),
            bytes.slice(third..2 * third),
            bytes.slice(2 * third..),
        ];
        BodyExt::boxed(parts_body(parts))
    } else {
        BodyExt::boxed(Full::new(Bytes::from(text)))
    };
    Ok(Response::new(body))
}

fn parts_body(
    parts: Vec<Bytes>,
) -> impl hyper::body::Body<Data = Bytes, Error = Infallible> + Send + Sync + 'static {
    // A body that yields each part as its own frame, so hyper must chunk it.
    struct Parts(std::collections::VecDeque<Bytes>);
    impl hyper::body::Body for Parts {
        type Data = Bytes;
        type Error = Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
        }
    }
    Parts(parts.into())
}

async fn start_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, hyper::service::service_fn(echo))
                    .await;
            });
        }
    });
    addr
}

/// Reads one response to its end; returns (status, body, reusable).
async fn read_response(
    conn: &mut ClientConnection,
    stream: &mut TcpStream,
    buf: &mut BytesMut,
) -> (u16, Vec<u8>, bool) {
    let mut status = 0;
    let mut body = Vec::new();
    loop {
        match conn.decode(buf).expect("hyper's answer decodes") {
            Event::NeedData => {
                buf.reserve(8192);
                if stream.read_buf(buf).await.unwrap() == 0 {
                    conn.receive_eof();
                }
            }
            Event::Informational(h) => assert_eq!(h.status(), 100),
            Event::Response(h) => status = h.status().as_u16(),
            Event::Data(d) => body.extend_from_slice(&d.bytes),
            Event::Trailers(_) => {}
            Event::EndOfMessage => return (status, body, conn.is_reusable()),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn hyper_parses_what_h1_encodes_and_h1_decodes_hyper() {
    let addr = start_server().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut conn = ClientConnection::new();
    let mut buf = BytesMut::new();
    let host = addr.to_string();

    // 1. GET, no body, answered with Content-Length.
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::GET,
        "/a?x=1",
        Version::HTTP_11,
        [("Host", host.as_str()), ("X-Trace", "one")],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let (status, body, reusable) = read_response(&mut conn, &mut stream, &mut buf).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with("GET /a?x=1\nhost: "), "{text}");
    assert!(text.contains("x-trace: one\n"));
    assert!(reusable);
    conn.reset().unwrap();

    // 2. POST with Content-Length on the same connection.
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::POST,
        "/post",
        Version::HTTP_11,
        [("Host", host.as_str()), ("Content-Length", "11")],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    conn.send_body(b"hello ", &mut out).unwrap();
    conn.send_body(b"world", &mut out).unwrap();
    conn.send_end(&mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let (_, body, reusable) = read_response(&mut conn, &mut stream, &mut buf).await;
    assert!(String::from_utf8(body)
        .unwrap()
        .ends_with("\n\nhello world"));
    assert!(reusable);
    conn.reset().unwrap();

    // 3. Chunked upload with trailers, answered chunked.
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::PUT,
        "/chunked",
        Version::HTTP_11,
        [
            ("Host", host.as_str()),
            ("Transfer-Encoding", "chunked"),
            ("Trailer", "X-Sum"),
        ],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    for piece in [&b"abc"[..], b"", b"defgh", &[b'z'; 300]] {
        conn.send_body(piece, &mut out).unwrap();
    }
    conn.send_end_with_trailers([("X-Sum", "42")], &mut out)
        .unwrap();
    stream.write_all(&out).await.unwrap();
    let (_, body, reusable) = read_response(&mut conn, &mut stream, &mut buf).await;
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with("PUT /chunked\n"), "{text}");
    assert!(
        text.contains(&format!(
            "\n\nabcdefgh{}\n--trailers--\nx-sum: 42\n",
            "z".repeat(300)
        )),
        "{text}"
    );
    assert!(reusable);
    conn.reset().unwrap();

    // 4. Expect: 100-continue: hyper answers 100 when it wants the body.
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::POST,
        "/expect",
        Version::HTTP_11,
        [
            ("Host", host.as_str()),
            ("Content-Length", "4"),
            ("Expect", "100-continue"),
        ],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    // Wait for the 100 before sending the body.
    loop {
        match conn.decode(&mut buf).unwrap() {
            Event::NeedData => {
                stream.read_buf(&mut buf).await.unwrap();
            }
            Event::Informational(h) => {
                assert_eq!(h.status(), 100);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let mut out = BytesMut::new();
    conn.send_body(b"body", &mut out).unwrap();
    conn.send_end(&mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let (_, body, _) = read_response(&mut conn, &mut stream, &mut buf).await;
    assert!(String::from_utf8(body).unwrap().ends_with("\n\nbody"));
    conn.reset().unwrap();

    // 5. HEAD: hyper sends the length of the body it would send, no body.
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::HEAD,
        "/",
        Version::HTTP_11,
        [("Host", host.as_str())],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let (status, body, reusable) = read_response(&mut conn, &mut stream, &mut buf).await;
    assert_eq!((status, body.len(), reusable), (200, 0, true));
}
