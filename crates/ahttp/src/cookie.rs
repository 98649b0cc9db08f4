//! Cookie storage: aiohttp's `CookieJar` and `DummyCookieJar`.
//!
//! [`CookieJar`] implements the RFC 6265 storage model the way aiohttp 3.14
//! does: domain matching with host-only cookies, path matching with the
//! default path, `Secure`, `HttpOnly`, `SameSite`, `Partitioned`, `Max-Age`
//! (which beats `Expires`), `Expires` parsed with the RFC 6265 §5.1.1 token
//! algorithm, replacement of a cookie with the same name, domain and path
//! (keeping its creation time), and Firefox-like limits. It is pure logic: no
//! IO except [`CookieJar::save`] / [`CookieJar::load`], no async, and every
//! method that depends on the clock has an `*_at` variant taking
//! `now: SystemTime` explicitly; the variants without `_at` use
//! [`SystemTime::now`].
//!
//! The session holds a jar as `Arc<dyn AbstractCookieJar + Send + Sync>`;
//! [`DummyCookieJar`] stores and sends nothing.
//!
//! # aiohttp rules followed
//!
//! - **IP-address hosts.** By default (`unsafe=False` in aiohttp) cookies set
//!   by a response from an IP-literal host are dropped without being parsed,
//!   and no cookies except shared ones (see below) are sent to an IP-literal
//!   host. [`CookieJarBuilder::unsafe_hosts`] allows both, as curl always does.
//!   Even then a `Domain` attribute only matches an IP host exactly.
//! - **Domain.** A leading dot is stripped. A `Domain` ending in a dot, or an
//!   empty one, is ignored and the cookie becomes host-only. The domain must
//!   domain-match the response host, otherwise the cookie is refused. There is
//!   **no Public Suffix List check**: like aiohttp, a response from
//!   `www.example.com` may set a cookie for `Domain=com`, which is then sent
//!   to every `.com` host.
//! - **Path.** A missing path, or one not starting with `/`, becomes the
//!   directory of the response path (RFC 6265 §5.1.4). Matching is RFC 6265
//!   §5.1.4 path-match.
//! - **Expiry.** `Max-Age` beats `Expires`; `Max-Age <= 0` or an `Expires` in
//!   the past deletes the stored cookie of the same name, domain and path (a
//!   deleting cookie never triggers eviction). Invalid `Expires` values are
//!   ignored. Expiry is capped at 9999-12-31 as in aiohttp. A replacement does
//!   not inherit the old expiry.
//! - **Secure.** Secure cookies are sent only to `https` and `wss` URLs, or to
//!   the origins given to [`CookieJarBuilder::treat_as_secure_origin`].
//!   `http://localhost` and `http://127.0.0.1` are *not* secure unless listed
//!   there.
//! - **Limits (aiohttp 3.14.4, Firefox-like).** At most
//!   [`MAX_COOKIES_PER_DOMAIN`] (180) per domain, evicted down to
//!   [`COOKIES_PER_DOMAIN_AFTER_EVICTION`] (150); at most
//!   [`MAX_COOKIES_TOTAL`] (3300) in all, evicted down to
//!   [`COOKIES_TOTAL_AFTER_EVICTION`] (3000). "Domain" is the cookie's
//!   domain value (there is no PSL to find a base domain), so host-only
//!   cookies of `www.example.com` and domain cookies of `example.com` are
//!   counted apart. Expired cookies go first, then
//!   non-secure ones before secure ones, least recently used first. The
//!   cookie being stored is never evicted by its own insertion. On send at
//!   most [`MAX_COOKIES_PER_REQUEST`] (150) cookies and a Cookie header value
//!   of at most [`MAX_COOKIE_HEADER_LEN`] (8190) bytes; cookies that do not
//!   fit are left out.
//! - **Quoting** (`quote_cookie`, on by default). A value received already
//!   quoted (starting with `"`) is sent as received; any other value that is
//!   empty or has a character outside ``A-Za-z0-9!#$%&'*+-.^_`|~:`` is sent
//!   quoted with Python `http.cookies` escapes (`\"`, `\\`, and `\ooo` octal
//!   for other characters below U+0100). So `a=b==` is sent as `a="b=="` and
//!   an empty value as `""`, exactly as aiohttp does. With `quote_cookie(false)`
//!   values are sent as stored.
//! - **Shared cookies.** Cookies given without a response URL
//!   ([`CookieJar::update_shared_cookies`], aiohttp's
//!   `update_cookies(cookies)` with an empty URL, used for
//!   `ClientSession(cookies=...)`) have no domain and are sent to every
//!   request, IP hosts included.
//! - **Set-Cookie parsing.** Exactly one cookie per `Set-Cookie` field value
//!   (parsed with the `cookie` crate); unknown attributes are ignored.
//! - **SameSite and Partitioned** are parsed and stored only, not enforced.
//!   `HttpOnly` is stored and reported; such cookies are sent on every request
//!   since every request this client makes is an HTTP request.
//! - **Persistence.** [`CookieJar::save`] writes JSON in aiohttp 3.14's layout
//!   (`{"domain|path": {name: {"key", "value", "coded_value", "path",
//!   "domain", "secure", "httponly", "samesite", "partitioned", "host_only",
//!   "expires_timestamp"}}}`) with file mode 0600 on Unix, plus two extra keys
//!   aiohttp ignores (`ahttp_creation`, `ahttp_last_access`, Unix seconds).
//!   [`CookieJar::load`] reads that JSON (aiohttp's or ours) and replaces the
//!   jar's contents atomically; loaded cookies pass the same acceptance rules
//!   (IP hosts, domain match, expiry, limits). aiohttp's legacy pickle format
//!   is not read.
//!
//! # Differences from aiohttp
//!
//! - **Duplicate names are all sent.** aiohttp keeps one cookie per name in
//!   the Cookie header (the most specific one); this jar sends every matching
//!   cookie, ordered as RFC 6265 §5.4 says: longer paths first, then earlier
//!   creation time (aiohttp issue #7583 lists both as wanted).
//! - Cookie identity is the exact (name, domain, path) triple as in RFC 6265;
//!   aiohttp ignores a trailing `/` of the path here. In the saved JSON, whose
//!   keys are aiohttp's, two cookies differing only by a trailing `/` share a
//!   slot and the later one is written.
//! - `Domain` attributes are compared case-insensitively (lower-cased, IDNA
//!   for non-ASCII) as RFC 6265 says; aiohttp compares them as given.
//! - The request path used for path matching and the default path is the
//!   percent-encoded [`Url::path`]; yarl uses the decoded path.
//! - The stored value is the value as received on the wire (quotes
//!   included). With `quote_cookie(false)` a value received quoted is sent
//!   with its quotes (aiohttp strips them), and with `quote_cookie(true)` a
//!   value given to `update_cookies` that already starts with `"` is sent as
//!   is (aiohttp would escape the quotes).
//! - Cookies whose name is empty or contains a control character, `;`, `=` or
//!   surrounding whitespace, or whose value contains a control character, are
//!   refused; with `quote_cookie(false)` a value containing `;` is refused too.
//!   aiohttp raises for some of these and sends others.
//! - An invalid `Max-Age` is ignored and `Expires` is then used (RFC 6265);
//!   aiohttp then ignores `Expires` too.
//! - `len()` counts stored cookies without expiring any (as aiohttp); the
//!   iteration methods skip expired ones.
//!
//! # Netscape cookie files
//!
//! [`CookieJar::load_netscape`] and [`CookieJar::to_netscape`] read and write
//! the tab-separated format curl uses for `-b FILE` and `-c FILE`: `domain`,
//! `include-subdomains` (`TRUE`/`FALSE`), `path`, `secure` (`TRUE`/`FALSE`),
//! `expires` (Unix seconds, `0` for a session cookie), `name`, `value`. Lines
//! starting with `#` are comments, except the `#HttpOnly_` prefix that marks
//! an HttpOnly cookie; malformed lines are skipped as curl does. Shared
//! cookies (no domain) are not written, and `SameSite`/`Partitioned` are lost
//! since the format has no field for them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use url::{Host, Origin, Url};

/// Cookies kept per domain before eviction starts (aiohttp 3.14.4, Firefox).
pub const MAX_COOKIES_PER_DOMAIN: usize = 180;
/// How many cookies of a domain are left after a per-domain eviction.
pub const COOKIES_PER_DOMAIN_AFTER_EVICTION: usize = 150;
/// Cookies kept in the whole jar before eviction starts.
pub const MAX_COOKIES_TOTAL: usize = 3300;
/// How many cookies are left in the jar after a global eviction.
pub const COOKIES_TOTAL_AFTER_EVICTION: usize = 3000;
/// Most cookies sent in one request.
pub const MAX_COOKIES_PER_REQUEST: usize = 150;
/// Longest Cookie header value sent, in bytes.
pub const MAX_COOKIE_HEADER_LEN: usize = 8190;

