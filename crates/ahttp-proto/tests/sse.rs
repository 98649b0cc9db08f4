//! Tests of the Server-Sent Events decoder (`ahttp_proto::sse`).
//!
//! Every stream is fed whole, one byte at a time and at 50 random sets of
//! split points, and must give the same events, error, last event ID and
//! reconnection time. The cases follow the WHATWG HTML standard's "event
//! stream interpretation", including the examples in its text.

mod common;

use std::sync::Arc;

use ahttp_proto::sse::{SseDecoder, SseEvent, DEFAULT_MAX_LINE};
use ahttp_proto::ErrorKind;
use bytes::BytesMut;
use proptest::prelude::*;

// ----- harness -----

/// Everything a run produces, in a form that does not depend on the split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    events: Vec<SseEvent>,
    error: Option<(ErrorKind, Option<u64>)>,
    last_event_id: Option<String>,
    retry: Option<u64>,
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

/// Feeds `pieces` to `dec`, draining events after each, then finishes.
fn run_pieces<'a>(mut dec: SseDecoder, pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut error = None;
    'feed: for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(ev)) => events.push(ev),
                Ok(None) => break,
                Err(e) => {
                    // Sticky: asking again gives the same error.
                    assert_eq!(dec.decode(&mut buf), Err(e.clone()));
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    let last_event_id = dec.last_event_id().map(str::to_owned);
    let retry = dec.retry();
    let finished = dec.finish();
    match &error {
        Some((kind, offset)) => {
            let e = finished.unwrap_err();
            assert_eq!((e.kind(), e.offset()), (kind, *offset));
        }
        None => finished.unwrap(),
    }
    Outcome {
        events,
        error,
        last_event_id,
        retry,
    }
}

fn run_limits(input: &[u8], cuts: &[usize], limits: (usize, usize)) -> Outcome {
    run_pieces(
        SseDecoder::with_limits(limits.0, limits.1),
        split_at(input, cuts),
    )
}

const DEFAULT_LIMITS: (usize, usize) = (DEFAULT_MAX_LINE, ahttp_proto::sse::DEFAULT_MAX_EVENT);

/// Runs `input` whole, byte by byte and at 50 random splits; all must agree.
#[track_caller]
fn run_all_splits(input: &[u8], limits: (usize, usize)) -> Outcome {
    common::agree_at_all_splits(input, 0x55e0 ^ input.len() as u64, 50, |cuts| {
        run_limits(input, cuts, limits)
    })
}

fn ev(event: &str, data: &str, id: Option<&str>, retry: Option<u64>) -> SseEvent {
    SseEvent {
        event: event.into(),
        data: data.into(),
        id: id.map(Arc::from),
        retry,
    }
}

fn msg(data: &str) -> SseEvent {
    ev("message", data, None, None)
}

/// Table case: input, expected events, expected last event ID and retry.
struct Case {
    name: &'static str,
    input: &'static [u8],
    events: Vec<SseEvent>,
    last_event_id: Option<&'static str>,
    retry: Option<u64>,
}

fn case(name: &'static str, input: &'static [u8], events: Vec<SseEvent>) -> Case {
    Case {
        name,
        input,
        events,
        last_event_id: None,
        retry: None,
    }
}

impl Case {
    fn id(mut self, id: &'static str) -> Self {
        self.last_event_id = Some(id);
        self
    }

    fn retry(mut self, retry: u64) -> Self {
        self.retry = Some(retry);
        self
    }
}

fn check_cases(cases: Vec<Case>) {
    for c in cases {
        let out = run_all_splits(c.input, DEFAULT_LIMITS);
        assert_eq!(out.error, None, "{}", c.name);
        assert_eq!(out.events, c.events, "{}", c.name);
        assert_eq!(out.last_event_id.as_deref(), c.last_event_id, "{}", c.name);
        assert_eq!(out.retry, c.retry, "{}", c.name);
    }
}

// ----- the standard's examples -----

