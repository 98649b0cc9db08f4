//! Fuzzes `ahttp_proto::decode::ContentDecoder`.
//!
//! - `Decode`: arbitrary bytes, for an arbitrary coding, fed in arbitrary
//!   pieces with a small bound and optionally a per-call output budget. It
//!   must never panic, never write past the bound or the budget, and fail
//!   only with `Decompress` or `DecodedTooLarge`.
//! - `RoundTrip`: arbitrary data encoded for an arbitrary coding (split into
//!   several members and blocks where the coding allows), then decoded in
//!   arbitrary pieces; the output must equal the data. The encoders here are
//!   hand-written and write the formats' stored forms (deflate stored blocks
//!   inside raw deflate, zlib and gzip framing; zstd raw and RLE blocks;
//!   brotli uncompressed meta-blocks). They stay because they give exact
//!   control over framing that real encoders rarely produce: many gzip, zlib
//!   and zstd members back to back, tiny and empty members and blocks, gzip
//!   FNAME fields, and block boundaries at arbitrary places.
//! - `RealRoundTrip`: arbitrary data compressed by the real encoder of an
//!   arbitrary coding (flate2 for gzip and zlib-wrapped or raw deflate, the
//!   `brotli` crate, the `zstd` crate) at an arbitrary low level, then
//!   decoded in arbitrary pieces, optionally with a per-call output budget;
//!   the output must equal the data and `finish` must succeed. This covers
//!   what the stored forms do not: Huffman-coded deflate blocks, compressed
//!   brotli meta-blocks and zstd compressed blocks, whose decoders hold
//!   output back across calls. Data is capped at 64 KiB and levels are kept
//!   low so that each run stays fast.
#![no_main]

use ahttp_proto::decode::{ContentCoding, ContentDecoder};
use ahttp_proto::ErrorKind;
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

#[derive(Arbitrary, Debug)]
enum Case {
    Decode {
        coding: u8,
        limit: u16,
        max_out: Option<u16>,
        cuts: Vec<u16>,
        input: Vec<u8>,
    },
    RoundTrip {
        coding: u8,
        /// Where the data is cut into members (gzip, deflate, zstd).
        members: Vec<u16>,
        /// Largest stored block, in bytes (at least 1).
        block: u16,
        /// Where the encoded stream is cut into pieces.
        cuts: Vec<u16>,
        max_out: Option<u16>,
        /// Set a gzip FNAME field on each member.
        gzip_name: bool,
        data: Vec<u8>,
    },
    RealRoundTrip {
        coding: u8,
        /// Compression level and settings; see `real_encode`.
        level: u8,
        /// Deflate only: zlib-wrapped (true) or raw deflate (false).
        zlib: bool,
        /// Where the encoded stream is cut into pieces.
        cuts: Vec<u16>,
        max_out: Option<u16>,
        data: Vec<u8>,
    },
}

/// Largest `RealRoundTrip` data, in bytes.
const REAL_MAX_DATA: usize = 64 << 10;

fn coding(n: u8) -> ContentCoding {
    match n % 5 {
        0 => ContentCoding::Identity,
        1 => ContentCoding::Gzip,
        2 => ContentCoding::Deflate,
        3 => ContentCoding::Brotli,
        _ => ContentCoding::Zstd,
    }
}

/// `input` cut at `cuts` (taken modulo its length, in any order).
fn pieces<'a>(input: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (input.len() + 1))
        .collect();
    at.sort_unstable();
    let mut out = Vec::with_capacity(at.len() + 1);
    let mut start = 0;
    for cut in at {
        out.push(&input[start..cut]);
        start = cut;
    }
    out.push(&input[start..]);
    out
}

/// Feeds `input` in pieces, with `decode` or with `decode_bounded` when a
/// budget is given, then finishes. Checks the bounds on the way.
fn run(
    coding: ContentCoding,
    limit: Option<u64>,
    max_out: Option<u16>,
    input: &[u8],
    cuts: &[u16],
) -> (Result<(), ahttp_proto::Error>, BytesMut) {
    let mut dec = ContentDecoder::new(coding, limit);
    let mut out = BytesMut::new();
    let result = (|| {
        for piece in pieces(input, cuts) {
            match max_out.map(usize::from) {
                None | Some(0) => dec.decode(piece, &mut out)?,
                Some(max) => {
                    let mut rest = piece;
                    loop {
                        let before = out.len();
                        let used = dec.decode_bounded(rest, &mut out, max)?;
                        let made = out.len() - before;
                        assert!(made <= max, "{made} bytes for a budget of {max}");
                        assert!(used <= rest.len());
                        rest = &rest[used..];
                        if rest.is_empty() && made < max {
                            break;
                        }
                        assert!(used > 0 || made > 0, "no progress");
                    }
                }
            }
            if let Some(limit) = limit {
                assert!(out.len() as u64 <= limit);
            }
        }
        dec.finish(&mut out)
    })();
    if let Some(limit) = limit {
        assert!(
            out.len() as u64 <= limit,
            "{} bytes past the bound {limit}",
            out.len()
        );
    }
    assert_eq!(dec.decoded_len(), out.len() as u64);
    if let Err(err) = &result {
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Decompress { .. } | ErrorKind::DecodedTooLarge { .. }
            ),
            "unexpected error {err:?}"
        );
        // Errors stick.
        assert_eq!(dec.finish(&mut out).as_ref().err(), Some(err));
    }
    (result, out)
}

