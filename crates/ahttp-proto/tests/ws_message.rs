//! Tests of WebSocket message assembly and the close handshake
//! (`ahttp_proto::ws::message`).
//!
//! Every stream of server frames is fed whole, one byte at a time and at
//! 50 random sets of split points, and must give the same messages, error
//! (kind and stream offset) and close state. The UTF-8 cases follow
//! Autobahn's section 6 (fail fast, characters split across fragments).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ahttp_proto::ws::message::{
    parse_close_payload, CloseCode, CloseState, Incoming, Message, MessageCodec, MessageKind,
    DEFAULT_MAX_MSG_SIZE,
};
use ahttp_proto::{Error, ErrorKind};
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

// ----- an allocator that counts this thread's allocations when asked -----

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATED.try_with(|n| n.set(n.get() + size as u64));
        }
    });
}

// SAFETY: forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated by this thread while running `f`.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, u64) {
    ALLOCATED.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let out = f();
    COUNTING.with(|on| on.set(false));
    (out, ALLOCATED.with(|n| n.get()))
}

// ----- harness -----

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    items: Vec<Incoming>,
    error: Option<(ErrorKind, Option<u64>)>,
    close: CloseState,
    peer_code: Option<CloseCode>,
}

type Make<'a> = &'a dyn Fn() -> MessageCodec;

fn run(make: Make, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    cuts.sort_unstable();
    cuts.push(input.len());
    let mut codec = make();
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    let mut error = None;
    let mut start = 0;
    'feed: for cut in cuts {
        buf.extend_from_slice(&input[start..cut]);
        start = cut;
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(codec.decode(&mut buf).unwrap_err(), e, "errors are sticky");
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    Outcome {
        items,
        error,
        close: codec.close_state(),
        peer_code: codec.peer_close_code(),
    }
}

#[track_caller]
fn run_all_splits_with(make: Make, input: &[u8]) -> Outcome {
    common::agree_at_all_splits(input, 0x3e55 ^ input.len() as u64, 50, |cuts| {
        run(make, input, cuts)
    })
}

#[track_caller]
fn run_all_splits(input: &[u8]) -> Outcome {
    run_all_splits_with(&MessageCodec::new, input)
}

