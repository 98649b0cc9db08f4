//! permessage-deflate (RFC 7692), client side: the offer, the server's
//! answer, and the per-message [`Compressor`] and [`Decompressor`].
//!
//! - [`DeflateConfig`] is what the client offers. [`DeflateConfig::from_compress`]
//!   turns aiohttp's `ws_connect(compress=N)` into the same offer, and
//!   [`DeflateConfig::offer`] writes the `Sec-WebSocket-Extensions` value
//!   byte for byte as aiohttp's `ws_ext_gen` does.
//! - [`DeflateConfig::negotiate`] checks the parameters the server answered
//!   with and gives the [`Negotiated`] settings (the opening handshake in
//!   [`super::handshake`] calls it).
//! - [`Compressor`] compresses outgoing messages (raw deflate, a sync flush
//!   at the end of each message, the trailing `00 00 ff ff` removed,
//!   RFC 7692 section 7.2.1); [`Decompressor`] undoes it for incoming ones
//!   (section 7.2.2), never producing more than the message size bound.
//!
//! Both keep the LZ77 window from one message to the next ("context
//! takeover") unless the negotiation said otherwise. Whether one message is
//! compressed at all (aiohttp's per-message `compress=` argument, the RSV1
//! bit) is the caller's choice: a message sent uncompressed simply does not
//! go through the [`Compressor`], which leaves its state untouched.
//!
//! ```
//! use ahttp_proto::ws::deflate::{Compressor, DeflateConfig, Decompressor};
//!
//! // aiohttp's ws_connect(compress=15) offers:
//! let config = DeflateConfig::from_compress(15)?.expect("15 means on");
//! assert_eq!(config.offer()?, "permessage-deflate; client_max_window_bits");
//!
//! // The server answered `Sec-WebSocket-Extensions: permessage-deflate`.
//! let negotiated = config.negotiate([])?;
//!
//! let mut compressor = Compressor::new(&negotiated);
//! let wire = compressor.compress_message(b"Hello")?;
//! assert_eq!(&wire[..], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
//!
//! // The peer's side of the same connection (the server's compressor uses
//! // the server parameters; they are the same here).
//! let mut decompressor = Decompressor::new(&negotiated, Some(4 * 1024 * 1024));
//! assert_eq!(&decompressor.decompress_message(&wire)?[..], b"Hello");
//! # Ok::<(), ahttp_proto::Error>(())
//! ```

use crate::{Error, ErrorKind, Result};
use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The extension token, `permessage-deflate`.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// What RFC 7692 section 7.2.1 strips from the end of every compressed
/// message and section 7.2.2 appends again before inflating.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Smallest and largest output step of one (de)compressor call.
const MIN_STEP: usize = 512;
const MAX_STEP: usize = 64 * 1024;

/// The compression level aiohttp uses for WebSocket messages
/// (`Z_BEST_SPEED`).
pub const DEFAULT_LEVEL: u32 = 1;

fn deflate_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::WsDeflate(message.into()))
}

/// The permessage-deflate offer a client makes (RFC 7692 section 7.1).
///
/// Window sizes are the base-2 logarithm of the LZ77 window, 9 to 15:
/// RFC 7692 also allows 8, but zlib cannot write raw deflate with a
/// 256-byte window, so aiohttp refuses it and so does [`offer`](Self::offer).
///
/// ```
/// use ahttp_proto::ws::deflate::DeflateConfig;
///
/// let config = DeflateConfig {
///     server_no_context_takeover: true,
///     client_max_window_bits: Some(15),
///     server_max_window_bits: Some(10),
///     ..DeflateConfig::default()
/// };
/// assert_eq!(
///     config.offer()?,
///     "permessage-deflate; client_max_window_bits; server_max_window_bits=10; \
///      server_no_context_takeover"
/// );
/// # Ok::<(), ahttp_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateConfig {
    /// Promise not to use context takeover for our own messages
    /// (`client_no_context_takeover`). aiohttp never offers it.
    pub client_no_context_takeover: bool,
    /// Ask the server not to use context takeover for its messages
    /// (`server_no_context_takeover`); the server must then agree.
    pub server_no_context_takeover: bool,
    /// `client_max_window_bits`: `None` leaves the parameter out (the server
    /// may then not limit our window); `Some(15)` sends it without a value,
    /// as aiohttp always does, which lets the server pick our window size;
    /// `Some(n)` with `n < 15` also promises we use at most `2^n` bytes.
    pub client_max_window_bits: Option<u8>,
    /// `server_max_window_bits=n`: the largest window the server may use
    /// for its messages; the server must then answer with `n` or less.
    /// aiohttp sends it as `compress=n` when `n < 15`.
    pub server_max_window_bits: Option<u8>,
}

