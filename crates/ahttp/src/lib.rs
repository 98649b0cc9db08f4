//! ahttp: a runtime-agnostic async HTTP/1.1 client with the feature set of
//! Python's aiohttp client.
//!
//! This crate depends on no async runtime. Use it through an adapter, which
//! fills in the [`Runtime`]: `ahttp-tokio`, `ahttp-async-std` or
//! `ahttp-smol`. Code reads the same on each but for the `use` line:
//!
//! ```no_run
//! # async fn demo() -> Result<(), ahttp::Error> {
//! # type ClientSession = ahttp::ClientSession<MyRuntime>;
//! # #[derive(Clone, Default)] struct MyRuntime;
//! # impl ahttp::Runtime for MyRuntime {
//! #   type TcpStream = futures_util::io::Cursor<Vec<u8>>;
//! #   type UnixStream = futures_util::io::Cursor<Vec<u8>>;
//! #   type Sleep = futures_util::future::Pending<()>;
//! #   fn connect_tcp(&self, _: std::net::SocketAddr, _: Option<std::net::SocketAddr>) -> impl std::future::Future<Output = std::io::Result<Self::TcpStream>> + Send { async { Err(std::io::ErrorKind::Unsupported.into()) } }
//! #   fn connect_unix(&self, _: &std::path::Path) -> impl std::future::Future<Output = std::io::Result<Self::UnixStream>> + Send { async { Err(std::io::ErrorKind::Unsupported.into()) } }
//! #   fn resolve(&self, _: &str, _: u16) -> impl std::future::Future<Output = std::io::Result<Vec<std::net::SocketAddr>>> + Send { async { Ok(Vec::new()) } }
//! #   fn sleep_until(&self, _: std::time::Instant) -> Self::Sleep { futures_util::future::pending() }
//! # }
//! // use ahttp_tokio::ClientSession;   (or ahttp_async_std / ahttp_smol)
//! let session = ClientSession::new();
//! let mut resp = session
//!     .post("http://127.0.0.1:8080/post")
//!     .json(&serde_json::json!({"hello": "world"}))
//!     .send()
//!     .await?;
//! assert!(resp.ok());
//! let text = resp.text().await?;
//! session.close().await;
//! # Ok(()) }
//! ```
//!
//! The protocol itself lives in [`proto`] (ahttp-proto), a sans-IO core.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod conn;
mod connector;
mod content;
pub mod cookie;
mod dns;
mod env;
pub mod error;
mod headers;
mod proxy;
mod request;
mod response;
pub mod runtime;
mod session;
mod socks;
mod timeout;
mod timer_hub;
mod tls;
mod wire_headers;
mod ws;

pub use ahttp_proto as proto;
pub use ahttp_proto::ws::message::MessageKind as WsMessageKind;
pub use body::{BasicAuth, Body, FormData, UploadTracker};
pub use connector::{AddressFamily, TcpConnector, TcpConnectorBuilder};
pub use content::{Content, IterChunked, SseEvents};
pub use cookie::{AbstractCookieJar, CookieJar, DummyCookieJar};
pub use dns::Resolve;
pub use error::{CertificateReason, Error, ErrorKind, RequestInfo, ResponseParts, Result};
pub use headers::{ContentDisposition, Link};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
pub use proxy::Proxy;
pub use request::{one_shot, Compression, IntoUrl, RequestBuilder, ResponseFuture, USER_AGENT};
pub use response::{ClientResponse, InformationalResponse};
pub use runtime::Runtime;
/// rustls, for building a custom [`Ssl::Config`].
pub use rustls;
pub use session::{CharsetResolver, ClientSession, ClientSessionBuilder};
pub use timeout::ClientTimeout;
pub use tls::{Fingerprint, Ssl};
pub use url::Url;
pub use ws::{ClientWSTimeout, ClientWebSocket, WsConnectBuilder, WsMessage};
