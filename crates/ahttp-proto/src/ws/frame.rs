//! The WebSocket frame codec (RFC 6455 section 5), client side.
//!
//! [`FrameDecoder`] reads frames sent by the server. It is a state machine
//! over a caller-owned [`BytesMut`]: the caller appends what it reads and
//! calls [`FrameDecoder::decode`] until it returns [`FrameEvent::NeedData`].
//! Each frame comes out as a [`FrameEvent::Header`], then its payload as
//! [`FrameEvent::Payload`] pieces split off the buffer without copying (as
//! many as the bytes arrive in; a control frame's payload, at most 125
//! bytes, always comes whole), then [`FrameEvent::End`]. The decoder never
//! buffers a payload itself, so a header announcing 2^63 bytes costs
//! nothing; whoever keeps the payload checks the announced length first
//! (see [`FrameDecoder::with_max_frame_size`] and
//! [`crate::ws::message::MessageCodec`]). Input may be split at any byte and
//! each byte is looked at once.
//!
//! Everything the RFC forbids a server to send is refused with
//! [`ErrorKind::WsInvalidFrame`] at the stream offset of the offending
//! byte: a masked frame, RSV2 or RSV3 set, RSV1 set without
//! permessage-deflate (or on a control or continuation frame), a reserved
//! opcode, a fragmented control frame, a control payload over 125 bytes, a
//! length not in its shortest encoding, a 64-bit length with the top bit
//! set. Errors are sticky.
//!
//! The encoder writes frames to the server: [`encode_frame`] into a
//! [`BytesMut`], or [`encode_frame_vectored`] which masks the payload in
//! place and returns the header for a vectored write. Clients must mask
//! every frame; the 4-byte key is the caller's (sans-IO: no RNG here), and
//! should come from a strong random source. [`apply_mask`] is the masking,
//! eight bytes at a time.
//!
//! ```
//! use ahttp_proto::ws::frame::{encode_frame, FrameDecoder, FrameEvent, Opcode};
//! use bytes::BytesMut;
//!
//! // A client frame is masked...
//! let mut out = BytesMut::new();
//! encode_frame(Opcode::Text, true, false, b"hi", [1, 2, 3, 4], &mut out).unwrap();
//! assert_eq!(&out[..], &[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
//!
//! // ...a server frame is not.
//! let mut buf = BytesMut::from(&[0x81, 0x05, b'H', b'e', b'l', b'l', b'o'][..]);
//! let mut decoder = FrameDecoder::new();
//! let FrameEvent::Header(header) = decoder.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!((header.opcode, header.fin, header.payload_len), (Opcode::Text, true, 5));
//! assert_eq!(decoder.decode(&mut buf).unwrap(), FrameEvent::Payload("Hello".into()));
//! assert_eq!(decoder.decode(&mut buf).unwrap(), FrameEvent::End);
//! assert_eq!(decoder.decode(&mut buf).unwrap(), FrameEvent::NeedData);
//! ```

use crate::{Error, ErrorKind, Result};
use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The largest payload a control frame (close, ping, pong) may carry.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A frame opcode (RFC 6455 section 5.2). The reserved opcodes 0x3-0x7
/// and 0xB-0xF have no variant: the decoder refuses them.
///
/// ```
/// use ahttp_proto::ws::frame::Opcode;
///
/// assert_eq!(Opcode::from_u8(0x9), Some(Opcode::Ping));
/// assert_eq!(Opcode::from_u8(0x3), None);
/// assert_eq!(Opcode::Close.as_u8(), 0x8);
/// assert!(Opcode::Pong.is_control() && !Opcode::Binary.is_control());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// 0x0: a later fragment of a fragmented message.
    Continuation = 0x0,
    /// 0x1: the first frame of a text message.
    Text = 0x1,
    /// 0x2: the first frame of a binary message.
    Binary = 0x2,
    /// 0x8: a close frame.
    Close = 0x8,
    /// 0x9: a ping.
    Ping = 0x9,
    /// 0xA: a pong.
    Pong = 0xA,
}

