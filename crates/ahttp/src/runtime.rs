//! The small interface ahttp needs from an async runtime.
//!
//! ahttp spawns no tasks: idle connections expire lazily and timers run
//! inside the caller's awaits. So a runtime only has to connect sockets,
//! resolve names, and sleep. `ahttp-tokio`, `ahttp-async-std` and
//! `ahttp-smol` implement [`Runtime`]; a custom runtime can too.
//!
//! Three more pairs of methods (TCP and Unix) have defaults that work
//! anywhere and may be overridden where the runtime can do better:
//! checking an idle pooled socket ([`Runtime::tcp_is_stale`]: a peek on
//! async-io, whose read attempts re-arm the reactor), splitting a socket
//! for a WebSocket's concurrent reader and writers ([`Runtime::split_tcp`]:
//! without a lock where the runtime's sockets allow it), and reading into
//! uninitialised buffer room ([`Runtime::tcp_poll_read_buf`]: tokio's
//! `ReadBuf`; futures-io reads need initialised memory, so the default
//! reads through a scratch buffer and copies). Runtimes whose timer
//! registrations are costly can serve every deadline from one timer with
//! [`TimerHub`], as the async-io adapters do.

use futures_io::{AsyncRead, AsyncWrite};

pub use crate::timer_hub::{HubSleep, TimerHub};
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

    /// Whether an idle pooled TCP stream must not carry another request:
    /// the peer closed it, reset it, or sent bytes nobody asked for.
    /// Checked before every reuse, so it must not wait and should be cheap.
    ///
    /// The default, [`read_probe_is_stale`], tries a one-byte read with a
    /// waker that does nothing. That costs nothing where the runtime caches
    /// readiness (tokio answers "not ready" without a system call), but a
    /// runtime whose reads try the socket first and then re-arm a one-shot
    /// registration (async-io, under smol and async-std) pays a failed read,
    /// an `epoll_ctl`, and later a reactor wake-up for the left-over
    /// registration. Such runtimes override it with [`peek_is_stale`]: one
    /// non-blocking `recv(MSG_PEEK)` and nothing left behind.
    fn tcp_is_stale(&self, stream: &mut Self::TcpStream) -> bool {
        read_probe_is_stale(stream)
    }

    /// [`Runtime::tcp_is_stale`] for Unix domain socket streams.
    #[cfg(unix)]
    fn unix_is_stale(&self, stream: &mut Self::UnixStream) -> bool {
        read_probe_is_stale(stream)
    }

    /// Splits a TCP stream into halves that one task can read from while
    /// others write (a WebSocket does). The default, [`split_with_lock`],
    /// shares the stream behind a lock taken on every read and write;
    /// runtimes whose sockets split without one (tokio's `into_split`, or
    /// async-io's streams, which are shared handles) override it.
    fn split_tcp(&self, stream: Self::TcpStream) -> (BoxRead, BoxWrite) {
        split_with_lock(stream)
    }

    /// [`Runtime::split_tcp`] for Unix domain socket streams.
    #[cfg(unix)]
    fn split_unix(&self, stream: Self::UnixStream) -> (BoxRead, BoxWrite) {
        split_with_lock(stream)
    }

    /// Reads from a TCP stream straight into `buf`'s spare capacity (which
    /// the caller has reserved), appending what arrived, where the runtime
    /// can read into uninitialised memory; `None` where it cannot, and
    /// ahttp reads through its zeroed-once scratch buffer and copies (see
    /// [`ReadIo`]). tokio can, through tokio-util's `poll_read_buf`.
    fn tcp_poll_read_buf(
        &self,
        _stream: &mut Self::TcpStream,
        _cx: &mut std::task::Context<'_>,
        _buf: &mut bytes::BytesMut,
    ) -> Option<std::task::Poll<io::Result<usize>>> {
        None
    }

    /// [`Runtime::tcp_poll_read_buf`] for Unix domain socket streams.
    #[cfg(unix)]
    fn unix_poll_read_buf(
        &self,
        _stream: &mut Self::UnixStream,
        _cx: &mut std::task::Context<'_>,
        _buf: &mut bytes::BytesMut,
    ) -> Option<std::task::Poll<io::Result<usize>>> {
        None
    }
}

/// The reading half of a split stream.
pub type BoxRead = Box<dyn ReadIo>;

/// The reading half of a split stream: a futures-io reader that may also
/// read straight into a buffer's spare capacity.
///
/// futures-io reads need initialised memory, so ahttp reads through a
/// scratch buffer zeroed once and copies what arrived. A runtime whose
/// reads can fill uninitialised memory (tokio's `ReadBuf`, through
/// tokio-util's `poll_read_buf`) says so with [`ReadIo::can_read_buf`] and
/// saves that copy, and the zeroing of the room for a large WebSocket frame.
pub trait ReadIo: AsyncRead + Send + Unpin + 'static {
    /// Whether [`ReadIo::poll_read_buf`] is implemented.
    fn can_read_buf(&self) -> bool {
        false
    }

    /// Reads into `buf`'s spare capacity (which the caller has reserved)
    /// and appends what arrived; `Ok(0)` is the end of the stream. Only
    /// called when [`ReadIo::can_read_buf`] is true; the default is never
    /// reached and reports an error.
    fn poll_read_buf(
        &mut self,
        _cx: &mut std::task::Context<'_>,
        _buf: &mut bytes::BytesMut,
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this stream cannot read into uninitialised memory",
        )))
    }
}

/// Splits a stream that is a shared handle (a clone reads and writes the
/// same socket, as async-io's and async-std's streams do) into a clone that
/// reads and the original that writes: no lock between them.
pub fn split_shared<S>(stream: S) -> (BoxRead, BoxWrite)
where
    S: AsyncRead + AsyncWrite + Clone + Send + Unpin + 'static,
{
    (Box::new(PlainRead(stream.clone())), Box::new(stream))
}

