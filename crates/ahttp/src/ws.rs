//! The WebSocket client: [`ClientSession::ws_connect`] and
//! [`ClientWebSocket`], aiohttp's `ClientWebSocketResponse`.
//!
//! The protocol work (handshake headers and checks, frames, message
//! assembly, the close handshake, permessage-deflate) is
//! `ahttp_proto::ws`; this module moves its bytes over the connection the
//! handshake request upgraded, and adds what needs a clock: the receive and
//! close timeouts and the heartbeat.
//!
//! Concurrency: a `ClientWebSocket` is a cheap handle; clones share the
//! connection. Any number of tasks may send at once (each frame is written
//! whole, in the order the sends took the write lock); one task receives
//! at a time (a second waits for the first).

use crate::conn::{Connection, ScratchRead};
use crate::error::{Error, ErrorKind, ResponseParts, Result};
use crate::request::{IntoUrl, RequestBuilder, RequestUrl};
use crate::runtime::{BoxRead, BoxWrite, Runtime};
use crate::session::ClientSession;
use ahttp_proto::ws::deflate::{Compressor, Decompressor, DeflateConfig};
use ahttp_proto::ws::frame::{encode_frame, Opcode};
use ahttp_proto::ws::handshake::ClientHandshake;
use ahttp_proto::ws::message::{
    CloseCode, CloseState, Incoming, Message, MessageCodec, MessageKind, DEFAULT_MAX_MSG_SIZE,
};
use bytes::{Bytes, BytesMut};
use futures_util::future::{select, Either};
use futures_util::lock::Mutex as AsyncMutex;
use futures_util::{AsyncRead, AsyncWrite, AsyncWriteExt, Stream};
use http::Method;
use std::fmt;
use std::future::poll_fn;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

/// The WebSocket timeouts: aiohttp's `ClientWSTimeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientWSTimeout {
    /// How long `receive()` waits for a message; `None` (the default) is
    /// forever.
    pub ws_receive: Option<Duration>,
    /// How long `close()` waits for the server's close frame; 10 s by
    /// default.
    pub ws_close: Option<Duration>,
}

impl Default for ClientWSTimeout {
    fn default() -> Self {
        ClientWSTimeout {
            ws_receive: None,
            ws_close: Some(Duration::from_secs(10)),
        }
    }
}

/// What [`ClientWebSocket::receive`] hands out: aiohttp's `WSMessage`, one
/// variant per `WSMsgType`.
#[derive(Debug)]
pub enum WsMessage {
    /// A text message.
    Text(String),
    /// A text message left as bytes: what `decode_text(false)` gives
    /// instead of [`WsMessage::Text`] (aiohttp's TEXT with a bytes
    /// payload). The bytes are valid UTF-8 all the same: RFC 6455 has the
    /// client fail a connection that sends anything else, and it does.
    TextBytes(Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping (only seen with `autoping(false)`; otherwise answered inside).
    Ping(Bytes),
    /// A pong (only seen with `autoping(false)`).
    Pong(Bytes),
    /// The server's close frame: its code (`None` when it sent none) and
    /// reason.
    Close {
        /// The close code.
        code: Option<u16>,
        /// The reason text.
        reason: String,
    },
    /// The server's close arrived and the client has not answered it yet
    /// (`autoclose(false)`): call [`ClientWebSocket::close`].
    Closing,
    /// The connection is closed; nothing more will come.
    Closed,
    /// The connection failed; the error is also kept in
    /// [`ClientWebSocket::exception`].
    Error(Error),
}

impl WsMessage {
    /// Whether this message ends an `async for msg in ws` loop in aiohttp
    /// (CLOSE, CLOSING or CLOSED); the [`Stream`] ends after it.
    pub fn is_close(&self) -> bool {
        matches!(
            self,
            WsMessage::Close { .. } | WsMessage::Closing | WsMessage::Closed
        )
    }
}

/// The options of [`ClientSession::ws_connect`], aiohttp's keyword
/// arguments; [`WsConnectBuilder::connect`] performs the handshake.
pub struct WsConnectBuilder<R: Runtime> {
    request: RequestBuilder<R>,
    protocols: Vec<String>,
    timeout: ClientWSTimeout,
    autoclose: bool,
    autoping: bool,
    heartbeat: Option<Duration>,
    origin: Option<String>,
    max_msg_size: u64,
    compress: u8,
    decode_text: bool,
}

impl<R: Runtime> fmt::Debug for WsConnectBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsConnectBuilder")
            .field("protocols", &self.protocols)
            .field("compress", &self.compress)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> ClientSession<R> {
    /// Starts a WebSocket connection to a `ws://`, `wss://` (or `http://`,
    /// `https://`) URL. The handshake is an ordinary request through this
    /// session: its cookies, headers, auth, proxy, TLS settings, connector
    /// (Unix sockets included) and timeouts apply.
    pub fn ws_connect(&self, url: impl IntoUrl) -> WsConnectBuilder<R> {
        // ws and wss become http and https (all four are "special" schemes,
        // so set_scheme cannot fail); a relative URL stays text for the
        // session's base_url.
        let to_http = |mut parsed: url::Url| {
            let scheme = match parsed.scheme() {
                "ws" => Some("http"),
                "wss" => Some("https"),
                _ => None,
            };
            if let Some(scheme) = scheme {
                let _ = parsed.set_scheme(scheme);
            }
            parsed
        };
        let http_url = match url.into_request_url() {
            RequestUrl::Parsed(parsed) => RequestUrl::Parsed(to_http(parsed)),
            RequestUrl::Text(text) => match url::Url::parse(&text) {
                Ok(parsed) => RequestUrl::Parsed(to_http(parsed)),
                Err(_) => RequestUrl::Text(text),
            },
        };
        WsConnectBuilder {
            request: RequestBuilder::new(self.clone(), Method::GET, http_url)
                .read_until_eof(false)
                .websocket_handshake(),
            protocols: Vec::new(),
            timeout: ClientWSTimeout::default(),
            autoclose: true,
            autoping: true,
            heartbeat: None,
            origin: None,
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            compress: 0,
            decode_text: true,
        }
    }
}

impl<R: Runtime> WsConnectBuilder<R> {
    fn map_request(mut self, f: impl FnOnce(RequestBuilder<R>) -> RequestBuilder<R>) -> Self {
        self.request = f(self.request);
        self
    }

    /// The handshake method (GET by default).
    pub fn method(self, method: Method) -> Self {
        self.map_request(|r| r.method(method))
    }

    /// Subprotocols to offer, in order of preference.
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The receive and close timeouts.
    pub fn timeout(mut self, timeout: ClientWSTimeout) -> Self {
        self.timeout = timeout;
        self
    }

    /// The handshake's HTTP timeouts (the session's by default).
    pub fn handshake_timeout(self, timeout: crate::ClientTimeout) -> Self {
        self.map_request(|r| r.timeout(timeout))
    }

