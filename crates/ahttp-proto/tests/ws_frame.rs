//! Tests of the WebSocket frame codec (`ahttp_proto::ws::frame`).
//!
//! Every decoder case is fed whole, one byte at a time and at 50 random
//! sets of split points, and must give the same events (payload pieces of
//! one frame merged), error and stream offset. Encoded client frames are
//! checked with a server-side decoder written here (unmasking included).

mod common;

use ahttp_proto::ws::frame::{
    apply_mask, apply_mask_offset, encode_frame, encode_frame_over, encode_frame_vectored, Frame,
    FrameDecoder, FrameEvent, FrameHeader, Opcode,
};
use ahttp_proto::ErrorKind;
use bytes::BytesMut;
use proptest::prelude::*;

// ----- harness -----

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Header(FrameHeader),
    /// All payload pieces of one frame, joined.
    Payload(Vec<u8>),
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    events: Vec<Ev>,
    error: Option<(ErrorKind, Option<u64>)>,
    /// Bytes the decoder took in all (only meaningful without an error).
    consumed: u64,
    between_frames: bool,
}

/// Feeds `input` cut at `cuts` (any order, duplicates allowed) to a fresh
/// decoder from `make`, draining after each piece.
fn run(make: &dyn Fn() -> FrameDecoder, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    cuts.sort_unstable();
    cuts.push(input.len());
    let mut dec = make();
    let mut buf = BytesMut::new();
    let mut events: Vec<Ev> = Vec::new();
    let mut error = None;
    let mut start = 0;
    let mut current: Option<FrameHeader> = None;
    'feed: for cut in cuts {
        buf.extend_from_slice(&input[start..cut]);
        start = cut;
        loop {
            match dec.decode(&mut buf) {
                Ok(FrameEvent::NeedData) => break,
                Ok(FrameEvent::Header(h)) => {
                    assert!(current.is_none(), "header inside a frame");
                    assert_eq!(h.mask, None);
                    current = Some(h);
                    events.push(Ev::Header(h));
                }
                Ok(FrameEvent::Payload(bytes)) => {
                    let h = current.expect("payload outside a frame");
                    assert!(!bytes.is_empty(), "empty payload piece");
                    if h.opcode.is_control() {
                        assert_eq!(
                            bytes.len() as u64,
                            h.payload_len,
                            "control payload in pieces"
                        );
                    }
                    match events.last_mut() {
                        Some(Ev::Payload(prev)) => prev.extend_from_slice(&bytes),
                        _ => events.push(Ev::Payload(bytes.to_vec())),
                    }
                }
                Ok(FrameEvent::End) => {
                    let h = current.take().expect("end outside a frame");
                    let got = match events.last() {
                        Some(Ev::Payload(p)) => p.len() as u64,
                        _ => 0,
                    };
                    assert_eq!(got, h.payload_len, "payload length");
                    events.push(Ev::End);
                }
                Err(e) => {
                    assert_eq!(dec.decode(&mut buf).unwrap_err(), e, "errors are sticky");
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    Outcome {
        events,
        consumed: if error.is_some() { 0 } else { dec.consumed() },
        between_frames: error.is_none() && dec.is_between_frames(),
        error,
    }
}

/// Runs `input` whole, byte by byte and at 50 random sets of split
/// points; all must agree.
#[track_caller]
fn run_all_splits_with(make: &dyn Fn() -> FrameDecoder, input: &[u8]) -> Outcome {
    common::agree_at_all_splits(input, 0x3f5 ^ input.len() as u64, 50, |cuts| {
        run(make, input, cuts)
    })
}

#[track_caller]
fn run_all_splits(input: &[u8]) -> Outcome {
    run_all_splits_with(&FrameDecoder::new, input)
}

#[track_caller]
fn error_of(input: &[u8]) -> (ErrorKind, Option<u64>) {
    run_all_splits(input).error.expect("an error")
}

/// A server frame (unmasked) with the shortest length encoding.
fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    match payload.len() {
        n @ 0..=125 => out.push(n as u8),
        n @ 126..=0xffff => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

fn header(fin: bool, rsv1: bool, opcode: Opcode, payload_len: u64) -> FrameHeader {
    FrameHeader {
        fin,
        rsv1,
        opcode,
        mask: None,
        payload_len,
    }
}

fn frame_events(h: FrameHeader, payload: &[u8]) -> Vec<Ev> {
    let mut v = vec![Ev::Header(h)];
    if !payload.is_empty() {
        v.push(Ev::Payload(payload.to_vec()));
    }
    v.push(Ev::End);
    v
}

/// What a server does with a client frame: parse it whole and unmask.
#[derive(Debug, PartialEq, Eq)]
struct ServerView {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: Vec<u8>,
    /// The length was in its shortest encoding.
    minimal: bool,
}

fn server_decode(bytes: &[u8]) -> (ServerView, usize) {
    let b0 = bytes[0];
    let b1 = bytes[1];
    let (len, mut pos, minimal) = match b1 & 0x7f {
        126 => {
            let n = u16::from_be_bytes([bytes[2], bytes[3]]) as u64;
            (n, 4, n >= 126)
        }
        127 => {
            let n = u64::from_be_bytes(bytes[2..10].try_into().unwrap());
            (n, 10, n > 0xffff && n >> 63 == 0)
        }
        n => (n as u64, 2, true),
    };
    let mask = if b1 & 0x80 != 0 {
        let k: [u8; 4] = bytes[pos..pos + 4].try_into().unwrap();
        pos += 4;
        Some(k)
    } else {
        None
    };
    let end = pos + len as usize;
    let mut payload = bytes[pos..end].to_vec();
    if let Some(k) = mask {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= k[i % 4];
        }
    }
    (
        ServerView {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x7,
            opcode: b0 & 0xf,
            mask,
            payload,
            minimal,
        },
        end,
    )
}

// ----- decoding -----

#[test]
fn every_opcode() {
    for (opcode, b0) in [
        (Opcode::Continuation, 0x80),
        (Opcode::Text, 0x81),
        (Opcode::Binary, 0x82),
        (Opcode::Close, 0x88),
        (Opcode::Ping, 0x89),
        (Opcode::Pong, 0x8a),
    ] {
        let payload: &[u8] = if opcode == Opcode::Close {
            b"\x03\xe8"
        } else {
            b"abc"
        };
        let out = run_all_splits(&server_frame(b0, payload));
        assert_eq!(out.error, None, "{opcode:?}");
        assert_eq!(
            out.events,
            frame_events(header(true, false, opcode, payload.len() as u64), payload)
        );
        assert_eq!(out.consumed, 2 + payload.len() as u64);
        assert!(out.between_frames);
    }
    // Non-final data frames.
    for (opcode, b0) in [
        (Opcode::Text, 0x01),
        (Opcode::Binary, 0x02),
        (Opcode::Continuation, 0x00),
    ] {
        let out = run_all_splits(&server_frame(b0, b"x"));
        assert_eq!(
            out.events,
            frame_events(header(false, false, opcode, 1), b"x")
        );
    }
}

#[test]
fn lengths_at_every_boundary() {
    for len in [0usize, 1, 124, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let input = server_frame(0x82, &payload);
        let header_len = match len {
            0..=125 => 2,
            126..=65535 => 4,
            _ => 10,
        };
        assert_eq!(input.len(), header_len + len);
        let out = run_all_splits(&input);
        assert_eq!(out.error, None, "{len}");
        assert_eq!(
            out.events,
            frame_events(header(true, false, Opcode::Binary, len as u64), &payload),
            "{len}"
        );
    }
}

#[test]
fn control_frames_up_to_125_bytes() {
    for b0 in [0x88u8, 0x89, 0x8a] {
        let mut payload = vec![b'p'; 125];
        if b0 == 0x88 {
            payload[..2].copy_from_slice(b"\x03\xe8");
        }
        let out = run_all_splits(&server_frame(b0, &payload));
        assert_eq!(out.error, None);
        assert_eq!(out.events.len(), 3);
    }
}

#[test]
fn several_frames_back_to_back() {
    let mut input = server_frame(0x01, b"Hel");
    input.extend(server_frame(0x89, b"ping"));
    input.extend(server_frame(0x80, b"lo"));
    input.extend(server_frame(0x82, &[]));
    input.extend(server_frame(0x82, &[9; 300]));
    let out = run_all_splits(&input);
    let mut expected = frame_events(header(false, false, Opcode::Text, 3), b"Hel");
    expected.extend(frame_events(header(true, false, Opcode::Ping, 4), b"ping"));
    expected.extend(frame_events(
        header(true, false, Opcode::Continuation, 2),
        b"lo",
    ));
    expected.extend(frame_events(header(true, false, Opcode::Binary, 0), b""));
    expected.extend(frame_events(
        header(true, false, Opcode::Binary, 300),
        &[9; 300],
    ));
    assert_eq!(out.events, expected);
    assert_eq!(out.error, None);
    assert_eq!(out.consumed, input.len() as u64);
}

#[test]
fn unfinished_frames_wait() {
    // Half a header, a header, half a payload.
    let out = run_all_splits(&[0x82]);
    assert_eq!((out.events.len(), out.error.clone()), (0, None));
    assert!(!out.between_frames);
    let out = run_all_splits(&[0x82, 126, 1]);
    assert!(out.events.is_empty() && out.error.is_none());
    let out = run_all_splits(&[0x82, 5, 1, 2]);
    assert_eq!(
        out.events,
        vec![
            Ev::Header(header(true, false, Opcode::Binary, 5)),
            Ev::Payload(vec![1, 2])
        ]
    );
    // A control frame's payload waits until whole.
    let out = run_all_splits(&[0x89, 5, 1, 2]);
    assert_eq!(
        out.events,
        vec![Ev::Header(header(true, false, Opcode::Ping, 5))]
    );
}

#[test]
fn masked_server_frames_are_refused() {
    let input = [0x81, 0x85, 1, 2, 3, 4, b'a', b'b', b'c', b'd', b'e'];
    assert_eq!(
        error_of(&input),
        (
            ErrorKind::WsInvalidFrame("masked frame from the server"),
            Some(1)
        )
    );
    // Also after a good frame: the offset counts from the stream's start.
    let mut input = server_frame(0x82, b"ok");
    input.extend([0x89, 0x80, 0, 0, 0, 0]);
    let out = run_all_splits(&input);
    assert_eq!(out.events.len(), 3);
    assert_eq!(
        out.error,
        Some((
            ErrorKind::WsInvalidFrame("masked frame from the server"),
            Some(5)
        ))
    );
}

#[test]
fn reserved_bits_are_refused() {
    for b0 in [0xa1u8, 0x91, 0xb1, 0xf1] {
        assert_eq!(
            error_of(&[b0, 0]),
            (ErrorKind::WsInvalidFrame("RSV2 or RSV3 set"), Some(0)),
            "{b0:#x}"
        );
    }
    // RSV1 without permessage-deflate, even with the byte alone.
    assert_eq!(
        error_of(&[0xc1]),
        (
            ErrorKind::WsInvalidFrame("RSV1 set without permessage-deflate"),
            Some(0)
        )
    );
    // With permessage-deflate: allowed on a first data frame only.
    let deflate = || FrameDecoder::new().with_permessage_deflate(true);
    let out = run_all_splits_with(&deflate, &server_frame(0xc1, b"x"));
    assert_eq!(
        out.events,
        frame_events(header(true, true, Opcode::Text, 1), b"x")
    );
    let out = run_all_splits_with(&deflate, &server_frame(0x42, b"x"));
    assert_eq!(
        out.events,
        frame_events(header(false, true, Opcode::Binary, 1), b"x")
    );
    for (b0, why) in [
        (0xc0u8, "RSV1 set on a continuation frame"),
        (0xc8, "RSV1 set on a control frame"),
        (0xc9, "RSV1 set on a control frame"),
        (0xca, "RSV1 set on a control frame"),
    ] {
        let out = run_all_splits_with(&deflate, &[b0, 0]);
        assert_eq!(out.error, Some((ErrorKind::WsInvalidFrame(why), Some(0))));
    }
}

#[test]
fn reserved_opcodes_are_refused() {
    for op in (0x3..=0x7).chain(0xb..=0xf) {
        assert_eq!(
            error_of(&[0x80 | op, 0]),
            (ErrorKind::WsInvalidFrame("reserved opcode"), Some(0)),
            "{op:#x}"
        );
    }
}

#[test]
fn bad_control_frames_are_refused() {
    for b0 in [0x88u8, 0x89, 0x8a] {
        // Longer than 125: any extended length.
        for len_byte in [126u8, 127] {
            assert_eq!(
                error_of(&[b0, len_byte, 0, 126]),
                (
                    ErrorKind::WsInvalidFrame("control frame payload longer than 125 bytes"),
                    Some(1)
                )
            );
        }
        // Fragmented.
        assert_eq!(
            error_of(&[b0 & 0x7f, 0]),
            (
                ErrorKind::WsInvalidFrame("fragmented control frame"),
                Some(0)
            )
        );
    }
}

#[test]
fn non_minimal_lengths_are_refused() {
    let e16 = ErrorKind::WsInvalidFrame("16-bit length below 126");
    let e64 = ErrorKind::WsInvalidFrame("64-bit length below 65536");
    let top = ErrorKind::WsInvalidFrame("64-bit length with the most significant bit set");
    assert_eq!(error_of(&[0x82, 126, 0, 0]), (e16.clone(), Some(2)));
    assert_eq!(error_of(&[0x82, 126, 0, 125]), (e16, Some(2)));
    assert_eq!(
        error_of(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5]),
        (e64.clone(), Some(2))
    );
    assert_eq!(
        error_of(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff]),
        (e64, Some(2))
    );
    assert_eq!(
        error_of(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        (top.clone(), Some(2))
    );
    assert_eq!(
        error_of(&[0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        (top, Some(2))
    );
    // The smallest lengths of each form are fine.
    let out = run_all_splits(&[0x82, 126, 0, 126]);
    assert_eq!(
        out.events,
        vec![Ev::Header(header(true, false, Opcode::Binary, 126))]
    );
    let out = run_all_splits(&[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(
        out.events,
        vec![Ev::Header(header(true, false, Opcode::Binary, 65536))]
    );
}

#[test]
fn huge_lengths_cost_nothing() {
    // 2^63 - 1 bytes announced, no limit: a header and a wait, no buffer.
    let input = [
        0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3,
    ];
    let out = run_all_splits(&input);
    assert_eq!(
        out.events,
        vec![
            Ev::Header(header(true, false, Opcode::Binary, u64::MAX >> 1)),
            Ev::Payload(vec![1, 2, 3])
        ]
    );
    let mut dec = FrameDecoder::new();
    let mut buf = BytesMut::from(&input[..]);
    dec.decode(&mut buf).unwrap();
    dec.decode(&mut buf).unwrap();
    assert_eq!(dec.payload_remaining(), Some((u64::MAX >> 1) - 3));

    // With a limit, 2^40 is refused on the header alone.
    let input = [0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0];
    let limited = || FrameDecoder::new().with_max_frame_size(4 << 20);
    let out = run_all_splits_with(&limited, &input);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 4 << 20 }, Some(0)))
    );
    // Exactly the limit is fine.
    let out = run_all_splits_with(
        &|| FrameDecoder::new().with_max_frame_size(300),
        &server_frame(0x82, &[0; 300]),
    );
    assert_eq!(out.error, None);
    let out = run_all_splits_with(
        &|| FrameDecoder::new().with_max_frame_size(299),
        &server_frame(0x82, &[0; 300]),
    );
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 299 }, Some(0)))
    );
}

