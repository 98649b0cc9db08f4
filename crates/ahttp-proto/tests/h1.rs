//! Table-driven tests of `h1::ClientConnection`: every response case runs
//! whole, one byte at a time and at 50 random split points, and must give
//! the same events each time (see `common::run_all_splits`).

mod common;

use ahttp_proto::h1::{BodyState, ClientConnection, Config, Event, Limits, RequestHead};
use ahttp_proto::{ErrorKind, RequestField};
use bytes::BytesMut;
use common::{run_all_splits, Ev, Head, Outcome, Req};
use http::{Method, Version};
use std::time::{Duration, Instant};

const RANDOM_SPLITS: usize = 50;

fn h(status: u16, reason: &str, headers: &[(&str, &str)]) -> Head {
    h_v(Version::HTTP_11, status, reason, headers)
}

fn h_v(version: Version, status: u16, reason: &str, headers: &[(&str, &str)]) -> Head {
    Head {
        status,
        reason: reason.as_bytes().to_vec(),
        version,
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
    }
}

fn data(b: &[u8]) -> Ev {
    Ev::Data {
        bytes: b.to_vec(),
        chunk_start: false,
        chunk_end: false,
    }
}

fn chunk(b: &[u8]) -> Ev {
    Ev::Data {
        bytes: b.to_vec(),
        chunk_start: true,
        chunk_end: true,
    }
}

fn err(kind: ErrorKind, at: u64) -> Ev {
    Ev::Error(kind, Some(at))
}

struct Case {
    name: &'static str,
    req: Req,
    input: &'static [u8],
    eof: bool,
    events: Vec<Ev>,
    reusable: bool,
    leftover: &'static [u8],
}

fn case(name: &'static str, input: &'static [u8], events: Vec<Ev>) -> Case {
    Case {
        name,
        req: Req::get(),
        input,
        eof: false,
        events,
        reusable: true,
        leftover: b"",
    }
}

impl Case {
    fn req(mut self, req: Req) -> Self {
        self.req = req;
        self
    }
    fn eof(mut self) -> Self {
        self.eof = true;
        self.reusable = false;
        self
    }
    fn closes(mut self) -> Self {
        self.reusable = false;
        self
    }
    fn leftover(mut self, rest: &'static [u8]) -> Self {
        self.leftover = rest;
        self
    }
}

fn check(cases: Vec<Case>, config: &Config) {
    for c in cases {
        let got = run_all_splits(&c.req, config, c.input, c.eof, RANDOM_SPLITS);
        let need_data = matches!(
            c.events.last(),
            Some(Ev::Response(_) | Ev::Info(_) | Ev::Data { .. }) | None
        );
        let want = Outcome {
            events: c.events,
            reusable: c.reusable,
            need_data,
            leftover: c.leftover.to_vec(),
        };
        assert_eq!(got, want, "case {}", c.name);
    }
}

