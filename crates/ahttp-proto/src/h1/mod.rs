//! A sans-IO HTTP/1.1 client connection, in the style of Python's h11.
//!
//! [`ClientConnection`] writes requests into a caller's [`BytesMut`] and
//! reads responses from another one, yielding [`Event`]s. It performs no IO
//! and reads no clock: the caller moves bytes between the buffers and a
//! socket, and passes the time in where it matters (`Expect: 100-continue`).
//!
//! One exchange looks like this:
//!
//! ```
//! use ahttp_proto::h1::{ClientConnection, Event, RequestHead};
//! use bytes::BytesMut;
//! use http::{Method, Version};
//! use std::time::Instant;
//!
//! let mut conn = ClientConnection::new();
//! let mut out = BytesMut::new();
//! let head = RequestHead::new(
//!     &Method::POST,
//!     "/echo",
//!     Version::HTTP_11,
//!     [("Host", "example.com"), ("Content-Length", "5")],
//! );
//! conn.send_request(head, Instant::now(), &mut out).unwrap();
//! conn.send_body(b"hello", &mut out).unwrap();
//! conn.send_end(&mut out).unwrap();
//! assert!(out.starts_with(b"POST /echo HTTP/1.1\r\nHost: example.com\r\n"));
//!
//! // ... `out` goes to the socket; what the socket returns goes into `buf`:
//! let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..]);
//! let Event::Response(head) = conn.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!(head.status(), 200);
//! let Event::Data(data) = conn.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!(&data.bytes[..], b"hi");
//! assert_eq!(conn.decode(&mut buf).unwrap(), Event::EndOfMessage);
//! assert!(conn.is_reusable());
//! conn.reset().unwrap(); // ready for the next request
//! ```
//!
//! Body framing follows RFC 9112 section 6 exactly (see [`Event`]); limits
//! default to aiohttp's (see [`Limits`]).

mod encode;
pub(crate) mod head;
pub(crate) mod headers;
pub(crate) mod scan;
mod strict_head;

pub use headers::Headers;

use crate::chunked::{ChunkedDecoder, ChunkedEvent};
use crate::{Error, ErrorKind, Result};
use bytes::{Bytes, BytesMut};
use encode::{BodyFraming, RequestInfo};
use head::HeadParser;
use http::{Method, StatusCode, Version};
use std::time::{Duration, Instant};

pub(crate) use encode::write_field;

/// A header field to send: implemented for `(name, value)` pairs and
/// references to them, with names and values as anything byte-like
/// (`&str`, `String`, `Vec<u8>`, `HeaderName`/`HeaderValue`, ...).
pub trait Field {
    /// The name, sent in the case given.
    fn name(&self) -> &[u8];
    /// The value.
    fn value(&self) -> &[u8];
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Field for (N, V) {
    fn name(&self) -> &[u8] {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Field for &(N, V) {
    fn name(&self) -> &[u8] {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

/// Size limits on a response head and trailers, with aiohttp's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest status line (and chunk-size line), without its line ending.
    /// Default 8190.
    pub max_line_size: usize,
    /// Longest header or trailer field, name plus value. Default 8190.
    pub max_field_size: usize,
    /// Most header fields and trailer fields together. Default 128.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_size: 8190,
            max_field_size: 8190,
            max_headers: 128,
        }
    }
}

/// Settings of a [`ClientConnection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Head and trailer limits.
    pub limits: Limits,
    /// How long to hold a request body after `Expect: 100-continue` when no
    /// answer comes; after that the body is sent anyway (as curl does).
    /// `None` waits for the server indefinitely. Default 1 s.
    pub expect_continue_timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            expect_continue_timeout: Some(Duration::from_secs(1)),
        }
    }
}