impl Opcode {
    /// The opcode with value `value` (the low four bits of a frame's first
    /// byte), or `None` for a reserved or out-of-range value.
    pub fn from_u8(value: u8) -> Option<Opcode> {
        Some(match value {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            _ => return None,
        })
    }

    /// The opcode's value on the wire.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// True for close, ping and pong, which must not be fragmented and
    /// carry at most [`MAX_CONTROL_PAYLOAD`] bytes.
    pub fn is_control(self) -> bool {
        self.as_u8() & 0x8 != 0
    }
}

/// A frame header as decoded or to be encoded. RSV2 and RSV3 have no
/// field: no extension this crate speaks uses them, so they are always 0.
///
/// ```
/// use ahttp_proto::ws::frame::{FrameHeader, Opcode};
///
/// let header = FrameHeader {
///     fin: true,
///     rsv1: false,
///     opcode: Opcode::Binary,
///     mask: Some([0xa, 0xb, 0xc, 0xd]),
///     payload_len: 300,
/// };
/// // 2 bytes, a 16-bit length, the mask key.
/// assert_eq!(header.encode().unwrap().as_bytes(), &[0x82, 0xfe, 0x01, 0x2c, 0xa, 0xb, 0xc, 0xd]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// RSV1: with permessage-deflate, the message is compressed (set on
    /// its first frame only).
    pub rsv1: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key: always `Some` in frames a client sends, always
    /// `None` in frames the decoder accepts from a server.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub payload_len: u64,
}

