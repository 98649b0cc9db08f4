//! One HTTP/1.1 connection: a byte stream plus ahttp-proto's state machine
//! and its buffers. This is where the sans-IO core meets the socket.

use crate::error::{Error, ErrorKind, Result};
use crate::runtime::{BoxIo, Runtime};
use crate::timeout::{self, earliest, Deadline, DeadlineKind};
use ahttp_proto::h1::{self, Event};
use bytes::BytesMut;
use futures_io::{AsyncRead, AsyncWrite};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How much room a read gets: 8 KiB at first, doubling after each read
/// that fills it (up to 64 KiB) and halving (down to 2 KiB) after eight
/// reads in a row that use less than a quarter of it.
///
/// Measured: halving after one small read made the size swing with every
/// large WebSocket message, whose last read is short (64 KiB echoes took
/// 3x the CPU); and 256 KiB reads made a 1 GiB download 1.5x slower in
/// wall time than 64 KiB ones (`benches/cli.sh`; the reads no longer fit
/// the cache the copies run in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadSize {
    size: usize,
    small_reads: u8,
}

impl ReadSize {
    const FIRST: usize = 8 * 1024;
    const MIN: usize = 2 * 1024;
    const MAX: usize = 64 * 1024;

    const SMALL_READS_BEFORE_SHRINKING: u8 = 8;

    pub fn new() -> Self {
        ReadSize {
            size: Self::FIRST,
            small_reads: 0,
        }
    }

    /// Adapts to a read of `n` bytes.
    pub fn record(&mut self, n: usize) {
        if n < self.size / 4 {
            self.small_reads += 1;
            if self.small_reads >= Self::SMALL_READS_BEFORE_SHRINKING && self.size > Self::MIN {
                self.size /= 2;
                self.small_reads = 0;
            }
            return;
        }
        self.small_reads = 0;
        if n == self.size && self.size < Self::MAX {
            self.size *= 2;
        }
    }
}

/// Reads through a scratch buffer that is zeroed once, not before every
/// read (futures-io reads into initialised memory): the bytes read are
/// then copied to the end of the caller's buffer. A copy of what arrived
/// costs less than zeroing the whole room when messages are small (the
/// WebSocket echo of 1 KiB: zeroing the room was most of the client's
/// user-space instructions), and nothing is zeroed for a poll that finds
/// no data (a 1 GiB download spent 17% of its samples in `memset`, much
/// of it for reads that returned `Pending`).
#[derive(Debug)]
pub(crate) struct ScratchRead {
    scratch: Vec<u8>,
    size: ReadSize,
}

impl ScratchRead {
    pub fn new() -> Self {
        ScratchRead {
            scratch: Vec::new(),
            size: ReadSize::new(),
        }
    }

    /// The room to read into, sized by [`ReadSize`].
    pub fn room(&mut self) -> &mut [u8] {
        let size = self.size.size;
        if self.scratch.len() != size {
            self.scratch.resize(size, 0);
            self.scratch.shrink_to(size);
        }
        &mut self.scratch
    }

    /// How many bytes the next read should make room for.
    pub fn read_size(&self) -> usize {
        self.size.size
    }

    /// Adapts the read size to a read of `n` bytes made elsewhere (straight
    /// into a caller's buffer).
    pub fn record(&mut self, n: usize) {
        self.size.record(n);
    }

    /// Moves the `n` bytes just read into `buf`.
    pub fn commit(&mut self, n: usize, buf: &mut BytesMut) {
        // Room for a whole read, not just these bytes: a buffer grown only
        // by what arrived is full again after every message taken from it,
        // and each read then paid for `reserve`'s slow path (callgrind, 1
        // KiB WebSocket echoes).
        if buf.capacity() - buf.len() < n {
            buf.reserve(self.scratch.len());
        }
        buf.extend_from_slice(&self.scratch[..n]);
        self.size.record(n);
    }
}

/// Where a connection goes in the pool: scheme, host and port (and later
/// the TLS settings and proxy), or a Unix socket path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub unix_path: Option<String>,
    /// For https: the TLS setup (ssl mode and server_hostname); connections
    /// made one way are never reused for a request asking another.
    pub tls: Option<String>,
    /// The proxy the connection goes through, if any.
    pub proxy: Option<String>,
    /// Plain http through a CONNECT tunnel of an HTTP proxy rather than
    /// forwarded by it (a WebSocket handshake).
    pub tunnel: bool,
}

