//! `TcpConnector` / `UnixConnector`: opening connections and pooling them.
//!
//! The pool's policy (limits, waiters, expiry, reuse order) is
//! `ahttp_proto::pool`, pure logic; this module carries out its decisions:
//! it connects sockets, wakes waiting requests, and closes what the pool
//! gives up.

use crate::conn::{Connection, PoolKey};
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::{BoxIo, Runtime};
use crate::timeout::{self, earliest, ClientTimeout, Deadline, DeadlineKind};
use ahttp_proto::pool::{Acquire, Actions, Grant, Pool, PoolConfig, WaiterId};
use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

/// The connector: how connections are opened and how many are kept, as
/// aiohttp's `TCPConnector` (or `UnixConnector` with [`unix_socket`](TcpConnectorBuilder::unix_socket)).
///
/// ```
/// # fn demo<R: ahttp::Runtime>(rt: R) {
/// use std::time::Duration;
/// let connector = ahttp::TcpConnector::builder(rt)
///     .limit(10)
///     .limit_per_host(2)
///     .keepalive_timeout(Duration::from_secs(30))
///     .build();
/// # }
/// ```
pub struct TcpConnector<R: Runtime> {
    shared: Arc<Shared<R>>,
}

impl<R: Runtime> Clone for TcpConnector<R> {
    fn clone(&self) -> Self {
        TcpConnector {
            shared: self.shared.clone(),
        }
    }
}

impl<R: Runtime> fmt::Debug for TcpConnector<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpConnector")
            .field("limit", &self.shared.config.pool.limit)
            .field("limit_per_host", &self.shared.config.pool.limit_per_host)
            .finish()
    }
}

#[derive(Clone)]
struct Config {
    pool: PoolConfig,
    local_addr: Option<SocketAddr>,
    /// Only addresses of this family (aiohttp's `family`).
    family: Option<AddressFamily>,
    /// RFC 8305's connection attempt delay (aiohttp: 0.25 s); `None`
    /// tries the addresses one after the other.
    happy_eyeballs_delay: Option<Duration>,
    /// How many addresses of the first family go before alternating
    /// families (aiohttp's `interleave`; 1 with Happy Eyeballs on).
    interleave: Option<usize>,
    unix_path: Option<String>,
    tls: crate::tls::TlsSettings,
}

struct Shared<R: Runtime> {
    rt: R,
    config: Config,
    dns: crate::dns::Dns,
    state: Mutex<State>,
    /// An invalid option (a bad CA file); every connection fails with it.
    error: Option<String>,
}

struct State {
    pool: Pool<PoolKey, Box<Connection>>,
    wakers: HashMap<WaiterId, Waker>,
}

/// Gives a slot back to the pool when a connection in use is dropped,
/// whatever dropped it (an error, a cancelled request, a dropped response).
pub(crate) trait SlotOwner: Send + Sync {
    fn slot_lost(&self, key: &PoolKey);
}

impl<R: Runtime> SlotOwner for Shared<R> {
    fn slot_lost(&self, key: &PoolKey) {
        let now = self.rt.now();
        let actions = self.lock().pool.discard(key, now);
        self.carry_out(actions);
    }
}

impl<R: Runtime> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves the pool's counts
        // as they were; carrying on is safer than poisoning every request.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the waiters the pool granted, and closes what it gave up.
    fn carry_out(&self, actions: Actions<Box<Connection>>) {
        if !actions.wake.is_empty() {
            let mut state = self.lock();
            for id in actions.wake {
                if let Some(w) = state.wakers.remove(&id) {
                    w.wake();
                }
            }
        }
        // Dropping a connection closes its socket; these hold no slot.
        drop(actions.close);
    }
}

/// Options of a [`TcpConnector`], aiohttp's `TCPConnector(...)` arguments.
pub struct TcpConnectorBuilder<R: Runtime> {
    rt: R,
    config: Config,
    dns: crate::dns::Dns,
    error: Option<String>,
}

