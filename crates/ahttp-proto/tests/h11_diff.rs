//! Differential test against Python's h11.
//!
//! `fixtures/record_h11.py` recorded, for each of its response byte strings,
//! the events h11 0.16 yields as an HTTP client. This test replays every
//! case through `h1::ClientConnection` (whole, byte by byte and at random
//! split points) and requires the same events, or an error where h11 errs
//! too. Where the two differ on purpose, the case is listed in
//! [`DIFFERENCES`] with what ahttp-proto does instead and why; an unlisted
//! difference, or a listed one that no longer happens, fails the test.

mod common;

use ahttp_proto::h1::Config;
use base64::Engine as _;
use common::{run_all_splits, Ev, Outcome, Req};
use http::Version;
use serde_json::Value;

/// What ahttp-proto does where it departs from h11, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ours {
    /// We report an error where h11 accepts.
    Error,
    /// We accept where h11 reports an error; the events are checked by the
    /// table tests in h1.rs.
    Accept,
    /// Same events, but the connection is not reused where h11 would.
    NotReusable,
    /// Same events, but the connection is reused where h11 would not.
    Reusable,
}

const DIFFERENCES: &[(&str, Ours, &str)] = &[
    ("status_http12", Ours::Error, "httparse knows HTTP/1.0 and 1.1 only; an unknown minor version is refused rather than guessed"),
    ("status_http20", Ours::Error, "HTTP/2.0 in an HTTP/1 status line is a broken server, not a 1.1 one"),
    ("status_leading_crlf", Ours::Accept, "blank lines before the status line are skipped, as httparse does (robustness, RFC 9112 2.2)"),
    ("status_leading_lf", Ours::Accept, "as status_leading_crlf"),
    ("status_reason_ctl", Ours::Error, "control bytes are not allowed in a reason phrase (RFC 9112 4: HTAB / SP / VCHAR / obs-text)"),
    ("status_reason_del", Ours::Error, "DEL is not VCHAR (RFC 9112 4)"),
    ("hdr_value_ctl", Ours::Error, "control bytes are not allowed in a field value (RFC 9110 5.5)"),
    ("hdr_value_del", Ours::Error, "DEL is not allowed in a field value (RFC 9110 5.5)"),
    ("cl_huge_20_digits", Ours::Error, "a Content-Length beyond u64 cannot be honoured; h11 uses unbounded integers"),
    ("cl_u64_max_plus_one", Ours::Error, "as cl_huge_20_digits"),
    ("te_size_17_hex_digits_overflow", Ours::Error, "a chunk size beyond u64 is refused (ChunkSizeTooLarge)"),
    ("cl_leading_zeros_vs_plain", Ours::Accept, "\"005\" and \"5\" are the same length; h11 compares the strings"),
    ("te_and_cl", Ours::NotReusable, "both framings at once hint at smuggling: decoded by Transfer-Encoding, then closed (RFC 9112 6.3)"),
    ("te_and_cl_te_first", Ours::NotReusable, "as te_and_cl"),
    ("status_garbage_no_eof", Ours::Error, "bytes that cannot begin \"HTTP/\" are refused as they arrive; h11 waits for the line end"),
    ("status_leading_two_crlf", Ours::Accept, "as status_leading_crlf"),
    ("te_chunked_ext_invalid_chars", Ours::Error, "control bytes in a chunk extension are refused; h11 skips extensions unread"),
    ("te_chunked_gzip", Ours::Accept, "Transfer-Encoding without chunked last is read until close (RFC 9112 6.3 item 4); h11 refuses every coding but chunked"),
    ("te_identity", Ours::Accept, "as te_chunked_gzip"),
    ("te_gzip_only", Ours::Accept, "as te_chunked_gzip"),
    ("te_chunked_trailing_comma", Ours::Accept, "empty list elements are ignored (RFC 9110 5.6.1)"),
    ("te_size_21_hex_digits", Ours::Accept, "leading zeros do not make a chunk size large; only a value beyond u64 is refused"),
    ("te_lf_only_chunk_lines", Ours::Error, "a chunk-size line must end in CRLF; h11 waits forever for one, we refuse the bare LF at once"),
    ("te_chunked_ext_bws", Ours::Accept, "RFC 9112 7.1.1 allows BWS around ';' in chunk extensions"),
    ("ka_http10_keep_alive", Ours::Reusable, "HTTP/1.0 with Connection: keep-alive is persistent (RFC 9112 9.3); h11 never reuses 1.0"),
];

fn latin1(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

fn headers_of(v: &Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                latin1(pair[0].as_str().unwrap()),
                latin1(pair[1].as_str().unwrap()),
            )
        })
        .collect()
}

