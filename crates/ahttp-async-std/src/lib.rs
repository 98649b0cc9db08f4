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
    type Sleep = async_io::Timer;

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

    fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
        async_io::Timer::at(deadline)
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
pub fn request(method: ahttp::Method, url: &str) -> RequestBuilder {
    ahttp::one_shot(AsyncStdRuntime, method, url)
}