/// A request head to send: the method, target, version and header fields
/// in the order and case they should go on the wire.
///
/// `headers` is anything that yields [`Field`]s: an array of
/// `(&str, &str)`, a `&Vec<(String, Vec<u8>)>`, or a `&http::HeaderMap`. Framing comes from the fields: `Content-Length`,
/// `Transfer-Encoding: chunked`, or neither for no body.
#[derive(Debug, Clone)]
pub struct RequestHead<'a, H> {
    /// The method.
    pub method: &'a Method,
    /// The request target: origin form (`/path?query`), absolute form for
    /// proxies, or authority form for CONNECT.
    pub target: &'a str,
    /// HTTP/1.1 or HTTP/1.0.
    pub version: Version,
    /// The header fields.
    pub headers: H,
}

impl<'a, H> RequestHead<'a, H> {
    /// A request head.
    pub fn new(method: &'a Method, target: &'a str, version: Version, headers: H) -> Self {
        RequestHead {
            method,
            target,
            version,
            headers,
        }
    }
}

/// A response head: status line and header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    version: Version,
    status: StatusCode,
    reason: (u32, u32),
    headers: Headers,
}

impl ResponseHead {
    /// HTTP/1.0 or HTTP/1.1 (an `HTTP/1.x` answer with a higher minor
    /// version is refused by the parser).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason phrase as received (it may hold non-ASCII bytes).
    pub fn reason(&self) -> &[u8] {
        self.headers.block_slice(self.reason)
    }

    /// The reason phrase as text, with invalid UTF-8 replaced.
    pub fn reason_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.reason())
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The server's idle-connection hint, `Keep-Alive: timeout=N`.
    pub fn keep_alive_timeout(&self) -> Option<Duration> {
        let value = self.headers.get("keep-alive")?;
        value.split(|&b| b == b',').find_map(|param| {
            let param = std::str::from_utf8(param).ok()?.trim();
            let (key, secs) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("timeout")
                .then(|| secs.trim().parse().ok().map(Duration::from_secs))?
        })
    }
}

/// Parses one response head from the front of `buf` on its own, without a
/// connection: for callers that only need a head (a proxy's answer to
/// CONNECT, a test). Returns `None` until the head is complete; a complete
/// head is removed from `buf`. Each call re-scans `buf` from its start, so
/// feed a [`ClientConnection`] instead where input arrives in many pieces.
///
/// ```
/// use ahttp_proto::h1::{parse_response_head, Limits};
/// use bytes::BytesMut;
///
/// let mut buf = BytesMut::from(&b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"[..]);
/// let head = parse_response_head(&mut buf, &Limits::default()).unwrap().unwrap();
/// assert_eq!(head.status(), 407);
/// assert_eq!(head.headers().get("proxy-authenticate"), Some(&b"Basic"[..]));
/// assert!(buf.is_empty());
/// ```
pub fn parse_response_head(buf: &mut BytesMut, limits: &Limits) -> Result<Option<ResponseHead>> {
    let mut examined = 0;
    HeadParser::default().parse(buf, limits, &mut examined)
}

/// A piece of response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    /// The bytes, split off the read buffer (no copy).
    pub bytes: Bytes,
    /// In a chunked body: these bytes begin a chunk.
    pub chunk_start: bool,
    /// In a chunked body: these bytes end a chunk.
    pub chunk_end: bool,
}

/// What [`ClientConnection::decode`] found.
///
/// A response is `Informational*` then `Response`, `Data*`, `Trailers?`,
/// `EndOfMessage`; or `Informational*` then `Upgrade`, after which the
/// bytes left in the read buffer belong to the new protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A 1xx response other than 101; any number may precede the final one.
    Informational(ResponseHead),
    /// The final response head.
    Response(ResponseHead),
    /// `101 Switching Protocols` to a request that asked to upgrade, or a
    /// 2xx answer to CONNECT. HTTP is over on this connection: the bytes
    /// left in the read buffer (and all that follow) are the new protocol's.
    Upgrade(ResponseHead),
    /// Body bytes.
    Data(Data),
    /// The trailer section of a chunked body.
    Trailers(Headers),
    /// The response is complete.
    EndOfMessage,
    /// The peer closed the connection where that is allowed: between
    /// responses, or after a close-delimited body (which then ends with
    /// `EndOfMessage` first).
    Closed,
    /// More bytes are needed.
    NeedData,
}

