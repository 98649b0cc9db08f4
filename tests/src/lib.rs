//! Cross-crate tests for ahttp. The client suite (`tests/client.rs`) runs
//! every test on tokio, async-std and smol against the servers of
//! `ahttp-testserver`.