    /// Answer the server's close frame inside `receive()` (default true).
    pub fn autoclose(mut self, on: bool) -> Self {
        self.autoclose = on;
        self
    }

    /// Answer pings inside `receive()` and hide pongs (default true).
    pub fn autoping(mut self, on: bool) -> Self {
        self.autoping = on;
        self
    }

    /// Send a ping after `interval` without received data, and close with
    /// 1006 and a timeout error when no pong follows within `interval / 2`.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = Some(interval);
        self
    }

    /// The `Origin` header.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Query parameters, as [`RequestBuilder::params`].
    pub fn params<I, K, V>(self, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.map_request(|r| r.params(params))
    }

    /// One more handshake header.
    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<[u8]>) -> Self {
        self.map_request(|r| r.header(name, value))
    }

    /// More handshake headers.
    pub fn headers(self, headers: &http::HeaderMap) -> Self {
        self.map_request(|r| r.headers(headers))
    }

    /// Basic credentials for the handshake.
    pub fn auth(self, auth: crate::BasicAuth) -> Self {
        self.map_request(|r| r.auth(auth))
    }

    /// The proxy to go through (an HTTP proxy tunnels with CONNECT).
    pub fn proxy(self, proxy: crate::Proxy) -> Self {
        self.map_request(|r| r.proxy(proxy))
    }

    /// TLS verification for `wss://`.
    pub fn ssl(self, ssl: crate::Ssl) -> Self {
        self.map_request(|r| r.ssl(ssl))
    }

    /// The name to verify the certificate against and send as SNI.
    pub fn server_hostname(self, name: impl Into<String>) -> Self {
        self.map_request(|r| r.server_hostname(name))
    }

    /// The largest message accepted, in bytes (default 4 MiB; 0: none).
    /// Bigger messages close the connection with 1009.
    pub fn max_msg_size(mut self, limit: u64) -> Self {
        self.max_msg_size = limit;
        self
    }

    /// Offer permessage-deflate with this window size (9 to 15); 0 (the
    /// default) offers nothing.
    pub fn compress(mut self, window_bits: u8) -> Self {
        self.compress = window_bits;
        self
    }

    /// Whether text messages come out as [`WsMessage::Text`] (`true`, the
    /// default) or as [`WsMessage::TextBytes`] (`false`), for code that
    /// only forwards them.
    pub fn decode_text(mut self, on: bool) -> Self {
        self.decode_text = on;
        self
    }

    /// Performs the handshake. [`ErrorKind::WsServerHandshake`] when the
    /// server does not answer 101 with a valid accept, protocol and
    /// extension.
    pub async fn connect(self) -> Result<ClientWebSocket<R>> {
        let deflate = DeflateConfig::from_compress(self.compress).map_err(|e| {
            Error::new(ErrorKind::Builder, "compress must be 0 or 9 to 15").with_source(e)
        })?;
        let mut key = [0u8; 16];
        fastrand::fill(&mut key);
        let mut handshake = ClientHandshake::new(key)
            .protocols(self.protocols.iter().cloned())
            .deflate(deflate);
        if let Some(origin) = &self.origin {
            handshake = handshake.origin(origin.clone());
        }
        let headers = handshake.request_headers().map_err(|e| {
            Error::new(ErrorKind::Builder, "invalid WebSocket handshake option").with_source(e)
        })?;
        let mut request = self.request;
        for (name, value) in headers {
            // The caller's own Sec-WebSocket-Version (or others) win.
            if !request.has_header(name) {
                request = request.header(name, value);
            }
        }
        let session = request.session().clone();
        let mut response = request.send().await?;
        let refuse = |response: &crate::ClientResponse<R>, message: String| {
            Error::new(
                ErrorKind::WsServerHandshake {
                    status: response.status().as_u16(),
                },
                message,
            )
            .with_response(ResponseParts {
                status: response.status(),
                reason: response.reason().to_owned(),
                headers: response.headers().clone(),
                body: Bytes::new(),
                history: response.history().iter().map(|r| r.url().clone()).collect(),
            })
        };
        let accepted =
            match handshake.validate_response(response.status().as_u16(), response.raw_headers()) {
                Ok(accepted) => accepted,
                Err(e) => {
                    let error = refuse(&response, format!("WebSocket handshake refused: {e}"));
                    response.release().await;
                    return Err(error.with_source(e));
                }
            };
        let Some(conn) = response.take_upgraded() else {
            return Err(refuse(&response, "no connection to upgrade".into()));
        };
        Ok(ClientWebSocket::new(
            session,
            conn,
            accepted.protocol,
            accepted.deflate.as_ref(),
            Settings {
                timeout: self.timeout,
                autoclose: self.autoclose,
                autoping: self.autoping,
                heartbeat: self.heartbeat,
                max_msg_size: self.max_msg_size,
                decode_text: self.decode_text,
            },
        ))
    }
}

struct Settings {
    timeout: ClientWSTimeout,
    autoclose: bool,
    autoping: bool,
    heartbeat: Option<Duration>,
    max_msg_size: u64,
    decode_text: bool,
}

/// The receiving side, used by one task at a time.
struct Reader {
    /// `None` once closed: the socket goes when both halves are dropped
    /// (closing the write half alone does not shut a socket down on every
    /// runtime).
    io: Option<BoxRead>,
    /// The reader can fill uninitialised room ([`ReadIo::can_read_buf`]),
    /// asked once.
    ///
    /// [`ReadIo::can_read_buf`]: crate::runtime::ReadIo::can_read_buf
    spare: bool,
    buf: BytesMut,
    scratch: ScratchRead,
    inflate: Option<Decompressor>,
    /// The last decode ended a message and left `buf` empty: the codec is
    /// between messages, so the next receive can read before decoding
    /// (decoding nothing would only take the codec's lock).
    between_messages: bool,
}

/// Where one read of the receive loop puts what it reads: straight into the read
/// buffer's spare capacity where the runtime's reader can fill
/// uninitialised memory ([`ReadIo::can_read_buf`]); otherwise through the
/// scratch buffer, or, for a large frame the codec takes whole, straight
/// into zero-filled room at the end of the read buffer (zeroed once for
/// all its reads: one pass over the frame fewer than copying from the
/// scratch buffer).
///
/// Dropping it, also when a receive is cancelled in the middle of a read,
/// cuts the read buffer back to the bytes that really arrived: a
/// cancelled receive loses nothing and leaves no zeros behind.
///
/// [`ReadIo::can_read_buf`]: crate::runtime::ReadIo::can_read_buf
struct ReadInto<'a> {
    buf: &'a mut BytesMut,
    scratch: &'a mut ScratchRead,
    start: usize,
    filled: usize,
    mode: ReadMode,
}

#[derive(Clone, Copy)]
enum ReadMode {
    /// Through the scratch buffer; any read completes it.
    Scratch,
    /// Into zero-filled room of this size at the end of the buffer.
    Zeroed { want: usize },
    /// Into the buffer's spare capacity; complete after `want` bytes when
    /// set (a large frame taken whole), else after any read.
    Spare { want: Option<usize> },
}