/// A server frame (unmasked, shortest length).
fn sf(b0: u8, payload: &[u8]) -> Vec<u8> {
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

fn frames(list: &[(u8, &[u8])]) -> Vec<u8> {
    list.iter().flat_map(|(b0, p)| sf(*b0, p)).collect()
}

const TEXT: u8 = 0x81;
const TEXT_MORE: u8 = 0x01;
const BIN: u8 = 0x82;
const BIN_MORE: u8 = 0x02;
const CONT: u8 = 0x80;
const CONT_MORE: u8 = 0x00;
const CLOSE: u8 = 0x88;
const PING: u8 = 0x89;
const PONG: u8 = 0x8a;

fn text(s: &str) -> Incoming {
    Incoming::Message(Message::Text(s.into()))
}
fn binary(b: &[u8]) -> Incoming {
    Incoming::Message(Message::Binary(Bytes::copy_from_slice(b)))
}
fn ping(b: &[u8]) -> Incoming {
    Incoming::Message(Message::Ping(Bytes::copy_from_slice(b)))
}
fn pong(b: &[u8]) -> Incoming {
    Incoming::Message(Message::Pong(Bytes::copy_from_slice(b)))
}
fn close(code: u16, reason: &str) -> Incoming {
    Incoming::Message(Message::Close(Some((CloseCode::new(code), reason.into()))))
}

#[track_caller]
fn ok(input: &[u8]) -> Vec<Incoming> {
    let out = run_all_splits(input);
    assert_eq!(out.error, None, "{input:?}");
    out.items
}

#[track_caller]
fn err(input: &[u8]) -> (ErrorKind, Option<u64>) {
    run_all_splits(input).error.expect("an error")
}

fn utf8_err(at: u64) -> (ErrorKind, Option<u64>) {
    (ErrorKind::WsInvalidUtf8, Some(at))
}

// ----- data messages -----

#[test]
fn single_frame_messages() {
    assert_eq!(ok(&sf(TEXT, b"Hello")), vec![text("Hello")]);
    assert_eq!(ok(&sf(TEXT, b"")), vec![text("")]);
    assert_eq!(
        ok(&sf(BIN, &[0, 159, 146, 150])),
        vec![binary(&[0, 159, 146, 150])]
    );
    assert_eq!(ok(&sf(BIN, b"")), vec![binary(b"")]);
    assert_eq!(ok(&sf(PING, b"")), vec![ping(b"")]);
    assert_eq!(ok(&sf(PONG, b"pong")), vec![pong(b"pong")]);
    let big: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
    assert_eq!(ok(&sf(BIN, &big)), vec![binary(&big)]);
    let s = "κόσμε 😀 ".repeat(5000);
    assert_eq!(ok(&sf(TEXT, s.as_bytes())), vec![text(&s)]);
}

#[test]
fn fragmented_messages_with_interleaved_control_frames() {
    let input = frames(&[
        (TEXT_MORE, b"Hel"),
        (PING, b"p1"),
        (CONT_MORE, b""),
        (PONG, b"p2"),
        (CONT_MORE, b"lo, "),
        (PING, b""),
        (CONT, b"world"),
        (BIN_MORE, &[1, 2]),
        (CONT, &[3]),
        (BIN, &[4]),
    ]);
    assert_eq!(
        ok(&input),
        vec![
            ping(b"p1"),
            pong(b"p2"),
            ping(b""),
            text("Hello, world"),
            binary(&[1, 2, 3]),
            binary(&[4]),
        ]
    );
    // Fragments of zero length everywhere.
    let input = frames(&[(BIN_MORE, b""), (CONT_MORE, b""), (CONT, b"")]);
    assert_eq!(ok(&input), vec![binary(b"")]);
}

#[test]
fn frame_order_errors() {
    let no_msg = ErrorKind::WsProtocol("continuation frame with no message to continue");
    let inside = ErrorKind::WsProtocol("new data frame inside a fragmented message");
    assert_eq!(err(&sf(CONT, b"x")), (no_msg.clone(), Some(0)));
    assert_eq!(err(&sf(CONT_MORE, b"")), (no_msg.clone(), Some(0)));
    // After a complete message, a continuation is still an error.
    let input = frames(&[(TEXT, b"a"), (CONT, b"b")]);
    let out = run_all_splits(&input);
    assert_eq!(out.items, vec![text("a")]);
    assert_eq!(out.error, Some((no_msg, Some(3))));
    for b0 in [TEXT, BIN, TEXT_MORE, BIN_MORE] {
        let input = frames(&[(TEXT_MORE, b"a"), (PING, b""), (b0, b"b")]);
        let out = run_all_splits(&input);
        assert_eq!(out.items, vec![ping(b"")]);
        assert_eq!(out.error, Some((inside.clone(), Some(5))));
        assert_eq!(
            CloseCode::for_error(&Error::new(inside.clone())),
            Some(CloseCode::PROTOCOL_ERROR)
        );
    }
}

#[test]
fn invalid_frames_fail_the_message_layer() {
    // Masked, reserved bits, reserved opcodes, bad control frames: the
    // frame decoder's errors come through with their offsets.
    let input = [sf(TEXT, b"ok"), vec![0x81, 0x80, 0, 0, 0, 0]].concat();
    let out = run_all_splits(&input);
    assert_eq!(out.items, vec![text("ok")]);
    assert_eq!(
        out.error,
        Some((
            ErrorKind::WsInvalidFrame("masked frame from the server"),
            Some(5)
        ))
    );
    assert!(matches!(
        err(&[0x83, 0]).0,
        ErrorKind::WsInvalidFrame("reserved opcode")
    ));
    assert!(matches!(err(&[0xc1, 0]).0, ErrorKind::WsInvalidFrame(_)));
    assert!(matches!(
        err(&[0x09, 0]).0,
        ErrorKind::WsInvalidFrame("fragmented control frame")
    ));
    assert!(matches!(
        err(&[0x89, 126, 0, 126]).0,
        ErrorKind::WsInvalidFrame("control frame payload longer than 125 bytes")
    ));
}

#[test]
fn binary_in_one_piece_is_not_copied() {
    let input = sf(BIN, &[5; 4000]);
    let mut buf = BytesMut::from(&input[..]);
    let base = buf.as_ptr() as usize;
    let Some(Incoming::Message(Message::Binary(b))) = MessageCodec::new().decode(&mut buf).unwrap()
    else {
        panic!("binary expected")
    };
    assert_eq!((b.as_ptr() as usize, b.len()), (base + 4, 4000));
}

#[test]
fn binary_frames_are_taken_whole_and_text_as_it_arrives() {
    // A binary payload split across reads waits, and then comes out in
    // one piece of the buffer (no join), whatever the split.
    let input = sf(BIN, &[5; 4000]);
    let mut codec = MessageCodec::new();
    let mut buf = BytesMut::from(&input[..1000]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert_eq!(codec.payload_wanted(buf.len()), Some(3004));
    assert_eq!(buf.len(), 996, "the header is consumed, the payload kept");
    buf.extend_from_slice(&input[1000..]);
    let base = buf.as_ptr() as usize;
    let Some(Incoming::Message(Message::Binary(b))) = codec.decode(&mut buf).unwrap() else {
        panic!("binary expected")
    };
    assert_eq!((b.as_ptr() as usize, b.len()), (base, 4000));
    assert_eq!(codec.payload_wanted(0), None);
    // Text is validated as it arrives: nothing is waited for.
    let input = sf(TEXT, "héllo wörld".as_bytes());
    let mut buf = BytesMut::from(&input[..6]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert_eq!(codec.payload_wanted(buf.len()), None);
    buf.extend_from_slice(&input[6..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(text("héllo wörld")));
}

// ----- message size -----

#[test]
fn max_msg_size_counts_announced_lengths() {
    let small = || MessageCodec::new().with_max_msg_size(10);
    // Exactly the limit is fine, one more is not: refused at the header.
    let out = run_all_splits_with(&small, &sf(BIN, &[1; 10]));
    assert_eq!(out.items, vec![binary(&[1; 10])]);
    let out = run_all_splits_with(&small, &sf(BIN, &[1; 11]));
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 10 }, Some(0)))
    );
    // Only the header needs to be there.
    let out = run_all_splits_with(&small, &[0x81, 11]);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 10 }, Some(0)))
    );
    // Across fragments; control frames in between do not count.
    let input = frames(&[
        (TEXT_MORE, b"12345"),
        (PING, &[0; 100]),
        (CONT_MORE, b"678"),
        (CONT, b"90!"),
    ]);
    let out = run_all_splits_with(&small, &input);
    assert_eq!(out.items, vec![ping(&[0; 100])]);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 10 }, Some(114)))
    );
    let input = frames(&[
        (TEXT_MORE, b"12345"),
        (CONT, b"67890"),
        (TEXT, b"1234567890"),
    ]);
    let out = run_all_splits_with(&small, &input);
    assert_eq!(out.items, vec![text("1234567890"), text("1234567890")]);
    // 0: no limit.
    let out = run_all_splits_with(
        &|| MessageCodec::new().with_max_msg_size(0),
        &sf(BIN, &[1; 70_000]),
    );
    assert_eq!(out.items.len(), 1);
    assert_eq!(MessageCodec::new().max_msg_size(), DEFAULT_MAX_MSG_SIZE);
    assert_eq!(DEFAULT_MAX_MSG_SIZE, 4 * 1024 * 1024);
    assert_eq!(
        CloseCode::for_error(&Error::new(ErrorKind::WsMessageTooBig { limit: 10 })),
        Some(CloseCode::MESSAGE_TOO_BIG)
    );
}

