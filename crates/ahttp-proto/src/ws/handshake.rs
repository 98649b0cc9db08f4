//! The client's opening handshake (RFC 6455 section 4.1).
//!
//! [`ClientHandshake`] holds what the client offers: the 16-byte key (drawn
//! by the caller, this crate draws no random numbers), the subprotocols, an
//! origin and a permessage-deflate offer. [`ClientHandshake::request_headers`]
//! gives the header fields to append to the `GET` request (written by
//! [`crate::h1`] like any other request), and
//! [`ClientHandshake::validate_response`] checks the server's answer and
//! returns the chosen subprotocol and the negotiated compression.
//!
//! ```
//! use ahttp_proto::ws::deflate::DeflateConfig;
//! use ahttp_proto::ws::handshake::{accept_key, ClientHandshake};
//!
//! let handshake = ClientHandshake::new(*b"the sample nonce")
//!     .protocols(["chat", "superchat"])
//!     .deflate(DeflateConfig::from_compress(15)?);
//! let headers = handshake.request_headers()?;
//! assert_eq!(
//!     headers,
//!     [
//!         ("Upgrade", "websocket".to_owned()),
//!         ("Connection", "Upgrade".to_owned()),
//!         ("Sec-WebSocket-Version", "13".to_owned()),
//!         ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==".to_owned()),
//!         ("Sec-WebSocket-Protocol", "chat,superchat".to_owned()),
//!         (
//!             "Sec-WebSocket-Extensions",
//!             "permessage-deflate; client_max_window_bits".to_owned()
//!         ),
//!     ]
//! );
//!
//! // The server's answer (status and header fields, from the h1 decoder).
//! let accepted = handshake.validate_response(
//!     101,
//!     [
//!         ("Upgrade", "websocket"),
//!         ("Connection", "Upgrade"),
//!         ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
//!         ("Sec-WebSocket-Protocol", "chat"),
//!         ("Sec-WebSocket-Extensions", "permessage-deflate"),
//!     ],
//! )?;
//! assert_eq!(accepted.protocol.as_deref(), Some("chat"));
//! assert_eq!(accepted.deflate.map(|d| d.client_window_bits), Some(15));
//! assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
//! # Ok::<(), ahttp_proto::Error>(())
//! ```
//!
//! The checks are aiohttp's (`ClientSession._ws_connect`) made as strict as
//! RFC 6455 asks where aiohttp is lax: aiohttp reads only the first
//! `Upgrade` and `Connection` field and wants `Connection` to be exactly
//! `upgrade`, here it must list the `upgrade` token; aiohttp ignores a
//! subprotocol or an extension the server picked without being offered
//! one, here both fail the handshake.

use super::deflate::{DeflateConfig, Negotiated, EXTENSION_NAME};
use crate::h1::Field;
use crate::token::is_tchar;
use crate::{Error, ErrorKind, RequestField, Result};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the key before hashing it.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value a server must answer to
/// `Sec-WebSocket-Key: key`: `base64(sha1(key + GUID))`.
///
/// ```
/// use ahttp_proto::ws::handshake::accept_key;
///
/// // RFC 6455 section 1.3.
/// assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(WS_GUID.as_bytes());
    BASE64.encode(sha1.finalize())
}

fn handshake_error(why: &'static str) -> Error {
    Error::new(ErrorKind::WsHandshake(why))
}

/// What the client offers in its opening handshake. See the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    key: String,
    accept: String,
    protocols: Vec<String>,
    origin: Option<String>,
    deflate: Option<DeflateConfig>,
}

/// The server's accepted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The subprotocol the server chose, one of those offered; `None` when
    /// it chose none (aiohttp's `ws.protocol` is then `None` too).
    pub protocol: Option<String>,
    /// The permessage-deflate settings, when the server accepted the offer.
    pub deflate: Option<Negotiated>,
}

impl ClientHandshake {
    /// A handshake with `key` as the 16 random bytes of
    /// `Sec-WebSocket-Key` (RFC 6455 asks for a fresh random key per
    /// connection; the caller draws it). No subprotocols, no origin, no
    /// compression.
    ///
    /// ```
    /// use ahttp_proto::ws::handshake::ClientHandshake;
    ///
    /// let handshake = ClientHandshake::new(*b"the sample nonce");
    /// assert_eq!(handshake.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    /// assert_eq!(handshake.expected_accept(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /// ```
    pub fn new(key: [u8; 16]) -> ClientHandshake {
        let key = BASE64.encode(key);
        let accept = accept_key(&key);
        ClientHandshake {
            key,
            accept,
            protocols: Vec::new(),
            origin: None,
            deflate: None,
        }
    }