impl DeflateConfig {
    /// The offer aiohttp's `ws_connect(compress=...)` makes: 0 means no
    /// compression (`None`), 9 to 15 are the window bits the server may
    /// use, anything else is refused as aiohttp refuses it.
    ///
    /// ```
    /// use ahttp_proto::ws::deflate::DeflateConfig;
    ///
    /// assert_eq!(DeflateConfig::from_compress(0)?, None);
    /// let offer = DeflateConfig::from_compress(12)?.unwrap().offer()?;
    /// assert_eq!(offer, "permessage-deflate; client_max_window_bits; server_max_window_bits=12");
    /// assert!(DeflateConfig::from_compress(8).is_err());
    /// # Ok::<(), ahttp_proto::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsDeflate`] for a value other than 0 and 9 to 15.
    pub fn from_compress(compress: u8) -> Result<Option<DeflateConfig>> {
        match compress {
            0 => Ok(None),
            9..=15 => Ok(Some(DeflateConfig {
                client_no_context_takeover: false,
                server_no_context_takeover: false,
                client_max_window_bits: Some(15),
                server_max_window_bits: (compress < 15).then_some(compress),
            })),
            _ => Err(deflate_error(
                "compress window bits must be between 9 and 15 (zlib does not support 8)",
            )),
        }
    }

    /// The `Sec-WebSocket-Extensions` value for this offer, parameters in
    /// aiohttp's order (`client_max_window_bits`, `server_max_window_bits`,
    /// `server_no_context_takeover`), then `client_no_context_takeover`,
    /// which aiohttp never sends.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsDeflate`] when a window size is outside 9 to 15.
    pub fn offer(&self) -> Result<String> {
        let mut out = String::from(EXTENSION_NAME);
        match self.client_max_window_bits {
            None => {}
            Some(15) => out.push_str("; client_max_window_bits"),
            Some(bits @ 9..=14) => {
                out.push_str("; client_max_window_bits=");
                out.push_str(&bits.to_string());
            }
            Some(_) => {
                return Err(deflate_error(
                    "client_max_window_bits must be between 9 and 15",
                ))
            }
        }
        match self.server_max_window_bits {
            None => {}
            Some(bits @ 9..=15) => {
                out.push_str("; server_max_window_bits=");
                out.push_str(&bits.to_string());
            }
            Some(_) => {
                return Err(deflate_error(
                    "server_max_window_bits must be between 9 and 15",
                ))
            }
        }
        if self.server_no_context_takeover {
            out.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            out.push_str("; client_no_context_takeover");
        }
        Ok(out)
    }