#[test]
fn a_2_pow_40_header_is_refused_without_allocating() {
    // Text and binary frames announcing 2^40 bytes, with the default 4 MiB.
    for b0 in [0x81u8, 0x82, 0x01] {
        let input = [b0, 127, 0, 0, 1, 0, 0, 0, 0, 0];
        let mut codec = MessageCodec::new();
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(&input);
        let (result, bytes) = allocated_by(|| codec.decode(&mut buf));
        let e = result.unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::WsMessageTooBig {
                limit: DEFAULT_MAX_MSG_SIZE
            }
        );
        assert_eq!(e.offset(), Some(0));
        assert_eq!(bytes, 0, "allocated while refusing a huge header");
        // The header was taken off the buffer; it did not grow.
        assert_eq!(buf.capacity(), 64 - 10);
        assert_eq!(
            run_all_splits(&input).error,
            Some((
                ErrorKind::WsMessageTooBig {
                    limit: DEFAULT_MAX_MSG_SIZE
                },
                Some(0)
            ))
        );
    }
    // Fragments adding up past the limit, the last one huge.
    let mut input = sf(BIN_MORE, &[0; 100]);
    input.extend([0x80, 127, 0, 0, 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        err(&input),
        (
            ErrorKind::WsMessageTooBig {
                limit: DEFAULT_MAX_MSG_SIZE
            },
            Some(102)
        )
    );
    // Without a limit, what is kept grows with what arrives, not with
    // what is announced.
    let mut codec = MessageCodec::new().with_max_msg_size(0);
    let mut buf = BytesMut::from(&[0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3][..]);
    let (result, bytes) = allocated_by(|| codec.decode(&mut buf));
    assert_eq!(result.unwrap(), None);
    assert!(
        bytes < 1024,
        "{bytes} bytes allocated for 3 bytes of payload"
    );
}

// ----- UTF-8 -----

#[test]
fn utf8_valid_across_fragments() {
    // U+1F600 (f0 9f 98 80) split 1|3, 2|2, 3|1, and 1|1|1|1 with a ping
    // in the middle.
    let c = "😀".as_bytes();
    for cut in 1..4 {
        let input = frames(&[(TEXT_MORE, &c[..cut]), (CONT, &c[cut..])]);
        assert_eq!(ok(&input), vec![text("😀")], "cut {cut}");
    }
    let input = frames(&[
        (TEXT_MORE, b"a\xf0"),
        (CONT_MORE, b"\x9f"),
        (PING, b""),
        (CONT_MORE, b""),
        (CONT_MORE, b"\x98"),
        (CONT, b"\x80b"),
    ]);
    assert_eq!(ok(&input), vec![ping(b""), text("a😀b")]);
    // Every split of a text with 2-, 3- and 4-byte characters.
    let s = "aé€😀z";
    for cut in 0..=s.len() {
        let b = s.as_bytes();
        let input = frames(&[(TEXT_MORE, &b[..cut]), (CONT, &b[cut..])]);
        assert_eq!(ok(&input), vec![text(s)], "cut {cut}");
    }
}