/// 9999-12-31T23:59:59Z, the latest expiry stored (aiohttp's `MAX_TIME`).
const MAX_TIME_SECS: i64 = 253_402_300_799;

/// The `SameSite` attribute of a cookie. Stored and reported, not enforced.
///
/// ```
/// use ahttp::cookie::SameSite;
/// assert_eq!(SameSite::Lax.as_str(), "Lax");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

impl SameSite {
    /// The attribute value as written in `Set-Cookie`: `Strict`, `Lax` or `None`.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }

    fn parse(s: &str) -> Option<SameSite> {
        if s.eq_ignore_ascii_case("strict") {
            Some(SameSite::Strict)
        } else if s.eq_ignore_ascii_case("lax") {
            Some(SameSite::Lax)
        } else if s.eq_ignore_ascii_case("none") {
            Some(SameSite::None)
        } else {
            None
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One cookie stored in a [`CookieJar`] (aiohttp's `Morsel` plus the RFC 6265
/// storage fields).
///
/// ```
/// use ahttp::cookie::CookieJar;
/// use url::Url;
///
/// let jar = CookieJar::new();
/// let url = Url::parse("https://example.com/app/login").unwrap();
/// jar.update_cookies_from_headers(["sid=1; Secure; HttpOnly"], &url);
/// let c = &jar.cookies()[0];
/// assert_eq!((c.name(), c.value(), c.domain(), c.path()), ("sid", "1", "example.com", "/app"));
/// assert!(c.host_only() && c.secure() && c.http_only() && !c.is_persistent());
/// ```
#[derive(Clone, Debug)]
pub struct Cookie {
    name: String,
    value: String,
    domain: String,
    path: String,
    host_only: bool,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    partitioned: bool,
    expires: Option<SystemTime>,
    creation: SystemTime,
    last_access: SystemTime,
    seq: u64,
}

/// Compares every attribute and timestamp (not the jar's internal insertion
/// counter).
impl PartialEq for Cookie {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.value == other.value
            && self.domain == other.domain
            && self.path == other.path
            && self.host_only == other.host_only
            && self.secure == other.secure
            && self.http_only == other.http_only
            && self.same_site == other.same_site
            && self.partitioned == other.partitioned
            && self.expires == other.expires
            && self.creation == other.creation
            && self.last_access == other.last_access
    }
}

impl Eq for Cookie {}

impl Cookie {
    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value as received (surrounding quotes included, if any).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The domain, lower-case, without a leading dot. For a host-only cookie
    /// this is the host that set it; for a shared cookie it is empty.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The path the cookie applies to (always starts with `/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the cookie is sent only to exactly [`Cookie::domain`] (it was
    /// set without a `Domain` attribute).
    pub fn host_only(&self) -> bool {
        self.host_only
    }

    /// Whether this is a shared cookie (no domain), sent with every request.
    pub fn is_shared(&self) -> bool {
        self.domain.is_empty()
    }

    /// The `Secure` attribute.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// The `HttpOnly` attribute.
    pub fn http_only(&self) -> bool {
        self.http_only
    }

    /// The `SameSite` attribute, if one was given.
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }

    /// The `Partitioned` attribute.
    pub fn partitioned(&self) -> bool {
        self.partitioned
    }

    /// When the cookie expires; `None` for a session cookie.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }

    /// Whether the cookie has an expiry (`Max-Age` or `Expires`).
    pub fn is_persistent(&self) -> bool {
        self.expires.is_some()
    }

    /// When the cookie was first stored (kept when it is replaced).
    pub fn creation_time(&self) -> SystemTime {
        self.creation
    }

    /// When the cookie was last stored or sent.
    pub fn last_access_time(&self) -> SystemTime {
        self.last_access
    }

    /// Whether the cookie has expired at `now` (expiry at or before `now`).
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// The value as it goes into a `Cookie:` header, quoted per `quote_cookie`
    /// (see the module documentation).
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// jar.update_cookies([("k", "a b")], &Url::parse("http://example.com/").unwrap());
    /// let c = &jar.cookies()[0];
    /// assert_eq!(c.wire_value(true), "\"a b\"");
    /// assert_eq!(c.wire_value(false), "a b");
    /// ```
    pub fn wire_value(&self, quote_cookie: bool) -> Cow<'_, str> {
        wire_value(&self.value, quote_cookie)
    }
}

/// Behaviour shared by [`CookieJar`] and [`DummyCookieJar`] (aiohttp's
/// `AbstractCookieJar`). Object safe: a session holds
/// `Arc<dyn AbstractCookieJar + Send + Sync>`. All methods take `&self`.
///
/// ```
/// use std::sync::Arc;
/// use ahttp::cookie::{AbstractCookieJar, CookieJar, DummyCookieJar};
/// use url::Url;
///
/// let url = Url::parse("http://example.com/").unwrap();
/// for jar in [
///     Arc::new(CookieJar::new()) as Arc<dyn AbstractCookieJar + Send + Sync>,
///     Arc::new(DummyCookieJar::new()),
/// ] {
///     let set_cookie: &[&[u8]] = &[b"a=1".as_slice()];
///     jar.update_cookies_from_headers(set_cookie, &url);
///     println!("{:?}", jar.cookie_header(&url));
/// }
/// ```
pub trait AbstractCookieJar: Send + Sync + fmt::Debug {
    /// Stores plain `(name, value)` pairs as host-only cookies of
    /// `response_url`'s host with its default path (aiohttp's
    /// `update_cookies(mapping, response_url)`).
    fn update_cookies_at(&self, cookies: &[(&str, &str)], response_url: &Url, now: SystemTime);

    /// Stores plain `(name, value)` pairs as shared cookies, sent to every
    /// request (aiohttp's `update_cookies(mapping)` with no URL).
    fn update_shared_cookies_at(&self, cookies: &[(&str, &str)], now: SystemTime);

    /// Stores the cookies of a response's `Set-Cookie` field values, one
    /// cookie per value (aiohttp's `update_cookies_from_headers`). Bytes that
    /// are not UTF-8 are replaced with U+FFFD.
    fn update_cookies_from_headers_at(
        &self,
        set_cookie_values: &[&[u8]],
        response_url: &Url,
        now: SystemTime,
    );

    /// The `(name, value)` pairs to send to `request_url`, in Cookie header
    /// order, values already quoted per `quote_cookie` (aiohttp's
    /// `filter_cookies`). Marks the returned cookies as used at `now`.
    fn filter_cookies_at(&self, request_url: &Url, now: SystemTime) -> Vec<(String, String)>;

    /// Removes every cookie.
    fn clear(&self);

    /// Removes the cookies for which `predicate` returns true (aiohttp's
    /// `clear(predicate)`).
    fn clear_with(&self, predicate: &mut dyn FnMut(&Cookie) -> bool);

    /// Removes the cookies whose domain is `domain` or a subdomain of it.
    fn clear_domain(&self, domain: &str);

    /// The number of stored cookies (expired ones not yet purged included).
    fn len(&self) -> usize;

    /// A snapshot of the cookies not expired at `now`, oldest first.
    fn cookies_at(&self, now: SystemTime) -> Vec<Cookie>;

    /// Whether values are quoted when sent (aiohttp's `quote_cookie`).
    fn quote_cookie(&self) -> bool {
        true
    }

    /// Whether IP-address hosts may set and receive cookies (aiohttp's `unsafe`).
    fn unsafe_hosts(&self) -> bool {
        false
    }

    /// Whether the jar holds no cookie.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`AbstractCookieJar::update_cookies_from_headers_at`] at [`SystemTime::now`].
    fn update_cookies_from_headers(&self, set_cookie_values: &[&[u8]], response_url: &Url) {
        self.update_cookies_from_headers_at(set_cookie_values, response_url, SystemTime::now());
    }

    /// [`AbstractCookieJar::filter_cookies_at`] at [`SystemTime::now`].
    fn filter_cookies(&self, request_url: &Url) -> Vec<(String, String)> {
        self.filter_cookies_at(request_url, SystemTime::now())
    }

    /// The `Cookie:` header value for `request_url` (`name=value` pairs joined
    /// with `"; "`), or `None` when no cookie applies.
    fn cookie_header_at(&self, request_url: &Url, now: SystemTime) -> Option<String> {
        join_header(&self.filter_cookies_at(request_url, now))
    }