    /// Checks the parameters of the server's `permessage-deflate` answer
    /// (names and unquoted values, as split by the handshake) against this
    /// offer, and returns the settings both sides now use.
    ///
    /// The rules are RFC 7692 section 7.1's, as Python websockets' client
    /// applies them; aiohttp's `ws_ext_parse` is laxer in places (noted):
    ///
    /// - only the four parameters exist; any other is refused (as aiohttp);
    /// - no parameter may appear twice (aiohttp accepts repeats);
    /// - `*_no_context_takeover` take no value;
    /// - `server_max_window_bits` needs a value, 8 to 15 without leading
    ///   zeros, no larger than the one offered, and must be present when
    ///   one was offered (aiohttp ignores this parameter);
    /// - `client_max_window_bits` is allowed only when offered, and its value
    ///   must be 9 to 15 (8 is refused because zlib cannot compress with it,
    ///   aiohttp's "Invalid window size") and no larger than the one offered;
    ///   without a value it means 15 (as aiohttp reads it);
    /// - `server_no_context_takeover` must be present when it was offered.
    ///
    /// ```
    /// use ahttp_proto::ws::deflate::{DeflateConfig, Negotiated};
    ///
    /// let offer = DeflateConfig::from_compress(15)?.unwrap();
    /// let negotiated = offer.negotiate([
    ///     ("client_max_window_bits", Some("10")),
    ///     ("server_no_context_takeover", None),
    /// ])?;
    /// assert_eq!(
    ///     negotiated,
    ///     Negotiated {
    ///         client_no_context_takeover: false,
    ///         server_no_context_takeover: true,
    ///         client_window_bits: 10,
    ///         server_window_bits: 15,
    ///     }
    /// );
    /// assert!(offer.negotiate([("x_custom", None)]).is_err());
    /// # Ok::<(), ahttp_proto::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsDeflate`] naming the parameter that breaks a rule.
    pub fn negotiate<'a, I>(&self, params: I) -> Result<Negotiated>
    where
        I: IntoIterator<Item = (&'a str, Option<&'a str>)>,
    {
        let mut client_no_context_takeover = false;
        let mut server_no_context_takeover = false;
        let mut client_max_window_bits: Option<u8> = None;
        let mut server_max_window_bits: Option<u8> = None;
        let mut seen = [false; 4];
        for (name, value) in params {
            let index = if name.eq_ignore_ascii_case("client_no_context_takeover") {
                0
            } else if name.eq_ignore_ascii_case("server_no_context_takeover") {
                1
            } else if name.eq_ignore_ascii_case("client_max_window_bits") {
                2
            } else if name.eq_ignore_ascii_case("server_max_window_bits") {
                3
            } else {
                return Err(deflate_error(format!(
                    "unknown permessage-deflate parameter {name:?}"
                )));
            };
            if seen[index] {
                return Err(deflate_error(format!(
                    "duplicate permessage-deflate parameter {name:?}"
                )));
            }
            seen[index] = true;
            match index {
                0 | 1 => {
                    if value.is_some() {
                        return Err(deflate_error(format!(
                            "permessage-deflate parameter {name:?} takes no value"
                        )));
                    }
                    if index == 0 {
                        client_no_context_takeover = true;
                    } else {
                        server_no_context_takeover = true;
                    }
                }
                2 => {
                    if self.client_max_window_bits.is_none() {
                        return Err(deflate_error(
                            "server sent client_max_window_bits, which was not offered",
                        ));
                    }
                    let bits = match value {
                        None => 15,
                        Some(v) => parse_window_bits(v).ok_or_else(|| {
                            deflate_error(format!("invalid client_max_window_bits {v:?}"))
                        })?,
                    };
                    if bits < 9 {
                        return Err(deflate_error(
                            "client_max_window_bits=8 is not supported by zlib",
                        ));
                    }
                    client_max_window_bits = Some(bits);
                }
                _ => {
                    let bits = value.and_then(parse_window_bits).ok_or_else(|| {
                        deflate_error(format!("invalid server_max_window_bits {value:?}"))
                    })?;
                    server_max_window_bits = Some(bits);
                }
            }
        }
        if self.server_no_context_takeover && !server_no_context_takeover {
            return Err(deflate_error(
                "server did not accept the server_no_context_takeover offer",
            ));
        }
        let offered_server = self.server_max_window_bits;
        let server_window_bits = match (offered_server, server_max_window_bits) {
            (Some(_), None) => {
                return Err(deflate_error(
                    "server did not accept the server_max_window_bits offer",
                ))
            }
            (Some(offered), Some(bits)) if bits > offered => {
                return Err(deflate_error(format!(
                    "server_max_window_bits={bits} is larger than the {offered} offered"
                )))
            }
            (_, Some(bits)) => bits,
            (None, None) => 15,
        };
        let offered_client = self.client_max_window_bits.unwrap_or(15).clamp(9, 15);
        let client_window_bits = match client_max_window_bits {
            Some(bits) if bits > offered_client => {
                return Err(deflate_error(format!(
                    "client_max_window_bits={bits} is larger than the {offered_client} offered"
                )))
            }
            Some(bits) => bits,
            None => offered_client,
        };
        Ok(Negotiated {
            client_no_context_takeover: client_no_context_takeover
                || self.client_no_context_takeover,
            server_no_context_takeover,
            client_window_bits,
            server_window_bits,
        })
    }
}