impl FrameHeader {
    /// Encodes the header in its shortest form. Refuses what RFC 6455 and
    /// RFC 7692 forbid a sender ([`ErrorKind::WsInvalidFrame`], no offset):
    /// a control frame that is fragmented, longer than 125 bytes or has
    /// RSV1 set, RSV1 on a continuation frame, a length of 2^63 or more.
    pub fn encode(&self) -> Result<EncodedHeader> {
        let invalid = |why| Err(Error::new(ErrorKind::WsInvalidFrame(why)));
        if self.opcode.is_control() {
            if !self.fin {
                return invalid("fragmented control frame");
            }
            if self.payload_len > MAX_CONTROL_PAYLOAD as u64 {
                return invalid("control frame payload longer than 125 bytes");
            }
            if self.rsv1 {
                return invalid("RSV1 set on a control frame");
            }
        }
        if self.rsv1 && self.opcode == Opcode::Continuation {
            return invalid("RSV1 set on a continuation frame");
        }
        if self.payload_len >> 63 != 0 {
            return invalid("payload length of 2^63 bytes or more");
        }
        let mut bytes = [0u8; MAX_HEADER_LEN];
        bytes[0] = (u8::from(self.fin) << 7) | (u8::from(self.rsv1) << 6) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut len = 2;
        match self.payload_len {
            n @ 0..=125 => bytes[1] = mask_bit | n as u8,
            n @ 126..=0xffff => {
                bytes[1] = mask_bit | 126;
                bytes[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                len = 4;
            }
            n => {
                bytes[1] = mask_bit | 127;
                bytes[2..10].copy_from_slice(&n.to_be_bytes());
                len = 10;
            }
        }
        if let Some(key) = self.mask {
            bytes[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        Ok(EncodedHeader {
            bytes,
            len: len as u8,
        })
    }
}

/// The longest frame header: 2 bytes, a 64-bit length, a mask key.
const MAX_HEADER_LEN: usize = 14;

/// An encoded frame header (2 to 14 bytes), kept inline so that a vectored
/// write of header and payload allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: u8,
}

impl EncodedHeader {
    /// The header bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl AsRef<[u8]> for EncodedHeader {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// A whole frame to send: header fields and unmasked payload.
///
/// ```
/// use ahttp_proto::ws::frame::{Frame, Opcode};
/// use bytes::BytesMut;
///
/// let mut out = BytesMut::new();
/// Frame::new(Opcode::Ping, "hb").encode([0; 4], &mut out).unwrap();
/// // FIN + ping, MASK + length 2, the key, the payload (an all-zero key
/// // leaves it as it is).
/// assert_eq!(&out[..], b"\x89\x82\0\0\0\0hb");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// RSV1: the message is compressed (permessage-deflate, first frame).
    pub rsv1: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The payload, unmasked.
    pub payload: Bytes,
}

impl Frame {
    /// A final (`fin`), uncompressed frame.
    pub fn new(opcode: Opcode, payload: impl Into<Bytes>) -> Frame {
        Frame {
            fin: true,
            rsv1: false,
            opcode,
            payload: payload.into(),
        }
    }

    /// The header this frame is sent with under `mask`.
    pub fn header(&self, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: self.fin,
            rsv1: self.rsv1,
            opcode: self.opcode,
            mask,
            payload_len: self.payload.len() as u64,
        }
    }

    /// Appends the frame, masked with `mask_key`, to `out`; see
    /// [`encode_frame`].
    pub fn encode(&self, mask_key: [u8; 4], out: &mut BytesMut) -> Result<()> {
        encode_frame(
            self.opcode,
            self.fin,
            self.rsv1,
            &self.payload,
            mask_key,
            out,
        )
    }
}

/// The header of a client frame (masked with `mask_key`) carrying
/// `payload_len` bytes: what the three encoders below share.
#[inline]
fn client_header(
    opcode: Opcode,
    fin: bool,
    rsv1: bool,
    payload_len: usize,
    mask_key: [u8; 4],
) -> Result<EncodedHeader> {
    FrameHeader {
        fin,
        rsv1,
        opcode,
        mask: Some(mask_key),
        payload_len: payload_len as u64,
    }
    .encode()
}

/// Appends one client frame to `out`: the header with the mask key, then
/// `payload` masked with it. On error (see [`FrameHeader::encode`]) nothing
/// is written.
///
/// ```
/// use ahttp_proto::ws::frame::{apply_mask, encode_frame, Opcode};
/// use bytes::BytesMut;
///
/// let mut out = BytesMut::new();
/// let payload = vec![7u8; 200];
/// encode_frame(Opcode::Binary, true, false, &payload, [9, 8, 7, 6], &mut out).unwrap();
/// assert_eq!(&out[..4], &[0x82, 0x80 | 126, 0, 200]);
/// assert_eq!(&out[4..8], &[9, 8, 7, 6]);
/// let mut body = out[8..].to_vec();
/// apply_mask(&mut body, [9, 8, 7, 6]); // masking twice unmasks
/// assert_eq!(body, payload);
///
/// // A ping longer than 125 bytes is refused.
/// assert!(encode_frame(Opcode::Ping, true, false, &payload, [0; 4], &mut out).is_err());
/// ```
pub fn encode_frame(
    opcode: Opcode,
    fin: bool,
    rsv1: bool,
    payload: &[u8],
    mask_key: [u8; 4],
    out: &mut BytesMut,
) -> Result<()> {
    let header = client_header(opcode, fin, rsv1, payload.len(), mask_key)?;
    out.reserve(header.as_bytes().len() + payload.len());
    out.put_slice(header.as_bytes());
    let start = out.len();
    out.put_slice(payload);
    apply_mask(&mut out[start..], mask_key);
    Ok(())
}

/// [`encode_frame`] for a buffer reused frame after frame: writes the frame
/// at the start of `out`, over the bytes already there, and returns its
/// length. `out` grows, zero-filled, only when it is shorter than the
/// frame; bytes past the frame are left as they were. On error nothing is
/// written.
///
/// Each payload byte is read once and written once, masked: no fill and
/// no copy before the mask (which [`encode_frame`] needs, since safe code
/// cannot append to a buffer's uninitialised room any other way). On a
/// 1 KiB echo this is about 150 instructions fewer per frame (see
/// docs/benchmarks.md); on 64 KiB frames it saves a pass over the payload.
///
/// ```
/// use ahttp_proto::ws::frame::{encode_frame, encode_frame_over, Opcode};
/// use bytes::BytesMut;
///
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut out = vec![0xee; 20]; // a previous frame's bytes
/// let len = encode_frame_over(Opcode::Text, true, false, b"Hello", key, &mut out).unwrap();
/// assert_eq!(&out[..len], b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
/// assert_eq!(out.len(), 20);
///
/// let mut appended = BytesMut::new();
/// encode_frame(Opcode::Text, true, false, b"Hello", key, &mut appended).unwrap();
/// assert_eq!(&out[..len], &appended[..]);
/// ```
pub fn encode_frame_over(
    opcode: Opcode,
    fin: bool,
    rsv1: bool,
    payload: &[u8],
    mask_key: [u8; 4],
    out: &mut Vec<u8>,
) -> Result<usize> {
    let header = client_header(opcode, fin, rsv1, payload.len(), mask_key)?;
    let header = header.as_bytes();
    let len = header.len() + payload.len();
    if out.len() < len {
        out.resize(len, 0);
    }
    let (head, body) = out[..len].split_at_mut(header.len());
    head.copy_from_slice(header);
    mask_copy(payload, mask_key, body);
    Ok(len)
}

/// Writes `src` masked with `key` into `dst` (the same length): byte `i`
/// is `src[i] ^ key[i % 4]`. The loop has [`apply_mask_offset`]'s shape,
/// which the optimiser turns into vector XORs.
fn mask_copy(src: &[u8], key: [u8; 4], dst: &mut [u8]) {
    debug_assert_eq!(src.len(), dst.len());
    let word = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut blocks = dst.chunks_exact_mut(32);
    let mut sources = src.chunks_exact(32);
    for (block, source) in (&mut blocks).zip(&mut sources) {
        for (lane, from) in block.chunks_exact_mut(8).zip(source.chunks_exact(8)) {
            xor_word_from(lane, from, word);
        }
    }
    let (rest, rest_src) = (blocks.into_remainder(), sources.remainder());
    let mut words = rest.chunks_exact_mut(8);
    let mut word_sources = rest_src.chunks_exact(8);
    for (lane, from) in (&mut words).zip(&mut word_sources) {
        xor_word_from(lane, from, word);
    }
    // Every step above was a multiple of 4 bytes: the key phase is 0.
    let tail = words.into_remainder().iter_mut();
    for ((b, s), m) in tail.zip(word_sources.remainder()).zip(key.iter().cycle()) {
        *b = s ^ m;
    }
}

#[inline(always)]
fn xor_word_from(lane: &mut [u8], from: &[u8], word: u64) {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(from);
    lane.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
}

/// The vectored form of [`encode_frame`]: masks `payload` in place and
/// returns the header, so that the caller writes `[header, payload]` with
/// one vectored write and the payload is never copied. On error `payload`
/// is left as it was.
///
/// ```
/// use ahttp_proto::ws::frame::{encode_frame, encode_frame_vectored, Opcode};
/// use bytes::BytesMut;
///
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut payload = b"Hello".to_vec();
/// let header = encode_frame_vectored(Opcode::Text, true, false, &mut payload, key).unwrap();
///
/// let mut joined = BytesMut::new();
/// encode_frame(Opcode::Text, true, false, b"Hello", key, &mut joined).unwrap();
/// assert_eq!([header.as_bytes(), &payload].concat(), &joined[..]);
/// // RFC 6455 section 5.7's masked "Hello".
/// assert_eq!(&joined[..], b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
/// ```
pub fn encode_frame_vectored(
    opcode: Opcode,
    fin: bool,
    rsv1: bool,
    payload: &mut [u8],
    mask_key: [u8; 4],
) -> Result<EncodedHeader> {
    let header = client_header(opcode, fin, rsv1, payload.len(), mask_key)?;
    apply_mask(payload, mask_key);
    Ok(header)
}

/// Masks (or unmasks: it is its own inverse) `data` with `key` in place,
/// as RFC 6455 section 5.3 defines: byte `i` is XORed with `key[i % 4]`.
///
/// ```
/// use ahttp_proto::ws::frame::apply_mask;
///
/// let mut data = *b"abcdefghij";
/// apply_mask(&mut data, [1, 2, 3, 4]);
/// assert_eq!(data[4], b'e' ^ 1);
/// apply_mask(&mut data, [1, 2, 3, 4]);
/// assert_eq!(&data, b"abcdefghij");
/// ```
pub fn apply_mask(data: &mut [u8], key: [u8; 4]) {
    apply_mask_offset(data, key, 0);
}

/// [`apply_mask`] for a piece of a payload that starts `offset` bytes into
/// it: byte `i` of `data` is XORed with `key[(offset + i) % 4]`. Masking a
/// payload piece by piece gives the same bytes as masking it whole.
///
/// Works eight bytes at a time (a `u64` XOR with the key, rotated for
/// `offset`, repeated twice), then byte by byte for the tail.
///
/// ```
/// use ahttp_proto::ws::frame::{apply_mask, apply_mask_offset};
///
/// let key = [0xde, 0xad, 0xbe, 0xef];
/// let mut whole = [0x55u8; 37];
/// apply_mask(&mut whole, key);
/// let mut pieces = [0x55u8; 37];
/// let (a, b) = pieces.split_at_mut(13);
/// apply_mask_offset(a, key, 0);
/// apply_mask_offset(b, key, 13);
/// assert_eq!(whole, pieces);
/// ```
pub fn apply_mask_offset(data: &mut [u8], key: [u8; 4], offset: usize) {
    // The key turned to `offset`'s phase: byte i is key[(offset + i) % 4]
    // (a rotation of the little-endian word), twice in a u64.
    let k = u32::from_le_bytes(key)
        .rotate_right(8 * (offset % 4) as u32)
        .to_le_bytes();
    let word = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    // 32 bytes per step: four independent words, which the optimiser turns
    // into vector XORs. (A 64-byte pattern array was tried: building it
    // cost more than the wider loop saved on 1 KiB.)
    let mut blocks = data.chunks_exact_mut(32);
    for block in &mut blocks {
        for lane in block.chunks_exact_mut(8) {
            xor_word(lane, word);
        }
    }
    let rest = blocks.into_remainder();
    let mut words = rest.chunks_exact_mut(8);
    for lane in &mut words {
        xor_word(lane, word);
    }
    // Every step above was a multiple of 4 bytes, so the key phase is
    // unchanged for the tail.
    for (b, m) in words.into_remainder().iter_mut().zip(k.iter().cycle()) {
        *b ^= m;
    }
}

#[inline(always)]
fn xor_word(lane: &mut [u8], word: u64) {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(lane);
    lane.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
}

/// What [`FrameDecoder::decode`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A frame header. `payload_len` bytes of payload follow as
    /// [`FrameEvent::Payload`] events (none when it is 0), then
    /// [`FrameEvent::End`].
    Header(FrameHeader),
    /// Payload bytes of the current frame, never empty, split off the
    /// input buffer without copying. A data frame's payload comes in as
    /// many pieces as it arrives in; a control frame's comes whole.
    Payload(Bytes),
    /// The current frame's payload is complete.
    End,
    /// More input is needed.
    NeedData,
}

