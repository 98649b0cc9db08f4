//! The small interface ahttp needs from an async runtime.
//!
//! ahttp spawns no tasks: idle connections expire lazily and timers run
//! inside the caller's awaits. So a runtime only has to connect sockets,
//! resolve names, and sleep. `ahttp-tokio`, `ahttp-async-std` and
//! `ahttp-smol` implement [`Runtime`]; a custom runtime can too.

use futures_io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

/// What ahttp needs from an async runtime.
///
/// Streams are futures-io [`AsyncRead`] + [`AsyncWrite`]; the futures
/// returned must be `Send` so that a request can be awaited on any
/// runtime's worker threads.
pub trait Runtime: Clone + Send + Sync + 'static {
    /// A connected TCP stream.
    type TcpStream: AsyncRead + AsyncWrite + Send + Unpin + 'static;
    /// A connected Unix domain socket stream.
    #[cfg(unix)]
    type UnixStream: AsyncRead + AsyncWrite + Send + Unpin + 'static;
    /// A timer that completes at a deadline.
    type Sleep: Future + Send + Unpin + 'static;

    /// Connects to `addr`, from `local_addr` when given. Implementations
    /// should turn off Nagle's algorithm (`TCP_NODELAY`): ahttp writes
    /// whole requests at once.
    fn connect_tcp(
        &self,
        addr: SocketAddr,
        local_addr: Option<SocketAddr>,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send;

    /// Connects to the Unix domain socket at `path`.
    #[cfg(unix)]
    fn connect_unix(
        &self,
        path: &std::path::Path,
    ) -> impl Future<Output = io::Result<Self::UnixStream>> + Send;

    /// Resolves `host` to its addresses, off the async threads (the system
    /// resolver blocks).
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send;

    /// A timer that completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> Self::Sleep;

    /// The current time on the runtime's clock.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A byte stream ahttp can speak HTTP over.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A boxed stream: TCP, Unix, or (later) TLS, behind one type.
pub type BoxIo = Box<dyn Io>;

/// Connects a socket bound to `local` to `remote` without blocking, for
/// runtimes whose TCP type cannot bind before connecting. Returns the
/// socket with the connect in progress; the caller waits for it to become
/// writable and then checks `take_error`.
pub fn start_bound_connect(
    local: SocketAddr,
    remote: SocketAddr,
) -> io::Result<std::net::TcpStream> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(remote),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&local.into())?;
    match socket.connect(&remote.into()) {
        Ok(()) => {}
        // A non-blocking connect answers EINPROGRESS (or EWOULDBLOCK).
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    Ok(socket.into())
}