#[test]
fn utf8_invalid_across_fragments() {
    // U+110000 (f4 90 80 80) is past the last code point: the second byte
    // already makes it invalid, wherever the fragments are cut.
    let bad = b"\xf4\x90\x80\x80";
    for cut in 1..4 {
        let input = frames(&[(TEXT_MORE, &bad[..cut]), (CONT, &bad[cut..])]);
        assert_eq!(err(&input), utf8_err(2), "cut {cut}");
    }
    // Fail fast: with the first fragment alone, 1|3 waits (f4 may still
    // be fine) but 2|2 and 3|1 already fail.
    assert_eq!(run_all_splits(&sf(TEXT_MORE, &bad[..1])).error, None);
    assert_eq!(err(&sf(TEXT_MORE, &bad[..2])), utf8_err(2));
    assert_eq!(err(&sf(TEXT_MORE, &bad[..3])), utf8_err(2));
    // A 1|3 split fails on the second fragment's first byte, before the
    // rest of that fragment arrives.
    let input = [sf(TEXT_MORE, &bad[..1]), vec![CONT, 3, 0x90]].concat();
    assert_eq!(err(&input), utf8_err(2));
    // A surrogate (ed a0 80) and an overlong slash (c0 af) across a cut.
    let input = frames(&[(TEXT_MORE, b"ok\xed"), (CONT, b"\xa0\x80")]);
    assert_eq!(err(&input), utf8_err(4));
    let input = frames(&[(TEXT_MORE, b"\xc0"), (CONT, b"\xaf")]);
    assert_eq!(err(&input), utf8_err(2));
    // A lead byte followed by ASCII in the next fragment.
    let input = frames(&[(TEXT_MORE, b"\xe2\x82"), (CONT, b"(")]);
    assert_eq!(err(&input), utf8_err(2));
    assert_eq!(
        CloseCode::for_error(&Error::new(ErrorKind::WsInvalidUtf8)),
        Some(CloseCode::INVALID_TEXT)
    );
}

#[test]
fn utf8_fails_fast_mid_message() {
    // Autobahn 6.4.1: three fragments, the second invalid; the third
    // never needs to arrive.
    let input = frames(&[
        (TEXT_MORE, "κόσμε".as_bytes()),
        (CONT_MORE, b"\xf4\x90\x80\x80"),
    ]);
    assert_eq!(err(&input), utf8_err(2 + 10 + 2));
    // Autobahn 6.4.3/6.4.4: one frame, only part of its payload sent, the
    // invalid byte among it.
    let mut input = vec![TEXT, 21];
    input.extend_from_slice("κόσμε".as_bytes());
    input.extend_from_slice(b"\xf4\x90");
    assert_eq!(err(&input), utf8_err(12));
    // Invalid bytes in the first frame of a message.
    assert_eq!(err(&sf(TEXT, b"abc\xffdef")), utf8_err(5));
    assert_eq!(err(&sf(TEXT, b"\x80")), utf8_err(2));
    // Before the error, earlier messages come through.
    let input = frames(&[(TEXT, b"fine"), (TEXT, b"a\xc3\x28")]);
    let out = run_all_splits(&input);
    assert_eq!(out.items, vec![text("fine")]);
    assert_eq!(out.error, Some(utf8_err(6 + 2 + 1)));
}

#[test]
fn utf8_message_ending_inside_a_character() {
    assert_eq!(err(&sf(TEXT, b"ab\xf0\x9f\x98")), utf8_err(4));
    let input = frames(&[(TEXT_MORE, b"ab\xf0"), (CONT_MORE, b"\x9f"), (CONT, b"")]);
    assert_eq!(err(&input), utf8_err(4));
    assert_eq!(err(&sf(TEXT, b"\xc3")), utf8_err(2));
}

// ----- close -----

#[test]
fn close_frames() {
    let out = run_all_splits(&sf(CLOSE, b""));
    assert_eq!(out.items, vec![Incoming::Message(Message::Close(None))]);
    assert_eq!(
        (out.close, out.peer_code),
        (CloseState::CloseReceived, None)
    );

    let out = run_all_splits(&sf(CLOSE, b"\x03\xe8bye \xe2\x9c\x93"));
    assert_eq!(out.items, vec![close(1000, "bye ✓")]);
    assert_eq!(
        (out.close, out.peer_code),
        (CloseState::CloseReceived, Some(CloseCode::OK))
    );

    // A reason of 123 bytes, the most there is room for.
    let mut payload = b"\x0f\xa0".to_vec();
    payload.extend([b'r'; 123]);
    assert_eq!(
        ok(&sf(CLOSE, &payload)),
        vec![close(4000, &"r".repeat(123))]
    );
}

