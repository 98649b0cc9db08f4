//! The client's error type, whose kinds mirror aiohttp's exception tree.
//!
//! | aiohttp | [`ErrorKind`] | group helper |
//! | --- | --- | --- |
//! | `ClientConnectionResetError` | `ConnectionReset` | [`Error::is_connection`] |
//! | `ClientOSError` | `Os` | `is_connection` |
//! | `ClientConnectorError` | `Connector` | `is_connection`, [`Error::is_connect`] |
//! | `ClientConnectorDNSError` | `ConnectorDns` | `is_connect` |
//! | `UnixClientConnectorError` | `UnixConnector` | `is_connect` |
//! | `ClientConnectorCertificateError` | `ConnectorCertificate` | `is_connect`, [`Error::is_ssl`] |
//! | `ClientConnectorSSLError` | `ConnectorSsl` | `is_connect`, `is_ssl` |
//! | `ServerFingerprintMismatch` | `FingerprintMismatch` | `is_connection`, `is_ssl` |
//! | `ClientProxyConnectionError` | `ProxyConnection` | `is_connect` |
//! | `ClientHttpProxyError` | `HttpProxy` | |
//! | `ServerDisconnectedError` | `ServerDisconnected` | `is_connection` |
//! | `ServerTimeoutError` / `ConnectionTimeoutError` / `SocketTimeoutError` | `ConnectionTimeout`, `SocketTimeout` | [`Error::is_timeout`] |
//! | (none: aiohttp#5546) | `WriteTimeout` | `is_timeout` |
//! | (none) | `PoolTimeout` | `is_timeout` |
//! | `asyncio.TimeoutError` for `total` | `TotalTimeout` | `is_timeout` |
//! | `ClientResponseError` (from `raise_for_status`) | `ResponseStatus` | [`Error::is_status`] |
//! | `ClientResponseError` for a malformed head | `InvalidResponse` | |
//! | `ContentTypeError` | `ContentType` | |
//! | `TooManyRedirects` | `TooManyRedirects` | [`Error::is_redirect`] |
//! | `ClientPayloadError` | `Payload` | [`Error::is_payload`] |
//! | `InvalidURL` / `InvalidUrlClientError` | `InvalidUrl` | |
//! | `InvalidUrlRedirectClientError` | `InvalidUrlRedirect` | `is_redirect` |
//! | `NonHttpUrlClientError` | `NonHttpUrl` | |
//! | `NonHttpUrlRedirectClientError` | `NonHttpUrlRedirect` | `is_redirect` |
//! | `ValueError` for contradictory options | `Builder` | |
//!
//! Every error carries the [`RequestInfo`] of the request it concerns once
//! one exists, and errors about a response carry its status, headers and
//! (for `raise_for_status`) the first 64 KiB of its body, which aiohttp
//! loses (aiohttp#4600).

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use std::fmt;
use url::Url;

/// What a request was: aiohttp's `RequestInfo(url, method, headers, real_url)`.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The URL without its fragment.
    pub url: Url,
    /// The method.
    pub method: Method,
    /// The URL with its fragment, as given.
    pub real_url: Url,
    /// The headers as sent, in order and case.
    pub(crate) sent: crate::wire_headers::WireHeaders,
    map: std::sync::OnceLock<HeaderMap>,
}

impl RequestInfo {
    pub(crate) fn new(
        url: Url,
        method: Method,
        real_url: Url,
        sent: crate::wire_headers::WireHeaders,
    ) -> Self {
        RequestInfo {
            url,
            method,
            real_url,
            sent,
            map: std::sync::OnceLock::new(),
        }
    }

    /// The headers as sent (built on first use).
    pub fn headers(&self) -> &HeaderMap {
        self.map.get_or_init(|| self.sent.to_map())
    }

    /// The headers as sent: names in the case sent, in order.
    pub fn raw_headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.sent.iter().map(|(n, v)| (n, v.as_bytes()))
    }
}

/// Why a server certificate failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateReason {
    /// Not issued by a trusted authority (self-signed, unknown CA, bad
    /// signature).
    Untrusted,
    /// Expired, or not valid yet.
    Expired,
    /// Issued for another name.
    WrongName,
    /// Anything else (revoked, bad usage, unparseable, ...).
    Other,
}