    /// [`AbstractCookieJar::cookie_header_at`] at [`SystemTime::now`].
    fn cookie_header(&self, request_url: &Url) -> Option<String> {
        self.cookie_header_at(request_url, SystemTime::now())
    }
}

/// A jar that stores nothing and sends nothing (aiohttp's `DummyCookieJar`).
///
/// ```
/// use ahttp::cookie::{AbstractCookieJar, DummyCookieJar};
/// use url::Url;
///
/// let jar = DummyCookieJar::new();
/// let url = Url::parse("http://example.com/").unwrap();
/// jar.update_cookies_from_headers(&[b"a=1".as_slice()], &url);
/// assert!(jar.is_empty() && jar.cookie_header(&url).is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DummyCookieJar;

impl DummyCookieJar {
    /// Creates the jar.
    pub fn new() -> Self {
        DummyCookieJar
    }
}

impl AbstractCookieJar for DummyCookieJar {
    fn update_cookies_at(&self, _: &[(&str, &str)], _: &Url, _: SystemTime) {}
    fn update_shared_cookies_at(&self, _: &[(&str, &str)], _: SystemTime) {}
    fn update_cookies_from_headers_at(&self, _: &[&[u8]], _: &Url, _: SystemTime) {}
    fn filter_cookies_at(&self, _: &Url, _: SystemTime) -> Vec<(String, String)> {
        Vec::new()
    }
    fn clear(&self) {}
    fn clear_with(&self, _: &mut dyn FnMut(&Cookie) -> bool) {}
    fn clear_domain(&self, _: &str) {}
    fn len(&self) -> usize {
        0
    }
    fn cookies_at(&self, _: SystemTime) -> Vec<Cookie> {
        Vec::new()
    }
}

/// Options for a [`CookieJar`], from [`CookieJar::builder`].
///
/// ```
/// use ahttp::cookie::CookieJar;
/// use url::Url;
///
/// let jar = CookieJar::builder()
///     .unsafe_hosts(true)
///     .quote_cookie(false)
///     .treat_as_secure_origin(&Url::parse("http://127.0.0.1:8080").unwrap())
///     .build();
/// assert!(jar.unsafe_hosts() && !jar.quote_cookie());
/// ```
#[derive(Clone, Debug)]
pub struct CookieJarBuilder {
    unsafe_hosts: bool,
    quote_cookie: bool,
    secure_origins: Vec<Origin>,
}

impl Default for CookieJarBuilder {
    fn default() -> Self {
        CookieJarBuilder {
            unsafe_hosts: false,
            quote_cookie: true,
            secure_origins: Vec::new(),
        }
    }
}

impl CookieJarBuilder {
    /// aiohttp's `unsafe`: accept cookies from, and send cookies to,
    /// IP-address hosts such as `127.0.0.1` (curl's behaviour). Off by default.
    pub fn unsafe_hosts(mut self, yes: bool) -> Self {
        self.unsafe_hosts = yes;
        self
    }

    /// aiohttp's `quote_cookie`: quote values when sending them (on by
    /// default). Turn off for servers that want values exactly as stored.
    pub fn quote_cookie(mut self, yes: bool) -> Self {
        self.quote_cookie = yes;
        self
    }

    /// aiohttp's `treat_as_secure_origin`: send `Secure` cookies to the origin
    /// (scheme, host, port) of `url` even over plain http. May be called more
    /// than once.
    pub fn treat_as_secure_origin(mut self, url: &Url) -> Self {
        let origin = url.origin();
        if origin.is_tuple() && !self.secure_origins.contains(&origin) {
            self.secure_origins.push(origin);
        }
        self
    }

    /// Creates the jar.
    pub fn build(self) -> CookieJar {
        CookieJar {
            store: Mutex::new(Store::default()),
            unsafe_hosts: self.unsafe_hosts,
            quote_cookie: self.quote_cookie,
            secure_origins: self.secure_origins,
        }
    }
}

/// RFC 6265 cookie storage with aiohttp's rules; see the [module
/// documentation](self) for the rules and the differences from aiohttp.
///
/// Thread safe: every method takes `&self` (a `std::sync::Mutex` inside).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ahttp::cookie::CookieJar;
/// use url::Url;
///
/// let jar = CookieJar::new();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let login = Url::parse("https://shop.example.com/account/login").unwrap();
/// jar.update_cookies_from_headers_at(
///     [
///         "session=abc; Path=/; Secure; HttpOnly",
///         "theme=dark; Domain=example.com; Max-Age=3600",
///         "pref=1", // default path: /account
///     ],
///     &login,
///     now,
/// );
/// assert_eq!(jar.len(), 3);
///
/// let page = Url::parse("https://www.example.com/account/x").unwrap();
/// assert_eq!(jar.cookie_header_at(&page, now).as_deref(), Some("theme=dark"));
/// let same = Url::parse("https://shop.example.com/account/x").unwrap();
/// assert_eq!(
///     jar.cookie_header_at(&same, now).as_deref(),
///     Some("theme=dark; pref=1; session=abc"),
/// );
/// // Secure cookies stay off plain http; Max-Age expires.
/// let plain = Url::parse("http://shop.example.com/").unwrap();
/// let later = now + Duration::from_secs(3600);
/// assert_eq!(jar.cookie_header_at(&plain, later), None);
///
/// // IP-address hosts are refused unless the jar is built with unsafe_hosts(true).
/// let ip = Url::parse("http://127.0.0.1:8080/").unwrap();
/// jar.update_cookies_from_headers_at(["a=1"], &ip, now);
/// assert_eq!(jar.cookie_header_at(&ip, now), None);
/// ```
pub struct CookieJar {
    store: Mutex<Store>,
    unsafe_hosts: bool,
    quote_cookie: bool,
    secure_origins: Vec<Origin>,
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("len", &self.len())
            .field("unsafe_hosts", &self.unsafe_hosts)
            .field("quote_cookie", &self.quote_cookie)
            .field("treat_as_secure_origin", &self.secure_origins)
            .finish()
    }
}

impl Default for CookieJar {
    fn default() -> Self {
        CookieJar::new()
    }
}

impl CookieJar {
    /// A jar with aiohttp's defaults: IP hosts refused, values quoted, no
    /// extra secure origins.
    pub fn new() -> Self {
        CookieJarBuilder::default().build()
    }

    /// Options: [`CookieJarBuilder::unsafe_hosts`],
    /// [`CookieJarBuilder::quote_cookie`],
    /// [`CookieJarBuilder::treat_as_secure_origin`].
    pub fn builder() -> CookieJarBuilder {
        CookieJarBuilder::default()
    }

    /// Whether IP-address hosts may set and receive cookies (aiohttp's `unsafe`).
    pub fn unsafe_hosts(&self) -> bool {
        self.unsafe_hosts
    }

    /// Whether values are quoted when sent (aiohttp's `quote_cookie`).
    pub fn quote_cookie(&self) -> bool {
        self.quote_cookie
    }

    /// The origins that receive `Secure` cookies over plain http.
    pub fn treat_as_secure_origins(&self) -> &[Origin] {
        &self.secure_origins
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `(name, value)` pairs as host-only cookies of `response_url`'s
    /// host, with the default path of its path (aiohttp's
    /// `update_cookies(mapping, response_url)`). Nothing is stored for an IP
    /// host unless [`CookieJar::unsafe_hosts`]; invalid names or values are
    /// skipped. A URL without a host stores shared cookies, like
    /// [`CookieJar::update_shared_cookies`].
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// let url = Url::parse("http://example.com/").unwrap();
    /// jar.update_cookies([("a", "1"), ("b", "2")], &url);
    /// assert_eq!(jar.cookie_header(&url).as_deref(), Some("a=1; b=2"));
    /// ```
    pub fn update_cookies<I, N, V>(&self, cookies: I, response_url: &Url)
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        self.update_cookies_at(cookies, response_url, SystemTime::now());
    }

