//! The connection pool's policy, as pure logic over an injected clock.
//!
//! [`Pool`] decides which idle connection to reuse, when a new connection
//! may be opened, who has to wait, and which connections must be closed; it
//! never touches a socket or reads a clock. The client keeps it behind a
//! mutex, passes `now` into every call that depends on time, and carries out
//! what each call returns:
//!
//! - connections in [`Actions::close`] / [`Acquired::close`] are closed (the
//!   pool gave them up: expired, evicted, not reusable, or the pool closed);
//! - waiters in [`Actions::wake`] are woken, and each one calls
//!   [`Pool::take_grant`] to collect its [`Grant`].
//!
//! # Rules
//!
//! - **Counting.** A connection counts toward [`PoolConfig::limit`] and
//!   [`PoolConfig::limit_per_host`] while it is being opened (an outstanding
//!   [`ConnectPermit`]), while in use, and while idle in the pool. A grant
//!   that a woken waiter has not collected yet counts as in use (an idle
//!   connection) or connecting (a permit).
//! - **Reuse** is most-recently-used first (LIFO): the connection released
//!   last is the one least likely to have been closed by the server.
//!   aiohttp reuses the oldest first.
//! - **Expiry is lazy.** An idle connection expires at
//!   `release time + min(keepalive_timeout, the server's Keep-Alive: timeout=)`
//!   (a zero timeout means it is closed at once). Expired connections are
//!   never handed out: they are removed when the pool comes across them and
//!   handed back to close. [`Pool::take_expired`] sweeps all of them, and
//!   [`Pool::next_expiry`] says when the next one is due, for a client that
//!   wants to close them on a timer.
//! - **Eviction.** When the total limit is reached, the requested host has
//!   room under its own limit and some *other* host has an idle connection,
//!   the pool closes one idle connection (an expired one if any, otherwise
//!   the least recently released) and lets the caller connect instead of
//!   making it wait. aiohttp reaches the same state by not counting idle
//!   connections at all.
//! - **Waiters** are served in arrival order over all hosts. A waiter whose
//!   host is at its per-host limit is skipped, so it never blocks waiters of
//!   other hosts queued behind it. Whenever a slot frees or a connection is
//!   released, the earliest waiter that can be served gets a grant: a
//!   released connection of its own host ([`Grant::Idle`]), or a permit to
//!   connect ([`Grant::Connect`]), evicting an idle connection of another
//!   host if that is what it takes. A new [`Pool::acquire`] never overtakes
//!   a queued waiter of its host.
//! - **Nothing leaks.** Every connection handed to the pool comes back out
//!   exactly once: from `acquire`, a grant, or a `close` list. Cancelling a
//!   waiter that was already granted returns its grant to the pool, which
//!   passes it on to the next waiter.
//!
//! ```
//! use ahttp_proto::pool::{Acquire, Grant, Pool, PoolConfig};
//! use std::time::{Duration, Instant};
//!
//! let now = Instant::now();
//! let config = PoolConfig { limit: 1, ..PoolConfig::default() };
//! let mut pool: Pool<&str, u32> = Pool::new(config);
//!
//! // Nothing pooled yet: open a connection, then report it open.
//! let Acquire::Connect(permit) = pool.acquire(&"a.example", now).outcome else { panic!() };
//! pool.connected(permit);
//!
//! // The limit (1) is reached: the next request for any host waits.
//! let Acquire::Wait(waiter) = pool.acquire(&"a.example", now).outcome else { panic!() };
//!
//! // Releasing connection 7 hands it straight to the waiter.
//! let actions = pool.release(&"a.example", 7, true, None, now);
//! assert_eq!(actions.wake, vec![waiter]);
//! assert_eq!(pool.take_grant(waiter), Some(Grant::Idle(7)));
//!
//! // Released again with no one waiting, it goes idle, and is reused.
//! let actions = pool.release(&"a.example", 7, true, Some(Duration::from_secs(5)), now);
//! assert!(actions.is_empty());
//! assert_eq!(pool.acquire(&"a.example", now).outcome, Acquire::Idle(7));
//!
//! // Idle past the server's 5 s hint, it is handed back to be closed.
//! let _ = pool.release(&"a.example", 7, true, Some(Duration::from_secs(5)), now);
//! let later = now + Duration::from_secs(6);
//! let acquired = pool.acquire(&"a.example", later);
//! assert_eq!(acquired.close, vec![7]);
//! assert!(matches!(acquired.outcome, Acquire::Connect(_)));
//! ```

use http::Method;
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Limits and keep-alive settings of a [`Pool`], with aiohttp's defaults.
///
/// ```
/// use ahttp_proto::pool::PoolConfig;
/// use std::time::Duration;
///
/// let config = PoolConfig::default();
/// assert_eq!(config.limit, 100);
/// assert_eq!(config.limit_per_host, 0);
/// assert_eq!(config.keepalive_timeout, Some(Duration::from_secs(15)));
/// assert!(!config.force_close);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Most connections in total (connecting, in use and idle). `0` means no
    /// limit. Default 100.
    pub limit: usize,
    /// Most connections per pool key. `0` means no limit. Default 0.
    pub limit_per_host: usize,
    /// How long a released connection may stay idle. `None` keeps it until
    /// the server's `Keep-Alive: timeout=` hint (if any) runs out. Default
    /// 15 s.
    pub keepalive_timeout: Option<Duration>,
    /// Close every connection when it is released; nothing is kept idle.
    /// Default `false`.
    pub force_close: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            limit: 100,
            limit_per_host: 0,
            keepalive_timeout: Some(Duration::from_secs(15)),
            force_close: false,
        }
    }
}