#[test]
fn close_codes() {
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999,
    ] {
        assert!(CloseCode::new(code).is_valid(), "{code}");
        assert_eq!(
            ok(&sf(CLOSE, &code.to_be_bytes())),
            vec![close(code, "")],
            "{code}"
        );
    }
    for code in [
        0u16, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        assert!(!CloseCode::new(code).is_valid(), "{code}");
        let input = [sf(TEXT, b"x"), sf(CLOSE, &code.to_be_bytes())].concat();
        let out = run_all_splits(&input);
        assert_eq!(out.items, vec![text("x")]);
        assert_eq!(
            out.error,
            Some((ErrorKind::WsInvalidCloseCode(code), Some(5))),
            "{code}"
        );
        assert_eq!(
            CloseCode::for_error(&Error::new(ErrorKind::WsInvalidCloseCode(code))),
            Some(CloseCode::PROTOCOL_ERROR)
        );
    }
    // A one-byte payload.
    assert_eq!(
        err(&sf(CLOSE, b"\x03")),
        (
            ErrorKind::WsInvalidFrame("close payload of one byte"),
            Some(2)
        )
    );
    // Names.
    for (c, n) in [
        (CloseCode::OK, 1000),
        (CloseCode::GOING_AWAY, 1001),
        (CloseCode::PROTOCOL_ERROR, 1002),
        (CloseCode::UNSUPPORTED_DATA, 1003),
        (CloseCode::ABNORMAL_CLOSURE, 1006),
        (CloseCode::INVALID_TEXT, 1007),
        (CloseCode::POLICY_VIOLATION, 1008),
        (CloseCode::MESSAGE_TOO_BIG, 1009),
        (CloseCode::MANDATORY_EXTENSION, 1010),
        (CloseCode::INTERNAL_ERROR, 1011),
        (CloseCode::SERVICE_RESTART, 1012),
        (CloseCode::TRY_AGAIN_LATER, 1013),
        (CloseCode::BAD_GATEWAY, 1014),
    ] {
        assert_eq!(u16::from(c), n);
        assert_eq!(CloseCode::from(n), c);
    }
}

#[test]
fn close_reason_must_be_utf8() {
    assert_eq!(err(&sf(CLOSE, b"\x03\xe8ok\xff")), utf8_err(2 + 2 + 2));
    assert_eq!(
        err(&sf(CLOSE, b"\x03\xe8\xce\xba\xe1\xbd")),
        utf8_err(2 + 2 + 2)
    );
    assert_eq!(
        parse_close_payload(b"\x03\xe8\xed\xa0\x80")
            .unwrap_err()
            .offset(),
        Some(2)
    );
}

#[test]
fn nothing_after_the_servers_close() {
    let input = frames(&[(CLOSE, b"\x03\xe9"), (TEXT, b"late")]);
    let out = run_all_splits(&input);
    assert_eq!(out.items, vec![close(1001, "")]);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsProtocol("data after the close frame"), Some(4)))
    );

    // The client may only answer with a close, which echoes the code.
    let mut codec = MessageCodec::new();
    let mut buf = BytesMut::from(&sf(CLOSE, b"\x0b\xb8going")[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(close(3000, "going")));
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    let mut out = BytesMut::new();
    for m in [
        Message::Text("x".into()),
        Message::Ping(Bytes::new()),
        Message::Binary(Bytes::new()),
    ] {
        assert_eq!(
            codec.encode(&m, [1; 4], &mut out).unwrap_err().kind(),
            &ErrorKind::WsClosed
        );
    }
    assert!(out.is_empty());
    codec.encode_close_reply([0; 4], &mut out).unwrap();
    assert_eq!(&out[..], b"\x88\x82\0\0\0\0\x0b\xb8");
    assert_eq!(codec.close_state(), CloseState::Closed);
    // Then everything is closed.
    assert_eq!(
        codec.decode(&mut buf).unwrap_err().kind(),
        &ErrorKind::WsClosed
    );
    assert_eq!(
        codec
            .encode(&Message::Close(None), [0; 4], &mut out)
            .unwrap_err()
            .kind(),
        &ErrorKind::WsClosed
    );
    assert!(matches!(
        codec
            .encode_close_reply([0; 4], &mut out)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState(_)
    ));

    // An empty close is answered with an empty close.
    let mut codec = MessageCodec::new();
    let mut buf = BytesMut::from(&sf(CLOSE, b"")[..]);
    codec.decode(&mut buf).unwrap();
    let mut out = BytesMut::new();
    codec.encode_close_reply([9; 4], &mut out).unwrap();
    assert_eq!(&out[..], b"\x88\x80\x09\x09\x09\x09");
}

/// A codec that has sent its close already.
fn after_client_close() -> MessageCodec {
    let mut codec = MessageCodec::new();
    let mut out = BytesMut::new();
    codec
        .encode(
            &Message::Close(Some((CloseCode::OK, "done".into()))),
            [1, 2, 3, 4],
            &mut out,
        )
        .unwrap();
    assert_eq!(codec.close_state(), CloseState::CloseSent);
    codec
}