    /// [`CookieJar::update_cookies`] with an explicit clock.
    pub fn update_cookies_at<I, N, V>(&self, cookies: I, response_url: &Url, now: SystemTime)
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let Some(origin) = ResponseOrigin::from_url(response_url) else {
            self.update_shared_cookies_at(cookies, now);
            return;
        };
        if origin.host.is_ip && !self.unsafe_hosts {
            return;
        }
        let mut store = self.lock();
        for (name, value) in cookies {
            let candidate = Candidate::plain(name.as_ref(), value.as_ref());
            self.accept(&mut store, candidate, Some(&origin), now);
        }
    }

    /// Stores `(name, value)` pairs as shared cookies: no domain, path `/`,
    /// sent with every request, IP hosts included (aiohttp's
    /// `update_cookies(mapping)` without a URL, as `ClientSession(cookies=...)`
    /// does).
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// jar.update_shared_cookies([("token", "t")]);
    /// let url = Url::parse("http://10.0.0.1/any/path").unwrap();
    /// assert_eq!(jar.cookie_header(&url).as_deref(), Some("token=t"));
    /// ```
    pub fn update_shared_cookies<I, N, V>(&self, cookies: I)
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        self.update_shared_cookies_at(cookies, SystemTime::now());
    }

    /// [`CookieJar::update_shared_cookies`] with an explicit clock.
    pub fn update_shared_cookies_at<I, N, V>(&self, cookies: I, now: SystemTime)
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut store = self.lock();
        for (name, value) in cookies {
            let candidate = Candidate::plain(name.as_ref(), value.as_ref());
            self.accept(&mut store, candidate, None, now);
        }
    }

    /// Stores the cookies of a response's `Set-Cookie` field values, one
    /// cookie per value (aiohttp's `update_cookies_from_headers`). Accepts
    /// `&str`, `String`, `&[u8]` or `&http::HeaderValue` items, so
    /// `headers.get_all(SET_COOKIE)` can be passed directly. Values from an IP
    /// host are not even parsed unless [`CookieJar::unsafe_hosts`].
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use http::{header::SET_COOKIE, HeaderMap, HeaderValue};
    /// use url::Url;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.append(SET_COOKIE, HeaderValue::from_static("a=1; Path=/"));
    /// headers.append(SET_COOKIE, HeaderValue::from_static("b=2; Path=/"));
    /// let jar = CookieJar::new();
    /// let url = Url::parse("http://example.com/").unwrap();
    /// jar.update_cookies_from_headers(headers.get_all(SET_COOKIE), &url);
    /// assert_eq!(jar.len(), 2);
    /// ```
    pub fn update_cookies_from_headers<I, S>(&self, set_cookie_values: I, response_url: &Url)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.update_cookies_from_headers_at(set_cookie_values, response_url, SystemTime::now());
    }

    /// [`CookieJar::update_cookies_from_headers`] with an explicit clock.
    pub fn update_cookies_from_headers_at<I, S>(
        &self,
        set_cookie_values: I,
        response_url: &Url,
        now: SystemTime,
    ) where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let origin = ResponseOrigin::from_url(response_url);
        if origin
            .as_ref()
            .is_some_and(|o| o.host.is_ip && !self.unsafe_hosts)
        {
            return;
        }
        let mut store = self.lock();
        for raw in set_cookie_values {
            let text = String::from_utf8_lossy(raw.as_ref());
            if let Some(candidate) = Candidate::from_set_cookie(&text, now) {
                self.accept(&mut store, candidate, origin.as_ref(), now);
            }
        }
    }

    /// The `(name, value)` pairs to send to `request_url`, in Cookie header
    /// order (longer paths first, then earlier creation), values quoted per
    /// [`CookieJar::quote_cookie`], capped at [`MAX_COOKIES_PER_REQUEST`]
    /// cookies and [`MAX_COOKIE_HEADER_LEN`] header bytes. Marks the returned
    /// cookies as used (for eviction order).
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// let url = Url::parse("http://example.com/a/b").unwrap();
    /// jar.update_cookies_from_headers(["x=root; Path=/", "x=deep; Path=/a"], &url);
    /// assert_eq!(
    ///     jar.filter_cookies(&url),
    ///     vec![("x".to_string(), "deep".to_string()), ("x".to_string(), "root".to_string())],
    /// );
    /// ```
    pub fn filter_cookies(&self, request_url: &Url) -> Vec<(String, String)> {
        self.filter_cookies_at(request_url, SystemTime::now())
    }

    /// [`CookieJar::filter_cookies`] with an explicit clock.
    pub fn filter_cookies_at(&self, request_url: &Url, now: SystemTime) -> Vec<(String, String)> {
        let mut store = self.lock();
        store.purge_expired(now);
        if store.total == 0 {
            return Vec::new();
        }
        let host = HostName::from_url(request_url);
        let secure = matches!(request_url.scheme(), "https" | "wss")
            || (!self.secure_origins.is_empty()
                && self.secure_origins.contains(&request_url.origin()));
        let path = request_url.path();
        let path = if path.starts_with('/') { path } else { "/" };

        // (path length, creation, seq, bucket, index)
        let mut matches: Vec<(usize, SystemTime, u64, String, usize)> = Vec::new();
        let mut consider = |store: &Store, key: &str, host: Option<&HostName>| {
            let Some(bucket) = store.buckets.get(key) else {
                return;
            };
            for (i, c) in bucket.iter().enumerate() {
                if let Some(h) = host {
                    if c.host_only && c.domain != h.name {
                        continue;
                    }
                    if !path_match(path, &c.path) {
                        continue;
                    }
                }
                if c.secure && !secure {
                    continue;
                }
                matches.push((c.path.len(), c.creation, c.seq, key.to_owned(), i));
            }
        };
        consider(&store, "", None);
        if let Some(h) = &host {
            if h.is_ip {
                if self.unsafe_hosts {
                    consider(&store, &h.name, Some(h));
                }
            } else {
                let mut suffix = h.name.as_str();
                while !suffix.is_empty() {
                    consider(&store, suffix, Some(h));
                    match suffix.find('.') {
                        Some(dot) => suffix = &suffix[dot + 1..],
                        None => break,
                    }
                }
            }
        }
        matches.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

        let mut out = Vec::new();
        let mut header_len = 0usize;
        for (_, _, _, key, i) in matches {
            if out.len() >= MAX_COOKIES_PER_REQUEST {
                break;
            }
            let Some(cookie) = store.buckets.get_mut(&key).and_then(|b| b.get_mut(i)) else {
                continue;
            };
            let value = wire_value(&cookie.value, self.quote_cookie).into_owned();
            let sep = if out.is_empty() { 0 } else { 2 };
            let len = sep + cookie.name.len() + 1 + value.len();
            if header_len + len > MAX_COOKIE_HEADER_LEN {
                continue;
            }
            header_len += len;
            cookie.last_access = now;
            out.push((cookie.name.clone(), value));
        }
        out
    }

    /// The `Cookie:` header value for `request_url`, or `None` when no
    /// cookie applies.
    pub fn cookie_header(&self, request_url: &Url) -> Option<String> {
        self.cookie_header_at(request_url, SystemTime::now())
    }

    /// [`CookieJar::cookie_header`] with an explicit clock.
    pub fn cookie_header_at(&self, request_url: &Url, now: SystemTime) -> Option<String> {
        join_header(&self.filter_cookies_at(request_url, now))
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        *self.lock() = Store::default();
    }

    /// Removes the cookies for which `predicate` returns true (aiohttp's
    /// `clear(predicate)`).
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// jar.update_cookies([("a", "1"), ("b", "2")], &Url::parse("http://example.com/").unwrap());
    /// jar.clear_with(|c| c.name() == "a");
    /// assert_eq!(jar.len(), 1);
    /// ```
    pub fn clear_with<F: FnMut(&Cookie) -> bool>(&self, mut predicate: F) {
        let mut store = self.lock();
        store.retain(|c| !predicate(c));
    }

    /// Removes the cookies whose domain is `domain` or a subdomain of it
    /// (aiohttp's `clear_domain`). A leading dot is ignored.
    pub fn clear_domain(&self, domain: &str) {
        let domain = domain
            .strip_prefix('.')
            .unwrap_or(domain)
            .to_ascii_lowercase();
        self.clear_with(|c| {
            !c.domain.is_empty() && domain_match(&domain, &c.domain, is_ip_literal(&c.domain))
        });
    }

    /// The number of stored cookies. Like aiohttp's `__len__` this does not
    /// purge expired cookies first.
    pub fn len(&self) -> usize {
        self.lock().total
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of the cookies not expired now, oldest first (aiohttp's
    /// `__iter__`). `for cookie in &jar` iterates the same snapshot.
    pub fn cookies(&self) -> Vec<Cookie> {
        self.cookies_at(SystemTime::now())
    }

    /// [`CookieJar::cookies`] with an explicit clock.
    pub fn cookies_at(&self, now: SystemTime) -> Vec<Cookie> {
        let mut store = self.lock();
        store.purge_expired(now);
        store.sorted()
    }

    /// An iterator over [`CookieJar::cookies`].
    pub fn iter(&self) -> std::vec::IntoIter<Cookie> {
        self.cookies().into_iter()
    }

    /// Writes the jar to `path` as JSON in aiohttp 3.14's layout (see the
    /// module documentation), creating the file with mode 0600 on Unix.
    pub fn save(&self, path: impl AsRef<Path>) -> io::Result<()> {
        use std::io::Write as _;
        let json = self.to_json();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        file.write_all(json.as_bytes())?;
        file.flush()
    }

    /// Replaces the jar's contents with the JSON file at `path` (written by
    /// [`CookieJar::save`] or by aiohttp 3.14's `CookieJar.save`). On error the
    /// jar is left unchanged.
    pub fn load(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.load_at(path, SystemTime::now())
    }

    /// [`CookieJar::load`] with an explicit clock (cookies expired at `now`
    /// are dropped).
    pub fn load_at(&self, path: impl AsRef<Path>, now: SystemTime) -> io::Result<()> {
        let text = std::fs::read_to_string(path)?;
        self.load_json_at(&text, now)
    }

    /// The jar as the JSON text [`CookieJar::save`] writes. Times are stored
    /// as floating-point Unix seconds (sub-microsecond precision is lost).
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let jar = CookieJar::new();
    /// jar.update_cookies([("a", "1")], &Url::parse("http://example.com/").unwrap());
    /// let copy = CookieJar::new();
    /// copy.load_json(&jar.to_json()).unwrap();
    /// let url = Url::parse("http://example.com/").unwrap();
    /// assert_eq!(copy.cookie_header(&url).as_deref(), Some("a=1"));
    /// ```
    pub fn to_json(&self) -> String {
        let cookies = self.lock().sorted();
        let mut root = Map::new();
        for (order, c) in cookies.iter().enumerate() {
            let key = format!("{}|{}", c.domain, c.path.trim_end_matches('/'));
            let mut m = Map::new();
            m.insert("key".into(), Value::from(c.name.as_str()));
            m.insert("value".into(), Value::from(unquote(&c.value)));
            m.insert("coded_value".into(), Value::from(c.value.as_str()));
            m.insert("path".into(), Value::from(c.path.as_str()));
            if !c.domain.is_empty() {
                m.insert("domain".into(), Value::from(c.domain.as_str()));
            }
            if c.secure {
                m.insert("secure".into(), Value::Bool(true));
            }
            if c.http_only {
                m.insert("httponly".into(), Value::Bool(true));
            }
            if let Some(s) = c.same_site {
                m.insert("samesite".into(), Value::from(s.as_str()));
            }
            if c.partitioned {
                m.insert("partitioned".into(), Value::Bool(true));
            }
            if c.host_only {
                m.insert("host_only".into(), Value::Bool(true));
            }
            if let Some(e) = c.expires {
                m.insert("expires_timestamp".into(), unix_value(e));
            }
            m.insert("ahttp_creation".into(), unix_value(c.creation));
            m.insert("ahttp_last_access".into(), unix_value(c.last_access));
            m.insert("ahttp_order".into(), Value::from(order));
            let slot = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(names) = slot {
                names.insert(c.name.clone(), Value::Object(m));
            }
        }
        serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Replaces the jar's contents with cookies from JSON text (the string
    /// form of [`CookieJar::load`]). On error the jar is left unchanged.
    pub fn load_json(&self, json: &str) -> io::Result<()> {
        self.load_json_at(json, SystemTime::now())
    }

    /// [`CookieJar::load_json`] with an explicit clock.
    pub fn load_json_at(&self, json: &str, now: SystemTime) -> io::Result<()> {
        let invalid = |msg: &str| io::Error::new(io::ErrorKind::InvalidData, msg.to_owned());
        let root: Value = serde_json::from_str(json)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let Value::Object(root) = root else {
            return Err(invalid("cookie JSON: top level is not an object"));
        };
        // (creation, saved order, candidate, origin): stored oldest first so
        // ties in creation time keep their saved order.
        let mut pending = Vec::new();
        for (compound, names) in &root {
            let key_domain = compound.split('|').next().unwrap_or("");
            let Value::Object(names) = names else {
                return Err(invalid("cookie JSON: entry is not an object"));
            };
            for (name, m) in names {
                let Value::Object(m) = m else {
                    return Err(invalid("cookie JSON: cookie is not an object"));
                };
                let text = |k: &str| m.get(k).and_then(Value::as_str);
                let flag = |k: &str| match m.get(k) {
                    Some(Value::Bool(b)) => *b,
                    Some(Value::String(s)) => !s.is_empty(),
                    Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
                    _ => false,
                };
                let name = text("key").unwrap_or(name);
                let Some(value) = text("coded_value").or_else(|| text("value")) else {
                    return Err(invalid("cookie JSON: cookie without a value"));
                };
                let mut candidate = Candidate::plain(name, value);
                candidate.path = text("path").map(str::to_owned);
                candidate.domain = if flag("host_only") {
                    None
                } else {
                    text("domain")
                        .map(|d| d.strip_prefix('.').unwrap_or(d))
                        .and_then(|d| normalize_domain_attr(d).ok().flatten())
                };
                candidate.secure = flag("secure");
                candidate.http_only = flag("httponly");
                candidate.same_site = text("samesite").and_then(SameSite::parse);
                candidate.partitioned = flag("partitioned");
                candidate.expiry = match m.get("expires_timestamp").and_then(Value::as_f64) {
                    Some(ts) => Expiry::At(from_unix_f64(ts)),
                    None => {
                        let max_age = text("max-age").and_then(parse_max_age);
                        let expires = text("expires").and_then(parse_cookie_date);
                        Expiry::from_attrs(max_age, expires, now)
                    }
                };
                candidate.creation = m
                    .get("ahttp_creation")
                    .and_then(Value::as_f64)
                    .map(from_unix_f64);
                candidate.last_access = m
                    .get("ahttp_last_access")
                    .and_then(Value::as_f64)
                    .map(from_unix_f64);
                let origin = if key_domain.is_empty() {
                    None
                } else {
                    let host = HostName::from_domain(key_domain);
                    if host.is_ip && !self.unsafe_hosts {
                        continue;
                    }
                    Some(ResponseOrigin {
                        host,
                        path: String::new(),
                    })
                };
                let order = m
                    .get("ahttp_order")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX);
                pending.push((candidate.creation, order, candidate, origin));
            }
        }
        pending.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut store = Store::default();
        for (_, _, candidate, origin) in pending {
            self.accept(&mut store, candidate, origin.as_ref(), now);
        }
        *self.lock() = store;
        Ok(())
    }

    /// Adds the cookies of a Netscape cookie file (curl's `-b`/`-c` format)
    /// to the jar and returns how many were stored. Comments, blank lines and
    /// malformed lines are skipped, as are expired cookies and, unless
    /// [`CookieJar::unsafe_hosts`], cookies for IP addresses.
    ///
    /// ```
    /// use ahttp::cookie::CookieJar;
    /// use url::Url;
    ///
    /// let file = "# Netscape HTTP Cookie File\n\
    ///             .example.com\tTRUE\t/\tFALSE\t0\tlang\ten\n\
    ///             #HttpOnly_example.com\tFALSE\t/\tTRUE\t0\tsid\tx\n";
    /// let jar = CookieJar::new();
    /// assert_eq!(jar.load_netscape(file), 2);
    /// let url = Url::parse("https://example.com/").unwrap();
    /// assert_eq!(jar.cookie_header(&url).as_deref(), Some("lang=en; sid=x"));
    /// ```
    pub fn load_netscape(&self, text: &str) -> usize {
        self.load_netscape_at(text, SystemTime::now())
    }

    /// [`CookieJar::load_netscape`] with an explicit clock.
    pub fn load_netscape_at(&self, text: &str, now: SystemTime) -> usize {
        let mut store = self.lock();
        let mut stored = 0;
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
                Some(rest) => (rest, true),
                None if line.starts_with('#') || line.trim().is_empty() => continue,
                None => (line, false),
            };
            let fields: Vec<&str> = line.split('\t').collect();
            let (domain, tailmatch, path, secure, expires, name, value) = match fields[..] {
                [d, t, p, s, e, n, v] => (d, t, p, s, e, n, v),
                [d, t, p, s, e, n] => (d, t, p, s, e, n, ""),
                _ => continue,
            };
            let Ok(expires) = expires.trim().parse::<i64>() else {
                continue;
            };
            let has_dot = domain.starts_with('.');
            let domain = domain
                .strip_prefix('.')
                .unwrap_or(domain)
                .to_ascii_lowercase();
            if domain.is_empty() {
                continue;
            }
            let host = HostName::from_domain(&domain);
            if host.is_ip && !self.unsafe_hosts {
                continue;
            }
            let mut candidate = Candidate::plain(name, value);
            candidate.domain = if tailmatch.eq_ignore_ascii_case("TRUE") || has_dot {
                Some(host.name.clone())
            } else {
                None
            };
            candidate.path = Some(path.to_owned());
            candidate.secure = secure.eq_ignore_ascii_case("TRUE");
            candidate.http_only = http_only;
            candidate.expiry = if expires == 0 {
                Expiry::Session
            } else {
                Expiry::At(from_unix_secs(expires))
            };
            let origin = ResponseOrigin {
                host,
                path: String::new(),
            };
            if self.accept(&mut store, candidate, Some(&origin), now) == Accepted::Stored {
                stored += 1;
            }
        }
        stored
    }

    /// The jar in Netscape cookie-file format, as curl writes with `-c`
    /// (header comment, then one line per cookie, `#HttpOnly_` prefix for
    /// HttpOnly cookies, `0` expiry for session cookies). Expired and shared
    /// cookies are left out.
    pub fn to_netscape(&self) -> String {
        self.to_netscape_at(SystemTime::now())
    }

    /// [`CookieJar::to_netscape`] with an explicit clock.
    pub fn to_netscape_at(&self, now: SystemTime) -> String {
        let mut out = String::from(
            "# Netscape HTTP Cookie File\n\
             # https://curl.se/docs/http-cookies.html\n\
             # This file was generated by ahttp! Edit at your own risk.\n\n",
        );
        for c in self.cookies_at(now) {
            if c.domain.is_empty() {
                continue;
            }
            let expires = c.expires.map_or(0, |e| unix_secs(e).max(1));
            let _ = writeln!(
                out,
                "{}{}{}\t{}\t{}\t{}\t{}\t{}\t{}",
                if c.http_only { "#HttpOnly_" } else { "" },
                if c.host_only { "" } else { "." },
                c.domain,
                if c.host_only { "FALSE" } else { "TRUE" },
                c.path,
                if c.secure { "TRUE" } else { "FALSE" },
                expires,
                c.name,
                c.value,
            );
        }
        out
    }

    /// aiohttp's `update_cookies` body for one cookie: domain and path rules,
    /// expiry, replacement, limits.
    fn accept(
        &self,
        store: &mut Store,
        candidate: Candidate,
        origin: Option<&ResponseOrigin>,
        now: SystemTime,
    ) -> Accepted {
        if !valid_name(&candidate.name) || !valid_value(&candidate.value, self.quote_cookie) {
            return Accepted::Refused;
        }
        let (domain, host_only) = match (candidate.domain, origin) {
            (Some(d), _) => (d, false),
            (None, Some(o)) => (o.host.name.clone(), true),
            (None, None) => (String::new(), false),
        };
        if let Some(o) = origin {
            if !domain_match(&domain, &o.host.name, o.host.is_ip) {
                return Accepted::Refused;
            }
        }
        let path = match candidate.path {
            Some(p) if p.starts_with('/') => p,
            _ => default_path(origin.map_or("", |o| o.path.as_str())).to_owned(),
        };
        if domain.chars().any(|c| c.is_control() || c.is_whitespace())
            || path.chars().any(char::is_control)
        {
            return Accepted::Refused;
        }
        let expires = match candidate.expiry {
            Expiry::Session => None,
            Expiry::At(t) => Some(t),
        };
        let cookie = Cookie {
            name: candidate.name,
            value: candidate.value,
            domain,
            path,
            host_only,
            secure: candidate.secure,
            http_only: candidate.http_only,
            same_site: candidate.same_site,
            partitioned: candidate.partitioned,
            expires,
            creation: candidate.creation.unwrap_or(now),
            last_access: candidate.last_access.unwrap_or(now),
            seq: 0,
        };
        store.insert(cookie, now)
    }
}

