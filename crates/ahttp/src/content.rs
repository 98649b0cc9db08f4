//! aiohttp's `StreamReader` (`resp.content`) and the Server-Sent Events
//! reader, over a response's body.

use crate::error::{Error, ErrorKind, Result};
use crate::response::ClientResponse;
use crate::runtime::Runtime;
use ahttp_proto::sse::{SseDecoder, SseEvent};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads a response body in pieces: aiohttp's `resp.content`.
///
/// Bytes read but not returned (the rest after a line, or after `read(n)`)
/// are kept for the next call.
pub struct Content<'a, R: Runtime> {
    response: &'a mut ClientResponse<R>,
    /// Bytes taken from the body and not yet returned.
    buffer: BytesMut,
    /// Whether the last piece moved into `buffer` ended an HTTP chunk.
    buffer_chunk_end: bool,
}

impl<'a, R: Runtime> Content<'a, R> {
    pub(crate) fn new(response: &'a mut ClientResponse<R>) -> Self {
        Content {
            response,
            buffer: BytesMut::new(),
            buffer_chunk_end: false,
        }
    }

    async fn fill(&mut self) -> Result<bool> {
        match self.response.next_piece().await? {
            Some((piece, chunk_end)) => {
                self.buffer.extend_from_slice(&piece);
                self.buffer_chunk_end = chunk_end;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Up to `n` bytes (at least one unless the body has ended), or the
    /// whole rest of the body when `n` is `None` (aiohttp's `read(-1)`).
    pub async fn read(&mut self, n: Option<usize>) -> Result<Bytes> {
        match n {
            None => {
                while self.fill().await? {}
                Ok(self.buffer.split().freeze())
            }
            Some(0) => Ok(Bytes::new()),
            Some(n) => {
                if self.buffer.is_empty() {
                    self.fill().await?;
                }
                let take = n.min(self.buffer.len());
                Ok(self.buffer.split_to(take).freeze())
            }
        }
    }

    /// Whatever is available: buffered bytes, or the next piece to arrive.
    /// Empty at the end of the body.
    pub async fn readany(&mut self) -> Result<Bytes> {
        if !self.buffer.is_empty() {
            return Ok(self.buffer.split().freeze());
        }
        Ok(self
            .response
            .next_piece()
            .await?
            .map(|(b, _)| b)
            .unwrap_or_default())
    }

    /// Exactly `n` bytes; fewer before the end of the body is an error of
    /// kind [`ErrorKind::Payload`] (aiohttp's `IncompleteReadError`).
    pub async fn readexactly(&mut self, n: usize) -> Result<Bytes> {
        while self.buffer.len() < n {
            if !self.fill().await? {
                return Err(Error::new(
                    ErrorKind::Payload,
                    format!(
                        "{} bytes read on a total of {n} expected bytes",
                        self.buffer.len()
                    ),
                ));
            }
        }
        Ok(self.buffer.split_to(n).freeze())
    }

    /// One line, its `\n` included; the last line may lack it; empty at the
    /// end. A line longer than `max_len` is an error (aiohttp's
    /// `LineTooLong`), with no fixed cap of its own.
    pub async fn readline_limited(&mut self, max_len: usize) -> Result<Bytes> {
        let mut scanned = 0;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buffer[scanned..]) {
                let end = scanned + i + 1;
                if end > max_len {
                    return Err(line_too_long(max_len));
                }
                return Ok(self.buffer.split_to(end).freeze());
            }
            scanned = self.buffer.len();
            if scanned > max_len {
                return Err(line_too_long(max_len));
            }
            if !self.fill().await? {
                return Ok(self.buffer.split().freeze());
            }
        }
    }

    /// [`readline_limited`](Self::readline_limited) with aiohttp's limit,
    /// twice the session's `read_bufsize` (512 KiB by default).
    pub async fn readline(&mut self) -> Result<Bytes> {
        let limit = 2 * self.response_read_bufsize();
        self.readline_limited(limit).await
    }

    fn response_read_bufsize(&self) -> usize {
        self.response.read_bufsize()
    }

    /// The next piece as it arrived and whether it ends an HTTP chunk of a
    /// chunked body: aiohttp's `readchunk()`. `(b"", false)` at the end.
    pub async fn readchunk(&mut self) -> Result<(Bytes, bool)> {
        if !self.buffer.is_empty() {
            let end = self.buffer_chunk_end;
            return Ok((self.buffer.split().freeze(), end));
        }
        Ok(self
            .response
            .next_piece()
            .await?
            .unwrap_or((Bytes::new(), false)))
    }

    /// Pieces of at most `n` bytes: aiohttp's `iter_chunked(n)`.
    pub fn iter_chunked(self, n: usize) -> IterChunked<'a, R> {
        IterChunked {
            content: self,
            size: n.max(1),
        }
    }

    /// True once the body has ended and nothing is buffered.
    pub fn at_eof(&self) -> bool {
        self.buffer.is_empty() && self.response.body_done()
    }
}

fn line_too_long(limit: usize) -> Error {
    Error::new(
        ErrorKind::Payload,
        format!("line longer than {limit} bytes"),
    )
}

/// Pieces of at most a given size, from [`Content::iter_chunked`].
pub struct IterChunked<'a, R: Runtime> {
    content: Content<'a, R>,
    size: usize,
}

impl<R: Runtime> IterChunked<'_, R> {
    /// The next piece, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Bytes>> {
        match self.content.read(Some(self.size)).await {
            Ok(b) if b.is_empty() => None,
            other => Some(other),
        }
    }
}

/// Server-Sent Events from a response body.
pub struct SseEvents<'a, R: Runtime> {
    response: &'a mut ClientResponse<R>,
    decoder: SseDecoder,
    buffer: BytesMut,
    done: bool,
}

impl<'a, R: Runtime> SseEvents<'a, R> {
    pub(crate) fn new(response: &'a mut ClientResponse<R>, decoder: SseDecoder) -> Self {
        SseEvents {
            response,
            decoder,
            buffer: BytesMut::new(),
            done: false,
        }
    }

    /// With a different line and event size limit.
    pub fn with_limits(mut self, max_line: usize, max_event: usize) -> Self {
        self.decoder = SseDecoder::with_limits(max_line, max_event);
        self
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<SseEvent>>> {
        let sse_error = |e: ahttp_proto::Error| {
            Error::new(ErrorKind::Payload, "invalid event stream").with_source(e)
        };
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            match self.decoder.decode(&mut self.buffer) {
                Ok(Some(event)) => return Poll::Ready(Some(Ok(event))),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(sse_error(e))));
                }
            }
            match self.response.poll_piece(cx) {
                Poll::Ready(Ok(Some((piece, _)))) => self.buffer.extend_from_slice(&piece),
                Poll::Ready(Ok(None)) => {
                    self.done = true;
                    // An unfinished event at the end is dropped, per the spec.
                    return Poll::Ready(self.decoder.finish().err().map(|e| Err(sse_error(e))));
                }
                Poll::Ready(Err(e)) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// The next event, `None` at the end of the stream.
    pub async fn next_event(&mut self) -> Option<Result<SseEvent>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }
}

impl<R: Runtime> Stream for SseEvents<'_, R> {
    type Item = Result<SseEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}