/// Whether the request body may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyState {
    /// No request is in progress, or its body is complete.
    Idle,
    /// Body bytes may be sent.
    Ready,
    /// `Expect: 100-continue` was sent; hold the body until the server
    /// answers or [`ClientConnection::poll_timeout`]'s deadline passes.
    AwaitingContinue,
    /// The server answered with a final status before `100 Continue`: do not
    /// send the body. The connection cannot be reused.
    Refused,
}

#[derive(Debug, Clone)]
enum Send {
    Idle,
    Body {
        framing: BodyFraming,
        sent: u64,
    },
    AwaitContinue {
        framing: BodyFraming,
        deadline: Option<Instant>,
    },
    Refused,
    Done,
}

#[derive(Debug, Clone)]
enum Recv {
    /// No request outstanding.
    Idle,
    Head(HeadParser),
    Length {
        remaining: u64,
    },
    Chunked(ChunkedDecoder),
    UntilClose,
    /// The body was complete; `EndOfMessage` is due.
    BodyDone,
    Done,
    Upgraded,
    Closed,
    Failed(Error),
}

/// One HTTP/1.1 client connection's protocol state. See the
/// [module documentation](self).
#[derive(Debug, Clone)]
pub struct ClientConnection {
    config: Config,
    send: Send,
    recv: Recv,
    request: Option<RequestInfo>,
    read_until_eof: bool,
    eof: bool,
    /// The exchange forbids reuse (response, request or framing said so).
    must_close: bool,
    /// Header fields in the final head, which trailers count against.
    head_fields: usize,
    /// Bytes removed from read buffers so far: the stream offset of `buf[0]`.
    consumed: u64,
    examined: u64,
}