impl IntoIterator for &CookieJar {
    type Item = Cookie;
    type IntoIter = std::vec::IntoIter<Cookie>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl AbstractCookieJar for CookieJar {
    fn update_cookies_at(&self, cookies: &[(&str, &str)], response_url: &Url, now: SystemTime) {
        CookieJar::update_cookies_at(self, cookies.iter().copied(), response_url, now);
    }

    fn update_shared_cookies_at(&self, cookies: &[(&str, &str)], now: SystemTime) {
        CookieJar::update_shared_cookies_at(self, cookies.iter().copied(), now);
    }

    fn update_cookies_from_headers_at(
        &self,
        set_cookie_values: &[&[u8]],
        response_url: &Url,
        now: SystemTime,
    ) {
        CookieJar::update_cookies_from_headers_at(self, set_cookie_values, response_url, now);
    }

    fn filter_cookies_at(&self, request_url: &Url, now: SystemTime) -> Vec<(String, String)> {
        CookieJar::filter_cookies_at(self, request_url, now)
    }

    fn clear(&self) {
        CookieJar::clear(self);
    }

    fn clear_with(&self, predicate: &mut dyn FnMut(&Cookie) -> bool) {
        CookieJar::clear_with(self, predicate);
    }

    fn clear_domain(&self, domain: &str) {
        CookieJar::clear_domain(self, domain);
    }

    fn len(&self) -> usize {
        CookieJar::len(self)
    }

    fn cookies_at(&self, now: SystemTime) -> Vec<Cookie> {
        CookieJar::cookies_at(self, now)
    }

    fn quote_cookie(&self) -> bool {
        self.quote_cookie
    }

    fn unsafe_hosts(&self) -> bool {
        self.unsafe_hosts
    }
}

// ---------------------------------------------------------------------------
// Storage

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepted {
    Stored,
    Deleted,
    Refused,
}

/// Cookies grouped by domain ("" holds shared cookies).
#[derive(Default)]
struct Store {
    buckets: HashMap<String, Vec<Cookie>>,
    total: usize,
    next_seq: u64,
    /// A lower bound of the earliest expiry stored; purging runs once `now`
    /// reaches it.
    next_expiry: Option<SystemTime>,
}

impl Store {
    fn insert(&mut self, mut cookie: Cookie, now: SystemTime) -> Accepted {
        let bucket = self.buckets.entry(cookie.domain.clone()).or_default();
        let existing = bucket
            .iter()
            .position(|c| c.name == cookie.name && c.path == cookie.path);
        if cookie.is_expired_at(now) {
            if let Some(i) = existing {
                bucket.remove(i);
                self.total -= 1;
            }
            if bucket.is_empty() {
                self.buckets.remove(&cookie.domain);
            }
            return Accepted::Deleted;
        }
        if let Some(e) = cookie.expires {
            self.next_expiry = Some(self.next_expiry.map_or(e, |n| n.min(e)));
        }
        let seq;
        if let Some(i) = existing {
            cookie.creation = bucket[i].creation;
            cookie.seq = bucket[i].seq;
            seq = cookie.seq;
            bucket[i] = cookie;
        } else {
            cookie.seq = self.next_seq;
            self.next_seq += 1;
            seq = cookie.seq;
            bucket.push(cookie);
            self.total += 1;
        }
        if bucket.len() > MAX_COOKIES_PER_DOMAIN {
            bucket.retain(|c| !c.is_expired_at(now));
            if bucket.len() > MAX_COOKIES_PER_DOMAIN {
                let excess = bucket.len() - COOKIES_PER_DOMAIN_AFTER_EVICTION;
                let victims = eviction_order(bucket.iter(), seq, excess);
                bucket.retain(|c| !victims.contains(&c.seq));
            }
            self.recount();
        }
        if self.total > MAX_COOKIES_TOTAL {
            self.retain(|c| !c.is_expired_at(now));
            if self.total > MAX_COOKIES_TOTAL {
                let excess = self.total - COOKIES_TOTAL_AFTER_EVICTION;
                let victims = eviction_order(self.buckets.values().flatten(), seq, excess);
                self.retain(|c| !victims.contains(&c.seq));
            }
        }
        Accepted::Stored
    }

