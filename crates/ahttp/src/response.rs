//! `ClientResponse`: the response head, and its body as a stream.

use crate::conn::{ConnError, Connection};
use crate::error::{Error, ErrorKind, RequestInfo, ResponseParts, Result};
use crate::runtime::Runtime;
use crate::session::ClientSession;
use crate::timeout::{ClientTimeout, Deadline};
use ahttp_proto::decode::{ContentCoding, ContentDecoder};
use ahttp_proto::h1::{Event, ResponseHead};
use bytes::{Bytes, BytesMut};
use futures_io::AsyncRead;
use futures_util::Stream;
use http::{HeaderMap, Method, StatusCode, Version};
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use url::Url;

/// How much of an error response's body `raise_for_status` keeps.
const STATUS_ERROR_BODY: usize = 64 * 1024;

/// A response: status line and headers at once, the body as it arrives.
///
/// The body can be read whole ([`read`](Self::read), [`text`](Self::text),
/// [`json`](Self::json)), piece by piece ([`content`](Self::content)), as a
/// `futures::Stream` of `Bytes`, or through `futures_io::AsyncRead`.
/// Once the body has been read to its end the connection goes back to the
/// pool; [`release`](Self::release) (or dropping the response) drains a
/// small unread rest to keep the connection, and closes it otherwise.
pub struct ClientResponse<R: Runtime> {
    session: ClientSession<R>,
    conn: Option<Box<Connection>>,
    version: Version,
    status: StatusCode,
    reason: String,
    /// The head's fields, sharing the received bytes; the `HeaderMap` view
    /// is built on first use.
    head_fields: ahttp_proto::h1::Headers,
    informational: Vec<InformationalResponse>,
    request_info: Arc<RequestInfo>,
    pub(crate) history: Vec<ClientResponse<R>>,
    /// Decoded body pieces ready to hand out, with their end-of-chunk flag.
    pending: VecDeque<(Bytes, bool)>,
    decoder: Option<ContentDecoder>,
    /// The body ended (and the connection was released).
    eof: bool,
    /// A body failure, kept so every later read reports it.
    failed: Option<Error>,
    /// The whole body once `read()` collected it.
    cached: Option<Bytes>,
    trailers: Option<HeaderMap>,
    /// Body bytes received on the wire (before decoding).
    raw_received: u64,
    sock_read: Option<Duration>,
    total: Option<Deadline>,
    read_timer: Option<R::Sleep>,
    total_timer: Option<R::Sleep>,
    started: Instant,
    /// What `AsyncRead` has not handed out yet of the current piece.
    read_rest: Bytes,
}

impl<R: Runtime> fmt::Debug for ClientResponse<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientResponse")
            .field("status", &self.status)
            .field("url", &self.url().as_str())
            .field("eof", &self.eof)
            .finish()
    }
}