/// A futures-io reader as a [`ReadIo`] that reads through ahttp's scratch
/// buffer (the default): what a runtime's [`Runtime::split_tcp`] wraps its
/// read half in when it has nothing better.
#[derive(Debug)]
pub struct PlainRead<S>(pub S);

impl<S: AsyncRead + Unpin> AsyncRead for PlainRead<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + Send + Unpin + 'static> ReadIo for PlainRead<S> {}
/// The writing half of a split stream.
pub type BoxWrite = Box<dyn AsyncWrite + Send + Unpin>;

/// Splits any stream into halves that share it behind a lock
/// (`futures::io::split`), the fallback of [`Runtime::split_tcp`] and
/// [`Io::split`].
pub fn split_with_lock<S>(stream: S) -> (BoxRead, BoxWrite)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (read, write) = futures_util::io::AsyncReadExt::split(stream);
    (Box::new(PlainRead(read)), Box::new(write))
}

/// An idle-stream check by a read attempt with a no-op waker: ready means
/// end of stream, an error, or unsolicited bytes, all of which make the
/// stream unfit for reuse. A byte read here is lost, which does not matter
/// since the stream is then closed.
pub fn read_probe_is_stale<S: AsyncRead + Unpin + ?Sized>(stream: &mut S) -> bool {
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut probe = [0u8; 1];
    std::pin::Pin::new(stream)
        .poll_read(&mut cx, &mut probe)
        .is_ready()
}

/// An idle-stream check by a non-blocking `recv(MSG_PEEK)` on the socket
/// itself (which must be in non-blocking mode, as every async runtime's
/// sockets are): "would block" means open and quiet; end of stream, bytes
/// or an error mean stale. Nothing is consumed and no readiness interest
/// is registered with the runtime.
#[cfg(unix)]
pub fn peek_is_stale<S: std::os::fd::AsFd>(stream: &S) -> bool {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    loop {
        match socket2::SockRef::from(stream).peek(&mut probe) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return e.kind() != io::ErrorKind::WouldBlock,
            Ok(_) => return true,
        }
    }
}

/// A byte stream ahttp can speak HTTP over.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// Whether this stream, idle in the pool, must not carry another
    /// request (see [`Runtime::tcp_is_stale`]). Never waits.
    fn is_stale(&mut self) -> bool {
        read_probe_is_stale(self)
    }

    /// Splits the stream into halves that one task can read from while
    /// others write; see [`Runtime::split_tcp`].
    fn split(self: Box<Self>) -> (BoxRead, BoxWrite) {
        split_with_lock(self)
    }

    /// Reads straight into `buf`'s reserved spare capacity where the
    /// stream can; `None` where it cannot (see
    /// [`Runtime::tcp_poll_read_buf`]).
    fn poll_read_buf(
        &mut self,
        _cx: &mut std::task::Context<'_>,
        _buf: &mut bytes::BytesMut,
    ) -> Option<std::task::Poll<io::Result<usize>>> {
        None
    }
}

/// A runtime's TCP stream as ahttp holds it: the stream and the runtime
/// that knows how to check it while idle.
pub(crate) struct TcpIo<R: Runtime> {
    pub rt: R,
    pub stream: R::TcpStream,
}

/// A runtime's Unix domain socket stream as ahttp holds it.
#[cfg(unix)]
pub(crate) struct UnixIo<R: Runtime> {
    pub rt: R,
    pub stream: R::UnixStream,
}

/// Forwards the futures-io traits of a stream wrapper to its `stream`,
/// and its [`Io`] methods to the runtime's hooks for that kind of stream.
macro_rules! forward_io {
    ($wrapper:ident, $is_stale:ident, $split:ident, $poll_read_buf:ident) => {
        impl<R: Runtime> Io for $wrapper<R> {
            fn is_stale(&mut self) -> bool {
                self.rt.$is_stale(&mut self.stream)
            }

            fn split(self: Box<Self>) -> (BoxRead, BoxWrite) {
                let $wrapper { rt, stream } = *self;
                rt.$split(stream)
            }

            fn poll_read_buf(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &mut bytes::BytesMut,
            ) -> Option<std::task::Poll<io::Result<usize>>> {
                self.rt.$poll_read_buf(&mut self.stream, cx, buf)
            }
        }

        impl<R: Runtime> AsyncRead for $wrapper<R> {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<io::Result<usize>> {
                std::pin::Pin::new(&mut self.stream).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [io::IoSliceMut<'_>],
            ) -> std::task::Poll<io::Result<usize>> {
                std::pin::Pin::new(&mut self.stream).poll_read_vectored(cx, bufs)
            }
        }

        impl<R: Runtime> AsyncWrite for $wrapper<R> {
            fn poll_write(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<io::Result<usize>> {
                std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> std::task::Poll<io::Result<usize>> {
                std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::pin::Pin::new(&mut self.stream).poll_flush(cx)
            }

            fn poll_close(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::pin::Pin::new(&mut self.stream).poll_close(cx)
            }
        }
    };
}

forward_io!(TcpIo, tcp_is_stale, split_tcp, tcp_poll_read_buf);
#[cfg(unix)]
forward_io!(UnixIo, unix_is_stale, split_unix, unix_poll_read_buf);

// The streams are `Unpin` and the runtime handle is never pinned.
impl<R: Runtime> Unpin for TcpIo<R> {}
#[cfg(unix)]
impl<R: Runtime> Unpin for UnixIo<R> {}

/// An in-memory stand-in, for a connection whose socket was handed on.
impl Io for futures_util::io::Cursor<Vec<u8>> {}

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