/// Our outcome in h11's terms: (events, outcome, trailing bytes).
fn as_h11(outcome: &Outcome) -> (Vec<Value>, &'static str, Vec<u8>) {
    // h11 normalises what it reports: repeated or listed Content-Length
    // values become one field with the common value, and a
    // Transfer-Encoding value is lowercased. Do the same to our raw fields.
    let normalise = |headers: &[(Vec<u8>, Vec<u8>)]| {
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (n, v) in headers {
            let lower = n.to_ascii_lowercase();
            if lower == b"content-length" {
                if out.iter().any(|(n, _)| n == b"content-length") {
                    continue;
                }
                let first = v.split(|&b| b == b',').next().unwrap_or(b"");
                out.push((lower, first.trim_ascii().to_vec()));
            } else if lower == b"transfer-encoding" {
                out.push((lower, v.to_ascii_lowercase()));
            } else {
                out.push((lower, v.clone()));
            }
        }
        out
    };
    let head_json = |kind: &str, h: &common::Head| {
        serde_json::json!({
            "type": kind,
            "status": h.status,
            "reason": h.reason.iter().map(|&b| b as char).collect::<String>(),
            "http_version": if h.version == Version::HTTP_10 { "1.0" } else { "1.1" },
            "headers": normalise(&h.headers).iter().map(|(n, v)| {
                vec![
                    n.to_ascii_lowercase().iter().map(|&b| b as char).collect::<String>(),
                    v.iter().map(|&b| b as char).collect::<String>(),
                ]
            }).collect::<Vec<_>>(),
        })
    };
    let mut events = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    let mut trailers = Vec::new();
    let flush = |data: &mut Vec<u8>, events: &mut Vec<Value>| {
        if !data.is_empty() {
            events.push(serde_json::json!({"type": "data", "data": data.iter().map(|&b| b as char).collect::<String>()}));
            data.clear();
        }
    };
    for ev in &outcome.events {
        match ev {
            Ev::Info(h) => events.push(head_json("informational", h)),
            Ev::Response(h) => events.push(head_json("response", h)),
            Ev::Upgrade(h, rest) => {
                let kind = if h.status == 101 {
                    "informational"
                } else {
                    "response"
                };
                events.push(head_json(kind, h));
                return (events, "paused", rest.clone());
            }
            Ev::Data { bytes, .. } => data.extend_from_slice(bytes),
            Ev::Trailers(t) => trailers = t.clone(),
            Ev::End => {
                flush(&mut data, &mut events);
                events.push(serde_json::json!({"type": "end_of_message", "trailers": trailers.iter().map(|(n, v)| vec![
                    n.to_ascii_lowercase().iter().map(|&b| b as char).collect::<String>(),
                    v.iter().map(|&b| b as char).collect::<String>(),
                ]).collect::<Vec<_>>()}));
            }
            // The recording stops at EndOfMessage; a close after it is ours.
            Ev::Closed if outcome.events.contains(&Ev::End) => {}
            Ev::Closed => {
                flush(&mut data, &mut events);
                events.push(serde_json::json!({"type": "connection_closed"}));
            }
            Ev::Error(..) => {
                flush(&mut data, &mut events);
                return (events, "error", Vec::new());
            }
        }
    }
    flush(&mut data, &mut events);
    let state = if outcome.need_data {
        "need_data"
    } else {
        "complete"
    };
    (events, state, Vec::new())
}

#[test]
fn h1_matches_h11_or_a_listed_difference() {
    let text = include_str!("fixtures/h11_responses.json");
    let fixtures: Value = serde_json::from_str(text).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 100, "at least 100 recorded cases");
    let mut problems = Vec::new();
    let mut differences_seen = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = base64::engine::general_purpose::STANDARD
            .decode(case["response_b64"].as_str().unwrap())
            .unwrap();
        let eof = case["eof"].as_bool().unwrap();
        let request = &case["request"];
        let mut req = Req::new(request["method"].as_str().unwrap().parse().unwrap());
        req.headers = headers_of(&request["headers"])
            .into_iter()
            .map(|(n, v)| (String::from_utf8(n).unwrap(), String::from_utf8(v).unwrap()))
            .collect();
        req.body = request["body"].as_str().map(latin1);
        let ours = run_all_splits(&req, &Config::default(), &input, eof, 10);
        let (events, outcome, trailing) = as_h11(&ours);

        let h11_outcome = case["outcome"].as_str().unwrap();
        let h11_events = case["events"].as_array().unwrap();
        let listed = DIFFERENCES.iter().find(|d| d.0 == name).map(|d| d.1);
        // h11 keeps processing an EOF after a complete message and still
        // calls the connection reusable; the EOF means it is not.
        let h11_reusable = case["reusable"].as_bool().map(|r| r && !eof);

        let same_outcome = match (h11_outcome, outcome) {
            ("error", "error") => true,
            (a, b) => a == b,
        };
        let same_events = if h11_outcome == "error" && outcome == "error" {
            // Both failed: the events before the failure must agree up to
            // where h11 stopped (h11 may fail earlier than we do, e.g. on a
            // head it cannot parse while we wait for its end).
            events.len() >= h11_events.len() || h11_events.starts_with(&events)
        } else {
            &events[..] == h11_events.as_slice()
        };
        let same_trailing =
            outcome != "paused" || latin1(case["trailing"].as_str().unwrap_or("")) == trailing;
        let same_reuse =
            h11_reusable.is_none() || outcome != "complete" || h11_reusable == Some(ours.reusable);
        let matches = same_outcome && same_events && same_trailing && same_reuse;

        match listed {
            None if !matches => problems.push(format!(
                "{name}: h11 {h11_outcome} {h11_events:?} reusable={h11_reusable:?}\n    ours {outcome} {events:?} reusable={} ({:?})",
                ours.reusable, ours.events.last()
            )),
            None => {}
            Some(kind) => {
                let holds = match kind {
                    Ours::Error => outcome == "error" && h11_outcome != "error",
                    Ours::Accept => outcome != "error" && h11_outcome == "error",
                    Ours::NotReusable => same_events && h11_reusable == Some(true) && !ours.reusable,
                    Ours::Reusable => same_events && h11_reusable == Some(false) && ours.reusable,
                };
                if holds {
                    differences_seen.push(name);
                } else {
                    problems.push(format!(
                        "{name}: listed as {kind:?} but h11 {h11_outcome} reusable={h11_reusable:?}, ours {outcome} {events:?} reusable={}",
                        ours.reusable
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        differences_seen.len(),
        DIFFERENCES.len(),
        "every listed difference occurs"
    );
}