#[test]
fn after_the_clients_close_only_the_servers_close_counts() {
    let input = frames(&[
        (TEXT, b"dropped"),
        (PING, b"dropped"),
        (BIN_MORE, b"dro"),
        (PONG, b"dropped"),
        (CONT, b"pped"),
        (CLOSE, b"\x03\xe8"),
        (TEXT, b"after both"),
    ]);
    let out = run_all_splits_with(&after_client_close, &input);
    assert_eq!(out.items, vec![close(1000, "")]);
    assert_eq!(out.close, CloseState::Closed);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsClosed, Some(input.len() as u64 - 12)))
    );
    // Dropped messages are not checked for UTF-8 nor size, but frames are
    // still checked.
    let big = || {
        let mut c = MessageCodec::new().with_max_msg_size(4);
        c.encode(&Message::Close(None), [0; 4], &mut BytesMut::new())
            .unwrap();
        c
    };
    let out = run_all_splits_with(&big, &frames(&[(TEXT, b"\xff too long"), (CLOSE, b"")]));
    assert_eq!(
        (out.items, out.error),
        (
            vec![Incoming::Message(Message::Close(None))],
            Some((ErrorKind::WsClosed, Some(14)))
        )
    );
    let out = run_all_splits_with(&after_client_close, &[0x83, 0]);
    assert_eq!(
        out.error,
        Some((ErrorKind::WsInvalidFrame("reserved opcode"), Some(0)))
    );
    let out = run_all_splits_with(&after_client_close, &sf(CONT, b""));
    assert!(matches!(
        out.error,
        Some((ErrorKind::WsProtocol(_), Some(0)))
    ));
    // A message half received when the client closes is dropped too.
    let mut codec = MessageCodec::new();
    let mut buf = BytesMut::from(&sf(TEXT_MORE, b"half")[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    codec
        .encode(&Message::Close(None), [0; 4], &mut BytesMut::new())
        .unwrap();
    buf.extend_from_slice(&frames(&[(CONT, b" more"), (CLOSE, b"")]));
    assert_eq!(
        codec.decode(&mut buf).unwrap(),
        Some(Incoming::Message(Message::Close(None)))
    );
    assert_eq!(codec.close_state(), CloseState::Closed);
    // Nothing more can be sent after the client's close.
    let mut codec = after_client_close();
    let mut out = BytesMut::new();
    for m in [
        Message::Text("x".into()),
        Message::Pong(Bytes::new()),
        Message::Close(None),
    ] {
        assert_eq!(
            codec.encode(&m, [1; 4], &mut out).unwrap_err().kind(),
            &ErrorKind::WsClosed
        );
    }
    assert!(out.is_empty());
}

// ----- compressed messages -----

#[test]
fn compressed_messages_come_out_raw() {
    let deflate = || MessageCodec::new().with_permessage_deflate(true);
    let input = frames(&[
        (0x41, b"\xf2\x48"),
        (PING, b""),
        (CONT_MORE, b"\xcd\xc9"),
        (CONT, b"\xc9\x07\x00"),
        (0xc2, b"\xff\xfe"),
        (TEXT, b"plain"),
    ]);
    let out = run_all_splits_with(&deflate, &input);
    assert_eq!(out.error, None);
    assert_eq!(
        out.items,
        vec![
            ping(b""),
            Incoming::Compressed {
                kind: MessageKind::Text,
                payload: Bytes::from_static(b"\xf2\x48\xcd\xc9\xc9\x07\x00"),
            },
            Incoming::Compressed {
                kind: MessageKind::Binary,
                payload: Bytes::from_static(b"\xff\xfe")
            },
            text("plain"),
        ]
    );
    // The inflated text goes through the UTF-8 check.
    assert_eq!(
        Message::from_data(MessageKind::Text, Bytes::from("Hello")).unwrap(),
        Message::Text("Hello".into())
    );
    let e = Message::from_data(MessageKind::Text, Bytes::from_static(b"ab\xff")).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&ErrorKind::WsInvalidUtf8, Some(2)));
    // RSV1 without negotiation, or on a continuation: invalid frame.
    assert!(matches!(
        err(&sf(0xc1, b"x")).0,
        ErrorKind::WsInvalidFrame(_)
    ));
    let out = run_all_splits_with(&deflate, &frames(&[(0x41, b"a"), (0xc0, b"b")]));
    assert_eq!(
        out.error,
        Some((
            ErrorKind::WsInvalidFrame("RSV1 set on a continuation frame"),
            Some(3)
        ))
    );
    // The size limit applies to the compressed bytes.
    let small = || {
        MessageCodec::new()
            .with_permessage_deflate(true)
            .with_max_msg_size(4)
    };
    let out = run_all_splits_with(&small, &frames(&[(0x41, b"abc"), (CONT, b"de")]));
    assert_eq!(
        out.error,
        Some((ErrorKind::WsMessageTooBig { limit: 4 }, Some(5)))
    );

    // Sending compressed data: RSV1 on one unfragmented frame.
    let mut codec = deflate();
    let mut out = BytesMut::new();
    codec
        .encode_compressed(MessageKind::Binary, b"\x01\x02", [0; 4], &mut out)
        .unwrap();
    assert_eq!(&out[..], b"\xc2\x82\0\0\0\0\x01\x02");
    let mut plain = MessageCodec::new();
    assert!(matches!(
        plain
            .encode_compressed(MessageKind::Text, b"x", [0; 4], &mut out)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState(_)
    ));
}