#[derive(Debug, Clone)]
enum State {
    /// Reading a header: `have` of `need` bytes are in `head` (`need` is 2
    /// until the second byte tells the length encoding).
    Header {
        head: [u8; 10],
        have: usize,
        need: usize,
    },
    /// Inside a payload.
    Payload { remaining: u64, control: bool },
    /// The payload is complete; [`FrameEvent::End`] comes next.
    End,
}

const FRESH: State = State::Header {
    head: [0; 10],
    have: 0,
    need: 2,
};

/// Decoder of the frames a server sends. See the [module
/// documentation](self).
///
/// ```
/// use ahttp_proto::ws::frame::{FrameDecoder, FrameEvent};
/// use ahttp_proto::ErrorKind;
/// use bytes::BytesMut;
///
/// // A binary frame announcing 2^40 bytes: refused as soon as its length
/// // is read, before any payload is waited for.
/// let mut buf = BytesMut::from(&[0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0][..]);
/// let mut decoder = FrameDecoder::new().with_max_frame_size(4 << 20);
/// let err = decoder.decode(&mut buf).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit: 4 << 20 });
///
/// // A masked frame from a server is a protocol error (RFC 6455 5.1).
/// let mut buf = BytesMut::from(&[0x81, 0x80, 1, 2, 3, 4][..]);
/// let err = FrameDecoder::new().decode(&mut buf).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::WsInvalidFrame(_)));
/// assert_eq!(err.offset(), Some(1));
/// ```
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    permessage_deflate: bool,
    max_frame_size: u64,
    state: State,
    /// Stream offset of the front of the caller's buffer.
    consumed: u64,
    /// Stream offset of the current frame's first byte.
    frame_start: u64,
    error: Option<Error>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder that refuses RSV1 (no permessage-deflate) and has no
    /// frame size limit.
    pub fn new() -> Self {
        FrameDecoder {
            permessage_deflate: false,
            max_frame_size: 0,
            state: FRESH,
            consumed: 0,
            frame_start: 0,
            error: None,
        }
    }

    /// Allows RSV1 on the first frame of a data message, as
    /// permessage-deflate (RFC 7692) does once negotiated.
    pub fn with_permessage_deflate(mut self, negotiated: bool) -> Self {
        self.permessage_deflate = negotiated;
        self
    }

    /// Refuses, as soon as its header is read, a frame whose payload is
    /// longer than `limit` bytes, with [`ErrorKind::WsMessageTooBig`] at
    /// the frame's first byte. 0 means no limit.
    pub fn with_max_frame_size(mut self, limit: u64) -> Self {
        self.max_frame_size = limit;
        self
    }

    /// How many bytes the decoder has taken off the front of the buffer in
    /// all: the stream offset of the next byte it will read.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The stream offset of the first byte of the current frame (of the
    /// last one, between frames).
    pub fn frame_offset(&self) -> u64 {
        self.frame_start
    }

    /// Payload bytes of the current frame still to come, when inside a
    /// payload.
    pub fn payload_remaining(&self) -> Option<u64> {
        match self.state {
            State::Payload { remaining, .. } => Some(remaining),
            _ => None,
        }
    }

    /// True between frames: no part of a frame has been read, or the last
    /// frame is complete (its [`FrameEvent::End`] may still be pending).
    pub fn is_between_frames(&self) -> bool {
        matches!(self.state, State::Header { have: 0, .. } | State::End)
    }

    /// Decodes from the front of `buf`, removing what it consumed. Errors
    /// carry the stream offset of the offending byte and are sticky.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<FrameEvent> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.step(buf);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    fn step(&mut self, buf: &mut BytesMut) -> Result<FrameEvent> {
        if let State::Header { have: 0, .. } = self.state {
            if let Some(event) = self.whole_header(buf)? {
                return Ok(event);
            }
        }
        match &mut self.state {
            State::Header { head, have, need } => {
                while *have < *need {
                    if buf.is_empty() {
                        return Ok(FrameEvent::NeedData);
                    }
                    if *have == 0 {
                        self.frame_start = self.consumed;
                    }
                    let n = (*need - *have).min(buf.len());
                    head[*have..*have + n].copy_from_slice(&buf[..n]);
                    buf.advance(n);
                    self.consumed += n as u64;
                    let before = *have;
                    *have += n;
                    if before == 0 {
                        check_first_byte(head[0], self.permessage_deflate)
                            .map_err(|why| invalid(why, self.frame_start))?;
                    }
                    if before < 2 && *have >= 2 {
                        let control = head[0] & 0x8 != 0;
                        *need = check_second_byte(head[1], control)
                            .map_err(|why| invalid(why, self.frame_start + 1))?;
                    }
                }
                let header = parse_header(&head[..*need])
                    .map_err(|why| invalid(why, self.frame_start + 2))?;
                self.header_done(header)
            }
            State::Payload { remaining, control } => {
                let available = buf.len() as u64;
                if available == 0 || (*control && available < *remaining) {
                    return Ok(FrameEvent::NeedData);
                }
                let n = (*remaining).min(available);
                let bytes = buf.split_to(n as usize).freeze();
                self.consumed += n;
                *remaining -= n;
                if *remaining == 0 {
                    self.state = State::End;
                }
                Ok(FrameEvent::Payload(bytes))
            }
            State::End => {
                self.state = FRESH;
                Ok(FrameEvent::End)
            }
        }
    }
}

