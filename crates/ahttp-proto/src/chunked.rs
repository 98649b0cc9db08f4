//! The chunked transfer coding (RFC 9112 section 7.1): encoder and decoder.
//!
//! The decoder is a state machine over a caller-owned [`BytesMut`]: it
//! takes what it recognises from the front of the buffer and hands chunk
//! data out as [`Bytes`] split off that buffer, never copied. Input may be
//! split at any byte; each byte is looked at once.
//!
//! ```
//! use ahttp_proto::chunked::{encode_chunk, encode_last_chunk, ChunkedDecoder, ChunkedEvent};
//! use bytes::BytesMut;
//!
//! let mut wire = BytesMut::new();
//! encode_chunk(b"hello ", &mut wire);
//! encode_chunk(b"world", &mut wire);
//! encode_last_chunk(&mut wire);
//! assert_eq!(&wire[..], b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
//!
//! let mut decoder = ChunkedDecoder::new();
//! let mut body = Vec::new();
//! loop {
//!     match decoder.decode(&mut wire).unwrap() {
//!         ChunkedEvent::Data { bytes, .. } => body.extend_from_slice(&bytes),
//!         ChunkedEvent::Trailers(_) => {}
//!         ChunkedEvent::End => break,
//!         ChunkedEvent::NeedData => unreachable!("the whole body is here"),
//!     }
//! }
//! assert_eq!(body, b"hello world");
//! ```

use crate::h1::scan::{BlockLimits, BlockScanner};
use crate::h1::Headers;
use crate::h1::{Field, Limits};
use crate::{Error, ErrorKind};
use bytes::{BufMut, Bytes, BytesMut};
use memchr::memchr;

/// Writes one chunk (size line, data, CRLF). An empty `data` writes
/// nothing: a zero-size chunk would end the body.
pub fn encode_chunk(data: &[u8], out: &mut BytesMut) {
    if data.is_empty() {
        return;
    }
    out.reserve(data.len() + 20);
    encode_chunk_size(data.len() as u64, out);
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

/// Writes only the size line of a chunk of `len` bytes, for callers that
/// write the data themselves (a vectored write of a large buffer); the data
/// must then be followed by `b"\r\n"`.
pub fn encode_chunk_size(len: u64, out: &mut BytesMut) {
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&digits[i..]);
    out.put_slice(b"\r\n");
}

/// Writes the last chunk with no trailers.
pub fn encode_last_chunk(out: &mut BytesMut) {
    out.put_slice(b"0\r\n\r\n");
}

/// Writes the last chunk followed by trailer fields. Names and values are
/// checked as request headers are (no CR, LF or NUL; names are tokens);
/// on error nothing is written.
pub fn encode_last_chunk_with_trailers<I>(trailers: I, out: &mut BytesMut) -> crate::Result<()>
where
    I: IntoIterator,
    I::Item: Field,
{
    let start = out.len();
    out.put_slice(b"0\r\n");
    for field in trailers {
        if let Err(e) = crate::h1::write_field(field.name(), field.value(), out) {
            out.truncate(start);
            return Err(e);
        }
    }
    out.put_slice(b"\r\n");
    Ok(())
}

/// What the chunked decoder found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkedEvent {
    /// Body bytes, split off the input buffer without copying.
    Data {
        /// The bytes.
        bytes: Bytes,
        /// True when these are the first bytes of a chunk.
        chunk_start: bool,
        /// True when these are the last bytes of a chunk.
        chunk_end: bool,
    },
    /// The trailer section, when the last chunk was followed by fields.
    Trailers(Headers),
    /// The body is complete; nothing after it was consumed.
    End,
    /// More input is needed.
    NeedData,
}

#[derive(Debug, Clone)]
enum State {
    /// Reading a chunk-size line; `scanned` bytes of it were looked at.
    Size { scanned: usize },
    /// Inside chunk data.
    Data { remaining: u64, start: bool },
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// Reading the trailer section.
    Trailers(BlockScanner),
    /// Trailers were handed out; `End` comes next.
    TrailersDone,
    /// The body is complete.
    Done,
}

