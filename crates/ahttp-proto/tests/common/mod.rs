//! Test harness: drives an `h1::ClientConnection` over one response byte
//! string fed whole, one byte at a time, or at random split points, and
//! records what it yields in a canonical form that does not depend on the
//! split (consecutive data of one chunk is merged).
#![allow(dead_code)]

use ahttp_proto::h1::{ClientConnection, Config, Event, Headers, RequestHead, ResponseHead};
use ahttp_proto::ErrorKind;
use bytes::BytesMut;
use http::{Method, Version};
use std::time::Instant;

/// One recorded outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Info(Head),
    Response(Head),
    Upgrade(Head, Vec<u8>),
    Data {
        bytes: Vec<u8>,
        chunk_start: bool,
        chunk_end: bool,
    },
    Trailers(Vec<(Vec<u8>, Vec<u8>)>),
    End,
    Closed,
    Error(ErrorKind, Option<u64>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub reason: Vec<u8>,
    pub version: Version,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

pub fn head_of(h: &ResponseHead) -> Head {
    Head {
        status: h.status().as_u16(),
        reason: h.reason().to_vec(),
        version: h.version(),
        headers: fields(h.headers()),
    }
}

pub fn fields(h: &Headers) -> Vec<(Vec<u8>, Vec<u8>)> {
    h.iter_raw()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect()
}

/// The request that precedes the response.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub read_until_eof: bool,
}

impl Req {
    pub fn get() -> Self {
        Req::new(Method::GET)
    }

