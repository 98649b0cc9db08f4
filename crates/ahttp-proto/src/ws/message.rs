//! WebSocket messages and the close handshake (RFC 6455 sections 5.4, 5.5,
//! 7 and 8), client side.
//!
//! [`MessageCodec`] turns the bytes a server sends into [`Incoming`]
//! messages and the client's [`Message`]s into masked frames, and keeps the
//! state of the close handshake ([`CloseState`]):
//!
//! - Data messages are assembled across fragments, with control frames
//!   (ping, pong, close) allowed between the fragments. A continuation with
//!   no message to continue, or a new text or binary frame inside a
//!   fragmented message, is [`ErrorKind::WsProtocol`].
//! - `max_msg_size` ([`DEFAULT_MAX_MSG_SIZE`], aiohttp's 4 MiB; 0 for no
//!   limit) is checked against the lengths frame headers announce, before
//!   any payload is kept: a header announcing 2^40 bytes fails with
//!   [`ErrorKind::WsMessageTooBig`] as soon as it is read.
//! - Text is checked to be UTF-8 as it arrives and fails at the first
//!   invalid sequence, also when a character is split between fragments; a
//!   message that ends inside a character is invalid too
//!   ([`ErrorKind::WsInvalidUtf8`]). Each byte is validated once.
//! - A close frame's payload is empty, or a code RFC 6455 section 7.4
//!   allows on the wire and a UTF-8 reason ([`parse_close_payload`]).
//! - Compressed messages (permessage-deflate, RSV1 on the first frame) are
//!   not decompressed here: they come out whole as
//!   [`Incoming::Compressed`], raw, for the caller's inflater; its output
//!   goes through [`Message::from_data`] for the UTF-8 check.
//!
//! Every error names the close code the client should send
//! ([`CloseCode::for_error`]: 1002, 1007 or 1009) and is sticky; offsets
//! are stream offsets of the received bytes.
//!
//! The close handshake: after the server's close, the client answers with
//! a close echoing its code ([`MessageCodec::encode_close_reply`]) and
//! sends nothing more. After the client's own close, incoming data, pings
//! and pongs are dropped until the server's close arrives. Once both
//! closes have passed the connection is [`CloseState::Closed`]: decoding
//! and encoding fail with [`ErrorKind::WsClosed`].
//!
//! ```
//! use ahttp_proto::ws::message::{CloseCode, CloseState, Incoming, Message, MessageCodec};
//! use bytes::{Bytes, BytesMut};
//!
//! let mut codec = MessageCodec::new();
//! // "Hel" + ping + "lo", then the server closes with 1001 "bye".
//! let mut buf = BytesMut::from(
//!     &b"\x01\x03Hel\x89\x02hi\x80\x02lo\x88\x05\x03\xe9bye"[..],
//! );
//! assert_eq!(codec.decode(&mut buf).unwrap(), Some(Incoming::Message(Message::Ping(Bytes::from("hi")))));
//! assert_eq!(codec.decode(&mut buf).unwrap(), Some(Incoming::Message(Message::Text("Hello".into()))));
//! assert_eq!(
//!     codec.decode(&mut buf).unwrap(),
//!     Some(Incoming::Message(Message::Close(Some((CloseCode::GOING_AWAY, "bye".into())))))
//! );
//! assert_eq!(codec.close_state(), CloseState::CloseReceived);
//!
//! // The client echoes the code, masked with a key of its choosing.
//! let mut out = BytesMut::new();
//! codec.encode_close_reply([0; 4], &mut out).unwrap();
//! assert_eq!(&out[..], b"\x88\x82\0\0\0\0\x03\xe9");
//! assert_eq!(codec.close_state(), CloseState::Closed);
//! ```

use std::fmt;

use super::frame::{encode_frame, FrameDecoder, FrameEvent, FrameHeader, Opcode};
use crate::{Error, ErrorKind, Result};
use bytes::{BufMut, Bytes, BytesMut};

/// aiohttp's default `max_msg_size`: 4 MiB.
pub const DEFAULT_MAX_MSG_SIZE: u64 = 4 * 1024 * 1024;

/// The longest close reason: a close payload is at most 125 bytes, two of
/// which are the code.
pub const MAX_CLOSE_REASON: usize = 123;

