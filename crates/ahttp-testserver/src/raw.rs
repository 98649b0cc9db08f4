//! A raw TCP server that answers with canned bytes, for malformed-response,
//! disconnect and timeout tests.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::conn::lock;
use crate::scan::{RequestScanner, ScanEvent};

/// A handler for [`RawBehaviour::Custom`]: gets each accepted connection.
pub type RawHandler = Arc<dyn Fn(RawConn) -> BoxFuture<'static, ()> + Send + Sync>;

/// What a [`RawServer`] does with each connection it accepts.
///
/// "Waits for a request" means: reads until one whole request (head and
/// body, framed by Content-Length or chunked) has arrived. If the client
/// closes first, the connection is simply dropped.
#[derive(Clone)]
pub enum RawBehaviour {
    /// Waits for a request, writes the bytes, then closes (FIN).
    SendThenClose(Vec<u8>),
    /// Waits for a request, writes the bytes, then keeps the connection
    /// open, reading and discarding whatever comes, until the client closes
    /// or the server is dropped. Later requests get no answer.
    SendThenKeepOpen(Vec<u8>),
    /// Waits for a request, writes the bytes, waits 50 ms, then resets the
    /// connection (RST, by closing with `SO_LINGER` 0). A client that has
    /// not read the bytes by the time the RST arrives may lose them (Linux
    /// reports the reset first).
    SendThenReset(Vec<u8>),
    /// Answers every request on the connection with the same bytes
    /// (keep-alive), until the client closes.
    SendEach(Vec<u8>),
    /// Answers the requests on a connection in turn with these responses,
    /// then closes the connection after the last one.
    Sequence(Vec<Vec<u8>>),
    /// Waits for a request, writes the pieces with `delay` before each one
    /// after the first, then closes.
    Trickle {
        /// The pieces, written one at a time.
        pieces: Vec<Vec<u8>>,
        /// The pause before every piece but the first.
        delay: Duration,
    },
    /// Writes the bytes as soon as the connection is accepted, without
    /// waiting for a request, then closes.
    SendImmediatelyThenClose(Vec<u8>),
    /// Closes (FIN) as soon as the connection is accepted.
    CloseImmediately,
    /// Resets (RST) as soon as the connection is accepted.
    ResetImmediately,
    /// Reads and discards everything and never answers (for timeouts).
    Silent,
    /// Connection `i` (0-based, in accept order) gets behaviour `i`; the last
    /// one is used for every connection after.
    PerConnection(Vec<RawBehaviour>),
    /// Runs a handler of your own for each connection, on the server's
    /// runtime (tokio), so tokio I/O can be used in it whatever runtime the
    /// test itself uses. See [`RawServer::start_fn`].
    Custom(RawHandler),
}

impl std::fmt::Debug for RawBehaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawBehaviour::SendThenClose(b) => {
                f.debug_tuple("SendThenClose").field(&b.len()).finish()
            }
            RawBehaviour::SendThenKeepOpen(b) => {
                f.debug_tuple("SendThenKeepOpen").field(&b.len()).finish()
            }
            RawBehaviour::SendThenReset(b) => {
                f.debug_tuple("SendThenReset").field(&b.len()).finish()
            }
            RawBehaviour::SendEach(b) => f.debug_tuple("SendEach").field(&b.len()).finish(),
            RawBehaviour::Sequence(v) => f.debug_tuple("Sequence").field(&v.len()).finish(),
            RawBehaviour::Trickle { pieces, delay } => f
                .debug_struct("Trickle")
                .field("pieces", &pieces.len())
                .field("delay", delay)
                .finish(),
            RawBehaviour::SendImmediatelyThenClose(b) => f
                .debug_tuple("SendImmediatelyThenClose")
                .field(&b.len())
                .finish(),
            RawBehaviour::CloseImmediately => f.write_str("CloseImmediately"),
            RawBehaviour::ResetImmediately => f.write_str("ResetImmediately"),
            RawBehaviour::Silent => f.write_str("Silent"),
            RawBehaviour::PerConnection(v) => f.debug_tuple("PerConnection").field(v).finish(),
            RawBehaviour::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

