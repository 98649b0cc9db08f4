//! Tests of permessage-deflate (`ahttp_proto::ws::deflate`).
//!
//! - The offer is compared byte for byte with what aiohttp 3.14.5's
//!   `ws_ext_gen` returns for every `compress` value.
//! - Negotiation: the server answers RFC 7692 allows, and those it does not.
//! - Interop, receiving: the `PY_*` fixtures below were written by Python's
//!   `zlib` (the compressor aiohttp and most Python servers use) with the
//!   script in [`FIXTURE_SCRIPT`]: raw deflate, a sync flush per message
//!   and the `00 00 ff ff` tail stripped, one compressor across messages
//!   (context takeover), a full flush per message (aiohttp's
//!   `notakeover`), and a 10-bit window. The RFC 7692 section 7.2.3
//!   examples are checked too. Every fixture is fed whole, byte by byte and
//!   at random split points.
//! - Interop, sending: our compressor's output is inflated by Python's
//!   `zlib` in a child process (skipped, with a note, when `python3` is not
//!   installed).
//! - Round trips (compress, then decompress) for messages whole and in
//!   pieces, with and without context takeover, for every window size,
//!   and as a proptest.
//! - The bound: a decompression bomb (64 MiB from about 400 KiB) against a
//!   1 MiB bound stops at the bound with `WsMessageTooBig`, having grown
//!   the output buffer to no more than twice the bound.

use ahttp_proto::ws::deflate::{
    Compressor, Decompressor, DeflateConfig, Negotiated, EXTENSION_NAME,
};
use ahttp_proto::ErrorKind;
use bytes::BytesMut;
use proptest::prelude::*;

/// How the `PY_*` fixtures were made (Python 3.11, zlib 1.2/1.3).
#[allow(dead_code)]
const FIXTURE_SCRIPT: &str = r#"
import zlib
TAIL = b"\x00\x00\xff\xff"
def stream(msgs, wbits=15, level=6, flush=zlib.Z_SYNC_FLUSH):
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = []
    for m in msgs:
        data = c.compress(m) + c.flush(flush)
        assert data.endswith(TAIL)
        out.append(data[:-4])
    return out
M1 = b"Hello, WebSocket! Hello, WebSocket! permessage-deflate keeps the window."
M2 = b"permessage-deflate keeps the window: Hello, WebSocket!"
M3 = b""
M4 = b"".join(b"line %d of the log, Hello, WebSocket!\n" % i for i in range(60))
def rs(name, b):
    s = ", ".join("0x%02x" % x for x in b)
    print(f"const {name}: &[u8] = &[{s}];")
for i, d in enumerate(stream([M1, M2, M3, M4])):
    rs(f"TAKEOVER_{i+1}", d)
for i, d in enumerate(stream([M1, M2], flush=zlib.Z_FULL_FLUSH)):
    rs(f"FULL_FLUSH_{i+1}", d)
W10 = bytes((i * 7919 >> 3) % 251 for i in range(700)) * 3
for i, d in enumerate(stream([W10, W10[:500]], wbits=10)):
    rs(f"WBITS10_{i+1}", d)

"#;