impl<'a> ReadInto<'a> {
    /// `wanted`: the bytes the codec waits for to complete a frame it
    /// takes whole; that room is reserved at once rather than grown by
    /// doubling (bounded: the length is the peer's word). `spare`: the
    /// reader can fill uninitialised room.
    #[inline]
    fn new(
        buf: &'a mut BytesMut,
        scratch: &'a mut ScratchRead,
        wanted: Option<u64>,
        spare: bool,
    ) -> Self {
        let wanted = wanted.map(|m| usize::try_from(m).unwrap_or(usize::MAX).min(MAX_RESERVE));
        let large = wanted.filter(|&want| want >= DIRECT_READ_MIN);
        let start = buf.len();
        let mode = match (spare, large, wanted) {
            (true, _, _) => {
                let room = wanted.unwrap_or(0).max(scratch.read_size());
                if buf.capacity() - start < room {
                    buf.reserve(room);
                }
                ReadMode::Spare { want: large }
            }
            (false, Some(want), _) => {
                buf.resize(start + want, 0);
                ReadMode::Zeroed { want }
            }
            (false, None, Some(want)) => {
                buf.reserve(want);
                ReadMode::Scratch
            }
            (false, None, None) => ReadMode::Scratch,
        };
        ReadInto {
            buf,
            scratch,
            start,
            filled: 0,
            mode,
        }
    }

    /// Reads once from `io` into the room.
    #[inline]
    fn poll_read(
        &mut self,
        io: &mut BoxRead,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<usize>> {
        match self.mode {
            ReadMode::Spare { .. } => io.poll_read_buf(cx, self.buf),
            ReadMode::Zeroed { want } => {
                let room = &mut self.buf[self.start + self.filled..self.start + want];
                Pin::new(io).poll_read(cx, room)
            }
            ReadMode::Scratch => Pin::new(io).poll_read(cx, self.scratch.room()),
        }
    }

    /// `n` bytes were read into the room; true when the read is complete
    /// (false: more of a large frame is still to come).
    #[inline]
    fn arrived(&mut self, n: usize) -> bool {
        self.filled += n;
        match self.mode {
            ReadMode::Spare { want } => {
                self.scratch.record(n);
                want.is_none_or(|want| self.filled >= want)
            }
            ReadMode::Zeroed { want } => self.filled >= want,
            ReadMode::Scratch => {
                self.scratch.commit(n, self.buf);
                true
            }
        }
    }
}

impl Drop for ReadInto<'_> {
    fn drop(&mut self) {
        if let ReadMode::Zeroed { .. } = self.mode {
            self.buf.truncate(self.start + self.filled);
        }
    }
}

/// Where the receive loop stands between polls.
struct StepState {
    /// Read before decoding: the buffer holds nothing the codec has not
    /// seen.
    read_first: bool,
    /// The codec's hint for the next read ([`MessageCodec::payload_wanted`]).
    wanted: Option<u64>,
}

impl StepState {
    /// At the start of a receive: read first when the last receive ended
    /// a message and left nothing buffered.
    fn new(reader: &mut Reader) -> Self {
        StepState {
            read_first: std::mem::take(&mut reader.between_messages) && reader.buf.is_empty(),
            wanted: None,
        }
    }
}

/// What [`ClientWebSocket::poll_step`] stopped at.
enum Step {
    /// A message (or a compressed one to inflate).
    Incoming(Incoming),
    /// The codec waits for this many bytes of a large frame.
    LargeFrame(u64),
    /// The deadline or the heartbeat's timer fired.
    Timer,
    /// The server broke the protocol.
    Protocol(ahttp_proto::Error),
    /// The server closed the connection.
    Eof,
    /// Reading failed.
    Io(std::io::Error),
    /// The connection was shut down.
    Closed,
}

/// The sending side: frames are encoded and written under this lock, so
/// compressed messages go out in the order their compressor saw them.
struct Writer {
    /// `None` once closed.
    io: Option<BoxWrite>,
    buf: BytesMut,
    deflate: Option<Compressor>,
}

impl Writer {
    /// Writes the buffer from `written` on, then flushes: write_all and
    /// flush in one poll function, as a frame usually goes out in one
    /// poll.
    #[inline]
    fn poll_write_out(&mut self, written: &mut usize, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let Some(io) = self.io.as_mut() else {
            return Poll::Ready(Err(closed_error()));
        };
        let frame = &self.buf[..];
        let result = loop {
            if *written == frame.len() {
                break ready!(Pin::new(&mut *io).poll_flush(cx));
            }
            match ready!(Pin::new(&mut *io).poll_write(cx, &frame[*written..])) {
                Ok(0) => break Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => *written += n,
                Err(e) => break Err(e),
            }
        };
        Poll::Ready(result.map_err(|e| crate::conn::io_error(e, "writing a WebSocket frame")))
    }
}

/// What every handle sees.
#[derive(Default)]
struct Status {
    close_code: Option<u16>,
    exception: Option<(ErrorKind, String)>,
    /// When data last arrived (heartbeat).
    last_received: Option<Instant>,
    /// When the heartbeat ping went out, until a pong or data answers it.
    ping_sent: Option<Instant>,
}

struct Shared<R: Runtime> {
    rt: R,
    _session: ClientSession<R>,
    protocol: Option<String>,
    compress: u8,
    settings: Settings,
    codec: Mutex<MessageCodec>,
    /// Set once when the connection shuts down; read on every receive
    /// step, so it is an atomic rather than part of `status`.
    closed: AtomicBool,
    /// Set once the codec's close state leaves `Open` (a close frame was
    /// sent or received): data and control frames are refused from then
    /// on. Kept beside the codec so that a send does not take its lock.
    closing: AtomicBool,
    reader: AsyncMutex<Reader>,
    writer: AsyncMutex<Writer>,
    status: Mutex<Status>,
    /// Holds the connector's slot (its limit counts open WebSockets, as in
    /// aiohttp) until the last handle goes.
    _slot: Mutex<Box<Connection>>,
}

/// An open WebSocket: aiohttp's `ClientWebSocketResponse`.
///
/// Clones are handles to the same connection (send from several tasks,
/// receive from one). It is also a [`Stream`] of [`WsMessage`]s that ends
/// after a close, like `async for msg in ws`, and a
/// [`Sink`](futures_util::Sink) of them.
pub struct ClientWebSocket<R: Runtime> {
    shared: Arc<Shared<R>>,
    /// The `Stream`'s receive in progress. In a mutex only so that the
    /// handle is `Sync` (the future is not); `poll_next` has `&mut self`
    /// and never blocks on it.
    next: Mutex<Option<ReceiveFuture>>,
    ended: bool,
    /// The `Sink`'s send (or close) in progress, as `next` for the stream.
    sending: Mutex<Option<SendFuture>>,
    /// The `Sink` was closed: its close handshake has been started.
    sink_closed: bool,
}

