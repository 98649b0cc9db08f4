//! The chunked decoder with arbitrary bytes at arbitrary split points, and
//! a round trip of arbitrary chunks through the encoder.
#![no_main]

use ahttp_proto::chunked::{encode_chunk, encode_last_chunk, ChunkedDecoder, ChunkedEvent};
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    splits: Vec<u16>,
    bytes: Vec<u8>,
    chunks: Vec<Vec<u8>>,
}

fn decode(bytes: &[u8], cuts: &[usize]) -> (Vec<u8>, Option<ahttp_proto::ErrorKind>, bool) {
    let mut dec = ChunkedDecoder::new();
    let mut buf = BytesMut::new();
    let mut body = Vec::new();
    let mut start = 0;
    let mut ends = cuts.to_vec();
    ends.push(bytes.len());
    for end in ends {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        loop {
            match dec.decode(&mut buf) {
                Ok(ChunkedEvent::Data { bytes, .. }) => body.extend_from_slice(&bytes),
                Ok(ChunkedEvent::Trailers(t)) => assert_eq!(t.map().len(), t.len()),
                Ok(ChunkedEvent::End) => return (body, None, true),
                Ok(ChunkedEvent::NeedData) => break,
                Err(e) => return (body, Some(e.kind().clone()), false),
            }
        }
    }
    (body, None, false)
}

fuzz_target!(|input: Input| {
    let len = input.bytes.len();
    let mut cuts: Vec<usize> = input.splits.iter().map(|&s| s as usize % (len + 1)).collect();
    cuts.sort_unstable();
    assert_eq!(decode(&input.bytes, &[]), decode(&input.bytes, &cuts));

    let mut wire = BytesMut::new();
    for c in &input.chunks {
        encode_chunk(c, &mut wire);
    }
    encode_last_chunk(&mut wire);
    let mut wire_cuts: Vec<usize> = cuts.iter().map(|&c| c % (wire.len() + 1)).collect();
    wire_cuts.sort_unstable();
    let (body, err, done) = decode(&wire, &wire_cuts);
    assert_eq!(err, None);
    assert!(done);
    assert_eq!(body, input.chunks.concat());
});
