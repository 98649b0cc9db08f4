//! The one error type of ahttp-proto.
//!
//! Every failure is an [`Error`] whose [`ErrorKind`] names what was wrong.
//! Where a position is known, [`Error::offset`] gives it: for received bytes
//! it counts from the first byte this connection received, for encoding it
//! is the index of the offending byte inside the field that was refused.

use std::fmt;

/// What went wrong. Matching on it is the way to tell errors apart; the
/// `is_*` helpers on [`Error`] group the kinds callers usually care about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // ----- encoding a request -----
    /// A byte that is not allowed (CR, LF, NUL, or a non-token byte in a
    /// method or header name) was found in a request field; nothing was
    /// written.
    InvalidRequestByte {
        /// Which part of the request held the byte.
        field: RequestField,
        /// The byte that was refused.
        byte: u8,
    },
    /// The request body would exceed the length its head declared.
    BodyTooLong {
        /// The declared length (0 when the request has no body framing).
        declared: u64,
        /// How many bytes the caller tried to send in total.
        attempted: u64,
    },
    /// The request body ended before the length its head declared.
    BodyTooShort {
        /// The declared length.
        declared: u64,
        /// How many bytes were sent.
        sent: u64,
    },
    /// The request headers ask for a framing that cannot be sent: a
    /// Transfer-Encoding that does not end in `chunked`, chunked on
    /// HTTP/1.0, or a Content-Length that is not a number.
    InvalidRequestFraming(&'static str),
    /// A method was called in a state where it makes no sense (a body
    /// before a head, a second request before the first finished, ...).
    InvalidState(&'static str),

    // ----- decoding a response head -----
    /// The status line is not `HTTP/1.x NNN reason`.
    InvalidStatusLine,
    /// A header line is malformed (bad name, bad value byte, no colon, ...).
    InvalidHeader,
    /// The status line is longer than `max_line_size`.
    StatusLineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A header or trailer field is longer than `max_field_size`.
    HeaderFieldTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// More header plus trailer fields than `max_headers`.
    TooManyHeaders {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A Content-Length value is not a decimal number that fits in 64 bits.
    InvalidContentLength,
    /// Several Content-Length values that are not all equal.
    ConflictingContentLength,
    /// A Transfer-Encoding list that ends in `chunked` but also names other
    /// codings, which this decoder does not undo.
    UnsupportedTransferCoding,
    /// A `101 Switching Protocols` (or a 2xx to CONNECT) arrived for a
    /// request that did not ask to switch.
    UnexpectedUpgrade,
    /// Response bytes arrived while no request was outstanding.
    UnexpectedData,

    // ----- decoding a chunked body -----
    /// A chunk-size line is not hex digits with optional extensions.
    InvalidChunkSize,
    /// A chunk size with more hex digits than fit in 64 bits.
    ChunkSizeTooLarge,
    /// A chunk-size line or trailer line longer than the limit.
    ChunkLineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The CRLF after a chunk's data is missing.
    MissingChunkCrlf,

    // ----- end of stream -----
    /// The connection closed before any byte of a response arrived.
    EmptyResponse,
    /// The connection closed inside a response head.
    IncompleteHead,
    /// The connection closed inside a response body.
    IncompleteBody {
        /// How many bytes were still expected, where the framing says
        /// (Content-Length bodies, and the current chunk of a chunked body).
        missing: Option<u64>,
    },

    // ----- content decoding -----
    /// A compressed body is corrupt or truncated.
    Decompress {
        /// The content coding (`gzip`, `deflate`, `br`, `zstd`).
        coding: &'static str,
        /// What the decompressor reported.
        message: String,
    },
    /// The decoded body would be larger than the configured bound.
    DecodedTooLarge {
        /// The bound that was reached.
        limit: u64,
    },
    /// A Content-Encoding this build cannot decode.
    UnsupportedContentEncoding(String),

    // ----- forms and multipart -----
    /// A multipart boundary that RFC 2046 does not allow.
    InvalidBoundary,
    /// A form field name, filename or content type with bytes that cannot be
    /// written into a part header.
    InvalidFormField(&'static str),
    /// An unknown Content-Transfer-Encoding for a multipart part.
    UnsupportedTransferEncoding(String),
    // ----- WebSocket -----
    /// A frame that breaks RFC 6455 section 5 (reserved bits or opcodes,
    /// a fragmented or over-long control frame, a non-minimal length, a
    /// masked server frame, ...). Close code 1002.
    WsInvalidFrame(&'static str),
    /// Frames in an order RFC 6455 forbids (a continuation with nothing
    /// to continue, a new data frame inside a fragmented message, data
    /// after a close). Close code 1002.
    WsProtocol(&'static str),
    /// Text (or a close reason) that is not UTF-8. Close code 1007.
    WsInvalidUtf8,
    /// A message larger than `max_msg_size`. Close code 1009.
    WsMessageTooBig {
        /// The limit.
        limit: u64,
    },
    /// A close frame with a code RFC 6455 does not allow on the wire.
    /// Close code 1002.
    WsInvalidCloseCode(u16),
    /// The server's answer to the opening handshake is not a valid
    /// WebSocket upgrade.
    WsHandshake(&'static str),
    /// permessage-deflate: a bad negotiation or corrupt compressed data.
    WsDeflate(String),
    /// The connection is closed; nothing more can be sent or received.
    WsClosed,

    // ----- Server-Sent Events -----
    /// A Server-Sent Events line longer than the decoder's limit.
    SseLineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// The part of a request that held a refused byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestField {
    /// The request method.
    Method,
    /// The request target (path and query, or absolute URL).
    Target,
    /// A header or trailer name.
    HeaderName,
    /// A header or trailer value.
    HeaderValue,
}

/// The error of every ahttp-proto operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<u64>,
}

impl Error {
    /// An error of `kind` with no known position.
    pub fn new(kind: ErrorKind) -> Self {
        Error { kind, offset: None }
    }

    /// An error of `kind` at byte `offset`.
    pub fn at(kind: ErrorKind, offset: u64) -> Self {
        Error {
            kind,
            offset: Some(offset),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where it went wrong: for received bytes, the offset from the first
    /// byte the connection received; for a refused request field, the index
    /// of the bad byte inside that field.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// True when the peer sent bytes that break the protocol (a malformed
    /// head, bad framing, a limit exceeded, corrupt compressed data).
    pub fn is_protocol(&self) -> bool {
        !self.is_encode() && !self.is_eof()
    }

    /// True when the connection ended early ([`ErrorKind::EmptyResponse`],
    /// [`ErrorKind::IncompleteHead`], [`ErrorKind::IncompleteBody`]).
    pub fn is_eof(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::EmptyResponse | ErrorKind::IncompleteHead | ErrorKind::IncompleteBody { .. }
        )
    }

    /// True when a limit was exceeded (line, field, header count, chunk
    /// line, decoded size).
    pub fn is_limit(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::StatusLineTooLong { .. }
                | ErrorKind::HeaderFieldTooLong { .. }
                | ErrorKind::TooManyHeaders { .. }
                | ErrorKind::ChunkLineTooLong { .. }
                | ErrorKind::ChunkSizeTooLarge
                | ErrorKind::DecodedTooLarge { .. }
                | ErrorKind::SseLineTooLong { .. }
        )
    }

    /// True when the error was raised while encoding a request or a form:
    /// the caller's input was refused and nothing was written.
    pub fn is_encode(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::InvalidRequestByte { .. }
                | ErrorKind::BodyTooLong { .. }
                | ErrorKind::BodyTooShort { .. }
                | ErrorKind::InvalidRequestFraming(_)
                | ErrorKind::InvalidState(_)
                | ErrorKind::InvalidBoundary
                | ErrorKind::InvalidFormField(_)
                | ErrorKind::UnsupportedTransferEncoding(_)
        )
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            InvalidRequestByte { field, byte } => {
                write!(
                    f,
                    "byte 0x{byte:02x} is not allowed in the request {field:?}"
                )
            }
            BodyTooLong {
                declared,
                attempted,
            } => write!(
                f,
                "request body of at least {attempted} bytes exceeds the declared length {declared}"
            ),
            BodyTooShort { declared, sent } => write!(
                f,
                "request body ended after {sent} of the {declared} declared bytes"
            ),
            InvalidRequestFraming(why) => write!(f, "invalid request framing: {why}"),
            InvalidState(why) => write!(f, "invalid state: {why}"),
            InvalidStatusLine => f.write_str("invalid status line"),
            InvalidHeader => f.write_str("invalid header line"),
            StatusLineTooLong { limit } => {
                write!(f, "status line longer than the limit of {limit} bytes")
            }
            HeaderFieldTooLong { limit } => {
                write!(f, "header field longer than the limit of {limit} bytes")
            }
            TooManyHeaders { limit } => {
                write!(f, "more than {limit} header and trailer fields")
            }
            InvalidContentLength => f.write_str("invalid Content-Length"),
            ConflictingContentLength => f.write_str("conflicting Content-Length values"),
            UnsupportedTransferCoding => f.write_str("unsupported transfer coding before chunked"),
            UnexpectedUpgrade => f.write_str("protocol switch that the request did not ask for"),
            UnexpectedData => f.write_str("response data with no request outstanding"),
            InvalidChunkSize => f.write_str("invalid chunk size line"),
            ChunkSizeTooLarge => f.write_str("chunk size has too many digits"),
            ChunkLineTooLong { limit } => {
                write!(f, "chunk line longer than the limit of {limit} bytes")
            }
            MissingChunkCrlf => f.write_str("missing CRLF after chunk data"),
            EmptyResponse => f.write_str("connection closed before any response byte"),
            IncompleteHead => f.write_str("connection closed inside the response head"),
            IncompleteBody { missing: Some(n) } => {
                write!(f, "connection closed with {n} body bytes missing")
            }
            IncompleteBody { missing: None } => {
                f.write_str("connection closed inside the response body")
            }
            Decompress { coding, message } => {
                write!(f, "cannot decode {coding} content: {message}")
            }
            DecodedTooLarge { limit } => {
                write!(f, "decoded body larger than the limit of {limit} bytes")
            }
            UnsupportedContentEncoding(coding) => {
                write!(f, "unsupported content encoding {coding:?}")
            }
            InvalidBoundary => f.write_str("invalid multipart boundary"),
            InvalidFormField(why) => write!(f, "invalid form field: {why}"),
            UnsupportedTransferEncoding(enc) => {
                write!(f, "unsupported content-transfer-encoding {enc:?}")
            }
            WsInvalidFrame(why) => write!(f, "invalid WebSocket frame: {why}"),
            WsProtocol(why) => write!(f, "WebSocket protocol error: {why}"),
            WsInvalidUtf8 => f.write_str("WebSocket text is not valid UTF-8"),
            WsMessageTooBig { limit } => {
                write!(
                    f,
                    "WebSocket message larger than the limit of {limit} bytes"
                )
            }
            WsInvalidCloseCode(code) => write!(f, "invalid WebSocket close code {code}"),
            WsHandshake(why) => write!(f, "WebSocket handshake failed: {why}"),
            WsDeflate(why) => write!(f, "permessage-deflate error: {why}"),
            WsClosed => f.write_str("the WebSocket is closed"),
            SseLineTooLong { limit } => {
                write!(
                    f,
                    "event-stream line longer than the limit of {limit} bytes"
                )
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(at) => write!(f, "{} (at byte {at})", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
