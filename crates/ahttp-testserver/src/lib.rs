//! An httpbin-like HTTP/1.1 server on 127.0.0.1 for ahttp's tests, built on
//! hyper 1, over plain TCP or TLS (see [TLS](#tls)), plus [`RawServer`], a
//! TCP server that misbehaves on purpose.
//!
//! Each server runs on its own thread with its own tokio runtime, so the
//! same client test works whatever runtime drives it (tokio, async-std,
//! smol). [`TestServer::start`] binds `127.0.0.1:0` and returns once it is
//! listening; dropping the server shuts it down.
//!
//! ```
//! use ahttp_testserver::TestServer;
//!
//! let server = TestServer::start();
//! let url = server.url("/get?a=1"); // "http://127.0.0.1:PORT/get?a=1"
//! # assert!(url.starts_with("http://127.0.0.1:"));
//! // ... point the client at `url`, then look at what the server saw:
//! assert_eq!(server.connections_accepted(), 0);
//! assert!(server.requests().is_empty());
//! ```
//!
//! Besides what a client can read in responses, a server records:
//! - [`TestServer::connections_accepted`]: connections accepted so far (to
//!   prove keep-alive reuse);
//! - [`TestServer::requests`]: every request seen, with its headers exactly
//!   as sent (original case and order, raw bytes), the connection it came
//!   on, and its body (filled in once the route has read it).
//!
//! # TLS
//!
//! [`TestServerBuilder::tls`] (or [`TestServer::start_tls`]) serves the
//! same routes over TLS 1.2/1.3 (rustls, ring) with certificates made at
//! run time by rcgen, once per process: [`tls::TlsFixtures::shared`] gives
//! them in PEM and DER, with their keys. There is a CA, and four leaves to
//! choose from with [`tls::Leaf`]:
//!
//! | leaf | signed by | SANs | what a verifying client says (rustls) |
//! | --- | --- | --- | --- |
//! | `Good` | the CA | `DNS:localhost`, `IP:127.0.0.1`, `IP:::1` | accepts |
//! | `Expired` | the CA | the same; valid in 2000 only | `CertificateError::ExpiredContext` |
//! | `WrongName` | the CA | `DNS:other.example` | `CertificateError::NotValidForNameContext` |
//! | `SelfSigned` | itself | as `Good` | `CertificateError::UnknownIssuer` |
//!
//! The server sends the leaf alone (not the CA) and offers ALPN `http/1.1`
//! only (a client offering ALPN without it fails the handshake). With
//! [`require_client_cert`](tls::TlsServerOptions::require_client_cert),
//! the handshake needs a client certificate signed by the separate client
//! CA: [`tls::TlsFixtures::client`] is one. (In TLS 1.3 a client finishes
//! its side of the handshake before the server checks its certificate, so
//! a client without one sees the `CertificateRequired` alert on its first
//! read, not when connecting.)
//!
//! [`TestServer::url`] gives `https://localhost:PORT/...` (`localhost` is
//! 127.0.0.1 here, where the server listens), [`TestServer::url_ip`]
//! `https://127.0.0.1:PORT/...`. Absolute URLs in responses (the echo
//! `url`, `/absolute-redirect`, `/links`) use `https`. For pinning tests,
//! [`tls::TlsFixtures::sha256_der`] and [`tls::TlsFixtures::sha256_spki`]
//! hash a leaf's certificate and its SubjectPublicKeyInfo (the latter is
//! what curl's `--pinnedpubkey sha256//...` hashes, see
//! [`tls::TlsFixtures::pin_sha256`]).
//!
//! A TLS server also records:
//! - [`TestServer::tls_handshake_failures`] and
//!   [`TestServer::tls_handshake_errors`]: handshakes that failed (the
//!   client rejected the certificate, sent none when one was required,
//!   spoke plain HTTP, ...), with rustls' words, e.g. `received fatal
//!   alert: UnknownCA`. Such connections still count in
//!   [`TestServer::connections_accepted`];
//! - [`RecordedRequest::tls`]: the protocol version, the SNI name (none for
//!   an IP address), the ALPN protocol and the client's certificate;
//! - [`TestServer::tls_close_notify_received`]: connections the client
//!   closed cleanly with a `close_notify` alert, and
//!   [`TestServer::tls_eof_without_close_notify`]: those where TCP ended
//!   without one (tokio-rustls reads `Ok(0)` after close_notify and fails
//!   with `UnexpectedEof` otherwise; the first end of each connection's
//!   read side counts). When the server ends a connection cleanly (keep
//!   alive off, `Connection: close`, `/keep-alive-timeout`), it sends its
//!   own close_notify and then keeps reading for up to 5 s, so that a
//!   client answering with close_notify is counted too. A connection ended
//!   by an error (`/close-mid-body`, a malformed request) is dropped
//!   without close_notify, so the client sees an unclean EOF.
//!
//! ```
//! use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
//! use ahttp_testserver::TestServer;
//!
//! let server = TestServer::builder()
//!     .tls(TlsServerOptions::leaf(Leaf::Good).require_client_cert(true))
//!     .start();
//! assert!(server.url("/get").starts_with("https://localhost:"));
//! let ca_pem: &str = TlsFixtures::shared().ca_cert_pem();
//! let client = TlsFixtures::shared().client(); // cert_pem(), key_pem(), ...
//! # let _ = (ca_pem, client);
//! assert_eq!(server.tls_handshake_failures(), 0);
//! ```
//!
//! # Routes
//!
//! Paths are matched after percent-decoding each segment. Unknown paths get
//! `404` with `{"error": "no such route"}`; a bad number in a path gets
//! `400` with `{"error": ...}`. JSON bodies are compact, end with `\n`, and
//! are sent as `Content-Type: application/json`. Object keys come out
//! sorted. Unless a route says otherwise, the request body is read in full
//! before the route answers (so `Expect: 100-continue` gets its `100`).
//!
//! ## The echo document
//!
//! `/get` (GET, HEAD), `/post` (POST), `/put` (PUT), `/patch` (PATCH),
//! `/delete` (DELETE) and `/anything`, `/anything/...` (any method) answer
//! `200` with this object; another method on the first five gets `405` with
//! an `Allow` header and no body.
//!
//! | key | value |
//! | --- | --- |
//! | `method` | the request method |
//! | `url` | `http://{Host header}{target}` (`https://` over TLS; the target itself if absolute) |
//! | `path` | the path, without the query |
//! | `args` | the query, decoded (`+` is a space): `{"k": "v"}`; a key repeated gives an array `{"k": ["1", "2"]}`; a key without `=` gets `""` |
//! | `headers` | every header as received, in order, original case: `[["Host", "127.0.0.1:PORT"], ["X-A", "1"], ...]` |
//! | `data` | the body as a string if it is UTF-8, else `"data:application/octet-stream;base64,..."` (also for form and multipart bodies) |
//! | `form` | fields of an `application/x-www-form-urlencoded` body, or the parts without a filename of a `multipart/form-data` body; repeated names give arrays; `{}` otherwise |
//! | `files` | the multipart parts with a filename: `{"field": {"filename": "a.txt", "content_type": "text/plain" or null, "content": "..."}}` (content as for `data`; repeated names give arrays); `{}` otherwise |
//! | `json` | the body parsed, if the media type is `application/json` or `*+json` and it parses; else `null` |
//! | `content_length` | the `Content-Length` header as a number, or `null` |
//! | `transfer_encoding` | the `Transfer-Encoding` header, or `null` |
//! | `trailers` | request trailers (chunked bodies) as `[[name, value], ...]` with lowercase names, or `null` |
//! | `origin` | the client's IP (`""` on a Unix socket) |
//!
//! ## Status codes and redirects
//!
//! - `/status/{code}`: that status (200..=999), empty body. 301, 302, 303,
//!   305, 307 and 308 add `Location: /redirect/1`; 401 adds
//!   `WWW-Authenticate: Basic realm="Fake Realm"`; 407 adds
//!   `Proxy-Authenticate: Basic realm="Fake Realm"`. Codes below 200 get
//!   `400`.
//! - `/status-body/{code}`: that status with a 102400-byte `text/plain` body
//!   (`abc...xyz` repeated, see [`alphabet_bytes`]), plus the same extra
//!   headers as `/status`.
//! - `/redirect/{n}`: `302`, `Location: /redirect/{n-1}`; for n <= 1,
//!   `Location: /get`. So `/redirect/3` takes three hops to `/get`.
//! - `/relative-redirect/{n}`: the same with `/relative-redirect/{n-1}`.
//! - `/absolute-redirect/{n}`: the same with absolute locations
//!   `http://{Host}/absolute-redirect/{n-1}`, finally `http://{Host}/get`.
//! - `/redirect-to?url=U&status_code=C`: any method; status C if it is 3xx
//!   (default and otherwise 302), `Location: U` exactly as given (decoded).
//!   No `url` gives `400`.
//! - `/redirect-loop`: `302`, `Location: /redirect-loop`.
//! - `/redirect-with-cookie`: `302`, `Set-Cookie: redirected=yes; Path=/`,
//!   `Location: /cookies`.
//!
//! All redirects have an empty body.
//!
//! ## Cookies
//!
//! - `/cookies`: `{"cookies": {"name": "value", ...}, "cookie_headers":
//!   ["raw Cookie header", ...]}` from every `Cookie` header; when a name
//!   appears twice, the first value is kept.
//! - `/cookies/set?n1=v1&n2=v2`: one `Set-Cookie: n=v; Path=/` per pair,
//!   then `302` to `/cookies`.
//! - `/cookies/delete?n1&n2`: one `Set-Cookie: n=; Expires=Thu, 01 Jan 1970
//!   00:00:00 GMT; Max-Age=0; Path=/` per name, then `302` to `/cookies`.
//! - `/cookies/set-attrs?name=N&value=V&path=&domain=&max-age=&expires=&samesite=&secure&httponly&partitioned&redirect=L`:
//!   sets one cookie `N=V` (defaults `attr=value`) followed, in this order,
//!   by `; Path=`, `; Domain=`, `; Max-Age=`, `; Expires=`, `; SameSite=` for
//!   each of those parameters given, then `; Secure`, `; HttpOnly`,
//!   `; Partitioned` for each flag present (any value). Answers `200`
//!   `{"set-cookie": "<the header value>"}`, or `302` to `L` if `redirect` is
//!   given.
//!
//! ## Authentication and request introspection
//!
//! - `/basic-auth/{user}/{pass}`: `200` `{"authenticated": true, "user":
//!   user}` if `Authorization: Basic` carries `user:pass`, else `401`
//!   `{"authenticated": false}` with `WWW-Authenticate: Basic realm="Fake
//!   Realm"`.
//! - `/bearer`: `200` `{"authenticated": true, "token": T}` for
//!   `Authorization: Bearer T`, else `401` `{"authenticated": false}` with
//!   `WWW-Authenticate: Bearer`.
//! - `/headers`: `{"headers": [[name, value], ...]}` (as in the echo).
//! - `/user-agent`: `{"user-agent": value or null}`.
//! - `/ip`: `{"origin": "127.0.0.1"}`.
//!
//! ## Compression
//!
//! `/gzip`, `/deflate` (zlib-wrapped, RFC 1950), `/deflate-raw` (raw RFC
//! 1951 data labelled `deflate`), `/brotli` (`br`) and `/zstd` answer a JSON
//! body compressed with that `Content-Encoding`, with a `Content-Length`.
//! Decompressed, it is `{"gzipped": true | "deflated": true | "brotli": true
//! | "zstd": true, "method": ..., "headers": [...], "origin": ...}`
//! (`/deflate-raw` also has `"raw": true`). With `?chunk_size=N` the
//! compressed bytes are sent chunked, N bytes per chunk, without
//! `Content-Length`.
//!
//! `/bomb/{coding}?size=N` (`gzip`, `deflate`, `deflate-raw`, `br`/`brotli`,
//! `zstd`; size default 1 MiB, at most 1 GiB): N zero bytes compressed,
//! `application/octet-stream`, for decompression limit tests; `chunk_size`
//! works as above.
//!
//! ## Generated bodies and streaming
//!
//! - `/bytes/{n}?seed=S`: n bytes of [`pseudo_random_bytes`]`(n, S)` (S
//!   default 0), `application/octet-stream`, with `Content-Length`. At most
//!   256 MiB.
//! - `/stream-bytes/{n}?chunk_size=C&seed=S`: the same bytes, chunked, C
//!   bytes per chunk (default 10240).
//! - `/stream/{n}`: n lines (chunked, one chunk each) of
//!   `{"id": i, "url": ..., "args": ..., "headers": [...], "origin": ...}\n`,
//!   i from 0.
//! - `/range/{n}`: n bytes of [`alphabet_bytes`], with `Accept-Ranges:
//!   bytes`, `ETag: "range{n}"`. `Range: bytes=a-b`, `a-` or `-k` (only the
//!   first range is used) gets `206` with `Content-Range: bytes a-b/n`; an
//!   unsatisfiable or malformed range gets `416` with `Content-Range: bytes
//!   */n`.
//!
//! ## Timing
//!
//! Delays are capped at 120 s.
//!
//! - `/drip?numbytes=10&duration=2&delay=0&code=200`: waits `delay` seconds
//!   before the head, then sends `numbytes` `*` bytes one at a time over
//!   `duration` seconds (the pause comes before each byte), with
//!   `Content-Length: numbytes` and status `code`.
//! - `/delay/{secs}`: waits `secs` (fractional allowed) before answering
//!   with the echo document.
//! - `/slow-body?delay_ms=1000&size=10&chunks=1&chunked`: sends the head at
//!   once with `Content-Length: size` (no length but chunked framing if
//!   `chunked` is present), then `size` bytes of [`alphabet_bytes`] in
//!   `chunks` pieces, each sent after waiting `delay_ms`.
//! - `/sse?n=3&delay_ms=0&event=E&retry=R&comment&no_id&multiline`:
//!   `text/event-stream`, `Cache-Control: no-cache`, chunked. If `retry` is
//!   given, first `retry: R\n\n`. Then for each i in 0..n, one chunk:
//!   `: comment\n` (if `comment`), `id: {i}\n` (unless `no_id`),
//!   `event: E\n` (if `event`), `data: message {i}\n` and, if `multiline`,
//!   `data: line 2\n`, then `\n`. `delay_ms` is waited between events.
//!
//! ## Content types and headers
//!
//! - `/html`: `text/html; charset=utf-8`, body [`HTML_PAGE`] (non-ASCII).
//! - `/encoding/latin1`: `text/plain; charset=iso-8859-1`, body
//!   [`TEXT_SAMPLE`] encoded as ISO-8859-1 (`caf\xe9 cr\xe8me br\xfbl\xe9e
//!   \xa3 \xa9\n`).
//! - `/encoding/utf8`: `text/plain; charset=utf-8`, body [`UTF8_SAMPLE`].
//! - `/encoding/nocharset`: `text/plain` with no charset, body
//!   [`UTF8_SAMPLE`] in UTF-8.
//! - `/json`: httpbin's slideshow document
//!   `{"slideshow": {"author": "Yours Truly", ...}}`.
//! - `/json-empty`: `application/json` with an empty body
//!   (`Content-Length: 0`).
//! - `/links`: two `Link` fields, `</links/page/3>; rel="next",
//!   </links/page/9>; rel="last"` and `<http://{Host}/links/page/1>;
//!   rel="first"; title="first page", </links/page/1>; rel=prev`; body
//!   `{"links": [first field, second field]}`.
//! - `/response-headers?K=V&...`: every pair appended as a response header
//!   (repeats give several fields; a `Content-Type` pair replaces the
//!   default `application/json`); body is the pairs as JSON (`args` shape).
//!   An invalid name or value gets `400`.
//!
//! ## Connection behaviour
//!
//! - `/close-mid-body`: `Content-Length: 100`, sends `0123456789`, waits
//!   100 ms, then closes the connection. With `?chunked` the body is chunked
//!   and cut off the same way (no terminating chunk).
//! - `/no-keep-alive`: the echo document with `Connection: close`; the
//!   server closes after it.
//! - `/keep-alive-timeout?secs=N&close=1`: the echo document with
//!   `Connection: keep-alive` and `Keep-Alive: timeout=N` (N exactly as
//!   given, default `1`). Unless `close=0`, the server closes the connection
//!   if nothing more arrives on it in N seconds (fractional allowed) after
//!   this request.
//! - `/expect`: reads the body (hyper sends `100 Continue` when the body is
//!   first read, if the request asked for it) and answers the echo document
//!   plus `"expect": the Expect header or null`.
//! - `/expect-reject`: `417` `{"error": "expectation failed"}` at once,
//!   without reading the body, so no `100 Continue` is sent.
//! - `/trailers`: chunked `text/plain` body `hello, trailers\n` with
//!   `Trailer: X-Checksum, X-Trailer-Two`, then trailers `x-checksum:
//!   abc123` and `x-trailer-two: two`. hyper only sends the trailer fields
//!   when the request has `TE: trailers`; otherwise the body ends with a
//!   plain last chunk. (For unconditional or malformed trailers use
//!   [`RawServer`].)
//! - `/upload-count`: reads the body without keeping it (the request log
//!   gets an empty body) and answers `{"bytes": n, "chunks": frames read,
//!   "elapsed_ms": ms, "content_length": n or null, "transfer_encoding":
//!   value or null}`.
//! - `/slow-read?bytes_per_sec=16384`: the same, reading no faster than that
//!   rate, for upload progress and write timeout tests. Combine it with
//!   [`TestServerBuilder::recv_buffer_size`] so that the kernel does not
//!   absorb the whole upload.
//! - `/`: `200` `text/plain` `ahttp-testserver\n`.
//!
//! # The raw server
//!
//! [`RawServer::start`] takes a [`RawBehaviour`]: canned bytes sent after a
//! request (then close, keep open or reset), per request, trickled, at
//! once, per connection, or a custom async handler. [`RawServer::received`]
//! gives every byte each connection sent, for checking exactly what the
//! client wrote.