impl Default for ClientConnection {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientConnection {
    /// A connection with the default [`Config`].
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// A connection with the given settings.
    pub fn with_config(config: Config) -> Self {
        ClientConnection {
            config,
            send: Send::Idle,
            recv: Recv::Idle,
            request: None,
            read_until_eof: true,
            eof: false,
            must_close: false,
            head_fields: 0,
            consumed: 0,
            examined: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// aiohttp's `read_until_eof` for the current request: when false, a
    /// response with neither Content-Length nor chunked framing has an
    /// empty body instead of one that lasts until the connection closes
    /// (and the connection is then not reused). Reset to true by
    /// [`reset`](Self::reset).
    pub fn set_read_until_eof(&mut self, read_until_eof: bool) {
        self.read_until_eof = read_until_eof;
    }

    // ------------------------------------------------------------------
    // Sending
    // ------------------------------------------------------------------

    /// Writes a request head into `out`. `now` starts the
    /// `Expect: 100-continue` wait when the head asks for one. Refuses CR,
    /// LF and NUL anywhere, non-token methods and names, whitespace in the
    /// target, and contradictory framing; on error nothing is written.
    pub fn send_request<H>(
        &mut self,
        head: RequestHead<'_, H>,
        now: Instant,
        out: &mut BytesMut,
    ) -> Result<()>
    where
        H: IntoIterator,
        H::Item: Field,
    {
        if !matches!(self.send, Send::Idle) || !matches!(self.recv, Recv::Idle) {
            return Err(Error::new(ErrorKind::InvalidState(
                "a request is already in progress; reset() after the response",
            )));
        }
        let info = encode::encode_head(head, out)?;
        self.send = match info.framing {
            BodyFraming::None if info.expect_continue => Send::Done,
            framing if info.expect_continue => Send::AwaitContinue {
                framing,
                deadline: self.config.expect_continue_timeout.map(|t| now + t),
            },
            BodyFraming::None => Send::Done,
            framing => Send::Body { framing, sent: 0 },
        };
        self.must_close = info.close;
        self.request = Some(info);
        self.recv = Recv::Head(HeadParser::default());
        Ok(())
    }

    /// Whether the body may be sent now (see [`BodyState`]).
    pub fn body_state(&self) -> BodyState {
        match self.send {
            Send::Idle | Send::Done => BodyState::Idle,
            Send::Body { .. } => BodyState::Ready,
            Send::AwaitContinue { .. } => BodyState::AwaitingContinue,
            Send::Refused => BodyState::Refused,
        }
    }

    fn body_framing(&mut self) -> Result<(&mut u64, BodyFraming)> {
        match &mut self.send {
            Send::Body { framing, sent } => Ok((sent, *framing)),
            Send::AwaitContinue { .. } => Err(Error::new(ErrorKind::InvalidState(
                "the body is held until the server answers Expect: 100-continue",
            ))),
            Send::Refused => Err(Error::new(ErrorKind::InvalidState(
                "the server answered before 100 Continue; the body must not be sent",
            ))),
            Send::Idle | Send::Done => Err(Error::new(ErrorKind::InvalidState(
                "no request body is in progress",
            ))),
        }
    }

    /// Writes body bytes, framed as the head declared (a chunk for a
    /// chunked body). Refuses bytes beyond a declared Content-Length.
    pub fn send_body(&mut self, data: &[u8], out: &mut BytesMut) -> Result<()> {
        if let Some(suffix) = self.send_body_prefix(data.len() as u64, out)? {
            out.extend_from_slice(data);
            out.extend_from_slice(suffix);
        }
        Ok(())
    }

    /// For a vectored write of `len` body bytes the caller holds: writes
    /// the framing that goes before them into `out` and returns what must
    /// follow them (`b"\r\n"` for a chunk, empty otherwise), or `None` when
    /// `len` is 0 and nothing at all should be written.
    pub fn send_body_prefix(
        &mut self,
        len: u64,
        out: &mut BytesMut,
    ) -> Result<Option<&'static [u8]>> {
        let (sent, framing) = self.body_framing()?;
        if len == 0 {
            return Ok(None);
        }
        match framing {
            BodyFraming::Length(declared) => {
                let attempted = *sent + len;
                if attempted > declared {
                    return Err(Error::new(ErrorKind::BodyTooLong {
                        declared,
                        attempted,
                    }));
                }
                *sent = attempted;
                Ok(Some(b""))
            }
            BodyFraming::Chunked => {
                *sent += len;
                crate::chunked::encode_chunk_size(len, out);
                Ok(Some(b"\r\n"))
            }
            BodyFraming::None => Err(Error::new(ErrorKind::BodyTooLong {
                declared: 0,
                attempted: len,
            })),
        }
    }

    /// Ends the request body: the last chunk for a chunked body; for a
    /// Content-Length body, an error if fewer bytes were sent.
    pub fn send_end(&mut self, out: &mut BytesMut) -> Result<()> {
        self.send_end_with_trailers(std::iter::empty::<(&[u8], &[u8])>(), out)
    }

    /// Ends a chunked request body with trailer fields (checked as headers
    /// are). Trailers on a body that is not chunked are refused.
    pub fn send_end_with_trailers<I>(&mut self, trailers: I, out: &mut BytesMut) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Field,
    {
        let (sent, framing) = self.body_framing()?;
        let sent = *sent;
        let mut trailers = trailers.into_iter().peekable();
        match framing {
            BodyFraming::Chunked => {
                crate::chunked::encode_last_chunk_with_trailers(trailers, out)?;
            }
            _ if trailers.peek().is_some() => {
                return Err(Error::new(ErrorKind::InvalidRequestFraming(
                    "trailers need a chunked body",
                )))
            }
            BodyFraming::Length(declared) if sent < declared => {
                return Err(Error::new(ErrorKind::BodyTooShort { declared, sent }))
            }
            _ => {}
        }
        self.send = Send::Done;
        Ok(())
    }

    // ------------------------------------------------------------------
    // Time
    // ------------------------------------------------------------------

    /// When the connection next needs [`handle_timeout`](Self::handle_timeout):
    /// the end of the `Expect: 100-continue` wait, if one is running.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.send {
            Send::AwaitContinue { deadline, .. } => deadline,
            _ => None,
        }
    }