#[test]
fn payload_is_split_off_without_copying() {
    let input = server_frame(0x82, &[7; 1000]);
    let mut buf = BytesMut::from(&input[..]);
    let base = buf.as_ptr() as usize;
    let mut dec = FrameDecoder::new();
    assert!(matches!(
        dec.decode(&mut buf).unwrap(),
        FrameEvent::Header(_)
    ));
    let FrameEvent::Payload(bytes) = dec.decode(&mut buf).unwrap() else {
        panic!("payload expected")
    };
    assert_eq!(bytes.as_ptr() as usize, base + 4);
    assert_eq!(bytes.len(), 1000);
}

// ----- encoding -----

#[test]
fn encoded_frames_read_back_on_the_server() {
    let key = [0xa5, 0x5a, 0x01, 0xfe];
    for len in [0usize, 1, 3, 4, 5, 125, 126, 65535, 65536] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for (opcode, fin, rsv1) in [
            (Opcode::Text, true, false),
            (Opcode::Binary, false, true),
            (Opcode::Continuation, true, false),
        ] {
            let mut out = BytesMut::from(&b"prefix"[..]);
            encode_frame(opcode, fin, rsv1, &payload, key, &mut out).unwrap();
            assert_eq!(&out[..6], b"prefix");
            let (view, used) = server_decode(&out[6..]);
            assert_eq!(used, out.len() - 6);
            assert_eq!(
                view,
                ServerView {
                    fin,
                    rsv: u8::from(rsv1) << 2,
                    opcode: opcode.as_u8(),
                    mask: Some(key),
                    payload: payload.clone(),
                    minimal: true,
                }
            );
            // The vectored form writes the same bytes.
            let mut body = payload.clone();
            let h = encode_frame_vectored(opcode, fin, rsv1, &mut body, key).unwrap();
            assert_eq!([h.as_bytes(), &body].concat(), &out[6..]);
            // So does the reused-buffer form, over a longer frame's bytes
            // (`out` holds the 6-byte prefix: 9 bytes to spare) and into an
            // empty buffer.
            let mut reused = vec![0xee; out.len() + 3];
            let n = encode_frame_over(opcode, fin, rsv1, &payload, key, &mut reused).unwrap();
            assert_eq!(&reused[..n], &out[6..]);
            assert_eq!(&reused[n..], &[0xee; 9], "bytes past the frame kept");
            let mut empty = Vec::new();
            let n = encode_frame_over(opcode, fin, rsv1, &payload, key, &mut empty).unwrap();
            assert_eq!((n, &empty[..]), (out.len() - 6, &out[6..]));
        }
    }
    for opcode in [Opcode::Close, Opcode::Ping, Opcode::Pong] {
        let mut out = BytesMut::new();
        Frame::new(opcode, vec![1u8; 125])
            .encode(key, &mut out)
            .unwrap();
        let (view, _) = server_decode(&out);
        assert_eq!((view.opcode, view.payload.len()), (opcode.as_u8(), 125));
    }
}