const PY_TAKEOVER_1: &[u8] = &[
    0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x08, 0x4f, 0x4d, 0x0a, 0xce, 0x4f, 0xce, 0x4e, 0x2d,
    0x51, 0x54, 0xf0, 0xc0, 0x10, 0x29, 0x48, 0x2d, 0xca, 0x4d, 0x2d, 0x2e, 0x4e, 0x4c, 0x4f, 0xd5,
    0x4d, 0x49, 0x4d, 0xcb, 0x49, 0x2c, 0x49, 0x55, 0xc8, 0x4e, 0x4d, 0x2d, 0x28, 0x56, 0x28, 0xc9,
    0x48, 0x55, 0x28, 0xcf, 0xcc, 0x4b, 0xc9, 0x2f, 0xd7, 0x03, 0x00,
];
const PY_TAKEOVER_2: &[u8] = &[0x22, 0x42, 0x8d, 0x15, 0xa6, 0xd1, 0x00, 0x00];
const PY_TAKEOVER_3: &[u8] = &[0x00];
const PY_TAKEOVER_4: &[u8] = &[
    0x8c, 0xd5, 0xb9, 0x0d, 0xc2, 0x00, 0x10, 0x45, 0xc1, 0x9c, 0x2a, 0x5c, 0x00, 0x01, 0x7b, 0x71,
    0x14, 0x04, 0x16, 0x92, 0x85, 0xfb, 0xcf, 0x90, 0x9c, 0x12, 0x30, 0xf9, 0x8b, 0x46, 0xab, 0xbf,
    0xdb, 0xfb, 0xf3, 0x5c, 0x2e, 0xcb, 0xfe, 0x3a, 0xb2, 0x6d, 0x5f, 0xcf, 0xbf, 0xcd, 0xe9, 0x88,
    0x42, 0xa2, 0x94, 0xa8, 0x24, 0x6a, 0x89, 0x46, 0xa2, 0xab, 0x44, 0x37, 0x89, 0xee, 0x12, 0x3d,
    0x08, 0xd3, 0xc8, 0xc9, 0x3c, 0x08, 0x3d, 0x48, 0x3d, 0x88, 0x3d, 0xc8, 0x3d, 0x08, 0x3e, 0x48,
    0x3e, 0x88, 0x3e, 0xc8, 0x3e, 0xc9, 0x3e, 0xed, 0xde, 0xc9, 0x3e, 0xc9, 0x3e, 0xc9, 0x3e, 0xc9,
    0x3e, 0xc9, 0x3e, 0xc9, 0x3e, 0xc9, 0x3e, 0xc9, 0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0x6c, 0x6c, 0xc8,
    0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0xc8, 0xbe, 0xc9, 0xbe, 0xc9,
    0xbe, 0xc9, 0xbe, 0x6d, 0xe9, 0xc9, 0xbe, 0xc9, 0xbe, 0xc9, 0xbe, 0xc9, 0xbe, 0xc9, 0xbe, 0xc9,
    0x7e, 0xc8, 0x7e, 0xc8, 0x7e, 0xc8, 0x7e, 0xc8, 0x7e, 0xec, 0xcd, 0x92, 0xfd, 0x90, 0xfd, 0x90,
    0xfd, 0x90, 0xfd, 0xfc, 0xb3, 0xff, 0x02,
];
const PY_FULL_FLUSH_1: &[u8] = &[
    0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x08, 0x4f, 0x4d, 0x0a, 0xce, 0x4f, 0xce, 0x4e, 0x2d,
    0x51, 0x54, 0xf0, 0xc0, 0x10, 0x29, 0x48, 0x2d, 0xca, 0x4d, 0x2d, 0x2e, 0x4e, 0x4c, 0x4f, 0xd5,
    0x4d, 0x49, 0x4d, 0xcb, 0x49, 0x2c, 0x49, 0x55, 0xc8, 0x4e, 0x4d, 0x2d, 0x28, 0x56, 0x28, 0xc9,
    0x48, 0x55, 0x28, 0xcf, 0xcc, 0x4b, 0xc9, 0x2f, 0xd7, 0x03, 0x00,
];
const PY_FULL_FLUSH_2: &[u8] = &[
    0x2a, 0x48, 0x2d, 0xca, 0x4d, 0x2d, 0x2e, 0x4e, 0x4c, 0x4f, 0xd5, 0x4d, 0x49, 0x4d, 0xcb, 0x49,
    0x2c, 0x49, 0x55, 0xc8, 0x4e, 0x4d, 0x2d, 0x28, 0x56, 0x28, 0xc9, 0x48, 0x55, 0x28, 0xcf, 0xcc,
    0x4b, 0xc9, 0x2f, 0xb7, 0x52, 0xf0, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x08, 0x4f, 0x4d, 0x0a,
    0xce, 0x4f, 0xce, 0x4e, 0x2d, 0x51, 0x04, 0x00,
];
const PY_WBITS10_1: &[u8] = &[
    0xec, 0xd2, 0x57, 0x3b, 0xd5, 0x01, 0x00, 0x07, 0xe0, 0x13, 0x91, 0x63, 0x16, 0x8e, 0xac, 0xcc,
    0x42, 0x2a, 0x2b, 0x64, 0x85, 0xec, 0x51, 0x46, 0xa1, 0xa8, 0x14, 0x19, 0x45, 0x28, 0x22, 0x23,
    0x0a, 0x39, 0xb6, 0x32, 0x4b, 0x65, 0x13, 0xc5, 0xa1, 0x45, 0x47, 0x84, 0x32, 0x8a, 0xb2, 0xa5,
    0x64, 0xab, 0x94, 0x28, 0x32, 0x32, 0xae, 0xea, 0xe2, 0xf7, 0x19, 0x5c, 0xfd, 0x3f, 0xc2, 0xfb,
    0x3c, 0x2f, 0x69, 0x66, 0xa4, 0xeb, 0xf5, 0xb3, 0xfb, 0xb7, 0xe3, 0x42, 0xbc, 0x4e, 0x59, 0xeb,
    0xab, 0x48, 0x0b, 0xb0, 0x2e, 0x4f, 0x0d, 0xb6, 0xd7, 0x3f, 0x2e, 0x48, 0xa3, 0x06, 0x7a, 0x9c,
    0xb0, 0xd0, 0x55, 0x92, 0xa4, 0x6c, 0x5a, 0x9c, 0xfc, 0xd4, 0x56, 0x4b, 0xcb, 0x49, 0x8e, 0xf4,
    0x77, 0xb7, 0x37, 0xd7, 0x92, 0x13, 0xe3, 0xde, 0xf8, 0xe7, 0xcb, 0x87, 0x16, 0xfa, 0xc3, 0x7b,
    0x49, 0xd7, 0x7c, 0x5d, 0x6c, 0x8d, 0xd5, 0x77, 0x6d, 0xe3, 0xda, 0xf0, 0x7b, 0xb4, 0xbb, 0xb1,
    0xb2, 0x38, 0x33, 0x3e, 0xd4, 0xfb, 0xf4, 0x61, 0x03, 0x55, 0x19, 0x41, 0xf6, 0x95, 0x9f, 0x43,
    0x1d, 0x0d, 0x4f, 0x0a, 0x33, 0xa2, 0x83, 0x3c, 0x4f, 0x5a, 0x1e, 0xd8, 0xbb, 0x83, 0x8f, 0x65,
    0xe9, 0xfb, 0xc0, 0xbb, 0x97, 0x15, 0xb9, 0x29, 0xd7, 0x03, 0xce, 0x3a, 0x1c, 0xd4, 0x96, 0x17,
    0xe7, 0x61, 0x9a, 0xff, 0xda, 0xff, 0xb6, 0xba, 0x34, 0xeb, 0x46, 0xb8, 0x9f, 0xeb, 0x51, 0x13,
    0x8d, 0xdd, 0x22, 0x9b, 0x19, 0x66, 0xc7, 0x7b, 0x9a, 0xaa, 0x4a, 0xee, 0x24, 0x84, 0x5d, 0x70,
    0x3a, 0x62, 0xb8, 0x6f, 0xa7, 0x10, 0xc7, 0xda, 0xf4, 0x70, 0xe7, 0xab, 0xa7, 0x45, 0xb7, 0x62,
    0x83, 0xcf, 0x3b, 0x5a, 0xe9, 0x29, 0x4b, 0xf1, 0x93, 0xff, 0xfe, 0xf8, 0xfc, 0xbe, 0xee, 0x51,
    0x7e, 0x6a, 0xd4, 0xe5, 0x73, 0xc7, 0x0f, 0xe9, 0x28, 0x4a, 0xf0, 0x32, 0x2f, 0x7c, 0xfb, 0xd8,
    0x5a, 0x53, 0x96, 0x7d, 0x33, 0xe2, 0x92, 0xdb, 0x31, 0x33, 0xcd, 0x3d, 0xa2, 0x5b, 0x18, 0xe7,
    0x26, 0xfa, 0x9a, 0x9f, 0x3f, 0xb8, 0x9b, 0x78, 0xf5, 0xe2, 0x19, 0x1b, 0x23, 0x35, 0x59, 0x61,
    0x4e, 0xd2, 0x2f, 0x30, 0xaf, 0x80, 0xc9, 0x06, 0x66, 0x3a, 0x98, 0xdb, 0xc1, 0x2c, 0x07, 0x73,
    0x3f, 0x98, 0x6f, 0xc0, 0xb4, 0x03, 0x73, 0x0c, 0x4c, 0x1f, 0x30, 0x57, 0xc1, 0x8c, 0x01, 0x73,
    0x2b, 0x98, 0x79, 0x60, 0x2a, 0x80, 0xf9, 0x02, 0x4c, 0x53, 0x30, 0x7b, 0xc1, 0x74, 0x06, 0x73,
    0x06, 0xcc, 0x10, 0x30, 0x59, 0xc1, 0x4c, 0x03, 0x53, 0x12, 0x4c, 0x1a, 0x98, 0x5a, 0x60, 0xb6,
    0x80, 0x69, 0x0b, 0xe6, 0x28, 0x98, 0xde, 0x60, 0xae, 0x80, 0x19, 0x0d, 0x26, 0x1f, 0x98, 0xb9,
    0x60, 0xca, 0x83, 0x59, 0x0d, 0xa6, 0x09, 0x98, 0x3d, 0x60, 0x3a, 0x81, 0x39, 0x0d, 0x66, 0x30,
    0x98, 0x64, 0x30, 0x53, 0xc1, 0x94, 0x00, 0xb3, 0x0c, 0x4c, 0x4d, 0x30, 0x9b, 0xc1, 0xb4, 0x01,
    0x73, 0x04, 0x4c, 0x2f, 0x30, 0x97, 0xc1, 0xa4, 0x82, 0x49, 0x01, 0x33, 0x07, 0x4c, 0x39, 0x30,
    0xe9, 0x60, 0x1a, 0x83, 0xd9, 0xfd, 0x9f, 0x49, 0x22, 0xee, 0x12, 0x77, 0x89, 0xbb, 0xc4, 0x5d,
    0xe2, 0xee, 0xba, 0xde, 0xfd, 0x07,
];
const PY_WBITS10_2: &[u8] = &[0x1a, 0x4d, 0xbb, 0x23, 0x2f, 0xed, 0x02, 0x00];

