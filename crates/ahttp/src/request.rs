//! `RequestBuilder`: every per-request option of aiohttp, and sending.

use crate::body::{next_piece, BasicAuth, Body, PieceSource, UploadTracker};
use crate::conn::{total_deadline, Connection, PoolKey};
use crate::error::{Error, ErrorKind, RequestInfo, ResponseParts, Result};
use crate::response::{ClientResponse, InformationalResponse};
use crate::runtime::Runtime;
use crate::session::ClientSession;
use crate::timeout::{self, ClientTimeout, Deadline};
use crate::wire_headers::{valid_name, WireHeaders};
use ahttp_proto::h1::{BodyState, Event, RequestHead, ResponseHead};
use bytes::{Bytes, BytesMut};
use futures_util::future::{select, Either};
use http::{HeaderValue, Method, StatusCode, Version};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Instant;
use url::Url;

/// The User-Agent ahttp sends unless told otherwise.
pub const USER_AGENT: &str = concat!("ahttp/", env!("CARGO_PKG_VERSION"));

/// Request body compression (aiohttp's `compress=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `Content-Encoding: deflate` (zlib), aiohttp's `compress=True`.
    Deflate,
    /// `Content-Encoding: gzip`.
    Gzip,
}

/// Query parameters: pairs (encoded with aiohttp's quoting) or a raw
/// string appended as given.
#[derive(Debug, Clone)]
enum Params {
    Pairs(Vec<(String, String)>),
    Raw(String),
}

/// What a request's URL can be given as, as aiohttp takes a `str` or a
/// `yarl.URL` and reqwest an `IntoUrl`:
///
/// - text (`&str`, `String`, `&String`, `&&str`, `Cow<str>`, `Box<str>`,
///   `Arc<str>`), parsed when the request is sent;
///   without a scheme it is relative to the session's `base_url`;
/// - a [`Url`] (or `&Url`), used as it is: no parsing per
///   request. Parsing is a quarter of a small keep-alive request's CPU
///   (callgrind: about 7,700 of 29,500 instructions, most of it the host's
///   IDNA processing), so a URL requested again and again is best parsed
///   once.
///
/// ```
/// # fn demo(session: ahttp::ClientSession<impl ahttp::Runtime>) {
/// let endpoint = ahttp::Url::parse("http://127.0.0.1:8080/status").unwrap();
/// let a = session.get(&endpoint); // parsed once, above
/// let b = session.get("http://127.0.0.1:8080/status"); // parsed when sent
/// # }
/// ```
pub trait IntoUrl: url_input::Sealed {}

impl<T: url_input::Sealed> IntoUrl for T {}

mod url_input {
    use url::Url;

    /// A request URL as given.
    #[derive(Debug, Clone)]
    pub enum RequestUrl {
        Text(String),
        Parsed(Url),
    }

    pub trait Sealed {
        fn into_request_url(self) -> RequestUrl;
    }

    impl Sealed for &str {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.to_owned())
        }
    }

    impl Sealed for String {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self)
        }
    }

    impl Sealed for &String {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.clone())
        }
    }

    impl Sealed for &&str {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text((*self).to_owned())
        }
    }

    impl Sealed for std::borrow::Cow<'_, str> {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.into_owned())
        }
    }

    impl Sealed for &std::borrow::Cow<'_, str> {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.to_string())
        }
    }

    impl Sealed for Box<str> {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.into())
        }
    }

    impl Sealed for std::sync::Arc<str> {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Text(self.to_string())
        }
    }

    impl Sealed for Url {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Parsed(self)
        }
    }

    impl Sealed for &Url {
        fn into_request_url(self) -> RequestUrl {
            RequestUrl::Parsed(self.clone())
        }
    }
}

pub(crate) use url_input::RequestUrl;

/// A request being built. Every option of aiohttp's `session.request()` is
/// a method; [`send`](Self::send) sends it.
pub struct RequestBuilder<R: Runtime> {
    session: ClientSession<R>,
    method: Method,
    url: RequestUrl,
    params: Option<Params>,
    headers: WireHeaders,
    skip_auto_headers: Vec<String>,
    body: Body,
    json_set: bool,
    auth: Option<BasicAuth>,
    cookies: Vec<(String, String)>,
    allow_redirects: Option<bool>,
    max_redirects: Option<usize>,
    compress: Option<Compression>,
    chunked: bool,
    expect100: bool,
    raise_for_status: Option<bool>,
    read_until_eof: bool,
    timeout: Option<ClientTimeout>,
    version: Option<Version>,
    tracker: Option<UploadTracker>,
    ssl: Option<crate::tls::Ssl>,
    server_hostname: Option<String>,
    proxy: Option<crate::proxy::Proxy>,
    /// This is a WebSocket opening handshake (sent as http/https).
    websocket: bool,
    error: Option<Error>,
}

impl<R: Runtime> RequestBuilder<R> {
    pub(crate) fn new(session: ClientSession<R>, method: Method, url: RequestUrl) -> Self {
        RequestBuilder {
            session,
            method,
            url,
            params: None,
            headers: WireHeaders::new(),
            skip_auto_headers: Vec::new(),
            body: Body::Empty,
            json_set: false,
            auth: None,
            cookies: Vec::new(),
            allow_redirects: None,
            max_redirects: None,
            compress: None,
            chunked: false,
            expect100: false,
            raise_for_status: None,
            read_until_eof: true,
            timeout: None,
            version: None,
            tracker: None,
            ssl: None,
            server_hostname: None,
            proxy: None,
            websocket: false,
            error: None,
        }
    }

    /// Marks a WebSocket opening handshake. Through an HTTP proxy it goes
    /// through a CONNECT tunnel even for ws:// (RFC 6455 section 4.1:
    /// forward proxies do not pass an upgrade on), and with `trust_env` it
    /// takes WS_PROXY / WSS_PROXY, as aiohttp does with the ws:// URL.
    pub(crate) fn websocket_handshake(mut self) -> Self {
        self.websocket = true;
        self
    }

    /// Send this request through a proxy (aiohttp's `proxy=`,
    /// `proxy_auth=`, `proxy_headers=`, all on [`Proxy`](crate::Proxy)).
    pub fn proxy(mut self, proxy: crate::proxy::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// TLS for this request (aiohttp's `ssl=`): verify (default), no
    /// verification, a rustls configuration, or a pinned fingerprint.
    pub fn ssl(mut self, ssl: crate::tls::Ssl) -> Self {
        self.ssl = Some(ssl);
        self
    }

    /// The name used for SNI and for checking the certificate, instead of
    /// the URL's host.
    pub fn server_hostname(mut self, name: impl Into<String>) -> Self {
        self.server_hostname = Some(name.into());
        self
    }

    /// Replaces the method.
    pub(crate) fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Whether the caller set header `name`.
    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.headers.contains(name)
    }

