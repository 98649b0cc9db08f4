//! Tests of the streaming content decoders (`ahttp_proto::decode`).
//!
//! Every stream is fed whole, one byte at a time and at random split points,
//! and must decode to the same bytes. Compressed inputs come from the crates'
//! own encoders and, for interop, from Python's `gzip`, `zlib`, `brotli` and
//! `zstandard` modules (the encoders aiohttp servers use).

use std::io::Write;

use ahttp_proto::decode::{ContentCoding, ContentDecoder, ACCEPT_ENCODING};
use ahttp_proto::{Error, ErrorKind};
use bytes::BytesMut;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::{Compression, Crc};
use proptest::prelude::*;

const CODINGS: [ContentCoding; 4] = [
    ContentCoding::Gzip,
    ContentCoding::Deflate,
    ContentCoding::Brotli,
    ContentCoding::Zstd,
];

// ----- helpers -----

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut enc = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
    enc.write_all(data).unwrap();
    enc.into_inner()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

fn zstd_with_checksum(data: &[u8]) -> Vec<u8> {
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// `data` compressed with the crate encoder for `coding` (zlib for deflate).
fn compress(coding: ContentCoding, data: &[u8]) -> Vec<u8> {
    match coding {
        ContentCoding::Identity => data.to_vec(),
        ContentCoding::Gzip => gzip(data),
        ContentCoding::Deflate => zlib(data),
        ContentCoding::Brotli => brotli(data),
        ContentCoding::Zstd => zstd(data),
    }
}

/// Feeds `pieces` then finishes; returns the outcome and what was decoded.
fn decode_pieces<'a>(
    coding: ContentCoding,
    limit: Option<u64>,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> (Result<(), Error>, BytesMut) {
    let mut dec = ContentDecoder::new(coding, limit);
    let mut out = BytesMut::new();
    for piece in pieces {
        if let Err(err) = dec.decode(piece, &mut out) {
            return (Err(err), out);
        }
    }
    let res = dec.finish(&mut out);
    if res.is_ok() {
        assert_eq!(dec.decoded_len(), out.len() as u64);
    }
    (res, out)
}

fn decode_whole(coding: ContentCoding, input: &[u8]) -> Result<Vec<u8>, Error> {
    let (res, out) = decode_pieces(coding, None, [input]);
    res.map(|()| out.to_vec())
}

fn decode_bytewise(coding: ContentCoding, input: &[u8]) -> Result<Vec<u8>, Error> {
    let (res, out) = decode_pieces(coding, None, input.chunks(1));
    res.map(|()| out.to_vec())
}

/// `input` cut at the given positions (any order, duplicates allowed).
fn split_at<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        pieces.push(&input[start..cut]);
        start = cut;
    }
    pieces.push(&input[start..]);
    pieces
}

fn random_cuts(rng: &mut fastrand::Rng, len: usize, n: usize) -> Vec<usize> {
    (0..n).map(|_| rng.usize(0..=len)).collect()
}

fn decode_split(coding: ContentCoding, input: &[u8], cuts: &[usize]) -> Result<Vec<u8>, Error> {
    let (res, out) = decode_pieces(coding, None, split_at(input, cuts));
    res.map(|()| out.to_vec())
}

fn is_decompress(err: &Error) -> bool {
    matches!(err.kind(), ErrorKind::Decompress { .. })
}

#[track_caller]
fn assert_decompress_error(res: Result<Vec<u8>, Error>, what: &str) {
    match res {
        Err(err) if is_decompress(&err) => {}
        other => panic!("{what}: expected a Decompress error, got {other:?}"),
    }
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut data = vec![0u8; len];
    rng.fill(&mut data);
    data
}

fn compressible(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while data.len() < len {
        data.extend_from_slice(format!("line {} of a very repetitive body\n", i % 97).as_bytes());
        i += 1;
    }
    data.truncate(len);
    data
}

fn payloads() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("small", b"hello, world".to_vec()),
        ("random 1 MiB", random_bytes(1, 1 << 20)),
        ("compressible 1 MiB", compressible(1 << 20)),
        ("zeros 256 KiB", vec![0u8; 256 << 10]),
    ]
}

// ----- round trips -----

fn round_trip(coding: ContentCoding) {
    let mut rng = fastrand::Rng::with_seed(0x5eed_0000 + coding.token().len() as u64);
    for (name, data) in payloads() {
        let compressed = compress(coding, &data);
        let what = format!("{coding} {name}");
        assert_eq!(
            decode_whole(coding, &compressed).unwrap(),
            data,
            "{what} whole"
        );
        assert_eq!(
            decode_bytewise(coding, &compressed).unwrap(),
            data,
            "{what} byte by byte"
        );
        for _ in 0..5 {
            let cuts = random_cuts(&mut rng, compressed.len(), 50);
            assert_eq!(
                decode_split(coding, &compressed, &cuts).unwrap(),
                data,
                "{what} split at {cuts:?}"
            );
        }
    }
}