type ReceiveFuture = Pin<Box<dyn Future<Output = WsMessage> + Send>>;
type SendFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

impl<R: Runtime> Clone for ClientWebSocket<R> {
    fn clone(&self) -> Self {
        ClientWebSocket::handle(self.shared.clone())
    }
}

impl<R: Runtime> fmt::Debug for ClientWebSocket<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientWebSocket")
            .field("protocol", &self.shared.protocol)
            .field("compress", &self.shared.compress)
            .field("closed", &self.closed())
            .finish_non_exhaustive()
    }
}

/// The most the reader reserves ahead for a frame announced as larger.
const MAX_RESERVE: usize = 4 << 20;

/// From this many bytes missing of a frame taken whole, reads go straight
/// into the read buffer instead of through the scratch buffer.
const DIRECT_READ_MIN: usize = 16 * 1024;

/// Takes an async lock, without building a lock future when it is free
/// (the usual case: one reader, and senders that rarely overlap). The
/// future's registration and its removal were about 80 instructions of a
/// 1 KiB echo round trip (callgrind).
async fn lock<T>(mutex: &AsyncMutex<T>) -> futures_util::lock::MutexGuard<'_, T> {
    match mutex.try_lock() {
        Some(guard) => guard,
        None => mutex.lock().await,
    }
}

fn mask_key() -> [u8; 4] {
    fastrand::u32(..).to_ne_bytes()
}

fn ws_error(e: ahttp_proto::Error) -> Error {
    let code = CloseCode::for_error(&e).unwrap_or(CloseCode::PROTOCOL_ERROR);
    Error::new(
        ErrorKind::WebSocket {
            close_code: code.as_u16(),
        },
        "the server broke the WebSocket protocol",
    )
    .with_source(e)
}

fn closed_error() -> Error {
    Error::new(
        ErrorKind::ConnectionReset,
        "cannot write to a closing WebSocket",
    )
}

impl<R: Runtime> ClientWebSocket<R> {
    fn new(
        session: ClientSession<R>,
        mut conn: Box<Connection>,
        protocol: Option<String>,
        deflate: Option<&ahttp_proto::ws::deflate::Negotiated>,
        settings: Settings,
    ) -> Self {
        let io = std::mem::replace(
            &mut conn.io,
            Box::new(futures_util::io::Cursor::new(Vec::new())),
        );
        let buf = std::mem::take(&mut conn.read_buf);
        let (read, write) = io.split();
        let limit = (settings.max_msg_size != 0).then_some(settings.max_msg_size);
        let codec = MessageCodec::new()
            .with_max_msg_size(settings.max_msg_size)
            .with_permessage_deflate(deflate.is_some());
        let rt = session.inner.rt.clone();
        let now = rt.now();
        ClientWebSocket::handle(Arc::new(Shared {
            rt,
            _session: session,
            protocol,
            compress: deflate.map_or(0, |n| n.client_window_bits),
            codec: Mutex::new(codec),
            closed: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            reader: AsyncMutex::new(Reader {
                spare: read.can_read_buf(),
                io: Some(read),
                buf,
                scratch: ScratchRead::new(),
                inflate: deflate.map(|n| Decompressor::new(n, limit)),
                between_messages: false,
            }),
            writer: AsyncMutex::new(Writer {
                io: Some(write),
                buf: BytesMut::new(),
                deflate: deflate.map(Compressor::new),
            }),
            status: Mutex::new(Status {
                last_received: Some(now),
                ..Status::default()
            }),
            settings,
            _slot: Mutex::new(conn),
        }))
    }

    /// A fresh handle on the shared connection, with no stream or sink
    /// operation in progress.
    fn handle(shared: Arc<Shared<R>>) -> Self {
        ClientWebSocket {
            shared,
            next: Mutex::new(None),
            ended: false,
            sending: Mutex::new(None),
            sink_closed: false,
        }
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.shared.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn codec(&self) -> std::sync::MutexGuard<'_, MessageCodec> {
        self.shared.codec.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The subprotocol the server chose, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// The negotiated permessage-deflate window bits of our compressor; 0
    /// when compression is off.
    pub fn compress(&self) -> u8 {
        self.shared.compress
    }

    /// Whether the connection is closed.
    pub fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// The close code: the server's, or 1006 after a failure; `None`
    /// while open.
    pub fn close_code(&self) -> Option<u16> {
        self.status().close_code
    }

    /// The error that closed the connection, if one did.
    pub fn exception(&self) -> Option<Error> {
        self.status()
            .exception
            .clone()
            .map(|(kind, message)| Error::new(kind, message))
    }

    // ------------------------------------------------------------------
    // Sending
    // ------------------------------------------------------------------

    /// Sends a text message, compressed when permessage-deflate is on.
    pub fn send_str<'a>(&'a self, text: &'a str) -> impl Future<Output = Result<()>> + Send + 'a {
        self.send_frame(text.as_bytes(), MessageKind::Text, None)
    }

    /// Sends a binary message, compressed when permessage-deflate is on.
    pub fn send_bytes<'a>(
        &'a self,
        data: &'a [u8],
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        self.send_frame(data, MessageKind::Binary, None)
    }