#[derive(Debug, Default)]
struct RawShared {
    accepted: AtomicUsize,
    /// Bytes received, one entry per connection in accept order.
    received: Mutex<Vec<Vec<u8>>>,
}

/// One connection accepted by a [`RawServer`], handed to custom handlers.
/// Everything read through it is recorded in [`RawServer::received`].
pub struct RawConn {
    stream: TcpStream,
    /// 0-based index of this connection, in accept order.
    index: usize,
    peer: SocketAddr,
    scanner: RequestScanner,
    /// Bytes read but not yet given out by `read_request`.
    pending: Vec<u8>,
    shared: Arc<RawShared>,
}

impl std::fmt::Debug for RawConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawConn")
            .field("index", &self.index)
            .field("peer", &self.peer)
            .finish()
    }
}

impl RawConn {
    /// 0-based index of this connection, in accept order.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    fn record(&self, data: &[u8]) {
        if let Some(r) = lock(&self.shared.received).get_mut(self.index) {
            r.extend_from_slice(data);
        }
    }

    /// Reads some bytes (recorded); `Ok(0)` at end of stream.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.pending.is_empty() {
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        let n = self.stream.read(buf).await?;
        self.record(&buf[..n]);
        Ok(n)
    }

    /// Reads one whole request (head and body) and returns its bytes, or
    /// `None` if the client closed before a request was complete.
    pub async fn read_request(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut request = Vec::new();
        let mut saw_head = false;
        loop {
            while !self.pending.is_empty() {
                let (n, ev) = self.scanner.feed(&self.pending);
                request.extend_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                match ev {
                    Some(ScanEvent::Head(_)) => saw_head = true,
                    Some(ScanEvent::End) if saw_head => return Ok(Some(request)),
                    Some(ScanEvent::End) => {}
                    None if self.scanner.is_broken() => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "could not parse the request",
                        ))
                    }
                    None => {}
                }
            }
            // A request without body ends right after its head.
            if saw_head {
                if let (0, Some(ScanEvent::End)) = self.scanner.feed(&[]) {
                    return Ok(Some(request));
                }
            }
            let mut buf = vec![0u8; 16 * 1024];
            let n = self.stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            self.record(&buf[..n]);
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    /// Writes all of `data` and flushes.
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data).await?;
        self.stream.flush().await
    }

    /// Reads and discards (records) everything until the client closes.
    pub async fn drain(&mut self) {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = self.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    }

    /// Closes with a FIN: shuts down the write side, then reads and
    /// discards (records) for up to a second until the client closes too,
    /// so that unread input does not turn the close into a reset.
    pub async fn close(mut self) {
        let _ = self.stream.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.drain()).await;
    }

    /// Resets the connection: closes it with `SO_LINGER` 0 so the kernel
    /// sends RST instead of FIN.
    pub fn reset(self) {
        let _ = self.stream.set_zero_linger();
        drop(self.stream);
    }

    /// The underlying tokio stream (reads from it directly are not
    /// recorded).
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }
}