// ----- sending -----

/// What the server reads from client frames: opcode byte, unmasked payload.
fn server_read(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let b0 = bytes[0];
        assert!(bytes[1] & 0x80 != 0, "client frames are masked");
        let (len, mut pos) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        let key: [u8; 4] = bytes[pos..pos + 4].try_into().unwrap();
        pos += 4;
        let payload = bytes[pos..pos + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ key[i % 4])
            .collect();
        frames.push((b0, payload));
        bytes = &bytes[pos + len..];
    }
    frames
}

#[test]
fn sending_messages() {
    let mut codec = MessageCodec::new();
    let mut out = BytesMut::new();
    let key = [0x11, 0x22, 0x33, 0x44];
    codec
        .encode(&Message::Text("héllo".into()), key, &mut out)
        .unwrap();
    codec
        .encode(
            &Message::Binary(Bytes::from(vec![7u8; 70_000])),
            key,
            &mut out,
        )
        .unwrap();
    codec
        .encode(&Message::Ping(Bytes::from_static(b"hb")), key, &mut out)
        .unwrap();
    codec
        .encode(&Message::Pong(Bytes::new()), key, &mut out)
        .unwrap();
    codec
        .encode(
            &Message::Close(Some((CloseCode::GOING_AWAY, "bye".into()))),
            key,
            &mut out,
        )
        .unwrap();
    assert_eq!(
        server_read(&out),
        vec![
            (0x81, "héllo".as_bytes().to_vec()),
            (0x82, vec![7; 70_000]),
            (0x89, b"hb".to_vec()),
            (0x8a, vec![]),
            (0x88, b"\x03\xe9bye".to_vec()),
        ]
    );
    assert_eq!(codec.close_state(), CloseState::CloseSent);
}

#[test]
fn sending_refuses_bad_control_messages() {
    let mut codec = MessageCodec::new();
    let mut out = BytesMut::new();
    let bad: [(Message, ErrorKind); 5] = [
        (
            Message::Ping(Bytes::from(vec![0; 126])),
            ErrorKind::WsInvalidFrame("control frame payload longer than 125 bytes"),
        ),
        (
            Message::Pong(Bytes::from(vec![0; 200])),
            ErrorKind::WsInvalidFrame("control frame payload longer than 125 bytes"),
        ),
        (
            Message::Close(Some((CloseCode::new(1005), String::new()))),
            ErrorKind::WsInvalidCloseCode(1005),
        ),
        (
            Message::Close(Some((CloseCode::ABNORMAL_CLOSURE, String::new()))),
            ErrorKind::WsInvalidCloseCode(1006),
        ),
        (
            Message::Close(Some((CloseCode::OK, "r".repeat(124)))),
            ErrorKind::WsInvalidFrame("close reason longer than 123 bytes"),
        ),
    ];
    for (m, kind) in bad {
        assert_eq!(
            codec.encode(&m, [0; 4], &mut out).unwrap_err().kind(),
            &kind
        );
        assert!(out.is_empty());
        assert_eq!(codec.close_state(), CloseState::Open);
    }
    codec
        .encode(
            &Message::Close(Some((CloseCode::OK, "r".repeat(123)))),
            [0; 4],
            &mut out,
        )
        .unwrap();
    assert_eq!(out.len(), 2 + 4 + 125);
}

#[test]
fn close_codes_for_errors() {
    let cases = [
        (ErrorKind::WsInvalidFrame("x"), Some(1002)),
        (ErrorKind::WsProtocol("x"), Some(1002)),
        (ErrorKind::WsInvalidCloseCode(5), Some(1002)),
        (ErrorKind::WsDeflate("x".into()), Some(1002)),
        (ErrorKind::WsInvalidUtf8, Some(1007)),
        (ErrorKind::WsMessageTooBig { limit: 1 }, Some(1009)),
        (ErrorKind::DecodedTooLarge { limit: 1 }, Some(1009)),
        (ErrorKind::WsClosed, None),
        (ErrorKind::InvalidHeader, None),
    ];
    for (kind, code) in cases {
        assert_eq!(
            CloseCode::for_error(&Error::new(kind.clone())).map(u16::from),
            code,
            "{kind:?}"
        );
    }
}

// ----- properties -----

#[derive(Debug, Clone)]
enum Sent {
    Text(String, Vec<usize>),
    Binary(Vec<u8>, Vec<usize>),
    Ping(Vec<u8>),
}