    pub(crate) fn session(&self) -> &ClientSession<R> {
        &self.session
    }

    fn fail(mut self, e: Error) -> Self {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self
    }

    /// Query parameters from pairs or a map, added to any query already in
    /// the URL, quoted as aiohttp (yarl) quotes them.
    pub fn params<I, K, V>(mut self, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut pairs = match self.params.take() {
            Some(Params::Pairs(p)) => p,
            _ => Vec::new(),
        };
        pairs.extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self.params = Some(Params::Pairs(pairs));
        self
    }

    /// A query string appended as given, without encoding.
    pub fn params_raw(mut self, query: impl Into<String>) -> Self {
        self.params = Some(Params::Raw(query.into()));
        self
    }

    /// A header; replaces a session default of the same name. The name is
    /// sent in the case given.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<[u8]>) -> Self {
        let name = name.as_ref();
        match HeaderValue::from_bytes(value.as_ref()) {
            Ok(v) if valid_name(name) => {
                self.headers.append(name.to_owned(), v);
                self
            }
            _ => self.fail(Error::new(
                ErrorKind::Builder,
                format!("invalid header {name:?}"),
            )),
        }
    }

    /// Headers from an `http::HeaderMap`.
    pub fn headers(mut self, headers: &http::HeaderMap) -> Self {
        for (name, value) in headers {
            self.headers.append(name.as_str().to_owned(), value.clone());
        }
        self
    }

    /// Automatic headers not to send for this request (added to the
    /// session's list): User-Agent, Accept, Accept-Encoding, Content-Type.
    pub fn skip_auto_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.skip_auto_headers
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// The body (aiohttp's `data=`): bytes, text, a [`FormData`](crate::FormData),
    /// a stream or a reader (see [`Body`]).
    pub fn data(mut self, body: impl Into<Body>) -> Self {
        if self.json_set {
            return self.fail(Error::new(
                ErrorKind::Builder,
                "data and json parameters can not be used at the same time",
            ));
        }
        self.body = body.into();
        self
    }

    /// Form fields, sent url-encoded (aiohttp's `data={...}`).
    pub fn form<I, K, V>(self, fields: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut form = crate::FormData::new();
        for (k, v) in fields {
            if let Err(e) = form.add_field(k, v) {
                return self.fail(e);
            }
        }
        self.data(form)
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        if !matches!(self.body, Body::Empty) {
            return self.fail(Error::new(
                ErrorKind::Builder,
                "data and json parameters can not be used at the same time",
            ));
        }
        match serde_json::to_vec(value) {
            Ok(bytes) => {
                self.body = Body::Json(bytes);
                self.json_set = true;
                self
            }
            Err(e) => {
                self.fail(Error::new(ErrorKind::Json, "cannot encode the JSON body").with_source(e))
            }
        }
    }

    /// Basic auth for this request. Refused together with credentials in
    /// the URL or an explicit Authorization header, as aiohttp does.
    pub fn auth(mut self, auth: BasicAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// One-off cookies, merged into the Cookie header but not stored in the
    /// jar, and not sent to another origin after a redirect.
    pub fn cookies<I, K, V>(mut self, cookies: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.cookies
            .extend(cookies.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Follow redirects (default true; false for HEAD, as in aiohttp).
    pub fn allow_redirects(mut self, allow: bool) -> Self {
        self.allow_redirects = Some(allow);
        self
    }

    /// Most redirects to follow (default 10; `0` means no limit, as in
    /// aiohttp). `max_redirects = 10` follows ten; aiohttp follows nine.
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = Some(n);
        self
    }

    /// Compress the body (sent chunked).
    pub fn compress(mut self, compression: Compression) -> Self {
        self.compress = Some(compression);
        self
    }

    /// Send the body with `Transfer-Encoding: chunked`.
    pub fn chunked(mut self, chunked: bool) -> Self {
        self.chunked = chunked;
        self
    }

    /// Send `Expect: 100-continue` and hold the body until the server
    /// answers 100 (or one second passes without an answer, as curl).
    pub fn expect100(mut self, expect: bool) -> Self {
        self.expect100 = expect;
        self
    }

    /// Fail with an error for status >= 400 (default: the session's).
    pub fn raise_for_status(mut self, raise: bool) -> Self {
        self.raise_for_status = Some(raise);
        self
    }

    /// Read a body without length or chunking until the connection closes
    /// (default true); when false such a body is empty.
    pub fn read_until_eof(mut self, read: bool) -> Self {
        self.read_until_eof = read;
        self
    }

    /// Timeouts for this request instead of the session's.
    pub fn timeout(mut self, timeout: ClientTimeout) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// HTTP/1.1 or HTTP/1.0 for this request.
    pub fn version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
    }

    /// Track upload progress.
    pub fn upload_tracker(mut self, tracker: UploadTracker) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// Sends the request, follows redirects, and returns the response once
    /// its head has arrived; the body is read from the response. Nothing
    /// happens, and the total timeout does not start, until the future is
    /// first polled.
    pub fn send(self) -> ResponseFuture<R> {
        // Boxed, once per request: the exchange (redirects, bodies, reads)
        // is a large state machine, and the future returned then moves
        // through the caller's futures as a pointer. (As an `async fn`
        // taking the builder it was 1,376 bytes, copied at each of the
        // caller's awaits.)
        Box::pin(async move {
            let mut b = self;
            b.session.check_open()?;
            if let Some(e) = b.error.take() {
                return Err(e);
            }
            let rt = b.session.inner.rt.clone();
            let timeout = b.timeout.unwrap_or(b.session.inner.timeout);
            let start = rt.now();
            let total = total_deadline(start, timeout.total);
            // Boxed on its own too: inline, this block's state (and every
            // move of it while it starts) would be several kilobytes.
            timeout::run(&rt, total, Box::pin(send_all(b, total, start))).await
        })
    }
}

/// The future of [`RequestBuilder::send`]: the response once its head has
/// arrived.
pub type ResponseFuture<R> = Pin<Box<dyn Future<Output = Result<ClientResponse<R>>> + Send>>;

/// The state that changes from hop to hop of a redirect chain.
struct Hop {
    method: Method,
    url: Url,
    real_url: Url,
    auth: Option<BasicAuth>,
    cookies: Vec<(String, String)>,
    headers: WireHeaders,
    /// Whether this hop sends a body (the body itself is kept apart: a
    /// streamed body is not `Sync`, and the hop is borrowed across awaits,
    /// which must stay `Send`).
    has_body: bool,
}

