//! The Server-Sent Events decoder (`text/event-stream`), following the
//! WHATWG HTML standard's "event stream interpretation" to the letter.
//!
//! [`SseDecoder`] is a state machine over a caller-owned [`BytesMut`]: the
//! caller appends what it reads from the response body and calls
//! [`SseDecoder::decode`] until it returns `Ok(None)`; each call hands out at
//! most one [`SseEvent`] and removes the lines it used from the front of the
//! buffer. An unfinished line stays in the buffer, and the decoder remembers
//! how far it has looked, so input split at any byte gives the same events
//! and every byte is scanned once however the input arrives.
//!
//! What the standard asks, and this decoder does:
//!
//! - The stream is UTF-8, decoded with replacement (U+FFFD for each invalid
//!   sequence); one leading byte order mark is dropped. Lines are decoded
//!   once complete, so a character split between reads is decoded whole.
//! - Lines end in CRLF, LF or CR; a CR that ends one read and an LF that
//!   starts the next are one line ending.
//! - A line starting with `:` is a comment. Otherwise the field name runs
//!   to the first `:` (or the whole line, with an empty value) and one
//!   space after the colon is dropped from the value.
//! - `event` sets the event type, `data` appends its value and a line feed
//!   to the data, `id` sets the last event ID unless the value holds NUL,
//!   `retry` sets the reconnection time when the value is ASCII digits only;
//!   other fields are ignored.
//! - A blank line dispatches the event: the last event ID is updated; when
//!   the data is empty nothing is dispatched (the event type is reset all
//!   the same); otherwise one trailing line feed is removed from the data
//!   and the event type defaults to `message`.
//! - At the end of the stream ([`SseDecoder::finish`]) an unfinished event
//!   is discarded.
//!
//! Two limits bound memory: the length of one line in bytes (1 MiB by
//! default, so long lines work, unlike aiohttp's fixed 64 KiB `readline`
//! cap, aiohttp#5603) and the length of one event's data (16 MiB). Going
//! past either is an [`ErrorKind::SseLineTooLong`] error naming that limit;
//! the error is sticky until [`SseDecoder::finish`].
//!
//! ```
//! use ahttp_proto::sse::SseDecoder;
//! use bytes::BytesMut;
//!
//! let mut decoder = SseDecoder::new();
//! let mut buf = BytesMut::from(&b": ticker\nevent: quote\ndata: YHOO\ndata: +2\nid: 7\n\nda"[..]);
//!
//! let event = decoder.decode(&mut buf).unwrap().unwrap();
//! assert_eq!(event.event, "quote");
//! assert_eq!(event.data, "YHOO\n+2");
//! assert_eq!(event.id.as_deref(), Some("7"));
//! assert_eq!(decoder.decode(&mut buf).unwrap(), None); // "da" waits for more
//!
//! buf.extend_from_slice(b"ta: 10\r\n\r\n");
//! let event = decoder.decode(&mut buf).unwrap().unwrap();
//! assert_eq!((event.event.as_str(), event.data.as_str()), ("message", "10"));
//! assert_eq!(event.id.as_deref(), Some("7")); // the last event ID persists
//! assert!(buf.is_empty());
//! decoder.finish().unwrap();
//! ```

use std::sync::Arc;

use crate::{Error, ErrorKind, Result};
use bytes::{Buf, BytesMut};
use memchr::{memchr, memchr2};

