//! Fuzzes `ahttp_proto::ws::deflate` (permessage-deflate).
//!
//! - `Decode`: arbitrary "compressed" messages, each fed to one
//!   `Decompressor` in arbitrary pieces, with a small bound, an arbitrary
//!   window and with or without context takeover. It must never panic,
//!   never put more than the bound into a message's output, fail only with
//!   `WsDeflate` or `WsMessageTooBig`, keep failing the same way, and give
//!   the same outcome as when each message is fed whole: the same output,
//!   or an error for the same message (corrupt data just past the bound may
//!   be reported as either error, depending on how much input one inflate
//!   call sees).
//! - `RoundTrip`: arbitrary messages compressed by our `Compressor` in
//!   arbitrary pieces (as fragments), at an arbitrary level and window,
//!   with or without context takeover, then decompressed in other arbitrary
//!   pieces: the output must equal the messages. The first message is also
//!   decompressed against a bound one byte short of its length, which must
//!   fail with `WsMessageTooBig` after exactly that many bytes.
#![no_main]

use ahttp_proto::ws::deflate::{Compressor, Decompressor, Negotiated};
use ahttp_proto::{Error, ErrorKind};
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Case {
    Decode {
        limit: u16,
        /// Window bits: 8 + `bits % 8`.
        bits: u8,
        no_context_takeover: bool,
        /// Each message's bytes and where they are cut.
        messages: Vec<(Vec<u8>, Vec<u16>)>,
    },
    RoundTrip {
        bits: u8,
        level: u8,
        no_context_takeover: bool,
        /// Each message, where the sender cuts it into fragments, and where
        /// the receiver's reads cut the compressed bytes.
        messages: Vec<(Vec<u8>, Vec<u16>, Vec<u16>)>,
    },
}

/// At most this many messages and bytes per message, to keep runs fast.
const MAX_MESSAGES: usize = 8;
const MAX_MESSAGE: usize = 64 << 10;

fn negotiated(bits: u8, no_context_takeover: bool) -> Negotiated {
    let bits = 8 + bits % 8;
    Negotiated {
        client_no_context_takeover: no_context_takeover,
        server_no_context_takeover: no_context_takeover,
        client_window_bits: bits.max(9),
        server_window_bits: bits,
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

/// What decompressing one message gave: its output and, on failure,
/// whether the bound was hit (`true`) or the data was corrupt (`false`).
type Outcome = (Vec<u8>, Option<bool>);

/// Feeds one message in `parts`; checks the bound and the error kinds.
fn decode_message(d: &mut Decompressor, parts: &[&[u8]], limit: u64) -> (Outcome, Option<Error>) {
    let mut out = BytesMut::new();
    let mut error = None;
    for (i, part) in parts.iter().enumerate() {
        let result = d.decompress(part, i + 1 == parts.len(), &mut out);
        assert!(
            out.len() as u64 <= limit,
            "{} bytes past the bound {limit}",
            out.len()
        );
        if let Err(err) = result {
            error = Some(err);
            break;
        }
    }
    let kind = error.as_ref().map(|err| match err.kind() {
        ErrorKind::WsMessageTooBig { limit: l } => {
            assert_eq!(*l, limit);
            assert_eq!(out.len() as u64, limit, "too big before the bound");
            true
        }
        ErrorKind::WsDeflate(_) => false,
        other => panic!("unexpected error {other:?}"),
    });
    // What a corrupt message produced before the corruption was found
    // depends on how much one inflate call was given; only the error
    // counts.
    let output = if kind == Some(false) {
        Vec::new()
    } else {
        out.to_vec()
    };
    ((output, kind), error)
}

fn decode_all(
    negotiated: &Negotiated,
    limit: u64,
    messages: &[(Vec<u8>, Vec<u16>)],
    split: bool,
) -> Vec<Outcome> {
    let mut d = Decompressor::new(negotiated, Some(limit));
    let mut outcomes = Vec::new();
    for (input, cuts) in messages {
        let parts = if split {
            pieces(input, cuts)
        } else {
            vec![&input[..]]
        };
        let (outcome, error) = decode_message(&mut d, &parts, limit);
        outcomes.push(outcome);
        if let Some(err) = error {
            // Errors stick.
            let mut out = BytesMut::new();
            assert_eq!(d.decompress(b"\x00", true, &mut out).as_ref(), Err(&err));
            assert_eq!(d.decompress_message(&[]).as_ref(), Err(&err));
            assert!(out.is_empty());
            break;
        }
    }
    outcomes
}

fuzz_target!(|case: Case| match case {
    Case::Decode {
        limit,
        bits,
        no_context_takeover,
        mut messages,
    } => {
        messages.truncate(MAX_MESSAGES);
        let negotiated = negotiated(bits, no_context_takeover);
        let limit = u64::from(limit % 4096);
        let split = decode_all(&negotiated, limit, &messages, true);
        let whole = decode_all(&negotiated, limit, &messages, false);
        assert_eq!(
            split.len(),
            whole.len(),
            "split and whole fail at different messages"
        );
        for (s, w) in split.iter().zip(&whole) {
            match (s.1, w.1) {
                (None, None) | (Some(true), Some(true)) => {
                    assert_eq!(s.0, w.0, "split and whole input differ")
                }
                // Corrupt data right after the bound: whether the inflater
                // produces one more byte or finds the corruption first
                // depends on how much input one call sees.
                (Some(_), Some(_)) => {}
                _ => panic!("split {s:?} and whole {w:?} input differ"),
            }
        }
    }
    Case::RoundTrip {
        bits,
        level,
        no_context_takeover,
        mut messages,
    } => {
        messages.truncate(MAX_MESSAGES);
        for (data, _, _) in &mut messages {
            data.truncate(MAX_MESSAGE);
        }
        let negotiated = negotiated(bits, no_context_takeover);
        let level = u32::from(level % 10);
        let mut c = Compressor::with_level(&negotiated, level);
        let mut d = Decompressor::new(&negotiated, None);
        let mut first_wire = None;
        for (data, send_cuts, recv_cuts) in &messages {
            let mut wire = Vec::new();
            let parts = pieces(data, send_cuts);
            for (i, part) in parts.iter().enumerate() {
                let mut out = BytesMut::new();
                c.compress(part, i + 1 == parts.len(), &mut out)
                    .expect("compression does not fail");
                wire.extend_from_slice(&out);
            }
            assert!(!c.in_message());
            let mut out = BytesMut::new();
            let parts = pieces(&wire, recv_cuts);
            for (i, part) in parts.iter().enumerate() {
                if let Err(err) = d.decompress(part, i + 1 == parts.len(), &mut out) {
                    panic!("round trip failed: {err}");
                }
            }
            assert_eq!(&out[..], &data[..], "round trip");
            first_wire.get_or_insert(wire);
        }
        // The first message against a bound one byte short.
        if let (Some(wire), Some((data, _, _))) = (first_wire, messages.first()) {
            if !data.is_empty() {
                let limit = data.len() as u64 - 1;
                let mut d = Decompressor::new(&negotiated, Some(limit));
                let mut out = BytesMut::new();
                let err = d.decompress(&wire, true, &mut out).unwrap_err();
                assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit });
                assert_eq!(&out[..], &data[..data.len() - 1]);
            }
        }
    }
});