    /// Sends `value` as JSON in a text message.
    pub async fn send_json<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| Error::new(ErrorKind::Json, "cannot encode JSON").with_source(e))?;
        self.send_str(&text).await
    }

    /// Sends one data message as one frame. `compress`: `None` follows the
    /// negotiated setting, `Some(false)` sends this message uncompressed,
    /// `Some(true)` compresses it (only when permessage-deflate was
    /// negotiated).
    pub fn send_frame<'a>(
        &'a self,
        data: &'a [u8],
        kind: MessageKind,
        compress: Option<bool>,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        SendFrame {
            ws: self,
            data,
            kind,
            compress,
            state: SendState::Start,
        }
    }

    /// [`send_frame`](Self::send_frame) when the writer is busy: waits
    /// for it.
    async fn send_frame_general(
        &self,
        data: &[u8],
        kind: MessageKind,
        compress: Option<bool>,
    ) -> Result<()> {
        let mut writer = lock(&self.shared.writer).await;
        self.encode_data(&mut writer, data, kind, compress)?;
        self.write(&mut writer).await
    }

    /// Encodes one data message as one frame into the writer's buffer.
    fn encode_data(
        &self,
        writer: &mut Writer,
        data: &[u8],
        kind: MessageKind,
        compress: Option<bool>,
    ) -> Result<()> {
        writer.buf.clear();
        let use_deflate = writer.deflate.is_some() && compress != Some(false);
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        let compressed;
        // RSV1 marks a compressed message (RFC 7692).
        let (payload, rsv1) = if use_deflate {
            let deflate = writer.deflate.as_mut().expect("checked above");
            compressed = deflate.compress_message(data).map_err(ws_error)?;
            (&compressed[..], true)
        } else {
            (data, false)
        };
        encode_frame(
            kind.opcode(),
            true,
            rsv1,
            payload,
            mask_key(),
            &mut writer.buf,
        )
        .map_err(ws_error)
    }

    /// Sends any message: data, ping, pong or close (what the [`Sink`]
    /// implementation does). `Closing`, `Closed` and `Error` are not
    /// messages one can send: [`ErrorKind::Builder`].
    ///
    /// [`Sink`]: futures_util::Sink
    pub async fn send_message(&self, message: WsMessage) -> Result<()> {
        match message {
            WsMessage::Text(text) => self.send_str(&text).await,
            WsMessage::TextBytes(data) => self.send_frame(&data, MessageKind::Text, None).await,
            WsMessage::Binary(data) => self.send_bytes(&data).await,
            WsMessage::Ping(data) => self.ping(&data).await,
            WsMessage::Pong(data) => self.pong(&data).await,
            WsMessage::Close { code, reason } => self
                .close(code.unwrap_or(CloseCode::OK.as_u16()), &reason)
                .await
                .map(drop),
            other => Err(Error::new(
                ErrorKind::Builder,
                format!("{other:?} is not a message one can send"),
            )),
        }
    }

    /// Sends a ping (at most 125 bytes).
    pub async fn ping(&self, data: &[u8]) -> Result<()> {
        self.send_control(Opcode::Ping, data).await
    }

    /// Sends a pong (at most 125 bytes).
    pub async fn pong(&self, data: &[u8]) -> Result<()> {
        self.send_control(Opcode::Pong, data).await
    }

    async fn send_control(&self, opcode: Opcode, data: &[u8]) -> Result<()> {
        let mut writer = lock(&self.shared.writer).await;
        let writer = &mut *writer;
        writer.buf.clear();
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        encode_frame(opcode, true, false, data, mask_key(), &mut writer.buf).map_err(|e| {
            Error::new(
                ErrorKind::Builder,
                "a control frame carries at most 125 bytes",
            )
            .with_source(e)
        })?;
        self.write(writer).await
    }

    async fn write(&self, writer: &mut Writer) -> Result<()> {
        let mut written = 0;
        poll_fn(|cx| writer.poll_write_out(&mut written, cx)).await
    }

    /// Sends a close frame (or the answer to the server's) under the write
    /// lock; false when one was already sent.
    async fn send_close(&self, code: Option<CloseCode>, reason: &str) -> Result<bool> {
        let mut writer = lock(&self.shared.writer).await;
        let writer = &mut *writer;
        writer.buf.clear();
        {
            let mut codec = self.codec();
            match codec.close_state() {
                CloseState::Open => codec.encode(
                    &Message::Close(code.map(|c| (c, reason.to_owned()))),
                    mask_key(),
                    &mut writer.buf,
                ),
                CloseState::CloseReceived => codec.encode_close_reply(mask_key(), &mut writer.buf),
                CloseState::CloseSent | CloseState::Closed => return Ok(false),
            }
            .map_err(|e| {
                Error::new(ErrorKind::Builder, "invalid close code or reason").with_source(e)
            })?;
            self.shared.closing.store(true, Ordering::Release);
        }
        self.write(writer).await?;
        Ok(true)
    }

    async fn shutdown(&self) {
        let mut writer = lock(&self.shared.writer).await;
        if let Some(mut io) = writer.io.take() {
            let _ = io.close().await;
        }
        self.shared.closed.store(true, Ordering::Release);
        // The read half goes now unless a receive holds it; that receive
        // drops it on its way out.
        if let Some(mut reader) = self.shared.reader.try_lock() {
            reader.io = None;
        }
    }

    /// Closes with `code` (1000 in aiohttp's default) and `message`:
    /// sends the close frame, waits up to `ws_close` for the server's, and
    /// shuts the connection down. False when it was already closed.
    pub async fn close(&self, code: u16, message: &str) -> Result<bool> {
        if self.closed() {
            return Ok(false);
        }
        let code = CloseCode::new(code);
        match self.send_close(Some(code), message).await {
            Ok(_) => {}
            Err(e) if e.kind() == &ErrorKind::Builder => return Err(e),
            Err(_) => {
                self.fail(
                    ErrorKind::ConnectionReset,
                    "the connection broke while closing",
                );
                self.shutdown().await;
                return Ok(true);
            }
        }
        if self.codec().close_state() != CloseState::Closed {
            // Wait for the server's close frame.
            let deadline = self
                .shared
                .settings
                .timeout
                .ws_close
                .map(|d| self.shared.rt.now() + d);
            let wait = async {
                loop {
                    match Receive::new(self, None, std::convert::identity).await {
                        WsMessage::Close { .. } | WsMessage::Closed | WsMessage::Error(_) => break,
                        _ => {}
                    }
                    if self.codec().close_state() == CloseState::Closed {
                        break;
                    }
                }
            };
            let wait = pin!(wait);
            match deadline {
                None => wait.await,
                Some(at) => {
                    if let Either::Right(_) = select(wait, self.shared.rt.sleep_until(at)).await {
                        self.status().close_code = Some(CloseCode::ABNORMAL_CLOSURE.as_u16());
                    }
                }
            }
        }
        {
            let mut status = self.status();
            if status.close_code.is_none() {
                status.close_code = Some(code.as_u16());
            }
        }
        self.shutdown().await;
        Ok(true)
    }

    fn fail(&self, kind: ErrorKind, message: &str) {
        let mut status = self.status();
        status.close_code = Some(CloseCode::ABNORMAL_CLOSURE.as_u16());
        status.exception = Some((kind, message.to_owned()));
    }

    // ------------------------------------------------------------------
    // Receiving
    // ------------------------------------------------------------------

    /// The next message, waiting up to the `ws_receive` timeout. Pings
    /// are answered and pongs dropped inside when `autoping`; the server's
    /// close is answered when `autoclose`. A timeout gives
    /// `WsMessage::Error` with [`ErrorKind::SocketTimeout`] and leaves the
    /// connection open.
    ///
    /// Cancel-safe: dropping the future (in `select!`, under an outside
    /// timeout) loses no message; bytes that arrived stay buffered for the
    /// next receive. (A pong owed to a ping received just before may go
    /// unsent.)
    pub fn receive(&self) -> impl Future<Output = WsMessage> + Send + '_ {
        Receive::new(
            self,
            self.shared.settings.timeout.ws_receive,
            std::convert::identity,
        )
    }

    /// [`receive`](Self::receive) with its own timeout.
    pub fn receive_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = WsMessage> + Send + '_ {
        Receive::new(self, Some(timeout), std::convert::identity)
    }

    /// The next message, which must be text ([`ErrorKind::WsMessageType`]
    /// otherwise).
    pub fn receive_str(&self) -> impl Future<Output = Result<String>> + Send + '_ {
        // (The receive itself applies the conversion: no layer on top.)
        let timeout = self.shared.settings.timeout.ws_receive;
        Receive::new(self, timeout, |message| match message {
            WsMessage::Text(text) => Ok(text),
            WsMessage::TextBytes(data) => {
                Ok(String::from_utf8(data.into()).expect("checked when the message arrived"))
            }
            WsMessage::Error(e) => Err(e),
            other => Err(type_error("text", &other)),
        })
    }

    /// The next message, which must be binary.
    pub fn receive_bytes(&self) -> impl Future<Output = Result<Bytes>> + Send + '_ {
        let timeout = self.shared.settings.timeout.ws_receive;
        Receive::new(self, timeout, |message| match message {
            WsMessage::Binary(data) => Ok(data),
            WsMessage::Error(e) => Err(e),
            other => Err(type_error("binary", &other)),
        })
    }

    /// The next message, a text message parsed as JSON.
    pub async fn receive_json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let text = self.receive_str().await?;
        serde_json::from_str(&text).map_err(|e| {
            Error::new(ErrorKind::Json, "the message is not valid JSON").with_source(e)
        })
    }

    /// The general receive: waits for the reader, then runs the receive
    /// loop. (A [`Receive`] that cannot go the direct way.)
    async fn receive_general(&self, deadline: Option<Instant>) -> WsMessage {
        if self.closed() {
            return WsMessage::Closed;
        }
        let mut reader = lock(&self.shared.reader).await;
        let step_state = StepState::new(&mut reader);
        let message = self
            .receive_locked(&mut reader, deadline, step_state, None)
            .await;
        if self.closed() {
            reader.io = None;
        }
        message
    }

    /// The receive loop, from where a direct [`Receive`] stopped: it
    /// found `first`, which needs the general loop.
    async fn receive_from(
        &self,
        mut reader: futures_util::lock::MutexGuard<'_, Reader>,
        deadline: Option<Instant>,
        step_state: StepState,
        first: Step,
    ) -> WsMessage {
        let message = self
            .receive_locked(&mut reader, deadline, step_state, Some(first))
            .await;
        if self.closed() {
            reader.io = None;
        }
        message
    }

    /// A text message as the settings hand it out.
    fn text_message(&self, text: String) -> WsMessage {
        if self.shared.settings.decode_text {
            WsMessage::Text(text)
        } else {
            WsMessage::TextBytes(Bytes::from(text.into_bytes()))
        }
    }

    /// The receive loop. `first`: a step already taken, to handle before
    /// polling for the next.
    async fn receive_locked(
        &self,
        reader: &mut Reader,
        deadline: Option<Instant>,
        mut step_state: StepState,
        mut first: Option<Step>,
    ) -> WsMessage {
        loop {
            // Decoding and reading are one poll function, raced against a
            // timer only when there is a deadline or a heartbeat.
            let step = match (first.take(), self.wake_at(deadline)) {
                (Some(step), _) => step,
                (None, None) => poll_fn(|cx| self.poll_step(reader, &mut step_state, cx)).await,
                (None, Some(at)) => {
                    let mut timer = self.shared.rt.sleep_until(at);
                    poll_fn(|cx| match self.poll_step(reader, &mut step_state, cx) {
                        Poll::Pending => Pin::new(&mut timer).poll(cx).map(|_| Step::Timer),
                        ready => ready,
                    })
                    .await
                }
            };
            let incoming = match step {
                Step::Incoming(incoming) => incoming,
                Step::LargeFrame(wanted) => match self.read_large(reader, deadline, wanted).await {
                    Ok(()) => {
                        step_state.read_first = false;
                        continue;
                    }
                    Err(message) => return message,
                },
                Step::Timer => match self.on_timer(deadline).await {
                    Ok(()) => continue,
                    Err(message) => return message,
                },
                Step::Protocol(e) => return self.protocol_failure(e).await,
                Step::Eof => return self.server_gone().await,
                Step::Io(e) => return self.read_failed(e).await,
                Step::Closed => return WsMessage::Closed,
            };
            let message = match incoming {
                Incoming::Message(message) => message,
                Incoming::Compressed { kind, payload } => {
                    let inflated = match reader.inflate.as_mut() {
                        Some(inflate) => inflate.decompress_message(&payload),
                        None => Err(ahttp_proto::Error::new(ahttp_proto::ErrorKind::WsProtocol(
                            "compressed message without deflate",
                        ))),
                    };
                    match inflated.and_then(|data| Message::from_data(kind, data)) {
                        Ok(message) => message,
                        Err(e) => return self.protocol_failure(e).await,
                    }
                }
            };
            reader.between_messages = reader.buf.is_empty();
            step_state = StepState {
                read_first: reader.between_messages,
                wanted: None,
            };
            // (The heartbeat's ping_sent was cleared when these bytes
            // arrived.)
            match message {
                Message::Text(text) => return self.text_message(text),
                Message::Binary(data) => return WsMessage::Binary(data),
                Message::Ping(data) => {
                    if self.shared.settings.autoping {
                        // A failed pong shows up on the next read.
                        let _ = self.pong(&data).await;
                        continue;
                    }
                    return WsMessage::Ping(data);
                }
                Message::Pong(data) => {
                    if self.shared.settings.autoping {
                        continue;
                    }
                    return WsMessage::Pong(data);
                }
                Message::Close(close) => {
                    let (code, reason) = match close {
                        Some((code, reason)) => (Some(code.as_u16()), reason),
                        None => (None, String::new()),
                    };
                    {
                        let mut status = self.status();
                        status.close_code = Some(code.unwrap_or(CloseCode::OK.as_u16()));
                    }
                    let answered = self.codec().close_state() == CloseState::Closed;
                    if answered {
                        // The answer to our own close: done.
                        self.shutdown().await;
                    } else if self.shared.settings.autoclose {
                        let _ = self.send_close(None, "").await;
                        self.shutdown().await;
                    }
                    return WsMessage::Close { code, reason };
                }
            }
        }
    }

    /// One poll of the receive loop: decodes what is buffered and reads
    /// when the codec needs more, until the codec yields something or the
    /// read would wait. A frame the codec takes whole and that is large
    /// enough to read straight into the buffer is left to
    /// [`read_large`](Self::read_large).
    #[inline(always)]
    fn poll_step(
        &self,
        reader: &mut Reader,
        state: &mut StepState,
        cx: &mut Context<'_>,
    ) -> Poll<Step> {
        loop {
            if self.closed() {
                return Poll::Ready(Step::Closed);
            }
            if !state.read_first {
                let (decoded, wanted) = self.decode(&mut reader.buf);
                match decoded {
                    Ok(None) => {}
                    Ok(Some(incoming)) => return Poll::Ready(Step::Incoming(incoming)),
                    Err(e) => return Poll::Ready(Step::Protocol(e)),
                }
                if let Some(large) = wanted.filter(|&w| w >= DIRECT_READ_MIN as u64) {
                    return Poll::Ready(Step::LargeFrame(large));
                }
                *state = StepState {
                    read_first: true,
                    wanted,
                };
            }
            let Reader {
                io,
                spare,
                buf,
                scratch,
                ..
            } = &mut *reader;
            let Some(io) = io.as_mut() else {
                return Poll::Ready(Step::Closed);
            };
            // Below DIRECT_READ_MIN any read completes the room.
            let mut into = ReadInto::new(buf, scratch, state.wanted, *spare);
            match ready!(into.poll_read(io, cx)) {
                Ok(0) => return Poll::Ready(Step::Eof),
                Ok(n) => {
                    into.arrived(n);
                    self.data_arrived();
                    state.read_first = false;
                }
                Err(e) => return Poll::Ready(Step::Io(e)),
            }
        }
    }

    /// Decodes under the codec's lock; with nothing complete, also says
    /// how many bytes the frame in progress still wants (if taken whole).
    #[inline(always)]
    fn decode(
        &self,
        buf: &mut BytesMut,
    ) -> (
        std::result::Result<Option<Incoming>, ahttp_proto::Error>,
        Option<u64>,
    ) {
        let mut codec = self.codec();
        let decoded = codec.decode(buf);
        let wanted = match decoded {
            Ok(None) => codec.payload_wanted(buf.len()),
            _ => None,
        };
        if codec.close_state() != CloseState::Open {
            self.shared.closing.store(true, Ordering::Release);
        }
        (decoded, wanted)
    }

    /// When the receive must wake up without data: the deadline or the
    /// heartbeat's next step, whichever comes first.
    fn wake_at(&self, deadline: Option<Instant>) -> Option<Instant> {
        let heartbeat_at = self.shared.settings.heartbeat.and_then(|interval| {
            let status = self.status();
            match status.ping_sent {
                Some(sent) => Some(sent + interval / 2),
                None => status.last_received.map(|at| at + interval),
            }
        });
        match (deadline, heartbeat_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The timer of [`wake_at`](Self::wake_at) fired: the receive timeout,
    /// or the heartbeat's ping, or its missing pong. `Err` carries the
    /// message to hand out; `Ok` means: go on receiving.
    async fn on_timer(&self, deadline: Option<Instant>) -> std::result::Result<(), WsMessage> {
        let now = self.shared.rt.now();
        if deadline.is_some_and(|d| now >= d) {
            return Err(WsMessage::Error(Error::new(
                ErrorKind::SocketTimeout,
                "no WebSocket message within the receive timeout",
            )));
        }
        let Some(interval) = self.shared.settings.heartbeat else {
            return Ok(());
        };
        let (ping_sent, last_received) = {
            let status = self.status();
            (status.ping_sent, status.last_received)
        };
        match ping_sent {
            // Data that arrived since the timer was set restarted the wait.
            None if last_received.is_some_and(|at| now < at + interval) => {}
            None => {
                self.status().ping_sent = Some(now);
                let _ = self.ping(b"").await;
            }
            Some(sent) if now >= sent + interval / 2 => {
                let message = format!("no PONG received after {:?}", interval / 2);
                self.fail(ErrorKind::SocketTimeout, &message);
                self.shutdown().await;
                return Err(WsMessage::Error(Error::new(
                    ErrorKind::SocketTimeout,
                    message,
                )));
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The server went away without a close handshake.
    async fn server_gone(&self) -> WsMessage {
        {
            let mut status = self.status();
            if status.close_code.is_none() {
                status.close_code = Some(CloseCode::ABNORMAL_CLOSURE.as_u16());
            }
        }
        self.shutdown().await;
        WsMessage::Closed
    }

    /// Reading failed: the connection is done.
    async fn read_failed(&self, e: std::io::Error) -> WsMessage {
        let error = crate::conn::io_error(e, "reading a WebSocket frame");
        self.fail(error.kind().clone(), &error.to_string());
        self.shutdown().await;
        WsMessage::Error(error)
    }

    /// Reads the rest of a large frame the codec takes whole
    /// (`wanted` bytes, [`MessageCodec::payload_wanted`]) into room
    /// reserved (or zero-filled) once, minding the deadline and the
    /// heartbeat. `Err` carries the message to hand out instead.
    async fn read_large(
        &self,
        reader: &mut Reader,
        deadline: Option<Instant>,
        wanted: u64,
    ) -> std::result::Result<(), WsMessage> {
        let Reader {
            io,
            spare,
            buf,
            scratch,
            ..
        } = reader;
        let mut into = ReadInto::new(buf, scratch, Some(wanted), *spare);
        loop {
            if self.closed() {
                return Err(WsMessage::Closed);
            }
            let Some(io) = io.as_mut() else {
                return Err(WsMessage::Closed);
            };
            let read = {
                let read = pin!(std::future::poll_fn(|cx| into.poll_read(io, cx)));
                match self.wake_at(deadline) {
                    None => Some(read.await),
                    Some(at) => match select(read, self.shared.rt.sleep_until(at)).await {
                        Either::Left((n, _)) => Some(n),
                        Either::Right(_) => None,
                    },
                }
            };
            match read {
                Some(Ok(0)) => return Err(self.server_gone().await),
                Some(Ok(n)) => {
                    self.data_arrived();
                    if into.arrived(n) {
                        return Ok(());
                    }
                }
                Some(Err(e)) => return Err(self.read_failed(e).await),
                None => self.on_timer(deadline).await?,
            }
        }
    }

    /// Bytes came in: the heartbeat starts over.
    #[inline]
    fn data_arrived(&self) {
        if self.shared.settings.heartbeat.is_some() {
            let mut status = self.status();
            status.last_received = Some(self.shared.rt.now());
            status.ping_sent = None;
        }
    }

    /// The server broke the protocol: close with the matching code, keep
    /// the error, hand it out.
    async fn protocol_failure(&self, e: ahttp_proto::Error) -> WsMessage {
        let error = ws_error(e);
        let code = match error.kind() {
            ErrorKind::WebSocket { close_code } => CloseCode::new(*close_code),
            _ => CloseCode::PROTOCOL_ERROR,
        };
        let _ = self.send_close(Some(code), "").await;
        {
            let mut status = self.status();
            status.close_code = Some(code.as_u16());
            status.exception = Some((error.kind().clone(), error.to_string()));
        }
        self.shutdown().await;
        WsMessage::Error(error)
    }
}

/// The future of a receive ([`ClientWebSocket::receive`] and the ones
/// built on it).
///
/// The common case (no receive timeout or heartbeat, the reader free, a
/// data message next) is polled directly: take the reader, decode, read,
/// hand the message out, without the nested state machines of the general
/// `async` receive loop, which takes over for everything else (waiting for
/// the reader, timers, control frames, compressed messages, errors, the
/// close). With the inlined decode and read steps it took a 1 KiB echo
/// round trip on tokio from 3,817 to 3,374 user-space instructions
/// (callgrind; docs/benchmarks.md).
///
/// `finish` turns the message into the caller's output (a typed receive's
/// check, the identity for [`ClientWebSocket::receive`]).
struct Receive<'a, R: Runtime, F> {
    ws: &'a ClientWebSocket<R>,
    /// The receive timeout, started at the first poll.
    timeout: Option<Duration>,
    state: ReceiveState<'a>,
    finish: F,
}

type GeneralReceive<'a> = Pin<Box<dyn Future<Output = WsMessage> + Send + 'a>>;

enum ReceiveState<'a> {
    Start,
    Direct {
        reader: futures_util::lock::MutexGuard<'a, Reader>,
        step: StepState,
    },
    General(GeneralReceive<'a>),
    Done,
}

impl<'a, R: Runtime, F: FnMut(WsMessage) -> T + Unpin, T> Receive<'a, R, F> {
    fn new(ws: &'a ClientWebSocket<R>, timeout: Option<Duration>, finish: F) -> Self {
        Receive {
            ws,
            timeout,
            state: ReceiveState::Start,
            finish,
        }
    }
}

impl<R: Runtime, F: FnMut(WsMessage) -> T + Unpin, T> Future for Receive<'_, R, F> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let ws = this.ws;
        loop {
            match &mut this.state {
                ReceiveState::Start => {
                    let deadline = this.timeout.map(|d| ws.shared.rt.now() + d);
                    let direct = deadline.is_none() && ws.shared.settings.heartbeat.is_none();
                    let reader = if direct && !ws.closed() {
                        ws.shared.reader.try_lock()
                    } else {
                        None
                    };
                    this.state = match reader {
                        Some(mut reader) => ReceiveState::Direct {
                            step: StepState::new(&mut reader),
                            reader,
                        },
                        None => ReceiveState::General(Box::pin(ws.receive_general(deadline))),
                    };
                }
                ReceiveState::Direct { reader, step } => {
                    let message = match ready!(ws.poll_step(reader, step, cx)) {
                        Step::Incoming(Incoming::Message(Message::Binary(data))) => {
                            WsMessage::Binary(data)
                        }
                        Step::Incoming(Incoming::Message(Message::Text(text))) => {
                            ws.text_message(text)
                        }
                        other => {
                            let ReceiveState::Direct { reader, step } =
                                std::mem::replace(&mut this.state, ReceiveState::Done)
                            else {
                                return Poll::Ready((this.finish)(WsMessage::Closed));
                            };
                            this.state = ReceiveState::General(Box::pin(
                                ws.receive_from(reader, None, step, other),
                            ));
                            continue;
                        }
                    };
                    reader.between_messages = reader.buf.is_empty();
                    if ws.closed() {
                        reader.io = None;
                    }
                    this.state = ReceiveState::Done;
                    return Poll::Ready((this.finish)(message));
                }
                ReceiveState::General(receive) => {
                    let message = ready!(receive.as_mut().poll(cx));
                    this.state = ReceiveState::Done;
                    return Poll::Ready((this.finish)(message));
                }
                // Polled after completion: there is nothing more.
                ReceiveState::Done => return Poll::Ready((this.finish)(WsMessage::Closed)),
            }
        }
    }
}

/// The future of [`ClientWebSocket::send_frame`] (and of the sends built
/// on it): with the writer free, as it usually is, it encodes and writes
/// the frame directly; otherwise it waits for the writer in an `async`
/// block. (The direct way spares the nested state machines of
/// `async fn`s; see [`Receive`].)
struct SendFrame<'a, R: Runtime> {
    ws: &'a ClientWebSocket<R>,
    data: &'a [u8],
    kind: MessageKind,
    compress: Option<bool>,
    state: SendState<'a>,
}

