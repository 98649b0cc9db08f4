//! ahttp on the async-std runtime: implements ahttp's `Runtime` trait for async-std and
//! re-exports the client with that runtime filled in (being built).
#![forbid(unsafe_code)]

pub use ahttp::*;
