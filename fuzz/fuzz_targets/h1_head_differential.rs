//! `h1::parse_response_head` against httparse on arbitrary bytes.
//!
//! ahttp parses the usual head with its own strict parser and everything
//! else with httparse; this checks that the outcome is httparse's either
//! way: a head httparse parses strictly (within the limits) comes out with
//! the same length, version, status, reason and fields, and nothing is
//! accepted that httparse (obs-fold allowed) does not parse.
#![no_main]

use ahttp_proto::h1::{parse_response_head, Limits};
use bytes::BytesMut;
use http::Version;
use libfuzzer_sys::fuzz_target;

/// httparse's reading of `bytes`: `Ok(Some(len, version, status, reason,
/// fields))` for a complete head, `Ok(None)` for an incomplete one.
type Parsed = (usize, Version, u16, Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>);

fn httparse_head(bytes: &[u8], max_headers: usize, allow_fold: bool) -> Result<Option<Parsed>, ()> {
    let mut slots = vec![httparse::EMPTY_HEADER; max_headers];
    let mut response = httparse::Response::new(&mut slots);
    let mut config = httparse::ParserConfig::default();
    config.allow_obsolete_multiline_headers_in_responses(allow_fold);
    match config.parse_response(&mut response, bytes) {
        Ok(httparse::Status::Complete(len)) => {
            let version = if response.version == Some(0) { Version::HTTP_10 } else { Version::HTTP_11 };
            let fields = response.headers.iter().map(|h| (h.name.as_bytes().to_vec(), h.value.to_vec())).collect();
            let reason = response.reason.unwrap_or("").as_bytes().to_vec();
            Ok(Some((len, version, response.code.unwrap_or(0), reason, fields)))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(_) => Err(()),
    }
}

// The raw bytes are the response (so the fuzzer's byte-level mutations and
// comparisons reach valid heads quickly), except that a first byte of
// 0x01 to 0x1f limits the fields to that many.
fuzz_target!(|data: &[u8]| {
    let (limits, bytes) = match data.split_first() {
        Some((&n @ 1..=0x1f, rest)) => (Limits { max_headers: usize::from(n), ..Limits::default() }, rest),
        _ => (Limits::default(), data),
    };
    let mut buf = BytesMut::from(bytes);
    let ours = parse_response_head(&mut buf, &limits);
    let strict = httparse_head(bytes, limits.max_headers, false);

    if let Ok(Some((len, version, status, reason, fields))) = &strict {
        if *status >= 100 && *len <= limits.max_line_size.min(limits.max_field_size) {
            let head = match &ours {
                Ok(Some(head)) => head,
                other => panic!("httparse parsed {len} bytes, ahttp gave {other:?}"),
            };
            assert_eq!(buf.len(), bytes.len() - len, "head length");
            assert_eq!(head.version(), *version);
            assert_eq!(head.status().as_u16(), *status);
            if !reason.is_empty() {
                assert_eq!(head.reason(), &reason[..]);
            }
            let ours: Vec<_> = head.headers().iter_raw().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
            assert_eq!(&ours, fields);
        }
    }
    if let Ok(Some(head)) = &ours {
        let folded = httparse_head(bytes, limits.max_headers, true);
        let Ok(Some((len, _, status, _, fields))) = folded else {
            panic!("ahttp accepted {head:?}, httparse gave {folded:?}");
        };
        assert_eq!(buf.len(), bytes.len() - len, "head length");
        assert_eq!(head.status().as_u16(), status);
        assert_eq!(head.headers().len(), fields.len());
    }
});
