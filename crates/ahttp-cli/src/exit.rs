//! curl's exit codes, and the mapping from the client's errors to them.
//!
//! | code | meaning | from |
//! | --- | --- | --- |
//! | 1 | unsupported protocol | a URL scheme other than http(s) |
//! | 2 | bad usage | a flag the command cannot honour |
//! | 3 | malformed URL | [`ErrorKind::InvalidUrl`] |
//! | 6 | could not resolve host | [`ErrorKind::ConnectorDns`] |
//! | 7 | could not connect | `Connector`, `UnixConnector`, `ProxyConnection` |
//! | 8 | weird server reply | `InvalidResponse` (a malformed head) |
//! | 18 | partial file | a body shorter than its framing said |
//! | 22 | HTTP error with `--fail` | status >= 400 |
//! | 23 | write error | writing the output failed |
//! | 26 | read error | reading an upload or data file failed |
//! | 28 | timeout | every timeout kind |
//! | 35 | TLS handshake failed | `ConnectorSsl` |
//! | 47 | too many redirects | `TooManyRedirects` |
//! | 52 | empty reply | the server closed before any byte |
//! | 56 | receive failure | a reset, malformed chunked framing, a refused CONNECT |
//! | 58 | bad client certificate | `--cert`/`--key` unreadable |
//! | 60 | certificate not trusted | `ConnectorCertificate` |
//! | 61 | bad content encoding | an unknown or corrupt `Content-Encoding` |
//! | 77 | bad CA file | `--cacert` unreadable |
//! | 90 | pinned key mismatch | `FingerprintMismatch` |
//! | 100 | response head too large | a head over the limits |

use ahttp_proto::ErrorKind as ProtoKind;
use ahttp_tokio::{CertificateReason, Error, ErrorKind};
use std::fmt;

/// Unsupported protocol.
pub const UNSUPPORTED_PROTOCOL: u8 = 1;
/// Bad command-line usage.
pub const USAGE: u8 = 2;
/// Malformed URL.
pub const URL_MALFORMAT: u8 = 3;
/// Could not resolve the host.
pub const COULDNT_RESOLVE_HOST: u8 = 6;
/// Could not connect.
pub const COULDNT_CONNECT: u8 = 7;
/// The response head could not be parsed.
pub const WEIRD_SERVER_REPLY: u8 = 8;
/// The body ended before its framing said.
pub const PARTIAL_FILE: u8 = 18;
/// `--fail` and a status of 400 or more.
pub const HTTP_RETURNED_ERROR: u8 = 22;
/// Writing the output failed.
pub const WRITE_ERROR: u8 = 23;
/// Reading a file to send failed.
pub const READ_ERROR: u8 = 26;
/// A timeout.
pub const OPERATION_TIMEDOUT: u8 = 28;
/// The TLS handshake failed.
pub const SSL_CONNECT_ERROR: u8 = 35;
/// More redirects than allowed.
pub const TOO_MANY_REDIRECTS: u8 = 47;
/// The server closed without answering.
pub const GOT_NOTHING: u8 = 52;
/// A failure while receiving.
pub const RECV_ERROR: u8 = 56;
/// The client certificate could not be used.
pub const SSL_CERTPROBLEM: u8 = 58;
/// The server's certificate is not trusted.
pub const PEER_FAILED_VERIFICATION: u8 = 60;
/// The body's content encoding is unknown or corrupt.
pub const BAD_CONTENT_ENCODING: u8 = 61;
/// The CA file could not be read.
pub const SSL_CACERT_BADFILE: u8 = 77;
/// The server's public key does not match the pin.
pub const SSL_PINNEDPUBKEYNOTMATCH: u8 = 90;
/// The response head is larger than the limits.
pub const TOO_LARGE: u8 = 100;

/// A failed transfer: curl's exit code and the message printed as
/// `ahttp: (code) message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// curl's exit code.
    pub code: u8,
    /// What went wrong, in curl's words where curl has them.
    pub message: String,
}

impl CliError {
    /// An error with a code and message.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {}", self.code, self.message)
    }
}

