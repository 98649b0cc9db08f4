//! Benchmarks of the sans-IO HTTP/1.1 core (ahttp-proto::h1).
//!
//! Run with `cargo bench -p ahttp-benches --bench h1`; the medians are
//! reported in docs/benchmarks.md.

use ahttp_proto::chunked::{ChunkedDecoder, ChunkedEvent};
use ahttp_proto::h1::{parse_response_head, ClientConnection, Event, Limits, RequestHead};
use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use http::{Method, Version};
use std::hint::black_box;
use std::time::Instant;

/// A typical response head with ten fields (what a CDN-fronted API sends).
const HEAD_10: &[u8] = b"HTTP/1.1 200 OK\r\n\
Date: Sun, 22 Nov 2026 01:39:30 GMT\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Content-Length: 0\r\n\
Connection: keep-alive\r\n\
Server: nginx/1.27.3\r\n\
Cache-Control: no-cache, private\r\n\
X-Request-Id: 5f0c6b1e-3e8a-4c7e-9d7b-2b1f1c9a7e21\r\n\
Vary: Accept-Encoding\r\n\
Strict-Transport-Security: max-age=31536000\r\n\
X-Content-Type-Options: nosniff\r\n\
\r\n";

fn connection() -> ClientConnection {
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    let head = RequestHead::new(&Method::GET, "/", Version::HTTP_11, [("Host", "bench")]);
    conn.send_request(head, Instant::now(), &mut out).unwrap();
    conn
}

/// A read buffer holding `bytes` as it does on a live connection: already
/// shared with earlier responses, so splitting a head off does not allocate.
fn read_buffer(bytes: &[u8]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(bytes.len() + 1);
    buf.extend_from_slice(b"\n");
    drop(buf.split_to(1));
    buf.extend_from_slice(bytes);
    buf
}

fn response_head(c: &mut Criterion) {
    let mut g = c.benchmark_group("response_head_10_fields");
    g.throughput(Throughput::Bytes(HEAD_10.len() as u64));
    g.bench_function("httparse", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut resp = httparse::Response::new(&mut headers);
            black_box(resp.parse(black_box(HEAD_10)).unwrap());
            black_box(resp.headers.len());
        })
    });
    g.bench_function("httparse_config_uninit_128", |b| {
        b.iter(|| {
            let config = httparse::ParserConfig::default();
            let mut slots: [std::mem::MaybeUninit<httparse::Header<'_>>; 128] =
                [const { std::mem::MaybeUninit::uninit() }; 128];
            let mut resp = httparse::Response::new(&mut []);
            black_box(
                config
                    .parse_response_with_uninit_headers(&mut resp, black_box(HEAD_10), &mut slots)
                    .unwrap(),
            );
            black_box(resp.headers.len());
        })
    });
    // httparse over exactly the bytes ahttp_parse_response_head parses:
    // the same 1024 heads back to back, one after another.
    g.bench_function("httparse_same_buffer", |b| {
        const BATCH: usize = 1024;
        let many = HEAD_10.repeat(BATCH);
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BATCH as u64) as usize;
                let start = Instant::now();
                let mut at = 0;
                for _ in 0..n {
                    let mut headers = [httparse::EMPTY_HEADER; 16];
                    let mut resp = httparse::Response::new(&mut headers);
                    let httparse::Status::Complete(len) =
                        resp.parse(black_box(&many[at..])).unwrap()
                    else {
                        unreachable!()
                    };
                    black_box(resp.headers.len());
                    at += len;
                }
                total += start.elapsed();
                left -= n as u64;
            }
            total
        })
    });
    // The head parser alone, over a read buffer holding many heads back to
    // back (pipelined responses, or one large read): each head is split off
    // the shared buffer and dropped, as a client does.
    g.bench_function("ahttp_parse_response_head", |b| {
        let limits = Limits::default();
        const BATCH: usize = 1024;
        let many = HEAD_10.repeat(BATCH);
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BATCH as u64);
                let mut buf = read_buffer(&many[..n as usize * HEAD_10.len()]);
                let start = Instant::now();
                for _ in 0..n {
                    let head = parse_response_head(&mut buf, &limits).unwrap().unwrap();
                    black_box(head.status());
                }
                total += start.elapsed();
                left -= n;
            }
            total
        })
    });
    // The connection's decode to its Response event: a batch of connections
    // that each sent a request, their answers back to back in one buffer.
    g.bench_function("ahttp_decode", |b| {
        b.iter_custom(|iters| decode_batches(iters, false))
    });
    g.bench_function("ahttp_decode_and_header_map", |b| {
        b.iter_custom(|iters| decode_batches(iters, true))
    });
    g.finish();
}