fuzz_target!(|case: Case| match case {
    Case::Decode {
        coding: c,
        limit,
        max_out,
        cuts,
        input,
    } => {
        let _ = run(coding(c), Some(u64::from(limit)), max_out, &input, &cuts);
    }
    Case::RoundTrip {
        coding: c,
        members,
        block,
        cuts,
        max_out,
        gzip_name,
        data,
    } => {
        let coding = coding(c);
        let block = usize::from(block.max(1));
        let encoded = encode(coding, &data, &members, block, gzip_name);
        let (res, out) = run(coding, None, max_out, &encoded, &cuts);
        if let Err(err) = res {
            panic!("{coding} round trip failed: {err}");
        }
        assert_eq!(&out[..], &data[..], "{coding} round trip");
        // Exactly at the bound is fine; one byte less is not.
        let len = data.len() as u64;
        let (res, _) = run(coding, Some(len), max_out, &encoded, &cuts);
        assert!(res.is_ok());
        if len > 0 {
            let (res, out) = run(coding, Some(len - 1), max_out, &encoded, &cuts);
            assert!(matches!(
                res.map_err(|e| e.kind().clone()),
                Err(ErrorKind::DecodedTooLarge { .. })
            ));
            assert_eq!(&out[..], &data[..out.len()]);
        }
    }
    Case::RealRoundTrip {
        coding: c,
        level,
        zlib,
        cuts,
        max_out,
        mut data,
    } => {
        let coding = coding(c);
        data.truncate(REAL_MAX_DATA);
        let encoded = real_encode(coding, level, zlib, &data);
        let (res, out) = run(coding, None, max_out, &encoded, &cuts);
        if let Err(err) = res {
            panic!("{coding} real round trip failed: {err}");
        }
        assert_eq!(&out[..], &data[..], "{coding} real round trip");
        // Exactly at the bound is fine; one byte less is not.
        let len = data.len() as u64;
        let (res, out) = run(coding, Some(len), max_out, &encoded, &cuts);
        if let Err(err) = res {
            panic!("{coding} real round trip at its bound failed: {err}");
        }
        assert_eq!(&out[..], &data[..]);
        if len > 0 {
            let (res, out) = run(coding, Some(len - 1), max_out, &encoded, &cuts);
            assert!(matches!(
                res.map_err(|e| e.kind().clone()),
                Err(ErrorKind::DecodedTooLarge { .. })
            ));
            assert_eq!(&out[..], &data[..out.len()]);
        }
    }
});

// ----- real encoders -----

/// `data` compressed by the real encoder for `coding`. `level` picks low
/// settings only, to keep runs fast:
/// - gzip and deflate: flate2 level `level % 7` (0 writes stored blocks);
/// - brotli: quality `level % 6`, window `10 + level / 6 % 7` bits (10-16),
///   with a flush before the end when the top bit of `level` is set;
/// - zstd: level `level % 8 - 2` (-2 to 5; 0 is zstd's default, 3), with a
///   content checksum when the top bit of `level` is set.
fn real_encode(coding: ContentCoding, level: u8, zlib: bool, data: &[u8]) -> Vec<u8> {
    match coding {
        ContentCoding::Identity => data.to_vec(),
        ContentCoding::Gzip | ContentCoding::Deflate => {
            let level = flate2::Compression::new(u32::from(level % 7));
            let out = Vec::new();
            let result = match coding {
                ContentCoding::Gzip => {
                    let mut enc = flate2::write::GzEncoder::new(out, level);
                    enc.write_all(data).and_then(|()| enc.finish())
                }
                _ if zlib => {
                    let mut enc = flate2::write::ZlibEncoder::new(out, level);
                    enc.write_all(data).and_then(|()| enc.finish())
                }
                _ => {
                    let mut enc = flate2::write::DeflateEncoder::new(out, level);
                    enc.write_all(data).and_then(|()| enc.finish())
                }
            };
            result.expect("flate2 encoding")
        }
        ContentCoding::Brotli => {
            let quality = u32::from(level % 6);
            let lgwin = 10 + u32::from(level / 6 % 7);
            let mut enc = brotli::CompressorWriter::new(Vec::new(), 4096, quality, lgwin);
            enc.write_all(data).expect("brotli encoding");
            if level & 0x80 != 0 {
                // A flush before the end adds an empty meta-block.
                enc.flush().expect("brotli encoding");
            }
            enc.into_inner()
        }
        ContentCoding::Zstd => {
            let zlevel = i32::from(level % 8) - 2;
            let mut enc = zstd::stream::Encoder::new(Vec::new(), zlevel).expect("zstd encoder");
            enc.include_checksum(level & 0x80 != 0)
                .expect("zstd checksum flag");
            enc.write_all(data).expect("zstd encoding");
            enc.finish().expect("zstd encoding")
        }
    }
}