#[test]
fn spec_examples() {
    check_cases(vec![
        case(
            "stock ticker",
            b"data: YHOO\ndata: +2\ndata: 10\n\n",
            vec![msg("YHOO\n+2\n10")],
        ),
        case(
            "test stream",
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
            vec![
                ev("message", "first event", Some("1"), None),
                msg("second event"),
                msg(" third event"),
            ],
        ),
        case(
            "test stream without the final blank line",
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
            vec![
                ev("message", "first event", Some("1"), None),
                msg("second event"),
            ],
        ),
        case(
            "empty data and a lone line feed",
            b"data\n\ndata\ndata\n\ndata:",
            vec![msg(""), msg("\n")],
        ),
        case(
            "with and without the space",
            b"data:test\n\ndata: test\n\n",
            vec![msg("test"), msg("test")],
        ),
        case(
            "event types",
            b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
            vec![
                ev("add", "73857293", None, None),
                ev("remove", "2153", None, None),
                ev("add", "113411", None, None),
            ],
        ),
    ]);
}

// ----- line endings -----

#[test]
fn line_endings() {
    check_cases(vec![
        case("LF", b"data: a\ndata: b\n\n", vec![msg("a\nb")]),
        case("CRLF", b"data: a\r\ndata: b\r\n\r\n", vec![msg("a\nb")]),
        case("CR only", b"data: a\rdata: b\r\r", vec![msg("a\nb")]),
        case(
            "CR only, several events",
            b"event: x\rdata: 1\r\rdata: 2\r\r:c\r\rdata\r\r",
            vec![ev("x", "1", None, None), msg("2"), msg("")],
        ),
        case(
            "mixed",
            b"data: a\r\n\rdata: b\n\rdata: c\r\r\ndata: d\r\n\r\n",
            vec![msg("a"), msg("b"), msg("c"), msg("d")],
        ),
        case("LF CR is two line endings", b"data: a\n\r", vec![msg("a")]),
        case(
            "CR CR LF is two line endings",
            b"data: a\r\r\n",
            vec![msg("a")],
        ),
        case(
            "CRLF CRLF is two, not four",
            b"data: a\r\n\r\ndata: b\r\n",
            vec![msg("a")],
        ),
        case(
            "no final line ending",
            b"data: a\n\ndata: b",
            vec![msg("a")],
        ),
        case("no blank line", b"data: a\n", vec![]),
        case("empty stream", b"", vec![]),
        case("only blank lines", b"\n\r\n\r\n\n", vec![]),
    ]);
}

