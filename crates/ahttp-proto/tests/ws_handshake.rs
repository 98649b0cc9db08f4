//! Tests of the client's opening handshake (`ahttp_proto::ws::handshake`).
//!
//! - The accept key with RFC 6455's example.
//! - The request fields, in aiohttp's order and spelling.
//! - Every way the server's answer can fail, the subprotocol choice, and
//!   the `Sec-WebSocket-Extensions` answers.
//! - A real peer: an aiohttp 3.14 server (started in a `python3` child on
//!   127.0.0.1, skipped with a note when python3 or aiohttp is missing) is
//!   sent the handshake through `h1::ClientConnection`, its answer is
//!   validated, and compressed messages go both ways through our
//!   `Compressor` and `Decompressor` and aiohttp's, with frames written
//!   by hand here.

use ahttp_proto::h1::{ClientConnection, Event, RequestHead};
use ahttp_proto::ws::deflate::{Compressor, Decompressor, DeflateConfig, Negotiated};
use ahttp_proto::ws::handshake::{accept_key, Accepted, ClientHandshake, WS_GUID};
use ahttp_proto::{Error, ErrorKind, RequestField};
use bytes::BytesMut;
use http::{Method, Version};

const KEY: [u8; 16] = *b"the sample nonce";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn good_headers() -> Vec<(String, String)> {
    vec![
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
        ("Sec-WebSocket-Accept".into(), ACCEPT.into()),
    ]
}

fn with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut headers = good_headers();
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    headers
}

fn without(name: &str) -> Vec<(String, String)> {
    good_headers()
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .collect()
}

fn replace(name: &str, value: &str) -> Vec<(String, String)> {
    let mut headers = without(name);
    headers.push((name.to_owned(), value.to_owned()));
    headers
}

fn handshake_error(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::WsHandshake(why) => why,
        other => panic!("not a handshake error: {other:?}"),
    }
}

// ----- the key -----

#[test]
fn accept_key_rfc6455_example() {
    assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), ACCEPT);
    assert_eq!(WS_GUID, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let handshake = ClientHandshake::new(KEY);
    assert_eq!(handshake.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(handshake.expected_accept(), ACCEPT);
    // Another key, checked against Python: base64(sha1(key + GUID)).
    let other = ClientHandshake::new([0; 16]);
    assert_eq!(other.key(), "AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(other.expected_accept(), "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
}

// ----- the request -----

#[test]
fn request_headers_minimal() {
    let headers = ClientHandshake::new(KEY).request_headers().unwrap();
    assert_eq!(
        headers,
        [
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Version", "13".to_owned()),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==".to_owned()),
        ]
    );
}

#[test]
fn request_headers_in_aiohttp_order() {
    let handshake = ClientHandshake::new(KEY)
        .protocols(["chat", "superchat", "v2.json+x"])
        .origin("https://example.com")
        .deflate(DeflateConfig::from_compress(12).unwrap());
    assert_eq!(
        handshake.offered_protocols(),
        ["chat", "superchat", "v2.json+x"]
    );
    assert!(handshake.deflate_config().is_some());
    let headers = handshake.request_headers().unwrap();
    assert_eq!(
        headers,
        [
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Version", "13".to_owned()),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==".to_owned()),
            // aiohttp: ",".join(protocols), no space.
            (
                "Sec-WebSocket-Protocol",
                "chat,superchat,v2.json+x".to_owned()
            ),
            ("Origin", "https://example.com".to_owned()),
            (
                "Sec-WebSocket-Extensions",
                "permessage-deflate; client_max_window_bits; server_max_window_bits=12".to_owned()
            ),
        ]
    );
    // compress=0 offers nothing.
    let plain = ClientHandshake::new(KEY)
        .deflate(DeflateConfig::from_compress(0).unwrap())
        .request_headers()
        .unwrap();
    assert!(plain.iter().all(|(n, _)| *n != "Sec-WebSocket-Extensions"));
}

