//! The sending side of a [`ClientWebSocket`]: the writer, data and
//! control frames, and the [`SendFrame`] future that encodes and writes
//! directly when the writer is free.

use super::*;

/// The sending side: frames are encoded and written under this lock, so
/// compressed messages go out in the order their compressor saw them.
///
/// `buf[written..end]` is what has not gone out yet of the last frame
/// encoded. A send dropped in the middle (under `select!` or a timeout)
/// leaves it there, and the next holder of the lock writes it before a
/// frame of its own: the connection never carries half a frame, and a
/// compressed message the compressor has seen always reaches the peer.
///
/// `buf` keeps its length from frame to frame (the bytes past `end` are a
/// previous frame's): a frame is encoded over them with
/// [`encode_frame_over`], each payload byte masked as it is copied, with
/// no second pass and, once the buffer has grown to the frames' size, no
/// zero-fill.
pub(super) struct Writer {
    /// `None` once closed.
    pub(super) io: Option<BoxWrite>,
    pub(super) buf: Vec<u8>,
    pub(super) end: usize,
    pub(super) written: usize,
    pub(super) deflate: Option<Compressor>,
    pub(super) keys: MaskKeys,
}

/// Mask keys for the frames a writer sends, from the operating system's
/// random source: RFC 6455 (section 5.3) wants them unpredictable,
/// "derived from a strong source of entropy", which a fast seeded
/// generator such as aiohttp's Mersenne Twister is not. They are fetched
/// 256 at a time (1 KiB), so a frame costs a load instead of a system call.
/// (A process that forks with a batch half used would repeat its rest in
/// the child; a WebSocket is not something to share across a fork.)
pub(super) struct MaskKeys {
    keys: [[u8; 4]; 256],
    next: usize,
}

impl MaskKeys {
    pub(super) fn new() -> MaskKeys {
        MaskKeys {
            keys: [[0; 4]; 256],
            next: 256,
        }
    }

    /// The next key; an error (see [`is_random_source_error`]) only when
    /// the random source fails.
    #[inline]
    pub(super) fn next(&mut self) -> Result<[u8; 4]> {
        if self.next >= self.keys.len() {
            self.refill()?;
        }
        let key = self.keys[self.next];
        self.next += 1;
        Ok(key)
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> Result<()> {
        getrandom::fill(self.keys.as_flattened_mut()).map_err(random_source_error)?;
        self.next = 0;
        Ok(())
    }
}

fn random_source_error(e: getrandom::Error) -> Error {
    Error::new(
        ErrorKind::Os,
        "no random mask key: the random source failed",
    )
    .with_source(e)
}

/// Whether `error` is [`MaskKeys::next`]'s: nothing was sent and the
/// connection is as it was.
pub(super) fn is_random_source_error(error: &Error) -> bool {
    std::error::Error::source(error).is_some_and(|s| s.is::<getrandom::Error>())
}

impl Writer {
    /// Writes the rest of the frame, then flushes (write_all and flush in
    /// one poll function, as a frame usually goes out in one poll); done,
    /// the buffer is free for the next frame.
    #[inline]
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let Some(io) = self.io.as_mut() else {
            return Poll::Ready(Err(closed_error()));
        };
        let result = loop {
            if self.written == self.end {
                break ready!(Pin::new(&mut *io).poll_flush(cx));
            }
            match ready!(Pin::new(&mut *io).poll_write(cx, &self.buf[self.written..self.end])) {
                Ok(0) => break Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) => break Err(e),
            }
        };
        if result.is_ok() {
            self.end = 0;
            self.written = 0;
        }
        Poll::Ready(result.map_err(|e| crate::conn::io_error(e, "writing a WebSocket frame")))
    }

    /// Writes what a dropped send left unwritten of its frame, if anything,
    /// so that a new frame can be encoded.
    #[inline]
    fn poll_unfinished(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.written < self.end {
            self.poll_write_out(cx)
        } else {
            self.end = 0;
            self.written = 0;
            Poll::Ready(Ok(()))
        }
    }

    /// Encodes one frame masked with `key` as the next to write (the
    /// buffer is free: [`poll_unfinished`](Self::poll_unfinished) ran).
    #[inline]
    fn encode(
        &mut self,
        opcode: Opcode,
        rsv1: bool,
        payload: &[u8],
        key: [u8; 4],
        map_err: impl FnOnce(ahttp_proto::Error) -> Error,
    ) -> Result<()> {
        debug_assert_eq!(self.written, self.end, "a frame is still to go out");
        self.end =
            encode_frame_over(opcode, true, rsv1, payload, key, &mut self.buf).map_err(map_err)?;
        Ok(())
    }

    /// Makes `frame`, encoded elsewhere, the next to write (the buffer is
    /// free).
    pub(super) fn load(&mut self, frame: &[u8]) {
        debug_assert_eq!(self.written, self.end, "a frame is still to go out");
        if self.buf.len() < frame.len() {
            self.buf.resize(frame.len(), 0);
        }
        self.buf[..frame.len()].copy_from_slice(frame);
        self.end = frame.len();
    }
}

