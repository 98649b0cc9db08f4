//! `ClientSession`: the pool, cookie jar and defaults shared by requests.

use crate::body::BasicAuth;
use crate::connector::TcpConnector;
use crate::cookie::{AbstractCookieJar, CookieJar};
use crate::error::{Error, ErrorKind, Result};
use crate::request::{IntoUrl, RequestBuilder};
use crate::runtime::Runtime;
use crate::timeout::ClientTimeout;
use crate::wire_headers::{valid_name, WireHeaders};
use http::{HeaderValue, Method, Version};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use url::Url;

/// Picks the text encoding of a body whose Content-Type names no charset:
/// aiohttp's `fallback_charset_resolver`. Gets the body's bytes; returns a
/// WHATWG encoding label.
pub type CharsetResolver = Arc<dyn Fn(&[u8]) -> String + Send + Sync>;

pub(crate) struct SessionInner<R: Runtime> {
    pub rt: R,
    pub base_url: Option<Url>,
    pub headers: WireHeaders,
    pub cookie_jar: Arc<dyn AbstractCookieJar>,
    pub auth: Option<BasicAuth>,
    pub timeout: ClientTimeout,
    pub connector: TcpConnector<R>,
    pub connector_owner: bool,
    pub raise_for_status: bool,
    pub auto_decompress: bool,
    pub read_bufsize: usize,
    pub limits: ahttp_proto::h1::Limits,
    pub skip_auto_headers: Vec<String>,
    pub version: Version,
    pub requote_redirect_url: bool,
    pub trust_env: bool,
    pub fallback_charset: Option<CharsetResolver>,
    pub max_redirects: usize,
    pub drain_limit: usize,
    pub max_decoded_size: Option<u64>,
    pub proxy: Option<crate::proxy::Proxy>,
    /// A default that was invalid; every request fails with it.
    pub build_error: Option<(ErrorKind, String)>,
    pub closed: AtomicBool,
}

/// An HTTP client session: connection pool, cookie jar and request
/// defaults, as aiohttp's `ClientSession`.
///
/// Cloning is cheap and shares everything. Requests are built with
/// [`get`](Self::get), [`post`](Self::post), ... and sent with
/// [`RequestBuilder::send`]. Use the type from a runtime adapter
/// (`ahttp_tokio::ClientSession`, `ahttp_async_std::ClientSession`,
/// `ahttp_smol::ClientSession`) rather than naming the runtime here.
pub struct ClientSession<R: Runtime> {
    pub(crate) inner: Arc<SessionInner<R>>,
}

impl<R: Runtime> Clone for ClientSession<R> {
    fn clone(&self) -> Self {
        ClientSession {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime> fmt::Debug for ClientSession<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("base_url", &self.inner.base_url.as_ref().map(Url::as_str))
            .field("closed", &self.closed())
            .finish()
    }
}

impl<R: Runtime + Default> ClientSession<R> {
    /// A session with aiohttp's defaults.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder for session defaults.
    pub fn builder() -> ClientSessionBuilder<R> {
        ClientSessionBuilder::new(R::default())
    }
}

impl<R: Runtime + Default> Default for ClientSession<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> ClientSession<R> {
    /// A builder on a given runtime value.
    pub fn builder_with_runtime(rt: R) -> ClientSessionBuilder<R> {
        ClientSessionBuilder::new(rt)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, url: impl IntoUrl) -> RequestBuilder<R> {
        RequestBuilder::new(self.clone(), method, url.into_request_url())
    }

    /// A GET request.
    pub fn get(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::GET, url)
    }

    /// A POST request.
    pub fn post(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::POST, url)
    }

    /// A PUT request.
    pub fn put(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::PUT, url)
    }

    /// A PATCH request.
    pub fn patch(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::PATCH, url)
    }

    /// A DELETE request.
    pub fn delete(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::DELETE, url)
    }

    /// A HEAD request; as in aiohttp, redirects are not followed unless
    /// asked for.
    pub fn head(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::HEAD, url)
    }

    /// An OPTIONS request.
    pub fn options(&self, url: impl IntoUrl) -> RequestBuilder<R> {
        self.request(Method::OPTIONS, url)
    }

    /// The cookie jar.
    pub fn cookie_jar(&self) -> &Arc<dyn AbstractCookieJar> {
        &self.inner.cookie_jar
    }

    /// The connector (pool).
    pub fn connector(&self) -> &TcpConnector<R> {
        &self.inner.connector
    }

    /// The session's timeouts.
    pub fn timeout(&self) -> ClientTimeout {
        self.inner.timeout
    }

    /// The HTTP version requests use by default.
    pub fn version(&self) -> Version {
        self.inner.version
    }

    /// Whether proxies and `.netrc` are read from the environment.
    pub fn trust_env(&self) -> bool {
        self.inner.trust_env
    }

    /// True once [`close`](Self::close) or [`detach`](Self::detach) ran.
    pub fn closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Closes the session: no more requests, and (when the session owns its
    /// connector) every pooled connection is closed and waited for.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        if self.inner.connector_owner {
            self.inner.connector.close().await;
        }
    }

    /// Marks the session closed without closing its connector, which other
    /// sessions may share (aiohttp's `detach()`).
    pub fn detach(&self) {
        self.inner.closed.store(true, Ordering::Release);
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if let Some((kind, message)) = &self.inner.build_error {
            return Err(Error::new(kind.clone(), message.clone()));
        }
        if self.closed() {
            return Err(Error::new(ErrorKind::SessionClosed, "session is closed"));
        }
        Ok(())
    }
}