type GeneralSend<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

enum SendState<'a> {
    Start,
    Writing {
        writer: futures_util::lock::MutexGuard<'a, Writer>,
        written: usize,
    },
    General(GeneralSend<'a>),
    Done,
}

impl<R: Runtime> Future for SendFrame<'_, R> {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        let ws = this.ws;
        loop {
            match &mut this.state {
                SendState::Start => match ws.shared.writer.try_lock() {
                    Some(mut writer) => {
                        if let Err(e) =
                            ws.encode_data(&mut writer, this.data, this.kind, this.compress)
                        {
                            this.state = SendState::Done;
                            return Poll::Ready(Err(e));
                        }
                        this.state = SendState::Writing { writer, written: 0 };
                    }
                    None => {
                        this.state = SendState::General(Box::pin(ws.send_frame_general(
                            this.data,
                            this.kind,
                            this.compress,
                        )))
                    }
                },
                SendState::Writing { writer, written } => {
                    let result = ready!(writer.poll_write_out(written, cx));
                    this.state = SendState::Done;
                    return Poll::Ready(result);
                }
                SendState::General(send) => {
                    let result = ready!(send.as_mut().poll(cx));
                    this.state = SendState::Done;
                    return Poll::Ready(result);
                }
                // Polled after completion: the frame went out already.
                SendState::Done => return Poll::Ready(Ok(())),
            }
        }
    }
}