// ----- the messages of the fixtures -----

fn m1() -> Vec<u8> {
    b"Hello, WebSocket! Hello, WebSocket! permessage-deflate keeps the window.".to_vec()
}

fn m2() -> Vec<u8> {
    b"permessage-deflate keeps the window: Hello, WebSocket!".to_vec()
}

fn m4() -> Vec<u8> {
    (0..60)
        .flat_map(|i| format!("line {i} of the log, Hello, WebSocket!\n").into_bytes())
        .collect()
}

fn w10() -> Vec<u8> {
    let one: Vec<u8> = (0..700u32)
        .map(|i| (((i * 7919) >> 3) % 251) as u8)
        .collect();
    one.repeat(3)
}

// ----- helpers -----

fn negotiated(bits: u8, no_context_takeover: bool) -> Negotiated {
    Negotiated {
        client_no_context_takeover: no_context_takeover,
        server_no_context_takeover: no_context_takeover,
        client_window_bits: bits,
        server_window_bits: bits,
    }
}

fn is_deflate_error(err: &ahttp_proto::Error) -> bool {
    matches!(err.kind(), ErrorKind::WsDeflate(_))
}

/// `input` cut at the given points (taken modulo its length, any order).
fn cut<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for c in at {
        pieces.push(&input[start..c]);
        start = c;
    }
    pieces.push(&input[start..]);
    pieces
}

/// The ways every compressed message is fed: whole, byte by byte, and at
/// random split points.
fn splits(input: &[u8], rng: &mut fastrand::Rng) -> Vec<Vec<Vec<u8>>> {
    let whole = vec![input.to_vec()];
    let bytes = input.iter().map(|&b| vec![b]).collect();
    let mut out = vec![whole, bytes];
    for _ in 0..8 {
        let n = rng.usize(0..6);
        let cuts: Vec<usize> = (0..n).map(|_| rng.usize(0..=input.len())).collect();
        out.push(cut(input, &cuts).into_iter().map(<[u8]>::to_vec).collect());
    }
    out
}

/// Decompresses `messages` in order with one decompressor, each one fed in
/// `pieces` (the last piece carries `fin`).
fn inflate_all(
    d: &mut Decompressor,
    messages: &[Vec<Vec<u8>>],
) -> Result<Vec<Vec<u8>>, ahttp_proto::Error> {
    let mut out = Vec::new();
    for pieces in messages {
        let mut buf = BytesMut::new();
        if pieces.is_empty() {
            d.decompress(&[], true, &mut buf)?;
        }
        for (i, piece) in pieces.iter().enumerate() {
            d.decompress(piece, i + 1 == pieces.len(), &mut buf)?;
        }
        out.push(buf.to_vec());
    }
    Ok(out)
}

