//! `TimerHub` over real async-io timers: every deadline completes, none
//! before its instant, whatever order the deadlines arrive and leave in.

use ahttp::runtime::TimerHub;
use std::time::{Duration, Instant};

fn hub() -> TimerHub<async_io::Timer> {
    TimerHub::new(async_io::Timer::at)
}

/// Fails the test instead of hanging when a deadline is never woken. The
/// limit is polled first: a stranded sleep would otherwise be found
/// complete (its instant having passed) when the limit's timer wakes the
/// task.
async fn within<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> T {
    smol::future::or(
        async {
            async_io::Timer::after(limit).await;
            None
        },
        async { Some(fut.await) },
    )
    .await
    .expect("a deadline was never woken")
}

#[test]
fn deadlines_in_any_order_complete_at_or_after_their_instant() {
    let hub = hub();
    let start = Instant::now();
    // Later and earlier deadlines interleaved, so that the runtime timer
    // is re-armed both for an earlier arrival and after firing.
    let offsets_ms = [120u64, 30, 200, 10, 90, 60, 150, 20, 250, 40];
    let ex = smol::LocalExecutor::new();
    let tasks: Vec<_> = offsets_ms
        .iter()
        .map(|&ms| {
            let hub = hub.clone();
            ex.spawn(async move {
                let deadline = start + Duration::from_millis(ms);
                hub.sleep_until(deadline).await;
                (deadline, Instant::now())
            })
        })
        .collect();
    smol::block_on(ex.run(async {
        for task in tasks {
            let (deadline, done) = within(Duration::from_secs(10), task).await;
            assert!(done >= deadline, "completed before its deadline");
        }
    }));
    assert!(format!("{hub:?}").contains("waiting: 0"), "{hub:?}");
}

#[test]
fn an_earlier_deadline_arriving_later_is_not_held_up() {
    let hub = hub();
    smol::block_on(async {
        let mut far = hub.sleep_until(Instant::now() + Duration::from_secs(3600));
        // Registered (and the runtime timer armed for an hour from now).
        assert!(futures_lite::future::poll_once(&mut far).await.is_none());
        let near = Instant::now() + Duration::from_millis(30);
        within(Duration::from_secs(10), hub.sleep_until(near)).await;
        assert!(Instant::now() >= near);
        drop(far);
    });
    assert!(format!("{hub:?}").contains("waiting: 0"), "{hub:?}");
}

#[test]
fn a_dropped_earliest_deadline_does_not_strand_the_rest() {
    let hub = hub();
    smol::block_on(async {
        let now = Instant::now();
        let mut first = hub.sleep_until(now + Duration::from_millis(20));
        assert!(futures_lite::future::poll_once(&mut first).await.is_none());
        let second = now + Duration::from_millis(120);
        let mut waiting = hub.sleep_until(second);
        assert!(futures_lite::future::poll_once(&mut waiting)
            .await
            .is_none());
        // The runtime timer is armed for `first`, which goes away: when it
        // fires, the hub must arm it again for `second`.
        drop(first);
        within(Duration::from_secs(10), waiting).await;
        assert!(Instant::now() >= second);
    });
}

#[test]
fn a_past_deadline_completes_at_once_and_many_leave_nothing_behind() {
    let hub = hub();
    smol::block_on(async {
        within(Duration::from_secs(10), hub.sleep_until(Instant::now())).await;
        // Deadlines that are polled once and dropped, as every request's
        // total timeout is, leave the hub empty.
        for i in 0..1000u64 {
            let mut sleep = hub.sleep_until(Instant::now() + Duration::from_secs(300 + i));
            assert!(futures_lite::future::poll_once(&mut sleep).await.is_none());
        }
    });
    assert!(format!("{hub:?}").contains("waiting: 0"), "{hub:?}");
}

/// A waker that panics (an executor's bug) must not keep the other due
/// deadlines from being woken: they have left the hub already.
#[test]
fn a_panicking_waker_does_not_strand_the_other_due_deadlines() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }

    let hub = hub();
    let at = Instant::now() + Duration::from_millis(50);
    // Registered first, with the panicking waker: woken first.
    let mut first = hub.sleep_until(at);
    let panics = Waker::from(Arc::new(Panics));
    assert!(std::pin::Pin::new(&mut first)
        .poll(&mut Context::from_waker(&panics))
        .is_pending());
    smol::block_on(within(Duration::from_secs(10), hub.sleep_until(at)));
    drop(first);
}