/// A window size value, RFC 7692 section 7.1.2: 8 to 15, decimal, no
/// leading zeros.
fn parse_window_bits(value: &str) -> Option<u8> {
    match value {
        "8" => Some(8),
        "9" => Some(9),
        "10" => Some(10),
        "11" => Some(11),
        "12" => Some(12),
        "13" => Some(13),
        "14" => Some(14),
        "15" => Some(15),
        _ => None,
    }
}

/// The permessage-deflate settings in force once the handshake succeeded.
///
/// `Negotiated::default()` is what a bare `permessage-deflate` answer gives:
/// context takeover both ways and 15-bit windows.
///
/// ```
/// use ahttp_proto::ws::deflate::Negotiated;
///
/// let n = Negotiated::default();
/// assert_eq!((n.client_window_bits, n.server_window_bits), (15, 15));
/// assert!(!n.client_no_context_takeover && !n.server_no_context_takeover);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Our compressor starts every message with an empty window
    /// (aiohttp's `client_notakeover`).
    pub client_no_context_takeover: bool,
    /// The server starts every message with an empty window, so our
    /// decompressor resets after each message.
    pub server_no_context_takeover: bool,
    /// The window our compressor uses, 9 to 15.
    pub client_window_bits: u8,
    /// The largest window the server uses, 8 to 15.
    pub server_window_bits: u8,
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            client_no_context_takeover: false,
            server_no_context_takeover: false,
            client_window_bits: 15,
            server_window_bits: 15,
        }
    }
}

/// Compresses outgoing messages (RFC 7692 section 7.2.1).
///
/// Give each message to [`compress`](Self::compress) in one or more pieces,
/// `fin` set on the last; every call appends the compressed bytes it could
/// produce to `out`, so a fragmented message can be sent frame by frame.
/// The last call flushes, and what it appends ends the message without the
/// `00 00 ff ff` trailer. Messages up to a few bytes may grow; a message with
/// no bytes at all becomes the single byte `00`.
///
/// With context takeover the window carries over to the next message, so
/// messages must reach the peer in the order they were compressed. After an
/// error every call returns the same error.
///
/// ```
/// use ahttp_proto::ws::deflate::{Compressor, Decompressor, Negotiated};
/// use bytes::BytesMut;
///
/// let negotiated = Negotiated::default();
/// let mut compressor = Compressor::new(&negotiated);
/// let mut decompressor = Decompressor::new(&negotiated, None);
///
/// // A message in two fragments; each call's output is one frame's payload.
/// let mut first = BytesMut::new();
/// compressor.compress(b"Hello, ", false, &mut first)?;
/// let mut second = BytesMut::new();
/// compressor.compress(b"world", true, &mut second)?;
///
/// let mut message = BytesMut::new();
/// decompressor.decompress(&first, false, &mut message)?;
/// decompressor.decompress(&second, true, &mut message)?;
/// assert_eq!(&message[..], b"Hello, world");
///
/// // The next message refers back to the first one's window.
/// let again = compressor.compress_message(b"Hello, world")?;
/// assert!(again.len() < 8);
/// assert_eq!(&decompressor.decompress_message(&again)?[..], b"Hello, world");
/// # Ok::<(), ahttp_proto::Error>(())
/// ```
pub struct Compressor {
    deflate: Compress,
    no_context_takeover: bool,
    /// Input went into the compressor since the last flush.
    in_message: bool,
    failed: Option<Error>,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("in_message", &self.in_message)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Compressor {
    /// A compressor for our side of `negotiated` (its `client_*` settings),
    /// at aiohttp's level, [`DEFAULT_LEVEL`].
    pub fn new(negotiated: &Negotiated) -> Compressor {
        Compressor::with_level(negotiated, DEFAULT_LEVEL)
    }

    /// As [`new`](Self::new), at compression `level` (0 to 9; larger
    /// values mean 9).
    pub fn with_level(negotiated: &Negotiated, level: u32) -> Compressor {
        let bits = negotiated.client_window_bits.clamp(9, 15);
        Compressor {
            deflate: Compress::new_with_window_bits(Compression::new(level.min(9)), false, bits),
            no_context_takeover: negotiated.client_no_context_takeover,
            in_message: false,
            failed: None,
        }
    }

    /// True when a message was started (a piece given without `fin`) and not
    /// yet ended.
    pub fn in_message(&self) -> bool {
        self.in_message
    }

    /// Compresses the next piece of the current message, appending what the
    /// compressor produced to `out`; `fin` ends the message. Without `fin`
    /// the output may be empty (the compressor holds data back until the
    /// end of the message).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsDeflate`] if the compressor fails, which zlib does
    /// only on internal errors; nothing is appended to `out` then.
    pub fn compress(&mut self, input: &[u8], fin: bool, out: &mut BytesMut) -> Result<()> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let start = out.len();
        let result = self.compress_inner(input, fin, out);
        if let Err(err) = &result {
            out.truncate(start);
            self.failed = Some(err.clone());
        }
        result
    }