#[test]
fn body_framing_per_rfc_9112_section_6() {
    let cl5 = || h(200, "OK", &[("Content-Length", "5")]);
    let te = || h(200, "OK", &[("Transfer-Encoding", "chunked")]);
    check(
        vec![
            case("content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", vec![Ev::Response(cl5()), data(b"hello"), Ev::End]),
            case("content-length zero", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", vec![Ev::Response(h(200, "OK", &[("Content-Length", "0")])), Ev::End]),
            case("bytes after the body are the next response's", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1", vec![Ev::Response(cl5()), data(b"hello"), Ev::End]).leftover(b"HTTP/1.1"),
            case("HEAD has no body", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", vec![Ev::Response(h(200, "OK", &[("Content-Length", "10")])), Ev::End]).req(Req::new(Method::HEAD)),
            case("204 has no body", b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", vec![Ev::Response(h(204, "No Content", &[("Content-Length", "5")])), Ev::End]).leftover(b"hello"),
            case("304 has no body", b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", vec![Ev::Response(h(304, "Not Modified", &[("Transfer-Encoding", "chunked")])), Ev::End]),
            case("chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", vec![Ev::Response(te()), chunk(b"hello"), chunk(b" world"), Ev::End]),
            case("chunked wins over content-length and closes", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                vec![Ev::Response(h(200, "OK", &[("Content-Length", "3"), ("Transfer-Encoding", "chunked")])), chunk(b"hello"), Ev::End]).closes(),
            case("chunked last of two fields", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                vec![Ev::Response(h(200, "OK", &[("Transfer-Encoding", ""), ("Transfer-Encoding", "chunked")])), Ev::End]),
            case("other coding before chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", vec![err(ErrorKind::UnsupportedTransferCoding, 0)]).closes(),
            case("transfer-encoding without chunked last reads until close", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
                vec![Ev::Response(h(200, "OK", &[("Transfer-Encoding", "gzip")])), data(b"abc"), Ev::End, Ev::Closed]).eof(),
            case("equal content-lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello",
                vec![Ev::Response(h(200, "OK", &[("Content-Length", "5"), ("Content-Length", "5, 5")])), data(b"hello"), Ev::End]),
            case("different content-lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", vec![err(ErrorKind::ConflictingContentLength, 0)]).closes(),
            case("content-length list that differs", b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", vec![err(ErrorKind::ConflictingContentLength, 0)]).closes(),
            case("content-length not a number", b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", vec![err(ErrorKind::InvalidContentLength, 0)]).closes(),
            case("content-length beyond u64", b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", vec![err(ErrorKind::InvalidContentLength, 0)]).closes(),
            case("close-delimited", b"HTTP/1.1 200 OK\r\n\r\nuntil the end", vec![Ev::Response(h(200, "OK", &[])), data(b"until the end"), Ev::End, Ev::Closed]).eof(),
            case("close-delimited waits for eof", b"HTTP/1.1 200 OK\r\n\r\nmore", vec![Ev::Response(h(200, "OK", &[])), data(b"more")]).closes(),
            case("close-delimited without read_until_eof is empty", b"HTTP/1.1 200 OK\r\n\r\nignored",
                vec![Ev::Response(h(200, "OK", &[])), Ev::End]).req(Req { read_until_eof: false, ..Req::get() }).closes().leftover(b"ignored"),
        ],
        &Config::default(),
    );
}

#[test]
fn chunked_bodies() {
    let te = || Ev::Response(h(200, "OK", &[("Transfer-Encoding", "chunked")]));
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let at = head.len() as u64;
    check(
        vec![
            case("extensions and both hex cases", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na;name=value;q=\"x y\"\r\n0123456789\r\nB ; ext\r\nABCDEFGHIJK\r\n000\r\n\r\n",
                vec![te(), chunk(b"0123456789"), chunk(b"ABCDEFGHIJK"), Ev::End]),
            case("trailers", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Sum: 1\r\nX-Other:  two \r\n\r\n",
                vec![te(), chunk(b"a"), Ev::Trailers(vec![(b"X-Sum".to_vec(), b"1".to_vec()), (b"X-Other".to_vec(), b"two".to_vec())]), Ev::End]),
            case("folded trailer", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: one\r\n two\r\n\r\n",
                vec![te(), Ev::Trailers(vec![(b"X-A".to_vec(), b"one two".to_vec())]), Ev::End]),
            case("bad size line", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", vec![te(), err(ErrorKind::InvalidChunkSize, at)]).closes(),
            case("size with a junk suffix", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\n", vec![te(), err(ErrorKind::InvalidChunkSize, at + 1)]).closes(),
            case("size with too many digits", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", vec![te(), err(ErrorKind::ChunkSizeTooLarge, at + 16)]).closes(),
            case("missing crlf after data", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", vec![te(), chunk(b"abc"), err(ErrorKind::MissingChunkCrlf, at + 6)]).closes(),
            case("lf alone after data", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n", vec![te(), chunk(b"abc"), err(ErrorKind::MissingChunkCrlf, at + 6)]).closes(),
            case("size line without cr", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n", vec![te(), err(ErrorKind::InvalidChunkSize, at + 1)]).closes(),
            case("eof inside chunk data says what is missing", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nabc",
                vec![te(), Ev::Data { bytes: b"abc".to_vec(), chunk_start: true, chunk_end: false }, err(ErrorKind::IncompleteBody { missing: Some(5) }, at + 6)]).eof(),
            case("eof before the last chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                vec![te(), chunk(b"abc"), err(ErrorKind::IncompleteBody { missing: None }, at + 8)]).eof(),
        ],
        &Config::default(),
    );
    let _ = head;
}

#[test]
fn informational_and_upgrades() {
    let upgrade_req = Req::get()
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket");
    check(
        vec![
            case("any number of 1xx", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
                vec![Ev::Info(h(100, "Continue", &[])), Ev::Info(h(103, "Early Hints", &[("Link", "</a>; rel=preload")])), Ev::Info(h(102, "Processing", &[])),
                     Ev::Response(h(200, "OK", &[("Content-Length", "1")])), data(b"x"), Ev::End]),
            case("a 1xx content-length is ignored", b"HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
                vec![Ev::Info(h(100, "Continue", &[("Content-Length", "3")])), Ev::Response(h(204, "No Content", &[])), Ev::End]),
            case("101 hands over the rest", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
                vec![Ev::Upgrade(h(101, "Switching Protocols", &[("Upgrade", "websocket"), ("Connection", "Upgrade")]), b"\x81\x05hello".to_vec())]).req(upgrade_req).closes(),
            case("101 that was not asked for", b"HTTP/1.1 101 Switching Protocols\r\n\r\n", vec![err(ErrorKind::UnexpectedUpgrade, 0)]).closes(),
            case("2xx to CONNECT is a tunnel", b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01",
                vec![Ev::Upgrade(h(200, "Connection established", &[]), b"\x16\x03\x01".to_vec())]).req(Req::new(Method::CONNECT)).closes(),
            case("CONNECT refused", b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny",
                vec![Ev::Response(h(407, "Proxy Authentication Required", &[("Content-Length", "4")])), data(b"deny"), Ev::End]).req(Req::new(Method::CONNECT)),
        ],
        &Config::default(),
    );
}

#[test]
fn status_lines_and_fields() {
    check(
        vec![
            case(
                "no reason",
                b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(h(200, "", &[("Content-Length", "0")])),
                    Ev::End,
                ],
            ),
            case(
                "obs-text reason kept",
                b"HTTP/1.1 200 \xc4\xe9\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(Head {
                        reason: b"\xc4\xe9".to_vec(),
                        ..h(200, "", &[("Content-Length", "0")])
                    }),
                    Ev::End,
                ],
            ),
            case(
                "bare LF line endings",
                b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                vec![
                    Ev::Response(h(200, "OK", &[("Content-Length", "2")])),
                    data(b"ok"),
                    Ev::End,
                ],
            ),
            case(
                "leading blank line skipped",
                b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(h(200, "OK", &[("Content-Length", "0")])),
                    Ev::End,
                ],
            ),
            case(
                "obs-fold unfolded",
                b"HTTP/1.1 200 OK\r\nX-Long: a\r\n\t b\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(h(200, "OK", &[("X-Long", "a b"), ("Content-Length", "0")])),
                    Ev::End,
                ],
            ),
            case(
                "value whitespace trimmed, case kept, order kept",
                b"HTTP/1.1 200 OK\r\nB:  2 \r\na:1\r\nB: 3\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(h(
                        200,
                        "OK",
                        &[("B", "2"), ("a", "1"), ("B", "3"), ("Content-Length", "0")],
                    )),
                    Ev::End,
                ],
            ),
            case(
                "not http",
                b"SSH-2.0-OpenSSH\r\n\r\n",
                vec![err(ErrorKind::InvalidStatusLine, 0)],
            )
            .closes(),
            case(
                "tls record refused before any newline",
                b"\x16\x03\x01\x02\x00\x01\x00",
                vec![err(ErrorKind::InvalidStatusLine, 0)],
            )
            .closes(),
            case(
                "unknown version",
                b"HTTP/1.2 200 OK\r\n\r\n",
                vec![err(ErrorKind::InvalidStatusLine, 0)],
            )
            .closes(),
            case(
                "two-digit status",
                b"HTTP/1.1 20 OK\r\n\r\n",
                vec![err(ErrorKind::InvalidStatusLine, 0)],
            )
            .closes(),
            case(
                "status below 100",
                b"HTTP/1.1 099 Odd\r\n\r\n",
                vec![err(ErrorKind::InvalidStatusLine, 0)],
            )
            .closes(),
            case(
                "space before colon",
                b"HTTP/1.1 200 OK\r\nName : v\r\n\r\n",
                vec![err(ErrorKind::InvalidHeader, 0)],
            )
            .closes(),
            case(
                "no colon",
                b"HTTP/1.1 200 OK\r\nNameOnly\r\n\r\n",
                vec![err(ErrorKind::InvalidHeader, 0)],
            )
            .closes(),
            case(
                "NUL in value",
                b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
                vec![err(ErrorKind::InvalidHeader, 0)],
            )
            .closes(),
            case("empty reply", b"", vec![err(ErrorKind::EmptyResponse, 0)]).eof(),
            case(
                "eof in the head",
                b"HTTP/1.1 200 OK\r\nContent-Le",
                vec![err(ErrorKind::IncompleteHead, 27)],
            )
            .eof(),
            case(
                "eof in a length body says what is missing",
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
                vec![
                    Ev::Response(h(200, "OK", &[("Content-Length", "10")])),
                    data(b"hello"),
                    err(ErrorKind::IncompleteBody { missing: Some(5) }, 44),
                ],
            )
            .eof(),
            case(
                "clean close between responses",
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                vec![
                    Ev::Response(h(200, "OK", &[("Content-Length", "0")])),
                    Ev::End,
                    Ev::Closed,
                ],
            )
            .eof(),
        ],
        &Config::default(),
    );
}

#[test]
fn keep_alive_decisions() {
    let ok = |v: Version, headers: &[(&str, &str)]| {
        let mut all = headers.to_vec();
        all.push(("Content-Length", "0"));
        vec![Ev::Response(h_v(v, 200, "OK", &all)), Ev::End]
    };
    check(
        vec![
            case(
                "1.1 persists",
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_11, &[]),
            ),
            case(
                "1.1 close",
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_11, &[("Connection", "close")]),
            )
            .closes(),
            case(
                "close among tokens",
                b"HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_11, &[("Connection", "Upgrade, CLOSE")]),
            )
            .closes(),
            case(
                "1.0 closes",
                b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_10, &[]),
            )
            .closes(),
            case(
                "1.0 keep-alive persists",
                b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_10, &[("Connection", "keep-alive")]),
            ),
            case(
                "request asked to close",
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                ok(Version::HTTP_11, &[]),
            )
            .req(Req::get().header("Connection", "close"))
            .closes(),
            case(
                "chunked on 1.0 closes",
                b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                vec![
                    Ev::Response(h_v(
                        Version::HTTP_10,
                        200,
                        "OK",
                        &[("Transfer-Encoding", "chunked")],
                    )),
                    Ev::End,
                ],
            )
            .closes(),
        ],
        &Config::default(),
    );
}

#[test]
fn an_unread_body_or_an_error_prevents_reuse() {
    let mut conn = common::connection_for(&Req::get(), Config::default());
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"[..]);
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Response(_))));
    assert!(!conn.is_reusable(), "body not read yet");
    assert!(conn.reset().is_err());
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Data(_))));
    assert!(!conn.is_reusable(), "two body bytes still missing");
    buf.extend_from_slice(b"lo");
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Data(_))));
    assert_eq!(conn.decode(&mut buf), Ok(Event::EndOfMessage));
    assert!(conn.is_reusable());

    let mut conn = common::connection_for(&Req::get(), Config::default());
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..]);
    assert!(conn.decode(&mut buf).is_err());
    assert!(!conn.is_reusable());
}