/// Checks that `fixtures` decompress to `expected` with a fresh
/// decompressor for `negotiated`, whole, byte by byte and split randomly.
fn check_fixtures(negotiated: &Negotiated, fixtures: &[&[u8]], expected: &[Vec<u8>]) {
    let mut rng = fastrand::Rng::with_seed(0x7692);
    let per_message: Vec<Vec<Vec<Vec<u8>>>> =
        fixtures.iter().map(|f| splits(f, &mut rng)).collect();
    for mode in 0..per_message[0].len() {
        let messages: Vec<Vec<Vec<u8>>> = per_message.iter().map(|m| m[mode].clone()).collect();
        let mut d = Decompressor::new(negotiated, Some(1 << 20));
        let got = inflate_all(&mut d, &messages).unwrap();
        assert_eq!(got, expected, "split mode {mode}");
    }
}

/// A raw deflate message (sync-flushed, tail stripped) that inflates to
/// `1 + 258 * matches` zero bytes: a fixed-Huffman block of one literal
/// and `matches` copies of length 258 at distance 1, 13 bits each.
fn bomb(matches: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= u64::from(value) << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            self.put(code.reverse_bits() >> (32 - len), len);
        }
    }
    let mut bits = Bits {
        out: Vec::with_capacity(matches * 13 / 8 + 16),
        acc: 0,
        n: 0,
    };
    bits.put(0, 1); // BFINAL = 0
    bits.put(1, 2); // BTYPE = 01, fixed Huffman
    bits.code(0x30, 8); // literal 0
    for _ in 0..matches {
        bits.code(0b1100_0101, 8); // length symbol 285: 258 bytes
        bits.code(0, 5); // distance code 0: distance 1
    }
    bits.code(0, 7); // end of block
    bits.put(0, 3); // empty stored block header (BFINAL 0, BTYPE 00)
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    bits.out
}

// ----- the offer -----

/// `aiohttp._websocket.helpers.ws_ext_gen(compress=n)` and
/// `ws_ext_gen(compress=n, server_notakeover=True)` in aiohttp 3.14.5.
const AIOHTTP_OFFERS: [(u8, &str, &str); 7] = [
    (9, "permessage-deflate; client_max_window_bits; server_max_window_bits=9", "permessage-deflate; client_max_window_bits; server_max_window_bits=9; server_no_context_takeover"),
    (10, "permessage-deflate; client_max_window_bits; server_max_window_bits=10", "permessage-deflate; client_max_window_bits; server_max_window_bits=10; server_no_context_takeover"),
    (11, "permessage-deflate; client_max_window_bits; server_max_window_bits=11", "permessage-deflate; client_max_window_bits; server_max_window_bits=11; server_no_context_takeover"),
    (12, "permessage-deflate; client_max_window_bits; server_max_window_bits=12", "permessage-deflate; client_max_window_bits; server_max_window_bits=12; server_no_context_takeover"),
    (13, "permessage-deflate; client_max_window_bits; server_max_window_bits=13", "permessage-deflate; client_max_window_bits; server_max_window_bits=13; server_no_context_takeover"),
    (14, "permessage-deflate; client_max_window_bits; server_max_window_bits=14", "permessage-deflate; client_max_window_bits; server_max_window_bits=14; server_no_context_takeover"),
    (15, "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits; server_no_context_takeover"),
];

#[test]
fn offer_matches_aiohttp_for_every_compress_value() {
    for (compress, plain, server_notakeover) in AIOHTTP_OFFERS {
        let config = DeflateConfig::from_compress(compress).unwrap().unwrap();
        assert_eq!(config.offer().unwrap(), plain, "compress={compress}");
        let config = DeflateConfig {
            server_no_context_takeover: true,
            ..config
        };
        assert_eq!(
            config.offer().unwrap(),
            server_notakeover,
            "compress={compress}"
        );
        // aiohttp never offers client_no_context_takeover; it goes last.
        let config = DeflateConfig {
            client_no_context_takeover: true,
            ..config
        };
        assert_eq!(
            config.offer().unwrap(),
            format!("{server_notakeover}; client_no_context_takeover")
        );
    }
}

#[test]
fn compress_values_outside_aiohttp_range_are_refused() {
    assert_eq!(DeflateConfig::from_compress(0).unwrap(), None);
    for compress in (1..=8).chain(16..=255) {
        let err = DeflateConfig::from_compress(compress).unwrap_err();
        assert!(is_deflate_error(&err), "compress={compress}");
    }
}

#[test]
fn offer_spellings_and_window_checks() {
    let bare = DeflateConfig::default();
    assert_eq!(bare.offer().unwrap(), EXTENSION_NAME);
    let client = DeflateConfig {
        client_max_window_bits: Some(11),
        ..DeflateConfig::default()
    };
    assert_eq!(
        client.offer().unwrap(),
        "permessage-deflate; client_max_window_bits=11"
    );
    let server15 = DeflateConfig {
        server_max_window_bits: Some(15),
        ..DeflateConfig::default()
    };
    assert_eq!(
        server15.offer().unwrap(),
        "permessage-deflate; server_max_window_bits=15"
    );
    for bits in [0, 1, 8, 16, 255] {
        for config in [
            DeflateConfig {
                client_max_window_bits: Some(bits),
                ..DeflateConfig::default()
            },
            DeflateConfig {
                server_max_window_bits: Some(bits),
                ..DeflateConfig::default()
            },
        ] {
            assert!(is_deflate_error(&config.offer().unwrap_err()), "{config:?}");
        }
    }
}

// ----- negotiation -----

