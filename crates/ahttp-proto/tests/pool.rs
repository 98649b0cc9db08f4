//! Tests of the connection pool's policy (`ahttp_proto::pool`), with a fake
//! clock (`Instant` plus offsets) and plain `u32` ids as connections.

use ahttp_proto::pool::{
    is_idempotent, may_retry, Acquire, Actions, ConnectPermit, Counts, Grant, Pool, PoolConfig,
    WaiterId,
};
use http::Method;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

type P = Pool<&'static str, u32>;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn pool(limit: usize, limit_per_host: usize) -> P {
    Pool::new(PoolConfig {
        limit,
        limit_per_host,
        ..PoolConfig::default()
    })
}

fn connect(pool: &mut P, key: &'static str, now: Instant) -> ConnectPermit<&'static str> {
    let acquired = pool.acquire(&key, now);
    assert!(acquired.close.is_empty());
    match acquired.outcome {
        Acquire::Connect(p) => p,
        other => panic!("expected Connect, got {other:?}"),
    }
}

/// Open a connection for `key` and report it connected.
fn open(pool: &mut P, key: &'static str, now: Instant) {
    let p = connect(pool, key, now);
    pool.connected(p);
}

fn wait(pool: &mut P, key: &'static str, now: Instant) -> WaiterId {
    match pool.acquire(&key, now).outcome {
        Acquire::Wait(w) => w,
        other => panic!("expected Wait, got {other:?}"),
    }
}

fn none() -> Actions<u32> {
    Actions::default()
}

fn counts(idle: usize, in_use: usize, connecting: usize, waiting: usize) -> Counts {
    Counts {
        idle,
        in_use,
        connecting,
        waiting,
    }
}

// ----- config -----

#[test]
fn defaults_match_aiohttp() {
    let c = PoolConfig::default();
    assert_eq!(c.limit, 100);
    assert_eq!(c.limit_per_host, 0);
    assert_eq!(c.keepalive_timeout, Some(secs(15)));
    assert!(!c.force_close);
}

// ----- limits -----

#[test]
fn total_limit() {
    let t = Instant::now();
    let mut p = pool(2, 0);
    open(&mut p, "a", t);
    open(&mut p, "b", t);
    wait(&mut p, "c", t);
    wait(&mut p, "a", t);
    assert_eq!(p.counts(), counts(0, 2, 0, 2));
}

#[test]
fn default_limit_is_100() {
    let t = Instant::now();
    let mut p: P = Pool::default();
    let permits: Vec<_> = (0..100).map(|_| connect(&mut p, "a", t)).collect();
    wait(&mut p, "b", t);
    for permit in permits {
        let _ = p.cancel(permit, t);
    }
}

#[test]
fn limit_zero_means_none() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    for _ in 0..1000 {
        open(&mut p, "a", t);
    }
    assert_eq!(p.counts().in_use, 1000);
    assert_eq!(p.counts().waiting, 0);
}

#[test]
fn per_host_limit() {
    let t = Instant::now();
    let mut p = pool(0, 2);
    open(&mut p, "a", t);
    let permit = connect(&mut p, "a", t); // connecting counts too
    wait(&mut p, "a", t);
    open(&mut p, "b", t);
    open(&mut p, "b", t);
    wait(&mut p, "b", t);
    assert_eq!(p.counts_for(&"a"), counts(0, 1, 1, 1));
    assert_eq!(p.counts_for(&"b"), counts(0, 2, 0, 1));
    p.connected(permit);
}

#[test]
fn idle_connections_count_toward_limits() {
    let t = Instant::now();
    let mut p = pool(0, 1);
    open(&mut p, "a", t);
    assert_eq!(p.release(&"a", 1, true, None, t), none());
    assert_eq!(p.counts_for(&"a"), counts(1, 0, 0, 0));
    // the one idle connection is reused, not a second one opened
    assert_eq!(p.acquire(&"a", t).outcome, Acquire::Idle(1));
    wait(&mut p, "a", t);
}

// ----- reuse and expiry -----