impl<R: Runtime> TcpConnectorBuilder<R> {
    /// Most connections in all (default 100; 0 = no limit).
    pub fn limit(mut self, n: usize) -> Self {
        self.config.pool.limit = n;
        self
    }

    /// Most connections to one host (default 0 = no limit).
    pub fn limit_per_host(mut self, n: usize) -> Self {
        self.config.pool.limit_per_host = n;
        self
    }

    /// How long an idle connection is kept (default 15 s); a shorter
    /// `Keep-Alive: timeout=` from the server wins.
    pub fn keepalive_timeout(mut self, d: Duration) -> Self {
        self.config.pool.keepalive_timeout = Some(d);
        self
    }

    /// Close every connection after its response (default false).
    pub fn force_close(mut self, on: bool) -> Self {
        self.config.pool.force_close = on;
        self
    }

    /// Use only IPv4 or only IPv6 addresses (aiohttp's `family`).
    pub fn family(mut self, family: AddressFamily) -> Self {
        self.config.family = Some(family);
        self
    }

    /// Happy Eyeballs' delay before trying the next address while the
    /// previous one is still connecting (default 250 ms, as aiohttp;
    /// `None` tries one address at a time).
    pub fn happy_eyeballs_delay(mut self, delay: Option<Duration>) -> Self {
        self.config.happy_eyeballs_delay = delay;
        self
    }

    /// How many addresses of the first family are tried before the
    /// families alternate (aiohttp's `interleave`; default 1).
    pub fn interleave(mut self, n: usize) -> Self {
        self.config.interleave = Some(n);
        self
    }

    /// Connect from this local address.
    pub fn local_addr(mut self, addr: SocketAddr) -> Self {
        self.config.local_addr = Some(addr);
        self
    }

    /// The default `ssl` mode for https requests (default: verify).
    pub fn ssl(mut self, ssl: crate::tls::Ssl) -> Self {
        self.config.tls.default_ssl = ssl;
        self
    }

    /// Trust the CA certificates in this PEM text besides the webpki roots
    /// (aiohttp: an `SSLContext` with `load_verify_locations`). Invalid PEM
    /// makes connections fail with that error.
    pub fn add_ca_pem(mut self, pem: &[u8]) -> Self {
        if let Err(e) = self.config.tls.add_ca_pem(pem) {
            self.error = Some(e.to_string());
        }
        self
    }

    /// Trust the CA certificates in this PEM file.
    pub fn ca_file(self, path: impl AsRef<std::path::Path>) -> Self {
        match std::fs::read(path.as_ref()) {
            Ok(pem) => self.add_ca_pem(&pem),
            Err(e) => {
                let mut this = self;
                this.error = Some(format!(
                    "cannot read CA file {}: {e}",
                    path.as_ref().display()
                ));
                this
            }
        }
    }

    /// Present this client certificate chain and private key (both PEM)
    /// to servers that ask for one, whatever the `ssl` mode (verify, no
    /// verification, fingerprint or public-key pins; an [`Ssl::Config`]
    /// carries its own): aiohttp's `SSLContext.load_cert_chain`, curl's
    /// `--cert`/`--key`. Invalid PEM makes connections fail with that
    /// error.
    ///
    /// [`Ssl::Config`]: crate::Ssl::Config
    pub fn client_certificate_pem(mut self, cert_pem: &[u8], key_pem: &[u8]) -> Self {
        if let Err(e) = self.config.tls.client_certificate_pem(cert_pem, key_pem) {
            self.error = Some(e.to_string());
        }
        self
    }

    /// Also trust the operating system's root certificates.
    pub fn use_system_roots(mut self, on: bool) -> Self {
        self.config.tls.use_system_roots(on);
        self
    }