fn sent_strategy() -> impl Strategy<Value = Sent> {
    let cuts = || proptest::collection::vec(any::<usize>(), 0..4);
    prop_oneof![
        (any::<String>(), cuts()).prop_map(|(s, c)| Sent::Text(s, c)),
        (proptest::collection::vec(any::<u8>(), 0..200), cuts())
            .prop_map(|(b, c)| Sent::Binary(b, c)),
        proptest::collection::vec(any::<u8>(), 0..126).prop_map(Sent::Ping),
    ]
}

/// Fragments `data` at `cuts` as a server would, with a ping between the
/// first two fragments.
fn fragment(first: u8, data: &[u8], cuts: &[usize], out: &mut Vec<u8>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(data.len());
    let mut start = 0;
    let last = cuts.len() - 1;
    for (i, cut) in cuts.into_iter().enumerate() {
        let op = if i == 0 { first } else { 0 };
        let fin = if i == last { 0x80 } else { 0 };
        out.extend(sf(op | fin, &data[start..cut]));
        if i == 0 && i != last {
            out.extend(sf(PING, b"between"));
        }
        start = cut;
    }
}

proptest! {
    #[test]
    fn fragmented_streams_decode_at_any_split(
        sent in proptest::collection::vec(sent_strategy(), 0..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for s in &sent {
            match s {
                Sent::Text(t, c) => {
                    fragment(1, t.as_bytes(), c, &mut input);
                    if !c.is_empty() { expected.push(ping(b"between")); }
                    expected.push(text(t));
                }
                Sent::Binary(b, c) => {
                    fragment(2, b, c, &mut input);
                    if !c.is_empty() { expected.push(ping(b"between")); }
                    expected.push(binary(b));
                }
                Sent::Ping(p) => {
                    input.extend(sf(PING, p));
                    expected.push(ping(p));
                }
            }
        }
        let out = run(&MessageCodec::new, &input, &cuts);
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(out.items, expected);
    }

    #[test]
    fn invalid_text_fails_at_the_first_bad_sequence(
        bytes in proptest::collection::vec(any::<u8>(), 0..40),
        frag in proptest::collection::vec(any::<usize>(), 0..4),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let mut input = Vec::new();
        fragment(1, &bytes, &frag, &mut input);
        let whole = run(&MessageCodec::new, &input, &[]);
        prop_assert_eq!(&run(&MessageCodec::new, &input, &cuts), &whole);
        match std::str::from_utf8(&bytes) {
            Ok(s) => prop_assert_eq!(whole.items.last(), Some(&text(s))),
            Err(e) => {
                prop_assert_eq!(&whole.error.as_ref().map(|x| &x.0), &Some(&ErrorKind::WsInvalidUtf8));
                // The offset is the stream position of the first invalid
                // sequence: map it back to a position in `bytes`.
                let at = whole.error.as_ref().and_then(|x| x.1).unwrap() as usize;
                let mut pos = 0;
                let mut data_index = None;
                let mut rest = &input[..];
                while !rest.is_empty() {
                    let len = (rest[1] & 0x7f) as usize; // fragments here are short
                    let start = pos + 2;
                    if rest[0] & 0xf != 9 && at >= start && at < start + len {
                        let before: usize = data_len_before(&input, pos);
                        data_index = Some(before + (at - start));
                    }
                    pos = start + len;
                    rest = &input[pos..];
                }
                prop_assert_eq!(data_index, Some(e.valid_up_to()));
            }
        }
    }

    #[test]
    fn encoded_messages_read_back(
        text_msg in any::<String>(),
        bin in proptest::collection::vec(any::<u8>(), 0..3000),
        key: [u8; 4],
        code in 3000u16..5000,
        reason in "[a-z]{0,40}",
    ) {
        let mut codec = MessageCodec::new();
        let mut out = BytesMut::new();
        codec.encode(&Message::Text(text_msg.clone()), key, &mut out).unwrap();
        codec.encode(&Message::Binary(Bytes::from(bin.clone())), key, &mut out).unwrap();
        codec.encode(&Message::Close(Some((CloseCode::new(code), reason.clone()))), key, &mut out).unwrap();
        let mut close_payload = code.to_be_bytes().to_vec();
        close_payload.extend_from_slice(reason.as_bytes());
        prop_assert_eq!(
            server_read(&out),
            vec![(0x81, text_msg.into_bytes()), (0x82, bin), (0x88, close_payload.clone())]
        );
        prop_assert_eq!(parse_close_payload(&close_payload).unwrap(), Some((CloseCode::new(code), reason)));
    }
}

/// Data bytes in the (short, unmasked) frames of `input` before stream
/// position `end`, control frames excluded.
fn data_len_before(input: &[u8], end: usize) -> usize {
    let mut pos = 0;
    let mut total = 0;
    while pos < end {
        let len = (input[pos + 1] & 0x7f) as usize;
        if input[pos] & 0xf != 9 {
            total += len;
        }
        pos += 2 + len;
    }
    total
}