/// A whole frame found in the buffer by [`FrameDecoder::peek_whole`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeFrame {
    /// Its header.
    pub header: FrameHeader,
    /// The header's length in bytes; the payload follows it.
    pub header_len: usize,
}

impl WholeFrame {
    /// The payload's place in the buffer it was found in.
    pub fn payload_range(&self) -> std::ops::Range<usize> {
        // peek_whole checked that the payload is in the buffer, so it fits
        // a usize.
        self.header_len..self.header_len + self.header.payload_len as usize
    }
}

impl FrameDecoder {
    /// When the decoder is between frames and `buf` starts with a whole,
    /// valid frame (header and payload, within the size limit): that
    /// frame, without consuming anything. `None` otherwise, including for
    /// an invalid header, which [`decode`](Self::decode) then reports.
    ///
    /// With [`take_whole`](Self::take_whole) this decodes the common case
    /// of a message in one frame in one step instead of three events.
    #[inline]
    pub fn peek_whole(&self, buf: &[u8]) -> Option<WholeFrame> {
        if !matches!(self.state, State::Header { have: 0, .. }) || self.error.is_some() {
            return None;
        }
        let (&b0, &b1) = (buf.first()?, buf.get(1)?);
        // The usual message: FIN, no RSV bit, text or binary, unmasked, a
        // 7-bit or a (minimal) 16-bit length. Nothing more to check.
        let usual = match (b0, b1) {
            (0x81 | 0x82, 0..=125) => Some((u64::from(b1), 2)),
            (0x81 | 0x82, 126) => match buf.get(2..4) {
                Some(&[hi, lo]) if u16::from_be_bytes([hi, lo]) >= 126 => {
                    Some((u64::from(u16::from_be_bytes([hi, lo])), 4))
                }
                _ => None,
            },
            _ => None,
        };
        let (header, header_len) = match usual {
            Some((payload_len, header_len)) => {
                let opcode = if b0 == 0x81 {
                    Opcode::Text
                } else {
                    Opcode::Binary
                };
                let header = FrameHeader {
                    fin: true,
                    rsv1: false,
                    opcode,
                    mask: None,
                    payload_len,
                };
                (header, header_len)
            }
            None => {
                check_first_byte(b0, self.permessage_deflate).ok()?;
                let header_len = check_second_byte(b1, b0 & 0x8 != 0).ok()?;
                (parse_header(buf.get(..header_len)?).ok()?, header_len)
            }
        };
        if self.max_frame_size != 0 && header.payload_len > self.max_frame_size {
            return None;
        }
        let available = (buf.len() - header_len) as u64;
        (header.payload_len <= available).then_some(WholeFrame { header, header_len })
    }

