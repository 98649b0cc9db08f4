//! The receiving side of a [`ClientWebSocket`]: the reader, the receive
//! loop (decode, read, timers) and the [`Receive`] future that takes the
//! common case directly.

use super::*;

/// The receiving side, used by one task at a time.
pub(super) struct Reader {
    /// `None` once closed: the socket goes when both halves are dropped
    /// (closing the write half alone does not shut a socket down on every
    /// runtime).
    pub(super) io: Option<BoxRead>,
    /// The reader can fill uninitialised room ([`ReadIo::can_read_buf`]),
    /// asked once.
    ///
    /// [`ReadIo::can_read_buf`]: crate::runtime::ReadIo::can_read_buf
    pub(super) spare: bool,
    pub(super) buf: BytesMut,
    pub(super) scratch: ScratchRead,
    pub(super) inflate: Option<Decompressor>,
    /// The last decode ended a message and left `buf` empty: the codec is
    /// between messages, so the next receive can read before decoding
    /// (decoding nothing would only take the codec's lock).
    pub(super) between_messages: bool,
}

/// Where one read of the receive loop puts what it reads: straight into
/// the read buffer's spare capacity where the runtime's reader can fill
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
pub(super) struct StepState {
    /// Read before decoding: the buffer holds nothing the codec has not
    /// seen.
    read_first: bool,
    /// The codec's hint for the next read ([`MessageCodec::payload_wanted`]).
    wanted: Option<u64>,
}

impl StepState {
    /// At the start of a receive: read first when the last receive ended
    /// a message and left nothing buffered.
    pub(super) fn new(reader: &mut Reader) -> Self {
        StepState {
            read_first: std::mem::take(&mut reader.between_messages) && reader.buf.is_empty(),
            wanted: None,
        }
    }
}

/// What [`ClientWebSocket::poll_step`] stopped at.
pub(super) enum Step {
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

/// The most the reader reserves ahead for a frame announced as larger.
const MAX_RESERVE: usize = 4 << 20;

/// From this many bytes missing of a frame taken whole, reads go straight
/// into the read buffer instead of through the scratch buffer.
const DIRECT_READ_MIN: usize = 16 * 1024;

impl<R: Runtime> ClientWebSocket<R> {
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
        self.receive_from(reader, deadline, step_state, None).await
    }

    /// The receive loop with the reader taken; from where a direct
    /// [`Receive`] stopped, when it found a `first` step that needs the
    /// general loop.
    pub(super) async fn receive_from<G: std::ops::DerefMut<Target = Reader>>(
        &self,
        mut reader: G,
        deadline: Option<Instant>,
        step_state: StepState,
        first: Option<Step>,
    ) -> WsMessage {
        let message = self
            .receive_locked(&mut reader, deadline, step_state, first)
            .await;
        if self.closed() {
            reader.io = None;
        }
        message
    }

    /// Whether a receive with this timeout may go the direct way (see
    /// [`Receive`]): no deadline or heartbeat to race the read against,
    /// and not closed.
    pub(super) fn can_receive_directly(&self, timeout: Option<Duration>) -> bool {
        timeout.is_none() && self.shared.settings.heartbeat.is_none() && !self.closed()
    }

    /// What a step of the direct way ends with: a data message to hand
    /// out (the reader's state updated as the general loop would), or,
    /// as `Err`, the step for the general loop to go on from.
    #[inline(always)]
    pub(super) fn direct_message(
        &self,
        reader: &mut Reader,
        found: Step,
    ) -> std::result::Result<WsMessage, Step> {
        let message = match found {
            Step::Incoming(Incoming::Message(Message::Binary(data))) => WsMessage::Binary(data),
            Step::Incoming(Incoming::Message(Message::Text(text))) => self.text_message(text),
            other => return Err(other),
        };
        reader.between_messages = reader.buf.is_empty();
        if self.closed() {
            reader.io = None;
        }
        Ok(message)
    }

    /// A text message as the settings hand it out.
    pub(super) fn text_message(&self, text: String) -> WsMessage {
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
    pub(super) fn poll_step(
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
pub(super) struct Receive<'a, R: Runtime, F> {
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
    pub(super) fn new(ws: &'a ClientWebSocket<R>, timeout: Option<Duration>, finish: F) -> Self {
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
                    let reader = if ws.can_receive_directly(this.timeout) {
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
                    let found = ready!(ws.poll_step(reader, step, cx));
                    let message = match ws.direct_message(reader, found) {
                        Ok(message) => message,
                        Err(other) => {
                            // The reader and the step go on in the general
                            // loop.
                            if let ReceiveState::Direct { reader, step } =
                                std::mem::replace(&mut this.state, ReceiveState::Done)
                            {
                                this.state = ReceiveState::General(Box::pin(ws.receive_from(
                                    reader,
                                    None,
                                    step,
                                    Some(other),
                                )));
                            }
                            continue;
                        }
                    };
                    this.state = ReceiveState::Done;
                    return Poll::Ready((this.finish)(message));
                }
                ReceiveState::General(receive) => {
                    let message = ready!(receive.as_mut().poll(cx));
                    this.state = ReceiveState::Done;
                    return Poll::Ready((this.finish)(message));
                }
                // As an `async fn` does.
                ReceiveState::Done => panic!("a WebSocket receive polled after it completed"),
            }
        }
    }
}
