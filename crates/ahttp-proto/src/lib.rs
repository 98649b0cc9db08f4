//! Sans-IO protocol core of ahttp.
//!
//! Everything here is a pure state machine or a pure function: bytes go in,
//! events and bytes to write come out. Nothing does IO, reads a clock or
//! draws random numbers; time (an [`std::time::Instant`]) and randomness
//! (a multipart boundary, a WebSocket mask) are passed in by the caller.
//!
//! - [`h1`]: the HTTP/1.1 client connection (request encoding, response
//!   decoding, body framing, keep-alive, limits, `Expect: 100-continue`).
//! - [`chunked`]: the chunked transfer coding, encoder and decoder.
//! - [`form`]: form-urlencoding of query parameters and bodies with
//!   aiohttp's quoting rules.
//! - [`multipart`]: the multipart/form-data writer and `FormData`.
//! - [`decode`]: streaming content decoding (gzip, deflate, br, zstd) with
//!   a bound on the decoded size.
//! - [`sse`]: the Server-Sent Events (`text/event-stream`) decoder.
//! - [`ws`]: WebSocket (RFC 6455): handshake, frames, messages, close
//!   handshake, permessage-deflate (RFC 7692).
//! - [`pool`]: the connection pool's policy (limits, waiters, idle expiry,
//!   retries) over an injected clock; the client carries out its decisions.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod chunked;
pub mod decode;
mod error;
pub mod form;
pub mod h1;
pub mod multipart;
pub mod pool;
pub mod sse;
mod token;
pub mod ws;

pub use error::{Error, ErrorKind, RequestField, Result};

/// docs/sans-io.md's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sans-io.md")]
pub struct SansIoDoctests;