/// Session defaults: aiohttp's `ClientSession(...)` arguments.
pub struct ClientSessionBuilder<R: Runtime> {
    rt: R,
    base_url: Option<String>,
    headers: WireHeaders,
    cookies: Vec<(String, String)>,
    cookie_jar: Option<Arc<dyn AbstractCookieJar>>,
    auth: Option<BasicAuth>,
    timeout: ClientTimeout,
    connector: Option<TcpConnector<R>>,
    connector_owner: bool,
    raise_for_status: bool,
    auto_decompress: bool,
    read_bufsize: usize,
    limits: ahttp_proto::h1::Limits,
    skip_auto_headers: Vec<String>,
    version: Version,
    requote_redirect_url: bool,
    trust_env: bool,
    fallback_charset: Option<CharsetResolver>,
    max_redirects: usize,
    drain_limit: usize,
    max_decoded_size: Option<u64>,
    proxy: Option<crate::proxy::Proxy>,
    error: Option<Error>,
}

impl<R: Runtime> ClientSessionBuilder<R> {
    fn new(rt: R) -> Self {
        ClientSessionBuilder {
            rt,
            base_url: None,
            headers: WireHeaders::new(),
            cookies: Vec::new(),
            cookie_jar: None,
            auth: None,
            timeout: ClientTimeout::default(),
            connector: None,
            connector_owner: true,
            raise_for_status: false,
            auto_decompress: true,
            read_bufsize: 256 * 1024,
            limits: ahttp_proto::h1::Limits::default(),
            skip_auto_headers: Vec::new(),
            version: Version::HTTP_11,
            requote_redirect_url: true,
            trust_env: false,
            fallback_charset: None,
            max_redirects: 10,
            drain_limit: 64 * 1024,
            max_decoded_size: None,
            proxy: None,
            error: None,
        }
    }

