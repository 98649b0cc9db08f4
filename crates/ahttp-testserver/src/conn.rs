//! Accepting connections and serving them with hyper, with the read side
//! tapped so that request heads are seen exactly as the client sent them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{oneshot, Notify};
use tokio_rustls::TlsAcceptor;

use crate::scan::{RawHead, RequestScanner, ScanEvent};
use crate::{RecordedRequest, TlsInfo};

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
    /// `"http"` or `"https"`, for absolute URLs in responses.
    pub(crate) scheme: &'static str,
    pub(crate) tls: TlsStats,
}

/// What a TLS server counts.
#[derive(Debug, Default)]
pub(crate) struct TlsStats {
    pub(crate) handshake_failures: AtomicUsize,
    pub(crate) handshake_errors: Mutex<Vec<String>>,
    pub(crate) close_notify: AtomicUsize,
    pub(crate) eof_without_close_notify: AtomicUsize,
}

/// How long a TLS connection is still read, after the server has sent its
/// own close_notify, for the client's close_notify or EOF.
const TLS_DRAIN: Duration = Duration::from_secs(5);

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
    /// The TLS session, on a TLS server.
    pub(crate) tls: Option<TlsInfo>,
    /// Whether the read side has ended (EOF or error) yet.
    read_ended: AtomicBool,
}

impl Conn {
    fn new(
        id: usize,
        peer: Option<SocketAddr>,
        shared: Arc<Shared>,
        tls: Option<TlsInfo>,
    ) -> Arc<Conn> {
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
            tls,
            read_ended: AtomicBool::new(false),
        })
    }

    /// Notes the end of the read side: `clean` for EOF (on TLS, tokio-rustls
    /// only reports EOF after a close_notify alert), else an error
    /// (`UnexpectedEof` on TLS when TCP closed without close_notify). Only
    /// the first end counts.
    fn read_end(&self, clean: bool, unexpected_eof: bool) {
        if self.read_ended.swap(true, Ordering::SeqCst) || self.tls.is_none() {
            return;
        }
        let stats = &self.shared.tls;
        if clean {
            stats.close_notify.fetch_add(1, Ordering::SeqCst);
        } else if unexpected_eof {
            stats
                .eof_without_close_notify
                .fetch_add(1, Ordering::SeqCst);
        }
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
        let had_room = buf.remaining() > 0;
        if let Err(e) = ready!(Pin::new(&mut self.inner).poll_read(cx, buf)) {
            self.conn
                .read_end(false, e.kind() == io::ErrorKind::UnexpectedEof);
            return Poll::Ready(Err(e));
        }
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            self.conn.observe(new);
        } else if had_room {
            self.conn.read_end(true, false);
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

/// Serves a connection over TLS: handshake, then the same as
/// [`serve_conn`], except that hyper does not close the stream. Once hyper
/// is done, a clean end sends close_notify and then reads on (for at most
/// [`TLS_DRAIN`]) so that the client's close_notify is seen even when the
/// server closed first; an error (a body cut off on purpose, a bad request,
/// a client gone without close_notify) drops the connection without
/// close_notify.
async fn serve_tls<S>(
    io: S,
    acceptor: TlsAcceptor,
    id: usize,
    peer: Option<SocketAddr>,
    shared: Arc<Shared>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let stream = match acceptor.accept(io).await {
        Ok(s) => s,
        Err(e) => {
            shared.tls.handshake_failures.fetch_add(1, Ordering::SeqCst);
            lock(&shared.tls.handshake_errors).push(e.to_string());
            return;
        }
    };
    let info = TlsInfo::from_session(stream.get_ref().1);
    let conn = Conn::new(id, peer, shared, Some(info));
    let tap = Tap {
        inner: stream,
        conn: conn.clone(),
    };
    let svc_conn = conn.clone();
    let svc = service_fn(move |req| {
        let conn = svc_conn.clone();
        // Boxed: `poll_without_shutdown` wants an `Unpin` future.
        Box::pin(async move { Ok::<_, Infallible>(crate::routes::handle(req, conn).await) })
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(conn.shared.options.keep_alive);
    let mut http = builder.serve_connection(TokioIo::new(tap), svc);
    let done = tokio::select! {
        r = std::future::poll_fn(|cx| http.poll_without_shutdown(cx)) => Some(r),
        _ = conn.idle_close.notified() => None,
    };
    let result = match done {
        Some(r) => r,
        None => {
            Pin::new(&mut http).graceful_shutdown();
            std::future::poll_fn(|cx| http.poll_without_shutdown(cx)).await
        }
    };
    if result.is_err() {
        return;
    }
    let mut io = http.into_parts().io.into_inner();
    if io.shutdown().await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(TLS_DRAIN, async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = io.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
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
    tls: Option<TlsAcceptor>,
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
                let shared = shared.clone();
                match (stream, &tls) {
                    (Stream::Tcp(s), None) => {
                        let _ = s.set_nodelay(true);
                        tokio::spawn(serve_conn(s, Conn::new(id, peer, shared, None)));
                    }
                    (Stream::Tcp(s), Some(acceptor)) => {
                        let _ = s.set_nodelay(true);
                        tokio::spawn(serve_tls(s, acceptor.clone(), id, peer, shared));
                    }
                    #[cfg(unix)]
                    (Stream::Unix(s), None) => {
                        tokio::spawn(serve_conn(s, Conn::new(id, peer, shared, None)));
                    }
                    #[cfg(unix)]
                    (Stream::Unix(s), Some(acceptor)) => {
                        tokio::spawn(serve_tls(s, acceptor.clone(), id, peer, shared));
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