#[test]
fn cr_at_the_end_of_a_piece_dispatches_at_once() {
    // No need to wait for the next byte to know the CR ended a line.
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from("data: a\r\r");
    assert_eq!(dec.decode(&mut buf).unwrap(), Some(msg("a")));
    assert!(buf.is_empty());
    buf.extend_from_slice(b"\ndata: b\r\n\r\n");
    assert_eq!(dec.decode(&mut buf).unwrap(), Some(msg("b")));
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

// ----- UTF-8 and the byte order mark -----

#[test]
fn utf8_and_bom() {
    check_cases(vec![
        case("BOM", b"\xEF\xBB\xBFdata: a\n\n", vec![msg("a")]),
        case(
            "BOM before a comment",
            b"\xEF\xBB\xBF: hi\ndata: a\n\n",
            vec![msg("a")],
        ),
        case("BOM only", b"\xEF\xBB\xBF", vec![]),
        case(
            "second BOM is part of the field name",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n",
            vec![msg("b")],
        ),
        case(
            "BOM later is data",
            b"data: \xEF\xBB\xBFa\n\n",
            vec![msg("\u{FEFF}a")],
        ),
        case(
            "partial BOM is not stripped",
            b"\xEF\xBBdata: a\n\ndata: b\n\n",
            vec![msg("b")],
        ),
        case(
            "partial BOM then line end",
            b"\xEF\n\xEF\xBB\ndata: b\n\n",
            vec![msg("b")],
        ),
        case(
            "multi-byte characters",
            "data: café €😀\nevent: ünï\nid: ☃\n\n".as_bytes(),
            vec![ev("ünï", "café €😀", Some("☃"), None)],
        )
        .id("☃"),
        case(
            "invalid bytes become U+FFFD",
            b"data: \xFF\xFEa\x80\n\n",
            vec![msg("\u{FFFD}\u{FFFD}a\u{FFFD}")],
        ),
        case(
            "truncated sequence is one U+FFFD",
            b"data: \xE2\x82\ndata: \xF0\x9F\x98\n\n",
            vec![msg("\u{FFFD}\n\u{FFFD}")],
        ),
        case(
            "a lead byte before the line ending",
            b"data: a\xE2\r\n\n",
            vec![msg("a\u{FFFD}")],
        ),
        case(
            "invalid bytes in the field name",
            b"d\xFFata: a\n\ndata: b\n\n",
            vec![msg("b")],
        ),
        case("NUL in data is kept", b"data: a\0b\n\n", vec![msg("a\0b")]),
    ]);
}

// ----- fields -----

#[test]
fn fields() {
    check_cases(vec![
        case("comment", b": comment\ndata: a\n:\n\n", vec![msg("a")]),
        case("comment only block", b": x\n\n", vec![]),
        case(
            "unknown and miscased fields",
            b"foo: bar\ndata: a\nDATA: b\nData: c\n data: d\ndata : e\n\n",
            vec![msg("a")],
        ),
        case("no colon", b"data\n\n", vec![msg("")]),
        case(
            "event without colon resets to message",
            b"event: x\nevent\ndata: a\n\n",
            vec![msg("a")],
        ),
        case("empty event value", b"event:\ndata: a\n\n", vec![msg("a")]),
        case(
            "only one space is stripped",
            b"data:  a\ndata:\tb\ndata: \ndata:c \n\n",
            vec![msg(" a\n\tb\n\nc ")],
        ),
        case(
            "value with colons",
            b"data: a: b:c\n\n",
            vec![msg("a: b:c")],
        ),
        case(
            "event type resets after dispatch",
            b"event: add\ndata: 1\n\ndata: 2\n\n",
            vec![ev("add", "1", None, None), msg("2")],
        ),
        case(
            "event type resets even when nothing is dispatched",
            b"event: add\n\ndata: 2\n\n",
            vec![msg("2")],
        ),
        case(
            "last event field wins",
            b"event: a\nevent: b\ndata: 1\n\n",
            vec![ev("b", "1", None, None)],
        ),
        case(
            "fields in any order",
            b"data: 1\nevent: e\ndata: 2\n\n",
            vec![ev("e", "1\n2", None, None)],
        ),
        case(
            "empty data lines",
            b"data:\ndata:\ndata\n\n",
            vec![msg("\n\n")],
        ),
        case(
            "only the last line feed is removed",
            b"data: a\ndata\n\n",
            vec![msg("a\n")],
        ),
    ]);
}

#[test]
fn ids() {
    check_cases(vec![
        case(
            "id persists across events",
            b"id: 7\ndata: a\n\ndata: b\n\n",
            vec![
                ev("message", "a", Some("7"), None),
                ev("message", "b", Some("7"), None),
            ],
        )
        .id("7"),
        case(
            "id before data in the same block",
            b"data: a\nid: 1\n\n",
            vec![ev("message", "a", Some("1"), None)],
        )
        .id("1"),
        case(
            "id with NUL is ignored",
            b"id: 1\n\nid: a\0b\ndata: x\n\n",
            vec![ev("message", "x", Some("1"), None)],
        )
        .id("1"),
        case(
            "id with only NUL is ignored",
            b"id: 1\ndata: a\n\nid: \0\ndata: b\n\n",
            vec![
                ev("message", "a", Some("1"), None),
                ev("message", "b", Some("1"), None),
            ],
        )
        .id("1"),
        case(
            "empty id resets",
            b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\n\nid:\n\n",
            vec![ev("message", "a", Some("1"), None), msg("b")],
        ),
        case(
            "id without data updates the last event ID",
            b"id: 3\n\ndata: b\n\n",
            vec![ev("message", "b", Some("3"), None)],
        )
        .id("3"),
        case(
            "id without a blank line does not",
            b"id: 3\n\nid: 4\ndata: x\n",
            vec![],
        )
        .id("3"),
        case(
            "one space stripped from id",
            b"id:  x \ndata: a\n\n",
            vec![ev("message", "a", Some(" x "), None)],
        )
        .id(" x "),
        case(
            "last id field wins",
            b"id: 1\nid: 2\ndata: a\n\n",
            vec![ev("message", "a", Some("2"), None)],
        )
        .id("2"),
    ]);
}

#[test]
fn retry() {
    check_cases(vec![
        case(
            "retry",
            b"retry: 1000\ndata: a\n\n",
            vec![ev("message", "a", None, Some(1000))],
        )
        .retry(1000),
        case(
            "retry takes effect without a blank line",
            b"data: a\n\nretry: 5\n",
            vec![msg("a")],
        )
        .retry(5),
        case(
            "invalid retry values are ignored",
            b"retry: 10\nretry: 1a\nretry: -1\nretry: 1.5\nretry:\nretry\nretry:  5\nretry: 5 \nretry: +5\nretry: \xD9\xA3\ndata: a\n\n",
            vec![ev("message", "a", None, Some(10))],
        )
        .retry(10),
        case(
            "retry persists, last one wins",
            b"retry: 1\nretry: 007\ndata: a\n\ndata: b\n\n",
            vec![
                ev("message", "a", None, Some(7)),
                ev("message", "b", None, Some(7)),
            ],
        )
        .retry(7),
        case(
            "zero",
            b"retry:0\ndata: a\n\n",
            vec![ev("message", "a", None, Some(0))],
        )
        .retry(0),
        case(
            "huge values saturate",
            b"retry: 99999999999999999999999999\n",
            vec![],
        )
        .retry(u64::MAX),
        case(
            "u64::MAX exactly",
            b"retry: 18446744073709551615\n",
            vec![],
        )
        .retry(u64::MAX),
    ]);
}

// ----- limits -----

#[test]
fn line_limit() {
    let limits = (8, 1024);
    // "data: 12" is exactly 8 bytes.
    let out = run_all_splits(b"data: 12\n\ndata: 12\r\n\r\n", limits);
    assert_eq!(out.events, [msg("12"), msg("12")]);
    assert_eq!(out.error, None);

    let out = run_all_splits(b"data: a\n\ndata: 123\n\n", limits);
    assert_eq!(out.events, [msg("a")]);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 8 }, Some(9 + 8)))
    );

    // Without a line ending, too: as soon as the buffer passes the limit.
    let out = run_all_splits(b"data: a\n\ndata: 123", limits);
    assert_eq!(out.events, [msg("a")]);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 8 }, Some(17)))
    );

    // Exactly at the limit without a line ending is fine.
    let out = run_all_splits(b"data: a\n\ndata: 12", limits);
    assert_eq!((out.events, out.error), (vec![msg("a")], None));

    // Comments and unknown fields count too; the BOM does not.
    let out = run_all_splits(b"\xEF\xBB\xBF:2345678\n: 3456789\n", limits);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 8 }, Some(12 + 8)))
    );

    // A zero limit allows only blank lines.
    let out = run_all_splits(b"\n\r\n\r", (0, 0));
    assert_eq!(out.error, None);
    let out = run_all_splits(b"\n\nd", (0, 0));
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 0 }, Some(2)))
    );
}

