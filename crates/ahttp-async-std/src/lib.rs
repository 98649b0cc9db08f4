//! ahttp on the async-std runtime.
//!
//! [`AsyncStdRuntime`] implements [`ahttp::Runtime`]; the client types are
//! re-exported with it filled in. async-std is deprecated upstream in
//! favour of smol; this adapter stays thin and shares the futures-io path
//! (async-std's sockets and timers are async-io's).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The impls spell out `impl Future + Send` as the trait does, so the Send
// bound the client relies on is visible where it is met.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

pub use ahttp::*;

/// The async-std implementation of [`ahttp::Runtime`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStdRuntime;

impl ahttp::Runtime for AsyncStdRuntime {
    type TcpStream = async_std::net::TcpStream;
    #[cfg(unix)]
    type UnixStream = async_std::os::unix::net::UnixStream;
    type Sleep = ahttp::runtime::HubSleep<async_io::Timer>;

    fn connect_tcp(
        &self,
        addr: SocketAddr,
        local_addr: Option<SocketAddr>,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        async move {
            let stream = match local_addr {
                None => async_std::net::TcpStream::connect(addr).await?,
                Some(local) => {
                    let pending =
                        async_io::Async::new(ahttp::runtime::start_bound_connect(local, addr)?)?;
                    pending.writable().await?;
                    if let Some(e) = pending.get_ref().take_error()? {
                        return Err(e);
                    }
                    async_std::net::TcpStream::from(pending.into_inner()?)
                }
            };
            stream.set_nodelay(true)?;
            Ok(stream)
        }
    }

    #[cfg(unix)]
    fn connect_unix(
        &self,
        path: &std::path::Path,
    ) -> impl Future<Output = io::Result<Self::UnixStream>> + Send {
        let path = path.to_owned();
        async move { async_std::os::unix::net::UnixStream::connect(path).await }
    }

    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send {
        let host = host.to_owned();
        async move {
            use async_std::net::ToSocketAddrs;
            Ok((host.as_str(), port).to_socket_addrs().await?.collect())
        }
    }

    /// Deadlines share one async-io timer through a
    /// [`TimerHub`](ahttp::runtime::TimerHub): each async-io timer
    /// registration notifies the reactor, which per request is a third of
    /// the client's CPU time with many requests in flight.
    fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
        static TIMERS: std::sync::LazyLock<ahttp::runtime::TimerHub<async_io::Timer>> =
            std::sync::LazyLock::new(|| ahttp::runtime::TimerHub::new(async_io::Timer::at));
        TIMERS.sleep_until(deadline)
    }

    // async-io tries every read first and re-arms a one-shot registration
    // when it would block; a peek checks an idle socket with one system
    // call and leaves no registration behind to wake the reactor later.
    #[cfg(unix)]
    fn tcp_is_stale(&self, stream: &mut Self::TcpStream) -> bool {
        ahttp::runtime::peek_is_stale(stream)
    }

    #[cfg(unix)]
    fn unix_is_stale(&self, stream: &mut Self::UnixStream) -> bool {
        ahttp::runtime::peek_is_stale(stream)
    }

    // The streams are shared handles: a clone reads while another writes,
    // with no lock between them.
    fn split_tcp(
        &self,
        stream: Self::TcpStream,
    ) -> (ahttp::runtime::BoxRead, ahttp::runtime::BoxWrite) {
        ahttp::runtime::split_shared(stream)
    }

    #[cfg(unix)]
    fn split_unix(
        &self,
        stream: Self::UnixStream,
    ) -> (ahttp::runtime::BoxRead, ahttp::runtime::BoxWrite) {
        ahttp::runtime::split_shared(stream)
    }
}

/// [`ahttp::ClientSession`] on async-std.
pub type ClientSession = ahttp::ClientSession<AsyncStdRuntime>;
/// [`ahttp::ClientSessionBuilder`] on async-std.
pub type ClientSessionBuilder = ahttp::ClientSessionBuilder<AsyncStdRuntime>;
/// [`ahttp::RequestBuilder`] on async-std.
pub type RequestBuilder = ahttp::RequestBuilder<AsyncStdRuntime>;
/// [`ahttp::ClientResponse`] on async-std.
pub type ClientResponse = ahttp::ClientResponse<AsyncStdRuntime>;
/// [`ahttp::ClientWebSocket`] on async-std.
pub type ClientWebSocket = ahttp::ClientWebSocket<AsyncStdRuntime>;
/// [`ahttp::WsConnectBuilder`] on async-std.
pub type WsConnectBuilder = ahttp::WsConnectBuilder<AsyncStdRuntime>;

/// A one-shot request on a throwaway session whose connection is closed
/// afterwards, like aiohttp's module-level `aiohttp.request()`.
pub fn request(method: ahttp::Method, url: impl ahttp::IntoUrl) -> RequestBuilder {
    ahttp::one_shot(AsyncStdRuntime, method, url)
}