    /// Offers these subprotocols, in order of preference (aiohttp's
    /// `protocols=`). Each must be an HTTP token;
    /// [`request_headers`](Self::request_headers) checks.
    pub fn protocols<I, S>(mut self, protocols: I) -> ClientHandshake
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Sends `Origin: origin` (aiohttp's `origin=`).
    pub fn origin(mut self, origin: impl Into<String>) -> ClientHandshake {
        self.origin = Some(origin.into());
        self
    }

    /// Offers permessage-deflate with `config`, or nothing for `None`
    /// (so [`DeflateConfig::from_compress`]'s result can be passed as is).
    pub fn deflate(mut self, config: impl Into<Option<DeflateConfig>>) -> ClientHandshake {
        self.deflate = config.into();
        self
    }

    /// The `Sec-WebSocket-Key` value, the base64 of the 16 key bytes.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The `Sec-WebSocket-Accept` value the server must answer with.
    pub fn expected_accept(&self) -> &str {
        &self.accept
    }

    /// The subprotocols offered.
    pub fn offered_protocols(&self) -> &[String] {
        &self.protocols
    }

    /// The permessage-deflate offer, if any.
    pub fn deflate_config(&self) -> Option<&DeflateConfig> {
        self.deflate.as_ref()
    }

    /// The header fields to append to the `GET` request, in aiohttp's
    /// order: `Upgrade: websocket`, `Connection: Upgrade`,
    /// `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key`, then when offered
    /// `Sec-WebSocket-Protocol` (the protocols joined with `,` and no space,
    /// as aiohttp writes them), `Origin` and `Sec-WebSocket-Extensions`.
    ///
    /// aiohttp lets caller headers override `Upgrade`, `Connection` and
    /// `Sec-WebSocket-Version`; merging is the client's business.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequestByte`] (field
    /// [`RequestField::HeaderValue`], offset inside the protocol or origin)
    /// for a subprotocol byte that is not a token character or an origin
    /// holding CR, LF or NUL; [`ErrorKind::WsHandshake`] for an empty
    /// subprotocol; [`ErrorKind::WsDeflate`] for a bad deflate offer.
    pub fn request_headers(&self) -> Result<Vec<(&'static str, String)>> {
        let mut headers = vec![
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Version", "13".to_owned()),
            ("Sec-WebSocket-Key", self.key.clone()),
        ];
        if !self.protocols.is_empty() {
            for protocol in &self.protocols {
                if protocol.is_empty() {
                    return Err(handshake_error("an offered subprotocol is empty"));
                }
                if let Some(at) = protocol.bytes().position(|b| !is_tchar(b)) {
                    return Err(Error::at(
                        ErrorKind::InvalidRequestByte {
                            field: RequestField::HeaderValue,
                            byte: protocol.as_bytes()[at],
                        },
                        at as u64,
                    ));
                }
            }
            headers.push(("Sec-WebSocket-Protocol", self.protocols.join(",")));
        }
        if let Some(origin) = &self.origin {
            if let Some(at) = origin.bytes().position(|b| matches!(b, b'\r' | b'\n' | 0)) {
                return Err(Error::at(
                    ErrorKind::InvalidRequestByte {
                        field: RequestField::HeaderValue,
                        byte: origin.as_bytes()[at],
                    },
                    at as u64,
                ));
            }
            headers.push(("Origin", origin.clone()));
        }
        if let Some(deflate) = &self.deflate {
            headers.push(("Sec-WebSocket-Extensions", deflate.offer()?));
        }
        Ok(headers)
    }

    /// Checks the server's answer: its status code and header fields,
    /// `(name, value)` pairs of anything that is bytes or text, names in any
    /// case (e.g. [`Headers::iter_raw`](crate::h1::Headers::iter_raw) of the
    /// h1 response head).
    ///
    /// Checked in aiohttp's order, each failure a distinct error:
    ///
    /// 1. the status is 101 (`WsHandshake("Invalid response status")`;
    ///    the caller has the status and headers for aiohttp's
    ///    `WSServerHandshakeError`);
    /// 2. `Upgrade` is `websocket`, in any case, and nothing else
    ///    (`"Invalid upgrade header"`);
    /// 3. `Connection` lists `upgrade`, in any case
    ///    (`"Invalid connection header"`);
    /// 4. there is one `Sec-WebSocket-Accept` and it is
    ///    [`expected_accept`](Self::expected_accept)
    ///    (`"Invalid challenge response"`);
    /// 5. `Sec-WebSocket-Protocol`, when present, names an offered
    ///    subprotocol: the first listed one that was offered is chosen (as
    ///    aiohttp does); none offered, or none of those listed offered, is
    ///    an error; absent or empty means no subprotocol;
    /// 6. `Sec-WebSocket-Extensions` lists nothing but one
    ///    `permessage-deflate`, and only if it was offered; its parameters
    ///    are checked by [`DeflateConfig::negotiate`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WsHandshake`] as above, [`ErrorKind::WsDeflate`] for
    /// permessage-deflate parameters that break RFC 7692.
    pub fn validate_response<I>(&self, status: u16, headers: I) -> Result<Accepted>
    where
        I: IntoIterator,
        I::Item: Field,
    {
        if status != 101 {
            return Err(handshake_error("Invalid response status"));
        }
        let mut upgrade_items = 0usize;
        let mut upgrade_ok = true;
        let mut connection_upgrade = false;
        let mut accepts = 0usize;
        let mut accept_ok = false;
        let mut protocol_listed = false;
        let mut protocol: Option<&String> = None;
        let mut extensions: Vec<Extension> = Vec::new();
        let mut extensions_ok = true;
        for field in headers {
            let (name, value) = (field.name(), field.value());
            if name.eq_ignore_ascii_case(b"upgrade") {
                for item in list_items(value) {
                    upgrade_items += 1;
                    upgrade_ok &= item.eq_ignore_ascii_case(b"websocket");
                }
            } else if name.eq_ignore_ascii_case(b"connection") {
                connection_upgrade |= list_items(value).any(|t| t.eq_ignore_ascii_case(b"upgrade"));
            } else if name.eq_ignore_ascii_case(b"sec-websocket-accept") {
                accepts += 1;
                accept_ok = trim_ows(value) == self.accept.as_bytes();
            } else if name.eq_ignore_ascii_case(b"sec-websocket-protocol") {
                for item in list_items(value) {
                    protocol_listed = true;
                    if protocol.is_none() {
                        protocol = self.protocols.iter().find(|p| p.as_bytes() == item);
                    }
                }
            } else if name.eq_ignore_ascii_case(b"sec-websocket-extensions") && extensions_ok {
                extensions_ok = parse_extensions(value, &mut extensions);
            }
        }
        if upgrade_items != 1 || !upgrade_ok {
            return Err(handshake_error("Invalid upgrade header"));
        }
        if !connection_upgrade {
            return Err(handshake_error("Invalid connection header"));
        }
        if accepts != 1 || !accept_ok {
            return Err(handshake_error("Invalid challenge response"));
        }
        if protocol_listed && protocol.is_none() {
            return Err(handshake_error(if self.protocols.is_empty() {
                "Server chose a subprotocol but none was offered"
            } else {
                "Server chose a subprotocol that was not offered"
            }));
        }
        if !extensions_ok {
            return Err(handshake_error("Invalid Sec-WebSocket-Extensions header"));
        }
        let mut deflate = None;
        for extension in &extensions {
            let offer = match &self.deflate {
                Some(offer) if extension.name.eq_ignore_ascii_case(EXTENSION_NAME) => offer,
                _ => {
                    return Err(handshake_error(
                        "Server accepted an extension that was not offered",
                    ))
                }
            };
            if deflate.is_some() {
                return Err(handshake_error(
                    "Server accepted permessage-deflate more than once",
                ));
            }
            let params = extension
                .params
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_deref()));
            deflate = Some(offer.negotiate(params)?);
        }
        Ok(Accepted {
            protocol: protocol.cloned(),
            deflate,
        })
    }
}