#[test]
fn reuse_is_lifo() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    for _ in 0..3 {
        open(&mut p, "a", t);
    }
    for (i, c) in [1, 2, 3].into_iter().enumerate() {
        let _ = p.release(&"a", c, true, None, t + secs(i as u64));
    }
    let now = t + secs(5);
    assert_eq!(p.acquire(&"a", now).outcome, Acquire::Idle(3));
    assert_eq!(p.acquire(&"a", now).outcome, Acquire::Idle(2));
    let _ = p.release(&"a", 3, true, None, now);
    assert_eq!(p.acquire(&"a", now).outcome, Acquire::Idle(3));
    assert_eq!(p.acquire(&"a", now).outcome, Acquire::Idle(1));
    assert!(matches!(p.acquire(&"a", now).outcome, Acquire::Connect(_)));
}

#[test]
fn idle_is_per_key() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    let permit = connect(&mut p, "b", t);
    assert_eq!(p.counts_for(&"a").idle, 1);
    p.connected(permit);
}

#[test]
fn lazy_expiry_hands_back_never_hands_out() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    let _ = p.release(&"a", 2, true, None, t + secs(5));
    // 1 expires at t+15, 2 at t+20
    let at = t + Duration::from_millis(14_999);
    assert_eq!(p.acquire(&"a", at).outcome, Acquire::Idle(2));
    let _ = p.release(&"a", 2, true, None, t + secs(5));
    // still counted until seen
    assert_eq!(p.counts().idle, 2);
    let got = p.acquire(&"a", t + secs(15));
    assert_eq!(got.outcome, Acquire::Idle(2));
    assert!(got.close.is_empty());
    let got = p.acquire(&"a", t + secs(15));
    assert_eq!(got.close, vec![1]);
    assert!(matches!(got.outcome, Acquire::Connect(_)));
}

#[test]
fn all_expired_then_connect() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    for _ in 0..3 {
        open(&mut p, "a", t);
    }
    for c in 1..=3 {
        let _ = p.release(&"a", c, true, None, t);
    }
    let got = p.acquire(&"a", t + secs(60));
    assert_eq!(got.close, vec![3, 2, 1]);
    let Acquire::Connect(permit) = got.outcome else {
        panic!()
    };
    assert_eq!(p.counts(), counts(0, 0, 1, 0));
    p.connected(permit);
}

#[test]
fn take_expired_and_next_expiry() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    open(&mut p, "b", t);
    open(&mut p, "b", t);
    let _ = p.release(&"a", 1, true, Some(secs(3)), t);
    let _ = p.release(&"b", 2, true, None, t);
    let _ = p.release(&"b", 3, true, Some(secs(7)), t);
    assert_eq!(p.next_expiry(), Some(t + secs(3)));
    assert!(p.take_expired(t + secs(2)).is_empty());
    assert_eq!(p.take_expired(t + secs(3)), vec![1]);
    assert_eq!(p.next_expiry(), Some(t + secs(7)));
    assert_eq!(p.take_expired(t + secs(7)), vec![3]);
    assert_eq!(p.take_expired(t + secs(100)), vec![2]);
    assert_eq!(p.next_expiry(), None);
    assert_eq!(p.counts(), Counts::default());
}

#[test]
fn keep_alive_hint_shorter_is_honoured() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, Some(secs(2)), t);
    assert_eq!(p.next_expiry(), Some(t + secs(2)));
    let got = p.acquire(&"a", t + secs(2));
    assert_eq!(got.close, vec![1]);
    let Acquire::Connect(permit) = got.outcome else {
        panic!()
    };
    p.connected(permit);
}

#[test]
fn keep_alive_hint_longer_is_capped() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, Some(secs(300)), t);
    assert_eq!(p.next_expiry(), Some(t + secs(15)));
    assert_eq!(p.take_expired(t + secs(15)), vec![1]);
}

#[test]
fn no_keepalive_timeout_keeps_forever_or_until_hint() {
    let t = Instant::now();
    let mut p: P = Pool::new(PoolConfig {
        keepalive_timeout: None,
        ..PoolConfig::default()
    });
    open(&mut p, "a", t);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    let _ = p.release(&"a", 2, true, Some(secs(30)), t);
    assert_eq!(p.next_expiry(), Some(t + secs(30)));
    let far = t + secs(86_400 * 365);
    assert_eq!(p.take_expired(far), vec![2]);
    assert_eq!(p.acquire(&"a", far).outcome, Acquire::Idle(1));
}

#[test]
fn zero_keep_alive_hint_closes_at_once() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    open(&mut p, "a", t);
    let actions = p.release(&"a", 1, true, Some(Duration::ZERO), t);
    assert_eq!(actions.close, vec![1]);
    assert_eq!(p.counts(), Counts::default());
}