impl<R: Runtime> ClientResponse<R> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        session: ClientSession<R>,
        conn: Box<Connection>,
        head: ResponseHead,
        request_info: Arc<RequestInfo>,
        timeout: ClientTimeout,
        total: Option<Deadline>,
        started: Instant,
    ) -> Self {
        let auto = session.inner.auto_decompress;
        let max_decoded = session.inner.max_decoded_size;
        let decoder = match head.headers().get("content-encoding") {
            Some(v) if auto && request_info.method != Method::HEAD => match ContentCoding::parse(v)
            {
                Ok(ContentCoding::Identity) | Err(_) => None,
                Ok(coding) => Some(ContentDecoder::new(coding, max_decoded)),
            },
            _ => None,
        };
        let mut conn = conn;
        conn.keep_alive_hint = head.keep_alive_timeout();
        let mut response = ClientResponse {
            session,
            conn: Some(conn),
            version: head.version(),
            status: head.status(),
            reason: head.reason_lossy().into_owned(),
            head_fields: head.headers().clone(),
            informational: Vec::new(),
            request_info,
            history: Vec::new(),
            pending: VecDeque::new(),
            decoder,
            eof: false,
            failed: None,
            cached: None,
            trailers: None,
            raw_received: 0,
            sock_read: timeout.sock_read,
            total,
            read_timer: None,
            total_timer: None,
            started,
            read_rest: Bytes::new(),
        };
        if response.status == StatusCode::SWITCHING_PROTOCOLS {
            // The bytes after the head belong to the new protocol: no body.
            response.eof = true;
        } else {
            response.take_buffered();
        }
        response
    }

    /// Takes whatever of the body is already buffered, so that a small
    /// response frees its connection at once even if its body is never
    /// read.
    fn take_buffered(&mut self) {
        while !self.eof && self.failed.is_none() {
            let Some(conn) = self.conn.as_mut() else {
                return;
            };
            match conn.try_decode() {
                Ok(Some(event)) => {
                    if let Err(e) = self.on_event(event) {
                        self.fail(e);
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let e = e.in_body();
                    self.fail(e);
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // The head
    // ------------------------------------------------------------------

    /// HTTP/1.0 or HTTP/1.1.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason phrase.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// `status < 400`, as aiohttp's `ok`.
    pub fn ok(&self) -> bool {
        self.status.as_u16() < 400
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.request_info.method
    }

    /// The URL (without fragment).
    pub fn url(&self) -> &Url {
        &self.request_info.url
    }

    /// The URL with its fragment, as requested.
    pub fn real_url(&self) -> &Url {
        &self.request_info.real_url
    }

    /// The headers (the map is built on first call).
    pub fn headers(&self) -> &HeaderMap {
        self.head_fields.map()
    }

    /// The headers as received: original case and order.
    pub fn raw_headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.head_fields.iter_raw()
    }

    /// The interim (1xx) responses that came before this one on its
    /// connection, in order: a `100 Continue`, `103 Early Hints`. aiohttp
    /// drops them; curl's `-i` prints them.
    pub fn informational(&self) -> &[InformationalResponse] {
        &self.informational
    }

    pub(crate) fn set_informational(&mut self, interim: Vec<InformationalResponse>) {
        self.informational = interim;
    }

    /// The first value of a header, without building the header map.
    pub(crate) fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.head_fields.get(name)
    }

    /// The request as sent.
    pub fn request_info(&self) -> &RequestInfo {
        &self.request_info
    }

    /// The responses of the redirects that led here, oldest first.
    pub fn history(&self) -> &[ClientResponse<R>] {
        &self.history
    }

    /// Trailer fields of a chunked body, once the body has been read.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.trailers.as_ref()
    }

    /// The Content-Length, if given.
    pub fn content_length(&self) -> Option<u64> {
        self.header_bytes("content-length")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse().ok())
    }

    /// The media type of Content-Type, lowercased (`application/octet-stream`
    /// when absent, as aiohttp).
    pub fn content_type(&self) -> String {
        match self
            .header_bytes("content-type")
            .and_then(|v| std::str::from_utf8(v).ok())
        {
            Some(ct) => crate::headers::parse_content_type(ct).0,
            None => "application/octet-stream".to_owned(),
        }
    }

    /// The `charset` parameter of Content-Type, lowercased.
    pub fn charset(&self) -> Option<String> {
        self.header_bytes("content-type")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|ct| crate::headers::parse_content_type(ct).1)
    }

    /// The parsed Content-Disposition header.
    pub fn content_disposition(&self) -> Option<crate::headers::ContentDisposition> {
        self.header_bytes("content-disposition")
            .map(|v| crate::headers::ContentDisposition::parse(&String::from_utf8_lossy(v)))
    }

    /// The Link headers, parsed and resolved against the response URL.
    pub fn links(&self) -> Vec<crate::headers::Link> {
        self.head_fields
            .get_all("link")
            .flat_map(|v| crate::headers::parse_links(&String::from_utf8_lossy(v), self.url()))
            .collect()
    }

    /// The cookies this response set, as (name, value) pairs.
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.set_cookie_values()
            .iter()
            .filter_map(|v| std::str::from_utf8(v).ok())
            .filter_map(|v| cookie::Cookie::parse(v).ok())
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect()
    }

    pub(crate) fn set_cookie_values(&self) -> Vec<&[u8]> {
        self.head_fields.get_all("set-cookie").collect()
    }

    /// Body bytes received so far, on the wire (before decompression):
    /// download progress, to compare with [`content_length`](Self::content_length).
    pub fn bytes_received(&self) -> u64 {
        self.raw_received
    }

    pub(crate) fn read_bufsize(&self) -> usize {
        self.session.inner.read_bufsize
    }

    pub(crate) fn body_done(&self) -> bool {
        self.pending.is_empty() && (self.eof || self.failed.is_some())
    }

    /// Time since the request was started.
    pub fn elapsed(&self) -> Duration {
        self.session.inner.rt.now() - self.started
    }

    /// Fails with [`ErrorKind::ResponseStatus`] when the status is 400 or
    /// higher. The error keeps the status, headers and the first 64 KiB of
    /// the body (aiohttp loses the body, aiohttp#4600).
    pub async fn raise_for_status(self) -> Result<Self> {
        if self.ok() {
            return Ok(self);
        }
        Err(self.into_status_error().await)
    }

    pub(crate) async fn into_status_error(mut self) -> Error {
        let mut body = BytesMut::new();
        while body.len() < STATUS_ERROR_BODY {
            match self.next_piece().await {
                Ok(Some((piece, _))) => {
                    let room = STATUS_ERROR_BODY - body.len();
                    body.extend_from_slice(&piece[..piece.len().min(room)]);
                }
                _ => break,
            }
        }
        self.release().await;
        let parts = ResponseParts {
            status: self.status,
            reason: self.reason.clone(),
            headers: self.headers().clone(),
            body: body.freeze(),
            history: self.history.iter().map(|r| r.url().clone()).collect(),
        };
        Error::new(
            ErrorKind::ResponseStatus,
            format!("{} {}", self.status.as_u16(), self.reason),
        )
        .with_request(&self.request_info)
        .with_response(parts)
    }

    // ------------------------------------------------------------------
    // The body
    // ------------------------------------------------------------------

    fn fail(&mut self, e: Error) {
        self.failed = Some(e);
        // A connection in an unknown state is never reused.
        if let Some(conn) = self.conn.take() {
            self.session.inner.connector.discard(conn);
        }
    }

    fn failure(&self) -> Option<Error> {
        self.failed
            .as_ref()
            .map(|e| e.clone().with_request(&self.request_info))
    }

    /// Handles one protocol event while reading the body.
    fn on_event(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Data(data) => {
                self.raw_received += data.bytes.len() as u64;
                match &mut self.decoder {
                    Some(decoder) => {
                        let mut out = BytesMut::new();
                        decoder
                            .decode(&data.bytes, &mut out)
                            .map_err(decode_error)?;
                        if !out.is_empty() || data.chunk_end {
                            self.pending.push_back((out.freeze(), data.chunk_end));
                        }
                    }
                    None => self.pending.push_back((data.bytes, data.chunk_end)),
                }
            }
            Event::Trailers(t) => self.trailers = Some(t.into_map()),
            Event::EndOfMessage => {
                if let Some(decoder) = &mut self.decoder {
                    let mut out = BytesMut::new();
                    decoder.finish(&mut out).map_err(decode_error)?;
                    if !out.is_empty() {
                        self.pending.push_back((out.freeze(), false));
                    }
                }
                self.eof = true;
                self.release_connection();
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Payload,
                    format!("unexpected {other:?} in the response body"),
                ));
            }
        }
        Ok(())
    }

    /// Gives a connection whose response is complete back to the pool.
    fn release_connection(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let reusable =
                conn.proto.is_reusable() && conn.read_buf.is_empty() && conn.proto.reset().is_ok();
            if reusable {
                conn.served += 1;
                self.session.inner.connector.release(conn);
            } else {
                self.session.inner.connector.discard(conn);
            }
        }
    }

    fn poll_timers(&mut self, cx: &mut Context<'_>) -> Poll<Error> {
        let rt = &self.session.inner.rt;
        if let Some(total) = self.total {
            let timer = self
                .total_timer
                .get_or_insert_with(|| rt.sleep_until(total.at));
            if Pin::new(timer).poll(cx).is_ready() {
                return Poll::Ready(total.error());
            }
        }
        if let Some(gap) = self.sock_read {
            let deadline = Deadline {
                at: rt.now() + gap,
                kind: crate::timeout::DeadlineKind::SockRead,
            };
            let timer = self
                .read_timer
                .get_or_insert_with(|| rt.sleep_until(deadline.at));
            if Pin::new(timer).poll(cx).is_ready() {
                return Poll::Ready(deadline.error());
            }
        }
        Poll::Pending
    }

    /// The next decoded piece of the body and whether it ends an HTTP
    /// chunk; `None` at the end.
    pub(crate) fn poll_piece(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<(Bytes, bool)>>> {
        loop {
            if let Some(piece) = self.pending.pop_front() {
                return Poll::Ready(Ok(Some(piece)));
            }
            if let Some(e) = self.failure() {
                return Poll::Ready(Err(e));
            }
            if self.eof {
                return Poll::Ready(Ok(None));
            }
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(Ok(None));
            };
            match conn.poll_event(cx) {
                Poll::Ready(Ok(event)) => {
                    // Data arrived: the read gap starts again.
                    self.read_timer = None;
                    if let Err(e) = self.on_event(event) {
                        self.fail(e);
                    }
                }
                Poll::Ready(Err(e)) => {
                    let e = e.in_body();
                    self.fail(e);
                }
                Poll::Pending => {
                    return match self.poll_timers(cx) {
                        Poll::Ready(e) => {
                            self.fail(e);
                            continue;
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }

    pub(crate) async fn next_piece(&mut self) -> Result<Option<(Bytes, bool)>> {
        poll_fn(|cx| self.poll_piece(cx)).await
    }

    /// The whole body (kept, so a second call returns it again).
    pub async fn read(&mut self) -> Result<Bytes> {
        if let Some(body) = &self.cached {
            return Ok(body.clone());
        }
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some((piece, _)) = self.next_piece().await? {
            // One piece needs no copy.
            match first.take() {
                None if buf.is_empty() => first = Some(piece),
                Some(f) => {
                    buf.extend_from_slice(&f);
                    buf.extend_from_slice(&piece);
                }
                None => buf.extend_from_slice(&piece),
            }
        }
        let body = first.unwrap_or_else(|| buf.freeze());
        self.cached = Some(body.clone());
        Ok(body)
    }

    /// The body as text: the Content-Type charset, else UTF-8 for JSON,
    /// else the session's fallback resolver (UTF-8 by default). Invalid
    /// bytes are an error, as aiohttp's `errors="strict"`.
    pub async fn text(&mut self) -> Result<String> {
        let body = self.read().await?;
        let label = match self.charset() {
            Some(c) => c,
            None if self.content_type() == "application/json" => "utf-8".to_owned(),
            None => match &self.session.inner.fallback_charset {
                Some(resolve) => resolve(&body),
                None => "utf-8".to_owned(),
            },
        };
        decode_text(&body, &label)
    }

    /// The body as text in the given WHATWG encoding (any label
    /// encoding_rs knows: `utf-8`, `latin1`, `shift_jis`, ...).
    pub async fn text_with(&mut self, encoding: &str) -> Result<String> {
        let body = self.read().await?;
        decode_text(&body, encoding)
    }

    /// The body as JSON. The Content-Type must be `application/json` or
    /// `application/*+json` (see [`json_unchecked`](Self::json_unchecked)
    /// to skip the check). An empty body is an error of kind
    /// [`ErrorKind::Json`] saying so (aiohttp returns `None`).
    pub async fn json<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        let ct = self.content_type();
        let is_json =
            ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"));
        if !is_json {
            return Err(Error::new(
                ErrorKind::ContentType,
                format!("attempt to decode JSON with unexpected mimetype: {ct}"),
            )
            .with_request(&self.request_info));
        }
        self.json_unchecked().await
    }

    /// The body as JSON whatever the Content-Type says.
    pub async fn json_unchecked<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        let body = self.read().await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::new(ErrorKind::Json, "the response body is empty")
                .with_request(&self.request_info));
        }
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(ErrorKind::Json, "invalid JSON body")
                .with_source(e)
                .with_request(&self.request_info)
        })
    }

    /// aiohttp's `resp.content` (a `StreamReader`): reads of the body in
    /// pieces, lines and exact sizes.
    pub fn content(&mut self) -> crate::content::Content<'_, R> {
        crate::content::Content::new(self)
    }

    /// Server-Sent Events decoded from the body, one event at a time, with
    /// a line limit (no fixed readline cap, aiohttp#5603).
    pub fn sse(&mut self) -> crate::content::SseEvents<'_, R> {
        crate::content::SseEvents::new(self, ahttp_proto::sse::SseDecoder::new())
    }

    /// Finishes with the response: drains a small unread rest of the body
    /// (up to the session's drain limit, 64 KiB) to keep the connection,
    /// and closes the connection otherwise.
    pub async fn release(&mut self) {
        if self.conn.is_none() {
            return;
        }
        let mut left = self.session.inner.drain_limit as u64;
        let content_length = self.content_length();
        // Drained bytes are not decoded: count wire bytes.
        self.decoder = None;
        self.pending.clear();
        while let Some(conn) = self.conn.as_mut() {
            match conn.try_decode() {
                Ok(Some(event)) => {
                    if let Event::Data(d) = &event {
                        if d.bytes.len() as u64 > left {
                            break;
                        }
                        left -= d.bytes.len() as u64;
                    }
                    if self.on_event(event).is_err() {
                        break;
                    }
                    self.pending.clear();
                }
                Ok(None) => {
                    // Only wait for more if the rest is known to be small.
                    let remaining = content_length.map(|n| n.saturating_sub(self.raw_received));
                    if remaining.is_none_or(|r| r > left) {
                        break;
                    }
                    let rt = self.session.inner.rt.clone();
                    let read = timeout_read(&rt, conn, self.sock_read, self.total).await;
                    if read.is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        if let Some(conn) = self.conn.take() {
            self.session.inner.connector.discard(conn);
        }
        self.eof = true;
    }

    /// Closes the connection without draining (aiohttp's `close()`).
    pub fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.session.inner.connector.discard(conn);
        }
        self.eof = true;
    }
}