    /// Compresses one whole message.
    ///
    /// # Errors
    ///
    /// As [`compress`](Self::compress); also [`ErrorKind::InvalidState`]
    /// when a fragmented message is in progress.
    pub fn compress_message(&mut self, message: &[u8]) -> Result<Bytes> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.in_message {
            return Err(Error::new(ErrorKind::InvalidState(
                "a fragmented message is being compressed",
            )));
        }
        let mut out = BytesMut::new();
        self.compress(message, true, &mut out)?;
        Ok(out.freeze())
    }

    fn compress_inner(&mut self, input: &[u8], fin: bool, out: &mut BytesMut) -> Result<()> {
        if !fin {
            if !input.is_empty() {
                self.run(input, FlushCompress::None, out)?;
                self.in_message = true;
            }
            return Ok(());
        }
        if input.is_empty() && !self.in_message {
            // Nothing since the last flush: zlib would refuse a second sync
            // flush in a row. An empty stored block, trailer stripped, is
            // what zlib writes for an empty message (RFC 7692 7.2.3.6).
            out.extend_from_slice(&[0x00]);
        } else {
            let start = out.len();
            self.run(input, FlushCompress::Sync, out)?;
            if out.len() < start + TAIL.len() || !out.ends_with(&TAIL) {
                return Err(deflate_error(
                    "the compressor's flush did not end with an empty stored block",
                ));
            }
            out.truncate(out.len() - TAIL.len());
        }
        self.in_message = false;
        if self.no_context_takeover {
            self.deflate.reset();
        }
        Ok(())
    }

    fn run(&mut self, input: &[u8], flush: FlushCompress, out: &mut BytesMut) -> Result<()> {
        let mut filled = out.len();
        let mut consumed = 0;
        let mut step = input.len().saturating_add(64).clamp(MIN_STEP, MAX_STEP);
        let result = loop {
            let end = filled + step;
            out.resize(end, 0);
            let (in_before, out_before) = (self.deflate.total_in(), self.deflate.total_out());
            if let Err(err) =
                self.deflate
                    .compress(&input[consumed..], &mut out[filled..end], flush)
            {
                break Err(deflate_error(err.to_string()));
            }
            let used = (self.deflate.total_in() - in_before) as usize;
            let made = (self.deflate.total_out() - out_before) as usize;
            consumed += used;
            filled += made;
            if made == step {
                step = (step * 2).min(MAX_STEP);
            } else if consumed == input.len() {
                break Ok(());
            } else if used == 0 && made == 0 {
                break Err(deflate_error("the compressor made no progress"));
            }
        };
        out.truncate(filled);
        result
    }
}