/// A close status code (RFC 6455 section 7.4), with aiohttp's
/// `WSCloseCode` names. Any `u16` can be held (1006, say, to report an
/// abnormal closure locally); [`CloseCode::is_valid`] tells whether it may
/// appear in a close frame.
///
/// ```
/// use ahttp_proto::ws::message::CloseCode;
///
/// assert_eq!(CloseCode::MESSAGE_TOO_BIG.as_u16(), 1009);
/// assert_eq!(CloseCode::from(4000).to_string(), "4000");
/// assert!(CloseCode::OK.is_valid() && CloseCode::new(3000).is_valid());
/// assert!(!CloseCode::ABNORMAL_CLOSURE.is_valid()); // never on the wire
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(u16);

impl CloseCode {
    /// 1000: normal closure.
    pub const OK: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away.
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1006: the connection closed without a close frame. Reported
    /// locally, never sent.
    pub const ABNORMAL_CLOSURE: CloseCode = CloseCode(1006);
    /// 1007: data inconsistent with the message type (text that is not
    /// UTF-8).
    pub const INVALID_TEXT: CloseCode = CloseCode(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected an extension the server did not
    /// negotiate.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later.
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway or proxy got an invalid response upstream.
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);

    /// The code with value `code` (valid on the wire or not).
    pub const fn new(code: u16) -> CloseCode {
        CloseCode(code)
    }

    /// The numeric code.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// True when the code may be sent in a close frame: 1000-1003,
    /// 1007-1014 and 3000-4999. 1004, 1005, 1006 and 1015 are reserved,
    /// the rest of 1000-2999 is unassigned, and codes below 1000 or from
    /// 5000 up are not used.
    pub const fn is_valid(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }

    /// The close code the client should send after `error`: 1002
    /// (protocol error) for an invalid frame, frame order, close code or
    /// compressed data, 1007 (invalid text) for text that is not UTF-8,
    /// 1009 (message too big) when a size limit was passed; `None` for
    /// errors that call for no close frame ([`ErrorKind::WsClosed`], and
    /// errors that are not about WebSocket frames).
    ///
    /// ```
    /// use ahttp_proto::ws::message::CloseCode;
    /// use ahttp_proto::{Error, ErrorKind};
    ///
    /// let err = Error::new(ErrorKind::WsInvalidUtf8);
    /// assert_eq!(CloseCode::for_error(&err), Some(CloseCode::INVALID_TEXT));
    /// ```
    pub fn for_error(error: &Error) -> Option<CloseCode> {
        match error.kind() {
            ErrorKind::WsInvalidFrame(_)
            | ErrorKind::WsProtocol(_)
            | ErrorKind::WsInvalidCloseCode(_)
            | ErrorKind::WsDeflate(_) => Some(CloseCode::PROTOCOL_ERROR),
            ErrorKind::WsInvalidUtf8 => Some(CloseCode::INVALID_TEXT),
            ErrorKind::WsMessageTooBig { .. } | ErrorKind::DecodedTooLarge { .. } => {
                Some(CloseCode::MESSAGE_TOO_BIG)
            }
            _ => None,
        }
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        CloseCode(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The two kinds of data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Binary data (opcode 0x2).
    Binary,
}

impl MessageKind {
    /// The opcode of a message's first frame.
    pub fn opcode(self) -> Opcode {
        match self {
            MessageKind::Text => Opcode::Text,
            MessageKind::Binary => Opcode::Binary,
        }
    }
}

/// A whole WebSocket message, received or to send.
///
/// ```
/// use ahttp_proto::ws::message::{Message, MessageKind};
/// use bytes::Bytes;
///
/// let text = Message::from_data(MessageKind::Text, Bytes::from("héllo")).unwrap();
/// assert_eq!(text, Message::Text("héllo".into()));
/// assert!(Message::from_data(MessageKind::Text, Bytes::from_static(b"\xff")).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message. A received one that came in one piece is a slice
    /// of the read buffer, not a copy.
    Binary(Bytes),
    /// A ping, with at most 125 bytes of application data.
    Ping(Bytes),
    /// A pong, with at most 125 bytes of application data.
    Pong(Bytes),
    /// A close frame: no payload, or a code and a reason of at most
    /// [`MAX_CLOSE_REASON`] bytes.
    Close(Option<(CloseCode, String)>),
}

impl Message {
    /// The message of kind `kind` with `payload`: the way back from an
    /// [`Incoming::Compressed`] once the caller has inflated it. Text must
    /// be UTF-8 ([`ErrorKind::WsInvalidUtf8`], offset within `payload`).
    pub fn from_data(kind: MessageKind, payload: Bytes) -> Result<Message> {
        match kind {
            MessageKind::Binary => Ok(Message::Binary(payload)),
            MessageKind::Text => String::from_utf8(Vec::from(payload))
                .map(Message::Text)
                .map_err(|e| {
                    Error::at(
                        ErrorKind::WsInvalidUtf8,
                        e.utf8_error().valid_up_to() as u64,
                    )
                }),
        }
    }
}

/// What [`MessageCodec::decode`] hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A message, ready to use.
    Message(Message),
    /// A complete compressed message (permessage-deflate: RSV1 was set on
    /// its first frame), still compressed: the payloads of its frames
    /// joined, without the `00 00 ff ff` tail RFC 7692 section 7.2.2 has
    /// the receiver append before inflating. The caller inflates it
    /// (bounding the output by [`MessageCodec::max_msg_size`]) and passes
    /// the result to [`Message::from_data`] with `kind`, which checks the
    /// text is UTF-8.
    Compressed {
        /// Text or binary.
        kind: MessageKind,
        /// The compressed bytes.
        payload: Bytes,
    },
}