/// Names a request waiting in a [`Pool`] for a connection.
///
/// Ids are unique for the life of the pool, so the client can key its
/// table of wakers by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WaiterId(u64);

impl WaiterId {
    /// The id as a number (arrival order: a smaller id arrived earlier).
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let mut pool: Pool<u8, u32> = Pool::new(PoolConfig { limit: 1, ..Default::default() });
    /// let _permit = pool.acquire(&0, Instant::now()).outcome;
    /// let Acquire::Wait(a) = pool.acquire(&0, Instant::now()).outcome else { panic!() };
    /// let Acquire::Wait(b) = pool.acquire(&1, Instant::now()).outcome else { panic!() };
    /// assert!(a.get() < b.get());
    /// ```
    pub fn get(self) -> u64 {
        self.0
    }
}

/// The right to open one new connection for a key: a slot already reserved
/// and counted against both limits.
///
/// It is a value that must be given back: pass it to [`Pool::connected`]
/// when the connection is open, or to [`Pool::cancel`] when connecting
/// failed or was abandoned (the task was dropped, a timeout fired). A
/// permit that is dropped instead holds its slot for the life of the pool.
/// It cannot be copied or forged, so a slot is returned at most once.
///
/// ```
/// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
/// use std::time::Instant;
///
/// let mut pool: Pool<&str, u32> = Pool::new(PoolConfig::default());
/// let Acquire::Connect(permit) = pool.acquire(&"h", Instant::now()).outcome else { panic!() };
/// assert_eq!(permit.key(), &"h");
/// assert_eq!(pool.counts().connecting, 1);
/// let _ = pool.cancel(permit, Instant::now()); // the connect failed
/// assert_eq!(pool.counts().total(), 0);
/// ```
#[must_use = "a ConnectPermit holds a pool slot: pass it to Pool::connected or Pool::cancel"]
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectPermit<K> {
    key: K,
}

impl<K> ConnectPermit<K> {
    /// The pool key the connection is for.
    ///
    /// ```
    /// # use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// # let mut pool: Pool<u8, ()> = Pool::new(PoolConfig::default());
    /// # let Acquire::Connect(permit) = pool.acquire(&3, std::time::Instant::now()).outcome else { panic!() };
    /// assert_eq!(*permit.key(), 3);
    /// # pool.connected(permit);
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }
}

/// What [`Pool::acquire`] decided.
#[must_use = "an Acquire may hold a connection or a ConnectPermit"]
#[derive(Debug, PartialEq, Eq)]
pub enum Acquire<K, C> {
    /// Reuse this idle connection; it now counts as in use. Give it back
    /// with [`Pool::release`] (or [`Pool::discard`] if it is lost).
    Idle(C),
    /// Open a new connection; the slot is reserved.
    Connect(ConnectPermit<K>),
    /// The limits are reached: wait until this id is in an
    /// [`Actions::wake`] list, then call [`Pool::take_grant`]. If the
    /// request gives up, call [`Pool::cancel_wait`].
    Wait(WaiterId),
    /// The pool was closed with [`Pool::close_all`].
    Closed,
}

/// The result of [`Pool::acquire`]: the decision, and connections to close.
#[must_use = "connections in `close` must be closed"]
#[derive(Debug, PartialEq, Eq)]
pub struct Acquired<K, C> {
    /// The decision.
    pub outcome: Acquire<K, C>,
    /// Connections the pool gave up on the way (expired, refused by the
    /// `is_usable` check, or evicted to make room): close them.
    pub close: Vec<C>,
}

/// What a woken waiter receives from [`Pool::take_grant`].
#[must_use = "a Grant may hold a connection or a ConnectPermit"]
#[derive(Debug, PartialEq, Eq)]
pub enum Grant<K, C> {
    /// Use this connection (released by another request for the same key);
    /// it counts as in use.
    Idle(C),
    /// Open a new connection; the slot is reserved.
    Connect(ConnectPermit<K>),
    /// The pool was closed while the request waited.
    Closed,
}

/// What the client must do after a pool operation.
#[must_use = "connections in `close` must be closed and waiters in `wake` woken"]
#[derive(Debug, PartialEq, Eq)]
pub struct Actions<C> {
    /// Connections the pool gave up: close each one.
    pub close: Vec<C>,
    /// Waiters that now hold a grant: wake each one, in this order; each
    /// calls [`Pool::take_grant`].
    pub wake: Vec<WaiterId>,
}

impl<C> Actions<C> {
    /// True when there is nothing to do.
    ///
    /// ```
    /// use ahttp_proto::pool::Actions;
    /// assert!(Actions::<u32>::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.close.is_empty() && self.wake.is_empty()
    }
}

impl<C> Default for Actions<C> {
    fn default() -> Self {
        Actions {
            close: Vec::new(),
            wake: Vec::new(),
        }
    }
}