/// Decompresses incoming messages (RFC 7692 section 7.2.2), with a bound on
/// each message's decompressed size.
///
/// Give each compressed message (the payloads of its frames, in order) to
/// [`decompress`](Self::decompress) in pieces of any size, `fin` set on the
/// last; the `00 00 ff ff` trailer is appended here. Decompressed bytes are
/// appended to `out`. A message that would decompress to more than
/// `max_size` bytes fails with [`ErrorKind::WsMessageTooBig`] once the
/// decompressor produced one byte past the bound (into a scratch byte); at
/// most `max_size` bytes of the message reach `out`, whose capacity stays
/// within about twice that (`BytesMut`'s amortised growth), however small
/// the compressed input (a decompression bomb). After an error every
/// call returns the same error: the connection must be failed (close code
/// 1009 for a message too big, as aiohttp does).
///
/// A message may also end its deflate stream with a final block
/// (RFC 7692 section 7.2.3.4, at most one `00` byte may follow it); the
/// next message then starts a new stream.
///
/// ```
/// use ahttp_proto::ws::deflate::{Decompressor, Negotiated};
/// use ahttp_proto::ErrorKind;
/// use bytes::BytesMut;
///
/// // RFC 7692 section 7.2.3.2: two "Hello" messages sharing the window.
/// let mut d = Decompressor::new(&Negotiated::default(), Some(10));
/// assert_eq!(&d.decompress_message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])?[..], b"Hello");
/// assert_eq!(&d.decompress_message(&[0xf2, 0x00, 0x11, 0x00, 0x00])?[..], b"Hello");
///
/// // Eleven bytes against a bound of ten.
/// let mut d = Decompressor::new(&Negotiated::default(), Some(10));
/// let mut out = BytesMut::new();
/// let err = d.decompress(&[0x4a, 0x4c, 0x84, 0x03, 0x00, 0x00], true, &mut out).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::WsMessageTooBig { limit: 10 });
/// assert_eq!(out.len(), 10);
/// # Ok::<(), ahttp_proto::Error>(())
/// ```
pub struct Decompressor {
    inflate: Decompress,
    no_context_takeover: bool,
    max_size: Option<u64>,
    /// Decompressed bytes of the current message.
    produced: u64,
    /// Compressed bytes of the current message.
    consumed: u64,
    /// The deflate stream ended (a final block) inside the current message.
    stream_ended: bool,
    /// Bytes of the current message after the end of the stream.
    after_end: u64,
    failed: Option<Error>,
}

impl std::fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressor")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("max_size", &self.max_size)
            .field("produced", &self.produced)
            .field("consumed", &self.consumed)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// The outcome of one inflate step.
struct Step {
    used: usize,
    made: usize,
    ended: bool,
}

impl Decompressor {
    /// A decompressor for the server's side of `negotiated` (its
    /// `server_*` settings), bounding every message to `max_size`
    /// decompressed bytes (`None`: no bound, aiohttp's `max_msg_size=0`).
    ///
    /// The window is the negotiated server window (a window of 8 bits is
    /// read with 9, which accepts everything an 8-bit window can produce).
    /// The zlib-rs backend keeps a 32 KiB window whatever the size asked
    /// for, so a server that uses a larger window than it agreed to is
    /// still read correctly; the saving a small window offers is in the
    /// compressor.
    pub fn new(negotiated: &Negotiated, max_size: Option<u64>) -> Decompressor {
        let bits = negotiated.server_window_bits.clamp(9, 15);
        Decompressor {
            inflate: Decompress::new_with_window_bits(false, bits),
            no_context_takeover: negotiated.server_no_context_takeover,
            max_size,
            produced: 0,
            consumed: 0,
            stream_ended: false,
            after_end: 0,
            failed: None,
        }
    }

    /// The bound on a message's decompressed size.
    pub fn max_size(&self) -> Option<u64> {
        self.max_size
    }

    /// How many decompressed bytes the current message produced so far
    /// (0 between messages).
    pub fn message_len(&self) -> u64 {
        self.produced
    }