#[test]
fn negotiation_accepts_valid_answers() {
    let aiohttp15 = DeflateConfig::from_compress(15).unwrap().unwrap();
    let aiohttp10 = DeflateConfig::from_compress(10).unwrap().unwrap();
    let no_client_param = DeflateConfig::default();
    let client12 = DeflateConfig {
        client_max_window_bits: Some(12),
        ..DeflateConfig::default()
    };
    let client_nct = DeflateConfig {
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let server_nct = DeflateConfig {
        server_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let n = |cnct, snct, c, s| Negotiated {
        client_no_context_takeover: cnct,
        server_no_context_takeover: snct,
        client_window_bits: c,
        server_window_bits: s,
    };
    type Params = &'static [(&'static str, Option<&'static str>)];
    let cases: &[(&DeflateConfig, Params, Negotiated)] = &[
        (&aiohttp15, &[], n(false, false, 15, 15)),
        (&no_client_param, &[], n(false, false, 15, 15)),
        (
            &aiohttp15,
            &[("client_max_window_bits", None)],
            n(false, false, 15, 15),
        ),
        (
            &aiohttp15,
            &[("client_max_window_bits", Some("9"))],
            n(false, false, 9, 15),
        ),
        (
            &aiohttp15,
            &[("client_max_window_bits", Some("12"))],
            n(false, false, 12, 15),
        ),
        (
            &aiohttp15,
            &[("server_max_window_bits", Some("8"))],
            n(false, false, 15, 8),
        ),
        (
            &aiohttp15,
            &[("server_max_window_bits", Some("11"))],
            n(false, false, 15, 11),
        ),
        (
            &no_client_param,
            &[("server_max_window_bits", Some("15"))],
            n(false, false, 15, 15),
        ),
        (
            &aiohttp15,
            &[
                ("server_no_context_takeover", None),
                ("client_no_context_takeover", None),
            ],
            n(true, true, 15, 15),
        ),
        (
            &aiohttp10,
            &[("server_max_window_bits", Some("10"))],
            n(false, false, 15, 10),
        ),
        (
            &aiohttp10,
            &[("server_max_window_bits", Some("9"))],
            n(false, false, 15, 9),
        ),
        (&client12, &[], n(false, false, 12, 15)),
        (
            &client12,
            &[("client_max_window_bits", Some("10"))],
            n(false, false, 10, 15),
        ),
        (&client_nct, &[], n(true, false, 15, 15)),
        (
            &server_nct,
            &[("server_no_context_takeover", None)],
            n(false, true, 15, 15),
        ),
        (
            &aiohttp15,
            &[
                ("Server_No_Context_Takeover", None),
                ("CLIENT_MAX_WINDOW_BITS", Some("10")),
            ],
            n(false, true, 10, 15),
        ),
    ];
    for (offer, params, expected) in cases {
        assert_eq!(
            offer.negotiate(params.iter().copied()).unwrap(),
            *expected,
            "{offer:?} {params:?}"
        );
    }
}

#[test]
fn negotiation_refuses_invalid_answers() {
    let aiohttp15 = DeflateConfig::from_compress(15).unwrap().unwrap();
    let aiohttp10 = DeflateConfig::from_compress(10).unwrap().unwrap();
    let no_client_param = DeflateConfig::default();
    let client12 = DeflateConfig {
        client_max_window_bits: Some(12),
        ..DeflateConfig::default()
    };
    let server_nct = DeflateConfig {
        server_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    type Params = &'static [(&'static str, Option<&'static str>)];
    let cases: &[(&DeflateConfig, Params)] = &[
        // Unknown parameters.
        (&aiohttp15, &[("x_webkit", None)]),
        (&aiohttp15, &[("max_window_bits", Some("10"))]),
        // Duplicates.
        (
            &aiohttp15,
            &[
                ("server_no_context_takeover", None),
                ("server_no_context_takeover", None),
            ],
        ),
        (
            &aiohttp15,
            &[
                ("client_no_context_takeover", None),
                ("client_no_context_takeover", None),
            ],
        ),
        (
            &aiohttp15,
            &[
                ("client_max_window_bits", Some("10")),
                ("client_max_window_bits", Some("10")),
            ],
        ),
        (
            &aiohttp15,
            &[
                ("server_max_window_bits", Some("10")),
                ("server_max_window_bits", Some("10")),
            ],
        ),
        // Values where none is allowed.
        (&aiohttp15, &[("server_no_context_takeover", Some("1"))]),
        (&aiohttp15, &[("client_no_context_takeover", Some(""))]),
        // server_max_window_bits: a value is required, 8 to 15, no leading zeros.
        (&aiohttp15, &[("server_max_window_bits", None)]),
        (&aiohttp15, &[("server_max_window_bits", Some("7"))]),
        (&aiohttp15, &[("server_max_window_bits", Some("16"))]),
        (&aiohttp15, &[("server_max_window_bits", Some("010"))]),
        (&aiohttp15, &[("server_max_window_bits", Some("+9"))]),
        (&aiohttp15, &[("server_max_window_bits", Some(""))]),
        (&aiohttp15, &[("server_max_window_bits", Some("ten"))]),
        // Larger than offered, or missing when offered.
        (&aiohttp10, &[("server_max_window_bits", Some("11"))]),
        (&aiohttp10, &[]),
        // client_max_window_bits: only when offered, 9 to 15 (aiohttp's
        // "Invalid window size"), no larger than offered.
        (&no_client_param, &[("client_max_window_bits", Some("10"))]),
        (&no_client_param, &[("client_max_window_bits", None)]),
        (&aiohttp15, &[("client_max_window_bits", Some("8"))]),
        (&aiohttp15, &[("client_max_window_bits", Some("16"))]),
        (&aiohttp15, &[("client_max_window_bits", Some("0"))]),
        (&client12, &[("client_max_window_bits", Some("13"))]),
        // server_no_context_takeover offered but not accepted.
        (&server_nct, &[]),
    ];
    for (offer, params) in cases {
        let err = offer.negotiate(params.iter().copied()).unwrap_err();
        assert!(is_deflate_error(&err), "{offer:?} {params:?}: {err}");
    }
}

// ----- decompressing what real peers wrote -----

#[test]
fn python_zlib_messages_with_context_takeover() {
    check_fixtures(
        &Negotiated::default(),
        &[PY_TAKEOVER_1, PY_TAKEOVER_2, PY_TAKEOVER_3, PY_TAKEOVER_4],
        &[m1(), m2(), Vec::new(), m4()],
    );
    // The second message really refers to the first one's window: alone,
    // or with a decompressor that resets after each message, it fails or
    // decodes to something else.
    let alone = Decompressor::new(&Negotiated::default(), None).decompress_message(PY_TAKEOVER_2);
    assert!(alone.map_or(true, |m| m[..] != m2()[..]));
    let mut resetting = Decompressor::new(&negotiated(15, true), None);
    assert_eq!(
        &resetting.decompress_message(PY_TAKEOVER_1).unwrap()[..],
        &m1()[..]
    );
    let second = resetting.decompress_message(PY_TAKEOVER_2);
    assert!(second.map_or(true, |m| m[..] != m2()[..]));
}

#[test]
fn python_zlib_messages_with_full_flush() {
    // aiohttp's notakeover sends each message after a Z_FULL_FLUSH: it can
    // be read with or without resetting between messages.
    for no_context_takeover in [false, true] {
        check_fixtures(
            &negotiated(15, no_context_takeover),
            &[PY_FULL_FLUSH_1, PY_FULL_FLUSH_2],
            &[m1(), m2()],
        );
    }
    // Each full-flushed message also stands alone.
    let alone = Decompressor::new(&Negotiated::default(), None)
        .decompress_message(PY_FULL_FLUSH_2)
        .unwrap();
    assert_eq!(&alone[..], &m2()[..]);
}

#[test]
fn python_zlib_messages_with_a_10_bit_window() {
    let w10 = w10();
    for bits in [10, 11, 15] {
        check_fixtures(
            &negotiated(bits, false),
            &[PY_WBITS10_1, PY_WBITS10_2],
            &[w10.clone(), w10[..500].to_vec()],
        );
    }
    // zlib-rs keeps a 32 KiB window whatever the window bits, so a
    // smaller negotiated window is never too small to read a peer's
    // messages (the second one refers 700 bytes back into the first).
    check_fixtures(
        &negotiated(9, false),
        &[PY_WBITS10_1, PY_WBITS10_2],
        &[w10.clone(), w10[..500].to_vec()],
    );
}

#[test]
fn compressor_window_bits_bound_the_distance() {
    // Two messages of the same 1500 random bytes: with a window of 11 bits
    // or more the second is one match 1500 bytes back into the first; with
    // less it cannot be (Python's zlib, which does check the distance
    // against its window, reads our output in python_zlib_inflates_our_messages).
    let mut rng = fastrand::Rng::with_seed(9);
    let data: Vec<u8> = (0..1500).map(|_| rng.u8(..)).collect();
    for bits in 9..=15 {
        let n = negotiated(bits, false);
        let mut c = Compressor::new(&n);
        let mut d = Decompressor::new(&n, None);
        let first = c.compress_message(&data).unwrap();
        let second = c.compress_message(&data).unwrap();
        if bits >= 11 {
            assert!(second.len() < 20, "bits {bits}: {}", second.len());
        } else {
            assert!(second.len() > 1000, "bits {bits}: {}", second.len());
        }
        assert_eq!(&d.decompress_message(&first).unwrap()[..], &data[..]);
        assert_eq!(&d.decompress_message(&second).unwrap()[..], &data[..]);
    }
}

#[test]
fn rfc7692_examples() {
    let hello = b"Hello".to_vec();
    // 7.2.3.1: one message; 7.2.3.2: the same message again, sharing the
    // window.
    check_fixtures(
        &Negotiated::default(),
        &[
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            &[0xf2, 0x00, 0x11, 0x00, 0x00],
        ],
        &[hello.clone(), hello.clone()],
    );
    // 7.2.3.3: a stored block; 7.2.3.5: two blocks in one message.
    check_fixtures(
        &Negotiated::default(),
        &[
            &[
                0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ],
            &[
                0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
            ],
        ],
        &[hello.clone(), hello.clone()],
    );
    // 7.2.3.4: a final block followed by one 00 byte, then a message that
    // starts a new stream; and the final block without the 00.
    for first in [
        &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00][..],
        &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00][..],
    ] {
        check_fixtures(
            &Negotiated::default(),
            &[first, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]],
            &[hello.clone(), hello.clone()],
        );
    }
    // More than that after a final block is refused.
    for bad in [
        &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00][..],
        &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x01][..],
        &[
            0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,
        ][..],
    ] {
        let err = Decompressor::new(&Negotiated::default(), None)
            .decompress_message(bad)
            .unwrap_err();
        assert!(is_deflate_error(&err), "{bad:02x?}: {err}");
    }
}