/// The first `ahttp_proto::Error` in an error's source chain.
fn proto_kind(e: &Error) -> Option<&ProtoKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e
        .source_ref()
        .map(|s| s as &(dyn std::error::Error + 'static));
    while let Some(s) = source {
        if let Some(p) = s.downcast_ref::<ahttp_proto::Error>() {
            return Some(p.kind());
        }
        source = s.source();
    }
    None
}

/// The OS error text of the innermost `io::Error`, if any.
fn io_reason(e: &Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e
        .source_ref()
        .map(|s| s as &(dyn std::error::Error + 'static));
    let mut found = None;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            found = Some(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "Connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "Connection reset by peer".to_owned(),
                std::io::ErrorKind::NotFound => "No such file or directory".to_owned(),
                _ => io.to_string(),
            });
        }
        source = s.source();
    }
    found
}

/// Maps a client error to curl's exit code and message. `received` is the
/// number of body bytes received so far (for timeout messages).
pub fn from_client(e: &Error, received: u64) -> CliError {
    let detail = || e.to_string();
    match e.kind() {
        ErrorKind::InvalidUrl | ErrorKind::InvalidUrlRedirect => {
            CliError::new(URL_MALFORMAT, format!("URL rejected: {}", detail()))
        }
        ErrorKind::NonHttpUrl | ErrorKind::NonHttpUrlRedirect => CliError::new(
            UNSUPPORTED_PROTOCOL,
            format!("Protocol not supported: {}", detail()),
        ),
        ErrorKind::ConnectorDns { host, .. } => CliError::new(
            COULDNT_RESOLVE_HOST,
            format!("Could not resolve host: {host}"),
        ),
        ErrorKind::Connector { host, port } | ErrorKind::ProxyConnection { host, port } => {
            let why = io_reason(e).unwrap_or_else(|| "Couldn't connect to server".to_owned());
            let what = if matches!(e.kind(), ErrorKind::ProxyConnection { .. }) {
                "Failed to connect to proxy"
            } else {
                "Failed to connect to"
            };
            CliError::new(COULDNT_CONNECT, format!("{what} {host} port {port}: {why}"))
        }
        ErrorKind::UnixConnector { path } => {
            let why = io_reason(e).unwrap_or_else(|| "Couldn't connect to server".to_owned());
            CliError::new(
                COULDNT_CONNECT,
                format!("Failed to connect to Unix socket {path}: {why}"),
            )
        }
        ErrorKind::ConnectorCertificate { reason, .. } => {
            let why = match reason {
                CertificateReason::Untrusted => "unable to get local issuer certificate",
                CertificateReason::Expired => "certificate has expired",
                CertificateReason::WrongName => {
                    "no alternative certificate subject name matches target host name"
                }
                _ => "certificate verify failed",
            };
            CliError::new(
                PEER_FAILED_VERIFICATION,
                format!("SSL certificate problem: {why}"),
            )
        }
        ErrorKind::ConnectorSsl { .. } => CliError::new(
            SSL_CONNECT_ERROR,
            format!("TLS connect error: {}", detail()),
        ),
        ErrorKind::FingerprintMismatch { .. } => CliError::new(
            SSL_PINNEDPUBKEYNOTMATCH,
            "SSL: public key does not match pinned public key",
        ),
        ErrorKind::HttpProxy { status } => CliError::new(
            RECV_ERROR,
            format!("CONNECT tunnel failed, response {status}"),
        ),
        ErrorKind::SocksProxy { code } => CliError::new(
            97,
            format!("the SOCKS proxy refused the connection (reply {code})"),
        ),
        k if e.is_timeout() => {
            let what = if matches!(k, ErrorKind::ConnectionTimeout) {
                "Connection timed out".to_owned()
            } else {
                format!("Operation timed out with {received} bytes received")
            };
            CliError::new(OPERATION_TIMEDOUT, what)
        }
        ErrorKind::TooManyRedirects => CliError::new(
            TOO_MANY_REDIRECTS,
            format!(
                "Maximum ({}) redirects followed",
                e.response().map_or(0, |r| r.history.len())
            ),
        ),
        ErrorKind::ServerDisconnected => match proto_kind(e) {
            Some(ProtoKind::IncompleteHead) => CliError::new(
                WEIRD_SERVER_REPLY,
                "Weird server reply: the connection closed inside the response head",
            ),
            _ => CliError::new(GOT_NOTHING, "Empty reply from server"),
        },
        ErrorKind::InvalidResponse => match proto_kind(e) {
            Some(
                ProtoKind::StatusLineTooLong { .. }
                | ProtoKind::HeaderFieldTooLong { .. }
                | ProtoKind::TooManyHeaders { .. },
            ) => CliError::new(TOO_LARGE, "Too large response headers"),
            Some(k) => CliError::new(WEIRD_SERVER_REPLY, format!("Weird server reply: {k:?}")),
            None => CliError::new(
                WEIRD_SERVER_REPLY,
                format!("Weird server reply: {}", detail()),
            ),
        },
        ErrorKind::ConnectionReset => {
            CliError::new(RECV_ERROR, "Recv failure: Connection reset by peer")
        }
        ErrorKind::Os => CliError::new(RECV_ERROR, format!("Recv failure: {}", detail())),
        ErrorKind::Payload => payload_error(e, received),
        ErrorKind::Body => {
            CliError::new(READ_ERROR, format!("Failed to send the body: {}", detail()))
        }
        ErrorKind::Builder => CliError::new(USAGE, detail()),
        _ => CliError::new(RECV_ERROR, detail()),
    }
}

