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
//!
//! The receiving side (the reader, the receive loop and its direct
//! future) is [`receive`]'s, the sending side (the writer, frame encoding
//! and its direct future) [`send`]'s; this module holds what both share,
//! the close handshake and the `Stream`/`Sink` faces.

use crate::conn::{Connection, ScratchRead};
use crate::error::{Error, ErrorKind, ResponseParts, Result};
use crate::request::{IntoUrl, RequestBuilder, RequestUrl};
use crate::runtime::{BoxRead, BoxWrite, Runtime};
use crate::session::ClientSession;
use ahttp_proto::ws::deflate::{Compressor, Decompressor, DeflateConfig};
use ahttp_proto::ws::frame::{encode_frame_over, Opcode};
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

mod receive;
mod send;

use futures_util::lock::OwnedMutexGuard;
use receive::{Reader, Receive, StepState};
use send::Writer;

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
    /// In an `Arc` so that the `Stream` can hold it across polls without
    /// borrowing the handle (an owned guard).
    reader: Arc<AsyncMutex<Reader>>,
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
    /// The `Stream`'s receive in progress when it needs the general loop.
    /// In a mutex only so that the handle is `Sync` (the future is not);
    /// `poll_next` has `&mut self` and never blocks on it.
    next: Mutex<Option<ReceiveFuture>>,
    /// The `Stream`'s direct receive in progress (see [`Receive`]): the
    /// reader, held across polls, and where its step stands. Spares the
    /// boxed future of `next` for the usual message (callgrind, 1 KiB
    /// echo through the `Stream`: 3,711 instructions per round trip with a
    /// box per message, 3,375 without; 3,340 through `receive_bytes`).
    direct: Mutex<Option<(OwnedMutexGuard<Reader>, StepState)>>,
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
            reader: Arc::new(AsyncMutex::new(Reader {
                spare: read.can_read_buf(),
                io: Some(read),
                buf,
                scratch: ScratchRead::new(),
                inflate: deflate.map(|n| Decompressor::new(n, limit)),
                between_messages: false,
            })),
            writer: AsyncMutex::new(Writer {
                io: Some(write),
                buf: Vec::new(),
                end: 0,
                keys: send::MaskKeys::new(),
                written: 0,
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
            direct: Mutex::new(None),
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

    /// Sends a close frame (or the answer to the server's) under the write
    /// lock; false when one was already sent.
    async fn send_close(&self, code: Option<CloseCode>, reason: &str) -> Result<bool> {
        let mut writer = lock(&self.shared.writer).await;
        let writer = &mut *writer;
        // A data frame a dropped send left half written goes out first.
        self.finish_unfinished(writer).await?;
        {
            let mut codec = self.codec();
            let mut frame = BytesMut::new();
            match codec.close_state() {
                CloseState::Open => codec.encode(
                    &Message::Close(code.map(|c| (c, reason.to_owned()))),
                    writer.keys.next()?,
                    &mut frame,
                ),
                CloseState::CloseReceived => {
                    codec.encode_close_reply(writer.keys.next()?, &mut frame)
                }
                CloseState::CloseSent | CloseState::Closed => return Ok(false),
            }
            .map_err(|e| {
                Error::new(ErrorKind::Builder, "invalid close code or reason").with_source(e)
            })?;
            writer.load(&frame);
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
            // Nothing went out: the connection is as it was.
            Err(e) if e.kind() == &ErrorKind::Builder || send::is_random_source_error(&e) => {
                return Err(e)
            }
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
        let message = loop {
            let next = this.next.get_mut().unwrap_or_else(|p| p.into_inner());
            if let Some(future) = next.as_mut() {
                let message = ready!(future.as_mut().poll(cx));
                *next = None;
                break message;
            }
            match this.poll_direct(cx) {
                Poll::Ready(Some(message)) => break message,
                Poll::Ready(None) => {}
                Poll::Pending => return Poll::Pending,
            }
        };
        if message.is_close() || matches!(message, WsMessage::Error(_)) && this.closed() {
            this.ended = true;
        }
        Poll::Ready(Some(message))
    }
}

impl<R: Runtime> ClientWebSocket<R> {
    /// The `Stream`'s receive the direct way, as [`Receive`] does: with no
    /// receive timeout or heartbeat and the reader free, decode and read
    /// with the reader held across polls, and hand out data messages.
    /// `Ready(None)` when it cannot go that way or found something for the
    /// general loop, which is then in `next`.
    fn poll_direct(&mut self, cx: &mut Context<'_>) -> Poll<Option<WsMessage>> {
        // Taken out while polling (the handle's methods borrow it), put
        // back while the read waits.
        let held = self
            .direct
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let (mut reader, mut step) = match held {
            Some(held) => held,
            None => {
                let timeout = self.shared.settings.timeout.ws_receive;
                let reader = if self.can_receive_directly(timeout) {
                    self.shared.reader.try_lock_owned()
                } else {
                    None
                };
                let Some(mut reader) = reader else {
                    let handle = ClientWebSocket::handle(self.shared.clone());
                    self.set_next(Box::pin(async move { handle.receive().await }));
                    return Poll::Ready(None);
                };
                let step = StepState::new(&mut reader);
                (reader, step)
            }
        };
        let found = match self.poll_step(&mut reader, &mut step, cx) {
            Poll::Pending => {
                *self.direct.get_mut().unwrap_or_else(|p| p.into_inner()) = Some((reader, step));
                return Poll::Pending;
            }
            Poll::Ready(found) => found,
        };
        match self.direct_message(&mut reader, found) {
            Ok(message) => Poll::Ready(Some(message)),
            Err(other) => {
                let handle = ClientWebSocket::handle(self.shared.clone());
                self.set_next(Box::pin(async move {
                    handle.receive_from(reader, None, step, Some(other)).await
                }));
                Poll::Ready(None)
            }
        }
    }

    fn set_next(&mut self, future: ReceiveFuture) {
        *self.next.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(future);
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
