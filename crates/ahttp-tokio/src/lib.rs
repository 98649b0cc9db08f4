//! ahttp on the tokio runtime.
//!
//! [`TokioRuntime`] implements [`ahttp::Runtime`]; the client types are
//! re-exported with it filled in, so code written against this crate reads
//! exactly like code written against `ahttp-async-std` or `ahttp-smol` but
//! for the `use` line.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The impls spell out `impl Future + Send` as the trait does, so the Send
// bound the client relies on is visible where it is met.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Instant;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

pub use ahttp::*;

mod read_half;

/// The tokio implementation of [`ahttp::Runtime`]. Must be used from
/// within a tokio runtime (timers and sockets need its reactor).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioRuntime;

impl ahttp::Runtime for TokioRuntime {
    type TcpStream = Compat<tokio::net::TcpStream>;
    #[cfg(unix)]
    type UnixStream = Compat<tokio::net::UnixStream>;
    type Sleep = Pin<Box<tokio::time::Sleep>>;

    fn connect_tcp(
        &self,
        addr: SocketAddr,
        local_addr: Option<SocketAddr>,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        async move {
            let stream = match local_addr {
                None => tokio::net::TcpStream::connect(addr).await?,
                Some(local) => {
                    let socket = if addr.is_ipv4() {
                        tokio::net::TcpSocket::new_v4()?
                    } else {
                        tokio::net::TcpSocket::new_v6()?
                    };
                    socket.bind(local)?;
                    socket.connect(addr).await?
                }
            };
            stream.set_nodelay(true)?;
            Ok(stream.compat())
        }
    }

    #[cfg(unix)]
    fn connect_unix(
        &self,
        path: &std::path::Path,
    ) -> impl Future<Output = io::Result<Self::UnixStream>> + Send {
        let path = path.to_owned();
        async move { Ok(tokio::net::UnixStream::connect(path).await?.compat()) }
    }

    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send {
        let host = host.to_owned();
        async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        }
    }

    fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    // Reads into uninitialised room through tokio's ReadBuf.
    fn tcp_poll_read_buf(
        &self,
        stream: &mut Self::TcpStream,
        cx: &mut std::task::Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Option<std::task::Poll<io::Result<usize>>> {
        Some(read_into_spare(stream, cx, buf))
    }

    #[cfg(unix)]
    fn unix_poll_read_buf(
        &self,
        stream: &mut Self::UnixStream,
        cx: &mut std::task::Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Option<std::task::Poll<io::Result<usize>>> {
        Some(read_into_spare(stream, cx, buf))
    }

    // tokio's owned halves read and write without a lock between them, and
    // the read half reads into uninitialised room.
    fn split_tcp(
        &self,
        stream: Self::TcpStream,
    ) -> (ahttp::runtime::BoxRead, ahttp::runtime::BoxWrite) {
        let (read, write) = stream.into_inner().into_split();
        (
            Box::new(read_half::TokioReadHalf(read)),
            Box::new(write.compat_write()),
        )
    }

    #[cfg(unix)]
    fn split_unix(
        &self,
        stream: Self::UnixStream,
    ) -> (ahttp::runtime::BoxRead, ahttp::runtime::BoxWrite) {
        let (read, write) = stream.into_inner().into_split();
        (
            Box::new(read_half::TokioReadHalf(read)),
            Box::new(write.compat_write()),
        )
    }
}

/// Reads from a tokio stream straight into `buf`'s spare capacity,
/// through tokio's `ReadBuf` (no zeroing first).
fn read_into_spare<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut Compat<S>,
    cx: &mut std::task::Context<'_>,
    buf: &mut bytes::BytesMut,
) -> std::task::Poll<io::Result<usize>> {
    tokio_util::io::poll_read_buf(Pin::new(stream.get_mut()), cx, buf)
}

/// [`ahttp::ClientSession`] on tokio.
pub type ClientSession = ahttp::ClientSession<TokioRuntime>;
/// [`ahttp::ClientSessionBuilder`] on tokio.
pub type ClientSessionBuilder = ahttp::ClientSessionBuilder<TokioRuntime>;
/// [`ahttp::RequestBuilder`] on tokio.
pub type RequestBuilder = ahttp::RequestBuilder<TokioRuntime>;
/// [`ahttp::ClientResponse`] on tokio.
pub type ClientResponse = ahttp::ClientResponse<TokioRuntime>;
/// [`ahttp::ClientWebSocket`] on tokio.
pub type ClientWebSocket = ahttp::ClientWebSocket<TokioRuntime>;
/// [`ahttp::WsConnectBuilder`] on tokio.
pub type WsConnectBuilder = ahttp::WsConnectBuilder<TokioRuntime>;

/// A one-shot request on a throwaway session whose connection is closed
/// afterwards, like aiohttp's module-level `aiohttp.request()`.
pub fn request(method: ahttp::Method, url: impl ahttp::IntoUrl) -> RequestBuilder {
    ahttp::one_shot(TokioRuntime, method, url)
}

/// The README's examples, compiled and run as doctests (here, where the
/// test server and tokio are at hand).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// docs/websockets.md's examples, compiled and run as doctests against a
/// local echo server.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/websockets.md")]
pub struct WebSocketGuideDoctests;