#[test]
fn round_trip_gzip() {
    round_trip(ContentCoding::Gzip);
}

#[test]
fn round_trip_deflate() {
    round_trip(ContentCoding::Deflate);
}

#[test]
fn round_trip_brotli() {
    round_trip(ContentCoding::Brotli);
}

#[test]
fn round_trip_zstd() {
    round_trip(ContentCoding::Zstd);
}

#[test]
fn identity_passes_bytes_through() {
    let data = random_bytes(7, 10_000);
    let mut rng = fastrand::Rng::with_seed(7);
    let cuts = random_cuts(&mut rng, data.len(), 50);
    assert_eq!(
        decode_split(ContentCoding::Identity, &data, &cuts).unwrap(),
        data
    );
    let (res, out) = decode_pieces(ContentCoding::Identity, Some(100), [&data[..]]);
    assert_eq!(
        res.unwrap_err().kind(),
        &ErrorKind::DecodedTooLarge { limit: 100 }
    );
    assert_eq!(&out[..], &data[..100]);
    let (res, out) = decode_pieces(ContentCoding::Identity, Some(100), [&data[..100]]);
    res.unwrap();
    assert_eq!(out.len(), 100);
}

#[test]
fn empty_body_is_accepted_for_every_coding() {
    for coding in CODINGS {
        let (res, out) = decode_pieces(coding, Some(0), []);
        res.unwrap();
        assert!(out.is_empty());
        let (res, out) = decode_pieces(coding, Some(0), [&b""[..], &b""[..]]);
        res.unwrap();
        assert!(out.is_empty());
    }
}

// ----- interop with Python's encoders -----

/// The payload of every `PY_*` fixture.
const PY_DATA: &[u8] = b"ahttp interop fixture: hello, hello, hello world! ahttp interop fixture: hello, hello, hello world! ahttp interop fixture: hello, hello, hello world! \n";

/// `gzip.compress(PY_DATA, mtime=0)`.
const PY_GZIP: &[u8] = &[
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0xcc, 0x28, 0x29, 0x29, 0x50,
    0xc8, 0xcc, 0x2b, 0x49, 0x2d, 0xca, 0x2f, 0x50, 0x48, 0xcb, 0xac, 0x28, 0x29, 0x2d, 0x4a, 0xb5,
    0x52, 0xc8, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x41, 0xa1, 0x14, 0xca, 0xf3, 0x8b, 0x72, 0x52, 0x14,
    0x15, 0x12, 0xe9, 0xa0, 0x83, 0x0b, 0x00, 0x57, 0xca, 0x4a, 0xa5, 0x97, 0x00, 0x00, 0x00,
];

/// `gzip.GzipFile(filename="fixture.txt", mode="wb", mtime=0)` (FNAME set).
const PY_GZIP_FNAME: &[u8] = &[
    0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0x66, 0x69, 0x78, 0x74, 0x75, 0x72,
    0x65, 0x2e, 0x74, 0x78, 0x74, 0x00, 0x4b, 0xcc, 0x28, 0x29, 0x29, 0x50, 0xc8, 0xcc, 0x2b, 0x49,
    0x2d, 0xca, 0x2f, 0x50, 0x48, 0xcb, 0xac, 0x28, 0x29, 0x2d, 0x4a, 0xb5, 0x52, 0xc8, 0x48, 0xcd,
    0xc9, 0xc9, 0xd7, 0x41, 0xa1, 0x14, 0xca, 0xf3, 0x8b, 0x72, 0x52, 0x14, 0x15, 0x12, 0xe9, 0xa0,
    0x83, 0x0b, 0x00, 0x57, 0xca, 0x4a, 0xa5, 0x97, 0x00, 0x00, 0x00,
];

/// `zlib.compress(PY_DATA)`.
const PY_ZLIB: &[u8] = &[
    0x78, 0x9c, 0x4b, 0xcc, 0x28, 0x29, 0x29, 0x50, 0xc8, 0xcc, 0x2b, 0x49, 0x2d, 0xca, 0x2f, 0x50,
    0x48, 0xcb, 0xac, 0x28, 0x29, 0x2d, 0x4a, 0xb5, 0x52, 0xc8, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x41,
    0xa1, 0x14, 0xca, 0xf3, 0x8b, 0x72, 0x52, 0x14, 0x15, 0x12, 0xe9, 0xa0, 0x83, 0x0b, 0x00, 0x77,
    0x9e, 0x36, 0x6b,
];