#![warn(missing_docs)]

pub mod aiohttp;
mod conn;
mod multipart;
mod raw;
mod routes;
mod scan;
mod serve;
pub mod tinyproxy;
pub mod tls;
mod util;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::conn::{lock, Listener, Options, RequestLog, Shared, TlsStats};
use crate::tls::TlsServerOptions;

pub use crate::raw::{RawBehaviour, RawConn, RawHandler, RawServer};
pub use crate::serve::serve_connections;

/// The body of `/html` (UTF-8, with non-ASCII text).
pub const HTML_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>ahttp test page</title></head>\n<body>\n<h1>Héllo, wörld</h1>\n<p>Moby-Dick — Herman Melville</p>\n</body>\n</html>\n";
/// The text of `/encoding/latin1` (sent encoded as ISO-8859-1).
pub const TEXT_SAMPLE: &str = "café crème brûlée £ ©\n";
/// The body of `/encoding/utf8` and `/encoding/nocharset` (UTF-8).
pub const UTF8_SAMPLE: &str = "café crème brûlée £ © — ∑ 😀\n";

/// `n` deterministic pseudo-random bytes, as served by `/bytes/{n}?seed=`
/// and `/stream-bytes/{n}?seed=`: SplitMix64 started from `seed`, each
/// 64-bit output written little-endian, cut to `n` bytes. A prefix of a
/// longer output equals the shorter output.
pub fn pseudo_random_bytes(n: usize, seed: u64) -> Vec<u8> {
    util::prng_bytes(n, seed)
}