#[test]
fn force_close_never_keeps_idle() {
    let t = Instant::now();
    let mut p: P = Pool::new(PoolConfig {
        force_close: true,
        ..PoolConfig::default()
    });
    open(&mut p, "a", t);
    let actions = p.release(&"a", 1, true, Some(secs(5)), t);
    assert_eq!(actions.close, vec![1]);
    assert_eq!(p.counts(), Counts::default());
}

#[test]
fn not_reusable_is_closed_and_frees_the_slot() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let actions = p.release(&"a", 1, false, None, t);
    assert_eq!(
        actions,
        Actions {
            close: vec![1],
            wake: vec![]
        }
    );
    open(&mut p, "b", t);
}

#[test]
fn acquire_with_skips_unusable() {
    let t = Instant::now();
    let mut p = pool(0, 0);
    for _ in 0..3 {
        open(&mut p, "a", t);
    }
    for c in 1..=3 {
        let _ = p.release(&"a", c, true, None, t);
    }
    let got = p.acquire_with(&"a", t, |c| *c == 1);
    assert_eq!(got.outcome, Acquire::Idle(1));
    assert_eq!(got.close, vec![3, 2]);
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

// ----- eviction -----

#[test]
fn full_pool_evicts_idle_of_other_host() {
    let t = Instant::now();
    let mut p = pool(2, 0);
    open(&mut p, "a", t);
    open(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    let _ = p.release(&"a", 2, true, None, t + secs(1));
    let got = p.acquire(&"b", t + secs(2));
    // the least recently released goes
    assert_eq!(got.close, vec![1]);
    let Acquire::Connect(permit) = got.outcome else {
        panic!()
    };
    p.connected(permit);
    assert_eq!(p.counts_for(&"a"), counts(1, 0, 0, 0));
    assert_eq!(p.counts_for(&"b"), counts(0, 1, 0, 0));
}

#[test]
fn eviction_prefers_expired() {
    let t = Instant::now();
    let mut p = pool(2, 0);
    open(&mut p, "a", t);
    open(&mut p, "c", t);
    let _ = p.release(&"a", 1, true, None, t);
    let _ = p.release(&"c", 2, true, Some(secs(1)), t + secs(1));
    let got = p.acquire(&"b", t + secs(3));
    assert_eq!(got.close, vec![2]);
    let Acquire::Connect(permit) = got.outcome else {
        panic!()
    };
    p.connected(permit);
    assert_eq!(p.counts_for(&"a").idle, 1);
}

#[test]
fn no_eviction_when_per_host_limit_blocks() {
    let t = Instant::now();
    let mut p = pool(2, 1);
    open(&mut p, "a", t);
    open(&mut p, "b", t);
    let _ = p.release(&"a", 1, true, None, t);
    // b is at its per-host limit: evicting a's idle connection would not help
    let got = p.acquire(&"b", t);
    assert!(got.close.is_empty());
    assert!(matches!(got.outcome, Acquire::Wait(_)));
    assert_eq!(p.counts_for(&"a").idle, 1);
}

// ----- waiters -----

#[test]
fn release_hands_connection_to_waiter_of_same_key() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "a", t);
    assert_eq!(p.take_grant(w), None); // spurious wake
    let actions = p.release(&"a", 1, true, None, t);
    assert_eq!(
        actions,
        Actions {
            close: vec![],
            wake: vec![w]
        }
    );
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
    assert_eq!(p.pending_grants(), 1);
    assert_eq!(p.take_grant(w), Some(Grant::Idle(1)));
    assert_eq!(p.take_grant(w), None);
    assert_eq!(p.pending_grants(), 0);
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

#[test]
fn release_to_waiter_of_other_key_evicts_and_grants_connect() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "b", t);
    let actions = p.release(&"a", 1, true, None, t);
    assert_eq!(
        actions,
        Actions {
            close: vec![1],
            wake: vec![w]
        }
    );
    let Some(Grant::Connect(permit)) = p.take_grant(w) else {
        panic!()
    };
    assert_eq!(permit.key(), &"b");
    p.connected(permit);
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

#[test]
fn freed_slot_grants_connect_to_next_eligible_waiter() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    let permit = connect(&mut p, "a", t);
    let w = wait(&mut p, "b", t);
    let actions = p.cancel(permit, t); // connect failed
    assert_eq!(actions.wake, vec![w]);
    assert!(matches!(p.take_grant(w), Some(Grant::Connect(ref q)) if q.key() == &"b"));
}