#[test]
fn line_limit_is_checked_before_the_line_ends() {
    // An endless line fails once it passes the limit, not when it ends.
    let mut dec = SseDecoder::with_limits(100, 1000);
    let mut buf = BytesMut::new();
    for _ in 0..100 {
        buf.extend_from_slice(b"x");
        assert_eq!(dec.decode(&mut buf), Ok(None));
    }
    buf.extend_from_slice(b"x");
    let err = dec.decode(&mut buf).unwrap_err();
    assert!(err.is_limit());
    assert_eq!(err.kind(), &ErrorKind::SseLineTooLong { limit: 100 });
    // Sticky, whatever comes next.
    buf.extend_from_slice(b"\n\ndata: a\n\n");
    assert_eq!(dec.decode(&mut buf), Err(err.clone()));
    assert_eq!(dec.finish(), Err(err));
}

#[test]
fn event_limit() {
    let limits = (100, 5);
    // "abc\nd" is exactly 5 bytes.
    let out = run_all_splits(b"data: abc\ndata: d\n\n", limits);
    assert_eq!((out.events, out.error), (vec![msg("abc\nd")], None));

    let out = run_all_splits(b"data: x\n\ndata: abc\ndata: de\n\n", limits);
    assert_eq!(out.events, [msg("x")]);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 5 }, Some(9 + 10)))
    );

    // Six empty lines join to five line feeds; seven are too many.
    let out = run_all_splits(b"data\ndata\ndata\ndata\ndata\ndata\n\n", limits);
    assert_eq!((out.events, out.error), (vec![msg("\n\n\n\n\n")], None));
    let out = run_all_splits(b"data\ndata\ndata\ndata\ndata\ndata\ndata\n\n", limits);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 5 }, Some(30)))
    );

    // The bound is on decoded UTF-8: each invalid byte becomes 3 bytes.
    let out = run_all_splits(b"data: \xFF\n\n", limits);
    assert_eq!((out.events, out.error), (vec![msg("\u{FFFD}")], None));
    let out = run_all_splits(b"data: \xFF\xFF\n\n", limits);
    assert_eq!(
        out.error,
        Some((ErrorKind::SseLineTooLong { limit: 5 }, Some(0)))
    );

    // The limit is per event: many small events are fine.
    let many = b"data: abcde\n\n".repeat(100);
    let out = run_all_splits(&many, limits);
    assert_eq!((out.events.len(), out.error), (100, None));
}

