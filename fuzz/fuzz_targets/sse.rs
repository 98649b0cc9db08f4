//! The Server-Sent Events decoder on arbitrary bytes at arbitrary split
//! points, with default or small limits: no panic, and the same events,
//! error, last event ID and retry as when the input comes whole.
#![no_main]

use ahttp_proto::sse::{SseDecoder, SseEvent};
use ahttp_proto::ErrorKind;
use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    small_limits: bool,
    splits: Vec<u16>,
    bytes: Vec<u8>,
}

type Outcome = (
    Vec<SseEvent>,
    Option<(ErrorKind, Option<u64>)>,
    Option<String>,
    Option<u64>,
);

fn decode(bytes: &[u8], cuts: &[usize], small: bool) -> Outcome {
    let (max_line, max_event) = if small { (8, 16) } else { (1 << 20, 16 << 20) };
    let mut dec = SseDecoder::with_limits(max_line, max_event);
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut error = None;
    let mut start = 0;
    let mut ends = cuts.to_vec();
    ends.push(bytes.len());
    'feed: for end in ends {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(ev)) => {
                    assert!(ev.data.len() <= max_event);
                    events.push(ev);
                }
                Ok(None) => {
                    // An unfinished line never grows past the limit.
                    assert!(buf.len() <= max_line + 3);
                    break;
                }
                Err(e) => {
                    assert!(matches!(e.kind(), ErrorKind::SseLineTooLong { .. }));
                    // Sticky.
                    assert_eq!(dec.decode(&mut buf), Err(e.clone()));
                    error = Some((e.kind().clone(), e.offset()));
                    break 'feed;
                }
            }
        }
    }
    let last_id = dec.last_event_id().map(str::to_owned);
    let retry = dec.retry();
    let finished = dec.finish().err().map(|e| (e.kind().clone(), e.offset()));
    assert_eq!(finished, error);
    (events, error, last_id, retry)
}

fuzz_target!(|input: Input| {
    let len = input.bytes.len();
    let mut cuts: Vec<usize> = input
        .splits
        .iter()
        .map(|&s| s as usize % (len + 1))
        .collect();
    cuts.sort_unstable();
    let whole = decode(&input.bytes, &[], input.small_limits);
    assert_eq!(whole, decode(&input.bytes, &cuts, input.small_limits));
});