    fn recount(&mut self) {
        self.buckets.retain(|_, b| !b.is_empty());
        self.total = self.buckets.values().map(Vec::len).sum();
    }

    fn retain(&mut self, mut keep: impl FnMut(&Cookie) -> bool) {
        for bucket in self.buckets.values_mut() {
            bucket.retain(&mut keep);
        }
        self.recount();
    }

    fn purge_expired(&mut self, now: SystemTime) {
        if self.next_expiry.is_none_or(|t| t > now) {
            return;
        }
        self.retain(|c| !c.is_expired_at(now));
        self.next_expiry = self
            .buckets
            .values()
            .flatten()
            .filter_map(|c| c.expires)
            .min();
    }

    fn sorted(&self) -> Vec<Cookie> {
        let mut all: Vec<Cookie> = self.buckets.values().flatten().cloned().collect();
        all.sort_by(|a, b| a.creation.cmp(&b.creation).then(a.seq.cmp(&b.seq)));
        all
    }
}

/// The `count` cookies to evict: non-secure before secure, least recently
/// used first, never the cookie `keep`.
fn eviction_order<'a>(
    cookies: impl Iterator<Item = &'a Cookie>,
    keep: u64,
    count: usize,
) -> HashSet<u64> {
    let mut order: Vec<(bool, SystemTime, u64)> = cookies
        .filter(|c| c.seq != keep)
        .map(|c| (c.secure, c.last_access, c.seq))
        .collect();
    order.sort();
    order.into_iter().take(count).map(|(_, _, s)| s).collect()
}