#[test]
fn request_headers_refuse_bad_offers() {
    for (protocol, byte, at) in [
        ("a b", b' ', 1),
        ("chat,x", b',', 4),
        ("x\r\n", b'\r', 1),
        ("\"q\"", b'"', 0),
        ("caf\u{e9}", 0xc3, 3),
    ] {
        let err = ClientHandshake::new(KEY)
            .protocols(["ok", protocol])
            .request_headers()
            .unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::InvalidRequestByte {
                field: RequestField::HeaderValue,
                byte
            },
            "{protocol:?}"
        );
        assert_eq!(err.offset(), Some(at));
    }
    let err = ClientHandshake::new(KEY)
        .protocols([""])
        .request_headers()
        .unwrap_err();
    handshake_error(&err);
    let err = ClientHandshake::new(KEY)
        .origin("http://a\r\nX-Evil: 1")
        .request_headers()
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::InvalidRequestByte {
            field: RequestField::HeaderValue,
            byte: b'\r'
        }
    ));
    let bad_deflate = DeflateConfig {
        server_max_window_bits: Some(8),
        ..DeflateConfig::default()
    };
    let err = ClientHandshake::new(KEY)
        .deflate(bad_deflate)
        .request_headers()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WsDeflate(_)));
}

// ----- the answer -----

#[test]
fn valid_answers() {
    let plain = ClientHandshake::new(KEY);
    let none = Accepted {
        protocol: None,
        deflate: None,
    };
    for headers in [
        good_headers(),
        // Names in any case, Upgrade value in any case.
        vec![
            ("UPGRADE".into(), "WebSocket".into()),
            ("connection".into(), "upgrade".into()),
            ("sec-websocket-accept".into(), ACCEPT.into()),
        ],
        // Connection is a list; whitespace around values is not part of them.
        replace("Connection", "keep-alive, Upgrade"),
        replace("Sec-WebSocket-Accept", &format!(" {ACCEPT}\t")),
        // Unrelated fields and an empty Extensions/Protocol field.
        with(&[
            ("Server", "x"),
            ("Sec-WebSocket-Extensions", ""),
            ("Sec-WebSocket-Protocol", " "),
        ]),
    ] {
        assert_eq!(
            plain.validate_response(101, &headers).unwrap(),
            none,
            "{headers:?}"
        );
    }
    // The h1 decoder's raw pairs are accepted as they are.
    let raw: Vec<(&[u8], &[u8])> = vec![
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Accept", ACCEPT.as_bytes()),
    ];
    assert_eq!(plain.validate_response(101, raw).unwrap(), none);
}

