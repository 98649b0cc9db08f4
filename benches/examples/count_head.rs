//! Instruction-count driver for the head-parse bench: run under
//! `valgrind --tool=callgrind` with a variant and a count, and compare the
//! totals of two counts to get instructions per head (see docs/benchmarks.md).
//!
//! `count_head ratio ROUNDS` times instead: batches of 1024 heads parsed by
//! bare httparse and by `h1::parse_response_head`, alternating, so both see
//! the same machine; it prints the median nanoseconds per head of each and
//! the median of the per-round ratios (a noisy machine moves both batches
//! of a round together).
use ahttp_proto::h1::{parse_response_head, ClientConnection, Event, Limits, RequestHead};
use bytes::BytesMut;
use http::{Method, Version};
use std::hint::black_box;
use std::time::Instant;

const HEAD_10: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 01:39:30 GMT\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 0\r\nConnection: keep-alive\r\nServer: nginx/1.27.3\r\nCache-Control: no-cache, private\r\nX-Request-Id: 5f0c6b1e-3e8a-4c7e-9d7b-2b1f1c9a7e21\r\nVary: Accept-Encoding\r\nStrict-Transport-Security: max-age=31536000\r\nX-Content-Type-Options: nosniff\r\n\r\n";

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut buf = BytesMut::with_capacity(HEAD_10.len() * n + 1);
    buf.extend_from_slice(b"\n");
    drop(buf.split_to(1));
    buf.extend_from_slice(&HEAD_10.repeat(n));
    let mut conns: Vec<ClientConnection> = (0..n)
        .map(|_| {
            let mut c = ClientConnection::new();
            let mut out = BytesMut::new();
            c.send_request(
                RequestHead::new(&Method::GET, "/", Version::HTTP_11, [("Host", "b")]),
                Instant::now(),
                &mut out,
            )
            .unwrap();
            c
        })
        .collect();
    let limits = Limits::default();
    match variant.as_str() {
        "httparse" => loop_httparse(n),
        "parse" => loop_parse(n, &mut buf, &limits),
        "decode" => loop_decode(&mut conns, &mut buf),
        "ratio" => paired_ratio(n, &limits),
        _ => eprintln!("variant: httparse | parse | decode | ratio"),
    }
}

// Callgrind counts only inside these (--toggle-collect='*loop_*').

#[inline(never)]
fn loop_httparse(n: usize) {
    for _ in 0..n {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut resp = httparse::Response::new(&mut headers);
        black_box(resp.parse(black_box(HEAD_10)).unwrap());
        black_box(resp.headers.len());
    }
}

#[inline(never)]
fn loop_parse(n: usize, buf: &mut BytesMut, limits: &Limits) {
    for _ in 0..n {
        let head = parse_response_head(buf, limits).unwrap().unwrap();
        black_box(head.status());
    }
}

#[inline(never)]
fn loop_decode(conns: &mut [ClientConnection], buf: &mut BytesMut) {
    for conn in conns {
        let Ok(Event::Response(head)) = conn.decode(buf) else {
            unreachable!()
        };
        black_box(head.status());
    }
}

/// Alternating timed batches; prints the medians and the median per-round ratio.
fn paired_ratio(rounds: usize, limits: &Limits) {
    const BATCH: usize = 1024;
    let many = HEAD_10.repeat(BATCH);
    let (mut bare, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        let mut at = 0;
        for _ in 0..BATCH {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut resp = httparse::Response::new(&mut headers);
            let httparse::Status::Complete(len) = resp.parse(black_box(&many[at..])).unwrap()
            else {
                unreachable!()
            };
            black_box(resp.headers.len());
            at += len;
        }
        bare.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
        let mut buf = BytesMut::with_capacity(many.len() + 1);
        buf.extend_from_slice(b"\n");
        drop(buf.split_to(1));
        buf.extend_from_slice(&many);
        let start = Instant::now();
        for _ in 0..BATCH {
            let head = parse_response_head(&mut buf, limits).unwrap().unwrap();
            black_box(head.status());
        }
        ours.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
    }
    // Each round's ratio pairs two batches timed back to back, so a drift
    // of the machine between rounds cancels out of it.
    let mut ratios: Vec<f64> = ours.iter().zip(&bare).map(|(o, b)| o / b).collect();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (bare, ours, ratio) = (median(&mut bare), median(&mut ours), median(&mut ratios));
    println!(
        "httparse {bare:.1} ns, parse_response_head {ours:.1} ns, median per-round ratio {ratio:.3}"
    );
}
