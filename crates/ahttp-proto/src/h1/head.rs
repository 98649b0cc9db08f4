//! Parsing a response head, in linear time however the bytes arrive.
//!
//! The first attempt hands the whole buffer to the strict parser
//! (`strict_head`), which takes the usual head whole in one pass: that is
//! what happens for nearly every real response (the head arrives in one
//! read). If it declines the head, [`BlockScanner`] takes over
//! and looks at each new byte once until the blank line arrives; httparse
//! then runs once more on the complete head. Either way each byte is parsed
//! at most twice and scanned at most once, and the limits are enforced on
//! every line before the head is complete.
//!
//! Errors do not depend on how the input was split: an httparse error is
//! only reported once the scanner has seen the whole head (or a limit error
//! in an earlier line), exactly as when the head arrives byte by byte.

use super::headers::Headers;
use super::scan::{BlockEnd, BlockLimits, BlockScanner};
use super::strict_head;
use super::{Limits, ResponseHead};
use crate::{Error, ErrorKind};
use bytes::{Buf, BytesMut};
use http::{StatusCode, Version};
use std::mem::MaybeUninit;

/// Incremental parser state for one response head.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeadParser {
    scanner: BlockScanner,
    tried_whole: bool,
}

/// The stack room for parsed fields; more is allocated only when
/// `max_headers` is set above it.
const STACK_FIELDS: usize = 128;

/// A head failure. Its offset counts from the front of the buffer given to
/// the parser (the caller knows where that buffer began). It is `Error`
/// itself rather than a lighter pair so that a parsed head is not moved
/// into a differently shaped result on its way out.
pub(crate) type HeadError = Error;

impl HeadParser {
    /// Tries to parse a complete head from the front of `buf`; on success
    /// removes it from `buf`.
    #[inline(always)]
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        examined: &mut u64,
    ) -> Result<Option<ResponseHead>, HeadError> {
        // (An empty buffer is no attempt: a client asks for the response
        // before any of it has arrived, and the one whole parse is worth
        // keeping for the first read.)
        let first_attempt = !self.tried_whole && !buf.is_empty();
        // The usual case, kept short: a whole, strictly valid head no longer
        // than the smallest line limit, so no line in it can be over-long,
        // parsed by `strict_head`. Everything else (an incomplete head,
        // obs-fold, an error, a long head) is decided by the scanning path
        // and httparse.
        // (One result variable, returned on every path: the head is moved
        // once on its way out. Moved through several differently shaped
        // results, each move stalled on store forwarding, and together they
        // cost more than the rest of this function.)
        let mut len = 0;
        let mut parsed = Ok(None);
        if first_attempt {
            self.tried_whole = true;
            *examined += buf.len() as u64;
            parsed = strict_head::parse(buf, limits, &mut len);
        }
        if matches!(parsed, Ok(Some(_))) {
            buf.advance(len);
        } else {
            parsed = self.scan_and_parse(buf, limits, examined);
        }
        parsed
    }

    /// Scans the new bytes for the end of the head, enforcing the limits
    /// line by line, and parses the head once it is complete.
    #[inline(never)]
    fn scan_and_parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        examined: &mut u64,
    ) -> Result<Option<ResponseHead>, HeadError> {
        let block_limits = BlockLimits {
            start_line: Some(limits.max_line_size),
            field: limits.max_field_size,
            max_fields: limits.max_headers,
            max_fields_reported: limits.max_headers,
        };
        let scanned = self.scanner.scan(buf, &block_limits, examined);
        let Some(BlockEnd { len, .. }) =
            scanned.map_err(|(kind, at)| Error::at(kind, at as u64))?
        else {
            return Ok(None);
        };
        *examined += len as u64;
        let mut parsed_len = 0;
        match run_httparse(&buf[..len], limits, &mut parsed_len)? {
            Some(head) if parsed_len == len => {
                buf.advance(len);
                Ok(Some(head))
            }
            _ => Err(Error::at(ErrorKind::InvalidHeader, 0)),
        }
    }
}

/// Parses a complete head at the front of `buf` into its own copy, and
/// sets `len` to the head's length, blank line included.
fn run_httparse(
    buf: &[u8],
    limits: &Limits,
    len: &mut usize,
) -> Result<Option<ResponseHead>, HeadError> {
    // Strict first: without obs-fold no value can hold a line break, so the
    // values need no second look. Only a head httparse refuses strictly is
    // parsed again with obs-fold allowed (and then searched for folds).
    match run_httparse_with(buf, limits, false, len) {
        Err(_) => run_httparse_with(buf, limits, true, len),
        done => done,
    }
}