// ---------------------------------------------------------------------------
// Parsing

enum Expiry {
    Session,
    At(SystemTime),
}

impl Expiry {
    /// RFC 6265 §5.3 step 3: Max-Age (delta seconds) beats Expires (Unix seconds).
    fn from_attrs(max_age: Option<i64>, expires: Option<i64>, now: SystemTime) -> Expiry {
        match (max_age, expires) {
            (Some(delta), _) if delta <= 0 => Expiry::At(UNIX_EPOCH),
            (Some(delta), _) => {
                let max = from_unix_secs(MAX_TIME_SECS);
                let at = u64::try_from(delta)
                    .ok()
                    .and_then(|d| now.checked_add(Duration::from_secs(d)))
                    .map_or(max, |t| t.min(max));
                Expiry::At(at)
            }
            (None, Some(ts)) => Expiry::At(from_unix_secs(ts)),
            (None, None) => Expiry::Session,
        }
    }
}

/// A cookie before the storage rules are applied.
struct Candidate {
    name: String,
    value: String,
    /// Normalised `Domain` attribute; `None` makes the cookie host-only.
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    partitioned: bool,
    expiry: Expiry,
    creation: Option<SystemTime>,
    last_access: Option<SystemTime>,
}

impl Candidate {
    fn plain(name: &str, value: &str) -> Candidate {
        Candidate {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: None,
            path: None,
            secure: false,
            http_only: false,
            same_site: None,
            partitioned: false,
            expiry: Expiry::Session,
            creation: None,
            last_access: None,
        }
    }

    /// Parses one Set-Cookie field value. The `cookie` crate does the name,
    /// value and attribute split; Max-Age and Expires are read here with the
    /// RFC 6265 algorithms (last valid occurrence wins), falling back to the
    /// `cookie` crate's date formats.
    fn from_set_cookie(text: &str, now: SystemTime) -> Option<Candidate> {
        let parsed = ::cookie::Cookie::parse(text).ok()?;
        let mut max_age = None;
        let mut expires = None;
        for attr in text.split(';').skip(1) {
            let (key, value) = match attr.find('=') {
                Some(i) => (attr[..i].trim(), attr[i + 1..].trim()),
                None => (attr.trim(), ""),
            };
            if key.eq_ignore_ascii_case("max-age") {
                if let Some(v) = parse_max_age(value) {
                    max_age = Some(v);
                }
            } else if key.eq_ignore_ascii_case("expires") {
                if let Some(v) = parse_cookie_date(value) {
                    expires = Some(v);
                }
            }
        }
        if expires.is_none() {
            expires = parsed.expires_datetime().map(|t| t.unix_timestamp());
        }
        let domain = match parsed.domain() {
            Some(d) => normalize_domain_attr(d).ok()?,
            None => None,
        };
        Some(Candidate {
            name: parsed.name().to_owned(),
            value: parsed.value().to_owned(),
            domain,
            path: parsed.path().map(str::to_owned),
            secure: parsed.secure().unwrap_or(false),
            http_only: parsed.http_only().unwrap_or(false),
            same_site: parsed.same_site().map(|s| match s {
                ::cookie::SameSite::Strict => SameSite::Strict,
                ::cookie::SameSite::Lax => SameSite::Lax,
                ::cookie::SameSite::None => SameSite::None,
            }),
            partitioned: parsed.partitioned().unwrap_or(false),
            expiry: Expiry::from_attrs(max_age, expires, now),
            creation: None,
            last_access: None,
        })
    }
}

/// A `Domain` attribute (one leading dot already stripped, as aiohttp and the
/// `cookie` crate do) made comparable: `Ok(None)` (host-only) when empty or
/// ending in a dot, otherwise lower-cased, IDNA for non-ASCII, brackets
/// removed from IPv6 literals. `Err` when IDNA fails: the cookie is refused.
fn normalize_domain_attr(domain: &str) -> Result<Option<String>, ()> {
    if domain.is_empty() || domain.ends_with('.') {
        return Ok(None);
    }
    if let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return Ok(Some(inner.to_ascii_lowercase()));
    }
    if domain.is_ascii() {
        return Ok(Some(domain.to_ascii_lowercase()));
    }
    match Host::parse(domain) {
        Ok(Host::Domain(d)) => Ok(Some(d)),
        Ok(Host::Ipv4(a)) => Ok(Some(a.to_string())),
        Ok(Host::Ipv6(a)) => Ok(Some(a.to_string())),
        Err(_) => Err(()),
    }
}

/// RFC 6265 §5.2.2: `-`? DIGIT+; anything else is ignored.
fn parse_max_age(value: &str) -> Option<i64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let negative = digits.len() != value.len();
    Some(match digits.parse::<i64>() {
        Ok(n) if negative => -n,
        Ok(n) => n,
        Err(_) if negative => i64::MIN,
        Err(_) => i64::MAX,
    })
}