/// `n` bytes of `abcdefghijklmnopqrstuvwxyz` repeated, as served by
/// `/range/{n}`, `/slow-body` and `/status-body/{code}`.
pub fn alphabet_bytes(n: usize) -> Vec<u8> {
    util::alphabet_bytes(n)
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Which connection it came on: 1 for the first accepted, and so on.
    pub connection: usize,
    /// The method, as sent.
    pub method: String,
    /// The request target, as sent (`/path?query`, or an absolute URL).
    pub target: String,
    /// The path part of the target.
    pub path: String,
    /// The query part of the target, without `?`.
    pub query: Option<String>,
    /// The HTTP version of the request.
    pub version: http::Version,
    /// Header fields in the order sent, names in their original case,
    /// values as raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body after transfer decoding, once the route has read it (empty
    /// before, and for routes that do not keep it: `/upload-count`,
    /// `/slow-read`, `/expect-reject`).
    pub body: Bytes,
    /// The TLS session it came on (`None` on a plain server).
    pub tls: Option<TlsInfo>,
}

/// What a TLS server saw of a connection's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// The protocol: `"TLSv1.3"` or `"TLSv1.2"`.
    pub version: String,
    /// The server name the client sent (SNI), if any. Clients must not
    /// send an IP address there, so it is `None` for `https://127.0.0.1`.
    pub sni: Option<String>,
    /// The ALPN protocol agreed on (only `http/1.1` is offered), if the
    /// client sent ALPN.
    pub alpn: Option<Vec<u8>>,
    /// The DER of the certificate the client presented, if any (compare
    /// with [`tls::TlsFixtures::client`]).
    pub client_cert: Option<Vec<u8>>,
}