    /// Consumes the frame [`peek_whole`](Self::peek_whole) found at the
    /// front of `buf` and returns its payload, split off without copying.
    #[inline]
    pub fn take_whole(&mut self, buf: &mut BytesMut, frame: &WholeFrame) -> Bytes {
        let range = frame.payload_range();
        self.frame_start = self.consumed;
        self.consumed += range.end as u64;
        buf.advance(range.start);
        buf.split_to(range.len()).freeze()
    }

    /// The common case of a header that is all in the buffer: checked and
    /// taken in one step, without copying it byte by byte. `None` (and
    /// nothing consumed) when the buffer holds less than the header.
    fn whole_header(&mut self, buf: &mut BytesMut) -> Result<Option<FrameEvent>> {
        let (Some(&b0), Some(&b1)) = (buf.first(), buf.get(1)) else {
            return Ok(None);
        };
        self.frame_start = self.consumed;
        check_first_byte(b0, self.permessage_deflate)
            .map_err(|why| invalid(why, self.frame_start))?;
        let need = check_second_byte(b1, b0 & 0x8 != 0)
            .map_err(|why| invalid(why, self.frame_start + 1))?;
        let Some(head) = buf.get(..need) else {
            return Ok(None);
        };
        let header = parse_header(head).map_err(|why| invalid(why, self.frame_start + 2))?;
        buf.advance(need);
        self.consumed += need as u64;
        self.header_done(header).map(Some)
    }