// ----- stored-form encoders -----

fn encode(
    coding: ContentCoding,
    data: &[u8],
    members: &[u16],
    block: usize,
    name: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        ContentCoding::Identity => out.extend_from_slice(data),
        ContentCoding::Brotli => brotli_stored(data, block, &mut out),
        _ => {
            // The deflate sniff takes the coding's framing from the first
            // member; zlib for even block sizes, raw deflate for odd ones.
            let zlib = block.is_multiple_of(2);
            // Stay under the decoder's cap on tiny members.
            let members = &members[..members.len().min(1000)];
            for member in pieces(data, members) {
                match coding {
                    ContentCoding::Gzip => gzip_stored(member, block, name, &mut out),
                    ContentCoding::Deflate if zlib => zlib_stored(member, block, &mut out),
                    ContentCoding::Deflate => deflate_stored(member, block, &mut out),
                    _ => zstd_raw(member, block, &mut out),
                }
            }
        }
    }
    out
}

/// Raw deflate (RFC 1951) made of stored blocks of at most `block` bytes.
fn deflate_stored(data: &[u8], block: usize, out: &mut Vec<u8>) {
    let block = block.min(65_535);
    let mut chunks = data.chunks(block).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0, 0, 0xff, 0xff]);
        return;
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// zlib (RFC 1950) around stored blocks.
fn zlib_stored(data: &[u8], block: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x78, 0x01]);
    deflate_stored(data, block, out);
    out.extend_from_slice(&adler32(data).to_be_bytes());
}

/// A gzip member (RFC 1952) around stored blocks.
fn gzip_stored(data: &[u8], block: usize, name: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        0x1f,
        0x8b,
        8,
        if name { 0x08 } else { 0 },
        0,
        0,
        0,
        0,
        0,
        255,
    ]);
    if name {
        out.extend_from_slice(b"fuzz.bin\0");
    }
    deflate_stored(data, block, out);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
}

/// A zstd frame (RFC 8878) of raw blocks, or RLE blocks where a block is one
/// repeated byte. 128 KiB window, no content size, no checksum.
fn zstd_raw(data: &[u8], block: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]);
    let block = block.min(128 << 10);
    let mut chunks = data.chunks(block).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0, 0]);
        return;
    }
    while let Some(chunk) = chunks.next() {
        let last = u32::from(chunks.peek().is_none());
        let rle = chunk.len() > 1 && chunk.iter().all(|&b| b == chunk[0]);
        let header = last | (u32::from(rle) << 1) | ((chunk.len() as u32) << 3);
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        if rle {
            out.push(chunk[0]);
        } else {
            out.extend_from_slice(chunk);
        }
    }
}

/// A brotli stream (RFC 7932) of uncompressed meta-blocks of at most
/// `block` bytes (and at most 65536), window 2^16.
fn brotli_stored(data: &[u8], block: usize, out: &mut Vec<u8>) {
    let mut bits = BitWriter::default();
    bits.put(0, 1); // WBITS = 16
    for chunk in data.chunks(block.min(65_536)) {
        bits.put(0, 1); // ISLAST = 0
        bits.put(0, 2); // MNIBBLES = 4
        bits.put(chunk.len() as u32 - 1, 16); // MLEN - 1
        bits.put(1, 1); // ISUNCOMPRESSED
        bits.align(out);
        out.extend_from_slice(chunk);
    }
    bits.put(1, 1); // ISLAST
    bits.put(1, 1); // ISLASTEMPTY
    bits.align(out);
}

/// Least-significant-bit-first bit packing, as brotli uses.
#[derive(Default)]
struct BitWriter {
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
    }

    /// Writes the pending bits, zero-padded to a byte boundary, to `out`.
    fn align(&mut self, out: &mut Vec<u8>) {
        while self.n > 0 {
            out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
        self.acc = 0;
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}