fn type_error(expected: &str, got: &WsMessage) -> Error {
    Error::new(
        ErrorKind::WsMessageType,
        format!("expected a {expected} message, got {got:?}"),
    )
}

impl<R: Runtime> Stream for ClientWebSocket<R> {
    type Item = WsMessage;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WsMessage>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        let next = this.next.get_mut().unwrap_or_else(|p| p.into_inner());
        let future = next.get_or_insert_with(|| {
            let handle = ClientWebSocket::handle(this.shared.clone());
            Box::pin(async move { handle.receive().await })
        });
        let message = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(message) => message,
        };
        *next = None;
        if message.is_close() || matches!(message, WsMessage::Error(_)) && self.closed() {
            self.ended = true;
        }
        Poll::Ready(Some(message))
    }
}

impl<R: Runtime> ClientWebSocket<R> {
    /// Drives the `Sink`'s send in progress, if any, to its end.
    fn poll_sending(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let sending = self.sending.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(future) = sending.as_mut() {
            let result = std::task::ready!(future.as_mut().poll(cx));
            *sending = None;
            result?;
        }
        Poll::Ready(Ok(()))
    }
}

/// Sending through [`futures_util::SinkExt`]: each item goes out as
/// [`send_message`](ClientWebSocket::send_message) sends it, one at a
/// time (`poll_ready` waits for the previous one; every send is flushed).
/// Closing the sink runs the close handshake with code 1000.
impl<R: Runtime> futures_util::Sink<WsMessage> for ClientWebSocket<R> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_sending(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, message: WsMessage) -> Result<()> {
        let handle = ClientWebSocket::handle(self.shared.clone());
        *self.sending.get_mut().unwrap_or_else(|p| p.into_inner()) =
            Some(Box::pin(async move { handle.send_message(message).await }));
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_sending(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        std::task::ready!(self.poll_sending(cx))?;
        if !self.sink_closed {
            self.sink_closed = true;
            let handle = ClientWebSocket::handle(self.shared.clone());
            *self.sending.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(Box::pin(
                async move { handle.close(1000, "").await.map(drop) },
            ));
        }
        self.poll_sending(cx)
    }
}