/// One element of a `Sec-WebSocket-Extensions` list.
struct Extension {
    name: String,
    params: Vec<(String, Option<String>)>,
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The non-empty elements of a comma-separated list (RFC 9110 `#rule`).
fn list_items(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|item| !item.is_empty())
}

/// A cursor over one `Sec-WebSocket-Extensions` field value.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        let token = self.bytes.get(start..self.at)?;
        if token.is_empty() {
            return None;
        }
        // tchar is ASCII.
        Some(token.iter().map(|&b| char::from(b)).collect())
    }

    /// A quoted-string, its opening quote already seen; returns it unescaped.
    fn quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            let b = self.peek()?;
            self.at += 1;
            match b {
                b'"' => return Some(out),
                b'\\' => {
                    let escaped = self
                        .peek()
                        .filter(|&e| e == b'\t' || (0x20..0x7f).contains(&e))?;
                    self.at += 1;
                    out.push(char::from(escaped));
                }
                b'\t' | 0x20..=0x7e => out.push(char::from(b)),
                _ => return None,
            }
        }
    }
}

/// Parses one `Sec-WebSocket-Extensions` field value (RFC 6455 section
/// 9.1, parameter values as tokens or quoted strings) onto `out`; false
/// when it is malformed.
fn parse_extensions(value: &[u8], out: &mut Vec<Extension>) -> bool {
    let mut cur = Cursor {
        bytes: value,
        at: 0,
    };
    loop {
        // Empty list elements are allowed.
        cur.skip_ows();
        match cur.peek() {
            None => return true,
            Some(b',') => {
                cur.at += 1;
                continue;
            }
            Some(_) => {}
        }
        let Some(name) = cur.token() else {
            return false;
        };
        let mut params = Vec::new();
        loop {
            cur.skip_ows();
            match cur.peek() {
                None | Some(b',') => break,
                Some(b';') => cur.at += 1,
                Some(_) => return false,
            }
            cur.skip_ows();
            let Some(param) = cur.token() else {
                return false;
            };
            cur.skip_ows();
            let value = if cur.peek() == Some(b'=') {
                cur.at += 1;
                cur.skip_ows();
                let value = if cur.peek() == Some(b'"') {
                    cur.at += 1;
                    cur.quoted()
                } else {
                    cur.token()
                };
                match value {
                    Some(value) => Some(value),
                    None => return false,
                }
            } else {
                None
            };
            params.push((param, value));
        }
        out.push(Extension { name, params });
    }
}