/// The default bound on one line, in bytes, line ending excluded (1 MiB).
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// The default bound on one event's data, in bytes of UTF-8 (16 MiB).
pub const DEFAULT_MAX_EVENT: usize = 16 << 20;

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// One dispatched event.
///
/// ```
/// use ahttp_proto::sse::{SseDecoder, SseEvent};
/// use bytes::BytesMut;
///
/// let mut buf = BytesMut::from("retry: 3000\nid: a1\ndata: hi\n\n");
/// let event = SseDecoder::new().decode(&mut buf).unwrap();
/// assert_eq!(
///     event,
///     Some(SseEvent {
///         event: "message".into(),
///         data: "hi".into(),
///         id: Some("a1".into()),
///         retry: Some(3000),
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type: the last `event` field's value, or `message` when
    /// there was none or it was empty.
    pub event: String,
    /// The `data` fields' values joined with line feeds.
    pub data: String,
    /// The last event ID when the event was dispatched, which persists
    /// across events until an `id` field changes it; `None` when it is
    /// empty (never set, or reset by an empty `id` field). Shared, so
    /// handing a long ID to many events copies nothing.
    pub id: Option<Arc<str>>,
    /// The reconnection time in milliseconds set by the stream's latest
    /// valid `retry` field so far, if any.
    pub retry: Option<u64>,
}