/// `zlib.compressobj(wbits=-15)`: raw deflate, no zlib header.
const PY_RAW_DEFLATE: &[u8] = &[
    0x4b, 0xcc, 0x28, 0x29, 0x29, 0x50, 0xc8, 0xcc, 0x2b, 0x49, 0x2d, 0xca, 0x2f, 0x50, 0x48, 0xcb,
    0xac, 0x28, 0x29, 0x2d, 0x4a, 0xb5, 0x52, 0xc8, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x41, 0xa1, 0x14,
    0xca, 0xf3, 0x8b, 0x72, 0x52, 0x14, 0x15, 0x12, 0xe9, 0xa0, 0x83, 0x0b, 0x00,
];

/// `brotli.compress(PY_DATA)` (Brotli 1.2.1).
const PY_BROTLI: &[u8] = &[
    0x1b, 0x96, 0x00, 0x40, 0x44, 0x37, 0xd7, 0x2d, 0x69, 0xef, 0x0f, 0xe9, 0xad, 0x3d, 0x78, 0x14,
    0xe4, 0x8a, 0xec, 0xf0, 0x56, 0x64, 0x91, 0xac, 0x20, 0x53, 0x89, 0x4c, 0xbb, 0x8d, 0x2c, 0xf8,
    0xa5, 0x76, 0x16, 0x8e, 0x7f, 0xbe, 0xd6, 0x05, 0xd3, 0x88, 0x9c, 0x44, 0xd8, 0x0f, 0x1c, 0x04,
];

/// `zstandard.ZstdCompressor().compress(PY_DATA)` (zstandard 0.25).
const PY_ZSTD: &[u8] = &[
    0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x97, 0x8d, 0x01, 0x00, 0x64, 0x02, 0x61, 0x68, 0x74, 0x74, 0x70,
    0x20, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x6f, 0x70, 0x20, 0x66, 0x69, 0x78, 0x74, 0x75, 0x72, 0x65,
    0x3a, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21, 0x20,
    0x0a, 0x02, 0x00, 0xa1, 0xaa, 0x94, 0xa7, 0xa3, 0x38, 0x01,
];

/// `zstandard.ZstdCompressor(write_checksum=True).compress(PY_DATA)`.
const PY_ZSTD_CHECKSUM: &[u8] = &[
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x97, 0x8d, 0x01, 0x00, 0x64, 0x02, 0x61, 0x68, 0x74, 0x74, 0x70,
    0x20, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x6f, 0x70, 0x20, 0x66, 0x69, 0x78, 0x74, 0x75, 0x72, 0x65,
    0x3a, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21, 0x20,
    0x0a, 0x02, 0x00, 0xa1, 0xaa, 0x94, 0xa7, 0xa3, 0x38, 0x01, 0xbd, 0xe5, 0x59, 0x23,
];

#[test]
fn python_encoders_interop() {
    let fixtures: [(ContentCoding, &[u8]); 8] = [
        (ContentCoding::Gzip, PY_GZIP),
        (ContentCoding::Gzip, PY_GZIP_FNAME),
        (ContentCoding::Deflate, PY_ZLIB),
        (ContentCoding::Deflate, PY_RAW_DEFLATE),
        (ContentCoding::Brotli, PY_BROTLI),
        (ContentCoding::Zstd, PY_ZSTD),
        (ContentCoding::Zstd, PY_ZSTD_CHECKSUM),
        (ContentCoding::Identity, PY_DATA),
    ];
    let mut rng = fastrand::Rng::with_seed(42);
    for (i, (coding, input)) in fixtures.into_iter().enumerate() {
        assert_eq!(decode_whole(coding, input).unwrap(), PY_DATA, "fixture {i}");
        assert_eq!(
            decode_bytewise(coding, input).unwrap(),
            PY_DATA,
            "fixture {i}"
        );
        let cuts = random_cuts(&mut rng, input.len(), 50);
        assert_eq!(
            decode_split(coding, input, &cuts).unwrap(),
            PY_DATA,
            "fixture {i}"
        );
        // Every proper prefix (except the empty one) is truncated.
        for cut in 1..input.len() {
            if coding != ContentCoding::Identity {
                assert_decompress_error(
                    decode_whole(coding, &input[..cut]),
                    &format!("fixture {i} cut at {cut}"),
                );
            }
        }
    }
}