/// Connection counts, for one key ([`Pool::counts_for`]) or the whole pool
/// ([`Pool::counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Idle connections held by the pool (expired ones included until the
    /// pool comes across them).
    pub idle: usize,
    /// Connections in use, including idle connections granted to a waiter
    /// that has not collected them yet.
    pub in_use: usize,
    /// Outstanding connect permits, including granted ones not collected.
    pub connecting: usize,
    /// Requests queued for a connection (not yet granted).
    pub waiting: usize,
}

impl Counts {
    /// Connections that count against the limits: idle + in use +
    /// connecting.
    ///
    /// ```
    /// use ahttp_proto::pool::Counts;
    /// let c = Counts { idle: 1, in_use: 2, connecting: 3, waiting: 4 };
    /// assert_eq!(c.total(), 6);
    /// ```
    pub fn total(&self) -> usize {
        self.idle + self.in_use + self.connecting
    }
}

/// The methods aiohttp treats as idempotent for its automatic retry: GET,
/// HEAD, OPTIONS, TRACE, PUT and DELETE.
///
/// ```
/// use ahttp_proto::pool::is_idempotent;
/// use http::Method;
/// assert!(is_idempotent(&Method::PUT));
/// assert!(!is_idempotent(&Method::POST));
/// ```
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// May a failed request be sent again on a new connection?
///
/// Yes only for the first retry (`attempt` 0 is the original request) of an
/// idempotent method ([`is_idempotent`]) that failed on a *reused*
/// connection before any byte of a response arrived: the server most likely
/// closed the idle connection in the meantime. Errors while establishing a
/// connection are never retried (there `reused_connection` is false). As
/// aiohttp, the client must also only retry when the body can be replayed.
///
/// ```
/// use ahttp_proto::pool::may_retry;
/// use http::Method;
///
/// assert!(may_retry(&Method::GET, true, false, 0));
/// assert!(!may_retry(&Method::GET, true, false, 1)); // retried once already
/// assert!(!may_retry(&Method::GET, false, false, 0)); // fresh connection
/// assert!(!may_retry(&Method::GET, true, true, 0)); // a response began
/// assert!(!may_retry(&Method::POST, true, false, 0)); // not idempotent
/// ```
pub fn may_retry(
    method: &Method,
    reused_connection: bool,
    response_bytes_received: bool,
    attempt: u32,
) -> bool {
    attempt == 0 && reused_connection && !response_bytes_received && is_idempotent(method)
}

#[derive(Debug)]
struct IdleConn<C> {
    conn: C,
    since: Instant,
    expires: Option<Instant>,
}

impl<C> IdleConn<C> {
    fn expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|at| at <= now)
    }
}

#[derive(Debug)]
struct Host<C> {
    /// Ordered by release time: the back is the most recent.
    idle: VecDeque<IdleConn<C>>,
    in_use: usize,
    connecting: usize,
    /// Queued (not yet granted) waiters, by id = arrival order.
    queue: BTreeSet<u64>,
}

impl<C> Default for Host<C> {
    fn default() -> Self {
        Host {
            idle: VecDeque::new(),
            in_use: 0,
            connecting: 0,
            queue: BTreeSet::new(),
        }
    }
}

impl<C> Host<C> {
    fn count(&self) -> usize {
        self.idle.len() + self.in_use + self.connecting
    }

    fn is_unused(&self) -> bool {
        self.count() == 0 && self.queue.is_empty()
    }

    fn insert_idle(&mut self, entry: IdleConn<C>) {
        let at = self.idle.partition_point(|e| e.since <= entry.since);
        self.idle.insert(at, entry);
    }
}

#[derive(Debug)]
enum WaiterState<C> {
    Queued,
    Idle(IdleConn<C>),
    Connect,
    Closed,
}

#[derive(Debug)]
struct Waiter<K, C> {
    key: K,
    state: WaiterState<C>,
}