#[test]
fn empty_payload_is_an_empty_message() {
    // No deflate data at all (some peers send that for an empty message);
    // the stream goes on as before.
    let mut d = Decompressor::new(&Negotiated::default(), Some(0));
    assert!(d.decompress_message(&[]).unwrap().is_empty());
    let mut d = Decompressor::new(&Negotiated::default(), None);
    let got = inflate_all(
        &mut d,
        &[
            vec![PY_TAKEOVER_1.to_vec()],
            vec![],
            vec![Vec::new(), Vec::new()],
            vec![PY_TAKEOVER_2.to_vec()],
        ],
    )
    .unwrap();
    assert_eq!(got, [m1(), Vec::new(), Vec::new(), m2()]);
}

#[test]
fn corrupt_data_is_a_sticky_deflate_error() {
    let mut d = Decompressor::new(&Negotiated::default(), None);
    let mut out = BytesMut::new();
    let err = d
        .decompress(&[0xff, 0xff, 0xff, 0xff], true, &mut out)
        .unwrap_err();
    assert!(is_deflate_error(&err), "{err}");
    assert_eq!(d.decompress(&[0x00], true, &mut out).unwrap_err(), err);
    assert_eq!(
        d.decompress_message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
            .unwrap_err(),
        err
    );
    // A message cut in the middle of a block fails when its trailer is
    // read as data (or later); it never panics.
    let mut d = Decompressor::new(&Negotiated::default(), None);
    let _ = d.decompress_message(&PY_TAKEOVER_4[..PY_TAKEOVER_4.len() / 2]);
}