/// RFC 6265 §5.1.1 cookie-date parsing, as aiohttp's `_parse_date`: returns
/// Unix seconds.
fn parse_cookie_date(s: &str) -> Option<i64> {
    fn is_delimiter(b: u8) -> bool {
        matches!(b, 0x09 | 0x20..=0x2F | 0x3B..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E)
    }
    /// Greedy `\d{min,max}` at the start of `token`.
    fn leading_number(token: &[u8], min: usize, max: usize) -> Option<(u32, usize)> {
        let n = token.iter().take_while(|b| b.is_ascii_digit()).count();
        if n < min {
            return None;
        }
        let n = n.min(max);
        let value = token[..n]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
        Some((value, n))
    }
    /// `(\d{1,2}):(\d{1,2}):(\d{1,2})` at the start of `token`.
    fn time_of_day(token: &[u8]) -> Option<(u32, u32, u32)> {
        let mut rest = token;
        let mut parts = [0u32; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            let run = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if run == 0 || (i < 2 && run > 2) {
                return None;
            }
            let (value, used) = leading_number(rest, 1, 2)?;
            *part = value;
            rest = &rest[used..];
            if i < 2 {
                rest = rest.strip_prefix(b":")?;
            }
        }
        Some((parts[0], parts[1], parts[2]))
    }
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];

    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in s.as_bytes().split(|&b| is_delimiter(b)) {
        if token.is_empty() {
            continue;
        }
        if time.is_none() {
            if let Some(t) = time_of_day(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some((d, _)) = leading_number(token, 1, 2) {
                day = Some(d);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = MONTHS
                .iter()
                .position(|m| token.len() >= 3 && token[..3].eq_ignore_ascii_case(m))
            {
                month = Some(m as u32 + 1);
                continue;
            }
        }
        if year.is_none() {
            if let Some((y, _)) = leading_number(token, 2, 4) {
                year = Some(y);
            }
        }
    }
    let ((hour, minute, second), day, month, mut year) = (time?, day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // calendar.timegm semantics: days past the month's end roll over.
    let days = days_from_civil(i64::from(year), i64::from(month), 1) + i64::from(day) - 1;
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------
// Matching

#[derive(Debug, Clone)]
struct HostName {
    /// Lower-case host; IPv6 without brackets (as yarl's `raw_host`).
    name: String,
    is_ip: bool,
}

impl HostName {
    fn from_url(url: &Url) -> Option<HostName> {
        Some(match url.host()? {
            Host::Domain(d) => HostName {
                is_ip: is_ip_literal(d),
                name: d.to_ascii_lowercase(),
            },
            Host::Ipv4(a) => HostName {
                name: a.to_string(),
                is_ip: true,
            },
            Host::Ipv6(a) => HostName {
                name: a.to_string(),
                is_ip: true,
            },
        })
    }

    fn from_domain(domain: &str) -> HostName {
        let name = domain
            .strip_prefix('[')
            .and_then(|d| d.strip_suffix(']'))
            .unwrap_or(domain)
            .to_ascii_lowercase();
        HostName {
            is_ip: is_ip_literal(&name),
            name,
        }
    }
}

struct ResponseOrigin {
    host: HostName,
    path: String,
}

impl ResponseOrigin {
    fn from_url(url: &Url) -> Option<ResponseOrigin> {
        Some(ResponseOrigin {
            host: HostName::from_url(url)?,
            path: url.path().to_owned(),
        })
    }
}

fn is_ip_literal(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
}

/// RFC 6265 §5.1.3 domain-match, as aiohttp's `_is_domain_match`.
fn domain_match(domain: &str, host: &str, host_is_ip: bool) -> bool {
    if domain.is_empty() {
        return false;
    }
    if host == domain {
        return true;
    }
    match host.strip_suffix(domain) {
        Some(prefix) => prefix.ends_with('.') && !host_is_ip,
        None => false,
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_match(request_path: &str, cookie_path: &str) -> bool {
    match request_path.strip_prefix(cookie_path) {
        Some(rest) => rest.is_empty() || cookie_path.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// RFC 6265 §5.1.4 default-path of a request path.
fn default_path(path: &str) -> &str {
    if !path.starts_with('/') {
        return "/";
    }
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.trim() == name
        && !name.chars().any(|c| c.is_control() || c == ';' || c == '=')
}

fn valid_value(value: &str, quote_cookie: bool) -> bool {
    !value
        .chars()
        .any(|c| c.is_control() || (!quote_cookie && c == ';'))
}

// ---------------------------------------------------------------------------
// Quoting (Python http.cookies rules, as aiohttp's quote_cookie)

fn is_legal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c)
}

fn wire_value(value: &str, quote_cookie: bool) -> Cow<'_, str> {
    if !quote_cookie || value.starts_with('"') {
        return Cow::Borrowed(value);
    }
    if !value.is_empty() && value.chars().all(is_legal_char) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_legal_char(c) || " ()/<=>?@[]{}".contains(c) => out.push(c),
            c if u32::from(c) < 256 => {
                let _ = write!(out, "\\{:03o}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// Python `http.cookies._unquote`: the plain value of a possibly quoted one.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|_| value.len() >= 2)
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let octal: String = chars.clone().take(3).collect();
        if octal.len() == 3 && octal.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            if let Some(ch) = u32::from_str_radix(&octal, 8).ok().and_then(char::from_u32) {
                out.push(ch);
                for _ in 0..3 {
                    chars.next();
                }
                continue;
            }
        }
        match chars.next() {
            Some(next) => out.push(next),
            None => out.push('\\'),
        }
    }
    out
}

fn join_header(pairs: &[(String, String)]) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Time helpers

fn from_unix_secs(secs: i64) -> SystemTime {
    let secs = secs.min(MAX_TIME_SECS);
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH)
    }
}

fn from_unix_f64(secs: f64) -> SystemTime {
    if !secs.is_finite() {
        return if secs > 0.0 {
            from_unix_secs(MAX_TIME_SECS)
        } else {
            UNIX_EPOCH
        };
    }
    let secs = secs.min(MAX_TIME_SECS as f64);
    if secs >= 0.0 {
        UNIX_EPOCH + Duration::from_secs_f64(secs)
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs_f64(-secs))
            .unwrap_or(UNIX_EPOCH)
    }
}

fn unix_f64(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn unix_value(t: SystemTime) -> Value {
    serde_json::Number::from_f64(unix_f64(t)).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn cookie_dates() {
        let cases = [
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(1_445_412_480)),
            ("Wednesday, 21-Oct-15 07:28:00 GMT", Some(1_445_412_480)),
            ("Wed Oct 21 07:28:00 2015", Some(1_445_412_480)),
            ("21 oct 2015 7:28:0", Some(1_445_412_480)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Thu, 01-Jan-70 00:00:01 GMT", Some(1)),
            ("Sat, 01-Jan-2000 08:00:00 GMT", Some(946_713_600)),
            ("Tue, 01 Jan 69 00:00:00 GMT", Some(3_124_224_000)),
            // Feb 31 rolls over like calendar.timegm.
            ("31 Feb 2021 00:00:00", Some(1_614_729_600)),
            ("Wed, 21 Oct 1600 07:28:00 GMT", None),
            ("Wed, 32 Oct 2015 07:28:00 GMT", None),
            ("Wed, 21 Oct 2015 24:00:00 GMT", None),
            ("Wed, 21 Foo 2015 07:28:00 GMT", None),
            ("Wed, 21 Oct 2015", None),
            ("", None),
            ("garbage", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_cookie_date(text), want, "{text}");
        }
    }

    #[test]
    fn max_age_values() {
        assert_eq!(parse_max_age("10"), Some(10));
        assert_eq!(parse_max_age("0"), Some(0));
        assert_eq!(parse_max_age("-5"), Some(-5));
        assert_eq!(parse_max_age("99999999999999999999"), Some(i64::MAX));
        for bad in ["", "-", "+5", "1.5", "abc", " 5"] {
            assert_eq!(parse_max_age(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn domain_and_path_matching() {
        assert!(domain_match("example.com", "example.com", false));
        assert!(domain_match("example.com", "a.b.example.com", false));
        assert!(domain_match("com", "example.com", false));
        assert!(!domain_match("example.com", "badexample.com", false));
        assert!(!domain_match("0.0.1", "127.0.0.1", true));
        assert!(domain_match("127.0.0.1", "127.0.0.1", true));
        assert!(!domain_match("", "example.com", false));

        assert!(path_match("/", "/"));
        assert!(path_match("/foo", "/foo"));
        assert!(path_match("/foo/bar", "/foo"));
        assert!(path_match("/foo/bar", "/foo/"));
        assert!(!path_match("/foobar", "/foo"));
        assert!(!path_match("/foo", "/foo/"));
        assert!(!path_match("/", "/foo"));

        assert_eq!(default_path(""), "/");
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path("/a/b"), "/a");
        assert_eq!(default_path("/a/b/"), "/a/b");
    }

    #[test]
    fn domain_attribute_normalisation() {
        let norm = |d: &str| normalize_domain_attr(d).ok().flatten();
        assert_eq!(norm("Example.COM").as_deref(), Some("example.com"));
        assert_eq!(norm("example.com."), None);
        assert_eq!(norm(""), None);
        assert_eq!(norm("[::1]").as_deref(), Some("::1"));
        assert_eq!(
            norm("bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert!(normalize_domain_attr("a\u{ffff}b.example").is_err());
    }

    #[test]
    fn python_quoting() {
        assert_eq!(wire_value("abc", true), "abc");
        assert_eq!(wire_value("a:b|c~", true), "a:b|c~");
        assert_eq!(wire_value("", true), "\"\"");
        assert_eq!(wire_value("b==", true), "\"b==\"");
        assert_eq!(wire_value("a b", true), "\"a b\"");
        assert_eq!(wire_value("a;b,c", true), "\"a\\073b\\054c\"");
        assert_eq!(wire_value("q\"\\", true), "\"q\\\"\\\\\"");
        assert_eq!(wire_value("é€", true), "\"\\351€\"");
        assert_eq!(wire_value("\"already\"", true), "\"already\"");
        assert_eq!(wire_value("a b", false), "a b");
        assert_eq!(unquote("\"a\\073b\\\"\""), "a;b\"");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("\""), "\"");
    }

    #[test]
    fn names_and_values_validated() {
        assert!(valid_name("a"));
        assert!(!valid_name(""));
        assert!(!valid_name(" a"));
        assert!(!valid_name("a=b"));
        assert!(!valid_name("a\r\n"));
        assert!(valid_value("", true));
        assert!(valid_value("a;b", true));
        assert!(!valid_value("a;b", false));
        assert!(!valid_value("a\nb", true));
        assert!(!valid_value("a\tb", true));
    }

    #[test]
    fn set_cookie_attributes() {
        let now = t(1_000_000);
        let c = Candidate::from_set_cookie(
            "n = \"v\" ; Domain=.Example.com; Path=/p; Secure; HttpOnly; SameSite=lax; \
             Partitioned; Max-Age=; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Foo=bar",
            now,
        );
        let Some(c) = c else { panic!("parse failed") };
        assert_eq!((c.name.as_str(), c.value.as_str()), ("n", "\"v\""));
        assert_eq!(c.domain.as_deref(), Some("example.com"));
        assert_eq!(c.path.as_deref(), Some("/p"));
        assert!(c.secure && c.http_only && c.partitioned);
        assert_eq!(c.same_site, Some(SameSite::Lax));
        assert!(matches!(c.expiry, Expiry::At(at) if at == t(1_000_060)));
        assert!(Candidate::from_set_cookie("novalue", now).is_none());
        assert!(Candidate::from_set_cookie("=v", now).is_none());
    }

    #[test]
    fn expiry_saturates() {
        let now = t(1_000);
        assert!(matches!(
            Expiry::from_attrs(Some(i64::MAX), None, now),
            Expiry::At(at) if at == from_unix_secs(MAX_TIME_SECS)
        ));
        assert!(
            matches!(Expiry::from_attrs(Some(0), Some(5_000), now), Expiry::At(at) if at == UNIX_EPOCH)
        );
        assert!(
            matches!(Expiry::from_attrs(None, Some(5_000), now), Expiry::At(at) if at == t(5_000))
        );
        assert!(matches!(
            Expiry::from_attrs(None, None, now),
            Expiry::Session
        ));
        assert_eq!(unix_secs(from_unix_secs(-100)), -100);
        assert_eq!(from_unix_f64(f64::INFINITY), from_unix_secs(MAX_TIME_SECS));
    }
}
