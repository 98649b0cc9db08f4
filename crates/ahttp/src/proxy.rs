//! HTTP proxies: plain-http requests go to the proxy in absolute form;
//! https targets are tunnelled with CONNECT.

use crate::body::BasicAuth;
use crate::conn::ConnError;
use crate::error::{Error, ErrorKind, ResponseParts, Result};
use crate::runtime::BoxIo;
use ahttp_proto::h1::{ClientConnection, Event, RequestHead};
use bytes::{Bytes, BytesMut};
use futures_util::{AsyncReadExt, AsyncWriteExt};
use http::{HeaderValue, Method, Version};
use url::Url;

/// A proxy to send requests through (aiohttp's `proxy=`, `proxy_auth=`,
/// `proxy_headers=`).
///
/// ```
/// let proxy = ahttp::Proxy::new("http://user:pass@127.0.0.1:3128").unwrap()
///     .header("X-Proxy-Team", "blue");
/// assert_eq!(proxy.url().host_str(), Some("127.0.0.1"));
/// ```
#[derive(Clone, Debug)]
pub struct Proxy {
    url: Url,
    auth: Option<BasicAuth>,
    headers: Vec<(String, HeaderValue)>,
}

impl Proxy {
    /// A proxy from its URL (`http://` or `https://`); credentials in the
    /// URL become its Basic auth.
    pub fn new(url: &str) -> Result<Self> {
        let parsed = Url::parse(url).map_err(|e| {
            Error::new(ErrorKind::InvalidUrl, format!("invalid proxy URL {url:?}")).with_source(e)
        })?;
        match parsed.scheme() {
            "http" | "https" | "socks4a" | "socks5" | "socks5h" => {}
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidUrl,
                    format!("proxy scheme {other:?} is not supported (http, https, socks4a, socks5, socks5h are)"),
                ))
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                format!("proxy URL without a host: {url:?}"),
            ));
        }
        let auth = BasicAuth::from_url(&parsed);
        let mut clean = parsed;
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        Ok(Proxy {
            url: clean,
            auth,
            headers: Vec::new(),
        })
    }

    /// Basic auth for the proxy (replaces credentials from the URL).
    pub fn auth(mut self, auth: BasicAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// A header for the proxy: sent on CONNECT for https targets, and with
    /// the request for plain-http targets (aiohttp forgets those,
    /// aiohttp#4422). Invalid names or values are ignored.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            if crate::wire_headers::valid_name(name) {
                self.headers.push((name.to_owned(), v));
            }
        }
        self
    }

    pub(crate) fn has_auth(&self) -> bool {
        self.auth.is_some()
    }

    /// The proxy's URL, without credentials.
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn host(&self) -> &str {
        self.url.host_str().unwrap_or("")
    }

    pub(crate) fn port(&self) -> u16 {
        match self.socks_version() {
            Some(_) => self.url.port().unwrap_or(1080),
            None => self.url.port_or_known_default().unwrap_or(80),
        }
    }

    /// The SOCKS dialect, for a `socks4a://`, `socks5://` or `socks5h://`
    /// proxy.
    pub(crate) fn socks_version(&self) -> Option<crate::socks::SocksVersion> {
        match self.url.scheme() {
            "socks4a" => Some(crate::socks::SocksVersion::V4a),
            "socks5" => Some(crate::socks::SocksVersion::V5),
            "socks5h" => Some(crate::socks::SocksVersion::V5h),
            _ => None,
        }
    }

    /// True for an HTTP (or HTTPS) proxy: plain-http requests then go in
    /// absolute form and carry the proxy's headers.
    pub(crate) fn is_http(&self) -> bool {
        self.socks_version().is_none()
    }

    /// Credentials for a SOCKS proxy.
    pub(crate) fn credentials(&self) -> Option<(&str, &str)> {
        self.auth.as_ref().map(|a| (a.login(), a.password()))
    }

    pub(crate) fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The headers that go to the proxy: its own headers and
    /// Proxy-Authorization. Never the session's Authorization (aiohttp
    /// sends that as Proxy-Authorization, a leak ahttp does not copy).
    pub(crate) fn proxy_fields(&self) -> Vec<(String, HeaderValue)> {
        let mut fields = self.headers.clone();
        if let Some(auth) = &self.auth {
            if let Ok(v) = HeaderValue::from_str(&auth.encode()) {
                fields.retain(|(n, _)| !n.eq_ignore_ascii_case("proxy-authorization"));
                fields.push(("Proxy-Authorization".to_owned(), v));
            }
        }
        fields
    }

    /// What distinguishes connections through this proxy in the pool.
    pub(crate) fn pool_id(&self) -> String {
        let user = self.auth.as_ref().map(BasicAuth::login).unwrap_or("");
        format!("{}#{user}", self.url)
    }
}