    /// A header has been read: check its length against the limit and
    /// move on to its payload.
    fn header_done(&mut self, header: FrameHeader) -> Result<FrameEvent> {
        if self.max_frame_size != 0 && header.payload_len > self.max_frame_size {
            return Err(Error::at(
                ErrorKind::WsMessageTooBig {
                    limit: self.max_frame_size,
                },
                self.frame_start,
            ));
        }
        self.state = if header.payload_len == 0 {
            State::End
        } else {
            State::Payload {
                remaining: header.payload_len,
                control: header.opcode.is_control(),
            }
        };
        Ok(FrameEvent::Header(header))
    }
}

fn invalid(why: &'static str, at: u64) -> Error {
    Error::at(ErrorKind::WsInvalidFrame(why), at)
}

/// Checks FIN, RSV and opcode.
fn check_first_byte(b: u8, deflate: bool) -> Result<(), &'static str> {
    if b & 0x30 != 0 {
        return Err("RSV2 or RSV3 set");
    }
    let Some(opcode) = Opcode::from_u8(b & 0x0f) else {
        return Err("reserved opcode");
    };
    if b & 0x40 != 0 {
        if opcode.is_control() {
            return Err("RSV1 set on a control frame");
        }
        if opcode == Opcode::Continuation {
            return Err("RSV1 set on a continuation frame");
        }
        if !deflate {
            return Err("RSV1 set without permessage-deflate");
        }
    }
    if opcode.is_control() && b & 0x80 == 0 {
        return Err("fragmented control frame");
    }
    Ok(())
}