    /// Tells the connection the time is `now`. When the 100-continue wait
    /// has expired the body becomes [`BodyState::Ready`].
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Send::AwaitContinue {
            framing,
            deadline: Some(deadline),
        } = self.send
        {
            if now >= deadline {
                self.send = Send::Body { framing, sent: 0 };
            }
        }
    }

    // ------------------------------------------------------------------
    // Receiving
    // ------------------------------------------------------------------

    /// Tells the connection that the peer closed its side: no bytes will
    /// follow what is already in the read buffer.
    pub fn receive_eof(&mut self) {
        self.eof = true;
    }

    /// Decodes the next event from the front of `buf`, removing the bytes
    /// it used. Body data is split off `buf` without copying. Returns
    /// [`Event::NeedData`] when `buf` holds no complete event; read more
    /// into `buf` (or call [`receive_eof`](Self::receive_eof)) and call
    /// again. After an error the connection is unusable and every further
    /// call returns the same error.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Event> {
        self.decode_inner(buf).inspect_err(|e| {
            self.recv = Recv::Failed(e.clone());
            self.must_close = true;
        })
    }

    /// An error at `at_in_buf`, an offset into the read buffer as it is now.
    fn fail(&self, kind: ErrorKind, at_in_buf: usize) -> Error {
        Error::at(kind, self.consumed + at_in_buf as u64)
    }

    /// Removes `n` bytes from the front of `buf` as body data.
    fn take(&mut self, buf: &mut BytesMut, n: usize) -> Bytes {
        self.consumed += n as u64;
        buf.split_to(n).freeze()
    }

    fn decode_inner(&mut self, buf: &mut BytesMut) -> Result<Event> {
        loop {
            match &mut self.recv {
                Recv::Idle => {
                    return if !buf.is_empty() {
                        Err(self.fail(ErrorKind::UnexpectedData, 0))
                    } else if self.eof {
                        self.recv = Recv::Closed;
                        Ok(Event::Closed)
                    } else {
                        Ok(Event::NeedData)
                    };
                }
                Recv::Head(parser) => {
                    let limits = self.config.limits;
                    let before = buf.len();
                    let parsed = match parser.parse(buf, &limits, &mut self.examined) {
                        Ok(parsed) => parsed,
                        Err(e) => {
                            let at = e.offset().unwrap_or(0) as usize;
                            return Err(self.fail(e.kind().clone(), at));
                        }
                    };
                    match parsed {
                        Some(head) => {
                            // Errors about the head point at its start.
                            let head_at = self.consumed;
                            self.consumed += (before - buf.len()) as u64;
                            return self.on_head(head).map_err(|kind| Error::at(kind, head_at));
                        }
                        None if self.eof => {
                            // Nothing of a head is consumed before it is
                            // complete, so an empty buffer means no byte came.
                            let kind = if buf.is_empty() {
                                ErrorKind::EmptyResponse
                            } else {
                                ErrorKind::IncompleteHead
                            };
                            return Err(self.fail(kind, buf.len()));
                        }
                        None => return Ok(Event::NeedData),
                    }
                }
                Recv::Length { remaining } => {
                    if buf.is_empty() {
                        return if self.eof {
                            let missing = Some(*remaining);
                            Err(self.fail(ErrorKind::IncompleteBody { missing }, 0))
                        } else {
                            Ok(Event::NeedData)
                        };
                    }
                    let n = (*remaining).min(buf.len() as u64) as usize;
                    *remaining -= n as u64;
                    if *remaining == 0 {
                        self.recv = Recv::BodyDone;
                    }
                    return Ok(Event::Data(Data {
                        bytes: self.take(buf, n),
                        chunk_start: false,
                        chunk_end: false,
                    }));
                }
                Recv::Chunked(decoder) => {
                    let examined_before = decoder.bytes_examined();
                    let before = buf.len();
                    let event = decoder.decode(buf);
                    self.examined += decoder.bytes_examined() - examined_before;
                    self.consumed += (before - buf.len()) as u64;
                    match event {
                        Ok(ChunkedEvent::Data {
                            bytes,
                            chunk_start,
                            chunk_end,
                        }) => {
                            return Ok(Event::Data(Data {
                                bytes,
                                chunk_start,
                                chunk_end,
                            }))
                        }
                        Ok(ChunkedEvent::Trailers(trailers)) => {
                            return Ok(Event::Trailers(trailers))
                        }
                        Ok(ChunkedEvent::End) => self.recv = Recv::BodyDone,
                        Ok(ChunkedEvent::NeedData) if self.eof => {
                            let missing = decoder.chunk_remaining();
                            return Err(self.fail(ErrorKind::IncompleteBody { missing }, buf.len()));
                        }
                        Ok(ChunkedEvent::NeedData) => return Ok(Event::NeedData),
                        Err(e) => {
                            let at = e.offset().unwrap_or(0) as usize;
                            return Err(self.fail(e.kind().clone(), at));
                        }
                    }
                }
                Recv::UntilClose => {
                    if !buf.is_empty() {
                        let bytes = self.take(buf, buf.len());
                        return Ok(Event::Data(Data {
                            bytes,
                            chunk_start: false,
                            chunk_end: false,
                        }));
                    }
                    if !self.eof {
                        return Ok(Event::NeedData);
                    }
                    self.recv = Recv::BodyDone;
                }
                Recv::BodyDone => {
                    self.recv = Recv::Done;
                    return Ok(Event::EndOfMessage);
                }
                Recv::Done | Recv::Closed => {
                    return if self.eof && buf.is_empty() {
                        self.recv = Recv::Closed;
                        Ok(Event::Closed)
                    } else {
                        Ok(Event::NeedData)
                    };
                }
                Recv::Upgraded => {
                    return Err(Error::new(ErrorKind::InvalidState(
                        "the connection switched protocols; its bytes are no longer HTTP",
                    )))
                }
                Recv::Failed(e) => return Err(e.clone()),
            }
        }
    }

    /// Classifies a complete head and sets up body framing (RFC 9112 6.3).
    fn on_head(&mut self, head: ResponseHead) -> std::result::Result<Event, ErrorKind> {
        let status = head.status.as_u16();
        let Some(request) = self.request else {
            return Err(ErrorKind::UnexpectedData);
        };
        if (100..200).contains(&status) && status != 101 {
            if let Send::AwaitContinue { framing, .. } = self.send {
                if status == 100 {
                    self.send = Send::Body { framing, sent: 0 };
                }
            }
            self.recv = Recv::Head(HeadParser::default());
            return Ok(Event::Informational(head));
        }
        // A final answer before 100 Continue: the body is not sent, and the
        // server may still be waiting for it, so the connection cannot be
        // reused.
        if matches!(self.send, Send::AwaitContinue { .. }) {
            self.send = Send::Refused;
            self.must_close = true;
        }
        let switches = status == 101 || (request.connect && (200..300).contains(&status));
        if switches {
            if status == 101 && !request.upgrade {
                return Err(ErrorKind::UnexpectedUpgrade);
            }
            self.recv = Recv::Upgraded;
            self.must_close = true;
            return Ok(Event::Upgrade(head));
        }

        let framing = ResponseFraming::of(&head)?;
        self.head_fields = head.headers.len();
        if !framing.keep_alive {
            self.must_close = true;
        }
        let no_body = request.head || status == 204 || status == 304;
        self.recv = if no_body {
            Recv::BodyDone
        } else if framing.chunked {
            Recv::Chunked(ChunkedDecoder::with_limits(
                self.config.limits,
                self.head_fields,
            ))
        } else if framing.close_delimited {
            self.must_close = true;
            if self.read_until_eof {
                Recv::UntilClose
            } else {
                Recv::BodyDone
            }
        } else {
            match framing.content_length {
                Some(0) => Recv::BodyDone,
                Some(n) => Recv::Length { remaining: n },
                None => Recv::BodyDone,
            }
        };
        Ok(Event::Response(head))
    }

    // ------------------------------------------------------------------
    // Keep-alive
    // ------------------------------------------------------------------

    /// True when both messages are complete and nothing forbids reusing the
    /// connection: HTTP/1.1 (or 1.0 with keep-alive) on both sides, no
    /// `Connection: close`, a body framed by length or chunks, no error, no
    /// refused 100-continue, and the response read to its end.
    pub fn is_reusable(&self) -> bool {
        matches!(self.send, Send::Done)
            && matches!(self.recv, Recv::Done)
            && !self.must_close
            && !self.eof
    }

    /// Readies the connection for the next request. Only allowed when
    /// [`is_reusable`](Self::is_reusable) is true.
    pub fn reset(&mut self) -> Result<()> {
        if !self.is_reusable() {
            return Err(Error::new(ErrorKind::InvalidState(
                "the connection cannot be reused",
            )));
        }
        self.send = Send::Idle;
        self.recv = Recv::Idle;
        self.request = None;
        self.read_until_eof = true;
        self.head_fields = 0;
        Ok(())
    }

    /// True while a response is being received (a request was sent and its
    /// response has not ended).
    pub fn is_receiving(&self) -> bool {
        !matches!(
            self.recv,
            Recv::Idle | Recv::Done | Recv::Closed | Recv::Upgraded | Recv::Failed(_)
        )
    }

    /// How many received bytes have been consumed from read buffers.
    pub fn bytes_consumed(&self) -> u64 {
        self.consumed
    }

    /// How many received bytes the parsers have looked at in all, counting
    /// a byte again each time it is looked at again. It stays within a
    /// small multiple of [`bytes_consumed`](Self::bytes_consumed) however
    /// the input is split: the measure of linear work the tests check.
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }
}