#[test]
fn masking_while_copying_matches_every_length_and_key() {
    // Every length through the 32-byte blocks, the 8-byte words and the
    // byte tail, growing and then shrinking (each frame over a longer
    // one's bytes), with keys whose bytes differ so a phase slip shows.
    let mut reused = Vec::new();
    let lengths = (0..=200usize).chain((0..=200).rev());
    for (round, len) in lengths.enumerate() {
        let key = [round as u8, 0x20, 0x40 ^ len as u8, 0x80];
        let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let mut out = BytesMut::new();
        encode_frame(Opcode::Binary, true, false, &payload, key, &mut out).unwrap();
        let n = encode_frame_over(Opcode::Binary, true, false, &payload, key, &mut reused).unwrap();
        assert_eq!(&reused[..n], &out[..], "length {len}, round {round}");
    }
}

#[test]
fn encoder_refuses_invalid_frames() {
    let cases: [(Opcode, bool, bool, usize, &str); 6] = [
        (
            Opcode::Ping,
            true,
            false,
            126,
            "control frame payload longer than 125 bytes",
        ),
        (
            Opcode::Close,
            true,
            false,
            200,
            "control frame payload longer than 125 bytes",
        ),
        (Opcode::Pong, false, false, 0, "fragmented control frame"),
        (Opcode::Close, false, false, 0, "fragmented control frame"),
        (Opcode::Ping, true, true, 0, "RSV1 set on a control frame"),
        (
            Opcode::Continuation,
            true,
            true,
            0,
            "RSV1 set on a continuation frame",
        ),
    ];
    for (opcode, fin, rsv1, len, why) in cases {
        let mut out = BytesMut::from(&b"kept"[..]);
        let payload = vec![0u8; len];
        let err = encode_frame(opcode, fin, rsv1, &payload, [1; 4], &mut out).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::WsInvalidFrame(why));
        assert_eq!(&out[..], b"kept", "nothing written");
        let mut reused = b"kept".to_vec();
        assert!(encode_frame_over(opcode, fin, rsv1, &payload, [1; 4], &mut reused).is_err());
        assert_eq!(reused, b"kept", "nothing written over");
        let mut body = payload.clone();
        assert!(encode_frame_vectored(opcode, fin, rsv1, &mut body, [1; 4]).is_err());
        assert_eq!(body, payload, "payload left unmasked");
    }
    let too_long = FrameHeader {
        fin: true,
        rsv1: false,
        opcode: Opcode::Binary,
        mask: None,
        payload_len: 1 << 63,
    };
    assert!(too_long.encode().is_err());
}