#[test]
fn long_lines_with_default_limits() {
    // aiohttp#5603: a line longer than aiohttp's 64 KiB readline cap.
    let big = "x".repeat(300 * 1024);
    let input = format!("data: {big}\ndata: {big}\n\n");
    let out = run_limits(input.as_bytes(), &[1000, 70_000, 400_000], DEFAULT_LIMITS);
    assert_eq!(out.error, None);
    assert_eq!(out.events, [msg(&format!("{big}\n{big}"))]);

    let too_long = format!("data: {}\n\n", "x".repeat(DEFAULT_MAX_LINE));
    let out = run_limits(too_long.as_bytes(), &[], DEFAULT_LIMITS);
    assert_eq!(
        out.error,
        Some((
            ErrorKind::SseLineTooLong {
                limit: DEFAULT_MAX_LINE
            },
            Some(DEFAULT_MAX_LINE as u64)
        ))
    );
}

// ----- work and the end of the stream -----

#[test]
fn work_is_linear_byte_by_byte() {
    // A long line fed one byte at a time is scanned once, not once per byte.
    let mut input = b"data: ".to_vec();
    input.resize(input.len() + 200_000, b'y');
    input.extend_from_slice(b"\r\n\r\n");
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for &b in &input {
        buf.extend_from_slice(&[b]);
        while let Some(ev) = dec.decode(&mut buf).unwrap() {
            events.push(ev);
        }
    }
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data.len(), 200_000);
    assert_eq!(dec.bytes_examined(), input.len() as u64);
}

#[test]
fn long_id_is_shared_not_copied() {
    // Each event hands out the same ID allocation.
    let mut input = format!("id: {}\n", "i".repeat(10_000)).into_bytes();
    input.extend(b"data\n\n".repeat(100));
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from(&input[..]);
    let first = dec.decode(&mut buf).unwrap().unwrap();
    let second = dec.decode(&mut buf).unwrap().unwrap();
    let (a, b) = (first.id.unwrap(), second.id.unwrap());
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn finish_discards_and_resets_for_a_reconnection() {
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from("retry: 10\nid: 1\ndata: a\n\nevent: e\ndata: partial\nid: 2\n");
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(ev("message", "a", Some("1"), Some(10)))
    );
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
    dec.finish().unwrap();

    // The new stream: BOM stripped again, no leftovers of the partial
    // event, the ID and retry kept.
    let mut buf = BytesMut::from("\u{FEFF}data: b\n\nid\ndata: c\n\n");
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(ev("message", "b", Some("1"), Some(10)))
    );
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(ev("message", "c", None, Some(10)))
    );
    assert_eq!(dec.last_event_id(), None);

    // After an error, finish reports it once and the next stream works.
    let mut dec = SseDecoder::with_limits(5, 10);
    let mut buf = BytesMut::from("id: 1\n\ndata: long\n");
    let err = dec.decode(&mut buf).unwrap_err();
    assert_eq!(err.offset(), Some(7 + 5));
    assert_eq!(dec.finish(), Err(err));
    dec.finish().unwrap();
    let mut buf = BytesMut::from("data\n\n");
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(ev("message", "", Some("1"), None))
    );
}

#[test]
fn leaves_the_unfinished_line_in_the_buffer() {
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from("data: a\n\ndata: b\ndat");
    assert_eq!(dec.decode(&mut buf).unwrap(), Some(msg("a")));
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
    assert_eq!(&buf[..], b"dat");
    // A partial BOM is left too, until it is decided.
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from(&b"\xEF\xBB"[..]);
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
    assert_eq!(&buf[..], b"\xEF\xBB");
}

#[test]
fn shrunken_buffer_does_not_panic() {
    // Misuse (dropping bytes the decoder has scanned) must not panic.
    let mut dec = SseDecoder::new();
    let mut buf = BytesMut::from("data: abcdef");
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
    buf.clear();
    buf.extend_from_slice(b"data: x\n\n");
    assert_eq!(dec.decode(&mut buf).unwrap(), Some(msg("x")));
}

// ----- properties -----