#[test]
fn waiters_served_in_arrival_order() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w1 = wait(&mut p, "b", t);
    let w2 = wait(&mut p, "a", t);
    let w3 = wait(&mut p, "c", t);
    let w4 = wait(&mut p, "a", t);
    assert_eq!(p.counts().waiting, 4);

    // w1 (b) is first in line: a's connection is closed to make room
    let actions = p.release(&"a", 1, true, None, t);
    assert_eq!(actions.close, vec![1]);
    assert_eq!(actions.wake, vec![w1]);
    let Some(Grant::Connect(q)) = p.take_grant(w1) else {
        panic!()
    };
    p.connected(q);

    // then w2 (a): b's connection goes
    let actions = p.release(&"b", 2, true, None, t);
    assert_eq!(actions.close, vec![2]);
    assert_eq!(actions.wake, vec![w2]);
    let Some(Grant::Connect(q)) = p.take_grant(w2) else {
        panic!()
    };
    p.connected(q);

    // then w3 (c), then w4 (a)
    let actions = p.discard(&"a", t);
    assert_eq!(actions.wake, vec![w3]);
    let Some(Grant::Connect(q)) = p.take_grant(w3) else {
        panic!()
    };
    p.connected(q);
    let actions = p.release(&"c", 3, false, None, t);
    assert_eq!(actions.wake, vec![w4]);
    let Some(Grant::Connect(q)) = p.take_grant(w4) else {
        panic!()
    };
    p.connected(q);
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

#[test]
fn same_key_waiters_reuse_in_arrival_order() {
    let t = Instant::now();
    let mut p = pool(0, 2);
    open(&mut p, "a", t);
    open(&mut p, "a", t);
    let w1 = wait(&mut p, "a", t);
    let w2 = wait(&mut p, "a", t);
    assert_eq!(p.release(&"a", 10, true, None, t).wake, vec![w1]);
    assert_eq!(p.release(&"a", 11, true, None, t).wake, vec![w2]);
    assert_eq!(p.take_grant(w2), Some(Grant::Idle(11)));
    assert_eq!(p.take_grant(w1), Some(Grant::Idle(10)));
}

#[test]
fn host_at_its_limit_does_not_block_other_hosts() {
    let t = Instant::now();
    let mut p = pool(3, 1);
    open(&mut p, "a", t);
    open(&mut p, "b", t);
    open(&mut p, "c", t);
    // a is at its per-host limit (and the total is full); d only at the total
    let wa = wait(&mut p, "a", t);
    let wd = wait(&mut p, "d", t);
    // b's slot frees: a's waiter is first but still blocked by a's limit
    let actions = p.release(&"b", 2, false, None, t);
    assert_eq!(actions.wake, vec![wd]);
    assert_eq!(p.take_grant(wa), None);
    let Some(Grant::Connect(q)) = p.take_grant(wd) else {
        panic!()
    };
    p.connected(q);
    // a's own connection comes back: a's waiter gets it
    let actions = p.release(&"a", 1, true, None, t);
    assert_eq!(actions.wake, vec![wa]);
    assert_eq!(p.take_grant(wa), Some(Grant::Idle(1)));
}

#[test]
fn new_host_connects_while_other_host_waits() {
    let t = Instant::now();
    let mut p = pool(10, 1);
    open(&mut p, "a", t);
    let _wa = wait(&mut p, "a", t);
    open(&mut p, "b", t);
    assert_eq!(p.counts(), counts(0, 2, 0, 1));
}

#[test]
fn cancel_wait_before_grant() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w1 = wait(&mut p, "b", t);
    let w2 = wait(&mut p, "c", t);
    assert_eq!(p.cancel_wait(w1, t), none());
    assert_eq!(p.counts().waiting, 1);
    assert_eq!(p.take_grant(w1), None);
    // w2 is now first
    let actions = p.release(&"a", 1, false, None, t);
    assert_eq!(actions.wake, vec![w2]);
    let _ = p.cancel_wait(w2, t);
    assert_eq!(p.counts(), Counts::default());
    assert_eq!(p.pending_grants(), 0);
}

#[test]
fn cancel_wait_after_idle_grant_returns_connection() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    assert_eq!(p.cancel_wait(w, t + secs(1)), none());
    assert_eq!(p.counts(), counts(1, 0, 0, 0));
    assert_eq!(p.pending_grants(), 0);
    // the connection keeps its original expiry
    assert_eq!(p.next_expiry(), Some(t + secs(15)));
    assert_eq!(p.close_all().close, vec![1]);
    assert_eq!(p.counts(), Counts::default());
}

