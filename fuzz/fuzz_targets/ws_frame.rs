//! The WebSocket frame decoder on arbitrary bytes at arbitrary split
//! points, with or without permessage-deflate and a frame size limit: no
//! panic, only WebSocket frame errors (sticky), and the same events (a
//! frame's payload pieces joined), error and offset as when the input
//! comes whole. Then the encoder: arbitrary payloads encoded as client
//! frames read back, unmasked, as a server reads them, and masking piece
//! by piece equals masking whole.
#![no_main]

use ahttp_proto::ws::frame::{
    apply_mask_offset, encode_frame, encode_frame_over, encode_frame_vectored, FrameDecoder,
    FrameEvent, FrameHeader, Opcode,
};
use ahttp_proto::ErrorKind;
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    deflate: bool,
    max_frame: Option<u16>,
    splits: Vec<u16>,
    bytes: Vec<u8>,
    opcode: u8,
    fin: bool,
    rsv1: bool,
    key: [u8; 4],
}

#[derive(Debug, PartialEq)]
enum Ev {
    Header(FrameHeader),
    Payload(Vec<u8>),
    End,
}

type Outcome = (Vec<Ev>, Option<(ErrorKind, Option<u64>)>, u64);

fn decode(input: &Input, cuts: &[usize]) -> Outcome {
    let mut dec = FrameDecoder::new()
        .with_permessage_deflate(input.deflate)
        .with_max_frame_size(input.max_frame.map_or(0, u64::from));
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut error = None;
    let mut current: Option<FrameHeader> = None;
    let mut got = 0u64;
    let mut start = 0;
    let mut ends = cuts.to_vec();
    ends.push(input.bytes.len());
    'feed: for end in ends {
        buf.extend_from_slice(&input.bytes[start..end]);
        start = end;
        loop {
            match dec.decode(&mut buf) {
                Ok(FrameEvent::NeedData) => break,
                Ok(FrameEvent::Header(h)) => {
                    assert!(current.is_none());
                    assert_eq!(h.mask, None);
                    assert!(h.payload_len >> 63 == 0);
                    if h.opcode.is_control() {
                        assert!(h.fin && !h.rsv1 && h.payload_len <= 125);
                    }
                    if h.rsv1 {
                        assert!(input.deflate && h.opcode != Opcode::Continuation);
                    }
                    if let Some(max) = input.max_frame.filter(|&m| m > 0) {
                        assert!(h.payload_len <= u64::from(max));
                    }
                    current = Some(h);
                    got = 0;
                    events.push(Ev::Header(h));
                }
                Ok(FrameEvent::Payload(p)) => {
                    let h = current.expect("payload outside a frame");
                    assert!(!p.is_empty());
                    if h.opcode.is_control() {
                        assert_eq!(p.len() as u64, h.payload_len);
                    }
                    got += p.len() as u64;
                    assert!(got <= h.payload_len);
                    match events.last_mut() {
                        Some(Ev::Payload(prev)) => prev.extend_from_slice(&p),
                        _ => events.push(Ev::Payload(p.to_vec())),
                    }
                }
                Ok(FrameEvent::End) => {
                    let h = current.take().expect("end outside a frame");
                    assert_eq!(got, h.payload_len);
                    events.push(Ev::End);
                }
                Err(e) => {
                    assert!(matches!(
                        e.kind(),
                        ErrorKind::WsInvalidFrame(_) | ErrorKind::WsMessageTooBig { .. }
                    ));
                    assert!(e.offset().is_some_and(|o| o < input.bytes.len() as u64));
                    assert_eq!(dec.decode(&mut buf), Err(e.clone()));
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    let consumed = if error.is_none() { dec.consumed() } else { 0 };
    (events, error, consumed)
}

fn encode(input: &Input, cuts: &[usize]) {
    let Some(opcode) = Opcode::from_u8(input.opcode & 0xf) else {
        return;
    };
    let payload = &input.bytes;
    let mut out = BytesMut::new();
    let ok = encode_frame(opcode, input.fin, input.rsv1, payload, input.key, &mut out).is_ok();
    let valid = !(opcode.is_control() && (!input.fin || input.rsv1 || payload.len() > 125))
        && !(input.rsv1 && opcode == Opcode::Continuation);
    assert_eq!(ok, valid);
    // The reused-buffer form: the same bytes over a buffer holding
    // others, nothing written on error, the bytes past the frame kept.
    let mut reused = vec![0xa5; 3 + payload.len() / 2];
    let before = reused.clone();
    match encode_frame_over(
        opcode,
        input.fin,
        input.rsv1,
        payload,
        input.key,
        &mut reused,
    ) {
        Ok(n) => {
            assert_eq!(&reused[..n], &out[..]);
            assert!(reused[n..].iter().all(|&b| b == 0xa5));
        }
        Err(_) => assert_eq!(reused, before),
    }
    if !ok {
        assert!(out.is_empty());
        return;
    }
    // Read it back as a server does.
    assert_eq!(
        out[0],
        u8::from(input.fin) << 7 | u8::from(input.rsv1) << 6 | opcode.as_u8()
    );
    assert!(out[1] & 0x80 != 0);
    let (len, pos) = match out[1] & 0x7f {
        126 => (u64::from(u16::from_be_bytes([out[2], out[3]])), 4),
        127 => (u64::from_be_bytes(out[2..10].try_into().unwrap()), 10),
        n => (u64::from(n), 2),
    };
    assert_eq!(len, payload.len() as u64);
    assert_eq!(&out[pos..pos + 4], &input.key);
    let body: Vec<u8> = out[pos + 4..]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ input.key[i % 4])
        .collect();
    assert_eq!(&body, payload);
    let mut vectored = payload.clone();
    let h = encode_frame_vectored(opcode, input.fin, input.rsv1, &mut vectored, input.key).unwrap();
    assert_eq!([h.as_bytes(), &vectored].concat(), &out[..]);
    // Masking in pieces.
    let mut pieces = payload.clone();
    let mut start = 0;
    let mut ends = cuts.to_vec();
    ends.push(pieces.len());
    for end in ends {
        apply_mask_offset(&mut pieces[start..end], input.key, start);
        start = end;
    }
    assert_eq!(&pieces[..], &out[pos + 4..]);
}

fuzz_target!(|input: Input| {
    let len = input.bytes.len();
    let mut cuts: Vec<usize> = input
        .splits
        .iter()
        .map(|&s| s as usize % (len + 1))
        .collect();
    cuts.sort_unstable();
    let whole = decode(&input, &[]);
    assert_eq!(whole, decode(&input, &cuts));
    encode(&input, &cuts);
});