/// One httparse run over a complete head; sets `head_len` to its length.
fn run_httparse_with(
    buf: &[u8],
    limits: &Limits,
    allow_fold: bool,
    head_len: &mut usize,
) -> Result<Option<ResponseHead>, HeadError> {
    let mut config = httparse::ParserConfig::default();
    config.allow_obsolete_multiline_headers_in_responses(allow_fold);
    let mut stack: [MaybeUninit<httparse::Header<'_>>; STACK_FIELDS] =
        [const { MaybeUninit::uninit() }; STACK_FIELDS];
    // A field line takes at least 3 bytes ("x:\n"), so `buf` cannot hold
    // more fields than this: a larger `max_headers` (even usize::MAX) never
    // allocates more slots than the head could fill.
    let max_slots = limits.max_headers.min(buf.len() / 3 + 1);
    let mut heap = Vec::new();
    let slots: &mut [MaybeUninit<httparse::Header<'_>>] = if max_slots <= STACK_FIELDS {
        &mut stack[..max_slots]
    } else {
        heap.resize_with(max_slots, MaybeUninit::uninit);
        &mut heap
    };
    let mut response = httparse::Response::new(&mut []);
    let len = match config.parse_response_with_uninit_headers(&mut response, buf, slots) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(Error::at(httparse_error(e, limits), 0)),
    };
    let version = match response.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let code = response.code.unwrap_or(0);
    // httparse reads any three digits; a status below 100 is no status.
    let status = match StatusCode::from_u16(code) {
        Ok(status) if code >= 100 => status,
        _ => return Err(Error::at(ErrorKind::InvalidStatusLine, 0)),
    };
    let block = &buf[..len];
    let reason = match response.reason {
        // httparse's reason is a slice of the status line, so its place
        // is the pointer's distance from the block's start.
        Some(reason) if !reason.is_empty() => {
            let start = (reason.as_ptr() as usize - block.as_ptr() as usize) as u32;
            (start, start + reason.len() as u32)
        }
        _ => reason_range(block),
    };
    let headers = Headers::from_parsed(block, response.headers, limits.max_field_size, allow_fold)
        .map_err(|kind| Error::at(kind, 0))?;
    *head_len = len;
    Ok(Some(ResponseHead {
        version,
        status,
        reason,
        headers,
    }))
}

/// Parses a complete trailer section (its blank line included) with the
/// same rules as head fields, obs-fold unfolding included. httparse parses
/// folded fields only after a status line, so one is put in front: a copy,
/// but trailers are rare and small.
pub(crate) fn parse_trailer_block(block: &[u8], limits: &Limits) -> Result<Headers, ErrorKind> {
    const STATUS_LINE: &[u8] = b"HTTP/1.1 200 \r\n";
    let buf = [STATUS_LINE, block].concat();
    let mut len = 0;
    match run_httparse(&buf, limits, &mut len) {
        Ok(Some(head)) if len == buf.len() => Ok(head.headers),
        Ok(_) => Err(ErrorKind::InvalidHeader),
        Err(e) => Err(e.kind().clone()),
    }
}

/// The reason phrase's place, read off the raw status line (httparse gives
/// an empty reason when it holds obs-text, but the bytes are kept here).
fn reason_range(buf: &[u8]) -> (u32, u32) {
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(0);
    let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
    let end = if end > start && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    // "HTTP/1.1 200" is 12 bytes; a reason starts after one more space.
    let reason_start = (start + 13).min(end);
    (reason_start as u32, end as u32)
}

fn httparse_error(e: httparse::Error, limits: &Limits) -> ErrorKind {
    match e {
        httparse::Error::Status | httparse::Error::Version | httparse::Error::NewLine => {
            ErrorKind::InvalidStatusLine
        }
        httparse::Error::TooManyHeaders => ErrorKind::TooManyHeaders {
            limit: limits.max_headers,
        },
        _ => ErrorKind::InvalidHeader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_whole(input: &[u8]) -> Result<Option<ResponseHead>, HeadError> {
        let mut buf = BytesMut::from(input);
        HeadParser::default().parse(&mut buf, &Limits::default(), &mut 0)
    }

    #[test]
    fn reason_keeps_obs_text() {
        let head = parse_whole(b"HTTP/1.1 200 Gr\xfc\xdf Gott\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.headers.block_slice(head.reason), b"Gr\xfc\xdf Gott");
        let head = parse_whole(b"\r\nHTTP/1.1 404\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.headers.block_slice(head.reason), b"");
    }

    #[test]
    fn obs_fold_is_unfolded() {
        let head = parse_whole(b"HTTP/1.1 200 OK\r\nX: a\r\n  b\r\nY: c\r\n\r\n")
            .unwrap()
            .unwrap();
        let fields: Vec<_> = head.headers.iter_raw().collect();
        assert_eq!(fields, [(&b"X"[..], &b"a b"[..]), (&b"Y"[..], &b"c"[..])]);
    }

    #[test]
    fn any_max_headers_is_safe() {
        let unbounded = Limits {
            max_headers: usize::MAX,
            ..Limits::default()
        };
        for head in [
            &b"HTTP/1.1 200 OK\nA: b\n\n"[..],
            b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n",
        ] {
            let head = HeadParser::default()
                .parse(&mut BytesMut::from(head), &unbounded, &mut 0)
                .unwrap()
                .unwrap();
            assert_eq!(head.headers.get("a"), Some(&b"b"[..]));
        }
        // As many fields as the bytes can hold is not too many for the
        // slots; one more than the limit still is.
        let tight = b"HTTP/1.1 200 OK\na:\nb:\nc:\n\n";
        let head = HeadParser::default()
            .parse(&mut BytesMut::from(&tight[..]), &unbounded, &mut 0)
            .unwrap()
            .unwrap();
        assert_eq!(head.headers.len(), 3);
        let two = Limits {
            max_headers: 2,
            ..Limits::default()
        };
        let err = HeadParser::default()
            .parse(&mut BytesMut::from(&tight[..]), &two, &mut 0)
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::TooManyHeaders { limit: 2 });
    }

    #[test]
    fn status_below_100_is_refused() {
        let err = parse_whole(b"HTTP/1.1 099 No\r\n\r\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidStatusLine);
    }
}
