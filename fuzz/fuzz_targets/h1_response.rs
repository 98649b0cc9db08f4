//! Response decoding with arbitrary bytes at arbitrary split points.
//!
//! Checks that decoding never panics, that the outcome does not depend on
//! how the input is split, that a failed connection keeps failing the same
//! way, and that a connection is only reusable after a complete response.
#![no_main]

use ahttp_proto::h1::{ClientConnection, Config, Event, Limits, RequestHead};
use arbitrary::Arbitrary;
use bytes::BytesMut;
use http::{Method, Version};
use libfuzzer_sys::fuzz_target;
use std::time::Instant;

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    upgrade: bool,
    read_until_eof: bool,
    eof: bool,
    small_limits: bool,
    splits: Vec<u16>,
    bytes: Vec<u8>,
}

/// A split-independent summary of the events.
#[derive(Debug, PartialEq)]
enum Seen {
    Head(u16, Vec<(Vec<u8>, Vec<u8>)>),
    Body(Vec<u8>),
    Trailers(usize),
    End,
    Closed,
    Upgrade(Vec<u8>),
    Error(ahttp_proto::ErrorKind, Option<u64>),
}

fn run(input: &Input, cuts: &[usize]) -> (Vec<Seen>, bool) {
    let method = match input.method % 4 {
        0 => Method::GET,
        1 => Method::HEAD,
        2 => Method::CONNECT,
        _ => Method::POST,
    };
    let mut config = Config::default();
    if input.small_limits {
        config.limits = Limits { max_line_size: 64, max_field_size: 64, max_headers: 4 };
    }
    let mut conn = ClientConnection::with_config(config);
    conn.set_read_until_eof(input.read_until_eof);
    let mut out = BytesMut::new();
    let mut headers = vec![("Host", "fuzz")];
    if input.upgrade {
        headers.extend([("Connection", "upgrade"), ("Upgrade", "x")]);
    }
    conn.send_request(RequestHead::new(&method, "/", Version::HTTP_11, headers), Instant::now(), &mut out)
        .expect("valid request");
    let mut seen = Vec::new();
    let mut buf = BytesMut::new();
    let mut start = 0;
    let mut done = false;
    let mut ends: Vec<usize> = cuts.to_vec();
    ends.push(input.bytes.len());
    for (i, end) in ends.into_iter().enumerate() {
        if done {
            break;
        }
        let is_last = i == cuts.len();
        buf.extend_from_slice(&input.bytes[start..end]);
        start = end;
        if is_last && input.eof {
            conn.receive_eof();
        }
        loop {
            match conn.decode(&mut buf) {
                Ok(Event::NeedData) => break,
                Ok(Event::Informational(h) | Event::Response(h)) => seen.push(Seen::Head(
                    h.status().as_u16(),
                    h.headers().iter_raw().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
                )),
                Ok(Event::Upgrade(_)) => {
                    let mut rest = buf.to_vec();
                    rest.extend_from_slice(&input.bytes[start..]);
                    seen.push(Seen::Upgrade(rest));
                    done = true;
                    break;
                }
                Ok(Event::Data(d)) => match seen.last_mut() {
                    Some(Seen::Body(b)) => b.extend_from_slice(&d.bytes),
                    _ => seen.push(Seen::Body(d.bytes.to_vec())),
                },
                Ok(Event::Trailers(t)) => {
                    // Building the map must work for whatever was accepted.
                    assert_eq!(t.map().len(), t.len());
                    seen.push(Seen::Trailers(t.len()))
                }
                Ok(Event::EndOfMessage) => seen.push(Seen::End),
                Ok(Event::Closed) => {
                    seen.push(Seen::Closed);
                    done = true;
                    break;
                }
                Err(e) => {
                    assert_eq!(conn.decode(&mut buf), Err(e.clone()));
                    assert!(!conn.is_reusable());
                    seen.push(Seen::Error(e.kind().clone(), e.offset()));
                    done = true;
                    break;
                }
            }
        }
    }
    if conn.is_reusable() {
        assert!(seen.contains(&Seen::End));
    }
    (seen, conn.is_reusable())
}

fuzz_target!(|input: Input| {
    let len = input.bytes.len();
    let mut cuts: Vec<usize> = input.splits.iter().map(|&s| s as usize % (len + 1)).collect();
    cuts.sort_unstable();
    let whole = run(&input, &[]);
    let split = run(&input, &cuts);
    assert_eq!(whole, split, "outcome depends on split points {cuts:?}");
});