/// An open connection.
pub(crate) struct Connection {
    pub io: BoxIo,
    pub proto: h1::ClientConnection,
    pub read_buf: BytesMut,
    /// The request head is encoded here; reused from request to request.
    pub write_buf: BytesMut,
    pub key: PoolKey,
    /// How many requests this connection has carried before the current one.
    pub served: u32,
    /// The server's `Keep-Alive: timeout=` hint from the last response.
    pub keep_alive_hint: Option<Duration>,
    /// Who gets the pool slot back if the connection is dropped in use.
    pub owner: Option<std::sync::Arc<dyn crate::connector::SlotOwner>>,
    read_room: ScratchRead,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            owner.slot_lost(&self.key);
        }
    }
}

impl Connection {
    /// A new connection, boxed: it moves between the pool and each
    /// response it serves, and a box moves as one pointer (measured: the
    /// 488-byte struct was a large part of the memcpy per request).
    pub fn new(io: BoxIo, key: PoolKey, config: h1::Config) -> Box<Self> {
        Box::new(Connection {
            io,
            proto: h1::ClientConnection::with_config(config),
            read_buf: BytesMut::new(),
            write_buf: BytesMut::new(),
            key,
            served: 0,
            keep_alive_hint: None,
            owner: None,
            read_room: ScratchRead::new(),
        })
    }

    /// Reads once from the socket into the read buffer. `Ok(0)` is EOF,
    /// which is also passed on to the protocol state.
    pub fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // Straight into the buffer where the runtime can read into
        // uninitialised memory; else through the scratch buffer.
        let room = self.read_room.read_size();
        if self.read_buf.capacity() - self.read_buf.len() < room {
            self.read_buf.reserve(room);
        }
        let (result, direct) = match self.io.poll_read_buf(cx, &mut self.read_buf) {
            Some(result) => (result, true),
            None => (
                Pin::new(&mut self.io).poll_read(cx, self.read_room.room()),
                false,
            ),
        };
        if let Poll::Ready(Ok(n)) = result {
            if n == 0 {
                self.proto.receive_eof();
            } else if direct {
                self.read_room.record(n);
            } else {
                self.read_room.commit(n, &mut self.read_buf);
            }
        }
        result
    }

    /// The next protocol event, reading as needed.
    pub fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<std::result::Result<Event, ConnError>> {
        loop {
            match self.proto.decode(&mut self.read_buf) {
                Ok(Event::NeedData) => match self.poll_fill(cx) {
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(ConnError::Io(e))),
                    Poll::Pending => return Poll::Pending,
                },
                Ok(event) => return Poll::Ready(Ok(event)),
                Err(e) => return Poll::Ready(Err(ConnError::Proto(e))),
            }
        }
    }

    /// The next event, with the read timeout re-armed for every read and
    /// the other deadline (total) kept.
    pub async fn next_event<R: Runtime>(
        &mut self,
        rt: &R,
        sock_read: Option<Duration>,
        total: Option<Deadline>,
    ) -> std::result::Result<Event, ConnError> {
        loop {
            // One read at a time, so that sock_read bounds each gap.
            if let Some(event) = self.try_decode()? {
                return Ok(event);
            }
            let deadline = earliest(
                total,
                Deadline::after(rt.now(), sock_read, DeadlineKind::SockRead),
            );
            let read = timeout::run(rt, deadline, async {
                poll_fn(|cx| self.poll_fill(cx))
                    .await
                    .map_err(|e| io_error(e, "reading the response"))
            })
            .await;
            if let Err(e) = read {
                return Err(ConnError::Client(e));
            }
        }
    }

    /// Decodes what is already buffered, without reading.
    pub fn try_decode(&mut self) -> std::result::Result<Option<Event>, ConnError> {
        match self.proto.decode(&mut self.read_buf) {
            Ok(Event::NeedData) => Ok(None),
            Ok(event) => Ok(Some(event)),
            Err(e) => Err(ConnError::Proto(e)),
        }
    }

    /// Writes all of `data`; each write that makes no progress for
    /// `sock_write` fails with [`ErrorKind::WriteTimeout`].
    pub async fn write_all<R: Runtime>(
        &mut self,
        rt: &R,
        mut data: &[u8],
        sock_write: Option<Duration>,
        total: Option<Deadline>,
    ) -> Result<()> {
        while !data.is_empty() {
            let deadline = earliest(
                total,
                Deadline::after(rt.now(), sock_write, DeadlineKind::SockWrite),
            );
            let io = &mut self.io;
            let n = timeout::run(rt, deadline, async {
                poll_fn(|cx| Pin::new(&mut *io).poll_write(cx, data))
                    .await
                    .map_err(|e| io_error(e, "sending the request"))
            })
            .await?;
            if n == 0 {
                return Err(Error::new(
                    ErrorKind::Os,
                    "the connection accepted no more bytes",
                ));
            }
            data = &data[n..];
        }
        let io = &mut self.io;
        timeout::run(rt, total, async {
            poll_fn(|cx| Pin::new(&mut *io).poll_flush(cx))
                .await
                .map_err(|e| io_error(e, "sending the request"))
        })
        .await
    }

    /// True when the peer closed or sent something while the connection
    /// sat idle: it must not carry another request. Checked without
    /// waiting, before reuse.
    pub fn is_stale(&mut self) -> bool {
        if !self.read_buf.is_empty() {
            return true;
        }
        self.io.is_stale()
    }

    /// Closes the write side politely; errors are of no interest then.
    pub async fn shutdown(mut self) {
        let _ = poll_fn(|cx| Pin::new(&mut self.io).poll_close(cx)).await;
    }
}