#[test]
fn rfc_6455_examples() {
    // Section 5.7.
    let mut out = BytesMut::new();
    encode_frame(
        Opcode::Text,
        true,
        false,
        b"Hello",
        [0x37, 0xfa, 0x21, 0x3d],
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..], b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    let out = run_all_splits(b"\x01\x03Hel\x80\x02lo");
    assert_eq!(out.events.len(), 6);
    let out = run_all_splits(b"\x8a\x05Hello");
    assert_eq!(
        out.events,
        frame_events(header(true, false, Opcode::Pong, 5), b"Hello")
    );
}

#[test]
fn masking_is_its_own_inverse_and_piecewise() {
    let key = [3, 1, 4, 1];
    let data: Vec<u8> = (0..=255).collect();
    let mut masked = data.clone();
    apply_mask(&mut masked, key);
    assert_ne!(masked, data);
    for i in 0..data.len() {
        assert_eq!(masked[i], data[i] ^ key[i % 4]);
    }
    apply_mask(&mut masked, key);
    assert_eq!(masked, data);
}

// ----- properties -----

fn opcode_strategy() -> impl Strategy<Value = Opcode> {
    prop_oneof![
        Just(Opcode::Continuation),
        Just(Opcode::Text),
        Just(Opcode::Binary),
        Just(Opcode::Close),
        Just(Opcode::Ping),
        Just(Opcode::Pong),
    ]
}

