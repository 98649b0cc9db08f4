//! ahttp: a runtime-agnostic async HTTP/1.1 and WebSocket client with the
//! feature set of Python's aiohttp client.
//!
//! The client (`ClientSession` and the rest) is being built on top of the
//! sans-IO core, which is re-exported here as [`proto`].
#![forbid(unsafe_code)]

pub use ahttp_proto as proto;