    /// Cache DNS answers (default true; aiohttp's `use_dns_cache`).
    pub fn use_dns_cache(mut self, on: bool) -> Self {
        self.dns.use_cache = on;
        self
    }

    /// How long DNS answers are cached (default 10 s; `None` keeps them
    /// until cleared; aiohttp's `ttl_dns_cache`).
    pub fn ttl_dns_cache(mut self, ttl: Option<Duration>) -> Self {
        self.dns.ttl = ttl;
        self
    }

    /// Resolve names with this resolver instead of the runtime's.
    pub fn resolver(mut self, resolver: Arc<dyn crate::dns::Resolve>) -> Self {
        self.dns.resolver = Some(resolver);
        self
    }

    /// Resolve `host:port` to `addr` without asking DNS (curl's
    /// `--resolve host:port:addr`); repeat for several addresses.
    pub fn resolve_override(mut self, host: &str, port: u16, addr: std::net::IpAddr) -> Self {
        self.dns
            .overrides
            .entry((host.to_ascii_lowercase(), port))
            .or_default()
            .push(SocketAddr::new(addr, port));
        self
    }

    /// Connect every request to this Unix domain socket instead of TCP
    /// (aiohttp's `UnixConnector(path)`); the URL still gives the Host.
    pub fn unix_socket(mut self, path: impl Into<String>) -> Self {
        self.config.unix_path = Some(path.into());
        self
    }

    /// The connector.
    pub fn build(self) -> TcpConnector<R> {
        TcpConnector {
            shared: Arc::new(Shared {
                rt: self.rt,
                state: Mutex::new(State {
                    pool: Pool::new(self.config.pool.clone()),
                    wakers: HashMap::new(),
                }),
                config: self.config,
                dns: self.dns,
                error: self.error,
            }),
        }
    }
}

/// An address family, for [`TcpConnectorBuilder::family`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFamily {
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

/// Orders resolved addresses for connecting: only `family` if given, and
/// families interleaved (RFC 8305 section 4): `interleave` addresses of the
/// first address's family, then one of the other, and so on.
fn order_addresses(
    addrs: Vec<SocketAddr>,
    family: Option<AddressFamily>,
    interleave: Option<usize>,
) -> Vec<SocketAddr> {
    let addrs: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| match family {
            Some(AddressFamily::V4) => a.is_ipv4(),
            Some(AddressFamily::V6) => a.is_ipv6(),
            None => true,
        })
        .collect();
    let Some(first) = addrs.first().copied() else {
        return addrs;
    };
    let (mut same, mut other): (std::collections::VecDeque<_>, std::collections::VecDeque<_>) =
        addrs
            .into_iter()
            .partition(|a| a.is_ipv4() == first.is_ipv4());
    let run = interleave.unwrap_or(1).max(1);
    let mut ordered = Vec::with_capacity(same.len() + other.len());
    let mut first_run = true;
    while !same.is_empty() || !other.is_empty() {
        let take = if first_run { run } else { 1 };
        first_run = false;
        for _ in 0..take {
            if let Some(a) = same.pop_front() {
                ordered.push(a);
            }
        }
        if let Some(a) = other.pop_front() {
            ordered.push(a);
        }
    }
    ordered
}

/// Cancels a wait that did not finish (the request was dropped or timed
/// out), so that a grant made meanwhile is not lost.
struct WaitGuard<'a, R: Runtime> {
    shared: &'a Shared<R>,
    id: Option<WaiterId>,
}

impl<R: Runtime> Drop for WaitGuard<'_, R> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let now = self.shared.rt.now();
            let actions = {
                let mut state = self.shared.lock();
                state.wakers.remove(&id);
                state.pool.cancel_wait(id, now)
            };
            self.shared.carry_out(actions);
        }
    }
}

/// Gives a reserved slot back if connecting does not finish.
struct PermitGuard<'a, R: Runtime> {
    shared: &'a Shared<R>,
    permit: Option<ahttp_proto::pool::ConnectPermit<PoolKey>>,
}