proptest! {
    #[test]
    fn encode_then_server_decode(
        opcode in opcode_strategy(),
        fin: bool,
        rsv1: bool,
        key: [u8; 4],
        payload in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut out = BytesMut::new();
        let result = encode_frame(opcode, fin, rsv1, &payload, key, &mut out);
        let valid = !(opcode.is_control() && (!fin || rsv1 || payload.len() > 125))
            && !(rsv1 && opcode == Opcode::Continuation);
        prop_assert_eq!(result.is_ok(), valid);
        if valid {
            let (view, used) = server_decode(&out);
            prop_assert_eq!(used, out.len());
            prop_assert_eq!(view.payload, payload.clone());
            prop_assert_eq!(view.mask, Some(key));
            prop_assert!(view.minimal);
            prop_assert_eq!((view.fin, view.rsv, view.opcode), (fin, u8::from(rsv1) << 2, opcode.as_u8()));
            let mut body = payload;
            let h = encode_frame_vectored(opcode, fin, rsv1, &mut body, key).unwrap();
            prop_assert_eq!([h.as_bytes(), &body].concat(), out.to_vec());
        } else {
            prop_assert!(out.is_empty());
        }
    }

    #[test]
    fn mask_in_pieces_equals_mask_whole(
        key: [u8; 4],
        data in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let mut whole = data.clone();
        apply_mask(&mut whole, key);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.push(data.len());
        let mut pieces = data.clone();
        let mut start = 0;
        for cut in cuts {
            apply_mask_offset(&mut pieces[start..cut], key, start);
            start = cut;
        }
        prop_assert_eq!(&pieces, &whole);
        for (i, b) in whole.iter().enumerate() {
            prop_assert_eq!(*b, data[i] ^ key[i % 4]);
        }
    }

    #[test]
    fn server_frames_decode_the_same_at_any_split(
        frames in proptest::collection::vec(
            (prop_oneof![Just(0x80u8), Just(0x01), Just(0x82), Just(0x89), Just(0x8a)],
             proptest::collection::vec(any::<u8>(), 0..300)),
            0..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for (b0, payload) in &frames {
            let payload = if b0 & 0x8 != 0 { &payload[..payload.len().min(125)] } else { &payload[..] };
            input.extend(server_frame(*b0, payload));
            let opcode = Opcode::from_u8(b0 & 0xf).unwrap();
            expected.extend(frame_events(header(b0 & 0x80 != 0, false, opcode, payload.len() as u64), payload));
        }
        let cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        let out = run(&FrameDecoder::new, &input, &cuts);
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(out.events, expected);
        prop_assert_eq!(out.consumed, input.len() as u64);
    }

    #[test]
    fn arbitrary_bytes_agree_whole_and_split(
        input in proptest::collection::vec(any::<u8>(), 0..64),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        deflate: bool,
    ) {
        let make = move || FrameDecoder::new().with_permessage_deflate(deflate).with_max_frame_size(1000);
        let whole = run(&make, &input, &[]);
        let split = run(&make, &input, &cuts);
        prop_assert_eq!(split, whole);
    }
}