    pub fn new(method: Method) -> Self {
        Req {
            method,
            headers: vec![("Host".into(), "example.com".into())],
            body: None,
            read_until_eof: true,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The whole outcome of one run: events, final reusability, bytes left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<Ev>,
    /// `is_reusable()` after the last event.
    pub reusable: bool,
    /// Still waiting for bytes at the end.
    pub need_data: bool,
    /// Bytes left unconsumed in the read buffer (the next response's).
    pub leftover: Vec<u8>,
}

pub fn connection_for(req: &Req, config: Config) -> ClientConnection {
    let mut conn = ClientConnection::with_config(config);
    conn.set_read_until_eof(req.read_until_eof);
    let mut out = BytesMut::new();
    let mut headers = req.headers.clone();
    if let Some(body) = &req.body {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    let head = RequestHead::new(&req.method, "/", Version::HTTP_11, &headers);
    conn.send_request(head, Instant::now(), &mut out)
        .expect("test request must encode");
    if let Some(body) = &req.body {
        // Behave as a client whose 100-continue wait has run out.
        conn.handle_timeout(Instant::now() + std::time::Duration::from_secs(3600));
        conn.send_body(body, &mut out).unwrap();
        conn.send_end(&mut out).unwrap();
    }
    conn
}

/// Feeds `input` in the pieces `splits` cut it into (sorted offsets), then
/// EOF if `eof`, and records the canonical events.
pub fn run_split(req: &Req, config: &Config, input: &[u8], eof: bool, splits: &[usize]) -> Outcome {
    let mut conn = connection_for(req, config.clone());
    let mut events = Vec::new();
    let mut buf = BytesMut::new();
    let mut start = 0;
    let mut cuts: Vec<usize> = splits
        .iter()
        .copied()
        .filter(|&s| s > 0 && s < input.len())
        .collect();
    cuts.push(input.len());
    let mut finished = false;
    for cut in cuts {
        if cut < start {
            continue;
        }
        buf.extend_from_slice(&input[start..cut]);
        start = cut;
        if drain(&mut conn, &mut buf, &mut events) {
            finished = true;
            // After an upgrade, the bytes not fed yet belong to the new
            // protocol too.
            if let Some(Ev::Upgrade(_, rest)) = events.last_mut() {
                rest.extend_from_slice(&input[start..]);
            }
            break;
        }
    }
    let mut need_data = !finished;
    if !finished && eof {
        conn.receive_eof();
        finished = drain(&mut conn, &mut buf, &mut events);
        need_data = !finished;
    }
    // Once the response is complete, waiting for the next one is not
    // "needing data" for this response.
    if events.last() == Some(&Ev::End) {
        need_data = false;
    }
    Outcome {
        events: canonical(events),
        reusable: conn.is_reusable(),
        need_data,
        // After an error or upgrade, what is left depends on the split.
        leftover: if finished { Vec::new() } else { buf.to_vec() },
    }
}

/// Decodes until more bytes are needed. Returns true when decoding is over
/// for good (error, upgrade, close).
fn drain(conn: &mut ClientConnection, buf: &mut BytesMut, events: &mut Vec<Ev>) -> bool {
    loop {
        match conn.decode(buf) {
            Ok(Event::NeedData) => return false,
            Ok(Event::Informational(h)) => events.push(Ev::Info(head_of(&h))),
            Ok(Event::Response(h)) => events.push(Ev::Response(head_of(&h))),
            Ok(Event::Upgrade(h)) => {
                // The rest of the input is handed over; collect it all.
                events.push(Ev::Upgrade(head_of(&h), buf.to_vec()));
                buf.clear();
                return true;
            }
            Ok(Event::Data(d)) => {
                assert!(!d.bytes.is_empty(), "empty data event");
                events.push(Ev::Data {
                    bytes: d.bytes.to_vec(),
                    chunk_start: d.chunk_start,
                    chunk_end: d.chunk_end,
                })
            }
            Ok(Event::Trailers(t)) => events.push(Ev::Trailers(fields(&t))),
            Ok(Event::EndOfMessage) => events.push(Ev::End),
            Ok(Event::Closed) => {
                events.push(Ev::Closed);
                return true;
            }
            Err(e) => {
                // The same error again on the next call: nothing is lost.
                let again = conn.decode(buf).unwrap_err();
                assert_eq!(
                    again, e,
                    "a failed connection must keep failing the same way"
                );
                events.push(Ev::Error(e.kind().clone(), e.offset()));
                return true;
            }
        }
    }
}

/// Merges data events that continue the same chunk, so that the events do
/// not depend on how the input was split.
pub fn canonical(events: Vec<Ev>) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::with_capacity(events.len());
    for ev in events {
        if let Ev::Data {
            bytes,
            chunk_start,
            chunk_end,
        } = &ev
        {
            if let Some(Ev::Data {
                bytes: prev,
                chunk_end: prev_end,
                ..
            }) = out.last_mut()
            {
                if !*prev_end && !*chunk_start {
                    prev.extend_from_slice(bytes);
                    *prev_end = *chunk_end;
                    continue;
                }
            }
        }
        out.push(ev);
    }
    out
}

/// The split-point driver every parser test uses: runs a parser over
/// `input` whole, byte by byte, and at `random_runs` sets of random split
/// points (seeded by `seed`, so failures reproduce). `run` gets the cut
/// points (none: the input whole). Asserts that every run gives the same
/// outcome, and returns it.
#[track_caller]
pub fn agree_at_all_splits<T: PartialEq + std::fmt::Debug>(
    input: &[u8],
    seed: u64,
    random_runs: usize,
    run: impl Fn(&[usize]) -> T,
) -> T {
    let whole = run(&[]);
    let bytewise: Vec<usize> = (1..input.len()).collect();
    assert_eq!(
        run(&bytewise),
        whole,
        "byte by byte differs from whole for {:?}",
        String::from_utf8_lossy(input)
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..random_runs {
        let n = rng.usize(1..=input.len().clamp(1, 8));
        let cuts: Vec<usize> = (0..n).map(|_| rng.usize(0..=input.len())).collect();
        assert_eq!(
            run(&cuts),
            whole,
            "split at {cuts:?} differs for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    whole
}

/// Runs `input` through an `h1::ClientConnection` at every kind of split
/// ([`agree_at_all_splits`]) and returns the outcome they agree on.
#[track_caller]
pub fn run_all_splits(
    req: &Req,
    config: &Config,
    input: &[u8],
    eof: bool,
    random_runs: usize,
) -> Outcome {
    agree_at_all_splits(input, input.len() as u64 ^ 0x5eed, random_runs, |cuts| {
        let mut cuts = cuts.to_vec();
        cuts.sort_unstable();
        run_split(req, config, input, eof, &cuts)
    })
}
