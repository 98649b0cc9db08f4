//! Accepting connections and serving them with hyper, with the read side
//! tapped so that request heads are seen exactly as the client sent them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{oneshot, Notify};

use crate::scan::{RawHead, RequestScanner, ScanEvent};
use crate::RecordedRequest;

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the
/// whole server down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Settings fixed when the server starts.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) keep_alive: bool,
}

/// State shared by the whole server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) accepted: AtomicUsize,
    pub(crate) log: Mutex<RequestLog>,
    /// Host used in URLs when a request has no Host header.
    pub(crate) default_host: String,
    pub(crate) options: Options,
}

/// The requests seen; `base` counts those forgotten by `clear_requests`,
/// so that an index handed out earlier stays valid.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    pub(crate) base: usize,
    pub(crate) items: Vec<RecordedRequest>,
}

impl RequestLog {
    /// Adds a request; returns its lasting index.
    pub(crate) fn push(&mut self, r: RecordedRequest) -> usize {
        self.items.push(r);
        self.base + self.items.len() - 1
    }

    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut RecordedRequest> {
        let i = index.checked_sub(self.base)?;
        self.items.get_mut(i)
    }

    pub(crate) fn clear(&mut self) {
        self.base += self.items.len();
        self.items.clear();
    }
}

#[derive(Debug)]
struct ScanState {
    scanner: RequestScanner,
    heads: VecDeque<RawHead>,
}

/// One accepted connection.
#[derive(Debug)]
pub(crate) struct Conn {
    /// 1-based, in accept order.
    pub(crate) id: usize,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) shared: Arc<Shared>,
    scan: Mutex<ScanState>,
    /// Number of reads that returned bytes, to tell whether it was idle.
    reads: AtomicUsize,
    /// Asks the connection to close once idle.
    pub(crate) idle_close: Notify,
}

impl Conn {
    fn new(id: usize, peer: Option<SocketAddr>, shared: Arc<Shared>) -> Arc<Conn> {
        Arc::new(Conn {
            id,
            peer,
            shared,
            scan: Mutex::new(ScanState {
                scanner: RequestScanner::new(),
                heads: VecDeque::new(),
            }),
            reads: AtomicUsize::new(0),
            idle_close: Notify::new(),
        })
    }

    fn observe(&self, mut data: &[u8]) {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let mut st = lock(&self.scan);
        loop {
            let (n, ev) = st.scanner.feed(data);
            data = &data[n..];
            match ev {
                Some(ScanEvent::Head(h)) => st.heads.push_back(h),
                Some(ScanEvent::End) => {}
                None => break,
            }
        }
    }

    pub(crate) fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    /// The raw head of the request hyper parsed as `method target`: heads
    /// are queued in arrival order, so it is normally the first one.
    pub(crate) fn take_head(&self, method: &str, target: &str) -> Option<RawHead> {
        let mut st = lock(&self.scan);
        while let Some(h) = st.heads.pop_front() {
            if h.method == method && h.target == target {
                return Some(h);
            }
        }
        None
    }
}

/// A stream whose reads are also fed to the connection's scanner.
struct Tap<S> {
    inner: S,
    conn: Arc<Conn>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            self.conn.observe(new);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn serve_conn<S>(io: S, conn: Arc<Conn>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let tap = Tap {
        inner: io,
        conn: conn.clone(),
    };
    let svc_conn = conn.clone();
    let svc = service_fn(move |req| {
        let conn = svc_conn.clone();
        async move { Ok::<_, Infallible>(crate::routes::handle(req, conn).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(conn.shared.options.keep_alive);
    let fut = builder.serve_connection(TokioIo::new(tap), svc);
    tokio::pin!(fut);
    tokio::select! {
        _ = fut.as_mut() => return,
        _ = conn.idle_close.notified() => {}
    }
    fut.as_mut().graceful_shutdown();
    let _ = fut.await;
}

/// A listener the server can accept from.
pub(crate) enum Listener {
    Tcp(tokio::net::TcpListener),
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
}

/// Accepts connections until `shutdown` fires (or its sender is dropped).
pub(crate) async fn accept_loop(
    listener: Listener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            r = accept(&listener) => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                let id = shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                let conn = Conn::new(id, peer, shared.clone());
                match stream {
                    Stream::Tcp(s) => {
                        let _ = s.set_nodelay(true);
                        tokio::spawn(serve_conn(s, conn));
                    }
                    #[cfg(unix)]
                    Stream::Unix(s) => {
                        tokio::spawn(serve_conn(s, conn));
                    }
                }
            }
            // Out of file descriptors and the like: back off a little.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

enum Stream {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

async fn accept(listener: &Listener) -> io::Result<(Stream, Option<SocketAddr>)> {
    match listener {
        Listener::Tcp(l) => {
            let (s, peer) = l.accept().await?;
            Ok((Stream::Tcp(s), Some(peer)))
        }
        #[cfg(unix)]
        Listener::Unix(l) => {
            let (s, _) = l.accept().await?;
            Ok((Stream::Unix(s), None))
        }
    }
}