/// A body failure: truncated (18), malformed framing (56), or undecodable
/// (61), by the protocol error underneath.
fn payload_error(e: &Error, received: u64) -> CliError {
    match proto_kind(e) {
        Some(ProtoKind::IncompleteBody { missing }) => CliError::new(
            PARTIAL_FILE,
            match missing {
                Some(n) => format!("transfer closed with {n} bytes remaining to read"),
                None => format!(
                    "transfer closed with outstanding read data remaining ({received} bytes received)"
                ),
            },
        ),
        Some(
            ProtoKind::Decompress { .. }
            | ProtoKind::DecodedTooLarge { .. }
            | ProtoKind::UnsupportedContentEncoding(_),
        ) => CliError::new(
            BAD_CONTENT_ENCODING,
            format!("Error while processing content unencoding: {e}"),
        ),
        Some(
            ProtoKind::InvalidChunkSize
            | ProtoKind::ChunkSizeTooLarge
            | ProtoKind::ChunkLineTooLong { .. }
            | ProtoKind::MissingChunkCrlf,
        ) => CliError::new(
            RECV_ERROR,
            "Malformed encoding found in chunked-encoding",
        ),
        Some(ProtoKind::HeaderFieldTooLong { .. } | ProtoKind::TooManyHeaders { .. }) => {
            CliError::new(TOO_LARGE, "Too large response trailers")
        }
        _ => CliError::new(RECV_ERROR, format!("Failure when receiving data from the peer: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_curls_shape() {
        assert_eq!(
            CliError::new(7, "Failed to connect").to_string(),
            "(7) Failed to connect"
        );
    }

    #[test]
    fn kinds_map_to_curl_codes() {
        let cases = [
            (ErrorKind::InvalidUrl, URL_MALFORMAT),
            (
                ErrorKind::ConnectorDns {
                    host: "h".into(),
                    port: 1,
                },
                COULDNT_RESOLVE_HOST,
            ),
            (
                ErrorKind::Connector {
                    host: "h".into(),
                    port: 1,
                },
                COULDNT_CONNECT,
            ),
            (ErrorKind::TotalTimeout, OPERATION_TIMEDOUT),
            (ErrorKind::ConnectionTimeout, OPERATION_TIMEDOUT),
            (ErrorKind::TooManyRedirects, TOO_MANY_REDIRECTS),
            (ErrorKind::ServerDisconnected, GOT_NOTHING),
            (ErrorKind::ConnectionReset, RECV_ERROR),
            (
                ErrorKind::ConnectorSsl {
                    host: "h".into(),
                    port: 1,
                },
                SSL_CONNECT_ERROR,
            ),
            (
                ErrorKind::FingerprintMismatch {
                    expected: String::new(),
                    got: String::new(),
                },
                SSL_PINNEDPUBKEYNOTMATCH,
            ),
        ];
        for (kind, code) in cases {
            assert_eq!(
                from_client(&Error::new(kind.clone(), "x"), 0).code,
                code,
                "{kind:?}"
            );
        }
    }
}
