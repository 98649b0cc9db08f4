//! WebSocket message assembly and the close handshake on arbitrary server
//! bytes at arbitrary split points: raw bytes, or arbitrary frames encoded
//! the way a server does (so that the assembler is reached often), with or
//! without permessage-deflate, a small or the default size limit, and with
//! or without the client having sent its close first. No panic, only
//! WebSocket errors (sticky, each with a close code to send but
//! `WsClosed`), and the same messages, error, offset and close state as
//! when the input comes whole.
#![no_main]

use ahttp_proto::ws::message::{CloseCode, CloseState, Incoming, Message, MessageCodec};
use ahttp_proto::ErrorKind;
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    deflate: bool,
    small_max: bool,
    client_closed_first: bool,
    splits: Vec<u16>,
    raw: Vec<u8>,
    /// Used instead of `raw` when not empty: (first byte, payload).
    frames: Vec<(u8, Vec<u8>)>,
}

type Outcome = (
    Vec<Incoming>,
    Option<(ErrorKind, Option<u64>)>,
    CloseState,
    Option<CloseCode>,
);

fn server_bytes(input: &Input) -> Vec<u8> {
    if input.frames.is_empty() {
        return input.raw.clone();
    }
    let mut out = Vec::new();
    for (b0, payload) in &input.frames {
        // Keep RSV2/RSV3 and the mask bit mostly clear, or almost every
        // input stops at its first frame.
        out.push(b0 & 0xcf);
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
    }
    out
}

fn codec(input: &Input) -> MessageCodec {
    let max = if input.small_max { 64 } else { 4 << 20 };
    let mut codec = MessageCodec::new()
        .with_permessage_deflate(input.deflate)
        .with_max_msg_size(max);
    if input.client_closed_first {
        let mut out = BytesMut::new();
        codec
            .encode(&Message::Close(None), [1, 2, 3, 4], &mut out)
            .unwrap();
        assert_eq!(codec.close_state(), CloseState::CloseSent);
    }
    codec
}

fn decode(input: &Input, bytes: &[u8], cuts: &[usize]) -> Outcome {
    let mut codec = codec(input);
    let max = codec.max_msg_size();
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    let mut error = None;
    let mut start = 0;
    let mut ends = cuts.to_vec();
    ends.push(bytes.len());
    'feed: for end in ends {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        loop {
            match codec.decode(&mut buf) {
                Ok(None) => break,
                Ok(Some(item)) => {
                    match &item {
                        Incoming::Compressed { payload, .. } => {
                            assert!(input.deflate);
                            assert!(payload.len() as u64 <= max);
                        }
                        Incoming::Message(Message::Text(t)) => assert!(t.len() as u64 <= max),
                        Incoming::Message(Message::Binary(b)) => assert!(b.len() as u64 <= max),
                        Incoming::Message(Message::Ping(p) | Message::Pong(p)) => {
                            assert!(p.len() <= 125);
                            assert_eq!(codec.close_state(), CloseState::Open);
                        }
                        Incoming::Message(Message::Close(c)) => {
                            assert!(c
                                .as_ref()
                                .is_none_or(|(code, r)| code.is_valid() && r.len() <= 123));
                        }
                    }
                    if input.client_closed_first {
                        assert!(matches!(item, Incoming::Message(Message::Close(_))));
                    }
                    items.push(item);
                }
                Err(e) => {
                    match e.kind() {
                        ErrorKind::WsClosed => assert_eq!(codec.close_state(), CloseState::Closed),
                        _ => assert!(CloseCode::for_error(&e).is_some(), "{e}"),
                    }
                    assert!(e.offset().is_some_and(|o| o <= bytes.len() as u64));
                    assert_eq!(codec.decode(&mut buf), Err(e.clone()));
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    (items, error, codec.close_state(), codec.peer_close_code())
}

fuzz_target!(|input: Input| {
    let bytes = server_bytes(&input);
    let len = bytes.len();
    let mut cuts: Vec<usize> = input
        .splits
        .iter()
        .map(|&s| s as usize % (len + 1))
        .collect();
    cuts.sort_unstable();
    let whole = decode(&input, &bytes, &[]);
    assert_eq!(whole, decode(&input, &bytes, &cuts));
});