/// A TCP server on 127.0.0.1 that does exactly what a [`RawBehaviour`] says,
/// on its own thread and tokio runtime. Shuts down on drop.
///
/// ```
/// use ahttp_testserver::{RawBehaviour, RawServer};
/// let server = RawServer::start(RawBehaviour::SendThenClose(
///     b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\nshort".to_vec(),
/// ));
/// assert!(server.url("/").starts_with("http://127.0.0.1:"));
/// ```
#[derive(Debug)]
pub struct RawServer {
    addr: SocketAddr,
    shared: Arc<RawShared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Binds 127.0.0.1 on an ephemeral port and starts serving; returns
    /// once listening. Panics if the socket or runtime cannot be set up.
    pub fn start(behaviour: RawBehaviour) -> RawServer {
        let rt = crate::new_runtime();
        let bound = {
            let _guard = rt.enter();
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| {
                l.set_nonblocking(true)?;
                let l = TcpListener::from_std(l)?;
                let addr = l.local_addr()?;
                Ok((l, addr))
            })
        };
        let (listener, addr) = match bound {
            Ok(b) => b,
            Err(e) => {
                // Never drop a runtime here: the caller may be async.
                rt.shutdown_background();
                panic!("ahttp-testserver: cannot listen on 127.0.0.1: {e}");
            }
        };
        let shared = Arc::new(RawShared::default());
        let (tx, rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("ahttp-rawserver".into())
            .spawn(move || {
                rt.block_on(accept_loop(listener, behaviour, thread_shared, rx));
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .unwrap_or_else(|e| panic!("ahttp-testserver: cannot spawn thread: {e}"));
        RawServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Starts a server that runs `f` for each connection, on the server's
    /// tokio runtime.
    ///
    /// ```
    /// use ahttp_testserver::RawServer;
    /// let server = RawServer::start_fn(|mut conn| async move {
    ///     if let Ok(Some(_request)) = conn.read_request().await {
    ///         let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
    ///     }
    /// });
    /// # drop(server);
    /// ```
    pub fn start_fn<F, Fut>(f: F) -> RawServer
    where
        F: Fn(RawConn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        RawServer::start(RawBehaviour::Custom(Arc::new(move |c| Box::pin(f(c)))))
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/path` (a leading `/` on `path` is optional).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// How many TCP connections it has accepted.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Every byte received so far, one entry per connection in accept order.
    pub fn received(&self) -> Vec<Vec<u8>> {
        lock(&self.shared.received).clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    behaviour: RawBehaviour,
    shared: Arc<RawShared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            r = listener.accept() => r,
        };
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let index = shared.accepted.fetch_add(1, Ordering::SeqCst);
        lock(&shared.received).push(Vec::new());
        let conn = RawConn {
            stream,
            index,
            peer,
            scanner: RequestScanner::new(),
            pending: Vec::new(),
            shared: shared.clone(),
        };
        let behaviour = pick(&behaviour, index).clone();
        tokio::spawn(run(behaviour, conn));
    }
}

fn pick(b: &RawBehaviour, index: usize) -> &RawBehaviour {
    match b {
        RawBehaviour::PerConnection(list) if !list.is_empty() => {
            pick(&list[index.min(list.len() - 1)], index)
        }
        other => other,
    }
}

async fn run(behaviour: RawBehaviour, mut conn: RawConn) {
    match behaviour {
        RawBehaviour::SendThenClose(bytes) => {
            if let Ok(Some(_)) = conn.read_request().await {
                let _ = conn.write_all(&bytes).await;
                conn.close().await;
            }
        }
        RawBehaviour::SendThenKeepOpen(bytes) => {
            if let Ok(Some(_)) = conn.read_request().await {
                let _ = conn.write_all(&bytes).await;
                conn.drain().await;
            }
        }
        RawBehaviour::SendThenReset(bytes) => {
            if let Ok(Some(_)) = conn.read_request().await {
                let _ = conn.write_all(&bytes).await;
                // Give the bytes a moment to leave before the RST.
                tokio::time::sleep(Duration::from_millis(50)).await;
                conn.reset();
            }
        }
        RawBehaviour::SendEach(bytes) => {
            while let Ok(Some(_)) = conn.read_request().await {
                if conn.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
        RawBehaviour::Sequence(list) => {
            for bytes in list {
                match conn.read_request().await {
                    Ok(Some(_)) => {
                        if conn.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                    _ => return,
                }
            }
            conn.close().await;
        }
        RawBehaviour::Trickle { pieces, delay } => {
            if let Ok(Some(_)) = conn.read_request().await {
                for (i, p) in pieces.iter().enumerate() {
                    if i > 0 {
                        tokio::time::sleep(delay).await;
                    }
                    if conn.write_all(p).await.is_err() {
                        return;
                    }
                }
                conn.close().await;
            }
        }
        RawBehaviour::SendImmediatelyThenClose(bytes) => {
            let _ = conn.write_all(&bytes).await;
            conn.close().await;
        }
        RawBehaviour::CloseImmediately => conn.close().await,
        RawBehaviour::ResetImmediately => conn.reset(),
        RawBehaviour::Silent => conn.drain().await,
        RawBehaviour::PerConnection(_) => {}
        RawBehaviour::Custom(f) => f(conn).await,
    }
}