#[test]
fn every_validation_failure() {
    let plain = ClientHandshake::new(KEY);
    type Case = (u16, Vec<(String, String)>, &'static str);
    let cases: Vec<Case> = vec![
        (200, good_headers(), "Invalid response status"),
        (100, good_headers(), "Invalid response status"),
        (301, good_headers(), "Invalid response status"),
        (426, good_headers(), "Invalid response status"),
        (101, without("Upgrade"), "Invalid upgrade header"),
        (101, replace("Upgrade", "h2c"), "Invalid upgrade header"),
        (
            101,
            replace("Upgrade", "websocket, h2c"),
            "Invalid upgrade header",
        ),
        (
            101,
            replace("Upgrade", "websocket2"),
            "Invalid upgrade header",
        ),
        (101, replace("Upgrade", ""), "Invalid upgrade header"),
        (
            101,
            with(&[("Upgrade", "websocket")]),
            "Invalid upgrade header",
        ),
        (101, without("Connection"), "Invalid connection header"),
        (
            101,
            replace("Connection", "keep-alive"),
            "Invalid connection header",
        ),
        (
            101,
            replace("Connection", "upgraded"),
            "Invalid connection header",
        ),
        (
            101,
            without("Sec-WebSocket-Accept"),
            "Invalid challenge response",
        ),
        (
            101,
            replace("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo"),
            "Invalid challenge response",
        ),
        (
            101,
            replace("Sec-WebSocket-Accept", &ACCEPT.to_lowercase()),
            "Invalid challenge response",
        ),
        (
            101,
            replace(
                "Sec-WebSocket-Accept",
                &accept_key("AAAAAAAAAAAAAAAAAAAAAA=="),
            ),
            "Invalid challenge response",
        ),
        (
            101,
            with(&[("Sec-WebSocket-Accept", ACCEPT)]),
            "Invalid challenge response",
        ),
        (
            101,
            with(&[("Sec-WebSocket-Protocol", "chat")]),
            "Server chose a subprotocol but none was offered",
        ),
        (
            101,
            with(&[("Sec-WebSocket-Extensions", "permessage-deflate")]),
            "Server accepted an extension that was not offered",
        ),
    ];
    for (status, headers, why) in cases {
        let err = plain.validate_response(status, &headers).unwrap_err();
        assert_eq!(handshake_error(&err), why, "{status} {headers:?}");
    }
}

#[test]
fn subprotocol_selection() {
    let offered = ClientHandshake::new(KEY).protocols(["chat", "superchat"]);
    let chosen = |value: &str| {
        offered
            .validate_response(101, with(&[("Sec-WebSocket-Protocol", value)]))
            .map(|a| a.protocol)
    };
    assert_eq!(chosen("chat").unwrap().as_deref(), Some("chat"));
    assert_eq!(chosen("superchat").unwrap().as_deref(), Some("superchat"));
    assert_eq!(chosen(" superchat ").unwrap().as_deref(), Some("superchat"));
    // A list (not what RFC 6455 lets a server send): the first offered one,
    // as aiohttp picks it.
    assert_eq!(
        chosen("other, superchat, chat").unwrap().as_deref(),
        Some("superchat")
    );
    assert_eq!(chosen("").unwrap(), None);
    // Not offered, or not in the same case.
    for value in ["other", "Chat", "chat2"] {
        let err = chosen(value).unwrap_err();
        assert_eq!(
            handshake_error(&err),
            "Server chose a subprotocol that was not offered",
            "{value}"
        );
    }
    // No Sec-WebSocket-Protocol: no subprotocol (aiohttp's protocol None).
    assert_eq!(
        offered
            .validate_response(101, good_headers())
            .unwrap()
            .protocol,
        None
    );
}

#[test]
fn extension_answers() {
    let offer = ClientHandshake::new(KEY).deflate(DeflateConfig::from_compress(15).unwrap());
    let answer = |values: &[&str]| {
        let extra: Vec<(&str, &str)> = values
            .iter()
            .map(|v| ("Sec-WebSocket-Extensions", *v))
            .collect();
        offer
            .validate_response(101, with(&extra))
            .map(|a| a.deflate)
    };
    let n = |cnct, snct, c, s| {
        Some(Negotiated {
            client_no_context_takeover: cnct,
            server_no_context_takeover: snct,
            client_window_bits: c,
            server_window_bits: s,
        })
    };
    // The server may decline.
    assert_eq!(answer(&[]).unwrap(), None);
    assert_eq!(answer(&[""]).unwrap(), None);
    assert_eq!(answer(&[" , "]).unwrap(), None);
    for (values, expected) in [
        (&["permessage-deflate"][..], n(false, false, 15, 15)),
        (&["Permessage-Deflate"][..], n(false, false, 15, 15)),
        (&[", permessage-deflate ,"][..], n(false, false, 15, 15)),
        (
            &["permessage-deflate; client_max_window_bits=10"][..],
            n(false, false, 10, 15),
        ),
        (
            &["permessage-deflate;client_max_window_bits=\"10\""][..],
            n(false, false, 10, 15),
        ),
        (
            &["permessage-deflate ; server_max_window_bits = 12 ; server_no_context_takeover"][..],
            n(false, true, 15, 12),
        ),
        (
            &["permessage-deflate; client_no_context_takeover"][..],
            n(true, false, 15, 15),
        ),
        (
            &["permessage-deflate; server_max_window_bits=\"1\\2\""][..],
            n(false, false, 15, 12),
        ),
        (&["", "permessage-deflate"][..], n(false, false, 15, 15)),
    ] {
        assert_eq!(answer(values).unwrap(), expected, "{values:?}");
    }
    // Malformed header values.
    for value in [
        "permessage-deflate;",
        "permessage-deflate; ",
        "permessage-deflate; =1",
        "permessage-deflate; a=",
        "permessage-deflate; a=\"unterminated",
        "permessage-deflate; a=\"x\" b",
        "permessage-deflate client_max_window_bits",
        ";permessage-deflate",
        "permessage-deflate; a=b=c",
        "permessage-deflate; a=\"\u{e9}\"",
        "\"permessage-deflate\"",
    ] {
        let err = answer(&[value]).unwrap_err();
        assert_eq!(
            handshake_error(&err),
            "Invalid Sec-WebSocket-Extensions header",
            "{value}"
        );
    }
    // Extensions not offered, twice the same one.
    for (values, why) in [
        (
            &["x-webkit-deflate-frame"][..],
            "Server accepted an extension that was not offered",
        ),
        (
            &["permessage-deflate, x-custom"][..],
            "Server accepted an extension that was not offered",
        ),
        (
            &["permessage-deflate, permessage-deflate"][..],
            "Server accepted permessage-deflate more than once",
        ),
        (
            &["permessage-deflate", "permessage-deflate"][..],
            "Server accepted permessage-deflate more than once",
        ),
    ] {
        let err = answer(values).unwrap_err();
        assert_eq!(handshake_error(&err), why, "{values:?}");
    }
    // Parameters RFC 7692 does not allow fail in the deflate negotiation.
    for value in [
        "permessage-deflate; foo",
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    ] {
        let err = answer(&[value]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WsDeflate(_)),
            "{value}: {err}"
        );
    }
    // The handshake checks come first.
    let err = offer
        .validate_response(101, replace("Sec-WebSocket-Accept", "nope"))
        .unwrap_err();
    assert_eq!(handshake_error(&err), "Invalid challenge response");
}