/// The body of a request as it will be sent.
enum PreparedBody {
    /// In memory, replayable.
    Full {
        bytes: Bytes,
        content_type: Option<&'static str>,
        content_type_owned: Option<String>,
    },
    /// Read while sending; sent once.
    Streamed {
        source: StreamSource,
        content_type: Option<String>,
        length: Option<u64>,
    },
}

enum StreamSource {
    Pieces(PieceSource),
    Multipart(MultipartSource),
}

async fn send_all<R: Runtime>(
    b: RequestBuilder<R>,
    total: Option<Deadline>,
    start: Instant,
) -> Result<ClientResponse<R>> {
    let session = b.session.clone();
    let inner = &session.inner;
    let timeout = b.timeout.unwrap_or(inner.timeout);
    let version = b.version.unwrap_or(inner.version);
    let (url, real_url) = build_url(inner.base_url.as_ref(), b.url, b.params.as_ref())?;
    let url_auth = BasicAuth::from_url(&url);
    if url_auth.is_some() && b.auth.is_some() {
        return Err(Error::new(
            ErrorKind::Builder,
            "cannot combine auth with credentials encoded in the URL",
        ));
    }
    if (url_auth.is_some() || b.auth.is_some()) && b.headers.contains("authorization") {
        return Err(Error::new(
            ErrorKind::Builder,
            "cannot combine auth with an Authorization header",
        ));
    }
    // Session auth goes only to the base URL's origin when one is set.
    let session_auth = inner.auth.clone().filter(|_| match &inner.base_url {
        Some(base) => same_origin(base, &url),
        None => true,
    });
    let auth = url_auth.or(b.auth).or(session_auth);
    let url = strip_credentials(url);
    let real_url = strip_credentials(real_url);
    let mut skip: Vec<String> = inner.skip_auto_headers.clone();
    skip.extend(b.skip_auto_headers.iter().cloned());
    let allow_redirects = b.allow_redirects.unwrap_or(b.method != Method::HEAD);
    let max_redirects = b.max_redirects.unwrap_or(inner.max_redirects);
    let raise = b.raise_for_status.unwrap_or(inner.raise_for_status);
    let body = prepare_body(b.body, b.compress)?;

    let mut hop = Hop {
        method: b.method,
        url,
        real_url,
        auth,
        cookies: b.cookies,
        headers: b.headers,
        has_body: true,
    };
    let mut next_body = Some(body);
    let mut history: Vec<ClientResponse<R>> = Vec::new();
    let explicit_proxy = b.proxy.clone().or_else(|| inner.proxy.clone());
    let options = SendOptions {
        env_proxies: (inner.trust_env && explicit_proxy.is_none())
            .then(crate::env::EnvProxies::from_env),
        proxy: explicit_proxy,
        ssl: b
            .ssl
            .clone()
            .unwrap_or_else(|| inner.connector.default_ssl()),
        server_hostname: b.server_hostname.clone(),
        version,
        skip,
        compress: b.compress,
        chunked: b.chunked,
        expect100: b.expect100,
        read_until_eof: b.read_until_eof,
        websocket: b.websocket,
        timeout,
        total,
        tracker: b.tracker,
    };
    loop {
        let body = next_body.take();
        let hop_proxy = options.proxy_for(&hop.url);
        // trust_env: credentials for the target from .netrc when none given.
        if options.env_proxies.is_some()
            && hop.auth.is_none()
            && !hop.headers.contains("authorization")
        {
            if let Some((login, password)) =
                hop.url.host_str().and_then(crate::env::netrc_credentials)
            {
                hop.auth = BasicAuth::new(login, password).ok();
            }
        }
        let info = build_headers(&session, &hop, body.as_ref(), hop_proxy.as_ref(), &options)?;
        let replay = body.as_ref().and_then(PreparedBody::replay);
        let mut response = send_one(
            &session,
            &hop,
            body,
            hop_proxy.as_ref(),
            &options,
            &info,
            start,
        )
        .await
        .map_err(|e| e.with_request(&info))?;
        let set_cookies = response.set_cookie_values();
        if !set_cookies.is_empty() {
            session
                .inner
                .cookie_jar
                .update_cookies_from_headers(&set_cookies, &hop.url);
        }

        let status = response.status();
        let location = redirect_location(&response);
        if !(allow_redirects && is_redirect(status) && location.is_some()) {
            response.history = history;
            if raise && status.as_u16() >= 400 {
                return Err(response.into_status_error().await);
            }
            return Ok(response);
        }
        if max_redirects != 0 && history.len() >= max_redirects {
            let urls: Vec<Url> = history.iter().map(|r| r.url().clone()).collect();
            let parts = ResponseParts {
                status,
                reason: response.reason().to_owned(),
                headers: response.headers().clone(),
                body: Bytes::new(),
                history: urls,
            };
            return Err(Error::new(
                ErrorKind::TooManyRedirects,
                format!("more than {max_redirects} redirects"),
            )
            .with_request(&info)
            .with_response(parts));
        }
        let location = location.unwrap_or_default();
        let next = resolve_location(&hop.url, &location, inner.requote_redirect_url)
            .map_err(|e| e.with_request(&info))?;
        response.release().await;

        // aiohttp's method rules: 303 -> GET (but HEAD stays HEAD),
        // 301/302 -> GET only for POST; the body goes with the method change.
        let to_get = (status == StatusCode::SEE_OTHER && hop.method != Method::HEAD)
            || ((status == StatusCode::MOVED_PERMANENTLY || status == StatusCode::FOUND)
                && hop.method == Method::POST);
        if to_get {
            hop.method = Method::GET;
            hop.has_body = false;
            hop.headers.remove("content-length");
            hop.headers.remove("content-type");
            hop.headers.remove("transfer-encoding");
        } else {
            next_body = match replay {
                Some(b) => Some(b),
                None if hop.has_body => {
                    return Err(Error::new(ErrorKind::Payload, "cannot follow the redirect: the request body was a stream that cannot be sent again")
                        .with_request(&info));
                }
                None => None,
            };
        }
        if !same_origin(&hop.url, &next) {
            hop.auth = None;
            hop.cookies.clear();
            hop.headers.remove("authorization");
            hop.headers.remove("cookie");
            hop.headers.remove("proxy-authorization");
        }
        // Credentials in the new URL replace the old ones.
        if let Some(auth) = BasicAuth::from_url(&next) {
            hop.auth = Some(auth);
        }
        hop.real_url = strip_credentials(next.clone());
        let mut url = strip_credentials(next);
        url.set_fragment(None);
        hop.url = url;
        history.push(response);
    }
}

