//! ahttp on the smol runtime: implements ahttp's `Runtime` trait for smol and
//! re-exports the client with that runtime filled in (being built).
#![forbid(unsafe_code)]

pub use ahttp::*;