impl<R: Runtime> Drop for PermitGuard<'_, R> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            let now = self.shared.rt.now();
            let actions = self.shared.lock().pool.cancel(permit, now);
            self.shared.carry_out(actions);
        }
    }
}

impl<R: Runtime> TcpConnector<R> {
    /// A connector with aiohttp's defaults.
    pub fn new(rt: R) -> Self {
        Self::builder(rt).build()
    }

    /// Connector options.
    pub fn builder(rt: R) -> TcpConnectorBuilder<R> {
        TcpConnectorBuilder {
            rt,
            config: Config {
                pool: PoolConfig::default(),
                local_addr: None,
                family: None,
                happy_eyeballs_delay: Some(Duration::from_millis(250)),
                interleave: None,
                unix_path: None,
                tls: crate::tls::TlsSettings::default(),
            },
            dns: crate::dns::Dns::default(),
            error: None,
        }
    }

    /// Forgets cached DNS answers: for one host and port, or all (aiohttp's
    /// `clear_dns_cache(host, port)`).
    pub fn clear_dns_cache(&self, host: Option<(&str, u16)>) {
        self.shared.dns.clear(host);
    }

    /// Whether connections are closed after each response.
    pub fn force_close(&self) -> bool {
        self.shared.config.pool.force_close
    }

    pub(crate) fn unix_path(&self) -> Option<String> {
        self.shared.config.unix_path.clone()
    }

    /// The `ssl` mode requests use unless they set their own.
    pub(crate) fn default_ssl(&self) -> crate::tls::Ssl {
        self.shared.config.tls.default_ssl.clone()
    }

    /// Connections the pool holds: (idle, in use, connecting).
    pub fn counts(&self) -> (usize, usize, usize) {
        let c = self.shared.lock().pool.counts();
        (c.idle, c.in_use, c.connecting)
    }

    /// A connection for `key`: a pooled one that is still alive, a new one,
    /// or one that frees up, within the timeouts.
    pub(crate) async fn acquire(
        &self,
        key: &PoolKey,
        timeouts: &ClientTimeout,
        total: Option<Deadline>,
        limits: ahttp_proto::h1::Limits,
        tls: Option<(&crate::tls::Ssl, Option<&str>)>,
        proxy: Option<&crate::proxy::Proxy>,
    ) -> Result<Box<Connection>> {
        if let Some(e) = &self.shared.error {
            return Err(Error::new(ErrorKind::Builder, e.clone()));
        }
        let shared = &*self.shared;
        let rt = &shared.rt;
        let start = rt.now();
        let connect_deadline = earliest(
            total,
            Deadline::after(start, timeouts.connect, DeadlineKind::Connect),
        );
        loop {
            let acquired = shared.lock().pool.acquire(key, rt.now());
            drop(acquired.close);
            let grant = match acquired.outcome {
                Acquire::Idle(conn) => Grant::Idle(conn),
                Acquire::Connect(permit) => Grant::Connect(permit),
                Acquire::Closed => Grant::Closed,
                Acquire::Wait(id) => {
                    let pool_deadline = earliest(
                        connect_deadline,
                        Deadline::after(start, timeouts.pool, DeadlineKind::Pool),
                    );
                    let mut guard = WaitGuard {
                        shared,
                        id: Some(id),
                    };
                    let grant = timeout::run(rt, pool_deadline, async {
                        Ok(poll_fn(|cx| {
                            let mut state = shared.lock();
                            match state.pool.take_grant(id) {
                                Some(g) => Poll::Ready(g),
                                None => {
                                    state.wakers.insert(id, cx.waker().clone());
                                    Poll::Pending
                                }
                            }
                        })
                        .await)
                    })
                    .await?;
                    guard.id = None;
                    grant
                }
            };
            match grant {
                Grant::Idle(mut conn) => {
                    if conn.is_stale() {
                        // The server closed it while idle: its slot goes,
                        // and the next candidate is tried.
                        let actions = shared.lock().pool.discard(key, rt.now());
                        shared.carry_out(actions);
                        drop(conn);
                        continue;
                    }
                    conn.owner = Some(self.shared.clone() as Arc<dyn SlotOwner>);
                    return Ok(conn);
                }
                Grant::Connect(permit) => {
                    let mut guard = PermitGuard {
                        shared,
                        permit: Some(permit),
                    };
                    // Boxed: opening (DNS, happy eyeballs, proxies, TLS)
                    // is the largest state machine of a request, and most
                    // requests reuse a connection instead; inline, its
                    // room made every request's future kilobytes larger.
                    let open = Box::pin(self.open(key, timeouts, tls, proxy));
                    let io = timeout::run(rt, connect_deadline, open).await?;
                    if let Some(permit) = guard.permit.take() {
                        shared.lock().pool.connected(permit);
                    }
                    let config = ahttp_proto::h1::Config {
                        limits,
                        ..Default::default()
                    };
                    let mut conn = Connection::new(io, key.clone(), config);
                    conn.owner = Some(self.shared.clone() as Arc<dyn SlotOwner>);
                    return Ok(conn);
                }
                Grant::Closed => {
                    return Err(Error::new(
                        ErrorKind::SessionClosed,
                        "the connector is closed",
                    ));
                }
            }
        }
    }

