//! Name resolution for the connector: a pluggable resolver, static
//! overrides (curl's `--resolve`), a cache with aiohttp's TTL, and one
//! lookup per host however many requests ask at once.

use futures_util::future::{BoxFuture, FutureExt, Shared};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A name resolver: the runtime's (the system's, off the async threads)
/// unless one is given to the connector.
///
/// ```
/// use ahttp::Resolve;
/// use std::net::SocketAddr;
///
/// /// Every name is 127.0.0.1.
/// struct Loopback;
/// impl Resolve for Loopback {
///     fn resolve(&self, _host: &str, port: u16) -> futures_util::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
///         Box::pin(async move { Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]) })
///     }
/// }
/// ```
pub trait Resolve: Send + Sync + 'static {
    /// The addresses of `host`, with `port`.
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

type Lookup = Shared<BoxFuture<'static, Result<Vec<SocketAddr>, Arc<io::Error>>>>;

/// Most cached names (aiohttp's LRU keeps 1000).
const CACHE_ENTRIES: usize = 1000;

/// A cached answer: the addresses, when they expire, and an insertion
/// stamp (the oldest goes first when the cache is full).
struct Cached {
    addrs: Vec<SocketAddr>,
    expires: Option<Instant>,
    stamp: u64,
}

#[derive(Default)]
struct State {
    cache: HashMap<(String, u16), Cached>,
    in_flight: HashMap<(String, u16), Lookup>,
    /// Insertion counter, to drop the oldest entry when full.
    clock: u64,
}

/// The connector's DNS settings and cache.
pub(crate) struct Dns {
    pub use_cache: bool,
    /// How long an answer is kept (aiohttp: 10 s; `None` = until cleared).
    pub ttl: Option<Duration>,
    pub overrides: HashMap<(String, u16), Vec<SocketAddr>>,
    pub resolver: Option<Arc<dyn Resolve>>,
    state: Mutex<State>,
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            use_cache: true,
            ttl: Some(Duration::from_secs(10)),
            overrides: HashMap::new(),
            resolver: None,
            state: Mutex::new(State::default()),
        }
    }
}

impl Clone for Dns {
    fn clone(&self) -> Self {
        Dns {
            use_cache: self.use_cache,
            ttl: self.ttl,
            overrides: self.overrides.clone(),
            resolver: self.resolver.clone(),
            state: Mutex::new(State::default()),
        }
    }
}

impl Dns {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets cached answers: for one host and port, or all of them.
    pub fn clear(&self, host: Option<(&str, u16)>) {
        let mut state = self.lock();
        match host {
            Some((h, p)) => {
                state.cache.remove(&(h.to_ascii_lowercase(), p));
            }
            None => state.cache.clear(),
        }
    }

    /// Resolves `host:port`: an override, a fresh cached answer, a lookup
    /// already under way, or a new lookup through `fallback` (the runtime's
    /// resolver) unless a resolver was set.
    pub async fn resolve<F>(
        &self,
        host: &str,
        port: u16,
        now: Instant,
        fallback: F,
    ) -> io::Result<Vec<SocketAddr>>
    where
        F: FnOnce(String, u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>,
    {
        let key = (host.to_ascii_lowercase(), port);
        if let Some(addrs) = self.overrides.get(&key) {
            return Ok(addrs.clone());
        }
        let lookup = {
            let mut state = self.lock();
            if self.use_cache {
                match state.cache.get_mut(&key) {
                    Some(entry) if entry.expires.is_none_or(|e| now < e) => {
                        // Rotate, so successive connections spread over the
                        // addresses as aiohttp's round robin does.
                        let answer = entry.addrs.clone();
                        if entry.addrs.len() > 1 {
                            entry.addrs.rotate_left(1);
                        }
                        return Ok(answer);
                    }
                    Some(_) => {
                        state.cache.remove(&key);
                    }
                    None => {}
                }
            }
            match state.in_flight.get(&key) {
                Some(lookup) => lookup.clone(),
                None => {
                    let future = match &self.resolver {
                        Some(r) => r.resolve(host, port),
                        None => fallback(host.to_owned(), port),
                    };
                    let lookup: Lookup = future.map(|r| r.map_err(Arc::new)).boxed().shared();
                    state.in_flight.insert(key.clone(), lookup.clone());
                    lookup
                }
            }
        };
        let result = lookup.await;
        let mut state = self.lock();
        state.in_flight.remove(&key);
        match result {
            Ok(addrs) => {
                if self.use_cache && !addrs.is_empty() {
                    if state.cache.len() >= CACHE_ENTRIES && !state.cache.contains_key(&key) {
                        if let Some(oldest) = state
                            .cache
                            .iter()
                            .min_by_key(|(_, v)| v.stamp)
                            .map(|(k, _)| k.clone())
                        {
                            state.cache.remove(&oldest);
                        }
                    }
                    state.clock += 1;
                    let stamp = state.clock;
                    let expires = self.ttl.map(|t| now + t);
                    let cached = Cached {
                        addrs: addrs.clone(),
                        expires,
                        stamp,
                    };
                    state.cache.insert(key, cached);
                }
                Ok(addrs)
            }
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }
}