#[test]
fn cancel_wait_after_idle_grant_passes_it_on() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w1 = wait(&mut p, "a", t);
    let w2 = wait(&mut p, "a", t);
    let _ = p.release(&"a", 1, true, None, t);
    let actions = p.cancel_wait(w1, t);
    assert_eq!(actions.wake, vec![w2]);
    assert_eq!(p.take_grant(w2), Some(Grant::Idle(1)));
}

#[test]
fn cancel_wait_after_idle_grant_expired_closes() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w1 = wait(&mut p, "a", t);
    let w2 = wait(&mut p, "b", t);
    let _ = p.release(&"a", 1, true, Some(secs(1)), t);
    let actions = p.cancel_wait(w1, t + secs(2));
    assert_eq!(actions.close, vec![1]);
    assert_eq!(actions.wake, vec![w2]);
    assert!(matches!(p.take_grant(w2), Some(Grant::Connect(_))));
}

#[test]
fn cancel_wait_after_connect_grant_frees_slot() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    let permit = connect(&mut p, "a", t);
    let w1 = wait(&mut p, "b", t);
    let w2 = wait(&mut p, "c", t);
    assert_eq!(p.cancel(permit, t).wake, vec![w1]);
    assert_eq!(p.counts(), counts(0, 0, 1, 1));
    let actions = p.cancel_wait(w1, t);
    assert_eq!(actions.wake, vec![w2]);
    let _ = p.cancel_wait(w2, t);
    assert_eq!(p.counts(), Counts::default());
    assert_eq!(p.pending_grants(), 0);
}

#[test]
fn cancel_wait_unknown_is_noop() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "a", t);
    let _ = p.cancel_wait(w, t);
    assert_eq!(p.cancel_wait(w, t), none());
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

// ----- misuse, discard, reconnect -----

#[test]
fn release_without_acquire_hands_back() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    assert_eq!(p.release(&"a", 9, true, None, t).close, vec![9]);
    open(&mut p, "a", t);
    assert_eq!(p.release(&"b", 8, true, None, t).close, vec![8]);
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
    assert!(p.discard(&"b", t).is_empty());
    assert!(p.reconnect(&"b").is_none());
    assert_eq!(p.counts(), counts(0, 1, 0, 0));
}

#[test]
fn discard_frees_slot_for_waiter() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "a", t);
    assert_eq!(p.discard(&"a", t).wake, vec![w]);
    assert!(matches!(p.take_grant(w), Some(Grant::Connect(_))));
}

#[test]
fn reconnect_keeps_the_slot() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "b", t);
    let permit = p.reconnect(&"a").unwrap_or_else(|| panic!("in use"));
    assert_eq!(p.counts(), counts(0, 0, 1, 1));
    p.connected(permit);
    assert_eq!(p.take_grant(w), None);
    assert_eq!(p.counts(), counts(0, 1, 0, 1));
}

// ----- close -----

#[test]
fn close_all() {
    let t = Instant::now();
    let mut p = pool(3, 0);
    open(&mut p, "a", t);
    open(&mut p, "a", t);
    let permit = connect(&mut p, "b", t);
    let wq = wait(&mut p, "c", t); // queued
    let wg = wait(&mut p, "a", t); // will hold an idle grant
    let _ = p.release(&"a", 1, true, None, t);
    // wq (first) got a's connection closed and a Connect; wg still queued
    let Some(Grant::Connect(pc)) = p.take_grant(wq) else {
        panic!()
    };
    let wg2 = wait(&mut p, "a", t);
    let actions = p.release(&"a", 2, true, None, t);
    assert_eq!(actions.wake, vec![wg]);
    let _ = wg2;

    let actions = p.close_all();
    assert!(p.is_closed());
    assert_eq!(actions.close, vec![2]);
    assert_eq!(actions.wake, vec![wg2]); // wg was woken already
    assert_eq!(p.take_grant(wg), Some(Grant::Closed));
    assert_eq!(p.take_grant(wg2), Some(Grant::Closed));
    assert_eq!(p.acquire(&"a", t).outcome, Acquire::Closed);
    // in-flight work is still given back as usual
    p.connected(permit);
    assert_eq!(p.release(&"b", 3, true, None, t).close, vec![3]);
    let _ = p.cancel(pc, t);
    assert_eq!(p.counts(), Counts::default());
    assert_eq!(p.pending_grants(), 0);
}