    /// Opens a new socket for `key`: the Unix socket, or each resolved
    /// address in turn, each attempt bounded by `sock_connect`.
    async fn open(
        &self,
        key: &PoolKey,
        timeouts: &ClientTimeout,
        tls: Option<(&crate::tls::Ssl, Option<&str>)>,
        proxy: Option<&crate::proxy::Proxy>,
    ) -> Result<BoxIo> {
        let io = match proxy {
            None => self.open_plain(key, timeouts).await?,
            Some(proxy) => {
                let to_proxy = PoolKey {
                    scheme: proxy.url().scheme().to_owned(),
                    host: proxy.host().to_owned(),
                    port: proxy.port(),
                    unix_path: None,
                    tls: None,
                    proxy: None,
                    tunnel: false,
                };
                let io = self.open_plain(&to_proxy, timeouts).await.map_err(|e| {
                    if e.is_connect() {
                        Error::new(
                            ErrorKind::ProxyConnection {
                                host: to_proxy.host.clone(),
                                port: to_proxy.port,
                            },
                            format!("cannot connect to the proxy {}: {e}", proxy.url()),
                        )
                    } else {
                        e
                    }
                })?;
                if let Some(version) = proxy.socks_version() {
                    let rt = &self.shared.rt;
                    let host = key.host.trim_start_matches('[').trim_end_matches(']');
                    let target = match host.parse::<std::net::IpAddr>() {
                        Ok(ip) => crate::socks::Target::Ip(ip),
                        // socks5:// resolves here; socks4a:// and socks5h://
                        // let the proxy resolve.
                        Err(_) if version == crate::socks::SocksVersion::V5 => {
                            let rt2 = rt.clone();
                            let lookup = move |h: String,
                                               p: u16|
                                  -> futures_util::future::BoxFuture<
                                'static,
                                std::io::Result<Vec<SocketAddr>>,
                            > {
                                Box::pin(async move { rt2.resolve(&h, p).await })
                            };
                            let addrs = self
                                .shared
                                .dns
                                .resolve(host, key.port, rt.now(), lookup)
                                .await
                                .map_err(|e| {
                                    Error::new(
                                        ErrorKind::ConnectorDns {
                                            host: host.to_owned(),
                                            port: key.port,
                                        },
                                        format!("cannot resolve host {host}:{}", key.port),
                                    )
                                    .with_source(e)
                                })?;
                            let first = addrs.first().ok_or_else(|| {
                                Error::new(
                                    ErrorKind::ConnectorDns {
                                        host: host.to_owned(),
                                        port: key.port,
                                    },
                                    format!("no address for host {host}"),
                                )
                            })?;
                            crate::socks::Target::Ip(first.ip())
                        }
                        Err(_) => crate::socks::Target::Name(host),
                    };
                    let tunnel =
                        crate::socks::connect(io, version, proxy.credentials(), target, key.port)
                            .await?;
                    return self.finish_tls(tunnel, key, timeouts, tls).await;
                }
                // TLS to the proxy itself for an https:// proxy.
                let io = if proxy.is_https() {
                    let proxy_host = to_proxy.host.trim_start_matches('[').trim_end_matches(']');
                    crate::tls::handshake(
                        &self.shared.config.tls,
                        &crate::tls::Ssl::Verify,
                        io,
                        proxy_host,
                        to_proxy.port,
                        None,
                    )
                    .await?
                } else {
                    io
                };
                if tls.is_some() || key.tunnel {
                    let host = key.host.trim_start_matches('[').trim_end_matches(']');
                    crate::proxy::connect_tunnel(io, proxy, host, key.port).await?
                } else {
                    io
                }
            }
        };
        self.finish_tls(io, key, timeouts, tls).await
    }