/// The event stream decoder. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_line: usize,
    max_event: usize,
    /// Waiting to see whether the stream starts with a byte order mark.
    at_start: bool,
    /// The last line ended in CR: an LF that comes next belongs to it.
    skip_lf: bool,
    /// Bytes at the front of the buffer already known to hold no CR or LF.
    scanned: usize,
    /// Stream offset of the front of the buffer (for error offsets).
    consumed: u64,
    /// Bytes scanned in all, a measure of work.
    examined: u64,
    /// The data buffer: each value followed by a line feed.
    data: String,
    /// The event type buffer.
    event_type: String,
    /// The last event ID buffer (`None` when empty).
    id_buffer: Option<Arc<str>>,
    /// The last event ID string, set from the buffer at each blank line.
    last_event_id: Option<Arc<str>>,
    /// The reconnection time.
    retry: Option<u64>,
    /// The sticky error.
    error: Option<Error>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the default limits ([`DEFAULT_MAX_LINE`],
    /// [`DEFAULT_MAX_EVENT`]).
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use bytes::BytesMut;
    ///
    /// // A 200 KiB line is fine (aiohttp#5603).
    /// let mut buf = BytesMut::new();
    /// buf.extend_from_slice(b"data: ");
    /// buf.extend_from_slice(&[b'x'; 200 * 1024]);
    /// buf.extend_from_slice(b"\n\n");
    /// let event = SseDecoder::new().decode(&mut buf).unwrap().unwrap();
    /// assert_eq!(event.data.len(), 200 * 1024);
    /// ```
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_LINE, DEFAULT_MAX_EVENT)
    }

    /// A decoder that refuses lines longer than `max_line` bytes (line
    /// ending excluded) and events whose data, joined, is longer than
    /// `max_event` bytes of UTF-8. Both errors are
    /// [`ErrorKind::SseLineTooLong`], with the limit that was exceeded.
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use ahttp_proto::ErrorKind;
    /// use bytes::BytesMut;
    ///
    /// let mut decoder = SseDecoder::with_limits(16, 1024);
    /// let mut buf = BytesMut::from("data: ok\n\ndata: this line is too long\n\n");
    /// assert_eq!(decoder.decode(&mut buf).unwrap().unwrap().data, "ok");
    /// let err = decoder.decode(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::SseLineTooLong { limit: 16 });
    /// assert_eq!(err.offset(), Some(10 + 16)); // the first byte past the limit
    /// // The error is sticky.
    /// assert_eq!(decoder.decode(&mut buf).unwrap_err(), err);
    /// ```
    pub fn with_limits(max_line: usize, max_event: usize) -> Self {
        SseDecoder {
            max_line,
            max_event,
            at_start: true,
            skip_lf: false,
            scanned: 0,
            consumed: 0,
            examined: 0,
            data: String::new(),
            event_type: String::new(),
            id_buffer: None,
            last_event_id: None,
            retry: None,
            error: None,
        }
    }

    /// The last event ID: set from the `id` fields at each blank line, and
    /// what a reconnection sends as `Last-Event-ID`. `None` when empty.
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use bytes::BytesMut;
    ///
    /// let mut decoder = SseDecoder::new();
    /// let mut buf = BytesMut::from("id: 41\n\nid: 42\n");
    /// assert_eq!(decoder.decode(&mut buf).unwrap(), None); // no data, no event
    /// assert_eq!(decoder.last_event_id(), Some("41")); // "42" awaits a blank line
    /// ```
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// The reconnection time in milliseconds from the latest valid `retry`
    /// field (ASCII digits only; values past `u64::MAX` saturate), which
    /// takes effect at once, not at the next blank line.
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use bytes::BytesMut;
    ///
    /// let mut decoder = SseDecoder::new();
    /// let mut buf = BytesMut::from("retry: 2500\nretry: 1e3\nretry: -1\n");
    /// assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    /// assert_eq!(decoder.retry(), Some(2500));
    /// ```
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// How many input bytes the decoder has scanned in all (a measure of
    /// its work, which stays linear in the input however it is split).
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }

    /// Decodes from the front of `buf`, removing the lines it used, and
    /// returns the next event, or `Ok(None)` when more input is needed.
    /// Call it again after an event: the buffer may hold more.
    ///
    /// `buf` must keep the bytes an earlier call left in it, with new input
    /// appended. An error's offset counts from the first byte of the
    /// stream; after an error every call returns it again.
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use bytes::BytesMut;
    ///
    /// let mut decoder = SseDecoder::new();
    /// let mut buf = BytesMut::new();
    /// let mut events = Vec::new();
    /// // Pieces as they might come off the socket: a CR ends one piece and
    /// // its LF starts the next; "é" is split between pieces.
    /// for piece in [&b"data: caf\xC3"[..], b"\xA9\r", b"\n\rdata\r\ndata\n\n"] {
    ///     buf.extend_from_slice(piece);
    ///     while let Some(event) = decoder.decode(&mut buf).unwrap() {
    ///         events.push(event.data);
    ///     }
    /// }
    /// assert_eq!(events, ["café", "\n"]);
    /// ```
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<SseEvent>> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        if self.at_start {
            let n = buf.len().min(BOM.len());
            if buf[..n] == BOM[..n] {
                if n < BOM.len() {
                    return Ok(None);
                }
                buf.advance(BOM.len());
                self.consumed += BOM.len() as u64;
                self.examined += BOM.len() as u64;
            }
            self.at_start = false;
        }
        loop {
            if self.skip_lf {
                match buf.first() {
                    None => return Ok(None),
                    Some(b'\n') => {
                        buf.advance(1);
                        self.consumed += 1;
                        self.examined += 1;
                    }
                    Some(_) => {}
                }
                self.skip_lf = false;
            }
            // Defensive: a caller that shrank the buffer gets a rescan, not
            // a panic.
            let from = if self.scanned > buf.len() {
                0
            } else {
                self.scanned
            };
            let Some(found) = memchr2(b'\n', b'\r', &buf[from..]) else {
                self.examined += (buf.len() - from) as u64;
                self.scanned = buf.len();
                if buf.len() > self.max_line {
                    return Err(self.line_too_long());
                }
                return Ok(None);
            };
            let end = from + found;
            self.examined += found as u64 + 1;
            if end > self.max_line {
                return Err(self.line_too_long());
            }
            // The line ending's length: a CR's LF is taken now if it is
            // here, else on the next call.
            let mut ending = 1;
            if buf[end] == b'\r' {
                match buf.get(end + 1) {
                    Some(b'\n') => {
                        ending = 2;
                        self.examined += 1;
                    }
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            let line_start = self.consumed;
            self.scanned = 0;
            let event = self.process_line(&buf[..end], line_start);
            buf.advance(end + ending);
            self.consumed += (end + ending) as u64;
            if let Some(event) = event? {
                return Ok(Some(event));
            }
        }
    }

    /// Ends the stream. An unfinished event (no blank line after it) and an
    /// unfinished line are discarded, as the standard says; the sticky
    /// error, if any, is returned (once).
    ///
    /// The decoder is then ready for the next stream, as when an
    /// `EventSource` reconnects: the last event ID and reconnection time
    /// are kept (the next stream's events carry that ID until it sends
    /// another, as browsers do), everything else starts afresh, byte order
    /// mark included. Bytes of the old stream left in the caller's buffer
    /// must be dropped by the caller.
    ///
    /// ```
    /// use ahttp_proto::sse::SseDecoder;
    /// use bytes::BytesMut;
    ///
    /// let mut decoder = SseDecoder::new();
    /// let mut buf = BytesMut::from("id: 1\ndata: a\n\ndata: never dispatched\n");
    /// assert_eq!(decoder.decode(&mut buf).unwrap().unwrap().data, "a");
    /// assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    /// decoder.finish().unwrap();
    ///
    /// // Reconnected.
    /// let mut buf = BytesMut::from("data: b\n\n");
    /// let event = decoder.decode(&mut buf).unwrap().unwrap();
    /// assert_eq!((event.data.as_str(), event.id.as_deref()), ("b", Some("1")));
    /// ```
    pub fn finish(&mut self) -> Result<()> {
        let result = match self.error.take() {
            Some(err) => Err(err),
            None => Ok(()),
        };
        self.at_start = true;
        self.skip_lf = false;
        self.scanned = 0;
        self.consumed = 0;
        self.data.clear();
        self.event_type.clear();
        self.id_buffer.clone_from(&self.last_event_id);
        result
    }

    fn line_too_long(&mut self) -> Error {
        self.fail(
            ErrorKind::SseLineTooLong {
                limit: self.max_line,
            },
            self.consumed.saturating_add(self.max_line as u64),
        )
    }

    fn fail(&mut self, kind: ErrorKind, offset: u64) -> Error {
        let err = Error::at(kind, offset);
        self.error = Some(err.clone());
        err
    }

    /// Processes one complete line (its ending cut off).
    fn process_line(&mut self, line: &[u8], line_start: u64) -> Result<Option<SseEvent>> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        // ':' is ASCII, so splitting the bytes before decoding them gives
        // what splitting the decoded characters would.
        let (name, value) = match memchr(b':', line) {
            Some(0) => return Ok(None),
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&String::from_utf8_lossy(value));
            }
            b"data" => {
                let value = String::from_utf8_lossy(value);
                // `data` already ends in a line feed, so this is the length
                // the data would have if this were its last line.
                if self.data.len().saturating_add(value.len()) > self.max_event {
                    return Err(self.fail(
                        ErrorKind::SseLineTooLong {
                            limit: self.max_event,
                        },
                        line_start,
                    ));
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains(&0) => {
                self.id_buffer = if value.is_empty() {
                    None
                } else {
                    Some(Arc::from(String::from_utf8_lossy(value)))
                };
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = Some(value.iter().fold(0u64, |n, &d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                }));
            }
            _ => {}
        }
        Ok(None)
    }

    /// The blank-line step: "dispatch the event".
    fn dispatch(&mut self) -> Option<SseEvent> {
        self.last_event_id.clone_from(&self.id_buffer);
        if self.data.is_empty() {
            self.event_type.clear();
            return None;
        }
        if self.data.ends_with('\n') {
            self.data.pop();
        }
        let event = if self.event_type.is_empty() {
            String::from("message")
        } else {
            std::mem::take(&mut self.event_type)
        };
        Some(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
            retry: self.retry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_at_the_first_colon() {
        let mut dec = SseDecoder::new();
        let mut buf = BytesMut::from("data:a: b\nevent:  x:y\n\n");
        let ev = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(ev.data, "a: b");
        assert_eq!(ev.event, " x:y");
    }
}
