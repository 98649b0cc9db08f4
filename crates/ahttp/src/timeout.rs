//! `ClientTimeout` and running futures against deadlines.

use crate::error::{Error, ErrorKind, Result};
use crate::runtime::Runtime;
use futures_util::future::{select, Either};
use std::future::Future;
use std::pin::pin;
use std::time::{Duration, Instant};

/// Timeouts of a request, as aiohttp's `ClientTimeout`, plus two it lacks.
///
/// | field | covers | error on expiry |
/// | --- | --- | --- |
/// | `total` | everything: pool wait, connect, send, redirects, reading the body | [`ErrorKind::TotalTimeout`] |
/// | `connect` | pool wait + DNS + connect (+ TLS, proxy) | [`ErrorKind::ConnectionTimeout`] |
/// | `sock_connect` | each single connect attempt | [`ErrorKind::ConnectionTimeout`] |
/// | `sock_read` | the gap between two received pieces | [`ErrorKind::SocketTimeout`] |
/// | `sock_write` | a write that makes no progress (aiohttp#5546) | [`ErrorKind::WriteTimeout`] |
/// | `pool` | waiting for a free pooled connection | [`ErrorKind::PoolTimeout`] |
///
/// The default is aiohttp's: `total` 300 s, `sock_connect` 30 s, the rest
/// unset.
///
/// ```
/// use ahttp::ClientTimeout;
/// use std::time::Duration;
///
/// let t = ClientTimeout::default();
/// assert_eq!(t.total, Some(Duration::from_secs(300)));
/// let t = ClientTimeout::total(Duration::from_secs(5)).with_sock_read(Duration::from_secs(1));
/// assert_eq!((t.total, t.sock_read), (Some(Duration::from_secs(5)), Some(Duration::from_secs(1))));
/// assert_eq!(ClientTimeout::none().total, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeout {
    /// The whole request, body reading included.
    pub total: Option<Duration>,
    /// Getting a connection: pool wait, DNS, connect.
    pub connect: Option<Duration>,
    /// Each connect attempt.
    pub sock_connect: Option<Duration>,
    /// The gap between two reads that return data.
    pub sock_read: Option<Duration>,
    /// A write that makes no progress.
    pub sock_write: Option<Duration>,
    /// Waiting for a pooled connection when the limits are reached.
    pub pool: Option<Duration>,
}

impl Default for ClientTimeout {
    fn default() -> Self {
        ClientTimeout {
            total: Some(Duration::from_secs(300)),
            connect: None,
            sock_connect: Some(Duration::from_secs(30)),
            sock_read: None,
            sock_write: None,
            pool: None,
        }
    }
}

impl ClientTimeout {
    /// No timeouts at all (aiohttp's per-request `timeout=None`).
    pub fn none() -> Self {
        ClientTimeout {
            total: None,
            connect: None,
            sock_connect: None,
            sock_read: None,
            sock_write: None,
            pool: None,
        }
    }

    /// Only a total timeout (aiohttp's `timeout=<number>`).
    pub fn total(total: Duration) -> Self {
        ClientTimeout {
            total: Some(total),
            ..ClientTimeout::none()
        }
    }

    /// With `connect` set.
    pub fn with_connect(mut self, d: Duration) -> Self {
        self.connect = Some(d);
        self
    }

    /// With `sock_connect` set.
    pub fn with_sock_connect(mut self, d: Duration) -> Self {
        self.sock_connect = Some(d);
        self
    }

    /// With `sock_read` set.
    pub fn with_sock_read(mut self, d: Duration) -> Self {
        self.sock_read = Some(d);
        self
    }

    /// With `sock_write` set.
    pub fn with_sock_write(mut self, d: Duration) -> Self {
        self.sock_write = Some(d);
        self
    }

    /// With `pool` set.
    pub fn with_pool(mut self, d: Duration) -> Self {
        self.pool = Some(d);
        self
    }
}

/// A point in time and the error to raise when it passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub at: Instant,
    pub kind: DeadlineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlineKind {
    Total,
    Connect,
    SockRead,
    SockWrite,
    Pool,
}

impl Deadline {
    pub fn after(now: Instant, d: Option<Duration>, kind: DeadlineKind) -> Option<Deadline> {
        d.map(|d| Deadline { at: now + d, kind })
    }

    pub fn error(self) -> Error {
        let (kind, msg) = match self.kind {
            DeadlineKind::Total => (ErrorKind::TotalTimeout, "total timeout expired"),
            DeadlineKind::Connect => (ErrorKind::ConnectionTimeout, "connection timeout expired"),
            DeadlineKind::SockRead => (
                ErrorKind::SocketTimeout,
                "timeout on reading data from socket",
            ),
            DeadlineKind::SockWrite => {
                (ErrorKind::WriteTimeout, "timeout on writing data to socket")
            }
            DeadlineKind::Pool => (
                ErrorKind::PoolTimeout,
                "timeout waiting for a pooled connection",
            ),
        };
        Error::new(kind, msg)
    }
}

/// The earlier of two deadlines.
pub(crate) fn earliest(a: Option<Deadline>, b: Option<Deadline>) -> Option<Deadline> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.at < a.at { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Runs `fut` until it completes or `deadline` passes.
pub(crate) async fn run<R, F, T>(rt: &R, deadline: Option<Deadline>, fut: F) -> Result<T>
where
    R: Runtime,
    F: Future<Output = Result<T>>,
{
    let Some(deadline) = deadline else {
        return fut.await;
    };
    if rt.now() >= deadline.at {
        return Err(deadline.error());
    }
    let sleep = rt.sleep_until(deadline.at);
    match select(pin!(fut), sleep).await {
        Either::Left((out, _)) => out,
        Either::Right((_, _)) => Err(deadline.error()),
    }
}