// ----- the bound -----

#[test]
fn bound_is_exact() {
    let data = vec![b'a'; 1000];
    let wire = Compressor::new(&Negotiated::default())
        .compress_message(&data)
        .unwrap();
    let ok = Decompressor::new(&Negotiated::default(), Some(1000))
        .decompress_message(&wire)
        .unwrap();
    assert_eq!(ok.len(), 1000);
    for limit in [0, 1, 10, 999] {
        let mut d = Decompressor::new(&Negotiated::default(), Some(limit));
        let mut out = BytesMut::new();
        let err = d.decompress(&wire, true, &mut out).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit });
        assert_eq!(out.len() as u64, limit);
        // The error sticks.
        assert_eq!(d.decompress(&[], true, &mut out).unwrap_err(), err);
        assert_eq!(out.len() as u64, limit);
    }
    // The bound is per message, the count restarts with the next one.
    let mut c = Compressor::new(&Negotiated::default());
    let mut d = Decompressor::new(&Negotiated::default(), Some(1000));
    for _ in 0..5 {
        let wire = c.compress_message(&data).unwrap();
        assert_eq!(d.decompress_message(&wire).unwrap().len(), 1000);
        assert_eq!(d.message_len(), 0);
    }
    assert_eq!(d.max_size(), Some(1000));
}

#[test]
fn decompression_bomb_stops_at_the_bound() {
    // 64 MiB of zeros from about 400 KiB.
    let matches = (64 << 20) / 258;
    let wire = bomb(matches);
    assert!(wire.len() < 450 << 10);
    // Sanity: without a bound it is what it claims to be.
    let mut d = Decompressor::new(&Negotiated::default(), None);
    let mut out = BytesMut::new();
    d.decompress(&wire, true, &mut out).unwrap();
    assert_eq!(out.len(), 1 + 258 * matches);
    assert!(out.iter().all(|&b| b == 0));

    let limit = 1 << 20;
    for pieces in [1, 7, 4096] {
        let mut d = Decompressor::new(&Negotiated::default(), Some(limit));
        let mut out = BytesMut::new();
        let mut result = Ok(());
        let size = wire.len().div_ceil(pieces);
        let chunks: Vec<&[u8]> = wire.chunks(size).collect();
        for (i, piece) in chunks.iter().enumerate() {
            result = d.decompress(piece, i + 1 == chunks.len(), &mut out);
            assert!(out.len() as u64 <= limit);
            assert!(
                out.capacity() as u64 <= 2 * limit + (64 << 10),
                "capacity {}",
                out.capacity()
            );
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit });
        assert_eq!(out.len() as u64, limit);
    }
}

// ----- compressing -----

#[test]
fn compressor_writes_what_zlib_writes() {
    // RFC 7692 7.2.3.1 (zlib's output; ours is the same for a message that
    // is all literals).
    let mut c = Compressor::new(&Negotiated::default());
    assert_eq!(
        &c.compress_message(b"Hello").unwrap()[..],
        [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
    // 7.2.3.2: the same message again refers to the first one. zlib writes
    // f2 00 11 00 00; zlib-rs at level 1 picks another, equally valid,
    // encoding, so only its size and meaning are checked here.
    let second = c.compress_message(b"Hello").unwrap();
    assert!(second.len() <= 5, "{second:02x?}");
    // An empty message is one 00 byte (7.2.3.6), also right after another.
    assert_eq!(&c.compress_message(b"").unwrap()[..], [0x00]);
    assert_eq!(&c.compress_message(b"").unwrap()[..], [0x00]);
    let mut d = Decompressor::new(&Negotiated::default(), None);
    assert_eq!(
        &d.decompress_message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
            .unwrap()[..],
        b"Hello"
    );
    assert_eq!(&d.decompress_message(&second).unwrap()[..], b"Hello");
    for msg in [&b""[..], b"", b"", b"Hello"] {
        let wire = c.compress_message(msg).unwrap();
        assert_eq!(&d.decompress_message(&wire).unwrap()[..], msg);
    }
}

#[test]
fn compressor_context_takeover() {
    let text = m4();
    let mut keep = Compressor::new(&Negotiated::default());
    let mut reset = Compressor::new(&negotiated(15, true));
    let first_keep = keep.compress_message(&text).unwrap();
    let second_keep = keep.compress_message(&text).unwrap();
    let first_reset = reset.compress_message(&text).unwrap();
    let second_reset = reset.compress_message(&text).unwrap();
    assert!(second_keep.len() < first_keep.len() / 3);
    assert_eq!(first_reset, second_reset);
    assert_eq!(first_keep, first_reset);
    // Without takeover each message stands alone.
    let alone = Decompressor::new(&Negotiated::default(), None)
        .decompress_message(&second_reset)
        .unwrap();
    assert_eq!(&alone[..], &text[..]);
}

#[test]
fn compressor_in_pieces() {
    let text = m4();
    for no_context_takeover in [false, true] {
        let n = negotiated(15, no_context_takeover);
        let mut c = Compressor::new(&n);
        let mut d = Decompressor::new(&n, Some(text.len() as u64));
        for round in 0..3 {
            let pieces = cut(&text, &[17 * round, 500, 1200 + round, 1201 + round]);
            let mut frames = Vec::new();
            for (i, piece) in pieces.iter().enumerate() {
                let fin = i + 1 == pieces.len();
                let mut frame = BytesMut::new();
                c.compress(piece, fin, &mut frame).unwrap();
                assert_eq!(
                    c.in_message(),
                    !fin && pieces[..=i].iter().any(|p| !p.is_empty())
                );
                frames.push(frame.to_vec());
            }
            let got = inflate_all(&mut d, &[frames]).unwrap();
            assert_eq!(got[0], text);
        }
    }
    // A whole message cannot start inside a fragmented one.
    let mut c = Compressor::new(&Negotiated::default());
    let mut frame = BytesMut::new();
    c.compress(b"abc", false, &mut frame).unwrap();
    assert!(matches!(
        c.compress_message(b"x").unwrap_err().kind(),
        ErrorKind::InvalidState(_)
    ));
    let mut d = Decompressor::new(&Negotiated::default(), None);
    d.decompress(&[0xf2], false, &mut frame).unwrap();
    assert!(matches!(
        d.decompress_message(b"x").unwrap_err().kind(),
        ErrorKind::InvalidState(_)
    ));
}

#[test]
fn python_zlib_inflates_our_messages() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let script = r#"
import json, sys, zlib
out = []
for case in json.load(sys.stdin):
    d = None
    got = []
    for m in case["messages"]:
        if d is None or case["reset"]:
            d = zlib.decompressobj(-case["wbits"])
        got.append(d.decompress(bytes.fromhex(m) + b"\x00\x00\xff\xff").hex())
    out.append(got)
json.dump(out, sys.stdout)
"#;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let messages = [m1(), m2(), Vec::new(), m4(), w10(), m4(), b"Hello".to_vec()];
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for bits in 9..=15u8 {
        for no_context_takeover in [false, true] {
            let mut c = Compressor::new(&negotiated(bits, no_context_takeover));
            let mut wire = Vec::new();
            for (i, msg) in messages.iter().enumerate() {
                // Every other message in pieces, as fragments.
                let mut out = BytesMut::new();
                if i % 2 == 0 {
                    c.compress(msg, true, &mut out).unwrap();
                } else {
                    for (j, piece) in msg.chunks(100).enumerate() {
                        let fin = (j + 1) * 100 >= msg.len();
                        c.compress(piece, fin, &mut out).unwrap();
                    }
                    if msg.is_empty() {
                        c.compress(&[], true, &mut out).unwrap();
                    }
                }
                wire.push(hex(&out));
            }
            cases.push(serde_json::json!({
                "wbits": bits,
                "reset": no_context_takeover,
                "messages": wire,
            }));
            expected.push(messages.iter().map(|m| hex(m)).collect::<Vec<_>>());
        }
    }
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            eprintln!("python3 not available ({err}); skipping the Python interop check");
            return;
        }
    };
    let input = serde_json::to_vec(&cases).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python3 failed");
    let got: Vec<Vec<String>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got, expected);
}