#[test]
fn zstd_checksum_catches_corruption() {
    let mut bad = PY_ZSTD_CHECKSUM.to_vec();
    bad[20] ^= 0x01; // a literal byte: only the checksum can tell
    assert_decompress_error(decode_whole(ContentCoding::Zstd, &bad), "zstd bad checksum");
    let data = compressible(200_000);
    let mut bad = zstd_with_checksum(&data);
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    assert_decompress_error(
        decode_whole(ContentCoding::Zstd, &bad),
        "zstd corrupt middle",
    );
}

// ----- gzip framing -----

/// A gzip member with every optional header field, built by hand.
fn gzip_with_all_header_fields(data: &[u8], header_crc_ok: bool) -> Vec<u8> {
    let mut member = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 255];
    member.extend_from_slice(&5u16.to_le_bytes());
    member.extend_from_slice(b"extra");
    member.extend_from_slice(b"name.txt\0");
    member.extend_from_slice(b"a comment\0");
    let mut crc = Crc::new();
    crc.update(&member);
    let mut hcrc = (crc.sum() as u16).to_le_bytes();
    if !header_crc_ok {
        hcrc[0] ^= 1;
    }
    member.extend_from_slice(&hcrc);
    member.extend_from_slice(&raw_deflate(data));
    let mut crc = Crc::new();
    crc.update(data);
    member.extend_from_slice(&crc.sum().to_le_bytes());
    member.extend_from_slice(&(data.len() as u32).to_le_bytes());
    member
}

#[test]
fn gzip_optional_header_fields() {
    let data = compressible(5000);
    let member = gzip_with_all_header_fields(&data, true);
    assert_eq!(decode_whole(ContentCoding::Gzip, &member).unwrap(), data);
    assert_eq!(decode_bytewise(ContentCoding::Gzip, &member).unwrap(), data);
    let bad = gzip_with_all_header_fields(&data, false);
    assert_decompress_error(decode_whole(ContentCoding::Gzip, &bad), "bad header crc");
    assert_decompress_error(decode_bytewise(ContentCoding::Gzip, &bad), "bad header crc");
    // Empty extra field.
    let mut member = vec![0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 255, 0, 0];
    member.extend_from_slice(&gzip(b"x")[10..]);
    assert_eq!(decode_bytewise(ContentCoding::Gzip, &member).unwrap(), b"x");
}

#[test]
fn gzip_corruption_is_detected() {
    let data = compressible(100_000);
    let good = gzip(&data);
    let n = good.len();
    let corruptions: [(&str, usize, u8); 7] = [
        ("magic 1", 0, 0xff),
        ("magic 2", 1, 0x01),
        ("method", 2, 0x01),
        ("reserved flag", 3, 0x20),
        ("crc", n - 8, 0x01),
        ("length", n - 1, 0x80),
        ("data", n / 2, 0x10),
    ];
    for (what, at, flip) in corruptions {
        let mut bad = good.clone();
        bad[at] ^= flip;
        assert_decompress_error(decode_whole(ContentCoding::Gzip, &bad), what);
        assert_decompress_error(decode_bytewise(ContentCoding::Gzip, &bad), what);
    }
    // A corrupt member fails as soon as the bad bytes arrive, not only at the end.
    let mut dec = ContentDecoder::new(ContentCoding::Gzip, None);
    let mut out = BytesMut::new();
    let err = dec.decode(b"\x1f\x8c", &mut out).unwrap_err();
    assert!(is_decompress(&err), "{err}");
}

#[test]
fn zlib_adler_is_checked() {
    let mut bad = PY_ZLIB.to_vec();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert_decompress_error(decode_whole(ContentCoding::Deflate, &bad), "adler32");
}

#[test]
fn multi_member_gzip_is_decoded_fully() {
    let parts: [&[u8]; 4] = [
        b"first member, ",
        b"",
        b"third member after an empty one, ",
        &compressible(70_000),
    ];
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for part in parts {
        input.extend_from_slice(&gzip(part));
        expected.extend_from_slice(part);
    }
    input.extend_from_slice(PY_GZIP);
    expected.extend_from_slice(PY_DATA);
    assert_eq!(decode_whole(ContentCoding::Gzip, &input).unwrap(), expected);
    assert_eq!(
        decode_bytewise(ContentCoding::Gzip, &input).unwrap(),
        expected
    );
    let mut rng = fastrand::Rng::with_seed(3);
    for _ in 0..20 {
        let cuts = random_cuts(&mut rng, input.len(), 50);
        assert_eq!(
            decode_split(ContentCoding::Gzip, &input, &cuts).unwrap(),
            expected
        );
    }
    // A truncated second member is an error.
    let mut cut = gzip(b"one");
    cut.extend_from_slice(&gzip(b"two")[..12]);
    assert_decompress_error(
        decode_whole(ContentCoding::Gzip, &cut),
        "truncated second member",
    );
}