#[test]
fn close_all_takes_back_granted_permit() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    let permit = connect(&mut p, "a", t);
    let w = wait(&mut p, "b", t);
    let _ = p.cancel(permit, t);
    assert_eq!(p.counts().connecting, 1);
    let actions = p.close_all();
    assert!(actions.is_empty()); // w was woken already
    assert_eq!(p.counts(), Counts::default());
    assert_eq!(p.take_grant(w), Some(Grant::Closed));
}

#[test]
fn cancel_wait_after_close() {
    let t = Instant::now();
    let mut p = pool(1, 0);
    open(&mut p, "a", t);
    let w = wait(&mut p, "a", t);
    let _ = p.close_all();
    assert_eq!(p.pending_grants(), 1);
    assert_eq!(p.cancel_wait(w, t), none());
    assert_eq!(p.pending_grants(), 0);
}

// ----- retry -----

#[test]
fn retry_truth_table() {
    let idempotent = [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ];
    let other = [
        Method::POST,
        Method::PATCH,
        Method::CONNECT,
        Method::from_bytes(b"PROPFIND").unwrap_or_else(|_| panic!()),
    ];
    for m in idempotent.iter().chain(other.iter()) {
        for reused in [false, true] {
            for received in [false, true] {
                for attempt in [0, 1, 2, u32::MAX] {
                    let expected = idempotent.contains(m) && reused && !received && attempt == 0;
                    assert_eq!(
                        may_retry(m, reused, received, attempt),
                        expected,
                        "{m} reused={reused} received={received} attempt={attempt}"
                    );
                }
            }
        }
        assert_eq!(is_idempotent(m), idempotent.contains(m));
    }
}

// ----- property test -----

#[derive(Debug, Clone)]
enum Op {
    Acquire(u8),
    AcquireCheck(u8),
    Connected(usize),
    Cancel(usize),
    Release(usize, bool, Option<u8>),
    Discard(usize),
    Reconnect(usize),
    TakeGrant(usize),
    CancelWait(usize),
    Advance(u8),
    TakeExpired,
    CloseAll,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        30 => (0u8..4).prop_map(Op::Acquire),
        5 => (0u8..4).prop_map(Op::AcquireCheck),
        20 => any::<usize>().prop_map(Op::Connected),
        5 => any::<usize>().prop_map(Op::Cancel),
        30 => (any::<usize>(), any::<bool>(), proptest::option::of(0u8..30))
            .prop_map(|(i, r, h)| Op::Release(i, r, h)),
        5 => any::<usize>().prop_map(Op::Discard),
        5 => any::<usize>().prop_map(Op::Reconnect),
        20 => any::<usize>().prop_map(Op::TakeGrant),
        10 => any::<usize>().prop_map(Op::CancelWait),
        10 => (0u8..20).prop_map(Op::Advance),
        5 => Just(Op::TakeExpired),
        1 => Just(Op::CloseAll),
    ]
}

fn config() -> impl Strategy<Value = PoolConfig> {
    (
        0usize..5,
        0usize..3,
        proptest::option::of(1u64..20),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(limit, limit_per_host, ka, force_close)| PoolConfig {
            limit,
            limit_per_host,
            keepalive_timeout: ka.map(secs),
            force_close,
        })
}

/// What the test (the "client") holds, and what it knows about the pool.
struct Model {
    cfg: PoolConfig,
    pool: Pool<u8, u32>,
    now: Instant,
    permits: Vec<ConnectPermit<u8>>,
    in_use: Vec<(u8, u32)>,
    /// Queued waiters: id, key.
    queued: Vec<(WaiterId, u8)>,
    /// Woken waiters: id, key, time of the wake.
    woken: Vec<(WaiterId, u8, Instant)>,
    /// Connections currently inside the pool, with their key and expiry.
    owned: HashMap<u32, (u8, Option<Instant>)>,
    closed: HashSet<u32>,
    next_conn: u32,
}

impl Model {
    fn new(cfg: PoolConfig) -> Self {
        Model {
            pool: Pool::new(cfg.clone()),
            cfg,
            now: Instant::now(),
            permits: vec![],
            in_use: vec![],
            queued: vec![],
            woken: vec![],
            owned: HashMap::new(),
            closed: HashSet::new(),
            next_conn: 0,
        }
    }