#[test]
fn through_the_h1_connection() {
    // The request fields go through the h1 encoder, the 101 answer through
    // the h1 decoder, and its raw header pairs into validate_response.
    let handshake = ClientHandshake::new(KEY)
        .protocols(["chat"])
        .deflate(DeflateConfig::from_compress(15).unwrap());
    let mut fields = vec![("Host", "example.com".to_owned())];
    fields.extend(handshake.request_headers().unwrap());
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    conn.send_request(
        RequestHead::new(&Method::GET, "/chat", Version::HTTP_11, &fields),
        std::time::Instant::now(),
        &mut out,
    )
    .unwrap();
    let request = String::from_utf8(out.to_vec()).unwrap();
    assert_eq!(
        request,
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    );
    let mut buf = BytesMut::from(
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
           Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
           Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n\r\n\x81\x00"
            [..],
    );
    let Event::Upgrade(head) = conn.decode(&mut buf).unwrap() else {
        panic!("no upgrade");
    };
    let accepted = handshake
        .validate_response(head.status().as_u16(), head.headers().iter_raw())
        .unwrap();
    assert_eq!(accepted.protocol.as_deref(), Some("chat"));
    assert_eq!(accepted.deflate.unwrap().client_window_bits, 12);
    assert_eq!(&buf[..], b"\x81\x00");
}

// ----- a real peer: aiohttp's server -----