async fn timeout_read<R: Runtime>(
    rt: &R,
    conn: &mut Connection,
    gap: Option<Duration>,
    total: Option<Deadline>,
) -> Result<usize> {
    let deadline = crate::timeout::earliest(
        total,
        Deadline::after(rt.now(), gap, crate::timeout::DeadlineKind::SockRead),
    );
    crate::timeout::run(rt, deadline, async {
        poll_fn(|cx| conn.poll_fill(cx))
            .await
            .map_err(|e| ConnError::Io(e).in_body())
    })
    .await
}

fn decode_error(e: ahttp_proto::Error) -> Error {
    Error::new(ErrorKind::Payload, "cannot decode the response body").with_source(e)
}

fn decode_text(body: &[u8], label: &str) -> Result<String> {
    let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::new(
            ErrorKind::Payload,
            format!("unknown text encoding {label:?}"),
        )
    })?;
    // A BOM is honoured only when it matches the encoding.
    let (text, had_errors) = encoding.decode_with_bom_removal(body);
    if had_errors {
        return Err(Error::new(
            ErrorKind::Payload,
            format!("the body is not valid {}", encoding.name()),
        ));
    }
    Ok(text.into_owned())
}

impl<R: Runtime> ClientResponse<R> {
    /// The connection of a `101 Switching Protocols` answer, with the bytes
    /// already read past the head in its read buffer.
    pub(crate) fn take_upgraded(&mut self) -> Option<Box<Connection>> {
        if self.status != StatusCode::SWITCHING_PROTOCOLS {
            return None;
        }
        self.conn.take()
    }
}