#[test]
fn reset_serves_the_next_request_on_the_same_connection() {
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nb"[..]);
    for (status, body) in [(200, b"a"), (201, b"b")] {
        let head = RequestHead::new(&Method::GET, "/", Version::HTTP_11, [("Host", "x")]);
        conn.send_request(head, Instant::now(), &mut out).unwrap();
        let Ok(Event::Response(head)) = conn.decode(&mut buf) else {
            panic!()
        };
        assert_eq!(head.status(), status);
        let Ok(Event::Data(d)) = conn.decode(&mut buf) else {
            panic!()
        };
        assert_eq!(&d.bytes[..], body);
        assert_eq!(conn.decode(&mut buf), Ok(Event::EndOfMessage));
        conn.reset().unwrap();
    }
    assert_eq!(
        &out[..],
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    // A second request before the first one finished is refused.
    let head = RequestHead::new(&Method::GET, "/", Version::HTTP_11, [("Host", "x")]);
    conn.send_request(head.clone(), Instant::now(), &mut out)
        .unwrap();
    assert!(conn.send_request(head, Instant::now(), &mut out).is_err());
}

#[test]
fn bytes_with_no_request_outstanding_are_an_error() {
    let mut conn = ClientConnection::new();
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\n"[..]);
    assert_eq!(
        conn.decode(&mut buf).unwrap_err().kind(),
        &ErrorKind::UnexpectedData
    );
    let mut conn = ClientConnection::new();
    conn.receive_eof();
    assert_eq!(conn.decode(&mut BytesMut::new()), Ok(Event::Closed));
}

#[test]
fn limits_default_to_aiohttp_and_are_settable() {
    assert_eq!(
        Limits::default(),
        Limits {
            max_line_size: 8190,
            max_field_size: 8190,
            max_headers: 128
        }
    );
    let long_reason = format!("HTTP/1.1 200 {}\r\n\r\n", "r".repeat(8190));
    let long_field = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(8190));
    let fits_field = format!(
        "HTTP/1.1 200 OK\r\nX: {}\r\nContent-Length: 0\r\n\r\n",
        "v".repeat(8190 - 1 - 2)
    );
    let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "A: b\r\n".repeat(129));
    let exactly_128 = format!(
        "HTTP/1.1 200 OK\r\n{}Content-Length: 0\r\n\r\n",
        "A: b\r\n".repeat(127)
    );
    let trailers_over = format!(
        "HTTP/1.1 200 OK\r\n{}Transfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\nT: 2\r\n\r\n",
        "A: b\r\n".repeat(126)
    );
    let config = Config::default();
    for (input, want) in [
        (
            &long_reason,
            Some(ErrorKind::StatusLineTooLong { limit: 8190 }),
        ),
        (
            &long_field,
            Some(ErrorKind::HeaderFieldTooLong { limit: 8190 }),
        ),
        (&fits_field, None),
        (&many, Some(ErrorKind::TooManyHeaders { limit: 128 })),
        (&exactly_128, None),
        (
            &trailers_over,
            Some(ErrorKind::TooManyHeaders { limit: 128 }),
        ),
    ] {
        let out = run_all_splits(&Req::get(), &config, input.as_bytes(), false, 5);
        let got = out.events.iter().find_map(|e| match e {
            Ev::Error(kind, _) => Some(kind.clone()),
            _ => None,
        });
        assert_eq!(got, want, "{}", &input[..40]);
    }

    let small = Config {
        limits: Limits {
            max_line_size: 20,
            max_field_size: 10,
            max_headers: 2,
        },
        ..Config::default()
    };
    for (input, want) in [
        (
            &b"HTTP/1.1 200 OK but longer\r\n\r\n"[..],
            ErrorKind::StatusLineTooLong { limit: 20 },
        ),
        (
            b"HTTP/1.1 200 OK\r\nX: 1234567890\r\n\r\n",
            ErrorKind::HeaderFieldTooLong { limit: 10 },
        ),
        (
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            ErrorKind::TooManyHeaders { limit: 2 },
        ),
    ] {
        let out = run_all_splits(&Req::get(), &small, input, false, 10);
        assert!(
            matches!(out.events.last(), Some(Ev::Error(k, _)) if *k == want),
            "{out:?}"
        );
    }
    let short_lines = Config {
        limits: Limits {
            max_line_size: 20,
            ..Limits::default()
        },
        ..Config::default()
    };
    let input =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=aaaaaaaaaaaaaaaaaaa\r\n";
    let out = run_all_splits(&Req::get(), &short_lines, input, false, 10);
    assert!(
        matches!(
            out.events.last(),
            Some(Ev::Error(ErrorKind::ChunkLineTooLong { limit: 20 }, _))
        ),
        "{out:?}"
    );
    // A start line that is both not HTTP and too long gets the same error
    // at every split (found by the h1_response fuzz target).
    let tiny = Config {
        limits: Limits {
            max_line_size: 64,
            max_field_size: 64,
            max_headers: 4,
        },
        ..Config::default()
    };
    let input = [&b"\r\n"[..], &[b'x'; 100], b"\r\n\r\n"].concat();
    let out = run_all_splits(&Req::get(), &tiny, &input, false, 50);
    assert_eq!(
        out.events,
        vec![Ev::Error(ErrorKind::InvalidStatusLine, Some(2))]
    );
    // aiohttp counts name plus value: the colon and whitespace are free.
    let fits = b"HTTP/1.1 200 OK\r\nX:    123456789   \r\nContent-Length: 0\r\n\r\n";
    let small_fits = Config {
        limits: Limits {
            max_field_size: 17,
            ..small.limits
        },
        ..small
    };
    let out = run_all_splits(&Req::get(), &small_fits, fits, false, 10);
    assert_eq!(out.events.last(), Some(&Ev::End), "{out:?}");
}