/// Where the close handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseState {
    /// No close frame has been sent or received.
    Open,
    /// The client sent a close and waits for the server's; received data,
    /// pings and pongs are dropped meanwhile, and nothing more can be sent.
    CloseSent,
    /// The server sent a close; the client must answer with one
    /// ([`MessageCodec::encode_close_reply`]) and may send nothing else.
    /// More frames from the server are [`ErrorKind::WsProtocol`].
    CloseReceived,
    /// Both closes have passed; the TCP connection can be shut down.
    Closed,
}

/// Parses a close frame's payload: empty (`None`), or a big-endian code and
/// a UTF-8 reason. A one-byte payload is [`ErrorKind::WsInvalidFrame`], a
/// code [`CloseCode::is_valid`] refuses is
/// [`ErrorKind::WsInvalidCloseCode`], a reason that is not UTF-8 is
/// [`ErrorKind::WsInvalidUtf8`]; offsets are within `payload`.
///
/// ```
/// use ahttp_proto::ws::message::{parse_close_payload, CloseCode};
/// use ahttp_proto::ErrorKind;
///
/// assert_eq!(parse_close_payload(b"").unwrap(), None);
/// assert_eq!(
///     parse_close_payload(b"\x03\xe8done").unwrap(),
///     Some((CloseCode::OK, "done".to_string()))
/// );
/// let err = parse_close_payload(b"\x03\xed").unwrap_err(); // 1005
/// assert_eq!(err.kind(), &ErrorKind::WsInvalidCloseCode(1005));
/// ```
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<(CloseCode, String)>> {
    match payload {
        [] => Ok(None),
        [_] => Err(Error::at(
            ErrorKind::WsInvalidFrame("close payload of one byte"),
            0,
        )),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid() {
                return Err(Error::at(ErrorKind::WsInvalidCloseCode(code.0), 0));
            }
            match std::str::from_utf8(reason) {
                Ok(reason) => Ok(Some((code, reason.to_owned()))),
                Err(e) => Err(Error::at(
                    ErrorKind::WsInvalidUtf8,
                    2 + e.valid_up_to() as u64,
                )),
            }
        }
    }
}