impl<R: Runtime> Drop for ClientResponse<R> {
    fn drop(&mut self) {
        // What is already buffered may complete the body; otherwise the
        // connection is closed (draining needs an await).
        if self.conn.is_some() && !self.eof && self.failed.is_none() {
            self.decoder = None;
            self.take_buffered();
        }
        if let Some(conn) = self.conn.take() {
            self.session.inner.connector.discard(conn);
        }
    }
}

impl<R: Runtime> Unpin for ClientResponse<R> {}

impl<R: Runtime> Stream for ClientResponse<R> {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.read_rest.is_empty() {
            return Poll::Ready(Some(Ok(std::mem::take(&mut this.read_rest))));
        }
        loop {
            return match this.poll_piece(cx) {
                Poll::Ready(Ok(Some((piece, _)))) if piece.is_empty() => continue,
                Poll::Ready(Ok(Some((piece, _)))) => Poll::Ready(Some(Ok(piece))),
                Poll::Ready(Ok(None)) => Poll::Ready(None),
                Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

impl<R: Runtime> AsyncRead for ClientResponse<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        while this.read_rest.is_empty() {
            match this.poll_piece(cx) {
                Poll::Ready(Ok(Some((piece, _)))) => this.read_rest = piece,
                Poll::Ready(Ok(None)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(std::io::Error::other(e))),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = buf.len().min(this.read_rest.len());
        buf[..n].copy_from_slice(&this.read_rest[..n]);
        let _ = this.read_rest.split_to(n);
        Poll::Ready(Ok(n))
    }
}

/// An interim (1xx) response received before the final one; see
/// [`ClientResponse::informational`].
#[derive(Debug, Clone)]
pub struct InformationalResponse {
    version: Version,
    status: StatusCode,
    reason: String,
    fields: ahttp_proto::h1::Headers,
}

impl InformationalResponse {
    pub(crate) fn from_head(head: &ResponseHead) -> Self {
        InformationalResponse {
            version: head.version(),
            status: head.status(),
            reason: head.reason_lossy().into_owned(),
            fields: head.headers().clone(),
        }
    }

    /// The HTTP version of its status line.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Its status code (100 to 199, never 101: that is an upgrade).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Its reason phrase.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Its headers.
    pub fn headers(&self) -> &HeaderMap {
        self.fields.map()
    }

    /// Its headers as received: original case and order.
    pub fn raw_headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields.iter_raw()
    }
}