/// The connection pool's policy: per-key idle stacks, limits, waiters and
/// idle expiry. See the [module documentation](self) for the rules.
///
/// `K` is the pool key (scheme, host, port, TLS settings, proxy, ...), `C`
/// the connection handle the pool stores while it is idle. The pool does no
/// IO: each method returns what the client has to do.
///
/// The client's side of the contract:
///
/// - every [`ConnectPermit`] goes back through [`connected`](Pool::connected)
///   or [`cancel`](Pool::cancel);
/// - every connection in use goes back through [`release`](Pool::release)
///   (or [`discard`](Pool::discard) if the client no longer has it, or
///   [`reconnect`](Pool::reconnect) to replace it with a new one);
/// - every [`WaiterId`] ends with [`take_grant`](Pool::take_grant) returning
///   `Some`, or with [`cancel_wait`](Pool::cancel_wait);
/// - every connection in a `close` list is closed, every waiter in a `wake`
///   list woken.
///
/// Misuse (releasing for a key with nothing in use, a permit from another
/// pool) never panics: a connection the pool cannot account for is handed
/// back to close, and counts never go below zero.
///
/// ```
/// use ahttp_proto::pool::{Acquire, Grant, Pool, PoolConfig};
/// use std::time::{Duration, Instant};
///
/// let t0 = Instant::now();
/// let mut pool: Pool<&str, u32> = Pool::new(PoolConfig {
///     limit: 2,
///     limit_per_host: 1,
///     ..PoolConfig::default()
/// });
///
/// // Host a opens its one allowed connection; a second request for a waits.
/// let Acquire::Connect(p) = pool.acquire(&"a", t0).outcome else { panic!() };
/// pool.connected(p);
/// let Acquire::Wait(wa) = pool.acquire(&"a", t0).outcome else { panic!() };
///
/// // Host b is not blocked by a's waiter.
/// let Acquire::Connect(p) = pool.acquire(&"b", t0).outcome else { panic!() };
/// pool.connected(p);
///
/// // The total limit (2) is reached: b waits too.
/// let Acquire::Wait(wb) = pool.acquire(&"b", t0).outcome else { panic!() };
/// assert_eq!(pool.counts().waiting, 2);
///
/// // a's connection broke: its slot goes to the first waiter that can use
/// // it, a's, which may connect.
/// let actions = pool.release(&"a", 1, false, None, t0);
/// assert_eq!(actions.close, vec![1]);
/// assert_eq!(actions.wake, vec![wa]);
/// let Some(Grant::Connect(p)) = pool.take_grant(wa) else { panic!() };
/// let _ = pool.cancel(p, t0); // ... but the connect failed
///
/// // b's waiter is still at b's per-host limit: the freed slot is no use
/// // to it. b's connection, released, is.
/// assert_eq!(pool.counts_for(&"b").waiting, 1);
/// let actions = pool.release(&"b", 2, true, None, t0 + Duration::from_secs(1));
/// assert_eq!(actions.wake, vec![wb]);
/// assert_eq!(pool.take_grant(wb), Some(Grant::Idle(2)));
///
/// // Session close: idle connections come back, new requests are refused.
/// let _ = pool.release(&"b", 2, true, None, t0 + Duration::from_secs(2));
/// assert_eq!(pool.close_all().close, vec![2]);
/// assert_eq!(pool.acquire(&"b", t0).outcome, Acquire::Closed);
/// assert_eq!(pool.counts().total(), 0);
/// ```
#[derive(Debug)]
pub struct Pool<K, C> {
    config: PoolConfig,
    /// Fx hashing: every request looks its host up three times (acquire,
    /// release, clean-up), and SipHash over the key's strings was about
    /// 2,000 instructions of a kept-alive GET (callgrind, loopback
    /// benchmark). Flooding is no concern here: the map holds only hosts
    /// with open connections.
    hosts: FxHashMap<K, Host<C>>,
    waiters: FxHashMap<u64, Waiter<K, C>>,
    idle: usize,
    in_use: usize,
    connecting: usize,
    queued: usize,
    next_waiter: u64,
    closed: bool,
}

impl<K: Eq + Hash + Clone, C> Default for Pool<K, C> {
    fn default() -> Self {
        Pool::new(PoolConfig::default())
    }
}

impl<K: Eq + Hash + Clone, C> Pool<K, C> {
    /// An empty pool.
    ///
    /// ```
    /// use ahttp_proto::pool::{Pool, PoolConfig};
    /// let pool: Pool<String, u32> = Pool::new(PoolConfig::default());
    /// assert_eq!(pool.counts().total(), 0);
    /// ```
    pub fn new(config: PoolConfig) -> Self {
        Pool {
            config,
            hosts: FxHashMap::default(),
            waiters: FxHashMap::default(),
            idle: 0,
            in_use: 0,
            connecting: 0,
            queued: 0,
            next_waiter: 0,
            closed: false,
        }
    }

    /// The settings.
    ///
    /// ```
    /// use ahttp_proto::pool::{Pool, PoolConfig};
    /// let pool: Pool<u8, u8> = Pool::default();
    /// assert_eq!(pool.config(), &PoolConfig::default());
    /// ```
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Get a connection for `key`: reuse the most recently released idle
    /// one that has not expired, or reserve a slot to open a new one, or
    /// queue the request.
    ///
    /// Expired idle connections of `key` found on the way, and an idle
    /// connection of another key evicted to make room, are in
    /// [`Acquired::close`].
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<&str, u32> = Pool::new(PoolConfig::default());
    /// for (conn, key) in [(1, "h"), (2, "h")] {
    ///     let Acquire::Connect(p) = pool.acquire(&key, now).outcome else { panic!() };
    ///     pool.connected(p);
    /// }
    /// let _ = pool.release(&"h", 1, true, None, now);
    /// let _ = pool.release(&"h", 2, true, None, now);
    /// // Most recently released first.
    /// assert_eq!(pool.acquire(&"h", now).outcome, Acquire::Idle(2));
    /// ```
    pub fn acquire(&mut self, key: &K, now: Instant) -> Acquired<K, C> {
        self.acquire_with(key, now, |_| true)
    }