impl<R: Runtime> ClientWebSocket<R> {
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
    ///
    /// Dropping a send (in `select!`, under a timeout) never leaves half a
    /// frame on the connection: a send dropped before it took the writer
    /// sends nothing; one dropped after it encoded its frame leaves the
    /// frame to go out, whole, ahead of the next frame any send or close
    /// writes. (So a message whose send was cancelled may still arrive.)
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
        self.finish_unfinished(&mut writer).await?;
        self.encode_data(&mut writer, data, kind, compress)?;
        self.write(&mut writer).await
    }

    /// Encodes one data message as one frame into the writer's buffer,
    /// which [`Writer::poll_unfinished`] has emptied.
    fn encode_data(
        &self,
        writer: &mut Writer,
        data: &[u8],
        kind: MessageKind,
        compress: Option<bool>,
    ) -> Result<()> {
        let use_deflate = writer.deflate.is_some() && compress != Some(false);
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        // The key first: once the compressor has seen the message, the
        // message must go out (its context takes it in).
        let key = writer.keys.next()?;
        let compressed;
        // RSV1 marks a compressed message (RFC 7692).
        let (payload, rsv1) = if use_deflate {
            let deflate = writer.deflate.as_mut().expect("checked above");
            compressed = deflate.compress_message(data).map_err(ws_error)?;
            (&compressed[..], true)
        } else {
            (data, false)
        };
        writer.encode(kind.opcode(), rsv1, payload, key, ws_error)
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
        self.finish_unfinished(writer).await?;
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        let key = writer.keys.next()?;
        writer.encode(opcode, false, data, key, |e| {
            Error::new(
                ErrorKind::Builder,
                "a control frame carries at most 125 bytes",
            )
            .with_source(e)
        })?;
        self.write(writer).await
    }

    /// Writes the frame in the writer's buffer and flushes.
    pub(super) async fn write(&self, writer: &mut Writer) -> Result<()> {
        poll_fn(|cx| writer.poll_write_out(cx)).await
    }

    /// Writes the rest of a frame a dropped send left behind, if any, and
    /// empties the buffer for the next one.
    pub(super) async fn finish_unfinished(&self, writer: &mut Writer) -> Result<()> {
        poll_fn(|cx| writer.poll_unfinished(cx)).await
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
    /// The writer is ours; `encoded` once this send's frame is in its
    /// buffer (after what a dropped send left there went out).
    Writing {
        writer: futures_util::lock::MutexGuard<'a, Writer>,
        encoded: bool,
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
                    Some(writer) => {
                        this.state = SendState::Writing {
                            writer,
                            encoded: false,
                        };
                    }
                    None => {
                        this.state = SendState::General(Box::pin(ws.send_frame_general(
                            this.data,
                            this.kind,
                            this.compress,
                        )))
                    }
                },
                SendState::Writing { writer, encoded } => {
                    if !*encoded {
                        let ready = match ready!(writer.poll_unfinished(cx)) {
                            Ok(()) => ws.encode_data(writer, this.data, this.kind, this.compress),
                            Err(e) => Err(e),
                        };
                        if let Err(e) = ready {
                            this.state = SendState::Done;
                            return Poll::Ready(Err(e));
                        }
                        *encoded = true;
                    }
                    let result = ready!(writer.poll_write_out(cx));
                    this.state = SendState::Done;
                    return Poll::Ready(result);
                }
                SendState::General(send) => {
                    let result = ready!(send.as_mut().poll(cx));
                    this.state = SendState::Done;
                    return Poll::Ready(result);
                }
                // As an `async fn` does.
                SendState::Done => panic!("a WebSocket send polled after it completed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_random_source_error, random_source_error, MaskKeys};
    use std::collections::HashSet;

    #[test]
    fn a_random_source_failure_is_told_apart_from_io_errors() {
        let error = random_source_error(getrandom::Error::UNSUPPORTED);
        assert_eq!(error.kind(), &crate::ErrorKind::Os);
        assert!(is_random_source_error(&error));
        let io = crate::conn::io_error(std::io::ErrorKind::Other.into(), "writing");
        assert_eq!(io.kind(), &crate::ErrorKind::Os);
        assert!(!is_random_source_error(&io));
    }

    #[test]
    fn mask_keys_are_fresh_across_refills() {
        let mut keys = MaskKeys::new();
        // Over two refills: a stale or zeroed batch would repeat keys.
        let drawn: Vec<[u8; 4]> = (0..600).map(|_| keys.next().unwrap()).collect();
        let distinct: HashSet<_> = drawn.iter().collect();
        // 600 draws from 2^32 keys hold one repeat with odds of about 4 in
        // 100,000, two with odds under one in a billion.
        assert!(distinct.len() >= 599, "{} distinct of 600", distinct.len());
        // A second writer's keys are its own (a false alarm once in 2^32
        // runs).
        let mut other = MaskKeys::new();
        assert_ne!(other.next().unwrap(), drawn[0]);
    }
}