/// Decoder for a chunked body. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    limits: Limits,
    /// Header fields already used by the head, which trailers count against.
    fields_used: usize,
    examined: u64,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    /// A decoder with aiohttp's default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default(), 0)
    }

    /// A decoder with the given limits: chunk-size lines are limited by
    /// `max_line_size`, trailer lines by `max_field_size`, and trailers by
    /// what is left of `max_headers` after `fields_used` head fields.
    pub fn with_limits(limits: Limits, fields_used: usize) -> Self {
        ChunkedDecoder {
            state: State::Size { scanned: 0 },
            limits,
            fields_used,
            examined: 0,
        }
    }

    /// True once the whole body, trailers included, has been decoded.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Bytes of the current chunk still to come, when inside chunk data.
    pub fn chunk_remaining(&self) -> Option<u64> {
        match self.state {
            State::Data { remaining, .. } => Some(remaining),
            _ => None,
        }
    }

    /// How many input bytes the decoder has looked at in all (a measure of
    /// its work, which stays linear in the input however it is split).
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }

    /// Decodes from the front of `buf`, removing what it consumed. An
    /// error's offset is the position in `buf` where the fault lies.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<ChunkedEvent, Error> {
        loop {
            match &mut self.state {
                State::Size { scanned } => {
                    let Some(found) = memchr(b'\n', &buf[*scanned..]) else {
                        self.examined += (buf.len() - *scanned) as u64;
                        *scanned = buf.len();
                        // Room for the CR of the line ending.
                        if buf.len() > self.limits.max_line_size + 1 {
                            return Err(Error::at(
                                ErrorKind::ChunkLineTooLong {
                                    limit: self.limits.max_line_size,
                                },
                                0,
                            ));
                        }
                        return Ok(ChunkedEvent::NeedData);
                    };
                    let newline = *scanned + found;
                    self.examined += found as u64 + 1;
                    if newline > self.limits.max_line_size + 1 {
                        return Err(Error::at(
                            ErrorKind::ChunkLineTooLong {
                                limit: self.limits.max_line_size,
                            },
                            0,
                        ));
                    }
                    let size = parse_size_line(&buf[..newline])?;
                    let _ = buf.split_to(newline + 1);
                    self.state = if size == 0 {
                        State::Trailers(BlockScanner::trailers())
                    } else {
                        State::Data {
                            remaining: size,
                            start: true,
                        }
                    };
                }
                State::Data { remaining, start } => {
                    if buf.is_empty() {
                        return Ok(ChunkedEvent::NeedData);
                    }
                    let n = (*remaining).min(buf.len() as u64) as usize;
                    let bytes = buf.split_to(n).freeze();
                    *remaining -= n as u64;
                    let chunk_start = std::mem::replace(start, false);
                    let chunk_end = *remaining == 0;
                    if chunk_end {
                        self.state = State::DataEnd;
                    }
                    return Ok(ChunkedEvent::Data {
                        bytes,
                        chunk_start,
                        chunk_end,
                    });
                }
                State::DataEnd => {
                    match buf.get(..2) {
                        Some(b"\r\n") => {}
                        Some(_) => return Err(Error::at(ErrorKind::MissingChunkCrlf, 0)),
                        None if buf.first().is_some_and(|&b| b != b'\r') => {
                            return Err(Error::at(ErrorKind::MissingChunkCrlf, 0))
                        }
                        None => return Ok(ChunkedEvent::NeedData),
                    }
                    self.examined += 2;
                    let _ = buf.split_to(2);
                    self.state = State::Size { scanned: 0 };
                }
                State::Trailers(scanner) => {
                    let budget = self.limits.max_headers.saturating_sub(self.fields_used);
                    let limits = BlockLimits {
                        start_line: None,
                        field: self.limits.max_field_size,
                        max_fields: budget,
                        max_fields_reported: self.limits.max_headers,
                    };
                    let end = match scanner.scan(buf, &limits, &mut self.examined) {
                        Ok(Some(end)) => end,
                        Ok(None) => return Ok(ChunkedEvent::NeedData),
                        Err((kind, at)) => return Err(Error::at(kind, at as u64)),
                    };
                    let block = buf.split_to(end.len);
                    if end.fields == 0 {
                        self.state = State::Done;
                        return Ok(ChunkedEvent::End);
                    }
                    let trailers = crate::h1::head::parse_trailer_block(&block, &self.limits)
                        .map_err(|kind| Error::at(kind, 0))?;
                    self.state = State::TrailersDone;
                    return Ok(ChunkedEvent::Trailers(trailers));
                }
                State::TrailersDone => {
                    self.state = State::Done;
                    return Ok(ChunkedEvent::End);
                }
                State::Done => return Ok(ChunkedEvent::End),
            }
        }
    }
}

