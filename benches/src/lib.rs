//! Benchmarks for ahttp: criterion benches of the sans-IO core in
//! `benches/`, and loopback comparisons against peer clients in
//! `src/bin` (driven by the `*.sh` scripts). Results and the commands that
//! produced them are in docs/benchmarks.md.

use std::time::Duration;

/// This process's CPU time so far, user plus system: what the loopback
/// clients report per request or message.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer is always allowed.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