/// An endless head is refused after about one limit's worth of bytes: the
/// caller never has to buffer more than that.
#[test]
fn an_endless_head_is_refused_early() {
    for (prefix, limit) in [
        ("HTTP/1.1 200 ", 8190usize),
        ("HTTP/1.1 200 OK\r\nX: ", 8190),
    ] {
        let mut conn = common::connection_for(&Req::get(), Config::default());
        let mut buf = BytesMut::from(prefix.as_bytes());
        let mut fed = prefix.len();
        let err = loop {
            match conn.decode(&mut buf) {
                Ok(Event::NeedData) => {}
                Ok(other) => panic!("{other:?}"),
                Err(e) => break e,
            }
            buf.extend_from_slice(&[b'a'; 1024]);
            fed += 1024;
            assert!(fed < 64 * 1024, "still buffering after {fed} bytes");
        };
        assert!(err.is_limit(), "{err}");
        assert!(
            fed <= prefix.len() + limit + 1024 + 2,
            "refused only after {fed} bytes"
        );
    }
    // The same for a chunk-size line and for trailers.
    let mut conn = common::connection_for(&Req::get(), Config::default());
    let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;"[..]);
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Response(_))));
    let mut fed = 0;
    let err = loop {
        buf.extend_from_slice(&[b'a'; 1024]);
        fed += 1024;
        match conn.decode(&mut buf) {
            Ok(Event::NeedData) => assert!(fed < 64 * 1024),
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), &ErrorKind::ChunkLineTooLong { limit: 8190 });
    assert!(fed <= 8190 + 1024 + 2);
}