/// Times `iters` decodes of HEAD_10 to its Response event, in batches of
/// connections prepared outside the timing; with `map`, the header map is
/// built too.
fn decode_batches(iters: u64, map: bool) -> std::time::Duration {
    const BATCH: usize = 1024;
    let mut total = std::time::Duration::ZERO;
    let mut left = iters;
    let mut heads = Vec::with_capacity(BATCH);
    while left > 0 {
        let n = left.min(BATCH as u64) as usize;
        let mut conns: Vec<ClientConnection> = (0..n).map(|_| connection()).collect();
        let mut buf = read_buffer(&HEAD_10.repeat(n));
        let start = Instant::now();
        for conn in &mut conns {
            let Ok(Event::Response(head)) = conn.decode(&mut buf) else {
                unreachable!()
            };
            if map {
                black_box(head.headers().map().len());
            }
            heads.push(head);
        }
        total += start.elapsed();
        heads.clear();
        left -= n as u64;
    }
    total
}

/// 1 MiB in 64 chunks of 16 KiB, the wire bytes ready in one buffer.
fn chunked_wire() -> Vec<u8> {
    let mut wire = Vec::new();
    let chunk = vec![b'x'; 16 * 1024];
    for _ in 0..64 {
        wire.extend_from_slice(b"4000\r\n");
        wire.extend_from_slice(&chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    wire
}

fn chunked_body(c: &mut Criterion) {
    let wire = chunked_wire();
    let mut g = c.benchmark_group("chunked_1MiB_in_16KiB_chunks");
    g.throughput(Throughput::Bytes(1 << 20));
    g.bench_function("decode", |b| {
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let mut dec = ChunkedDecoder::new();
                let mut total = 0;
                loop {
                    match dec.decode(&mut buf).unwrap() {
                        ChunkedEvent::Data { bytes, .. } => total += bytes.len(),
                        ChunkedEvent::End => break,
                        _ => unreachable!(),
                    }
                }
                assert_eq!(total, 1 << 20);
                buf
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn content_length_body(c: &mut Criterion) {
    let mut input = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n".to_vec();
    input.resize(input.len() + (1 << 20), b'y');
    let mut g = c.benchmark_group("content_length_1MiB_body");
    g.throughput(Throughput::Bytes(1 << 20));
    // The whole response is in the read buffer, as after a large read:
    // the body comes out as one Data event sharing that buffer, so the cost
    // does not grow with the body's size.
    g.bench_function("decode", |b| {
        b.iter_batched(
            || (connection(), BytesMut::from(&input[..])),
            |(mut conn, mut buf)| {
                let mut total = 0;
                loop {
                    match conn.decode(&mut buf).unwrap() {
                        Event::Data(d) => total += d.bytes.len(),
                        Event::EndOfMessage => break,
                        Event::Response(_) => {}
                        _ => unreachable!(),
                    }
                }
                assert_eq!(total, 1 << 20);
                (conn, buf)
            },
            BatchSize::LargeInput,
        )
    });
    // Copying the same bytes once, for scale: what one copy of the body
    // would cost.
    g.bench_function("memcpy_1MiB_for_scale", |b| {
        let body = vec![b'y'; 1 << 20];
        let mut dst = vec![0u8; 1 << 20];
        b.iter(|| {
            dst.copy_from_slice(black_box(&body));
            black_box(&dst);
        })
    });
    g.finish();
}

criterion_group!(benches, response_head, chunked_body, content_length_body);
criterion_main!(benches);