    /// A connection came out of the pool: it must have been in it.
    fn out(&mut self, c: u32) -> (u8, Option<Instant>) {
        self.owned
            .remove(&c)
            .unwrap_or_else(|| panic!("conn {c} came out of the pool twice or was never in it"))
    }

    fn close(&mut self, cs: Vec<u32>) {
        for c in cs {
            self.out(c);
            assert!(self.closed.insert(c), "conn {c} closed twice");
        }
    }

    fn actions(&mut self, a: Actions<u32>) {
        self.close(a.close);
        for w in a.wake {
            let i = self
                .queued
                .iter()
                .position(|(q, _)| *q == w)
                .unwrap_or_else(|| panic!("woke {w:?}, which is not queued"));
            let (_, key) = self.queued.remove(i);
            // no earlier waiter still queued could have used this grant
            // (unless the pool is closing, when everyone is woken)
            if !self.pool.is_closed() {
                for (q, k) in &self.queued {
                    if *q < w {
                        assert!(
                            self.cfg.limit_per_host > 0
                                && self.pool.counts_for(k).total() >= self.cfg.limit_per_host,
                            "{w:?} granted before eligible {q:?}"
                        );
                    }
                }
            }
            self.woken.push((w, key, self.now));
        }
    }

    fn acquired(&mut self, key: u8, outcome: Acquire<u8, u32>) {
        match outcome {
            Acquire::Idle(c) => {
                let (k, exp) = self.out(c);
                assert_eq!(k, key);
                assert!(exp.is_none_or(|e| e > self.now), "expired conn handed out");
                self.in_use.push((key, c));
            }
            Acquire::Connect(p) => {
                assert_eq!(p.key(), &key);
                self.permits.push(p);
            }
            Acquire::Wait(w) => self.queued.push((w, key)),
            Acquire::Closed => assert!(self.pool.is_closed()),
        }
    }