impl TlsInfo {
    fn from_session(s: &rustls::ServerConnection) -> TlsInfo {
        let version = match s.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => String::new(),
        };
        TlsInfo {
            version,
            sni: s.server_name().map(str::to_string),
            alpn: s.alpn_protocol().map(<[u8]>::to_vec),
            client_cert: s
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.to_vec()),
        }
    }
}

impl RecordedRequest {
    /// The first value of the header `name` (any case), if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Every value of the header `name` (any case), in order.
    pub fn header_all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// The header names in order, as sent.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Options for a [`TestServer`]; see [`TestServer::builder`].
#[derive(Debug, Clone)]
pub struct TestServerBuilder {
    keep_alive: bool,
    recv_buffer_size: Option<u32>,
    send_buffer_size: Option<u32>,
    tls: Option<TlsServerOptions>,
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        TestServerBuilder {
            keep_alive: true,
            recv_buffer_size: None,
            send_buffer_size: None,
            tls: None,
        }
    }
}

impl TestServerBuilder {
    /// Whether connections are kept alive after a response (default true).
    /// With false, every response closes its connection.
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.keep_alive = on;
        self
    }

    /// `SO_RCVBUF` for accepted TCP connections (set on the listener, which
    /// they inherit). Small values make uploads to `/slow-read` block the
    /// client soon.
    pub fn recv_buffer_size(mut self, bytes: u32) -> Self {
        self.recv_buffer_size = Some(bytes);
        self
    }

    /// `SO_SNDBUF` for accepted TCP connections.
    pub fn send_buffer_size(mut self, bytes: u32) -> Self {
        self.send_buffer_size = Some(bytes);
        self
    }

    /// Serves over TLS (HTTP/1.1 inside, the same routes) with the
    /// certificates of [`tls::TlsFixtures::shared`]; see [TLS](crate#tls).
    pub fn tls(mut self, options: TlsServerOptions) -> Self {
        self.tls = Some(options);
        self
    }

    /// Binds 127.0.0.1 on an ephemeral port and starts the server; returns
    /// once it is listening. Panics if that fails.
    pub fn start(self) -> TestServer {
        let acceptor = self.acceptor();
        let rt = new_runtime();
        let bound = {
            let _guard = rt.enter();
            bind_tcp(&self)
        };
        let listener = match bound {
            Ok(l) => l,
            Err(e) => {
                rt.shutdown_background();
                panic!("ahttp-testserver: cannot listen on 127.0.0.1: {e}");
            }
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => {
                rt.shutdown_background();
                panic!("ahttp-testserver: local_addr: {e}");
            }
        };
        TestServer::spawn(
            rt,
            Listener::Tcp(listener),
            &self,
            acceptor,
            addr.to_string(),
            Some(addr),
            None,
        )
    }

    /// Starts the server on a Unix socket at `path` (a file already there
    /// is removed first, and the socket file is removed on drop). Buffer
    /// sizes do not apply. Panics if binding fails.
    #[cfg(unix)]
    pub fn start_unix(self, path: impl AsRef<Path>) -> TestServer {
        let path = path.as_ref().to_path_buf();
        let _ = std::fs::remove_file(&path);
        let acceptor = self.acceptor();
        let rt = new_runtime();
        let bound = {
            let _guard = rt.enter();
            tokio::net::UnixListener::bind(&path)
        };
        let listener = match bound {
            Ok(l) => l,
            Err(e) => {
                rt.shutdown_background();
                panic!("ahttp-testserver: cannot listen on {}: {e}", path.display());
            }
        };
        TestServer::spawn(
            rt,
            Listener::Unix(listener),
            &self,
            acceptor,
            "localhost".to_string(),
            None,
            Some(path),
        )
    }

    fn options(&self) -> Options {
        Options {
            keep_alive: self.keep_alive,
        }
    }

    fn acceptor(&self) -> Option<tokio_rustls::TlsAcceptor> {
        let options = self.tls.as_ref()?;
        let config = tls::server_config(options)
            .unwrap_or_else(|e| panic!("ahttp-testserver: TLS config: {e}"));
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

fn bind_tcp(b: &TestServerBuilder) -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    if let Some(n) = b.recv_buffer_size {
        socket.set_recv_buffer_size(n)?;
    }
    if let Some(n) = b.send_buffer_size {
        socket.set_send_buffer_size(n)?;
    }
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    socket.listen(1024)
}