// ----------------------------------------------------------------------
// Encoding requests
// ----------------------------------------------------------------------

fn encode(
    method: &Method,
    target: &str,
    version: Version,
    headers: &[(&str, &str)],
) -> (ClientConnection, Result<BytesMut, ahttp_proto::Error>) {
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::from(&b"before"[..]);
    let head = RequestHead::new(method, target, version, headers);
    let result = conn.send_request(head, Instant::now(), &mut out);
    (
        conn,
        result
            .map(|()| out.split_off(6))
            .inspect_err(|_| assert_eq!(&out[..], b"before", "nothing is written on error")),
    )
}

#[test]
fn request_heads_are_written_as_given() {
    let (_, out) = encode(
        &Method::GET,
        "/a?b=c",
        Version::HTTP_11,
        &[
            ("Host", "example.com"),
            ("X-Case", "Kept"),
            ("x-case", "twice"),
        ],
    );
    assert_eq!(
        &out.unwrap()[..],
        b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Case: Kept\r\nx-case: twice\r\n\r\n"
    );
    let (_, out) = encode(
        &Method::from_bytes(b"PURGE").unwrap(),
        "http://proxy.example/x",
        Version::HTTP_10,
        &[],
    );
    assert_eq!(
        &out.unwrap()[..],
        b"PURGE http://proxy.example/x HTTP/1.0\r\n\r\n"
    );
    let (_, out) = encode(
        &Method::CONNECT,
        "example.com:443",
        Version::HTTP_11,
        &[("Host", "example.com:443")],
    );
    assert_eq!(
        &out.unwrap()[..],
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    );
    // A HeaderMap works as the header list too.
    let mut map = http::HeaderMap::new();
    map.insert(http::header::ACCEPT, http::HeaderValue::from_static("*/*"));
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    conn.send_request(
        RequestHead::new(&Method::GET, "/", Version::HTTP_11, &map),
        Instant::now(),
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..], b"GET / HTTP/1.1\r\naccept: */*\r\n\r\n");
}

#[test]
fn smuggling_bytes_are_refused_before_writing() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], RequestField, u8, u64);
    let cases: &[Case] = &[
        ("/a\r\nb", &[], RequestField::Target, b'\r', 2),
        ("/a\nb", &[], RequestField::Target, b'\n', 2),
        ("/a\0b", &[], RequestField::Target, 0, 2),
        ("/a b", &[], RequestField::Target, b' ', 2),
        ("/", &[("X\r\nY", "v")], RequestField::HeaderName, b'\r', 1),
        ("/", &[("X:", "v")], RequestField::HeaderName, b':', 1),
        (
            "/",
            &[("X", "v\r\nInjected: 1")],
            RequestField::HeaderValue,
            b'\r',
            1,
        ),
        (
            "/",
            &[("X", "v\nInjected: 1")],
            RequestField::HeaderValue,
            b'\n',
            1,
        ),
        ("/", &[("X", "v\0")], RequestField::HeaderValue, 0, 1),
    ];
    for &(target, headers, field, byte, at) in cases {
        let (_, out) = encode(&Method::GET, target, Version::HTTP_11, headers);
        let e = out.unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::InvalidRequestByte { field, byte },
            "{target:?} {headers:?}"
        );
        assert_eq!(e.offset(), Some(at));
        assert!(e.is_encode());
    }
}