#[test]
fn many_tiny_gzip_members() {
    fn repeat(member: &[u8], times: usize) -> Vec<u8> {
        member
            .iter()
            .copied()
            .cycle()
            .take(member.len() * times)
            .collect()
    }
    // 1024 members of any size are fine.
    let member = gzip(b"ab");
    let out = decode_whole(ContentCoding::Gzip, &repeat(&member, 1024)).unwrap();
    assert_eq!(out.len(), 2048);
    assert!(out.chunks(2).all(|c| c == b"ab"));
    // So are any number of members of 256 compressed bytes or more.
    let data = random_bytes(12, 240);
    let member = gzip(&data);
    assert!(member.len() >= 256);
    let input = repeat(&member, 5000);
    assert_eq!(
        decode_whole(ContentCoding::Gzip, &input).unwrap().len(),
        240 * 5000
    );
    let mut rng = fastrand::Rng::with_seed(12);
    let cuts = random_cuts(&mut rng, input.len(), 50);
    assert_eq!(
        decode_split(ContentCoding::Gzip, &input, &cuts)
            .unwrap()
            .len(),
        240 * 5000
    );
    // Many more tiny members than the input size justifies are refused, for
    // gzip, zlib and raw deflate, however the input is split.
    let cases = [
        (ContentCoding::Gzip, gzip(b"ab")),
        (ContentCoding::Deflate, zlib(b"")),
        (ContentCoding::Deflate, raw_deflate(b"")),
    ];
    for (coding, member) in cases {
        let input = repeat(&member, 100_000);
        let what = format!("{coding} {member:?}");
        assert_decompress_error(decode_whole(coding, &input), &what);
        assert_decompress_error(decode_split(coding, &input, &cuts), &what);
    }
    // zstd frames are cheap to start and not capped.
    let input = repeat(&zstd(b"ab"), 5000);
    assert_eq!(
        decode_whole(ContentCoding::Zstd, &input).unwrap().len(),
        10_000
    );
}

#[test]
fn multi_member_deflate_and_zstd() {
    let a = compressible(30_000);
    let b = random_bytes(9, 5_000);
    let expected = [&a[..], &b[..]].concat();
    let cases: [(ContentCoding, Vec<u8>); 3] = [
        (ContentCoding::Deflate, [zlib(&a), zlib(&b)].concat()),
        (
            ContentCoding::Deflate,
            [raw_deflate(&a), raw_deflate(&b)].concat(),
        ),
        (ContentCoding::Zstd, [zstd(&a), zstd(&b)].concat()),
    ];
    let mut rng = fastrand::Rng::with_seed(4);
    for (i, (coding, input)) in cases.iter().enumerate() {
        assert_eq!(decode_whole(*coding, input).unwrap(), expected, "case {i}");
        assert_eq!(
            decode_bytewise(*coding, input).unwrap(),
            expected,
            "case {i}"
        );
        let cuts = random_cuts(&mut rng, input.len(), 50);
        assert_eq!(
            decode_split(*coding, input, &cuts).unwrap(),
            expected,
            "case {i}"
        );
    }
}

