//! Benchmarks for ahttp: criterion benches of the sans-IO core in
//! `benches/`, and (later) loopback comparisons against peer clients.
//! Results and the commands that produced them are in docs/benchmarks.md.