#[test]
fn request_bodies_match_their_declared_framing() {
    // Content-Length: too long, too short, exact.
    let (mut conn, out) = encode(
        &Method::POST,
        "/",
        Version::HTTP_11,
        &[("Content-Length", "4")],
    );
    let mut out = out.unwrap();
    assert_eq!(conn.body_state(), BodyState::Ready);
    conn.send_body(b"ab", &mut out).unwrap();
    let e = conn.send_body(b"cde", &mut out).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::BodyTooLong {
            declared: 4,
            attempted: 5
        }
    );
    assert_eq!(
        conn.send_end(&mut out).unwrap_err().kind(),
        &ErrorKind::BodyTooShort {
            declared: 4,
            sent: 2
        }
    );
    conn.send_body(b"cd", &mut out).unwrap();
    conn.send_end(&mut out).unwrap();
    assert!(out.ends_with(b"\r\n\r\nabcd"));
    assert_eq!(conn.body_state(), BodyState::Idle);

    // Chunked, with trailers, and an empty piece that must not end the body.
    let (mut conn, out) = encode(
        &Method::POST,
        "/",
        Version::HTTP_11,
        &[("Transfer-Encoding", "chunked")],
    );
    let mut out = out.unwrap();
    conn.send_body(b"hello", &mut out).unwrap();
    conn.send_body(b"", &mut out).unwrap();
    conn.send_body(&[b'x'; 26], &mut out).unwrap();
    conn.send_end_with_trailers([("X-Check", "1")], &mut out)
        .unwrap();
    let body_at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(
        &out[body_at..],
        &b"5\r\nhello\r\n1a\r\nxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n0\r\nX-Check: 1\r\n\r\n"[..]
    );

    // Vectored: the caller writes the data itself.
    let (mut conn, out) = encode(
        &Method::PUT,
        "/",
        Version::HTTP_11,
        &[("Transfer-Encoding", "chunked")],
    );
    let mut out = out.unwrap();
    let start = out.len();
    let suffix = conn.send_body_prefix(300, &mut out).unwrap().unwrap();
    assert_eq!((&out[start..], suffix), (&b"12c\r\n"[..], &b"\r\n"[..]));
    assert_eq!(conn.send_body_prefix(0, &mut out).unwrap(), None);

    // No framing: no body at all; trailers only on chunked bodies.
    let (mut conn, out) = encode(&Method::GET, "/", Version::HTTP_11, &[]);
    let mut out = out.unwrap();
    assert!(conn.send_body(b"x", &mut out).is_err());
    let (mut conn, out) = encode(
        &Method::POST,
        "/",
        Version::HTTP_11,
        &[("Content-Length", "0")],
    );
    let mut out = out.unwrap();
    assert!(conn.send_end_with_trailers([("X", "1")], &mut out).is_err());

    // Framings that cannot be sent.
    for (version, headers) in [
        (Version::HTTP_10, &[("Transfer-Encoding", "chunked")][..]),
        (Version::HTTP_11, &[("Transfer-Encoding", "gzip")]),
        (
            Version::HTTP_11,
            &[("Transfer-Encoding", "chunked"), ("Content-Length", "3")],
        ),
        (
            Version::HTTP_11,
            &[("Content-Length", "3"), ("Content-Length", "4")],
        ),
        (Version::HTTP_11, &[("Content-Length", "-3")]),
        (Version::HTTP_2, &[]),
    ] {
        let (_, out) = encode(&Method::POST, "/", version, headers);
        assert!(
            matches!(out.unwrap_err().kind(), ErrorKind::InvalidRequestFraming(_)),
            "{headers:?}"
        );
    }
}

#[test]
fn expect_100_continue_holds_the_body_until_100() {
    let t0 = Instant::now();
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::POST,
        "/",
        Version::HTTP_11,
        [("Content-Length", "2"), ("Expect", "100-continue")],
    );
    conn.send_request(head, t0, &mut out).unwrap();
    assert_eq!(conn.body_state(), BodyState::AwaitingContinue);
    assert_eq!(conn.poll_timeout(), Some(t0 + Duration::from_secs(1)));
    assert!(conn.send_body(b"hi", &mut out).is_err(), "held");
    let mut buf = BytesMut::from(&b"HTTP/1.1 100 Continue\r\n\r\n"[..]);
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Informational(h)) if h.status() == 100));
    assert_eq!(conn.body_state(), BodyState::Ready);
    assert_eq!(conn.poll_timeout(), None);
    conn.send_body(b"hi", &mut out).unwrap();
    conn.send_end(&mut out).unwrap();
    buf.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Response(_))));
    assert_eq!(conn.decode(&mut buf), Ok(Event::EndOfMessage));
    assert!(conn.is_reusable());
}

#[test]
fn expect_100_continue_wait_expires_on_the_given_clock() {
    let t0 = Instant::now();
    let config = Config {
        expect_continue_timeout: Some(Duration::from_millis(1500)),
        ..Config::default()
    };
    let mut conn = ClientConnection::with_config(config);
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::PUT,
        "/",
        Version::HTTP_11,
        [("Transfer-Encoding", "chunked"), ("Expect", "100-Continue")],
    );
    conn.send_request(head, t0, &mut out).unwrap();
    let deadline = conn.poll_timeout().unwrap();
    assert_eq!(deadline, t0 + Duration::from_millis(1500));
    conn.handle_timeout(t0 + Duration::from_millis(1499));
    assert_eq!(conn.body_state(), BodyState::AwaitingContinue);
    conn.handle_timeout(deadline);
    assert_eq!(conn.body_state(), BodyState::Ready);
    assert_eq!(conn.poll_timeout(), None);
    conn.send_body(b"late", &mut out).unwrap();
    conn.send_end(&mut out).unwrap();

    // With no timeout the wait lasts until the server answers.
    let mut conn = ClientConnection::with_config(Config {
        expect_continue_timeout: None,
        ..Config::default()
    });
    let head = RequestHead::new(
        &Method::PUT,
        "/",
        Version::HTTP_11,
        [("Content-Length", "1"), ("Expect", "100-continue")],
    );
    conn.send_request(head, t0, &mut out).unwrap();
    assert_eq!(conn.poll_timeout(), None);
    conn.handle_timeout(t0 + Duration::from_secs(86400));
    assert_eq!(conn.body_state(), BodyState::AwaitingContinue);
}