#[test]
fn zstd_skippable_frames_are_skipped() {
    let mut input = vec![0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3];
    input.extend_from_slice(PY_ZSTD);
    input.extend_from_slice(&[0x5f, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);
    assert_eq!(decode_whole(ContentCoding::Zstd, &input).unwrap(), PY_DATA);
    assert_eq!(
        decode_bytewise(ContentCoding::Zstd, &input).unwrap(),
        PY_DATA
    );
}

#[test]
fn trailing_data_after_the_stream_is_an_error() {
    let data = b"some body";
    for coding in CODINGS {
        let compressed = compress(coding, data);
        for trailer in [&b"garbage!"[..], &[0u8; 8][..], &b"\n"[..]] {
            let input = [&compressed[..], trailer].concat();
            assert_decompress_error(
                decode_whole(coding, &input),
                &format!("{coding} + {trailer:?}"),
            );
            // Also when the trailing bytes arrive in a later piece.
            let (res, _) = decode_pieces(coding, None, [&compressed[..], trailer]);
            assert!(res.is_err(), "{coding} + {trailer:?} in a later piece");
        }
    }
    // Brotli streams do not concatenate.
    let twice = [PY_BROTLI, PY_BROTLI].concat();
    assert_decompress_error(decode_whole(ContentCoding::Brotli, &twice), "brotli twice");
}

// ----- deflate sniffing -----

#[test]
fn raw_deflate_fallback() {
    let data = compressible(100_000);
    let raw = raw_deflate(&data);
    assert_ne!(raw[0] & 0x0f, 8, "test input must not look like zlib");
    assert_eq!(decode_whole(ContentCoding::Deflate, &raw).unwrap(), data);
    assert_eq!(decode_bytewise(ContentCoding::Deflate, &raw).unwrap(), data);
    let mut rng = fastrand::Rng::with_seed(5);
    let cuts = random_cuts(&mut rng, raw.len(), 50);
    assert_eq!(
        decode_split(ContentCoding::Deflate, &raw, &cuts).unwrap(),
        data
    );
    // The sniff looks at the first non-empty piece.
    let (res, out) = decode_pieces(
        ContentCoding::Deflate,
        None,
        [&b""[..], &raw[..1], &raw[1..]],
    );
    res.unwrap();
    assert_eq!(&out[..], &data[..]);
    // A raw stream whose first byte has low nibble 8 is taken for zlib, as in
    // aiohttp: a non-final stored block (0x08 = BFINAL 0, BTYPE 00, 3 bits of padding).
    let stored: &[u8] = &[0x08, 2, 0, 0xfd, 0xff, b'h', b'i', 0x03, 0x00];
    assert_decompress_error(
        decode_whole(ContentCoding::Deflate, stored),
        "stored block sniffed as zlib",
    );
}

#[test]
fn truncated_streams_are_errors() {
    let data = compressible(64 << 10);
    for coding in CODINGS {
        let compressed = compress(coding, &data);
        let n = compressed.len();
        for cut in [1, 2, n / 3, n / 2, n - 2, n - 1] {
            let what = format!("{coding} cut at {cut} of {n}");
            assert_decompress_error(decode_whole(coding, &compressed[..cut]), &what);
            let (res, _) = decode_pieces(coding, None, compressed[..cut].chunks(7));
            assert!(res.is_err_and(|e| is_decompress(&e)), "{what} in pieces");
        }
    }
    let raw = raw_deflate(&data);
    assert_decompress_error(
        decode_whole(ContentCoding::Deflate, &raw[..raw.len() - 1]),
        "raw deflate",
    );
}

#[test]
fn garbage_is_an_error() {
    for coding in CODINGS {
        for garbage in [&b"this is not compressed at all"[..], &[0xffu8; 64][..]] {
            assert_decompress_error(
                decode_whole(coding, garbage),
                &format!("{coding} {garbage:?}"),
            );
        }
    }
}

// ----- bounds -----

const BOMB_SIZE: usize = 10 << 20;
const LIMIT: u64 = 1 << 20;

fn bombs() -> Vec<(ContentCoding, Vec<u8>)> {
    let zeros = vec![0u8; BOMB_SIZE];
    vec![
        (ContentCoding::Gzip, gzip(&zeros)),
        (ContentCoding::Deflate, zlib(&zeros)),
        (ContentCoding::Deflate, raw_deflate(&zeros)),
        (ContentCoding::Brotli, brotli(&zeros)),
        (ContentCoding::Zstd, zstd(&zeros)),
    ]
}

#[test]
fn zip_bombs_stop_at_the_bound() {
    for (coding, bomb) in bombs() {
        assert!(bomb.len() < 20_000, "{coding} bomb is {} bytes", bomb.len());
        for piece_len in [bomb.len(), 1024, 1] {
            let mut dec = ContentDecoder::new(coding, Some(LIMIT));
            let mut out = BytesMut::new();
            let mut res = Ok(());
            for piece in bomb.chunks(piece_len) {
                let before = out.len();
                res = dec.decode(piece, &mut out);
                assert!(out.len() - before <= LIMIT as usize);
                if res.is_err() {
                    break;
                }
            }
            let err = res.and_then(|()| dec.finish(&mut out)).unwrap_err();
            assert_eq!(
                err.kind(),
                &ErrorKind::DecodedTooLarge { limit: LIMIT },
                "{coding}"
            );
            assert!(err.is_limit());
            assert!(out.len() as u64 <= LIMIT, "{coding}: wrote {}", out.len());
            assert_eq!(dec.decoded_len(), out.len() as u64);
            assert!(out.iter().all(|&b| b == 0));
            // Memory stays within a small multiple of the bound.
            assert!(
                out.capacity() as u64 <= 3 * LIMIT,
                "{coding}: capacity {}",
                out.capacity()
            );
            // The error sticks.
            assert_eq!(dec.decode(b"", &mut out).unwrap_err(), err);
            assert_eq!(dec.finish(&mut out).unwrap_err(), err);
        }
    }
}

#[test]
fn output_of_exactly_the_bound_is_accepted() {
    for coding in CODINGS {
        let data = random_bytes(11, 10_000);
        let compressed = compress(coding, &data);
        let (res, out) = decode_pieces(coding, Some(10_000), [&compressed[..]]);
        res.unwrap();
        assert_eq!(&out[..], &data[..]);
        let (res, out) = decode_pieces(coding, Some(10_000), compressed.chunks(1));
        res.unwrap();
        assert_eq!(&out[..], &data[..]);
        let (res, out) = decode_pieces(coding, Some(9_999), [&compressed[..]]);
        assert_eq!(
            res.unwrap_err().kind(),
            &ErrorKind::DecodedTooLarge { limit: 9_999 }
        );
        assert_eq!(&out[..], &data[..9_999]);
        let (res, out) = decode_pieces(coding, Some(0), [&compressed[..]]);
        assert_eq!(
            res.unwrap_err().kind(),
            &ErrorKind::DecodedTooLarge { limit: 0 }
        );
        assert!(out.is_empty());
    }
}

#[test]
fn decode_bounded_limits_each_call() {
    const MAX_OUT: usize = 4096;
    for (coding, bomb) in bombs() {
        let mut dec = ContentDecoder::new(coding, None);
        let mut out = BytesMut::new();
        let mut input = &bomb[..];
        let mut calls = 0;
        loop {
            let before = out.len();
            let used = dec.decode_bounded(input, &mut out, MAX_OUT).unwrap();
            let made = out.len() - before;
            assert!(made <= MAX_OUT, "{coding}: {made} bytes in one call");
            input = &input[used..];
            calls += 1;
            if input.is_empty() && made < MAX_OUT {
                assert!(!dec.has_pending_output() || made == 0);
                break;
            }
        }
        assert_eq!(dec.decode_bounded(b"", &mut out, 0).unwrap(), 0);
        dec.finish(&mut out).unwrap();
        assert_eq!(out.len(), BOMB_SIZE, "{coding}");
        assert!(calls >= BOMB_SIZE / MAX_OUT, "{coding}: {calls} calls");
    }
}

#[test]
fn decode_bounded_pending_output_is_drained_by_finish() {
    let data = compressible(100_000);
    for coding in CODINGS {
        let compressed = compress(coding, &data);
        let mut dec = ContentDecoder::new(coding, None);
        let mut out = BytesMut::new();
        let used = dec.decode_bounded(&compressed, &mut out, 1000).unwrap();
        assert_eq!(out.len(), 1000);
        assert!(dec.has_pending_output());
        dec.decode(&compressed[used..], &mut out).unwrap();
        dec.finish(&mut out).unwrap();
        assert!(!dec.has_pending_output());
        assert_eq!(&out[..], &data[..], "{coding}");
    }
}

// ----- state -----

#[test]
fn errors_are_sticky_and_finish_is_final() {
    let mut dec = ContentDecoder::new(ContentCoding::Gzip, None);
    let mut out = BytesMut::new();
    let err = dec.decode(b"not gzip", &mut out).unwrap_err();
    assert!(is_decompress(&err));
    assert_eq!(
        err.kind(),
        &ErrorKind::Decompress {
            coding: "gzip",
            message: "not a gzip member (bad magic bytes)".into()
        }
    );
    assert_eq!(dec.decode(PY_GZIP, &mut out).unwrap_err(), err);
    assert_eq!(dec.finish(&mut out).unwrap_err(), err);

    let mut dec = ContentDecoder::new(ContentCoding::Brotli, None);
    dec.decode(PY_BROTLI, &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    dec.finish(&mut out).unwrap();
    dec.decode(b"", &mut out).unwrap();
    let err = dec.decode(b"x", &mut out).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidState(_)));
    assert_eq!(&out[..], PY_DATA);
    assert_eq!(dec.coding(), ContentCoding::Brotli);
    assert_eq!(dec.max_decoded(), None);
}