    /// [`acquire`](Pool::acquire), with a check of each idle candidate:
    /// a connection for which `is_usable` returns false (say, its socket
    /// has seen EOF) is handed back to close, and the next one is tried.
    /// The check runs under the client's pool lock: it must not block.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<&str, u32> = Pool::new(PoolConfig::default());
    /// for _ in 0..2 {
    ///     let Acquire::Connect(p) = pool.acquire(&"h", now).outcome else { panic!() };
    ///     pool.connected(p);
    /// }
    /// let _ = pool.release(&"h", 1, true, None, now);
    /// let _ = pool.release(&"h", 2, true, None, now);
    /// let dead = 2;
    /// let acquired = pool.acquire_with(&"h", now, |c| *c != dead);
    /// assert_eq!(acquired.outcome, Acquire::Idle(1));
    /// assert_eq!(acquired.close, vec![2]);
    /// ```
    pub fn acquire_with(
        &mut self,
        key: &K,
        now: Instant,
        mut is_usable: impl FnMut(&C) -> bool,
    ) -> Acquired<K, C> {
        let mut close = Vec::new();
        if self.closed {
            return Acquired {
                outcome: Acquire::Closed,
                close,
            };
        }
        let mut queued_ahead = false;
        if let Some(host) = self.hosts.get_mut(key) {
            while let Some(entry) = host.idle.pop_back() {
                self.idle -= 1;
                if entry.expired(now) || !is_usable(&entry.conn) {
                    close.push(entry.conn);
                    continue;
                }
                host.in_use += 1;
                self.in_use += 1;
                return Acquired {
                    outcome: Acquire::Idle(entry.conn),
                    close,
                };
            }
            queued_ahead = !host.queue.is_empty();
        }
        let outcome = if !queued_ahead && self.host_has_room(key) {
            if self.total_full() && self.idle > 0 {
                self.evict_one(now, &mut close);
            }
            if self.total_full() {
                self.enqueue(key)
            } else {
                Acquire::Connect(self.reserve(key))
            }
        } else {
            self.enqueue(key)
        };
        self.forget_if_unused(key);
        Acquired { outcome, close }
    }