/// The runtime every server runs on: its own, on its own threads.
pub(crate) fn new_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ahttp-testserver")
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("ahttp-testserver: cannot build a tokio runtime: {e}"))
}

/// The httpbin-like server. See the [crate documentation](crate) for the
/// routes. Shuts down (and closes every connection) on drop.
#[derive(Debug)]
pub struct TestServer {
    addr: Option<SocketAddr>,
    unix_path: Option<PathBuf>,
    tls: Option<TlsServerOptions>,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on `127.0.0.1:0` with default options; returns once
    /// it is listening. Panics if that fails.
    pub fn start() -> TestServer {
        TestServerBuilder::default().start()
    }

    /// Options for a server to start.
    ///
    /// ```
    /// let server = ahttp_testserver::TestServer::builder()
    ///     .recv_buffer_size(4096)
    ///     .start();
    /// # drop(server);
    /// ```
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// Starts a server with the same routes on a Unix socket at `path`; see
    /// [`TestServerBuilder::start_unix`]. Its [`url`](Self::url)s use the
    /// host `localhost`.
    #[cfg(unix)]
    pub fn start_unix(path: impl AsRef<Path>) -> TestServer {
        TestServerBuilder::default().start_unix(path)
    }

    /// Starts a TLS server presenting `leaf`, without client
    /// authentication; see [`TestServerBuilder::tls`].
    pub fn start_tls(leaf: tls::Leaf) -> TestServer {
        TestServerBuilder::default()
            .tls(TlsServerOptions::leaf(leaf))
            .start()
    }