/// The status, headers and start of the body of the response an error is
/// about.
#[derive(Debug, Clone)]
pub struct ResponseParts {
    /// The status.
    pub status: StatusCode,
    /// The reason phrase.
    pub reason: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The first bytes of the body (up to 64 KiB for `raise_for_status`).
    pub body: Bytes,
    /// URLs of the redirects that led to it.
    pub history: Vec<Url>,
}

/// What went wrong. See the [module documentation](self) for the mapping to
/// aiohttp's exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection was reset while in use.
    ConnectionReset,
    /// Another operating-system error on an established connection.
    Os,
    /// Connecting to the host failed.
    Connector {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// The host name could not be resolved.
    ConnectorDns {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// The server's certificate failed verification (untrusted, expired,
    /// for another name): aiohttp's `ClientConnectorCertificateError`.
    ConnectorCertificate {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// What was wrong with the certificate.
        reason: CertificateReason,
    },
    /// The TLS handshake failed otherwise: aiohttp's
    /// `ClientConnectorSSLError`.
    ConnectorSsl {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// The certificate did not match the pinned fingerprint: aiohttp's
    /// `ServerFingerprintMismatch`.
    FingerprintMismatch {
        /// The pinned SHA-256, hex.
        expected: String,
        /// The presented certificate's SHA-256, hex.
        got: String,
    },
    /// The proxy could not be reached: aiohttp's
    /// `ClientProxyConnectionError`.
    ProxyConnection {
        /// The proxy's host.
        host: String,
        /// The proxy's port.
        port: u16,
    },
    /// The proxy answered CONNECT with a status other than 2xx: aiohttp's
    /// `ClientHttpProxyError`. The status and headers are in
    /// [`Error::response`].
    HttpProxy {
        /// The proxy's status code.
        status: u16,
    },
    /// A SOCKS proxy refused the tunnel (ahttp only: aiohttp has no SOCKS).
    SocksProxy {
        /// The SOCKS reply code (SOCKS5 REP, SOCKS4 CD, 0xff when no
        /// authentication method was acceptable).
        code: u8,
    },
    /// Connecting to a Unix socket failed.
    UnixConnector {
        /// The socket's path.
        path: String,
    },
    /// The server closed the connection before a complete response head.
    ServerDisconnected,
    /// Connecting (pool wait, DNS, TCP, TLS) took longer than `connect` or
    /// `sock_connect`.
    ConnectionTimeout,
    /// No data arrived for `sock_read`.
    SocketTimeout,
    /// A write made no progress for `sock_write` (ahttp only).
    WriteTimeout,
    /// No pooled connection became free within the `pool` timeout (ahttp
    /// only; aiohttp counts the wait against `connect`).
    PoolTimeout,
    /// The `total` timeout of the whole request passed.
    TotalTimeout,
    /// `raise_for_status`: the response status was 400 or higher.
    ResponseStatus,
    /// The response head was malformed (aiohttp's `ClientResponseError`
    /// wrapping a parser error).
    InvalidResponse,
    /// `json()` on a response whose Content-Type is not JSON.
    ContentType,
    /// More redirects than `max_redirects`.
    TooManyRedirects,
    /// The response body was truncated or malformed, or could not be
    /// decoded.
    Payload,
    /// The request body could not be read or sent.
    Body,
    /// The URL could not be parsed or has no host.
    InvalidUrl,
    /// A redirect's `Location` could not be parsed.
    InvalidUrlRedirect,
    /// The URL's scheme is not http or https.
    NonHttpUrl,
    /// A redirect to a scheme other than http or https.
    NonHttpUrlRedirect,
    /// Request options that contradict each other (aiohttp's `ValueError`).
    Builder,
    /// The session was closed.
    SessionClosed,
    /// A JSON body could not be encoded or decoded.
    Json,
    /// The server refused the WebSocket handshake or answered it wrongly:
    /// aiohttp's `WSServerHandshakeError`. The status and headers are in
    /// [`Error::response`].
    WsServerHandshake {
        /// The server's status code.
        status: u16,
    },
    /// The server broke the WebSocket protocol (a bad frame, invalid UTF-8,
    /// a message over `max_msg_size`): aiohttp's `WebSocketError`. The
    /// close code the client sent is here; the `ahttp_proto` error is the
    /// source.
    WebSocket {
        /// The close code sent to the server.
        close_code: u16,
    },
    /// `receive_str`, `receive_bytes` or `receive_json` got another kind
    /// of message: aiohttp's `WSMessageTypeError`.
    WsMessageType,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    /// Shared, so that an error kept (a failed body's, reported by every
    /// later read) is handed out again whole, cause included.
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
    request_info: Option<std::sync::Arc<RequestInfo>>,
    response: Option<ResponseParts>,
}

/// The error of every ahttp operation. Cloning it is cheap (its cause is
/// shared).
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

impl Error {
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                source: None,
                request_info: None,
                response: None,
            }),
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(std::sync::Arc::new(source));
        self
    }

    pub(crate) fn with_request(mut self, info: &std::sync::Arc<RequestInfo>) -> Self {
        if self.inner.request_info.is_none() {
            self.inner.request_info = Some(info.clone());
        }
        self
    }

    pub(crate) fn with_response(mut self, parts: ResponseParts) -> Self {
        self.inner.response = Some(parts);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The request this error concerns, once there was one.
    pub fn request_info(&self) -> Option<&RequestInfo> {
        self.inner.request_info.as_deref()
    }

    /// The response this error concerns (status, headers, start of body).
    pub fn response(&self) -> Option<&ResponseParts> {
        self.inner.response.as_ref()
    }

    /// The response status, for errors about a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.response.as_ref().map(|r| r.status)
    }

    /// The underlying error, such as an `io::Error` or an
    /// `ahttp_proto::Error`.
    pub fn source_ref(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.inner.source.as_deref()
    }

    /// Any timeout: connect, socket read, write, pool wait or total.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::ConnectionTimeout
                | ErrorKind::SocketTimeout
                | ErrorKind::WriteTimeout
                | ErrorKind::PoolTimeout
                | ErrorKind::TotalTimeout
        )
    }

    /// Establishing a connection failed (aiohttp's `ClientConnectorError`
    /// and its subclasses).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Connector { .. }
                | ErrorKind::ConnectorDns { .. }
                | ErrorKind::UnixConnector { .. }
                | ErrorKind::ConnectorCertificate { .. }
                | ErrorKind::ConnectorSsl { .. }
                | ErrorKind::ProxyConnection { .. }
        )
    }

    /// aiohttp's `ClientConnectionError` family: the connection failed or
    /// broke.
    pub fn is_connection(&self) -> bool {
        self.is_connect()
            || matches!(
                self.inner.kind,
                ErrorKind::ConnectionReset
                    | ErrorKind::Os
                    | ErrorKind::ServerDisconnected
                    | ErrorKind::FingerprintMismatch { .. }
            )
    }

    /// aiohttp's `ClientSSLError` family (and a fingerprint mismatch).
    pub fn is_ssl(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::ConnectorCertificate { .. }
                | ErrorKind::ConnectorSsl { .. }
                | ErrorKind::FingerprintMismatch { .. }
        )
    }

    /// `raise_for_status` failed.
    pub fn is_status(&self) -> bool {
        self.inner.kind == ErrorKind::ResponseStatus
    }

    /// A redirect could not be followed.
    pub fn is_redirect(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::TooManyRedirects
                | ErrorKind::InvalidUrlRedirect
                | ErrorKind::NonHttpUrlRedirect
        )
    }

    /// The response body was truncated, malformed or undecodable.
    pub fn is_payload(&self) -> bool {
        self.inner.kind == ErrorKind::Payload
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(info) = &self.inner.request_info {
            d.field("url", &info.url.as_str())
                .field("method", &info.method);
        }
        if let Some(r) = &self.inner.response {
            d.field("status", &r.status);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        if let Some(r) = &self.inner.response {
            write!(f, " ({} {})", r.status.as_u16(), r.reason)?;
        }
        if let Some(info) = &self.inner.request_info {
            write!(f, ", {} {}", info.method, info.url)?;
        }
        if let Some(s) = &self.inner.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