#[test]
fn a_final_answer_before_100_refuses_the_body() {
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    let head = RequestHead::new(
        &Method::POST,
        "/",
        Version::HTTP_11,
        [("Content-Length", "2"), ("Expect", "100-continue")],
    );
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    let mut buf =
        BytesMut::from(&b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"[..]);
    assert!(matches!(conn.decode(&mut buf), Ok(Event::Response(h)) if h.status() == 417));
    assert_eq!(conn.body_state(), BodyState::Refused);
    assert!(conn.send_body(b"hi", &mut out).is_err());
    assert_eq!(conn.decode(&mut buf), Ok(Event::EndOfMessage));
    assert!(
        !conn.is_reusable(),
        "the server may still wait for the body"
    );
}

// ----------------------------------------------------------------------
// Work and copies
// ----------------------------------------------------------------------

fn feed_bytewise(conn: &mut ClientConnection, input: &[u8]) -> (Vec<Event>, usize) {
    let mut buf = BytesMut::with_capacity(input.len());
    let mut events = Vec::new();
    let mut calls = 0;
    for &b in input {
        buf.extend_from_slice(&[b]);
        loop {
            calls += 1;
            match conn.decode(&mut buf).unwrap() {
                Event::NeedData => break,
                e => events.push(e),
            }
        }
    }
    (events, calls)
}

#[test]
fn a_64k_head_fed_bytewise_costs_linear_work() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    let mut i = 0;
    while head.len() < 64 * 1024 - 600 {
        head.extend_from_slice(format!("X-Header-{i}: {}\r\n", "v".repeat(500)).as_bytes());
        i += 1;
    }
    head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    assert!(head.len() >= 63 * 1024 && i < 128);
    let mut conn = common::connection_for(&Req::get(), Config::default());
    let (events, calls) = feed_bytewise(&mut conn, &head);
    assert!(matches!(&events[0], Event::Response(h) if h.headers().len() == i + 1));
    let n = head.len() as u64;
    // Each byte is scanned once, parsed once at the end, plus the first
    // whole-buffer attempt on one byte: about 2n. Re-parsing on every byte
    // would be about n * n / 2.
    assert!(
        conn.bytes_examined() <= 2 * n + 16,
        "examined {} for {} bytes",
        conn.bytes_examined(),
        n
    );
    assert!(calls <= head.len() + 2);
}