/// Writes a close payload into `out`, returning its length.
fn close_payload(close: &Option<(CloseCode, String)>, out: &mut [u8; 125]) -> Result<usize> {
    let Some((code, reason)) = close else {
        return Ok(0);
    };
    if !code.is_valid() {
        return Err(Error::new(ErrorKind::WsInvalidCloseCode(code.0)));
    }
    if reason.len() > MAX_CLOSE_REASON {
        return Err(Error::new(ErrorKind::WsInvalidFrame(
            "close reason longer than 123 bytes",
        )));
    }
    out[..2].copy_from_slice(&code.0.to_be_bytes());
    out[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
    Ok(2 + reason.len())
}

/// The expected length of a UTF-8 sequence from its first byte (1 for
/// ASCII and for bytes that cannot start a sequence).
fn utf8_width(b: u8) -> usize {
    match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Where an unfinished character at the end of `p` starts (`p.len()` when
/// `p` does not end inside one). Looks at the last three bytes at most.
fn unfinished_char_start(p: &[u8]) -> usize {
    let n = p.len();
    for i in (n.saturating_sub(3)..n).rev() {
        let b = p[i];
        if b & 0xc0 != 0x80 {
            return if n - i < utf8_width(b) { i } else { n };
        }
    }
    n
}

/// Text being received: validated once, piece by piece, into a `String`.
#[derive(Debug, Clone, Default)]
struct TextBuilder {
    text: String,
    /// The start of a character that a later piece must complete.
    tail: [u8; 4],
    tail_len: usize,
    /// Stream offset of `tail[0]`.
    tail_at: u64,
}

impl TextBuilder {
    /// Appends `piece`, whose first byte is at stream offset `at`. Fails at
    /// the first invalid sequence, with its stream offset.
    fn push(&mut self, mut piece: &[u8], mut at: u64) -> Result<()> {
        if self.tail_len > 0 {
            let width = utf8_width(self.tail[0]);
            let take = width.saturating_sub(self.tail_len).min(piece.len());
            let len = self.tail_len + take;
            self.tail[self.tail_len..len].copy_from_slice(&piece[..take]);
            match std::str::from_utf8(&self.tail[..len]) {
                Ok(c) => {
                    self.text.push_str(c);
                    self.tail_len = 0;
                }
                Err(e) if e.error_len().is_none() && len < width => {
                    // Still unfinished, and `take` was all of `piece`.
                    self.tail_len = len;
                    return Ok(());
                }
                Err(_) => return Err(Error::at(ErrorKind::WsInvalidUtf8, self.tail_at)),
            }
            piece = &piece[take..];
            at += take as u64;
        }
        let cut = unfinished_char_start(piece);
        let (whole, rest) = piece.split_at(cut);
        match std::str::from_utf8(whole) {
            Ok(s) => self.text.push_str(s),
            Err(e) => {
                return Err(Error::at(
                    ErrorKind::WsInvalidUtf8,
                    at + e.valid_up_to() as u64,
                ))
            }
        }
        if !rest.is_empty() {
            // 1 to 3 bytes starting with a lead byte that wants more: they
            // may already be invalid (an overlong or surrogate prefix).
            match std::str::from_utf8(rest) {
                Err(e) if e.error_len().is_none() && e.valid_up_to() == 0 => {
                    self.tail[..rest.len()].copy_from_slice(rest);
                    self.tail_len = rest.len();
                    self.tail_at = at + cut as u64;
                }
                Ok(s) => self.text.push_str(s),
                Err(e) => {
                    return Err(Error::at(
                        ErrorKind::WsInvalidUtf8,
                        at + (cut + e.valid_up_to()) as u64,
                    ))
                }
            }
        }
        Ok(())
    }

    /// The text, unless it ends inside a character.
    fn finish(&mut self) -> Result<String> {
        if self.tail_len > 0 {
            return Err(Error::at(ErrorKind::WsInvalidUtf8, self.tail_at));
        }
        Ok(std::mem::take(&mut self.text))
    }
}

/// The body of a data message being received.
#[derive(Debug, Clone)]
enum Body {
    /// Raw bytes (binary, or compressed), none yet.
    Empty,
    /// Raw bytes that came in one piece, kept without copying.
    One(Bytes),
    /// Raw bytes that came in several pieces, joined.
    Many(BytesMut),
    /// Uncompressed text.
    Text(TextBuilder),
    /// A message that arrived after the client's close: dropped.
    Discard,
}

impl Body {
    fn push(&mut self, piece: Bytes, at: u64) -> Result<()> {
        match self {
            Body::Empty => *self = Body::One(piece),
            Body::One(first) => {
                let mut joined = BytesMut::with_capacity((first.len() + piece.len()) * 2);
                joined.put_slice(first);
                joined.put_slice(&piece);
                *self = Body::Many(joined);
            }
            Body::Many(joined) => joined.put_slice(&piece),
            Body::Text(text) => text.push(&piece, at)?,
            Body::Discard => {}
        }
        Ok(())
    }

    fn into_raw(self) -> Bytes {
        match self {
            Body::One(bytes) => bytes,
            Body::Many(joined) => joined.freeze(),
            Body::Empty | Body::Text(_) | Body::Discard => Bytes::new(),
        }
    }
}

/// A data message being received.
#[derive(Debug, Clone)]
struct Partial {
    kind: MessageKind,
    compressed: bool,
    /// The announced lengths of its frames so far.
    size: u64,
    body: Body,
}

/// The frame being received.
#[derive(Debug, Clone)]
enum Current {
    /// Between frames.
    Idle,
    /// A control frame; its payload (at most 125 bytes) comes whole.
    Control {
        opcode: Opcode,
        payload: Bytes,
        /// Stream offset of the payload.
        at: u64,
    },
    /// A data frame (the first of its message or a continuation).
    Data { fin: bool },
}

/// The receiving and sending halves of a client WebSocket connection's
/// message layer, and its close handshake. See the [module
/// documentation](self).
///
/// ```
/// use ahttp_proto::ws::message::{CloseCode, Incoming, Message, MessageCodec};
/// use ahttp_proto::ErrorKind;
/// use bytes::BytesMut;
///
/// let mut codec = MessageCodec::new().with_max_msg_size(1024);
/// // A text frame announcing 2^40 bytes is refused on its header alone.
/// let mut buf = BytesMut::from(&[0x81, 127, 0, 0, 1, 0, 0, 0, 0, 0][..]);
/// let err = codec.decode(&mut buf).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit: 1024 });
/// let code = CloseCode::for_error(&err).unwrap();
/// assert_eq!(code, CloseCode::MESSAGE_TOO_BIG);
///
/// // The client says why and closes.
/// let mut out = BytesMut::new();
/// codec.encode(&Message::Close(Some((code, String::new()))), [1, 2, 3, 4], &mut out).unwrap();
/// assert_eq!(out.len(), 2 + 4 + 2);
/// ```
#[derive(Debug, Clone)]
pub struct MessageCodec {
    decoder: FrameDecoder,
    permessage_deflate: bool,
    max_msg_size: u64,
    partial: Option<Partial>,
    current: Current,
    close: CloseState,
    /// The code of the server's close frame, once received.
    peer_code: Option<CloseCode>,
    error: Option<Error>,
}

impl Default for MessageCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl MessageCodec {
    /// A codec with aiohttp's defaults: `max_msg_size` 4 MiB, no
    /// permessage-deflate.
    pub fn new() -> Self {
        MessageCodec {
            decoder: FrameDecoder::new(),
            permessage_deflate: false,
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            partial: None,
            current: Current::Idle,
            close: CloseState::Open,
            peer_code: None,
            error: None,
        }
    }

    /// Sets the largest message accepted, in bytes (the sum of its frames'
    /// payload lengths; for a compressed message, of the compressed
    /// bytes). 0 means no limit. A message of exactly `limit` bytes is
    /// accepted.
    pub fn with_max_msg_size(mut self, limit: u64) -> Self {
        self.max_msg_size = limit;
        self
    }

    /// Declares that permessage-deflate was negotiated: RSV1 is accepted on
    /// a message's first frame, such messages come out as
    /// [`Incoming::Compressed`], and [`MessageCodec::encode_compressed`]
    /// may be used.
    pub fn with_permessage_deflate(mut self, negotiated: bool) -> Self {
        self.permessage_deflate = negotiated;
        self.decoder = self.decoder.with_permessage_deflate(negotiated);
        self
    }

    /// The message size limit (0: none).
    pub fn max_msg_size(&self) -> u64 {
        self.max_msg_size
    }

    /// Where the close handshake stands.
    pub fn close_state(&self) -> CloseState {
        self.close
    }

    /// The code of the server's close frame, once one with a code was
    /// received (aiohttp's `close_code`).
    pub fn peer_close_code(&self) -> Option<CloseCode> {
        self.peer_code
    }

    /// How many bytes have been taken off the read buffer in all.
    pub fn consumed(&self) -> u64 {
        self.decoder.consumed()
    }

    /// Decodes from the front of `buf`, removing what it used, until a
    /// message is complete (`Some`) or more input is needed (`None`).
    /// Errors carry the stream offset of the fault and are sticky; send a
    /// close with [`CloseCode::for_error`] and shut the connection down.
    #[inline]
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Incoming>> {
        // The common case inline: a whole message in one frame.
        if self.error.is_none() {
            if let Some(message) = self.whole_message(buf) {
                return Ok(Some(Incoming::Message(message)));
            }
        }
        self.decode_events(buf)
    }

    /// Everything but the common case: frame by frame, event by event.
    fn decode_events(&mut self, buf: &mut BytesMut) -> Result<Option<Incoming>> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.step(buf);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    fn step(&mut self, buf: &mut BytesMut) -> Result<Option<Incoming>> {
        match self.close {
            CloseState::Open | CloseState::CloseSent => {}
            CloseState::CloseReceived if buf.is_empty() => return Ok(None),
            CloseState::CloseReceived => {
                return Err(Error::at(
                    ErrorKind::WsProtocol("data after the close frame"),
                    self.decoder.consumed(),
                ))
            }
            CloseState::Closed => {
                return Err(Error::at(ErrorKind::WsClosed, self.decoder.consumed()))
            }
        }
        // Nothing to decode. (No event is ever pending on an empty buffer:
        // a frame's End comes in the same call as its last byte.)
        if buf.is_empty() {
            return Ok(None);
        }
        loop {
            if self.payload_wanted(buf.len()).is_some() {
                return Ok(None);
            }
            let at = self.decoder.consumed();
            match self.decoder.decode(buf)? {
                FrameEvent::NeedData => return Ok(None),
                FrameEvent::Header(header) => {
                    self.on_header(&header, self.decoder.frame_offset())?
                }
                FrameEvent::Payload(bytes) => self.on_payload(bytes, at)?,
                FrameEvent::End => {
                    if let Some(incoming) = self.on_end()? {
                        return Ok(Some(incoming));
                    }
                }
            }
        }
    }

    /// The fast path: an uncompressed text or binary message in one frame,
    /// all in the buffer, while no other message is in progress, taken in
    /// one step. Anything else (and anything invalid, including text that
    /// is not UTF-8) is left to the event loop, which reports errors with
    /// their exact offsets.
    #[inline]
    fn whole_message(&mut self, buf: &mut BytesMut) -> Option<Message> {
        if self.close != CloseState::Open
            || self.partial.is_some()
            || !matches!(self.current, Current::Idle)
        {
            return None;
        }
        let frame = self.decoder.peek_whole(buf)?;
        let header = &frame.header;
        if !header.fin
            || header.rsv1
            || (self.max_msg_size != 0 && header.payload_len > self.max_msg_size)
        {
            return None;
        }
        match header.opcode {
            Opcode::Binary => Some(Message::Binary(self.decoder.take_whole(buf, &frame))),
            Opcode::Text => {
                let text = std::str::from_utf8(&buf[frame.payload_range()])
                    .ok()?
                    .to_owned();
                self.decoder.take_whole(buf, &frame);
                Some(Message::Text(text))
            }
            _ => None,
        }
    }

    /// How many more bytes the frame being received needs when the codec
    /// waits for its whole payload (given `buffered` bytes in the buffer),
    /// else `None`. A hint for sizing the next read.
    ///
    /// Binary and compressed payloads are taken whole, as control frames
    /// are: one piece is kept without copying, where pieces would be
    /// joined (measured: the join was a whole extra pass over every
    /// 64 KiB message). Uncompressed text is taken as it arrives, so that
    /// invalid UTF-8 fails before the rest of the frame comes.
    pub fn payload_wanted(&self, buffered: usize) -> Option<u64> {
        let remaining = self.decoder.payload_remaining()?;
        let whole = match (&self.current, &self.partial) {
            (Current::Data { .. }, Some(partial)) => {
                !matches!(partial.body, Body::Text(_) | Body::Discard)
            }
            _ => false,
        };
        let missing = remaining.saturating_sub(buffered as u64);
        (whole && missing > 0).then_some(missing)
    }

    fn on_header(&mut self, header: &FrameHeader, at: u64) -> Result<()> {
        let kind = match header.opcode {
            Opcode::Close | Opcode::Ping | Opcode::Pong => {
                self.current = Current::Control {
                    opcode: header.opcode,
                    payload: Bytes::new(),
                    at,
                };
                return Ok(());
            }
            Opcode::Text => Some(MessageKind::Text),
            Opcode::Binary => Some(MessageKind::Binary),
            Opcode::Continuation => None,
        };
        let partial = match (kind, &mut self.partial) {
            (None, None) => {
                return Err(Error::at(
                    ErrorKind::WsProtocol("continuation frame with no message to continue"),
                    at,
                ))
            }
            (Some(_), Some(_)) => {
                return Err(Error::at(
                    ErrorKind::WsProtocol("new data frame inside a fragmented message"),
                    at,
                ))
            }
            (None, Some(partial)) => partial,
            (Some(kind), partial @ None) => {
                let body = if self.close == CloseState::CloseSent {
                    Body::Discard
                } else if kind == MessageKind::Text && !header.rsv1 {
                    Body::Text(TextBuilder::default())
                } else {
                    Body::Empty
                };
                partial.insert(Partial {
                    kind,
                    compressed: header.rsv1,
                    size: 0,
                    body,
                })
            }
        };
        partial.size = partial.size.saturating_add(header.payload_len);
        if self.max_msg_size != 0
            && partial.size > self.max_msg_size
            && !matches!(partial.body, Body::Discard)
        {
            return Err(Error::at(
                ErrorKind::WsMessageTooBig {
                    limit: self.max_msg_size,
                },
                at,
            ));
        }
        self.current = Current::Data { fin: header.fin };
        Ok(())
    }

    fn on_payload(&mut self, bytes: Bytes, at: u64) -> Result<()> {
        match &mut self.current {
            Current::Control {
                payload, at: pat, ..
            } => {
                *payload = bytes;
                *pat = at;
            }
            Current::Data { .. } => {
                if let Some(partial) = &mut self.partial {
                    partial.body.push(bytes, at)?;
                }
            }
            Current::Idle => {}
        }
        Ok(())
    }

    fn on_end(&mut self) -> Result<Option<Incoming>> {
        match std::mem::replace(&mut self.current, Current::Idle) {
            Current::Idle | Current::Data { fin: false } => Ok(None),
            Current::Data { fin: true } => {
                let Some(partial) = self.partial.take() else {
                    return Ok(None);
                };
                let message = match (partial.body, partial.compressed) {
                    (Body::Discard, _) => return Ok(None),
                    (Body::Text(mut text), _) => Message::Text(text.finish()?),
                    (body, true) => {
                        return Ok(Some(Incoming::Compressed {
                            kind: partial.kind,
                            payload: body.into_raw(),
                        }))
                    }
                    (body, false) => Message::Binary(body.into_raw()),
                };
                Ok(Some(Incoming::Message(message)))
            }
            Current::Control {
                opcode,
                payload,
                at,
            } => {
                let message = match opcode {
                    Opcode::Close => {
                        let close = parse_close_payload(&payload).map_err(|e| {
                            Error::at(e.kind().clone(), at + e.offset().unwrap_or(0))
                        })?;
                        self.peer_code = close.as_ref().map(|(code, _)| *code);
                        self.close = match self.close {
                            CloseState::Open => CloseState::CloseReceived,
                            _ => CloseState::Closed,
                        };
                        Message::Close(close)
                    }
                    _ if self.close != CloseState::Open => return Ok(None),
                    Opcode::Ping => Message::Ping(payload),
                    _ => Message::Pong(payload),
                };
                Ok(Some(Incoming::Message(message)))
            }
        }
    }

    /// Appends `message` to `out` as one frame, masked with `mask_key`
    /// (which must come from a strong random source, a new one per frame).
    /// Data messages are never fragmented, as in aiohttp.
    ///
    /// Sending a close moves the handshake on ([`CloseState::CloseSent`],
    /// or [`CloseState::Closed`] when it answers the server's). After a
    /// close was sent nothing more can be, and after one was received only
    /// a close can be: [`ErrorKind::WsClosed`]. A close code that
    /// [`CloseCode::is_valid`] refuses is [`ErrorKind::WsInvalidCloseCode`];
    /// a ping or pong over 125 bytes, or a close reason over 123, is
    /// [`ErrorKind::WsInvalidFrame`]. On error nothing is written.
    ///
    /// ```
    /// use ahttp_proto::ws::message::{Message, MessageCodec};
    /// use ahttp_proto::ErrorKind;
    /// use bytes::BytesMut;
    ///
    /// let mut codec = MessageCodec::new();
    /// let mut out = BytesMut::new();
    /// codec.encode(&Message::Text("hi".into()), [0; 4], &mut out).unwrap();
    /// assert_eq!(&out[..], b"\x81\x82\0\0\0\0hi");
    /// codec.encode(&Message::Close(None), [0; 4], &mut out).unwrap();
    /// let err = codec.encode(&Message::Text("late".into()), [0; 4], &mut out).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::WsClosed);
    /// ```
    pub fn encode(
        &mut self,
        message: &Message,
        mask_key: [u8; 4],
        out: &mut BytesMut,
    ) -> Result<()> {
        let is_close = matches!(message, Message::Close(_));
        match self.close {
            CloseState::Open => {}
            CloseState::CloseReceived if is_close => {}
            _ => return Err(Error::new(ErrorKind::WsClosed)),
        }
        match message {
            Message::Text(text) => {
                encode_frame(Opcode::Text, true, false, text.as_bytes(), mask_key, out)
            }
            Message::Binary(data) => encode_frame(Opcode::Binary, true, false, data, mask_key, out),
            Message::Ping(data) => encode_frame(Opcode::Ping, true, false, data, mask_key, out),
            Message::Pong(data) => encode_frame(Opcode::Pong, true, false, data, mask_key, out),
            Message::Close(close) => {
                let mut payload = [0u8; 125];
                let len = close_payload(close, &mut payload)?;
                encode_frame(Opcode::Close, true, false, &payload[..len], mask_key, out)?;
                self.close = match self.close {
                    CloseState::CloseReceived => CloseState::Closed,
                    _ => CloseState::CloseSent,
                };
                // A message still coming in will be dropped.
                if let Some(partial) = &mut self.partial {
                    partial.body = Body::Discard;
                }
                Ok(())
            }
        }
    }

    /// Answers the server's close: a close echoing its code (empty when it
    /// had none), masked with `mask_key`. Then the connection is
    /// [`CloseState::Closed`]. [`ErrorKind::InvalidState`] when no close
    /// is waiting for an answer.
    pub fn encode_close_reply(&mut self, mask_key: [u8; 4], out: &mut BytesMut) -> Result<()> {
        if self.close != CloseState::CloseReceived {
            return Err(Error::new(ErrorKind::InvalidState(
                "no close frame from the server to answer",
            )));
        }
        let echo = self.peer_code.map(|code| (code, String::new()));
        self.encode(&Message::Close(echo), mask_key, out)
    }

    /// Appends a compressed data message (permessage-deflate: the caller's
    /// deflater output, without its `00 00 ff ff` tail) as one frame with
    /// RSV1 set, masked with `mask_key`. [`ErrorKind::InvalidState`] when
    /// permessage-deflate was not negotiated, [`ErrorKind::WsClosed`] once
    /// a close was sent or received.
    ///
    /// ```
    /// use ahttp_proto::ws::message::{MessageCodec, MessageKind};
    /// use bytes::BytesMut;
    ///
    /// let mut codec = MessageCodec::new().with_permessage_deflate(true);
    /// let mut out = BytesMut::new();
    /// // "Hello" compressed (RFC 7692 section 7.2.3.1).
    /// let deflated = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    /// codec.encode_compressed(MessageKind::Text, &deflated, [0; 4], &mut out).unwrap();
    /// assert_eq!(out[0], 0xc1); // FIN, RSV1, text
    /// ```
    pub fn encode_compressed(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        mask_key: [u8; 4],
        out: &mut BytesMut,
    ) -> Result<()> {
        if !self.permessage_deflate {
            return Err(Error::new(ErrorKind::InvalidState(
                "permessage-deflate was not negotiated",
            )));
        }
        if self.close != CloseState::Open {
            return Err(Error::new(ErrorKind::WsClosed));
        }
        encode_frame(kind.opcode(), true, true, payload, mask_key, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_char_starts() {
        assert_eq!(unfinished_char_start(b""), 0);
        assert_eq!(unfinished_char_start(b"abc"), 3);
        assert_eq!(unfinished_char_start("aé".as_bytes()), 3);
        assert_eq!(unfinished_char_start(b"a\xc3"), 1);
        assert_eq!(unfinished_char_start(b"a\xf0\x9f\x98"), 1);
        assert_eq!(unfinished_char_start("😀".as_bytes()), 4);
        assert_eq!(unfinished_char_start(b"\x80\x80\x80"), 3);
    }

    #[test]
    fn text_builder_matches_from_utf8_on_every_split() {
        let samples: [&[u8]; 6] = [
            "κόσμε 😀 ok".as_bytes(),
            b"ab\xf0\x9f\x98",
            b"ab\xf4\x90\x80\x80cd",
            b"\xed\xa0\x80",
            b"xx\xe2\x82\x28",
            b"\xc0\xaf",
        ];
        for sample in samples {
            let expected = std::str::from_utf8(sample).map_err(|e| e.valid_up_to() as u64);
            for cut in 0..=sample.len() {
                for cut2 in cut..=sample.len() {
                    let mut t = TextBuilder::default();
                    let got = t
                        .push(&sample[..cut], 0)
                        .and_then(|()| t.push(&sample[cut..cut2], cut as u64))
                        .and_then(|()| t.push(&sample[cut2..], cut2 as u64))
                        .and_then(|()| t.finish());
                    let got = got.map_err(|e| e.offset().unwrap_or(u64::MAX));
                    assert_eq!(
                        got.as_deref().map_err(|e| *e),
                        expected,
                        "{sample:?} cut at {cut} {cut2}"
                    );
                }
            }
        }
    }
}