/// Parses `chunk-size [ BWS ] [ ; chunk-ext ] CR` (the LF already cut off).
/// Extensions are skipped, but must not hold control bytes.
fn parse_size_line(line: &[u8]) -> Result<u64, Error> {
    let Some(line) = line.strip_suffix(b"\r") else {
        return Err(Error::at(ErrorKind::InvalidChunkSize, line.len() as u64));
    };
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(Error::at(ErrorKind::InvalidChunkSize, 0));
    }
    let mut size: u64 = 0;
    for (i, &b) in line[..digits].iter().enumerate() {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => b - b'A' + 10,
        };
        size = size
            .checked_mul(16)
            .map(|s| s + u64::from(digit))
            .ok_or(Error::at(ErrorKind::ChunkSizeTooLarge, i as u64))?;
    }
    let rest = &line[digits..];
    let after_ws = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match rest.get(after_ws) {
        None => Ok(size),
        Some(b';') => {
            let ext = &rest[after_ws..];
            match ext
                .iter()
                .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
            {
                Some(bad) => Err(Error::at(
                    ErrorKind::InvalidChunkSize,
                    (digits + after_ws + bad) as u64,
                )),
                None => Ok(size),
            }
        }
        Some(_) => Err(Error::at(
            ErrorKind::InvalidChunkSize,
            (digits + after_ws) as u64,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_lines() {
        assert_eq!(parse_size_line(b"0\r"), Ok(0));
        assert_eq!(parse_size_line(b"fF\r"), Ok(255));
        assert_eq!(parse_size_line(b"0010\r"), Ok(16));
        assert_eq!(parse_size_line(b"5 ;a=b;c=\"d e\"\r"), Ok(5));
        assert_eq!(parse_size_line(b"5 \r"), Ok(5));
        assert_eq!(parse_size_line(b"ffffffffffffffff\r"), Ok(u64::MAX));
        assert_eq!(
            parse_size_line(b"10000000000000000\r").unwrap_err().kind(),
            &ErrorKind::ChunkSizeTooLarge
        );
        for bad in [
            &b"\r"[..],
            b"zz\r",
            b"-1\r",
            b"0x10\r",
            b"5",
            b" 5\r",
            b"5;\x01\r",
        ] {
            assert_eq!(
                parse_size_line(bad).unwrap_err().kind(),
                &ErrorKind::InvalidChunkSize,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn encodes_sizes_in_lower_hex() {
        let mut out = BytesMut::new();
        encode_chunk_size(0, &mut out);
        encode_chunk_size(0xabc, &mut out);
        encode_chunk_size(u64::MAX, &mut out);
        assert_eq!(&out[..], b"0\r\nabc\r\nffffffffffffffff\r\n");
    }

    #[test]
    fn trailers_refuse_injection() {
        let mut out = BytesMut::from(&b"kept"[..]);
        let err = encode_last_chunk_with_trailers([("X", "a\r\nB: c")], &mut out).unwrap_err();
        assert!(err.is_encode());
        assert_eq!(&out[..], b"kept");
        encode_last_chunk_with_trailers([("X-Sum", "abc")], &mut out).unwrap();
        assert_eq!(&out[..], b"kept0\r\nX-Sum: abc\r\n\r\n");
    }
}