/// Checks MASK and the 7-bit length; returns the header's length without
/// the mask key.
fn check_second_byte(b: u8, control: bool) -> Result<usize, &'static str> {
    if b & 0x80 != 0 {
        return Err("masked frame from the server");
    }
    match b & 0x7f {
        n if control && n > 125 => Err("control frame payload longer than 125 bytes"),
        126 => Ok(4),
        127 => Ok(10),
        _ => Ok(2),
    }
}

/// Builds the header of a complete, pre-checked unmasked header; checks
/// that an extended length is minimal and below 2^63.
fn parse_header(head: &[u8]) -> Result<FrameHeader, &'static str> {
    let payload_len = match *head {
        [_, _, a, b] => {
            let n = u64::from(u16::from_be_bytes([a, b]));
            if n < 126 {
                return Err("16-bit length below 126");
            }
            n
        }
        [_, _, a, b, c, d, e, f, g, h] => {
            let n = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
            if n >> 63 != 0 {
                return Err("64-bit length with the most significant bit set");
            }
            if n <= 0xffff {
                return Err("64-bit length below 65536");
            }
            n
        }
        _ => u64::from(head.get(1).copied().unwrap_or(0) & 0x7f),
    };
    let b0 = head.first().copied().unwrap_or(0);
    Ok(FrameHeader {
        fin: b0 & 0x80 != 0,
        rsv1: b0 & 0x40 != 0,
        // Checked by `check_first_byte`.
        opcode: Opcode::from_u8(b0 & 0x0f).unwrap_or(Opcode::Continuation),
        mask: None,
        payload_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(data: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in data.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn mask_matches_the_byte_loop_at_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for len in 0..80 {
            for offset in 0..8 {
                let src: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(31)).collect();
                let mut fast = src.clone();
                let mut slow = src.clone();
                apply_mask_offset(&mut fast, key, offset);
                naive(&mut slow, key, offset);
                assert_eq!(fast, slow, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn header_lengths_use_the_shortest_form() {
        for (len, size) in [(0u64, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let h = FrameHeader {
                fin: true,
                rsv1: false,
                opcode: Opcode::Binary,
                mask: None,
                payload_len: len,
            };
            let enc = h.encode().unwrap();
            assert_eq!(enc.as_bytes().len(), size, "{len}");
            assert_eq!(parse_header(enc.as_bytes()).unwrap(), h);
        }
    }
}