    fn apply(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::Acquire(k) => {
                let a = self.pool.acquire(&k, now);
                self.close(a.close);
                self.acquired(k, a.outcome);
            }
            Op::AcquireCheck(k) => {
                let a = self.pool.acquire_with(&k, now, |c| c % 3 != 0);
                self.close(a.close);
                if let Acquire::Idle(c) = &a.outcome {
                    assert!(c % 3 != 0);
                }
                self.acquired(k, a.outcome);
            }
            Op::Connected(i) if !self.permits.is_empty() => {
                let p = self.permits.swap_remove(i % self.permits.len());
                let key = *p.key();
                self.pool.connected(p);
                self.next_conn += 1;
                self.in_use.push((key, self.next_conn));
            }
            Op::Cancel(i) if !self.permits.is_empty() => {
                let p = self.permits.swap_remove(i % self.permits.len());
                let a = self.pool.cancel(p, now);
                self.actions(a);
            }
            Op::Release(i, reusable, hint) if !self.in_use.is_empty() => {
                let (key, c) = self.in_use.swap_remove(i % self.in_use.len());
                let hint = hint.map(|h| secs(h.into()));
                let timeout = match (self.cfg.keepalive_timeout, hint) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, None) => a,
                    (None, b) => b,
                };
                self.owned.insert(c, (key, timeout.map(|t| now + t)));
                let keep = reusable
                    && !self.cfg.force_close
                    && !self.pool.is_closed()
                    && timeout != Some(Duration::ZERO);
                let a = self.pool.release(&key, c, reusable, hint, now);
                if !keep {
                    assert!(a.close.contains(&c));
                }
                self.actions(a);
            }
            Op::Discard(i) if !self.in_use.is_empty() => {
                let (key, _) = self.in_use.swap_remove(i % self.in_use.len());
                let a = self.pool.discard(&key, now);
                self.actions(a);
            }
            Op::Reconnect(i) if !self.in_use.is_empty() => {
                let (key, _) = self.in_use.swap_remove(i % self.in_use.len());
                let p = self.pool.reconnect(&key);
                let p = p.unwrap_or_else(|| panic!("nothing in use for {key}"));
                self.permits.push(p);
            }
            Op::TakeGrant(i) if !self.woken.is_empty() => {
                let (w, key, woken_at) = self.woken.swap_remove(i % self.woken.len());
                match self.pool.take_grant(w) {
                    Some(Grant::Idle(c)) => {
                        let (k, exp) = self.out(c);
                        assert_eq!(k, key);
                        assert!(exp.is_none_or(|e| e > woken_at), "expired conn granted");
                        self.in_use.push((key, c));
                    }
                    Some(Grant::Connect(p)) => {
                        assert_eq!(p.key(), &key);
                        self.permits.push(p);
                    }
                    Some(Grant::Closed) => assert!(self.pool.is_closed()),
                    None => panic!("woken {w:?} has no grant"),
                }
                assert_eq!(self.pool.take_grant(w), None);
            }
            Op::TakeGrant(i) if !self.queued.is_empty() => {
                let (w, _) = self.queued[i % self.queued.len()];
                assert_eq!(self.pool.take_grant(w), None);
            }
            Op::CancelWait(i) if !self.woken.is_empty() && i % 2 == 0 => {
                let (w, _, _) = self.woken.swap_remove(i % self.woken.len());
                let a = self.pool.cancel_wait(w, now);
                self.actions(a);
            }
            Op::CancelWait(i) if !self.queued.is_empty() => {
                let (w, _) = self.queued.remove(i % self.queued.len());
                let a = self.pool.cancel_wait(w, now);
                self.actions(a);
            }
            Op::Advance(s) => self.now += secs(s.into()),
            Op::TakeExpired => {
                let cs = self.pool.take_expired(now);
                for c in &cs {
                    let exp = self.owned.get(c).and_then(|(_, e)| *e);
                    assert!(exp.is_some_and(|e| e <= now));
                }
                self.close(cs);
            }
            Op::CloseAll => {
                let a = self.pool.close_all();
                self.actions(a);
                assert!(self.queued.is_empty());
            }
            _ => {}
        }
    }

    fn check(&self) {
        let total = self.pool.counts();
        let mut sum = Counts::default();
        for k in 0u8..4 {
            let c = self.pool.counts_for(&k);
            sum.idle += c.idle;
            sum.in_use += c.in_use;
            sum.connecting += c.connecting;
            sum.waiting += c.waiting;
            if self.cfg.limit_per_host > 0 {
                assert!(
                    c.total() <= self.cfg.limit_per_host,
                    "per-host limit: {c:?}"
                );
            }
            // a waiter is queued only if nothing could be granted to it
            if c.waiting > 0 {
                assert!(!self.pool.is_closed());
                assert_eq!(c.idle, 0, "waiter of {k} next to an idle connection");
                let host_full = self.cfg.limit_per_host > 0 && c.total() >= self.cfg.limit_per_host;
                let total_full =
                    self.cfg.limit > 0 && total.total() >= self.cfg.limit && total.idle == 0;
                assert!(host_full || total_full, "waiter of {k} could be served");
            }
        }
        assert_eq!(sum, total);
        if self.cfg.limit > 0 {
            assert!(total.total() <= self.cfg.limit, "total limit: {total:?}");
        }
        assert_eq!(total.waiting, self.queued.len());
        assert_eq!(self.pool.pending_grants(), self.woken.len());
        let held = self.in_use.len() + self.permits.len();
        let active = total.in_use + total.connecting;
        assert!(held <= active && active <= held + self.woken.len());
        assert!(total.idle <= self.owned.len());
        assert!(self.owned.len() <= total.idle + self.woken.len());
    }

    /// Give everything back and close: nothing may be left over.
    fn finish(mut self) {
        for (w, _) in std::mem::take(&mut self.queued) {
            let a = self.pool.cancel_wait(w, self.now);
            self.actions(a);
        }
        while !self.woken.is_empty() {
            self.apply(Op::TakeGrant(0));
        }
        assert!(self.queued.is_empty());
        for p in std::mem::take(&mut self.permits) {
            let key = *p.key();
            self.pool.connected(p);
            self.next_conn += 1;
            self.in_use.push((key, self.next_conn));
        }
        let mut reusable = true;
        while !self.in_use.is_empty() {
            self.apply(Op::Release(0, reusable, None));
            reusable = !reusable;
            self.check();
        }
        let a = self.pool.close_all();
        self.actions(a);
        self.check();
        assert!(self.owned.is_empty(), "leaked: {:?}", self.owned);
        assert_eq!(self.pool.counts(), Counts::default());
        assert_eq!(self.pool.pending_grants(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pool_invariants(cfg in config(), ops in proptest::collection::vec(op(), 0..120)) {
        let mut m = Model::new(cfg);
        for op in ops {
            m.apply(op);
            m.check();
        }
        m.finish();
    }
}