/// Bytes biased towards the syntax of event streams.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"event".to_vec()),
        Just(b"id".to_vec()),
        Just(b"retry".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just("é€😀".as_bytes().to_vec()),
        Just(b"12".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(token, 0..64).prop_map(|t| t.concat())
}

/// One generated event, as a server would send it.
#[derive(Debug, Clone)]
struct GenEvent {
    event: Option<String>,
    data: Vec<String>,
    id: Option<String>,
    retry: Option<u64>,
    comment: Option<String>,
}

fn line_text() -> impl Strategy<Value = String> {
    "[^\r\n]{0,12}"
}

fn gen_event() -> impl Strategy<Value = GenEvent> {
    (
        proptest::option::of("[^\r\n]{1,8}"),
        proptest::collection::vec(line_text(), 1..4),
        proptest::option::of("[^\r\n\0]{0,8}"),
        proptest::option::of(any::<u64>()),
        proptest::option::of(line_text()),
    )
        .prop_map(|(event, data, id, retry, comment)| GenEvent {
            event,
            data,
            id,
            retry,
            comment,
        })
}

fn encode_events(events: &[GenEvent], bom: bool, endings: &[usize]) -> (Vec<u8>, Vec<SseEvent>) {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{FEFF}".as_bytes());
    }
    let mut n = 0;
    let mut eol = |out: &mut Vec<u8>| {
        let e = endings.get(n % endings.len().max(1)).copied().unwrap_or(0);
        n += 1;
        // A lone CR then a lone LF would be one CRLF line ending.
        let e = if e % 3 == 0 && out.last() == Some(&b'\r') {
            2
        } else {
            e % 3
        };
        out.extend_from_slice([&b"\n"[..], b"\r", b"\r\n"][e]);
    };
    let mut expected = Vec::new();
    let mut last_id: Option<Arc<str>> = None;
    let mut retry = None;
    for e in events {
        if let Some(c) = &e.comment {
            out.extend_from_slice(format!(":{c}").as_bytes());
            eol(&mut out);
        }
        if let Some(t) = &e.event {
            out.extend_from_slice(format!("event: {t}").as_bytes());
            eol(&mut out);
        }
        for line in &e.data {
            out.extend_from_slice(format!("data: {line}").as_bytes());
            eol(&mut out);
        }
        if let Some(id) = &e.id {
            out.extend_from_slice(format!("id: {id}").as_bytes());
            eol(&mut out);
            last_id = (!id.is_empty()).then(|| Arc::from(id.as_str()));
        }
        if let Some(r) = e.retry {
            out.extend_from_slice(format!("retry: {r}").as_bytes());
            eol(&mut out);
            retry = Some(r);
        }
        eol(&mut out);
        expected.push(SseEvent {
            event: e.event.clone().unwrap_or_else(|| "message".into()),
            data: e.data.join("\n"),
            id: last_id.clone(),
            retry,
        });
    }
    (out, expected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_arbitrary_bytes_split_independent(
        input in stream_bytes(),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
        small in any::<bool>(),
    ) {
        let limits = if small { (6, 10) } else { DEFAULT_LIMITS };
        let whole = run_limits(&input, &[], limits);
        prop_assert_eq!(&run_limits(&input, &cuts, limits), &whole);
        let bytewise = run_pieces(SseDecoder::with_limits(limits.0, limits.1), input.chunks(1));
        prop_assert_eq!(&bytewise, &whole);
        if let Some((kind, _)) = &whole.error {
            prop_assert!(matches!(kind, ErrorKind::SseLineTooLong { .. }), "{:?}", kind);
        }
    }

    #[test]
    fn prop_random_bytes_never_panic(
        input in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let whole = run_limits(&input, &[], (16, 32));
        prop_assert_eq!(run_limits(&input, &cuts, (16, 32)), whole);
    }

    #[test]
    fn prop_encoded_events_decode_back(
        events in proptest::collection::vec(gen_event(), 0..6),
        bom in any::<bool>(),
        endings in proptest::collection::vec(0usize..3, 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let (wire, expected) = encode_events(&events, bom, &endings);
        let out = run_limits(&wire, &cuts, DEFAULT_LIMITS);
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(&out.events, &expected);
        prop_assert_eq!(
            out.last_event_id.as_deref(),
            expected.last().and_then(|e| e.id.as_deref())
        );
        prop_assert_eq!(out.retry, expected.last().and_then(|e| e.retry));
    }
}