#[test]
fn a_1mib_chunked_body_fed_bytewise_costs_linear_work() {
    let mut input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let head_len = input.len() as u64;
    let chunk = vec![b'z'; 4096];
    for _ in 0..256 {
        input.extend_from_slice(b"1000\r\n");
        input.extend_from_slice(&chunk);
        input.extend_from_slice(b"\r\n");
    }
    input.extend_from_slice(b"0\r\n\r\n");
    let mut conn = common::connection_for(&Req::get(), Config::default());
    let (events, calls) = feed_bytewise(&mut conn, &input);
    let body: usize = events
        .iter()
        .map(|e| match e {
            Event::Data(d) => d.bytes.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(body, 1 << 20);
    assert_eq!(events.last(), Some(&Event::EndOfMessage));
    // Framing bytes are looked at once each; data bytes are split off
    // without being looked at.
    let framing = input.len() as u64 - (1 << 20) - head_len;
    assert!(
        conn.bytes_examined() <= 2 * head_len + framing + 16,
        "examined {}",
        conn.bytes_examined()
    );
    assert!(calls <= 2 * input.len());
}

#[test]
fn body_data_is_not_copied() {
    for input in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nhello world",
    ] {
        let mut conn = common::connection_for(&Req::get(), Config::default());
        let mut buf = BytesMut::from(input);
        let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
        assert!(matches!(conn.decode(&mut buf), Ok(Event::Response(_))));
        let Ok(Event::Data(d)) = conn.decode(&mut buf) else {
            panic!()
        };
        assert_eq!(&d.bytes[..], b"hello world");
        let at = d.bytes.as_ptr() as usize;
        assert!(
            range.contains(&at) && range.contains(&(at + 10)),
            "body bytes point into the read buffer"
        );
    }
}

// ----------------------------------------------------------------------
// Round trip through a request decoder written for the test
// ----------------------------------------------------------------------

/// Parses a request as a server would: httparse for the head, the chunked
/// decoder for a chunked body. Returns (method, target, headers, body,
/// trailers).
type ParsedRequest = (
    String,
    String,
    Vec<(String, Vec<u8>)>,
    Vec<u8>,
    Vec<(Vec<u8>, Vec<u8>)>,
);

fn parse_request(wire: &[u8]) -> ParsedRequest {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(len) = req.parse(wire).unwrap() else {
        panic!("partial")
    };
    let fields: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect();
    let mut rest = BytesMut::from(&wire[len..]);
    let mut body = Vec::new();
    let mut trailers = Vec::new();
    if fields
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v == b"chunked")
    {
        let mut dec = ahttp_proto::chunked::ChunkedDecoder::new();
        loop {
            match dec.decode(&mut rest).unwrap() {
                ahttp_proto::chunked::ChunkedEvent::Data { bytes, .. } => {
                    body.extend_from_slice(&bytes)
                }
                ahttp_proto::chunked::ChunkedEvent::Trailers(t) => trailers = common::fields(&t),
                ahttp_proto::chunked::ChunkedEvent::End => break,
                ahttp_proto::chunked::ChunkedEvent::NeedData => panic!("truncated"),
            }
        }
        assert!(rest.is_empty());
    } else {
        body = rest.to_vec();
    }
    (
        req.method.unwrap().to_string(),
        req.path.unwrap().to_string(),
        fields,
        body,
        trailers,
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    #[test]
    fn encoder_output_parses_back(
        target in "/[a-zA-Z0-9/?=&%._~-]{0,40}",
        headers in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,15}", "[ -~]{0,30}"), 0..8),
        pieces in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..6),
        chunked in proptest::bool::ANY,
        trailer in proptest::option::of(("X-[A-Za-z]{1,10}", "[!-~]{1,20}")),
    ) {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(n, _)| !["content-length", "transfer-encoding", "expect", "connection", "upgrade"].contains(&n.to_ascii_lowercase().as_str()))
            .map(|(n, v)| (n, v.trim().to_string()))
            .collect();
        let total: usize = pieces.iter().map(Vec::len).sum();
        let mut all = headers.clone();
        if chunked {
            all.push(("Transfer-Encoding".into(), "chunked".into()));
        } else {
            all.push(("Content-Length".into(), total.to_string()));
        }
        let mut conn = ClientConnection::new();
        let mut out = BytesMut::new();
        conn.send_request(RequestHead::new(&Method::POST, &target, Version::HTTP_11, &all), Instant::now(), &mut out).unwrap();
        for p in &pieces {
            conn.send_body(p, &mut out).unwrap();
        }
        match (&trailer, chunked) {
            (Some((n, v)), true) => conn.send_end_with_trailers([(n, v)], &mut out).unwrap(),
            _ => conn.send_end(&mut out).unwrap(),
        }
        let (method, got_target, got_headers, body, trailers) = parse_request(&out);
        proptest::prop_assert_eq!(method, "POST");
        proptest::prop_assert_eq!(got_target, target);
        let want: Vec<(String, Vec<u8>)> = all.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
        proptest::prop_assert_eq!(got_headers, want);
        proptest::prop_assert_eq!(body, pieces.concat());
        if let (Some((n, v)), true) = (&trailer, chunked) {
            proptest::prop_assert_eq!(trailers, vec![(n.as_bytes().to_vec(), v.as_bytes().to_vec())]);
        }
    }

    /// Generated valid responses decode to their parts, however split.
    #[test]
    fn generated_responses_decode_the_same_at_any_split(
        status in 200u16..600,
        headers in proptest::collection::vec(("X-[A-Za-z0-9]{1,12}", "[!-~]([ -~]{0,20}[!-~])?"), 0..10),
        chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 1..200), 0..8),
        use_chunked in proptest::bool::ANY,
        upper_hex in proptest::bool::ANY,
        splits in proptest::collection::vec(0usize..4000, 0..12),
    ) {
        proptest::prop_assume!(status != 204 && status != 304);
        let body: Vec<u8> = chunks.concat();
        let mut wire = format!("HTTP/1.1 {status} Reason\r\n").into_bytes();
        for (n, v) in &headers {
            wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        if use_chunked {
            wire.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for c in &chunks {
                let size = if upper_hex { format!("{:X}", c.len()) } else { format!("{:x}", c.len()) };
                wire.extend_from_slice(size.as_bytes());
                wire.extend_from_slice(b"\r\n");
                wire.extend_from_slice(c);
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(b"0\r\n\r\n");
        } else {
            wire.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            wire.extend_from_slice(&body);
        }
        let mut sorted = splits.clone();
        sorted.sort_unstable();
        let whole = common::run_split(&Req::get(), &Config::default(), &wire, false, &[]);
        let split = common::run_split(&Req::get(), &Config::default(), &wire, false, &sorted);
        proptest::prop_assert_eq!(&split, &whole);
        let got_body: Vec<u8> = whole.events.iter().flat_map(|e| match e { Ev::Data { bytes, .. } => bytes.clone(), _ => vec![] }).collect();
        proptest::prop_assert_eq!(got_body, body);
        proptest::prop_assert_eq!(whole.events.last(), Some(&Ev::End));
        proptest::prop_assert!(whole.reusable);
        if use_chunked {
            let pieces = whole.events.iter().filter(|e| matches!(e, Ev::Data { .. })).count();
            proptest::prop_assert_eq!(pieces, chunks.len(), "one merged data event per chunk");
        }
    }

    /// Arbitrary bytes never panic, and give the same outcome at any split.
    #[test]
    fn arbitrary_bytes_are_split_independent(
        prefix in proptest::sample::select(vec![&b""[..], b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"]),
        tail in proptest::collection::vec(proptest::sample::select(b"HTTP/1.0 2 0\r\n:;abcxyzCL-\t 9fF\x00\x80".to_vec()), 0..120),
        splits in proptest::collection::vec(0usize..200, 0..10),
        eof in proptest::bool::ANY,
    ) {
        let input = [prefix, &tail[..]].concat();
        let mut sorted = splits.clone();
        sorted.sort_unstable();
        let whole = common::run_split(&Req::get(), &Config::default(), &input, eof, &[]);
        let split = common::run_split(&Req::get(), &Config::default(), &input, eof, &sorted);
        proptest::prop_assert_eq!(split, whole);
    }
}