#[test]
fn out_keeps_what_it_held() {
    let mut out = BytesMut::from(&b"prefix:"[..]);
    let mut dec = ContentDecoder::new(ContentCoding::Zstd, Some(PY_DATA.len() as u64));
    dec.decode(PY_ZSTD, &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    assert_eq!(&out[..7], b"prefix:");
    assert_eq!(&out[7..], PY_DATA);
}

#[test]
fn decoder_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<ContentDecoder>();
    let dec = ContentDecoder::new(ContentCoding::Gzip, Some(5));
    assert!(format!("{dec:?}").contains("Gzip"));
}

// ----- header parsing -----

#[test]
fn content_encoding_header_parsing() {
    let ok: [(&[u8], ContentCoding); 12] = [
        (b"gzip", ContentCoding::Gzip),
        (b"GZIP", ContentCoding::Gzip),
        (b" gzip\t", ContentCoding::Gzip),
        (b"x-gzip", ContentCoding::Gzip),
        (b"X-Gzip", ContentCoding::Gzip),
        (b"deflate", ContentCoding::Deflate),
        (b"Deflate ", ContentCoding::Deflate),
        (b"br", ContentCoding::Brotli),
        (b"BR", ContentCoding::Brotli),
        (b"zstd", ContentCoding::Zstd),
        (b"identity", ContentCoding::Identity),
        (b"  ", ContentCoding::Identity),
    ];
    for (value, coding) in ok {
        assert_eq!(ContentCoding::parse(value).unwrap(), coding, "{value:?}");
    }
    for value in [
        &b"compress"[..],
        b"gzip, br",
        b"gzip,",
        b"brotli",
        b"g zip",
        b"\xffgzip",
        b"gzip\n",
    ] {
        let err = ContentCoding::parse(value).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::UnsupportedContentEncoding(_)),
            "{value:?}"
        );
    }
    assert_eq!(
        ContentCoding::parse(b" gzip, br ").unwrap_err().kind(),
        &ErrorKind::UnsupportedContentEncoding("gzip, br".into())
    );
    assert_eq!(
        "zstd".parse::<ContentCoding>().unwrap(),
        ContentCoding::Zstd
    );
    for coding in CODINGS {
        assert_eq!(
            ContentCoding::parse(coding.token().as_bytes()).unwrap(),
            coding
        );
        assert_eq!(coding.to_string(), coding.token());
        assert!(ACCEPT_ENCODING.split(", ").any(|t| t == coding.token()));
    }
    assert_eq!(ContentCoding::Identity.token(), "identity");
    assert_eq!(ACCEPT_ENCODING, "gzip, deflate, br, zstd");
}

