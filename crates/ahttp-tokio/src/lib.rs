//! ahttp on the tokio runtime: implements ahttp's `Runtime` trait for tokio and
//! re-exports the client with that runtime filled in (being built).
#![forbid(unsafe_code)]

pub use ahttp::*;