    /// Decompresses the next piece of the current message, appending the
    /// result to `out`; `fin` ends the message.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsMessageTooBig`] when the message passes `max_size`
    /// (`out` then holds the first `max_size` bytes of it), and
    /// [`ErrorKind::WsDeflate`] for corrupt compressed data.
    pub fn decompress(&mut self, input: &[u8], fin: bool, out: &mut BytesMut) -> Result<()> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let mut result = self.feed(input, out);
        if fin && result.is_ok() {
            result = self.end_message(out);
        }
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// Decompresses one whole message.
    ///
    /// # Errors
    ///
    /// As [`decompress`](Self::decompress); also [`ErrorKind::InvalidState`]
    /// when a fragmented message is in progress.
    pub fn decompress_message(&mut self, payload: &[u8]) -> Result<Bytes> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.consumed > 0 {
            return Err(Error::new(ErrorKind::InvalidState(
                "a fragmented message is being decompressed",
            )));
        }
        let mut out = BytesMut::new();
        self.decompress(payload, true, &mut out)?;
        Ok(out.freeze())
    }

    fn feed(&mut self, input: &[u8], out: &mut BytesMut) -> Result<()> {
        self.consumed += input.len() as u64;
        self.inflate_all(input, out)
    }

    fn end_message(&mut self, out: &mut BytesMut) -> Result<()> {
        // An empty payload holds no deflate data at all; appending the
        // trailer to nothing would leave half a stored block behind.
        if self.consumed > 0 && !self.stream_ended {
            self.inflate_all(&TAIL, out)?;
        }
        if self.no_context_takeover || self.stream_ended {
            self.inflate.reset(false);
        }
        self.produced = 0;
        self.consumed = 0;
        self.stream_ended = false;
        self.after_end = 0;
        Ok(())
    }

    fn too_big(&self) -> Error {
        Error::new(ErrorKind::WsMessageTooBig {
            limit: self.max_size.unwrap_or(u64::MAX),
        })
    }

    /// Bytes of the current message after its final deflate block: at most
    /// one `00` (the empty block header of RFC 7692 section 7.2.3.4).
    fn after_stream_end(&mut self, rest: &[u8]) -> Result<()> {
        self.after_end += rest.len() as u64;
        if self.after_end > 1 || rest.iter().any(|&b| b != 0) {
            return Err(deflate_error("data after the final deflate block"));
        }
        Ok(())
    }

    fn step(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step> {
        let (in_before, out_before) = (self.inflate.total_in(), self.inflate.total_out());
        let status = self
            .inflate
            .decompress(input, output, FlushDecompress::None)
            .map_err(|err| deflate_error(err.to_string()))?;
        Ok(Step {
            used: (self.inflate.total_in() - in_before) as usize,
            made: (self.inflate.total_out() - out_before) as usize,
            ended: status == Status::StreamEnd,
        })
    }

    fn inflate_all(&mut self, input: &[u8], out: &mut BytesMut) -> Result<()> {
        let mut filled = out.len();
        let mut consumed = 0;
        // The last step filled all the room it had: more output may wait.
        let mut pending = false;
        let mut step = input.len().saturating_mul(4).clamp(MIN_STEP, MAX_STEP);
        let result = loop {
            let rest = &input[consumed..];
            if self.stream_ended {
                break self.after_stream_end(rest);
            }
            if rest.is_empty() && !pending {
                break Ok(());
            }
            let room = match self.max_size {
                Some(limit) => limit.saturating_sub(self.produced),
                None => u64::MAX,
            };
            let (taken, full) = if room == 0 {
                // At the bound: one more byte is too many. Look for it in a
                // scratch byte that never reaches `out`.
                let mut probe = [0u8; 1];
                match self.step(rest, &mut probe) {
                    Ok(taken) if taken.made > 0 => break Err(self.too_big()),
                    Ok(taken) => (taken, false),
                    Err(err) => break Err(err),
                }
            } else {
                let want = step.min(usize::try_from(room).unwrap_or(usize::MAX));
                let end = filled + want;
                out.resize(end, 0);
                match self.step(rest, &mut out[filled..end]) {
                    Ok(taken) => {
                        let full = taken.made == want;
                        (taken, full)
                    }
                    Err(err) => break Err(err),
                }
            };
            consumed += taken.used;
            filled += taken.made;
            self.produced += taken.made as u64;
            pending = full;
            if taken.ended {
                self.stream_ended = true;
            } else if full {
                step = (step * 2).min(MAX_STEP);
            } else if taken.used == 0 && taken.made == 0 {
                if consumed == input.len() {
                    break Ok(());
                }
                break Err(deflate_error("the decompressor made no progress"));
            }
        };
        out.truncate(filled);
        result
    }
}