    /// The TLS handshake with the target, for https.
    async fn finish_tls(
        &self,
        io: BoxIo,
        key: &PoolKey,
        timeouts: &ClientTimeout,
        tls: Option<(&crate::tls::Ssl, Option<&str>)>,
    ) -> Result<BoxIo> {
        let Some((ssl, server_hostname)) = tls else {
            return Ok(io);
        };
        // The handshake belongs to the connect attempt, as in aiohttp.
        let rt = &self.shared.rt;
        let host = key.host.trim_start_matches('[').trim_end_matches(']');
        let attempt = Deadline::after(rt.now(), timeouts.sock_connect, DeadlineKind::Connect);
        timeout::run(
            rt,
            attempt,
            crate::tls::handshake(
                &self.shared.config.tls,
                ssl,
                io,
                host,
                key.port,
                server_hostname,
            ),
        )
        .await
    }

    async fn open_plain(&self, key: &PoolKey, timeouts: &ClientTimeout) -> Result<BoxIo> {
        let rt = &self.shared.rt;
        #[cfg(unix)]
        if let Some(path) = &self.shared.config.unix_path {
            let attempt = Deadline::after(rt.now(), timeouts.sock_connect, DeadlineKind::Connect);
            let io = timeout::run(rt, attempt, async {
                rt.connect_unix(std::path::Path::new(path))
                    .await
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::UnixConnector { path: path.clone() },
                            format!("cannot connect to unix socket {path}"),
                        )
                        .with_source(e)
                    })
            })
            .await?;
            return Ok(Box::new(crate::runtime::UnixIo {
                rt: rt.clone(),
                stream: io,
            }));
        }
        let host = key.host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, key.port)],
            Err(_) => {
                let rt2 = rt.clone();
                let lookup =
                    move |h: String,
                          p: u16|
                          -> futures_util::future::BoxFuture<
                        'static,
                        std::io::Result<Vec<SocketAddr>>,
                    > { Box::pin(async move { rt2.resolve(&h, p).await }) };
                self.shared
                    .dns
                    .resolve(host, key.port, rt.now(), lookup)
                    .await
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::ConnectorDns {
                                host: host.to_owned(),
                                port: key.port,
                            },
                            format!("cannot resolve host {host}:{}", key.port),
                        )
                        .with_source(e)
                    })?
            }
        };
        let addrs = order_addresses(
            addrs,
            self.shared.config.family,
            self.shared.config.interleave,
        );
        let attempt = |addr: SocketAddr| {
            let deadline = Deadline::after(rt.now(), timeouts.sock_connect, DeadlineKind::Connect);
            let local = self.shared.config.local_addr;
            let connect = async move {
                rt.connect_tcp(addr, local).await.map_err(|e| {
                    Error::new(
                        ErrorKind::Connector {
                            host: host.to_owned(),
                            port: key.port,
                        },
                        format!("cannot connect to host {host}:{} ({addr})", key.port),
                    )
                    .with_source(e)
                })
            };
            Box::pin(async move { timeout::run(rt, deadline, connect).await })
        };
        // Happy Eyeballs (RFC 8305): start the next address when the current
        // attempts fail or have not finished within the delay; the first
        // connection wins and the others are dropped.
        let mut pending = addrs.into_iter();
        let mut running = futures_util::stream::FuturesUnordered::new();
        let mut last: Option<Error> = None;
        if let Some(first) = pending.next() {
            running.push(attempt(first));
        }
        while !running.is_empty() {
            use futures_util::StreamExt;
            let next_start = match self.shared.config.happy_eyeballs_delay {
                Some(delay) if pending.len() > 0 => Some(rt.sleep_until(rt.now() + delay)),
                _ => None,
            };
            let finished = match next_start {
                None => running.next().await,
                Some(timer) => match futures_util::future::select(running.next(), timer).await {
                    futures_util::future::Either::Left((done, _)) => done,
                    futures_util::future::Either::Right(_) => {
                        if let Some(addr) = pending.next() {
                            running.push(attempt(addr));
                        }
                        continue;
                    }
                },
            };
            match finished {
                Some(Ok(stream)) => {
                    return Ok(Box::new(crate::runtime::TcpIo {
                        rt: rt.clone(),
                        stream,
                    }))
                }
                Some(Err(e)) => {
                    last = Some(e);
                    if let Some(addr) = pending.next() {
                        running.push(attempt(addr));
                    }
                }
                None => break,
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::new(
                ErrorKind::ConnectorDns {
                    host: host.to_owned(),
                    port: key.port,
                },
                format!("no address for host {host}"),
            )
        }))
    }

    /// Puts a connection whose exchange completed back in the pool.
    pub(crate) fn release(&self, mut conn: Box<Connection>) {
        conn.owner = None;
        let key = conn.key.clone();
        let hint = conn.keep_alive_hint;
        let now = self.shared.rt.now();
        let actions = self.shared.lock().pool.release(&key, conn, true, hint, now);
        self.shared.carry_out(actions);
    }

    /// Closes a connection that cannot be reused, freeing its slot.
    pub(crate) fn discard(&self, conn: Box<Connection>) {
        // The connection's drop gives its slot back.
        drop(conn);
    }

    /// Closes the pool: idle connections are closed and waited for; waiting
    /// requests fail; connections in use close when their responses end.
    pub async fn close(&self) {
        let actions = self.shared.lock().pool.close_all();
        let Actions { close, wake } = actions;
        self.shared.carry_out(Actions {
            close: Vec::new(),
            wake,
        });
        for conn in close {
            conn.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_interleave_by_family() {
        let v4 = |n: u8| SocketAddr::from(([10, 0, 0, n], 80));
        let v6 = |n: u16| SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, n], 80));
        let addrs = vec![v6(1), v6(2), v6(3), v4(1), v4(2)];
        assert_eq!(
            order_addresses(addrs.clone(), None, None),
            [v6(1), v4(1), v6(2), v4(2), v6(3)]
        );
        assert_eq!(
            order_addresses(addrs.clone(), None, Some(2)),
            [v6(1), v6(2), v4(1), v6(3), v4(2)]
        );
        assert_eq!(
            order_addresses(addrs.clone(), Some(AddressFamily::V4), None),
            [v4(1), v4(2)]
        );
        assert_eq!(
            order_addresses(addrs, Some(AddressFamily::V6), None),
            [v6(1), v6(2), v6(3)]
        );
    }
}