// ----- round trips -----

#[test]
fn round_trip_every_window() {
    let messages = [m1(), m2(), Vec::new(), m4(), w10(), vec![0; 100_000], m1()];
    for bits in 9..=15 {
        for no_context_takeover in [false, true] {
            for level in [0, 1, 6, 9] {
                let n = negotiated(bits, no_context_takeover);
                let mut c = Compressor::with_level(&n, level);
                let mut d = Decompressor::new(&n, Some(100_000));
                for msg in &messages {
                    let wire = c.compress_message(msg).unwrap();
                    assert_eq!(&d.decompress_message(&wire).unwrap()[..], &msg[..]);
                }
            }
        }
    }
}

fn message_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2000),
        // Repetitive data, so that matches (and matches across messages)
        // happen.
        (proptest::collection::vec(any::<u8>(), 1..40), 0usize..200)
            .prop_map(|(unit, n)| unit.repeat(n)),
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b' ')], 0..3000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip(
        messages in proptest::collection::vec(message_strategy(), 1..6),
        bits in 9u8..=15,
        no_context_takeover in any::<bool>(),
        level in 0u32..=9,
        send_cuts in proptest::collection::vec(any::<usize>(), 0..4),
        recv_cuts in proptest::collection::vec(any::<usize>(), 0..4),
    ) {
        let n = negotiated(bits, no_context_takeover);
        let mut c = Compressor::with_level(&n, level);
        let mut d = Decompressor::new(&n, Some(1 << 20));
        for msg in &messages {
            // Sent as fragments cut at send_cuts ...
            let mut wire = Vec::new();
            let pieces = cut(msg, &send_cuts);
            for (i, piece) in pieces.iter().enumerate() {
                let mut out = BytesMut::new();
                c.compress(piece, i + 1 == pieces.len(), &mut out).unwrap();
                wire.extend_from_slice(&out);
            }
            // ... and received in pieces cut elsewhere.
            let recv: Vec<Vec<u8>> = cut(&wire, &recv_cuts).into_iter().map(<[u8]>::to_vec).collect();
            let got = inflate_all(&mut d, &[recv]).unwrap();
            prop_assert_eq!(&got[0], msg);
        }
    }

    #[test]
    fn bounded_round_trip(msg in message_strategy(), limit in 0u64..3000) {
        let n = Negotiated::default();
        let wire = Compressor::new(&n).compress_message(&msg).unwrap();
        let mut d = Decompressor::new(&n, Some(limit));
        let mut out = BytesMut::new();
        match d.decompress(&wire, true, &mut out) {
            Ok(()) => prop_assert_eq!(&out[..], &msg[..]),
            Err(err) => {
                prop_assert!(msg.len() as u64 > limit);
                prop_assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit });
                prop_assert_eq!(&out[..], &msg[..limit as usize]);
            }
        }
    }

    #[test]
    fn arbitrary_input_never_panics(
        input in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
        limit in 0u64..2000,
    ) {
        let mut d = Decompressor::new(&Negotiated::default(), Some(limit));
        let pieces = cut(&input, &cuts);
        let mut out = BytesMut::new();
        for (i, piece) in pieces.iter().enumerate() {
            let before = out.len();
            let result = d.decompress(piece, i + 1 == pieces.len(), &mut out);
            prop_assert!(out.len() as u64 <= limit);
            if let Err(err) = result {
                let expected =
                    matches!(err.kind(), ErrorKind::WsDeflate(_) | ErrorKind::WsMessageTooBig { .. });
                prop_assert!(expected, "{}", err);
                prop_assert!(out.len() >= before);
                break;
            }
        }
    }
}