    /// A proxy for every request (a request's own `.proxy()` wins).
    pub fn proxy(mut self, proxy: crate::proxy::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Base URL for relative request URLs; its path must end in `/`, as in
    /// aiohttp 3.11+.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A default header, sent with every request unless the request sets
    /// the same name. The name is sent in the case given.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        match HeaderValue::from_str(value.as_ref()) {
            Ok(v) if valid_name(name) => self.headers.set(name.to_owned(), v),
            _ => self.fail(Error::new(
                ErrorKind::Builder,
                format!("invalid header {name:?}"),
            )),
        }
        self
    }

    /// Initial cookies, stored in the jar for every host... as aiohttp's
    /// `cookies=`, which stores them without a domain (sent everywhere).
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

    /// A cookie jar instead of a fresh [`CookieJar`]; `DummyCookieJar`
    /// turns cookies off.
    pub fn cookie_jar(mut self, jar: Arc<dyn AbstractCookieJar>) -> Self {
        self.cookie_jar = Some(jar);
        self
    }

    /// Default Basic auth, sent only to the `base_url`'s origin when a base
    /// URL is set (aiohttp's rule).
    pub fn auth(mut self, auth: BasicAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Default timeouts (aiohttp's: total 300 s, sock_connect 30 s).
    pub fn timeout(mut self, timeout: ClientTimeout) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connector (pool settings, limits) to use.
    pub fn connector(mut self, connector: TcpConnector<R>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Whether closing the session closes the connector (default true).
    pub fn connector_owner(mut self, owner: bool) -> Self {
        self.connector_owner = owner;
        self
    }

    /// Fail every response with status >= 400 (default false).
    pub fn raise_for_status(mut self, raise: bool) -> Self {
        self.raise_for_status = raise;
        self
    }

    /// Decode gzip, deflate, br and zstd bodies (default true).
    pub fn auto_decompress(mut self, on: bool) -> Self {
        self.auto_decompress = on;
        self
    }

    /// Size of response body reads (aiohttp's `read_bufsize`, 256 KiB).
    pub fn read_bufsize(mut self, size: usize) -> Self {
        self.read_bufsize = size.max(1024);
        self
    }

    /// Longest status line (8190).
    pub fn max_line_size(mut self, n: usize) -> Self {
        self.limits.max_line_size = n;
        self
    }

    /// Longest header field, name plus value (8190).
    pub fn max_field_size(mut self, n: usize) -> Self {
        self.limits.max_field_size = n;
        self
    }

    /// Most header plus trailer fields (128).
    pub fn max_headers(mut self, n: usize) -> Self {
        self.limits.max_headers = n;
        self
    }

    /// Automatic headers not to send (User-Agent, Accept, Accept-Encoding,
    /// Content-Type).
    pub fn skip_auto_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.skip_auto_headers
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// HTTP/1.1 (default) or HTTP/1.0.
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Re-quote redirect `Location` URLs (default true).
    pub fn requote_redirect_url(mut self, on: bool) -> Self {
        self.requote_redirect_url = on;
        self
    }

    /// Read proxies from the environment (HTTP_PROXY, HTTPS_PROXY,
    /// WS_PROXY, WSS_PROXY in either case, NO_PROXY with domain suffixes,
    /// IPs and CIDR networks) and credentials from `.netrc` (or `$NETRC`),
    /// as aiohttp's `trust_env=True`; https:// proxies from the environment
    /// are used (aiohttp ignores them). Default false.
    pub fn trust_env(mut self, on: bool) -> Self {
        self.trust_env = on;
        self
    }

    /// The charset to decode `text()` with when Content-Type names none
    /// (default UTF-8).
    pub fn fallback_charset_resolver(
        mut self,
        resolver: impl Fn(&[u8]) -> String + Send + Sync + 'static,
    ) -> Self {
        self.fallback_charset = Some(Arc::new(resolver));
        self
    }

    /// Default `max_redirects` (10: ten redirects are followed; aiohttp
    /// follows nine).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// How much unread body `release()` (or dropping a response) drains to
    /// keep a connection instead of closing it (64 KiB).
    pub fn drain_limit(mut self, n: usize) -> Self {
        self.drain_limit = n;
        self
    }

    /// Bound on a decompressed body (default none); exceeding it is a
    /// payload error.
    pub fn max_decoded_size(mut self, n: u64) -> Self {
        self.max_decoded_size = Some(n);
        self
    }

    /// Builds the session. An invalid default (a bad header, a base URL
    /// whose path does not end in `/`) makes every request fail with that
    /// error, as a builder cannot fail in a chain.
    pub fn build(mut self) -> ClientSession<R> {
        let mut error = self.error.take();
        let base_url = match self.base_url.as_deref().map(parse_base_url) {
            None => None,
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                error.get_or_insert(e);
                None
            }
        };
        let jar: Arc<dyn AbstractCookieJar> = match self.cookie_jar {
            Some(jar) => jar,
            None => Arc::new(CookieJar::new()),
        };
        if !self.cookies.is_empty() {
            // aiohttp stores session cookies without a domain: sent to every
            // host.
            let pairs: Vec<(&str, &str)> = self
                .cookies
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            jar.update_shared_cookies_at(&pairs, std::time::SystemTime::now());
        }
        let connector = self
            .connector
            .unwrap_or_else(|| TcpConnector::new(self.rt.clone()));
        ClientSession {
            inner: Arc::new(SessionInner {
                rt: self.rt,
                base_url,
                headers: self.headers,
                cookie_jar: jar,
                auth: self.auth,
                timeout: self.timeout,
                connector,
                connector_owner: self.connector_owner,
                raise_for_status: self.raise_for_status,
                auto_decompress: self.auto_decompress,
                read_bufsize: self.read_bufsize,
                limits: self.limits,
                skip_auto_headers: self.skip_auto_headers,
                version: self.version,
                requote_redirect_url: self.requote_redirect_url,
                trust_env: self.trust_env,
                fallback_charset: self.fallback_charset,
                max_redirects: self.max_redirects,
                drain_limit: self.drain_limit,
                max_decoded_size: self.max_decoded_size,
                proxy: self.proxy,
                build_error: error.map(|e| (e.kind().clone(), e.to_string())),
                closed: AtomicBool::new(false),
            }),
        }
    }
}

fn parse_base_url(s: &str) -> Result<Url> {
    let url = Url::parse(s).map_err(|e| {
        Error::new(ErrorKind::InvalidUrl, format!("invalid base_url {s:?}")).with_source(e)
    })?;
    if !url.path().ends_with('/') {
        return Err(Error::new(
            ErrorKind::InvalidUrl,
            format!("base_url {s:?} must have a path ending in \"/\""),
        ));
    }
    Ok(url)
}