/// What a final response's fields say about its body and the connection.
struct ResponseFraming {
    chunked: bool,
    close_delimited: bool,
    content_length: Option<u64>,
    keep_alive: bool,
}

impl ResponseFraming {
    fn of(head: &ResponseHead) -> std::result::Result<Self, ErrorKind> {
        let mut content_length: Option<u64> = None;
        let mut te_present = false;
        let mut te_last: Option<bool> = None;
        let mut te_codings = 0usize;
        let mut close = false;
        let mut keep_alive = false;
        for (name, value) in head.headers.iter_raw() {
            // One length compare rules out nearly every other field.
            match name.len() {
                14 if name.eq_ignore_ascii_case(b"content-length") => {
                    for item in value.split(|&b| b == b',') {
                        let n = parse_decimal(item).ok_or(ErrorKind::InvalidContentLength)?;
                        if content_length.is_some_and(|old| old != n) {
                            return Err(ErrorKind::ConflictingContentLength);
                        }
                        content_length = Some(n);
                    }
                }
                17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                    te_present = true;
                    for item in value.split(|&b| b == b',') {
                        let item = item.trim_ascii();
                        if !item.is_empty() {
                            te_codings += 1;
                            te_last = Some(item.eq_ignore_ascii_case(b"chunked"));
                        }
                    }
                }
                10 if name.eq_ignore_ascii_case(b"connection") => {
                    for token in value.split(|&b| b == b',') {
                        let token = token.trim_ascii();
                        close |= token.eq_ignore_ascii_case(b"close");
                        keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                    }
                }
                _ => {}
            }
        }
        if te_present && te_last.is_none() {
            // A Transfer-Encoding field that names no coding at all.
            return Err(ErrorKind::UnsupportedTransferCoding);
        }
        let mut keep_alive = match head.version {
            Version::HTTP_10 => keep_alive && !close,
            _ => !close,
        };
        let (chunked, close_delimited) = match te_last {
            Some(true) if te_codings > 1 => return Err(ErrorKind::UnsupportedTransferCoding),
            Some(true) => (true, false),
            // Transfer-Encoding without chunked last: read until close.
            Some(false) => (false, true),
            None => (false, content_length.is_none()),
        };
        // Both framings at once, or chunked on HTTP/1.0, hint at smuggling
        // (RFC 9112 6.1, 6.3): decode by Transfer-Encoding, then close.
        if te_present && (content_length.is_some() || head.version == Version::HTTP_10) {
            keep_alive = false;
        }
        Ok(ResponseFraming {
            chunked,
            close_delimited,
            content_length: if te_present { None } else { content_length },
            keep_alive,
        })
    }
}

fn parse_decimal(item: &[u8]) -> Option<u64> {
    let item = item.trim_ascii();
    if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
        return None;
    }
    item.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}
