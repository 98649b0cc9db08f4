//! Benchmarks of the WebSocket frame codec (ahttp-proto::ws).
//!
//! Run with `cargo bench -p ahttp-benches --bench ws`. The masking group
//! compares `apply_mask` on 64 KiB against a plain copy of 64 KiB (the
//! floor) and against a byte-at-a-time XOR loop, and the two ways of
//! encoding a 64 KiB frame: copy then mask, and mask while copying.

use ahttp_proto::ws::frame::{apply_mask, encode_frame, encode_frame_over, Opcode};
use ahttp_proto::ws::message::{Incoming, MessageCodec};
use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const LEN: usize = 64 * 1024;
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The textbook loop: one byte, one key byte, one XOR.
#[inline(never)]
fn mask_bytewise(data: &mut [u8], key: [u8; 4]) {
    for i in 0..data.len() {
        data[i] ^= key[i % 4];
    }
}

fn masking(c: &mut Criterion) {
    let src: Vec<u8> = (0..LEN).map(|i| i as u8).collect();
    let mut g = c.benchmark_group("mask_64k");
    g.throughput(Throughput::Bytes(LEN as u64));
    let mut buf = src.clone();
    g.bench_function("apply_mask", |b| {
        b.iter(|| apply_mask(black_box(&mut buf), black_box(KEY)))
    });
    let mut dst = vec![0u8; LEN];
    g.bench_function("memcpy", |b| {
        b.iter(|| black_box(&mut dst).copy_from_slice(black_box(&src)))
    });
    let mut buf = src.clone();
    g.bench_function("byte_loop", |b| {
        b.iter(|| mask_bytewise(black_box(&mut buf), black_box(KEY)))
    });
    // Copy into the output buffer and mask: what sending 64 KiB costs.
    let mut out = BytesMut::with_capacity(LEN + 16);
    g.bench_function("encode_frame", |b| {
        b.iter(|| {
            out.clear();
            encode_frame(Opcode::Binary, true, false, black_box(&src), KEY, &mut out).unwrap();
            black_box(out.len());
        })
    });
    // What ahttp's sender does: mask while copying, over the bytes of the
    // previous frame (no fill, one pass).
    let mut reused = Vec::new();
    g.bench_function("encode_frame_over", |b| {
        b.iter(|| {
            let n = encode_frame_over(
                Opcode::Binary,
                true,
                false,
                black_box(&src),
                KEY,
                &mut reused,
            )
            .unwrap();
            black_box(n);
        })
    });
    g.finish();
}

fn receiving(c: &mut Criterion) {
    // A 64 KiB binary message and a 64 KiB text message, as a server sends
    // them (unmasked), decoded from a buffer holding the whole frame.
    let mut g = c.benchmark_group("receive_64k");
    g.throughput(Throughput::Bytes(LEN as u64));
    for (name, first, payload) in [
        ("binary", 0x82u8, vec![0xa5u8; LEN]),
        ("text", 0x81, "héllo wörld ".repeat(LEN / 14).into_bytes()),
    ] {
        let mut frame = vec![first];
        if payload.len() > 0xffff {
            frame.push(127);
            frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        } else {
            frame.push(126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        frame.extend_from_slice(&payload);
        g.bench_function(name, |b| {
            b.iter_batched(
                || BytesMut::from(&frame[..]),
                |mut buf| {
                    let mut codec = MessageCodec::new();
                    let msg = codec.decode(&mut buf).unwrap();
                    assert!(matches!(msg, Some(Incoming::Message(_))));
                    black_box(msg)
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, masking, receiving);
criterion_main!(benches);