    fn spawn(
        rt: tokio::runtime::Runtime,
        listener: Listener,
        builder: &TestServerBuilder,
        acceptor: Option<tokio_rustls::TlsAcceptor>,
        default_host: String,
        addr: Option<SocketAddr>,
        unix_path: Option<PathBuf>,
    ) -> TestServer {
        let shared = Arc::new(Shared {
            accepted: AtomicUsize::new(0),
            log: Mutex::new(RequestLog::default()),
            default_host,
            options: builder.options(),
            scheme: if acceptor.is_some() { "https" } else { "http" },
            tls: TlsStats::default(),
        });
        let (tx, rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("ahttp-testserver".into())
            .spawn(move || {
                rt.block_on(conn::accept_loop(listener, thread_shared, acceptor, rx));
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .unwrap_or_else(|e| panic!("ahttp-testserver: cannot spawn thread: {e}"));
        TestServer {
            addr,
            unix_path,
            tls: builder.tls,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The TCP address it listens on. Panics for a Unix socket server.
    pub fn addr(&self) -> SocketAddr {
        self.addr
            .expect("ahttp-testserver: addr() of a Unix socket server")
    }

    /// The Unix socket path, for a server started with `start_unix`.
    pub fn unix_path(&self) -> Option<&Path> {
        self.unix_path.as_deref()
    }

    /// `http://127.0.0.1:PORT/path` (`http://localhost/path` on a Unix
    /// socket); for a TLS server `https://localhost:PORT/path`, the name
    /// the good leaf is for (`localhost` resolves to 127.0.0.1, where the
    /// server listens). A leading `/` on `path` is optional.
    pub fn url(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        match (self.addr, self.tls.is_some()) {
            (Some(a), false) => format!("http://{a}/{path}"),
            (Some(a), true) => format!("https://localhost:{}/{path}", a.port()),
            (None, false) => format!("http://localhost/{path}"),
            (None, true) => format!("https://localhost/{path}"),
        }
    }

    /// `http://127.0.0.1:PORT/path`, or `https://127.0.0.1:PORT/path` for a
    /// TLS server (the good leaf has the SAN `IP:127.0.0.1`). The same as
    /// [`url`](Self::url) on a Unix socket.
    pub fn url_ip(&self, path: &str) -> String {
        match self.addr {
            Some(a) => {
                let scheme = if self.tls.is_some() { "https" } else { "http" };
                format!("{scheme}://{a}/{}", path.trim_start_matches('/'))
            }
            None => self.url(path),
        }
    }

    /// The TLS options it was started with, if it serves TLS.
    pub fn tls_options(&self) -> Option<TlsServerOptions> {
        self.tls
    }

    /// How many TLS handshakes failed (the client rejected the certificate,
    /// sent no client certificate when one was required, spoke plain HTTP,
    /// ...). A connection counts in
    /// [`connections_accepted`](Self::connections_accepted) before its
    /// handshake, so these count there too.
    pub fn tls_handshake_failures(&self) -> usize {
        self.shared.tls.handshake_failures.load(Ordering::SeqCst)
    }

    /// The errors of the failed handshakes, in order, as rustls words
    /// them (e.g. `received fatal alert: UnknownCA`).
    pub fn tls_handshake_errors(&self) -> Vec<String> {
        lock(&self.shared.tls.handshake_errors).clone()
    }

    /// How many TLS connections the client closed cleanly, with a
    /// close_notify alert (whether before the server closed or after).
    pub fn tls_close_notify_received(&self) -> usize {
        self.shared.tls.close_notify.load(Ordering::SeqCst)
    }

    /// How many TLS connections the client closed at the TCP level without
    /// sending close_notify first (seen while the server was reading).
    pub fn tls_eof_without_close_notify(&self) -> usize {
        self.shared
            .tls
            .eof_without_close_notify
            .load(Ordering::SeqCst)
    }

    /// How many connections it has accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Every request seen so far, in the order the server began handling
    /// them.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).items.clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        lock(&self.shared.log).items.last().cloned()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(p) = &self.unix_path {
            let _ = std::fs::remove_file(p);
        }
    }
}