/// Opens a CONNECT tunnel to `host:port` over a connection to the proxy.
/// A 2xx answer yields the tunnel; any other status is
/// [`ErrorKind::HttpProxy`] carrying the status and headers of the answer.
pub(crate) async fn connect_tunnel(
    mut io: BoxIo,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<BoxIo> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut fields: Vec<(String, HeaderValue)> = Vec::new();
    if let Ok(v) = HeaderValue::from_str(&authority) {
        fields.push(("Host".to_owned(), v));
    }
    fields.extend(proxy.proxy_fields());
    let mut conn = ClientConnection::new();
    let mut out = BytesMut::new();
    let head = RequestHead::new(&Method::CONNECT, &authority, Version::HTTP_11, &fields);
    conn.send_request(head, std::time::Instant::now(), &mut out)
        .map_err(|e| Error::new(ErrorKind::Builder, "cannot encode CONNECT").with_source(e))?;
    io.write_all(&out)
        .await
        .map_err(|e| proxy_io_error(e, proxy))?;
    io.flush().await.map_err(|e| proxy_io_error(e, proxy))?;
    let mut buf = BytesMut::new();
    let mut chunk = [0u8; 4096];
    let head = loop {
        match conn.decode(&mut buf) {
            Ok(Event::NeedData) => {
                let n = io
                    .read(&mut chunk)
                    .await
                    .map_err(|e| proxy_io_error(e, proxy))?;
                if n == 0 {
                    conn.receive_eof();
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            Ok(Event::Informational(_)) => continue,
            Ok(Event::Upgrade(_)) => {
                if !buf.is_empty() {
                    // Tunnel bytes before our first one: nothing speaks first
                    // in TLS but the client, so this is a broken proxy.
                    return Err(Error::new(
                        ErrorKind::Os,
                        "the proxy sent data into the tunnel before the client",
                    ));
                }
                return Ok(io);
            }
            Ok(Event::Response(head)) => break head,
            Ok(other) => {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("unexpected {other:?} from the proxy"),
                ))
            }
            // The proxy hung up instead of answering.
            Err(e) if e.is_eof() => {
                return Err(Error::new(
                    ErrorKind::ProxyConnection {
                        host: proxy.host().to_owned(),
                        port: proxy.port(),
                    },
                    format!(
                        "the proxy {} closed the connection during CONNECT",
                        proxy.url()
                    ),
                )
                .with_source(e))
            }
            Err(e) => return Err(ConnError::Proto(e).in_head()),
        }
    };
    let parts = ResponseParts {
        status: head.status(),
        reason: head.reason_lossy().into_owned(),
        headers: head.headers().clone().into_map(),
        body: Bytes::new(),
        history: Vec::new(),
    };
    Err(Error::new(
        ErrorKind::HttpProxy {
            status: head.status().as_u16(),
        },
        format!(
            "the proxy refused CONNECT to {authority}: {} {}",
            head.status().as_u16(),
            parts.reason
        ),
    )
    .with_response(parts))
}

fn proxy_io_error(e: std::io::Error, proxy: &Proxy) -> Error {
    Error::new(
        ErrorKind::ProxyConnection {
            host: proxy.host().to_owned(),
            port: proxy.port(),
        },
        format!("connection to the proxy {} failed", proxy.url()),
    )
    .with_source(e)
}