struct SendOptions {
    proxy: Option<crate::proxy::Proxy>,
    /// With `trust_env` and no explicit proxy: the environment's proxies.
    env_proxies: Option<crate::env::EnvProxies>,
    ssl: crate::tls::Ssl,
    server_hostname: Option<String>,
    version: Version,
    skip: Vec<String>,
    compress: Option<Compression>,
    chunked: bool,
    expect100: bool,
    read_until_eof: bool,
    /// A WebSocket handshake (see `RequestBuilder::websocket_handshake`).
    websocket: bool,
    timeout: ClientTimeout,
    total: Option<Deadline>,
    tracker: Option<UploadTracker>,
}

impl SendOptions {
    /// The proxy for one hop: the explicit one, else (with `trust_env`)
    /// the environment's unless NO_PROXY exempts the host, with `.netrc`
    /// credentials for the proxy when its URL has none.
    fn proxy_for(&self, url: &Url) -> Option<crate::proxy::Proxy> {
        if let Some(p) = &self.proxy {
            return Some(p.clone());
        }
        // A WebSocket handshake (sent as http/https) looks up WS_PROXY /
        // WSS_PROXY, as aiohttp does with the ws:// URL.
        let ws_url;
        let lookup = match (self.websocket, url.scheme()) {
            (true, "http" | "https") => {
                let mut u = url.clone();
                let _ = u.set_scheme(if url.scheme() == "http" { "ws" } else { "wss" });
                ws_url = u;
                &ws_url
            }
            _ => url,
        };
        let from_env = self.env_proxies.as_ref()?.proxy_for(lookup)?;
        let mut proxy = crate::proxy::Proxy::new(from_env).ok()?;
        if !proxy.has_auth() {
            if let Some((login, password)) = crate::env::netrc_credentials(proxy.host()) {
                if let Ok(auth) = BasicAuth::new(login, password) {
                    proxy = proxy.auth(auth);
                }
            }
        }
        Some(proxy)
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

fn redirect_location<R: Runtime>(response: &ClientResponse<R>) -> Option<String> {
    response
        .header_bytes("location")
        .or_else(|| response.header_bytes("uri"))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Resolves a redirect target against the current URL, as aiohttp does:
/// relative references (also `http:path`) join the current URL; a scheme
/// other than http/https is refused.
fn resolve_location(current: &Url, location: &str, _requote: bool) -> Result<Url> {
    let location = location.trim();
    // `http:/path` and `http:path` are relative to the current URL.
    let relative = ["http:", "https:"].iter().find_map(|s| {
        let rest = location.strip_prefix(s)?;
        (!rest.starts_with("//")).then_some(rest)
    });
    let joined = match relative {
        Some(rest) => current.join(rest),
        None => current.join(location),
    }
    .map_err(|e| {
        Error::new(
            ErrorKind::InvalidUrlRedirect,
            format!("invalid redirect URL {location:?}"),
        )
        .with_source(e)
    })?;
    match joined.scheme() {
        "http" | "https" => {}
        other => {
            return Err(Error::new(
                ErrorKind::NonHttpUrlRedirect,
                format!("redirect to a non-HTTP URL ({other}): {location:?}"),
            ))
        }
    }
    if joined.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(
            ErrorKind::InvalidUrlRedirect,
            format!("redirect URL without a host: {location:?}"),
        ));
    }
    Ok(joined)
}

pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn strip_credentials(mut url: Url) -> Url {
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// Parses a URL given as text, relative to `base` when it has no scheme.
fn parse_url(base: Option<&Url>, url: &str) -> Result<Url> {
    match Url::parse(url) {
        Ok(u) => Ok(u),
        Err(url::ParseError::RelativeUrlWithoutBase) if base.is_some() => base
            .and_then(|b| b.join(url.trim_start_matches('/')).ok())
            .ok_or_else(|| Error::new(ErrorKind::InvalidUrl, format!("invalid URL {url:?}"))),
        Err(e) => {
            Err(Error::new(ErrorKind::InvalidUrl, format!("invalid URL {url:?}")).with_source(e))
        }
    }
}

/// Builds the request URL from the session's base URL, the given URL and
/// the query parameters. Returns (url without fragment, url with it).
fn build_url(base: Option<&Url>, url: RequestUrl, params: Option<&Params>) -> Result<(Url, Url)> {
    let mut parsed = match url {
        RequestUrl::Parsed(url) => url,
        RequestUrl::Text(text) => parse_url(base, &text)?,
    };
    match parsed.scheme() {
        "http" | "https" => {}
        other => {
            return Err(Error::new(
                ErrorKind::NonHttpUrl,
                format!(
                    "URL scheme {other:?} is not http or https: {:?}",
                    parsed.as_str()
                ),
            ))
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(
            ErrorKind::InvalidUrl,
            format!("URL without a host: {:?}", parsed.as_str()),
        ));
    }
    match params {
        Some(Params::Pairs(pairs)) if !pairs.is_empty() => {
            let query = ahttp_proto::form::extend_query(
                parsed.query().unwrap_or(""),
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            parsed.set_query(Some(&query));
        }
        Some(Params::Raw(raw)) if !raw.is_empty() => {
            let query = match parsed.query() {
                Some(q) if !q.is_empty() => format!("{q}&{raw}"),
                _ => raw.clone(),
            };
            parsed.set_query(Some(&query));
        }
        _ => {}
    }
    let real = parsed.clone();
    parsed.set_fragment(None);
    Ok((parsed, real))
}

/// Turns the builder's body into what will be sent.
fn prepare_body(body: Body, compress: Option<Compression>) -> Result<PreparedBody> {
    let full = |bytes: Bytes, ct: &'static str| PreparedBody::Full {
        bytes,
        content_type: Some(ct),
        content_type_owned: None,
    };
    let prepared = match body {
        Body::Empty => PreparedBody::Full {
            bytes: Bytes::new(),
            content_type: None,
            content_type_owned: None,
        },
        Body::Bytes(b) => full(b, "application/octet-stream"),
        Body::Text(t) => full(Bytes::from(t), "text/plain; charset=utf-8"),
        Body::Json(j) => full(Bytes::from(j), "application/json"),
        Body::Form(form) if !form.is_multipart() => {
            let body = form.fields.urlencoded_body().map_err(|e| {
                Error::new(ErrorKind::Builder, "cannot url-encode the form").with_source(e)
            })?;
            full(body, ahttp_proto::form::FORM_URLENCODED)
        }
        Body::Form(form) => {
            let boundary = random_boundary();
            let map_err = |e: ahttp_proto::Error| {
                Error::new(ErrorKind::Builder, "cannot write the multipart form").with_source(e)
            };
            let writer = form
                .fields
                .multipart_writer(boundary.clone())
                .map_err(map_err)?;
            let content_type = writer.content_type();
            if form.readers.is_empty() {
                let bytes = form.fields.to_multipart_bytes(boundary).map_err(map_err)?;
                PreparedBody::Full {
                    bytes,
                    content_type: None,
                    content_type_owned: Some(content_type),
                }
            } else {
                let length = form.fields.multipart_size(boundary).map_err(map_err)?;
                PreparedBody::Streamed {
                    source: StreamSource::Multipart(MultipartSource::new(writer, form)),
                    content_type: Some(content_type),
                    length,
                }
            }
        }
        Body::Stream(s) => PreparedBody::Streamed {
            source: StreamSource::Pieces(PieceSource::Stream(s)),
            content_type: Some("application/octet-stream".into()),
            length: None,
        },
        Body::Reader(r) => PreparedBody::Streamed {
            source: StreamSource::Pieces(PieceSource::Reader(r)),
            content_type: Some("application/octet-stream".into()),
            length: None,
        },
        Body::SizedReader(r, length) => PreparedBody::Streamed {
            source: StreamSource::Pieces(PieceSource::Reader(r)),
            content_type: Some("application/octet-stream".into()),
            length: Some(length),
        },
    };
    // A compressed body's length is only known once it is sent: chunked.
    Ok(match (prepared, compress) {
        (
            PreparedBody::Full {
                bytes,
                content_type,
                content_type_owned,
            },
            Some(_),
        ) if !bytes.is_empty() => PreparedBody::Streamed {
            source: StreamSource::Pieces(PieceSource::Stream(Box::pin(
                futures_util::stream::once(async move { Ok(bytes) }),
            ))),
            content_type: content_type_owned.or(content_type.map(str::to_owned)),
            length: None,
        },
        (p, _) => p,
    })
}

impl PreparedBody {
    fn replay(&self) -> Option<PreparedBody> {
        match self {
            PreparedBody::Full {
                bytes,
                content_type,
                content_type_owned,
            } => Some(PreparedBody::Full {
                bytes: bytes.clone(),
                content_type: *content_type,
                content_type_owned: content_type_owned.clone(),
            }),
            PreparedBody::Streamed { .. } => None,
        }
    }

    fn content_type(&self) -> Option<&str> {
        match self {
            PreparedBody::Full {
                content_type,
                content_type_owned,
                bytes,
            } => {
                if bytes.is_empty() && content_type_owned.is_none() {
                    return None;
                }
                content_type_owned.as_deref().or(*content_type)
            }
            PreparedBody::Streamed { content_type, .. } => content_type.as_deref(),
        }
    }
}

fn random_boundary() -> String {
    let mut s = String::with_capacity(32);
    for _ in 0..32 {
        s.push(char::from(b"0123456789abcdef"[fastrand::usize(..16)]));
    }
    s
}

fn value(s: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(s).map_err(|e| {
        Error::new(ErrorKind::Builder, format!("invalid header value {s:?}")).with_source(e)
    })
}

/// The headers of one hop, in aiohttp's order: Host, the session's and
/// request's headers, then Accept, Accept-Encoding, User-Agent, auth,
/// cookies and body headers where not given or skipped.
fn build_headers<R: Runtime>(
    session: &ClientSession<R>,
    hop: &Hop,
    body: Option<&PreparedBody>,
    proxy: Option<&crate::proxy::Proxy>,
    options: &SendOptions,
) -> Result<Arc<RequestInfo>> {
    let inner = &session.inner;
    let skipped = |name: &str| options.skip.iter().any(|s| s.eq_ignore_ascii_case(name));
    let mut headers = WireHeaders::new();
    if !hop.headers.contains("host") {
        // host[:port] exactly as the URL has it (IPv6 in brackets).
        let authority = &hop.url[url::Position::BeforeHost..url::Position::AfterPort];
        let host = HeaderValue::from_str(authority)
            .map_err(|e| Error::new(ErrorKind::InvalidUrl, "invalid host").with_source(e))?;
        headers.set("Host", host);
    }
    for (name, v) in inner.headers.entries() {
        if !hop.headers.contains(name) {
            headers.append(name.clone(), v.clone());
        }
    }
    for (name, v) in hop.headers.entries() {
        headers.append(name.clone(), v.clone());
    }
    if !skipped("accept") {
        headers.set_default("Accept", HeaderValue::from_static("*/*"));
    }
    if !skipped("accept-encoding") {
        headers.set_default(
            "Accept-Encoding",
            HeaderValue::from_static(ahttp_proto::decode::ACCEPT_ENCODING),
        );
    }
    if !skipped("user-agent") {
        headers.set_default("User-Agent", HeaderValue::from_static(USER_AGENT));
    }
    if let Some(auth) = &hop.auth {
        headers.set_default("Authorization", value(&auth.encode())?);
    }
    // Cookies: the jar's for this URL, the request's one-off ones, and any
    // Cookie header given explicitly.
    let mut cookie_pairs = inner.cookie_jar.filter_cookies(&hop.url);
    for (k, v) in &hop.cookies {
        cookie_pairs.retain(|(n, _)| n != k);
        cookie_pairs.push((k.clone(), v.clone()));
    }
    if !cookie_pairs.is_empty() {
        let mut line = headers
            .get("cookie")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        for (k, v) in &cookie_pairs {
            if !line.is_empty() {
                line.push_str("; ");
            }
            line.push_str(k);
            line.push('=');
            line.push_str(v);
        }
        headers.set("Cookie", value(&line)?);
    }
    // A plain-http request through a proxy carries the proxy's headers
    // (aiohttp drops proxy_headers there, aiohttp#4422); https targets and
    // WebSocket handshakes send them on CONNECT instead.
    if let Some(proxy) = proxy.filter(|p| p.is_http()) {
        if hop.url.scheme() == "http" && !options.websocket {
            for (name, v) in proxy.proxy_fields() {
                headers.set(name, v);
            }
        }
    }
    // Body headers.
    if let Some(ct) = body.and_then(PreparedBody::content_type) {
        if !skipped("content-type") {
            headers.set_default("Content-Type", value(ct)?);
        }
    } else if matches!(hop.method, Method::POST | Method::PUT | Method::PATCH)
        && !skipped("content-type")
    {
        headers.set_default(
            "Content-Type",
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    let has_te = headers.contains("transfer-encoding");
    let length = match body {
        Some(PreparedBody::Full { bytes, .. }) => Some(bytes.len() as u64),
        Some(PreparedBody::Streamed { length, .. }) => *length,
        None => None,
    };
    let chunked =
        options.chunked || options.compress.is_some() || (body.is_some() && length.is_none());
    if chunked && headers.contains("content-length") {
        return Err(Error::new(
            ErrorKind::Builder,
            "chunked can not be set if Content-Length header is set",
        ));
    }
    if let Some(c) = options.compress {
        if headers.contains("content-encoding") {
            return Err(Error::new(
                ErrorKind::Builder,
                "compress can not be set if Content-Encoding header is set",
            ));
        }
        headers.set(
            "Content-Encoding",
            HeaderValue::from_static(match c {
                Compression::Deflate => "deflate",
                Compression::Gzip => "gzip",
            }),
        );
    }
    let sends_length = !matches!(
        hop.method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || length.is_some_and(|n| n > 0);
    if chunked && options.version == Version::HTTP_10 {
        return Err(Error::new(
            ErrorKind::Builder,
            "chunked bodies need HTTP/1.1",
        ));
    }
    if chunked {
        if !has_te {
            headers.set("Transfer-Encoding", HeaderValue::from_static("chunked"));
        }
    } else if !has_te && sends_length && !headers.contains("content-length") {
        headers.set("Content-Length", value(&length.unwrap_or(0).to_string())?);
    }
    if options.expect100 {
        headers.set_default("Expect", HeaderValue::from_static("100-continue"));
    }
    if inner.connector.force_close() {
        headers.set_default("Connection", HeaderValue::from_static("close"));
    } else if options.version == Version::HTTP_10 {
        headers.set_default("Connection", HeaderValue::from_static("keep-alive"));
    }
    Ok(Arc::new(RequestInfo::new(
        hop.url.clone(),
        hop.method.clone(),
        hop.real_url.clone(),
        headers,
    )))
}

/// Sends one request on a pooled connection, retrying once on a reused
/// connection that turned out dead (idempotent methods only, as aiohttp).
async fn send_one<R: Runtime>(
    session: &ClientSession<R>,
    hop: &Hop,
    mut body: Option<PreparedBody>,
    proxy: Option<&crate::proxy::Proxy>,
    options: &SendOptions,
    info: &Arc<RequestInfo>,
    start: Instant,
) -> Result<ClientResponse<R>> {
    let inner = &session.inner;
    let https = hop.url.scheme() == "https";
    let key = PoolKey {
        scheme: hop.url.scheme().to_owned(),
        host: hop.url.host_str().unwrap_or("").to_owned(),
        port: hop.url.port_or_known_default().unwrap_or(80),
        unix_path: inner.connector.unix_path(),
        tls: https.then(|| {
            format!(
                "{}/{}",
                options.ssl.pool_id(),
                options.server_hostname.as_deref().unwrap_or("")
            )
        }),
        proxy: proxy.map(crate::proxy::Proxy::pool_id),
        tunnel: options.websocket && !https && proxy.is_some_and(crate::proxy::Proxy::is_http),
    };
    // Through a proxy, a plain-http request names the whole URL (unless
    // it goes through a tunnel).
    let target: &str = match &hop.url[url::Position::BeforePath..url::Position::AfterQuery] {
        _ if proxy.is_some_and(crate::proxy::Proxy::is_http) && !https && !key.tunnel => {
            &hop.url[..url::Position::AfterQuery]
        }
        "" => "/",
        path => path,
    };
    let mut attempt = 0u32;
    loop {
        let replay = body.as_ref().and_then(PreparedBody::replay);
        let mut conn = inner
            .connector
            .acquire(
                &key,
                &options.timeout,
                options.total,
                inner.limits,
                https.then_some((&options.ssl, options.server_hostname.as_deref())),
                proxy,
            )
            .await?;
        let reused = conn.served > 0;
        conn.proto.set_read_until_eof(options.read_until_eof);
        match exchange(
            &inner.rt,
            &mut conn,
            hop,
            target,
            &info.sent,
            body.take(),
            options,
        )
        .await
        {
            Ok((head, informational)) => {
                let mut response = ClientResponse::new(
                    session.clone(),
                    conn,
                    head,
                    info.clone(),
                    options.timeout,
                    options.total,
                    start,
                );
                response.set_informational(informational);
                return Ok(response);
            }
            Err((e, response_started)) => {
                let retry =
                    ahttp_proto::pool::may_retry(&hop.method, reused, response_started, attempt)
                        && (replay.is_some() || !hop.has_body);
                inner.connector.discard(conn);
                if !retry {
                    return Err(e);
                }
                body = replay;
                attempt += 1;
            }
        }
    }
}

/// Writes the request and reads up to the final response head. On error,
/// also says whether any response byte had arrived (a retry is then not
/// allowed).
async fn exchange<R: Runtime>(
    rt: &R,
    conn: &mut Connection,
    hop: &Hop,
    target: &str,
    headers: &WireHeaders,
    body: Option<PreparedBody>,
    options: &SendOptions,
) -> std::result::Result<(ResponseHead, Vec<InformationalResponse>), (Error, bool)> {
    let no_response = |e: Error| (e, false);
    let mut informational = Vec::new();
    let mut out = std::mem::take(&mut conn.write_buf);
    out.clear();
    let head = RequestHead::new(&hop.method, target, options.version, headers.fields());
    conn.proto
        .send_request(head, rt.now(), &mut out)
        .map_err(|e| {
            no_response(Error::new(ErrorKind::Builder, "cannot encode the request").with_source(e))
        })?;
    if let Some(tracker) = &options.tracker {
        tracker.start_attempt();
    }
    let mut body = body;
    // A small in-memory body goes out in the same write as the head.
    if let Some(PreparedBody::Full { bytes, .. }) = &body {
        if conn.proto.body_state() == BodyState::Ready && bytes.len() <= 16 * 1024 {
            conn.proto
                .send_body(bytes, &mut out)
                .map_err(|e| no_response(body_error(e)))?;
            conn.proto
                .send_end(&mut out)
                .map_err(|e| no_response(body_error(e)))?;
            if let Some(t) = &options.tracker {
                t.wrote(bytes.len());
                t.finish();
            }
            body = None;
        }
    }
    if body.is_none() && conn.proto.body_state() == BodyState::Ready {
        // A body-less request with a declared length of 0 still ends here.
        let _ = conn.proto.send_end(&mut out);
    }
    conn.write_all(rt, &out, options.timeout.sock_write, IO_TOTAL)
        .await
        .map_err(no_response)?;
    // Kept for the connection's next request.
    conn.write_buf = out;

    // Expect: 100-continue: wait for the 100, a final answer, or the
    // protocol's deadline, whichever comes first.
    let mut early: Option<Event> = None;
    while conn.proto.body_state() == BodyState::AwaitingContinue {
        let deadline = conn.proto.poll_timeout();
        let event = {
            let read = pin!(conn.next_event(rt, options.timeout.sock_read, IO_TOTAL));
            match deadline {
                None => Some(read.await),
                Some(at) => match select(read, rt.sleep_until(at)).await {
                    Either::Left((ev, _)) => Some(ev),
                    Either::Right(_) => None,
                },
            }
        };
        match event {
            None => conn.proto.handle_timeout(rt.now()),
            Some(Ok(Event::Informational(head))) => {
                informational.push(InformationalResponse::from_head(&head))
            }
            Some(Ok(ev)) => {
                early = Some(ev);
                break;
            }
            Some(Err(e)) => return Err((e.in_head(), true)),
        }
    }
    if conn.proto.body_state() == BodyState::Ready {
        if let Some(body) = body {
            send_body(rt, conn, body, options)
                .await
                .map_err(no_response)?;
        }
    }
    // Read to the final head; interim 1xx answers are kept aside.
    let mut started = early.is_some();
    let mut next = early;
    loop {
        let event = match next.take() {
            Some(ev) => ev,
            None => conn
                .next_event(rt, options.timeout.sock_read, IO_TOTAL)
                .await
                .map_err(|e| {
                    let started = started || !conn.read_buf.is_empty();
                    (e.in_head(), started)
                })?,
        };
        started = true;
        match event {
            Event::Informational(head) => {
                informational.push(InformationalResponse::from_head(&head))
            }
            Event::Response(head) => return Ok((head, informational)),
            // Only a request that asked to upgrade gets here (the state
            // machine refuses an unasked 101); ws_connect takes the
            // connection from the response.
            Event::Upgrade(head) => return Ok((head, informational)),
            other => {
                return Err((
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!("unexpected {other:?} before the response head"),
                    ),
                    true,
                ));
            }
        }
    }
}

/// The `total` deadline for reads and writes inside `send()`: none of
/// their own, because `send()` runs its whole future under the total
/// timer; arming another timer per read and write cost a timer-wheel insert
/// and removal each (seen in the loopback profile).
const IO_TOTAL: Option<Deadline> = None;

fn body_error(e: ahttp_proto::Error) -> Error {
    Error::new(ErrorKind::Body, "cannot send the request body").with_source(e)
}

/// Streams a body: each piece framed by the connection (a chunk, or raw
/// for a known length), compressed first when asked.
async fn send_body<R: Runtime>(
    rt: &R,
    conn: &mut Connection,
    body: PreparedBody,
    options: &SendOptions,
) -> Result<()> {
    let tracker = options.tracker.as_ref();
    let mut compressor = options.compress.map(Compressor::new);
    let mut out = BytesMut::new();
    match body {
        PreparedBody::Full { bytes, .. } => {
            send_piece(rt, conn, &mut out, bytes, &mut compressor, options).await?;
        }
        PreparedBody::Streamed { source, .. } => {
            let mut source = source;
            while let Some(piece) = source.next().await? {
                send_piece(rt, conn, &mut out, piece, &mut compressor, options).await?;
            }
        }
    }
    if let Some(c) = compressor.take() {
        let rest = c.finish()?;
        write_framed(rt, conn, &mut out, rest, options).await?;
    }
    conn.proto.send_end(&mut out).map_err(body_error)?;
    conn.write_all(rt, &out, options.timeout.sock_write, IO_TOTAL)
        .await?;
    if let Some(t) = tracker {
        t.finish();
    }
    Ok(())
}

async fn send_piece<R: Runtime>(
    rt: &R,
    conn: &mut Connection,
    out: &mut BytesMut,
    piece: Bytes,
    compressor: &mut Option<Compressor>,
    options: &SendOptions,
) -> Result<()> {
    if let Some(t) = &options.tracker {
        t.wrote(piece.len());
    }
    let piece = match compressor {
        Some(c) => c.compress(&piece)?,
        None => piece,
    };
    write_framed(rt, conn, out, piece, options).await
}

/// Writes the framing, then the data itself (not copied for large pieces).
async fn write_framed<R: Runtime>(
    rt: &R,
    conn: &mut Connection,
    out: &mut BytesMut,
    data: Bytes,
    options: &SendOptions,
) -> Result<()> {
    let Some(suffix) = conn
        .proto
        .send_body_prefix(data.len() as u64, out)
        .map_err(body_error)?
    else {
        return Ok(());
    };
    if data.len() <= 8 * 1024 {
        out.extend_from_slice(&data);
        out.extend_from_slice(suffix);
        if out.len() >= 64 * 1024 {
            conn.write_all(rt, out, options.timeout.sock_write, IO_TOTAL)
                .await?;
            out.clear();
        }
        return Ok(());
    }
    conn.write_all(rt, out, options.timeout.sock_write, IO_TOTAL)
        .await?;
    out.clear();
    conn.write_all(rt, &data, options.timeout.sock_write, IO_TOTAL)
        .await?;
    out.extend_from_slice(suffix);
    Ok(())
}

impl StreamSource {
    async fn next(&mut self) -> Result<Option<Bytes>> {
        match self {
            StreamSource::Pieces(p) => next_piece(p).await,
            StreamSource::Multipart(m) => m.next().await,
        }
    }
}

/// A multipart form with streamed files, produced piece by piece.
struct MultipartSource {
    writer: ahttp_proto::multipart::MultipartWriter,
    form: crate::FormData,
    field: usize,
    /// The reader of the field being streamed, if any.
    current: Option<Box<dyn futures_io::AsyncRead + Send + Unpin>>,
    done: bool,
}

impl MultipartSource {
    fn new(writer: ahttp_proto::multipart::MultipartWriter, form: crate::FormData) -> Self {
        MultipartSource {
            writer,
            form,
            field: 0,
            current: None,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Bytes>> {
        let map_err = |e: ahttp_proto::Error| {
            Error::new(ErrorKind::Body, "cannot write the multipart form").with_source(e)
        };
        let mut out = BytesMut::new();
        if let Some(reader) = &mut self.current {
            let mut source = PieceSource::Reader(std::mem::replace(
                reader,
                Box::new(futures_util::io::empty()),
            ));
            let piece = next_piece(&mut source).await?;
            if let PieceSource::Reader(r) = source {
                self.current = Some(r);
            }
            match piece {
                Some(piece) => {
                    self.writer.write_body(&piece, &mut out).map_err(map_err)?;
                    return Ok(Some(out.freeze()));
                }
                None => {
                    self.current = None;
                    self.writer.end_field(&mut out).map_err(map_err)?;
                    self.field += 1;
                }
            }
        }
        if self.done {
            return Ok(if out.is_empty() {
                None
            } else {
                Some(out.freeze())
            });
        }
        while self.field < self.form.fields.len() {
            let field = &self.form.fields.fields()[self.field];
            let reader = self.form.readers.iter().position(|(i, _)| *i == self.field);
            match reader {
                Some(pos) => {
                    let (_, reader) = self.form.readers.remove(pos);
                    self.writer.begin_field(field, &mut out).map_err(map_err)?;
                    self.current = Some(reader);
                    return Ok(Some(out.freeze()));
                }
                None => {
                    self.writer.write_field(field, &mut out).map_err(map_err)?;
                    self.field += 1;
                }
            }
        }
        self.writer.finish(&mut out).map_err(map_err)?;
        self.done = true;
        Ok(Some(out.freeze()))
    }
}

/// Request body compression, streaming.
struct Compressor {
    inner: CompressorKind,
}

enum CompressorKind {
    Deflate(flate2::write::ZlibEncoder<Vec<u8>>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
}

impl Compressor {
    fn new(c: Compression) -> Self {
        let level = flate2::Compression::default();
        Compressor {
            inner: match c {
                Compression::Deflate => {
                    CompressorKind::Deflate(flate2::write::ZlibEncoder::new(Vec::new(), level))
                }
                Compression::Gzip => {
                    CompressorKind::Gzip(flate2::write::GzEncoder::new(Vec::new(), level))
                }
            },
        }
    }

    fn compress(&mut self, data: &[u8]) -> Result<Bytes> {
        use std::io::Write;
        let err =
            |e| Error::new(ErrorKind::Body, "cannot compress the request body").with_source(e);
        let buf = match &mut self.inner {
            CompressorKind::Deflate(e) => {
                e.write_all(data).map_err(err)?;
                e.get_mut()
            }
            CompressorKind::Gzip(e) => {
                e.write_all(data).map_err(err)?;
                e.get_mut()
            }
        };
        Ok(Bytes::from(std::mem::take(buf)))
    }

    fn finish(self) -> Result<Bytes> {
        let err =
            |e| Error::new(ErrorKind::Body, "cannot compress the request body").with_source(e);
        let rest = match self.inner {
            CompressorKind::Deflate(e) => e.finish().map_err(err)?,
            CompressorKind::Gzip(e) => e.finish().map_err(err)?,
        };
        Ok(Bytes::from(rest))
    }
}

/// A one-shot request on a throwaway session that closes its connection
/// afterwards (aiohttp's module-level `request()`). The runtime adapters
/// wrap this as `request(method, url)`.
pub fn one_shot<R: Runtime>(rt: R, method: Method, url: impl IntoUrl) -> RequestBuilder<R> {
    let connector = crate::connector::TcpConnector::builder(rt.clone())
        .force_close(true)
        .build();
    let session = ClientSession::builder_with_runtime(rt)
        .connector(connector)
        .build();
    session.request(method, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_locations_resolve_as_aiohttp() {
        let cur = Url::parse("http://h.example/a/b?q=1").unwrap();
        let r = |l| resolve_location(&cur, l, true).map(|u| u.to_string());
        assert_eq!(r("/x").unwrap(), "http://h.example/x");
        assert_eq!(r("c").unwrap(), "http://h.example/a/c");
        assert_eq!(r("http:/y").unwrap(), "http://h.example/y");
        assert_eq!(r("http:z").unwrap(), "http://h.example/a/z");
        assert_eq!(
            r("https://other.example/p").unwrap(),
            "https://other.example/p"
        );
        assert_eq!(
            r("ftp://x/").unwrap_err().kind(),
            &ErrorKind::NonHttpUrlRedirect
        );
        assert_eq!(
            r("ws://x/").unwrap_err().kind(),
            &ErrorKind::NonHttpUrlRedirect
        );
        assert_eq!(
            r("http://[::1").unwrap_err().kind(),
            &ErrorKind::InvalidUrlRedirect
        );
    }

    fn text(url: &str) -> RequestUrl {
        RequestUrl::Text(url.to_owned())
    }

    #[test]
    fn urls_join_base_and_params() {
        let base = Url::parse("http://h.example/api/").unwrap();
        let (u, _) = build_url(Some(&base), text("items"), None).unwrap();
        assert_eq!(u.as_str(), "http://h.example/api/items");
        let (u, real) = build_url(
            None,
            text("http://h.example/p?a=1#frag"),
            Some(&Params::Pairs(vec![("b".into(), "x y".into())])),
        )
        .unwrap();
        assert_eq!(u.as_str(), "http://h.example/p?a=1&b=x+y");
        assert_eq!(real.fragment(), Some("frag"));
        let (u, _) = build_url(
            None,
            text("http://h.example/p"),
            Some(&Params::Raw("a=%20&b".into())),
        )
        .unwrap();
        assert_eq!(u.query(), Some("a=%20&b"));
        assert_eq!(
            build_url(None, text("ftp://h/"), None).unwrap_err().kind(),
            &ErrorKind::NonHttpUrl
        );
        assert_eq!(
            build_url(None, text("not a url"), None).unwrap_err().kind(),
            &ErrorKind::InvalidUrl
        );
    }

    #[test]
    fn every_common_kind_of_text_or_url_is_taken() {
        fn given(url: impl IntoUrl) -> String {
            match url.into_request_url() {
                RequestUrl::Text(text) => format!("text {text}"),
                RequestUrl::Parsed(url) => format!("parsed {url}"),
            }
        }
        let text = "http://h/";
        // As iterating over a `Vec<&str>` by reference gives.
        let text_ref: &&str = &text;
        let owned = text.to_owned();
        let cow = std::borrow::Cow::Borrowed(text);
        let url = Url::parse(text).unwrap();
        for got in [
            given(text),
            given(text_ref),
            given(&owned),
            given(owned.clone()),
            given(&cow),
            given(cow.clone()),
            given(Box::<str>::from(text)),
            given(std::sync::Arc::<str>::from(text)),
        ] {
            assert_eq!(got, "text http://h/");
        }
        assert_eq!(given(&url), "parsed http://h/");
        assert_eq!(given(url), "parsed http://h/");
    }

    #[test]
    fn a_parsed_url_is_used_as_given() {
        // Absolute, so the base does not apply; params and the fragment
        // are handled as for text; the scheme and host are still checked.
        let base = Url::parse("http://base.example/api/").unwrap();
        let given = Url::parse("http://h.example/p?a=1#frag").unwrap();
        let (u, real) = build_url(
            Some(&base),
            RequestUrl::Parsed(given.clone()),
            Some(&Params::Pairs(vec![("b".into(), "2".into())])),
        )
        .unwrap();
        assert_eq!(u.as_str(), "http://h.example/p?a=1&b=2");
        assert_eq!(real.as_str(), "http://h.example/p?a=1&b=2#frag");
        let (u, _) = build_url(Some(&base), RequestUrl::Parsed(given), None).unwrap();
        assert_eq!(u.as_str(), "http://h.example/p?a=1");
        let ftp = Url::parse("ftp://h.example/").unwrap();
        assert_eq!(
            build_url(None, RequestUrl::Parsed(ftp), None)
                .unwrap_err()
                .kind(),
            &ErrorKind::NonHttpUrl
        );
    }
}