    /// The connection opened with `permit` is up; it now counts as in use.
    /// Give it back later with [`release`](Pool::release).
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::Instant;
    ///
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, Instant::now()).outcome else { panic!() };
    /// pool.connected(p);
    /// assert_eq!(pool.counts().in_use, 1);
    /// ```
    pub fn connected(&mut self, permit: ConnectPermit<K>) {
        if let Some(host) = self.hosts.get_mut(&permit.key) {
            if host.connecting > 0 {
                host.connecting -= 1;
                self.connecting -= 1;
                host.in_use += 1;
                self.in_use += 1;
            }
        }
    }

    /// Opening the connection of `permit` failed or was abandoned: the slot
    /// is freed, and may go to a waiter.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Grant, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::new(PoolConfig { limit: 1, ..Default::default() });
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// let Acquire::Wait(w) = pool.acquire(&1, now).outcome else { panic!() };
    /// let actions = pool.cancel(p, now);
    /// assert_eq!(actions.wake, vec![w]);
    /// assert!(matches!(pool.take_grant(w), Some(Grant::Connect(_))));
    /// ```
    pub fn cancel(&mut self, permit: ConnectPermit<K>, now: Instant) -> Actions<C> {
        let mut out = Actions::default();
        if let Some(host) = self.hosts.get_mut(&permit.key) {
            if host.connecting > 0 {
                host.connecting -= 1;
                self.connecting -= 1;
                self.dispatch(now, &mut out);
            }
        }
        self.forget_if_unused(&permit.key);
        out
    }

    /// Give back a connection that was in use for `key`.
    ///
    /// If `reusable` (the response was read to its end and the connection
    /// may carry another request) and the pool neither forces closing nor is
    /// closed, the connection goes idle until
    /// `now + min(keepalive_timeout, keep_alive_hint)`, or straight to the
    /// earliest waiter for `key` if that waiter is first in line. Otherwise
    /// it is handed back in [`Actions::close`]. Either way a slot may go to
    /// a waiter. `keep_alive_hint` is the server's `Keep-Alive: timeout=`
    /// ([`ResponseHead::keep_alive_timeout`](crate::h1::ResponseHead::keep_alive_timeout)).
    ///
    /// Releasing for a key that has no connection in use is a caller bug;
    /// the connection is handed back to close and no count changes.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// use std::time::{Duration, Instant};
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// pool.connected(p);
    /// let actions = pool.release(&0, 9, false, None, now);
    /// assert_eq!(actions.close, vec![9]); // not reusable: close it
    /// assert_eq!(pool.counts().total(), 0);
    /// ```
    pub fn release(
        &mut self,
        key: &K,
        conn: C,
        reusable: bool,
        keep_alive_hint: Option<Duration>,
        now: Instant,
    ) -> Actions<C> {
        let mut out = Actions::default();
        let expires = self.idle_expiry(reusable, keep_alive_hint, now);
        match self.hosts.get_mut(key) {
            Some(host) if host.in_use > 0 => {
                host.in_use -= 1;
                self.in_use -= 1;
                match expires {
                    Some(expires) => {
                        host.idle.push_back(IdleConn {
                            conn,
                            since: now,
                            expires,
                        });
                        self.idle += 1;
                    }
                    None => out.close.push(conn),
                }
                self.dispatch(now, &mut out);
                self.forget_if_unused(key);
            }
            _ => out.close.push(conn),
        }
        out
    }

    /// The connection in use for `key` is gone (the client closed or lost
    /// it and has no handle to release): its slot is freed.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::Instant;
    ///
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, Instant::now()).outcome else { panic!() };
    /// pool.connected(p);
    /// assert!(pool.discard(&0, Instant::now()).is_empty());
    /// assert_eq!(pool.counts().total(), 0);
    /// ```
    pub fn discard(&mut self, key: &K, now: Instant) -> Actions<C> {
        let mut out = Actions::default();
        if let Some(host) = self.hosts.get_mut(key) {
            if host.in_use > 0 {
                host.in_use -= 1;
                self.in_use -= 1;
                self.dispatch(now, &mut out);
            }
        }
        self.forget_if_unused(key);
        out
    }

    /// Turn the slot of a connection in use for `key` into a permit to open
    /// a new one, without queueing again: for a retry on a fresh connection
    /// (see [`may_retry`]) or a granted connection found dead. The client
    /// closes the old connection itself. `None` when nothing is in use for
    /// `key`.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::Instant;
    ///
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, Instant::now()).outcome else { panic!() };
    /// pool.connected(p);
    /// let p = pool.reconnect(&0).unwrap();
    /// assert_eq!(pool.counts().connecting, 1);
    /// pool.connected(p);
    /// ```
    pub fn reconnect(&mut self, key: &K) -> Option<ConnectPermit<K>> {
        let host = self.hosts.get_mut(key)?;
        if host.in_use == 0 {
            return None;
        }
        host.in_use -= 1;
        self.in_use -= 1;
        host.connecting += 1;
        self.connecting += 1;
        Some(ConnectPermit { key: key.clone() })
    }

    /// Collect the grant of a woken waiter. `None` while the waiter is still
    /// queued (a spurious wake: keep waiting) or if the id is unknown (it
    /// was already taken or cancelled). After `Some`, the id is gone.
    ///
    /// A [`Grant::Idle`] connection was idle a moment ago; it may have been
    /// closed by the server since, like any reused connection.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Grant, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::new(PoolConfig { limit: 1, ..Default::default() });
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// pool.connected(p);
    /// let Acquire::Wait(w) = pool.acquire(&0, now).outcome else { panic!() };
    /// assert_eq!(pool.take_grant(w), None); // still waiting
    /// let _ = pool.release(&0, 5, true, None, now);
    /// assert_eq!(pool.take_grant(w), Some(Grant::Idle(5)));
    /// assert_eq!(pool.take_grant(w), None);
    /// ```
    pub fn take_grant(&mut self, id: WaiterId) -> Option<Grant<K, C>> {
        if matches!(self.waiters.get(&id.0)?.state, WaiterState::Queued) {
            return None;
        }
        let waiter = self.waiters.remove(&id.0)?;
        Some(match waiter.state {
            WaiterState::Idle(entry) => Grant::Idle(entry.conn),
            WaiterState::Connect => Grant::Connect(ConnectPermit { key: waiter.key }),
            WaiterState::Closed | WaiterState::Queued => Grant::Closed,
        })
    }

    /// Remove a waiter whose request gave up (dropped, timed out). If it had
    /// already been granted a connection or a slot, the grant goes back to
    /// the pool and on to the next waiter, if any.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool, PoolConfig};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::new(PoolConfig { limit: 1, ..Default::default() });
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// pool.connected(p);
    /// let Acquire::Wait(w) = pool.acquire(&0, now).outcome else { panic!() };
    /// let _ = pool.release(&0, 5, true, None, now); // granted to w ...
    /// let _ = pool.cancel_wait(w, now); // ... which gave up: 5 goes idle
    /// assert_eq!(pool.counts().idle, 1);
    /// assert_eq!(pool.counts().in_use, 0);
    /// ```
    pub fn cancel_wait(&mut self, id: WaiterId, now: Instant) -> Actions<C> {
        let mut out = Actions::default();
        let Some(waiter) = self.waiters.remove(&id.0) else {
            return out;
        };
        let key = waiter.key;
        let closed = self.closed;
        if let Some(host) = self.hosts.get_mut(&key) {
            match waiter.state {
                WaiterState::Queued => {
                    if host.queue.remove(&id.0) {
                        self.queued -= 1;
                    }
                }
                WaiterState::Idle(entry) => {
                    host.in_use = host.in_use.saturating_sub(1);
                    self.in_use = self.in_use.saturating_sub(1);
                    if closed || entry.expired(now) {
                        out.close.push(entry.conn);
                    } else {
                        host.insert_idle(entry);
                        self.idle += 1;
                    }
                    self.dispatch(now, &mut out);
                }
                WaiterState::Connect => {
                    host.connecting = host.connecting.saturating_sub(1);
                    self.connecting = self.connecting.saturating_sub(1);
                    self.dispatch(now, &mut out);
                }
                WaiterState::Closed => {}
            }
        } else if let WaiterState::Idle(entry) = waiter.state {
            out.close.push(entry.conn);
        }
        self.forget_if_unused(&key);
        out
    }

    /// Remove every expired idle connection, to be closed. Lazy expiry
    /// needs no call to this; it lets a client close them on a timer (see
    /// [`next_expiry`](Pool::next_expiry)). It never wakes a waiter: a
    /// request only waits while no idle connection could serve it.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::{Duration, Instant};
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// pool.connected(p);
    /// let _ = pool.release(&0, 1, true, None, now);
    /// assert_eq!(pool.next_expiry(), Some(now + Duration::from_secs(15)));
    /// assert!(pool.take_expired(now + Duration::from_secs(14)).is_empty());
    /// assert_eq!(pool.take_expired(now + Duration::from_secs(15)), vec![1]);
    /// ```
    pub fn take_expired(&mut self, now: Instant) -> Vec<C> {
        let mut close = Vec::new();
        self.sweep(now, &mut close);
        close
    }

    /// When the next idle connection expires, if any will.
    ///
    /// ```
    /// use ahttp_proto::pool::Pool;
    /// let pool: Pool<u8, u32> = Pool::default();
    /// assert_eq!(pool.next_expiry(), None);
    /// ```
    pub fn next_expiry(&self) -> Option<Instant> {
        self.hosts
            .values()
            .flat_map(|h| h.idle.iter())
            .filter_map(|e| e.expires)
            .min()
    }

    /// Close the pool (the session is closing): every idle connection,
    /// including those granted to waiters that have not collected them, is
    /// handed back to close; granted permits are taken back; every waiter
    /// gets [`Grant::Closed`] from [`take_grant`](Pool::take_grant), and the
    /// queued ones are in [`Actions::wake`] (the granted ones were woken
    /// already). Afterwards
    /// [`acquire`](Pool::acquire) returns [`Acquire::Closed`], and released
    /// connections are closed. Connections in use and outstanding permits
    /// still have to be given back as usual.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::Instant;
    ///
    /// let now = Instant::now();
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&0, now).outcome else { panic!() };
    /// pool.connected(p);
    /// let _ = pool.release(&0, 1, true, None, now);
    /// assert_eq!(pool.close_all().close, vec![1]);
    /// assert!(pool.is_closed());
    /// ```
    pub fn close_all(&mut self) -> Actions<C> {
        let mut out = Actions::default();
        self.closed = true;
        for host in self.hosts.values_mut() {
            self.idle -= host.idle.len();
            out.close.extend(host.idle.drain(..).map(|e| e.conn));
            self.queued -= host.queue.len();
            host.queue.clear();
        }
        let mut ids: Vec<u64> = self.waiters.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(waiter) = self.waiters.get_mut(&id) else {
                continue;
            };
            let state = std::mem::replace(&mut waiter.state, WaiterState::Closed);
            let host = self.hosts.get_mut(&waiter.key);
            match state {
                WaiterState::Queued => out.wake.push(WaiterId(id)),
                WaiterState::Idle(entry) => {
                    if let Some(host) = host {
                        host.in_use = host.in_use.saturating_sub(1);
                        self.in_use = self.in_use.saturating_sub(1);
                    }
                    out.close.push(entry.conn);
                }
                WaiterState::Connect => {
                    if let Some(host) = host {
                        host.connecting = host.connecting.saturating_sub(1);
                        self.connecting = self.connecting.saturating_sub(1);
                    }
                }
                WaiterState::Closed => {}
            }
        }
        self.hosts.retain(|_, h| !h.is_unused());
        out
    }

    /// True after [`close_all`](Pool::close_all).
    ///
    /// ```
    /// use ahttp_proto::pool::Pool;
    /// let pool: Pool<u8, u32> = Pool::default();
    /// assert!(!pool.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Counts over the whole pool.
    ///
    /// ```
    /// use ahttp_proto::pool::{Counts, Pool};
    /// let pool: Pool<u8, u32> = Pool::default();
    /// assert_eq!(pool.counts(), Counts::default());
    /// ```
    pub fn counts(&self) -> Counts {
        Counts {
            idle: self.idle,
            in_use: self.in_use,
            connecting: self.connecting,
            waiting: self.queued,
        }
    }

    /// Counts for one key.
    ///
    /// ```
    /// use ahttp_proto::pool::{Acquire, Pool};
    /// use std::time::Instant;
    ///
    /// let mut pool: Pool<u8, u32> = Pool::default();
    /// let Acquire::Connect(p) = pool.acquire(&7, Instant::now()).outcome else { panic!() };
    /// assert_eq!(pool.counts_for(&7).connecting, 1);
    /// assert_eq!(pool.counts_for(&8).total(), 0);
    /// # pool.connected(p);
    /// ```
    pub fn counts_for(&self, key: &K) -> Counts {
        self.hosts
            .get(key)
            .map_or_else(Counts::default, |h| Counts {
                idle: h.idle.len(),
                in_use: h.in_use,
                connecting: h.connecting,
                waiting: h.queue.len(),
            })
    }

    /// Waiters holding a grant (or the news that the pool closed) that they
    /// have not collected with [`take_grant`](Pool::take_grant) yet.
    ///
    /// ```
    /// use ahttp_proto::pool::Pool;
    /// let pool: Pool<u8, u32> = Pool::default();
    /// assert_eq!(pool.pending_grants(), 0);
    /// ```
    pub fn pending_grants(&self) -> usize {
        self.waiters.len() - self.queued
    }

    // ----- internals -----

    fn total(&self) -> usize {
        self.idle + self.in_use + self.connecting
    }

    fn total_full(&self) -> bool {
        self.config.limit != 0 && self.total() >= self.config.limit
    }

    fn per_host_room(&self, host: &Host<C>) -> bool {
        self.config.limit_per_host == 0 || host.count() < self.config.limit_per_host
    }

    fn host_has_room(&self, key: &K) -> bool {
        self.hosts.get(key).is_none_or(|h| self.per_host_room(h))
    }

    /// `None`: do not keep. `Some(None)`: keep with no expiry.
    fn idle_expiry(
        &self,
        reusable: bool,
        hint: Option<Duration>,
        now: Instant,
    ) -> Option<Option<Instant>> {
        if !reusable || self.config.force_close || self.closed {
            return None;
        }
        let timeout = match (self.config.keepalive_timeout, hint) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, None) => a,
            (None, b) => b,
        };
        match timeout {
            None => Some(None),
            Some(t) if t.is_zero() => None,
            // An expiry beyond what Instant can hold is no expiry.
            Some(t) => Some(now.checked_add(t)),
        }
    }

    fn reserve(&mut self, key: &K) -> ConnectPermit<K> {
        self.hosts.entry(key.clone()).or_default().connecting += 1;
        self.connecting += 1;
        ConnectPermit { key: key.clone() }
    }

    fn enqueue(&mut self, key: &K) -> Acquire<K, C> {
        let id = self.next_waiter;
        self.next_waiter = self.next_waiter.wrapping_add(1);
        self.hosts.entry(key.clone()).or_default().queue.insert(id);
        self.queued += 1;
        self.waiters.insert(
            id,
            Waiter {
                key: key.clone(),
                state: WaiterState::Queued,
            },
        );
        Acquire::Wait(WaiterId(id))
    }

    fn forget_if_unused(&mut self, key: &K) {
        if self.hosts.get(key).is_some_and(Host::is_unused) {
            self.hosts.remove(key);
        }
    }

    /// Remove every expired idle connection.
    fn sweep(&mut self, now: Instant, close: &mut Vec<C>) {
        let mut removed = false;
        for host in self.hosts.values_mut() {
            if !host.idle.iter().any(|e| e.expired(now)) {
                continue;
            }
            let before = host.idle.len();
            let mut kept = VecDeque::with_capacity(before);
            for entry in host.idle.drain(..) {
                if entry.expired(now) {
                    close.push(entry.conn);
                } else {
                    kept.push_back(entry);
                }
            }
            self.idle -= before - kept.len();
            host.idle = kept;
            removed = true;
        }
        if removed {
            self.hosts.retain(|_, h| !h.is_unused());
        }
    }

    /// Free one slot held by an idle connection: all expired ones if there
    /// are any, else the least recently released one.
    fn evict_one(&mut self, now: Instant, close: &mut Vec<C>) {
        let before = self.idle;
        self.sweep(now, close);
        if self.idle < before {
            return;
        }
        let oldest = self
            .hosts
            .iter()
            .filter_map(|(k, h)| h.idle.front().map(|e| (e.since, k)))
            .min_by_key(|(since, _)| *since)
            .map(|(_, k)| k.clone());
        if let Some(key) = oldest {
            if let Some(entry) = self.hosts.get_mut(&key).and_then(|h| h.idle.pop_front()) {
                self.idle -= 1;
                close.push(entry.conn);
            }
            self.forget_if_unused(&key);
        }
    }

    /// Grant queued waiters, earliest first, while anything can be granted.
    fn dispatch(&mut self, now: Instant, out: &mut Actions<C>) {
        if self.closed {
            return;
        }
        while self.queued > 0 {
            let total_full = self.total_full();
            if total_full && self.idle == 0 {
                // No slot, and nothing idle to reuse or evict.
                break;
            }
            let mut best: Option<(u64, &K)> = None;
            for (key, host) in &self.hosts {
                let Some(&first) = host.queue.first() else {
                    continue;
                };
                if best.is_some_and(|(b, _)| b < first) {
                    continue;
                }
                let eligible = !host.idle.is_empty()
                    || (self.per_host_room(host) && (!total_full || self.idle > 0));
                if eligible {
                    best = Some((first, key));
                }
            }
            let Some((id, key)) = best else {
                break;
            };
            let key = key.clone();
            if !self.grant(id, &key, now, out) {
                break;
            }
        }
    }

    /// Give queued waiter `id` of `key` an idle connection or a slot.
    fn grant(&mut self, id: u64, key: &K, now: Instant, out: &mut Actions<C>) -> bool {
        if !self.waiters.contains_key(&id) {
            // Not a live waiter (cannot happen): drop the stale queue entry.
            if self.hosts.get_mut(key).is_some_and(|h| h.queue.remove(&id)) {
                self.queued -= 1;
            }
            return true;
        }
        let Some(host) = self.hosts.get_mut(key) else {
            return false;
        };
        let mut state = None;
        while let Some(entry) = host.idle.pop_back() {
            self.idle -= 1;
            if entry.expired(now) {
                out.close.push(entry.conn);
            } else {
                host.in_use += 1;
                self.in_use += 1;
                state = Some(WaiterState::Idle(entry));
                break;
            }
        }
        if state.is_none() {
            if !self.host_has_room(key) {
                return false;
            }
            if self.total_full() && self.idle > 0 {
                self.evict_one(now, &mut out.close);
            }
            if self.total_full() {
                return false;
            }
            let Some(host) = self.hosts.get_mut(key) else {
                return false;
            };
            host.connecting += 1;
            self.connecting += 1;
            state = Some(WaiterState::Connect);
        }
        if let Some(host) = self.hosts.get_mut(key) {
            if host.queue.remove(&id) {
                self.queued -= 1;
            }
        }
        if let (Some(state), Some(waiter)) = (state, self.waiters.get_mut(&id)) {
            waiter.state = state;
        }
        out.wake.push(WaiterId(id));
        true
    }
}