/// A failure while reading a response, before it is given its final kind
/// (which depends on whether the head or the body was being read).
#[derive(Debug)]
pub(crate) enum ConnError {
    Io(io::Error),
    Proto(ahttp_proto::Error),
    Client(Error),
}

impl ConnError {
    /// The error for a failure while reading a response head.
    pub fn in_head(self) -> Error {
        match self {
            ConnError::Io(e) => io_error(e, "reading the response"),
            ConnError::Proto(e) if e.is_eof() => {
                Error::new(ErrorKind::ServerDisconnected, "server disconnected").with_source(e)
            }
            ConnError::Proto(e) => {
                Error::new(ErrorKind::InvalidResponse, "invalid response head").with_source(e)
            }
            ConnError::Client(e) => e,
        }
    }

    /// The error for a failure while reading a response body.
    pub fn in_body(self) -> Error {
        match self {
            ConnError::Io(e) => io_error(e, "reading the response body"),
            ConnError::Proto(e) => {
                Error::new(ErrorKind::Payload, "response payload is not completed").with_source(e)
            }
            ConnError::Client(e) => e,
        }
    }
}

/// Maps an IO error to aiohttp's kinds (a reset is its own kind).
pub(crate) fn io_error(e: io::Error, while_doing: &str) -> Error {
    let kind = match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => ErrorKind::ConnectionReset,
        _ => ErrorKind::Os,
    };
    Error::new(kind, format!("connection error while {while_doing}")).with_source(e)
}

/// `Instant` of a deadline, for the total timeout shared by the request
/// and its response.
pub(crate) fn total_deadline(start: Instant, total: Option<Duration>) -> Option<Deadline> {
    Deadline::after(start, total, DeadlineKind::Total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_size_grows_on_full_reads_and_shrinks_only_after_a_run_of_small_ones() {
        let mut size = ReadSize::new();
        assert_eq!(size.size, 8 * 1024);
        for expected in [16, 32, 64, 64] {
            size.record(size.size);
            assert_eq!(size.size, expected * 1024);
        }
        // One short read (the tail of a large message) changes nothing.
        size.record(10);
        size.record(size.size);
        assert_eq!(size.size, 64 * 1024);
        // A run of eight small reads halves it, down to 2 KiB at least.
        for _ in 0..8 * 16 {
            size.record(10);
        }
        assert_eq!(size.size, 2 * 1024);
    }

    #[test]
    fn scratch_reads_append_what_arrived() {
        let mut scratch = ScratchRead::new();
        let mut buf = BytesMut::from(&b"ab"[..]);
        let room = scratch.room();
        assert_eq!(room.len(), 8 * 1024);
        room[..3].copy_from_slice(b"cde");
        scratch.commit(3, &mut buf);
        assert_eq!(&buf[..], b"abcde");
    }
}