// ----- properties -----

fn coding_strategy() -> impl Strategy<Value = ContentCoding> {
    prop_oneof![
        Just(ContentCoding::Identity),
        Just(ContentCoding::Gzip),
        Just(ContentCoding::Deflate),
        Just(ContentCoding::Brotli),
        Just(ContentCoding::Zstd),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_round_trip_any_split(
        coding in coding_strategy(),
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let compressed = compress(coding, &data);
        let decoded = decode_split(coding, &compressed, &cuts).unwrap();
        prop_assert_eq!(decoded, data);
    }

    #[test]
    fn prop_bounded_round_trip(
        coding in coding_strategy(),
        data in proptest::collection::vec(0u8..4, 0..20_000),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        max_out in 1usize..3000,
    ) {
        let compressed = compress(coding, &data);
        let mut dec = ContentDecoder::new(coding, Some(data.len() as u64));
        let mut out = BytesMut::new();
        for piece in split_at(&compressed, &cuts) {
            let mut rest = piece;
            loop {
                let before = out.len();
                let used = dec.decode_bounded(rest, &mut out, max_out).unwrap();
                prop_assert!(out.len() - before <= max_out);
                rest = &rest[used..];
                if rest.is_empty() && out.len() - before < max_out {
                    break;
                }
            }
        }
        dec.finish(&mut out).unwrap();
        prop_assert_eq!(&out[..], &data[..]);
    }

    #[test]
    fn prop_arbitrary_input_never_panics(
        coding in coding_strategy(),
        input in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        limit in proptest::option::of(0u64..4096),
    ) {
        let (res, out) = decode_pieces(coding, limit, split_at(&input, &cuts));
        if let Some(limit) = limit {
            prop_assert!(out.len() as u64 <= limit);
        }
        if let Err(err) = res {
            prop_assert!(
                matches!(err.kind(), ErrorKind::Decompress { .. } | ErrorKind::DecodedTooLarge { .. }),
                "{:?}", err
            );
        }
    }

    #[test]
    fn prop_corrupted_stream_never_panics(
        coding in coding_strategy(),
        data in proptest::collection::vec(any::<u8>(), 1..2048),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 1..4),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut compressed = compress(coding, &data);
        let len = compressed.len();
        for (at, flip) in flips {
            compressed[at % len] ^= flip;
        }
        let (res, out) = decode_pieces(coding, Some(8192), split_at(&compressed, &cuts));
        prop_assert!(out.len() <= 8192);
        // gzip checks a CRC-32 of the output: corruption cannot go unnoticed.
        if coding == ContentCoding::Gzip && res.is_ok() {
            prop_assert_eq!(&out[..], &data[..]);
        }
    }
}