mod aiohttp_peer {
    use super::*;
    use ahttp_testserver::aiohttp::AiohttpWsServer;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    /// A masked client frame.
    fn frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
        let mut out = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
        match payload.len() {
            n @ 0..=125 => out.push(0x80 | n as u8),
            n @ 126..=0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    /// Reads one unmasked server frame: (fin, rsv1, opcode, payload).
    fn read_frame(stream: &mut TcpStream, buf: &mut BytesMut) -> (bool, bool, u8, Vec<u8>) {
        fn fill(stream: &mut TcpStream, buf: &mut BytesMut, n: usize) {
            while buf.len() < n {
                let mut chunk = [0u8; 8192];
                let got = stream.read(&mut chunk).unwrap();
                assert!(got > 0, "server closed the connection");
                buf.extend_from_slice(&chunk[..got]);
            }
        }
        fill(stream, buf, 2);
        let (b0, b1) = (buf[0], buf[1]);
        assert_eq!(b1 & 0x80, 0, "server frames are not masked");
        let (len, header) = match b1 & 0x7f {
            126 => {
                fill(stream, buf, 4);
                (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
            }
            127 => {
                fill(stream, buf, 10);
                let mut n = [0u8; 8];
                n.copy_from_slice(&buf[2..10]);
                (usize::try_from(u64::from_be_bytes(n)).unwrap(), 10)
            }
            n => (usize::from(n), 2),
        };
        fill(stream, buf, header + len);
        let frame = buf.split_to(header + len);
        (
            b0 & 0x80 != 0,
            b0 & 0x40 != 0,
            b0 & 0x0f,
            frame[header..].to_vec(),
        )
    }

    fn run_case(port: u16, config: DeflateConfig, key: [u8; 16]) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let handshake = ClientHandshake::new(key)
            .protocols(["superchat", "chat"])
            .deflate(config);
        let host = format!("127.0.0.1:{port}");
        let mut fields = vec![("Host", host)];
        fields.extend(handshake.request_headers().unwrap());
        let mut conn = ClientConnection::new();
        let mut out = BytesMut::new();
        conn.send_request(
            RequestHead::new(&Method::GET, "/ws", Version::HTTP_11, &fields),
            std::time::Instant::now(),
            &mut out,
        )
        .unwrap();
        stream.write_all(&out).unwrap();
        let mut buf = BytesMut::new();
        let head = loop {
            match conn.decode(&mut buf).unwrap() {
                Event::Upgrade(head) => break head,
                Event::NeedData => {
                    let mut chunk = [0u8; 4096];
                    let n = stream.read(&mut chunk).unwrap();
                    assert!(n > 0, "server closed during the handshake");
                    buf.extend_from_slice(&chunk[..n]);
                }
                other => panic!("unexpected {other:?}"),
            }
        };
        let accepted = handshake
            .validate_response(head.status().as_u16(), head.headers().iter_raw())
            .unwrap();
        assert_eq!(accepted.protocol.as_deref(), Some("chat"));
        let negotiated = accepted
            .deflate
            .expect("aiohttp accepts permessage-deflate");
        if let Some(bits) = config.server_max_window_bits {
            assert_eq!(negotiated.server_window_bits, bits);
        }
        assert_eq!(
            negotiated.server_no_context_takeover,
            config.server_no_context_takeover
        );

        let mut compressor = Compressor::new(&negotiated);
        let mut decompressor = Decompressor::new(&negotiated, Some(4 << 20));
        let big: String = (0..2000).map(|i| format!("{} ", i % 97)).collect();
        let messages = [
            "Hello, aiohttp! ".repeat(20),
            "Hello, aiohttp! ".repeat(21),
            String::new(),
            big.clone(),
            big,
        ];
        for (i, text) in messages.iter().enumerate() {
            let mask = [i as u8, 0x5a, 0xa5, 0x3c];
            if i % 2 == 1 {
                // A fragmented message: RSV1 on the first frame only.
                let (a, b) = text.as_bytes().split_at(text.len() / 2);
                let mut first = BytesMut::new();
                compressor.compress(a, false, &mut first).unwrap();
                let mut second = BytesMut::new();
                compressor.compress(b, true, &mut second).unwrap();
                stream
                    .write_all(&frame(false, true, 1, &first, mask))
                    .unwrap();
                stream
                    .write_all(&frame(true, false, 0, &second, mask))
                    .unwrap();
            } else {
                let wire = compressor.compress_message(text.as_bytes()).unwrap();
                stream
                    .write_all(&frame(true, true, 1, &wire, mask))
                    .unwrap();
            }
            // The echo, compressed by aiohttp (one frame per message).
            let (fin, rsv1, opcode, payload) = read_frame(&mut stream, &mut buf);
            assert!(fin && rsv1, "aiohttp compresses its echo");
            assert_eq!(opcode, 1);
            let echoed = decompressor.decompress_message(&payload).unwrap();
            assert_eq!(&echoed[..], text.as_bytes(), "message {i}");
        }
        // Close.
        stream
            .write_all(&frame(true, false, 8, &1000u16.to_be_bytes(), [1, 2, 3, 4]))
            .unwrap();
        let (_, _, opcode, _) = read_frame(&mut stream, &mut buf);
        assert_eq!(opcode, 8);
    }

    #[test]
    fn aiohttp_server_handshake_and_compressed_echo() {
        let Some(server) = AiohttpWsServer::start() else {
            return;
        };
        let mut cases = Vec::new();
        for compress in [15, 12, 9] {
            let config = DeflateConfig::from_compress(compress).unwrap().unwrap();
            cases.push(config);
            cases.push(DeflateConfig {
                server_no_context_takeover: true,
                ..config
            });
            cases.push(DeflateConfig {
                client_no_context_takeover: true,
                ..config
            });
        }
        for (i, config) in cases.into_iter().enumerate() {
            let mut key = KEY;
            key[0] = i as u8;
            run_case(server.port(), config, key);
        }
    }
}
