//! WebSocket (RFC 6455), sans-IO: the mask key and the handshake key are
//! passed in, nothing reads a clock or draws random numbers.
//!
//! - [`frame`]: the frame codec (decoder and encoder, masking).
//! - [`message`]: message assembly across fragments, UTF-8 validation,
//!   size limits, the close handshake.
//! - [`handshake`]: the client's opening handshake.
//! - [`deflate`]: permessage-deflate (RFC 7692).

pub mod deflate;
pub mod frame;
pub mod handshake;
pub mod message;
